#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# ns per syscall under no filter, a policy as a binary tree, and the same
# rules compiled linearly (see seccomp-bench.c). A benchmark, not a test.
#   tests/bench/seccomp-bench.sh [BUILD_DIR] [POLICY] [ITERATIONS] [ROUNDS]
# Defaults: build, qemu-system-x86_64, 200000 calls per measurement, 15
# rounds (each configuration's best round counts). On a quiet machine; pin
# it for steadier numbers:
#   taskset -c 1 tests/bench/seccomp-bench.sh build-seccomp
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-build}
policy=${2:-qemu-system-x86_64}
iters=${3:-200000}
rounds=${4:-15}
ninja -C "$build" tests/unit/seccomp-bench >/dev/null
VMJAIL_POLICY_PATH="$src/policy" exec "$build/tests/unit/seccomp-bench" "$policy" "$iters" "$rounds"
