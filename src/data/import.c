/*
 * import.c - stream a source file into a staging table, inferring field
 * types on the way, then into the project in one short transaction.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yujing/base/i18n.h"
#include "yujing/base/strbuf.h"
#include "yujing/data/import.h"
#include "yujing/data/table.h"
#include "yujing/store/rawdata.h"
#include "yujing/store/sources.h"

typedef struct importer {
	yj_project *p;
	const yj_import_opts *o;
	const char *path;
	yj_reader *r;
	yj_nullset nulls;
	long long id;
	yj_raw_stage *stage; /* the rows read so far */
	size_t ncols;       /* columns in the staging table */
	yj_infer *inf;      /* one per column */
	size_t inf_cap;
	long key_idx;       /* column of the key, -1 until known */
	long first_keyless; /* JSON lines: first line before the key appeared */
} importer;

/* "--key @NAME": number the records 1, 2, ... into a new key field NAME,
 * for files without a case key (CAIL's JSON lines). */
static int synthetic_key(const yj_import_opts *o)
{
	return o->key[0] == '@' && o->key[1];
}

static const char *key_name(const yj_import_opts *o)
{
	return synthetic_key(o) ? o->key + 1 : o->key;
}

/* Widen the staging table to the reader's field count. */
static yj_status sync_columns(importer *im, yj_error *err)
{
	size_t n = reader_nfields(im->r);
	if (n > im->inf_cap) {
		size_t cap = n * 2;
		yj_infer *v = realloc(im->inf, cap * sizeof *v);
		if (!v)
			return error_set(err, YJ_ENOMEM, _("out of memory"));
		for (size_t i = im->inf_cap; i < cap; i++)
			infer_init(&v[i]);
		im->inf = v;
		im->inf_cap = cap;
	}
	yj_status st = rawdata_stage_columns(im->stage, n, err);
	if (!st)
		im->ncols = n;
	return st;
}

static long field_index(yj_reader *r, const char *name)
{
	for (size_t i = 0; i < reader_nfields(r); i++)
		if (!strcmp(reader_field_name(r, i), name))
			return (long)i;
	return -1;
}

/* A named field must exist: a usage error listing the fields otherwise. */
static yj_status need_field(importer *im, const char *name, const char *opt, yj_error *err)
{
	if (field_index(im->r, name) >= 0)
		return YJ_OK;
	strbuf list = STRBUF_INIT;
	for (size_t i = 0; i < reader_nfields(im->r) && i < 30; i++)
		strbuf_addf(&list, "%s%s", i ? ", " : "", reader_field_name(im->r, i));
	if (reader_nfields(im->r) > 30)
		strbuf_adds(&list, ", ...");
	error_set(err, YJ_EUSAGE, _("%s names a field that is not in the file"), opt);
	error_at(err, im->path, -1, -1, name);
	error_hint(err, _("the fields are: %s"), strbuf_str(&list));
	strbuf_free(&list);
	return YJ_EUSAGE;
}

static yj_status check_named_fields(importer *im, yj_error *err)
{
	const yj_import_opts *o = im->o;
	yj_status st;
	if (synthetic_key(o)) {
		if (field_index(im->r, key_name(o)) >= 0) {
			error_set(err, YJ_EUSAGE, _("--key @%s would number the rows into a field the file already has"),
				  key_name(o));
			error_at(err, im->path, -1, -1, key_name(o));
			error_hint(err, _("use --key %s, or another name after @"), key_name(o));
			return YJ_EUSAGE;
		}
	} else if ((st = need_field(im, o->key, "--key", err))) {
		return st;
	}
	if (o->label && (st = need_field(im, o->label, "--label", err)))
		return st;
	for (size_t i = 0; i < o->ntext; i++)
		if ((st = need_field(im, o->text[i], "--text", err)))
			return st;
	for (size_t i = 0; i < o->ntypes; i++)
		if ((st = need_field(im, o->types[i].field, "--type", err)))
			return st;
	return YJ_OK;
}

/* Options that contradict each other, checked before reading anything. */
static yj_status check_opts(const yj_import_opts *o, yj_error *err)
{
	if (!o->source || !*o->source)
		return error_set(err, YJ_EUSAGE, _("--source needs a name"));
	if (!o->key || !*o->key)
		return error_set(err, YJ_EUSAGE, _("--key needs a field name"));
	if (o->label && !strcmp(o->label, key_name(o)))
		return error_set(err, YJ_EUSAGE, _("the key field cannot also be the label"));
	for (size_t i = 0; i < o->ntext; i++) {
		if (!strcmp(o->text[i], key_name(o)) || (o->label && !strcmp(o->text[i], o->label))) {
			error_set(err, YJ_EUSAGE, _("a text field cannot also be the key or the label"));
			error_at(err, NULL, -1, -1, o->text[i]);
			return YJ_EUSAGE;
		}
		for (size_t j = 0; j < o->ntypes; j++)
			if (!strcmp(o->types[j].field, o->text[i]) && o->types[j].type != FTYPE_TEXT) {
				error_set(err, YJ_EUSAGE, _("--text and --type give this field different types"));
				error_at(err, NULL, -1, -1, o->text[i]);
				return YJ_EUSAGE;
			}
	}
	return YJ_OK;
}

