/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-state.c - the jails' registry (jailer/state*.c): id checks, the
 * choice of the state root and its checks, atomic state.json writes,
 * stale detection and cleanup, and races of many processes acquiring one
 * id (exactly one wins, every round).
 *
 * The kernel is the oracle: real directories, real flock(2) locks held by
 * forked processes, real unix sockets, real process deaths.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "tap.h"
#include "plan.h"
#include "state.h"
#include "state_int.h"
#include "jsonw.h"

static char tmpdir[256];

static struct vj_plan *plan_for(const char *id)
{
	static struct vj_plan plan;
	static char *argv[] = { "sleep", "1000", NULL };
	memset(&plan, 0, sizeof(plan));
	plan.id = (char *)id;
	plan.profile_name = "generic";
	plan.argv = argv;
	plan.ns[VJ_NS_MNT] = plan.ns[VJ_NS_PID] = true;
	plan.info_fd = -1;
	return &plan;
}

static bool exists_at(const char *dir, const char *name)
{
	char p[512];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return lstat(p, &st) == 0;
}

static void test_ids(void)
{
	struct vj_error err = { 0 };
	const char *good[] = { "a", "vm-1", "A_b.c-9", "x.", "0", NULL };
	for (size_t i = 0; good[i]; i++)
		ok(vj_state_id_check(good[i], &err) == 0, "id \"%s\" accepted", good[i]);
	char max[65], over[66], huge[301];
	memset(max, 'a', 64);
	max[64] = '\0';
	memset(over, 'b', 65);
	over[65] = '\0';
	memset(huge, 'c', 300);
	huge[300] = '\0';
	ok(vj_state_id_check(max, &err) == 0, "64 characters accepted");
	struct {
		const char *id, *want;
	} bad[] = {
		{ "", "must not be empty" },
		{ "../x", "must not start with '.'" },
		{ ".hidden", "must not start with '.'" },
		{ "-rf", "must not start with '-'" },
		{ "a/b", "no '/': an id is not a path" },
		{ "x/../../etc", "no '/'" },
		{ "a b", "only letters, digits" },
		{ "caf\xc3\xa9", "only letters, digits" },
		{ "a\nb", "only letters, digits" },
		{ over, "longer than 64 characters" },
		{ huge, "longer than 64 characters" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		vj_error_clear(&err);
		int r = vj_state_id_check(bad[i].id, &err);
		ok(r == -EINVAL && strstr(err.msg, bad[i].want) && vj_startswith(err.msg, "jail id \""),
		   "id #%zu rejected: %s", i, err.msg);
	}
	ok(strlen(err.msg) < 120, "a long id is quoted shortened");
	ok(vj_state_qmp_socket(tmpdir, "../x") == NULL, "qmp socket of a bad id: none");
}

static void test_root(void)
{
	char *r;
	unsetenv("VMJAIL_STATE_DIR");
	r = vj_state_root("/x/y");
	is_str(r, "/x/y", "--state-dir wins");
	free(r);
	setenv("VMJAIL_STATE_DIR", "/from/env", 1);
	r = vj_state_root(NULL);
	is_str(r, "/from/env", "VMJAIL_STATE_DIR next");
	free(r);
	unsetenv("VMJAIL_STATE_DIR");
	if (geteuid() == 0) {
		r = vj_state_root(NULL);
		is_str(r, "/run/vmjail", "root: /run/vmjail");
		free(r);
		/* An unprivileged caller, in a child. */
		char xdg_ours[300], xdg_other[300];
		snprintf(xdg_ours, sizeof(xdg_ours), "%s/xdg-ours", tmpdir);
		snprintf(xdg_other, sizeof(xdg_other), "%s/xdg-other", tmpdir);
		mkdir(xdg_ours, 0700);
		mkdir(xdg_other, 0700);
		if (chown(xdg_ours, 65534, 65534) < 0)
			diag("chown: %m");
		int pfd[2];
		if (pipe(pfd) < 0)
			return;
		pid_t pid = fork();
		if (pid == 0) {
			close(pfd[0]);
			if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
				_exit(1);
			char out[1024];
			setenv("XDG_RUNTIME_DIR", xdg_ours, 1);
			char *a = vj_state_root(NULL);
			setenv("XDG_RUNTIME_DIR", xdg_other, 1);
			char *b = vj_state_root(NULL);
			unsetenv("XDG_RUNTIME_DIR");
			char *c = vj_state_root(NULL);
			int n = snprintf(out, sizeof(out), "%s\n%s\n%s\n", a, b, c);
			if (write(pfd[1], out, (size_t)n) < 0)
				_exit(1);
			_exit(0);
		}
		close(pfd[1]);
		char buf[1024] = { 0 };
		ssize_t n = vj_read_full(pfd[0], buf, sizeof(buf) - 1);
		close(pfd[0]);
		waitpid(pid, NULL, 0);
		char want[1024];
		snprintf(want, sizeof(want), "%s/vmjail\n/tmp/vmjail-65534\n/tmp/vmjail-65534\n", xdg_ours);
		ok(n > 0 && vj_streq(buf, want), "user: $XDG_RUNTIME_DIR/vmjail when ours, else /tmp/vmjail-UID");
		if (!vj_streq(buf, want))
			diag("got: %s", buf);
	} else {
		skip("the unprivileged root choice is tested as root (forks a uid 65534 child)");
	}

	/* Checks on an existing root. */
	struct vj_error err = { 0 };
	char p[300];
	snprintf(p, sizeof(p), "%s/root-ok", tmpdir);
	int fd = vj_state_root_open(p, false, &err);
	is_int(fd, -ENOENT, "absent root, not created: -ENOENT");
	fd = vj_state_root_open(p, true, &err);
	ok(fd >= 0, "root created");
	struct stat st;
	ok(fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0700, "root is 0700");
	if (fd >= 0)
		close(fd);
	chmod(p, 0770);
	vj_error_clear(&err);
	fd = vj_state_root_open(p, true, &err);
	ok(fd == -EPERM && strstr(err.msg, "writable by group or others"), "group-writable root refused: %s",
	   err.msg);
	chmod(p, 0701);
	fd = vj_state_root_open(p, true, &err);
	ok(fd >= 0, "0701 root accepted");
	if (fd >= 0)
		close(fd);
	char link[300];
	snprintf(link, sizeof(link), "%s/root-link", tmpdir);
	if (symlink(p, link) < 0)
		diag("symlink: %m");
	vj_error_clear(&err);
	fd = vj_state_root_open(link, true, &err);
	ok(fd < 0 && strstr(err.msg, "not a directory"), "symlinked root refused: %s", err.msg);
	if (geteuid() == 0) {
		if (chown(p, 65534, 65534) < 0)
			diag("chown: %m");
		vj_error_clear(&err);
		fd = vj_state_root_open(p, true, &err);
		ok(fd == -EPERM && strstr(err.msg, "owned by uid 65534"), "someone else's root refused: %s", err.msg);
	} else {
		skip("a root owned by someone else: needs root to chown");
	}
}

static void test_atomic(void)
{
	struct vj_error err = { 0 };
	char p[300];
	snprintf(p, sizeof(p), "%s/atomic", tmpdir);
	mkdir(p, 0700);
	int dfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ok(vj_state_write_atomic(dfd, "f.json", "one\n", 4, &err) == 0, "atomic write");
	char *s = NULL;
	ok(vj_state_read_at(dfd, "f.json", 100, &s) == 0 && vj_streq(s, "one\n"), "read back");
	free(s);
	ok(!exists_at(p, "f.json.tmp"), "no temporary file left");

	/* Readers never see a torn or empty file while a writer rewrites it. */
	size_t big = 256 * 1024;
	char *a = malloc(big), *b = malloc(big);
	memset(a, 'a', big);
	memset(b, 'b', big);
	vj_state_write_atomic(dfd, "f.json", a, big, &err);
	pid_t pid = fork();
	if (pid == 0) {
		for (int i = 0; i < 200; i++)
			vj_state_write_atomic(dfd, "f.json", i % 2 ? a : b, big, &err);
		_exit(0);
	}
	int torn = 0, reads = 0;
	for (;;) {
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid)
			break;
		char *t = NULL;
		if (vj_state_read_at(dfd, "f.json", big * 2, &t) == 0) {
			reads++;
			if (strlen(t) != big || (memcmp(t, a, big) && memcmp(t, b, big)))
				torn++;
			free(t);
		} else {
			torn++;
		}
	}
	ok(torn == 0 && reads > 0, "%d reads during 200 rewrites, none torn or missing", reads);
	free(a);
	free(b);
	close(dfd);
}

