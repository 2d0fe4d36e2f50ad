/*
 * safetensors.c - write and validate-then-read the safetensors format.
 *
 * Layout (https://huggingface.co/docs/safetensors, and the reference Rust
 * implementation huggingface/safetensors):
 *   bytes [0, 8)        N, the header length, unsigned little-endian
 *   bytes [8, 8+N)      a JSON object, UTF-8, padded with spaces so the
 *                       data section starts on an 8-byte boundary:
 *                       {"__metadata__": {str: str},
 *                        name: {"dtype": "F32", "shape": [..],
 *                               "data_offsets": [begin, end]}, ...}
 *   bytes [8+N, end)    the data section; begin/end are relative to it
 *
 * The parser is a little more lenient than the reference one in one way:
 * byte ranges must lie inside the data section and must not overlap, but
 * gaps and unused trailing bytes are accepted.  The writer emits the
 * tensors in parameter (buffer) order, so the data section is the values
 * buffer verbatim; the reference writer sorts by name, and both are valid.
 *
 * The parser trusts nothing: every size and offset from the file is checked
 * (with overflow-safe arithmetic) before it is used or allocated, and every
 * failure is a yj_error naming the source, the tensor (in `field`) and the
 * byte offset in the file.  Error messages are not translated here: nn/ has
 * no i18n, and the CLI/TUI show them as they are.
 */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "yujing/nn/safetensors.h"

/* The reference implementation refuses headers above 100 MB. */
#define ST_HEADER_MAX (100u * 1000u * 1000u)
#define ST_MAXDIM 8

static const struct {
	const char *name;
	yj_st_dtype dtype;
	size_t size; /* bytes per element */
} st_dtypes[] = {
	{"F32", ST_F32, 4}, {"F16", ST_F16, 2}, {"BF16", ST_BF16, 2},
	{"I64", ST_I64, 8}, {"I32", ST_I32, 4},
};

static const char *dtype_name(yj_st_dtype d)
{
	for (size_t i = 0; i < sizeof st_dtypes / sizeof st_dtypes[0]; i++)
		if (st_dtypes[i].dtype == d)
			return st_dtypes[i].name;
	return "?";
}

/* ----------------------------------------------------- little-endian bytes */

static uint64_t get_le64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint32_t get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t get_le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void put_le64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++, v >>= 8)
		p[i] = (unsigned char)v;
}

static float bits_to_f32(uint32_t u)
{
	float f;
	memcpy(&f, &u, sizeof f);
	return f;
}

/* IEEE 754 binary16 -> binary32, exact for every value: normals re-bias
 * the exponent (15 -> 127), subnormals are man * 2^-24, inf/NaN keep
 * their payload. */
static float f16_to_f32(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
	uint32_t exp = (h >> 10) & 0x1fu, man = h & 0x3ffu;
	if (exp == 0) {
		float v = (float)man * 0x1p-24f;
		return sign ? -v : v;
	}
	if (exp == 31)
		return bits_to_f32(sign | 0x7f800000u | man << 13);
	return bits_to_f32(sign | (exp + 112) << 23 | man << 13);
}

/* bfloat16 is the upper half of a binary32. */
static float bf16_to_f32(uint16_t h)
{
	return bits_to_f32((uint32_t)h << 16);
}

/* ------------------------------------------------------------------ errors */

/* Fill err for a problem in `what` at file offset `off` (-1 when none),
 * about tensor `name` (NULL when none). */
