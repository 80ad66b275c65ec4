/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * seccomp_policy.h - the seccomp engine's internals shared by its files:
 * the parsed policy (seccomp_policy.c), the table of symbolic constants
 * (seccomp_names.c), the compiler (seccomp.c) and the listener
 * (seccomp_notify.c). Not for use outside jailer/seccomp*.c and tests.
 *
 * A policy, once parsed, is a flat list of rules in file order (includes
 * first, depth first, each file at most once per chain), every rule with
 * the place it was written ("FILE: allow[3]") for messages.
 */
#ifndef VJ_SECCOMP_POLICY_H
#define VJ_SECCOMP_POLICY_H

#include <seccomp_libseccomp.h>
#include <stdint.h>

#include "seccomp.h"

#define VJ_SC_POLICY_MAX_BYTES (1024 * 1024)
#define VJ_SC_MAX_INCLUDE_DEPTH 16
#define VJ_SC_MAX_RULES 65536

enum vj_sc_act_kind {
	VJ_SC_ALLOW,
	VJ_SC_KILL_PROCESS,
	VJ_SC_KILL_THREAD,
	VJ_SC_TRAP,
	VJ_SC_LOG,
	VJ_SC_ERRNO,
	VJ_SC_NOTIFY,
};

struct vj_sc_action {
	enum vj_sc_act_kind kind;
	int errnum; /* VJ_SC_ERRNO */
};

struct vj_sc_cond {
	unsigned index;       /* 0..5 */
	enum scmp_compare op; /* SCMP_CMP_* */
	uint64_t value;
	uint64_t mask;        /* SCMP_CMP_MASKED_EQ */
};

struct vj_sc_rule {
	char *name;           /* syscall name */
	int nr;               /* native number */
	bool optional;
	struct vj_sc_action action;
	struct vj_sc_cond *conds; /* AND */
	size_t n_conds;
	char *origin;         /* "FILE: allow[3]" */
};

struct vj_sc_policy {
	char *file;            /* top file (absolute path or tag) */
	char *description;     /* of the top file, may be NULL */
	struct vj_sc_action def;
	struct vj_sc_rule *rules;
	size_t n_rules;
	char **files;          /* every file read, top first */
	char **skipped;        /* optional names this architecture lacks */
	char **includes;       /* every include resolved, three strings each: the
				* name as written, the directory it was taken
				* relative to, the file it resolved to */
};

/* Parse the policy at path (absolute). */
int vj_sc_policy_load(const char *path, struct vj_sc_policy **out, struct vj_error *err);
/* The keys, operators and default actions the parser reads, from its own
 * tables (for `vmjail features`). */
json_object *vj_sc_policy_keys_json(void);
/* Parse a policy from text; includes are resolved relative to the working
 * directory unless allow_include is false (then they are errors). */
int vj_sc_policy_parse_string(const char *text, size_t len, const char *tag, bool allow_include,
			      struct vj_sc_policy **out, struct vj_error *err);
void vj_sc_policy_free(struct vj_sc_policy *p);
/* Every non-optional name must resolve for arch (SCMP_ARCH_*). */
int vj_sc_policy_check_arch(const struct vj_sc_policy *p, uint32_t arch, struct vj_error *err);

struct vj_sc_compile_opts {
	enum vj_seccomp_mode mode;
	int sync_fd;          /* debug/learn: allow sendmsg/close(sync_fd) */
	int optimize;         /* SCMP_FLTATR_CTL_OPTIMIZE: 2 (default) or 1 */
};
int vj_sc_policy_compile(const struct vj_sc_policy *p, const struct vj_sc_compile_opts *o,
			 struct vj_bpf *out, struct vj_error *err);

/* With cache_fd < 0 (see vj_sc_cache_open) the plain compile. */
int vj_sc_policy_compile_cached(const struct vj_sc_policy *p, const struct vj_sc_compile_opts *o, int cache_fd,
				struct vj_bpf *out, struct vj_error *err);

