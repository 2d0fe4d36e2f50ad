/*
 * test-reader.c - unit tests of src/data/reader.c: CSV (RFC 4180), TSV and
 * JSON lines, UTF-8 and GB18030 input, and every kind of malformed input
 * with the line, byte offset and field the error must name.
 *
 * Inputs are written byte for byte into a temporary directory; the expected
 * records, lines and offsets were worked out by hand from those bytes
 * (offsets count from 0 at the first byte of the file, BOM included).
 * Files from tests/fixtures are found through $FIXTURES.
 */
#include <config.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "yujing/base/strbuf.h"
#include "yujing/data/reader.h"

static char tmpdir[1024];
static const char *fixtures;

static const char *write_tmp(const char *name, const void *data, size_t n)
{
	static char path[2048];
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, n, f) != n || fclose(f)) {
		perror(path);
		exit(99);
	}
	return path;
}

static const char *fixture(const char *name)
{
	static char path[2048];
	snprintf(path, sizeof path, "%s/%s", fixtures, name);
	return path;
}

/* Everything a reader produced for one file. */
typedef struct {
	yj_status st;    /* YJ_OK when the whole file was read */
	int at_open;     /* the error came from reader_open() */
	yj_error err;
	strbuf recs;     /* "LINE:c1|c2|...\n" per record; NULL cells as "~" */
	strbuf names;    /* field names joined by '|', after the last record */
	long nrec;
	int bad_ncells;  /* records whose ncells != reader_nfields() */
	yj_format format;
	long long bytes, size;
} readout;

static void readout_free(readout *o)
{
	strbuf_free(&o->recs);
	strbuf_free(&o->names);
}

static void read_all(const char *path, yj_format fmt, const char *enc, readout *o)
{
	memset(o, 0, sizeof *o);
	error_clear(&o->err);
	yj_reader_opts opts = {.format = fmt, .encoding = enc};
	yj_reader *r = NULL;
	o->st = reader_open(path, &opts, &r, &o->err);
	if (o->st) {
		o->at_open = 1;
		if (r)
			o->bad_ncells = 1000; /* *out must be NULL on failure */
		return;
	}
	o->format = reader_format(r);
	const yj_cell *cells;
	size_t n;
	long line;
	int k;
	while ((k = reader_next(r, &cells, &n, &line, &o->err)) == 1) {
		o->nrec++;
		if (n != reader_nfields(r))
			o->bad_ncells++;
		strbuf_addf(&o->recs, "%ld:", line);
		for (size_t i = 0; i < n; i++) {
			if (i)
				strbuf_addc(&o->recs, '|');
			if (cells[i].is_null)
				strbuf_addc(&o->recs, '~');
			else
				strbuf_add(&o->recs, cells[i].s, cells[i].len);
			if (!cells[i].is_null && strlen(cells[i].s) != cells[i].len)
				o->bad_ncells++;
		}
		strbuf_addc(&o->recs, '\n');
	}
	o->st = k < 0 ? o->err.status : YJ_OK;
	if (k < 0 && o->st == YJ_OK)
		o->st = YJ_STATUS_COUNT; /* an error without a status is a bug */
	for (size_t i = 0; i < reader_nfields(r); i++)
		strbuf_addf(&o->names, "%s%s", i ? "|" : "", reader_field_name(r, i));
	if (reader_field_name(r, reader_nfields(r)) != NULL)
		o->bad_ncells++;
	o->bytes = reader_bytes_read(r);
	o->size = reader_file_size(r);
	reader_close(r);
}

/* A file that must read cleanly into the given names and records. */
static void read_ok(const char *what, const char *fname, yj_format fmt, const char *enc, const char *data,
		    size_t n, const char *names, const char *recs)
{
	readout o;
	read_all(write_tmp(fname, data, n), fmt, enc, &o);
	ok(o.st == YJ_OK, "%s: reads without error (%s)", what, o.err.msg);
	/* a read that succeeds leaves the error record as it found it: a
	 * status left there would be taken for the cause of a later failure */
	ok(o.err.status == YJ_OK && !o.err.msg[0], "%s: the error record is left clear (%s)", what, o.err.msg);
	is_str(strbuf_str(&o.names), names, "%s: field names", what);
	is_str(strbuf_str(&o.recs), recs, "%s: records", what);
	is_int(o.bad_ncells, 0, "%s: cell counts and lengths consistent", what);
	readout_free(&o);
}

/* A file that must fail: records read before the error, then the status,
 * line, offset and field of the error. */
static void read_err(const char *what, const char *fname, yj_format fmt, const char *enc, const char *data,
		     size_t n, const char *recs, yj_status st, long line, long long off, const char *field)
{
	readout o;
	const char *path = write_tmp(fname, data, n);
	read_all(path, fmt, enc, &o);
	is_str(strbuf_str(&o.recs), recs, "%s: records before the error", what);
	ok(o.st == st, "%s: status %s (got %s: %s)", what, error_status_name(st), error_status_name(o.st),
	   o.err.msg);
	is_int(o.err.line, line, "%s: line", what);
	is_int(o.err.offset, off, "%s: byte offset", what);
	is_str(o.err.field, field, "%s: field", what);
	is_str(o.err.file, path, "%s: the error names the file", what);
	ok(o.err.msg[0] != '\0', "%s: with a message", what);
	is_int(o.bad_ncells, 0, "%s: no reader returned on failure, cells consistent", what);
	readout_free(&o);
}

#define L(s) s, sizeof(s) - 1
#define CSV FORMAT_CSV
#define TSV FORMAT_TSV
#define JSONL FORMAT_JSONL

/* --------------------------------------------------------------------- CSV */

