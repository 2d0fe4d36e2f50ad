/*
 * import.h - import one source table from a file into the project.
 *
 * The whole import is one transaction: on any error (malformed input, a
 * wrong field count, invalid encoding, a full disk, an interrupt) nothing of
 * it is written and the project is exactly as before.  Values are stored as
 * the text found in the file (a JSON null or absent key as SQL NULL); field
 * types are inferred (infer.h) unless overridden, and recorded with the
 * field roles (key, label, text, attribute) in the source catalogue.
 */
#ifndef YUJING_DATA_IMPORT_H
#define YUJING_DATA_IMPORT_H

#include <stddef.h>

#include "yujing/base/error.h"
#include "yujing/base/progress.h"
#include "yujing/data/infer.h"
#include "yujing/data/reader.h"
#include "yujing/store/project.h"

typedef struct yj_type_override {
	const char *field;
	yj_ftype type;
} yj_type_override;

typedef struct yj_import_opts {
	const char *source;            /* source name (required) */
	const char *key;               /* case key field (required) */
	const char *label;             /* label field, NULL if none */
	const char *const *text;       /* text fields */
	size_t ntext;
	const yj_type_override *types; /* --type FIELD=TYPE */
	size_t ntypes;
	yj_format format;              /* FORMAT_AUTO: from the file name */
	const char *encoding;          /* NULL: utf-8 */
	int replace;                   /* replace a source of the same name */
	yj_progress *progress;         /* may be NULL */
} yj_import_opts;

typedef struct yj_import_result {
	long long rows;
	size_t nfields;
	long long bytes;
	double seconds;
} yj_import_result;

/* Import path ("-" for standard input) as source o->source of project p.
 * res may be NULL. */
yj_status import_file(yj_project *p, const char *path, const yj_import_opts *o,
		      yj_import_result *res, yj_error *err);

#endif
