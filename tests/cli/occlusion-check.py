#!/usr/bin/env python3
"""occlusion-check.py - explain's unit scores against the occlusion
reference (tests/reference/occlusion_ref.py), for explain.sh and
explain-words.sh:

  occlusion-check.py EVAL.json BRANCH EXPLAIN.json REF.json [EXPLAIN.json REF.json ...]

EVAL.json is `yujing eval --json` of the run: the reference gives the
stored weights' logits, explain those of the calibrated model, divided by
the run's temperature.  For each pair: explain's temperature is the run's,
the predicted category and its logit are the reference's (1e-4), the
scores of the tokens are the reference's ten best, and each token (of
branch BRANCH) has the text, kind and score (1e-4) of the reference's
unit at its offset.  Prints what differs; exit status 1 then.
"""
import json
import sys


def main():
    T = json.load(open(sys.argv[1])).get("calibration", {}).get("temperature", 1)
    branch, bad = sys.argv[2], []
    for ex, ref in zip(sys.argv[3::2], sys.argv[4::2]):
        e, r = json.load(open(ex, encoding="utf-8")), json.load(open(ref, encoding="utf-8"))
        units = {a: (u, kind, x / T) for u, kind, a, x in r["units"]}
        if e["temperature"] != T:
            bad.append("%s: explain temperature %s, eval %s" % (ex, e["temperature"], T))
        if e["predicted"] != r["predicted"] or abs(e["output"]["logit"] - r["logit"] / T) > 1e-4:
            bad.append("%s: predicted %s %s, logit %.6f %.6f" % (ex, e["predicted"], r["predicted"],
                                                                e["output"]["logit"], r["logit"] / T))
        top = sorted((x for _, _, x in units.values()), reverse=True)[:10]
        got = [t["score"] for t in e["tokens"]]
        if len(got) != len(top) or any(abs(a - b) > 1e-4 for a, b in zip(got, top)):
            bad.append("%s: top scores %s, reference %s" % (ex, got, top))
        for t in e["tokens"]:
            u = units.get(t["offset"])
            if t["branch"] != branch or not u or u[:2] != (t["text"], t["unit"]) or abs(u[2] - t["score"]) > 1e-4:
                bad.append("%s: token %s, reference %s" % (ex, t, u))
    print("\n".join(bad), end="")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
