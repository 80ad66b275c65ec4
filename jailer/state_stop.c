/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * state_stop.c - acting on a live jail from outside: finding its
 * supervisor safely, signalling it, a minimal QMP exchange, and
 * `vmjail stop` and `vmjail kill`.
 *
 * Theory of operation. A jail is acted on only through its supervisor,
 * and only once the supervisor is proved to be the one state.json names:
 *  1. the jail's lock must be held (a free lock means it is stale);
 *  2. pidfd_open(supervisor_pid), then /proc/PID/stat's start time
 *     (field 22) must equal the recorded supervisor_starttime. Checked
 *     after the pidfd exists, so a pid reused between the check and the
 *     signal cannot be hit: the pidfd pins the process that was checked.
 *     Without pidfds (old kernels) the check runs right before kill(2);
 *  3. signals go through the pidfd. The supervisor forwards TERM, INT,
 *     HUP, QUIT, USR1 and USR2 to the jail; SIGKILL ends the supervisor,
 *     whose death ends the jail (init has PR_SET_PDEATHSIG), after which
 *     the leftovers (cgroups, sockets, the directory) are removed as gc
 *     would, because a killed supervisor cleans nothing.
 * `stop` is graceful first: a target with a QMP socket gets
 * system_powerdown, then after half the timeout quit; any other target,
 * or one whose monitor refuses both, gets SIGTERM (forwarded). When the
 * timeout ends with the supervisor still alive, SIGKILL. The jail is gone
 * when the supervisor has exited (pidfd readable; polled otherwise).
 */
#include "state.h"
#include "state_int.h"
#include "jsonw.h"
#include "log.h"

#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>

/* ---- the supervisor ------------------------------------------------------- */

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

struct sup {
	pid_t pid;
	uint64_t starttime;
	int pidfd; /* -1: no pidfds on this kernel */
};

static void sup_close(struct sup *s)
{
	if (s->pidfd >= 0)
		close(s->pidfd);
	s->pidfd = -1;
}

/* VMJAIL_TEST_ENOSYS=...pidfd... (jailer/compat.h) runs the fallback. */
static bool no_pidfd(void)
{
	const char *e = getenv("VMJAIL_TEST_ENOSYS");
	return e && strstr(e, "pidfd");
}

/* Steps 1 and 2. */
static int sup_open(const struct vj_state_info *i, struct sup *s, struct vj_error *err)
{
	s->pidfd = -1;
	s->pid = i->supervisor_pid;
	s->starttime = i->supervisor_starttime;
	if (i->live != VJ_STATE_LIVE)
		return vj_error_setx(err, ESRCH,
				     "jail %s is not running (stale: its supervisor died; `vmjail gc` removes what it left)",
				     i->id);
	if (s->pid <= 0 || !s->starttime)
		return vj_error_setx(err, EAGAIN, "jail %s is still starting (no supervisor recorded yet)", i->id);
	long fd = no_pidfd() ? (errno = ENOSYS, -1) : syscall(SYS_pidfd_open, s->pid, 0);
	if (fd < 0 && errno != ENOSYS)
		return vj_error_setx(err, ESRCH, "jail %s: its supervisor (pid %d) is gone", i->id, (int)s->pid);
	s->pidfd = (int)fd;
	if (s->pidfd >= 0)
		fcntl(s->pidfd, F_SETFD, FD_CLOEXEC);
	if (!vj_state_pid_is(s->pid, s->starttime)) {
		sup_close(s);
		return vj_error_setx(err, ESRCH,
				     "jail %s: pid %d is not its supervisor any more (start time differs): not signalled",
				     i->id, (int)s->pid);
	}
	return 0;
}

static int sup_signal(struct sup *s, int sig)
{
	if (s->pidfd >= 0) {
		if (syscall(SYS_pidfd_send_signal, s->pidfd, sig, NULL, 0) < 0)
			return -errno;
		return 0;
	}
	if (!vj_state_pid_is(s->pid, s->starttime))
		return -ESRCH;
	return kill(s->pid, sig) < 0 ? -errno : 0;
}

