/*
 * test-fusion.c - the n-gram branch, the fusion head and the Shapley
 * values over branches:
 *   hashing      n-gram counts of ASCII, CJK and empty texts, words;
 *                buckets in range; the vocabulary is the sorted distinct
 *                buckets of the texts in use
 *   TF-IDF       the weights of a hand-worked example (sublinear tf,
 *                smooth idf, L2), an unseen n-gram dropped; the mean of
 *                runs from before
 *   lazy AdamW   the rows present equal dense AdamW, the others stay
 *                (and a first update's bias correction)
 *   gradients    central finite differences of the loss of a fused model
 *                (structured + two n-gram branches with their direct
 *                paths; concat and sum) for every n-gram, direct path,
 *                projection and classifier entry;
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
#include "yujing/nn/optim.h"

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

/* A spec: character 1..nmax-grams, word 1..words-grams, TF-IDF or the
 * mean of runs from before. */
static yj_ngram_spec spec(int nmax, int words, uint32_t buckets, int tfidf)
{
	yj_ngram_spec sp = {.nmax = nmax, .words = words, .buckets = buckets, .tfidf = tfidf, .min_df = 1};
	return sp;
}

/* The bucket of one character n-gram g of k characters (its k-gram is
 * hashed right after its (k-1)-gram at position 0). */
static uint32_t bucket_of(const char *g, int k, uint32_t buckets)
{
	yj_ngram_spec sp = spec(k, 0, buckets, 1);
	uint32_t *h, b = 0;
	size_t n;
	if (!ngram_hash_text(g, &sp, &h, &n) && n >= (size_t)k)
		b = h[k - 1];
	free(h);
	return b;
}

/* The weight of bucket b in text i of d (0 when absent). */
static double weight_of(const yj_ngram_data *d, const yj_ngram_vocab *v, size_t i, uint32_t b)
{
	for (size_t j = d->off[i]; j < d->off[i + 1]; j++)
		if (v->bucket[d->ids[j]] == b)
			return d->w[j];
	return 0;
}

