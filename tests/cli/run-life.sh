#!/bin/sh
# run-life.sh - a training run against what its neighbours and the machine
# do to it (issue 15, defects 4, 7, 8 and 9):
#
#   lock       after a run's first step another process holds the write
#              lock (BEGIN IMMEDIATE) for 12 s, longer than the 10 s busy
#              timeout: the run waits and finishes (exit 0, done) with the
#              weights of the same run trained without the lock
#   NaN loss   --lr 1e30: exit 1 with "the loss became NaN (or infinite) at step N; lower
#              --lr"; steps 0 .. N-1 are recorded and finite; status failed;
#              weights that overflowed are never saved as a checkpoint
#   kill -9    a run killed after its first step (before its first
#              checkpoint) reads as interrupted, and --resume trains it from
#              the start to the weights of an uninterrupted run
#   full disk  the project file cannot grow after the first step (PRAGMA
#              max_page_count, its free pages filled): exit 1, the hint says
#              how to resume (never "nothing was written"); --resume then
#              finishes it, again to the same weights
#   pid reuse  a run whose pid names a live process that started after the
#              run's last write reads as interrupted; one that started
#              before it is running: resume and delete are refused
#   delete     `runs --delete` removes the interrupted run with its steps
#
# The faults come from tests/unit/run-faults (a run that kills itself,
# meets a held lock or fills the file); the project file is read with
# sqlite3 ($SQLITE3).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

FAULTS=$(dirname "$YUJING")/tests/unit/run-faults
[ -x "$FAULTS" ] || bail_out "no $FAULTS (make check builds it)"
[ -n "${SQLITE3:-}" ] || bail_out "SQLITE3 is not set (the sqlite3 program)"
q() { "$SQLITE3" -batch -noheader p.yj "$1"; }
OPTS='--epochs 3 --batch 32 --hidden 16 --threads 1 --seed 42'

# run_status RUN: the status `runs` shows (run, created, status, ...).
run_status()
{
	"$YUJING" runs p.yj 2>/dev/null | awk -v r="$1" '$1 == r { print $3 }'
}

# 300 cases: a, b, c in [0, 1), the category the largest (Park-Miller, as
# train.sh).
awk '
function rnd() { seed = (16807 * seed) % 2147483647; return seed / 2147483647 }
BEGIN {
	seed = 4242
	print "case_id,a,b,c,category" > "cases.csv"
	for (i = 1; i <= 300; i++) {
		a = rnd(); b = rnd(); c = rnd()
		lab = a > b ? (a > c ? "x" : "z") : (b > c ? "y" : "z")
		printf "C%04d,%.4f,%.4f,%.4f,%s\n", i, a, b, c, lab > "cases.csv"
	}
}' </dev/null
expect_exit 0 yujing init p.yj
expect_exit 0 yujing import p.yj --source cases --key case_id --label category cases.csv
expect_exit 0 yujing clean p.yj
expect_exit 0 yujing split p.yj --seed 7
# shellcheck disable=SC2086 # OPTS splits into words
expect_exit 0 yujing train p.yj $OPTS
want=$(q "SELECT hex((SELECT data FROM run_blobs WHERE run_id = runs.id AND kind = 'weights')) FROM runs WHERE id = 1")
check 'the reference run stored weights' test -n "$want"

# ------------------------------------------------------------------ lock
run "$FAULTS" p.yj lock
expect_eq "$rc" 0 'a run whose progress write meets a lock held for 12 s waits and ends well (exit 0)'
[ "$rc" = 0 ] || diag_file "$T/stderr" stderr
expect_eq "$(q "SELECT value FROM settings WHERE key = 'lock'")" held 'the lock holder committed its write'
expect_eq "$(run_status 2)" done 'the run that waited for the lock is done'
expect_eq "$(q "SELECT hex((SELECT data FROM run_blobs WHERE run_id = runs.id AND kind = 'weights')) FROM runs WHERE id = 2")" "$want" 'and has the weights of the run without the lock'
expect_eq "$(q "SELECT count(*), min(step), max(step) FROM run_steps WHERE run_id = 2")" \
	"$(q "SELECT count(*), min(step), max(step) FROM run_steps WHERE run_id = 1")" 'and every step recorded'

