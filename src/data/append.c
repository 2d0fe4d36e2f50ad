/*
 * append.c - add new rows to an existing source (append.h).
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yujing/base/i18n.h"
#include "yujing/base/strbuf.h"
#include "yujing/data/append.h"
#include "yujing/data/table.h"
#include "yujing/store/rawdata.h"
#include "yujing/store/sources.h"

typedef struct appender {
	yj_project *p;
	const char *path;
	yj_source_info s;
	yj_reader *r;
	yj_nullset nulls;
	long *col_of;      /* (reader field) the source field it feeds */
	size_t ncol_of;
	long key;          /* the key's source field */
	yj_infer *inf;     /* (source field) */
	yj_raw_appender *ra;
} appender;

/* Map the reader's fields (those not mapped yet) onto the source's: a
 * field the source lacks is an error naming it. */
static yj_status map_fields(appender *a, yj_error *err)
{
	size_t n = reader_nfields(a->r);
	if (n <= a->ncol_of)
		return YJ_OK;
	long *v = realloc(a->col_of, n * sizeof *v);
	if (!v)
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	a->col_of = v;
	for (size_t i = a->ncol_of; i < n; i++) {
		const char *name = reader_field_name(a->r, i);
		v[i] = sources_field_index(&a->s, name);
		if (v[i] < 0) {
			error_set(err, YJ_EUSAGE, _("source '%s' has no field '%s'; --append wants the same fields"),
				  a->s.name, name);
			error_at(err, a->path, -1, -1, name);
			error_hint(err, _("import a source with other fields under another name"));
			return YJ_EUSAGE;
		}
	}
	a->ncol_of = n;
	return YJ_OK;
}

/* Every field of the source is in the file. */
static yj_status all_fields(appender *a, yj_error *err)
{
	for (size_t f = 0; f < a->s.nfields; f++) {
		int found = 0;
		for (size_t i = 0; i < a->ncol_of && !found; i++)
			found = a->col_of[i] == (long)f;
		if (!found) {
			error_set(err, YJ_EUSAGE, _("the file lacks field '%s' of source '%s'; --append wants the same fields"),
				  a->s.fields[f].name, a->s.name);
			error_at(err, a->path, -1, -1, a->s.fields[f].name);
			return YJ_EUSAGE;
		}
	}
	return YJ_OK;
}

/* The rows, each checked and inserted; *rows counts them.  Keys are
 * looked up among the source's rows from before the append. */
static yj_status append_rows(appender *a, long long *rows, yj_progress *pg, yj_error *err)
{
	const yj_cell *cells;
	size_t n;
	long line;
	int k;
	yj_status st;
	while ((k = reader_next(a->r, &cells, &n, &line, err)) == 1) {
		if ((st = map_fields(a, err)))
			return st;
		rawdata_append_row_start(a->ra, line);
		const yj_cell *key = NULL;
		for (size_t i = 0; i < n; i++) {
			const yj_cell *c = &cells[i];
			long f = a->col_of[i];
			if (f == a->key)
				key = c;
			if (c->is_null)
				continue;
			rawdata_append_set(a->ra, (size_t)f, c->s, c->len);
			if (!nullset_is_null(&a->nulls, c->s, c->len) && infer_add(&a->inf[f], c->s, c->len, line))
				return error_set(err, YJ_ENOMEM, _("out of memory"));
		}
		if (!key || key->is_null || nullset_is_null(NULL, key->s, key->len)) {
			error_set(err, YJ_EDATA, _("the case key is empty"));
			error_at(err, a->path, line, -1, a->s.key_field);
			return YJ_EDATA;
		}
		int seen = 0;
		if ((st = rawdata_append_key_seen(a->ra, key->s, key->len, &seen, err))) {
			error_at(err, a->path, line, -1, NULL);
			return st;
		}
		if (seen) {
			error_set(err, YJ_EDATA, _("case '%s' is already in source '%s'"), key->s, a->s.name);
			error_at(err, a->path, line, -1, a->s.key_field);
			error_hint(err, _("--append adds new cases' rows; nothing was imported"));
			return YJ_EDATA;
		}
		if ((st = rawdata_append_insert(a->ra, err))) {
			error_at(err, a->path, line, -1, NULL);
			return st;
		}
		if ((++*rows & 4095) == 0 && progress_cancelled(pg)) {
			error_set(err, YJ_EINTR, _("interrupted; nothing was imported"));
			error_at(err, a->path, line, -1, NULL);
			return YJ_EINTR;
		}
	}
	if (k < 0)
		return err->status ? err->status : YJ_EDATA;
	if ((st = map_fields(a, err)) || (st = all_fields(a, err)))
		return st;
	for (size_t f = 0; f < a->s.nfields; f++) {
		const char *bad_value = NULL;
		int t = ftype_parse(a->s.fields[f].type);
		long bad = t < 0 ? 0 : infer_conflict(&a->inf[f], (yj_ftype)t, &bad_value);
		if (bad) {
			error_set(err, YJ_EDATA, _("the value '%s' is not of type %s"), bad_value, a->s.fields[f].type);
			error_at(err, a->path, bad, -1, a->s.fields[f].name);
			return YJ_EDATA;
		}
	}
	return YJ_OK;
}

