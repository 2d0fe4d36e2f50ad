/*
 * test-fusion.c - the n-gram branch, the fusion head and the Shapley
 * values over branches:
 *   hashing      n-gram counts of ASCII, CJK and empty texts; buckets in
 *                range; the vocabulary is the sorted distinct buckets of
 *                the texts in use, an unseen n-gram counts in the mean
 *   gradients    central finite differences of the loss of a fused model
 *                (structured + two n-gram branches; concat and sum) for
 *                every n-gram, projection and classifier entry sampled;
 *                the n-gram backward touches only the rows present
 *   text         the same with a BERT text branch ([CLS] vectors given):
 *                its Linear's gradients and d loss / d [CLS]
 *   head         mm_head_logits from the players' vectors equals the
 *                model's logits (eval mode)
 *   Shapley      efficiency (sum = v(all) - v(none)) for logit and
 *                probability; the linear logit's values equal
 *                W_i (v_i - base_i); two games with known values
 * Exits non-zero on any mismatch.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "yujing/base/rng.h"
#include "yujing/model/fusion.h"
#include "yujing/model/multimodal.h"
#include "yujing/nn/ops.h"

static yj_rng rng;

/* Players at u[i] when bit i of the mask is set, else at base[i]. */
typedef struct {
	yj_mm *m;
	double **u, **base;
	int np;
} game_ctx;

static void fn(void *ctx, uint32_t mask, double *out)
{
	game_ctx *c = ctx;
	const double *v[FUSION_MAX];
	for (int i = 0; i < c->np; i++)
		v[i] = mask >> i & 1 ? c->u[i] : c->base[i];
	mm_head_logits(c->m, v, out);
}

static void test_hash(void)
{
	uint32_t *h;
	size_t n;
	int rc = ngram_hash_text("abcd", 3, 1000, &h, &n);
	ok(!rc && n == 4 + 3 + 2, "abcd: 9 n-grams of 1..3 chars (got %zu)", n);
	int inrange = 1;
	for (size_t i = 0; i < n; i++)
		inrange &= h[i] < 1000;
	ok(inrange, "buckets in [0, 1000)");
	free(h);
	rc = ngram_hash_text("盗窃案件", 3, 1u << 18, &h, &n);
	ok(!rc && n == 9, "CJK counts code points, not bytes (got %zu)", n);
	uint32_t first = h[0];
	free(h);
	ok(!ngram_hash_text("盗", 1, 1u << 18, &h, &n) && n == 1 && h[0] == first, "the same 1-gram hashes the same");
	free(h);
	ok(!ngram_hash_text("", 3, 1000, &h, &n) && n == 0, "empty text: no n-gram");
	free(h);
	ok(!ngram_hash_text(NULL, 3, 1000, &h, &n) && n == 0, "NULL text: no n-gram");
	free(h);

	const char *texts[] = {"ab", "ba", "xyz"};
	unsigned char use[] = {1, 1, 0};
	uint32_t *voc = NULL;
	size_t nv = 0;
	yj_ngram_data d;
	ok(!ngram_data_build(texts, 3, use, 2, 1u << 18, &voc, &nv, 0, &d), "data build");
	/* ab: a b ab; ba: b a ba -> a, b, ab, ba */
	is_int(nv, 4, "vocabulary: a, b, ab, ba (xyz is not in use)");
	int sorted = 1;
	for (size_t i = 1; i < nv; i++)
		sorted &= voc[i - 1] < voc[i];
	ok(sorted, "vocabulary sorted and distinct");
	ok(d.count[2] == 5 && d.off[3] - d.off[2] == 0, "xyz: 5 n-grams counted, none in the vocabulary");
	ok(d.count[0] == 3 && d.off[1] - d.off[0] == 3, "ab: 3 n-grams, all in the vocabulary");
	ngram_data_free(&d);
	yj_ngram_data d2;
	const char *more[] = {"abz"};
	ok(!ngram_data_build(more, 1, NULL, 2, 1u << 18, &voc, &nv, 1, &d2) && d2.count[0] == 5 &&
		   d2.off[1] == 3 && nv == 4,
	   "a given vocabulary: abz keeps a, b, ab of its 5 n-grams");
	ngram_data_free(&d2);
	free(voc);
}

