/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lsm_plan.c - the profile's "lsm" section and the command-line options
 * that write it. Side-effect free: nothing here looks at the host.
 *
 *   "lsm": {
 *     "selinux":  "required" | "optional" | "off"
 *               | {"mode": ..., "label": "system_u:system_r:svirt_t:s0",
 *                  "file_label": "system_u:object_r:svirt_image_t:s0",
 *                  "mcs": true, "categories": [0, 1023], "relabel": true},
 *     "apparmor": "required" | "optional" | "off"
 *               | {"mode": ..., "profile": "name-of-a-loaded-profile"},
 *     "landlock": "required" | "optional" | "off"
 *               | {"mode": ..., "tcp_bind": [ports] | "any" | "auto",
 *                  "tcp_connect": [ports] | "any" | "auto",
 *                  "scope_signal": true, "scope_abstract_unix": true}
 *   }
 *
 * "auto" is the default of every layer: applied where the host has it,
 * silently left out where not (the start record says why); "optional"
 * says the same with a notice. Defaults: TCP
 * bind and connect "auto" - denied (where the kernel's Landlock can say
 * so) when the jail shares or joins a network namespace, not restricted
 * in a namespace of its own (only lo) - and both scopes on. In the object form, "mode" defaults to "required" when a
 * label or profile is named explicitly (a named label that silently does
 * not apply would be a surprise), else "optional". A string is shorthand
 * for {"mode": STRING}. vj_lsm_plan_to_json() prints the object form,
 * which this parser reads back.
 */
#include "lsm.h"

#include <stdio.h>

#include "cli.h"
#include "jsonp.h"
#include "jsonw.h"

/* ---- the section's keys ----
 * The tables the parsers below read (jsonp.h); `vmjail features`
 * describes them (vj_lsm_section_keys). Every layer's object has "mode"
 * first. */

static const char *const need_names[] = { "off", "auto", "optional", "required", NULL };
static const char *const port_words[] = { "any", "auto", NULL };
enum { PORTS_ANY, PORTS_AUTO };
#define CONTEXT_WHAT "a context USER:ROLE:TYPE:LEVEL"
#define PORTS_WHAT "a list of TCP ports (0 to 65535), \"any\" or \"auto\""

static const struct vj_jkey category_item = { NULL, VJ_JT_INT, .min = 0, .max = 1023 };
static const struct vj_jkey port_item = { NULL, VJ_JT_INT, .min = 0, .max = 65535 };

enum { LAYER_MODE };
enum { SEL_LABEL = LAYER_MODE + 1, SEL_FILE_LABEL, SEL_MCS, SEL_CATEGORIES, SEL_RELABEL, SEL__COUNT };
static const struct vj_jkey selinux_keys[] = {
	[LAYER_MODE] = { "mode", VJ_JT_STR, .values = need_names },
	[SEL_LABEL] = { "label", VJ_JT_STR, .what = CONTEXT_WHAT },
	[SEL_FILE_LABEL] = { "file_label", VJ_JT_STR, .what = CONTEXT_WHAT },
	[SEL_MCS] = { "mcs", VJ_JT_BOOL },
	[SEL_CATEGORIES] = { "categories", VJ_JT_ARR, .item = &category_item,
			     .what = "[FIRST, LAST]: category numbers 0 to 1023, FIRST below LAST" },
	[SEL_RELABEL] = { "relabel", VJ_JT_BOOL },
	[SEL__COUNT] = { NULL },
};

enum { AA_PROFILE = LAYER_MODE + 1, AA__COUNT };
static const struct vj_jkey apparmor_keys[] = {
	[LAYER_MODE] = { "mode", VJ_JT_STR, .values = need_names },
	[AA_PROFILE] = { "profile", VJ_JT_STR, .what = "the name of a loaded AppArmor profile" },
	[AA__COUNT] = { NULL },
};

