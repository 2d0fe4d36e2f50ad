/*
 * append.h - add new rows to an existing source (import --append).
 *
 * The file must hold exactly the source's fields (any order); every value
 * must be of its field's stored type; a row whose key the source already
 * holds is refused, naming the line (a case's rows come in one import or
 * one append; rows of one case may repeat within the appended file).  All
 * in one transaction: on any error nothing is written.  The rows are for
 * existing cases of other sources or for new cases alike.
 */
#ifndef YUJING_DATA_APPEND_H
#define YUJING_DATA_APPEND_H

#include "yujing/data/import.h"

/* Append the rows of path to source o->source (o->format and o->progress
 * are used; the key, label, text fields and types are the source's).
 * res may be NULL; res->rows is the number of rows added. */
yj_status import_append(yj_project *p, const char *path, const yj_import_opts *o, yj_import_result *res,
			yj_error *err);

#endif