/* A small fused model with random weights and data. */
typedef struct {
	yj_mm m;
	float *x[2];
	yj_ngram_data nd[2];
	uint32_t *voc[2];
	size_t idx[8];
	int32_t y[8];
	int B;
	float *tin; /* (8, 6) [CLS] vectors of the text branch */
} fixture;

static int g_text; /* fixtures get a BERT text branch */

static const char *const T0[] = {"甲乙丙", "乙丙丁戊", "", "甲", "丙丁丁", "戊戊甲乙", "乙", "丁甲"};
static const char *const T1[] = {"abc", "bcd", "cde", "a", "xyz", "", "dd", "ab"};

static int fixture_init(fixture *f, yj_fusion_mode mode, int with_struct)
{
	memset(f, 0, sizeof *f);
	f->B = 8;
	size_t nv[2];
	if (ngram_data_build((const char *const *)T0, 8, NULL, 3, 1u << 18, &f->voc[0], &nv[0], 0, &f->nd[0]) ||
	    ngram_data_build((const char *const *)T1, 8, NULL, 2, 64, &f->voc[1], &nv[1], 0, &f->nd[1]))
		return -1;
	yj_mm_cfg cfg = {.nngram = 2, .ngram_rows = {nv[0], nv[1]}, .ngram_dim = 4, .nclasses = 3, .fusion = mode};
	if (with_struct)
		cfg.mlp = (yj_mlp_cfg){.nsrc = 2, .in_dim = {3, 2}, .hidden = 5, .depth = 1, .proj = 4};
	if (g_text)
		cfg.ntext = 1, cfg.text_in = 6, cfg.text_dim = 4;
	if (mm_init(&f->m, &cfg, 7) || mm_reserve(&f->m, 8))
		return -1;
	if (g_text) {
		if (!(f->tin = malloc(8 * 6 * sizeof(float))))
			return -1;
		for (int i = 0; i < 48; i++)
			f->tin[i] = (float)(2 * rng_uniform(&rng) - 1);
		f->m.tin[0] = f->tin;
	}
	/* random n-gram tables (they start at zero) */
	yj_params *ps = &f->m.ps;
	for (int t = 0; t < 2; t++)
		for (size_t i = 0; i < ps->v[f->m.ng[t].w].size; i++)
			params_data(ps, f->m.ng[t].w)[i] = (float)(rng_uniform(&rng) - 0.5);
	for (int s = 0; s < 2; s++) {
		f->x[s] = malloc(8 * 3 * sizeof(float));
		for (int i = 0; i < 24; i++)
			f->x[s][i] = (float)(2 * rng_uniform(&rng) - 1);
	}
	for (int b = 0; b < 8; b++) {
		f->idx[b] = (size_t)b;
		f->y[b] = b % 3;
	}
	return 0;
}

static void fixture_free(fixture *f)
{
	mm_free(&f->m);
	free(f->tin);
	for (int i = 0; i < 2; i++) {
		free(f->x[i]);
		ngram_data_free(&f->nd[i]);
		free(f->voc[i]);
	}
}

/* Loss in eval mode (no BatchNorm statistics move: smooth in every
 * parameter after the ReLUs). */
static double loss_of(fixture *f)
{
	mm_forward(&f->m, (const float *const *)f->x, f->nd, f->idx, f->B, 0);
	return mm_loss(&f->m, f->y, NULL, f->B);
}

