#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vm-tier: debug
#
# virtio_vdpa's fault and teardown paths, under the debug kernel's
# sanitizers (50 and 51 drive the same stack on the stock tier, the way
# users do). On vdpasim_net: a device that refuses FEATURES_OK leaves
# virtio_vdpa bound without an interface and works after a rebind; one
# that needs a reset while in use fails the next control command instead
# of hanging it; "vdpa dev del" while frames flow. On vdpasim_blk: "vdpa
# dev del" while fio writes. Then each simulator is unloaded with a
# device still bound (the interface up, the disk present). Nothing may be
# reported, and nothing may leak (the run's kmemleak scan). About 90 s
# in the debug VM.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/e2e.sh"

bus=/sys/bus/vdpa
MAC=02:00:00:00:00:01
NEWMAC=02:00:00:00:00:09

e2e_need_modules vdpa_sim_net vdpa_sim_blk virtio_vdpa
command -v fio >/dev/null || tap_bail "fio is not installed"
tap_plan 25

netif() { e2e_netif "$1"; }
bound_to() { e2e_bound_to "$1"; }
disk() { e2e_disk "$1"; }

e2e_begin

e2e_pktloop_build
tap_run "load vdpa_sim_net, vdpa_sim_blk and virtio_vdpa" \
	modprobe -a vdpa_sim_net vdpa_sim_blk virtio_vdpa

# A device that refuses FEATURES_OK: virtio_vdpa binds, virtio_net's probe
# fails and unwinds; after an unbind and a bind the device works again.
faults=/sys/kernel/debug/vdpa_sim/vdpasim_net/n2
tap_run "n2: dev add" vdpa dev add name n2 mgmtdev vdpasim_net mac $MAC
echo n2 >$bus/drivers/virtio_vdpa/unbind
echo 1 >$faults/fail_set_status
echo n2 >$bus/drivers/virtio_vdpa/bind
tap_is "$(bound_to n2):$(netif n2)" virtio_vdpa: \
	"n2: FEATURES_OK refused: bound to virtio_vdpa, virtio_net gave up"
echo n2 >$bus/drivers/virtio_vdpa/unbind
echo n2 >$bus/drivers/virtio_vdpa/bind
ifc=$(netif n2)
tap_is "$(bound_to n2):${ifc:+interface}" virtio_vdpa:interface \
	"n2: the next bind negotiates and makes an interface"
e2e_if_up "$ifc"
tap_is "$(e2e_pktloop "$ifc" $MAC 50 64)" "$(e2e_all_back 50)" "n2: and traffic works"
tap_run "n2: dev del" vdpa dev del n2

# A device that needs a reset while virtio_net drives it: virtio_vdpa
# marks its queues broken, so a control command fails at once instead of
# virtio_net polling the control queue forever; the device can be deleted.
tap_run "n3: dev add" vdpa dev add name n3 mgmtdev vdpasim_net mac $MAC
e2e_if_up "$(netif n3)"
echo 1 >/sys/kernel/debug/vdpa_sim/vdpasim_net/n3/needs_reset
tap_run "n3: NEEDS_RESET: virtio_vdpa says the queues are broken" \
	wait_for 30 eval "dmesg | grep -q 'n3: device needs a reset'"
tap_fails_with "n3: a MAC change through the control queue fails, no hang" \
	'RTNETLINK|Invalid|error' timeout 60 ip link set "$(netif n3)" address $NEWMAC
tap_run "n3: dev del" timeout 60 vdpa dev del n3

# "vdpa dev del" under load.
tap_run "n4: dev add, interface up" \
	eval 'vdpa dev add name n4 mgmtdev vdpasim_net mac $MAC && e2e_if_up "$(netif n4)"'
e2e_del_under_pktloop n4 "$(netif n4)"
tap_run "b0: dev add, a disk" \
	eval 'vdpa dev add name b0 mgmtdev vdpasim_blk && [ -n "$(disk b0)" ]'
e2e_del_under_fio b0 "$(disk b0)"

# Each simulator unloaded under its bound devices.
tap_run "n5 (interface up) and b5 (a disk): dev add" \
	eval 'vdpa dev add name n5 mgmtdev vdpasim_net mac $MAC &&
	      e2e_if_up "$(netif n5)" &&
	      vdpa dev add name b5 mgmtdev vdpasim_blk && [ -n "$(disk b5)" ]'
ifc=$(netif n5)
d=$(disk b5)
tap_run "rmmod vdpa_sim_net with n5 bound and up" timeout 120 rmmod vdpa_sim_net
tap_run "rmmod vdpa_sim_blk with b5 bound" timeout 120 rmmod vdpa_sim_blk
tap_is "$(ls -d "/sys/class/net/$ifc" "/sys/class/block/$d" $bus/devices/* 2>/dev/null)" "" \
	"no interface, disk or vDPA device left"

e2e_end
rm -f "$E2E_PKTLOOP"
tap_done
