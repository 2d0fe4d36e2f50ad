#!/bin/sh
# man.sh - man/yujing.1 documents what the program has: a subsection under
# COMMANDS for every command of the command table (as `yujing --help` lists
# it), every long option of each command (as `yujing CMD --help` lists it)
# inside that subsection, no subsection for a command that does not exist,
# every setting of train and pretrain with the default value of the
# settings table, and the page renders without warnings.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

page=$top_srcdir/man/yujing.1
[ -r "$page" ] || bail_out "$page is missing"
LANGUAGE=
export LANGUAGE

# ss_names: the .SS titles of the COMMANDS section, one a line, as command
# names (".SS init", ".SS \"yujing init\"" and ".SS \"init PROJECT\"" all
# give "init").
ss_names()
{
	awk '
	/^\.SH/ { sec = $0; sub(/^\.SH[ \t]+/, "", sec); gsub(/"/, "", sec); next }
	/^\.SS/ && sec == "COMMANDS" {
		t = $0; sub(/^\.SS[ \t]+/, "", t); gsub(/"/, "", t); gsub(/\\f[BIRP]/, "", t)
		n = split(t, w, " ")
		print (w[1] == "yujing" && n > 1) ? w[2] : w[1]
	}' "$page"
}

# ss_body NAME: the lines of the COMMANDS subsection of command NAME.
ss_body()
{
	awk -v name="$1" '
	/^\.SH/ { sec = $0; sub(/^\.SH[ \t]+/, "", sec); gsub(/"/, "", sec); in_ss = 0; next }
	/^\.SS/ {
		in_ss = 0
		if (sec != "COMMANDS") next
		t = $0; sub(/^\.SS[ \t]+/, "", t); gsub(/"/, "", t); gsub(/\\f[BIRP]/, "", t)
		n = split(t, w, " ")
		in_ss = ((w[1] == "yujing" && n > 1) ? w[2] : w[1]) == name
		next
	}
	in_ss { print }' "$page"
}

# long_options FILE: the long option leading each line of the "Options:"
# block of a --help output, --help itself left out.
long_options()
{
	sed -n '/^Options:$/,/^$/s/^  \(-[^ ], \)\{0,1\}--\([a-z0-9][a-z0-9-]*\).*/\2/p' "$1" |
		grep -v '^help$'
}

# documents TEXTFILE OPTION: OPTION appears as \-\-OPTION (roff's minus
# signs, as in \-\-dry\-run) or --OPTION.
documents()
{
	sed 's/\\-/-/g' "$1" | grep -E -e "--$2([^a-z0-9-]|\$)" >/dev/null
}

# ---------------------------------------------------------------- commands
expect_exit 0 yujing --help
cp "$T/stdout" main-help.txt
commands=$(sed -n '/^Commands:$/,/^$/s/^  \([a-z][a-z0-9-]*\) .*/\1/p' main-help.txt)
if [ -n "$commands" ]; then
	ok "yujing --help lists the commands: $(echo $commands)"
else
	not_ok "yujing --help lists the commands"
	diag_file main-help.txt "yujing --help"
fi

ss_names >sections.txt
for c in $commands; do
	if grep -qx -e "$c" sections.txt; then
		ok "yujing.1 has a subsection for command '$c'"
	else
		not_ok "yujing.1 has a subsection for command '$c'"
		diag "add '.SS $c' under '.SH COMMANDS' in man/yujing.1"
	fi
done
while read -r s; do
	case " $(echo $commands) " in
	*" $s "*) ;;
	*)
		not_ok "yujing.1 subsection '$s' names a command of the program"
		diag "'$s' is not in yujing --help: a stale or misspelt subsection"
		;;
	esac
done <sections.txt

# ----------------------------------------------------------------- options
for c in $commands; do
	run yujing "$c" --help
	if [ "$rc" -ne 0 ]; then
		not_ok "yujing $c --help: exit 0"
		diag_file "$T/stderr" stderr
		continue
	fi
	cp "$T/stdout" "help-$c.txt"
	ss_body "$c" >"section-$c.txt"
	for o in $(long_options "help-$c.txt"); do
		if documents "section-$c.txt" "$o"; then
			ok "yujing.1 documents '$c --$o' in the '$c' subsection"
		else
			not_ok "yujing.1 documents '$c --$o' in the '$c' subsection"
			diag "write it as \\-\\-$o under '.SS $c' in man/yujing.1"
		fi
	done
done

# The global options, from the "Global options:" block of yujing --help.
for o in $(sed -n '/^Global options:$/,/^$/s/^  --\([a-z0-9][a-z0-9-]*\).*/\1/p' main-help.txt); do
	if documents "$page" "$o"; then
		ok "yujing.1 documents the global option --$o"
	else
		not_ok "yujing.1 documents the global option --$o"
	fi
done

# ---------------------------------------------------------------- settings
# The settings of train and pretrain, from their table (settings.c, as
# tests/unit/test-settings --table prints it): each is documented in its
# command's subsection, and its default value is the one the man page
# gives in the option's paragraph ("default 20", "default: 20", or the
# value followed by a parenthesis that says it is the default: "concat
# (default)", "tiny (2 layers, ...; the default)").

# tp_text CMD OPTION: the .TP paragraph of --OPTION in CMD's subsection,
# roff escapes and font changes removed, on one line.
tp_text()
{
	ss_body "$1" | awk -v opt="$2" '
	/^\.(TP|SS|SH)/ { if (inp) exit; tp = ($1 == ".TP"); first = 1; next }
	{
		line = $0
		gsub(/\\-/, "-", line)
		if (tp && first) { first = 0; if (line ~ ("--" opt "([^a-z0-9-]|$)")) inp = 1 }
		if (inp) printf "%s ", line
	}' | sed -e 's/\\f[BIRP]//g' -e 's/\\(..//g' -e 's/\\~/ /g' -e 's/^\.[A-Z]* //; s/ \.[A-Z]* / /g' \
		-e 's/"//g' -e 's/  */ /g'
	echo
}

table=$(dirname "$YUJING")/tests/unit/test-settings
if [ -x "$table" ] && "$table" --table >settings.txt && [ -s settings.txt ]; then
	ok "the settings table lists $(grep -c . settings.txt) settings of train and pretrain"
	while IFS="$(printf '\t')" read -r cmd name type def range; do
		tp_text "$cmd" "$name" >"tp-$cmd-$name.txt"
		if ! grep -q . "tp-$cmd-$name.txt"; then
			not_ok "yujing.1 has a paragraph for the setting '$cmd --$name'"
			diag "add '.TP' and '.BR \\-\\-$name ...' under '.SS $cmd'"
			continue
		fi
		ok "yujing.1 has a paragraph for the setting '$cmd --$name' ($type)"
		[ "$def" != - ] || continue
		# the value as a regular expression (its dots literal)
		re=$(printf '%s' "$def" | sed 's/[.]/[.]/g')
		if grep -Eq -e "default:? $re([^0-9a-z]|\$)" -e "(^|[ (])$re \([^)]*default" "tp-$cmd-$name.txt"; then
			ok "yujing.1 gives the default of '$cmd --$name' as the table does: $def"
		else
			not_ok "yujing.1 gives the default of '$cmd --$name' as the table does: $def"
			diag_file "tp-$cmd-$name.txt" "the paragraph"
		fi
	done <settings.txt
else
	not_ok "the settings table can be read (tests/unit/test-settings --table)"
fi

# --------------------------------------------------------------- rendering
# The warnings man-db and groff give for bad markup, on stderr.
if have man; then
	run env LC_ALL=C.UTF-8 MANROFFSEQ= MANWIDTH=80 MAN_KEEP_FORMATTING= \
		man --warnings -l "$page"
	if [ "$rc" -eq 0 ] && [ ! -s "$T/stderr" ] && grep -q 'COMMANDS' "$T/stdout"; then
		ok "man -l renders yujing.1 without warnings"
	else
		not_ok "man -l renders yujing.1 without warnings"
		diag "exit status $rc"
		diag_file "$T/stderr" stderr
	fi
else
	skip "man -l renders yujing.1 without warnings" "man is not installed (Debian package man-db)"
fi
if have groff; then
	run groff -k -Tutf8 -ww -man -z "$page"
	if [ "$rc" -eq 0 ] && [ ! -s "$T/stderr" ]; then
		ok "groff -ww renders yujing.1 without warnings"
	else
		not_ok "groff -ww renders yujing.1 without warnings"
		diag "exit status $rc"
		diag_file "$T/stderr" stderr
	fi
else
	skip "groff -ww renders yujing.1 without warnings" "groff is not installed (Debian package groff-base)"
fi

# Regression (issue 14): the page said the fusion model and warnings were
# still to come, long after they came.
if grep -Eiq '(is|are) to come' "$page"; then
	not_ok 'the page announces nothing as still to come'
	diag "$(grep -Ein '(is|are) to come' "$page")"
else
	ok 'the page announces nothing as still to come'
fi

done_testing
