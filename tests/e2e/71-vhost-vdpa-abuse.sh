#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vm-tier: debug
#
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
#   munmap() (KASAN in the test kernel catches a write to freed pages,
#   and the VM boots with init_on_free=1, checked here: a page freed too
#   early is zeroed at once, so a late read shows in the frames);
# - size-wrap: IOTLB updates that wrap or are no user range get EINVAL and
#   pin nothing;
# - cvq-index: on a device with max_vqp 4 the control queue is vq 2
#   without VIRTIO_NET_F_MQ and vq 8 with it, in a group of its own;
# - thp, hugetlb (split and packed): rings and buffers in 2 MiB pages
#   (transparent huge pages after MADV_HUGEPAGE, checked in smaps; or
#   hugetlbfs pages, 3 reserved here through /proc/sys/vm/nr_hugepages
#   and given back after), mapped by updates that start inside a page,
#   cross 2 MiB boundaries and meet inside pages: frames byte-exact across
#   them, every other byte unchanged, VmPin up by the exact pages and back;
# - live (split and packed): on a device carrying frames, queues disabled
#   and re-enabled by a second thread, the size of a running queue
#   changed, the data group moved to an empty address space, ring bases
#   out of range, 200 rounds of random descriptors: each ends with the
#   device working or in NEEDS_RESET with sane completions, memory outside
#   the mappings unchanged, and frames flowing after a reset;
# - iotlb-full: with vhost_vdpa and then vdpa_sim reloaded with
#   max_iotlb_entries=32, the 32nd entry (and a two-entry update with one
#   free) fails with ENOSPC and pins nothing, the device keeps working;
#   RLIMIT_MEMLOCK (CAP_IPC_LOCK dropped) holds to the page with ENOMEM;
#   with the simulator's table on the set_map route, a batch past it and
#   an INVALIDATE in it whose allocation fails (fail-nth, failslab with
#   sleeping allocations for that run): ENOMEM, nothing leaked.
#
# cvq-asid, invalidate, invalidate-batch, size-wrap, thp, hugetlb, live
# and iotlb-full run again on devices created with
# vdpa_sim.batch_mapping=0 (dma_map/dma_unmap instead of set_map).  At the
# end no device is left and every page pinned during the script was
# unpinned (nr_foll_pin_acquired - nr_foll_pin_released in /proc/vmstat is
# back to its value before).  A missing module or tool is a failure.
#
# Cost: 25 vdpa_user runs, 90 to 100 s in all in the TCG test VM (the
# three live runs 5 to 10 s each, the others 1 to 3 s; the rest is module
# loads and device creation); a case that fails may wait up to its
# --timeout (5 s) for NEEDS_RESET or a frame.
set -u
. "$(dirname "$0")/../lib/tap.sh"

. "$(dirname "$0")/../lib/e2e.sh"

batch_param=/sys/module/vdpa_sim/parameters/batch_mapping
nr_huge=/proc/sys/vm/nr_hugepages
thp_enabled=/sys/kernel/mm/transparent_hugepage/enabled
failslab=/sys/kernel/debug/failslab

e2e_need_vhost_vdpa_user
tool=$E2E_VDPA_USER
"$tool" 2>&1 | grep -q abuse ||
	tap_bail "$tool has no abuse subcommand: rebuild it (make -C tests/userspace)"
[ ! -e /sys/module/virtio_vdpa ] || tap_bail "virtio_vdpa is loaded: it could take the devices"
[ -d "$failslab" ] || tap_bail "no $failslab: the test kernel lacks FAILSLAB"

tap_plan 49

# Three more 2 MiB hugetlbfs pages for the hugetlb case, all of them free.
huge_reserve() {
	echo $((huge_before + 3)) >"$nr_huge" &&
		[ "$(awk '$1 == "HugePages_Free:" { print $2 }' /proc/meminfo)" -ge 3 ] ||
		{ grep HugePages_ /proc/meminfo; return 1; }
}

# vdpa_user abuse --case iotlb-full on a new device NAME (the rest: vdpa
# dev add attributes); three tests.
full_run() {
	local name=$1 desc=$2

	shift 2
	tap_run "vdpa dev add $name" e2e_vhost_dev_add "$name" vdpasim_net
	e2e_tool_ok "$desc" abuse --dev "$(e2e_vhost_node "$name")" --case iotlb-full "$@"
	tap_run "vdpa dev del $name" vdpa dev del "$name"
}

