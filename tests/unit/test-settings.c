/*
 * test-settings.c - the tables of training settings and the stored run
 * configuration (src/train/settings.c).
 *
 * Expected values are written out by hand: the defaults are those of
 * train_opts_default and pretrain_opts_default before the table existed
 * (and of NGRAM_DEFAULT_*, TEXT_POOL_MEAN, FUSION_CONCAT), the stored
 * configuration texts are those main wrote before the version key (the
 * version-1 literals are copied from runs 1 to 3 of a project file that
 * yujing 0.1.0 made with tests/fixtures/old-project/make.sh, then with
 * --hidden 16 and --ngram-buckets 4096; the vocabulary path shortened),
 * with ',"version":2' as the only addition.
 *
 * With --table it prints the tables instead, one setting a line:
 * COMMAND<TAB>NAME<TAB>TYPE<TAB>DEFAULT<TAB>RANGE, "-" for an empty DEFAULT or
 * RANGE (tests/cli/man.sh reads it).
 */
#include <config.h>

#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "yujing/model/fusion.h"
#include "yujing/model/ngram.h"
#include "yujing/nn/bf16.h"
#include "yujing/train/settings.h"
#include "yujing/train/textbranch.h"

static int print_table(void)
{
	static const struct {
		const char *cmd;
		const yj_setting *tab;
	} t[] = {{"train", settings_train}, {"pretrain", settings_pretrain}};
	for (size_t k = 0; k < 2; k++)
		for (const yj_setting *s = t[k].tab; s->name; s++) {
			if (s->flags & SET_HIDDEN)
				continue;
			char r[128];
			settings_range(s, r, sizeof r);
			printf("%s\t%s\t%s\t%s\t%s\n", t[k].cmd, s->name, settings_type_name(s->type),
			       *s->def ? s->def : "-", *r ? r : "-");
		}
	return 0;
}

static void test_defaults(void)
{
	yj_train_opts o;
	train_opts_default(&o);
	is_int(o.epochs, 0, "train: epochs 0 (auto: train_opts_resolve)");
	is_int(o.batch, 0, "train: batch 0 (auto)");
	ok(o.lr == 0 && !o.autoset, "train: lr 0 (auto), nothing resolved yet");
	ok(o.weight_decay == 0.01f, "train: weight decay 0.01");
	ok(o.warmup == 0.05f, "train: warmup 0.05");
	ok(o.clip == 1.0f, "train: clip 1");
	is_int(o.hidden, 64, "train: hidden 64");
	is_int(o.depth, 1, "train: depth 1");
	is_int(o.top_k, 10, "train: top-k 10");
	is_int(o.seed, 42, "train: seed 42");
	is_int(o.fusion, FUSION_CONCAT, "train: fusion concat");
	is_int(o.ngram_buckets, NGRAM_DEFAULT_BUCKETS, "train: n-gram buckets 2^18");
	is_int(o.ngram_n, NGRAM_DEFAULT_N, "train: n-grams up to 3");
	ok(o.text_lr == 2e-5f, "train: text lr 0.00002");
	is_int(o.text_pool, TEXT_POOL_MEAN, "train: text pooling mean");
	ok(!o.balanced && !o.freeze_text && !o.max_len && !o.threads && !o.branches && !o.text_model && !o.exclude &&
		   !o.nexclude && !o.resume,
	   "train: the rest zero or NULL (chosen at run time)");

	yj_pretrain_opts p;
	pretrain_opts_default(&p);
	is_str(p.config, "tiny", "pretrain: config tiny");
	is_int(p.epochs, 3, "pretrain: epochs 3");
	is_int(p.max_len, 128, "pretrain: max-len 128");
	is_int(p.batch, 32, "pretrain: batch 32");
	ok(p.mask == 0.15f, "pretrain: mask 0.15");
	ok(p.lr == 0, "pretrain: lr 0 (chosen by pretrain_run)");
	ok(p.weight_decay == 0.01f, "pretrain: weight decay 0.01");
	ok(p.warmup == 0.06f, "pretrain: warmup 0.06");
	ok(p.clip == 1.0f, "pretrain: clip 1");
	is_int(p.seed, 42, "pretrain: seed 42");
	ok(!p.from && !p.vocab && !p.threads, "pretrain: from, vocab, threads unset");
}

