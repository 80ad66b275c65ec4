/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dl.c - libraries loaded where they are used (dl.h says why), and the
 * smallest of them: libcap-ng, which cost every exec about 0.15 ms here
 * (its constructor with it; doc/benchmarks.md), for two name lookups that
 * only a profile naming a capability needs. The LSM libraries are in
 * lsm_dl.c.
 */
#include "dl.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#if VJ_STATIC
#include <cap-ng.h>
#else
#include <dlfcn.h>

const char *vj_dl_load(const char *soname, void **out, const char *const *names, size_t n, char *buf,
		       size_t len)
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	if (!h) {
		snprintf(buf, len, "%s cannot be loaded: %s", soname, dlerror());
		return buf;
	}
	for (size_t i = 0; i < n; i++) {
		out[i] = dlsym(h, names[i]);
		if (!out[i]) {
			snprintf(buf, len, "%s has no %s", soname, names[i]);
			dlclose(h);
			return buf;
		}
	}
	return NULL;
}
#endif

static int no_name_to_capability(const char *name)
{
	errno = ELIBACC;
	return -1;
}
static const char *no_capability_to_name(unsigned int cap)
{
	errno = ELIBACC;
	return NULL;
}

static struct vj_capng_lib capng = { no_name_to_capability, no_capability_to_name };
static const char *capng_error;

const struct vj_capng_lib *vj_capng_lib(void)
{
	static bool tried;
	if (tried)
		return &capng;
	tried = true;
#if VJ_STATIC
	capng = (struct vj_capng_lib){ capng_name_to_capability, capng_capability_to_name };
#else
	static char errbuf[256];
	static const char *const names[] = { "capng_name_to_capability", "capng_capability_to_name" };
	void *fn[2];
	capng_error = vj_dl_load("libcap-ng.so.0", fn, names, 2, errbuf, sizeof(errbuf));
	if (!capng_error) {
		capng.name_to_capability = (int (*)(const char *))fn[0];
		capng.capability_to_name = (const char *(*)(unsigned int))fn[1];
	}
#endif
	return &capng;
}

const char *vj_capng_lib_error(void)
{
	vj_capng_lib();
	return capng_error;
}
