#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vm-tier: stock
#
# The simulated network device (vdpa_sim_net, management device
# vdpasim_net) through iproute2's vdpa tool: mgmtdev show, dev add with
# and without attributes, refused attributes, the fail_dev_add knob, 100
# devices added and deleted, DEV_ATTR_SET, rmmod with devices present.
# With virtio_vdpa: the device becomes a network interface; frames sent
# to its own MAC with a packet socket come back intact (jumbo frames
# through mergeable buffers, two queue pairs), frames for another MAC are
# dropped until promiscuous mode, vendor statistics count them, the
# link_up knob flaps the carrier and the announce knob gets acked.
set -u
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/e2e.sh"

tap_jq() { tap_is "$(jq -c "$3" <<<"$2" 2>&1)" "$4" "$1"; }
# nl_fails DESC PATTERN ARGS...: vdpanl.py refuses, its "error ..." line
# (on stdout) matching the extended regex PATTERN.
nl_fails() {
	local desc=$1 pattern=$2 out rc=0
	shift 2
	out=$(nl "$@" 2>&1) || rc=$?
	if [ "$rc" != 0 ] && grep -qE -- "$pattern" <<<"$out"; then
		tap_ok "$desc"
	else
		tap_fail "$desc" "command: nl $*"$'\n'"want: failure matching /$pattern/"$'\n'"got: exit status $rc, output:"$'\n'"$out"
	fi
}
# The text keys of "dev config show -j" may end in a space.
cfg() { vdpa -j dev config show "$@" | jq -c '.config | map_values(with_entries(.key |= rtrimstr(" ")))'; }
ndev() { vdpa -j dev show | jq '.dev | length'; }
# Devices on the bus, sorted, on one line.
on_bus() { find /sys/bus/vdpa/devices -mindepth 1 -printf '%f ' | xargs -rn1 | sort | xargs; }
dbg=/sys/kernel/debug/vdpa_sim/vdpasim_net

# Device-specific feature bits (0..23) the class offers.
NET_BITS=$(( (1 << 0) | (1 << 1) | (1 << 3) | (1 << 5) | (1 << 15) | \
	     (1 << 16) | (1 << 17) | (1 << 18) | (1 << 19) | (1 << 20) | \
	     (1 << 21) | (1 << 22) | (1 << 23) ))
V1=$((1 << 32))

e2e_need_modules vdpa_sim_net virtio_vdpa

tap_plan 81

tap_run "load vdpa_sim_net" modprobe vdpa_sim_net

# --- mgmtdev show ---
j=$(vdpa -j mgmtdev show)
tap_jq "mgmtdev show -j: vdpasim_net, class net, 17 queues" "$j" \
	'.mgmtdev.vdpasim_net | [.supported_classes, .max_supported_vqs]' \
	'[["net"],17]'
tap_jq "mgmtdev show -j: the offered features by name" "$j" \
	'.mgmtdev.vdpasim_net.dev_features | [index("MRG_RXBUF") != null, index("CTRL_VLAN") != null, index("MQ") != null, index("VERSION_1") != null]' \
	'[true,true,true,true]'
feat=$(nl send MGMTDEV_GET MGMTDEV_DEV_NAME=str:vdpasim_net |
	sed -n 's/^DEV_SUPPORTED_FEATURES=//p')
tap_is "$(( feat & 0xffffff ))/$(( feat & V1 ))" "$NET_BITS/$V1" \
	"MGMTDEV_GET: exactly the net feature bits, and VERSION_1"

# --- dev add ---
tap_run "dev add d0 mac, mtu 9000, max_vqp 4" \
	vdpa dev add name d0 mgmtdev vdpasim_net mac 02:00:00:00:00:01 \
	mtu 9000 max_vqp 4
tap_run "dev add d1 with defaults" vdpa dev add name d1 mgmtdev vdpasim_net
j=$(vdpa -j dev show)
tap_jq "dev show -j: type, mgmtdev, max_vqs 2*max_vqp+1, vq size 256" "$j" \
	'.dev | to_entries | map([.key, .value.type, .value.mgmtdev, .value.max_vqs, .value.max_vq_size])' \
	'[["d0","network","vdpasim_net",9,256],["d1","network","vdpasim_net",3,256]]'
j=$(cfg)
tap_jq "config show d0: the provisioned mac, mtu, max_vqp, link up" "$j" \
	'.d0 | [.mac, .mtu, .max_vq_pairs, .link]' \
	'["02:00:00:00:00:01",9000,4,"up"]'
