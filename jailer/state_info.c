/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * state_info.c - one jail as `vmjail list`, `status`, `stop`, `kill` and
 * `qmp ID` see it: its liveness, its state.json, its memory use.
 *
 * Theory of operation: reading only, never spawning and never signalling,
 * so that `list` stays cheap at hundreds of jails (one openat of the
 * directory, one of its lock, a shared flock probe, one read of
 * state.json, one read of the cgroup's memory counter):
 *  1. the jail directory is opened O_NOFOLLOW below the root's fd;
 *  2. its lock is probed with flock(LOCK_SH|LOCK_NB), dropped at once: held
 *     (EWOULDBLOCK) means a supervisor lives; free means the jail is
 *     stale. The probe is what marks a jail stale - not a pid check, which
 *     a reused pid could fool;
 *  3. state.json is read (written atomically: old or new, never torn);
 *  4. for a live jail, memory use comes from the recorded cgroup:
 *     memory.current (v2) or memory.usage_in_bytes (v1 memory hierarchy).
 */
#include "state_int.h"
#include "jsonw.h"
#include "jsonp.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

static const char *get_str(json_object *o, const char *key)
{
	json_object *v;
	if (o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return NULL;
}

static int64_t get_int(json_object *o, const char *key)
{
	json_object *v;
	if (o && json_object_object_get_ex(o, key, &v) &&
	    (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)))
		return json_object_get_int64(v);
	return 0;
}

static double get_double(json_object *o, const char *key)
{
	json_object *v;
	if (o && json_object_object_get_ex(o, key, &v) &&
	    (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)))
		return json_object_get_double(v);
	return 0;
}

/* A counter file below a recorded cgroup path, which must lie below
 * /sys/fs/cgroup; -1 when unreadable. */
static int64_t read_counter(const char *dir, const char *file)
{
	if (!dir || !vj_path_is_normal_absolute(dir) || !vj_startswith(dir, "/sys/fs/cgroup/"))
		return -1;
	char path[4096];
	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return -1;
	/* The path comes from our own record and is normalised; cgroupfs
	 * holds no symlinks. */
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -1;
	char buf[32];
	ssize_t n = vj_read_full(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	uint64_t v;
	if (vj_parse_u64(buf, &v) < 0 || v > INT64_MAX)
		return -1;
	return (int64_t)v;
}

static int64_t memory_of(json_object *doc)
{
	json_object *cg;
	if (!doc || !json_object_object_get_ex(doc, "cgroup", &cg))
		return -1;
	int64_t m = read_counter(get_str(cg, "v2"), "memory.current");
	if (m < 0)
		m = read_counter(get_str(cg, "memory"), "memory.usage_in_bytes");
	return m;
}

static enum vj_state_liveness probe_dir(int dfd)
{
	_cleanup_close_ int lfd = openat(dfd, VJ_STATE_LOCK, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (lfd < 0)
		return VJ_STATE_STALE;
	if (flock(lfd, LOCK_SH | LOCK_NB) < 0)
		return errno == EWOULDBLOCK ? VJ_STATE_LIVE : VJ_STATE_STALE;
	return VJ_STATE_STALE; /* the close drops the probe's lock */
}

enum vj_state_liveness vj_state_probe(int rootfd, const char *id)
{
	_cleanup_close_ int dfd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? VJ_STATE_GONE : VJ_STATE_STALE;
	return probe_dir(dfd);
}

void vj_state_info_free(struct vj_state_info *i)
{
	if (i && i->doc)
		json_object_put(i->doc);
	if (i)
		i->doc = NULL;
}

static int load(int rootfd, const char *id, const char *file, struct vj_state_info *out, struct vj_error *err)
{
	memset(out, 0, sizeof(*out));
	out->memory = -1;
	int r = vj_state_id_check(id, err);
	if (r < 0)
		return r;
	snprintf(out->id, sizeof(out->id), "%s", id);
	_cleanup_close_ int dfd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		if (errno == ENOENT)
			return vj_error_setx(err, ENOENT, "no jail %s", id);
		return vj_error_set(err, errno, "jail %s: its state directory", id);
	}
	out->live = probe_dir(dfd);

	_cleanup_free_ char *text = NULL;
	if (vj_state_read_at(dfd, file, VJ_STATE_MAX_JSON, &text) == 0 ||
	    (!vj_streq(file, VJ_STATE_FILE) && vj_state_read_at(dfd, VJ_STATE_FILE, VJ_STATE_MAX_JSON, &text) == 0)) {
		json_object *doc = json_tokener_parse(text);
		if (doc && json_object_is_type(doc, json_type_object))
			out->doc = doc;
		else if (doc)
			json_object_put(doc);
	}
	json_object *doc = out->doc;
	out->status = get_str(doc, "status");
	if (!out->status)
		out->status = "starting";
	out->profile = get_str(doc, "profile");
	out->supervisor_pid = (pid_t)get_int(doc, "supervisor_pid");
	out->supervisor_starttime = (uint64_t)get_int(doc, "supervisor_starttime");
	out->pid = (pid_t)get_int(doc, "pid");
	out->started_at = get_double(doc, "started_at_epoch");
	json_object *qmp, *socks;
	if (doc && json_object_object_get_ex(doc, "qmp", &qmp) && json_object_object_get_ex(qmp, "sockets", &socks) &&
	    json_object_is_type(socks, json_type_array) && json_object_array_length(socks) > 0)
		out->qmp_socket = get_str(json_object_array_get_idx(socks, 0), "path");
	if (out->live == VJ_STATE_LIVE)
		out->memory = memory_of(doc);
	return 0;
}

int vj_state_info_load(int rootfd, const char *id, struct vj_state_info *out, struct vj_error *err)
{
	return load(rootfd, id, VJ_STATE_FILE, out, err);
}

int vj_state_info_load_brief(int rootfd, const char *id, struct vj_state_info *out, struct vj_error *err)
{
	return load(rootfd, id, VJ_STATE_SUMMARY, out, err);
}

json_object *vj_state_info_to_json(const struct vj_state_info *i)
{
	json_object *o = json_object_new_object();
	vj_json_add_string(o, "id", i->id);
	vj_json_add_string(o, "status", i->live == VJ_STATE_STALE ? "stale" : i->status);
	vj_json_add_bool(o, "stale", i->live == VJ_STATE_STALE);
	vj_json_add_string(o, "profile", i->profile);
	if (i->pid > 0)
		vj_json_add_int(o, "pid", i->pid);
	else
		vj_json_add(o, "pid", NULL);
	if (i->supervisor_pid > 0)
		vj_json_add_int(o, "supervisor_pid", i->supervisor_pid);
	else
		vj_json_add(o, "supervisor_pid", NULL);
	vj_json_add_string(o, "started_at", get_str(i->doc, "started_at"));
	if (i->started_at > 0 && i->live == VJ_STATE_LIVE) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		double up = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 - i->started_at;
		vj_json_add_double(o, "uptime", up > 0 ? (double)(int64_t)(up * 1000) / 1000 : 0);
	} else {
		vj_json_add(o, "uptime", NULL);
	}
	if (i->memory >= 0)
		vj_json_add_int(o, "memory", i->memory);
	else
		vj_json_add(o, "memory", NULL);
	vj_json_add_string(o, "qmp_socket", i->qmp_socket);
	return o;
}
