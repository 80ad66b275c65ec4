/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef VJ_DL_H
#define VJ_DL_H

#include <stddef.h>

#include "config.h"

/*
 * Shared libraries loaded where they are used, not at every exec: each
 * one a launch maps costs it the loader's work (and a constructor's, if
 * it has one), page tables the clone of the jail copies, and their
 * teardown. A dynamic build takes only such a library's headers and
 * calls it through a table its loader fills; a static build (-Dstatic=true)
 * has the library inside and fills the table with the functions
 * themselves. Where the library cannot be loaded or lacks a symbol, the
 * table's entries fail as the library's own functions fail, and the
 * loader says why: never a crash.
 */
#if !VJ_STATIC
/* dlopen(soname), then every name into out[]: all or nothing. NULL, or
 * why not (written into buf). */
const char *vj_dl_load(const char *soname, void **out, const char *const *names, size_t n, char *buf,
		       size_t len);
#endif

/* libcap-ng: capability names, read when a profile names a capability
 * (or `check` prints one). */
struct vj_capng_lib {
	int (*name_to_capability)(const char *name);          /* -1: unknown */
	const char *(*capability_to_name)(unsigned int cap); /* NULL: unknown */
};
const struct vj_capng_lib *vj_capng_lib(void);
/* NULL once the library is loaded, else why it is not. */
const char *vj_capng_lib_error(void);

#endif
