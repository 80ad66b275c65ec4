/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-state-cmd.c - `vmjail list/status/stop/kill/gc` against stand-in
 * supervisors: forked children of this test that take a jail's state
 * through the real API (vj_state_acquire/started/release), then behave
 * as a supervisor would (exit on SIGTERM, or ignore it; answer QMP on a
 * socket; die without cleaning up). The commands run as the real binary
 * ($VMJAIL) with --state-dir pointing into a private directory.
 *
 * Only children of this test are ever signalled (by the commands, after
 * they verified the recorded identity).
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#include "tap.h"
#include "plan.h"
#include "state.h"
#include "state_int.h"
#include "jsonw.h"

static char tmpdir[256], root[300];
static const char *vmjail;

enum fake_mode {
	FAKE_TERM_EXITS,   /* SIGTERM: release, exit 0 */
	FAKE_TERM_IGNORED, /* SIGTERM: reported, ignored */
	FAKE_CRASH,        /* acquire, started, _exit without release */
};

struct fake {
	pid_t pid;
	int report; /* read end: lines the fake writes */
	char id[65];
	char qmp[300];
};

static void say(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) < 0)
		_exit(3);
}

/* A tiny QMP server for one connection: greeting, capabilities,
 * query-status, system_powerdown (then the "guest" exits), quit. Returns
 * true when the jail should end. */
static bool serve_qmp(int cfd, int report)
{
	say(cfd, "{\"QMP\": {\"version\": {}, \"capabilities\": []}}\n");
	char buf[4096];
	size_t len = 0;
	bool end = false;
	for (;;) {
		ssize_t n = read(cfd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		char *nl;
		while ((nl = strchr(buf, '\n'))) {
			*nl = '\0';
			json_object *m = json_tokener_parse(buf), *ex, *id = NULL;
			const char *cmd = m && json_object_object_get_ex(m, "execute", &ex) ? json_object_get_string(ex) : "";
			if (m)
				json_object_object_get_ex(m, "id", &id);
			json_object *r = json_object_new_object();
			if (vj_streq(cmd, "query-status")) {
				json_object *st = json_object_new_object();
				vj_json_add_string(st, "status", "running");
				vj_json_add_bool(st, "running", true);
				vj_json_add(r, "return", st);
			} else {
				vj_json_add(r, "return", json_object_new_object());
			}
			if (id)
				vj_json_add(r, "id", json_object_get(id));
			char line[512];
			snprintf(line, sizeof(line), "%s\n", vj_json_to_string(r, false));
			say(cfd, line);
			json_object_put(r);
			if (vj_streq(cmd, "system_powerdown") || vj_streq(cmd, "quit")) {
				snprintf(line, sizeof(line), "%s\n", cmd);
				say(report, line);
				end = true;
			}
			if (m)
				json_object_put(m);
			memmove(buf, nl + 1, len - (size_t)(nl + 1 - buf));
			len -= (size_t)(nl + 1 - buf);
		}
	}
	return end;
}

static void fake_main(const char *id, enum fake_mode mode, const char *qmp, int report)
{
	static char *argv[] = { "sleep", "1000", NULL };
	struct vj_plan plan = { .id = (char *)id, .profile_name = "generic", .argv = argv, .info_fd = -1 };
	struct vj_error err = { 0 };
	struct vj_state *st = NULL;
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (vj_state_acquire(&plan, root, &st, NULL, &err) < 0) {
		char line[1100];
		snprintf(line, sizeof(line), "error %s\n", err.msg);
		say(report, line);
		_exit(1);
	}
	int lfd = -1;
	json_object *rec = json_object_new_object();
	vj_json_add_int(rec, "pid", getpid());
	if (qmp && *qmp) {
		lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", qmp);
		unlink(qmp);
		if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 8) < 0)
			_exit(4);
		json_object *q = json_object_new_object(), *socks = json_object_new_array(),
			    *s = json_object_new_object();
		vj_json_add_string(s, "path", qmp);
		vj_json_add_string(s, "policy", "full");
		json_object_array_add(socks, s);
		vj_json_add(q, "sockets", socks);
		vj_json_add(rec, "qmp", q);
	}
	vj_state_started(st, rec);
	json_object_put(rec);
	say(report, "ready\n");
	if (mode == FAKE_CRASH)
		_exit(0);
	for (;;) {
		struct pollfd p[2] = { { .fd = sfd, .events = POLLIN }, { .fd = lfd, .events = POLLIN } };
		if (poll(p, lfd >= 0 ? 2 : 1, -1) < 0)
			continue;
		if (p[0].revents) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (si.ssi_signo == SIGUSR1) {
				say(report, "USR1\n");
				continue;
			}
			say(report, "TERM\n");
			if (mode == FAKE_TERM_IGNORED)
				continue;
			break;
		}
		if (lfd >= 0 && p[1].revents) {
			int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			if (cfd < 0)
				continue;
			bool end = serve_qmp(cfd, report);
			close(cfd);
			if (end)
				break;
		}
	}
	if (lfd >= 0)
		unlink(qmp);
	vj_state_release(st);
	_exit(0);
}

