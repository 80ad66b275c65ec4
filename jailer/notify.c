/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * notify.c - readiness and status for systemd (sd_notify(3) protocol),
 * without libsystemd.
 *
 * Theory of operation: $NOTIFY_SOCKET names an AF_UNIX datagram socket,
 * by path ("/run/systemd/notify") or in the abstract namespace ("@..."):
 * the message is one datagram of newline-separated KEY=VALUE assignments.
 * A fresh SOCK_DGRAM|SOCK_CLOEXEC socket is used per message (messages are
 * rare: start, ready, stopping), so nothing stays open across fork or
 * exec and nothing reaches the jail. systemd reads the sender's
 * credentials from the socket itself (SO_PASSCRED on its side): none are
 * attached here. The environment variable is not removed: the jailed
 * program never sees it, as the profile's environment list is built from
 * scratch.
 */
#include "notify.h"
#include "util.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>

int vj_notify(const char *text)
{
	const char *path = getenv("NOTIFY_SOCKET");
	if (!path || !*path)
		return 0;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = strlen(path);
	if (path[0] != '/' && path[0] != '@')
		return strchr(path, ':') ? -EAFNOSUPPORT : -EINVAL;
	if (len >= sizeof(sa.sun_path) || (path[0] == '@' && len < 2))
		return -EINVAL;
	memcpy(sa.sun_path, path, len);
	if (path[0] == '@')
		sa.sun_path[0] = '\0'; /* abstract: the length says where it ends */
	socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (path[0] == '/' ? 1 : 0));

	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct iovec iov = { .iov_base = (void *)text, .iov_len = strlen(text) };
	struct msghdr mh = { .msg_name = &sa, .msg_namelen = salen, .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;
	do
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return 1;
}

/* One line "KEY=value\n" with value's newlines made spaces (a newline
 * would start another assignment). */
static void append_kv(char *buf, size_t size, const char *key, const char *value)
{
	size_t off = strlen(buf);
	int n = snprintf(buf + off, size - off, "%s=%s\n", key, value);
	if (n < 0 || (size_t)n >= size - off) {
		buf[off] = '\0'; /* too long: drop the line rather than cut it */
		return;
	}
	for (char *p = buf + off + strlen(key) + 1; *p && p < buf + off + n - 1; p++)
		if (*p == '\n')
			*p = ' ';
}

int vj_notify_ready(const char *status)
{
	char buf[1024] = "READY=1\n";
	char pid[32];
	if (status)
		append_kv(buf, sizeof(buf), "STATUS", status);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	append_kv(buf, sizeof(buf), "MAINPID", pid);
	return vj_notify(buf);
}

int vj_notify_status(const char *status)
{
	char buf[1024] = "";
	append_kv(buf, sizeof(buf), "STATUS", status ? status : "");
	return vj_notify(buf);
}

int vj_notify_stopping(const char *status)
{
	char buf[1024] = "STOPPING=1\n";
	if (status)
		append_kv(buf, sizeof(buf), "STATUS", status);
	return vj_notify(buf);
}
