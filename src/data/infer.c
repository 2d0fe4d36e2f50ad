/*
 * infer.c - null markers, value parsing and field type inference.
 */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "yujing/base/utf8.h"
#include "yujing/data/datetime.h"
#include "yujing/data/infer.h"
#include "yujing/data/jtext.h"

static const char *const ftype_names[FTYPE_COUNT] = {"integer", "real", "categorical", "text",
						     "datetime"};
static const char *const role_names[ROLE_COUNT] = {"key", "label", "text", "attribute"};

const char *ftype_name(yj_ftype t)
{
	return (unsigned)t < FTYPE_COUNT ? ftype_names[t] : "?";
}

int ftype_parse(const char *name)
{
	for (int i = 0; i < FTYPE_COUNT; i++)
		if (!strcmp(name, ftype_names[i]))
			return i;
	return -1;
}

const char *role_name(yj_role r)
{
	return (unsigned)r < ROLE_COUNT ? role_names[r] : "?";
}

int role_parse(const char *name)
{
	for (int i = 0; i < ROLE_COUNT; i++)
		if (!strcmp(name, role_names[i]))
			return i;
	return -1;
}

/* ------------------------------------------------------------ null markers */

int nullset_parse(yj_nullset *ns, const char *json)
{
	ns->markers = NULL;
	ns->n = 0;
	json_error_t je;
	json_t *a = json_loads(json, 0, &je);
	if (!a || !json_is_array(a)) {
		json_decref(a);
		/* jansson's lexer may report a failed allocation as a syntax error */
		return !a && (json_error_code(&je) == json_error_out_of_memory || jtext_allocation_failed()) ? -2 : -1;
	}
	size_t n = json_array_size(a);
	ns->markers = calloc(n ? n : 1, sizeof *ns->markers);
	if (!ns->markers) {
		json_decref(a);
		return -2;
	}
	for (size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(a, i));
		if (!s || !(ns->markers[ns->n] = strdup(s))) {
			json_decref(a);
			nullset_free(ns);
			return s ? -2 : -1;
		}
		ns->n++;
	}
	json_decref(a);
	return 0;
}

void nullset_free(yj_nullset *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		free(ns->markers[i]);
	free(ns->markers);
	ns->markers = NULL;
	ns->n = 0;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

int nullset_is_null(const yj_nullset *ns, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && is_blank(s[i]))
		i++;
	if (i == n)
		return 1;
	/* Markers match the whole value exactly (case-sensitive). */
	for (size_t k = 0; ns && k < ns->n; k++) {
		size_t m = strlen(ns->markers[k]);
		if (m == n && !memcmp(ns->markers[k], s, n))
			return 1;
	}
	return 0;
}

/* ----------------------------------------------------------- value parsing */

static void trim(const char **s, size_t *n)
{
	while (*n && is_blank(**s))
		(*s)++, (*n)--;
	while (*n && is_blank((*s)[*n - 1]))
		(*n)--;
}

int value_parse_int(const char *s, size_t n, int64_t *out)
{
	trim(&s, &n);
	if (!n)
		return 0;
	size_t i = 0;
	int neg = 0;
	if (s[0] == '+' || s[0] == '-')
		neg = s[0] == '-', i++;
	if (i == n)
		return 0;
	uint64_t v = 0;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		uint64_t d = (uint64_t)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	if (neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX)
		return 0;
	if (out)
		*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 1;
}

/* Decimal syntax: [+-] (d+[.d*] | .d+) ([eE][+-]d+)?  No hex, inf or nan. */
static int real_syntax(const char *s, size_t n)
{
	size_t i = 0, d = 0;
	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++, d++;
	if (i < n && s[i] == '.') {
		i++;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++, d++;
	}
	if (!d)
		return 0;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		size_t e = 0;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++, e++;
		if (!e)
			return 0;
	}
	return i == n;
}

int value_parse_real(const char *s, size_t n, double *out)
{
	trim(&s, &n);
	if (!n || !real_syntax(s, n))
		return 0;
	char tmp[64], *heap = NULL, *p = tmp;
	if (n >= sizeof tmp) {
		if (!(heap = malloc(n + 1)))
			return 0;
		p = heap;
	}
	memcpy(p, s, n);
	p[n] = '\0';
	errno = 0;
	double v = strtod(p, NULL);
	free(heap);
	if (!isfinite(v))
		return 0;
	if (out)
		*out = v;
	return 1;
}

/* --------------------------------------------------------------- inference */

#define SET_LIMIT 65536 /* distinct values counted exactly up to this */

void infer_init(yj_infer *in)
{
	memset(in, 0, sizeof *in);
}

void infer_free(yj_infer *in)
{
	free(in->set);
	in->set = NULL;
}

static uint64_t hash64(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h | 1; /* 0 marks an empty slot */
}

static int set_add(yj_infer *in, uint64_t h)
{
	if ((in->distinct + 1) * 2 > in->set_cap) {
		size_t cap = in->set_cap ? in->set_cap * 2 : 256;
		uint64_t *t = calloc(cap, sizeof *t);
		if (!t)
			return -1;
		for (size_t i = 0; i < in->set_cap; i++)
			if (in->set[i]) {
				size_t j = in->set[i] & (cap - 1);
				while (t[j])
					j = (j + 1) & (cap - 1);
				t[j] = in->set[i];
			}
		free(in->set);
		in->set = t;
		in->set_cap = cap;
	}
	size_t j = h & (in->set_cap - 1);
	while (in->set[j]) {
		if (in->set[j] == h)
			return 0;
		j = (j + 1) & (in->set_cap - 1);
	}
	in->set[j] = h;
	in->distinct++;
	return 0;
}

