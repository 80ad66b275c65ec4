/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef VJ_LAUNCH_H
#define VJ_LAUNCH_H

#include <signal.h>

#include "cgroup.h"
#include "child.h"
#include "loop.h"
#include "ns.h"
#include "lsm.h"
#include "plan.h"
#include "qmp.h"
#include "seccomp.h"
#include "state.h"

/* Host-side state of one jail, owned by the supervisor. */
struct vj_jail {
	const struct vj_plan *plan;
	struct vj_child_ctx ctx;  /* what the child reads */
	struct vj_bpf bpf;
	struct vj_bpf supervisor_bpf; /* the supervisor's own filter (policy/supervisor.json) */
	struct vj_cgroup *cg;
	struct vj_qmp_proxy *qmp;
	struct vj_lsm *lsm;
	struct vj_state *state;   /* registry entry and lock (supervised mode) */
	char **argv;              /* final argv */
	int sync_fd;              /* supervisor's end */
	int init_pidfd;
	pid_t init_pid;
	pid_t target_pid;
	int target_pidfd;         /* PROGRAM's pidfd, taken at STARTED, or -1 */
	bool clone_into_cgroup;
	struct vj_ns_ahead netns_ahead; /* the network namespace, made meanwhile */
	sigset_t orig_mask;
	/* Supervision. */
	struct vj_loop *loop;
	int signal_fd;
	struct vj_watch w_signal, w_sync, w_pidfd;
	bool have_status;
	int status;               /* wait status of PROGRAM */
	bool init_reaped;
	bool reaper;              /* PID 1 of a container, or a subreaper: reaps orphans */
	struct vj_seccomp_listener *listener; /* debug and learn modes */
	char *denied_syscall;     /* debug: what the filter refused */
	bool monitor_failed;      /* vmjail ended the jail: the target's QMP was not QMP */
	struct vj_error late_error; /* a failure reported after start */
	char late_step[32];
};

/* `vmjail run`: prepare, launch, supervise, clean up; returns the exit
 * status for vmjail (PROGRAM's, or 125/126/127). */
int vj_run(const struct vj_plan *plan);
/* `vmjail run --exec`: returns only on failure (an exit status). */
int vj_run_inplace(const struct vj_plan *plan);

/* supervise.c */
int vj_supervise(struct vj_jail *j);
/* The start and exit records: written to --info-fd and kept in the
 * jail's state.json. */
void vj_info_write_started(struct vj_jail *j);
void vj_info_write_exited(struct vj_jail *j, int exit_code);

#endif
