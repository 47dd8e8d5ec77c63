#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vm-tier: debug
#
# vp_vdpa torn down under traffic, on the debug VM's virtio-net-pci
# (behind root port 00:10.0, peer 00:11.0 in a network namespace,
# 192.0.2.0/24) and virtio-blk-pci (behind 00:12.0) functions
# (scripts/check.sh).  Each case moves both functions to vp_vdpa, adds
# their vDPA devices, starts an iperf3 transfer to the peer and fio writes
# to the disk, waits until both flow, then takes the functions away, each
# under its load:
#
#   1  PCI remove (sysfs "remove") of the net function during iperf3,
#      then of the blk function during fio; one rescan: both come back
#      under virtio-pci;
#   2  QEMU's device_del of each, the net one during iperf3, then the blk
#      one during fio (the guest's ACPI hotplug ejects it, through the
#      monitor of vm-run.sh --guest-monitor), then a device_add of each
#      with the same id, bus and properties;
#   3  unbinding both from vp_vdpa at once, then binding them again
#      (that they work again is the start of case 4: both loads flow);
#   4  rmmod vp_vdpa with both in use: iperf3 running, ext4 mounted
#      on the disk and fio writing a file there.  The expected
#      behaviour, as for any PCI driver: the unload is not refused,
#      it unbinds the functions, which deletes the vDPA devices and so
#      the netdev and the disk (the mounted file system sees I/O
#      errors and is unmounted afterwards); it must neither hang nor
#      crash.  After modprobe both functions work again: iperf3 moves
#      over 1 MB in 2 s, fio's random writes verify.
#
# VP_VDPA_INTREE=1 (tests/e2e-reference/vp-vdpa-intree.sh) runs the same
# cases on the test kernel's own vdpa, vp_vdpa and virtio_vdpa (vp_load
# and VP_PDRV, tests/lib/vp_vdpa.sh: its PCI driver is "vp-vdpa"): 48 of
# 48 on 2026-12-05, alone and after 80-82 in one VM.
#
# Every removal must end within 60 s and leave no vDPA device of the
# function, no management device of it and no netdev or disk of it; the
# loads end (iperf3 is stopped, fio fails on the vanished disk); the
# kernel log stays free of reports (the runner checks too).  The
# functions end under virtio-pci, as they started.
#
# Cost: about 80 s in the debug VM under TCG (2026-12-05), most of it
# bringing devices up and waiting for loads to flow; 117 s when each
# removal had a case, a bring-up and loads of its own.  The waits poll
# without forking (vp_wait, tests/lib/vp_vdpa.sh): under TCG a fork costs
# about 0.1 s of the CPU the loads need.
set -u
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/e2e.sh
. "$(dirname "$0")/../lib/e2e.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/vp_vdpa.sh
. "$(dirname "$0")/../lib/vp_vdpa.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/qemu-monitor.sh
. "$(dirname "$0")/../lib/qemu-monitor.sh"

NET_RP=0000:00:10.0
BLK_RP=0000:00:12.0
PEER=0000:00:11.0
NET_DEV="virtio-net-pci,id=vpnet,netdev=vpn0,bus=vprp0,disable-legacy=on,iommu_platform=on,page-per-vq=on,mac=52:54:00:12:34:70"
BLK_DEV="virtio-blk-pci,id=vpblk,drive=vpblk0,bus=vprp1,disable-legacy=on,iommu_platform=on,page-per-vq=on"

[ -n "$(vp_fn $NET_RP)" ] && [ -n "$(vp_fn $BLK_RP)" ] && [ -e "$VP_PCI/devices/$PEER" ] ||
	tap_bail "no virtio-net-pci/virtio-blk-pci behind $NET_RP/$BLK_RP (scripts/check.sh adds them)"
qemu_monitor_ok || tap_bail "no guest monitor (scripts/vm-run.sh --guest-monitor)"
e2e_need_tools iperf3 fio jq mkfs.ext4
e2e_need_modules vp_vdpa virtio_vdpa

