/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * framer.h - split a QMP byte stream into JSON values.
 *
 * Theory of operation: QMP is a stream of JSON values with no delimiter
 * between them. A small scanner tracks just enough of the JSON grammar to
 * see where each top-level value ends: strings (double- and, as QEMU
 * accepts them, single-quoted, with escapes), and the depth of {} and [].
 * Each complete value is handed to a callback as one frame, which the
 * caller then parses with json-c. The scanner never looks at a byte twice:
 * a frame split across reads is kept in a buffer that grows only up to the
 * size limit, and is freed as soon as it is empty (idle connections hold
 * no buffer).
 *
 * Errors are frames too: a lexical error (0xFF, a control character, a
 * stray closing bracket, nesting too deep) drops the partial value and
 * resynchronises at the next byte, as QEMU's own lexer does; a value
 * larger than the limit is reported as VJ_QMP_FRAME_OVERSIZE (the caller
 * closes the connection).
 */
#ifndef VJ_QMP_FRAMER_H
#define VJ_QMP_FRAMER_H

#include <json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VJ_QMP_MAX_NESTING 1024

enum vj_qmp_frame_kind {
	VJ_QMP_FRAME_VALUE,    /* data/len: one complete top-level value */
	VJ_QMP_FRAME_ERROR,    /* data: a message for "JSON parse error, %s" */
	VJ_QMP_FRAME_OVERSIZE, /* a value grew past the limit */
};

struct vj_qmp_frame {
	enum vj_qmp_frame_kind kind;
	const char *data;
	size_t len;
	bool quirks; /* single quotes or \' escapes: see vj_qmp_json_parse */
};

/* Return < 0 to stop feeding (e.g. the connection was closed); the framer
 * must then not be fed again without vj_qmp_framer_reset(). */
typedef int (*vj_qmp_frame_fn)(void *opaque, const struct vj_qmp_frame *fr);

struct vj_qmp_framer {
	char *buf;         /* the start of a value split across feeds */
	size_t len, cap;
	size_t max;        /* largest value accepted, bytes */
	size_t cur;        /* bytes of the current value seen so far */
	uint32_t depth;
	uint8_t state;
	bool quirks;
};

void vj_qmp_framer_init(struct vj_qmp_framer *f, size_t max);
void vj_qmp_framer_reset(struct vj_qmp_framer *f); /* drop partial input, free */
/* Scan len bytes; returns 0, the callback's negative value, or -ENOMEM. */
int vj_qmp_framer_feed(struct vj_qmp_framer *f, const char *data, size_t len,
		       vj_qmp_frame_fn fn, void *opaque);
static inline bool vj_qmp_framer_idle(const struct vj_qmp_framer *f) { return f->cur == 0; }

/* Parse one frame strictly with json-c (UTF-8 validated, depth-limited;
 * QEMU's single-quoted strings and \' escapes are translated first when
 * fr->quirks is set). On failure returns NULL and sets *why to json-c's
 * description, the text QEMU's "JSON parse error, ..." carries. */
json_object *vj_qmp_json_parse(json_tokener *tok, const struct vj_qmp_frame *fr, const char **why);
json_tokener *vj_qmp_tokener_new(void);

#endif
