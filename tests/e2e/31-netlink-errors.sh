#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vm-tier: debug
#
# Every refusal of Documentation/netlink.rst, through the vdpa tool where
# it can express the request and through vdpanl.py otherwise: the exit
# status, the errno, the extack message, and that nothing changed (the
# dumps of vdpanl.py snapshot and the devices on the bus are identical
# before and after). Devices created through debugfs (no management
# device) are invisible to show, config show, vstats and del.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/e2e.sh"

dbg=/sys/kernel/debug/vdpa_test_parent
# What a refusal must not change: the configuration of every managed
# device (so also which exist) and the devices on the bus. One exec: fork
# and exec are slow in the test VM, the checks below use builtins only.
state() {
	vdpa -j dev config show
	echo /sys/bus/vdpa/devices/*
}
names() { sed -n 's/^\([^ :]*\): .*/\1/p' | sort | tr '\n' ' '; }

# _verdict DESC DIAG CMD OUTPUT: ok when DIAG is empty and nothing
# changed.
_verdict() {
	local desc=$1 diag=$2 now
	now=$(state)
	[ "$now" = "$before" ] || diag+="the devices changed:"$'\n'"$now"$'\n'
	if [ -z "$diag" ]; then
		tap_ok "$desc"
	else
		tap_fail "$desc" "command: $3"$'\n'"$diag""output: $4"
	fi
}

# tool_refused DESC STRERROR MSG_RE CMD...: the vdpa tool exits with
# status $TOOL_RC (default 1) printing "Error: MSG." with MSG matching
# MSG_RE and "kernel answers: STRERROR", and nothing changed.
tool_refused() {
	local desc=$1 strerror=$2 re=$3 out rc=0 diag='' line msg='' answer=''
	shift 3
	out=$("$@" 2>&1) || rc=$?
	while IFS= read -r line; do
		case $line in
		"Error: "*) msg=${line#Error: } msg=${msg%.} ;;
		"kernel answers: "*) answer=${line#kernel answers: } ;;
		esac
	done <<<"$out"
	[ "$rc" = "${TOOL_RC:-1}" ] || diag+="exit status $rc, want ${TOOL_RC:-1}"$'\n'
	[[ $msg =~ $re ]] || diag+="want 'Error: <message matching /$re/>.'"$'\n'
	[ "$answer" = "$strerror" ] || diag+="want 'kernel answers: $strerror'"$'\n'
	_verdict "$desc" "$diag" "$*" "$out"
}

# nl_refused DESC ERRNO MSG_RE ARGS...: vdpanl.py send ARGS exits 1 with
# first line "error ERRNO: MSG", MSG matching MSG_RE, and nothing changed.
nl_refused() {
	local desc=$1 err=$2 re=$3 out rc=0 diag='' line msg
	shift 3
	out=$(nl send "$@") || rc=$?
	line=${out%%$'\n'*}
	msg=${line#"error $err: "}
	[ "$rc" = 1 ] || diag+="exit status $rc, want 1"$'\n'
	[ "$msg" != "$line" ] || diag+="want errno $err"$'\n'
	[[ $msg =~ $re ]] || diag+="want a message matching /$re/"$'\n'
	_verdict "$desc" "$diag" "vdpanl.py send $*" "$out"
}

NEW=(DEV_NEW MGMTDEV_DEV_NAME=str:vdpa_test)
V1=$((1 << 32))

tap_plan 49

tap_run "load vdpa_test_parent" modprobe vdpa_test_parent
tap_run "dev add e0 (max_vqp 2: 5 queues)" \
	vdpa dev add name e0 mgmtdev vdpa_test mac 02:00:00:00:00:e0 max_vqp 2
tap_run "debugfs adds dbg0, a device without management device" \
	bash -c "echo dbg0 > $dbg/add"
before=$(state)

# --- DEV_NEW ---
tool_refused "unknown management device" "No such device" \
	'^vdpa: no such management device$' \
	vdpa dev add name x mgmtdev nosuch
tool_refused "a bus name for the bus-less vdpa_test" "No such device" \
	'^vdpa: no such management device$' \
	vdpa dev add name x mgmtdev pci/vdpa_test
tool_refused "duplicate name (a managed device)" "File exists" \
	'^vdpa: .*already exists' \
	vdpa dev add name e0 mgmtdev vdpa_test
tool_refused "duplicate name (a debugfs device)" "File exists" \
	'^vdpa: .*already exists' \
	vdpa dev add name dbg0 mgmtdev vdpa_test
tool_refused "empty name" "Invalid argument" \
	"^vdpa: .*empty.*'/'" \
	vdpa dev add name "" mgmtdev vdpa_test
tool_refused "name with '/'" "Invalid argument" \
	"^vdpa: .*empty.*'/'" \
	vdpa dev add name a/b mgmtdev vdpa_test
for mac in 01:00:5e:00:00:01 ff:ff:ff:ff:ff:ff 00:00:00:00:00:00; do
	tool_refused "mac $mac" "Invalid argument" \
		'^vdpa: mac .*unicast' \
		vdpa dev add name x mgmtdev vdpa_test mac $mac
done
for mtu in 67 0; do
	tool_refused "mtu $mtu (policy minimum 68)" \
		"Numerical result out of range" '^integer out of range$' \
		vdpa dev add name x mgmtdev vdpa_test mtu $mtu
done
tool_refused "max_vqp 0 (policy minimum 1)" \
	"Numerical result out of range" '^integer out of range$' \
	vdpa dev add name x mgmtdev vdpa_test max_vqp 0
tool_refused "max_vqp 5, above 9 / 2" "Numerical result out of range" \
	'^vdpa: max_vqp 5 above .*limit of 4$' \
	vdpa dev add name x mgmtdev vdpa_test max_vqp 5
nl_refused "device_features bit 0 the mgmtdev does not support" EOPNOTSUPP \
	'^vdpa: device_features bits 0x1 not supported' \
	"${NEW[@]}" DEV_NAME=str:x DEV_FEATURES=u64:$((V1 | 1))
nl_refused "device_features bit 63 the mgmtdev does not support" EOPNOTSUPP \
	'^vdpa: device_features bits 0x8000000000000000 not supported' \
	"${NEW[@]}" DEV_NAME=str:x DEV_FEATURES=u64:0x8000000000000000
nl_refused "mac with device_features lacking VIRTIO_NET_F_MAC" EINVAL \
	'^vdpa: mac needs .*VIRTIO_NET_F_MAC' \
	"${NEW[@]}" DEV_NAME=str:x DEV_FEATURES=u64:$((V1 | 1 << 3)) \
	DEV_NET_CFG_MACADDR=hex:02:00:00:00:00:01
nl_refused "mtu with device_features lacking VIRTIO_NET_F_MTU" EINVAL \
	'^vdpa: mtu needs .*VIRTIO_NET_F_MTU' \
	"${NEW[@]}" DEV_NAME=str:x DEV_FEATURES=u64:$((V1 | 1 << 5)) \
	DEV_NET_CFG_MTU=u16:1500
nl_refused "max_vqp 2 with device_features lacking VIRTIO_NET_F_MQ" EINVAL \
	'^vdpa: max_vqp above 1 needs .*VIRTIO_NET_F_MQ' \
	"${NEW[@]}" DEV_NAME=str:x DEV_FEATURES=u64:$((V1 | 1 << 17)) \
	DEV_NET_CFG_MAX_VQP=u16:2
nl_refused "MGMTDEV_GET of an unknown management device" ENODEV \
	'^vdpa: no such management device$' \
	MGMTDEV_GET MGMTDEV_DEV_NAME=str:nosuch
tool_refused "mgmtdev show of an unknown management device" "No such device" \
	'^vdpa: no such management device$' vdpa mgmtdev show nosuch

# --- vstats ---
# iproute2 6.1's "vdpa dev vstats show" exits 0 even when the kernel
# refuses (it prints the error all the same): TOOL_RC=0 for it, and the
# same refusals through vdpanl.py for the errno.
TOOL_RC=0 tool_refused "vstats qidx 5 of a device with 5 queues" \
	"Numerical result out of range" \
	'^vdpa: queue index 5 out of range \(5 queues\)$' \
	vdpa dev vstats show e0 qidx 5
nl_refused "VSTATS_GET index 5 of a device with 5 queues" ERANGE \
	'^vdpa: queue index 5 out of range \(5 queues\)$' \
	DEV_VSTATS_GET DEV_NAME=str:e0 DEV_QUEUE_INDEX=u32:5
TOOL_RC=0 tool_refused "vstats before feature negotiation" \
	"Resource temporarily unavailable" \
	'^vdpa: feature negotiation has not completed' \
	vdpa dev vstats show e0 qidx 0
nl_refused "VSTATS_GET before feature negotiation" EAGAIN \
	'^vdpa: feature negotiation has not completed' \
	DEV_VSTATS_GET DEV_NAME=str:e0 DEV_QUEUE_INDEX=u32:4

# --- unknown devices ---
for cmd in "dev del" "dev show" "dev config show"; do
	# shellcheck disable=SC2086 # word splitting of $cmd intended
	tool_refused "$cmd of an unknown device" "No such device" \
		'^vdpa: no such device$' vdpa $cmd nosuch
done
TOOL_RC=0 tool_refused "vstats of an unknown device" "No such device" \
	'^vdpa: no such device$' vdpa dev vstats show nosuch qidx 0

# --- a device without management device is invisible ---
for cmd in "dev del" "dev show" "dev config show"; do
	# shellcheck disable=SC2086 # word splitting of $cmd intended
	tool_refused "$cmd of the debugfs device" "No such device" \
		'^vdpa: device was not created by a management device$' \
		vdpa $cmd dbg0
done
TOOL_RC=0 tool_refused "vstats of the debugfs device" "No such device" \
	'^vdpa: device was not created by a management device$' \
	vdpa dev vstats show dbg0 qidx 0
tap_run "dbg0 is still on the bus" test -e /sys/bus/vdpa/devices/dbg0
tap_is "$(vdpa dev show | names)" "e0 " "dev show (dump) lists e0 only"
tap_is "$(vdpa -j dev config show | jq -c '.config | keys')" '["e0"]' \
	"dev config show (dump) lists e0 only"

# --- DEV_ATTR_SET ---
nl_refused "DEV_ATTR_SET with nothing to change" EINVAL \
	'^vdpa: no attribute to change$' DEV_ATTR_SET DEV_NAME=str:e0
nl_refused "DEV_ATTR_SET of the mtu, which the parent cannot change" EOPNOTSUPP \
	'^vdpa: the management device refused the change \(-95\)$' \
	DEV_ATTR_SET DEV_NAME=str:e0 DEV_NET_CFG_MTU=u16:1400
nl_refused "DEV_ATTR_SET of a multicast mac" EINVAL \
	'^vdpa: mac .*unicast' \
	DEV_ATTR_SET DEV_NAME=str:e0 DEV_NET_CFG_MACADDR=hex:01:00:5e:00:00:01
nl_refused "DEV_ATTR_SET of unsupported device_features" EOPNOTSUPP \
	'^vdpa: device_features bits 0x1 not supported' \
	DEV_ATTR_SET DEV_NAME=str:e0 DEV_FEATURES=u64:1
nl_refused "DEV_ATTR_SET of an unknown device" ENODEV '^vdpa: no such device$' \
	DEV_ATTR_SET DEV_NAME=str:nosuch DEV_NET_CFG_MACADDR=hex:02:00:00:00:00:01
nl_refused "DEV_ATTR_SET of the debugfs device" ENODEV \
	'^vdpa: device was not created by a management device$' \
	DEV_ATTR_SET DEV_NAME=str:dbg0 DEV_NET_CFG_MACADDR=hex:02:00:00:00:00:01

tap_is "$(vdpa dev config show e0 | tr -s ' \n' '  ' | sed 's/ $//')" \
	"e0: mac 02:00:00:00:00:e0 link up link_announce false max_vq_pairs 2 mtu 1500" \
	"e0's configuration is what dev add made it"
tap_run "dev del e0" vdpa dev del e0
tap_run "debugfs deletes dbg0" bash -c "echo dbg0 > $dbg/del"
tap_is "$(ls /sys/bus/vdpa/devices)" "" "the bus is empty"
tap_run "unload parent and bus" rmmod vdpa_test_parent vdpa
tap_done