enum { LL_TCP_BIND = LAYER_MODE + 1, LL_TCP_CONNECT, LL_SCOPE_SIGNAL, LL_SCOPE_ABSTRACT_UNIX, LL__COUNT };
static const struct vj_jkey landlock_keys[] = {
	[LAYER_MODE] = { "mode", VJ_JT_STR, .values = need_names },
	[LL_TCP_BIND] = { "tcp_bind", VJ_JT_STR | VJ_JT_ARR, .values = port_words, .item = &port_item,
			  .what = PORTS_WHAT },
	[LL_TCP_CONNECT] = { "tcp_connect", VJ_JT_STR | VJ_JT_ARR, .values = port_words, .item = &port_item,
			     .what = PORTS_WHAT },
	[LL_SCOPE_SIGNAL] = { "scope_signal", VJ_JT_BOOL },
	[LL_SCOPE_ABSTRACT_UNIX] = { "scope_abstract_unix", VJ_JT_BOOL },
	[LL__COUNT] = { NULL },
};

enum { LSM_SELINUX, LSM_APPARMOR, LSM_LANDLOCK, LSM__COUNT };
const struct vj_jkey vj_lsm_section_keys[] = {
	[LSM_SELINUX] = { "selinux", VJ_JT_STR | VJ_JT_OBJ, .values = need_names, .keys = selinux_keys },
	[LSM_APPARMOR] = { "apparmor", VJ_JT_STR | VJ_JT_OBJ, .values = need_names, .keys = apparmor_keys },
	[LSM_LANDLOCK] = { "landlock", VJ_JT_STR | VJ_JT_OBJ, .values = need_names, .keys = landlock_keys },
	[LSM__COUNT] = { NULL },
};

static int parse_mode(const struct vj_jnode *n, enum vj_lsm_need *out, struct vj_error *err)
{
	int choice;
	int r = vj_jnode_enum(n, need_names, &choice, err);
	if (r < 0)
		return r;
	*out = (enum vj_lsm_need)choice;
	return 0;
}

/* A string is the mode; an object is checked against keys and its "mode"
 * read. *obj tells the caller whether to read the other keys. */
static int parse_layer(const struct vj_jnode *n, const struct vj_jkey *keys, enum vj_lsm_need *mode, bool *obj,
		       bool *mode_given, struct vj_error *err)
{
	*obj = false;
	*mode_given = false;
	if (json_object_is_type(n->obj, json_type_string)) {
		*mode_given = true;
		return parse_mode(n, mode, err);
	}
	if (!json_object_is_type(n->obj, json_type_object))
		return vj_jnode_error(n, err, 0, "expected \"required\", \"optional\", \"auto\", \"off\" or an object");
	int r = vj_jnode_check_keytab(n, keys, err);
	if (r < 0)
		return r;
	*obj = true;
	struct vj_jnode m;
	vj_jnode_keyof(n, &keys[LAYER_MODE], &m);
	if (m.obj) {
		*mode_given = true;
		return parse_mode(&m, mode, err);
	}
	return 0;
}

/* SELinux contexts: user:role:type:level, printable, no spaces. The policy
 * decides whether it is valid (at prepare time). */
static int parse_context(const struct vj_jnode *n, char **out, struct vj_error *err)
{
	const char *s;
	int r = vj_jnode_string(n, &s, err);
	if (r < 0)
		return r;
	int colons = 0;
	for (const char *c = s; *c; c++) {
		if (*c <= ' ' || *c > '~')
			return vj_jnode_error(n, err, 0, "\"%s\": a context has no spaces or control characters", s);
		colons += *c == ':';
	}
	if (colons < 3)
		return vj_jnode_error(n, err, 0, "\"%s\": expected a context USER:ROLE:TYPE:LEVEL", s);
	free(*out);
	*out = vj_xstrdup(s);
	return 0;
}

