/*
 * settings.c - the tables of training and pretraining settings, their
 * parsing and range checks, and the one serialiser and reader of a run's
 * stored configuration.
 */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yujing/base/i18n.h"
#include "yujing/nn/bf16.h"
#include "yujing/train/calibrate.h"
#include "yujing/train/settings.h"

/* ---------------------------------------------------------------- tables */

static const char *const fusion_names[] = {"concat", "sum", NULL};    /* yj_fusion_mode */
static const char *const pool_names[] = {"cls", "mean", NULL};        /* yj_text_pool */
static const char *const weight_names[] = {"none", "balanced", NULL}; /* balanced 0/1 */
static const char *const precision_names[] = {"auto", "fp32", "bf16", NULL}; /* settings_precision */
static const char *const masking_names[] = {"token", "span", NULL};   /* yj_masking */

#define T_(f) offsetof(yj_train_opts, f)
#define P_OFF(f) offsetof(yj_pretrain_opts, f)
#define NOMAX HUGE_VAL

const yj_setting settings_train[] = {
	{"branches", SET_TEXT, N_("LIST"), "", 0, 0, NULL, SET_HELP_DEFAULT, T_(branches), 0, N_("branches"),
	 N_("(all)"),
	 N_("branches to train: structured, ngram, ngram:FIELD, text, text:FIELD (default: all the data supports; text "
	    "only with --freeze-text and an encoder)")},
	{"text-model", SET_TEXT, N_("DIR"), "", 0, 0, NULL, SET_HELP_DEFAULT, T_(text_model), 0, N_("text model"),
	 N_("(active encoder)"),
	 N_("encoder of the text branches: a Hugging Face directory (default: the project's active encoder)")},
	{"text-lr", SET_REAL, N_("X"), "0.00002", 0, NOMAX, NULL, SET_MIN_OPEN, T_(text_lr), 0, N_("text lr"), NULL,
	 N_("peak learning rate of the text encoder")},
	{"freeze-text", SET_FLAG, NULL, "", 0, 1, NULL, 0, T_(freeze_text), 0, N_("freeze text"), N_("(no)"),
	 N_("keep the text encoder fixed and cache each case's text vectors in the project")},
	{"text-pool", SET_CHOICE, N_("HOW"), "mean", 0, 0, pool_names, SET_HELP_DEFAULT, T_(text_pool), 0,
	 N_("text pooling"), NULL,
	 N_("text vector of the text branches: mean (of the last hidden states over the text's tokens, the default) or "
	    "cls (the [CLS] hidden state)")},
	{"max-len", SET_INT, N_("N"), "", 2, INT_MAX, NULL, SET_HELP_DEFAULT, T_(max_len), 0, N_("max length"),
	 N_("(auto)"), N_("tokens per text for the text branches (default: the profile's suggested length, else 128)")},
	{"fusion", SET_CHOICE, N_("HOW"), "concat", 0, 0, fusion_names, SET_HELP_DEFAULT, T_(fusion), 0, N_("fusion"),
	 NULL, N_("concat (default) or sum of the branch vectors")},
	{"ngram-buckets", SET_UINT, N_("N"), "262144", 1, UINT_MAX, NULL, 0, T_(ngram_buckets), 0, N_("n-gram buckets"),
	 NULL, N_("hash buckets of the n-gram branches")},
	{"epochs", SET_INT, N_("N"), "", 1, INT_MAX, NULL, SET_HELP_DEFAULT | SET_AUTO, T_(epochs), 0, N_("epochs"),
	 N_("(auto)"),
	 N_("passes over the training cases (default auto: about 3,000 steps in all, from 10 to 100 passes)")},
	{"patience", SET_INT, N_("N"), "5", 0, INT_MAX, NULL, 0, T_(patience), 0, N_("patience"), NULL,
	 N_("stop after N epochs without a better validation macro-F1 (0: never stop early)")},
	{"batch", SET_INT, N_("N"), "", 2, INT_MAX, NULL, SET_HELP_DEFAULT | SET_AUTO, T_(batch), 0, N_("batch"),
	 N_("(auto)"), N_("cases per step (default auto: the power of two nearest a hundredth of the training cases, "
			  "16 to 256)")},
	{"lr", SET_REAL, N_("X"), "", 0, NOMAX, NULL, SET_MIN_OPEN | SET_HELP_DEFAULT | SET_AUTO, T_(lr), 0,
	 N_("learning rate"), N_("(auto)"), N_("peak learning rate of AdamW (default auto: 0.003)")},
	{"weight-decay", SET_REAL, N_("X"), "0.01", 0, NOMAX, NULL, 0, T_(weight_decay), 0, N_("weight decay"), NULL,
	 N_("AdamW decoupled weight decay")},
	{"hidden", SET_INT, N_("N"), "64", 1, INT_MAX, NULL, 0, T_(hidden), 0, N_("hidden"), NULL,
	 N_("width of each source's MLP")},
	{"depth", SET_INT, N_("N"), "1", 1, INT_MAX, NULL, 0, T_(depth), 0, N_("depth"), NULL,
	 N_("Linear-BatchNorm-ReLU blocks per source")},
	{"exclude", SET_LIST, N_("F1,F2,..."), "", 0, 0, NULL, 0, T_(exclude), T_(nexclude), N_("exclude"),
	 N_("(none)"), N_("fields left out of the features (e.g. ones that give the label away)")},
	{"top-k", SET_INT, N_("N"), "10", 1, INT_MAX, NULL, 0, T_(top_k), 0, N_("top-k values"), NULL,
	 N_("categorical values one-hot encoded per field")},
	{"class-weight", SET_CHOICE, N_("HOW"), "none", 0, 0, weight_names, SET_HELP_DEFAULT, T_(balanced), 0,
	 N_("class weight"), NULL, N_("none (default) or balanced")},
	{"seed", SET_U64, N_("N"), "42", 0, (double)LONG_MAX, NULL, 0, T_(seed), 0, N_("seed"), NULL,
	 N_("seed of initialisation and shuffling")},
	{"threads", SET_INT, N_("N"), "", 1, INT_MAX, NULL, SET_HELP_DEFAULT, T_(threads), 0, N_("threads"),
	 N_("(all cores)"), N_("threads (default: OPENBLAS_NUM_THREADS, else all cores)")},
	{"precision", SET_CHOICE, N_("P"), "auto", 0, 0, precision_names, SET_HELP_DEFAULT, T_(precision), 0,
	 N_("numeric precision"), NULL,
	 N_("matrix products of the text encoder while it trains: auto (bf16 where the CPU has AVX512_BF16, else "
	    "fp32; the default), fp32 or bf16 (a frozen encoder always runs fp32)")},
	/* last of the form's rows (the workbench's Train view keeps the
	 * others where they were) */
	{"adjust", SET_TEXT, N_("HOW"), "auto", 0, 0, NULL, 0, T_(adjust), 0, N_("logit adjustment"), NULL,
	 N_("post-hoc logit adjustment for rare categories, logit - tau log(prior): auto (tau chosen on the "
	    "validation part from 0, 0.25, ..., 2), none (tau 0) or a fixed tau from 0 to 10")},
	/* after the rows the form had before it: tune varies it, and its
	 * report gives each trial's settings as options to type */
	{"ngram-n", SET_INT, N_("N"), "3", 1, 8, NULL, 0, T_(ngram_n), 0, N_("n-gram length"), NULL,
	 N_("longest character n-gram of the n-gram branches, from 1 to 8")},
	/* stored with every run, not options (yet) */
	{"warmup", SET_REAL, NULL, "0.05", 0, 1, NULL, SET_HIDDEN, T_(warmup), 0, NULL, NULL, NULL},
	{"clip", SET_REAL, NULL, "1", 0, NOMAX, NULL, SET_HIDDEN, T_(clip), 0, NULL, NULL, NULL},
	{NULL, 0, NULL, NULL, 0, 0, NULL, 0, 0, 0, NULL, NULL, NULL},
};

