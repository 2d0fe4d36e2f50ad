#!/usr/bin/python3
"""Baseline for bench/chicago_structured.sh: scikit-learn's LogisticRegression
on the features yujing's structured branch trains on, over the same split.

Reads a yujing project (an SQLite file) read-only:
  * the active split (splits.active) and its cases (split_cases: key, label,
    train/test part), the snapshot it was drawn from;
  * every source's raw rows (the table behind the view "raw:NAME"), only the
    rows the snapshot kept (snapshot_sources.kept: little-endian int64 row
    ids) with the cells the cleaning changed (snapshot_cells) put in;
  * field types and roles (fields), the null markers (settings).
It then rebuilds the features exactly as src/data/features.c does (fitted on
the training cases, applied to all):
  numeric      standardised with the training mean and population std; a
               null (or unparsable value) becomes 0 after standardising
  categorical  one-hot of the top-K training values (count, ties in byte
               order) + "other" (a non-null value outside the top K)
  datetime     (sin, cos) of hour (+ minute/60) over 24, weekday (Monday 0)
               over 7, month - 1 over 12
  several rows per case: log1p(row count) standardised; numeric mean/min/max
               standardised; frequencies of the top-K values and "other";
               cyclic encodings averaged.
With --check-run the feature layout (kinds, fields, categories, means and
standard deviations) is compared with the one a yujing run stored, and a
difference is an error: both models then see the same inputs.

Fits LogisticRegression(max_iter=1000) (lbfgs, multinomial, C=1) on the
training cases and prints accuracy and macro-F1 on the test cases only
(sklearn.metrics, zero_division=0: the classes in the true or predicted
labels, as yujing).
The validation part (yujing's selection part) is neither fitted nor
scored: C is fixed, so nothing is chosen on it.

  /usr/bin/python3 bench/sklearn_baseline.py PROJECT --exclude a,b [--top-k 10]
      [--check-run N] [--json]
"""
import argparse
import json
import math
import sqlite3
import sys
import time

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, log_loss

DEFAULT_NULLS = ["NULL", "null", "NA", "N/A", "\\N"]
BLANK = " \t\r\n\v\f"
NUMERIC = ("integer", "real")
CYC = ["hour_sin", "hour_cos", "weekday_sin", "weekday_cos", "month_sin", "month_cos"]


def fail(msg):
    print(f"sklearn_baseline.py: {msg}", file=sys.stderr)
    sys.exit(1)


def one(db, sql, args=()):
    r = db.execute(sql, args).fetchone()
    return r


def nulls_of(db):
    r = one(db, "SELECT value FROM settings WHERE key = 'null_markers'")
    return set(json.loads(r[0]) if r else DEFAULT_NULLS)


def is_null(series, markers):
    """nullset_is_null: SQL NULL, blank, or exactly a marker."""
    s = series.astype(object)
    blank = s.map(lambda v: v is None or (isinstance(v, str) and v.strip(BLANK) == ""))
    return blank | s.isin(markers)


def source_view(db, snapshot, src, markers):
    """The source's kept rows with cleaned cells: (DataFrame of text with
    None for null, fields)."""
    sid, table = src["id"], src["data_table"]
    fields = pd.read_sql_query("SELECT pos, name, col, type, role FROM fields WHERE source_id = ?"
                               " ORDER BY pos", db, params=(sid,))
    cols = ", ".join(f'"{c}"' for c in fields.col)
    raw = pd.read_sql_query(f'SELECT row, {cols} FROM "{table}" ORDER BY row', db).set_index("row")
    raw.columns = list(fields.name)
    raw = raw.astype(object)
    for name in raw.columns:
        raw.loc[is_null(raw[name], markers), name] = None
    r = one(db, "SELECT kept FROM snapshot_sources WHERE snapshot_id = ? AND source_id = ?",
            (snapshot, sid))
    if r is None:
        fail(f"snapshot {snapshot} has no rows of source {src['name']}")
    kept = np.frombuffer(r[0], dtype="<i8")
    over = pd.read_sql_query("SELECT row, pos, value FROM snapshot_cells"
                             " WHERE snapshot_id = ? AND source_id = ?", db, params=(snapshot, sid))
    names = dict(zip(fields.pos, fields.name))
    for row, pos, value in over.itertuples(index=False):
        if row in raw.index and pos in names:
            raw.at[row, names[pos]] = value
    raw = raw.loc[raw.index.isin(kept)]
    return raw, fields


def to_real(s):
    """value_parse_real: trimmed, a number, finite; else NaN."""
    x = pd.to_numeric(s.map(lambda v: v.strip(BLANK) if isinstance(v, str) else v), errors="coerce")
    x = x.astype(float)
    return x.where(np.isfinite(x))


