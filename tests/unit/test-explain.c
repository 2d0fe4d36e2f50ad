/*
 * test-explain.c - unit tests of explain_unit() (src/train/explain.c): the
 * units explain's occlusion removes, by hand from the rule in explain.h.
 * A word is a maximal run of letters and digits outside the CJK blocks
 * (Latin, accented, Cyrillic letters; ASCII digits); a CJK or Hangul
 * character, a punctuation mark or symbol, an invalid byte is one
 * character; white space (ASCII, U+3000) is no unit.
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "yujing/train/explain.h"

/* The units of s as "text/K|text/K|..." with K = w (word), c (character),
 * s (space): explain_unit() stepped to the end. */
static const char *units(const char *s)
{
	static char out[512];
	size_t o = 0;
	int kind;
	out[0] = 0;
	for (size_t i = 0, n; (n = explain_unit(s + i, &kind)) && o + n + 4 < sizeof out; i += n) {
		memcpy(out + o, s + i, n);
		o += n;
		o += (size_t)snprintf(out + o, sizeof out - o, "/%c|",
				      kind == EXPLAIN_WORD ? 'w' : kind == EXPLAIN_CHARACTER ? 'c' : 's');
	}
	return out;
}

int main(void)
{
	int kind = -1;
	is_int(explain_unit("", &kind), 0, "the end of a text: no unit");
	is_int(kind, EXPLAIN_SPACE, "the end of a text: the kind says no unit");
	is_str(units("APARTMENT"), "APARTMENT/w|", "a Latin word is one unit, not its letters");
	is_str(units("060XX S CARPENTER ST"), "060XX/w| /s|S/w| /s|CARPENTER/w| /s|ST/w|",
	       "letters and digits make one word; a one-letter word; spaces are no unit");
	is_str(units("夜间burglary，café 3号楼"),
	       "夜/c|间/c|burglary/w|，/c|café/w| /s|3/w|号/c|楼/c|",
	       "mixed text: each CJK character a unit, each Latin word a unit (é a letter, ， full width)");
	is_str(units("a\tb\xe3\x80\x80" "c\n"), "a/w|\t/s|b/w|\xe3\x80\x80/s|c/w|\n/s|",
	       "tab, U+3000 and newline are white space");
	is_str(units("don't"), "don/w|'/c|t/w|", "an apostrophe ends a word and is a unit of its own");
	is_str(units("кража-2"), "кража/w|-/c|2/w|", "Cyrillic letters make a word; a hyphen is a character");
	is_str(units("é\xe2\x80\x94x"), "é/w|\xe2\x80\x94/c|x/w|", "an em dash (general punctuation) separates");
	is_str(units("한국"), "한/c|국/c|", "Hangul is CJK: one character a unit");
	is_str(units("ab\xff" "cd"), "ab/w|\xff/c|cd/w|", "an invalid byte ends a word and is one character");
	is_str(units("ab\xc3"), "ab/w|\xc3/c|", "a sequence cut short at the end: one character");
	return tap_done();
}
