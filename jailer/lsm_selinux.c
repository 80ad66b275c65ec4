/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lsm_selinux.c - SELinux: each jail runs in its own MCS category pair,
 * like libvirt's sVirt, and the files it must write carry the same pair.
 *
 * Theory of operation:
 *  1. Probe (parent): libselinux says whether SELinux is enabled; the mode
 *     (enforcing or permissive) is read, reported, never assumed.
 *  2. Prepare (parent):
 *     a. the base contexts: the profile's "label" / "file_label"
 *        (--selinux-label), else the policy's virtual_domain_context and
 *        virtual_image_context files (as libvirt reads them). No process
 *        label at all -> -ENODATA (a notice when optional).
 *     b. the category pair: c1 < c2 drawn at random from c0..c1023 (or
 *        the profile's "categories" range; every pair in turn once 256
 *        random draws found none free) and
 *        reserved as a file "cN,cM" (O_EXCL) in <state root>/selinux-mcs/,
 *        under an flock on its ".lock", holding "PID STARTTIME" of this
 *        supervisor. A reservation whose process is gone (or whose pid was
 *        reused: the start time differs) is stale and taken over. The
 *        state root is $VMJAIL_STATE_DIR, else /run/vmjail as root, else
 *        $XDG_RUNTIME_DIR/vmjail (or /tmp/vmjail-UID).
 *     c. the contexts: the base's user:role:type, its low sensitivity, and
 *        the pair ("system_u:system_r:svirt_t:s0:c12,c345"), checked
 *        against the loaded policy.
 *     d. relabel the writable binds' sources, recursively, without
 *        crossing into other filesystems or following symlinks: every
 *        entry is opened O_PATH|O_NOFOLLOW below its parent's fd and
 *        labelled through /proc/self/fd. The old labels are kept, in
 *        memory and - each before its file is relabelled - in the jail's
 *        LSM record ("selinux": the context, then ROOT, PATH, OLD per
 *        entry, NUL-separated), so that gc or the next run of the id can
 *        restore them after a supervisor killed with SIGKILL.
 *  3. Apply (PROGRAM's process): write the process context to this
 *     thread's attr/exec (setexeccon() without its allocation); it takes
 *     effect at execve. The policy must allow the transition from the
 *     caller's domain, and - because no_new_privs is set before execve -
 *     process2:nnp_transition (or a bounded type).
 *  4. Release (parent, once the jail's processes are gone): restore the
 *     old labels (reopening each path with RESOLVE_BENEATH|
 *     RESOLVE_NO_SYMLINKS below the source: what the jail replaced with a
 *     symlink is left alone), remove the reservation. A dead jail's
 *     record is restored the same way, last entry first, unless a live
 *     process still runs in its context.
 */
#include "lsm_internal.h"
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "lsm_dl.h"

#include "jsonw.h"

#define MCS_MAX 1024          /* categories c0..c1023 */
#define LABEL_MAX_ENTRIES 100000

int vj_selinux_probe(char *reason, size_t len)
{
	/* The kernel is the oracle: selinuxfs answers for the enforcing
	 * mode. (is_selinux_enabled() also wants /etc/selinux/config, which
	 * a host that boots with SELinux on need not have.) libselinux is
	 * loaded only once the kernel has SELinux (lsm_dl.c). */
	struct stat st;
	if (stat("/sys/fs/selinux/enforce", &st) < 0) {
		snprintf(reason, len, "SELinux is not enabled on this host");
		return 0;
	}
	const char *why = vj_selinux_lib_error();
	if (why) {
		snprintf(reason, len, "SELinux is enabled, but %s", why);
		return 0;
	}
	int e = vj_selinux_lib()->security_getenforce();
	if (e < 0) {
		snprintf(reason, len, "SELinux is not enabled on this host");
		return 0;
	}
	snprintf(reason, len, "%s", e == 1 ? "enforcing" : e == 0 ? "permissive" : "unknown mode");
	return 1;
}

static char *state_root(void)
{
	const char *env = getenv("VMJAIL_STATE_DIR");
	if (env && *env)
		return vj_xstrdup(env);
	if (geteuid() == 0)
		return vj_xstrdup("/run/vmjail");
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	struct stat st;
	if (xdg && xdg[0] == '/' && stat(xdg, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid())
		return vj_xasprintf("%s/vmjail", xdg);
	return vj_xasprintf("/tmp/vmjail-%u", (unsigned)geteuid());
}

/* A reservation whose owner is gone. */
static bool stale(int dirfd, const char *name)
{
	_cleanup_free_ char *s = NULL;
	if (vj_read_file_at(dirfd, name, 256, &s, NULL) < 0)
		return false;
	long pid = 0;
	unsigned long long st = 0;
	if (sscanf(s, "%ld %llu", &pid, &st) != 2 || pid <= 0)
		return true;
	unsigned long long now = vj_lsm_start_time((pid_t)pid);
	return now == 0 || now != st;
}

static int mkdir_p(const char *path, mode_t mode)
{
	_cleanup_free_ char *p = vj_xstrdup(path);
	for (char *s = p + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			if (mkdir(p, mode) < 0 && errno != EEXIST)
				return -errno;
			*s = '/';
		}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* One candidate: create the reservation file, or take over a stale one.
 * 1: reserved; 0: taken; <0: error. */
static int try_pair(struct vj_selinux *se, int dfd, const char *dir, int a, int b, const char *owner,
		    struct vj_error *err)
{
	char name[32];
	snprintf(name, sizeof(name), "c%d,c%d", a, b);
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST && stale(dfd, name)) {
		if (unlinkat(dfd, name, 0) == 0)
			fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	}
	if (fd < 0)
		return errno == EEXIST ? 0 : vj_error_set(err, errno, "reserve %s/%s", dir, name);
	int r = vj_write_all(fd, owner, strlen(owner));
	close(fd);
	if (r < 0) {
		unlinkat(dfd, name, 0);
		return vj_error_set(err, r, "write %s/%s", dir, name);
	}
	se->c1 = a;
	se->c2 = b;
	se->reservation = vj_xasprintf("%s/%s", dir, name);
	return 1;
}

int vj_selinux_reserve(struct vj_selinux *se, int lo, int hi, struct vj_error *err)
{
	if (lo < 0 || hi >= MCS_MAX || hi <= lo)
		return vj_error_setx(err, EINVAL, "category range c%d..c%d", lo, hi);
	_cleanup_free_ char *root = state_root();
	_cleanup_free_ char *dir = vj_xasprintf("%s/selinux-mcs", root);
	int r = mkdir_p(dir, 0700);
	if (r < 0)
		return vj_error_set(err, r, "category reservations: mkdir %s", dir);
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return vj_error_set(err, errno, "category reservations: %s", dir);
	_cleanup_close_ int lock = openat(dfd, ".lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (lock < 0)
		return vj_error_set(err, errno, "%s/.lock", dir);
	while (flock(lock, LOCK_EX) < 0)
		if (errno != EINTR)
			return vj_error_set(err, errno, "flock %s/.lock", dir);

	char owner[64];
	snprintf(owner, sizeof(owner), "%d %llu\n", (int)getpid(), vj_lsm_start_time(getpid()));
	uint32_t n = (uint32_t)(hi - lo + 1);
	/* Random draws first (a pair says nothing about the jails before
	 * it), then every pair in turn, so a nearly full range still finds
	 * its last free pair. */
	for (int tries = 0; tries < 256; tries++) {
		uint32_t rnd[2];
		if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
			return vj_error_set(err, errno, "getrandom");
		int a = lo + (int)(rnd[0] % n), b = lo + (int)(rnd[1] % n);
		if (a == b)
			continue;
		if ((r = try_pair(se, dfd, dir, a < b ? a : b, a < b ? b : a, owner, err)) != 0)
			return r < 0 ? r : 0;
	}
	for (int a = lo; a < hi; a++)
		for (int b = a + 1; b <= hi; b++)
			if ((r = try_pair(se, dfd, dir, a, b, owner, err)) != 0)
				return r < 0 ? r : 0;
	return vj_error_setx(err, EBUSY, "no free category pair in c%d..c%d (%s)", lo, hi, dir);
}

void vj_selinux_unreserve(struct vj_selinux *se)
{
	if (se->reservation)
		unlink(se->reservation);
	free(se->reservation);
	se->reservation = NULL;
	se->c1 = se->c2 = -1;
}

#if VJ_HAVE_SELINUX

/* The first line of a libselinux contexts file, or NULL. */
static char *context_file(const char *path)
{
	_cleanup_free_ char *s = NULL;
	if (!path || vj_read_file_at(AT_FDCWD, path, 4096, &s, NULL) < 0)
		return NULL;
	char *nl = strpbrk(s, "\r\n");
	if (nl)
		*nl = '\0';
	return *s ? vj_xstrdup(s) : NULL;
}

/* base "u:r:t:s0[-s0:c0.c1023]" + pair -> "u:r:t:s0:cA,cB". */
static char *with_pair(const char *base, int c1, int c2)
{
	const char *p = base;
	for (int i = 0; i < 3 && p; i++) {
		p = strchr(p, ':');
		if (p)
			p++;
	}
	if (!p)
		return NULL;
	size_t sens = strcspn(p, ":-");
	if (c1 < 0)
		return vj_xasprintf("%.*s%.*s", (int)(p - base), base, (int)sens, p);
	return vj_xasprintf("%.*s%.*s:c%d,c%d", (int)(p - base), base, (int)sens, p, c1, c2);
}

static int proc_fd_path(char *buf, size_t len, int fd)
{
	return snprintf(buf, len, "/proc/self/fd/%d", fd);
}

struct walk {
	struct vj_selinux *se;
	int rec_fd;             /* the record's "selinux", or -1: none */
	const char *rec_id;
	const char *root;
	const char *ctx;
	dev_t dev;
	size_t entries;
};

/* ROOT, PATH, OLD ("" for none), NUL-terminated each, in one write: in
 * the record before the label changes. */
static int record_label(struct walk *w, const char *rel, const char *old, struct vj_error *err)
{
	if (w->rec_fd < 0)
		return 0;
	size_t lr = strlen(w->root) + 1, lp = strlen(rel) + 1, lo = old ? strlen(old) + 1 : 1;
	_cleanup_free_ char *buf = vj_xmalloc(lr + lp + lo);
	memcpy(buf, w->root, lr);
	memcpy(buf + lr, rel, lp);
	memcpy(buf + lr + lp, old ? old : "", lo);
	int r = vj_write_all(w->rec_fd, buf, lr + lp + lo);
	if (r < 0)
		return vj_error_set(err, r, "jail %s: its LSM record", w->rec_id);
	return 0;
}

static int label_fd(struct walk *w, int fd, const char *rel, struct vj_error *err)
{
	char p[64];
	proc_fd_path(p, sizeof(p), fd);
	char *old = NULL;
	if (vj_selinux_lib()->getfilecon_raw(p, &old) < 0)
		old = NULL;
	if (old && vj_streq(old, w->ctx)) {
		vj_selinux_lib()->freecon(old);
		return 0;
	}
	int r = record_label(w, rel, old, err);
	if (r < 0) {
		vj_selinux_lib()->freecon(old);
		return r;
	}
	if (vj_selinux_lib()->setfilecon_raw(p, w->ctx) < 0) {
		int e = errno;
		vj_selinux_lib()->freecon(old);
		return vj_error_set(err, e, "label %s%s%s as %s", w->root, *rel ? "/" : "", rel, w->ctx);
	}
	struct vj_selinux *se = w->se;
	struct vj_se_label *l = realloc(se->labels, (se->n_labels + 1) * sizeof(*l));
	if (!l)
		abort();
	se->labels = l;
	l[se->n_labels].path = vj_xasprintf("%s%c%s", w->root, '\0', rel);
	l[se->n_labels].old = old ? vj_xstrdup(old) : NULL;
	se->n_labels++;
	vj_selinux_lib()->freecon(old);
	return 0;
}

/* dfd: an O_RDONLY directory fd (consumed). */
static int walk_dir(struct walk *w, int dfd, const char *rel, struct vj_error *err)
{
	DIR *d = fdopendir(dfd);
	if (!d) {
		int e = errno;
		close(dfd);
		return vj_error_set(err, e, "%s/%s", w->root, rel);
	}
	int r = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (vj_streq(de->d_name, ".") || vj_streq(de->d_name, ".."))
			continue;
		if (++w->entries > LABEL_MAX_ENTRIES) {
			r = vj_error_setx(err, E2BIG, "%s: more than %d entries to label", w->root, LABEL_MAX_ENTRIES);
			break;
		}
		_cleanup_free_ char *sub = *rel ? vj_xasprintf("%s/%s", rel, de->d_name) : vj_xstrdup(de->d_name);
		_cleanup_close_ int fd = openat(dirfd(d), de->d_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue; /* gone meanwhile */
		struct stat st;
		if (fstat(fd, &st) < 0 || S_ISLNK(st.st_mode) || st.st_dev != w->dev)
			continue;
		if ((r = label_fd(w, fd, sub, err)) < 0)
			break;
		if (S_ISDIR(st.st_mode)) {
			int sfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sfd >= 0 && (r = walk_dir(w, sfd, sub, err)) < 0)
				break;
		}
	}
	closedir(d);
	return r;
}

static int label_tree(struct vj_selinux *se, int rec_fd, const char *rec_id, const char *root, const char *ctx,
		      struct vj_error *err)
{
	_cleanup_close_ int fd = open(root, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return vj_error_set(err, errno, "%s", root);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return vj_error_set(err, errno, "%s", root);
	struct walk w = { .se = se, .rec_fd = rec_fd, .rec_id = rec_id, .root = root, .ctx = ctx, .dev = st.st_dev };
	int r = label_fd(&w, fd, "", err);
	if (r < 0 || !S_ISDIR(st.st_mode))
		return r;
	char p[64];
	proc_fd_path(p, sizeof(p), fd);
	int dfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return vj_error_set(err, errno, "%s", root);
	return walk_dir(&w, dfd, "", err);
}

/* One entry back to its old label: root, then path below it without
 * following a symlink (what the jail replaced with one is left alone). */
static void restore_one(const char *root, const char *rel, const char *old)
{
	if (!old || !*old)
		return;
	_cleanup_close_ int rfd = open(root, O_PATH | O_CLOEXEC);
	if (rfd < 0)
		return;
	int fd = rfd;
	_cleanup_close_ int sub = -1;
	if (*rel) {
		struct open_how how = {
			.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
			.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
		};
		sub = (int)syscall(SYS_openat2, rfd, rel, &how, sizeof(how));
		if (sub < 0)
			return;
		struct stat st;
		if (fstat(sub, &st) < 0 || S_ISLNK(st.st_mode))
			return;
		fd = sub;
	}
	char p[64];
	proc_fd_path(p, sizeof(p), fd);
	(void)vj_selinux_lib()->setfilecon_raw(p, old);
}

static void restore_labels(struct vj_selinux *se)
{
	for (size_t i = se->n_labels; i-- > 0;) {
		const char *root = se->labels[i].path;
		restore_one(root, root + strlen(root) + 1, se->labels[i].old);
	}
}

/* A dead jail's reservation (an absolute path): removed when stale. */
static void drop_reservation(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (path[0] != '/' || !slash || !slash[1])
		return;
	_cleanup_free_ char *dir = strndup(path, (size_t)(slash - path));
	if (!dir)
		return;
	_cleanup_close_ int dfd = open(*dir ? dir : "/", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return;
	_cleanup_close_ int lock = openat(dfd, ".lock", O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (lock < 0)
		return;
	while (flock(lock, LOCK_EX) < 0)
		if (errno != EINTR)
			return;
	if (stale(dfd, slash + 1))
		unlinkat(dfd, slash + 1, 0);
}

int vj_selinux_restore_record(int dfd, size_t *n, pid_t *user)
{
	_cleanup_free_ char *s = NULL;
	size_t len = 0;
	*n = 0;
	int r = vj_read_file_at(dfd, "selinux", 256 << 20, &s, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	/* CONTEXT, RESERVATION, then whole ROOT PATH OLD triples (a write cut
	 * short by the kill ends the list: its label was never changed). */
	const char **f = NULL;
	size_t nf = 0;
	for (size_t off = 0; off < len;) {
		size_t l = strnlen(s + off, len - off);
		if (off + l == len)
			break;
		if (nf % 256 == 0) {
			const char **g = realloc(f, (nf + 256) * sizeof(*f));
			if (!g)
				abort();
			f = g;
		}
		f[nf++] = s + off;
		off += l + 1;
	}
	if (nf >= 1) {
		pid_t pid = vj_lsm_label_user(NULL, f[0]);
		if (pid > 0) {
			free(f);
			*user = pid;
			return -EBUSY;
		}
	}
	size_t entries = nf >= 2 ? (nf - 2) / 3 : 0;
	for (size_t i = entries; i-- > 0;)
		restore_one(f[2 + 3 * i], f[2 + 3 * i + 1], f[2 + 3 * i + 2]);
	if (nf >= 2 && *f[1])
		drop_reservation(f[1]);
	*n = entries;
	free(f);
	return 1;
}

void vj_selinux_base_contexts(const struct vj_plan *plan, char **process, char **file)
{
	const struct vj_lsm_plan *lp = &plan->lsm;
	const struct vj_selinux_lib *sl = vj_selinux_lib();
	*process = lp->selinux_label ? vj_xstrdup(lp->selinux_label)
				     : context_file(sl->selinux_virtual_domain_context_path());
	*file = lp->selinux_file_label ? vj_xstrdup(lp->selinux_file_label)
				       : context_file(sl->selinux_virtual_image_context_path());
}

int vj_selinux_prepare(struct vj_selinux *se, const struct vj_plan *plan, struct vj_lsm_rec *rec,
		       struct vj_error *err)
{
	const struct vj_lsm_plan *lp = &plan->lsm;
	_cleanup_close_ int rec_fd = -1;
	int r;
	memset(se, 0, sizeof(*se));
	se->c1 = se->c2 = -1;
	se->enforcing = vj_selinux_lib()->security_getenforce() == 1;

	_cleanup_free_ char *base = NULL, *fbase = NULL;
	vj_selinux_base_contexts(plan, &base, &fbase);
	if (!base)
		return vj_error_setx(err, ENODATA, "no process label: the profile names none (lsm.selinux.label, "
						   "--selinux-label) and the policy has no virtual_domain_context");

	if (lp->selinux_mcs && (r = vj_selinux_reserve(se, lp->selinux_mcs_lo, lp->selinux_mcs_hi, err)) < 0)
		return r;
	se->process_label = with_pair(base, se->c1, se->c2);
	if (!se->process_label) {
		r = vj_error_setx(err, EINVAL, "\"%s\": not a context USER:ROLE:TYPE:LEVEL", base);
		goto fail;
	}
	if (vj_selinux_lib()->security_check_context_raw(se->process_label) < 0) {
		r = vj_error_setx(err, EINVAL, "\"%s\" is not a valid context in the loaded policy", se->process_label);
		goto fail;
	}
	if (fbase) {
		se->file_label = with_pair(fbase, se->c1, se->c2);
		if (!se->file_label || vj_selinux_lib()->security_check_context_raw(se->file_label) < 0) {
			r = vj_error_setx(err, EINVAL, "\"%s\" is not a valid file context in the loaded policy",
					  se->file_label ? se->file_label : fbase);
			goto fail;
		}
	}
	/* The record, before anything is relabelled: the context (gc leaves
	 * the labels while a process runs in it) and the reservation. */
	if (rec) {
		rec_fd = vj_lsm_rec_file(rec, "selinux", err);
		if (rec_fd < 0) {
			r = rec_fd;
			goto fail;
		}
		const char *res = se->reservation ? se->reservation : "";
		if ((r = vj_write_all(rec_fd, se->process_label, strlen(se->process_label) + 1)) < 0 ||
		    (r = vj_write_all(rec_fd, res, strlen(res) + 1)) < 0) {
			r = vj_error_set(err, r, "jail %s: its LSM record", rec->id);
			goto fail;
		}
	}
	if (lp->selinux_relabel && se->file_label) {
		for (size_t i = 0; i < plan->n_mounts; i++) {
			const struct vj_mount *m = &plan->mounts[i];
			if (m->skip || m->type != VJ_MOUNT_BIND || (m->flags & MS_RDONLY))
				continue;
			if ((r = label_tree(se, rec_fd, rec ? rec->id : "", m->source, se->file_label, err)) < 0)
				goto fail;
		}
	}
	se->active = true;
	return 0;
fail:
	vj_selinux_release(se);
	return r;
}

#else /* !VJ_HAVE_SELINUX */

int vj_selinux_prepare(struct vj_selinux *se, const struct vj_plan *plan, struct vj_lsm_rec *rec,
		       struct vj_error *err)
{
	memset(se, 0, sizeof(*se));
	se->c1 = se->c2 = -1;
	return vj_error_setx(err, EOPNOTSUPP, "this vmjail was built without libselinux");
}

static void restore_labels(struct vj_selinux *se)
{
}

int vj_selinux_restore_record(int dfd, size_t *n, pid_t *user)
{
	struct stat st;
	*n = 0;
	/* Never written by this build; one from another build stays. */
	return fstatat(dfd, "selinux", &st, AT_SYMLINK_NOFOLLOW) == 0 ? -EOPNOTSUPP : 0;
}

void vj_selinux_base_contexts(const struct vj_plan *plan, char **process, char **file)
{
	*process = plan->lsm.selinux_label ? vj_xstrdup(plan->lsm.selinux_label) : NULL;
	*file = plan->lsm.selinux_file_label ? vj_xstrdup(plan->lsm.selinux_file_label) : NULL;
}

#endif

int vj_selinux_apply(const struct vj_selinux *se, struct vj_error *err)
{
	static const char *const paths[] = { "/proc/thread-self/attr/exec", "/proc/self/attr/exec", NULL };
	if (!se->active)
		return 0;
	int r = vj_lsm_write_attr(paths, se->process_label, strlen(se->process_label) + 1);
	if (r == -ENOENT)
		return vj_error_setx(err, ENOENT, "SELinux: no /proc/self/attr in the jail (the profile needs \"proc\")");
	if (r < 0)
		return vj_error_set(err, r, "SELinux: setexeccon %s", se->process_label);
	return 0;
}

json_object *vj_selinux_to_json(const struct vj_selinux *se)
{
	json_object *o = json_object_new_object();
	vj_json_add_bool(o, "applied", se->active);
	if (!se->active)
		return o;
	vj_json_add_string(o, "mode", se->enforcing ? "enforcing" : "permissive");
	vj_json_add_string(o, "context", se->process_label);
	vj_json_add_string(o, "file_context", se->file_label);
	if (se->c1 >= 0) {
		json_object *c = json_object_new_array();
		json_object_array_add(c, json_object_new_int(se->c1));
		json_object_array_add(c, json_object_new_int(se->c2));
		vj_json_add(o, "categories", c);
	}
	vj_json_add_uint(o, "relabelled", se->n_labels);
	return o;
}

void vj_selinux_release(struct vj_selinux *se)
{
	restore_labels(se);
	for (size_t i = 0; i < se->n_labels; i++) {
		free(se->labels[i].path);
		free(se->labels[i].old);
	}
	free(se->labels);
	vj_selinux_unreserve(se);
	free(se->process_label);
	free(se->file_label);
	memset(se, 0, sizeof(*se));
	se->c1 = se->c2 = -1;
}
