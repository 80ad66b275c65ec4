/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * profile.c - load a profile and its "extends" chain, check each file's
 * structure, merge the files and the command line's overlay into one
 * document, then hand it to profile_plan.c for resolution into a plan.
 *
 * Theory of operation:
 *  1. The profile is found (a NAME on the search path, or a FILE), parsed,
 *     and every node is tagged with the file's absolute path (jsonp.h).
 *  2. Each file is checked on its own against the schema below: unknown
 *     keys, wrong types, enum values, the "remove" form of a mount entry and
 *     duplicate mount targets inside one file. Checking per file (not only
 *     the merged result) means a mistake in a base profile is reported even
 *     when a later file overrides the key, and against the right file.
 *  3. "extends" entries are applied first, in order, depth first; a file
 *     met twice through different branches is applied once; a file met
 *     again on its own chain is a cycle, reported with the chain.
 *  4. Merging never modifies a parsed document: it builds new containers
 *     holding references (json_object_get) to the nodes it keeps, so every
 *     node keeps its file tag. A container made by the merge is tagged with
 *     the file of the overriding side. The schema says which lists merge
 *     (union, or by mount target) instead of being replaced.
 *  5. The command line's overlay (cli.h) is checked and merged last.
 *  6. profile_plan.c validates values and resolves names into the plan.
 *
 * The schema also drives `vmjail features` (vj_profile_keys_json).
 */
#include "profile-internal.h"
#include "jsonw.h"
#include "paths.h"

#include <libgen.h>
#include <stdio.h>

#define PROFILE_MAX_BYTES (1u << 20)
#define PROFILE_MAX_DEPTH 32
#define OVERLAY_FILE "command line"

/* ---- schema ------------------------------------------------------------ */

/* The same bits as the engines' key tables (jsonp.h). */
enum {
	J_STR = VJ_JT_STR,
	J_BOOL = VJ_JT_BOOL,
	J_INT = VJ_JT_INT,
	J_OBJ = VJ_JT_OBJ,
	J_ARR = VJ_JT_ARR,
};

enum merge_rule {
	MERGE_REPLACE, /* scalars, arrays: the later file's value replaces */
	MERGE_UNION,   /* lists: union, order kept; an equal entry replaces in place */
	MERGE_MOUNTS,  /* mount entries: by target; {"target", "remove": true} removes */
};

enum {
	P_MAP = 1u << 0,    /* object with free keys; each value is `item` */
	P_ENGINE = 1u << 1, /* object owned by an engine (checked by it) */
	P_MOUNT = 1u << 2,  /* a mount entry (the "remove" form) */
	P_CAPS = 1u << 3,   /* capability names: compared without case and "cap_" */
};

struct pkey {
	const char *name;
	unsigned types;
	const struct pkey *keys;      /* object: allowed keys, {NULL}-terminated */
	const struct pkey *item;      /* array element, or map value */
	const char *const *choices;   /* a string value must be one of these */
	enum merge_rule merge;
	unsigned flags;
	const char *(*check_name)(const char *key); /* map keys: NULL or a reason */
	const char *what;             /* for features: what a value means */
	const struct vj_jkey *engine; /* P_ENGINE: the section's keys, as its engine reads them */
};

static const char *const userns_choices[] = { "auto", "always", "never", NULL };
static const char *const mount_type_choices[] = {
	"ro-bind", "bind", "dev-bind", "tmpfs", "dir", "symlink", "file", "proc", "devpts", "mqueue", "cgroup", NULL,
};
static const char *const mount_option_choices[] = { "nosuid", "nodev", "noexec", "ro", NULL };
static const char *const wait_choices[] = { "target", "all", NULL };

static const char *check_rlimit_name(const char *k)
{
	return vj_rlimit_from_name(k) < 0 ? "unknown rlimit" : NULL;
}

static const char *check_env_name(const char *k)
{
	if (!*k || strchr(k, '='))
		return "not a valid environment variable name";
	return NULL;
}

