/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * session.c - what the QMP messages mean to the proxy.
 *
 * Theory of operation, for a client's message:
 *  1. Parse (framer.c). Bad JSON: QEMU's reply, {"error": {"class":
 *     "GenericError", "desc": "JSON parse error, ..."}}; the connection
 *     stays usable. Not a command: QEMU's "QMP input ..." errors.
 *  2. Negotiation is the proxy's own: the greeting is QEMU's (capabilities
 *     ["oob"] only when the proxy negotiated oob upstream), qmp_capabilities
 *     is answered here, anything else before it gets CommandNotFound.
 *  3. Policy (policy.c): a denied command is answered here and never sent.
 *  4. File descriptors: one received fd goes up with each in-band getfd /
 *     add-fd, in the same sendmsg as the command, and only when no other
 *     command is upstream (QEMU keeps just the fds of its latest read);
 *     getfd / add-fd without an fd are answered here with QEMU's error, so
 *     they never take an fd QEMU still holds from someone else. getfd
 *     names are made unique per client ("vmjail<N>-name"); the client's
 *     names are translated in every later command's arguments (a string
 *     equal to a registered name, "fd:name", or a ':'-separated list of
 *     names) and back in error texts.
 *     The names a client registered are closed upstream when it leaves.
 *  5. The command is re-serialised from what the policy saw (so duplicate
 *     keys or other parser differences cannot smuggle anything past it)
 *     with the router's id (router.c), then sent: exec-oob at once, in-band
 *     queued per client and taken round robin, up to VJ_QMP_PIPELINE
 *     upstream at once (QEMU runs them one at a time, in order, and reads
 *     the next while one runs; a full pipeline bounds how far one
 *     client's commands get ahead of another's).
 * From the target: the greeting, then replies (routed by id, filtered for
 * query-commands / query-qmp-schema, given the client's id back) and
 * events (copied to every negotiated client, byte for byte). Anything
 * else - invalid JSON, an oversized message, a reply with an unknown id -
 * is garbage: reported through target_down(fatal) and never forwarded.
 */
#include <stdarg.h>
#include <stdio.h>

#include "jsonw.h"
#include "log.h"
#include "proxy-int.h"

static const char *str_of(json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static void reply_error(struct vj_qmp_client *c, json_object *id, const char *cls, const char *fmt, ...)
	_printf_(4, 5);
static void reply_error(struct vj_qmp_client *c, json_object *id, const char *cls, const char *fmt, ...)
{
	char desc[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(desc, sizeof(desc), fmt, ap);
	va_end(ap);
	_cleanup_json_ json_object *o = json_object_new_object();
	json_object *e = json_object_new_object();
	vj_json_add_string(e, "class", cls);
	vj_json_add_string(e, "desc", desc);
	vj_json_add(o, "error", e);
	if (id)
		vj_json_add(o, "id", json_object_get(id));
	vj_qmp_client_send_json(c, o);
}

/* ---- fd names ---- */

static char *up_fdname(const struct vj_qmp_client *c, const char *name)
{
	return vj_xasprintf("vmjail%u-%s", c->id, name);
}

static char *translate_fdnames(const struct vj_qmp_client *c, const char *s)
{
	if (vj_strv_contains(c->fdnames, s))
		return up_fdname(c, s);
	if (vj_startswith(s, "fd:") && vj_strv_contains(c->fdnames, s + 3)) {
		_cleanup_free_ char *n = up_fdname(c, s + 3);
		return vj_xasprintf("fd:%s", n);
	}
	if (!strchr(s, ':'))
		return NULL;
	/* "a:b:c" (netdev fds=, vhostfds=): every element must be a name. */
	_cleanup_strv_ char **parts = NULL;
	_cleanup_free_ char *copy = vj_xstrdup(s);
	char *save = NULL;
	for (char *t = strtok_r(copy, ":", &save); t; t = strtok_r(NULL, ":", &save)) {
		if (!vj_strv_contains(c->fdnames, t))
			return NULL;
		_cleanup_free_ char *n = up_fdname(c, t);
		vj_strv_push(&parts, n);
	}
	if (!parts)
		return NULL;
	size_t len = 1;
	for (size_t i = 0; parts[i]; i++)
		len += strlen(parts[i]) + 1;
	char *o = vj_xcalloc(1, len);
	for (size_t i = 0; parts[i]; i++) {
		if (i)
			strcat(o, ":");
		strcat(o, parts[i]);
	}
	return o;
}

static void rewrite_fdnames(const struct vj_qmp_client *c, json_object *v, int depth)
{
	if (depth > 64)
		return;
	if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, key, val) {
			if (json_object_is_type(val, json_type_string)) {
				_cleanup_free_ char *n = translate_fdnames(c, json_object_get_string(val));
				if (n)
					json_object_object_add(v, key, json_object_new_string(n));
			} else
				rewrite_fdnames(c, val, depth + 1);
		}
	} else if (json_object_is_type(v, json_type_array)) {
		size_t n = json_object_array_length(v);
		for (size_t i = 0; i < n; i++) {
			json_object *e = json_object_array_get_idx(v, i);
			if (json_object_is_type(e, json_type_string)) {
				_cleanup_free_ char *t = translate_fdnames(c, json_object_get_string(e));
				if (t)
					json_object_array_put_idx(v, i, json_object_new_string(t));
			} else
				rewrite_fdnames(c, e, depth + 1);
		}
	}
}

/* "... 'vmjail7-x' ..." in an error text -> "... 'x' ...". */
static void untranslate_desc(const struct vj_qmp_client *c, json_object *reply)
{
	json_object *err, *desc;
	char prefix[32];
	if (!json_object_object_get_ex(reply, "error", &err) || !json_object_object_get_ex(err, "desc", &desc) ||
	    !json_object_is_type(desc, json_type_string))
		return;
	snprintf(prefix, sizeof(prefix), "vmjail%u-", c->id);
	const char *s = json_object_get_string(desc);
	if (!strstr(s, prefix))
		return;
	_cleanup_free_ char *o = vj_xcalloc(1, strlen(s) + 1);
	char *w = o;
	size_t pl = strlen(prefix);
	while (*s) {
		if (strncmp(s, prefix, pl) == 0)
			s += pl;
		else
			*w++ = *s++;
	}
	json_object_object_add(err, "desc", json_object_new_string(o));
}

/* ---- sending ---- */

static struct vj_qmp_cmd *cmd_new(struct vj_qmp_proxy *px, json_object *msg, void *owner, int tag)
{
	struct vj_qmp_cmd *cmd = vj_xcalloc(1, sizeof(*cmd));
	size_t len;
	cmd->fd = -1;
	cmd->rec = vj_qmp_route_up(&px->router, msg, owner, tag);
	const char *s = json_object_to_json_string_length(msg, JSON_C_TO_STRING_PLAIN |
								JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	cmd->text = malloc(len + 2);
	if (!cmd->text)
		abort();
	memcpy(cmd->text, s, len);
	memcpy(cmd->text + len, "\r\n", 2);
	cmd->len = len + 2;
	return cmd;
}

static void send_inband(struct vj_qmp_proxy *px, struct vj_qmp_cmd *cmd)
{
	px->upq[(px->upq_head + px->upq_n++) % VJ_QMP_PIPELINE] = cmd->rec;
	vj_qmp_upstream_write(px, cmd);
}

/* An in-band reply came: its record leaves the pipeline. */
static void upq_remove(struct vj_qmp_proxy *px, const struct vj_qmp_pending *rec)
{
	for (size_t i = 0; i < px->upq_n; i++) {
		if (px->upq[(px->upq_head + i) % VJ_QMP_PIPELINE] != rec)
			continue;
		if (i == 0) {
			px->upq_head = (px->upq_head + 1) % VJ_QMP_PIPELINE;
		} else {
			for (size_t j = i; j + 1 < px->upq_n; j++)
				px->upq[(px->upq_head + j) % VJ_QMP_PIPELINE] =
					px->upq[(px->upq_head + j + 1) % VJ_QMP_PIPELINE];
		}
		px->upq_n--;
		return;
	}
}

/* QEMU keeps the fds of its latest read that carried any for the next
 * getfd / add-fd it runs: a command with an fd goes up only when nothing
 * else is upstream, so no other command's fds can take their place. */
static bool may_send(const struct vj_qmp_proxy *px, const struct vj_qmp_cmd *cmd)
{
	return px->upq_n < VJ_QMP_PIPELINE && (cmd->fd < 0 || px->upq_n == 0);
}

void vj_qmp_pump(struct vj_qmp_proxy *px)
{
	while (px->up.fd >= 0 && px->state < VJ_QMP_TARGET_CLOSED && px->upq_n < VJ_QMP_PIPELINE) {
		if (px->internal) {
			struct vj_qmp_cmd *cmd = px->internal;
			px->internal = cmd->next;
			if (!px->internal)
				px->internal_tail = &px->internal;
			send_inband(px, cmd);
			continue;
		}
		if (px->state != VJ_QMP_TARGET_READY || !px->clients)
			return;
		/* Round robin: the first client after the last served with a
		 * command waiting. */
		struct vj_qmp_client *start = px->rr && px->rr->next ? px->rr->next : px->clients, *c = start;
		while (!c->q) {
			c = c->next ? c->next : px->clients;
			if (c == start)
				return;
		}
		struct vj_qmp_cmd *cmd = c->q;
		if (!may_send(px, cmd))
			return;
		c->q = cmd->next;
		if (!c->q)
			c->q_tail = &c->q;
		c->n_queued--;
		c->n_inflight++;
		px->rr = c;
		send_inband(px, cmd);
		vj_qmp_client_update(c);
		if (px->schema_deferred)
			vj_qmp_schema_now(px); /* next, behind this one */
	}
}

static void queue_internal(struct vj_qmp_proxy *px, json_object *msg, int tag)
{
	struct vj_qmp_cmd *cmd = cmd_new(px, msg, NULL, tag);
	cmd->next = NULL;
	*px->internal_tail = cmd;
	px->internal_tail = &cmd->next;
	vj_qmp_pump(px);
}

static void queue_schema(struct vj_qmp_proxy *px)
{
	_cleanup_json_ json_object *q = json_object_new_object();
	vj_json_add_string(q, "execute", "query-commands");
	queue_internal(px, q, TAG_INT_SCHEMA);
}

void vj_qmp_schema_now(struct vj_qmp_proxy *px)
{
	if (!px->schema_deferred)
		return;
	px->schema_deferred = false;
	vj_qmp_schema_timer(px, 0);
	if (px->state < VJ_QMP_TARGET_CLOSED)
		queue_schema(px);
}

void vj_qmp_client_gone(struct vj_qmp_client *c)
{
	struct vj_qmp_proxy *px = c->px;
	if (px->state != VJ_QMP_TARGET_READY)
		return;
	for (size_t i = 0; c->fdnames && c->fdnames[i]; i++) {
		_cleanup_json_ json_object *m = json_object_new_object();
		json_object *args = json_object_new_object();
		_cleanup_free_ char *n = up_fdname(c, c->fdnames[i]);
		vj_json_add_string(m, "execute", "closefd");
		vj_json_add_string(args, "fdname", n);
		vj_json_add(m, "arguments", args);
		queue_internal(px, m, TAG_INT_DISCARD);
	}
}

/* ---- from a client ---- */

static void negotiate(struct vj_qmp_client *c, json_object *args, json_object *id)
{
	json_object *en = NULL;
	bool oob = false;
	if (args) {
		json_object_object_foreach(args, key, val) {
			if (strcmp(key, "enable") != 0) {
				reply_error(c, id, "GenericError", "Parameter '%s' is unexpected", key);
				return;
			}
			en = val;
		}
	}
	if (en) {
		if (!json_object_is_type(en, json_type_array)) {
			reply_error(c, id, "GenericError", "Invalid parameter type for 'enable', expected: array");
			return;
		}
		for (size_t i = 0; i < json_object_array_length(en); i++) {
			json_object *e = json_object_array_get_idx(en, i);
			const char *cap = json_object_get_string(e);
			if (!json_object_is_type(e, json_type_string) || !c->px->up_oob || strcmp(cap, "oob") != 0) {
				reply_error(c, id, "GenericError", "Capability '%s' not available",
					    json_object_is_type(e, json_type_string) ? cap : "?");
				return;
			}
			oob = true;
		}
	}
	c->negotiated = true;
	c->oob = oob;
	_cleanup_json_ json_object *o = json_object_new_object();
	vj_json_add(o, "return", json_object_new_object());
	if (id)
		vj_json_add(o, "id", json_object_get(id));
	vj_qmp_client_send_json(c, o);
}

static void handle_command(struct vj_qmp_client *c, json_object *msg)
{
	struct vj_qmp_proxy *px = c->px;
	json_object *id = NULL, *exec = NULL, *args = NULL;
	bool oob = false;
	json_object_object_get_ex(msg, "id", &id);
	json_object_object_foreach(msg, key, val) {
		if (!strcmp(key, "execute"))
			exec = val;
		else if (!strcmp(key, "exec-oob") && c->oob) {
			if (exec) {
				reply_error(c, id, "GenericError", "QMP input member 'execute' clashes with 'exec-oob'");
				return;
			}
			exec = val;
			oob = true;
		} else if (!strcmp(key, "arguments"))
			args = val;
		else if (strcmp(key, "id") != 0) {
			reply_error(c, id, "GenericError", "QMP input member '%s' is unexpected", key);
			return;
		}
	}
	if (oob && json_object_object_get_ex(msg, "execute", NULL)) {
		reply_error(c, id, "GenericError", "QMP input member 'execute' clashes with 'exec-oob'");
		return;
	}
	if (!exec) {
		reply_error(c, id, "GenericError", "QMP input lacks member 'execute'");
		return;
	}
	if (!json_object_is_type(exec, json_type_string)) {
		reply_error(c, id, "GenericError", "QMP input member '%s' must be a string", oob ? "exec-oob" : "execute");
		return;
	}
	if (args && !json_object_is_type(args, json_type_object)) {
		reply_error(c, id, "GenericError", "QMP input member 'arguments' must be an object");
		return;
	}
	const char *name = json_object_get_string(exec);
	if ((size_t)json_object_get_string_len(exec) != strlen(name)) {
		reply_error(c, id, "CommandNotFound", "The command has not been found");
		return;
	}
	if (!c->negotiated) {
		if (strcmp(name, "qmp_capabilities") != 0)
			reply_error(c, id, "CommandNotFound", "Expecting capabilities negotiation with 'qmp_capabilities'");
		else
			negotiate(c, args, id);
		return;
	}
	if (!strcmp(name, "qmp_capabilities")) {
		reply_error(c, id, "CommandNotFound", "Capabilities negotiation is already complete, command ignored");
		return;
	}
	if (!vj_qmp_policy_allows(&c->l->sp->policy, name, args)) {
		vj_qmp_log(px, VJ_LOG_NOTICE, "QMP client %u on %s: command '%s' denied by policy \"%s\"", c->id,
			   c->l->sp->path, name, c->l->sp->policy.name);
		reply_error(c, id, "GenericError", "The command %s has been denied by vmjail policy", name);
		return;
	}

	int tag = TAG_CLIENT;
	bool takes_fd = false;
	if (!strcmp(name, "query-commands"))
		tag = TAG_COMMANDS;
	else if (!strcmp(name, "query-qmp-schema"))
		tag = TAG_SCHEMA;
	else if (!strcmp(name, "add-fd"))
		takes_fd = true;
	else if (!strcmp(name, "getfd")) {
		takes_fd = true;
		tag = TAG_GETFD;
	}
	if (takes_fd && !oob && !c->n_fds) {
		/* QEMU's answer, given here: sent on, the command would take
		 * whatever fd QEMU still holds from an earlier read - maybe
		 * another client's. */
		reply_error(c, id, "GenericError", "No file descriptor supplied via SCM_RIGHTS");
		return;
	}
	_cleanup_free_ char *fdname = NULL;
	if (args && (tag == TAG_GETFD || !strcmp(name, "closefd"))) {
		const char *n = str_of(args, "fdname");
		if (n && *n && !strchr(n, ':')) {
			fdname = vj_xstrdup(n);
			_cleanup_free_ char *up = up_fdname(c, n);
			json_object_object_add(args, "fdname", json_object_new_string(up));
			if (tag != TAG_GETFD) {
				/* closefd: forget the name whatever the outcome. */
				for (size_t i = 0; c->fdnames && c->fdnames[i]; i++)
					if (!strcmp(c->fdnames[i], fdname)) { /* n died with the old value */
						free(c->fdnames[i]);
						memmove(&c->fdnames[i], &c->fdnames[i + 1],
							sizeof(char *) * (vj_strv_len(c->fdnames) - i));
						break;
					}
			}
		}
	} else if (args && c->fdnames) {
		rewrite_fdnames(c, args, 0);
	}

	/* Rebuild the command from what was checked. */
	_cleanup_json_ json_object *up = json_object_new_object();
	vj_json_add_string(up, oob ? "exec-oob" : "execute", name);
	if (args)
		vj_json_add(up, "arguments", json_object_get(args));
	if (id)
		vj_json_add(up, "id", json_object_get(id));
	struct vj_qmp_cmd *cmd = cmd_new(px, up, c, tag);
	if (tag == TAG_GETFD)
		cmd->rec->aux = TAKE_PTR(fdname);
	if (takes_fd && !oob && c->n_fds) {
		cmd->fd = c->fds[0];
		memmove(c->fds, c->fds + 1, sizeof(int) * (--c->n_fds));
	}
	if (oob) {
		cmd->rec->oob = true;
		c->n_inflight++;
		vj_qmp_upstream_write(px, cmd);
		return;
	}
	cmd->next = NULL;
	*c->q_tail = cmd;
	c->q_tail = &cmd->next;
	c->n_queued++;
	vj_qmp_pump(px);
	vj_qmp_client_update(c);
}

int vj_qmp_client_frame(void *opaque, const struct vj_qmp_frame *fr)
{
	struct vj_qmp_client *c = opaque;
	struct vj_qmp_proxy *px = c->px;
	const char *why;
	if (c->dead)
		return -EPIPE;
	if (fr->len >= VJ_QMP_TRIM_AFTER)
		px->trim = true;
	switch (fr->kind) {
	case VJ_QMP_FRAME_OVERSIZE: {
		char msg[128];
		snprintf(msg, sizeof(msg), "message larger than %zu bytes (max_client_message)",
			 px->cfg->max_client_message);
		vj_qmp_client_kill(c, VJ_LOG_WARNING, msg);
		return -EPIPE;
	}
	case VJ_QMP_FRAME_ERROR:
		reply_error(c, NULL, "GenericError", "JSON parse error, %.*s", (int)fr->len, fr->data);
		return c->dead ? -EPIPE : 0;
	case VJ_QMP_FRAME_VALUE:
		break;
	}
	_cleanup_json_ json_object *msg = vj_qmp_json_parse(px->tok, fr, &why);
	if (!msg)
		reply_error(c, NULL, "GenericError", "JSON parse error, %s", why);
	else if (!json_object_is_type(msg, json_type_object))
		reply_error(c, NULL, "GenericError", "QMP input must be a JSON object");
	else
		handle_command(c, msg);
	return c->dead ? -EPIPE : 0;
}

/* ---- from the target ---- */

static void report_unknown(void *opaque, const char *glob)
{
	struct vj_qmp_proxy *px = opaque;
	vj_qmp_log(px, px->cfg->schema_check == VJ_QMP_CHECK_ERROR ? VJ_LOG_ERROR : VJ_LOG_WARNING,
		   "QMP policy: \"%s\" matches no command of the target", glob);
	if (px->cfg->schema_check == VJ_QMP_CHECK_ERROR)
		px->schema_bad = true;
}

static void check_schema(struct vj_qmp_proxy *px, json_object *schema)
{
	const struct vj_qmp_cfg *cfg = px->cfg;
	if (cfg->schema_check == VJ_QMP_CHECK_OFF)
		return;
	vj_qmp_rules_check(&cfg->deny, schema, report_unknown, px);
	for (size_t i = 0; i < cfg->n_sockets; i++)
		vj_qmp_rules_check(&cfg->sockets[i].policy.rules, schema, report_unknown, px);
}

static int on_greeting(struct vj_qmp_proxy *px, json_object *msg)
{
	json_object *qmp, *caps;
	if (!json_object_object_get_ex(msg, "QMP", &qmp) || !json_object_is_type(qmp, json_type_object) ||
	    !json_object_object_get_ex(qmp, "capabilities", &caps) || !json_object_is_type(caps, json_type_array)) {
		vj_qmp_target_fail(px, true, "the target's first QMP message is not a greeting");
		return -EPROTO;
	}
	for (size_t i = 0; i < json_object_array_length(caps); i++)
		if (vj_streq(json_object_get_string(json_object_array_get_idx(caps, i)), "oob"))
			px->up_oob = true;
	/* Clients get QEMU's greeting, offering only what the proxy does. */
	json_object *mine = json_object_new_array();
	if (px->up_oob)
		json_object_array_add(mine, json_object_new_string("oob"));
	json_object_object_add(qmp, "capabilities", mine);
	size_t len;
	const char *s = json_object_to_json_string_length(msg, JSON_C_TO_STRING_PLAIN |
							      JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	px->greeting = malloc(len + 2);
	if (!px->greeting)
		abort();
	memcpy(px->greeting, s, len);
	memcpy(px->greeting + len, "\r\n", 2);
	px->greeting_len = len + 2;

	_cleanup_json_ json_object *m = json_object_new_object();
	vj_json_add_string(m, "execute", "qmp_capabilities");
	if (px->up_oob) {
		json_object *args = json_object_new_object();
		json_object *en = json_object_new_array();
		json_object_array_add(en, json_object_new_string("oob"));
		vj_json_add(args, "enable", en);
		vj_json_add(m, "arguments", args);
	}
	queue_internal(px, m, TAG_INT_CAPS);
	/* The policy's command names are checked against query-commands: it
	 * names every command, as the full query-qmp-schema would, at a small
	 * fraction of QEMU's cost (about 200 KB and 170 ms for the schema).
	 * Where a failed check ends the jail ("error"), it goes up at once
	 * and clients are greeted only after it, so that no command of
	 * theirs runs before. Where it only warns, clients are greeted now
	 * and served once the target negotiated; the check, about a
	 * millisecond of QEMU's time, goes up behind the first client
	 * command (or VJ_QMP_SCHEMA_DELAY_MS after that, if none comes), not
	 * before it. */
	if (px->cfg->schema_check == VJ_QMP_CHECK_ERROR)
		queue_schema(px);
	else if (px->cfg->schema_check == VJ_QMP_CHECK_WARN)
		px->schema_deferred = true;
	vj_qmp_greet_all(px);
	return 0;
}

/* Clients' commands go up from here on. */
static void target_ready(struct vj_qmp_proxy *px)
{
	if (px->state != VJ_QMP_TARGET_STARTING)
		return;
	px->state = VJ_QMP_TARGET_READY;
	if (px->schema_deferred)
		vj_qmp_schema_timer(px, VJ_QMP_SCHEMA_DELAY_MS);
	vj_qmp_greet_all(px);
	for (struct vj_qmp_client *c = px->clients, *next; c; c = next) {
		next = c->next;
		vj_qmp_client_update(c); /* reading resumes */
	}
	if (px->hooks.ready)
		px->hooks.ready(px->hooks.opaque);
}

static void deliver_event(struct vj_qmp_proxy *px, const struct vj_qmp_frame *fr, json_object *msg)
{
	char stack[4096];
	if (fr->quirks) {
		/* Not what QEMU sends: pass on standard JSON only. */
		for (struct vj_qmp_client *c = px->clients, *next; c; c = next) {
			next = c->next;
			if (c->negotiated)
				vj_qmp_client_send_json(c, msg);
		}
		return;
	}
	char *b = fr->len + 2 <= sizeof(stack) ? stack : malloc(fr->len + 2);
	if (!b)
		return;
	memcpy(b, fr->data, fr->len);
	memcpy(b + fr->len, "\r\n", 2);
	for (struct vj_qmp_client *c = px->clients, *next; c; c = next) {
		next = c->next;
		if (c->negotiated)
			vj_qmp_client_send(c, b, fr->len + 2);
	}
	if (b != stack)
		free(b);
}

static int on_reply(struct vj_qmp_proxy *px, json_object *msg)
{
	struct vj_qmp_pending *rec = vj_qmp_route_down(&px->router, msg);
	json_object *ret = NULL;
	if (!rec && px->upq_n && json_object_object_get_ex(msg, "error", NULL) &&
	    !json_object_object_get_ex(msg, "id", NULL)) {
		rec = px->upq[px->upq_head];
		vj_qmp_route_take(&px->router, rec, msg);
	}
	if (!rec || !rec->sent) {
		vj_qmp_target_fail(px, true, "the target sent a QMP reply to no command");
		vj_qmp_pending_free(rec);
		return -EPROTO;
	}
	json_object_object_get_ex(msg, "return", &ret);
	/* Only oob commands can overtake; every other reply ends the one
	 * in-band command upstream. */
	bool was_inband = !rec->oob;
	struct vj_qmp_client *c = rec->owner;
	switch (rec->tag) {
	case TAG_INT_CAPS:
		if (!ret) {
			vj_qmp_target_fail(px, true, "the target refused QMP capabilities negotiation");
			vj_qmp_pending_free(rec);
			return -EPROTO;
		}
		if (px->cfg->schema_check != VJ_QMP_CHECK_ERROR)
			target_ready(px);
		break;
	case TAG_INT_SCHEMA:
		if (ret)
			check_schema(px, ret);
		if (px->schema_bad) {
			vj_qmp_target_fail(px, true, "the QMP policy names commands the target does not have");
			vj_qmp_pending_free(rec);
			return -EPROTO;
		}
		target_ready(px);
		break;
	default:
		break;
	}
	if (c) {
		c->n_inflight--;
		if (ret && rec->tag == TAG_COMMANDS)
			vj_qmp_filter_commands(&c->l->sp->policy, ret);
		else if (ret && rec->tag == TAG_SCHEMA)
			vj_qmp_filter_schema(&c->l->sp->policy, ret);
		else if (ret && rec->tag == TAG_GETFD && rec->aux && !vj_strv_contains(c->fdnames, rec->aux))
			vj_strv_push(&c->fdnames, rec->aux);
		if (!ret && c->fdnames)
			untranslate_desc(c, msg);
		vj_qmp_client_send_json(c, msg);
		if (!c->dead)
			vj_qmp_client_update(c);
	}
	if (was_inband)
		upq_remove(px, rec);
	vj_qmp_pending_free(rec);
	if (was_inband)
		vj_qmp_pump(px);
	return 0;
}

int vj_qmp_upstream_frame(void *opaque, const struct vj_qmp_frame *fr)
{
	struct vj_qmp_proxy *px = opaque;
	const char *why;
	if (px->state >= VJ_QMP_TARGET_CLOSED)
		return -EPIPE;
	if (fr->len >= VJ_QMP_TRIM_AFTER)
		px->trim = true;
	if (fr->kind == VJ_QMP_FRAME_OVERSIZE) {
		vj_qmp_target_fail(px, true, "the target sent a QMP message larger than %zu bytes",
				   px->cfg->max_target_message);
		return -EPROTO;
	}
	if (fr->kind == VJ_QMP_FRAME_ERROR) {
		vj_qmp_target_fail(px, true, "the target sent invalid JSON on its QMP monitor: %.*s", (int)fr->len,
				   fr->data);
		return -EPROTO;
	}
	_cleanup_json_ json_object *msg = vj_qmp_json_parse(px->tok, fr, &why);
	if (!msg || !json_object_is_type(msg, json_type_object)) {
		vj_qmp_target_fail(px, true, "the target sent invalid JSON on its QMP monitor: %s",
				   msg ? "not an object" : why);
		return -EPROTO;
	}
	if (!px->greeting)
		return on_greeting(px, msg);
	if (json_object_object_get_ex(msg, "event", NULL)) {
		if (!str_of(msg, "event")) {
			vj_qmp_target_fail(px, true, "the target sent a malformed QMP event");
			return -EPROTO;
		}
		deliver_event(px, fr, msg);
		return 0;
	}
	if (json_object_object_get_ex(msg, "return", NULL) || json_object_object_get_ex(msg, "error", NULL))
		return on_reply(px, msg);
	vj_qmp_target_fail(px, true, "the target sent an unexpected QMP message");
	return -EPROTO;
}
