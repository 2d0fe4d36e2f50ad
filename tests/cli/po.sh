#!/bin/sh
# po.sh - the translation is complete and reaches the user:
#   (a) po/POTFILES.in lists exactly the files under src/ and include/ that
#       mark strings with _(), N_() or P_(), and every file it lists exists;
#   (b) po/zh_CN.po compiles (msgfmt -c) with no fuzzy and no untranslated
#       message, and holds every message the sources have now;
#   (c) with the catalogue compiled into a temporary locale directory,
#       `yujing --help` and a usage error speak Chinese under zh_CN.UTF-8.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

po=$top_srcdir/po
catalogue=$po/zh_CN.po
[ -r "$po/POTFILES.in" ] || bail_out "$po/POTFILES.in is missing"
[ -r "$catalogue" ] || bail_out "$catalogue is missing"

# ------------------------------------------------------- (a) POTFILES.in
sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$po/POTFILES.in" | sort >listed.txt

: >missing.txt
while read -r f; do
	[ -f "$top_srcdir/$f" ] || echo "$f" >>missing.txt
done <listed.txt
if [ -s listed.txt ] && [ ! -s missing.txt ]; then
	ok "every file listed in po/POTFILES.in exists"
else
	not_ok "every file listed in po/POTFILES.in exists"
	diag_file missing.txt "listed but missing"
fi

# Files that mark strings, comments left out (cli.h shows N_() in one);
# i18n.h defines the markers.
(cd "$top_srcdir" && find src include -name '*.[ch]' ! -path include/yujing/base/i18n.h) |
	sort | while read -r f; do
		sed -e 's,/\*.*\*/,,g' -e 's,//.*,,' -e '/^[[:space:]]*\*/d' -e '/^[[:space:]]*\/\*/d' \
			"$top_srcdir/$f" |
			grep -E '(^|[^A-Za-z0-9_])(_|N_|P_)\(' >/dev/null && echo "$f"
	done >marked.txt
comm -23 marked.txt listed.txt >unlisted.txt
comm -13 marked.txt listed.txt >unmarked.txt
if [ -s marked.txt ] && [ ! -s unlisted.txt ]; then
	ok "po/POTFILES.in lists every file that marks strings ($(grep -c . marked.txt) files)"
else
	not_ok "po/POTFILES.in lists every file that marks strings"
	diag_file unlisted.txt "add to po/POTFILES.in"
fi
if [ ! -s unmarked.txt ]; then
	ok "po/POTFILES.in lists no file without marked strings"
else
	not_ok "po/POTFILES.in lists no file without marked strings"
	diag_file unmarked.txt "remove from po/POTFILES.in"
fi

# ------------------------------------------------------- (b) zh_CN.po
if have msgfmt; then
	run msgfmt -c --statistics -o "$T/check.mo" "$catalogue"
	if [ "$rc" -eq 0 ] && ! grep -q 'fuzzy\|untranslated' "$T/stderr" &&
		grep -q 'translated message' "$T/stderr"; then
		ok "msgfmt -c: zh_CN.po has no fuzzy or untranslated message ($(cat "$T/stderr"))"
	else
		not_ok "msgfmt -c: zh_CN.po has no fuzzy or untranslated message"
		diag "exit status $rc"
		diag_file "$T/stderr" "msgfmt -c --statistics"
	fi
else
	skip "msgfmt -c: zh_CN.po has no fuzzy or untranslated message" "msgfmt is not installed (Debian package gettext)"
fi

