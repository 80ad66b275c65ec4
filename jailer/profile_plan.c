/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * profile_plan.c - validate the merged profile document (profile.c) and
 * resolve it into a struct vj_plan.
 *
 * Theory of operation: profile.c has already checked the structure of each
 * file (keys, types, enum values), so this file checks values and resolves
 * names, in an order where each step can rely on the ones before it:
 *  1. namespaces and network (the hostname depends on the uts namespace);
 *  2. hostname;
 *  3. user ids (names looked up on the host; root only when allowed);
 *  4. capabilities, rlimits, environment, process;
 *  5. the mount list: explicit mounts, then the entries the shorthand keys
 *     stand for (devices, proc, pts, shm, identity needs the ids from 3);
 *     a target that appears twice is an error; then a stable sort by depth
 *     so that parents are mounted before their children;
 *  6. the engines' sections (seccomp, cgroup, qmp, lsm), each parsed by its
 *     owner;
 *  7. what comes only from the command line: id, argv, --exec, --info-fd.
 * Every error is "FILE: JSON.PATH: reason", FILE being the file that
 * supplied the offending key (every node carries its file's tag).
 * Nothing is modified on the host; the only system calls are stat() of
 * mount sources and lookups in the user and group databases.
 */
#include "profile-internal.h"
#include "accounts.h"

#include <sys/syscall.h>

#include <linux/capability.h>

#include <limits.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "dl.h"

#define DEFAULT_HOSTNAME "vmjail"
#define DEFAULT_PATH "PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"
#define NOBODY_ID 65534
#define ID_MAX 4294967294LL /* (uid_t)-1 is "no change" to the kernel */

struct builder {
	const struct vj_profile_doc *d;
	const struct vj_run_options *opts;
	struct vj_plan *plan;
	struct vj_jnode root;
	size_t cap_mounts;
};

/* A copy of a normalised absolute path without a trailing '/'. */
static char *path_dup(const char *p)
{
	char *c = strndup(p, vj_profile_path_len(p));
	if (!c)
		abort();
	return c;
}

static void section(const struct builder *b, const char *key, struct vj_jnode *out)
{
	vj_jnode_key(&b->root, key, out);
}

/* ---- namespaces, network, hostname --------------------------------------- */


/* "auto": a user namespace when the caller cannot create the others
 * itself - not root, or root without CAP_SYS_ADMIN (a container's default
 * capabilities, a capability-less root under libvirt). */
static bool can_create_namespaces(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d) < 0)
		return geteuid() == 0;
	return d[CAP_SYS_ADMIN / 32].effective & (1U << (CAP_SYS_ADMIN % 32));
}

static int build_namespaces(struct builder *b, struct vj_error *err)
{
	struct vj_plan *p = b->plan;
	struct vj_jnode ns, c;
	bool pid = true, ipc = true, uts = true, cgroup = true;
	int r, mode = VJ_USERNS_AUTO;
	static const char *const userns[] = { "auto", "always", "never", NULL };

	section(b, "namespaces", &ns);
	vj_jnode_key(&ns, "user", &c);
	if (c.obj && (r = vj_jnode_enum(&c, userns, &mode, err)) < 0)
		return r;
	if ((r = vj_jget_bool(&ns, "pid", &pid, err)) < 0 || (r = vj_jget_bool(&ns, "ipc", &ipc, err)) < 0 ||
	    (r = vj_jget_bool(&ns, "uts", &uts, err)) < 0 || (r = vj_jget_bool(&ns, "cgroup", &cgroup, err)) < 0)
		return r;
	p->userns = (enum vj_userns_mode)mode;

	const char *net = "none";
	section(b, "network", &c);
	if (c.obj && (r = vj_jnode_string(&c, &net, err)) < 0)
		return r;
	if (strcmp(net, "none") == 0) {
		p->net = VJ_NET_NONE;
	} else if (strcmp(net, "host") == 0) {
		p->net = VJ_NET_HOST;
	} else if (net[0] == '/') {
		struct stat st;
		if ((r = vj_jnode_abspath(&c, &net, err)) < 0)
			return r;
		if (stat(net, &st) < 0)
			return vj_jnode_error(&c, err, errno, "%s", net);
		p->net = VJ_NET_PATH;
		p->net_path = path_dup(net);
	} else {
		return vj_jnode_error(&c, err, 0, "\"%s\": expected \"none\", \"host\" or the absolute path of a network namespace",
				      net);
	}

	p->ns[VJ_NS_MNT] = true;
	p->ns[VJ_NS_PID] = pid && !b->opts->exec_inplace;
	p->ns[VJ_NS_NET] = p->net != VJ_NET_HOST;
	p->ns[VJ_NS_IPC] = ipc;
	p->ns[VJ_NS_UTS] = uts;
	p->ns[VJ_NS_CGROUP] = cgroup;
	p->ns[VJ_NS_USER] = p->userns == VJ_USERNS_ALWAYS || (p->userns == VJ_USERNS_AUTO && !can_create_namespaces());
	return 0;
}

