/*
 * test-pretrain-mask.c - BERT's masking (pretrain_mask): the number of
 * predicted positions, specials never touched, the 80/10/10 split and a
 * uniform choice of positions over many draws, and exact agreement with a
 * reference written here from the description in pretrain.h (a plain
 * partial Fisher-Yates and one uniform per chosen position).
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "yujing/train/pretrain.h"

enum { V = 1000, CLS = 101, SEP = 102, PAD = 0, MASK = 103 };

static const yj_mask_ids sp = {.cls = CLS, .sep = SEP, .pad = PAD, .mask = MASK, .vocab_size = V};

/* The reference: candidates in order, swap from the back for the last k
 * slots, sort, then u < 0.8 [MASK], u >= 0.9 random, else kept. */
static int ref_mask(const int32_t *ids, int n, float prob, uint64_t seed, int32_t *out, int32_t *pos,
		    int32_t *lab)
{
	yj_rng r;
	rng_seed(&r, seed);
	int32_t cand[512];
	int nc = 0;
	for (int i = 0; i < n; i++) {
		out[i] = ids[i];
		if (ids[i] != CLS && ids[i] != SEP && ids[i] != PAD)
			cand[nc++] = i;
	}
	if (!nc)
		return 0;
	int k = (int)lround((double)prob * nc);
	k = k < 1 ? 1 : k > nc ? nc : k;
	for (int i = nc - 1; i >= nc - k && i > 0; i--) {
		int j = (int)rng_below(&r, (uint64_t)i + 1);
		int32_t t = cand[i];
		cand[i] = cand[j];
		cand[j] = t;
	}
	int32_t *chosen = cand + nc - k;
	int32_t sorted[512];
	for (int i = 0; i < k; i++)
		sorted[i] = chosen[i];
	for (int i = 0; i < k; i++) /* selection sort */
		for (int j = i + 1; j < k; j++)
			if (sorted[j] < sorted[i]) {
				int32_t t = sorted[i];
				sorted[i] = sorted[j];
				sorted[j] = t;
			}
	for (int i = 0; i < k; i++) {
		pos[i] = sorted[i];
		lab[i] = ids[sorted[i]];
		double u = rng_uniform(&r);
		if (u < 0.8)
			out[sorted[i]] = MASK;
		else if (u >= 0.9)
			out[sorted[i]] = (int32_t)rng_below(&r, V);
	}
	return k;
}

/* [CLS] w1 .. w(n-2) [SEP] then pads up to total. */
static int make_seq(int32_t *ids, int words, int total, yj_rng *r)
{
	int n = 0;
	ids[n++] = CLS;
	for (int i = 0; i < words; i++)
		ids[n++] = 200 + (int32_t)rng_below(r, V - 200);
	ids[n++] = SEP;
	while (n < total)
		ids[n++] = PAD;
	return n;
}

