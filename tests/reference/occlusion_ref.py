#!/usr/bin/env python3
"""Reference for explain's word and character attributions (occlusion) of
an n-gram branch (tests/cli/explain.sh, explain-words.sh, the old project's
golden explanation), from the run's stored weights alone, with the Python
standard library (no numpy).

  occlusion_ref.py [--tokens] PROJECT RUN TEXT [BRANCH CATEGORY]

Without BRANCH: a run trained with --branches ngram (one text field); the
prediction is computed.  With BRANCH (an n-gram branch's name, e.g.
"ngram:block") and CATEGORY: a run that fuses it with other branches by a
linear head (sum or concat fusion): the logit of CATEGORY changes by the
head's weights on this branch's vector times the change of that vector
(and the change of its direct path), whatever the other branches hold, so
the scores need only this branch; "logit" is then null.

The units (explain.h, written again here from its rule): a word is a
maximal run of letters and digits (class 1 below: ASCII letters and
digits, and the letters of scripts outside the CJK blocks); a CJK
character, or any other character that is not white space, is a unit of
its own; white space (ASCII, U+3000) is no unit.  "夜间burglary 3" has the
units 夜 间 burglary 3.  A unit's score is z[pred] of the text minus
z[pred] of the text with that unit's characters removed (nothing else).

The model of an n-gram branch, as ngram.h describes it (TF-IDF runs; the
mean of runs from before too):
    text  ASCII letters lowered, runs of white space (and U+3000) made one
          space, no space at either end (TF-IDF only)
    h     FNV-1a 64 of each character n-gram's UTF-8 bytes (n = 1..N),
          then the kind mixed in (x ^= kind; x *= prime), mod buckets;
          kind n for character n-grams, 256 + n for word n-grams: the
          words' bytes joined by one space, words being maximal runs of
          letters and digits outside the CJK blocks, no word n-gram across
          a CJK character
    x_r   (1 + ln tf_r) (ln((1 + ndocs) / (1 + df_r)) + 1) over the rows r
          of the run's vocabulary present, then divided by its L2 norm;
          n-grams outside the vocabulary dropped
          (before TF-IDF: 1/m for each occurrence, m counting every n-gram)
    v     ngram.0.bias + sum_r x_r W[r]
    z     classifier.weight v + classifier.bias + sum_r x_r U[r]
          (U = ngram.0.direct, the direct path; fusion.h)
    a     z - tau log(prior), when the run stored a logit adjustment
          (runs.metrics "calibration": "tau", "log_priors"); else z
The prediction is argmax a, and "logit" is a[pred] (the temperature is
left to the caller); the adjustment is the same with or without a unit, so
the scores are differences of z.
Prints JSON: {"predicted", "logit", "units": [[text, "word" | "character",
offset in characters, score], ...]} with every unit in text order.  With
--tokens: the ten units with the highest scores (the earlier first on a
tie) as explain --json lists them, {"branch", "text", "score", "unit",
"offset"}.
"""
import array
import json
import math
import sqlite3
import struct
import sys

FNV_OFFSET = 1469598103934665603
FNV_PRIME = 1099511628211
MASK = (1 << 64) - 1


def safetensors(blob):
    (n,) = struct.unpack_from("<Q", blob, 0)
    head = json.loads(blob[8:8 + n])
    out = {}
    for name, t in head.items():
        if name == "__metadata__":
            continue
        assert t["dtype"] == "F32", t
        a, b = t["data_offsets"]
        v = array.array("f")
        v.frombytes(blob[8 + n + a:8 + n + b])
        if sys.byteorder != "little":
            v.byteswap()
        out[name] = (t["shape"], v.tolist())
    return out


def fnv(data, kind, buckets):
    x = FNV_OFFSET
    for byte in data:
        x ^= byte
        x = (x * FNV_PRIME) & MASK
    x ^= kind
    x = (x * FNV_PRIME) & MASK
    return x % buckets


def char_class(c):
    """0 separator, 1 letter or digit (in words), 2 CJK (ngram.c)."""
    o = ord(c)
    if o < 0x80:
        return 1 if c.isascii() and c.isalnum() else 0
    if (0x2E80 <= o <= 0x9FFF or 0xAC00 <= o <= 0xD7AF or 0xF900 <= o <= 0xFAFF or 0xFE30 <= o <= 0xFE4F
            or 0xFF00 <= o <= 0xFFEF or 0x20000 <= o <= 0x3FFFF):
        return 2
    if 0x80 <= o <= 0xBF or o in (0xD7, 0xF7) or 0x2000 <= o <= 0x2BFF:
        return 0
    return 1


def normalise(text):
    out, space = [], False
    for c in text:
        if c in " \t\n\r\f\v\u3000":
            space = True
            continue
        if space and out:
            out.append(" ")
        space = False
        out.append(c.lower() if "A" <= c <= "Z" else c)
    return "".join(out)


