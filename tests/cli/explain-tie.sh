#!/bin/sh
# explain-tie.sh - explain's top probabilities on a tie: the earlier
# category first (src/train/explain.c, as the argmax of predict).  A run is
# trained (no logit adjustment, so nothing but the classifier tells the
# classes apart), then its stored classifier row and bias of category c are
# made those of b: b and c get the same logit for every case, hence the
# same probability, and explain must list b before c.
#
# The data: 90 cases of a, b, c (Park-Miller draws, as tune.sh); x is the
# class index plus noise, y noise.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

PY=
[ -n "${YJ_NO_PYTHON:-}" ] || find_python 'import json, sqlite3, struct'
if [ -z "$PY" ]; then
	echo "1..0 # SKIP python3 (json, sqlite3, struct) is needed to edit the stored weights"
	tap_done=1
	exit 0
fi

awk 'BEGIN {
	print "case_id,x,y,category"
	s = 11
	split("a,b,c", L, ",")
	for (i = 1; i <= 90; i++) {
		s = (16807 * s) % 2147483647; u = s / 2147483647
		s = (16807 * s) % 2147483647; v = s / 2147483647
		k = 1 + int(u * 3)
		printf "T%03d,%.4f,%.4f,%s\n", i, k + v, v, L[k]
	}
}' </dev/null >cases.csv

expect_exit 0 yujing init p.yj
expect_exit 0 yujing import p.yj --source cases --key case_id --label category cases.csv
expect_exit 0 yujing clean p.yj
expect_exit 0 yujing split p.yj --seed 1
expect_exit 0 yujing train p.yj --seed 1 --threads 1 --epochs 5 --adjust none

# classifier row and bias of c (index 2) := those of b (index 1); the
# safetensors header and the byte ranges stay as they are
"$PY" -c 'import json, sqlite3, struct
db = sqlite3.connect("p.yj")
w = bytearray(db.execute("SELECT data FROM run_blobs WHERE run_id = 1 AND kind = ?", ("weights",)).fetchone()[0])
n = struct.unpack("<Q", bytes(w[:8]))[0]
h = json.loads(bytes(w[8:8 + n]))
W, B = h["classifier.weight"], h["classifier.bias"]
assert W["shape"][0] == 3 and B["shape"] == [3]
row = 4 * W["shape"][1]
o = 8 + n + W["data_offsets"][0]
w[o + 2 * row:o + 3 * row] = w[o + row:o + 2 * row]
o = 8 + n + B["data_offsets"][0]
w[o + 8:o + 12] = w[o + 4:o + 8]
db.execute("UPDATE run_blobs SET data = ? WHERE run_id = 1 AND kind = ?", (bytes(w), "weights"))
db.commit()'
expect_eq "$?" 0 'the weights of c made those of b'

for key in T001 T002 T003; do
	expect_exit 0 yujing explain p.yj --run 1 --case "$key"
	sed -n '/^top probabilities:/,/^probabilities calibrated/p' "$T/stdout" | sed '1d;$d' >top
	expect_eq "$(awk '$1 != "a" {printf "%s ", $1}' top)" 'b c ' "$key: b and c tie; b, the earlier, is listed first"
	expect_eq "$(awk '$1 != "a" {print $2}' top | sort -u | wc -l | tr -d ' ')" 1 "$key: ... with the same probability"
done

done_testing
