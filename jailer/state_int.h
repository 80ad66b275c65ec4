/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * state_int.h - what state.c, state_gc.c, state_cmd.c and state_stop.c
 * share, and what the unit tests reach: id checks, the state root, atomic
 * writes, lock probes, reading one jail's record, removing leftovers.
 *
 * Layout of the state root (see state.c for the theory of operation):
 *
 *   ROOT/                  0700, ours, not group/world-writable
 *   ROOT/ID/               0700, one per jail
 *   ROOT/ID/lock           flock(LOCK_EX) held by the supervisor; content
 *                          "PID STARTTIME\n" of the holder (identifies it)
 *   ROOT/ID/state.json     written atomically (state.json.tmp + rename)
 *   ROOT/ID/summary.json   the fields list shows, same shape, rewritten
 *                          (atomically) after each state.json
 *   ROOT/ID/log            the supervisor's log, JSON lines
 */
#ifndef VJ_STATE_INT_H
#define VJ_STATE_INT_H

#include <json.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "state.h"

#define VJ_STATE_ID_MAX 64
#define VJ_STATE_FILE "state.json"
#define VJ_STATE_SUMMARY "summary.json" /* what list reads: state.json's list fields */
#define VJ_STATE_LOCK "lock"
#define VJ_STATE_LOG "log"
#define VJ_STATE_MAX_JSON (1 << 20)

/* Write data to dirfd/name atomically: NAME.tmp, fsync, rename, fsync of
 * the directory. */
int vj_state_write_atomic(int dirfd, const char *name, const char *data, size_t len,
			  struct vj_error *err);
/* Read a regular file below dirfd without following a symlink. */
int vj_state_read_at(int dirfd, const char *name, size_t max, char **out);

/* True when pid runs and started at starttime (0 = unknown: then only
 * existence is checked). */
bool vj_state_pid_is(pid_t pid, uint64_t starttime);

enum vj_state_liveness {
	VJ_STATE_GONE,  /* no such directory */
	VJ_STATE_LIVE,  /* its lock is held */
	VJ_STATE_STALE, /* its lock is free: the supervisor is dead */
};
/* Probe the lock of ROOT/ID without keeping it (a shared lock taken and
 * dropped at once; a racing acquire treats that as a transient holder). */
enum vj_state_liveness vj_state_probe(int rootfd, const char *id);

/* One jail as list/status/stop see it. */
struct vj_state_info {
	char id[VJ_STATE_ID_MAX + 1];
	enum vj_state_liveness live;
	json_object *doc;          /* state.json, or NULL when unreadable */
	const char *status;        /* "starting" | "running" | "exited" (from doc) */
	const char *profile;
	pid_t supervisor_pid;
	uint64_t supervisor_starttime;
	pid_t pid;                 /* PROGRAM's host pid, 0 = not yet */
	double started_at;         /* epoch seconds, 0 = unknown */
	int64_t memory;            /* bytes from the cgroup, -1 = unknown */
	const char *qmp_socket;    /* first QMP socket, or NULL */
};
void vj_state_info_free(struct vj_state_info *i);
/* Load ROOT/ID: liveness, state.json, memory use. -ENOENT when the jail
 * does not exist. */
int vj_state_info_load(int rootfd, const char *id, struct vj_state_info *out, struct vj_error *err);
/* The same from summary.json (list): doc holds only the listed fields. */
int vj_state_info_load_brief(int rootfd, const char *id, struct vj_state_info *out, struct vj_error *err);
/* The info as JSON (list --json, status --json). Caller owns. */
json_object *vj_state_info_to_json(const struct vj_state_info *i);

/* Remove what a dead jail left, as recorded in its state.json (doc may be
 * NULL): its QMP sockets (sockets only, ours only), its cgroups (processes
 * killed first). Each removal is appended to notices as one line. */
void vj_state_clean_leftovers(json_object *doc, char ***notices);
/* Unlink every entry of the jail directory dfd except the lock. */
void vj_state_clear_dir(int dfd);
/* gc of one id: take its lock (non-blocking), remove the leftovers and
 * the directory. Returns 1 when removed, 0 when it is live (left alone),
 * -ENOENT when absent, else -errno. */
int vj_state_gc_one(int rootfd, const char *id, char ***notices, struct vj_error *err);

/* Monotonic milliseconds, and a short sleep for lock polls. */
void vj_state_nap_ms(int ms);

/* A minimal QMP client (state_stop.c): connect to path, negotiate, run
 * execute (args may be NULL), store the reply ("return" value, or NULL
 * for an error with its "desc" in err) within timeout_ms. */
int vj_state_qmp_exec(const char *path, const char *execute, json_object *args, int timeout_ms,
		      json_object **reply, struct vj_error *err);

#endif
