/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * supervise.c - the host side of a running jail.
 *
 * Theory of operation: one epoll loop (loop.c) over
 *   - a signalfd: SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 are
 *     sent to the jail's init through its pidfd, and init hands them to
 *     PROGRAM; SIGCHLD wakes the loop, and a supervisor that is a
 *     container's PID 1 (or a subreaper) reaps the orphans the runtime's
 *     `exec` leaves it, so no zombie piles up in the container;
 *   - init's pidfd, readable when init has exited: the jail is over;
 *   - the sync socket: init's EXITED record carries PROGRAM's status;
 *   - the QMP proxy's sockets, which the proxy watches itself.
 * When init is gone the supervisor reaps it, lets the proxy deliver the
 * last events and close its clients, writes the exit record, and returns
 * PROGRAM's status: its exit code, or 128+N when killed by signal N.
 * While it waits, it gives setup's memory back (trim.c): a second after
 * the start, and after ten quiet seconds that follow activity (an idle
 * supervisor wakes every ten seconds to see whether there was any).
 */
#include "launch.h"
#include "compat.h"
#include "jsonw.h"
#include "caps.h"
#include "log.h"
#include "notify.h"
#include "sync.h"
#include "trim.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

/* ---- giving memory back --------------------------------------------- */

#define VJ_TRIM_FIRST_MS 1000
#define VJ_TRIM_QUIET_MS 10000

struct trim_clock {
	uint64_t seen;    /* the loop's rounds at the last check */
	bool dirty;       /* activity since the last trim (the start counts) */
	bool first;       /* the first check trims whatever happened */
	int64_t check_at; /* next check, monotonic ms */
};

/* Called when check_at has come: activity since the last check pushes
 * the trim one quiet period further; a quiet period after activity
 * trims. */
static void trim_check(struct trim_clock *tc, struct vj_loop *loop)
{
	uint64_t rounds = vj_loop_rounds(loop);
	tc->check_at = vj_now_ms() + VJ_TRIM_QUIET_MS;
	if (rounds != tc->seen && !tc->first) {
		tc->seen = rounds;
		tc->dirty = true;
		return;
	}
	if (!tc->dirty)
		return;
	tc->seen = rounds;
	tc->dirty = tc->first = false;
	/* Nothing logged after it: the log's formatting code would come
	 * straight back. */
	vj_debug("trimming the supervisor's memory");
	struct vj_trim_stats ts;
	vj_trim_memory(&ts);
}

/* Reap every exited child but the jail's init, whose status on_init_exit
 * (or the loop's fallback) takes. WNOWAIT first: the pid is seen before
 * anything is consumed, so init's status is never taken here. When init is
 * the zombie that waitid names, the rest wait for the next SIGCHLD; the
 * jail is ending then anyway. */
static void reap_orphans(struct vj_jail *j)
{
	for (;;) {
		siginfo_t si = { 0 };
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid <= 0 ||
		    si.si_pid == j->init_pid)
			return;
		vj_debug("reaped orphan %d", (int)si.si_pid);
		if (waitid(P_PID, (id_t)si.si_pid, &si, WEXITED | WNOHANG) < 0)
			return;
	}
}

static void on_signal(struct vj_watch *w, uint32_t events)
{
	struct vj_jail *j = w->data;
	struct signalfd_siginfo si;
	while (read(j->signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			if (j->reaper)
				reap_orphans(j);
			continue;
		}
		vj_debug("forwarding signal %u to the jail", si.ssi_signo);
		if (j->init_pidfd >= 0)
			vj_pidfd_send_signal(j->init_pidfd, (int)si.ssi_signo);
		else if (j->init_pid > 0)
			kill(j->init_pid, (int)si.ssi_signo);
	}
}

/* SIGKILL PROGRAM through its pidfd (init then reports 137); when there is
 * no pidfd, the whole jail through init's. */
static void kill_target(struct vj_jail *j)
{
	if (j->target_pidfd >= 0 && vj_pidfd_send_signal(j->target_pidfd, SIGKILL) == 0)
		return;
	if (j->init_pidfd >= 0)
		vj_pidfd_send_signal(j->init_pidfd, SIGKILL);
	else if (j->init_pid > 0)
		kill(j->init_pid, SIGKILL);
}

