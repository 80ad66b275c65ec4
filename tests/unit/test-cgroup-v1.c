/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-cgroup-v1.c - limits on the v1 memory and pids controllers (this
 * is where a hybrid host keeps them): a fork bomb under pids max 32 never
 * exceeds 32 tasks and the host can still fork; a memory hog under 64M is
 * OOM-killed and reported so; the limit is readable from inside through
 * the cgroup namespace. Needs root.
 */
#include "test-cgroup.h"

#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <time.h>

static char parent_name[64];

static int bomb(void *arg)
{
	for (;;) {
		pid_t p = fork();
		if (p < 0) {
			struct timespec ts = { 0, 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
	}
	return 0;
}

static void test_fork_bomb(void)
{
	char id[64], json[256];
	snprintf(id, sizeof(id), "bomb-%d", (int)getpid());
	snprintf(json, sizeof(json), "{\"cgroup\": {\"parent\": \"/%s\", \"pids\": {\"max\": 32}}}", parent_name);
	struct vj_plan plan;
	struct vj_error err = { 0 };
	tc_plan(&plan, id, json, &err);
	ok(plan.cgroup.required, "a plan with a limit defaults to required");
	struct vj_cgroup *cg = NULL;
	int r = vj_cgroup_create(&plan, &cg, NULL, &err);
	ok(r == 0 && cg, "create: %s", r < 0 ? err.msg : "ok");
	if (!cg) {
		tc_plan_free(&plan);
		return;
	}
	_cleanup_free_ char *pids = tc_cg_path(cg, "pids");
	ok(pids != NULL, "a leaf on the pids hierarchy: %s", pids ? pids : "none");
	is_int(tc_read_u64(pids, "pids.max"), 32, "pids.max is 32");

	struct tc_child c = tc_fork(bomb, NULL);
	r = vj_cgroup_attach(cg, c.pid, false, &err);
	ok(r == 0, "attach: %s", r < 0 ? err.msg : "ok");
	tc_release(&c);
	uint64_t peak = 0;
	int peak_procs = 0;
	for (int i = 0; i < 150; i++) {
		uint64_t cur = tc_read_u64(pids, "pids.current");
		int n = tc_count_procs(pids);
		if (cur != UINT64_MAX && cur > peak)
			peak = cur;
		if (n > peak_procs)
			peak_procs = n;
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	tc_check_pids_limit(pids, 32, peak);
	ok(peak_procs <= 32, "cgroup.procs never listed more than 32 (peak %d)", peak_procs);
	pid_t p = fork();
	if (p == 0)
		_exit(7);
	int st = p > 0 ? tc_wait(p) : -1;
	ok(p > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 7, "the host can still fork");

	json_object *rec = json_object_new_object();
	vj_cgroup_report_exit(cg, rec);
	json_object *v;
	ok(json_object_object_get_ex(rec, "pids_limit_hit", &v) && json_object_get_boolean(v),
	   "report_exit says pids_limit_hit: %s", vj_json_to_string(rec, false));
	json_object_put(rec);
	r = vj_cgroup_destroy(cg, &err);
	ok(r == 0, "destroy kills the bomb: %s", r < 0 ? err.msg : "ok");
	st = tc_wait(c.pid);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "the bomb's first process was SIGKILLed");
	ok(!tc_exists(pids), "pids leaf removed");
	tc_reap_all();
	tc_plan_free(&plan);
}

static int hog(void *arg)
{
	/* Touch 256M, one page at a time. */
	size_t len = 256u << 20;
	char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return 2;
	for (size_t i = 0; i < len; i += 4096)
		m[i] = 1;
	return 0;
}

static int read_inside(void *arg)
{
	/* In a cgroup namespace rooted at the leaf: /proc/self/cgroup says
	 * "/", and a fresh memory mount shows the leaf's own limit. */
	if (unshare(CLONE_NEWCGROUP | CLONE_NEWNS) < 0)
		return 10;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return 11;
	char *line = tc_proc_cgroup(getpid(), "memory");
	if (!line || strcmp(line, "/") != 0)
		return 12;
	char dir[] = "/tmp/vjt-cgns-XXXXXX";
	if (!mkdtemp(dir))
		return 13;
	int rc = 0;
	if (mount("cgroup", dir, "cgroup", 0, "memory") < 0)
		rc = 14;
	else if (tc_read_u64(dir, "memory.limit_in_bytes") != 64u << 20)
		rc = 15;
	umount2(dir, MNT_DETACH);
	rmdir(dir);
	return rc;
}

static void test_memory(void)
{
	char id[64], json[256];
	snprintf(id, sizeof(id), "hog-%d", (int)getpid());
	snprintf(json, sizeof(json),
		 "{\"cgroup\": {\"parent\": \"/%s\", \"memory\": {\"max\": \"64M\", \"swap_max\": 0}}}", parent_name);
	struct vj_plan plan;
	struct vj_error err = { 0 };
	tc_plan(&plan, id, json, &err);
	struct vj_cgroup *cg = NULL;
	char **notices = NULL;
	int r = vj_cgroup_create(&plan, &cg, &notices, &err);
	ok(r == 0 && cg, "create: %s", r < 0 ? err.msg : "ok");
	if (!cg) {
		vj_strv_free(notices);
		tc_plan_free(&plan);
		return;
	}
	_cleanup_free_ char *mem = tc_cg_path(cg, "memory");
	ok(mem != NULL, "a leaf on the memory hierarchy: %s", mem ? mem : "none");
	is_int(tc_read_u64(mem, "memory.limit_in_bytes"), 64u << 20, "memory.limit_in_bytes is 64M");
	char memsw[512];
	snprintf(memsw, sizeof(memsw), "%s/memory.memsw.limit_in_bytes", mem);
	if (tc_exists(memsw))
		is_int(tc_read_u64(mem, "memory.memsw.limit_in_bytes"), 64u << 20, "memsw = max + swap_max");
	else
		skip("no swap accounting on this host (memory.memsw.*)");

	struct tc_child in = tc_fork(read_inside, NULL);
	r = vj_cgroup_attach(cg, in.pid, false, &err);
	tc_release(&in);
	int st = tc_wait(in.pid);
	is_int(WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0, "inside the cgroup namespace: memory:/ and the 64M limit");

	struct tc_child c = tc_fork(hog, NULL);
	r = vj_cgroup_attach(cg, c.pid, false, &err);
	ok(r == 0, "attach the hog: %s", r < 0 ? err.msg : "ok");
	tc_release(&c);
	st = tc_wait(c.pid);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "the hog was killed (status 0x%x)", st);
	json_object *rec = json_object_new_object();
	vj_cgroup_report_exit(cg, rec);
	json_object *v;
	ok(json_object_object_get_ex(rec, "oom_killed", &v) && json_object_get_boolean(v),
	   "report_exit says oom_killed: %s", vj_json_to_string(rec, false));
	json_object_put(rec);
	r = vj_cgroup_destroy(cg, &err);
	ok(r == 0 && !tc_exists(mem), "destroy removes the memory leaf: %s", r < 0 ? err.msg : "ok");
	vj_strv_free(notices);
	tc_plan_free(&plan);
}

/* Put pid into dir's cgroup.procs. */
static int move_to(const char *dir, pid_t pid)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : vj_write_file_at(fd, "cgroup.procs", buf);
}