/* Wait until the supervisor has exited or the deadline (monotonic ms)
 * passes. True when it is gone. */
static bool sup_wait(struct sup *s, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - vj_now_ms();
		if (s->pidfd >= 0) {
			struct pollfd p = { .fd = s->pidfd, .events = POLLIN };
			int r = poll(&p, 1, left > 0 ? (int)left : 0);
			if (r > 0)
				return true;
			if (r < 0 && errno == EINTR)
				continue;
			if (r == 0)
				return false;
		}
		if (!vj_state_pid_is(s->pid, s->starttime))
			return true;
		if (left <= 0)
			return false;
		vj_state_nap_ms(left < 10 ? (int)left : 10);
	}
}

/* ---- QMP ------------------------------------------------------------------- */

/* Read until one whole message (a line) is in buf; returns it parsed. */
static json_object *qmp_next(int fd, char *buf, size_t size, size_t *len, int64_t deadline)
{
	for (;;) {
		char *nl = memchr(buf, '\n', *len);
		if (nl) {
			*nl = '\0';
			json_object *o = json_tokener_parse(buf);
			size_t used = (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, *len - used);
			*len -= used;
			if (o && json_object_is_type(o, json_type_object))
				return o;
			if (o)
				json_object_put(o);
			continue;
		}
		if (*len == size - 1)
			*len = 0; /* a message too long for us: dropped */
		int64_t left = deadline - vj_now_ms();
		if (left <= 0) {
			errno = ETIMEDOUT;
			return NULL;
		}
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			errno = r == 0 ? ETIMEDOUT : errno;
			return NULL;
		}
		ssize_t n = read(fd, buf + *len, size - 1 - *len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			errno = n == 0 ? ECONNRESET : errno;
			return NULL;
		}
		*len += (size_t)n;
		buf[*len] = '\0';
	}
}

static int qmp_send(int fd, const char *execute, json_object *args, const char *id)
{
	_cleanup_json_ json_object *m = json_object_new_object();
	vj_json_add_string(m, "execute", execute);
	if (args)
		vj_json_add(m, "arguments", json_object_get(args));
	vj_json_add_string(m, "id", id);
	return vj_json_write_line(fd, m);
}

/* Wait for the reply carrying id; events and other replies are skipped. */
static int qmp_reply(int fd, char *buf, size_t size, size_t *len, const char *id, int64_t deadline,
		     json_object **ret, const char *path, struct vj_error *err)
{
	for (;;) {
		_cleanup_json_ json_object *m = qmp_next(fd, buf, size, len, deadline);
		if (!m)
			return vj_error_set(err, errno, "%s", path);
		json_object *v, *mid;
		if (!json_object_object_get_ex(m, "id", &mid) || !vj_streq(json_object_get_string(mid), id))
			continue;
		if (json_object_object_get_ex(m, "return", &v)) {
			if (ret)
				*ret = json_object_get(v);
			return 0;
		}
		if (json_object_object_get_ex(m, "error", &v)) {
			json_object *d;
			const char *desc = json_object_object_get_ex(v, "desc", &d) ? json_object_get_string(d) : "error";
			return vj_error_setx(err, EPROTO, "%s: %s", path, desc);
		}
	}
}

