#!/usr/bin/python3
"""Peer for `yujing bench profile`: the same per-field statistics with pandas.

Reads the CSV once (timed separately: "already loaded in memory" is the
baseline), then computes what `yujing profile` computes: per field nulls,
distinct, duplicates, the five most frequent values, numeric min, max, mean,
population std, median and 3-sigma outliers, text lengths (min, median,
p95, max), and the duplicate rows of the table.  Prints one JSON object.
Run with Debian's python3 and python3-pandas.
"""
import json
import sys
import time

import numpy as np
import pandas as pd

NULLS = ["NULL", "null", "NA", "N/A", "\\N", ""]


def main(path, numeric, text):
    t0 = time.perf_counter()
    df = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    t1 = time.perf_counter()
    out = {"rows": len(df), "duplicate_rows": int(df.duplicated().sum()), "fields": {}}
    for name in df.columns:
        col = df[name]
        isnull = col.isin(NULLS) | (col.str.strip() == "")
        vals = col[~isnull]
        vc = vals.value_counts()
        f = {"nulls": int(isnull.sum()), "distinct": int(len(vc)),
             "duplicates": int(len(vals) - len(vc)),
             "top": [[k, int(v)] for k, v in vc.head(5).items()]}
        if name in numeric:
            x = pd.to_numeric(vals).to_numpy(dtype=np.float64)
            mu, sd = x.mean(), x.std()
            f.update(min=float(x.min()), max=float(x.max()), mean=float(mu), std=float(sd),
                     median=float(np.median(x)),
                     outliers=int((np.abs(x - mu) > 3 * sd).sum()) if sd > 0 else 0)
        if name in text:
            n = vals.str.len().to_numpy()
            f["length"] = {"min": int(n.min()), "median": float(np.median(n)),
                           "p95": float(np.percentile(n, 95)), "max": int(n.max())}
        out["fields"][name] = f
    t2 = time.perf_counter()
    out["load_seconds"] = t1 - t0
    out["compute_seconds"] = t2 - t1
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1], set(sys.argv[2].split(",")), set(sys.argv[3].split(",")))
