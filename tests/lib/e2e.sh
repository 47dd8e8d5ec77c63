# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Helpers shared by the end-to-end scripts that drive vDPA devices.
# Source tests/lib/tap.sh first, then this file, then:
#
#   e2e_begin                 remember the loaded modules and the kernel log
#                             length (call before loading anything)
#   e2e_end                   two tests: unload the modules loaded since
#                             e2e_begin (newest first), and no kernel report
#                             (tests/lib/splat.sh) since e2e_begin
#   e2e_bound_to NAME         the driver vDPA device NAME is bound to
#   e2e_override NAME DRIVER  rebind device NAME to DRIVER through
#                             driver_override (then cleared again)
#   e2e_vhost_node NAME       /dev/vhost-vdpa-N of device NAME, or nothing
#   e2e_vhost_dev_add NAME MGMTDEV [ATTR VALUE]...
#                             vdpa dev add; fails unless the device is bound
#                             to vhost_vdpa and has its character device
#   e2e_tool_ok DESC ARGS...  one test: vdpa_user ARGS exits 0 within 30
#                             minutes; its "# " summary lines become
#                             diagnostics, a failure shows its last 40 lines
#   e2e_pins_outstanding      pages pinned and not unpinned, system-wide
#   e2e_reply FD              the next line a coprocess prints on FD that is
#                             not a "# " diagnostic (waits up to 60 s)
#   e2e_find_vdpa_user        sets E2E_VDPA_USER to the userspace test driver
#                             (tests/userspace/vdpa_user), building it here if
#                             the host did not; returns 1 if it cannot
#   e2e_need_vhost_vdpa_user  bails out (a failure, not a skip) unless our
#                             vhost_vdpa.ko is built, modprobe loads it
#                             from updates/, and vdpa_user is found or
#                             built; then E2E_VDPA_USER is set
#   e2e_need_modules MOD...   bails out (a failure, not a skip) unless every
#                             module MOD is built in the tree or installed
#   e2e_need_tools CMD...     bails out unless every command CMD is installed
#   nl ARGS...                the raw netlink client, tests/lib/vdpanl.py ARGS
#   wait_for SECONDS CMD [ARGS...]
#                             runs CMD every 0.1 s until it exits 0 (returns
#                             0) or SECONDS have passed (returns 1)
#   e2e_netif NAME            the network interface of vDPA device NAME
#                             (virtio_net over virtio_vdpa), or nothing
#   e2e_disk NAME             the disk of vDPA device NAME (virtio_blk over
#                             virtio_vdpa), or nothing
#   fio_verify DEV SIZE [ARGS...]
#                             fio random 4 KiB writes to DEV (direct I/O,
#                             fio's ARGS added), crc32c verified; its report
#                             in $work/fio.out (the script sets work)
#   e2e_pktloop_build         one test: builds tests/userspace/pktloop.c as
#                             $E2E_PKTLOOP (the script removes it at its end)
#   e2e_pktloop IFNAME DST COUNT SIZE [TIMEOUT_MS]
#                             sends COUNT raw frames of SIZE bytes to DST
#                             through IFNAME; prints pktloop's summary line
#   e2e_all_back COUNT        that line when all COUNT frames came back
#                             intact
#   e2e_if_up IFNAME          brings IFNAME up with IPv6 off, so that only
#                             the test's own frames flow
#   e2e_del_under_pktloop NAME IFNAME
#                             three tests: "vdpa dev del NAME" completes
#                             while $E2E_PKTLOOP floods IFNAME, the
#                             interface and the device are gone, the
#                             generator ended
#   e2e_del_under_fio NAME DISK
#                             the same while fio writes to /dev/DISK
#   e2e_pktloop_start IFNAME  starts $E2E_PKTLOOP flooding IFNAME with frames
#                             to its own MAC, in the background (pid in
#                             E2E_LOAD_PID); returns once 1000 went out
#   e2e_fio_start DISK        the same with fio writing to /dev/DISK; returns
#                             once 64 writes completed
#   e2e_load_ended DESC       one test: the load E2E_LOAD_PID ended within
#                             30 s (it is killed otherwise)
#   e2e_make_tree DIR SUMS    writes 48 files of random data (up to 850 KiB)
#                             under DIR, their sha256sums to SUMS
#   e2e_tree_intact DIR SUMS  every file of SUMS reads back intact under DIR
#   e2e_tool_refused DESC STRERROR MSG_RE CMD...
#                             one test: CMD (iproute2's vdpa or devlink)
#                             fails printing "Error: MSG." with MSG matching
#                             MSG_RE and "kernel answers: STRERROR", and the
#                             script's e2e_state prints the same after as
#                             before

E2E_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$E2E_REPO/tests/lib/splat.sh"
E2E_VDPA_USER=${VDPA_USER:-$E2E_REPO/tests/userspace/vdpa_user}
E2E_PKTLOOP=/tmp/pktloop.$$
_e2e_modules=
_e2e_mark=

e2e_begin() {
	_e2e_modules=$(cut -d' ' -f1 /proc/modules)
	splat_mark "e2e_begin $(basename "$0")"
	_e2e_mark=$SPLAT_MARK
}

