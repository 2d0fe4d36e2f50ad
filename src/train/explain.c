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
#include "yujing/base/rng.h"
#include "yujing/base/utf8.h"
#include "yujing/model/fusion.h"
#include "yujing/nn/ops.h"
#include "yujing/store/batches.h"
#include "yujing/train/explain.h"

/* The cooperative game: the fusion head's logits with the branches in
 * `mask` at their own vectors u[i] and the others at their baselines,
 * less the run's logit adjustment tau log(prior) and divided by its
 * temperature (inv_t = 1/T): the logits of the calibrated model, whose
 * softmax is the probability predict shows (report.h).  The adjustment is
 * the same in every coalition, so it moves the baseline only, never a
 * branch's Shapley value. */
typedef struct {
	const yj_mm *m;
	int np;
	double **u, **base;
	double inv_t, tau;
	const double *logprior;
} game;

static void head(void *ctx, uint32_t mask, double *out)
{
	game *g = ctx;
	const double *v[FUSION_MAX];
	for (int i = 0; i < g->np; i++)
		v[i] = mask >> i & 1 ? g->u[i] : g->base[i];
	mm_head_logits(g->m, v, out);
	for (int k = 0; g->tau != 0 && g->logprior && k < g->m->cfg.nclasses; k++)
		out[k] -= g->tau * g->logprior[k];
	for (int k = 0; g->inv_t != 1 && k < g->m->cfg.nclasses; k++)
		out[k] *= g->inv_t;
}

static yj_status oom(yj_error *err)
{
	return error_set(err, YJ_ENOMEM, _("out of memory"));
}

/* The player vector of n-gram branch t for an arbitrary text (into out,
 * mm_player_dim: the branch vector, then the direct path's logits). */
