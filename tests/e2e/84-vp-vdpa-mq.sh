#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vm-tier: debug
#
# vp_vdpa on a multiqueue function: QEMU's virtio-net-pci with 2 queue
# pairs and a control queue (mq=on, disable-legacy=on, MAC
# 52:54:00:12:34:72, behind root port 00:14.0) whose netdev is vhost-user,
# served on the host by tests/userspace/vu_wire, which joins it to a
# second such function (00:15.0, under plain virtio_net) like a cable:
# every frame one transmits on queue pair i arrives on the other's
# receive queue i (the lowest running one if i is not).  Nothing leaves
# the VM and that back-end; scripts/check.sh starts the back-end and adds
# both functions to the debug VM (scripts/vp-vdpa-devs.sh, vp_vdpa_mq).
# Neither function has iommu_platform (the rings hold guest physical
# addresses while the intel-iommu translates the VM's other devices) nor
# MSI-X: QEMU 7.2 under TCG dies (SIGSEGV in kvm_virtio_pci_irqfd_use)
# when a vhost-user virtio-net-pci unmasks an MSI-X vector, so both use
# INTx, which vp_vdpa takes when a function has no MSI-X
# (Documentation/vp_vdpa.rst, "Multiqueue").
#
# Checked: the function becomes management device pci/<BDF> with
# max_supported_vqs 5 (QEMU's function reports 3 queues in num_queues
# until a driver accepts MQ; vp_vdpa counts a net function's queues from
# max_virtqueue_pairs) and MQ and CTRL_VQ among its features; max_vqp 3
# is refused (above the 2 pairs, the core's bound) and so is 1 (vp_vdpa's:
# not the function's own count), both with the reason; "vdpa dev add ...
# max_vqp 2" makes a virtio_vdpa netdev whose config shows 2 pairs and MQ
# negotiated, and "ethtool -l" a combined maximum of 2 (current 2); the
# interrupt is the function's INTx line (IRQF_SHARED).  With the peer in a
# network namespace (192.0.2.0/24): ping from each vCPU in both directions
# (XPS maps vCPU N to queue pair N) and iperf3 with 4 streams; every data
# queue of both ends counts frames (the netdev family's per-queue qstats,
# tests/lib/qstats.py) and the INTx line fires.  "ethtool -L combined 1",
# read back: the same traffic moves our pair 0 only (pair 1 is no longer
# reported, and once "combined 2" is read back its counters are what they
# were: nothing went over it), and of the peer's receive queues only
# queue 0 (its transmit queues both still count: what it sends on pair 1
# arrives on our pair 0); at 2 pairs again every queue counts.  "vdpa dev
# del", unbinding and virtio-pci again leave no vDPA device, no
# management device and a virtio_net netdev with 2 channels; the peer
# goes back to the root namespace.
#
# VP_VDPA_INTREE=1 (tests/e2e-reference/vp-vdpa-intree.sh 84) skips the
# whole script: the in-tree vp_vdpa only takes MSI-X vectors, so
# DRIVER_OK fails on a function without them.
#
# Cost: 53 to 69 s in the debug VM under TCG (2026-12-05): two iperf3
# runs of 2 s with their servers, pings from each vCPU three times, five
# snapshots of the queue counters (one qstats.py each).
set -u
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/e2e.sh
. "$(dirname "$0")/../lib/e2e.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/vp_vdpa.sh
. "$(dirname "$0")/../lib/vp_vdpa.sh"

[ "$VP_INTREE" != 1 ] ||
	{ echo "1..0 # SKIP the in-tree vp_vdpa needs MSI-X, the function has INTx only"; exit 0; }

PEER=0000:00:15.0
MAC=52:54:00:12:34:72
pci=/sys/bus/pci
# The function behind root port 00:14.0 (its bus number is the guest's).
BDF=$(vp_fn 0000:00:14.0)
ns=vpmq$$

[ -n "$BDF" ] && [ -e "$pci/devices/$BDF" ] && [ -e "$pci/devices/$PEER" ] ||
	tap_bail "no multiqueue virtio-net-pci at $BDF and $PEER (scripts/check.sh adds them)"