static void test_gradients(yj_fusion_mode mode, int with_struct)
{
	fixture f;
	if (!ok(!fixture_init(&f, mode, with_struct), "fixture (%s, structured %d)", fusion_mode_name(mode),
		with_struct))
		return;
	yj_params *ps = &f.m.ps;
	/* the backward pass of an eval forward: BatchNorm in eval mode is
	 * an affine map, and mm_backward uses the training formulas, so the
	 * finite differences cover what comes after the structured MLPs */
	params_zero_grad(ps);
	loss_of(&f);
	mm_backward(&f.m, (const float *const *)f.x, f.nd, f.idx, f.y, NULL, f.B);
	const char *names[] = {"ngram.0.weight", "ngram.0.bias", "ngram.1.weight", "ngram.1.bias",
			       "classifier.weight", "classifier.bias", "proj.weight", "text.0.dense.weight",
			       "text.0.dense.bias"};
	for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
		long i = params_find(ps, names[k]);
		if (i < 0) {
			ok((!with_struct && !strcmp(names[k], "proj.weight")) || (!g_text && !strncmp(names[k], "text.", 5)),
			   "%s declared only with its branch", names[k]);
			continue;
		}
		double worst = 0;
		size_t n = ps->v[i].size;
		for (size_t j = 0; j < n; j++) {
			float *p = params_data(ps, i) + j, p0 = *p;
			const float h = 1e-2f;
			*p = p0 + h;
			double lp = loss_of(&f);
			*p = p0 - h;
			double lm = loss_of(&f);
			*p = p0;
			double num = (lp - lm) / (2 * (double)h), an = params_grad(ps, i)[j];
			double den = fmax(fmax(fabs(num), fabs(an)), 1e-2);
			worst = fmax(worst, fabs(num - an) / den);
		}
		ok(worst < 2e-2, "finite differences %-18s (%s, structured %d): n=%zu max rel err %.2e", names[k],
		   fusion_mode_name(mode), with_struct, n, worst);
	}
	/* the gradient handed to the encoder: d loss / d [CLS] */
	if (g_text) {
		double worst = 0;
		float *dcls = malloc(8 * 6 * sizeof(float));
		memcpy(dcls, f.m.dtin[0], 8 * 6 * sizeof(float));
		for (int j = 0; j < 48; j++) {
			float *p = f.tin + j, p0 = *p;
			const float h = 1e-2f;
			*p = p0 + h;
			double lp = loss_of(&f);
			*p = p0 - h;
			double lm = loss_of(&f);
			*p = p0;
			double num = (lp - lm) / (2 * (double)h), an = dcls[j];
			worst = fmax(worst, fabs(num - an) / fmax(fmax(fabs(num), fabs(an)), 1e-2));
		}
		free(dcls);
		ok(worst < 2e-2, "finite differences of the [CLS] inputs (%s, structured %d): max rel err %.2e",
		   fusion_mode_name(mode), with_struct, worst);
	}
	/* rows of n-grams no text has get no gradient */
	{
		long i = params_find(ps, "ngram.1.weight");
		size_t D = 4, rows = f.m.ng[1].rows;
		unsigned char *present = calloc(rows, 1);
		for (size_t j = 0; j < f.nd[1].off[8]; j++)
			present[f.nd[1].ids[j]] = 1;
		int clean = 1;
		for (size_t r = 0; r < rows; r++)
			for (size_t c = 0; c < D && !present[r]; c++)
				clean &= params_grad(ps, i)[r * D + c] == 0;
		ok(clean, "the n-gram backward touches only the rows present");
		free(present);
	}

	/* head consistency and Shapley */
	loss_of(&f);
	int np = mm_nplayers(&f.m), K = 3;
	double *u[FUSION_MAX], *base[FUSION_MAX];
	for (int pl = 0; pl < np; pl++) {
		int d = mm_player_dim(&f.m, pl);
		u[pl] = malloc((size_t)d * sizeof(double));
		base[pl] = malloc((size_t)d * sizeof(double));
		for (int c = 0; c < d; c++) {
			u[pl][c] = mm_player_vec(&f.m, pl, 1)[c];
			base[pl][c] = 0.3 * (rng_uniform(&rng) - 0.5);
		}
	}
	double z[3], worst = 0;
	mm_head_logits(&f.m, (const double *const *)u, z);
	for (int k = 0; k < K; k++)
		worst = fmax(worst, fabs(z[k] - f.m.fu.logits[K + k]));
	ok(worst < 1e-4, "mm_head_logits equals the model's logits (max diff %.2e)", worst);

	game_ctx c = {&f.m, u, base, np};
	yj_shapley r;
	int k = 1;
	ok(!fusion_shapley(np, K, k, fn, &c, &r), "Shapley over %d players", np);
	double sl = r.base_logit, sp = r.base_prob;
	for (int pl = 0; pl < np; pl++)
		sl += r.phi_logit[pl], sp += r.phi_prob[pl];
	ok(fabs(sl - r.out_logit) < 1e-9 && fabs(sp - r.out_prob) < 1e-9,
	   "efficiency: base + sum = output (logit %.3g vs %.3g, probability %.3g vs %.3g)", sl, r.out_logit, sp,
	   r.out_prob);
	ok(fabs(r.out_logit - z[k]) < 1e-9, "v(all) is the model's logit");
	/* the logit is linear in every player: phi_i = v({i}) - v({}) */
	double lin = 0;
	for (int pl = 0; pl < np; pl++) {
		double only[3], none[3];
		fn(&c, 1u << pl, only);
		fn(&c, 0, none);
		lin = fmax(lin, fabs(r.phi_logit[pl] - (only[k] - none[k])));
	}
	ok(lin < 1e-9, "linear logit: each value is its own effect alone (max diff %.2e)", lin);
	for (int pl = 0; pl < np; pl++) {
		free(u[pl]);
		free(base[pl]);
	}
	fixture_free(&f);
}