tap_jq "config show d1: random local unicast mac, mtu 1500, 1 pair" "$j" \
	'.d1 | [(.mac | test("^[0-9a-f][26ae](:[0-9a-f]{2}){5}$")), .mtu, .max_vq_pairs]' \
	'[true,1500,1]'
tap_run "d0 has its debugfs knobs" test -f "$dbg/d0/link_up" -a \
	-f "$dbg/d0/rx_filter" -a -f "$dbg/d0/drop_completions"
tap_is "$(cat "$dbg/d0/link_up")" Y "link_up reads Y"

# --- refused attributes: nothing is created ---
n=$(ndev)
tap_fails_with "mtu 67 refused" "." \
	vdpa dev add name bad mgmtdev vdpasim_net mtu 67
tap_fails_with "max_vqp 9 refused (limit 8)" "max_vqp|range|limit" \
	vdpa dev add name bad mgmtdev vdpasim_net max_vqp 9
tap_fails_with "max_vqp 0 refused" "." \
	vdpa dev add name bad mgmtdev vdpasim_net max_vqp 0
nl_fails "device_features with MQ but no CTRL_VQ refused" \
	"failed to create" send DEV_NEW DEV_NAME=str:bad \
	MGMTDEV_DEV_NAME=str:vdpasim_net DEV_FEATURES=u64:$((V1 | 1 << 22))
tap_run "... saying why in the kernel log" \
	sh -c 'dmesg | tail -n 20 | grep -q "need CTRL_VQ"'
nl_fails "device_features without VERSION_1 refused" \
	"failed to create" send DEV_NEW DEV_NAME=str:bad \
	MGMTDEV_DEV_NAME=str:vdpasim_net DEV_FEATURES=u64:$((1 << 5))
tap_is "$(ndev)" "$n" "no device was created by the refused requests"
tap_run "no device called bad on the bus" test ! -e /sys/bus/vdpa/devices/bad

# --- provisioned features ---
tap_run "DEV_NEW d2 with device_features VERSION_1|MAC|CTRL_VQ|CTRL_RX" \
	nl send DEV_NEW DEV_NAME=str:d2 MGMTDEV_DEV_NAME=str:vdpasim_net \
	DEV_FEATURES=u64:$((V1 | 1 << 5 | 1 << 17 | 1 << 18))
tap_is "$(nl send DEV_CONFIG_GET DEV_NAME=str:d2 | sed -n 's/^DEV_FEATURES=//p')" \
	"$((V1 | 1 << 5 | 1 << 17 | 1 << 18))" "d2 offers exactly its provisioned features"

# --- fail_dev_add ---
echo 1 >"$dbg/fail_dev_add"
nl_fails "fail_dev_add 1: the next dev add fails" "failed to create" \
	send DEV_NEW DEV_NAME=str:f0 MGMTDEV_DEV_NAME=str:vdpasim_net
tap_run "... logged as injected" \
	sh -c 'dmesg | tail -n 5 | grep -q "injected failure (fail_dev_add)"'
tap_is "$(cat "$dbg/fail_dev_add")" 0 "the knob counted down to 0"
tap_run "the one after works" vdpa dev add name f0 mgmtdev vdpasim_net

# --- DEV_ATTR_SET ---
tap_run "DEV_ATTR_SET d1 mac 02:00:00:00:00:aa" \
	nl send DEV_ATTR_SET DEV_NAME=str:d1 DEV_NET_CFG_MACADDR=hex:02:00:00:00:00:aa
tap_jq "d1 config shows the new mac" "$(cfg d1)" '.d1.mac' \
	'"02:00:00:00:00:aa"'
nl_fails "DEV_ATTR_SET mtu refused" "refused the change" \
	send DEV_ATTR_SET DEV_NAME=str:d1 DEV_NET_CFG_MTU=u16:1400

# --- 100 devices ---
for d in d0 d1 d2 f0; do vdpa dev del "$d"; done
tap_is "$(ndev)" 0 "every device deleted"
# The first 5 by the tool, the rest in one vdpanl.py batch (one exec per
# device costs a second or so under TCG).
fails=0
for i in $(seq 0 4); do
	vdpa dev add name "n$i" mgmtdev vdpasim_net max_vqp $((i % 8 + 1)) ||
		fails=$((fails + 1))
