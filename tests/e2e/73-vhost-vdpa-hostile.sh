#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vm-tier: debug stock
#
# Hostile userspace against our vhost_vdpa, driven by tests/userspace/vdpa_user:
#
# - fuzz (tests/userspace/fuzz*.c): seeded random sequences over every
#   command and IOTLB message vhost_vdpa handles, valid and hostile
#   arguments mixed, each call checked against the errnos the driver may
#   return for it, VmPin back to 0 after every close.  Seeds 1, 2 and 3 on
#   fresh vdpasim_net devices, seed 4 on a vdpasim_blk device, FUZZ_OPS
#   operations in all (a quarter each).  After each run the device still
#   carries traffic (net-loop, blk-rw) and is still listed.
# - revocation races (tests/userspace/hammer.c): with `vdpa_user hammer`
#   running (4 threads hammering commands, IOTLB updates and kicks, and
#   the doorbell where the device has one, plus a child process holding
#   the descriptor, received over SCM_RIGHTS), the device goes away by (a) `vdpa dev del`, (b) unbinding
#   it from vhost_vdpa through sysfs, (c) unloading its parent module
#   (`rmmod vdpa_sim_net`, loaded again afterwards).  The removal must
#   finish within 30 s, hammer must find every call ENODEV afterwards (exit
#   0), and no device or device node is left.
# - stalled faults (tests/userspace/stall.c): an IOTLB update pinning
#   userfaultfd memory, and GET_VRING_BASE, SET_CONFIG and GET_CONFIG with
#   their arguments in such memory, all four stuck in a fault nobody
#   answers; meanwhile `vdpa dev show`, `vdpa mgmtdev show` and `vdpa dev
#   del` must finish within 10 s (the driver holds no lock across a user
#   copy or a pin); once the faults are answered the calls get ENODEV
#   (GET_CONFIG, stalled copying out what it read before, gets 0).
#
# At the end no page is left pinned (nr_foll_pin_acquired -
# nr_foll_pin_released as before).  Kernel reports are the harness's to
# find.  A missing module or tool is a failure.
#
# Knob: FUZZ_OPS, the total number of fuzz operations (default 100000).
# A failing fuzz run prints its seed, the operation index and the command
# line that replays it (`--seed S --ops N --verbose`).
#
# Cost (estimated, not measured: written without a VM): 100000 fuzz
# operations at some 50-100 us each under TCG with KASAN and lockdep, plus
# a few thousand console lines from the simulator (a queue enabled with a
# bad ring is logged each time), about 1-3 minutes; the three races and
# the traffic checks about 20 s more.
set -u
. "$(dirname "$0")/../lib/tap.sh"

. "$(dirname "$0")/../lib/e2e.sh"

fuzz_ops=${FUZZ_OPS:-100000}
unbind=/sys/bus/vdpa/drivers/vhost_vdpa/unbind

e2e_need_vhost_vdpa_user
tool=$E2E_VDPA_USER
usage=$("$tool" 2>&1)
[[ $usage == *fuzz* && $usage == *hammer* && $usage == *stall* ]] ||
	tap_bail "$tool has no fuzz, hammer or stall subcommand: rebuild it (make -C tests/userspace)"
[ ! -e /sys/module/virtio_vdpa ] || tap_bail "virtio_vdpa is loaded: it could take the devices"
if ! [[ $fuzz_ops =~ ^[0-9]+$ ]] || [ "$fuzz_ops" -lt 4 ]; then
	tap_bail "FUZZ_OPS=$fuzz_ops: want a number, at least 4"
fi

# fuzz_one NAME MGMTDEV SEED OPS: five tests on a fresh device: add it,
# fuzz it, traffic through it, it is listed, delete it.
fuzz_one() {
	local name=$1 mgmtdev=$2 seed=$3 ops=$4 node

	tap_run "vdpa dev add $name ($mgmtdev), bound to vhost_vdpa" e2e_vhost_dev_add "$name" "$mgmtdev"
	node=$(e2e_vhost_node "$name")
	e2e_tool_ok "fuzz seed $seed on $mgmtdev: $ops ops" \
		fuzz --dev "$node" --seed "$seed" --ops "$ops"
	if [ "$mgmtdev" = vdpasim_blk ]; then
		e2e_tool_ok "$name still usable: blk-rw, 64 sectors" blk-rw --dev "$node" --sectors 64
	else
		e2e_tool_ok "$name still usable: net-loop, 20 frames" net-loop --dev "$node" --frames 20
	fi
	tap_run "vdpa dev show lists $name" vdpa dev show "$name"
	tap_run "vdpa dev del $name" vdpa dev del "$name"
}

