/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qmp.h - the profile's "qmp" section and the supervisor's QMP proxy
 * (implemented in qmp/): the target gets one end of a socketpair as its
 * monitor; the supervisor serves it to clients on unix sockets outside
 * the jail.
 */
#ifndef VJ_QMP_H
#define VJ_QMP_H

#include <json.h>

#include "error.h"
#include "jsonp.h"

struct vj_jnode;
struct vj_loop;

/* The profile's "qmp" section, resolved. Fields are qmp/'s to define. */
struct vj_qmp_plan {
	bool enabled;   /* the target gets a proxied monitor */
	void *priv;     /* engine-private (wiring template, sockets, policy) */
};

int vj_qmp_plan_parse(struct vj_qmp_plan *p, const struct vj_jnode *n, struct vj_error *err);
/* The section's keys as vj_qmp_plan_parse() reads them (jsonp.h), for
 * `vmjail features`. */
extern const struct vj_jkey vj_qmp_section_keys[];
json_object *vj_qmp_plan_to_json(const struct vj_qmp_plan *p);
void vj_qmp_plan_free(struct vj_qmp_plan *p);

struct vj_qmp_proxy;

/* Host preparation (parent): create the listening sockets and the
 * monitor socketpair. p must outlive the proxy. *target_fd receives the jail's end (O_CLOEXEC; the
 * launcher moves it to the fd number it gives to vj_qmp_target_argv). */
int vj_qmp_proxy_new(const struct vj_qmp_plan *p, struct vj_qmp_proxy **out, int *target_fd,
		     struct vj_error *err);
/* The arguments to add to PROGRAM's argv so it uses fd as its monitor
 * (e.g. "-chardev", "socket,id=vmjail-qmp,fd=3", "-mon", ...). */
char **vj_qmp_target_argv(const struct vj_qmp_plan *p, int fd);
/* Supervisor: start serving on the loop once the target runs. */
int vj_qmp_proxy_start(struct vj_qmp_proxy *px, struct vj_loop *loop, struct vj_error *err);
/* The target has exited: deliver what it sent last, close clients. */
void vj_qmp_proxy_target_exited(struct vj_qmp_proxy *px);
/* For the info-fd record and state.json: socket paths. */
json_object *vj_qmp_proxy_to_json(const struct vj_qmp_proxy *px);
/* Close everything, unlink the sockets, free. NULL is a no-op. */
void vj_qmp_proxy_free(struct vj_qmp_proxy *px);

/* What the proxy tells its owner (the supervisor). Library code does not
 * log: it hands each message to log(); level is an enum vj_log_level
 * (log.h). Messages: policy denials (notice), clients closed for cause
 * (oversize, slow reader: warning), policy rules naming commands the target
 * lacks (warning).
 * target_down() is called once when the target's monitor stops working:
 * fatal = true when the target sent garbage (invalid JSON, a message over
 * max_target_message, a reply to no command, anything not QMP): the jail
 * should end (kill the target); fatal = false when the target closed its
 * monitor (it is usually exiting: wait for its pidfd). Either way the
 * clients have been closed. Hooks run from inside loop callbacks. */
struct vj_qmp_hooks {
	void *opaque;
	void (*log)(void *opaque, int level, const char *msg);
	void (*target_down)(void *opaque, bool fatal, const char *reason);
	/* The target's monitor answered and clients are served (may be NULL). */
	void (*ready)(void *opaque);
};
void vj_qmp_proxy_set_hooks(struct vj_qmp_proxy *px, const struct vj_qmp_hooks *hooks);

enum vj_qmp_target_state {
	VJ_QMP_TARGET_STARTING, /* waiting for the greeting / negotiation */
	VJ_QMP_TARGET_READY,    /* serving clients */
	VJ_QMP_TARGET_CLOSED,   /* the target closed its monitor, or exited */
	VJ_QMP_TARGET_FAILED,   /* the target sent garbage: end the jail */
};
enum vj_qmp_target_state vj_qmp_proxy_target_state(const struct vj_qmp_proxy *px);

/* `vmjail qmp PATH|ID [COMMAND [JSON-ARGS]]` */
int vj_cmd_qmp(int argc, char **argv);

#endif
