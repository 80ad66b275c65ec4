/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * profile.h - profiles: load a profile and its "extends" chain, merge it
 * with the command line's overlay, validate it strictly and resolve it into
 * a struct vj_plan. Side-effect free: reads files, touches nothing.
 *
 * The format and its merge rules are documented in doc/vmjail-profile.5.scd.
 */
#ifndef VJ_PROFILE_H
#define VJ_PROFILE_H

#include <json.h>

#include "plan.h"

/* Runtime settings that come only from the command line, not from a
 * profile. */
struct vj_run_options {
	const char *profile;   /* NAME or FILE; NULL = "generic" */
	json_object *overlay;  /* the command line's profile keys, merged last
				* (tagged as "command line"); may be NULL */
	char **argv;           /* PROGRAM ARG... (may be NULL for check) */
	const char *id;        /* --id, NULL = generated */
	bool exec_inplace;     /* --exec */
	int info_fd;           /* --info-fd, -1 = none */
	const char *state_dir; /* --state-dir, NULL = the default root */
	bool keep_all_fds;     /* --keep-all-fds */
	bool launch;           /* for `run`, not `check`: the engines may leave
				* to the launch what only it needs (the seccomp
				* policy's text: vj_seccomp_plan_parse defer) */
};

/* Resolve: read the chain, merge, validate, resolve names. On error the
 * message is "FILE: JSON.PATH: reason" and *out is untouched. */
int vj_profile_resolve(const struct vj_run_options *opts, struct vj_plan **out, struct vj_error *err);

/* The plan as JSON (what `vmjail check` prints). */
json_object *vj_plan_to_json(const struct vj_plan *plan);

/* The keys a profile may have, as a JSON description (for `features`). */
json_object *vj_profile_keys_json(void);

#endif