ns=vpt$$
work=$(mktemp -d)
mnt=$work/mnt
loads=()
cleanup() {
	local p f
	for p in "${loads[@]}"; do kill -9 "$p" 2>/dev/null; done
	mountpoint -q "$mnt" && umount "$mnt"
	# Only when needed: the vdpa tool would load (our) vdpa again.
	for f in vpn vpb; do
		[ ! -e "/sys/bus/vdpa/devices/$f" ] || vdpa dev del "$f" 2>/dev/null
	done
	for f in "$(vp_fn $NET_RP)" "$(vp_fn $BLK_RP)"; do
		[ -z "$f" ] || [ "$(vp_driver "$f")" = virtio-pci ] ||
			vp_to_virtio_pci "$f" 2>/dev/null
	done
	ip netns del "$ns" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# --- bringing the functions up under vp_vdpa, and loads ---

# up_net: the net function to vp_vdpa, vDPA device vpn, 192.0.2.1.
up_net() {
	local f ifc

	f=$(vp_fn $NET_RP)
	{ [ "$(vp_driver "$f")" = "$VP_PDRV" ] || vp_to_driver "$f" "$VP_PDRV"; } &&
		vdpa dev add name vpn mgmtdev "pci/$f" &&
		vp_wait 20 eval '[ -n "$(vp_netif '"$f"')" ]' || return 1
	ifc=$(vp_netif "$f")
	ip addr add 192.0.2.1/24 dev "$ifc" && e2e_if_up "$ifc"
}

up_blk() {
	local f

	f=$(vp_fn $BLK_RP)
	{ [ "$(vp_driver "$f")" = "$VP_PDRV" ] || vp_to_driver "$f" "$VP_PDRV"; } &&
		vdpa dev add name vpb mgmtdev "pci/$f" &&
		vp_wait 20 eval '[ -n "$(vp_disk '"$f"')" ]'
}

# iperf3 servers on the peer, one for each transfer (a server whose
# client vanished with its interface stays busy with that test), all
# started at once on ports 5201 to 5200 + N: iperf_servers N.
port=5200
iperf_servers() {
	local p

	for ((p = 5201; p <= 5200 + $1; p++)); do
		ip netns exec "$ns" iperf3 -s -1 -D -B 192.0.2.2 -p "$p" || return 1
	done
	vp_wait 20 servers_listen "$1"
}
servers_listen() {
	local out p

	out=$(ip netns exec "$ns" ss -Hltn) || return 1
	for ((p = 5201; p <= 5200 + $1; p++)); do
		[[ $out == *":$p "* ]] || return 1
	done
}

# Loads run in the background (their pid in $load, started outside
# tap_run, whose command runs in a subshell); *_flowing wait for them.
# iperf_start: a 120 s iperf3 transfer to the next server.
iperf_start() {
	port=$((port + 1))
	tx=/sys/class/net/$(vp_netif "$(vp_fn $NET_RP)")/statistics/tx_packets
	read -r tx0 <"$tx"
	iperf3 -c 192.0.2.2 -p "$port" -t 120 --connect-timeout 5000 \
		>/dev/null 2>&1 &
	load=$!
	loads+=("$load")
}
# iperf_flowing: 1000 more packets went out.
sent_1000() {
	local n=0

	read -r n 2>/dev/null <"$tx"
	[ "$n" -ge $((tx0 + 1000)) ]
}
iperf_flowing() { vp_wait 30 sent_1000; }

# fio_start FILE DISK: fio writes FILE (on DISK) until stopped.
fio_start() {
	local st

	wr=/sys/block/$2/stat
	read -r -a st <"$wr"
	wr0=${st[4]}
	fio --name=busy --filename="$1" --size=32M --rw=randwrite --bs=4k \
		--direct=1 --ioengine=psync --numjobs=1 --time_based \
		--runtime=300 --output=/dev/null >/dev/null 2>&1 &
	load=$!
	loads+=("$load")
}
# fio_flowing: 64 more writes completed on the disk.
wrote_64() {
	local st=(0 0 0 0 0)

	read -r -a st 2>/dev/null <"$wr"
	[ "${st[4]}" -ge $((wr0 + 64)) ]
}
fio_flowing() { vp_wait 30 wrote_64; }

# both_up_loaded CASE: both functions up under vp_vdpa, iperf3 and fio
# flowing; sets fn/fb (the BDFs), ifc, d (the disk), lnet and lblk (the
# loads' pids).
both_up_loaded() {
	fn=$(vp_fn $NET_RP)
	fb=$(vp_fn $BLK_RP)
	tap_run "$1: vpn on $fn and vpb on $fb up under vp_vdpa" eval 'up_net && up_blk'
	ifc=$(vp_netif "$fn")
	d=$(vp_disk "$fb")
	iperf_start
	lnet=$load
	fio_start "/dev/$d" "$d"
	lblk=$load
	tap_run "$1: iperf3 to the peer and fio writes to /dev/$d flow" \
		eval 'iperf_flowing && fio_flowing'
}

# stop_load PID: ends a load whatever state it is in (fio may have failed
# on the vanished disk already, iperf3 waits for a peer it cannot reach).
stop_load() {
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# --- what a removal must leave ---

# all_gone NAME PATH BDF: no vDPA device NAME, PATH (the netdev or disk)
# gone, no management device pci/BDF.
all_gone() {
	vp_gone "/sys/bus/vdpa/devices/$1" "$2" || { echo "$2 or $1 still there"; return 1; }
	! vdpa mgmtdev show "pci/$3" >/dev/null 2>&1 || { echo "pci/$3 still listed"; return 1; }
}

# no_vdpa_dev: the vDPA bus is empty (after both removals of a case).
no_vdpa_dev() {
	local n

	n=$(vdpa -j dev show | jq -r '.dev | length')
	[ "$n" = 0 ] || { echo "vdpa dev show: $n devices"; return 1; }
}

# removed CASE NAME PATH BDF LOAD: the assertions after a removal.
removed() {
	tap_run "$1: $2, its ${3##*/} and pci/$4 are gone" all_gone "$2" "$3" "$4"
	stop_load "$5"
}

# fn_back RP KIND: the function behind RP is bound to virtio-pci with a
# netdev or disk (KIND net or blk) again.
fn_back() {
	local f

	f=$(vp_fn "$1") && [ "$(vp_driver "$f")" = virtio-pci ] || return 1
	case $2 in
	net) [ -n "$(vp_netif "$f")" ] ;;
	blk) [ -n "$(vp_disk "$f")" ] ;;
	esac
}
both_back() { fn_back $NET_RP net && fn_back $BLK_RP blk; }
back_under_virtio_pci() {
	tap_run "$1: both functions are back under virtio-pci with their net and blk devices" \
		vp_wait 60 both_back
}

