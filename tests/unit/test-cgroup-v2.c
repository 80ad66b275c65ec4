/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-cgroup-v2.c - the engine on the v2 hierarchy (on a hybrid host the
 * one mounted at .../unified): placement with clone3(CLONE_INTO_CGROUP)
 * before the child's first instruction, a cgroup namespace rooted at the
 * leaf, removal after exit, the BPF device program, the parent override
 * and the default parent. Needs root.
 */
#include "test-cgroup.h"

#include <linux/sched.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

static char parent_name[64];

static pid_t clone3_into(int cgfd)
{
	struct clone_args args;
	memset(&args, 0, sizeof(args));
	args.flags = CLONE_INTO_CGROUP;
	args.exit_signal = SIGCHLD;
	args.cgroup = (uint64_t)cgfd;
	return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

static void test_placement(void)
{
	struct vj_plan plan;
	struct vj_error err = { 0 };
	char json[256], id[64];
	snprintf(id, sizeof(id), "place-%d", (int)getpid());
	snprintf(json, sizeof(json), "{\"cgroup\": {\"parent\": \"/%s\", \"devices\": \"off\"}}", parent_name);
	int r = tc_plan(&plan, id, json, &err);
	ok(r == 0, "plan parses: %s", err.msg);
	struct vj_cgroup *cg = NULL;
	char **notices = NULL;
	r = vj_cgroup_create(&plan, &cg, &notices, &err);
	ok(r == 0 && cg, "create: %s", r < 0 ? err.msg : "ok");
	if (!cg) {
		tc_plan_free(&plan);
		return;
	}
	int cfd = vj_cgroup_clone_fd(cg);
	ok(cfd >= 0, "a v2 leaf fd for CLONE_INTO_CGROUP");
	ok(vj_cgroup_clone_covers_all(cg), "no v1 leaf needed: clone3 covers everything");
	_cleanup_free_ char *v2path = tc_cg_path(cg, "v2");
	_cleanup_free_ char *mnt = tc_mount_of("");
	char want[512];
	snprintf(want, sizeof(want), "%s/%s/%s", mnt, parent_name, id);
	is_str(v2path, want, "to_json names the v2 leaf under the parent override");

	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		abort();
	pid_t pid = clone3_into(cfd);
	if (pid == 0) {
		/* First thing: where am I? Then root a cgroup namespace here. */
		char buf[2048];
		close(p[0]);
		int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n < 0)
			_exit(1);
		buf[n] = '\0';
		if (unshare(CLONE_NEWCGROUP) < 0)
			_exit(2);
		fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
		ssize_t m = read(fd, buf + n, sizeof(buf) - 1 - (size_t)n);
		close(fd);
		if (m < 0)
			_exit(3);
		buf[n + m] = '\0';
		(void)!write(p[1], buf, strlen(buf));
		_exit(0);
	}
	close(p[1]);
	ok(pid > 0, "clone3(CLONE_INTO_CGROUP) succeeds");
	char out[4096] = "";
	ssize_t n = vj_read_full(p[0], out, sizeof(out) - 1);
	close(p[0]);
	out[n > 0 ? n : 0] = '\0';
	int st = tc_wait(pid);
	is_int(WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0, "child ran");
	char line[256];
	snprintf(line, sizeof(line), "0::/%s/%s\n", parent_name, id);
	ok(strstr(out, line) != NULL, "first read of /proc/self/cgroup shows the leaf");
	char *second = strstr(out, line);
	ok(second && strstr(second + strlen(line), "0::/\n"), "in its cgroup namespace the leaf is \"/\"");
	if (!second)
		diag("child saw:\n%s", out);

	json_object *rec = json_object_new_object();
	vj_cgroup_report_exit(cg, rec);
	ok(!json_object_object_get_ex(rec, "oom_killed", NULL), "no OOM reported for a clean exit");
	json_object_put(rec);
	r = vj_cgroup_destroy(cg, &err);
	ok(r == 0, "destroy: %s", r < 0 ? err.msg : "ok");
	ok(!tc_exists(want), "the v2 leaf is gone after exit");
	vj_strv_free(notices);
	tc_plan_free(&plan);
}

static int try_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static int dev_child(void *arg)
{
	/* Exit status: bit 0 /dev/null opened, bit 1 /dev/zero refused with EPERM. */
	int res = 0;
	if (try_open("/dev/null") == 0)
		res |= 1;
	if (try_open("/dev/zero") == -EPERM)
		res |= 2;
	return res;
}