/* set NAME=TEXT in a fresh struct of table tab: the status, the message. */
static yj_status set(const yj_setting *tab, void *opts, const char *name, const char *text, yj_error *err)
{
	error_clear(err);
	const yj_setting *s = settings_find(tab, name);
	if (!s) {
		ok(0, "no setting %s", name);
		return YJ_EUSAGE;
	}
	return settings_set(s, opts, text, err);
}

static void refused(const yj_setting *tab, void *opts, const char *name, const char *text, const char *msg)
{
	yj_error err;
	yj_status st = set(tab, opts, name, text, &err);
	is_int(st, YJ_EUSAGE, "--%s %s is refused (usage: exit 2)", name, text);
	is_str(err.msg, msg, "  with a message naming the option and the range");
}

static void test_ranges(void)
{
	yj_train_opts o;
	yj_pretrain_opts p;
	yj_error err;
	train_opts_default(&o);
	pretrain_opts_default(&p);
	refused(settings_train, &o, "epochs", "0", "--epochs wants a whole number of at least 1");
	refused(settings_train, &o, "epochs", "x", "--epochs wants a whole number of at least 1");
	refused(settings_train, &o, "epochs", "-3", "--epochs wants a whole number of at least 1");
	refused(settings_train, &o, "epochs", "2147483648", "--epochs wants a whole number of at least 1");
	is_int(o.epochs, 0, "a refused value leaves the old one");
	is_int(set(settings_train, &o, "epochs", "1", &err), YJ_OK, "--epochs 1 is taken");
	is_int(o.epochs, 1, "  and set");
	is_int(set(settings_train, &o, "epochs", "auto", &err), YJ_OK, "--epochs auto is taken");
	is_int(o.epochs, 0, "  as 0, chosen at run time");
	o.lr = 0.5f;
	is_int(set(settings_train, &o, "lr", "auto", &err), YJ_OK, "--lr auto is taken");
	ok(o.lr == 0, "  as 0");
	refused(settings_train, &o, "hidden", "auto", "--hidden wants a whole number of at least 1");
	refused(settings_train, &o, "batch", "1", "--batch wants a whole number of at least 2");
	refused(settings_train, &o, "max-len", "1", "--max-len wants a whole number of at least 2");
	refused(settings_train, &o, "lr", "0", "--lr wants a number greater than 0");
	refused(settings_train, &o, "lr", "1e", "--lr wants a number greater than 0");
	refused(settings_train, &o, "weight-decay", "-0.1", "--weight-decay wants a number of at least 0");
	is_int(set(settings_train, &o, "weight-decay", "0", &err), YJ_OK, "--weight-decay 0 is taken");
	refused(settings_train, &o, "fusion", "mean", "--fusion wants one of concat|sum, not 'mean'");
	refused(settings_train, &o, "text-pool", "max", "--text-pool wants one of cls|mean, not 'max'");
	refused(settings_train, &o, "class-weight", "yes", "--class-weight wants one of none|balanced, not 'yes'");
	refused(settings_train, &o, "branches", "structured,foo",
		"--branches: 'foo' is not a branch (structured, ngram, ngram:FIELD, text, text:FIELD)");
	refused(settings_pretrain, &p, "max-len", "65537", "--max-len wants a whole number from 3 to 65536");
	refused(settings_pretrain, &p, "max-len", "2", "--max-len wants a whole number from 3 to 65536");
	refused(settings_pretrain, &p, "mask", "1", "--mask wants a number from 0 to 1 (both excluded)");
	refused(settings_pretrain, &p, "mask", "0", "--mask wants a number from 0 to 1 (both excluded)");
	is_int(set(settings_pretrain, &p, "max-len", "65536", &err), YJ_OK, "pretrain --max-len 65536 is taken");
	is_int(set(settings_pretrain, &p, "mask", "0.5", &err), YJ_OK, "pretrain --mask 0.5 is taken");
	ok(p.mask == 0.5f, "  and set");

	is_int(set(settings_train, &o, "fusion", "sum", &err), YJ_OK, "--fusion sum");
	is_int(o.fusion, FUSION_SUM, "  is FUSION_SUM");
	is_int(set(settings_train, &o, "text-pool", "cls", &err), YJ_OK, "--text-pool cls");
	is_int(o.text_pool, TEXT_POOL_CLS, "  is TEXT_POOL_CLS");
	is_int(set(settings_train, &o, "class-weight", "balanced", &err), YJ_OK, "--class-weight balanced");
	is_int(o.balanced, 1, "  sets balanced");
	is_int(set(settings_train, &o, "freeze-text", NULL, &err), YJ_OK, "--freeze-text");
	is_int(o.freeze_text, 1, "  sets the flag");
	refused(settings_train, &o, "precision", "fp16", "--precision wants one of auto|fp32|bf16, not 'fp16'");
	refused(settings_pretrain, &p, "precision", "", "--precision wants one of auto|fp32|bf16, not ''");
	is_int(o.precision, 0, "  train --precision: auto (0) by default");
	is_int(p.precision, 0, "  pretrain --precision: auto (0) by default");
	is_int(set(settings_train, &o, "precision", "fp32", &err), YJ_OK, "--precision fp32");
	is_int(settings_precision(o.precision), NN_FP32, "  asks for NN_FP32");
	is_int(set(settings_pretrain, &p, "precision", "bf16", &err), YJ_OK, "pretrain --precision bf16");
	is_int(settings_precision(p.precision), NN_BF16, "  asks for NN_BF16");
	is_int(settings_precision(0), nn_precision_default(), "auto asks for what the processor has");
	is_int(set(settings_train, &o, "seed", "18446744073709551615", &err), YJ_EUSAGE,
	       "a seed above LONG_MAX is refused");
	is_int(set(settings_train, &o, "seed", "9223372036854775807", &err), YJ_OK, "the seed LONG_MAX is taken");
	ok(o.seed == 9223372036854775807ull, "  exactly");
	is_int(set(settings_train, &o, "exclude", "a,,b", &err), YJ_OK, "--exclude a,,b");
	is_int(o.nexclude, 2, "  two fields (the empty one dropped)");
	ok(o.nexclude == 2 && !strcmp(o.exclude[0], "a") && !strcmp(o.exclude[1], "b") && !o.exclude[2],
	   "  a and b, NULL-terminated");
	is_int(set(settings_train, &o, "exclude", "c", &err), YJ_OK, "a second --exclude replaces the first");
	ok(o.nexclude == 1 && !strcmp(o.exclude[0], "c"), "  c only");
	char buf[64];
	is_str(settings_format(settings_find(settings_train, "exclude"), &o, buf, sizeof buf), "c",
	       "settings_format gives the list back");
	settings_free(settings_train, &o);
	ok(!o.exclude && !o.nexclude, "settings_free releases the list");

	/* Every default in the tables reads back as itself. */
	train_opts_default(&o);
	pretrain_opts_default(&p);
	int bad = 0;
	for (const yj_setting *s = settings_train; s->name; s++) {
		settings_format(s, &o, buf, sizeof buf);
		if (strcmp(buf, s->def))
			bad++, printf("# train %s: '%s' against '%s'\n", s->name, buf, s->def);
	}
	for (const yj_setting *s = settings_pretrain; s->name; s++) {
		settings_format(s, &p, buf, sizeof buf);
		if (strcmp(buf, s->def))
			bad++, printf("# pretrain %s: '%s' against '%s'\n", s->name, buf, s->def);
	}
	is_int(bad, 0, "every default formats back as the table writes it");
	o.lr = 0.0025f;
	is_str(settings_format(settings_find(settings_train, "lr"), &o, buf, sizeof buf), "0.0025",
	       "another value: the shortest text of the float");
}

