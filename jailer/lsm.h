/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lsm.h - labels and Landlock: the profile's "lsm" section, host-side
 * preparation (AppArmor profile generation and loading, SELinux MCS
 * allocation and file labels), the child's last steps before seccomp
 * (setexeccon, aa_change_onexec, Landlock ruleset), and the release.
 *
 * Where the runtime calls it (doc/lsm.md has the whole picture):
 *   profile_plan.c  vj_lsm_plan_parse(&plan->lsm, <"lsm" section>, err)
 *   cli.c           the vj_lsm_cli_options table
 *   launch.c        vj_lsm_prepare() in prepare(), before clone (its
 *                   notices logged as "lsm: ..."); vj_lsm_to_json() into
 *                   the start record; vj_lsm_release() in teardown(),
 *                   after the jail's processes are gone
 *   child.c         vj_lsm_child_apply() in PROGRAM's process after
 *                   pivot_root and the id and capability change, before
 *                   no_new_privs and the seccomp filter (step 8b). It
 *                   sets no_new_privs itself when Landlock applies, and
 *                   needs the jail's /proc for the SELinux and AppArmor
 *                   exec attributes.
 *   state_gc.c      vj_lsm_leftovers() for a dead jail's record
 *   features        vj_lsm_features_json() for `vmjail features`
 *   main.c (check)  vj_lsm_check_json(): what would apply
 */
#ifndef VJ_LSM_H
#define VJ_LSM_H

#include <json.h>
#include <stdbool.h>
#include <sys/types.h>

#include "cli.h"
#include "error.h"
#include "jsonp.h"

struct vj_jnode;
struct vj_plan;

enum vj_lsm_need {
	VJ_LSM_OFF,
	VJ_LSM_AUTO,     /* the default: applied when the host has it, silently
			  * left out when not (reported in the start record) */
	VJ_LSM_OPTIONAL, /* applied when the host has it, else a notice */
	VJ_LSM_REQUIRED, /* the host lacks it -> the launch fails naming it */
};

/* Landlock TCP ports: "any" (not restricted), a list (maybe empty: none
 * allowed), or "auto" (not set: a list of none when the jail shares or
 * joins a network namespace, "any" when it has its own, which holds only
 * lo). */
struct vj_lsm_ports {
	bool set;
	bool any;
	uint16_t *ports;
	size_t n;
};

/* The profile's "lsm" section, resolved. Side-effect free. */
struct vj_lsm_plan {
	enum vj_lsm_need selinux;
	char *selinux_label;      /* base process context; NULL = the policy's
				   * virtual domain context */
	char *selinux_file_label; /* base file context for writable binds;
				   * NULL = the policy's virtual image context */
	bool selinux_mcs;         /* add a unique category pair (default true) */
	int selinux_mcs_lo, selinux_mcs_hi; /* from c<lo>..c<hi> (default 0..1023) */
	bool selinux_relabel;     /* label writable bind sources (default true) */

	enum vj_lsm_need apparmor;
	char *apparmor_profile;   /* an existing profile; NULL = generate one */

	enum vj_lsm_need landlock;
	struct vj_lsm_ports tcp_bind, tcp_connect;
	bool scope_signal;        /* ABI 6: no signals out of the jail (default true) */
	bool scope_abstract_unix; /* ABI 6: no abstract unix sockets out (default true) */
};

int vj_lsm_plan_parse(struct vj_lsm_plan *p, const struct vj_jnode *n, struct vj_error *err);
/* The section's keys as vj_lsm_plan_parse() reads them (jsonp.h), for
 * `vmjail features`. */
extern const struct vj_jkey vj_lsm_section_keys[];
json_object *vj_lsm_plan_to_json(const struct vj_lsm_plan *p);
void vj_lsm_plan_free(struct vj_lsm_plan *p);

/* Command-line options (--selinux, --selinux-label, --apparmor,
 * --apparmor-profile, --landlock); ends with a zeroed entry. */
extern const struct vj_cli_option vj_lsm_cli_options[];

/* What applies to one jail, prepared on the host. */
struct vj_lsm;

