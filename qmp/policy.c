/* SPDX-License-Identifier: GPL-2.0-or-later */
/* QMP command policy and introspection filtering; see policy.h. */
#include "policy.h"

#include <fnmatch.h>

#include "jsonp.h"
#include "jsonw.h"

/* Commands that would let a client step around the policy or make the
 * target run programs / write files by name. doc/qmp-proxy.md gives the
 * reason for each. */
static const struct {
	const char *command, *key, *glob;
} default_deny[] = {
	{ "human-monitor-command", NULL, NULL },
	{ "migrate", "uri", "exec:*" },
	{ "migrate-incoming", "uri", "exec:*" },
	/* QEMU 8.2+: file: URIs, and "channels" (whose "exec" transport runs a
	 * program); denied until the policy can look inside "channels". */
	{ "migrate", "uri", "file:*" },
	{ "migrate-incoming", "uri", "file:*" },
	{ "migrate", "channels", "*" },
	{ "migrate-incoming", "channels", "*" },
	{ "dump-guest-memory", "protocol", "file:*" },
	{ "screendump", NULL, NULL },
	{ "pmemsave", NULL, NULL },
	{ "memsave", NULL, NULL },
	{ "dump-skeys", NULL, NULL },
	{ "xen-save-devices-state", NULL, NULL },
	{ "xen-load-devices-state", NULL, NULL },
	{ "netdev_add", "script", "!no" },
	{ "netdev_add", "downscript", "!no" },
	{ "netdev_add", "type", "bridge" },
	{ "netdev_add", "helper", "*" },
};

/* Side-effect free: queries and QOM reads. Not ringbuf-read (it consumes),
 * not device-list-properties nor qom-list-properties (each instantiates an
 * object of the type named, running its code). */
static const char *const readonly_allow[] = {
	"query-*", "qom-list", "qom-get", "qom-list-types", "trace-event-get-state",
};

static void rule_free(struct vj_qmp_rule *r)
{
	free(r->command);
	for (size_t i = 0; i < r->n_args; i++) {
		free(r->args[i].key);
		free(r->args[i].glob);
	}
	free(r->args);
}

void vj_qmp_rules_free(struct vj_qmp_rules *r)
{
	for (size_t i = 0; i < r->n; i++)
		rule_free(&r->v[i]);
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

static struct vj_qmp_rule *rules_add(struct vj_qmp_rules *r, const char *command)
{
	r->v = realloc(r->v, (r->n + 1) * sizeof(*r->v));
	if (!r->v)
		abort();
	struct vj_qmp_rule *x = &r->v[r->n++];
	memset(x, 0, sizeof(*x));
	x->command = vj_xstrdup(command);
	return x;
}

static void rule_add_arg(struct vj_qmp_rule *x, const char *key, const char *pat)
{
	x->args = realloc(x->args, (x->n_args + 1) * sizeof(*x->args));
	if (!x->args)
		abort();
	struct vj_qmp_argpat *a = &x->args[x->n_args++];
	a->key = vj_xstrdup(key);
	a->negate = pat[0] == '!';
	a->glob = vj_xstrdup(pat + a->negate);
}

void vj_qmp_rules_default_deny(struct vj_qmp_rules *r)
{
	for (size_t i = 0; i < ARRAY_SIZE(default_deny); i++) {
		struct vj_qmp_rule *x = rules_add(r, default_deny[i].command);
		x->builtin = true;
		if (default_deny[i].key)
			rule_add_arg(x, default_deny[i].key, default_deny[i].glob);
	}
}

void vj_qmp_rules_readonly(struct vj_qmp_rules *r)
{
	for (size_t i = 0; i < ARRAY_SIZE(readonly_allow); i++)
		rules_add(r, readonly_allow[i])->builtin = true;
}

/* ---- the keys of rules and policies ----
 * The tables the parsers below read (jsonp.h); `vmjail features`
 * describes them as part of the "qmp" section (plan.c). */

const char *const vj_qmp_policy_names[] = { "full", "readonly", NULL };

enum { RULE_COMMAND, RULE_ARGUMENTS, RULE__COUNT };
static const struct vj_jkey rule_keys[] = {
	[RULE_COMMAND] = { "command", VJ_JT_STR, .what = "a command name or glob, such as \"query-*\"" },
	[RULE_ARGUMENTS] = { "arguments", VJ_JT_OBJ,
			     .what = "argument name -> a glob, \"!glob\" (not matching), or \"*\" (present)" },
	[RULE__COUNT] = { NULL },
};
const struct vj_jkey vj_qmp_rule_item = { NULL, VJ_JT_STR | VJ_JT_OBJ, .keys = rule_keys };

enum { POL_ALLOW, POL_DENY, POL_DEFAULTS, POL__COUNT };
const struct vj_jkey vj_qmp_policy_keys[] = {
	[POL_ALLOW] = { "allow", VJ_JT_ARR, .item = &vj_qmp_rule_item, .what = "rules: only the commands they match run" },
	[POL_DENY] = { "deny", VJ_JT_ARR, .item = &vj_qmp_rule_item, .what = "rules: the commands they match are denied" },
	[POL_DEFAULTS] = { "defaults", VJ_JT_BOOL, .what = "with \"deny\": the built-in deny list too (default true)" },
	[POL__COUNT] = { NULL },
};

static bool valid_name_glob(const char *s)
{
	if (!*s || strlen(s) > 128)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      strchr("-_.*?[]!", *s)))
			return false;
	return true;
}

