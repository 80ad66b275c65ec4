# SPDX-License-Identifier: GPL-2.0-or-later
# tap.sh - a few TAP helpers for the scripts that run inside the test VM.
# Sourced; the caller calls done_testing at the end.
tap_n=0
tap_failed=0
ok() { # ok COND-STATUS DESCRIPTION [DIAG...]
	local st=$1 desc=$2
	shift 2
	tap_n=$((tap_n + 1))
	if [ "$st" -eq 0 ]; then
		echo "ok $tap_n - $desc"
	else
		echo "not ok $tap_n - $desc"
		tap_failed=$((tap_failed + 1))
		local d
		for d in "$@"; do printf '%s\n' "$d" | sed 's/^/# /'; done
	fi
}
is() { # is GOT WANT DESCRIPTION
	[ "$1" = "$2" ]
	ok $? "$3" "got:  $1" "want: $2"
}
like() { # like GOT ERE DESCRIPTION
	printf '%s\n' "$1" | grep -Eq -- "$2"
	ok $? "$3" "got:  $1" "want: /$2/"
}
unlike() {
	! printf '%s\n' "$1" | grep -Eq -- "$2"
	ok $? "$3" "got:  $1" "not:  /$2/"
}
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
done_testing() { echo "1..$tap_n"; [ "$tap_failed" -eq 0 ]; }
# Wait (at most $2 s) for the "started" record in the info file $1.
wait_started() {
	local i
	for i in $(seq 1 $((${2:-60} * 10))); do
		grep -q '"event":"started"' "$1" 2>/dev/null && return 0
		grep -q '"event":"exited"' "$1" 2>/dev/null && return 1
		sleep 0.1
	done
	return 1
}
# A JSON field of the form "key":"value" or "key":[a,b] from a record.
json_str() { grep -o "\"$2\":\"[^\"]*\"" "$1" | head -n 1 | sed 's/^[^:]*:"//; s/"$//'; }
json_arr() { grep -o "\"$2\":\[[^]]*\]" "$1" | head -n 1 | sed 's/^[^:]*://'; }
