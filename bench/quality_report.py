#!/usr/bin/python3
"""Helpers of bench/quality_report.sh (issue 13's quality report): the
holdout split of ../shared/data, the files yujing imports, the scikit-learn
(and xgboost) baselines chosen on yujing's own validation part, and the
scores on the holdout.

  quality_report.py holdout --dataset chicago|cail DATA WORKDIR [--fraction F] [--seed S]
      Once: picks the holdout cases (a seeded, stratified draw: per label
      floor(F n + 1/2) cases, F 0.2 by default; seed 20261207) and writes
      WORKDIR/learn and WORKDIR/holdout: for chicago incident.csv (id,
      date, arrest, domestic, location_description, primary_type) and
      place.csv (id, block, beat, district, ward, community_area,
      latitude, longitude); for cail cases.jsonl ({"id": record number,
      "fact", "meta": {"accusation"}}).  Values unchanged.  Nothing is
      written when WORKDIR/holdout exists (the holdout is made once).
  quality_report.py sklearn PROJECT WORKDIR --dataset chicago|cail [--xgboost] [--commit C]
      TF-IDF (+ one-hot on chicago) features fitted on the active split's
      train part of PROJECT (keys and labels from split_cases; values from
      WORKDIR/learn), LinearSVC and LogisticRegression (settings in
      LOGREG) with C chosen on the split's validation part (the same part
      yujing chooses on), and with --xgboost gradient-boosted trees
      (rounds by early stopping on the validation part), each scored on
      WORKDIR/holdout; one JSON object with the split's digest and, per
      row, the load during its fits.  The test part is not used.
  quality_report.py score PREDICTIONS WORKDIR --dataset chicago|cail
      [--method M] [--name N] [--seconds S] [--run R] [--load L]
      [--commit C] [--split-digest D]
      Accuracy, macro-F1 and expected calibration error (15 equal-width
      bins of the top probability) of `yujing predict --json` lines on the
      holdout's labels, as one JSON object (a table row with the options).
  quality_report.py digest PROJECT
      The digest of the active split's train and valid cases.
  quality_report.py table WORKDIR DATASET... [--json FILE]
      The Markdown table of WORKDIR/D/baselines.json and WORKDIR/D/rows/.
The helpers of the issue-6 report (kept for the scripts that call them):
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
Accuracy and macro-F1 as sklearn.metrics computes them (macro over the
labels in the true or predicted values, zero_division 0), for every row.
"""
import argparse
import csv
import hashlib
import json
import os
import random
import sqlite3
import sys
import threading
import time

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.preprocessing import OneHotEncoder
from sklearn.svm import LinearSVC

INCIDENT = ["id", "date", "arrest", "domestic", "location_description", "primary_type"]
PLACE = ["id", "block", "beat", "district", "ward", "community_area", "latitude", "longitude"]
SEED = 20261207

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sklearn_baseline import nulls_of, source_view  # noqa: E402


def fail(msg):
    print(f"quality_report.py: {msg}", file=sys.stderr)
    sys.exit(1)


# ------------------------------------------------ the issue-6 helpers

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


# ------------------------------------------------------------ the holdout

