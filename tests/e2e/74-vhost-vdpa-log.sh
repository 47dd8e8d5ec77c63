#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vm-tier: debug
#
# Dirty-page logging of our vhost_vdpa (VHOST_F_LOG_ALL, VHOST_SET_LOG_BASE,
# VHOST_SET_LOG_FD, VHOST_VRING_F_LOG), driven by `vdpa_user log`
# (tests/userspace/log*.c), on the simulators, which report every byte they
# store into driver memory:
#
# - net (split and packed): the log equals exactly the set of pages the
#   device wrote (receive buffers as far as written, across page
#   boundaries, a chain of two descriptors, a frame over three mergeable
#   buffers; the used ring at log_guest_addr with F_LOG; packed
#   descriptors given back), never a transmit buffer's page; F_LOG off on
#   one queue and moved on the other; a new base at an odd offset (the old
#   log untouched once the ioctl returned); a batch of IOTLB updates in
#   the middle (receive memory moved to new pages at the same IOVA, a new
#   region past the log's window: VmPin grows by it and by the log); and
#   VHOST_F_LOG_ALL off: log unpinned, nothing more set;
# - toggle: a second thread switches LOG_ALL under traffic: every frame
#   that lived while logging is in the log, none that lived while not;
# - switch: the base replaced twice with frames in flight: the old logs do
#   not change afterwards, the three together are exact;
# - munmap: the live log unmapped under traffic: frames flow, VmPin holds;
#   a base in the hole and LOG_ALL with a stale base are EFAULT, state kept;
# - small: one-page logs (one at offset 4000): exact inside, the rest
#   counted lost in debugfs (vhost_vdpa/vhost-vdpa-N/log), guard pages and
#   the bytes before the base untouched;
# - errno (split and packed): EPERM before VHOST_SET_OWNER and from a
#   child, EBUSY for feature changes but LOG_ALL's, EINVAL/EOPNOTSUPP for
#   ring addresses, EFAULT for bases that cannot be pinned, EBADF/EINVAL
#   for log fds, the log eventfd signalled and unbound, base 0, ENOMEM at
#   RLIMIT_MEMLOCK (CAP_IPC_LOCK dropped) for the log and for an IOTLB
#   update the log must grow for, ring positions after a reset;
# - blk (split and packed): LOG_ALL before FEATURES_OK and the base before
#   DRIVER_OK (QEMU's order for a device started during a migration):
#   reads, a read past the end (status page only), GET_ID, a write (its
#   data never logged), exact; base 0: nothing set, counted lost;
# - nolog: a simulator device created with vdpa_sim.dirty_log=0 and a
#   VDUSE device (vduse_user blk) offer no VHOST_F_LOG_ALL, refuse the
#   log ioctls with ENOTTY and the bit with EINVAL.
#
# Every run checks that VmPin is back to its value once the device is
# closed; at the end no page is left pinned.  Cost: 14 vdpa_user runs and a
# VDUSE daemon, 31 to 61 s in the TCG debug VM (four runs); toggle sends
# about 600 frames around 25 switches (SET_FEATURES takes up to 25 ms
# there: its RCU grace period), the other runs take 1 to 5 s each; a
# failing wait gives up after 5 s.
set -u
. "$(dirname "$0")/../lib/tap.sh"

. "$(dirname "$0")/../lib/e2e.sh"

repo=$E2E_REPO
dirty_param=/sys/module/vdpa_sim/parameters/dirty_log
vu=$repo/tests/userspace/vduse_user
work=/tmp/74-log.$$
vu_pid=

e2e_need_vhost_vdpa_user
tool=$E2E_VDPA_USER
"$tool" 2>&1 | grep -q '|log' ||
	tap_bail "$tool has no log subcommand: rebuild it (make -C tests/userspace)"
[ -x "$vu" ] || tap_bail "no $vu: run make -C tests/userspace on the host"
[ ! -e /sys/module/virtio_vdpa ] || tap_bail "virtio_vdpa is loaded: it could take the devices"

tap_plan 31

pins_before=$(e2e_pins_outstanding)
mkdir -p "$work"
e2e_begin
tap_run "modprobe vhost_vdpa (ours) before the simulators" modprobe vhost_vdpa
tap_run "modprobe vdpa_sim_net vdpa_sim_blk" modprobe -a vdpa_sim_net vdpa_sim_blk
tap_is "$(cat "$dirty_param" 2>&1)" Y "vdpa_sim.dirty_log exists and is on by default"