static yj_status st_fail(yj_error *err, const char *what, long long off, const char *name,
			 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static yj_status st_fail(yj_error *err, const char *what, long long off, const char *name,
			 const char *fmt, ...)
{
	if (!err)
		return YJ_EDATA;
	char msg[sizeof err->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (off >= 0)
		error_set(err, YJ_EDATA, "%s: byte %lld: %s", what, off, msg);
	else
		error_set(err, YJ_EDATA, "%s: %s", what, msg);
	error_at(err, what, -1, off, name);
	error_hint(err, "the file is not a valid safetensors file; export it again");
	return YJ_EDATA;
}

/* File offset of a tensor's entry in the header: where its quoted name
 * first appears (exact unless the name needs JSON escapes), else the start
 * of the header. */
static long long header_pos(const unsigned char *hdr, size_t hlen, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i + n + 2 <= hlen; i++)
		if (hdr[i] == '"' && memcmp(hdr + i + 1, name, n) == 0 && hdr[i + n + 1] == '"')
			return 8 + (long long)i;
	return 8;
}

/* ------------------------------------------------------------------ reader */

void safetensors_free(yj_safetensors *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->n; i++)
		free(st->t[i].name);
	free(st->t);
	free(st->metadata_json);
	free(st->owned);
	free(st->what);
	memset(st, 0, sizeof *st);
}

size_t safetensors_numel(const yj_st_tensor *t)
{
	size_t n = 1;
	for (int d = 0; d < t->ndim; d++)
		n *= (size_t)t->shape[d]; /* validated not to overflow */
	return n;
}

/* A non-negative JSON integer, or -1. */
static long long json_uint(const json_t *v)
{
	if (!json_is_integer(v))
		return -1;
	json_int_t x = json_integer_value(v);
	return x < 0 ? -1 : (long long)x;
}

/* Validate one tensor entry `e` named `name` and fill t (name not set).
 * `hdr`/`hlen` locate errors; data_len bounds the byte range. */
static yj_status parse_entry(yj_st_tensor *t, const char *name, json_t *e, const char *what,
			     const unsigned char *hdr, size_t hlen, size_t data_len, yj_error *err)
{
/* The entry's offset, computed only for an error message. */
#define ENTRY_AT header_pos(hdr, hlen, name)
	if (!json_is_object(e))
		return st_fail(err, what, ENTRY_AT, name,
			       "tensor '%s': the entry is not a JSON object", name);

	/* dtype: one of the five we convert. */
	const char *dt = json_string_value(json_object_get(e, "dtype"));
	if (!dt)
		return st_fail(err, what, ENTRY_AT, name,
			       "tensor '%s': \"dtype\" missing or not a string", name);
	size_t esize = 0;
	for (size_t i = 0; i < sizeof st_dtypes / sizeof st_dtypes[0]; i++)
		if (strcmp(dt, st_dtypes[i].name) == 0) {
			t->dtype = st_dtypes[i].dtype;
			esize = st_dtypes[i].size;
		}
	if (!esize)
		return st_fail(err, what, ENTRY_AT, name,
			       "tensor '%s': unknown or unsupported dtype '%.32s' "
			       "(expected F32, F16, BF16, I64 or I32)",
			       name, dt);

	/* shape: at most ST_MAXDIM non-negative integers whose product, times
	 * the element size, fits in 64 bits and in size_t. */
	json_t *sh = json_object_get(e, "shape");
	if (!json_is_array(sh))
		return st_fail(err, what, ENTRY_AT, name,
			       "tensor '%s': \"shape\" missing or not an array", name);
	if (json_array_size(sh) > ST_MAXDIM)
		return st_fail(err, what, ENTRY_AT, name,
			       "tensor '%s': %zu dimensions (at most %d)", name,
			       json_array_size(sh), ST_MAXDIM);
	t->ndim = (int)json_array_size(sh);
	uint64_t nbytes = esize;
	for (int d = 0; d < t->ndim; d++) {
		long long x = json_uint(json_array_get(sh, (size_t)d));
		if (x < 0)
			return st_fail(err, what, ENTRY_AT, name,
				       "tensor '%s': shape[%d] is not a non-negative integer", name,
				       d);
		t->shape[d] = x;
		if (__builtin_mul_overflow(nbytes, (uint64_t)x, &nbytes) || nbytes > SIZE_MAX)
			return st_fail(err, what, ENTRY_AT, name,
				       "tensor '%s': the size overflows at dimension %d (%lld)",
				       name, d, x);
	}

	/* data_offsets: [begin, end] inside the data section, end - begin =
	 * exactly the bytes the shape and dtype need. */
	json_t *off = json_object_get(e, "data_offsets");
	long long b = -1, en = -1;
	if (json_is_array(off) && json_array_size(off) == 2) {
		b = json_uint(json_array_get(off, 0));
		en = json_uint(json_array_get(off, 1));
	}
	if (b < 0 || en < 0)
		return st_fail(err, what, ENTRY_AT, name,
			       "tensor '%s': \"data_offsets\" must be two non-negative integers",
			       name);
	if (b > en)
		return st_fail(err, what, ENTRY_AT, name,
			       "tensor '%s': data_offsets [%lld, %lld] run backwards", name, b, en);
	long long data_at = 8 + (long long)hlen;
	if ((unsigned long long)en > data_len)
		/* The range's start in the file when it lies inside, else the
		 * entry (data_at + b could overflow). */
		return st_fail(err, what,
			       (unsigned long long)b <= data_len ? data_at + b : ENTRY_AT, name,
			       "tensor '%s': data_offsets [%lld, %lld] end outside the "
			       "%zu-byte data section",
			       name, b, en, data_len);
	if ((uint64_t)(en - b) != nbytes)
		return st_fail(err, what, data_at + b, name,
			       "tensor '%s': %llu %s elements need %llu bytes, but data_offsets "
			       "[%lld, %lld] hold %lld",
			       name, (unsigned long long)(nbytes / esize), dt,
			       (unsigned long long)nbytes, b, en, en - b);
	t->begin = (size_t)b;
	t->end = (size_t)en;
	return YJ_OK;
#undef ENTRY_AT
}

