/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "log.h"
#include "jsonw.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static enum vj_log_level log_level = VJ_LOG_NOTICE;
static bool log_json;
static int log_file = -1;
static char log_jail[128];

static const char *const level_names[] = {
	[VJ_LOG_ERROR] = "error",
	[VJ_LOG_WARNING] = "warning",
	[VJ_LOG_NOTICE] = "notice",
	[VJ_LOG_INFO] = "info",
	[VJ_LOG_DEBUG] = "debug",
};

void vj_log_set_level(enum vj_log_level level) { log_level = level; }
enum vj_log_level vj_log_get_level(void) { return log_level; }
void vj_log_set_json(bool json) { log_json = json; }
void vj_log_set_file(int fd) { log_file = fd; }
void vj_log_set_jail(const char *id) { snprintf(log_jail, sizeof(log_jail), "%s", id ? id : ""); }

int vj_log_level_from_string(const char *s, enum vj_log_level *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(level_names); i++)
		if (vj_streq(s, level_names[i])) {
			*out = (enum vj_log_level)i;
			return 0;
		}
	return -EINVAL;
}

static void emit(enum vj_log_level level, const char *msg, const char *event, va_list *kv)
{
	bool to_stderr = level <= log_level;
	if (!to_stderr && log_file < 0)
		return;

	json_object *o = NULL;
	if (log_json || log_file >= 0) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		o = json_object_new_object();
		vj_json_add_double(o, "time", (double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
		vj_json_add_string(o, "level", level_names[level]);
		if (log_jail[0])
			vj_json_add_string(o, "jail", log_jail);
		if (event)
			vj_json_add_string(o, "event", event);
		if (msg)
			vj_json_add_string(o, "message", msg);
		if (kv) {
			const char *k;
			while ((k = va_arg(*kv, const char *))) {
				const char *v = va_arg(*kv, const char *);
				vj_json_add_string(o, k, v ? v : "");
			}
		}
	}
	if (to_stderr) {
		if (log_json) {
			vj_json_write_line(STDERR_FILENO, o);
		} else {
			char line[4096];
			int n;
			const char *text = msg ? msg : event;
			if (level <= VJ_LOG_WARNING)
				n = snprintf(line, sizeof(line), "vmjail: %s%s\n",
					     level == VJ_LOG_WARNING ? "warning: " : "", text);
			else
				n = snprintf(line, sizeof(line), "vmjail: %s\n", text);
			if (n > 0)
				(void)vj_write_all(STDERR_FILENO, line,
						   (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
		}
	}
	if (log_file >= 0 && o)
		vj_json_write_line(log_file, o);
	if (o)
		json_object_put(o);
}

void vj_log(enum vj_log_level level, const char *fmt, ...)
{
	char msg[VJ_ERROR_MAX + 512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	emit(level, msg, NULL, NULL);
}

void vj_log_event(enum vj_log_level level, const char *event, ...)
{
	va_list ap;
	va_start(ap, event);
	/* Human form: "event k=v k=v". */
	char msg[2048];
	size_t n = (size_t)snprintf(msg, sizeof(msg), "%s", event);
	va_list ap2;
	va_copy(ap2, ap);
	const char *k;
	while ((k = va_arg(ap2, const char *)) && n < sizeof(msg)) {
		const char *v = va_arg(ap2, const char *);
		n += (size_t)snprintf(msg + n, sizeof(msg) - n, " %s=%s", k, v ? v : "");
	}
	va_end(ap2);
	emit(level, msg, event, &ap);
	va_end(ap);
}
