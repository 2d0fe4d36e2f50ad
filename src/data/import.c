/*
 * import.c - stream a source file into the project in one transaction,
 * inferring field types on the way.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yujing/base/i18n.h"
#include "yujing/base/strbuf.h"
#include "yujing/data/import.h"
#include "yujing/store/sources.h"

typedef struct importer {
	yj_project *p;
	sqlite3 *db;
	const yj_import_opts *o;
	const char *path;
	yj_reader *r;
	yj_nullset nulls;
	long long id;
	char table[64];
	sqlite3_stmt *ins;  /* INSERT for the current column count */
	size_t ncols;       /* columns in the data table */
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

static yj_status db_fail(importer *im, int rc, const char *what, yj_error *err)
{
	yj_status st = store_sqlite_error(im->db, rc, what, err);
	error_at(err, im->path, -1, -1, NULL);
	return st;
}

static yj_status exec_sql(importer *im, const char *sql, const char *what, yj_error *err)
{
	int rc = sqlite3_exec(im->db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? YJ_OK : db_fail(im, rc, what, err);
}

/* Add data-table columns up to the reader's field count and prepare the
 * INSERT for them. */
static yj_status sync_columns(importer *im, yj_error *err)
{
	size_t n = reader_nfields(im->r);
	if (n == im->ncols && im->ins)
		return YJ_OK;
	strbuf sql = STRBUF_INIT;
	yj_status st = YJ_OK;
	if (n > im->inf_cap) {
		size_t cap = n * 2;
		yj_infer *v = realloc(im->inf, cap * sizeof *v);
		if (!v) {
			st = error_set(err, YJ_ENOMEM, _("out of memory"));
			goto out;
		}
		for (size_t i = im->inf_cap; i < cap; i++)
			infer_init(&v[i]);
		im->inf = v;
		im->inf_cap = cap;
	}
	for (size_t i = im->ncols; i < n; i++) {
		strbuf_reset(&sql);
		strbuf_addf(&sql, "ALTER TABLE %s ADD COLUMN c%zu", im->table, i);
		if ((st = exec_sql(im, strbuf_str(&sql), _("adding a column"), err)))
			goto out;
	}
	im->ncols = n;
	sqlite3_finalize(im->ins);
	im->ins = NULL;
	strbuf_reset(&sql);
	strbuf_addf(&sql, "INSERT INTO %s (line", im->table);
	for (size_t i = 0; i < n; i++)
		strbuf_addf(&sql, ", c%zu", i);
	strbuf_adds(&sql, ") VALUES (?");
	for (size_t i = 0; i < n; i++)
		strbuf_adds(&sql, ", ?");
	strbuf_adds(&sql, ")");
	if (!sql.buf) {
		st = error_set(err, YJ_ENOMEM, _("out of memory"));
		goto out;
	}
	int rc = sqlite3_prepare_v2(im->db, strbuf_str(&sql), -1, &im->ins, NULL);
	if (rc != SQLITE_OK)
		st = db_fail(im, rc, _("preparing the import"), err);
out:
	strbuf_free(&sql);
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
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(im->db,
				    "INSERT INTO fields (source_id, pos, name, col, type, inferred, role)"
				    " VALUES (?, ?, ?, ?, ?, ?, ?)",
				    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_fail(im, rc, _("recording fields"), err);
	yj_status ret = YJ_OK;
	for (size_t i = 0; i < im->ncols; i++) {
		const char *name = reader_field_name(im->r, i);
		yj_ftype inferred = infer_type(&im->inf[i]), type = inferred;
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
			break;
		}
		char col[32];
		snprintf(col, sizeof col, "c%zu", i);
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, im->id);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
		sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, col, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 5, ftype_name(type), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, ftype_name(inferred), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, role_name(role), -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc != SQLITE_DONE) {
			ret = db_fail(im, rc, _("recording fields"), err);
			break;
		}
	}
	if (!ret && synthetic_key(o)) {
		char col[32];
		snprintf(col, sizeof col, "c%zu", im->ncols);
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, im->id);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)im->ncols);
		sqlite3_bind_text(st, 3, key_name(o), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, col, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 5, "integer", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, "integer", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, "key", -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			ret = db_fail(im, sqlite3_errcode(im->db), _("recording fields"), err);
	}
	sqlite3_finalize(st);
	return ret;
}

/* The synthetic key column: the row number (rows are numbered in file
 * order from 1). */
static yj_status write_synthetic_key(importer *im, yj_error *err)
{
	char sql[256];
	snprintf(sql, sizeof sql, "ALTER TABLE %s ADD COLUMN c%zu; UPDATE %s SET c%zu = CAST(row AS TEXT)",
		 im->table, im->ncols, im->table, im->ncols);
	return exec_sql(im, sql, _("numbering the rows"), err);
}

/* The view "raw:NAME" with the original field names (sources_view_sql:
 * the project opener checks a file's views against the same text). */
