/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef VJ_MOUNT_H
#define VJ_MOUNT_H

#include "plan.h"

/* Child, in its own mount namespace (and user namespace when userns):
 * build the jail's root filesystem from plan->mounts and pivot into it.
 * On return the old root is gone and the cwd is "/". */
/* The jail's cgroup hierarchies, for a "cgroup" mount: each v1
 * hierarchy's mount options ("memory", "cpu,cpuacct"), or "" for v2. */
struct vj_mount_cgroups {
	const char *view[8];
	size_t n;
};

int vj_mount_build_root(const struct vj_plan *plan, bool userns, const struct vj_mount_cgroups *cgroups,
			struct vj_error *err);

#endif
