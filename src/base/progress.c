/*
 * progress.c - progress events and cancellation for long work.
 */
#include <config.h>

#include <time.h>

#include "yujing/base/progress.h"

double progress_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void progress_start(yj_progress *p)
{
	if (!p)
		return;
	p->t0 = progress_now();
	p->last = 0;
}

void progress_tick(yj_progress *p, const char *stage, const char *unit,
		   long long done, long long total, double fraction, int final)
{
	if (!p || !p->report)
		return;
	double now = progress_now();
	if (!final && now - p->last < 0.1)
		return;
	p->last = now;
	yj_progress_event ev = {
		.stage = stage,
		.unit = unit,
		.done = done,
		.total = total,
		.fraction = fraction,
		.elapsed = now - p->t0,
		.final = final,
	};
	if (ev.fraction < 0 && total > 0)
		ev.fraction = (double)done / (double)total;
	p->report(p->ctx, &ev);
}

double progress_eta(const yj_progress_event *ev)
{
	return ev->fraction > 0 ? ev->elapsed * (1 - ev->fraction) / ev->fraction : 0;
}

int progress_cancelled(const yj_progress *p)
{
	return p && p->cancel && *p->cancel;
}