static int open_root(const char *name)
{
	char p[300];
	struct vj_error err = { 0 };
	snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	return vj_state_root_open(p, true, &err);
}

/* A listening unix socket at path (left behind by "a dead jail"). */
static void make_socket(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		diag("bind %s: %m", path);
	close(fd);
}

static bool notices_have(char **n, const char *what)
{
	for (size_t i = 0; n && n[i]; i++)
		if (strstr(n[i], what))
			return true;
	return false;
}

static void test_lifecycle(void)
{
	char root[300], dir[400];
	snprintf(root, sizeof(root), "%s/life", tmpdir);
	struct vj_error err = { 0 };
	struct vj_state *st = NULL;
	_cleanup_strv_ char **notices = NULL;
	int r = vj_state_acquire(plan_for("j1"), root, &st, &notices, &err);
	ok(r == 0, "acquire: %s", r ? err.msg : "ok");
	if (r)
		return;
	snprintf(dir, sizeof(dir), "%s/j1", root);
	is_str(vj_state_dir(st), dir, "state dir");
	ok(vj_state_log_fd(st) >= 0, "log fd");
	ok(fcntl(vj_state_log_fd(st), F_GETFD) & FD_CLOEXEC, "log fd is close-on-exec");
	ok(vj_strv_len(notices) == 0, "fresh id: no notices");
	int rootfd = open_root("life");
	is_int(vj_state_probe(rootfd, "j1"), VJ_STATE_LIVE, "probe: live");
	is_int(vj_state_probe(rootfd, "nope"), VJ_STATE_GONE, "probe: gone");

	struct vj_state_info info;
	ok(vj_state_info_load(rootfd, "j1", &info, &err) == 0, "info");
	is_str(info.status, "starting", "status starting");
	is_str(info.profile, "generic", "profile");
	is_int(info.supervisor_pid, getpid(), "supervisor pid");
	is_int(info.supervisor_starttime, vj_state_proc_starttime(getpid()), "supervisor start time");
	ok(info.started_at > 1.7e9, "started_at epoch");
	vj_state_info_free(&info);
	ok(vj_state_info_load_brief(rootfd, "j1", &info, &err) == 0 && vj_streq(info.status, "starting") &&
		   info.supervisor_pid == getpid(),
	   "list sees a starting jail through state.json (no summary yet)");
	vj_state_info_free(&info);

	/* The lock file names the holder. */
	char *lock = NULL;
	int dfd = openat(rootfd, "j1", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	vj_state_read_at(dfd, VJ_STATE_LOCK, 100, &lock);
	char want[64];
	snprintf(want, sizeof(want), "%d %llu\n", (int)getpid(), (unsigned long long)vj_state_proc_starttime(getpid()));
	is_str(lock, want, "lock file: PID STARTTIME");
	free(lock);

	/* A second acquire of a live id (another open file description). */
	struct vj_state *st2 = NULL;
	vj_error_clear(&err);
	r = vj_state_acquire(plan_for("j1"), root, &st2, NULL, &err);
	snprintf(want, sizeof(want), "jail j1 is running (pid %d)", (int)getpid());
	ok(r == -EBUSY && vj_streq(err.msg, want), "second acquire: %s", err.msg);

	/* started / exited */
	json_object *rec = json_object_new_object();
	vj_json_add_string(rec, "event", "started");
	vj_json_add_int(rec, "pid", 4242);
	vj_json_add_int(rec, "init-pid", 4241);
	vj_json_add_int(rec, "supervisor-pid", 1);
	json_object *q = json_object_new_object(), *socks = json_object_new_array(), *s1 = json_object_new_object();
	vj_json_add_string(s1, "path", "/nonexistent/qmp.sock");
	json_object_array_add(socks, s1);
	vj_json_add(q, "sockets", socks);
	vj_json_add(rec, "qmp", q);
	vj_state_started(st, rec);
	json_object_put(rec);
	ok(vj_state_info_load(rootfd, "j1", &info, &err) == 0, "info after started");
	is_str(info.status, "running", "status running");
	is_int(info.pid, 4242, "target pid recorded");
	is_int(info.supervisor_pid, getpid(), "supervisor pid kept (not the record's)");
	is_str(info.qmp_socket, "/nonexistent/qmp.sock", "qmp socket recorded");
	json_object *v;
	ok(json_object_object_get_ex(info.doc, "init_pid", &v) && json_object_get_int(v) == 4241, "init_pid");
	vj_state_info_free(&info);
	/* list's summary agrees, and holds only the listed fields */
	ok(vj_state_info_load_brief(rootfd, "j1", &info, &err) == 0, "brief info");
	ok(vj_streq(info.status, "running") && info.pid == 4242 && info.supervisor_pid == getpid() &&
		   vj_streq(info.qmp_socket, "/nonexistent/qmp.sock") && info.started_at > 1.7e9,
	   "summary.json: status, pids, socket, start");
	ok(!json_object_object_get_ex(info.doc, "init_pid", NULL) && !json_object_object_get_ex(info.doc, "argv", NULL),
	   "summary.json: nothing else");
	vj_state_info_free(&info);
	rec = json_object_new_object();
	vj_json_add_int(rec, "exit-code", 3);
	vj_state_exited(st, rec);
	json_object_put(rec);
	ok(vj_state_info_load(rootfd, "j1", &info, &err) == 0 && vj_streq(info.status, "exited"), "status exited");
	vj_state_info_free(&info);
	ok(vj_state_info_load_brief(rootfd, "j1", &info, &err) == 0 && vj_streq(info.status, "exited") &&
		   !exists_at(root, "j1/summary.json"),
	   "list sees exited too: the summary is gone, state.json is read");
	vj_state_info_free(&info);
	ok(vj_state_info_load(rootfd, "j1", &info, &err) == 0, "info after exited");
	json_object *ex;
	ok(json_object_object_get_ex(info.doc, "exit", &ex) && json_object_object_get_ex(ex, "exit_code", &v) &&
		   json_object_get_int(v) == 3 && json_object_object_get_ex(ex, "exited_at", NULL),
	   "exit record");
	vj_state_info_free(&info);
	char *log = NULL;
	vj_state_read_at(dfd, VJ_STATE_LOG, 1 << 16, &log);
	ok(log && strstr(log, "\"event\":\"started\"") && strstr(log, "\"event\":\"exited\""), "log: started, exited");
	free(log);
	close(dfd);

	vj_state_release(st);
	ok(!exists_at(root, "j1"), "release removes the directory");
	is_int(vj_state_probe(rootfd, "j1"), VJ_STATE_GONE, "probe after release: gone");
	close(rootfd);
}

/* A child acquires id, records a socket and a cgroup-less state, and dies
 * without releasing: a crashed supervisor. */
static void crash_with(const char *root, const char *id, const char *sock, const char *decoy)
{
	pid_t pid = fork();
	if (pid == 0) {
		struct vj_error err = { 0 };
		struct vj_state *st = NULL;
		if (vj_state_acquire(plan_for(id), root, &st, NULL, &err) < 0)
			_exit(1);
		json_object *rec = json_object_new_object();
		json_object *q = json_object_new_object(), *socks = json_object_new_array();
		const char *paths[] = { sock, decoy };
		for (int i = 0; i < 2; i++) {
			json_object *s = json_object_new_object();
			vj_json_add_string(s, "path", paths[i]);
			json_object_array_add(socks, s);
		}
		vj_json_add(q, "sockets", socks);
		vj_json_add(rec, "qmp", q);
		vj_json_add_int(rec, "pid", 1);
		vj_state_started(st, rec);
		_exit(0);
	}
	int status;
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "a supervisor acquired %s and died", id);
}

