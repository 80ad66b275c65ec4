#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build and run the whole test suite (unit, bats, end-to-end with real
# QEMU). Usage: tests/run.sh [--sanitize|--static] [meson test args...]
#   --sanitize   build in build-asan with ASan+UBSan and run the suite there
#   --static     build in build-static with -Dstatic=true (one static-pie
#                binary) and run the suite there but for vm and integration
# Ends with one line "N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."

builddir=build
setup=(-Dwerror=true)
if [ "${1:-}" = "--sanitize" ]; then
	shift
	builddir=build-asan
	setup+=(-Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug)
	export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
	[ $# -gt 0 ] || set -- --no-suite vm --no-suite integration --no-suite e2e
elif [ "${1:-}" = "--static" ]; then
	shift
	builddir=build-static
	setup+=(-Dstatic=true)
	[ $# -gt 0 ] || set -- --no-suite vm --no-suite integration
fi

bash tests/deps.sh
if [ ! -f "$builddir/build.ninja" ]; then
	meson setup "$builddir" "${setup[@]}"
fi
ninja -C "$builddir"
status=0
meson test -C "$builddir" --print-errorlogs "$@" || status=$?

python3 - "$builddir/meson-logs/testlog.json" <<'PY'
import json, sys
passed = failed = skipped = 0
for line in open(sys.argv[1]):
    t = json.loads(line)
    out = t.get("stdout") or ""
    # Each failed TAP result with its diagnostics, so a log shows why.
    lines = out.splitlines()
    for i, l in enumerate(lines):
        if l.startswith("not ok ") and "# TODO" not in l:
            print(f"--- {t['name']}: {l}")
            for d in lines[i + 1:]:
                if not d.startswith("#"):
                    break
                print(d)
    # TAP tests: count the individual results, not the files.
    oks = sum(1 for l in out.splitlines() if l.startswith("ok ") and "# SKIP" not in l)
    skips = sum(1 for l in out.splitlines() if l.startswith("ok ") and "# SKIP" in l)
    nots = sum(1 for l in out.splitlines() if l.startswith("not ok ") and "# TODO" not in l)
    if oks or skips or nots:
        passed += oks; skipped += skips; failed += nots
        if t["result"] not in ("OK", "SKIP", "EXPECTEDFAIL") and not nots:
            failed += 1
    elif t["result"] == "OK":
        passed += 1
    elif t["result"] == "SKIP":
        skipped += 1
    else:
        failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
