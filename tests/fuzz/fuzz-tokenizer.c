/*
 * fuzz-tokenizer.c - libFuzzer target: BERT basic tokenization and
 * WordPiece (src/text/tokenizer.c) on any bytes (invalid UTF-8 included),
 * with a small fixed vocabulary of specials, ASCII words, ## pieces and
 * CJK characters.  The first byte sets max_len (0: no limit) and the
 * specials; the ids must be vocabulary rows and, with a limit, at most
 * max_len of them ([CLS] and [SEP] always, so at least 2 with specials).
 */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "yujing/text/tokenizer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char vocab_txt[] = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\nun\n##aff\n##able\n"
				"a\n##b\n##c\n盗\n窃\n电\n动\n车\n,\n.\n!\né\n##s\n1\n##2\n";
static yj_vocab vocab;
static int loaded;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!loaded) {
		int fd = memfd_create("vocab", 0);
		char path[64];
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		yj_error err;
		if (fd < 0 || write(fd, vocab_txt, strlen(vocab_txt)) != (ssize_t)strlen(vocab_txt) ||
		    vocab_load(path, &vocab, &err) != YJ_OK)
			abort();
		close(fd);
		loaded = 1;
	}
	if (size < 1)
		return 0;
	int max_len = data[0] % 64;
	int32_t *ids = NULL;
	size_t n = 0;
	if (tokenizer_encode(&vocab, (const char *)data + 1, size - 1, data[0] & 64, max_len, &ids, &n) == 0) {
		size_t most = (data[0] & 64) && max_len < 2 ? 2 : (size_t)max_len;
		if (max_len > 0 && n > most)
			__builtin_trap();
		for (size_t i = 0; i < n; i++)
			if (ids[i] < 0 || (size_t)ids[i] >= vocab.n)
				__builtin_trap();
	}
	free(ids);
	return 0;
}
