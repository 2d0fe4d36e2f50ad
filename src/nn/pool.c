/*
 * pool.c - the persistent worker pool of the numerics (see pool.h).
 *
 * Each worker owns a slot: the caller writes the part's job into the slot
 * of an idle worker, then bumps the slot's `go` word; the worker runs the
 * part and takes one off the region's `pending` count.  A waiting side
 * (a worker for `go`, the caller for `pending`) spins on the word for a
 * short while, which covers the gap between two passes of one training
 * step, then sleeps on it with FUTEX_WAIT; the other side calls
 * FUTEX_WAKE only when the sleeper said it sleeps (a store and a load on
 * each side, both sequentially consistent, so one of them sees the other
 * and no wake-up is lost).  A slot is only written while its worker is
 * idle (the previous region waited for it), so no field is shared while
 * it changes.  The caller always runs part 0 itself.
 *
 * (Last session's regions created and joined a pthread per part per pass,
 * about 30 a training step; that cost little CPU but left the second core
 * idle while the kernel set a thread up on a loaded machine.)
 */
#include <config.h>

#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>

#ifdef __linux__
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "yujing/nn/pool.h"

/* Spins on a word before sleeping on it: about 20-80 us, longer than the
 * serial code between two passes of a step, short next to a step. */
#define SPIN 2048

struct slot {
	_Alignas(64) atomic_uint go; /* bumped once per job given to this worker */
	atomic_int sleeping;	     /* 1 while the worker may be in FUTEX_WAIT */
	nn_pool_fn fn;
	void *ctx;
	int part, n;
};

static struct slot slots[NN_POOL_MAX]; /* [p] for part p >= 1 */
static int nworkers;		       /* slots 1..nworkers have a thread */
static pthread_mutex_t run_lock = PTHREAD_MUTEX_INITIALIZER;
static _Alignas(64) atomic_uint pending; /* parts of the region not done by workers */
static atomic_int caller_sleeping;
static _Thread_local int in_worker;

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static void word_wait(atomic_uint *w, unsigned old)
{
#ifdef __linux__
	syscall(SYS_futex, (unsigned *)w, FUTEX_WAIT_PRIVATE, old, NULL, NULL, 0);
#else
	(void)w, (void)old;
	sched_yield();
#endif
}

static void word_wake(atomic_uint *w)
{
#ifdef __linux__
	syscall(SYS_futex, (unsigned *)w, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
#else
	(void)w;
#endif
}

/* Returns once *w != old: spins, then sleeps with *sleeping set. */
static void wait_change(atomic_uint *w, unsigned old, atomic_int *sleeping)
{
	for (int i = 0; i < SPIN; i++) {
		if (atomic_load_explicit(w, memory_order_acquire) != old)
			return;
		cpu_relax();
	}
	for (;;) {
		atomic_store(sleeping, 1);
		if (atomic_load(w) != old)
			break;
		word_wait(w, old);
		if (atomic_load(w) != old)
			break;
	}
	atomic_store(sleeping, 0);
}

static void *worker_main(void *arg)
{
	struct slot *s = arg;
	unsigned seen = 0; /* a slot gets its thread before its first job */
	in_worker = 1;
	for (;;) {
		wait_change(&s->go, seen, &s->sleeping);
		seen = atomic_load_explicit(&s->go, memory_order_acquire);
		s->fn(s->ctx, s->part, s->n);
		if (atomic_fetch_sub(&pending, 1) == 1 && atomic_load(&caller_sleeping))
			word_wake(&pending);
	}
	return NULL;
}

/* Workers for parts 1..want-1 (under run_lock); returns how many exist. */
static int grow(int want)
{
	while (nworkers < want - 1) {
		struct slot *s = &slots[nworkers + 1];
		pthread_t th;
		pthread_attr_t at;
		if (pthread_attr_init(&at))
			break;
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		int rc = pthread_create(&th, &at, worker_main, s);
		pthread_attr_destroy(&at);
		if (rc)
			break;
		nworkers++;
	}
	return nworkers;
}

void nn_pool_run(int n, nn_pool_fn fn, void *ctx)
{
	n = n < 1 ? 1 : n > NN_POOL_MAX ? NN_POOL_MAX : n;
	if (n == 1 || in_worker || pthread_mutex_trylock(&run_lock)) {
		for (int p = 0; p < n; p++)
			fn(ctx, p, n);
		return;
	}
	int nw = grow(n), given = n - 1 < nw ? n - 1 : nw;
	atomic_store(&pending, (unsigned)given);
	for (int p = 1; p <= given; p++) {
		struct slot *s = &slots[p];
		s->fn = fn;
		s->ctx = ctx;
		s->part = p;
		s->n = n;
		atomic_fetch_add(&s->go, 1);
		if (atomic_load(&s->sleeping))
			word_wake(&s->go);
	}
	fn(ctx, 0, n);
	for (int p = given + 1; p < n; p++) /* workers that could not start */
		fn(ctx, p, n);
	for (;;) { /* wait for the workers' parts */
		unsigned left = atomic_load_explicit(&pending, memory_order_acquire);
		if (!left)
			break;
		int i = 0;
		while (i < SPIN && atomic_load_explicit(&pending, memory_order_acquire) == left) {
			cpu_relax();
			i++;
		}
		if (i < SPIN)
			continue;
		atomic_store(&caller_sleeping, 1);
		if (atomic_load(&pending) == left)
			word_wait(&pending, left);
		atomic_store(&caller_sleeping, 0);
	}
	pthread_mutex_unlock(&run_lock);
}

int nn_pool_workers(void)
{
	pthread_mutex_lock(&run_lock);
	int n = nworkers;
	pthread_mutex_unlock(&run_lock);
	return n;
}