static void test_csv(void)
{
	read_ok("quoting", "q.csv", CSV, NULL,
		L("id,text,n\n"
		  "1,\"hello, world\",5\n"
		  "2,\"say \"\"hi\"\"\",6\n"
		  "3,\"multi\nline\nfield\",7\n"
		  "4,plain,8\n"),
		"id|text|n",
		"2:1|hello, world|5\n"
		"3:2|say \"hi\"|6\n"
		"4:3|multi\nline\nfield|7\n"
		"7:4|plain|8\n");
	read_ok("quoted empty and special fields", "qe.csv", CSV, NULL,
		L("a,b\n\"\",\"\"\n\"x,y\",\"\"\"\"\n"), "a|b", "2:|\n3:x,y|\"\n");
	read_ok("quoted header names", "qh.csv", CSV, NULL, L("\"a b\",\"c\"\"d\"\n1,2\n"), "a b|c\"d",
		"2:1|2\n");
	read_ok("a 3-line field then a record", "ml.csv", CSV, NULL,
		L("k,v\n\"one\ntwo\nthree\",x\nnext,y\n"), "k|v", "2:one\ntwo\nthree|x\n5:next|y\n");
	read_ok("CRLF", "crlf.csv", CSV, NULL, L("a,b\r\n1,2\r\n3,4\r\n"), "a|b", "2:1|2\n3:3|4\n");
	read_ok("CRLF inside quotes counts one line", "crlfq.csv", CSV, NULL,
		L("a,b\r\n\"x\r\ny\",2\r\n3,4\r\n"), "a|b", "2:x\r\ny|2\n4:3|4\n");
	read_ok("quoted field before CRLF", "qcrlf.csv", CSV, NULL, L("a,b\r\n1,\"q\"\r\n2,3\r\n"), "a|b",
		"2:1|q\n3:2|3\n");
	read_ok("lone CR", "cr.csv", CSV, NULL, L("a,b\r1,2\r3,4"), "a|b", "2:1|2\n3:3|4\n");
	read_ok("lone CR inside quotes counts as a line", "crq.csv", CSV, NULL, L("a,b\r\"x\ry\",2\r3,4\r"),
		"a|b", "2:x\ry|2\n4:3|4\n");
	read_ok("CR, LF and CRLF mixed", "mixed.csv", CSV, NULL, L("a,b\n1,2\r\n3,4\r5,6\n\"p\r\nq\rr\ns\",7\n8,9"),
		"a|b", "2:1|2\n3:3|4\n4:5|6\n5:p\r\nq\rr\ns|7\n9:8|9\n");
	read_ok("UTF-8 BOM", "bom.csv", CSV, NULL, L("\xEF\xBB\xBF" "a,b\n1,2\n"), "a|b", "2:1|2\n");
	read_ok("UTF-8 BOM before a quoted name", "bomq.csv", CSV, NULL, L("\xEF\xBB\xBF\"a\",b\n1,2\n"), "a|b",
		"2:1|2\n");
	read_ok("a BOM later in the file is data", "bom2.csv", CSV, NULL, L("a,b\n\xEF\xBB\xBFx,2\n"), "a|b",
		"2:\xEF\xBB\xBFx|2\n");
	read_ok("blank lines skipped", "blank.csv", CSV, NULL, L("a,b\n\n1,2\n\n\n3,4\n\n"), "a|b",
		"3:1|2\n6:3|4\n");
	read_ok("blank lines before the header", "blankh.csv", CSV, NULL, L("\n\na,b\n1,2\n"), "a|b", "4:1|2\n");
	read_ok("blank CRLF lines", "blankcrlf.csv", CSV, NULL, L("a,b\r\n\r\n1,2\r\n\r\n"), "a|b", "3:1|2\n");
	read_ok("last line without newline", "nonl.csv", CSV, NULL, L("a,b\n1,2"), "a|b", "2:1|2\n");
	read_ok("empty last field at the end of file", "nonl2.csv", CSV, NULL, L("a,b\n1,"), "a|b", "2:1|\n");
	read_ok("quoted last field at the end of file", "nonl3.csv", CSV, NULL, L("a,b\n1,\"x\""), "a|b",
		"2:1|x\n");
	read_ok("header only", "hdr.csv", CSV, NULL, L("a,b\n"), "a|b", "");
	read_ok("header only, no newline", "hdr2.csv", CSV, NULL, L("a,b"), "a|b", "");
	read_ok("empty fields", "empty.csv", CSV, NULL, L("a,b,c\n,,\n"), "a|b|c", "2:||\n");
	read_ok("blanks kept in values, trimmed in names", "blanks.csv", CSV, NULL, L(" a ,\tb \n x , y \n"),
		"a|b", "2: x | y \n");
	read_ok("CJK names and values", "cjk.csv", CSV, NULL, L("名,值\n甲,\"乙\n丙\"\n"), "名|值",
		"2:甲|乙\n丙\n");
	read_ok("TSV syntax in a CSV is one field", "tabincsv.csv", CSV, NULL, L("a\tb,c\n1\t2,3\n"), "a\tb|c",
		"2:1\t2|3\n");

	/* Malformed input.  Offsets: "a,b\n" is bytes 0-3, so line 2
	 * starts at 4, and so on. */
	read_err("unterminated quote", "unterm.csv", CSV, NULL, L("a,b\n1,2\n3,\"open\nmore\n"), "2:1|2\n",
		 YJ_EDATA, 3, 10, "b");
	read_err("unterminated quote in the header", "unterm-h.csv", CSV, NULL, L("a,\"b\n"), "", YJ_EDATA, 1,
		 2, "#2");
	read_err("unterminated quote after a multi-line field", "unterm2.csv", CSV, NULL,
		 L("a,b\n\"x\ny\",1\n\"z,2\n3,4\n"), "2:x\ny|1\n", YJ_EDATA, 4, 12, "a");
	read_err("stray quote in an unquoted field", "stray.csv", CSV, NULL, L("a,b\n1,x\"y\n"), "", YJ_EDATA,
		 2, 7, "b");
	read_err("stray quote after a multi-line record", "stray2.csv", CSV, NULL,
		 L("a,b\n\"p\nq\",1\nab\"c,2\n"), "2:p\nq|1\n", YJ_EDATA, 4, 14, "a");
	read_err("character after a closing quote", "after.csv", CSV, NULL, L("a,b\n\"x\"y,2\n"), "", YJ_EDATA,
		 2, 7, "a");
	read_err("character after a closing quote on the field's 2nd line", "after2.csv", CSV, NULL,
		 L("a,b\n\"x\ny\"z,2\n"), "", YJ_EDATA, 3, 9, "a");
	read_err("blank after a closing quote", "after3.csv", CSV, NULL, L("a,b\n1,\"x\" \n"), "", YJ_EDATA, 2,
		 9, "b");
	/* Regression: a NUL byte used to cut the value short silently. */
	read_err("NUL byte in an unquoted field", "nul.csv", CSV, NULL, L("a,b\n1,x\0y\n"), "", YJ_EDATA, 2, 7,
		 "b");
	read_err("NUL byte on a quoted field's 2nd line", "nul2.csv", CSV, NULL, L("a,b\n1,\"x\n\0y\"\n"), "",
		 YJ_EDATA, 3, 9, "b");
	read_err("too many fields", "many.csv", CSV, NULL, L("a,b\n1,2\n3,4,5\n"), "2:1|2\n", YJ_EDATA, 3, -1,
		 "");
	read_err("too few fields", "few.csv", CSV, NULL, L("a,b,c\n1,2\n"), "", YJ_EDATA, 2, -1, "c");
	read_err("one field of two", "few1.csv", CSV, NULL, L("a,b\n1,2\n3\n"), "2:1|2\n", YJ_EDATA, 3, -1, "b");
	read_err("too few fields after a multi-line record", "few2.csv", CSV, NULL,
		 L("a,b,c\n1,\"x\ny\",3\n4,5\n"), "2:1|x\ny|3\n", YJ_EDATA, 4, -1, "c");
	read_err("invalid UTF-8 on line 3", "utf8.csv", CSV, NULL, L("a,b\n1,2\n3,x\xC3(y\n"), "2:1|2\n",
		 YJ_EDATA, 3, 11, "");
	read_err("invalid UTF-8 in the header", "utf8h.csv", CSV, NULL, L("a\xFF,b\n1,2\n"), "", YJ_EDATA, 1, 1,
		 "");
	read_err("UTF-8 cut at the end of the file", "utf8cut.csv", CSV, NULL, L("a,b\n1,\xE4\xB8"), "",
		 YJ_EDATA, 2, 6, "");
	read_err("invalid UTF-8 after a BOM", "utf8bom.csv", CSV, NULL, L("\xEF\xBB\xBF" "a,b\n1,\xFF\n"), "",
		 YJ_EDATA, 2, 9, "");
	read_err("invalid UTF-8 on the 2nd line of a quoted field", "utf8q.csv", CSV, NULL,
		 L("a,b\n1,\"x\ny\xFF\"\n"), "", YJ_EDATA, 3, 10, "");
	read_err("overlong UTF-8", "overlong.csv", CSV, NULL, L("a,b\n1,\xC0\xAF\n"), "", YJ_EDATA, 2, 6, "");
	read_err("UTF-8 surrogate", "surrogate.csv", CSV, NULL, L("a,b\n1,\xED\xA0\x80\n"), "", YJ_EDATA, 2, 6,
		 "");
	read_err("UTF-8 above U+10FFFF", "toobig.csv", CSV, NULL, L("a,b\n1,\xF4\x90\x80\x80\n"), "", YJ_EDATA,
		 2, 6, "");
	read_err("invalid UTF-8 in a CR-only file", "utf8cr.csv", CSV, NULL, L("a,b\r1,2\r3,\xFF\r"), "2:1|2\n",
		 YJ_EDATA, 3, 10, "");
	read_err("empty file", "empty-file.csv", CSV, NULL, L(""), "", YJ_EDATA, 1, -1, "");
	read_err("BOM only", "bom-only.csv", CSV, NULL, L("\xEF\xBB\xBF"), "", YJ_EDATA, 1, -1, "");
	{
		readout o;
		read_all(write_tmp("blank-only.csv", L("\n\n")), CSV, NULL, &o);
		ok(o.st == YJ_EDATA && o.at_open, "only blank lines: no header (YJ_EDATA at open)");
		readout_free(&o);
	}
	read_err("header with an empty name", "hempty.csv", CSV, NULL, L("a,,c\n1,2,3\n"), "", YJ_EDATA, 1, -1,
		 "");
	read_err("header with a blank name", "hblank.csv", CSV, NULL, L("a, ,c\n"), "", YJ_EDATA, 1, -1, "");
	read_err("header with an empty last name", "hlast.csv", CSV, NULL, L("a,b,\n"), "", YJ_EDATA, 1, -1, "");
	read_err("header with an empty name after a blank line", "hempty2.csv", CSV, NULL, L("\na,,c\n"), "",
		 YJ_EDATA, 2, -1, "");
	read_err("header with a duplicate name", "hdup.csv", CSV, NULL, L("a,b,a\n1,2,3\n"), "", YJ_EDATA, 1, -1,
		 "a");
	read_err("header duplicate after trimming", "hdup2.csv", CSV, NULL, L("id, id\n"), "", YJ_EDATA, 1, -1,
		 "id");
	read_err("header duplicate, one quoted", "hdup3.csv", CSV, NULL, L("\"x\",y,x\n"), "", YJ_EDATA, 1, -1,
		 "x");
	read_ok("names differing in case are distinct", "hcase.csv", CSV, NULL, L("a,A\n1,2\n"), "a|A", "2:1|2\n");
}

