/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * seccomp_notify.c - the supervisor's side of seccomp user notification:
 * the listener for learn and debug modes (see seccomp.h), the learned
 * policy writer, and a plain fork+exec launcher (vj_seccomp_run_direct)
 * that `vmjail seccomp learn` and the tests use until the jail runtime
 * takes over launching.
 *
 * Theory of operation (listener):
 *  1. The listener fd is watched in the supervisor's loop (EPOLLIN: a
 *     notification is pending; EPOLLHUP: no task uses the filter any more).
 *  2. Each notification is received (SECCOMP_IOCTL_NOTIF_RECV; ENOENT means
 *     the task died in between and is not an error) and answered at once:
 *       learn: record the syscall (and for ioctl/clone/socket/prctl the
 *              argument value), answer SECCOMP_USER_NOTIF_FLAG_CONTINUE -
 *              the kernel runs the call as if unfiltered. clone3 is
 *              answered ENOSYS instead (recorded so): glibc then falls back
 *              to clone, whose flags a filter can see, and the learned
 *              policy says the same.
 *       debug: every notification is a call the policy denies. Check the
 *              id is still valid (SECCOMP_IOCTL_NOTIF_ID_VALID), remember
 *              the first name, call the denied callback (the runtime kills
 *              the target there), answer EPERM.
 *  3. No memory of the target is read, so there is no TOCTOU on pointers:
 *     only register arguments are looked at.
 */
#include "seccomp_policy.h"
#include "jsonw.h"
#include "loop.h"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

struct seen {
	int nr;
	char *name;
	bool enosys;         /* answered ENOSYS (clone3) */
	bool has_arg;        /* ioctl/clone/socket/prctl: values below */
	unsigned index;
	enum vj_sc_name_kind kind;
	uint64_t *vals;
	size_t n_vals;
};

struct vj_seccomp_listener {
	struct vj_watch watch;
	struct vj_loop *loop;
	enum vj_seccomp_mode mode;
	struct seccomp_notif_sizes sizes;
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	char *denied;
	vj_seccomp_denied_fn on_denied;
	void *userdata;
	struct seen *seen;
	size_t n_seen;
	bool hup;
};

static void watch_cb(struct vj_watch *w, uint32_t events);

int vj_seccomp_listener_new(const struct vj_seccomp_plan *p, int fd, struct vj_seccomp_listener **out,
			    struct vj_error *err)
{
	_cleanup_close_ int owned = fd;
	struct seccomp_notif_sizes sizes;
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
		return vj_error_set(err, errno, "SECCOMP_GET_NOTIF_SIZES");
	struct vj_seccomp_listener *l = vj_xcalloc(1, sizeof(*l));
	l->mode = p->mode;
	l->sizes = sizes;
	/* The kernel's structures may be larger than our headers' ones. */
	l->req = vj_xcalloc(1, sizes.seccomp_notif > sizeof(*l->req) ? sizes.seccomp_notif : sizeof(*l->req));
	l->resp = vj_xcalloc(1, sizes.seccomp_notif_resp > sizeof(*l->resp) ? sizes.seccomp_notif_resp
									   : sizeof(*l->resp));
	l->watch = (struct vj_watch){ .fd = TAKE_FD(owned), .fn = watch_cb, .data = l };
	*out = l;
	return 0;
}

void vj_seccomp_listener_on_denied(struct vj_seccomp_listener *l, vj_seccomp_denied_fn fn, void *userdata)
{
	l->on_denied = fn;
	l->userdata = userdata;
}

const char *vj_seccomp_listener_denied(const struct vj_seccomp_listener *l)
{
	return l->denied;
}

size_t vj_seccomp_listener_n_seen(const struct vj_seccomp_listener *l)
{
	return l->n_seen;
}

void vj_seccomp_listener_free(struct vj_seccomp_listener *l)
{
	if (!l)
		return;
	if (l->loop)
		vj_loop_del(l->loop, &l->watch);
	if (l->watch.fd >= 0)
		close(l->watch.fd);
	for (size_t i = 0; i < l->n_seen; i++) {
		free(l->seen[i].name);
		free(l->seen[i].vals);
	}
	free(l->seen);
	free(l->denied);
	free(l->req);
	free(l->resp);
	free(l);
}

