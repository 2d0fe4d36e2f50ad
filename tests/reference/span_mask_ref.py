#!/usr/bin/python3
"""span_mask_ref.py - exact statistics of yujing's span masking
(pretrain_span_mask in src/train/pretrain.c, defined in
include/yujing/train/pretrain.h), for tests/unit/test-span-mask.c.

Written from the definition in pretrain.h, not from the C: of nc
candidates k = max(1, round(0.15 nc)) are chosen span by span; a span's
length L is geometric (p = 0.2) cut to 10 and to the tokens still to
choose, its start uniform among the candidates not yet chosen, and it runs
right from there, stopping before a non-candidate or a chosen position.
Each span gets one fate: [MASK] (0.8), kept (0.1), random ids (0.1).

The distribution of the final chosen set is computed exactly by
enumerating every (length, start) draw with its probability (memoised on
the chosen set and the number of spans), so the figures printed are
exact expectations; the C test compares its Monte Carlo means with them.

    /usr/bin/python3 tests/reference/span_mask_ref.py

Layouts (1 = candidate, 0 = [CLS]/[SEP]):
  A: [CLS] + 10 words + [SEP]                     (k = 2)
  B: [CLS] + 20 words + [SEP]                     (k = 3)
  C: [CLS] + 5 words + [SEP] + 5 words + [SEP]    (k = 2)
Printed per layout: P(all chosen positions form one contiguous run),
E[number of maximal runs], P(every chosen token has the same fate) and,
for layout A, P(the chosen tokens are adjacent).  For A the first is
also derived by hand in test-span-mask.c (0.72 + 0.04 + 0.08/9).
"""
import math
from fractions import Fraction
from functools import lru_cache

P = Fraction(1, 5)
Q = 1 - P
MAXSPAN = 10
FATES = (Fraction(8, 10), Fraction(1, 10), Fraction(1, 10))  # mask, kept, random
# P(s spans all draw the same fate)
SAME = {s: sum(f ** s for f in FATES) for s in range(0, 20)}


def budget(nc, prob=0.15):
    k = int(math.floor(prob * nc + 0.5))
    return min(max(k, 1), nc)


def length_dist(remaining):
    m = min(MAXSPAN, remaining)
    d = {l: P * Q ** (l - 1) for l in range(1, m)}
    d[m] = Q ** (m - 1)
    return d


def final_sets(layout):
    """{(chosen frozenset, spans): probability} at the end."""
    cand = [i for i, c in enumerate(layout) if c]
    k = budget(len(cand))

    @lru_cache(maxsize=None)
    def step(chosen, spans):
        if len(chosen) == k:
            return {(chosen, spans): Fraction(1)}
        free = [i for i in cand if i not in chosen]
        out = {}
        for l, pl in length_dist(k - len(chosen)).items():
            for s in free:
                span = []
                t = s
                while t < len(layout) and len(span) < l and layout[t] and t not in chosen:
                    span.append(t)
                    t += 1
                w = pl / len(free)
                for key, pr in step(chosen | frozenset(span), spans + 1).items():
                    out[key] = out.get(key, 0) + w * pr
        return out

    return step(frozenset(), 0)


def runs(chosen):
    c = sorted(chosen)
    return 1 + sum(1 for a, b in zip(c, c[1:]) if b != a + 1)


def stats(layout):
    d = final_sets(layout)
    assert sum(d.values()) == 1
    one = sum(pr for (c, s), pr in d.items() if runs(c) == 1)
    mean_runs = sum(pr * runs(c) for (c, s), pr in d.items())
    same = sum(pr * SAME[s] for (c, s), pr in d.items())
    return one, mean_runs, same


LAYOUTS = {
    "A": [0] + [1] * 10 + [0],
    "B": [0] + [1] * 20 + [0],
    "C": [0] + [1] * 5 + [0] + [1] * 5 + [0],
}

if __name__ == "__main__":
    for name, lay in LAYOUTS.items():
        one, mr, same = stats(lay)
        print("%s: k %d  P(one run) %.6f  E[runs] %.6f  P(one fate) %.6f" %
              (name, budget(sum(lay)), float(one), float(mr), float(same)))
