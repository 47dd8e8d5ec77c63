#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vm-tier: debug
#
# Allocation-failure sweeps (tests/lib/failnth.py): the N-th allocation
# of one operation fails, slab (failslab) or page (fail_page_alloc: any
# order, sleeping and __GFP_HIGHMEM ones included, so the user pages
# pin_user_pages() faults in too), for every N until the operation no
# longer reaches a failure. Each failing step must refuse the operation
# with ENOMEM (a netlink request may also lose its ack: ENOBUFS) and
# leave nothing behind (the vdpa snapshot unchanged, no page pinned),
# and no step may leave a kernel report or a leak (the run's kmemleak
# scan):
# - vdpa dev add on each parent: vdpasim_net, vdpasim_blk, vdpa_test;
# - vhost_vdpa open, owner, features and an IOTLB update (of a buffer
#   mapped afresh each step) and invalidate, on the set_map route and on
#   the dma_map route;
# - on the set_map route, an IOTLB invalidate in address space 1 (the
#   control queue's) failing at each point: where it is refused, its
#   pages stay pinned through a commit of address space 0 and go at
#   close (failnth.py retire-as);
# - the set_map route with page allocations failing alone (failslab
#   off): the IOTLB update must be refused (ENOMEM) where pinning cannot
#   fault a page of the buffer in and cannot pin what it has not; the
#   sweep is known to reach page allocations that way. (dev add makes
#   none of its own: the only ones it reaches are those of KASAN's stack
#   depot, which survives their failure.)
# - vdpa dev add on vdpasim_blk with virtio_vdpa loaded: virtio_vdpa's
#   probe and virtio_blk's run in the task of dev add, so the sweep
#   fails their allocations too; a failed probe leaves the device added
#   and unbound, which the sweep deletes (the run's kmemleak scan checks
#   that nothing leaked on the way).
# Not here: that sweep on vdpasim_net. Run by hand it found that
# virtio_vdpa let virtio_net spin on a queue the parent had failed to
# enable (fixed), and then only leaks inside virtio_net's own probe error
# path in 6.12 (kmemleak: virtnet_set_affinity/__netif_set_xps_queue and
# virtnet_probe), which fail the run's kmemleak scan.
# Cost: see Documentation/testing.rst (a few hundred steps each).
set -u
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/e2e.sh
. "$(dirname "$0")/../lib/e2e.sh"

lib=$E2E_REPO/tests/lib
fs=/sys/kernel/debug/failslab
fp=/sys/kernel/debug/fail_page_alloc

[ -d "$fs" ] || tap_bail "no $fs: the test kernel lacks FAILSLAB"
[ -d "$fp" ] || tap_bail "no $fp: the test kernel lacks FAIL_PAGE_ALLOC"

# sweep DESC ARGS...: failnth.py ARGS passes, its summary as diagnostic.
sweep() {
	local desc=$1 out rc=0
	shift
	out=$(python3 -S "$lib/failnth.py" "$@" 2>&1) || rc=$?
	if [ $rc = 0 ]; then
		tap_ok "$desc"
		tap_diag "$(grep '^# sweep' <<<"$out")"
	else
		tap_fail "$desc" "failnth.py $*: exit $rc"$'\n'"$out"
	fi
}

