/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sync.h - messages between the supervisor and the jail over one
 * SOCK_SEQPACKET socketpair (one message per record, kernel-kept
 * boundaries).
 *
 *   supervisor -> init    GO         ids mapped, cgroup placed: go on
 *   init/target -> sup.   ERROR      {step, errno, message}: setup failed
 *   target -> supervisor  STARTED    about to exec; SO_PASSCRED gives the
 *                                    supervisor the target's host pid
 *   target -> supervisor  LISTENER   a seccomp notify fd (SCM_RIGHTS)
 *   init -> supervisor    EXITED     {wait status} of the target
 *
 * The supervisor's end has SO_PASSCRED set, so every record carries the
 * sender's pid translated into the supervisor's pid namespace.
 */
#ifndef VJ_SYNC_H
#define VJ_SYNC_H

#include <sys/types.h>

#include "error.h"

enum vj_msg_type {
	VJ_MSG_GO = 1,
	VJ_MSG_ERROR,
	VJ_MSG_STARTED,
	VJ_MSG_LISTENER,
	VJ_MSG_EXITED,
};

struct vj_msg {
	uint32_t type;
	int32_t err;      /* ERROR: positive errno */
	int32_t status;   /* EXITED: wait status; ERROR: suggested exit code */
	char step[32];    /* ERROR: the setup step that failed */
	char text[VJ_ERROR_MAX];
};

/* Send; fd_to_pass >= 0 is attached with SCM_RIGHTS. Async-signal-safe. */
int vj_msg_send(int sock, const struct vj_msg *m, int fd_to_pass);
int vj_msg_send_error(int sock, const char *step, const struct vj_error *err, int exit_code);
/* Receive one record. *sender (may be NULL) gets the sender's pid when the
 * socket has SO_PASSCRED; *passed (may be NULL) a received fd or -1.
 * Returns 1 for a record, 0 on EOF, -errno on error. */
int vj_msg_recv(int sock, struct vj_msg *m, pid_t *sender, int *passed);

#endif
