/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * state_cmd.c - `vmjail list`, `vmjail status` and `vmjail gc`.
 *
 * Theory of operation: list and status read files only (state_info.c):
 * one directory walk of the state root, then per jail a lock probe, one
 * state.json and one cgroup counter; no process is spawned or signalled,
 * so listing hundreds of jails costs milliseconds. status adds one QMP
 * exchange (query-status, bounded by a timeout) when the jail has a
 * monitor. gc takes each stale jail's lock and removes what it left
 * (state_gc.c); a live jail's lock cannot be taken, so gc never touches
 * one.
 *
 * A live directory without state.json is a jail between taking its lock
 * and writing its record, or one removing itself: list skips it.
 */
#include "state.h"
#include "state_int.h"
#include "jsonw.h"
#include "log.h"

#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The ids below the root, sorted; NULL with *rootfd = -1 when there is no
 * root yet (no jail ever ran). */
static int read_ids(const char *state_dir, int *rootfd, char ***ids, struct vj_error *err)
{
	*rootfd = -1;
	*ids = NULL;
	_cleanup_free_ char *root = vj_state_root(state_dir);
	if (!root)
		return vj_error_set(err, ENOMEM, "state");
	int r = vj_state_root_open(root, false, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	*rootfd = r;
	int fd2 = openat(*rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd2 >= 0 ? fdopendir(fd2) : NULL;
	if (!d) {
		r = -errno;
		if (fd2 >= 0)
			close(fd2);
		return vj_error_set(err, r, "%s", root);
	}
	struct dirent *de;
	struct vj_error ignored;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (vj_state_id_check(de->d_name, &ignored) < 0)
			continue;
		if (vj_strv_push(ids, de->d_name) < 0) {
			closedir(d);
			return vj_error_set(err, ENOMEM, "state");
		}
	}
	closedir(d);
	size_t n = vj_strv_len(*ids);
	if (n > 1)
		qsort(*ids, n, sizeof(char *), cmp_str);
	return 0;
}

static void fmt_uptime(char *buf, size_t size, double s)
{
	long long t = (long long)s;
	if (t < 60)
		snprintf(buf, size, "%llds", t);
	else if (t < 3600)
		snprintf(buf, size, "%lldm%02llds", t / 60, t % 60);
	else if (t < 86400)
		snprintf(buf, size, "%lldh%02lldm", t / 3600, t / 60 % 60);
	else
		snprintf(buf, size, "%lldd%02lldh", t / 86400, t / 3600 % 24);
}

static void fmt_bytes(char *buf, size_t size, int64_t b)
{
	static const char units[] = "BKMGT";
	double v = (double)b;
	size_t u = 0;
	while (v >= 1024 && u < sizeof(units) - 2) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%lldB", (long long)b);
	else
		snprintf(buf, size, "%.1f%c", v, units[u]);
}

/* One row of the table: ID STATUS PROFILE PID UPTIME MEMORY QMP. */
#define N_COLS 7
static void row_of(const struct vj_state_info *i, char cells[N_COLS][256])
{
	snprintf(cells[0], 256, "%s", i->id);
	snprintf(cells[1], 256, "%s", i->live == VJ_STATE_STALE ? "stale" : i->status);
	snprintf(cells[2], 256, "%s", i->profile ? i->profile : "-");
	if (i->pid > 0)
		snprintf(cells[3], 256, "%d", (int)i->pid);
	else
		snprintf(cells[3], 256, "-");
	_cleanup_json_ json_object *o = vj_state_info_to_json(i);
	json_object *up;
	if (json_object_object_get_ex(o, "uptime", &up) && up)
		fmt_uptime(cells[4], 256, json_object_get_double(up));
	else
		snprintf(cells[4], 256, "-");
	if (i->memory >= 0)
		fmt_bytes(cells[5], 256, i->memory);
	else
		snprintf(cells[5], 256, "-");
	snprintf(cells[6], 256, "%s", i->qmp_socket ? i->qmp_socket : "-");
}

static void print_table(char (*cells)[N_COLS][256], size_t n)
{
	static const char *const heads[N_COLS] = { "ID", "STATUS", "PROFILE", "PID", "UPTIME", "MEMORY", "QMP" };
	size_t w[N_COLS];
	for (int c = 0; c < N_COLS; c++) {
		w[c] = strlen(heads[c]);
		for (size_t r = 0; r < n; r++)
			if (strlen(cells[r][c]) > w[c])
				w[c] = strlen(cells[r][c]);
	}
	for (int c = 0; c < N_COLS - 1; c++)
		printf("%-*s  ", (int)w[c], heads[c]);
	printf("%s\n", heads[N_COLS - 1]);
	for (size_t r = 0; r < n; r++) {
		for (int c = 0; c < N_COLS - 1; c++)
			printf("%-*s  ", (int)w[c], cells[r][c]);
		printf("%s\n", cells[r][N_COLS - 1]);
	}
}

enum { OPT_JSON = 0x100, OPT_STATE_DIR };

int vj_cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *state_dir = NULL;
	bool json = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON: json = true; break;
		case OPT_STATE_DIR: state_dir = optarg; break;
		case 'h':
			printf("usage: vmjail list [--json] [--state-dir DIR]\n"
			       "  Every jail: id, status (running, starting, exited, stale), profile, pid,\n"
			       "  uptime, memory, QMP socket. Stale jails died without cleaning up:\n"
			       "  `vmjail gc` removes them.\n");
			return 0;
		default: return VJ_EXIT_FAILURE;
		}
	}
	if (optind != argc) {
		vj_error("list: unexpected argument %s", argv[optind]);
		return VJ_EXIT_FAILURE;
	}
	struct vj_error err = { 0 };
	_cleanup_close_ int rootfd = -1;
	_cleanup_strv_ char **ids = NULL;
	if (read_ids(state_dir, &rootfd, &ids, &err) < 0) {
		vj_error("list: %s", err.msg);
		return VJ_EXIT_FAILURE;
	}
	size_t n = vj_strv_len(ids), rows = 0;
	_cleanup_json_ json_object *arr = json ? json_object_new_array() : NULL;
	_cleanup_free_ char(*cells)[N_COLS][256] = json ? NULL : calloc(n ? n : 1, sizeof(*cells));
	if (!json && !cells) {
		vj_error("list: out of memory");
		return VJ_EXIT_FAILURE;
	}
	for (size_t k = 0; k < n; k++) {
		struct vj_state_info info;
		struct vj_error e2 = { 0 };
		if (vj_state_info_load_brief(rootfd, ids[k], &info, &e2) < 0)
			continue; /* removed meanwhile */
		if (info.live == VJ_STATE_LIVE && !info.doc) {
			vj_state_info_free(&info);
			continue;
		}
		if (json)
			json_object_array_add(arr, vj_state_info_to_json(&info));
		else
			row_of(&info, cells[rows++]);
		vj_state_info_free(&info);
	}
	if (json)
		return vj_json_write(STDOUT_FILENO, arr, isatty(STDOUT_FILENO)) < 0 ? VJ_EXIT_FAILURE : 0;
	print_table(cells, rows);
	fflush(stdout);
	return 0;
}

