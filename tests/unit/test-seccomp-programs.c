/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-seccomp-programs - real programs under the shipped policies, started
 * with vj_seccomp_run_direct() (fork+exec, no jail; the jail runtime's own
 * tests run them jailed):
 *   - /bin/sh and coreutils under "generic";
 *   - qemu-system-x86_64 (q35, TCG and KVM, SeaBIOS) under its policy to a
 *     running guest that answers QMP query-status, also with QEMU's own
 *     `-sandbox on` filter stacked on top and with -daemonize;
 *   - qemu-storage-daemon serving a vhost-user-blk export under its policy,
 *     answering QMP, with a QEMU guest booting from that export;
 *   - passt answering an ARP request over its unix socket;
 *   - virtiofsd serving a QEMU vhost-user-fs device.
 * Most runs use debug mode, so a missing rule is reported by syscall name
 * (and the program killed) rather than as a bare SIGSYS. Missing programs
 * or /dev/kvm give a TAP SKIP.
 */
#include "tap.h"
#include "seccomp_policy.h"

#include <fcntl.h>
#include <json.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

static char srcdir[1024];
static char tmpdir[] = "/tmp/vj-seccomp-prog.XXXXXX";

/* ---- a program under a policy, in the background ---- */

struct bg {
	pid_t pid;
	int rd;
};

/*
 * A network the test controls, so passt's view does not depend on the
 * host's: a new network namespace with one interface, 192.0.2.2/24 and
 * a default route via 192.0.2.1 (passt needs a routable template
 * interface, and copies its address and gateway to the guest). Run in the
 * child before the filter; false (host network kept) when the caller may
 * not make one.
 */
static bool private_net(void)
{
	if (unshare(CLONE_NEWNET) < 0)
		return false;
	/* a dummy interface, or (kernels without the dummy driver) a tap
	 * device nobody opens: its route is "linkdown", which passt accepts */
	return system("{ ip link add vj0 type dummy || ip tuntap add mode tap vj0; } 2>/dev/null && "
		      "ip addr add 192.0.2.2/24 dev vj0 && ip link set vj0 up && "
		      "ip route add default via 192.0.2.1 dev vj0") == 0;
}

/* Child: supervise argv under policy; report "STATUS DENIED\n". With
 * netns, in a private_net() when one can be made. */
static void bg_start_net(struct bg *b, const char *policy, enum vj_seccomp_mode mode, char **argv, bool netns)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		abort();
	b->pid = fork();
	if (b->pid == 0) {
		setpgid(0, 0); /* so a timeout kills the program too */
		if (netns && !private_net())
			fprintf(stderr, "# no private network namespace: passt sees the host's\n");
		struct vj_seccomp_plan plan;
		struct vj_error err = { 0 };
		char *denied = NULL;
		char line[1200];
		int st = vj_seccomp_plan_from_policy(&plan, policy, mode, &err);
		if (st >= 0)
			st = vj_seccomp_run_direct(&plan, argv, NULL, &denied, &err);
		if (st < 0)
			snprintf(line, sizeof(line), "-1 %s\n", err.msg);
		else
			snprintf(line, sizeof(line), "%d %s\n", st, denied ? denied : "-");
		if (write(p[1], line, strlen(line)) < 0)
			_exit(1);
		_exit(0);
	}
	setpgid(b->pid, b->pid);
	close(p[1]);
	b->rd = p[0];
}

static void bg_start(struct bg *b, const char *policy, enum vj_seccomp_mode mode, char **argv)
{
	bg_start_net(b, policy, mode, argv, false);
}

/* Wait up to timeout_s; *st = wait status of the program, denied = the
 * name debug mode saw or "-". Returns false on timeout (all killed). */
static bool bg_wait(struct bg *b, int timeout_s, int *st, char *denied, size_t dlen)
{
	struct pollfd pfd = { .fd = b->rd, .events = POLLIN };
	char line[1200] = "";
	bool done = poll(&pfd, 1, timeout_s * 1000) == 1;
	if (done) {
		ssize_t n = read(b->rd, line, sizeof(line) - 1);
		line[n > 0 ? n : 0] = '\0';
	} else {
		kill(-b->pid, SIGKILL);
	}
	waitpid(b->pid, NULL, 0);
	close(b->rd);
	*st = -1;
	snprintf(denied, dlen, "?");
	char *sp = strchr(line, ' ');
	if (sp) {
		*sp = '\0';
		*st = atoi(line);
		snprintf(denied, dlen, "%s", sp + 1);
		denied[strcspn(denied, "\n")] = '\0';
	}
	return done;
}

