#!/usr/bin/python3
"""Helpers of bench/quality_report.sh: the data files it imports, the split
it exports, and the scikit-learn baselines it compares yujing with.

  quality_report.py chicago-csv CSV OUTDIR [--keys FILE]
      Writes OUTDIR/incident.csv (id, date, arrest, domestic,
      location_description, primary_type) and OUTDIR/place.csv (id, block,
      beat, district, ward, community_area, latitude, longitude) from the
      Chicago Englewood CSV, values unchanged; with --keys only the rows
      whose id is listed (one key a line).
  quality_report.py cail-jsonl JSONL OUT [--keys FILE]
      Writes the facts whose record number (1, 2, ...: what yujing's
      --key @id gives them) is listed in FILE as {"id", "fact", "meta":
      {"accusation"}} lines, for a project keyed by id.
  quality_report.py keys PROJECT PART
      Prints the keys of the active split's PART (train or test) cases.
  quality_report.py baseline PROJECT --dataset chicago|cail [--C X,Y,...]
      [--class-weight none,balanced] [--select] [--json]
      scikit-learn on exactly the active split of PROJECT (the keys and
      labels of split_cases) and the cleaned values yujing trains on (the
      snapshot's kept rows with its changed cells put in):
        chicago  one-hot of arrest, domestic, beat, district, ward,
                 community_area and of the date's hour, weekday and month;
                 latitude/longitude standardised (a null: the training
                 mean); TF-IDF of the text fields location_description and
                 block (word 1-2-grams, sublinear tf);
        cail     character TF-IDF (1-3-grams, sublinear tf, min_df 2) of fact;
      then LogisticRegression (lbfgs, multinomial, max_iter 1000).  With
      lists of C values and class weights it fits each pair and reports each (--select: only the
      one with the best macro-F1 on PROJECT's test part: use it on a
      validation project, never on the real test split).
Accuracy and macro-F1 as yujing computes them (sklearn.metrics, macro over
the classes in the true or predicted labels, zero_division 0).
"""
import argparse
import csv
import json
import os
import sqlite3
import sys
import time

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.preprocessing import OneHotEncoder

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sklearn_baseline import nulls_of, source_view  # noqa: E402

INCIDENT = ["id", "date", "arrest", "domestic", "location_description", "primary_type"]
PLACE = ["id", "block", "beat", "district", "ward", "community_area", "latitude", "longitude"]


def fail(msg):
    print(f"quality_report.py: {msg}", file=sys.stderr)
    sys.exit(1)


def read_keys(path):
    if not path:
        return None
    with open(path, encoding="utf-8") as f:
        return set(line.strip() for line in f if line.strip())


def chicago_csv(a):
    keys = read_keys(a.keys)
    os.makedirs(a.outdir, exist_ok=True)
    with open(a.csv, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for name, cols in (("incident", INCIDENT), ("place", PLACE)):
        with open(os.path.join(a.outdir, name + ".csv"), "w", newline="", encoding="utf-8") as out:
            w = csv.writer(out, lineterminator="\n")
            w.writerow(cols)
            for r in rows:
                if keys is None or r["id"] in keys:
                    w.writerow([r[c] for c in cols])
    return 0


def cail_jsonl(a):
    keys = read_keys(a.keys)
    with open(a.jsonl, encoding="utf-8") as f, open(a.out, "w", encoding="utf-8") as out:
        for n, line in enumerate(f, 1):
            if keys is not None and str(n) not in keys:
                continue
            d = json.loads(line)
            out.write(json.dumps({"id": n, "fact": d["fact"], "meta": {"accusation": d["meta"]["accusation"]}},
                                 ensure_ascii=False) + "\n")
    return 0


def active_split(db):
    r = db.execute("SELECT id, snapshot_id FROM splits WHERE active = 1").fetchone()
    if r is None:
        fail("the project has no active split (run yujing clean and yujing split)")
    return r


def keys(a):
    db = sqlite3.connect(f"file:{a.project}?mode=ro", uri=True)
    split_id, _ = active_split(db)
    for (k,) in db.execute("SELECT key FROM split_cases WHERE split_id = ? AND part = ? ORDER BY key",
                           (split_id, a.part)):
        print(k)
    return 0


def case_values(db, snapshot, cases, markers):
    """{field name: list of cleaned values (None = null) in case order}
    over every source (one row per case and source; a case without a row
    gets None)."""
    out = {}
    srcs = pd.read_sql_query("SELECT id, name, key_field, data_table FROM sources ORDER BY name", db)
    for src in srcs.to_dict("records"):
        raw, fields = source_view(db, snapshot, src, markers)
        key = src["key_field"]
        raw = raw.drop_duplicates(subset=[key], keep="first").set_index(key)
        for f in fields.itertuples(index=False):
            if f.name == key or f.role == "label":
                continue
            out[f.name] = raw[f.name].reindex(cases.key.values).tolist()
    return out


def chicago_features(v, train):
    """The feature matrix (sparse, all cases) and its blocks' names."""
    cat = ["arrest", "domestic", "beat", "district", "ward", "community_area"]
    df = pd.DataFrame({c: pd.Series(v[c], dtype=object).fillna("(null)") for c in cat})
    dt = pd.to_datetime(pd.Series(v["date"], dtype=object), errors="coerce")
    df["hour"] = dt.dt.hour.fillna(-1).astype(int).astype(str)
    df["weekday"] = dt.dt.weekday.fillna(-1).astype(int).astype(str)
    df["month"] = dt.dt.month.fillna(-1).astype(int).astype(str)
    oh = OneHotEncoder(handle_unknown="ignore").fit(df[train])
    blocks = [oh.transform(df)]
    num = np.column_stack([pd.to_numeric(pd.Series(v[c], dtype=object), errors="coerce").to_numpy(dtype=float)
                           for c in ("latitude", "longitude")])
    mu = np.nanmean(num[train], axis=0)
    num = np.where(np.isnan(num), mu, num)
    sd = num[train].std(axis=0)
    sd[sd == 0] = 1
    blocks.append(sp.csr_matrix((num - num[train].mean(axis=0)) / sd))
    for field in ("location_description", "block"):
        text = ["" if t is None else t for t in v[field]]
        tf = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
        tf.fit([t for t, u in zip(text, train) if u])
        blocks.append(tf.transform(text))
    return sp.hstack(blocks).tocsr()


def cail_features(v, train):
    text = ["" if t is None else t for t in v["fact"]]
    tf = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2)
    tf.fit([t for t, u in zip(text, train) if u])
    return tf.transform(text).tocsr()


