/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "jsonp.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>

const char *vj_json_type_name(json_type t)
{
	switch (t) {
	case json_type_null: return "null";
	case json_type_boolean: return "a boolean";
	case json_type_double: return "a number";
	case json_type_int: return "an integer";
	case json_type_object: return "an object";
	case json_type_array: return "an array";
	case json_type_string: return "a string";
	}
	return "?";
}

int vj_json_parse_string(const char *text, size_t len, const char *file_tag,
			 json_object **out, struct vj_error *err)
{
	json_tokener *tok = json_tokener_new_ex(64);
	if (!tok)
		return vj_error_set(err, ENOMEM, "%s", file_tag);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	if (len > INT32_MAX) {
		json_tokener_free(tok);
		return vj_error_setx(err, EFBIG, "%s: file too large", file_tag);
	}
	if (memchr(text, '\0', len)) {
		json_tokener_free(tok);
		return vj_error_setx(err, EINVAL, "%s: NUL byte in JSON text", file_tag);
	}
	json_object *o = json_tokener_parse_ex(tok, text, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t off = json_tokener_get_parse_end(tok);
	if (!o && jerr == json_tokener_continue)
		jerr = json_tokener_error_parse_eof;
	if (jerr != json_tokener_success) {
		unsigned line = 1;
		for (size_t i = 0; i < off && i < len; i++)
			line += text[i] == '\n';
		json_tokener_free(tok);
		if (o)
			json_object_put(o);
		return vj_error_setx(err, EINVAL, "%s: line %u: invalid JSON: %s", file_tag, line,
				     json_tokener_error_desc(jerr));
	}
	json_tokener_free(tok);
	for (size_t i = off; i < len; i++) {
		if (text[i] != ' ' && text[i] != '\n' && text[i] != '\t' && text[i] != '\r') {
			unsigned line = 1;
			for (size_t j = 0; j < i; j++)
				line += text[j] == '\n';
			json_object_put(o);
			return vj_error_setx(err, EINVAL, "%s: line %u: trailing data after the JSON value",
					     file_tag, line);
		}
	}
	vj_json_tag_file(o, file_tag, true);
	*out = o;
	return 0;
}

int vj_json_parse_file(const char *path, const char *file_tag, size_t max,
		       json_object **out, struct vj_error *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = vj_read_file_at(AT_FDCWD, path, max, &text, &len);
	if (r == -EFBIG)
		return vj_error_setx(err, EFBIG, "%s: larger than %zu bytes", file_tag, max);
	if (r < 0)
		return vj_error_set(err, r, "%s", file_tag);
	return vj_json_parse_string(text, len, file_tag, out, err);
}

void vj_json_tag_file(json_object *obj, const char *file, bool overwrite)
{
	if (!obj)
		return;
	/* json-c keeps the source text of a double in its userdata (to print
	 * it back unchanged); a double inherits its parent's file instead. */
	if (json_object_is_type(obj, json_type_double))
		return;
	if (overwrite || !json_object_get_userdata(obj))
		json_object_set_userdata(obj, (void *)file, NULL);
	if (json_object_is_type(obj, json_type_object)) {
		json_object_object_foreach(obj, k, v) {
			(void)k;
			vj_json_tag_file(v, file, overwrite);
		}
	} else if (json_object_is_type(obj, json_type_array)) {
		size_t n = json_object_array_length(obj);
		for (size_t i = 0; i < n; i++)
			vj_json_tag_file(json_object_array_get_idx(obj, i), file, overwrite);
	}
}

const char *vj_json_file_of(json_object *obj)
{
	if (!obj || json_object_is_type(obj, json_type_double))
		return NULL;
	return json_object_get_userdata(obj);
}

/* dst = base sep name end, cut to VJ_JPATH_MAX like snprintf would. A
 * cursor is made for every key and element a document has, so this is on
 * the hot path of loading policies: no printf. */
static void path_child(char *dst, const char *base, const char *sep, const char *name, const char *end)
{
	const char *parts[] = { base, sep, name, end };
	size_t len = 0;
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		size_t k = strlen(parts[i]);
		if (k > VJ_JPATH_MAX - 1 - len)
			k = VJ_JPATH_MAX - 1 - len;
		memmove(dst + len, parts[i], k);
		len += k;
	}
	dst[len] = '\0';
}

