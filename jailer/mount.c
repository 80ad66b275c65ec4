/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mount.c - the jail's root filesystem.
 *
 * Theory of operation (runs in the child, in its new mount namespace,
 * before anything of the jailed program exists):
 *
 *  1. Make every mount private, so nothing we do propagates to the host
 *     and nothing the host does later appears in the jail. This needs "/"
 *     to be a mount's root, as pivot_root (step 6) does: inside a chroot
 *     into a plain directory it is not, and the failure says so.
 *  2. Open every bind source now, while the host tree is still in view:
 *     open_tree(OPEN_TREE_CLONE|AT_RECURSIVE) gives a detached copy of the
 *     source tree; on kernels without it, an O_PATH fd is kept and bound
 *     later through /proc/self/fd. Each source path is resolved exactly
 *     once; later steps only use the fd.
 *  3. Mount a fresh tmpfs as the new root on a staging directory (over an
 *     existing one: nothing is created on the host) and keep an O_PATH fd.
 *  4. For each mount of the plan, parents first: walk the target's
 *     components from the root fd one at a time with openat2(
 *     RESOLVE_NO_SYMLINKS|RESOLVE_BENEATH) (fallback: O_NOFOLLOW plus a
 *     type check), creating missing directories. A symlink on the way -
 *     planted in a writable bind by an earlier run of the jailed program,
 *     say - is an error, never followed. The mount itself goes onto the
 *     target's fd (move_mount, or mount() on /proc/self/fd/N).
 *  5. Restrict each bind: read-only, nosuid, nodev, noexec as the plan
 *     says, recursively (mount_setattr(AT_RECURSIVE); fallback: remount
 *     every mount under the target as listed in mountinfo, keeping the
 *     flags the kernel locked).
 *  6. pivot_root into the new root, detach the old one, remount the root
 *     tmpfs read-only.
 */
#include "mount.h"
#include "compat.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

/* Where the new root is assembled: an existing directory, mounted over in
 * the private namespace only. */
static const char *const staging_dirs[] = { "/tmp", "/run", "/mnt", "/var/tmp", "/media", "/srv", "/opt" };

static bool is_bind(enum vj_mount_type t)
{
	return t == VJ_MOUNT_RO_BIND || t == VJ_MOUNT_BIND || t == VJ_MOUNT_DEV_BIND;
}

static uint64_t ms_to_attr(unsigned long flags)
{
	uint64_t a = 0;
	if (flags & MS_RDONLY)
		a |= MOUNT_ATTR_RDONLY;
	if (flags & MS_NOSUID)
		a |= MOUNT_ATTR_NOSUID;
	if (flags & MS_NODEV)
		a |= MOUNT_ATTR_NODEV;
	if (flags & MS_NOEXEC)
		a |= MOUNT_ATTR_NOEXEC;
	return a;
}

struct source {
	int fd;         /* detached tree (new API) or O_PATH fd; -1 = skip */
	bool tree;      /* fd is a detached mount tree */
	bool is_dir;
};

