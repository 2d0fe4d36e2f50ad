/*
 * test-safetensors.c - parameter buffers and the safetensors reader/writer.
 *
 *   params       layout, names, limits
 *   round trip   params -> safetensors_write -> safetensors_parse -> load
 *   layout       the header bytes are exactly the reference writer's
 *   dtypes       hand-made F16, BF16, I64, I32 tensors with known values
 *   malformed    every broken file is an error naming the tensor and the
 *                byte offset, never a crash (run it under ASan + UBSan)
 *   fuzz         1000 seeded random byte flips of a valid file: every parse
 *                either succeeds (and the tensors read in bounds) or fails
 *                with a message
 */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "yujing/base/rng.h"
#include "yujing/nn/params.h"
#include "yujing/nn/safetensors.h"

/* ------------------------------------------------------------------ params */

static void test_params(void)
{
	yj_params ps;
	params_init(&ps);
	is_int(params_add(&ps, "fc.weight", 2, (int64_t[]){3, 4}, 1, 1), 0, "first tensor is 0");
	is_int(params_add(&ps, "fc.bias", 1, (int64_t[]){3}, 0, 1), 1, "second tensor is 1");
	is_int(params_add(&ps, "scale", 0, NULL, 0, 1), 2, "a scalar (ndim 0)");
	is_int(params_add(&ps, "fc.bias", 1, (int64_t[]){5}, 0, 1), -1, "a taken name is refused");
	is_int(params_add(&ps, "neg", 1, (int64_t[]){-1}, 0, 1), -1, "a negative dimension");
	is_int(params_add(&ps, "big", 5, (int64_t[]){1, 1, 1, 1, 1}, 0, 1), -1,
	       "more than PARAM_MAXDIM dimensions");
	is_int(params_add(&ps, "huge", 3, (int64_t[]){1LL << 40, 1LL << 40, 1LL << 40}, 0, 1), -1,
	       "a size that overflows");
	/* 2^62 floats fit a size_t, their 2^64 bytes do not */
	is_int(params_add(&ps, "huge4", 1, (int64_t[]){1LL << 62}, 0, 1), -1, "a size whose bytes overflow");
	char longname[PARAM_NAME_MAX + 1];
	memset(longname, 'x', PARAM_NAME_MAX);
	longname[PARAM_NAME_MAX] = '\0';
	is_int(params_add(&ps, longname, 1, (int64_t[]){1}, 0, 1), -1, "a name too long");
	is_int(params_add(&ps, "", 1, (int64_t[]){1}, 0, 1), -1, "an empty name");
	is_int(params_add(&ps, "bn.running_mean", 1, (int64_t[]){2}, 0, 0), 3, "a buffer");
	is_int(ps.total, 12 + 3 + 1 + 2, "total counts every float");
	ok(ps.v[1].offset == 12 && ps.v[2].offset == 15 && ps.v[3].offset == 16,
	   "tensors are laid out back to back");
	ok(ps.v[0].decay && !ps.v[1].decay && !ps.v[3].trainable, "decay and trainable flags");
	is_int(params_find(&ps, "fc.bias"), 1, "params_find");
	is_int(params_find(&ps, "nope"), -1, "params_find of an unknown name");
	ok(params_alloc(&ps) == 0, "params_alloc");
	int zero = 1;
	for (size_t i = 0; i < ps.total; i++)
		zero &= ps.data[i] == 0 && ps.grad[i] == 0 && ps.m[i] == 0 && ps.v2[i] == 0;
	ok(zero, "the four buffers start zeroed");
	ok(params_data(&ps, 1) == ps.data + 12 && params_grad(&ps, 1) == ps.grad + 12,
	   "params_data/params_grad views");
	is_int(params_add(&ps, "late", 1, (int64_t[]){1}, 0, 1), -1, "no tensor after alloc");
	for (size_t i = 0; i < ps.total; i++)
		ps.grad[i] = 1.0f;
	params_zero_grad(&ps);
	ok(ps.grad[0] == 0 && ps.grad[ps.total - 1] == 0, "params_zero_grad");
	params_free(&ps);
	ok(ps.n == 0 && ps.data == NULL, "params_free resets");
	params_free(&ps); /* twice is harmless */
}