const yj_setting settings_pretrain[] = {
	{"from", SET_TEXT, N_("DIR"), "", 0, 0, NULL, 0, P_OFF(from), 0, N_("from"), N_("(none)"),
	 N_("start from a Hugging Face BERT directory (its vocab.txt too)")},
	{"config", SET_TEXT, N_("NAME"), "tiny", 0, 0, NULL, SET_HELP_DEFAULT, P_OFF(config), 0, N_("encoder"), NULL,
	 N_("encoder from scratch: tiny (2 layers, 128 wide; the default), mini (4, 256), small (4, 512) or "
	    "LAYERS,HIDDEN,HEADS,INTERMEDIATE")},
	{"vocab", SET_TEXT, N_("FILE"), "", 0, 0, NULL, SET_HELP_DEFAULT, P_OFF(vocab), 0, N_("vocabulary"),
	 N_("(shipped)"), N_("vocabulary from scratch (default: the shipped bert-base-chinese one)")},
	{"epochs", SET_INT, N_("N"), "3", 1, INT_MAX, NULL, 0, P_OFF(epochs), 0, N_("epochs"), NULL,
	 N_("passes over the texts")},
	{"max-len", SET_INT, N_("N"), "128", 3, 65536, NULL, 0, P_OFF(max_len), 0, N_("max length"), NULL,
	 N_("ids per text, [CLS] and [SEP] included")},
	{"mask", SET_REAL, N_("X"), "0.15", 0, 1, NULL, SET_MIN_OPEN | SET_MAX_OPEN, P_OFF(mask), 0, N_("mask"), NULL,
	 N_("fraction of the tokens predicted")},
	{"masking", SET_CHOICE, N_("HOW"), "token", 0, 0, masking_names, SET_HELP_DEFAULT, P_OFF(masking), 0,
	 N_("masking"), NULL,
	 N_("how the predicted tokens are chosen: token (one by one, the default) or span (contiguous spans of "
	    "geometric length, p 0.2, at most 10)")},
	{"batch", SET_INT, N_("N"), "32", 1, 65536, NULL, 0, P_OFF(batch), 0, N_("batch"), NULL, N_("texts per step")},
	{"lr", SET_REAL, N_("X"), "", 0, NOMAX, NULL, SET_MIN_OPEN | SET_HELP_DEFAULT, P_OFF(lr), 0,
	 N_("learning rate"), N_("(auto)"), N_("peak learning rate of AdamW (default 0.0005; 0.0001 with --from)")},
	{"weight-decay", SET_REAL, N_("X"), "0.01", 0, NOMAX, NULL, 0, P_OFF(weight_decay), 0, N_("weight decay"), NULL,
	 N_("AdamW decoupled weight decay")},
	{"seed", SET_U64, N_("N"), "42", 0, (double)LONG_MAX, NULL, 0, P_OFF(seed), 0, N_("seed"), NULL,
	 N_("seed of initialisation, masking and order")},
	{"threads", SET_INT, N_("N"), "", 1, INT_MAX, NULL, SET_HELP_DEFAULT, P_OFF(threads), 0, N_("threads"),
	 N_("(all cores)"), N_("threads (default: OPENBLAS_NUM_THREADS, else all cores)")},
	{"precision", SET_CHOICE, N_("P"), "auto", 0, 0, precision_names, SET_HELP_DEFAULT, P_OFF(precision), 0,
	 N_("numeric precision"), NULL,
	 N_("matrix products of the BERT encoder: auto (bf16 where the CPU has AVX512_BF16, else fp32; the "
	    "default), fp32 or bf16")},
	{"warmup", SET_REAL, NULL, "0.06", 0, 1, NULL, SET_HIDDEN, P_OFF(warmup), 0, NULL, NULL, NULL},
	{"clip", SET_REAL, NULL, "1", 0, NOMAX, NULL, SET_HIDDEN, P_OFF(clip), 0, NULL, NULL, NULL},
	{NULL, 0, NULL, NULL, 0, 0, NULL, 0, 0, 0, NULL, NULL, NULL},
};

