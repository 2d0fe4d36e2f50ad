/*
 * pool.h - one persistent pool of worker threads for the parallel regions
 * of the numerics (the encoder's passes, the wide products).
 *
 * The workers are created once, on the first region that wants them, and
 * live until the process ends; between regions they spin briefly, then
 * sleep on a futex (a condition variable where there is none), so a run
 * of back-to-back regions pays no thread creation and an idle pool costs
 * nothing.  A region is fn(ctx, part, nparts) for every part: part 0 runs
 * in the caller, part p on worker p.  Work inside a region is usually
 * handed out dynamically by the caller's own counter, so the bits of a
 * result must not depend on which part ran what.
 */
#ifndef YUJING_NN_POOL_H
#define YUJING_NN_POOL_H

/* The most parts a region has (more are run by the caller, in order). */
#define NN_POOL_MAX 8

typedef void (*nn_pool_fn)(void *ctx, int part, int nparts);

/* fn(ctx, p, n) for every p in [0, n), in parallel, returning when all
 * are done; n is clamped to [1, NN_POOL_MAX].  The parts of a worker that
 * could not be started, and all parts of a region entered while another
 * region runs (from another thread, or nested inside a part), run in the
 * caller one after another: the same split, so the same bits.  Never
 * fails. */
void nn_pool_run(int n, nn_pool_fn fn, void *ctx);

/* Workers started so far (for tests and the benchmark's report). */
int nn_pool_workers(void);

#endif
