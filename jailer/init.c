/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * init.c - pid 1 of the jail.
 *
 * Theory of operation: once PROGRAM is forked, pid 1 gives up everything
 * it does not need for its three jobs - it becomes the jail's uid with no
 * capabilities, undumpable (so PROGRAM, same uid, cannot ptrace it or read
 * its fds), with no_new_privs - and then loops on a signalfd and the sync
 * socket:
 *   - reap every child, its own and orphans reparented to it;
 *   - forward the signals the supervisor sends (their sender is outside
 *     the pid namespace, so si_pid reads 0) to PROGRAM; a signal sent from
 *     inside the jail (a hostile PROGRAM signalling pid 1) is ignored;
 *   - when PROGRAM exits (wait "target") or the last process does (wait
 *     "all", for a PROGRAM that daemonizes), report the status and exit:
 *     the kernel then kills whatever is left in the pid namespace.
 * If the supervisor dies, the parent-death signal (set again after the id
 * change, which clears it) or EOF on the sync socket ends pid 1, and with
 * it the jail.
 */
#include "child.h"
#include "caps.h"
#include "compat.h"
#include "sync.h"

#include <poll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

static _noreturn_ void report_and_exit(int sync_fd, int status)
{
	struct vj_msg m = { .type = VJ_MSG_EXITED, .status = status };
	vj_msg_send(sync_fd, &m, -1);
	_exit(0);
}

_noreturn_ void vj_init_run(const struct vj_child_ctx *c, pid_t target)
{
	const struct vj_plan *plan = c->plan;
	struct vj_error err = { 0 };

	/* Signals were blocked by the supervisor before clone; nothing sent
	 * since is lost. */
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	for (size_t i = 0; i < vj_n_forwarded_signals; i++)
		sigaddset(&mask, vj_forwarded_signals[i]);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		vj_error_set(&err, errno, "signalfd");
		vj_msg_send_error(c->sync_fd, "init", &err, VJ_EXIT_FAILURE);
		_exit(VJ_EXIT_FAILURE);
	}

	/* Keep only the sync socket and the signalfd. */
	for (int fd = 0; fd <= 2; fd++)
		close(fd);
	int keep[2] = { c->sync_fd, sfd };
	vj_close_fds_except(keep, 2);

	if (vj_caps_drop(plan->uid, plan->gid, 0, !c->userns, &err) < 0) {
		vj_msg_send_error(c->sync_fd, "init", &err, VJ_EXIT_FAILURE);
		_exit(VJ_EXIT_FAILURE);
	}
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);

	bool target_alive = true;
	int target_status = 0, last_status = 0;
	struct pollfd pfd[2] = { { .fd = sfd, .events = POLLIN }, { .fd = c->sync_fd, .events = POLLIN } };
	for (;;) {
		int n = poll(pfd, 2, -1);
		if (n < 0 && errno != EINTR)
			_exit(VJ_EXIT_FAILURE);
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))
			_exit(VJ_EXIT_FAILURE); /* the supervisor is gone */
		if (!(pfd[0].revents & POLLIN))
			continue;
		struct signalfd_siginfo si;
		while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo != SIGCHLD) {
				if (si.ssi_pid != 0)
					continue; /* from inside the jail */
				if (target_alive)
					kill(target, (int)si.ssi_signo);
				else
					kill(-1, (int)si.ssi_signo);
				continue;
			}
		}
		for (;;) {
			int st;
			pid_t p = waitpid(-1, &st, WNOHANG);
			if (p == 0)
				break;
			if (p < 0) {
				if (errno == EINTR)
					continue;
				/* ECHILD: nobody left. */
				if (!target_alive)
					report_and_exit(c->sync_fd, target_status ? target_status : last_status);
				break;
			}
			last_status = st;
			if (p == target) {
				target_alive = false;
				target_status = st;
				if (plan->wait == VJ_WAIT_TARGET)
					report_and_exit(c->sync_fd, st);
			}
		}
	}
}
