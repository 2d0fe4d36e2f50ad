# lib.sh - a tiny TAP library for the black-box CLI tests (POSIX sh).
#
# A test script sources it, makes assertions and ends with done_testing:
#
#   . "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
#   expect_exit 0 yujing init p.yj
#   expect_stdout 'init prints the file name' <<EOF
#   created project p.yj
#   EOF
#   done_testing
#
# Sourcing it checks the environment that tests/local.mk provides (YUJING,
# FIXTURES, top_srcdir), creates a temporary directory $T under
# ${TMPDIR:-/tmp}, cd's into it and removes it on exit (set YJ_KEEP=1 to keep
# it for a post-mortem).  Standard input is /dev/null unless a call
# redirects it.  Every assertion prints one "ok N" or "not ok N" line with a
# description, and diagnostics ("# ...") when it fails; done_testing prints
# the plan "1..N" and exits non-zero when anything failed or nothing was
# tested, so a broken test cannot pass.
#
# The last command run by `run` or `expect_exit` leaves its exit status in
# $rc and its output in the files $T/stdout and $T/stderr, which the
# expect_std* assertions examine.

tap_n=0
tap_failed=0
TODO=
tap_done=0
YJ_PIDS= # background processes to kill on exit (see track_pid)

# ------------------------------------------------------------- reporting

# diag TEXT...: TAP diagnostics, one "# " line per line of TEXT.
diag()
{
	printf '%s\n' "$*" | sed 's/^/# /'
}

# diag_file FILE [LABEL]: show (up to 40 lines of) a file as diagnostics.
diag_file()
{
	if [ -s "$1" ]; then
		diag "${2:-$1}:"
		sed -n '1,40{s/^/#   /;p;}' "$1"
	else
		diag "${2:-$1}: (empty)"
	fi
}

# ok DESC / not_ok DESC: one result.  While $TODO is set (to the reason),
# results are TAP "# TODO": a known bug, reported but not failing the run;
# automake counts a TODO that passes as XPASS, a failure, so the marker
# must go when the bug is fixed.
ok()
{
	tap_n=$((tap_n + 1))
	printf 'ok %d - %s%s\n' "$tap_n" "$*" "${TODO:+ # TODO $TODO}"
}

not_ok()
{
	tap_n=$((tap_n + 1))
	[ -n "${TODO:-}" ] || tap_failed=$((tap_failed + 1))
	printf 'not ok %d - %s%s\n' "$tap_n" "$*" "${TODO:+ # TODO $TODO}"
	# the mutation harness (tests/mutation/run.py) needs only the first
	# failure: stop there rather than run the rest of the script
	if [ -n "${YJ_TEST_BAIL:-}" ] && [ -z "${TODO:-}" ]; then
		bail_out "the first failure ends the test (YJ_TEST_BAIL is set)"
	fi
}

# skip DESC REASON: an assertion that cannot be made here.
skip()
{
	tap_n=$((tap_n + 1))
	printf 'ok %d - %s # SKIP %s\n' "$tap_n" "$1" "$2"
}

# py_check DESC SCRIPT [ARGS...]: a python3 check ($PY, set by the test;
# skipped when empty) that prints nothing when all is well, else what is
# wrong.  (train.sh and a few others keep their own copy.)
py_check()
{
	_pc_desc=$1
	shift
	if [ -z "${PY:-}" ]; then
		skip "$_pc_desc" "python3 is not available"
	elif "$PY" -c "$@" >"$T/py.out" 2>&1 && [ ! -s "$T/py.out" ]; then
		ok "$_pc_desc"
	else
		not_ok "$_pc_desc"
		diag_file "$T/py.out" python3
	fi
}

# bail_out REASON: stop the whole test (TAP "Bail out!").
bail_out()
{
	printf 'Bail out! %s\n' "$*"
	tap_done=1
	exit 99
}

# done_testing: the plan, and the exit status.
done_testing()
{
	printf '1..%d\n' "$tap_n"
	tap_done=1
	if [ "$tap_n" -eq 0 ]; then
		diag "no assertion was made"
		exit 1
	fi
	if [ "$tap_failed" -ne 0 ]; then
		diag "$tap_failed of $tap_n assertions failed (files in $T)"
		exit 1
	fi
	exit 0
}

# ------------------------------------------------------------- running

# yujing ARGS...: the program under test.
yujing()
{
	$YJ_TIMEOUT "$YUJING" "$@"
}

# run CMD...: run a command, keeping its output in $T/stdout and
# $T/stderr and its exit status in $rc.  Never fails.
run()
{
	rc=0
	"$@" >"$T/stdout" 2>"$T/stderr" || rc=$?
}

# check DESC CMD...: ok when CMD succeeds (its output is kept apart from
# that of the last `run`).
check()
{
	_ck_desc=$1
	shift
	if "$@" >"$T/check.out" 2>&1; then
		ok "$_ck_desc"
	else
		not_ok "$_ck_desc"
		diag "failed: $*"
		diag_file "$T/check.out" output
	fi
}

# expect_exit CODE CMD...: run CMD and assert its exit status.
expect_exit()
{
	_ee_want=$1
	shift
	run "$@"
	if [ "$rc" -eq "$_ee_want" ]; then
		ok "$*: exit $_ee_want"
	else
		not_ok "$*: exit $_ee_want"
		diag "exit status $rc, expected $_ee_want"
		diag_file "$T/stdout" stdout
		diag_file "$T/stderr" stderr
	fi
}

# --------------------------------------------------------- output checks

