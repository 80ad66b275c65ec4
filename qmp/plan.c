/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * plan.c - the profile's "qmp" section, its command-line options and the
 * target's monitor arguments. Side-effect free.
 *
 *   "qmp": {
 *     "enabled": true,                      default: true when sockets exist
 *     "wiring": "qemu" | "qemu-storage-daemon" | ["-arg", "...{fd}..."],
 *     "sockets": [{"path": "/abs", "policy": "full" | "readonly" |
 *                  {"allow": [RULE...]} | {"deny": [RULE...], "defaults": true},
 *                  "mode": "0600", "owner": UID, "group": GID}],
 *     "mode": "0600", "owner": UID, "group": GID,   defaults for sockets
 *     "deny": [RULE...],                     denied on every socket
 *     "max_client_message": 1048576, "max_target_message": 16777216,
 *     "client_buffer": 1048576,
 *     "schema_check": "warn" | "error" | "off"
 *   }
 *   RULE: "command-glob" | {"command": "glob", "arguments": {"key": "[!]glob"}}
 */
#include <limits.h>
#include <stdio.h>

#include "cli.h"
#include "jsonp.h"
#include "jsonw.h"
#include "qmp-int.h"

/* ---- the section's keys ----
 * The tables the parsers below read (jsonp.h); `vmjail features`
 * describes them (vj_qmp_section_keys). */

static const char *const wiring_names[] = { "qemu", "qemu-storage-daemon", NULL };
static const char *const check_names[] = { "warn", "error", "off", NULL };
#define MODE_WHAT "an octal mode such as \"0600\" (at most 0777)"
#define ID_RANGE .min = 0, .max = (int64_t)UINT32_MAX - 1

static const struct vj_jkey wiring_item = { NULL, VJ_JT_STR };

enum { SOCK_PATH, SOCK_POLICY, SOCK_MODE, SOCK_OWNER, SOCK_GROUP, SOCK__COUNT };
static const struct vj_jkey socket_keys[] = {
	[SOCK_PATH] = { "path", VJ_JT_STR, .what = "an absolute path, shorter than 108 bytes" },
	[SOCK_POLICY] = { "policy", VJ_JT_STR | VJ_JT_OBJ, .values = vj_qmp_policy_names, .keys = vj_qmp_policy_keys,
			  .what = "\"full\", \"readonly\", {\"allow\": [RULE...]} or {\"deny\": [RULE...]}" },
	[SOCK_MODE] = { "mode", VJ_JT_STR, .what = MODE_WHAT },
	[SOCK_OWNER] = { "owner", VJ_JT_INT, ID_RANGE },
	[SOCK_GROUP] = { "group", VJ_JT_INT, ID_RANGE },
	[SOCK__COUNT] = { NULL },
};
static const struct vj_jkey socket_item = { NULL, VJ_JT_OBJ, .keys = socket_keys };

enum {
	Q_ENABLED, Q_WIRING, Q_SOCKETS, Q_MODE, Q_OWNER, Q_GROUP, Q_DENY, Q_MAX_CLIENT_MESSAGE,
	Q_MAX_TARGET_MESSAGE, Q_CLIENT_BUFFER, Q_SCHEMA_CHECK, Q__COUNT
};
/* QEMU refuses input of more than 2 Mi tokens; every token is at least a
 * byte: max_client_message stays below. */
const struct vj_jkey vj_qmp_section_keys[] = {
	[Q_ENABLED] = { "enabled", VJ_JT_BOOL },
	[Q_WIRING] = { "wiring", VJ_JT_STR | VJ_JT_ARR, .values = wiring_names, .item = &wiring_item,
		       .what = "\"qemu\", \"qemu-storage-daemon\" or the monitor's arguments, one with \"{fd}\"" },
	[Q_SOCKETS] = { "sockets", VJ_JT_ARR, .item = &socket_item },
	[Q_MODE] = { "mode", VJ_JT_STR, .what = MODE_WHAT },
	[Q_OWNER] = { "owner", VJ_JT_INT, ID_RANGE },
	[Q_GROUP] = { "group", VJ_JT_INT, ID_RANGE },
	[Q_DENY] = { "deny", VJ_JT_ARR, .item = &vj_qmp_rule_item, .what = "rules denied on every socket" },
	[Q_MAX_CLIENT_MESSAGE] = { "max_client_message", VJ_JT_INT, .min = 4096, .max = 2000000 },
	[Q_MAX_TARGET_MESSAGE] = { "max_target_message", VJ_JT_INT, .min = 65536, .max = 1 << 30 },
	[Q_CLIENT_BUFFER] = { "client_buffer", VJ_JT_INT, .min = 4096, .max = 1 << 30 },
	[Q_SCHEMA_CHECK] = { "schema_check", VJ_JT_STR, .values = check_names },
	[Q__COUNT] = { NULL },
};
static const struct vj_jkey *const q_keys = vj_qmp_section_keys;