# --------------------------------------------------------------- NaN loss
expect_exit 1 yujing train p.yj --lr 1e30 --epochs 2 --batch 32 --hidden 16 --threads 1 --seed 42
n=$(sed -n 's/.*the loss became \(NaN\|infinite\) at step \([0-9][0-9]*\); lower --lr.*/\2/p' "$T/stderr")
check 'the error names the step where the loss became NaN or infinite' test -n "$n"
expect_eq "$(run_status 3)" failed 'the diverged run failed'
expect_eq "$(q "SELECT count(*), coalesce(max(step), -1) FROM run_steps WHERE run_id = 3")" "$n|$((${n:-0} - 1))" \
	'the steps before it are recorded'
expect_eq "$(q "SELECT count(*) FROM run_steps WHERE run_id = 3 AND NOT (loss BETWEEN -1e38 AND 1e38)")" 0 \
	'and every recorded loss is finite'

# weights that overflowed while the loss was still finite never become a
# checkpoint (run 4: a run of run-faults's own, five steps)
run "$FAULTS" p.yj nan
expect_eq "$rc" 1 'a checkpoint of weights that are not finite is refused (exit 1)'
expect_stderr_contains 'the weights became infinite or NaN by step 4; lower --lr'
expect_eq "$(q "SELECT status, (SELECT data FROM run_blobs WHERE run_id = runs.id AND kind = 'checkpoint') IS NULL FROM runs WHERE id = 4")" 'failed|1' 'the run failed without that checkpoint'
q "DELETE FROM runs WHERE id = 4"

# a loss of +infinity is called infinite, not NaN (it once was); steps 0-2
# recorded (a run of run-faults's own)
run "$FAULTS" p.yj inf
expect_eq "$rc" 1 'an infinite loss fails the run (exit 1)'
expect_stderr_contains 'the loss became infinite at step 3; lower --lr'
r5=$(cat "$T/stdout")
expect_eq "$(q "SELECT status, (SELECT count(*) FROM run_steps WHERE run_id = runs.id) FROM runs WHERE id = ${r5:-0}")" 'failed|3' 'the run failed with steps 0-2 recorded'
q "DELETE FROM runs WHERE id = ${r5:-0}"

# ---------------------------------------------------------------- kill -9
run "$FAULTS" p.yj kill
expect_eq "$rc" 137 'the run killed itself (SIGKILL) after its first step'
expect_eq "$(run_status 4)" interrupted 'runs shows the killed run as interrupted'
expect_eq "$(q "SELECT (SELECT data FROM run_blobs WHERE run_id = runs.id AND kind = 'checkpoint') IS NULL FROM runs WHERE id = 4")" 1 'it had no checkpoint yet'
expect_exit 0 yujing train p.yj --resume 4
expect_eq "$(run_status 4)" done 'the resumed run is done'
expect_eq "$(q "SELECT hex((SELECT data FROM run_blobs WHERE run_id = runs.id AND kind = 'weights')) FROM runs WHERE id = 4")" "$want" 'with the weights of an uninterrupted run'

# kill -9 later: checkpoints are written at most every 120 s (train.c), so
# a killed run may resume from an older one (or the start) and repeat
# epochs whose records and best weights are already stored.  Killed once
# its second epoch is recorded, with a checkpoint after every epoch (run
# 5) and with the default interval, none in so short a run (run 6): both
# resume to the weights of an uninterrupted run.
run "$FAULTS" p.yj kill2
expect_eq "$rc" 137 'a run with a checkpoint every epoch killed itself after its second epoch'
expect_eq "$(q "SELECT json_extract(ckpt_state, '$.epoch'), epochs_done FROM runs WHERE id = 5")" '2|2' \
	'its checkpoint resumes at the third epoch, after two recorded'
