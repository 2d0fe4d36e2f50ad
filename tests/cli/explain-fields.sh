#!/bin/sh
# explain-fields.sh - each structured source's Shapley value split into
# its fields' shares (issue 14), in `yujing explain --json` "fields":
#   sum       for 6 cases, every source's field shares (with its "rows"
#             part when aggregated and its "gap" part: the source at the
#             mean of its inputs against its baseline, always exact) add up to the
#             source's branch value, logit and probability, to 1e-9
#   null      a field with one value in every case (its input is always
#             its training mean) gets exactly 0, exact and sampled
#   exact     a source of 4 fields is exact ("exact": true, no se)
#   sampled   a source of 13 used fields is sampled: "exact": false with
#             a standard error, and its shares still add up
# The expected values are properties worked out by hand, not the
# program's output.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

if ! have python3 || ! python3 -c 'import json' 2>/dev/null; then
	skip 'explain field checks' 'python3 is not available'
	done_testing
fi

# cases: 金额 (numeric), 地点 (categorical), 常量 (always 7), 说明 (text,
# read by the n-gram branch); events: several rows per case (aggregated);
# wide: 13 numeric fields, w13 always 1.
cat >cases.csv <<'CSV'
id,罪名,金额,地点,常量,说明
c01,盗窃,100,北京,7,夜间入室盗窃
c02,盗窃,120,上海,7,商场扒窃手机
c03,诈骗,90,上海,7,冒充客服诈骗
c04,诈骗,110,北京,7,网络刷单诈骗
c05,抢劫,300,广州,7,持刀抢劫
c06,盗窃,95,北京,7,盗窃电动车
c07,抢劫,280,广州,7,街头抢夺
c08,诈骗,115,上海,7,虚假投资诈骗
c09,盗窃,100,北京,7,入室盗窃首饰
c10,诈骗,98,北京,7,冒充熟人借钱
c11,抢劫,310,上海,7,持刀抢劫路人
c12,盗窃,101,广州,7,扒窃钱包
CSV
cat >events.csv <<'CSV'
id,kind,amount
c01,call,10
c01,visit,20
c02,call,30
c03,call,5
c03,call,6
c03,visit,7
c05,visit,50
c07,visit,40
c08,call,9
c11,visit,60
c11,visit,61
c12,call,12
CSV
awk 'BEGIN {
	printf "id"; for (j = 1; j <= 13; j++) printf ",w%d", j; printf "\n";
	for (i = 1; i <= 12; i++) {
		printf "c%02d", i;
		for (j = 1; j <= 12; j++) printf ",%d", (i * j * 7 + j) % 11;
		printf ",1\n";
	}
}' >wide.csv

expect_exit 0 yujing init p.yj
expect_exit 0 yujing import p.yj --source cases --key id --label 罪名 --text 说明 cases.csv
expect_exit 0 yujing import p.yj --source events --key id events.csv
expect_exit 0 yujing import p.yj --source wide --key id wide.csv
expect_exit 0 yujing clean p.yj
expect_exit 0 yujing split p.yj --seed 5
expect_exit 0 yujing train p.yj --epochs 30 --batch 4 --threads 1
for k in c01 c03 c05 c08 c11 c12; do
	expect_exit 0 yujing explain p.yj --case $k --json
	cp "$T/stdout" "ex-$k.json"
done

cat >fields.py <<'PY'
import json, sys
bad = []
for k in sys.argv[1:]:
    e = json.load(open("ex-%s.json" % k, encoding="utf-8"))
    fields = e["fields"]
    for b in e["branches"]:
        fs = [f for f in fields if f["branch"] == b["name"]]
        if b["kind"] != "structured":
            if fs:
                bad.append("%s: %s is no structured source but has fields" % (k, b["name"]))
            continue
        if not fs:
            bad.append("%s: source %s has no field shares" % (k, b["name"]))
            continue
        for q in ("logit", "probability"):
            s = sum(f[q] for f in fs)
            if abs(s - b[q]) > 1e-9:
                bad.append("%s %s %s: fields add up to %.12f, the source is %.12f" % (k, b["name"], q, s, b[q]))
        parts = [f["part"] for f in fs]
        if parts.count("gap") != 1 or parts[-1] != "gap":
            bad.append("%s %s: one gap part, last: %s" % (k, b["name"], parts))
        names = [f["field"] for f in fs if f["part"] == "field"]
        want = {"cases": ["金额", "地点", "常量"], "events": ["kind", "amount"],
                "wide": ["w%d" % j for j in range(1, 14)]}[b["name"]]
        if names != want:
            bad.append("%s %s: fields %s, want %s" % (k, b["name"], names, want))
        if (b["name"] == "events") != ("rows" in parts):
            bad.append("%s %s: a rows part only for the aggregated source: %s" % (k, b["name"], parts))
        exact = b["name"] != "wide"
        for f in fs:
            if f["part"] == "gap":  # one evaluation: always exact
                if not f["exact"] or "se_logit" in f:
                    bad.append("%s %s: the gap is exact: %s" % (k, b["name"], f))
                continue
            if f["exact"] != exact or (("se_logit" in f) == exact):
                bad.append("%s %s %s: exact %s, se %s" % (k, b["name"], f["field"], f["exact"], "se_logit" in f))
            if not exact and f["part"] == "field" and not (f["se_logit"] >= 0 and f["se_probability"] >= 0):
                bad.append("%s %s: a standard error %s" % (k, f["field"], f))
            if f["field"] in ("常量", "w13") and (f["logit"] != 0 or f["probability"] != 0):
                bad.append("%s: the constant field %s has share %r / %r" % (k, f["field"], f["logit"], f["probability"]))
        nonzero = [f for f in fs if f["part"] == "field" and f["field"] not in ("常量", "w13") and f["logit"] != 0]
        if not nonzero:
            bad.append("%s %s: every field share is 0" % (k, b["name"]))
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
check "the fields' shares (rows, gap) add up to each source's value, logit and probability, 6 cases, 1e-9; a constant field gets 0; 3 and 2 fields exact, 13 sampled with a standard error" \
	python3 fields.py c01 c03 c05 c08 c11 c12
done_testing