static void test_hash(void)
{
	uint32_t *h;
	size_t n;
	yj_ngram_spec old3 = spec(3, 0, 1000, 0), sp;
	int rc = ngram_hash_text("abcd", &old3, &h, &n);
	ok(!rc && n == 4 + 3 + 2, "abcd: 9 n-grams of 1..3 chars (got %zu)", n);
	int inrange = 1;
	for (size_t i = 0; i < n; i++)
		inrange &= h[i] < 1000;
	ok(inrange, "buckets in [0, 1000)");
	free(h);
	old3.buckets = 1u << 18;
	rc = ngram_hash_text("盗窃案件", &old3, &h, &n);
	ok(!rc && n == 9, "CJK counts code points, not bytes (got %zu)", n);
	uint32_t first = h[0];
	free(h);
	sp = spec(1, 0, 1u << 18, 0);
	ok(!ngram_hash_text("盗", &sp, &h, &n) && n == 1 && h[0] == first, "the same 1-gram hashes the same");
	free(h);
	ok(!ngram_hash_text("", &old3, &h, &n) && n == 0, "empty text: no n-gram");
	free(h);
	ok(!ngram_hash_text(NULL, &old3, &h, &n) && n == 0, "NULL text: no n-gram");
	free(h);

	/* words: runs of letters and digits; CJK characters and punctuation
	 * end them, a CJK character also breaks the chain of word 2-grams */
	sp = spec(0, 2, 1u << 18, 1);
	ok(!ngram_hash_text("Retail  THEFT", &sp, &h, &n) && n == 3, "retail, theft, 'retail theft' (got %zu)", n);
	uint32_t w3[3] = {h[0], h[1], h[2]};
	free(h);
	ok(!ngram_hash_text("retail theft", &sp, &h, &n) && n == 3 && h[0] == w3[0] && h[1] == w3[1] && h[2] == w3[2],
	   "TF-IDF lowers ASCII letters and squeezes white space before hashing");
	free(h);
	ok(!ngram_hash_text("盗窃2000元, abc", &sp, &h, &n) && n == 2,
	   "Chinese text: the words 2000 and abc, no 2-gram across the character 元 (got %zu)", n);
	free(h);
	ok(!ngram_hash_text("$500 and-under", &sp, &h, &n) && n == 3 + 2, "$500 and-under: 500 and under + 2 pairs (got %zu)",
	   n);
	free(h);
	sp = spec(2, 0, 1u << 18, 1);
	ok(!ngram_hash_text("ab", &sp, &h, &n) && n == 3, "ab: a, ab, b");
	uint32_t ab = h[1];
	free(h);
	sp.words = 1;
	ok(!ngram_hash_text("ab", &sp, &h, &n) && n == 4 && h[3] != ab, "the word ab and the 2-gram ab hash apart");
	free(h);
	sp = spec(1, 0, 1u << 18, 0);
	uint32_t lowA = bucket_of("a", 1, 1u << 18);
	ok(!ngram_hash_text("A", &sp, &h, &n) && n == 1 && h[0] != lowA, "runs from before hash the raw bytes");
	free(h);

	/* TF-IDF by hand: training texts ab, aab, c; character 1..2-grams
	 *   ab: a b ab   aab: a a b aa ab   c: c      (n = 3 texts)
	 *   df: a 2, b 2, ab 2, aa 1, c 1
	 *   idf = ln((1+3)/(1+df)) + 1: df 2 -> 1.2876821, df 1 -> 1.6931472
	 * aab: x_a = (1 + ln 2) 1.2876821 = 2.1802330, x_b = x_ab = 1.2876821,
	 *   x_aa = 1.6931472; ||x||^2 = 4.7534160 + 2 (1.6581250) + 2.8667474
	 *   = 10.936413, ||x|| = 3.3070249:
	 *   a 0.6592736, aa 0.5119848, b = ab 0.3893776
	 * ab: three equal idf, tf 1: 1/sqrt(3) = 0.5773503 each
	 * abd (a text after training): d and bd are not in the vocabulary
	 *   and are dropped: a, b, ab as in ab.
	 * (scikit-learn's TfidfVectorizer(analyzer='char', ngram_range=(1, 2),
	 * sublinear_tf=True, lowercase=False) gives the same numbers.) */
	const char *texts[] = {"ab", "aab", "c", "xyz"};
	unsigned char use[] = {1, 1, 1, 0};
	sp = spec(2, 0, 1u << 18, 1);
	yj_ngram_vocab voc;
	yj_ngram_data d;
	ok(!ngram_vocab_build(texts, 4, use, &sp, &voc), "vocabulary build");
	is_int(voc.n, 5, "vocabulary: a, b, ab, aa, c (xyz is not in use)");
	is_int(voc.ndocs, 3, "three training texts");
	int sorted = 1;
	for (size_t i = 1; i < voc.n; i++)
		sorted &= voc.bucket[i - 1] < voc.bucket[i];
	ok(sorted, "vocabulary sorted and distinct");
	uint32_t ba = bucket_of("a", 1, sp.buckets), bb = bucket_of("b", 1, sp.buckets),
		 bab = bucket_of("ab", 2, sp.buckets), baa = bucket_of("aa", 2, sp.buckets);
	ok(!ngram_data_build(texts, 4, &sp, &voc, &d), "data build");
	is_near(weight_of(&d, &voc, 1, ba), 0.6592736, 2e-7, "aab: a %.7f", weight_of(&d, &voc, 1, ba));
	is_near(weight_of(&d, &voc, 1, baa), 0.5119848, 2e-7, "aab: aa %.7f", weight_of(&d, &voc, 1, baa));
	is_near(weight_of(&d, &voc, 1, bb), 0.3893776, 2e-7, "aab: b %.7f", weight_of(&d, &voc, 1, bb));
	is_near(weight_of(&d, &voc, 1, bab), 0.3893776, 2e-7, "aab: ab %.7f", weight_of(&d, &voc, 1, bab));
	is_int(d.off[2] - d.off[1], 4, "aab: one entry per distinct n-gram");
	is_near(weight_of(&d, &voc, 0, ba), 0.5773503, 2e-7, "ab: a = 1/sqrt(3)");
	is_near(weight_of(&d, &voc, 2, bucket_of("c", 1, sp.buckets)), 1.0, 1e-7, "c: one n-gram, weight 1");
	is_int(d.off[4] - d.off[3], 0, "xyz: none of its n-grams in the vocabulary");
	ngram_data_free(&d);
	const char *later[] = {"abd"};
	ok(!ngram_data_build(later, 1, &sp, &voc, &d) && d.off[1] == 3, "abd: d and bd dropped");
	is_near(weight_of(&d, &voc, 0, bab), 0.5773503, 2e-7, "abd: ab = 1/sqrt(3)");
	ngram_data_free(&d);
	/* a run from before: every occurrence weighs 1/m, m counting the
	 * n-grams out of the vocabulary too (abz: a b z ab bz, m = 5) */
	yj_ngram_spec old2 = spec(2, 0, 1u << 18, 0);
	yj_ngram_vocab ov = voc;
	ov.df = NULL;
	const char *more[] = {"abz"};
	ok(!ngram_data_build(more, 1, &old2, &ov, &d) && d.off[1] == 3 && fabs(d.w[0] - 0.2) < 1e-7,
	   "mean weighting: abz keeps a, b, ab of its 5 n-grams at 1/5 each");
	ngram_data_free(&d);
	ngram_vocab_free(&voc);
}

