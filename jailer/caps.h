/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef VJ_CAPS_H
#define VJ_CAPS_H

#include "plan.h"

/* Change to uid/gid and leave exactly caps_keep in every capability set
 * (effective, permitted, inheritable, ambient, bounding). drop_groups
 * clears supplementary groups (not possible, nor needed, where setgroups
 * is denied in a user namespace). */
int vj_caps_drop(uid_t uid, gid_t gid, uint64_t caps_keep, bool drop_groups, struct vj_error *err);

/* The supervisor, once its jail runs: keep only what teardown needs
 * (CAP_KILL, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_MAC_ADMIN), in every set
 * including the bounding set. A no-op without capabilities. */
int vj_caps_supervisor_minimal(struct vj_error *err);
/* Step 1 alone: leave exactly keep (of what is there) in the bounding
 * set. The jail's init does it before it spawns PROGRAM, which then
 * inherits the reduced set and finds nothing left to drop. */
int vj_caps_bounding_keep(uint64_t keep, struct vj_error *err);

#endif