_e2e_unload_new() {
	local m
	# /proc/modules lists the newest first, so users go before providers.
	for m in $(cut -d' ' -f1 /proc/modules); do
		grep -qx "$m" <<<"$_e2e_modules" || rmmod "$m" || return 1
	done
}

e2e_end() {
	tap_run "unload the modules the test loaded" _e2e_unload_new
	tap_is "$(splat_since "$_e2e_mark")" "" "no kernel report while the test ran"
}

nl() { python3 -S "$E2E_REPO/tests/lib/vdpanl.py" "$@"; }

wait_for() {
	local end=$((SECONDS + $1))

	shift
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.1
	done
}

e2e_need_modules() {
	local m

	for m in "$@"; do
		[ -f "$E2E_REPO/$m.ko" ] || modinfo "$m" >/dev/null 2>&1 ||
			tap_bail "module $m is neither built in the tree nor installed"
	done
}

e2e_need_tools() {
	local t

	for t in "$@"; do
		command -v "$t" >/dev/null || tap_bail "$t is not installed"
	done
}

e2e_bound_to() {
	basename "$(readlink "/sys/bus/vdpa/devices/$1/driver" 2>/dev/null)"
}

e2e_override() {
	local dev=/sys/bus/vdpa/devices/$1

	echo "$2" >"$dev/driver_override"
	[ ! -e "$dev/driver" ] || echo "$1" >"$dev/driver/unbind"
	echo "$1" >/sys/bus/vdpa/drivers_probe
	echo >"$dev/driver_override"
}

e2e_vhost_node() {
	local node

	node=$(ls -d "/sys/bus/vdpa/devices/$1"/vhost-vdpa-* 2>/dev/null | head -n 1)
	[ -n "$node" ] && echo "/dev/${node##*/}"
}

e2e_vhost_dev_add() {
	vdpa dev add name "$1" mgmtdev "$2" "${@:3}" || return 1
	[ "$(e2e_bound_to "$1")" = vhost_vdpa ] ||
		{ echo "$1 is not bound to vhost_vdpa"; return 1; }
	[ -c "$(e2e_vhost_node "$1")" ] || { echo "no device node for $1"; return 1; }
}

e2e_tool_ok() {
	local desc=$1 out rc=0
	shift
	out=$(timeout 1800 "$E2E_VDPA_USER" "$@" 2>&1) || rc=$?
	case $rc in
	0) tap_ok "$desc"; tap_diag "$(grep -E '^# [^/]' <<<"$out")" ;;
	77) tap_fail "$desc" "the device lacks a feature:"$'\n'"$out" ;;
	*) tap_fail "$desc" "command: vdpa_user $*"$'\n'"exit status $rc"$'\n'"$(tail -n 40 <<<"$out")" ;;
	esac
}

e2e_pins_outstanding() {
	{ echo 1 >/proc/sys/vm/stat_refresh; } 2>/dev/null
	awk '$1 == "nr_foll_pin_acquired" { a = $2 }
	     $1 == "nr_foll_pin_released" { r = $2 }
	     END { print a - r }' /proc/vmstat
}

e2e_reply() {
	local line

	while read -r -t 60 line <&"$1"; do
		[ "${line:0:1}" = "#" ] || { echo "$line"; return; }
	done
}

e2e_need_vhost_vdpa_user() {
	[ -e "$E2E_REPO/vhost_vdpa.ko" ] ||
		tap_bail "our vhost_vdpa.ko is not built (drivers/vhost_vdpa)"
	modinfo -F filename vhost_vdpa 2>/dev/null | grep -q /updates/ ||
		tap_bail "modprobe would not load our vhost_vdpa (not in updates/)"
	e2e_find_vdpa_user ||
		tap_bail "no vdpa_user: run make -C tests/userspace on the host"
}

e2e_find_vdpa_user() {
	local uapi

	[ -x "$E2E_VDPA_USER" ] && return 0
	for uapi in "$E2E_REPO/tests/userspace/.uapi/usr/include" \
		"$("$E2E_REPO/scripts/build-kernel.sh" --print-dir --quiet 2>/dev/null)/build/usr/include"; do
		[ -e "$uapi/linux/vhost.h" ] || continue
		E2E_VDPA_USER=/tmp/vdpa_user.build/vdpa_user
		make -s -C "$E2E_REPO/tests/userspace" OUT=/tmp/vdpa_user.build \
			UAPI="$uapi" >/dev/null 2>&1 && return 0
	done
	return 1
}

e2e_netif() { ls "/sys/bus/vdpa/devices/$1"/virtio*/net 2>/dev/null; }
e2e_disk() { ls "/sys/bus/vdpa/devices/$1"/virtio*/block 2>/dev/null; }

fio_verify() {
	local dev=$1 size=$2

	shift 2
	fio --name=verify --filename="$dev" --rw=randwrite --bs=4k \
		--size="$size" --direct=1 --ioengine=psync --numjobs=1 \
		--verify=crc32c --verify_fatal=1 --do_verify=1 \
		--verify_state_save=0 "$@" \
		--output="$work/fio.out" && grep -q 'err= 0' "$work/fio.out"
}

