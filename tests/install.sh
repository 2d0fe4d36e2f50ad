#!/bin/sh
# install.sh - `make installcheck` (and so `make distcheck`): what
# `make install` put under the prefix, and that the installed program finds
# its own data and translations, not the source tree's.
#
#   sh tests/install.sh DESTDIR BINDIR PKGDATADIR MANDIR LOCALEDIR SRCDIR
#
# The installed program holds no path of the tree it was built from outside
# its debugging information (src/cli/uninstalled.c; objcopy from binutils).
# Files: the program, the shipped data (vocabulary, demo data and its
# notes), the man page and the zh_CN catalogue.  Then, unless DESTDIR is set
# (a staged tree cannot run from where it will live), with YUJING_DATADIR
# and YUJING_LOCALEDIR unset:
#   - `yujing demo --no-tui --epochs 1` builds the Chicago demo, and the
#     project's sources were read from PKGDATADIR (the program falls back to
#     the source tree only when its installed data is missing, so this is
#     what tells the two apart);
#   - `yujing tokenize` reads the installed vocabulary (the ids of 盗窃 are
#     their line numbers in it);
#   - LANG=zh_CN.UTF-8 `yujing --help` prints po/zh_CN.po's translation of
#     "Commands:" (skipped without the zh_CN.UTF-8 locale); the installed
#     program does not know the build tree's catalogue, so this is the
#     installed one;
#   - `man -l` renders the installed page without warnings (skipped
#     without man).
# Prints a line per check; exits 1 when one failed.
set -u
destdir=$1 bindir=$2 pkgdatadir=$3 mandir=$4 localedir=$5 srcdir=$6
failed=0
pass() { echo "ok: $*"; }
fail() {
	echo "FAILED: $*"
	failed=1
}
skip() { echo "skipped: $*"; }

for f in "$bindir/yujing" \
	"$pkgdatadir/bert-base-chinese-vocab.txt" "$pkgdatadir/bert-base-chinese-vocab.README" \
	"$pkgdatadir/demo/README" "$pkgdatadir/demo/chicago/incident.csv" \
	"$pkgdatadir/demo/chicago/place.csv" "$pkgdatadir/demo/cail/cases.jsonl" \
	"$mandir/man1/yujing.1" "$localedir/zh_CN/LC_MESSAGES/yujing.mo"; do
	if [ -s "$destdir$f" ]; then
		pass "installed $destdir$f"
	else
		fail "$destdir$f is not installed"
	fi
done
[ -x "$destdir$bindir/yujing" ] || fail "$destdir$bindir/yujing is not executable"
if command -v objcopy >/dev/null 2>&1; then
	nodebug=$(mktemp "${TMPDIR:-/tmp}/yujing-nodebug.XXXXXX") || exit 1
	if objcopy --strip-debug "$destdir$bindir/yujing" "$nodebug" && ! grep -aqF "$srcdir" "$nodebug"; then
		pass "the installed program holds no path of the source tree ($srcdir)"
	else
		fail "the installed program holds the path of the source tree ($srcdir)"
	fi
	rm -f "$nodebug"
else
	skip "objcopy is missing: not looking for the source tree's path in the program"
fi

if [ -n "$destdir" ]; then
	skip "running the program staged in DESTDIR=$destdir"
	exit $failed
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/yujing-install.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
unset YUJING_DATADIR YUJING_LOCALEDIR
yj=$bindir/yujing

if "$yj" demo d --epochs 1 --no-tui >demo.out 2>demo.err; then
	pass "the installed yujing builds the demo"
else
	fail "the installed yujing demo failed:"
	cat demo.err
fi
"$yj" sources d/demo.yj >sources.out 2>&1
for s in incident place; do
	if grep -F "(from $pkgdatadir/demo/chicago/$s.csv)" sources.out >/dev/null; then
		pass "the demo read $pkgdatadir/demo/chicago/$s.csv"
	else
		fail "the demo did not read $s from $pkgdatadir:"
		cat sources.out
	fi
done

# 盗窃 ("theft"): [CLS], a token per character, [SEP]; the ids are the
# tokens' line numbers in the installed vocabulary, counted from 0.
vocab=$pkgdatadir/bert-base-chinese-vocab.txt
id_of() { grep -nx -e "$1" "$vocab" | tail -n 1 | cut -d: -f1 | awk '{ print $1 - 1 }'; }
want="{\"ids\":[$(id_of '\[CLS\]'),$(id_of 盗),$(id_of 窃),$(id_of '\[SEP\]')],"
if printf '盗窃\n' | "$yj" tokenize --json >tok.out 2>tok.err &&
	grep -F "$want" tok.out >/dev/null; then
	pass "the installed yujing tokenizes with its vocabulary ($want...)"
else
	fail "yujing tokenize, want $want:"
	cat tok.out tok.err
fi

if locale -a 2>/dev/null | grep -qix 'zh_CN\.utf-\{0,1\}8'; then
	want=$(sed -n '/^msgid "Commands:"$/{n;s/^msgstr "\(.*\)"$/\1/p;}' "$srcdir/po/zh_CN.po")
	LANGUAGE= LC_ALL= LANG=zh_CN.UTF-8 "$yj" --help >help.out 2>&1
	if [ -n "$want" ] && grep -Fx "$want" help.out >/dev/null; then
		pass "LANG=zh_CN.UTF-8 yujing --help speaks Chinese ($want)"
	else
		fail "LANG=zh_CN.UTF-8 yujing --help is not translated (want '$want'):"
		head -n 5 help.out
	fi
else
	skip "no zh_CN.UTF-8 locale: the installed translation is not run"
fi

if command -v man >/dev/null 2>&1; then
	LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$mandir/man1/yujing.1" >man.out 2>man.err
	if [ -s man.out ] && [ ! -s man.err ]; then
		pass "man -l renders the installed page without warnings"
	else
		fail "man -l $mandir/man1/yujing.1:"
		cat man.err
	fi
else
	skip "no man: the installed page is not rendered"
fi
exit $failed