/* --------------------------------------------------------------------- TSV */

static void test_tsv(void)
{
	read_ok("TSV", "t.tsv", TSV, NULL, L("a\tb\n1\t\"q\"\n2\tx,y\n"), "a|b", "2:1|\"q\"\n3:2|x,y\n");
	read_ok("TSV quotes are data", "tq.tsv", TSV, NULL, L("a\tb\n\"x\t\"y\"\n"), "a|b", "2:\"x|\"y\"\n");
	read_ok("TSV CRLF and blank line", "tcrlf.tsv", TSV, NULL, L("a\tb\r\n\r\n1\t2\r\n"), "a|b", "3:1|2\n");
	read_ok("TSV empty fields", "te.tsv", TSV, NULL, L("a\tb\n\t\n"), "a|b", "2:|\n");
	read_err("TSV too few fields", "tfew.tsv", TSV, NULL, L("a\tb\n1\t2\n3\n"), "2:1|2\n", YJ_EDATA, 3, -1,
		 "b");
	read_err("TSV too many fields", "tmany.tsv", TSV, NULL, L("a\tb\n1\t2\t3\n"), "", YJ_EDATA, 2, -1, "");
	read_err("TSV invalid UTF-8", "tutf8.tsv", TSV, NULL, L("a\tb\n1\t\xFE\n"), "", YJ_EDATA, 2, 6, "");
}

/* -------------------------------------------------------------- JSON lines */

