/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * plan.h - the immutable description of one jail.
 *
 * Theory of operation: the command line and the profile chain are resolved
 * into one struct vj_plan before anything on the host is touched (see
 * profile.h). Everything after that - host preparation, clone, the child's
 * setup, the supervisor - only reads the plan. `vmjail check` prints it.
 *
 * Every path in the plan is absolute and normalised; every name (capability,
 * rlimit, syscall, user) is already resolved to a number; every mount source
 * that must exist has been seen to exist (it is opened again, by fd, when it
 * is mounted: the check here is for the error message, not for safety).
 */
#ifndef VJ_PLAN_H
#define VJ_PLAN_H

#include <sys/resource.h>
#include <sys/types.h>

#include "util.h"
#include "seccomp.h"
#include "cgroup.h"
#include "qmp.h"
#include "lsm.h"

enum vj_mount_type {
	VJ_MOUNT_RO_BIND,  /* recursive bind, then every mount in it read-only */
	VJ_MOUNT_BIND,     /* recursive bind, writable */
	VJ_MOUNT_DEV_BIND, /* bind that keeps device access (no nodev) */
	VJ_MOUNT_TMPFS,    /* fresh tmpfs (mode, size) */
	VJ_MOUNT_DIR,      /* an empty directory (mode) */
	VJ_MOUNT_SYMLINK,  /* target -> source (the link text) */
	VJ_MOUNT_FILE,     /* a regular file with content (mode), e.g. /etc/passwd */
	VJ_MOUNT_PROC,     /* fresh procfs (needs the pid namespace) */
	VJ_MOUNT_DEVPTS,   /* fresh devpts (newinstance, ptmxmode=0666) + /dev/ptmx link */
	VJ_MOUNT_MQUEUE,   /* fresh mqueue fs (needs the ipc namespace) */
	VJ_MOUNT_CGROUP,   /* the jail's own cgroups, read-only (needs the cgroup namespace) */
	VJ_MOUNT__COUNT,
};

struct vj_mount {
	enum vj_mount_type type;
	char *source;         /* host path (binds), link text (symlink), else NULL */
	char *target;         /* absolute, normalised, inside the jail */
	char *content;        /* VJ_MOUNT_FILE only */
	bool optional;        /* a missing source is skipped, not an error */
	bool skip;            /* resolved: optional and the source is missing */
	unsigned long flags;  /* MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC */
	uint32_t mode;        /* dir, tmpfs, file: permission bits */
	uint64_t size;        /* tmpfs: bytes, 0 = kernel default */
	char *origin;         /* "FILE: filesystem.mounts[3]" - for messages */
};

enum vj_userns_mode {
	VJ_USERNS_AUTO,   /* only when the caller is unprivileged */
	VJ_USERNS_ALWAYS, /* also as root (root maps to the jail ids only) */
	VJ_USERNS_NEVER,  /* never (an unprivileged caller then fails) */
};

enum vj_net_mode {
	VJ_NET_NONE, /* new network namespace with only lo, up */
	VJ_NET_HOST, /* stay in the caller's network namespace */
	VJ_NET_PATH, /* join the namespace at net_path (e.g. /run/netns/x) */
};

enum vj_wait_mode {
	VJ_WAIT_TARGET, /* the jail ends when PROGRAM exits; the rest is killed */
	VJ_WAIT_ALL,    /* the jail lives until its last process exits
			 * (a PROGRAM that daemonizes, like qemu -daemonize) */
};

enum vj_ns {
	VJ_NS_MNT, VJ_NS_PID, VJ_NS_NET, VJ_NS_IPC, VJ_NS_UTS, VJ_NS_CGROUP, VJ_NS_USER,
	VJ_NS__COUNT,
};

struct vj_rlimit {
	int resource;        /* RLIMIT_* */
	struct rlimit limit; /* RLIM_INFINITY for "unlimited" */
};

struct vj_plan {
	/* Where it came from. */
	char *profile_name;   /* as given: a name or a path */
	char **profile_files; /* the chain, base first, as absolute paths */

	/* Identity of the jail. */
	char *id;             /* validated jail id (generated when not given) */

	/* Namespaces. */
	bool ns[VJ_NS__COUNT];        /* resolved: which are created (user too) */
	enum vj_userns_mode userns;   /* as the profile asked */
	enum vj_net_mode net;
	char *net_path;               /* VJ_NET_PATH */
	char *hostname;               /* NULL = leave the uts namespace's name */

	/* Root filesystem, in the order it is built (parents first). */
	struct vj_mount *mounts;
	size_t n_mounts;

	/* Process. */
	char **argv;                  /* PROGRAM and its arguments */
	char **envp;                  /* the complete environment, "K=V" */
	char *chdir;                  /* inside the jail; default "/" */
	uid_t uid;                    /* ids PROGRAM runs as (inside the jail) */
	gid_t gid;
	bool allow_root;              /* the profile lets PROGRAM run as uid 0 */
	uint64_t caps_keep;           /* bit N = capability N kept; default 0 */
	struct vj_rlimit *rlimits;
	size_t n_rlimits;
	int *keep_fds;                /* fds passed through, besides 0-2 */
	bool keep_all_fds;            /* every fd the caller left inheritable passes */
	size_t n_keep_fds;
	enum vj_wait_mode wait;
	bool exec_inplace;            /* --exec: no fork, no pid namespace */
	int info_fd;                  /* -1 = none */
	char *state_dir;              /* --state-dir: root of the jails' state; NULL = default */

	/* Engines, each owned and documented by its own module. */
	struct vj_seccomp_plan seccomp;
	struct vj_cgroup_plan cgroup;
	struct vj_qmp_plan qmp;
	struct vj_lsm_plan lsm;
};

void vj_plan_free(struct vj_plan *plan);
static inline void vj_plan_freep(struct vj_plan **p)
{
	if (*p) {
		vj_plan_free(*p);
		free(*p);
	}
}
#define _cleanup_plan_ _cleanup_(vj_plan_freep)

/* Names for messages and JSON. */
const char *vj_mount_type_name(enum vj_mount_type t);
const char *vj_ns_name(enum vj_ns ns);

#endif
