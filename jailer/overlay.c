/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The command line's profile overlay (see cli.h). */
#include "cli.h"
#include "jsonp.h"

static json_object *walk(json_object *o, const char *dotted, bool last_is_array)
{
	_cleanup_free_ char *copy = vj_xstrdup(dotted);
	char *save = NULL;
	char *tok = strtok_r(copy, ".", &save);
	while (tok) {
		char *next = strtok_r(NULL, ".", &save);
		json_object *child;
		if (!json_object_object_get_ex(o, tok, &child) || !child) {
			child = (!next && last_is_array) ? json_object_new_array() : json_object_new_object();
			json_object_object_add(o, tok, child);
		}
		o = child;
		tok = next;
	}
	return o;
}

json_object *vj_overlay_object(json_object *overlay, const char *dotted)
{
	return walk(overlay, dotted, false);
}

json_object *vj_overlay_array(json_object *overlay, const char *dotted)
{
	return walk(overlay, dotted, true);
}

void vj_overlay_set(json_object *overlay, const char *dotted_key, json_object *val, const char *option)
{
	_cleanup_free_ char *copy = vj_xstrdup(dotted_key);
	char *dot = strrchr(copy, '.');
	json_object *parent = overlay;
	const char *key = copy;
	if (dot) {
		*dot = '\0';
		parent = walk(overlay, copy, false);
		key = dot + 1;
	}
	/* Option names are static strings: they outlive the document. */
	vj_json_tag_file(val, option, true);
	json_object_object_add(parent, key, val);
}