e2e_need_tools ping iperf3 jq ethtool taskset
[ "$(nproc)" = 2 ] || tap_bail "needs 2 vCPUs (one per queue pair)"
e2e_need_modules vp_vdpa virtio_vdpa
tap_plan 34

# Deleting a namespace hands its devices back asynchronously: the peer
# goes first, under a name of its own (ours may have taken its old one).
home=vpmqp$$
peer_home() {
	ip -n "$ns" link set "$peer" down && ip -n "$ns" link set "$peer" name "$home" &&
		ip -n "$ns" link set "$home" netns 1
}
cleanup() {
	[ -z "${peer:-}" ] || peer_home 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	[ ! -e /sys/bus/vdpa/devices/vp0 ] || vdpa dev del vp0 2>/dev/null
	[ "$(vp_driver "$BDF")" = virtio-pci ] || vp_to_virtio_pci "$BDF" 2>/dev/null
}
trap cleanup EXIT

pdrv=$VP_PDRV

e2e_begin
tap_run "modprobe vp_vdpa virtio_vdpa" vp_load
tap_run "$BDF: virtio-pci to $pdrv (driver_override, bind)" vp_to_driver "$BDF" "$pdrv"
# No ACCESS_PLATFORM: virtio_vdpa's rings use physical addresses, which
# QEMU's function reads without the intel-iommu whatever domain the
# function is in (reported, not changed).
tap_diag "$BDF: iommu group $(basename "$(readlink "$pci/devices/$BDF/iommu_group")") type $(cat "$pci/devices/$BDF/iommu_group/type" 2>/dev/null)"
mg=$(vdpa -j mgmtdev show "pci/$BDF" | jq -c ".mgmtdev.\"pci/$BDF\"")
tap_is "$(jq -r '.max_supported_vqs' <<<"$mg")" 5 \
	"pci/$BDF: max_supported_vqs 5 (2 pairs and the control queue)"
tap_is "$(jq -r '[.dev_features[] | select(. == "MQ" or . == "CTRL_VQ")] | sort | join(",")' <<<"$mg")" \
	CTRL_VQ,MQ "pci/$BDF: MQ and CTRL_VQ among its features"

# max_vqp: the core bounds it by the queues (5 / 2), vp_vdpa wants the
# function's own count; nothing is created either way.
refused() {
	local desc=$1 re=$2 out rc=0
	shift 2
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" != 0 ] && grep -qE -- "$re" <<<"$out" &&
		! vdpa dev show vp0 >/dev/null 2>&1; then
		tap_ok "$desc"
	else
		tap_fail "$desc" "exit status $rc, want non-zero and /$re/; got:"$'\n'"$out"
	fi
}
refused "max_vqp 3: refused, above the mgmtdev's 2 pairs" \
	"^Error: vdpa: max_vqp 3 above the mgmtdev's limit of 2" \
	vdpa dev add name vp0 mgmtdev "pci/$BDF" max_vqp 3
refused "max_vqp 1: refused, the function has 2 pairs" \
	"^Error: vp_vdpa: the function has 2 queue pairs; max_vqp must be 2" \
	vdpa dev add name vp0 mgmtdev "pci/$BDF" max_vqp 1
tap_run "vdpa dev add name vp0 mgmtdev pci/$BDF max_vqp 2" \
	vdpa dev add name vp0 mgmtdev "pci/$BDF" max_vqp 2
# shellcheck disable=SC2016 # evaluated by vp_wait
tap_run "vp0: bound to virtio_vdpa, netdev appears" \
	vp_wait 20 eval '[ "$(e2e_bound_to vp0)" = virtio_vdpa ] && [ -n "$(vp_netif $BDF)" ]'
ifc=$(vp_netif "$BDF")
tap_is "$(cat "/sys/class/net/$ifc/address" 2>/dev/null)" "$MAC" "vp0: netdev $ifc has the function's MAC"
cf=$(vdpa -j dev config show vp0 | jq -c '.config.vp0')
tap_is "$(jq -r '.max_vq_pairs' <<<"$cf")/$(jq -r '[.negotiated_features[] | select(. == "MQ")] | length' <<<"$cf")" \
	2/1 "vdpa dev config show vp0: max_vq_pairs 2, MQ negotiated"