/* Lazy AdamW (ngram_adamw_rows) against the dense AdamW (adamw_step) on a
 * (4, 3) table with weight decay:
 *   step 1  gradients on rows 0 and 2 only: those rows equal the dense
 *           update bit for bit; rows 1 and 3 keep their values (the dense
 *           step decays them: p (1 - lr wd))
 *   step 2  gradients on rows 0 and 1: row 0 (present in both steps)
 *           again equals the dense update; row 1 gets its first update
 *           with the bias correction of t = 2, written out below in
 *           double; row 2 (absent) keeps its values and moments, where
 *           the dense step would move it by its momentum. */
static void test_lazy_adamw(void)
{
	yj_params dn, lz;
	int64_t shape[2] = {4, 3};
	params_init(&dn);
	params_init(&lz);
	long idn = params_add(&dn, "t", 2, shape, 1, 1), ilz = params_add(&lz, "t", 2, shape, 1, 0);
	if (!ok(idn == 0 && ilz == 0 && !params_alloc(&dn) && !params_alloc(&lz), "two tables"))
		return;
	for (int i = 0; i < 12; i++)
		dn.data[i] = lz.data[i] = (float)(rng_uniform(&rng) - 0.5);
	float p0[12];
	memcpy(p0, lz.data, sizeof p0);
	yj_adamw od, ol;
	adamw_init(&od);
	adamw_init(&ol);
	od.weight_decay = ol.weight_decay = 0.1f;
	const float lr = 0.01f;
	static const float g1[12] = {0.5f, -1, 0.25f, 0, 0, 0, -0.3f, 0.8f, 2, 0, 0, 0};
	static const float g2[12] = {-0.4f, 0.1f, 0.9f, 0.7f, -0.2f, 0.05f, 0, 0, 0, 0, 0, 0};
	memcpy(dn.grad, g1, sizeof g1);
	memcpy(lz.grad, g1, sizeof g1);
	size_t r1[2] = {0, 2}, r2[2] = {0, 1};
	adamw_step(&od, &dn, lr);
	ol.t++; /* adamw_step advances t; lz has no dense tensor */
	ngram_adamw_rows(&ol, &lz, ilz, r1, 2, 3, lr);
	ok(!memcmp(lz.data, dn.data, 3 * sizeof(float)) && !memcmp(lz.data + 6, dn.data + 6, 3 * sizeof(float)),
	   "step 1: the rows present equal dense AdamW bit for bit");
	ok(!memcmp(lz.data + 3, p0 + 3, 3 * sizeof(float)) && !memcmp(lz.data + 9, p0 + 9, 3 * sizeof(float)),
	   "step 1: the rows absent keep their values");
	ok(dn.data[3] != p0[3], "(dense AdamW decays them: %.9g -> %.9g)", p0[3], dn.data[3]);
	float row2[3], m2[3], v2[3];
	memcpy(row2, lz.data + 6, sizeof row2);
	memcpy(m2, lz.m + 6, sizeof m2);
	memcpy(v2, lz.v2 + 6, sizeof v2);
	memcpy(dn.grad, g2, sizeof g2);
	memcpy(lz.grad, g2, sizeof g2);
	adamw_step(&od, &dn, lr);
	ol.t++;
	ngram_adamw_rows(&ol, &lz, ilz, r2, 2, 3, lr);
	ok(!memcmp(lz.data, dn.data, 3 * sizeof(float)), "step 2: row 0, present in both steps, equals dense AdamW");
	double worst = 0;
	for (int c = 0; c < 3; c++) {
		/* first update of row 1, at t = 2, from zero moments */
		double g = g2[3 + c], m = 0.1 * g, v = (1 - 0.999) * g * g;
		double p = p0[3 + c] * (1 - 0.01 * 0.1);
		p -= 0.01 / (1 - 0.9 * 0.9) * m / (sqrt(v) / sqrt(1 - 0.999 * 0.999) + 1e-8);
		worst = fmax(worst, fabs(p - lz.data[3 + c]));
	}
	ok(worst < 1e-7, "step 2: row 1's first update uses t = 2 (max diff %.2e)", worst);
	ok(!memcmp(lz.data + 6, row2, sizeof row2) && !memcmp(lz.m + 6, m2, sizeof m2) &&
		   !memcmp(lz.v2 + 6, v2, sizeof v2),
	   "step 2: row 2, absent, keeps its values and moments");
	ok(dn.data[6] != row2[0], "(dense AdamW moves it by its momentum)");
	params_free(&dn);
	params_free(&lz);
}