static void test_jsonl(void)
{
	read_ok("JSON lines", "j.jsonl", JSONL, NULL,
		L("{\"id\":1,\"name\":\"a\",\"meta\":{\"x\":1,\"y\":{\"z\":\"deep\"}},"
		  "\"arr\":[1, \"two\", {\"k\": null}],\"n\":null}\n"
		  "{\"id\":2,\"b\":true,\"c\":false,\"r\":0.1,\"big\":1e300,\"neg\":-2.5}\n"
		  "\n"
		  "  {\"id\":3,\"name\":\"中文\\u00e9\",\"extra\":\"new\",\"meta\":{\"x\":2.0}}  \r\n"
		  "{\"e\":{},\"ea\":[],\"s\":\"\",\"id\":4}"),
		"id|name|meta.x|meta.y.z|arr|n|b|c|r|big|neg|extra|e|ea|s",
		"1:1|a|1|deep|[1,\"two\",{\"k\":null}]|~\n"
		"2:2|~|~|~|~|~|true|false|0.1|1e+300|-2.5\n"
		"4:3|中文é|2|~|~|~|~|~|~|~|~|new\n"
		"5:4|~|~|~|~|~|~|~|~|~|~|~|{}|[]|\n");
	read_ok("JSON numbers, shortest round trip", "num.jsonl", JSONL, NULL,
		L("{\"a\":0.1,\"b\":120.0,\"c\":1.5e-7,\"d\":3.14159,\"e\":0.30000000000000004,"
		  "\"f\":100,\"g\":-7,\"h\":9007199254740993,\"i\":1e15,\"j\":2.5e16,\"k\":0.0001,"
		  "\"l\":123456789.125,\"m\":-0.5,\"n\":1E2}\n"),
		"a|b|c|d|e|f|g|h|i|j|k|l|m|n",
		"1:0.1|120|1.5e-07|3.14159|0.30000000000000004|100|-7|9007199254740993|"
		"1000000000000000|2.5e+16|0.0001|123456789.125|-0.5|100\n");
	read_ok("JSON strings with escapes", "esc.jsonl", JSONL, NULL,
		L("{\"s\":\"tab\\there \\\"q\\\" \\\\ \\n \\u4e2d \\ud83d\\ude00\"}\n"), "s",
		"1:tab\there \"q\" \\ \n 中 \xF0\x9F\x98\x80\n");
	read_ok("JSON CRLF lines, no final newline", "crlf.jsonl", JSONL, NULL, L("{\"a\":1}\r\n{\"a\":2}"), "a",
		"1:1\n2:2\n");
	read_ok("JSON empty object line", "eo.jsonl", JSONL, NULL, L("{\"a\":1}\n{}\n"), "a", "1:1\n2:~\n");
	read_ok("JSON after a UTF-8 BOM", "bom.jsonl", JSONL, NULL, L("\xEF\xBB\xBF{\"a\":1}\n"), "a", "1:1\n");
	read_err("JSON array after a BOM", "bomarr.jsonl", JSONL, NULL, L("\xEF\xBB\xBF[1]\n"), "", YJ_EDATA, 1, 3,
		 "");
	read_ok("JSON empty file", "empty.jsonl", JSONL, NULL, L(""), "", "");
	read_ok("JSON blank lines only", "blank.jsonl", JSONL, NULL, L("\n  \n\t\r\n"), "", "");

	/* Malformed lines.  Line 1 "{"id":1}\n" is bytes 0-8: line 2 starts at
	 * 9.  For invalid JSON the offset is the line start plus the bytes
	 * jansson consumed (json_error_t.position: through the offending
	 * token). */
	read_err("invalid JSON: object cut short", "cut.jsonl", JSONL, NULL, L("{\"id\":1}\n{\"id\":2,\n"), "1:1\n",
		 YJ_EDATA, 2, 17, "");
	read_err("invalid JSON: trailing comma", "comma.jsonl", JSONL, NULL, L("{\"id\":1}\n{\"a\":1,}\n"),
		 "1:1\n", YJ_EDATA, 2, 17, "");
	read_err("invalid JSON: single quotes", "sq.jsonl", JSONL, NULL, L("{\"id\":1}\n\n{'a':1}\n"), "1:1\n",
		 YJ_EDATA, 3, 12, "");
	read_err("invalid JSON: two objects on a line", "two.jsonl", JSONL, NULL, L("{\"id\":1}{\"id\":2}\n"), "",
		 YJ_EDATA, 1, 9, "");
	read_err("invalid JSON: text after the object", "trail.jsonl", JSONL, NULL, L("{\"id\":1} x\n"), "",
		 YJ_EDATA, 1, 10, "");
	read_err("JSON scalar line", "scalar.jsonl", JSONL, NULL, L("{\"id\":1}\n42\n"), "1:1\n", YJ_EDATA, 2, 11,
		 "");
	read_err("JSON array line is not an object", "arr.jsonl", JSONL, NULL, L("{\"id\":1}\n[1,2]\n"), "1:1\n",
		 YJ_EDATA, 2, 9, "");
	read_err("JSON array line after blanks", "arr2.jsonl", JSONL, NULL, L("{\"id\":1}\n\n  [1]\n"), "1:1\n",
		 YJ_EDATA, 3, 10, "");
	read_err("JSON duplicate key", "dup.jsonl", JSONL, NULL, L("{\"id\":1}\n{\"a\":1,\"a\":2}\n"), "1:1\n",
		 YJ_EDATA, 2, 19, "");
	read_err("JSON duplicate key after flattening", "dupflat.jsonl", JSONL, NULL,
		 L("{\"id\":1}\n{\"a.b\":1,\"a\":{\"b\":2}}\n"), "1:1\n", YJ_EDATA, 2, -1, "a.b");
	read_err("JSON duplicate key after flattening, other order", "dupflat2.jsonl", JSONL, NULL,
		 L("{\"a\":{\"b\":2},\"a.b\":1}\n"), "", YJ_EDATA, 1, -1, "a.b");
	read_err("JSON empty key", "ekey.jsonl", JSONL, NULL, L("{\"id\":1}\n{\"\":1}\n"), "1:1\n", YJ_EDATA, 2,
		 -1, "");
	read_err("JSON invalid UTF-8", "utf8.jsonl", JSONL, NULL, L("{\"id\":1}\n{\"a\":\"x\xFFy\"}\n"), "1:1\n",
		 YJ_EDATA, 2, 16, "");
	read_err("JSON invalid UTF-8 after CRLF and a blank line", "utf8b.jsonl", JSONL, NULL,
		 L("{\"id\":1}\r\n\r\n{\"a\":\"\xC0\xAF\"}\r\n"), "1:1\n", YJ_EDATA, 3, 18, "");
	{
		/* A key message check: the duplicate is reported as such. */
		readout o;
		read_all(write_tmp("dupmsg.jsonl", L("{\"a\":1,\"a\":2}\n")), JSONL, NULL, &o);
		ok(strstr(o.err.msg, "duplicate") != NULL, "duplicate key: the message says so (%s)", o.err.msg);
		readout_free(&o);
	}
}

