/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tap.h - a minimal TAP producer for C unit tests run by `meson test`
 * (protocol: 'tap'). Header-only.
 *
 *   plan_no_plan();
 *   ok(r == 0, "loads %s", name);
 *   is_str(err.msg, "x.json: mounts[2].source: ...", "message");
 *   skip("needs root");
 *   return done_testing();
 */
#ifndef VJ_TAP_H
#define VJ_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static inline void plan_no_plan(void) { setvbuf(stdout, NULL, _IONBF, 0); }

__attribute__((format(printf, 2, 3))) static inline int ok(int cond, const char *fmt, ...)
{
	va_list ap;
	tap_n++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
	return cond;
}

__attribute__((format(printf, 1, 2))) static inline void diag(const char *fmt, ...)
{
	va_list ap;
	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

#define is_str(got, want, ...)                                                          \
	do {                                                                            \
		const char *_g = (got), *_w = (want);                                   \
		if (!ok(_g && _w && strcmp(_g, _w) == 0, __VA_ARGS__))                   \
			diag("got: \"%s\"\n# want: \"%s\"", _g ? _g : "(null)", _w);    \
	} while (0)

#define is_int(got, want, ...)                                                          \
	do {                                                                            \
		long long _g = (long long)(got), _w = (long long)(want);                \
		if (!ok(_g == _w, __VA_ARGS__))                                          \
			diag("got: %lld, want: %lld", _g, _w);                            \
	} while (0)

/* A skipped test says why; it never counts as a pass of the thing skipped. */
__attribute__((format(printf, 1, 2))) static inline void skip(const char *fmt, ...)
{
	va_list ap;
	tap_n++;
	printf("ok %d # SKIP ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static inline int done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