def read_chicago(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def read_cail(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            d = json.loads(line)
            acc = d["meta"]["accusation"]
            out.append({"id": str(n), "fact": d["fact"], "label": acc[0] if acc else ""})
    return out


def stratified(rows, label, fraction, seed):
    """The keys drawn for the holdout: per label (sorted), a seeded shuffle
    of its keys (sorted), the first floor(fraction n + 1/2)."""
    by = {}
    for r in rows:
        by.setdefault(label(r), []).append(r["id"])
    rng = random.Random(seed)
    out = set()
    for lab in sorted(by):
        keys = sorted(by[lab])
        rng.shuffle(keys)
        out.update(keys[:int(fraction * len(keys) + 0.5)])
    return out


def holdout(a):
    hold_dir = os.path.join(a.workdir, "holdout")
    if os.path.exists(hold_dir):
        print(f"quality_report.py: {hold_dir} exists: the holdout is kept as it was made", file=sys.stderr)
        return 0
    if a.dataset == "chicago":
        rows = read_chicago(os.path.join(a.data, "chicago_englewood_2017_2018", "chicago_englewood_2017_2018.csv"))
        held = stratified(rows, lambda r: r["primary_type"], a.fraction, a.seed)
        for part in ("learn", "holdout"):
            d = os.path.join(a.workdir, part + ".tmp")
            os.makedirs(d, exist_ok=True)
            for name, cols in (("incident", INCIDENT), ("place", PLACE)):
                with open(os.path.join(d, name + ".csv"), "w", newline="", encoding="utf-8") as out:
                    w = csv.writer(out, lineterminator="\n")
                    w.writerow(cols)
                    for r in rows:
                        if (r["id"] in held) == (part == "holdout"):
                            w.writerow([r[c] for c in cols])
    else:
        rows = read_cail(os.path.join(a.data, "cail2018", "cail2018.jsonl"))
        held = stratified(rows, lambda r: r["label"], a.fraction, a.seed)
        for part in ("learn", "holdout"):
            d = os.path.join(a.workdir, part + ".tmp")
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, "cases.jsonl"), "w", encoding="utf-8") as out:
                for r in rows:
                    if (r["id"] in held) == (part == "holdout"):
                        out.write(json.dumps({"id": int(r["id"]), "fact": r["fact"],
                                              "meta": {"accusation": r["label"]}}, ensure_ascii=False) + "\n")
    # the holdout directory last: its existence says the split is complete
    os.rename(os.path.join(a.workdir, "learn.tmp"), os.path.join(a.workdir, "learn"))
    os.rename(os.path.join(a.workdir, "holdout.tmp"), hold_dir)
    print(f"{a.dataset}: {len(rows) - len(held)} cases to learn from, {len(held)} held out "
          f"(seed {a.seed}, fraction {a.fraction})", file=sys.stderr)
    return 0


# ------------------------------------------------------------ the values

def values(workdir, part, dataset):
    """{key: {field: raw text or None}} and {key: label} of a part's files."""
    d = os.path.join(workdir, part)
    vals, labels = {}, {}
    if dataset == "chicago":
        for name in ("incident", "place"):
            for r in read_chicago(os.path.join(d, name + ".csv")):
                v = vals.setdefault(r["id"], {})
                for k, x in r.items():
                    if k == "primary_type":
                        labels[r["id"]] = x
                    elif k != "id":
                        v[k] = x if x != "" else None
    else:
        with open(os.path.join(d, "cases.jsonl"), encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                vals[str(r["id"])] = {"fact": r["fact"]}
                labels[str(r["id"])] = r["meta"]["accusation"]
    return vals, labels


def chicago_features(v, fit):
    """Sparse features of the cases (dict of field lists), fitted on the
    rows where fit is True: one-hot of the categorical fields and the
    date's hour, weekday and month; latitude/longitude standardised (a
    null: the fitted mean); TF-IDF (word 1-2-grams, sublinear tf) of the
    two text fields."""
    cat = ["arrest", "domestic", "beat", "district", "ward", "community_area"]
    df = pd.DataFrame({c: pd.Series(v[c], dtype=object).fillna("(null)") for c in cat})
    dt = pd.to_datetime(pd.Series(v["date"], dtype=object), errors="coerce")
    df["hour"] = dt.dt.hour.fillna(-1).astype(int).astype(str)
    df["weekday"] = dt.dt.weekday.fillna(-1).astype(int).astype(str)
    df["month"] = dt.dt.month.fillna(-1).astype(int).astype(str)
    oh = OneHotEncoder(handle_unknown="ignore").fit(df[fit])
    blocks = [oh.transform(df)]
    num = np.column_stack([pd.to_numeric(pd.Series(v[c], dtype=object), errors="coerce").to_numpy(dtype=float)
                           for c in ("latitude", "longitude")])
    mu = np.nanmean(num[fit], axis=0)
    num = np.where(np.isnan(num), mu, num)
    sd = num[fit].std(axis=0)
    sd[sd == 0] = 1
    blocks.append(sp.csr_matrix((num - num[fit].mean(axis=0)) / sd))
    for field in ("location_description", "block"):
        text = ["" if t is None else t for t in v[field]]
        tf = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
        tf.fit([t for t, u in zip(text, fit) if u])
        blocks.append(tf.transform(text))
    return sp.hstack(blocks).tocsr()


def cail_features(v, fit):
    """Character 1-3-gram TF-IDF (sublinear tf, min_df 2) of the fact."""
    text = ["" if t is None else t for t in v["fact"]]
    tf = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2)
    tf.fit([t for t, u in zip(text, fit) if u])
    return tf.transform(text).tocsr()


def scores(y, pred):
    return {"accuracy": float(accuracy_score(y, pred)),
            "macro_f1": float(f1_score(y, pred, average="macro", zero_division=0))}


