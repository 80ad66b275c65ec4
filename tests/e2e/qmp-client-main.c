/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `vmjail qmp` as its own program, for tests until main.c dispatches it. */
#include "qmp.h"

int main(int argc, char **argv)
{
	argv[0] = (char *)"qmp";
	return vj_cmd_qmp(argc, argv);
}
