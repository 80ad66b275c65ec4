/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgroup.h - the jail's own cgroup: the profile's "cgroup" section,
 * creation with limits on every hierarchy that holds a wanted controller
 * (v1, v2 or hybrid), placement of the child before it runs, reporting and
 * removal. doc/cgroups.md describes the behaviour for users.
 *
 * Files: cgroup_plan.c (profile section, CLI options; side-effect free),
 * cgroup_detect.c (hierarchies from /proc/self/mountinfo and
 * /proc/self/cgroup), cgroup.c (create, attach, report, destroy),
 * cgroup_limits.c (limit files on v1 and v2), cgroup_bpf.c (the v2 device
 * program).
 *
 * Calling sequence for the runtime (host side, the supervisor):
 *
 *   struct vj_cgroup *cg = NULL;
 *   _cleanup_strv_ char **notices = NULL;
 *   r = vj_cgroup_create(plan, &cg, &notices, err);   // before clone
 *   // log each notices[i] once (optional layers that were left out)
 *   r = vj_cgroup_self_open(cg, &self, err);          // v1: the child moves itself
 *   cfd = cg ? vj_cgroup_clone_fd(cg) : -1;           // clone3 cgroup field
 *   pid = clone3(... cfd >= 0 ? CLONE_INTO_CGROUP : 0 ...);
 *   // NOT CLONE_NEWCGROUP in clone3 unless vj_cgroup_clone_covers_all(cg)
 *   vj_cgroup_self_close(&self);                      // the child has its copies
 *   r = vj_cgroup_attach(cg, pid, cfd >= 0, err);     // before release: the rest
 *   // child: vj_cgroup_self_attach(&self, err) first of all
 *   // release the child; it unshare(CLONE_NEWCGROUP)s first thing, so
 *   // every hierarchy's root in its namespace is its own leaf
 *   ... wait for the jail to end ...
 *   vj_cgroup_report_exit(cg, exit_record);
 *   r = vj_cgroup_destroy(cg, err);                   // frees cg
 *
 * On any failure after create, vj_cgroup_destroy() removes what was made.
 */
#ifndef VJ_CGROUP_H
#define VJ_CGROUP_H

#include <json.h>
#include <sys/types.h>

#include "error.h"
#include "jsonp.h"

struct vj_jnode;
struct vj_plan;

/* Limit value meaning "no limit" (written as "max"). */
#define VJ_CGROUP_UNLIMITED UINT64_MAX

enum vj_cgroup_devices {
	VJ_CGROUP_DEVICES_OFF,      /* no device allow-list in the cgroup */
	VJ_CGROUP_DEVICES_OPTIONAL, /* enforce where the host lets us (default) */
	VJ_CGROUP_DEVICES_REQUIRED, /* enforce or fail */
};

/* The profile's "cgroup" section, resolved (see doc/cgroups.md). A
 * has_* flag says the key was given; unset limits are not written. */
struct vj_cgroup_plan {
	bool enabled;          /* the jail gets its own cgroup (default true) */
	bool required;         /* limits that cannot be applied are errors
				* (default: true when any limit is set) */
	char *parent;          /* absolute cgroup path; NULL = default */
	bool has_memory_max, has_swap_max, has_pids_max, has_cpu_weight, has_cpu_max, has_io_weight;
	uint64_t memory_max;   /* bytes or VJ_CGROUP_UNLIMITED */
	uint64_t swap_max;     /* bytes or VJ_CGROUP_UNLIMITED */
	uint64_t pids_max;     /* tasks or VJ_CGROUP_UNLIMITED */
	uint64_t cpu_weight;   /* 1..10000 (v2 scale; v1 shares = w*1024/100) */
	uint64_t cpu_quota_us; /* VJ_CGROUP_UNLIMITED = no quota */
	uint64_t cpu_period_us;
	uint64_t io_weight;    /* 1..10000 */
	char *cpuset_cpus;     /* "0-1,4"; NULL = inherit */
	char *cpuset_mems;
	enum vj_cgroup_devices devices;
};

/* n is the "cgroup" key's cursor (absent -> defaults). Strict: unknown
 * keys and bad values are "FILE: cgroup.KEY: reason". */
int vj_cgroup_plan_parse(struct vj_cgroup_plan *p, const struct vj_jnode *n, struct vj_error *err);
/* The section's keys as vj_cgroup_plan_parse() reads them (jsonp.h), for
 * `vmjail features`. */
extern const struct vj_jkey vj_cgroup_section_keys[];
/* The resolved section; vj_cgroup_plan_parse() accepts it back. */
json_object *vj_cgroup_plan_to_json(const struct vj_cgroup_plan *p);
void vj_cgroup_plan_free(struct vj_cgroup_plan *p);
/* True when the plan sets any limit. */
bool vj_cgroup_plan_has_limits(const struct vj_cgroup_plan *p);

/* The live cgroup(s) of one jail. */
struct vj_cgroup;

