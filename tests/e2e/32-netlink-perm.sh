#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vm-tier: debug
#
# Permissions of the "vdpa" family: an unprivileged user (uid/gid 65534,
# no capabilities) gets the same answers as root from the show commands,
# and EPERM ("Operation not permitted") from dev add, dev del, vstats and
# DEV_ATTR_SET, which change nothing.
set -u
. "$(dirname "$0")/../lib/tap.sh"

lib=$(cd "$(dirname "$0")/../lib" && pwd)
user() { setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$@"; }
# What a refusal must not change: the devices, their configuration and
# the bus (fork and exec are slow in the test VM: one exec).
state() {
	vdpa -j dev config show
	echo /sys/bus/vdpa/devices/*
}

# same_as_root DESC CMD...: CMD succeeds for the user and prints what it
# prints for root.
same_as_root() {
	local desc=$1 mine theirs rc=0
	shift
	mine=$("$@" 2>&1)
	theirs=$(user "$@" 2>&1) || rc=$?
	if [ "$rc" = 0 ] && [ -n "$mine" ] && [ "$mine" = "$theirs" ]; then
		tap_ok "$desc"
	else
		tap_fail "$desc" "exit status $rc"$'\n'"root: $mine"$'\n'"user: $theirs"
	fi
}

# user_refused DESC PATTERN CMD...: CMD exits with status $TOOL_RC
# (default 1) for the user, with output matching PATTERN, and nothing
# changed.
user_refused() {
	local desc=$1 pattern=$2 out rc=0
	shift 2
	out=$(user "$@" 2>&1) || rc=$?
	if [ "$rc" = "${TOOL_RC:-1}" ] && grep -qE -- "$pattern" <<<"$out" &&
	   [ "$(state)" = "$before" ]; then
		tap_ok "$desc"
	else
		tap_fail "$desc" "command: $*"$'\n'"exit status $rc, want ${TOOL_RC:-1}"$'\n'"output: $out"$'\n'"state: $(state)"
	fi
}

tap_plan 18

tap_run "load parent and driver" modprobe -a vdpa_test_parent vdpa_test_driver
tap_run "root: dev add p0 (bound: vstats work)" \
	vdpa dev add name p0 mgmtdev vdpa_test mac 02:00:00:00:00:50
tap_is "$(user sh -c 'id -u; id -g; id -G; grep ^CapEff /proc/self/status')" \
	"65534"$'\n'"65534"$'\n'"65534"$'\n'"CapEff:	0000000000000000" \
	"setpriv runs as 65534 without capabilities"
before=$(state)

same_as_root "user: mgmtdev show" vdpa mgmtdev show
same_as_root "user: mgmtdev show -j vdpa_test" vdpa -j mgmtdev show vdpa_test
same_as_root "user: dev show" vdpa dev show
same_as_root "user: dev show -j p0" vdpa -j dev show p0
same_as_root "user: dev config show" vdpa dev config show
same_as_root "user: dev config show -j p0" vdpa -j dev config show p0
tap_run "root: vstats show p0 qidx 0" vdpa dev vstats show p0 qidx 0

user_refused "user: dev add is refused (EPERM)" \
	"^kernel answers: Operation not permitted$" \
	vdpa dev add name p1 mgmtdev vdpa_test
user_refused "user: dev del is refused (EPERM)" \
	"^kernel answers: Operation not permitted$" vdpa dev del p0
# iproute2 6.1's "vdpa dev vstats show" exits 0 even when refused.
TOOL_RC=0 user_refused "user: vstats show is refused (EPERM)" \
	"^kernel answers: Operation not permitted$" \
	vdpa dev vstats show p0 qidx 0
user_refused "user: DEV_VSTATS_GET through raw netlink is refused (EPERM)" \
	"^error EPERM: " python3 -S "$lib/vdpanl.py" send DEV_VSTATS_GET \
	DEV_NAME=str:p0 DEV_QUEUE_INDEX=u32:0
user_refused "user: DEV_ATTR_SET is refused (EPERM)" "^error EPERM: " \
	python3 -S "$lib/vdpanl.py" send DEV_ATTR_SET DEV_NAME=str:p0 \
	DEV_NET_CFG_MACADDR=hex:02:00:00:00:00:51
user_refused "user: DEV_NEW through raw netlink is refused (EPERM)" \
	"^error EPERM: " python3 -S "$lib/vdpanl.py" send DEV_NEW \
	DEV_NAME=str:p1 MGMTDEV_DEV_NAME=str:vdpa_test

tap_run "root: dev del p0" vdpa dev del p0
tap_run "unload driver, parent and bus" \
	rmmod vdpa_test_driver vdpa_test_parent vdpa
tap_done