# --- monitor ---

# qom_has ID: QEMU still has device ID.
qom_has() { qemu_monitor qom-list /machine/peripheral | grep -q "^$1 "; }

# unplug ID BDF: device_del ID; the guest ejects it (BDF gone from
# sysfs) and QEMU lets go of it.
unplug() {
	local out

	out=$(qemu_monitor device_del "$1") && [ -z "$out" ] ||
		{ echo "device_del $1: ${out:-no prompt}"; return 1; }
	vp_wait 60 vp_gone "$VP_PCI/devices/$2" &&
		vp_wait 30 eval "! qom_has $1"
}

# replug ID PROPS: device_add again (the -drive of a block device goes with
# it in QEMU: drive_add brings it back first, with the same file).
replug() {
	local out

	if [ "$1" = vpblk ] && ! qemu_monitor info block | grep -q '^vpblk0'; then
		out=$(qemu_monitor drive_add 0 "if=none,id=vpblk0,file=$blk_file,format=raw,cache=unsafe")
		[[ $out == OK* ]] || { echo "drive_add: $out"; return 1; }
	fi
	out=$(qemu_monitor device_add "$2") && [ -z "$out" ] ||
		{ echo "device_add $1: ${out:-no prompt}"; return 1; }
}

# --- the cases ---

e2e_begin
mkdir -p "$mnt"
tap_run "load vp_vdpa and virtio_vdpa ($([ "$VP_INTREE" = 1 ] && echo in-tree || echo ours))" vp_load
peer=$(vp_netif $PEER)
setup_peer() {
	ip netns add "$ns" && ip link set "$peer" netns "$ns" &&
		ip -n "$ns" addr add 192.0.2.2/24 dev "$peer" &&
		ip -n "$ns" link set "$peer" up && ip -n "$ns" link set lo up
}
tap_run "peer $peer in netns $ns: 192.0.2.2" setup_peer
# Four transfers under load (cases 1-4) and one measured (case 4).
tap_run "five iperf3 servers on the peer listen" iperf_servers 5
# The first answer after a long idle time did not come once (after 80 and
# 82 in one VM): a read-only command, repeated until one is answered.
tap_run "the monitor answers (info status)" \
	vp_wait 60 qemu_monitor info status
blk_file=$(qemu_monitor info block | sed -n 's/^vpblk0[^:]*: \([^ ]*\) .*/\1/p')
tap_run "the monitor answers: vpblk0 is ${blk_file:-?}" test -n "$blk_file"

# 1: PCI remove of each during its load, one rescan.
both_up_loaded 1
tap_run "1: PCI remove of $fn during iperf3 completes" \
	timeout 60 sh -c "echo 1 >$VP_PCI/devices/$fn/remove"
