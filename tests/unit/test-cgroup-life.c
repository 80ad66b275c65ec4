/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-cgroup-life.c - the jail cgroup's life on every hierarchy: the
 * parent override, the other v1 limits (cpu, cpuset), cleanup after a
 * normal exit, after SIGKILL of the target (with a process it left), a
 * stale cgroup from a "crashed" run removed by the next create with the
 * same id, a failure mid-setup leaving nothing behind, a delegated subtree
 * used by an unprivileged caller, and required vs optional for an
 * unprivileged caller with no writable cgroup. Needs root (the
 * unprivileged cases drop to uid 65534 in a child).
 */
#include "test-cgroup.h"

#include <grp.h>
#include <time.h>

#define NOBODY 65534

static char parent_name[64];
static int seq;

static char *new_id(const char *what)
{
	return vj_xasprintf("%s-%d-%d", what, (int)getpid(), ++seq);
}

static struct vj_cgroup *make(struct vj_plan *plan, const char *what, const char *extra, char ***notices)
{
	struct vj_error err = { 0 };
	_cleanup_free_ char *id = new_id(what);
	_cleanup_free_ char *json = vj_xasprintf("{\"cgroup\": {\"parent\": \"/%s\"%s%s}}", parent_name,
						 extra ? ", " : "", extra ? extra : "");
	int r = tc_plan(plan, id, json, &err);
	if (r < 0) {
		diag("plan: %s", err.msg);
		return NULL;
	}
	struct vj_cgroup *cg = NULL;
	r = vj_cgroup_create(plan, &cg, notices, &err);
	ok(r == 0 && cg, "create %s: %s", id, r < 0 ? err.msg : "ok");
	return cg;
}

static int sleeper(void *arg)
{
	for (;;)
		pause();
	return 0;
}

static int exit0(void *arg)
{
	return 0;
}

static int spawn_and_sleep(void *arg)
{
	/* Leave a process behind, then wait to be killed. */
	int *gpid_fd = arg;
	pid_t g = fork();
	if (g == 0) {
		for (;;)
			pause();
	}
	(void)!write(*gpid_fd, &g, sizeof(g));
	for (;;)
		pause();
	return 0;
}

static bool all_gone(json_object *paths)
{
	bool gone = true;
	json_object_object_foreach(paths, k, v) {
		if (strcmp(k, "device_filter") == 0)
			continue;
		if (tc_exists(json_object_get_string(v))) {
			diag("still there: %s", json_object_get_string(v));
			gone = false;
		}
	}
	return gone;
}

static void test_parent_and_limits(void)
{
	struct vj_plan plan;
	struct vj_error err = { 0 };
	_cleanup_free_ char *extra = vj_xasprintf("\"memory\": {\"max\": \"32M\"}, \"pids\": {\"max\": 10}, "
						  "\"cpu\": {\"weight\": 200, \"max\": 1.5}, \"cpuset\": {\"cpus\": \"0\"}");
	/* a parent two levels below the test's own */
	_cleanup_free_ char *saved = vj_xstrdup(parent_name);
	snprintf(parent_name, sizeof(parent_name), "%s/a/b", saved);
	struct vj_cgroup *cg = make(&plan, "par", extra, NULL);
	snprintf(parent_name, sizeof(parent_name), "%s", saved);
	if (!cg) {
		tc_plan_free(&plan);
		return;
	}
	struct tc_child c = tc_fork(sleeper, NULL);
	int r = vj_cgroup_attach(cg, c.pid, false, &err);
	ok(r == 0, "attach (no clone3): %s", r < 0 ? err.msg : "ok");
	static const char *const ctrls[] = { "memory", "pids", "cpu", "cpuset", "" };
	for (size_t i = 0; i < ARRAY_SIZE(ctrls); i++) {
		_cleanup_free_ char *line = tc_proc_cgroup(c.pid, ctrls[i]);
		_cleanup_free_ char *want = vj_xasprintf("/%s/a/b/%s", parent_name, plan.id);
		_cleanup_free_ char *m = tc_mount_of(ctrls[i]);
		if (m)
			is_str(line, want, "/proc/PID/cgroup %s line under the override", *ctrls[i] ? ctrls[i] : "v2");
	}
	_cleanup_free_ char *cpu = tc_cg_path(cg, "cpu");
	if (cpu) {
		is_int(tc_read_u64(cpu, "cpu.shares"), 2048, "v1 cpu.shares = weight 200 * 1024 / 100");
		is_int(tc_read_u64(cpu, "cpu.cfs_quota_us"), 150000, "v1 cfs quota for 1.5 CPUs");
	}
	_cleanup_free_ char *cpuset = tc_cg_path(cg, "cpuset");
	if (cpuset) {
		is_int(tc_read_u64(cpuset, "cpuset.cpus"), 0, "v1 cpuset.cpus");
		_cleanup_free_ char *mems = NULL;
		_cleanup_free_ char *f = vj_xasprintf("%s/cpuset.mems", cpuset);
		vj_read_file_at(AT_FDCWD, f, 4096, &mems, NULL);
		if (mems)
			mems[strcspn(mems, "\n")] = '\0';
		ok(mems && mems[0] >= '0' && mems[0] <= '9', "cpuset.mems initialised from the parent (%s)",
		   mems ? mems : "?");
	}
	json_object *paths = vj_cgroup_to_json(cg);
	kill(c.pid, SIGKILL);
	tc_wait(c.pid);
	r = vj_cgroup_destroy(cg, &err);
	ok(r == 0 && all_gone(paths), "destroyed on every hierarchy: %s", r < 0 ? err.msg : "ok");
	json_object_put(paths);
	tc_plan_free(&plan);
}