def ece(conf, correct, bins=15):
    """Expected calibration error: 15 equal-width bins of the top
    probability (a probability p falls in the bin (lo, hi], 0 in the
    first), the mean |accuracy - confidence| weighted by the bin's share."""
    conf = np.asarray(conf, dtype=float)
    correct = np.asarray(correct, dtype=float)
    idx = np.clip(np.ceil(conf * bins).astype(int) - 1, 0, bins - 1)
    e = 0.0
    for b in range(bins):
        m = idx == b
        if m.any():
            e += m.mean() * abs(correct[m].mean() - conf[m].mean())
    return float(e)


def split_parts(project):
    """The active split's train and valid cases (key, label, part), in
    part then key order, and their digest: the first 12 hex digits of the
    SHA-256 of their 'key TAB label TAB part' lines.  Two projects with
    the same digest learn from and choose on the same cases."""
    db = sqlite3.connect(f"file:{project}?mode=ro", uri=True)
    r = db.execute("SELECT id FROM splits WHERE active = 1").fetchone()
    if r is None:
        fail(f"{project}: the project has no active split")
    parts = pd.read_sql_query("SELECT key, label, part FROM split_cases WHERE split_id = ? AND part IN"
                              " ('train', 'valid') ORDER BY part, key", db, params=(r[0],))
    h = hashlib.sha256()
    for k, lab, part in parts.itertuples(index=False):
        h.update(f"{k}\t{lab}\t{part}\n".encode("utf-8"))
    return parts, h.hexdigest()[:12]


def digest(a):
    print(split_parts(a.project)[1])
    return 0


class Load:
    """The 1-minute load average (os.getloadavg) sampled every 10 s while
    the block runs, and at its start and end: str() gives 'min-max'."""

    def __enter__(self):
        self.seen = [os.getloadavg()[0]]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()
        return self

    def run(self):
        while not self.stop.wait(10):
            self.seen.append(os.getloadavg()[0])

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        self.seen.append(os.getloadavg()[0])

    def __str__(self):
        return f"{min(self.seen):.1f}-{max(self.seen):.1f}"


# LogisticRegression per data set, stated in the table.  Chicago: lbfgs
# (multinomial), scikit-learn's defaults but max_iter 1000 (C 1 took 490
# iterations).  CAIL (121 charges, about 3,100 training facts over about
# 128,000 character n-grams): lbfgs at C 10 had not converged after 5
# minutes at load 7-11, and the grid of seven did not finish last session;
# liblinear (one binary logistic regression per charge, trust-region
# Newton, scikit-learn's default tol) needs 9 Newton iterations at C 1, so
# it is the solver, over a grid of three.
LOGREG = {
    "chicago": {"solver": "lbfgs", "tol": 1e-4, "max_iter": 1000, "grid": [0.1, 0.3, 1, 3, 10, 30, 100]},
    "cail": {"solver": "liblinear", "tol": 1e-4, "max_iter": 100, "grid": [1, 10, 100]},
}
# LinearSVC (liblinear, one-vs-rest, squared hinge): C over two decades
# either side of the library's default 1
SVC_GRID = [0.01, 0.03, 0.1, 0.3, 1, 3, 10]


def logreg_name(cfg):
    multi = "one-vs-rest" if cfg["solver"] == "liblinear" else "multinomial"
    return f"{cfg['solver']} {multi}, tol {cfg['tol']:g}, max_iter {cfg['max_iter']}"


