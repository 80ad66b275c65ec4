/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-cgroup-v2limits.c - limits on a v2 hierarchy that carries the
 * controllers (pure v2 hosts, the modern case): a fork bomb under pids.max
 * 32, a memory hog under 64M OOM-killed and reported from memory.events,
 * the cpu/cpuset/io files, controllers enabled down the path, the limit
 * seen from inside a cgroup namespace, the "no internal processes" rule
 * for a delegated cgroup (vmjail moves itself aside) and for an explicit
 * parent (a clear error). On a hybrid host, whose v2 hierarchy holds no
 * memory or pids controller, everything here skips. Needs root.
 */
#include "test-cgroup.h"

#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <time.h>

static char parent_name[64];
static char *mnt;

static char *read_str(const char *dir, const char *file)
{
	_cleanup_free_ char *path = vj_xasprintf("%s/%s", dir, file);
	char *buf = NULL;
	if (vj_read_file_at(AT_FDCWD, path, 65536, &buf, NULL) < 0)
		return NULL;
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static struct vj_cgroup *make(struct vj_plan *plan, const char *id, const char *extra)
{
	struct vj_error err = { 0 };
	_cleanup_free_ char *json = vj_xasprintf("{\"cgroup\": {\"parent\": \"/%s\", \"devices\": \"off\", %s}}",
						 parent_name, extra);
	if (tc_plan(plan, id, json, &err) < 0) {
		diag("plan: %s", err.msg);
		return NULL;
	}
	struct vj_cgroup *cg = NULL;
	int r = vj_cgroup_create(plan, &cg, NULL, &err);
	ok(r == 0 && cg, "create %s: %s", id, r < 0 ? err.msg : "ok");
	return cg;
}

static int bomb(void *arg)
{
	for (;;)
		if (fork() < 0) {
			struct timespec ts = { 0, 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
	return 0;
}

static void test_pids(void)
{
	struct vj_plan plan;
	struct vj_error err = { 0 };
	struct vj_cgroup *cg = make(&plan, "bomb", "\"pids\": {\"max\": 32}");
	_cleanup_free_ char *leaf = tc_cg_path(cg, "v2");
	_cleanup_free_ char *max = leaf ? read_str(leaf, "pids.max") : NULL;
	is_str(max, "32", "pids.max on the v2 leaf");
	if (!cg || !max || strcmp(max, "32") != 0) {
		/* never release a bomb without its cap */
		vj_cgroup_destroy(cg, &err);
		tc_plan_free(&plan);
		return;
	}
	struct tc_child c = tc_fork(bomb, NULL);
	vj_cgroup_attach(cg, c.pid, false, &err);
	_cleanup_free_ char *line = tc_proc_cgroup(c.pid, "");
	_cleanup_free_ char *want = vj_xasprintf("/%s/bomb", parent_name);
	if (!vj_streq(line, want)) {
		kill(c.pid, SIGKILL);
		tc_wait(c.pid);
		ok(false, "bomb not placed (%s)", line ? line : "?");
		vj_cgroup_destroy(cg, &err);
		tc_plan_free(&plan);
		return;
	}
	tc_release(&c);
	uint64_t peak = 0;
	for (int i = 0; i < 100; i++) {
		uint64_t cur = tc_read_u64(leaf, "pids.current");
		if (cur != UINT64_MAX && cur > peak)
			peak = cur;
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	tc_check_pids_limit(leaf, 32, peak);
	json_object *rec = json_object_new_object(), *v;
	vj_cgroup_report_exit(cg, rec);
	ok(json_object_object_get_ex(rec, "pids_limit_hit", &v), "pids_limit_hit from pids.events");
	json_object_put(rec);
	int r = vj_cgroup_destroy(cg, &err);
	ok(r == 0 && !tc_exists(leaf), "cgroup.kill and removal: %s", r < 0 ? err.msg : "ok");
	tc_wait(c.pid);
	tc_reap_all();
	tc_plan_free(&plan);
}

static int hog(void *arg)
{
	size_t len = 256u << 20;
	char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return 2;
	for (size_t i = 0; i < len; i += 4096)
		m[i] = 1;
	return 0;
}

static int inside(void *arg)
{
	if (unshare(CLONE_NEWCGROUP | CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return 10;
	char *line = tc_proc_cgroup(getpid(), "");
	if (!vj_streq(line, "/"))
		return 11;
	char dir[] = "/tmp/vjt-cgns-XXXXXX";
	if (!mkdtemp(dir))
		return 12;
	int rc = 0;
	if (mount("cgroup2", dir, "cgroup2", 0, NULL) < 0)
		rc = 13;
	else if (tc_read_u64(dir, "memory.max") != 64u << 20)
		rc = 14;
	umount2(dir, MNT_DETACH);
	rmdir(dir);
	return rc;
}

static void test_memory_and_files(void)
{
	struct vj_plan plan;
	struct vj_error err = { 0 };
	struct vj_cgroup *cg = make(&plan, "mem",
				    "\"memory\": {\"max\": \"64M\", \"swap_max\": 0}, \"cpu\": {\"weight\": 200, \"max\": 1.5},"
				    " \"cpuset\": {\"cpus\": \"0\"}, \"required\": \"optional\"");
	if (!cg) {
		tc_plan_free(&plan);
		return;
	}
	_cleanup_free_ char *leaf = tc_cg_path(cg, "v2");
	_cleanup_free_ char *parent = vj_xasprintf("%s/%s", mnt, parent_name);
	_cleanup_free_ char *sc = read_str(parent, "cgroup.subtree_control");
	ok(sc && strstr(sc, "memory"), "memory enabled in the parent's subtree_control (%s)", sc ? sc : "?");
	_cleanup_free_ char *mmax = read_str(leaf, "memory.max");
	is_str(mmax, "67108864", "memory.max");
	_cleanup_free_ char *swap = read_str(leaf, "memory.swap.max");
	if (swap)
		is_str(swap, "0", "memory.swap.max");
	else
		skip("no swap accounting (memory.swap.max)");
	_cleanup_free_ char *w = read_str(leaf, "cpu.weight"), *cmax = read_str(leaf, "cpu.max");
	if (w) {
		is_str(w, "200", "cpu.weight");
		is_str(cmax, "150000 100000", "cpu.max");
	} else {
		skip("no cpu controller on v2");
	}
	_cleanup_free_ char *cpus = read_str(leaf, "cpuset.cpus");
	if (cpus)
		is_str(cpus, "0", "cpuset.cpus");
	else
		skip("no cpuset controller on v2");

	struct tc_child in = tc_fork(inside, NULL);
	vj_cgroup_attach(cg, in.pid, false, &err);
	tc_release(&in);
	int st = tc_wait(in.pid);
	is_int(WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0, "in its cgroup namespace: 0::/ and memory.max 64M");

	struct tc_child c = tc_fork(hog, NULL);
	vj_cgroup_attach(cg, c.pid, false, &err);
	tc_release(&c);
	st = tc_wait(c.pid);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "the hog was OOM-killed (status 0x%x)", st);
	json_object *rec = json_object_new_object(), *v;
	vj_cgroup_report_exit(cg, rec);
	ok(json_object_object_get_ex(rec, "oom_killed", &v), "oom_killed from memory.events: %s",
	   vj_json_to_string(rec, false));
	json_object_put(rec);
	int r = vj_cgroup_destroy(cg, &err);
	ok(r == 0 && !tc_exists(leaf), "destroyed: %s", r < 0 ? err.msg : "ok");
	tc_plan_free(&plan);
}

static int sleeper(void *arg)
{
	for (;;)
		pause();
	return 0;
}

static int delegated_child(void *arg)
{
	/* In a "delegated" cgroup that holds this very process. */
	setenv("VMJAIL_CGROUP_DELEGATED", "1", 1);
	struct vj_plan plan;
	struct vj_error err = { 0 };
	tc_plan(&plan, "jail", "{\"cgroup\": {\"memory\": {\"max\": \"64M\"}, \"devices\": \"off\"}}", &err);
	struct vj_cgroup *cg = NULL;
	if (vj_cgroup_create(&plan, &cg, NULL, &err) < 0) {
		fprintf(stderr, "# %s\n", err.msg);
		return 1;
	}
	_cleanup_free_ char *leaf = tc_cg_path(cg, "v2");
	_cleanup_free_ char *self = tc_proc_cgroup(getpid(), "");
	int rc = 0;
	if (!self || !strstr(self, "/vmjail-supervisor"))
		rc = 2;
	else if (!leaf || tc_read_u64(leaf, "memory.max") != 64u << 20)
		rc = 3;
	if (vj_cgroup_destroy(cg, &err) < 0)
		rc = 4;
	return rc;
}

static void test_internal_processes(void)
{
	/* Delegated: vmjail sits in the delegated cgroup; it moves aside. */
	_cleanup_free_ char *top = vj_xasprintf("%s/%s", mnt, parent_name);
	_cleanup_free_ char *d = vj_xasprintf("%s/deleg", top);
	mkdir(top, 0755);
	mkdir(d, 0755);
	_cleanup_close_ int tfd = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	vj_write_file_at(tfd, "cgroup.subtree_control", "+memory +pids");
	struct tc_child c = tc_fork(delegated_child, NULL);
	_cleanup_close_ int dfd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char pid[32];
	snprintf(pid, sizeof(pid), "%d", (int)c.pid);
	vj_write_file_at(dfd, "cgroup.procs", pid);
	tc_release(&c);
	int st = tc_wait(c.pid);
	is_int(WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0,
	       "delegated cgroup with our own process: moved to vmjail-supervisor, memory enabled, leaf limited");

	/* Explicit parent with a process in it: a clear error. */
	_cleanup_free_ char *busy = vj_xasprintf("%s/busy", top);
	mkdir(busy, 0755);
	struct tc_child s = tc_fork(sleeper, NULL);
	_cleanup_close_ int bfd = open(busy, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	snprintf(pid, sizeof(pid), "%d", (int)s.pid);
	vj_write_file_at(bfd, "cgroup.procs", pid);
	struct vj_plan plan;
	struct vj_error err = { 0 };
	_cleanup_free_ char *json = vj_xasprintf("{\"cgroup\": {\"parent\": \"/%s/busy\", \"memory\": {\"max\": \"64M\"},"
						 " \"devices\": \"off\"}}", parent_name);
	tc_plan(&plan, "j", json, &err);
	struct vj_cgroup *cg = NULL;
	int r = vj_cgroup_create(&plan, &cg, NULL, &err);
	ok(r < 0 && strstr(err.msg, "no internal processes"), "explicit parent with processes: %s", err.msg);
	_cleanup_free_ char *leaf = vj_xasprintf("%s/j", busy);
	ok(!tc_exists(leaf), "and no leaf left behind");
	kill(s.pid, SIGKILL);
	tc_wait(s.pid);
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
		skip("needs root (creates cgroups)");
		return done_testing();
	}
	mnt = tc_mount_of("");
	_cleanup_free_ char *ctl = mnt ? read_str(mnt, "cgroup.controllers") : NULL;
	if (!ctl || !strstr(ctl, "memory") || !strstr(ctl, "pids")) {
		skip("the v2 hierarchy has no memory and pids controllers here (a hybrid host keeps them on v1)");
		free(mnt);
		return done_testing();
	}
	snprintf(parent_name, sizeof(parent_name), "vjt-%d-v2l", (int)getpid());
	atexit(cleanup);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	test_pids();
	test_memory_and_files();
	test_internal_processes();
	cleanup();
	tc_reap_all();
	is_int(tc_count_leftovers(parent_name), 0, "no test cgroup left behind");
	free(mnt);
	return done_testing();
}
