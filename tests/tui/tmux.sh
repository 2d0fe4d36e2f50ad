# tmux.sh - drive the workbench in a private tmux server (POSIX sh).
#
# Source it after tests/cli/lib.sh:
#
#   . "$top_srcdir/tests/cli/lib.sh"
#   . "$top_srcdir/tests/tui/tmux.sh"
#   tui_start 100 30 p.yj            # yujing tui p.yj in a 100x30 pane
#   wait_screen 'Sources (2)' 'the Sources view opens'
#   keys 2                           # tmux send-keys
#   ...
#   tui_quit                         # q, then the exit status in $tui_rc
#
# Every tmux call uses its own socket (-L yjPID) and no configuration
# file; the server is killed when the test exits, whatever happens.  A test
# without tmux is skipped as a whole (TAP "1..0 # SKIP").  The program's
# standard error goes to $T/tui.err (sanitizer reports land there), its
# exit status to $T/tui.rc.  Screens are polled, never waited for with a
# fixed sleep: wait_screen and wait_check give up after $TUI_TIMEOUT
# seconds (default 30).
#
# Valgrind: a test that sets TUI_VALGRIND=yes before sourcing this file
# runs the workbench under `valgrind --error-exitcode=97` (ASan cannot see
# reads inside uninstrumented libraries such as libjansson): any invalid
# read or write is reported on $T/tui.err and ends the program with status
# 97, which tui_quit fails on.  Without valgrind, or in an ASan build
# (valgrind and ASan do not mix), the test runs without it and says so in
# a TAP comment.  TUI_VALGRIND=no in the environment turns it off.  The
# timeout grows to 120 seconds under valgrind.

if ! command -v tmux >/dev/null 2>&1; then
	echo "1..0 # SKIP tmux is not installed (Debian package tmux)"
	tap_done=1
	exit 0
fi

TUI_SOCK=yj$$
TUI_TIMEOUT=${TUI_TIMEOUT:-30}
TUI_SESSION=yj

TUI_WRAP=
if [ "${TUI_VALGRIND:-no}" = yes ]; then
	if ! command -v valgrind >/dev/null 2>&1; then
		echo "# valgrind is not installed (Debian package valgrind): running without it"
	elif ldd "$YUJING" 2>/dev/null | grep -q 'libasan'; then
		echo "# an ASan build: running without valgrind"
	else
		TUI_WRAP="valgrind --quiet --error-exitcode=97 --num-callers=30"
		TUI_TIMEOUT=${TUI_TIMEOUT_VALGRIND:-120}
	fi
fi

tm()
{
	tmux -L "$TUI_SOCK" -f /dev/null "$@"
}

_tui_kill_server()
{
	tm kill-server >/dev/null 2>&1 || :
}

# Kill the server at exit (lib.sh's trap runs _tap_cleanup; chain it,
# keeping the exit status it reports).
trap '_tui_st=$?; _tui_kill_server; (exit $_tui_st); _tap_cleanup' EXIT

# tui_start W H ARGS...: run `env $TUI_ENV $TUI_WRAP $YUJING ARGS...`
# (default ARGS: tui p.yj) in a new W x H session, in the test's directory.
tui_start()
{
	_ts_w=$1
	_ts_h=$2
	shift 2
	rm -f "$T/tui.rc"
	: >"$T/tui.err"
	_ts_args=
	for _ts_a in "$@"; do
		_ts_args="$_ts_args '$_ts_a'"
	done
	[ -n "$_ts_args" ] || _ts_args="tui p.yj"
	# Each session on a server of its own: the server of the previous
	# session (killed by tui_quit) may still be going away, and a new
	# session on its socket then fails on a loaded machine.
	_tui_n=$((${_tui_n:-0} + 1))
	TUI_SOCK=yj$$-$_tui_n
	_ts_try=1
	until tm new-session -d -s "$TUI_SESSION" -x "$_ts_w" -y "$_ts_h" -c "$T" \
		"env ${TUI_ENV:-} $TUI_WRAP '$YUJING' $_ts_args 2>'$T/tui.err'; echo \$? >'$T/tui.rc'"; do
		[ "$_ts_try" -lt 3 ] || bail_out "tmux cannot start a session"
		_ts_try=$((_ts_try + 1))
		_tui_kill_server
		sleep 1
	done
}