/* ------------------------------------------------------------------ GB18030 */

static void test_gb18030(void)
{
	readout o;
	/* tests/fixtures/gb18030.csv is the UTF-8 text below converted with
	 * iconv -f UTF-8 -t GB18030 (see tests/fixtures/README.md). */
	read_all(fixture("gb18030.csv"), FORMAT_AUTO, "gb18030", &o);
	ok(o.st == YJ_OK, "gb18030 fixture reads (%s)", o.err.msg);
	is_str(strbuf_str(&o.names), "编号|罪名|描述", "gb18030: names converted");
	is_str(strbuf_str(&o.recs), "2:1|盗窃|窃得手机一部，价值€500\n3:2|诈骗|人名𠮷某\n",
	       "gb18030: values converted, incl. a 4-byte GB18030 character");
	is_int(o.bytes, 66, "gb18030: all 66 raw bytes read");
	is_int(o.size, 66, "gb18030: file size");
	readout_free(&o);

	read_all(fixture("gb18030.csv"), FORMAT_AUTO, "GB18030", &o);
	ok(o.st == YJ_OK && o.nrec == 2, "encoding names are case-insensitive");
	readout_free(&o);

	/* GBK has no euro sign: the fixture's A2 E3 at byte 41 (line 2) is
	 * invalid there.  Line 1 is bytes 0-14, line 2 "1,盗窃,"窃得手机一部，
	 * 价值" is bytes 15-40. */
	read_all(fixture("gb18030.csv"), FORMAT_AUTO, "gbk", &o);
	is_str(strbuf_str(&o.recs), "", "gbk: no record before the error");
	is_int(o.st, YJ_EDATA, "gbk: invalid for the declared encoding");
	is_int(o.err.line, 2, "gbk: line");
	is_int(o.err.offset, 41, "gbk: byte offset of the euro sign");
	ok(strstr(o.err.hint, "--encoding") != NULL, "gbk: the hint names --encoding");
	readout_free(&o);

	/* Invalid GB18030 bytes: 0xFF never occurs.  B5 C1 is 盗. */
	read_err("invalid GB18030 byte", "gb-bad.csv", CSV, "gb18030", L("a,b\n1,\xB5\xC1\n2,\xFF\n"), "2:1|盗\n",
		 YJ_EDATA, 3, 11, "");
	read_err("invalid GB18030 second byte", "gb-bad2.csv", CSV, "gb18030", L("a,b\n1,\x81\x20x\n"), "",
		 YJ_EDATA, 2, 6, "");
	read_err("GB18030 cut at the end of the file", "gb-cut.csv", CSV, "gb18030", L("a,b\n1,\xB5"), "",
		 YJ_EDATA, 2, 6, "");
	read_err("invalid GB18030 in the header", "gb-hdr.csv", CSV, "gb18030", L("\xFF,b\n"), "", YJ_EDATA, 1,
		 0, "");
	read_ok("GB18030 JSON lines", "gb.jsonl", JSONL, "gb18030", L("{\"\xD7\xEF\":\"\xB5\xC1\"}\n"), "罪",
		"1:盗\n");

	/* UTF-8 input read as UTF-8 by default: GB18030 bytes are invalid. */
	read_all(fixture("gb18030.csv"), FORMAT_AUTO, NULL, &o);
	ok(o.st == YJ_EDATA && o.at_open, "GB18030 read as UTF-8: invalid in the header");
	is_int(o.err.line, 1, "GB18030 read as UTF-8: line 1");
	is_int(o.err.offset, 0, "GB18030 read as UTF-8: offset of the first byte");
	ok(strstr(o.err.hint, "gb18030") != NULL, "GB18030 read as UTF-8: the hint suggests --encoding gb18030");
	readout_free(&o);
}

/* ---------------------------------------------------------------- fixtures */

static void test_fixtures(void)
{
	readout o;
	read_all(fixture("chicago_englewood.csv"), FORMAT_AUTO, NULL, &o);
	ok(o.st == YJ_OK, "chicago fixture reads (%s)", o.err.msg);
	is_int(o.format, FORMAT_CSV, "chicago: CSV from the name");
	is_str(strbuf_str(&o.names),
	       "arrest|beat|block|case_number|community_area|date|description|district|domestic|fbi_code|id|"
	       "iucr|latitude|location|location_description|longitude|primary_type|updated_on|ward|"
	       "x_coordinate|y_coordinate|year|c_tract",
	       "chicago: 23 field names");
	is_int(o.nrec, 20, "chicago: 20 records");
	const char *first = "2:False|0732|070XX S NORMAL BLVD|JB108409|68|2017-12-28T00:00:00.000|CREDIT CARD FRAUD|"
			    "007|False|11|11198217|1150|41.766417805|"
			    "{'type': 'Point', 'coordinates': [-87.637177497, 41.766417805]}|APARTMENT|"
			    "-87.637177497|DECEPTIVE PRACTICE|2018-05-04T15:51:04.000|6|1174165|1858242|2017|"
			    "6812002007\n";
	ok(!strncmp(strbuf_str(&o.recs), first, strlen(first)), "chicago: first record, quoted location unquoted");
	const char *last = "21:False|0714|062XX S PAULINA ST|JA138355|67|2017-01-30T19:15:00.000|"
			   "FINANCIAL IDENTITY THEFT OVER $ 300|007|False|11|10836385|1153|41.780761539|"
			   "{'type': 'Point', 'coordinates': [-87.666672676, 41.780761539]}||-87.666672676|"
			   "DECEPTIVE PRACTICE|2017-02-14T15:49:42.000|15|1166078|1863405|2017|6707002011\n";
	size_t rl = o.recs.len, ll = strlen(last);
	ok(rl >= ll && !strcmp(strbuf_str(&o.recs) + rl - ll, last),
	   "chicago: last record (line 21) with an empty location_description");
	is_int(o.bytes, 5881, "chicago: all bytes read");
	is_int(o.size, 5881, "chicago: file size");
	/* Lines 2..21 in order. */
	int lines_ok = 1;
	const char *s = strbuf_str(&o.recs);
	for (long want = 2; want <= 21 && lines_ok; want++) {
		lines_ok = atol(s) == want;
		s = strchr(s, '\n');
		s = s ? s + 1 : "";
	}
	ok(lines_ok, "chicago: one record per line, lines 2 to 21");
	readout_free(&o);

	read_all(fixture("cail2018.jsonl"), FORMAT_AUTO, NULL, &o);
	ok(o.st == YJ_OK, "cail fixture reads (%s)", o.err.msg);
	is_int(o.format, FORMAT_JSONL, "cail: JSON lines from the name");
	is_str(strbuf_str(&o.names),
	       "fact|meta.relevant_articles|meta.accusation|meta.punish_of_money|meta.criminals|"
	       "meta.term_of_imprisonment.death_penalty|meta.term_of_imprisonment.imprisonment|"
	       "meta.term_of_imprisonment.life_imprisonment",
	       "cail: nested keys flattened in file order");
	is_int(o.nrec, 10, "cail: 10 records");
	const char *rec4 = "\n4:建水县人民检察院指控：被告人何某以非法占有为目的，秘密窃取公私财物，数额较大，××"
			   "危害公共安全，其行为已触犯《中华人民共和国刑法》××、××之规定，犯罪事实清楚，证据确实"
			   "充分，应当以××罪、××罪追究其刑事责任。|[264,114]|[\"放火\",\"盗窃\"]|2000|"
			   "[\"何某\"]|false|48|false\n";
	ok(strstr(strbuf_str(&o.recs), rec4) != NULL, "cail: record 4 (two accusations) as compact JSON");
	ok(strstr(strbuf_str(&o.recs), "\n10:指控意见公诉机关") != NULL, "cail: record 10 on line 10");
	readout_free(&o);
}

