/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lsm_landlock.c - Landlock: the jail's view of the filesystem, and its TCP
 * ports, as a ruleset PROGRAM cannot leave. Raw syscalls, no library.
 *
 * Theory of operation:
 *  1. Probe (parent): landlock_create_ruleset(NULL, 0, VERSION) gives the
 *     ABI. Each ABI adds rights; the ruleset handles exactly the rights the
 *     kernel knows, so an older kernel enforces less rather than failing:
 *       1 execute, read/write files, read dirs, remove, make char/dir/reg/
 *         sock/fifo/block/sym
 *       2 refer (rename and link across directories)
 *       3 truncate
 *       4 TCP bind and connect (by port)
 *       5 ioctl on device files
 *       6 scoping: abstract unix sockets and signals stay inside the domain
 *       7 (audit flags; nothing new to enforce)
 *     What was handled is reported (vj_landlock_to_json), never assumed.
 *  2. Prepare (parent): one rule per mount of the plan, by its target, the
 *     path PROGRAM sees after pivot_root:
 *       "/" (the read-only root tmpfs)    read dirs
 *       ro-bind                            read, execute unless noexec
 *       bind, tmpfs                        read, write, make, remove, refer,
 *                                          truncate, execute unless noexec
 *       the /dev tmpfs                     read dirs (devices are listed)
 *       dev-bind (a device)                read, write (unless ro), ioctl
 *       devpts                             read, write, ioctl (terminals)
 *       file (passwd, group...)            read
 *       proc                               read
 *       mqueue                             read, write, make, remove
 *     Rights accumulate down a hierarchy (Landlock cannot subtract), so a
 *     read-only mount under a writable one is writable as far as Landlock
 *     is concerned; its mount flags still hold. Make char/block devices is
 *     never granted, nor ioctl outside devices.
 *  3. Apply (PROGRAM's process, after pivot_root, no allocation): create
 *     the ruleset, open each rule's path O_PATH|O_NOFOLLOW (openat2 with
 *     RESOLVE_NO_SYMLINKS where the kernel has it), add it with the
 *     directory or the file subset of its rights, add one rule per allowed
 *     TCP port, set no_new_privs (required by landlock_restrict_self
 *     without CAP_SYS_ADMIN), restrict.
 *     TCP ports (ABI 4): "auto" closes bind and connect when the jail
 *     shares or joins a network namespace (the host's network) and leaves
 *     them alone in a namespace of its own (only lo); a list opens those
 *     ports, "any" does not restrict.
 *  4. What PROGRAM can no longer do: Landlock refuses mount(2), umount and
 *     pivot_root to a restricted process, so a remount read-write in a
 *     user namespace it made for itself fails (EPERM); and the rules bind
 *     to inodes, not to mounts, so a writable view of a read-only bind's
 *     files (another mount of them) is still read-only (EACCES).
 */
#include "lsm_internal.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "jsonw.h"

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif

/* The UAPI, as of ABI 7 (the host's headers may be older). */
#define LL_CREATE_RULESET_VERSION (1U << 0)
#define LL_RULE_PATH_BENEATH 1
#define LL_RULE_NET_PORT 2

#define FS_EXECUTE (1ULL << 0)
#define FS_WRITE_FILE (1ULL << 1)
#define FS_READ_FILE (1ULL << 2)
#define FS_READ_DIR (1ULL << 3)
#define FS_REMOVE_DIR (1ULL << 4)
#define FS_REMOVE_FILE (1ULL << 5)
#define FS_MAKE_CHAR (1ULL << 6)
#define FS_MAKE_DIR (1ULL << 7)
#define FS_MAKE_REG (1ULL << 8)
#define FS_MAKE_SOCK (1ULL << 9)
#define FS_MAKE_FIFO (1ULL << 10)
#define FS_MAKE_BLOCK (1ULL << 11)
#define FS_MAKE_SYM (1ULL << 12)
#define FS_REFER (1ULL << 13)
#define FS_TRUNCATE (1ULL << 14)
#define FS_IOCTL_DEV (1ULL << 15)
#define NET_BIND_TCP (1ULL << 0)
#define NET_CONNECT_TCP (1ULL << 1)
#define SCOPE_ABSTRACT_UNIX (1ULL << 0)
#define SCOPE_SIGNAL (1ULL << 1)

struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net; /* ABI 4 */
	uint64_t scoped;             /* ABI 6 */
};

