/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef VJ_CLI_RUN_H
#define VJ_CLI_RUN_H

#include <stdio.h>

#include "cli.h"
#include "jsonw.h"
#include "profile.h"

struct vj_cli_run {
	struct vj_run_options opts; /* argv points into the process's argv */
	json_object *overlay;       /* owned */
	bool help;
};

/* argv[0] is the subcommand ("run" or "check"). */
int vj_cli_parse_run(int argc, char **argv, struct vj_cli_run *out, struct vj_error *err);
void vj_cli_run_free(struct vj_cli_run *c);
void vj_cli_run_usage(FILE *f, const char *cmd);

#endif