/* ------------------------------------------------------- buffer boundaries */

#define MiB (1u << 20)

/* Append filler rows "NNNNNNN,xxx...x\n" (NNNNNNN = the row's line) until
 * sb holds exactly `at` bytes. */
static void pad_to(strbuf *sb, size_t at, long *line)
{
	while (sb->len < at) {
		size_t left = at - sb->len, len = left > 128 ? 64 : left;
		if (left > 64 && left <= 128)
			len = left / 2;
		strbuf_addf(sb, "%07ld,", (*line)++);
		for (size_t i = 0; i < len - 9; i++)
			strbuf_addc(sb, 'x');
		strbuf_addc(sb, '\n');
	}
}

typedef struct {
	long line;
	const char *text;
} special_row;

/* Read a generated file: filler rows must be intact with id == line;
 * specials must have their text; then the end or the expected error. */
static void check_big(const char *what, const char *path, const char *enc, const special_row *sp, size_t nsp,
		      long nrec, yj_status want_st, long err_line, long long err_off)
{
	yj_reader_opts opts = {.format = FORMAT_CSV, .encoding = enc};
	yj_reader *r = NULL;
	yj_error err;
	error_clear(&err);
	if (reader_open(path, &opts, &r, &err)) {
		ok(0, "%s: open (%s)", what, err.msg);
		return;
	}
	const yj_cell *c;
	size_t n;
	long line, got = 0, bad_filler = 0, first_bad = 0;
	size_t found = 0;
	int k;
	while ((k = reader_next(r, &c, &n, &line, &err)) == 1) {
		got++;
		size_t j;
		for (j = 0; j < nsp && sp[j].line != line; j++)
			;
		if (j < nsp) {
			found++;
			is_str(c[1].s, sp[j].text, "%s: special row on line %ld", what, line);
			is_int(atol(c[0].s), line, "%s: special row id", what);
			continue;
		}
		int good = atol(c[0].s) == line && c[1].len > 0 && strspn(c[1].s, "x") == c[1].len;
		if (!good && !bad_filler++)
			first_bad = line;
	}
	is_int(bad_filler, 0, "%s: filler rows intact (first bad on line %ld)", what, first_bad);
	is_int(found, nsp, "%s: all special rows seen", what);
	is_int(got, nrec, "%s: record count", what);
	if (want_st == YJ_OK) {
		ok(k == 0, "%s: clean end (%s)", what, err.msg);
	} else {
		ok(k < 0 && err.status == want_st, "%s: status %s (got %s)", what, error_status_name(want_st),
		   error_status_name(err.status));
		is_int(err.line, err_line, "%s: error line", what);
		is_int(err.offset, err_off, "%s: error offset", what);
	}
	reader_close(r);
}

