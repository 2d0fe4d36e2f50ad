/*
 * cmd-embed.c - yujing embed --model DIR [--pool cls|mean|pooler] [--max-len N] [--json] [TEXT...]
 *
 * Loads a Hugging Face BERT directory (config.json, vocab.txt,
 * model.safetensors), tokenizes each text with its vocabulary and prints
 * one vector per text from the encoder in evaluation mode.  Texts are
 * encoded one at a time (no padding), so a vector does not depend on its
 * neighbours.
 */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "yujing/base/i18n.h"
#include "yujing/model/bert.h"
#include "yujing/text/tokenizer.h"

enum { O_MODEL = 256, O_POOL, O_MAXLEN, O_JSON, O_MLM };
enum { POOL_CLS, POOL_MEAN, POOL_POOLER };

static const cli_option options[] = {
	{"model", O_MODEL, N_("DIR"), N_("model directory: config.json, vocab.txt, model.safetensors")},
	{"pool", O_POOL, N_("HOW"),
	 N_("cls (the [CLS] hidden state, the default), mean (over the tokens) or pooler (BERT's "
	    "tanh pooler)")},
	{"max-len", O_MAXLEN, N_("N"), N_("truncate to N ids, [CLS] and [SEP] included")},
	{"json", O_JSON, NULL, N_("print one JSON object per input: {\"ids\": [...], \"vector\": [...]}")},
	{"mlm", O_MLM, NULL,
	 N_("with --json, also \"hidden\" (every token's last hidden state) and \"mlm\" (per token the "
	    "masked-LM head's 5 highest logits, their ids and the log-sum-exp of all)")},
	{0},
};

typedef struct {
	const cli_command *cmd;
	const char *model;
	int pool;
	long max_len;
	int json, mlm;
} embed_args;

static int on_opt(void *ctx, int key, const char *arg)
{
	embed_args *a = ctx;
	switch (key) {
	case O_MODEL:
		a->model = arg;
		break;
	case O_POOL:
		if (strcmp(arg, "cls") == 0)
			a->pool = POOL_CLS;
		else if (strcmp(arg, "mean") == 0)
			a->pool = POOL_MEAN;
		else if (strcmp(arg, "pooler") == 0)
			a->pool = POOL_POOLER;
		else
			return cli_usage_error(a->cmd, _("--pool wants cls, mean or pooler, not '%s'"),
					       arg);
		break;
	case O_MAXLEN:
		if (cli_parse_long(arg, &a->max_len) || a->max_len < 2)
			return cli_usage_error(a->cmd, _("--max-len wants a whole number of at least 2"));
		break;
	case O_JSON:
		a->json = 1;
		break;
	case O_MLM:
		a->mlm = 1;
		break;
	}
	return 0;
}

/* o.hidden: the last hidden states (n rows); o.mlm: per position the
 * MLM head's 5 highest logits ("top" ids, "logits") and "lse", the
 * log-sum-exp of the row, so a reference can check the whole row. */
static yj_status mlm_json(yj_bert *m, const int32_t *ids, int n, json_t *o, yj_error *err)
{
	(void)ids;
	int C = m->cfg.hidden, V = m->cfg.vocab_size;
	json_t *hid = json_array(), *rows = json_array();
	for (int t = 0; t < n; t++) {
		json_t *h = json_array();
		for (int c = 0; c < C; c++)
			json_array_append_new(h, json_real(m->last_hidden[(size_t)t * C + c]));
		json_array_append_new(hid, h);
	}
	json_object_set_new(o, "hidden", hid);
	if (!m->has_mlm) {
		json_decref(rows);
		return error_set(err, YJ_EUSAGE, _("the model has no masked-LM head (cls.predictions); leave out --mlm"));
	}
	int32_t *pos = malloc((size_t)n * sizeof *pos);
	if (!pos || bert_mlm_reserve(m, n)) {
		free(pos);
		json_decref(rows);
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	}
	for (int t = 0; t < n; t++)
		pos[t] = t;
	yj_status st = bert_mlm_forward(m, pos, n, err);
	free(pos);
	for (int t = 0; !st && t < n; t++) {
		const float *x = m->mlm_logits + (size_t)t * V;
		int top[5] = {-1, -1, -1, -1, -1};
		for (int j = 0; j < V; j++) /* insertion into the 5 best, the lower id first on ties */
			for (int k = 0; k < 5; k++)
				if (top[k] < 0 || x[j] > x[top[k]]) {
					memmove(top + k + 1, top + k, (size_t)(4 - k) * sizeof *top);
					top[k] = j;
					break;
				}
		double mx = x[top[0]], sum = 0;
		for (int j = 0; j < V; j++)
			sum += exp((double)x[j] - mx);
		json_t *ti = json_array(), *tl = json_array();
		for (int k = 0; k < 5 && top[k] >= 0; k++) {
			json_array_append_new(ti, json_integer(top[k]));
			json_array_append_new(tl, json_real(x[top[k]]));
		}
		json_array_append_new(rows, json_pack("{s:o, s:o, s:f}", "top", ti, "logits", tl, "lse", mx + log(sum)));
	}
	json_object_set_new(o, "mlm", rows);
	return st;
}