/* The kill loop pure-v1 hosts use (no cgroup.kill): on the freezer
 * hierarchy frozen first, on another v1 hierarchy plainly. The bombs are
 * always capped by a pids cgroup (pids.max 64) before they are released. */
static void test_v1_kill(const char *ctrl, bool freezer)
{
	_cleanup_free_ char *mnt = tc_mount_of(ctrl);
	_cleanup_free_ char *pmnt = tc_mount_of("pids");
	if (!mnt || !pmnt) {
		skip("no v1 %s hierarchy, or no v1 pids hierarchy to cap the test's fork bombs", ctrl);
		return;
	}
	_cleanup_free_ char *top = vj_xasprintf("%s/%s", mnt, parent_name);
	_cleanup_free_ char *dir = vj_xasprintf("%s/kill", top);
	_cleanup_free_ char *sub = vj_xasprintf("%s/nested", dir);
	_cleanup_free_ char *ptop = vj_xasprintf("%s/%s", pmnt, parent_name);
	_cleanup_free_ char *cap = vj_xasprintf("%s/cap", ptop);
	mkdir(top, 0755);
	mkdir(ptop, 0755);
	bool made = mkdir(dir, 0755) == 0 && mkdir(sub, 0755) == 0;
	if (strcmp(ctrl, "pids") != 0)
		made = made && (mkdir(cap, 0755) == 0 || errno == EEXIST);
	else
		cap = (free(cap), vj_xstrdup(dir));
	_cleanup_close_ int cfd = open(cap, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bool capped = made && cfd >= 0 && vj_write_file_at(cfd, "pids.max", "64") == 0;
	ok(capped, "cgroups for the %s kill test, capped at 64 tasks", ctrl);
	if (!capped)
		return;
	struct tc_child c = tc_fork(bomb, NULL), c2 = tc_fork(bomb, NULL);
	bool placed = move_to(cap, c.pid) == 0 && move_to(cap, c2.pid) == 0 && move_to(dir, c.pid) == 0 &&
		      move_to(sub, c2.pid) == 0;
	_cleanup_free_ char *l1 = tc_proc_cgroup(c.pid, "pids"), *l2 = tc_proc_cgroup(c2.pid, "pids");
	_cleanup_free_ char *want_cap = vj_xasprintf("/%s/%s", parent_name, strcmp(ctrl, "pids") ? "cap" : "kill");
	placed = placed && l1 && vj_startswith(l1, want_cap) && l2 && vj_startswith(l2, want_cap);
	ok(placed, "two fork bombs in %s and %s/nested, under the cap", dir, dir);
	if (!placed) {
		kill(c.pid, SIGKILL);
		kill(c2.pid, SIGKILL);
		tc_wait(c.pid);
		tc_wait(c2.pid);
		return;
	}
	tc_release(&c);
	tc_release(&c2);
	struct timespec ts = { 0, 200 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	int before = tc_count_procs(dir) + tc_count_procs(sub);
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r = vj_cg_kill_tree(fd, false, freezer, 10000);
	ok(r == 0 && tc_count_procs(dir) == 0 && tc_count_procs(sub) == 0,
	   "%s kill loop empties the tree (%d processes before): %s", freezer ? "freezer" : "plain", before,
	   r < 0 ? strerror(-r) : "ok");
	tc_wait(c.pid);
	tc_wait(c2.pid);
	tc_reap_all();
	int pfd = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = vj_cg_remove_tree(pfd, "kill", false, freezer, 5000);
	close(pfd);
	ok(r == 0 && !tc_exists(dir), "removed depth first: %s", r < 0 ? strerror(-r) : "ok");
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
	_cleanup_free_ char *pids = tc_mount_of("pids");
	_cleanup_free_ char *mem = tc_mount_of("memory");
	snprintf(parent_name, sizeof(parent_name), "vjt-%d-v1", (int)getpid());
	atexit(cleanup);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	if (pids)
		test_fork_bomb();
	else
		skip("no v1 pids hierarchy on this host");
	if (mem)
		test_memory();
	else
		skip("no v1 memory hierarchy on this host");
	test_v1_kill("freezer", true);
	test_v1_kill("pids", false);
	cleanup();
	is_int(tc_count_leftovers(parent_name), 0, "no test cgroup left behind");
	return done_testing();
}