/* -------------------------------------------------------------- round trip */

/* A small model: a matrix, a vector, a scalar, an empty tensor and a
 * buffer, with values that are not all representable in half precision. */
static void make_model(yj_params *ps, int fill)
{
	params_init(ps);
	params_add(ps, "encoder.layer.0.weight", 2, (int64_t[]){3, 5}, 1, 1);
	params_add(ps, "encoder.layer.0.bias", 1, (int64_t[]){3}, 0, 1);
	params_add(ps, "temperature", 0, NULL, 0, 1);
	params_add(ps, "empty", 2, (int64_t[]){0, 4}, 0, 1);
	params_add(ps, "bn.running_var", 1, (int64_t[]){3}, 0, 0);
	params_alloc(ps);
	if (fill)
		for (size_t i = 0; i < ps->total; i++)
			ps->data[i] =
			    (float)(i + 1) * 0.1f * (i % 2 ? -1.0f : 1.0f) + 1e-7f * (float)i;
}

static void test_roundtrip(unsigned char **file, size_t *file_len)
{
	yj_params ps, back;
	make_model(&ps, 1);
	unsigned char *buf;
	size_t len;
	const char *meta = "{\"format\":\"pt\",\"yujing.run\":\"3\"}";
	ok(safetensors_write(&ps, meta, &buf, &len) == 0, "safetensors_write");
	uint64_t hl = 0;
	for (int i = 7; i >= 0; i--)
		hl = hl << 8 | buf[i];
	ok(hl % 8 == 0 && hl + 8 + ps.total * 4 == len,
	   "header padded to 8 bytes (%llu), sizes add up", (unsigned long long)hl);
	ok(buf[8] == '{' && buf[8 + hl - 1] != '\0', "header is JSON text");

	yj_safetensors st;
	yj_error err;
	error_clear(&err);
	yj_status s = safetensors_parse(buf, len, "model.safetensors", &st, &err);
	is_int(s, YJ_OK, "parse what we wrote (%s)", err.msg);
	is_int(st.n, 5, "five tensors");
	is_str(st.metadata_json, meta, "metadata kept");
	const yj_st_tensor *t = safetensors_find(&st, "encoder.layer.0.weight");
	ok(t && t->dtype == ST_F32 && t->ndim == 2 && t->shape[0] == 3 && t->shape[1] == 5,
	   "dtype and shape");
	t = safetensors_find(&st, "temperature");
	ok(t && t->ndim == 0 && safetensors_numel(t) == 1, "a scalar has shape [] and one element");
	t = safetensors_find(&st, "empty");
	ok(t && t->begin == t->end && safetensors_numel(t) == 0, "an empty tensor");
	ok(safetensors_find(&st, "nope") == NULL, "find an unknown name");

	make_model(&back, 0);
	s = safetensors_load_params(&st, &back, 0, &err);
	is_int(s, YJ_OK, "load into the same layout (%s)", err.msg);
	ok(memcmp(back.data, ps.data, ps.total * 4) == 0, "values round-trip bit for bit");
	params_free(&back);

	/* Loading checks names and shapes, and leaves ps untouched on error. */
	params_init(&back);
	params_add(&back, "encoder.layer.0.weight", 2, (int64_t[]){5, 3}, 1, 1);
	params_alloc(&back);
	back.data[0] = 42.0f;
	error_clear(&err);
	s = safetensors_load_params(&st, &back, 1, &err);
	ok(s == YJ_EDATA && strstr(err.msg, "encoder.layer.0.weight") &&
	       strstr(err.msg, "[3, 5]") && strstr(err.msg, "[5, 3]") &&
	       strcmp(err.field, "encoder.layer.0.weight") == 0 && back.data[0] == 42.0f,
	   "a shape mismatch names the tensor and both shapes: %s", err.msg);
	params_free(&back);

	params_init(&back);
	params_add(&back, "encoder.layer.0.bias", 1, (int64_t[]){3}, 0, 1);
	params_add(&back, "pooler.dense.weight", 2, (int64_t[]){2, 2}, 1, 1);
	params_alloc(&back);
	error_clear(&err);
	s = safetensors_load_params(&st, &back, 1, &err);
	ok(s == YJ_EDATA && strstr(err.msg, "pooler.dense.weight") && strstr(err.msg, "missing") &&
	       back.data[0] == 0.0f,
	   "a missing tensor is named, nothing loaded: %s", err.msg);
	params_free(&back);

	params_init(&back);
	params_add(&back, "encoder.layer.0.bias", 1, (int64_t[]){3}, 0, 1);
	params_alloc(&back);
	error_clear(&err);
	s = safetensors_load_params(&st, &back, 0, &err);
	ok(s == YJ_EDATA && strstr(err.msg, "unexpected tensor"),
	   "extra tensors refused unless allowed: %s", err.msg);
	s = safetensors_load_params(&st, &back, 1, &err);
	ok(s == YJ_OK && back.data[2] == ps.data[ps.v[1].offset + 2], "extra tensors allowed");
	params_free(&back);
	safetensors_free(&st);
	ok(st.t == NULL && st.n == 0, "safetensors_free resets");

	/* Metadata must be an object of strings. */
	unsigned char *b2;
	size_t l2;
	ok(safetensors_write(&ps, "[1]", &b2, &l2) == -1 && b2 == NULL, "metadata not an object");
	ok(safetensors_write(&ps, "{\"epoch\":3}", &b2, &l2) == -1, "metadata value not a string");
	ok(safetensors_write(&ps, NULL, &b2, &l2) == 0, "no metadata");
	ok(memmem(b2, l2, "__metadata__", 12) == NULL, "no __metadata__ key without metadata");
	free(b2);
	params_free(&ps);
	*file = buf;
	*file_len = len;
}

