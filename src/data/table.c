/*
 * table.c - load a source table into dictionary-encoded columns.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yujing/base/i18n.h"
#include "yujing/base/strbuf.h"
#include "yujing/base/utf8.h"
#include "yujing/data/datetime.h"
#include "yujing/data/reader.h"
#include "yujing/data/table.h"
#include "yujing/store/rawdata.h"

int ftype_is_numeric(yj_ftype t)
{
	return t == FTYPE_INTEGER || t == FTYPE_REAL;
}

long table_col(const yj_table *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (!strcmp(t->cols[i].name, name))
			return (long)i;
	return -1;
}

yj_status table_nullset(yj_project *p, yj_nullset *ns, yj_error *err)
{
	char *json = NULL;
	yj_status st = project_setting_get(p, "null_markers", &json, err);
	if (st)
		return st;
	int r = nullset_parse(ns, json ? json : PROJECT_DEFAULT_NULL_MARKERS);
	if (r == -2)
		st = error_set(err, YJ_ENOMEM, _("out of memory"));
	else if (r)
		st = error_set(err, YJ_EDATA,
			       _("the project setting null_markers is not a JSON array of strings"));
	free(json);
	return st;
}

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

static int dict_grow(yj_column *c)
{
	size_t cap = c->dict_cap ? c->dict_cap * 2 : 64;
#define GROW(field)                                                           \
	do {                                                                  \
		void *p_ = realloc(c->field, cap * sizeof *c->field);         \
		if (!p_)                                                      \
			return -1;                                            \
		c->field = p_;                                                \
	} while (0)
	GROW(value);
	GROW(len);
	GROW(count);
	GROW(is_null);
	GROW(num);
	GROW(chars);
#undef GROW
	c->dict_cap = cap;
	return 0;
}

static int slots_rebuild(yj_column *c, size_t nslots)
{
	uint64_t *s = malloc(nslots * sizeof *s);
	if (!s)
		return -1;
	memset(s, 0xff, nslots * sizeof *s);
	for (size_t e = 1; e < c->ndict; e++) {
		uint64_t h = hash_bytes(c->value[e], c->len[e]);
		size_t i = h & (nslots - 1);
		while (s[i] != UINT64_MAX)
			i = (i + 1) & (nslots - 1);
		s[i] = (h & 0xffffffff00000000ULL) | e;
	}
	free(c->slots);
	c->slots = s;
	c->nslots = nslots;
	return 0;
}

/* Value properties of a new dictionary entry. */
static void entry_props(yj_column *c, size_t e, const yj_nullset *ns)
{
	const char *s = c->value[e];
	size_t n = c->len[e];
	c->is_null[e] = nullset_is_null(ns, s, n);
	c->chars[e] = (uint32_t)utf8_count(s, n);
	c->num[e] = NAN;
	if (c->is_null[e])
		return;
	if (ftype_is_numeric(c->type)) {
		double v;
		if (value_parse_real(s, n, &v))
			c->num[e] = v;
	} else if (c->type == FTYPE_DATETIME) {
		yj_datetime dt;
		if (datetime_parse(s, n, &dt))
			c->num[e] = datetime_epoch(&dt);
	}
}

/* Room for n bytes of value text (64 KiB blocks; a longer value gets a
 * block of its own). */
static char *text_alloc(yj_column *c, size_t n)
{
	if (!c->nblocks || n > c->block_size - c->block_used) {
		size_t size = n > 65536 ? n : 65536;
		char **b = realloc(c->blocks, (c->nblocks + 1) * sizeof *b);
		if (!b)
			return NULL;
		c->blocks = b;
		if (!(b[c->nblocks] = malloc(size)))
			return NULL;
		c->nblocks++;
		c->block_used = 0;
		c->block_size = size;
	}
	char *p = c->blocks[c->nblocks - 1] + c->block_used;
	c->block_used += n;
	return p;
}

/* Code of s[0..n) in c, adding it when new.  UINT32_MAX when out of
 * memory. */
