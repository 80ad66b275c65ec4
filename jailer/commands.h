/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Entry points of the commands main.c dispatches to that have no engine
 * header of their own. Each returns vmjail's exit status. */
#ifndef VJ_COMMANDS_H
#define VJ_COMMANDS_H

/* `vmjail features [--json]` (features.c) */
int vj_cmd_features(int argc, char **argv);

#endif