/* The exact bytes the reference writer produces for two tensors already
 * in name order: {"__metadata__":{...},"name":{"dtype","shape",
 * "data_offsets"},...} without spaces, padded with spaces to a multiple of
 * 8, then the little-endian values. */
static void test_layout(void)
{
	yj_params ps;
	params_init(&ps);
	params_add(&ps, "a", 1, (int64_t[]){2}, 0, 1);
	params_add(&ps, "b", 2, (int64_t[]){1, 1}, 0, 1);
	params_alloc(&ps);
	ps.data[0] = 1.0f, ps.data[1] = -2.0f, ps.data[2] = 0.5f;
	unsigned char *buf;
	size_t len;
	ok(safetensors_write(&ps, "{\"format\":\"pt\"}", &buf, &len) == 0, "write a tiny model");
	const char *want = "{\"__metadata__\":{\"format\":\"pt\"},"
			   "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
			   "\"b\":{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[8,12]}}";
	size_t wl = strlen(want), pad = (8 - wl % 8) % 8;
	static const unsigned char data[12] = {0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0, 0, 0, 0, 0x3f};
	int same = len == 8 + wl + pad + 12 && buf[0] == wl + pad && buf[1] == 0 &&
		   memcmp(buf + 8, want, wl) == 0 && memcmp(buf + 8 + wl + pad, data, 12) == 0;
	for (size_t i = 0; same && i < pad; i++)
		same = buf[8 + wl + i] == ' ';
	ok(same, "bytes match the reference layout (header %zu + %zu spaces)", wl, pad);
	free(buf);
	params_free(&ps);
}

/* ----------------------------------------------------------- crafted files */

/* A file from a header text and data bytes, with header length hl
 * (TEXT_LEN: the text's own length). */
