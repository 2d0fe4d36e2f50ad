/*
 * run.c - the lifecycle of one run (run.h).
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "yujing/base/i18n.h"
#include "yujing/train/run.h"

#define FLUSH_SECONDS 0.5

void run_init(yj_run *r, yj_project *p, int pretraining, yj_progress *progress)
{
	memset(r, 0, sizeof *r);
	r->p = p;
	r->pretraining = pretraining;
	r->progress = progress;
	r->last_flush = progress_now();
	project_wait_patiently(p, progress ? progress->cancel : NULL);
}

void run_free(yj_run *r)
{
	if (r->p)
		project_wait_default(r->p);
	free(r->pending);
	memset(r, 0, sizeof *r);
}

static int is_pretraining(const json_t *cfg)
{
	const char *b = json_string_value(json_object_get(cfg, "branches"));
	return b && !strcmp(b, "pretrain");
}

yj_status run_check_resume(yj_run *r, long long id, json_t **config, long long *split_id, yj_error *err)
{
	yj_run_row row;
	*config = NULL;
	yj_status st = runs_get(r->p, id, &row, err);
	if (st)
		return st;
	json_t *cfg = row.config ? json_loads(row.config, 0, NULL) : NULL;
	if (row.status == RUN_RUNNING && row.pid != (long long)getpid()) {
		st = error_set(err, YJ_EUSAGE, _("run %lld is still training (process %lld)"), id, row.pid);
		error_hint(err, r->pretraining ? _("stop it first with: yujing pretrain PROJECT --cancel %lld")
					       : _("stop it first with: yujing train PROJECT --cancel %lld"), id);
	} else if (!cfg) {
		st = error_set(err, YJ_EDATA, _("run %lld has an unreadable configuration"), id);
	} else if (r->pretraining && !is_pretraining(cfg)) {
		st = error_set(err, YJ_EUSAGE, _("run %lld is not a pretraining run"), id);
		error_hint(err, _("resume it with 'yujing train PROJECT --resume %lld'"), id);
	} else if (!r->pretraining && is_pretraining(cfg)) {
		st = error_set(err, YJ_EUSAGE, _("run %lld is a pretraining run"), id);
		error_hint(err, _("resume it with 'yujing pretrain PROJECT --resume %lld'"), id);
	} else if (row.status == RUN_DONE) {
		st = error_set(err, YJ_EUSAGE, _("run %lld has already finished"), id);
	}
	*split_id = row.split_id;
	runs_row_free(&row);
	if (st) {
		json_decref(cfg);
		return st;
	}
	r->id = id;
	*config = cfg;
	return YJ_OK;
}

yj_status run_create(yj_run *r, long long split_id, const char *config, const char *labels, const char *features,
		     yj_error *err)
{
	if (!config || !labels || !features)
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	return runs_create(r->p, split_id, config, labels, features, &r->id, err);
}

yj_status run_claim(yj_run *r, yj_error *err)
{
	return runs_claim(r->p, r->id, err);
}

yj_status run_set_total(yj_run *r, long long total_steps, yj_error *err)
{
	r->total = total_steps;
	return runs_set_total(r->p, r->id, total_steps, err);
}

yj_status run_flush(yj_run *r, yj_error *err)
{
	yj_status st = runs_log_steps(r->p, r->id, r->pending, r->npending, &r->cancelled, err);
	if (!st) {
		r->npending = 0;
		r->last_flush = progress_now();
	}
	return st;
}

yj_status run_step(yj_run *r, long long step, int epoch, float loss, float lr, yj_error *err)
{
	if (!isfinite(loss)) {
		yj_error tmp;
		run_flush(r, &tmp); /* the good steps before it */
		return error_set(err, YJ_EDATA,
				 isnan(loss) ? _("the loss became NaN at step %lld; lower --lr")
					     : _("the loss became infinite at step %lld; lower --lr"),
				 step);
	}
	if (r->npending == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 256;
		yj_step_rec *v = realloc(r->pending, cap * sizeof *v);
		if (!v)
			return error_set(err, YJ_ENOMEM, _("out of memory"));
		r->pending = v;
		r->cap = cap;
	}
	r->pending[r->npending++] = (yj_step_rec){step, epoch, loss, lr};
	r->next_step = step + 1;
	progress_tick(r->progress, r->pretraining ? "pretrain" : "train", "steps", step + 1, r->total, -1, 0);
	yj_status st = YJ_OK;
	if (progress_now() - r->last_flush > FLUSH_SECONDS)
		st = run_flush(r, err);
	if (progress_cancelled(r->progress))
		r->cancelled = 1;
	return st;
}

