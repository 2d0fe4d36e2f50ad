/*
 * settings.h - the settings of training and pretraining, in one table each,
 * and the run configuration they are stored as.
 *
 * A setting has one definition here (name, type, default, range, help):
 * the CLI parser and --help of `train` and `pretrain`, the TUI's Train form
 * and the man-page test all read the tables, and parse values with
 * settings_set.  A run stores its configuration as JSON, written by one
 * serialiser (train_config_dump, pretrain_config_dump) and read back by
 * one reader (train_config_parse, pretrain_config_parse) into a typed
 * struct.  The configuration carries a version (YJ_CONFIG_VERSION);
 * configurations written before it had one read as version 1.
 *
 * Adding a setting: a field in yj_train_opts (or yj_pretrain_opts), a row
 * in the table (settings.c), its key in the serialiser and reader when the
 * run must remember it, and a paragraph in man/yujing.1 (the man test says
 * when it is missing or its default differs).
 */
#ifndef YUJING_TRAIN_SETTINGS_H
#define YUJING_TRAIN_SETTINGS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "yujing/base/error.h"
#include "yujing/base/progress.h"

/* ------------------------------------------------------- the option structs */

/* yj_train_opts.autoset: the settings train_opts_resolve chose */
enum { TRAIN_AUTO_EPOCHS = 1, TRAIN_AUTO_BATCH = 2, TRAIN_AUTO_LR = 4 };

typedef struct yj_train_opts {
	int epochs;                 /* 0 (default): auto, train_opts_resolve */
	int patience;               /* epochs without a better validation macro-F1 before
				     * stopping (default 5; 0: never stop early) */
	int batch;                  /* 0 (default): auto */
	float lr;                   /* 0 (default): auto */
	unsigned autoset;           /* TRAIN_AUTO_*: which of the three the rule chose (stored as "auto") */
	float weight_decay;         /* default 0.01 */
	float warmup;               /* fraction of the steps warming up (default 0.05) */
	float clip;                 /* global gradient norm bound (default 1; 0 = none) */
	int hidden;                 /* default 64 */
	int depth;                  /* default 1 */
	int top_k;                  /* categorical values one-hot encoded (default 10) */
	const char *const *exclude; /* fields left out of the features */
	size_t nexclude;
	int balanced; /* class weights n / (K n_k) */
	/* Post-hoc logit adjustment (calibrate.h): "auto" (default) chooses
	 * tau on validation, "none" is tau 0, a number fixes tau
	 * (settings_adjust); NULL in a stored configuration without the key
	 * (a run from before it): no adjustment */
	const char *adjust;
	/* Branches: NULL or "" for all the data supports, else a list of
	 * "structured", "ngram" (every text field), "ngram:FIELD", "text" (BERT
	 * on every text field) or
	 * "text:FIELD".  The default includes the BERT text branches only when
	 * they are cheap: with freeze_text and an encoder. */
	const char *branches;
	const char *text_model; /* Hugging Face directory, NULL: the active encoder */
	float text_lr;          /* the encoder's peak learning rate (default 2e-5) */
	int freeze_text;        /* encoder fixed, pooled vectors cached in the project */
	int text_pool;          /* yj_text_pool (textbranch.h): TEXT_POOL_MEAN by default */
	int precision;          /* the text encoder's products while it trains: 0 auto (bf16 where
				 * the processor has AVX512_BF16), 1 fp32, 2 bf16 (settings_precision);
				 * frozen encoders always run fp32 */
	int max_len;            /* tokens per text; 0 (default): the profile's suggested
			    * length + 2 when profiled, else 128; capped by the encoder */
	int fusion;             /* FUSION_CONCAT (default) or FUSION_SUM */
	unsigned ngram_buckets; /* hash buckets of the n-gram branches (default 2^18) */
	int ngram_n;            /* longest character n-gram (default 3) */
	uint64_t seed;          /* default 42 */
	int threads;            /* 0: OPENBLAS_NUM_THREADS or all cores */
	long long resume;       /* run to continue, 0 for a new run */
	double checkpoint_seconds; /* least seconds between checkpoints at epoch ends (0: the
				    * default, 120; negative: after every epoch); not stored */
	yj_progress *progress;
	/* Called after every epoch (may be NULL): epoch, train loss, and the
	 * loss, accuracy and macro-F1 on the part the run selects on (the
	 * validation part; the test part on a split without one). */
	void (*on_epoch)(void *ctx, int epoch, double train_loss, double test_loss, double acc, double f1);
	/* Asked between steps once an epoch has been scored, and after each
	 * epoch (may be NULL): nonzero ends the run as early stopping does,
	 * done, with its best epoch so far (a partial epoch is dropped).
	 * tune's deadlines and median rule. */
	int (*stop_early)(void *ctx);
	void *ctx;
} yj_train_opts;

/* yj_pretrain_opts.masking: pretrain_mask or pretrain_span_mask (pretrain.h) */
typedef enum { PRETRAIN_MASK_TOKEN = 0, PRETRAIN_MASK_SPAN = 1 } yj_masking;

