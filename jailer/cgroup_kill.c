/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgroup_kill.c - empty a cgroup tree of processes and remove it.
 *
 * Theory of operation:
 *  1. v2 with cgroup.kill (Linux 5.14+): one write kills every process in
 *     the subtree, atomically with respect to fork.
 *  2. Otherwise freeze first (v2 cgroup.freeze, or the v1 freezer when the
 *     tree is on the freezer hierarchy), so nothing can fork while we read
 *     cgroup.procs. Then SIGKILL every listed process in every cgroup of
 *     the tree and thaw so the killed tasks can die. Without a freezer the
 *     same loop runs unfrozen; a fork racing it is caught by the next
 *     round. A listed pid is pinned with a pidfd and signalled only if it
 *     is still listed afterwards, so a pid that exited and was reused by
 *     an unrelated process is never signalled.
 *  3. Repeat until cgroup.procs is empty everywhere in the tree, or the
 *     timeout passes (a task in uninterruptible sleep): -EBUSY.
 *  4. Removal is depth-first rmdir; a cgroup that was just emptied can
 *     still report busy for a moment, so rmdir is retried until the same
 *     timeout.
 */
#include "cgroup_internal.h"
#include "compat.h"
#include "jsonp.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <linux/magic.h>
#include <sys/vfs.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>


static void nap(void)
{
	struct timespec ts = { 0, 5 * 1000 * 1000 };
	nanosleep(&ts, NULL);
}

/* The pids listed in dirfd's cgroup.procs (n of them, malloc'd). */
static int read_procs(int dirfd, pid_t **out, size_t *n)
{
	_cleanup_free_ char *procs = NULL;
	*out = NULL;
	*n = 0;
	int r = vj_read_file_at(dirfd, "cgroup.procs", 16 << 20, &procs, NULL);
	if (r < 0)
		return r == -ENOENT || r == -ENODEV ? 0 : r;
	size_t cap = 0;
	for (char *p = procs; *p;) {
		char *end;
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			pid_t *nv = realloc(*out, cap * sizeof(pid_t));
			if (!nv) {
				free(*out);
				*out = NULL;
				return -ENOMEM;
			}
			*out = nv;
		}
		if (pid > 0)
			(*out)[(*n)++] = (pid_t)pid;
		p = end + strspn(end, "\n");
	}
	return 0;
}

static bool listed(const pid_t *v, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == pid)
			return true;
	return false;
}

/* SIGKILL every process listed in the tree; returns how many were
 * listed, or -errno. A pid read from cgroup.procs may exit and be reused
 * by an unrelated process before we signal it, so each is pinned with a
 * pidfd first, and signalled only if its pid is still listed after that:
 * then the pidfd is that cgroup member (or a process that has exited,
 * which the signal no longer reaches). */
static int kill_pass(int dirfd, int depth)
{
	_cleanup_free_ pid_t *pids = NULL, *again = NULL;
	_cleanup_free_ int *fds = NULL;
	size_t n = 0, m = 0;
	int r = read_procs(dirfd, &pids, &n);
	if (r < 0)
		return r;
	int count = (int)n;
	if (n) {
		fds = malloc(n * sizeof(int));
		if (!fds)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++) {
			if (pids[i] == getpid()) {
				for (size_t k = 0; k < i; k++)
					if (fds[k] >= 0)
						close(fds[k]);
				return -EDEADLK; /* never kill ourselves */
			}
			int fd = (int)syscall(SYS_pidfd_open, pids[i], 0); /* pidfds are O_CLOEXEC */
			fds[i] = fd >= 0 ? fd : -errno;
		}
		r = read_procs(dirfd, &again, &m);
		for (size_t i = 0; i < n; i++) {
			if (fds[i] >= 0) {
				if (r >= 0 && listed(again, m, pids[i]))
					(void)syscall(SYS_pidfd_send_signal, fds[i], SIGKILL, NULL, 0);
				close(fds[i]);
			} else if (fds[i] == -ENOSYS) {
				kill(pids[i], SIGKILL); /* before Linux 5.3: no pidfds */
			}
		}
	}
	if (depth > 32)
		return count;
	int dfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return count;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		_cleanup_close_ int cfd = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (cfd < 0)
			continue;
		r = kill_pass(cfd, depth + 1);
		if (r > 0)
			count += r;
	}
	closedir(d);
	return count;
}

/* v1 freezer: FREEZING until every task stopped. */
static void v1_freeze_wait(int dirfd, int64_t deadline)
{
	while (vj_now_ms() < deadline) {
		_cleanup_free_ char *st = NULL;
		if (vj_read_file_at(dirfd, "freezer.state", 64, &st, NULL) < 0 || vj_startswith(st, "FROZEN"))
			return;
		nap();
	}
}

/* Refuse what must never be emptied, before anything is signalled: a
 * hierarchy's root (kernfs gives it inode 1), and any tree that holds this
 * process, its parent or pid 1. A cgroup path gone wrong - a stale record,
 * a bad parent - must fail here rather than kill the host's processes. */
static int guard_tree(int dirfd, int depth)
{
	struct stat st;
	if (depth == 0 && (fstat(dirfd, &st) < 0 || st.st_ino == 1))
		return -EPERM;
	_cleanup_free_ char *procs = NULL;
	int r = vj_read_file_at(dirfd, "cgroup.procs", 16 << 20, &procs, NULL);
	if (r < 0 && r != -ENOENT && r != -ENODEV)
		return r;
	pid_t self = getpid(), parent = getppid();
	for (char *p = procs; p && *p;) {
		char *end;
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		if (pid == self || pid == parent || pid == 1)
			return -EDEADLK;
		p = end + strspn(end, "\n");
	}
	if (depth > 32)
		return 0;
	int dfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return 0;
	}
	struct dirent *de;
	r = 0;
	while (r == 0 && (de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		_cleanup_close_ int cfd = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (cfd >= 0)
			r = guard_tree(cfd, depth + 1);
	}
	closedir(d);
	return r;
}

