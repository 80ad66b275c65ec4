/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qmp-int.h - what the qmp/ sources share: the resolved "qmp" profile section
 * (struct vj_qmp_plan's priv).
 */
#ifndef VJ_QMP_INT_H
#define VJ_QMP_INT_H

#include <sys/types.h>

#include "qmp.h"
#include "policy.h"

enum vj_qmp_wiring { VJ_QMP_WIRING_QEMU, VJ_QMP_WIRING_QSD, VJ_QMP_WIRING_TEMPLATE };
enum vj_qmp_check { VJ_QMP_CHECK_WARN, VJ_QMP_CHECK_ERROR, VJ_QMP_CHECK_OFF };

struct vj_qmp_socket_plan {
	char *path;
	struct vj_qmp_policy policy;
	mode_t mode;
	uid_t uid; /* (uid_t)-1: leave as created */
	gid_t gid;
};

struct vj_qmp_cfg {
	enum vj_qmp_wiring wiring;
	char **template;            /* VJ_QMP_WIRING_TEMPLATE: args with "{fd}" */
	struct vj_qmp_socket_plan *sockets;
	size_t n_sockets;
	struct vj_qmp_rules deny;   /* global extra deny rules */
	size_t max_client_message;
	size_t max_target_message;
	size_t client_buffer;
	enum vj_qmp_check schema_check;
};

#define VJ_QMP_DEFAULT_MAX_CLIENT (1u << 20)
#define VJ_QMP_DEFAULT_MAX_TARGET (16u << 20)
#define VJ_QMP_DEFAULT_CLIENT_BUFFER (1u << 20)

static inline struct vj_qmp_cfg *vj_qmp_cfg(const struct vj_qmp_plan *p) { return p->priv; }

/* A plan built without a profile (tests, the bench driver). */
void vj_qmp_plan_init_default(struct vj_qmp_plan *p);
void vj_qmp_plan_add_socket(struct vj_qmp_plan *p, const char *path, const char *policy);

#endif