static void game_symmetric(void *ctx, uint32_t mask, double *out)
{
	(void)ctx;
	double s = __builtin_popcount(mask);
	out[0] = s * s;
	out[1] = 0;
}

static void game_dictator(void *ctx, uint32_t mask, double *out)
{
	(void)ctx;
	out[0] = mask & 1 ? 5 : 0;
	out[1] = mask & 4 ? 1 : 0; /* a player that moves only another class */
}

static void game_pair(void *ctx, uint32_t mask, double *out)
{
	(void)ctx;
	/* v = 6 only when players 0 and 1 are both present: 3 each */
	out[0] = (mask & 3) == 3 ? 6 : 0;
	out[1] = 0;
}

int main(void)
{
	rng_seed(&rng, 99);
	nn_set_threads(1);
	test_hash();
	test_gradients(FUSION_CONCAT, 0);
	test_gradients(FUSION_CONCAT, 1);
	test_gradients(FUSION_SUM, 1);
	g_text = 1;
	test_gradients(FUSION_CONCAT, 0);
	test_gradients(FUSION_SUM, 1);
	g_text = 0;
	yj_shapley r;
	int rc = fusion_shapley(3, 2, 0, game_symmetric, NULL, &r);
	ok(!rc && fabs(r.phi_logit[0] - 3) < 1e-12 &&
		   fabs(r.phi_logit[1] - 3) < 1e-12 && fabs(r.phi_logit[2] - 3) < 1e-12,
	   "symmetric game |S|^2 over 3 players: 3 each (got %g %g %g)", r.phi_logit[0], r.phi_logit[1],
	   r.phi_logit[2]);
	rc = fusion_shapley(4, 2, 0, game_dictator, NULL, &r);
	ok(!rc && fabs(r.phi_logit[0] - 5) < 1e-12 &&
		   r.phi_logit[1] == 0 && r.phi_logit[3] == 0 && fabs(r.loo_logit[0] - 5) < 1e-12,
	   "a player alone deciding the logit: 5 to it, 0 to the others (got %g %g)", r.phi_logit[0],
	   r.phi_logit[1]);
	ok(r.phi_prob[2] < 0, "a player raising another class lowers this one's probability (%g)", r.phi_prob[2]);
	rc = fusion_shapley(3, 2, 0, game_pair, NULL, &r);
	ok(!rc && fabs(r.phi_logit[0] - 3) < 1e-12 &&
		   fabs(r.phi_logit[1] - 3) < 1e-12 && fabs(r.phi_logit[2]) < 1e-12 && fabs(r.loo_logit[0] - 6) < 1e-12,
	   "a pair needed together: 3 each, leave-one-out 6 each (got %g %g %g)", r.phi_logit[0], r.phi_logit[1],
	   r.phi_logit[2]);
	ok(fusion_shapley(21, 2, 0, game_pair, NULL, &r) == -1, "more than 20 players is refused");
	return tap_done();
}
