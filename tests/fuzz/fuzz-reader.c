/*
 * fuzz-reader.c - libFuzzer target: the CSV/TSV/JSON-lines reader
 * (src/data/reader.c) on any bytes.  The first byte picks the format and
 * the encoding (UTF-8, GB18030); the rest is the file, read from a memfd
 * through its /proc path, as `yujing import` reads a file.  Every record is
 * walked; an error is fine, a crash, a hang, a leak or a sanitizer report
 * is not.
 */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "yujing/data/reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	static const yj_format formats[] = {FORMAT_CSV, FORMAT_TSV, FORMAT_JSONL};
	yj_reader_opts o = {.format = formats[data[0] % 3], .encoding = (data[0] & 4) ? "gb18030" : NULL};
	int fd = memfd_create("fuzz", 0);
	if (fd < 0 || write(fd, data + 1, size - 1) != (ssize_t)(size - 1) || lseek(fd, 0, SEEK_SET) != 0)
		return 0;
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	yj_reader *r = NULL;
	yj_error err;
	if (reader_open(path, &o, &r, &err) == YJ_OK) {
		const yj_cell *cells;
		size_t n;
		long line;
		while (reader_next(r, &cells, &n, &line, &err) == 1)
			for (size_t i = 0; i < n; i++)
				if (!cells[i].is_null && cells[i].s[cells[i].len] != '\0')
					__builtin_trap(); /* cells are NUL-terminated */
		for (size_t i = 0; i < reader_nfields(r); i++)
			(void)reader_field_name(r, i);
		reader_close(r);
	}
	close(fd);
	return 0;
}
