#!/bin/sh
# train.sh - the Train view: the form (one row per setting of train, from
# its table) sets the hyper-parameters, `s`
# starts `yujing train` in its own process (the log heads with its command
# line), the run's progress bar and loss curves (braille, axes, legend)
# grow until it is done; a long run keeps training after the workbench
# quits, a new workbench shows it live, and `c` cancels it.  Each run logs
# to its own file (PROJECT.run-N.log; before, PROJECT.train.log was
# truncated at each start); a run started with :train survives quitting
# too, and quitting while a command of the prompt runs asks first.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
. "$top_srcdir/tests/tui/tmux.sh"

if [ -z "$PY" ]; then
	echo "1..0 # SKIP python3 is needed to read the runs as JSON"
	tap_done=1
	exit 0
fi

fixture
yujing split p.yj >/dev/null || bail_out "cannot split the fixture"

# run_field RUN FIELD: a field of a run in `yujing runs --json`.
run_field()
{
	yujing runs p.yj --json | $PY -c '
import json, sys
for r in json.load(sys.stdin)["runs"]:
    if r["id"] == int(sys.argv[1]):
        print(r[sys.argv[2]])' "$1" "$2"
}

# set_field N VALUE: move to the Nth setting (from the top) and type VALUE.
set_field()
{
	keys g
	_sf_i=1
	while [ "$_sf_i" -lt "$1" ]; do
		keys j
		_sf_i=$((_sf_i + 1))
	done
	keys Enter C-u
	keys_text "$2"
	keys Enter
}

tui_start 80 24
wait_screen 'Sources (2)' 'the workbench opens at 80x24'
# The prompt completes the settings of train (settings.h) like its options.
keys :
keys_text 'train --weight-d'
keys Tab
wait_screen ':train --weight-decay' 'Tab completes a setting of train'
keys C-u Escape
keys 4
wait_screen 'No runs yet' 'the Train view says there is no run yet'
check 'the form shows the default epochs (auto)' grep -Eq '^  epochs +\(auto\)( |$)' "$T/screen.txt"
set_field 9 300
wait_check 'Enter edits the epochs (300)' grep -Eq '^  epochs +300( |$)' "$T/screen.txt"
# every epoch, without stopping early (the patience, under the epochs)
set_field 10 0
wait_check 'the patience (0: never stop early)' grep -Eq '^  patience +0( |$)' "$T/screen.txt"
set_field 11 4
wait_check 'and the batch (4)' grep -Eq '^  batch +4( |$)' "$T/screen.txt"
set_field 9 x
wait_screen 'epochs wants a whole number' 'a value that is not a number is refused'
check 'and the old one kept' grep -Eq '^  epochs +300( |$)' "$T/screen.txt"
keys s
wait_screen 'Run 1: ' 's starts a run that the view follows'
wait_screen 'Run 1: done' 'the run finishes'
check 'the progress bar is full: 100% and every step done' \
	grep -Eq '100% .* ([0-9]+)/\1 steps' "$T/screen.txt"
check 'the epoch counter reads 300/300' grep -q 'epoch 300/300' "$T/screen.txt"
cat >braille.py <<'PYEOF'
import sys
s = open(sys.argv[1], encoding="utf-8").read()
dots = sum(1 for ch in s if 0x2801 <= ord(ch) <= 0x28FF)
print("braille cells:", dots)
sys.exit(0 if dots >= 30 else 1)
PYEOF
check 'the loss curve is drawn in braille' $PY braille.py "$T/screen.txt"
check 'with a y axis and an x axis' grep -q '┤' "$T/screen.txt"
check 'the x axis is labelled step' grep -q ' step ' "$T/screen.txt"
# the held-out loss: the validation part's when the split has one for every
# category, else the test part's (as runs --history says)
on=$(yujing runs p.yj --history 1 --json | $PY -c 'import json, sys; print(json.load(sys.stdin).get("evaluated_on", "test"))')
lbl='test loss'
[ "$on" = validation ] && lbl='val\. loss'
check "the legend names the three series (the held-out loss: $on)" grep -q "train loss .*$lbl .*accuracy" "$T/screen.txt"
wait_check 'the run has its own log, p.yj.run-1.log' test -f p.yj.run-1.log
check 'the log starts with the command line' grep -qx '\$ yujing train p.yj --epochs 300 --patience 0 --batch 4' p.yj.run-1.log
check 'the log ends with the run done' grep -q '^run 1 done' p.yj.run-1.log
expect_eq "$(run_field 1 config | $PY -c 'import ast,sys; print(ast.literal_eval(sys.stdin.read())["epochs"])')" 300 'the run trained with the epochs of the form (its config)'
keys l
wait_screen 'run 1 done: epoch' 'l shows the log'
keys l
wait_screen 'train loss' 'l again shows the curves'

# d: the defaults; r: the settings the run shown stored (its configuration).
keys d
wait_check 'd sets the epochs back to auto' grep -Eq '^  epochs +\(auto\)( |$)' "$T/screen.txt"
check 'and the batch to auto' grep -Eq '^  batch +\(auto\)( |$)' "$T/screen.txt"
keys r
wait_screen 'the settings of run: 1' 'r asks which run, the model of record (run 1) by default'
keys Enter
wait_check 'r takes the epochs of run 1 (300)' grep -Eq '^  epochs +300( |$)' "$T/screen.txt"
check 'and its batch (4)' grep -Eq '^  batch +4( |$)' "$T/screen.txt"
check 'and its seed (42)' grep -Eq '^  seed +42( |$)' "$T/screen.txt"
check 'the branches it trained, as it stored them' grep -Eq '^  branches +structured' "$T/screen.txt"
keys d
wait_check 'd again: the defaults' grep -Eq '^  epochs +\(auto\)( |$)' "$T/screen.txt"
set_field 9 300
set_field 10 0
set_field 11 4