def sklearn_rows(a):
    parts, split_digest = split_parts(a.project)
    if not (parts.part == "valid").any():
        fail("the active split has no validation part")
    lv, _ = values(a.workdir, "learn", a.dataset)
    hv, hl = values(a.workdir, "holdout", a.dataset)
    hkeys = sorted(hv)
    keys = list(parts.key) + hkeys
    rows = [lv.get(k, {}) for k in parts.key] + [hv[k] for k in hkeys]
    fields = sorted({f for r in rows for f in r})
    v = {f: [r.get(f) for r in rows] for f in fields}
    ntr = int((parts.part == "train").sum())
    nva = len(parts) - ntr
    n = len(keys)
    fit = np.zeros(n, dtype=bool)
    fit[:ntr] = True
    t0 = time.perf_counter()
    X = chicago_features(v, fit) if a.dataset == "chicago" else cail_features(v, fit)
    feat_s = time.perf_counter() - t0
    y_all = list(parts.label) + [hl[k] for k in hkeys]
    classes = sorted(set(parts.label[:ntr]))
    cid = {c: i for i, c in enumerate(classes)}
    Xtr, Xva, Xho = X[:ntr], X[ntr:ntr + nva], X[ntr + nva:]
    ytr = np.array([cid[c] for c in y_all[:ntr]])
    yva, yho = y_all[ntr:ntr + nva], y_all[ntr + nva:]
    kind = {"chicago": "one-hot + word TF-IDF", "cail": "char 1-3-gram TF-IDF"}[a.dataset]
    out = {"dataset": a.dataset, "split_digest": split_digest, "commit": a.commit, "train": ntr, "valid": nva,
           "holdout": len(hkeys), "classes": len(classes), "features": int(X.shape[1]),
           "features_seconds": feat_s, "rows": []}

    def pick(method, name, make, grid):
        best, tried = None, []
        total = 0.0
        with Load() as load:
            for c in grid:
                t = time.perf_counter()
                m = make(c).fit(Xtr, ytr)
                s = time.perf_counter() - t
                total += s
                f1 = scores(yva, [classes[i] for i in m.predict(Xva)])["macro_f1"]
                it = int(np.max(m.n_iter_))
                tried.append({"C": c, "valid_macro_f1": f1, "seconds": s, "n_iter": it})
                print(f"{a.dataset} {method} C {c:g}: validation macro-F1 {f1:.4f} ({s:.1f} s, {it} iterations)",
                      file=sys.stderr)
                if best is None or f1 > best[1]:
                    best = (c, f1, m, s)
        c, f1, m, s = best
        pred = [classes[i] for i in m.predict(Xho)]
        row = {"method": method, "name": f"sklearn {kind} + {name(c)}", "C": c, "valid_macro_f1": f1,
               "grid": tried, "train_seconds": s + feat_s, "grid_seconds": total + feat_s, "load": str(load)}
        row.update(scores(yho, pred))
        if hasattr(m, "predict_proba"):
            p = m.predict_proba(Xho)
            row["ece"] = ece(p.max(axis=1), [classes[i] == t for i, t in zip(p.argmax(axis=1), yho)])
        out["rows"].append(row)

    pick("LinearSVC", lambda c: f"LinearSVC (C {c:g} of {', '.join('%g' % x for x in SVC_GRID)})",
         lambda c: LinearSVC(C=c), SVC_GRID)
    cfg = LOGREG[a.dataset]
    pick("LogisticRegression",
         lambda c: f"LogisticRegression ({logreg_name(cfg)}; C {c:g} of {', '.join('%g' % x for x in cfg['grid'])})",
         lambda c: LogisticRegression(C=c, solver=cfg["solver"], tol=cfg["tol"], max_iter=cfg["max_iter"]),
         cfg["grid"])
    if a.xgboost:
        try:
            import xgboost as xgb
        except ImportError:
            xgb = None
            print(f"{a.dataset} xgboost: not importable, no row", file=sys.stderr)
        if xgb is not None:
            with Load() as load:
                t = time.perf_counter()
                m = xgb.XGBClassifier(n_estimators=300, learning_rate=0.1, max_depth=6, tree_method="hist",
                                      early_stopping_rounds=20, eval_metric="mlogloss", n_jobs=2, random_state=1)
                # classes of the train part only; validation cases of another class are left out of its loss
                vm = np.array([c in cid for c in yva])
                m.fit(Xtr, ytr, eval_set=[(Xva[vm], np.array([cid[c] for c, k in zip(yva, vm) if k]))],
                      verbose=False)
                s = time.perf_counter() - t
            rounds = int(m.best_iteration) + 1
            print(f"{a.dataset} xgboost: {rounds} rounds ({s:.1f} s)", file=sys.stderr)
            p = m.predict_proba(Xho)
            pred = [classes[i] for i in p.argmax(axis=1)]
            row = {"method": "xgboost",
                   "name": f"xgboost, {kind} (depth 6, eta 0.1; {rounds} rounds by early stopping on validation)",
                   "rounds": rounds, "train_seconds": s + feat_s, "load": str(load),
                   "valid_macro_f1": scores(yva, [classes[i] for i in m.predict(Xva)])["macro_f1"]}
            row.update(scores(yho, pred))
            row["ece"] = ece(p.max(axis=1), [x == t for x, t in zip(pred, yho)])
            out["rows"].append(row)
    print(json.dumps(out))
    return 0


