#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vm-tier: debug
#
# "vdpa dev add"/"dev del" loops and dumps racing with unloading and
# reloading vdpa_test_parent, for a bounded number of rounds: nothing
# hangs (every command runs under timeout), no device of the parent is
# left once rmmod returns, no kernel report.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/splat.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
stop=$tmp/stop
ROUNDS=5
WORKERS=2


# outcome WHAT CMD...: runs CMD under a timeout, logs "WHAT-ok",
# "WHAT-refused" or "hang".
outcome() {
	local what=$1 rc=0
	shift
	timeout 30 "$@" >/dev/null 2>&1 || rc=$?
	case $rc in
	0) echo "$what-ok" ;;
	124) echo "hang $*" ;;
	*) echo "$what-refused" ;;
	esac
}

# A worker adds and deletes its own devices until told to stop.
worker() {
	local id=$1 i=0
	while [ ! -e "$stop" ]; do
		i=$((i + 1))
		outcome add vdpa dev add name "r$id-$i" mgmtdev vdpa_test
		outcome del vdpa dev del "r$id-$i"
	done >>"$tmp/log"
}

# A reader dumps devices and configs until told to stop.
reader() {
	while [ ! -e "$stop" ]; do
		outcome show vdpa dev show
		outcome config vdpa -j dev config show
	done >>"$tmp/log"
}

# round N: workers and a reader race with one unload and reload.
round() {
	local pids=() w left
	rm -f "$stop"
	for w in $(seq "$WORKERS"); do
		worker "$w" &
		pids+=($!)
	done
	reader &
	pids+=($!)
	sleep 1
	timeout 60 rmmod vdpa_test_parent || echo "round $1: rmmod failed" >>"$tmp/bad"
	left=$(ls /sys/bus/vdpa/devices)
	[ -z "$left" ] || echo "round $1: left after rmmod: $left" >>"$tmp/bad"
	sleep 1
	timeout 60 modprobe vdpa_test_parent || echo "round $1: modprobe failed" >>"$tmp/bad"
	sleep 1
	touch "$stop"
	wait "${pids[@]}"
}

tap_plan 10

tap_run "load parent and driver" modprobe -a vdpa_test_parent vdpa_test_driver
splat_mark 36-netlink-race
touch "$tmp/log" "$tmp/bad"

for r in $(seq $ROUNDS); do
	round "$r"
done
count() { grep -c -- "^$1" "$tmp/log"; }
tap_diag "$ROUNDS rounds: $(count add-ok) adds, $(count add-refused) refused," \
	"$(count del-ok) dels, $(count del-refused) refused," \
	"$(count show-ok) dev show, $(count config-ok) config show"

tap_is "$(cat "$tmp/bad")" "" "every rmmod and modprobe worked, no device left after rmmod"
tap_is "$(grep '^hang' "$tmp/log")" "" "no command hung"
tap_run "the workers created devices" test "$(count add-ok)" -gt 0
tap_run "the readers' dumps worked" test "$(count show-ok)" -gt 0

for d in $(vdpa dev show | sed -n 's/^\([^ :]*\): .*/\1/p'); do
	vdpa dev del "$d"
done
tap_run "a last unload of the parent" timeout 60 rmmod vdpa_test_parent
tap_is "$(ls /sys/bus/vdpa/devices)" "" "no device left"
tap_is "$(vdpa dev show 2>&1)" "" "dev show is empty"
tap_is "$(splat_since "$SPLAT_MARK")" "" "no kernel report"
tap_run "unload driver and bus" rmmod vdpa_test_driver vdpa
tap_done
