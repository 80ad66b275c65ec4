/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * child.c - the jail from the inside, up to execve.
 *
 * Theory of operation. The child was cloned into its namespaces and waits
 * until the parent has written its id maps and placed it in its cgroup
 * (its v2 one; it moves itself into its v1 ones as soon as it is released,
 * see vj_cgroup_self_open). Where the parent has none of that to do
 * (setup_before_go), steps 1-4 run at once and GO is awaited before the
 * fork of PROGRAM instead. Then, in this order:
 *
 *  jail setup (as pid 1, still holding every capability of its own user
 *  namespace, or root's when there is none):
 *   1. cgroup namespace: entered now, when the child already sits in its
 *      cgroup, so that cgroup is the namespace's root ("/").
 *   2. network: join the named namespace, or raise lo in the fresh one;
 *      a namespace made ahead (ns.c) comes with GO and is joined after
 *      step 4, once GO has come. With a user namespace, a thread of the
 *      child's, started before GO is awaited, makes it meanwhile; it is
 *      joined, and the thread reaped, after step 4 too.
 *   3. root filesystem (mount.c): tmpfs root, binds through fds, pivot.
 *   4. hostname.
 *  then PROGRAM is forked (supervised mode) and pid 1 becomes init.c;
 *  PROGRAM's own steps:
 *   5. new session: no controlling terminal, so no TIOCSTI into the
 *      caller's terminal, and no signals from it.
 *   6. rlimits.
 *   7. working directory (inside the new root).
 *   8. ids and capabilities (caps.c): every set empty unless kept;
 *      then the LSM exec labels and the Landlock ruleset (lsm.c).
 *   9. file descriptors: 0-2 and --keep-fd ones survive exec, the monitor
 *      end moves to its number, everything else is close-on-exec.
 *  10. no_new_privs.
 *  11. PROGRAM is looked up in the jail's PATH: not found -> 127, not
 *      executable -> 126, reported with the reason while it still can be.
 *  12. STARTED to the supervisor (which learns PROGRAM's host pid from the
 *      message's credentials), then the seccomp filter - last, so nothing
 *      of vmjail's own runs under it - then execve.
 */
#include "child.h"
#include "caps.h"
#include "compat.h"
#include "mount.h"
#include "ns.h"
#include "sync.h"

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>

const int vj_forwarded_signals[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
const size_t vj_n_forwarded_signals = ARRAY_SIZE(vj_forwarded_signals);

static _noreturn_ void fail(const struct vj_child_ctx *c, const char *step, const struct vj_error *err, int code)
{
	if (c->sync_fd >= 0) {
		vj_msg_send_error(c->sync_fd, step, err, code);
	} else {
		char line[VJ_ERROR_MAX + 64];
		int n = snprintf(line, sizeof(line), "vmjail: %s: %s\n", step, err->msg);
		if (n > 0)
			(void)vj_write_all(STDERR_FILENO, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	}
	_exit(code);
}

int vj_child_setup_jail(const struct vj_child_ctx *c, const char **step, struct vj_error *err)
{
	const struct vj_plan *plan = c->plan;
	int r;

	*step = "cgroup namespace";
	if (plan->ns[VJ_NS_CGROUP] && unshare(CLONE_NEWCGROUP) < 0)
		return vj_error_set(err, errno, "unshare(CLONE_NEWCGROUP)");

	*step = "network";
	if (c->netns_with_go || c->netns_by_thread) {
		/* joined last, in vj_child_main */
	} else if (c->netns_fd >= 0) {
		if (setns(c->netns_fd, CLONE_NEWNET) < 0)
			return vj_error_set(err, errno, "join network namespace %s", plan->net_path);
	} else if (plan->net == VJ_NET_NONE && plan->ns[VJ_NS_NET]) {
		if ((r = vj_ns_loopback_up(err)) < 0)
			return r;
	}

	*step = "root filesystem";
	if ((r = vj_mount_build_root(plan, c->userns, &c->cg_views, err)) < 0)
		return r;

	*step = "hostname";
	return vj_ns_setup_uts(plan, err);
}

/* Step 9. */
static int setup_fds(const struct vj_child_ctx *c, struct vj_error *err)
{
	const struct vj_plan *plan = c->plan;
	if (c->qmp_fd >= 0 && c->qmp_fd != c->qmp_fd_num) {
		if (dup3(c->qmp_fd, c->qmp_fd_num, O_CLOEXEC) < 0)
			return vj_error_set(err, errno, "monitor fd %d", c->qmp_fd_num);
	}
	/* Everything from 3 up becomes close-on-exec, then the kept ones are
	 * opened up again. With keep_all_fds, what the caller left
	 * inheritable stays so (vmjail's own fds are close-on-exec from
	 * birth). */
	if (plan->keep_all_fds) {
		/* nothing to mark */
	} else if (vj_close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
		long max = sysconf(_SC_OPEN_MAX);
		for (int fd = 3; fd < (max > 0 ? max : 65536); fd++) {
			int fl = fcntl(fd, F_GETFD);
			if (fl >= 0 && !(fl & FD_CLOEXEC))
				fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
		}
	}
	for (size_t i = 0; i < plan->n_keep_fds; i++)
		if (fcntl(plan->keep_fds[i], F_SETFD, 0) < 0)
			return vj_error_set(err, errno, "--keep-fd %d", plan->keep_fds[i]);
	if (c->qmp_fd >= 0 && fcntl(c->qmp_fd_num, F_SETFD, 0) < 0)
		return vj_error_set(err, errno, "monitor fd %d", c->qmp_fd_num);
	for (int fd = 0; fd <= 2; fd++) {
		int fl = fcntl(fd, F_GETFD);
		if (fl >= 0 && (fl & FD_CLOEXEC))
			fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC);
	}
	return 0;
}

static const char *env_path(char *const *envp)
{
	for (size_t i = 0; envp && envp[i]; i++)
		if (vj_startswith(envp[i], "PATH="))
			return envp[i] + 5;
	return "/usr/local/bin:/usr/bin:/bin";
}

/* Step 11: resolve PROGRAM as execvpe would, into buf. Returns 0, or the
 * exit code (126/127) with err set. */
static int find_program(const char *prog, char *const *envp, char *buf, size_t len, struct vj_error *err)
{
	struct stat st;
	if (strchr(prog, '/')) {
		snprintf(buf, len, "%s", prog);
		if (stat(buf, &st) < 0)
			return vj_error_set(err, errno, "%s", prog), errno == ENOENT || errno == ENOTDIR ? 127 : 126;
		if (S_ISDIR(st.st_mode))
			return vj_error_set(err, EISDIR, "%s", prog), 126;
		if (access(buf, X_OK) < 0)
			return vj_error_set(err, errno, "%s", prog), 126;
		return 0;
	}
	const char *path = env_path(envp);
	int seen_eacces = 0;
	while (*path) {
		const char *end = strchrnul(path, ':');
		int n = snprintf(buf, len, "%.*s%s%s", (int)(end - path), path, end == path ? "" : "/", prog);
		if (n > 0 && (size_t)n < len && stat(buf, &st) == 0 && !S_ISDIR(st.st_mode)) {
			if (access(buf, X_OK) == 0)
				return 0;
			seen_eacces = errno;
		}
		path = *end ? end + 1 : end;
	}
	if (seen_eacces)
		return vj_error_set(err, seen_eacces, "%s", prog), 126;
	return vj_error_setx(err, ENOENT, "%s: not found in the jail (PATH=%s)", prog, env_path(envp)), 127;
}

_noreturn_ void vj_child_exec_target(const struct vj_child_ctx *c)
{
	const struct vj_plan *plan = c->plan;
	struct vj_error err = { 0 };
	int r;

	/* 5. */
	if (setsid() < 0 && getpid() != getpgrp())
		fail(c, "session", (vj_error_set(&err, errno, "setsid"), &err), VJ_EXIT_FAILURE);
	/* The parent's death (init's, here) ends PROGRAM too. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);

	/* 6. */
	for (size_t i = 0; i < plan->n_rlimits; i++)
		if (setrlimit(plan->rlimits[i].resource, &plan->rlimits[i].limit) < 0)
			fail(c, "rlimits", (vj_error_set(&err, errno, "setrlimit %d", plan->rlimits[i].resource), &err),
			     VJ_EXIT_FAILURE);

	/* 7. */
	const char *dir = plan->chdir ? plan->chdir : "/";
	if (chdir(dir) < 0)
		fail(c, "chdir", (vj_error_set(&err, errno, "%s", dir), &err), VJ_EXIT_FAILURE);

	/* 8. */
	r = vj_caps_drop(plan->uid, plan->gid, plan->caps_keep, !c->userns, &err);
	if (r < 0)
		fail(c, "capabilities", &err, VJ_EXIT_FAILURE);

	/* 8b. Labels and Landlock (lsm.c): after the ids changed, before
	 * no_new_privs and seccomp. */
	if (vj_lsm_child_apply(c->lsm, plan, &err) < 0)
		fail(c, "lsm", &err, VJ_EXIT_FAILURE);

	/* 9. */
	if (setup_fds(c, &err) < 0)
		fail(c, "file descriptors", &err, VJ_EXIT_FAILURE);

	/* 10. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail(c, "no_new_privs", (vj_error_set(&err, errno, "prctl(PR_SET_NO_NEW_PRIVS)"), &err),
		     VJ_EXIT_FAILURE);

	/* 11. */
	char prog[4096];
	int code = find_program(c->argv[0], plan->envp, prog, sizeof(prog), &err);
	if (code)
		fail(c, "exec", &err, code);

	/* 12. */
	if (c->sync_fd >= 0) {
		struct vj_msg m = { .type = VJ_MSG_STARTED };
		if (vj_msg_send(c->sync_fd, &m, -1) < 0)
			_exit(VJ_EXIT_FAILURE);
	}
	sigprocmask(SIG_SETMASK, &c->orig_mask, NULL);
	for (size_t i = 0; i < vj_n_forwarded_signals; i++)
		signal(vj_forwarded_signals[i], SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	int listener = -1;
	if (vj_seccomp_load(c->bpf, &listener, &err) < 0)
		fail(c, "seccomp", &err, VJ_EXIT_FAILURE);
	if (listener >= 0) {
		/* The filter lets exactly this sendmsg and close through. */
		struct vj_msg lm = { .type = VJ_MSG_LISTENER };
		if (c->sync_fd < 0 || vj_msg_send(c->sync_fd, &lm, listener) < 0)
			_exit(VJ_EXIT_FAILURE);
		close(listener);
	}
	execve(prog, c->argv, plan->envp);
	/* Best effort: the filter may forbid even this. */
	int e = errno;
	fail(c, "exec", (vj_error_set(&err, e, "execve %s", prog), &err),
	     e == ENOENT ? VJ_EXIT_NOT_FOUND : VJ_EXIT_CANNOT_EXEC);
}

static int target_main(void *arg)
{
	vj_child_exec_target(arg);
}

/*
 * PROGRAM's process, the way posix_spawn makes one: CLONE_VM|CLONE_VFORK
 * on a stack of its own. It shares pid 1's memory until execve, and pid 1
 * waits until then, so nothing runs concurrently in that memory; every
 * attribute the steps change (credentials, fds, cwd, rlimits, session,
 * signal dispositions, the seccomp filter, LSM exec labels, Landlock) is
 * the new task's own. What it saves: copying pid 1's page tables, the
 * copy-on-write faults of both sides, and tearing the copy down at
 * execve (on a virtual machine, a TLB-shootdown IPI each). Falls back to
 * fork() where clone() with these flags is refused, and in a sanitizer
 * build: ASan keeps its idea of the current stack in the memory both
 * tasks share, and warns about the switch.
 */
static pid_t spawn_target(const struct vj_child_ctx *c)
{
	enum { STACK_SIZE = 512 * 1024 };
	void *stack = VJ_SANITIZED ? MAP_FAILED
				   : mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack != MAP_FAILED) {
		pid_t pid = clone(target_main, (char *)stack + STACK_SIZE, CLONE_VM | CLONE_VFORK | SIGCHLD, (void *)c);
		int e = errno;
		munmap(stack, STACK_SIZE);
		if (pid > 0)
			return pid;
		if (e != EINVAL && e != ENOSYS && e != EPERM)
			return -e;
	}
	pid_t pid = fork();
	if (pid == 0)
		vj_child_exec_target(c);
	return pid < 0 ? -errno : pid;
}

/* Returns the fd that came with GO, or -1. */
static int await_go(const struct vj_child_ctx *c)
{
	struct vj_msg m;
	int passed = -1;
	int r = vj_msg_recv(c->sync_fd, &m, NULL, &passed);
	if (r <= 0 || m.type != VJ_MSG_GO)
		_exit(VJ_EXIT_FAILURE);
	return passed;
}

_noreturn_ void vj_child_main(const struct vj_child_ctx *c)
{
	struct vj_error err = { 0 };
	const char *step = "start";

	/* The supervisor's death kills pid 1, and with it the whole jail. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (c->parent_sync_fd >= 0)
		close(c->parent_sync_fd);
	/* Out of the caller's process group: keyboard signals reach the
	 * supervisor only, which forwards them once. */
	setsid();

	/* The network namespace, by a thread of ours (ns.c): it is made
	 * while GO comes and the jail is built. A thread takes a pid in the
	 * jail's pid namespace, and PROGRAM is pid 2 in every jail: the
	 * thread gets 300 instead (below any pid_max), the namespace's last
	 * pid set to 299 for it and back to 1 once it has it (ns_last_pid:
	 * writable by the owner of the pid namespace's user namespace, us).
	 * Where it cannot be written, no thread: the namespace is made in
	 * line, as the clone would have. */
	struct vj_ns_ahead own_netns = { .fd = -1 };
	if (c->netns_by_thread) {
		int last_pid = open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC);
		if (last_pid >= 0 && pwrite(last_pid, "299", 3, 0) == 3) {
			vj_ns_ahead_begin(&own_netns);
			(void)!pwrite(last_pid, "1", 1, 0);
		}
		if (last_pid >= 0)
			close(last_pid);
	}

	/* Wait for GO (EOF: the supervisor is gone) - after building the
	 * jail when GO brings nothing it needs for that: no id maps, every
	 * cgroup entered by itself or at birth. Its mount, network and other
	 * namespaces are its own either way; nothing of the host changes,
	 * and PROGRAM is forked only after GO. */
	int go_fd = -1;
	if (!c->setup_before_go)
		go_fd = await_go(c);
	/* Into the v1 cgroups before anything else: nothing of the jail runs
	 * outside them (cgroup.c says why the child moves itself). Writing
	 * "tasks" moves the calling thread: the network namespace's thread,
	 * which ends before PROGRAM is forked, stays where it was born. */
	if (vj_cgroup_self_attach(&c->cg_self, &err) < 0)
		fail(c, "cgroup", &err, VJ_EXIT_FAILURE);

	if (vj_child_setup_jail(c, &step, &err) < 0)
		fail(c, step, &err, VJ_EXIT_FAILURE);
	/* The bounding set once for init and PROGRAM: each drop commits new
	 * credentials, and PROGRAM inherits what init has left. */
	if (vj_caps_bounding_keep(c->plan->caps_keep, &err) < 0)
		fail(c, "capabilities", &err, VJ_EXIT_FAILURE);
	if (c->setup_before_go)
		go_fd = await_go(c);
	/* Step 2 for a namespace made ahead, which came with GO: last, so
	 * that the steps above overlapped its making. Nothing above depends
	 * on it (no sysfs is mounted; /proc/net is per task). */
	if (c->netns_with_go) {
		step = "network";
		if (vj_ns_join_ahead(go_fd, &err) < 0)
			fail(c, step, &err, VJ_EXIT_FAILURE);
	}
	if (go_fd >= 0)
		close(go_fd);
	/* Our own thread's namespace: joined (or made now, when the thread
	 * made none), then the thread is reaped - PROGRAM is forked by a
	 * single-threaded init. */
	if (c->netns_by_thread) {
		step = "network";
		int fd = vj_ns_ahead_take(&own_netns);
		int r = vj_ns_join_ahead(fd, &err);
		if (fd >= 0)
			close(fd);
		vj_ns_ahead_join(&own_netns);
		if (r < 0)
			fail(c, step, &err, VJ_EXIT_FAILURE);
	}

	pid_t pid = spawn_target(c);
	if (pid < 0)
		fail(c, "fork", (vj_error_set(&err, -pid, "fork PROGRAM"), &err), VJ_EXIT_FAILURE);
	vj_init_run(c, pid);
}