static struct vj_qmp_cfg *cfg_new(void)
{
	struct vj_qmp_cfg *c = vj_xcalloc(1, sizeof(*c));
	c->wiring = VJ_QMP_WIRING_QEMU;
	c->max_client_message = VJ_QMP_DEFAULT_MAX_CLIENT;
	c->max_target_message = VJ_QMP_DEFAULT_MAX_TARGET;
	c->client_buffer = VJ_QMP_DEFAULT_CLIENT_BUFFER;
	c->schema_check = VJ_QMP_CHECK_WARN;
	return c;
}

void vj_qmp_plan_init_default(struct vj_qmp_plan *p)
{
	p->enabled = true;
	p->priv = cfg_new();
}

static struct vj_qmp_socket_plan *add_socket(struct vj_qmp_cfg *c)
{
	c->sockets = realloc(c->sockets, (c->n_sockets + 1) * sizeof(*c->sockets));
	if (!c->sockets)
		abort();
	struct vj_qmp_socket_plan *s = &c->sockets[c->n_sockets++];
	memset(s, 0, sizeof(*s));
	s->mode = 0600;
	s->uid = (uid_t)-1;
	s->gid = (gid_t)-1;
	return s;
}

void vj_qmp_plan_add_socket(struct vj_qmp_plan *p, const char *path, const char *policy)
{
	struct vj_qmp_cfg *c = vj_qmp_cfg(p);
	struct vj_qmp_socket_plan *s = add_socket(c);
	s->path = vj_xstrdup(path);
	vj_qmp_policy_init_named(&s->policy, policy);
	s->policy.global_deny = &c->deny;
}

static int parse_mode(const struct vj_jnode *n, mode_t *out, struct vj_error *err)
{
	const char *s;
	int r = vj_jnode_string(n, &s, err);
	if (r < 0)
		return r;
	if (!*s || strlen(s) > 4 || strspn(s, "01234567") != strlen(s))
		return vj_jnode_error(n, err, 0, "expected an octal mode such as \"0600\", got \"%s\"", s);
	unsigned long m = strtoul(s, NULL, 8);
	if (m > 0777)
		return vj_jnode_error(n, err, 0, "only permission bits (at most 0777) are allowed");
	*out = (mode_t)m;
	return 0;
}

static int parse_id(const struct vj_jnode *obj, const struct vj_jkey *k, uint32_t *out, struct vj_error *err)
{
	int64_t v = -1;
	int r = vj_jget_int(obj, k->name, k->min, k->max, &v, err);
	if (r >= 0 && v >= 0)
		*out = (uint32_t)v;
	return r;
}

static int parse_size(const struct vj_jnode *obj, const struct vj_jkey *k, size_t *out, struct vj_error *err)
{
	int64_t v = (int64_t)*out;
	int r = vj_jget_int(obj, k->name, k->min, k->max, &v, err);
	if (r >= 0)
		*out = (size_t)v;
	return r;
}