# keys ARGS...: tmux send-keys to the session (key names: Enter, Escape,
# Tab, Up, C-u, ...).  keys_text TEXT: the text, literally.
keys()
{
	tm send-keys -t "$TUI_SESSION" "$@"
}

keys_text()
{
	tm send-keys -t "$TUI_SESSION" -l -- "$1"
}

# screen: the pane's text now, into $T/screen.txt (and on stdout).
screen()
{
	tm capture-pane -p -t "$TUI_SESSION" >"$T/screen.txt" 2>/dev/null || : >"$T/screen.txt"
	cat "$T/screen.txt"
}

_tui_sleep()
{
	sleep 0.1 2>/dev/null || sleep 1
}

# wait_for TEXT: poll until the screen shows TEXT (a fixed string) and has
# settled (two captures 0.1 s apart are the same: under load or valgrind a
# frame reaches the terminal in pieces, and a capture between them shows the
# new title over the old rows); returns non-zero after the timeout.
# $T/screen.txt keeps the last screen.
wait_for()
{
	_wf_end=$(($(date +%s) + TUI_TIMEOUT))
	while :; do
		screen >/dev/null
		if grep -F -e "$1" "$T/screen.txt" >/dev/null 2>&1; then
			[ -z "${TUI_NO_SETTLE:-}" ] || return 0
			cp "$T/screen.txt" "$T/screen.prev"
			_tui_sleep
			screen >/dev/null
			cmp -s "$T/screen.prev" "$T/screen.txt" && return 0
		fi
		[ "$(date +%s)" -lt "$_wf_end" ] || return 1
		_tui_sleep
	done
}

# wait_screen_live TEXT DESC: wait_screen without waiting for the screen to
# settle, for a key answered while something is still moving on screen (a
# test of responsiveness measures the first frame that shows TEXT).
wait_screen_live()
{
	TUI_NO_SETTLE=1 wait_screen "$@"
}

# wait_screen TEXT DESC: an assertion that the screen comes to show TEXT.
wait_screen()
{
	if wait_for "$1"; then
		ok "$2"
	else
		not_ok "$2"
		diag "the screen never showed: $1"
		diag_file "$T/screen.txt" screen
	fi
}

# wait_gone TEXT DESC: the screen comes to stop showing TEXT.
wait_gone()
{
	_wg_end=$(($(date +%s) + TUI_TIMEOUT))
	while :; do
		screen >/dev/null
		if ! grep -F -e "$1" "$T/screen.txt" >/dev/null 2>&1; then
			ok "$2"
			return 0
		fi
		if [ "$(date +%s)" -ge "$_wg_end" ]; then
			not_ok "$2"
			diag "the screen kept showing: $1"
			diag_file "$T/screen.txt" screen
			return 1
		fi
		_tui_sleep
	done
}

# wait_check DESC CMD...: poll the screen until CMD (run with the screen in
# $T/screen.txt) succeeds; the assertion fails with CMD's output at the
# timeout.
wait_check()
{
	_wc_desc=$1
	shift
	_wc_end=$(($(date +%s) + TUI_TIMEOUT))
	while :; do
		screen >/dev/null
		if "$@" >"$T/check.out" 2>&1; then
			ok "$_wc_desc"
			return 0
		fi
		if [ "$(date +%s)" -ge "$_wc_end" ]; then
			not_ok "$_wc_desc"
			diag_file "$T/check.out" check
			diag_file "$T/screen.txt" screen
			return 1
		fi
		_tui_sleep
	done
}

# tui_wait_exit: wait for the program to end; its status in $tui_rc (empty
# when it did not end in time).
tui_wait_exit()
{
	_we_end=$(($(date +%s) + TUI_TIMEOUT))
	tui_rc=
	while [ ! -s "$T/tui.rc" ]; do
		[ "$(date +%s)" -lt "$_we_end" ] || return 1
		_tui_sleep
	done
	tui_rc=$(cat "$T/tui.rc")
}

