/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz-qmp-router - libFuzzer harness for the id rewriter (qmp/router.c)
 * as the proxy drives it.
 *
 * The input is a QMP stream from three clients taking turns (framed and
 * parsed as the proxy does, qmp/framer.c). Each JSON object is a command:
 * its id - any JSON value, a clash with another client's, or none - goes
 * through vj_qmp_route_up(); the rewritten command is serialised and
 * parsed back, as the target reads it, and must carry exactly the
 * router's number. The target then answers pending commands in an order
 * the input chooses (a byte of each message), sometimes with ids it was
 * never given (strings, negative, too large, missing), sometimes after
 * the owner left (vj_qmp_router_forget) or before the command was sent
 * (vj_qmp_route_drop). Checked: a reply finds exactly its own record,
 * with the client's id restored byte for byte (or no id when it gave
 * none); a made-up id finds nothing; the count of pending records stays
 * right; nothing leaks (ASan).
 *
 *   CC=clang meson setup build-fuzz -Dfuzz=true
 *   ninja -C build-fuzz tests/fuzz/fuzz-qmp-router
 *   build-fuzz/tests/fuzz/fuzz-qmp-router -max_total_time=60 tests/fuzz/corpus-qmp-router
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "framer.h"
#include "router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PENDING 64

struct expect {
	struct vj_qmp_pending *rec;
	uint64_t upid;
	char *id_text; /* the client's id, serialised; NULL: none */
	int owner;
	bool forgotten;
};

struct state {
	struct vj_qmp_router r;
	json_tokener *tok;
	struct expect e[MAX_PENDING];
	size_t n;
	unsigned turn;
	int owners[3];
};

static char *dup_json(json_object *o)
{
	size_t len;
	const char *s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
	char *d = malloc(len + 1);
	memcpy(d, s, len + 1);
	return d;
}

static void check_count(struct state *st)
{
	size_t n = 0;
	for (struct vj_qmp_pending *p = st->r.head; p; p = p->next)
		n++;
	if (n != st->r.n || n != st->n)
		__builtin_trap();
}

static void forget_expect(struct state *st, size_t i)
{
	free(st->e[i].id_text);
	memmove(&st->e[i], &st->e[i + 1], (st->n - i - 1) * sizeof(st->e[0]));
	st->n--;
}

/* The target answers pending command i (or an id it never got). */
static void answer(struct state *st, size_t i, unsigned how)
{
	json_object *reply = json_object_new_object();
	json_object_object_add(reply, "return", json_object_new_object());
	switch (how % 8) {
	case 0: /* a made-up id */
		json_object_object_add(reply, "id", json_object_new_uint64(st->r.next + 1 + how));
		break;
	case 1:
		json_object_object_add(reply, "id", json_object_new_string("1"));
		break;
	case 2:
		json_object_object_add(reply, "id", json_object_new_int64(-1 - (int64_t)how));
		break;
	default:
		json_object_object_add(reply, "id", json_object_new_uint64(st->e[i].upid));
		break;
	}
	struct vj_qmp_pending *p = vj_qmp_route_down(&st->r, reply);
	if (how % 8 < 3) {
		if (p)
			__builtin_trap(); /* matched an id the router never gave */
		json_object_put(reply);
		return;
	}
	if (p != st->e[i].rec)
		__builtin_trap();
	json_object *id = NULL;
	bool has = json_object_object_get_ex(reply, "id", &id);
	if (has != (st->e[i].id_text != NULL))
		__builtin_trap();
	if (has) {
		char *t = dup_json(id);
		if (strcmp(t, st->e[i].id_text) != 0)
			__builtin_trap();
		free(t);
	}
	if ((p->owner == NULL) != st->e[i].forgotten ||
	    (!st->e[i].forgotten && p->owner != &st->owners[st->e[i].owner]))
		__builtin_trap();
	/* A second reply with the same id finds nothing. */
	json_object *again = json_object_new_object();
	json_object_object_add(again, "id", json_object_new_uint64(st->e[i].upid));
	if (vj_qmp_route_down(&st->r, again))
		__builtin_trap();
	json_object_put(again);
	json_object_put(reply);
	vj_qmp_pending_free(p);
	forget_expect(st, i);
}

static void command(struct state *st, json_object *cmd, const struct vj_qmp_frame *fr)
{
	unsigned b = fr->len ? (unsigned char)fr->data[fr->len / 2] : 0;
	int owner = (int)(st->turn++ % 3);
	json_object *id = NULL;
	char *id_text = json_object_object_get_ex(cmd, "id", &id) ? dup_json(id) : NULL;
	struct vj_qmp_pending *p = vj_qmp_route_up(&st->r, cmd, &st->owners[owner], 0);
	/* What the target reads: the router's number as the id. */
	char *text = dup_json(cmd);
	struct vj_qmp_frame up = { .kind = VJ_QMP_FRAME_VALUE, .data = text, .len = strlen(text) };
	const char *why;
	json_object *back = vj_qmp_json_parse(st->tok, &up, &why);
	json_object *upid;
	if (!back || !json_object_object_get_ex(back, "id", &upid) || !json_object_is_type(upid, json_type_int) ||
	    json_object_get_uint64(upid) != p->upid)
		__builtin_trap();
	json_object_put(back);
	free(text);
	if (st->n == MAX_PENDING || b % 11 == 0) {
		/* Never sent (the client left while it was queued). */
		vj_qmp_route_drop(&st->r, p);
		free(id_text);
		check_count(st);
		return;
	}
	p->sent = true;
	st->e[st->n++] = (struct expect){ .rec = p, .upid = p->upid, .id_text = id_text, .owner = owner };
	check_count(st);
	if (b % 7 == 0) {
		/* This client leaves: its records stay, with no owner. */
		vj_qmp_router_forget(&st->r, &st->owners[owner]);
		for (size_t i = 0; i < st->n; i++)
			if (st->e[i].owner == owner)
				st->e[i].forgotten = true;
	}
	/* The target answers some pending commands, in any order. */
	for (unsigned k = b % 3; k > 0 && st->n; k--) {
		size_t i = (b * 31 + k) % st->n;
		answer(st, i, b + k);
		check_count(st);
	}
}

static int on_frame(void *opaque, const struct vj_qmp_frame *fr)
{
	struct state *st = opaque;
	const char *why;
	if (fr->kind != VJ_QMP_FRAME_VALUE)
		return fr->kind == VJ_QMP_FRAME_OVERSIZE ? -1 : 0;
	json_object *o = vj_qmp_json_parse(st->tok, fr, &why);
	if (o && json_object_is_type(o, json_type_object))
		command(st, o, fr);
	json_object_put(o);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static json_tokener *tok;
	if (!tok)
		tok = vj_qmp_tokener_new();
	struct state st = { .tok = tok };
	struct vj_qmp_framer f;
	vj_qmp_framer_init(&f, 65536);
	vj_qmp_framer_feed(&f, (const char *)data, size, on_frame, &st);
	vj_qmp_framer_reset(&f);
	/* The rest, in order, with the right ids. */
	while (st.n)
		answer(&st, 0, 3);
	check_count(&st);
	vj_qmp_router_clear(&st.r);
	return 0;
}
