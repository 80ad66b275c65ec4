/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * seccomp_policy.c - the policy file parser (format: doc/vmjail-policy.5.scd).
 *
 * Theory of operation:
 *  1. A file is read with vj_json_parse_file() and tagged with its own
 *     absolute path, so every message names the file that holds the bad
 *     entry, included fragments too.
 *  2. Its "include" entries are resolved with vj_find_data_file(POLICY,
 *     name, directory of the including file) and parsed first, depth
 *     first. A file on the current include chain again is a cycle (an
 *     error showing the chain); a file already read through another branch
 *     is skipped (diamonds are normal: two fragments both include the base).
 *  3. Then its own "allow" and "errno" entries become rules, in order. A
 *     name is resolved for the build architecture with libseccomp; unknown
 *     is an error unless the entry is optional ("?name" or "optional":
 *     true), then it is listed in skipped. Argument values may be symbolic
 *     (seccomp_names.c); a value list expands to one rule per value (OR).
 *  4. Last, conflicts: one syscall given two different unconditional
 *     actions is an error naming both places.
 * Nothing here touches the system besides reading the files.
 */
#include "seccomp_policy.h"
#include "jsonp.h"
#include "jsonw.h"
#include "paths.h"

#include <libgen.h>
#include <stdio.h>

struct parse_ctx {
	struct vj_sc_policy *pol;
	char *stack[VJ_SC_MAX_INCLUDE_DEPTH + 1]; /* borrowed from pol->files */
	size_t depth;
	bool allow_include;
	json_object **docs;  /* kept alive until the end (tags point into files) */
	size_t n_docs;
	size_t rules_cap;
};

static const char *const action_names[] = {
	[VJ_SC_ALLOW] = "allow",
	[VJ_SC_KILL_PROCESS] = "kill-process",
	[VJ_SC_KILL_THREAD] = "kill-thread",
	[VJ_SC_TRAP] = "trap",
	[VJ_SC_LOG] = "log",
	[VJ_SC_ERRNO] = "errno",
	[VJ_SC_NOTIFY] = "notify",
};

/* The keys of each level of a policy document. The parser accepts these
 * and no others; `vmjail features` lists the same tables
 * (vj_sc_policy_keys_json), so what it advertises is what is read. */
static const char *const doc_keys[] = { "description", "include", "default", "allow", "errno", "comment", NULL };
static const char *const entry_keys[] = { "name", "optional", "args", "comment", NULL };
static const char *const cond_keys[] = { "index", "op", "value", "mask", "comment", NULL };

int vj_sc_errno_parse(const char *s)
{
	for (int e = 1; e < 4096; e++) {
		const char *n = strerrorname_np(e);
		if (n && strcmp(n, s) == 0)
			return e;
	}
	uint64_t v;
	if (vj_parse_u64(s, &v) == 0 && v >= 1 && v < 4096)
		return (int)v;
	return -1;
}

int vj_sc_action_parse(const char *s, struct vj_sc_action *out)
{
	if (vj_startswith(s, "errno:")) {
		int e = vj_sc_errno_parse(s + 6);
		if (e < 0)
			return -EINVAL;
		*out = (struct vj_sc_action){ VJ_SC_ERRNO, e };
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(action_names); i++)
		if (i != VJ_SC_ERRNO && i != VJ_SC_NOTIFY && strcmp(s, action_names[i]) == 0) {
			*out = (struct vj_sc_action){ (enum vj_sc_act_kind)i, 0 };
			return 0;
		}
	return -EINVAL;
}

const char *vj_sc_action_name(const struct vj_sc_action *a, char *buf, size_t len)
{
	if (a->kind == VJ_SC_ERRNO) {
		const char *n = strerrorname_np(a->errnum);
		if (n)
			snprintf(buf, len, "errno:%s", n);
		else
			snprintf(buf, len, "errno:%d", a->errnum);
	} else {
		snprintf(buf, len, "%s", action_names[a->kind]);
	}
	return buf;
}

static const char *const op_names[] = { "eq", "ne", "lt", "le", "gt", "ge", "masked-eq", NULL };
static const enum scmp_compare op_values[] = {
	SCMP_CMP_EQ, SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_GT, SCMP_CMP_GE, SCMP_CMP_MASKED_EQ,
};

