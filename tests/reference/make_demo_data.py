#!/usr/bin/python3
"""make_demo_data.py - build the data of `yujing demo` (share/yujing/demo/).

Usage (from the top of the source tree, Debian's python3, standard library only):

    /usr/bin/python3 tests/reference/make_demo_data.py [SHARED_DATA_DIR]

SHARED_DATA_DIR defaults to ../shared/data.  It writes

  share/yujing/demo/chicago/incident.csv  what happened: id, date, arrest, domestic,
                                          location_description, primary_type (the label)
  share/yujing/demo/chicago/place.csv     where: id, block, beat, district, ward,
                                          community_area, latitude, longitude
  share/yujing/demo/cail/cases.jsonl      {"fact": ..., "meta": {"accusation": [...]}}

from chicago_englewood_2017_2018 (every row) and cail2018 (3000 cases with facts of at
most 1200 bytes, to keep the demo data small).  Fields that give the Chicago label away
(iucr, fbi_code, description) and duplicates or bookkeeping (case_number, location,
x/y_coordinate, year, updated_on, c_tract) are left out.  About 3% of the cases (seeded)
have their label blanked: the demo's unlabeled cases, which it warns on.  The output
is deterministic (seed 20261124).
"""

import csv
import json
import os
import random
import sys

SEED = 20261124
UNLABELED = 0.03
CAIL_CASES = 3000
CAIL_MAX_BYTES = 1200


def chicago(src, out):
    with open(src, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    rows.sort(key=lambda r: int(r["id"]))
    rng = random.Random(SEED)
    blank = set(rng.sample(range(len(rows)), round(UNLABELED * len(rows))))
    os.makedirs(out, exist_ok=True)
    inc = ["id", "date", "arrest", "domestic", "location_description", "primary_type"]
    plc = ["id", "block", "beat", "district", "ward", "community_area", "latitude", "longitude"]
    with open(os.path.join(out, "incident.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(inc)
        for i, r in enumerate(rows):
            v = [r[k] for k in inc]
            if i in blank:
                v[-1] = ""
            w.writerow(v)
    with open(os.path.join(out, "place.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(plc)
        for r in rows:
            w.writerow([r[k] for k in plc])
    return len(rows), len(blank)


def cail(src, out):
    with open(src, encoding="utf-8") as f:
        cases = [json.loads(line) for line in f if line.strip()]
    short = [c for c in cases if len(c["fact"].encode("utf-8")) <= CAIL_MAX_BYTES]
    rng = random.Random(SEED)
    pick = sorted(rng.sample(range(len(short)), min(CAIL_CASES, len(short))))
    blank = set(rng.sample(range(len(pick)), round(UNLABELED * len(pick))))
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "cases.jsonl"), "w", encoding="utf-8") as f:
        for n, i in enumerate(pick):
            c = short[i]
            acc = None if n in blank else c["meta"]["accusation"]
            f.write(json.dumps({"fact": c["fact"], "meta": {"accusation": acc}},
                               ensure_ascii=False) + "\n")
    return len(pick), len(blank)


def main():
    shared = sys.argv[1] if len(sys.argv) > 1 else os.path.join("..", "shared", "data")
    demo = os.path.join("share", "yujing", "demo")
    n, b = chicago(os.path.join(shared, "chicago_englewood_2017_2018",
                                "chicago_englewood_2017_2018.csv"), os.path.join(demo, "chicago"))
    print("chicago: %d incidents, %d unlabeled" % (n, b))
    n, b = cail(os.path.join(shared, "cail2018", "cail2018.jsonl"), os.path.join(demo, "cail"))
    print("cail: %d cases, %d unlabeled" % (n, b))


if __name__ == "__main__":
    main()