static void print_kv(const char *k, const char *v)
{
	printf("%-16s%s\n", k, v ? v : "-");
}

static const char *obj_str(json_object *o, const char *key)
{
	json_object *v;
	return o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : NULL;
}

/* A list of strings or numbers as "a b c" (none: empty), or a string as
 * it is ("any"). */
static void join_list(char *buf, size_t size, json_object *v, const char *none)
{
	buf[0] = '\0';
	if (v && json_object_is_type(v, json_type_string)) {
		snprintf(buf, size, "%s", json_object_get_string(v));
		return;
	}
	size_t n = v && json_object_is_type(v, json_type_array) ? json_object_array_length(v) : 0;
	for (size_t i = 0, off = 0; i < n && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%s", i ? " " : "",
					json_object_get_string(json_object_array_get_idx(v, i)));
	if (!n)
		snprintf(buf, size, "%s", none);
}

/* The LSM layers as the start record says they applied: one line each. */
static void print_lsm(json_object *doc)
{
	json_object *lsm;
	if (!doc || !json_object_object_get_ex(doc, "lsm", &lsm) || !json_object_is_type(lsm, json_type_object))
		return;
	static const char *const layers[] = { "selinux", "apparmor", "landlock" };
	for (size_t i = 0; i < ARRAY_SIZE(layers); i++) {
		json_object *l, *v;
		if (!json_object_object_get_ex(lsm, layers[i], &l) || !json_object_is_type(l, json_type_object))
			continue;
		char key[32], line[1024], a[256], b[256];
		snprintf(key, sizeof(key), "%s:", layers[i]);
		bool applied = json_object_object_get_ex(l, "applied", &v) && json_object_get_boolean(v);
		if (!applied) {
			snprintf(line, sizeof(line), "not applied (wanted %s): %s", obj_str(l, "wanted") ?: "?",
				 obj_str(l, "reason") ?: "-");
		} else if (i == 0) {
			json_object *n;
			snprintf(line, sizeof(line), "applied, %s, context %s, files %s (%d relabelled)",
				 obj_str(l, "mode") ?: "?", obj_str(l, "context") ?: "-", obj_str(l, "file_context") ?: "-",
				 json_object_object_get_ex(l, "relabelled", &n) ? json_object_get_int(n) : 0);
		} else if (i == 1) {
			json_object *g;
			bool gen = json_object_object_get_ex(l, "generated", &g) && json_object_get_boolean(g);
			snprintf(line, sizeof(line), "applied, profile %s (%s)", obj_str(l, "profile") ?: "?",
				 gen ? "generated for this jail" : "named");
		} else {
			json_object *abi = NULL, *rules = NULL, *net = NULL, *bind = NULL, *conn = NULL, *sc = NULL;
			json_object_object_get_ex(l, "abi", &abi);
			json_object_object_get_ex(l, "rules", &rules);
			json_object_object_get_ex(l, "scoped", &sc);
			if (json_object_object_get_ex(l, "net", &net)) {
				json_object_object_get_ex(net, "tcp_bind", &bind);
				json_object_object_get_ex(net, "tcp_connect", &conn);
			}
			join_list(a, sizeof(a), bind, "no port");
			join_list(b, sizeof(b), conn, "no port");
			char scoped[256];
			join_list(scoped, sizeof(scoped), sc, "nothing");
			snprintf(line, sizeof(line), "applied, ABI %d, %zu path rules, TCP bind: %s, connect: %s, scoped: %s",
				 abi ? json_object_get_int(abi) : 0,
				 rules && json_object_is_type(rules, json_type_array) ? json_object_array_length(rules) : 0,
				 a, b, scoped);
		}
		print_kv(key, line);
	}
}

