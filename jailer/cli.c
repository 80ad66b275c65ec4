/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cli.c - options of `vmjail run` and `vmjail check`.
 *
 * Options that stand for profile keys are written into the overlay profile
 * (see cli.h); the rest (--profile, --id, --exec, --info-fd, logging) are
 * run options. Parsing is side-effect free: nothing is opened or created.
 */
#include "cli_run.h"
#include "jsonp.h"
#include "log.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>

/* SRC[:DST] of --bind, --ro-bind and --dev-bind. The first ':' that is
 * not escaped ends SRC; in either path "\:" stands for ':' and "\\" for
 * '\', so any path can be written (vmjail-run(1)). Any other backslash
 * stands for itself, as before escapes existed. */
static int split_bind(json_object *overlay, const char *type, const char *opt, const char *arg,
		      struct vj_error *err)
{
	size_t len = strlen(arg);
	_cleanup_free_ char *src = vj_xcalloc(len + 1, 1), *dst = NULL;
	char *out = src;
	for (const char *p = arg; *p; p++) {
		if (*p == '\\' && (p[1] == ':' || p[1] == '\\')) {
			*out++ = *++p;
		} else if (*p == ':' && !dst) {
			*out = '\0';
			dst = out = vj_xcalloc(len + 1, 1);
		} else {
			*out++ = *p;
		}
	}
	if (!*src || (dst && !*dst))
		return vj_error_setx(err, EINVAL, "%s %s: expected SRC[:DST] (a ':' in a path is written \\:)", opt,
				     arg);
	json_object *m = json_object_new_object();
	vj_json_add_string(m, "type", type);
	vj_json_add_string(m, "source", src);
	vj_json_add_string(m, "target", dst ? dst : src);
	vj_json_tag_file(m, opt, true);
	json_object_array_add(vj_overlay_array(overlay, "filesystem.mounts"), m);
	return 0;
}

static json_object *id_value(const char *arg)
{
	uint64_t v;
	if (vj_parse_u64(arg, &v) == 0 && v <= INT64_MAX)
		return json_object_new_int64((int64_t)v);
	return json_object_new_string(arg);
}

enum {
	OPT_PROFILE = 0x100, OPT_ID, OPT_RO_BIND, OPT_BIND, OPT_DEV_BIND, OPT_TMPFS, OPT_UID, OPT_GID,
	OPT_HOSTNAME, OPT_ENV, OPT_KEEP_FD, OPT_NET, OPT_CHDIR, OPT_INFO_FD, OPT_EXEC, OPT_WAIT,
	OPT_LOG_LEVEL, OPT_LOG_JSON, OPT_STATE_DIR, OPT_KEEP_ALL_FDS, OPT_HELP, OPT_ENGINE_BASE = 0x400,
};

static const struct {
	const char *name, *arg, *help;
	int val;
} core_options[] = {
	{ "profile", "NAME|FILE", "profile to use (default: generic)", OPT_PROFILE },
	{ "id", "ID", "jail id (default: generated)", OPT_ID },
	{ "ro-bind", "SRC[:DST]", "bind SRC read-only at DST (default DST=SRC)", OPT_RO_BIND },
	{ "bind", "SRC[:DST]", "bind SRC writable at DST", OPT_BIND },
	{ "dev-bind", "SRC[:DST]", "bind SRC at DST with device access", OPT_DEV_BIND },
	{ "tmpfs", "DST", "a private tmpfs at DST", OPT_TMPFS },
	{ "uid", "UID", "run PROGRAM as UID (number or name)", OPT_UID },
	{ "gid", "GID", "run PROGRAM as GID (number or name)", OPT_GID },
	{ "hostname", "NAME", "hostname inside the jail", OPT_HOSTNAME },
	{ "env", "K=V", "set an environment variable", OPT_ENV },
	{ "keep-fd", "FD", "pass FD through to PROGRAM", OPT_KEEP_FD },
	{ "keep-all-fds", NULL, "pass through every fd the caller left inheritable (emulator wrappers)", OPT_KEEP_ALL_FDS },
	{ "net", "none|host|PATH", "network: own namespace with lo only, the host's, or a named one", OPT_NET },
	{ "chdir", "DIR", "working directory inside the jail", OPT_CHDIR },
	{ "wait", "target|all", "end the jail when PROGRAM exits, or when its last process does", OPT_WAIT },
	{ "info-fd", "FD", "write JSON records (started, exited) to FD", OPT_INFO_FD },
	{ "exec", NULL, "in place: no fork and no pid namespace; this process becomes PROGRAM", OPT_EXEC },
	{ "state-dir", "DIR", "root of the jails' state (default /run/vmjail, or $XDG_RUNTIME_DIR/vmjail)", OPT_STATE_DIR },
	{ "log-level", "LEVEL", "error, warning, notice (default), info, debug", OPT_LOG_LEVEL },
	{ "log-json", NULL, "log as JSON lines", OPT_LOG_JSON },
	{ "help", NULL, "show this help", OPT_HELP },
};

