/*
 * fuzz-safetensors.c - libFuzzer target: the safetensors parser
 * (src/nn/safetensors.c) on any bytes.  A file that parses has every
 * float tensor scanned for NaN/Inf and converted to float32 (the reader
 * promised the byte ranges are inside the data), and is loaded into a
 * parameter set declared from its own tensors, as a run's weights are.
 */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>

#include "yujing/nn/params.h"
#include "yujing/nn/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	yj_safetensors st;
	yj_error err;
	if (safetensors_parse(data, size, "fuzz", &st, &err) != YJ_OK)
		return 0;
	yj_params ps;
	params_init(&ps);
	int declared = 1;
	for (size_t i = 0; i < st.n; i++) {
		const yj_st_tensor *t = &st.t[i];
		size_t n = safetensors_numel(t);
		if (n > (1u << 20))
			continue; /* the bytes are in the input: bounded anyway */
		(void)safetensors_nonfinite(&st, t);
		float *out = malloc((n ? n : 1) * sizeof *out);
		if (out)
			safetensors_to_f32(&st, t, out);
		free(out);
		if (t->ndim >= 1 && t->ndim <= 4 && params_add(&ps, t->name, t->ndim, t->shape, 0, 0) < 0)
			declared = 0;
	}
	if (declared && ps.total <= (1u << 20) && params_alloc(&ps) == 0)
		(void)safetensors_load_params(&st, &ps, 1, &err);
	params_free(&ps);
	safetensors_free(&st);
	return 0;
}
