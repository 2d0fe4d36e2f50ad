/*
 * retype.h - change the type of one field of an imported source without
 * importing it again (`sources --set-type`, the Quality view's `t`).
 *
 * The new type is one of the stored types (integer, real, categorical,
 * text, datetime), "numeric" (integer when every value is an integer,
 * else real) or "auto" (inference again over the stored values, as import
 * does, the field's name rule included).  Every non-null value must fit
 * the type: the first that does not is an error naming its line.  The key
 * and the label keep their types.  A field made text takes the text role
 * (it feeds a text branch, as with import --text); a text-role field made
 * anything else takes the attribute role.  The stored profile is dropped
 * (it was computed with the old type); snapshots already cleaned keep
 * what they hold, the next clean uses the new type.
 */
#ifndef YUJING_DATA_RETYPE_H
#define YUJING_DATA_RETYPE_H

#include "yujing/base/error.h"
#include "yujing/store/project.h"

typedef struct yj_retype_result {
	char old_type[16], new_type[16]; /* stored type names */
	char old_role[16], new_role[16];
} yj_retype_result;

/* Give field `field` of source `source` the type `type` (see above), in
 * one transaction.  res may be NULL.  YJ_EUSAGE for an unknown type name
 * or the key/label, YJ_ENOTFOUND for an unknown source or field, YJ_EDATA
 * (with file line and field) for a value that does not fit. */
yj_status retype_field(yj_project *p, const char *source, const char *field, const char *type,
		       yj_retype_result *res, yj_error *err);

#endif
