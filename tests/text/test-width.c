/*
 * test-width.c - display widths and fitting (src/text/width.c), worked
 * out by hand: ASCII 1 column, CJK ideographs 2 (East Asian Wide), the
 * combining acute accent U+0301 0, the ellipsis U+2026 1 (3 bytes).  The
 * fitting never writes past the size it is given (a guard byte after it
 * stays untouched), whatever it has to cut.
 */
#include <config.h>

#include <string.h>

#include "tap.h"
#include "yujing/text/width.h"

/* width_fit into a buffer of size bytes followed by guard bytes 'G'. */
static const char *fit(const char *s, int cols, int align, size_t size, int *guard_ok)
{
	static char buf[128];
	memset(buf, 'G', sizeof buf);
	width_fit(s, cols, align, buf, size);
	*guard_ok = 1;
	for (size_t i = size; i < size + 8 && i < sizeof buf; i++)
		*guard_ok &= buf[i] == 'G';
	return buf;
}

int main(void)
{
	int g;
	is_int(width_str("abc"), 3, "ASCII: one column each");
	is_int(width_str("中文"), 4, "CJK: two columns each");
	is_int(width_str("e\xcc\x81"), 1, "e + U+0301: the accent takes none");
	is_int(width_of("中文", 3), 2, "width_of counts only the bytes given");
	int used = -1;
	is_int(width_prefix("中文ab", 3, &used), 3, "width_prefix: 3 columns hold one ideograph (3 bytes), not half of two");
	is_int(used, 2, "and it uses 2 columns");

	is_str(fit("ab", 5, -1, 64, &g), "ab   ", "padded right to 5 columns");
	is_str(fit("ab", 5, 1, 64, &g), "   ab", "padded left to 5 columns");
	is_str(fit("中文", 5, -1, 64, &g), "中文 ", "CJK padded by display width: 4 + 1");
	is_str(fit("abcdef", 4, -1, 64, &g), "abc\xe2\x80\xa6", "cut to 3 columns and an ellipsis: 4 columns");
	is_str(fit("中文字", 4, -1, 64, &g), "中\xe2\x80\xa6 ", "cut inside no ideograph: 2 + ellipsis 1 + a space");
	/* A buffer too small for the text: the copy stops at size - 1 and
	 * the NUL is the last byte given. */
	is_str(fit("abc", 10, -1, 3, &g), "ab", "a 3-byte buffer holds 2 bytes and the NUL");
	ok(g, "nothing written past the 3 bytes");
	is_str(fit("abc", 3, 1, 3, &g), "ab", "the same when the text fits the columns exactly");
	ok(g, "nothing written past the 3 bytes (aligned right)");
	/* Cut to fit 6 bytes: "ab" (2), the ellipsis (3), the NUL: no room
	 * left for padding. */
	is_str(fit("abcdefgh", 6, -1, 6, &g), "ab\xe2\x80\xa6", "a cut text in a 6-byte buffer: ab and the ellipsis");
	ok(g, "nothing written past the 6 bytes");
	/* 5 bytes cannot hold 中 (3) and the ellipsis (3): the ellipsis, a
	 * space; never half a character. */
	is_str(fit("中文字", 4, -1, 5, &g), "\xe2\x80\xa6 ", "5 bytes: the ellipsis and a space, no half ideograph");
	ok(g, "nothing written past the 5 bytes");
	is_str(fit("abcdef", 4, -1, 3, &g), "  ", "3 bytes: no room for the ellipsis, two spaces");
	ok(g, "nothing written past the 3 bytes (cut)");
	is_str(fit("xyz", 2, -1, 1, &g), "", "a 1-byte buffer holds the NUL only");
	ok(g, "and nothing past it");
	return tap_done();
}
