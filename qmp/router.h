/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * router.h - id rewriting: every command sent upstream carries an id the
 * proxy chose (a counter), so replies find their way back to the client
 * that sent the command, whatever id that client used (any JSON value, a
 * value another client also uses, or none).
 *
 * Theory of operation: on the way up, the client's "id" member is taken
 * out of the command (kept by reference) and replaced with the next
 * number; the record {number, owner, original id} waits in a list. On the
 * way down, the reply's "id" is looked up; the record is unlinked, and the
 * original id put back (or the member removed when the client gave none).
 * A reply whose id is unknown is the target's fault. An owner that goes
 * away leaves its records behind with no owner: their replies are
 * discarded.
 */
#ifndef VJ_QMP_ROUTER_H
#define VJ_QMP_ROUTER_H

#include <json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vj_qmp_pending {
	struct vj_qmp_pending *next;
	uint64_t upid;
	void *owner;          /* NULL: discard the reply */
	json_object *orig_id; /* owned; NULL when the client gave no id */
	bool has_id;
	int tag;              /* the caller's (what kind of command) */
	bool sent;            /* the caller's: written upstream */
	char *aux;            /* the caller's, freed with the record */
	bool oob;             /* the caller's: exec-oob */
};

struct vj_qmp_router {
	struct vj_qmp_pending *head;
	uint64_t next;
	size_t n;
};

/* Replace cmd's "id" with a fresh one; returns the record (never NULL). */
struct vj_qmp_pending *vj_qmp_route_up(struct vj_qmp_router *r, json_object *cmd, void *owner, int tag);
/* Match a reply: unlink its record and restore the client's id in reply.
 * NULL when the reply has no id or one the router never gave. */
struct vj_qmp_pending *vj_qmp_route_down(struct vj_qmp_router *r, json_object *reply);
/* A reply without an id (QEMU could not read the command's id): it belongs
 * to the oldest in-band command upstream, p (QEMU answers those in order).
 * Unlink p and give reply the client's id. */
void vj_qmp_route_take(struct vj_qmp_router *r, struct vj_qmp_pending *p, json_object *reply);
/* Unlink and free a record that will never get a reply (never sent). */
void vj_qmp_route_drop(struct vj_qmp_router *r, struct vj_qmp_pending *p);
void vj_qmp_pending_free(struct vj_qmp_pending *p);
/* owner is gone: its records stay (the replies will come) with no owner. */
void vj_qmp_router_forget(struct vj_qmp_router *r, void *owner);
void vj_qmp_router_clear(struct vj_qmp_router *r);

#endif
