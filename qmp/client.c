/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * client.c - `vmjail qmp PATH|ID [COMMAND [JSON-ARGS]]`, a small QMP
 * client for the proxy's sockets (or any QMP socket).
 *
 * With COMMAND: negotiate, run it, print its "return" value as JSON
 * (pretty on a terminal) and exit 0; a QMP error is printed as JSON
 * ({"class": ..., "desc": ...}) and exits 1; no connection, a bad argument
 * or a closed connection exits 125.
 * Without: a shell. Each stdin line is "COMMAND [JSON-ARGS]"; replies and
 * events are printed as they come, one JSON message each. End of input
 * waits for outstanding replies, then exits 0. On a terminal, a small
 * line editor (raw mode, restored on the way out) completes command names
 * with Tab from the socket's own query-commands - only what the policy
 * lets this socket call.
 */
#include <poll.h>
#include <termios.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "framer.h"
#include "jsonp.h"
#include "jsonw.h"
#include "log.h"
#include "qmp.h"
#include "state.h"

struct conn {
	int fd;
	struct vj_qmp_framer fr;
	json_tokener *tok;
	json_object **msgs; /* parsed, not yet taken */
	size_t n_msgs;
	bool bad;
};

static int on_frame(void *opaque, const struct vj_qmp_frame *fr)
{
	struct conn *c = opaque;
	const char *why;
	json_object *o = fr->kind == VJ_QMP_FRAME_VALUE ? vj_qmp_json_parse(c->tok, fr, &why) : NULL;
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		c->bad = true;
		return -EPROTO;
	}
	c->msgs = realloc(c->msgs, (c->n_msgs + 1) * sizeof(*c->msgs));
	if (!c->msgs)
		abort();
	c->msgs[c->n_msgs++] = o;
	return 0;
}

/* Read once (blocking); 0 at EOF, < 0 on error, else bytes. */
static ssize_t conn_read(struct conn *c)
{
	char buf[65536];
	ssize_t n;
	do
		n = read(c->fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n > 0 && vj_qmp_framer_feed(&c->fr, buf, (size_t)n, on_frame, c) < 0)
		return -EPROTO;
	return n < 0 ? -errno : n;
}

/* The next message (blocking); NULL at EOF or on garbage. */
static json_object *conn_next(struct conn *c)
{
	while (!c->n_msgs) {
		if (conn_read(c) <= 0)
			return NULL;
	}
	json_object *o = c->msgs[0];
	memmove(c->msgs, c->msgs + 1, --c->n_msgs * sizeof(*c->msgs));
	return o;
}

static int conn_send(struct conn *c, const char *cmd, json_object *args, json_object *id)
{
	_cleanup_json_ json_object *m = json_object_new_object();
	vj_json_add_string(m, "execute", cmd);
	if (args)
		vj_json_add(m, "arguments", json_object_get(args));
	if (id)
		vj_json_add(m, "id", json_object_get(id));
	return vj_json_write_line(c->fd, m);
}

/*
 * A name without '/' that is not an existing file is a jail id: its first
 * QMP socket, as the jail's state record names it (jailer/state.c). The
 * reference is weak so that programs linking the QMP library without the
 * state registry (tests) still link; there, ids are refused.
 */
#pragma weak vj_state_qmp_socket
static int resolve_target(const char *arg, char *path, size_t size, struct vj_error *err)
{
	_cleanup_free_ char *sock = NULL;
	if (!strchr(arg, '/') && access(arg, F_OK) < 0) {
		if (!vj_state_qmp_socket)
			return vj_error_setx(err, ENOENT, "%s: no such socket (jail ids need the state registry)", arg);
		sock = vj_state_qmp_socket(NULL, arg);
		if (!sock)
			return vj_error_setx(err, ENOENT, "%s: no such socket, nor a running jail with a QMP socket", arg);
		arg = sock;
	}
	if (strlen(arg) >= size)
		return vj_error_setx(err, ENAMETOOLONG, "%s: socket path too long", arg);
	strcpy(path, arg);
	return 0;
}