# expect_text FILE DESC <<EOF ... EOF: FILE holds exactly the text on
# standard input.
expect_text()
{
	cat >"$T/expected"
	if cmp -s "$T/expected" "$1"; then
		ok "$2"
	else
		not_ok "$2"
		diag "${1#"$T/"} differs from the expected text (- expected, + actual):"
		diff -u "$T/expected" "$1" | sed -n '3,60{s/^/#   /;p;}'
	fi
}

# expect_stdout DESC <<EOF ... EOF: the last command's stdout, exactly.
expect_stdout()
{
	expect_text "$T/stdout" "${1:-stdout as expected}"
}

# expect_stderr DESC <<EOF ... EOF: the last command's stderr, exactly.
expect_stderr()
{
	expect_text "$T/stderr" "${1:-stderr as expected}"
}

_expect_contains()
{
	if grep -F -e "$2" "$T/$1" >/dev/null 2>&1; then
		ok "$3"
	else
		not_ok "$3"
		diag "$1 does not contain: $2"
		diag_file "$T/$1" "$1"
	fi
}

# expect_stdout_contains TEXT [DESC]: a fixed string (one line) in stdout.
expect_stdout_contains()
{
	_expect_contains stdout "$1" "${2:-stdout contains '$1'}"
}

# expect_stderr_contains TEXT [DESC]: a fixed string (one line) in stderr.
expect_stderr_contains()
{
	_expect_contains stderr "$1" "${2:-stderr contains '$1'}"
}

_expect_empty()
{
	if [ ! -s "$T/$1" ]; then
		ok "$2"
	else
		not_ok "$2"
		diag_file "$T/$1" "$1"
	fi
}

expect_stdout_empty()
{
	_expect_empty stdout "${1:-stdout is empty}"
}

expect_stderr_empty()
{
	_expect_empty stderr "${1:-stderr is empty}"
}

# expect_eq GOT WANT DESC: two strings are equal.
expect_eq()
{
	if [ "x$1" = "x$2" ]; then
		ok "$3"
	else
		not_ok "$3"
		diag "got:  '$1'"
		diag "want: '$2'"
	fi
}

# expect_same_file A B DESC: byte-for-byte equal files.
expect_same_file()
{
	if cmp -s "$1" "$2"; then
		ok "$3"
	else
		not_ok "$3"
		if [ -f "$1" ] && [ -f "$2" ]; then
			diag "$1 and $2 differ:"
			diff -u "$1" "$2" 2>/dev/null | sed -n '3,40{s/^/#   /;p;}'
		else
			diag "missing: $1 or $2"
		fi
	fi
}

# expect_no_file PATH DESC: PATH does not exist.
expect_no_file()
{
	if [ -e "$1" ] || [ -L "$1" ]; then
		not_ok "$2"
		diag "$1 exists"
	else
		ok "$2"
	fi
}

# ------------------------------------------------------------ utilities

# track_pid PID: kill PID (if still there) when the test exits.
track_pid()
{
	YJ_PIDS="$YJ_PIDS $1"
}

# untrack PID: forget a tracked process (after `wait` reaped it: its
# number may be reused).
untrack()
{
	_ut_rest=
	for _ut_p in $YJ_PIDS; do
		[ "$_ut_p" = "$1" ] || _ut_rest="$_ut_rest $_ut_p"
	done
	YJ_PIDS=$_ut_rest
}

# untrack_kill PID: kill a tracked, unreaped process now and reap it.
untrack_kill()
{
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	untrack "$1"
}

# have PROGRAM: non-zero when PROGRAM is not on the PATH.
have()
{
	command -v "$1" >/dev/null 2>&1
}

# find_python STATEMENT: PY = the first of $PYTHON3 and python3 that runs
# STATEMENT (e.g. 'import json, sqlite3'), empty when neither does.
find_python()
{
	PY=
	for _p in "${PYTHON3:-}" python3; do
		if [ -n "$_p" ] && have "$_p" && "$_p" -c "$1" >/dev/null 2>&1; then
			PY=$_p
			return 0
		fi
	done
	return 0
}

# -------------------------------------------------------------- set-up

_tap_cleanup()
{
	_tc_status=$?
	for _tc_p in $YJ_PIDS; do
		kill "$_tc_p" 2>/dev/null
	done
	if [ "$tap_done" -eq 0 ]; then
		printf '# the test script ended early (status %s)\n' "$_tc_status"
		[ "$_tc_status" -ne 0 ] || _tc_status=1
	fi
	cd / || :
	if [ -n "${YJ_KEEP:-}" ] && [ -n "${T:-}" ]; then
		printf '# kept %s\n' "$T"
	elif [ -n "${T:-}" ]; then
		rm -rf "$T"
	fi
	exit "$_tc_status"
}

: "${LC_ALL:=C.UTF-8}"
export LC_ALL
[ -n "${YUJING:-}" ] || bail_out "YUJING is not set (run the tests with make check)"
[ -x "$YUJING" ] || bail_out "YUJING=$YUJING is not an executable"
[ -n "${top_srcdir:-}" ] || bail_out "top_srcdir is not set (run the tests with make check)"
: "${FIXTURES:=$top_srcdir/tests/fixtures}"
: "${SQLITE3:=}"

# A hung program must not hang make check.
YJ_TIMEOUT=
if have timeout; then
	YJ_TIMEOUT="timeout --foreground -k 10 ${YJ_TEST_TIMEOUT:-300}"
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/yujing-test.XXXXXX") || bail_out "cannot create a temporary directory"
trap _tap_cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
cd "$T" || bail_out "cannot enter $T"
exec </dev/null
rc=0
