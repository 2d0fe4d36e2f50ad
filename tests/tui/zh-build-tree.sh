#!/bin/sh
# zh-build-tree.sh - the uninstalled build speaks Chinese (issue 12, §8):
# straight after the README's first command, with no YUJING_LOCALEDIR,
# `LANG=zh_CN.UTF-8 build/yujing --help` and the workbench use the
# catalogue that `make` compiled into the build tree (locale/zh_CN/
# LC_MESSAGES/yujing.mo), found as the data is found in the source tree.
# The expected text is po/zh_CN.po's translation, read from the .po by
# po-tr.py, not the program's output.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
. "$top_srcdir/tests/tui/tmux.sh"

need_zh
[ -n "$PY" ] || skip_all "python3 is needed to read po/zh_CN.po"

zh_tr()
{
	$PY "$top_srcdir/tests/tui/po-tr.py" "$top_srcdir/po/zh_CN.po" "$@"
}

check 'make compiled the catalogue into the build tree' \
	test -s "$(dirname "$YUJING")/locale/zh_CN/LC_MESSAGES/yujing.mo"

unset YUJING_LOCALEDIR
zh="LANGUAGE= LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8"
# shellcheck disable=SC2086 # the assignments are words
env $zh "$YUJING" --help >help.txt 2>help.err
commands=$(zh_tr 'Commands:')
global=$(zh_tr 'Global options:')
[ "$commands" != 'Commands:' ] || not_ok "po/zh_CN.po translates 'Commands:'"
check "--help under zh_CN.UTF-8 heads the command list in Chinese ($commands)" grep -qxF "$commands" help.txt
check "and the global options ($global)" grep -qxF "$global" help.txt
check 'and says nothing on standard error' test ! -s help.err
# shellcheck disable=SC2086
env $zh "$YUJING" nosuchcommand >/dev/null 2>err.txt
msg=$(zh_tr "unknown command '%s'" | sed 's/%s/nosuchcommand/')
check "a usage error is Chinese too ($msg)" grep -qF "$msg" err.txt

fixture
TUI_ENV=$zh
tui_start 100 30
set -- $(zh_tr Sources Quality Clean Runs)
wait_screen " 1 $1 " "the workbench names view 1 in Chinese ($1)"
check "and the others ($2 $3 $4)" grep -q " 2 $2  3 $3 .* 6 $4 " "$T/screen.txt"
tui_quit

done_testing
