#!/usr/bin/python3
"""Reference for temperature scaling (tests/unit/test-calibrate.c).

Draws 300 cases of 6 classes with numpy (seed 13): true logits z ~ N(0, 1.5^2),
each label drawn from softmax(z), and the logits a model would report taken as
2.5 z (over-confident), rounded to float32.  The temperature minimising the
mean negative log-likelihood of softmax(logits / T) is found by golden-section
search on log T over [log 0.01, log 100] (a different method from the C
code's Newton iteration on 1/T), in float64 from the float32 values.

Writes tests/nn/golden/calibrate.txt:
    line 1   n K T NLL(1) NLL(T)      (T and the NLLs with 17 significant digits)
    then n   label logit_0 ... logit_5  (logits with 9 significant digits:
             they read back as the same float32)
Run with Debian's python3 (numpy) from the source tree:
    /usr/bin/python3 tests/reference/gen_calibrate.py
"""
import math
import os

import numpy as np


def nll(z, y, t):
    a = z / t
    a = a - a.max(axis=1, keepdims=True)
    lse = np.log(np.exp(a).sum(axis=1))
    return float(np.mean(lse - a[np.arange(len(y)), y]))


def main():
    rng = np.random.default_rng(13)
    n, k = 300, 6
    true = rng.normal(0.0, 1.5, size=(n, k))
    p = np.exp(true - true.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    y = np.array([rng.choice(k, p=row) for row in p])
    logits = (2.5 * true).astype(np.float32)
    z = logits.astype(np.float64)

    lo, hi = math.log(0.01), math.log(100.0)
    g = (math.sqrt(5) - 1) / 2
    a, b = hi - g * (hi - lo), lo + g * (hi - lo)
    fa, fb = nll(z, y, math.exp(a)), nll(z, y, math.exp(b))
    for _ in range(200):
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - g * (hi - lo)
            fa = nll(z, y, math.exp(a))
        else:
            lo, a, fa = a, b, fb
            b = lo + g * (hi - lo)
            fb = nll(z, y, math.exp(b))
    t = math.exp((lo + hi) / 2)

    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "nn", "golden", "calibrate.txt")
    with open(out, "w") as f:
        f.write("%d %d %.17g %.17g %.17g\n" % (n, k, t, nll(z, y, 1.0), nll(z, y, t)))
        for i in range(n):
            f.write("%d %s\n" % (y[i], " ".join("%.9g" % v for v in logits[i])))
    print("T = %.9f  NLL %.6f -> %.6f" % (t, nll(z, y, 1.0), nll(z, y, t)))


if __name__ == "__main__":
    main()
