#!/bin/sh
# killtrials.sh - kill -9 at random points during import, clean and train:
# the project must stay consistent (PRAGMA integrity_check says ok, and
# foreign keys hold) and the work resumable (the import and the clean run
# again to completion; a killed run resumes with --resume, or, killed
# before its first checkpoint, a new run trains).  Issue 15 counted 168
# such trials; this is the script that counts them again.
#
#   YUJING=build/yujing sh tests/fault/killtrials.sh [TRIALS-PER-COMMAND] [SEED]
#   (KILL_COMMANDS="train" for some of import, clean, train)
#
# Each trial: measure nothing, draw a delay uniformly in [0, D) where D is
# the command's duration unkilled (measured once), start the command, kill
# it with SIGKILL after the delay, then check.  Prints one line per trial
# and a table: trials, killed mid-way (the command had not finished),
# integrity ok, resumed ok.  Exit status 1 when any check failed.
set -u
trials=${1:-10}
seed=${2:-1}
: "${YUJING:?set YUJING to a yujing binary}"
SQLITE3=${SQLITE3:-sqlite3}
T=$(mktemp -d "${TMPDIR:-/tmp}/yj-kill.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
export LC_ALL=C.UTF-8 LANGUAGE=

# 20,000 rows of two categories: a key, a label, two numbers, a text
awk 'BEGIN { srand(7); print "id,kind,amount,hour,note";
	for (i = 1; i <= 20000; i++)
		printf "C%d,%s,%.2f,%d,note %d %s\n", i, (i % 3 ? "theft" : "fraud"), rand() * 1000,
		       int(rand() * 24), i % 97, (i % 3 ? "lock door night" : "phone call money") }' >s.csv
"$YUJING" init base.yj >/dev/null || exit 1

args()
{
	case $1 in
	import) echo "import p.yj -s s -k id -l kind -t note s.csv" ;;
	clean) echo "clean p.yj" ;;
	train) echo "train p.yj --epochs 6 --batch 64 --hidden 16 --threads 1" ;;
	esac
}
cp base.yj before-import.yj
"$YUJING" import base.yj -s s -k id -l kind -t note s.csv >/dev/null || exit 1
cp base.yj before-clean.yj
"$YUJING" clean base.yj >/dev/null && "$YUJING" split base.yj --seed 1 >/dev/null || exit 1
cp base.yj before-train.yj

now_ms() { date +%s%3N; }
rand_ms() # MAX: a draw in [0, MAX) from the trial's seed
{
	awk -v s="$seed$trial$1$cmd" -v m="$1" 'BEGIN { n = 0; for (i = 1; i <= length(s); i++) n = n * 31 + index("0123456789abcdefghijklmnopqrstuvwxyz", substr(s, i, 1)); srand(n % 2147483647); print int(rand() * m) }'
}
check_db()
{
	[ "$("$SQLITE3" p.yj 'PRAGMA integrity_check' 2>&1)" = ok ] &&
		[ -z "$("$SQLITE3" p.yj 'PRAGMA foreign_key_check' 2>&1)" ]
}

fail=0
printf '%-8s %6s %7s %9s %8s\n' command trials killed integrity resumed >table.txt
for cmd in ${KILL_COMMANDS:-import clean train}; do
	cp "before-$cmd.yj" p.yj
	t0=$(now_ms)
	# shellcheck disable=SC2046
	"$YUJING" $(args "$cmd") >/dev/null 2>&1 || { echo "$cmd fails unkilled"; exit 1; }
	dur=$(($(now_ms) - t0))
	n=0 killed=0 integ=0 resumed=0
	trial=1
	while [ "$trial" -le "$trials" ]; do
		cp "before-$cmd.yj" p.yj
		rm -f p.yj-wal p.yj-shm p.yj-journal
		d=$(rand_ms "$dur")
		# shellcheck disable=SC2046
		"$YUJING" $(args "$cmd") >out.txt 2>&1 &
		pid=$!
		if [ "$cmd" = train ] && [ "$trial" -gt $((trials / 2)) ]; then
			# the second half of the train trials: the delay counts from
			# the moment the run is recorded (a loaded machine spends
			# the whole measured time building features otherwise)
			w=0
			while [ "$w" -lt 600 ] && kill -0 "$pid" 2>/dev/null &&
				[ "$("$SQLITE3" p.yj 'SELECT count(*) FROM runs' 2>/dev/null)" != 1 ]; do
				sleep 0.1
				w=$((w + 1))
			done
		fi
		sleep "$(awk -v d="$d" 'BEGIN { printf "%.3f", d / 1000 }')"
		was=dead
		if kill -0 "$pid" 2>/dev/null; then
			kill -KILL "$pid" 2>/dev/null && was=killed
		fi
		wait "$pid" 2>/dev/null
		n=$((n + 1))
		[ "$was" = killed ] && killed=$((killed + 1))
		ok_i=no ok_r=no
		check_db && ok_i=yes && integ=$((integ + 1))
		if [ "$cmd" = train ]; then
			run=$("$SQLITE3" p.yj "SELECT max(id) FROM runs" 2>&1)
			if [ -n "$run" ] && "$YUJING" train p.yj --resume "$run" --threads 1 >res.txt 2>&1; then
				ok_r="yes (run $run resumed)"
			else
				why=$(tr '\n' ' ' <res.txt | cut -c1-120)
				case $run in
				'') why="no run was recorded yet" ;;
				*[!0-9]*) why="the run's id: $run" ;;
				esac
				# shellcheck disable=SC2046
				"$YUJING" $(args train) >res.txt 2>&1 && ok_r="yes (a new run; --resume $run said: $why)"
			fi
		elif [ "$cmd" = import ] &&
			[ "$("$SQLITE3" p.yj "SELECT count(*) FROM sources WHERE name = 's'" 2>/dev/null)" = 1 ]; then
			# the kill came after the commit: the whole source is there
			rows=$("$YUJING" sources p.yj --json 2>/dev/null | tr -d ' \n' | grep -o '"rows":[0-9]*' | head -1)
			[ "$rows" = '"rows":20000' ] && ok_r="yes (committed before the kill: all 20000 rows)"
		else
			# shellcheck disable=SC2046
			"$YUJING" $(args "$cmd") >res.txt 2>&1 && ok_r=yes
		fi
		[ "$ok_r" != no ] && check_db && resumed=$((resumed + 1))
		[ "$ok_i" = yes ] && [ "$ok_r" != no ] || fail=1
		echo "$cmd trial $trial: kill after ${d} ms of ${dur}: $was, integrity $ok_i, resumed $ok_r"
		trial=$((trial + 1))
	done
	printf '%-8s %6d %7d %9d %8d\n' "$cmd" "$n" "$killed" "$integ" "$resumed" >>table.txt
done
cat table.txt
exit $fail