static bool exited0(int st)
{
	return st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static void report(int st, const char *denied)
{
	if (strcmp(denied, "-") != 0)
		diag("denied: %s", denied);
	if (st < 0)
		diag("no status");
	else if (WIFEXITED(st) && WEXITSTATUS(st))
		diag("exited %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		diag("killed by signal %d", WTERMSIG(st));
}

static bool have(const char *prog)
{
	char p[256];
	snprintf(p, sizeof(p), "/usr/bin/%s", prog);
	return access(p, X_OK) == 0;
}

/* ---- QMP ---- */

struct qmp {
	int fd;
	char buf[65536];
	size_t len;
};

static int unix_connect(const char *path, int timeout_ms)
{
	for (int waited = 0; waited < timeout_ms; waited += 50) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		struct sockaddr_un a = { .sun_family = AF_UNIX };
		snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
			return fd;
		close(fd);
		usleep(50 * 1000);
	}
	return -1;
}

/* Next JSON line, parsed (caller puts), or NULL after timeout/EOF. */
static json_object *qmp_line(struct qmp *q, int timeout_ms)
{
	for (;;) {
		char *nl = memchr(q->buf, '\n', q->len);
		if (nl) {
			*nl = '\0';
			json_object *o = json_tokener_parse(q->buf);
			size_t used = (size_t)(nl - q->buf) + 1;
			memmove(q->buf, nl + 1, q->len - used);
			q->len -= used;
			return o;
		}
		struct pollfd p = { .fd = q->fd, .events = POLLIN };
		if (q->len == sizeof(q->buf) || poll(&p, 1, timeout_ms) != 1)
			return NULL;
		ssize_t n = read(q->fd, q->buf + q->len, sizeof(q->buf) - q->len);
		if (n <= 0)
			return NULL;
		q->len += (size_t)n;
	}
}

/* Execute cmd; the reply's "return" as a JSON string (static), or NULL. */
static const char *qmp_exec(struct qmp *q, const char *cmd)
{
	static char out[4096];
	char req[256];
	snprintf(req, sizeof(req), "{\"execute\": \"%s\"}\n", cmd);
	if (vj_write_all(q->fd, req, strlen(req)) < 0)
		return NULL;
	for (;;) {
		json_object *o = qmp_line(q, 10000), *ret;
		if (!o)
			return NULL;
		if (json_object_object_get_ex(o, "return", &ret) || json_object_object_get_ex(o, "error", &ret)) {
			snprintf(out, sizeof(out), "%s%s", json_object_object_get_ex(o, "error", NULL) ? "error:" : "",
				 json_object_to_json_string_ext(ret, JSON_C_TO_STRING_PLAIN));
			json_object_put(o);
			return out;
		}
		json_object_put(o); /* an event */
	}
}

static bool qmp_open(struct qmp *q, const char *path)
{
	q->len = 0;
	q->fd = unix_connect(path, 15000);
	if (q->fd < 0)
		return false;
	json_object *g = qmp_line(q, 10000);
	bool ok_ = g && json_object_object_get_ex(g, "QMP", NULL);
	if (g)
		json_object_put(g);
	const char *r = ok_ ? qmp_exec(q, "qmp_capabilities") : NULL;
	return r && strcmp(r, "{}") == 0;
}

static bool file_has(const char *path, const char *needle, int timeout_s)
{
	for (int i = 0; i < timeout_s * 10; i++) {
		char *text = NULL;
		size_t len;
		if (vj_read_file_at(AT_FDCWD, path, 1 << 22, &text, &len) == 0) {
			/* SeaBIOS output may hold NULs: search the raw bytes. */
			bool found = memmem(text, len, needle, strlen(needle)) != NULL;
			free(text);
			if (found)
				return true;
		}
		usleep(100 * 1000);
	}
	return false;
}

/* ---- tests ---- */

static void test_shell(void)
{
	char script[2048];
	snprintf(script, sizeof(script),
		 "set -e; d=%s/sh; mkdir -p $d; echo hello > $d/a; cp $d/a $d/b; cat $d/b | tr a-z A-Z | grep -q HELLO;"
		 " sort /etc/passwd | head -n 1 > /dev/null; ls -la $d | wc -l > /dev/null;"
		 " sed s/h/j/ $d/a | grep -q jello; mv $d/b $d/c; chmod 600 $d/c; stat $d/c > /dev/null;"
		 " du -s $d > /dev/null; date > /dev/null; id > /dev/null; env > /dev/null; uname -a > /dev/null;"
		 " test \"$(find $d -type f | wc -l)\" = 2; ln -s a $d/l; readlink $d/l > /dev/null; touch $d/t;"
		 " x=$(echo sub); test $x = sub; sleep 0.1; printf '%%s\\n' ok | xargs echo > /dev/null;"
		 " seq 1 100 | awk '{s+=$1} END {print s}' | grep -q 5050; tar -C $d -cf $d/t.tar a; gzip $d/t.tar;"
		 " sha256sum $d/a > /dev/null; md5sum $d/a > /dev/null; rm -rf $d", tmpdir);
	char *argv[] = { "/bin/sh", "-c", script, NULL };
	struct bg b;
	int st;
	char denied[256];
	bg_start(&b, "generic", VJ_SECCOMP_DEBUG, argv);
	bool done = bg_wait(&b, 60, &st, denied, sizeof(denied));
	ok(done && exited0(st) && strcmp(denied, "-") == 0, "/bin/sh and coreutils run under generic");
	report(st, denied);

	char *argv2[] = { "/bin/sh", "-c", "exec cat /proc/self/status > /dev/null", NULL };
	bg_start(&b, "generic", VJ_SECCOMP_ENFORCE, argv2);
	done = bg_wait(&b, 30, &st, denied, sizeof(denied));
	ok(done && exited0(st), "generic enforcing: /bin/sh runs");
	if (have("python3")) {
		char *argv3[] = { "/usr/bin/python3", "-c",
				  "import threading, subprocess, socket\n"
				  "t = threading.Thread(target=lambda: None); t.start(); t.join()\n"
				  "assert subprocess.run(['true']).returncode == 0\n"
				  "socket.socket(socket.AF_UNIX).close()\n", NULL };
		bg_start(&b, "generic", VJ_SECCOMP_DEBUG, argv3);
		done = bg_wait(&b, 60, &st, denied, sizeof(denied));
		ok(done && exited0(st) && strcmp(denied, "-") == 0, "python3 with threads and subprocess under generic");
		report(st, denied);
	} else {
		skip("python3 is not installed");
	}
}

static bool kvm_usable(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

struct qemu_run {
	const char *name;
	const char *accel;
	enum vj_seccomp_mode mode;
	const char *extra[6];
};

static void qemu_one(const struct qemu_run *r)
{
	char qmp_path[256], dbg[256], dbgarg[300], qmparg[300], pidfile[256];
	snprintf(qmp_path, sizeof(qmp_path), "%s/qmp.sock", tmpdir);
	snprintf(dbg, sizeof(dbg), "%s/seabios.log", tmpdir);
	snprintf(pidfile, sizeof(pidfile), "%s/qemu.pid", tmpdir);
	unlink(qmp_path);
	unlink(dbg);
	unlink(pidfile);
	snprintf(dbgarg, sizeof(dbgarg), "file,id=dbg,path=%s", dbg);
	snprintf(qmparg, sizeof(qmparg), "unix:%s,server=on,wait=off", qmp_path);
	char *argv[40] = { "/usr/bin/qemu-system-x86_64", "-machine", "q35", "-accel", (char *)r->accel, "-m", "128",
			   "-nodefaults", "-nographic", "-serial", "none", "-monitor", "none", "-chardev", dbgarg,
			   "-device", "isa-debugcon,iobase=0x402,chardev=dbg", "-qmp", qmparg, "-pidfile", pidfile };
	int n = 21;
	for (int i = 0; r->extra[i]; i++)
		argv[n++] = (char *)r->extra[i];
	argv[n] = NULL;

	struct bg b;
	bg_start(&b, "qemu-system-x86_64", r->mode, argv);
	struct qmp q;
	bool connected = qmp_open(&q, qmp_path);
	const char *status = connected ? qmp_exec(&q, "query-status") : NULL;
	bool running = status && strstr(status, "\"status\":\"running\"");
	bool seabios = running && file_has(dbg, "SeaBIOS (version", 30);
	/* QEMU's own -sandbox filter stacks on ours: two filters. */
	bool sandboxed = false;
	char *pid = NULL;
	size_t len;
	if (running && vj_read_file_at(AT_FDCWD, pidfile, 64, &pid, &len) == 0) {
		char path[64], *st = NULL;
		snprintf(path, sizeof(path), "/proc/%d/status", atoi(pid));
		if (vj_read_file_at(AT_FDCWD, path, 1 << 16, &st, &len) == 0)
			sandboxed = strstr(st, "Seccomp_filters:\t2\n") != NULL;
		free(st);
	}
	free(pid);
	const char *quit = connected ? qmp_exec(&q, "quit") : NULL;
	if (connected)
		close(q.fd);
	int st;
	char denied[256];
	bool done = bg_wait(&b, 30, &st, denied, sizeof(denied));
	ok(connected && running && seabios && quit && done && exited0(st) && strcmp(denied, "-") == 0,
	   "QEMU %s: SeaBIOS guest running, QMP query-status answered, clean quit", r->name);
	if (!running)
		diag("query-status: %s", status ? status : "(no answer)");
	report(st, denied);
	for (int i = 0; r->extra[i]; i++)
		if (strcmp(r->extra[i], "-sandbox") == 0)
			ok(sandboxed, "QEMU %s: its own -sandbox filter is loaded on top of ours", r->name);
}

static void test_qemu(void)
{
	if (!have("qemu-system-x86_64")) {
		skip("qemu-system-x86_64 is not installed");
		return;
	}
	bool kvm = kvm_usable();
	const struct qemu_run runs[] = {
		{ "TCG", "tcg", VJ_SECCOMP_ENFORCE, { NULL } },
		{ "TCG (debug mode)", "tcg", VJ_SECCOMP_DEBUG, { NULL } },
		{ "TCG -sandbox on", "tcg", VJ_SECCOMP_DEBUG,
		  { "-sandbox", "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny", NULL } },
		{ "KVM", "kvm", VJ_SECCOMP_DEBUG, { NULL } },
		{ "KVM -sandbox on", "kvm", VJ_SECCOMP_DEBUG, { "-sandbox", "on", NULL } },
		{ "KVM -daemonize", "kvm", VJ_SECCOMP_DEBUG, { "-daemonize", NULL } },
	};
	for (size_t i = 0; i < ARRAY_SIZE(runs); i++) {
		if (strcmp(runs[i].accel, "kvm") == 0 && !kvm) {
			skip("QEMU %s: /dev/kvm is not usable", runs[i].name);
			continue;
		}
		qemu_one(&runs[i]);
	}
}

static void test_qsd(void)
{
	if (!have("qemu-storage-daemon")) {
		skip("qemu-storage-daemon is not installed");
		return;
	}
	char img[256], vu[256], qmp_path[256], blockdev[400], export[400], chardev[400];
	snprintf(img, sizeof(img), "%s/disk.img", tmpdir);
	snprintf(vu, sizeof(vu), "%s/vhost-user-blk.sock", tmpdir);
	snprintf(qmp_path, sizeof(qmp_path), "%s/qsd.sock", tmpdir);
	/* A disk whose first sector is a boot sector that loops forever. */
	int fd = open(img, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	unsigned char mbr[512] = { 0xeb, 0xfe };
	mbr[510] = 0x55;
	mbr[511] = 0xaa;
	if (fd < 0 || write(fd, mbr, sizeof(mbr)) != sizeof(mbr) || ftruncate(fd, 16 << 20) < 0) {
		ok(0, "disk image");
		return;
	}
	close(fd);
	snprintf(blockdev, sizeof(blockdev), "driver=file,node-name=file0,filename=%s", img);
	snprintf(export, sizeof(export),
		 "type=vhost-user-blk,id=exp0,node-name=file0,addr.type=unix,addr.path=%s,writable=on", vu);
	snprintf(chardev, sizeof(chardev), "socket,path=%s,server=on,wait=off,id=qmp0", qmp_path);
	char *argv[] = { "/usr/bin/qemu-storage-daemon", "--blockdev", blockdev, "--export", export,
			 "--chardev", chardev, "--monitor", "chardev=qmp0", NULL };
	struct bg b;
	bg_start(&b, "qemu-storage-daemon", VJ_SECCOMP_DEBUG, argv);
	struct qmp q;
	bool connected = qmp_open(&q, qmp_path);
	struct stat sst;
	bool sock = connected && stat(vu, &sst) == 0 && S_ISSOCK(sst.st_mode);
	const char *exports = connected ? qmp_exec(&q, "query-block-exports") : NULL;
	ok(connected && sock && exports && strstr(exports, "\"vhost-user-blk\"") && strstr(exports, "\"exp0\""),
	   "qemu-storage-daemon: export socket created, QMP lists the vhost-user-blk export");

	/* A guest that boots from the export: SeaBIOS reads sector 0 through
	 * qemu-storage-daemon. */
	if (have("qemu-system-x86_64")) {
		char dbg[256], dbgarg[300], vuarg[300], qq[256], qqarg[300];
		snprintf(dbg, sizeof(dbg), "%s/seabios-vu.log", tmpdir);
		snprintf(qq, sizeof(qq), "%s/qmp-vu.sock", tmpdir);
		snprintf(qqarg, sizeof(qqarg), "unix:%s,server=on,wait=off", qq);
		snprintf(dbgarg, sizeof(dbgarg), "file,id=dbg,path=%s", dbg);
		snprintf(vuarg, sizeof(vuarg), "socket,id=vu,path=%s", vu);
		char *qargv[] = { "/usr/bin/qemu-system-x86_64", "-machine", "q35,memory-backend=mem", "-accel", "tcg",
				  "-m", "128", "-object", "memory-backend-memfd,id=mem,size=128M,share=on",
				  "-nodefaults", "-nographic", "-serial", "none", "-monitor", "none", "-chardev", dbgarg,
				  "-device", "isa-debugcon,iobase=0x402,chardev=dbg", "-chardev", vuarg,
				  "-device", "vhost-user-blk-pci,chardev=vu", "-qmp", qqarg, NULL };
		struct bg qb;
		bg_start(&qb, "qemu-system-x86_64", VJ_SECCOMP_DEBUG, qargv);
		struct qmp qm;
		bool qconn = qmp_open(&qm, qq);
		bool booted = qconn && file_has(dbg, "Booting from 0000:7c00", 60);
		if (qconn) {
			qmp_exec(&qm, "quit");
			close(qm.fd);
		}
		int qst;
		char qdenied[256];
		bool qdone = bg_wait(&qb, 30, &qst, qdenied, sizeof(qdenied));
		ok(booted && qdone && exited0(qst) && strcmp(qdenied, "-") == 0,
		   "a QEMU guest boots from the vhost-user-blk export (both under their policies)");
		report(qst, qdenied);
	} else {
		skip("qemu-system-x86_64 is not installed");
	}
	const char *quit = connected ? qmp_exec(&q, "quit") : NULL;
	if (connected)
		close(q.fd);
	int st;
	char denied[256];
	bool done = bg_wait(&b, 30, &st, denied, sizeof(denied));
	ok(quit && done && exited0(st) && strcmp(denied, "-") == 0, "qemu-storage-daemon quits cleanly, nothing denied");
	report(st, denied);
}

/* One passt run: connect, ARP until answered; true when it answered. */
static bool passt_once(const char *path, int *st, char *denied, size_t dlen, bool *connected, bool *done)
{
	unlink(path);
	char *argv[] = { "/usr/bin/passt", "-f", "-q", "-1", "-s", (char *)path, NULL };
	struct bg b;
	bg_start_net(&b, "passt", VJ_SECCOMP_DEBUG, argv, true);
	int fd = unix_connect(path, 10000);
	bool replied = false;
	if (fd >= 0) {
		/* QEMU's stream framing: a 32-bit big-endian length, a frame. An
		 * ARP who-has for passt's gateway address (192.0.2.1, from
		 * private_net()) from 192.0.2.100. passt does not answer for the
		 * guest's own address, the host's. */
		static const unsigned char frame[] = {
			0, 0, 0, 42,
			0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x08, 0x06,
			0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
			192, 0, 2, 100, 0, 0, 0, 0, 0, 0, 192, 0, 2, 1,
		};
		/* Like a guest, ask again until an answer comes. */
		for (int i = 0; i < 10 && !replied; i++) {
			if (write(fd, frame, sizeof(frame)) != sizeof(frame))
				break;
			struct pollfd p = { .fd = fd, .events = POLLIN };
			unsigned char buf[256];
			replied = poll(&p, 1, 500) == 1 && read(fd, buf, sizeof(buf)) >= 46;
		}
		close(fd);
	}
	*connected = fd >= 0;
	*done = bg_wait(&b, 20, st, denied, dlen);
	unlink(path);
	return replied;
}

static void test_passt(void)
{
	if (!have("passt")) {
		skip("passt is not installed");
		return;
	}
	/* passt drops to nobody: the socket goes to a world-writable place.
	 * passt itself sometimes leaves a first connection unanswered (also
	 * without any filter): up to three runs; a denial fails at once. */
	char path[64];
	snprintf(path, sizeof(path), "/tmp/vj-passt-%d.sock", (int)getpid());
	bool replied = false, connected = false, done = false;
	int st = -1, attempt;
	char denied[256] = "-";
	for (attempt = 1; attempt <= 3 && !replied; attempt++) {
		replied = passt_once(path, &st, denied, sizeof(denied), &connected, &done);
		if (strcmp(denied, "-") != 0 || !done)
			break;
	}
	ok(replied && done && strcmp(denied, "-") == 0,
	   "passt under its policy: isolates itself, answers ARP over its socket, exits");
	if (!replied || !done)
		diag("connected: %s, ARP reply: %s, exited: %s (attempt %d)", connected ? "yes" : "no",
		     replied ? "yes" : "no", done ? "yes" : "no", attempt - 1);
	report(st, denied);
}

static void test_virtiofsd(void)
{
	static const char *const paths[] = { "/usr/libexec/virtiofsd", "/usr/lib/qemu/virtiofsd", "/usr/bin/virtiofsd" };
	const char *bin = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(paths) && !bin; i++)
		if (access(paths[i], X_OK) == 0)
			bin = paths[i];
	if (!bin || !have("qemu-system-x86_64")) {
		skip("virtiofsd or qemu-system-x86_64 is not installed");
		return;
	}
	char share[256], sock[256], sockarg[300], src[300], qq[256], qqarg[300], chardev[300];
	snprintf(share, sizeof(share), "%s/share", tmpdir);
	snprintf(sock, sizeof(sock), "%s/virtiofsd.sock", tmpdir);
	snprintf(sockarg, sizeof(sockarg), "--socket-path=%s", sock);
	snprintf(src, sizeof(src), "source=%s", share);
	snprintf(qq, sizeof(qq), "%s/qmp-fs.sock", tmpdir);
	snprintf(qqarg, sizeof(qqarg), "unix:%s,server=on,wait=off", qq);
	snprintf(chardev, sizeof(chardev), "socket,id=fs,path=%s", sock);
	mkdir(share, 0755);
	char *argv[] = { (char *)bin, sockarg, "-o", src, "-o", "cache=none", NULL };
	struct bg b;
	bg_start(&b, "virtiofsd", VJ_SECCOMP_DEBUG, argv);
	struct stat sst;
	for (int i = 0; i < 100 && stat(sock, &sst) < 0; i++)
		usleep(100 * 1000);
	char *qargv[] = { "/usr/bin/qemu-system-x86_64", "-machine", "q35,memory-backend=mem", "-accel", "tcg",
			  "-m", "128", "-object", "memory-backend-memfd,id=mem,size=128M,share=on",
			  "-nodefaults", "-nographic", "-serial", "none", "-monitor", "none", "-chardev", chardev,
			  "-device", "vhost-user-fs-pci,chardev=fs,tag=share", "-qmp", qqarg, NULL };
	struct bg qb;
	bg_start(&qb, "qemu-system-x86_64", VJ_SECCOMP_DEBUG, qargv);
	struct qmp q;
	bool connected = qmp_open(&q, qq);
	const char *status = connected ? qmp_exec(&q, "query-status") : NULL;
	bool running = status && strstr(status, "\"status\":\"running\"");
	if (connected) {
		qmp_exec(&q, "quit");
		close(q.fd);
	}
	int qst, st;
	char qdenied[256], denied[256];
	bool qdone = bg_wait(&qb, 30, &qst, qdenied, sizeof(qdenied));
	/* virtiofsd ends when its vhost-user connection closes. */
	bool done = bg_wait(&b, 30, &st, denied, sizeof(denied));
	ok(running && qdone && exited0(qst) && done && exited0(st) && strcmp(denied, "-") == 0 &&
	   strcmp(qdenied, "-") == 0, "%s under its policy (own namespace sandbox and filter) serves a QEMU "
	   "vhost-user-fs device", bin);
	report(st, denied);
	report(qst, qdenied);
}

int main(void)
{
	plan_no_plan();
	signal(SIGPIPE, SIG_IGN);
	const char *src = getenv("VMJAIL_TEST_SRCDIR");
	snprintf(srcdir, sizeof(srcdir), "%s", src ? src : ".");
	char pp[1100];
	snprintf(pp, sizeof(pp), "%s/policy", srcdir);
	setenv("VMJAIL_POLICY_PATH", pp, 1);
	if (!mkdtemp(tmpdir)) {
		ok(0, "mkdtemp");
		return done_testing();
	}
	chmod(tmpdir, 0755);
	test_shell();
	test_qemu();
	test_qsd();
	test_passt();
	test_virtiofsd();
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		diag("could not remove %s", tmpdir);
	return done_testing();
}