void vj_jnode_root(struct vj_jnode *n, json_object *obj, const char *file)
{
	n->obj = obj;
	n->file = vj_json_file_of(obj) ? vj_json_file_of(obj) : file;
	n->path[0] = '\0';
}

void vj_jnode_key(const struct vj_jnode *n, const char *key, struct vj_jnode *out)
{
	json_object *child = NULL;
	if (n->obj && json_object_is_type(n->obj, json_type_object))
		json_object_object_get_ex(n->obj, key, &child);
	out->obj = child;
	out->file = vj_json_file_of(child) ? vj_json_file_of(child) : n->file;
	path_child(out->path, n->path, n->path[0] ? "." : "", key, "");
}

void vj_jnode_index(const struct vj_jnode *n, size_t i, struct vj_jnode *out)
{
	json_object *child = NULL;
	if (n->obj && json_object_is_type(n->obj, json_type_array) && i < json_object_array_length(n->obj))
		child = json_object_array_get_idx(n->obj, i);
	out->obj = child;
	out->file = vj_json_file_of(child) ? vj_json_file_of(child) : n->file;
	char num[24], *d = num + sizeof(num);
	*--d = '\0';
	do
		*--d = (char)('0' + i % 10);
	while ((i /= 10));
	path_child(out->path, n->path, "[", d, "]");
}

