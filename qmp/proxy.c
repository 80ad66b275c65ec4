/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * proxy.c - the QMP proxy's sockets and lifecycle: listening sockets,
 * clients, the target's end of the monitor socketpair, buffers.
 *
 * Theory of operation:
 *  1. vj_qmp_proxy_new (host side, before clone): create each listening
 *     socket (a stale socket file is replaced only when connect() to it is
 *     refused; the file is created with the plan's mode through the umask,
 *     then chowned) and the monitor socketpair; the jail's end goes to the
 *     runtime.
 *  2. vj_qmp_proxy_start: watch the listeners and the target's end on the
 *     supervisor's loop. The proxy reads QEMU's greeting, greets the
 *     clients that connected meanwhile, negotiates once (with oob when
 *     offered), then serves them; its query-commands check of the
 *     policy's names goes up behind the first client command (session.c,
 *     on_greeting; with schema_check "error", before any client is
 *     greeted).
 *  3. Serving (session.c says what the messages mean): every socket is
 *     non-blocking; reads go through one shared 64 KiB buffer into the
 *     framers, whose buffers exist only while a message is incomplete;
 *     output is written at once and only the rest is buffered, per client,
 *     bounded (client_buffer, or one message whatever its size): a client
 *     that does not read is disconnected, never waited for. A client with
 *     VJ_QMP_MAX_QUEUED commands waiting is not read until one has run.
 *  4. vj_qmp_proxy_target_exited: read what the target wrote last (the
 *     final events), pass it on, give clients a short while to take their
 *     output, close them and the listeners. vj_qmp_proxy_free unlinks the
 *     socket files (only if they are still the ones we created).
 *
 * Clients killed inside a callback are unlinked at once but freed only
 * when the outermost callback returns, so no caller holds a dangling
 * pointer.
 */
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>

#include "jsonw.h"
#include "log.h"
#include "proxy-int.h"

void vj_qmp_log(struct vj_qmp_proxy *px, int level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	if (!px->hooks.log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	px->hooks.log(px->hooks.opaque, level, msg);
}

void vj_qmp_cmd_free(struct vj_qmp_cmd *cmd)
{
	if (!cmd)
		return;
	if (cmd->fd >= 0)
		close(cmd->fd);
	free(cmd->text);
	free(cmd);
}

/* ---- listening sockets ---- */

static int check_stale(const char *path, struct vj_error *err)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return vj_error_set(err, errno, "%s", path);
	}
	if (!S_ISSOCK(st.st_mode))
		return vj_error_setx(err, EEXIST, "%s: exists and is not a socket", path);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return vj_error_set(err, errno, "socket");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	strncpy(sa.sun_path, path, sizeof(sa.sun_path) - 1);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return vj_error_setx(err, EADDRINUSE, "%s: in use (a process is listening on it)", path);
	if (errno != ECONNREFUSED)
		return vj_error_set(err, errno, "%s: probing the existing socket", path);
	/* Nobody listens: a leftover from a run that crashed. */
	if (unlink(path) < 0 && errno != ENOENT)
		return vj_error_set(err, errno, "%s: removing the stale socket", path);
	return 0;
}

