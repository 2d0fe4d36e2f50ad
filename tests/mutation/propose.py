#!/usr/bin/env python3
"""propose.py - candidate mutants of one source file, to grow mutants.txt.

    tests/mutation/propose.py FILE [--max N] [--seed S] [--tests "T1 T2"]

Prints blocks in the format of mutants.txt (see run.py) for small,
realistic changes on lines of FILE: a comparison turned (< for <=, ==
for !=), an off-by-one (+ 1 dropped, - 1 added), && for ||, a constant
changed, a sign flipped, an index moved.  Each pattern is the whole
statement line without its indentation, which must occur exactly once in
the file, so a mutant stays specific when the code around it moves.
Comments, strings shown to the user (_(...)) and preprocessor lines are
left alone.  The output is a proposal: read each one, keep those that are
bugs a user would meet, write what it breaks in `why`, and name the
tests that exercise the code.  Python 3 standard library only.
"""
import argparse
import random
import re
import sys

SWAPS = [
    (" <= ", " < "), (" < ", " <= "), (" >= ", " > "), (" > ", " >= "),
    (" == ", " != "), (" != ", " == "), (" && ", " || "), (" || ", " && "),
    (" + 1", ""), (" - 1", ""), ("+ 1)", "+ 2)"), ("0.5", "0.25"),
    (" - ", " + "), (" + ", " - "), (" * ", " / "),
    ("++", "--"), ("[0]", "[1]"), ("[1]", "[0]"), ("1e-", "1e+"),
    ("return 0;", "return 1;"), ("return -1;", "return 0;"),
    ("continue;", ";"),
]


def func_of(lines, i):
    for j in range(i, -1, -1):
        m = re.match(r"^(?:static\s+)?[\w\s\*]+?\b(\w+)\(", lines[j])
        if m and not lines[j].startswith((" ", "\t", "#", "/", "*")) and not lines[j].rstrip().endswith(";"):
            return m.group(1)
    return "?"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--max", type=int, default=20)
    ap.add_argument("--seed", default="1")
    ap.add_argument("--tests", default="TESTS")
    ap.add_argument("--prefix", default=None)
    a = ap.parse_args()
    text = open(a.file, encoding="utf-8").read()
    lines = text.split("\n")
    rel = a.file.split("/src/", 1)[-1] if "/src/" in a.file else a.file
    rel = rel if rel.startswith("src/") else "src/" + rel if not a.file.startswith("src/") else a.file
    prefix = a.prefix or rel[4:].replace("/", ".").rsplit(".", 1)[0]
    cands = []
    in_comment = False
    for i, raw in enumerate(lines):
        s = raw.strip()
        if in_comment:
            if "*/" in s:
                in_comment = False
            continue
        if s.startswith("/*") and "*/" not in s:
            in_comment = True
            continue
        if not s or s.startswith(("/*", "*", "//", "#")) or "_(" in s or "N_(" in s or '"' in s:
            continue
        if text.count(s) != 1 or len(s) < 12:
            continue
        for fr, to in SWAPS:
            if fr in s:
                new = s.replace(fr, to, 1)
                if new != s:
                    cands.append((i, s, new, fr, to))
    rng = random.Random(a.seed)
    rng.shuffle(cands)
    seen, out = set(), []
    for c in cands:
        if c[0] in seen:
            continue
        seen.add(c[0])
        out.append(c)
        if len(out) >= a.max:
            break
    out.sort()
    for n, (i, s, new, fr, to) in enumerate(out, 1):
        print("mutant %s.%s-%d" % (prefix, func_of(lines, i), i + 1))
        print("file %s" % rel)
        print("from %s" % s)
        print("to %s" % new)
        print("tests %s" % a.tests)
        print("why %s: `%s` for `%s`" % (func_of(lines, i), to.strip() or "nothing", fr.strip()))
        print()


if __name__ == "__main__":
    sys.exit(main())
