/*
 * test-corners.c - corners of the numerics layer (src/nn) that the larger
 * tests do not reach, each written against a mutant of
 * tests/mutation/mutants.txt that passed every other test.  Expected
 * values are by hand (the reasoning beside each).
 */
#include <config.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "yujing/base/rng.h"
#include "yujing/model/bert.h"
#include "yujing/model/fusion.h"
#include "yujing/model/ngram.h"
#include "yujing/model/structured.h"
#include "yujing/nn/bf16.h"
#include "yujing/nn/ops.h"

/* Every value of tensor i within [-bound, bound], some below 0 and some
 * above, and a mean near 0 (U(-b, b) has mean 0 and sd b/sqrt(3): for n
 * values the mean is within 5 sd/sqrt(n) of 0). */
static void uniform_ok(yj_params *ps, long i, float bound, const char *what)
{
	const float *d = params_data(ps, i);
	size_t n = ps->v[i].size, neg = 0, pos = 0;
	double sum = 0;
	int inside = 1;
	for (size_t j = 0; j < n; j++) {
		inside &= d[j] >= -bound && d[j] <= bound;
		neg += d[j] < 0;
		pos += d[j] > 0;
		sum += d[j];
	}
	ok(inside && neg && pos && fabs(sum / (double)n) < 5 * bound / sqrt(3.0 * (double)n),
	   "%s: %zu values in [-%g, %g], %zu negative, mean %.4g", what, n, (double)bound, (double)bound, neg,
	   sum / (double)n);
}

int main(void)
{
	/* the structured MLP's Linear layers start U(-1/sqrt(in), 1/sqrt(in))
	 * as PyTorch's nn.Linear: source 0 of width 9 (bound 1/3), hidden 16,
	 * projection 8, 3 classes */
	{
		yj_mlp_cfg c = {.nsrc = 1, .in_dim = {9}, .hidden = 16, .depth = 2, .proj = 8, .nclasses = 3};
		yj_mlp m;
		if (ok(mlp_init(&m, &c, 11) == 0, "an MLP 9 -> 16 -> 16 -> 8 -> 3")) {
			uniform_ok(&m.ps, m.lin_w[0][0], 1.0f / 3, "layer 0 weight (in 9)");
			uniform_ok(&m.ps, m.lin_w[0][1], 0.25f, "layer 1 weight (in 16)");
			uniform_ok(&m.ps, m.proj_w, 0.25f, "projection weight (in 16)");
			uniform_ok(&m.ps, m.cls_w, 1.0f / sqrtf(8), "classifier weight (in 8)");
		}
		mlp_free(&m);
	}

	/* the fusion head: a branch of width 1 is a branch (a single
	 * feature), and the classifier starts U(-1/sqrt(F), 1/sqrt(F)) as
	 * nn.Linear: concat of widths 1, 3 and 5 is F = 9, bound 1/3 */
	{
		const int dims[3] = {1, 3, 5};
		yj_fusion f;
		yj_params ps;
		yj_rng rng;
		params_init(&ps);
		ok(fusion_declare(&f, FUSION_CONCAT, 3, dims, 4, &ps) == 0 && f.in == 9, "concat of 1, 3, 5: F = 9");
		if (ok(params_alloc(&ps) == 0, "allocated")) {
			rng_seed(&rng, 5);
			fusion_init_values(&f, &rng);
			uniform_ok(&ps, f.w, 1.0f / 3, "fusion classifier weight (F 9)");
		}
		fusion_free(&f);
		params_free(&ps);
		const int zero[2] = {4, 0};
		params_init(&ps);
		ok(fusion_declare(&f, FUSION_CONCAT, 2, zero, 4, &ps) == -1, "a branch of width 0 is refused");
		fusion_free(&f);
		params_free(&ps);
	}

	/* the n-gram vocabulary keeps the buckets in at least min_df (2)
	 * training texts: of 盗窃, 盗抢, 诈骗 (single characters, no words),
	 * only 盗 is in two */
	{
		const char *texts[3] = {"盗窃", "盗抢", "诈骗"};
		yj_ngram_spec sp;
		yj_ngram_vocab v;
		uint32_t *h = NULL;
		size_t hn = 0;
		ngram_spec_default(&sp);
		sp.nmax = 1;
		sp.words = 0;
		ok(ngram_vocab_build(texts, 3, NULL, &sp, &v) == 0 && v.ndocs == 3, "a vocabulary of three texts");
		ok(ngram_hash_text("盗", &sp, &h, &hn) == 0 && hn == 1, "the bucket of 盗");
		ok(v.n == 1 && h && v.bucket[0] == h[0] && v.df[0] == 2, "min_df 2: only 盗 kept, in 2 texts (%zu kept)",
		   v.n);
		free(h);
		ngram_vocab_free(&v);
	}

	/* the precision's name: what a run's config and the bench say */
	is_str(nn_precision_name(NN_BF16), "bf16", "NN_BF16 is named bf16");
	is_str(nn_precision_name(NN_FP32), "fp32", "NN_FP32 is named fp32");
	nn_precision p = NN_FP32;
	ok(nn_precision_parse(nn_precision_name(NN_BF16), &p) == 0 && p == NN_BF16, "bf16's name parses back");

	/* a BERT config's type_vocab_size must be in [1, 1024], both ends in */
	static const struct {
		int type_vocab;
		yj_status want;
	} tv[] = {{0, YJ_EDATA}, {1, YJ_OK}, {2, YJ_OK}, {1024, YJ_OK}, {1025, YJ_EDATA}, {-3, YJ_EDATA}};
	for (size_t i = 0; i < sizeof tv / sizeof tv[0]; i++) {
		yj_bert_cfg c;
		yj_error err;
		error_clear(&err);
		ok(bert_config_named("tiny", 100, &c) == 0, "the tiny config");
		c.type_vocab = tv[i].type_vocab;
		yj_status st = bert_config_check(&c, &err);
		ok(st == tv[i].want && (st == YJ_OK || !strcmp(err.field, "type_vocab_size")),
		   "type_vocab_size %d: %s", tv[i].type_vocab, st ? err.msg : "accepted");
	}

	/* bert_init zeroes the padding token's row of the word embeddings
	 * (BertPreTrainedModel._init_weights), wherever the padding id is:
	 * here 5, so row 5 is 0 and rows 0 and 6 are drawn from N(0, 0.02) */
	{
		yj_bert_cfg c;
		yj_bert m;
		yj_error err;
		memset(&m, 0, sizeof m);
		bert_config_named("tiny", 100, &c);
		c.pad_token_id = 5;
		if (ok(bert_init(&m, &c, 7, &err) == YJ_OK, "init a tiny BERT with padding id 5")) {
			const float *w = params_data(&m.ps, m.word);
			int zero5 = 1, zero0 = 1, zero6 = 1;
			for (int j = 0; j < c.hidden; j++) {
				zero5 &= w[5 * c.hidden + j] == 0.0f;
				zero0 &= w[j] == 0.0f;
				zero6 &= w[6 * c.hidden + j] == 0.0f;
			}
			ok(zero5, "row 5 (the padding token) is all zero");
			ok(!zero0 && !zero6, "rows 0 and 6 are not");
		}
		bert_free(&m);
	}

	return tap_done();
}
