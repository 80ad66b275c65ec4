/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Id rewriting and reply routing; see router.h. */
#include "router.h"

#include <errno.h>
#include <stdlib.h>

struct vj_qmp_pending *vj_qmp_route_up(struct vj_qmp_router *r, json_object *cmd, void *owner, int tag)
{
	struct vj_qmp_pending *p = calloc(1, sizeof(*p));
	json_object *id;
	if (!p)
		abort();
	p->upid = ++r->next;
	p->owner = owner;
	p->tag = tag;
	if (json_object_object_get_ex(cmd, "id", &id)) {
		p->has_id = true;
		p->orig_id = json_object_get(id);
	}
	json_object_object_add(cmd, "id", json_object_new_uint64(p->upid));
	/* Append: replies mostly come in the order commands went up. */
	struct vj_qmp_pending **pp = &r->head;
	while (*pp)
		pp = &(*pp)->next;
	*pp = p;
	r->n++;
	return p;
}

struct vj_qmp_pending *vj_qmp_route_down(struct vj_qmp_router *r, json_object *reply)
{
	json_object *id;
	if (!json_object_object_get_ex(reply, "id", &id) || !json_object_is_type(id, json_type_int))
		return NULL;
	errno = 0;
	uint64_t upid = json_object_get_uint64(id);
	if (errno || upid == 0 || upid > r->next)
		return NULL;
	for (struct vj_qmp_pending **pp = &r->head; *pp; pp = &(*pp)->next) {
		struct vj_qmp_pending *p = *pp;
		if (p->upid != upid)
			continue;
		*pp = p->next;
		p->next = NULL;
		r->n--;
		if (p->has_id)
			json_object_object_add(reply, "id", json_object_get(p->orig_id));
		else
			json_object_object_del(reply, "id");
		return p;
	}
	return NULL;
}

void vj_qmp_route_take(struct vj_qmp_router *r, struct vj_qmp_pending *p, json_object *reply)
{
	for (struct vj_qmp_pending **pp = &r->head; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			p->next = NULL;
			r->n--;
			break;
		}
	if (p->has_id)
		json_object_object_add(reply, "id", json_object_get(p->orig_id));
}

void vj_qmp_pending_free(struct vj_qmp_pending *p)
{
	if (!p)
		return;
	json_object_put(p->orig_id);
	free(p->aux);
	free(p);
}

void vj_qmp_route_drop(struct vj_qmp_router *r, struct vj_qmp_pending *p)
{
	for (struct vj_qmp_pending **pp = &r->head; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			r->n--;
			break;
		}
	vj_qmp_pending_free(p);
}

void vj_qmp_router_forget(struct vj_qmp_router *r, void *owner)
{
	for (struct vj_qmp_pending *p = r->head; p; p = p->next)
		if (p->owner == owner)
			p->owner = NULL;
}

void vj_qmp_router_clear(struct vj_qmp_router *r)
{
	while (r->head) {
		struct vj_qmp_pending *p = r->head;
		r->head = p->next;
		vj_qmp_pending_free(p);
	}
	r->n = 0;
}
