/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef VJ_NS_H
#define VJ_NS_H

#include "plan.h"

#include <pthread.h>
#include <semaphore.h>

/* clone/unshare flags for the namespaces the plan creates (the pid
 * namespace only in supervised mode). */
unsigned long vj_ns_clone_flags(const struct vj_plan *plan);
/* Parent: write setgroups=deny, uid_map and gid_map of pid (or "self"):
 * the jail's ids map to the caller's. */
int vj_ns_write_id_maps(pid_t pid, const struct vj_plan *plan, uid_t outer_uid, gid_t outer_gid,
			struct vj_error *err);
/* Child: hostname and the loopback interface. */
int vj_ns_setup_uts(const struct vj_plan *plan, struct vj_error *err);
int vj_ns_loopback_up(struct vj_error *err);

/* The jail's network namespace, made ahead by a thread of the supervisor
 * while it prepares the rest, or of the child while it builds the jail
 * (ns.c says when and why). */
struct vj_ns_ahead {
	pthread_t thread;
	sem_t done;   /* posted by the thread once fd is final */
	bool running; /* started, not joined */
	bool taken;   /* done waited for */
	int fd;       /* the namespace with lo up, until taken; -1 */
};
/* Supervisor: start the thread where the plan allows (no user
 * namespace); a no-op otherwise. Either start takes a vj_ns_ahead set
 * to { .fd = -1 }. */
void vj_ns_ahead_start(struct vj_ns_ahead *a, const struct vj_plan *plan);
/* Whether the child, in its user namespace, makes the namespace with a
 * thread of its own instead of the clone (ns.c). */
bool vj_ns_ahead_in_child(const struct vj_plan *plan);
/* Start the thread, unconditionally (the child's case). */
void vj_ns_ahead_begin(struct vj_ns_ahead *a);
/* Whether a result is still to be taken: the clone then goes on without
 * CLONE_NEWNET, and the namespace follows with GO. */
bool vj_ns_ahead_pending(const struct vj_ns_ahead *a);
/* Child: join the namespace made ahead (fd), or, when the thread made
 * none (fd -1), make one now and raise its lo. */
int vj_ns_join_ahead(int fd, struct vj_error *err);
/* Wait for the thread's result, not for its exit: the namespace's fd (the
 * caller's to close), or -1 when it made none (then the child makes its
 * own: vj_ns_join_ahead). */
int vj_ns_ahead_take(struct vj_ns_ahead *a);
/* Wait for the thread's exit (it holds every capability the supervisor
 * had until then): before the supervisor drops its own, and at teardown.
 * Takes (and closes) an fd nobody took. */
void vj_ns_ahead_join(struct vj_ns_ahead *a);

#endif
