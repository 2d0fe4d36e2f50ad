/*
 * worker.c - a small pool of threads running jobs off the UI thread.
 *
 * Each thread opens its own connection to the project file (SQLite
 * connections are not shared between threads; WAL lets them read while
 * another process writes).  Jobs are taken in order from one queue;
 * finished ones go to a done queue and a byte on the wake pipe tells the
 * UI loop, which calls their done() on its own thread.  Results of jobs
 * that were overtaken by newer requests are the views' business (they
 * compare generations).
 */
#include <config.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tui.h"
#include "yujing/store/project.h"

#define MAX_THREADS 4

typedef struct {
	tui_worker *w;
	int index;
} thread_arg;

struct tui_worker {
	char *path;
	int wake_fd;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	tui_job *queue, *queue_tail;  /* waiting */
	tui_job *done, *done_tail;    /* finished, for the UI */
	tui_job *running[MAX_THREADS];
	int nthreads, quit;
	pthread_t th[MAX_THREADS];
	thread_arg args[MAX_THREADS];
};

static void job_progress(void *ctx, const yj_progress_event *ev)
{
	tui_job *j = ctx;
	double f = ev->fraction;
	if (f < 0 && ev->total > 0)
		f = (double)ev->done / (double)ev->total;
	atomic_store(&j->permille, f < 0 ? -1 : (int)(f * 1000));
}

void tui_job_init(tui_job *j, const char *what, void (*run)(tui_job *, yj_project *),
		  void (*done)(tui_job *, tui_app *), void (*destroy)(tui_job *))
{
	j->run = run;
	j->done = done;
	j->destroy = destroy;
	j->what = what;
	j->st = YJ_OK;
	error_clear(&j->err);
	memset(&j->progress, 0, sizeof j->progress);
	j->progress.report = job_progress;
	j->progress.ctx = j;
	j->cancel = 0;
	j->progress.cancel = &j->cancel;
	atomic_store(&j->permille, -1);
	j->next = NULL;
}

static void *thread_main(void *arg)
{
	thread_arg *ta = arg;
	tui_worker *w = ta->w;
	yj_project *p = NULL;
	yj_error open_err;
	error_clear(&open_err);
	yj_status open_st = project_open(w->path, &p, &open_err);
	for (;;) {
		pthread_mutex_lock(&w->mu);
		while (!w->quit && !w->queue)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->quit) {
			pthread_mutex_unlock(&w->mu);
			break;
		}
		tui_job *j = w->queue;
		w->queue = j->next;
		if (!w->queue)
			w->queue_tail = NULL;
		j->next = NULL;
		w->running[ta->index] = j;
		pthread_mutex_unlock(&w->mu);

		if (open_st) {
			j->st = open_st;
			j->err = open_err;
		} else {
			j->run(j, p);
		}

		pthread_mutex_lock(&w->mu);
		w->running[ta->index] = NULL;
		if (w->done_tail)
			w->done_tail->next = j;
		else
			w->done = j;
		w->done_tail = j;
		pthread_mutex_unlock(&w->mu);
		char c = 'j';
		while (write(w->wake_fd, &c, 1) < 0 && errno == EINTR)
			;
	}
	project_close(p);
	return NULL;
}

tui_worker *tui_worker_new(const char *path, int nthreads, int wake_fd)
{
	tui_worker *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->path = strdup(path);
	if (!w->path) {
		free(w);
		return NULL;
	}
	w->wake_fd = wake_fd;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (nthreads > MAX_THREADS)
		nthreads = MAX_THREADS;
	for (int i = 0; i < nthreads; i++) {
		w->args[i].w = w;
		w->args[i].index = i;
		if (pthread_create(&w->th[i], NULL, thread_main, &w->args[i]))
			break;
		w->nthreads++;
	}
	if (!w->nthreads) {
		tui_worker_free(w);
		return NULL;
	}
	return w;
}

void tui_worker_submit(tui_worker *w, tui_job *j)
{
	j->next = NULL;
	pthread_mutex_lock(&w->mu);
	if (w->queue_tail)
		w->queue_tail->next = j;
	else
		w->queue = j;
	w->queue_tail = j;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

tui_job *tui_worker_done(tui_worker *w)
{
	pthread_mutex_lock(&w->mu);
	tui_job *j = w->done;
	if (j) {
		w->done = j->next;
		if (!w->done)
			w->done_tail = NULL;
		j->next = NULL;
	}
	pthread_mutex_unlock(&w->mu);
	return j;
}

int tui_worker_busy(tui_worker *w, const char **what, int *permille)
{
	int n = 0;
	*what = NULL;
	*permille = -1;
	pthread_mutex_lock(&w->mu);
	for (tui_job *j = w->queue; j; j = j->next)
		n++;
	for (int i = 0; i < w->nthreads; i++)
		if (w->running[i]) {
			n++;
			/* The one to show: the first that says what it does. */
			if (!*what && w->running[i]->what) {
				*what = w->running[i]->what;
				*permille = atomic_load(&w->running[i]->permille);
			}
		}
	pthread_mutex_unlock(&w->mu);
	return n;
}

static void free_list(tui_job *j)
{
	while (j) {
		tui_job *next = j->next;
		j->destroy(j);
		j = next;
	}
}

void tui_worker_free(tui_worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->quit = 1;
	for (int i = 0; i < w->nthreads; i++)
		if (w->running[i])
			w->running[i]->cancel = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	for (int i = 0; i < w->nthreads; i++)
		pthread_join(w->th[i], NULL);
	free_list(w->queue);
	free_list(w->done);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w->path);
	free(w);
}
