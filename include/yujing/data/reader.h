/*
 * reader.h - streaming readers for source tables: RFC 4180 CSV, TSV and
 * JSON lines, in UTF-8 or (converted with iconv) GB18030/GBK.
 *
 * A reader yields one record at a time as an array of cells.  Every error
 * names the file, the line (1-based, physical lines of the file) and, where
 * it helps, the byte offset and the field.  Invalid UTF-8 is an error, never
 * replaced or dropped.
 */
#ifndef YUJING_DATA_READER_H
#define YUJING_DATA_READER_H

#include <signal.h>
#include <stddef.h>

#include "yujing/base/error.h"

typedef enum {
	FORMAT_AUTO = 0, /* from the file name: .tsv/.tab, .jsonl/.ndjson/.json, else CSV */
	FORMAT_CSV,
	FORMAT_TSV,
	FORMAT_JSONL,
} yj_format;

/* Parse "csv", "tsv", "jsonl" (also "json", "ndjson").  -1 if unknown. */
int reader_format_parse(const char *name);
const char *reader_format_name(yj_format f);

/* One cell of a record.  s is NUL-terminated and valid until the next
 * reader_next() call; is_null is set only for an absent JSON key or a JSON
 * null (CSV/TSV cells are never null here: empty is "" and is judged by the
 * profile's null rules). */
typedef struct yj_cell {
	const char *s;
	size_t len;
	int is_null;
} yj_cell;

/* Bounds on what a file can make the reader hold.  A record (a CSV/TSV
 * record, quoted newlines included, or a JSON line) that grows past
 * READER_MAX_RECORD bytes is an error naming the line it starts on (checked
 * per megabyte of input: a record up to the bound always reads).
 * READER_MAX_FIELDS: SQLite's 2000 columns of a table less the row, line
 * and synthetic key columns of a source table (store/sources.h). */
#define READER_MAX_RECORD (64 << 20)
#define READER_MAX_FIELDS 1997

typedef struct yj_reader yj_reader;

typedef struct yj_reader_opts {
	yj_format format;      /* FORMAT_AUTO to guess from the name */
	const char *encoding;  /* NULL or "utf-8", "gb18030", "gbk" */
	/* When set and non-zero, the reader stops with YJ_EINTR: a read
	 * interrupted by a signal, and the next buffer of an endless line. */
	volatile sig_atomic_t *cancel;
} yj_reader_opts;

/* Open path ("-" for standard input) and read its header (CSV/TSV).
 * On failure *out is NULL and err names the file. */
yj_status reader_open(const char *path, const yj_reader_opts *opts,
		      yj_reader **out, yj_error *err);

/* Read the next record.  Returns 1 with *cells (*ncells entries, equal to
 * reader_nfields() after the call) and *line (the line the record starts
 * on), 0 at end of input, -1 on error (err filled). */
int reader_next(yj_reader *r, const yj_cell **cells, size_t *ncells,
		long *line, yj_error *err);

/* Field names.  For JSON lines the set grows as new keys appear (nested
 * objects flatten to dotted names, "meta.accusation"); arrays stay JSON
 * text.  For CSV/TSV it is the header. */
size_t reader_nfields(const yj_reader *r);
const char *reader_field_name(const yj_reader *r, size_t i);

yj_format reader_format(const yj_reader *r);
/* Bytes of the file consumed so far, and its size (-1 when unknown). */
long long reader_bytes_read(const yj_reader *r);
long long reader_file_size(const yj_reader *r);

void reader_close(yj_reader *r);

#endif