static int parse_sockets(struct vj_qmp_cfg *c, const struct vj_jnode *n, mode_t dmode, uid_t duid,
			 gid_t dgid, struct vj_error *err)
{
	const struct vj_jkey *keys = socket_keys;
	int r = vj_jnode_expect(n, json_type_array, err);
	if (r < 0)
		return r;
	size_t len = json_object_array_length(n->obj);
	for (size_t i = 0; i < len; i++) {
		struct vj_jnode e, k;
		const char *path;
		vj_jnode_index(n, i, &e);
		if ((r = vj_jnode_expect(&e, json_type_object, err)) < 0 ||
		    (r = vj_jnode_check_keytab(&e, keys, err)) < 0)
			return r;
		vj_jnode_keyof(&e, &keys[SOCK_PATH], &k);
		if (!vj_jnode_present(&k))
			return vj_jnode_error(&e, err, 0, "missing \"path\"");
		if ((r = vj_jnode_abspath(&k, &path, err)) < 0)
			return r;
		if (strlen(path) >= 108)
			return vj_jnode_error(&k, err, ENAMETOOLONG, "socket path too long");
		for (size_t j = 0; j < c->n_sockets; j++)
			if (vj_streq(c->sockets[j].path, path))
				return vj_jnode_error(&k, err, 0, "\"%s\" is given twice", path);
		struct vj_qmp_socket_plan *s = add_socket(c);
		s->path = vj_xstrdup(path);
		s->mode = dmode;
		s->uid = duid;
		s->gid = dgid;
		vj_jnode_keyof(&e, &keys[SOCK_POLICY], &k);
		if (vj_jnode_present(&k))
			r = vj_qmp_policy_parse(&s->policy, &k, err);
		else
			vj_qmp_policy_init_named(&s->policy, "full");
		if (r < 0)
			return r;
		s->policy.global_deny = &c->deny;
		vj_jnode_keyof(&e, &keys[SOCK_MODE], &k);
		if (vj_jnode_present(&k) && (r = parse_mode(&k, &s->mode, err)) < 0)
			return r;
		if ((r = parse_id(&e, &keys[SOCK_OWNER], &s->uid, err)) < 0 ||
		    (r = parse_id(&e, &keys[SOCK_GROUP], &s->gid, err)) < 0)
			return r;
	}
	return 0;
}

static int parse_wiring(struct vj_qmp_cfg *c, const struct vj_jnode *n, struct vj_error *err)
{
	int r, idx;
	if (json_object_is_type(n->obj, json_type_string)) {
		if ((r = vj_jnode_enum(n, wiring_names, &idx, err)) < 0)
			return r;
		c->wiring = idx == 0 ? VJ_QMP_WIRING_QEMU : VJ_QMP_WIRING_QSD;
		return 0;
	}
	if (!json_object_is_type(n->obj, json_type_array))
		return vj_jnode_error(n, err, 0, "expected \"qemu\", \"qemu-storage-daemon\" or an array of arguments");
	if ((r = vj_jnode_strv(n, &c->template, err)) < 0)
		return r;
	bool has_fd = false;
	for (size_t i = 0; c->template[i]; i++)
		has_fd |= strstr(c->template[i], "{fd}") != NULL;
	if (!has_fd)
		return vj_jnode_error(n, err, 0, "no argument contains \"{fd}\"");
	c->wiring = VJ_QMP_WIRING_TEMPLATE;
	return 0;
}

int vj_qmp_plan_parse(struct vj_qmp_plan *p, const struct vj_jnode *n, struct vj_error *err)
{
	struct vj_qmp_cfg *c = cfg_new();
	struct vj_jnode k;
	int r, idx;
	p->priv = c;
	p->enabled = false;
	if (!n || !vj_jnode_present(n))
		return 0;
	if ((r = vj_jnode_expect(n, json_type_object, err)) < 0 || (r = vj_jnode_check_keytab(n, q_keys, err)) < 0)
		return r;
	vj_jnode_keyof(n, &q_keys[Q_WIRING], &k);
	if (vj_jnode_present(&k) && (r = parse_wiring(c, &k, err)) < 0)
		return r;
	vj_jnode_keyof(n, &q_keys[Q_DENY], &k);
	if (vj_jnode_present(&k) && (r = vj_qmp_rules_parse(&c->deny, &k, err)) < 0)
		return r;
	mode_t dmode = 0600;
	uint32_t duid = (uint32_t)-1, dgid = (uint32_t)-1;
	vj_jnode_keyof(n, &q_keys[Q_MODE], &k);
	if (vj_jnode_present(&k) && (r = parse_mode(&k, &dmode, err)) < 0)
		return r;
	if ((r = parse_id(n, &q_keys[Q_OWNER], &duid, err)) < 0 || (r = parse_id(n, &q_keys[Q_GROUP], &dgid, err)) < 0)
		return r;
	vj_jnode_keyof(n, &q_keys[Q_SOCKETS], &k);
	if (vj_jnode_present(&k) && (r = parse_sockets(c, &k, dmode, duid, dgid, err)) < 0)
		return r;
	if ((r = parse_size(n, &q_keys[Q_MAX_CLIENT_MESSAGE], &c->max_client_message, err)) < 0 ||
	    (r = parse_size(n, &q_keys[Q_MAX_TARGET_MESSAGE], &c->max_target_message, err)) < 0 ||
	    (r = parse_size(n, &q_keys[Q_CLIENT_BUFFER], &c->client_buffer, err)) < 0)
		return r;
	vj_jnode_keyof(n, &q_keys[Q_SCHEMA_CHECK], &k);
	if (vj_jnode_present(&k)) {
		if ((r = vj_jnode_enum(&k, check_names, &idx, err)) < 0)
			return r;
		c->schema_check = (enum vj_qmp_check)idx;
	}
	p->enabled = c->n_sockets > 0;
	return vj_jget_bool(n, q_keys[Q_ENABLED].name, &p->enabled, err);
}

