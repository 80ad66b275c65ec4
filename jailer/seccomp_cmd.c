/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * seccomp_cmd.c - `vmjail seccomp ...`:
 *   check FILE                 validate and compile a policy (exit 0, or 125 naming the entry)
 *   export FILE [-o OUT]       the raw BPF program (bwrap --seccomp FD reads it)
 *   dump FILE                  the rules and the BPF instruction counts
 *   learn [--profile P] -o POLICY -- PROGRAM [ARG...]
 *                              run PROGRAM recording every syscall; write a policy
 *   run [--debug] FILE -- PROGRAM [ARG...]
 *                              run PROGRAM under the policy (no jail; for testing
 *                              policies and for the benchmark)
 * FILE is a policy name (policy/NAME.json) or a path; "x.json" naming a
 * file in the working directory is that file.
 *
 * `vmjail seccomp learn` runs PROGRAM in its jail: main.c turns it into
 * `vmjail run --profile P --seccomp-learn POLICY`. The learn and run paths
 * here start PROGRAM through vj_seccomp_run_direct() (fork+exec in vmjail's
 * own namespaces) for direct callers and for testing policies.
 */
#include "seccomp_policy.h"
#include "log.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/wait.h>

static int usage(void)
{
	fprintf(stderr,
		"usage: vmjail seccomp check FILE\n"
		"       vmjail seccomp export FILE [-o OUT]\n"
		"       vmjail seccomp dump FILE\n"
		"       vmjail seccomp learn [--profile P] -o POLICY -- PROGRAM [ARG...]\n"
		"       vmjail seccomp run [--debug] FILE -- PROGRAM [ARG...]\n");
	return VJ_EXIT_FAILURE;
}

/* A plan for FILE as the commands take it: "x.json" in the working
 * directory is that file (a bare name is otherwise a policy name). */
static int plan_for(struct vj_seccomp_plan *p, const char *file, enum vj_seccomp_mode mode, struct vj_error *err)
{
	size_t len = strlen(file);
	_cleanup_free_ char *local = NULL;
	if (!strchr(file, '/') && len > 5 && strcmp(file + len - 5, ".json") == 0 && access(file, F_OK) == 0)
		local = vj_xasprintf("./%s", file);
	return vj_seccomp_plan_from_policy(p, local ? local : file, mode, err);
}

static int fail(const struct vj_error *err)
{
	vj_log_error(err);
	return VJ_EXIT_FAILURE;
}

static int cmd_check(int argc, char **argv)
{
	if (argc != 2)
		return usage();
	struct vj_seccomp_plan p;
	struct vj_error err = { 0 };
	if (plan_for(&p, argv[1], VJ_SECCOMP_ENFORCE, &err) < 0)
		return fail(&err);
	const struct vj_sc_policy *pol = p.priv;
	struct vj_bpf bpf;
	/* Compiling too: what libseccomp refuses is caught here, not at launch. */
	if (vj_seccomp_compile_plan(&p, -1, -1, &bpf, &err) < 0) {
		vj_seccomp_plan_free(&p);
		return fail(&err);
	}
	char act[32];
	printf("%s: ok: %zu rules, default %s, %zu files, %zu BPF instructions\n", p.policy_file, pol->n_rules,
	       vj_sc_action_name(&pol->def, act, sizeof(act)), vj_strv_len(pol->files), bpf.len);
	vj_bpf_free(&bpf);
	vj_seccomp_plan_free(&p);
	return 0;
}

static int cmd_export(int argc, char **argv)
{
	const char *out = NULL, *file = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
			out = argv[++i];
		else if (!file && argv[i][0] != '-')
			file = argv[i];
		else
			return usage();
	}
	if (!file)
		return usage();
	struct vj_seccomp_plan p;
	struct vj_bpf bpf;
	struct vj_error err = { 0 };
	if (plan_for(&p, file, VJ_SECCOMP_ENFORCE, &err) < 0)
		return fail(&err);
	int r = vj_seccomp_compile_plan(&p, -1, -1, &bpf, &err);
	vj_seccomp_plan_free(&p);
	if (r < 0)
		return fail(&err);
	_cleanup_close_ int fd = -1;
	if (out) {
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			vj_error_set(&err, errno, "%s", out);
			vj_bpf_free(&bpf);
			return fail(&err);
		}
	} else if (isatty(STDOUT_FILENO)) {
		vj_bpf_free(&bpf);
		vj_error_setx(&err, EINVAL, "seccomp export: not writing binary to a terminal (use -o OUT)");
		return fail(&err);
	}
	r = vj_write_all(out ? fd : STDOUT_FILENO, bpf.insns, bpf.len * sizeof(*bpf.insns));
	vj_bpf_free(&bpf);
	if (r < 0) {
		vj_error_set(&err, r, "%s", out ? out : "stdout");
		return fail(&err);
	}
	return 0;
}

static void print_value(const struct vj_sc_rule *r, uint64_t v)
{
	/* A name of the kind this argument usually carries, when one fits. */
	unsigned idx;
	enum vj_sc_name_kind kind;
	if (vj_sc_learned_arg(r->name, &idx, &kind)) {
		char buf[512];
		vj_sc_value_format(kind, v, buf, sizeof(buf));
		if (buf[0] != '0' || v == 0)
			printf("%s (0x%llx)", buf, (unsigned long long)v);
		else
			printf("0x%llx", (unsigned long long)v);
		return;
	}
	printf("0x%llx", (unsigned long long)v);
}

