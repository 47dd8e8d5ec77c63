#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vm-tier: stock
#
# virtio_vdpa under the kernel's virtio_net, on vdpasim_net (a loopback:
# every frame sent comes back). Once with the packed ring (negotiated by
# default: the simulator offers it) and once with the split ring
# (provisioned without VIRTIO_F_RING_PACKED): an interface appears with the
# provisioned MTU; raw frames of 64 and 9000 bytes to its own MAC all come
# back intact and the device's queue statistics count them; 4 queue pairs;
# rings resized with ethtool -G (per-queue reset, VIRTIO_F_RING_RESET);
# promiscuous mode decides whether frames to another MAC come back; a new
# MAC reaches the device's config space; switching the device to
# vhost_vdpa (a userspace driver loops frames through it) and back through
# driver_override; "vdpa dev del" during traffic completes and the
# interface disappears; nothing is reported by the kernel. The injected
# faults are in 52 (debug tier). About 50 s on the stock tier.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/e2e.sh"

bus=/sys/bus/vdpa
MAC=02:00:00:00:00:01
NEWMAC=02:00:00:00:00:09
OTHERMAC=02:00:00:00:00:77

e2e_need_modules vdpa_sim_net virtio_vdpa vhost_vdpa
e2e_find_vdpa_user || tap_bail "no vdpa_user (tests/userspace)"
tap_plan 71

# The interface of vDPA device $1 (empty if none).
netif() { e2e_netif "$1"; }
bound_to() { e2e_bound_to "$1"; }
# Negotiated feature bit $2 of device $1 (virtio's features file: one
# character per bit, bit 0 first).
feature() { cut -c"$(($2 + 1))" "$bus/devices/$1"/virtio*/features; }
# Vendor statistic $3 of queue $2 of device $1.
vstat() { vdpa -j dev vstats show "$1" qidx "$2" | jq -r ".vstats.\"$1\".$3"; }
# Sum of statistic $2 over the first $3 pairs' rx (even) or tx (odd) queue.
vsum() {
	local dev=$1 name=$2 pairs=$3 first=$4 q sum=0
	for ((q = first; q < 2 * pairs; q += 2)); do
		sum=$((sum + $(vstat "$dev" "$q" "$name")))
	done
	echo "$sum"
}
none_back() { echo "sent $1 received 0 corrupt 0 duplicate 0"; }
# Retries "e2e_pktloop ..." until it prints $1 (rx mode changes are
# applied by a work item of virtio_net, asynchronously), then checks it.
loop_until() {
	local want=$1 desc=$2 got i
	shift 2
	for i in 1 2 3 4 5; do
		got=$(e2e_pktloop "$@")
		[ "$got" = "$want" ] && break
		sleep 1
	done
	tap_is "$got" "$want" "$desc"
}

e2e_begin

e2e_pktloop_build
tap_run "load vdpa_sim_net and virtio_vdpa" modprobe -a vdpa_sim_net virtio_vdpa

supported=$(nl send MGMTDEV_GET MGMTDEV_DEV_NAME=str:vdpasim_net |
	    sed -n 's/^DEV_SUPPORTED_FEATURES=//p')
tap_run "vdpasim_net offers VIRTIO_F_RING_PACKED" \
	test $(((${supported:-0} >> 34) & 1)) = 1

# add_dev NAME LAYOUT: packed through the vdpa tool (the default
# features), split through a raw DEV_NEW without RING_PACKED.
add_dev() {
	if [ "$2" = packed ]; then
		vdpa dev add name "$1" mgmtdev vdpasim_net mac $MAC mtu 9000 max_vqp 4
	else
		nl send DEV_NEW DEV_NAME=str:"$1" MGMTDEV_DEV_NAME=str:vdpasim_net \
			DEV_FEATURES=u64:$((supported & ~(1 << 34))) \
			DEV_NET_CFG_MACADDR=hex:$MAC DEV_NET_CFG_MTU=u16:9000 \
			DEV_NET_CFG_MAX_VQP=u16:4 >/dev/null
	fi
}

# Frames to the own MAC, 64 and 9000 bytes, on pair 0 only; the device's
# pair-0 counters move by exactly as much.
traffic_pair0() {
	local dev=$1 ifc=$2 tx0 rx0
	tap_run "$dev: ethtool -L combined 1" ethtool -L "$ifc" combined 1
	tx0=$(vstat "$dev" 1 tx_packets)
	rx0=$(vstat "$dev" 0 rx_packets)
	tap_is "$(e2e_pktloop "$ifc" $MAC 200 64)" "$(e2e_all_back 200)" \
		"$dev: 200 frames of 64 bytes come back intact"
	tap_is "$(e2e_pktloop "$ifc" $MAC 50 9000)" "$(e2e_all_back 50)" \
		"$dev: 50 frames of 9000 bytes come back intact"
	tap_is "$(($(vstat "$dev" 1 tx_packets) - tx0))" 250 \
		"$dev: vstats qidx 1 (tx0) counted the 250 frames sent"
	tap_is "$(($(vstat "$dev" 0 rx_packets) - rx0))" 250 \
		"$dev: vstats qidx 0 (rx0) counted the 250 frames received"
}