# Unload the simulator and vhost_vdpa, load them with these parameters.
reload() {
	rmmod vdpa_sim_net vdpa_sim vhost_vdpa &&
		modprobe vhost_vdpa "$@" &&
		modprobe vdpa_sim "${sim_params[@]}" && modprobe vdpa_sim_net
}

huge_before=$(cat "$nr_huge")
thp_before=$(sed -n 's/.*\[\(.*\)\].*/\1/p' "$thp_enabled" 2>/dev/null)
# MADV_HUGEPAGE needs "always" or "madvise"; put it back at the end.
[ "$thp_before" != never ] || echo madvise >"$thp_enabled"

pins_before=$(e2e_pins_outstanding)
tap_is "$(grep -ow 'init_on_free=1' /proc/cmdline)" init_on_free=1 \
	"freed pages are zeroed at once (init_on_free=1, set by scripts/vm-run.sh)"
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
e2e_tool_ok "thp, split: unaligned updates across 2 MiB boundaries of THP, frames byte-exact" abuse --dev "$a0" --case thp
e2e_tool_ok "thp, packed" abuse --dev "$a0" --case thp --packed
tap_run "reserve 3 more hugetlb pages (nr_hugepages $huge_before -> $((huge_before + 3)))" huge_reserve
e2e_tool_ok "hugetlb, split: the same over hugetlbfs pages" abuse --dev "$a0" --case hugetlb
e2e_tool_ok "hugetlb, packed" abuse --dev "$a0" --case hugetlb --packed
e2e_tool_ok "live, split: toggles, ring size, address space, base, garbage on a running device" \
	abuse --dev "$a0" --case live
e2e_tool_ok "live, packed" abuse --dev "$a0" --case live --packed --seed 2
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
e2e_tool_ok "dma_map: thp" abuse --dev "$m0" --case thp
e2e_tool_ok "dma_map: hugetlb" abuse --dev "$m0" --case hugetlb --packed
e2e_tool_ok "dma_map: live" abuse --dev "$m0" --case live --seed 3
tap_run "vdpa dev del m0" vdpa dev del m0
echo "$huge_before" >"$nr_huge"
tap_is "$(cat "$nr_huge")" "$huge_before" "nr_hugepages back to $huge_before"

tap_run "vdpa dev add a4 (vdpasim_net max_vqp 4), bound to vhost_vdpa" e2e_vhost_dev_add a4 vdpasim_net max_vqp 4
a4=$(e2e_vhost_node a4)
e2e_tool_ok "cvq-index: cvq at vq 2 without MQ, vq 8 with it, own group" abuse --dev "$a4" --case cvq-index
tap_run "vdpa dev del a4" vdpa dev del a4

# iotlb-full: a table of 32 entries in vhost_vdpa, then in the simulator
# (whose set_map then refuses the table vhost_vdpa built), on both routes.
sim_params=()
tap_run "reload vhost_vdpa with max_iotlb_entries=32" reload max_iotlb_entries=32
full_run f0 "iotlb-full, vhost_vdpa table of 32 (set_map)"
echo 0 >"$batch_param"
full_run f1 "iotlb-full, vhost_vdpa table of 32 (dma_map)" --packed --dma-map
echo 1 >"$batch_param"
sim_params=(max_iotlb_entries=32)
tap_run "reload vdpa_sim with max_iotlb_entries=32" reload
# The INVALIDATE without memory: fail-nth, sleeping allocations included.
# Quietly: an injected failure's stack dump would read as a kernel report.
gfp_wait_before=$(cat "$failslab/ignore-gfp-wait")
verbose_before=$(cat "$failslab/verbose")
echo N >"$failslab/ignore-gfp-wait"
echo 0 >"$failslab/probability"
echo 0 >"$failslab/verbose"
full_run f2 "iotlb-full, vdpa_sim table of 32 (set_map: refused tables, a batch past it, INVALIDATE without memory)"
echo "$gfp_wait_before" >"$failslab/ignore-gfp-wait"
echo "$verbose_before" >"$failslab/verbose"
echo 0 >"$batch_param"
full_run f3 "iotlb-full, vdpa_sim table of 32 (dma_map)" --packed --dma-map
echo 1 >"$batch_param"
[ "$thp_before" != never ] || echo never >"$thp_enabled"

tap_is "$(vdpa dev show 2>&1)" "" "no vdpa device left"
tap_run "rmmod vdpa_sim_net vdpa_sim vhost_vdpa" rmmod vdpa_sim_net vdpa_sim vhost_vdpa
tap_is "$(e2e_pins_outstanding)" "$pins_before" \
	"no page left pinned (nr_foll_pin_acquired - nr_foll_pin_released as before)"
tap_done
