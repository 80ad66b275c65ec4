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
 *  - Found by its files. A hit above still needs the parsed policy (its
 *    rules are the key), and parsing is the next largest share. So a
 *    second kind of entry, NAME.src, is keyed by where a policy comes
 *    from instead: the policy name as written and the directory it is
 *    taken relative to, the policy search path and the compile options
 *    (with the same executable and libseccomp identity). It records every
 *    name the parse resolved - the policy's own and each include's, with
 *    the file it resolved to - and the identity of every file read
 *    (device, inode, size, mtime, ctime), then the program. A lookup
 *    resolves each name again and stats each file: when all agree, the
 *    text the parser would read is the text it read then, and the program
 *    is used without opening a policy. Any difference is a miss: the
 *    launch parses (a bad policy fails then, as without a cache) and
 *    compiles or hits the rule-keyed entry, and rewrites the .src entry.
 *    A file changed less than two seconds before is not recorded:
 *    timestamps are only as fine as the filesystem's clock tick, and a
 *    rewrite of the same size within one tick would go unseen.
 * The cache never changes what a launch does, only how fast it gets there:
 * any failure to read or write it falls back to compiling.
 */
#include "seccomp_policy.h"
#include "config.h"
#include "paths.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#define CACHE_DIR ".seccomp-cache"
#define CACHE_FORMAT "vmjail-seccomp-cache 3"
#define SOURCE_FORMAT "vmjail-seccomp-source 1"
#define SOURCE_SETTLE_NS 2000000000LL
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

/* What every key starts with: the format, the compiler (vmjail's version
 * and executable, libseccomp's version), the architecture, the options. */
static void put_compiler(struct keybuf *k, const char *format, const struct vj_sc_compile_opts *o)
{
	const struct scmp_version *v = seccomp_version();
	struct stat exe = { 0 };
	(void)stat("/proc/self/exe", &exe);
	put_str(k, format);
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
}

static void build_key(struct keybuf *k, const struct vj_sc_policy *p, const struct vj_sc_compile_opts *o)
{
	put_compiler(k, CACHE_FORMAT, o);
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

/* An entry, either kind: "VJSC" (keyed by the rules) or "VJSS" (keyed by
 * the sources), u32 key length, u32 length of what follows the key before
 * the program (the sources; none for VJSC), u32 instruction count, u32
 * flags, then the key, the sources and the instructions. */
struct entry_head {
	char magic[4];
	uint32_t key_len, extra_len, n_insns, flags;
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

/* NAME.bpf for an entry keyed by the rules ("VJSC"), NAME.src for one
 * keyed by the sources ("VJSS"): NAME is the key's hash. */
static void entry_name(char *buf, size_t len, const struct keybuf *k, const char *magic)
{
	snprintf(buf, len, "%016llx.%s", (unsigned long long)fnv1a(k->p, k->len),
		 strcmp(magic, "VJSC") == 0 ? "bpf" : "src");
}

/* The whole entry name, when it is one we may trust: a regular file of
 * ours, writable by nobody else, of a plausible size; else NULL. */
static unsigned char *read_entry(int dirfd, const char *name, size_t min, size_t *size)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !trusted(&st) || st.st_size < (off_t)min ||
	    st.st_size > CACHE_MAX_BYTES)
		return NULL;
	unsigned char *buf = vj_xmalloc((size_t)st.st_size);
	if (vj_read_full(fd, buf, (size_t)st.st_size) != (ssize_t)st.st_size) {
		free(buf);
		return NULL;
	}
	*size = (size_t)st.st_size;
	return buf;
}

/* The entry of this kind for key k, when its frame and its key check
 * out: the whole entry (the caller's to free), its head in *h; else NULL. */
