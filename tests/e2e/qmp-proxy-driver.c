/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qmp-proxy-driver - a standalone QMP proxy for tests and benchmarks: what
 * `vmjail run` does with the engine, without the jail.
 *
 *   qmp-proxy-driver 'QMP-SECTION-JSON' -- PROGRAM ARG...
 *
 * Builds the plan from the JSON (the profile's "qmp" section), creates the
 * proxy, runs PROGRAM with the monitor on fd 3 plus the wiring arguments,
 * serves until PROGRAM exits, then exits with its status (128+N for
 * signal N). Prints "pid N" (PROGRAM's pid) and "ready" on stdout; logs
 * the proxy's messages on stderr as "LEVEL: message". When the target
 * sends garbage, PROGRAM is killed (SIGKILL), as the supervisor does.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "jsonp.h"
#include "jsonw.h"
#include "loop.h"
#include "qmp.h"

struct drv {
	struct vj_loop *loop;
	struct vj_watch pidw, sigw;
	pid_t pid;
	int status;
	bool exited;
};

static void on_log(void *opaque, int level, const char *msg)
{
	static const char *const names[] = { "error", "warning", "notice", "info", "debug" };
	fprintf(stderr, "qmp-proxy-driver: %s: %s\n", level >= 0 && level < 5 ? names[level] : "?", msg);
}

static void on_down(void *opaque, bool fatal, const char *reason)
{
	struct drv *d = opaque;
	fprintf(stderr, "qmp-proxy-driver: target down (%s): %s\n", fatal ? "fatal" : "closed", reason);
	if (fatal)
		kill(d->pid, SIGKILL);
}

static void on_pid(struct vj_watch *w, uint32_t events)
{
	struct drv *d = w->data;
	int st;
	if (waitpid(d->pid, &st, WNOHANG) == d->pid) {
		d->exited = true;
		d->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		vj_loop_quit(d->loop);
	}
}

static void on_sig(struct vj_watch *w, uint32_t events)
{
	struct drv *d = w->data;
	struct signalfd_siginfo si;
	if (read(w->fd, &si, sizeof(si)) == sizeof(si))
		kill(d->pid, (int)si.ssi_signo);
}

int main(int argc, char **argv)
{
	struct vj_error err = { 0 };
	struct vj_qmp_plan plan = { 0 };
	struct vj_qmp_proxy *px = NULL;
	struct drv d = { 0 };
	json_object *cfg = NULL;
	int target_fd, r;

	if (argc < 4 || strcmp(argv[2], "--") != 0) {
		fprintf(stderr, "usage: qmp-proxy-driver QMP-JSON -- PROGRAM ARG...\n");
		return 125;
	}
	if (vj_json_parse_string(argv[1], strlen(argv[1]), "argv[1]", &cfg, &err) < 0)
		goto fail;
	struct vj_jnode root;
	vj_jnode_root(&root, cfg, "argv[1]");
	if (vj_qmp_plan_parse(&plan, &root, &err) < 0)
		goto fail;
	plan.enabled = true;
	if (vj_qmp_proxy_new(&plan, &px, &target_fd, &err) < 0)
		goto fail;

	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);

	char **wiring = vj_qmp_target_argv(&plan, 3);
	size_t n = (size_t)argc - 3, nw = vj_strv_len(wiring);
	char **args = vj_xcalloc(n + nw + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		args[i] = argv[3 + i];
	for (size_t i = 0; i < nw; i++)
		args[n + i] = wiring[i];
	d.pid = fork();
	if (d.pid < 0) {
		vj_error_set(&err, errno, "fork");
		goto fail;
	}
	if (d.pid == 0) {
		sigprocmask(SIG_UNBLOCK, &mask, NULL);
		if (dup2(target_fd, 3) < 0)
			_exit(127);
		execvp(args[0], args);
		_exit(127);
	}
	close(target_fd);
	printf("pid %d\n", (int)d.pid);
	fflush(stdout);

	if (vj_loop_new(&d.loop, &err) < 0)
		goto fail;
	d.pidw.fd = (int)syscall(SYS_pidfd_open, d.pid, 0);
	d.pidw.fn = on_pid;
	d.pidw.data = &d;
	d.sigw.fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	d.sigw.fn = on_sig;
	d.sigw.data = &d;
	if (d.pidw.fd < 0 || d.sigw.fd < 0) {
		vj_error_set(&err, errno, "pidfd/signalfd");
		goto fail;
	}
	vj_loop_add(d.loop, &d.pidw, EPOLLIN);
	vj_loop_add(d.loop, &d.sigw, EPOLLIN);
	struct vj_qmp_hooks hooks = { .opaque = &d, .log = on_log, .target_down = on_down };
	vj_qmp_proxy_set_hooks(px, &hooks);
	if (vj_qmp_proxy_start(px, d.loop, &err) < 0)
		goto fail;
	printf("ready\n");
	fflush(stdout);
	r = vj_loop_run(d.loop, -1);
	if (r < 0)
		fprintf(stderr, "qmp-proxy-driver: loop: %s\n", strerror(-r));
	vj_qmp_proxy_target_exited(px);
	vj_qmp_proxy_free(px);
	vj_qmp_plan_free(&plan);
	json_object_put(cfg);
	vj_strv_free(wiring);
	free(args);
	vj_loop_free(d.loop);
	return d.exited ? d.status : 125;
fail:
	fprintf(stderr, "qmp-proxy-driver: %s\n", err.msg);
	if (d.pid > 0)
		kill(d.pid, SIGKILL);
	vj_qmp_proxy_free(px);
	vj_qmp_plan_free(&plan);
	if (cfg)
		json_object_put(cfg);
	return 125;
}
