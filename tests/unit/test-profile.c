/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-profile.c - the profile loader: chain loading, merge rules, strict
 * validation with file attribution, resolution into the plan, and the
 * plan's JSON form. Test profiles live in tests/unit/profiles/.
 */
#include <limits.h>
#include <stdio.h>
#include <sys/mount.h>

#include "cli.h"
#include "jsonp.h"
#include "jsonw.h"
#include "profile.h"
#include "tap.h"

static char datadir[PATH_MAX];

static char *path_of(const char *name)
{
	return vj_xasprintf("%s/%s", datadir, name);
}

static int resolve_ex(const char *profile, json_object *overlay, const char *id, bool exec_inplace,
		      struct vj_plan **out, struct vj_error *err)
{
	char *argv[] = { "/bin/sh", "-c", "true", NULL };
	struct vj_run_options o = {
		.profile = profile,
		.overlay = overlay,
		.argv = argv,
		.id = id,
		.exec_inplace = exec_inplace,
		.info_fd = -1,
	};
	vj_error_clear(err);
	*out = NULL;
	return vj_profile_resolve(&o, out, err);
}

static int resolve(const char *profile, struct vj_plan **out, struct vj_error *err)
{
	return resolve_ex(profile, NULL, NULL, false, out, err);
}

/* Resolving `profile` fails with exactly "DATADIR/FILE: REST". */
static void expect_error(const char *profile, const char *file, const char *rest, const char *what)
{
	struct vj_error err;
	_cleanup_plan_ struct vj_plan *p = NULL;
	int r = resolve(profile, &p, &err);
	_cleanup_free_ char *want = vj_xasprintf("%s/%s: %s", datadir, file, rest);
	ok(r < 0 && p == NULL, "%s: fails", what);
	is_str(err.msg, want, "%s: message", what);
}

static const struct vj_mount *find_mount(const struct vj_plan *p, const char *target)
{
	for (size_t i = 0; i < p->n_mounts; i++)
		if (strcmp(p->mounts[i].target, target) == 0)
			return &p->mounts[i];
	return NULL;
}

static ssize_t mount_index(const struct vj_plan *p, const char *target)
{
	for (size_t i = 0; i < p->n_mounts; i++)
		if (strcmp(p->mounts[i].target, target) == 0)
			return (ssize_t)i;
	return -1;
}

static size_t depth(const char *path)
{
	size_t n = 0;
	for (const char *s = path; *s; s++)
		if (*s != '/' && (s == path || s[-1] == '/'))
			n++;
	return n;
}

static bool env_has(const struct vj_plan *p, const char *kv)
{
	return vj_strv_contains(p->envp, kv);
}

