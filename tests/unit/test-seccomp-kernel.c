/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-seccomp-kernel - compiled filters loaded into forked children, the
 * kernel as the oracle: /proc/self/status, exit statuses, errno values.
 *   - an allowed call works, a denied one kills with SIGSYS, an errno rule
 *     answers its errno, an errno default answers it;
 *   - clone with CLONE_NEWUSER is refused while threads and fork work
 *     (clone3 answers ENOSYS, glibc falls back to clone);
 *   - an ioctl request not listed is refused while listed ones pass
 *     (bubblewrap's trick: a bad fd, so EBADF means "not filtered"), also
 *     when the request number arrives sign-extended;
 *   - debug mode names the denied syscall; learn mode round trip;
 *   - the exported program works with bwrap --seccomp.
 * The test binary doubles as the probe program: `test-seccomp-kernel probe
 * NAME` makes the calls of probe NAME and exits 0 when they behaved.
 */
#include "tap.h"
#include "seccomp_policy.h"

#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

/* An instrumented program makes system calls of the sanitizer runtime's
 * own (at start, at exit) that a tight probe policy rightly refuses. */
#define UNDER_SANITIZER VJ_SANITIZED

static char srcdir[1024];
static char self[4096];
static char tmpdir[] = "/tmp/vj-seccomp-test.XXXXXX";

/* ---- probes (run in the filtered child) ---- */

static void *thread_fn(void *arg)
{
	/* Still running when the main thread joins: pthread_join then always
	 * waits in futex, so a learned policy sees the same calls every run. */
	struct timespec ts = { 0, 5 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	return arg;
}

static int probe(const char *name)
{
	if (strcmp(name, "status") == 0) {
		char buf[4096];
		int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		if (n <= 0)
			return 2;
		buf[n] = '\0';
		return strstr(buf, "\nSeccomp:\t2\n") ? 0 : 1;
	}
	if (strcmp(name, "allowed") == 0) {
		int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		return getppid() > 0 && fd >= 0 && write(fd, "x", 1) == 1 ? 0 : 1;
	}
	if (strcmp(name, "basic") == 0 || strcmp(name, "basic-extra") == 0) {
		char buf[64];
		int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
		if (fd < 0 || read(fd, buf, sizeof(buf)) <= 0 || getppid() <= 0)
			return 1;
		close(fd);
		if (strcmp(name, "basic-extra") == 0)
			syscall(SYS_sysinfo, NULL); /* the one more syscall */
		return 0;
	}
	if (strcmp(name, "acct") == 0)
		return syscall(SYS_acct, NULL) == 0 ? 0 : 3;
	if (strcmp(name, "sethostname") == 0)
		return syscall(SYS_sethostname, "x", 1) < 0 && errno == EXDEV ? 0 : 1;
	if (strcmp(name, "getppid-eperm") == 0)
		return syscall(SYS_getppid) < 0 && errno == EPERM ? 0 : 1;
	if (strcmp(name, "clone-newuser") == 0) {
		long r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
		if (r == 0)
			_exit(0);
		return 4; /* not killed: the filter let it through */
	}
	if (strcmp(name, "threads") == 0) {
		pthread_t t;
		void *ret = NULL;
		if (pthread_create(&t, NULL, thread_fn, (void *)42) != 0 || pthread_join(t, &ret) != 0 ||
		    ret != (void *)42)
			return 1;
		if (syscall(SYS_clone3, NULL, 0) != -1 || errno != ENOSYS)
			return 2;
		pid_t p = fork();
		if (p == 0)
			_exit(7);
		int st;
		if (p < 0 || waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st) != 7)
			return 3;
		return 0;
	}
	if (strcmp(name, "ioctl-listed") == 0) {
		if (ioctl(-1, TCGETS, NULL) != -1 || errno != EBADF)
			return 1;
		if (ioctl(-1, KVM_RUN, 0) != -1 || errno != EBADF)
			return 2;
		/* QEMU passes an int: the request arrives sign-extended. */
		long req = (long)(int)KVM_GET_REGS;
		if (syscall(SYS_ioctl, -1, req, NULL) != -1 || errno != EBADF)
			return 3;
		return 0;
	}
	if (strcmp(name, "ioctl-unlisted") == 0) {
		ioctl(-1, TIOCSTI, "x");
		return 4;
	}
	if (strcmp(name, "socket-unix") == 0) {
		int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		return s >= 0 ? 0 : 1;
	}
	if (strcmp(name, "socket-inet") == 0) {
		socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		return 4;
	}
	return 100;
}

/* ---- harness ---- */

static int compile_text(const char *text, struct vj_bpf *bpf)
{
	struct vj_sc_policy *p = NULL;
	struct vj_error err = { 0 };
	struct vj_sc_compile_opts o = { .mode = VJ_SECCOMP_ENFORCE, .sync_fd = -1, .optimize = 2 };
	int r = vj_sc_policy_parse_string(text, strlen(text), "inline.json", true, &p, &err);
	if (r >= 0)
		r = vj_sc_policy_compile(p, &o, bpf, &err);
	if (r < 0)
		diag("%s", err.msg);
	vj_sc_policy_free(p);
	return r;
}

static int compile_policy(const char *policy, struct vj_bpf *bpf)
{
	struct vj_seccomp_plan plan;
	struct vj_error err = { 0 };
	int r = vj_seccomp_plan_from_policy(&plan, policy, VJ_SECCOMP_ENFORCE, &err);
	if (r >= 0)
		r = vj_seccomp_compile_plan(&plan, -1, -1, bpf, &err);
	if (r < 0)
		diag("%s", err.msg);
	vj_seccomp_plan_free(&plan);
	return r;
}

/* Fork, load bpf, run the probe in-process; the wait status. */
static int run_probe(const struct vj_bpf *bpf, const char *name)
{
	pid_t pid = fork();
	if (pid == 0) {
		struct vj_error err = { 0 };
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || vj_seccomp_load(bpf, NULL, &err) < 0)
			_exit(99);
		/* The raw exit: under the sanitizers _exit() runs a leak check
		 * whose syscalls the probe's filter may refuse. */
		syscall(SYS_exit_group, probe(name));
	}
	int st = -1;
	waitpid(pid, &st, 0);
	return st;
}