static void test_io_optional(void)
{
	struct vj_plan plan;
	struct vj_error err = { 0 };
	char **notices = NULL;
	struct vj_cgroup *cg = make(&plan, "io", "\"io\": {\"weight\": 50}, \"required\": \"optional\"", &notices);
	_cleanup_free_ char *blkio = tc_cg_path(cg, "blkio");
	bool have_weight = false;
	if (blkio) {
		_cleanup_free_ char *f1 = vj_xasprintf("%s/blkio.weight", blkio);
		_cleanup_free_ char *f2 = vj_xasprintf("%s/blkio.bfq.weight", blkio);
		have_weight = tc_exists(f1) || tc_exists(f2);
	}
	if (have_weight) {
		_cleanup_free_ char *f = vj_xasprintf("%s/blkio.weight", blkio), *v = NULL;
		if (!tc_exists(f)) {
			free(f);
			f = vj_xasprintf("%s/blkio.bfq.weight", blkio);
		}
		vj_read_file_at(AT_FDCWD, f, 4096, &v, NULL);
		if (v)
			v[strcspn(v, "\n")] = '\0';
		ok(v && strstr(v, "250"), "io.weight 50 -> %s = 250 (%s)", f, v ? v : "?");
		skip("this host can set an IO weight; the optional-notice path is not reachable");
	} else if (!blkio)
		skip("no blkio/io hierarchy");
	else
		ok(notices && notices[0] && strstr(notices[0], "io.weight") && strstr(notices[0], "running without it"),
		   "optional io.weight the host lacks: a notice (%s)", notices && notices[0] ? notices[0] : "none");
	vj_cgroup_destroy(cg, &err);
	vj_strv_free(notices);
	tc_plan_free(&plan);

	if (!blkio || have_weight)
		return;
	_cleanup_free_ char *id = new_id("io-req");
	_cleanup_free_ char *json = vj_xasprintf("{\"cgroup\": {\"parent\": \"/%s\", \"io\": {\"weight\": 50}}}",
						 parent_name);
	tc_plan(&plan, id, json, &err);
	int r = vj_cgroup_create(&plan, &cg, NULL, &err);
	ok(r < 0 && strstr(err.msg, "io.weight"), "required io.weight the host lacks: an error (%s)", err.msg);
	tc_plan_free(&plan);
}