struct ll_path_beneath_attr {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

struct ll_net_port_attr {
	uint64_t allowed_access;
	uint64_t port;
};

#define FS_ABI1 ((1ULL << 13) - 1)
#define FS_FILE (FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV)
#define FS_READ (FS_READ_FILE | FS_READ_DIR)
#define FS_WRITE (FS_WRITE_FILE | FS_REMOVE_DIR | FS_REMOVE_FILE | FS_MAKE_DIR | FS_MAKE_REG | FS_MAKE_SOCK | \
		  FS_MAKE_FIFO | FS_MAKE_SYM | FS_REFER | FS_TRUNCATE)

static const char *const fs_names[] = {
	"execute", "write_file", "read_file", "read_dir", "remove_dir", "remove_file", "make_char", "make_dir",
	"make_reg", "make_sock", "make_fifo", "make_block", "make_sym", "refer", "truncate", "ioctl_dev",
};

int vj_landlock_abi(void)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);
	if (abi < 0)
		return -errno;
	return (int)abi;
}

static uint64_t fs_for_abi(int abi)
{
	uint64_t m = FS_ABI1;
	if (abi >= 2)
		m |= FS_REFER;
	if (abi >= 3)
		m |= FS_TRUNCATE;
	if (abi >= 5)
		m |= FS_IOCTL_DEV;
	return m;
}

static void push_rule(struct vj_landlock *ll, const char *path, uint64_t access, bool optional)
{
	/* The same path twice (a file on a tmpfs target, say): one rule. */
	for (size_t i = 0; i < ll->n_rules; i++)
		if (strcmp(ll->rules[i].path, path) == 0) {
			ll->rules[i].access |= access;
			ll->rules[i].optional &= optional;
			return;
		}
	ll->rules[ll->n_rules++] = (struct vj_ll_rule){ .path = path, .access = access, .optional = optional };
}

static uint64_t mount_access(const struct vj_mount *m)
{
	uint64_t exec = (m->flags & MS_NOEXEC) ? 0 : FS_EXECUTE;
	switch (m->type) {
	case VJ_MOUNT_RO_BIND:
		return FS_READ | exec;
	case VJ_MOUNT_BIND:
		return (m->flags & MS_RDONLY) ? FS_READ | exec : FS_READ | FS_WRITE | exec;
	case VJ_MOUNT_TMPFS:
		/* The device directory holds only the listed devices. */
		if (strcmp(m->target, "/dev") == 0)
			return FS_READ_DIR;
		return (m->flags & MS_RDONLY) ? FS_READ | exec : FS_READ | FS_WRITE | exec;
	case VJ_MOUNT_DEV_BIND:
		return (m->flags & MS_RDONLY) ? FS_READ | FS_IOCTL_DEV : FS_READ | FS_WRITE_FILE | FS_IOCTL_DEV;
	case VJ_MOUNT_DEVPTS:
		return FS_READ | FS_WRITE_FILE | FS_IOCTL_DEV;
	case VJ_MOUNT_DIR:
		return FS_READ_DIR;
	case VJ_MOUNT_FILE:
		return FS_READ_FILE;
	case VJ_MOUNT_PROC:
	case VJ_MOUNT_CGROUP:
		return FS_READ;
	case VJ_MOUNT_MQUEUE:
		return FS_READ | FS_WRITE_FILE | FS_MAKE_REG | FS_REMOVE_FILE | FS_TRUNCATE;
	case VJ_MOUNT_SYMLINK:
	default:
		return 0;
	}
}