static int build_hostname(struct builder *b, struct vj_error *err)
{
	struct vj_jnode c;
	const char *h = DEFAULT_HOSTNAME;
	int r;
	section(b, "hostname", &c);
	if (c.obj) {
		if ((r = vj_jnode_string(&c, &h, err)) < 0)
			return r;
		size_t len = strlen(h);
		if (len < 1 || len > 64)
			return vj_jnode_error(&c, err, 0, "\"%s\": must be 1 to 64 characters", h);
		if (h[0] == '-' || h[0] == '.')
			return vj_jnode_error(&c, err, 0, "\"%s\": must not start with '-' or '.'", h);
		for (const char *s = h; *s; s++)
			if (!vj_ascii_alnum(*s) && *s != '-' && *s != '.')
				return vj_jnode_error(&c, err, 0, "\"%s\": only letters, digits, '-' and '.' are allowed", h);
	}
	if (b->plan->ns[VJ_NS_UTS])
		b->plan->hostname = vj_xstrdup(h);
	return 0;
}

/* ---- user ----------------------------------------------------------------- */

/* A uid or gid: a number, or a name looked up on the host. *primary gets
 * a user's primary group when the user was given by name. */
static int resolve_id(const struct vj_jnode *n, bool user, uint32_t *out, bool *has_primary, gid_t *primary,
		      struct vj_error *err)
{
	int64_t v;
	int r;
	if (json_object_is_type(n->obj, json_type_int)) {
		if ((r = vj_jnode_int(n, 0, ID_MAX, &v, err)) < 0)
			return r;
		*out = (uint32_t)v;
		return 0;
	}
	const char *name;
	if ((r = vj_jnode_string(n, &name, err)) < 0)
		return r;
	uint64_t u;
	if (vj_parse_u64(name, &u) == 0) {
		if (u > (uint64_t)ID_MAX)
			return vj_jnode_error(n, err, 0, "%s out of range [0, %lld]", name, ID_MAX);
		*out = (uint32_t)u;
		return 0;
	}
	struct vj_account a;
	r = user ? vj_user_by_name(name, &a) : vj_group_by_name(name, &a);
	if (r == -ENOENT)
		return vj_jnode_error(n, err, 0, "%s: no such %s", name, user ? "user" : "group");
	if (r < 0)
		return vj_jnode_error(n, err, -r, "%s", name);
	*out = a.id;
	if (user) {
		*has_primary = true;
		*primary = a.gid;
	}
	return 0;
}

static int build_user(struct builder *b, struct vj_error *err)
{
	struct vj_plan *p = b->plan;
	struct vj_jnode u, cu, cg;
	bool allow_root = false, has_primary = false;
	gid_t primary = 0;
	uint32_t uid, gid;
	int r;

	if (geteuid() == 0) {
		uid = NOBODY_ID;
		gid = NOBODY_ID;
	} else {
		uid = getuid();
		gid = getgid();
	}
	section(b, "user", &u);
	if ((r = vj_jget_bool(&u, "allow_root", &allow_root, err)) < 0)
		return r;
	vj_jnode_key(&u, "uid", &cu);
	vj_jnode_key(&u, "gid", &cg);
	if (cu.obj && (r = resolve_id(&cu, true, &uid, &has_primary, &primary, err)) < 0)
		return r;
	if (cg.obj) {
		if ((r = resolve_id(&cg, false, &gid, &has_primary, &primary, err)) < 0)
			return r;
	} else if (has_primary) {
		gid = primary;
	}
	if (uid == 0 && !allow_root)
		return vj_jnode_error(&cu, err, 0, "0: the target may run as root only with user.allow_root");
	if (gid == 0 && !allow_root)
		return vj_jnode_error(&cg, err, 0, "0: the target may run as group root only with user.allow_root");
	p->uid = uid;
	p->gid = gid;
	p->allow_root = allow_root;
	return 0;
}