def hashes(text, nmax, words, buckets, tfidf):
    if tfidf:
        text = normalise(text)
    out = []
    for i in range(len(text)):
        for k in range(1, nmax + 1):
            if i + k <= len(text):
                out.append(fnv(text[i:i + k].encode("utf-8"), k, buckets))
    # words and whether a CJK character (or the start) comes before each
    ws, brk, cjk, prev = [], [], True, 0
    for c in text:
        cl = char_class(c)
        if cl == 1:
            if prev == 1:
                ws[-1] += c
            else:
                ws.append(c)
                brk.append(cjk)
            cjk = False
        elif cl == 2:
            cjk = True
        prev = cl
    for i in range(len(ws)):
        for k in range(1, words + 1):
            if i + k <= len(ws) and not any(brk[i + 1:i + k]):
                out.append(fnv(" ".join(ws[i:i + k]).encode("utf-8"), 256 + k, buckets))
    return out


WHITE = " \t\n\r\f\v\u3000"


def units(text):
    """(start, end, kind) of each unit of text, in characters."""
    out, i = [], 0
    while i < len(text):
        if text[i] in WHITE:
            i += 1
        elif char_class(text[i]) == 1:
            j = i
            while j < len(text) and text[j] not in WHITE and char_class(text[j]) == 1:
                j += 1
            out.append((i, j, "word"))
            i = j
        else:
            out.append((i, i + 1, "character"))
            i += 1
    return out


def main():
    args = sys.argv[1:]
    tokens = args[:1] == ["--tokens"]
    if tokens:
        args = args[1:]
    project, run, text = args[0], int(args[1]), args[2]
    branch, category = (args[3], args[4]) if len(args) > 3 else (None, None)
    db = sqlite3.connect("file:%s?mode=ro" % project, uri=True)
    # the weights: in run_blobs since schema 4, in runs.weights before
    blobs = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'run_blobs'").fetchone()
    feats, config, labels, weights = db.execute(
        "SELECT r.features, r.config, r.labels, b.data FROM runs r JOIN run_blobs b ON b.run_id = r.id "
        "AND b.kind = 'weights' WHERE r.id = ?" if blobs else
        "SELECT features, config, labels, weights FROM runs WHERE id = ?", (run,)).fetchone()
    feats, config, labels = json.loads(feats), json.loads(config), json.loads(labels)
    (metrics,) = db.execute("SELECT metrics FROM runs WHERE id = ?", (run,)).fetchone()
    cal = (json.loads(metrics) if metrics else {}).get("calibration") or {}
    tau, logp = cal.get("tau") or 0, cal.get("log_priors")
    ngrams = [f for f in feats if f.get("mode") == "ngram"]
    if branch is None:
        assert len(ngrams) == len(feats) == 1, "without BRANCH: a run of one n-gram branch and nothing else"
        t = 0
    else:
        (t,) = [i for i, f in enumerate(ngrams) if f.get("branch") == branch]
    ng = ngrams[t]
    row = {b: r for r, b in enumerate(ng["vocab"])}
    tfidf = ng.get("weighting") == "tfidf"
    w = safetensors(weights)
    (V, D), W = w["ngram.%d.weight" % t]
    _, bias = w["ngram.%d.bias" % t]
    (K, F), C = w["classifier.weight"]
    _, cb = w["classifier.bias"]
    U = w["ngram.%d.direct" % t][1] if ng.get("direct") else None
    # this branch's columns of the head: all of them (sum fusion, or the
    # branch alone), else its block after the structured projection and
    # the n-gram branches before it (concat fusion)
    at = 0
    if F != D:
        structured = any(f.get("mode") != "ngram" and "branch" not in f for f in feats)
        at = (config["proj"] if structured else 0) + t * D
        assert at + D <= F, "the head's input does not fit"

    def features(t):
        h = hashes(t, ng["n"], ng.get("words", 0) if tfidf else 0, ng["buckets"], tfidf)
        if not tfidf:
            return [(row[x], 1.0 / len(h)) for x in h if x in row]
        tf = {}
        for x in h:
            if x in row:
                tf[row[x]] = tf.get(row[x], 0) + 1
        x = {r: (1 + math.log(c)) * (math.log((1 + ng["ndocs"]) / (1 + ng["df"][r])) + 1) for r, c in tf.items()}
        norm = math.sqrt(sum(v * v for v in x.values()))
        return [(r, v / norm) for r, v in x.items()]

    def logits(t):
        """The head's logits from this branch alone (its vector, its
        direct path, the bias): the other branches add the same to every
        text."""
        v = list(bias)
        z = list(cb)
        for r, x in features(t):
            for d in range(D):
                v[d] += x * W[r * D + d]
            for k in range(K if U else 0):
                z[k] += x * U[r * K + k]
        return [z[k] + sum(C[k * F + at + d] * v[d] for d in range(D)) for k in range(K)]

    z = logits(text)
    a = [z[k] - (tau * logp[k] if tau and logp else 0) for k in range(K)]
    pred = max(range(K), key=lambda k: a[k]) if branch is None else labels.index(category)
    scores = [[text[a:b], kind, a, z[pred] - logits(text[:a] + text[b:])[pred]] for a, b, kind in units(text)]
    if tokens:
        top = sorted(scores, key=lambda s: (-s[3], s[2]))[:10]
        name = ng.get("branch", "ngram:" + ng.get("field", ""))
        print(json.dumps([{"branch": name, "text": u, "score": x, "unit": kind, "offset": a} for u, kind, a, x in top],
                         ensure_ascii=False))
        return
    print(json.dumps({"predicted": labels[pred], "logit": a[pred] if branch is None else None, "units": scores},
                     ensure_ascii=False))


if __name__ == "__main__":
    main()
