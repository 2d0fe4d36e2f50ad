#!/usr/bin/env python3
"""profile_ref.py - an independent reference for `yujing profile --json`.

Reads one CSV or JSON-lines file the way `yujing import` does and prints
the data-quality profile in the shape of the issue that defines it:

  {"sources": [{"name", "rows", "duplicate_rows", "duplicate_row_rate",
                "repeated_keys", "fields": [{"name", "type", "role",
                "nulls", "null_rate", "duplicates", "duplicate_rate",
                "outliers", "outlier_rate", "distinct", "min", "max",
                "mean", "std", "median", "top": [[value, count], ...],
                "length": {"min", "median", "p95", "max",
                           "suggested_max_len"}}]}]}

Statistics that do not apply are null.  It is written from the definitions
in the issue, not from yujing's code, and uses the Python 3 standard
library only (so CI can run it without numpy):

  null        a missing value (absent JSON key, JSON null), an empty or
              whitespace-only string (ASCII blanks), or a null marker
              (default NULL, null, NA, N/A, \\N; exact text).  N_f, N_f/M.
  duplicates  D_f = non-null values - distinct non-null values, D_f/M;
              per source R = M - distinct rows (all fields but the
              --dedup-ignore ones, values as exact text), R/M; and the case
              keys still on several rows once those duplicates are set
              aside (repeated_keys).
  outliers    numeric fields but the key: mu, sigma = mean and population std of the
              non-null values; x is an outlier when |x - mu| > s * sigma;
              none when fewer than 2 values or sigma = 0.
  quantiles   numpy's default linear interpolation: position q (n - 1)
              between the order statistics at its floor and ceiling.
  top         the 5 most frequent non-null values, ties broken by the
              smaller value: numeric order for numeric fields, byte order
              (UTF-8) otherwise.
  length      text fields: length in code points of the non-null values,
              min / median / p95 / max, suggested_max_len =
              min(512, ceil(p95)).
  datetime    min and max are the texts of the earliest and latest value
              (the first one in file order when several spell the same
              instant); mean, std and median do not apply.

Import conventions (those of `yujing import`):
  CSV         RFC 4180, UTF-8 (a BOM is skipped), the first line names the
              fields (names trimmed of blanks), blank lines skipped.
  JSON lines  one object per line; nested objects flatten to dotted names
              (meta.accusation); arrays and empty objects become compact
              JSON text, json.dumps(v, ensure_ascii=False,
              separators=(',', ':')); numbers as their shortest decimal
              text (Python's repr of the double, whole numbers without
              ".0": "5", "0.25", "1e+16", "1e-05"); true/false as "true"/"false"; null is null.  Fields
              appear in the order they are first seen.

The field types (and roles) are yujing's inference, passed in: the output
of `yujing sources PROJECT --json` (--sources FILE).

Usage:
  profile_ref.py --sources SOURCES.json [--source NAME] [--format csv|jsonl]
                 [--sigma S] [--dedup-ignore F1,F2] [--null-markers JSON]
                 FILE
"""

import argparse
import csv
import datetime
import json
import math
import re
import statistics
import sys

DEFAULT_MARKERS = ["NULL", "null", "NA", "N/A", "\\N"]
ASCII_BLANKS = " \t\r\n\v\f"


# ------------------------------------------------------------------ reading

def read_csv(path):
    """Field names and rows (lists of str) of a CSV file."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        header = None
        rows = []
        for rec in reader:
            if header is None:
                if not rec:
                    continue
                header = [h.strip(" \t") for h in rec]
                continue
            if not rec and len(header) > 1:
                continue  # a blank line
            if not rec:
                rec = [""]
            if len(rec) != len(header):
                sys.exit("%s:%d: %d fields, the header has %d"
                         % (path, reader.line_num, len(rec), len(header)))
            rows.append(rec)
    if header is None:
        sys.exit("%s: no header line" % path)
    return header, rows


def shortest_number(v):
    """A JSON real as its shortest decimal text: Python's repr (the shortest
    digits that read back as the same double; exponent from 1e16 and below
    1e-4, as C's %g spells it) without the ".0" of whole numbers."""
    r = repr(v)
    return r[:-2] if r.endswith(".0") else r