int vj_qmp_rules_parse(struct vj_qmp_rules *r, const struct vj_jnode *n, struct vj_error *err)
{
	int k = vj_jnode_expect(n, json_type_array, err);
	if (k < 0)
		return k;
	size_t len = json_object_array_length(n->obj);
	for (size_t i = 0; i < len; i++) {
		struct vj_jnode e, c, a;
		const char *name;
		vj_jnode_index(n, i, &e);
		if (json_object_is_type(e.obj, json_type_string)) {
			c = e;
		} else {
			if ((k = vj_jnode_expect(&e, json_type_object, err)) < 0 ||
			    (k = vj_jnode_check_keytab(&e, rule_keys, err)) < 0)
				return k;
			vj_jnode_keyof(&e, &rule_keys[RULE_COMMAND], &c);
			if (!vj_jnode_present(&c))
				return vj_jnode_error(&e, err, 0, "missing \"command\"");
		}
		if ((k = vj_jnode_string(&c, &name, err)) < 0)
			return k;
		if (!valid_name_glob(name))
			return vj_jnode_error(&c, err, 0, "\"%s\" is not a command name or glob", name);
		struct vj_qmp_rule *x = rules_add(r, name);
		if (e.obj == c.obj)
			continue;
		vj_jnode_keyof(&e, &rule_keys[RULE_ARGUMENTS], &a);
		if (!vj_jnode_present(&a))
			continue;
		if ((k = vj_jnode_expect(&a, json_type_object, err)) < 0)
			return k;
		json_object_object_foreach(a.obj, key, val) {
			struct vj_jnode v;
			const char *pat;
			(void)val;
			vj_jnode_key(&a, key, &v);
			if ((k = vj_jnode_string(&v, &pat, err)) < 0)
				return k;
			rule_add_arg(x, key, pat);
		}
	}
	return 0;
}

json_object *vj_qmp_rules_to_json(const struct vj_qmp_rules *r)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < r->n; i++) {
		const struct vj_qmp_rule *x = &r->v[i];
		if (!x->n_args) {
			json_object_array_add(a, json_object_new_string(x->command));
			continue;
		}
		json_object *o = json_object_new_object(), *args = json_object_new_object();
		vj_json_add_string(o, "command", x->command);
		for (size_t j = 0; j < x->n_args; j++) {
			_cleanup_free_ char *p = vj_xasprintf("%s%s", x->args[j].negate ? "!" : "",
							      x->args[j].glob);
			vj_json_add_string(args, x->args[j].key, p);
		}
		vj_json_add(o, "arguments", args);
		json_object_array_add(a, o);
	}
	return a;
}

