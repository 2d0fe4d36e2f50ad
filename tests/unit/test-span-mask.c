/*
 * test-span-mask.c - span masking (pretrain_span_mask): the same budget
 * as token masking (exactly k = max(1, round(0.15 nc)) predicted tokens a
 * text), specials never touched, spans never crossing [SEP], and the
 * statistics of the chosen sets against their exact values: derived by
 * hand for ten words, and computed by exact enumeration of the draws in
 * tests/reference/span_mask_ref.py (written from pretrain.h's definition)
 * for the other layouts.  Token masking, on the same texts, is far from
 * them (its pairs are adjacent 9 times in 45).  Last, exact agreement with
 * a second implementation written here from the description in pretrain.h.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "yujing/train/pretrain.h"

enum { V = 30000, CLS = 101, SEP = 102, PAD = 0, MASK = 103 };

static const yj_mask_ids sp = {.cls = CLS, .sep = SEP, .pad = PAD, .mask = MASK, .vocab_size = V};

/* [CLS], then for each segment its words and a [SEP]; words are ids
 * 1000 + position, so a kept token is told from a random one. */
static int layout(int32_t *ids, const int *seg, int nseg)
{
	int n = 0;
	ids[n++] = CLS;
	for (int s = 0; s < nseg; s++) {
		for (int i = 0; i < seg[s]; i++, n++)
			ids[n] = 1000 + n;
		ids[n++] = SEP;
	}
	return n;
}

/* The fate of a chosen position: 0 [MASK], 1 kept, 2 random. */
static int fate(const int32_t *ids, const int32_t *out, int i)
{
	return out[i] == MASK ? 0 : out[i] == ids[i] ? 1 : 2;
}

typedef struct {
	long texts, bad_k, bad_pos, one_run, runs, one_fate, cross;
} tally;

/* Mask N texts of one layout with fn and count. */
static void draw(int (*fn)(const int32_t *, int, float, const yj_mask_ids *, yj_rng *, int32_t *, int32_t *,
			   int32_t *),
		 const int *seg, int nseg, int N, uint64_t seed, tally *t)
{
	int32_t ids[512], out[512], pos[512], lab[512];
	int n = layout(ids, seg, nseg), nc = 0;
	for (int s = 0; s < nseg; s++)
		nc += seg[s];
	int k = (int)floor(0.15 * nc + 0.5);
	k = k < 1 ? 1 : k;
	memset(t, 0, sizeof *t);
	yj_rng r;
	rng_seed(&r, seed);
	for (int x = 0; x < N; x++) {
		int got = fn(ids, n, 0.15f, &sp, &r, out, pos, lab);
		t->texts++;
		t->bad_k += got != k;
		int runs = 1, same = 1;
		for (int j = 0; j < got; j++) {
			t->bad_pos += ids[pos[j]] == CLS || ids[pos[j]] == SEP || lab[j] != ids[pos[j]] ||
				      (j && pos[j] <= pos[j - 1]);
			if (j && pos[j] != pos[j - 1] + 1)
				runs++;
			if (j && fate(ids, out, pos[j]) != fate(ids, out, pos[0]))
				same = 0;
		}
		/* a position not chosen keeps its id */
		for (int i = 0, j = 0; i < n; i++) {
			if (j < got && pos[j] == i) {
				j++;
				continue;
			}
			t->bad_pos += out[i] != ids[i];
		}
		t->one_run += runs == 1;
		t->runs += runs;
		t->one_fate += same;
	}
}

/* |x - want| within 5 standard errors of a mean of n draws of sd sd. */
static int near(double x, double want, double sd, long n)
{
	return fabs(x - want) <= 5 * sd / sqrt((double)n);
}

/* The second implementation, from pretrain.h's words: a list of the
 * free candidates (kept in position order, an item removed when chosen)
 * and a chosen flag per position. */
