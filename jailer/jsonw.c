/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "jsonw.h"

void vj_json_add(json_object *o, const char *key, json_object *val)
{
	json_object_object_add(o, key, val);
}

void vj_json_add_string(json_object *o, const char *key, const char *val)
{
	json_object_object_add(o, key, val ? json_object_new_string(val) : NULL);
}

void vj_json_add_int(json_object *o, const char *key, int64_t val)
{
	json_object_object_add(o, key, json_object_new_int64(val));
}

void vj_json_add_uint(json_object *o, const char *key, uint64_t val)
{
	json_object_object_add(o, key, json_object_new_uint64(val));
}

void vj_json_add_double(json_object *o, const char *key, double val)
{
	json_object_object_add(o, key, json_object_new_double(val));
}

void vj_json_add_bool(json_object *o, const char *key, bool val)
{
	json_object_object_add(o, key, json_object_new_boolean(val));
}

json_object *vj_json_strv(char *const *v)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; v && v[i]; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

void vj_json_add_strv(json_object *o, const char *key, char *const *v)
{
	json_object_object_add(o, key, vj_json_strv(v));
}

const char *vj_json_to_string(json_object *o, bool pretty)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;
	flags |= pretty ? (JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED) : JSON_C_TO_STRING_PLAIN;
	return json_object_to_json_string_ext(o, flags);
}

int vj_json_write(int fd, json_object *o, bool pretty)
{
	size_t len;
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;
	flags |= pretty ? (JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED) : JSON_C_TO_STRING_PLAIN;
	const char *s = json_object_to_json_string_length(o, flags, &len);
	if (!s)
		return -ENOMEM;
	/* One write per record where it fits, so lines from concurrent writers
	 * to a shared pipe do not interleave. */
	char stackbuf[8192];
	if (len + 1 <= sizeof(stackbuf)) {
		memcpy(stackbuf, s, len);
		stackbuf[len] = '\n';
		return vj_write_all(fd, stackbuf, len + 1);
	}
	int r = vj_write_all(fd, s, len);
	return r < 0 ? r : vj_write_all(fd, "\n", 1);
}
