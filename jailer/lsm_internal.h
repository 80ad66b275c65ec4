/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lsm_internal.h - what the LSM layers (lsm_landlock.c, lsm_apparmor.c,
 * lsm_selinux.c) share with lsm.c, which strings them together. Each layer
 * has the same four steps: probe the host, prepare (parent, may allocate),
 * apply (PROGRAM's process, no allocation, no logging), release.
 */
#ifndef VJ_LSM_INTERNAL_H
#define VJ_LSM_INTERNAL_H

#include <json.h>

#include "lsm.h"
#include "plan.h"

/* ---- Landlock ---- */

/* One path rule: the path as PROGRAM sees it, the rights for a directory
 * (a file gets the file rights among them). */
struct vj_ll_rule {
	const char *path;  /* borrowed from the plan, or a literal */
	uint64_t access;
	bool optional;     /* missing -> skipped (an optional mount) */
};

struct vj_landlock {
	bool active;
	int abi;
	uint64_t handled_fs, handled_net, scoped;
	struct vj_ll_rule *rules;
	size_t n_rules;
	const struct vj_lsm_ports *tcp_bind, *tcp_connect; /* borrowed from the plan */
};

/* The kernel's Landlock ABI version, or -errno (ENOSYS: not built in,
 * EOPNOTSUPP: built in but not enabled at boot). */
int vj_landlock_abi(void);
/* Rules from the plan's mounts for ABI abi (the caller probed it). */
int vj_landlock_prepare(struct vj_landlock *ll, const struct vj_plan *plan, int abi, struct vj_error *err);
int vj_landlock_apply(const struct vj_landlock *ll, struct vj_error *err);
json_object *vj_landlock_to_json(const struct vj_landlock *ll);
void vj_landlock_free(struct vj_landlock *ll);

/* ---- AppArmor ---- */

struct vj_apparmor {
	bool active;
	bool generated;   /* loaded by us, unloaded at release */
	char *name;       /* the profile PROGRAM runs under */
	char exec_cmd[300]; /* "exec NAME", written in the child */
};

/* 1 when AppArmor is the host's enabled LSM (and its filesystem is
 * mounted), 0 when not (reason filled), -errno on error. */
int vj_apparmor_probe(char *reason, size_t len);
int vj_apparmor_prepare(struct vj_apparmor *aa, const struct vj_plan *plan, struct vj_error *err);
int vj_apparmor_apply(const struct vj_apparmor *aa, struct vj_error *err);
json_object *vj_apparmor_to_json(const struct vj_apparmor *aa);
void vj_apparmor_release(struct vj_apparmor *aa);

/* ---- SELinux ---- */

struct vj_se_label {
	char *path;
	char *old;        /* NULL: had none */
};

struct vj_selinux {
	bool active;
	bool enforcing;
	int c1, c2;          /* the category pair, -1 when none */
	char *reservation;   /* the reservation file, removed at release */
	char *process_label; /* full context of PROGRAM */
	char *file_label;    /* full context of its writable files */
	struct vj_se_label *labels;
	size_t n_labels;
};

int vj_selinux_probe(char *reason, size_t len);
/* Reserve a category pair cN,cM (lo <= N < M <= hi) no live jail holds
 * (see lsm_selinux.c); unreserve drops it. Need no SELinux. */
int vj_selinux_reserve(struct vj_selinux *se, int lo, int hi, struct vj_error *err);
void vj_selinux_unreserve(struct vj_selinux *se);
int vj_selinux_prepare(struct vj_selinux *se, const struct vj_plan *plan, struct vj_error *err);
int vj_selinux_apply(const struct vj_selinux *se, struct vj_error *err);
json_object *vj_selinux_to_json(const struct vj_selinux *se);
void vj_selinux_release(struct vj_selinux *se);

/* Write s to a /proc attr file of this thread: the first of paths that
 * exists. No allocation. */
int vj_lsm_write_attr(const char *const *paths, const char *s, size_t len);

#endif
