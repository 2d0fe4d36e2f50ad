/*
 * test-infer.c - unit tests of src/data/infer.c and src/data/datetime.c:
 * null markers, strict value parsing, the type inference rule of
 * include/yujing/data/infer.h, and date-time parsing with epoch seconds and
 * weekdays.
 *
 * Epoch values are worked out by hand: days since 1970-01-01 times 86400
 * (2017-12-28 is day 17528: 47 years of 365 days plus 12 leap days
 * 1972..2016 is 17167, plus 361 days into 2017).
 */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "yujing/data/datetime.h"
#include "yujing/data/infer.h"
#include "yujing/store/project.h"

static void test_names(void)
{
	static const char *const types[] = {"integer", "real", "categorical", "text", "datetime"};
	for (int i = 0; i < FTYPE_COUNT; i++) {
		is_str(ftype_name((yj_ftype)i), types[i], "ftype_name(%d)", i);
		is_int(ftype_parse(types[i]), i, "ftype_parse(%s)", types[i]);
	}
	is_int(ftype_parse("Integer"), -1, "type names are case-sensitive");
	is_int(ftype_parse("int"), -1, "unknown type name");
	is_str(ftype_name(FTYPE_COUNT), "?", "out-of-range type");
	static const char *const roles[] = {"key", "label", "text", "attribute"};
	for (int i = 0; i < ROLE_COUNT; i++) {
		is_str(role_name((yj_role)i), roles[i], "role_name(%d)", i);
		is_int(role_parse(roles[i]), i, "role_parse(%s)", roles[i]);
	}
	is_int(role_parse("feature"), -1, "unknown role name");
}

