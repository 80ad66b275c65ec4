/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * main.c - `vmjail COMMAND ...`: dispatch, and the only place (with the
 * supervisor loop) that turns errors into log lines and exit statuses.
 */
#include "cli_run.h"
#include "config.h"
#include "launch.h"
#include "log.h"
#include "profile.h"
#include "qmp.h"
#include "seccomp.h"
#include "state.h"
#include "commands.h"

#include <stdio.h>

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vmjail COMMAND [OPTIONS]\n\n"
		"Jail QEMU, qemu-storage-daemon, vhost-user backends or any program.\n\n"
		"Commands:\n"
		"  run [OPTIONS] -- PROGRAM [ARG...]   run PROGRAM in a jail\n"
		"  check [OPTIONS] [-- PROGRAM ...]    validate and print the resolved jail as JSON\n"
		"  seccomp check|export|dump|learn ... seccomp policies\n"
		"  qmp PATH|ID [COMMAND [JSON-ARGS]]   talk to a jail's QMP monitor\n"
		"  list [--json]                       the jails, live and stale\n"
		"  status [--json] ID                  one jail, with its QMP status\n"
		"  stop [--timeout S] ID               stop a jail (graceful, then SIGKILL)\n"
		"  kill ID [SIGNAL]                    send a signal to a jail\n"
		"  gc [ID...]                          remove what dead jails left\n"
		"  features [--json]                   what this build and host support\n"
		"\n"
		"  vmjail COMMAND --help    help on one command\n"
		"  vmjail --version         the version\n"
		"\nExit status: PROGRAM's, or 125 (vmjail failed), 126 (PROGRAM not executable),\n"
		"127 (PROGRAM not found in the jail).\n");
}

static int cmd_run_or_check(int argc, char **argv)
{
	const char *cmd = argv[0];
	struct vj_error err = { 0 };
	struct vj_cli_run cli;
	int code;

	if (vj_cli_parse_run(argc, argv, &cli, &err) < 0) {
		vj_log_error(&err);
		vj_cli_run_free(&cli);
		return VJ_EXIT_FAILURE;
	}
	if (cli.help) {
		vj_cli_run_usage(stdout, cmd);
		vj_cli_run_free(&cli);
		return 0;
	}
	_cleanup_plan_ struct vj_plan *plan = NULL;
	cli.opts.launch = vj_streq(cmd, "run");
	if (vj_profile_resolve(&cli.opts, &plan, &err) < 0) {
		vj_log_error(&err);
		vj_cli_run_free(&cli);
		return VJ_EXIT_FAILURE;
	}
	vj_cli_run_free(&cli);

	if (vj_streq(cmd, "check")) {
		_cleanup_json_ json_object *o = vj_plan_to_json(plan);
		/* "lsm" is the section as resolved; this is what it comes to
		 * on this host: contexts, the AppArmor profile, the rules. */
		vj_json_add(o, "lsm_will_apply", vj_lsm_check_json(plan));
		return vj_json_write(STDOUT_FILENO, o, true) < 0 ? VJ_EXIT_FAILURE : 0;
	}
	vj_log_set_jail(plan->id);
	code = plan->exec_inplace ? vj_run_inplace(plan) : vj_run(plan);
	return code;
}

/* `vmjail seccomp learn [RUN OPTIONS] -o POLICY -- PROGRAM [ARG...]` runs
 * PROGRAM in its jail, as `vmjail run [RUN OPTIONS] --seccomp-learn POLICY`
 * would: the learn filter is the seccomp engine's, the jail the runtime's. */
static int cmd_seccomp_learn(int argc, char **argv)
{
	const char *out = NULL;
	int i;
	/* -o POLICY is learn's own; every other option is `run`'s (--profile,
	 * --ro-bind, ...), passed through. */
	_cleanup_free_ char **all = vj_xcalloc((size_t)argc + 4, sizeof(char *));
	int n = 0;
	all[n++] = "run";
	for (i = 1; i < argc && !vj_streq(argv[i], "--"); i++) {
		if ((vj_streq(argv[i], "-o") || vj_streq(argv[i], "--output")) && i + 1 < argc)
			out = argv[++i];
		else
			all[n++] = argv[i];
	}
	if (!out || i + 1 >= argc) {
		vj_error("usage: vmjail seccomp learn [RUN OPTIONS] -o POLICY -- PROGRAM [ARG...]");
		return VJ_EXIT_FAILURE;
	}
	_cleanup_free_ char *abs = NULL;
	if (out[0] != '/') {
		char cwd[4096];
		if (!getcwd(cwd, sizeof(cwd))) {
			vj_error("seccomp learn: getcwd: %s", strerror(errno));
			return VJ_EXIT_FAILURE;
		}
		abs = vj_xasprintf("%s/%s", cwd, out);
	}
	all[n++] = "--seccomp-learn";
	all[n++] = abs ? abs : (char *)out;
	for (; i < argc; i++)
		all[n++] = argv[i];
	all[n] = NULL;
	return cmd_run_or_check(n, all);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return VJ_EXIT_FAILURE;
	}
	const char *cmd = argv[1];
	if (vj_streq(cmd, "--help") || vj_streq(cmd, "-h") || vj_streq(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	if (vj_streq(cmd, "--version") || vj_streq(cmd, "version")) {
		printf("vmjail %s\n", VJ_VERSION);
		return 0;
	}
	if (vj_streq(cmd, "run") || vj_streq(cmd, "check"))
		return cmd_run_or_check(argc - 1, argv + 1);
	if (vj_streq(cmd, "seccomp") && argc > 2 && vj_streq(argv[2], "learn"))
		return cmd_seccomp_learn(argc - 2, argv + 2);
	if (vj_streq(cmd, "seccomp"))
		return vj_cmd_seccomp(argc - 1, argv + 1);
	if (vj_streq(cmd, "qmp"))
		return vj_cmd_qmp(argc - 1, argv + 1);
	if (vj_streq(cmd, "list"))
		return vj_cmd_list(argc - 1, argv + 1);
	if (vj_streq(cmd, "status"))
		return vj_cmd_status(argc - 1, argv + 1);
	if (vj_streq(cmd, "stop"))
		return vj_cmd_stop(argc - 1, argv + 1);
	if (vj_streq(cmd, "kill"))
		return vj_cmd_kill(argc - 1, argv + 1);
	if (vj_streq(cmd, "gc"))
		return vj_cmd_gc(argc - 1, argv + 1);
	if (vj_streq(cmd, "features"))
		return vj_cmd_features(argc - 1, argv + 1);
	vj_error("%s: unknown command (see vmjail --help)", cmd);
	return VJ_EXIT_FAILURE;
}
