/*
 * explain.c - per-branch Shapley values and character attributions of one
 * case's prediction (see explain.h and fusion.h).
 *
 * The steps of explain_case_model(): find the case and check the run's
 * baselines (check_run), one forward to get every branch's vector and
 * the baselines beside them (player_vectors), the exact Shapley values of
 * the fusion head over the branches (fusion_shapley), the top
 * probabilities (top_probabilities) and the branches' shares
 * (branch_shares), then for each n-gram branch the drop in the logit when
 * each character of its text is left out (branch_chars).
 */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "yujing/base/i18n.h"
#include "yujing/base/utf8.h"
#include "yujing/model/fusion.h"
#include "yujing/nn/ops.h"
#include "yujing/store/batches.h"
#include "yujing/train/explain.h"

/* The cooperative game: the fusion head's logits with the branches in
 * `mask` at their own vectors u[i] and the others at their baselines. */
typedef struct {
	const yj_mm *m;
	int np;
	double **u, **base;
} game;

static void head(void *ctx, uint32_t mask, double *out)
{
	game *g = ctx;
	const double *v[FUSION_MAX];
	for (int i = 0; i < g->np; i++)
		v[i] = mask >> i & 1 ? g->u[i] : g->base[i];
	mm_head_logits(g->m, v, out);
}

static yj_status oom(yj_error *err)
{
	return error_set(err, YJ_ENOMEM, _("out of memory"));
}

/* The vector of n-gram branch t for an arbitrary text (into out, dim). */
static int text_vector(const yj_run_model *rm, int t, const char *text, int nmax, uint32_t buckets, double *out)
{
	yj_ngram_data d;
	uint32_t *voc = rm->vocab[t];
	size_t nv = rm->nvocab[t];
	if (ngram_data_build(&text, 1, NULL, nmax, buckets, &voc, &nv, 1, &d))
		return -1;
	float *v = malloc((size_t)rm->m.cfg.ngram_dim * sizeof *v);
	size_t zero = 0;
	if (!v) {
		ngram_data_free(&d);
		return -1;
	}
	ngram_forward(&rm->m.ng[t], v, &d, &zero, 1);
	for (int c = 0; c < rm->m.cfg.ngram_dim; c++)
		out[c] = v[c];
	free(v);
	ngram_data_free(&d);
	return 0;
}

/* The case's index, after checking that the run can be explained. */
static yj_status check_run(const yj_run_model *rm, const char *key, int np, size_t *idx, yj_error *err)
{
	long ci = run_model_case(rm, key);
	if (ci < 0)
		return error_set(err, YJ_ENOTFOUND, _("no case '%s' in the active snapshot"), key);
	if (json_array_size(rm->baselines) != (size_t)np)
		return error_set(err, YJ_EDATA, _("run %lld stored no branch baselines"), rm->run);
	if (np > 20)
		return error_set(err, YJ_EUSAGE, _("%d branches are too many for exact Shapley values (at most 20)"),
				 np);
	*idx = (size_t)ci;
	return YJ_OK;
}

/* After the forward of the case: u[i] = branch i's vector, base[i] its
 * stored baseline (both malloc'd, the caller frees them). */
static yj_status player_vectors(const yj_run_model *rm, int np, double **u, double **base, yj_error *err)
{
	for (int i = 0; i < np; i++) {
		int d = mm_player_dim(&rm->m, i);
		json_t *b = json_object_get(json_array_get(rm->baselines, (size_t)i), "baseline");
		u[i] = malloc((size_t)d * sizeof(double));
		base[i] = malloc((size_t)d * sizeof(double));
		if (!u[i] || !base[i])
			return oom(err);
		if (json_array_size(b) != (size_t)d)
			return error_set(err, YJ_EDATA, _("run %lld: a baseline has the wrong size"), rm->run);
		const float *v = mm_player_vec(&rm->m, i, 0);
		for (int c = 0; c < d; c++) {
			u[i][c] = v[c];
			base[i][c] = json_number_value(json_array_get(b, (size_t)c));
		}
	}
	return YJ_OK;
}

static char *label_dup(const yj_run_model *rm, int k)
{
	const char *s = json_string_value(json_array_get(rm->labels, (size_t)k));
	return strdup(s ? s : "");
}

/* The EXPLAIN_TOP most probable categories of pr[0..K), most probable
 * first (the earlier category on a tie). */
