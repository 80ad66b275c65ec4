/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The QMP stream framer; see framer.h for the theory of operation. */
#include "framer.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum {
	S_TOP,  /* between values */
	S_VAL,  /* inside an object or array */
	S_STR,  /* inside a "string" */
	S_STRE, /* after a backslash in a "string" */
	S_SQ,   /* inside a 'string' (QEMU extension) */
	S_SQE,  /* after a backslash in a 'string' */
	S_TOK,  /* a bare top-level token (number, literal, garbage) */
};

void vj_qmp_framer_init(struct vj_qmp_framer *f, size_t max)
{
	memset(f, 0, sizeof(*f));
	f->max = max;
}

void vj_qmp_framer_reset(struct vj_qmp_framer *f)
{
	free(f->buf);
	f->buf = NULL;
	f->len = f->cap = f->cur = 0;
	f->depth = 0;
	f->state = S_TOP;
	f->quirks = false;
}

static int stash(struct vj_qmp_framer *f, const char *p, size_t n)
{
	if (n == 0)
		return 0;
	if (f->len + n > f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 256;
		while (cap < f->len + n)
			cap *= 2;
		char *b = realloc(f->buf, cap);
		if (!b)
			return -ENOMEM;
		f->buf = b;
		f->cap = cap;
	}
	memcpy(f->buf + f->len, p, n);
	f->len += n;
	return 0;
}

/* The value that started at data[start] (or earlier, in f->buf) ends
 * before data[end]. */
static int emit_value(struct vj_qmp_framer *f, const char *data, size_t start, size_t end,
		      vj_qmp_frame_fn fn, void *opaque)
{
	struct vj_qmp_frame fr = { .kind = VJ_QMP_FRAME_VALUE, .quirks = f->quirks };
	int r;
	if (f->len) {
		r = stash(f, data + start, end - start);
		if (r < 0)
			return r;
		fr.data = f->buf;
		fr.len = f->len;
	} else {
		fr.data = data + start;
		fr.len = end - start;
	}
	f->cur = 0;
	f->depth = 0;
	f->state = S_TOP;
	f->quirks = false;
	r = fn(opaque, &fr);
	/* The buffer held one value; an idle connection keeps none. */
	free(f->buf);
	f->buf = NULL;
	f->len = f->cap = 0;
	return r;
}

static int emit_error(struct vj_qmp_framer *f, enum vj_qmp_frame_kind kind, const char *msg,
		      vj_qmp_frame_fn fn, void *opaque)
{
	struct vj_qmp_frame fr = { .kind = kind, .data = msg, .len = strlen(msg) };
	vj_qmp_framer_reset(f);
	return fn(opaque, &fr);
}

