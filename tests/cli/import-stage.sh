#!/bin/sh
# import-stage.sh - the data layer's store (issue 12 §1, issue 15 §4).
#   staging   an import reads its file into a staging table of its own
#             connection and writes the project in one short transaction
#             at the end: while one import still reads a FIFO, a second
#             import into the same project finishes (before, it waited
#             for the lock and failed: "database is locked"); then the
#             first finishes too and both sources hold their rows
#   columns   a catalogue entry whose column is not c<N> (an SQL
#             expression planted in fields.col) is refused before any SQL
#             runs, naming the field (issue 15 §1)
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

printf 'id,cat\n1,a\n2,b\n3,a\n' >small.csv

if have mkfifo && have timeout && mkfifo fifo.csv 2>/dev/null; then
	expect_exit 0 yujing init p.yj
	rm -f opened go
	(
		exec 3>fifo.csv
		: >opened
		printf 'id,v\n1,x\n2,y\n' >&3
		i=0
		while [ ! -e go ] && [ $i -lt 300 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		printf '3,z\n' >&3
	) >/dev/null 2>&1 &
	writer=$!
	track_pid "$writer"
	timeout -k 5 60 "$YUJING" import p.yj -s live -k id fifo.csv >live.out 2>live.err &
	importer=$!
	track_pid "$importer"
	i=0
	while [ ! -e opened ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	check 'the first import opened the FIFO' test -e opened
	sleep 1
	expect_exit 0 yujing import p.yj -s other -k id small.csv
	: >go
	rc=0
	wait "$importer" || rc=$?
	untrack "$importer"
	wait "$writer" 2>/dev/null
	untrack "$writer"
	expect_eq "$rc" 0 'the first import finishes after the second (exit 0)'
	run yujing sources p.yj
	expect_stdout_contains 'live'
	expect_exit 0 yujing profile p.yj --source live --json
	expect_stdout_contains '"rows": 3'
	expect_exit 0 yujing profile p.yj --source other --json
	expect_stdout_contains '"rows": 3'
else
	skip 'an import that reads does not lock the project' 'no mkfifo or timeout'
fi

if have python3 && python3 -c 'import sqlite3' 2>/dev/null; then
	expect_exit 0 yujing init c.yj
	expect_exit 0 yujing import c.yj -s cases -k id -l cat small.csv
	python3 -c '
import sqlite3
db = sqlite3.connect("c.yj")
db.execute("UPDATE fields SET col = ? WHERE name = ?", ("c1 || sqlite_version()", "cat"))
db.commit()'
	expect_exit 1 yujing profile c.yj
	expect_stderr_contains "cat"
	expect_exit 1 yujing clean c.yj
	expect_stderr_contains "cat"
else
	skip 'a planted column expression is refused' 'python3 with sqlite3 is not available'
fi

done_testing