# "Combined:" twice: the maximum, then the current count.
channels() {
	ethtool -l "$1" | awk '/^Combined:/ { printf "%s%s", s, $2; s = "/" }'
}
tap_is "$(channels "$ifc")" 2/2 "ethtool -l $ifc: combined maximum 2, current 2"

# The function's interrupts on all CPUs, or nothing: vp_vdpa's handler on
# the INTx line is named vp-vdpa-<BDF>, maybe among other devices' on the
# same line ("name, name").
ncpu=$(nproc)
intx() {
	awk -v a="vp-vdpa-$BDF" -v c="$ncpu" \
		'{ for (i = c + 2; i <= NF; i++) { w = $i; sub(/,$/, "", w); if (w == a) { f = 1; for (j = 2; j <= c + 1; j++) n += $j; break } } }
		 END { if (f) print n + 0 }' /proc/interrupts
}
tap_run "its interrupt: the INTx line, in /proc/interrupts as vp-vdpa-$BDF" \
	test -n "$(intx)"

peer=$(vp_netif "$PEER")
setup_net() {
	ip netns add "$ns" && ip link set "$peer" netns "$ns" &&
		ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$peer.disable_ipv6=1" &&
		ip -n "$ns" addr add 192.0.2.2/24 dev "$peer" &&
		ip -n "$ns" link set "$peer" up && ip -n "$ns" link set lo up &&
		ip addr add 192.0.2.1/24 dev "$ifc" && e2e_if_up "$ifc"
}
tap_run "peer $peer (virtio_net, $(channels "$peer") channels) in netns $ns, 192.0.2.1 <-> 192.0.2.2" setup_net

# Every counter we watch, one line: the packets of our rx0 rx1 tx0 tx1
# and the peer's (virtio_net keeps them in the netdev family's qstats
# since 6.10, not in ethtool -S; "-" for a queue not in use), then our
# INTx line's interrupts.
snapshot() {
	echo "$(python3 -S "$E2E_REPO/tests/lib/qstats.py" --pairs 2 "$ifc" "$ns/$peer") $(intx)"
}
names=(our_rx0 our_rx1 our_tx0 our_tx1 peer_rx0 peer_rx1 peer_tx0 peer_tx1
	our_intx)
# A snapshot once two in a row agree (the last frames of a TCP close may
# still be on their way when iperf3 returns); in $snap.
settled() {
	local last

	snap=$(snapshot)
	until last=$snap && snap=$(snapshot) && [ "$snap" = "$last" ]; do
		[ "$SECONDS" -lt "$1" ] || return 1
	done
}

# Traffic that uses every queue pair the two ends have: ping from each
# vCPU in each direction (XPS maps vCPU N to queue pair N; the wire keeps
# the pair's index, or falls back to pair 0), then iperf3 with 4 streams.
traffic() {
	local c

	for c in 0 1; do
		taskset -c "$c" ping -q -c 3 -W 10 -i 0.2 192.0.2.2 >/dev/null || return 1
		ip netns exec "$ns" taskset -c "$c" ping -q -c 3 -W 10 -i 0.2 192.0.2.1 \
			>/dev/null || return 1
	done
}
iperf_bytes() {
	ip netns exec "$ns" iperf3 -s -1 -B 192.0.2.2 >/dev/null 2>&1 &
	wait_for 10 ip netns exec "$ns" sh -c 'ss -ltn | grep -q ":5201 "' || return 1
	iperf3 -c 192.0.2.2 -P 4 -t 2 -J | jq -r '.end.sum_received.bytes'
}
# grew BEFORE AFTER WANT: WANT has one letter per counter of snapshot:
# "+" must have grown, "=" must be the same, "-" must not be reported
# (the queue is not in use), "?" anything; prints what is not so.
grew() {
	local -a was now
	local i w bad=

	read -r -a was <<<"$1"
	read -r -a now <<<"$2"
	for i in "${!names[@]}"; do
		w=${3:i:1}
		case $w in
		-) [ "${now[i]:-}" = - ] || bad+="${names[i]} reported (${now[i]:-}); " ;;
		'?') ;;
		*)
			if ! [[ ${now[i]:-} =~ ^[0-9]+$ && ${was[i]:-} =~ ^[0-9]+$ ]]; then
				bad+="${names[i]}: no value (${was[i]:-} -> ${now[i]:-}); "
			elif [ "$w" = + ] && [ "${now[i]}" -le "${was[i]}" ]; then
				bad+="${names[i]} did not grow (${was[i]}); "
			elif [ "$w" = = ] && [ "${now[i]}" != "${was[i]}" ]; then
				bad+="${names[i]} changed (${was[i]} -> ${now[i]}); "
			fi
			;;
		esac
	done
	[ -z "$bad" ] || { echo "$bad"; return 1; }
}