int vj_cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *state_dir = NULL;
	bool json = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON: json = true; break;
		case OPT_STATE_DIR: state_dir = optarg; break;
		case 'h':
			printf("usage: vmjail status [--json] [--state-dir DIR] ID\n"
			       "  One jail as list shows it, plus its state record and, when it has a QMP\n"
			       "  monitor, the target's status (query-status). Exit 1: no such jail.\n");
			return 0;
		default: return VJ_EXIT_FAILURE;
		}
	}
	if (optind != argc - 1) {
		vj_error("status: expected one jail ID (vmjail status [--json] ID)");
		return VJ_EXIT_FAILURE;
	}
	const char *id = argv[optind];
	struct vj_error err = { 0 };
	if (vj_state_id_check(id, &err) < 0) {
		vj_error("status: %s", err.msg);
		return VJ_EXIT_FAILURE;
	}
	_cleanup_free_ char *root = vj_state_root(state_dir);
	_cleanup_close_ int rootfd = root ? vj_state_root_open(root, false, &err) : -ENOMEM;
	if (rootfd == -ENOENT) {
		vj_error("status: no jail %s", id);
		return 1;
	}
	if (rootfd < 0) {
		vj_error("status: %s", root ? err.msg : "out of memory");
		return VJ_EXIT_FAILURE;
	}
	struct vj_state_info info;
	if (vj_state_info_load(rootfd, id, &info, &err) < 0) {
		vj_error("status: %s", err.msg);
		return 1;
	}
	_cleanup_json_ json_object *qs = NULL;
	struct vj_error qerr = { 0 };
	bool asked = info.live == VJ_STATE_LIVE && info.qmp_socket && vj_streq(info.status, "running");
	if (asked)
		vj_state_qmp_exec(info.qmp_socket, "query-status", NULL, 2000, &qs, &qerr);

	_cleanup_json_ json_object *o = vj_state_info_to_json(&info);
	if (json) {
		vj_json_add(o, "qmp_status", qs ? json_object_get(qs) : NULL);
		if (asked && !qs)
			vj_json_add_string(o, "qmp_error", qerr.msg);
		vj_json_add(o, "state", info.doc ? json_object_get(info.doc) : NULL);
		vj_state_info_free(&info);
		return vj_json_write(STDOUT_FILENO, o, isatty(STDOUT_FILENO)) < 0 ? VJ_EXIT_FAILURE : 0;
	}
	char cells[N_COLS][256];
	row_of(&info, cells);
	print_kv("id:", cells[0]);
	print_kv("status:", cells[1]);
	print_kv("profile:", cells[2]);
	print_kv("pid:", cells[3]);
	char sup[32] = "-";
	if (info.supervisor_pid > 0)
		snprintf(sup, sizeof(sup), "%d", (int)info.supervisor_pid);
	print_kv("supervisor pid:", sup);
	json_object *v;
	print_kv("started at:", json_object_object_get_ex(o, "started_at", &v) && v ? json_object_get_string(v) : NULL);
	print_kv("uptime:", cells[4]);
	print_kv("memory:", cells[5]);
	json_object *sub, *socks;
	if (info.doc && json_object_object_get_ex(info.doc, "qmp", &sub) &&
	    json_object_object_get_ex(sub, "sockets", &socks) && json_object_is_type(socks, json_type_array)) {
		for (size_t k = 0; k < json_object_array_length(socks); k++) {
			json_object *s = json_object_array_get_idx(socks, k), *p, *pol;
			if (!json_object_object_get_ex(s, "path", &p))
				continue;
			char line[512];
			snprintf(line, sizeof(line), "%s%s%s%s", json_object_get_string(p),
				 json_object_object_get_ex(s, "policy", &pol) ? " (policy " : "",
				 json_object_object_get_ex(s, "policy", &pol) ? json_object_get_string(pol) : "",
				 json_object_object_get_ex(s, "policy", &pol) ? ")" : "");
			print_kv("qmp socket:", line);
		}
	}
	if (info.doc && json_object_object_get_ex(info.doc, "cgroup", &sub) && json_object_is_type(sub, json_type_object)) {
		json_object_object_foreach(sub, key, val)
		{
			char k[64];
			snprintf(k, sizeof(k), "cgroup %s:", key);
			print_kv(k, json_object_get_string(val));
		}
	}
	print_lsm(info.doc);
	if (qs) {
		json_object *st;
		print_kv("qmp status:",
			 json_object_object_get_ex(qs, "status", &st) ? json_object_get_string(st)
								     : vj_json_to_string(qs, false));
	} else if (asked) {
		print_kv("qmp status:", qerr.msg);
	}
	if (info.doc && json_object_object_get_ex(info.doc, "exit", &sub))
		print_kv("exit:", vj_json_to_string(sub, false));
	vj_state_info_free(&info);
	fflush(stdout);
	return 0;
}