/* The data-size rule (train_opts_resolve), worked out by hand: batch the
 * power of two nearest n / 100 in log scale (the first b of 16, 32, ..,
 * 256 with b * sqrt 2 >= n / 100; 16 sqrt 2 = 22.627, 32 sqrt 2 = 45.25,
 * 64 sqrt 2 = 90.51, 128 sqrt 2 = 181.02), steps an epoch n / b plus one
 * for a remainder of 2 or more, epochs ceil(3000 / steps) within 10..100,
 * lr 0.003. */
static void test_resolve(void)
{
	static const struct {
		size_t n;
		int batch, epochs;
	} want[] = {
		{2, 16, 100},       /* 0 + 1 step (remainder 2): 3000 epochs, capped */
		{240, 16, 100},     /* 15 steps: 200, capped */
		{480, 16, 100},     /* 30 steps: 3000 / 30 = 100 exactly */
		{1601, 16, 30},     /* 16.01 <= 22.627: 16; 100 steps (remainder 1 dropped): 30 */
		{2262, 16, 22},     /* 22.62 <= 22.627: 16; 141 + 1 (remainder 6) steps: 21.1 -> 22 */
		{2263, 32, 43},     /* 22.63 > 22.627: 32; 70 + 1 (remainder 23) steps: 42.3 -> 43 */
		{3164, 32, 31},     /* CAIL's validation project: 98 + 1 (remainder 28): 30.3 -> 31 */
		{9266, 128, 42},    /* Chicago's: 92.66 > 90.51: 128; 72 + 1 (remainder 50): 41.1 -> 42 */
		{36203, 256, 22},   /* 362 > 181.02: 256; 141 + 1 (remainder 107): 21.1 -> 22 */
		{1000000, 256, 10}, /* 3906 + 1 (remainder 64) steps: 1 epoch, raised to 10 */
	};
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		yj_train_opts o;
		train_opts_default(&o);
		train_opts_resolve(&o, want[i].n);
		ok(o.batch == want[i].batch && o.epochs == want[i].epochs && o.lr == 0.003f &&
			   o.autoset == (TRAIN_AUTO_EPOCHS | TRAIN_AUTO_BATCH | TRAIN_AUTO_LR),
		   "%zu training cases: batch %d, %d epochs, lr 0.003 (got %d, %d, %g)", want[i].n, want[i].batch,
		   want[i].epochs, o.batch, o.epochs, (double)o.lr);
	}
	yj_train_opts o;
	train_opts_default(&o);
	o.batch = 64;
	o.lr = 0.01f;
	train_opts_resolve(&o, 3164);
	/* 49 + 1 (remainder 28) steps: 60 epochs */
	ok(o.batch == 64 && o.epochs == 60 && o.lr == 0.01f && o.autoset == TRAIN_AUTO_EPOCHS,
	   "a given batch and lr are kept, the epochs follow the batch (got %d, %d)", o.batch, o.epochs);
	o.autoset = 0;
	train_opts_resolve(&o, 10);
	ok(o.batch == 64 && o.epochs == 60 && !o.autoset, "resolved settings stay as they are");
	is_int((int)train_steps_per_epoch(33, 16), 2, "33 cases at batch 16: 2 steps (a last case alone is dropped)");
	is_int((int)train_steps_per_epoch(34, 16), 3, "34 cases at batch 16: 3 steps (the last of 2 cases)");
}