static yj_status top_probabilities(const yj_run_model *rm, const float *pr, int K, yj_explanation *ex, yj_error *err)
{
	int *order = malloc((size_t)K * sizeof *order);
	if (!order)
		return oom(err);
	for (int k = 0; k < K; k++)
		order[k] = k;
	for (int a = 0; a < K && a < EXPLAIN_TOP; a++) {
		for (int b = a + 1; b < K; b++)
			if (pr[order[b]] > pr[order[a]]) {
				int x = order[a];
				order[a] = order[b];
				order[b] = x;
			}
		ex->top[a].p = pr[order[a]];
		if (!(ex->top[a].category = label_dup(rm, order[a]))) {
			free(order);
			return oom(err);
		}
		ex->ntop = a + 1;
	}
	free(order);
	return YJ_OK;
}

/* The branches' names and kinds (from the stored baselines) with their
 * Shapley and leave-one-out values. */
static yj_status branch_shares(const yj_run_model *rm, int np, const yj_shapley *sh, yj_explanation *ex,
			       yj_error *err)
{
	if (!(ex->branches = calloc((size_t)np, sizeof *ex->branches)))
		return oom(err);
	for (int i = 0; i < np; i++) {
		json_t *bj = json_array_get(rm->baselines, (size_t)i);
		const char *name = json_string_value(json_object_get(bj, "name"));
		const char *kind = json_string_value(json_object_get(bj, "kind"));
		if (!name || !kind)
			return error_set(err, YJ_EDATA, _("run %lld: baseline %d has no branch name or kind"), rm->run,
					 i + 1);
		yj_branch_share *b = &ex->branches[ex->nbranches++];
		b->logit = sh->phi_logit[i];
		b->probability = sh->phi_prob[i];
		b->leave_one_out = sh->loo_prob[i];
		if (!(b->name = strdup(name)) || !(b->kind = strdup(kind)))
			return oom(err);
	}
	return YJ_OK;
}

/* The n-gram settings the run's feature layout stored for branch t
 * (n up to 3 over NGRAM_DEFAULT_BUCKETS buckets when it stored none). */
static void ngram_layout(const yj_run_model *rm, int t, int *nmax, uint32_t *buckets)
{
	*nmax = 3;
	*buckets = NGRAM_DEFAULT_BUCKETS;
	size_t li;
	json_t *lay;
	json_array_foreach(rm->features, li, lay)
	{
		const char *br = json_string_value(json_object_get(lay, "branch"));
		if (br && !strcmp(br, rm->branch_name[t])) {
			*nmax = (int)json_integer_value(json_object_get(lay, "n"));
			*buckets = (uint32_t)json_integer_value(json_object_get(lay, "buckets"));
		}
	}
}

/* A character's score and its position in the text. */
typedef struct {
	yj_char_score c;
	size_t pos;
} scored;

/* Higher score first; on a tie the earlier character (a stable order). */
static int cmp_score(const void *a, const void *b)
{
	const scored *x = a, *y = b;
	if (x->c.score != y->c.score)
		return x->c.score < y->c.score ? 1 : -1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Occlude each character of n-gram branch t's text in turn (spaces are
 * not reported) and keep the EXPLAIN_BRANCH_CHARS whose removal lowers
 * the predicted logit most, appended to ex->chars. */