static void test_normal_exit(void)
{
	struct vj_plan plan;
	struct vj_error err = { 0 };
	struct vj_cgroup *cg = make(&plan, "exit", "\"memory\": {\"max\": \"64M\"}, \"pids\": {\"max\": 16}", NULL);
	if (!cg) {
		tc_plan_free(&plan);
		return;
	}
	struct tc_child c = tc_fork(exit0, NULL);
	vj_cgroup_attach(cg, c.pid, false, &err);
	tc_release(&c);
	int st = tc_wait(c.pid);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "target exited 0");
	json_object *paths = vj_cgroup_to_json(cg);
	int r = vj_cgroup_destroy(cg, &err);
	ok(r == 0 && all_gone(paths), "normal exit: every leaf removed: %s", r < 0 ? err.msg : "ok");
	json_object_put(paths);
	tc_plan_free(&plan);
}

static void test_target_sigkill(void)
{
	struct vj_plan plan;
	struct vj_error err = { 0 };
	struct vj_cgroup *cg = make(&plan, "kill", "\"memory\": {\"max\": \"64M\"}", NULL);
	if (!cg) {
		tc_plan_free(&plan);
		return;
	}
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		abort();
	struct tc_child c = tc_fork(spawn_and_sleep, &p[1]);
	close(p[1]);
	vj_cgroup_attach(cg, c.pid, false, &err);
	tc_release(&c);
	pid_t g = -1;
	ssize_t got = read(p[0], &g, sizeof(g));
	ok(got == sizeof(g) && g > 0, "target started a second process %d", (int)g);
	close(p[0]);
	kill(c.pid, SIGKILL);
	tc_wait(c.pid);
	_cleanup_free_ char *mem = tc_cg_ctrl_path(cg, "memory");
	is_int(tc_count_procs(mem), 1, "after SIGKILL of the target its child is still in the cgroup");
	json_object *paths = vj_cgroup_to_json(cg);
	int r = vj_cgroup_destroy(cg, &err);
	ok(r == 0 && all_gone(paths), "destroy: every leaf removed: %s", r < 0 ? err.msg : "ok");
	int st = g > 0 ? tc_wait(g) : -1;
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "the left-behind process was killed");
	json_object_put(paths);
	tc_plan_free(&plan);
}

static void test_stale(void)
{
	struct vj_plan plan;
	struct vj_error err = { 0 };
	struct vj_cgroup *old = make(&plan, "stale", "\"memory\": {\"max\": \"64M\"}, \"pids\": {\"max\": 16}", NULL);
	if (!old) {
		tc_plan_free(&plan);
		return;
	}
	struct tc_child c = tc_fork(sleeper, NULL);
	vj_cgroup_attach(old, c.pid, false, &err);
	tc_release(&c);
	_cleanup_free_ char *mem = tc_cg_ctrl_path(old, "memory");
	_cleanup_free_ char *v2 = tc_cg_path(old, "v2");
	is_int(tc_count_procs(mem), 1, "the \"crashed\" run's process is in its cgroup");
	/* The supervisor "crashed": old is never destroyed. Same id again: */
	struct vj_cgroup *cg = NULL;
	int r = vj_cgroup_create(&plan, &cg, NULL, &err);
	ok(r == 0 && cg, "create with the same id: %s", r < 0 ? err.msg : "ok");
	int st = tc_wait(c.pid);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "the stale process was killed");
	is_int(tc_count_procs(mem), 0, "the new memory leaf is empty");
	if (v2)
		is_int(tc_count_procs(v2), 0, "the new v2 leaf is empty");
	json_object *paths = vj_cgroup_to_json(cg);
	r = vj_cgroup_destroy(cg, &err);
	ok(r == 0 && all_gone(paths), "destroyed: %s", r < 0 ? err.msg : "ok");
	json_object_put(paths);
	/* The crashed run's handle: its leaves went with the new jail's, so
	 * destroying it now only frees memory. */
	ok(vj_cgroup_destroy(old, &err) == 0, "the stale handle finds nothing left: %s", err.code ? err.msg : "ok");
	tc_plan_free(&plan);
}