# A run that cannot start says why (from its log).
# A value train would refuse is refused in the form, with train's message.
set_field 1 foo
wait_screen "'foo' is not a branch" 'a branches value that is not a branch is refused at once'
check 'and the form keeps (all)' grep -Eq '^  branches +\(all\)' "$T/screen.txt"
set_field 1 ngram:zz
wait_check 'the branches setting takes a branch list' grep -Eq '^  branches +ngram:zz( |$)' "$T/screen.txt"
keys s
wait_screen "no text field zz" 'a run that fails to start shows its error'
check 'and the log it wrote' grep -q 'hint: text fields are imported' "$T/screen.txt"
set_field 1 ''
wait_check 'an empty branches setting means all' grep -Eq '^  branches +\(all\)' "$T/screen.txt"
keys l
wait_screen 'train loss' 'l goes back to the curves'

# A long run survives the workbench quitting, and shows live in a new one.
set_field 9 100000
set_field 10 0
keys s
wait_screen 'Run 2: running' 'a second run starts'
tui_quit 'the workbench quits while the run trains'
check 'run 2 logs to its own file' test -f p.yj.run-2.log
check 'and run 1 keeps its log (not truncated by the second start)' grep -q '^run 1 done' p.yj.run-1.log
s1=$(run_field 2 steps_done)
sleep 1
s2=$(run_field 2 steps_done)
expect_eq "$(run_field 2 status)" running 'the run is still running after the workbench ended'
check "and still stepping ($s1 then $s2 steps)" test "$s2" -gt "$s1"
tui_start 80 24
wait_screen 'Sources (2)' 'a new workbench opens'
keys 4
wait_screen 'Run 2: running' 'it shows the run training'
wait_screen 'from run 1 · trains on snapshot 1, split 1' 'the form says where its settings come from and the data a run uses'
check 'a new form starts from the model of record (run 1: 300 epochs)' grep -Eq '^  epochs +300( |$)' "$T/screen.txt"
check 'and its batch (4)' grep -Eq '^  batch +4( |$)' "$T/screen.txt"
wait_check 'with the elapsed time and an ETA' grep -Eq 'steps · [0-9:]+ elapsed · ETA [0-9:]+' "$T/screen.txt"
steps_on_screen()
{
	sed -n 's/.* \([0-9][0-9]*\)\/[0-9][0-9]* steps.*/\1/p' "$T/screen.txt" | head -n 1
}
first=$(steps_on_screen)
wait_check 'the steps grow on the screen (live)' sh -c "test \"\$(sed -n 's/.* \\([0-9][0-9]*\\)\\/[0-9][0-9]* steps.*/\\1/p' '$T/screen.txt' | head -n 1)\" -gt '${first:-0}'"
keys c
wait_screen 'Run 2: cancelled' 'c cancels the run'
expect_eq "$(run_field 2 status)" cancelled 'the project says cancelled'
set_field 9 100000
set_field 10 0
set_field 11 4
keys s
wait_screen 'Run 3: ' 'a new run can start after the cancel'
keys c
wait_screen 'Run 3: cancelled' 'and be cancelled'

# A run started from the prompt (:train) is detached the same way: quitting
# does not stop it (before, it was the prompt's child and died with it).
keys :
keys_text 'train --epochs 100000 --patience 0 --batch 4'
keys Enter
wait_screen 'Run 4: running' ':train starts run 4, shown in Train'
tui_quit 'q quits at once (no command of the prompt is running)'
s1=$(run_field 4 steps_done)
sleep 1
s2=$(run_field 4 steps_done)
expect_eq "$(run_field 4 status)" running 'run 4 is still running after the workbench ended'
check "and still stepping ($s1 then $s2 steps)" test "$s2" -gt "$s1"
wait_check_file()
{
	_n=0
	while [ ! -f "$1" ] && [ $_n -lt 50 ]; do
		sleep 0.1
		_n=$((_n + 1))
	done
	test -f "$1"
}
check 'run 4 logs to p.yj.run-4.log' wait_check_file p.yj.run-4.log
check 'which starts with its command line' grep -qx '\$ yujing train p.yj --epochs 100000 --patience 0 --batch 4' p.yj.run-4.log
yujing train p.yj --cancel 4 >/dev/null 2>&1

# Quitting while a command of the prompt runs asks first: n stays, y quits
# and stops the command.
tui_start 80 24
wait_screen 'Sources (2)' 'a workbench again'
keys :
keys_text 'pretrain --epochs 100000 --batch 4'
keys Enter
wait_screen "running 'pretrain'" 'a long command of the prompt runs'
keys q
wait_screen 'Quit? (y/n)' 'q while it runs asks'
keys n Enter
wait_screen "'pretrain' keeps running" 'n: the workbench stays, the command runs on'
keys q
wait_screen 'Quit? (y/n)' 'q asks again'
keys y Enter
tui_wait_exit
expect_eq "$tui_rc" 0 'y quits (exit 0)'
_tui_kill_server
last=$(yujing runs p.yj --json | $PY -c 'import json, sys; print(json.load(sys.stdin)["runs"][-1]["id"])')
check 'and the command of the prompt stopped with it' test "$(run_field "$last" status)" != running
# Whatever happened above, no run keeps training after the test.
for r in 2 3 4 $last; do
	[ "$(run_field $r status)" != running ] || yujing train p.yj --cancel $r >/dev/null 2>&1
done

done_testing
