/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * policy.h - which QMP commands a socket may run, and introspection
 * filtered to match.
 *
 * Theory of operation: a policy is either an allow list (only matching
 * commands run: "readonly", {"allow": [...]}) or a deny list (everything
 * but matching commands: "full", {"deny": [...]}), plus the section's
 * global "deny" rules, which win everywhere. A rule names a command (a
 * glob: "query-*") and optionally argument patterns, all of which must
 * match: {"command": "migrate", "arguments": {"uri": "exec:*"}}. A
 * pattern is a glob on a string argument; "!glob" matches a present
 * string that does not match; "*" alone matches the argument present with
 * any value (an object, an array). A string argument containing NUL always
 * matches a deny rule and never an allow rule (json-c and QEMU would
 * disagree about it).
 *
 * query-commands and query-qmp-schema replies are filtered through the
 * same rules by command name (a command allowed only with certain
 * arguments stays listed). The target's schema is read once at start to
 * report rule names that match no command the target has.
 */
#ifndef VJ_QMP_POLICY_H
#define VJ_QMP_POLICY_H

#include <json.h>
#include <stdbool.h>

#include "error.h"
#include "jsonp.h"

struct vj_jnode;

struct vj_qmp_argpat {
	char *key;
	char *glob;
	bool negate;
};

struct vj_qmp_rule {
	char *command; /* glob */
	bool builtin;  /* from a built-in list: not checked against the schema */
	struct vj_qmp_argpat *args;
	size_t n_args;
};

struct vj_qmp_rules {
	struct vj_qmp_rule *v;
	size_t n;
};

enum vj_qmp_policy_kind { VJ_QMP_POLICY_DENY, VJ_QMP_POLICY_ALLOW };

struct vj_qmp_policy {
	char *name;                  /* "full", "readonly", "custom" */
	enum vj_qmp_policy_kind kind;
	struct vj_qmp_rules rules;   /* allow or deny, per kind */
	const struct vj_qmp_rules *global_deny; /* borrowed, may be NULL */
};

/* Parse a rule list (strings or objects) at n. */
int vj_qmp_rules_parse(struct vj_qmp_rules *r, const struct vj_jnode *n, struct vj_error *err);
void vj_qmp_rules_free(struct vj_qmp_rules *r);
json_object *vj_qmp_rules_to_json(const struct vj_qmp_rules *r);
/* The built-in lists (doc/qmp-proxy.md says why each entry is there). */
void vj_qmp_rules_default_deny(struct vj_qmp_rules *r);
void vj_qmp_rules_readonly(struct vj_qmp_rules *r);

/* The keys and names the parsers read (jsonp.h), for the "qmp" section's
 * table (plan.c): the named policies, a custom policy's keys, and a rule
 * (a string, or an object with these keys). */
extern const char *const vj_qmp_policy_names[];
extern const struct vj_jkey vj_qmp_policy_keys[];
extern const struct vj_jkey vj_qmp_rule_item;

/* "full" | "readonly" | {"allow": [...]} | {"deny": [...], "defaults": bool} */
int vj_qmp_policy_parse(struct vj_qmp_policy *p, const struct vj_jnode *n, struct vj_error *err);
void vj_qmp_policy_init_named(struct vj_qmp_policy *p, const char *name); /* full/readonly */
void vj_qmp_policy_free(struct vj_qmp_policy *p);
json_object *vj_qmp_policy_to_json(const struct vj_qmp_policy *p);

/* May cmd run with args (may be NULL)? */
bool vj_qmp_policy_allows(const struct vj_qmp_policy *p, const char *cmd, json_object *args);
/* By name alone, for introspection: listed unless denied unconditionally. */
bool vj_qmp_policy_lists(const struct vj_qmp_policy *p, const char *cmd);

/* Filter a query-commands "return" array / a query-qmp-schema "return"
 * array in place. */
void vj_qmp_filter_commands(const struct vj_qmp_policy *p, json_object *ret);
void vj_qmp_filter_schema(const struct vj_qmp_policy *p, json_object *ret);

/* Every command name in a query-qmp-schema "return" array; for each rule
 * of rules whose command glob matches none, call report(opaque, glob). */
void vj_qmp_rules_check(const struct vj_qmp_rules *r, json_object *schema,
			void (*report)(void *opaque, const char *glob), void *opaque);

#endif