yj_status import_append(yj_project *p, const char *path, const yj_import_opts *o, yj_import_result *res_out,
			yj_error *err)
{
	appender a;
	memset(&a, 0, sizeof a);
	a.p = p;
	a.path = path;
	yj_import_result res = {0};
	double t0 = progress_now();
	int in_tx = 0, have_src = 0;
	yj_status st;
	error_clear(err);
	progress_start(o->progress);
	if ((st = sources_get(p, o->source, &a.s, err))) {
		if (st == YJ_ENOTFOUND) {
			error_set(err, YJ_EUSAGE, _("the project has no source '%s' to append to"), o->source);
			error_hint(err, _("import it without --append first"));
			st = YJ_EUSAGE;
		}
		goto out;
	}
	have_src = 1;
	a.key = a.s.key_field ? sources_field_index(&a.s, a.s.key_field) : -1;
	if (a.key < 0) {
		st = error_set(err, YJ_EDATA, _("source '%s' has no key field"), a.s.name);
		goto out;
	}
	if (o->key && strcmp(o->key, a.s.key_field)) {
		st = error_set(err, YJ_EUSAGE, _("source '%s' has the key field '%s', not '%s'"), a.s.name,
			       a.s.key_field, o->key);
		goto out;
	}
	if (!(a.inf = calloc(a.s.nfields ? a.s.nfields : 1, sizeof *a.inf))) {
		st = error_set(err, YJ_ENOMEM, _("out of memory"));
		goto out;
	}
	for (size_t f = 0; f < a.s.nfields; f++)
		infer_init(&a.inf[f]);
	if ((st = table_nullset(p, &a.nulls, err)))
		goto out;
	int fmt = o->format != FORMAT_AUTO ? (int)o->format : FORMAT_AUTO;
	yj_reader_opts ro = {.format = (yj_format)fmt,
			     .encoding = o->encoding ? o->encoding : a.s.encoding,
			     .cancel = o->progress ? o->progress->cancel : NULL};
	if ((st = reader_open(path, &ro, &a.r, err)) || (st = map_fields(&a, err)))
		goto out;
	if (reader_format(a.r) != FORMAT_JSONL && (st = all_fields(&a, err)))
		goto out;
	if ((st = project_begin(p, err)))
		goto out;
	in_tx = 1;
	if ((st = rawdata_append_open(p, &a.s, a.key, &a.ra, err)) ||
	    (st = append_rows(&a, &res.rows, o->progress, err)) ||
	    (st = sources_set_rows(p, a.s.id, a.s.rows + res.rows, err)))
		goto out;
	rawdata_append_free(a.ra);
	a.ra = NULL;
	if ((st = project_commit(p, err)))
		goto out;
	in_tx = 0;
	res.nfields = a.s.nfields;
	res.bytes = reader_bytes_read(a.r);
	res.seconds = progress_now() - t0;
	progress_tick(o->progress, "import", "rows", res.rows, res.rows, 1.0, 1);
	if (res_out)
		*res_out = res;
out:
	rawdata_append_free(a.ra);
	if (in_tx)
		project_rollback(p);
	if (st && st != YJ_EUSAGE && !err->file[0])
		error_at(err, path, err->line, err->offset, NULL);
	reader_close(a.r);
	nullset_free(&a.nulls);
	for (size_t f = 0; a.inf && f < a.s.nfields; f++)
		infer_free(&a.inf[f]);
	free(a.inf);
	free(a.col_of);
	if (have_src)
		sources_free(&a.s, 1);
	return st;
}
