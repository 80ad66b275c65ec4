/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz-policy - libFuzzer harness for the seccomp policy parser: bytes ->
 * vj_json_parse_string() -> the policy parser (includes refused, so the
 * harness never touches the file system) -> the aarch64 name check.
 * Any input must give either a policy or an error message, never a crash,
 * a leak or an empty message.
 *
 *   CC=clang meson setup build-fuzz -Dfuzz=true
 *   ninja -C build-fuzz tests/fuzz/fuzz-policy
 *   build-fuzz/tests/fuzz/fuzz-policy -max_total_time=60 tests/fuzz/corpus-policy policy
 */
#include "seccomp_policy.h"

#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vj_sc_policy *p = NULL;
	struct vj_error err = { 0 };
	int r = vj_sc_policy_parse_string((const char *)data, size, "fuzz.json", false, &p, &err);
	if (r < 0) {
		if (p || !err.msg[0] || err.code <= 0)
			__builtin_trap();
		return 0;
	}
	if (!p)
		__builtin_trap();
	vj_error_clear(&err);
	(void)vj_sc_policy_check_arch(p, SCMP_ARCH_AARCH64, &err);
	vj_sc_policy_free(p);
	return 0;
}