static const struct pkey str_item = { NULL, J_STR };
static const struct pkey int_item = { NULL, J_INT };
static const struct pkey limit_item = { NULL, J_INT | J_STR };

static const struct pkey ns_keys[] = {
	{ "user", J_STR, .choices = userns_choices },
	{ "pid", J_BOOL },
	{ "ipc", J_BOOL },
	{ "uts", J_BOOL },
	{ "cgroup", J_BOOL },
	{ NULL },
};

static const struct pkey user_keys[] = {
	{ "uid", J_INT | J_STR, .what = "number or user name" },
	{ "gid", J_INT | J_STR, .what = "number or group name" },
	{ "allow_root", J_BOOL },
	{ NULL },
};

static const struct pkey rlimit_value = {
	NULL, J_INT | J_STR | J_ARR, .item = &limit_item, .what = "integer, \"unlimited\" or [soft, hard]",
};

static const struct pkey env_keys[] = {
	{ "keep", J_ARR, .item = &str_item, .merge = MERGE_UNION },
	{ "set", J_OBJ, .item = &str_item, .flags = P_MAP, .check_name = check_env_name },
	{ NULL },
};

static const struct pkey option_item = { NULL, J_STR, .choices = mount_option_choices };

static const struct pkey mount_keys[] = {
	{ "type", J_STR, .choices = mount_type_choices },
	{ "source", J_STR },
	{ "target", J_STR },
	{ "optional", J_BOOL },
	{ "options", J_ARR, .item = &option_item },
	{ "mode", J_STR, .what = "octal string" },
	{ "size", J_STR | J_INT, .what = "bytes, or a string with K/M/G/T" },
	{ "content", J_STR },
	{ NULL },
};
static const struct pkey mount_item = { NULL, J_OBJ, .keys = mount_keys, .flags = P_MOUNT };

static const struct pkey device_keys[] = {
	{ "name", J_STR },
	{ "optional", J_BOOL },
	{ NULL },
};
static const struct pkey device_item = { NULL, J_STR | J_OBJ, .keys = device_keys };

static const struct pkey fs_keys[] = {
	{ "mounts", J_ARR, .item = &mount_item, .merge = MERGE_MOUNTS },
	{ "devices", J_ARR, .item = &device_item, .merge = MERGE_UNION },
	{ "pts", J_BOOL },
	{ "shm", J_BOOL },
	{ "proc", J_BOOL },
	{ "identity", J_BOOL },
	{ NULL },
};

static const struct pkey process_keys[] = {
	{ "chdir", J_STR },
	{ "wait", J_STR, .choices = wait_choices },
	{ "keep_fds", J_ARR, .item = &int_item, .merge = MERGE_UNION },
	{ NULL },
};

static const struct pkey top_keys[] = {
	{ "description", J_STR },
	{ "extends", J_STR | J_ARR, .item = &str_item, .what = "profile names or paths" },
	{ "namespaces", J_OBJ, .keys = ns_keys },
	{ "network", J_STR, .what = "\"none\", \"host\" or a namespace path" },
	{ "hostname", J_STR },
	{ "user", J_OBJ, .keys = user_keys },
	{ "capabilities", J_ARR, .item = &str_item, .merge = MERGE_UNION, .flags = P_CAPS },
	{ "rlimits", J_OBJ, .item = &rlimit_value, .flags = P_MAP, .check_name = check_rlimit_name },
	{ "environment", J_OBJ, .keys = env_keys },
	{ "filesystem", J_OBJ, .keys = fs_keys },
	{ "process", J_OBJ, .keys = process_keys },
	/* The engines check their own sections, against the tables given
	 * here (features describes them). seccomp.c still checks against a
	 * list of its own: its section's key names are checked here too. */
	{ "seccomp", J_OBJ, .flags = P_ENGINE, .engine = vj_seccomp_section_keys },
	{ "cgroup", J_OBJ, .flags = P_ENGINE, .engine = vj_cgroup_section_keys },
	{ "qmp", J_OBJ, .flags = P_ENGINE, .engine = vj_qmp_section_keys },
	{ "lsm", J_OBJ, .flags = P_ENGINE, .engine = vj_lsm_section_keys },
	{ NULL },
};
static const struct pkey top_spec = { NULL, J_OBJ, .keys = top_keys };