static yj_status write_fields(importer *im, yj_error *err)
{
	const yj_import_opts *o = im->o;
	char col[32];
	yj_status ret;
	for (size_t i = 0; i < im->ncols; i++) {
		const char *name = reader_field_name(im->r, i);
		yj_ftype inferred = infer_type_named(&im->inf[i], name), type = inferred;
		yj_role role = ROLE_ATTRIBUTE;
		if (!synthetic_key(o) && !strcmp(name, o->key))
			role = ROLE_KEY;
		else if (o->label && !strcmp(name, o->label))
			role = ROLE_LABEL;
		for (size_t k = 0; k < o->ntext; k++)
			if (!strcmp(name, o->text[k]))
				role = ROLE_TEXT, type = FTYPE_TEXT;
		for (size_t k = 0; k < o->ntypes; k++)
			if (!strcmp(name, o->types[k].field))
				type = o->types[k].type;
		const char *bad_value = NULL;
		long bad = infer_conflict(&im->inf[i], type, &bad_value);
		if (bad) {
			ret = error_set(err, YJ_EDATA, _("the value '%s' is not of type %s"), bad_value,
					ftype_name(type));
			error_at(err, im->path, bad, -1, name);
			error_hint(err, _("without --type the field would be %s"), ftype_name(inferred));
			return ret;
		}
		snprintf(col, sizeof col, "c%zu", i);
		if ((ret = sources_add_field(im->p, im->id, i, name, col, ftype_name(type), ftype_name(inferred),
					     role_name(role), err)))
			return ret;
	}
	if (!synthetic_key(o))
		return YJ_OK;
	snprintf(col, sizeof col, "c%zu", im->ncols);
	return sources_add_field(im->p, im->id, im->ncols, key_name(o), col, "integer", "integer", "key", err);
}

/* The view "raw:NAME" with the original field names (sources_view_sql:
 * the project opener checks a file's views against the same text). */
static yj_status write_view(importer *im, yj_error *err)
{
	size_t n = im->ncols + (synthetic_key(im->o) ? 1 : 0);
	const char **names = malloc((n ? n : 1) * sizeof *names);
	if (!names)
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	for (size_t i = 0; i < im->ncols; i++)
		names[i] = reader_field_name(im->r, i);
	if (synthetic_key(im->o))
		names[im->ncols] = key_name(im->o);
	yj_status st = rawdata_create_view(im->p, im->o->source, im->id, names, n, err);
	free(names);
	return st;
}

static yj_status load_nulls(importer *im, yj_error *err)
{
	return table_nullset(im->p, &im->nulls, err);
}

static yj_status import_rows(importer *im, yj_import_result *res, yj_error *err)
{
	yj_progress *pg = im->o->progress;
	const yj_cell *cells;
	size_t n;
	long line;
	long long rows = 0;
	int k;
	yj_status st;
	while ((k = reader_next(im->r, &cells, &n, &line, err)) == 1) {
		if (n != im->ncols) {
			if ((st = sync_columns(im, err)))
				return st;
		}
		if (im->key_idx < 0 && !synthetic_key(im->o))
			im->key_idx = field_index(im->r, im->o->key);
		if (!synthetic_key(im->o) && (im->key_idx < 0 || cells[im->key_idx].is_null ||
		    nullset_is_null(NULL, cells[im->key_idx].s, cells[im->key_idx].len))) {
			/* In JSON lines the key may simply be a name no object has:
			 * remember the line and decide at the end. */
			if (im->key_idx < 0 && reader_format(im->r) == FORMAT_JSONL) {
				if (!im->first_keyless)
					im->first_keyless = line;
			} else {
				error_set(err, YJ_EDATA, _("the case key is empty"));
				error_at(err, im->path, line, -1, im->o->key);
				error_hint(err, _("every row needs a case key; fix the row or choose another --key"));
				return YJ_EDATA;
			}
		}
		for (size_t i = 0; i < n; i++) {
			const yj_cell *c = &cells[i];
			rawdata_stage_bind(im->stage, i, c->is_null ? NULL : c->s, c->len);
			if (c->is_null)
				continue;
			if (!nullset_is_null(&im->nulls, c->s, c->len) &&
			    infer_add(&im->inf[i], c->s, c->len, line))
				return error_set(err, YJ_ENOMEM, _("out of memory"));
		}
		if ((st = rawdata_stage_row(im->stage, line, err))) {
			error_at(err, im->path, line, -1, NULL);
			return st;
		}
		rows++;
		if ((rows & 4095) == 0) {
			if (progress_cancelled(pg)) {
				error_set(err, YJ_EINTR, _("interrupted; nothing was imported"));
				error_at(err, im->path, line, -1, NULL);
				return YJ_EINTR;
			}
			long long size = reader_file_size(im->r);
			progress_tick(pg, "import", "rows", rows, -1,
				      size > 0 ? (double)reader_bytes_read(im->r) / (double)size : -1, 0);
		}
	}
	if (k < 0)
		return err->status ? err->status : YJ_EDATA;
	if (progress_cancelled(pg)) {
		error_set(err, YJ_EINTR, _("interrupted; nothing was imported"));
		error_at(err, im->path, -1, -1, NULL);
		return YJ_EINTR;
	}
	if (im->ncols != reader_nfields(im->r) && (st = sync_columns(im, err)))
		return st;
	res->rows = rows;
	progress_tick(pg, "import", "rows", rows, rows, 1.0, 1);
	return YJ_OK;
}