# Every message of the sources, extracted as po/Makefile does, has a
# translation (msgcmp counts fuzzy and untranslated entries as missing).
if have xgettext && have msgcmp; then
	opts=$(sed -n 's/^XGETTEXT_OPTIONS[[:space:]]*=[[:space:]]*//p' "$po/Makevars")
	# shellcheck disable=SC2086 # the options are words
	if (cd "$top_srcdir" && xgettext $opts -o "$T/yujing.pot" -f po/POTFILES.in) >xgettext.log 2>&1 &&
		[ -s "$T/yujing.pot" ]; then
		run msgcmp "$catalogue" "$T/yujing.pot"
		if [ "$rc" -eq 0 ]; then
			ok "zh_CN.po translates every message of the sources ($(grep -c '^msgid ' "$T/yujing.pot") in yujing.pot)"
		else
			not_ok "zh_CN.po translates every message of the sources"
			diag "update it: make -C BUILDDIR/po update-po, then translate the new entries"
			# Name the messages rather than lines of a temporary file.
			if have msgmerge && have msgattrib &&
				msgmerge -q -N -o "$T/merged.po" "$catalogue" "$T/yujing.pot" 2>/dev/null; then
				{
					msgattrib --untranslated --no-obsolete --no-wrap "$T/merged.po"
					msgattrib --only-fuzzy --no-obsolete --no-wrap "$T/merged.po"
				} 2>/dev/null | grep '^msgid "..*"$' | sort -u >missing-msgids.txt
				diag_file missing-msgids.txt "untranslated or fuzzy"
			else
				diag_file "$T/stderr" msgcmp
			fi
		fi
	else
		not_ok "xgettext extracts the messages of po/POTFILES.in"
		diag_file xgettext.log xgettext
	fi
else
	skip "zh_CN.po translates every message of the sources" "xgettext or msgcmp is not installed (Debian package gettext)"
fi

# ------------------------------------------------- (c) the program speaks
if ! have msgfmt; then
	skip "yujing --help in Chinese" "msgfmt is not installed (Debian package gettext)"
	skip "a usage error in Chinese" "msgfmt is not installed (Debian package gettext)"
elif ! locale -a 2>/dev/null | grep -qix 'zh_CN\.utf-\{0,1\}8'; then
	skip "yujing --help in Chinese" "no zh_CN.UTF-8 locale (locale -a; localedef -i zh_CN -f UTF-8 zh_CN.UTF-8)"
	skip "a usage error in Chinese" "no zh_CN.UTF-8 locale"
else
	mkdir -p "$T/locale/zh_CN/LC_MESSAGES"
	msgfmt -o "$T/locale/zh_CN/LC_MESSAGES/yujing.mo" "$catalogue" ||
		not_ok "msgfmt compiles zh_CN.po"
	zh()
	{
		env YUJING_LOCALEDIR="$T/locale" LANGUAGE= LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8 "$@"
	}

	run zh "$YUJING" --help
	expect_eq "$rc" 0 'yujing --help under zh_CN.UTF-8: exit 0'
	expect_stdout_contains '命令：' 'yujing --help under zh_CN.UTF-8 heads the commands 命令：'
	if grep -q '^Commands:' "$T/stdout"; then
		not_ok 'yujing --help under zh_CN.UTF-8 has no English heading'
		diag_file "$T/stdout" stdout
	else
		ok 'yujing --help under zh_CN.UTF-8 has no English heading'
	fi

	run zh "$YUJING" no-such-command
	expect_eq "$rc" 2 'an unknown command under zh_CN.UTF-8: exit 2'
	expect_stderr_contains '未知命令' 'an unknown command is reported in Chinese (未知命令)'

	# Under C.UTF-8 the same program speaks English: the checks above
	# see the catalogue at work.
	run env LANGUAGE= LC_ALL=C.UTF-8 "$YUJING" --help
	expect_stdout_contains 'Commands:' 'yujing --help under C.UTF-8 is English'
fi

# Regression (issue 14): "步数/s" (the rate of a progress line glued to
# its translated unit) and "sigma" were left untranslated.
if have python3; then
	tr=$(python3 "$top_srcdir/tests/tui/po-tr.py" "$catalogue" '%s: %s %s, %s %s/s' sigma)
	rate=$(printf '%s\n' "$tr" | sed -n 1p)
	sig=$(printf '%s\n' "$tr" | sed -n 2p)
	case $rate in
	*/s* | '%s: %s %s, %s %s/s') not_ok "the progress line's rate is translated whole (got '$rate')" ;;
	*) ok "the progress line's rate is translated whole ($rate)" ;;
	esac
	if [ "$sig" != sigma ]; then ok "sigma is translated ($sig)"; else not_ok "sigma is translated"; fi
else
	skip 'the progress rate and sigma are translated' 'python3 is not available'
fi

done_testing