static const struct pkey *spec_key(const struct pkey *spec, const char *key)
{
	if (!spec)
		return NULL;
	if (spec->flags & P_MAP)
		return spec->item;
	for (const struct pkey *k = spec->keys; k && k->name; k++)
		if (strcmp(k->name, key) == 0)
			return k;
	return NULL;
}

/* ---- the loader's state ------------------------------------------------- */

struct loader {
	struct vj_plan *plan;            /* profile_files: the tags, in merge order */
	json_object **docs;              /* every parsed document, kept alive */
	size_t n_docs;
	struct vj_profile_origin *origins;
	size_t n_origins;
	char *stack[PROFILE_MAX_DEPTH];  /* the chain being loaded (owned) */
	size_t depth;
	json_object *acc;                /* merged so far */
};

static void loader_done(struct loader *l)
{
	for (size_t i = 0; i < l->n_docs; i++)
		json_object_put(l->docs[i]);
	free(l->docs);
	free(l->origins);
	for (size_t i = 0; i < l->depth; i++)
		free(l->stack[i]);
	if (l->acc)
		json_object_put(l->acc);
}

static void add_origin(struct loader *l, json_object *o, size_t index)
{
	if (!(l->n_origins & (l->n_origins + 1))) {
		size_t cap = (l->n_origins + 1) * 2;
		struct vj_profile_origin *n = realloc(l->origins, cap * sizeof(*n));
		if (!n)
			abort();
		l->origins = n;
	}
	l->origins[l->n_origins++] = (struct vj_profile_origin){ o, index };
}

void vj_profile_elem(const struct vj_profile_doc *d, const struct vj_jnode *list, size_t i,
		     struct vj_jnode *out)
{
	vj_jnode_index(list, i, out);
	for (size_t k = 0; k < d->n_origins; k++)
		if (d->origins[k].obj == out->obj) {
			snprintf(out->path, sizeof(out->path), "%s[%zu]", list->path, d->origins[k].index);
			break;
		}
}

/* ---- per-file structural check ------------------------------------------ */

static unsigned type_bit(json_type t)
{
	switch (t) {
	case json_type_string: return J_STR;
	case json_type_boolean: return J_BOOL;
	case json_type_int: return J_INT;
	case json_type_object: return J_OBJ;
	case json_type_array: return J_ARR;
	default: return 0;
	}
}

static void types_text(unsigned types, char *buf, size_t size)
{
	static const struct { unsigned bit; const char *name; } names[] = {
		{ J_STR, "a string" }, { J_BOOL, "a boolean" }, { J_INT, "an integer" },
		{ J_OBJ, "an object" }, { J_ARR, "an array" },
	};
	size_t off = 0, n = 0, total = (size_t)__builtin_popcount(types);
	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(names) && off < size; i++)
		if (types & names[i].bit) {
			n++;
			off += (size_t)snprintf(buf + off, size - off, "%s%s",
						n == 1 ? "" : n == total ? " or " : ", ", names[i].name);
		}
}

static int check_node(struct loader *l, const struct vj_jnode *n, const struct pkey *spec,
		      struct vj_error *err);

