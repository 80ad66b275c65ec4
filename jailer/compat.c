/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compat.h"

#include <sys/mount.h>

static unsigned disabled;

void vj_compat_init(void)
{
	const char *s = getenv("VMJAIL_TEST_ENOSYS");
	static const struct { const char *name; unsigned bit; } names[] = {
		{ "clone3", VJ_SYS_CLONE3 }, { "openat2", VJ_SYS_OPENAT2 },
		{ "open_tree", VJ_SYS_OPEN_TREE }, { "close_range", VJ_SYS_CLOSE_RANGE },
		{ "pidfd", VJ_SYS_PIDFD }, { "renameat2", VJ_SYS_RENAMEAT2 },
		{ "netns_ahead", VJ_NETNS_AHEAD }, { "netns_thread", VJ_NETNS_THREAD },
	};
	disabled = 0;
	if (!s)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strstr(s, names[i].name))
			disabled |= names[i].bit;
}

bool vj_compat_disabled(enum vj_compat_call c)
{
	return disabled & c;
}

#define FORCED(c) do { if (disabled & (c)) { errno = ENOSYS; return -1; } } while (0)

long vj_clone3(struct clone_args *args)
{
	FORCED(VJ_SYS_CLONE3);
	return syscall(SYS_clone3, args, sizeof(*args));
}

int vj_openat2(int dirfd, const char *path, uint64_t flags, uint64_t resolve)
{
	FORCED(VJ_SYS_OPENAT2);
	struct open_how how = { .flags = flags, .resolve = resolve };
	return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

int vj_open_tree(int dirfd, const char *path, unsigned flags)
{
	FORCED(VJ_SYS_OPEN_TREE);
	return (int)syscall(SYS_open_tree, dirfd, path, flags);
}

int vj_move_mount(int from_dfd, const char *from, int to_dfd, const char *to, unsigned flags)
{
	FORCED(VJ_SYS_OPEN_TREE);
	return (int)syscall(SYS_move_mount, from_dfd, from, to_dfd, to, flags);
}

int vj_mount_setattr(int dfd, const char *path, unsigned flags, uint64_t set, uint64_t clr, uint64_t propagation)
{
	FORCED(VJ_SYS_OPEN_TREE);
	struct mount_attr attr = { .attr_set = set, .attr_clr = clr, .propagation = propagation };
	return (int)syscall(SYS_mount_setattr, dfd, path, flags, &attr, sizeof(attr));
}

int vj_close_range(unsigned first, unsigned last, unsigned flags)
{
	FORCED(VJ_SYS_CLOSE_RANGE);
	return (int)syscall(SYS_close_range, first, last, flags);
}

int vj_pidfd_open(pid_t pid)
{
	FORCED(VJ_SYS_PIDFD);
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

int vj_pidfd_send_signal(int pidfd, int sig)
{
	FORCED(VJ_SYS_PIDFD);
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

void vj_close_fds_except(const int *keep, size_t n)
{
	int sorted[16];
	size_t m = 0;
	for (size_t i = 0; i < n && m < ARRAY_SIZE(sorted); i++)
		if (keep[i] >= 3)
			sorted[m++] = keep[i];
	qsort(sorted, m, sizeof(int), cmp_int);
	unsigned lo = 3;
	bool ok = true;
	for (size_t i = 0; i <= m && ok; i++) {
		unsigned hi = i < m ? (unsigned)sorted[i] : ~0U;
		if (i < m && (unsigned)sorted[i] < lo)
			continue; /* duplicate */
		if (hi > lo && vj_close_range(lo, i < m ? hi - 1 : hi, 0) < 0)
			ok = false;
		if (i < m)
			lo = hi + 1;
	}
	if (ok)
		return;
	long max = sysconf(_SC_OPEN_MAX);
	for (int fd = 3; fd < (max > 0 && max < 1 << 20 ? max : 65536); fd++) {
		bool k = false;
		for (size_t i = 0; i < m; i++)
			k |= sorted[i] == fd;
		if (!k)
			close(fd);
	}
}

int vj_renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned flags)
{
	FORCED(VJ_SYS_RENAMEAT2);
	return (int)syscall(SYS_renameat2, olddirfd, oldpath, newdirfd, newpath, flags);
}
