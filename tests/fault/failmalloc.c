/*
 * failmalloc.c - a counting allocator that fails the Nth call, for the
 * fault-injection build (configure --enable-fault-injection, as SQLite's
 * tests fail the Nth malloc).  The link wraps malloc, calloc, realloc,
 * aligned_alloc, strdup and strndup (-Wl,--wrap=...): every call from yujing's own code
 * comes here, and jansson's allocations too (json_set_alloc_funcs); the
 * other libraries' internal allocations do not.
 *
 * Environment:
 *   YJ_FAILMALLOC=N        the Nth allocation (1-based) returns NULL with
 *                          errno ENOMEM; the others succeed (0: none fails)
 *   YJ_FAILMALLOC_REPORT=F at exit, write "COUNT HIT" to file F: the
 *                          allocations made and whether the Nth was reached
 *   YJ_FAILMALLOC_TRACE=1  print the stack of the failing call (ASan builds)
 * tests/fault/walk.sh walks N over every allocation of a command.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t align, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_aligned_alloc(size_t align, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

/* ASan's, when linked in. */
void __sanitizer_print_stack_trace(void) __attribute__((weak));

static long fail_at, count;
static int ready, hit;
static const char *report_path;

static void report(void)
{
	FILE *f = fopen(report_path, "w");
	if (f) {
		fprintf(f, "%ld %d\n", count, hit);
		fclose(f);
	}
}

static void *json_malloc(size_t n)
{
	return __wrap_malloc(n);
}

/* 1 when this allocation is the one to fail. */
static int fail_now(void)
{
	if (!ready) {
		ready = 1;
		const char *s = getenv("YJ_FAILMALLOC");
		fail_at = s ? atol(s) : 0;
		report_path = getenv("YJ_FAILMALLOC_REPORT");
		if (report_path)
			atexit(report);
		/* jansson's own allocations are not wrapped (a shared
		 * library): route them here, unless the program already routes
		 * them through its own code (yujing's jtext watcher calls
		 * malloc, which is wrapped). */
		json_malloc_t m;
		json_free_t f;
		json_get_alloc_funcs(&m, &f);
		if (m == malloc)
			json_set_alloc_funcs(json_malloc, free);
	}
	if (++count != fail_at)
		return 0;
	hit = 1;
	if (getenv("YJ_FAILMALLOC_TRACE") && __sanitizer_print_stack_trace)
		__sanitizer_print_stack_trace();
	errno = ENOMEM;
	return 1;
}

void *__wrap_malloc(size_t n)
{
	return fail_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return fail_now() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	return fail_now() ? NULL : __real_realloc(p, n);
}

void *__wrap_aligned_alloc(size_t align, size_t n)
{
	return fail_now() ? NULL : __real_aligned_alloc(align, n);
}

char *__wrap_strdup(const char *s)
{
	return __wrap_strndup(s, strlen(s));
}

char *__wrap_strndup(const char *s, size_t n)
{
	if (fail_now())
		return NULL;
	size_t len = strnlen(s, n);
	char *d = __real_malloc(len + 1);
	if (d) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}