static const char *const v1_ngram =
	"{\"branches\":\"structured,ngram:location_description,ngram:block\",\"epochs\":2,\"batch\":32,"
	"\"lr\":0.0010000000474974513,\"weight_decay\":0.0099999997764825821,\"warmup\":0.05000000074505806,"
	"\"clip\":1.0,\"hidden\":16,\"depth\":1,\"proj\":16,\"top_k\":5,\"class_weight\":\"balanced\",\"seed\":42,"
	"\"threads\":1,\"sources\":[\"incident\",\"place\"],\"in_dims\":[9,15],\"exclude\":[\"arrest\"],"
	"\"fusion\":\"sum\",\"ngram_buckets\":4096,\"ngram_n\":3,\"text_fields\":[{\"source\":\"incident\","
	"\"field\":\"location_description\"},{\"source\":\"place\",\"field\":\"block\"}]}";

static const char *const v1_text =
	"{\"branches\":\"structured,text:location_description,text:block\",\"epochs\":2,\"batch\":32,"
	"\"lr\":0.0010000000474974513,\"weight_decay\":0.0099999997764825821,\"warmup\":0.05000000074505806,"
	"\"clip\":1.0,\"hidden\":16,\"depth\":1,\"proj\":16,\"top_k\":10,\"class_weight\":\"none\",\"seed\":42,"
	"\"threads\":1,\"sources\":[\"incident\",\"place\"],\"in_dims\":[12,20],\"exclude\":[],\"fusion\":\"concat\","
	"\"ngram_buckets\":4096,\"ngram_n\":3,\"text_fields\":[],\"bert_fields\":[{\"source\":\"incident\","
	"\"field\":\"location_description\"},{\"source\":\"place\",\"field\":\"block\"}],"
	"\"text_lr\":1.9999999494757503e-5,\"freeze_text\":true,\"text_pool\":\"cls\",\"max_len\":16,"
	"\"max_len_auto\":false,\"encoder_id\":1,\"text_model\":null,\"text_hidden\":16}";