static int conn_open(struct conn *c, const char *target, struct vj_error *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int r = resolve_target(target, sa.sun_path, sizeof(sa.sun_path), err);
	if (r < 0)
		return r;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return vj_error_set(err, errno, "socket");
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return vj_error_set(err, errno, "%s", sa.sun_path);
	vj_qmp_framer_init(&c->fr, 64u << 20);
	c->tok = vj_qmp_tokener_new();
	if (!c->tok)
		return vj_error_set(err, ENOMEM, "json");
	_cleanup_json_ json_object *greeting = conn_next(c);
	if (!greeting || !json_object_object_get_ex(greeting, "QMP", NULL))
		return vj_error_setx(err, EPROTO, "%s: no QMP greeting", sa.sun_path);
	_cleanup_json_ json_object *id = json_object_new_string("vmjail-negotiate");
	if ((r = conn_send(c, "qmp_capabilities", NULL, id)) < 0)
		return vj_error_set(err, r, "%s", sa.sun_path);
	for (;;) {
		_cleanup_json_ json_object *m = conn_next(c);
		if (!m)
			return vj_error_setx(err, EPROTO, "%s: connection closed during negotiation", sa.sun_path);
		if (json_object_object_get_ex(m, "return", NULL))
			return 0;
		if (json_object_object_get_ex(m, "error", NULL))
			return vj_error_setx(err, EPROTO, "%s: negotiation refused: %s", sa.sun_path,
					     vj_json_to_string(m, false));
	}
}

static void conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	for (size_t i = 0; i < c->n_msgs; i++)
		json_object_put(c->msgs[i]);
	free(c->msgs);
	vj_qmp_framer_reset(&c->fr);
	if (c->tok)
		json_tokener_free(c->tok);
}

static int parse_args(const char *text, json_object **out, struct vj_error *err)
{
	int r = vj_json_parse_string(text, strlen(text), "JSON-ARGS", out, err);
	if (r < 0)
		return r;
	if (!json_object_is_type(*out, json_type_object)) {
		json_object_put(*out);
		*out = NULL;
		return vj_error_setx(err, EINVAL, "JSON-ARGS: expected a JSON object");
	}
	return 0;
}

static int single_shot(struct conn *c, const char *cmd, const char *argtext)
{
	struct vj_error err = { 0 };
	_cleanup_json_ json_object *args = NULL;
	_cleanup_json_ json_object *id = json_object_new_string("vmjail-cmd");
	bool pretty = isatty(STDOUT_FILENO);
	if (argtext && parse_args(argtext, &args, &err) < 0) {
		vj_log_error(&err);
		return VJ_EXIT_FAILURE;
	}
	if (conn_send(c, cmd, args, id) < 0) {
		vj_error("qmp: sending the command: %m");
		return VJ_EXIT_FAILURE;
	}
	for (;;) {
		_cleanup_json_ json_object *m = conn_next(c);
		json_object *v;
		if (!m) {
			vj_error("qmp: the connection closed before the reply");
			return VJ_EXIT_FAILURE;
		}
		if (json_object_object_get_ex(m, "return", &v)) {
			vj_json_write(STDOUT_FILENO, v, pretty);
			return 0;
		}
		if (json_object_object_get_ex(m, "error", &v)) {
			vj_json_write(STDOUT_FILENO, v, pretty);
			return 1;
		}
	}
}

/* "command {json}" -> command + args. */
static int shell_line(struct conn *c, char *line, unsigned *seq, unsigned *outstanding)
{
	struct vj_error err = { 0 };
	char *p = line + strspn(line, " \t");
	p[strcspn(p, "\r\n")] = '\0';
	if (!*p || *p == '#')
		return 0;
	char *sp = p + strcspn(p, " \t");
	char *argtext = NULL;
	if (*sp) {
		*sp = '\0';
		argtext = sp + 1 + strspn(sp + 1, " \t");
		if (!*argtext)
			argtext = NULL;
	}
	_cleanup_json_ json_object *args = NULL;
	if (argtext && parse_args(argtext, &args, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return 0;
	}
	_cleanup_json_ json_object *id = json_object_new_int((int)++*seq);
	if (conn_send(c, p, args, id) < 0)
		return -EPIPE;
	++*outstanding;
	return 0;
}

/* ---- the interactive shell's line editor (a terminal on stdin) ---- */

struct editor {
	bool on;
	struct termios saved;
	char buf[4096];
	size_t len;
	char **names; /* command names from query-commands, for Tab */
	int esc;      /* bytes of an escape sequence still to swallow */
};

static void ed_redraw(struct editor *e)
{
	fprintf(stderr, "\r\033[K(QMP) %.*s", (int)e->len, e->buf);
	fflush(stderr);
}

static void ed_clear(struct editor *e)
{
	if (e->on) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
}

static bool ed_start(struct editor *e)
{
	struct termios t;
	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &e->saved) < 0)
		return false;
	t = e->saved;
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG | IEXTEN);
	t.c_iflag &= ~(tcflag_t)(IXON | ICRNL);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) < 0)
		return false;
	e->on = true;
	return true;
}