static void test_nulls(void)
{
	yj_nullset ns;
	is_int(nullset_parse(&ns, PROJECT_DEFAULT_NULL_MARKERS), 0, "default markers parse");
	is_int(ns.n, 5, "five default markers");
	static const struct {
		const char *s;
		int null;
	} cases[] = {
		{"", 1},     {" ", 1},	   {"\t \r\n", 1}, {"NULL", 1}, {"null", 1},  {"NA", 1},
		{"N/A", 1},  {"\\N", 1},   {"Null", 0},	   {"na", 0},	{"n/a", 0},   {" NA", 0},
		{"NA ", 0},  {"NaN", 0},   {"0", 0},	   {"-", 0},	{"NULLS", 0}, {"x", 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char shown[32]; /* control characters would break the TAP line */
		size_t k = 0;
		for (const char *c = cases[i].s; *c && k < sizeof shown - 1; c++)
			shown[k++] = (unsigned char)*c < 0x20 ? '.' : *c;
		shown[k] = '\0';
		is_int(nullset_is_null(&ns, cases[i].s, strlen(cases[i].s)), cases[i].null, "null('%s')", shown);
	}
	is_int(nullset_is_null(NULL, "NA", 2), 0, "without markers only blanks are null");
	is_int(nullset_is_null(NULL, "  ", 2), 1, "without markers blanks are null");
	is_int(nullset_is_null(&ns, "NAx", 2), 1, "the length bounds the value");
	/* A cell inside a TSV line: the bytes after it (a tab, more blanks, the
	 * next value) are not part of it. */
	is_int(nullset_is_null(NULL, "  \t x", 2), 1, "the length bounds a blank value");
	is_int(nullset_is_null(&ns, " \tNA", 1), 1, "the length bounds a blank value (with markers)");
	nullset_free(&ns);
	nullset_free(&ns); /* twice is fine */

	is_int(nullset_parse(&ns, "[\"-\", \"未知\"]"), 0, "custom markers");
	is_int(nullset_is_null(&ns, "未知", strlen("未知")), 1, "CJK marker");
	is_int(nullset_is_null(&ns, "NA", 2), 0, "defaults replaced");
	nullset_free(&ns);
	is_int(nullset_parse(&ns, "[]"), 0, "empty list");
	is_int(nullset_is_null(&ns, "", 0), 1, "empty is still null");
	nullset_free(&ns);
	is_int(nullset_parse(&ns, "{\"a\":1}"), -1, "an object is refused");
	is_int(nullset_parse(&ns, "[\"a\", 1]"), -1, "a non-string marker is refused");
	is_int(nullset_parse(&ns, "not json"), -1, "invalid JSON is refused");
}

static void test_values(void)
{
	static const struct {
		const char *s;
		int ok;
		int64_t v;
	} ints[] = {
		{"0", 1, 0},
		{"12", 1, 12},
		{"-3", 1, -3},
		{"+7", 1, 7},
		{" 42 ", 1, 42},
		{"0712", 1, 712},
		{"9223372036854775807", 1, INT64_MAX},
		{"-9223372036854775808", 1, INT64_MIN},
		{"9223372036854775808", 0, 0},
		{"-9223372036854775809", 0, 0},
		{"99999999999999999999", 0, 0},
		{"", 0, 0},
		{" ", 0, 0},
		{"+", 0, 0},
		{"-", 0, 0},
		{"1.0", 0, 0},
		{"1e3", 0, 0},
		{"1,000", 0, 0},
		{"0x10", 0, 0},
		{"12a", 0, 0},
		{"- 1", 0, 0},
		{"１２", 0, 0}, /* full-width digits */
	};
	for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
		int64_t v = -1;
		int r = value_parse_int(ints[i].s, strlen(ints[i].s), &v);
		ok(r == ints[i].ok && (!r || v == ints[i].v), "parse_int('%s') = %d", ints[i].s, ints[i].ok);
	}
	static const struct {
		const char *s;
		int ok;
		double v;
	} reals[] = {
		{"1.5", 1, 1.5},     {"-3e2", 1, -300},	 {".5", 1, 0.5},     {"5.", 1, 5},
		{"+.25", 1, 0.25},   {"1E-3", 1, 0.001}, {" 2.5 ", 1, 2.5},  {"12", 1, 12},
		{"1e+2", 1, 100},    {"0.1", 1, 0.1},	 {".", 0, 0},	     {"e5", 0, 0},
		{"1e", 0, 0},	     {"1e+", 0, 0},	 {"inf", 0, 0},	     {"nan", 0, 0},
		{"Infinity", 0, 0},  {"0x1p3", 0, 0},	 {"1,5", 0, 0},	     {"1.5.2", 0, 0},
		{"1e400", 0, 0},     {"", 0, 0},	 {"--1", 0, 0},	     {"1 2", 0, 0},
	};
	for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++) {
		double v = -1;
		int r = value_parse_real(reals[i].s, strlen(reals[i].s), &v);
		ok(r == reals[i].ok && (!r || v == reals[i].v), "parse_real('%s') = %d", reals[i].s, reals[i].ok);
	}
	/* A long value (heap path). */
	char longnum[200];
	memset(longnum, '0', sizeof longnum - 1);
	longnum[sizeof longnum - 1] = '\0';
	longnum[0] = '1';
	longnum[1] = '.';
	double v = 0;
	ok(value_parse_real(longnum, strlen(longnum), &v) && v == 1.0, "parse_real of a 199-character number");
}

/* Infer the type of a list of values (NULL-terminated), all on line i+2. */
static yj_ftype infer_list(const char *const *vals, yj_infer *in)
{
	infer_init(in);
	for (int i = 0; vals[i]; i++)
		infer_add(in, vals[i], strlen(vals[i]), i + 2);
	return infer_type(in);
}

#define INFER(want, what, ...)                                                                     \
	do {                                                                                       \
		const char *const v_[] = {__VA_ARGS__, NULL};                                      \
		yj_infer in_;                                                                      \
		yj_ftype t_ = infer_list(v_, &in_);                                                \
		ok(t_ == want, "infer %s: %s (got %s)", what, ftype_name(want), ftype_name(t_));   \
		infer_free(&in_);                                                                  \
	} while (0)

