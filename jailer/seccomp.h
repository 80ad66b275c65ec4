/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * seccomp.h - seccomp policies: the profile's "seccomp" section, the policy
 * file format (policy/NAME.json, doc/vmjail-policy.5.scd), the compiler to
 * BPF, the loader, and the supervisor's side of learn and debug modes.
 *
 * Theory of operation:
 *  1. Resolve (side-effect free): vj_seccomp_plan_parse() reads the
 *     profile's section, finds the policy file, parses it and its includes
 *     strictly and resolves every syscall name for the build architecture.
 *     A bad policy is an error here, before anything on the host exists.
 *     A launch (`run`) defers the reading of an enforce-mode policy to 2,
 *     where the cache may know its files and hold its program already
 *     (seccomp_cache.c); the runtime compiles before it creates anything
 *     on the host, so a bad policy still fails first.
 *  2. Prepare (parent, on the host): vj_seccomp_compile_plan() turns the
 *     plan into a classic BPF program with libseccomp (binary tree,
 *     SCMP_FLTATR_CTL_OPTIMIZE=2; no_new_privs is the runtime's business).
 *  3. Child, last step before execve, after no_new_privs:
 *     vj_seccomp_load() hands the finished program to the kernel. It does
 *     not allocate.
 *  4. Modes. "enforce" (the default) loads the policy as written. "debug"
 *     and "learn" need a supervisor that answers seccomp user
 *     notifications:
 *       debug: the policy's default kill action becomes SCMP_ACT_NOTIFY, so
 *              the supervisor learns the name of the denied syscall, reports
 *              it and kills the target (vj_seccomp_listener_denied()).
 *       learn: every syscall is notified and continued; the supervisor
 *              records them (and the argument values of ioctl, clone,
 *              socket and prctl) and writes a policy allowing exactly that
 *              (vj_seccomp_listener_write_policy()).
 *     For both, the program is loaded with SECCOMP_FILTER_FLAG_NEW_LISTENER
 *     (bpf->flags says so); the child sends the listener fd to the
 *     supervisor with SCM_RIGHTS over its sync *socket*
 *     (vj_seccomp_send_listener()); the filter lets exactly sendmsg(sync_fd)
 *     and close(sync_fd) through unnotified, which is why the compiler takes
 *     the child's sync fd number. After execve the program may open that
 *     number again, and those two calls on it stay unnotified (learn would
 *     not record them, debug would not refuse them): give the child's sync
 *     socket a high fd number (F_DUPFD_CLOEXEC near RLIMIT_NOFILE), as
 *     vj_seccomp_run_direct() does. The supervisor must be reading the sync
 *     socket and then serving the listener (vj_seccomp_listener_start())
 *     before it waits for anything else from the child: after sendmsg, the
 *     child's next syscalls (execve included) block until answered.
 *     The listener fd is O_CLOEXEC (the kernel makes it so): it never
 *     reaches the program.
 *  5. Death by the filter: a target killed by SIGSYS is reported with
 *     vj_seccomp_describe_exit() ("killed by seccomp (SIGSYS)"), or with the
 *     syscall's name when the debug listener saw it.
 *
 * Kernel: user notification needs Linux 5.0, SECCOMP_USER_NOTIF_FLAG_CONTINUE
 * 5.5, EPOLLHUP on the listener when the last task is gone 5.8.
 *
 * Runtime integration (in order):
 *   parent: vj_seccomp_compile_plan(&plan->seccomp, child_sync_fd, -1, &bpf, err)
 *   child:  prctl(PR_SET_NO_NEW_PRIVS) ... vj_seccomp_load(&bpf, &lfd, err);
 *           if (lfd >= 0) vj_seccomp_send_listener(sync_fd, lfd); execve(...)
 *   parent: if (vj_seccomp_plan_needs_listener(&plan->seccomp)) {
 *               vj_seccomp_recv_listener(parent_sync_fd, &lfd, err);
 *               vj_seccomp_listener_new(&plan->seccomp, lfd, &l, err);
 *               vj_seccomp_listener_start(l, loop, err); }
 *           ... on a denied call (debug) the callback fires: SIGKILL the
 *           target, report "killed by seccomp: NAME";
 *           at exit (learn): vj_seccomp_listener_write_policy(l, path, err).
 */
#ifndef VJ_SECCOMP_H
#define VJ_SECCOMP_H

#include <json.h>
#include <linux/filter.h>
#include <stdint.h>

#include "error.h"
#include "jsonp.h"

struct vj_jnode;
struct vj_loop;
struct vj_cli_option;

enum vj_seccomp_mode {
	VJ_SECCOMP_ENFORCE, /* the policy as written */
	VJ_SECCOMP_DEBUG,   /* kill -> notify; the supervisor names and kills */
	VJ_SECCOMP_LEARN,   /* notify everything, record, continue */
};

/* The profile's "seccomp" section, resolved:
 *   "seccomp": { "policy": NAME|PATH, "debug": BOOL, "learn": ABSPATH }
 * An absent section means {"policy": "generic"}. There is no "no filter":
 * a policy with "default": "allow" is the explicit way to allow all. */
struct vj_seccomp_plan {
	char *policy;       /* name or path as written; never NULL once parsed */
	char *policy_file;  /* resolved absolute path of the policy */
	char *policy_dir;   /* what a relative `policy` was taken relative to; NULL:
			     * the search path (a name) or the working directory */
	bool debug;         /* report the denied syscall's name, then kill */
	enum vj_seccomp_mode mode;
	char *learn_output; /* LEARN: where the learned policy is written */
	void *priv;         /* engine-private (struct vj_sc_policy); NULL while
			     * the reading is deferred */
};

/* The section's keys (jsonp.h): what seccomp.c's parser accepts and what
 * `vmjail features` advertises (profile.c describes them). */
static const struct vj_jkey vj_seccomp_section_keys[] = {
	{ "policy", VJ_JT_STR, .what = "a policy name, or a path (relative to the profile's directory)" },
	{ "debug", VJ_JT_BOOL },
	{ "learn", VJ_JT_STR, .what = "an absolute path: where the learned policy is written" },
	{ "comment", VJ_JT_ANY, .what = "ignored" },
	{ NULL },
};

/* A compiled filter, ready for seccomp(SECCOMP_SET_MODE_FILTER). */
struct vj_bpf {
	struct sock_filter *insns;
	size_t len;
	unsigned flags;     /* SECCOMP_FILTER_FLAG_* to load it with */
};
void vj_bpf_free(struct vj_bpf *bpf);

/* Profile section: parse node (an object; NULL or absent for the default).
 * Resolves and parses the policy file; errors name the file and key. A
 * relative policy path is taken relative to the directory of the file the
 * node came from (the working directory for command-line options). With
 * defer, an enforce-mode policy file is found but not read: compiling the
 * plan reads it, unless the cache knows it (see 1 above); p->priv stays
 * NULL, so the rules are not in vj_seccomp_plan_to_json. */
int vj_seccomp_plan_parse(struct vj_seccomp_plan *p, const struct vj_jnode *n, bool defer, struct vj_error *err);
/* {"policy", "policy_file", "files", "mode", "default", "rules", ...} */
json_object *vj_seccomp_plan_to_json(const struct vj_seccomp_plan *p);
void vj_seccomp_plan_free(struct vj_seccomp_plan *p);
/* Plan for a policy NAME|PATH in the given mode (commands, tests); policy
 * may be NULL in learn mode (the learn filter has no rules). */
int vj_seccomp_plan_from_policy(struct vj_seccomp_plan *p, const char *policy, enum vj_seccomp_mode mode,
				struct vj_error *err);
/* The same, deferred as vj_seccomp_plan_parse(defer) does (enforce mode). */
int vj_seccomp_plan_from_policy_deferred(struct vj_seccomp_plan *p, const char *policy, struct vj_error *err);
static inline bool vj_seccomp_plan_needs_listener(const struct vj_seccomp_plan *p)
{
	return p->mode != VJ_SECCOMP_ENFORCE;
}

/* Host preparation (parent): compile the plan for the native architecture.
 * sync_fd is the child's sync socket fd number (debug and learn: the filter
 * allows sendmsg/close on it unnotified); -1 when there is none. cache_fd:
 * the compiled-filter cache (vj_sc_cache_open, seccomp_cache.c), or -1. */
int vj_seccomp_compile_plan(const struct vj_seccomp_plan *p, int sync_fd, int cache_fd, struct vj_bpf *out,
			    struct vj_error *err);
/* The cache of compiled filters (seccomp_cache.c): an fd of
 * <root>/.seccomp-cache under the state root root_fd (made when missing),
 * or -1 when there is none to use (VMJAIL_SECCOMP_CACHE=0, not the
 * caller's, not private). */
bool vj_sc_cache_enabled(void);
int vj_sc_cache_open(int root_fd);

/* Child, last step before execve (no_new_privs already set): load prog with
 * prog->flags. *listener_fd gets the notification fd (O_CLOEXEC) when the
 * flags ask for one, else -1; listener_fd may be NULL for plain filters.
 * No allocation; async-signal safe. An empty program is a no-op. */
int vj_seccomp_load(const struct vj_bpf *prog, int *listener_fd, struct vj_error *err);
/* Child: send fd over the unix socket sock with SCM_RIGHTS (one byte 'L'
 * of payload). No allocation. Returns 0 or -errno. */
int vj_seccomp_send_listener(int sock, int fd);
/* Supervisor: receive it (O_CLOEXEC). */
int vj_seccomp_recv_listener(int sock, int *out, struct vj_error *err);

/* Supervisor: the notification listener (debug and learn). */
struct vj_seccomp_listener;
typedef void (*vj_seccomp_denied_fn)(struct vj_seccomp_listener *l, const char *syscall, pid_t pid,
				     void *userdata);
/* Takes ownership of fd. */
int vj_seccomp_listener_new(const struct vj_seccomp_plan *p, int fd, struct vj_seccomp_listener **out,
			    struct vj_error *err);
/* debug: called once per denied syscall, before it is answered (EPERM) -
 * the place to SIGKILL the target. */
void vj_seccomp_listener_on_denied(struct vj_seccomp_listener *l, vj_seccomp_denied_fn fn, void *userdata);
/* Register with the loop; notifications are answered from its callback.
 * When the filter's last user exits, the watch removes itself. */
int vj_seccomp_listener_start(struct vj_seccomp_listener *l, struct vj_loop *loop, struct vj_error *err);
/* Answer every notification pending now (also usable without a loop). */
int vj_seccomp_listener_dispatch(struct vj_seccomp_listener *l);
/* The first denied syscall's name (debug), or NULL. */
const char *vj_seccomp_listener_denied(const struct vj_seccomp_listener *l);
/* Number of distinct syscalls seen (learn). */
size_t vj_seccomp_listener_n_seen(const struct vj_seccomp_listener *l);
/* learn: write a policy allowing exactly what was seen. */
int vj_seccomp_listener_write_policy(const struct vj_seccomp_listener *l, const char *path,
				     struct vj_error *err);
json_object *vj_seccomp_listener_policy_json(const struct vj_seccomp_listener *l);
void vj_seccomp_listener_free(struct vj_seccomp_listener *l);

/* A wait status as a sentence for the supervisor: "killed by seccomp
 * (SIGSYS)" or "killed by seccomp: NAME" when denied_syscall is known; NULL
 * when the status is not a seccomp death and no syscall was denied. */
const char *vj_seccomp_describe_exit(int wstatus, const char *denied_syscall, char *buf, size_t len);

/* `vmjail seccomp ...` (argv[0] is "seccomp"). Returns the exit status. */
int vj_cmd_seccomp(int argc, char **argv);

/* Run argv under plan with fork+exec in this process's own namespaces (no
 * jail yet: the runtime replaces this with a jailed launch); serves the
 * listener for debug/learn, writes the learned policy to learn_output.
 * Returns the child's wait status; *denied (may be NULL) gets the debug
 * listener's denied syscall name (malloc'd) or NULL. */
int vj_seccomp_run_direct(const struct vj_seccomp_plan *plan, char **argv, const char *learn_output,
			  char **denied, struct vj_error *err);

#endif