int vj_landlock_prepare(struct vj_landlock *ll, const struct vj_plan *plan, int abi, struct vj_error *err)
{
	const struct vj_lsm_plan *lp = &plan->lsm;
	memset(ll, 0, sizeof(*ll));
	if (abi < 1)
		return vj_error_setx(err, EOPNOTSUPP, "Landlock ABI %d", abi);
	ll->abi = abi;
	ll->handled_fs = fs_for_abi(abi);
	if (abi >= 4) {
		/* "auto": a namespace of its own holds only lo; a shared one
		 * is the host's network, closed unless ports are listed. */
		bool own_net = plan->ns[VJ_NS_NET] && plan->net == VJ_NET_NONE;
		if (lp->tcp_bind.set ? !lp->tcp_bind.any : !own_net)
			ll->handled_net |= NET_BIND_TCP;
		if (lp->tcp_connect.set ? !lp->tcp_connect.any : !own_net)
			ll->handled_net |= NET_CONNECT_TCP;
	}
	if (abi >= 6) {
		if (lp->scope_abstract_unix)
			ll->scoped |= SCOPE_ABSTRACT_UNIX;
		if (lp->scope_signal)
			ll->scoped |= SCOPE_SIGNAL;
	}
	ll->tcp_bind = &lp->tcp_bind;
	ll->tcp_connect = &lp->tcp_connect;
	ll->rules = vj_xcalloc(plan->n_mounts + 1, sizeof(*ll->rules));
	push_rule(ll, "/", FS_READ_DIR, false);
	for (size_t i = 0; i < plan->n_mounts; i++) {
		const struct vj_mount *m = &plan->mounts[i];
		uint64_t a = mount_access(m) & ll->handled_fs;
		if (m->skip || !a)
			continue;
		/* What the report shows; the child checks the mounted inode
		 * again (step 3). */
		struct stat st;
		if ((m->type == VJ_MOUNT_RO_BIND || m->type == VJ_MOUNT_BIND || m->type == VJ_MOUNT_DEV_BIND) &&
		    m->source && stat(m->source, &st) == 0 && !S_ISDIR(st.st_mode)) {
			a &= FS_FILE;
			if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
				a &= ~FS_IOCTL_DEV;
		}
		push_rule(ll, m->target, a, m->optional);
	}
	ll->active = true;
	return 0;
}

static int open_rule_path(const char *path)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC | O_NOFOLLOW,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
	if (fd < 0 && (errno == ENOSYS || errno == E2BIG))
		fd = open(path, O_PATH | O_CLOEXEC | O_NOFOLLOW);
	return fd < 0 ? -errno : fd;
}

static int add_port_rules(int ruleset, const struct vj_lsm_ports *p, uint64_t access, struct vj_error *err)
{
	for (size_t i = 0; i < p->n; i++) {
		struct ll_net_port_attr a = { .allowed_access = access, .port = p->ports[i] };
		if (syscall(SYS_landlock_add_rule, ruleset, LL_RULE_NET_PORT, &a, 0) < 0)
			return vj_error_set(err, errno, "Landlock: TCP port %u", (unsigned)p->ports[i]);
	}
	return 0;
}

