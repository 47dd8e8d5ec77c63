#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Regression tests of the address-space rules of our vhost_vdpa and
# vdpa_sim_net, driven by `vdpa_user abuse` (tests/userspace/abuse*.c):
#
# - raw-phys (split and packed), raw-phys-reset, cvq-asid: no IOVA
#   translates unless userspace mapped it, at open, after a reset (with
#   and without IOTLB_PERSIST) and in an address space a group was moved
#   to; rings at raw physical addresses make the device set NEEDS_RESET
#   and the pages stay byte for byte as they were;
# - invalidate, invalidate-batch: an invalidated range is gone for the
#   device at once outside a batch; inside one, the pages stay pinned
#   (VmPin) until BATCH_END or until IOTLB_BATCH is cleared, even after
#   munmap() (KASAN in the test kernel catches a write to freed pages);
# - size-wrap: IOTLB updates that wrap or are no user range get EINVAL and
#   pin nothing;
# - cvq-index: on a device with max_vqp 4 the control queue is vq 2
#   without VIRTIO_NET_F_MQ and vq 8 with it, in a group of its own.
#
# cvq-asid, invalidate, invalidate-batch and size-wrap run again on a
# device created with vdpa_sim.batch_mapping=0 (dma_map/dma_unmap instead
# of set_map).  At the end no device is left and every page pinned during
# the script was unpinned (nr_foll_pin_acquired - nr_foll_pin_released in
# /proc/vmstat is back to its value before).  A missing module or tool is
# a failure.
#
# Cost: 12 vdpa_user runs of well under a second each on a fixed kernel,
# about 20 s in all in the TCG test VM; a case that fails may wait up to
# its --timeout (5 s) for NEEDS_RESET or a frame.
set -u
. "$(dirname "$0")/../lib/tap.sh"

. "$(dirname "$0")/../lib/e2e.sh"

repo=$E2E_REPO
batch_param=/sys/module/vdpa_sim/parameters/batch_mapping

[ -e "$repo/vhost_vdpa.ko" ] || tap_bail "our vhost_vdpa.ko is not built (drivers/vhost_vdpa)"
modinfo -F filename vhost_vdpa 2>/dev/null | grep -q /updates/ ||
	tap_bail "modprobe would not load our vhost_vdpa (not in updates/)"
e2e_find_vdpa_user || tap_bail "no vdpa_user: run make -C tests/userspace on the host"
tool=$E2E_VDPA_USER
"$tool" 2>&1 | grep -q abuse ||
	tap_bail "$tool has no abuse subcommand: rebuild it (make -C tests/userspace)"
[ ! -e /sys/module/virtio_vdpa ] || tap_bail "virtio_vdpa is loaded: it could take the devices"

tap_plan 23

pins_before=$(e2e_pins_outstanding)
tap_run "modprobe vhost_vdpa (ours) before the simulator" modprobe vhost_vdpa
tap_run "modprobe vdpa_sim_net" modprobe vdpa_sim_net

tap_run "vdpa dev add a0 (vdpasim_net), bound to vhost_vdpa" e2e_vhost_dev_add a0 vdpasim_net
a0=$(e2e_vhost_node a0)
e2e_tool_ok "raw-phys, split: no IOVA translates at open" abuse --dev "$a0" --case raw-phys
e2e_tool_ok "raw-phys, packed" abuse --dev "$a0" --case raw-phys --packed
e2e_tool_ok "raw-phys-reset: nor after a reset, IOTLB_PERSIST acked or not" abuse --dev "$a0" --case raw-phys-reset
e2e_tool_ok "cvq-asid: nor in AS 1 when the cvq group moves there" abuse --dev "$a0" --case cvq-asid
e2e_tool_ok "invalidate: an invalidated buffer is gone for the device" abuse --dev "$a0" --case invalidate
e2e_tool_ok "invalidate-batch: pinned until the batch ends or IOTLB_BATCH is cleared" abuse --dev "$a0" --case invalidate-batch
e2e_tool_ok "size-wrap: wrapping or non-user updates get EINVAL, pin nothing" abuse --dev "$a0" --case size-wrap
tap_run "vdpa dev del a0" vdpa dev del a0

# The dma_map route: a device created with vdpa_sim.batch_mapping=0 hears
# of each mapping through dma_map/dma_unmap instead of set_map.
echo 0 >"$batch_param"
tap_run "vdpa dev add m0 (batch_mapping=0: dma_map/dma_unmap)" e2e_vhost_dev_add m0 vdpasim_net
echo 1 >"$batch_param"
m0=$(e2e_vhost_node m0)
e2e_tool_ok "dma_map: cvq-asid" abuse --dev "$m0" --case cvq-asid
e2e_tool_ok "dma_map: invalidate" abuse --dev "$m0" --case invalidate
e2e_tool_ok "dma_map: invalidate-batch (unpinned at once: dma_unmap is synchronous)" \
	abuse --dev "$m0" --case invalidate-batch --dma-map
e2e_tool_ok "dma_map: size-wrap" abuse --dev "$m0" --case size-wrap
tap_run "vdpa dev del m0" vdpa dev del m0

tap_run "vdpa dev add a4 (vdpasim_net max_vqp 4), bound to vhost_vdpa" e2e_vhost_dev_add a4 vdpasim_net max_vqp 4
a4=$(e2e_vhost_node a4)
e2e_tool_ok "cvq-index: cvq at vq 2 without MQ, vq 8 with it, own group" abuse --dev "$a4" --case cvq-index
tap_run "vdpa dev del a4" vdpa dev del a4

tap_is "$(vdpa dev show 2>&1)" "" "no vdpa device left"
tap_run "rmmod vdpa_sim_net vdpa_sim vhost_vdpa" rmmod vdpa_sim_net vdpa_sim vhost_vdpa
tap_is "$(e2e_pins_outstanding)" "$pins_before" \
	"no page left pinned (nr_foll_pin_acquired - nr_foll_pin_released as before)"
tap_done