static unsigned char *find_entry(int dirfd, const struct keybuf *k, const char *magic, struct entry_head *h,
				 size_t *size)
{
	char name[32];
	entry_name(name, sizeof(name), k, magic);
	unsigned char *buf = read_entry(dirfd, name, sizeof(*h), size);
	if (!buf)
		return NULL;
	memcpy(h, buf, sizeof(*h));
	size_t want = sizeof(*h) + (size_t)h->key_len + (size_t)h->extra_len +
		      (size_t)h->n_insns * sizeof(struct sock_filter);
	if (memcmp(h->magic, magic, 4) != 0 || h->key_len != k->len || h->n_insns == 0 ||
	    h->n_insns > BPF_MAXINSNS || want != *size || memcmp(buf + sizeof(*h), k->p, k->len) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The program at the end of a found entry. */
static void take_program(const unsigned char *buf, size_t size, const struct entry_head *h, struct vj_bpf *out)
{
	size_t bytes = h->n_insns * sizeof(struct sock_filter);
	out->len = h->n_insns;
	out->flags = h->flags;
	out->insns = vj_xmalloc(bytes);
	memcpy(out->insns, buf + size - bytes, bytes);
}

/* 1 and *out filled on a hit, 0 on a miss. */
static int lookup(int dirfd, const struct keybuf *k, struct vj_bpf *out)
{
	struct entry_head h;
	size_t size;
	_cleanup_free_ unsigned char *buf = find_entry(dirfd, k, "VJSC", &h, &size);
	if (!buf || h.extra_len)
		return 0;
	take_program(buf, size, &h, out);
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

/* Write an entry (find_entry's frame): a temporary file renamed over it. */
static void store(int dirfd, const char *magic, const struct keybuf *k, const struct keybuf *extra,
		  const struct vj_bpf *prog)
{
	prune(dirfd);
	char name[32], tmp[64];
	entry_name(name, sizeof(name), k, magic);
	snprintf(tmp, sizeof(tmp), ".%s.%d", name, (int)getpid());
	struct entry_head h = { { magic[0], magic[1], magic[2], magic[3] }, (uint32_t)k->len,
				(uint32_t)(extra ? extra->len : 0), (uint32_t)prog->len, prog->flags };
	struct keybuf body = { 0 };
	put(&body, &h, sizeof(h));
	put(&body, k->p, k->len);
	if (extra)
		put(&body, extra->p, extra->len);
	put(&body, prog->insns, prog->len * sizeof(struct sock_filter));
	int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0) {
		if (vj_write_all(fd, body.p, body.len) < 0 || renameat(dirfd, tmp, dirfd, name) < 0)
			unlinkat(dirfd, tmp, 0);
		close(fd);
	}
	free(body.p);
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
			store(cache_fd, "VJSC", &k, NULL, out);
	}
	free(k.p);
	return r;
}

/* ---- found by the files ------------------------------------------------- */

static void source_key(struct keybuf *k, const char *name, const char *dir, const struct vj_sc_compile_opts *o)
{
	put_compiler(k, SOURCE_FORMAT, o);
	put_str(k, name);
	put_str(k, dir ? dir : "");
	_cleanup_strv_ char **dirs = vj_data_dirs(VJ_DATA_POLICY);
	put_u64(k, vj_strv_len(dirs));
	for (size_t i = 0; dirs && dirs[i]; i++)
		put_str(k, dirs[i]);
}

static void put_identity(struct keybuf *k, const struct stat *st)
{
	put_u64(k, st->st_dev);
	put_u64(k, st->st_ino);
	put_u64(k, (uint64_t)st->st_size);
	put_u64(k, (uint64_t)st->st_mtim.tv_sec);
	put_u64(k, (uint64_t)st->st_mtim.tv_nsec);
	put_u64(k, (uint64_t)st->st_ctim.tv_sec);
	put_u64(k, (uint64_t)st->st_ctim.tv_nsec);
}

struct reader {
	const unsigned char *p;
	size_t len, off;
	bool bad;
};

static uint64_t get_u64(struct reader *r)
{
	uint64_t v = 0;
	if (r->bad || r->len - r->off < sizeof(v)) {
		r->bad = true;
		return 0;
	}
	memcpy(&v, r->p + r->off, sizeof(v));
	r->off += sizeof(v);
	return v;
}

/* A string of the entry, NUL-terminated into buf (one without a NUL byte,
 * shorter than PATH_MAX); "" and r->bad on anything else. */
static const char *get_str(struct reader *r, char buf[PATH_MAX])
{
	uint64_t n = get_u64(r);
	buf[0] = '\0';
	if (r->bad || n >= PATH_MAX || r->len - r->off < n || memchr(r->p + r->off, '\0', (size_t)n)) {
		r->bad = true;
		return buf;
	}
	memcpy(buf, r->p + r->off, (size_t)n);
	buf[n] = '\0';
	r->off += (size_t)n;
	return buf;
}

/* Do the recorded sources still hold: every name resolves to the same
 * file, every file has the same identity? */
static bool sources_hold(struct reader *r)
{
	char name[PATH_MAX], dir[PATH_MAX], path[PATH_MAX];
	uint64_t n = get_u64(r);
	for (uint64_t i = 0; i < n && !r->bad; i++) {
		get_str(r, name);
		get_str(r, dir);
		get_str(r, path);
		_cleanup_free_ char *now = NULL;
		struct vj_error ignored = { 0 };
		if (r->bad || vj_find_data_file(VJ_DATA_POLICY, name, dir[0] ? dir : NULL, &now, &ignored) < 0 ||
		    strcmp(now, path) != 0)
			return false;
	}
	uint64_t m = get_u64(r);
	for (uint64_t i = 0; i < m && !r->bad; i++) {
		struct stat st;
		get_str(r, path);
		struct keybuf is = { 0 };
		if (r->bad || stat(path, &st) < 0) {
			r->bad = true;
			break;
		}
		put_identity(&is, &st); /* the recorded identity's very encoding */
		bool same = r->len - r->off >= is.len && memcmp(is.p, r->p + r->off, is.len) == 0;
		r->off += is.len;
		free(is.p);
		if (!same)
			return false;
	}
	return !r->bad && n > 0 && m > 0 && r->off == r->len;
}

static int lookup_source(int dirfd, const struct keybuf *k, struct vj_bpf *out)
{
	struct entry_head h;
	size_t size;
	_cleanup_free_ unsigned char *buf = find_entry(dirfd, k, "VJSS", &h, &size);
	if (!buf)
		return 0;
	struct reader r = { .p = buf + sizeof(h) + k->len, .len = h.extra_len };
	if (!sources_hold(&r))
		return 0;
	take_program(buf, size, &h, out);
	return 1;
}

/* The sources of pol (its own resolution: name, dir, path), or false
 * when a file is too fresh to be told apart from its next version. */
static bool put_sources(struct keybuf *s, const char *name, const char *dir, const struct vj_sc_policy *pol)
{
	size_t n = vj_strv_len(pol->includes) / 3;
	put_u64(s, n + 1);
	put_str(s, name);
	put_str(s, dir ? dir : "");
	put_str(s, pol->file);
	for (size_t i = 0; i < 3 * n; i++)
		put_str(s, pol->includes[i]);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	int64_t settled = (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec - SOURCE_SETTLE_NS;
	put_u64(s, vj_strv_len(pol->files));
	for (size_t i = 0; pol->files && pol->files[i]; i++) {
		struct stat st;
		if (pol->files[i][0] != '/' || stat(pol->files[i], &st) < 0)
			return false;
		int64_t m = (int64_t)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
		int64_t c = (int64_t)st.st_ctim.tv_sec * 1000000000LL + st.st_ctim.tv_nsec;
		if (m > settled || c > settled)
			return false;
		put_str(s, pol->files[i]);
		put_identity(s, &st);
	}
	return true;
}

int vj_sc_policy_compile_source(const char *name, const char *dir, const char *path,
				const struct vj_sc_compile_opts *o, int cache_fd, struct vj_bpf *out,
				struct vj_error *err)
{
	*out = (struct vj_bpf){ 0 };
	struct keybuf k = { 0 };
	if (cache_fd >= 0) {
		source_key(&k, name, dir, o);
		if (lookup_source(cache_fd, &k, out)) {
			free(k.p);
			return 0;
		}
	}
	struct vj_sc_policy *pol = NULL;
	int r = vj_sc_policy_load(path, &pol, err);
	if (r >= 0 && (r = vj_sc_policy_compile_cached(pol, o, cache_fd, out, err)) < 0)
		vj_error_prefix(err, "compiling seccomp policy %s", path);
	struct keybuf sources = { 0 };
	if (r >= 0 && cache_fd >= 0 && out->len && put_sources(&sources, name, dir, pol))
		store(cache_fd, "VJSS", &k, &sources, out);
	free(sources.p);
	free(k.p);
	vj_sc_policy_free(pol);
	return r;
}