static bool env_has_name(const struct vj_plan *p, const char *name)
{
	size_t n = strlen(name);
	for (char **e = p->envp; e && *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return true;
	return false;
}

static void test_generic(void)
{
	struct vj_error err;
	_cleanup_plan_ struct vj_plan *p = NULL;
	int r = resolve(NULL, &p, &err);
	if (!ok(r == 0, "generic resolves")) {
		diag("%s", err.msg);
		return;
	}
	is_str(p->profile_name, "generic", "profile name defaults to generic");
	ok(vj_strv_len(p->profile_files) == 1 && strstr(p->profile_files[0], "/profiles/generic.json"),
	   "generic: one file, profiles/generic.json");
	ok(p->id && vj_startswith(p->id, "vj-") && strlen(p->id) == 15 &&
		   strspn(p->id + 3, "0123456789abcdef") == 12,
	   "generated id is vj- and 12 hex digits (%s)", p->id ? p->id : "(null)");
	ok(p->ns[VJ_NS_MNT] && p->ns[VJ_NS_PID] && p->ns[VJ_NS_NET] && p->ns[VJ_NS_IPC] && p->ns[VJ_NS_UTS] &&
		   p->ns[VJ_NS_CGROUP],
	   "generic: mnt pid net ipc uts cgroup namespaces");
	is_int(p->ns[VJ_NS_USER], geteuid() != 0, "generic: user namespace only when unprivileged");
	is_int(p->net, VJ_NET_NONE, "generic: network none");
	is_str(p->hostname, "vmjail", "generic: hostname");
	is_int(p->caps_keep, 0, "generic: no capabilities");
	is_int(p->uid, geteuid() == 0 ? 65534 : getuid(), "generic: default uid");
	is_int(p->gid, geteuid() == 0 ? 65534 : getgid(), "generic: default gid");
	is_str(p->chdir, "/", "generic: chdir /");
	is_int(p->wait, VJ_WAIT_TARGET, "generic: wait target");
	ok(p->argv && strcmp(p->argv[0], "/bin/sh") == 0 && vj_strv_len(p->argv) == 3, "argv copied");

	const struct vj_mount *m = find_mount(p, "/usr");
	ok(m && m->type == VJ_MOUNT_RO_BIND && vj_streq(m->source, "/usr") &&
		   m->flags == (MS_RDONLY | MS_NOSUID | MS_NODEV),
	   "generic: /usr read-only bind, nosuid, nodev");
	m = find_mount(p, "/bin");
	ok(m && m->type == VJ_MOUNT_SYMLINK && vj_streq(m->source, "usr/bin"), "generic: /bin -> usr/bin");
	m = find_mount(p, "/lib64");
	ok(m && m->type == VJ_MOUNT_SYMLINK && vj_streq(m->source, "usr/lib64"), "generic: /lib64 -> usr/lib64");
	m = find_mount(p, "/tmp");
	ok(m && m->type == VJ_MOUNT_TMPFS && m->mode == 01777 && m->flags == (MS_NOSUID | MS_NODEV),
	   "generic: /tmp tmpfs 1777");
	m = find_mount(p, "/proc");
	ok(m && m->type == VJ_MOUNT_PROC, "generic: /proc");
	m = find_mount(p, "/dev");
	ok(m && m->type == VJ_MOUNT_TMPFS && m->mode == 0755 && m->flags == (MS_NOSUID | MS_NOEXEC),
	   "generic: /dev tmpfs 0755 nosuid noexec");
	m = find_mount(p, "/dev/null");
	ok(m && m->type == VJ_MOUNT_DEV_BIND && vj_streq(m->source, "/dev/null") && m->flags == MS_NOSUID,
	   "generic: /dev/null dev-bind");
	ok(find_mount(p, "/dev/urandom") && find_mount(p, "/dev/full") && find_mount(p, "/dev/zero") &&
		   find_mount(p, "/dev/random"),
	   "generic: zero full random urandom");
	m = find_mount(p, "/dev/fd");
	ok(m && m->type == VJ_MOUNT_SYMLINK && vj_streq(m->source, "/proc/self/fd"), "generic: /dev/fd");
	m = find_mount(p, "/dev/stderr");
	ok(m && vj_streq(m->source, "/proc/self/fd/2"), "generic: /dev/stderr");
	m = find_mount(p, "/etc/passwd");
	ok(m && m->type == VJ_MOUNT_FILE && m->mode == 0644 && m->content &&
		   vj_startswith(m->content, "root:x:0:0:root:/root:/usr/sbin/nologin\n"),
	   "generic: /etc/passwd with root");
	_cleanup_free_ char *uidline = vj_xasprintf(":x:%u:%u:", (unsigned)p->uid, (unsigned)p->gid);
	ok(m && m->content && (p->uid == 0 || strstr(m->content, uidline)), "generic: /etc/passwd has the jail uid");
	m = find_mount(p, "/etc/group");
	ok(m && m->type == VJ_MOUNT_FILE && m->content && vj_startswith(m->content, "root:x:0:\n"),
	   "generic: /etc/group");
	m = find_mount(p, "/etc/ld.so.cache");
	ok(m && m->optional, "generic: /etc/ld.so.cache optional");
	ok(env_has(p, "PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"), "generic: default PATH");
	ok(env_has_name(p, "HOME"), "generic: HOME set");
	for (size_t i = 1; i < p->n_mounts; i++)
		if (depth(p->mounts[i].target) < depth(p->mounts[i - 1].target)) {
			ok(0, "generic: mounts sorted parents first (%s after %s)", p->mounts[i].target,
			   p->mounts[i - 1].target);
			return;
		}
	ok(1, "generic: mounts sorted parents first");
}

static void test_chain(void)
{
	struct vj_error err;
	_cleanup_plan_ struct vj_plan *p = NULL;
	setenv("VJ_TEST_KEEP_A", "a", 1);
	setenv("VJ_TEST_KEEP_B", "b", 1);
	int r = resolve("child", &p, &err);
	if (!ok(r == 0, "child extends base")) {
		diag("%s", err.msg);
		return;
	}
	_cleanup_free_ char *base = path_of("base.json"), *child = path_of("child.json");
	ok(vj_strv_len(p->profile_files) == 2 && vj_streq(p->profile_files[0], base) &&
		   vj_streq(p->profile_files[1], child),
	   "files: base first, then child");
	is_str(p->hostname, "child-host", "scalar: child overrides hostname");
	is_str(p->chdir, "/tmp", "object: base's process.chdir kept");

	/* mounts: /data replaced in place, /old removed, /new appended */
	const struct vj_mount *m = find_mount(p, "/data");
	ok(m && m->type == VJ_MOUNT_RO_BIND && vj_streq(m->source, "/etc"), "mounts: entry with the same target replaced");
	_cleanup_free_ char *origin = vj_xasprintf("%s: filesystem.mounts[0]", child);
	is_str(m ? m->origin : NULL, origin, "mounts: replaced entry's origin names the child and its index");
	ok(!find_mount(p, "/old"), "mounts: {\"remove\": true} removes");
	m = find_mount(p, "/new");
	ok(m && m->type == VJ_MOUNT_DIR && m->mode == 0700, "mounts: new entry appended");
	_cleanup_free_ char *origin2 = vj_xasprintf("%s: filesystem.mounts[2]", child);
	is_str(m ? m->origin : NULL, origin2, "mounts: appended entry's origin");
	m = find_mount(p, "/usr");
	_cleanup_free_ char *origin3 = vj_xasprintf("%s: filesystem.mounts[0]", base);
	is_str(m ? m->origin : NULL, origin3, "mounts: base entry keeps the base's origin");
	ok(mount_index(p, "/usr") < mount_index(p, "/data") && mount_index(p, "/data") < mount_index(p, "/tmp") &&
		   mount_index(p, "/tmp") < mount_index(p, "/new"),
	   "mounts: order kept (replacement in place, new ones last)");

	/* devices: union; an object with the same name replaces */
	ok(find_mount(p, "/dev/null") && find_mount(p, "/dev/full"), "devices: union");
	m = find_mount(p, "/dev/zero");
	ok(m && m->optional, "devices: {\"name\": \"zero\", \"optional\": true} replaces \"zero\"");
	_cleanup_free_ char *dorigin = vj_xasprintf("%s: filesystem.devices[1]", child);
	is_str(m ? m->origin : NULL, dorigin, "devices: origin names the child's index");

	/* capabilities: union, case-insensitive, CAP_ prefix optional */
	is_int(p->caps_keep, (UINT64_C(1) << 12) | (UINT64_C(1) << 13), "capabilities: net_admin | net_raw");

	/* environment.keep union, environment.set merged key by key */
	ok(env_has(p, "VJ_TEST_KEEP_A=a") && env_has(p, "VJ_TEST_KEEP_B=b"), "environment.keep: union");
	ok(env_has(p, "FROM_BASE=1") && env_has(p, "OVERRIDE=child"), "environment.set: merged, child wins");

	/* keep_fds union, order kept */
	ok(p->n_keep_fds == 3 && p->keep_fds[0] == 3 && p->keep_fds[1] == 4 && p->keep_fds[2] == 5,
	   "process.keep_fds: union [3, 4, 5]");

	/* rlimits: merged key by key; a value replaces */
	bool nofile = false, core = false;
	for (size_t i = 0; i < p->n_rlimits; i++) {
		if (p->rlimits[i].resource == RLIMIT_NOFILE)
			nofile = p->rlimits[i].limit.rlim_cur == 512 && p->rlimits[i].limit.rlim_max == 2048;
		if (p->rlimits[i].resource == RLIMIT_CORE)
			core = p->rlimits[i].limit.rlim_cur == 0 && p->rlimits[i].limit.rlim_max == 0;
	}
	ok(nofile && core && p->n_rlimits == 2, "rlimits: nofile [512, 2048] from child, core 0 from base");
	ok(!find_mount(p, "/etc/passwd"), "identity false in base is kept");
}

static void test_extends_forms(void)
{
	struct vj_error err;
	_cleanup_plan_ struct vj_plan *p = NULL;
	int r = resolve("rel-child", &p, &err);
	ok(r == 0 && vj_streq(p->hostname, "rel-base"), "extends: a relative path resolves against the file's directory");
	if (r < 0)
		diag("%s", err.msg);

	_cleanup_plan_ struct vj_plan *d = NULL;
	r = resolve("diamond-top", &d, &err);
	ok(r == 0, "extends: diamond resolves");
	if (r == 0) {
		is_int(vj_strv_len(d->profile_files), 4, "extends: a file reached twice is applied once");
		ok(!find_mount(d, "/base"), "extends: the left branch's removal is not undone by the right branch");
		is_int(d->caps_keep, UINT64_C(1) << 21, "extends: right branch applied");
	} else {
		diag("%s", err.msg);
	}

	_cleanup_plan_ struct vj_plan *c = NULL;
	_cleanup_free_ char *a = path_of("cycle-a.json"), *b = path_of("cycle-b.json");
	_cleanup_free_ char *want = vj_xasprintf("%s: extends[0]: extends cycle: %s -> %s -> %s", b, a, b, a);
	r = resolve("cycle-a", &c, &err);
	ok(r < 0, "extends: cycle fails");
	is_str(err.msg, want, "extends: cycle message names the chain");

	_cleanup_plan_ struct vj_plan *n = NULL;
	r = resolve("vmjail-no-such-profile", &n, &err);
	ok(r < 0 && strstr(err.msg, "profile \"vmjail-no-such-profile\" not found"), "missing profile: %s", err.msg);
}

static void test_errors(void)
{
	expect_error("bad-unknown-key", "bad-unknown-key.json", "filesystem.mounts[0].colour: unknown key",
		     "unknown key");
	expect_error("bad-type", "bad-type.json", "hostname: expected a string, got an integer", "wrong type");
	expect_error("bad-relative-target", "bad-relative-target.json",
		     "filesystem.mounts[0].target: tmp: not an absolute path", "relative target");
	expect_error("bad-dotdot", "bad-dotdot.json",
		     "filesystem.mounts[0].target: /usr/../etc: path must not contain \".\", \"..\" or \"//\"",
		     "\"..\" in a target");
	expect_error("bad-dot-source", "bad-dot-source.json",
		     "filesystem.mounts[0].source: /usr/./lib: path must not contain \".\", \"..\" or \"//\"",
		     "\".\" in a source");
	expect_error("bad-dup-target", "bad-dup-target.json",
		     "filesystem.mounts[1].target: /tmp: duplicate target (also filesystem.mounts[0])",
		     "duplicate target in one file");
	expect_error("bad-missing-source", "bad-missing-source.json",
		     "filesystem.mounts[2].source: /nonexistent/vmjail-test: No such file or directory",
		     "missing source");
	expect_error("bad-cap", "bad-cap.json", "capabilities[1]: \"cap_bogus\": unknown capability",
		     "unknown capability");
	expect_error("bad-rlimit", "bad-rlimit.json", "rlimits.bogus: unknown rlimit", "unknown rlimit");
	expect_error("bad-soft-hard", "bad-soft-hard.json", "rlimits.nofile: soft limit 100 is above the hard limit 10",
		     "soft above hard");
	expect_error("bad-root", "bad-root.json",
		     "user.uid: 0: the target may run as root only with user.allow_root", "uid 0 without allow_root");
	expect_error("bad-hostname", "bad-hostname.json", "hostname: \"-host\": must not start with '-' or '.'",
		     "bad hostname");
	expect_error("child-of-bad-base", "bad-base.json", "namespaces.pid: expected a boolean, got a string",
		     "error in the base is attributed to the base even when overridden");
	expect_error("child-of-bad-cap", "bad-cap.json", "capabilities[1]: \"cap_bogus\": unknown capability",
		     "a bad list entry from the base is reported with the base's file and index");
	expect_error("bad-remove", "bad-remove.json", "filesystem.mounts[0].type: not allowed with \"remove\"",
		     "remove with other keys");
	expect_error("bad-size-on-bind", "bad-size-on-bind.json",
		     "filesystem.mounts[0].size: not allowed for a bind mount", "size on a bind");
	expect_error("bad-device", "bad-device.json",
		     "filesystem.devices[1]: \"../sda\": expected a name under /dev, like \"null\" or \"net/tun\"",
		     "bad device name");

	struct vj_error err;
	_cleanup_plan_ struct vj_plan *p = NULL;
	_cleanup_free_ char *f = path_of("dup-proc.json");
	_cleanup_free_ char *want = vj_xasprintf("%s: filesystem.proc: /proc: duplicate mount target (also %s: filesystem.mounts[0])", f, f);
	int r = resolve("dup-proc", &p, &err);
	ok(r < 0, "explicit /proc plus \"proc\": true fails");
	is_str(err.msg, want, "duplicate generated target: message");
}

static void test_values(void)
{
	struct vj_error err;
	_cleanup_plan_ struct vj_plan *p = NULL;
	int r = resolve("optional-missing", &p, &err);
	ok(r == 0, "optional missing source resolves");
	if (r == 0) {
		const struct vj_mount *m = find_mount(p, "/mnt");
		ok(m && m->optional && m->skip, "optional missing source: skip");
		m = find_mount(p, "/dev/vmjail-no-such-device");
		ok(m && m->skip, "optional missing device: skip");
		m = find_mount(p, "/usr");
		ok(!m, "no /usr without generic");
	} else {
		diag("%s", err.msg);
	}

	_cleanup_plan_ struct vj_plan *ro = NULL;
	r = resolve("remove-only", &ro, &err);
	ok(r == 0, "remove-only resolves");
	if (r == 0) {
		ok(!find_mount(ro, "/nothing") && find_mount(ro, "/t"), "a remove entry with nothing to remove is dropped");
		const struct vj_mount *m = find_mount(ro, "/dev/null");
		ok(m && m->optional, "devices: the same name twice in one file collapses, the later wins");
		is_int(ro->caps_keep, UINT64_C(1) << 13, "capabilities: both spellings give one capability");
		is_int(ro->n_keep_fds, 1, "keep_fds: duplicates collapse");
	} else {
		diag("%s", err.msg);
	}

	_cleanup_plan_ struct vj_plan *root = NULL;
	r = resolve("root-allowed", &root, &err);
	ok(r == 0 && root->uid == 0 && root->gid == 0 && root->allow_root, "uid 0 with allow_root");
	if (r == 0) {
		const struct vj_mount *m = find_mount(root, "/etc/passwd");
		is_str(m ? m->content : NULL, "root:x:0:0:root:/root:/usr/sbin/nologin\n", "uid 0: passwd has root only");
	}

	_cleanup_plan_ struct vj_plan *n = NULL;
	r = resolve_ex("no-uts", NULL, NULL, true, &n, &err);
	ok(r == 0, "no-uts resolves");
	if (r == 0) {
		ok(n->hostname == NULL, "hostname ignored without the uts namespace");
		ok(n->ns[VJ_NS_USER] && n->userns == VJ_USERNS_ALWAYS, "user namespace \"always\"");
		ok(!n->ns[VJ_NS_NET] && n->net == VJ_NET_HOST, "network host: no net namespace");
		ok(!n->ns[VJ_NS_PID] && n->exec_inplace, "--exec: no pid namespace");
	}

	_cleanup_plan_ struct vj_plan *e = NULL;
	setenv("VJ_TEST_KEEP_A", "a", 1);
	setenv("VJ_TEST_KEEP_B", "b", 1);
	unsetenv("VJ_TEST_ABSENT");
	r = resolve("env", &e, &err);
	ok(r == 0, "env resolves");
	if (r == 0) {
		ok(env_has(e, "VJ_TEST_KEEP_A=a"), "environment: kept variable copied");
		ok(!env_has_name(e, "VJ_TEST_ABSENT"), "environment: absent kept variable left out");
		ok(env_has(e, "VJ_TEST_KEEP_B=set-wins") && !env_has(e, "VJ_TEST_KEEP_B=b"), "environment: set wins over keep");
		ok(env_has(e, "PATH=/opt/bin") && !env_has(e, "PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"),
		   "environment: PATH from the profile, no default");
		is_int(vj_strv_len(e->envp), 3, "environment: nothing else");
	}

	_cleanup_plan_ struct vj_plan *s = NULL;
	r = resolve("sort", &s, &err);
	ok(r == 0, "sort resolves");
	if (r == 0) {
		static const char *const want[] = { "/", "/a", "/x", "/z/y", "/a/b", "/a/b/c" };
		bool same = s->n_mounts == ARRAY_SIZE(want);
		for (size_t i = 0; same && i < ARRAY_SIZE(want); i++)
			same = strcmp(s->mounts[i].target, want[i]) == 0;
		ok(same, "mounts: stable sort, parents first");
	}
}

static void test_normalise(void)
{
	struct vj_error err;
	_cleanup_plan_ struct vj_plan *p = NULL;
	setenv("VJ_TEST_KEEP_A", "a", 1);
	setenv("vj_test_keep_a", "lower", 1);
	int r = resolve("slash", &p, &err);
	if (!ok(r == 0, "slash resolves")) {
		diag("%s", err.msg);
		return;
	}
	const struct vj_mount *m = find_mount(p, "/tmp");
	ok(m && m->type == VJ_MOUNT_DIR, "\"/tmp/\" replaces \"/tmp\" and is stored without the slash");
	m = find_mount(p, "/u");
	ok(m && vj_streq(m->source, "/usr"), "bind source stored without the trailing slash");
	is_str(p->chdir, "/tmp", "chdir stored without the trailing slash");
	ok(env_has(p, "VJ_TEST_KEEP_A=a") && env_has(p, "vj_test_keep_a=lower"),
	   "environment.keep compares names with case");
}

static void test_ids(void)
{
	struct vj_error err;
	_cleanup_plan_ struct vj_plan *p = NULL;
	int r = resolve_ex(NULL, NULL, "my-jail_1.x", false, &p, &err);
	ok(r == 0 && vj_streq(p->id, "my-jail_1.x"), "--id taken as given");

	static const struct { const char *id, *msg; } bad[] = {
		{ "-x", "--id -x: must not start with '.' or '-'" },
		{ ".x", "--id .x: must not start with '.' or '-'" },
		{ "a/b", "--id a/b: only letters, digits, '_', '.' and '-' are allowed" },
		{ "", "--id : must be 1 to 64 characters" },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		  "--id aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: must be 1 to 64 characters" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		_cleanup_plan_ struct vj_plan *q = NULL;
		r = resolve_ex(NULL, NULL, bad[i].id, false, &q, &err);
		ok(r < 0 && q == NULL, "bad id \"%s\" fails", bad[i].id);
		is_str(err.msg, bad[i].msg, "bad id \"%s\": message", bad[i].id);
	}
}

static void test_overlay(void)
{
	struct vj_error err;

	/* A bad value from an option is reported against the option. */
	_cleanup_json_ json_object *o1 = json_object_new_object();
	vj_overlay_set(o1, "hostname", json_object_new_string("bad_host"), "--hostname");
	_cleanup_plan_ struct vj_plan *p1 = NULL;
	int r = resolve_ex("base", o1, NULL, false, &p1, &err);
	ok(r < 0, "overlay: bad hostname fails");
	is_str(err.msg, "--hostname: hostname: \"bad_host\": only letters, digits, '-' and '.' are allowed",
	       "overlay: message names the option");

	/* Overlay values override the chain, and merge like a profile. */
	_cleanup_json_ json_object *o2 = json_object_new_object();
	vj_overlay_set(o2, "hostname", json_object_new_string("from-cli"), "--hostname");
	json_object *m = json_object_new_object();
	vj_json_add_string(m, "type", "ro-bind");
	vj_json_add_string(m, "source", "/usr");
	vj_json_add_string(m, "target", "/data");
	vj_json_tag_file(m, "--ro-bind", true);
	json_object_array_add(vj_overlay_array(o2, "filesystem.mounts"), m);
	json_object *fd = json_object_new_int(9);
	vj_json_tag_file(fd, "--keep-fd", true);
	json_object_array_add(vj_overlay_array(o2, "process.keep_fds"), fd);
	_cleanup_plan_ struct vj_plan *p2 = NULL;
	r = resolve_ex("base", o2, NULL, false, &p2, &err);
	ok(r == 0, "overlay: resolves");
	if (r == 0) {
		is_str(p2->hostname, "from-cli", "overlay: hostname overrides the profile");
		const struct vj_mount *mm = find_mount(p2, "/data");
		ok(mm && mm->type == VJ_MOUNT_RO_BIND && vj_streq(mm->source, "/usr"), "overlay: mount replaces by target");
		is_str(mm ? mm->origin : NULL, "--ro-bind: filesystem.mounts[0]", "overlay: mount origin is the option");
		ok(p2->n_keep_fds == 3 && p2->keep_fds[2] == 9, "overlay: keep_fds appended");
		is_str(p2->chdir, "/tmp", "overlay: untouched keys kept");
	} else {
		diag("%s", err.msg);
	}

	/* A missing source given on the command line. */
	_cleanup_json_ json_object *o3 = json_object_new_object();
	m = json_object_new_object();
	vj_json_add_string(m, "type", "bind");
	vj_json_add_string(m, "source", "/nonexistent/vmjail-cli");
	vj_json_add_string(m, "target", "/mnt");
	vj_json_tag_file(m, "--bind", true);
	json_object_array_add(vj_overlay_array(o3, "filesystem.mounts"), m);
	_cleanup_plan_ struct vj_plan *p3 = NULL;
	r = resolve_ex("base", o3, NULL, false, &p3, &err);
	ok(r < 0, "overlay: missing bind source fails");
	is_str(err.msg, "--bind: filesystem.mounts[0].source: /nonexistent/vmjail-cli: No such file or directory",
	       "overlay: missing source message names the option");

	/* An unknown key in an untagged overlay container. */
	_cleanup_json_ json_object *o4 = json_object_new_object();
	json_object_object_add(vj_overlay_object(o4, "process"), "colour", json_object_new_string("x"));
	_cleanup_plan_ struct vj_plan *p4 = NULL;
	r = resolve_ex("base", o4, NULL, false, &p4, &err);
	ok(r < 0, "overlay: unknown key fails");
	is_str(err.msg, "command line: process.colour: unknown key", "overlay: untagged key reads \"command line\"");
}

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;
	json_object_object_get_ex(o, key, &v);
	return v;
}