static void test_failure_midway(void)
{
	struct vj_plan plan;
	struct vj_error err = { 0 };
	_cleanup_free_ char *parent = vj_xasprintf("vjt-%d-fail", (int)getpid());
	_cleanup_free_ char *json = vj_xasprintf(
		"{\"cgroup\": {\"parent\": \"/%s/x\", \"memory\": {\"max\": \"64M\"}, \"pids\": {\"max\": 8},"
		" \"cpuset\": {\"cpus\": \"1000\"}}}", parent);
	_cleanup_free_ char *id = new_id("fail");
	tc_plan(&plan, id, json, &err);
	struct vj_cgroup *cg = NULL;
	int r = vj_cgroup_create(&plan, &cg, NULL, &err);
	ok(r < 0 && !cg, "a cpuset naming CPU 1000 fails");
	ok(strstr(err.msg, "cpuset.cpus") != NULL, "the message names the file: %s", err.msg);
	is_int(tc_count_leftovers(parent), 0, "nothing left behind, not even the parents it made");
	tc_remove_everywhere(parent);
	tc_plan_free(&plan);
}

/* ---- unprivileged ---- */

static int drop_to_nobody(void)
{
	if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 || setresuid(NOBODY, NOBODY, NOBODY) < 0)
		return -errno;
	return 0;
}

struct unpriv {
	const char *json;
	const char *id;
	int out; /* pipe: the result as JSON */
};

static int unpriv_child(void *arg)
{
	struct unpriv *u = arg;
	json_object *res = json_object_new_object();
	struct vj_error err = { 0 };
	struct vj_plan plan;
	if (drop_to_nobody() < 0)
		return 20;
	tc_plan(&plan, u->id, u->json, &err);
	struct vj_cgroup *cg = NULL;
	char **notices = NULL;
	int r = vj_cgroup_create(&plan, &cg, &notices, &err);
	vj_json_add_int(res, "r", r);
	vj_json_add_string(res, "msg", r < 0 ? err.msg : "");
	vj_json_add_strv(res, "notices", notices ? notices : (char *[]){ NULL });
	if (cg) {
		vj_json_add(res, "paths", vj_cgroup_to_json(cg));
		pid_t g = fork();
		if (g == 0) {
			pause();
			_exit(0);
		}
		r = vj_cgroup_attach(cg, g, false, &err);
		vj_json_add_string(res, "attach", r < 0 ? err.msg : "ok");
		char *line = tc_proc_cgroup(g, tc_key("memory"));
		vj_json_add_string(res, "g_memory", line);
		free(line);
		line = tc_proc_cgroup(g, "");
		vj_json_add_string(res, "g_v2", line);
		free(line);
		r = vj_cgroup_destroy(cg, &err);
		vj_json_add_string(res, "destroy", r < 0 ? err.msg : "ok");
		waitpid(g, NULL, 0);
	}
	const char *s = vj_json_to_string(res, false);
	(void)!write(u->out, s, strlen(s));
	return 0;
}