/* Step 2. */
static int open_source(const struct vj_mount *m, struct source *s, struct vj_error *err)
{
	s->fd = -1;
	s->tree = false;
	if (!vj_compat_disabled(VJ_SYS_OPEN_TREE)) {
		int fd = vj_open_tree(AT_FDCWD, m->source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
		if (fd >= 0) {
			s->fd = fd;
			s->tree = true;
		} else if (errno != ENOSYS && errno != EINVAL && errno != EPERM) {
			if (errno == ENOENT && m->optional)
				return 0;
			return vj_error_set(err, errno, "%s", m->source);
		}
	}
	if (s->fd < 0) {
		s->fd = open(m->source, O_PATH | O_CLOEXEC);
		if (s->fd < 0) {
			if (errno == ENOENT && m->optional)
				return 0;
			return vj_error_set(err, errno, "%s", m->source);
		}
	}
	struct stat st;
	if (fstat(s->fd, &st) < 0)
		return vj_error_set(err, errno, "fstat %s", m->source);
	s->is_dir = S_ISDIR(st.st_mode);
	return 0;
}

/* Open one path component below dir without following a symlink. */
static int open_component(int dir, const char *name, bool want_dir)
{
	uint64_t flags = O_PATH | O_CLOEXEC | O_NOFOLLOW | (want_dir ? O_DIRECTORY : 0);
	int fd = vj_openat2(dir, name, flags, RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_BENEATH);
	if (fd < 0 && errno == ENOSYS)
		fd = openat(dir, name, (int)flags);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	if (S_ISLNK(st.st_mode) || (want_dir && !S_ISDIR(st.st_mode))) {
		close(fd);
		return S_ISLNK(st.st_mode) ? -ELOOP : -ENOTDIR;
	}
	return fd;
}

/* Step 4: the parent directory of target (created as needed) and the last
 * component's name. */
static int open_parent(int root, const char *target, int *parent_out, const char **name_out,
		       struct vj_error *err)
{
	_cleanup_close_ int dir = fcntl(root, F_DUPFD_CLOEXEC, 3);
	if (dir < 0)
		return vj_error_set(err, errno, "dup");
	char comp[256];
	const char *p = target;
	for (;;) {
		while (*p == '/')
			p++;
		const char *end = strchrnul(p, '/');
		if (*end == '\0')
			break;
		size_t len = (size_t)(end - p);
		if (len >= sizeof(comp))
			return vj_error_setx(err, ENAMETOOLONG, "%s: path component too long", target);
		memcpy(comp, p, len);
		comp[len] = '\0';
		int fd = open_component(dir, comp, true);
		if (fd == -ENOENT) {
			if (mkdirat(dir, comp, 0755) < 0 && errno != EEXIST)
				return vj_error_set(err, errno, "%s: mkdir %.*s", target, (int)(end - target), target);
			fd = open_component(dir, comp, true);
		}
		if (fd == -ELOOP)
			return vj_error_setx(err, ELOOP, "%s: %.*s is a symlink; refusing to follow it", target,
					     (int)(end - target), target);
		if (fd < 0)
			return vj_error_set(err, fd, "%s: %.*s", target, (int)(end - target), target);
		close(dir);
		dir = fd;
		p = end;
	}
	*name_out = p;
	*parent_out = TAKE_FD(dir);
	return 0;
}

/* Create (or find) the mount point: a directory or an empty file. */
static int make_mountpoint(int parent, const char *name, bool dir, const char *target, struct vj_error *err)
{
	int fd = open_component(parent, name, dir);
	if (fd == -ENOENT) {
		int r = dir ? mkdirat(parent, name, 0755) : mknodat(parent, name, S_IFREG | 0644, 0);
		if (r < 0 && errno != EEXIST)
			return vj_error_set(err, errno, "%s: create mount point", target);
		fd = open_component(parent, name, dir);
	}
	if (fd == -ELOOP)
		return vj_error_setx(err, ELOOP, "%s: is a symlink; refusing to mount on it", target);
	if (fd < 0)
		return vj_error_set(err, fd, "%s", target);
	struct stat st;
	if (fstat(fd, &st) < 0 || (!dir && S_ISDIR(st.st_mode))) {
		close(fd);
		return vj_error_setx(err, EISDIR, "%s: is a directory but the source is not", target);
	}
	return fd;
}

static void fd_path(char *buf, size_t len, int fd)
{
	snprintf(buf, len, "/proc/self/fd/%d", fd);
}

/* Fallback of step 5: remount target and every mount below it with flags,
 * keeping the flags each already has (the kernel refuses to clear locked
 * ones in a user namespace). */
static int remount_tree(const char *abs_target, unsigned long flags, struct vj_error *err)
{
	_cleanup_free_ char *info = NULL;
	int r = vj_read_file_at(AT_FDCWD, "/proc/self/mountinfo", 16 << 20, &info, NULL);
	if (r < 0)
		return vj_error_set(err, r, "read /proc/self/mountinfo");
	size_t tlen = strlen(abs_target);
	char *save = NULL;
	for (char *line = strtok_r(info, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		/* id parent major:minor root mountpoint options ... */
		char *f[6] = { 0 };
		char *s = line;
		for (int i = 0; i < 6 && s; i++) {
			f[i] = s;
			s = strchr(s, ' ');
			if (s)
				*s++ = '\0';
		}
		if (!f[5])
			continue;
		/* Unescape octal sequences (\040) in the mount point. */
		char mp[4096];
		size_t o = 0;
		for (const char *c = f[4]; *c && o < sizeof(mp) - 1; c++) {
			if (c[0] == '\\' && c[1] >= '0' && c[1] <= '7' && c[2] && c[3]) {
				mp[o++] = (char)(((c[1] - '0') << 6) | ((c[2] - '0') << 3) | (c[3] - '0'));
				c += 3;
			} else {
				mp[o++] = *c;
			}
		}
		mp[o] = '\0';
		if (strncmp(mp, abs_target, tlen) != 0 || (mp[tlen] != '\0' && mp[tlen] != '/'))
			continue;
		unsigned long cur = 0;
		char *osave = NULL;
		for (char *opt = strtok_r(f[5], ",", &osave); opt; opt = strtok_r(NULL, ",", &osave)) {
			if (vj_streq(opt, "ro")) cur |= MS_RDONLY;
			else if (vj_streq(opt, "nosuid")) cur |= MS_NOSUID;
			else if (vj_streq(opt, "nodev")) cur |= MS_NODEV;
			else if (vj_streq(opt, "noexec")) cur |= MS_NOEXEC;
			else if (vj_streq(opt, "noatime")) cur |= MS_NOATIME;
			else if (vj_streq(opt, "nodiratime")) cur |= MS_NODIRATIME;
			else if (vj_streq(opt, "relatime")) cur |= MS_RELATIME;
		}
		if (mount(NULL, mp, NULL, MS_REMOUNT | MS_BIND | cur | flags, NULL) < 0)
			return vj_error_set(err, errno, "remount %s", mp);
	}
	return 0;
}

static int do_bind(int root_fd, const char *staging, const struct vj_mount *m, struct source *s,
		   struct vj_error *err)
{
	_cleanup_close_ int parent = -1;
	const char *name;
	int r = open_parent(root_fd, m->target, &parent, &name, err);
	if (r < 0)
		return r;
	_cleanup_close_ int tgt = make_mountpoint(parent, name, s->is_dir, m->target, err);
	if (tgt < 0)
		return tgt;
	uint64_t attr = ms_to_attr(m->flags);
	if (s->tree) {
		if (attr && vj_mount_setattr(s->fd, "", AT_EMPTY_PATH | AT_RECURSIVE, attr, 0, 0) < 0)
			return vj_error_set(err, errno, "mount_setattr %s", m->source);
		if (vj_move_mount(s->fd, "", tgt, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
			return vj_error_set(err, errno, "move_mount %s", m->source);
		return 0;
	}
	char src[64], dst[64];
	fd_path(src, sizeof(src), s->fd);
	fd_path(dst, sizeof(dst), tgt);
	if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
		return vj_error_set(err, errno, "bind %s", m->source);
	if (m->flags) {
		_cleanup_free_ char *abs = vj_xasprintf("%s%s", staging, m->target);
		return remount_tree(abs, m->flags, err);
	}
	return 0;
}

/* A "cgroup" mount: the jail's own hierarchies as its cgroup namespace
 * shows them (its leaf is their root), read-only. A lone v2 hierarchy is
 * mounted on the target itself; with v1 ones (a hybrid or v1 host) the
 * target is a read-only tmpfs with a directory per hierarchy, named as
 * Debian names them: the controllers ("memory", "cpu,cpuacct"), "unified"
 * for v2. A jail without a cgroup gets the empty tmpfs. */
static int do_cgroup(int parent, const char *name, const struct vj_mount *m, const struct vj_mount_cgroups *cg,
		     struct vj_error *err)
{
	const unsigned long fl = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	_cleanup_close_ int tgt = make_mountpoint(parent, name, true, m->target, err);
	if (tgt < 0)
		return tgt;
	char dst[64];
	fd_path(dst, sizeof(dst), tgt);
	if (cg->n == 1 && !cg->view[0][0]) {
		if (mount("cgroup2", dst, "cgroup2", fl | MS_RDONLY, NULL) < 0)
			return vj_error_set(err, errno, "mount cgroup2 on %s", m->target);
		return 0;
	}
	if (mount("tmpfs", dst, "tmpfs", fl, "mode=0755") < 0)
		return vj_error_set(err, errno, "mount tmpfs on %s", m->target);
	_cleanup_close_ int top = open_component(parent, name, true);
	if (top < 0)
		return vj_error_set(err, top, "%s", m->target);
	for (size_t i = 0; i < cg->n; i++) {
		const char *v = cg->view[i], *dir = v[0] ? v : "unified";
		if (mkdirat(top, dir, 0755) < 0)
			return vj_error_set(err, errno, "mkdir %s/%s", m->target, dir);
		_cleanup_close_ int sub = open_component(top, dir, true);
		if (sub < 0)
			return vj_error_set(err, sub, "%s/%s", m->target, dir);
		char p[64];
		fd_path(p, sizeof(p), sub);
		if (mount(v[0] ? "cgroup" : "cgroup2", p, v[0] ? "cgroup" : "cgroup2", fl | MS_RDONLY, v[0] ? v : NULL) < 0)
			return vj_error_set(err, errno, "mount %s on %s/%s", v[0] ? "cgroup" : "cgroup2", m->target, dir);
	}
	fd_path(dst, sizeof(dst), top);
	if (mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | fl, NULL) < 0)
		return vj_error_set(err, errno, "remount %s read-only", m->target);
	return 0;
}

static int do_fresh(int root_fd, const struct vj_plan *plan, const struct vj_mount *m, bool userns, bool new_pidns,
		    const struct vj_mount_cgroups *cgroups, struct vj_error *err)
{
	_cleanup_close_ int parent = -1;
	const char *name;
	int r = open_parent(root_fd, m->target, &parent, &name, err);
	if (r < 0)
		return r;

	switch (m->type) {
	case VJ_MOUNT_CGROUP:
		return do_cgroup(parent, name, m, cgroups, err);
	case VJ_MOUNT_DIR: {
		if (mkdirat(parent, name, m->mode ? m->mode : 0755) < 0 && errno != EEXIST)
			return vj_error_set(err, errno, "mkdir %s", m->target);
		int fd = open_component(parent, name, true);
		if (fd < 0)
			return vj_error_set(err, fd, "%s", m->target);
		close(fd);
		if (m->mode && fchmodat(parent, name, m->mode, 0) < 0)
			return vj_error_set(err, errno, "chmod %s", m->target);
		return 0;
	}
	case VJ_MOUNT_SYMLINK:
		if (symlinkat(m->source, parent, name) < 0) {
			char cur[4096];
			ssize_t n = errno == EEXIST ? readlinkat(parent, name, cur, sizeof(cur) - 1) : -1;
			if (n >= 0) {
				cur[n] = '\0';
				if (vj_streq(cur, m->source))
					return 0;
			}
			return vj_error_set(err, errno == EEXIST ? EEXIST : errno, "symlink %s", m->target);
		}
		return 0;
	case VJ_MOUNT_FILE: {
		_cleanup_close_ int fd = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
						m->mode ? m->mode : 0644);
		if (fd < 0)
			return vj_error_set(err, errno, "create %s", m->target);
		const char *c = m->content ? m->content : "";
		r = vj_write_all(fd, c, strlen(c));
		if (r < 0)
			return vj_error_set(err, r, "write %s", m->target);
		if (fchmod(fd, m->mode ? m->mode : 0644) < 0)
			return vj_error_set(err, errno, "chmod %s", m->target);
		return 0;
	}
	default:
		break;
	}

	_cleanup_close_ int tgt = make_mountpoint(parent, name, true, m->target, err);
	if (tgt < 0)
		return tgt;
	char dst[64], data[128] = "";
	fd_path(dst, sizeof(dst), tgt);
	const char *fstype;
	unsigned long flags = m->flags;
	switch (m->type) {
	case VJ_MOUNT_TMPFS: {
		/* A private tmpfs belongs to the jail's ids, so PROGRAM can
		 * write it; /dev stays root's, so PROGRAM cannot add nodes or
		 * names there. */
		bool own = !vj_streq(m->target, "/dev");
		int n = snprintf(data, sizeof(data), "mode=%04o", m->mode ? m->mode : 0755);
		if (own)
			n += snprintf(data + n, sizeof(data) - (size_t)n, ",uid=%u,gid=%u", (unsigned)plan->uid,
				      (unsigned)plan->gid);
		if (m->size)
			snprintf(data + n, sizeof(data) - (size_t)n, ",size=%llu", (unsigned long long)m->size);
		fstype = "tmpfs";
		break;
	}
	case VJ_MOUNT_PROC:
		fstype = "proc";
		flags |= MS_NOSUID | MS_NODEV | MS_NOEXEC;
		break;
	case VJ_MOUNT_DEVPTS:
		fstype = "devpts";
		flags |= MS_NOSUID | MS_NOEXEC;
		/* gid=5 (tty) exists only when the group is mapped. */
		snprintf(data, sizeof(data), userns ? "newinstance,ptmxmode=0666,mode=0620"
						    : "newinstance,ptmxmode=0666,mode=0620,gid=5");
		break;
	case VJ_MOUNT_MQUEUE:
		fstype = "mqueue";
		flags |= MS_NOSUID | MS_NODEV | MS_NOEXEC;
		break;
	default:
		return vj_error_setx(err, EINVAL, "%s: unexpected mount type", m->target);
	}
	if (mount(fstype, dst, fstype, flags, data[0] ? data : NULL) == 0)
		return 0;
	if (m->type == VJ_MOUNT_PROC && errno == EPERM && !new_pidns) {
		/* In place (--exec) in a user namespace: procfs belongs to the
		 * caller's pid namespace, which the user namespace does not own.
		 * The jail shares that pid namespace anyway, so binding the
		 * caller's /proc shows nothing more. */
		if (mount("/proc", dst, NULL, MS_BIND | MS_REC, NULL) < 0)
			return vj_error_set(err, errno, "bind /proc on %s", m->target);
		return 0;
	}
	if (m->type == VJ_MOUNT_PROC && errno == EPERM && userns)
		return vj_error_set(err, EPERM, "mount proc on %s (in a user namespace the kernel requires a fully "
					       "visible /proc: a container that masks parts of it must unmask it, e.g. "
					       "Kubernetes securityContext.procMount: Unmasked)", m->target);
	return vj_error_set(err, errno, "mount %s on %s", fstype, m->target);
}

static void close_sources(struct source *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i].fd >= 0)
			close(s[i].fd);
}

