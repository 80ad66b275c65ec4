/* SPDX-License-Identifier: GPL-2.0-or-later */
/* seccomp-test.h - helpers shared by the seccomp engine's unit tests. */
#ifndef VJ_SECCOMP_TEST_H
#define VJ_SECCOMP_TEST_H

#include "seccomp_policy.h"
#include "tap.h"

/* Parse a policy text (no includes); NULL, with a diagnostic, on error. */
static inline struct vj_sc_policy *st_policy(const char *text)
{
	struct vj_sc_policy *p = NULL;
	struct vj_error err = { 0 };
	if (vj_sc_policy_parse_string(text, strlen(text), "t.json", false, &p, &err) < 0)
		diag("parse: %s", err.msg);
	return p;
}

#endif
