/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-lsm-landlock.c - Landlock rulesets built from a plan, loaded into
 * forked children; the kernel is the oracle (errno of each access).
 *
 * The paths are a scratch directory on the host, writable as far as the
 * VFS is concerned, so an EACCES can only come from Landlock:
 *   ro/    a "ro-bind" target: readable, not writable
 *   rw/    a "bind" target: writable
 *   out/   in no rule: closed
 * plus a remount read-write in a user namespace the child made for itself
 * (refused under Landlock, allowed without it: the control), TCP bind
 * (refused unless listed), and the ABI 6 scopes (signals and abstract unix
 * sockets out of the domain).
 */
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lsm_internal.h"
#include "plan.h"

static char dir[64];
static int abi;

static char *path(const char *rel)
{
	static char buf[8][256];
	static int i;
	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, rel);
	return buf[i];
}

/* The errno of an access, 0 on success. */
static int try_open(const char *p, int flags)
{
	int fd = open(p, flags | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int try_bind(uint16_t port)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return errno;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int r = bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 ? errno : 0;
	close(s);
	return r;
}

struct setup {
	struct vj_mount mounts[3];
	struct vj_plan plan;
};

static void make_plan(struct setup *s, bool host_net)
{
	/* Targets live as long as the test (path() reuses its buffers). */
	static char ro[256], rw[256];
	snprintf(ro, sizeof(ro), "%s", path("ro"));
	snprintf(rw, sizeof(rw), "%s", path("rw"));
	memset(s, 0, sizeof(*s));
	s->mounts[0] = (struct vj_mount){ .type = VJ_MOUNT_RO_BIND, .source = ro, .target = ro };
	s->mounts[1] = (struct vj_mount){ .type = VJ_MOUNT_BIND, .source = rw, .target = rw };
	s->plan.mounts = s->mounts;
	s->plan.n_mounts = 2;
	s->plan.net = host_net ? VJ_NET_HOST : VJ_NET_NONE;
	s->plan.ns[VJ_NS_NET] = !host_net;
	s->plan.lsm = (struct vj_lsm_plan){ .landlock = VJ_LSM_REQUIRED, .scope_signal = true,
					    .scope_abstract_unix = true };
}

/* Child: apply the ruleset, run the checks, exit with the number of the
 * first check that failed (0: all passed). Results go to fd out as text. */
typedef int (*checks_fn)(FILE *out);

static int run_child(struct setup *s, bool landlock, bool userns_first, checks_fn fn, char *report, size_t len)
{
	int p[2];
	if (pipe(p) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		FILE *out = fdopen(p[1], "w");
		setvbuf(out, NULL, _IONBF, 0);
		if (userns_first) {
			/* The program's own user and mount namespace, and its own
			 * read-only bind of ro/ in it: without Landlock it could
			 * remount that read-write. */
			if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
				fprintf(out, "unshare: %s\n", strerror(errno));
				_exit(100);
			}
			mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
			if (mount(path("ro"), path("ro"), NULL, MS_BIND, NULL) < 0 ||
			    mount(NULL, path("ro"), NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0) {
				fprintf(out, "bind ro: %s\n", strerror(errno));
				_exit(101);
			}
		}
		if (landlock) {
			struct vj_landlock ll;
			struct vj_error err = { 0 };
			if (vj_landlock_prepare(&ll, &s->plan, abi, &err) < 0 || vj_landlock_apply(&ll, &err) < 0) {
				fprintf(out, "landlock: %s\n", err.msg);
				_exit(102);
			}
		}
		_exit(fn(out));
	}
	close(p[1]);
	ssize_t n = read(p[0], report, len - 1);
	size_t got = n > 0 ? (size_t)n : 0;
	while (n > 0 && got < len - 1) {
		n = read(p[0], report + got, len - 1 - got);
		if (n > 0)
			got += (size_t)n;
	}
	report[got] = '\0';
	close(p[0]);
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

#define CHECK(n, cond, ...)                                   \
	do {                                                  \
		if (!(cond)) {                                \
			fprintf(out, __VA_ARGS__);            \
			fprintf(out, "\n");                   \
			return n;                             \
		}                                             \
	} while (0)

static int fs_checks(FILE *out)
{
	int e;
	CHECK(1, (e = try_open(path("ro/f"), O_RDONLY)) == 0, "read ro/f: %s", strerror(e));
	CHECK(2, (e = try_open(path("ro/f"), O_WRONLY)) == EACCES, "write ro/f: %s", strerror(e));
	CHECK(3, (e = try_open(path("ro/new"), O_WRONLY | O_CREAT)) == EACCES, "create ro/new: %s", strerror(e));
	CHECK(4, (e = (unlink(path("ro/f")) < 0 ? errno : 0)) == EACCES, "unlink ro/f: %s", strerror(e));
	CHECK(5, (e = try_open(path("rw/f"), O_WRONLY | O_CREAT | O_TRUNC)) == 0, "write rw/f: %s", strerror(e));
	CHECK(6, (e = try_open(path("out/secret"), O_RDONLY)) == EACCES, "read out/secret: %s", strerror(e));
	CHECK(7, (e = try_open("/etc/hostname", O_RDONLY)) == EACCES, "read /etc/hostname: %s", strerror(e));
	CHECK(8, (e = (mkdir(path("out/d"), 0755) < 0 ? errno : 0)) == EACCES, "mkdir out/d: %s", strerror(e));
	return 0;
}

static int control_checks(FILE *out)
{
	int e;
	CHECK(1, (e = try_open(path("ro/f"), O_WRONLY)) == 0, "write ro/f: %s", strerror(e));
	CHECK(2, (e = try_open(path("out/secret"), O_RDONLY)) == 0, "read out/secret: %s", strerror(e));
	return 0;
}

static int remount_checks(FILE *out)
{
	int e;
	CHECK(1, (e = try_open(path("ro/f"), O_WRONLY)) != 0, "write ro/f before remount: succeeded");
	e = mount(NULL, path("ro"), NULL, MS_REMOUNT | MS_BIND, NULL) < 0 ? errno : 0;
	fprintf(out, "remount: %s\n", e ? strerror(e) : "ok");
	e = try_open(path("ro/f"), O_WRONLY);
	fprintf(out, "write: %s\n", e ? strerror(e) : "ok");
	e = umount2(path("ro"), MNT_DETACH) < 0 ? errno : 0;
	fprintf(out, "umount: %s\n", e ? strerror(e) : "ok");
	return 0;
}

static uint16_t free_port(void)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t l = sizeof(a);
	bind(s, (struct sockaddr *)&a, sizeof(a));
	getsockname(s, (struct sockaddr *)&a, &l);
	close(s);
	return ntohs(a.sin_port);
}

static uint16_t port_a, port_b;

static int net_checks(FILE *out)
{
	int e;
	CHECK(1, (e = try_bind(port_a)) == 0, "bind listed port %u: %s", port_a, strerror(e));
	CHECK(2, (e = try_bind(port_b)) == EACCES, "bind unlisted port %u: %s", port_b, strerror(e));
	return 0;
}

static char abstract_name[64];

static int scope_checks(FILE *out)
{
	int e = kill(getppid(), 0) < 0 ? errno : 0;
	CHECK(1, e == EPERM, "signal 0 to the parent (outside the domain): %s", e ? strerror(e) : "delivered");
	CHECK(2, kill(getpid(), 0) == 0, "signal 0 to itself: %s", strerror(errno));
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	memcpy(a.sun_path + 1, abstract_name, strlen(abstract_name));
	e = connect(s, (struct sockaddr *)&a, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(abstract_name))) < 0
		    ? errno
		    : 0;
	close(s);
	CHECK(3, e == EPERM, "connect to an abstract socket outside: %s", e ? strerror(e) : "connected");
	return 0;
}

