/*
 * batches.h - batches of new cases (predict --source): the files as they
 * were read, each case's rows as the run cleaned them, and (in the
 * predictions table) the batch of each prediction.
 */
#ifndef YUJING_STORE_BATCHES_H
#define YUJING_STORE_BATCHES_H

#include <stddef.h>

#include "yujing/base/error.h"
#include "yujing/store/project.h"

/* One file of a batch: the source it feeds, its path and its bytes. */
typedef struct yj_batch_file {
	char *source, *path;
	void *content;
	size_t size;
} yj_batch_file;

/* A new batch of run `run`: its files and, for each of the ncases cases,
 * its key and rows (JSON text).  Call inside a transaction (the
 * predictions go in the same one).  *id gets the batch. */
yj_status batches_create(yj_project *p, long long run, const yj_batch_file *files, size_t nfiles,
			 const char *const *keys, const char *const *rows, size_t ncases, long long *id,
			 yj_error *err);

/* The batch that holds case `key`: batch itself when it is non-zero (it
 * must hold the case), else the latest that does.  YJ_ENOTFOUND without
 * a message when none does; a given batch that is gone or does not hold
 * the case: YJ_ENOTFOUND with a message. */
yj_status batches_find(yj_project *p, const char *key, long long batch, long long *out, yj_error *err);

/* The files of batch id (malloc'd, batches_files_free). */
yj_status batches_files(yj_project *p, long long id, yj_batch_file **out, size_t *n, yj_error *err);
void batches_files_free(yj_batch_file *v, size_t n);

#endif