static void test_bpf_direct(void)
{
	/* The program alone, on a bare v2 cgroup (no v1 devices involved). */
	_cleanup_free_ char *mnt = tc_mount_of("");
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/%s", mnt, parent_name);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/%s/bpf-direct", mnt, parent_name);
	ok(mkdir(dir, 0755) == 0, "mkdir %s", dir);
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	stat("/dev/null", &st);
	struct vj_cg_dev devs[] = { { 'c', major(st.st_rdev), minor(st.st_rdev) } };
	struct vj_error err = { 0 };
	int r = vj_cg_bpf_devices_attach(fd, devs, 1, &err);
	ok(r == 0, "device program loads and attaches: %s", r < 0 ? err.msg : "ok");

	struct tc_child c = tc_fork(dev_child, NULL);
	char pid[32];
	snprintf(pid, sizeof(pid), "%d", (int)c.pid);
	ok(vj_write_file_at(fd, "cgroup.procs", pid) == 0, "child moved into the cgroup");
	tc_release(&c);
	int s = tc_wait(c.pid);
	int res = WIFEXITED(s) ? WEXITSTATUS(s) : -1;
	ok(res >= 0 && (res & 1), "allowed /dev/null opens");
	ok(res >= 0 && (res & 2), "/dev/zero (not listed) fails with EPERM");

	struct tc_child c2 = tc_fork(dev_child, NULL);
	tc_release(&c2);
	s = tc_wait(c2.pid);
	res = WIFEXITED(s) ? WEXITSTATUS(s) : -1;
	is_int(res, 1, "outside the cgroup /dev/zero opens");
	ok(rmdir(dir) == 0, "bare cgroup removed");
}

static void test_devices_plan(void)
{
	struct vj_plan plan;
	struct vj_error err = { 0 };
	char json[256], id[64];
	snprintf(id, sizeof(id), "dev-%d", (int)getpid());
	snprintf(json, sizeof(json), "{\"cgroup\": {\"parent\": \"/%s\", \"devices\": \"required\"}}", parent_name);
	tc_plan(&plan, id, json, &err);
	tc_plan_add_devbind(&plan, "/dev/null");
	struct vj_cgroup *cg = NULL;
	int r = vj_cgroup_create(&plan, &cg, NULL, &err);
	ok(r == 0 && cg, "create with devices required: %s", r < 0 ? err.msg : "ok");
	if (!cg) {
		tc_plan_free(&plan);
		return;
	}
	_cleanup_free_ char *mode = tc_cg_path(cg, "device_filter");
	/* The v1 devices controller when the host has one (it holds the
	 * jail alone), else the program on the v2 leaf (test_bpf_direct
	 * covers the program on hybrid hosts too). */
	struct vj_cg_hosts hs = { 0 };
	struct vj_error derr = { 0 };
	int di = vj_cg_detect(&hs, &derr) == 0 ? vj_cg_find(&hs, VJ_CGC_DEVICES) : -1;
	bool v1 = di >= 0 && !hs.h[di].v2;
	vj_cg_hosts_free(&hs);
	is_str(mode, v1 ? "v1" : "bpf", "the device allow-list is enforced once (devices: %s)", mode ? mode : "?");
	struct tc_child c = tc_fork(dev_child, NULL);
	r = vj_cgroup_attach(cg, c.pid, false, &err);
	ok(r == 0, "attach: %s", r < 0 ? err.msg : "ok");
	tc_release(&c);
	int s = tc_wait(c.pid);
	is_int(WIFEXITED(s) ? WEXITSTATUS(s) : -1, 3, "in the jail's cgroup: /dev/null opens, /dev/zero is EPERM");
	r = vj_cgroup_destroy(cg, &err);
	ok(r == 0, "destroy: %s", r < 0 ? err.msg : "ok");
	tc_plan_free(&plan);
}

static int dir_child(void *arg)
{
	/* bit 0: /dev/zero (in the bound directory) opens; bit 1: /dev/full is EPERM */
	int res = 0;
	if (try_open("/dev/zero") == 0)
		res |= 1;
	if (try_open("/dev/full") == -EPERM)
		res |= 2;
	return res;
}