const char *vj_sc_op_name(enum scmp_compare op)
{
	for (size_t i = 0; i < ARRAY_SIZE(op_values); i++)
		if (op_values[i] == op)
			return op_names[i];
	return "?";
}

void vj_sc_policy_free(struct vj_sc_policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_rules; i++) {
		free(p->rules[i].name);
		free(p->rules[i].conds);
		free(p->rules[i].origin);
	}
	free(p->rules);
	free(p->description);
	free(p->file);
	vj_strv_free(p->files);
	vj_strv_free(p->includes);
	vj_strv_free(p->skipped);
	free(p);
}

/* A value: integer, or a string of names/numbers joined with '|'. */
static int parse_value(const struct vj_jnode *n, uint64_t *out, struct vj_error *err)
{
	json_type t = json_object_get_type(n->obj);
	if (t == json_type_int) {
		errno = 0;
		int64_t v = json_object_get_int64(n->obj);
		if (errno == ERANGE) {
			uint64_t u = json_object_get_uint64(n->obj);
			if (errno == ERANGE && u == UINT64_MAX && v < 0)
				return vj_jnode_error(n, err, 0, "number out of range");
			*out = u;
			return 0;
		}
		*out = (uint64_t)v;
		return 0;
	}
	if (t != json_type_string)
		return vj_jnode_error(n, err, 0, "expected an integer or a name, got %s", vj_json_type_name(t));
	const char *s;
	int r = vj_jnode_string(n, &s, err);
	if (r < 0)
		return r;
	const char *bad;
	size_t bad_len;
	if (vj_sc_value_parse(s, out, &bad, &bad_len) < 0)
		return vj_jnode_error(n, err, 0, "unknown constant \"%.*s\"", (int)bad_len, bad);
	return 0;
}

static int add_rule(struct parse_ctx *c, const char *name, int nr, bool optional, const struct vj_sc_action *a,
		    const struct vj_sc_cond *conds, size_t n_conds, const struct vj_jnode *where)
{
	struct vj_sc_policy *p = c->pol;
	if (p->n_rules == c->rules_cap) {
		c->rules_cap = c->rules_cap ? c->rules_cap * 2 : 64;
		struct vj_sc_rule *nr_ = realloc(p->rules, c->rules_cap * sizeof(*nr_));
		if (!nr_)
			abort();
		p->rules = nr_;
	}
	struct vj_sc_rule *r = &p->rules[p->n_rules++];
	*r = (struct vj_sc_rule){
		.name = vj_xstrdup(name),
		.nr = nr,
		.optional = optional,
		.action = *a,
		.n_conds = n_conds,
		.origin = vj_strjoin(where->file ? where->file : "?", ": ", where->path),
	};
	if (n_conds) {
		r->conds = vj_xcalloc(n_conds, sizeof(*conds));
		memcpy(r->conds, conds, n_conds * sizeof(*conds));
	}
	return 0;
}

static int parse_cond(const struct vj_jnode *n, const char *syscall, struct vj_sc_cond *out,
		      uint64_t **values, size_t *n_values, struct vj_error *err)
{
	int r = vj_jnode_check_keys(n, cond_keys, err);
	if (r < 0)
		return r;
	struct vj_jnode k;
	vj_jnode_key(n, "index", &k);
	if (!vj_jnode_present(&k))
		return vj_jnode_error(n, err, 0, "missing \"index\"");
	int64_t idx;
	r = vj_jnode_int(&k, 0, 5, &idx, err);
	if (r < 0)
		return r;
	out->index = (unsigned)idx;
	int op = 0;
	vj_jnode_key(n, "op", &k);
	if (vj_jnode_present(&k)) {
		r = vj_jnode_enum(&k, op_names, &op, err);
		if (r < 0)
			return r;
	}
	out->op = op_values[op];
	out->mask = 0;
	vj_jnode_key(n, "mask", &k);
	if (vj_jnode_present(&k)) {
		if (out->op != SCMP_CMP_MASKED_EQ)
			return vj_jnode_error(&k, err, 0, "\"mask\" needs \"op\": \"masked-eq\"");
		r = parse_value(&k, &out->mask, err);
		if (r < 0)
			return r;
	} else if (out->op == SCMP_CMP_MASKED_EQ) {
		return vj_jnode_error(n, err, 0, "\"masked-eq\" needs a \"mask\"");
	}
	vj_jnode_key(n, "value", &k);
	if (!vj_jnode_present(&k))
		return vj_jnode_error(n, err, 0, "missing \"value\"");
	*values = NULL;
	*n_values = 0;
	if (json_object_is_type(k.obj, json_type_array)) {
		size_t len = json_object_array_length(k.obj);
		if (len == 0)
			return vj_jnode_error(&k, err, 0, "empty list of values");
		*values = vj_xcalloc(len, sizeof(uint64_t));
		for (size_t i = 0; i < len; i++) {
			struct vj_jnode e;
			vj_jnode_index(&k, i, &e);
			r = parse_value(&e, &(*values)[i], err);
			if (r < 0) {
				free(*values);
				*values = NULL;
				return r;
			}
		}
		*n_values = len;
		out->value = (*values)[0];
	} else {
		r = parse_value(&k, &out->value, err);
		if (r < 0)
			return r;
	}
	(void)syscall;
	return 0;
}

