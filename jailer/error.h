/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * error.h - the one error type.
 *
 * A function that can fail takes `struct vj_error *err` as its last
 * parameter, fills it on failure and returns the negative errno (crun's
 * libcrun_error_t, without the allocation: the buffer is fixed so the
 * child can fill one after clone and ship it to the parent verbatim).
 * Callers on the way up add context with vj_error_prefix(); only the top
 * (main, or the supervisor) logs it.
 *
 *   if (r < 0)
 *       return vj_error_prefix(err, "mounts[%zu]", i);
 *
 * Messages read "context: context: what: strerror" so the final line names
 * the step, the object and the reason.
 */
#ifndef VJ_ERROR_H
#define VJ_ERROR_H

#include "util.h"

#define VJ_ERROR_MAX 1024

struct vj_error {
	int code;               /* positive errno; EINVAL when none applies */
	char msg[VJ_ERROR_MAX]; /* NUL-terminated, never empty once set */
};

/* Set err to "FMT: strerror(errnum)" (errnum > 0) and return -errnum.
 * errnum may be given negative; 0 means EINVAL without a strerror suffix. */
int vj_error_set(struct vj_error *err, int errnum, const char *fmt, ...) _printf_(3, 4);
/* Set err to "FMT" with code errnum (no strerror suffix); returns -errnum. */
int vj_error_setx(struct vj_error *err, int errnum, const char *fmt, ...) _printf_(3, 4);
/* Prepend "FMT: " to the message; returns -err->code. */
int vj_error_prefix(struct vj_error *err, const char *fmt, ...) _printf_(2, 3);
void vj_error_clear(struct vj_error *err);
static inline bool vj_error_is_set(const struct vj_error *err) { return err->code != 0; }

/* Exit statuses, as env(1), chroot(1), podman and bwrap use them. */
enum {
	VJ_EXIT_FAILURE = 125,      /* vmjail itself failed */
	VJ_EXIT_CANNOT_EXEC = 126,  /* PROGRAM found but not executable */
	VJ_EXIT_NOT_FOUND = 127,    /* PROGRAM not found in the jail */
};

#endif
