/*
 * input.c - the one-line editor for short answers (a search, a value in
 * the Clean form): UTF-8 aware insert and delete, cursor keys, Home/End,
 * Ctrl-U, Enter to accept, Esc or Ctrl-C to cancel.  Commands use the
 * readline prompt instead (prompt.c).
 */
#include <config.h>

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"
#include "yujing/base/utf8.h"
#include "yujing/text/width.h"

struct tui_input {
	char prompt[128];
	char buf[1024];
	size_t len, pos; /* bytes; pos is on a character boundary */
	tui_input_done done;
	void *ctx;
};

void tui_input_begin(tui_app *a, const char *prompt, const char *initial, tui_input_done done, void *ctx)
{
	tui_input_free(a);
	struct tui_input *in = calloc(1, sizeof *in);
	if (!in)
		return;
	snprintf(in->prompt, sizeof in->prompt, "%s", prompt);
	if (initial)
		snprintf(in->buf, sizeof in->buf, "%s", initial);
	in->len = in->pos = strlen(in->buf);
	in->done = done;
	in->ctx = ctx;
	a->input = in;
	a->dirty = 1;
}

void tui_input_free(tui_app *a)
{
	free(a->input);
	a->input = NULL;
}

/* Start of the character before byte i. */
static size_t prev_char(const char *s, size_t i)
{
	while (i > 0 && ((unsigned char)s[--i] & 0xc0) == 0x80)
		;
	return i;
}

static size_t next_char(const char *s, size_t len, size_t i)
{
	if (i >= len)
		return len;
	i++;
	while (i < len && ((unsigned char)s[i] & 0xc0) == 0x80)
		i++;
	return i;
}

static void finish(tui_app *a, int accept)
{
	struct tui_input *in = a->input;
	a->input = NULL;
	a->dirty = 1;
	/* The callback may open another input: a->input is already free. */
	in->done(in->ctx, a, accept ? in->buf : NULL);
	free(in);
}

void tui_input_key(tui_app *a, int ch, int is_key)
{
	struct tui_input *in = a->input;
	if (!in)
		return;
	a->dirty = 1;
	if (is_key) {
		switch (ch) {
		case KEY_LEFT:
			in->pos = prev_char(in->buf, in->pos);
			break;
		case KEY_RIGHT:
			in->pos = next_char(in->buf, in->len, in->pos);
			break;
		case KEY_HOME:
			in->pos = 0;
			break;
		case KEY_END:
			in->pos = in->len;
			break;
		case KEY_BACKSPACE:
			ch = 127;
			is_key = 0;
			break;
		case KEY_DC:
			if (in->pos < in->len) {
				size_t n = next_char(in->buf, in->len, in->pos) - in->pos;
				memmove(in->buf + in->pos, in->buf + in->pos + n, in->len - in->pos - n + 1);
				in->len -= n;
			}
			break;
		case KEY_ENTER:
			finish(a, 1);
			return;
		default:
			break;
		}
		if (is_key)
			return;
	}
	switch (ch) {
	case '\r':
	case '\n':
		finish(a, 1);
		return;
	case 27:
	case 3:
	case 7:
		finish(a, 0);
		return;
	case 127:
	case 8:
		if (in->pos > 0) {
			size_t p = prev_char(in->buf, in->pos);
			memmove(in->buf + p, in->buf + in->pos, in->len - in->pos + 1);
			in->len -= in->pos - p;
			in->pos = p;
		} else if (in->len == 0) {
			finish(a, 0);
		}
		return;
	case 21: /* ^U */
		memmove(in->buf, in->buf + in->pos, in->len - in->pos + 1);
		in->len -= in->pos;
		in->pos = 0;
		return;
	case 1: /* ^A */
		in->pos = 0;
		return;
	case 5: /* ^E */
		in->pos = in->len;
		return;
	default:
		break;
	}
	if (ch < 0x20 || ch == 0x7f)
		return;
	char enc[4];
	int n = utf8_encode((uint32_t)ch, enc);
	if (in->len + (size_t)n + 1 > sizeof in->buf)
		return;
	memmove(in->buf + in->pos + n, in->buf + in->pos, in->len - in->pos + 1);
	memcpy(in->buf + in->pos, enc, (size_t)n);
	in->len += (size_t)n;
	in->pos += (size_t)n;
}

int tui_input_draw(tui_app *a, int y, int w)
{
	struct tui_input *in = a->input;
	int pw = tui_put(y, 0, w, in->prompt, tui_attr(TUI_C_TITLE));
	int avail = w - pw - 1;
	if (avail < 1)
		return pw;
	/* Scroll so the cursor stays in view. */
	size_t skip = 0;
	while (skip < in->pos && width_of(in->buf + skip, in->pos - skip) > avail - 1)
		skip = next_char(in->buf, in->len, skip);
	tui_put(y, pw, avail, in->buf + skip, 0);
	return pw + width_of(in->buf + skip, in->pos - skip);
}