e2e_pktloop_build() {
	tap_run "build the pktloop helper" gcc -O2 -Wall -o "$E2E_PKTLOOP" \
		"$E2E_REPO/tests/userspace/pktloop.c"
}

# EtherType 0x88b5 (local experimental): only the test's own frames.
e2e_pktloop() {
	"$E2E_PKTLOOP" "$1" "$2" "$3" "$4" 0x88b5 "${5:-5000}" 2>&1
}

e2e_all_back() { echo "sent $1 received $1 corrupt 0 duplicate 0"; }

e2e_if_up() {
	sysctl -qw "net.ipv6.conf.$1.disable_ipv6=1" && ip link set "$1" up
}

# The end of a "dev del under load" case: $1 the device, $2 the path of
# its interface or disk (which must go), $3 the load.
_e2e_del_loaded() {
	local dev=$1 gone=$2 what=$3 noun=interface

	[[ $gone != /sys/class/block/* ]] || noun=disk
	tap_run "$dev: vdpa dev del during $what completes" \
		timeout 120 vdpa dev del "$dev"
	tap_is "$(ls -d "$gone" "/sys/bus/vdpa/devices/$dev" 2>/dev/null)" "" \
		"$dev: the $noun and the vDPA device are gone"
	e2e_load_ended "$dev: the $what ended"
}

e2e_pktloop_start() {
	local ifc=$1 tx=/sys/class/net/$1/statistics/tx_packets tx0

	tx0=$(cat "$tx")
	"$E2E_PKTLOOP" "$ifc" "$(cat "/sys/class/net/$ifc/address")" \
		100000000 1514 0x88b5 2000 >/dev/null 2>&1 &
	E2E_LOAD_PID=$!
	# Frames are flowing: 1000 more sent.
	wait_for 30 eval '[ "$(cat "$tx")" -ge $((tx0 + 1000)) ]'
}

# Writes completed on disk $1 so far.
_e2e_writes_done() { awk '{ print $5 }' "/sys/block/$1/stat"; }

e2e_fio_start() {
	local disk=$1 w0

	w0=$(_e2e_writes_done "$disk")
	fio --name=busy --filename="/dev/$disk" --rw=randwrite --bs=4k \
		--direct=1 --ioengine=psync --numjobs=2 --time_based \
		--runtime=300 --output=/dev/null >/dev/null 2>&1 &
	E2E_LOAD_PID=$!
	# I/O is flowing: 64 more writes completed.
	wait_for 30 eval '[ "$(_e2e_writes_done "$disk")" -ge $((w0 + 64)) ]'
}

e2e_load_ended() {
	tap_run "$1" wait_for 30 eval "! kill -0 $E2E_LOAD_PID 2>/dev/null"
	kill "$E2E_LOAD_PID" 2>/dev/null
	wait "$E2E_LOAD_PID" 2>/dev/null
}

e2e_del_under_pktloop() {
	e2e_pktloop_start "$2"
	_e2e_del_loaded "$1" "/sys/class/net/$2" traffic
}

e2e_del_under_fio() {
	e2e_fio_start "$2"
	_e2e_del_loaded "$1" "/sys/class/block/$2" fio
}

e2e_make_tree() {
	local dir=$1 i j

	for i in 0 1 2 3; do
		mkdir -p "$dir/dir$i/sub" || return 1
		for j in 0 1 2 3 4 5; do
			head -c $(((i * 6 + j) * 37119 + 1)) /dev/urandom \
				>"$dir/dir$i/file$j" || return 1
			head -c 4096 /dev/urandom >"$dir/dir$i/sub/small$j" || return 1
		done
	done
	(cd "$dir" && find . -type f -print0 | sort -z | xargs -0 sha256sum) >"$2"
}

e2e_tree_intact() {
	(cd "$1" && sha256sum --quiet -c "$2")
}

e2e_tool_refused() {
	local desc=$1 strerror=$2 re=$3 out rc=0 diag='' line msg='' answer='' s0
	shift 3
	s0=$(e2e_state)
	out=$("$@" 2>&1) || rc=$?
	while IFS= read -r line; do
		case $line in
		"Error: "*) msg=${line#Error: } msg=${msg%.} ;;
		"kernel answers: "*) answer=${line#kernel answers: } ;;
		esac
	done <<<"$out"
	[ "$rc" != 0 ] || diag+="exit status 0"$'\n'
	[[ $msg =~ $re ]] || diag+="want 'Error: <message matching /$re/>.'"$'\n'
	[ "$answer" = "$strerror" ] || diag+="want 'kernel answers: $strerror'"$'\n'
	[ "$(e2e_state)" = "$s0" ] || diag+="the state changed:"$'\n'"$(e2e_state)"$'\n'
	if [ -z "$diag" ]; then
		tap_ok "$desc"
	else
		tap_fail "$desc" "command: $*"$'\n'"$diag""output: $out"
	fi
}
