/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * state.h - the jails' registry, without a daemon: one state directory per
 * live jail (/run/vmjail/<id>/ as root, $XDG_RUNTIME_DIR/vmjail/<id>/
 * otherwise), a lock held by its supervisor for the jail's life, a
 * state.json written atomically, a per-jail log; and the commands that
 * read them (list, status, stop, kill, gc).
 */
#ifndef VJ_STATE_H
#define VJ_STATE_H

#include <json.h>
#include <sys/types.h>

#include "error.h"

struct vj_plan;
struct vj_state;

/* The root of the state directories: override (--state-dir) or the
 * default for this caller. Caller frees. */
char *vj_state_root(const char *override);

/* 0, or -EINVAL with "jail id "...": reason" in err. */
int vj_state_id_check(const char *id, struct vj_error *err);

/* Open (creating it 0700 when create) the state root; refuse one that is
 * not a directory, not ours, or group/world-writable. Returns an
 * O_DIRECTORY fd or -errno (-ENOENT when !create and it does not exist). */
int vj_state_root_open(const char *root, bool create, struct vj_error *err);

/* Process identity: field 22 of /proc/PID/stat (clock ticks since boot),
 * or 0 when the process does not exist. The caller's own is read once and
 * kept: the runtime reads it before it starts a thread (launch.c). */
uint64_t vj_state_proc_starttime(pid_t pid);

/* Host preparation, first step: create <root>/<id>, take its lock (held
 * through the returned object; the fd is close-on-exec and never reaches
 * the jail). A directory whose lock is free belongs to a dead jail: its
 * leftovers are removed first and each removal is reported in notices.
 * A live jail with the same id -> error "jail ID is running (pid N)". */
int vj_state_acquire(const struct vj_plan *plan, const char *root_override, struct vj_state **out,
		     char ***notices, struct vj_error *err);
const char *vj_state_dir(const struct vj_state *st);
/* The state root's directory fd (owned by st), or -1. */
int vj_state_root_fd(const struct vj_state *st);
/* The jail's own directory fd (owned by st, locked), or -1. */
int vj_state_dir_fd(const struct vj_state *st);
/* The per-jail log (append-only, JSON lines), or -1. */
int vj_state_log_fd(const struct vj_state *st);
/* PROGRAM started: rec is the info-fd start record (pids, namespaces,
 * cgroup, qmp sockets, layers); state.json is rewritten atomically. */
void vj_state_started(struct vj_state *st, json_object *rec);
/* PROGRAM exited: rec is the exit record. */
void vj_state_exited(struct vj_state *st, json_object *rec);
/* The jail is over: remove the directory, drop the lock, free. */
void vj_state_release(struct vj_state *st);

/* Resolve a jail id to its QMP socket path (for `vmjail qmp ID`), or
 * NULL. Caller frees. */
char *vj_state_qmp_socket(const char *root_override, const char *id);

/* Commands: argv[0] is the command name. */
int vj_cmd_list(int argc, char **argv);
int vj_cmd_status(int argc, char **argv);
int vj_cmd_stop(int argc, char **argv);
int vj_cmd_kill(int argc, char **argv);
int vj_cmd_gc(int argc, char **argv);

#endif