def cyclic(s):
    """The six cyclic encodings of a datetime column (NaN where unparsable)."""
    dt = pd.to_datetime(s, errors="coerce")
    tau = 2 * math.pi
    h = dt.dt.hour + dt.dt.minute / 60.0
    w = dt.dt.weekday
    m = dt.dt.month - 1
    return [np.sin(tau * h / 24), np.cos(tau * h / 24), np.sin(tau * w / 7), np.cos(tau * w / 7),
            np.sin(tau * m / 12), np.cos(tau * m / 12)]


def source_features(db, snapshot, src, cases, exclude, top_k, markers):
    """Feature matrix (ncases, d) and layout of one source, or (None, None)."""
    raw, fields = source_view(db, snapshot, src, markers)
    key = src["key_field"]
    case_index = pd.Series(np.arange(len(cases)), index=cases.key.values)
    ci = raw[key].map(case_index)
    raw = raw.loc[ci.notna()]
    ci = ci.loc[ci.notna()].astype(int).to_numpy()
    n = len(cases)
    nrows = np.bincount(ci, minlength=n)
    multi = bool((nrows > 1).any())
    train_case = (cases.part == "train").to_numpy()
    train_row = train_case[ci]

    cols, layout = [], []

    def add(values, kind, field, std=False, **extra):
        values = np.asarray(values, dtype=float)
        f = {"kind": kind, "field": field, **extra}
        if std:
            tv = values[train_case & ~np.isnan(values)]
            mean = float(tv.mean()) if len(tv) else 0.0
            sd = float(np.sqrt(((tv - mean) ** 2).mean())) if len(tv) else 0.0
            if not sd > 0:
                sd = 1.0
            values = np.where(np.isnan(values), 0.0, (values - mean) / sd)
            f["mean"], f["std"] = mean, sd
        else:
            values = np.where(np.isnan(values), 0.0, values)
        cols.append(values)
        layout.append(f)

    def per_case(row_values, how):
        """Aggregate row values (NaN = missing) per case: NaN when a case
        has none."""
        df = pd.DataFrame({"c": ci, "v": row_values})
        g = df.dropna().groupby("c")["v"].agg(how)
        out = np.full(n, np.nan)
        out[g.index.to_numpy()] = g.to_numpy()
        return out

    if multi:
        add(np.log1p(nrows), "count", "", std=True)
    for f in fields.itertuples(index=False):
        if f.role != "attribute" or f.name in exclude:
            continue
        col = raw[f.name]
        if f.type in NUMERIC:
            x = to_real(col).to_numpy()
            if not multi:
                add(per_case(x, "mean"), "num", f.name, std=True)
            else:
                add(per_case(x, "mean"), "num_mean", f.name, std=True)
                add(per_case(x, "min"), "num_min", f.name, std=True)
                add(per_case(x, "max"), "num_max", f.name, std=True)
        elif f.type == "categorical":
            nonnull = col.notna().to_numpy()
            tv = col[train_row & nonnull]
            counts = tv.value_counts()
            # most frequent first, ties in byte order (UTF-8 = code points)
            top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].encode()))[:top_k]
            known = np.zeros(n)
            for value, _ in top:
                hit = np.bincount(ci, weights=(col == value).to_numpy(dtype=float), minlength=n)
                freq = np.divide(hit, nrows, out=np.zeros(n), where=nrows > 0)
                known += freq
                add(freq, "cat", f.name, value=value)
            nn_ = np.bincount(ci, weights=nonnull.astype(float), minlength=n)
            other = np.divide(nn_, nrows, out=np.zeros(n), where=nrows > 0) - known
            add(np.where(other < 1e-12, 0.0, other), "cat_other", f.name)
        elif f.type == "datetime":
            for part, enc in zip(CYC, cyclic(col)):
                add(per_case(enc.to_numpy(dtype=float), "mean"), "cyclic", f.name, part=part)
    if not cols:
        return None, None
    return np.column_stack(cols), {"source": src["name"], "mode": "aggregate" if multi else "direct",
                                   "features": layout}


def check_layout(db, run, layouts):
    r = one(db, "SELECT features FROM runs WHERE id = ?", (run,))
    if r is None:
        fail(f"no run {run}")
    theirs = json.loads(r[0])
    if len(theirs) != len(layouts):
        fail(f"run {run} has {len(theirs)} sources with features, we have {len(layouts)}")
    for a, b in zip(theirs, layouts):
        fa, fb = a["features"], b["features"]
        if a["source"] != b["source"] or a["mode"] != b["mode"] or len(fa) != len(fb):
            fail(f"source {b['source']}: run {run} has {len(fa)} features ({a['mode']}), "
                 f"we have {len(fb)} ({b['mode']})")
        for j, (x, y) in enumerate(zip(fa, fb)):
            for k in ("kind", "field", "value", "part"):
                if x.get(k) != y.get(k):
                    fail(f"source {b['source']} feature {j}: {k} {x.get(k)!r} in run {run}, {y.get(k)!r} here")
            for k in ("mean", "std"):
                if k in x and not math.isclose(x[k], y[k], rel_tol=1e-9, abs_tol=1e-9):
                    fail(f"source {b['source']} feature {j} ({x['field']}): {k} {x[k]} in run {run}, {y[k]} here")
    return sum(len(a["features"]) for a in theirs)