static int cmd_dump(int argc, char **argv)
{
	if (argc != 2)
		return usage();
	struct vj_seccomp_plan p;
	struct vj_error err = { 0 };
	if (plan_for(&p, argv[1], VJ_SECCOMP_ENFORCE, &err) < 0)
		return fail(&err);
	const struct vj_sc_policy *pol = p.priv;
	char act[32];
	printf("policy: %s\n", p.policy_file);
	if (pol->description)
		printf("description: %s\n", pol->description);
	for (size_t i = 1; pol->files[i]; i++)
		printf("include: %s\n", pol->files[i]);
	printf("default: %s\n", vj_sc_action_name(&pol->def, act, sizeof(act)));
	printf("rules: %zu\n", pol->n_rules);
	for (size_t i = 0; i < pol->n_rules; i++) {
		const struct vj_sc_rule *r = &pol->rules[i];
		printf("  %-14s %s", vj_sc_action_name(&r->action, act, sizeof(act)), r->name);
		for (size_t j = 0; j < r->n_conds; j++) {
			const struct vj_sc_cond *c = &r->conds[j];
			printf("%s arg%u %s ", j ? " &&" : " if", c->index, vj_sc_op_name(c->op));
			if (c->op == SCMP_CMP_MASKED_EQ) {
				printf("0x%llx/", (unsigned long long)c->value);
				printf("0x%llx", (unsigned long long)c->mask);
			} else {
				print_value(r, c->value);
			}
		}
		printf("\n");
	}
	for (size_t i = 0; pol->skipped && pol->skipped[i]; i++)
		printf("skipped (not on this architecture): %s\n", pol->skipped[i]);
	struct vj_bpf tree, linear;
	struct vj_sc_compile_opts o = { .mode = VJ_SECCOMP_ENFORCE, .sync_fd = -1, .optimize = 2 };
	int r = vj_sc_policy_compile(pol, &o, &tree, &err);
	if (r >= 0) {
		o.optimize = 1;
		r = vj_sc_policy_compile(pol, &o, &linear, &err);
		if (r >= 0) {
			printf("bpf: %zu instructions (binary tree), %zu (linear)\n", tree.len, linear.len);
			vj_bpf_free(&linear);
		}
		vj_bpf_free(&tree);
	}
	vj_seccomp_plan_free(&p);
	return r < 0 ? fail(&err) : 0;
}

static int exit_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return VJ_EXIT_FAILURE;
}

/* The one place that starts PROGRAM (see the header comment). */
static int run_program(const struct vj_seccomp_plan *plan, char **argv, const char *learn_output)
{
	struct vj_error err = { 0 };
	_cleanup_free_ char *denied = NULL;
	int status = vj_seccomp_run_direct(plan, argv, learn_output, &denied, &err);
	if (status < 0)
		return fail(&err);
	char buf[256];
	const char *why = vj_seccomp_describe_exit(status, denied, buf, sizeof(buf));
	if (why)
		vj_log(VJ_LOG_ERROR, "%s: %s", argv[0], why);
	return exit_status(status);
}

static int cmd_learn(int argc, char **argv)
{
	const char *out = NULL, *profile = NULL;
	int i;
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
			out = argv[++i];
		else if (strcmp(argv[i], "--profile") == 0 && i + 1 < argc)
			profile = argv[++i];
		else
			return usage();
	}
	if (!out || i + 1 >= argc)
		return usage();
	(void)profile; /* `vmjail seccomp learn` runs in the jail (main.c); this path serves direct callers */
	struct vj_seccomp_plan p;
	struct vj_error err = { 0 };
	if (vj_seccomp_plan_from_policy(&p, NULL, VJ_SECCOMP_LEARN, &err) < 0)
		return fail(&err);
	int r = run_program(&p, argv + i + 1, out);
	vj_seccomp_plan_free(&p);
	return r;
}

static int cmd_run(int argc, char **argv)
{
	bool debug = false;
	const char *file = NULL;
	int i;
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--debug") == 0)
			debug = true;
		else if (!file)
			file = argv[i];
		else
			return usage();
	}
	if (!file || i + 1 >= argc)
		return usage();
	struct vj_seccomp_plan p;
	struct vj_error err = { 0 };
	if (plan_for(&p, file, debug ? VJ_SECCOMP_DEBUG : VJ_SECCOMP_ENFORCE, &err) < 0)
		return fail(&err);
	int r = run_program(&p, argv + i + 1, NULL);
	vj_seccomp_plan_free(&p);
	return r;
}

int vj_cmd_seccomp(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	const char *sub = argv[1];
	argc--;
	argv++;
	if (strcmp(sub, "check") == 0)
		return cmd_check(argc, argv);
	if (strcmp(sub, "export") == 0)
		return cmd_export(argc, argv);
	if (strcmp(sub, "dump") == 0)
		return cmd_dump(argc, argv);
	if (strcmp(sub, "learn") == 0)
		return cmd_learn(argc, argv);
	if (strcmp(sub, "run") == 0)
		return cmd_run(argc, argv);
	return usage();
}
