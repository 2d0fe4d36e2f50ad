#!/usr/bin/env python3
"""Reference for explain's character attributions of an n-gram-only run
(tests/cli/explain.sh), from the run's stored weights alone, with the
Python standard library (no numpy).

  occlusion_ref.py PROJECT RUN TEXT

The model of a run trained with --branches ngram (one text field), as
ngram.h describes it (TF-IDF runs; the mean of runs from before too):
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
The prediction is argmax z; a character's score is z[pred] of the text
minus z[pred] of the text with that one character removed (occlusion).
Prints JSON: {"predicted", "logit", "scores": [[character, score], ...]}
in text order, spaces left out (as explain does).
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


def main():
    project, run, text = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    db = sqlite3.connect(project)
    feats, weights = db.execute("SELECT r.features, b.data FROM runs r JOIN run_blobs b ON b.run_id = r.id AND b.kind = 'weights' WHERE r.id = ?", (run,)).fetchone()
    (ng,) = [f for f in json.loads(feats) if f.get("mode") == "ngram"]
    row = {b: r for r, b in enumerate(ng["vocab"])}
    tfidf = ng.get("weighting") == "tfidf"
    w = safetensors(weights)
    (V, D), W = w["ngram.0.weight"]
    _, bias = w["ngram.0.bias"]
    (K, F), C = w["classifier.weight"]
    _, cb = w["classifier.bias"]
    U = w["ngram.0.direct"][1] if ng.get("direct") else None
    assert F == D, "an n-gram-only run has the n-gram vector as the head's input"

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
        v = list(bias)
        z = list(cb)
        for r, x in features(t):
            for d in range(D):
                v[d] += x * W[r * D + d]
            for k in range(K if U else 0):
                z[k] += x * U[r * K + k]
        return [z[k] + sum(C[k * F + d] * v[d] for d in range(D)) for k in range(K)]

    z = logits(text)
    pred = max(range(K), key=lambda k: z[k])
    scores = [[c, z[pred] - logits(text[:i] + text[i + 1:])[pred]] for i, c in enumerate(text) if c != " "]
    labels = json.loads(db.execute("SELECT labels FROM runs WHERE id = ?", (run,)).fetchone()[0])
    print(json.dumps({"predicted": labels[pred], "logit": z[pred], "scores": scores}, ensure_ascii=False))


if __name__ == "__main__":
    main()