/* -------------------------------------------------------------- parsing */

#define FIELD(opts, s, type) ((type *)(void *)((char *)(opts) + (s)->off))
#define CFIELD(opts, s, type) ((const type *)(const void *)((const char *)(opts) + (s)->off))

const yj_setting *settings_find(const yj_setting *tab, const char *name)
{
	for (const yj_setting *s = tab; s->name; s++)
		if (!strcmp(s->name, name))
			return s;
	return NULL;
}

const char *settings_type_name(yj_setting_type t)
{
	static const char *const names[] = {"int", "int", "int", "real", "choice", "flag", "text", "list"};
	return (unsigned)t < sizeof names / sizeof *names ? names[t] : "?";
}

static int choice_index(const yj_setting *s, const char *v)
{
	for (int i = 0; s->choices && s->choices[i]; i++)
		if (!strcmp(s->choices[i], v))
			return i;
	return -1;
}

char *settings_range(const yj_setting *s, char *buf, size_t n)
{
	buf[0] = 0;
	switch (s->type) {
	case SET_INT:
	case SET_UINT:
	case SET_U64:
		if (s->max >= (s->type == SET_INT    ? (double)INT_MAX
			       : s->type == SET_UINT ? (double)UINT_MAX
						     : (double)LONG_MAX))
			snprintf(buf, n, "%.0f..", s->min);
		else
			snprintf(buf, n, "%.0f..%.0f", s->min, s->max);
		break;
	case SET_REAL:
		snprintf(buf, n, "%s%g..", s->flags & SET_MIN_OPEN ? ">" : "", s->min);
		if (isfinite(s->max)) {
			size_t l = strlen(buf);
			snprintf(buf + l, n - l, "%s%g", s->flags & SET_MAX_OPEN ? "<" : "", s->max);
		}
		break;
	case SET_CHOICE:
		for (int i = 0; s->choices[i]; i++) {
			size_t l = strlen(buf);
			snprintf(buf + l, n - l, "%s%s", i ? "|" : "", s->choices[i]);
		}
		break;
	default:
		break;
	}
	return buf;
}

/* The error of a number out of range (or not a number): it names the
 * option and the range. */
static yj_status range_error(const yj_setting *s, yj_error *err)
{
	int integer = s->type != SET_REAL;
	char opt[64];
	snprintf(opt, sizeof opt, "--%s", s->name);
	double top = s->type == SET_INT ? (double)INT_MAX : s->type == SET_UINT ? (double)UINT_MAX : (double)LONG_MAX;
	if (integer && s->max >= top)
		error_set(err, YJ_EUSAGE, _("%s wants a whole number of at least %ld"), opt, (long)s->min);
	else if (integer)
		error_set(err, YJ_EUSAGE, _("%s wants a whole number from %ld to %ld"), opt, (long)s->min,
			  (long)s->max);
	else if (isfinite(s->max))
		error_set(err, YJ_EUSAGE, _("%s wants a number from %g to %g (%s)"), opt, s->min, s->max,
			  (s->flags & SET_MIN_OPEN) && (s->flags & SET_MAX_OPEN) ? _("both excluded")
			  : s->flags & SET_MIN_OPEN                              ? _("the lower excluded")
			  : s->flags & SET_MAX_OPEN                              ? _("the upper excluded")
										 : _("both included"));
	else if (s->flags & SET_MIN_OPEN)
		error_set(err, YJ_EUSAGE, _("%s wants a number greater than %g"), opt, s->min);
	else
		error_set(err, YJ_EUSAGE, _("%s wants a number of at least %g"), opt, s->min);
	return YJ_EUSAGE;
}

static int whole(const char *t, double *out)
{
	if (!t || !*t)
		return -1;
	const char *p = t + strspn(t, " \t\n\v\f\r");
	if (*p == '-') /* strtoull would take it, negated */
		return -1;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(t, &end, 10);
	if (*end || errno == ERANGE)
		return -1;
	*out = (double)v;
	return 0;
}