/* Read one line from the fake's report pipe, within ms. */
static bool report_line(struct fake *f, char *buf, size_t size, int ms)
{
	size_t len = 0;
	while (len < size - 1) {
		struct pollfd p = { .fd = f->report, .events = POLLIN };
		if (poll(&p, 1, ms) <= 0)
			break;
		if (read(f->report, buf + len, 1) != 1)
			break;
		if (buf[len] == '\n') {
			buf[len] = '\0';
			return true;
		}
		len++;
	}
	buf[len] = '\0';
	return false;
}

static bool fake_start(struct fake *f, const char *id, enum fake_mode mode, bool with_qmp)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return false;
	snprintf(f->id, sizeof(f->id), "%s", id);
	f->qmp[0] = '\0';
	if (with_qmp)
		snprintf(f->qmp, sizeof(f->qmp), "%s/%s.qmp", tmpdir, id);
	f->pid = fork();
	if (f->pid == 0) {
		close(p[0]);
		fake_main(id, mode, f->qmp, p[1]);
	}
	close(p[1]);
	f->report = p[0];
	char line[1200];
	bool ok_ = report_line(f, line, sizeof(line), 5000) && vj_streq(line, "ready");
	if (!ok_)
		diag("fake %s: %s", id, line);
	if (mode == FAKE_CRASH)
		waitpid(f->pid, NULL, 0);
	return ok_;
}

static int fake_reap(struct fake *f)
{
	int st = -1;
	if (f->pid > 0)
		waitpid(f->pid, &st, 0);
	f->pid = 0;
	if (f->report >= 0)
		close(f->report);
	f->report = -1;
	return st;
}