/* The decay lazy rows miss (ngram_step, ngram_decay_catch_up,
 * ngram_decay_flush) against dense AdamW on a (4, 2) direct table U,
 * lr 0.5 and weight decay 0.5: each step's factor is d = 1 - 0.25 = 0.75,
 * exact in float, and the values 1, -2, 0.5, ... times powers of 3/4 are
 * exact too, so the expected numbers are written by hand:
 *   steps 1, 2  gradients on row 0 only (rows 1-3 absent: dense AdamW
 *               multiplies them by 0.75 a step, nothing else, since their
 *               gradients and moments are zero);
 *   step 3      gradients on rows 0 and 1: row 1 first catches up
 *               0.75^2 = 0.5625, then takes step 3's update, so it equals
 *               the dense row bit for bit;
 *   then        a batch of one text holding row 2 catches up 0.75^3 =
 *               27/64 = 0.421875: (-1.5, 2) -> (-0.6328125, 0.84375)
 *               (row 3 waits), and a flush brings row 3 there as well,
 *               (3, -0.25) -> (1.265625, -0.10546875), and zeroes the sums. */
static void test_lazy_decay(void)
{
	yj_params lz, dn;
	yj_ngram g;
	params_init(&lz);
	params_init(&dn);
	int64_t shape[2] = {4, 2};
	long idn = params_add(&dn, "u", 2, shape, 1, 1);
	if (!ok(!ngram_declare(&g, 0, 4, 1, 2, &lz) && !params_alloc(&lz) && idn == 0 && !params_alloc(&dn),
		"a table of 4 rows, 2 classes, and its dense twin"))
		return;
	static const float u0[8] = {1, -2, 0.5f, 4, -1.5f, 2, 3, -0.25f};
	float *U = params_data(&lz, g.u);
	memcpy(U, u0, sizeof u0);
	memcpy(dn.data, u0, sizeof u0);
	yj_adamw ol, od;
	adamw_init(&ol);
	adamw_init(&od);
	ol.weight_decay = od.weight_decay = 0.5f;
	const float lr = 0.5f;
	static const float gr[3][8] = {{0.3f, -0.1f, 0, 0, 0, 0, 0, 0},
				       {-0.2f, 0.4f, 0, 0, 0, 0, 0, 0},
				       {0.1f, 0.1f, 0.6f, -0.7f, 0, 0, 0, 0}};
	size_t rows3[2] = {0, 1};
	for (int s = 0; s < 3; s++) {
		float *G = params_grad(&lz, g.u);
		memcpy(G, gr[s], sizeof gr[s]);
		memcpy(dn.grad, gr[s], sizeof gr[s]);
		g.ntouched = s < 2 ? 1 : 2;
		memcpy(g.touched, rows3, sizeof rows3);
		adamw_step(&od, &dn, lr);
		ol.t++;
		ngram_step(&g, &ol, lr);
		if (s == 1)
			ok(U[2] == 0.5f && U[3] == 4 && U[4] == -1.5f,
			   "after step 2 the absent rows wait (row 1: %g %g)", U[2], U[3]);
	}
	ok(!memcmp(U, dn.data, 4 * sizeof(float)), "step 3: rows 0 and 1 equal dense AdamW bit for bit");
	ok(fabs(g.decay_log - 3 * log(0.75)) < 1e-15 && g.decayed[0] == g.decay_log && g.decayed[1] == g.decay_log &&
		   g.decayed[2] == 0 && g.decayed[3] == 0,
	   "decay_log = 3 ln 0.75 (%.17g), rows 0 and 1 up to date, 2 and 3 not", g.decay_log);
	size_t off[2] = {0, 1}, idx[1] = {0};
	int32_t ids[1] = {2};
	float w[1] = {1};
	yj_ngram_data d = {1, off, ids, w};
	ngram_decay_catch_up(&g, &d, idx, 1);
	ok(U[4] == -0.6328125f && U[5] == 0.84375f && U[6] == 3 && U[7] == -0.25f,
	   "a batch holding row 2 catches it up by 27/64 (%g %g); row 3 waits (%g %g)", U[4], U[5], U[6], U[7]);
	ok(!memcmp(U + 4, dn.data + 4, 2 * sizeof(float)), "row 2 equals the dense row");
	ok(ngram_decay_pending(&g), "decay is pending before the flush");
	ngram_decay_flush(&g);
	ok(U[6] == 1.265625f && U[7] == -0.10546875f && !memcmp(U, dn.data, 8 * sizeof(float)),
	   "the flush: row 3 is 27/64 of itself (%g %g), the whole table the dense one", U[6], U[7]);
	ok(!ngram_decay_pending(&g) && g.decay_log == 0 && g.decayed[0] == 0 && g.decayed[1] == 0 &&
		   g.decayed[2] == 0,
	   "and nothing is pending after it");
	ngram_decay_flush(&g);
	ok(!memcmp(U, dn.data, 8 * sizeof(float)), "a second flush changes nothing");
	ngram_free(&g);
	params_free(&lz);
	params_free(&dn);
}

