#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vm-tier: stock
#
# vhost_vdpa with a real client: QEMU (TCG, nested in the test VM) drives
# two vDPA network devices through /dev/vhost-vdpa-N, each the backend of
# a virtio-net-pci device of one inner guest (-netdev vhost-vdpa): a
# vdpasim_net device (the simulator pins the guest's pages, set_map) and a
# VDUSE device served by tests/userspace/vduse_user net (use_va: the
# guest's memory is QEMU's memfd, which the daemon maps through
# VDUSE_IOTLB_GET_FD).  Both loop every frame back.  The inner guest boots
# Debian's packaged kernel (tests/lib/inner-guest.sh) with
# tests/userspace/inner_init.c as init and virtio_net loaded, brings both
# interfaces up and sends frames to each one's own MAC.  Checked, for each
# device: QEMU opens it, negotiates and reaches DRIVER_OK (the guest's link
# is up with the provisioned MAC), every frame comes back once and intact,
# the device counts them (the simulator's vendor statistics; the daemon's
# counters equal the guest's interface counters), the character device
# opens again after QEMU exited and dev del works.  For the VDUSE device
# also: while the guest runs the daemon maps QEMU's guest memory (memfd),
# after QEMU exited it no longer does (the reset's VDUSE_UPDATE_IOTLB
# reached it), and it exits cleanly and destroys its device.  QEMU exits
# cleanly.
#
# Slow: the nested guest takes 1-5 minutes under TCG (bounded by
# INNER_TIMEOUT, 480 s).  VDPA_E2E_SKIP_SLOW=1 skips it.  The VDUSE device
# rides on the same boot: in one stock VM (2026-12-04) the script took 102
# and 111 s with the simulator alone, 106 s with both devices.
set -u
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/e2e.sh
. "$(dirname "$0")/../lib/e2e.sh"
# tool, work, VU_PID, tap_do, start_vu, stop_vu, gone
# shellcheck source-path=SCRIPTDIR source=../lib/vduse.sh
. "$(dirname "$0")/../lib/vduse.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/inner-guest.sh
. "$(dirname "$0")/../lib/inner-guest.sh"

if [ -n "${VDPA_E2E_SKIP_SLOW:-}" ]; then
	echo "1..0 # SKIP slow test (VDPA_E2E_SKIP_SLOW is set)"
	exit 0
fi

DEV=vq0
MAC=02:00:00:00:75:01
VU=vu75
VUMAC=02:00:00:00:75:05
tmp=$(mktemp -d)
trap 'inner_cleanup; [ -z "$VU_PID" ] || kill "$VU_PID" 2>/dev/null; rm -rf "$tmp" "$work"' EXIT
mkdir -p "$work"
# The simulator's view of the device status (debugfs, ours only).
status() { cat "/sys/kernel/debug/vdpa_sim/vdpasim_net/$1/status" 2>&1; }

# The daemon's latest counters line, after a SIGUSR1.
vu_counters() {
	local log=$work/$VU.log n
	n=$(grep -c '^tx_frames=' "$log")
	kill -USR1 "$VU_PID" 2>/dev/null
	wait_for 10 eval "[ \"\$(grep -c ^tx_frames= $log)\" -gt $n ]" &&
		grep '^tx_frames=' "$log" | tail -n 1
}
field() { sed -n "s/.*\<$1=\([0-9]*\).*/\1/p" <<<"$2"; }
# Mappings of QEMU's guest memory (its memfd) in the daemon.
vu_guest_maps() { grep -c memfd:memory-backend-memfd "/proc/$VU_PID/maps"; }

# shellcheck disable=SC2317 # called by inner_test_device
inner_hook_live() {
	local c want
	if [ "$1" = "$DEV" ]; then
		tap_is "$(status "$1")" 0x0f \
			"$1: while the guest runs the device is at DRIVER_OK (debugfs status)"
		return
	fi
	c=$(vu_counters)
	want="tx_frames=$(inner_field "$tmp" STATS tx_packets "$VUMAC") rx_frames=$(inner_field "$tmp" STATS rx_packets "$VUMAC") rx_dropped=0"
	tap_is "$c" "$want" "$1: the daemon's counters equal the guest interface's (tx, rx, none dropped)"
	_inner_ge "$1: the daemon maps QEMU's guest memory (memfd, use_va)" \
		"$(vu_guest_maps)" 1
}
# shellcheck disable=SC2317 # called by inner_test_device
inner_hook_after() {
	if [ "$1" = "$DEV" ]; then
		tap_is "$(status "$1")" 0x00 "$1: QEMU's exit reset the device (status 0)"
		return
	fi
	tap_is "$(kill -0 "$VU_PID" && vu_guest_maps)" 0 \
		"$1: the daemon runs on and maps no guest memory after QEMU exited"
}

tap_plan $((INNER_TESTS_COMMON + 2 * INNER_TESTS_DEV + INNER_TESTS_VSTATS + 17))
[ ! -e /sys/module/virtio_vdpa ] ||
	tap_bail "virtio_vdpa is loaded: it could take the devices"
[ -x "$tool" ] || tap_bail "no $tool: make -C tests/userspace vduse on the host"
tap_run "modprobe vhost_vdpa (before any device exists)" modprobe vhost_vdpa
tap_run "modprobe vdpa_sim_net" modprobe vdpa_sim_net
tap_run "modprobe vduse" modprobe vduse
tap_run "vdpa dev add $DEV mgmtdev vdpasim_net mac $MAC" \
	vdpa dev add name "$DEV" mgmtdev vdpasim_net mac "$MAC"
tap_do "vduse_user net $VU (mac $VUMAC) ready" \
	start_vu "$work/$VU.log" net "$VU" --mac "$VUMAC" --destroy
tap_run "vdpa dev add $VU mgmtdev vduse" vdpa dev add name "$VU" mgmtdev vduse
node=$(e2e_vhost_node "$DEV")
vunode=$(e2e_vhost_node "$VU")

inner_test_device "$tmp" "$DEV" "$MAC" rx_packets tx_packets "$VU" "$VUMAC" - -

tap_run "vdpa dev del $DEV" vdpa dev del "$DEV"
tap_run "$node is gone" test ! -e "$node"
tap_run "vdpa dev del $VU" timeout 60 vdpa dev del "$VU"
tap_run "$vunode is gone" test ! -e "$vunode"
tap_do "$VU: the daemon exits 0 on SIGTERM and destroys its device" \
	eval 'stop_vu && VU_PID= && wait_for 10 gone "$VU"'
tap_diag "$VU: $(grep -v '^#' "$work/$VU.log" | tail -n 3)"
tap_run "rmmod vdpa_sim_net vdpa_sim vduse vhost_vdpa vdpa vhost_iotlb" \
	rmmod vdpa_sim_net vdpa_sim vduse vhost_vdpa vdpa vhost_iotlb
tap_done