static void test_devices_dir(void)
{
	/* A dev-bind of a directory allows the nodes directly in it. */
	char tmp[] = "/tmp/vjt-devdir-XXXXXX";
	if (!mkdtemp(tmp)) {
		skip("mkdtemp: %s", strerror(errno));
		return;
	}
	_cleanup_free_ char *node = vj_xasprintf("%s/zero", tmp);
	ok(mknod(node, S_IFCHR | 0600, makedev(1, 5)) == 0, "mknod %s c 1 5", node);
	struct vj_plan plan;
	struct vj_error err = { 0 };
	char json[256], id[64];
	snprintf(id, sizeof(id), "devdir-%d", (int)getpid());
	snprintf(json, sizeof(json), "{\"cgroup\": {\"parent\": \"/%s\", \"devices\": \"required\"}}", parent_name);
	tc_plan(&plan, id, json, &err);
	tc_plan_add_devbind(&plan, tmp);
	struct vj_cgroup *cg = NULL;
	int r = vj_cgroup_create(&plan, &cg, NULL, &err);
	ok(r == 0 && cg, "create: %s", r < 0 ? err.msg : "ok");
	if (cg) {
		struct tc_child c = tc_fork(dir_child, NULL);
		vj_cgroup_attach(cg, c.pid, false, &err);
		tc_release(&c);
		int s = tc_wait(c.pid);
		is_int(WIFEXITED(s) ? WEXITSTATUS(s) : -1, 3, "the node in the directory is allowed, others are not");
		vj_cgroup_destroy(cg, &err);
	}
	unlink(node);
	rmdir(tmp);
	tc_plan_free(&plan);
}

static void test_features(void)
{
	json_object *f = vj_cgroup_features_json(), *arr = NULL;
	_cleanup_free_ char *mnt = tc_mount_of("");
	bool found = false;
	if (json_object_object_get_ex(f, "hierarchies", &arr))
		for (size_t i = 0; i < json_object_array_length(arr); i++) {
			json_object *e = json_object_array_get_idx(arr, i), *v, *m;
			if (json_object_object_get_ex(e, "version", &v) && json_object_get_int(v) == 2 &&
			    json_object_object_get_ex(e, "mount", &m) && vj_streq(json_object_get_string(m), mnt))
				found = true;
		}
	ok(found, "features lists the v2 hierarchy at %s", mnt);
	json_object_put(f);
}

static void test_default_parent(void)
{
	_cleanup_free_ char *mnt = tc_mount_of("");
	char top[512];
	snprintf(top, sizeof(top), "%s/vmjail", mnt);
	bool existed = tc_exists(top);
	struct vj_plan plan;
	struct vj_error err = { 0 };
	char id[64];
	snprintf(id, sizeof(id), "vjt-default-%d", (int)getpid());
	tc_plan(&plan, id, "{\"cgroup\": {\"devices\": \"off\"}}", &err);
	struct vj_cgroup *cg = NULL;
	int r = vj_cgroup_create(&plan, &cg, NULL, &err);
	ok(r == 0 && cg, "create with the default parent: %s", r < 0 ? err.msg : "ok");
	_cleanup_free_ char *v2path = tc_cg_path(cg, "v2");
	char want[512];
	snprintf(want, sizeof(want), "%s/vmjail/%s", mnt, id);
	is_str(v2path, want, "as root the default parent is /vmjail");
	r = vj_cgroup_destroy(cg, &err);
	ok(r == 0 && !tc_exists(want), "destroyed");
	ok(tc_exists(top), "the shared /vmjail parent stays");
	if (!existed)
		tc_rmdir_everywhere("vmjail"); /* only if empty: other jails may use it */
	tc_plan_free(&plan);
}

static void cleanup(void)
{
	tc_remove_everywhere(parent_name);
}

int main(void)
{
	plan_no_plan();
	if (geteuid() != 0) {
		skip("needs root (creates cgroups, loads a BPF program)");
		return done_testing();
	}
	_cleanup_free_ char *mnt = tc_mount_of("");
	if (!mnt) {
		skip("no cgroup v2 hierarchy mounted");
		return done_testing();
	}
	snprintf(parent_name, sizeof(parent_name), "vjt-%d-v2", (int)getpid());
	atexit(cleanup);
	test_placement();
	test_bpf_direct();
	test_devices_plan();
	test_devices_dir();
	test_features();
	test_default_parent();
	cleanup();
	is_int(tc_count_leftovers(parent_name), 0, "no test cgroup left behind");
	return done_testing();
}
