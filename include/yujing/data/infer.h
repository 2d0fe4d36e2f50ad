/*
 * infer.h - field types and roles, null recognition, and type inference
 * over a stream of values.
 *
 * Inference rule (also in yujing(1)): nulls are ignored; a field whose
 * values all parse as integers is integer, unless some value has a leading
 * zero ("0712": a code, not a number), or it looks like a code (below),
 * which makes it categorical; all
 * numbers (some with a fraction or exponent) is real; all date-times is
 * datetime; otherwise a string field is text when its mean length is at
 * least 20 characters and more than half its values are distinct, or when
 * any value is longer than 200 characters, and categorical otherwise.  A
 * field with no non-null value is categorical.
 *
 * An integer field looks like a code (a ward, beat, district or tract
 * number: a label that happens to be written in digits) when its values
 * recur and either
 *   - they are sparse in their range: d distinct values, at most 1,000,
 *     with d <= n/10 (n non-null values: each value comes back ten times
 *     on average) and d < (max - min + 1)/2 (less than half the integers
 *     between the smallest and the largest occur; a measurement such as an
 *     age, an hour or a count fills its range), or
 *   - its name says so: a word of the name (split at anything but ASCII
 *     letters and digits, any case) is ward, beat, district, precinct,
 *     zone, sector, tract, zip, zipcode, postcode, area, region or code,
 *     or it contains 编号, 代码, 编码 or 辖区; and d <= n/2 and d <= 1,000.
 * Two distinct values or fewer stay integer (a 0/1 flag or a year pair
 * means the same either way).  --type FIELD=integer overrides it.
 */
#ifndef YUJING_DATA_INFER_H
#define YUJING_DATA_INFER_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
	FTYPE_INTEGER,
	FTYPE_REAL,
	FTYPE_CATEGORICAL,
	FTYPE_TEXT,
	FTYPE_DATETIME,
	FTYPE_COUNT
} yj_ftype;

typedef enum { ROLE_KEY, ROLE_LABEL, ROLE_TEXT, ROLE_ATTRIBUTE, ROLE_COUNT } yj_role;

const char *ftype_name(yj_ftype t);
int ftype_parse(const char *name); /* -1 if unknown */
const char *role_name(yj_role r);
int role_parse(const char *name);

/* The null markers of a project (besides empty and blank strings). */
typedef struct yj_nullset {
	char **markers;
	size_t n;
} yj_nullset;

/* Parse the "null_markers" setting (a JSON array of strings).  Returns 0,
 * -1 when it is not such an array, or -2 when out of memory. */
int nullset_parse(yj_nullset *ns, const char *json);
void nullset_free(yj_nullset *ns);
/* Non-zero when s[0..n) is null: empty, only blanks, or a marker. */
int nullset_is_null(const yj_nullset *ns, const char *s, size_t n);

/* Strict value parsers (surrounding blanks allowed).  Return 1 on success. */
int value_parse_int(const char *s, size_t n, int64_t *out);
int value_parse_real(const char *s, size_t n, double *out);

/* Running evidence about one field. */
typedef struct yj_infer {
	long long nonnull;
	long long total_chars;  /* code points over non-null values */
	size_t max_chars;
	int leading_zero;
	int64_t imin, imax;     /* the integer values' range (while all are integers) */
	long bad_line[FTYPE_COUNT]; /* first line a value failed the type, 0 none */
	char bad_value[FTYPE_COUNT][64];
	uint64_t *set;          /* hashes of distinct values (open addressing) */
	size_t set_cap, distinct;
	int set_full;           /* stopped counting at the cap */
} yj_infer;

void infer_init(yj_infer *in);
void infer_free(yj_infer *in);
/* Account one non-null value found on `line`.  Returns 0, -1 when out of
 * memory. */
int infer_add(yj_infer *in, const char *s, size_t n, long line);
/* The inferred type (without the field's name: no name rule). */
yj_ftype infer_type(const yj_infer *in);
/* The inferred type of the field called name (may be NULL). */
yj_ftype infer_type_named(const yj_infer *in, const char *name);
/* For a requested type: 0 when every value fits it, else the first line
 * that does not (and its value in *value). */
long infer_conflict(const yj_infer *in, yj_ftype t, const char **value);

#endif