static char *syscall_name(int nr)
{
	char *n = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
	return n ? n : vj_xasprintf("syscall-%d", nr);
}

static struct seen *seen_get(struct vj_seccomp_listener *l, int nr)
{
	for (size_t i = 0; i < l->n_seen; i++)
		if (l->seen[i].nr == nr)
			return &l->seen[i];
	struct seen *s = realloc(l->seen, (l->n_seen + 1) * sizeof(*s));
	if (!s)
		abort();
	l->seen = s;
	s = &l->seen[l->n_seen++];
	*s = (struct seen){ .nr = nr, .name = syscall_name(nr) };
	s->has_arg = vj_sc_learned_arg(s->name, &s->index, &s->kind);
	return s;
}

static void record(struct vj_seccomp_listener *l, const struct seccomp_data *d)
{
	struct seen *s = seen_get(l, d->nr);
	if (!s->has_arg)
		return;
	uint64_t v = d->args[s->index];
	if (vj_sc_arg_is_32bit(s->name, s->index))
		v &= 0xffffffffu;
	for (size_t i = 0; i < s->n_vals; i++)
		if (s->vals[i] == v)
			return;
	uint64_t *nv = realloc(s->vals, (s->n_vals + 1) * sizeof(*nv));
	if (!nv)
		abort();
	s->vals = nv;
	s->vals[s->n_vals++] = v;
}

static void answer(struct vj_seccomp_listener *l, int error, bool cont)
{
	struct seccomp_notif_resp *resp = l->resp;
	memset(resp, 0, l->sizes.seccomp_notif_resp);
	resp->id = l->req->id;
	resp->error = error ? -error : 0;
	resp->flags = cont ? SECCOMP_USER_NOTIF_FLAG_CONTINUE : 0;
	/* ENOENT: the task died or was killed meanwhile; nothing to answer. */
	(void)ioctl(l->watch.fd, SECCOMP_IOCTL_NOTIF_SEND, resp);
}

static int handle_one(struct vj_seccomp_listener *l)
{
	memset(l->req, 0, l->sizes.seccomp_notif);
	if (ioctl(l->watch.fd, SECCOMP_IOCTL_NOTIF_RECV, l->req) < 0)
		return errno == ENOENT || errno == EINTR ? 0 : -errno;
	const struct seccomp_data *d = &l->req->data;
	if (l->mode == VJ_SECCOMP_LEARN) {
		if (d->nr == SCMP_SYS(clone3)) {
			seen_get(l, d->nr)->enosys = true;
			answer(l, ENOSYS, false);
			return 0;
		}
		record(l, d);
		answer(l, 0, true);
		return 0;
	}
	/* debug: the policy denies this call. */
	if (ioctl(l->watch.fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &l->req->id) < 0)
		return 0; /* the task is gone: nothing to report */
	char *name = syscall_name(d->nr);
	if (!l->denied)
		l->denied = vj_xstrdup(name);
	if (l->on_denied)
		l->on_denied(l, name, (pid_t)l->req->pid, l->userdata);
	free(name);
	answer(l, EPERM, false);
	return 0;
}

