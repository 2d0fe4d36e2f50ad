/*
 * preview.h - the cleaning preview a front end re-runs on every change of
 * the settings.
 *
 * preview_open() loads every source of a project once (the label source
 * first, as clean_run() orders them); preview_run() then cleans those
 * tables in memory with any options, as often as wanted, and returns the
 * same report as clean_run(..., dry_run = 1, ...) without touching the
 * project.  The loaded tables are only read, so several threads may call
 * preview_run() on one preview at the same time.
 */
#ifndef YUJING_DATA_PREVIEW_H
#define YUJING_DATA_PREVIEW_H

#include <jansson.h>

#include "yujing/base/error.h"
#include "yujing/base/progress.h"
#include "yujing/data/clean.h"
#include "yujing/data/table.h"

typedef struct yj_preview yj_preview;

/* Load the sources of p.  Fails as clean_run() does when no source (or
 * more than one) has a label field, and with YJ_EINTR when progress is
 * cancelled.  On success *out is the caller's, freed with preview_free(). */
yj_status preview_open(yj_project *p, yj_progress *progress, yj_preview **out, yj_error *err);

/* Values changed shown per field in a preview report. */
#define PREVIEW_SAMPLES 3

/* Clean the loaded tables with options o (checked with clean_check()).
 * *report gets {"sources": [...]} as a dry run of clean_run(), each
 * source with "changes" besides: {"FIELD": [{"line", "before", "after",
 * "kind"}, ...]}, for each attribute field the cleaning changes, its
 * first PREVIEW_SAMPLES distinct changed values in row order (kept rows
 * only): the raw value (null for an SQL NULL), the value the snapshot
 * would hold, and "filled", "replaced" or "clipped". */
yj_status preview_run(const yj_preview *pv, const yj_clean_opts *o, json_t **report, yj_error *err);

/* The loaded tables, label source first. */
size_t preview_ntables(const yj_preview *pv);
const yj_table *preview_table(const yj_preview *pv, size_t i);

void preview_free(yj_preview *pv);

#endif
