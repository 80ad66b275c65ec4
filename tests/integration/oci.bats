#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# oci.bats - vmjail as PID 1 of a container run by a real OCI runtime
# (Debian's crun and runc: meson runs this file once with each, through
# VMJAIL_OCI_RUNTIME=crun|runc; unset, the first that works), from bundles
# written by contrib/oci/vmjail-oci-bundle: the host's /usr read-only,
# vmjail from the build tree, its profiles and policies. Two specs: the
# runtime's default (`crun spec`: uid 0, CAP_AUDIT_WRITE/KILL/
# NET_BIND_SERVICE, masked /proc paths, no_new_privs; crun's default spec
# has no seccomp filter) and a privileged one. The exit status, the
# runtime's SIGTERM, the orphans PID 1 reaps, and what vmjail says where
# the container forbids what it needs.
#
# crun 1.8 refuses hybrid cgroup hosts; on one, each crun call sees the
# unified hierarchy as /sys/fs/cgroup (a private mount namespace), as on a
# pure v2 host. A runtime that cannot run its default spec here skips
# those tests with the runtime's reason.

bats_require_minimum_version 1.5.0

: "${VMJAIL:=$BATS_TEST_DIRNAME/../../build/vmjail}"
: "${VMJAIL_SRCDIR:=$BATS_TEST_DIRNAME/../..}"