static json_object *mode_json(mode_t m)
{
	char b[8];
	snprintf(b, sizeof(b), "%04o", (unsigned)m);
	return json_object_new_string(b);
}

json_object *vj_qmp_plan_to_json(const struct vj_qmp_plan *p)
{
	const struct vj_qmp_cfg *c = vj_qmp_cfg(p);
	json_object *o = json_object_new_object();
	vj_json_add_bool(o, "enabled", p->enabled);
	if (!c)
		return o;
	if (c->wiring == VJ_QMP_WIRING_TEMPLATE)
		vj_json_add_strv(o, "wiring", c->template);
	else
		vj_json_add_string(o, "wiring", c->wiring == VJ_QMP_WIRING_QEMU ? "qemu" : "qemu-storage-daemon");
	json_object *socks = json_object_new_array();
	for (size_t i = 0; i < c->n_sockets; i++) {
		const struct vj_qmp_socket_plan *s = &c->sockets[i];
		json_object *so = json_object_new_object();
		vj_json_add_string(so, "path", s->path);
		vj_json_add(so, "policy", vj_qmp_policy_to_json(&s->policy));
		vj_json_add(so, "mode", mode_json(s->mode));
		if (s->uid != (uid_t)-1)
			vj_json_add_uint(so, "owner", s->uid);
		if (s->gid != (gid_t)-1)
			vj_json_add_uint(so, "group", s->gid);
		json_object_array_add(socks, so);
	}
	vj_json_add(o, "sockets", socks);
	vj_json_add(o, "deny", vj_qmp_rules_to_json(&c->deny));
	vj_json_add_uint(o, "max_client_message", c->max_client_message);
	vj_json_add_uint(o, "max_target_message", c->max_target_message);
	vj_json_add_uint(o, "client_buffer", c->client_buffer);
	vj_json_add_string(o, "schema_check", check_names[c->schema_check]);
	return o;
}

void vj_qmp_plan_free(struct vj_qmp_plan *p)
{
	struct vj_qmp_cfg *c = p->priv;
	if (!c)
		return;
	vj_strv_free(c->template);
	for (size_t i = 0; i < c->n_sockets; i++) {
		free(c->sockets[i].path);
		vj_qmp_policy_free(&c->sockets[i].policy);
	}
	free(c->sockets);
	vj_qmp_rules_free(&c->deny);
	free(c);
	p->priv = NULL;
}

static void push(char ***v, const char *s)
{
	if (vj_strv_push(v, s) < 0)
		abort();
}

static void push_chardev(char ***v, int fd)
{
	_cleanup_free_ char *a = vj_xasprintf("socket,id=vmjail-qmp,fd=%d", fd);
	push(v, a);
}

/* "{fd}" in a template argument becomes the number. */
static char *subst_fd(const char *t, int fd)
{
	size_t n = strlen(t) + 16;
	char *o = vj_xcalloc(1, n * 2 + 16), *w = o;
	for (const char *s = t; *s;) {
		if (strncmp(s, "{fd}", 4) == 0) {
			w += sprintf(w, "%d", fd);
			s += 4;
		} else
			*w++ = *s++;
	}
	return o;
}

char **vj_qmp_target_argv(const struct vj_qmp_plan *p, int fd)
{
	const struct vj_qmp_cfg *c = vj_qmp_cfg(p);
	char **v = vj_xcalloc(1, sizeof(char *));
	if (!c || !p->enabled)
		return v;
	switch (c->wiring) {
	case VJ_QMP_WIRING_QEMU:
		push(&v, "-chardev");
		push_chardev(&v, fd);
		push(&v, "-mon");
		push(&v, "chardev=vmjail-qmp,mode=control");
		break;
	case VJ_QMP_WIRING_QSD:
		push(&v, "--chardev");
		push_chardev(&v, fd);
		push(&v, "--monitor");
		push(&v, "chardev=vmjail-qmp");
		break;
	case VJ_QMP_WIRING_TEMPLATE:
		for (size_t i = 0; c->template[i]; i++) {
			_cleanup_free_ char *a = subst_fd(c->template[i], fd);
			if (vj_strv_push(&v, a) < 0)
				abort();
		}
		break;
	}
	return v;
}