/* ---- capabilities, rlimits ------------------------------------------------ */

int vj_profile_cap_from_name(const char *name, char *buf, size_t size)
{
	if (strncasecmp(name, "cap_", 4) == 0)
		name += 4;
	if (!*name || strlen(name) >= size)
		return -1;
	for (size_t i = 0;; i++) {
		buf[i] = vj_ascii_lower(name[i]);
		if (!name[i])
			break;
		if (!vj_ascii_alnum(name[i]) && name[i] != '_')
			return -1;
	}
	if (buf[0] >= '0' && buf[0] <= '9')
		return -1;
	return vj_capng_lib()->name_to_capability(buf);
}

static int build_caps(struct builder *b, struct vj_error *err)
{
	struct vj_jnode l;
	section(b, "capabilities", &l);
	if (!l.obj)
		return 0;
	size_t n = json_object_array_length(l.obj);
	for (size_t i = 0; i < n; i++) {
		struct vj_jnode e;
		const char *s;
		char buf[64];
		vj_profile_elem(b->d, &l, i, &e);
		int r = vj_jnode_string(&e, &s, err);
		if (r < 0)
			return r;
		int cap = vj_profile_cap_from_name(s, buf, sizeof(buf));
		if (cap < 0 && vj_capng_lib_error())
			return vj_jnode_error(&e, err, 0, "\"%s\": capability names need libcap-ng: %s", s,
					      vj_capng_lib_error());
		if (cap < 0 || cap >= 64)
			return vj_jnode_error(&e, err, 0, "\"%s\": unknown capability", s);
		b->plan->caps_keep |= UINT64_C(1) << cap;
	}
	return 0;
}

static int rlimit_value(const struct vj_jnode *n, rlim_t *out, struct vj_error *err)
{
	if (json_object_is_type(n->obj, json_type_string)) {
		if (strcmp(json_object_get_string(n->obj), "unlimited") != 0)
			return vj_jnode_error(n, err, 0, "\"%s\": expected a number or \"unlimited\"",
					      json_object_get_string(n->obj));
		*out = RLIM_INFINITY;
		return 0;
	}
	int64_t v;
	int r = vj_jnode_int(n, 0, INT64_MAX, &v, err);
	if (r < 0)
		return r;
	*out = (rlim_t)v;
	return 0;
}

static void format_limit(rlim_t v, char *buf, size_t size)
{
	if (v == RLIM_INFINITY)
		snprintf(buf, size, "unlimited");
	else
		snprintf(buf, size, "%llu", (unsigned long long)v);
}

static int build_rlimits(struct builder *b, struct vj_error *err)
{
	struct vj_plan *p = b->plan;
	struct vj_jnode m;
	section(b, "rlimits", &m);
	if (!m.obj)
		return 0;
	p->rlimits = vj_xcalloc((size_t)json_object_object_length(m.obj) + 1, sizeof(*p->rlimits));
	json_object_object_foreach(m.obj, k, v) {
		struct vj_jnode c;
		struct vj_rlimit *rl = &p->rlimits[p->n_rlimits];
		int r;
		(void)v;
		vj_jnode_key(&m, k, &c);
		rl->resource = vj_rlimit_from_name(k);
		if (rl->resource < 0)
			return vj_jnode_error(&c, err, 0, "unknown rlimit");
		if (json_object_is_type(c.obj, json_type_array)) {
			struct vj_jnode s, h;
			if (json_object_array_length(c.obj) != 2)
				return vj_jnode_error(&c, err, 0, "expected [soft, hard]");
			vj_jnode_index(&c, 0, &s);
			vj_jnode_index(&c, 1, &h);
			if ((r = rlimit_value(&s, &rl->limit.rlim_cur, err)) < 0 ||
			    (r = rlimit_value(&h, &rl->limit.rlim_max, err)) < 0)
				return r;
			if (rl->limit.rlim_cur > rl->limit.rlim_max) {
				char sb[32], hb[32];
				format_limit(rl->limit.rlim_cur, sb, sizeof(sb));
				format_limit(rl->limit.rlim_max, hb, sizeof(hb));
				return vj_jnode_error(&c, err, 0, "soft limit %s is above the hard limit %s", sb, hb);
			}
		} else {
			if ((r = rlimit_value(&c, &rl->limit.rlim_cur, err)) < 0)
				return r;
			rl->limit.rlim_max = rl->limit.rlim_cur;
		}
		p->n_rlimits++;
	}
	return 0;
}