/* AppArmor profile names: no spaces, no control characters, not empty. */
static int parse_profile_name(const struct vj_jnode *n, char **out, struct vj_error *err)
{
	const char *s;
	int r = vj_jnode_string(n, &s, err);
	if (r < 0)
		return r;
	if (!*s || strlen(s) > 255)
		return vj_jnode_error(n, err, 0, "expected a profile name");
	for (const char *c = s; *c; c++)
		if (*c <= ' ' || *c > '~' || *c == '"' || *c == '\\')
			return vj_jnode_error(n, err, 0, "\"%s\": a profile name has no spaces, quotes or control characters", s);
	free(*out);
	*out = vj_xstrdup(s);
	return 0;
}

static int parse_ports(const struct vj_jnode *n, struct vj_lsm_ports *p, struct vj_error *err)
{
	free(p->ports);
	p->ports = NULL;
	p->n = 0;
	p->any = false;
	p->set = true;
	if (json_object_is_type(n->obj, json_type_string)) {
		const char *s = json_object_get_string(n->obj);
		if (vj_streq(s, port_words[PORTS_AUTO])) {
			p->set = false;
			return 0;
		}
		if (!vj_streq(s, port_words[PORTS_ANY]))
			return vj_jnode_error(n, err, 0, "expected a list of TCP ports, \"any\" or \"auto\"");
		p->any = true;
		return 0;
	}
	int r = vj_jnode_expect(n, json_type_array, err);
	if (r < 0)
		return vj_jnode_error(n, err, 0, "expected a list of TCP ports, \"any\" or \"auto\"");
	size_t len = json_object_array_length(n->obj);
	p->ports = vj_xcalloc(len ? len : 1, sizeof(*p->ports));
	for (size_t i = 0; i < len; i++) {
		struct vj_jnode e;
		int64_t v;
		vj_jnode_index(n, i, &e);
		if ((r = vj_jnode_int(&e, port_item.min, port_item.max, &v, err)) < 0)
			return r;
		p->ports[p->n++] = (uint16_t)v;
	}
	return 0;
}

static int parse_selinux(struct vj_lsm_plan *p, const struct vj_jnode *n, struct vj_error *err)
{
	const struct vj_jkey *keys = selinux_keys;
	bool obj, given;
	int r = parse_layer(n, keys, &p->selinux, &obj, &given, err);
	if (r < 0 || !obj)
		return r;
	struct vj_jnode c;
	vj_jnode_keyof(n, &keys[SEL_LABEL], &c);
	if (c.obj && (r = parse_context(&c, &p->selinux_label, err)) < 0)
		return r;
	vj_jnode_keyof(n, &keys[SEL_FILE_LABEL], &c);
	if (c.obj && (r = parse_context(&c, &p->selinux_file_label, err)) < 0)
		return r;
	vj_jnode_keyof(n, &keys[SEL_CATEGORIES], &c);
	if (c.obj) {
		if (vj_jnode_expect(&c, json_type_array, err) < 0 || json_object_array_length(c.obj) != 2)
			return vj_jnode_error(&c, err, 0, "expected [FIRST, LAST], category numbers 0..1023");
		int64_t v[2];
		for (size_t i = 0; i < 2; i++) {
			struct vj_jnode e;
			vj_jnode_index(&c, i, &e);
			if ((r = vj_jnode_int(&e, category_item.min, category_item.max, &v[i], err)) < 0)
				return r;
		}
		if (v[1] <= v[0])
			return vj_jnode_error(&c, err, 0, "c%d..c%d: the range needs at least two categories", (int)v[0],
					      (int)v[1]);
		p->selinux_mcs_lo = (int)v[0];
		p->selinux_mcs_hi = (int)v[1];
	}
	if ((r = vj_jget_bool(n, keys[SEL_MCS].name, &p->selinux_mcs, err)) < 0 ||
	    (r = vj_jget_bool(n, keys[SEL_RELABEL].name, &p->selinux_relabel, err)) < 0)
		return r;
	if (!given && (p->selinux_label || p->selinux_file_label))
		p->selinux = VJ_LSM_REQUIRED;
	return 0;
}

