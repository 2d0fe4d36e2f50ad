/*
 * datetime.h - recognise and parse the date-time spellings found in police
 * data: ISO 8601 (2017-12-28T00:00:00.000, 2017-12-28 13:05, with Z or an
 * offset), YYYY/MM/DD, US M/D/YYYY [h:mm[:ss] [AM|PM]], and Chinese
 * 2011年9月8日[7时30分].
 */
#ifndef YUJING_DATA_DATETIME_H
#define YUJING_DATA_DATETIME_H

#include <stddef.h>

typedef struct yj_datetime {
	int year, month, day;  /* month 1..12, day 1..31 */
	int hour, minute;      /* 0..23, 0..59 */
	double second;         /* 0..60 (leap second), with fraction */
	int has_time;          /* a time of day was given */
	int has_offset;        /* Z or +hh:mm was given */
	int offset_minutes;    /* east of UTC */
} yj_datetime;

/* Parse s[0..n) (surrounding blanks allowed).  Returns 1 and fills *out
 * when the whole text is one date-time, 0 otherwise. */
int datetime_parse(const char *s, size_t n, yj_datetime *out);

/* Seconds since 1970-01-01T00:00:00 in the value's own clock (the offset,
 * when present, is applied to give UTC). */
double datetime_epoch(const yj_datetime *dt);

/* Day of the week, 0 = Monday .. 6 = Sunday. */
int datetime_weekday(const yj_datetime *dt);

#endif