/* ---- environment, process -------------------------------------------------- */

static bool env_name_ok(const char *s)
{
	return *s && !strchr(s, '=');
}

/* Set NAME=VALUE in envp, replacing an earlier NAME. */
static void env_set(char ***envp, const char *name, const char *value)
{
	size_t nl = strlen(name), n = vj_strv_len(*envp);
	char *kv = vj_xasprintf("%s=%s", name, value);
	for (size_t i = 0; i < n; i++)
		if (strncmp((*envp)[i], name, nl) == 0 && (*envp)[i][nl] == '=') {
			free((*envp)[i]);
			(*envp)[i] = kv;
			return;
		}
	char **v = realloc(*envp, (n + 2) * sizeof(char *));
	if (!v)
		abort();
	v[n] = kv;
	v[n + 1] = NULL;
	*envp = v;
}

static int build_env(struct builder *b, struct vj_error *err)
{
	struct vj_jnode env, keep, set;
	char **envp = vj_xcalloc(1, sizeof(char *));
	b->plan->envp = envp;
	section(b, "environment", &env);
	vj_jnode_key(&env, "keep", &keep);
	vj_jnode_key(&env, "set", &set);
	size_t n = keep.obj ? json_object_array_length(keep.obj) : 0;
	for (size_t i = 0; i < n; i++) {
		struct vj_jnode e;
		const char *name;
		vj_profile_elem(b->d, &keep, i, &e);
		int r = vj_jnode_string(&e, &name, err);
		if (r < 0)
			return r;
		if (!env_name_ok(name))
			return vj_jnode_error(&e, err, 0, "\"%s\": not a valid environment variable name", name);
		const char *v = getenv(name);
		if (v)
			env_set(&b->plan->envp, name, v);
	}
	if (set.obj) {
		json_object_object_foreach(set.obj, k, v) {
			struct vj_jnode c;
			const char *s;
			(void)v;
			vj_jnode_key(&set, k, &c);
			if (!env_name_ok(k))
				return vj_jnode_error(&c, err, 0, "not a valid environment variable name");
			int r = vj_jnode_string(&c, &s, err);
			if (r < 0)
				return r;
			env_set(&b->plan->envp, k, s);
		}
	}
	bool has_path = false;
	for (char **e = b->plan->envp; *e; e++)
		has_path |= vj_startswith(*e, "PATH=");
	if (!has_path)
		env_set(&b->plan->envp, "PATH", DEFAULT_PATH + 5);
	return 0;
}

static int build_process(struct builder *b, struct vj_error *err)
{
	struct vj_plan *p = b->plan;
	struct vj_jnode proc, c, fds;
	const char *dir = "/";
	int r, wait = VJ_WAIT_TARGET;
	static const char *const waits[] = { "target", "all", NULL };

	section(b, "process", &proc);
	vj_jnode_key(&proc, "chdir", &c);
	if (c.obj && (r = vj_jnode_abspath(&c, &dir, err)) < 0)
		return r;
	p->chdir = path_dup(dir);
	vj_jnode_key(&proc, "wait", &c);
	if (c.obj && (r = vj_jnode_enum(&c, waits, &wait, err)) < 0)
		return r;
	p->wait = (enum vj_wait_mode)wait;

	vj_jnode_key(&proc, "keep_fds", &fds);
	size_t n = fds.obj ? json_object_array_length(fds.obj) : 0;
	p->keep_fds = vj_xcalloc(n + 1, sizeof(int));
	for (size_t i = 0; i < n; i++) {
		struct vj_jnode e;
		int64_t fd;
		vj_profile_elem(b->d, &fds, i, &e);
		if ((r = vj_jnode_int(&e, 3, INT_MAX, &fd, err)) < 0)
			return r;
		bool dup = false;
		for (size_t j = 0; j < p->n_keep_fds; j++)
			dup |= p->keep_fds[j] == (int)fd;
		if (!dup)
			p->keep_fds[p->n_keep_fds++] = (int)fd;
	}
	return 0;
}

/* ---- mounts ---------------------------------------------------------------- */

