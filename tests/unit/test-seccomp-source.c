/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-seccomp-source - compiled filters found by their policy files
 * (vj_sc_policy_compile_source, jailer/seccomp_cache.c): a launch that
 * finds its policy's files unchanged loads the program without opening
 * them, and any change to what the parser would read is a miss. The
 * oracles: inotify (was a policy file opened?) and the kernel's answer to
 * getppid() under the program loaded in a child.
 *   - a miss parses, compiles the program a plain compile makes, and
 *     records the sources once the files are two seconds old;
 *   - a hit opens no policy file and returns the same program;
 *   - a file that appears earlier in the search path (shadowing an
 *     include) is a miss, and once it is gone the entry holds again;
 *   - a changed include is a miss, its new rule in force, not recorded
 *     while fresh;
 *   - a damaged entry (a recorded path changed) is a miss, then replaced;
 *   - without a cache, and for a policy with an error, the file is parsed:
 *     the error names the file and the key.
 */
#include "seccomp-test.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/inotify.h>
#include <sys/stat.h>

static char root[] = "/tmp/vj-seccomp-source.XXXXXX";
static char top[512], base[512], shadow[512];
static int cache = -1, ino = -1;

static void put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static int compile_src(int cache_fd, struct vj_bpf *out, struct vj_error *err)
{
	struct vj_sc_compile_opts o = { .mode = VJ_SECCOMP_ENFORCE, .sync_fd = -1, .optimize = 2 };
	return vj_sc_policy_compile_source("top", NULL, top, &o, cache_fd, out, err);
}

/* getppid()'s answer under the program compile_src gives now. */
static long answer(void)
{
	struct vj_bpf b = { 0 };
	struct vj_error err = { 0 };
	if (compile_src(cache, &b, &err) < 0) {
		diag("compile: %s", err.msg);
		return -3000;
	}
	long r = kernel_answer(&b);
	vj_bpf_free(&b);
	return r;
}

/* Opens of the watched policy files since the last call. */
static int opens(void)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	int n = 0;
	ssize_t len;
	while ((len = read(ino, buf, sizeof(buf))) > 0)
		for (char *p = buf; p < buf + len; p += sizeof(struct inotify_event) + ((struct inotify_event *)p)->len)
			n += (((struct inotify_event *)p)->mask & IN_OPEN) != 0;
	return n;
}