removed 1 vpn "/sys/class/net/$ifc" "$fn" "$lnet"
tap_run "1: PCI remove of $fb during fio completes" \
	timeout 60 sh -c "echo 1 >$VP_PCI/devices/$fb/remove"
removed 1 vpb "/sys/class/block/$d" "$fb" "$lblk"
tap_run "1: no vDPA device is left" no_vdpa_dev
tap_run "1: rescan" sh -c "echo 1 >$VP_PCI/rescan"
back_under_virtio_pci 1

# 2: device_del of each during its load, device_add of each.
both_up_loaded 2
tap_run "2: device_del vpnet during iperf3: ejected within 60 s" unplug vpnet "$fn"
removed 2 vpn "/sys/class/net/$ifc" "$fn" "$lnet"
tap_run "2: device_del vpblk during fio: ejected within 60 s" unplug vpblk "$fb"
removed 2 vpb "/sys/class/block/$d" "$fb" "$lblk"
tap_run "2: no vDPA device is left" no_vdpa_dev
tap_run "2: device_add vpnet again" replug vpnet "$NET_DEV"
tap_run "2: device_add vpblk again" replug vpblk "$BLK_DEV"
back_under_virtio_pci 2

# 3: unbind both from vp_vdpa under their loads, bind again.
both_up_loaded 3
unbind_both() {
	echo "$fn" >"$VP_PCI/drivers/$VP_PDRV/unbind" &&
		echo "$fb" >"$VP_PCI/drivers/$VP_PDRV/unbind"
}
tap_run "3: unbind both from vp_vdpa under load completes" \
	timeout 60 bash -c "$(declare -f unbind_both); fn=$fn fb=$fb VP_PCI=$VP_PCI VP_PDRV=$VP_PDRV unbind_both"
removed 3 vpn "/sys/class/net/$ifc" "$fn" "$lnet"
removed 3 vpb "/sys/class/block/$d" "$fb" "$lblk"
tap_run "3: no vDPA device is left" no_vdpa_dev
# Binds each to vp_vdpa unless it is already (loading it binds the
# functions whose driver_override names it).
bind_both() {
	local f

	for f in "$fn" "$fb"; do
		[ "$(vp_driver "$f")" = "$VP_PDRV" ] ||
			echo "$f" >"$VP_PCI/drivers/$VP_PDRV/bind" || return 1
	done
}
tap_run "3: bind both to vp_vdpa again" bind_both

# 4: rmmod vp_vdpa with both in use (ext4 mounted, fio writing in it), on
# the functions bound again in 3.
tap_run "4: vpn and vpb up again after the rebind" eval 'up_net && up_blk'
ifc=$(vp_netif "$fn")
d=$(vp_disk "$fb")
tap_run "4: ext4 on /dev/$d, mounted" \
	sh -c "mkfs.ext4 -q -F /dev/$d && mount /dev/$d $mnt"
iperf_start
lnet=$load
fio_start "$mnt/busy" "$d"
lblk=$load
tap_run "4: iperf3 and fio (in a file on the mount) flow" eval 'iperf_flowing && fio_flowing'
tap_run "4: rmmod vp_vdpa with both in use completes" timeout 60 rmmod vp_vdpa
tap_is "$(lsmod | grep -c '^vp_vdpa ')" 0 "4: vp_vdpa is unloaded"
removed 4 vpn "/sys/class/net/$ifc" "$fn" "$lnet"
removed 4 vpb "/sys/class/block/$d" "$fb" "$lblk"
tap_run "4: no vDPA device is left" no_vdpa_dev
tap_run "4: the orphaned file system unmounts" umount "$mnt"
tap_run "4: vp_vdpa loaded again, both bound again" eval 'vp_load && bind_both'
tap_run "4: vpn and vpb up again" eval 'up_net && up_blk'
d=$(vp_disk "$fb")
iperf_again() {
	port=$((port + 1))
	iperf3 -c 192.0.2.2 -p "$port" -t 2 -J | jq -r '.end.sum_received.bytes' |
		awk '$1 > 1000000 { ok = 1 } END { exit !ok }'
}
tap_run "4: iperf3 to the peer: over 1 MB in 2 s" iperf_again
tap_run "4: fio random writes of 4 MiB verify (crc32c)" fio_verify "/dev/$d" 4M
tap_run "4: dev del both, back to virtio-pci" \
	eval 'vdpa dev del vpn && vdpa dev del vpb && vp_to_virtio_pci "$fn" && vp_to_virtio_pci "$fb"'
back_under_virtio_pci 4

ip netns pids "$ns" | xargs -r kill
ip netns del "$ns"
e2e_end
tap_done
