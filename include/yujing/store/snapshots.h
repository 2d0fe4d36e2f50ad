/*
 * snapshots.h - cleaned snapshots (tables snapshots, snapshot_sources,
 * snapshot_cells).
 *
 * A snapshot never copies the raw rows: per source it records the row ids
 * kept (a blob of little-endian int64, ascending) and the cells the
 * cleaning changed (row, field position, new text, kind).  One snapshot
 * is active: the one split and train read.
 */
#ifndef YUJING_STORE_SNAPSHOTS_H
#define YUJING_STORE_SNAPSHOTS_H

#include <stddef.h>
#include <stdint.h>

#include "yujing/base/error.h"
#include "yujing/store/project.h"

/* ---------------------------------------------------------------- writing */

typedef struct yj_snapshot_writer yj_snapshot_writer;

/* Start storing a new snapshot (settings, report, stats: JSON text) as
 * the only active one: opens the write transaction, which
 * snapshots_commit() ends and snapshots_abort() rolls back.  *id gets the
 * new snapshot's id. */
yj_status snapshots_begin(yj_project *p, const char *settings, const char *report, const char *stats,
			  yj_snapshot_writer **w, long long *id, yj_error *err);

/* The rows (data-table row ids, ascending) kept of source `source_id`. */
yj_status snapshots_add_source(yj_snapshot_writer *w, long long source_id, const int64_t *rows,
			       size_t n, yj_error *err);

/* A changed cell: row id, field position, the cleaned text and its kind
 * ("filled", "replaced", "clipped"). */
yj_status snapshots_add_cell(yj_snapshot_writer *w, long long source_id, int64_t row, long long pos,
			     const char *value, const char *kind, yj_error *err);

/* Commit and free the writer (also on failure, after a rollback). */
yj_status snapshots_commit(yj_snapshot_writer *w, yj_error *err);
/* Roll back and free (NULL is fine). */
void snapshots_abort(yj_snapshot_writer *w);

/* ---------------------------------------------------------------- reading */

typedef struct yj_snapshot_info {
	long long id;
	char *created_at;
	int active;
	char *settings, *report; /* JSON text, NULL when absent */
} yj_snapshot_info;

/* Every snapshot by id; free with snapshots_list_free(). */
yj_status snapshots_list(yj_project *p, yj_snapshot_info **out, size_t *n, yj_error *err);
void snapshots_list_free(yj_snapshot_info *v, size_t n);

/* Make snapshot id the only active one; YJ_ENOTFOUND when there is none
 * (nothing changes then). */
yj_status snapshots_activate(yj_project *p, long long id, yj_error *err);

/* The active snapshot; *found 0 when none. */
yj_status snapshots_active(yj_project *p, long long *id, int *found, yj_error *err);

/* The snapshot of run `run`'s split; *found 0 when the run or its split
 * is gone. */
yj_status snapshots_of_run(yj_project *p, long long run, long long *id, int *found, yj_error *err);

/* The rows a snapshot kept of a source (*rows malloc'd); *found 0 when
 * the snapshot does not cover the source. */
yj_status snapshots_kept(yj_project *p, long long snapshot, long long source_id, int64_t **rows,
			 size_t *n, int *found, yj_error *err);

typedef struct yj_snapshot_cell {
	int64_t row;
	long long pos;
	char *value, *kind;
} yj_snapshot_cell;

/* The changed cells of a source in a snapshot (of one row when row is
 * not NULL, then by position); free with snapshots_cells_free(). */
yj_status snapshots_cells(yj_project *p, long long snapshot, long long source_id, const int64_t *row,
			  yj_snapshot_cell **out, size_t *n, yj_error *err);
void snapshots_cells_free(yj_snapshot_cell *v, size_t n);

/* A snapshot's training statistics and settings (JSON text, malloc'd);
 * *found 0 when the snapshot is gone. */
yj_status snapshots_stats(yj_project *p, long long snapshot, char **stats, char **settings, int *found,
			  yj_error *err);

#endif
