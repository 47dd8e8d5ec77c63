#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Reference run of tests/userspace/vdpa_user against the in-tree stack of
# the test kernel (vhost_iotlb, vhost, vringh, vdpa, vdpa_sim*, vhost_vdpa
# from /lib/modules/$(uname -r)/kernel, loaded with insmod because ours in
# updates/ win for modprobe).  Not part of `make check`: it shows what the
# in-tree modules do, the behaviour tests/e2e/70-vhost-vdpa-user.sh then
# expects from ours.  Run it in the test VM, after building the tool on
# the host (make -C tests/userspace):
#
#   scripts/vm-run.sh -- tests/e2e-reference/vhost-vdpa-intree.sh
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/e2e.sh"

repo=$(cd "$(dirname "$0")/../.." && pwd)
tool=${VDPA_USER:-$repo/tests/userspace/vdpa_user}
kdir=/lib/modules/$(uname -r)/kernel
stack="virt/lib/irqbypass drivers/vhost/vhost_iotlb drivers/vhost/vhost
	drivers/vhost/vringh drivers/vdpa/vdpa drivers/vdpa/vdpa_sim/vdpa_sim
	drivers/vdpa/vdpa_sim/vdpa_sim_net drivers/vdpa/vdpa_sim/vdpa_sim_blk
	drivers/vhost/vhost_vdpa"

# load_intree [use_va=0]: insmod the in-tree stack, vdpa_sim with ARGS.
load_intree() {
	local m name
	for m in $stack; do
		name=${m##*/}
		grep -q "^$name " /proc/modules && continue
		if [ "$name" = vdpa_sim ]; then
			insmod "$kdir/$m.ko" "$@" || return 1
		else
			insmod "$kdir/$m.ko" || return 1
		fi
	done
}

unload_sims() { rmmod vdpa_sim_blk vdpa_sim_net vdpa_sim; }
unload_all() { rmmod vhost_vdpa vdpa_sim_blk vdpa_sim_net vdpa_sim vdpa \
	vringh vhost vhost_iotlb; }

# The loaded NAME is the in-tree file: same srcversion.
is_intree() {
	local f
	f=$(find "$kdir" -name "$1.ko" | head -1)
	[ "$(cat "/sys/module/$1/srcversion")" = "$(modinfo -F srcversion "$f")" ]
}

# tool_is DESC WANT_STATUS ARGS...: vdpa_user ARGS exits WANT_STATUS; its
# output is shown as diagnostics either way (the reference values).
tool_is() {
	local desc=$1 want=$2 out rc=0
	shift 2
	out=$("$tool" "$@" 2>&1) || rc=$?
	if [ "$rc" = "$want" ]; then
		tap_ok "$desc"
		tap_diag "$out"
	else
		tap_fail "$desc" "command: vdpa_user $*"$'\n'"exit status $rc, want $want"$'\n'"$out"
	fi
}

[ -x "$tool" ] || tap_bail "no $tool: run make -C tests/userspace on the host first"
grep -q '^vdpa ' /proc/modules && tap_bail "a vdpa module is already loaded"

tap_plan 27

tap_run "insmod the in-tree stack" load_intree
tap_run "vdpa, vdpa_sim, vhost_vdpa are the in-tree modules" \
	eval 'is_intree vdpa && is_intree vdpa_sim && is_intree vhost_vdpa'

# --- net, the simulator mapping by VA (default) ---
tap_run "vdpa dev add n0 (vdpasim_net), bound to vhost_vdpa" e2e_vhost_dev_add n0 vdpasim_net
n0=$(e2e_vhost_node n0)
tool_is "net-loop split, 1000 x 1514 bytes" 0 net-loop --dev "$n0" --frames 1000 --size 1514
tool_is "net-loop split, 3000 x 60 bytes, ring 64" 0 net-loop --dev "$n0" --frames 3000 --size 60 --ring 64
tool_is "net-loop --batch" 0 net-loop --dev "$n0" --frames 500 --size 1000 --batch
tool_is "net-loop --asid (cvq in AS 1, MAC_ADDR_SET)" 0 net-loop --dev "$n0" --frames 200 --size 128 --asid
tool_is "net-loop --suspend-resume" 0 net-loop --dev "$n0" --frames 1000 --size 512 --suspend-resume
tool_is "net-loop everything but packed" 0 net-loop --dev "$n0" --frames 600 --size 300 --batch --asid --suspend-resume
tool_is "net-loop --packed: in-tree sim has no RING_PACKED (77)" 77 net-loop --dev "$n0" --frames 10 --packed
tool_is "net-loop frame of 4084 bytes (sim limit: a page)" 0 net-loop --dev "$n0" --frames 50 --size 4084
tool_is "misuse on vdpasim_net (in-tree errnos)" 0 misuse --dev "$n0" --expect intree
tool_is "pin-check on vdpasim_net (VA: nothing pinned)" 0 pin-check --dev "$n0" --mbytes 64 --frames 200 --size 1000
tool_is "net-loop after pin-check (device reusable)" 0 net-loop --dev "$n0" --frames 100 --size 100
tap_run "vdpa dev del n0" vdpa dev del n0

# --- blk ---
tap_run "vdpa dev add b0 (vdpasim_blk), bound to vhost_vdpa" e2e_vhost_dev_add b0 vdpasim_blk
b0=$(e2e_vhost_node b0)
tool_is "blk-rw 2048 sectors" 0 blk-rw --dev "$b0" --sectors 2048
tool_is "blk-rw --batch 300 sectors" 0 blk-rw --dev "$b0" --sectors 300 --batch
tool_is "blk-rw --packed: no RING_PACKED (77)" 77 blk-rw --dev "$b0" --sectors 8 --packed
tool_is "misuse on vdpasim_blk (in-tree errnos)" 0 misuse --dev "$b0" --expect intree
tap_run "vdpa dev del b0" vdpa dev del b0

# --- net, the simulator mapping by PA (pins pages) ---
tap_run "reload vdpa_sim with use_va=0" eval 'unload_sims && load_intree use_va=0'
tap_run "vdpa dev add p0 (vdpasim_net, use_va=0)" e2e_vhost_dev_add p0 vdpasim_net
p0=$(e2e_vhost_node p0)
tool_is "net-loop by PA" 0 net-loop --dev "$p0" --frames 500 --size 1514 --batch --asid --suspend-resume
# 4 MiB: vdpa_sim keeps at most 2048 IOTLB entries (max_iotlb_entries),
# and pinned pages are not physically contiguous.
tool_is "pin-check by PA (pinned, RLIMIT_MEMLOCK enforced, unpinned on close)" 0 pin-check --dev "$p0" --mbytes 4 --frames 200 --size 1000
tap_run "vdpa dev del p0" vdpa dev del p0
tap_run "unload the in-tree stack" unload_all
tap_done