/* Run vmjail ARGS... --state-dir ROOT is added after the command word. */
static int vj(char **out, char **err, const char *cmd, ...)
{
	const char *argv[32];
	int n = 0;
	argv[n++] = vmjail;
	argv[n++] = cmd;
	argv[n++] = "--state-dir";
	argv[n++] = root;
	va_list ap;
	va_start(ap, cmd);
	const char *a;
	while ((a = va_arg(ap, const char *)) && n < 31)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	char of[320], ef[320];
	snprintf(of, sizeof(of), "%s/out", tmpdir);
	snprintf(ef, sizeof(ef), "%s/err", tmpdir);
	pid_t pid = fork();
	if (pid == 0) {
		int o = open(of, O_WRONLY | O_CREAT | O_TRUNC, 0600), e = open(ef, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(o, 1);
		dup2(e, 2);
		execv(vmjail, (char **)argv);
		_exit(127);
	}
	int st;
	waitpid(pid, &st, 0);
	char *o = NULL, *e = NULL;
	vj_read_file_at(AT_FDCWD, of, 1 << 20, &o, NULL);
	vj_read_file_at(AT_FDCWD, ef, 1 << 20, &e, NULL);
	/* One line in messages: stderr's lines joined with '|'. */
	for (size_t l = e ? strlen(e) : 0; l > 0 && e[l - 1] == '\n'; l--)
		e[l - 1] = '\0';
	for (char *p = e; p && *p; p++)
		if (*p == '\n')
			*p = '|';
	if (out)
		*out = o;
	else
		free(o);
	if (err)
		*err = e;
	else
		free(e);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static bool exists_in_root(const char *id)
{
	char p[400];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", root, id);
	return lstat(p, &st) == 0;
}

/* The entry of id in `list --json` output, or NULL. */
static json_object *entry_of(json_object *arr, const char *id)
{
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
		json_object *e = json_object_array_get_idx(arr, i), *v;
		if (json_object_object_get_ex(e, "id", &v) && vj_streq(json_object_get_string(v), id))
			return e;
	}
	return NULL;
}

static const char *str_of(json_object *o, const char *key)
{
	json_object *v;
	return o && json_object_object_get_ex(o, key, &v) && v ? json_object_get_string(v) : NULL;
}

static int64_t int_of(json_object *o, const char *key)
{
	json_object *v;
	return o && json_object_object_get_ex(o, key, &v) && v ? json_object_get_int64(v) : -1;
}

static void test_list(void)
{
	char *out = NULL, *err = NULL;
	int r = vj(&out, &err, "list", NULL);
	ok(r == 0 && vj_startswith(out, "ID") && !strchr(strchr(out, '\n') + 1, '\n'), "list of no root: header only");
	free(out);
	free(err);
	r = vj(&out, NULL, "list", "--json", NULL);
	ok(r == 0 && vj_streq(out, "[]\n"), "list --json of no root: []");
	free(out);

	struct fake a, b, c;
	ok(fake_start(&a, "alpha", FAKE_TERM_EXITS, false), "fake supervisor alpha");
	ok(fake_start(&b, "beta", FAKE_TERM_EXITS, true), "fake supervisor beta (QMP)");
	ok(fake_start(&c, "gamma", FAKE_CRASH, false), "fake supervisor gamma crashed");
	r = vj(&out, &err, "list", "--json", NULL);
	json_object *arr = out ? json_tokener_parse(out) : NULL;
	ok(r == 0 && arr && json_object_array_length(arr) == 3, "list --json: 3 jails");
	json_object *ea = entry_of(arr, "alpha"), *eb = entry_of(arr, "beta"), *ec = entry_of(arr, "gamma");
	is_int(int_of(ea, "pid"), a.pid, "alpha: pid");
	is_str(str_of(ea, "status"), "running", "alpha: running");
	is_str(str_of(ea, "profile"), "generic", "alpha: profile");
	ok(int_of(ea, "uptime") >= 0 && str_of(ea, "started_at"), "alpha: uptime, started_at");
	is_str(str_of(eb, "qmp_socket"), b.qmp, "beta: QMP socket");
	is_str(str_of(ec, "status"), "stale", "gamma: stale");
	json_object *v;
	ok(ec && json_object_object_get_ex(ec, "stale", &v) && json_object_get_boolean(v), "gamma: stale: true");
	json_object_put(arr);
	free(out);
	free(err);
	r = vj(&out, &err, "list", NULL);
	ok(r == 0 && strstr(out, "alpha") && strstr(out, "stale") && strstr(out, b.qmp), "list: table");
	for (char *l = strtok(out, "\n"); l; l = strtok(NULL, "\n"))
		diag("%s", l);
	free(out);
	free(err);

	/* status, with the QMP status */
	r = vj(&out, &err, "status", "--json", "beta", NULL);
	json_object *o = out ? json_tokener_parse(out) : NULL, *qs = NULL;
	ok(r == 0 && o, "status --json beta");
	ok(o && json_object_object_get_ex(o, "qmp_status", &qs) && vj_streq(str_of(qs, "status"), "running"),
	   "status: qmp_status from query-status");
	ok(o && json_object_object_get_ex(o, "state", &v) && int_of(v, "supervisor_starttime") > 0,
	   "status: the state record");
	json_object_put(o);
	free(out);
	free(err);
	r = vj(&out, &err, "status", "beta", NULL);
	ok(r == 0 && strstr(out, "qmp status:") && strstr(out, "running"), "status: text");
	free(out);
	free(err);
	r = vj(&out, &err, "status", "nope", NULL);
	ok(r == 1 && strstr(err, "no jail nope"), "status of no jail: exit 1: %s", err);
	free(out);
	free(err);

	/* kill USR1 reaches the supervisor; stop via SIGTERM */
	r = vj(NULL, &err, "kill", "alpha", "USR1", NULL);
	char line[256];
	ok(r == 0 && report_line(&a, line, sizeof(line), 3000) && vj_streq(line, "USR1"), "kill alpha USR1");
	free(err);
	r = vj(NULL, &err, "stop", "alpha", NULL);
	ok(r == 0, "stop alpha: exit 0 (%s)", err);
	ok(report_line(&a, line, sizeof(line), 1000) && vj_streq(line, "TERM"), "alpha got SIGTERM");
	int st = fake_reap(&a);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "alpha exited by itself");
	ok(!exists_in_root("alpha"), "alpha's state is gone");
	free(err);

	/* stop via QMP */
	r = vj(NULL, &err, "stop", "beta", NULL);
	ok(r == 0, "stop beta: exit 0 (%s)", err);
	ok(report_line(&b, line, sizeof(line), 1000) && vj_streq(line, "system_powerdown"), "beta: system_powerdown");
	fake_reap(&b);
	ok(!exists_in_root("beta"), "beta's state is gone");
	free(err);

	/* stop of a stale jail; gc */
	r = vj(NULL, &err, "stop", "gamma", NULL);
	ok(r == 1 && strstr(err, "stale"), "stop of a stale jail: exit 1: %s", err);
	free(err);
	r = vj(NULL, &err, "gc", NULL);
	ok(r == 0 && strstr(err, "jail gamma: removed the state of a dead jail"), "gc reports: %s", err);
	ok(!exists_in_root("gamma"), "gc removed gamma");
	free(err);
}