static void ed_stop(struct editor *e)
{
	if (!e->on)
		return;
	fputs("\r\033[K", stderr);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &e->saved);
	e->on = false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The query-commands reply: keep the names, sorted. */
static void ed_set_names(struct editor *e, json_object *ret)
{
	size_t n = json_object_is_type(ret, json_type_array) ? json_object_array_length(ret) : 0;
	for (size_t i = 0; i < n; i++) {
		json_object *name;
		if (json_object_object_get_ex(json_object_array_get_idx(ret, i), "name", &name) &&
		    json_object_is_type(name, json_type_string))
			vj_strv_push(&e->names, json_object_get_string(name));
	}
	if (e->names)
		qsort(e->names, vj_strv_len(e->names), sizeof(char *), cmp_str);
}

/* Tab on the first word: complete it as far as it is unique; when it is
 * already as long as the candidates agree, list them. */
static void ed_complete(struct editor *e)
{
	size_t n = 0, common = 0;
	const char *first = NULL;
	if (memchr(e->buf, ' ', e->len) || !e->names)
		return;
	for (size_t i = 0; e->names[i]; i++) {
		const char *x = e->names[i];
		if (strncmp(x, e->buf, e->len) != 0)
			continue;
		if (!first) {
			first = x;
			common = strlen(x);
		} else {
			size_t k = e->len;
			while (k < common && x[k] == first[k])
				k++;
			common = k;
		}
		n++;
	}
	if (!n) {
		fputc('\a', stderr);
		return;
	}
	if (common > e->len || n == 1) {
		size_t add = common - e->len + (n == 1);
		if (e->len + add < sizeof(e->buf)) {
			memcpy(e->buf + e->len, first + e->len, common - e->len);
			e->len = common;
			if (n == 1)
				e->buf[e->len++] = ' ';
		}
		ed_redraw(e);
		return;
	}
	fputs("\r\n", stderr);
	for (size_t i = 0; e->names[i]; i++)
		if (strncmp(e->names[i], e->buf, e->len) == 0)
			fprintf(stderr, "%s  ", e->names[i]);
	fputs("\r\n", stderr);
	ed_redraw(e);
}

/* One key. Returns 1 with a line in out (Enter), -1 at the end (Ctrl-D on
 * an empty line), 0 otherwise. */
static int ed_key(struct editor *e, unsigned char k, char *out, size_t size)
{
	if (e->esc) {
		/* ESC [ X, ESC O X: arrows and the like are ignored. */
		if (e->esc == 2 && k != '[' && k != 'O')
			e->esc = 0;
		else
			e->esc--;
		return 0;
	}
	switch (k) {
	case '\r':
	case '\n':
		snprintf(out, size, "%.*s", (int)e->len, e->buf);
		fputs("\r\n", stderr);
		e->len = 0;
		return 1;
	case '\t':
		ed_complete(e);
		return 0;
	case 0x7f:
	case '\b':
		if (e->len)
			e->len--;
		break;
	case 0x15: /* Ctrl-U */
	case 0x03: /* Ctrl-C */
		e->len = 0;
		break;
	case 0x04: /* Ctrl-D */
		if (!e->len)
			return -1;
		return 0;
	case 0x1b:
		e->esc = 2;
		return 0;
	default:
		if (k < 0x20 || e->len + 1 >= sizeof(e->buf))
			return 0;
		e->buf[e->len++] = (char)k;
		break;
	}
	ed_redraw(e);
	return 0;
}

#define COMPLETE_ID "vmjail-complete"

