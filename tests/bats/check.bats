#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# check.bats - what vmjail refuses and how it says so: `vmjail check`, one
# test per validation error class (exit 125, one message naming the file
# and the JSON path, nothing left behind - the leak checks of helpers.bash
# run after each test), the help, and a system call the generic seccomp
# policy kills. Each check runs as root and as an unprivileged caller.

load helpers

# ---- vmjail check --------------------------------------------------------------

check_check() {
	run --separate-stderr timeout 30 "${VJ_PREFIX[@]}" "$VMJAIL" check --id "$VJ_ID" --uid 1234 \
		--ro-bind /usr/share:/data -- /bin/sh -c 'echo hi'
	assert_status 0
	assert_eq "stderr" "" "$(errors)"
	echo "$output" >"$VJ_T/check.json"
	"$VJ_PY" - "$VJ_T/check.json" "$VJ_ID" <<'EOF' || { show; return 1; }
import json, sys
j = json.load(open(sys.argv[1]))
def want(what, got, exp):
    if got != exp:
        sys.exit("%s: expected %r, got %r" % (what, exp, got))
want("profile", j["profile"], "generic")
want("id", j["id"], sys.argv[2])
want("first profile file", j["files"][0].endswith("/generic.json"), True)
for ns in ("mnt", "pid", "net", "ipc", "uts", "cgroup"):
    want("namespaces." + ns, j["namespaces"][ns], True)
want("hostname", j["hostname"], "vmjail")
want("network", j["network"], "none")
want("user.uid", j["user"]["uid"], 1234)
text = json.dumps(j)
for s in ('"/data"', '"/usr/share"', '"/bin/sh"', '"echo hi"'):
    if s not in text:
        sys.exit("%s not in the resolved jail" % s)
EOF
}

@test "root: vmjail check prints the resolved jail as JSON, exit 0" {
	as_root
	check_check
}

@test "user: vmjail check prints the resolved jail as JSON, exit 0" {
	as_user
	check_check
}