int vj_state_qmp_exec(const char *path, const char *execute, json_object *args, int timeout_ms,
		      json_object **reply, struct vj_error *err)
{
	if (reply)
		*reply = NULL;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (!path || strlen(path) >= sizeof(sa.sun_path))
		return vj_error_setx(err, ENAMETOOLONG, "%s: not a usable socket path", path ? path : "(none)");
	strcpy(sa.sun_path, path);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return vj_error_set(err, errno, "socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return vj_error_set(err, errno, "%s", path);
	int64_t deadline = vj_now_ms() + timeout_ms;
	_cleanup_free_ char *buf = malloc(65536);
	if (!buf)
		return vj_error_set(err, ENOMEM, "qmp");
	size_t len = 0;
	_cleanup_json_ json_object *greeting = qmp_next(fd, buf, 65536, &len, deadline);
	if (!greeting || !json_object_object_get_ex(greeting, "QMP", NULL))
		return vj_error_setx(err, EPROTO, "%s: no QMP greeting", path);
	/* Writes are small: the socket buffer takes them whole. */
	int r = qmp_send(fd, "qmp_capabilities", NULL, "vmjail-state-1");
	if (r < 0)
		return vj_error_set(err, r, "%s", path);
	r = qmp_reply(fd, buf, 65536, &len, "vmjail-state-1", deadline, NULL, path, err);
	if (r < 0)
		return r;
	r = qmp_send(fd, execute, args, "vmjail-state-2");
	if (r < 0)
		return vj_error_set(err, r, "%s", path);
	return qmp_reply(fd, buf, 65536, &len, "vmjail-state-2", deadline, reply, path, err);
}

/* ---- commands -------------------------------------------------------------- */

/* Try execute on each recorded socket until one accepts it. */
static int qmp_any(const struct vj_state_info *i, const char *execute, int timeout_ms, struct vj_error *err)
{
	json_object *qmp, *socks;
	int r = vj_error_setx(err, ENOENT, "no QMP socket");
	if (!i->doc || !json_object_object_get_ex(i->doc, "qmp", &qmp) ||
	    !json_object_object_get_ex(qmp, "sockets", &socks) || !json_object_is_type(socks, json_type_array))
		return r;
	for (size_t k = 0; k < json_object_array_length(socks); k++) {
		json_object *p;
		if (!json_object_object_get_ex(json_object_array_get_idx(socks, k), "path", &p))
			continue;
		vj_error_clear(err);
		r = vj_state_qmp_exec(json_object_get_string(p), execute, NULL, timeout_ms, NULL, err);
		if (r == 0)
			return 0;
	}
	return r;
}

/* The state root and one jail's info, for commands taking an ID. */
static int load_one(const char *state_dir, const char *id, int *rootfd, struct vj_state_info *info,
		    struct vj_error *err)
{
	*rootfd = -1;
	int r = vj_state_id_check(id, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *root = vj_state_root(state_dir);
	if (!root)
		return vj_error_set(err, ENOMEM, "state");
	r = vj_state_root_open(root, false, err);
	if (r == -ENOENT)
		return vj_error_setx(err, ENOENT, "no jail %s (no state directory %s)", id, root);
	if (r < 0)
		return r;
	*rootfd = r;
	return vj_state_info_load(*rootfd, id, info, err);
}

/* After the supervisor died by SIGKILL: remove what it left. */
static void cleanup_after_kill(int rootfd, const char *id)
{
	struct vj_error err = { 0 };
	_cleanup_strv_ char **notices = NULL;
	int r = 0;
	/* The lock is free once the supervisor's last fd copy is closed. */
	int64_t deadline = vj_now_ms() + 5000;
	while ((r = vj_state_gc_one(rootfd, id, &notices, &err)) == 0 && vj_now_ms() < deadline)
		vj_state_nap_ms(10);
	for (size_t k = 0; notices && notices[k]; k++)
		vj_notice("%s", notices[k]);
	if (r < 0 && r != -ENOENT)
		vj_log_error(&err);
	else if (r == 0)
		vj_warn("jail %s: its lock is still held after its supervisor died; `vmjail gc` later", id);
}

/* A starting jail's supervisor may not yet forward signals (nor own its
 * target): wait, until deadline, for it to run. 0: running (or exited,
 * cleaning up); 1: it is gone; 2: it died (stale); -ETIMEDOUT: still
 * starting. info is reloaded. */
static int await_running(int rootfd, struct vj_state_info *info, int64_t deadline)
{
	char id[VJ_STATE_ID_MAX + 1];
	snprintf(id, sizeof(id), "%s", info->id);
	for (;;) {
		if (info->live == VJ_STATE_STALE)
			return 2;
		if (!vj_streq(info->status, "starting"))
			return 0;
		if (vj_now_ms() >= deadline)
			return -ETIMEDOUT;
		vj_state_nap_ms(10);
		struct vj_error err = { 0 };
		vj_state_info_free(info);
		if (vj_state_info_load(rootfd, id, info, &err) < 0)
			return 1;
	}
}

int vj_cmd_stop(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "state-dir", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *state_dir = NULL;
	double timeout = 10;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+t:h", opts, NULL)) != -1) {
		switch (c) {
		case 't': {
			char *end;
			errno = 0;
			timeout = strtod(optarg, &end);
			if (errno || end == optarg || *end || !isfinite(timeout) || timeout < 0 || timeout > 86400) {
				vj_error("--timeout %s: expected seconds (0 to 86400)", optarg);
				return VJ_EXIT_FAILURE;
			}
			break;
		}
		case 'D': state_dir = optarg; break;
		case 'h':
			printf("usage: vmjail stop [--timeout SECONDS] [--state-dir DIR] ID\n"
			       "  Stop a jail: system_powerdown then quit over QMP, or SIGTERM; SIGKILL after\n"
			       "  the timeout (default 10 s). Waits until the jail is gone.\n"
			       "  Exit 0: stopped; 1: no such jail, not running, or not stopped; 2: stopped\n"
			       "  only by SIGKILL.\n");
			return 0;
		default: return VJ_EXIT_FAILURE;
		}
	}
	if (optind != argc - 1) {
		vj_error("stop: expected one jail ID (vmjail stop [--timeout S] ID)");
		return VJ_EXIT_FAILURE;
	}
	const char *id = argv[optind];
	struct vj_error err = { 0 };
	struct vj_state_info info = { 0 };
	_cleanup_close_ int rootfd = -1;
	if (load_one(state_dir, id, &rootfd, &info, &err) < 0) {
		vj_error("stop: %s", err.msg);
		vj_state_info_free(&info);
		return err.code == EINVAL ? VJ_EXIT_FAILURE : 1;
	}
	int64_t start = vj_now_ms(), total = (int64_t)(timeout * 1000);
	int64_t deadline = start + total;
	bool was_live = info.live == VJ_STATE_LIVE;
	int w = await_running(rootfd, &info, deadline);
	if (w == 1 || (w == 2 && was_live)) {
		/* It ended on its own while starting. */
		if (w == 2)
			cleanup_after_kill(rootfd, id);
		vj_info("stop: jail %s ended while starting", id);
		vj_state_info_free(&info);
		return 0;
	}
	struct sup s;
	if (sup_open(&info, &s, &err) < 0) {
		vj_error("stop: %s", err.msg);
		vj_state_info_free(&info);
		return 1;
	}
	if (w < 0) {
		vj_warn("stop: jail %s was still starting after %g s: SIGKILL to its supervisor (pid %d)", id,
			timeout, (int)s.pid);
		total = 0; /* no graceful step left */
	}

	bool gone = false, need_term = total > 0;
	if (total > 0 && info.qmp_socket && vj_streq(info.status, "running")) {
		int per = total / 4 > 2000 ? 2000 : (int)(total / 4) + 100;
		if (qmp_any(&info, "system_powerdown", per, &err) == 0) {
			vj_info("stop: jail %s: system_powerdown sent", id);
			gone = sup_wait(&s, start + total / 2);
		} else {
			vj_info("stop: jail %s: system_powerdown: %s", id, err.msg);
		}
		if (!gone && qmp_any(&info, "quit", per, &err) == 0) {
			vj_info("stop: jail %s: quit sent", id);
			need_term = false;
		} else if (!gone) {
			vj_info("stop: jail %s: quit: %s", id, err.msg);
		}
	}
	if (!gone && need_term) {
		int r = sup_signal(&s, SIGTERM);
		if (r < 0 && r != -ESRCH) {
			vj_error("stop: jail %s: SIGTERM to its supervisor (pid %d): %s", id, (int)s.pid, strerror(-r));
			sup_close(&s);
			vj_state_info_free(&info);
			return 1;
		}
	}
	if (!gone && total > 0)
		gone = sup_wait(&s, deadline);
	int code = 0;
	if (!gone) {
		if (total > 0)
			vj_warn("stop: jail %s did not stop within %g s: SIGKILL to its supervisor (pid %d)", id,
				timeout, (int)s.pid);
		int r = sup_signal(&s, SIGKILL);
		if (r < 0 && r != -ESRCH) {
			vj_error("stop: jail %s: SIGKILL to its supervisor (pid %d): %s", id, (int)s.pid, strerror(-r));
			code = 1;
		} else if (!sup_wait(&s, vj_now_ms() + 10000)) {
			vj_error("stop: jail %s: its supervisor (pid %d) survived SIGKILL for 10 s", id, (int)s.pid);
			code = 1;
		} else {
			cleanup_after_kill(rootfd, id);
			code = 2;
		}
	}
	sup_close(&s);
	vj_state_info_free(&info);
	return code;
}

static const struct {
	const char *name;
	int sig;
} kill_signals[] = {
	{ "TERM", SIGTERM }, { "INT", SIGINT },	  { "HUP", SIGHUP }, { "QUIT", SIGQUIT },
	{ "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "KILL", SIGKILL },
};

static int parse_signal(const char *s)
{
	const char *name = vj_startswith(s, "SIG") ? s + 3 : s;
	for (size_t k = 0; k < ARRAY_SIZE(kill_signals); k++)
		if (strcasecmp(name, kill_signals[k].name) == 0)
			return kill_signals[k].sig;
	uint64_t n;
	if (vj_parse_u64(s, &n) == 0)
		for (size_t k = 0; k < ARRAY_SIZE(kill_signals); k++)
			if ((uint64_t)kill_signals[k].sig == n)
				return kill_signals[k].sig;
	return -1;
}

int vj_cmd_kill(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state-dir", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *state_dir = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'D': state_dir = optarg; break;
		case 'h':
			printf("usage: vmjail kill [--state-dir DIR] ID [SIGNAL]\n"
			       "  Send SIGNAL (default TERM) to the jail through its supervisor: TERM, INT,\n"
			       "  HUP, QUIT, USR1, USR2 are forwarded to PROGRAM; KILL ends the supervisor\n"
			       "  and the whole jail, and removes what it left.\n");
			return 0;
		default: return VJ_EXIT_FAILURE;
		}
	}
	if (optind != argc - 1 && optind != argc - 2) {
		vj_error("kill: expected a jail ID and an optional SIGNAL (vmjail kill ID [SIGNAL])");
		return VJ_EXIT_FAILURE;
	}
	const char *id = argv[optind];
	int sig = SIGTERM;
	if (optind == argc - 2 && (sig = parse_signal(argv[optind + 1])) < 0) {
		vj_error("kill: %s: not a signal vmjail sends (TERM, INT, HUP, QUIT, USR1, USR2, KILL)",
			 argv[optind + 1]);
		return VJ_EXIT_FAILURE;
	}
	struct vj_error err = { 0 };
	struct vj_state_info info = { 0 };
	_cleanup_close_ int rootfd = -1;
	if (load_one(state_dir, id, &rootfd, &info, &err) < 0) {
		vj_error("kill: %s", err.msg);
		vj_state_info_free(&info);
		return err.code == EINVAL ? VJ_EXIT_FAILURE : 1;
	}
	/* Forwarded signals are for PROGRAM: wait (10 s at most) for it. */
	if (sig != SIGKILL && await_running(rootfd, &info, vj_now_ms() + 10000) == 1) {
		vj_error("kill: jail %s ended while starting", id);
		vj_state_info_free(&info);
		return 1;
	}
	struct sup s;
	int code = 0;
	if (sup_open(&info, &s, &err) < 0) {
		vj_error("kill: %s", err.msg);
		vj_state_info_free(&info);
		return 1;
	}
	int r = sup_signal(&s, sig);
	if (r < 0) {
		vj_error("kill: jail %s: signal %d to its supervisor (pid %d): %s", id, sig, (int)s.pid, strerror(-r));
		code = 1;
	} else if (sig == SIGKILL) {
		if (sup_wait(&s, vj_now_ms() + 10000))
			cleanup_after_kill(rootfd, id);
		else {
			vj_error("kill: jail %s: its supervisor (pid %d) survived SIGKILL for 10 s", id, (int)s.pid);
			code = 1;
		}
	}
	sup_close(&s);
	vj_state_info_free(&info);
	return code;
}
