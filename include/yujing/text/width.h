/*
 * width.h - terminal display width of UTF-8 text (utf8proc): CJK and other
 * wide characters take two columns, combining marks none.  Tables in the
 * CLI and the TUI align and truncate by these widths, never by bytes.
 */
#ifndef YUJING_TEXT_WIDTH_H
#define YUJING_TEXT_WIDTH_H

#include <stddef.h>

/* Columns s[0..n) takes on a terminal (invalid bytes count one each,
 * control characters none). */
int width_of(const char *s, size_t n);
int width_str(const char *s);

/* Bytes of the longest prefix of s that fits in cols columns, never
 * cutting inside a character; *used (may be NULL) gets its width. */
size_t width_prefix(const char *s, int cols, int *used);

/* Write s into out (size bytes) fitted to exactly cols columns: cut with
 * an ellipsis when too wide, padded with spaces on the right (align < 0)
 * or left (align > 0).  Returns out. */
char *width_fit(const char *s, int cols, int align, char *out, size_t size);

#endif