/* Order tensors by their byte range for the overlap check. */
static int cmp_begin(const void *a, const void *b)
{
	const yj_st_tensor *x = *(const yj_st_tensor *const *)a,
			   *y = *(const yj_st_tensor *const *)b;
	if (x->begin != y->begin)
		return x->begin < y->begin ? -1 : 1;
	return x->end < y->end ? -1 : x->end > y->end;
}

yj_status safetensors_parse(const unsigned char *buf, size_t len, const char *what,
			    yj_safetensors *out, yj_error *err)
{
	yj_status ret = YJ_OK;
	json_t *root = NULL;
	const yj_st_tensor **order = NULL;
	memset(out, 0, sizeof *out);
	if (!what)
		what = "safetensors";

	/* The 8-byte length, bounded before anything depends on it. */
	if (len < 8)
		return st_fail(err, what, 0, NULL,
			       "%zu bytes is too short for the 8-byte header length", len);
	uint64_t hlen = get_le64(buf);
	if (hlen > ST_HEADER_MAX)
		return st_fail(err, what, 0, NULL, "header length %llu exceeds the %u-byte limit",
			       (unsigned long long)hlen, ST_HEADER_MAX);
	if (hlen > len - 8)
		return st_fail(err, what, 0, NULL,
			       "header length %llu is larger than the %zu bytes after it",
			       (unsigned long long)hlen, len - 8);
	const unsigned char *hdr = buf + 8;
	if (hlen < 2 || hdr[0] != '{')
		return st_fail(err, what, 8, NULL, "the header does not start with '{'");

	/* The JSON: well-formed UTF-8, no duplicate keys, an object. */
	json_error_t je;
	root = json_loadb((const char *)hdr, (size_t)hlen, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return st_fail(err, what, 8 + (long long)(je.position > 0 ? je.position : 0), NULL,
			       "invalid JSON header: %s", je.text);
	if (!json_is_object(root)) {
		ret = st_fail(err, what, 8, NULL, "the header is not a JSON object");
		goto out;
	}

	size_t data_len = len - 8 - (size_t)hlen;
	json_t *meta = json_object_get(root, "__metadata__");
	size_t cap = json_object_size(root) - (meta != NULL);
	/* Bounded by the header's size, itself bounded by len. */
	out->t = calloc(cap ? cap : 1, sizeof *out->t);
	out->what = strdup(what);
	if (!out->t || !out->what) {
		ret = error_set(err, YJ_ENOMEM, "out of memory");
		goto out;
	}
	out->data_start = 8 + (size_t)hlen;

	const char *key;
	json_t *val;
	json_object_foreach (root, key, val) {
		if (val == meta)
			continue;
		yj_st_tensor *t = &out->t[out->n];
		ret = parse_entry(t, key, val, what, hdr, (size_t)hlen, data_len, err);
		if (ret != YJ_OK)
			goto out;
		if (!(t->name = strdup(key))) {
			ret = error_set(err, YJ_ENOMEM, "out of memory");
			goto out;
		}
		out->n++;
	}

	/* Metadata: an object whose values are strings (the reference
	 * implementation's HashMap<String, String>). */
	if (meta) {
		const char *mk;
		json_t *mv;
		if (!json_is_object(meta)) {
			ret = st_fail(err, what, header_pos(hdr, (size_t)hlen, "__metadata__"),
				      "__metadata__", "\"__metadata__\" is not an object");
			goto out;
		}
		json_object_foreach (meta, mk, mv) {
			if (!json_is_string(mv)) {
				ret = st_fail(err, what, header_pos(hdr, (size_t)hlen, mk),
					      "__metadata__", "metadata '%s' is not a string", mk);
				goto out;
			}
		}
		if (!(out->metadata_json = json_dumps(meta, JSON_COMPACT | JSON_PRESERVE_ORDER))) {
			ret = error_set(err, YJ_ENOMEM, "out of memory");
			goto out;
		}
	}

	/* No two non-empty byte ranges may overlap. */
	order = malloc((out->n ? out->n : 1) * sizeof *order);
	if (!order) {
		ret = error_set(err, YJ_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < out->n; i++)
		order[i] = &out->t[i];
	qsort(order, out->n, sizeof *order, cmp_begin);
	const yj_st_tensor *prev = NULL;
	for (size_t i = 0; i < out->n; i++) {
		const yj_st_tensor *t = order[i];
		if (t->begin == t->end)
			continue;
		if (prev && t->begin < prev->end) {
			ret =
			    st_fail(err, what, (long long)(out->data_start + t->begin), t->name,
				    "tensor '%s' [%zu, %zu) overlaps tensor '%s' [%zu, %zu)",
				    t->name, t->begin, t->end, prev->name, prev->begin, prev->end);
			goto out;
		}
		prev = t;
	}

	/* Valid: keep a copy of the data section. */
	out->owned = malloc(data_len ? data_len : 1);
	if (!out->owned) {
		ret = error_set(err, YJ_ENOMEM, "out of memory");
		goto out;
	}
	memcpy(out->owned, buf + out->data_start, data_len);
	out->data = out->owned;
	out->data_len = data_len;

out:
	free(order);
	json_decref(root);
	if (ret != YJ_OK)
		safetensors_free(out);
	return ret;
}

const yj_st_tensor *safetensors_find(const yj_safetensors *st, const char *name)
{
	for (size_t i = 0; i < st->n; i++)
		if (strcmp(st->t[i].name, name) == 0)
			return &st->t[i];
	return NULL;
}

void safetensors_to_f32(const yj_safetensors *st, const yj_st_tensor *t, float *out)
{
	const unsigned char *p = st->data + t->begin;
	size_t n = safetensors_numel(t);
	switch (t->dtype) {
	case ST_F32:
		for (size_t i = 0; i < n; i++)
			out[i] = bits_to_f32(get_le32(p + 4 * i));
		break;
	case ST_F16:
		for (size_t i = 0; i < n; i++)
			out[i] = f16_to_f32(get_le16(p + 2 * i));
		break;
	case ST_BF16:
		for (size_t i = 0; i < n; i++)
			out[i] = bf16_to_f32(get_le16(p + 2 * i));
		break;
	case ST_I64:
		for (size_t i = 0; i < n; i++)
			out[i] = (float)(int64_t)get_le64(p + 8 * i);
		break;
	case ST_I32:
		for (size_t i = 0; i < n; i++)
			out[i] = (float)(int32_t)get_le32(p + 4 * i);
		break;
	}
}

long long safetensors_nonfinite(const yj_safetensors *st, const yj_st_tensor *t)
{
	const unsigned char *p = st->data + t->begin;
	size_t n = safetensors_numel(t);
	/* An all-ones exponent is an infinity or a NaN. */
	switch (t->dtype) {
	case ST_F32:
		for (size_t i = 0; i < n; i++)
			if ((get_le32(p + 4 * i) & 0x7f800000u) == 0x7f800000u)
				return (long long)i;
		break;
	case ST_F16:
		for (size_t i = 0; i < n; i++)
			if ((get_le16(p + 2 * i) & 0x7c00u) == 0x7c00u)
				return (long long)i;
		break;
	case ST_BF16:
		for (size_t i = 0; i < n; i++)
			if ((get_le16(p + 2 * i) & 0x7f80u) == 0x7f80u)
				return (long long)i;
		break;
	case ST_I64:
	case ST_I32:
		break;
	}
	return -1;
}

/* Two passes: check every parameter (present, float dtype, same shape,
 * finite values)
 * and, unless allow_extra, that nothing else is there; only then convert,
 * so a failed load leaves ps untouched. */
yj_status safetensors_load_params(const yj_safetensors *st, yj_params *ps, int allow_extra,
				  yj_error *err)
{
	const char *what = st->what ? st->what : "safetensors";
	for (size_t i = 0; i < ps->n; i++) {
		const yj_param *p = &ps->v[i];
		const yj_st_tensor *t = safetensors_find(st, p->name);
		if (!t) {
			error_set(err, YJ_EDATA, "%s: tensor '%s' is missing", what, p->name);
			error_at(err, what, -1, -1, p->name);
			error_hint(err, "the weights were saved by a model with another "
					"configuration");
			return YJ_EDATA;
		}
		long long at = (long long)(st->data_start + t->begin);
		if (t->dtype != ST_F32 && t->dtype != ST_F16 && t->dtype != ST_BF16)
			return st_fail(err, what, at, p->name,
				       "tensor '%s' has dtype %s, expected F32, F16 or BF16",
				       p->name, dtype_name(t->dtype));
		int same = t->ndim == p->ndim;
		for (int d = 0; same && d < p->ndim; d++)
			same = t->shape[d] == p->shape[d];
		if (!same) {
			char want[128], got[128];
			size_t wl = 0, gl = 0;
			want[0] = got[0] = '\0';
			for (int d = 0; d < p->ndim && wl < sizeof want; d++)
				wl += (size_t)snprintf(want + wl, sizeof want - wl, "%s%lld",
						       d ? ", " : "", (long long)p->shape[d]);
			for (int d = 0; d < t->ndim && gl < sizeof got; d++)
				gl += (size_t)snprintf(got + gl, sizeof got - gl, "%s%lld",
						       d ? ", " : "", (long long)t->shape[d]);
			error_set(err, YJ_EDATA, "%s: tensor '%s' has shape [%s], expected [%s]",
				  what, p->name, got, want);
			error_at(err, what, -1, at, p->name);
			error_hint(err, "the weights were saved by a model with another "
					"configuration");
			return YJ_EDATA;
		}
		long long bad = safetensors_nonfinite(st, t);
		if (bad >= 0)
			return st_fail(err, what, at, p->name,
				       "tensor '%s' holds a NaN or an infinity (element %lld)", p->name, bad);
	}
	if (!allow_extra) {
		for (size_t i = 0; i < st->n; i++) {
			if (params_find(ps, st->t[i].name) < 0) {
				error_set(err, YJ_EDATA, "%s: unexpected tensor '%s'", what,
					  st->t[i].name);
				error_at(err, what, -1,
					 (long long)(st->data_start + st->t[i].begin),
					 st->t[i].name);
				error_hint(err, "the weights were saved by a model with another "
						"configuration");
				return YJ_EDATA;
			}
		}
	}
	for (size_t i = 0; i < ps->n; i++)
		safetensors_to_f32(st, safetensors_find(st, ps->v[i].name),
				   params_data(ps, (long)i));
	return YJ_OK;
}

/* ------------------------------------------------------------------ writer */

/* The header in the reference layout, then every parameter's values as
 * little-endian F32 in parameter order (which is buffer order, so the
 * data offsets are the parameter offsets times 4). */
int safetensors_write(const yj_params *ps, const char *metadata_json, unsigned char **buf,
		      size_t *len)
{
	int ret = -1;
	char *hdr = NULL;
	json_t *root = json_object();
	*buf = NULL;
	*len = 0;
	if (!root)
		goto out;
	if (!ps->data)
		goto out;
	if (metadata_json) {
		/* An object of strings, as the format requires. */
		json_t *meta = json_loads(metadata_json, 0, NULL);
		int good = json_is_object(meta);
		const char *k;
		json_t *v;
		json_object_foreach (meta, k, v)
			good &= json_is_string(v);
		if (!good) {
			json_decref(meta);
			goto out;
		}
		if (json_object_set_new(root, "__metadata__", meta) != 0)
			goto out;
	}
	for (size_t i = 0; i < ps->n; i++) {
		const yj_param *p = &ps->v[i];
		if (strcmp(p->name, "__metadata__") == 0)
			goto out;
		json_t *shape = json_array();
		int bad = !shape;
		for (int d = 0; !bad && d < p->ndim; d++)
			bad = json_array_append_new(shape, json_integer((json_int_t)p->shape[d]));
		if (bad) {
			json_decref(shape);
			goto out;
		}
		/* "o" hands shape to the entry (released by json_pack on error). */
		json_t *e =
		    json_pack("{s:s, s:o, s:[I,I]}", "dtype", "F32", "shape", shape, "data_offsets",
			      (json_int_t)(p->offset * 4), (json_int_t)((p->offset + p->size) * 4));
		/* set_new releases e and fails when the name is not UTF-8. */
		if (!e || json_object_set_new(root, p->name, e) != 0)
			goto out;
	}
	hdr = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!hdr)
		goto out;

	/* Pad the header with spaces to a multiple of 8, as the reference
	 * writer does, so the data section is 8-byte aligned. */
	size_t hl = strlen(hdr), pad = (8 - hl % 8) % 8;
	size_t total = 8 + hl + pad + ps->total * 4;
	unsigned char *b = malloc(total);
	if (!b)
		goto out;
	put_le64(b, hl + pad);
	memcpy(b + 8, hdr, hl);
	memset(b + 8 + hl, ' ', pad);
	unsigned char *d = b + 8 + hl + pad;
	for (size_t i = 0; i < ps->total; i++) {
		uint32_t u;
		memcpy(&u, &ps->data[i], sizeof u);
		d[4 * i] = (unsigned char)u;
		d[4 * i + 1] = (unsigned char)(u >> 8);
		d[4 * i + 2] = (unsigned char)(u >> 16);
		d[4 * i + 3] = (unsigned char)(u >> 24);
	}
	*buf = b;
	*len = total;
	ret = 0;
out:
	free(hdr);
	json_decref(root);
	return ret;
}