def json_text(v):
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return shortest_number(v)
    if isinstance(v, str):
        return v
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"))


def flatten(obj, prefix, out):
    for k, v in obj.items():
        name = prefix + "." + k if prefix else k
        if isinstance(v, dict) and v:
            flatten(v, name, out)
        else:
            out[name] = json_text(v)


def read_jsonl(path):
    """Field names (first-seen order) and rows (None for absent/null)."""
    names = []
    index = {}
    recs = []
    with open(path, encoding="utf-8-sig", newline="\n") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n").rstrip("\r \t")
            if not line.strip(" \t"):
                continue
            obj = json.loads(line)
            if not isinstance(obj, dict):
                sys.exit("%s:%d: not a JSON object" % (path, lineno))
            flat = {}
            flatten(obj, "", flat)
            for k in flat:
                if k not in index:
                    index[k] = len(names)
                    names.append(k)
            recs.append(flat)
    rows = [[r.get(n) for n in names] for r in recs]
    return names, rows


# ------------------------------------------------------------- statistics

def quantile(sorted_xs, q):
    """numpy.quantile(xs, q) with the default 'linear' method."""
    n = len(sorted_xs)
    h = (n - 1) * q
    lo = math.floor(h)
    hi = math.ceil(h)
    a = sorted_xs[lo]
    if hi == lo:
        return float(a)
    b = sorted_xs[hi]
    return a + (b - a) * (h - lo)


def parse_datetime(s):
    """Seconds since 1970 (UTC when an offset is given) for the spellings
    found in the data sets: ISO 8601 (YYYY-MM-DD[(T| )hh:mm[:ss[.f]]]
    [Z|+hh:mm]), YYYY/MM/DD, M/D/YYYY [h:mm[:ss] [AM|PM]]."""
    t = s.strip(" \t")
    m = re.fullmatch(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})"
                     r"(?:[T ] *(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?"
                     r"(Z|z|[+-]\d{2}:?(?:\d{2})?)?)?", t)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(3)), int(m.group(4))
        hh, mi = int(m.group(5) or 0), int(m.group(6) or 0)
        sec = int(m.group(7) or 0)
        frac = float("0." + m.group(8)) if m.group(8) else 0.0
        off = 0
        z = m.group(9)
        if z and z not in ("Z", "z"):
            sign = -1 if z[0] == "-" else 1
            digits = z[1:].replace(":", "")
            off = sign * (int(digits[:2]) * 60 + int(digits[2:4] or 0))
    else:
        m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})"
                         r"(?: +(\d{1,2}):(\d{2})(?::(\d{2}))? *(AM|PM|am|pm)?)?", t)
        if not m:
            return None
        mo, d, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        hh, mi, sec = int(m.group(4) or 0), int(m.group(5) or 0), int(m.group(6) or 0)
        ampm = (m.group(7) or "").upper()
        if ampm == "PM" and hh < 12:
            hh += 12
        elif ampm == "AM" and hh == 12:
            hh = 0
        frac, off = 0.0, 0
    base = datetime.datetime(y, mo, d, hh, mi, sec) - datetime.datetime(1970, 1, 1)
    return base.days * 86400 + base.seconds + frac - off * 60


def rate(k, m):
    return k / m if m else None