setup_file() {
	local why= rt
	if [ "$(id -u)" -ne 0 ]; then
		echo "needs root (the OCI runtime runs rootful containers)" >"$BATS_FILE_TMPDIR/skip"
		return 0
	fi
	W=$(mktemp -d /tmp/vmjail-oci.XXXXXX)
	echo "$W" >"$BATS_FILE_TMPDIR/work"
	# The first runtime that runs a trivial container on this host.
	for rt in ${VMJAIL_OCI_RUNTIME:-crun runc}; do
		command -v "$rt" >/dev/null || { why+="$rt: not installed; "; continue; }
		# crun (1.8) refuses a hybrid host ("cgroups in hybrid mode not
		# supported"). There, each crun call runs in a private mount
		# namespace whose /sys/fs/cgroup is the unified hierarchy: crun
		# sees a pure v2 host, as most hosts that run it are.
		if [ "$rt" = crun ] && [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ] &&
			[ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
			cat >"$W/crun-v2" <<-'EOF'
				#!/bin/sh
				exec unshare --mount --propagation private sh -c 'mount -t cgroup2 none /sys/fs/cgroup && exec crun "$@"' crun "$@"
			EOF
			chmod +x "$W/crun-v2"
			rt=$W/crun-v2
		fi
		mk "$W/probe" --privileged -- --help
		sed -i 's|"args": \[[^]]*\]|"args": ["/usr/bin/true"]|' "$W/probe/config.json"
		echo "vmjail-oci-probe-$$ vmjail-oci-probe-d-$$" >>"$W/ids"
		if out=$(timeout 60 "$rt" run -b "$W/probe" "vmjail-oci-probe-$$" 2>&1); then
			echo "$rt" >"$BATS_FILE_TMPDIR/runtime"
			# The runtime's default spec may need more of the host (crun
			# raises RLIMIT_MEMLOCK for its device filter, which takes
			# CAP_SYS_RESOURCE): those tests skip, saying so.
			mk "$W/probe-default" -- --help
			sed -i 's|"args": \[[^]]*\]|"args": ["/usr/bin/true"]|' "$W/probe-default/config.json"
			if ! out=$(timeout 60 "$rt" run -b "$W/probe-default" "vmjail-oci-probe-d-$$" 2>&1); then
				local eff
				eff=$(sed -n 's/^CapEff:\t//p' /proc/self/status)
				(((16#$eff >> 24) & 1)) || out+=" (this host's root lacks CAP_SYS_RESOURCE)"
				echo "${rt##*/} cannot run its default spec on this host: ${out//$'\n'/ }" >"$BATS_FILE_TMPDIR/skip-default"
			fi
			return 0
		fi
		why+="$rt: cannot run a container here: ${out//$'\n'/ }; "
	done
	echo "no usable OCI runtime (${why%; })" >"$BATS_FILE_TMPDIR/skip"
}

teardown_file() {
	[ -f "$BATS_FILE_TMPDIR/work" ] || return 0
	W=$(cat "$BATS_FILE_TMPDIR/work")
	rt=$(cat "$BATS_FILE_TMPDIR/runtime" 2>/dev/null) || rt=
	if [ -n "$rt" ]; then
		for id in $(cat "$W/ids" 2>/dev/null); do
			"$rt" delete -f "$id" >/dev/null 2>&1 || true
		done
	fi
	rm -rf "$W"
}

setup() {
	[ ! -f "$BATS_FILE_TMPDIR/skip" ] || skip "$(cat "$BATS_FILE_TMPDIR/skip")"
	W=$(cat "$BATS_FILE_TMPDIR/work")
	RT=$(cat "$BATS_FILE_TMPDIR/runtime")
	ID=vmjail-oci-$BATS_TEST_NUMBER-$$
	echo "$ID" >>"$W/ids"
}

need_default_spec() {
	[ ! -f "$BATS_FILE_TMPDIR/skip-default" ] || skip "$(cat "$BATS_FILE_TMPDIR/skip-default")"
}

# mk DIR [GENERATOR-OPTIONS] -- VMJAIL-RUN-ARGS...: a bundle at DIR.
mk() {
	local dir=$1 opts=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
	"$VMJAIL_SRCDIR/contrib/oci/vmjail-oci-bundle" --vmjail "$VMJAIL" \
		--profile-path "$VMJAIL_SRCDIR/profiles" --policy-path "$VMJAIL_SRCDIR/policy" "${opts[@]}" "$dir" "$@" >/dev/null
}

@test "oci privileged: vmjail is PID 1, PROGRAM is jailed, its exit status comes through" {
	mk "$W/$ID" --privileged -- --profile generic -- sh -c \
		'echo pid=$$; grep -E "^(NoNewPrivs|Seccomp|CapEff|CapBnd):" /proc/self/status; exit 7'
	run --separate-stderr timeout 120 "$RT" run -b "$W/$ID" "$ID"
	echo "$output"; echo "$stderr"
	[ "$status" -eq 7 ]
	[[ "$output" == *"NoNewPrivs:	1"* ]]
	[[ "$output" == *"Seccomp:	2"* ]]
	[[ "$output" == *"CapEff:	0000000000000000"* ]]
	[[ "$output" == *"CapBnd:	0000000000000000"* ]]
	# PROGRAM runs in a pid namespace of its own, under the jail's init.
	[[ "$output" == *"pid=2"* ]]
}

@test "oci privileged: a signal's death comes through as 128+N" {
	mk "$W/$ID" --privileged -- --profile generic -- sh -c 'kill -USR1 $$'
	run timeout 120 "$RT" run -b "$W/$ID" "$ID"
	[ "$status" -eq $((128 + 10)) ]
}

# Start a container in the background, wait for READY (or the 4th
# argument, a grep pattern) in its output, send SIGTERM through the
# runtime, return the container's status.
term_when_ready() {
	local bundle=$1 id=$2 out=$3 ready=${4:-READY}
	timeout 120 "$RT" run -b "$bundle" "$id" >"$out" 2>&1 &
	local pid=$!
	for _ in $(seq 600); do
		grep -q "$ready" "$out" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	grep -q "$ready" "$out" || { cat "$out"; return 99; }
	"$RT" kill "$id" TERM
	wait "$pid"
}

@test "oci privileged: 'RUNTIME kill ID TERM' reaches PROGRAM through vmjail (PID 1), which ends gracefully" {
	mk "$W/$ID" --privileged -- --profile generic -- sh -c \
		'trap "echo graceful; exit 42" TERM; echo READY; while :; do sleep 0.1; done'
	run term_when_ready "$W/$ID" "$ID" "$W/$ID.out"
	cat "$W/$ID.out"
	[ "$status" -eq 42 ]
	grep -q graceful "$W/$ID.out"
}

@test "oci privileged: vmjail (PID 1) reaps the orphans 'RUNTIME exec' leaves in the container" {
	mk "$W/$ID" --privileged -- --profile generic -- sh -c \
		'trap "exit 42" TERM; echo READY; while :; do sleep 0.1; done'
	timeout 120 "$RT" run -b "$W/$ID" "$ID" >"$W/$ID.out" 2>&1 &
	local pid=$!
	for _ in $(seq 600); do
		grep -q READY "$W/$ID.out" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	grep -q READY "$W/$ID.out" || { cat "$W/$ID.out"; false; }
	# The exec'd shell exits at once: its two children are reparented to
	# the container's PID 1, and exit a moment later.
	"$RT" exec "$ID" /bin/sh -c 'sleep 0.2 & sleep 0.3 & exit 0'
	sleep 1.5
	# Every process of the container, with its state and parent: no zombie
	# (state Z) under PID 1.
	run "$RT" exec "$ID" /bin/sh -c 'for s in /proc/[0-9]*/stat; do read -r l <"$s" && echo "$l"; done'
	echo "$output"
	"$RT" kill "$ID" TERM
	local st=0
	wait "$pid" || st=$?
	[ "$st" -eq 42 ]
	[[ "$output" == *"(vmjail) S"* || "$output" == *"(vmjail) R"* ]]
	! grep -E '^[0-9]+ \([^)]*\) Z 1 ' <<<"$output"
}

@test "oci privileged: QEMU (proxied QMP) ends on the runtime's SIGTERM: 'terminating on signal 15', status 0" {
	[ -x /usr/bin/qemu-system-x86_64 ] || skip "qemu-system-x86_64 not installed"
	mk "$W/$ID" --privileged -- --profile qemu-system-x86_64 --no-cgroup -- sh -c \
		'exec qemu-system-x86_64 -machine none -accel tcg -display none -nodefaults -S -monitor stdio'
	# The human monitor's banner: QEMU's main loop runs, its handlers are set.
	run term_when_ready "$W/$ID" "$ID" "$W/$ID.out" 'QEMU .* monitor'
	cat "$W/$ID.out"
	[ "$status" -eq 0 ]
	grep -q 'terminating on signal 15' "$W/$ID.out"
}

@test "oci default spec (uid 0, no CAP_SYS_ADMIN): vmjail exits 125 naming what the container must allow" {
	need_default_spec
	mk "$W/$ID" -- --profile generic -- sh -c 'exit 7'
	run --separate-stderr timeout 120 "$RT" run -b "$W/$ID" "$ID"
	echo "$stderr"
	[ "$status" -eq 125 ]
	[[ "$stderr" == "vmjail: "* ]]
	# A root caller without CAP_SYS_ADMIN takes a user namespace, but
	# mapping uid 0 needs CAP_SETFCAP (Linux >= 5.12): the message names
	# the step, the capability and both ways out.
	[[ "$stderr" == *"user namespace: mapping uid 0 needs CAP_SETFCAP"* ]]
	[[ "$stderr" == *"run as a non-root user, or grant CAP_SETFCAP"* ]]
}

@test "oci default spec as a non-root user: a user namespace; /proc masked by the runtime stops it with the step named" {
	need_default_spec
	mk "$W/$ID" --user 1000:1000 -- --profile generic --no-cgroup -- sh -c 'exit 7'
	run --separate-stderr timeout 120 "$RT" run -b "$W/$ID" "$ID"
	echo "$stderr"
	[ "$status" -eq 125 ]
	[[ "$stderr" == *"mount proc"* ]]
}

@test "oci default spec as a non-root user with an unmasked /proc: the jail runs, the status comes through" {
	need_default_spec
	mk "$W/$ID" --user 1000:1000 --unmask-proc -- --profile generic --no-cgroup -- sh -c \
		'grep -E "^(NoNewPrivs|Seccomp|CapEff):" /proc/self/status; exit 7'
	run --separate-stderr timeout 120 "$RT" run -b "$W/$ID" "$ID"
	echo "$output"; echo "$stderr"
	[ "$status" -eq 7 ]
	[[ "$output" == *"Seccomp:	2"* ]]
	[[ "$output" == *"CapEff:	0000000000000000"* ]]
}

@test "oci default spec, non-root, unmasked /proc: 'RUNTIME kill ID TERM' ends PROGRAM gracefully" {
	need_default_spec
	mk "$W/$ID" --user 1000:1000 --unmask-proc -- --profile generic --no-cgroup -- sh -c \
		'trap "echo graceful; exit 42" TERM; echo READY; while :; do sleep 0.1; done'
	run term_when_ready "$W/$ID" "$ID" "$W/$ID.out"
	cat "$W/$ID.out"
	[ "$status" -eq 42 ]
	grep -q graceful "$W/$ID.out"
}