int vj_seccomp_listener_dispatch(struct vj_seccomp_listener *l)
{
	for (;;) {
		struct pollfd p = { .fd = l->watch.fd, .events = POLLIN };
		int n = poll(&p, 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		if (p.revents & POLLIN) {
			int r = handle_one(l);
			if (r < 0)
				return r;
			continue;
		}
		if (p.revents & (POLLHUP | POLLERR | POLLNVAL))
			l->hup = true;
		return 0;
	}
}

static void watch_cb(struct vj_watch *w, uint32_t events)
{
	struct vj_seccomp_listener *l = w->data;
	(void)events;
	if (vj_seccomp_listener_dispatch(l) < 0 || l->hup) {
		l->hup = true;
		if (l->loop) {
			vj_loop_del(l->loop, &l->watch);
			l->loop = NULL;
		}
	}
}

int vj_seccomp_listener_start(struct vj_seccomp_listener *l, struct vj_loop *loop, struct vj_error *err)
{
	int r = vj_loop_add(loop, &l->watch, EPOLLIN);
	if (r < 0)
		return vj_error_set(err, r, "watching the seccomp listener");
	l->loop = loop;
	return 0;
}

/* ---- the learned policy --------------------------------------------------- */

static int cmp_seen(const void *a, const void *b)
{
	return strcmp(((const struct seen *)a)->name, ((const struct seen *)b)->name);
}

json_object *vj_seccomp_listener_policy_json(const struct vj_seccomp_listener *l)
{
	json_object *o = json_object_new_object();
	json_object *allow = json_object_new_array();
	json_object *enosys = json_object_new_array();
	_cleanup_free_ struct seen *sorted = vj_xcalloc(l->n_seen, sizeof(*sorted));
	if (l->n_seen)
		memcpy(sorted, l->seen, l->n_seen * sizeof(*sorted));
	qsort(sorted, l->n_seen, sizeof(*sorted), cmp_seen);
	vj_json_add_string(o, "description", "Learned by vmjail: exactly the system calls seen");
	vj_json_add_string(o, "default", "kill-process");
	for (size_t i = 0; i < l->n_seen; i++) {
		const struct seen *s = &sorted[i];
		if (s->enosys) {
			json_object_array_add(enosys, json_object_new_string(s->name));
			continue;
		}
		if (!s->has_arg || !s->n_vals) {
			json_object_array_add(allow, json_object_new_string(s->name));
			continue;
		}
		json_object *e = json_object_new_object();
		json_object *args = json_object_new_array();
		json_object *cond = json_object_new_object();
		json_object *vals = json_object_new_array();
		for (size_t j = 0; j < s->n_vals; j++) {
			char buf[512];
			vj_sc_value_format(s->kind, s->vals[j], buf, sizeof(buf));
			json_object_array_add(vals, json_object_new_string(buf));
		}
		vj_json_add_string(e, "name", s->name);
		vj_json_add_int(cond, "index", s->index);
		vj_json_add_string(cond, "op", "eq");
		vj_json_add(cond, "value", vals);
		json_object_array_add(args, cond);
		vj_json_add(e, "args", args);
		json_object_array_add(allow, e);
	}
	vj_json_add(o, "allow", allow);
	if (json_object_array_length(enosys)) {
		json_object *er = json_object_new_object();
		vj_json_add(er, "ENOSYS", enosys);
		vj_json_add(o, "errno", er);
	} else {
		json_object_put(enosys);
	}
	return o;
}

int vj_seccomp_listener_write_policy(const struct vj_seccomp_listener *l, const char *path, struct vj_error *err)
{
	_cleanup_json_ json_object *o = vj_seccomp_listener_policy_json(l);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return vj_error_set(err, errno, "%s", path);
	int r = vj_json_write(fd, o, true);
	if (r < 0)
		return vj_error_set(err, r, "%s", path);
	return 0;
}

/* ---- fork+exec launcher ---------------------------------------------------- */

struct run_state {
	struct vj_loop *loop;
	struct vj_watch pidw;
	pid_t pid;
	int pidfd;
	int status;
	bool exited;
	struct vj_seccomp_listener *l;
};

static void kill_target(struct vj_seccomp_listener *l, const char *name, pid_t pid, void *userdata)
{
	struct run_state *s = userdata;
	(void)l;
	(void)name;
	(void)pid;
	syscall(SYS_pidfd_send_signal, s->pidfd, SIGKILL, NULL, 0);
}

static void pid_cb(struct vj_watch *w, uint32_t events)
{
	struct run_state *s = w->data;
	(void)events;
	if (waitpid(s->pid, &s->status, WNOHANG) <= 0)
		return;
	s->exited = true;
	vj_loop_del(s->loop, w);
	/* The target is gone; answer what its threads left, then stop unless
	 * other users of the filter (a daemonized child) remain. */
	if (s->l)
		(void)vj_seccomp_listener_dispatch(s->l);
	vj_loop_quit(s->loop);
}

static _noreturn_ void child(struct vj_bpf *bpf, int sync_fd, char **argv)
{
	struct vj_error e = { 0 };
	int lfd = -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || vj_seccomp_load(bpf, &lfd, &e) < 0) {
		dprintf(STDERR_FILENO, "vmjail: %s\n", e.msg[0] ? e.msg : "no_new_privs failed");
		_exit(VJ_EXIT_FAILURE);
	}
	if (lfd >= 0 && vj_seccomp_send_listener(sync_fd, lfd) < 0)
		_exit(VJ_EXIT_FAILURE);
	execvp(argv[0], argv);
	_exit(errno == ENOENT ? VJ_EXIT_NOT_FOUND : VJ_EXIT_CANNOT_EXEC);
}