enum {
	K_SOURCE = 1u << 0,   /* required */
	K_OPTIONAL = 1u << 1,
	K_OPTIONS = 1u << 2,
	K_MODE = 1u << 3,
	K_SIZE = 1u << 4,
	K_CONTENT = 1u << 5,
	K_HOSTPATH = 1u << 6, /* the source is a host path that must exist */
};

static const struct {
	unsigned keys;
	unsigned long flags; /* by default */
	uint32_t mode;       /* by default */
} mount_kinds[VJ_MOUNT__COUNT] = {
	[VJ_MOUNT_RO_BIND] = { K_SOURCE | K_HOSTPATH | K_OPTIONAL | K_OPTIONS, MS_RDONLY | MS_NOSUID | MS_NODEV, 0 },
	[VJ_MOUNT_BIND] = { K_SOURCE | K_HOSTPATH | K_OPTIONAL | K_OPTIONS, MS_NOSUID | MS_NODEV, 0 },
	[VJ_MOUNT_DEV_BIND] = { K_SOURCE | K_HOSTPATH | K_OPTIONAL | K_OPTIONS, MS_NOSUID, 0 },
	[VJ_MOUNT_TMPFS] = { K_OPTIONS | K_MODE | K_SIZE, MS_NOSUID | MS_NODEV, 0755 },
	[VJ_MOUNT_DIR] = { K_MODE, 0, 0755 },
	[VJ_MOUNT_SYMLINK] = { K_SOURCE, 0, 0 },
	[VJ_MOUNT_FILE] = { K_MODE | K_CONTENT, 0, 0644 },
	[VJ_MOUNT_PROC] = { K_OPTIONS, MS_NOSUID | MS_NODEV | MS_NOEXEC, 0 },
	[VJ_MOUNT_DEVPTS] = { K_OPTIONS, MS_NOSUID | MS_NOEXEC, 0 },
	[VJ_MOUNT_MQUEUE] = { K_OPTIONS, MS_NOSUID | MS_NODEV | MS_NOEXEC, 0 },
	[VJ_MOUNT_CGROUP] = { 0, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, 0 },
};

static struct vj_mount *push_mount(struct builder *b, enum vj_mount_type type, const char *target,
				   const char *source, const struct vj_jnode *origin)
{
	struct vj_plan *p = b->plan;
	if (p->n_mounts == b->cap_mounts) {
		b->cap_mounts = b->cap_mounts ? b->cap_mounts * 2 : 32;
		struct vj_mount *m = realloc(p->mounts, b->cap_mounts * sizeof(*m));
		if (!m)
			abort();
		p->mounts = m;
	}
	struct vj_mount *m = &p->mounts[p->n_mounts++];
	*m = (struct vj_mount){
		.type = type,
		.target = path_dup(target),
		.source = source ? vj_xstrdup(source) : NULL,
		.flags = mount_kinds[type].flags,
		.mode = mount_kinds[type].mode,
		.origin = vj_xasprintf("%s: %s", origin->file ? origin->file : "(unknown)", origin->path),
	};
	return m;
}

static int parse_mode(const struct vj_jnode *n, uint32_t *out, struct vj_error *err)
{
	const char *s;
	int r = vj_jnode_string(n, &s, err);
	if (r < 0)
		return r;
	size_t len = strlen(s);
	if (len < 1 || len > 5 || strspn(s, "01234567") != len || strtoul(s, NULL, 8) > 07777)
		return vj_jnode_error(n, err, 0, "\"%s\": expected an octal mode like \"0755\"", s);
	*out = (uint32_t)strtoul(s, NULL, 8);
	return 0;
}