static void test_kill_fallback(void)
{
	struct fake f;
	char *err = NULL, line[256];
	ok(fake_start(&f, "stubborn", FAKE_TERM_IGNORED, false), "a supervisor that ignores SIGTERM");
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int r = vj(NULL, &err, "stop", "--timeout", "0.5", "stubborn", NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double took = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ok(r == 2 && strstr(err, "did not stop within 0.5 s"), "stop: SIGKILL after the timeout, exit 2: %s", err);
	ok(took >= 0.5 && took < 5, "took %.2f s", took);
	ok(report_line(&f, line, sizeof(line), 100) && vj_streq(line, "TERM"), "SIGTERM came first");
	int st = fake_reap(&f);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "the supervisor was SIGKILLed");
	ok(!exists_in_root("stubborn"), "its leftovers were removed");
	free(err);

	ok(fake_start(&f, "killme", FAKE_TERM_EXITS, false), "another supervisor");
	r = vj(NULL, &err, "kill", "killme", "KILL", NULL);
	st = fake_reap(&f);
	ok(r == 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL && !exists_in_root("killme"),
	   "kill KILL: dead and cleaned up (%s)", err);
	free(err);

	/* A recorded start time that does not match: never signalled. */
	ok(fake_start(&f, "imposter", FAKE_TERM_EXITS, false), "a supervisor with a forged record");
	char dir[400];
	snprintf(dir, sizeof(dir), "%s/imposter", root);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char *text = NULL;
	vj_state_read_at(dfd, VJ_STATE_FILE, 1 << 20, &text);
	json_object *doc = json_tokener_parse(text);
	vj_json_add_uint(doc, "supervisor_starttime", 12345);
	const char *s = vj_json_to_string(doc, true);
	struct vj_error e = { 0 };
	vj_state_write_atomic(dfd, VJ_STATE_FILE, s, strlen(s), &e);
	json_object_put(doc);
	free(text);
	close(dfd);
	r = vj(NULL, &err, "kill", "imposter", NULL);
	ok(r == 1 && strstr(err, "not its supervisor any more"), "kill refuses a pid whose start time differs: %s",
	   err);
	ok(!report_line(&f, line, sizeof(line), 300), "and sent nothing");
	free(err);
	r = vj(NULL, &err, "stop", "imposter", NULL);
	ok(r == 1 && !report_line(&f, line, sizeof(line), 300), "stop refuses it too");
	free(err);
	kill(f.pid, SIGTERM); /* our own child */
	fake_reap(&f);
}

