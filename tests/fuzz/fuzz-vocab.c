/*
 * fuzz-vocab.c - libFuzzer target: the vocabulary loader
 * (src/text/tokenizer.c, vocab_load) on any bytes as vocab.txt, then the
 * tokenizer over the same bytes with the vocabulary they made.
 */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "yujing/text/tokenizer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("vocab", 0);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		return 0;
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	yj_vocab v;
	yj_error err;
	if (vocab_load(path, &v, &err) == YJ_OK) {
		int32_t *ids = NULL;
		size_t n = 0;
		if (tokenizer_encode(&v, (const char *)data, size, 1, 0, &ids, &n) == 0)
			for (size_t i = 0; i < n; i++)
				if (ids[i] < 0)
					__builtin_trap(); /* ids are vocabulary rows */
		free(ids);
		vocab_free(&v);
	}
	close(fd);
	return 0;
}
