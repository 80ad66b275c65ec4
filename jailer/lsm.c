/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lsm.c - the three LSM layers of one jail, strung together.
 *
 * Theory of operation:
 *  1. Prepare (parent, before clone), per layer the profile did not turn
 *     off: probe the host; a layer the host lacks is an error when
 *     required ("SELinux: required, but ..."), a notice when optional,
 *     only a reason in the start record when auto (the default). A
 *     caller that may not use a layer the host has (no label for the jail,
 *     no privilege to load a profile or to relabel) counts as lacking it.
 *       SELinux  (lsm_selinux.c)  reserve a category pair, compute the
 *                                 process and file contexts, label the
 *                                 writable bind sources;
 *       AppArmor (lsm_apparmor.c) generate and load the jail's profile, or
 *                                 check that the named one is loaded;
 *       Landlock (lsm_landlock.c) turn the plan's mounts into rules.
 *     A failure undoes what the earlier layers did.
 *  2. Apply (PROGRAM's process, after pivot_root and the id change, before
 *     seccomp), in this order: the SELinux exec context and the AppArmor
 *     exec profile (both written to /proc/thread-self/attr/..., taking
 *     effect at execve), then Landlock last - its ruleset would otherwise
 *     forbid those very writes to /proc.
 *  3. Report: vj_lsm_to_json() says what applied, with the reason for each
 *     layer that did not.
 *  4. Release (parent, once the jail's processes are gone): unload the
 *     generated profile, restore the labels, drop the category
 *     reservation.
 *  5. The record: what a layer is about to load or relabel is written to
 *     lsm/ below the jail's state directory first (lsm.h), and removed
 *     by the release. A supervisor killed with SIGKILL, or an --exec run
 *     (no supervisor stays), leaves it; vj_lsm_leftovers() releases it -
 *     for `vmjail gc` and, before anything else, for the next run with
 *     the same id - once neither its owner nor any process carrying its
 *     profile or context is alive. With --exec the directory exists for
 *     the record alone, made on first use and locked while preparing
 *     (gc takes the same lock), and its owner is PROGRAM's own pid.
 */
#include "lsm_internal.h"
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>

#include "jsonw.h"
#include "state_int.h" /* VJ_STATE_LOCK */

struct vj_lsm {
	struct vj_selinux se;
	struct vj_apparmor aa;
	struct vj_landlock ll;
	/* Why a layer did not apply ("" when it did). */
	char se_why[200], aa_why[200], ll_why[200];
	/* What the profile asked for. */
	enum vj_lsm_need se_need, aa_need, ll_need;
	struct vj_lsm_rec rec;
};

static const char *const need_names[] = { "off", "auto", "optional", "required" };

int vj_lsm_write_attr(const char *const *paths, const char *s, size_t len)
{
	int r = -ENOENT;
	for (size_t i = 0; paths[i]; i++) {
		_cleanup_close_ int fd = open(paths[i], O_WRONLY | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT)
				continue;
			return -errno;
		}
		ssize_t n = write(fd, s, len);
		if (n < 0)
			return -errno;
		return (size_t)n == len ? 0 : -EIO;
	}
	return r;
}

/* ---- the record ---------------------------------------------------------- */


unsigned long long vj_lsm_start_time(pid_t pid)
{
	char path[64];
	_cleanup_free_ char *s = NULL;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (vj_read_file_at(AT_FDCWD, path, 4096, &s, NULL) < 0)
		return 0;
	char *p = strrchr(s, ')');
	if (!p)
		return 0;
	/* After the command: the state is field 3 (a zombie is gone), the
	 * start time field 22. */
	p += 1 + strspn(p + 1, " ");
	if (*p == 'Z' || *p == 'X')
		return 0;
	for (int field = 3; field < 22; field++) {
		p += strcspn(p, " ");
		p += strspn(p, " ");
	}
	return strtoull(p, NULL, 10);
}

/* "NAME (mode)", "NAME//child (mode)", "a//&NAME (mode)": one of the
 * stacked components is the profile or a child of it. */
