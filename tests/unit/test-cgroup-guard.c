/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The cgroup engine must refuse to empty a hierarchy's root or any cgroup
 * that holds the caller (a wrong path would otherwise kill the host's
 * processes). Real cgroupfs: a pids cgroup of our own is created, the test
 * process moves itself into it, and vj_cgroup_remove_path() must refuse;
 * once it has moved back, the same call removes it.
 */
#include "tap.h"
#include "cgroup.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>

static char *mount_of(const char *controller)
{
	_cleanup_free_ char *info = NULL;
	if (vj_read_file_at(AT_FDCWD, "/proc/self/mountinfo", 1 << 20, &info, NULL) < 0)
		return NULL;
	char *save = NULL;
	for (char *l = strtok_r(info, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - cgroup SOURCE SUPEROPTS */
		char *sep = strstr(l, " - cgroup ");
		char mp[512];
		if (!sep || sscanf(l, "%*s %*s %*s %*s %511s", mp) != 1)
			continue;
		const char *super = strrchr(sep, ' ');
		if (super && strstr(super, controller))
			return vj_xstrdup(mp);
	}
	return NULL;
}

static int move_self(const char *dir)
{
	_cleanup_free_ char *procs = vj_xasprintf("%s/cgroup.procs", dir);
	char pid[32];
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	return vj_write_file_at(AT_FDCWD, procs, pid);
}

int main(void)
{
	plan_no_plan();
	struct vj_error err = { 0 };

	/* Every cgroup hierarchy root mounted here (v1 and v2 alike). */
	_cleanup_free_ char *info = NULL;
	int roots = 0, r;
	if (vj_read_file_at(AT_FDCWD, "/proc/self/mountinfo", 1 << 20, &info, NULL) == 0) {
		char *save = NULL;
		for (char *l = strtok_r(info, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			char root[512], mp[512];
			if ((!strstr(l, " - cgroup ") && !strstr(l, " - cgroup2 ")) ||
			    sscanf(l, "%*s %*s %*s %511s %511s", root, mp) != 2 || !vj_streq(root, "/"))
				continue;
			/* Its parent is no cgroup: refused before any signal. */
			vj_error_clear(&err);
			r = vj_cgroup_remove_path(mp, &err);
			ok(r == -EINVAL || r == -EPERM, "the hierarchy root %s is refused: %s", mp, err.msg);
			roots++;
		}
	}
	if (!roots)
		skip("no cgroup hierarchy mounted");
	vj_error_clear(&err);
	r = vj_cgroup_remove_path("/etc/passwd", &err);
	ok(r == -EINVAL, "a path outside the cgroup hierarchies is refused: %s", err.msg);
	vj_error_clear(&err);
	r = vj_cgroup_remove_path("/sys/fs/cgroup/../../etc/passwd", &err);
	ok(r == -EINVAL, "a path with .. is refused: %s", err.msg);

	if (geteuid() != 0) {
		skip("needs root to create a cgroup");
		return done_testing();
	}
	_cleanup_free_ char *pids = mount_of("pids");
	if (!pids) {
		skip("no v1 pids hierarchy on this host");
		return done_testing();
	}
	_cleanup_free_ char *dir = vj_xasprintf("%s/vjt-guard-%d", pids, (int)getpid());
	_cleanup_free_ char *back = vj_xstrdup(pids);
	/* Return to the cgroup we came from, not necessarily the root. */
	_cleanup_free_ char *self = NULL;
	if (vj_read_file_at(AT_FDCWD, "/proc/self/cgroup", 4096, &self, NULL) == 0) {
		char *l = strstr(self, ":pids:");
		if (l) {
			char *e = strchr(l, '\n');
			if (e)
				*e = '\0';
			free(back);
			back = vj_xasprintf("%s%s", pids, l + strlen(":pids:"));
		}
	}
	ok(mkdir(dir, 0755) == 0, "created %s", dir);
	ok(move_self(dir) == 0, "moved the test into it");
	vj_error_clear(&err);
	r = vj_cgroup_remove_path(dir, &err);
	ok(r == -EDEADLK, "a cgroup holding the caller is refused (%s)", err.msg);
	ok(kill(getpid(), 0) == 0 && access(dir, F_OK) == 0, "the caller is alive and the cgroup still there");
	ok(move_self(back) == 0, "moved back to %s", back);
	/* A symlink to the cgroup's parent (what a forged state record could
	 * name) is not followed. */
	_cleanup_free_ char *link = vj_xasprintf("/tmp/vjt-guard-link-%d", (int)getpid());
	_cleanup_free_ char *via = vj_xasprintf("%s/vjt-guard-%d", link, (int)getpid());
	if (symlink(pids, link) == 0) {
		vj_error_clear(&err);
		r = vj_cgroup_remove_path(via, &err);
		ok(r == -ELOOP && access(dir, F_OK) == 0, "a path through a symlink is refused (%s)", err.msg);
		unlink(link);
	}
	vj_error_clear(&err);
	r = vj_cgroup_remove_path(dir, &err);
	ok(r == 0 && access(dir, F_OK) < 0, "then it is removed: %s", r < 0 ? err.msg : "ok");
	rmdir(dir);
	return done_testing();
}