def baseline(a):
    t0 = time.perf_counter()
    db = sqlite3.connect(f"file:{a.project}?mode=ro", uri=True)
    split_id, snapshot = active_split(db)
    cases = pd.read_sql_query("SELECT key, label, part FROM split_cases WHERE split_id = ?"
                              " ORDER BY part DESC, key", db, params=(split_id,))
    classes = sorted(cases.label.unique(), key=lambda s: s.encode())
    y = cases.label.map({c: i for i, c in enumerate(classes)}).to_numpy()
    train = (cases.part == "train").to_numpy()
    test = ~train
    v = case_values(db, snapshot, cases, nulls_of(db))
    t1 = time.perf_counter()
    X = chicago_features(v, train) if a.dataset == "chicago" else cail_features(v, train)
    t2 = time.perf_counter()
    results = []
    grid = [(float(c), w) for c in a.C.split(",") for w in a.class_weight.split(",")]
    for C, w in grid:
        t3 = time.perf_counter()
        clf = LogisticRegression(C=C, max_iter=1000, class_weight=None if w == "none" else w)
        clf.fit(X[train], y[train])
        t4 = time.perf_counter()
        pred = clf.predict(X[test])
        results.append({"C": C, "class_weight": w, "accuracy": accuracy_score(y[test], pred),
                        "macro_f1": f1_score(y[test], pred, average="macro", zero_division=0),
                        "fit_seconds": t4 - t3, "n_iter": int(np.max(clf.n_iter_))})
    if a.select:
        results = [max(results, key=lambda r: r["macro_f1"])]
    out = {"dataset": a.dataset, "train": int(train.sum()), "test": int(test.sum()), "classes": len(classes),
           "features": int(X.shape[1]), "read_seconds": t1 - t0, "features_seconds": t2 - t1,
           "results": results}
    if a.json:
        print(json.dumps(out))
    else:
        print(f"{a.dataset}: {out['features']} features, {out['train']} train / {out['test']} test cases, "
              f"{out['classes']} classes (features {t2 - t1:.1f} s)")
        for r in results:
            print(f"  C {r['C']:g}, class weight {r['class_weight']}: accuracy {r['accuracy']:.4f}, macro-F1 {r['macro_f1']:.4f}, "
                  f"fit {r['fit_seconds']:.1f} s ({r['n_iter']} iterations)")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("chicago-csv")
    p.add_argument("csv")
    p.add_argument("outdir")
    p.add_argument("--keys")
    p.set_defaults(fn=chicago_csv)
    p = sub.add_parser("cail-jsonl")
    p.add_argument("jsonl")
    p.add_argument("out")
    p.add_argument("--keys")
    p.set_defaults(fn=cail_jsonl)
    p = sub.add_parser("keys")
    p.add_argument("project")
    p.add_argument("part", choices=["train", "test"])
    p.set_defaults(fn=keys)
    p = sub.add_parser("baseline")
    p.add_argument("project")
    p.add_argument("--dataset", choices=["chicago", "cail"], required=True)
    p.add_argument("--C", default="1")
    p.add_argument("--class-weight", default="none", help="none, balanced or both (none,balanced)")
    p.add_argument("--select", action="store_true")
    p.add_argument("--json", action="store_true")
    p.set_defaults(fn=baseline)
    a = ap.parse_args()
    return a.fn(a)


if __name__ == "__main__":
    sys.exit(main())
