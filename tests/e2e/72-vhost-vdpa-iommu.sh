#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vm-tier: debug
#
# vhost_vdpa on a parent with neither dma_map nor set_map (vdpa_test_parent),
# which makes it map through a platform IOMMU domain, and the per-queue
# doorbell mmap (the test parent has a doorbell page per queue).
#
# Both routes, in the debug-tier VM (QEMU's intel-iommu, intel_iommu=on and
# a pci-testdev that no driver claims): first with no DMA device (the test
# parent's own device, outside any IOMMU group), where opening the device
# is refused with EOPNOTSUPP and the device stays usable by the next
# opener; then borrowing the pci-testdev as its DMA device, where an IOTLB
# update lands in the domain vhost_vdpa attached, with the bytes userspace
# wrote at the IOVA it chose, and an invalidate removes it; every queue's
# doorbell takes a write that the parent sees; bad doorbell mappings get
# EINVAL; a doorbell still mapped when the device is deleted faults
# (SIGBUS) instead of writing to freed memory.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/e2e.sh"

repo=$E2E_REPO
dbg=/sys/kernel/debug/vdpa_test_parent

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

[ -e "$repo/vhost_vdpa.ko" ] || skip_all "our vhost_vdpa.ko is not built"
[ -e "$repo/tests/modules/vdpa_test_parent.ko" ] || skip_all "no vdpa_test_parent.ko"
e2e_find_vdpa_user || skip_all "no vdpa_user: run make -C tests/userspace on the host"
[ ! -e /sys/module/virtio_vdpa ] || tap_bail "virtio_vdpa is loaded: it could take the devices"

# A pci-testdev (1b36:0005) with no driver, in an IOMMU group.
spare_pci() {
	local d
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x1b36:0x0005 ] || continue
		[ ! -e "$d/driver" ] && [ -e "$d/iommu_group" ] && basename "$d" && return
	done
}

# open_errno NODE: the errno of open(NODE) as a number, or "ok".
open_errno() {
	python3 -S -c '
import os, sys
try:
    os.close(os.open(sys.argv[1], os.O_RDWR))
    print("ok")
except OSError as e:
    print(e.errno)' "$1"
}
EOPNOTSUPP=95

without_iommu() {
	local node
	tap_run "modprobe vhost_vdpa vdpa_test_parent" modprobe -a vhost_vdpa vdpa_test_parent
	tap_run "vdpa dev add t0 (vdpa_test), bound to vhost_vdpa" e2e_vhost_dev_add t0 vdpa_test
	node=$(e2e_vhost_node t0)
	tap_is "$(open_errno "$node")" $EOPNOTSUPP \
		"t0: no dma_map/set_map and no IOMMU: open refused with EOPNOTSUPP"
	tap_is "$(open_errno "$node")" $EOPNOTSUPP "t0: refused again (no state left behind)"
	tap_run "vdpa dev del t0" vdpa dev del t0
	tap_is "$(ls /sys/bus/vdpa/devices)" "" "no vDPA device left"
	tap_run "rmmod vdpa_test_parent" rmmod vdpa_test_parent
}