static uint32_t dict_code(yj_column *c, const char *s, size_t n, const yj_nullset *ns)
{
	if ((c->ndict + 1) * 2 > c->nslots && slots_rebuild(c, c->nslots ? c->nslots * 2 : 256))
		return UINT32_MAX;
	uint64_t h = hash_bytes(s, n), tag = h & 0xffffffff00000000ULL;
	size_t i = h & (c->nslots - 1);
	while (c->slots[i] != UINT64_MAX) {
		uint64_t v = c->slots[i];
		uint32_t e = (uint32_t)v;
		if ((v & 0xffffffff00000000ULL) == tag && c->len[e] == n && !memcmp(c->value[e], s, n))
			return e;
		i = (i + 1) & (c->nslots - 1);
	}
	if (c->ndict == c->dict_cap && dict_grow(c))
		return UINT32_MAX;
	size_t e = c->ndict;
	char *copy = text_alloc(c, n + 1);
	if (!copy)
		return UINT32_MAX;
	memcpy(copy, s, n);
	copy[n] = '\0';
	c->value[e] = copy;
	c->len[e] = (uint32_t)n;
	c->count[e] = 0;
	entry_props(c, e, ns);
	c->ndict++;
	c->slots[i] = tag | e;
	return (uint32_t)e;
}

static int column_init(yj_column *c, const yj_field_info *f, size_t nrows)
{
	memset(c, 0, sizeof *c);
	c->name = f->name;
	int t = ftype_parse(f->type), r = role_parse(f->role);
	c->type = t < 0 ? FTYPE_CATEGORICAL : (yj_ftype)t;
	c->role = r < 0 ? ROLE_ATTRIBUTE : (yj_role)r;
	c->code = malloc((nrows ? nrows : 1) * sizeof *c->code);
	if (!c->code || dict_grow(c))
		return -1;
	/* entry 0: SQL NULL */
	c->value[0] = NULL;
	c->len[0] = 0;
	c->count[0] = 0;
	c->is_null[0] = 1;
	c->num[0] = NAN;
	c->chars[0] = 0;
	c->ndict = 1;
	return 0;
}

/* Room for m rows in the row arrays of t.  Returns 0, -1 when out of
 * memory (what was grown stays with t). */
static int rows_grow(yj_table *t, size_t m)
{
	int64_t *a = realloc(t->row, m * sizeof *a), *b;
	if (!a)
		return -1;
	t->row = a;
	if (!(b = realloc(t->line, m * sizeof *b)))
		return -1;
	t->line = b;
	for (size_t c = 0; c < t->ncols; c++) {
		uint32_t *cc = realloc(t->cols[c].code, m * sizeof *cc);
		if (!cc)
			return -1;
		t->cols[c].code = cc;
	}
	return 0;
}

yj_status table_load(yj_project *p, const char *name, const yj_nullset *ns, yj_progress *progress,
		     yj_table *t, yj_error *err)
{
	memset(t, 0, sizeof *t);
	t->key_col = t->label_col = -1;
	yj_status st = sources_get(p, name, &t->info, err);
	if (st)
		return st;
	yj_raw_cursor *q = NULL;
	size_t n = (size_t)(t->info.rows > 0 ? t->info.rows : 0);
	t->ncols = t->info.nfields;
	t->cols = calloc(t->ncols ? t->ncols : 1, sizeof *t->cols);
	t->row = malloc((n ? n : 1) * sizeof *t->row);
	t->line = malloc((n ? n : 1) * sizeof *t->line);
	if (!t->cols || !t->row || !t->line)
		goto nomem;
	for (size_t c = 0; c < t->ncols; c++) {
		if (column_init(&t->cols[c], &t->info.fields[c], n))
			goto nomem;
		if (t->cols[c].role == ROLE_KEY)
			t->key_col = (long)c;
		else if (t->cols[c].role == ROLE_LABEL)
			t->label_col = (long)c;
	}
	if ((st = rawdata_open(p, &t->info, &q, err)))
		goto fail;
	progress_start(progress);
	size_t r = 0;
	int64_t row, line;
	int k;
	while ((k = rawdata_next(q, &row, &line, err)) == 1) {
		if (r >= n) {
			/* More rows than the catalogue says: grow. */
			size_t m = n ? n * 2 : 1024;
			if (rows_grow(t, m))
				goto nomem;
			n = m;
		}
		t->row[r] = row;
		t->line[r] = line;
		for (size_t c = 0; c < t->ncols; c++) {
			yj_column *col = &t->cols[c];
			uint32_t code = 0;
			size_t len;
			const char *s = rawdata_cell(q, c, &len);
			if (s) {
				code = dict_code(col, s, len, ns);
				if (code == UINT32_MAX)
					goto nomem;
			}
			col->code[r] = code;
			col->count[code]++;
		}
		r++;
		if ((r & 8191) == 0) {
			if (progress_cancelled(progress)) {
				st = error_set(err, YJ_EINTR, _("interrupted"));
				goto fail;
			}
			progress_tick(progress, "load", "rows", (long long)r, t->info.rows, -1, 0);
		}
	}
	if (k < 0) {
		st = err->status;
		goto fail;
	}
	t->nrows = r;
	rawdata_close(q);
	for (size_t c = 0; c < t->ncols; c++) {
		free(t->cols[c].slots);
		t->cols[c].slots = NULL;
		t->cols[c].nslots = 0;
	}
	return YJ_OK;
nomem:
	st = error_set(err, YJ_ENOMEM, _("out of memory loading source '%s'"), name);
fail:
	rawdata_close(q);
	table_free(t);
	return st;
}

