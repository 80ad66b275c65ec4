/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * accounts.h - user and group lookups by name or id.
 *
 * Through NSS (getpwnam and friends) in the usual build. A static build
 * (meson -Dstatic=true) reads /etc/passwd and /etc/group itself: static
 * glibc would have to dlopen NSS modules built against the shared libc,
 * which is unsafe; names from other sources (LDAP, sssd) are then not
 * found, and numeric ids work as always.
 */
#ifndef VJ_ACCOUNTS_H
#define VJ_ACCOUNTS_H

#include <stdint.h>

struct vj_account {
	uint32_t id;      /* uid or gid */
	uint32_t gid;     /* users: the primary group */
	char name[256];
};

/* 0 and *out filled, -ENOENT when there is no such account, or -errno. */
int vj_user_by_name(const char *name, struct vj_account *out);
int vj_user_by_id(uint32_t uid, struct vj_account *out);
int vj_group_by_name(const char *name, struct vj_account *out);
int vj_group_by_id(uint32_t gid, struct vj_account *out);

#endif