/* A small fused model with random weights and data. */
typedef struct {
	yj_mm m;
	float *x[2];
	yj_ngram_data nd[2];
	yj_ngram_vocab voc[2];
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
	yj_ngram_spec s0 = spec(3, 2, 1u << 18, 1), s1 = spec(2, 2, 64, 1);
	if (ngram_vocab_build((const char *const *)T0, 8, NULL, &s0, &f->voc[0]) ||
	    ngram_vocab_build((const char *const *)T1, 8, NULL, &s1, &f->voc[1]) ||
	    ngram_data_build((const char *const *)T0, 8, &s0, &f->voc[0], &f->nd[0]) ||
	    ngram_data_build((const char *const *)T1, 8, &s1, &f->voc[1], &f->nd[1]))
		return -1;
	yj_mm_cfg cfg = {.nngram = 2, .ngram_rows = {f->voc[0].n, f->voc[1].n}, .ngram_dim = 4, .ngram_direct = 1,
			 .nclasses = 3, .fusion = mode};
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
	/* random n-gram tables and direct paths (they start at zero) */
	yj_params *ps = &f->m.ps;
	for (int t = 0; t < 2; t++) {
		for (size_t i = 0; i < ps->v[f->m.ng[t].w].size; i++)
			params_data(ps, f->m.ng[t].w)[i] = (float)(rng_uniform(&rng) - 0.5);
		for (size_t i = 0; i < ps->v[f->m.ng[t].u].size; i++)
			params_data(ps, f->m.ng[t].u)[i] = (float)(rng_uniform(&rng) - 0.5);
	}
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
		ngram_vocab_free(&f->voc[i]);
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
	const char *names[] = {"ngram.0.weight", "ngram.0.bias", "ngram.0.direct", "ngram.1.weight", "ngram.1.bias",
			       "ngram.1.direct",
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
	test_lazy_adamw();
	test_lazy_decay();
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
