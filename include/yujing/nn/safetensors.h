/*
 * safetensors.h - read and write the safetensors format
 * (https://huggingface.co/docs/safetensors): an 8-byte little-endian header
 * length, a JSON header {name: {dtype, shape, data_offsets: [begin, end]},
 * "__metadata__": {str: str}}, then the raw little-endian tensor bytes.
 *
 * The reader validates before it trusts: header length bound, well-formed
 * JSON, known dtypes, shape x dtype size equal to the byte range, ranges
 * inside the file and not overlapping, no integer overflow.  A malformed
 * file is an error naming the tensor and the offset, never a crash.
 */
#ifndef YUJING_NN_SAFETENSORS_H
#define YUJING_NN_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "yujing/base/error.h"
#include "yujing/nn/params.h"

typedef enum { ST_F32, ST_F16, ST_BF16, ST_I64, ST_I32 } yj_st_dtype;

typedef struct yj_st_tensor {
	char *name;
	yj_st_dtype dtype;
	int ndim;
	int64_t shape[8];
	size_t begin, end; /* byte range in the data section */
} yj_st_tensor;

typedef struct yj_safetensors {
	const unsigned char *data; /* the data section (borrowed or owned) */
	size_t data_len;
	yj_st_tensor *t;
	size_t n;
	char *metadata_json;       /* "__metadata__" as JSON text, or NULL */
	unsigned char *owned;      /* the copy of the data section data points into */
	char *what;                /* the source named in errors (owned copy) */
	size_t data_start;         /* file offset of the data section: 8 + header length */
} yj_safetensors;

/* Parse a safetensors image of len bytes (copied).  `what` names the
 * source in errors (a file name, or "run 3 weights"). */
yj_status safetensors_parse(const unsigned char *buf, size_t len, const char *what,
			    yj_safetensors *out, yj_error *err);
void safetensors_free(yj_safetensors *st);
const yj_st_tensor *safetensors_find(const yj_safetensors *st, const char *name);
/* Number of elements of a tensor (the product of its shape). */
size_t safetensors_numel(const yj_st_tensor *t);
/* Convert a tensor to float32 into out (numel floats).  The float dtypes
 * convert exactly; I64/I32 are cast (large values round). */
void safetensors_to_f32(const yj_safetensors *st, const yj_st_tensor *t, float *out);

/* Index of the first NaN or infinite element of a float tensor (read from
 * the raw bits, nothing converted), -1 when all are finite or the tensor
 * holds integers. */
long long safetensors_nonfinite(const yj_safetensors *st, const yj_st_tensor *t);

/* Serialise the values of every parameter (F32) with optional metadata
 * (a JSON object of strings, may be NULL).  *buf is malloc'd. */
int safetensors_write(const yj_params *ps, const char *metadata_json, unsigned char **buf,
		      size_t *len);

/* Load values into ps by name: every parameter must be present with the
 * same shape and finite values (else an error naming it); extra tensors are ignored when
 * allow_extra. */
yj_status safetensors_load_params(const yj_safetensors *st, yj_params *ps, int allow_extra,
				  yj_error *err);

#endif
