/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * compat.h - thin wrappers for the newer syscalls vmjail prefers (clone3,
 * openat2, open_tree/move_mount/mount_setattr, pidfd_*, close_range,
 * renameat2), each with a fallback in its caller.
 *
 * VMJAIL_TEST_ENOSYS=clone3,openat2,open_tree,... makes the named wrappers
 * fail with ENOSYS so the test suite can run every fallback on a kernel
 * that has the new calls (as crun's tests do). It is read once, before
 * clone, by vj_compat_init().
 */
#ifndef VJ_COMPAT_H
#define VJ_COMPAT_H

#include <sys/mount.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <signal.h>
#include <sys/syscall.h>

#include "util.h"

enum vj_compat_call {
	VJ_SYS_CLONE3 = 1 << 0,
	VJ_SYS_OPENAT2 = 1 << 1,
	VJ_SYS_OPEN_TREE = 1 << 2,     /* with move_mount and mount_setattr */
	VJ_SYS_CLOSE_RANGE = 1 << 3,
	VJ_SYS_PIDFD = 1 << 4,
	VJ_SYS_RENAMEAT2 = 1 << 5,
	VJ_NETNS_AHEAD = 1 << 6,       /* not a call: the network namespace made ahead (ns.c) */
	VJ_NETNS_THREAD = 1 << 7,      /* that thread's unshare fails: the child makes its own */
};

void vj_compat_init(void);
bool vj_compat_disabled(enum vj_compat_call c);

long vj_clone3(struct clone_args *args);
int vj_openat2(int dirfd, const char *path, uint64_t flags, uint64_t resolve);
int vj_open_tree(int dirfd, const char *path, unsigned flags);
int vj_move_mount(int from_dfd, const char *from, int to_dfd, const char *to, unsigned flags);
int vj_mount_setattr(int dfd, const char *path, unsigned flags, uint64_t set, uint64_t clr, uint64_t propagation);
int vj_close_range(unsigned first, unsigned last, unsigned flags);
int vj_pidfd_open(pid_t pid);
/* Close every fd >= 3 except those listed (close_range between them;
 * a loop over /proc/self/fd where that is missing). */
void vj_close_fds_except(const int *keep, size_t n);
int vj_pidfd_send_signal(int pidfd, int sig);
int vj_renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned flags);

#endif
