/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * proxy-int.h - the proxy's state, shared by proxy.c (sockets, I/O,
 * lifecycle) and session.c (what the messages mean: negotiation, policy,
 * routing, fd names, filtering).
 */
#ifndef VJ_QMP_PROXY_INT_H
#define VJ_QMP_PROXY_INT_H

#include <sys/stat.h>

#include "framer.h"
#include "loop.h"
#include "qmp-int.h"
#include "router.h"

#define VJ_QMP_MAX_QUEUED 8      /* in-band commands a client may have waiting */
#define VJ_QMP_PIPELINE 4        /* in-band commands upstream at once */
#define VJ_QMP_MAX_FDS 16        /* fds a client may have sent ahead */
#define VJ_QMP_MAX_CLIENTS 1024
#define VJ_QMP_READ_CHUNK 65536
/* A message this large leaves freed heap behind (json-c trees, buffers):
 * give it back to the system once the callback is done. */
#define VJ_QMP_TRIM_AFTER 65536

enum cmd_tag {
	TAG_CLIENT,      /* reply goes to the owner */
	TAG_COMMANDS,    /* query-commands: filter the reply */
	TAG_SCHEMA,      /* query-qmp-schema: filter the reply */
	TAG_GETFD,       /* getfd: the name is registered on success */
	TAG_INT_CAPS,    /* the proxy's own negotiation */
	TAG_INT_SCHEMA,  /* the proxy's own query-qmp-schema */
	TAG_INT_DISCARD, /* the proxy's own closefd: nobody wants the reply */
};

/* A command on its way up. */
struct vj_qmp_cmd {
	struct vj_qmp_cmd *next;
	struct vj_qmp_pending *rec; /* in the router */
	char *text;                 /* serialised, "\r\n"-terminated */
	size_t len, off;
	int fd;                     /* SCM_RIGHTS to send with it, or -1 */
};

struct vj_qmp_listener {
	struct vj_watch w;
	struct vj_qmp_proxy *px;
	const struct vj_qmp_socket_plan *sp;
	dev_t dev;
	ino_t ino;
	bool created;
};

struct vj_qmp_obuf {
	char *data;
	size_t off, len, cap;
};

struct vj_qmp_client {
	struct vj_watch w;
	struct vj_qmp_proxy *px;
	struct vj_qmp_listener *l;
	struct vj_qmp_client *next;     /* all clients */
	unsigned id;
	uint32_t events;                /* epoll mask now */
	bool greeted, negotiated, oob, dead, eof;
	size_t n_inflight;              /* its commands upstream */
	struct vj_qmp_framer fr;
	struct vj_qmp_obuf out;
	struct vj_qmp_cmd *q, **q_tail; /* in-band commands waiting */
	size_t n_queued;
	int fds[VJ_QMP_MAX_FDS];        /* received, not yet used */
	size_t n_fds;
	char **fdnames;                 /* names it registered with getfd */
};

struct vj_qmp_proxy {
	const struct vj_qmp_plan *plan;
	const struct vj_qmp_cfg *cfg;
	struct vj_qmp_listener *ls;
	size_t n_ls;
	struct vj_loop *loop;
	struct vj_qmp_hooks hooks;
	enum vj_qmp_target_state state;

	/* Upstream (the target's monitor). */
	struct vj_watch up;
	uint32_t up_events;
	struct vj_qmp_framer up_fr;
	struct vj_qmp_cmd *up_out, **up_out_tail; /* being written */
	struct vj_qmp_cmd *internal, **internal_tail; /* the proxy's own, first */
	/* In-band commands upstream, oldest first (QEMU answers them in
	 * order): at most VJ_QMP_PIPELINE. */
	struct vj_qmp_pending *upq[VJ_QMP_PIPELINE];
	size_t upq_head, upq_n;
	bool up_oob;                              /* negotiated oob upstream */
	bool schema_bad;                          /* schema_check "error" failed */
	/* "warn": the check's query-commands waits until the first client
	 * command has gone up, or VJ_QMP_SCHEMA_DELAY_MS after ready. */
	bool schema_deferred;
	struct vj_watch schema_timer;             /* a timerfd, or fd -1 */
	char *greeting;                           /* for clients, "\r\n"-terminated */
	size_t greeting_len;
	struct vj_qmp_router router;

	struct vj_qmp_client *clients, *rr, *dead; /* rr: the last served */
	size_t n_clients;
	unsigned next_client;
	json_tokener *tok;
	char *rbuf;                               /* VJ_QMP_READ_CHUNK, lazily */
	int depth;                                /* callback nesting, for reaping */
	bool trim;                                /* a large message went by */
};

#define VJ_QMP_SCHEMA_DELAY_MS 200

/* proxy.c */
void vj_qmp_log(struct vj_qmp_proxy *px, int level, const char *fmt, ...) _printf_(3, 4);
void vj_qmp_client_kill(struct vj_qmp_client *c, int level, const char *why);
/* Queue bytes to a client; may kill it (slow reader). */
void vj_qmp_client_send(struct vj_qmp_client *c, const char *s, size_t len);
void vj_qmp_client_send_json(struct vj_qmp_client *c, json_object *o);
void vj_qmp_client_update(struct vj_qmp_client *c);
void vj_qmp_upstream_write(struct vj_qmp_proxy *px, struct vj_qmp_cmd *cmd);
void vj_qmp_target_fail(struct vj_qmp_proxy *px, bool fatal, const char *fmt, ...) _printf_(3, 4);
void vj_qmp_cmd_free(struct vj_qmp_cmd *cmd);
/* Arm (or, with delay 0, close) the timer that sends the deferred schema
 * check; on expiry it calls vj_qmp_schema_now. */
void vj_qmp_schema_timer(struct vj_qmp_proxy *px, unsigned delay_ms);
void vj_qmp_greet_all(struct vj_qmp_proxy *px);

/* session.c */
int vj_qmp_client_frame(void *opaque, const struct vj_qmp_frame *fr);
int vj_qmp_upstream_frame(void *opaque, const struct vj_qmp_frame *fr);
void vj_qmp_pump(struct vj_qmp_proxy *px);
void vj_qmp_client_gone(struct vj_qmp_client *c);
/* Queue the deferred schema check now (it goes up next). */
void vj_qmp_schema_now(struct vj_qmp_proxy *px);

#endif
