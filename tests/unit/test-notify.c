/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-notify.c - jailer/notify.c against real unix datagram sockets (a
 * path and an abstract name) standing where systemd's notify socket would:
 * the exact datagrams, the sender's credentials as the kernel reports
 * them, the address forms refused, and no fd left open.
 */
#include "notify.h"
#include "tap.h"
#include "util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;
	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* A bound SOCK_DGRAM socket with SO_PASSCRED, at path or (path[0] == '@')
 * in the abstract namespace. */
static int listen_at(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = strlen(path);
	memcpy(sa.sun_path, path, len);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
							 (path[0] == '/' ? 1 : 0))) < 0)
		return -1;
	return fd;
}

/* One datagram (NUL-terminated into buf) and its sender's pid. */
static ssize_t recv_one(int fd, char *buf, size_t size, pid_t *pid)
{
	char cbuf[CMSG_SPACE(sizeof(struct ucred))];
	struct iovec iov = { .iov_base = buf, .iov_len = size - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	*pid = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
			struct ucred uc;
			memcpy(&uc, CMSG_DATA(c), sizeof(uc));
			*pid = uc.pid;
		}
	return n;
}

int main(void)
{
	char buf[2048], want[256];
	pid_t pid;
	plan_no_plan();

	unsetenv("NOTIFY_SOCKET");
	is_int(vj_notify_ready("x"), 0, "NOTIFY_SOCKET unset: nothing sent, 0");
	setenv("NOTIFY_SOCKET", "", 1);
	is_int(vj_notify_ready("x"), 0, "NOTIFY_SOCKET empty: nothing sent, 0");

	/* A path socket. */
	char dir[] = "/tmp/vmjail-notify-XXXXXX";
	if (!mkdtemp(dir)) {
		skip("mkdtemp: %s", strerror(errno));
		return done_testing();
	}
	char path[128];
	snprintf(path, sizeof(path), "%s/notify", dir);
	int fd = listen_at(path);
	ok(fd >= 0, "bound %s", path);
	setenv("NOTIFY_SOCKET", path, 1);
	int before = count_fds();
	is_int(vj_notify_ready("PROGRAM started (pid 42)"), 1, "ready sent to a path socket");
	is_int(count_fds(), before, "no fd left open");
	ok(recv_one(fd, buf, sizeof(buf), &pid) > 0, "one datagram");
	snprintf(want, sizeof(want), "READY=1\nSTATUS=PROGRAM started (pid 42)\nMAINPID=%d\n", (int)getpid());
	is_str(buf, want, "READY=1, STATUS, MAINPID");
	is_int(pid, getpid(), "the kernel reports the sender's pid (systemd checks it against the main pid)");

	is_int(vj_notify_status("line one\nline two"), 1, "status sent");
	recv_one(fd, buf, sizeof(buf), &pid);
	is_str(buf, "STATUS=line one line two\n", "a newline in a value cannot start another assignment");

	is_int(vj_notify_stopping("stopping: SIGTERM forwarded"), 1, "stopping sent");
	recv_one(fd, buf, sizeof(buf), &pid);
	is_str(buf, "STOPPING=1\nSTATUS=stopping: SIGTERM forwarded\n", "STOPPING=1 and STATUS");

	is_int(vj_notify_ready(NULL), 1, "ready without a status");
	recv_one(fd, buf, sizeof(buf), &pid);
	snprintf(want, sizeof(want), "READY=1\nMAINPID=%d\n", (int)getpid());
	is_str(buf, want, "READY=1 and MAINPID only");

	char big[1500];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	is_int(vj_notify_ready(big), 1, "an overlong status");
	recv_one(fd, buf, sizeof(buf), &pid);
	snprintf(want, sizeof(want), "READY=1\nMAINPID=%d\n", (int)getpid());
	is_str(buf, want, "is dropped whole, never cut; READY=1 still goes");
	close(fd);
	unlink(path);

	is_int(vj_notify_ready("x"), -ENOENT, "a path where no socket listens: -ENOENT");
	rmdir(dir);

	/* An abstract socket, as systemd --user and containers use. */
	char abs_name[64];
	snprintf(abs_name, sizeof(abs_name), "@vmjail-test-notify-%d", (int)getpid());
	fd = listen_at(abs_name);
	ok(fd >= 0, "bound abstract %s", abs_name);
	setenv("NOTIFY_SOCKET", abs_name, 1);
	is_int(vj_notify_ready("up"), 1, "ready sent to an abstract socket");
	recv_one(fd, buf, sizeof(buf), &pid);
	snprintf(want, sizeof(want), "READY=1\nSTATUS=up\nMAINPID=%d\n", (int)getpid());
	is_str(buf, want, "the same datagram");
	close(fd);

	setenv("NOTIFY_SOCKET", "relative/notify", 1);
	is_int(vj_notify_ready("x"), -EINVAL, "a relative path is refused: -EINVAL");
	setenv("NOTIFY_SOCKET", "vsock:2:1234", 1);
	is_int(vj_notify_ready("x"), -EAFNOSUPPORT, "vsock: addresses: -EAFNOSUPPORT");
	setenv("NOTIFY_SOCKET", "@", 1);
	is_int(vj_notify_ready("x"), -EINVAL, "an empty abstract name: -EINVAL");
	char longp[200];
	memset(longp, 'x', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	setenv("NOTIFY_SOCKET", longp, 1);
	is_int(vj_notify_ready("x"), -EINVAL, "a path longer than sun_path: -EINVAL");
	return done_testing();
}