done
fails=$((fails + $(for i in $(seq 5 99); do
	echo "DEV_NEW DEV_NAME=str:n$i MGMTDEV_DEV_NAME=str:vdpasim_net DEV_NET_CFG_MAX_VQP=u16:$((i % 8 + 1))"
done | nl batch | grep -vcx ok)))
tap_is "$fails/$(ndev)" "0/100" "100 devices added"
tap_is "$(on_bus | wc -w)" 100 "100 devices on the bus"
tap_jq "n99 has 2*4+1 queues" "$(vdpa -j dev show n99)" '.dev.n99.max_vqs' 9
fails=0
for i in $(seq 0 4); do
	vdpa dev del "n$i" || fails=$((fails + 1))
done
fails=$((fails + $(seq -f 'DEV_DEL DEV_NAME=str:n%g' 5 99 | nl batch | grep -vcx ok)))
tap_is "$fails/$(ndev)" "0/0" "100 devices deleted"
tap_is "$(on_bus)" "" "the bus is empty"
tap_is "$(ls "$dbg")" "fail_dev_add" "their debugfs directories are gone"

# --- traffic through virtio_vdpa ---

# send_recv IF DST COUNT SIZE TIMEOUT [VID]: sends COUNT frames of SIZE
# bytes (Ethernet header included, tagged with VID if given) to DST on IF
# with a packet socket; prints "<received> <corrupt>" for the frames that
# came back (untagged ones only).
send_recv() {
	python3 - "$@" <<'EOF'
import os, socket, sys, time
ifname, dst, count, size, timeout = sys.argv[1:6]
count, size, timeout = int(count), int(size), float(timeout)
vlan = b""
if len(sys.argv) > 6:
    vlan = (0x8100).to_bytes(2, "big") + int(sys.argv[6]).to_bytes(2, "big")
proto = 0x88b5
dst = bytes.fromhex(dst.replace(":", ""))
with open(f"/sys/class/net/{ifname}/address") as f:
    src = bytes.fromhex(f.read().strip().replace(":", ""))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(proto))
s.bind((ifname, proto))
# Room for every frame sent: jumbo frames overflow the default buffer.
s.setsockopt(socket.SOL_SOCKET, getattr(socket, "SO_RCVBUFFORCE", 33), 64 << 20)
tag = os.urandom(4)

def frame(i):
    head = dst + src + vlan + proto.to_bytes(2, "big") + tag + i.to_bytes(4, "big")
    return head + bytes((i + j) & 0xff for j in range(size - len(head)))

for i in range(count):
    s.send(frame(i))
got = bad = 0
s.settimeout(0.2)
end = time.time() + timeout
while got < count and time.time() < end:
    try:
        data, addr = s.recvfrom(70000)
    except socket.timeout:
        continue
    if addr[2] == socket.PACKET_OUTGOING or data[14:18] != tag:
        continue
    got += 1
    if data != frame(int.from_bytes(data[18:22], "big")):
        bad += 1
print(got, bad)
EOF
}

# vstat DEV QIDX NAME: one vendor statistic.
vstat() {
	vdpa -j dev vstats show "$1" qidx "$2" | jq ".vstats.\"$1\".$3"
}

# sum_vstat DEV NAME QIDX...: a statistic summed over queues.
sum_vstat() {
	local dev=$1 name=$2 sum=0 q
	shift 2
	for q in "$@"; do
		sum=$((sum + $(vstat "$dev" "$q" "$name")))
	done
	echo "$sum"
}

carrier_is() { [ "$(cat "/sys/class/net/$ifc/carrier" 2>/dev/null)" = "$1" ]; }
filter_has() { grep -qx "$1" "$dbg/t0/rx_filter"; }

MAC=02:00:00:00:00:10
tap_run "dev add t0 mac $MAC mtu 9000 max_vqp 2" \
	vdpa dev add name t0 mgmtdev vdpasim_net mac $MAC mtu 9000 max_vqp 2