static int resolve_name(const struct vj_jnode *where, const char *name, bool optional, int *nr,
			struct parse_ctx *c, struct vj_error *err)
{
	if (!*name)
		return vj_jnode_error(where, err, 0, "empty syscall name");
	*nr = seccomp_syscall_resolve_name(name);
	if (*nr >= 0)
		return 0;
	if (optional) {
		if (!vj_strv_contains(c->pol->skipped, name) && vj_strv_push(&c->pol->skipped, name) < 0)
			abort();
		return 0;
	}
	return vj_jnode_error(where, err, 0, "unknown system call \"%s\"", name);
}

/* One entry of "allow" or an errno list. */
static int parse_entry(struct parse_ctx *c, const struct vj_jnode *n, const struct vj_sc_action *a,
		       struct vj_error *err)
{
	const char *name;
	bool optional = false;
	int nr, r;

	if (json_object_is_type(n->obj, json_type_string)) {
		r = vj_jnode_string(n, &name, err);
		if (r < 0)
			return r;
		if (name[0] == '?') {
			optional = true;
			name++;
		}
		r = resolve_name(n, name, optional, &nr, c, err);
		if (r < 0 || nr < 0)
			return r;
		return add_rule(c, name, nr, optional, a, NULL, 0, n);
	}
	if (!json_object_is_type(n->obj, json_type_object))
		return vj_jnode_error(n, err, 0, "expected a syscall name or an object, got %s",
				      vj_json_type_name(json_object_get_type(n->obj)));
	r = vj_jnode_check_keys(n, entry_keys, err);
	if (r < 0)
		return r;
	struct vj_jnode k;
	vj_jnode_key(n, "name", &k);
	if (!vj_jnode_present(&k))
		return vj_jnode_error(n, err, 0, "missing \"name\"");
	r = vj_jnode_string(&k, &name, err);
	if (r < 0)
		return r;
	r = vj_jget_bool(n, "optional", &optional, err);
	if (r < 0)
		return r;
	r = resolve_name(&k, name, optional, &nr, c, err);
	if (r < 0)
		return r;

	struct vj_sc_cond conds[6];
	size_t n_conds = 0;
	_cleanup_free_ uint64_t *list = NULL;
	size_t n_list = 0, list_at = 0;
	vj_jnode_key(n, "args", &k);
	if (vj_jnode_present(&k)) {
		r = vj_jnode_expect(&k, json_type_array, err);
		if (r < 0)
			return r;
		size_t len = json_object_array_length(k.obj);
		if (len == 0)
			return vj_jnode_error(&k, err, 0, "empty list of conditions (leave \"args\" out instead)");
		if (len > 6)
			return vj_jnode_error(&k, err, 0, "at most 6 conditions");
		for (size_t i = 0; i < len; i++) {
			struct vj_jnode e;
			uint64_t *vals;
			size_t n_vals;
			vj_jnode_index(&k, i, &e);
			r = parse_cond(&e, name, &conds[n_conds], &vals, &n_vals, err);
			if (r < 0)
				return r;
			for (size_t j = 0; j < n_conds; j++)
				if (conds[j].index == conds[n_conds].index) {
					free(vals);
					return vj_jnode_error(&e, err, 0, "a second condition on argument %u",
							      conds[j].index);
				}
			if (vals && list) {
				free(vals);
				return vj_jnode_error(&e, err, 0, "only one condition may list several values");
			}
			if (vals) {
				list = vals;
				n_list = n_vals;
				list_at = n_conds;
			}
			n_conds++;
		}
	}
	if (nr < 0)
		return 0; /* optional, unknown here: validated, then skipped */
	if (!list)
		return add_rule(c, name, nr, optional, a, conds, n_conds, n);
	for (size_t i = 0; i < n_list; i++) {
		conds[list_at].value = list[i];
		add_rule(c, name, nr, optional, a, conds, n_conds, n);
	}
	return 0;
}

