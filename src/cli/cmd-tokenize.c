/*
 * cmd-tokenize.c - yujing tokenize [--vocab FILE] [--max-len N] [--json] [TEXT...]
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "yujing/base/i18n.h"
#include "yujing/text/tokenizer.h"

enum { O_VOCAB = 256, O_MAXLEN, O_JSON };

static const cli_option options[] = {
	{"vocab", O_VOCAB, N_("FILE"), N_("vocab.txt to use (default: bert-base-chinese's, shipped with yujing)")},
	{"max-len", O_MAXLEN, N_("N"), N_("truncate to N ids, [CLS] and [SEP] included")},
	{"json", O_JSON, NULL, N_("print one JSON object per input: {\"ids\": [...], \"tokens\": [...]}")},
	{0},
};

typedef struct {
	const cli_command *cmd;
	const char *vocab;
	long max_len;
	int json;
} tok_args;

static int on_opt(void *ctx, int key, const char *arg)
{
	tok_args *a = ctx;
	switch (key) {
	case O_VOCAB:
		a->vocab = arg;
		break;
	case O_MAXLEN:
		if (cli_parse_long(arg, &a->max_len) || a->max_len < 2)
			return cli_usage_error(a->cmd, _("--max-len wants a whole number of at least 2"));
		break;
	case O_JSON:
		a->json = 1;
		break;
	}
	return 0;
}


static int one(const tok_args *a, const yj_vocab *v, const char *text, size_t len)
{
	int32_t *ids;
	size_t n;
	if (tokenizer_encode(v, text, len, 1, (int)a->max_len, &ids, &n)) {
		fprintf(stderr, "%s: %s\n", PACKAGE, _("out of memory"));
		return 1;
	}
	if (a->json) {
		json_t *ji = json_array(), *jt = json_array();
		for (size_t i = 0; i < n; i++) {
			json_array_append_new(ji, json_integer(ids[i]));
			json_array_append_new(jt, json_string(v->tokens[ids[i]]));
		}
		json_t *o = json_pack("{s:o, s:o}", "ids", ji, "tokens", jt);
		json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(o);
	} else {
		for (size_t i = 0; i < n; i++)
			printf("%s%s", i ? " " : "", v->tokens[ids[i]]);
		putchar('\n');
	}
	free(ids);
	return 0;
}

static int run(const cli_command *cmd, int argc, char **argv)
{
	tok_args a = {.cmd = cmd};
	int i = cli_parse(cmd, argc, argv, on_opt, &a);
	if (i < 0)
		return -i - 1;
	char path[4096];
	const char *vp = a.vocab ? a.vocab : cli_data_path("bert-base-chinese-vocab.txt", path, sizeof path);
	yj_vocab v;
	yj_error err;
	error_clear(&err);
	if (vocab_load(vp, &v, &err))
		return cli_fail(&err);
	int rc = 0;
	if (i < argc) {
		for (; i < argc && !rc; i++)
			rc = one(&a, &v, argv[i], strlen(argv[i]));
	} else {
		char *line = NULL;
		size_t cap = 0;
		ssize_t k;
		while (!rc && (errno = 0, k = getline(&line, &cap, stdin)) >= 0) {
			size_t len = (size_t)k;
			if (len && line[len - 1] == '\n')
				len--;
			rc = one(&a, &v, line, len);
		}
		if (!rc && (ferror(stdin) || errno == ENOMEM)) {
			/* Not the end of the input: say so, do not exit 0. */
			error_set(&err, YJ_EIO, _("reading standard input failed: %s"), strerror(errno));
			error_at(&err, "-", -1, -1, NULL);
			rc = cli_fail(&err);
		}
		free(line);
	}
	vocab_free(&v);
	return rc;
}

const cli_command cmd_tokenize = {
	.name = "tokenize",
	.synopsis = N_("[--vocab FILE] [--max-len N] [--json] [TEXT...]"),
	.summary = N_("Split text into BERT WordPiece tokens (standard input lines when no TEXT)"),
	.description = N_("The tokenizer of Hugging Face's BertTokenizer with lower-casing and Chinese "
			  "characters split one per token: clean text, isolate CJK ideographs, lower-case "
			  "and strip accents, split on whitespace and punctuation, then greedy "
			  "longest-match WordPiece with ## continuations; ids include [CLS] and [SEP]."),
	.options = options,
	.run = run,
};
