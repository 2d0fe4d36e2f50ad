/*
 * explain.h - why a run predicts what it does for one case: exact Shapley
 * values over the branches and the characters of each n-gram branch's
 * text that mattered most, as a typed result (the workbench's Cases
 * inspector draws it) with one serialiser to JSON (`yujing explain
 * --json`).
 */
#ifndef YUJING_TRAIN_EXPLAIN_H
#define YUJING_TRAIN_EXPLAIN_H

#include <jansson.h>
#include <stddef.h>

#include "yujing/base/error.h"
#include "yujing/store/project.h"
#include "yujing/train/cases.h"
#include "yujing/train/predict.h"

enum {
	EXPLAIN_TOP = 5,         /* probabilities kept, most probable first */
	EXPLAIN_BRANCH_CHARS = 10 /* characters kept per n-gram branch */
};

/* The bound on the occlusion work.  Scoring a character costs one forward
 * of the whole text without it, so scoring every character of a long text
 * costs its length squared (24,000 characters took minutes).  Only the
 * first `scored` characters of an n-gram branch's text are occluded:
 * scored = min(characters, EXPLAIN_OCCLUDE_CHARS, max(EXPLAIN_OCCLUDE_MIN,
 * EXPLAIN_OCCLUDE_BYTES / bytes of the text)), so that the forwards hash at
 * most about EXPLAIN_OCCLUDE_BYTES bytes.  The branch's share says how many
 * were scored of how many (yj_branch_share, the JSON's "characters" and
 * "characters_scored"). */
enum {
	EXPLAIN_OCCLUDE_CHARS = 2000,
	EXPLAIN_OCCLUDE_MIN = 16,
	EXPLAIN_OCCLUDE_BYTES = 24000000
};

/* One branch's share of the predicted category: its exact Shapley value
 * on the logit and on the probability, and the probability lost when it
 * alone is replaced by its baseline (leave one out). */
typedef struct yj_branch_share {
	char *name, *kind;
	double logit, probability, leave_one_out;
	size_t chars, chars_scored; /* an n-gram branch: its text's characters, those occluded (else 0) */
} yj_branch_share;

/* One character of an n-gram branch's text: the drop in the predicted
 * category's logit when it is removed from the text. */
typedef struct yj_char_score {
	char *branch;  /* the n-gram branch's name */
	char text[5];  /* the character, UTF-8 */
	double score;
} yj_char_score;

/* One field's share of a structured source's value (the source's
 * branch).  The game over the source's fields: a coalition's value is
 * the source's Shapley value (over the branches, as for the branches)
 * when its vector is computed from the case's inputs for the fields in
 * the coalition and the training mean of every input of the fields out
 * of it.  Exact over at most EXPLAIN_EXACT_FIELDS fields; beyond, the
 * mean over EXPLAIN_PERMUTATIONS random orders (a fixed seed), with its
 * standard error.  The branch baseline is the mean of the source's
 * vectors, not its vector at the mean inputs: the value of the empty
 * coalition (the "gap" part, the model's non-linearity) is one more
 * share, so that the shares of a source's fields and its gap add up to
 * the source's value.  An aggregated source's row count is the part
 * "rows" (field ""). */
enum { FIELD_VALUE, FIELD_ROWS, FIELD_GAP };
typedef struct yj_field_share {
	char *branch, *field; /* field "" for the rows and the gap */
	int part;             /* FIELD_VALUE, FIELD_ROWS, FIELD_GAP */
	double logit, probability;
	int sampled;               /* 0: exact */
	double se_logit, se_prob;  /* standard errors when sampled, else 0 */
} yj_field_share;

enum {
	EXPLAIN_EXACT_FIELDS = 12,
	EXPLAIN_PERMUTATIONS = 200
};

/* A case explained.  Every pointer is the explanation's own. */
typedef struct yj_explanation {
	long long run;
	long long batch; /* the batch of new cases the case came from, 0: the active snapshot */
	char *key, *predicted;
	int ntop;
	yj_class_prob top[EXPLAIN_TOP]; /* cases.h */
	double temperature;           /* the run's (report.h): the logits below are divided by it */
	double tau;                   /* the run's logit adjustment (report.h): the logits below are less tau log(prior) */
	double out_logit, out_prob;   /* the model's output for the predicted category */
	double base_logit, base_prob; /* every branch at its training-set mean */
	size_t nbranches;
	yj_branch_share *branches; /* base + the logits (probabilities) = the output */
	size_t nchars;
	yj_char_score *chars; /* per n-gram branch, its top ones by score */
	size_t nfields;
	yj_field_share *fields; /* per structured source, its fields in layout order */
} yj_explanation;

/* Explain case `key` with a loaded run model (run_model_load()).  The
 * model's forward buffers are used, so calls on one model must not run at
 * the same time.  *ex is filled (explanation_free() releases it) on
 * success and left empty on failure.  YJ_ENOTFOUND: no such case in the
 * snapshot; YJ_EDATA: the run stored no (or wrong-sized) branch
 * baselines; YJ_EUSAGE: more than 20 branches; YJ_ENOMEM. */
yj_status explain_case_model(yj_run_model *rm, const char *key, yj_explanation *ex, yj_error *err);

/* The same, loading run `run` (0: the model of record) for the call.  The
 * case is looked up in the active snapshot, failing that in the latest
 * batch of new cases (predict --source) that holds it; batch non-zero
 * looks in that batch only.  The batch's stored files are cleaned again
 * as by predict, with run `run`'s snapshot. */
yj_status explain_case(yj_project *p, long long run, const char *key, long long batch, yj_explanation *ex,
		       yj_error *err);

/* The explanation as `yujing explain --json` prints it: {"key",
 * "predicted", "probabilities": {category: p} (top 5), "output": {logit,
 * probability}, "base": {...}, "branches": [{name, kind, logit,
 * probability, leave_one_out, and for an n-gram branch whose text is not
 * empty characters, characters_scored}], "tokens": [{branch, text,
 * score}], "run",
 * "fields": [{branch, field, part ("field", "rows", "gap"), logit,
 * probability, exact, and when not exact se_logit, se_probability}]}.
 * A new reference, the caller's; NULL when out of memory. */
json_t *explanation_json(const yj_explanation *ex);

void explanation_free(yj_explanation *ex);

#endif
