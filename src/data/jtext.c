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