static int text_vector(const yj_run_model *rm, int t, const char *text, double *out)
{
	yj_ngram_data d;
	if (ngram_data_build(&text, 1, &rm->ngspec[t], &rm->voc[t], &d))
		return -1;
	int rc = mm_ngram_player(&rm->m, t, &d, 0, out);
	ngram_data_free(&d);
	return rc;
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

/* How many characters of a text of `chars` characters and `len` bytes
 * are occluded (explain.h). */
static size_t occlude_count(size_t chars, size_t len)
{
	size_t by_bytes = len ? EXPLAIN_OCCLUDE_BYTES / len : chars;
	size_t n = by_bytes > EXPLAIN_OCCLUDE_MIN ? by_bytes : EXPLAIN_OCCLUDE_MIN;
	n = n < EXPLAIN_OCCLUDE_CHARS ? n : EXPLAIN_OCCLUDE_CHARS;
	return n < chars ? n : chars;
}

/* Occlude each of the first occlude_count() characters of n-gram branch
 * t's text in turn (spaces are not reported) and keep the
 * EXPLAIN_BRANCH_CHARS whose removal lowers the predicted logit most,
 * appended to ex->chars; the counts go to the branch's share. */
static yj_status branch_chars(const yj_run_model *rm, game *g, int t, size_t idx, int pred, double out_logit,
			      yj_explanation *ex, yj_error *err)
{
	int K = rm->m.cfg.nclasses, S = rm->m.cfg.mlp.nsrc;
	const char *text = rm->tx[rm->tx_of[t]].text[idx];
	size_t len = strlen(text), n = 0, chars = utf8_count(text, len), todo = occlude_count(chars, len);
	char *buf = malloc(len + 1);
	double *save = g->u[S + t], *occl = malloc((size_t)mm_player_dim(&rm->m, S + t) * sizeof(double));
	double *z = malloc((size_t)K * sizeof(double));
	scored *list = malloc((todo ? todo : 1) * sizeof *list);
	yj_status st = YJ_OK;
	if (!buf || !occl || !z || !list) {
		st = oom(err);
		goto out;
	}
	if ((size_t)(S + t) < ex->nbranches) {
		ex->branches[S + t].chars = chars;
		ex->branches[S + t].chars_scored = todo;
	}
	for (size_t i = 0, c = 0; i < len && c < todo; c++) {
		size_t w = utf8_step(text + i);
		memcpy(buf, text, i);
		memcpy(buf + i, text + i + w, len - i - w + 1);
		if (text_vector(rm, t, buf, occl)) {
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

/* ------------------------------------------------ a source's fields */

/* The game over one structured source's fields (see explain.h). */
typedef struct {
	yj_run_model *rm;
	game *g;
	int s, pred, G, dim;
	size_t idx;
	const float *own;  /* the case's inputs (dim) */
	float *mean;       /* the training mean of each input (dim) */
	int *group;        /* the field of each input (dim) */
	double *vec;       /* one branch vector (hidden) */
	double *z;         /* logits (K) */
	double c_logit, c_prob; /* sum over the others R of w(R) v(R) */
	int nr;
	uint32_t *rmask;   /* the coalitions R of the other branches */
	double *rw;        /* their Shapley weights */
} field_game;

static double softmax_at(const double *z, int K, int k)
{
	double mx = z[0], sum = 0;
	for (int i = 1; i < K; i++)
		mx = z[i] > mx ? z[i] : mx;
	for (int i = 0; i < K; i++)
		sum += exp(z[i] - mx);
	return exp(z[k] - mx) / sum;
}

static double factorial(int n)
{
	double f = 1;
	for (int i = 2; i <= n; i++)
		f *= i;
	return f;
}

/* The source's branch Shapley value when its vector is u (fg->g->u[s]
 * holds it): sum over R of w(R) (v(R + s) - v(R)). */
static void source_value(field_game *fg, double *logit, double *prob)
{
	int K = fg->rm->m.cfg.nclasses;
	double l = 0, pr = 0;
	for (int r = 0; r < fg->nr; r++) {
		head(fg->g, fg->rmask[r] | 1u << fg->s, fg->z);
		l += fg->rw[r] * fg->z[fg->pred];
		pr += fg->rw[r] * softmax_at(fg->z, K, fg->pred);
	}
	*logit = l - fg->c_logit;
	*prob = pr - fg->c_prob;
}

/* Values of B coalitions, present[b * G + f] saying whether field f is in
 * coalition b. */
static void coalition_values(field_game *fg, const unsigned char *present, int B, double *vl, double *vp)
{
	yj_run_model *rm = fg->rm;
	int H = mm_player_dim(&rm->m, fg->s);
	for (size_t o = 0; o < rm->nf; o++) {
		size_t d = rm->f[o].dim;
		for (int b = 0; b < B; b++)
			memcpy(rm->xb[o] + (size_t)b * d, rm->f[o].x + fg->idx * d, d * sizeof(float));
	}
	for (int b = 0; b < B; b++) {
		float *x = rm->xb[fg->s] + (size_t)b * (size_t)fg->dim;
		for (int j = 0; j < fg->dim; j++)
			x[j] = present[(size_t)b * (size_t)fg->G + (size_t)fg->group[j]] ? fg->own[j] : fg->mean[j];
	}
	mlp_forward(&rm->m.mlp, (const float *const *)rm->xb, B, 0);
	double *save = fg->g->u[fg->s];
	fg->g->u[fg->s] = fg->vec;
	for (int b = 0; b < B; b++) {
		const float *v = mm_player_vec(&rm->m, fg->s, b);
		for (int c = 0; c < H; c++)
			fg->vec[c] = v[c];
		source_value(fg, &vl[b], &vp[b]);
	}
	fg->g->u[fg->s] = save;
}

/* Exact Shapley values over G fields from the values of all 2^G
 * coalitions. */
static void exact_shares(int G, const double *v, double *phi)
{
	double fg = factorial(G);
	for (int f = 0; f < G; f++) {
		phi[f] = 0;
		for (uint32_t T = 0; T < 1u << G; T++) {
			if (T >> f & 1)
				continue;
			int t = __builtin_popcount(T);
			phi[f] += factorial(t) * factorial(G - t - 1) / fg * (v[T | 1u << f] - v[T]);
		}
	}
}

/* The shares of source s's fields, appended to ex->fields. */
static yj_status source_fields(yj_run_model *rm, game *g, int s, size_t idx, int pred, yj_explanation *ex,
			       yj_error *err)
{
	int np = g->np, B = rm->m.bmax, dim = (int)rm->f[s].dim;
	const json_t *layout = NULL, *lay;
	size_t li;
	json_array_foreach(rm->features, li, lay)
	{
		const char *src = json_string_value(json_object_get(lay, "source"));
		if (src && !strcmp(src, rm->f[s].name) && !json_object_get(lay, "branch")) /* not a text branch's */
			layout = json_object_get(lay, "features");
	}
	if (json_array_size(layout) != (size_t)dim)
		return error_set(err, YJ_EDATA, _("run %lld: the feature layout of source '%s' does not fit its inputs"),
				 rm->run, rm->f[s].name);
	size_t ntrain = 0;
	for (size_t i = 0; i < rm->cases.n; i++)
		ntrain += rm->cases.part[i] == CASE_TRAIN;
	if (!ntrain || np > 16 || B < 1)
		return YJ_OK; /* no training cases to take means over (new cases from files), or too many branches */
	field_game fg = {.rm = rm, .g = g, .s = s, .pred = pred, .dim = dim, .idx = idx};
	const char **names = malloc((size_t)dim * sizeof *names);
	fg.own = rm->f[s].x + idx * (size_t)dim;
	fg.mean = calloc((size_t)dim, sizeof *fg.mean);
	fg.group = malloc((size_t)dim * sizeof *fg.group);
	fg.vec = malloc((size_t)mm_player_dim(&rm->m, s) * sizeof *fg.vec);
	fg.z = malloc((size_t)rm->m.cfg.nclasses * sizeof *fg.z);
	fg.rmask = malloc(((size_t)1 << (np - 1)) * sizeof *fg.rmask);
	fg.rw = malloc(((size_t)1 << (np - 1)) * sizeof *fg.rw);
	double *mean = NULL, *phi_l = NULL, *phi_p = NULL, *v_l = NULL, *v_p = NULL, *sq_l = NULL, *sq_p = NULL;
	unsigned char *present = NULL;
	int *order = NULL;
	yj_status st = YJ_OK;
	if (!names || !fg.mean || !fg.group || !fg.vec || !fg.z || !fg.rmask || !fg.rw ||
	    !(mean = calloc((size_t)dim, sizeof *mean))) {
		st = oom(err);
		goto out;
	}
	/* the fields, in layout order */
	for (int j = 0; j < dim; j++) {
		const char *f = json_string_value(json_object_get(json_array_get(layout, (size_t)j), "field"));
		f = f ? f : "";
		int k = 0;
		while (k < fg.G && strcmp(names[k], f))
			k++;
		if (k == fg.G)
			names[fg.G++] = f;
		fg.group[j] = k;
	}
	for (size_t i = 0; i < rm->cases.n; i++)
		if (rm->cases.part[i] == CASE_TRAIN)
			for (int j = 0; j < dim; j++)
				mean[j] += rm->f[s].x[i * (size_t)dim + (size_t)j];
	for (int j = 0; j < dim; j++)
		fg.mean[j] = (float)(mean[j] / (double)ntrain);
	/* the other branches' coalitions R, their weights and v(R) */
	for (uint32_t R = 0; R < 1u << np; R++) {
		if (R >> s & 1)
			continue;
		int r = __builtin_popcount(R);
		fg.rmask[fg.nr] = R;
		fg.rw[fg.nr] = factorial(r) * factorial(np - r - 1) / factorial(np);
		head(g, R, fg.z);
		fg.c_logit += fg.rw[fg.nr] * fg.z[pred];
		fg.c_prob += fg.rw[fg.nr] * softmax_at(fg.z, rm->m.cfg.nclasses, pred);
		fg.nr++;
	}
	int G = fg.G, exact = G <= EXPLAIN_EXACT_FIELDS;
	double gap_l, gap_p; /* v(no field): every input at its training mean */
	size_t nv = exact ? (size_t)1 << G : (size_t)G;
	phi_l = calloc((size_t)G, sizeof *phi_l);
	phi_p = calloc((size_t)G, sizeof *phi_p);
	sq_l = calloc((size_t)G, sizeof *sq_l);
	sq_p = calloc((size_t)G, sizeof *sq_p);
	v_l = malloc(nv * sizeof *v_l);
	v_p = malloc(nv * sizeof *v_p);
	present = malloc((size_t)B * (size_t)G);
	order = malloc((size_t)G * sizeof *order);
	if (!phi_l || !phi_p || !sq_l || !sq_p || !v_l || !v_p || !present || !order) {
		st = oom(err);
		goto out;
	}
	if (exact) {
		for (size_t T = 0; T < nv; T += (size_t)B) {
			int n = (int)(nv - T < (size_t)B ? nv - T : (size_t)B);
			for (int b = 0; b < n; b++)
				for (int f = 0; f < G; f++)
					present[(size_t)b * (size_t)G + (size_t)f] = (T + (size_t)b) >> f & 1;
			coalition_values(&fg, present, n, v_l + T, v_p + T);
		}
		exact_shares(G, v_l, phi_l);
		exact_shares(G, v_p, phi_p);
		gap_l = v_l[0];
		gap_p = v_p[0];
	} else {
		/* random orders: the prefixes of each, in batches of B */
		yj_rng rng;
		rng_seed(&rng, 0x5eedf1e1d5ULL);
		memset(present, 0, (size_t)G);
		coalition_values(&fg, present, 1, &gap_l, &gap_p);
		for (int m = 0; m < EXPLAIN_PERMUTATIONS; m++) {
			for (int f = 0; f < G; f++)
				order[f] = f;
			for (int f = G - 1; f > 0; f--) {
				int k = (int)rng_below(&rng, (uint64_t)f + 1), x = order[f];
				order[f] = order[k];
				order[k] = x;
			}
			for (int start = 0; start < G; start += B) {
				int n = G - start < B ? G - start : B;
				memset(present, 0, (size_t)n * (size_t)G);
				for (int b = 0; b < n; b++)
					for (int q = 0; q <= start + b; q++)
						present[(size_t)b * (size_t)G + (size_t)order[q]] = 1;
				coalition_values(&fg, present, n, v_l + start, v_p + start);
			}
			for (int q = 0; q < G; q++) {
				double dl = v_l[q] - (q ? v_l[q - 1] : gap_l), dp = v_p[q] - (q ? v_p[q - 1] : gap_p);
				phi_l[order[q]] += dl;
				phi_p[order[q]] += dp;
				sq_l[order[q]] += dl * dl;
				sq_p[order[q]] += dp * dp;
			}
		}
		double M = EXPLAIN_PERMUTATIONS;
		for (int f = 0; f < G; f++) {
			phi_l[f] /= M;
			phi_p[f] /= M;
			/* the sample variance of the marginals over M - 1, over M */
			sq_l[f] = sqrt(fmax(0, (sq_l[f] - M * phi_l[f] * phi_l[f]) / (M - 1)) / M);
			sq_p[f] = sqrt(fmax(0, (sq_p[f] - M * phi_p[f] * phi_p[f]) / (M - 1)) / M);
		}
	}
	yj_field_share *grown = realloc(ex->fields, (ex->nfields + (size_t)G + 1) * sizeof *grown);
	if (!grown) {
		st = oom(err);
		goto out;
	}
	ex->fields = grown;
	for (int f = 0; f <= G; f++) {
		yj_field_share *fs = &ex->fields[ex->nfields];
		if (f < G)
			*fs = (yj_field_share){NULL, NULL, *names[f] ? FIELD_VALUE : FIELD_ROWS, phi_l[f], phi_p[f], !exact,
					       exact ? 0 : sq_l[f], exact ? 0 : sq_p[f]};
		else /* the source at the mean of its inputs against its baseline */
			*fs = (yj_field_share){NULL, NULL, FIELD_GAP, gap_l, gap_p, 0, 0, 0};
		if (!(fs->field = strdup(f < G ? names[f] : "")) || !(fs->branch = strdup(ex->branches[s].name))) {
			free(fs->field);
			st = oom(err);
			goto out;
		}
		ex->nfields++;
	}
out:
	free(names);
	free(fg.mean);
	free(fg.group);
	free(fg.vec);
	free(fg.z);
	free(fg.rmask);
	free(fg.rw);
	free(mean);
	free(phi_l);
	free(phi_p);
	free(sq_l);
	free(sq_p);
	free(v_l);
	free(v_p);
	free(present);
	free(order);
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
	game g = {&rm->m, np, u, base, 1 / rm->temperature, rm->tau, rm->logprior};
	yj_shapley sh;
	if (fusion_shapley(np, K, pred, head, &g, &sh)) {
		st = oom(err);
		goto out;
	}
	ex->run = rm->run;
	ex->temperature = rm->temperature;
	ex->tau = rm->logprior ? rm->tau : 0;
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
	for (int s = 0; s < rm->m.cfg.mlp.nsrc && (size_t)s < rm->nf && !st; s++)
		st = source_fields(rm, &g, s, idx, pred, ex, err);
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
	json_t *probs = json_object(), *br = json_array(), *tokens = json_array(), *fields = json_array();
	int bad = !probs || !br || !tokens || !fields;
	for (int k = 0; !bad && k < ex->ntop; k++)
		bad = json_object_set_new(probs, ex->top[k].category, json_real(ex->top[k].p));
	for (size_t i = 0; !bad && i < ex->nbranches; i++) {
		const yj_branch_share *b = &ex->branches[i];
		json_t *o = json_pack("{s:s, s:s, s:f, s:f, s:f}", "name", b->name, "kind", b->kind, "logit", b->logit,
				      "probability", b->probability, "leave_one_out", b->leave_one_out);
		if (o && b->chars && (json_object_set_new(o, "characters", json_integer((json_int_t)b->chars)) ||
				      json_object_set_new(o, "characters_scored",
							  json_integer((json_int_t)b->chars_scored)))) {
			json_decref(o);
			o = NULL;
		}
		bad = json_array_append_new(br, o);
	}
	for (size_t i = 0; !bad && i < ex->nchars; i++) {
		const yj_char_score *c = &ex->chars[i];
		bad = json_array_append_new(
			tokens, json_pack("{s:s, s:s, s:f}", "branch", c->branch, "text", c->text, "score", c->score));
	}
	for (size_t i = 0; !bad && i < ex->nfields; i++) {
		const yj_field_share *f = &ex->fields[i];
		static const char *const parts[] = {"field", "rows", "gap"};
		json_t *o = json_pack("{s:s, s:s, s:s, s:f, s:f, s:b}", "branch", f->branch, "field", f->field, "part",
				      parts[f->part], "logit", f->logit, "probability", f->probability, "exact",
				      !f->sampled);
		if (o && f->sampled) {
			json_object_set_new(o, "se_logit", json_real(f->se_logit));
			json_object_set_new(o, "se_probability", json_real(f->se_prob));
		}
		bad = json_array_append_new(fields, o);
	}
	if (bad) {
		json_decref(probs);
		json_decref(br);
		json_decref(tokens);
		json_decref(fields);
		return NULL;
	}
	/* "o" steals the four references, also when json_pack fails */
	json_t *res = json_pack("{s:s, s:s, s:o, s:{s:f, s:f}, s:{s:f, s:f}, s:o, s:o, s:I, s:o}", "key", ex->key,
				"predicted", ex->predicted, "probabilities", probs, "output", "logit", ex->out_logit,
				"probability", ex->out_prob, "base", "logit", ex->base_logit, "probability",
				ex->base_prob, "branches", br, "tokens", tokens, "run", (json_int_t)ex->run,
				"fields", fields);
	if (res) {
		json_object_set_new(res, "batch", ex->batch ? json_integer(ex->batch) : json_null());
		/* the probabilities are softmax(logits / T); every logit shown
		 * is divided by T */
		json_object_set_new(res, "temperature", json_real(ex->temperature));
		/* and the logits shown are adjusted: less tau log(prior) */
		json_object_set_new(res, "tau", json_real(ex->tau));
	}
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
	for (size_t i = 0; i < ex->nfields; i++) {
		free(ex->fields[i].branch);
		free(ex->fields[i].field);
	}
	free(ex->fields);
	memset(ex, 0, sizeof *ex);
}