int vj_seccomp_run_direct(const struct vj_seccomp_plan *plan, char **argv, const char *learn_output,
			  char **denied, struct vj_error *err)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return vj_error_set(err, errno, "socketpair");
	_cleanup_close_ int parent_fd = sv[0], child_fd = sv[1];
	/* The child's end goes high: after execve the program may open that
	 * number again, and sendmsg/close on it pass the learn and debug
	 * filters unnotified (see seccomp.h). */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > 256) {
		int high = fcntl(child_fd, F_DUPFD_CLOEXEC, (int)(rl.rlim_cur > 4096 ? 4096 : rl.rlim_cur) - 64);
		if (high >= 0) {
			close(child_fd);
			child_fd = high;
		}
	}
	struct vj_bpf bpf = { 0 };
	int r = vj_seccomp_compile_plan(plan, child_fd, -1, &bpf, err);
	if (r < 0)
		return r;
	struct run_state s = { .pidfd = -1 };
	s.pid = fork();
	if (s.pid < 0) {
		vj_bpf_free(&bpf);
		return vj_error_set(err, errno, "fork");
	}
	if (s.pid == 0)
		child(&bpf, child_fd, argv);
	vj_bpf_free(&bpf);
	close(TAKE_FD(child_fd));

	s.pidfd = (int)syscall(SYS_pidfd_open, s.pid, 0);
	if (s.pidfd < 0) {
		r = vj_error_set(err, errno, "pidfd_open");
		kill(s.pid, SIGKILL);
		waitpid(s.pid, NULL, 0);
		return r;
	}
	if (vj_seccomp_plan_needs_listener(plan)) {
		int lfd;
		r = vj_seccomp_recv_listener(parent_fd, &lfd, err);
		if (r >= 0)
			r = vj_seccomp_listener_new(plan, lfd, &s.l, err);
		if (r < 0) {
			kill(s.pid, SIGKILL);
			waitpid(s.pid, NULL, 0);
			close(s.pidfd);
			return r;
		}
		vj_seccomp_listener_on_denied(s.l, kill_target, &s);
	}
	r = vj_loop_new(&s.loop, err);
	if (r >= 0 && s.l)
		r = vj_seccomp_listener_start(s.l, s.loop, err);
	if (r >= 0) {
		s.pidw = (struct vj_watch){ .fd = s.pidfd, .fn = pid_cb, .data = &s };
		r = vj_loop_add(s.loop, &s.pidw, EPOLLIN);
		if (r < 0)
			vj_error_set(err, r, "epoll");
	}
	/* Until the target has exited and, with a listener, no task uses the
	 * filter any more (a daemonized child keeps it). */
	while (r >= 0 && !(s.exited && (!s.l || s.l->hup))) {
		r = vj_loop_run(s.loop, 100);
		if (r == -ETIMEDOUT)
			r = 0;
		if (r < 0)
			vj_error_set(err, r, "supervising");
	}
	if (!s.exited) {
		kill(s.pid, SIGKILL);
		waitpid(s.pid, &s.status, 0);
	}
	if (r >= 0 && s.l && plan->mode == VJ_SECCOMP_LEARN && learn_output)
		r = vj_seccomp_listener_write_policy(s.l, learn_output, err);
	if (denied)
		*denied = s.l && vj_seccomp_listener_denied(s.l) ? vj_xstrdup(vj_seccomp_listener_denied(s.l)) : NULL;
	vj_seccomp_listener_free(s.l);
	vj_loop_free(s.loop);
	close(s.pidfd);
	return r < 0 ? r : s.status;
}
