/*
 * fuzz-project.c - libFuzzer target: the project opener
 * (src/store/project.c, sources.c) on mutated project files.  The input
 * is an SQLite file image (the corpus: small projects made by yujing,
 * tests/fuzz/corpus/project); it is written to a file, opened read-only
 * and then for writing, and its catalogue listed (the validation of every
 * identifier in it).  A file refused as not a project, or as a project
 * whose schema or catalogue yujing did not make, must be left byte for
 * byte as it was.
 */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "yujing/store/project.h"
#include "yujing/store/sources.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/yj-fuzz-project-XXXXXX";
static char path[128];

static void put(const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f))
		abort();
}

static int same(const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	int ok = 1;
	for (size_t i = 0; ok && i < size; i++)
		ok = fgetc(f) == data[i];
	ok = ok && fgetc(f) == EOF;
	fclose(f);
	return ok;
}

static void clean(void)
{
	static const char *const ext[] = {"", "-wal", "-shm", "-journal"};
	char p[160];
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof p, "%s%s", path, ext[i]);
		unlink(p);
	}
}

static void list(yj_project *p)
{
	yj_source_info *v = NULL;
	size_t n = 0;
	yj_error err;
	if (sources_list(p, &v, &n, &err) == YJ_OK)
		sources_list_free(v, n);
}

static void remove_dir(void)
{
	clean();
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!path[0]) {
		if (!mkdtemp(dir))
			abort();
		snprintf(path, sizeof path, "%s/p.yj", dir);
		atexit(remove_dir);
	}
	for (int readonly = 1; readonly >= 0; readonly--) {
		clean();
		put(data, size);
		yj_project *p = NULL;
		yj_error err;
		yj_status st = (readonly ? project_open_readonly : project_open)(path, &p, &err);
		if (st == YJ_OK) {
			list(p);
			project_close(p);
		} else if ((st == YJ_ENOTPROJECT || st == YJ_EVERSION) && !same(data, size)) {
			__builtin_trap(); /* a refused file was changed */
		}
	}
	clean();
	return 0;
}