# tui_quit DESC: press q (after Escape, to leave any drill-in) until the
# program ends; assert it exits 0 with nothing on standard error.
tui_quit()
{
	keys Escape
	keys q
	tui_wait_exit
	if [ "$tui_rc" = 0 ]; then
		ok "${1:-q quits} (exit 0)"
	else
		not_ok "${1:-q quits} (exit 0)"
		diag "exit status: '${tui_rc:-still running}'"
		screen >/dev/null
		diag_file "$T/screen.txt" screen
	fi
	if [ ! -s "$T/tui.err" ]; then
		ok "the workbench wrote nothing on standard error"
	else
		not_ok "the workbench wrote nothing on standard error"
		diag_file "$T/tui.err" stderr
	fi
	_tui_kill_server
}

# fixture: a project p.yj with two sources, CJK field names and values, a
# text field, nulls, a duplicate row and an outlier; profiled and cleaned
# once.
fixture()
{
	cat >cases.csv <<'EOF'
id,罪名,金额,地点,n2,案情
c01,盗窃,100,北京,1.5,夜间撬锁入室盗窃现金
c02,盗窃,120,,2,白天商场扒窃手机一部
c03,诈骗,90,上海,NA,冒充客服电话诈骗
c04,诈骗,110,北京,3,网络刷单诈骗
c05,抢劫,,NA,4,持刀抢劫路人财物
c06,,100,上海,2.5,
c07,盗窃,95,北京,3,盗窃电动车
c08,抢劫,105,广州,1,街头抢夺挎包
c09,诈骗,115,上海,2,虚假投资理财平台诈骗
c10,盗窃,100,北京,6,入室盗窃首饰
c11,盗窃,100,广州,2,盗窃车内财物
c12,诈骗,98,北京,,冒充熟人借钱
c13,盗窃,101,上海,2,扒窃钱包
c14,诈骗,99,北京,2,游戏装备交易诈骗
c15,盗窃,102,广州,2,盗窃自行车
c16,诈骗,97,北京,3,虚假中奖信息诈骗
c17,盗窃,103,上海,2,仓库盗窃货物
c18,诈骗,96,北京,2,网购退款诈骗
c19,盗窃,100,广州,2,盗窃手机
c20,诈骗,9000,北京,2,冒充公检法诈骗巨款
c03,诈骗,90,上海,NA,冒充客服电话诈骗
EOF
	cat >events.csv <<'EOF'
id,kind,amount
c01,call,10
c01,visit,20
c02,call,30
c03,call,40
c99,call,50
c04,visit,60
c01,call,10
EOF
	yujing init p.yj >/dev/null &&
		yujing import p.yj --source cases --key id --label 罪名 --text 案情 cases.csv >/dev/null &&
		yujing import p.yj --source events --key id events.csv >/dev/null &&
		yujing profile p.yj >/dev/null &&
		yujing clean p.yj >/dev/null ||
		bail_out "cannot build the fixture project"
}

# trained_fixture: the fixture, split, with a run trained on it.
trained_fixture()
{
	fixture
	yujing split p.yj >/dev/null &&
		yujing train p.yj --epochs 40 --batch 4 >/dev/null 2>&1 ||
		bail_out "cannot split and train the fixture"
}

# skip_all REASON: skip the whole test (TAP "1..0 # SKIP").
skip_all()
{
	echo "1..0 # SKIP $1"
	tap_done=1
	exit 0
}

# need_zh: skip the whole test without msgfmt or the zh_CN.UTF-8 locale.
need_zh()
{
	have msgfmt || skip_all "msgfmt is not installed (Debian package gettext)"
	locale -a 2>/dev/null | grep -qix 'zh_CN\.utf-\{0,1\}8' ||
		skip_all "no zh_CN.UTF-8 locale (locale -a; localedef -i zh_CN -f UTF-8 zh_CN.UTF-8)"
}

# python3 (for computing expected screens from JSON), or empty.
PY=
if command -v python3 >/dev/null 2>&1 && python3 -c 'import json, unicodedata' 2>/dev/null; then
	PY=python3
fi
