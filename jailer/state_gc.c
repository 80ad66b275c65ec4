/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * state_gc.c - removing what a dead jail left behind.
 *
 * Theory of operation: a jail directory whose lock is free belongs to a
 * supervisor that died without cleaning up (SIGKILL, a crash, a reboot of
 * a persistent root). Whoever takes its lock - the next `vmjail run` with
 * that id, `vmjail gc`, `vmjail stop` after its SIGKILL - removes, from
 * what the dead jail's state.json recorded and nothing else:
 *  1. its QMP sockets: a recorded path is looked up through its parent
 *     directory's fd and unlinked only when it is a socket owned by us
 *     that nothing listens on (a live jail given the same path keeps it);
 *  2. its cgroups: handed to the cgroup engine (vj_cgroup_remove_path),
 *     which kills what is left and removes the tree - and refuses a
 *     hierarchy root or any tree that holds vmjail itself or pid 1;
 *  3. then, with nothing of the jail running, its LSM state: the
 *     AppArmor profile state.json names as generated, and (gc) what the
 *     jail's LSM record (lsm/, written before anything was loaded or
 *     relabelled, so also by a jail killed before "started" or an --exec
 *     run) names, through vj_lsm_leftovers(); the next run of the id
 *     releases that record itself (vj_lsm_prepare), so the directory's
 *     clearing leaves lsm/ alone;
 *  4. the files of the directory, then (gc) the lock and the directory.
 * state.json comes from a directory only we can write, but it is still
 * treated as input: a path that fails these checks is reported and left.
 */
#include "state_int.h"
#include "lsm.h"
#include "jsonw.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include "jsonp.h"
#include "cgroup.h"


static const char *doc_string(json_object *doc, const char *key)
{
	json_object *v;
	if (doc && json_object_object_get_ex(doc, key, &v) && json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return NULL;
}

/* A socket someone listens on (another jail given the same path) is not
 * a leftover: a dead jail's socket refuses connections. */
static bool socket_in_use(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path))
		return false;
	strcpy(sa.sun_path, path);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return false;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return true;
	return errno == EAGAIN || errno == EINPROGRESS;
}

/* Step 1. */
static void remove_socket(const char *id, const char *path, char ***notices)
{
	if (!vj_path_is_normal_absolute(path) || strlen(path) < 2) {
		vj_strv_pushf(notices, "jail %s: QMP socket \"%s\" is not a normal absolute path: left alone", id, path);
		return;
	}
	_cleanup_free_ char *dir = strdup(path);
	if (!dir)
		return;
	char *slash = strrchr(dir, '/');
	const char *base = path + (slash - dir) + 1;
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	_cleanup_close_ int pfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		return;
	struct stat st;
	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return; /* already gone */
	if (!S_ISSOCK(st.st_mode) || st.st_uid != geteuid()) {
		vj_strv_pushf(notices, "jail %s: %s is not our socket: left alone", id, path);
		return;
	}
	if (socket_in_use(path)) {
		vj_strv_pushf(notices, "jail %s: %s is in use (something listens on it): left alone", id, path);
		return;
	}
	if (unlinkat(pfd, base, 0) == 0)
		vj_strv_pushf(notices, "jail %s: removed QMP socket %s", id, path);
	else
		vj_strv_pushf(notices, "jail %s: could not remove QMP socket %s: %s", id, path, strerror(errno));
}

/* Step 2: the cgroup engine empties and removes it; it refuses a
 * hierarchy root and any tree holding vmjail itself or pid 1. */
static void remove_cgroup(const char *id, const char *path, char ***notices)
{
	struct vj_error err = { 0 };
	if (vj_cgroup_remove_path(path, &err) < 0)
		vj_strv_pushf(notices, "jail %s: cgroup %s left alone: %s", id, path, err.msg);
	else
		vj_strv_pushf(notices, "jail %s: removed cgroup %s", id, path);
}

/* The AppArmor profile vmjail generated for the jail (never a named one
 * the jail only used, nor one not named after it): after the cgroups, so
 * nothing runs under it - and never while a live process still does. */
static void remove_apparmor(const char *id, json_object *doc, char ***notices)
{
	json_object *lsm, *aa, *v;
	if (!json_object_object_get_ex(doc, "lsm", &lsm) || !json_object_object_get_ex(lsm, "apparmor", &aa) ||
	    !json_object_object_get_ex(aa, "generated", &v) || !json_object_get_boolean(v))
		return;
	const char *name = doc_string(aa, "profile");
	if (!name || strncmp(name, "vmjail-", 7) != 0 || !vj_streq(name + 7, id))
		return;
	pid_t user = 0;
	int r = vj_lsm_apparmor_unload(name, &user);
	if (r > 0)
		vj_strv_pushf(notices, "jail %s: unloaded its AppArmor profile %s", id, name);
	else if (r == -EBUSY)
		vj_strv_pushf(notices, "jail %s: AppArmor profile %s left loaded: pid %d runs under it", id, name, (int)user);
	else if (r < 0)
		vj_strv_pushf(notices, "jail %s: AppArmor profile %s left loaded: %s", id, name, strerror(-r));
}