int vj_cg_kill_tree(int dirfd, bool v2, bool is_freezer, int timeout_ms)
{
	int64_t deadline = vj_now_ms() + timeout_ms;
	int g = guard_tree(dirfd, 0);
	if (g < 0)
		return g;
	bool killed_all = v2 && vj_write_file_at(dirfd, "cgroup.kill", "1") >= 0;
	for (;;) {
		bool frozen = false;
		if (!killed_all) {
			if (v2)
				frozen = vj_write_file_at(dirfd, "cgroup.freeze", "1") >= 0;
			else if (is_freezer && vj_write_file_at(dirfd, "freezer.state", "FROZEN") >= 0) {
				frozen = true;
				v1_freeze_wait(dirfd, deadline);
			}
		}
		int n = kill_pass(dirfd, 0);
		if (frozen) {
			if (v2)
				vj_write_file_at(dirfd, "cgroup.freeze", "0");
			else
				vj_write_file_at(dirfd, "freezer.state", "THAWED");
		}
		if (n < 0)
			return n;
		if (n == 0)
			return 0;
		if (vj_now_ms() > deadline)
			return -EBUSY;
		killed_all = false;
		nap();
	}
}

static int rmdir_tree(int parentfd, const char *name, int64_t deadline, int depth)
{
	_cleanup_close_ int fd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (depth < 32) {
		int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
		if (!d && dfd >= 0)
			close(dfd);
		struct dirent *de;
		while (d && (de = readdir(d))) {
			if (de->d_type != DT_DIR || de->d_name[0] == '.')
				continue;
			int r = rmdir_tree(fd, de->d_name, deadline, depth + 1);
			if (r < 0 && r != -ENOENT) {
				closedir(d);
				return r;
			}
		}
		if (d)
			closedir(d);
	}
	for (;;) {
		if (unlinkat(parentfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY || vj_now_ms() > deadline)
			return -errno;
		nap();
	}
}

int vj_cg_remove_tree(int parentfd, const char *name, bool v2, bool is_freezer, int timeout_ms)
{
	int64_t deadline = vj_now_ms() + timeout_ms;
	_cleanup_close_ int fd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	int r = vj_cg_kill_tree(fd, v2, is_freezer, timeout_ms);
	if (r < 0)
		return r;
	int left = (int)(deadline - vj_now_ms());
	return rmdir_tree(parentfd, name, vj_now_ms() + (left > 100 ? left : 100), 0);
}

static bool on_cgroupfs(int fd)
{
	struct statfs sf;
	return fstatfs(fd, &sf) == 0 && (sf.f_type == CGROUP_SUPER_MAGIC || sf.f_type == CGROUP2_SUPER_MAGIC);
}

/* The path comes from a state record: wherever the hierarchies are
 * mounted, it must name a cgroup whose parent is a cgroup too (never a
 * hierarchy's mount point itself), reached without a symlink. */
int vj_cgroup_remove_path(const char *path, struct vj_error *err)
{
	if (!vj_path_is_normal_absolute(path) || !strchr(path + 1, '/'))
		return vj_error_setx(err, EINVAL, "%s: not a cgroup path", path);
	_cleanup_free_ char *parent = vj_xstrdup(path);
	char *slash = strrchr(parent, '/');
	*slash = '\0';
	const char *name = slash + 1;
	_cleanup_close_ int pfd = vj_openat2(AT_FDCWD, parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC,
					     RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	if (pfd < 0 && errno == ENOSYS) {
		/* Before openat2: the resolved path must be the path itself. */
		char real[PATH_MAX];
		if (!realpath(parent, real))
			return errno == ENOENT ? 0 : vj_error_set(err, errno, "%s", parent);
		if (!vj_streq(real, parent))
			return vj_error_setx(err, ELOOP, "%s: a symlink in the path (%s)", path, real);
		pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	}
	if (pfd < 0)
		return errno == ENOENT ? 0 : vj_error_set(err, errno, "%s", parent);
	if (!on_cgroupfs(pfd))
		return vj_error_setx(err, EINVAL, "%s: not a cgroup below a cgroup hierarchy", path);
	_cleanup_close_ int fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 0 : vj_error_set(err, errno, "%s", path);
	struct statfs sf;
	if (fstatfs(fd, &sf) < 0 || (sf.f_type != CGROUP_SUPER_MAGIC && sf.f_type != CGROUP2_SUPER_MAGIC))
		return vj_error_setx(err, EINVAL, "%s: not a cgroup", path);
	bool v2 = sf.f_type == CGROUP2_SUPER_MAGIC;
	bool freezer = !v2 && faccessat(fd, "freezer.state", F_OK, 0) == 0;
	int r = vj_cg_remove_tree(pfd, name, v2, freezer, 5000);
	if (r == -EPERM || r == -EDEADLK)
		return vj_error_setx(err, -r, "%s: refusing to empty a hierarchy root or a cgroup holding vmjail "
				     "itself or pid 1", path);
	if (r < 0 && r != -ENOENT)
		return vj_error_set(err, r, "removing %s", path);
	return 0;
}