tap_run "vdpa dev add l0 (vdpasim_net), bound to vhost_vdpa" e2e_vhost_dev_add l0 vdpasim_net
l0=$(e2e_vhost_node l0)
e2e_tool_ok "net, split: exact logs over 6 rounds (F_LOG, new base, remap, LOG_ALL off)" log --dev "$l0" --case net
e2e_tool_ok "net, packed: the same, descriptors given back logged" log --dev "$l0" --case net --packed
e2e_tool_ok "toggle: LOG_ALL switched by a second thread under traffic" log --dev "$l0" --case toggle
e2e_tool_ok "switch, packed: the base replaced twice with frames in flight" log --dev "$l0" --case switch --packed
e2e_tool_ok "munmap: the live log unmapped under traffic, EFAULT into the hole" log --dev "$l0" --case munmap
e2e_tool_ok "small: one-page logs, the rest lost, guard pages untouched" log --dev "$l0" --case small
e2e_tool_ok "errno, split: refusals, state kept, log fd, memlock, ring positions after reset" log --dev "$l0" --case errno
e2e_tool_ok "errno, packed" log --dev "$l0" --case errno --packed
tap_run "vdpa dev del l0" vdpa dev del l0

tap_run "vdpa dev add b0 (vdpasim_blk), bound to vhost_vdpa" e2e_vhost_dev_add b0 vdpasim_blk
b0=$(e2e_vhost_node b0)
e2e_tool_ok "blk, split: reads, a failing read, GET_ID, a write: exact; base 0: lost" log --dev "$b0" --case blk
e2e_tool_ok "blk, packed" log --dev "$b0" --case blk --packed
tap_run "vdpa dev del b0" vdpa dev del b0

# A device created while vdpa_sim.dirty_log=0 has no set_dirty_log.
tap_run "vdpa dev add n1 with vdpa_sim.dirty_log=0" \
	eval "echo 0 >$dirty_param && e2e_vhost_dev_add n1 vdpasim_net; rc=\$?; echo 1 >$dirty_param; exit \$rc"
n1=$(e2e_vhost_node n1)
e2e_tool_ok "nolog on n1: no LOG_ALL, ENOTTY, EINVAL" log --dev "$n1" --case nolog
e2e_tool_ok "n1 carries traffic all the same (net-loop, 200 frames)" net-loop --dev "$n1" --frames 200 --size 256
tap_run "vdpa dev del n1" vdpa dev del n1

# VDUSE: the daemon's device bound to vhost_vdpa (virtio_vdpa not loaded).
# The daemon runs from this shell (not tap_run's subshell): vu_pid is ours.
vu_gone() { ! kill -0 "$vu_pid" 2>/dev/null; }
vu_ready() { [ -e "$work/vu.ready" ] || vu_gone; }
vu_start() {
	"$vu" blk lu0 --size 16 --destroy --ready-file "$work/vu.ready" >"$work/vu.log" 2>&1 &
	vu_pid=$!
	wait_for 30 vu_ready && [ -e "$work/vu.ready" ]
}
vu_stop() {
	[ -n "$vu_pid" ] || return 1
	kill "$vu_pid" 2>/dev/null
	wait_for 30 vu_gone || return 124
	wait "$vu_pid"
}
tap_run "modprobe vduse" modprobe vduse
if vu_start; then
	tap_ok "vduse_user blk lu0 (16 MiB) ready"
else
	tap_fail "vduse_user blk lu0 (16 MiB) ready" "$(cat "$work/vu.log")"
fi
tap_run "vdpa dev add lu0 (vduse), bound to vhost_vdpa" e2e_vhost_dev_add lu0 vduse
lu0=$(e2e_vhost_node lu0)
e2e_tool_ok "nolog on the VDUSE device: no LOG_ALL, ENOTTY, EINVAL" log --dev "$lu0" --case nolog
tap_run "vdpa dev del lu0" timeout 60 vdpa dev del lu0
rc=0
vu_stop || rc=$?
tap_is "$rc" 0 "vduse_user exits 0 on SIGTERM"

tap_is "$(vdpa dev show 2>&1)" "" "no vdpa device left"
tap_is "$(e2e_pins_outstanding)" "$pins_before" \
	"no page left pinned (nr_foll_pin_acquired - nr_foll_pin_released as before)"
rm -rf "$work"
e2e_end
tap_done