static void test_json(void)
{
	struct vj_error err;
	_cleanup_plan_ struct vj_plan *p = NULL;
	int r = resolve_ex("full", NULL, "json-test", false, &p, &err);
	if (!ok(r == 0, "full resolves")) {
		diag("%s", err.msg);
		return;
	}
	_cleanup_json_ json_object *j = vj_plan_to_json(p);
	/* Round trip through text, as `vmjail check` prints it. */
	const char *text = vj_json_to_string(j, true);
	json_object *parsed = NULL;
	r = vj_json_parse_string(text, strlen(text), "check", &parsed, &err);
	ok(r == 0 && parsed, "plan JSON parses back");
	if (!parsed)
		return;
	_cleanup_json_ json_object *t = parsed;
	is_str(json_object_get_string(get(t, "profile")), "full", "json: profile");
	is_int(json_object_array_length(get(t, "files")), 2, "json: files");
	is_str(json_object_get_string(get(t, "id")), "json-test", "json: id");
	ok(json_object_get_boolean(get(get(t, "namespaces"), "mnt")) &&
		   !json_object_get_boolean(get(get(t, "namespaces"), "net")),
	   "json: namespaces as booleans");
	is_str(json_object_get_string(get(t, "network")), "host", "json: network");
	is_str(json_object_get_string(get(t, "hostname")), "base-host", "json: hostname");
	is_int(json_object_get_int64(get(get(t, "user"), "uid")), 1234, "json: user.uid");
	is_int(json_object_get_int64(get(get(t, "user"), "gid")), 5678, "json: user.gid");
	json_object *caps = get(t, "capabilities");
	is_str(json_object_get_string(json_object_array_get_idx(caps, 0)), "CAP_NET_ADMIN", "json: capabilities by name");
	json_object *nofile = get(get(t, "rlimits"), "nofile");
	ok(nofile && json_object_get_int64(json_object_array_get_idx(nofile, 0)) == 1024 &&
		   json_object_get_int64(json_object_array_get_idx(nofile, 1)) == 1024,
	   "json: rlimits as [soft, hard]");
	ok(json_object_is_type(get(t, "environment"), json_type_array), "json: environment list");

	json_object *mounts = get(t, "mounts");
	size_t n = json_object_array_length(mounts);
	is_int(n, p->n_mounts, "json: every mount");
	bool run = false, motd = false, ro = false, pts = false;
	for (size_t i = 0; i < n; i++) {
		json_object *m = json_object_array_get_idx(mounts, i);
		const char *target = json_object_get_string(get(m, "target"));
		if (strcmp(target, "/run") == 0)
			run = vj_streq(json_object_get_string(get(m, "mode")), "0700") &&
			      json_object_get_int64(get(m, "size")) == 65536 &&
			      strstr(json_object_to_json_string(get(m, "flags")), "noexec");
		if (strcmp(target, "/etc/motd") == 0)
			motd = vj_streq(json_object_get_string(get(m, "content")), "hi\n") &&
			       vj_streq(json_object_get_string(get(m, "mode")), "0600");
		if (strcmp(target, "/usr") == 0)
			ro = strstr(json_object_to_json_string(get(m, "flags")), "\"ro\"") &&
			     vj_streq(json_object_get_string(get(m, "type")), "ro-bind") &&
			     json_object_is_type(get(m, "skipped"), json_type_boolean) &&
			     json_object_is_type(get(m, "optional"), json_type_boolean);
		if (strcmp(target, "/dev/pts") == 0)
			pts = vj_streq(json_object_get_string(get(m, "type")), "devpts");
	}
	ok(run, "json: tmpfs mode, size and flags");
	ok(motd, "json: file content and mode");
	ok(ro, "json: ro-bind with ro flag, optional, skipped");
	ok(pts && find_mount(p, "/dev/ptmx") && find_mount(p, "/dev/shm") && find_mount(p, "/dev/shm")->mode == 01777,
	   "pts and shm entries");
	json_object *proc = get(t, "process");
	is_str(json_object_get_string(get(proc, "chdir")), "/tmp", "json: process.chdir");
	is_str(json_object_get_string(get(proc, "wait")), "all", "json: process.wait");
	is_int(json_object_array_length(get(proc, "keep_fds")), 3, "json: process.keep_fds");
	is_str(json_object_get_string(json_object_array_get_idx(get(proc, "argv"), 0)), "/bin/sh", "json: process.argv");
	ok(json_object_is_type(get(proc, "exec"), json_type_boolean), "json: process.exec");
	ok(get(t, "seccomp") && get(t, "cgroup") && get(t, "qmp"), "json: engine sections");

	_cleanup_json_ json_object *keys = vj_profile_keys_json();
	json_object *types = get(get(keys, "filesystem.mounts[].type"), "values");
	ok(types && json_object_array_length(types) == VJ_MOUNT__COUNT, "features: mount types listed");
	ok(get(keys, "namespaces.user") && get(keys, "rlimits") && get(keys, "process.keep_fds"),
	   "features: keys listed");
	/* The engines' sections: every key of the tables their parsers read,
	 * below the section, and the nested ones by their paths. */
	static const struct { const char *name; const struct vj_jkey *keys; } engines[] = {
		{ "seccomp", vj_seccomp_section_keys }, { "cgroup", vj_cgroup_section_keys },
		{ "qmp", vj_qmp_section_keys },         { "lsm", vj_lsm_section_keys },
	};
	bool all = true;
	for (size_t i = 0; i < ARRAY_SIZE(engines); i++) {
		all &= get(get(keys, engines[i].name), "checked-by") != NULL;
		for (const struct vj_jkey *k = engines[i].keys; k->name; k++) {
			_cleanup_free_ char *path = vj_xasprintf("%s.%s", engines[i].name, k->name);
			all &= get(keys, path) != NULL;
		}
	}
	ok(all, "features: every key of the engines' tables listed");
	json_object *w = get(keys, "cgroup.cpu.weight");
	ok(w && vj_streq(json_object_get_string(get(w, "type")), "integer") &&
	   json_object_get_int64(get(w, "min")) == 1 && json_object_get_int64(get(w, "max")) == 10000,
	   "features: cgroup.cpu.weight is an integer in [1, 10000]");
	ok(get(keys, "cgroup.memory.max") && get(keys, "cgroup.cpu.max.quota_us") &&
	   get(keys, "qmp.sockets[].policy.allow[].command") && get(keys, "qmp.deny[].arguments") &&
	   get(keys, "lsm.landlock.tcp_bind") && get(keys, "lsm.selinux.categories") && get(keys, "seccomp.learn"),
	   "features: nested engine keys listed by path");
	is_str(json_object_get_string(get(get(keys, "lsm.landlock.tcp_bind"), "type")), "string|array",
	       "features: lsm.landlock.tcp_bind's types");
	is_str(json_object_get_string(get(get(keys, "seccomp.comment"), "type")), "any", "features: seccomp.comment's type");
	ok(!get(keys, "cgroup.no_such_key"), "features: nothing made up");
}

int main(void)
{
	plan_no_plan();
	const char *src = getenv("VMJAIL_TEST_SRCDIR");
	if (!src) {
		skip("VMJAIL_TEST_SRCDIR not set (run through meson test)");
		return done_testing();
	}
	_cleanup_free_ char *dir = vj_xasprintf("%s/tests/unit/profiles", src);
	if (!realpath(dir, datadir)) {
		ok(0, "test data at %s", dir);
		return done_testing();
	}
	_cleanup_free_ char *search = vj_xasprintf("%s:%s/profiles", datadir, src);
	setenv("VMJAIL_PROFILE_PATH", search, 1);

	test_generic();
	test_chain();
	test_extends_forms();
	test_errors();
	test_values();
	test_normalise();
	test_ids();
	test_overlay();
	test_json();
	return done_testing();
}
