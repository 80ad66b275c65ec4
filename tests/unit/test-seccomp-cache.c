/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-seccomp-cache - the compiled-filter cache (jailer/seccomp_cache.c)
 * never changes a filter, only skips its compile:
 *   - a hit returns the very program a fresh compile makes, and the
 *     kernel answers it alike (the errno rule of the cached program);
 *   - another policy, another compile option: another entry;
 *   - an entry whose key differs (tampered, or another policy's under the
 *     same name), a truncated one, a group-writable one, a symlink: a miss,
 *     recompiled and replaced by a good entry;
 *   - a directory others may enter is not used; VMJAIL_SECCOMP_CACHE=0
 *     turns it off.
 */
#include "seccomp-test.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

static char root[] = "/tmp/vj-seccomp-cache.XXXXXX";

static bool same(const struct vj_bpf *a, const struct vj_bpf *b)
{
	return a->len == b->len && a->flags == b->flags && a->len &&
	       memcmp(a->insns, b->insns, a->len * sizeof(*a->insns)) == 0;
}

/* The one entry in the cache directory (fails the test when not one). */
static char *only_entry(int dirfd, size_t *count)
{
	static char name[256];
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fdopendir(fd);
	struct dirent *de;
	*count = 0;
	name[0] = '\0';
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		++*count;
		snprintf(name, sizeof(name), "%s", de->d_name);
	}
	closedir(d);
	return name;
}

static int compile(const struct vj_sc_policy *p, int optimize, int cache, struct vj_bpf *out)
{
	struct vj_sc_compile_opts o = { .mode = VJ_SECCOMP_ENFORCE, .sync_fd = -1, .optimize = optimize };
	struct vj_error err = { 0 };
	int r = vj_sc_policy_compile_cached(p, &o, cache, out, &err);
	if (r < 0)
		diag("compile: %s", err.msg);
	return r;
}