int vj_jnode_error(const struct vj_jnode *n, struct vj_error *err, int errnum, const char *fmt, ...)
{
	char what[VJ_ERROR_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	const char *file = n->file ? n->file : "(command line)";
	if (errnum)
		return vj_error_set(err, errnum, "%s: %s%s%s", file, n->path, n->path[0] ? ": " : "", what);
	return vj_error_setx(err, EINVAL, "%s: %s%s%s", file, n->path, n->path[0] ? ": " : "", what);
}

int vj_jnode_expect(const struct vj_jnode *n, json_type type, struct vj_error *err)
{
	json_type t = json_object_get_type(n->obj);
	if (t == type)
		return 0;
	/* An integer is acceptable where a number is expected. */
	if (type == json_type_double && t == json_type_int)
		return 0;
	return vj_jnode_error(n, err, 0, "expected %s, got %s", vj_json_type_name(type), vj_json_type_name(t));
}

int vj_jnode_check_keys(const struct vj_jnode *n, const char *const *allowed, struct vj_error *err)
{
	int r = vj_jnode_expect(n, json_type_object, err);
	if (r < 0)
		return r;
	json_object_object_foreach(n->obj, k, v) {
		bool ok = false;
		for (size_t i = 0; allowed[i]; i++)
			if (strcmp(k, allowed[i]) == 0) {
				ok = true;
				break;
			}
		if (!ok) {
			struct vj_jnode c;
			vj_jnode_key(n, k, &c);
			(void)v;
			return vj_jnode_error(&c, err, 0, "unknown key");
		}
	}
	return 0;
}

int vj_jnode_check_keytab(const struct vj_jnode *n, const struct vj_jkey *keys, struct vj_error *err)
{
	int r = vj_jnode_expect(n, json_type_object, err);
	if (r < 0)
		return r;
	json_object_object_foreach(n->obj, k, v) {
		const struct vj_jkey *t = keys;
		while (t->name && strcmp(k, t->name) != 0)
			t++;
		if (!t->name) {
			struct vj_jnode c;
			vj_jnode_key(n, k, &c);
			(void)v;
			return vj_jnode_error(&c, err, 0, "unknown key");
		}
	}
	return 0;
}

int vj_jnode_string(const struct vj_jnode *n, const char **out, struct vj_error *err)
{
	int r = vj_jnode_expect(n, json_type_string, err);
	if (r < 0)
		return r;
	const char *s = json_object_get_string(n->obj);
	if (strlen(s) != (size_t)json_object_get_string_len(n->obj))
		return vj_jnode_error(n, err, 0, "NUL byte in string");
	*out = s;
	return 0;
}

int vj_jnode_bool(const struct vj_jnode *n, bool *out, struct vj_error *err)
{
	int r = vj_jnode_expect(n, json_type_boolean, err);
	if (r < 0)
		return r;
	*out = json_object_get_boolean(n->obj);
	return 0;
}

int vj_jnode_int(const struct vj_jnode *n, int64_t min, int64_t max, int64_t *out, struct vj_error *err)
{
	int r = vj_jnode_expect(n, json_type_int, err);
	if (r < 0)
		return r;
	errno = 0;
	int64_t v = json_object_get_int64(n->obj);
	/* json-c clamps out-of-range values and flags them in errno. */
	if (errno == ERANGE || v < min || v > max)
		return vj_jnode_error(n, err, 0, "%s out of range [%lld, %lld]",
				      json_object_get_string(n->obj), (long long)min, (long long)max);
	*out = v;
	return 0;
}

int vj_jnode_strv(const struct vj_jnode *n, char ***out, struct vj_error *err)
{
	int r = vj_jnode_expect(n, json_type_array, err);
	if (r < 0)
		return r;
	size_t len = json_object_array_length(n->obj);
	_cleanup_strv_ char **v = vj_xcalloc(len + 1, sizeof(char *));
	for (size_t i = 0; i < len; i++) {
		struct vj_jnode c;
		const char *s;
		vj_jnode_index(n, i, &c);
		r = vj_jnode_string(&c, &s, err);
		if (r < 0)
			return r;
		v[i] = vj_xstrdup(s);
	}
	*out = TAKE_PTR(v);
	return 0;
}

bool vj_path_is_normal_absolute(const char *p)
{
	if (!p || p[0] != '/')
		return false;
	const char *s = p;
	while (*s) {
		while (*s == '/')
			s++;
		const char *e = strchrnul(s, '/');
		size_t len = (size_t)(e - s);
		if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
			return false;
		if (len == 0 && *e == '/')
			return false;
		s = e;
		if (*s == '/' && s[1] == '/')
			return false;
		if (*s == '/')
			s++;
	}
	return true;
}

int vj_jnode_abspath(const struct vj_jnode *n, const char **out, struct vj_error *err)
{
	const char *s;
	int r = vj_jnode_string(n, &s, err);
	if (r < 0)
		return r;
	if (s[0] != '/')
		return vj_jnode_error(n, err, 0, "%s: not an absolute path", s);
	if (!vj_path_is_normal_absolute(s))
		return vj_jnode_error(n, err, 0, "%s: path must not contain \".\", \"..\" or \"//\"", s);
	*out = s;
	return 0;
}

int vj_jnode_enum(const struct vj_jnode *n, const char *const *choices, int *out, struct vj_error *err)
{
	const char *s;
	int r = vj_jnode_string(n, &s, err);
	if (r < 0)
		return r;
	for (int i = 0; choices[i]; i++)
		if (strcmp(s, choices[i]) == 0) {
			*out = i;
			return 0;
		}
	char list[512];
	size_t off = 0;
	for (int i = 0; choices[i] && off < sizeof(list); i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s\"%s\"", i ? ", " : "", choices[i]);
	return vj_jnode_error(n, err, 0, "\"%s\": expected one of %s", s, list);
}

int vj_jget_string(const struct vj_jnode *n, const char *key, const char **out, struct vj_error *err)
{
	struct vj_jnode c;
	vj_jnode_key(n, key, &c);
	return c.obj ? vj_jnode_string(&c, out, err) : 0;
}

int vj_jget_bool(const struct vj_jnode *n, const char *key, bool *out, struct vj_error *err)
{
	struct vj_jnode c;
	vj_jnode_key(n, key, &c);
	return c.obj ? vj_jnode_bool(&c, out, err) : 0;
}

int vj_jget_int(const struct vj_jnode *n, const char *key, int64_t min, int64_t max, int64_t *out,
		struct vj_error *err)
{
	struct vj_jnode c;
	vj_jnode_key(n, key, &c);
	return c.obj ? vj_jnode_int(&c, min, max, out, err) : 0;
}

int vj_jnode_size(const struct vj_jnode *n, uint64_t *out, struct vj_error *err)
{
	if (json_object_is_type(n->obj, json_type_int)) {
		int64_t v;
		int r = vj_jnode_int(n, 0, INT64_MAX, &v, err);
		if (r < 0)
			return r;
		*out = (uint64_t)v;
		return 0;
	}
	const char *s;
	int r = vj_jnode_string(n, &s, err);
	if (r < 0)
		return r;
	if (vj_parse_size(s, out) < 0 || *out > (uint64_t)INT64_MAX)
		return vj_jnode_error(n, err, 0, "\"%s\": expected a size such as \"64M\" or a number of bytes", s);
	return 0;
}
