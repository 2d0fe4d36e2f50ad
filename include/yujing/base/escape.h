/*
 * escape.h - make text from a file safe to print on a terminal.
 *
 * Labels, keys and field names come from files someone else made; printed
 * raw, an escape sequence in one (OSC 0 sets the window title, CSI 2J
 * clears the screen, OSC 52 writes the clipboard) reaches the terminal, and
 * a newline forges lines of output.  Human-readable output escapes control
 * characters; JSON output does not need to (the JSON encoder escapes them).
 */
#ifndef YUJING_BASE_ESCAPE_H
#define YUJING_BASE_ESCAPE_H

#include <stddef.h>
#include <stdint.h>

/* Non-zero for a control character: C0 (U+0000..U+001F), DEL (U+007F) and
 * C1 (U+0080..U+009F).  The workbench draws these as spaces. */
int escape_is_control(uint32_t cp);

/* A copy of s with each control character written as a visible escape:
 * \n, \r, \t, \e for those, \xHH for the other C0 and DEL, \u0085 for
 * C1, and \xHH for each byte of invalid UTF-8.  Everything else (CJK
 * included) is copied as it is.  Returns a malloc'd string (NULL when out
 * of memory); s NULL gives NULL. */
char *escape_dup(const char *s);

#endif