static int check_object_keys(struct loader *l, const struct vj_jnode *n, const struct pkey *spec,
			     struct vj_error *err)
{
	json_object_object_foreach(n->obj, k, v) {
		struct vj_jnode c;
		(void)v;
		vj_jnode_key(n, k, &c);
		const struct pkey *ks = spec_key(spec, k);
		if (!ks)
			return vj_jnode_error(&c, err, 0, "unknown key");
		if (spec->check_name) {
			const char *why = spec->check_name(k);
			if (why)
				return vj_jnode_error(&c, err, 0, "%s", why);
		}
		int r = check_node(l, &c, ks, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A mount entry is either a mount, or {"target": X, "remove": true}. */
static int check_mount_entry(struct loader *l, const struct vj_jnode *n, const struct pkey *spec,
			     struct vj_error *err)
{
	struct vj_jnode rm, t;
	vj_jnode_key(n, "remove", &rm);
	if (!rm.obj)
		return check_object_keys(l, n, spec, err);
	bool b = false;
	int r = vj_jnode_bool(&rm, &b, err);
	if (r < 0)
		return r;
	if (!b)
		return vj_jnode_error(&rm, err, 0, "must be true (leave it out to add a mount)");
	json_object_object_foreach(n->obj, k, v) {
		(void)v;
		if (strcmp(k, "target") && strcmp(k, "remove")) {
			struct vj_jnode c;
			vj_jnode_key(n, k, &c);
			return vj_jnode_error(&c, err, 0, "not allowed with \"remove\"");
		}
	}
	vj_jnode_key(n, "target", &t);
	if (!t.obj)
		return vj_jnode_error(n, err, 0, "\"remove\" needs a \"target\"");
	return check_node(l, &t, spec_key(spec, "target"), err);
}

static int check_duplicate_targets(const struct vj_jnode *n, struct vj_error *err)
{
	size_t len = json_object_array_length(n->obj);
	for (size_t i = 1; i < len; i++) {
		json_object *ti, *tj;
		if (!json_object_object_get_ex(json_object_array_get_idx(n->obj, i), "target", &ti) ||
		    !json_object_is_type(ti, json_type_string))
			continue;
		for (size_t j = 0; j < i; j++) {
			if (!json_object_object_get_ex(json_object_array_get_idx(n->obj, j), "target", &tj) ||
			    !json_object_is_type(tj, json_type_string))
				continue;
			if (vj_profile_path_eq(json_object_get_string(ti), json_object_get_string(tj))) {
				struct vj_jnode e, c;
				vj_jnode_index(n, i, &e);
				vj_jnode_key(&e, "target", &c);
				return vj_jnode_error(&c, err, 0, "%s: duplicate target (also %s[%zu])",
						      json_object_get_string(ti), n->path, j);
			}
		}
	}
	return 0;
}

static int check_node(struct loader *l, const struct vj_jnode *n, const struct pkey *spec,
		      struct vj_error *err)
{
	json_type t = json_object_get_type(n->obj);
	int r;
	if (!(spec->types & type_bit(t))) {
		char want[128];
		types_text(spec->types, want, sizeof(want));
		return vj_jnode_error(n, err, 0, "expected %s, got %s", want, vj_json_type_name(t));
	}
	switch (t) {
	case json_type_string: {
		const char *s;
		int idx;
		if (spec->choices)
			return vj_jnode_enum(n, spec->choices, &idx, err);
		return vj_jnode_string(n, &s, err);
	}
	case json_type_object:
		if (spec->flags & P_ENGINE)
			return 0;
		if (spec->flags & P_MOUNT)
			return check_mount_entry(l, n, spec, err);
		return check_object_keys(l, n, spec, err);
	case json_type_array: {
		size_t len = json_object_array_length(n->obj);
		for (size_t i = 0; i < len; i++) {
			struct vj_jnode c;
			vj_jnode_index(n, i, &c);
			r = check_node(l, &c, spec->item, err);
			if (r < 0)
				return r;
			if (spec->merge != MERGE_REPLACE)
				add_origin(l, c.obj, i);
		}
		if (spec->merge == MERGE_MOUNTS)
			return check_duplicate_targets(n, err);
		return 0;
	}
	default:
		return 0;
	}
}

/* ---- merge -------------------------------------------------------------- */

static void tag_new(json_object *o, json_object *over, json_object *base)
{
	const char *f = vj_json_file_of(over);
	if (!f)
		f = vj_json_file_of(base);
	if (f)
		json_object_set_userdata(o, (void *)f, NULL);
}

/* The identity of a list entry for MERGE_UNION: capability names compare
 * without case and "cap_" prefix, devices by name, fds by number. */
static bool union_key(json_object *e, bool caps, char *buf, size_t size)
{
	json_object *name;
	switch (json_object_get_type(e)) {
	case json_type_string: {
		const char *s = json_object_get_string(e);
		if (caps && strncasecmp(s, "cap_", 4) == 0)
			s += 4;
		snprintf(buf, size, "%s", s);
		for (char *p = buf; caps && *p; p++)
			*p = vj_ascii_lower(*p);
		return true;
	}
	case json_type_object:
		if (!json_object_object_get_ex(e, "name", &name) || !json_object_is_type(name, json_type_string))
			return false;
		snprintf(buf, size, "%s", json_object_get_string(name));
		return true;
	case json_type_int:
		snprintf(buf, size, "%lld", (long long)json_object_get_int64(e));
		return true;
	default:
		return false;
	}
}

static const char *mount_target(json_object *e)
{
	json_object *t;
	if (!json_object_object_get_ex(e, "target", &t) || !json_object_is_type(t, json_type_string))
		return NULL;
	return json_object_get_string(t);
}

static bool mount_is_remove(json_object *e)
{
	json_object *rm;
	return json_object_object_get_ex(e, "remove", &rm);
}

static json_object *merge_list(json_object *base, json_object *over, const struct pkey *spec)
{
	json_object *res = json_object_new_array();
	tag_new(res, over, base);
	size_t nb = json_object_array_length(base), no = json_object_array_length(over);
	for (size_t i = 0; i < nb; i++)
		json_object_array_add(res, json_object_get(json_object_array_get_idx(base, i)));
	for (size_t i = 0; i < no; i++) {
		json_object *e = json_object_array_get_idx(over, i);
		size_t n = json_object_array_length(res), j;
		bool found = false;
		if (spec->merge == MERGE_MOUNTS) {
			const char *t = mount_target(e);
			for (j = 0; t && j < n; j++) {
				const char *tj = mount_target(json_object_array_get_idx(res, j));
				if (tj && vj_profile_path_eq(tj, t)) {
					found = true;
					break;
				}
			}
			if (mount_is_remove(e)) {
				if (found)
					json_object_array_del_idx(res, j, 1);
				continue;
			}
		} else {
			char k[256], kj[256];
			bool caps = spec->flags & P_CAPS;
			bool has = union_key(e, caps, k, sizeof(k));
			for (j = 0; has && j < n; j++)
				if (union_key(json_object_array_get_idx(res, j), caps, kj, sizeof(kj)) &&
				    strcmp(k, kj) == 0) {
					found = true;
					break;
				}
		}
		if (found)
			json_object_array_put_idx(res, j, json_object_get(e));
		else
			json_object_array_add(res, json_object_get(e));
	}
	return res;
}

/* A new object: base's keys, then over's on top. Neither input changes. */
static json_object *merge_object(json_object *base, json_object *over, const struct pkey *spec, bool top)
{
	json_object *res = json_object_new_object();
	tag_new(res, over, base);
	json_object_object_foreach(base, bk, bv)
		json_object_object_add(res, bk, json_object_get(bv));
	json_object_object_foreach(over, k, v) {
		if (top && strcmp(k, "extends") == 0)
			continue;
		const struct pkey *ks = spec_key(spec, k);
		json_object *b = NULL, *nv;
		json_object_object_get_ex(base, k, &b);
		/* A key the base lacks is still merged (against nothing) where
		 * the schema has rules: "remove" entries must not survive, and
		 * a list's duplicates collapse as they would across files. */
		_cleanup_json_ json_object *empty = NULL;
		if (!b && ks && ks->keys && !(ks->flags & (P_ENGINE | P_MAP)) && json_object_is_type(v, json_type_object))
			b = empty = json_object_new_object();
		else if (!b && ks && ks->merge != MERGE_REPLACE && json_object_is_type(v, json_type_array))
			b = empty = json_object_new_array();
		/* Engine sections (and anything the schema leaves open) merge
		 * as plain objects. */
		bool open = !spec || (spec->flags & P_ENGINE);
		if (b && json_object_is_type(b, json_type_object) && json_object_is_type(v, json_type_object) &&
		    (open || (ks && (ks->types & J_OBJ))))
			nv = merge_object(b, v, open ? NULL : ks, false);
		else if (b && ks && ks->merge != MERGE_REPLACE && json_object_is_type(b, json_type_array) &&
			 json_object_is_type(v, json_type_array))
			nv = merge_list(b, v, ks);
		else
			nv = json_object_get(v);
		json_object_object_add(res, k, nv);
	}
	return res;
}

static void merge_into(struct loader *l, json_object *doc)
{
	json_object *base = l->acc;
	if (!base) {
		base = json_object_new_object();
		tag_new(base, doc, NULL);
	}
	l->acc = merge_object(base, doc, &top_spec, true);
	json_object_put(base);
}

/* ---- the chain ---------------------------------------------------------- */

static bool in_list(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

static int cycle_error(struct loader *l, const struct vj_jnode *at, const char *path, struct vj_error *err)
{
	char chain[VJ_ERROR_MAX];
	size_t off = 0, start = 0;
	for (size_t i = 0; i < l->depth; i++)
		if (strcmp(l->stack[i], path) == 0)
			start = i;
	chain[0] = '\0';
	for (size_t i = start; i < l->depth && off < sizeof(chain); i++)
		off += (size_t)snprintf(chain + off, sizeof(chain) - off, "%s -> ", l->stack[i]);
	if (off < sizeof(chain))
		snprintf(chain + off, sizeof(chain) - off, "%s", path);
	return vj_jnode_error(at, err, 0, "extends cycle: %s", chain);
}

static int apply_file(struct loader *l, char *path, struct vj_error *err);

static int apply_extends_entry(struct loader *l, const struct vj_jnode *e, const char *file,
			       struct vj_error *err)
{
	const char *name;
	int r = vj_jnode_string(e, &name, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *dircopy = vj_xstrdup(file);
	char *path = NULL;
	r = vj_find_data_file(VJ_DATA_PROFILES, name, dirname(dircopy), &path, err);
	if (r < 0)
		return vj_error_prefix(err, "%s: %s", e->file, e->path);
	if (in_list(l->stack, l->depth, path)) {
		r = cycle_error(l, e, path, err);
		free(path);
		return r;
	}
	char **files = l->plan->profile_files;
	if (in_list(files, vj_strv_len(files), path)) {
		free(path); /* reached again through another branch: applied once */
		return 0;
	}
	if (l->depth >= PROFILE_MAX_DEPTH) {
		free(path);
		return vj_jnode_error(e, err, 0, "profiles extend each other more than %d deep",
				      PROFILE_MAX_DEPTH);
	}
	return apply_file(l, path, err);
}

/* Load path (taken), its extends chain, and merge it into l->acc. */
static int apply_file(struct loader *l, char *path, struct vj_error *err)
{
	l->stack[l->depth++] = path;
	json_object *doc = NULL;
	int r = vj_json_parse_file(path, path, PROFILE_MAX_BYTES, &doc, err);
	if (r < 0)
		return r;
	l->docs = realloc(l->docs, (l->n_docs + 1) * sizeof(*l->docs));
	if (!l->docs)
		abort();
	l->docs[l->n_docs++] = doc;

	struct vj_jnode root, ext;
	vj_jnode_root(&root, doc, path);
	r = check_node(l, &root, &top_spec, err);
	if (r < 0)
		return r;
	vj_jnode_key(&root, "extends", &ext);
	if (ext.obj && json_object_is_type(ext.obj, json_type_string)) {
		r = apply_extends_entry(l, &ext, path, err);
		if (r < 0)
			return r;
	} else if (ext.obj) {
		size_t n = json_object_array_length(ext.obj);
		for (size_t i = 0; i < n; i++) {
			struct vj_jnode e;
			vj_jnode_index(&ext, i, &e);
			r = apply_extends_entry(l, &e, path, err);
			if (r < 0)
				return r;
		}
	}
	merge_into(l, doc);

	/* Done: the tag moves from the stack to the chain (base first). */
	size_t n = vj_strv_len(l->plan->profile_files);
	char **v = realloc(l->plan->profile_files, (n + 2) * sizeof(char *));
	if (!v)
		abort();
	v[n] = l->stack[--l->depth];
	v[n + 1] = NULL;
	l->plan->profile_files = v;
	return 0;
}

static int apply_overlay(struct loader *l, json_object *overlay, struct vj_error *err)
{
	struct vj_jnode root, ext;
	vj_jnode_root(&root, overlay, OVERLAY_FILE);
	if (!json_object_is_type(overlay, json_type_object))
		return vj_jnode_error(&root, err, 0, "expected an object");
	vj_jnode_key(&root, "extends", &ext);
	if (ext.obj)
		return vj_jnode_error(&ext, err, 0, "not allowed on the command line");
	/* cli.c tags the values it writes with the option's name; the
	 * containers on the way to them carry no tag, so a container the
	 * merge makes from one keeps the profile's tag. */
	int r = check_node(l, &root, &top_spec, err);
	if (r < 0)
		return r;
	merge_into(l, overlay);
	return 0;
}

static int check_id(const char *id, struct vj_error *err)
{
	size_t len = strlen(id);
	if (len < 1 || len > 64)
		return vj_error_setx(err, EINVAL, "--id %s: must be 1 to 64 characters", id);
	if (id[0] == '.' || id[0] == '-')
		return vj_error_setx(err, EINVAL, "--id %s: must not start with '.' or '-'", id);
	for (const char *c = id; *c; c++)
		if (!vj_ascii_alnum(*c) && *c != '_' && *c != '.' && *c != '-')
			return vj_error_setx(err, EINVAL, "--id %s: only letters, digits, '_', '.' and '-' are allowed",
					     id);
	return 0;
}

int vj_profile_resolve(const struct vj_run_options *opts, struct vj_plan **out, struct vj_error *err)
{
	if (opts->id) {
		int r = check_id(opts->id, err);
		if (r < 0)
			return r;
	}
	_cleanup_plan_ struct vj_plan *plan = vj_xcalloc(1, sizeof(*plan));
	plan->info_fd = -1;
	plan->profile_name = vj_xstrdup(opts->profile ? opts->profile : "generic");
	plan->profile_files = vj_xcalloc(1, sizeof(char *));

	struct loader l = { .plan = plan };
	char *top = NULL;
	int r = vj_find_data_file(VJ_DATA_PROFILES, plan->profile_name, NULL, &top, err);
	if (r >= 0)
		r = apply_file(&l, top, err);
	if (r >= 0 && opts->overlay)
		r = apply_overlay(&l, opts->overlay, err);
	if (r >= 0) {
		char **files = plan->profile_files;
		struct vj_profile_doc d = {
			.root = l.acc,
			.top_file = files[vj_strv_len(files) - 1],
			.origins = l.origins,
			.n_origins = l.n_origins,
		};
		r = vj_profile_build_plan(&d, opts, plan, err);
	}
	loader_done(&l);
	if (r < 0)
		return r;
	*out = TAKE_PTR(plan);
	return 0;
}

/* ---- features ----------------------------------------------------------- */

static json_object *choices_json(const char *const *c)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; c[i]; i++)
		json_object_array_add(a, json_object_new_string(c[i]));
	return a;
}

/* "string|integer", "any" */
static void type_names(unsigned types, char *buf, size_t size)
{
	static const struct { unsigned bit; const char *name; } names[] = {
		{ VJ_JT_STR, "string" }, { VJ_JT_BOOL, "boolean" }, { VJ_JT_INT, "integer" },
		{ VJ_JT_NUM, "number" }, { VJ_JT_OBJ, "object" },   { VJ_JT_ARR, "array" },
	};
	size_t off = 0;
	buf[0] = '\0';
	if ((types & VJ_JT_ANY) == VJ_JT_ANY) {
		snprintf(buf, size, "any");
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(names) && off < size; i++)
		if (types & names[i].bit)
			off += (size_t)snprintf(buf + off, size - off, "%s%s", off ? "|" : "", names[i].name);
}

/* An engine's key (jsonp.h), in the shape of the others: "type", "values"
 * (a string is one of them), "min"/"max" (an integer's range), "items" (an
 * array's elements are among them), "value" (in words); then its own keys
 * ("PATH.KEY"), and those of its elements ("PATH[].KEY"). */
static void describe_jkey(json_object *out, const char *path, const struct vj_jkey *k)
{
	char types[128], key[256];
	type_names(k->types, types, sizeof(types));
	json_object *d = json_object_new_object();
	vj_json_add_string(d, "type", types);
	if (k->values)
		vj_json_add(d, "values", choices_json(k->values));
	if (k->min < k->max) {
		vj_json_add_int(d, "min", k->min);
		vj_json_add_int(d, "max", k->max);
	}
	if (k->item && k->item->values)
		vj_json_add(d, "items", choices_json(k->item->values));
	if (k->what)
		vj_json_add_string(d, "value", k->what);
	vj_json_add(out, path, d);
	for (const struct vj_jkey *c = k->keys; c && c->name; c++) {
		snprintf(key, sizeof(key), "%s.%s", path, c->name);
		describe_jkey(out, key, c);
	}
	for (const struct vj_jkey *c = k->item ? k->item->keys : NULL; c && c->name; c++) {
		snprintf(key, sizeof(key), "%s[].%s", path, c->name);
		describe_jkey(out, key, c);
	}
}

static void describe(json_object *out, const char *path, const struct pkey *k)
{
	char types[128], key[256];
	type_names(k->types, types, sizeof(types));
	json_object *d = json_object_new_object();
	vj_json_add_string(d, "type", types);
	if (k->choices)
		vj_json_add(d, "values", choices_json(k->choices));
	if (k->what)
		vj_json_add_string(d, "value", k->what);
	if (k->merge == MERGE_UNION)
		vj_json_add_string(d, "merge", "union");
	else if (k->merge == MERGE_MOUNTS)
		vj_json_add_string(d, "merge", "by-target");
	if (k->flags & P_ENGINE)
		vj_json_add_string(d, "checked-by", path);
	if (k->check_name == check_rlimit_name)
		vj_json_add(d, "keys", choices_json(vj_rlimit_names));
	if (k->item && (k->types & J_ARR) && !(k->item->keys) && k->item->choices)
		vj_json_add(d, "items", choices_json(k->item->choices));
	vj_json_add(out, path, d);

	for (const struct vj_jkey *c = k->engine; c && c->name; c++) {
		snprintf(key, sizeof(key), "%s.%s", path, c->name);
		describe_jkey(out, key, c);
	}
	if (k->keys && !(k->types & J_ARR)) {
		for (const struct pkey *c = k->keys; c->name; c++) {
			snprintf(key, sizeof(key), "%s.%s", path, c->name);
			describe(out, key, c);
		}
	}
	if (k->item && k->item->keys) {
		for (const struct pkey *c = k->item->keys; c->name; c++) {
			snprintf(key, sizeof(key), "%s[].%s", path, c->name);
			describe(out, key, c);
		}
		if (k->item->flags & P_MOUNT) {
			static const struct pkey rm = { "remove", J_BOOL, .what = "true: remove the mount at target" };
			snprintf(key, sizeof(key), "%s[].remove", path);
			describe(out, key, &rm);
		}
	}
}

json_object *vj_profile_keys_json(void)
{
	json_object *o = json_object_new_object();
	for (const struct pkey *k = top_keys; k->name; k++)
		describe(o, k->name, k);
	return o;
}
