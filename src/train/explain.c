/*
 * explain.c - per-branch Shapley values and character attributions of one
 * case's prediction (see predict.h and fusion.h).
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "yujing/base/i18n.h"
#include "yujing/model/fusion.h"
#include "yujing/train/predict.h"

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

/* Byte length of the UTF-8 character at s (1 when invalid). */
static size_t u8len(const unsigned char *s)
{
	size_t n = *s < 0x80 ? 1 : (*s >> 5) == 6 ? 2 : (*s >> 4) == 14 ? 3 : (*s >> 3) == 30 ? 4 : 1;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 1;
	return n;
}

/* The player vector of n-gram branch t for an arbitrary text (into out,
 * mm_player_dim). */
static int text_vector(const yj_run_model *rm, int t, const char *text, double *out)
{
	yj_ngram_data d;
	if (ngram_data_build(&text, 1, &rm->ngspec[t], &rm->voc[t], &d))
		return -1;
	int rc = mm_ngram_player(&rm->m, t, &d, 0, out);
	ngram_data_free(&d);
	return rc;
}

static int cmp_score(const void *a, const void *b)
{
	double x = json_number_value(json_object_get(*(json_t *const *)a, "score"));
	double y = json_number_value(json_object_get(*(json_t *const *)b, "score"));
	return x < y ? 1 : x > y ? -1 : 0;
}

yj_status explain_case(yj_project *p, long long run, const char *key, json_t **out, yj_error *err)
{
	yj_run_model rm;
	yj_status st = run_model_load(p, run, &rm, err);
	if (st)
		return st;
	int np = mm_nplayers(&rm.m), K = rm.m.cfg.nclasses;
	double *u[FUSION_MAX] = {0}, *base[FUSION_MAX] = {0};
	json_t *res = NULL;
	long ci = run_model_case(&rm, key);
	if (ci < 0) {
		error_set(err, YJ_ENOTFOUND, _("no case '%s' in the active snapshot"), key);
		st = YJ_ENOTFOUND;
		goto out;
	}
	if (json_array_size(rm.baselines) != (size_t)np) {
		st = error_set(err, YJ_EDATA, _("run %lld stored no branch baselines"), rm.run);
		goto out;
	}
	if (np > 20) {
		st = error_set(err, YJ_EUSAGE, _("%d branches are too many for exact Shapley values (at most 20)"), np);
		goto out;
	}
	size_t idx = (size_t)ci;
	run_model_forward(&rm, &idx, 1);
	for (int i = 0; i < np; i++) {
		int d = mm_player_dim(&rm.m, i);
		json_t *b = json_object_get(json_array_get(rm.baselines, (size_t)i), "baseline");
		u[i] = malloc((size_t)d * sizeof(double));
		base[i] = malloc((size_t)d * sizeof(double));
		if (!u[i] || !base[i]) {
			st = error_set(err, YJ_ENOMEM, _("out of memory"));
			goto out;
		}
		if (json_array_size(b) != (size_t)d) {
			st = error_set(err, YJ_EDATA, _("run %lld: a baseline has the wrong size"), rm.run);
			goto out;
		}
		const float *v = mm_player_vec(&rm.m, i, 0);
		for (int c = 0; c < d; c++) {
			u[i][c] = v[c];
			base[i][c] = json_number_value(json_array_get(b, (size_t)c));
		}
	}
	const float *pr = rm.m.fu.probs;
	int pred = 0;
	for (int k = 1; k < K; k++)
		if (pr[k] > pr[pred])
			pred = k;
	game g = {&rm.m, np, u, base};
	yj_shapley sh;
	if (fusion_shapley(np, K, pred, head, &g, &sh)) {
		st = error_set(err, YJ_ENOMEM, _("out of memory"));
		goto out;
	}
	/* top-5 probabilities */
	int order[256], nk = K < 256 ? K : 256;
	for (int k = 0; k < nk; k++)
		order[k] = k;
	for (int a = 0; a < nk; a++)
		for (int b = a + 1; b < nk; b++)
			if (pr[order[b]] > pr[order[a]]) {
				int x = order[a];
				order[a] = order[b];
				order[b] = x;
			}
	json_t *probs = json_object();
	for (int k = 0; k < nk && k < 5; k++)
		json_object_set_new(probs, json_string_value(json_array_get(rm.labels, (size_t)order[k])),
				    json_real(pr[order[k]]));
	json_t *br = json_array();
	for (int i = 0; i < np; i++) {
		json_t *bj = json_array_get(rm.baselines, (size_t)i);
		json_array_append_new(br, json_pack("{s:O, s:O, s:f, s:f, s:f}", "name", json_object_get(bj, "name"),
						    "kind", json_object_get(bj, "kind"), "logit", sh.phi_logit[i],
						    "probability", sh.phi_prob[i], "leave_one_out", sh.loo_prob[i]));
	}
	/* characters: occlude each one of an n-gram branch's text */
	json_t *tokens = json_array();
	int S = rm.m.cfg.mlp.nsrc;
	for (int t = 0; t < rm.m.cfg.nngram; t++) {
		const char *text = rm.tx[rm.tx_of[t]].text[idx];
		size_t len = strlen(text);
		char *buf = malloc(len + 1);
		double *save = u[S + t], *occl = malloc((size_t)mm_player_dim(&rm.m, S + t) * sizeof(double));
		double *z = malloc((size_t)K * sizeof(double));
		json_t *list = json_array();
		if (!buf || !occl || !z) {
			free(buf);
			free(occl);
			free(z);
			json_decref(list);
			continue;
		}
		for (size_t i = 0; i < len;) {
			size_t n = u8len((const unsigned char *)text + i);
			memcpy(buf, text, i);
			memcpy(buf + i, text + i + n, len - i - n + 1);
			if (!text_vector(&rm, t, buf, occl)) {
				u[S + t] = occl;
				head(&g, (uint32_t)((1u << np) - 1), z);
				u[S + t] = save;
				char ch[8];
				memcpy(ch, text + i, n);
				ch[n] = '\0';
				if (strcmp(ch, " "))
					json_array_append_new(list, json_pack("{s:s, s:s, s:f}", "branch", rm.branch_name[t],
									      "text", ch, "score", sh.out_logit - z[pred]));
			}
			i += n;
		}
		/* the ten that mattered most */
		size_t m = json_array_size(list);
		json_t **v = malloc((m ? m : 1) * sizeof *v);
		for (size_t i = 0; v && i < m; i++)
			v[i] = json_array_get(list, i);
		if (v)
			qsort(v, m, sizeof *v, cmp_score);
		for (size_t i = 0; v && i < m && i < 10; i++)
			json_array_append(tokens, v[i]);
		free(v);
		json_decref(list);
		free(buf);
		free(occl);
		free(z);
	}
	res = json_pack("{s:s, s:s, s:o, s:{s:f, s:f}, s:{s:f, s:f}, s:o, s:o}", "key", key, "predicted",
			json_string_value(json_array_get(rm.labels, (size_t)pred)), "probabilities", probs, "output",
			"logit", sh.out_logit, "probability", sh.out_prob, "base", "logit", sh.base_logit, "probability",
			sh.base_prob, "branches", br, "tokens", tokens);
	json_object_set_new(res, "run", json_integer(rm.run));
	*out = res;
out:
	for (int i = 0; i < np; i++) {
		free(u[i]);
		free(base[i]);
	}
	run_model_free(&rm);
	return st;
}
