/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-cgroup.h - helpers shared by the cgroup engine's unit tests
 * (test-cgroup-*.c): plans from JSON text, child processes that wait for
 * a go signal, reading the kernel's view (/proc/PID/cgroup, cgroupfs).
 * Header-only. Every test cgroup lives under a parent named
 * "/vjt-PID..." and is removed at exit even when a test fails.
 */
#ifndef VJ_TEST_CGROUP_H
#define VJ_TEST_CGROUP_H

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "cgroup_internal.h"
#include "jsonp.h"
#include "jsonw.h"
#include "plan.h"
#include "tap.h"

/* A plan with only what the cgroup engine reads: id, mounts, cgroup. */
static inline int tc_plan(struct vj_plan *plan, const char *id, const char *cgroup_json, struct vj_error *err)
{
	memset(plan, 0, sizeof(*plan));
	plan->id = vj_xstrdup(id);
	json_object *doc = NULL;
	int r = vj_json_parse_string(cgroup_json, strlen(cgroup_json), "test.json", &doc, err);
	if (r < 0)
		return r;
	struct vj_jnode root, n;
	vj_jnode_root(&root, doc, "test.json");
	vj_jnode_key(&root, "cgroup", &n);
	r = vj_cgroup_plan_parse(&plan->cgroup, &n, err);
	json_object_put(doc);
	return r;
}

static inline void tc_plan_add_devbind(struct vj_plan *plan, const char *src)
{
	plan->mounts = realloc(plan->mounts, (plan->n_mounts + 1) * sizeof(*plan->mounts));
	struct vj_mount *m = &plan->mounts[plan->n_mounts++];
	memset(m, 0, sizeof(*m));
	m->type = VJ_MOUNT_DEV_BIND;
	m->source = vj_xstrdup(src);
	m->target = vj_xstrdup(src);
}

static inline void tc_plan_free(struct vj_plan *plan)
{
	for (size_t i = 0; i < plan->n_mounts; i++) {
		free(plan->mounts[i].source);
		free(plan->mounts[i].target);
	}
	free(plan->mounts);
	free(plan->id);
	vj_cgroup_plan_free(&plan->cgroup);
	memset(plan, 0, sizeof(*plan));
}

/* A forked child that blocks until released; then runs fn and exits with
 * its return value. */
struct tc_child {
	pid_t pid;
	int go;    /* write end: release */
};

static inline struct tc_child tc_fork(int (*fn)(void *), void *arg)
{
	int p[2];
	struct tc_child c = { -1, -1 };
	if (pipe2(p, O_CLOEXEC) < 0)
		return c;
	c.pid = fork();
	if (c.pid == 0) {
		char b;
		close(p[1]);
		if (read(p[0], &b, 1) != 1)
			_exit(99);
		close(p[0]);
		_exit(fn(arg));
	}
	close(p[0]);
	c.go = p[1];
	return c;
}

static inline void tc_release(struct tc_child *c)
{
	if (c->go >= 0) {
		(void)!write(c->go, "x", 1);
		close(c->go);
		c->go = -1;
	}
}

static inline int tc_wait(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return st;
}