static int listener_open(struct vj_qmp_listener *l, struct vj_error *err)
{
	const struct vj_qmp_socket_plan *sp = l->sp;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int r;
	if (strlen(sp->path) >= sizeof(sa.sun_path))
		return vj_error_setx(err, ENAMETOOLONG, "%s: socket path too long", sp->path);
	strcpy(sa.sun_path, sp->path);
	if ((r = check_stale(sp->path, err)) < 0)
		return r;
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return vj_error_set(err, errno, "socket");
	/* The node gets 0777 & ~umask: so it never exists with more than
	 * the plan's bits. The supervisor is single-threaded here. */
	mode_t old = umask(0777 & ~sp->mode);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0)
		return vj_error_set(err, errno, "%s: bind", sp->path);
	l->created = true;
	if (lstat(sp->path, &st) < 0)
		return vj_error_set(err, errno, "%s", sp->path);
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	if ((sp->uid != (uid_t)-1 || sp->gid != (gid_t)-1) &&
	    fchownat(AT_FDCWD, sp->path, sp->uid, sp->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return vj_error_set(err, errno, "%s: chown %d:%d", sp->path, (int)sp->uid, (int)sp->gid);
	if (listen(fd, 128) < 0)
		return vj_error_set(err, errno, "%s: listen", sp->path);
	l->w.fd = TAKE_FD(fd);
	return 0;
}

static void listener_close(struct vj_qmp_proxy *px, struct vj_qmp_listener *l)
{
	if (l->w.fd < 0)
		return;
	if (px->loop)
		vj_loop_del(px->loop, &l->w);
	close(l->w.fd);
	l->w.fd = -1;
}

static void listener_unlink(struct vj_qmp_listener *l)
{
	struct stat st;
	if (l->created && lstat(l->sp->path, &st) == 0 && st.st_dev == l->dev && st.st_ino == l->ino)
		unlink(l->sp->path);
	l->created = false;
}

/* ---- reaping ---- */

static void enter(struct vj_qmp_proxy *px)
{
	px->depth++;
}

static void leave(struct vj_qmp_proxy *px)
{
	if (--px->depth > 0)
		return;
	while (px->dead) {
		struct vj_qmp_client *c = px->dead;
		px->dead = c->next;
		free(c);
	}
	if (px->trim) {
		/* After a large message (the target's schema, a filtered
		 * introspection reply): its parse tree and buffers are free
		 * but would stay resident in the heap. */
		px->trim = false;
		malloc_trim(0);
	}
}

/* ---- clients ---- */

void vj_qmp_client_update(struct vj_qmp_client *c)
{
	struct vj_qmp_proxy *px = c->px;
	uint32_t ev = 0;
	if (c->dead)
		return;
	if (c->greeted && !c->eof && c->n_queued < VJ_QMP_MAX_QUEUED && px->state == VJ_QMP_TARGET_READY)
		ev |= EPOLLIN;
	if (c->out.len > c->out.off)
		ev |= EPOLLOUT;
	if (c->eof && !c->n_queued && !c->n_inflight && !(ev & EPOLLOUT)) {
		vj_qmp_client_kill(c, -1, NULL);
		return;
	}
	if (ev != c->events && px->loop) {
		vj_loop_mod(px->loop, &c->w, ev);
		c->events = ev;
	}
}

void vj_qmp_client_kill(struct vj_qmp_client *c, int level, const char *why)
{
	struct vj_qmp_proxy *px = c->px;
	if (c->dead)
		return;
	c->dead = true;
	if (why && level >= 0)
		vj_qmp_log(px, level, "QMP client %u on %s: %s; disconnected", c->id, c->l->sp->path, why);
	if (px->loop)
		vj_loop_del(px->loop, &c->w);
	close(c->w.fd);
	c->w.fd = -1;
	for (size_t i = 0; i < c->n_fds; i++)
		close(c->fds[i]);
	c->n_fds = 0;
	vj_qmp_framer_reset(&c->fr);
	free(c->out.data);
	memset(&c->out, 0, sizeof(c->out));
	while (c->q) {
		struct vj_qmp_cmd *cmd = c->q;
		c->q = cmd->next;
		vj_qmp_route_drop(&px->router, cmd->rec);
		vj_qmp_cmd_free(cmd);
	}
	c->n_queued = 0;
	vj_qmp_router_forget(&px->router, c);
	vj_qmp_client_gone(c); /* releases its fd names upstream */
	vj_strv_free(c->fdnames);
	c->fdnames = NULL;
	for (struct vj_qmp_client **pp = &px->clients; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	if (px->rr == c)
		px->rr = NULL;
	px->n_clients--;
	c->next = px->dead;
	px->dead = c;
	if (px->depth == 0) {
		enter(px);
		leave(px);
	}
}

static void client_flush(struct vj_qmp_client *c)
{
	struct vj_qmp_obuf *o = &c->out;
	while (o->off < o->len) {
		ssize_t n = send(c->w.fd, o->data + o->off, o->len - o->off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			vj_qmp_client_kill(c, -1, NULL);
			return;
		}
		o->off += (size_t)n;
	}
	if (o->off == o->len) {
		/* Drained: an idle client keeps no buffer. */
		if (o->cap >= VJ_QMP_TRIM_AFTER)
			c->px->trim = true;
		free(o->data);
		memset(o, 0, sizeof(*o));
	}
	vj_qmp_client_update(c);
}

void vj_qmp_client_send(struct vj_qmp_client *c, const char *s, size_t len)
{
	struct vj_qmp_obuf *o = &c->out;
	if (c->dead)
		return;
	if (o->off == o->len) {
		/* Nothing queued: try the socket first. */
		for (;;) {
			ssize_t n = send(c->w.fd, s, len, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno != EAGAIN) {
				vj_qmp_client_kill(c, -1, NULL);
				return;
			}
			if (n > 0) {
				s += n;
				len -= (size_t)n;
			}
			break;
		}
		if (!len)
			return;
	} else if (o->len - o->off + len > c->px->cfg->client_buffer) {
		/* Bounded: one message of any size, or client_buffer bytes. */
		vj_qmp_client_kill(c, VJ_LOG_WARNING, "it does not read its replies (output buffer full)");
		return;
	}
	if (o->off && o->len + len > o->cap) {
		memmove(o->data, o->data + o->off, o->len - o->off);
		o->len -= o->off;
		o->off = 0;
	}
	if (o->len + len > o->cap) {
		size_t cap = o->cap ? o->cap : 4096;
		while (cap < o->len + len)
			cap *= 2;
		char *d = realloc(o->data, cap);
		if (!d) {
			vj_qmp_client_kill(c, VJ_LOG_ERROR, "out of memory");
			return;
		}
		o->data = d;
		o->cap = cap;
	}
	memcpy(o->data + o->len, s, len);
	o->len += len;
	vj_qmp_client_update(c);
}

void vj_qmp_client_send_json(struct vj_qmp_client *c, json_object *o)
{
	size_t len;
	const char *s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
							      JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	/* json-c's buffer has room to spare? not promised: copy to add CRLF. */
	char stack[4096];
	if (len + 2 <= sizeof(stack)) {
		memcpy(stack, s, len);
		memcpy(stack + len, "\r\n", 2);
		vj_qmp_client_send(c, stack, len + 2);
		return;
	}
	char *b = malloc(len + 2);
	if (!b) {
		vj_qmp_client_kill(c, VJ_LOG_ERROR, "out of memory");
		return;
	}
	memcpy(b, s, len);
	memcpy(b + len, "\r\n", 2);
	vj_qmp_client_send(c, b, len + 2);
	free(b);
}

/* Clients are greeted once the proxy is ready, or as soon as the target's
 * greeting is in where the schema check cannot end the jail (session.c,
 * on_greeting); they are read only once it is ready. */
static bool may_greet(const struct vj_qmp_proxy *px)
{
	return px->state == VJ_QMP_TARGET_READY ||
	       (px->state == VJ_QMP_TARGET_STARTING && px->greeting && px->cfg->schema_check != VJ_QMP_CHECK_ERROR);
}

static void greet(struct vj_qmp_client *c)
{
	if (c->greeted || c->dead || !may_greet(c->px))
		return;
	c->greeted = true;
	vj_qmp_client_send(c, c->px->greeting, c->px->greeting_len);
	vj_qmp_client_update(c);
}

void vj_qmp_greet_all(struct vj_qmp_proxy *px)
{
	for (struct vj_qmp_client *c = px->clients, *next; c; c = next) {
		next = c->next;
		greet(c);
	}
}

static void client_read(struct vj_qmp_client *c)
{
	struct vj_qmp_proxy *px = c->px;
	union {
		char buf[CMSG_SPACE(sizeof(int) * VJ_QMP_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = px->rbuf, .iov_len = VJ_QMP_READ_CHUNK };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	ssize_t n = recvmsg(c->w.fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			vj_qmp_client_kill(c, -1, NULL);
		return;
	}
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int *fds = (int *)CMSG_DATA(cm);
		for (size_t i = 0; i < k; i++) {
			if (c->n_fds == VJ_QMP_MAX_FDS) {
				/* Too many unused: drop the oldest. */
				close(c->fds[0]);
				memmove(c->fds, c->fds + 1, sizeof(int) * (VJ_QMP_MAX_FDS - 1));
				c->n_fds--;
			}
			c->fds[c->n_fds++] = fds[i];
		}
	}
	if (mh.msg_flags & MSG_CTRUNC)
		vj_qmp_log(px, VJ_LOG_WARNING, "QMP client %u: too many file descriptors in one message; "
			   "some were dropped", c->id);
	if (n == 0) {
		/* Half-closed: answer what it sent, then close. */
		c->eof = true;
		vj_qmp_client_update(c);
		return;
	}
	vj_qmp_framer_feed(&c->fr, px->rbuf, (size_t)n, vj_qmp_client_frame, c);
	vj_qmp_client_update(c);
}

static void on_client(struct vj_watch *w, uint32_t events)
{
	struct vj_qmp_client *c = w->data;
	struct vj_qmp_proxy *px = c->px;
	enter(px);
	if (events & EPOLLOUT)
		client_flush(c);
	if (!c->dead && (events & EPOLLIN))
		client_read(c);
	else if (!c->dead && (events & (EPOLLHUP | EPOLLERR)))
		vj_qmp_client_kill(c, -1, NULL);
	leave(px);
}

static void on_accept(struct vj_watch *w, uint32_t events)
{
	struct vj_qmp_listener *l = w->data;
	struct vj_qmp_proxy *px = l->px;
	enter(px);
	for (int i = 0; i < 16; i++) {
		int fd = accept4(l->w.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			break;
		if (px->n_clients >= VJ_QMP_MAX_CLIENTS || px->state >= VJ_QMP_TARGET_CLOSED) {
			close(fd);
			continue;
		}
		struct vj_qmp_client *c = vj_xcalloc(1, sizeof(*c));
		c->px = px;
		c->l = l;
		c->id = ++px->next_client;
		c->w.fd = fd;
		c->w.fn = on_client;
		c->w.data = c;
		c->q_tail = &c->q;
		vj_qmp_framer_init(&c->fr, px->cfg->max_client_message);
		if (vj_loop_add(px->loop, &c->w, 0) < 0) {
			close(fd);
			free(c);
			continue;
		}
		c->next = px->clients;
		px->clients = c;
		px->n_clients++;
		greet(c);
	}
	leave(px);
}

/* ---- upstream ---- */

static void up_update(struct vj_qmp_proxy *px)
{
	uint32_t ev = EPOLLIN | (px->up_out ? EPOLLOUT : 0);
	if (px->up.fd >= 0 && px->loop && ev != px->up_events) {
		vj_loop_mod(px->loop, &px->up, ev);
		px->up_events = ev;
	}
}

static void up_flush(struct vj_qmp_proxy *px)
{
	while (px->up_out && px->up.fd >= 0) {
		struct vj_qmp_cmd *cmd = px->up_out;
		union vj_cmsg_fd ctl;
		struct iovec iov = { .iov_base = cmd->text + cmd->off, .iov_len = cmd->len - cmd->off };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		if (cmd->fd >= 0 && cmd->off == 0)
			vj_cmsg_attach_fd(&mh, &ctl, cmd->fd);
		ssize_t n = sendmsg(px->up.fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			/* EPIPE and friends: the read side will see the end. */
			break;
		}
		if (cmd->fd >= 0) {
			close(cmd->fd); /* the target has its copy */
			cmd->fd = -1;
		}
		cmd->off += (size_t)n;
		if (cmd->off < cmd->len)
			continue;
		px->up_out = cmd->next;
		if (!px->up_out)
			px->up_out_tail = &px->up_out;
		cmd->rec->sent = true;
		vj_qmp_cmd_free(cmd);
	}
	up_update(px);
}

void vj_qmp_upstream_write(struct vj_qmp_proxy *px, struct vj_qmp_cmd *cmd)
{
	cmd->next = NULL;
	*px->up_out_tail = cmd;
	px->up_out_tail = &cmd->next;
	if (px->up_out == cmd)
		up_flush(px);
}

static void shutdown_clients(struct vj_qmp_proxy *px)
{
	for (size_t i = 0; i < px->n_ls; i++)
		listener_close(px, &px->ls[i]);
	/* A short while for the final events to leave; then close. */
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd pfd[64];
		nfds_t n = 0;
		for (struct vj_qmp_client *c = px->clients; c && n < ARRAY_SIZE(pfd); c = c->next)
			if (c->out.len > c->out.off)
				pfd[n++] = (struct pollfd){ .fd = c->w.fd, .events = POLLOUT };
		struct timespec t;
		clock_gettime(CLOCK_MONOTONIC, &t);
		long left = 200 - ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (!n || left <= 0 || poll(pfd, n, (int)left) <= 0)
			break;
		for (struct vj_qmp_client *c = px->clients, *next; c; c = next) {
			next = c->next;
			if (c->out.len > c->out.off)
				client_flush(c);
		}
	}
	while (px->clients)
		vj_qmp_client_kill(px->clients, -1, NULL);
}

static void up_close(struct vj_qmp_proxy *px)
{
	if (px->up.fd < 0)
		return;
	if (px->loop)
		vj_loop_del(px->loop, &px->up);
	close(px->up.fd);
	px->up.fd = -1;
	while (px->up_out) {
		struct vj_qmp_cmd *cmd = px->up_out;
		px->up_out = cmd->next;
		vj_qmp_cmd_free(cmd);
	}
	px->up_out_tail = &px->up_out;
	px->upq_n = 0;
	vj_qmp_framer_reset(&px->up_fr);
}

void vj_qmp_target_fail(struct vj_qmp_proxy *px, bool fatal, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	if (px->state >= VJ_QMP_TARGET_CLOSED)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	px->state = fatal ? VJ_QMP_TARGET_FAILED : VJ_QMP_TARGET_CLOSED;
	up_close(px);
	shutdown_clients(px);
	if (px->hooks.target_down)
		px->hooks.target_down(px->hooks.opaque, fatal, msg);
}

/* Read once; returns bytes read, 0 at EOF, -EAGAIN or -errno. */
static ssize_t up_read(struct vj_qmp_proxy *px)
{
	ssize_t n = read(px->up.fd, px->rbuf, VJ_QMP_READ_CHUNK);
	if (n < 0)
		return -errno;
	if (n == 0) {
		vj_qmp_target_fail(px, false, "the target closed its QMP monitor");
		return 0;
	}
	vj_qmp_framer_feed(&px->up_fr, px->rbuf, (size_t)n, vj_qmp_upstream_frame, px);
	return n;
}

static void on_upstream(struct vj_watch *w, uint32_t events)
{
	struct vj_qmp_proxy *px = w->data;
	enter(px);
	if (events & EPOLLOUT)
		up_flush(px);
	if (px->up.fd >= 0 && (events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
		ssize_t n = up_read(px);
		if (n < 0 && n != -EAGAIN && n != -EINTR)
			vj_qmp_target_fail(px, false, "reading the target's QMP monitor: %s", strerror((int)-n));
	}
	leave(px);
}

/* ---- the deferred schema check's timer ---- */

static void on_schema_timer(struct vj_watch *w, uint32_t events)
{
	struct vj_qmp_proxy *px = w->data;
	enter(px);
	vj_qmp_schema_now(px);
	leave(px);
}

void vj_qmp_schema_timer(struct vj_qmp_proxy *px, unsigned delay_ms)
{
	struct vj_watch *w = &px->schema_timer;
	if (!delay_ms) {
		if (w->fd >= 0) {
			if (px->loop)
				vj_loop_del(px->loop, w);
			close(w->fd);
			w->fd = -1;
		}
		return;
	}
	if (w->fd < 0 && px->loop) {
		w->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		w->fn = on_schema_timer;
		w->data = px;
		if (w->fd >= 0 && vj_loop_add(px->loop, w, EPOLLIN) < 0) {
			close(w->fd);
			w->fd = -1;
		}
	}
	struct itimerspec its = { .it_value = { delay_ms / 1000, (long)(delay_ms % 1000) * 1000000L } };
	if (w->fd < 0 || timerfd_settime(w->fd, 0, &its, NULL) < 0)
		vj_qmp_schema_now(px); /* no timer: check now */
}

/* ---- the API ---- */

int vj_qmp_proxy_new(const struct vj_qmp_plan *p, struct vj_qmp_proxy **out, int *target_fd,
		     struct vj_error *err)
{
	const struct vj_qmp_cfg *cfg = vj_qmp_cfg(p);
	int sv[2], r;
	*out = NULL;
	*target_fd = -1;
	if (!cfg || !p->enabled)
		return 0;
	struct vj_qmp_proxy *px = vj_xcalloc(1, sizeof(*px));
	px->plan = p;
	px->cfg = cfg;
	px->up.fd = -1;
	px->schema_timer.fd = -1;
	px->up.fn = on_upstream;
	px->up.data = px;
	px->up_out_tail = &px->up_out;
	px->internal_tail = &px->internal;
	vj_qmp_framer_init(&px->up_fr, cfg->max_target_message);
	px->ls = vj_xcalloc(cfg->n_sockets ? cfg->n_sockets : 1, sizeof(*px->ls));
	for (size_t i = 0; i < cfg->n_sockets; i++) {
		struct vj_qmp_listener *l = &px->ls[i];
		l->px = px;
		l->sp = &cfg->sockets[i];
		l->w.fd = -1;
		l->w.fn = on_accept;
		l->w.data = l;
		px->n_ls++;
		if ((r = listener_open(l, err)) < 0) {
			vj_qmp_proxy_free(px);
			return vj_error_prefix(err, "qmp.sockets[%zu]", i);
		}
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		r = vj_error_set(err, errno, "qmp: socketpair");
		vj_qmp_proxy_free(px);
		return r;
	}
	if (fcntl(sv[0], F_SETFL, O_NONBLOCK) < 0) {
		r = vj_error_set(err, errno, "qmp: O_NONBLOCK");
		close(sv[0]);
		close(sv[1]);
		vj_qmp_proxy_free(px);
		return r;
	}
	px->up.fd = sv[0];
	*target_fd = sv[1];
	*out = px;
	return 0;
}

int vj_qmp_proxy_start(struct vj_qmp_proxy *px, struct vj_loop *loop, struct vj_error *err)
{
	int r;
	if (!px)
		return 0;
	px->loop = loop;
	px->tok = vj_qmp_tokener_new();
	px->rbuf = malloc(VJ_QMP_READ_CHUNK);
	if (!px->tok || !px->rbuf)
		return vj_error_set(err, ENOMEM, "qmp");
	px->up_events = EPOLLIN;
	if ((r = vj_loop_add(loop, &px->up, EPOLLIN)) < 0)
		return vj_error_set(err, r, "qmp: watching the monitor");
	for (size_t i = 0; i < px->n_ls; i++)
		if ((r = vj_loop_add(loop, &px->ls[i].w, EPOLLIN)) < 0)
			return vj_error_set(err, r, "qmp: watching %s", px->ls[i].sp->path);
	return 0;
}

void vj_qmp_proxy_set_hooks(struct vj_qmp_proxy *px, const struct vj_qmp_hooks *hooks)
{
	if (px)
		px->hooks = *hooks;
}

enum vj_qmp_target_state vj_qmp_proxy_target_state(const struct vj_qmp_proxy *px)
{
	return px ? px->state : VJ_QMP_TARGET_CLOSED;
}

void vj_qmp_proxy_target_exited(struct vj_qmp_proxy *px)
{
	if (!px)
		return;
	enter(px);
	/* What the target wrote before it died (SHUTDOWN...) is still in the
	 * socket: pass it on first. */
	while (px->up.fd >= 0 && px->rbuf && up_read(px) > 0)
		;
	if (px->state < VJ_QMP_TARGET_CLOSED) {
		px->state = VJ_QMP_TARGET_CLOSED;
		up_close(px);
		shutdown_clients(px);
	}
	leave(px);
}

json_object *vj_qmp_proxy_to_json(const struct vj_qmp_proxy *px)
{
	static const char *const states[] = { "starting", "ready", "closed", "failed" };
	json_object *o = json_object_new_object();
	if (!px)
		return o;
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < px->n_ls; i++) {
		json_object *s = json_object_new_object();
		vj_json_add_string(s, "path", px->ls[i].sp->path);
		vj_json_add_string(s, "policy", px->ls[i].sp->policy.name);
		json_object_array_add(a, s);
	}
	vj_json_add(o, "sockets", a);
	vj_json_add_string(o, "state", states[px->state]);
	vj_json_add_uint(o, "clients", px->n_clients);
	return o;
}

void vj_qmp_proxy_free(struct vj_qmp_proxy *px)
{
	if (!px)
		return;
	enter(px);
	while (px->clients)
		vj_qmp_client_kill(px->clients, -1, NULL);
	px->schema_deferred = false;
	vj_qmp_schema_timer(px, 0);
	up_close(px);
	for (size_t i = 0; i < px->n_ls; i++) {
		listener_close(px, &px->ls[i]);
		listener_unlink(&px->ls[i]);
	}
	while (px->internal) {
		struct vj_qmp_cmd *cmd = px->internal;
		px->internal = cmd->next;
		vj_qmp_cmd_free(cmd);
	}
	leave(px);
	vj_qmp_router_clear(&px->router);
	free(px->ls);
	free(px->greeting);
	free(px->rbuf);
	if (px->tok)
		json_tokener_free(px->tok);
	free(px);
}