static bool aa_label_is(const char *label, const char *name)
{
	size_t n = strlen(name), end = strcspn(label, " \n");
	for (const char *c = label; c < label + end;) {
		const char *next = strstr(c, "//&");
		size_t len = next && next < label + end ? (size_t)(next - c) : (size_t)(label + end - c);
		if (len >= n && strncmp(c, name, n) == 0 && (len == n || strncmp(c + n, "//", 2) == 0))
			return true;
		if (!next || next >= label + end)
			break;
		c = next + 3;
	}
	return false;
}

pid_t vj_lsm_label_user(const char *aa, const char *se)
{
	int pfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = pfd >= 0 ? fdopendir(pfd) : NULL;
	if (!d) {
		if (pfd >= 0)
			close(pfd);
		return 0;
	}
	pid_t found = 0;
	struct dirent *de;
	while (!found && (de = readdir(d))) {
		uint64_t pid;
		if (vj_parse_u64(de->d_name, &pid) < 0 || pid == (uint64_t)getpid())
			continue;
		char path[64], buf[4096];
		int fd = -1;
		if (aa) {
			snprintf(path, sizeof(path), "%s/attr/apparmor/current", de->d_name);
			fd = openat(pfd, path, O_RDONLY | O_CLOEXEC);
		}
		if (fd < 0) {
			snprintf(path, sizeof(path), "%s/attr/current", de->d_name);
			fd = openat(pfd, path, O_RDONLY | O_CLOEXEC);
		}
		if (fd < 0)
			continue;
		ssize_t n = vj_read_full(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		if (aa && aa_label_is(buf, aa))
			found = (pid_t)pid;
		buf[strcspn(buf, "\n")] = '\0';
		if (se && vj_streq(buf, se))
			found = (pid_t)pid;
	}
	closedir(d);
	return found;
}

/* --exec: the jail directory's lock, held while the layers prepare, so a
 * gc never releases a record being written. A gc or a list probe holds
 * it for a moment; a jail of this id for its whole life. */
static int rec_lock(struct vj_lsm_rec *rec, struct vj_error *err)
{
	int fd = openat(rec->home_fd, VJ_STATE_LOCK, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return vj_error_set(err, errno, "jail %s: the lock of its state directory", rec->id);
	int64_t deadline = vj_now_ms() + 2000;
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		if ((e != EWOULDBLOCK && e != EINTR) || vj_now_ms() > deadline) {
			close(fd);
			if (e == EWOULDBLOCK || e == EINTR)
				return vj_error_setx(err, EBUSY, "jail %s: its state directory is locked (is a jail "
								 "of this id running?)", rec->id);
			return vj_error_set(err, e, "jail %s: lock its state directory", rec->id);
		}
		struct timespec ts = { 0, 2000000 };
		nanosleep(&ts, NULL);
	}
	rec->lock_fd = fd;
	return 0;
}

/* The jail's state directory (opened once; with --exec locked, and made
 * when create). 1: open, 0: absent (!create), <0: error. */
static int rec_home(struct vj_lsm_rec *rec, bool create, struct vj_error *err)
{
	if (rec->home_fd >= 0)
		return 1;
	for (int tries = 0; tries < 5; tries++) {
		int fd = rec->home->open(rec->home->ctx, create, err);
		if (fd < 0)
			return fd == -ENOENT && !create ? 0 : fd;
		rec->home_fd = fd;
		if (!rec->home->lock)
			return 1;
		int r = rec_lock(rec, err);
		if (r < 0) {
			close(rec->home_fd);
			rec->home_fd = -1;
			return r;
		}
		/* A gc may have removed the directory between the open and
		 * the lock: then its lock is no longer linked there. */
		struct stat d, a, b;
		if (fstat(rec->home_fd, &d) == 0 && d.st_nlink > 0 &&
		    fstatat(rec->home_fd, VJ_STATE_LOCK, &a, AT_SYMLINK_NOFOLLOW) == 0 && fstat(rec->lock_fd, &b) == 0 &&
		    a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			return 1;
		close(rec->lock_fd);
		close(rec->home_fd);
		rec->lock_fd = rec->home_fd = -1;
	}
	return vj_error_setx(err, EBUSY, "jail %s: its state directory keeps being removed", rec->id);
}

static int rec_dir(struct vj_lsm_rec *rec, struct vj_error *err)
{
	if (rec->dir_fd >= 0)
		return 0;
	int r = rec_home(rec, true, err);
	if (r < 0)
		return r;
	if (mkdirat(rec->home_fd, VJ_LSM_RECORD_DIR, 0700) < 0 && errno != EEXIST)
		return vj_error_set(err, errno, "jail %s: make its LSM record", rec->id);
	_cleanup_close_ int dfd = openat(rec->home_fd, VJ_LSM_RECORD_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return vj_error_set(err, errno, "jail %s: its LSM record", rec->id);
	char owner[64];
	snprintf(owner, sizeof(owner), "%d %llu\n", (int)getpid(), vj_lsm_start_time(getpid()));
	_cleanup_close_ int ofd = openat(dfd, "owner", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (ofd < 0)
		return vj_error_set(err, errno, "jail %s: its LSM record's owner", rec->id);
	if ((r = vj_write_all(ofd, owner, strlen(owner))) < 0)
		return vj_error_set(err, r, "jail %s: its LSM record's owner", rec->id);
	rec->dir_fd = TAKE_FD(dfd);
	return 0;
}

int vj_lsm_rec_file(struct vj_lsm_rec *rec, const char *name, struct vj_error *err)
{
	int r = rec_dir(rec, err);
	if (r < 0)
		return r;
	int fd = openat(rec->dir_fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return vj_error_set(err, errno, "jail %s: its LSM record %s", rec->id, name);
	return fd;
}

void vj_lsm_rec_done(struct vj_lsm_rec *rec, const char *name)
{
	if (rec->dir_fd >= 0)
		unlinkat(rec->dir_fd, name, 0);
}

/* The record goes once no layer's file is left in it. */
static void rec_close(struct vj_lsm_rec *rec)
{
	struct stat st;
	if (rec->dir_fd >= 0 && fstatat(rec->dir_fd, "apparmor", &st, AT_SYMLINK_NOFOLLOW) < 0 &&
	    fstatat(rec->dir_fd, "selinux", &st, AT_SYMLINK_NOFOLLOW) < 0) {
		unlinkat(rec->dir_fd, "owner", 0);
		unlinkat(rec->home_fd, VJ_LSM_RECORD_DIR, AT_REMOVEDIR);
	}
	int fds[] = { rec->dir_fd, rec->home_fd, rec->lock_fd };
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	rec->dir_fd = rec->home_fd = rec->lock_fd = -1;
}

int vj_lsm_leftovers(int jail_dfd, const char *id, char ***notices)
{
	_cleanup_close_ int dfd = openat(jail_dfd, VJ_LSM_RECORD_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? 0 : -errno;
	_cleanup_free_ char *owner = NULL;
	long pid = 0;
	unsigned long long start = 0;
	if (vj_read_file_at(dfd, "owner", 256, &owner, NULL) == 0 && sscanf(owner, "%ld %llu", &pid, &start) == 2 &&
	    pid > 0 && start && vj_lsm_start_time((pid_t)pid) == start) {
		vj_strv_pushf(notices, "jail %s: its LSM record belongs to pid %ld, which still runs: left alone", id, pid);
		return -EBUSY;
	}
	bool kept = false;
	_cleanup_free_ char *name = NULL;
	if (vj_read_file_at(dfd, "apparmor", 4096, &name, NULL) == 0) {
		name[strcspn(name, "\n")] = '\0';
		_cleanup_free_ char *own = vj_xasprintf("vmjail-%s", id);
		pid_t user = 0;
		int r = vj_streq(name, own) ? vj_lsm_apparmor_unload(name, &user) : -EINVAL;
		if (r == -EINVAL)
			vj_strv_pushf(notices, "jail %s: its LSM record names the AppArmor profile \"%s\", not its own: ignored", id,
			     name);
		else if (r == -EBUSY)
			vj_strv_pushf(notices, "jail %s: AppArmor profile %s left loaded: pid %d runs under it", id, name, (int)user);
		else if (r < 0)
			vj_strv_pushf(notices, "jail %s: AppArmor profile %s left loaded: %s", id, name, strerror(-r));
		else if (r > 0)
			vj_strv_pushf(notices, "jail %s: unloaded its AppArmor profile %s", id, name);
		if (r >= 0 || r == -EINVAL)
			unlinkat(dfd, "apparmor", 0);
		else
			kept = true;
	}
	size_t n = 0;
	pid_t user = 0;
	int r = vj_selinux_restore_record(dfd, &n, &user);
	if (r == -EBUSY)
		vj_strv_pushf(notices, "jail %s: its files keep their SELinux labels: pid %d runs in its context", id, (int)user);
	else if (r < 0)
		vj_strv_pushf(notices, "jail %s: its files' SELinux labels not restored: %s", id, strerror(-r));
	else if (r > 0 && n > 0)
		vj_strv_pushf(notices, "jail %s: restored the SELinux labels of %zu files", id, n);
	if (r >= 0)
		unlinkat(dfd, "selinux", 0);
	else
		kept = true;
	if (kept)
		return -EBUSY;
	unlinkat(dfd, "owner", 0);
	unlinkat(jail_dfd, VJ_LSM_RECORD_DIR, AT_REMOVEDIR);
	return 1;
}

/* ---- prepare, apply, report, release --------------------------------------- */

/* The host lacks a layer: an error when required, a notice when optional,
 * only the reason (in the start record) when auto. */
static int missing(enum vj_lsm_need need, const char *layer, const char *reason, char *why, size_t why_len,
		   char ***notices, struct vj_error *err)
{
	snprintf(why, why_len, "%s", reason);
	if (need == VJ_LSM_REQUIRED)
		return vj_error_setx(err, EOPNOTSUPP, "%s: required, but %s", layer, reason);
	if (notices && need == VJ_LSM_OPTIONAL) {
		_cleanup_free_ char *line = vj_xasprintf("%s: %s; running without it", layer, reason);
		if (vj_strv_push(notices, line) < 0)
			return vj_error_set(err, ENOMEM, "notices");
	}
	return 0;
}

/* Failures that mean "not for this jail or this caller" rather than "broken":
 * no label known, no privilege to load a profile or to relabel. */
static bool degradable(int r)
{
	return r == -ENODATA || r == -EPERM || r == -EACCES;
}

/* SELinux and AppArmor set PROGRAM's exec label through the jail's /proc. */
static bool plan_has_proc(const struct vj_plan *plan)
{
	for (size_t i = 0; i < plan->n_mounts; i++)
		if (plan->mounts[i].type == VJ_MOUNT_PROC && !plan->mounts[i].skip &&
		    vj_streq(plan->mounts[i].target, "/proc"))
			return true;
	return false;
}

int vj_lsm_prepare(const struct vj_plan *plan, const struct vj_lsm_home *home, struct vj_lsm **out,
		   char ***notices, struct vj_error *err)
{
	const struct vj_lsm_plan *lp = &plan->lsm;
	struct vj_lsm *l = vj_xcalloc(1, sizeof(*l));
	struct vj_lsm_rec *rec = home ? &l->rec : NULL;
	char reason[200];
	int r = 0;

	*out = NULL;
	l->rec = (struct vj_lsm_rec){ .home = home, .id = plan->id ? plan->id : "jail", .home_fd = -1, .dir_fd = -1,
				      .lock_fd = -1 };
	/* What an earlier run of this id left, first. A directory that cannot
	 * be used holds no record of ours; it fails the launch only if a
	 * layer has something to record. */
	if (home && (r = rec_home(&l->rec, false, err)) > 0) {
		r = vj_lsm_leftovers(l->rec.home_fd, l->rec.id, notices);
		if (r == -EBUSY)
			r = vj_error_setx(err, EBUSY, "jail %s: what an earlier run of this id loaded or relabelled is "
						      "still in use", l->rec.id);
		else if (r < 0)
			r = vj_error_set(err, r, "jail %s: its LSM record", l->rec.id);
		if (r < 0)
			goto fail;
	} else if (r < 0) {
		vj_error_clear(err);
	}
	l->se_need = lp->selinux;
	l->aa_need = lp->apparmor;
	l->ll_need = lp->landlock;
	l->se.c1 = l->se.c2 = -1;
	snprintf(l->se_why, sizeof(l->se_why), "off (lsm.selinux.mode)");
	snprintf(l->aa_why, sizeof(l->aa_why), "off (lsm.apparmor.mode)");
	snprintf(l->ll_why, sizeof(l->ll_why), "off (lsm.landlock.mode)");

	if (lp->selinux != VJ_LSM_OFF) {
		reason[0] = '\0';
		r = vj_selinux_probe(reason, sizeof(reason));
		if (r > 0 && !plan_has_proc(plan)) {
			r = 0;
			snprintf(reason, sizeof(reason), "the jail has no /proc to set the exec label through");
		}
		if (r > 0) {
			r = vj_selinux_prepare(&l->se, plan, rec, err);
			if (r < 0) /* its labels are restored already */
				vj_lsm_rec_done(&l->rec, "selinux");
			if (degradable(r) && lp->selinux != VJ_LSM_REQUIRED) {
				/* Enabled, but no label known for this jail, or
				 * this caller may not label. */
				r = missing(lp->selinux, "SELinux", err->msg, l->se_why, sizeof(l->se_why), notices, err);
				vj_error_clear(err);
			} else if (r < 0) {
				vj_error_prefix(err, "SELinux");
			} else {
				l->se_why[0] = '\0';
			}
		} else {
			r = missing(lp->selinux, "SELinux", r < 0 ? strerror(-r) : reason, l->se_why,
				    sizeof(l->se_why), notices, err);
		}
		if (r < 0)
			goto fail;
	}

	if (lp->apparmor != VJ_LSM_OFF) {
		reason[0] = '\0';
		r = vj_apparmor_probe(reason, sizeof(reason));
		if (r > 0 && !plan_has_proc(plan)) {
			r = 0;
			snprintf(reason, sizeof(reason), "the jail has no /proc to set the exec profile through");
		}
		if (r > 0) {
			r = vj_apparmor_prepare(&l->aa, plan, rec, err);
			if (degradable(r) && lp->apparmor != VJ_LSM_REQUIRED) {
				/* This caller may not load a profile. */
				r = missing(lp->apparmor, "AppArmor", err->msg, l->aa_why, sizeof(l->aa_why), notices, err);
				vj_error_clear(err);
			} else if (r < 0) {
				vj_error_prefix(err, "AppArmor");
			} else {
				l->aa_why[0] = '\0';
			}
		} else {
			r = missing(lp->apparmor, "AppArmor", r < 0 ? strerror(-r) : reason, l->aa_why,
				    sizeof(l->aa_why), notices, err);
		}
		if (r < 0)
			goto fail;
	}

	if (lp->landlock != VJ_LSM_OFF) {
		int abi = vj_landlock_abi();
		if (abi > 0) {
			r = vj_landlock_prepare(&l->ll, plan, abi, err);
			if (r < 0)
				vj_error_prefix(err, "Landlock");
			else
				l->ll_why[0] = '\0';
		} else {
			const char *why = abi == -ENOSYS ? "the kernel has no Landlock"
				      : abi == -EOPNOTSUPP ? "Landlock is not enabled on this host (see lsm= on the kernel command line)"
							   : strerror(-abi);
			r = missing(lp->landlock, "Landlock", why, l->ll_why, sizeof(l->ll_why), notices, err);
		}
		if (r < 0)
			goto fail;
	}
	l->rec.home = NULL; /* the caller's, for this call only */
	*out = l;
	return 0;
fail:
	vj_lsm_release(l);
	return r;
}

int vj_lsm_child_apply(const struct vj_lsm *lsm, const struct vj_plan *plan, struct vj_error *err)
{
	int r;
	if (!lsm)
		return 0;
	if ((r = vj_selinux_apply(&lsm->se, err)) < 0)
		return r;
	if ((r = vj_apparmor_apply(&lsm->aa, err)) < 0)
		return r;
	return vj_landlock_apply(&lsm->ll, err);
}

static void add_layer(json_object *o, const char *key, json_object *layer, const char *why,
		      enum vj_lsm_need need)
{
	vj_json_add_string(layer, "wanted", need_names[need]);
	if (why && *why)
		vj_json_add_string(layer, "reason", why);
	vj_json_add(o, key, layer);
}

json_object *vj_lsm_to_json(const struct vj_lsm *lsm)
{
	json_object *o = json_object_new_object();
	if (!lsm)
		return o;
	add_layer(o, "selinux", vj_selinux_to_json(&lsm->se), lsm->se_why, lsm->se_need);
	add_layer(o, "apparmor", vj_apparmor_to_json(&lsm->aa), lsm->aa_why, lsm->aa_need);
	add_layer(o, "landlock", vj_landlock_to_json(&lsm->ll), lsm->ll_why, lsm->ll_need);
	return o;
}

void vj_lsm_release(struct vj_lsm *lsm)
{
	if (!lsm)
		return;
	if (vj_apparmor_release(&lsm->aa) == 0)
		vj_lsm_rec_done(&lsm->rec, "apparmor");
	vj_selinux_release(&lsm->se);
	vj_lsm_rec_done(&lsm->rec, "selinux");
	vj_landlock_free(&lsm->ll);
	rec_close(&lsm->rec);
	free(lsm);
}

/* ---- what `vmjail check` shows ------------------------------------------- */

/* Whether a layer would apply: "applies", and "reason" when not. */
static bool check_host(json_object *o, enum vj_lsm_need need, const char *key, int probe, const char *reason,
		       bool has_proc)
{
	vj_json_add_string(o, "wanted", need_names[need]);
	const char *why = NULL;
	char off[64];
	if (need == VJ_LSM_OFF) {
		snprintf(off, sizeof(off), "off (lsm.%s.mode)", key);
		why = off;
	} else if (probe <= 0) {
		why = probe < 0 ? strerror(-probe) : reason;
	} else if (!has_proc) {
		why = "the jail has no /proc to set the exec label through";
	}
	vj_json_add_bool(o, "applies", !why);
	if (why)
		vj_json_add_string(o, "reason", why);
	return !why;
}

static void not_applying(json_object *o, const char *why)
{
	vj_json_add_bool(o, "applies", false);
	vj_json_add_string(o, "reason", why);
}

json_object *vj_lsm_check_json(const struct vj_plan *plan)
{
	const struct vj_lsm_plan *lp = &plan->lsm;
	bool has_proc = plan_has_proc(plan);
	char reason[200];
	json_object *o = json_object_new_object();

	json_object *s = json_object_new_object();
	reason[0] = '\0';
	int probe = lp->selinux == VJ_LSM_OFF ? 0 : vj_selinux_probe(reason, sizeof(reason));
	_cleanup_free_ char *base = NULL, *fbase = NULL;
	vj_selinux_base_contexts(plan, &base, &fbase);
	if (check_host(s, lp->selinux, "selinux", probe, reason, has_proc)) {
		vj_json_add_string(s, "mode", reason);
		if (!base)
			not_applying(s, "no process label: the profile names none and the policy has no "
					"virtual_domain_context");
	}
	vj_json_add_string(s, "context", base);
	vj_json_add_string(s, "file_context", fbase);
	_cleanup_free_ char *cats = lp->selinux_mcs ? vj_xasprintf("a pair cN,cM of c%d..c%d, chosen at run time (no "
								  "two live jails share one)", lp->selinux_mcs_lo,
								  lp->selinux_mcs_hi)
						   : NULL;
	vj_json_add_string(s, "categories", cats ? cats : "none (lsm.selinux.mcs is false)");
	json_object *relabel = json_object_new_array();
	for (size_t i = 0; lp->selinux_relabel && fbase && i < plan->n_mounts; i++) {
		const struct vj_mount *m = &plan->mounts[i];
		if (!m->skip && m->type == VJ_MOUNT_BIND && !(m->flags & MS_RDONLY) && m->source)
			json_object_array_add(relabel, json_object_new_string(m->source));
	}
	vj_json_add(s, "relabel", relabel);
	vj_json_add(o, "selinux", s);

	json_object *a = json_object_new_object();
	reason[0] = '\0';
	probe = lp->apparmor == VJ_LSM_OFF ? 0 : vj_apparmor_probe(reason, sizeof(reason));
	bool applies = check_host(a, lp->apparmor, "apparmor", probe, reason, has_proc);
	if (lp->apparmor_profile) {
		vj_json_add_string(a, "profile", lp->apparmor_profile);
		vj_json_add_bool(a, "generated", false);
	} else {
		_cleanup_free_ char *name = vj_xasprintf("vmjail-%s", plan->id ? plan->id : "jail");
		if (applies && access("/sys/kernel/security/apparmor/.replace", W_OK) < 0)
			not_applying(a, "loading a generated profile needs CAP_MAC_ADMIN");
		vj_json_add_string(a, "profile", name);
		vj_json_add_bool(a, "generated", true);
		_cleanup_free_ char *text = vj_lsm_apparmor_generate(plan, name);
		vj_json_add_string(a, "text", text);
	}
	vj_json_add(o, "apparmor", a);

	json_object *l = NULL;
	int abi = lp->landlock == VJ_LSM_OFF ? 0 : vj_landlock_abi();
	struct vj_landlock ll = { 0 };
	struct vj_error err = { 0 };
	if (abi > 0 && vj_landlock_prepare(&ll, plan, abi, &err) == 0) {
		l = vj_landlock_to_json(&ll);
		json_object_object_del(l, "applied");
		vj_landlock_free(&ll);
	} else {
		l = json_object_new_object();
	}
	const char *why = abi == -ENOSYS ? "the kernel has no Landlock"
			  : abi == -EOPNOTSUPP ? "Landlock is not enabled on this host"
			  : abi < 0 ? strerror(-abi) : err.msg;
	check_host(l, lp->landlock, "landlock", abi <= 0 ? abi : err.code ? 0 : 1, why, true);
	vj_json_add(o, "landlock", l);
	return o;
}

json_object *vj_lsm_features_json(void)
{
	char reason[200];
	json_object *o = json_object_new_object();

	json_object *s = json_object_new_object();
	reason[0] = '\0';
	int r = vj_selinux_probe(reason, sizeof(reason));
	vj_json_add_bool(s, "available", r > 0);
	if (r <= 0)
		vj_json_add_string(s, "reason", r < 0 ? strerror(-r) : reason);
	else
		vj_json_add_bool(s, "enforcing", reason[0] == 'e');
	vj_json_add_bool(s, "built", VJ_HAVE_SELINUX);
	vj_json_add(o, "selinux", s);

	json_object *a = json_object_new_object();
	reason[0] = '\0';
	r = vj_apparmor_probe(reason, sizeof(reason));
	vj_json_add_bool(a, "available", r > 0);
	if (r <= 0)
		vj_json_add_string(a, "reason", r < 0 ? strerror(-r) : reason);
	vj_json_add(o, "apparmor", a);

	json_object *l = json_object_new_object();
	int abi = vj_landlock_abi();
	vj_json_add_bool(l, "available", abi > 0);
	vj_json_add_int(l, "abi", abi > 0 ? abi : 0);
	vj_json_add(o, "landlock", l);
	return o;
}
