/*
 * error.c - the error record: set, locate, format.
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "yujing/base/error.h"
#include "yujing/base/i18n.h"

static const char *const status_names[] = {
#define YJ_X(name, code, desc) N_(desc),
	YJ_STATUS_LIST(YJ_X)
#undef YJ_X
};

static const int status_codes[] = {
#define YJ_X(name, code, desc) code,
	YJ_STATUS_LIST(YJ_X)
#undef YJ_X
};

void error_clear(yj_error *err)
{
	if (!err)
		return;
	err->status = YJ_OK;
	err->msg[0] = err->file[0] = err->field[0] = err->hint[0] = '\0';
	err->line = -1;
	err->offset = -1;
}

yj_status error_set(yj_error *err, yj_status status, const char *fmt, ...)
{
	if (!err)
		return status;
	err->status = status;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return status;
}

void error_at(yj_error *err, const char *file, long line, long long offset,
	      const char *field)
{
	if (!err)
		return;
	if (file)
		snprintf(err->file, sizeof err->file, "%s", file);
	err->line = line;
	err->offset = offset;
	if (field)
		snprintf(err->field, sizeof err->field, "%s", field);
}

void error_hint(yj_error *err, const char *fmt, ...)
{
	if (!err)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->hint, sizeof err->hint, fmt, ap);
	va_end(ap);
}

const char *error_status_name(yj_status status)
{
	if ((unsigned)status >= YJ_STATUS_COUNT)
		return "unknown status";
	return status_names[status];
}

int error_exit_code(yj_status status)
{
	if ((unsigned)status >= YJ_STATUS_COUNT)
		return 1;
	return status_codes[status];
}

char *error_format(const yj_error *err, char *buf, size_t size)
{
	size_t n = 0;
	buf[0] = '\0';
#define ADD(...)                                                              \
	do {                                                                  \
		if (n < size) {                                               \
			int k_ = snprintf(buf + n, size - n, __VA_ARGS__);    \
			if (k_ > 0)                                           \
				n += (size_t)k_;                              \
		}                                                             \
	} while (0)
	if (err->file[0]) {
		ADD("%s", err->file);
		if (err->line > 0)
			ADD(":%ld", err->line);
		ADD(": ");
	}
	if (err->field[0])
		ADD(_("field '%s': "), err->field);
	ADD("%s", err->msg[0] ? err->msg : _(error_status_name(err->status)));
	if (err->offset >= 0)
		ADD(_(" (byte offset %lld)"), err->offset);
	if (err->hint[0])
		ADD("\n  %s %s", _("hint:"), err->hint);
#undef ADD
	return buf;
}