int vj_landlock_apply(const struct vj_landlock *ll, struct vj_error *err)
{
	if (!ll || !ll->active)
		return 0;
	struct ll_ruleset_attr attr = {
		.handled_access_fs = ll->handled_fs,
		.handled_access_net = ll->handled_net,
		.scoped = ll->scoped,
	};
	size_t size = ll->abi >= 6 ? sizeof(attr) : ll->abi >= 4 ? offsetof(struct ll_ruleset_attr, scoped)
							      : offsetof(struct ll_ruleset_attr, handled_access_net);
	_cleanup_close_ int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
	if (ruleset < 0)
		return vj_error_set(err, errno, "Landlock: create the ruleset (ABI %d)", ll->abi);

	for (size_t i = 0; i < ll->n_rules; i++) {
		const struct vj_ll_rule *rule = &ll->rules[i];
		_cleanup_close_ int fd = open_rule_path(rule->path);
		if (fd == -ENOENT && rule->optional)
			continue;
		if (fd < 0)
			return vj_error_set(err, fd, "Landlock: open %s", rule->path);
		struct stat st;
		if (fstat(fd, &st) < 0)
			return vj_error_set(err, errno, "Landlock: stat %s", rule->path);
		uint64_t access = rule->access & ll->handled_fs;
		if (!S_ISDIR(st.st_mode))
			access &= FS_FILE;
		if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode) && !S_ISDIR(st.st_mode))
			access &= ~FS_IOCTL_DEV;
		if (!access)
			continue;
		struct ll_path_beneath_attr pb = { .allowed_access = access, .parent_fd = fd };
		if (syscall(SYS_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH, &pb, 0) < 0)
			return vj_error_set(err, errno, "Landlock: rule for %s", rule->path);
	}
	int r;
	if ((ll->handled_net & NET_BIND_TCP) && (r = add_port_rules(ruleset, ll->tcp_bind, NET_BIND_TCP, err)) < 0)
		return r;
	if ((ll->handled_net & NET_CONNECT_TCP) &&
	    (r = add_port_rules(ruleset, ll->tcp_connect, NET_CONNECT_TCP, err)) < 0)
		return r;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return vj_error_set(err, errno, "Landlock: prctl(PR_SET_NO_NEW_PRIVS)");
	if (syscall(SYS_landlock_restrict_self, ruleset, 0) < 0)
		return vj_error_set(err, errno, "Landlock: restrict_self");
	return 0;
}

static json_object *rights_json(uint64_t mask)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < ARRAY_SIZE(fs_names); i++)
		if (mask & (1ULL << i))
			json_object_array_add(a, json_object_new_string(fs_names[i]));
	return a;
}

static json_object *ports_json(const struct vj_lsm_ports *p, bool handled)
{
	if (!handled)
		return json_object_new_string("any");
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < p->n; i++)
		json_object_array_add(a, json_object_new_int(p->ports[i]));
	return a;
}

json_object *vj_landlock_to_json(const struct vj_landlock *ll)
{
	json_object *o = json_object_new_object();
	vj_json_add_bool(o, "applied", ll->active);
	if (!ll->active)
		return o;
	vj_json_add_int(o, "abi", ll->abi);
	vj_json_add(o, "fs", rights_json(ll->handled_fs));
	vj_json_add(o, "fs_not_enforced", rights_json(fs_for_abi(5) & ~ll->handled_fs));
	json_object *net = json_object_new_object();
	/* Enforced: some TCP right is handled (ABI 4, and a port list or a
	 * shared network) - not merely possible. */
	vj_json_add_bool(net, "enforced", ll->handled_net != 0);
	vj_json_add(net, "tcp_bind", ports_json(ll->tcp_bind, ll->handled_net & NET_BIND_TCP));
	vj_json_add(net, "tcp_connect", ports_json(ll->tcp_connect, ll->handled_net & NET_CONNECT_TCP));
	vj_json_add(o, "net", net);
	json_object *sc = json_object_new_array();
	if (ll->scoped & SCOPE_ABSTRACT_UNIX)
		json_object_array_add(sc, json_object_new_string("abstract_unix_socket"));
	if (ll->scoped & SCOPE_SIGNAL)
		json_object_array_add(sc, json_object_new_string("signal"));
	vj_json_add(o, "scoped", sc);
	json_object *rules = json_object_new_array();
	for (size_t i = 0; i < ll->n_rules; i++) {
		json_object *r = json_object_new_object();
		vj_json_add_string(r, "path", ll->rules[i].path);
		vj_json_add(r, "access", rights_json(ll->rules[i].access));
		json_object_array_add(rules, r);
	}
	vj_json_add(o, "rules", rules);
	return o;
}

void vj_landlock_free(struct vj_landlock *ll)
{
	if (!ll)
		return;
	free(ll->rules);
	memset(ll, 0, sizeof(*ll));
}