expect_exit 0 yujing train p.yj --resume 5
expect_eq "$(run_status 5)" done 'resumed from its checkpoint, the run is done'
expect_eq "$(q "SELECT hex((SELECT data FROM run_blobs WHERE run_id = runs.id AND kind = 'weights')) FROM runs WHERE id = 5")" "$want" 'with the weights of an uninterrupted run'
run "$FAULTS" p.yj kill2-late
expect_eq "$rc" 137 'a run with the default checkpoint interval killed itself after its second epoch'
expect_eq "$(q "SELECT (SELECT data FROM run_blobs WHERE run_id = runs.id AND kind = 'checkpoint') IS NULL, epochs_done, (SELECT data FROM run_blobs WHERE run_id = runs.id AND kind = 'weights') IS NOT NULL FROM runs WHERE id = 6")" '1|2|1' \
	'it had no checkpoint, but two epochs and best weights recorded'
expect_exit 0 yujing train p.yj --resume 6
expect_eq "$(run_status 6)" done 'resumed from the start, the run is done'
expect_eq "$(q "SELECT hex((SELECT data FROM run_blobs WHERE run_id = runs.id AND kind = 'weights')) FROM runs WHERE id = 6")" "$want" 'with the weights of an uninterrupted run'
expect_eq "$(q "SELECT count(*), max(epoch) FROM run_epochs WHERE run_id = 6")" '3|2' 'and one record per epoch'
q "DELETE FROM runs WHERE id IN (5, 6)"

# -------------------------------------------------------------- full disk
run "$FAULTS" p.yj full
expect_eq "$rc" 1 'a run on a full disk fails (exit 1)'
expect_stderr_contains 'disk full: ' 'with the status disk full'
expect_stderr_contains 'free disk space, then resume with: yujing train PROJECT --resume 5' 'the hint says how to resume'
if grep -F 'nothing was written' "$T/stderr" >/dev/null; then
	not_ok 'the hint does not claim that nothing was written'
else
	ok 'the hint does not claim that nothing was written'
fi
expect_exit 0 yujing train p.yj --resume 5
expect_eq "$(run_status 5)" done 'with space again, the resumed run is done'
expect_eq "$(q "SELECT hex((SELECT data FROM run_blobs WHERE run_id = runs.id AND kind = 'weights')) FROM runs WHERE id = 5")" "$want" 'with the weights of an uninterrupted run'

# ------------------------------------------------------------------ delete
run "$FAULTS" p.yj kill
expect_eq "$(run_status 6)" interrupted 'another killed run reads as interrupted'
dead=$(q "SELECT pid FROM runs WHERE id = 6")
# its pid given to a live process that started after the run's last write
# (a pid reused, after a reboot say): still interrupted
sleep 60 &
later=$!
track_pid "$later"
q "UPDATE runs SET pid = $later, updated_at = '2020-01-01T00:00:00Z' WHERE id = 6"
expect_eq "$(run_status 6)" interrupted 'a run whose pid now names a later process reads as interrupted'
untrack_kill "$later"
# given to a live process that started before it (this shell): running
q "UPDATE runs SET pid = $$, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = 6"
expect_eq "$(run_status 6)" running 'a run whose process started before its last write and lives is running'
expect_exit 2 yujing train p.yj --resume 6
expect_stderr_contains "run 6 is still training (process $$)"
expect_exit 2 yujing runs p.yj --delete 6
q "UPDATE runs SET pid = $dead WHERE id = 6"
expect_exit 0 yujing runs p.yj --delete 6
expect_eq "$(q "SELECT count(*) FROM runs WHERE id = 6")" 0 'runs --delete removes it'
expect_eq "$(q "SELECT count(*) FROM run_blobs WHERE run_id = 6")" 0 'and its weights and checkpoint'
expect_exit 1 yujing runs p.yj --delete 6
expect_stderr_contains 'no run 6'

done_testing
