/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lsm_dl.c - libselinux and libapparmor, loaded only where they are used
 * (dl.h says why).
 *
 * Most hosts run one LSM or none, and libselinux brings libpcre2 with
 * it. So a default (dynamic) build links neither: the SELinux and
 * AppArmor layers look at the kernel first (selinuxfs, the apparmor
 * module's parameters and securityfs) and load the library, by its
 * soname, only when the LSM is there, or when a command asks for it
 * (check, features). A static build (-Dstatic=true)
 * has both inside and fills the tables with the functions themselves.
 * A library that is missing or lacks a symbol is reported, never a crash:
 * the tables' entries then fail with ELIBACC.
 */
#include "lsm_dl.h"
#include "dl.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>

#if VJ_HAVE_SELINUX
#include <selinux/selinux.h>
#endif
#if VJ_HAVE_APPARMOR
#include <sys/apparmor.h>
#endif

static int fail_int(void)
{
	errno = ELIBACC;
	return -1;
}
static int fail_int_s(const char *a)
{
	return fail_int();
}
static int fail_int_sp(const char *a, char **b)
{
	return fail_int();
}
static int fail_int_ss(const char *a, const char *b)
{
	return fail_int();
}
static void fail_void_s(char *a)
{
}
static const char *fail_str(void)
{
	errno = ELIBACC;
	return NULL;
}

static struct vj_selinux_lib selinux = {
	fail_int, fail_int_s, fail_int_sp, fail_int_ss, fail_void_s, fail_str, fail_str,
};
static struct vj_apparmor_lib apparmor = { fail_int };
static const char *selinux_error, *apparmor_error;

#if !VJ_STATIC && (VJ_HAVE_SELINUX || VJ_HAVE_APPARMOR)
static char errbuf[2][256];
#endif

const struct vj_selinux_lib *vj_selinux_lib(void)
{
	static bool tried;
	if (tried)
		return &selinux;
	tried = true;
#if !VJ_HAVE_SELINUX
	selinux_error = "this vmjail was built without libselinux";
#elif VJ_STATIC
	selinux = (struct vj_selinux_lib){ security_getenforce, security_check_context_raw, getfilecon_raw,
					   setfilecon_raw, freecon, selinux_virtual_domain_context_path,
					   selinux_virtual_image_context_path };
#else
	static const char *const names[] = {
		"security_getenforce", "security_check_context_raw", "getfilecon_raw", "setfilecon_raw", "freecon",
		"selinux_virtual_domain_context_path", "selinux_virtual_image_context_path",
	};
	void *fn[sizeof(names) / sizeof(names[0])];
	selinux_error = vj_dl_load("libselinux.so.1", fn, names, sizeof(names) / sizeof(names[0]), errbuf[0],
				   sizeof(errbuf[0]));
	if (!selinux_error) {
		selinux.security_getenforce = (int (*)(void))fn[0];
		selinux.security_check_context_raw = (int (*)(const char *))fn[1];
		selinux.getfilecon_raw = (int (*)(const char *, char **))fn[2];
		selinux.setfilecon_raw = (int (*)(const char *, const char *))fn[3];
		selinux.freecon = (void (*)(char *))fn[4];
		selinux.selinux_virtual_domain_context_path = (const char *(*)(void))fn[5];
		selinux.selinux_virtual_image_context_path = (const char *(*)(void))fn[6];
	}
#endif
	return &selinux;
}

const char *vj_selinux_lib_error(void)
{
	vj_selinux_lib();
	return selinux_error;
}

const struct vj_apparmor_lib *vj_apparmor_lib(void)
{
	static bool tried;
	if (tried)
		return &apparmor;
	tried = true;
#if !VJ_HAVE_APPARMOR
	apparmor_error = "this vmjail was built without libapparmor";
#elif VJ_STATIC
	apparmor.aa_is_enabled = aa_is_enabled;
#else
	static const char *const names[] = { "aa_is_enabled" };
	void *fn[1];
	apparmor_error = vj_dl_load("libapparmor.so.1", fn, names, 1, errbuf[1], sizeof(errbuf[1]));
	if (!apparmor_error)
		apparmor.aa_is_enabled = (int (*)(void))fn[0];
#endif
	return &apparmor;
}

const char *vj_apparmor_lib_error(void)
{
	vj_apparmor_lib();
	return apparmor_error;
}
