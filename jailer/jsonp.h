/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * jsonp.h - strict, path-aware reading of JSON documents (profiles,
 * policies, instance files).
 *
 * A struct vj_jnode is a cursor: the json-c object, the file it came from
 * and its JSON path ("mounts[2].source"). Every getter that fails fills the
 * error as "FILE: PATH: reason", the one message format users see for bad
 * input. Unknown keys are errors (vj_jnode_check_keys).
 *
 * Files: vj_json_tag_file() stamps every node of a parsed document with
 * the name of its file (json-c userdata). Documents merged from several
 * files (profile "extends", policy "include") keep the stamps of the
 * nodes they reuse, so an error is reported against the file that supplied
 * the offending key, not the one at the top.
 */
#ifndef VJ_JSONP_H
#define VJ_JSONP_H

#include <json.h>
#include "error.h"

#define VJ_JPATH_MAX 256

struct vj_jnode {
	json_object *obj;         /* borrowed; NULL for an absent key */
	const char *file;         /* borrowed; outlives the node */
	char path[VJ_JPATH_MAX];  /* "" at the document root */
};

/* Parse a whole file strictly (one value, no trailing garbage), at most
 * max bytes; errors name the file and the line. The returned object is
 * tagged with `file`, which must outlive it. */
int vj_json_parse_file(const char *path, const char *file_tag, size_t max,
		       json_object **out, struct vj_error *err);
int vj_json_parse_string(const char *text, size_t len, const char *file_tag,
			 json_object **out, struct vj_error *err);
/* Stamp obj and every node below it with file (not copied). Nodes that
 * already carry a stamp keep it unless overwrite is set. */
void vj_json_tag_file(json_object *obj, const char *file, bool overwrite);
/* The file a node came from, or NULL. */
const char *vj_json_file_of(json_object *obj);

/* Root cursor for a document. */
void vj_jnode_root(struct vj_jnode *n, json_object *obj, const char *file);
/* Child cursor for key (absent key -> out->obj == NULL, returns 0). */
void vj_jnode_key(const struct vj_jnode *n, const char *key, struct vj_jnode *out);
void vj_jnode_index(const struct vj_jnode *n, size_t i, struct vj_jnode *out);
static inline bool vj_jnode_present(const struct vj_jnode *n) { return n->obj != NULL; }

/* "FILE: PATH: FMT[: strerror]" into err; returns -errnum (EINVAL if 0). */
int vj_jnode_error(const struct vj_jnode *n, struct vj_error *err, int errnum,
		   const char *fmt, ...) _printf_(4, 5);

/* Type checks: "expected an object, got a string". */
int vj_jnode_expect(const struct vj_jnode *n, json_type type, struct vj_error *err);
/* Every key of the object must be in allowed (NULL-terminated). */
int vj_jnode_check_keys(const struct vj_jnode *n, const char *const *allowed, struct vj_error *err);

/* ---- key tables ------------------------------------------------------------
 * The keys of an object a parser reads strictly, as data that the parser
 * and `vmjail features` (profile.c) both read, so that what is advertised
 * is what is accepted: the parser checks an object's keys against the
 * table (vj_jnode_check_keytab), looks each key up by the table's name
 * (vj_jnode_keyof), and takes enum values and integer ranges from it.
 * `types` is what the parser's code for the key accepts; that code checks
 * it, with messages of its own (tests/bats/features.bats holds every key
 * to its advertised types both ways). */
enum {
	VJ_JT_STR = 1u << 0,
	VJ_JT_BOOL = 1u << 1,
	VJ_JT_INT = 1u << 2,
	VJ_JT_OBJ = 1u << 3,
	VJ_JT_ARR = 1u << 4,
	VJ_JT_NUM = 1u << 5, /* a number with a fraction (integers: VJ_JT_INT) */
};
#define VJ_JT_ANY (VJ_JT_STR | VJ_JT_BOOL | VJ_JT_INT | VJ_JT_OBJ | VJ_JT_ARR | VJ_JT_NUM)

struct vj_jkey {
	const char *name;            /* NULL ends a table */
	unsigned types;              /* VJ_JT_* */
	const char *const *values;   /* a string value is one of these (NULL-terminated) */
	const struct vj_jkey *keys;  /* an object value's keys */
	const struct vj_jkey *item;  /* an array value's elements (name NULL); their keys
				      * when the elements may be objects */
	int64_t min, max;            /* an integer value's range, when min < max */
	const char *what;            /* for features: the form of a value, in words */
};

/* vj_jnode_check_keys() against a table's names: the same checks, the
 * same messages. */
int vj_jnode_check_keytab(const struct vj_jnode *n, const struct vj_jkey *keys, struct vj_error *err);
/* vj_jnode_key() for a table entry's name. */
static inline void vj_jnode_keyof(const struct vj_jnode *n, const struct vj_jkey *k, struct vj_jnode *out)
{
	vj_jnode_key(n, k->name, out);
}

/* Typed getters for n itself (present). */
int vj_jnode_string(const struct vj_jnode *n, const char **out, struct vj_error *err);
int vj_jnode_bool(const struct vj_jnode *n, bool *out, struct vj_error *err);
int vj_jnode_int(const struct vj_jnode *n, int64_t min, int64_t max, int64_t *out, struct vj_error *err);
/* An array of strings -> new strv (caller frees). */
int vj_jnode_strv(const struct vj_jnode *n, char ***out, struct vj_error *err);
/* An absolute, normalised path: starts with '/', no "." or ".." component,
 * no empty component except a trailing one, no NUL. */
int vj_jnode_abspath(const struct vj_jnode *n, const char **out, struct vj_error *err);
/* One of the choices (NULL-terminated); returns the index in *out. */
int vj_jnode_enum(const struct vj_jnode *n, const char *const *choices, int *out, struct vj_error *err);

/* Optional keys of an object: absent leaves *out untouched and returns 0. */
int vj_jget_string(const struct vj_jnode *n, const char *key, const char **out, struct vj_error *err);
int vj_jget_bool(const struct vj_jnode *n, const char *key, bool *out, struct vj_error *err);
int vj_jget_int(const struct vj_jnode *n, const char *key, int64_t min, int64_t max, int64_t *out,
		struct vj_error *err);

/* A size: an integer number of bytes, or a string with a K/M/G/T suffix
 * ("64M"). */
int vj_jnode_size(const struct vj_jnode *n, uint64_t *out, struct vj_error *err);
/* "an object", "a string", ... for messages. */
const char *vj_json_type_name(json_type t);

/* True for a path that is absolute and normalised (see vj_jnode_abspath). */
bool vj_path_is_normal_absolute(const char *p);

#endif
