/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * profile-internal.h - what the profile loader's files share (not a public
 * interface): profile.c loads and merges the chain into one document,
 * profile_plan.c resolves that document into a struct vj_plan, plan.c
 * frees and prints plans.
 */
#ifndef VJ_PROFILE_INTERNAL_H
#define VJ_PROFILE_INTERNAL_H

#include <json.h>

#include "jsonp.h"
#include "profile.h"

/* Where an element of a merged list came from: its index in the file that
 * supplied it (the merged list's own index differs once files combine). */
struct vj_profile_origin {
	json_object *obj;
	size_t index;
};

/* The merged document and what is needed to attribute its nodes. */
struct vj_profile_doc {
	json_object *root;        /* merged: every node tagged with its file */
	const char *top_file;     /* the profile's own file, for defaults */
	const struct vj_profile_origin *origins;
	size_t n_origins;
};

/* Cursor for element i of the merged list at `list`, with the path that
 * names the element in the file that supplied it ("filesystem.mounts[2]"). */
void vj_profile_elem(const struct vj_profile_doc *d, const struct vj_jnode *list, size_t i,
		     struct vj_jnode *out);

/* profile_plan.c: validate the merged document and fill plan (already
 * zeroed, profile_name/profile_files set). */
int vj_profile_build_plan(const struct vj_profile_doc *d, const struct vj_run_options *opts,
			  struct vj_plan *plan, struct vj_error *err);

/* plan.c: rlimit names ("nofile") <-> RLIMIT_* (-1 when unknown). */
int vj_rlimit_from_name(const char *name);
const char *vj_rlimit_name(int resource);
/* The rlimit names, NULL-terminated (for `features`). */
extern const char *const vj_rlimit_names[];

/* profile_plan.c: normalise a capability name ("CAP_NET_ADMIN",
 * "net_admin") to libcap-ng's form ("net_admin") in buf; returns the
 * capability number or -1. */
int vj_profile_cap_from_name(const char *name, char *buf, size_t size);

/* ASCII classes, independent of the locale. */
static inline bool vj_ascii_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static inline char vj_ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Length of a normalised absolute path without its trailing '/' ("/"
 * itself keeps it): "/tmp/" and "/tmp" name the same place. */
static inline size_t vj_profile_path_len(const char *p)
{
	size_t n = strlen(p);
	return n > 1 && p[n - 1] == '/' ? n - 1 : n;
}
static inline bool vj_profile_path_eq(const char *a, const char *b)
{
	size_t la = vj_profile_path_len(a), lb = vj_profile_path_len(b);
	return la == lb && strncmp(a, b, la) == 0;
}

/* Mount option names in the order of their flags (see plan.c). */
struct vj_mount_option {
	const char *name;
	unsigned long flag;
};
extern const struct vj_mount_option vj_mount_options[];

#endif
