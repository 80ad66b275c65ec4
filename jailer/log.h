/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * log.h - the one logging path. Lines go to stderr as "vmjail: MESSAGE"
 * (with "LEVEL: " for warnings and above), or one JSON object per line with
 * --log-json. A per-jail log file may be attached by the supervisor; every
 * line then goes there too, always as JSON.
 *
 * Library code does not log: it returns a struct vj_error. Logging happens
 * at the top (command handlers, the supervisor loop).
 */
#ifndef VJ_LOG_H
#define VJ_LOG_H

#include "error.h"

enum vj_log_level {
	VJ_LOG_ERROR,
	VJ_LOG_WARNING,
	VJ_LOG_NOTICE,
	VJ_LOG_INFO,
	VJ_LOG_DEBUG,
};

void vj_log_set_level(enum vj_log_level level);
enum vj_log_level vj_log_get_level(void);
int vj_log_level_from_string(const char *s, enum vj_log_level *out);
void vj_log_set_json(bool json);
/* Also append every line (as JSON) to fd; -1 detaches. The fd is not owned. */
void vj_log_set_file(int fd);
/* A short tag added to every line, e.g. the jail id. Copied. */
void vj_log_set_jail(const char *id);

void vj_log(enum vj_log_level level, const char *fmt, ...) _printf_(2, 3);
/* Log a structured event: message plus extra key/value string pairs,
 * NULL-terminated: vj_log_event(VJ_LOG_INFO, "exit", "status", "0", NULL). */
void vj_log_event(enum vj_log_level level, const char *event, ...) __attribute__((sentinel));
static inline void vj_log_error(const struct vj_error *err) { vj_log(VJ_LOG_ERROR, "%s", err->msg); }

#define vj_error(...) vj_log(VJ_LOG_ERROR, __VA_ARGS__)
#define vj_warn(...) vj_log(VJ_LOG_WARNING, __VA_ARGS__)
#define vj_notice(...) vj_log(VJ_LOG_NOTICE, __VA_ARGS__)
#define vj_info(...) vj_log(VJ_LOG_INFO, __VA_ARGS__)
#define vj_debug(...) vj_log(VJ_LOG_DEBUG, __VA_ARGS__)

#endif