/* Reap whatever orphans reached us (the tests are child subreapers). */
static inline void tc_reap_all(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* The line of /proc/PID/cgroup for a hierarchy: "0::" or "N:memory:". */
static inline char *tc_proc_cgroup(pid_t pid, const char *ctrl)
{
	char path[64], *buf = NULL;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	if (vj_read_file_at(AT_FDCWD, path, 65536, &buf, NULL) < 0)
		return NULL;
	char *res = NULL;
	for (char *s = strtok(buf, "\n"); s; s = strtok(NULL, "\n")) {
		char *c1 = strchr(s, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		if (strcmp(c1 + 1, ctrl) == 0 && (ctrl[0] || strncmp(s, "0:", 2) == 0)) {
			res = vj_xstrdup(c2 + 1);
			break;
		}
	}
	free(buf);
	return res;
}

/* The mount point of the hierarchy holding ctrl ("" = v2), or NULL. */
static inline char *tc_mount_of(const char *ctrl)
{
	struct vj_cg_hosts hs;
	struct vj_error e;
	char *res = NULL;
	if (vj_cg_detect(&hs, &e) < 0)
		return NULL;
	for (size_t i = 0; i < hs.n; i++) {
		if ((!*ctrl && hs.h[i].v2) ||
		    (*ctrl && !hs.h[i].v2 && strcmp(hs.h[i].name, ctrl) == 0)) {
			res = vj_xstrdup(hs.h[i].mountpoint);
			break;
		}
	}
	vj_cg_hosts_free(&hs);
	return res;
}

static inline bool tc_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* The path a cg reports for key ("v2", "memory", "pids") or NULL. */
static inline char *tc_cg_path(const struct vj_cgroup *cg, const char *key)
{
	json_object *o = vj_cgroup_to_json(cg), *v;
	char *res = NULL;
	if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
		res = vj_xstrdup(json_object_get_string(v));
	json_object_put(o);
	return res;
}

/* The key of the hierarchy that holds ctrl: its v1 name, else "v2". */
static inline const char *tc_key(const char *ctrl)
{
	char *m = tc_mount_of(ctrl);
	free(m);
	return m ? ctrl : "";
}

/* The leaf a cg has for ctrl, wherever the host keeps that controller. */
static inline char *tc_cg_ctrl_path(const struct vj_cgroup *cg, const char *ctrl)
{
	const char *k = tc_key(ctrl);
	return tc_cg_path(cg, *k ? k : "v2");
}

static inline uint64_t tc_read_u64(const char *dir, const char *file)
{
	char path[512], *buf = NULL;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (vj_read_file_at(AT_FDCWD, path, 65536, &buf, NULL) < 0)
		return UINT64_MAX;
	uint64_t v = strtoull(buf, NULL, 10);
	free(buf);
	return v;
}

/*
 * A pids limit held, by the kernel's account. pids.current is charged
 * before it is checked (pids_try_charge adds, compares, then reverts), so
 * a sample taken while forks are being refused can read the limit plus
 * the forks in flight: it proves the limit was reached, not that it held.
 * pids.peak is the kernel's watermark of successful charges only; where
 * the kernel has it (6.1+), it must be the limit exactly.
 */
static inline void tc_check_pids_limit(const char *dir, uint64_t limit, uint64_t sampled)
{
	ok(sampled >= limit - 2, "pids.current reached the limit %llu (sampled peak %llu)",
	   (unsigned long long)limit, (unsigned long long)sampled);
	char path[512];
	snprintf(path, sizeof(path), "%s/pids.peak", dir);
	if (!tc_exists(path)) {
		skip("no pids.peak on this kernel: cannot read the watermark of granted forks");
		return;
	}
	uint64_t peak = tc_read_u64(dir, "pids.peak");
	ok(peak == limit, "pids.peak (granted forks) is %llu, never above (read %llu)",
	   (unsigned long long)limit, (unsigned long long)peak);
}

static inline int tc_count_procs(const char *dir)
{
	char path[512], *buf = NULL;
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	if (vj_read_file_at(AT_FDCWD, path, 1 << 20, &buf, NULL) < 0)
		return -1;
	int n = 0;
	for (char *s = buf; *s; s++)
		if (*s == '\n')
			n++;
	free(buf);
	return n;
}

/* Remove the test parent "/NAME" on every hierarchy (kill, rmdir). */
static inline void tc_remove_everywhere(const char *name)
{
	struct vj_cg_hosts hs;
	struct vj_error e;
	if (vj_cg_detect(&hs, &e) < 0)
		return;
	for (size_t i = 0; i < hs.n; i++) {
		int fd = open(hs.h[i].mountpoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue;
		(void)vj_cg_remove_tree(fd, name, hs.h[i].v2,
					!hs.h[i].v2 && (hs.h[i].mask & VJ_CGC_BIT(VJ_CGC_FREEZER)), 5000);
		close(fd);
	}
	vj_cg_hosts_free(&hs);
}

/* rmdir "/NAME" on every hierarchy where it is empty: a shared directory
 * that other jails may be using right now is left alone (never killed). */
static inline void tc_rmdir_everywhere(const char *name)
{
	struct vj_cg_hosts hs;
	struct vj_error e;
	if (vj_cg_detect(&hs, &e) < 0)
		return;
	for (size_t i = 0; i < hs.n; i++) {
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", hs.h[i].mountpoint, name);
		(void)rmdir(path);
	}
	vj_cg_hosts_free(&hs);
}

/* Leftovers anywhere: a parent "/NAME" on some hierarchy. */
static inline int tc_count_leftovers(const char *name)
{
	struct vj_cg_hosts hs;
	struct vj_error e;
	int n = 0;
	if (vj_cg_detect(&hs, &e) < 0)
		return -1;
	for (size_t i = 0; i < hs.n; i++) {
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", hs.h[i].mountpoint, name);
		if (tc_exists(path)) {
			diag("left behind: %s", path);
			n++;
		}
	}
	vj_cg_hosts_free(&hs);
	return n;
}

#endif