static int real(const char *t, double *out)
{
	if (!t || !*t)
		return -1;
	char *end;
	errno = 0;
	double v = strtod(t, &end);
	if (*end || errno == ERANGE || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

/* "branches": each item one of the branch kinds. */
static yj_status check_branches(const char *v, yj_error *err)
{
	while (*v) {
		size_t n = strcspn(v, ",");
		char tok[256];
		snprintf(tok, sizeof tok, "%.*s", (int)(n < 255 ? n : 255), v);
		v += n + (v[n] == ',');
		if (*tok && strcmp(tok, "structured") && strcmp(tok, "ngram") && strncmp(tok, "ngram:", 6) &&
		    strcmp(tok, "text") && strncmp(tok, "text:", 5))
			return error_set(err, YJ_EUSAGE,
					 _("--branches: '%s' is not a branch (structured, ngram, ngram:FIELD, text, "
					   "text:FIELD)"),
					 tok);
	}
	return YJ_OK;
}

char **settings_split_list(const char *s, size_t *n)
{
	size_t cnt = 1, len = strlen(s);
	for (const char *p = s; *p; p++)
		cnt += *p == ',';
	char **v = malloc((cnt + 1) * sizeof *v + len + 1);
	if (!v)
		return NULL;
	char *buf = (char *)(v + cnt + 1);
	memcpy(buf, s, len + 1);
	size_t k = 0;
	for (char *tok = buf;;) {
		char *comma = strchr(tok, ',');
		if (comma)
			*comma = '\0';
		if (*tok)
			v[k++] = tok;
		if (!comma)
			break;
		tok = comma + 1;
	}
	v[k] = NULL;
	*n = k;
	return v;
}

yj_status settings_set(const yj_setting *s, void *opts, const char *text, yj_error *err)
{
	double d;
	if ((s->flags & SET_AUTO) && text && !strcmp(text, "auto")) {
		/* zero: chosen at run time (train_opts_resolve) */
		if (s->type == SET_REAL)
			*FIELD(opts, s, float) = 0;
		else
			*FIELD(opts, s, int) = 0;
		return YJ_OK;
	}
	switch (s->type) {
	case SET_INT:
	case SET_UINT:
	case SET_U64:
		if (whole(text, &d) || d < s->min || d > s->max)
			return range_error(s, err);
		if (s->type == SET_INT)
			*FIELD(opts, s, int) = (int)d;
		else if (s->type == SET_UINT)
			*FIELD(opts, s, unsigned) = (unsigned)d;
		else
			*FIELD(opts, s, uint64_t) = (uint64_t)strtoull(text, NULL, 10);
		return YJ_OK;
	case SET_REAL:
		if (real(text, &d) || d < s->min || d > s->max || ((s->flags & SET_MIN_OPEN) && d == s->min) ||
		    ((s->flags & SET_MAX_OPEN) && d == s->max))
			return range_error(s, err);
		*FIELD(opts, s, float) = (float)d;
		return YJ_OK;
	case SET_CHOICE: {
		int i = text ? choice_index(s, text) : -1;
		if (i < 0) {
			char r[128];
			return error_set(err, YJ_EUSAGE, _("--%s wants one of %s, not '%s'"), s->name,
					 settings_range(s, r, sizeof r), text ? text : "");
		}
		*FIELD(opts, s, int) = i;
		return YJ_OK;
	}
	case SET_FLAG:
		*FIELD(opts, s, int) = 1;
		return YJ_OK;
	case SET_TEXT:
		if (text && !strcmp(s->name, "branches") && check_branches(text, err))
			return YJ_EUSAGE;
		if (!strcmp(s->name, "adjust") && settings_adjust(text, &d))
			return error_set(err, YJ_EUSAGE, _("--adjust wants auto, none or a number from 0 to %g, not '%s'"),
					 CALIBRATE_TAU_MAX, text ? text : "");
		*FIELD(opts, s, const char *) = text && *text ? text : NULL;
		return YJ_OK;
	case SET_LIST: {
		size_t n = 0;
		char **v = settings_split_list(text ? text : "", &n);
		if (!v)
			return error_set(err, YJ_ENOMEM, _("out of memory"));
		free(*FIELD(opts, s, char **));
		*FIELD(opts, s, char **) = v;
		*(size_t *)(void *)((char *)opts + s->off2) = n;
		return YJ_OK;
	}
	}
	return error_set(err, YJ_EUSAGE, _("--%s: unknown setting"), s->name);
}

void settings_free(const yj_setting *tab, void *opts)
{
	for (const yj_setting *s = tab; s->name; s++)
		if (s->type == SET_LIST) {
			free(*FIELD(opts, s, char **));
			*FIELD(opts, s, char **) = NULL;
			*(size_t *)(void *)((char *)opts + s->off2) = 0;
		}
}

static void set_defaults(const yj_setting *tab, void *opts, size_t size)
{
	memset(opts, 0, size);
	yj_error err;
	for (const yj_setting *s = tab; s->name; s++) {
		if (!*s->def) /* zero, NULL: chosen at run time */
			continue;
		if (s->type == SET_TEXT) /* the table's string is static */
			*FIELD(opts, s, const char *) = s->def;
		else
			settings_set(s, opts, s->def, &err);
	}
}

void train_opts_default(yj_train_opts *o)
{
	set_defaults(settings_train, o, sizeof *o);
}

void pretrain_opts_default(yj_pretrain_opts *o)
{
	set_defaults(settings_pretrain, o, sizeof *o);
}

int settings_adjust(const char *text, double *tau)
{
	*tau = -1;
	if (!text || !strcmp(text, "auto"))
		return 0;
	if (!strcmp(text, "none")) {
		*tau = 0;
		return 0;
	}
	double d;
	if (real(text, &d) || !(d >= 0 && d <= CALIBRATE_TAU_MAX))
		return -1;
	*tau = d;
	return 0;
}

/* ------------------------------------------------------ the data-size rule */

/* What the rule aims at (issue 13: 4,500 cases at batch 256 for 20 epochs
 * made 360 steps, too few for AdamW to fit the n-gram tables' rare rows):
 * about AUTO_STEPS_PER_EPOCH steps an epoch, AUTO_STEPS steps in all,
 * early stopping on validation ending it sooner.  Chosen on validation
 * splits of the training parts of CAIL and Chicago (see the note). */
#define AUTO_STEPS_PER_EPOCH 100
#define AUTO_BATCH_MIN 16
#define AUTO_BATCH_MAX 256
#define AUTO_STEPS 3000
#define AUTO_EPOCHS_MIN 10
#define AUTO_EPOCHS_MAX 100
#define AUTO_LR 0.003f

size_t train_steps_per_epoch(size_t ntrain, int batch)
{
	/* a last partial batch of one case is dropped (BatchNorm needs two) */
	return ntrain / (size_t)batch + (ntrain % (size_t)batch >= 2);
}

void train_opts_resolve(yj_train_opts *o, size_t ntrain)
{
	if (o->batch <= 0) {
		/* the power of two nearest ntrain / AUTO_STEPS_PER_EPOCH (in
		 * log scale), within AUTO_BATCH_MIN..AUTO_BATCH_MAX */
		double want = (double)ntrain / AUTO_STEPS_PER_EPOCH;
		int b = AUTO_BATCH_MIN;
		while (b < AUTO_BATCH_MAX && (double)b * M_SQRT2 < want)
			b *= 2;
		o->batch = b;
		o->autoset |= TRAIN_AUTO_BATCH;
	}
	if (o->epochs <= 0) {
		size_t spe = train_steps_per_epoch(ntrain, o->batch);
		size_t e = spe ? (AUTO_STEPS + spe - 1) / spe : AUTO_EPOCHS_MAX;
		o->epochs = e < AUTO_EPOCHS_MIN ? AUTO_EPOCHS_MIN : e > AUTO_EPOCHS_MAX ? AUTO_EPOCHS_MAX : (int)e;
		o->autoset |= TRAIN_AUTO_EPOCHS;
	}
	if (!(o->lr > 0)) {
		o->lr = AUTO_LR;
		o->autoset |= TRAIN_AUTO_LR;
	}
}

int settings_precision(int choice)
{
	return choice == 1 ? NN_FP32 : choice == 2 ? NN_BF16 : nn_precision_default();
}

char *settings_format(const yj_setting *s, const void *opts, char *buf, size_t n)
{
	buf[0] = 0;
	switch (s->type) {
	case SET_INT: {
		int v = *CFIELD(opts, s, int);
		if (v || s->min <= 0)
			snprintf(buf, n, "%d", v);
		break;
	}
	case SET_UINT:
		snprintf(buf, n, "%u", *CFIELD(opts, s, unsigned));
		break;
	case SET_U64:
		snprintf(buf, n, "%llu", (unsigned long long)*CFIELD(opts, s, uint64_t));
		break;
	case SET_REAL: {
		float v = *CFIELD(opts, s, float);
		if (v == 0 && !*s->def && (s->flags & SET_MIN_OPEN))
			break; /* chosen at run time */
		if (*s->def && (float)strtod(s->def, NULL) == v) {
			snprintf(buf, n, "%s", s->def); /* the default as the table writes it */
			break;
		}
		/* the shortest text that reads back as the same float */
		for (int prec = 1; prec <= 9; prec++) {
			snprintf(buf, n, "%.*g", prec, (double)v);
			if (strtof(buf, NULL) == v)
				break;
		}
		break;
	}
	case SET_CHOICE: {
		int v = *CFIELD(opts, s, int);
		int k = 0;
		while (s->choices[k])
			k++;
		snprintf(buf, n, "%s", v >= 0 && v < k ? s->choices[v] : "");
		break;
	}
	case SET_FLAG:
		snprintf(buf, n, "%s", *CFIELD(opts, s, int) ? "yes" : "");
		break;
	case SET_TEXT: {
		const char *v = *CFIELD(opts, s, const char *);
		snprintf(buf, n, "%s", v ? v : "");
		break;
	}
	case SET_LIST: {
		const char *const *v = *CFIELD(opts, s, const char *const *);
		size_t cnt = *(const size_t *)(const void *)((const char *)opts + s->off2);
		for (size_t i = 0; v && i < cnt; i++) {
			size_t l = strlen(buf);
			snprintf(buf + l, n - l, "%s%s", i ? "," : "", v[i]);
		}
		break;
	}
	}
	return buf;
}

/* -------------------------------------------------- stored configuration */

/* "auto": bit i of autoset names auto_names[i] (TRAIN_AUTO_*) */
static const char *const auto_names[] = {"epochs", "batch", "lr"};

static const char *fusion_name(int f)
{
	return f >= 0 && f < 2 ? fusion_names[f] : "concat";
}

static json_t *field_refs(const yj_field_ref *r, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s}", "source", r[i].source, "field", r[i].field));
	return a;
}

char *train_config_dump(const yj_train_config *c)
{
	const yj_train_opts *o = &c->o;
	json_t *src = json_array(), *dims = json_array(), *ex = json_array();
	for (size_t i = 0; i < o->nexclude; i++)
		json_array_append_new(ex, json_string(o->exclude[i]));
	for (size_t i = 0; i < c->nsources; i++) {
		json_array_append_new(src, json_string(c->sources[i]));
		json_array_append_new(dims, json_integer((json_int_t)c->in_dims[i]));
	}
	json_t *j = json_pack("{s:s, s:i, s:i, s:f, s:f, s:f, s:f, s:i, s:i, s:i, s:i, s:s, s:I, s:i, s:o, s:o, s:o}",
			      "branches", o->branches ? o->branches : "", "epochs", o->epochs, "batch", o->batch, "lr",
			      (double)o->lr, "weight_decay", (double)o->weight_decay, "warmup", (double)o->warmup,
			      "clip", (double)o->clip, "hidden", o->hidden, "depth", o->depth, "proj", c->proj, "top_k",
			      o->top_k, "class_weight", weight_names[o->balanced ? 1 : 0], "seed", (json_int_t)o->seed,
			      "threads", c->threads, "sources", src, "in_dims", dims, "exclude", ex);
	if (!j)
		return NULL;
	json_object_set_new(j, "fusion", json_string(fusion_name(o->fusion)));
	json_object_set_new(j, "ngram_buckets", json_integer((json_int_t)o->ngram_buckets));
	json_object_set_new(j, "ngram_n", json_integer(o->ngram_n));
	if (o->adjust) /* absent: no adjustment (as every run before it) */
		json_object_set_new(j, "adjust", json_string(o->adjust));
	if (o->patience) /* absent: no early stop (as every run before it) */
		json_object_set_new(j, "patience", json_integer(o->patience));
	if (c->ngram_tfidf) {
		json_object_set_new(j, "ngram_words", json_integer(c->ngram_words));
		json_object_set_new(j, "ngram_weighting", json_string("tfidf"));
	}
	json_object_set_new(j, "text_fields", field_refs(c->ngram, c->nngram));
	if (c->has_text) {
		json_object_set_new(j, "bert_fields", field_refs(c->text, c->ntext));
		json_object_set_new(j, "text_lr", json_real((double)o->text_lr));
		json_object_set_new(j, "freeze_text", json_boolean(o->freeze_text));
		json_object_set_new(j, "text_pool", json_string(pool_names[o->text_pool ? 1 : 0]));
		json_object_set_new(j, "max_len", json_integer(c->max_len_used));
		json_object_set_new(j, "max_len_auto", json_boolean(o->max_len <= 0));
		json_object_set_new(j, "encoder_id", json_integer((json_int_t)c->encoder_id));
		json_object_set_new(j, "text_model", o->text_model ? json_string(o->text_model) : json_null());
		json_object_set_new(j, "text_hidden", json_integer(c->text_hidden));
		if (c->precision >= 0)
			json_object_set_new(j, "precision",
					    json_string(nn_precision_name((nn_precision)c->precision)));
	}
	if (o->autoset) {
		/* the settings the data-size rule chose (their values are above) */
		json_t *a = json_array();
		for (size_t i = 0; i < sizeof auto_names / sizeof *auto_names; i++)
			if (o->autoset & (1u << i))
				json_array_append_new(a, json_string(auto_names[i]));
		json_object_set_new(j, "auto", a);
	}
	json_object_set_new(j, "version", json_integer(YJ_CONFIG_VERSION));
	char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
	json_decref(j);
	return s;
}

/* A reader over one configuration object: each getter checks the type of
 * its key and remembers the first that is wrong. */
typedef struct {
	json_t *j;
	const char *bad; /* the first key of the wrong type */
} reader;

static json_t *get(reader *r, const char *key, int (*is)(const json_t *), int required)
{
	json_t *v = json_object_get(r->j, key);
	if ((!v && required) || (v && is && !is(v))) {
		if (!r->bad)
			r->bad = key;
		return NULL;
	}
	return v;
}

static int is_int(const json_t *v)
{
	return json_is_integer(v);
}
static int is_num(const json_t *v)
{
	return json_is_number(v);
}
static int is_arr(const json_t *v)
{
	return json_is_array(v);
}
static int is_bool(const json_t *v)
{
	return json_is_boolean(v);
}
static int is_str_or_null(const json_t *v)
{
	return json_is_string(v) || json_is_null(v);
}

static long long get_int(reader *r, const char *key, long long def, long long lo, long long hi)
{
	json_t *v = get(r, key, is_int, 0);
	if (!v)
		return def;
	long long x = json_integer_value(v);
	if (x < lo || x > hi) {
		if (!r->bad)
			r->bad = key;
		return def;
	}
	return x;
}

static float get_real(reader *r, const char *key, float def)
{
	json_t *v = get(r, key, is_num, 0);
	return v ? (float)json_number_value(v) : def;
}

static const char *get_str(reader *r, const char *key, const char *def)
{
	json_t *v = get(r, key, is_str_or_null, 0);
	return v && json_is_string(v) ? json_string_value(v) : def;
}

static int get_choice(reader *r, const char *key, const char *const *names, int def)
{
	const char *v = get_str(r, key, NULL);
	if (!v)
		return def;
	for (int i = 0; names[i]; i++)
		if (!strcmp(names[i], v))
			return i;
	if (!r->bad)
		r->bad = key;
	return def;
}

/* "precision": the nn_precision a run computed in, -1 when absent (runs
 * from before bf16, which computed in fp32); *choice gets the setting
 * that asks for it again. */
static int get_precision(reader *r, int *choice)
{
	const char *v = get_str(r, "precision", NULL);
	nn_precision p = NN_FP32;
	if (v && nn_precision_parse(v, &p) && !r->bad)
		r->bad = "precision";
	*choice = p == NN_BF16 ? 2 : 1;
	return v ? (int)p : -1;
}

/* [{source, field}] into a new array (NULL and 0 for none). */
static yj_field_ref *get_refs(reader *r, const char *key, size_t *n)
{
	json_t *a = get(r, key, is_arr, 0);
	*n = 0;
	size_t m = json_array_size(a);
	if (!m)
		return NULL;
	yj_field_ref *v = calloc(m, sizeof *v);
	if (!v) {
		r->bad = key;
		return NULL;
	}
	for (size_t i = 0; i < m; i++) {
		json_t *e = json_array_get(a, i);
		v[i].source = json_string_value(json_object_get(e, "source"));
		v[i].field = json_string_value(json_object_get(e, "field"));
		if (!v[i].source || !v[i].field) {
			if (!r->bad)
				r->bad = key;
			free(v);
			return NULL;
		}
	}
	*n = m;
	return v;
}

/* Load text as an object and check its version. */
static yj_status check_config(json_t *j, long long run, json_t **out, int *version, yj_error *err);

static yj_status open_config(const char *text, long long run, json_t **out, int *version, yj_error *err)
{
	json_error_t je;
	json_t *j = text ? json_loads(text, 0, &je) : NULL;
	yj_status st = check_config(j, run, out, version, err);
	json_decref(j);
	return st;
}

/* j an object of a version this reads: *out gets a new reference. */
static yj_status check_config(json_t *j, long long run, json_t **out, int *version, yj_error *err)
{
	*out = NULL;
	if (!json_is_object(j))
		return error_set(err, YJ_EDATA, _("run %lld has an unreadable configuration"), run);
	json_t *v = json_object_get(j, "version");
	*version = v ? (int)json_integer_value(v) : 1;
	if (v && (!json_is_integer(v) || *version < 1)) {
		error_set(err, YJ_EDATA, _("run %lld has an unreadable configuration"), run);
		error_at(err, NULL, -1, -1, "version");
		return YJ_EDATA;
	}
	if (*version > YJ_CONFIG_VERSION) {
		error_set(
			err, YJ_EDATA,
			_("run %lld was stored by a newer yujing (configuration version %d; this one reads up to %d)"),
			run, *version, YJ_CONFIG_VERSION);
		error_hint(err, _("open the project with a newer yujing"));
		return YJ_EDATA;
	}
	*out = json_incref(j);
	return YJ_OK;
}

yj_status settings_check_layout(const json_t *features, long long run, yj_error *err)
{
	if (!json_is_array(features))
		return error_set(err, YJ_EDATA, _("run %lld has an unreadable feature layout"), run);
	for (size_t i = 0; i < json_array_size(features); i++) {
		json_t *v = json_object_get(json_array_get(features, i), "version");
		if (!json_is_object(json_array_get(features, i)) || (v && !json_is_integer(v)))
			return error_set(err, YJ_EDATA, _("run %lld has an unreadable feature layout"), run);
		if (v && json_integer_value(v) > YJ_CONFIG_VERSION) {
			error_set(err, YJ_EDATA,
				  _("run %lld was stored by a newer yujing (feature layout version %lld; this one "
				    "reads up to %d)"),
				  run, (long long)json_integer_value(v), YJ_CONFIG_VERSION);
			error_hint(err, _("open the project with a newer yujing"));
			return YJ_EDATA;
		}
	}
	return YJ_OK;
}

static yj_status bad_key(long long run, const char *key, yj_error *err)
{
	error_set(err, YJ_EDATA, _("run %lld has an unreadable configuration"), run);
	error_at(err, NULL, -1, -1, key);
	error_hint(err, _("the key '%s' is missing or of the wrong type"), key);
	return YJ_EDATA;
}

void train_config_free(yj_train_config *c)
{
	free((void *)c->o.exclude);
	free(c->sources);
	free(c->in_dims);
	free(c->ngram);
	free(c->text);
	json_decref(c->json);
	memset(c, 0, sizeof *c);
}

static yj_status train_config_fill(yj_train_config *c, long long run, yj_error *err);

yj_status train_config_parse(const char *text, long long run, yj_train_config *c, yj_error *err)
{
	memset(c, 0, sizeof *c);
	yj_status st = open_config(text, run, &c->json, &c->version, err);
	return st ? st : train_config_fill(c, run, err);
}

yj_status train_config_read(json_t *j, long long run, yj_train_config *c, yj_error *err)
{
	memset(c, 0, sizeof *c);
	yj_status st = check_config(j, run, &c->json, &c->version, err);
	return st ? st : train_config_fill(c, run, err);
}

static yj_status train_config_fill(yj_train_config *c, long long run, yj_error *err)
{
	yj_status st;
	reader r = {c->json, NULL};
	yj_train_opts *o = &c->o;
	train_opts_default(o);
	/* what a version-1 run without the key did */
	o->branches = get_str(&r, "branches", "structured");
	o->epochs = (int)get_int(&r, "epochs", 0, 1, INT_MAX);
	o->batch = (int)get_int(&r, "batch", 0, 1, INT_MAX);
	o->lr = get_real(&r, "lr", 0);
	o->weight_decay = get_real(&r, "weight_decay", 0);
	o->warmup = get_real(&r, "warmup", 0);
	o->clip = get_real(&r, "clip", 0);
	o->hidden = (int)get_int(&r, "hidden", 0, 0, INT_MAX);
	o->depth = (int)get_int(&r, "depth", 0, 0, INT_MAX);
	c->proj = (int)get_int(&r, "proj", o->hidden, 0, INT_MAX);
	o->top_k = (int)get_int(&r, "top_k", 0, 0, INT_MAX);
	o->balanced = get_choice(&r, "class_weight", weight_names, 0);
	o->seed = (uint64_t)get_int(&r, "seed", 0, 0, LLONG_MAX);
	c->threads = (int)get_int(&r, "threads", 0, 0, INT_MAX);
	o->fusion = get_choice(&r, "fusion", fusion_names, 0);
	o->ngram_buckets = (unsigned)get_int(&r, "ngram_buckets", o->ngram_buckets, 1, UINT_MAX);
	o->ngram_n = (int)get_int(&r, "ngram_n", o->ngram_n, 1, 64);
	o->patience = (int)get_int(&r, "patience", 0, 0, INT_MAX); /* runs before it: no early stop */
	{
		double tau;
		o->adjust = get_str(&r, "adjust", NULL); /* runs before it: NULL, no adjustment */
		if (!r.bad && o->adjust && settings_adjust(o->adjust, &tau))
			r.bad = "adjust";
	}
	c->ngram_words = (int)get_int(&r, "ngram_words", 0, 0, 64);
	{
		static const char *const weightings[] = {"mean", "tfidf", NULL};
		c->ngram_tfidf = get_choice(&r, "ngram_weighting", weightings, 0);
	}
	if (!json_object_get(c->json, "epochs") && !r.bad) /* in every version */
		r.bad = "epochs";
	json_t *src = get(&r, "sources", is_arr, 0), *dims = get(&r, "in_dims", is_arr, 0);
	size_t ns = json_array_size(src);
	if (json_array_size(dims) != ns && !r.bad)
		r.bad = "in_dims";
	if (ns && !r.bad) {
		c->sources = calloc(ns, sizeof *c->sources);
		c->in_dims = calloc(ns, sizeof *c->in_dims);
		if (!c->sources || !c->in_dims) {
			train_config_free(c);
			return error_set(err, YJ_ENOMEM, _("out of memory"));
		}
		for (size_t i = 0; i < ns; i++) {
			c->sources[i] = json_string_value(json_array_get(src, i));
			json_t *d = json_array_get(dims, i);
			c->in_dims[i] = json_integer_value(d);
			if (!c->sources[i] || !json_is_integer(d) || c->in_dims[i] < 0)
				r.bad = !c->sources[i] ? "sources" : "in_dims";
		}
		c->nsources = ns;
	}
	json_t *ex = get(&r, "exclude", is_arr, 0);
	size_t ne = json_array_size(ex);
	if (ne && !r.bad) {
		const char **v = calloc(ne, sizeof *v);
		if (!v) {
			train_config_free(c);
			return error_set(err, YJ_ENOMEM, _("out of memory"));
		}
		for (size_t i = 0; i < ne; i++)
			if (!(v[i] = json_string_value(json_array_get(ex, i))))
				r.bad = "exclude";
		o->exclude = v;
		o->nexclude = ne;
	}
	c->ngram = get_refs(&r, "text_fields", &c->nngram);
	c->has_text = json_object_get(c->json, "bert_fields") != NULL;
	if (c->has_text) {
		c->text = get_refs(&r, "bert_fields", &c->ntext);
		o->text_lr = get_real(&r, "text_lr", o->text_lr);
		json_t *fz = get(&r, "freeze_text", is_bool, 0);
		o->freeze_text = json_is_true(fz);
		/* a run from before the choice pooled [CLS] */
		o->text_pool = get_choice(&r, "text_pool", pool_names, 0);
		c->max_len_used = (int)get_int(&r, "max_len", 0, 0, INT_MAX);
		json_t *ma = get(&r, "max_len_auto", is_bool, 0);
		o->max_len = json_is_true(ma) ? 0 : c->max_len_used;
		c->encoder_id = get_int(&r, "encoder_id", 0, 0, LLONG_MAX);
		o->text_model = get_str(&r, "text_model", NULL);
		c->text_hidden = (int)get_int(&r, "text_hidden", 0, 0, INT_MAX);
		c->precision = get_precision(&r, &o->precision);
	}
	json_t *au = get(&r, "auto", is_arr, 0);
	for (size_t i = 0; i < json_array_size(au); i++) {
		const char *n = json_string_value(json_array_get(au, i));
		size_t k = 0;
		while (n && k < sizeof auto_names / sizeof *auto_names && strcmp(n, auto_names[k]))
			k++;
		if (!n || k == sizeof auto_names / sizeof *auto_names) {
			if (!r.bad)
				r.bad = "auto";
		} else {
			o->autoset |= 1u << k;
		}
	}
	o->threads = c->threads;
	if (r.bad) {
		const char *k = r.bad;
		st = bad_key(run, k, err);
		train_config_free(c);
		return st;
	}
	return YJ_OK;
}

char *pretrain_config_dump(const yj_pretrain_config *c)
{
	const yj_pretrain_opts *o = &c->o;
	json_t *fields = c->fields ? json_incref(c->fields) : json_array();
	json_t *j = json_pack("{s:s, s:s, s:s*, s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:f, s:f, s:f, s:f, "
			      "s:f, s:I, s:i, s:I, s:I, s:o, s:s}",
			      "branches", "pretrain", "config", o->config ? o->config : "tiny", "from", o->from,
			      "vocab", o->vocab ? o->vocab : "", "vocab_size", c->vocab_size, "layers", c->layers,
			      "hidden", c->hidden, "heads", c->heads, "intermediate", c->intermediate, "epochs",
			      o->epochs, "max_len", o->max_len, "batch", o->batch, "mask", (double)o->mask, "lr",
			      (double)o->lr, "weight_decay", (double)o->weight_decay, "warmup", (double)o->warmup,
			      "clip", (double)o->clip, "seed", (json_int_t)o->seed, "threads", c->threads, "texts",
			      (json_int_t)c->texts, "held_out", (json_int_t)c->held_out, "fields", fields, "masking",
			      masking_names[o->masking == PRETRAIN_MASK_SPAN]);
	if (!j)
		return NULL;
	if (c->precision >= 0)
		json_object_set_new(j, "precision", json_string(nn_precision_name((nn_precision)c->precision)));
	json_object_set_new(j, "version", json_integer(YJ_CONFIG_VERSION));
	char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9));
	json_decref(j);
	return s;
}