def main():
    ap = argparse.ArgumentParser(description="LogisticRegression on yujing's structured features")
    ap.add_argument("project")
    ap.add_argument("--exclude", default="", help="fields left out (comma-separated), as yujing train")
    ap.add_argument("--top-k", type=int, default=10)
    ap.add_argument("--max-iter", type=int, default=1000)
    ap.add_argument("--C", type=float, default=1.0, help="inverse regularisation strength (default 1)")
    ap.add_argument("--class-weight", choices=["none", "balanced"], default="none")
    ap.add_argument("--check-run", type=int, default=0,
                    help="compare the features with those yujing run N stored (error when they differ)")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    exclude = set(x for x in a.exclude.split(",") if x)

    t0 = time.perf_counter()
    db = sqlite3.connect(f"file:{a.project}?mode=ro", uri=True)
    r = one(db, "SELECT id, snapshot_id FROM splits WHERE active = 1")
    if r is None:
        fail("the project has no active split (run yujing clean and yujing split)")
    split_id, snapshot = r
    cases = pd.read_sql_query("SELECT key, label, part FROM split_cases WHERE split_id = ?"
                              " ORDER BY part DESC, key", db, params=(split_id,))
    classes = sorted(cases.label.unique(), key=lambda s: s.encode())
    y = cases.label.map({c: i for i, c in enumerate(classes)}).to_numpy()
    markers = nulls_of(db)
    srcs = pd.read_sql_query("SELECT id, name, key_field, data_table FROM sources ORDER BY name", db)
    mats, layouts = [], []
    for src in srcs.to_dict("records"):
        x, lay = source_features(db, snapshot, src, cases, exclude, a.top_k, markers)
        if x is not None:
            mats.append(x)
            layouts.append(lay)
    if not mats:
        fail("no source has a structured field")
    X = np.column_stack(mats)
    checked = check_layout(db, a.check_run, layouts) if a.check_run else None
    # fitted on the train part (yujing's runs learn from it too), scored on
    # the test part only: the validation part (yujing's selection part) is
    # neither, since C is fixed here and nothing is chosen on it
    train = (cases.part == "train").to_numpy()
    test = (cases.part == "test").to_numpy()
    valid = (cases.part == "valid").to_numpy()
    t1 = time.perf_counter()
    clf = LogisticRegression(max_iter=a.max_iter, C=a.C,
                             class_weight=None if a.class_weight == "none" else "balanced")
    clf.fit(X[train], y[train])
    t2 = time.perf_counter()
    pred = clf.predict(X[test])
    acc = accuracy_score(y[test], pred)
    f1 = f1_score(y[test], pred, average="macro", zero_division=0)
    # mean cross-entropy of the test cases, as yujing's test loss
    proba = np.zeros((int(test.sum()), len(classes)))
    proba[:, clf.classes_] = clf.predict_proba(X[test])
    loss = log_loss(y[test], proba, labels=np.arange(len(classes)))
    out = {"model": "sklearn LogisticRegression", "max_iter": a.max_iter, "C": a.C,
           "class_weight": a.class_weight, "n_iter": int(np.max(clf.n_iter_)),
           "train": int(train.sum()), "valid": int(valid.sum()), "test": int(test.sum()),
           "classes": len(classes),
           "features": int(X.shape[1]), "accuracy": acc, "macro_f1": f1, "test_loss": loss,
           "features_seconds": t1 - t0, "fit_seconds": t2 - t1,
           "features_match_run": a.check_run if checked is not None else None}
    if a.json:
        print(json.dumps(out))
    else:
        print(f"LogisticRegression: {out['features']} features, {out['train']} train / {out['test']} test cases"
              f" ({out['valid']} validation cases unused),"
              f" {out['classes']} classes")
        if checked is not None:
            print(f"  the same {checked} features as yujing run {a.check_run} (layout and statistics checked)")
        print(f"  test accuracy {acc:.4f}, macro-F1 {f1:.4f}, loss {loss:.4f}  (features {t1 - t0:.2f} s, fit {t2 - t1:.2f} s,"
              f" {out['n_iter']} iterations)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
