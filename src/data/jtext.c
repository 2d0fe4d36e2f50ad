/*
 * jtext.c - JSON text that an allocation failure cannot corrupt (see
 * jtext.h).
 */
#include <config.h>

#include <stdlib.h>

#include "yujing/data/jtext.h"

char *jtext_dump(const json_t *j, size_t flags)
{
	if (!j)
		return NULL;
	/* json_dumpb writes through a callback that only copies (or counts):
	 * the allocations left (sorting keys, the cycle check) fail cleanly */
	size_t n = json_dumpb(j, NULL, 0, flags);
	char *buf = n ? malloc(n + 1) : NULL;
	if (!buf)
		return NULL;
	if (json_dumpb(j, buf, n, flags) != n) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

/* jansson's allocations, watched: its parser can lose an object's key and
 * its printer a closing quote when an allocation fails, and still
 * succeed, so a failure anywhere in jansson is remembered here and the
 * command fails at its end (src/cli/main.c) instead of reporting figures
 * with a value missing. */
static int jansson_failed;

static void *watched_malloc(size_t n)
{
	void *p = malloc(n);
	if (!p)
		jansson_failed = 1;
	return p;
}

void jtext_watch_allocations(void)
{
	json_set_alloc_funcs(watched_malloc, free);
}

int jtext_allocation_failed(void)
{
	return jansson_failed;
}
