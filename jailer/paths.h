/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * paths.h - where profiles and policies are found.
 *
 * A NAME (no '/') is looked up as NAME.json in, in order:
 *   $VMJAIL_<KIND>_PATH (colon-separated), /etc/vmjail/<kind>/,
 *   <datadir>/vmjail/<kind>/, and <source>/<kind>/ when vmjail runs
 *   uninstalled from its build directory.
 * Anything with a '/' is a file path, taken relative to the working
 * directory (or to `relative_to`, the directory of the including file).
 */
#ifndef VJ_PATHS_H
#define VJ_PATHS_H

#include "error.h"

enum vj_data_kind {
	VJ_DATA_PROFILES, /* profiles/, $VMJAIL_PROFILE_PATH */
	VJ_DATA_POLICY,   /* policy/, $VMJAIL_POLICY_PATH */
};

/* Resolve name to an absolute path of an existing file. relative_to may be
 * NULL (then relative paths are against the working directory). */
int vj_find_data_file(enum vj_data_kind kind, const char *name, const char *relative_to,
		      char **out, struct vj_error *err);
/* The directories searched for names, in order (strv, caller frees). */
char **vj_data_dirs(enum vj_data_kind kind);
/* True when running from the build tree (not installed). */
bool vj_running_uninstalled(void);

#endif