# --bind SRC[:DST] with '\:' for ':' and '\\' for '\': any path can be
# bound. `vmjail check` shows the paths as the options meant them, and the
# jail reads the file through them (its kernel resolves the bind).
check_bind_escapes() {
	local d="$VJ_T/a:b,c\\d"
	mkdir_for_jail "$d"
	echo bound >"$d/f"
	chmod 644 "$d/f"
	local esc=${d//\\/\\\\}
	esc=${esc//:/\\:}
	run --separate-stderr timeout 30 "${VJ_PREFIX[@]}" "$VMJAIL" check --id "$VJ_ID" \
		--ro-bind "$esc:/in\\:side,x" --bind "$esc" --ro-bind "/usr/share:/data:more" -- /bin/true
	assert_status 0
	echo "$output" >"$VJ_T/check.json"
	"$VJ_PY" - "$VJ_T/check.json" "$d" <<'EOF2' || { show; return 1; }
import json, sys
j = json.load(open(sys.argv[1]))
got = [(m["type"], m.get("source"), m["target"]) for m in j["mounts"] if m.get("origin", "").startswith("--")]
want = [("ro-bind", sys.argv[2], "/in:side,x"), ("bind", sys.argv[2], sys.argv[2]),
        ("ro-bind", "/usr/share", "/data:more")]
for w in want:
    if w not in got:
        sys.exit("%r not among the option's mounts %r" % (w, got))
EOF2
	jsh 'cat "/in:side,x/f"; cat "$D/f"; ls /data:more >/dev/null && echo data' --env "D=$d" \
		--ro-bind "$esc:/in\\:side,x" --bind "$esc" --ro-bind "/usr/share:/data:more"
	assert_status 0
	assert_eq "files through the binds" "$(printf 'bound\nbound\ndata')" "$output"
	# an empty SRC or DST is still refused
	expect_invalid "empty DST" "--bind" "SRC[:DST]" -- --bind "$esc:"
	expect_invalid "empty SRC" "--bind" "SRC[:DST]" -- --bind ":/x"
}
@test "root: --bind/--ro-bind paths holding ':', ',' and '\\' (written \\: and \\\\) are bound as given" {
	as_root
	check_bind_escapes
}
@test "user: --bind/--ro-bind paths holding ':', ',' and '\\' (written \\: and \\\\) are bound as given" {
	as_user
	check_bind_escapes
}

# ---- validation errors ------------------------------------------------------------

# expect_invalid WHAT NEEDLE... -- ARGS: `vmjail run ARGS -- /bin/true` and
# `vmjail check ARGS` both exit 125 with one line on stderr, starting
# "vmjail: " and holding every NEEDLE, and nothing on stdout; the jail's
# PROGRAM (which would create a file in a writable bind) never ran.
expect_invalid() {
	local what=$1 needles=() n cmd
	shift
	while [ "$1" != -- ]; do
		needles+=("$1")
		shift
	done
	shift
	mkdir_for_jail "$VJ_T/ran"
	for cmd in run check; do
		if [ "$cmd" = run ]; then
			run --separate-stderr timeout -k 5 30 "${VJ_PREFIX[@]}" "$VMJAIL" run --id "$VJ_ID" \
				--env "VJ_BATS_MARK=$VJ_MARK" --bind "$VJ_T/ran:/ran" "$@" -- /bin/sh -c 'touch /ran/ran'
		else
			run --separate-stderr timeout -k 5 30 "${VJ_PREFIX[@]}" "$VMJAIL" check --id "$VJ_ID" "$@"
		fi
		if [ "$status" != 125 ] || [ -n "$output" ] || [[ "$stderr" != "vmjail: "* || "$stderr" == *$'\n'* ]]; then
			fail "$what, vmjail $cmd: expected status 125, nothing on stdout, one line on stderr starting \"vmjail: \""
			show
			return 1
		fi
		for n in "${needles[@]}"; do
			[[ "$stderr" == *"$n"* ]] || assert_contains "$what, vmjail $cmd: message" "$stderr" "$n" || return 1
		done
	done
	[ ! -e "$VJ_T/ran/ran" ] || fail "$what: PROGRAM ran" || return 1
	rmdir "$VJ_T/ran"
}

# Each class as root and unprivileged: the profile is written to the
# test's directory and given with --profile FILE.
invalid_profile() {
	local what=$1 json=$2 p
	shift 2
	p=$(write_profile bad "$json")
	expect_invalid "$what" "$p: " "$@" -- --profile "$p"
}

check_unknown_key() {
	invalid_profile "unknown key" '{ "extends": "generic", "process": { "chdir": "/", "bogus_key": 1 } }' \
		"process.bogus_key" "unknown key"
}
@test "root: an unknown key exits 125 naming the file and the JSON path" { as_root; check_unknown_key; }
@test "user: an unknown key exits 125 naming the file and the JSON path" { as_user; check_unknown_key; }

check_wrong_type() {
	invalid_profile "wrong type" '{ "extends": "generic", "hostname": 42 }' "hostname" "expected a string"
}
@test "root: a value of the wrong type exits 125 naming the file and the JSON path" { as_root; check_wrong_type; }
@test "user: a value of the wrong type exits 125 naming the file and the JSON path" { as_user; check_wrong_type; }

check_relative_path() {
	invalid_profile "relative path" \
		'{ "extends": "generic", "filesystem": { "mounts": [ { "type": "tmpfs", "target": "scratch" } ] } }' \
		"filesystem.mounts[0].target" "scratch" "absolute"
}
@test "root: a relative path exits 125 naming the file and the JSON path" { as_root; check_relative_path; }
@test "user: a relative path exits 125 naming the file and the JSON path" { as_user; check_relative_path; }

check_duplicate_target() {
	invalid_profile "duplicate target" \
		'{ "extends": "generic", "filesystem": { "mounts": [ { "type": "tmpfs", "target": "/a" },
		   { "type": "dir", "target": "/b" }, { "type": "tmpfs", "target": "/a/" } ] } }' \
		"filesystem.mounts[2].target" "/a" "duplicate"
}
@test "root: a duplicate target exits 125 naming the file and the JSON path" { as_root; check_duplicate_target; }
@test "user: a duplicate target exits 125 naming the file and the JSON path" { as_user; check_duplicate_target; }

check_missing_source() {
	invalid_profile "missing bind source" \
		'{ "extends": "generic", "filesystem": { "mounts": [
		   { "type": "ro-bind", "source": "/no-such-vmjail-src", "target": "/x", "optional": true },
		   { "type": "ro-bind", "source": "/no-such-vmjail-src", "target": "/y" } ] } }' \
		"filesystem.mounts[1].source" "/no-such-vmjail-src" "No such file or directory"
	# the same source marked optional is skipped: the jail runs without it
	local p
	p=$(write_profile opt '{ "extends": "generic", "filesystem": { "mounts": [
		{ "type": "ro-bind", "source": "/no-such-vmjail-src", "target": "/x", "optional": true } ] } }')
	jsh 'test -e /x && echo "/x exists"; echo ran' --profile "$p"
	assert_status 0
	assert_eq "optional missing source" "ran" "$output"
	# and --ro-bind of a missing path names the option
	expect_invalid "--ro-bind of a missing source" "/no-such-vmjail-src" "No such file or directory" \
		-- --ro-bind /no-such-vmjail-src:/z
}
@test "root: a missing non-optional bind source exits 125 naming the file and the JSON path" {
	as_root
	check_missing_source
}
@test "user: a missing non-optional bind source exits 125 naming the file and the JSON path" {
	as_user
	check_missing_source
}