int vj_cmd_gc(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *state_dir = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_STATE_DIR: state_dir = optarg; break;
		case 'h':
			printf("usage: vmjail gc [--state-dir DIR] [ID...]\n"
			       "  Remove what dead jails left (stale state directories, their QMP sockets,\n"
			       "  cgroups, AppArmor profiles and SELinux labels and category pairs; also\n"
			       "  the LSM records of --exec runs), each removal reported. Live jails are\n"
			       "  left alone.\n");
			return 0;
		default: return VJ_EXIT_FAILURE;
		}
	}
	struct vj_error err = { 0 };
	_cleanup_close_ int rootfd = -1;
	_cleanup_strv_ char **ids = NULL;
	for (int k = optind; k < argc; k++)
		if (vj_state_id_check(argv[k], &err) < 0) {
			vj_error("gc: %s", err.msg);
			return VJ_EXIT_FAILURE;
		}
	if (read_ids(state_dir, &rootfd, &ids, &err) < 0) {
		vj_error("gc: %s", err.msg);
		return VJ_EXIT_FAILURE;
	}
	if (rootfd < 0)
		return 0;
	int code = 0;
	char **which = optind < argc ? argv + optind : ids;
	for (size_t k = 0; which && which[k]; k++) {
		_cleanup_strv_ char **notices = NULL;
		vj_error_clear(&err);
		int r = vj_state_gc_one(rootfd, which[k], &notices, &err);
		for (size_t m = 0; notices && notices[m]; m++)
			vj_notice("gc: %s", notices[m]);
		if (r == 0 && optind < argc)
			vj_notice("gc: jail %s is running: left alone", which[k]);
		if (r == -ENOENT && optind < argc) {
			vj_error("gc: no jail %s", which[k]);
			code = 1;
		} else if (r < 0 && r != -ENOENT) {
			vj_error("gc: %s", err.msg);
			code = 1;
		}
	}
	return code;
}
