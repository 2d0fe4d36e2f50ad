/*
 * datetime.c - date-time recognition for type inference and features.
 */
#include <config.h>

#include <string.h>

#include "yujing/data/datetime.h"

typedef struct {
	const char *s, *e;
} cursor;

/* Read 1..maxd digits; returns the count read (0 if none). */
static int digits(cursor *c, int mind, int maxd, int *out)
{
	int n = 0, v = 0;
	while (c->s < c->e && n < maxd && *c->s >= '0' && *c->s <= '9') {
		v = v * 10 + (*c->s - '0');
		c->s++;
		n++;
	}
	if (n < mind)
		return 0;
	*out = v;
	return n;
}

static int lit(cursor *c, const char *t)
{
	size_t n = strlen(t);
	if ((size_t)(c->e - c->s) >= n && !memcmp(c->s, t, n)) {
		c->s += n;
		return 1;
	}
	return 0;
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : d[m - 1];
}

static int valid_date(const yj_datetime *t)
{
	return t->year >= 1 && t->month >= 1 && t->month <= 12 && t->day >= 1 &&
	       t->day <= days_in_month(t->year, t->month);
}

/* HH:MM[:SS[.fff]] */
static int parse_clock(cursor *c, yj_datetime *t)
{
	if (!digits(c, 1, 2, &t->hour) || !lit(c, ":") || digits(c, 2, 2, &t->minute) != 2)
		return 0;
	t->second = 0;
	if (lit(c, ":")) {
		int sec;
		if (digits(c, 2, 2, &sec) != 2)
			return 0;
		t->second = sec;
		if (c->s < c->e && *c->s == '.') {
			c->s++;
			double scale = 0.1;
			int any = 0;
			while (c->s < c->e && *c->s >= '0' && *c->s <= '9') {
				t->second += (*c->s - '0') * scale;
				scale *= 0.1;
				c->s++;
				any = 1;
			}
			if (!any)
				return 0;
		}
	}
	t->has_time = 1;
	return t->hour <= 23 && t->minute <= 59 && t->second < 61;
}

static int parse_offset(cursor *c, yj_datetime *t)
{
	if (lit(c, "Z") || lit(c, "z")) {
		t->has_offset = 1;
		return 1;
	}
	if (c->s < c->e && (*c->s == '+' || *c->s == '-')) {
		int sign = *c->s == '-' ? -1 : 1, h, m = 0;
		c->s++;
		if (digits(c, 2, 2, &h) != 2)
			return 0;
		lit(c, ":");
		if (c->s < c->e && digits(c, 2, 2, &m) != 2)
			return 0;
		if (h > 23 || m > 59)
			return 0;
		t->has_offset = 1;
		t->offset_minutes = sign * (h * 60 + m);
	}
	return 1;
}

static void skip_blanks(cursor *c)
{
	while (c->s < c->e && (*c->s == ' ' || *c->s == '\t'))
		c->s++;
}

/* YYYY-MM-DD / YYYY/MM/DD / YYYY.MM.DD [T| ]clock [offset] */
static int parse_ymd(cursor *c, yj_datetime *t)
{
	if (digits(c, 4, 4, &t->year) != 4 || c->s >= c->e)
		return 0;
	char sep = *c->s;
	if (sep != '-' && sep != '/' && sep != '.')
		return 0;
	c->s++;
	if (!digits(c, 1, 2, &t->month) || c->s >= c->e || *c->s != sep)
		return 0;
	c->s++;
	if (!digits(c, 1, 2, &t->day))
		return 0;
	if (c->s < c->e && (*c->s == 'T' || *c->s == ' ')) {
		c->s++;
		skip_blanks(c);
		if (!parse_clock(c, t) || !parse_offset(c, t))
			return 0;
	}
	return 1;
}

/* M/D/YYYY [h:mm[:ss] [AM|PM]] */
static int parse_us(cursor *c, yj_datetime *t)
{
	if (!digits(c, 1, 2, &t->month) || !lit(c, "/") || !digits(c, 1, 2, &t->day) ||
	    !lit(c, "/") || digits(c, 4, 4, &t->year) != 4)
		return 0;
	if (c->s < c->e && *c->s == ' ') {
		skip_blanks(c);
		if (!parse_clock(c, t))
			return 0;
		skip_blanks(c);
		int pm = lit(c, "PM") || lit(c, "pm");
		int am = !pm && (lit(c, "AM") || lit(c, "am"));
		if (am || pm) {
			if (t->hour < 1 || t->hour > 12)
				return 0;
			t->hour = (t->hour % 12) + (pm ? 12 : 0);
		}
	}
	return 1;
}

/* 2011年9月8日[ ][7时[30分[5秒]] | 7:30[:05]] */
static int parse_cjk(cursor *c, yj_datetime *t)
{
	if (digits(c, 4, 4, &t->year) != 4 || !lit(c, "年") || !digits(c, 1, 2, &t->month) ||
	    !lit(c, "月") || !digits(c, 1, 2, &t->day) || !lit(c, "日"))
		return 0;
	skip_blanks(c);
	if (c->s >= c->e)
		return 1;
	cursor save = *c;
	if (parse_clock(c, t))
		return 1;
	*c = save;
	if (!digits(c, 1, 2, &t->hour) || !(lit(c, "时") || lit(c, "點") || lit(c, "点")))
		return 0;
	t->has_time = 1;
	if (digits(c, 1, 2, &t->minute)) {
		if (!lit(c, "分"))
			return 0;
		int sec;
		if (digits(c, 1, 2, &sec)) {
			if (!lit(c, "秒"))
				return 0;
			t->second = sec;
		}
	}
	return t->hour <= 23 && t->minute <= 59 && t->second < 61;
}

int datetime_parse(const char *s, size_t n, yj_datetime *out)
{
	static int (*const parsers[])(cursor *, yj_datetime *) = {parse_ymd, parse_us, parse_cjk};
	cursor c0 = {s, s + n};
	skip_blanks(&c0);
	while (c0.e > c0.s && (c0.e[-1] == ' ' || c0.e[-1] == '\t'))
		c0.e--;
	if (c0.s == c0.e)
		return 0;
	for (size_t i = 0; i < sizeof parsers / sizeof parsers[0]; i++) {
		cursor c = c0;
		yj_datetime t;
		memset(&t, 0, sizeof t);
		if (parsers[i](&c, &t) && c.s == c.e && valid_date(&t)) {
			*out = t;
			return 1;
		}
	}
	return 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil). */
static long long days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	long long yoe = y - era * 400;
	long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

double datetime_epoch(const yj_datetime *dt)
{
	double days = (double)days_from_civil(dt->year, dt->month, dt->day);
	return days * 86400.0 + dt->hour * 3600.0 + dt->minute * 60.0 + dt->second -
	       dt->offset_minutes * 60.0;
}

int datetime_weekday(const yj_datetime *dt)
{
	long long d = days_from_civil(dt->year, dt->month, dt->day);
	/* 1970-01-01 was a Thursday (3 when Monday is 0). */
	long long w = (d + 3) % 7;
	return (int)(w < 0 ? w + 7 : w);
}