/* The source entries in the cache: how many, and the name of one. */
static size_t src_entries(char name[256])
{
	int fd = openat(cache, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fdopendir(fd);
	size_t n = 0;
	struct dirent *de;
	name[0] = '\0';
	while ((de = readdir(d)))
		if (strstr(de->d_name, ".src") && de->d_name[0] != '.') {
			snprintf(name, 256, "%s", de->d_name);
			n++;
		}
	closedir(d);
	return n;
}

int main(void)
{
	plan_no_plan();
	if (!mkdtemp(root))
		return diag("mkdtemp"), 1;
	char p1[300], p2[300], path[700], entry[256];
	snprintf(p1, sizeof(p1), "%s/p1", root);
	snprintf(p2, sizeof(p2), "%s/p2", root);
	mkdir(p1, 0755);
	mkdir(p2, 0755);
	snprintf(top, sizeof(top), "%s/top.json", p2);
	snprintf(base, sizeof(base), "%s/base.json", p2);
	snprintf(shadow, sizeof(shadow), "%s/base.json", p1);
	snprintf(path, sizeof(path), "%s:%s", p1, p2);
	setenv("VMJAIL_POLICY_PATH", path, 1);
	unsetenv("VMJAIL_SECCOMP_CACHE");
	put_file(top, "{\"default\": \"allow\", \"include\": [\"base\"], \"allow\": [\"read\"]}\n");
	put_file(base, "{\"errno\": {\"EPERM\": [\"getppid\"]}}\n");
	int root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cache = vj_sc_cache_open(root_fd);
	ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (cache < 0 || ino < 0)
		return diag("cache or inotify"), done_testing();

	/* Fresh files are not recorded: a first compile now stores no source
	 * entry. */
	struct vj_bpf fresh = { 0 }, b = { 0 };
	struct vj_error err = { 0 };
	ok(compile_src(cache, &b, &err) == 0, "a policy compiled from its files");
	is_int(src_entries(entry), 0, "files changed in the last two seconds: no source entry");
	vj_bpf_free(&b);
	sleep(2);
	usleep(200 * 1000);

	struct vj_sc_policy *pol = NULL;
	struct vj_sc_compile_opts o = { .mode = VJ_SECCOMP_ENFORCE, .sync_fd = -1, .optimize = 2 };
	if (vj_sc_policy_load(top, &pol, &err) < 0 || vj_sc_policy_compile(pol, &o, &fresh, &err) < 0)
		return diag("plain compile: %s", err.msg), done_testing();
	vj_sc_policy_free(pol);

	inotify_add_watch(ino, top, IN_OPEN);
	inotify_add_watch(ino, base, IN_OPEN);
	ok(compile_src(cache, &b, &err) == 0 && b.len == fresh.len &&
		   memcmp(b.insns, fresh.insns, b.len * sizeof(*b.insns)) == 0,
	   "a miss compiles the program a plain compile makes");
	ok(opens() >= 2, "a miss reads the policy and its include");
	is_int(src_entries(entry), 1, "settled files: the sources are recorded");
	vj_bpf_free(&b);

	ok(compile_src(cache, &b, &err) == 0 && b.len == fresh.len &&
		   memcmp(b.insns, fresh.insns, b.len * sizeof(*b.insns)) == 0,
	   "a hit returns the same program");
	is_int(opens(), 0, "a hit opens no policy file");
	is_int(kernel_answer(&b), -EPERM, "the kernel answers the hit's errno rule");
	vj_bpf_free(&b);

	/* An include shadowed by a file earlier in the search path. */
	put_file(shadow, "{\"errno\": {\"ENOENT\": [\"getppid\"]}}\n");
	is_int(answer(), -ENOENT, "an include now found earlier in the search path: its rule is in force");
	unlink(shadow);
	opens();
	is_int(answer(), -EPERM, "the shadow gone: the old include's rule again");
	is_int(opens(), 0, "... from the recorded entry, without opening a policy file");

	/* A damaged entry: a recorded path changed (same length). */
	src_entries(entry);
	char *text = NULL;
	size_t len = 0;
	{
		int fd = openat(cache, entry, O_RDONLY | O_CLOEXEC);
		struct stat st;
		fstat(fd, &st);
		len = (size_t)st.st_size;
		text = malloc(len);
		(void)!read(fd, text, len);
		close(fd);
	}
	char *at = memmem(text, len, "/p2/base.json", 13);
	ok(at != NULL, "the entry records the include's file");
	if (at) {
		at[2] = '1'; /* /p1/base.json: resolves elsewhere, does not exist */
		int fd = openat(cache, entry, O_WRONLY | O_CLOEXEC);
		(void)!pwrite(fd, text, len, 0);
		close(fd);
	}
	free(text);
	opens();
	is_int(answer(), -EPERM, "a damaged entry: a miss, the right program");
	ok(opens() >= 2, "... parsed from the files");
	is_int(answer(), -EPERM, "the entry replaced by a good one");
	is_int(opens(), 0, "... which hits again");

	/* A changed include: a miss, and not recorded while fresh. */
	put_file(base, "{\"errno\": {\"EACCES\": [\"getppid\"]}}\n");
	is_int(answer(), -EACCES, "a changed include: its new rule is in force");
	opens();
	is_int(answer(), -EACCES, "and again");
	ok(opens() >= 2, "a fresh file is read again, not trusted to the entry");

	/* No cache: parsed every time. An error names the file and key. */
	ok(compile_src(-1, &b, &err) == 0 && kernel_answer(&b) == -EACCES, "without a cache: parsed and compiled");
	vj_bpf_free(&b);
	put_file(base, "{\"errno\": {\"EACCES\": [42]}}\n");
	int r = compile_src(cache, &b, &err);
	ok(r < 0 && strstr(err.msg, base) && strstr(err.msg, "errno.EACCES[0]"),
	   "a bad include: the error names its file and key (%s)", err.msg);

	vj_bpf_free(&fresh);
	close(ino);
	close(cache);
	close(root_fd);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	(void)!system(cmd);
	return done_testing();
}