def field_profile(name, ftype, role, values, m, sigma, markers):
    def is_null(v):
        return v is None or v.strip(ASCII_BLANKS) == "" or v in markers

    nonnull = [v for v in values if not is_null(v)]
    nulls = m - len(nonnull)
    counts = {}
    for v in nonnull:
        counts[v] = counts.get(v, 0) + 1
    distinct = len(counts)
    dups = len(nonnull) - distinct
    numeric = ftype in ("integer", "real")
    f = {
        "name": name, "type": ftype, "role": role,
        "nulls": nulls, "null_rate": rate(nulls, m),
        "duplicates": dups, "duplicate_rate": rate(dups, m),
        "outliers": None, "outlier_rate": None,
        "distinct": distinct,
        "min": None, "max": None, "mean": None, "std": None, "median": None,
    }
    if numeric:
        xs = [float(v.strip(ASCII_BLANKS)) for v in nonnull]
        out = 0
        if xs:
            mu = statistics.fmean(xs)
            sd = statistics.pstdev(xs)
            if len(xs) >= 2 and sd > 0:
                out = sum(1 for x in xs if abs(x - mu) > sigma * sd)
            s = sorted(xs)
            f.update({"min": s[0], "max": s[-1], "mean": mu, "std": sd,
                      "median": quantile(s, 0.5)})
        if role != "key":  # a key is no measurement: not profiled for outliers
            f["outliers"] = out
            f["outlier_rate"] = rate(out, m)
    elif ftype == "datetime":
        lo = hi = None
        for v in nonnull:
            t = parse_datetime(v)
            if t is None:
                sys.exit("field %s: cannot read the date-time %r" % (name, v))
            if lo is None or t < lo[0]:
                lo = (t, v)
            if hi is None or t > hi[0]:
                hi = (t, v)
        if lo:
            f["min"], f["max"] = lo[1], hi[1]

    if numeric:
        def order(v):
            return (float(v.strip(ASCII_BLANKS)), v.encode("utf-8"))
    else:
        def order(v):
            return v.encode("utf-8")
    top = sorted(counts.items(), key=lambda kv: (-kv[1], order(kv[0])))[:5]
    f["top"] = [[v, c] for v, c in top]

    f["length"] = None
    if ftype == "text" and nonnull:
        ls = sorted(len(v) for v in nonnull)
        p95 = quantile(ls, 0.95)
        f["length"] = {"min": ls[0], "median": quantile(ls, 0.5), "p95": p95,
                       "max": ls[-1],
                       "suggested_max_len": min(512, math.ceil(p95))}
    return f


def profile(name, key, names, types, rows, sigma, ignore, markers):
    m = len(rows)
    cmp_cols = [i for i, n in enumerate(names) if n not in ignore]
    seen = set()
    first = []  # is row r the first of its kind?
    for r in rows:
        t = tuple(r[i] for i in cmp_cols)
        first.append(t not in seen)
        seen.add(t)
    dup_rows = m - len(seen)
    repeated = 0
    if key in names:
        k = names.index(key)
        per_key = {}
        for r, is_first in zip(rows, first):
            if is_first:
                per_key[r[k]] = per_key.get(r[k], 0) + 1
        repeated = sum(1 for c in per_key.values() if c >= 2)
    fields = []
    for i, n in enumerate(names):
        ftype, role = types[n]
        fields.append(field_profile(n, ftype, role, [r[i] for r in rows], m,
                                    sigma, markers))
    return {"name": name, "rows": m, "duplicate_rows": dup_rows,
            "duplicate_row_rate": rate(dup_rows, m), "repeated_keys": repeated,
            "fields": fields}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("file")
    ap.add_argument("--sources", required=True,
                    help="output of `yujing sources PROJECT --json`")
    ap.add_argument("--source", help="the source's name (default: the only one)")
    ap.add_argument("--format", choices=("csv", "jsonl"))
    ap.add_argument("--sigma", type=float, default=3.0)
    ap.add_argument("--dedup-ignore", default="")
    ap.add_argument("--null-markers", help="JSON array of strings")
    a = ap.parse_args()

    with open(a.sources, encoding="utf-8") as f:
        srcs = json.load(f)["sources"]
    if a.source:
        srcs = [s for s in srcs if s["name"] == a.source]
    if len(srcs) != 1:
        sys.exit("--sources must describe exactly one source (use --source)")
    src = srcs[0]
    fmt = a.format or ("jsonl" if a.file.endswith((".jsonl", ".ndjson", ".json"))
                       else "csv")
    names, rows = read_jsonl(a.file) if fmt == "jsonl" else read_csv(a.file)
    types = {f["name"]: (f["type"], f["role"]) for f in src["fields"]}
    missing = [n for n in names if n not in types]
    if missing or len(types) != len(names):
        sys.exit("the file's fields %s differ from the source's %s"
                 % (names, [f["name"] for f in src["fields"]]))
    markers = set(json.loads(a.null_markers) if a.null_markers else DEFAULT_MARKERS)
    ignore = set(x for x in a.dedup_ignore.split(",") if x)
    res = profile(src["name"], src["key"], names, types, rows, a.sigma, ignore, markers)
    json.dump({"sources": [res]}, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
