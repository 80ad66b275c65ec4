/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lsm_internal.h - what the LSM layers (lsm_landlock.c, lsm_apparmor.c,
 * lsm_selinux.c) share with lsm.c, which strings them together. Each layer
 * has the same four steps: probe the host, prepare (parent, may allocate),
 * apply (PROGRAM's process, no allocation, no logging), release. What a
 * layer loads or relabels on the host is written to the jail's LSM record
 * (lsm.h) before it does so.
 */
#ifndef VJ_LSM_INTERNAL_H
#define VJ_LSM_INTERNAL_H

#include <json.h>

#include "lsm.h"
#include "plan.h"

/* ---- the jail's LSM record (lsm.c) ---- */

struct vj_lsm_rec {
	const struct vj_lsm_home *home; /* where it goes */
	const char *id;                 /* the jail's id (borrowed) */
	int home_fd;                    /* the jail's state directory, or -1 */
	int dir_fd;                     /* its lsm/, -1 until a layer records */
	int lock_fd;                    /* --exec: the directory's lock, or -1 */
};

/* A new file NAME in the record (the directory and its "owner" are made on
 * first use): an O_WRONLY|O_APPEND fd, or -errno with err set. */
int vj_lsm_rec_file(struct vj_lsm_rec *rec, const char *name, struct vj_error *err);
/* What NAME recorded is released: remove it. */
void vj_lsm_rec_done(struct vj_lsm_rec *rec, const char *name);

/* Field 22 of /proc/PID/stat (its start time), 0 when there is no such
 * process. */
unsigned long long vj_lsm_start_time(pid_t pid);
/* A live process whose label is the AppArmor profile aa (itself or a
 * child profile or stack of it) or exactly the SELinux context se (one of
 * them given): its pid, else 0. */
pid_t vj_lsm_label_user(const char *aa, const char *se);

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
/* rec: where the generated profile's name is recorded before it is
 * loaded (NULL: nowhere). */
int vj_apparmor_prepare(struct vj_apparmor *aa, const struct vj_plan *plan, struct vj_lsm_rec *rec,
			struct vj_error *err);
int vj_apparmor_apply(const struct vj_apparmor *aa, struct vj_error *err);
json_object *vj_apparmor_to_json(const struct vj_apparmor *aa);
/* 0 when nothing is left loaded (the generated profile removed, or it was
 * not loaded), else -errno (the record then stays for gc). Frees. */
int vj_apparmor_release(struct vj_apparmor *aa);

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
/* rec: where the context and each old label are recorded, before the
 * label changes (NULL: nowhere). */
int vj_selinux_prepare(struct vj_selinux *se, const struct vj_plan *plan, struct vj_lsm_rec *rec,
		       struct vj_error *err);
int vj_selinux_apply(const struct vj_selinux *se, struct vj_error *err);
json_object *vj_selinux_to_json(const struct vj_selinux *se);
void vj_selinux_release(struct vj_selinux *se);
/* A dead jail's SELinux record (the file "selinux" in the record directory
 * dfd): restore the old labels it lists, last first. 1 when restored (*n:
 * how many), 0 when there is none, -EBUSY (*user) when a live process
 * still runs in its context, else -errno. Does not remove it. */
int vj_selinux_restore_record(int dfd, size_t *n, pid_t *user);
/* The base contexts vj_selinux_prepare() starts from (the profile's, else
 * the policy's virtual_domain_context / virtual_image_context); NULL when
 * none is known. Caller frees. */
void vj_selinux_base_contexts(const struct vj_plan *plan, char **process, char **file);

/* Write s to a /proc attr file of this thread: the first of paths that
 * exists. No allocation. */
int vj_lsm_write_attr(const char *const *paths, const char *s, size_t len);

#endif
