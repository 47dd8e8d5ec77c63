#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vm-tier: debug
#
# Malformed requests through vdpanl.py: missing attributes, wrong types
# and sizes, overlong, unterminated, empty and '/'-names, unknown
# attributes and attributes the command does not take (any in a dump),
# our reply-only extensions (<linux/vdpa_ext.h>) in requests,
# huge counts and indices, a dump flag where there is no dump, truncated
# attributes.
# Each must be refused with the right errno and a non-empty extack
# message (pointing at the culprit where there is one), change nothing,
# and leave no kernel report; the exception are requests the generic
# netlink core refuses before the family sees them, which carry no
# message.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/splat.sh"

# What a refused request must not change, for the final check: the
# configuration of every managed device (so also which exist) and the
# devices on the bus.
state() {
	vdpa -j dev config show
	echo /sys/bus/vdpa/devices/*
}
mk_m0() {
	vdpa dev add name m0 mgmtdev vdpa_test mac 02:00:00:00:00:30 mtu 1500 max_vqp 1
}

# The requests go to one "vdpanl.py batch --verbose --check-state" (one
# process instead of two per request: fork and exec are slow in the test
# VM), which says after each whether the devices changed.
descs=() errs=() res=() wheres=() reqs=()

# malformed DESC ERRNO MSG_RE WHERE ARGS...: vdpanl.py send ARGS must
# fail with ERRNO and an extack message matching MSG_RE (never empty);
# WHERE is the attribute the extack points at, "missing:ATTR" for the
# missing attribute it reports, or "-"; nothing may change.
malformed() {
	[ -n "$3" ] || { echo "malformed: MSG_RE must not be empty" >&2; exit 2; }
	request "$@"
}

# core_refused DESC ERRNO ARGS...: vdpanl.py send ARGS must fail with
# ERRNO, which the generic netlink core answers itself (e.g. EOPNOTSUPP
# for a dump flag on a command without a dump), with or without a
# message; nothing may change.
core_refused() {
	local desc=$1 err=$2
	shift 2
	request "$desc" "$err" '' - "$@"
}

# request DESC ERRNO MSG_RE WHERE ARGS...: queues a request for the batch;
# an empty MSG_RE means no message is required.
request() {
	descs+=("$1") errs+=("$2") res+=("$3") wheres+=("$4")
	shift 4
	reqs+=("$(printf '%q ' "$@")")
}

# check I OUTPUT: the verdict on request I, given its batch output.
check() {
	local i=$1 out=$2 err=${errs[$1]} re=${res[$1]} where=${wheres[$1]}
	local diag='' line msg
	line=${out%%$'\n'*}
	msg=${line#"error $err: "}
	[ "$msg" != "$line" ] || diag+="want errno $err"$'\n'
	if [ -n "$re" ]; then
		[ -n "$msg" ] || diag+="empty extack message"$'\n'
		[[ $msg =~ $re ]] || diag+="message does not match /$re/"$'\n'
	fi
	case $where in
	-) ;;
	missing:*) [[ $out$'\n' == *$'\n'"extack_missing=${where#missing:}"$'\n'* ]] ||
		diag+="want extack_missing=${where#missing:}"$'\n' ;;
	*) [[ $out$'\n' == *$'\n'"extack_attr=$where"$'\n'* ]] ||
		diag+="want extack_attr=$where"$'\n' ;;
	esac
	[[ $out$'\n' == *$'\n'"state=unchanged"$'\n'* ]] ||
		diag+="the devices changed"$'\n'
	if [ -z "$diag" ]; then
		tap_ok "${descs[$i]}"
	else
		tap_fail "${descs[$i]}" "vdpanl.py send ${reqs[$i]}"$'\n'"$diag""output: $out"
	fi
}

# run_batch: sends every request collected, then checks each.
run_batch() {
	local out block='' line i=0
	out=$(printf '%s\n' "${reqs[@]}" | nl batch --verbose --check-state)
	while IFS= read -r line; do
		if [ "$line" = "==" ]; then
			check $i "$block"
			i=$((i + 1)) block=''
		else
			block+=${block:+$'\n'}$line
		fi
	done <<<"$out"
	while [ $i -lt ${#reqs[@]} ]; do
		tap_fail "${descs[$i]}" "no answer in the batch output"
		i=$((i + 1))
	done
}


NEW=(DEV_NEW MGMTDEV_DEV_NAME=str:vdpa_test)
LEN='^invalid attribute length$'
POL='^Attribute failed policy validation$'
SLASH="^vdpa: .*empty.*'/'"
MISS='^vdpa: missing '
NOTFOR='^vdpa: attribute not valid for this command$'

LEFT='^bytes leftover after parsing attributes$'
long() { printf "${2:-n}%.0s" $(seq "$1"); }

tap_plan 54

tap_run "load vdpa_test_parent" modprobe vdpa_test_parent
tap_run "dev add m0" mk_m0
before=$(state)
splat_mark 33-netlink-malformed

# --- missing attributes ---
malformed "DEV_NEW without DEV_NAME" EINVAL "${MISS}device name$" \
	missing:DEV_NAME "${NEW[@]}"
malformed "DEV_NEW without the management device" EINVAL \
	"${MISS}management device name$" \
	missing:MGMTDEV_DEV_NAME DEV_NEW DEV_NAME=str:x
malformed "DEV_NEW with a bus name but no device name" EINVAL \
	"${MISS}management device name$" \
	missing:MGMTDEV_DEV_NAME DEV_NEW DEV_NAME=str:x MGMTDEV_BUS_NAME=str:pci
malformed "DEV_DEL without DEV_NAME" EINVAL "${MISS}device name$" \
	missing:DEV_NAME DEV_DEL
malformed "DEV_GET (doit) without DEV_NAME" EINVAL "${MISS}device name$" \
	missing:DEV_NAME DEV_GET
malformed "MGMTDEV_GET (doit) without a handle" EINVAL \
	"${MISS}management device name$" missing:MGMTDEV_DEV_NAME MGMTDEV_GET
malformed "DEV_VSTATS_GET without DEV_QUEUE_INDEX" EINVAL \
	"${MISS}queue index$" \
	missing:DEV_QUEUE_INDEX DEV_VSTATS_GET DEV_NAME=str:m0

# --- wrong types and sizes ---
malformed "mtu as a u8" EINVAL "$LEN" DEV_NET_CFG_MTU \
	"${NEW[@]}" DEV_NAME=str:x DEV_NET_CFG_MTU=u8:100
malformed "max_vqp as a u32" EINVAL "$LEN" DEV_NET_CFG_MAX_VQP \
	"${NEW[@]}" DEV_NAME=str:x DEV_NET_CFG_MAX_VQP=u32:1
malformed "device_features as a u32" EINVAL "$LEN" DEV_FEATURES \
	"${NEW[@]}" DEV_NAME=str:x DEV_FEATURES=u32:0
malformed "queue index as a u16" EINVAL "$LEN" DEV_QUEUE_INDEX \
	DEV_VSTATS_GET DEV_NAME=str:m0 DEV_QUEUE_INDEX=u16:0
malformed "mac of 5 bytes" ERANGE '^binary attribute size out of range$' \
	DEV_NET_CFG_MACADDR "${NEW[@]}" DEV_NAME=str:x \
	DEV_NET_CFG_MACADDR=hex:02:00:00:00:01
malformed "mac of 7 bytes" ERANGE '^binary attribute size out of range$' \
	DEV_NET_CFG_MACADDR "${NEW[@]}" DEV_NAME=str:x \
	DEV_NET_CFG_MACADDR=hex:02:00:00:00:00:01:02
malformed "DEV_NAME as a u32 (no NUL)" EINVAL "$POL" DEV_NAME \
	"${NEW[@]}" DEV_NAME=u32:0x41414141
malformed "MGMTDEV_DEV_NAME as a u64 (no NUL)" EINVAL "$POL" MGMTDEV_DEV_NAME \
	DEV_NEW DEV_NAME=str:x MGMTDEV_DEV_NAME=u64:0x4141414141414141
malformed "NLA_F_NESTED on DEV_NAME" EINVAL '^NLA_F_NESTED not expected$' \
	$((0x8000 | 4)) "${NEW[@]}" $((0x8000 | 4))=str:x

# --- names ---
malformed "300-byte DEV_NAME" EINVAL "$POL" DEV_NAME \
	"${NEW[@]}" "DEV_NAME=str:$(long 300)"
malformed "256-byte DEV_NAME" EINVAL "$POL" DEV_NAME \
	"${NEW[@]}" "DEV_NAME=str:$(long 256)"
malformed "300-byte MGMTDEV_DEV_NAME" EINVAL "$POL" MGMTDEV_DEV_NAME \
	DEV_NEW DEV_NAME=str:x "MGMTDEV_DEV_NAME=str:$(long 300)"
malformed "65-byte MGMTDEV_BUS_NAME" EINVAL "$POL" MGMTDEV_BUS_NAME \
	"${NEW[@]}" DEV_NAME=str:x "MGMTDEV_BUS_NAME=str:$(long 65 b)"
malformed "300-byte DEV_NAME in DEV_DEL" EINVAL "$POL" DEV_NAME \
	DEV_DEL "DEV_NAME=str:$(long 300)"
malformed "unterminated DEV_NAME" EINVAL "$POL" DEV_NAME \
	"${NEW[@]}" DEV_NAME=raw:abc
malformed "unterminated DEV_NAME in DEV_DEL of m0" EINVAL "$POL" DEV_NAME \
	DEV_DEL DEV_NAME=raw:m0
malformed "unterminated MGMTDEV_DEV_NAME" EINVAL "$POL" MGMTDEV_DEV_NAME \
	DEV_NEW DEV_NAME=str:x MGMTDEV_DEV_NAME=raw:vdpa_test
malformed "zero-length DEV_NAME" EINVAL "$POL" DEV_NAME \
	"${NEW[@]}" DEV_NAME=raw:
malformed "empty DEV_NAME" EINVAL "$SLASH" DEV_NAME "${NEW[@]}" DEV_NAME=str:
malformed "DEV_NAME with '/'" EINVAL "$SLASH" DEV_NAME \
	"${NEW[@]}" DEV_NAME=str:a/b
# --- attributes the command does not take ---
malformed "unknown attribute 200" EINVAL '^Unknown attribute type$' 200 \
	"${NEW[@]}" DEV_NAME=str:x 200=u32:1
malformed "unknown attribute 37 (VDPA_ATTR_MAX)" EINVAL \
	'^Unknown attribute type$' 37 "${NEW[@]}" DEV_NAME=str:x 37=u32:1
# Our reply-only extensions are as unknown as any type above the policy.
malformed "EXT_DEV_DRIVER (reply-only) in DEV_GET of m0" EINVAL \
	'^Unknown attribute type$' EXT_DEV_DRIVER \
	DEV_GET DEV_NAME=str:m0 EXT_DEV_DRIVER=str:vhost_vdpa
malformed "EXT_DEV_CHARDEV (reply-only) in a DEV_GET dump" EINVAL \
	'^Unknown attribute type$' EXT_DEV_CHARDEV \
	--dump DEV_GET EXT_DEV_CHARDEV=hex:0800020000010000
malformed "EXT_DEV_DRIVER (reply-only) in DEV_NEW" EINVAL \
	'^Unknown attribute type$' EXT_DEV_DRIVER \
	"${NEW[@]}" DEV_NAME=str:x EXT_DEV_DRIVER=str:virtio_vdpa
malformed "DEV_ID in DEV_NEW" EINVAL '^Unsupported attribute$' DEV_ID \
	"${NEW[@]}" DEV_NAME=str:x DEV_ID=u32:1
malformed "DEV_VENDOR_ATTR_VALUE in DEV_DEL of m0" EINVAL \
	'^Unsupported attribute$' DEV_VENDOR_ATTR_VALUE \
	DEV_DEL DEV_NAME=str:m0 DEV_VENDOR_ATTR_VALUE=u64:0
malformed "DEV_QUEUE_INDEX in DEV_CONFIG_GET of m0" EINVAL "$NOTFOR" \
	DEV_QUEUE_INDEX DEV_CONFIG_GET DEV_NAME=str:m0 DEV_QUEUE_INDEX=u32:0
malformed "DEV_NAME in a DEV_GET dump" EINVAL '^vdpa: dumps take no attributes$' \
	DEV_NAME --dump DEV_GET DEV_NAME=str:m0
malformed "MGMTDEV_DEV_NAME in a MGMTDEV_GET dump" EINVAL \
	'^vdpa: dumps take no attributes$' MGMTDEV_DEV_NAME \
	--dump MGMTDEV_GET MGMTDEV_DEV_NAME=str:vdpa_test

# --- huge counts and indices ---
malformed "max_vqp 65535" ERANGE \
	'^vdpa: max_vqp 65535 above .*limit of 4$' \
	DEV_NET_CFG_MAX_VQP "${NEW[@]}" DEV_NAME=str:x DEV_NET_CFG_MAX_VQP=u16:65535
malformed "queue index 0xffffffff" ERANGE \
	'^vdpa: queue index 4294967295 out of range \(3 queues\)$' \
	DEV_QUEUE_INDEX DEV_VSTATS_GET DEV_NAME=str:m0 DEV_QUEUE_INDEX=u32:0xffffffff

# --- message structure ---
core_refused "dump flag on DEV_NEW" EOPNOTSUPP \
	--dump "${NEW[@]}" DEV_NAME=str:x
core_refused "dump flag on DEV_DEL of m0" EOPNOTSUPP \
	--dump DEV_DEL DEV_NAME=str:m0
malformed "truncated last attribute" EINVAL "$LEFT" - \
	--tail 0c000400616263 "${NEW[@]}" DEV_NAME=str:x
malformed "attribute header cut short" EINVAL "$LEFT" - \
	--tail 0800 "${NEW[@]}" DEV_NAME=str:x
malformed "attribute length below its header" EINVAL "$LEFT" - \
	--tail 02000400 "${NEW[@]}" DEV_NAME=str:x

# Last: requests the implementation might take (and then change
# something), so that they cannot disturb the others.
malformed "DEV_QUEUE_INDEX in DEV_NEW" EINVAL "$NOTFOR" DEV_QUEUE_INDEX \
	"${NEW[@]}" DEV_NAME=str:x DEV_QUEUE_INDEX=u32:0
malformed "DEV_NET_CFG_MTU in DEV_DEL of m0" EINVAL "$NOTFOR" DEV_NET_CFG_MTU \
	DEV_DEL DEV_NAME=str:m0 DEV_NET_CFG_MTU=u16:1500

run_batch
# Undo what the last two did, if anything, for the checks below.
nl send DEV_DEL DEV_NAME=str:x >/dev/null
[ -e /sys/bus/vdpa/devices/m0 ] || mk_m0
tap_is "$(state)" "$before" "nothing changed overall"

n255=$(long 255)
tap_run "a 255-byte DEV_NAME is accepted" nl send "${NEW[@]}" "DEV_NAME=str:$n255"
tap_run "... and deleted" nl send DEV_DEL "DEV_NAME=str:$n255"
tap_is "$(splat_since "$SPLAT_MARK")" "" "no kernel report"
tap_run "dev del m0" vdpa dev del m0
tap_run "unload parent and bus" rmmod vdpa_test_parent vdpa
tap_done