static inline bool is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Bytes that reset the lexer anywhere: 0xFF and ASCII control characters
 * other than the whitespace ones (qmp-spec: "Forcing the JSON parser into
 * known-good state"). */
static inline bool is_reset(unsigned char c)
{
	return c == 0xff || (c < 0x20 && !is_ws(c)) || c == 0x7f;
}

int vj_qmp_framer_feed(struct vj_qmp_framer *f, const char *data, size_t len,
		       vj_qmp_frame_fn fn, void *opaque)
{
	size_t start = 0; /* where the current value starts in data */
	int r;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)data[i];
		if (is_reset(c)) {
			if (c == 0x7f && (f->state == S_STR || f->state == S_SQ))
				goto in_value; /* DEL is fine inside strings */
			r = emit_error(f, VJ_QMP_FRAME_ERROR,
				       c == 0xff ? "stray '\\xFF'" : "stray control character", fn, opaque);
			if (r < 0)
				return r;
			continue;
		}
		if (f->state == S_TOP) {
			if (is_ws(c))
				continue;
			start = i;
			f->cur = 0;
			switch (c) {
			case '{':
			case '[':
				f->state = S_VAL;
				f->depth = 1;
				break;
			case '"':
				f->state = S_STR;
				break;
			case '\'':
				f->state = S_SQ;
				f->quirks = true;
				break;
			case '}':
			case ']':
				r = emit_error(f, VJ_QMP_FRAME_ERROR, c == '}' ? "stray '}'" : "stray ']'", fn,
					       opaque);
				if (r < 0)
					return r;
				continue;
			default:
				f->state = S_TOK;
				break;
			}
			goto count;
		}
	in_value:
		switch (f->state) {
		case S_VAL:
			if (c == '"') {
				f->state = S_STR;
			} else if (c == '\'') {
				f->state = S_SQ;
				f->quirks = true;
			} else if (c == '{' || c == '[') {
				if (++f->depth > VJ_QMP_MAX_NESTING) {
					r = emit_error(f, VJ_QMP_FRAME_ERROR, "nesting too deep", fn, opaque);
					if (r < 0)
						return r;
					continue;
				}
			} else if (c == '}' || c == ']') {
				if (--f->depth == 0)
					goto value_end;
			}
			break;
		case S_STR:
			if (c == '\\')
				f->state = S_STRE;
			else if (c == '"' && f->depth == 0)
				goto value_end;
			else if (c == '"')
				f->state = S_VAL;
			break;
		case S_STRE:
			if (c == '\'')
				f->quirks = true;
			f->state = S_STR;
			break;
		case S_SQ:
			if (c == '\\')
				f->state = S_SQE;
			else if (c == '\'' && f->depth == 0)
				goto value_end;
			else if (c == '\'')
				f->state = S_VAL;
			break;
		case S_SQE:
			f->state = S_SQ;
			break;
		case S_TOK:
			if (is_ws(c) || c == '{' || c == '[' || c == '}' || c == ']' || c == '"' || c == '\'') {
				r = emit_value(f, data, start, i, fn, opaque);
				if (r < 0)
					return r;
				i--; /* this byte starts the next value */
				continue;
			}
			break;
		}
	count:
		if (++f->cur > f->max) {
			r = emit_error(f, VJ_QMP_FRAME_OVERSIZE, "message too large", fn, opaque);
			if (r < 0)
				return r;
		}
		continue;
	value_end:
		if (++f->cur > f->max) {
			r = emit_error(f, VJ_QMP_FRAME_OVERSIZE, "message too large", fn, opaque);
			if (r < 0)
				return r;
			continue;
		}
		r = emit_value(f, data, start, i + 1, fn, opaque);
		if (r < 0)
			return r;
	}
	if (f->state != S_TOP && f->cur > 0)
		return stash(f, data + start, len - start);
	return 0;
}

/* QEMU accepts 'single-quoted' strings and \' in strings; json-c does not.
 * Rewrite both into standard JSON. */
static char *translate_quirks(const char *s, size_t n, size_t *outlen)
{
	char *o = malloc(n * 2 + 2);
	size_t k = 0;
	int st = S_VAL;
	if (!o)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		switch (st) {
		case S_VAL:
			if (c == '"')
				st = S_STR;
			else if (c == '\'') {
				st = S_SQ;
				c = '"';
			}
			o[k++] = c;
			break;
		case S_STR:
			if (c == '\\')
				st = S_STRE;
			else if (c == '"')
				st = S_VAL;
			if (st != S_STRE)
				o[k++] = c;
			break;
		case S_STRE:
			if (c != '\'')
				o[k++] = '\\';
			o[k++] = c;
			st = S_STR;
			break;
		case S_SQ:
			if (c == '\\')
				st = S_SQE;
			else if (c == '\'') {
				st = S_VAL;
				o[k++] = '"';
			} else if (c == '"') {
				o[k++] = '\\';
				o[k++] = '"';
			} else
				o[k++] = c;
			break;
		case S_SQE:
			if (c != '\'')
				o[k++] = '\\';
			o[k++] = c;
			st = S_SQ;
			break;
		}
	}
	o[k] = '\0';
	*outlen = k;
	return o;
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF. */
static bool utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned char c = s[i];
		size_t k;
		if (c < 0x80) {
			if (!c)
				return false;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			k = 1;
		else if (c >= 0xe0 && c <= 0xef)
			k = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			k = 3;
		else
			return false;
		if (n - i <= k)
			return false;
		for (size_t j = 1; j <= k; j++)
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
		if ((c == 0xe0 && s[i + 1] < 0xa0) || (c == 0xed && s[i + 1] >= 0xa0) ||
		    (c == 0xf0 && s[i + 1] < 0x90) || (c == 0xf4 && s[i + 1] >= 0x90))
			return false;
		i += k + 1;
	}
	return true;
}