check_unknown_capability() {
	invalid_profile "unknown capability" '{ "extends": "generic", "capabilities": ["net_bind_service", "cap_flying"] }' \
		"capabilities[1]" "cap_flying" "unknown capability"
}
@test "root: an unknown capability exits 125 naming the file and the JSON path" { as_root; check_unknown_capability; }
@test "user: an unknown capability exits 125 naming the file and the JSON path" { as_user; check_unknown_capability; }

check_unknown_rlimit() {
	invalid_profile "unknown rlimit" '{ "extends": "generic", "rlimits": { "nofile": [64, 64], "bogus": [1, 2] } }' \
		"rlimits.bogus" "unknown rlimit"
}
@test "root: an unknown rlimit exits 125 naming the file and the JSON path" { as_root; check_unknown_rlimit; }
@test "user: an unknown rlimit exits 125 naming the file and the JSON path" { as_user; check_unknown_rlimit; }

check_extends_cycle() {
	write_profile cyc-a "{ \"extends\": \"$VJ_T/cyc-b.json\", \"hostname\": \"a\" }" >/dev/null
	write_profile cyc-b "{ \"extends\": \"$VJ_T/cyc-c.json\" }" >/dev/null
	write_profile cyc-c "{ \"extends\": \"$VJ_T/cyc-a.json\" }" >/dev/null
	expect_invalid "extends cycle" "$VJ_T/cyc-" "extends" "cycle" -- --profile "$VJ_T/cyc-a.json"
	# a profile extending itself
	local p
	p=$(write_profile self "{ \"extends\": \"$VJ_T/self.json\" }")
	expect_invalid "extends itself" "$p: " "extends" "cycle" -- --profile "$p"
}
@test "root: an extends cycle exits 125 naming the file and the JSON path" { as_root; check_extends_cycle; }
@test "user: an extends cycle exits 125 naming the file and the JSON path" { as_user; check_extends_cycle; }

# A policy is read when the jail is built (`run`: only where the cache of
# compiled filters does not know its files), an include too: the error
# names the policy file and the key in it, before anything exists.
check_bad_policy() {
	local pol inc p
	pol=$(write_profile pol-bad '{ "default": "allow", "allow": ["read", 42] }')
	expect_invalid "bad policy" "$pol: " "allow[1]" "expected a syscall name" -- --seccomp "$pol"
	inc=$(write_profile pol-inc-bad '{ "errno": { "EPERM": [ { "name": "getppid", "bogus": 1 } ] } }')
	pol=$(write_profile pol-inc "{ \"default\": \"allow\", \"include\": [\"$inc\"] }")
	expect_invalid "bad included policy" "$inc: " "errno.EPERM[0].bogus" "unknown key" -- --seccomp "$pol"
	p=$(write_profile sc-prof "{ \"extends\": \"generic\", \"seccomp\": { \"policy\": \"./pol-bad.json\" } }")
	expect_invalid "bad policy named by a profile" "$VJ_T/pol-bad.json: " "allow[1]" -- --profile "$p"
}
@test "root: a bad seccomp policy exits 125 naming its file and the JSON path" { as_root; check_bad_policy; }
@test "user: a bad seccomp policy exits 125 naming its file and the JSON path" { as_user; check_bad_policy; }

check_bad_id() {
	local id
	for id in 'a/b' '../x' '-x' '' "$(printf 'x%.0s' {1..300})" 'a b'; do
		run --separate-stderr timeout 30 "${VJ_PREFIX[@]}" "$VMJAIL" run --id "$id" -- /bin/true
		assert_status 125 || fail "--id '$id'" || return 1
		assert_eq "--id '$id': lines on stderr" 1 "$(printf '%s\n' "$stderr" | grep -c .)" || return 1
		assert_contains "--id '$id': message" "$stderr" "vmjail: --id " || return 1
	done
}
@test "root: a bad --id exits 125 with one message" { as_root; check_bad_id; }
@test "user: a bad --id exits 125 with one message" { as_user; check_bad_id; }