#define TEXT_LEN 0
static unsigned char *craft(const char *hdr, uint64_t hl, const void *data, size_t dlen,
			    size_t *len)
{
	size_t tl = strlen(hdr);
	if (hl == TEXT_LEN)
		hl = tl;
	*len = 8 + tl + dlen;
	unsigned char *b = malloc(*len);
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(hl >> (8 * i));
	memcpy(b + 8, hdr, tl);
	if (dlen)
		memcpy(b + 8 + tl, data, dlen);
	return b;
}

static void test_dtypes(void)
{
	/* F16: 1.0, -2.5, 65504 (the largest half), 2^-24 (the smallest
	 * subnormal), -0, +inf, 0.33325195 (0x3555).  Little-endian. */
	static const uint16_t f16[7] = {0x3C00, 0xC100, 0x7BFF, 0x0001, 0x8000, 0x7C00, 0x3555};
	/* BF16: 1.0, -2.5, 3.140625, 3.3895314e38 (the largest), 2^-133
	 * (a subnormal). */
	static const uint16_t bf16[5] = {0x3F80, 0xC020, 0x4049, 0x7F7F, 0x0001};
	static const int64_t i64[3] = {-3, 1LL << 40, 0};
	static const int32_t i32[2] = {7, -8};
	unsigned char data[14 + 10 + 24 + 8];
	size_t o = 0;
	for (int i = 0; i < 7; i++, o += 2)
		data[o] = f16[i] & 0xff, data[o + 1] = (unsigned char)(f16[i] >> 8);
	for (int i = 0; i < 5; i++, o += 2)
		data[o] = bf16[i] & 0xff, data[o + 1] = (unsigned char)(bf16[i] >> 8);
	for (int i = 0; i < 3; i++)
		for (int k = 0; k < 8; k++)
			data[o++] = (unsigned char)((uint64_t)i64[i] >> (8 * k));
	for (int i = 0; i < 2; i++)
		for (int k = 0; k < 4; k++)
			data[o++] = (unsigned char)((uint32_t)i32[i] >> (8 * k));

	const char *hdr = "{\"h\":{\"dtype\":\"F16\",\"shape\":[7],\"data_offsets\":[0,14]},"
			  "\"bf\":{\"dtype\":\"BF16\",\"shape\":[5],\"data_offsets\":[14,24]},"
			  "\"l\":{\"dtype\":\"I64\",\"shape\":[3,1],\"data_offsets\":[24,48]},"
			  "\"i\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[48,56]}}";
	size_t len;
	unsigned char *buf = craft(hdr, TEXT_LEN, data, sizeof data, &len);
	yj_safetensors st;
	yj_error err;
	error_clear(&err);
	yj_status s = safetensors_parse(buf, len, "crafted", &st, &err);
	is_int(s, YJ_OK, "parse hand-made F16/BF16/I64/I32 (%s)", err.msg);
	float v[7];
	const yj_st_tensor *t = safetensors_find(&st, "h");
	if (t) {
		safetensors_to_f32(&st, t, v);
		ok(v[0] == 1.0f && v[1] == -2.5f && v[2] == 65504.0f && v[3] == 0x1p-24f &&
		       v[4] == 0.0f && signbit(v[4]) && isinf(v[5]) && v[5] > 0 &&
		       v[6] == 0.33325195f,
		   "F16 -> f32: 1, -2.5, 65504, 2^-24, -0, inf, 0.33325195");
	}
	t = safetensors_find(&st, "bf");
	if (t) {
		safetensors_to_f32(&st, t, v);
		ok(v[0] == 1.0f && v[1] == -2.5f && v[2] == 3.140625f && v[3] == 3.3895314e38f &&
		       v[4] == 0x1p-133f,
		   "BF16 -> f32: 1, -2.5, 3.140625, 3.3895314e38, 2^-133");
	}
	t = safetensors_find(&st, "l");
	if (t) {
		safetensors_to_f32(&st, t, v);
		ok(t->ndim == 2 && v[0] == -3.0f && v[1] == 0x1p40f && v[2] == 0.0f,
		   "I64 -> f32: -3, 2^40, 0");
	}
	t = safetensors_find(&st, "i");
	if (t) {
		safetensors_to_f32(&st, t, v);
		ok(v[0] == 7.0f && v[1] == -8.0f, "I32 -> f32: 7, -8");
	}

	/* Half-precision tensors load into float parameters, unless a value is
	 * not finite (h[5] is +inf: issue 15); integers do not. */
	yj_params ps;
	params_init(&ps);
	params_add(&ps, "bf", 1, (int64_t[]){5}, 0, 1);
	params_alloc(&ps);
	ok(safetensors_load_params(&st, &ps, 1, &err) == YJ_OK && ps.data[2] == 3.140625f,
	   "a BF16 tensor loads into a float parameter");
	params_free(&ps);
	params_init(&ps);
	params_add(&ps, "h", 1, (int64_t[]){7}, 0, 1);
	params_alloc(&ps);
	ok(safetensors_load_params(&st, &ps, 1, &err) == YJ_EDATA &&
		   strstr(err.msg, "tensor 'h' holds a NaN or an infinity (element 5)") && ps.data[0] == 0.0f,
	   "an F16 tensor holding +inf is refused, nothing loaded: %s", err.msg);
	params_free(&ps);
	params_init(&ps);
	params_add(&ps, "i", 1, (int64_t[]){2}, 0, 1);
	params_alloc(&ps);
	ok(safetensors_load_params(&st, &ps, 1, &err) == YJ_EDATA && strstr(err.msg, "I32"),
	   "an I32 tensor is not a float parameter: %s", err.msg);
	params_free(&ps);
	safetensors_free(&st);
	free(buf);
}