int main(void)
{
	int32_t ids[512], out[512], pos[512], lab[512], rout[512], rpos[512], rlab[512];
	yj_rng gen, r;
	rng_seed(&gen, 7);

	/* Exact agreement with the reference over many seeds and lengths. */
	int same = 1, nseq = 0;
	for (uint64_t seed = 1; seed <= 3000; seed++) {
		int words = (int)rng_below(&gen, 130), n = make_seq(ids, words, words + 2 + (int)(seed % 5), &gen);
		rng_seed(&r, seed);
		int k = pretrain_mask(ids, n, 0.15f, &sp, &r, out, pos, lab);
		int rk = ref_mask(ids, n, 0.15f, seed, rout, rpos, rlab);
		same &= k == rk && !memcmp(out, rout, (size_t)n * sizeof *out) &&
			!memcmp(pos, rpos, (size_t)k * sizeof *pos) && !memcmp(lab, rlab, (size_t)k * sizeof *lab);
		nseq++;
	}
	ok(same, "the same ids, positions and labels as the reference for %d seeded sequences", nseq);

	/* The same seed gives the same mask; another seed another one. */
	make_seq(ids, 100, 102, &gen);
	int32_t a[512], b[512];
	rng_seed(&r, 99);
	pretrain_mask(ids, 102, 0.15f, &sp, &r, a, pos, lab);
	rng_seed(&r, 99);
	pretrain_mask(ids, 102, 0.15f, &sp, &r, b, pos, lab);
	ok(!memcmp(a, b, sizeof(int32_t) * 102), "a seed determines the mask");
	rng_seed(&r, 100);
	pretrain_mask(ids, 102, 0.15f, &sp, &r, b, pos, lab);
	ok(memcmp(a, b, sizeof(int32_t) * 102) != 0, "another seed draws another mask");

	/* Edge cases: no candidate; one candidate is always predicted. */
	int32_t only[4] = {CLS, SEP, PAD, PAD};
	rng_seed(&r, 1);
	is_int(pretrain_mask(only, 4, 0.15f, &sp, &r, out, pos, lab), 0, "[CLS] [SEP] [PAD] [PAD]: nothing to predict");
	int32_t one[3] = {CLS, 500, SEP};
	rng_seed(&r, 1);
	int k1 = pretrain_mask(one, 3, 0.15f, &sp, &r, out, pos, lab);
	ok(k1 == 1 && pos[0] == 1 && lab[0] == 500, "a single word is always predicted (k = max(1, round(0.15 n)))");

	/* Statistics over 20000 sequences of 100 words and 20 pads. */
	enum { N = 20000, W = 100 };
	long chosen = 0, masked = 0, kept = 0, randomised = 0, special_hit = 0, bad_k = 0, bad_id = 0;
	long per_pos[W + 2] = {0};
	for (int s = 0; s < N; s++) {
		int n = make_seq(ids, W, W + 22, &gen);
		rng_seed(&r, 1000 + (uint64_t)s);
		int k = pretrain_mask(ids, n, 0.15f, &sp, &r, out, pos, lab);
		bad_k += k != 15;
		for (int i = 0; i < n; i++) {
			int sel = 0;
			for (int j = 0; j < k; j++)
				sel |= pos[j] == i;
			if (!sel) {
				bad_id += out[i] != ids[i];
				continue;
			}
			chosen++;
			special_hit += ids[i] == CLS || ids[i] == SEP || ids[i] == PAD;
			if (i <= W)
				per_pos[i]++;
			if (out[i] == MASK)
				masked++;
			else if (out[i] == ids[i])
				kept++;
			else
				randomised++;
			bad_id += out[i] < 0 || out[i] >= V;
		}
	}
	is_int(bad_k, 0, "every sequence of 100 words has exactly 15 predicted positions");
	is_int(special_hit, 0, "[CLS], [SEP] and [PAD] are never chosen");
	is_int(bad_id, 0, "positions not chosen keep their id; replacements are vocabulary ids");
	double fm = (double)masked / chosen, fk = (double)kept / chosen, fr = (double)randomised / chosen;
	/* 300,000 draws: one standard deviation is about 0.0007. */
	ok(fabs(fm - 0.8) < 0.004, "[MASK] for 80%% of the chosen positions (%.4f)", fm);
	ok(fabs(fk - 0.1) < 0.004, "unchanged for 10%% (%.4f)", fk);
	ok(fabs(fr - 0.1) < 0.004, "a random token for 10%% (%.4f)", fr);
	double lo = 1, hi = 0;
	for (int i = 1; i <= W; i++) {
		double f = (double)per_pos[i] / N;
		lo = f < lo ? f : lo;
		hi = f > hi ? f : hi;
	}
	/* per position: sd sqrt(.15 .85 / 20000) = 0.0025 */
	ok(lo > 0.135 && hi < 0.165, "every word position is chosen about 15%% of the time (%.4f .. %.4f)", lo, hi);
	return tap_done();
}