static int parse_apparmor(struct vj_lsm_plan *p, const struct vj_jnode *n, struct vj_error *err)
{
	bool obj, given;
	int r = parse_layer(n, apparmor_keys, &p->apparmor, &obj, &given, err);
	if (r < 0 || !obj)
		return r;
	struct vj_jnode c;
	vj_jnode_keyof(n, &apparmor_keys[AA_PROFILE], &c);
	if (c.obj && (r = parse_profile_name(&c, &p->apparmor_profile, err)) < 0)
		return r;
	if (!given && p->apparmor_profile)
		p->apparmor = VJ_LSM_REQUIRED;
	return 0;
}

static int parse_landlock(struct vj_lsm_plan *p, const struct vj_jnode *n, struct vj_error *err)
{
	const struct vj_jkey *keys = landlock_keys;
	bool obj, given;
	int r = parse_layer(n, keys, &p->landlock, &obj, &given, err);
	if (r < 0 || !obj)
		return r;
	struct vj_jnode c;
	vj_jnode_keyof(n, &keys[LL_TCP_BIND], &c);
	if (c.obj && (r = parse_ports(&c, &p->tcp_bind, err)) < 0)
		return r;
	vj_jnode_keyof(n, &keys[LL_TCP_CONNECT], &c);
	if (c.obj && (r = parse_ports(&c, &p->tcp_connect, err)) < 0)
		return r;
	if ((r = vj_jget_bool(n, keys[LL_SCOPE_SIGNAL].name, &p->scope_signal, err)) < 0 ||
	    (r = vj_jget_bool(n, keys[LL_SCOPE_ABSTRACT_UNIX].name, &p->scope_abstract_unix, err)) < 0)
		return r;
	return 0;
}

static void defaults(struct vj_lsm_plan *p)
{
	memset(p, 0, sizeof(*p));
	p->selinux = p->apparmor = p->landlock = VJ_LSM_AUTO;
	p->selinux_mcs = p->selinux_relabel = true;
	p->selinux_mcs_hi = 1023;
	p->scope_signal = p->scope_abstract_unix = true;
}

int vj_lsm_plan_parse(struct vj_lsm_plan *p, const struct vj_jnode *n, struct vj_error *err)
{
	const struct vj_jkey *keys = vj_lsm_section_keys;
	defaults(p);
	if (!n || !n->obj)
		return 0;
	int r = vj_jnode_expect(n, json_type_object, err);
	if (r < 0)
		return r;
	if ((r = vj_jnode_check_keytab(n, keys, err)) < 0)
		return r;
	struct vj_jnode c;
	vj_jnode_keyof(n, &keys[LSM_SELINUX], &c);
	if (c.obj && (r = parse_selinux(p, &c, err)) < 0)
		goto fail;
	vj_jnode_keyof(n, &keys[LSM_APPARMOR], &c);
	if (c.obj && (r = parse_apparmor(p, &c, err)) < 0)
		goto fail;
	vj_jnode_keyof(n, &keys[LSM_LANDLOCK], &c);
	if (c.obj && (r = parse_landlock(p, &c, err)) < 0)
		goto fail;
	return 0;
fail:
	vj_lsm_plan_free(p);
	defaults(p);
	return r;
}

static json_object *ports_json(const struct vj_lsm_ports *p)
{
	if (!p->set)
		return json_object_new_string("auto");
	if (p->any)
		return json_object_new_string("any");
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < p->n; i++)
		json_object_array_add(a, json_object_new_int(p->ports[i]));
	return a;
}