/* Parse a crafted file that must fail: YJ_EDATA, the out struct left
 * empty, the message containing `needle` (the tensor name or the
 * problem), err.field = tensor (when given) and an offset. */
static void expect_bad(const char *what, const unsigned char *buf, size_t len, const char *needle,
		       const char *tensor, long long offset)
{
	yj_safetensors st;
	yj_error err;
	error_clear(&err);
	yj_status s = safetensors_parse(buf, len, "bad.safetensors", &st, &err);
	int good = s == YJ_EDATA && st.t == NULL && st.owned == NULL && st.n == 0 &&
		   strstr(err.msg, needle) && strstr(err.msg, "bad.safetensors") &&
		   strcmp(err.file, "bad.safetensors") == 0 && err.offset >= 0;
	if (tensor)
		good = good && strcmp(err.field, tensor) == 0;
	if (offset >= 0)
		good = good && err.offset == offset;
	ok(good, "%s: %s", what, err.msg);
	if (!good)
		printf("#   status %d, field '%s', offset %lld\n", (int)s, err.field, err.offset);
	safetensors_free(&st);
}

/* Offsets at or above DATA + k mean byte k of the data section. */
#define DATA (1LL << 40)
static void bad_header(const char *what, const char *hdr, size_t dlen, const char *needle,
		       const char *tensor, long long offset)
{
	unsigned char zeros[64] = {0};
	size_t len;
	unsigned char *b = craft(hdr, TEXT_LEN, zeros, dlen, &len);
	if (offset >= DATA)
		offset = offset - DATA + 8 + (long long)strlen(hdr);
	expect_bad(what, b, len, needle, tensor, offset);
	free(b);
}

