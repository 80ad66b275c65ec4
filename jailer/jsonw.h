/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * jsonw.h - the one JSON writer: json-c objects built with these helpers
 * and written with vj_json_write(). Everything vmjail prints as JSON
 * (check, features, info-fd records, state.json, --log-json, QMP replies
 * it makes up itself) goes through here, so quoting and formatting agree.
 */
#ifndef VJ_JSONW_H
#define VJ_JSONW_H

#include <json.h>
#include "util.h"

static inline void vj_json_putp(json_object **o)
{
	if (*o)
		json_object_put(*o);
}
#define _cleanup_json_ _cleanup_(vj_json_putp)

void vj_json_add(json_object *o, const char *key, json_object *val); /* takes val */
void vj_json_add_string(json_object *o, const char *key, const char *val); /* NULL -> null */
void vj_json_add_int(json_object *o, const char *key, int64_t val);
void vj_json_add_uint(json_object *o, const char *key, uint64_t val);
void vj_json_add_double(json_object *o, const char *key, double val);
void vj_json_add_bool(json_object *o, const char *key, bool val);
void vj_json_add_strv(json_object *o, const char *key, char *const *v);
json_object *vj_json_strv(char *const *v);

/* Serialise; pretty uses two-space indentation. Slashes are not escaped. */
const char *vj_json_to_string(json_object *o, bool pretty);
/* Write o and a newline to fd. Returns 0 or -errno. */
int vj_json_write(int fd, json_object *o, bool pretty);
static inline int vj_json_write_line(int fd, json_object *o) { return vj_json_write(fd, o, false); }

#endif