static void test_infer(void)
{
	yj_infer in;
	infer_init(&in);
	ok(infer_type(&in) == FTYPE_CATEGORICAL, "no value at all: categorical");
	infer_free(&in);

	INFER(FTYPE_INTEGER, "integers", "1", "-2", "+3", "0");
	INFER(FTYPE_CATEGORICAL, "leading zero", "1", "0712");
	INFER(FTYPE_CATEGORICAL, "signed leading zero", "-07", "3");
	INFER(FTYPE_INTEGER, "zero alone is not a leading zero", "0", "-0", "+0", "10");
	INFER(FTYPE_REAL, "integers and reals", "1", "2.5");
	INFER(FTYPE_REAL, "exponents", "1e3", "2E-2");
	INFER(FTYPE_REAL, "zero-point is not a leading zero", "0.5", "0.25");
	INFER(FTYPE_CATEGORICAL, "leading zero before a point", "00.5", "1.5");
	INFER(FTYPE_CATEGORICAL, "leading zero and a fraction", "0712", "1.5");
	INFER(FTYPE_REAL, "integers beyond int64", "1", "99999999999999999999");
	INFER(FTYPE_DATETIME, "ISO dates", "2017-12-28", "2018-01-02T13:05:00");
	INFER(FTYPE_DATETIME, "mixed spellings", "2017-12-28", "12/28/2017", "2011年9月8日");
	INFER(FTYPE_CATEGORICAL, "dates and a non-date", "2017-12-28", "soon");
	INFER(FTYPE_CATEGORICAL, "short strings", "A", "B", "A");
	INFER(FTYPE_TEXT, "20-char distinct strings", "aaaaaaaaaaaaaaaaaaa1", "aaaaaaaaaaaaaaaaaaa2");
	INFER(FTYPE_CATEGORICAL, "19-char distinct strings", "aaaaaaaaaaaaaaaaaa1", "aaaaaaaaaaaaaaaaaa2");
	INFER(FTYPE_CATEGORICAL, "20-char strings, half distinct", "aaaaaaaaaaaaaaaaaaa1",
	      "aaaaaaaaaaaaaaaaaaa1", "aaaaaaaaaaaaaaaaaaa2", "aaaaaaaaaaaaaaaaaaa2");
	INFER(FTYPE_TEXT, "20-char strings, 3 of 5 distinct", "aaaaaaaaaaaaaaaaaaa1", "aaaaaaaaaaaaaaaaaaa1",
	      "aaaaaaaaaaaaaaaaaaa2", "aaaaaaaaaaaaaaaaaaa2", "aaaaaaaaaaaaaaaaaaa3");
	INFER(FTYPE_TEXT, "CJK: 20 code points", "案案案案案案案案案案案案案案案案案案案一",
	      "案案案案案案案案案案案案案案案案案案案二");
	INFER(FTYPE_CATEGORICAL, "CJK: 19 code points (57 bytes)", "案案案案案案案案案案案案案案案案案案一",
	      "案案案案案案案案案案案案案案案案案案二");

	/* Conflicts name the first value that does not fit. */
	const char *const vals[] = {"1", "2", "x", "3.5", "y", NULL};
	infer_list(vals, &in);
	const char *bad = NULL;
	is_int(infer_conflict(&in, FTYPE_INTEGER, &bad), 4, "integer conflict on line 4");
	is_str(bad, "x", "integer conflict value");
	is_int(infer_conflict(&in, FTYPE_REAL, &bad), 4, "real conflict on line 4");
	is_int(infer_conflict(&in, FTYPE_DATETIME, &bad), 2, "datetime conflict on line 2");
	is_str(bad, "1", "datetime conflict value");
	is_int(infer_conflict(&in, FTYPE_CATEGORICAL, &bad), 0, "categorical never conflicts");
	is_int(infer_conflict(&in, FTYPE_TEXT, &bad), 0, "text never conflicts");
	is_int(in.nonnull, 5, "five values counted");
	is_int(in.distinct, 5, "five distinct");
	infer_free(&in);

	/* A long conflicting value is cut on a character boundary. */
	char cjk[301] = "";
	for (int i = 0; i < 100; i++)
		strcat(cjk, "案");
	const char *const longv[] = {"1", cjk, NULL};
	infer_list(longv, &in);
	is_int(infer_conflict(&in, FTYPE_INTEGER, &bad), 3, "long conflict on line 3");
	is_int(strlen(bad), 63, "cut to 21 whole characters (63 bytes)");
	ok(!memcmp(bad, cjk, 63), "the cut value is a prefix");
	infer_free(&in);
	const char *const longv2[] = {"x案案案案案案案案案案案案案案案案案案案案案案案案", NULL};
	infer_list(longv2, &in);
	infer_conflict(&in, FTYPE_INTEGER, &bad);
	is_int(strlen(bad), 61, "1 + 20 characters: never half a character");
	infer_free(&in);

	/* Many distinct values (past the counting limit) stay "distinct". */
	infer_init(&in);
	char buf[64];
	for (int i = 0; i < 70000; i++) {
		int n = snprintf(buf, sizeof buf, "value number %07d padded", i);
		infer_add(&in, buf, (size_t)n, i + 2);
	}
	ok(infer_type(&in) == FTYPE_TEXT, "70000 distinct 27-char values: text");
	infer_free(&in);
}

