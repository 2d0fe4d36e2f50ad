/*
 * tap.h - a tiny Test Anything Protocol emitter for the C unit tests.
 *
 * ok(cond, name...) prints "ok N - name" or "not ok N - name" with the file
 * and line of a failure; tap_done() prints the plan and returns the exit
 * status (non-zero when anything failed, so a broken test can never pass).
 */
#ifndef YUJING_TESTS_TAP_H
#define YUJING_TESTS_TAP_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static int tap_ok(int cond, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5), unused));
static int tap_ok(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return cond;
}

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

/* String equality with a diagnostic showing both sides. */
#define is_str(got, want, ...)                                                \
	do {                                                                  \
		const char *g_ = (got), *w_ = (want);                         \
		int c_ = (g_ && w_) ? strcmp(g_, w_) == 0 : g_ == w_;         \
		if (!ok(c_, __VA_ARGS__))                                     \
			printf("#   got:  '%s'\n#   want: '%s'\n",            \
			       g_ ? g_ : "(null)", w_ ? w_ : "(null)");       \
	} while (0)

/* Integer equality with a diagnostic. */
#define is_int(got, want, ...)                                                \
	do {                                                                  \
		long long g_ = (long long)(got), w_ = (long long)(want);      \
		if (!ok(g_ == w_, __VA_ARGS__))                               \
			printf("#   got:  %lld\n#   want: %lld\n", g_, w_);   \
	} while (0)

/* Floating equality within an absolute tolerance. */
#define is_near(got, want, tol, ...)                                          \
	do {                                                                  \
		double g_ = (got), w_ = (want);                               \
		if (!ok(fabs(g_ - w_) <= (tol), __VA_ARGS__))                 \
			printf("#   got:  %.17g\n#   want: %.17g\n", g_, w_); \
	} while (0)

static int tap_done(void) __attribute__((unused));
static int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
