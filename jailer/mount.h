/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef VJ_MOUNT_H
#define VJ_MOUNT_H

#include "plan.h"

/* Child, in its own mount namespace (and user namespace when userns):
 * build the jail's root filesystem from plan->mounts and pivot into it.
 * On return the old root is gone and the cwd is "/". */
int vj_mount_build_root(const struct vj_plan *plan, bool userns, struct vj_error *err);

#endif