static int parse_mount(struct builder *b, const struct vj_jnode *e, struct vj_error *err)
{
	static const char *const types[] = {
		"ro-bind", "bind", "dev-bind", "tmpfs", "dir", "symlink", "file", "proc", "devpts", "mqueue", "cgroup", NULL,
	};
	static const struct { const char *key; unsigned bit; } keybits[] = {
		{ "source", K_SOURCE }, { "optional", K_OPTIONAL }, { "options", K_OPTIONS },
		{ "mode", K_MODE },     { "size", K_SIZE },         { "content", K_CONTENT },
	};
	struct vj_jnode tn, c;
	const char *target, *source = NULL;
	int r, type;

	vj_jnode_key(e, "type", &tn);
	if (!tn.obj)
		return vj_jnode_error(e, err, 0, "\"type\" is required");
	if ((r = vj_jnode_enum(&tn, types, &type, err)) < 0)
		return r;
	/* Outside a cgroup namespace, cgroupfs shows the host's whole tree. */
	if (type == VJ_MOUNT_CGROUP && !b->plan->ns[VJ_NS_CGROUP])
		return vj_jnode_error(&tn, err, 0, "a cgroup mount needs the cgroup namespace (namespaces.cgroup)");
	unsigned keys = mount_kinds[type].keys;
	for (size_t i = 0; i < ARRAY_SIZE(keybits); i++) {
		vj_jnode_key(e, keybits[i].key, &c);
		if (c.obj && !(keys & keybits[i].bit))
			return vj_jnode_error(&c, err, 0, "not allowed for a %s mount", types[type]);
		if (!c.obj && (keybits[i].bit & K_SOURCE) && (keys & K_SOURCE))
			return vj_jnode_error(e, err, 0, "\"source\" is required for a %s mount", types[type]);
	}
	vj_jnode_key(e, "target", &c);
	if (!c.obj)
		return vj_jnode_error(e, err, 0, "\"target\" is required");
	if ((r = vj_jnode_abspath(&c, &target, err)) < 0)
		return r;

	bool optional = false, skip = false;
	if ((r = vj_jget_bool(e, "optional", &optional, err)) < 0)
		return r;
	vj_jnode_key(e, "source", &c);
	if (keys & K_HOSTPATH) {
		struct stat st;
		if ((r = vj_jnode_abspath(&c, &source, err)) < 0)
			return r;
		if (stat(source, &st) < 0) {
			if (!(optional && (errno == ENOENT || errno == ENOTDIR)))
				return vj_jnode_error(&c, err, errno, "%s", source);
			skip = true;
		}
	} else if (keys & K_SOURCE) {
		if ((r = vj_jnode_string(&c, &source, err)) < 0)
			return r;
		if (!*source)
			return vj_jnode_error(&c, err, 0, "the link text must not be empty");
	}

	struct vj_mount *m = push_mount(b, (enum vj_mount_type)type, target, NULL, e);
	if (source)
		m->source = (keys & K_HOSTPATH) ? path_dup(source) : vj_xstrdup(source);
	m->optional = optional;
	m->skip = skip;
	if (type == VJ_MOUNT_TMPFS && strcmp(m->target, "/tmp") == 0)
		m->mode = 01777;

	vj_jnode_key(e, "options", &c);
	size_t n = c.obj ? json_object_array_length(c.obj) : 0;
	for (size_t i = 0; i < n; i++) {
		struct vj_jnode o;
		const char *s;
		vj_jnode_index(&c, i, &o);
		if ((r = vj_jnode_string(&o, &s, err)) < 0)
			return r;
		const struct vj_mount_option *opt;
		for (opt = vj_mount_options; opt->name; opt++)
			if (strcmp(opt->name, s) == 0)
				break;
		if (!opt->name)
			return vj_jnode_error(&o, err, 0, "\"%s\": unknown mount option", s);
		m->flags |= opt->flag;
	}
	vj_jnode_key(e, "mode", &c);
	if (c.obj && (r = parse_mode(&c, &m->mode, err)) < 0)
		return r;
	vj_jnode_key(e, "size", &c);
	if (c.obj && (r = vj_jnode_size(&c, &m->size, err)) < 0)
		return r;
	if (type == VJ_MOUNT_FILE) {
		const char *content = "";
		if ((r = vj_jget_string(e, "content", &content, err)) < 0)
			return r;
		m->content = vj_xstrdup(content);
	}
	return 0;
}

/* A name under /dev: "null", "net/tun"; no "..", "." or empty component. */
static bool device_name_ok(const char *name)
{
	if (!*name || name[0] == '/' || name[strlen(name) - 1] == '/')
		return false;
	_cleanup_free_ char *p = vj_xasprintf("/dev/%s", name);
	return vj_path_is_normal_absolute(p);
}

