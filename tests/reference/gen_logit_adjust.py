#!/usr/bin/python3
"""Reference for post-hoc logit adjustment (tests/unit/test-calibrate.c,
test_adjust): Menon et al. 2021, a = z - tau log(prior).

Three classes with training counts 6, 3, 1 (priors 0.6, 0.3, 0.1) and six
validation rows.  For each tau of the grid 0, 0.25, ..., 2 it prints the
arg max of the adjusted logits (rounded to float32, as the C code stores
them) and scikit-learn's macro-F1 of it; the C code must choose the tau
with the largest macro-F1, the smallest on a tie.  Then the adjusted and
temperature-scaled probabilities softmax((z - 0.75 log prior) / 1.5) of
the six rows.  The numbers printed are pasted into the test (tau 0 by
hand: class F1s 3/4, 2/3, 0, macro 0.4722; tau 0.75: 1/2, 1, 1/2, macro
2/3).  Run with Debian's python3:
    /usr/bin/python3 tests/reference/gen_logit_adjust.py
"""
import numpy as np
from sklearn.metrics import f1_score

counts = np.array([6, 3, 1], dtype=np.float64)
logprior = np.log(counts / counts.sum())
z = np.array([[2, 1, 0], [2, 1.5, 0], [1.5, 0, 0.5], [1, 0, 0], [0.2, 1, 0], [1.2, 0, 0]], dtype=np.float32)
y = np.array([0, 1, 2, 0, 1, 0])

print("log priors", " ".join("%.17g" % v for v in logprior))
for g in range(9):
    tau = g * 0.25
    a = (z.astype(np.float64) - tau * logprior).astype(np.float32)
    p = a.argmax(axis=1)
    print("tau %.2f pred %s macro-F1 %.17g" % (tau, "".join(str(v) for v in p), f1_score(y, p, average="macro")))
a = (z.astype(np.float64) - 0.75 * logprior).astype(np.float32).astype(np.float64) / 1.5
e = np.exp(a - a.max(axis=1, keepdims=True))
prob = e / e.sum(axis=1, keepdims=True)
for row in prob:
    print("prob", " ".join("%.9g" % v for v in row))