typedef struct {
	const char *s;
	int y, mo, d, h, mi;
	double sec;
	int has_time, has_offset, offset;
} dt_case;

static void test_datetime(void)
{
	static const dt_case good[] = {
		{"2017-12-28T00:00:00.000", 2017, 12, 28, 0, 0, 0, 1, 0, 0},
		{"2018-01-02T13:05:59.123", 2018, 1, 2, 13, 5, 59.123, 1, 0, 0},
		{"2017-12-28 13:05", 2017, 12, 28, 13, 5, 0, 1, 0, 0},
		{"2017-12-28", 2017, 12, 28, 0, 0, 0, 0, 0, 0},
		{"  2017-12-28  ", 2017, 12, 28, 0, 0, 0, 0, 0, 0},
		{"2017-12-28T13:05:00Z", 2017, 12, 28, 13, 5, 0, 1, 1, 0},
		{"2017-12-28T13:05:00+08:00", 2017, 12, 28, 13, 5, 0, 1, 1, 480},
		{"2017-12-28T13:05:00-0530", 2017, 12, 28, 13, 5, 0, 1, 1, -330},
		{"2017-12-28T13:05:00+01", 2017, 12, 28, 13, 5, 0, 1, 1, 60},
		{"2017/1/2", 2017, 1, 2, 0, 0, 0, 0, 0, 0},
		{"2017.12.28 7:00", 2017, 12, 28, 7, 0, 0, 1, 0, 0},
		{"12/28/2017", 2017, 12, 28, 0, 0, 0, 0, 0, 0},
		{"12/28/2017 1:05 PM", 2017, 12, 28, 13, 5, 0, 1, 0, 0},
		{"12/28/2017 12:05 AM", 2017, 12, 28, 0, 5, 0, 1, 0, 0},
		{"12/28/2017 12:05 PM", 2017, 12, 28, 12, 5, 0, 1, 0, 0},
		{"1/2/2018 11:59:59 am", 2018, 1, 2, 11, 59, 59, 1, 0, 0},
		{"3/1/2018 23:00", 2018, 3, 1, 23, 0, 0, 1, 0, 0},
		{"2011年9月8日", 2011, 9, 8, 0, 0, 0, 0, 0, 0},
		{"2011年9月8日7时30分", 2011, 9, 8, 7, 30, 0, 1, 0, 0},
		{"2013年1月31日23时5分10秒", 2013, 1, 31, 23, 5, 10, 1, 0, 0},
		{"2011年9月8日 07:30", 2011, 9, 8, 7, 30, 0, 1, 0, 0},
		{"2011年09月08日7点", 2011, 9, 8, 7, 0, 0, 1, 0, 0},
		{"2016-02-29", 2016, 2, 29, 0, 0, 0, 0, 0, 0},
		{"2000-02-29", 2000, 2, 29, 0, 0, 0, 0, 0, 0},
		{"2016-12-31T23:59:60", 2016, 12, 31, 23, 59, 60, 1, 0, 0},
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		const dt_case *c = &good[i];
		yj_datetime t;
		memset(&t, 0x55, sizeof t);
		int r = datetime_parse(c->s, strlen(c->s), &t);
		ok(r == 1 && t.year == c->y && t.month == c->mo && t.day == c->d && t.hour == c->h &&
			   t.minute == c->mi && fabs(t.second - c->sec) < 1e-9 && t.has_time == c->has_time &&
			   t.has_offset == c->has_offset && t.offset_minutes == c->offset,
		   "datetime '%s'", c->s);
	}
	static const char *const bad[] = {
		"",		       "  ",		     "2017",		  "2017-13-01",
		"2017-02-29",	       "1900-02-29",	     "2017-04-31",	  "2017-00-10",
		"2017-12-00",	       "2017-12-28T",	     "2017-12-28T24:00",  "2017-12-28T23:60",
		"2017-12-28T1:5",      "2017-12-28 13:05x",  "2017-12-28T13:05:00+24:00",
		"2017-12/28",	       "17-12-28",	     "20171228",	  "13/28/2017",
		"2/29/2017",	       "12/28/17",	     "12/28/2017 13:00 PM", "12/28/2017 0:30 AM",
		"2011年9月",	       "2011年9月8日7时30", "2011年13月8日",	  "2011年9月8日25时",
		"12:30",	       "yesterday",	     "2017-12-28T13:05:00.", "1.5",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		yj_datetime t;
		is_int(datetime_parse(bad[i], strlen(bad[i]), &t), 0, "not a datetime: '%s'", bad[i]);
	}

	/* Epoch seconds and weekdays. */
	yj_datetime t;
	datetime_parse("1970-01-01T00:00:00", 19, &t);
	is_near(datetime_epoch(&t), 0, 0, "epoch of 1970-01-01");
	is_int(datetime_weekday(&t), 3, "1970-01-01 was a Thursday");
	datetime_parse("2017-12-28", 10, &t);
	is_near(datetime_epoch(&t), 17528.0 * 86400, 0, "epoch of 2017-12-28");
	is_int(datetime_weekday(&t), 3, "2017-12-28 was a Thursday");
	datetime_parse("2017-12-28T13:05:30.5", 21, &t);
	is_near(datetime_epoch(&t), 17528.0 * 86400 + 13 * 3600 + 5 * 60 + 30.5, 1e-6, "epoch with a time");
	const char *off = "2017-12-28T08:00:00+08:00";
	datetime_parse(off, strlen(off), &t);
	is_near(datetime_epoch(&t), 17528.0 * 86400, 0, "the offset is applied: 08:00+08:00 is 00:00 UTC");
	datetime_parse("1969-12-31T23:00:00", 19, &t);
	is_near(datetime_epoch(&t), -3600, 0, "before 1970 is negative");
	is_int(datetime_weekday(&t), 2, "1969-12-31 was a Wednesday");
	datetime_parse("2000-03-01", 10, &t);
	is_near(datetime_epoch(&t), 11017.0 * 86400, 0, "epoch of 2000-03-01 (after a leap day)");
	is_int(datetime_weekday(&t), 2, "2000-03-01 was a Wednesday");
	const char *cjk = "2011年9月8日";
	datetime_parse(cjk, strlen(cjk), &t);
	is_int(datetime_weekday(&t), 3, "2011-09-08 was a Thursday");
	datetime_parse("1/1/2018", 8, &t);
	is_int(datetime_weekday(&t), 0, "2018-01-01 was a Monday");
	datetime_parse("2017-12-31", 10, &t);
	is_int(datetime_weekday(&t), 6, "2017-12-31 was a Sunday");
}