yj_status run_log_epoch(yj_run *r, const yj_epoch_rec *e, const char *metrics, yj_error *err)
{
	yj_status st = run_flush(r, err);
	return st ? st : runs_log_epoch(r->p, r->id, e, metrics, err);
}

yj_status run_save_checkpoint(yj_run *r, const yj_params *ps, const json_t *state, yj_error *err)
{
	size_t total = ps->total;
	/* the last step's update may have overflowed: never keep that */
	for (size_t i = 0; i < total; i++)
		if (!isfinite(ps->data[i]))
			return error_set(err, YJ_EDATA, _("the weights became infinite or NaN by step %lld; lower --lr"),
					 r->next_step - 1);
	float *blob = malloc(3 * total * sizeof *blob);
	char *s = json_dumps(state, JSON_COMPACT | JSON_REAL_PRECISION(17));
	yj_status st;
	if (!blob || !s) {
		st = error_set(err, YJ_ENOMEM, _("out of memory"));
	} else {
		memcpy(blob, ps->data, total * sizeof *blob);
		memcpy(blob + total, ps->m, total * sizeof *blob);
		memcpy(blob + 2 * total, ps->v2, total * sizeof *blob);
		st = runs_save_checkpoint(r->p, r->id, blob, 3 * total * sizeof *blob, s, err);
	}
	free(blob);
	free(s);
	return st;
}

yj_status run_load_checkpoint(yj_run *r, const yj_params *ps, json_t **state, yj_error *err)
{
	void *blob = NULL;
	char *text = NULL;
	size_t n = 0, total = ps->total;
	*state = NULL;
	yj_status st = runs_load_checkpoint(r->p, r->id, &blob, &n, &text, err);
	if (st)
		return st;
	if (!blob && !text)
		return YJ_OK; /* stopped before its first checkpoint: from the start */
	json_t *js = text ? json_loads(text, 0, NULL) : NULL;
	if (!blob || n != 3 * total * sizeof(float) || !json_is_object(js)) {
		json_decref(js);
		st = error_set(err, YJ_EDATA, _("run %lld has no usable checkpoint"), r->id);
	} else {
		const float *f = blob;
		memcpy(ps->data, f, total * sizeof(float));
		memcpy(ps->m, f + total, total * sizeof(float));
		memcpy(ps->v2, f + 2 * total, total * sizeof(float));
		*state = js;
	}
	free(blob);
	free(text);
	return st;
}

yj_status run_end(yj_run *r, yj_status st, yj_error *err)
{
	if (!r->id)
		return st;
	yj_run_status end = st ? RUN_FAILED : r->cancelled ? RUN_CANCELLED : RUN_DONE;
	if (end != RUN_DONE || !r->finished) {
		yj_error tmp;
		yj_status wst = runs_finish(r->p, r->id, end, 0, st ? &tmp : err);
		if (!st && wst)
			return wst;
	}
	if (st == YJ_EFULL) /* the checkpoint is kept: say so */
		error_hint(err, r->pretraining ? _("free disk space, then resume with: yujing pretrain PROJECT --resume %lld")
					       : _("free disk space, then resume with: yujing train PROJECT --resume %lld"),
			   r->id);
	if (!st && r->cancelled)
		st = error_set(err, YJ_EINTR,
			       r->pretraining ? _("pretraining stopped; resume with: yujing pretrain PROJECT --resume %lld")
					      : _("training stopped; resume with: yujing train PROJECT --resume %lld"),
			       r->id);
	return st;
}