static void note_bad(yj_infer *in, yj_ftype t, const char *s, size_t n, long line)
{
	if (in->bad_line[t])
		return;
	in->bad_line[t] = line > 0 ? line : 1;
	size_t k = n < sizeof in->bad_value[t] - 1 ? n : sizeof in->bad_value[t] - 1;
	/* Do not cut a UTF-8 sequence in half. */
	while (k > 0 && k < n && ((unsigned char)s[k] & 0xC0) == 0x80)
		k--;
	memcpy(in->bad_value[t], s, k);
	in->bad_value[t][k] = '\0';
}

int infer_add(yj_infer *in, const char *s, size_t n, long line)
{
	in->nonnull++;
	size_t chars = utf8_count(s, n);
	in->total_chars += (long long)chars;
	if (chars > in->max_chars)
		in->max_chars = chars;

	if (!in->bad_line[FTYPE_INTEGER]) {
		const char *t = s;
		size_t m = n;
		trim(&t, &m);
		int64_t iv;
		if (!value_parse_int(t, m, &iv)) {
			note_bad(in, FTYPE_INTEGER, s, n, line);
		} else {
			if (in->nonnull == 1 || iv < in->imin)
				in->imin = iv;
			if (in->nonnull == 1 || iv > in->imax)
				in->imax = iv;
			size_t i = (t[0] == '+' || t[0] == '-');
			if (m - i > 1 && t[i] == '0')
				in->leading_zero = 1;
		}
	}
	if (!in->bad_line[FTYPE_REAL]) {
		const char *t = s;
		size_t m = n;
		trim(&t, &m);
		if (!value_parse_real(t, m, NULL)) {
			note_bad(in, FTYPE_REAL, s, n, line);
		} else {
			size_t i = (t[0] == '+' || t[0] == '-');
			if (m - i > 1 && t[i] == '0' && t[i + 1] >= '0' && t[i + 1] <= '9')
				in->leading_zero = 1;
		}
	}
	if (!in->bad_line[FTYPE_DATETIME]) {
		yj_datetime dt;
		if (!datetime_parse(s, n, &dt))
			note_bad(in, FTYPE_DATETIME, s, n, line);
	}
	if (!in->set_full) {
		if (in->distinct >= SET_LIMIT) {
			in->set_full = 1;
		} else if (set_add(in, hash64(s, n))) {
			return -1;
		}
	}
	return 0;
}

static int ascii_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A word of the name that marks a code (infer.h). */
static int code_name(const char *name)
{
	static const char *const words[] = {"ward", "beat", "district", "precinct", "zone", "sector", "tract",
					    "zip", "zipcode", "postcode", "area", "region", "code"};
	static const char *const cjk[] = {"编号", "代码", "编码", "辖区"};
	if (!name)
		return 0;
	for (size_t k = 0; k < sizeof cjk / sizeof *cjk; k++)
		if (strstr(name, cjk[k]))
			return 1;
	for (const char *p = name; *p;) {
		char w[16];
		size_t n = 0;
		while (*p && !ascii_alnum(*p))
			p++;
		for (; *p && ascii_alnum(*p); p++)
			if (n < sizeof w - 1)
				w[n++] = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
		w[n] = '\0';
		for (size_t k = 0; n && k < sizeof words / sizeof *words; k++)
			if (!strcmp(w, words[k]))
				return 1;
	}
	return 0;
}

/* An integer field that looks like a code (infer.h). */
static int integer_code(const yj_infer *in, const char *name)
{
	double d = (double)in->distinct, n = (double)in->nonnull;
	if (in->set_full || in->distinct <= 2 || in->distinct > 1000)
		return 0;
	double range = (double)in->imax - (double)in->imin + 1;
	if (d * 10 <= n && d * 2 < range)
		return 1;
	return d * 2 <= n && code_name(name);
}

yj_ftype infer_type(const yj_infer *in)
{
	return infer_type_named(in, NULL);
}

yj_ftype infer_type_named(const yj_infer *in, const char *name)
{
	if (in->nonnull == 0)
		return FTYPE_CATEGORICAL;
	if (!in->bad_line[FTYPE_INTEGER] && !in->leading_zero)
		return integer_code(in, name) ? FTYPE_CATEGORICAL : FTYPE_INTEGER;
	if (!in->bad_line[FTYPE_REAL] && !in->leading_zero)
		return FTYPE_REAL;
	if (!in->bad_line[FTYPE_DATETIME])
		return FTYPE_DATETIME;
	double mean = (double)in->total_chars / (double)in->nonnull;
	double ratio = (double)in->distinct / (double)in->nonnull;
	if (in->set_full)
		ratio = 1.0; /* more than SET_LIMIT distinct values */
	if ((mean >= 20 && ratio > 0.5) || in->max_chars > 200)
		return FTYPE_TEXT;
	return FTYPE_CATEGORICAL;
}

long infer_conflict(const yj_infer *in, yj_ftype t, const char **value)
{
	if (t == FTYPE_CATEGORICAL || t == FTYPE_TEXT)
		return 0;
	if (value)
		*value = in->bad_value[t];
	return in->bad_line[t];
}