s0=$(snapshot)
tap_run "ping from each vCPU, both ways: 12 of 12 replies" traffic
b=$(iperf_bytes)
tap_run "iperf3 -P 4 to the peer: ${b:-no} bytes received" test "${b:-0}" -gt 100000
settled $((SECONDS + 20))
s1=$snap
tap_diag "counters (${names[*]}): $s1"
tap_run "2 pairs: every data queue of both ends carried frames, the INTx line fired" \
	grew "$s0" "$s1" "+++++++++"

tap_run "ethtool -L $ifc combined 1" ethtool -L "$ifc" combined 1
tap_is "$(channels "$ifc")" 2/1 "ethtool -l $ifc: combined maximum 2, current 1"
tap_run "ping from each vCPU, both ways, on 1 pair" traffic
b=$(iperf_bytes)
tap_run "iperf3 -P 4 on 1 pair: ${b:-no} bytes received" test "${b:-0}" -gt 100000
s2=$(snapshot)
tap_diag "counters: $s2"
# Our pair 1 is no longer in use (not reported); the peer still sends on
# both of its pairs, and what it sends on pair 1 arrives on our pair 0;
# we only send on pair 0, so the peer's receive queue 1 stays as it was.
tap_run "1 pair: our pair 0 counts, pair 1 is not in use, the peer receives on its pair 0 only" \
	grew "$s1" "$s2" "+-+-+=+++"

tap_run "ethtool -L $ifc combined 2" ethtool -L "$ifc" combined 2
tap_is "$(channels "$ifc")" 2/2 "ethtool -l $ifc: combined 2 again"
s3=$(snapshot)
# Pair 1's counters are back, as they were before the 1-pair traffic.
tap_run "our pair 1 carried nothing while 1 pair was in use" \
	grew "$s1" "$s3" "?=?=?????"
tap_run "ping from each vCPU, both ways, on 2 pairs again" traffic
s4=$(snapshot)
tap_diag "counters: $s4"
tap_run "2 pairs again: every data queue of both ends counts again" \
	grew "$s3" "$s4" "+++++++++"

tap_run "vdpa dev del vp0: netdev gone" \
	sh -c "vdpa dev del vp0 && ! ip link show '$ifc' >/dev/null 2>&1"
tap_run "unbind from $pdrv: pci/$BDF gone" \
	sh -c "echo $BDF >$pci/drivers/$pdrv/unbind && ! vdpa mgmtdev show pci/$BDF >/dev/null 2>&1"
tap_run "$BDF back to virtio-pci: a virtio_net netdev again" \
	eval 'vp_to_virtio_pci "$BDF" && vp_wait 10 eval "[ -n \"\$(vp_netif $BDF)\" ]"'
tap_is "$(channels "$(vp_netif "$BDF")")" 2/2 "... with 2 combined channels"
tap_is "$(vdpa -j dev show | jq -c '.dev | length')" 0 "no vDPA device left"
tap_run "the peer back in the root namespace (as $home), no namespace left" \
	eval 'peer_home && ip netns del "$ns" && [ "$(vp_netif "$PEER")" = "$home" ] &&
		[ -z "$(ip netns list)" ]'
e2e_end
tap_done