static void test_malformed(void)
{
	size_t len;
	unsigned char *b;
	const char *ok_hdr = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
	size_t ok_len = strlen(ok_hdr);

	expect_bad("shorter than the length field", (const unsigned char *)"\x10\0\0", 3,
		   "too short", NULL, 0);

	b = craft(ok_hdr, ok_len + 100, NULL, 0, &len);
	expect_bad("header length larger than the file", b, len, "larger than", NULL, 0);
	free(b);

	b = craft(ok_hdr, 200ull * 1000 * 1000, NULL, 0, &len);
	expect_bad("header length above 100 MB", b, len, "limit", NULL, 0);
	free(b);

	/* exactly the limit is allowed: it is the bytes after it that are missing */
	b = craft(ok_hdr, 100ull * 1000 * 1000, NULL, 0, &len);
	expect_bad("header length exactly 100 MB, file short", b, len, "larger than", NULL, 0);
	free(b);

	b = craft(ok_hdr, UINT64_MAX, NULL, 0, &len); /* 2^64 - 1 */
	expect_bad("header length 2^64-1", b, len, "limit", NULL, 0);
	free(b);

	/* The length is honest but the JSON stops half-way. */
	b = craft("{\"w\":{\"dtype\":\"F32\",\"sha", TEXT_LEN, NULL, 0, &len);
	expect_bad("truncated header", b, len, "invalid JSON", NULL, -1);
	free(b);

	/* jansson reports where it noticed: after the bad token. */
	bad_header("invalid JSON", "{\"w\": nope}", 0, "invalid JSON", NULL, 8 + 10);
	bad_header("not an object", "[1, 2]", 0, "start with '{'", NULL, 8);
	/* A NUL byte inside the header (strlen would stop there: raw bytes). */
	static const unsigned char nul[8 + 8] = {8,   0,   0,	0,   0, 0,   0,	  0,
						 '{', '"', 'w', '"', 0, ':', '1', '}'};
	expect_bad("NUL inside the header", nul, sizeof nul, "invalid JSON", NULL, -1);
	static const unsigned char zero_len[8] = {0};
	expect_bad("header length 0", zero_len, 8, "start with '{'", NULL, 8);
	bad_header("duplicate key",
		   "{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},"
		   "\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}",
		   0, "duplicate", NULL, -1);
	bad_header("entry not an object", "{\"w\":3}", 0, "'w'", "w", 9);
	bad_header("unknown dtype",
		   "{\"w\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8,
		   "unsupported dtype 'F64'", "w", 9);
	bad_header("dtype not a string",
		   "{\"w\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "dtype", "w",
		   9);
	bad_header("shape x dtype != byte range",
		   "{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8,
		   "3 F32 elements need 12 bytes", "x", DATA + 0);
	bad_header("F16 byte count (2 per element)",
		   "{\"x\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[0,16]}}", 16,
		   "4 F16 elements need 8 bytes", "x", DATA + 0);
	bad_header("range outside the data",
		   "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 8,
		   "outside", "x", DATA + 4);
	bad_header("range far outside the data",
		   "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":"
		   "[9223372036854775800,9223372036854775807]}}",
		   8, "outside", "x", 9);
	bad_header("range backwards",
		   "{\"x\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}}", 8,
		   "backwards", "x", -1);
	bad_header("negative offset",
		   "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", 8,
		   "non-negative", "x", -1);
	bad_header("offsets not a pair",
		   "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 8,
		   "data_offsets", "x", -1);
	bad_header("missing data_offsets", "{\"x\":{\"dtype\":\"F32\",\"shape\":[1]}}", 8,
		   "data_offsets", "x", -1);
	bad_header("overlapping ranges",
		   "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
		   "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
		   16, "overlaps", "b", DATA + 4);
	/* b lies inside a and ends first: ordered by where they begin, it is b
	 * (the later one) that is named, at its own first byte */
	bad_header("a range inside another",
		   "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
		   "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
		   16, "overlaps tensor 'a'", "b", DATA + 4);
	bad_header("identical ranges",
		   "{\"a\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[0,4]},"
		   "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
		   8, "overlaps", NULL, -1);
	bad_header("shape product overflows",
		   "{\"x\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,16],"
		   "\"data_offsets\":[0,8]}}",
		   8, "overflows", "x", -1);
	bad_header("shape x dtype size overflows",
		   "{\"x\":{\"dtype\":\"I64\",\"shape\":[2305843009213693952],"
		   "\"data_offsets\":[0,8]}}",
		   8, "overflows", "x", -1);
	bad_header("negative dimension",
		   "{\"x\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8,
		   "shape[0]", "x", -1);
	bad_header("fractional dimension",
		   "{\"x\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", 8,
		   "shape[0]", "x", -1);
	bad_header("nine dimensions",
		   "{\"x\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,2],\"data_offsets\":[0,8]}"
		   "}",
		   8, "9 dimensions", "x", -1);
	bad_header("metadata value not a string", "{\"__metadata__\":{\"epoch\":3}}", 0, "epoch",
		   "__metadata__", -1);
	bad_header("metadata not an object", "{\"__metadata__\":[]}", 0, "__metadata__",
		   "__metadata__", -1);
	/* Valid UTF-8 is required (jansson checks it). */
	bad_header("invalid UTF-8 name",
		   "{\"\xff\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}", 0,
		   "invalid JSON", NULL, -1);

	/* Edge cases that are valid: header padded with spaces, unused
	 * trailing data, a gap between tensors, and an empty header. */
	unsigned char zeros[16] = {0};
	yj_safetensors st;
	yj_error err;
	b = craft("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}    ", TEXT_LEN,
		  zeros, 16, &len);
	ok(safetensors_parse(b, len, "ok", &st, &err) == YJ_OK && st.n == 1 && st.data_len == 16,
	   "trailing spaces, gaps and unused data are accepted");
	safetensors_free(&st);
	free(b);
	b = craft("{}", TEXT_LEN, NULL, 0, &len);
	ok(safetensors_parse(b, len, "ok", &st, &err) == YJ_OK && st.n == 0 &&
	       st.metadata_json == NULL,
	   "an empty header is an empty file");
	safetensors_free(&st);
	free(b);
}

