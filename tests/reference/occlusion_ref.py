#!/usr/bin/env python3
"""Reference for explain's character attributions of an n-gram-only run
(tests/cli/explain.sh), from the run's stored weights alone, with the
Python standard library (no numpy).

  occlusion_ref.py PROJECT RUN TEXT

The model of a run trained with --branches ngram (one text field):
    h_j   = FNV-1a 64 of each character n-gram's UTF-8 bytes (n = 1..N),
            then the n-gram length k mixed in (x ^= k; x *= prime),
            mod buckets                                   (ngram.h)
    v     = ngram.0.bias + (1/m) sum_j W[row(h_j)]       m = all n-grams,
            row() the position of h_j in the run's sorted vocabulary;
            an n-gram outside it adds nothing but counts in m
    z     = classifier.weight v + classifier.bias         (fusion.h)
The prediction is argmax z; a character's score is z[pred] of the text
minus z[pred] of the text with that one character removed (occlusion).
Prints JSON: {"predicted", "logit", "scores": [[character, score], ...]}
in text order, spaces left out (as explain does).
"""
import array
import json
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


def hashes(text, nmax, buckets):
    chars = [c.encode("utf-8") for c in text]
    out = []
    for i in range(len(chars)):
        for k in range(1, nmax + 1):
            if i + k > len(chars):
                break
            x = FNV_OFFSET
            for byte in b"".join(chars[i:i + k]):
                x ^= byte
                x = (x * FNV_PRIME) & MASK
            x ^= k
            x = (x * FNV_PRIME) & MASK
            out.append(x % buckets)
    return out


def main():
    project, run, text = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    db = sqlite3.connect(project)
    feats, weights = db.execute("SELECT features, weights FROM runs WHERE id = ?", (run,)).fetchone()
    (ng,) = [f for f in json.loads(feats) if f.get("mode") == "ngram"]
    row = {b: r for r, b in enumerate(ng["vocab"])}
    w = safetensors(weights)
    (V, D), W = w["ngram.0.weight"]
    _, bias = w["ngram.0.bias"]
    (K, F), C = w["classifier.weight"]
    _, cb = w["classifier.bias"]
    assert F == D, "an n-gram-only run has the n-gram vector as the head's input"

    def logits(t):
        h = hashes(t, ng["n"], ng["buckets"])
        v = list(bias)
        for x in h:
            r = row.get(x)
            if r is not None:
                for d in range(D):
                    v[d] += W[r * D + d] / len(h)
        return [cb[k] + sum(C[k * F + d] * v[d] for d in range(D)) for k in range(K)]

    z = logits(text)
    pred = max(range(K), key=lambda k: z[k])
    scores = [[c, z[pred] - logits(text[:i] + text[i + 1:])[pred]] for i, c in enumerate(text) if c != " "]
    labels = json.loads(db.execute("SELECT labels FROM runs WHERE id = ?", (run,)).fetchone()[0])
    print(json.dumps({"predicted": labels[pred], "logit": z[pred], "scores": scores}, ensure_ascii=False))


if __name__ == "__main__":
    main()