typedef struct yj_pretrain_opts {
	const char *from;   /* Hugging Face directory to start from, or NULL */
	const char *vocab;  /* vocab.txt when not from a directory */
	const char *config; /* tiny | mini | small | "L,H,A,I" (default tiny) */
	int epochs;         /* default 3 */
	int max_len;        /* ids per text, [CLS]/[SEP] included (default 128) */
	int batch;          /* texts per step (default 32) */
	float mask;         /* fraction of tokens predicted (default 0.15) */
	int masking;        /* yj_masking: how they are chosen (default PRETRAIN_MASK_TOKEN) */
	float lr;           /* peak AdamW learning rate (0, the default: 5e-4; 1e-4 with from) */
	float weight_decay; /* default 0.01 */
	float warmup;       /* fraction of the steps warming up (default 0.06) */
	float clip;         /* global gradient norm bound (default 1) */
	uint64_t seed;      /* default 42 */
	int threads;        /* 0: OPENBLAS_NUM_THREADS or all cores */
	int precision;      /* the encoder's products: 0 auto (bf16 where the processor has
			     * AVX512_BF16), 1 fp32, 2 bf16 (settings_precision) */
	long long resume;   /* run to continue, 0 for a new run */
	yj_progress *progress;
	/* After every epoch (may be NULL): epoch, train MLM loss, held-out
	 * MLM loss and masked-token accuracy (NaN without held-out texts). */
	void (*on_epoch)(void *ctx, int epoch, double train_loss, double test_loss, double acc);
	void *ctx;
} yj_pretrain_opts;

/* ------------------------------------------------------------- the tables */

typedef enum {
	SET_INT,    /* int */
	SET_UINT,   /* unsigned */
	SET_U64,    /* uint64_t */
	SET_REAL,   /* float */
	SET_CHOICE, /* int: the index of the value in choices */
	SET_FLAG,   /* int: 1 when given (an option without a value) */
	SET_TEXT,   /* const char *, borrowed from the text given */
	SET_LIST    /* comma-separated: char ** (NULL-terminated, one allocation,
		     * owned: settings_free) at off, its count (size_t) at off2 */
} yj_setting_type;

enum {
	SET_HIDDEN = 1,       /* not an option: a stored setting with its default only */
	SET_HELP_DEFAULT = 2, /* the help text says the default itself */
	SET_MIN_OPEN = 4,     /* SET_REAL: greater than min (not equal) */
	SET_MAX_OPEN = 8,     /* SET_REAL: less than max */
	SET_AUTO = 16         /* "auto" is a value: zero, chosen at run time */
};

typedef struct yj_setting {
	const char *name; /* the option, without "--": "weight-decay" */
	yj_setting_type type;
	const char *arg;            /* N_() value name in --help ("N", "X", "HOW"), NULL for a flag */
	const char *def;            /* the default as typed on the command line; "" when
			     * there is none to type (chosen at run time, or empty) */
	double min, max;            /* range of the numeric types */
	const char *const *choices; /* SET_CHOICE: the values, NULL-terminated */
	unsigned flags;             /* SET_HIDDEN, SET_HELP_DEFAULT, SET_MIN_OPEN, SET_MAX_OPEN */
	size_t off, off2;           /* offsetof the field (and of SET_LIST's count) */
	const char *label;          /* N_() short label (the TUI form) */
	const char *unset;          /* N_() what an empty value means ("(all)"), or NULL */
	const char *help;           /* N_() one line; "(default X)" is added unless SET_HELP_DEFAULT */
} yj_setting;

/* The tables, in --help order, ending with a row whose name is NULL. */
extern const yj_setting settings_train[];
extern const yj_setting settings_pretrain[];

/* The row of table tab named name (without "--"), or NULL. */
const yj_setting *settings_find(const yj_setting *tab, const char *name);

/* Parse text as the value of setting s into opts (NULL text: a flag is
 * set).  Numbers are checked against the range; a choice against its
 * values; "branches" item by item.  On failure (YJ_EUSAGE, opts
 * unchanged) err's message names the option and what it accepts. */
yj_status settings_set(const yj_setting *s, void *opts, const char *text, yj_error *err);

/* Free what settings_set allocated in opts (SET_LIST values) and reset
 * those fields. */
void settings_free(const yj_setting *tab, void *opts);

/* The value of s in opts as text one could type back ("" for an unset
 * text, list or zero "chosen at run time" number); returns buf. */
char *settings_format(const yj_setting *s, const void *opts, char *buf, size_t n);

/* The range of a numeric setting as text ("1..", "0..1 exclusive", ...),
 * or its choices ("concat|sum"), or "" (buf returned). Untranslated. */
char *settings_range(const yj_setting *s, char *buf, size_t n);

/* Split "a,b,c" into a NULL-terminated malloc'd array (the strings inside
 * the one allocation, empty items dropped); *n gets the count.  NULL when
 * out of memory.  (The value of a SET_LIST setting.) */
char **settings_split_list(const char *s, size_t *n);

/* Short name of a type: "int", "real", "choice", "flag", "text", "list". */
const char *settings_type_name(yj_setting_type t);