static yj_status write_view(importer *im, yj_error *err)
{
	size_t n = im->ncols + (synthetic_key(im->o) ? 1 : 0);
	const char **names = malloc((n ? n : 1) * sizeof *names);
	char *sql = NULL;
	yj_status st = YJ_OK;
	if (names) {
		for (size_t i = 0; i < im->ncols; i++)
			names[i] = reader_field_name(im->r, i);
		if (n > im->ncols)
			names[im->ncols] = key_name(im->o);
		sql = sources_view_sql(im->o->source, im->table, names, n);
	}
	if (!sql)
		st = error_set(err, YJ_ENOMEM, _("out of memory"));
	else
		st = exec_sql(im, sql, _("creating the source view"), err);
	free(names);
	free(sql);
	return st;
}

static yj_status create_source(importer *im, yj_error *err)
{
	const yj_import_opts *o = im->o;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(im->db,
				    "INSERT INTO sources (name, key_field, label_field, file, format,"
				    " encoding, data_table) VALUES (?, ?, ?, ?, ?, ?, 'raw_new')",
				    -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, o->source, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, key_name(o), -1, SQLITE_STATIC);
		if (o->label)
			sqlite3_bind_text(st, 3, o->label, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, im->path, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, reader_format_name(reader_format(im->r)), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, o->encoding ? o->encoding : "utf-8", -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_OK)
		return db_fail(im, rc, _("recording the source"), err);
	im->id = sqlite3_last_insert_rowid(im->db);
	snprintf(im->table, sizeof im->table, "raw_%lld", im->id);
	char sql[256];
	snprintf(sql, sizeof sql,
		 "UPDATE sources SET data_table = '%s' WHERE id = %lld;"
		 "CREATE TABLE %s (row INTEGER PRIMARY KEY, line INTEGER NOT NULL)",
		 im->table, im->id, im->table);
	return exec_sql(im, sql, _("creating the source table"), err);
}

static yj_status load_nulls(importer *im, yj_error *err)
{
	char *json = NULL;
	yj_status st = project_setting_get(im->p, "null_markers", &json, err);
	if (st)
		return st;
	if (nullset_parse(&im->nulls, json ? json : PROJECT_DEFAULT_NULL_MARKERS)) {
		st = error_set(err, YJ_EDATA, _("the project setting null_markers is not a JSON array of strings"));
	}
	free(json);
	return st;
}

/* The source that an import named `name` would replace, or NULL (a
 * malloc'd name).  SQLite compares names without regard to ASCII case, so
 * the view of "cases" would clash with that of "Cases": they are one
 * source, an exact match preferred. */
static char *same_source(yj_project *p, const char *name)
{
	sqlite3_stmt *st = NULL;
	char *found = NULL;
	if (sqlite3_prepare_v2(project_db(p),
			       "SELECT name FROM sources WHERE name = ?1 COLLATE NOCASE ORDER BY name <> ?1 LIMIT 1",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			found = strdup((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	return found;
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
		sqlite3_stmt *ins = im->ins;
		sqlite3_bind_int64(ins, 1, line);
		for (size_t i = 0; i < n; i++) {
			const yj_cell *c = &cells[i];
			if (c->is_null) {
				sqlite3_bind_null(ins, (int)i + 2);
				continue;
			}
			sqlite3_bind_text(ins, (int)i + 2, c->s, (int)c->len, SQLITE_STATIC);
			if (!nullset_is_null(&im->nulls, c->s, c->len) &&
			    infer_add(&im->inf[i], c->s, c->len, line))
				return error_set(err, YJ_ENOMEM, _("out of memory"));
		}
		int rc = sqlite3_step(ins);
		sqlite3_reset(ins);
		if (rc != SQLITE_DONE) {
			st = db_fail(im, rc, _("storing a row"), err);
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
	im.db = project_db(p);
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
	old = same_source(p, o->source);
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
	if ((st = project_begin(p, err)))
		goto out;
	in_tx = 1;
	if (o->replace) {
		free(old); /* again, now that no one else can write */
		old = same_source(p, o->source);
		if (old && (st = sources_drop(p, old, err)))
			goto out;
	}
	if ((st = create_source(&im, err)) || (st = sync_columns(&im, err)) ||
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
	if (synthetic_key(o) && (st = write_synthetic_key(&im, err)))
		goto out;
	if ((st = write_fields(&im, err)) || (st = write_view(&im, err)))
		goto out;
	char sql[128];
	snprintf(sql, sizeof sql, "UPDATE sources SET rows = %lld WHERE id = %lld", res.rows, im.id);
	if ((st = exec_sql(&im, sql, _("recording the source"), err)))
		goto out;
	sqlite3_finalize(im.ins);
	im.ins = NULL;
	if ((st = project_commit(p, err)))
		goto out;
	in_tx = 0;
	res.nfields = im.ncols + (synthetic_key(o) ? 1 : 0);
	res.bytes = reader_bytes_read(im.r);
	res.seconds = progress_now() - t0;
	if (res_out)
		*res_out = res;
out:
	sqlite3_finalize(im.ins);
	if (in_tx)
		project_rollback(p);
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