json_object *vj_lsm_plan_to_json(const struct vj_lsm_plan *p)
{
	json_object *o = json_object_new_object();
	json_object *s = json_object_new_object();
	vj_json_add_string(s, "mode", need_names[p->selinux]);
	if (p->selinux_label)
		vj_json_add_string(s, "label", p->selinux_label);
	if (p->selinux_file_label)
		vj_json_add_string(s, "file_label", p->selinux_file_label);
	vj_json_add_bool(s, "mcs", p->selinux_mcs);
	json_object *cats = json_object_new_array();
	json_object_array_add(cats, json_object_new_int(p->selinux_mcs_lo));
	json_object_array_add(cats, json_object_new_int(p->selinux_mcs_hi));
	vj_json_add(s, "categories", cats);
	vj_json_add_bool(s, "relabel", p->selinux_relabel);
	vj_json_add(o, "selinux", s);

	json_object *a = json_object_new_object();
	vj_json_add_string(a, "mode", need_names[p->apparmor]);
	if (p->apparmor_profile)
		vj_json_add_string(a, "profile", p->apparmor_profile);
	vj_json_add(o, "apparmor", a);

	json_object *l = json_object_new_object();
	vj_json_add_string(l, "mode", need_names[p->landlock]);
	vj_json_add(l, "tcp_bind", ports_json(&p->tcp_bind));
	vj_json_add(l, "tcp_connect", ports_json(&p->tcp_connect));
	vj_json_add_bool(l, "scope_signal", p->scope_signal);
	vj_json_add_bool(l, "scope_abstract_unix", p->scope_abstract_unix);
	vj_json_add(o, "landlock", l);
	return o;
}

void vj_lsm_plan_free(struct vj_lsm_plan *p)
{
	if (!p)
		return;
	free(p->selinux_label);
	free(p->selinux_file_label);
	free(p->apparmor_profile);
	free(p->tcp_bind.ports);
	free(p->tcp_connect.ports);
	p->selinux_label = p->selinux_file_label = p->apparmor_profile = NULL;
	p->tcp_bind.ports = p->tcp_connect.ports = NULL;
	p->tcp_bind.n = p->tcp_connect.n = 0;
}

/* ---- command-line options ---- */

static int apply_mode(json_object *ov, const char *key, const char *opt, const char *arg, struct vj_error *err)
{
	for (size_t i = 0; need_names[i]; i++)
		if (strcmp(arg, need_names[i]) == 0) {
			vj_overlay_set(ov, key, json_object_new_string(arg), opt);
			return 0;
		}
	return vj_error_setx(err, EINVAL, "%s %s: expected required, optional, auto or off", opt, arg);
}

static int apply_selinux(json_object *ov, const char *arg, struct vj_error *err)
{
	return apply_mode(ov, "lsm.selinux.mode", "--selinux", arg, err);
}

static int apply_apparmor(json_object *ov, const char *arg, struct vj_error *err)
{
	return apply_mode(ov, "lsm.apparmor.mode", "--apparmor", arg, err);
}

static int apply_landlock(json_object *ov, const char *arg, struct vj_error *err)
{
	return apply_mode(ov, "lsm.landlock.mode", "--landlock", arg, err);
}

static int apply_selinux_label(json_object *ov, const char *arg, struct vj_error *err)
{
	vj_overlay_set(ov, "lsm.selinux.label", json_object_new_string(arg), "--selinux-label");
	return 0;
}

static int apply_apparmor_profile(json_object *ov, const char *arg, struct vj_error *err)
{
	vj_overlay_set(ov, "lsm.apparmor.profile", json_object_new_string(arg), "--apparmor-profile");
	return 0;
}

const struct vj_cli_option vj_lsm_cli_options[] = {
	{ "selinux", "MODE", "SELinux label: required, optional, auto (default) or off (lsm.selinux.mode)", apply_selinux },
	{ "selinux-label", "CONTEXT", "base SELinux context of PROGRAM, e.g. system_u:system_r:svirt_t:s0 "
				      "(lsm.selinux.label)", apply_selinux_label },
	{ "apparmor", "MODE", "AppArmor profile: required, optional, auto (default) or off (lsm.apparmor.mode)", apply_apparmor },
	{ "apparmor-profile", "NAME", "a loaded AppArmor profile instead of a generated one "
				      "(lsm.apparmor.profile)", apply_apparmor_profile },
	{ "landlock", "MODE", "Landlock rules: required, optional, auto (default) or off (lsm.landlock.mode)", apply_landlock },
	{ 0 },
};