/* Every setting to its default from the table (the whole struct is zeroed
 * first: callbacks, resume and progress too). */
void train_opts_default(yj_train_opts *o);
void pretrain_opts_default(yj_pretrain_opts *o);

/* Optimiser steps in an epoch over ntrain cases at batch (a last batch
 * of one case is dropped). */
size_t train_steps_per_epoch(size_t ntrain, int batch);

/* The data-size rule: epochs, batch and lr left at 0 ("auto") are chosen
 * from the number of training cases ntrain, and their bits set in
 * o->autoset; the others are kept.  Batch: the power of two nearest
 * ntrain / 100 (so about 100 steps an epoch), from 16 to 256.  Epochs:
 * ceil(3000 / steps an epoch), from 10 to 100 (early stopping on the
 * validation part may end the run sooner).  lr: 0.003. */
void train_opts_resolve(yj_train_opts *o, size_t ntrain);

/* The tau an "adjust" setting asks for: -1 for "auto" (chosen on
 * validation), 0 for "none", else the number, in [0,
 * CALIBRATE_TAU_MAX].  Returns 0, -1 when the text is none of these. */
int settings_adjust(const char *text, double *tau);

/* The nn_precision (bf16.h) a "precision" setting asks for: 0 (auto)
 * nn_precision_default(), 1 NN_FP32, 2 NN_BF16. */
int settings_precision(int choice);

/* ------------------------------------------------ the stored configuration */

/* Version of the configuration (and the feature layout) runs store. 1:
 * before the field existed; 2: "version" written. */
#define YJ_CONFIG_VERSION 2

typedef struct yj_field_ref {
	const char *source, *field;
} yj_field_ref;

/* A training run's configuration: its settings and what the run chose. */
typedef struct yj_train_config {
	int version;
	yj_train_opts o; /* branches: the effective list; max_len 0 when chosen per field */
	int threads;     /* the threads the run computed with */
	int proj;        /* width of the structured branch's projection */
	size_t nsources; /* the structured branch's sources and input widths */
	const char **sources;
	long long *in_dims;
	size_t nngram; /* "text_fields": the n-gram branches' fields */
	yj_field_ref *ngram;
	int ngram_words; /* "ngram_words": word n-grams up to this order (0: none) */
	int ngram_tfidf; /* "ngram_weighting": 1 "tfidf", 0 the mean (runs from before) */
	int has_text; /* BERT text branches: the keys below are stored */
	size_t ntext; /* "bert_fields" */
	yj_field_ref *text;
	int max_len_used; /* tokens per text of the first text branch */
	long long encoder_id;
	int text_hidden;
	int precision; /* "precision" (with text branches): the nn_precision the
			* encoder ran in; -1: not recorded (runs from before the key,
			* which ran fp32; not written) */
	json_t *json; /* parsed: the object the strings point into */
} yj_train_config;

/* The configuration as stored (compact JSON, keys in a fixed order,
 * reals with 17 digits); NULL when out of memory.  The caller frees it. */
char *train_config_dump(const yj_train_config *c);

/* Read a stored configuration (run: for the messages).  Keys a version-1
 * configuration may lack take what that version did (fusion concat,
 * text_pool cls, n-gram defaults, branches "structured").  Fails with
 * YJ_EDATA, naming the run and key, on text that is not such an object,
 * a key of the wrong type, or a newer version.  c's strings point into
 * c->json: train_config_free releases both. */
yj_status train_config_parse(const char *text, long long run, yj_train_config *c, yj_error *err);
/* The same from a parsed object (c holds a reference to it). */
yj_status train_config_read(json_t *j, long long run, yj_train_config *c, yj_error *err);
void train_config_free(yj_train_config *c);

/* The stored feature layouts of a run (its "features" array): each an
 * object whose "version" (1 when absent; train writes
 * YJ_CONFIG_VERSION) this version reads.  YJ_EDATA naming the run
 * otherwise. */
yj_status settings_check_layout(const json_t *features, long long run, yj_error *err);

/* A pretraining run's configuration ("branches": "pretrain"). */
typedef struct yj_pretrain_config {
	int version;
	yj_pretrain_opts o; /* vocab: the vocabulary file the run read */
	int vocab_size, layers, hidden, heads, intermediate;
	int threads;
	long long texts, held_out;
	json_t *fields; /* [{source, field}] (a reference the struct holds) */
	int precision;  /* "precision": the nn_precision the run computed in; -1:
			 * not recorded (runs from before the key, which ran fp32;
			 * not written) */
	json_t *json;
} yj_pretrain_config;

/* As train_config_dump (reals with 9 digits). */
char *pretrain_config_dump(const yj_pretrain_config *c);

/* As train_config_parse; a configuration whose "branches" is not
 * "pretrain" is YJ_EUSAGE ("not a pretraining run"). */
yj_status pretrain_config_parse(const char *text, long long run, yj_pretrain_config *c, yj_error *err);
/* The same from a parsed object (c holds a reference to it). */
yj_status pretrain_config_read(json_t *j, long long run, yj_pretrain_config *c, yj_error *err);
void pretrain_config_free(yj_pretrain_config *c);

#endif
