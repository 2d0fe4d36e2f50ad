#!/usr/bin/python3
"""The linear model that tests/cli/ngram-learn.sh's n-gram branch must reach.

  /usr/bin/python3 tests/reference/ngram_linear.py PROJECT FIXTURE

PROJECT is the project the test builds (its commands: init; import FIXTURE
-s cail -k @case -l meta.accusation -t fact; clean; split --test 0.3 --seed 1;
KEEP the project with a copy of it), FIXTURE tests/fixtures/cail_6x40.jsonl.
Reads the active split (split_cases: key = the record's line number, label,
part), fits scikit-learn's character 1-3-gram TF-IDF (sublinear tf, smooth
idf, L2; the features of the n-gram branch, without hashing or words) with
LinearSVC (C = 1, its default) on the training part and prints the test
accuracy and macro-F1 (sklearn.metrics, macro over the labels present).
The test keeps the accuracy as its golden figure.  Debian's python3-sklearn.
"""
import json
import sqlite3
import sys

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.svm import LinearSVC


def main():
    project, fixture = sys.argv[1], sys.argv[2]
    facts = [json.loads(line)["fact"] for line in open(fixture, encoding="utf-8")]
    db = sqlite3.connect(project)
    rows = db.execute(
        "SELECT c.key, c.label, c.part FROM split_cases c JOIN splits s ON s.id = c.split_id"
        " WHERE s.active ORDER BY CAST(c.key AS INTEGER)").fetchall()
    tr = [(facts[int(k) - 1], lab) for k, lab, part in rows if part == "train"]
    te = [(facts[int(k) - 1], lab) for k, lab, part in rows if part == "test"]
    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, lowercase=False)
    x = vec.fit_transform([f for f, _ in tr])
    clf = LinearSVC(C=1.0).fit(x, [lab for _, lab in tr])
    pred = clf.predict(vec.transform([f for f, _ in te]))
    truth = [lab for _, lab in te]
    print("train %d test %d accuracy %.4f macro_f1 %.4f" % (len(tr), len(te), accuracy_score(truth, pred),
                                                             f1_score(truth, pred, average="macro", zero_division=0)))


if __name__ == "__main__":
    main()