tap_run "load virtio_vdpa" modprobe virtio_vdpa
ifc=$(basename /sys/bus/vdpa/devices/t0/virtio*/net/*)
tap_is "$(cat "/sys/class/net/$ifc/address" 2>&1)" $MAC \
	"t0 became interface '$ifc' with the provisioned mac"
tap_is "$(cat "/sys/class/net/$ifc/mtu" 2>&1)" 9000 "... and mtu 9000"
sysctl -qw "net.ipv6.conf.$ifc.disable_ipv6=1"
tap_run "interface up, carrier on" \
	eval "ip link set $ifc up && wait_for 10 carrier_is 1"
pairs=$(( $(nproc) < 2 ? $(nproc) : 2 ))
tap_run "the driver set $pairs queue pairs (cvq VQ_PAIRS_SET)" \
	wait_for 10 filter_has "curr_vqp $pairs"
tap_run "the driver turned allmulti off (cvq RX_ALLMULTI)" \
	wait_for 10 filter_has "allmulti 0"

rx0=$(sum_vstat t0 rx_packets 0 2); tx0=$(sum_vstat t0 tx_packets 1 3)
tap_is "$(send_recv "$ifc" $MAC 50 1000 10)" "50 0" \
	"50 frames of 1000 bytes to its own mac come back intact"
tap_is "$(( $(sum_vstat t0 rx_packets 0 2) - rx0 ))/$(( $(sum_vstat t0 tx_packets 1 3) - tx0 ))" \
	"50/50" "vstats: 50 more rx_packets and tx_packets"
rb0=$(sum_vstat t0 rx_bytes 0 2)
tap_is "$(send_recv "$ifc" $MAC 20 9014 10)" "20 0" \
	"20 jumbo frames (9014 bytes) come back intact"
tap_is "$(( $(sum_vstat t0 rx_bytes 0 2) - rb0 ))" $((20 * 9014)) \
	"vstats: rx_bytes grew by 20 * 9014"
tap_is "$(send_recv "$ifc" ff:ff:ff:ff:ff:ff 10 60 10)" "10 0" \
	"broadcast frames come back"

drops0=$(sum_vstat t0 rx_drops 0 2)
tap_is "$(send_recv "$ifc" 02:00:00:00:00:99 10 100 2)" "0 0" \
	"frames to another mac are not received"
tap_is "$(( $(sum_vstat t0 rx_drops 0 2) - drops0 ))" 10 \
	"vstats: 10 more rx_drops"
ip link set "$ifc" promisc on
tap_run "promisc on reaches the device (cvq RX_PROMISC)" \
	wait_for 10 filter_has "promisc 1"
tap_is "$(send_recv "$ifc" 02:00:00:00:00:99 10 100 10)" "10 0" \
	"in promiscuous mode they are received"
ip link set "$ifc" promisc off
tap_run "promisc off reaches the device" wait_for 10 filter_has "promisc 0"

echo 5 >"$dbg/t0/drop_completions"
txd0=$(sum_vstat t0 tx_drops 1 3)
tap_is "$(send_recv "$ifc" $MAC 10 100 3)" "5 0" \
	"drop_completions 5: 5 of 10 frames come back"
tap_is "$(( $(sum_vstat t0 tx_drops 1 3) - txd0 ))" 5 \
	"vstats: 5 more tx_drops"

NEW=02:00:00:00:00:20
ip link set "$ifc" address $NEW
tap_run "mac change reaches the device (cvq MAC_ADDR_SET)" \
	wait_for 10 filter_has "mac $NEW"
tap_jq "config show: the driver's new mac" "$(cfg t0)" '.t0.mac' \
	"\"$NEW\""
tap_is "$(send_recv "$ifc" $NEW 10 100 10)/$(send_recv "$ifc" $MAC 10 100 2)" \
	"10 0/0 0" "frames to the new mac come back, to the old one not"

MC=01:00:5e:00:00:42
ip maddr add $MC dev "$ifc"
tap_run "multicast address reaches the table (cvq MAC_TABLE_SET)" \
	wait_for 10 sh -c "grep -q '^multi .*$MC' $dbg/t0/rx_filter"
tap_is "$(send_recv "$ifc" $MC 10 100 10)/$(send_recv "$ifc" 01:00:5e:00:00:43 10 100 2)" \
	"10 0/0 0" "frames to a listed multicast address only come back"

# Without IPv6 on it: its neighbour discovery would add frames of its own
# to the counts below.
tap_run "VLAN 100 on $ifc (8021q)" sh -c "modprobe 8021q &&
	ip link add link $ifc name vl100 type vlan id 100 &&
	sysctl -qw net.ipv6.conf.vl100.disable_ipv6=1 && ip link set vl100 up"
tap_run "VLAN 100 reaches the table (cvq VLAN_ADD)" \
	wait_for 10 sh -c "grep -qE '^vlans (.*,)?100(,|\$)' $dbg/t0/rx_filter"
rx0=$(sum_vstat t0 rx_packets 0 2); drops0=$(sum_vstat t0 rx_drops 0 2)
send_recv "$ifc" $NEW 10 100 1 100 >/dev/null
send_recv "$ifc" $NEW 10 100 1 200 >/dev/null
tap_is "$(( $(sum_vstat t0 rx_packets 0 2) - rx0 ))/$(( $(sum_vstat t0 rx_drops 0 2) - drops0 ))" \
	"10/10" "vstats: VLAN 100 frames received, VLAN 200 frames dropped"
ip link del vl100

feat=$(nl send MGMTDEV_GET MGMTDEV_DEV_NAME=str:vdpasim_net |
	sed -n 's/^DEV_SUPPORTED_FEATURES=//p')
tap_run "DEV_NEW t1: mtu 9000, every feature but RING_PACKED" \
	nl send DEV_NEW DEV_NAME=str:t1 MGMTDEV_DEV_NAME=str:vdpasim_net \
	DEV_FEATURES=u64:$(( feat & ~(1 << 34) )) DEV_NET_CFG_MTU=u16:9000 \
	DEV_NET_CFG_MACADDR=hex:02:00:00:00:00:30
ifc1=$(basename /sys/bus/vdpa/devices/t1/virtio*/net/*)
sysctl -qw "net.ipv6.conf.$ifc1.disable_ipv6=1"
ip link set "$ifc1" mtu 9000 up
tap_run "t1 is interface '$ifc1', carrier on" \
	wait_for 10 sh -c "[ \"\$(cat /sys/class/net/$ifc1/carrier)\" = 1 ]"
neg0=$(nl send DEV_CONFIG_GET DEV_NAME=str:t0 | sed -n 's/^DEV_NEGOTIATED_FEATURES=//p')
neg1=$(nl send DEV_CONFIG_GET DEV_NAME=str:t1 | sed -n 's/^DEV_NEGOTIATED_FEATURES=//p')
tap_is "$(( neg0 >> 34 & 1 ))/$(( neg1 >> 34 & 1 ))/$(( neg1 >> 15 & 1 ))" "1/0/1" \
	"t0 runs packed rings, t1 split rings, with mergeable buffers"
tap_is "$(send_recv "$ifc1" 02:00:00:00:00:30 30 9014 10)" "30 0" \
	"split rings: 30 jumbo frames come back intact"
tap_is "$(vstat t1 0 rx_packets)/$(vstat t1 1 tx_packets)" "30/30" \
	"split rings: vstats count them"

cmds0=$(vstat t0 4 cvq_commands)
echo N >"$dbg/t0/link_up"
tap_run "link_up N: the carrier goes off" wait_for 10 carrier_is 0
tap_jq "config show: link down" "$(cfg t0)" '.t0.link' '"down"'
echo Y >"$dbg/t0/link_up"
tap_run "link_up Y: the carrier comes back" wait_for 10 carrier_is 1
echo 1 >"$dbg/t0/announce"
tap_run "announce: the driver acks (status back to LINK_UP only)" \
	wait_for 10 filter_has "status 1"
tap_run "vstats: the control queue counted the commands" \
	test "$(vstat t0 4 cvq_commands)" -gt "$cmds0"
tap_is "$(vstat t0 4 cvq_errors)" 0 "vstats: no control command failed"

tap_run "rmmod vdpa_sim_net with t0 bound and up" rmmod vdpa_sim_net
tap_run "the interface is gone" test ! -e "/sys/class/net/$ifc"
tap_run "unload virtio_vdpa" rmmod virtio_vdpa

# --- rmmod with devices present ---
modprobe vdpa_sim_net
for d in r0 r1 r2; do vdpa dev add name "$d" mgmtdev vdpasim_net; done
tap_is "$(on_bus)" "r0 r1 r2" \
	"three devices before rmmod"
tap_run "rmmod vdpa_sim_net with three devices" rmmod vdpa_sim_net
tap_is "$(on_bus)" "" "the bus is empty"
tap_run "the debugfs directory is gone" test ! -e "$dbg"
tap_run "unload the simulator core, the bus and vhost_iotlb" \
	rmmod vdpa_sim vdpa vhost_iotlb
tap_done