/* n integer values cycling through vals[0..k), inferred under name. */
static yj_ftype infer_cycle(const int *vals, int k, int n, const char *name)
{
	yj_infer in;
	infer_init(&in);
	for (int i = 0; i < n; i++) {
		char b[32];
		int len = snprintf(b, sizeof b, "%d", vals[i % k]);
		infer_add(&in, b, (size_t)len, i + 2);
	}
	yj_ftype t = infer_type_named(&in, name);
	infer_free(&in);
	return t;
}

/* Integer codes (infer.h): sparse recurring values, or a code's name. */
static void test_integer_codes(void)
{
	/* Chicago's wards in Englewood: 6 values in 3..20 (range 18), 70
	 * rows: 6 x 10 = 60 <= 70 and 6 x 2 = 12 < 18: a code */
	static const int wards[] = {3, 6, 15, 16, 17, 20};
	ok(infer_cycle(wards, 6, 70, "x") == FTYPE_CATEGORICAL, "6 values recurring, sparse in 3..20: categorical");
	/* 50 rows: 60 > 50, not ten times each; the name decides */
	ok(infer_cycle(wards, 6, 50, "x") == FTYPE_INTEGER, "the same in 50 rows, no telling name: integer");
	ok(infer_cycle(wards, 6, 50, "ward") == FTYPE_CATEGORICAL, "... named ward: categorical");
	ok(infer_cycle(wards, 6, 50, "Community_Area") == FTYPE_CATEGORICAL, "... named Community_Area: categorical");
	ok(infer_cycle(wards, 6, 50, "辖区编号") == FTYPE_CATEGORICAL, "... named 辖区编号: categorical");
	ok(infer_cycle(wards, 6, 50, "hazard") == FTYPE_INTEGER, "... named hazard (not the word ward): integer");
	ok(infer_cycle(wards, 6, 50, "areas") == FTYPE_INTEGER, "... named areas: integer");
	/* 11 rows: 6 x 2 = 12 > 11, the values hardly recur even for a name */
	ok(infer_cycle(wards, 6, 11, "ward") == FTYPE_INTEGER, "6 values in 11 rows named ward: integer");
	/* hours 0..23 in 240 rows: 24 x 10 = 240 <= 240 but they fill their
	 * range (24 x 2 = 48 >= 24): a measurement */
	int hours[24];
	for (int i = 0; i < 24; i++)
		hours[i] = i;
	ok(infer_cycle(hours, 24, 240, "x") == FTYPE_INTEGER, "hours 0..23 recurring: integer");
	/* two values: a year pair or a flag stays integer, whatever the name */
	static const int years[] = {2017, 2018};
	ok(infer_cycle(years, 2, 100, "zone") == FTYPE_INTEGER, "two values named zone: integer");
	static const int tri[] = {7, 8, 70};
	ok(infer_cycle(tri, 3, 30, "x") == FTYPE_CATEGORICAL, "three values recurring in 7..70: categorical");
	ok(infer_cycle(tri, 3, 29, "x") == FTYPE_INTEGER, "the same in 29 rows (3 x 10 > 29): integer");
	/* negative and large values: the range in 64 bits */
	static const int neg[] = {-2000000000, 0, 2000000000};
	ok(infer_cycle(neg, 3, 30, "x") == FTYPE_CATEGORICAL, "three values recurring in +-2e9: categorical");
	/* without a name the name rule is off */
	yj_infer in;
	infer_init(&in);
	for (int i = 0; i < 50; i++)
		infer_add(&in, i % 2 ? "3" : "4", 1, i + 2);
	infer_add(&in, "5", 1, 60);
	ok(infer_type(&in) == FTYPE_INTEGER && infer_type_named(&in, "beat") == FTYPE_CATEGORICAL,
	   "no name rule without a name: 3, 4, 5 in 51 rows (dense), integer; named beat, categorical");
	infer_free(&in);
}

int main(void)
{
	test_names();
	test_nulls();
	test_values();
	test_infer();
	test_integer_codes();
	test_datetime();
	return tap_done();
}