static void test_boundaries(void)
{
	strbuf sb = STRBUF_INIT;
	long line;

	/* A: the quoted field "ab中""cd\nef" starts at S + 8 with S = 1 MiB - 12,
	 * so 中 (3 bytes at S+11..S+13) straddles the 1 MiB read: E4 is the
	 * last byte of the first chunk.  An invalid byte follows later. */
	strbuf_adds(&sb, "id,text\n");
	line = 2;
	pad_to(&sb, MiB - 12, &line);
	long sp_line = line;
	strbuf_addf(&sb, "%07ld,\"ab中\"\"cd\nef\"\n", line);
	line += 2;
	ok(sb.buf[MiB - 1] == '\xE4' && sb.buf[MiB] == '\xB8', "A: 中 straddles the 1 MiB boundary");
	pad_to(&sb, MiB + 5000, &line);
	long bad_line = line;
	size_t bad_off = sb.len + 11;
	strbuf_addf(&sb, "%07ld,bad\xFF" "byte\n", line++);
	pad_to(&sb, sb.len + 500, &line);
	special_row spa[] = {{sp_line, "ab中\"cd\nef"}};
	check_big("A (multi-byte and quoted field across 1 MiB)", write_tmp("a.csv", sb.buf, sb.len), NULL, spa, 1,
		  bad_line - 3, YJ_EDATA, bad_line, (long long)bad_off);

	/* B: the doubled quote "" split by the boundary: S = 1 MiB - 15 puts
	 * the first quote at S+14 = 1 MiB - 1. */
	strbuf_reset(&sb);
	strbuf_adds(&sb, "id,text\n");
	line = 2;
	pad_to(&sb, MiB - 15, &line);
	long spb = line;
	strbuf_addf(&sb, "%07ld,\"ab中\"\"cd\nef\"\n", line);
	line += 2;
	ok(sb.buf[MiB - 1] == '"' && sb.buf[MiB] == '"', "B: the doubled quote straddles the boundary");
	pad_to(&sb, sb.len + 3000, &line);
	special_row spb_rows[] = {{spb, "ab中\"cd\nef"}};
	check_big("B (doubled quote across 1 MiB)", write_tmp("b.csv", sb.buf, sb.len), NULL, spb_rows, 1,
		  line - 3, YJ_OK, 0, 0);

	/* C: CRLF split by the boundary: "NNNNNNN,plain\r\n" with \r at
	 * S+13 = 1 MiB - 1.  The next row must be on the very next line. */
	strbuf_reset(&sb);
	strbuf_adds(&sb, "id,text\n");
	line = 2;
	pad_to(&sb, MiB - 14, &line);
	long spc = line;
	strbuf_addf(&sb, "%07ld,plain\r\n", line++);
	ok(sb.buf[MiB - 1] == '\r' && sb.buf[MiB] == '\n', "C: CRLF straddles the boundary");
	pad_to(&sb, sb.len + 3000, &line);
	special_row spc_rows[] = {{spc, "plain"}};
	check_big("C (CRLF across 1 MiB)", write_tmp("c.csv", sb.buf, sb.len), NULL, spc_rows, 1, line - 2, YJ_OK,
		  0, 0);

	/* D: a closing quote as the last byte of the chunk, the delimiter
	 * after it in the next: "NNNNNNN",text with the 2nd quote at S+8. */
	strbuf_reset(&sb);
	strbuf_adds(&sb, "id,text\n");
	line = 2;
	pad_to(&sb, MiB - 9, &line);
	long spd = line;
	strbuf_addf(&sb, "\"%07ld\",quoted id\n", line++);
	ok(sb.buf[MiB - 1] == '"' && sb.buf[MiB] == ',', "D: closing quote at the end of the chunk");
	pad_to(&sb, sb.len + 3000, &line);
	special_row spd_rows[] = {{spd, "quoted id"}};
	check_big("D (closing quote at the end of a chunk)", write_tmp("d.csv", sb.buf, sb.len), NULL, spd_rows, 1,
		  line - 2, YJ_OK, 0, 0);

	/* E: an overlong sequence E0 80 80 split by the boundary: E0 at S+10
	 * = 1 MiB - 1 is the bad byte. */
	strbuf_reset(&sb);
	strbuf_adds(&sb, "id,text\n");
	line = 2;
	pad_to(&sb, MiB - 11, &line);
	long spe = line;
	strbuf_addf(&sb, "%07ld,ab\xE0\x80\x80" "cd\n", line++);
	ok((unsigned char)sb.buf[MiB - 1] == 0xE0, "E: E0 is the last byte of the chunk");
	pad_to(&sb, sb.len + 3000, &line);
	check_big("E (invalid sequence across 1 MiB)", write_tmp("e.csv", sb.buf, sb.len), NULL, NULL, 0,
		  spe - 2, YJ_EDATA, spe, (long long)MiB - 1);

	/* F: a long quoted field (2.5 MiB over 3 lines, with doubled quotes)
	 * spanning several chunks. */
	strbuf_reset(&sb);
	strbuf_adds(&sb, "id,text\n0000002,\"");
	strbuf big = STRBUF_INIT;
	for (size_t i = 0; i < 5 * MiB / 2; i++) {
		char ch = (char)('a' + i % 26);
		if (i == MiB || i == 2 * MiB)
			ch = '\n';
		else if (i % 100000 == 7)
			ch = '"';
		strbuf_addc(&big, ch);
		strbuf_add(&sb, ch == '"' ? "\"\"" : &ch, ch == '"' ? 2 : 1);
	}
	strbuf_adds(&sb, "\"\n0000005,xxxx\n");
	special_row spf[] = {{2, big.buf}};
	check_big("F (2.5 MiB quoted field)", write_tmp("f.csv", sb.buf, sb.len), NULL, spf, 1, 2, YJ_OK, 0, 0);
	strbuf_free(&big);

	/* G: GB18030 input with 盗 (B5 C1) across the 1 MiB raw read. */
	strbuf_reset(&sb);
	strbuf_adds(&sb, "id,text\n");
	line = 2;
	pad_to(&sb, MiB - 9, &line);
	long spg = line;
	strbuf_addf(&sb, "%07ld,\xB5\xC1\n", line++);
	ok((unsigned char)sb.buf[MiB - 1] == 0xB5, "G: GB18030 lead byte at the end of the chunk");
	pad_to(&sb, sb.len + 1000, &line);
	long spg2 = line;
	strbuf_addf(&sb, "%07ld,\x95\x34\xB2\x35\n", line++);
	pad_to(&sb, sb.len + 1000, &line);
	special_row spg_rows[] = {{spg, "盗"}, {spg2, "𠮷"}};
	check_big("G (GB18030 across 1 MiB)", write_tmp("g.csv", sb.buf, sb.len), "gb18030", spg_rows, 2, line - 2,
		  YJ_OK, 0, 0);

	/* H: a 4-byte GB18030 character across the boundary (95 34 | B2 35). */
	strbuf_reset(&sb);
	strbuf_adds(&sb, "id,text\n");
	line = 2;
	pad_to(&sb, MiB - 10, &line);
	long sph = line;
	strbuf_addf(&sb, "%07ld,\x95\x34\xB2\x35\n", line++);
	ok((unsigned char)sb.buf[MiB - 2] == 0x95, "H: 4-byte GB18030 character split 2+2");
	pad_to(&sb, sb.len + 1000, &line);
	special_row sph_rows[] = {{sph, "𠮷"}};
	check_big("H (4-byte GB18030 across 1 MiB)", write_tmp("h.csv", sb.buf, sb.len), "gb18030", sph_rows, 1,
		  line - 2, YJ_OK, 0, 0);
	strbuf_free(&sb);
}

/* ----------------------------------------------------------- open & names */

