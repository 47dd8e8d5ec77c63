#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vm-tier: stock
#
# The "dev" multicast group: a listener hears DEV_NEW and DEV_DEL for
# devices created and deleted with the vdpa tool and for those deleted by
# unloading their parent, carrying exactly the attributes of a DEV_GET
# reply (with the driver bound at that moment: our VDPA_EXT_ATTR_DEV_DRIVER);
# nothing for devices without management device or for refused requests.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/e2e.sh"

dbg=/sys/kernel/debug/vdpa_test_parent
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mon=

# start_monitor COUNT FILE [ARGS...]: a listener for COUNT events in the
# background, writing to FILE; returns once it has joined the group.
start_monitor() {
	local n=$1 out=$2
	shift 2
	nl monitor --count "$n" --timeout 60 "$@" >"$out" 2>&1 &
	mon=$!
	wait_for 30 grep -qx ready "$out"
}

# monitor_done DESC: the listener exits 0 (it saw all its events).
monitor_done() {
	local rc=0
	wait "$mon" || rc=$?
	tap_is "$rc" 0 "$1"
}

events() { grep -E '^[A-Z_]+ ' "$1"; }
# The attributes of event number $2 (1-based) in file $1, without indent.
event_attrs() {
	awk -v n="$2" '/^[A-Z_]+ / { i++; next } /^  / && i == n { sub(/^  /, ""); print }' "$1"
}
dev_get() { nl send DEV_GET "DEV_NAME=str:$1" | grep -vx -- --; }

tap_plan 18

tap_run "load vdpa_test_parent" modprobe vdpa_test_parent

start_monitor 2 "$tmp/m1"
tap_is "$?" 0 "a listener joins the dev group"
vdpa dev add name ev0 mgmtdev vdpa_test
vdpa dev del ev0
monitor_done "the listener got two events"
tap_is "$(events "$tmp/m1")" "DEV_NEW ev0"$'\n'"DEV_DEL ev0" \
	"DEV_NEW then DEV_DEL for a device added and deleted with the tool"

start_monitor 3 "$tmp/m2" --attrs
tap_is "$?" 0 "a listener with attributes joins"
bash -c "echo dbgev > $dbg/add"
vdpa dev add name ev1 mgmtdev vdpa_test mac 02:00:00:00:00:e1 max_vqp 2
ev1=$(dev_get ev1)
bash -c "echo dbgev > $dbg/del"
vdpa dev del ev1
vdpa dev add name ev2 mgmtdev vdpa_test
monitor_done "the listener got three events"
tap_is "$(events "$tmp/m2")" "DEV_NEW ev1"$'\n'"DEV_DEL ev1"$'\n'"DEV_NEW ev2" \
	"no event for the debugfs device, one per managed device change"
tap_is "$(event_attrs "$tmp/m2" 1)" "$ev1" "DEV_NEW ev1 carries DEV_GET's attributes"
tap_is "$(event_attrs "$tmp/m2" 2)" "$ev1" "DEV_DEL ev1 carries DEV_GET's attributes"
tap_is "$(event_attrs "$tmp/m2" 3)" "$(dev_get ev2)" \
	"DEV_NEW ev2 carries DEV_GET's attributes"

start_monitor 3 "$tmp/m3"
tap_is "$?" 0 "a third listener joins"
vdpa dev add name ev2 mgmtdev vdpa_test 2>/dev/null
vdpa dev add name ev3 mgmtdev vdpa_test
rmmod vdpa_test_parent
monitor_done "the listener got three events"
tap_is "$(events "$tmp/m3" | sort)" \
	"DEV_DEL ev2"$'\n'"DEV_DEL ev3"$'\n'"DEV_NEW ev3" \
	"nothing for a refused dev add; unloading the parent announces its deletions"

# A driver binding during dev add is in DEV_NEW, and still in DEV_DEL.
tap_run "load vdpa_test_parent and vdpa_test_driver" \
	modprobe -a vdpa_test_parent vdpa_test_driver
start_monitor 2 "$tmp/m4" --attrs
vdpa dev add name ev4 mgmtdev vdpa_test
ev4=$(dev_get ev4)
vdpa dev del ev4
monitor_done "the listener got two events"
tap_is "$(grep '^EXT_' <<<"$ev4")" "EXT_DEV_DRIVER=vdpa_test_driver" \
	"DEV_GET ev4 names the driver bound when it was added"
tap_is "$(event_attrs "$tmp/m4" 1)"$'\n'"$(event_attrs "$tmp/m4" 2)" \
	"$ev4"$'\n'"$ev4" "DEV_NEW and DEV_DEL of ev4 carry DEV_GET's attributes, driver included"
tap_run "unload vdpa_test_driver, vdpa_test_parent and the bus" \
	rmmod vdpa_test_driver vdpa_test_parent vdpa
tap_done