int main(void)
{
	plan_no_plan();
	if (!mkdtemp(root))
		return diag("mkdtemp"), 1;
	int root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	unsetenv("VMJAIL_SECCOMP_CACHE");
	int cache = vj_sc_cache_open(root_fd);
	ok(cache >= 0, "the cache directory is made under the state root");
	struct stat st;
	ok(fstatat(root_fd, ".seccomp-cache", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode) &&
		   (st.st_mode & 07777) == 0700,
	   "as .seccomp-cache, mode 0700");

	struct vj_sc_policy *p = st_policy("{\"default\": \"allow\", \"errno\": {\"EPERM\": [\"getppid\"]}, "
					"\"allow\": [\"read\", \"write\", {\"name\": \"ioctl\", \"args\": "
					"[{\"index\": 1, \"value\": 21505}]}]}");
	struct vj_sc_policy *q = st_policy("{\"default\": \"allow\", \"errno\": {\"EACCES\": [\"getppid\"]}}");
	if (!p || !q)
		return done_testing();

	struct vj_bpf fresh = { 0 }, miss = { 0 }, hit = { 0 };
	compile(p, 2, -1, &fresh);
	compile(p, 2, cache, &miss);
	size_t n;
	char entry[256];
	snprintf(entry, sizeof(entry), "%s", only_entry(cache, &n));
	is_int(n, 1, "a miss stores one entry");
	ok(same(&fresh, &miss), "a miss compiles the same program as no cache");
	struct stat before;
	fstatat(cache, entry, &before, 0);
	compile(p, 2, cache, &hit);
	ok(same(&fresh, &hit), "a hit returns the same program");
	struct stat after;
	fstatat(cache, entry, &after, 0);
	ok(before.st_ino == after.st_ino, "a hit leaves the entry alone");
	ok((after.st_mode & 07777) == 0600 && after.st_uid == geteuid(), "entries are 0600, the caller's");
	is_int(kernel_answer(&hit), -EPERM, "the kernel answers the cached program's errno rule");
	vj_bpf_free(&miss);
	vj_bpf_free(&hit);

	struct vj_bpf other = { 0 }, linear = { 0 };
	compile(q, 2, cache, &other);
	compile(p, 1, cache, &linear);
	only_entry(cache, &n);
	is_int(n, 3, "another policy and another optimisation level: entries of their own");
	is_int(kernel_answer(&other), -EACCES, "the other policy's program is its own");
	ok(!same(&linear, &fresh), "the linear program is not the tree's");
	vj_bpf_free(&other);
	vj_bpf_free(&linear);

	/* Damaged or untrusted entries are misses, then replaced: a hit
	 * would leave them as they are. good is the entry as stored. */
	char good[512], cmd0[1200];
	snprintf(good, sizeof(good), "%s/good.bpf", root);
	snprintf(cmd0, sizeof(cmd0), "cp %s/.seccomp-cache/%s %s", root, entry, good);
	(void)!system(cmd0);
	struct {
		const char *what;
		int how;
	} cases[] = {
		{ "a byte of the key changed", 0 },
		{ "truncated", 1 },
		{ "group-writable", 2 },
		{ "a symlink", 3 },
		{ "another policy's entry under this name", 4 },
	};
	char other_entry[256] = "";
	{
		/* q's entry: the one that is neither p's tree nor p's linear. */
		int fd = openat(cache, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		DIR *d = fdopendir(fd);
		struct dirent *de;
		while ((de = readdir(d)))
			if (de->d_name[0] != '.' && strcmp(de->d_name, entry) != 0)
				snprintf(other_entry, sizeof(other_entry), "%s", de->d_name);
		closedir(d);
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int fd;
		switch (cases[i].how) {
		case 0:
			fd = openat(cache, entry, O_RDWR | O_CLOEXEC);
			(void)!pwrite(fd, "\xff", 1, 16 + 20);
			close(fd);
			break;
		case 1:
			fd = openat(cache, entry, O_RDWR | O_CLOEXEC);
			(void)!ftruncate(fd, before.st_size - 8);
			close(fd);
			break;
		case 2:
			(void)!fchmodat(cache, entry, 0620, 0);
			break;
		case 3: {
			/* to a good entry (a copy outside): only O_NOFOLLOW
			 * makes this a miss */
			unlinkat(cache, entry, 0);
			(void)!symlinkat(good, cache, entry);
			break;
		}
		case 4: {
			char cmd[1024];
			snprintf(cmd, sizeof(cmd), "cp --remove-destination %s/.seccomp-cache/%s %s/.seccomp-cache/%s",
				 root, other_entry, root, entry);
			(void)!system(cmd);
			break;
		}
		}
		struct vj_bpf got = { 0 };
		compile(p, 2, cache, &got);
		ok(same(&got, &fresh), "%s: a miss, compiled afresh", cases[i].what);
		struct stat now;
		snprintf(cmd0, sizeof(cmd0), "cmp -s %s %s/.seccomp-cache/%s", good, root, entry);
		ok(fstatat(cache, entry, &now, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(now.st_mode) &&
			   (now.st_mode & 07777) == 0600 && system(cmd0) == 0,
		   "%s: the entry is replaced by a good one", cases[i].what);
		vj_bpf_free(&got);
	}

	/* A cache directory others may enter is not used. */
	close(cache);
	(void)!fchmodat(root_fd, ".seccomp-cache", 0755, 0);
	cache = vj_sc_cache_open(root_fd);
	is_int(cache, -1, "a cache directory others may enter is not used");
	(void)!fchmodat(root_fd, ".seccomp-cache", 0700, 0);
	setenv("VMJAIL_SECCOMP_CACHE", "0", 1);
	is_int(vj_sc_cache_open(root_fd), -1, "VMJAIL_SECCOMP_CACHE=0 turns the cache off");
	unsetenv("VMJAIL_SECCOMP_CACHE");

	vj_bpf_free(&fresh);
	vj_sc_policy_free(p);
	vj_sc_policy_free(q);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	(void)!system(cmd);
	return done_testing();
}