static int parse_list(struct parse_ctx *c, const struct vj_jnode *n, const struct vj_sc_action *a,
		      struct vj_error *err)
{
	int r = vj_jnode_expect(n, json_type_array, err);
	if (r < 0)
		return r;
	size_t len = json_object_array_length(n->obj);
	for (size_t i = 0; i < len; i++) {
		struct vj_jnode e;
		vj_jnode_index(n, i, &e);
		r = parse_entry(c, &e, a, err);
		if (r < 0)
			return r;
		if (c->pol->n_rules > VJ_SC_MAX_RULES)
			return vj_jnode_error(&e, err, 0, "more than %d rules", VJ_SC_MAX_RULES);
	}
	return 0;
}

static int parse_doc(struct parse_ctx *c, json_object *doc, const char *file, struct vj_error *err);

static int include_one(struct parse_ctx *c, const struct vj_jnode *n, const char *file, struct vj_error *err)
{
	const char *name;
	int r = vj_jnode_string(n, &name, err);
	if (r < 0)
		return r;
	if (!c->allow_include)
		return vj_jnode_error(n, err, 0, "includes are not allowed here");
	_cleanup_free_ char *dircopy = file[0] == '/' ? vj_xstrdup(file) : NULL;
	const char *dir = dircopy ? dirname(dircopy) : NULL;
	_cleanup_free_ char *path = NULL;
	struct vj_error sub = { 0 };
	r = vj_find_data_file(VJ_DATA_POLICY, name, dir, &path, &sub);
	if (r < 0)
		return vj_jnode_error(n, err, 0, "%s", sub.msg);
	if (vj_strv_push(&c->pol->includes, name) < 0 || vj_strv_push(&c->pol->includes, dir ? dir : "") < 0 ||
	    vj_strv_push(&c->pol->includes, path) < 0)
		abort();
	for (size_t i = 0; i < c->depth; i++)
		if (strcmp(c->stack[i], path) == 0) {
			char chain[VJ_ERROR_MAX / 2];
			size_t off = 0;
			for (size_t j = i; j < c->depth && off < sizeof(chain); j++)
				off += (size_t)snprintf(chain + off, sizeof(chain) - off, "%s -> ", c->stack[j]);
			if (off < sizeof(chain))
				snprintf(chain + off, sizeof(chain) - off, "%s", path);
			return vj_jnode_error(n, err, 0, "include cycle: %s", chain);
		}
	if (vj_strv_contains(c->pol->files, path))
		return 0;
	if (c->depth >= VJ_SC_MAX_INCLUDE_DEPTH)
		return vj_jnode_error(n, err, 0, "includes nested deeper than %d", VJ_SC_MAX_INCLUDE_DEPTH);
	if (vj_strv_push(&c->pol->files, path) < 0)
		abort();
	const char *tag = c->pol->files[vj_strv_len(c->pol->files) - 1];
	json_object *doc;
	r = vj_json_parse_file(path, tag, VJ_SC_POLICY_MAX_BYTES, &doc, err);
	if (r < 0)
		return r;
	c->docs = realloc(c->docs, (c->n_docs + 1) * sizeof(*c->docs));
	if (!c->docs)
		abort();
	c->docs[c->n_docs++] = doc;
	return parse_doc(c, doc, tag, err);
}