void vj_qmp_policy_init_named(struct vj_qmp_policy *p, const char *name)
{
	memset(p, 0, sizeof(*p));
	p->name = vj_xstrdup(name);
	if (vj_streq(name, "readonly")) {
		p->kind = VJ_QMP_POLICY_ALLOW;
		vj_qmp_rules_readonly(&p->rules);
	} else {
		p->kind = VJ_QMP_POLICY_DENY;
		vj_qmp_rules_default_deny(&p->rules);
	}
}

int vj_qmp_policy_parse(struct vj_qmp_policy *p, const struct vj_jnode *n, struct vj_error *err)
{
	const struct vj_jkey *keys = vj_qmp_policy_keys;
	int k, idx;
	memset(p, 0, sizeof(*p));
	if (json_object_is_type(n->obj, json_type_string)) {
		if ((k = vj_jnode_enum(n, vj_qmp_policy_names, &idx, err)) < 0)
			return k;
		vj_qmp_policy_init_named(p, vj_qmp_policy_names[idx]);
		return 0;
	}
	if ((k = vj_jnode_expect(n, json_type_object, err)) < 0 ||
	    (k = vj_jnode_check_keytab(n, keys, err)) < 0)
		return k;
	struct vj_jnode allow, deny;
	bool defaults = true;
	vj_jnode_keyof(n, &keys[POL_ALLOW], &allow);
	vj_jnode_keyof(n, &keys[POL_DENY], &deny);
	if (vj_jnode_present(&allow) == vj_jnode_present(&deny))
		return vj_jnode_error(n, err, 0, "exactly one of \"allow\" and \"deny\" is needed");
	if ((k = vj_jget_bool(n, keys[POL_DEFAULTS].name, &defaults, err)) < 0)
		return k;
	p->name = vj_xstrdup("custom");
	if (vj_jnode_present(&allow)) {
		p->kind = VJ_QMP_POLICY_ALLOW;
		struct vj_jnode d;
		vj_jnode_keyof(n, &keys[POL_DEFAULTS], &d);
		if (vj_jnode_present(&d))
			return vj_jnode_error(&d, err, 0, "only meaningful with \"deny\"");
		return vj_qmp_rules_parse(&p->rules, &allow, err);
	}
	p->kind = VJ_QMP_POLICY_DENY;
	if (defaults)
		vj_qmp_rules_default_deny(&p->rules);
	return vj_qmp_rules_parse(&p->rules, &deny, err);
}

void vj_qmp_policy_free(struct vj_qmp_policy *p)
{
	free(p->name);
	vj_qmp_rules_free(&p->rules);
	p->name = NULL;
}

json_object *vj_qmp_policy_to_json(const struct vj_qmp_policy *p)
{
	json_object *o = json_object_new_object();
	vj_json_add_string(o, "name", p->name);
	vj_json_add(o, p->kind == VJ_QMP_POLICY_ALLOW ? "allow" : "deny", vj_qmp_rules_to_json(&p->rules));
	return o;
}

static bool argpat_matches(const struct vj_qmp_argpat *a, json_object *args, bool for_deny)
{
	json_object *v;
	if (!args || !json_object_object_get_ex(args, a->key, &v))
		return false;
	if (!a->negate && !strcmp(a->glob, "*"))
		return true; /* "*": present, whatever its type */
	if (!json_object_is_type(v, json_type_string))
		return false;
	const char *s = json_object_get_string(v);
	if ((size_t)json_object_get_string_len(v) != strlen(s))
		return for_deny; /* embedded NUL: the two parsers would disagree */
	bool m = fnmatch(a->glob, s, 0) == 0;
	return a->negate ? !m : m;
}