/* ---- command-line options (cli.h) ---- */

static int add_cli_socket(json_object *overlay, const char *arg, const char *policy, const char *opt,
			  struct vj_error *err)
{
	_cleanup_free_ char *abs = NULL;
	if (!arg || !*arg)
		return vj_error_setx(err, EINVAL, "%s: a socket path is needed", opt);
	if (arg[0] != '/') {
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof(cwd)))
			return vj_error_set(err, errno, "%s %s: getcwd", opt, arg);
		abs = vj_xasprintf("%s/%s", strcmp(cwd, "/") ? cwd : "", arg);
		arg = abs;
	}
	json_object *arr = vj_overlay_array(overlay, "qmp.sockets");
	json_object *s = json_object_new_object();
	vj_json_add_string(s, "path", arg);
	vj_json_add_string(s, "policy", policy);
	vj_json_tag_file(s, opt, true);
	json_object_array_add(arr, s);
	vj_overlay_set(overlay, "qmp.enabled", json_object_new_boolean(true), opt);
	return 0;
}

static int apply_qmp(json_object *overlay, const char *arg, struct vj_error *err)
{
	return add_cli_socket(overlay, arg, "full", "--qmp", err);
}

static int apply_qmp_readonly(json_object *overlay, const char *arg, struct vj_error *err)
{
	return add_cli_socket(overlay, arg, "readonly", "--qmp-readonly", err);
}

static int apply_qmp_mode(json_object *overlay, const char *arg, struct vj_error *err)
{
	if (!arg || !*arg || strlen(arg) > 4 || strspn(arg, "01234567") != strlen(arg) || strtoul(arg, NULL, 8) > 0777)
		return vj_error_setx(err, EINVAL, "--qmp-mode %s: expected an octal mode such as 0660", arg ? arg : "");
	vj_overlay_set(overlay, "qmp.mode", json_object_new_string(arg), "--qmp-mode");
	return 0;
}

static int apply_qmp_owner(json_object *overlay, const char *arg, struct vj_error *err)
{
	_cleanup_free_ char *copy = vj_xstrdup(arg ? arg : "");
	char *colon = strchr(copy, ':');
	uint64_t uid, gid;
	if (colon)
		*colon = '\0';
	if (vj_parse_u64(copy, &uid) < 0 || uid >= UINT32_MAX ||
	    (colon && (vj_parse_u64(colon + 1, &gid) < 0 || gid >= UINT32_MAX)))
		return vj_error_setx(err, EINVAL, "--qmp-owner %s: expected UID[:GID] (numbers)", arg ? arg : "");
	vj_overlay_set(overlay, "qmp.owner", json_object_new_int64((int64_t)uid), "--qmp-owner");
	if (colon)
		vj_overlay_set(overlay, "qmp.group", json_object_new_int64((int64_t)gid), "--qmp-owner");
	return 0;
}

static int apply_qmp_deny(json_object *overlay, const char *arg, struct vj_error *err)
{
	if (!arg || !*arg)
		return vj_error_setx(err, EINVAL, "--qmp-deny: a command name is needed");
	json_object *arr = vj_overlay_array(overlay, "qmp.deny");
	json_object *s = json_object_new_string(arg);
	vj_json_tag_file(s, "--qmp-deny", true);
	json_object_array_add(arr, s);
	return 0;
}

const struct vj_cli_option vj_qmp_cli_options[] = {
	{ "qmp", "PATH", "serve the target's QMP monitor on a unix socket (policy \"full\")", apply_qmp },
	{ "qmp-readonly", "PATH", "serve a read-only QMP socket (query commands only)", apply_qmp_readonly },
	{ "qmp-mode", "MODE", "permission bits of the QMP sockets (default 0600)", apply_qmp_mode },
	{ "qmp-owner", "UID[:GID]", "owner of the QMP sockets", apply_qmp_owner },
	{ "qmp-deny", "COMMAND", "deny a QMP command (glob) on every socket", apply_qmp_deny },
	{ 0 },
};