# iommu_map NODE: vdpa_user iommu-map, the test parent's view in between.
iommu_map() {
	local node=$1 line bytes seen iova pid
	coproc MAP { exec "$E2E_VDPA_USER" iommu-map --dev "$node" 2>&1; }
	pid=$MAP_PID
	line=$(e2e_reply "${MAP[0]}")
	read -r _ iova bytes <<<"$line"
	tap_is "${line%% *}" mapped "t0: vdpa_user mapped its buffer (IOTLB v2 UPDATE)"
	echo "$iova" >"$dbg/t0/iova"
	seen=$(cat "$dbg/t0/iova")
	tap_is "$seen" "$iova $bytes" \
		"t0: the IOMMU domain translates $iova to the bytes userspace wrote"
	echo >&"${MAP[1]}"
	line=$(e2e_reply "${MAP[0]}")
	tap_is "$line" unmapped "t0: vdpa_user invalidated the range"
	tap_is "$(cat "$dbg/t0/iova")" "$iova unmapped" \
		"t0: after INVALIDATE the domain has no translation for $iova"
	echo >&"${MAP[1]}"
	wait "$pid"
	tap_is "$?" 0 "t0: vdpa_user iommu-map exited 0"

	# Killed with its buffer mapped: the release takes the mapping down.
	coproc MAP { exec "$E2E_VDPA_USER" iommu-map --dev "$node" 2>&1; }
	pid=$MAP_PID
	line=$(e2e_reply "${MAP[0]}")
	tap_is "$(cat "$dbg/t0/iova")" "${line#mapped }" \
		"t0: mapped again by a second opener"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	tap_is "$(cat "$dbg/t0/iova")" "$iova unmapped" \
		"t0: killed while mapped: the release unmapped it"
}

# The doorbell of every queue, then one held across "vdpa dev del".
doorbells() {
	local node=$1 want line rc pid
	tap_run "t0: vdpa_user doorbell (every queue; bad mappings get EINVAL)" \
		"$E2E_VDPA_USER" doorbell --dev "$node"
	want=$(printf 'vq 0: 0xdb000000\nvq 1: 0xdb000001\nvq 2: 0xdb000002')
	tap_is "$(cat "$dbg/t0/doorbells")" "$want" \
		"t0: the parent saw each queue's write on that queue's doorbell page"

	coproc HOLD { exec "$E2E_VDPA_USER" doorbell --dev "$node" --hold 2>&1; }
	pid=$HOLD_PID
	line=$(e2e_reply "${HOLD[0]}")
	tap_is "$line" held "t0: doorbell of queue 0 mapped and held"
	tap_run "vdpa dev del t0 with the doorbell mapped" timeout 60 vdpa dev del t0
	echo >&"${HOLD[1]}"
	wait "$pid"
	rc=$?
	tap_is "$rc" 0 "t0: the write after the deletion faulted (SIGBUS), it did not land"
}

with_iommu() {
	local pci=$1 node
	tap_run "modprobe vhost_vdpa, vdpa_test_parent dma_dev=$pci" \
		sh -c "modprobe vhost_vdpa && modprobe vdpa_test_parent dma_dev=$pci"
	tap_run "vdpa dev add t0 (vdpa_test), bound to vhost_vdpa" e2e_vhost_dev_add t0 vdpa_test
	node=$(e2e_vhost_node t0)
	iommu_map "$node"
	doorbells "$node"
	tap_is "$(ls /sys/bus/vdpa/devices)" "" "no vDPA device left"
	tap_run "rmmod vdpa_test_parent" rmmod vdpa_test_parent
	tap_run "vdpa_test_parent without dma_dev: back to no IOMMU route" \
		modprobe vdpa_test_parent
	tap_run "vdpa dev add t1" e2e_vhost_dev_add t1 vdpa_test
	tap_is "$(open_errno "$(e2e_vhost_node t1)")" $EOPNOTSUPP \
		"t1: its DMA device has no IOMMU: open refused with EOPNOTSUPP"
	tap_run "vdpa dev del t1" vdpa dev del t1
}

# make check's debug-tier VM has both; by hand: scripts/vm-run.sh
# --qemu-arg "-device intel-iommu,intremap=off" --qemu-arg "-device
# pci-testdev" --append intel_iommu=on -- tests/run-in-vm.sh 72-
pci=$(spare_pci)
[ -n "$(ls /sys/class/iommu 2>/dev/null)" ] ||
	tap_bail "no IOMMU: boot with QEMU's intel-iommu and intel_iommu=on"
[ -n "$pci" ] ||
	tap_bail "no driverless pci-testdev (1b36:0005) in an IOMMU group"

tap_plan 29
e2e_begin
without_iommu
with_iommu "$pci"
e2e_end
tap_done
