/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cli.h - command-line options that override profile keys.
 *
 * Such an option does not set a variable: it writes the profile key it
 * stands for into the "overlay", a JSON profile merged last on top of the
 * profile chain, so command-line values go through exactly the same
 * validation as profile values, and `vmjail check` shows the result.
 * Each engine contributes its options as a table (seccomp, cgroup, qmp);
 * jailer/cli.c gathers them for `run` and `check`.
 */
#ifndef VJ_CLI_H
#define VJ_CLI_H

#include <json.h>

#include "error.h"

struct vj_cli_option {
	const char *name;    /* long option without "--" */
	const char *arg;     /* argument name for --help, NULL = no argument */
	const char *help;    /* one line */
	/* Write the key into overlay (a JSON object, a profile). arg is NULL
	 * for options without one. Errors: "--NAME ARG: reason". */
	int (*apply)(json_object *overlay, const char *arg, struct vj_error *err);
};

/* Each table ends with a zeroed entry. */
extern const struct vj_cli_option vj_seccomp_cli_options[];
extern const struct vj_cli_option vj_cgroup_cli_options[];
extern const struct vj_cli_option vj_qmp_cli_options[];
extern const struct vj_cli_option vj_lsm_cli_options[];

/* Helpers for apply(): get (creating) the object at a dotted path, e.g.
 * vj_overlay_object(overlay, "cgroup.memory"); append to the array at a
 * dotted path. New nodes are tagged with the option's name as their
 * "file", so a bad value reads "--memory: cgroup.memory.max: ...". */
json_object *vj_overlay_object(json_object *overlay, const char *dotted);
json_object *vj_overlay_array(json_object *overlay, const char *dotted);
void vj_overlay_set(json_object *overlay, const char *dotted_key, json_object *val, const char *option);

#endif
