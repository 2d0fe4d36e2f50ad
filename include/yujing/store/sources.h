/*
 * sources.h - the catalogue of imported source tables and their fields.
 *
 * Each source's rows live in their own table (sources.data_table, e.g.
 * "raw_1") with columns row, line, c0, c1, ...; the fields table maps the
 * user's field names (any text: SQL keywords, quotes, CJK) to those columns.
 * A view named after the source ("raw:NAME") shows the rows under the
 * original field names for anyone exploring the file with sqlite3.
 */
#ifndef YUJING_STORE_SOURCES_H
#define YUJING_STORE_SOURCES_H

#include <stddef.h>

#include "yujing/base/error.h"
#include "yujing/store/project.h"

/* SQLite's default limit on the columns of a table (SQLITE_MAX_COLUMN). */
#define SOURCES_MAX_COLUMNS 2000

typedef struct yj_field_info {
	char *name;     /* as in the file header / JSON key */
	char *col;      /* column in the data table: c0, c1, ... */
	char *type;     /* integer | real | categorical | text | datetime */
	char *inferred; /* what inference said (type may be overridden) */
	char *role;     /* key | label | text | attribute */
} yj_field_info;

typedef struct yj_source_info {
	long long id;
	char *name, *key_field, *label_field; /* label_field may be NULL */
	char *file, *format, *encoding, *data_table, *imported_at;
	long long rows;
	size_t nfields;
	yj_field_info *fields;
} yj_source_info;

/* sources_list and sources_get validate what they read (the file may come
 * from someone else): data_table is raw_<id>, each field's col is c<N>
 * and a column of that table, types and roles are known; anything else
 * is YJ_ENOTPROJECT naming the source and field. */

/* All sources in name order.  The caller frees with sources_list_free(). */
yj_status sources_list(yj_project *p, yj_source_info **out, size_t *n, yj_error *err);

/* One source by name; YJ_ENOTFOUND when there is none.  Free with
 * sources_free(out, 1) (out itself is the caller's); on an error there is
 * nothing to free. */
yj_status sources_get(yj_project *p, const char *name, yj_source_info *out, yj_error *err);

/* Non-zero when a source of that name exists (0 on error too). */
int sources_exists(yj_project *p, const char *name);

/* Remove a source, its rows and its view.  Call inside a transaction. */
yj_status sources_drop(yj_project *p, const char *name, yj_error *err);

/* The SQL of the view "raw:SOURCE" import creates over `table`, whose
 * columns c0, c1, ... hold the fields names[0..n).  The project opener
 * compares a file's views with it.  Returns a malloc'd string, NULL when
 * out of memory. */
char *sources_view_sql(const char *source, const char *table, const char *const *names, size_t n);

/* Free the contents of n structs (not the array). */
void sources_free(yj_source_info *s, size_t n);
/* Free a sources_list() result. */
void sources_list_free(yj_source_info *v, size_t n);

/* Index of the field named name in s, or -1. */
long sources_field_index(const yj_source_info *s, const char *name);

/* ------------------------------------------------- writing (imports) */

/* The name of the source an import named `name` would replace (SQLite
 * compares names without regard to ASCII case, so "cases" and "Cases"
 * are one source; an exact match preferred): a malloc'd copy, or NULL
 * when there is none (or on error). */
char *sources_same_name(yj_project *p, const char *name);

/* Inside a transaction: a new catalogue entry (label may be NULL) with
 * no fields and 0 rows, its data table named rawdata_table_name(*id). */
yj_status sources_create(yj_project *p, const char *name, const char *key, const char *label,
			 const char *file, const char *format, const char *encoding, long long *id,
			 yj_error *err);

/* Inside a transaction: field `pos` of source `id`, stored in column col
 * (c<pos>). */
yj_status sources_add_field(yj_project *p, long long id, size_t pos, const char *name, const char *col,
			    const char *type, const char *inferred, const char *role, yj_error *err);

/* Inside a transaction: the row count of source `id`. */
yj_status sources_set_rows(yj_project *p, long long id, long long rows, yj_error *err);

/* Inside a transaction: give field `field` of source `id` a new type and
 * role (known names: the caller checked them and the values) and forget
 * the source's stored profile, which the old type made.  YJ_ENOTFOUND
 * when the source has no such field. */
yj_status sources_set_type(yj_project *p, long long id, const char *field, const char *type, const char *role,
			   yj_error *err);

#endif