/* ------------------------------------------------------------------- fuzz */

static void test_fuzz(const unsigned char *file, size_t len)
{
	yj_rng r;
	rng_seed(&r, 1234);
	unsigned char *b = malloc(len);
	uint64_t hl = 0;
	for (int i = 7; i >= 0; i--)
		hl = hl << 8 | file[i];
	int parsed = 0, refused = 0, silent = 0;
	for (int iter = 0; iter < 1000; iter++) {
		memcpy(b, file, len);
		/* 1-4 flips; most land in the length field and the header,
		 * where the validation lives. */
		int flips = 1 + (int)rng_below(&r, 4);
		for (int f = 0; f < flips; f++) {
			size_t span = rng_below(&r, 4) ? 8 + hl : len;
			size_t at = rng_below(&r, span);
			b[at] ^= (unsigned char)(1 + rng_below(&r, 255));
		}
		/* Sometimes also cut the file short. */
		size_t l = rng_below(&r, 10) == 0 ? rng_below(&r, len + 1) : len;
		yj_safetensors st;
		yj_error err;
		error_clear(&err);
		if (safetensors_parse(b, l, "fuzz", &st, &err) == YJ_OK) {
			/* Whatever was accepted must read in bounds. */
			for (size_t i = 0; i < st.n; i++) {
				size_t n = safetensors_numel(&st.t[i]);
				float *v = malloc((n ? n : 1) * sizeof *v);
				safetensors_to_f32(&st, &st.t[i], v);
				free(v);
			}
			parsed++;
		} else {
			refused++;
			silent += err.msg[0] == '\0';
		}
		safetensors_free(&st);
	}
	ok(parsed + refused == 1000 && silent == 0,
	   "1000 corrupted files: %d parsed, %d refused with a message, no crash", parsed, refused);
	ok(refused > 500, "most corruptions are caught (%d)", refused);
	free(b);
}

int main(void)
{
	unsigned char *file;
	size_t len;
	test_params();
	test_roundtrip(&file, &len);
	test_layout();
	test_dtypes();
	test_malformed();
	test_fuzz(file, len);
	free(file);
	return tap_done();
}
