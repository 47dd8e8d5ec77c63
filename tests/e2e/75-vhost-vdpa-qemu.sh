#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vm-tier: stock
#
# vhost_vdpa with a real client: QEMU (TCG, nested in the test VM) drives a
# vdpasim_net device through /dev/vhost-vdpa-N as the backend of a
# virtio-net-pci device (-netdev vhost-vdpa).  The inner guest boots
# Debian's packaged kernel (tests/lib/inner-guest.sh) with
# tests/userspace/inner_init.c as init and virtio_net loaded, brings the
# interface up and sends frames to its own MAC; the simulator loops them
# back.  Checked: QEMU opens the device, negotiates and reaches DRIVER_OK
# (the guest's link is up with the provisioned MAC), every frame comes back
# once and intact, the device's vendor statistics count them, QEMU exits
# cleanly, the character device opens again afterwards and dev del works.
#
# Slow: the nested guest takes 2-5 minutes under TCG (bounded by
# INNER_TIMEOUT, 480 s).  VDPA_E2E_SKIP_SLOW=1 skips it.
set -u
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/inner-guest.sh
. "$(dirname "$0")/../lib/inner-guest.sh"

if [ -n "${VDPA_E2E_SKIP_SLOW:-}" ]; then
	echo "1..0 # SKIP slow test (VDPA_E2E_SKIP_SLOW is set)"
	exit 0
fi

DEV=vq0
MAC=02:00:00:00:75:01
tmp=$(mktemp -d)
trap 'inner_cleanup; rm -rf "$tmp"' EXIT
# The simulator's view of the device status (debugfs, ours only).
status() { cat "/sys/kernel/debug/vdpa_sim/vdpasim_net/$1/status" 2>&1; }
# shellcheck disable=SC2317 # called by inner_test_device
inner_hook_live() {
	tap_is "$(status "$1")" 0x0f \
		"while the guest runs the device is at DRIVER_OK (debugfs status)"
}
# shellcheck disable=SC2317 # called by inner_test_device
inner_hook_after() {
	tap_is "$(status "$1")" 0x00 "QEMU's exit reset the device (status 0)"
}

tap_plan $((INNER_TESTS + 8))
[ ! -e /sys/module/virtio_vdpa ] ||
	tap_bail "virtio_vdpa is loaded: it could take the device"
tap_run "modprobe vhost_vdpa (before any device exists)" modprobe vhost_vdpa
tap_run "modprobe vdpa_sim_net" modprobe vdpa_sim_net
tap_run "vdpa dev add $DEV mgmtdev vdpasim_net mac $MAC" \
	vdpa dev add name "$DEV" mgmtdev vdpasim_net mac "$MAC"
node=/dev/$(cd "/sys/bus/vdpa/devices/$DEV" 2>/dev/null && echo vhost-vdpa-*)

inner_test_device "$tmp" "$DEV" "$MAC" rx_packets tx_packets

tap_run "vdpa dev del $DEV" vdpa dev del "$DEV"
tap_run "$node is gone" test ! -e "$node"
tap_run "rmmod vdpa_sim_net vdpa_sim vhost_vdpa vdpa vhost_iotlb" \
	rmmod vdpa_sim_net vdpa_sim vhost_vdpa vdpa vhost_iotlb
tap_done
