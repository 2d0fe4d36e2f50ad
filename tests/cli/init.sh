#!/bin/sh
# init.sh - creating a project file, and refusing files that are not
# projects (or are projects from a newer yujing) without touching them.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

# "YJNG", PROJECT_APPLICATION_ID in include/yujing/store/project.h.
appid=$((0x594A4E47))

# sql FILE STATEMENT: one value from the sqlite3 shell.
sql()
{
	"$SQLITE3" -batch -noheader "$1" "$2"
}

# expect_untouched FILE COPY WHAT: FILE is byte-for-byte its copy, and no
# SQLite side file appeared next to it.
expect_untouched()
{
	expect_same_file "$1" "$2" "$3: the file is unchanged"
	expect_no_file "$1-wal" "$3: no $1-wal left behind"
	expect_no_file "$1-shm" "$3: no $1-shm left behind"
	expect_no_file "$1-journal" "$3: no $1-journal left behind"
}

# -------------------------------------------------------------- init
expect_exit 0 yujing init p.yj
expect_stdout 'init says what it created' <<'EOF'
created project p.yj
EOF
expect_stderr_empty 'init: nothing on stderr'
check 'init creates the file' test -s p.yj
check 'the file starts with the SQLite header' \
	sh -c 'test "$(head -c 15 p.yj)" = "SQLite format 3"'
expect_no_file p.yj-wal 'init leaves no -wal file'
expect_no_file p.yj-shm 'init leaves no -shm file'

if [ -n "$SQLITE3" ]; then
	expect_eq "$(sql p.yj 'PRAGMA application_id')" "$appid" \
		"application_id is 0x594A4E47 ($appid)"
	expect_eq "$(sql p.yj 'PRAGMA user_version')" 4 'user_version is 4 (the runs'"'"' blobs in run_blobs)'
	expect_eq "$(sql p.yj 'PRAGMA journal_mode')" wal 'journal_mode is wal'
	expect_eq "$(sql p.yj 'SELECT count(*) FROM sources')" 0 'a new project has no sources'
	expect_eq "$(sql p.yj "SELECT value FROM settings WHERE key = 'created_by'")" \
		"yujing $(sed -n 's/^AC_INIT(\[yujing\], *\[\([^]]*\)\].*/\1/p' \
			"$top_srcdir/configure.ac")" 'the project records the version that created it'
else
	for what in application_id user_version journal_mode 'no sources' created_by; do
		skip "$what (read with the sqlite3 shell)" 'SQLITE3 is not set'
	done
fi
# The header itself, independently of the sqlite3 shell: the application id
# is the big-endian 32-bit word at offset 68, the user version at 60.  WAL
# mode shows as file format versions 2 at offsets 18 and 19.
if have od; then
	expect_eq "$(od -An -tx1 -j 68 -N 4 p.yj | tr -d ' \n')" 594a4e47 \
		'the header holds application_id 0x594A4E47 at offset 68'
	expect_eq "$(od -An -tx1 -j 60 -N 4 p.yj | tr -d ' \n')" 00000004 \
		'the header holds user_version 4 at offset 60'
	expect_eq "$(od -An -tx1 -j 18 -N 2 p.yj | tr -d ' \n')" 0202 \
		'the header marks the file as WAL'
else
	skip 'header: application_id' 'no od'
	skip 'header: user_version' 'no od'
	skip 'header: WAL' 'no od'
fi

expect_exit 0 yujing sources p.yj
expect_stdout 'a new project lists no sources' <<'EOF'
no sources yet; add one with 'yujing import'
EOF
expect_exit 0 yujing sources --json p.yj
expect_stdout 'a new project: --json lists no sources' <<'EOF'
{
  "sources": []
}
EOF

# ----------------------------------------------------- init over a file
cp p.yj p.orig
expect_exit 1 yujing init p.yj
expect_stdout_empty 'init on an existing project: nothing on stdout'
expect_stderr_contains 'p.yj' 'init on an existing project: the message names the file'
expect_stderr_contains 'already exists' 'init on an existing project: says it exists'
expect_untouched p.yj p.orig 'init on an existing project'

printf 'precious notes\n' >notes.txt
cp notes.txt notes.orig
sum_before=$(cksum <notes.txt)
expect_exit 1 yujing init notes.txt
expect_eq "$(cksum <notes.txt)" "$sum_before" 'init on a text file: the checksum is unchanged'
expect_untouched notes.txt notes.orig 'init on a text file'