void table_free(yj_table *t)
{
	if (!t)
		return;
	for (size_t c = 0; t->cols && c < t->ncols; c++) {
		yj_column *col = &t->cols[c];
		for (size_t b = 0; b < col->nblocks; b++)
			free(col->blocks[b]);
		free(col->blocks);
		free(col->value);
		free(col->len);
		free(col->count);
		free(col->is_null);
		free(col->num);
		free(col->chars);
		free(col->code);
		free(col->slots);
	}
	free(t->cols);
	free(t->row);
	free(t->line);
	sources_free(&t->info, 1);
	memset(t, 0, sizeof *t);
}

/* ------------------------------------------------------ new case files */

yj_status table_from_file(yj_project *p, const char *name, const char *path, const yj_nullset *ns,
			  const char *const *needed, size_t nneeded, yj_table *t, yj_error *err)
{
	memset(t, 0, sizeof *t);
	t->key_col = t->label_col = -1;
	yj_status st = sources_get(p, name, &t->info, err);
	if (st)
		return st;
	yj_reader *rd = NULL;
	long *at = NULL; /* (ncols) the file's field of each column, -1 if none */
	size_t cap = 1024, r = 0;
	const char *dot = path ? strrchr(path, '.') : NULL;
	int known = dot && (!strcmp(dot, ".csv") || !strcmp(dot, ".tsv") || !strcmp(dot, ".tab") ||
			    !strcmp(dot, ".jsonl") || !strcmp(dot, ".ndjson") || !strcmp(dot, ".json"));
	int f = known || !t->info.format ? -1 : reader_format_parse(t->info.format);
	yj_reader_opts ro = {.format = f < 0 ? FORMAT_AUTO : (yj_format)f, .encoding = t->info.encoding};
	t->ncols = t->info.nfields;
	t->cols = calloc(t->ncols ? t->ncols : 1, sizeof *t->cols);
	t->row = malloc(cap * sizeof *t->row);
	t->line = malloc(cap * sizeof *t->line);
	at = malloc((t->ncols ? t->ncols : 1) * sizeof *at);
	if (!t->cols || !t->row || !t->line || !at)
		goto nomem;
	for (size_t c = 0; c < t->ncols; c++) {
		if (column_init(&t->cols[c], &t->info.fields[c], cap))
			goto nomem;
		if (t->cols[c].role == ROLE_KEY)
			t->key_col = (long)c;
		else if (t->cols[c].role == ROLE_LABEL)
			t->label_col = (long)c;
	}
	if (!path) { /* a source not given: no rows */
		free(at);
		return YJ_OK;
	}
	if ((st = reader_open(path, &ro, &rd, err)))
		goto fail;
	const yj_cell *cells;
	size_t n;
	long line;
	int k, mapped = 0;
	while ((k = reader_next(rd, &cells, &n, &line, err)) == 1 || !mapped) {
		if (!mapped) {
			/* the file's fields (for JSON lines: the keys of the
			 * first record) against the source's */
			for (size_t c = 0; c < t->ncols; c++) {
				at[c] = -1;
				for (size_t i = 0; i < reader_nfields(rd); i++)
					if (!strcmp(reader_field_name(rd, i), t->cols[c].name))
						at[c] = (long)i;
				int need = (long)c == t->key_col;
				for (size_t i = 0; i < nneeded && !need; i++)
					need = !strcmp(needed[i], t->cols[c].name);
				if (at[c] < 0 && need && !(k == 1 && reader_format(rd) == FORMAT_JSONL &&
							   (long)c != t->key_col)) {
					st = error_set(err, YJ_EDATA, _("the file has no field '%s', which the run uses"),
						       t->cols[c].name);
					error_at(err, path, -1, -1, t->cols[c].name);
					error_hint(err, _("give a file with the fields of source %s"), name);
					goto fail;
				}
			}
			mapped = 1;
			if (k != 1)
				break;
		}
		if (r == cap) {
			size_t m = cap * 2;
			if (rows_grow(t, m))
				goto nomem;
			cap = m;
		}
		t->row[r] = (int64_t)r + 1;
		t->line[r] = line;
		for (size_t c = 0; c < t->ncols; c++) {
			yj_column *col = &t->cols[c];
			long i = at[c];
			if (i < 0 && reader_format(rd) == FORMAT_JSONL)
				for (size_t j = 0; j < n; j++)
					if (!strcmp(reader_field_name(rd, j), col->name))
						i = at[c] = (long)j;
			uint32_t code = 0;
			if (i >= 0 && (size_t)i < n && !cells[i].is_null) {
				code = dict_code(col, cells[i].s, cells[i].len, ns);
				if (code == UINT32_MAX)
					goto nomem;
				int64_t iv;
				int bad = 0;
				if (!col->is_null[code] && col->type == FTYPE_INTEGER)
					bad = !value_parse_int(col->value[code], col->len[code], &iv);
				else if (!col->is_null[code] && (col->type == FTYPE_REAL || col->type == FTYPE_DATETIME))
					bad = isnan(col->num[code]);
				if (bad) {
					st = error_set(err, YJ_EDATA, _("'%s' is not a value of type %s"),
						       col->value[code], ftype_name(col->type));
					error_at(err, path, line, -1, col->name);
					error_hint(err, _("the training data had only %s values in field %s; fix the row"),
						   ftype_name(col->type), col->name);
					goto fail;
				}
			}
			if ((long)c == t->key_col && col->is_null[code]) {
				st = error_set(err, YJ_EDATA, _("the case key is empty"));
				error_at(err, path, line, -1, col->name);
				goto fail;
			}
			col->code[r] = code;
			col->count[code]++;
		}
		r++;
	}
	if (k < 0) {
		st = err->status ? err->status : YJ_EDATA;
		goto fail;
	}
	/* JSON lines: a field the run uses that no record had */
	for (size_t c = 0; c < t->ncols && reader_format(rd) == FORMAT_JSONL; c++)
		for (size_t i = 0; i < nneeded && at[c] < 0; i++)
			if (!strcmp(needed[i], t->cols[c].name)) {
				st = error_set(err, YJ_EDATA, _("the file has no field '%s', which the run uses"),
					       t->cols[c].name);
				error_at(err, path, -1, -1, t->cols[c].name);
				error_hint(err, _("give a file with the fields of source %s"), name);
				goto fail;
			}
	t->nrows = r;
	reader_close(rd);
	free(at);
	for (size_t c = 0; c < t->ncols; c++) {
		free(t->cols[c].slots);
		t->cols[c].slots = NULL;
		t->cols[c].nslots = 0;
	}
	return YJ_OK;
nomem:
	st = error_set(err, YJ_ENOMEM, _("out of memory reading %s"), path);
fail:
	reader_close(rd);
	free(at);
	table_free(t);
	return st;
}