/* The jail's LSM record: what vmjail is about to load or relabel, written
 * before it does so into lsm/ below the jail's state directory ("owner":
 * "PID STARTTIME" of the process the record follows - the supervisor, or
 * PROGRAM itself with --exec; "apparmor": the generated profile's name;
 * "selinux": the process context, then each relabelled path with its old
 * label). The release removes it; what a supervisor killed with SIGKILL,
 * or an --exec run, left is released from it by vj_lsm_leftovers(). */
#define VJ_LSM_RECORD_DIR "lsm"

/* How vj_lsm_prepare() reaches the jail's state directory: open() returns
 * an O_DIRECTORY fd of it (creating it when create), -ENOENT when it does
 * not exist and !create, else -errno with err set. lock: nothing holds the
 * directory's lock (--exec), so vj_lsm_prepare takes it while it prepares
 * (close-on-exec: execve drops it). */
struct vj_lsm_home {
	int (*open)(void *ctx, bool create, struct vj_error *err);
	void *ctx;
	bool lock;
};

/* Host preparation (parent, before clone). *out may be NULL when nothing
 * applies. notices: lines for the caller to log (optional layers the host
 * lacks, leftovers of an earlier run released). home: where the record
 * goes (NULL: nothing is recorded); a record an earlier run of the id
 * left there is released first, and one whose owner still runs fails the
 * launch (EBUSY). The SELinux category reservations live in
 * <state root>/selinux-mcs ($VMJAIL_STATE_DIR, else /run/vmjail as root,
 * else $XDG_RUNTIME_DIR/vmjail). */
int vj_lsm_prepare(const struct vj_plan *plan, const struct vj_lsm_home *home, struct vj_lsm **out,
		   char ***notices, struct vj_error *err);
/* Child (PROGRAM's process), after the root filesystem is in place and the
 * ids changed, before seccomp. Does not allocate, does not log. Sets
 * no_new_privs when a Landlock ruleset is applied. lsm may be NULL. */
int vj_lsm_child_apply(const struct vj_lsm *lsm, const struct vj_plan *plan, struct vj_error *err);
/* What applied, for the info-fd start record and state.json:
 * {"selinux": {...}, "apparmor": {...}, "landlock": {...}}. */
json_object *vj_lsm_to_json(const struct vj_lsm *lsm);
/* After the jail's processes are gone: unload the generated profile,
 * restore the labels, drop the category reservation, remove the record.
 * NULL is fine. */
void vj_lsm_release(struct vj_lsm *lsm);

/* A dead jail's record (in jail_dfd, its state directory; id names the
 * jail): unload the profile it names (only "vmjail-ID"), restore the
 * labels, remove the record - unless its owner still runs or a live
 * process still carries its profile or context: then it is left, and
 * -EBUSY returned. 1: something was released, 0: no record. Each step is
 * appended to notices as one line. */
int vj_lsm_leftovers(int jail_dfd, const char *id, char ***notices);

/* What the host offers, for `vmjail features`: {"selinux": {...},
 * "apparmor": {...}, "landlock": {"abi": N}}. */
json_object *vj_lsm_features_json(void);

/* The AppArmor profile text vj_lsm_prepare() would generate for plan under
 * the given profile name (for `check` and tests). Caller frees. */
char *vj_lsm_apparmor_generate(const struct vj_plan *plan, const char *name);

/* What vj_lsm_prepare() would do with plan on this host, for `vmjail
 * check` (side-effect free): per layer whether it would apply (or why
 * not), SELinux's base contexts (the pair is chosen at run time), the
 * AppArmor profile (the generated text, or the named profile), the
 * Landlock rules with the rights this kernel's ABI enforces. */
json_object *vj_lsm_check_json(const struct vj_plan *plan);

/* Unload an AppArmor profile vmjail generated, by name (gc, from a dead
 * jail's state record). 1 when it was loaded and is now gone, 0 when it
 * was not loaded (or AppArmor is not active), -EBUSY (*user set) when a
 * live process still runs under it, else -errno. */
int vj_lsm_apparmor_unload(const char *name, pid_t *user);

#endif