static int parse_doc(struct parse_ctx *c, json_object *doc, const char *file, struct vj_error *err)
{
	struct vj_jnode root, k;
	int r;
	vj_jnode_root(&root, doc, file);
	r = vj_jnode_check_keys(&root, doc_keys, err);
	if (r < 0)
		return r;
	json_object_object_foreach(doc, key, val) {
		if (!val) {
			vj_jnode_key(&root, key, &k);
			return vj_jnode_error(&k, err, 0, "null is not a value here (leave the key out)");
		}
	}
	c->stack[c->depth++] = (char *)file;

	const char *desc = NULL;
	r = vj_jget_string(&root, "description", &desc, err);
	if (r < 0)
		return r;
	if (c->depth == 1 && desc)
		c->pol->description = vj_xstrdup(desc);

	vj_jnode_key(&root, "default", &k);
	if (vj_jnode_present(&k)) {
		const char *s;
		r = vj_jnode_string(&k, &s, err);
		if (r < 0)
			return r;
		if (c->depth > 1)
			return vj_jnode_error(&k, err, 0, "only the top-level policy sets the default action");
		if (vj_sc_action_parse(s, &c->pol->def) < 0)
			return vj_jnode_error(&k, err, 0, "\"%s\": expected \"kill-process\", \"kill-thread\", "
					      "\"trap\", \"log\", \"allow\" or \"errno:NAME\"", s);
	}

	vj_jnode_key(&root, "include", &k);
	if (vj_jnode_present(&k)) {
		r = vj_jnode_expect(&k, json_type_array, err);
		if (r < 0)
			return r;
		size_t len = json_object_array_length(k.obj);
		for (size_t i = 0; i < len; i++) {
			struct vj_jnode e;
			vj_jnode_index(&k, i, &e);
			r = include_one(c, &e, file, err);
			if (r < 0)
				return r;
		}
	}

	vj_jnode_key(&root, "allow", &k);
	if (vj_jnode_present(&k)) {
		struct vj_sc_action a = { VJ_SC_ALLOW, 0 };
		r = parse_list(c, &k, &a, err);
		if (r < 0)
			return r;
	}

	vj_jnode_key(&root, "errno", &k);
	if (vj_jnode_present(&k)) {
		r = vj_jnode_expect(&k, json_type_object, err);
		if (r < 0)
			return r;
		json_object_object_foreach(k.obj, ename, list) {
			struct vj_jnode e;
			(void)list;
			vj_jnode_key(&k, ename, &e);
			int en = vj_sc_errno_parse(ename);
			if (en < 0)
				return vj_jnode_error(&e, err, 0, "unknown errno name \"%s\"", ename);
			struct vj_sc_action a = { VJ_SC_ERRNO, en };
			r = parse_list(c, &e, &a, err);
			if (r < 0)
				return r;
		}
	}
	c->depth--;
	return 0;
}

/* Sort keys: the syscall number in the high half (offset so negative
 * pseudo-numbers sort first), the rule's index in the low half. */
static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* One call with an unconditional rule and any other rule of a different
 * action: libseccomp lets the unconditional one win whatever the order,
 * so the other would silently never apply. An error, naming both. */
static int check_conflicts(const struct vj_sc_policy *p, struct vj_error *err)
{
	_cleanup_free_ uint64_t *key = vj_xcalloc(p->n_rules, sizeof(uint64_t));
	_cleanup_free_ size_t *idx = vj_xcalloc(p->n_rules, sizeof(size_t));
	for (size_t i = 0; i < p->n_rules; i++)
		key[i] = ((uint64_t)((int64_t)p->rules[i].nr - INT32_MIN) << 32) | (uint32_t)i;
	qsort(key, p->n_rules, sizeof(uint64_t), cmp_u64);
	for (size_t i = 0; i < p->n_rules; i++)
		idx[i] = (uint32_t)key[i];
	for (size_t g = 0; g < p->n_rules;) {
		size_t e = g;
		while (e < p->n_rules && p->rules[idx[e]].nr == p->rules[idx[g]].nr)
			e++;
		for (size_t x = g; x < e; x++)
			for (size_t y = x + 1; y < e; y++) {
				const struct vj_sc_rule *a = &p->rules[idx[x]], *b = &p->rules[idx[y]];
				if ((a->n_conds && b->n_conds) ||
				    (a->action.kind == b->action.kind && a->action.errnum == b->action.errnum))
					continue;
				char an[32], bn[32];
				return vj_error_setx(err, EINVAL, "%s: \"%s\" is already given action %s%s at %s; "
						     "it cannot also be %s%s", b->origin, b->name,
						     vj_sc_action_name(&a->action, an, sizeof(an)),
						     a->n_conds ? " (with conditions)" : "", a->origin,
						     vj_sc_action_name(&b->action, bn, sizeof(bn)),
						     b->n_conds ? " (with conditions)" : "");
			}
		g = e;
	}
	return 0;
}