static const char *const v1_pretrain =
	"{\"branches\":\"pretrain\",\"config\":\"1,16,2,32\",\"vocab\":\"/x/vocab.txt\",\"vocab_size\":47,"
	"\"layers\":1,\"hidden\":16,\"heads\":2,\"intermediate\":32,\"epochs\":1,\"max_len\":16,\"batch\":16,"
	"\"mask\":0.150000006,\"lr\":0.000500000024,\"weight_decay\":0.00999999978,\"warmup\":0.0599999987,"
	"\"clip\":1.0,\"seed\":42,\"threads\":1,\"texts\":129,\"held_out\":6,\"fields\":[\"incident.location_"
	"description\","
	"\"place.block\"]}";

/* text with ',"version":2' before its last brace (a new string). */
static char *with_version(const char *text)
{
	size_t n = strlen(text);
	char *s = malloc(n + 16);
	snprintf(s, n + 16, "%.*s,\"version\":2}", (int)(n - 1), text);
	return s;
}

/* text (with its version) with "key":value before "version". */
static char *with_key(const char *text, const char *key, const char *value)
{
	const char *v = strstr(text, ",\"version\"");
	size_t n = strlen(text) + strlen(key) + strlen(value) + 32;
	char *s = malloc(n);
	snprintf(s, n, "%.*s,\"%s\":\"%s\"%s", (int)(v - text), text, key, value, v);
	return s;
}

/* text (with its version) with "precision":value before "version". */
static char *with_precision(const char *text, const char *value)
{
	return with_key(text, "precision", value);
}

