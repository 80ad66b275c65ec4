/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * seccomp_cache.c - compiled filters kept between launches.
 *
 * Compiling a policy with libseccomp (rule database, binary-tree export)
 * is the largest share of the CPU a launch spends in user space, and its
 * result depends only on its input. So the supervisor keeps each program
 * it compiled in a cache directory under its state root
 * (<root>/.seccomp-cache, 0700; not a valid jail id, so list and gc pass
 * it by) and the next launch with the same input loads it instead.
 *
 * Theory of operation:
 *  - The key is the whole input, written out field by field: a format
 *    tag, vmjail's version and the identity of its executable (device,
 *    inode, size, mtime: a rebuilt or upgraded compiler never meets the
 *    old one's entries), libseccomp's version, the native architecture, the compile options (mode, sync fd, optimisation
 *    level), the default action and every rule (number, action, each
 *    condition's index, operator, value and mask) in policy order. It is
 *    stored verbatim in the entry and compared byte for byte on lookup:
 *    the file name (a 64-bit FNV-1a hash of the key) only finds the
 *    candidate; a collision or a stale entry is a miss, never a wrong
 *    filter.
 *  - Trust: the directory and each entry must belong to the caller's
 *    euid and be writable by nobody else; entries are opened O_NOFOLLOW
 *    and must be regular files of a plausible size. An entry that fails
 *    any check, or whose program is not a whole number of instructions,
 *    is a miss (and is replaced by the fresh compile).
 *  - Writes go to a temporary file that is renamed over the entry, so a
 *    reader sees an old entry or a new one, never half of one; no fsync:
 *    losing the cache costs one compile. A miss that finds more than
 *    CACHE_MAX_ENTRIES entries empties the directory first (old
 *    executables' entries are never hit again).
 *  - VMJAIL_SECCOMP_CACHE=0 turns the cache off (benchmarks of the cold
 *    path, tests that compare both).
 * The cache never changes what a launch does, only how fast it gets there:
 * any failure to read or write it falls back to compiling.
 */
#include "seccomp_policy.h"
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <stdio.h>
#include <sys/stat.h>

#define CACHE_DIR ".seccomp-cache"
#define CACHE_FORMAT "vmjail-seccomp-cache 2"
#define CACHE_MAX_BYTES (1u << 20)
#define CACHE_MAX_ENTRIES 128

struct keybuf {
	unsigned char *p;
	size_t len, cap;
};

static void put(struct keybuf *k, const void *v, size_t n)
{
	if (k->len + n > k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 1024;
		while (cap < k->len + n)
			cap *= 2;
		unsigned char *grown = realloc(k->p, cap);
		if (!grown)
			abort();
		k->p = grown;
		k->cap = cap;
	}
	memcpy(k->p + k->len, v, n);
	k->len += n;
}

static void put_u64(struct keybuf *k, uint64_t v)
{
	put(k, &v, sizeof(v));
}

static void put_str(struct keybuf *k, const char *s)
{
	put_u64(k, strlen(s));
	put(k, s, strlen(s));
}

static void build_key(struct keybuf *k, const struct vj_sc_policy *p, const struct vj_sc_compile_opts *o)
{
	const struct scmp_version *v = seccomp_version();
	struct stat exe = { 0 };
	(void)stat("/proc/self/exe", &exe);
	put_str(k, CACHE_FORMAT);
	put_str(k, VJ_VERSION);
	put_u64(k, exe.st_dev);
	put_u64(k, exe.st_ino);
	put_u64(k, (uint64_t)exe.st_size);
	put_u64(k, (uint64_t)exe.st_mtim.tv_sec);
	put_u64(k, (uint64_t)exe.st_mtim.tv_nsec);
	put_u64(k, v ? ((uint64_t)v->major << 32) | ((uint64_t)v->minor << 16) | v->micro : 0);
	put_u64(k, seccomp_arch_native());
	put_u64(k, (uint64_t)o->mode);
	put_u64(k, (uint64_t)(int64_t)o->sync_fd);
	put_u64(k, (uint64_t)o->optimize);
	put_u64(k, (uint64_t)p->def.kind);
	put_u64(k, (uint64_t)(int64_t)p->def.errnum);
	put_u64(k, p->n_rules);
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct vj_sc_rule *r = &p->rules[i];
		put_u64(k, (uint64_t)(int64_t)r->nr);
		put_u64(k, (uint64_t)r->action.kind);
		put_u64(k, (uint64_t)(int64_t)r->action.errnum);
		put_u64(k, r->n_conds);
		for (size_t j = 0; j < r->n_conds; j++) {
			put_u64(k, r->conds[j].index);
			put_u64(k, (uint64_t)r->conds[j].op);
			put_u64(k, r->conds[j].value);
			put_u64(k, r->conds[j].mask);
		}
	}
}

static uint64_t fnv1a(const unsigned char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* Entry: "VJSC", u32 key length, u32 instruction count, u32 flags, the
 * key, the instructions. */
struct entry_head {
	char magic[4];
	uint32_t key_len, n_insns, flags;
};

static bool trusted(const struct stat *st)
{
	return st->st_uid == geteuid() && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

bool vj_sc_cache_enabled(void)
{
	const char *e = getenv("VMJAIL_SECCOMP_CACHE");
	return !(e && vj_streq(e, "0"));
}

int vj_sc_cache_open(int root_fd)
{
	if (root_fd < 0 || !vj_sc_cache_enabled())
		return -1;
	if (mkdirat(root_fd, CACHE_DIR, 0700) < 0 && errno != EEXIST)
		return -1;
	int fd = openat(root_fd, CACHE_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd >= 0 && (fstat(fd, &st) < 0 || !trusted(&st) || (st.st_mode & 077))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void entry_name(char *buf, size_t len, const struct keybuf *k)
{
	snprintf(buf, len, "%016llx.bpf", (unsigned long long)fnv1a(k->p, k->len));
}

/* 1 and *out filled on a hit, 0 on a miss. */
static int lookup(int dirfd, const struct keybuf *k, struct vj_bpf *out)
{
	char name[32];
	entry_name(name, sizeof(name), k);
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !trusted(&st) ||
	    st.st_size < (off_t)sizeof(struct entry_head) || st.st_size > CACHE_MAX_BYTES)
		return 0;
	_cleanup_free_ unsigned char *buf = vj_xmalloc((size_t)st.st_size);
	if (vj_read_full(fd, buf, (size_t)st.st_size) != (ssize_t)st.st_size)
		return 0;
	struct entry_head h;
	memcpy(&h, buf, sizeof(h));
	size_t want = sizeof(h) + (size_t)h.key_len + (size_t)h.n_insns * sizeof(struct sock_filter);
	if (memcmp(h.magic, "VJSC", 4) != 0 || h.key_len != k->len || h.n_insns == 0 ||
	    h.n_insns > BPF_MAXINSNS || want != (size_t)st.st_size ||
	    memcmp(buf + sizeof(h), k->p, k->len) != 0)
		return 0;
	out->len = h.n_insns;
	out->flags = h.flags;
	out->insns = vj_xmalloc(h.n_insns * sizeof(struct sock_filter));
	memcpy(out->insns, buf + sizeof(h) + k->len, h.n_insns * sizeof(struct sock_filter));
	return 1;
}

static void prune(int dirfd)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	if (n > CACHE_MAX_ENTRIES) {
		rewinddir(d);
		while ((de = readdir(d)))
			if (de->d_name[0] != '.')
				unlinkat(dirfd, de->d_name, 0);
	}
	closedir(d);
}

static void store(int dirfd, const struct keybuf *k, const struct vj_bpf *prog)
{
	prune(dirfd);
	char name[32], tmp[64];
	entry_name(name, sizeof(name), k);
	snprintf(tmp, sizeof(tmp), ".%s.%d", name, (int)getpid());
	_cleanup_close_ int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	struct entry_head h = { { 'V', 'J', 'S', 'C' }, (uint32_t)k->len, (uint32_t)prog->len, prog->flags };
	bool ok = vj_write_all(fd, &h, sizeof(h)) == 0 && vj_write_all(fd, k->p, k->len) == 0 &&
		  vj_write_all(fd, prog->insns, prog->len * sizeof(struct sock_filter)) == 0;
	if (!ok || renameat(dirfd, tmp, dirfd, name) < 0)
		unlinkat(dirfd, tmp, 0);
}

int vj_sc_policy_compile_cached(const struct vj_sc_policy *p, const struct vj_sc_compile_opts *o, int cache_fd,
				struct vj_bpf *out, struct vj_error *err)
{
	if (cache_fd < 0)
		return vj_sc_policy_compile(p, o, out, err);
	struct keybuf k = { 0 };
	build_key(&k, p, o);
	int r = 0;
	*out = (struct vj_bpf){ 0 };
	if (!lookup(cache_fd, &k, out)) {
		r = vj_sc_policy_compile(p, o, out, err);
		if (r >= 0 && out->len)
			store(cache_fd, &k, out);
	}
	free(k.p);
	return r;
}