static int parse_top(json_object *doc, const char *tag, bool allow_include, struct vj_sc_policy **out,
		     struct vj_error *err)
{
	struct vj_sc_policy *p = vj_xcalloc(1, sizeof(*p));
	struct parse_ctx c = { .pol = p, .allow_include = allow_include };
	p->def = (struct vj_sc_action){ VJ_SC_KILL_PROCESS, 0 };
	p->file = vj_xstrdup(tag);
	if (vj_strv_push(&p->files, tag) < 0)
		abort();
	/* The document's tag must outlive it: retag with our own copy. */
	vj_json_tag_file(doc, p->files[0], true);
	int r = parse_doc(&c, doc, p->files[0], err);
	if (r >= 0)
		r = check_conflicts(p, err);
	for (size_t i = 0; i < c.n_docs; i++)
		json_object_put(c.docs[i]);
	free(c.docs);
	if (r < 0) {
		vj_sc_policy_free(p);
		return r;
	}
	*out = p;
	return 0;
}

int vj_sc_policy_load(const char *path, struct vj_sc_policy **out, struct vj_error *err)
{
	json_object *doc;
	int r = vj_json_parse_file(path, path, VJ_SC_POLICY_MAX_BYTES, &doc, err);
	if (r < 0)
		return r;
	r = parse_top(doc, path, true, out, err);
	json_object_put(doc);
	return r;
}

int vj_sc_policy_parse_string(const char *text, size_t len, const char *tag, bool allow_include,
			      struct vj_sc_policy **out, struct vj_error *err)
{
	json_object *doc;
	int r = vj_json_parse_string(text, len, tag, &doc, err);
	if (r < 0)
		return r;
	r = parse_top(doc, tag, allow_include, out, err);
	json_object_put(doc);
	return r;
}

int vj_sc_policy_check_arch(const struct vj_sc_policy *p, uint32_t arch, struct vj_error *err)
{
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct vj_sc_rule *r = &p->rules[i];
		if (r->optional)
			continue;
		if (seccomp_syscall_resolve_name_arch(arch, r->name) < 0)
			return vj_error_setx(err, EINVAL, "%s: system call \"%s\" does not exist on %s "
					     "(mark it optional: \"?%s\")", r->origin, r->name,
					     arch == SCMP_ARCH_AARCH64 ? "aarch64" : "this architecture", r->name);
	}
	return 0;
}

/* ---- features ---------------------------------------------------------- */

/* The policy format as this parser reads it, for `vmjail features`: the
 * key tables above, the operators of op_names and the default actions
 * vj_sc_action_parse accepts ("notify" is internal: debug and learn modes
 * set it, a policy cannot). Declared here and in features.c (its caller)
 * until seccomp_policy.h declares it. */
json_object *vj_sc_policy_keys_json(void)
{
	json_object *o = json_object_new_object();
	vj_json_add_strv(o, "policy", (char *const *)doc_keys);
	vj_json_add_strv(o, "allow[]", (char *const *)entry_keys);
	vj_json_add_strv(o, "allow[].args[]", (char *const *)cond_keys);
	vj_json_add_strv(o, "allow[].args[].op", (char *const *)op_names);
	json_object *acts = json_object_new_array();
	for (size_t i = 0; i < ARRAY_SIZE(action_names); i++) {
		struct vj_sc_action a;
		const char *probe = i == VJ_SC_ERRNO ? "errno:EPERM" : action_names[i];
		if (vj_sc_action_parse(probe, &a) == 0 && a.kind == (enum vj_sc_act_kind)i)
			json_object_array_add(acts, json_object_new_string(i == VJ_SC_ERRNO ? "errno:NAME"
											       : action_names[i]));
	}
	vj_json_add(o, "default", acts);
	vj_json_add_string(o, "errno", "object: errno name (ENOSYS, EPERM...) -> entries as in allow[]");
	vj_json_add_string(o, "allow[].args[].value",
			   "number, symbolic name (ioctl requests, socket families...), or a list");
	return o;
}
