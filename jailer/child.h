/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef VJ_CHILD_H
#define VJ_CHILD_H

#include <signal.h>

#include "cgroup.h"
#include "plan.h"
#include "seccomp.h"
#include "lsm.h"
#include "mount.h"

/* What the child needs beyond the plan; prepared by the parent before
 * clone, read-only afterwards. */
struct vj_child_ctx {
	const struct vj_plan *plan;
	char **argv;              /* final argv (plan's plus monitor wiring) */
	const struct vj_bpf *bpf; /* compiled seccomp filter */
	const struct vj_lsm *lsm; /* labels and Landlock, or NULL */
	int sync_fd;              /* child's end of the sync socket, or -1 */
	int parent_sync_fd;       /* the supervisor's end: closed in the child */
	int qmp_fd;               /* monitor end to place at qmp_fd_num, or -1 */
	int qmp_fd_num;
	int netns_fd;             /* network namespace to join (VJ_NET_PATH), or -1 */
	bool userns;              /* a user namespace was created */
	bool setup_before_go;     /* GO brings the child nothing: build the jail meanwhile */
	bool netns_with_go;       /* the network namespace made ahead comes with GO (ns.c) */
	bool netns_by_thread;     /* the child's own thread makes it (ns.c) */
	struct vj_cgroup_self cg_self; /* v1 cgroups the child moves itself into */
	struct vj_mount_cgroups cg_views; /* what a "cgroup" mount shows */
	sigset_t orig_mask;       /* signal mask to restore before exec */
};

/* Supervised mode: the cloned child, pid 1 of the jail. Waits for GO,
 * builds the jail, forks PROGRAM and becomes the jail's init. */
_noreturn_ void vj_child_main(const struct vj_child_ctx *c);

/* Steps inside the namespaces, before PROGRAM is forked: cgroup
 * namespace, network, root filesystem, hostname. On failure *step names
 * the step. */
int vj_child_setup_jail(const struct vj_child_ctx *c, const char **step, struct vj_error *err);

/* PROGRAM's own last steps, then execve. Never returns: on failure it
 * reports over sync_fd (when >= 0) or logs, and exits 125/126/127. */
_noreturn_ void vj_child_exec_target(const struct vj_child_ctx *c);

/* The jail's init (init.c): reap, forward signals from outside to target,
 * report target's status over sync_fd, end the jail. */
_noreturn_ void vj_init_run(const struct vj_child_ctx *c, pid_t target);

/* Signals the supervisor forwards to PROGRAM. */
extern const int vj_forwarded_signals[];
extern const size_t vj_n_forwarded_signals;

#endif
