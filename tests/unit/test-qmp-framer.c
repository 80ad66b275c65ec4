/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The QMP stream framer and strict parse (qmp/framer.c). */
#include "framer.h"
#include "util.h"
#include "tap.h"

#include <stdlib.h>

struct got {
	char frames[32][256];
	int kinds[32];
	bool quirks[32];
	int n;
};

static int collect(void *opaque, const struct vj_qmp_frame *fr)
{
	struct got *g = opaque;
	if (g->n < 32) {
		snprintf(g->frames[g->n], sizeof(g->frames[0]), "%.*s", (int)fr->len, fr->data);
		g->kinds[g->n] = fr->kind;
		g->quirks[g->n] = fr->quirks;
	}
	g->n++;
	return 0;
}

/* Feed s in pieces of step bytes. */
static struct got run(const char *s, size_t step, size_t max)
{
	struct got g = { 0 };
	struct vj_qmp_framer f;
	vj_qmp_framer_init(&f, max);
	size_t n = strlen(s);
	for (size_t i = 0; i < n; i += step)
		vj_qmp_framer_feed(&f, s + i, i + step > n ? n - i : step, collect, &g);
	vj_qmp_framer_reset(&f);
	return g;
}

static void framing(size_t step)
{
	struct got g = run("{\"execute\": \"a\"}{\"b\": [1, {\"c\": \"}]\\\"\"}]}\r\n  [1,2] \"s{\" 123 true ", step,
			   1 << 20);
	is_int(g.n, 6, "step %zu: six values", step);
	is_str(g.frames[0], "{\"execute\": \"a\"}", "step %zu: first object", step);
	is_str(g.frames[1], "{\"b\": [1, {\"c\": \"}]\\\"\"}]}", "step %zu: braces inside strings", step);
	is_str(g.frames[2], "[1,2]", "step %zu: array", step);
	is_str(g.frames[3], "\"s{\"", "step %zu: top-level string", step);
	is_str(g.frames[4], "123", "step %zu: number ended by a space", step);
}

int main(void)
{
	plan_no_plan();
	framing(1000);
	framing(1);
	framing(3);

	struct got g = run("{\"a\": \"x\xff{\"execute\": \"q\"}", 1000, 1 << 20);
	is_int(g.n, 2, "0xFF drops the partial value and resyncs");
	is_int(g.kinds[0], VJ_QMP_FRAME_ERROR, "... reported as an error");
	is_str(g.frames[1], "{\"execute\": \"q\"}", "... the next value is whole");

	g = run("{\"a\": \x01}{}", 1000, 1 << 20);
	is_int(g.kinds[0], VJ_QMP_FRAME_ERROR, "a control character is a lexical error");
	is_int(g.kinds[1], VJ_QMP_FRAME_ERROR, "... the rest of the value is stray");
	is_str(g.frames[2], "{}", "... then framing resumes");

	g = run("}{}", 1000, 1 << 20);
	is_int(g.kinds[0], VJ_QMP_FRAME_ERROR, "a stray '}' is an error");
	is_int(g.n, 2, "... and {} follows");

	g = run("{'a': 'it\\'s \"q\"'}", 1000, 1 << 20);
	ok(g.n == 1 && g.quirks[0], "single-quoted strings framed and flagged");
	json_tokener *tok = vj_qmp_tokener_new();
	const char *why = NULL;
	struct vj_qmp_frame fr = { .kind = VJ_QMP_FRAME_VALUE, .data = g.frames[0], .len = strlen(g.frames[0]),
				   .quirks = true };
	json_object *o = vj_qmp_json_parse(tok, &fr, &why);
	json_object *v = NULL;
	ok(o && json_object_object_get_ex(o, "a", &v) && !strcmp(json_object_get_string(v), "it's \"q\""),
	   "single quotes and \\' translated for json-c");
	json_object_put(o);

	char big[300];
	memset(big, 'a', sizeof(big));
	memcpy(big, "{\"x\": \"", 7);
	strcpy(big + 290, "\"}{}");
	g = run(big, 7, 100);
	is_int(g.kinds[0], VJ_QMP_FRAME_OVERSIZE, "a value over the limit is reported as oversize");

	char deep[1100 * 2 + 1];
	memset(deep, '[', 1100);
	memset(deep + 1100, ']', 1100);
	deep[2200] = '\0';
	g = run(deep, 1000, 1 << 20);
	is_int(g.kinds[0], VJ_QMP_FRAME_ERROR, "nesting deeper than 1024 is an error");

	/* The buffer exists only while a value is incomplete. */
	struct vj_qmp_framer f;
	struct got g2 = { 0 };
	vj_qmp_framer_init(&f, 1 << 20);
	vj_qmp_framer_feed(&f, "{\"a\":", 5, collect, &g2);
	ok(f.buf != NULL && !vj_qmp_framer_idle(&f), "a partial value is buffered");
	vj_qmp_framer_feed(&f, " 1}", 3, collect, &g2);
	ok(f.buf == NULL && vj_qmp_framer_idle(&f) && g2.n == 1, "... and freed once complete");

	const char *bad[] = { "{\"a\": }", "{\"a\": 1,}", "{\"a\": NaN}", "{\"a\": -Infinity}", "{\"a\": \"x\\u0000\"}", "{\"x\\u0000\": 1}", "{\"a\": \"\xc3\x28\"}", "tru" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct vj_qmp_frame b = { .kind = VJ_QMP_FRAME_VALUE, .data = bad[i], .len = strlen(bad[i]) };
		why = NULL;
		o = vj_qmp_json_parse(tok, &b, &why);
		ok(!o && why, "strict parse refuses %s (%s)", bad[i], why ? why : "-");
		json_object_put(o);
	}
	struct vj_qmp_frame n = { .kind = VJ_QMP_FRAME_VALUE, .data = "42", .len = 2 };
	o = vj_qmp_json_parse(tok, &n, &why);
	ok(o && json_object_get_int(o) == 42, "a bare number parses");
	json_object_put(o);
	json_tokener_free(tok);
	return done_testing();
}