static void test_train_config(void)
{
	yj_train_config c;
	yj_error err;
	error_clear(&err);
	is_int(train_config_parse(v1_ngram, 1, &c, &err), YJ_OK, "a version-1 configuration reads");
	is_int(c.version, 1, "  as version 1");
	is_str(c.o.branches, "structured,ngram:location_description,ngram:block", "  branches");
	ok(c.o.epochs == 2 && c.o.batch == 32 && c.o.hidden == 16 && c.o.depth == 1 && c.proj == 16 && c.o.top_k == 5 &&
		   c.o.seed == 42 && c.threads == 1,
	   "  epochs 2, batch 32, hidden 16, depth 1, proj 16, top-k 5, seed 42, threads 1");
	ok(c.o.lr == 1e-3f && c.o.weight_decay == 0.01f && c.o.warmup == 0.05f && c.o.clip == 1.0f,
	   "  lr, weight decay, warmup, clip as the floats stored");
	ok(c.o.balanced == 1 && c.o.fusion == FUSION_SUM && c.o.ngram_buckets == 4096 && c.o.ngram_n == 3,
	   "  balanced, fusion sum, 4096 buckets, n 3");
	ok(c.o.nexclude == 1 && !strcmp(c.o.exclude[0], "arrest"), "  exclude arrest");
	ok(c.nsources == 2 && !strcmp(c.sources[1], "place") && c.in_dims[0] == 9 && c.in_dims[1] == 15,
	   "  sources incident, place of 9 and 15 inputs");
	ok(c.nngram == 2 && !strcmp(c.ngram[1].source, "place") && !strcmp(c.ngram[1].field, "block"),
	   "  two n-gram fields");
	ok(!c.has_text, "  no text branch");
	char *out = train_config_dump(&c), *want = with_version(v1_ngram);
	is_str(out, want, "written again: the same text, with the version");
	free(out);
	train_config_free(&c);

	is_int(train_config_parse(want, 1, &c, &err), YJ_OK, "a version-2 configuration reads");
	is_int(c.version, 2, "  as version 2");
	train_config_free(&c);
	free(want);

	is_int(train_config_parse(v1_text, 3, &c, &err), YJ_OK, "a version-1 text-branch configuration reads");
	ok(c.has_text && c.ntext == 2 && c.o.freeze_text && c.o.text_pool == TEXT_POOL_CLS && c.o.max_len == 16 &&
		   c.max_len_used == 16 && c.encoder_id == 1 && !c.o.text_model && c.text_hidden == 16 &&
		   c.o.text_lr == 2e-5f,
	   "  frozen, cls, max-len 16, encoder 1, no directory, 16 wide, text lr 2e-5");
	out = train_config_dump(&c);
	want = with_version(v1_text);
	is_str(out, want, "written again: the same text, with the version");
	ok(c.precision == -1 && c.o.precision == 1, "  no precision recorded: it ran fp32 (-1, resumed as fp32)");
	free(out);
	train_config_free(&c);
	char *bf = with_precision(want, "bf16");
	is_int(train_config_parse(bf, 3, &c, &err), YJ_OK, "a text-branch configuration with its precision reads");
	ok(c.precision == NN_BF16 && c.o.precision == 2, "  bf16 ran, resumed as --precision bf16");
	out = train_config_dump(&c);
	is_str(out, bf, "  written again: the same text");
	free(out);
	free(bf);
	train_config_free(&c);
	bf = with_precision(want, "fp16");
	is_int(train_config_parse(bf, 3, &c, &err), YJ_EDATA, "a precision not fp32 or bf16 is refused");
	is_str(err.field, "precision", "  naming the key");
	free(bf);
	free(want);

	/* A run from before text_pool existed pooled [CLS]; one without
	 * fusion concatenated. */
	const char *old = "{\"branches\":\"structured,text:f\",\"epochs\":1,\"batch\":8,\"lr\":0.5,"
			  "\"class_weight\":\"none\",\"bert_fields\":[{\"source\":\"s\",\"field\":\"f\"}],"
			  "\"freeze_text\":true,\"max_len\":20,\"max_len_auto\":true}";
	is_int(train_config_parse(old, 5, &c, &err), YJ_OK, "an early configuration reads");
	ok(c.o.text_pool == TEXT_POOL_CLS && c.o.fusion == FUSION_CONCAT && c.o.max_len == 0 && c.max_len_used == 20 &&
		   c.o.ngram_buckets == NGRAM_DEFAULT_BUCKETS,
	   "  cls pooling, concat, max-len chosen per field, default buckets");
	train_config_free(&c);

	/* Untrusted text: refused with the run and the key named. */
	is_int(train_config_parse("{\"epochs\":\"x\"}", 7, &c, &err), YJ_EDATA, "epochs as text is refused");
	is_str(err.field, "epochs", "  naming the key");
	is_str(err.msg, "run 7 has an unreadable configuration", "  and the run");
	is_int(train_config_parse("{\"epochs\":1,\"fusion\":\"max\"}", 7, &c, &err), YJ_EDATA,
	       "an unknown fusion is refused");
	is_str(err.field, "fusion", "  naming the key");
	is_int(train_config_parse("{\"epochs\":1,\"sources\":[\"a\"],\"in_dims\":[]}", 7, &c, &err), YJ_EDATA,
	       "sources and in_dims of different lengths are refused");
	is_int(train_config_parse("[1]", 7, &c, &err), YJ_EDATA, "an array is refused");
	is_int(train_config_parse(NULL, 7, &c, &err), YJ_EDATA, "no text is refused");
	is_int(train_config_parse("{\"epochs\":1,\"version\":3}", 8, &c, &err), YJ_EDATA, "version 3 is refused");
	is_str(err.msg, "run 8 was stored by a newer yujing (configuration version 3; this one reads up to 2)",
	       "  saying so");
}

