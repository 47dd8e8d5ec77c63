#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Reference run of tests/e2e/75-vhost-vdpa-qemu.sh against the kernel's own
# vDPA modules (not ours): shows that the nested QEMU mechanism works and
# how long it takes.  Not run by make check; run it by hand:
#
#   scripts/vm-run.sh --timeout 1500 -- bash tests/e2e-reference/vhost-vdpa-qemu-intree.sh
#
# Our tree's modules shadow the in-tree ones for modprobe (updates/ wins),
# so the in-tree ones are insmod'ed by path, dependencies first.
# shellcheck disable=SC2317 # functions run through tap_run
set -u
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/inner-guest.sh
. "$(dirname "$0")/../lib/inner-guest.sh"

DEV=ref0
MAC=02:00:00:00:75:02
K=/lib/modules/$(uname -r)/kernel
MODS="drivers/vhost/vhost_iotlb drivers/vhost/vhost drivers/vhost/vringh
      drivers/vdpa/vdpa drivers/vdpa/vdpa_sim/vdpa_sim
      drivers/vdpa/vdpa_sim/vdpa_sim_net virt/lib/irqbypass
      drivers/vhost/vhost_vdpa"
tmp=$(mktemp -d)
trap 'inner_cleanup; rm -rf "$tmp"' EXIT

insmod_all() {
	local m f
	for m in $MODS; do
		[ -e "/sys/module/${m##*/}" ] && continue
		f=("$K/$m.ko"*)
		[ -e "${f[0]}" ] || { echo "no $K/$m.ko*"; return 1; }
		insmod "${f[0]}" || return 1
	done
}

tap_plan $((INNER_TESTS + 5))
[ ! -e /sys/module/virtio_vdpa ] || tap_bail "virtio_vdpa is loaded: it would take the device"
tap_run "insmod the in-tree vhost_vdpa, vdpa_sim_net and dependencies" insmod_all
[ "$TAP_LAST_OK" = 1 ] || tap_bail "cannot load the in-tree modules"
tap_run "vdpa dev add $DEV mgmtdev vdpasim_net mac $MAC" \
	vdpa dev add name "$DEV" mgmtdev vdpasim_net mac "$MAC"
node=/dev/$(cd "/sys/bus/vdpa/devices/$DEV" 2>/dev/null && echo vhost-vdpa-*)

inner_test_device "$tmp" "$DEV" "$MAC" "rx packets" "tx packets"

tap_run "vdpa dev del $DEV" vdpa dev del "$DEV"
tap_run "$node is gone" test ! -e "$node"
rm_mods() {
	local m
	for m in $MODS; do
		echo "${m##*/}"
	done | tac | xargs rmmod
}
tap_run "rmmod the in-tree modules" rm_mods
tap_done