static int shell_loop(struct conn *c, struct editor *ed)
{
	bool pretty = isatty(STDOUT_FILENO), in_eof = false;
	unsigned seq = 0, outstanding = 0;
	char in[65536];
	size_t in_len = 0;
	if (ed->on) {
		/* Command names for Tab, from what this socket may call. */
		_cleanup_json_ json_object *id = json_object_new_string(COMPLETE_ID);
		if (conn_send(c, "query-commands", NULL, id) < 0)
			return VJ_EXIT_FAILURE;
		fprintf(stderr, "Connected. Type COMMAND [JSON-ARGS] (Tab completes); Ctrl-D to quit.\r\n");
		ed_redraw(ed);
	}
	for (;;) {
		while (c->n_msgs) {
			_cleanup_json_ json_object *m = conn_next(c);
			json_object *id, *ret;
			if (json_object_object_get_ex(m, "id", &id) && json_object_is_type(id, json_type_string) &&
			    !strcmp(json_object_get_string(id), COMPLETE_ID)) {
				if (json_object_object_get_ex(m, "return", &ret))
					ed_set_names(ed, ret);
				continue;
			}
			bool event = json_object_object_get_ex(m, "event", NULL);
			if (!event && outstanding)
				outstanding--;
			ed_clear(ed);
			vj_json_write(STDOUT_FILENO, m, pretty);
			if (ed->on)
				ed_redraw(ed);
		}
		if (in_eof && !outstanding)
			return 0;
		struct pollfd pfd[2] = { { .fd = c->fd, .events = POLLIN }, { .fd = STDIN_FILENO, .events = POLLIN } };
		if (poll(pfd, in_eof ? 1 : 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return VJ_EXIT_FAILURE;
		}
		if (pfd[0].revents) {
			ssize_t n = conn_read(c);
			if (n <= 0) {
				if (!outstanding && n == 0)
					return 0;
				ed_clear(ed);
				vj_error("qmp: the connection closed");
				return VJ_EXIT_FAILURE;
			}
		}
		if (in_eof || !pfd[1].revents)
			continue;
		ssize_t n = read(STDIN_FILENO, in + in_len, sizeof(in) - 1 - in_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (ed->on && n > 0) {
			for (ssize_t i = 0; i < n; i++) {
				char line[sizeof(ed->buf)];
				int k = ed_key(ed, (unsigned char)in[i], line, sizeof(line));
				if (k < 0) {
					in_eof = true;
					ed_stop(ed);
					break;
				}
				if (k > 0 && shell_line(c, line, &seq, &outstanding) < 0) {
					ed_clear(ed);
					vj_error("qmp: the connection closed");
					return VJ_EXIT_FAILURE;
				}
				if (k > 0)
					ed_redraw(ed);
			}
			continue;
		}
		if (n <= 0) {
			in_eof = true;
			if (in_len) {
				in[in_len] = '\0';
				in_len = 0;
				if (shell_line(c, in, &seq, &outstanding) < 0)
					return VJ_EXIT_FAILURE;
			}
			continue;
		}
		in_len += (size_t)n;
		char *nl;
		while ((nl = memchr(in, '\n', in_len))) {
			*nl = '\0';
			if (shell_line(c, in, &seq, &outstanding) < 0) {
				vj_error("qmp: the connection closed");
				return VJ_EXIT_FAILURE;
			}
			size_t used = (size_t)(nl + 1 - in);
			memmove(in, nl + 1, in_len - used);
			in_len -= used;
		}
		if (in_len == sizeof(in) - 1) {
			fprintf(stderr, "vmjail: qmp: input line too long\n");
			in_len = 0;
		}
	}
}

/* Lines from stdin; on a terminal, with a line editor that completes
 * command names (Tab) from the socket's query-commands. */
static int shell(struct conn *c)
{
	struct editor ed = { 0 };
	ed_start(&ed);
	int r = shell_loop(c, &ed);
	ed_stop(&ed);
	vj_strv_free(ed.names);
	return r;
}

int vj_cmd_qmp(int argc, char **argv)
{
	struct vj_error err = { 0 };
	struct conn c = { .fd = -1 };
	int r;
	if (argc < 2 || argc > 4 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fprintf(argc < 2 ? stderr : stdout,
			"usage: vmjail qmp PATH|ID [COMMAND [JSON-ARGS]]\n"
			"  With COMMAND, print its return value as JSON (exit 0) or the QMP error (exit 1).\n"
			"  Without, read \"COMMAND [JSON-ARGS]\" lines from stdin; print replies and events.\n");
		return argc < 2 ? VJ_EXIT_FAILURE : 0;
	}
	if (conn_open(&c, argv[1], &err) < 0) {
		vj_error("qmp: %s", err.msg);
		conn_close(&c);
		return VJ_EXIT_FAILURE;
	}
	r = argc >= 3 ? single_shot(&c, argv[2], argc == 4 ? argv[3] : NULL) : shell(&c);
	conn_close(&c);
	return r;
}