static void test_open(void)
{
	yj_reader *r = (yj_reader *)1;
	yj_error err;
	char path[2048];

	snprintf(path, sizeof path, "%s/missing.csv", tmpdir);
	error_clear(&err);
	is_int(reader_open(path, NULL, &r, &err), YJ_ENOTFOUND, "missing file: YJ_ENOTFOUND");
	ok(r == NULL, "missing file: no reader");
	is_str(err.file, path, "missing file: named");

	r = (yj_reader *)1;
	error_clear(&err);
	is_int(reader_open(tmpdir, NULL, &r, &err), YJ_EIO, "directory: YJ_EIO");
	ok(r == NULL, "directory: no reader");

	const char *p = write_tmp("enc.csv", L("a\n1\n"));
	yj_reader_opts o = {.encoding = "latin1"};
	r = (yj_reader *)1;
	error_clear(&err);
	is_int(reader_open(p, &o, &r, &err), YJ_EUSAGE, "unsupported encoding: YJ_EUSAGE");
	ok(r == NULL, "unsupported encoding: no reader");
	o.encoding = "UTF-8";
	is_int(reader_open(p, &o, &r, &err), YJ_OK, "encoding name UTF-8 accepted");
	reader_close(r);
	reader_close(NULL);

	is_int(reader_format_parse("csv"), FORMAT_CSV, "format csv");
	is_int(reader_format_parse("CSV"), FORMAT_CSV, "format CSV");
	is_int(reader_format_parse("tsv"), FORMAT_TSV, "format tsv");
	is_int(reader_format_parse("tab"), FORMAT_TSV, "format tab");
	is_int(reader_format_parse("jsonl"), FORMAT_JSONL, "format jsonl");
	is_int(reader_format_parse("ndjson"), FORMAT_JSONL, "format ndjson");
	is_int(reader_format_parse("json"), FORMAT_JSONL, "format json");
	is_int(reader_format_parse("xml"), -1, "format xml unknown");
	is_str(reader_format_name(FORMAT_CSV), "csv", "name of CSV");
	is_str(reader_format_name(FORMAT_TSV), "tsv", "name of TSV");
	is_str(reader_format_name(FORMAT_JSONL), "jsonl", "name of JSONL");

	static const struct {
		const char *name;
		yj_format want;
	} guess[] = {
		{"x.csv", FORMAT_CSV},	   {"x.tsv", FORMAT_TSV},     {"x.tab", FORMAT_TSV},
		{"x.jsonl", FORMAT_JSONL}, {"x.ndjson", FORMAT_JSONL}, {"x.json", FORMAT_JSONL},
		{"x.JSONL", FORMAT_JSONL}, {"noext", FORMAT_CSV},      {"x.txt", FORMAT_CSV},
	};
	for (size_t i = 0; i < sizeof guess / sizeof guess[0]; i++) {
		readout ro;
		read_all(write_tmp(guess[i].name, L("a\n1\n")), FORMAT_AUTO, NULL, &ro);
		is_int(ro.format, guess[i].want, "format guessed from %s", guess[i].name);
		readout_free(&ro);
	}
	/* "-" reads standard input. */
	{
		const char *sp = write_tmp("stdin.csv", L("k,v\n1,\"x\ny\"\n2,z\n"));
		int saved = dup(STDIN_FILENO), fd = open(sp, O_RDONLY);
		dup2(fd, STDIN_FILENO);
		close(fd);
		readout ro;
		read_all("-", FORMAT_CSV, NULL, &ro);
		ok(ro.st == YJ_OK, "stdin: reads (%s)", ro.err.msg);
		is_str(strbuf_str(&ro.recs), "2:1|x\ny\n4:2|z\n", "stdin: records");
		is_str(strbuf_str(&ro.names), "k|v", "stdin: names");
		readout_free(&ro);
		dup2(saved, STDIN_FILENO);
		close(saved);
	}
	/* An explicit format wins over the name. */
	read_ok("explicit TSV for a .csv name", "really-tsv.csv", TSV, NULL, L("a,b\tc\n1,2\t3\n"), "a,b|c",
		"2:1,2|3\n");
}

/* ------------------------------------------------------------------- main */

static void rm_rf(const char *path)
{
	DIR *d = opendir(path);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char sub[4200];
			snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
			rm_rf(sub);
		}
		closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

static void cleanup(void)
{
	rm_rf(tmpdir);
}

/* Issue 18: changes that passed every other reader test.
 *   - a one-column file: an empty line is an empty value, not a line to
 *     skip (with one column there is no other way to write an empty
 *     cell); lines 3 and 5 are records "" (the final newline ends line 6);
 *   - header names are trimmed of trailing tabs too, not only of spaces;
 *   - a duplicate header name is the same name, not a prefix: a and ab,
 *     ab and a, are two fields;
 *   - a whole real inside a JSON array keeps its ".0" (the array is JSON
 *     text, written as Python's json.dumps writes it: [1.0, 2, -3.0]). */
static void test_noticed(void)
{
	read_ok("one column: empty lines are empty values", "one.csv", CSV, NULL, L("a\n1\n\n2\n\nx\n"), "a",
		"2:1\n3:\n4:2\n5:\n6:x\n");
	read_ok("one-column TSV: the same", "one.tsv", TSV, NULL, L("a\n\n7\n"), "a", "2:\n3:7\n");
	read_ok("header names trimmed of trailing tabs", "ttab.csv", CSV, NULL, L("a\t\t,b\t\n1,2\n"), "a|b",
		"2:1|2\n");
	read_ok("header names trimmed of trailing tabs and spaces", "ttab2.csv", CSV, NULL, L("x \t,y\t \n1,2\n"),
		"x|y", "2:1|2\n");
	read_ok("a and ab are two fields", "pre1.csv", CSV, NULL, L("a,ab\n1,2\n"), "a|ab", "2:1|2\n");
	read_ok("ab and a are two fields", "pre2.csv", CSV, NULL, L("ab,a,abc\n1,2,3\n"), "ab|a|abc", "2:1|2|3\n");
	read_ok("whole reals keep .0 inside JSON arrays", "arr.jsonl", JSONL, NULL,
		L("{\"v\":[1.0,2,0.5,-3.0],\"w\":[[4.0],{\"x\":5.0}]}\n"), "v|w",
		"1:[1.0,2,0.5,-3.0]|[[4.0],{\"x\":5.0}]\n");
}

int main(void)
{
	fixtures = getenv("FIXTURES");
	if (!fixtures || !*fixtures) {
		printf("Bail out! FIXTURES is not set (run through make check)\n");
		return 99;
	}
	const char *base = getenv("TMPDIR");
	snprintf(tmpdir, sizeof tmpdir, "%s/yj-test-reader-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmpdir)) {
		perror(tmpdir);
		return 99;
	}
	atexit(cleanup); /* also when a test bails out */
	test_csv();
	test_tsv();
	test_jsonl();
	test_gb18030();
	test_fixtures();
	test_boundaries();
	test_open();
	test_noticed();
	return tap_done();
}
