/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz-qmp-framer - libFuzzer harness for the QMP stream framer
 * (qmp/framer.c) and the strict parse of its frames.
 *
 * The input's first byte picks a chunk size; the rest is the byte stream.
 * It is framed twice - in one feed, then in chunks of that size (as reads
 * from a socket split it) - and the two runs must yield the same frames,
 * kind by kind and byte by byte. Every frame is checked: a value is never
 * empty nor larger than the limit, an error has a message, nothing
 * follows an oversize report (the proxy closes that connection). Every
 * value goes through vj_qmp_json_parse(), which must return an object or
 * a reason. ASan and UBSan watch the buffers.
 *
 *   CC=clang meson setup build-fuzz -Dfuzz=true
 *   ninja -C build-fuzz tests/fuzz/fuzz-qmp-framer
 *   build-fuzz/tests/fuzz/fuzz-qmp-framer -max_total_time=60 tests/fuzz/corpus-qmp-framer
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "framer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_VALUE 4096 /* small, so that oversize is reached */
#define MAX_FRAMES 4096

struct rec {
	struct { int kind; char *data; size_t len; bool quirks; } f[MAX_FRAMES];
	size_t n;
	bool oversize;
	json_tokener *tok;
};

static int on_frame(void *opaque, const struct vj_qmp_frame *fr)
{
	struct rec *r = opaque;
	if (r->oversize)
		__builtin_trap(); /* fed on after a stop */
	switch (fr->kind) {
	case VJ_QMP_FRAME_VALUE: {
		const char *why = NULL;
		if (fr->len == 0 || fr->len > MAX_VALUE)
			__builtin_trap();
		json_object *o = vj_qmp_json_parse(r->tok, fr, &why);
		if (!o && (!why || !*why))
			__builtin_trap();
		json_object_put(o);
		break;
	}
	case VJ_QMP_FRAME_ERROR:
		if (!fr->data || !fr->len)
			__builtin_trap();
		break;
	case VJ_QMP_FRAME_OVERSIZE:
		r->oversize = true;
		break;
	default:
		__builtin_trap();
	}
	if (r->n < MAX_FRAMES) {
		r->f[r->n].kind = fr->kind;
		r->f[r->n].len = fr->kind == VJ_QMP_FRAME_OVERSIZE ? 0 : fr->len;
		r->f[r->n].data = r->f[r->n].len ? malloc(fr->len) : NULL;
		if (r->f[r->n].len)
			memcpy(r->f[r->n].data, fr->data, fr->len);
		r->f[r->n].quirks = fr->kind == VJ_QMP_FRAME_VALUE && fr->quirks;
		r->n++;
	}
	return r->oversize ? -1 : 0;
}

static void run(struct rec *r, const uint8_t *data, size_t size, size_t chunk)
{
	struct vj_qmp_framer f;
	vj_qmp_framer_init(&f, MAX_VALUE);
	for (size_t off = 0; off < size && !r->oversize; off += chunk) {
		size_t n = size - off < chunk ? size - off : chunk;
		int k = vj_qmp_framer_feed(&f, (const char *)data + off, n, on_frame, r);
		if (k < 0 && !r->oversize)
			__builtin_trap();
		if (f.len > MAX_VALUE)
			__builtin_trap(); /* the buffer stays bounded */
	}
	vj_qmp_framer_reset(&f);
}

static void clear(struct rec *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->f[i].data);
	r->n = 0;
	r->oversize = false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rec a, b;
	if (size < 1)
		return 0;
	size_t chunk = (size_t)data[0] % 17 + 1;
	data++;
	size--;
	if (!a.tok) {
		a.tok = vj_qmp_tokener_new();
		b.tok = vj_qmp_tokener_new();
	}
	run(&a, data, size, size ? size : 1);
	run(&b, data, size, chunk);
	if (a.n != b.n)
		__builtin_trap();
	for (size_t i = 0; i < a.n; i++)
		if (a.f[i].kind != b.f[i].kind || a.f[i].len != b.f[i].len || a.f[i].quirks != b.f[i].quirks ||
		    (a.f[i].len && memcmp(a.f[i].data, b.f[i].data, a.f[i].len) != 0))
			__builtin_trap();
	clear(&a);
	clear(&b);
	return 0;
}