static int build_devices(struct builder *b, const struct vj_jnode *fs, struct vj_error *err)
{
	struct vj_jnode l;
	vj_jnode_key(fs, "devices", &l);
	size_t n = l.obj ? json_object_array_length(l.obj) : 0;
	if (!n)
		return 0;
	struct vj_mount *m = push_mount(b, VJ_MOUNT_TMPFS, "/dev", NULL, &l);
	m->flags = MS_NOSUID | MS_NOEXEC;
	m->mode = 0755;
	for (size_t i = 0; i < n; i++) {
		struct vj_jnode e, c;
		const char *name;
		bool optional = false;
		int r;
		vj_profile_elem(b->d, &l, i, &e);
		if (json_object_is_type(e.obj, json_type_object)) {
			vj_jnode_key(&e, "name", &c);
			if (!c.obj)
				return vj_jnode_error(&e, err, 0, "\"name\" is required");
			if ((r = vj_jget_bool(&e, "optional", &optional, err)) < 0)
				return r;
		} else {
			c = e;
		}
		if ((r = vj_jnode_string(&c, &name, err)) < 0)
			return r;
		if (!device_name_ok(name))
			return vj_jnode_error(&c, err, 0, "\"%s\": expected a name under /dev, like \"null\" or \"net/tun\"",
					      name);
		_cleanup_free_ char *path = vj_xasprintf("/dev/%s", name);
		struct stat st;
		bool skip = false;
		if (stat(path, &st) < 0) {
			if (!(optional && (errno == ENOENT || errno == ENOTDIR)))
				return vj_jnode_error(&c, err, errno, "%s", path);
			skip = true;
		} else if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode)) {
			return vj_jnode_error(&c, err, 0, "%s: not a device", path);
		}
		m = push_mount(b, VJ_MOUNT_DEV_BIND, path, path, &e);
		m->optional = optional;
		m->skip = skip;
	}
	static const char *const links[][2] = {
		{ "/dev/fd", "/proc/self/fd" },
		{ "/dev/stdin", "/proc/self/fd/0" },
		{ "/dev/stdout", "/proc/self/fd/1" },
		{ "/dev/stderr", "/proc/self/fd/2" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(links); i++)
		push_mount(b, VJ_MOUNT_SYMLINK, links[i][0], links[i][1], &l);
	return 0;
}

static int get_flag(const struct vj_jnode *fs, const char *key, bool def, bool *out, struct vj_jnode *node,
		    struct vj_error *err)
{
	*out = def;
	vj_jnode_key(fs, key, node);
	return vj_jget_bool(fs, key, out, err);
}

static char *identity_passwd(uid_t uid, gid_t gid)
{
	if (uid == 0)
		return vj_xstrdup("root:x:0:0:root:/root:/usr/sbin/nologin\n");
	struct vj_account a;
	const char *name = vj_user_by_id(uid, &a) == 0 && a.name[0] && !strpbrk(a.name, ":\n") ? a.name : "vmjail";
	return vj_xasprintf("root:x:0:0:root:/root:/usr/sbin/nologin\n%s:x:%u:%u:%s:/:/usr/sbin/nologin\n",
			    name, (unsigned)uid, (unsigned)gid, name);
}

static char *identity_group(gid_t gid)
{
	if (gid == 0)
		return vj_xstrdup("root:x:0:\n");
	struct vj_account a;
	const char *name = vj_group_by_id(gid, &a) == 0 && a.name[0] && !strpbrk(a.name, ":\n") ? a.name : "vmjail";
	return vj_xasprintf("root:x:0:\n%s:x:%u:\n", name, (unsigned)gid);
}

static size_t depth_of(const char *path)
{
	size_t n = 0;
	for (const char *s = path; *s; s++)
		if (*s != '/' && (s == path || s[-1] == '/'))
			n++;
	return n;
}

