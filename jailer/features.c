/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * features.c - `vmjail features [--json]`: what this build and this host
 * support, found by probing, not by version numbers. Management tools read
 * it as they read QEMU's query-qmp-schema.
 *
 * Every probe is side-effect free for the host: namespaces are tried in a
 * short-lived child, KVM by creating (and closing) an empty VM, syscalls
 * with arguments that fail before doing anything (an invalid fd).
 */
#include "cgroup.h"
#include "commands.h"
#include "compat.h"
#include "config.h"
#include "jsonw.h"
#include "lsm.h"
#include "log.h"
#include "profile.h"
#include "seccomp_policy.h"

#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <sched.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

/* Run fn in a child (optionally as uid/gid 65534 first); true when it
 * exits 0. */
static bool probe_in_child(int (*fn)(void), bool as_nobody)
{
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		if (as_nobody && geteuid() == 0 &&
		    (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0))
			_exit(2);
		_exit(fn() == 0 ? 0 : 1);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return false;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static int try_userns(void) { return unshare(CLONE_NEWUSER); }
static int try_all_ns(void)
{
	return unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS |
		       CLONE_NEWCGROUP);
}

static json_object *namespaces_json(void)
{
	static const char *const names[] = { "mnt", "pid", "net", "ipc", "uts", "cgroup", "user", "time" };
	json_object *o = json_object_new_object();
	json_object *kinds = json_object_new_object();
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/self/ns/%s", names[i]);
		vj_json_add_bool(kinds, names[i], access(path, F_OK) == 0);
	}
	vj_json_add(o, "kinds", kinds);
	bool unpriv = probe_in_child(try_userns, true);
	vj_json_add_bool(o, "unprivileged-user", unpriv);
	vj_json_add_bool(o, "unprivileged-all", unpriv && probe_in_child(try_all_ns, true));
	_cleanup_free_ char *max = NULL;
	if (vj_read_file_at(AT_FDCWD, "/proc/sys/user/max_user_namespaces", 64, &max, NULL) == 0)
		vj_json_add_int(o, "max-user-namespaces", strtoll(max, NULL, 10));
	return o;
}

/* The words of a small kernel file (a list separated by seps), or NULL. */
static char **read_words(const char *path, const char *seps)
{
	_cleanup_free_ char *text = NULL;
	char **list = NULL;
	if (vj_read_file_at(AT_FDCWD, path, 4096, &text, NULL) < 0)
		return NULL;
	char *save = NULL;
	for (char *t = strtok_r(text, seps, &save); t; t = strtok_r(NULL, seps, &save))
		if (vj_strv_push(&list, t) < 0)
			break;
	return list;
}

static json_object *seccomp_json(void)
{
	json_object *o = json_object_new_object();
	_cleanup_strv_ char **list = read_words("/proc/sys/kernel/seccomp/actions_avail", " \n");
	vj_json_add_strv(o, "actions", list);
	vj_json_add_bool(o, "user-notification", vj_strv_contains(list, "user_notif"));
	vj_json_add_bool(o, "log", vj_strv_contains(list, "log"));
	return o;
}

/* The LSMs the kernel runs, in its order: securityfs's list, else (no
 * securityfs mounted, as in many containers) lsm_list_modules(2), Linux
 * 6.8. NULL when neither answers. */
#ifndef SYS_lsm_list_modules
#define SYS_lsm_list_modules 461
#endif
static char **active_lsms(const char **source)
{
	char **list = read_words("/sys/kernel/security/lsm", ",\n");
	*source = "securityfs";
	if (list)
		return list;
	/* include/uapi/linux/lsm.h: LSM_ID_CAPABILITY (100) onwards */
	static const char *const names[] = {
		"capability", "selinux", "smack", "tomoyo", "apparmor", "yama", "loadpin",
		"safesetid", "lockdown", "bpf", "landlock", "ima", "evm", "ipe",
	};
	uint64_t ids[64];
	uint32_t size = sizeof(ids);
	long n = syscall(SYS_lsm_list_modules, ids, &size, 0);
	if (n < 0)
		return NULL;
	*source = "lsm_list_modules";
	list = vj_xcalloc(1, sizeof(char *));
	for (long i = 0; i < n && i < (long)ARRAY_SIZE(ids); i++) {
		char buf[32];
		if (ids[i] >= 100 && ids[i] - 100 < ARRAY_SIZE(names))
			snprintf(buf, sizeof(buf), "%s", names[ids[i] - 100]);
		else
			snprintf(buf, sizeof(buf), "lsm-%" PRIu64, ids[i]);
		if (vj_strv_push(&list, buf) < 0)
			break;
	}
	return list;
}

