/* SPDX-License-Identifier: GPL-2.0-or-later */
/* seccomp-test.h - helpers shared by the seccomp engine's unit tests. */
#ifndef VJ_SECCOMP_TEST_H
#define VJ_SECCOMP_TEST_H

#include "seccomp_policy.h"
#include "tap.h"

#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Parse a policy text (no includes); NULL, with a diagnostic, on error. */
static inline struct vj_sc_policy *st_policy(const char *text)
{
	struct vj_sc_policy *p = NULL;
	struct vj_error err = { 0 };
	if (vj_sc_policy_parse_string(text, strlen(text), "t.json", false, &p, &err) < 0)
		diag("parse: %s", err.msg);
	return p;
}

/* The kernel's answer to getppid() under prog, in a child. */
static inline long kernel_answer(const struct vj_bpf *prog)
{
	int pfd[2];
	if (pipe(pfd) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		struct vj_error err = { 0 };
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		long r = vj_seccomp_load(prog, NULL, &err) < 0 ? -1000 : syscall(SYS_getppid);
		if (r < 0)
			r = -errno;
		(void)!write(pfd[1], &r, sizeof(r));
		_exit(0);
	}
	close(pfd[1]);
	long r = -2000;
	(void)!read(pfd[0], &r, sizeof(r));
	close(pfd[0]);
	waitpid(pid, NULL, 0);
	return r;
}

#endif