: >empty.yj
expect_exit 1 yujing init empty.yj
check 'init on an empty file leaves it empty' test ! -s empty.yj
# SQLite reads an empty file as an empty database: still not a project.
expect_exit 1 yujing sources empty.yj
expect_stderr_contains 'empty.yj: ' 'sources on an empty file names it'
expect_stderr_contains 'not a yujing project' 'sources on an empty file: not a project'
check 'sources on an empty file leaves it empty' test -f empty.yj -a ! -s empty.yj
expect_no_file empty.yj-wal 'sources on an empty file: no -wal'
expect_no_file empty.yj-shm 'sources on an empty file: no -shm'

mkdir dir.yj
expect_exit 1 yujing init dir.yj
check 'init on a directory leaves it a directory' test -d dir.yj

expect_exit 1 yujing init no/such/dir/p.yj
expect_stderr_contains 'no/such/dir/p.yj' 'init in a missing directory names the path'
expect_no_file no 'init in a missing directory creates nothing'

# ------------------------------------------------- files that are not ours
expect_exit 1 yujing sources missing.yj
expect_stderr_contains 'missing.yj' 'sources on a missing file names it'
expect_stderr_contains 'yujing init missing.yj' 'sources on a missing file suggests init'
expect_no_file missing.yj 'sources on a missing file does not create it'

# Not SQLite at all (longer than an SQLite header, so nothing is guessed
# from a short read).
i=0
while [ $i -lt 40 ]; do
	echo "line $i: this is a text file, not a database" >>text.yj
	i=$((i + 1))
done
cp text.yj text.orig
expect_exit 1 yujing sources text.yj
expect_stdout_empty 'sources on a text file: nothing on stdout'
expect_stderr_contains 'text.yj: ' 'sources on a text file: the message names the file'
expect_stderr_contains 'not an SQLite database' 'sources on a text file: says it is not SQLite'
expect_untouched text.yj text.orig 'sources on a text file'
expect_exit 1 yujing import text.yj -s a -k id text.orig
expect_stderr_contains 'text.yj: ' 'import into a text file names it'
expect_untouched text.yj text.orig 'import into a text file'

if [ -n "$SQLITE3" ]; then
	# An SQLite database of someone else's (application_id 0), in
	# rollback-journal mode and in WAL mode.
	sql foreign.db 'CREATE TABLE t(x); INSERT INTO t VALUES (1)' >/dev/null
	cp foreign.db foreign.orig
	expect_exit 1 yujing sources foreign.db
	expect_stderr_contains 'foreign.db: ' 'sources on a foreign database names the file'
	expect_stderr_contains 'not a yujing project' 'sources on a foreign database says it is not a project'
	expect_untouched foreign.db foreign.orig 'sources on a foreign database'
	expect_exit 1 yujing import foreign.db -s a -k id text.orig
	expect_untouched foreign.db foreign.orig 'import into a foreign database'
	expect_eq "$(sql foreign.db 'SELECT group_concat(name) FROM sqlite_schema')" t \
		'the foreign database still holds only its table'

	sql walforeign.db 'PRAGMA journal_mode = WAL; CREATE TABLE t(x)' >/dev/null
	cp walforeign.db walforeign.orig
	expect_exit 1 yujing sources walforeign.db
	expect_stderr_contains 'walforeign.db: ' 'sources on a foreign WAL database names the file'
	expect_untouched walforeign.db walforeign.orig 'sources on a foreign WAL database'

	# A project written by a newer yujing (user_version 99).
	expect_exit 0 yujing init new.yj
	sql new.yj 'PRAGMA user_version = 99' >/dev/null
	cp new.yj new.orig
	expect_exit 1 yujing sources new.yj
	expect_stdout_empty 'sources on a newer project: nothing on stdout'
	expect_stderr_contains 'new.yj: ' 'sources on a newer project names the file'
	expect_stderr_contains 'version 99' 'sources on a newer project names its version'
	expect_untouched new.yj new.orig 'sources on a newer project'
	expect_exit 1 yujing import new.yj -s a -k id text.orig
	expect_untouched new.yj new.orig 'import into a newer project'
	expect_eq "$(sql new.yj 'PRAGMA user_version')" 99 'the newer project keeps user_version 99'
else
	skip 'foreign SQLite database and user_version 99' 'SQLITE3 is not set'
fi

# An SQLite file made without the shell: a project whose header is patched
# to user_version 99 (big-endian at offset 60), when dd and printf can.
expect_exit 0 yujing init patched.yj
if printf '\000\000\000\143' | dd of=patched.yj bs=1 seek=60 conv=notrunc 2>/dev/null; then
	cp patched.yj patched.orig
	expect_exit 1 yujing sources patched.yj
	expect_stderr_contains 'patched.yj: ' 'a header patched to version 99: the message names the file'
	expect_stderr_contains 'version 99' 'a header patched to version 99 is refused'
	expect_untouched patched.yj patched.orig 'a header patched to version 99'
else
	skip 'a header patched to version 99' 'dd failed'
fi

done_testing