static int ref_span(const int32_t *ids, int n, float prob, yj_rng *r, int32_t *out, int32_t *pos, int32_t *lab)
{
	int free_[512], nfree = 0, chosen[512] = {0}, cand[512] = {0};
	for (int i = 0; i < n; i++) {
		out[i] = ids[i];
		if (ids[i] != CLS && ids[i] != SEP && ids[i] != PAD) {
			cand[i] = 1;
			free_[nfree++] = i;
		}
	}
	int nc = nfree;
	if (!nc)
		return 0;
	int k = (int)lround((double)prob * nc);
	k = k < 1 ? 1 : k > nc ? nc : k;
	int done = 0;
	while (done < k) {
		double u = rng_uniform(r);
		int L = 1 + (int)floor(log(1.0 - u) / log(1.0 - 0.2));
		L = L > 10 ? 10 : L;
		L = L > k - done ? k - done : L;
		int start = free_[rng_below(r, (uint64_t)nfree)];
		int span[16], ns = 0;
		for (int i = start; i < n && ns < L && cand[i] && !chosen[i]; i++)
			span[ns++] = i;
		double f = rng_uniform(r);
		for (int a = 0; a < ns; a++) {
			chosen[span[a]] = 1;
			for (int b = 0; b < nfree; b++)
				if (free_[b] == span[a]) {
					memmove(free_ + b, free_ + b + 1, (size_t)(nfree - b - 1) * sizeof *free_);
					nfree--;
					break;
				}
			if (f < 0.8)
				out[span[a]] = MASK;
			else if (f >= 0.9)
				out[span[a]] = (int32_t)rng_below(r, V);
		}
		done += ns;
	}
	int c = 0;
	for (int i = 0; i < n; i++)
		if (chosen[i]) {
			pos[c] = i;
			lab[c++] = ids[i];
		}
	return c;
}