# Four queue pairs: ethtool, traffic, counters summed over the pairs.
traffic_mq() {
	local dev=$1 ifc=$2 tx rx
	tap_run "$dev: ethtool -L combined 4" ethtool -L "$ifc" combined 4
	tap_is "$(ethtool -l "$ifc" | awk '/^Combined:/ { v = $2 } END { print v }')" 4 \
		"$dev: ethtool -l reports 4 combined channels in use"
	tx=$(vsum "$dev" tx_packets 4 1)
	rx=$(vsum "$dev" rx_packets 4 0)
	tap_is "$(e2e_pktloop "$ifc" $MAC 300 1514)" "$(e2e_all_back 300)" \
		"$dev: 300 frames of 1514 bytes come back with 4 pairs"
	tap_is "$(($(vsum "$dev" tx_packets 4 1) - tx)):$(($(vsum "$dev" rx_packets 4 0) - rx))" \
		300:300 "$dev: tx and rx counters of the 4 pairs add up to 300 each"
}

# Ring resize (virtio_ring resizes through a per-queue reset, RING_RESET):
# every queue of the 4 pairs is reset and re-enabled while the others run.
ring_resize() {
	local dev=$1 ifc=$2 n
	for n in 128 256; do
		tap_run "$dev: ethtool -G rx $n tx $n" ethtool -G "$ifc" rx $n tx $n
		tap_is "$(ethtool -g "$ifc" | awk '/^Current/ { c = 1 } c && /^(RX|TX):/ { printf "%s%s", $1, $2 }')" \
			"RX:${n}TX:$n" "$dev: ethtool -g reports rings of $n"
		tap_is "$(e2e_pktloop "$ifc" $MAC 300 1514)" "$(e2e_all_back 300)" \
			"$dev: 300 frames come back over rings of $n"
	done
}

# The receive filter: promiscuous mode lets frames to another MAC in.
promisc() {
	local dev=$1 ifc=$2
	tap_is "$(e2e_pktloop "$ifc" $OTHERMAC 20 64 1500)" "$(none_back 20)" \
		"$dev: frames to another MAC are filtered without promisc"
	ip link set "$ifc" promisc on
	loop_until "$(e2e_all_back 20)" "$dev: with promisc on they come back" \
		"$ifc" $OTHERMAC 20 64 1500
	ip link set "$ifc" promisc off
	loop_until "$(none_back 20)" "$dev: with promisc off again they are filtered" \
		"$ifc" $OTHERMAC 20 64 1500
}

# A MAC change goes through the control queue to the config space.
mac_change() {
	local dev=$1 ifc=$2
	tap_run "$dev: ip link set address $NEWMAC" \
		ip link set "$ifc" address $NEWMAC
	tap_is "$(vdpa -j dev config show "$dev" | jq -r ".config.\"$dev\".mac")" \
		$NEWMAC "$dev: vdpa dev config show reports the new MAC"
	loop_until "$(e2e_all_back 20)" "$dev: frames to the new MAC come back" \
		"$ifc" $NEWMAC 20 64
	tap_is "$(e2e_pktloop "$ifc" $MAC 20 64 1500)" "$(none_back 20)" \
		"$dev: frames to the old MAC are filtered"
}


# driver_override: to vhost_vdpa (the interface goes, a userspace driver
# loops frames through /dev/vhost-vdpa-N) and back to virtio_vdpa.
switch_drivers() {
	local dev=$1 ifc mac node
	tap_run "load vhost_vdpa" modprobe vhost_vdpa
	e2e_override "$dev" vhost_vdpa
	node=$(e2e_vhost_node "$dev")
	tap_is "$(bound_to "$dev"):$(netif "$dev"):${node:+node}" vhost_vdpa::node \
		"$dev: switched to vhost_vdpa, no interface, a vhost-vdpa node"
	tap_run "$dev: vdpa_user loops 300 frames through $node" \
		"$E2E_VDPA_USER" net-loop --dev "$node" --frames 300 --size 1514
	e2e_override "$dev" virtio_vdpa
	ifc=$(netif "$dev")
	node=$(e2e_vhost_node "$dev")
	tap_is "$(bound_to "$dev"):${ifc:+interface}:${node:-no node}" \
		"virtio_vdpa:interface:no node" \
		"$dev: switched back to virtio_vdpa, an interface again, the node gone"
	e2e_if_up "$ifc"
	mac=$(cat "/sys/class/net/$ifc/address")
	tap_is "$(e2e_pktloop "$ifc" "$mac" 100 1514)" "$(e2e_all_back 100)" \
		"$dev: traffic works after switching back"
	tap_run "unload vhost_vdpa" rmmod vhost_vdpa
}

# cycle NAME LAYOUT: everything above on one device.
cycle() {
	local dev=$1 layout=$2 ifc want
	tap_run "$dev ($layout): dev add" add_dev "$dev" "$layout"
	ifc=$(netif "$dev")
	tap_is "$(bound_to "$dev"):${ifc:+interface}" virtio_vdpa:interface \
		"$dev: bound to virtio_vdpa, virtio_net made an interface"
	want=0
	[ "$layout" = packed ] && want=1
	tap_is "$(feature "$dev" 34)$(feature "$dev" 38)$(feature "$dev" 40)" \
		"${want}11" "$dev: RING_PACKED $want, NOTIFICATION_DATA 1, RING_RESET 1 negotiated"
	tap_is "$(cat "/sys/class/net/$ifc/mtu")" 9000 "$dev: MTU 9000 from the config space"
	tap_run "$dev: interface up" e2e_if_up "$ifc"
	traffic_pair0 "$dev" "$ifc"
	traffic_mq "$dev" "$ifc"
	ring_resize "$dev" "$ifc"
	promisc "$dev" "$ifc"
	mac_change "$dev" "$ifc"
	[ "$layout" = packed ] && switch_drivers "$dev"
	e2e_del_under_pktloop "$dev" "$(netif "$dev")"
}

cycle n0 packed
cycle n1 split

e2e_end
rm -f "$E2E_PKTLOOP"
tap_done