void pretrain_config_free(yj_pretrain_config *c)
{
	json_decref(c->json);
	memset(c, 0, sizeof *c);
}

static yj_status pretrain_config_fill(yj_pretrain_config *c, long long run, yj_error *err);

yj_status pretrain_config_parse(const char *text, long long run, yj_pretrain_config *c, yj_error *err)
{
	memset(c, 0, sizeof *c);
	yj_status st = open_config(text, run, &c->json, &c->version, err);
	return st ? st : pretrain_config_fill(c, run, err);
}

yj_status pretrain_config_read(json_t *j, long long run, yj_pretrain_config *c, yj_error *err)
{
	memset(c, 0, sizeof *c);
	yj_status st = check_config(j, run, &c->json, &c->version, err);
	return st ? st : pretrain_config_fill(c, run, err);
}

static yj_status pretrain_config_fill(yj_pretrain_config *c, long long run, yj_error *err)
{
	yj_status st;
	const char *branches = json_string_value(json_object_get(c->json, "branches"));
	if (!branches || strcmp(branches, "pretrain")) {
		pretrain_config_free(c);
		error_set(err, YJ_EUSAGE, _("run %lld is not a pretraining run"), run);
		error_hint(err, _("resume it with 'yujing train PROJECT --resume %lld'"), run);
		return YJ_EUSAGE;
	}
	reader r = {c->json, NULL};
	yj_pretrain_opts *o = &c->o;
	pretrain_opts_default(o);
	o->config = get_str(&r, "config", NULL);
	o->from = get_str(&r, "from", NULL);
	o->vocab = get_str(&r, "vocab", NULL);
	c->vocab_size = (int)get_int(&r, "vocab_size", 0, 0, INT_MAX);
	c->layers = (int)get_int(&r, "layers", 0, 0, INT_MAX);
	c->hidden = (int)get_int(&r, "hidden", 0, 0, INT_MAX);
	c->heads = (int)get_int(&r, "heads", 0, 0, INT_MAX);
	c->intermediate = (int)get_int(&r, "intermediate", 0, 0, INT_MAX);
	o->epochs = (int)get_int(&r, "epochs", 0, 1, INT_MAX);
	o->max_len = (int)get_int(&r, "max_len", 0, 0, INT_MAX);
	o->batch = (int)get_int(&r, "batch", 0, 0, INT_MAX);
	o->mask = get_real(&r, "mask", 0);
	o->masking = get_choice(&r, "masking", masking_names, PRETRAIN_MASK_TOKEN); /* absent before span masking */
	o->lr = get_real(&r, "lr", 0);
	o->weight_decay = get_real(&r, "weight_decay", 0);
	o->warmup = get_real(&r, "warmup", 0);
	o->clip = get_real(&r, "clip", 0);
	o->seed = (uint64_t)get_int(&r, "seed", 0, 0, LLONG_MAX);
	c->threads = (int)get_int(&r, "threads", 0, 0, INT_MAX);
	o->threads = c->threads;
	c->texts = get_int(&r, "texts", 0, 0, LLONG_MAX);
	c->held_out = get_int(&r, "held_out", 0, 0, LLONG_MAX);
	c->fields = get(&r, "fields", is_arr, 0);
	c->precision = get_precision(&r, &o->precision);
	if (!json_object_get(c->json, "epochs") && !r.bad)
		r.bad = "epochs";
	if (r.bad) {
		st = bad_key(run, r.bad, err);
		pretrain_config_free(c);
		return st;
	}
	return YJ_OK;
}