static void on_denied(struct vj_seccomp_listener *l, const char *syscall, pid_t pid, void *userdata)
{
	struct vj_jail *j = userdata;
	if (!j->denied_syscall)
		j->denied_syscall = vj_xstrdup(syscall);
	vj_log_event(VJ_LOG_ERROR, "seccomp-denied", "syscall", syscall, NULL);
	/* The caller is blocked in the notified syscall: its pid is stable. */
	if (pid > 0)
		kill(pid, SIGKILL);
}

static void start_listener(struct vj_jail *j, int fd)
{
	struct vj_error err = { 0 };
	if (j->listener || !vj_seccomp_plan_needs_listener(&j->plan->seccomp)) {
		close(fd);
		return;
	}
	if (vj_seccomp_listener_new(&j->plan->seccomp, fd, &j->listener, &err) < 0 ||
	    (vj_seccomp_listener_on_denied(j->listener, on_denied, j),
	     vj_seccomp_listener_start(j->listener, j->loop, &err) < 0)) {
		/* Unanswered, PROGRAM would block forever: end the jail. */
		vj_error("seccomp: %s", err.msg);
		kill_target(j);
	}
}

static void qmp_log(void *opaque, int level, const char *msg)
{
	vj_log((enum vj_log_level)level, "qmp: %s", msg);
}

static void qmp_target_down(void *opaque, bool fatal, const char *reason)
{
	struct vj_jail *j = opaque;
	if (!fatal) {
		vj_debug("qmp: the target closed its monitor: %s", reason);
		return;
	}
	/* A target that speaks garbage on its monitor is not trusted to run
	 * on: end the jail. */
	vj_error("qmp: the target's monitor failed (%s); ending the jail", reason);
	j->monitor_failed = true;
	/* Kill PROGRAM itself (init then reports its status, 137), and init
	 * too should PROGRAM be gone already (a daemonized target). */
	kill_target(j);
}

static void qmp_ready(void *opaque)
{
	struct vj_jail *j = opaque;
	char status[160];
	snprintf(status, sizeof(status), "jail %s: PROGRAM running, QMP monitor answering", j->plan->id);
	vj_notify_ready(status);
}

static void on_sync(struct vj_watch *w, uint32_t events)
{
	struct vj_jail *j = w->data;
	struct vj_msg m;
	int passed;
	int r = vj_msg_recv(j->sync_fd, &m, NULL, &passed);
	if (r <= 0 && r != -EBADMSG) {
		vj_loop_del(j->loop, w); /* EOF: init is exiting; the pidfd says when */
		return;
	}
	if (r < 0)
		return;
	switch (m.type) {
	case VJ_MSG_EXITED:
		/* The jail is over: init exits right after this message (the
		 * kernel then ends what is left in its pid namespace). The exit
		 * record is written meanwhile; teardown waits for init. */
		j->have_status = true;
		j->status = m.status;
		vj_loop_quit(j->loop);
		break;
	case VJ_MSG_ERROR:
		snprintf(j->late_step, sizeof(j->late_step), "%s", m.step);
		vj_error_setx(&j->late_error, m.err, "%s", m.text);
		break;
	case VJ_MSG_LISTENER:
		if (passed >= 0)
			start_listener(j, passed);
		return;
	default:
		break;
	}
	if (passed >= 0)
		close(passed);
}

static void on_init_exit(struct vj_watch *w, uint32_t events)
{
	struct vj_jail *j = w->data;
	/* Drain what init sent before it went. */
	struct vj_watch *sync = &j->w_sync;
	while (!j->have_status) {
		struct vj_msg m;
		int r = recv(j->sync_fd, &m, sizeof(m), MSG_DONTWAIT | MSG_PEEK);
		if (r <= 0)
			break;
		on_sync(sync, EPOLLIN);
	}
	siginfo_t si = { 0 };
	if (waitid(P_PID, (id_t)j->init_pid, &si, WEXITED) == 0)
		j->init_reaped = true;
	vj_loop_quit(j->loop);
}