static json_object *lsm_json(void)
{
	json_object *o = json_object_new_object();
	const char *source = NULL;
	_cleanup_strv_ char **list = active_lsms(&source);
	if (list) {
		vj_json_add_strv(o, "active", list);
		vj_json_add_string(o, "active-from", source);
	} else {
		vj_json_add_string(o, "active", NULL); /* unknown */
	}
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, 1U /* LANDLOCK_CREATE_RULESET_VERSION */);
	vj_json_add_int(o, "landlock-abi", abi > 0 ? abi : 0);
	vj_json_add_bool(o, "selinux-built", VJ_HAVE_SELINUX);
	vj_json_add_bool(o, "apparmor-built", VJ_HAVE_APPARMOR);
	/* SELinux: "enforcing", "permissive", or "disabled" (no selinuxfs). */
	_cleanup_free_ char *enforce = NULL;
	const char *mode = "disabled";
	if (vj_read_file_at(AT_FDCWD, "/sys/fs/selinux/enforce", 16, &enforce, NULL) == 0)
		mode = enforce[0] == '1' ? "enforcing" : "permissive";
	vj_json_add_string(o, "selinux-mode", mode);
	/* AppArmor: the module's switch, and whether it is in the LSM list. */
	_cleanup_free_ char *aa = NULL;
	bool aa_on = vj_read_file_at(AT_FDCWD, "/sys/module/apparmor/parameters/enabled", 16, &aa, NULL) == 0 &&
		     aa[0] == 'Y';
	vj_json_add_bool(o, "apparmor-enabled", aa_on && (!list || vj_strv_contains(list, "apparmor")));
	/* Per layer, whether vmjail can apply it here, and if not why. */
	vj_json_add(o, "layers", vj_lsm_features_json());
	return o;
}

/* The cgroup engine's description, with each hierarchy's writability for
 * this caller: may it create a child cgroup where it stands (its current
 * cgroup, which is what a delegated subtree offers)? */
static json_object *cgroup_json(void)
{
	json_object *o = vj_cgroup_features_json();
	json_object *hs = NULL;
	if (!o || !json_object_object_get_ex(o, "hierarchies", &hs) || !json_object_is_type(hs, json_type_array))
		return o;
	for (size_t i = 0; i < json_object_array_length(hs); i++) {
		json_object *h = json_object_array_get_idx(hs, i), *m = NULL, *c = NULL;
		if (!json_object_object_get_ex(h, "mount", &m) || !json_object_object_get_ex(h, "current", &c))
			continue;
		_cleanup_free_ char *path =
			vj_xasprintf("%s%s", json_object_get_string(m), json_object_get_string(c));
		vj_json_add_bool(h, "writable", access(path, W_OK) == 0);
	}
	return o;
}

static json_object *kvm_json(void)
{
	json_object *o = json_object_new_object();
	_cleanup_close_ int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	vj_json_add_bool(o, "present", access("/dev/kvm", F_OK) == 0);
	int api = fd >= 0 ? ioctl(fd, KVM_GET_API_VERSION, 0) : -1;
	bool usable = false;
	if (api == KVM_API_VERSION) {
		int vm = ioctl(fd, KVM_CREATE_VM, 0);
		usable = vm >= 0;
		if (vm >= 0)
			close(vm);
	}
	vj_json_add_bool(o, "usable", usable);
	return o;
}

static json_object *syscalls_json(void)
{
	json_object *o = json_object_new_object();
	/* Each probe passes an invalid fd or argument: a kernel that knows
	 * the call answers EBADF/EINVAL, one that does not answers ENOSYS. */
	struct clone_args ca = { .flags = CLONE_INTO_CGROUP, .cgroup = 0x7fffffff, .exit_signal = SIGCHLD };
	long r = syscall(SYS_clone3, &ca, sizeof(ca));
	if (r == 0)
		_exit(0); /* cannot happen with a bad fd; never run on */
	if (r > 0)
		waitpid((pid_t)r, NULL, 0);
	vj_json_add_bool(o, "clone3", !(r < 0 && errno == ENOSYS));
	vj_json_add_bool(o, "clone-into-cgroup", r < 0 && errno == EBADF);
	int pfd = vj_pidfd_open(getpid());
	vj_json_add_bool(o, "pidfd", pfd >= 0);
	if (pfd >= 0)
		close(pfd);
	vj_json_add_bool(o, "openat2", !(syscall(SYS_openat2, -1, "x", NULL, 0) < 0 && errno == ENOSYS));
	vj_json_add_bool(o, "open-tree", !(syscall(SYS_open_tree, -1, "", 0) < 0 && errno == ENOSYS));
	vj_json_add_bool(o, "mount-setattr",
			 !(syscall(SYS_mount_setattr, -1, "", 0, NULL, 0) < 0 && errno == ENOSYS));
	vj_json_add_bool(o, "close-range", !(syscall(SYS_close_range, 3, 2, 0) < 0 && errno == ENOSYS));
	return o;
}

/* The seccomp policy format (vmjail-policy(5)) this version reads, from
 * the policy parser's own tables (jailer/seccomp_policy.c). */