def score(a):
    _, hl = values(a.workdir, "holdout", a.dataset)
    y, pred, conf, seen = [], [], [], set()
    with open(a.predictions, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            r = json.loads(line)
            k = str(r["key"])
            if k not in hl:
                fail(f"{a.predictions}: case {k} is not in the holdout")
            seen.add(k)
            y.append(hl[k])
            pred.append(r["predicted"])
            conf.append(max(r["probabilities"].values()))
    if seen != set(hl):
        fail(f"{a.predictions}: {len(set(hl) - seen)} holdout cases have no prediction")
    out = scores(y, pred)
    out["ece"] = ece(conf, [p == t for p, t in zip(pred, y)])
    out["cases"] = len(y)
    for k in ("method", "name", "commit", "load", "split_digest"):
        if getattr(a, k):
            out[k] = getattr(a, k)
    if a.seconds is not None:
        out["train_seconds"] = a.seconds
    if a.run is not None:
        out["run"] = a.run
    out["dataset"] = a.dataset
    out["when"] = time.time()
    print(json.dumps(out))
    return 0


TITLE = {"chicago": "Chicago Englewood (incident + place)", "cail": "CAIL2018 facts"}


def table(a):
    """The Markdown table of the work directory's rows: per data set the
    cached baselines (WORKDIR/D/baselines.json), then the yujing rows
    (WORKDIR/D/rows/*.json, in the order they were measured).  A row whose
    split digest is not the project's own is marked: it learnt from other
    cases."""
    print("| data | method | accuracy | macro-F1 | ECE | train s | load | commit |")
    print("|---|---|---|---|---|---|---|---|")
    jrows = []
    for d in a.datasets:
        w = os.path.join(a.workdir, d)
        now = split_parts(os.path.join(w, "project.yj"))[1] if os.path.exists(os.path.join(w, "project.yj")) else None
        rows = []
        bpath = os.path.join(w, "baselines.json")
        if os.path.exists(bpath):
            with open(bpath, encoding="utf-8") as f:
                b = json.load(f)
            for r in b["rows"]:
                rows.append(dict(r, dataset=d, split_digest=b["split_digest"], commit=b["commit"]))
        rdir = os.path.join(w, "rows")
        yrows = []
        if os.path.isdir(rdir):
            for name in os.listdir(rdir):
                if name.endswith(".json"):
                    with open(os.path.join(rdir, name), encoding="utf-8") as f:
                        yrows.append(json.load(f))
        rows += sorted(yrows, key=lambda r: r.get("when", 0))
        for r in rows:
            e = "%.3f" % r["ece"] if "ece" in r else "-"
            other = "" if r.get("split_digest") == now else " (other split)"
            print("| %s | %s%s | %.3f | %.3f | %s | %.0f | %s | %s |"
                  % (TITLE[d], r["name"], other, r["accuracy"], r["macro_f1"], e, r["train_seconds"],
                     r.get("load", "-"), r.get("commit", "-")))
            jrows.append(r)
    if a.json:
        with open(a.json, "w", encoding="utf-8") as f:
            for r in jrows:
                f.write(json.dumps({k: v for k, v in r.items() if k != "grid"}) + "\n")
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
    p = sub.add_parser("holdout")
    p.add_argument("--dataset", choices=["chicago", "cail"], required=True)
    p.add_argument("data")
    p.add_argument("workdir")
    p.add_argument("--fraction", type=float, default=0.2)
    p.add_argument("--seed", type=int, default=SEED)
    p.set_defaults(fn=holdout)
    p = sub.add_parser("sklearn")
    p.add_argument("project")
    p.add_argument("workdir")
    p.add_argument("--dataset", choices=["chicago", "cail"], required=True)
    p.add_argument("--xgboost", action="store_true")
    p.add_argument("--commit", default="")
    p.set_defaults(fn=sklearn_rows)
    p = sub.add_parser("score")
    p.add_argument("predictions")
    p.add_argument("workdir")
    p.add_argument("--dataset", choices=["chicago", "cail"], required=True)
    for k in ("method", "name", "commit", "load", "split-digest"):
        p.add_argument("--" + k, default="")
    p.add_argument("--seconds", type=float)
    p.add_argument("--run", type=int)
    p.set_defaults(fn=score)
    p = sub.add_parser("digest")
    p.add_argument("project")
    p.set_defaults(fn=digest)
    p = sub.add_parser("table")
    p.add_argument("workdir")
    p.add_argument("datasets", nargs="+", choices=["chicago", "cail"])
    p.add_argument("--json", default="")
    p.set_defaults(fn=table)
    a = ap.parse_args()
    return a.fn(a)


if __name__ == "__main__":
    sys.exit(main())
