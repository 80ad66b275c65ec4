/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * launch.c - from a plan to a running jail.
 *
 * Theory of operation, on the host side:
 *  1. prepare: block the signals to forward so none is lost between now
 *     and the signalfd; make the sync socketpair; start the network
 *     namespace's thread; compile the seccomp filter (a bad policy fails
 *     here, before anything of the jail exists: the policy is read here,
 *     or found compiled by its files); take the registry entry; create
 *     the jail's cgroup, the LSM layers, the QMP sockets and the monitor
 *     socketpair.
 *  2. clone3 into every namespace at once, with a pidfd and, where the
 *     hierarchy allows, straight into the cgroup (CLONE_INTO_CGROUP).
 *     The network namespace may be made already, by a thread, while 1
 *     ran (ns.c): the child then joins it. With a user namespace the
 *     child makes it with a thread of its own, while it builds the jail.
 *     Fallback: clone() and pidfd_open().
 *  3. release: write the child's id maps, move it into the cgroups clone3
 *     could not place it in, send GO. The child moves itself into its v1
 *     cgroups (vj_cgroup_self_open). Until GO it does nothing - unless GO
 *     brings it nothing (no id maps to write, no cgroup to be moved into
 *     by us): then it builds the jail meanwhile, and waits for GO only
 *     before it forks PROGRAM (child.c).
 *  4. wait for STARTED (PROGRAM is about to exec; its host pid arrives
 *     with the message's credentials) or ERROR (a setup step failed: the
 *     step and reason are printed, exit 125/126/127).
 *  5. supervise (supervise.c), then tear down everything prepared in 1,
 *     in reverse, on every path.
 */
#include "launch.h"
#include "compat.h"
#include "log.h"
#include "ns.h"
#include "sync.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/mount.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

static int first_free_fd(const struct vj_plan *plan, int from)
{
	for (int fd = from;; fd++) {
		bool used = false;
		for (size_t i = 0; i < plan->n_keep_fds; i++)
			used |= plan->keep_fds[i] == fd;
		if (!used)
			return fd;
	}
}

/* A writable bind that holds the state root, or lies inside it, would let
 * PROGRAM rewrite what later launches trust: the registry, and the cache
 * of compiled seccomp filters (an entry there decides a future jail's
 * filter). For an unprivileged caller PROGRAM runs as that very uid. */
static int check_state_root(const struct vj_plan *plan, const struct vj_state *st, struct vj_error *err)
{
	char root[PATH_MAX], src[PATH_MAX];
	const char *dir = vj_state_dir(st);
	if (!dir || !realpath(dir, root))
		return 0;
	char *slash = strrchr(root, '/');
	if (slash && slash != root)
		*slash = '\0'; /* the root, not this jail's directory */
	for (size_t i = 0; i < plan->n_mounts; i++) {
		const struct vj_mount *m = &plan->mounts[i];
		if (m->skip || (m->type != VJ_MOUNT_BIND && m->type != VJ_MOUNT_DEV_BIND) || (m->flags & MS_RDONLY) ||
		    !m->source || !realpath(m->source, src))
			continue;
		size_t ns = strlen(src), nr = strlen(root);
		bool holds = ns == 1 || (strncmp(root, src, ns) == 0 && (root[ns] == '/' || !root[ns]));
		bool inside = strncmp(src, root, nr) == 0 && src[nr] == '/';
		if (holds || inside)
			return vj_error_setx(err, EPERM,
					     "%s: %s %s would let the jail write %s vmjail's state root %s (the registry "
					     "and the seccomp filter cache later launches trust); bind a directory %s",
					     m->origin ? m->origin : "mounts", vj_mount_type_name(m->type), m->source,
					     holds ? "into" : "inside", root, holds ? "that does not contain it" : "elsewhere");
	}
	return 0;
}

/* The jail's state directory, where the LSM layers record what they load
 * or relabel (lsm.h): the registry's own, already open and locked. In
 * place (--exec) there is no registry entry: the directory holds that
 * record alone, is made only when a layer records something, and is
 * locked by the LSM engine while it prepares. */