int vj_mount_build_root(const struct vj_plan *plan, bool userns, const struct vj_mount_cgroups *cgroups,
			struct vj_error *err)
{
	_cleanup_close_ int root_fd = -1;

	/* Step 1. EINVAL has one cause here: "/" is no mount's root. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		if (errno == EINVAL)
			return vj_error_setx(err, EINVAL,
					     "/ is not a mount point (vmjail was started inside a chroot?): "
					     "the jail's root needs pivot_root(2); bind-mount the chroot's "
					     "directory onto itself before entering it");
		return vj_error_set(err, errno, "make / private");
	}

	/* Step 2. */
	struct source *src = vj_xcalloc(plan->n_mounts ? plan->n_mounts : 1, sizeof(*src));
	int r = 0;
	for (size_t i = 0; i < plan->n_mounts; i++) {
		src[i].fd = -1;
		if (plan->mounts[i].skip || !is_bind(plan->mounts[i].type))
			continue;
		r = open_source(&plan->mounts[i], &src[i], err);
		if (r < 0) {
			vj_error_prefix(err, "%s", plan->mounts[i].origin ? plan->mounts[i].origin : plan->mounts[i].target);
			goto out;
		}
	}

	/* Step 3. */
	const char *staging = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(staging_dirs) && !staging; i++) {
		struct stat st;
		if (lstat(staging_dirs[i], &st) == 0 && S_ISDIR(st.st_mode))
			staging = staging_dirs[i];
	}
	if (!staging) {
		r = vj_error_setx(err, ENOENT, "no directory to assemble the root on (tried /tmp, /run, /mnt, ...)");
		goto out;
	}
	if (mount("tmpfs", staging, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0) {
		r = vj_error_set(err, errno, "mount the root tmpfs on %s", staging);
		goto out;
	}
	root_fd = open(staging, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (root_fd < 0) {
		r = vj_error_set(err, errno, "open %s", staging);
		goto out;
	}

	/* Steps 4 and 5, parents first (the plan is sorted). */
	for (size_t i = 0; i < plan->n_mounts; i++) {
		const struct vj_mount *m = &plan->mounts[i];
		if (m->skip || (is_bind(m->type) && src[i].fd < 0))
			continue;
		r = is_bind(m->type) ? do_bind(root_fd, staging, m, &src[i], err) : do_fresh(root_fd, plan, m, userns, plan->ns[VJ_NS_PID] && !plan->exec_inplace, cgroups, err);
		if (src[i].fd >= 0) {
			close(src[i].fd);
			src[i].fd = -1;
		}
		if (r < 0) {
			vj_error_prefix(err, "%s", m->origin ? m->origin : m->target);
			goto out;
		}
	}

	/* Step 6. */
	if (fchdir(root_fd) < 0) {
		r = vj_error_set(err, errno, "chdir to the new root");
		goto out;
	}
	if (syscall(SYS_pivot_root, ".", ".") < 0) {
		r = vj_error_set(err, errno, "pivot_root");
		goto out;
	}
	if (umount2(".", MNT_DETACH) < 0) {
		r = vj_error_set(err, errno, "detach the old root");
		goto out;
	}
	if (chdir("/") < 0) {
		r = vj_error_set(err, errno, "chdir /");
		goto out;
	}
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0) {
		r = vj_error_set(err, errno, "remount / read-only");
		goto out;
	}
out:
	close_sources(src, plan->n_mounts);
	free(src);
	return r;
}