/* A policy compiled without parsing it when the cache knows its files
 * (seccomp_cache.c): name and dir as vj_find_data_file(VJ_DATA_POLICY)
 * resolved them (dir NULL: the search path, or the working directory for a
 * relative path) to the file path. On a miss the policy is parsed and
 * compiled (vj_sc_policy_compile_cached) and the entry rewritten; parse
 * errors are returned as vj_sc_policy_load gives them. */
int vj_sc_policy_compile_source(const char *name, const char *dir, const char *path,
				const struct vj_sc_compile_opts *o, int cache_fd, struct vj_bpf *out,
				struct vj_error *err);

/* Value sets (seccomp_valueset.c): a syscall allowed for many exact
 * 32-bit values of one argument, compiled as a binary search. */
#define VJ_SC_VALUESET_MIN 8
struct vj_sc_valueset_entry {
	uint32_t value;
	struct vj_sc_action action;
};
struct vj_sc_valueset {
	int nr;
	unsigned arg;
	struct vj_sc_valueset_entry *entries; /* sorted by value */
	size_t n;
};
/* The syscalls of p that qualify (def: the filter's default action). */
int vj_sc_valuesets_find(const struct vj_sc_policy *p, const struct vj_sc_action *def, struct vj_sc_valueset **out,
			 size_t *n);
bool vj_sc_valuesets_cover(const struct vj_sc_valueset *sets, size_t n, int nr);
/* The action of set index's placeholder rule in libseccomp's input. */
uint32_t vj_sc_valueset_marker(size_t index);
/* Replace the placeholders of prog by jumps to the sets' searches,
 * appended to prog. ret maps an action to its SECCOMP_RET_* value. */
int vj_sc_valuesets_link(struct vj_bpf *prog, const struct vj_sc_valueset *sets, size_t n,
			 uint32_t (*ret)(const struct vj_sc_action *), uint32_t def_ret, struct vj_error *err);
void vj_sc_valuesets_free(struct vj_sc_valueset *sets, size_t n);

/* Actions as written in policies: "kill-process", "errno:EPERM"... */
int vj_sc_action_parse(const char *s, struct vj_sc_action *out);
/* Into buf; returns buf. */
const char *vj_sc_action_name(const struct vj_sc_action *a, char *buf, size_t len);
const char *vj_sc_op_name(enum scmp_compare op);
int vj_sc_errno_parse(const char *s); /* "EPERM" -> 1, or -1 */

/* Symbolic constants (seccomp_names.c). */
enum vj_sc_name_kind {
	VJ_SC_K_IOCTL, VJ_SC_K_CLONE, VJ_SC_K_AF, VJ_SC_K_SOCK, VJ_SC_K_PRCTL,
	VJ_SC_K_PERSONALITY, VJ_SC_K_SIGNAL, VJ_SC_K_FCNTL, VJ_SC_K_MISC,
};
struct vj_sc_name {
	const char *name;
	uint64_t value;
	enum vj_sc_name_kind kind;
};
extern const struct vj_sc_name vj_sc_names[];
extern const size_t vj_sc_n_names;
/* "NAME|NAME|0x10" -> value; -EINVAL naming the bad token in *bad. */
int vj_sc_value_parse(const char *s, uint64_t *out, const char **bad, size_t *bad_len);
/* First name of kind with exactly value, or NULL. */
const char *vj_sc_name_lookup(enum vj_sc_name_kind kind, uint64_t value);
/* Which argument of which syscall a kind of constant describes, for
 * learning: ioctl[1] ioctl, clone[0] clone flags, socket[0] family,
 * prctl[0] option. Returns false for others. */
bool vj_sc_learned_arg(const char *syscall, unsigned *index, enum vj_sc_name_kind *kind);
/* Arguments the kernel declares 32-bit: "eq" on them compares the low 32
 * bits only (masked-eq 0xffffffff), as userspace may sign-extend. */
bool vj_sc_arg_is_32bit(const char *syscall, unsigned index);
/* Format value for a learned policy: "KVM_RUN", "CLONE_VM|...|SIGCHLD",
 * or "0x..." when nothing names it. */
void vj_sc_value_format(enum vj_sc_name_kind kind, uint64_t value, char *buf, size_t len);

#endif