/* What json-c accepts but QEMU does not (NaN, Infinity, NUL, lone
 * surrogates) must not reach the target: the proxy re-serialises what it
 * parsed, and QEMU would answer such input with an error it cannot route. */
static const char *check_tree(json_object *o, int depth)
{
	const char *why;
	switch (json_object_get_type(o)) {
	case json_type_double:
		return isfinite(json_object_get_double(o)) ? NULL : "invalid number";
	case json_type_string:
		return utf8_ok((const unsigned char *)json_object_get_string(o),
			       (size_t)json_object_get_string_len(o)) ? NULL : "invalid string";
	case json_type_array:
		for (size_t i = 0, n = json_object_array_length(o); i < n; i++)
			if ((why = check_tree(json_object_array_get_idx(o, i), depth + 1)))
				return why;
		return NULL;
	case json_type_object: {
		json_object_object_foreach(o, key, val) {
			if (!utf8_ok((const unsigned char *)key, strlen(key)))
				return "invalid string";
			if ((why = check_tree(val, depth + 1)))
				return why;
		}
		return NULL;
	}
	default:
		return NULL;
	}
}

/* "\u0000" inside a string: json-c cuts keys there; QEMU refuses it. */
static bool has_escaped_nul(const char *s, size_t n)
{
	if (!memmem(s, n, "u0000", 5))
		return false;
	bool in = false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			in = !in;
		else if (in && s[i] == '\\') {
			if (i + 5 < n && s[i + 1] == 'u' && !memcmp(s + i + 2, "0000", 4))
				return true;
			i++;
		}
	}
	return false;
}

json_tokener *vj_qmp_tokener_new(void)
{
	json_tokener *tok = json_tokener_new_ex(VJ_QMP_MAX_NESTING + 1);
	if (tok)
		json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	return tok;
}

json_object *vj_qmp_json_parse(json_tokener *tok, const struct vj_qmp_frame *fr, const char **why)
{
	const char *s = fr->data;
	size_t n = fr->len;
	char *tmp = NULL;
	json_object *o;
	if (n == 0 || n > INT32_MAX - 2) {
		*why = "expecting value";
		return NULL;
	}
	if (fr->quirks) {
		tmp = translate_quirks(s, n, &n);
		if (!tmp) {
			*why = "out of memory";
			return NULL;
		}
		s = tmp;
	} else if (s[0] != '{' && s[0] != '[' && s[0] != '"') {
		/* A bare number or literal needs a terminator to be complete. */
		tmp = malloc(n + 1);
		if (!tmp) {
			*why = "out of memory";
			return NULL;
		}
		memcpy(tmp, s, n);
		tmp[n] = '\0';
		s = tmp;
	}
	json_tokener_reset(tok);
	o = json_tokener_parse_ex(tok, s, (int)(tmp ? n + 1 : n));
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	if (!o || jerr != json_tokener_success || json_tokener_get_parse_end(tok) < n) {
		if (o)
			json_object_put(o);
		o = NULL;
		if (jerr == json_tokener_success)
			*why = "trailing characters";
		else if (jerr == json_tokener_continue)
			*why = "unexpected end of input";
		else
			*why = json_tokener_error_desc(jerr);
	}
	if (o && has_escaped_nul(s, n)) {
		json_object_put(o);
		o = NULL;
		*why = "\\u0000 is not supported";
	} else if (o && (*why = check_tree(o, 0))) {
		json_object_put(o);
		o = NULL;
	}
	free(tmp);
	return o;
}