/* Encode one text and print its vector.  Returns an exit code. */
static int one(const embed_args *a, const yj_vocab *v, yj_bert *m, float *vec, const char *text,
	       size_t len)
{
	int32_t *ids = NULL;
	size_t n = 0;
	yj_error err;
	error_clear(&err);
	if (tokenizer_encode(v, text, len, 1, (int)a->max_len, &ids, &n) || bert_reserve(m, 1, (int)n)) {
		fprintf(stderr, "%s: %s\n", PACKAGE, _("out of memory"));
		free(ids);
		return 1;
	}
	m->no_grad = 1; /* inference only */
	if (bert_forward(m, ids, NULL, NULL, 1, (int)n, 0, &err) != YJ_OK) {
		free(ids);
		return cli_fail(&err);
	}
	int C = m->cfg.hidden;
	if (a->pool == POOL_POOLER) {
		memcpy(vec, m->pooled, (size_t)C * sizeof *vec);
	} else if (a->pool == POOL_CLS) {
		memcpy(vec, m->last_hidden, (size_t)C * sizeof *vec);
	} else {
		/* The mean over the (unpadded) tokens, [CLS] and [SEP] included:
		 * the text branch's --text-pool mean. */
		bert_mean_pool_forward(vec, m->last_hidden, NULL, 1, (int)n, C);
	}
	if (a->json) {
		json_t *ji = json_array(), *jv = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(ji, json_integer(ids[i]));
		for (int c = 0; c < C; c++)
			json_array_append_new(jv, json_real(vec[c]));
		json_t *o = json_pack("{s:o, s:o}", "ids", ji, "vector", jv);
		if (o && a->mlm && mlm_json(m, ids, (int)n, o, &err)) {
			json_decref(o);
			free(ids);
			return cli_fail(&err);
		}
		/* 9 significant digits read back as the same float. */
		json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9));
		fputc('\n', stdout);
		json_decref(o);
	} else {
		for (int c = 0; c < C; c++)
			printf("%s%.9g", c ? " " : "", (double)vec[c]);
		putchar('\n');
	}
	free(ids);
	return ferror(stdout) ? 1 : 0;
}

static int run(const cli_command *cmd, int argc, char **argv)
{
	embed_args a = {.cmd = cmd, .pool = POOL_CLS};
	int i = cli_parse(cmd, argc, argv, on_opt, &a);
	if (i < 0)
		return -i - 1;
	if (!a.model)
		return cli_usage_error(cmd, _("--model DIR is required"));

	yj_error err;
	error_clear(&err);
	yj_bert m;
	if (bert_load_dir(&m, a.model, 0, &err) != YJ_OK)
		return cli_fail(&err);
	if (a.pool == POOL_POOLER && !m.has_pooler) {
		bert_free(&m);
		return cli_usage_error(cmd, _("the model in %s has no pooler weights; use --pool cls or mean"),
				       a.model);
	}
	char vp[4200];
	snprintf(vp, sizeof vp, "%s/vocab.txt", a.model);
	yj_vocab v;
	if (vocab_load(vp, &v, &err) != YJ_OK) {
		bert_free(&m);
		return cli_fail(&err);
	}
	if (vocab_check_encoder(&v, m.cfg.vocab_sha256, a.model, &err) != YJ_OK) {
		vocab_free(&v);
		bert_free(&m);
		return cli_fail(&err);
	}
	if (v.n > (size_t)m.cfg.vocab_size) {
		error_set(&err, YJ_EDATA, _("%s has %zu tokens, more than the model's vocab_size %d"), vp,
			  v.n, m.cfg.vocab_size);
		error_at(&err, vp, -1, -1, NULL);
		vocab_free(&v);
		bert_free(&m);
		return cli_fail(&err);
	}
	if (a.max_len == 0 || a.max_len > m.cfg.max_pos)
		a.max_len = m.cfg.max_pos;
	float *vec = malloc((size_t)m.cfg.hidden * sizeof *vec);
	int rc = vec ? 0 : 1;
	if (i < argc) {
		for (; i < argc && !rc; i++)
			rc = one(&a, &v, &m, vec, argv[i], strlen(argv[i]));
	} else {
		char *line = NULL;
		size_t cap = 0;
		ssize_t k;
		while (!rc && (errno = 0, k = getline(&line, &cap, stdin)) >= 0) {
			size_t len = (size_t)k;
			if (len && line[len - 1] == '\n')
				len--;
			rc = one(&a, &v, &m, vec, line, len);
		}
		if (!rc && (ferror(stdin) || errno == ENOMEM)) {
			/* Not the end of the input: say so, do not exit 0. */
			error_set(&err, YJ_EIO, _("reading standard input failed: %s"), strerror(errno));
			error_at(&err, "-", -1, -1, NULL);
			rc = cli_fail(&err);
		}
		free(line);
	}
	free(vec);
	vocab_free(&v);
	bert_free(&m);
	return rc;
}

const cli_command cmd_embed = {
	.name = "embed",
	.synopsis = N_("--model DIR [--pool cls|mean|pooler] [--max-len N] [--json] [TEXT...]"),
	.summary = N_("Encode texts with a BERT model directory (standard input lines when no TEXT)"),
	.description = N_("Loads a Hugging Face BERT directory (config.json, vocab.txt and "
			  "model.safetensors with F32, F16 or BF16 tensors), tokenizes each text with "
			  "its vocabulary and prints one vector per text from the encoder in evaluation "
			  "mode: the [CLS] hidden state, the mean over the tokens, or the pooler output. "
			  "A pytorch_model.bin must first be converted to safetensors."),
	.options = options,
	.run = run,
};
