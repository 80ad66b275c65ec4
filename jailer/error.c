/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

static int norm(int errnum)
{
	if (errnum < 0)
		errnum = -errnum;
	return errnum ? errnum : EINVAL;
}

int vj_error_set(struct vj_error *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	int code = norm(errnum);
	va_start(ap, fmt);
	int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if (errnum != 0 && (size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s", strerror(code));
	err->code = code;
	return -code;
}

int vj_error_setx(struct vj_error *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	err->code = norm(errnum);
	return -err->code;
}

int vj_error_prefix(struct vj_error *err, const char *fmt, ...)
{
	char prefix[VJ_ERROR_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if (!err->code)
		err->code = EINVAL;
	char old[VJ_ERROR_MAX];
	memcpy(old, err->msg, sizeof(old));
	snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old);
	return -err->code;
}

void vj_error_clear(struct vj_error *err)
{
	err->code = 0;
	err->msg[0] = '\0';
}