static const struct vj_cli_option *const *engine_tables(void)
{
	static const struct vj_cli_option *const tables[] = {
		vj_seccomp_cli_options, vj_cgroup_cli_options, vj_qmp_cli_options, vj_lsm_cli_options, NULL,
	};
	return tables;
}

static void print_option(FILE *f, const char *name, const char *arg, const char *help)
{
	char left[64];
	snprintf(left, sizeof(left), "--%s%s%s", name, arg ? " " : "", arg ? arg : "");
	fprintf(f, "  %-28s %s\n", left, help);
}

void vj_cli_run_usage(FILE *f, const char *cmd)
{
	if (vj_streq(cmd, "check"))
		fprintf(f, "Usage: vmjail check [OPTIONS] [-- PROGRAM [ARG...]]\n\n"
			   "Validate the profile and options; print the resolved jail as JSON.\n"
			   "Exit 0 when valid, 125 with the file and key at fault otherwise.\n\n");
	else
		fprintf(f, "Usage: vmjail run [OPTIONS] -- PROGRAM [ARG...]\n\n"
			   "Run PROGRAM in a jail built from a profile. Exit with PROGRAM's status\n"
			   "(128+N when killed by signal N); 125 when vmjail failed, 126 when PROGRAM\n"
			   "could not be executed, 127 when it was not found in the jail.\n\n");
	fprintf(f, "Options:\n");
	for (size_t i = 0; i < ARRAY_SIZE(core_options); i++)
		print_option(f, core_options[i].name, core_options[i].arg, core_options[i].help);
	for (const struct vj_cli_option *const *t = engine_tables(); *t; t++)
		for (const struct vj_cli_option *o = *t; o->name; o++)
			print_option(f, o->name, o->arg, o->help);
}

