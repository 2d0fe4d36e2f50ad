/*
 * progress.h - how long-running library work reports progress and learns
 * that it should stop.
 *
 * The library calls progress_tick() every so often; the front end (terminal
 * line, TUI bar) decides what to draw.  A cancel flag, set from a signal
 * handler or by another thread, makes the work stop at the next safe point
 * with YJ_EINTR, leaving the project as it was.
 */
#ifndef YUJING_BASE_PROGRESS_H
#define YUJING_BASE_PROGRESS_H

#include <signal.h>

typedef struct yj_progress_event {
	const char *stage; /* untranslated stage name, e.g. "import" */
	const char *unit;  /* what is counted: "rows", "epochs" */
	long long done;    /* units done so far */
	long long total;   /* units expected, -1 if unknown */
	double fraction;   /* 0..1 progress, -1 if unknown */
	double elapsed;    /* seconds since progress_start() */
	int final;         /* 1 on the last event of a stage */
} yj_progress_event;

typedef struct yj_progress {
	/* Called with each event; may be NULL. */
	void (*report)(void *ctx, const yj_progress_event *ev);
	void *ctx;
	/* When non-NULL and non-zero, work stops with YJ_EINTR. */
	volatile sig_atomic_t *cancel;
	/* Internal: start time and last report time (seconds). */
	double t0, last;
} yj_progress;

/* Monotonic clock in seconds. */
double progress_now(void);

/* Start timing a stage (p may be NULL). */
void progress_start(yj_progress *p);

/* Report done/total (fraction may be -1 to derive it from done/total).
 * Reports at most ten times a second unless final is set. */
void progress_tick(yj_progress *p, const char *stage, const char *unit,
		   long long done, long long total, double fraction, int final);

/* The seconds left at the rate so far: elapsed * (1 - fraction) /
 * fraction (a quarter done in 6 s: 18 s left); 0 when the fraction is not
 * positive (unknown, or nothing done yet). */
double progress_eta(const yj_progress_event *ev);

/* Non-zero when the caller asked the work to stop. */
int progress_cancelled(const yj_progress *p);

#endif
