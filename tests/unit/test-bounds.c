/*
 * test-bounds.c - what an input file can make the reader do (issue 15):
 * the cancel flag stops it between buffers, not only when a read(2) is
 * interrupted (Ctrl-C during an endless line from /dev/zero never
 * interrupts a read); a record longer than READER_MAX_RECORD is an error
 * naming the line it starts on; more than READER_MAX_FIELDS fields is an
 * error after the header (CSV) or at the key (JSON lines), with its line.
 * Expected lines and counts are worked out by hand from the inputs.
 */
#include <config.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "yujing/base/strbuf.h"
#include "yujing/data/reader.h"

static char tmpdir[] = "/tmp/yj-bounds-XXXXXX";

static const char *write_tmp(const char *name, const char *data, size_t n)
{
	static char path[256];
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, n, f) != n || fclose(f)) {
		perror(path);
		exit(99);
	}
	return path;
}

/* Read path to the end or the first error; the status, error and records. */
static yj_status read_all(const char *path, yj_format fmt, volatile sig_atomic_t *cancel, yj_error *err,
			  long *nrec)
{
	yj_reader_opts o = {.format = fmt, .cancel = cancel};
	yj_reader *r = NULL;
	error_clear(err);
	*nrec = 0;
	yj_status st = reader_open(path, &o, &r, err);
	if (st)
		return st;
	const yj_cell *cells;
	size_t n;
	long line;
	int k;
	while ((k = reader_next(r, &cells, &n, &line, err)) == 1)
		++*nrec;
	reader_close(r);
	return k < 0 ? err->status : YJ_OK;
}

static void test_cancel(void)
{
	/* A set flag stops reading at the first buffer, whatever read(2) did. */
	volatile sig_atomic_t cancel = 1;
	const char *p = write_tmp("c.csv", "id,x\n1,2\n", 9);
	yj_error err;
	long nrec;
	is_int(read_all(p, FORMAT_CSV, &cancel, &err, &nrec), YJ_EINTR, "cancel set: CSV stops with YJ_EINTR");
	is_int(nrec, 0, "cancel set: no record");
	p = write_tmp("c.jsonl", "{\"a\": 1}\n", 9);
	is_int(read_all(p, FORMAT_JSONL, &cancel, &err, &nrec), YJ_EINTR, "cancel set: JSON lines stop");
	cancel = 0;
	is_int(read_all(p, FORMAT_JSONL, &cancel, &err, &nrec), YJ_OK, "cancel clear: read");
	is_int(nrec, 1, "cancel clear: one record");
	/* /dev/zero never blocks: only the per-buffer check can stop it. */
	cancel = 1;
	is_int(read_all("/dev/zero", FORMAT_JSONL, &cancel, &err, &nrec), YJ_EINTR,
	       "cancel set: /dev/zero stops at once");
}

static void test_record(void)
{
	yj_error err;
	long nrec;
	volatile sig_atomic_t cancel = 0;
	is_int(read_all("/dev/zero", FORMAT_JSONL, &cancel, &err, &nrec), YJ_EDATA, "/dev/zero: an error");
	is_int(err.line, 1, "/dev/zero: line 1");
	ok(strstr(err.msg, "longer than 64 MiB") != NULL, "/dev/zero: the record is too long (%s)", err.msg);
	/* Two good lines, then a record of 66 MiB on line 3 (a quoted field
	 * with a newline: the record starts on line 3).  The bound is checked
	 * per buffer of input (1 MiB): a record may pass it by less. */
	size_t big = READER_MAX_RECORD + (2 << 20), n = 0;
	char *s = malloc(big + 64);
	if (!s)
		exit(99);
	n += (size_t)sprintf(s, "id,x\n1,a\n2,\"\n");
	memset(s + n, 'y', big);
	n += big;
	n += (size_t)sprintf(s + n, "\"\n");
	const char *p = write_tmp("big.csv", s, n);
	is_int(read_all(p, FORMAT_CSV, &cancel, &err, &nrec), YJ_EDATA, "a 66 MiB field: an error");
	is_int(nrec, 1, "a 66 MiB field: the record before it was read");
	is_int(err.line, 3, "a 66 MiB field: named at the line its record starts on");
	/* Exactly at the bound is fine: a field of 64 MiB - 16 bytes. */
	n = (size_t)sprintf(s, "id\n");
	memset(s + n, 'z', READER_MAX_RECORD - 16);
	n += READER_MAX_RECORD - 16;
	s[n++] = '\n';
	p = write_tmp("fits.csv", s, n);
	is_int(read_all(p, FORMAT_CSV, &cancel, &err, &nrec), YJ_OK, "a field under 64 MiB reads");
	is_int(nrec, 1, "one record");
	free(s);
	unlink(p);
	char path[256];
	snprintf(path, sizeof path, "%s/big.csv", tmpdir);
	unlink(path);
}

static void test_fields(void)
{
	yj_error err;
	long nrec;
	volatile sig_atomic_t cancel = 0;
	strbuf sb = STRBUF_INIT;
	/* READER_MAX_FIELDS names: fine; one more: an error on line 1. */
	for (int i = 0; i < READER_MAX_FIELDS; i++)
		strbuf_addf(&sb, "%sf%d", i ? "," : "", i);
	strbuf_adds(&sb, "\n");
	const char *p = write_tmp("w.csv", sb.buf, sb.len);
	is_int(read_all(p, FORMAT_CSV, &cancel, &err, &nrec), YJ_OK, "1997 fields: read");
	strbuf_reset(&sb);
	strbuf_adds(&sb, "\n\n");
	for (int i = 0; i < 100000; i++)
		strbuf_addf(&sb, "%sf%d", i ? "," : "", i);
	strbuf_adds(&sb, "\n");
	p = write_tmp("w.csv", sb.buf, sb.len);
	is_int(read_all(p, FORMAT_CSV, &cancel, &err, &nrec), YJ_EDATA, "100,000 fields: an error");
	is_int(err.line, 3, "100,000 fields: the header's line (after two blank lines)");
	is_str(err.msg, "the header names 100000 fields; at most 1997 are supported", "100,000 fields: the message");
	/* JSON lines: 1997 keys on line 1, a new one on line 2. */
	strbuf_reset(&sb);
	strbuf_adds(&sb, "{");
	for (int i = 0; i < READER_MAX_FIELDS; i++)
		strbuf_addf(&sb, "%s\"k%d\": 1", i ? ", " : "", i);
	strbuf_adds(&sb, "}\n{\"k0\": 2, \"new\": 3}\n");
	p = write_tmp("w.jsonl", sb.buf, sb.len);
	is_int(read_all(p, FORMAT_JSONL, &cancel, &err, &nrec), YJ_EDATA, "a 1998th key: an error");
	is_int(nrec, 1, "a 1998th key: the first line was read");
	is_int(err.line, 2, "a 1998th key: its line");
	is_str(err.field, "new", "a 1998th key: named");
	strbuf_free(&sb);
	unlink(p);
	char path[256];
	snprintf(path, sizeof path, "%s/w.csv", tmpdir);
	unlink(path);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 99;
	}
	test_cancel();
	test_record();
	test_fields();
	char path[256];
	snprintf(path, sizeof path, "%s/c.csv", tmpdir);
	unlink(path);
	snprintf(path, sizeof path, "%s/c.jsonl", tmpdir);
	unlink(path);
	rmdir(tmpdir);
	return tap_done();
}
