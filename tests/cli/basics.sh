#!/bin/sh
# basics.sh - the program's front door: --help, --version, help for every
# command, and the usage errors (exit status 2).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

# The commands, from the sources rather than from the program: every
# cmd-*.c defines one entry with `.name = "NAME"`.
commands=$(sed -n 's/^[[:space:]]*\.name = "\([a-z][a-z-]*\)",$/\1/p' \
	"$top_srcdir"/src/cli/cmd-*.c | sort)
ncommands=$(printf '%s\n' "$commands" | grep -c .)
for c in init import sources help; do
	case " $(printf '%s\n' "$commands" | tr '\n' ' ')" in
	*" $c "*) ok "the sources define command '$c'" ;;
	*) not_ok "the sources define command '$c'"; diag "found: $commands" ;;
	esac
done

# The version configure was given.
version=$(sed -n 's/^AC_INIT(\[yujing\], *\[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")
case $version in
[0-9]*.[0-9]*) ok "configure.ac gives a version ($version)" ;;
*) not_ok "configure.ac gives a version"; diag "got '$version'" ;;
esac

# --------------------------------------------------------------- --version
expect_exit 0 yujing --version
expect_stdout '--version prints the name and version' <<EOF
yujing $version
EOF
expect_stderr_empty '--version writes nothing on stderr'
expect_exit 0 yujing -V
expect_stdout '-V is --version' <<EOF
yujing $version
EOF

# ------------------------------------------------------------------ --help
expect_exit 0 yujing --help
expect_stderr_empty '--help writes nothing on stderr'
cp "$T/stdout" main-help.txt
expect_stdout_contains 'Usage: yujing COMMAND [OPTIONS] [ARGS]'
for c in $commands; do
	# A command line of the list: two blanks, the name, blanks, a summary.
	if grep "^  $c  *[A-Z]" main-help.txt >/dev/null; then
		ok "--help lists command '$c'"
	else
		not_ok "--help lists command '$c'"
		diag_file main-help.txt stdout
	fi
done
listed=$(grep -c '^  [a-z][a-z-]*  *[A-Z]' main-help.txt)
expect_eq "$listed" "$ncommands" "--help lists $ncommands commands, no more"
expect_exit 0 yujing -h
check '-h prints the same help as --help' cmp "$T/stdout" main-help.txt
expect_exit 0 yujing help
check "'help' alone prints the same help as --help" cmp "$T/stdout" main-help.txt

# ------------------------------------------------------- help per command
for c in $commands; do
	expect_exit 0 yujing help "$c"
	expect_stdout_contains "Usage: yujing $c " "'help $c' starts with a Usage line"
	if head -n 1 "$T/stdout" | grep "^Usage: yujing $c " >/dev/null; then
		ok "'help $c': the Usage line comes first"
	else
		not_ok "'help $c': the Usage line comes first"
		diag_file "$T/stdout" stdout
	fi
	cp "$T/stdout" "help-$c.txt"
	expect_exit 0 yujing "$c" --help
	check "'$c --help' prints what 'help $c' prints" cmp "$T/stdout" "help-$c.txt"
	expect_stderr_empty "'$c --help' writes nothing on stderr"
	if grep '^  --help  *show this help and exit$' "help-$c.txt" >/dev/null; then
		ok "'help $c' lists --help"
	else
		not_ok "'help $c' lists --help"
		diag_file "help-$c.txt" stdout
	fi
done

# The option tables are the ones the sources declare: spot-check import.
for o in source key label text type format encoding replace json; do
	if grep -e "--$o " help-import.txt >/dev/null; then
		ok "'help import' lists --$o"
	else
		not_ok "'help import' lists --$o"
	fi
done

# ------------------------------------------------------------ usage errors
expect_exit 2 yujing
expect_stdout_empty 'no arguments: nothing on stdout'
expect_stderr_contains 'Usage: yujing COMMAND' 'no arguments: the usage goes to stderr'

expect_exit 2 yujing frobnicate
expect_stdout_empty 'unknown command: nothing on stdout'
expect_stderr 'unknown command: the message names it and points to --help' <<'EOF'
yujing: unknown command 'frobnicate'
Try 'yujing --help' for more information.
EOF

# Regression (issue 14): a project file that does not exist was called an
# unknown command.
expect_exit 1 yujing nosuch.yj
expect_stdout_empty 'a missing project file: nothing on stdout'
expect_stderr 'a missing project file: the message says so and how to make one' <<'EOF'
yujing: no such project file 'nosuch.yj'
'yujing init nosuch.yj' creates one; 'yujing demo' makes a demo project.
EOF
expect_no_file nosuch.yj 'naming a missing project file creates none'

expect_exit 2 yujing ''
expect_stderr_contains "unknown command ''" 'an empty command name is unknown'

expect_exit 2 yujing --frobnicate
expect_stderr_contains 'unknown option --frobnicate' 'unknown global option: named on stderr'

expect_exit 2 yujing help frobnicate
expect_stderr_contains "unknown command 'frobnicate'" "'help' with an unknown command"
expect_exit 2 yujing help init import
expect_stderr_contains 'yujing help:' "'help' with two commands"

expect_exit 2 yujing init --frobnicate p.yj
expect_stderr 'unknown command option: the message names the command and the option' <<'EOF'
yujing init: unknown option --frobnicate
Try 'yujing init --help' for more information.
EOF
expect_no_file p.yj 'a usage error creates no file'
expect_exit 2 yujing sources -x p.yj
expect_stderr_contains 'yujing sources: unknown option -x' 'unknown short option'
expect_exit 2 yujing import --frobnicate
expect_stderr_contains 'unknown option --frobnicate' 'unknown import option'
# Regression: a flag given a value was reported as an unknown option.
expect_exit 2 yujing sources --json=yes p.yj
expect_stderr 'a flag given a value: the message says it takes none' <<'EOF'
yujing sources: option --json takes no value
Try 'yujing sources --help' for more information.
EOF
expect_exit 2 yujing import --replace=1 p.yj data.csv
expect_stderr_contains 'yujing import: option --replace takes no value' '--replace=1 takes no value'
expect_exit 2 yujing init --help=all
expect_stderr_contains 'yujing init: option --help takes no value' '--help=all takes no value'

# Missing option values, long and short, at the end of the line.
expect_exit 2 yujing import p.yj data.csv --key id --source
expect_stderr_contains 'option --source needs a value' 'missing value of --source'
expect_exit 2 yujing import p.yj data.csv -s x -k
expect_stderr_contains 'option -k needs a value' 'missing value of -k'
expect_exit 2 yujing import p.yj data.csv -s x -k id --type
expect_stderr_contains 'option --type needs a value' 'missing value of --type'

# Wrong operand counts.
expect_exit 2 yujing init
expect_stderr_contains 'yujing init: expected one project file name' 'init without a file'
expect_exit 2 yujing init a.yj b.yj
expect_no_file a.yj 'init with two files creates neither (a.yj)'
expect_no_file b.yj 'init with two files creates neither (b.yj)'
expect_exit 2 yujing sources
expect_exit 2 yujing import p.yj
expect_stderr_contains 'yujing import:' 'import without a data file'

# Regression: --help and --version exited 0 when their output was lost.
to_full()
{
	"$@" >/dev/full
}
if [ -w /dev/full ]; then
	for args in --version --help 'help import' 'import --help'; do
		# The arguments are split on purpose.
		expect_exit 1 to_full yujing $args
		expect_stderr_contains 'yujing: ' "'$args' to a full disk: an error on stderr"
	done
else
	skip 'output to a full disk fails' 'no /dev/full'
fi

done_testing