check_bad_option() {
	expect_invalid "unknown option" "--no-such-option" "unknown option" -- --no-such-option
	expect_invalid "missing argument" "--hostname" -- --hostname
	expect_invalid "bad --net" "--net" "bogus-net" -- --net bogus-net
	expect_invalid "bad --wait" "--wait" -- --wait sometimes
	expect_invalid "bad --env" "--env" "NAME=VALUE" -- --env NOVALUE
	expect_invalid "bad --keep-fd" "--keep-fd" -- --keep-fd 2
	expect_invalid "closed --keep-fd" "--keep-fd 77" -- --keep-fd 77
	expect_invalid "bad --info-fd" "--info-fd" -- --info-fd x
	expect_invalid "bad --log-level" "--log-level" -- --log-level loud
	expect_invalid "relative --tmpfs" "--tmpfs" "scratch" -- --tmpfs scratch
	expect_invalid "bad --uid" "--uid" "no-such-user-vmjail" -- --uid no-such-user-vmjail
	expect_invalid "missing profile" "no-such-profile-vmjail" -- --profile no-such-profile-vmjail
}
@test "root: a bad option exits 125 with one message naming it" { as_root; check_bad_option; }
@test "user: a bad option exits 125 with one message naming it" { as_user; check_bad_option; }

check_no_program() {
	run --separate-stderr timeout 30 "${VJ_PREFIX[@]}" "$VMJAIL" run --id "$VJ_ID"
	assert_status 125
	assert_eq "lines on stderr" 1 "$(printf '%s\n' "$stderr" | grep -c .)"
}
@test "root: run without PROGRAM exits 125" { as_root; check_no_program; }
@test "user: run without PROGRAM exits 125" { as_user; check_no_program; }

# A broken file: not JSON at all, or JSON that is not an object.
check_not_json() {
	local p
	p=$(write_profile garbage '{ "extends": "generic", ')
	expect_invalid "truncated JSON" "$p" -- --profile "$p"
	p=$(write_profile array '[1, 2]')
	expect_invalid "not an object" "$p" -- --profile "$p"
}
@test "root: a profile that is not a JSON object exits 125 naming the file" { as_root; check_not_json; }
@test "user: a profile that is not a JSON object exits 125 naming the file" { as_user; check_not_json; }

# ---- help and version -----------------------------------------------------------------

@test "vmjail run --help lists the core options and each engine's (seccomp, cgroup, qmp)" {
	run --separate-stderr "$VMJAIL" run --help
	assert_status 0
	local o
	for o in --profile --id --ro-bind --bind --dev-bind --tmpfs --uid --gid --hostname --env --keep-fd \
		--net --chdir --wait --info-fd --exec --seccomp --seccomp-debug --memory --pids-max --qmp; do
		assert_contains "run --help" "$output" "  $o" || return 1
	done
	run --separate-stderr "$VMJAIL" check --help
	assert_status 0
	assert_contains "check --help" "$output" "--seccomp"
	run --separate-stderr "$VMJAIL" --help
	assert_status 0
	assert_contains "--help" "$output" "run"
	assert_contains "--help" "$output" "check"
	run --separate-stderr "$VMJAIL" --version
	assert_status 0
	[[ "$output" =~ [0-9]+\.[0-9]+ ]] || fail "--version: no version number: $output"
}

# ---- seccomp ----------------------------------------------------------------------------

# personality(PER_LINUX32): the generic policy allows personality() only
# to query (0xffffffff) or set PER_LINUX (0), and kills the process on
# everything it does not list.
personality_nr() {
	case "$(uname -m)" in
	x86_64) echo 135 ;;
	aarch64) echo 92 ;;
	*) return 1 ;;
	esac
}

check_seccomp_kill() {
	local nr
	nr=$(personality_nr) || skip "no personality() number for $(uname -m)"
	[ -x /usr/bin/perl ] || skip "no /usr/bin/perl"
	jrun -- perl -e "\$| = 1; print \"before\\n\"; syscall($nr, 8); print \"after\\n\";"
	assert_status 159
	assert_eq "stdout" "before" "$output"
	assert_contains "message" "$(errors)" "killed by seccomp"
	assert_eq "lines on stderr" 1 "$(errors | grep -c .)"
	jrun --seccomp-debug -- perl -e "syscall($nr, 8); print \"after\\n\";"
	assert_eq "stdout with --seccomp-debug" "" "$output"
	assert_ne "exit status with --seccomp-debug" 0 "$status"
	assert_contains "--seccomp-debug names the syscall" "$stderr" "personality"
	# the queries the policy allows still work
	jrun -- perl -e "print syscall($nr, 0xffffffff) >= 0 ? \"query ok\\n\" : \"query failed\\n\";"
	assert_status 0
	assert_eq "allowed personality() query" "query ok" "$output"
}

@test "root: a system call the generic policy kills ends PROGRAM (159, killed by seccomp); --seccomp-debug names it" {
	as_root
	check_seccomp_kill
}

@test "user: a system call the generic policy kills ends PROGRAM (159, killed by seccomp); --seccomp-debug names it" {
	as_user
	check_seccomp_kill
}