/* How vmjail fits its callers (doc/integrations.md). */
static json_object *integration_json(void)
{
	json_object *o = json_object_new_object();
	/* READY=1 on $NOTIFY_SOCKET (jailer/notify.c), sent by the
	 * supervisor when PROGRAM runs or its QMP monitor answers. */
	vj_json_add_bool(o, "sd-notify", true);
	vj_json_add_bool(o, "exec-inplace", true);          /* run --exec */
	vj_json_add_bool(o, "keep-all-fds", true);          /* run --keep-all-fds */
	const char *ns = getenv("NOTIFY_SOCKET");
	vj_json_add_bool(o, "notify-socket-set", ns && *ns);
	return o;
}

static json_object *features_json(void)
{
	json_object *o = json_object_new_object();
	json_object *build = json_object_new_object();
	vj_json_add_string(build, "version", VJ_VERSION);
	vj_json_add_bool(build, "selinux", VJ_HAVE_SELINUX);
	vj_json_add_bool(build, "apparmor", VJ_HAVE_APPARMOR);
	vj_json_add_bool(build, "sanitized", VJ_SANITIZED);
	vj_json_add_bool(build, "static", VJ_STATIC);
	vj_json_add_bool(build, "static-deps", VJ_STATIC_DEPS);
	vj_json_add(o, "build", build);
	vj_json_add_bool(o, "root", geteuid() == 0);
	vj_json_add(o, "namespaces", namespaces_json());
	vj_json_add(o, "cgroup", cgroup_json());
	vj_json_add(o, "seccomp", seccomp_json());
	vj_json_add(o, "lsm", lsm_json());
	vj_json_add(o, "kvm", kvm_json());
	vj_json_add(o, "syscalls", syscalls_json());
	vj_json_add(o, "integration", integration_json());
	vj_json_add(o, "profile-keys", vj_profile_keys_json());
	vj_json_add(o, "policy-keys", vj_sc_policy_keys_json());
	return o;
}

static void print_text(json_object *o, int depth, const char *prefix)
{
	json_object_object_foreach(o, k, v) {
		char key[256];
		snprintf(key, sizeof(key), "%s%s%s", prefix, *prefix ? "." : "", k);
		if (json_object_is_type(v, json_type_object) && depth < 2)
			print_text(v, depth + 1, key);
		else
			printf("%-40s %s\n", key, vj_json_to_string(v, false));
	}
}

/* The profile keys by name (each key's type and values: --json): the keys
 * on one line, "profile-keys", then the keys of each section an engine
 * checks on a line of its own, "profile-keys.cgroup", relative to it. */
static void add_key_names(json_object *t, json_object *pk)
{
	json_object *names = json_object_new_array();
	json_object_object_add(t, "profile-keys", names);
	json_object_object_foreach(pk, k, v) {
		(void)v;
		json_object *by = NULL, *list = NULL;
		size_t len = strcspn(k, ".[");
		_cleanup_free_ char *top = strndup(k, len);
		if (!top)
			abort();
		json_object *sect = json_object_object_get(pk, top);
		if (!sect || !json_object_object_get_ex(sect, "checked-by", &by)) {
			json_object_array_add(names, json_object_new_string(k));
			continue;
		}
		_cleanup_free_ char *line = vj_xasprintf("profile-keys.%s", top);
		if (!json_object_object_get_ex(t, line, &list)) {
			json_object_array_add(names, json_object_new_string(k));
			list = json_object_new_array();
			json_object_object_add(t, line, list);
		} else {
			json_object_array_add(list, json_object_new_string(k + len + (k[len] == '.')));
		}
	}
}

int vj_cmd_features(int argc, char **argv)
{
	bool json = false;
	for (int i = 1; i < argc; i++) {
		if (vj_streq(argv[i], "--json")) {
			json = true;
		} else if (vj_streq(argv[i], "--help") || vj_streq(argv[i], "-h")) {
			printf("Usage: vmjail features [--json]\n\n"
			       "What this build and this host support: namespaces (and whether an\n"
			       "unprivileged caller may create them), cgroup hierarchies and controllers,\n"
			       "seccomp actions, LSMs, KVM, the newer syscalls vmjail prefers, how it\n"
			       "fits its callers (sd_notify, --exec, --keep-all-fds), and the profile and\n"
			       "policy keys this version understands (by name, the keys of the seccomp,\n"
			       "cgroup, qmp and lsm sections on lines of their own; --json adds each\n"
			       "profile key's type and values; see vmjail-profile(5) and vmjail-policy(5)).\n");
			return 0;
		} else {
			vj_error("features: %s: unknown argument (see vmjail features --help)", argv[i]);
			return VJ_EXIT_FAILURE;
		}
	}
	_cleanup_json_ json_object *o = features_json();
	if (json)
		return vj_json_write(STDOUT_FILENO, o, true) < 0 ? VJ_EXIT_FAILURE : 0;
	_cleanup_json_ json_object *t = json_object_new_object();
	json_object_object_foreach(o, k, v) {
		if (strcmp(k, "profile-keys") == 0)
			add_key_names(t, v);
		else
			json_object_object_add(t, k, json_object_get(v));
	}
	print_text(t, 0, "");
	return 0;
}
