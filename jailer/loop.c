/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "loop.h"

#include <time.h>

#define MAX_EVENTS 64

struct vj_loop {
	int epfd;
	bool quit;
	/* Events of the current dispatch round; a watch deleted during the
	 * round is cleared from here so no stale pointer is called. */
	struct epoll_event ev[MAX_EVENTS];
	int n_ev;
	uint64_t rounds; /* epoll_wait calls that returned events */
};

int vj_loop_new(struct vj_loop **out, struct vj_error *err)
{
	struct vj_loop *l = vj_xcalloc(1, sizeof(*l));
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		free(l);
		return vj_error_set(err, errno, "epoll_create1");
	}
	*out = l;
	return 0;
}

void vj_loop_free(struct vj_loop *loop)
{
	if (!loop)
		return;
	close(loop->epfd);
	free(loop);
}

int vj_loop_add(struct vj_loop *loop, struct vj_watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };
	return epoll_ctl(loop->epfd, EPOLL_CTL_ADD, w->fd, &ev) < 0 ? -errno : 0;
}

int vj_loop_mod(struct vj_loop *loop, struct vj_watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };
	return epoll_ctl(loop->epfd, EPOLL_CTL_MOD, w->fd, &ev) < 0 ? -errno : 0;
}

void vj_loop_del(struct vj_loop *loop, struct vj_watch *w)
{
	if (w->fd >= 0)
		epoll_ctl(loop->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	for (int i = 0; i < loop->n_ev; i++)
		if (loop->ev[i].data.ptr == w)
			loop->ev[i].data.ptr = NULL;
}

uint64_t vj_loop_rounds(const struct vj_loop *loop)
{
	return loop->rounds;
}

void vj_loop_quit(struct vj_loop *loop)
{
	loop->quit = true;
}


int vj_loop_run(struct vj_loop *loop, int timeout_ms)
{
	int64_t deadline = timeout_ms >= 0 ? vj_now_ms() + timeout_ms : -1;
	loop->quit = false;
	while (!loop->quit) {
		int wait = -1;
		if (deadline >= 0) {
			int64_t left = deadline - vj_now_ms();
			if (left <= 0)
				return -ETIMEDOUT;
			wait = (int)left;
		}
		int n = epoll_wait(loop->epfd, loop->ev, MAX_EVENTS, wait);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		loop->n_ev = n;
		if (n > 0)
			loop->rounds++;
		for (int i = 0; i < n; i++) {
			struct vj_watch *w = loop->ev[i].data.ptr;
			if (w)
				w->fn(w, loop->ev[i].events);
		}
		loop->n_ev = 0;
	}
	return 0;
}