static void test_pretrain_config(void)
{
	yj_pretrain_config c;
	yj_error err;
	error_clear(&err);
	is_int(pretrain_config_parse(v1_pretrain, 2, &c, &err), YJ_OK, "a version-1 pretraining configuration reads");
	ok(!strcmp(c.o.config, "1,16,2,32") && !c.o.from && !strcmp(c.o.vocab, "/x/vocab.txt") && c.vocab_size == 47 &&
		   c.layers == 1 && c.hidden == 16 && c.heads == 2 && c.intermediate == 32 && c.o.epochs == 1 &&
		   c.o.max_len == 16 && c.o.batch == 16 && c.o.mask == 0.15f && c.o.lr == 5e-4f &&
		   c.o.warmup == 0.06f && c.texts == 129 && c.held_out == 6 && json_array_size(c.fields) == 2,
	   "  every key");
	char *out = pretrain_config_dump(&c), *v2 = with_version(v1_pretrain), *want = with_key(v2, "masking", "token");
	is_str(out, want, "written again: the same text, with the masking (token) and the version");
	ok(c.precision == -1 && c.o.precision == 1, "  no precision recorded: it ran fp32 (-1, resumed as fp32)");
	is_int(c.o.masking, PRETRAIN_MASK_TOKEN, "  no masking recorded: token masking");
	free(out);
	pretrain_config_free(&c);
	char *span = with_key(v2, "masking", "span");
	is_int(pretrain_config_parse(span, 2, &c, &err), YJ_OK, "a span-masking configuration reads");
	is_int(c.o.masking, PRETRAIN_MASK_SPAN, "  as span masking");
	out = pretrain_config_dump(&c);
	is_str(out, span, "  written again: the same text");
	free(out);
	pretrain_config_free(&c);
	free(span);
	char *bad = with_key(v2, "masking", "words");
	is_int(pretrain_config_parse(bad, 2, &c, &err), YJ_EDATA, "an unknown masking is refused");
	is_str(err.field, "masking", "  naming the key");
	free(bad);
	free(v2);
	char *bf = with_precision(want, "bf16");
	is_int(pretrain_config_parse(bf, 2, &c, &err), YJ_OK, "a pretraining configuration with its precision reads");
	ok(c.precision == NN_BF16 && c.o.precision == 2, "  bf16 ran, resumed as --precision bf16");
	out = pretrain_config_dump(&c);
	is_str(out, bf, "  written again: the same text");
	free(out);
	free(bf);
	free(want);
	pretrain_config_free(&c);
	is_int(pretrain_config_parse(v1_ngram, 1, &c, &err), YJ_EUSAGE, "a training run is not a pretraining run");
	is_str(err.msg, "run 1 is not a pretraining run", "  saying so");
}

static void test_layout(void)
{
	yj_error err;
	error_clear(&err);
	json_t *v1 = json_loads("[{\"source\":\"a\",\"mode\":\"direct\",\"features\":[]}]", 0, NULL);
	json_t *v2 = json_loads("[{\"source\":\"a\",\"version\":2},{\"branch\":\"ngram:f\",\"version\":2}]", 0, NULL);
	json_t *v3 = json_loads("[{\"source\":\"a\",\"version\":2},{\"branch\":\"ngram:f\",\"version\":3}]", 0, NULL);
	json_t *bad = json_loads("[{\"source\":\"a\",\"version\":\"2\"}]", 0, NULL);
	is_int(settings_check_layout(v1, 1, &err), YJ_OK, "a layout without a version (1) reads");
	is_int(settings_check_layout(v2, 1, &err), YJ_OK, "layouts of version 2 read");
	is_int(settings_check_layout(v3, 9, &err), YJ_EDATA, "a layout of version 3 is refused");
	is_str(err.msg, "run 9 was stored by a newer yujing (feature layout version 3; this one reads up to 2)",
	       "  saying so");
	is_int(settings_check_layout(bad, 9, &err), YJ_EDATA, "a version that is not a number is refused");
	is_int(settings_check_layout(json_object_get(v1, "x"), 9, &err), YJ_EDATA, "no layout is refused");
	json_decref(v1);
	json_decref(v2);
	json_decref(v3);
	json_decref(bad);

	/* train_config_read: the same reader from a parsed object */
	json_t *j = json_loads(v1_ngram, 0, NULL);
	yj_train_config c;
	is_int(train_config_read(j, 1, &c, &err), YJ_OK, "train_config_read reads a parsed configuration");
	json_decref(j); /* c holds its own reference */
	is_str(c.sources[0], "incident", "  and keeps it alive");
	train_config_free(&c);
}

