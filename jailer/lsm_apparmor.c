/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lsm_apparmor.c - AppArmor: one generated profile per jail, in the spirit
 * of libvirt's virt-aa-helper, or a named profile the host already loaded.
 *
 * Theory of operation:
 *  1. Probe (parent): AppArmor is usable when the kernel enabled it
 *     (/sys/module/apparmor/parameters/enabled), it is among the active
 *     LSMs, and its interface is mounted (/sys/kernel/security/apparmor).
 *  2. Prepare (parent):
 *     - named profile: it must be loaded (listed in .../profiles);
 *     - generated: "vmjail-<jail id>" from the plan's mounts, as PROGRAM
 *       sees them after pivot_root (AppArmor names paths relative to the
 *       mount namespace's root): ro binds "r" (+ "m ix" unless noexec),
 *       writable binds and tmpfs "rwlk" (+ "m ix"), the /dev tmpfs only
 *       its directory, devices "rw" as listed, devpts, /proc read-only,
 *       mqueue, files read-only; unix/inet/netlink sockets; no capability
 *       but those the plan keeps; no mount, pivot_root, ptrace; signals
 *       only inside the profile and from unconfined (the supervisor).
 *       The profile has no #include: it does not depend on the host's
 *       /etc/apparmor.d. It is loaded with apparmor_parser --replace
 *       (text on stdin; $VMJAIL_APPARMOR_PARSER overrides the program).
 *     Its name goes into the jail's LSM record before it is loaded, so
 *     that a supervisor killed at any point leaves gc a name to unload.
 *     The "exec NAME" command is formatted now, so the child does not
 *     allocate.
 *  3. Apply (PROGRAM's process): write "exec NAME" to the exec attribute
 *     of this thread (what aa_change_onexec() does, without its
 *     allocation); the profile takes effect at execve. With no_new_privs
 *     set afterwards AppArmor still allows this transition, because the
 *     caller is unconfined.
 *  4. Release (parent, once the jail's processes are gone): remove the
 *     generated profile through .../apparmor/.remove. A dead jail's
 *     (gc): the same, unless a live process still runs under it - a
 *     removed profile's processes would go on unconfined.
 */
#include "lsm_internal.h"
#include "config.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "lsm_dl.h"

#include "jsonw.h"

#define AA_FS "/sys/kernel/security/apparmor"

static const char *const cap_names[] = {
	"chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid", "setuid",
	"setpcap", "linux_immutable", "net_bind_service", "net_broadcast", "net_admin", "net_raw",
	"ipc_lock", "ipc_owner", "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct",
	"sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time", "sys_tty_config", "mknod",
	"lease", "audit_write", "audit_control", "setfcap", "mac_override", "mac_admin", "syslog",
	"wake_alarm", "block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore",
};

int vj_apparmor_probe(char *reason, size_t len)
{
	_cleanup_free_ char *enabled = NULL, *lsms = NULL;
	if (vj_read_file_at(AT_FDCWD, "/sys/module/apparmor/parameters/enabled", 64, &enabled, NULL) < 0) {
		snprintf(reason, len, "the kernel has no AppArmor");
		return 0;
	}
	if (enabled[0] != 'Y') {
		snprintf(reason, len, "AppArmor is disabled on this host (apparmor=1 security=apparmor on the "
				      "kernel command line enables it)");
		return 0;
	}
	if (vj_read_file_at(AT_FDCWD, "/sys/kernel/security/lsm", 4096, &lsms, NULL) == 0) {
		bool found = false;
		char *save = NULL;
		for (char *t = strtok_r(lsms, ",\n", &save); t; t = strtok_r(NULL, ",\n", &save))
			found |= vj_streq(t, "apparmor");
		if (!found) {
			snprintf(reason, len, "AppArmor is not an active LSM on this host (see lsm= or security= on "
					      "the kernel command line)");
			return 0;
		}
	}
	struct stat st;
	if (stat(AA_FS "/profiles", &st) < 0) {
		snprintf(reason, len, "%s is not available (securityfs not mounted?)", AA_FS);
		return 0;
	}
	/* libapparmor is loaded only now that the kernel has AppArmor
	 * (lsm_dl.c). */
	const char *why = vj_apparmor_lib_error();
	if (why) {
		snprintf(reason, len, "AppArmor is enabled, but %s", why);
		return 0;
	}
	if (!vj_apparmor_lib()->aa_is_enabled()) {
		snprintf(reason, len, "AppArmor is not enabled (aa_is_enabled: %s)", strerror(errno));
		return 0;
	}
	return 1;
}

/* Is a profile of that name loaded? */
static int profile_loaded(const char *name)
{
	_cleanup_free_ char *list = NULL;
	int r = vj_read_file_at(AT_FDCWD, AA_FS "/profiles", 64 << 20, &list, NULL);
	if (r < 0)
		return r;
	size_t n = strlen(name);
	for (char *l = list; l && *l;) {
		char *nl = strchr(l, '\n');
		if (strncmp(l, name, n) == 0 && l[n] == ' ' && l[n + 1] == '(')
			return 1;
		l = nl ? nl + 1 : NULL;
	}
	return 0;
}

/* ---- generation ---- */

struct text {
	char *s;
	size_t len, cap;
};

static void _printf_(2, 3) put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (t->len + (size_t)n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 1024;
		while (cap < t->len + (size_t)n + 1)
			cap *= 2;
		char *s = realloc(t->s, cap);
		if (!s)
			abort();
		t->s = s;
		t->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

/* A path, quoted, with AppArmor's pattern characters escaped: the plan's
 * paths are literal. */
static void put_path(struct text *t, const char *path, const char *suffix)
{
	put(t, "  \"");
	for (const char *c = path; *c; c++) {
		if (strchr("*?[]{}^\\\"", *c))
			put(t, "\\%c", *c);
		else if ((unsigned char)*c < ' ' || *c == 0x7f)
			put(t, "\\%03o", (unsigned char)*c);
		else
			put(t, "%c", *c);
	}
	/* The root and a suffix: "/" and "/x", not "//x". */
	if (vj_streq(path, "/") && suffix[0] == '/')
		suffix++;
	put(t, "%s\"", suffix);
}

static void rule(struct text *t, const char *path, const char *suffix, const char *perms)
{
	put_path(t, path, suffix);
	put(t, " %s,\n", perms);
}

/* A bind's source decides whether the target is a directory; a missing
 * optional source has skip set and is left out. */
static bool target_is_dir(const struct vj_mount *m)
{
	struct stat st;
	switch (m->type) {
	case VJ_MOUNT_RO_BIND:
	case VJ_MOUNT_BIND:
	case VJ_MOUNT_DEV_BIND:
		return m->source && stat(m->source, &st) == 0 && S_ISDIR(st.st_mode);
	case VJ_MOUNT_FILE:
	case VJ_MOUNT_SYMLINK:
		return false;
	default:
		return true;
	}
}

static void mount_rules(struct text *t, const struct vj_mount *m)
{
	bool dir = target_is_dir(m);
	bool exec = !(m->flags & MS_NOEXEC);
	bool ro = (m->flags & MS_RDONLY) != 0;
	const char *fr = exec ? "mrix" : "r";
	const char *fw = exec ? "mrwixlk" : "rwlk";

	switch (m->type) {
	case VJ_MOUNT_RO_BIND:
		ro = true;
		/* fall through */
	case VJ_MOUNT_BIND:
	case VJ_MOUNT_TMPFS:
		if (m->type == VJ_MOUNT_TMPFS && vj_streq(m->target, "/dev")) {
			rule(t, m->target, "/", "r");
			return;
		}
		if (dir) {
			rule(t, m->target, "/", ro ? "r" : "rw");
			rule(t, m->target, "/**", ro ? fr : fw);
		} else {
			rule(t, m->target, "", ro ? fr : (exec ? "mrwixk" : "rwk"));
		}
		return;
	case VJ_MOUNT_DEV_BIND:
		if (dir) {
			rule(t, m->target, "/", "r");
			rule(t, m->target, "/**", ro ? "r" : "rwk");
		} else {
			rule(t, m->target, "", ro ? "r" : "rwk");
		}
		return;
	case VJ_MOUNT_DEVPTS:
		rule(t, m->target, "/", "r");
		rule(t, m->target, "/*", "rwk");
		rule(t, "/dev/ptmx", "", "rw");
		return;
	case VJ_MOUNT_DIR:
		rule(t, m->target, "/", "r");
		return;
	case VJ_MOUNT_FILE:
		rule(t, m->target, "", "r");
		return;
	case VJ_MOUNT_PROC:
	case VJ_MOUNT_CGROUP:
		rule(t, m->target, "/", "r");
		rule(t, m->target, "/**", "r");
		return;
	case VJ_MOUNT_MQUEUE:
		rule(t, m->target, "/", "r");
		rule(t, m->target, "/*", "rw");
		return;
	case VJ_MOUNT_SYMLINK:
	default:
		return;
	}
}

char *vj_lsm_apparmor_generate(const struct vj_plan *plan, const char *name)
{
	struct text t = { 0 };
	put(&t, "# Generated by vmjail for jail %s (profile %s). Paths are as the jailed\n"
		"# program sees them after pivot_root.\n",
	    plan->id ? plan->id : "-", plan->profile_name ? plan->profile_name : "-");
	put(&t, "profile %s flags=(attach_disconnected,mediate_deleted) {\n", name);
	put(&t, "  # the read-only root of the jail\n  \"/\" r,\n");
	for (size_t i = 0; i < plan->n_mounts; i++) {
		const struct vj_mount *m = &plan->mounts[i];
		if (m->skip)
			continue;
		put(&t, "  # %s %s%s%s\n", vj_mount_type_name(m->type), m->target, m->source ? " <- " : "",
		    m->source && m->type != VJ_MOUNT_SYMLINK ? m->source : "");
		mount_rules(&t, m);
	}
	put(&t, "  # sockets: unix, IP (the network namespace and Landlock decide where),\n"
		"  # netlink (interface queries)\n"
		"  network unix,\n  network inet,\n  network inet6,\n  network netlink raw,\n"
		"  unix,\n");
	put(&t, "  # signals: inside the jail, and from the supervisor\n"
		"  signal (send, receive) peer=%s,\n"
		"  signal (receive) peer=unconfined,\n",
	    name);
	put(&t, "  # no mount, remount, pivot_root, ptrace, change_profile\n"
		"  deny mount,\n  deny remount,\n  deny umount,\n  deny pivot_root,\n  deny ptrace,\n");
	bool any = false;
	for (size_t c = 0; c < ARRAY_SIZE(cap_names); c++)
		if (plan->caps_keep & (1ULL << c)) {
			if (!any)
				put(&t, "  # capabilities the profile keeps\n");
			any = true;
			put(&t, "  capability %s,\n", cap_names[c]);
		}
	if (!any)
		put(&t, "  # no capabilities\n");
	put(&t, "}\n");
	return t.s;
}

/* Run apparmor_parser with the profile text on stdin (a memfd: no pipe to
 * break); its output goes into the error message. */
static int parser_load(const char *text, struct vj_error *err)
{
	const char *parser = getenv("VMJAIL_APPARMOR_PARSER");
	if (!parser || !*parser) {
		parser = access("/sbin/apparmor_parser", X_OK) == 0 ? "/sbin/apparmor_parser"
								  : "/usr/sbin/apparmor_parser";
	}
	if (access(parser, X_OK) < 0)
		return vj_error_set(err, errno, "%s (the apparmor package) is needed to load a generated profile",
				    parser);
	_cleanup_close_ int in = memfd_create("vmjail-apparmor", MFD_CLOEXEC);
	if (in < 0)
		return vj_error_set(err, errno, "memfd_create");
	int r = vj_write_all(in, text, strlen(text));
	if (r < 0 || lseek(in, 0, SEEK_SET) < 0)
		return vj_error_set(err, r < 0 ? r : errno, "memfd");
	int out[2];
	if (pipe2(out, O_CLOEXEC) < 0)
		return vj_error_set(err, errno, "pipe");
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(out[0]);
		close(out[1]);
		return vj_error_set(err, e, "fork");
	}
	if (pid == 0) {
		dup2(in, 0);
		dup2(out[1], 1);
		dup2(out[1], 2);
		execl(parser, parser, "--replace", "--skip-cache", "--quiet", (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	char msg[512], sink[4096];
	ssize_t n = vj_read_full(out[0], msg, sizeof(msg) - 1);
	while (n == (ssize_t)sizeof(msg) - 1 && vj_read_full(out[0], sink, sizeof(sink)) > 0)
		;
	close(out[0]);
	msg[n > 0 ? n : 0] = '\0';
	for (char *c = msg; *c; c++)
		if (*c == '\n')
			*c = *(c + 1) ? ' ' : '\0';
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return vj_error_set(err, errno, "waitpid %s", parser);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return vj_error_setx(err, EINVAL, "%s failed (status %d)%s%s", parser,
				     WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), msg[0] ? ": " : "", msg);
	return 0;
}

int vj_apparmor_prepare(struct vj_apparmor *aa, const struct vj_plan *plan, struct vj_lsm_rec *rec,
			struct vj_error *err)
{
	memset(aa, 0, sizeof(*aa));
	const char *named = plan->lsm.apparmor_profile;
	if (named) {
		int r = profile_loaded(named);
		if (r < 0)
			return vj_error_set(err, r, "%s/profiles", AA_FS);
		if (r == 0)
			return vj_error_setx(err, ENOENT, "profile \"%s\" is not loaded", named);
		aa->name = vj_xstrdup(named);
	} else {
		if (access(AA_FS "/.replace", W_OK) < 0)
			return vj_error_set(err, errno == EACCES ? EPERM : errno,
					    "loading a generated profile needs CAP_MAC_ADMIN (%s/.replace)", AA_FS);
		aa->name = vj_xasprintf("vmjail-%s", plan->id ? plan->id : "jail");
		_cleanup_free_ char *text = vj_lsm_apparmor_generate(plan, aa->name);
		int r = 0;
		if (rec) {
			_cleanup_close_ int fd = vj_lsm_rec_file(rec, "apparmor", err);
			if (fd < 0 || (r = vj_write_all(fd, aa->name, strlen(aa->name))) < 0) {
				r = fd < 0 ? fd : vj_error_set(err, r, "jail %s: its LSM record", rec->id);
				free(aa->name);
				aa->name = NULL;
				return r;
			}
		}
		r = parser_load(text, err);
		if (r < 0) {
			vj_error_prefix(err, "load the generated profile %s", aa->name);
			if (rec)
				vj_lsm_rec_done(rec, "apparmor");
			free(aa->name);
			aa->name = NULL;
			return r;
		}
		aa->generated = true;
	}
	snprintf(aa->exec_cmd, sizeof(aa->exec_cmd), "exec %s", aa->name);
	aa->active = true;
	return 0;
}

int vj_apparmor_apply(const struct vj_apparmor *aa, struct vj_error *err)
{
	static const char *const paths[] = { "/proc/thread-self/attr/apparmor/exec", "/proc/self/attr/apparmor/exec",
					     "/proc/thread-self/attr/exec", "/proc/self/attr/exec", NULL };
	if (!aa->active)
		return 0;
	int r = vj_lsm_write_attr(paths, aa->exec_cmd, strlen(aa->exec_cmd));
	if (r == -ENOENT)
		return vj_error_setx(err, ENOENT, "AppArmor: no /proc/self/attr in the jail (the profile needs \"proc\")");
	if (r < 0)
		return vj_error_set(err, r, "AppArmor: change_onexec %s", aa->name);
	return 0;
}

json_object *vj_apparmor_to_json(const struct vj_apparmor *aa)
{
	json_object *o = json_object_new_object();
	vj_json_add_bool(o, "applied", aa->active);
	if (aa->active) {
		vj_json_add_string(o, "profile", aa->name);
		vj_json_add_bool(o, "generated", aa->generated);
	}
	return o;
}

/* Whether the kernel lists a profile called name ("NAME (MODE)" lines). */
static bool loaded(const char *name)
{
	_cleanup_free_ char *list = NULL;
	if (vj_read_file_at(AT_FDCWD, AA_FS "/profiles", 1 << 22, &list, NULL) < 0)
		return false;
	size_t n = strlen(name);
	for (char *s = list; s && *s; s = strchr(s, '\n'), s = s ? s + 1 : NULL)
		if (strncmp(s, name, n) == 0 && s[n] == ' ')
			return true;
	return false;
}

int vj_lsm_apparmor_unload(const char *name, pid_t *user)
{
	if (!name || !*name || !loaded(name))
		return 0;
	pid_t pid = vj_lsm_label_user(name, NULL);
	if (pid > 0) {
		if (user)
			*user = pid;
		return -EBUSY;
	}
	int r = vj_write_file_at(AT_FDCWD, AA_FS "/.remove", name);
	if (r == -ENOENT)
		return 0; /* removed meanwhile */
	return r < 0 ? r : 1;
}

int vj_apparmor_release(struct vj_apparmor *aa)
{
	int r = 0;
	if (aa->generated && aa->name) {
		/* The kernel interface takes the name; no parser needed. */
		r = vj_write_file_at(AT_FDCWD, AA_FS "/.remove", aa->name);
		if (r == -ENOENT)
			r = 0;
	}
	free(aa->name);
	memset(aa, 0, sizeof(*aa));
	return r;
}
