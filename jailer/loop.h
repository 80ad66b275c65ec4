/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * loop.h - the supervisor's single-threaded epoll loop. A watched fd is a
 * struct vj_watch embedded in its owner; its callback runs when the fd is
 * ready. No timers beyond an optional deadline; no busy polling.
 */
#ifndef VJ_LOOP_H
#define VJ_LOOP_H

#include <stdint.h>
#include <sys/epoll.h>

#include "error.h"

struct vj_loop;
struct vj_watch;
typedef void (*vj_watch_fn)(struct vj_watch *w, uint32_t events);

struct vj_watch {
	int fd;
	vj_watch_fn fn;
	void *data;
};

int vj_loop_new(struct vj_loop **out, struct vj_error *err);
void vj_loop_free(struct vj_loop *loop);
int vj_loop_add(struct vj_loop *loop, struct vj_watch *w, uint32_t events);
int vj_loop_mod(struct vj_loop *loop, struct vj_watch *w, uint32_t events);
void vj_loop_del(struct vj_loop *loop, struct vj_watch *w);
/* Run until vj_loop_quit(); timeout_ms < 0: none. Returns 0, -ETIMEDOUT
 * when the timeout passed first, or -errno. */
int vj_loop_run(struct vj_loop *loop, int timeout_ms);
void vj_loop_quit(struct vj_loop *loop);
/* How many times the loop woke up with events: activity, for a caller
 * that wants to know whether it has been quiet. */
uint64_t vj_loop_rounds(const struct vj_loop *loop);
/* Callbacks may delete watches (even their own) safely during dispatch. */

#endif