/* Seeded random damage to stored configurations (a project file is
 * untrusted): byte flips, cuts and swapped values.  Every parse returns
 * OK, or YJ_EDATA / YJ_EUSAGE with a message; the sanitizer build sees the
 * memory. */
static void test_fuzz(void)
{
	const char *const seeds[] = {v1_ngram, v1_text, v1_pretrain};
	static const char junk[] = "{}[]\",:0-9.etruflsn\\ ";
	uint64_t x = 42;
	int bad = 0, okays = 0;
	for (int it = 0; it < 3000; it++) {
		const char *src = seeds[it % 3];
		size_t n = strlen(src);
		char *b = malloc(n + 1);
		memcpy(b, src, n + 1);
		int flips = 1 + it % 4;
		for (int k = 0; k < flips; k++) {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			size_t at = (size_t)(x >> 33) % n;
			if (it % 7 == 0)
				b[at] = 0; /* cut */
			else
				b[at] = junk[(x >> 17) % (sizeof junk - 1)];
		}
		yj_error err;
		error_clear(&err);
		yj_train_config c;
		yj_pretrain_config pc;
		yj_status st =
			it % 3 == 2 ? pretrain_config_parse(b, 1, &pc, &err) : train_config_parse(b, 1, &c, &err);
		if (st == YJ_OK) {
			okays++;
			char *d = it % 3 == 2 ? pretrain_config_dump(&pc) : train_config_dump(&c);
			bad += d == NULL;
			free(d);
			if (it % 3 == 2)
				pretrain_config_free(&pc);
			else
				train_config_free(&c);
		} else if ((st != YJ_EDATA && st != YJ_EUSAGE) || !err.msg[0]) {
			bad++;
		}
		free(b);
	}
	is_int(bad, 0, "3000 damaged configurations: each read (%d, and written again) or refused with a message",
	       okays);
}

/* settings_split_list ("a,,b," -> a, b): the tokens are cut from a copy
 * of the text inside the array's own block.  glibc's M_PERTURB fills each
 * new block with a non-zero byte, so a copy that left out the text's
 * terminator would run the last token into that filler. */
static void test_split_list(void)
{
	static const struct {
		const char *s, *want;
		size_t n;
	} cases[] = {
		{"a,b", "a|b|", 2}, {"a,,b,", "a|b|", 2}, {"", "", 0}, {",", "", 0}, {"weather", "weather|", 1},
		{"案情,地点", "案情|地点|", 2},
	};
	mallopt(M_PERTURB, 0x5a);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t n = 99;
		char **v = settings_split_list(cases[i].s, &n);
		char got[256] = "";
		for (size_t k = 0; v && k < n; k++)
			snprintf(got + strlen(got), sizeof got - strlen(got), "%s|", v[k]);
		is_int(n, cases[i].n, "split_list('%s'): count", cases[i].s);
		is_str(got, cases[i].want, "split_list('%s'): tokens", cases[i].s);
		ok(v && v[n] == NULL, "split_list('%s'): NULL after the last", cases[i].s);
		free(v);
	}
	mallopt(M_PERTURB, 0);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--table"))
		return print_table();
	test_defaults();
	test_ranges();
	test_resolve();
	test_train_config();
	test_pretrain_config();
	test_layout();
	test_fuzz();
	test_split_list();
	return tap_done();
}
