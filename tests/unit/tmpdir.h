/*
 * tmpdir.h - a private directory for one unit test's files, removed with
 * everything in it when the test exits (test-sample, test-features-other,
 * test-sources-nomem).
 */
#ifndef YUJING_TESTS_TMPDIR_H
#define YUJING_TESTS_TMPDIR_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[1024];

/* tmpdir/name, in one of 4 rotating buffers. */
static const char *path_in(const char *name)
{
	static char buf[4][1300];
	static int k;
	char *p = buf[k++ % 4];
	snprintf(p, 1300, "%s/%s", tmpdir, name);
	return p;
}

static void tmpdir_remove(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlink(path_in(e->d_name));
	if (d)
		closedir(d);
	rmdir(tmpdir);
}

/* Make $TMPDIR/yj-NAME-XXXXXX, removed at exit; exits 99 when it cannot. */
static void tmpdir_make(const char *name)
{
	const char *base = getenv("TMPDIR");
	snprintf(tmpdir, sizeof tmpdir, "%s/yj-%s-XXXXXX", base && *base ? base : "/tmp", name);
	if (!mkdtemp(tmpdir)) {
		perror(tmpdir);
		exit(99);
	}
	atexit(tmpdir_remove);
}

#endif