static bool rule_matches(const struct vj_qmp_rule *x, const char *cmd, json_object *args, bool for_deny)
{
	if (fnmatch(x->command, cmd, 0) != 0)
		return false;
	for (size_t i = 0; i < x->n_args; i++)
		if (!argpat_matches(&x->args[i], args, for_deny))
			return false;
	return true;
}

static bool rules_match(const struct vj_qmp_rules *r, const char *cmd, json_object *args, bool for_deny)
{
	for (size_t i = 0; r && i < r->n; i++)
		if (rule_matches(&r->v[i], cmd, args, for_deny))
			return true;
	return false;
}

static bool rules_match_name_only(const struct vj_qmp_rules *r, const char *cmd)
{
	for (size_t i = 0; r && i < r->n; i++)
		if (r->v[i].n_args == 0 && fnmatch(r->v[i].command, cmd, 0) == 0)
			return true;
	return false;
}

bool vj_qmp_policy_allows(const struct vj_qmp_policy *p, const char *cmd, json_object *args)
{
	if (rules_match(p->global_deny, cmd, args, true))
		return false;
	if (p->kind == VJ_QMP_POLICY_DENY)
		return !rules_match(&p->rules, cmd, args, true);
	return rules_match(&p->rules, cmd, args, false);
}

bool vj_qmp_policy_lists(const struct vj_qmp_policy *p, const char *cmd)
{
	if (rules_match_name_only(p->global_deny, cmd))
		return false;
	if (p->kind == VJ_QMP_POLICY_DENY)
		return !rules_match_name_only(&p->rules, cmd);
	for (size_t i = 0; i < p->rules.n; i++)
		if (fnmatch(p->rules.v[i].command, cmd, 0) == 0)
			return true;
	return false;
}

/* Keep the array elements for which keep() is true, in order. */
static void filter_array(json_object *arr, const struct vj_qmp_policy *p,
			 bool (*keep)(const struct vj_qmp_policy *p, json_object *e))
{
	if (!json_object_is_type(arr, json_type_array))
		return;
	size_t n = json_object_array_length(arr), w = 0;
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		if (keep(p, e)) {
			if (w != i) {
				json_object_get(e);
				json_object_array_put_idx(arr, w, e);
			}
			w++;
		}
	}
	if (w < n)
		json_object_array_del_idx(arr, w, n - w);
}

static const char *str_member(json_object *e, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(e, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool keep_command(const struct vj_qmp_policy *p, json_object *e)
{
	const char *name = str_member(e, "name");
	return name && (vj_streq(name, "qmp_capabilities") || vj_qmp_policy_lists(p, name));
}

static bool keep_schema(const struct vj_qmp_policy *p, json_object *e)
{
	const char *mt = str_member(e, "meta-type");
	if (!vj_streq(mt, "command"))
		return true;
	return keep_command(p, e);
}

void vj_qmp_filter_commands(const struct vj_qmp_policy *p, json_object *ret)
{
	filter_array(ret, p, keep_command);
}

void vj_qmp_filter_schema(const struct vj_qmp_policy *p, json_object *ret)
{
	filter_array(ret, p, keep_schema);
}

void vj_qmp_rules_check(const struct vj_qmp_rules *r, json_object *schema,
			void (*report)(void *opaque, const char *glob), void *opaque)
{
	if (!json_object_is_type(schema, json_type_array))
		return;
	size_t n = json_object_array_length(schema);
	for (size_t i = 0; i < r->n; i++) {
		bool found = r->v[i].builtin;
		for (size_t j = 0; j < n && !found; j++) {
			json_object *e = json_object_array_get_idx(schema, j);
			const char *name = str_member(e, "name");
			/* query-commands entries have no meta-type; schema
			 * entries must be commands. */
			const char *mt = str_member(e, "meta-type");
			found = (!mt || vj_streq(mt, "command")) && name && fnmatch(r->v[i].command, name, 0) == 0;
		}
		if (!found)
			report(opaque, r->v[i].command);
	}
}
