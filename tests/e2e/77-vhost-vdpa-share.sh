#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vm-tier: debug stock
#
# Shared pinning of our vhost_vdpa (drivers/vhost_vdpa/share.c): one
# process owning 1, 2 and 4 /dev/vhost-vdpa-N (vdpasim_net, one of them on
# the dma_map route) maps the same 8 MiB of 4 KiB anonymous pages on each,
# and `vdpa_user share` (tests/userspace/map_bench.c) asserts VmPin and
# the kernel's outstanding page pins (nr_foll_pin_acquired - released)
# exactly after every step:
# - one copy (8192 kB, 2048 pins) with the memory mapped on 1, 2 or 4
#   devices, and mapped twice on one device at two IOVAs; with MMU
#   notifiers in the kernel (--pin-once; the stock tier, not the debug
#   kernel's config) the second and later maps pin nothing at all
#   (nr_foll_pin_acquired does not move);
# - the memory replaced at the same address (munmap + mmap) while device 0
#   maps it: device 1 pins the new pages (2048 acquired), two copies
#   pinned and charged until the old mapping goes;
# - RLIMIT_MEMLOCK set to one copy, CAP_IPC_LOCK dropped: the same memory
#   maps on a second device, 1 MiB of other memory is refused (ENOMEM)
#   and VmPin does not move;
# - devices taken away one by one (invalidate, close, and with 4 devices
#   `vdpa dev del` of one while it is mapped): one copy while any device
#   maps it, 0 after the last; half the memory mapped again: half a copy;
# and the kernel's pin counters (nr_foll_pin_*) are back where they were.
set -u
. "$(dirname "$0")/../lib/tap.sh"

. "$(dirname "$0")/../lib/e2e.sh"

e2e_need_vhost_vdpa_user
[ ! -e /sys/module/virtio_vdpa ] || tap_bail "virtio_vdpa is loaded: it could take the devices"

tap_plan 14

tap_run "modprobe vhost_vdpa vdpa_sim_net (ours)" modprobe -a vhost_vdpa vdpa_sim_net
pins_before=$(e2e_pins_outstanding)
for i in 0 1 2; do
	tap_run "vdpa dev add s$i (vdpasim_net, set_map)" e2e_vhost_dev_add "s$i" vdpasim_net
done
echo 0 >/sys/module/vdpa_sim/parameters/batch_mapping
tap_run "vdpa dev add s3 (vdpasim_net, dma_map)" e2e_vhost_dev_add s3 vdpasim_net
echo 1 >/sys/module/vdpa_sim/parameters/batch_mapping
s0=$(e2e_vhost_node s0) s1=$(e2e_vhost_node s1)
s2=$(e2e_vhost_node s2) s3=$(e2e_vhost_node s3)

# Spans (a second device pinning nothing) need MMU notifiers.
once=()
if { zcat /proc/config.gz 2>/dev/null || cat "/boot/config-$(uname -r)" 2>/dev/null; } |
	grep -qx 'CONFIG_MMU_NOTIFIER=y'; then
	once=(--pin-once)
	tap_diag "MMU notifiers: later maps must pin nothing"
else
	tap_diag "no MMU notifiers: every map pins, the registry keeps one pin"
fi
e2e_tool_ok "share: 1 device, 8 MiB pinned and charged once" \
	share --dev "$s0" --mbytes 8 "${once[@]}"
e2e_tool_ok "share: 2 devices, 8 MiB pinned and charged once, remap pinned anew" \
	share --dev "$s0" --also "$s1" --mbytes 8 "${once[@]}"
e2e_tool_ok "share: 4 devices, one removed while mapped, 8 MiB pinned and charged once" \
	share --dev "$s0" --also "$s1" --also "$s2" --also "$s3" --mbytes 8 \
	--exec "vdpa dev del s3" "${once[@]}"
tap_is "$(ls /sys/bus/vdpa/devices)" "$(printf 's0\ns1\ns2')" "s3 was removed by the share run"
tap_is "$(e2e_pins_outstanding)" "$pins_before" "every pin given back (nr_foll_pin_acquired - released)"
for i in 0 1 2; do
	tap_run "vdpa dev del s$i" vdpa dev del "s$i"
done
tap_run "rmmod vdpa_sim_net vdpa_sim vhost_vdpa" rmmod vdpa_sim_net vdpa_sim vhost_vdpa
tap_done
