/*
 * rawdata.h - the raw data tables of imported sources ("raw_N": columns
 * row, line, c0, c1, ...) and their views ("raw:NAME").
 *
 * Reading goes through a cursor over a source's rows in row order.  An
 * import stages its rows first in a temporary table of the connection (no
 * lock on the project) and then copies them into the project in one
 * short write transaction (rawdata_stage_copy()), so a long import never
 * holds the write lock while it parses.
 *
 * Every identifier in the SQL is either quoted (table and view names,
 * field names) or a column name checked to be c<N>: a project file made
 * by someone else is data, never code.
 */
#ifndef YUJING_STORE_RAWDATA_H
#define YUJING_STORE_RAWDATA_H

#include <stddef.h>
#include <stdint.h>

#include "yujing/base/error.h"
#include "yujing/store/project.h"
#include "yujing/store/sources.h"

/* Is name a data-table column yujing makes ("c" and decimal digits, no
 * leading zero)? */
int rawdata_valid_col(const char *name);

/* ------------------------------------------------------------- reading */

typedef struct yj_raw_cursor yj_raw_cursor;

/* A cursor over the rows of source s (row, line and every field of s, in
 * field order).  YJ_EDATA naming the field when the catalogue names a
 * column that is not c<N>. */
yj_status rawdata_open(yj_project *p, const yj_source_info *s, yj_raw_cursor **out, yj_error *err);

/* The next row: 1 with *row and *line set, 0 at the end, -1 on error
 * (err filled). */
int rawdata_next(yj_raw_cursor *c, int64_t *row, int64_t *line, yj_error *err);

/* Field i of the current row: its text and *len in bytes, NULL for SQL
 * NULL.  Valid until the next rawdata_next(). */
const char *rawdata_cell(yj_raw_cursor *c, size_t i, size_t *len);

void rawdata_close(yj_raw_cursor *c);

/* ------------------------------------------------------------- staging */

typedef struct yj_raw_stage yj_raw_stage;

/* A new, empty staging table (temporary, private to this connection). */
yj_status rawdata_stage_new(yj_project *p, yj_raw_stage **out, yj_error *err);

/* Widen the staging table to n value columns c0 .. c<n-1> (never
 * narrows). */
yj_status rawdata_stage_columns(yj_raw_stage *s, size_t n, yj_error *err);

/* Bind value i of the next row: text s[0..len) (kept by reference until
 * rawdata_stage_row()), or SQL NULL when s is NULL. */
void rawdata_stage_bind(yj_raw_stage *s, size_t i, const char *text, size_t len);

/* Store the bound row with its input line; values not bound are NULL.
 * Rows are numbered 1, 2, ... in the order stored. */
yj_status rawdata_stage_row(yj_raw_stage *s, long line, yj_error *err);

/* End the staging (commits the temporary table; the project is not
 * touched).  Call before the write transaction of rawdata_stage_copy(). */
yj_status rawdata_stage_finish(yj_raw_stage *s, yj_error *err);

/* Inside the caller's write transaction: create the data table of source
 * `source_id` (rawdata_table_name()) with the staged columns (plus, when
 * synthetic_key, one more column holding each row's number as text) and
 * copy the staged rows into it. */
yj_status rawdata_stage_copy(yj_raw_stage *s, long long source_id, int synthetic_key, yj_error *err);

/* Drop the staging table and free (NULL is fine). */
void rawdata_stage_free(yj_raw_stage *s);

/* ---------------------------------------------------------------- views */

/* The data table of source `id`: "raw_<id>" into buf.  Made from an
 * integer, never read from the file, it goes into SQL unquoted: the
 * schema text stays that of older projects. */
void rawdata_table_name(long long id, char *buf, size_t size);

/* Inside a transaction: the view "raw:SOURCE" over the data table of
 * source `source_id`, showing column c<i> as names[i] (n names; no names:
 * the row id). */
yj_status rawdata_create_view(yj_project *p, const char *source, long long source_id,
			      const char *const *names, size_t n, yj_error *err);

/* Appending rows to a source's table (import --append), inside the
 * caller's transaction (project_begin).  open reads the table's last row
 * (keys are looked up up to it, so an appended file may repeat a key of its
 * own) and prepares the statements; per row: row_start, set each non-null
 * field (borrowed bytes, valid until insert), key_seen, insert. */
typedef struct yj_raw_appender yj_raw_appender;
yj_status rawdata_append_open(yj_project *p, const yj_source_info *s, long key_field, yj_raw_appender **out,
			      yj_error *err);
void rawdata_append_row_start(yj_raw_appender *a, long line);
void rawdata_append_set(yj_raw_appender *a, size_t field, const char *v, size_t len);
/* *seen = 1 when the source held the key before the append. */
yj_status rawdata_append_key_seen(yj_raw_appender *a, const char *key, size_t len, int *seen, yj_error *err);
yj_status rawdata_append_insert(yj_raw_appender *a, yj_error *err);
void rawdata_append_free(yj_raw_appender *a);

#endif