void vj_state_clean_leftovers(json_object *doc, char ***notices)
{
	if (!doc || !json_object_is_type(doc, json_type_object))
		return;
	const char *id = doc_string(doc, "id");
	if (!id)
		id = "?";
	json_object *qmp, *socks, *cg;
	if (json_object_object_get_ex(doc, "qmp", &qmp) && json_object_is_type(qmp, json_type_object) &&
	    json_object_object_get_ex(qmp, "sockets", &socks) && json_object_is_type(socks, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(socks); i++) {
			json_object *s = json_object_array_get_idx(socks, i), *p;
			if (json_object_is_type(s, json_type_object) && json_object_object_get_ex(s, "path", &p) &&
			    json_object_is_type(p, json_type_string))
				remove_socket(id, json_object_get_string(p), notices);
		}
	}
	if (json_object_object_get_ex(doc, "cgroup", &cg) && json_object_is_type(cg, json_type_object)) {
		json_object_object_foreach(cg, key, val)
		{
			(void)key;
			/* Every hierarchy's leaf ("v2", "memory", "devices",
			 * ...); "device_filter" is not a path. */
			if (!json_object_is_type(val, json_type_string))
				continue;
			const char *p = json_object_get_string(val);
			if (p[0] == '/')
				remove_cgroup(id, p, notices);
		}
	}
	remove_apparmor(id, doc, notices);
}

void vj_state_clear_dir(int dfd)
{
	int fd2 = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd2 >= 0 ? fdopendir(fd2) : NULL;
	if (!d) {
		if (fd2 >= 0)
			close(fd2);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		/* lsm/ is the LSM engine's: released (and removed) only by
		 * vj_lsm_leftovers() or the jail's own release. */
		if (vj_streq(de->d_name, ".") || vj_streq(de->d_name, "..") || vj_streq(de->d_name, VJ_STATE_LOCK) ||
		    vj_streq(de->d_name, VJ_LSM_RECORD_DIR))
			continue;
		if (unlinkat(dfd, de->d_name, 0) < 0 && errno == EISDIR)
			unlinkat(dfd, de->d_name, AT_REMOVEDIR);
	}
	closedir(d);
}

int vj_state_gc_one(int rootfd, const char *id, char ***notices, struct vj_error *err)
{
	int r = vj_state_id_check(id, err);
	if (r < 0)
		return r;
	_cleanup_close_ int dfd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		return vj_error_set(err, errno, "jail %s: state directory", id);
	}
	_cleanup_close_ int lfd = openat(dfd, VJ_STATE_LOCK, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (lfd < 0) {
		if (errno == ENOENT)
			return -ENOENT; /* removed meanwhile */
		return vj_error_set(err, errno, "jail %s: lock", id);
	}
	if (flock(lfd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			return 0;
		return vj_error_set(err, errno, "jail %s: lock", id);
	}
	struct stat a, b;
	if (fstatat(rootfd, id, &a, AT_SYMLINK_NOFOLLOW) < 0 || fstat(dfd, &b) < 0 || a.st_ino != b.st_ino ||
	    a.st_dev != b.st_dev || fstatat(dfd, VJ_STATE_LOCK, &a, AT_SYMLINK_NOFOLLOW) < 0 ||
	    fstat(lfd, &b) < 0 || a.st_ino != b.st_ino)
		return -ENOENT; /* removed or replaced meanwhile */

	_cleanup_free_ char *text = NULL;
	json_object *doc = NULL;
	if (vj_state_read_at(dfd, VJ_STATE_FILE, VJ_STATE_MAX_JSON, &text) == 0)
		doc = json_tokener_parse(text);
	vj_state_clean_leftovers(doc, notices);
	int lsm = vj_lsm_leftovers(dfd, id, notices);
	long long sup = 0;
	json_object *v;
	if (doc && json_object_object_get_ex(doc, "supervisor_pid", &v) && json_object_is_type(v, json_type_int))
		sup = json_object_get_int64(v);
	if (doc)
		json_object_put(doc);
	vj_state_clear_dir(dfd);
	unlinkat(dfd, VJ_STATE_LOCK, 0);
	if (unlinkat(rootfd, id, AT_REMOVEDIR) < 0 && errno != ENOENT && errno != ENOTEMPTY)
		return vj_error_set(err, errno, "jail %s: remove its state directory", id);
	if (lsm == -EBUSY)
		vj_strv_pushf(notices, "jail %s: kept its LSM record for a later gc", id);
	else if (sup > 0)
		vj_strv_pushf(notices, "jail %s: removed the state of a dead jail (supervisor pid %lld)", id, sup);
	else if (lsm > 0)
		vj_strv_pushf(notices, "jail %s: removed what an --exec run left", id);
	else
		vj_strv_pushf(notices, "jail %s: removed an incomplete state directory", id);
	return 1;
}