static yj_status branch_chars(const yj_run_model *rm, game *g, int t, size_t idx, int pred, double out_logit,
			      yj_explanation *ex, yj_error *err)
{
	int nmax, K = rm->m.cfg.nclasses, S = rm->m.cfg.mlp.nsrc;
	uint32_t buckets;
	ngram_layout(rm, t, &nmax, &buckets);
	const char *text = rm->tx[rm->tx_of[t]].text[idx];
	size_t len = strlen(text), n = 0;
	char *buf = malloc(len + 1);
	double *save = g->u[S + t], *occl = malloc((size_t)rm->m.cfg.ngram_dim * sizeof(double));
	double *z = malloc((size_t)K * sizeof(double));
	scored *list = malloc((len ? len : 1) * sizeof *list);
	yj_status st = YJ_OK;
	if (!buf || !occl || !z || !list) {
		st = oom(err);
		goto out;
	}
	for (size_t i = 0; i < len;) {
		size_t w = utf8_step(text + i);
		memcpy(buf, text, i);
		memcpy(buf + i, text + i + w, len - i - w + 1);
		if (text_vector(rm, t, buf, nmax, buckets, occl)) {
			st = oom(err);
			goto out;
		}
		g->u[S + t] = occl;
		head(g, (uint32_t)((1u << g->np) - 1), z);
		g->u[S + t] = save;
		if (!(w == 1 && text[i] == ' ')) {
			list[n].c.branch = NULL;
			memcpy(list[n].c.text, text + i, w);
			list[n].c.text[w] = '\0';
			list[n].c.score = out_logit - z[pred];
			list[n].pos = n;
			n++;
		}
		i += w;
	}
	qsort(list, n, sizeof *list, cmp_score);
	if (n > EXPLAIN_BRANCH_CHARS)
		n = EXPLAIN_BRANCH_CHARS;
	yj_char_score *grown = realloc(ex->chars, (ex->nchars + n + 1) * sizeof *grown);
	if (!grown) {
		st = oom(err);
		goto out;
	}
	ex->chars = grown;
	for (size_t i = 0; i < n; i++) {
		yj_char_score *c = &ex->chars[ex->nchars];
		*c = list[i].c;
		if (!(c->branch = strdup(rm->branch_name[t]))) {
			st = oom(err);
			goto out;
		}
		ex->nchars++;
	}
out:
	free(buf);
	free(occl);
	free(z);
	free(list);
	return st;
}

yj_status explain_case_model(yj_run_model *rm, const char *key, yj_explanation *ex, yj_error *err)
{
	memset(ex, 0, sizeof *ex);
	int np = mm_nplayers(&rm->m), K = rm->m.cfg.nclasses;
	double *u[FUSION_MAX] = {0}, *base[FUSION_MAX] = {0};
	size_t idx;
	yj_status st = check_run(rm, key, np, &idx, err);
	if (st)
		return st;
	run_model_forward(rm, &idx, 1);
	if ((st = player_vectors(rm, np, u, base, err)))
		goto out;
	const float *pr = rm->m.fu.probs;
	int pred = vec_argmax(pr, K);
	game g = {&rm->m, np, u, base};
	yj_shapley sh;
	if (fusion_shapley(np, K, pred, head, &g, &sh)) {
		st = oom(err);
		goto out;
	}
	ex->run = rm->run;
	ex->out_logit = sh.out_logit;
	ex->out_prob = sh.out_prob;
	ex->base_logit = sh.base_logit;
	ex->base_prob = sh.base_prob;
	if (!(ex->key = strdup(key)) || !(ex->predicted = label_dup(rm, pred))) {
		st = oom(err);
		goto out;
	}
	if ((st = top_probabilities(rm, pr, K, ex, err)) || (st = branch_shares(rm, np, &sh, ex, err)))
		goto out;
	for (int t = 0; t < rm->m.cfg.nngram && !st; t++)
		st = branch_chars(rm, &g, t, idx, pred, sh.out_logit, ex, err);
out:
	for (int i = 0; i < np; i++) {
		free(u[i]);
		free(base[i]);
	}
	if (st)
		explanation_free(ex);
	return st;
}

/* Batch file f written to a temporary file with the original's extension
 * (the reader's format comes from it); *path gets its name (malloc'd). */
static yj_status batch_temp(const yj_batch_file *f, char **path, yj_error *err)
{
	const char *dir = getenv("TMPDIR"), *base = strrchr(f->path, '/');
	const char *ext = strrchr(base ? base : f->path, '.');
	if (!dir || !*dir)
		dir = "/tmp";
	if (!ext || strlen(ext) > 16)
		ext = "";
	size_t n = strlen(dir) + strlen(ext) + 32;
	char *t = malloc(n);
	if (!t)
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	snprintf(t, n, "%s/yujing-batch-XXXXXX%s", dir, ext);
	int fd = mkstemps(t, (int)strlen(ext));
	FILE *out = fd >= 0 ? fdopen(fd, "wb") : NULL;
	int bad = !out || fwrite(f->content, 1, f->size, out) != f->size;
	if (out)
		bad |= fclose(out) != 0;
	else if (fd >= 0)
		close(fd);
	if (bad) {
		error_set(err, YJ_EIO, _("cannot write a temporary copy of %s in %s: %s"), f->path, dir, strerror(errno));
		if (fd >= 0)
			unlink(t);
		free(t);
		return YJ_EIO;
	}
	*path = t;
	return YJ_OK;
}