static int lsm_home_open(void *arg, bool create, struct vj_error *err)
{
	const struct vj_jail *j = arg;
	const char *id = j->plan->id;
	if (j->state) {
		int fd = fcntl(vj_state_dir_fd(j->state), F_DUPFD_CLOEXEC, 3);
		return fd >= 0 ? fd : vj_error_set(err, errno, "state directory of jail %s", id);
	}
	int r = vj_state_id_check(id, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *root = vj_state_root(j->plan->state_dir);
	if (!root)
		return vj_error_set(err, ENOMEM, "state");
	_cleanup_close_ int rootfd = vj_state_root_open(root, create, err);
	if (rootfd < 0)
		return rootfd;
	if (create && mkdirat(rootfd, id, 0700) < 0 && errno != EEXIST)
		return vj_error_set(err, errno, "%s/%s", root, id);
	_cleanup_close_ int fd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT && !create ? -ENOENT : vj_error_set(err, errno, "state directory of jail %s", id);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return vj_error_set(err, errno, "state directory of jail %s", id);
	if (st.st_uid != geteuid())
		return vj_error_setx(err, EPERM, "state directory of jail %s: not owned by uid %u: refusing to use it",
				     id, (unsigned)geteuid());
	return TAKE_FD(fd);
}

static int compile_filter(struct vj_jail *j, struct vj_error *err)
{
	const struct vj_plan *plan = j->plan;
	_cleanup_close_ int cache_fd = -1;
	if (!plan->exec_inplace && vj_sc_cache_enabled()) {
		struct vj_error ignored = { 0 };
		_cleanup_free_ char *root = vj_state_root(plan->state_dir);
		_cleanup_close_ int root_fd = root ? vj_state_root_open(root, true, &ignored) : -1;
		cache_fd = vj_sc_cache_open(root_fd); /* none: compile, as without a cache */
	}
	return vj_seccomp_compile_plan(&plan->seccomp, j->ctx.sync_fd, cache_fd, &j->bpf, err);
}

static int prepare(struct vj_jail *j, struct vj_error *err)
{
	const struct vj_plan *plan = j->plan;
	int r;

	vj_compat_init();
	j->sync_fd = j->init_pidfd = j->target_pidfd = j->signal_fd = -1;
	j->netns_ahead = (struct vj_ns_ahead){ .fd = -1 }; /* teardown joins it */

	/* Signals first: a SIGTERM from now on waits for the signalfd (and
	 * is forwarded to PROGRAM) instead of killing the supervisor halfway
	 * through preparing. A reader of --info-fd that went away must not
	 * kill it either: writes then fail with EPIPE. PROGRAM gets the
	 * default dispositions back before exec. */
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	for (size_t i = 0; i < vj_n_forwarded_signals; i++)
		sigaddset(&mask, vj_forwarded_signals[i]);
	sigprocmask(SIG_BLOCK, &mask, &j->orig_mask);
	j->ctx.orig_mask = j->orig_mask;
	signal(SIGPIPE, SIG_IGN);

	j->ctx.plan = plan;
	j->ctx.sync_fd = j->ctx.parent_sync_fd = j->ctx.qmp_fd = j->ctx.netns_fd = -1;
	j->ctx.userns = plan->ns[VJ_NS_USER];

	/* The sync socket first: its child end's high number grows the fd
	 * table, which costs an RCU grace period (milliseconds) once another
	 * thread shares it - as the one below will. */
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return vj_error_set(err, errno, "socketpair");
	j->sync_fd = sv[0];
	/* The child's end sits as high as the fd limit allows (at most
	 * 4095): above every fd the child places, and where PROGRAM, after
	 * execve, will not open that number again - the debug and learn
	 * filters let sendmsg/close on it through unnotified. */
	int high = first_free_fd(plan, (plan->qmp.enabled ? first_free_fd(plan, 3) : 2) + 1);
	for (size_t i = 0; i < plan->n_keep_fds; i++)
		if (plan->keep_fds[i] >= high)
			high = plan->keep_fds[i] + 1;
	struct rlimit nofile;
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur > (rlim_t)high + 1) {
		rlim_t top = nofile.rlim_cur - 1 < 4095 ? nofile.rlim_cur - 1 : 4095;
		if (top > (rlim_t)high)
			high = (int)top;
	}
	if (sv[1] != high) {
		int moved = fcntl(sv[1], F_DUPFD_CLOEXEC, high);
		close(sv[1]);
		if (moved < 0)
			return vj_error_set(err, errno, "dup");
		sv[1] = moved;
	}
	j->ctx.sync_fd = sv[1];
	j->ctx.parent_sync_fd = sv[0];
	int one = 1;
	if (setsockopt(j->sync_fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
		return vj_error_set(err, errno, "SO_PASSCRED");

	/* The network namespace meanwhile, by a thread (ns.c). Our own start
	 * time first (the registry names the lock's holder by it; it is read
	 * once): a read of /proc/PID/stat can wait for the whole of another
	 * thread's unshare(CLONE_NEWNET) - 0.7 ms here. */
	(void)vj_state_proc_starttime(getpid());
	vj_ns_ahead_start(&j->netns_ahead, plan);

	/* The filter, once the child's sync fd number is known (debug and
	 * learn filters let the child hand its listener over on it), and
	 * before anything of the jail exists on the host: a launch reads its
	 * policy only here, when the cache of compiled filters (under the
	 * state root) does not know its files - and a bad one fails here. */
	if ((r = compile_filter(j, err)) < 0)
		return vj_error_prefix(err, "seccomp");
	j->ctx.bpf = &j->bpf;

	/* First the registry: the lock makes this id ours, and whatever a
	 * dead jail of the same id left is removed before we create ours.
	 * In place (--exec) there is no supervisor to hold the lock: the
	 * caller tracks the process itself. */
	if (!plan->exec_inplace) {
		_cleanup_strv_ char **state_notices = NULL;
		r = vj_state_acquire(plan, plan->state_dir, &j->state, &state_notices, err);
		for (size_t i = 0; state_notices && state_notices[i]; i++)
			vj_notice("%s", state_notices[i]);
		if (r < 0)
			return r;
		if ((r = check_state_root(plan, j->state, err)) < 0)
			return r;
		vj_log_set_file(vj_state_log_fd(j->state));
		vj_log_event(VJ_LOG_INFO, "start", "profile", plan->profile_name, "program", plan->argv[0], NULL);
	}

	/* In place there is no supervisor to remove the jail's cgroup when
	 * PROGRAM exits (nor a registry entry for gc to find it): a cgroup
	 * only when the profile sets limits, which then outlive vmjail as
	 * its caller's to manage. */
	if (!plan->exec_inplace || vj_cgroup_plan_has_limits(&plan->cgroup)) {
		_cleanup_strv_ char **notices = NULL;
		r = vj_cgroup_create(plan, &j->cg, &notices, err);
		for (size_t i = 0; notices && notices[i]; i++)
			vj_notice("cgroup: %s", notices[i]);
		if (r < 0)
			return vj_error_prefix(err, "cgroup");
		if ((r = vj_cgroup_self_open(j->cg, &j->ctx.cg_self, err)) < 0)
			return vj_error_prefix(err, "cgroup");
		j->ctx.cg_views.n = vj_cgroup_views(j->cg, j->ctx.cg_views.view, ARRAY_SIZE(j->ctx.cg_views.view));
	}

	_cleanup_strv_ char **lsm_notices = NULL;
	struct vj_lsm_home home = { .open = lsm_home_open, .ctx = j, .lock = plan->exec_inplace };
	r = vj_lsm_prepare(plan, &home, &j->lsm, &lsm_notices, err);
	for (size_t i = 0; lsm_notices && lsm_notices[i]; i++)
		vj_notice("lsm: %s", lsm_notices[i]);
	if (r < 0)
		return vj_error_prefix(err, "lsm");
	j->ctx.lsm = j->lsm;

	/* The monitor goes to the lowest fd number not passed through. */
	j->argv = vj_strv_dup(plan->argv);
	if (plan->qmp.enabled) {
		r = vj_qmp_proxy_new(&plan->qmp, &j->qmp, &j->ctx.qmp_fd, err);
		if (r < 0)
			return vj_error_prefix(err, "qmp");
		j->ctx.qmp_fd_num = first_free_fd(plan, 3);
		_cleanup_strv_ char **extra = vj_qmp_target_argv(&plan->qmp, j->ctx.qmp_fd_num);
		for (size_t i = 0; extra && extra[i]; i++)
			if (vj_strv_push(&j->argv, extra[i]) < 0)
				return vj_error_set(err, ENOMEM, "argv");
	}
	j->ctx.argv = j->argv;

	if (plan->net == VJ_NET_PATH) {
		j->ctx.netns_fd = open(plan->net_path, O_RDONLY | O_CLOEXEC);
		if (j->ctx.netns_fd < 0)
			return vj_error_set(err, errno, "network namespace %s", plan->net_path);
	}

	/* The supervisor's own filter is compiled in vj_supervise, while
	 * PROGRAM starts on the other side. */
	return 0;
}

static int spawn(struct vj_jail *j, struct vj_error *err)
{
	unsigned long flags = vj_ns_clone_flags(j->plan);
	/* The network namespace still being made follows with GO: the
	 * child builds its root meanwhile and joins it last (child.c). */
	j->ctx.netns_with_go = vj_ns_ahead_pending(&j->netns_ahead);
	/* With a user namespace, the child's own thread makes it. The child
	 * may create a thread (and allocate for it) only as the copy of a
	 * single-threaded supervisor: no lock of glibc's is then held by a
	 * thread the copy does not have. Ours is never started with a user
	 * namespace; the condition says so again. */
	j->ctx.netns_by_thread = !j->netns_ahead.running && vj_ns_ahead_in_child(j->plan);
	if (j->ctx.netns_with_go || j->ctx.netns_by_thread)
		flags &= ~(unsigned long)CLONE_NEWNET;
	int cg_fd = j->cg ? vj_cgroup_clone_fd(j->cg) : -1;
	int pidfd = -1;
	struct clone_args args = {
		.flags = flags | CLONE_PIDFD,
		.pidfd = (uint64_t)(uintptr_t)&pidfd,
		.exit_signal = SIGCHLD,
	};
	if (cg_fd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)cg_fd;
	}
	/* The child reads its copy of this as of the clone that made it:
	 * set before each attempt, for the placement that attempt gives. */
	bool no_maps = !(flags & CLONE_NEWUSER);
	j->ctx.setup_before_go = no_maps && vj_cgroup_placed_without_parent(j->cg, cg_fd >= 0);
	long pid = vj_clone3(&args);
	if (pid < 0 && cg_fd >= 0 && errno != ENOSYS) {
		/* The leaf may refuse direct placement; attach later. */
		args.flags &= ~CLONE_INTO_CGROUP;
		args.cgroup = 0;
		cg_fd = -1;
		j->ctx.setup_before_go = no_maps && vj_cgroup_placed_without_parent(j->cg, false);
		pid = vj_clone3(&args);
	}
	if (pid < 0 && errno == ENOSYS) {
		cg_fd = -1;
		pidfd = -1;
		j->ctx.setup_before_go = no_maps && vj_cgroup_placed_without_parent(j->cg, false);
		pid = syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
	}
	if (pid < 0) {
		int e = errno;
		if (e == EPERM || e == EINVAL || e == ENOSPC || e == EUSERS)
			return vj_error_set(err, e, "clone into new namespaces (%s)",
					    j->plan->ns[VJ_NS_USER]
						    ? "unprivileged user namespaces may be disabled or limited: see vmjail features; "
						      "in a container, its seccomp profile must allow clone with CLONE_NEWUSER"
						    : "needs CAP_SYS_ADMIN, or namespaces.user \"always\" where user namespaces are allowed");
		return vj_error_set(err, e, "clone");
	}
	if (pid == 0)
		vj_child_main(&j->ctx);

	j->init_pid = (pid_t)pid;
	j->clone_into_cgroup = cg_fd >= 0;
	vj_cgroup_self_close(&j->ctx.cg_self); /* the child's copies move it */
	close(j->ctx.sync_fd);
	j->ctx.sync_fd = -1;
	if (pidfd < 0)
		pidfd = vj_pidfd_open(j->init_pid); /* our child: no reuse before we reap it */
	j->init_pidfd = pidfd;
	return 0;
}

static int release(struct vj_jail *j, struct vj_error *err)
{
	int r;
	if (j->plan->ns[VJ_NS_USER]) {
		r = vj_ns_write_id_maps(j->init_pid, j->plan, getuid(), getgid(), err);
		if (r < 0)
			return vj_error_prefix(err, "user namespace");
	}
	if (j->cg) {
		r = vj_cgroup_attach(j->cg, j->init_pid, j->clone_into_cgroup, err);
		if (r < 0)
			return vj_error_prefix(err, "cgroup");
	}
	struct vj_msg go = { .type = VJ_MSG_GO };
	/* The thread's namespace, or none: the child then makes its own. */
	_cleanup_close_ int netns = j->ctx.netns_with_go ? vj_ns_ahead_take(&j->netns_ahead) : -1;
	r = vj_msg_send(j->sync_fd, &go, netns);
	/* A child that built its jail before GO may have failed and gone
	 * already: its ERROR is queued for await_start. */
	if (r < 0 && !(j->ctx.setup_before_go && (r == -EPIPE || r == -ECONNRESET)))
		return vj_error_set(err, r, "release the jail");
	return 0;
}

/* Step 4: returns 0 when PROGRAM is starting, else the exit code. */
static int await_start(struct vj_jail *j)
{
	for (;;) {
		struct vj_msg m;
		pid_t sender;
		int passed;
		int r = vj_msg_recv(j->sync_fd, &m, &sender, &passed);
		/* A child that failed before GO may exit with GO unread: the
		 * kernel then reports ECONNRESET once, ahead of the ERROR still
		 * queued for us. */
		if (r == -ECONNRESET && j->ctx.setup_before_go)
			continue;
		if (r < 0 && r != -EBADMSG) {
			vj_error("setup: %s", strerror(-r));
			return VJ_EXIT_FAILURE;
		}
		if (r == 0) {
			vj_error("setup: the jail exited before PROGRAM started");
			return VJ_EXIT_FAILURE;
		}
		if (r < 0)
			continue;
		switch (m.type) {
		case VJ_MSG_STARTED:
			/* PROGRAM is alive now (it is about to exec): its
			 * pidfd pins it, so a later signal never reaches a
			 * reused pid. */
			j->target_pid = sender;
			j->target_pidfd = sender > 0 ? vj_pidfd_open(sender) : -1;
			return 0;
		case VJ_MSG_ERROR:
			vj_error("%s: %s", m.step, m.text);
			return m.status ? m.status : VJ_EXIT_FAILURE;
		case VJ_MSG_LISTENER:
			if (passed >= 0)
				close(passed);
			break;
		default:
			break;
		}
	}
}

static void teardown(struct vj_jail *j)
{
	struct vj_error err = { 0 };
	if (j->init_pid > 0 && !j->init_reaped) {
		if (j->init_pidfd >= 0)
			vj_pidfd_send_signal(j->init_pidfd, SIGKILL);
		else
			kill(j->init_pid, SIGKILL);
		while (waitpid(j->init_pid, NULL, 0) < 0 && errno == EINTR)
			;
		j->init_reaped = true;
	}
	vj_qmp_proxy_free(j->qmp);
	j->qmp = NULL;
	vj_seccomp_listener_free(j->listener);
	j->listener = NULL;
	free(j->denied_syscall);
	j->denied_syscall = NULL;
	vj_cgroup_self_close(&j->ctx.cg_self);
	vj_ns_ahead_join(&j->netns_ahead); /* closes the fd when prepare failed before the clone */
	if (j->cg && vj_cgroup_destroy(j->cg, &err) < 0)
		vj_warn("cgroup: %s", err.msg);
	j->cg = NULL;
	/* After the cgroup: nothing of the jail runs when its profile is
	 * removed (its processes would go on unconfined) or its files get
	 * their old labels back. */
	vj_lsm_release(j->lsm);
	j->lsm = NULL;
	vj_bpf_free(&j->bpf);
	vj_bpf_free(&j->supervisor_bpf);
	vj_loop_free(j->loop);
	j->loop = NULL;
	int fds[] = { j->sync_fd, j->ctx.sync_fd, j->init_pidfd, j->target_pidfd, j->signal_fd, j->ctx.qmp_fd,
		      j->ctx.netns_fd };
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	vj_strv_free(j->argv);
	sigprocmask(SIG_SETMASK, &j->orig_mask, NULL);
	/* Last: the id is free again once nothing of the jail is left. */
	vj_log_set_file(-1);
	vj_state_release(j->state);
	j->state = NULL;
}

int vj_run(const struct vj_plan *plan)
{
	struct vj_jail j = { .plan = plan };
	struct vj_error err = { 0 };
	bool teardown_ready = true; /* an exit record is still owed */
	int code;

	if (!plan->argv || !plan->argv[0]) {
		vj_error("run: no PROGRAM given (vmjail run [OPTIONS] -- PROGRAM [ARG...])");
		return VJ_EXIT_FAILURE;
	}
	if (prepare(&j, &err) < 0 || spawn(&j, &err) < 0 || release(&j, &err) < 0) {
		vj_log_error(&err);
		code = VJ_EXIT_FAILURE;
		goto out;
	}
	code = await_start(&j);
	if (code)
		goto out;
	teardown_ready = false;
	code = vj_supervise(&j); /* writes the exit record itself */
out:
	if (teardown_ready)
		vj_info_write_exited(&j, code);
	teardown(&j);
	return code;
}

int vj_run_inplace(const struct vj_plan *plan)
{
	struct vj_jail j = { .plan = plan };
	struct vj_error err = { 0 };
	const char *step = "prepare";

	if (!plan->argv || !plan->argv[0]) {
		vj_error("run: no PROGRAM given (vmjail run [OPTIONS] -- PROGRAM [ARG...])");
		return VJ_EXIT_FAILURE;
	}
	if (prepare(&j, &err) < 0)
		goto fail;
	/* No supervisor: the child context reports straight to stderr. */
	close(j.sync_fd);
	close(j.ctx.sync_fd);
	j.sync_fd = j.ctx.sync_fd = j.ctx.parent_sync_fd = -1;
	sigprocmask(SIG_SETMASK, &j.orig_mask, NULL);
	if (j.cg) {
		step = "cgroup";
		if (vj_cgroup_self_attach(&j.ctx.cg_self, &err) < 0 ||
		    vj_cgroup_attach(j.cg, getpid(), false, &err) < 0)
			goto fail;
		j.ctx.cg_self.n = 0;
	}
	step = "namespaces";
	uid_t uid = getuid();
	gid_t gid = getgid();
	if (unshare((int)vj_ns_clone_flags(plan)) < 0) {
		vj_error_set(&err, errno, "unshare");
		goto fail;
	}
	if (plan->ns[VJ_NS_USER] && vj_ns_write_id_maps(0, plan, uid, gid, &err) < 0)
		goto fail;
	if (vj_child_setup_jail(&j.ctx, &step, &err) < 0)
		goto fail;
	vj_child_exec_target(&j.ctx);
fail:
	vj_error("%s: %s", step, err.msg);
	return VJ_EXIT_FAILURE;
}