static bool exited0(int st)
{
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static bool sigsys(int st)
{
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS;
}

static void describe(int st)
{
	if (WIFEXITED(st) && WEXITSTATUS(st))
		diag("exited %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		diag("killed by signal %d", WTERMSIG(st));
}

static void test_enforce(void)
{
	char path[2048];
	snprintf(path, sizeof(path), "%s/tests/unit/seccomp/kernel.json", srcdir);
	struct vj_bpf bpf;
	if (!ok(compile_policy(path, &bpf) == 0, "kernel.json compiles"))
		return;
	int st;
	ok(exited0(st = run_probe(&bpf, "status")), "/proc/self/status shows Seccomp: 2");
	describe(st);
	ok(exited0(st = run_probe(&bpf, "allowed")), "allowed calls work");
	ok(sigsys(st = run_probe(&bpf, "acct")), "a denied call kills with SIGSYS");
	char buf[128];
	is_str(vj_seccomp_describe_exit(st, NULL, buf, sizeof(buf)), "killed by seccomp (SIGSYS)",
	       "a SIGSYS death is described");
	ok(vj_seccomp_describe_exit(0, NULL, buf, sizeof(buf)) == NULL, "a normal exit is not");
	ok(exited0(st = run_probe(&bpf, "sethostname")), "an errno rule answers its errno (EXDEV)");
	describe(st);
	ok(sigsys(st = run_probe(&bpf, "clone-newuser")), "clone(CLONE_NEWUSER) is refused");
	describe(st);
	ok(exited0(st = run_probe(&bpf, "threads")), "threads, fork, and clone3 -> ENOSYS work");
	describe(st);
	ok(exited0(st = run_probe(&bpf, "ioctl-listed")), "listed ioctl requests pass (also sign-extended)");
	describe(st);
	ok(sigsys(st = run_probe(&bpf, "ioctl-unlisted")), "an ioctl request not listed (TIOCSTI) is refused");
	ok(exited0(st = run_probe(&bpf, "socket-unix")), "socket(AF_UNIX) passes");
	ok(sigsys(st = run_probe(&bpf, "socket-inet")), "socket(AF_INET) is refused");
	vj_bpf_free(&bpf);

	struct vj_bpf eperm;
	ok(compile_text("{\"default\": \"errno:EPERM\", \"allow\": [\"exit_group\", \"exit\"]}", &eperm) == 0,
	   "errno default compiles");
	ok(exited0(st = run_probe(&eperm, "getppid-eperm")), "a call outside the policy returns the default errno");
	describe(st);
	vj_bpf_free(&eperm);

	/* Linear and tree forms accept and refuse the same calls. */
	struct vj_sc_policy *p = NULL;
	struct vj_error err = { 0 };
	struct vj_bpf lin;
	struct vj_sc_compile_opts o = { .mode = VJ_SECCOMP_ENFORCE, .sync_fd = -1, .optimize = 1 };
	if (vj_sc_policy_load(path, &p, &err) == 0 && vj_sc_policy_compile(p, &o, &lin, &err) == 0) {
		ok(exited0(run_probe(&lin, "ioctl-listed")) && sigsys(run_probe(&lin, "ioctl-unlisted")) &&
		   exited0(run_probe(&lin, "threads")), "the linear form behaves the same");
		vj_bpf_free(&lin);
	} else {
		ok(0, "linear form: %s", err.msg);
	}
	vj_sc_policy_free(p);
}

static void test_debug(void)
{
	char path[2048];
	snprintf(path, sizeof(path), "%s/tests/unit/seccomp/kernel.json", srcdir);
	struct vj_seccomp_plan plan;
	struct vj_error err = { 0 };
	if (!ok(vj_seccomp_plan_from_policy(&plan, path, VJ_SECCOMP_DEBUG, &err) == 0, "debug plan"))
		return;
	char *argv[] = { self, "probe", "acct", NULL };
	char *denied = NULL;
	int st = vj_seccomp_run_direct(&plan, argv, NULL, &denied, &err);
	if (st < 0)
		diag("%s", err.msg);
	is_str(denied, "acct", "debug mode names the denied syscall");
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "and the target is killed");
	char buf[128];
	is_str(vj_seccomp_describe_exit(st, denied, buf, sizeof(buf)), "killed by seccomp: acct",
	       "the supervisor's message");
	free(denied);
	denied = NULL;
	char *argv2[] = { self, "probe", "allowed", NULL };
	if (UNDER_SANITIZER) {
		skip("debug mode, a program inside the policy: the sanitizer runtime's own syscalls are outside it");
	} else {
		st = vj_seccomp_run_direct(&plan, argv2, NULL, &denied, &err);
		ok(exited0(st) && !denied, "debug mode: a program that stays inside the policy runs normally");
	}
	free(denied);
	vj_seccomp_plan_free(&plan);
}

static void test_learn(void)
{
	struct vj_seccomp_plan plan;
	struct vj_error err = { 0 };
	char out[256];
	snprintf(out, sizeof(out), "%s/learned.json", tmpdir);
	if (!ok(vj_seccomp_plan_from_policy(&plan, NULL, VJ_SECCOMP_LEARN, &err) == 0, "learn plan"))
		return;
	char *argv[] = { self, "probe", "basic", NULL };
	int st = vj_seccomp_run_direct(&plan, argv, out, NULL, &err);
	if (st < 0)
		diag("%s", err.msg);
	ok(exited0(st), "the program runs to its end while learning");
	vj_seccomp_plan_free(&plan);

	struct vj_seccomp_plan learned;
	int r = vj_seccomp_plan_from_policy(&learned, out, VJ_SECCOMP_ENFORCE, &err);
	if (!ok(r == 0, "the learned policy is a valid policy")) {
		diag("%s", err.msg);
		return;
	}
	const struct vj_sc_policy *lp = learned.priv;
	bool has_execve = false, has_sysinfo = false;
	for (size_t i = 0; i < lp->n_rules; i++) {
		has_execve |= strcmp(lp->rules[i].name, "execve") == 0;
		has_sysinfo |= strcmp(lp->rules[i].name, "sysinfo") == 0;
	}
	ok(has_execve && !has_sysinfo, "it allows what was seen and nothing else (%zu rules)", lp->n_rules);
	st = vj_seccomp_run_direct(&learned, argv, NULL, NULL, &err);
	ok(exited0(st), "the program passes under its learned policy");
	describe(st);
	char *argv2[] = { self, "probe", "basic-extra", NULL };
	st = vj_seccomp_run_direct(&learned, argv2, NULL, NULL, &err);
	ok(sigsys(st), "a variant making one more syscall is killed");
	describe(st);
	vj_seccomp_plan_free(&learned);

	/* Argument values are learned for ioctl, clone, socket, prctl. */
	snprintf(out, sizeof(out), "%s/learned-args.json", tmpdir);
	vj_seccomp_plan_from_policy(&plan, NULL, VJ_SECCOMP_LEARN, &err);
	char *argv3[] = { self, "probe", "ioctl-listed", NULL };
	st = vj_seccomp_run_direct(&plan, argv3, out, NULL, &err);
	vj_seccomp_plan_free(&plan);
	char *text = NULL;
	size_t len;
	ok(exited0(st) && vj_read_file_at(AT_FDCWD, out, 1 << 20, &text, &len) == 0 &&
	   strstr(text, "\"TCGETS\"") && strstr(text, "\"KVM_RUN\"") && strstr(text, "\"KVM_GET_REGS\""),
	   "ioctl request numbers are learned, by name");
	free(text);
	snprintf(out, sizeof(out), "%s/learned-threads.json", tmpdir);
	vj_seccomp_plan_from_policy(&plan, NULL, VJ_SECCOMP_LEARN, &err);
	char *argv4[] = { self, "probe", "threads", NULL };
	st = vj_seccomp_run_direct(&plan, argv4, out, NULL, &err);
	vj_seccomp_plan_free(&plan);
	text = NULL;
	ok(vj_read_file_at(AT_FDCWD, out, 1 << 20, &text, &len) == 0 && strstr(text, "CLONE_THREAD") &&
	   strstr(text, "SIGCHLD") && strstr(text, "\"ENOSYS\""),
	   "clone flags are learned (clone3 answered ENOSYS, recorded so)");
	free(text);
	/* The learned thread policy runs the same program. */
	r = vj_seccomp_plan_from_policy(&learned, out, VJ_SECCOMP_ENFORCE, &err);
	st = r < 0 ? -1 : vj_seccomp_run_direct(&learned, argv4, NULL, NULL, &err);
	ok(exited0(st), "threads and fork pass under the learned policy");
	describe(st);
	if (r >= 0)
		vj_seccomp_plan_free(&learned);
}

static void test_bwrap(void)
{
	if (access("/usr/bin/bwrap", X_OK) != 0) {
		skip("bwrap is not installed");
		return;
	}
	struct vj_bpf bpf;
	if (compile_policy("generic", &bpf) < 0) {
		ok(0, "generic compiles");
		return;
	}
	char path[256];
	snprintf(path, sizeof(path), "%s/generic.bpf", tmpdir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ok(fd >= 0 && vj_write_all(fd, bpf.insns, bpf.len * sizeof(*bpf.insns)) == 0, "exported %zu instructions",
	   bpf.len);
	close(fd);
	vj_bpf_free(&bpf);
	const char *probes[] = { "status", "ioctl-unlisted" };
	int sts[2];
	for (int i = 0; i < 2; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			int f = open(path, O_RDONLY);
			if (f < 0 || dup2(f, 3) < 0)
				_exit(98);
			execl("/usr/bin/bwrap", "bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
			      "--seccomp", "3", self, "probe", probes[i], (char *)NULL);
			_exit(97);
		}
		waitpid(pid, &sts[i], 0);
	}
	if (UNDER_SANITIZER)
		skip("bwrap --seccomp with the generic policy: the sanitizer runtime's own syscalls are outside it");
	else
		ok(exited0(sts[0]), "bwrap --seccomp loads the exported program (Seccomp: 2 inside)");
	describe(sts[0]);
	ok(!exited0(sts[1]), "and it refuses what the policy refuses");
	describe(sts[1]);
}


/* `vmjail seccomp ...` through the real binary: exit statuses and output. */
static int vmjail(const char *out, char *const *args)
{
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(98);
		execv(args[0], args);
		_exit(97);
	}
	int st = -1;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void test_cmd(void)
{
	const char *bin = getenv("VMJAIL");
	if (!bin || access(bin, X_OK) != 0) {
		skip("the vmjail binary is not built");
		return;
	}
	char out[256], bpf[256], bad[2048], *text = NULL;
	size_t len;
	snprintf(out, sizeof(out), "%s/cmd.out", tmpdir);
	snprintf(bpf, sizeof(bpf), "%s/qemu.bpf", tmpdir);
	snprintf(bad, sizeof(bad), "%s/tests/unit/seccomp/includes-bad.json", srcdir);
	char *check[] = { (char *)bin, "seccomp", "check", "qemu-system-x86_64", NULL };
	is_int(vmjail(out, check), 0, "vmjail seccomp check POLICY: 0");
	char *check_bad[] = { (char *)bin, "seccomp", "check", bad, NULL };
	is_int(vmjail(out, check_bad), 125, "vmjail seccomp check BAD: 125");
	ok(vj_read_file_at(AT_FDCWD, out, 1 << 16, &text, &len) == 0 &&
	   strstr(text, "frag-bad.json: allow[1]: unknown system call \"no_such_call\""),
	   "and the message names the entry at fault");
	free(text);
	text = NULL;
	char *export[] = { (char *)bin, "seccomp", "export", "qemu-system-x86_64", "-o", bpf, NULL };
	struct stat st;
	ok(vmjail(out, export) == 0 && stat(bpf, &st) == 0 && st.st_size > 0 && st.st_size % 8 == 0,
	   "vmjail seccomp export -o writes whole BPF instructions");
	char *dump[] = { (char *)bin, "seccomp", "dump", "qemu-system-x86_64", NULL };
	char want[128];
	snprintf(want, sizeof(want), "bpf: %lld instructions (binary tree)", (long long)st.st_size / 8);
	ok(vmjail(out, dump) == 0 && vj_read_file_at(AT_FDCWD, out, 1 << 20, &text, &len) == 0 &&
	   strstr(text, want) && strstr(text, "if arg1 eq KVM_RUN") && strstr(text, "errno:ENOSYS   clone3"),
	   "vmjail seccomp dump lists the rules and the instruction count of the exported program");
	free(text);
	text = NULL;
	char learned[256];
	snprintf(learned, sizeof(learned), "%s/cmd-learned.json", tmpdir);
	/* learn runs PROGRAM in its jail: this test program must be in it. */
	char selfdir[2048];
	snprintf(selfdir, sizeof(selfdir), "%s", self);
	*strrchr(selfdir, '/') = '\0';
	char *learn[] = { (char *)bin, "seccomp", "learn", "--ro-bind", selfdir, "-o", learned, "--", self, "probe",
			  "basic", NULL };
	ok(vmjail(out, learn) == 0 && access(learned, R_OK) == 0, "vmjail seccomp learn -o FILE -- PROGRAM");
	char *run_ok[] = { (char *)bin, "seccomp", "run", learned, "--", self, "probe", "basic", NULL };
	int run_st = vmjail(out, run_ok);
	is_int(run_st, 0, "vmjail seccomp run LEARNED -- PROGRAM: passes");
	if (run_st != 0 && vj_read_file_at(AT_FDCWD, out, 1 << 16, &text, &len) == 0)
		diag("vmjail said: %s", text);
	free(text);
	text = NULL;
	char *run_extra[] = { (char *)bin, "seccomp", "run", "--debug", learned, "--", self, "probe", "basic-extra",
			      NULL };
	int rc = vmjail(out, run_extra);
	ok(rc == 128 + SIGKILL && vj_read_file_at(AT_FDCWD, out, 1 << 16, &text, &len) == 0 &&
	   strstr(text, "killed by seccomp: sysinfo"), "vmjail seccomp run --debug: \"killed by seccomp: sysinfo\"");
	if (text)
		diag("%s", text);
	free(text);
}

#if UNDER_SANITIZER
/* A probe's system calls must not depend on timing, or a policy learned
 * from one run would not cover the next: LeakSanitizer's check at exit
 * (a tracer thread, ptrace, a yield loop while it waits) does. Probes skip
 * it; the test itself keeps it. */
static bool probing;
int __lsan_is_turned_off(void);
int __lsan_is_turned_off(void)
{
	return probing;
}
#endif

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "probe") == 0) {
#if UNDER_SANITIZER
		probing = true;
#endif
		return probe(argv[2]);
	}
	plan_no_plan();
	const char *src = getenv("VMJAIL_TEST_SRCDIR");
	snprintf(srcdir, sizeof(srcdir), "%s", src ? src : ".");
	char pp[1100];
	snprintf(pp, sizeof(pp), "%s/policy", srcdir);
	setenv("VMJAIL_POLICY_PATH", pp, 1);
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0 || !mkdtemp(tmpdir)) {
		ok(0, "setup");
		return done_testing();
	}
	self[n] = '\0';
	test_enforce();
	test_debug();
	test_learn();
	test_bwrap();
	test_cmd();
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		diag("could not remove %s", tmpdir);
	return done_testing();
}