int vj_cli_parse_run(int argc, char **argv, struct vj_cli_run *out, struct vj_error *err)
{
	struct option longopts[ARRAY_SIZE(core_options) + 64];
	const struct vj_cli_option *engine_opt[64];
	size_t n = 0, n_engine = 0;

	for (size_t i = 0; i < ARRAY_SIZE(core_options); i++)
		longopts[n++] = (struct option){ core_options[i].name,
						 core_options[i].arg ? required_argument : no_argument, NULL,
						 core_options[i].val };
	for (const struct vj_cli_option *const *t = engine_tables(); *t; t++)
		for (const struct vj_cli_option *o = *t; o->name && n_engine < ARRAY_SIZE(engine_opt); o++) {
			engine_opt[n_engine] = o;
			longopts[n++] = (struct option){ o->name, o->arg ? required_argument : no_argument, NULL,
							 OPT_ENGINE_BASE + (int)n_engine };
			n_engine++;
		}
	longopts[n] = (struct option){ 0 };

	memset(out, 0, sizeof(*out));
	out->opts.info_fd = -1;
	out->overlay = json_object_new_object();
	out->opts.overlay = out->overlay;

	optind = 1;
	opterr = 0;
	int c, r;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		const char *opt = optind > 1 ? argv[optind - 1] : "";
		switch (c) {
		case OPT_PROFILE: out->opts.profile = optarg; break;
		case OPT_ID: out->opts.id = optarg; break;
		case OPT_RO_BIND:
			if ((r = split_bind(out->overlay, "ro-bind", "--ro-bind", optarg, err)) < 0)
				return r;
			break;
		case OPT_BIND:
			if ((r = split_bind(out->overlay, "bind", "--bind", optarg, err)) < 0)
				return r;
			break;
		case OPT_DEV_BIND:
			if ((r = split_bind(out->overlay, "dev-bind", "--dev-bind", optarg, err)) < 0)
				return r;
			break;
		case OPT_TMPFS: {
			json_object *m = json_object_new_object();
			vj_json_add_string(m, "type", "tmpfs");
			vj_json_add_string(m, "target", optarg);
			vj_json_tag_file(m, "--tmpfs", true);
			json_object_array_add(vj_overlay_array(out->overlay, "filesystem.mounts"), m);
			break;
		}
		case OPT_UID: vj_overlay_set(out->overlay, "user.uid", id_value(optarg), "--uid"); break;
		case OPT_GID: vj_overlay_set(out->overlay, "user.gid", id_value(optarg), "--gid"); break;
		case OPT_HOSTNAME:
			vj_overlay_set(out->overlay, "hostname", json_object_new_string(optarg), "--hostname");
			break;
		case OPT_ENV: {
			const char *eq = strchr(optarg, '=');
			if (!eq || eq == optarg)
				return vj_error_setx(err, EINVAL, "--env %s: expected NAME=VALUE", optarg);
			_cleanup_free_ char *key = vj_xasprintf("environment.set.%.*s", (int)(eq - optarg), optarg);
			if (strchr(key + strlen("environment.set."), '.'))
				return vj_error_setx(err, EINVAL, "--env %s: invalid variable name", optarg);
			vj_overlay_set(out->overlay, key, json_object_new_string(eq + 1), "--env");
			break;
		}
		case OPT_KEEP_FD: {
			uint64_t fd;
			if (vj_parse_u64(optarg, &fd) < 0 || fd < 3 || fd > INT32_MAX)
				return vj_error_setx(err, EINVAL, "--keep-fd %s: expected a file descriptor number >= 3",
						     optarg);
			if (fcntl((int)fd, F_GETFD) < 0)
				return vj_error_set(err, errno, "--keep-fd %s", optarg);
			json_object *v = json_object_new_int64((int64_t)fd);
			vj_json_tag_file(v, "--keep-fd", true);
			json_object_array_add(vj_overlay_array(out->overlay, "process.keep_fds"), v);
			break;
		}
		case OPT_NET: vj_overlay_set(out->overlay, "network", json_object_new_string(optarg), "--net"); break;
		case OPT_CHDIR:
			vj_overlay_set(out->overlay, "process.chdir", json_object_new_string(optarg), "--chdir");
			break;
		case OPT_WAIT:
			vj_overlay_set(out->overlay, "process.wait", json_object_new_string(optarg), "--wait");
			break;
		case OPT_INFO_FD: {
			uint64_t fd;
			if (vj_parse_u64(optarg, &fd) < 0 || fd > INT32_MAX)
				return vj_error_setx(err, EINVAL, "--info-fd %s: expected a file descriptor number", optarg);
			if (fcntl((int)fd, F_GETFD) < 0)
				return vj_error_set(err, errno, "--info-fd %s", optarg);
			out->opts.info_fd = (int)fd;
			break;
		}
		case OPT_EXEC: out->opts.exec_inplace = true; break;
		case OPT_STATE_DIR: out->opts.state_dir = optarg; break;
		case OPT_KEEP_ALL_FDS: out->opts.keep_all_fds = true; break;
		case OPT_LOG_LEVEL: {
			enum vj_log_level lvl;
			if (vj_log_level_from_string(optarg, &lvl) < 0)
				return vj_error_setx(err, EINVAL,
						     "--log-level %s: expected error, warning, notice, info or debug", optarg);
			vj_log_set_level(lvl);
			break;
		}
		case OPT_LOG_JSON: vj_log_set_json(true); break;
		case 'h':
		case OPT_HELP: out->help = true; return 0;
		case '?':
			if (optopt)
				return vj_error_setx(err, EINVAL, "%s: unknown option", opt);
			return vj_error_setx(err, EINVAL, "%s: unknown option (see --help)", opt);
		case ':':
			return vj_error_setx(err, EINVAL, "%s: missing argument", opt);
		default:
			if (c >= OPT_ENGINE_BASE && c < OPT_ENGINE_BASE + (int)n_engine) {
				const struct vj_cli_option *o = engine_opt[c - OPT_ENGINE_BASE];
				r = o->apply(out->overlay, o->arg ? optarg : NULL, err);
				if (r < 0)
					return r;
				break;
			}
			return vj_error_setx(err, EINVAL, "%s: unknown option", opt);
		}
	}
	/* getopt_long reports a missing argument as '?' with opterr off;
	 * the message above covers it. */
	if (optind < argc && vj_streq(argv[optind - 1], "--"))
		out->opts.argv = &argv[optind];
	else if (optind < argc)
		out->opts.argv = &argv[optind];
	return 0;
}

void vj_cli_run_free(struct vj_cli_run *c)
{
	vj_json_putp(&c->overlay);
}

/* The LSM engine's table, until it provides one. */
__attribute__((weak)) const struct vj_cli_option vj_lsm_cli_options[] = { { 0 } };