int main(void)
{
	enum { N = 40000 };
	tally t;

	/* Layout A: ten words.  k = round(1.5) = 2.  The first span is 1 token
	 * (p = 0.2) or 2 (0.8, cut to the 2 still to choose), cut to 1 when it
	 * starts at the last word (1/10): one span of two with 0.8 x 0.9 =
	 * 0.72.  Otherwise (0.28) a second single token among the 9 left is
	 * next to the first with P = neighbours / 9: a first single drawn as
	 * such (0.2) sits anywhere (mean neighbours (2 x 1 + 8 x 2) / 10 =
	 * 1.8, P 0.2); one cut at the last word (0.08) has 1.  P(adjacent) =
	 * 0.72 + 0.2 x 0.2 + 0.08 / 9 = 0.768889.  One fate: a single span
	 * always, two spans 0.8^2 + 0.1^2 + 0.1^2 = 0.66: 0.72 + 0.28 x 0.66 =
	 * 0.9048 (a random id equal to the word, 1 in 30000, is neglected). */
	const int A[] = {10};
	draw(pretrain_span_mask, A, 1, N, 1, &t);
	is_int(t.bad_k, 0, "ten words: every text has exactly k = 2 predicted tokens");
	is_int(t.bad_pos, 0, "ten words: no special chosen, labels the words, the rest untouched");
	double adj = (double)t.one_run / N, one_fate = (double)t.one_fate / N;
	ok(near(adj, 0.768889, 0.42, N), "ten words: the two are adjacent with P 0.7689 by hand (%.4f)", adj);
	ok(near(one_fate, 0.9048, 0.30, N), "ten words: one fate for both with P 0.9048 by hand (%.4f)", one_fate);
	/* token masking: 9 adjacent pairs among C(10, 2) = 45 */
	tally tk;
	draw(pretrain_mask, A, 1, N, 1, &tk);
	double adj_tok = (double)tk.one_run / N;
	ok(near(adj_tok, 0.2, 0.4, N) && tk.bad_k == 0,
	   "token masking on the same texts: adjacent with P 9/45 = 0.2 (%.4f), the same k", adj_tok);

	/* Layout B: twenty words, k = 3 (span_mask_ref.py: P(one run)
	 * 0.612281, E[runs] 1.429076, P(one fate) 0.846250). */
	const int B[] = {20};
	draw(pretrain_span_mask, B, 1, N, 2, &t);
	is_int(t.bad_k + t.bad_pos, 0, "twenty words: k = 3 in every text, positions and labels right");
	double one = (double)t.one_run / N, mr = (double)t.runs / N;
	one_fate = (double)t.one_fate / N;
	ok(near(one, 0.612281, 0.49, N), "twenty words: one contiguous run with P 0.6123 (%.4f)", one);
	ok(near(mr, 1.429076, 0.6, N), "twenty words: 1.4291 runs on average (%.4f)", mr);
	ok(near(one_fate, 0.846250, 0.37, N), "twenty words: one fate with P 0.8463 (%.4f)", one_fate);

	/* Layout C: five words, [SEP], five words; k = 2.  A span starting
	 * on a segment's last word is cut at [SEP]: P(one run) 0.693333
	 * (reference), not layout A's 0.768889 (were [SEP] crossed, as a
	 * candidate would be, the run would continue). */
	const int C[] = {5, 5};
	draw(pretrain_span_mask, C, 2, N, 3, &t);
	one = (double)t.one_run / N;
	ok(t.bad_k == 0 && t.bad_pos == 0, "[SEP] in the middle: never chosen, k = 2");
	ok(near(one, 0.693333, 0.47, N), "[SEP] in the middle: one run with P 0.6933, spans cut at [SEP] (%.4f)", one);

	/* Long texts: exactly round(0.15 nc) for every length, and far
	 * longer runs than token masking's. */
	long bad = 0, sruns = 0, truns = 0, chosen = 0;
	for (int w = 1; w <= 300; w++) {
		int seg[1] = {w};
		tally a, b;
		draw(pretrain_span_mask, seg, 1, 20, (uint64_t)w, &a);
		draw(pretrain_mask, seg, 1, 20, (uint64_t)w, &b);
		bad += a.bad_k + a.bad_pos;
		sruns += a.runs;
		truns += b.runs;
		int k = (int)floor(0.15 * w + 0.5);
		chosen += 20 * (k < 1 ? 1 : k);
	}
	is_int(bad, 0, "1 to 300 words: exactly max(1, round(0.15 n)) predicted in each, positions right");
	ok((double)chosen / sruns > 2.5 && (double)chosen / truns < 1.3,
	   "mean run length: span %.2f tokens, token %.2f", (double)chosen / sruns, (double)chosen / truns);

	/* Edge cases. */
	int32_t ids[512], out[512], pos[512], lab[512], rout[512], rpos[512], rlab[512];
	yj_rng r, r2;
	int32_t none[4] = {CLS, SEP, PAD, PAD};
	rng_seed(&r, 1);
	is_int(pretrain_span_mask(none, 4, 0.15f, &sp, &r, out, pos, lab), 0, "no candidate: nothing predicted");
	int32_t one_w[3] = {CLS, 500, SEP};
	rng_seed(&r, 1);
	int k1 = pretrain_span_mask(one_w, 3, 0.15f, &sp, &r, out, pos, lab);
	ok(k1 == 1 && pos[0] == 1 && lab[0] == 500, "a single word is always predicted");
	int32_t all[6] = {CLS, 7000, 7001, 7002, SEP, PAD};
	rng_seed(&r, 5);
	int ka = pretrain_span_mask(all, 6, 0.9f, &sp, &r, out, pos, lab);
	ok(ka == 3 && pos[0] == 1 && pos[2] == 3 && out[0] == CLS && out[4] == SEP && out[5] == PAD,
	   "prob 0.9 of three words: all three, the specials kept");

	/* Exact agreement with the second implementation. */
	yj_rng gen;
	rng_seed(&gen, 11);
	int same = 1;
	for (uint64_t seed = 1; seed <= 3000; seed++) {
		int nseg = 1 + (int)rng_below(&gen, 3), seg[3];
		for (int s = 0; s < nseg; s++)
			seg[s] = (int)rng_below(&gen, 120);
		int n = layout(ids, seg, nseg);
		for (int pad = (int)(seed % 4); pad > 0; pad--)
			ids[n++] = PAD;
		float prob = seed % 3 ? 0.15f : 0.4f;
		rng_seed(&r, seed);
		rng_seed(&r2, seed);
		int k = pretrain_span_mask(ids, n, prob, &sp, &r, out, pos, lab);
		int rk = ref_span(ids, n, prob, &r2, rout, rpos, rlab);
		same &= k == rk && !memcmp(out, rout, (size_t)n * sizeof *out) &&
			!memcmp(pos, rpos, (size_t)k * sizeof *pos) && !memcmp(lab, rlab, (size_t)k * sizeof *lab) &&
			rng_uniform(&r) == rng_uniform(&r2);
	}
	ok(same, "the same ids, positions, labels and draws as the implementation from pretrain.h, 3000 texts");
	return tap_done();
}
