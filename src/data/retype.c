/*
 * retype.c - a field's type changed after import (see retype.h): the
 * stored values are read once through table_load and judged with the
 * import's inference (infer.h), so a forced type is checked exactly as
 * import --type checks it.
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "yujing/base/i18n.h"
#include "yujing/data/infer.h"
#include "yujing/data/retype.h"
#include "yujing/data/table.h"

yj_status retype_field(yj_project *p, const char *source, const char *field, const char *type,
		       yj_retype_result *res, yj_error *err)
{
	yj_retype_result r;
	memset(&r, 0, sizeof r);
	int want = ftype_parse(type);
	int numeric = !strcmp(type, "numeric"), automatic = !strcmp(type, "auto");
	if (want < 0 && !numeric && !automatic) {
		yj_status st = error_set(err, YJ_EUSAGE, _("unknown type '%s'"), type);
		error_hint(err, _("use auto, numeric, integer, real, categorical, datetime or text"));
		return st;
	}
	yj_nullset ns = {0};
	yj_table t;
	yj_infer in;
	infer_init(&in);
	int loaded = 0, in_tx = 0;
	yj_status st = table_nullset(p, &ns, err);
	if (st || (st = table_load(p, source, &ns, NULL, &t, err)))
		goto out;
	loaded = 1;
	long c = table_col(&t, field);
	if (c < 0) {
		st = error_set(err, YJ_ENOTFOUND, _("source '%s' has no field '%s'"), source, field);
		error_hint(err, _("'yujing sources PROJECT' lists the fields"));
		goto out;
	}
	const yj_column *col = &t.cols[c];
	const yj_field_info *f = &t.info.fields[c];
	if (col->role == ROLE_KEY || col->role == ROLE_LABEL) {
		st = error_set(err, YJ_EUSAGE, _("field '%s' is the %s of source '%s'; its type stays %s"), field,
			       _(f->role), source, f->type);
		goto out;
	}
	for (size_t i = 0; i < t.nrows; i++) {
		uint32_t code = col->code[i];
		if (!col->is_null[code] && infer_add(&in, col->value[code], col->len[code], (long)t.line[i])) {
			st = error_set(err, YJ_ENOMEM, _("out of memory"));
			goto out;
		}
	}
	yj_ftype nt;
	if (automatic)
		nt = infer_type_named(&in, field);
	else if (numeric)
		nt = infer_conflict(&in, FTYPE_INTEGER, &(const char *){NULL}) ? FTYPE_REAL : FTYPE_INTEGER;
	else
		nt = (yj_ftype)want;
	const char *bad_value = NULL;
	long bad = infer_conflict(&in, nt, &bad_value);
	if (bad) {
		st = error_set(err, YJ_EDATA, _("the value '%s' is not of type %s"), bad_value, ftype_name(nt));
		error_at(err, t.info.file, bad, -1, field);
		error_hint(err, _("inference says the field is %s"), ftype_name(infer_type_named(&in, field)));
		goto out;
	}
	yj_role role = col->role;
	if (nt == FTYPE_TEXT)
		role = ROLE_TEXT;
	else if (role == ROLE_TEXT)
		role = ROLE_ATTRIBUTE;
	snprintf(r.old_type, sizeof r.old_type, "%s", f->type);
	snprintf(r.old_role, sizeof r.old_role, "%s", f->role);
	snprintf(r.new_type, sizeof r.new_type, "%s", ftype_name(nt));
	snprintf(r.new_role, sizeof r.new_role, "%s", role_name(role));
	if ((st = project_begin(p, err)))
		goto out;
	in_tx = 1;
	if ((st = sources_set_type(p, t.info.id, field, r.new_type, r.new_role, err)) ||
	    (st = project_commit(p, err)))
		goto out;
	in_tx = 0;
	if (res)
		*res = r;
out:
	if (in_tx)
		project_rollback(p);
	infer_free(&in);
	if (loaded)
		table_free(&t);
	nullset_free(&ns);
	return st;
}
