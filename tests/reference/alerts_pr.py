#!/usr/bin/python3
"""alerts_pr.py - what alert thresholds would have flagged on validation,
computed again for tests/cli/alerts-pr.sh and tests/tui/warnings-pr.sh.

Input: the validation cases as `yujing alerts --cases` prints them, one
JSON object a line {"key", "category" (the true one), "probabilities":
{category: p}}, each p printed to 9 digits and read back here as the
float32 it was (struct), since yujing compares the float with the
threshold.  The thresholds: ALL (every category not set one by one) and
CATEGORY=P for those set one by one.

Definitions (the issue's, written again from it, not from yujing's code):
for category c at threshold t a case is flagged when p(c) >= t; alerts =
flagged cases, true = flagged cases whose true category is c, in
validation = cases whose true category is c; precision = true / alerts,
recall = true / in validation, undefined ("–", JSON null) when the
denominator is 0.  The threshold for every other category sums the three
counts over the categories without their own threshold.

    alerts_pr.py rows CASES ALL [C=P ...]
        the rows of `yujing alerts --all`, fields separated by one space:
        the every-other row first, then each category in the run's order
        (that of the probabilities' keys)
    alerts_pr.py json CASES ALL [C=P ...] < ALERTS.json
        check `yujing alerts --json`: prints nothing when every count is
        equal and every ratio within 1e-12, else the differences
"""
import json
import struct
import sys


def f32(x):
    return struct.unpack("f", struct.pack("f", x))[0]


def load(path):
    cases = []
    for line in open(path, encoding="utf-8"):
        r = json.loads(line)
        cases.append((r["category"], {c: f32(p) for c, p in r["probabilities"].items()}))
    return cases


def counts(cases, cats, thr):
    """(alerts, true, in validation) summed over cats, each at thr[c]."""
    a = t = n = 0
    for truth, pr in cases:
        for c in cats:
            flagged = pr[c] >= thr[c]
            a += flagged
            t += flagged and truth == c
            n += truth == c
    return a, t, n


def ratio(x, y):
    return None if y == 0 else x / y


def table(cases, all_t, own):
    order = list(cases[0][1].keys())
    thr = {c: own.get(c, all_t) for c in order}
    others = [c for c in order if c not in own]
    rows = [("all", all_t, len(others), counts(cases, others, thr))]
    for c in order:
        rows.append((c, thr[c], None, counts(cases, [c], thr)))
    return rows


def fmt(x):
    return "\u2013" if x is None else "%.4f" % x


def main():
    mode, path, all_t = sys.argv[1], sys.argv[2], float(sys.argv[3])
    own = {}
    for a in sys.argv[4:]:
        c, p = a.rsplit("=", 1)
        own[c] = float(p)
    cases = load(path)
    rows = table(cases, all_t, own)
    if mode == "rows":
        for name, t, m, (a, tr, n) in rows:
            if name == "all":
                name = ("every other category (%d)" if own else "every category (%d)") % m
            print(" ".join(["%.2f" % t, name, fmt(ratio(tr, a)), fmt(ratio(tr, n)), str(a), str(tr), str(n)]))
        return
    got = json.load(sys.stdin)
    bad = []

    def same(what, obj, t, a, tr, n):
        want = {"threshold": t, "alerts": a, "true_alerts": tr, "true_cases": n,
                "precision": ratio(tr, a), "recall": ratio(tr, n)}
        for k, w in want.items():
            g = obj.get(k, "missing")
            if w is None or isinstance(w, int):
                ok = g == w and (w is None or type(g) is int)
            else:
                ok = isinstance(g, float) and abs(g - w) <= 1e-12
            if not ok:
                bad.append("%s %s: got %r, want %r" % (what, k, g, w))

    if got.get("validation_cases") != len(cases) or got.get("measured_on") != "validation":
        bad.append("validation_cases %r measured_on %r, want %d validation"
                   % (got.get("validation_cases"), got.get("measured_on"), len(cases)))
    name, t, m, (a, tr, n) = rows[0]
    same("all", got["all"], t, a, tr, n)
    if got["all"].get("categories") != m:
        bad.append("all categories: got %r, want %d" % (got["all"].get("categories"), m))
    gc = got["categories"]
    if [c["category"] for c in gc] != [r[0] for r in rows[1:]]:
        bad.append("categories: got %r" % [c["category"] for c in gc])
    for c, (name, t, _, (a, tr, n)) in zip(gc, rows[1:]):
        same(name, c, t, a, tr, n)
        if c.get("own") != (name in own):
            bad.append("%s own: got %r" % (name, c.get("own")))
    for b in bad:
        print(b)


main()