/* A PROGRAM as short as /bin/true is over before the supervisor gets
 * here: init's EXITED is waiting on the sync socket. From then on there is
 * nothing untrusted left to read - unless a QMP proxy still serves its
 * clients their last events, or a seccomp listener its last
 * notifications - so the supervisor goes straight to teardown, without
 * compiling and loading a filter for it. */
static bool jail_over(struct vj_jail *j)
{
	struct vj_msg m;
	if (j->qmp || j->listener)
		return false;
	ssize_t n = recv(j->sync_fd, &m, sizeof(m), MSG_DONTWAIT | MSG_PEEK);
	return n == (ssize_t)sizeof(m) && m.type == VJ_MSG_EXITED;
}

/* The supervisor's filter (policy/supervisor.json), compiled here rather
 * than before the clone: the jail is being built on the other side
 * meanwhile, so the compile (or the cache lookup) costs the launch
 * nothing. */
static int compile_own_filter(struct vj_jail *j, struct vj_error *err)
{
	struct vj_seccomp_plan sp;
	int r = vj_seccomp_plan_from_policy_deferred(&sp, "supervisor", err);
	if (r < 0)
		return r;
	_cleanup_close_ int cache_fd = vj_sc_cache_open(vj_state_root_fd(j->state));
	r = vj_seccomp_compile_plan(&sp, -1, cache_fd, &j->supervisor_bpf, err);
	vj_seccomp_plan_free(&sp);
	return r;
}

static int exit_code_of(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return VJ_EXIT_FAILURE;
}