static void test_bad_ids(void)
{
	char huge[301];
	memset(huge, 'x', 300);
	huge[300] = '\0';
	const char *bad[] = { "../x", "", huge, "a/b", "..", "-x", "/etc" };
	const char *cmds[] = { "status", "stop", "kill", "gc" };
	int fails = 0;
	for (size_t c = 0; c < ARRAY_SIZE(cmds); c++)
		for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
			char *err = NULL;
			int r = vj(NULL, &err, cmds[c], "--", bad[i], NULL);
			if (r != 125 || !strstr(err, "jail id \"")) {
				if (fails++ < 4)
					diag("%s %s: exit %d: %s", cmds[c], bad[i], r, err);
			}
			free(err);
		}
	ok(fails == 0, "bad ids refused by status/stop/kill/gc with exit 125 and \"jail id ...\"");
	char *err = NULL;
	int r = vj(NULL, &err, "kill", "x", "STOP", NULL);
	ok(r == 125 && strstr(err, "not a signal vmjail sends"), "kill: STOP refused: %s", err);
	free(err);
}

static void test_many(int n)
{
	struct fake *f = calloc((size_t)n, sizeof(*f));
	int started = 0;
	for (int i = 0; i < n; i++) {
		char id[32];
		snprintf(id, sizeof(id), "many-%03d", i);
		started += fake_start(&f[i], id, FAKE_TERM_EXITS, false);
	}
	is_int(started, n, "%d fake supervisors", n);
	double best = 1e9;
	for (int k = 0; k < 5; k++) {
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		char *out = NULL;
		vj(&out, NULL, "list", "--json", NULL);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
		if (ms < best)
			best = ms;
		if (k == 0) {
			json_object *arr = json_tokener_parse(out);
			int right = 0;
			for (int i = 0; i < n; i++)
				right += int_of(entry_of(arr, f[i].id), "pid") == f[i].pid;
			is_int(right, n, "list --json: every pid right");
			json_object_put(arr);
		}
		free(out);
	}
	diag("vmjail list --json with %d jails: %.1f ms (best of 5, fork+exec included)", n, best);
	ok(best < 250, "list at %d jails is fast (%.1f ms)", n, best);
	for (int i = 0; i < n; i++)
		kill(f[i].pid, SIGTERM); /* our own children */
	int clean = 0;
	for (int i = 0; i < n; i++) {
		int st = fake_reap(&f[i]);
		clean += WIFEXITED(st) && WEXITSTATUS(st) == 0 && !exists_in_root(f[i].id);
	}
	is_int(clean, n, "all released");
	free(f);
}

int main(void)
{
	plan_no_plan();
	vmjail = getenv("VMJAIL");
	if (!vmjail || access(vmjail, X_OK) < 0) {
		skip("no vmjail binary ($VMJAIL)");
		return done_testing();
	}
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vmjail-test-state-cmd.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		printf("Bail out! mkdtemp: %m\n");
		return 1;
	}
	snprintf(root, sizeof(root), "%s/root", tmpdir);
	unsetenv("VMJAIL_STATE_DIR");
	signal(SIGPIPE, SIG_IGN);
	test_list();
	test_kill_fallback();
	/* Again without pidfds: the identity check right before kill(2), and
	 * waits that poll /proc. */
	setenv("VMJAIL_TEST_ENOSYS", "pidfd", 1);
	test_kill_fallback();
	unsetenv("VMJAIL_TEST_ENOSYS");
	test_bad_ids();
	test_many(200);
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		diag("could not remove %s", tmpdir);
	return done_testing();
}