yj_status import_file(yj_project *p, const char *path, const yj_import_opts *o,
		      yj_import_result *res_out, yj_error *err)
{
	importer im;
	memset(&im, 0, sizeof im);
	im.p = p;
	im.o = o;
	im.path = path;
	im.key_idx = -1;
	yj_import_result res = {0};
	double t0 = progress_now();
	int in_tx = 0;
	char *old = NULL; /* the source replaced */
	yj_status st;

	error_clear(err);
	progress_start(o->progress);
	if ((st = check_opts(o, err)))
		goto out;
	old = sources_same_name(p, o->source);
	if (old && !o->replace) {
		st = error_set(err, YJ_EEXIST, _("the project already has a source named '%s'"), old);
		error_hint(err, _("add its new rows with --append, or predict new cases with "
				  "'yujing predict PROJECT --source %s=FILE'"), old);
		goto out;
	}
	if ((st = load_nulls(&im, err)))
		goto out;
	yj_reader_opts ro = {.format = o->format,
			     .encoding = o->encoding,
			     .cancel = o->progress ? o->progress->cancel : NULL};
	if ((st = reader_open(path, &ro, &im.r, err)))
		goto out;
	if (reader_format(im.r) != FORMAT_JSONL && (st = check_named_fields(&im, err)))
		goto out;
	/* 1. the rows, into the staging table: the project is not locked */
	if ((st = rawdata_stage_new(p, &im.stage, err)) || (st = sync_columns(&im, err)) ||
	    (st = import_rows(&im, &res, err)))
		goto out;
	if (reader_format(im.r) == FORMAT_JSONL && (st = check_named_fields(&im, err)))
		goto out;
	if (im.first_keyless) {
		st = error_set(err, YJ_EDATA, _("the case key is empty"));
		error_at(err, path, im.first_keyless, -1, o->key);
		error_hint(err, _("every row needs a case key; fix the row or choose another --key"));
		goto out;
	}
	if ((st = rawdata_stage_finish(im.stage, err)))
		goto out;
	/* 2. one short write transaction */
	if ((st = project_begin(p, err)))
		goto out;
	in_tx = 1;
	if (o->replace) {
		free(old); /* again, now that no one else can write */
		old = sources_same_name(p, o->source);
		if (old && (st = sources_drop(p, old, err)))
			goto out;
	}
	if ((st = sources_create(p, o->source, key_name(o), o->label, path, reader_format_name(reader_format(im.r)),
				 o->encoding ? o->encoding : "utf-8", &im.id, err)) ||
	    (st = rawdata_stage_copy(im.stage, im.id, synthetic_key(o), err)) ||
	    (st = write_fields(&im, err)) || (st = write_view(&im, err)) ||
	    (st = sources_set_rows(p, im.id, res.rows, err)))
		goto out;
	if ((st = project_commit(p, err)))
		goto out;
	in_tx = 0;
	res.nfields = im.ncols + (synthetic_key(o) ? 1 : 0);
	res.bytes = reader_bytes_read(im.r);
	res.seconds = progress_now() - t0;
	if (res_out)
		*res_out = res;
out:
	if (in_tx)
		project_rollback(p);
	rawdata_stage_free(im.stage);
	if (st == YJ_EINTR) {
		error_set(err, YJ_EINTR, _("interrupted; nothing was imported"));
		error_at(err, path, -1, -1, NULL);
	} else if (st && st != YJ_EUSAGE && !err->file[0]) {
		error_at(err, path, err->line, err->offset, NULL);
	}
	reader_close(im.r);
	nullset_free(&im.nulls);
	for (size_t i = 0; i < im.inf_cap; i++)
		infer_free(&im.inf[i]);
	free(im.inf);
	free(old);
	return st;
}