static uint64_t ns_inode(pid_t pid, const char *ns)
{
	char path[64];
	struct stat st;
	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns);
	return stat(path, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

void vj_info_write_started(struct vj_jail *j)
{
	const struct vj_plan *plan = j->plan;
	_cleanup_json_ json_object *o = json_object_new_object();
	vj_json_add_string(o, "event", "started");
	vj_json_add_string(o, "id", plan->id);
	vj_json_add_int(o, "pid", j->target_pid);
	vj_json_add_int(o, "init-pid", j->init_pid);
	vj_json_add_int(o, "supervisor-pid", getpid());
	json_object *ns = json_object_new_object();
	for (int i = 0; i < VJ_NS__COUNT; i++) {
		const char *name = vj_ns_name((enum vj_ns)i);
		vj_json_add_uint(ns, name, ns_inode(j->target_pid, i == VJ_NS_PID ? "pid" : name));
	}
	vj_json_add(o, "namespaces", ns);
	char root[64];
	snprintf(root, sizeof(root), "/proc/%d/root", (int)j->target_pid);
	vj_json_add_string(o, "root", root);
	vj_json_add_int(o, "uid", plan->uid);
	vj_json_add_int(o, "gid", plan->gid);
	if (j->cg)
		vj_json_add(o, "cgroup", vj_cgroup_to_json(j->cg));
	if (j->lsm)
		vj_json_add(o, "lsm", vj_lsm_to_json(j->lsm));
	json_object *sc = json_object_new_object();
	vj_json_add_string(sc, "policy", plan->seccomp.policy_file);
	vj_json_add_uint(sc, "instructions", j->bpf.len);
	vj_json_add(o, "seccomp", sc);
	if (j->qmp) {
		json_object *q = vj_qmp_proxy_to_json(j->qmp);
		if (q)
			vj_json_add(o, "qmp", q);
	}
	if (plan->info_fd >= 0)
		vj_json_write_line(plan->info_fd, o);
	if (j->state)
		vj_state_started(j->state, o);
}

void vj_info_write_exited(struct vj_jail *j, int exit_code)
{
	const struct vj_plan *plan = j->plan;
	_cleanup_json_ json_object *o = json_object_new_object();
	vj_json_add_string(o, "event", "exited");
	vj_json_add_string(o, "id", plan->id);
	vj_json_add_int(o, "exit-code", exit_code);
	if (j->have_status && WIFEXITED(j->status)) {
		vj_json_add_int(o, "status", WEXITSTATUS(j->status));
		vj_json_add(o, "signal", NULL);
	} else if (j->have_status && WIFSIGNALED(j->status)) {
		char buf[128];
		vj_json_add(o, "status", NULL);
		vj_json_add_int(o, "signal", WTERMSIG(j->status));
		vj_json_add_string(o, "signal-name", sigabbrev_np(WTERMSIG(j->status)));
		const char *why = vj_seccomp_describe_exit(j->status, j->denied_syscall, buf, sizeof(buf));
		if (why)
			vj_json_add_string(o, "reason", why);
		if (j->denied_syscall)
			vj_json_add_string(o, "seccomp-syscall", j->denied_syscall);
	} else {
		vj_json_add(o, "status", NULL);
		vj_json_add(o, "signal", NULL);
		vj_json_add_string(o, "reason", "setup failed");
	}
	if (j->cg) {
		vj_cgroup_report_exit(j->cg, o);
		/* The limits that ended or hindered PROGRAM, said where a user
		 * looks (the exit record carries the same). */
		json_object *v;
		if (json_object_object_get_ex(o, "oom_kills", &v))
			vj_error("the jail reached its memory limit: the kernel's OOM killer killed %s "
				 "process%s in it",
				 json_object_get_string(v), json_object_get_int64(v) == 1 ? "" : "es");
		if (json_object_object_get_ex(o, "pids_limit_hit", &v))
			vj_notice("the jail reached its pids limit: the kernel refused a fork or clone in it");
	}
	if (plan->info_fd >= 0)
		vj_json_write_line(plan->info_fd, o);
	if (j->state)
		vj_state_exited(j->state, o);
	vj_log_event(VJ_LOG_INFO, "exit", "exit-code", json_object_get_string(json_object_object_get(o, "exit-code")), NULL);
}

int vj_supervise(struct vj_jail *j)
{
	struct vj_error err = { 0 };
	/* The network namespace's thread is gone by now (it ended right after
	 * handing its fd over): reap it before the capabilities go. */
	vj_ns_ahead_join(&j->netns_ahead);
	int r = vj_loop_new(&j->loop, &err);
	if (r < 0) {
		vj_log_error(&err);
		return VJ_EXIT_FAILURE;
	}
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	for (size_t i = 0; i < vj_n_forwarded_signals; i++)
		sigaddset(&mask, vj_forwarded_signals[i]);
	j->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (j->signal_fd < 0) {
		vj_error("signalfd: %s", strerror(errno));
		return VJ_EXIT_FAILURE;
	}
	j->w_signal = (struct vj_watch){ .fd = j->signal_fd, .fn = on_signal, .data = j };
	j->w_sync = (struct vj_watch){ .fd = j->sync_fd, .fn = on_sync, .data = j };
	vj_loop_add(j->loop, &j->w_signal, EPOLLIN);
	vj_loop_add(j->loop, &j->w_sync, EPOLLIN);
	if (j->init_pidfd >= 0) {
		j->w_pidfd = (struct vj_watch){ .fd = j->init_pidfd, .fn = on_init_exit, .data = j };
		vj_loop_add(j->loop, &j->w_pidfd, EPOLLIN);
	}
	/* Without a pidfd, SIGCHLD on the signalfd wakes the loop and
	 * on_sync's EOF ends it; see the check below. */
	/* Orphans are reparented to a container's PID 1 and to a subreaper:
	 * those reap them (the jail's own orphans stay with its init). */
	int subreaper = 0;
	j->reaper = getpid() == 1 || (prctl(PR_GET_CHILD_SUBREAPER, &subreaper, 0, 0, 0) == 0 && subreaper);
	if (j->reaper)
		reap_orphans(j);

	vj_info_write_started(j);
	if (j->qmp) {
		struct vj_qmp_hooks hooks = { .opaque = j, .log = qmp_log, .target_down = qmp_target_down,
					      .ready = qmp_ready };
		vj_qmp_proxy_set_hooks(j->qmp, &hooks);
		if (vj_qmp_proxy_start(j->qmp, j->loop, &err) < 0)
			vj_warn("qmp: %s", err.msg);
	}

	/* Setup is over: from here the supervisor serves clients (untrusted
	 * input) and tears down; it keeps only the capabilities teardown
	 * needs. */
	if (vj_caps_supervisor_minimal(&err) < 0)
		vj_warn("%s", err.msg);
	/* And its own filter (policy/supervisor.json): no mounts, namespaces,
	 * ptrace, BPF or identity changes from here on. A sanitizer build
	 * goes without: LeakSanitizer ptraces the process at exit. */
	if (!VJ_SANITIZED && !jail_over(j) && (compile_own_filter(j, &err) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
			      vj_seccomp_load(&j->supervisor_bpf, NULL, &err) < 0)) {
		vj_error("seccomp (the supervisor's own filter): %s", err.code ? err.msg : strerror(errno));
		kill_target(j);
	}

	/* systemd (Type=notify): ready once PROGRAM runs - for a QMP target,
	 * once its monitor answers (qmp_ready). */
	if (!j->qmp) {
		char status[160];
		snprintf(status, sizeof(status), "jail %s: PROGRAM running", j->plan->id);
		vj_notify_ready(status);
	}

	/* Memory goes back when the loop is quiet (trim.c): a second after the
	 * start (short jails never pay for it), and again after a quiet
	 * VJ_TRIM_QUIET_MS that follows activity (a QMP client's commands
	 * bring code back). */
	struct trim_clock tc = { .seen = vj_loop_rounds(j->loop), .dirty = true, .first = true,
				 .check_at = vj_now_ms() + VJ_TRIM_FIRST_MS };
	for (;;) {
		int timeout = j->init_pidfd >= 0 ? -1 : 200;
		int64_t left = tc.check_at - vj_now_ms();
		if (timeout < 0 || left < timeout)
			timeout = left > 0 ? (int)left : 0;
		r = vj_loop_run(j->loop, timeout);
		if (r == 0)
			break;
		if (r != -ETIMEDOUT)
			break;
		if (vj_now_ms() >= tc.check_at)
			trim_check(&tc, j->loop);
		if (j->init_pidfd < 0) {
			int st;
			if (waitpid(j->init_pid, &st, WNOHANG) == j->init_pid) {
				j->init_reaped = true;
				on_sync(&j->w_sync, EPOLLIN);
				r = 0;
				break;
			}
		}
	}
	if (r < 0)
		vj_error("supervisor loop: %s", strerror(-r));
	vj_notify_stopping("PROGRAM exited");
	if (j->qmp)
		vj_qmp_proxy_target_exited(j->qmp);

	int code;
	if (j->listener) {
		/* Whatever is still queued (the last process's exit). */
		vj_seccomp_listener_dispatch(j->listener);
		if (j->plan->seccomp.mode == VJ_SECCOMP_LEARN && j->plan->seccomp.learn_output) {
			if (vj_seccomp_listener_write_policy(j->listener, j->plan->seccomp.learn_output, &err) < 0)
				vj_error("seccomp learn: %s", err.msg);
			else
				vj_notice("seccomp learn: %zu system calls seen; policy written to %s",
					  vj_seccomp_listener_n_seen(j->listener), j->plan->seccomp.learn_output);
		}
	}
	if (j->have_status) {
		char buf[128];
		code = exit_code_of(j->status);
		/* PROGRAM failed after it was reported started (execve refused,
		 * e.g. by an LSM transition): say why, as for a setup step. */
		if (vj_error_is_set(&j->late_error))
			vj_error("%s: %s", j->late_step, j->late_error.msg);
		const char *why = vj_seccomp_describe_exit(j->status, j->denied_syscall, buf, sizeof(buf));
		if (why && j->denied_syscall)
			vj_error("PROGRAM was %s", why);
		else if (why)
			vj_error("PROGRAM was %s; rerun with --seccomp-debug to see the system call", why);
	} else if (vj_error_is_set(&j->late_error)) {
		vj_error("%s: %s", j->late_step, j->late_error.msg);
		code = VJ_EXIT_FAILURE;
	} else {
		vj_error("the jail's init exited without reporting PROGRAM's status");
		code = VJ_EXIT_FAILURE;
	}
	/* A jail vmjail ended for a broken monitor never reports success,
	 * even if PROGRAM managed to exit 0 before the kill. */
	if (j->monitor_failed && code == 0)
		code = VJ_EXIT_FAILURE;
	vj_info_write_exited(j, code);
	return code;
}