static int scope_control(FILE *out)
{
	CHECK(1, kill(getppid(), 0) == 0, "signal 0 to the parent: %s", strerror(errno));
	return 0;
}

int main(void)
{
	plan_no_plan();
	abi = vj_landlock_abi();
	if (abi <= 0) {
		skip("this kernel has no Landlock (%s)", strerror(-abi));
		return done_testing();
	}
	diag("Landlock ABI %d", abi);
	snprintf(dir, sizeof(dir), "/tmp/vj-landlock-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	mkdir(path("ro"), 0755);
	mkdir(path("rw"), 0755);
	mkdir(path("out"), 0755);
	int fd = open(path("ro/f"), O_WRONLY | O_CREAT, 0644);
	if (fd < 0 || write(fd, "ro\n", 3) != 3)
		return 1;
	close(fd);
	fd = open(path("out/secret"), O_WRONLY | O_CREAT, 0644);
	close(fd);

	struct setup s;
	char rep[2048];
	make_plan(&s, false);

	int r = run_child(&s, true, false, fs_checks, rep, sizeof(rep));
	ok(r == 0, "Landlock: ro bind readable not writable (EACCES), rw bind writable, the rest closed%s%s",
	   r ? ": " : "", r ? rep : "");
	r = run_child(&s, false, false, control_checks, rep, sizeof(rep));
	ok(r == 0, "control: without Landlock the same writes and reads succeed%s%s", r ? ": " : "", r ? rep : "");

	r = run_child(&s, false, true, remount_checks, rep, sizeof(rep));
	if (r == 100 || r == 101) {
		skip("no user namespace for the remount test: %s", rep);
	} else {
		ok(r == 0 && strstr(rep, "remount: ok\nwrite: ok\n"),
		   "control: in its own user namespace a program remounts its ro bind read-write and writes");
		if (!ok(r == 0, "checks ran"))
			diag("%s", rep);
		r = run_child(&s, true, true, remount_checks, rep, sizeof(rep));
		ok(r == 0 && strstr(rep, "remount: Operation not permitted\n"),
		   "under Landlock the remount read-write is refused (EPERM)");
		ok(strstr(rep, "write: ok\n") == NULL, "so the bind stays read-only");
		ok(strstr(rep, "umount: Operation not permitted\n") != NULL, "unmounting it is refused too");
		if (r)
			diag("%s", rep);
	}

	if (abi >= 4) {
		port_a = free_port();
		port_b = free_port();
		while (port_b == port_a)
			port_b = free_port();
		uint16_t listed[] = { port_a };
		s.plan.lsm.tcp_bind = (struct vj_lsm_ports){ .set = true, .ports = listed, .n = 1 };
		r = run_child(&s, true, false, net_checks, rep, sizeof(rep));
		ok(r == 0, "TCP bind: a listed port binds, another is refused (EACCES)%s%s", r ? ": " : "", r ? rep : "");
		s.plan.lsm.tcp_bind = (struct vj_lsm_ports){ 0 };
		make_plan(&s, true);
		r = run_child(&s, true, false, net_checks, rep, sizeof(rep));
		ok(r == 1 && strstr(rep, "Permission denied"), "TCP bind on a shared network is closed by default");
	} else {
		skip("Landlock ABI %d has no TCP rules (4)", abi);
	}

	if (abi >= 6) {
		snprintf(abstract_name, sizeof(abstract_name), "vmjail-test-%d", (int)getpid());
		int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		struct sockaddr_un a = { .sun_family = AF_UNIX };
		memcpy(a.sun_path + 1, abstract_name, strlen(abstract_name));
		bind(ls, (struct sockaddr *)&a, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(abstract_name)));
		listen(ls, 1);
		make_plan(&s, false);
		r = run_child(&s, true, false, scope_checks, rep, sizeof(rep));
		ok(r == 0, "scopes: no signal and no abstract unix socket out of the domain (EPERM)%s%s", r ? ": " : "",
		   r ? rep : "");
		r = run_child(&s, false, false, scope_control, rep, sizeof(rep));
		ok(r == 0, "control: the same signal goes through without Landlock%s%s", r ? ": " : "", r ? rep : "");
		close(ls);
	} else {
		skip("Landlock ABI %d has no scopes (6)", abi);
	}

	/* Degraded: the same ruleset as an ABI 1 kernel would get. */
	int real = abi;
	abi = 1;
	make_plan(&s, false);
	r = run_child(&s, true, false, fs_checks, rep, sizeof(rep));
	ok(r == 0, "an ABI 1 ruleset still makes ro binds read-only%s%s", r ? ": " : "", r ? rep : "");
	abi = real;

	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return done_testing();
}