/* Host preparation (parent): remove a stale cgroup of the same jail id
 * (killing anything left in it; it is never reused), create the jail's
 * leaf (plan->id) on each hierarchy that holds a wanted controller plus
 * the v2 hierarchy (or the v1 freezer) to track the jail's processes,
 * write the limits and the device allow-list.
 *
 * *out is NULL (and 0 returned) when the plan disables the cgroup, or when
 * an optional one could not be created at all. Library code does not log:
 * whatever optional part was left out is described in *notices (appended;
 * a strv the caller frees; notices may be NULL), one line each, for the
 * caller to print as a notice. On error nothing is left behind and the
 * message says what is missing ("no writable cgroup for memory (...)");
 * the caller exits 125. Messages (errors and notices) do not start with
 * "cgroup:": the caller adds that context. */
int vj_cgroup_create(const struct vj_plan *plan, struct vj_cgroup **out, char ***notices,
		     struct vj_error *err);
/* An O_DIRECTORY fd of the v2 leaf for clone3(CLONE_INTO_CGROUP), or -1
 * when placement must go through vj_cgroup_attach(). Owned by cg. */
int vj_cgroup_clone_fd(const struct vj_cgroup *cg);
/* True when the v2 leaf is the only leaf: CLONE_INTO_CGROUP places the
 * child completely, and clone3 may also carry CLONE_NEWCGROUP. */
bool vj_cgroup_clone_covers_all(const struct vj_cgroup *cg);
/* Whether the child ends up in every leaf without the parent writing its
 * pid anywhere: the v1 leaves by itself (vj_cgroup_self_open), the v2 one
 * by CLONE_INTO_CGROUP when clone_into. True without a cgroup. */
bool vj_cgroup_placed_without_parent(const struct vj_cgroup *cg, bool clone_into);
/* The child's own placement on v1 hierarchies: fds of their leaves'
 * "tasks" files, opened by the supervisor (cgroup.c says why). */
/* What a "cgroup" mount shows inside the jail: one entry per hierarchy
 * the jail has a leaf in, the v1 hierarchy's mount options ("memory",
 * "cpu,cpuacct") or "" for v2. Returns the count (at most max); the
 * strings are cg's. */
size_t vj_cgroup_views(const struct vj_cgroup *cg, const char **out, size_t max);

struct vj_cgroup_self {
	int fd[8];
	const char *path[8]; /* the leaves, for messages (owned by cg) */
	size_t n;
};
/* Open the "tasks" file of each v1 leaf (close-on-exec); those leaves are
 * then the child's to enter: vj_cgroup_attach() skips them. */
int vj_cgroup_self_open(struct vj_cgroup *cg, struct vj_cgroup_self *self, struct vj_error *err);
/* In the child, single-threaded, before it forks or enters its cgroup
 * namespace: move the calling process through self's fds, and close
 * them (the caller's copies; the supervisor closes its own). */
int vj_cgroup_self_attach(const struct vj_cgroup_self *self, struct vj_error *err);
void vj_cgroup_self_close(struct vj_cgroup_self *self);
/* Move pid into the jail's cgroup on every hierarchy not already handled
 * by CLONE_INTO_CGROUP (clone_used says whether it was) or left to the
 * child (vj_cgroup_self_open). Call before the child is released. */
int vj_cgroup_attach(struct vj_cgroup *cg, pid_t pid, bool clone_used, struct vj_error *err);
/* For the --info-fd start record and state.json:
 * {"v2": "/sys/fs/cgroup/unified/vmjail/ID", "memory": "...", "pids": ...,
 *  "device_filter": "bpf" | "v1" | "bpf+v1" | "none"}. Keys of v1 hierarchies are
 * their controllers ("cpu,cpuacct" when co-mounted). */
json_object *vj_cgroup_to_json(const struct vj_cgroup *cg);
/* After the jail ended, before destroy: add "oom_killed": true (with
 * "oom_kills": N) and "pids_limit_hit": true to rec when they happened
 * (memory.events / memory.oom_control, pids.events). */
void vj_cgroup_report_exit(const struct vj_cgroup *cg, json_object *rec);
/* Kill whatever is left (cgroup.kill on v2, else freeze + SIGKILL loop),
 * wait until every leaf is empty, remove the leaves (and any cgroups the
 * jail made below them), free cg. cg may be NULL. Shared parents (the
 * "vmjail" directory) stay. */
int vj_cgroup_destroy(struct vj_cgroup *cg, struct vj_error *err);

/* `vmjail features`: {"hierarchies": [{"version": 1|2, "mount": path,
 * "controllers": [...], "current": path}], "delegated": bool}. */
json_object *vj_cgroup_features_json(void);

/* Kill every process of the cgroup directory at path (below
 * /sys/fs/cgroup) and remove it: for leftovers recorded by a dead jail.
 * Refuses a hierarchy root and any tree holding vmjail itself or pid 1.
 * A path that no longer exists is not an error. */
int vj_cgroup_remove_path(const char *path, struct vj_error *err);

#endif
