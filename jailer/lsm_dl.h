/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef VJ_LSM_DL_H
#define VJ_LSM_DL_H

/*
 * The LSM libraries, loaded when a host has the LSM (lsm_dl.c): the
 * functions vmjail calls, as a table. Never NULL: where the library
 * cannot be loaded every entry fails (-1 with errno ELIBACC, or NULL),
 * and vj_*_lib_error() says why.
 */
#include <stdbool.h>

#include "config.h"

struct vj_selinux_lib {
	int (*security_getenforce)(void);
	int (*security_check_context_raw)(const char *con);
	int (*getfilecon_raw)(const char *path, char **con);
	int (*setfilecon_raw)(const char *path, const char *con);
	void (*freecon)(char *con);
	const char *(*selinux_virtual_domain_context_path)(void);
	const char *(*selinux_virtual_image_context_path)(void);
};
const struct vj_selinux_lib *vj_selinux_lib(void);
/* NULL once the library is loaded, else why it is not. */
const char *vj_selinux_lib_error(void);

struct vj_apparmor_lib {
	int (*aa_is_enabled)(void);
};
const struct vj_apparmor_lib *vj_apparmor_lib(void);
const char *vj_apparmor_lib_error(void);

#endif
