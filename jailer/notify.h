/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * notify.h - systemd's readiness protocol (sd_notify(3)), spoken directly:
 * one datagram of "KEY=VALUE\n" lines to the socket named by $NOTIFY_SOCKET
 * (a path, or "@name" for an abstract socket). No libsystemd. Every
 * function is a no-op returning 0 when NOTIFY_SOCKET is unset, so callers
 * call them unconditionally.
 */
#ifndef VJ_NOTIFY_H
#define VJ_NOTIFY_H

#include <stdbool.h>

/* Send text as is. Returns 1 when sent, 0 when NOTIFY_SOCKET is unset,
 * -errno otherwise (-EINVAL for an address that is neither absolute nor
 * abstract, -EAFNOSUPPORT for other kinds, e.g. vsock:). */
int vj_notify(const char *text);

/* "READY=1\nSTATUS=<status>\nMAINPID=<getpid()>\n": the service is up
 * (the supervisor's pid is the unit's main pid). status may be NULL. */
int vj_notify_ready(const char *status);

/* "STATUS=<status>\n". */
int vj_notify_status(const char *status);

/* "STOPPING=1\nSTATUS=<status>\n": the jail is ending (a stop request was
 * forwarded, or PROGRAM exited). status may be NULL. */
int vj_notify_stopping(const char *status);

#endif
