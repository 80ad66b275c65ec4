/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sync.h"

#include <stdio.h>
#include <sys/socket.h>

int vj_msg_send(int sock, const struct vj_msg *m, int fd_to_pass)
{
	struct iovec iov = { .iov_base = (void *)m, .iov_len = sizeof(*m) };
	union vj_cmsg_fd ctl;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (fd_to_pass >= 0)
		vj_cmsg_attach_fd(&mh, &ctl, fd_to_pass);
	for (;;) {
		ssize_t n = sendmsg(sock, &mh, MSG_NOSIGNAL);
		if (n >= 0)
			return n == (ssize_t)sizeof(*m) ? 0 : -EIO;
		if (errno != EINTR)
			return -errno;
	}
}

int vj_msg_send_error(int sock, const char *step, const struct vj_error *err, int exit_code)
{
	struct vj_msg m = { .type = VJ_MSG_ERROR, .err = err->code, .status = exit_code };
	snprintf(m.step, sizeof(m.step), "%s", step);
	snprintf(m.text, sizeof(m.text), "%s", err->msg);
	return vj_msg_send(sock, &m, -1);
}

int vj_msg_recv(int sock, struct vj_msg *m, pid_t *sender, int *passed)
{
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	union {
		char buf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	if (sender)
		*sender = 0;
	if (passed)
		*passed = -1;
	ssize_t n;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_CREDENTIALS && sender) {
			struct ucred cr;
			memcpy(&cr, CMSG_DATA(c), sizeof(cr));
			*sender = cr.pid;
		} else if (c->cmsg_type == SCM_RIGHTS) {
			size_t nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			int fds[4];
			if (nfd > 4)
				nfd = 4;
			memcpy(fds, CMSG_DATA(c), nfd * sizeof(int));
			for (size_t i = 0; i < nfd; i++) {
				if (passed && *passed < 0)
					*passed = fds[i];
				else
					close(fds[i]);
			}
		}
	}
	if (n != (ssize_t)sizeof(*m) || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		if (passed && *passed >= 0) {
			close(*passed);
			*passed = -1;
		}
		return -EBADMSG;
	}
	m->step[sizeof(m->step) - 1] = '\0';
	m->text[sizeof(m->text) - 1] = '\0';
	return 1;
}