static json_object *run_unpriv(const char *json, const char *id, const char *deleg)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		abort();
	struct unpriv u = { json, id, p[1] };
	struct tc_child c = tc_fork(unpriv_child, &u);
	close(p[1]);
	if (deleg) {
		/* Put the child into the delegated cgroups, as systemd would have. */
		static const char *const ctrls[] = { "memory", "pids", "" };
		for (size_t i = 0; i < ARRAY_SIZE(ctrls); i++) {
			_cleanup_free_ char *m = tc_mount_of(ctrls[i]);
			if (!m)
				continue;
			_cleanup_free_ char *d = vj_xasprintf("%s/%s", m, deleg);
			char pid[32];
			snprintf(pid, sizeof(pid), "%d", (int)c.pid);
			_cleanup_close_ int fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (vj_write_file_at(fd, "cgroup.procs", pid) < 0)
				diag("moving into %s failed", d);
		}
	}
	tc_release(&c);
	char buf[8192] = "";
	ssize_t n = vj_read_full(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	buf[n > 0 ? n : 0] = '\0';
	int st = tc_wait(c.pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		diag("unprivileged child status 0x%x", st);
	return json_tokener_parse(buf);
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;
	return o && json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

/* A subtree made writable to uid 65534, as systemd's Delegate=yes does;
 * a fresh one per run (once the engine enabled controllers in it, no
 * process can be moved into it any more). Returns "PARENT/NAME". */
static char *make_delegated(const char *name)
{
	char *deleg = vj_xasprintf("%s/%s", parent_name, name);
	static const char *const ctrls[] = { "memory", "pids", "" };
	for (size_t i = 0; i < ARRAY_SIZE(ctrls); i++) {
		_cleanup_free_ char *m = tc_mount_of(ctrls[i]);
		if (!m)
			continue;
		_cleanup_free_ char *top = vj_xasprintf("%s/%s", m, parent_name);
		_cleanup_free_ char *d = vj_xasprintf("%s/%s", m, deleg);
		mkdir(top, 0755);
		if (mkdir(d, 0755) < 0)
			diag("mkdir %s: %s", d, strerror(errno));
		if (!*ctrls[i]) {
			/* v2: what systemd does above a delegated unit: the
			 * controllers the host has on v2 are enabled down to it. */
			_cleanup_free_ char *ctl = NULL, *rootc = vj_xasprintf("%s/cgroup.controllers", m);
			vj_read_file_at(AT_FDCWD, rootc, 4096, &ctl, NULL);
			_cleanup_free_ char *en = vj_xasprintf("%s%s", ctl && strstr(ctl, "memory") ? "+memory " : "",
							       ctl && strstr(ctl, "pids") ? "+pids" : "");
			if (*en) {
				_cleanup_close_ int rfd = open(m, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
				_cleanup_close_ int tfd = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
				if (vj_write_file_at(rfd, "cgroup.subtree_control", en) < 0 ||
				    vj_write_file_at(tfd, "cgroup.subtree_control", en) < 0)
					diag("enabling %s on v2 failed", en);
			}
		}
		static const char *const files[] = { "", "/cgroup.procs", "/cgroup.subtree_control", "/cgroup.threads",
						     "/tasks" };
		for (size_t f = 0; f < ARRAY_SIZE(files); f++) {
			_cleanup_free_ char *fp = vj_xasprintf("%s%s", d, files[f]);
			if (tc_exists(fp) && chown(fp, NOBODY, NOBODY) < 0)
				diag("chown %s: %s", fp, strerror(errno));
		}
	}
	return deleg;
}

static void test_delegated(void)
{
	static const char *const ctrls[] = { "memory", "pids", "" };
	_cleanup_free_ char *deleg = make_delegated("deleg");
	_cleanup_free_ char *id = new_id("deleg");
	json_object *res = run_unpriv("{\"cgroup\": {\"memory\": {\"max\": \"64M\"}, \"pids\": {\"max\": 16},"
				      " \"devices\": \"off\"}}",
				      id, deleg);
	ok(res != NULL, "the unprivileged engine ran");
	is_str(jstr(res, "msg"), "", "create as uid 65534 in a delegated subtree succeeds");
	json_object *paths = NULL;
	json_object_object_get_ex(res, "paths", &paths);
	for (size_t i = 0; i < ARRAY_SIZE(ctrls); i++) {
		_cleanup_free_ char *m = tc_mount_of(ctrls[i]);
		if (!m)
			continue;
		_cleanup_free_ char *want = vj_xasprintf("%s/%s/%s", m, deleg, id);
		is_str(jstr(paths, *ctrls[i] ? ctrls[i] : "v2"), want, "%s leaf inside the delegated subtree",
		       *ctrls[i] ? ctrls[i] : "v2");
	}
	_cleanup_free_ char *want = vj_xasprintf("/%s/%s", deleg, id);
	is_str(jstr(res, "attach"), "ok", "unprivileged attach");
	is_str(jstr(res, "g_memory"), want, "its process is in the memory leaf");
	is_str(jstr(res, "g_v2"), want, "and in the v2 leaf");
	is_str(jstr(res, "destroy"), "ok", "unprivileged destroy");
	json_object_put(res);

	/* Devices "required" cannot be met unprivileged (no CAP_BPF, no v1
	 * devices.deny): an error, and nothing is left in the subtree. */
	_cleanup_free_ char *id2 = new_id("deleg-dev");
	_cleanup_free_ char *deleg2 = make_delegated("deleg2");
	res = run_unpriv("{\"cgroup\": {\"pids\": {\"max\": 16}, \"devices\": \"required\"}}", id2, deleg2);
	const char *msg = jstr(res, "msg");
	ok(msg && strstr(msg, "devices: cannot enforce"), "unprivileged, devices required: %s", msg ? msg : "?");
	for (size_t i = 0; i < ARRAY_SIZE(ctrls); i++) {
		_cleanup_free_ char *m = tc_mount_of(ctrls[i]);
		_cleanup_free_ char *leaf = m ? vj_xasprintf("%s/%s/%s", m, deleg2, id2) : NULL;
		if (leaf)
			ok(!tc_exists(leaf), "no leaf left: %s", leaf);
	}
	json_object_put(res);
}

static void test_unprivileged_no_cgroup(void)
{
	_cleanup_free_ char *id = new_id("nope");
	json_object *res = run_unpriv("{\"cgroup\": {\"memory\": {\"max\": \"64M\"}}}", id, NULL);
	const char *msg = jstr(res, "msg");
	ok(msg && vj_startswith(msg, "no writable cgroup for memory") && strstr(msg, "Delegate=yes"),
	   "required: an error saying what is missing: %s", msg ? msg : "?");
	json_object_put(res);

	res = run_unpriv("{\"cgroup\": {\"memory\": {\"max\": \"64M\"}, \"required\": \"optional\"}}", id, NULL);
	json_object *notices = NULL, *paths = NULL;
	json_object_object_get_ex(res, "notices", &notices);
	is_str(jstr(res, "msg"), "", "optional: no error");
	ok(!json_object_object_get_ex(res, "paths", &paths), "optional: no cgroup (*out is NULL)");
	const char *n0 = notices && json_object_array_length(notices) ? json_object_get_string(json_object_array_get_idx(notices, 0)) : NULL;
	ok(n0 && strstr(n0, "memory") && strstr(n0, "running without it"), "optional: a notice: %s", n0 ? n0 : "none");
	is_int(notices ? (int)json_object_array_length(notices) : 0, 1, "optional: exactly one notice");
	json_object_put(res);
}

static void test_env_delegated(void)
{
	/* $VMJAIL_CGROUP_DELEGATED: the current cgroup is the parent. */
	_cleanup_free_ char *mem = tc_mount_of(tc_key("memory"));
	_cleanup_free_ char *cur = tc_proc_cgroup(getpid(), tc_key("memory"));
	if (!mem || !cur) {
		skip("no memory hierarchy");
		return;
	}
	setenv("VMJAIL_CGROUP_DELEGATED", "1", 1);
	struct vj_plan plan;
	struct vj_error err = { 0 };
	_cleanup_free_ char *id = new_id("env");
	tc_plan(&plan, id, "{\"cgroup\": {\"memory\": {\"max\": \"64M\"}, \"devices\": \"off\"}}", &err);
	struct vj_cgroup *cg = NULL;
	int r = vj_cgroup_create(&plan, &cg, NULL, &err);
	unsetenv("VMJAIL_CGROUP_DELEGATED");
	ok(r == 0 && cg, "create with VMJAIL_CGROUP_DELEGATED=1: %s", r < 0 ? err.msg : "ok");
	_cleanup_free_ char *got = tc_cg_ctrl_path(cg, "memory");
	_cleanup_free_ char *want = vj_xasprintf("%s%s/%s", mem, strcmp(cur, "/") ? cur : "", id);
	is_str(got, want, "the leaf is below the current memory cgroup");
	r = vj_cgroup_destroy(cg, &err);
	ok(r == 0 && !tc_exists(want), "destroyed: %s", r < 0 ? err.msg : "ok");
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
		skip("needs root (creates cgroups; drops to uid 65534 for the unprivileged cases)");
		return done_testing();
	}
	snprintf(parent_name, sizeof(parent_name), "vjt-%d-life", (int)getpid());
	atexit(cleanup);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	test_parent_and_limits();
	test_io_optional();
	test_normal_exit();
	test_target_sigkill();
	test_stale();
	test_failure_midway();
	test_delegated();
	test_env_delegated();
	test_unprivileged_no_cgroup();
	cleanup();
	tc_reap_all();
	is_int(tc_count_leftovers(parent_name), 0, "no test cgroup left behind");
	return done_testing();
}
