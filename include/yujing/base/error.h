/*
 * error.h - status codes and the error record every library call fills.
 *
 * Library functions never print and never exit.  They return a yj_status and,
 * on failure, fill a caller-provided yj_error with what went wrong and where
 * (file, line, byte offset, field) plus a hint of what to do.  Only the CLI
 * maps a status to an exit code; the TUI shows the record in its status line.
 */
#ifndef YUJING_BASE_ERROR_H
#define YUJING_BASE_ERROR_H

#include <stdarg.h>
#include <stddef.h>

/* X(name, exit_code, description).  Exit codes: 0 ok, 1 runtime, 2 usage. */
#define YJ_STATUS_LIST(X)                                                     \
	X(YJ_OK, 0, "success")                                                \
	X(YJ_EUSAGE, 2, "invalid usage")                                      \
	X(YJ_EIO, 1, "input/output error")                                    \
	X(YJ_EDATA, 1, "invalid data")                                        \
	X(YJ_ENOMEM, 1, "out of memory")                                      \
	X(YJ_EDB, 1, "database error")                                        \
	X(YJ_ENOTPROJECT, 1, "not a yujing project")                          \
	X(YJ_EVERSION, 1, "project from a newer version")                     \
	X(YJ_EEXIST, 1, "already exists")                                     \
	X(YJ_ENOTFOUND, 1, "not found")                                       \
	X(YJ_EINTR, 1, "interrupted")                                         \
	X(YJ_EFULL, 1, "disk full")

typedef enum {
#define YJ_X(name, code, desc) name,
	YJ_STATUS_LIST(YJ_X)
#undef YJ_X
	YJ_STATUS_COUNT
} yj_status;

/* What went wrong and where.  Empty strings / -1 mean "not applicable". */
typedef struct yj_error {
	yj_status status;
	char msg[1024];   /* one sentence, already translated */
	char file[512];   /* input file the problem is in */
	long line;        /* 1-based line in that file, -1 if none */
	long long offset; /* byte offset in that file, -1 if none */
	char field[256];  /* field (column) name, "" if none */
	char hint[512];   /* what the user can do about it, "" if nothing */
} yj_error;

/* Reset an error record to "no error". */
void error_clear(yj_error *err);

/* Set status and message (printf-style); location fields are left as they
 * are so a caller can add them before or after.  Returns status. */
yj_status error_set(yj_error *err, yj_status status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Attach a location (file may be NULL, line/offset -1, field NULL). */
void error_at(yj_error *err, const char *file, long line, long long offset,
	      const char *field);

/* Attach a hint (printf-style). */
void error_hint(yj_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Untranslated short description of a status ("invalid data"). */
const char *error_status_name(yj_status status);

/* Process exit code for a status: 0, 1 (runtime) or 2 (usage). */
int error_exit_code(yj_status status);

/* Format the whole record as "file:line: field 'x': message (hint)" into
 * buf (always NUL-terminated).  Returns buf. */
char *error_format(const yj_error *err, char *buf, size_t size);

#endif