static void test_stale(void)
{
	char root[300], sock[300], decoy[300];
	snprintf(root, sizeof(root), "%s/stale", tmpdir);
	snprintf(sock, sizeof(sock), "%s/qmp.sock", tmpdir);
	snprintf(decoy, sizeof(decoy), "%s/not-a-socket", tmpdir);
	int fd = open(decoy, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	close(fd);
	make_socket(sock);
	crash_with(root, "dead", sock, decoy);
	int rootfd = open_root("stale");
	is_int(vj_state_probe(rootfd, "dead"), VJ_STATE_STALE, "dead supervisor: stale");
	struct vj_state_info info;
	struct vj_error err = { 0 };
	ok(vj_state_info_load(rootfd, "dead", &info, &err) == 0 && info.live == VJ_STATE_STALE, "info: stale");
	json_object *o = vj_state_info_to_json(&info);
	json_object *v;
	ok(json_object_object_get_ex(o, "stale", &v) && json_object_get_boolean(v), "json: stale true");
	ok(json_object_object_get_ex(o, "status", &v) && vj_streq(json_object_get_string(v), "stale"),
	   "json: status stale");
	json_object_put(o);
	vj_state_info_free(&info);
	ok(vj_state_qmp_socket(root, "dead") == NULL, "no qmp socket for a stale jail");

	/* gc removes it: the socket (ours), not the decoy (not a socket). */
	_cleanup_strv_ char **notices = NULL;
	int r = vj_state_gc_one(rootfd, "dead", &notices, &err);
	is_int(r, 1, "gc_one removed it");
	ok(notices_have(notices, "removed QMP socket"), "notice: socket removed");
	ok(notices_have(notices, "not our socket: left alone"), "notice: decoy left alone");
	ok(notices_have(notices, "removed the state of a dead jail"), "notice: state removed");
	ok(!exists_at(tmpdir, "qmp.sock"), "socket gone");
	ok(exists_at(tmpdir, "not-a-socket"), "decoy kept");
	ok(!exists_at(root, "dead"), "directory gone");
	is_int(vj_state_gc_one(rootfd, "dead", NULL, &err), -ENOENT, "gc again: nothing");

	/* A recorded socket that something listens on is not a leftover. */
	char live[300];
	snprintf(live, sizeof(live), "%s/live.sock", tmpdir);
	int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", live);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 4) < 0)
		diag("listen %s: %m", live);
	crash_with(root, "shared", live, decoy);
	_cleanup_strv_ char **n4 = NULL;
	is_int(vj_state_gc_one(rootfd, "shared", &n4, &err), 1, "gc of a jail whose socket path is in use");
	ok(notices_have(n4, "is in use (something listens on it): left alone") && exists_at(tmpdir, "live.sock"),
	   "a listening socket is left alone");
	close(lfd);

	/* The next run with the id cleans up by itself. */
	make_socket(sock);
	crash_with(root, "again", sock, decoy);
	struct vj_state *st = NULL;
	_cleanup_strv_ char **n2 = NULL;
	r = vj_state_acquire(plan_for("again"), root, &st, &n2, &err);
	ok(r == 0, "acquire over a stale directory");
	ok(notices_have(n2, "removed QMP socket") && notices_have(n2, "removed the state of an earlier run"),
	   "acquire reports what it removed");
	ok(!exists_at(tmpdir, "qmp.sock"), "stale socket removed by acquire");
	is_int(vj_state_probe(rootfd, "again"), VJ_STATE_LIVE, "now live");
	/* gc leaves a live jail alone. */
	is_int(vj_state_gc_one(rootfd, "again", NULL, &err), 0, "gc_one of a live jail: left alone");
	vj_state_release(st);

	/* An incomplete directory (no lock, no state.json) is stale too. */
	mkdirat(rootfd, "empty", 0700);
	is_int(vj_state_probe(rootfd, "empty"), VJ_STATE_STALE, "directory without a lock: stale");
	_cleanup_strv_ char **n3 = NULL;
	is_int(vj_state_gc_one(rootfd, "empty", &n3, &err), 1, "gc removes it");
	ok(notices_have(n3, "incomplete"), "reported as incomplete");
	close(rootfd);
}

/* N processes race for one id, R rounds: exactly one wins each round, the
 * others fail with "jail ID is running (pid WINNER)". */
static void test_races(int n, int rounds)
{
	char root[300];
	snprintf(root, sizeof(root), "%s/race", tmpdir);
	int bad_rounds = 0, bad_msgs = 0;
	for (int round = 0; round < rounds; round++) {
		int go[2], res[2], done[2];
		if (pipe2(go, O_CLOEXEC) < 0 || pipe2(res, O_CLOEXEC) < 0 || pipe2(done, O_CLOEXEC) < 0)
			return;
		pid_t pids[64];
		for (int i = 0; i < n; i++) {
			pids[i] = fork();
			if (pids[i] == 0) {
				close(go[1]);
				close(res[0]);
				close(done[1]);
				char c;
				if (read(go[0], &c, 1) < 0)
					_exit(2);
				struct vj_error err = { 0 };
				struct vj_state *st = NULL;
				int r = vj_state_acquire(plan_for("race"), root, &st, NULL, &err);
				char line[256];
				int len;
				if (r == 0)
					len = snprintf(line, sizeof(line), "W %d\n", (int)getpid());
				else
					len = snprintf(line, sizeof(line), "L %d %s\n", -r, err.msg);
				if (write(res[1], line, (size_t)len) < 0)
					_exit(2);
				if (r == 0) {
					/* Hold until every loser has answered. */
					if (read(done[0], &c, 1) < 0)
						_exit(2);
					vj_state_release(st);
				}
				_exit(0);
			}
		}
		close(go[0]);
		close(res[1]);
		close(done[0]);
		close(go[1]); /* everyone starts */
		FILE *f = fdopen(res[0], "r");
		int winners = 0, losers = 0, winner = 0;
		char line[512];
		char msgs[64][256];
		for (int i = 0; i < n && fgets(line, sizeof(line), f); i++) {
			if (line[0] == 'W') {
				winners++;
				winner = atoi(line + 2);
			} else {
				snprintf(msgs[losers++], sizeof(msgs[0]), "%s", line);
			}
		}
		fclose(f);
		char want[128];
		snprintf(want, sizeof(want), "jail race is running (pid %d)", winner);
		for (int i = 0; i < losers; i++)
			if (!strstr(msgs[i], want) || !vj_startswith(msgs[i], "L 16 ")) {
				if (bad_msgs++ < 3)
					diag("round %d: loser said: %s", round, msgs[i]);
			}
		close(done[1]); /* the winner releases */
		for (int i = 0; i < n; i++)
			waitpid(pids[i], NULL, 0);
		if (winners != 1 || losers != n - 1) {
			if (bad_rounds++ < 3)
				diag("round %d: %d winners, %d losers", round, winners, losers);
		}
	}
	ok(bad_rounds == 0, "%d rounds of %d racers: exactly one winner each", rounds, n);
	ok(bad_msgs == 0, "every loser: \"jail race is running (pid WINNER)\", EBUSY");
	ok(!exists_at(root, "race"), "nothing left after the last release");
}

/* Racers that acquire and release at once, while gc runs: no two hold the
 * id at the same time (checked through an O_EXCL marker). */
static void test_churn(int n, int iters)
{
	char root[300], marker[400];
	snprintf(root, sizeof(root), "%s/churn", tmpdir);
	snprintf(marker, sizeof(marker), "%s/churn-holder", tmpdir);
	pid_t pids[32];
	for (int i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			int overlaps = 0;
			int rootfd = -1;
			for (int k = 0; k < iters; k++) {
				struct vj_error err = { 0 };
				struct vj_state *st = NULL;
				if (i == 0) { /* one gc-er */
					if (rootfd < 0)
						rootfd = open_root("churn");
					vj_state_gc_one(rootfd, "c", NULL, &err);
					continue;
				}
				if (vj_state_acquire(plan_for("c"), root, &st, NULL, &err) < 0)
					continue;
				int fd = open(marker, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
				if (fd < 0)
					overlaps++;
				else
					close(fd);
				if (fd >= 0)
					unlink(marker);
				vj_state_release(st);
			}
			_exit(overlaps ? 1 : 0);
		}
	}
	int bad = 0;
	for (int i = 0; i < n; i++) {
		int st;
		waitpid(pids[i], &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			bad++;
	}
	ok(bad == 0, "%d processes acquiring/releasing (and one gc) %d times: never two holders", n, iters);
	ok(!exists_at(root, "c"), "nothing left");
}

int main(void)
{
	plan_no_plan();
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vmjail-test-state.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		printf("Bail out! mkdtemp: %m\n");
		return 1;
	}
	chmod(tmpdir, 0755); /* a uid 65534 child reads below it */
	unsetenv("VMJAIL_STATE_DIR");
	test_ids();
	test_root();
	test_atomic();
	test_lifecycle();
	test_stale();
	test_races(16, 100);
	test_churn(8, 300);
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		diag("could not remove %s", tmpdir);
	return done_testing();
}
