/*
 * test-pool.c - the persistent worker pool (src/nn/pool.c): every part of
 * a region runs exactly once, with the region's part count, before
 * nn_pool_run returns; regions back to back (workers spinning) and after a
 * pause (workers asleep on their futex) both complete; a region entered
 * inside a part, or from a second thread while one runs, runs in its
 * caller; the part count is clamped.  A lost wake-up hangs the test (the
 * harness's timeout then fails it); a part run twice or skipped shows in
 * the counts.
 */
#include <config.h>

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "yujing/nn/pool.h"

struct count {
	atomic_int runs[NN_POOL_MAX]; /* times part p ran */
	atomic_int bad_n;	      /* calls that saw another part count */
	int want_n;
	atomic_long items; /* dynamic items taken */
	atomic_long sum;   /* of their indices */
	long nitems;
};

static void count_part(void *ctx, int part, int n)
{
	struct count *c = ctx;
	if (n != c->want_n || part < 0 || part >= NN_POOL_MAX) {
		atomic_fetch_add(&c->bad_n, 1);
		return;
	}
	atomic_fetch_add(&c->runs[part], 1);
	/* dynamic items, as the encoder's passes take them */
	for (long it; (it = atomic_fetch_add(&c->items, 1)) < c->nitems;)
		atomic_fetch_add(&c->sum, it);
}

/* One region of n parts and `items` items; 1 when each part ran once and
 * each item was taken once. */
static int region_ok(int n, long items)
{
	struct count c;
	memset(&c, 0, sizeof c);
	c.want_n = n;
	c.nitems = items;
	nn_pool_run(n, count_part, &c);
	int good = atomic_load(&c.bad_n) == 0 &&
		   atomic_load(&c.sum) == items * (items - 1) / 2;
	for (int p = 0; p < NN_POOL_MAX; p++)
		good &= atomic_load(&c.runs[p]) == (p < n ? 1 : 0);
	return good;
}

static void nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* --- a region inside a part: runs serially in that part's thread */
struct nest {
	atomic_int inner_runs;
	atomic_int inner_other_thread;
};

struct nest_ctx {
	struct nest *nest;
	pthread_t self;
};

static void inner_part(void *ctx, int part, int n)
{
	struct nest_ctx *c = ctx;
	(void)part, (void)n;
	atomic_fetch_add(&c->nest->inner_runs, 1);
	if (!pthread_equal(pthread_self(), c->self))
		atomic_fetch_add(&c->nest->inner_other_thread, 1);
}

static void outer_part(void *ctx, int part, int n)
{
	struct nest_ctx c = {ctx, pthread_self()};
	(void)part, (void)n;
	nn_pool_run(3, inner_part, &c);
}

/* --- two callers at once */
static void *second_caller(void *arg)
{
	int *good = arg;
	for (int i = 0; i < 2000; i++)
		*good &= region_ok(2, 37);
	return NULL;
}

int main(void)
{
	alarm(600); /* a lost wake-up kills the test instead of hanging make check */
	for (int n = 1; n <= NN_POOL_MAX; n++)
		ok(region_ok(n, 1000), "a region of %d part(s): each part once, each item once", n);
	ok(nn_pool_workers() >= 1, "workers started: %d", nn_pool_workers());

	int good = 1;
	for (int i = 0; i < 20000; i++)
		good &= region_ok(2, i % 50);
	ok(good, "20000 regions back to back (workers spinning)");

	good = 1;
	for (int i = 0; i < 30; i++) {
		nap_ms(3); /* longer than the spin: the workers sleep */
		good &= region_ok(i % 2 ? 2 : 4, 100);
	}
	ok(good, "30 regions after a pause (workers woken from sleep)");

	struct count c;
	memset(&c, 0, sizeof c);
	c.want_n = 1;
	nn_pool_run(0, count_part, &c);
	ok(atomic_load(&c.runs[0]) == 1 && !atomic_load(&c.bad_n), "0 parts: one part, in the caller");
	memset(&c, 0, sizeof c);
	c.want_n = NN_POOL_MAX;
	nn_pool_run(1000, count_part, &c);
	good = !atomic_load(&c.bad_n);
	for (int p = 0; p < NN_POOL_MAX; p++)
		good &= atomic_load(&c.runs[p]) == 1;
	ok(good, "1000 parts: clamped to %d", NN_POOL_MAX);

	struct nest nest;
	memset(&nest, 0, sizeof nest);
	nn_pool_run(2, outer_part, &nest);
	ok(atomic_load(&nest.inner_runs) == 6, "a region inside each of 2 parts: 3 inner parts each (%d)",
	   atomic_load(&nest.inner_runs));
	ok(atomic_load(&nest.inner_other_thread) == 0, "... run in the part's own thread");

	int good2 = 1;
	pthread_t th;
	int started = pthread_create(&th, NULL, second_caller, &good2) == 0;
	good = 1;
	for (int i = 0; i < 2000; i++)
		good &= region_ok(2, 53);
	if (started)
		pthread_join(th, NULL);
	ok(started && good && good2, "two threads running regions at once: all complete, parts once each");
	return tap_done();
}
