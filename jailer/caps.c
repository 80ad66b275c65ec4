/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * caps.c - identity and capabilities.
 *
 * Theory of operation, in the order the kernel needs it:
 *  1. the bounding set first, while CAP_SETPCAP is still effective: each
 *     capability not kept is dropped, and only if it is still there
 *     (every PR_CAPBSET_DROP commits a new set of credentials, a cost paid
 *     once per capability and process; reading is cheap);
 *  2. supplementary groups, gid, uid - with PR_SET_KEEPCAPS only when
 *     capabilities are kept, so that the uid change keeps them permitted;
 *  3. capset: effective, permitted and inheritable become exactly the
 *     kept set;
 *  4. ambient: cleared, then the kept capabilities raised - ambient
 *     capabilities are what carries them across execve to a non-root uid;
 *  5. verify with capget and PR_CAPBSET_READ: the kernel, not this code,
 *     has the last word.
 * Plain system calls: libcap-ng (which names capabilities for the
 * profiles, plan.c) would read /proc/PID/status and every bounding bit
 * again around each step, several times per process and launch.
 */
#include "caps.h"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

static unsigned last_cap(void)
{
	static unsigned last;
	if (!last) {
		/* The highest the kernel knows: PR_CAPBSET_READ says EINVAL past it. */
		unsigned c = CAP_LAST_CAP;
		while (c < 63 && prctl(PR_CAPBSET_READ, c + 1, 0, 0, 0) >= 0)
			c++;
		while (c > 0 && prctl(PR_CAPBSET_READ, c, 0, 0, 0) < 0)
			c--;
		last = c;
	}
	return last;
}

static int caps_get(uint64_t *eff, uint64_t *prm, uint64_t *inh)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { 0 };
	if (syscall(SYS_capget, &h, d) < 0)
		return -errno;
	*eff = d[0].effective | (uint64_t)d[1].effective << 32;
	*prm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	*inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	return 0;
}

static int caps_set(uint64_t eff, uint64_t prm, uint64_t inh)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = {
		{ .effective = (uint32_t)eff, .permitted = (uint32_t)prm, .inheritable = (uint32_t)inh },
		{ .effective = (uint32_t)(eff >> 32), .permitted = (uint32_t)(prm >> 32),
		  .inheritable = (uint32_t)(inh >> 32) },
	};
	return syscall(SYS_capset, &h, d) < 0 ? -errno : 0;
}

/* Step 1: leave exactly `keep` (of what is there) in the bounding set. */
static int bounding_keep(uint64_t keep, struct vj_error *err)
{
	for (unsigned cap = 0; cap <= last_cap(); cap++) {
		if (keep & (1ULL << cap))
			continue;
		int in = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
		if (in == 1 && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return vj_error_set(err, errno, "drop capability %u from the bounding set", cap);
	}
	return 0;
}

int vj_caps_bounding_keep(uint64_t keep, struct vj_error *err)
{
	return bounding_keep(keep, err);
}

static int bounding_check(uint64_t keep, struct vj_error *err)
{
	for (unsigned cap = 0; cap <= last_cap(); cap++)
		if (!(keep & (1ULL << cap)) && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1)
			return vj_error_setx(err, EPERM, "capability %u still in the bounding set", cap);
	return 0;
}

int vj_caps_supervisor_minimal(struct vj_error *err)
{
	uint64_t eff, prm, inh;
	int r = caps_get(&eff, &prm, &inh);
	if (r < 0)
		return vj_error_set(err, r, "read the supervisor's capabilities");
	if (!eff && !prm && !inh)
		return 0;
	const uint64_t keep = 1ULL << CAP_KILL | 1ULL << CAP_DAC_OVERRIDE | 1ULL << CAP_FOWNER | 1ULL << CAP_MAC_ADMIN;
	if ((eff & (1ULL << CAP_SETPCAP)) && (r = bounding_keep(keep, err)) < 0)
		return vj_error_prefix(err, "drop the supervisor's capabilities");
	if ((r = caps_set(eff & keep, prm & keep, 0)) < 0)
		return vj_error_set(err, r, "drop the supervisor's capabilities");
	return 0;
}

int vj_caps_drop(uid_t uid, gid_t gid, uint64_t caps_keep, bool drop_groups, struct vj_error *err)
{
	int r;
	/* 1. */
	if ((r = bounding_keep(caps_keep, err)) < 0)
		return r;
	/* 2. */
	if (caps_keep && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return vj_error_set(err, errno, "keep capabilities across the uid change");
	/* The system calls themselves, not glibc's wrappers: a wrapper
	 * applies the change to every thread glibc knows of, and this
	 * process, a raw clone of a supervisor that may have a thread
	 * running (ns.c), holds a copy of glibc's list that names a thread
	 * it does not have - the wrapper would wait for it forever. The
	 * process has one thread: the call alone changes all of it. */
	if (drop_groups && syscall(SYS_setgroups, 0, NULL) < 0)
		return vj_error_set(err, errno, "drop supplementary groups");
	if (syscall(SYS_setresgid, gid, gid, gid) < 0)
		return vj_error_set(err, errno, "change gid to %u", (unsigned)gid);
	if (syscall(SYS_setresuid, uid, uid, uid) < 0)
		return vj_error_set(err, errno, "change uid to %u", (unsigned)uid);
	if (caps_keep && prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return vj_error_set(err, errno, "PR_SET_KEEPCAPS");
	/* 3. */
	if ((r = caps_set(caps_keep, caps_keep, caps_keep)) < 0)
		return vj_error_set(err, r, "set capabilities to 0x%llx", (unsigned long long)caps_keep);
	/* 4. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return vj_error_set(err, errno, "clear ambient capabilities");
	for (unsigned cap = 0; cap <= last_cap(); cap++)
		if ((caps_keep & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			return vj_error_set(err, errno, "raise ambient capability %u", cap);

	/* 5. */
	uint64_t eff, prm, inh;
	if ((r = caps_get(&eff, &prm, &inh)) < 0)
		return vj_error_set(err, r, "capget");
	if (eff != caps_keep || prm != caps_keep || inh != caps_keep)
		return vj_error_setx(err, EPERM, "capabilities are 0x%llx/0x%llx/0x%llx (effective/permitted/inheritable), "
					      "not 0x%llx",
				     (unsigned long long)eff, (unsigned long long)prm, (unsigned long long)inh,
				     (unsigned long long)caps_keep);
	if ((r = bounding_check(caps_keep, err)) < 0)
		return r;
	if (getuid() != uid || geteuid() != uid || getgid() != gid || getegid() != gid)
		return vj_error_setx(err, EPERM, "ids did not change to %u:%u", (unsigned)uid, (unsigned)gid);
	return 0;
}
