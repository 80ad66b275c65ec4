/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-seccomp-valueset - syscalls allowed for many values of one argument
 * compiled as binary searches (jailer/seccomp_valueset.c):
 *   - which syscalls qualify (at least VJ_SC_VALUESET_MIN exact 32-bit
 *     values of one argument, one condition per rule, no value with two
 *     actions), side-effect free;
 *   - the kernel as the oracle: a program with value sets and libseccomp's
 *     own (the linear compile, which has none) give the same answer for
 *     every listed value, its neighbours, edge values and values with the
 *     high 32 bits set, for a test policy with allow and errno rules and
 *     for the shipped qemu-system-x86_64 policy's ioctl list (its default
 *     turned into an errno so that nothing gets killed). ioctl is called on
 *     fd -1: EBADF means the filter let it through (bubblewrap's trick).
 */
#include "seccomp-test.h"

#include <linux/filter.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

/* "{"default": DEF, "allow": [{"name": NAME, "args": [{"index": I, "value": V}]}, ...]}" */
static char *set_policy(const char *def, const char *name, unsigned index, unsigned first, size_t n, const char *extra)
{
	size_t cap = 256 + n * 96 + strlen(extra);
	char *s = vj_xmalloc(cap);
	size_t len = (size_t)snprintf(s, cap, "{\"default\": \"%s\", \"allow\": [", def);
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(s + len, cap - len, "%s{\"name\": \"%s\", \"args\": [{\"index\": %u, \"value\": %u}]}",
					i ? ", " : "", name, index, first + (unsigned)i * 7);
	snprintf(s + len, cap - len, "]%s}", extra);
	return s;
}

static size_t sets_of(const char *text)
{
	struct vj_sc_policy *p = st_policy(text);
	if (!p)
		return (size_t)-1;
	struct vj_sc_valueset *sets;
	size_t n;
	vj_sc_valuesets_find(p, &p->def, &sets, &n);
	vj_sc_valuesets_free(sets, n);
	vj_sc_policy_free(p);
	return n;
}

static void test_find(void)
{
	_cleanup_free_ char *eight = set_policy("kill-process", "ioctl", 1, 100, 8, "");
	_cleanup_free_ char *seven = set_policy("kill-process", "ioctl", 1, 100, 7, "");
	_cleanup_free_ char *arg0 = set_policy("kill-process", "ioctl", 1, 100, 8,
					       ", \"errno\": {\"EPERM\": [{\"name\": \"ioctl\", \"args\": [{\"index\": 0, "
					       "\"value\": 5}]}]}");
	_cleanup_free_ char *wide = set_policy("kill-process", "mmap", 2, 1, 8, "");
	_cleanup_free_ char *uncond = set_policy("errno:ENOSYS", "ioctl", 1, 100, 8, ", \"errno\": {\"EPERM\": [\"read\"]}");
	is_int(sets_of(eight), 1, "8 ioctl values: a value set");
	is_int(sets_of(seven), 0, "7 values: libseccomp's chain");
	_cleanup_free_ char *dup = set_policy("kill-process", "ioctl", 1, 100, 6,
					      ", \"errno\": {\"EPERM\": [{\"name\": \"ioctl\", \"args\": [{\"index\": 1, "
					      "\"value\": 999}]}, {\"name\": \"ioctl\", \"args\": [{\"index\": 1, \"value\": "
					      "999}]}]}");
	is_int(sets_of(dup), 0, "8 rules, one value given twice: 7 values, libseccomp's chain");
	is_int(sets_of(arg0), 0, "a rule on another argument: no value set");
	is_int(sets_of(wide), 0, "a 64-bit argument (mmap's prot is not narrowed): no value set");
	is_int(sets_of(uncond), 1, "other syscalls' rules do not matter");
	is_int(sets_of("{\"default\": \"kill-process\", \"allow\": [{\"name\": \"ioctl\", \"args\": [{\"index\": 1, "
		       "\"op\": \"masked-eq\", \"mask\": 255, \"value\": 1}]}, {\"name\": \"ioctl\", \"args\": [{\"index\": 1, "
		       "\"value\": 2}]}, {\"name\": \"ioctl\", \"args\": [{\"index\": 1, \"value\": 3}]}, {\"name\": \"ioctl\", "
		       "\"args\": [{\"index\": 1, \"value\": 4}]}, {\"name\": \"ioctl\", \"args\": [{\"index\": 1, \"value\": 5}]}, "
		       "{\"name\": \"ioctl\", \"args\": [{\"index\": 1, \"value\": 6}]}, {\"name\": \"ioctl\", \"args\": [{\"index\": "
		       "1, \"value\": 7}]}, {\"name\": \"ioctl\", \"args\": [{\"index\": 1, \"value\": 8}]}]}"),
	       0, "a partial mask: no value set");
}

/* The errno ioctl(-1, req) gets under prog, for every req, in one child
 * (the policies here never kill). Returns false when the child failed. */
static bool answers(const struct vj_bpf *prog, const uint64_t *req, size_t n, int *out)
{
	int pfd[2];
	if (pipe(pfd) < 0)
		return false;
	pid_t pid = fork();
	if (pid == 0) {
		struct vj_error err = { 0 };
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		if (vj_seccomp_load(prog, NULL, &err) < 0)
			_exit(3);
		for (size_t i = 0; i < n; i++) {
			int e = syscall(SYS_ioctl, -1, (unsigned long)req[i], 0) < 0 ? errno : 0;
			if (write(pfd[1], &e, sizeof(e)) != sizeof(e))
				_exit(4);
		}
		_exit(0);
	}
	close(pfd[1]);
	bool good = true;
	for (size_t i = 0; i < n && good; i++)
		good = read(pfd[0], &out[i], sizeof(int)) == sizeof(int);
	close(pfd[0]);
	int st;
	waitpid(pid, &st, 0);
	return good && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* Every value of p's ioctl rules, its neighbours, edge values, and each of
 * those with high bits set. */
static size_t probes(const struct vj_sc_policy *p, uint64_t **out)
{
	size_t n = 0, cap = 64 + p->n_rules * 8;
	uint64_t *v = vj_xcalloc(cap, sizeof(*v));
	static const uint64_t edge[] = { 0, 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0xae80, 0x5401 };
	for (size_t i = 0; i < ARRAY_SIZE(edge); i++)
		v[n++] = edge[i];
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct vj_sc_rule *r = &p->rules[i];
		if (strcmp(r->name, "ioctl") != 0 || r->n_conds != 1 || r->conds[0].index != 1)
			continue;
		uint32_t x = (uint32_t)r->conds[0].value;
		v[n++] = x;
		v[n++] = (uint32_t)(x - 1);
		v[n++] = (uint32_t)(x + 1);
		v[n++] = 0xffffffff00000000ull | x; /* sign-extended */
		v[n++] = (1ull << 32) | x;
	}
	*out = v;
	return n;
}

static void compare(const char *what, struct vj_sc_policy *p, const struct vj_sc_action *expect_in,
		    const struct vj_sc_action *expect_default)
{
	struct vj_error err = { 0 };
	struct vj_bpf tree = { 0 }, chain = { 0 };
	struct vj_sc_compile_opts o2 = { .mode = VJ_SECCOMP_ENFORCE, .sync_fd = -1, .optimize = 2 };
	struct vj_sc_compile_opts o1 = { .mode = VJ_SECCOMP_ENFORCE, .sync_fd = -1, .optimize = 1 };
	int r = vj_sc_policy_compile(p, &o2, &tree, &err);
	ok(r == 0, "%s: compiles with value sets: %s", what, r < 0 ? err.msg : "ok");
	r = vj_sc_policy_compile(p, &o1, &chain, &err);
	ok(r == 0, "%s: compiles without: %s", what, r < 0 ? err.msg : "ok");
	struct vj_sc_valueset *sets;
	size_t n_sets;
	vj_sc_valuesets_find(p, &p->def, &sets, &n_sets);
	size_t n_ioctl = 0;
	for (size_t i = 0; i < n_sets; i++)
		if (sets[i].nr == SCMP_SYS(ioctl))
			n_ioctl = sets[i].n;
	ok(n_ioctl > 0, "%s: ioctl is a value set (%zu values; %zu sets)", what, n_ioctl, n_sets);
	vj_sc_valuesets_free(sets, n_sets);
	bool marker_left = false;
	for (size_t i = 0; i < tree.len; i++)
		marker_left |= tree.insns[i].code == (BPF_RET | BPF_K) &&
			       (tree.insns[i].k & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_TRACE;
	ok(!marker_left, "%s: no placeholder left in the program (%zu instructions)", what, tree.len);

	_cleanup_free_ uint64_t *req = NULL;
	size_t n = probes(p, &req);
	_cleanup_free_ int *a = vj_xcalloc(n, sizeof(int));
	_cleanup_free_ int *b = vj_xcalloc(n, sizeof(int));
	bool ran = answers(&tree, req, n, a) && answers(&chain, req, n, b);
	ok(ran, "%s: both programs loaded and answered %zu calls", what, n);
	size_t differ = 0, first = n;
	for (size_t i = 0; ran && i < n; i++)
		if (a[i] != b[i]) {
			differ++;
			first = first < n ? first : i;
		}
	if (!ok(ran && differ == 0, "%s: the kernel answers alike under both, for every probe", what) && first < n)
		diag("first difference: ioctl request 0x%llx: %d with value sets, %d without (%zu differ)",
		     (unsigned long long)req[first], a[first], b[first], differ);
	if (expect_in) {
		/* and what those answers are: the listed values pass, errno rules answer theirs */
		_cleanup_free_ uint64_t *vals = vj_xcalloc(p->n_rules, sizeof(uint64_t));
		_cleanup_free_ int *want = vj_xcalloc(p->n_rules, sizeof(int));
		_cleanup_free_ int *got = vj_xcalloc(p->n_rules, sizeof(int));
		size_t m = 0, bad = 0;
		for (size_t i = 0; i < p->n_rules; i++) {
			const struct vj_sc_rule *rule = &p->rules[i];
			if (rule->n_conds != 1)
				continue;
			vals[m] = (uint32_t)rule->conds[0].value;
			want[m++] = rule->action.kind == VJ_SC_ALLOW ? EBADF : rule->action.errnum;
		}
		if (!answers(&tree, vals, m, got))
			bad = m;
		for (size_t i = 0; i < m && !bad; i++)
			bad += got[i] != want[i];
		is_int(bad, 0, "%s: listed values get their rule's answer (%zu values)", what, m);
		uint64_t off = 0xdead;
		int e = 0;
		answers(&tree, &off, 1, &e);
		is_int(e, expect_default->errnum, "%s: an unlisted value gets the default's errno", what);
	}
	vj_bpf_free(&tree);
	vj_bpf_free(&chain);
}

int main(void)
{
	plan_no_plan();
	test_find();

	/* A test policy: 40 allowed values spread over the 32-bit range, 6
	 * answered ENOTTY, the default ENOSYS. */
	char text[16384];
	size_t len = (size_t)snprintf(text, sizeof(text),
				      "{\"default\": \"errno:ENOSYS\", \"allow\": [\"write\", \"exit_group\", %s",
				      /* what a sanitizer's runtime calls in the child */
				      "\"mmap\", \"munmap\", \"mprotect\", \"madvise\", \"sigaltstack\", \"rt_sigaction\", "
				      "\"rt_sigprocmask\", \"getpid\", \"gettid\", \"futex\", \"prctl\", \"read\", "
				      "\"close\", \"openat\", \"newfstatat\", \"readlink\", \"sched_yield\", \"exit\", ");
	for (unsigned i = 0; i < 40; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s{\"name\": \"ioctl\", \"args\": [{\"index\": 1, \"value\": %u}]}",
					i ? ", " : "", (i * 2654435761u) ^ 0x5a5au);
	len += (size_t)snprintf(text + len, sizeof(text) - len, "], \"errno\": {\"ENOTTY\": [");
	for (unsigned i = 0; i < 6; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s{\"name\": \"ioctl\", \"args\": [{\"index\": 1, \"value\": %u}]}",
					i ? ", " : "", 0xc0000000u + i * 3);
	snprintf(text + len, sizeof(text) - len, "]}}");
	struct vj_sc_policy *p = st_policy(text);
	struct vj_sc_action allow = { VJ_SC_ALLOW, 0 }, enosys = { VJ_SC_ERRNO, ENOSYS };
	if (p)
		compare("test policy", p, &allow, &enosys);
	vj_sc_policy_free(p);

	/* The shipped QEMU policy, its default turned into an errno. */
	const char *src = getenv("VMJAIL_TEST_SRCDIR");
	char path[1024];
	snprintf(path, sizeof(path), "%s/policy/qemu-system-x86_64.json", src ? src : ".");
	struct vj_error err = { 0 };
	p = NULL;
	if (vj_sc_policy_load(path, &p, &err) < 0) {
		ok(0, "load %s: %s", path, err.msg);
	} else {
		p->def = (struct vj_sc_action){ VJ_SC_ERRNO, ENOSYS };
		compare("qemu-system-x86_64", p, NULL, NULL);
		vj_sc_policy_free(p);
	}
	return done_testing();
}