# fault_set DIR FILE VALUE...: write each debugfs attribute, remembering
# the value before for fault_restore.
saved=()
fault_set() {
	local dir=$1
	shift
	while [ $# -ge 2 ]; do
		saved+=("$dir/$1" "$(cat "$dir/$1")")
		echo "$2" >"$dir/$1" || return 1
		shift 2
	done
}
fault_restore() {
	local i
	for ((i = ${#saved[@]} - 2; i >= 0; i -= 2)); do
		echo "${saved[i + 1]}" >"${saved[i]}"
	done
	saved=()
}
# fault_show: the attributes the sweeps depend on, read back.
fault_show() {
	echo "failslab: $(cat "$fs/ignore-gfp-wait" "$fs/probability" \
		"$fs/verbose" "$fs/cache-filter" | xargs)"
	echo "fail_page_alloc: $(cat "$fp/ignore-gfp-wait" \
		"$fp/ignore-gfp-highmem" "$fp/min-order" "$fp/probability" \
		"$fp/verbose" | xargs)"
}
tap_plan 17
e2e_begin

# Fail only where fail-nth says, sleeping allocations included, quietly;
# pages of any order, user pages (__GFP_HIGHMEM) too.
trap fault_restore EXIT
fault_set "$fs" ignore-gfp-wait N probability 0 verbose 0 cache-filter N
fault_set "$fp" ignore-gfp-wait N ignore-gfp-highmem N min-order 0 \
	probability 0 verbose 0
tap_is "$(fault_show)" "failslab: N 0 0 N"$'\n'"fail_page_alloc: N N 0 0 0" \
	"failslab and fail_page_alloc: every allocation may fail"

tap_run "modprobe vdpa_sim_net vdpa_sim_blk vdpa_test_parent" \
	modprobe -a vdpa_sim_net vdpa_sim_blk vdpa_test_parent
sweep "dev add vdpasim_net: every allocation failure refused cleanly" \
	devadd vdpasim_net "DEV_NET_CFG_MACADDR=hex:02:00:00:00:00:38" \
	"DEV_NET_CFG_MAX_VQP=u16:2" --errnos ENOMEM,ENOBUFS
sweep "dev add vdpasim_blk: every allocation failure refused cleanly" \
	devadd vdpasim_blk --errnos ENOMEM,ENOBUFS
sweep "dev add vdpa_test: every allocation failure refused cleanly" \
	devadd vdpa_test --errnos ENOMEM,ENOBUFS

tap_run "modprobe virtio_vdpa" modprobe virtio_vdpa
# About 770 points: every 8th here (about 45 s), FAULT_SWEEP_EVERY=1 for
# all of them (about 6 minutes).
sweep "dev add vdpasim_blk, virtio_vdpa and virtio_blk probing: each failure (every ${FAULT_SWEEP_EVERY:-8}th point) refused or survived cleanly" \
	devadd vdpasim_blk --errnos ENOMEM,ENOBUFS --every "${FAULT_SWEEP_EVERY:-8}"
tap_run "rmmod virtio_vdpa" rmmod virtio_vdpa

tap_run "modprobe vhost_vdpa" modprobe vhost_vdpa
tap_run "vdpa dev add f0 (vdpasim_net, set_map) on vhost_vdpa" \
	e2e_vhost_dev_add f0 vdpasim_net
sweep "vhost_vdpa open + map, set_map route" vhost "$(e2e_vhost_node f0)"
sweep "an invalidate in address space 1 that cannot commit keeps its pages pinned through address space 0's commit" \
	retire-as "$(e2e_vhost_node f0)" --min-failed 1
echo 0 >/sys/module/vdpa_sim/parameters/batch_mapping
tap_run "vdpa dev add f1 (vdpasim_net, dma_map) on vhost_vdpa" \
	e2e_vhost_dev_add f1 vdpasim_net
echo 1 >/sys/module/vdpa_sim/parameters/batch_mapping
sweep "vhost_vdpa open + map, dma_map route" vhost "$(e2e_vhost_node f1)"

# Page allocations alone: failslab counts nothing with its cache filter
# on and no cache marked for it. Most of those the IOTLB update reaches
# are pages of the buffer faulted in by pin_user_pages(): a pin cut
# short is resumed, one that pins nothing refuses the update.
echo Y >"$fs/cache-filter"
sweep "page allocations alone: vhost_vdpa open + map refused cleanly where pinning faults in a page" \
	vhost "$(e2e_vhost_node f0)" --min-failed 1
echo N >"$fs/cache-filter"
vdpa dev del f0
vdpa dev del f1

fault_restore
e2e_end
tap_done
