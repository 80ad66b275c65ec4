/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * seccomp-bench - what a seccomp filter costs per system call (a benchmark,
 * not a test). In one run, each in a fresh child:
 *   none    no filter
 *   tree    the policy compiled as vmjail does (SCMP_FLTATR_CTL_OPTIMIZE=2,
 *           a binary tree over syscall numbers; a syscall allowed for many
 *           values of one argument, such as ioctl, searched as a binary
 *           tree too: jailer/seccomp_valueset.c)
 *   linear  the same rules compiled linearly (SCMP_FLTATR_CTL_OPTIMIZE=1)
 *   allow-all  a filter allowing everything: the fixed cost of having a
 *           filter at all (the syscall entry's slow path), the floor for
 *           calls the kernel's action cache answers
 *   run-any a two-instruction filter that reads an argument and allows:
 *           the cache cannot answer for it, so it runs on every call - the
 *           floor for calls whose arguments a filter checks
 * and in each: a hot unconditional syscall (getppid: the kernel's per-
 * syscall action cache answers it without running the filter), and an
 * argument-checked ioctl (ioctl(-1, KVM_RUN): the filter runs every time,
 * walks to ioctl, compares the request; EBADF comes back), once with
 * KVM_RUN (QEMU's hot ioctl, near the end of libseccomp's chain) and once
 * with the request libseccomp compares first (it orders a call's values
 * from the largest down): in the linear program the two differ by the
 * chain's length, in the tree they cost the same.
 * Prints ns per call (best of several rounds), the extra over no filter,
 * the ratio, and the BPF instruction counts.
 *
 *   tests/bench/seccomp-bench.sh [BUILD_DIR] [POLICY] [ITERATIONS] [ROUNDS]
 */
#include "seccomp_policy.h"

#include <linux/filter.h>
#include <linux/kvm.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#define ROUNDS 3

/* The thread's CPU time, not the wall clock: time spent preempted by
 * other load on the machine does not count. */
static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static unsigned long first_req; /* the listed ioctl request libseccomp tests first */

static double measure(int which, long iters)
{
	double best = 1e30;
	for (int r = 0; r < ROUNDS; r++) {
		double t0 = now_ns();
		if (which == 0)
			for (long i = 0; i < iters; i++)
				syscall(SYS_getppid);
		else if (which == 1)
			for (long i = 0; i < iters; i++)
				syscall(SYS_ioctl, -1, (unsigned long)KVM_RUN, 0);
		else
			for (long i = 0; i < iters; i++)
				syscall(SYS_ioctl, -1, first_req, 0);
		double ns = (now_ns() - t0) / (double)iters;
		if (ns < best)
			best = ns;
	}
	return best;
}

/* Run both measurements in a child under bpf (NULL: none). */
#define N_CALLS 3

static int run(const struct vj_bpf *bpf, long iters, double out[N_CALLS])
{
	int p[2];
	if (pipe(p) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid == 0) {
		struct vj_error err = { 0 };
		if (bpf && (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || vj_seccomp_load(bpf, NULL, &err) < 0))
			_exit(1);
		double r[N_CALLS] = { measure(0, iters), measure(1, iters), measure(2, iters) };
		if (write(p[1], r, sizeof(r)) != sizeof(r))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	ssize_t n = read(p[0], out, N_CALLS * sizeof(double));
	close(p[0]);
	int st;
	waitpid(pid, &st, 0);
	return n == N_CALLS * sizeof(double) && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

int main(int argc, char **argv)
{
	const char *policy = argc > 1 ? argv[1] : "qemu-system-x86_64";
	long iters = argc > 2 ? atol(argv[2]) : 200000;
	int rounds = argc > 3 ? atoi(argv[3]) : 15;
	struct vj_seccomp_plan plan;
	struct vj_error err = { 0 };
	if (vj_seccomp_plan_from_policy(&plan, policy, VJ_SECCOMP_ENFORCE, &err) < 0) {
		fprintf(stderr, "seccomp-bench: %s\n", err.msg);
		return 1;
	}
	const struct vj_sc_policy *pol = plan.priv;
	struct vj_bpf tree, linear;
	struct vj_sc_compile_opts o = { .mode = VJ_SECCOMP_ENFORCE, .sync_fd = -1, .optimize = 2 };
	if (vj_sc_policy_compile(pol, &o, &tree, &err) < 0 ||
	    (o.optimize = 1, vj_sc_policy_compile(pol, &o, &linear, &err)) < 0) {
		fprintf(stderr, "seccomp-bench: %s\n", err.msg);
		return 1;
	}
	/* Alternate the configurations round by round and keep each one's
	 * best: background load then hits all of them alike. */
	struct vj_bpf floor;
	struct vj_sc_policy empty = { .def = { VJ_SC_ALLOW, 0 } };
	o.optimize = 2;
	if (vj_sc_policy_compile(&empty, &o, &floor, &err) < 0) {
		fprintf(stderr, "seccomp-bench: %s\n", err.msg);
		return 1;
	}
	/* The least a filter costs when it runs at all: it reads an argument
	 * (so the kernel's action cache cannot answer for it) and allows. */
	struct sock_filter run_insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct vj_bpf run_any = { .insns = run_insns, .len = ARRAY_SIZE(run_insns) };
	enum { C_NONE, C_FLOOR, C_RUN, C_TREE, C_LINEAR, N_CFG };
	const struct vj_bpf *cfg[N_CFG] = { NULL, &floor, &run_any, &tree, &linear };
	const char *cfg_name[N_CFG] = { "none", "allow-all", "run-any", "tree", "linear" };
	/* libseccomp tests a call's argument values from the largest down. */
	for (size_t i = 0; i < pol->n_rules; i++)
		if (strcmp(pol->rules[i].name, "ioctl") == 0 && pol->rules[i].n_conds == 1 &&
		    (pol->rules[i].conds[0].value & 0xffffffffu) > first_req)
			first_req = pol->rules[i].conds[0].value & 0xffffffffu;
	double best[N_CFG][N_CALLS];
	for (int c = 0; c < N_CFG; c++)
		for (int k = 0; k < N_CALLS; k++)
			best[c][k] = 1e30;
	for (int round = 0; round < rounds; round++)
		for (int c = 0; c < N_CFG; c++) {
			double r[N_CALLS];
			if (run(cfg[c], iters, r) < 0) {
				fprintf(stderr, "seccomp-bench: a measuring child failed\n");
				return 1;
			}
			for (int k = 0; k < N_CALLS; k++)
				if (r[k] < best[c][k])
					best[c][k] = r[k];
		}
	printf("policy %s: %zu rules; BPF instructions: tree %zu, linear %zu (allow-all %zu)\n", plan.policy_file,
	       pol->n_rules, tree.len, linear.len, floor.len);
	printf("%-9s %-36s %9s %9s %7s\n", "filter", "call", "ns/call", "extra ns", "ratio");
	char first_name[64];
	vj_sc_value_format(VJ_SC_K_IOCTL, first_req, first_name, sizeof(first_name));
	char third[96];
	snprintf(third, sizeof(third), "ioctl %s (chain's first)", first_name);
	const char *names[N_CALLS] = { "getppid (unconditional, cached)", "ioctl KVM_RUN (arg-checked)", third };
	for (int k = 0; k < N_CALLS; k++)
		for (int c = 0; c < N_CFG; c++)
			printf("%-9s %-36s %9.1f %9.1f %7.2f\n", cfg_name[c], names[k], best[c][k],
			       best[c][k] - best[0][k], best[c][k] / best[0][k]);
	vj_bpf_free(&floor);
	printf("arg-checked ioctl, tree minus allow-all (the cached floor): KVM_RUN %.1f ns, %s %.1f ns\n",
	       best[C_TREE][1] - best[C_FLOOR][1], first_name, best[C_TREE][2] - best[C_FLOOR][2]);
	printf("arg-checked ioctl, tree minus run-any (running any filter): KVM_RUN %.1f ns, %s %.1f ns\n",
	       best[C_TREE][1] - best[C_RUN][1], first_name, best[C_TREE][2] - best[C_RUN][2]);
	double te = best[C_TREE][1] - best[C_NONE][1], le = best[C_LINEAR][1] - best[C_NONE][1];
	printf("linear/tree extra cost on the arg-checked ioctl: %.1fx\n", te > 0.05 ? le / te : 0.0);
	vj_bpf_free(&tree);
	vj_bpf_free(&linear);
	vj_seccomp_plan_free(&plan);
	return 0;
}
