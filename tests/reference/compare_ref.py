#!/usr/bin/python3
"""compare_ref.py - reference values for tests/unit/test-compare.c.

An independent computation of compare_bootstrap_f1 (src/train/compare.c):
the generator (xoshiro256** seeded through splitmix64, as
https://prng.di.unimi.it/ describes it, and rng_below's rejection rule,
include/yujing/base/rng.h) written again in Python integers, the macro-F1
from scikit-learn's f1_score(average="macro") (labels: those present in
y_true or y_pred), the percentiles from numpy.percentile (linear).  And
McNemar's p from scipy-free formulas: math.comb for the exact binomial
tail, math.erfc for the chi-square tail with one degree of freedom.

Run with Debian's /usr/bin/python3 (python3-sklearn, python3-numpy);
the printed numbers are pasted into test-compare.c.
"""
import math

import numpy as np
from sklearn.metrics import f1_score

M = (1 << 64) - 1


def splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & M
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    return state, z ^ (z >> 31)


class Xoshiro:
    def __init__(self, seed):
        x = seed & M
        self.s = []
        for _ in range(4):
            x, v = splitmix64(x)
            self.s.append(v)

    def u64(self):
        s = self.s
        rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & M
        result = (rotl((s[1] * 5) & M, 7) * 9) & M
        t = (s[1] << 17) & M
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def below(self, n):
        limit = M - (M % n)
        while True:
            v = self.u64()
            if v < limit:
                return v % n


def bootstrap(y, pa, pb, resamples, seed):
    y, pa, pb = np.array(y), np.array(pa), np.array(pb)
    n = len(y)
    full = f1_score(y, pb, average="macro", zero_division=0) - f1_score(y, pa, average="macro", zero_division=0)
    r = Xoshiro(seed)
    d = []
    for _ in range(resamples):
        idx = np.array([r.below(n) for _ in range(n)])
        d.append(f1_score(y[idx], pb[idx], average="macro", zero_division=0)
                 - f1_score(y[idx], pa[idx], average="macro", zero_division=0))
    return full, np.percentile(d, 2.5), np.percentile(d, 97.5)


def mcnemar(b, c):
    n = b + c
    if n == 0:
        return 1.0, 0.0, 1.0
    exact = min(1.0, 2 * sum(math.comb(n, i) for i in range(min(b, c) + 1)) / 2 ** n)
    chi2 = max(abs(b - c) - 1, 0) ** 2 / n
    return exact, chi2, math.erfc(math.sqrt(chi2 / 2))


if __name__ == "__main__":
    r = Xoshiro(42)
    print("rng seed 42 first u64: %d" % r.u64())
    y = [0, 0, 1, 1, 2, 2, 0, 1]
    pa = [0, 1, 1, 1, 2, 0, 0, 2]
    pb = [0, 0, 1, 2, 2, 2, 0, 1]
    print("bootstrap 200 seed 7: delta %.17g lo %.17g hi %.17g" % bootstrap(y, pa, pb, 200, 7))
    print("bootstrap 1000 seed 1: delta %.17g lo %.17g hi %.17g" % bootstrap(y, pa, pb, 1000, 1))
    for b, c in [(3, 0), (10, 2), (5, 5), (0, 0), (40, 61)]:
        print("mcnemar %d %d: exact %.17g chi2 %.17g p %.17g" % ((b, c) + mcnemar(b, c)))
