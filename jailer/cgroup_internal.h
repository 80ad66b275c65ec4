/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgroup_internal.h - shared between the cgroup engine's files (and its
 * unit tests). Not for the rest of the program: use cgroup.h.
 */
#ifndef VJ_CGROUP_INTERNAL_H
#define VJ_CGROUP_INTERNAL_H

#include "cgroup.h"

struct vj_plan;

/* Controllers the engine knows. v1 names "blkio" for IO. */
enum vj_cgc {
	VJ_CGC_MEMORY,
	VJ_CGC_PIDS,
	VJ_CGC_CPU,
	VJ_CGC_CPUSET,
	VJ_CGC_IO,
	VJ_CGC_DEVICES,
	VJ_CGC_FREEZER,
	VJ_CGC__COUNT,
};
#define VJ_CGC_BIT(c) (1u << (c))
const char *vj_cgc_name(enum vj_cgc c, bool v2);

/* One mounted hierarchy, as cgroup_detect.c found it. */
struct vj_cg_hier {
	bool v2;
	unsigned mask;      /* v1: bound controllers; v2: cgroup.controllers
			     * of the mount's root */
	unsigned current_mask; /* v2: cgroup.controllers of the current cgroup */
	char *name;         /* v1: "cpu,cpuacct" / "name=systemd"; v2: "v2" */
	char *mountpoint;   /* absolute path of the mount */
	char *mount_root;   /* the hierarchy path the mount shows ("/" mostly) */
	char *current;      /* this process's cgroup on it ("/..." ) */
};

#define VJ_CG_MAX_HIER 24
struct vj_cg_hosts {
	struct vj_cg_hier h[VJ_CG_MAX_HIER];
	size_t n;
};

/* Read /proc/self/mountinfo and /proc/self/cgroup. Hierarchies that are
 * mounted nowhere this process can see are left out; name= hierarchies are
 * listed (mask 0) but never used. */
int vj_cg_detect(struct vj_cg_hosts *hs, struct vj_error *err);
void vj_cg_hosts_free(struct vj_cg_hosts *hs);
/* Index of the hierarchy that holds c (v1 first: a controller bound to v1
 * is absent from v2), -1 if none. */
int vj_cg_find(const struct vj_cg_hosts *hs, enum vj_cgc c);
int vj_cg_find_v2(const struct vj_cg_hosts *hs);
/* The path of cgroup cgpath ("/a/b") relative to the hierarchy's mount
 * point ("a/b", "." for the mount root); -EXDEV when the mount does not
 * show it. */
int vj_cg_mount_relative(const struct vj_cg_hier *h, const char *cgpath, char **out);
/* Whether the current cgroup on h was delegated to us (see cgroups.md). */
bool vj_cg_delegated(const struct vj_cg_hier *h);

/* Device nodes the jail may use. minor == VJ_CG_ANY_MINOR: all minors. */
#define VJ_CG_ANY_MINOR UINT32_MAX
struct vj_cg_dev {
	char type; /* 'c' or 'b' */
	uint32_t major, minor;
};
/* The plan's device nodes: dev-bind mounts whose source is a device node
 * (or a directory: the nodes directly in it), and the pty devices when
 * the plan mounts a devpts. */
int vj_cg_plan_devices(const struct vj_plan *plan, struct vj_cg_dev **out, size_t *n, struct vj_error *err);

/* cgroup_bpf.c: load a BPF_PROG_TYPE_CGROUP_DEVICE program allowing read
 * and write of exactly devs and attach it to the v2 cgroup cgfd. */
int vj_cg_bpf_devices_attach(int cgfd, const struct vj_cg_dev *devs, size_t n, struct vj_error *err);

/* cgroup_limits.c: write the plan's limits for the controllers in mask
 * into the leaf dirfd. A limit the hierarchy has no file for is a notice
 * (optional plan) or an error (required). */
int vj_cg_limits_v1(int dirfd, enum vj_cgc c, const struct vj_cgroup_plan *p, char ***notices,
		    struct vj_error *err);
int vj_cg_limits_v2(int dirfd, unsigned mask, const struct vj_cgroup_plan *p, char ***notices,
		    struct vj_error *err);
/* v1 cpuset: copy cpuset.cpus and cpuset.mems from parentfd when empty. */
int vj_cg_cpuset_inherit(int parentfd, int dirfd);
/* v1 devices: deny all, then allow devs. */
int vj_cg_devices_v1(int dirfd, const struct vj_cg_dev *devs, size_t n, struct vj_error *err);

/* Kill every process in the cgroup tree at dirfd and wait (up to
 * timeout_ms) until it is empty; v2 uses cgroup.kill or cgroup.freeze,
 * v1 the freezer when is_freezer. */
int vj_cg_kill_tree(int dirfd, bool v2, bool is_freezer, int timeout_ms);
/* Kill, then remove the cgroup name below parentfd and everything below
 * it. -ENOENT when it does not exist. */
int vj_cg_remove_tree(int parentfd, const char *name, bool v2, bool is_freezer, int timeout_ms);

#endif
