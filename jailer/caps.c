/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * caps.c - identity and capabilities, with libcap-ng.
 *
 * Theory of operation: select exactly the kept capabilities in the
 * effective, permitted, inheritable, ambient and bounding sets, then let
 * capng_change_id() switch gid, groups and uid while keeping them
 * (PR_SET_KEEPCAPS), apply the sets and clear the bounding set of the rest.
 * Ambient capabilities are what carries kept capabilities across execve to
 * a non-root uid. Whatever this leaves is then checked, not assumed.
 */
#include "caps.h"

#include <cap-ng.h>
#include <linux/capability.h>
#include <sys/prctl.h>

int vj_caps_supervisor_minimal(struct vj_error *err)
{
	if (capng_get_caps_process() < 0)
		return vj_error_setx(err, EPERM, "read the supervisor's capabilities");
	if (capng_have_capabilities(CAPNG_SELECT_CAPS) == CAPNG_NONE)
		return 0;
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_updatev(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET, CAP_KILL,
			  CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_MAC_ADMIN, -1) < 0 ||
	    capng_apply(CAPNG_SELECT_BOTH) < 0)
		return vj_error_setx(err, EPERM, "drop the supervisor's capabilities");
	return 0;
}

int vj_caps_drop(uid_t uid, gid_t gid, uint64_t caps_keep, bool drop_groups, struct vj_error *err)
{
	/* libcap-ng keeps the task it acts on in its state: pid 1 shares its
	 * memory with PROGRAM until PROGRAM's execve (child.c), and must not
	 * act on PROGRAM's task id. */
	capng_setpid((int)gettid());
	capng_clear(CAPNG_SELECT_ALL);
	for (unsigned cap = 0; cap <= CAP_LAST_CAP && cap < 64; cap++) {
		if (!(caps_keep & (1ULL << cap)))
			continue;
		if (capng_update(CAPNG_ADD,
				 CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_INHERITABLE | CAPNG_BOUNDING_SET |
					 CAPNG_AMBIENT,
				 cap) < 0)
			return vj_error_setx(err, EINVAL, "capability %u", cap);
	}
	int flags = CAPNG_CLEAR_BOUNDING | (drop_groups ? CAPNG_DROP_SUPP_GRP : 0);
	int r = capng_change_id((int)uid, (int)gid, flags);
	if (r < 0)
		return vj_error_setx(err, EPERM, "change ids to %u:%u and drop capabilities (libcap-ng error %d)",
				     (unsigned)uid, (unsigned)gid, r);
	/* capng_change_id applies caps and bounding set; ambient separately. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return vj_error_set(err, errno, "clear ambient capabilities");
	for (unsigned cap = 0; cap <= CAP_LAST_CAP && cap < 64; cap++)
		if ((caps_keep & (1ULL << cap)) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			return vj_error_set(err, errno, "raise ambient capability %u", cap);

	/* Verify: the kernel, not the library, has the last word. */
	for (unsigned cap = 0; cap <= CAP_LAST_CAP && cap < 64; cap++) {
		if (caps_keep & (1ULL << cap))
			continue;
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1)
			return vj_error_setx(err, EPERM, "capability %u still in the bounding set", cap);
	}
	if (getuid() != uid || geteuid() != uid || getgid() != gid || getegid() != gid)
		return vj_error_setx(err, EPERM, "ids did not change to %u:%u", (unsigned)uid, (unsigned)gid);
	return 0;
}