/* Load run `run` over the stored files of batch b. */
static yj_status load_batch(yj_project *p, long long run, long long b, yj_run_model *rm, yj_error *err)
{
	yj_batch_file *files = NULL;
	size_t n = 0, made = 0;
	yj_status st = batches_files(p, b, &files, &n, err);
	if (st)
		return st;
	yj_case_file *cf = calloc(n ? n : 1, sizeof *cf);
	char **tmp = calloc(n ? n : 1, sizeof *tmp);
	if (!cf || !tmp)
		st = error_set(err, YJ_ENOMEM, _("out of memory"));
	for (; !st && made < n; made++) {
		st = batch_temp(&files[made], &tmp[made], err);
		cf[made] = (yj_case_file){files[made].source, tmp[made]};
	}
	if (!st)
		st = run_model_load_files(p, run, cf, n, rm, err);
	for (size_t i = 0; tmp && i < n; i++)
		if (tmp[i]) {
			unlink(tmp[i]);
			free(tmp[i]);
		}
	free(tmp);
	free(cf);
	batches_files_free(files, n);
	return st;
}

yj_status explain_case(yj_project *p, long long run, const char *key, long long batch, yj_explanation *ex,
		       yj_error *err)
{
	memset(ex, 0, sizeof *ex);
	yj_run_model rm;
	yj_status st;
	if (!batch) {
		if ((st = run_model_load(p, run, &rm, err)))
			return st;
		if (run_model_case(&rm, key) >= 0) {
			st = explain_case_model(&rm, key, ex, err);
			run_model_free(&rm);
			return st;
		}
		run = rm.run; /* the same run for a new case */
		run_model_free(&rm);
	}
	long long b = 0;
	st = batches_find(p, key, batch, &b, err);
	if (st == YJ_ENOTFOUND && !batch) {
		error_set(err, YJ_ENOTFOUND, _("no case '%s' in the active snapshot or in a batch of new cases"), key);
		error_hint(err, _("'yujing predict PROJECT --source NAME=FILE' brings in new cases"));
	}
	if (st || (st = load_batch(p, run, b, &rm, err)))
		return st;
	st = explain_case_model(&rm, key, ex, err);
	ex->batch = b;
	run_model_free(&rm);
	return st;
}

json_t *explanation_json(const yj_explanation *ex)
{
	json_t *probs = json_object(), *br = json_array(), *tokens = json_array();
	int bad = !probs || !br || !tokens;
	for (int k = 0; !bad && k < ex->ntop; k++)
		bad = json_object_set_new(probs, ex->top[k].category, json_real(ex->top[k].p));
	for (size_t i = 0; !bad && i < ex->nbranches; i++) {
		const yj_branch_share *b = &ex->branches[i];
		bad = json_array_append_new(br, json_pack("{s:s, s:s, s:f, s:f, s:f}", "name", b->name, "kind", b->kind,
							  "logit", b->logit, "probability", b->probability,
							  "leave_one_out", b->leave_one_out));
	}
	for (size_t i = 0; !bad && i < ex->nchars; i++) {
		const yj_char_score *c = &ex->chars[i];
		bad = json_array_append_new(
			tokens, json_pack("{s:s, s:s, s:f}", "branch", c->branch, "text", c->text, "score", c->score));
	}
	if (bad) {
		json_decref(probs);
		json_decref(br);
		json_decref(tokens);
		return NULL;
	}
	/* "o" steals the three references, also when json_pack fails */
	json_t *res = json_pack("{s:s, s:s, s:o, s:{s:f, s:f}, s:{s:f, s:f}, s:o, s:o, s:I}", "key", ex->key,
				"predicted", ex->predicted, "probabilities", probs, "output", "logit", ex->out_logit,
				"probability", ex->out_prob, "base", "logit", ex->base_logit, "probability",
				ex->base_prob, "branches", br, "tokens", tokens, "run", (json_int_t)ex->run);
	if (res)
		json_object_set_new(res, "batch", ex->batch ? json_integer(ex->batch) : json_null());
	return res;
}

void explanation_free(yj_explanation *ex)
{
	if (!ex)
		return;
	free(ex->key);
	free(ex->predicted);
	for (int k = 0; k < ex->ntop; k++)
		free(ex->top[k].category);
	for (size_t i = 0; i < ex->nbranches; i++) {
		free(ex->branches[i].name);
		free(ex->branches[i].kind);
	}
	free(ex->branches);
	for (size_t i = 0; i < ex->nchars; i++)
		free(ex->chars[i].branch);
	free(ex->chars);
	memset(ex, 0, sizeof *ex);
}