static int build_mounts(struct builder *b, struct vj_error *err)
{
	struct vj_plan *p = b->plan;
	struct vj_jnode fs, l, node;
	bool on;
	int r;

	section(b, "filesystem", &fs);
	vj_jnode_key(&fs, "mounts", &l);
	size_t n = l.obj ? json_object_array_length(l.obj) : 0;
	for (size_t i = 0; i < n; i++) {
		struct vj_jnode e;
		vj_profile_elem(b->d, &l, i, &e);
		if ((r = parse_mount(b, &e, err)) < 0)
			return r;
	}
	if ((r = build_devices(b, &fs, err)) < 0)
		return r;
	if ((r = get_flag(&fs, "proc", true, &on, &node, err)) < 0)
		return r;
	if (on)
		push_mount(b, VJ_MOUNT_PROC, "/proc", NULL, &node);
	if ((r = get_flag(&fs, "pts", false, &on, &node, err)) < 0)
		return r;
	if (on) {
		push_mount(b, VJ_MOUNT_DEVPTS, "/dev/pts", NULL, &node);
		push_mount(b, VJ_MOUNT_SYMLINK, "/dev/ptmx", "pts/ptmx", &node);
	}
	if ((r = get_flag(&fs, "shm", false, &on, &node, err)) < 0)
		return r;
	if (on)
		push_mount(b, VJ_MOUNT_TMPFS, "/dev/shm", NULL, &node)->mode = 01777;
	if ((r = get_flag(&fs, "identity", true, &on, &node, err)) < 0)
		return r;
	if (on) {
		struct vj_mount *m = push_mount(b, VJ_MOUNT_FILE, "/etc/passwd", NULL, &node);
		m->content = identity_passwd(p->uid, p->gid);
		m = push_mount(b, VJ_MOUNT_FILE, "/etc/group", NULL, &node);
		m->content = identity_group(p->gid);
	}

	for (size_t i = 1; i < p->n_mounts; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(p->mounts[i].target, p->mounts[j].target) == 0)
				return vj_error_setx(err, EINVAL, "%s: %s: duplicate mount target (also %s)",
						     p->mounts[i].origin, p->mounts[i].target, p->mounts[j].origin);

	/* Parents first: a stable insertion sort by the number of components. */
	for (size_t i = 1; i < p->n_mounts; i++) {
		struct vj_mount m = p->mounts[i];
		size_t d = depth_of(m.target), j = i;
		while (j > 0 && depth_of(p->mounts[j - 1].target) > d) {
			p->mounts[j] = p->mounts[j - 1];
			j--;
		}
		p->mounts[j] = m;
	}
	return 0;
}

/* ---- engines, command line ------------------------------------------------- */

static int build_engines(struct builder *b, struct vj_error *err)
{
	struct vj_jnode n;
	int r;
	section(b, "seccomp", &n);
	if ((r = vj_seccomp_plan_parse(&b->plan->seccomp, &n, b->opts->launch, err)) < 0)
		return r;
	section(b, "cgroup", &n);
	if ((r = vj_cgroup_plan_parse(&b->plan->cgroup, &n, err)) < 0)
		return r;
	section(b, "qmp", &n);
	r = vj_qmp_plan_parse(&b->plan->qmp, &n, err);
	if (r < 0)
		return r;
	section(b, "lsm", &n);
	return vj_lsm_plan_parse(&b->plan->lsm, &n, err);
}

static int generate_id(char **out, struct vj_error *err)
{
	uint8_t bytes[6];
	size_t got = 0;
	while (got < sizeof(bytes)) {
		ssize_t n = getrandom(bytes + got, sizeof(bytes) - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return vj_error_set(err, errno, "generating a jail id");
		}
		got += (size_t)n;
	}
	*out = vj_xasprintf("vj-%02x%02x%02x%02x%02x%02x", bytes[0], bytes[1], bytes[2], bytes[3], bytes[4],
			    bytes[5]);
	return 0;
}

int vj_profile_build_plan(const struct vj_profile_doc *d, const struct vj_run_options *opts,
			  struct vj_plan *plan, struct vj_error *err)
{
	struct builder b = { .d = d, .opts = opts, .plan = plan };
	int r;
	vj_jnode_root(&b.root, d->root, d->top_file);
	if ((r = build_namespaces(&b, err)) < 0 || (r = build_hostname(&b, err)) < 0 ||
	    (r = build_user(&b, err)) < 0 || (r = build_caps(&b, err)) < 0 || (r = build_rlimits(&b, err)) < 0 ||
	    (r = build_env(&b, err)) < 0 || (r = build_process(&b, err)) < 0 || (r = build_mounts(&b, err)) < 0 ||
	    (r = build_engines(&b, err)) < 0)
		return r;
	if (opts->id)
		plan->id = vj_xstrdup(opts->id);
	else if ((r = generate_id(&plan->id, err)) < 0)
		return r;
	plan->argv = opts->argv ? vj_strv_dup(opts->argv) : NULL;
	plan->exec_inplace = opts->exec_inplace;
	plan->info_fd = opts->info_fd;
	plan->keep_all_fds = opts->keep_all_fds;
	plan->state_dir = opts->state_dir ? vj_xstrdup(opts->state_dir) : NULL;
	return 0;
}