# A coprocess's remaining output, until it exits (or is silent for 90 s).
drain() {
	local line

	while IFS= read -r -t 90 line <&"$1"; do
		printf '%s\n' "$line"
	done
}

# race NAME WHAT CMD...: five tests: add NAME, hammer on it is ready, CMD
# (which removes it) finishes within 30 s, hammer exits 0, and nothing of
# NAME is left (gone_NAME is called for that: it may delete it first).
race() {
	local name=$1 what=$2 node hfd pid out rc=0
	shift 2

	tap_run "vdpa dev add $name (vdpasim_net), bound to vhost_vdpa" e2e_vhost_dev_add "$name" vdpasim_net
	node=$(e2e_vhost_node "$name")
	coproc HAM { exec "$tool" hammer --dev "$node" --timeout 30000 2>&1; }
	# shellcheck disable=SC2153 # HAM_PID is set by coproc
	pid=$HAM_PID
	exec {hfd}<&"${HAM[0]}"
	tap_is "$(e2e_reply "$hfd")" ready "$what: hammer running on $name (threads and a child)"
	tap_run "$what: done within 30 s" timeout 30 "$@"
	out=$(drain "$hfd")
	exec {hfd}<&-
	kill "$pid" 2>/dev/null
	wait "$pid" || rc=$?
	if [ "$rc" = 0 ]; then
		tap_ok "$what: hammer saw ENODEV on every call, VmPin back to 0"
		tap_diag "$(grep '^# hammer' <<<"$out")"
	else
		tap_fail "$what: hammer saw ENODEV on every call, VmPin back to 0" \
			"exit status $rc"$'\n'"$out"
	fi
	tap_run "$what: nothing of $name left" "gone_$name" "$name" "$node"
}

# No device node, no device; an unbound device is deleted first.
nothing_left() {
	[ ! -e "$2" ] || { echo "$2 still exists"; return 1; }
	[ -z "$(vdpa dev show 2>&1)" ] || { vdpa dev show; return 1; }
}

gone_r1() {
	nothing_left "$@"
}

gone_r2() {
	[ -z "$(e2e_bound_to "$1")" ] || { echo "$1 still bound to $(e2e_bound_to "$1")"; return 1; }
	[ ! -e "$2" ] || { echo "$2 still exists"; return 1; }
	vdpa dev del "$1" && nothing_left "$@"
}

gone_r3() {
	[ ! -e /sys/module/vdpa_sim_net ] || { echo "vdpa_sim_net still loaded"; return 1; }
	nothing_left "$@"
}

tap_plan 43

pins_before=$(e2e_pins_outstanding)
tap_run "modprobe vhost_vdpa (ours) before the simulators" modprobe vhost_vdpa
tap_run "modprobe vdpa_sim_net vdpa_sim_blk" modprobe -a vdpa_sim_net vdpa_sim_blk

quarter=$((fuzz_ops / 4))
fuzz_one f1 vdpasim_net 1 "$quarter"
fuzz_one f2 vdpasim_net 2 "$quarter"
fuzz_one f3 vdpasim_net 3 "$quarter"
fuzz_one f4 vdpasim_blk 4 $((fuzz_ops - 3 * quarter))

race r1 "vdpa dev del" vdpa dev del r1
race r2 "unbind from vhost_vdpa (sysfs)" sh -c "echo r2 >$unbind"
race r3 "rmmod vdpa_sim_net" rmmod vdpa_sim_net
tap_run "modprobe vdpa_sim_net again" modprobe vdpa_sim_net

tap_run "vdpa dev add s1 (vdpasim_net), bound to vhost_vdpa" e2e_vhost_dev_add s1 vdpasim_net
node=$(e2e_vhost_node s1)
e2e_tool_ok "stall: calls stuck in user faults hold up neither netlink nor vdpa dev del" \
	stall --dev "$node" --timeout 10000 \
	--exec "vdpa dev show s1 >/dev/null && vdpa mgmtdev show >/dev/null && vdpa dev del s1"
tap_run "stall: nothing of s1 left" nothing_left s1 "$node"

tap_run "rmmod vdpa_sim_blk vdpa_sim_net vdpa_sim vhost_vdpa" \
	rmmod vdpa_sim_blk vdpa_sim_net vdpa_sim vhost_vdpa
tap_is "$(e2e_pins_outstanding)" "$pins_before" \
	"no page left pinned (nr_foll_pin_acquired - nr_foll_pin_released as before)"
tap_done
