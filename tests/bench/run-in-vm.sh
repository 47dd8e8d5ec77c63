#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Guest side of `make bench` (scripts/bench.sh boots the benchmark kernel
# and runs this in it, from a copy of the tree whose modules were built
# against that kernel):
#
#   tests/bench/run-in-vm.sh [--rounds N] [--only GROUP,...]
#                            [--pktgen-seconds S] [--fio-seconds S]
#                            [--iperf-seconds S] [--vhost-frames N]
#                            [--lifecycle N] [--scale N] [--profile]
#                            [--vp-parts PARTS]
#
# Groups (default all, in this order): memcpy, net (vdpasim_net under
# virtio_vdpa + virtio_net, driven by pktgen; its limit veth, the
# single-pair runs between the ends of a veth pair), blk (vdpasim_blk under
# virtio_vdpa + virtio_blk, driven by fio; its limits null_blk0 and
# null_blk1, the same fio runs on null_blk with irqmode 0 and 1), vhost
# (vdpasim_net under vhost_vdpa, driven by tests/userspace/vdpa_user
# net-loop --bench), vmap
# (vdpa_user map-bench through vhost_vdpa on vdpasim_net: 256 MiB, 1 GiB
# and 2 GiB of 4 KiB, THP and hugetlbfs memory mapped and unmapped),
# lifecycle (vdpa dev add + bind + del of --lifecycle devices; once,
# --scale devices alive together and the memory they take), vduse
# (qemu-storage-daemon's vduse-blk export of a file in the guest's tmpfs,
# under virtio_vdpa + virtio_blk, driven by fio), vp (QEMU's virtio-pci
# net and block functions of scripts/vp-vdpa-devs.sh under vp_vdpa +
# virtio_vdpa, and under plain virtio_pci: iperf3 and pktgen to a peer
# function on the same QEMU hub, fio on the raw disk), and only when asked for,
# profile (flat perf profiles of each side, first round only: the 64-byte
# pktgen run and fio randread at iodepth 32 when net and blk are measured;
# with vduse, its fio randread at iodepth 1 and 32, inside its group; with
# vp, fio randread at iodepth 1 on each side, inside its group).
# --vp-parts narrows the vp group to some of its parts: net (iperf3,
# pktgen), fio (the default domain's fio rows), pt (the identity domain's
# rows); default net,fio,pt.
#
# Each round runs every group on both sides: "intree" (the kernel's own
# vdpa, vdpa_sim*, vduse, vp_vdpa, virtio_vdpa, vhost_vdpa, loaded with
# insmod from /lib/modules/<release>/kernel because ours in updates/ win
# for modprobe) and "ours" (modprobe); the vp group has a third side,
# "virtio_pci" (the same functions under the kernel's virtio_pci,
# virtio_net and virtio_blk: the limit).  The side that goes first
# changes from round to round (alternates; the vp group's three rotate),
# so a slow drift of the host does not favour one.
# Every side loads its modules, checks that they are the intended ones
# (srcversion), measures, deletes its devices and unloads.
#
# Output (stdout), one record per line, fields separated by tabs; the host
# (tests/bench/report.py) turns them into the table, JSON and chart:
#   R  workload side round metric value    one measurement
#   N  workload side reason                 not measured (and why)
#   I  key value                            facts about the run
#   K  group side line                      a kernel report while it ran
#   P  workload side line                   a line of a perf profile
# Lines starting with "#" are progress for humans.
set -uo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
rel=$(uname -r)
kdir=/lib/modules/$rel/kernel
bus=/sys/bus/vdpa
pg=/proc/net/pktgen
MAC=02:00:00:00:be:01

rounds=3
only=memcpy,net,blk,vhost,vmap,lifecycle,vduse,vp
pktgen_s=3
iperf_s=3
during=
fio_s=3
vhost_frames=20000
lifecycle_n=200
scale_n=1000
profile=0
vp_parts=net,fio,pt
# wait_for, e2e_disk (and tests/lib/splat.sh); the VDUSE helpers: load_stack,
# add, del, qsd_start, qsd_stop.  vduse.sh sets work: set again below.
# shellcheck source=../lib/e2e.sh
. "$repo/tests/lib/e2e.sh"
# shellcheck source=../lib/vduse.sh
. "$repo/tests/lib/vduse.sh"
work=$(mktemp -d)
baseline_mods=

while [ $# -gt 0 ]; do
	case $1 in
	--rounds) rounds=$2; shift 2 ;;
	--only) only=$2; shift 2 ;;
	--pktgen-seconds) pktgen_s=$2; shift 2 ;;
	--fio-seconds) fio_s=$2; shift 2 ;;
	--iperf-seconds) iperf_s=$2; shift 2 ;;
	--vhost-frames) vhost_frames=$2; shift 2 ;;
	--lifecycle) lifecycle_n=$2; shift 2 ;;
	--scale) scale_n=$2; shift 2 ;;
	--profile) profile=1; shift ;;
	--vp-parts) vp_parts=$2; shift 2 ;;
	*) echo "run-in-vm: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
# After the loop: --only may come after --profile.
[ "$profile" = 0 ] || only+=,profile

say() { echo "# $*"; }
rec() { local IFS=$'\t'; echo "$*"; }
result() { rec R "$@"; }
na() { rec N "$@"; }
info() { rec I "$@"; }
wanted() { [[ ,$only, == *,$1,* ]]; }

# --- Modules --------------------------------------------------------------

# The in-tree modules of each stack, dependencies first (modinfo -F
# depends of the 6.12 modules).
intree_core="drivers/vhost/vhost_iotlb drivers/vhost/vringh drivers/vdpa/vdpa
	drivers/vdpa/vdpa_sim/vdpa_sim"
intree_virtio=drivers/virtio/virtio_vdpa
intree_vhost="virt/lib/irqbypass drivers/vhost/vhost drivers/vhost/vhost_vdpa"

# load SIDE CLASS(net|blk) BUSDRIVER(virtio_vdpa|vhost_vdpa)
load() {
	local side=$1 class=$2 drv=$3 m list out
	if [ "$side" = ours ]; then
		out=$(modprobe -a "vdpa_sim_$class" "$drv" 2>&1) ||
			{ echo "modprobe: $out"; return 1; }
	else
		list="$intree_core drivers/vdpa/vdpa_sim/vdpa_sim_$class"
		if [ "$drv" = virtio_vdpa ]; then
			list+=" $intree_virtio"
		else
			list+=" $intree_vhost"
		fi
		for m in $list; do
			[ -e "/sys/module/${m##*/}" ] && continue
			out=$(insmod "$kdir/$m.ko" 2>&1) ||
				{ echo "insmod $m: $out"; return 1; }
		done
	fi
	is_side "$side" vdpa && is_side "$side" "vdpa_sim_$class" &&
		is_side "$side" "$drv"
}

# is_side SIDE MODULE: the loaded MODULE is the in-tree one or ours: ours
# taint the kernel "O" (out of tree), the in-tree ones do not; and where
# both the file and the loaded module have a srcversion, they match.
is_side() {
	local f want got taint
	taint=$(cat "/sys/module/$2/taint" 2>/dev/null)
	if [ "$1" = intree ]; then
		f=$(find "$kdir" -name "$2.ko" | head -n 1)
		[[ $taint != *O* ]] || { echo "$2: taint '$taint': not the in-tree module"; return 1; }
	else
		f=$(find "/lib/modules/$rel/updates" -name "$2.ko" | head -n 1)
		[[ $taint == *O* ]] || { echo "$2: taint '$taint': not ours"; return 1; }
	fi
	want=$(modinfo -F srcversion "$f" 2>/dev/null)
	got=$(cat "/sys/module/$2/srcversion" 2>/dev/null)
	if [ -n "$want$got" ] && [ "$want" != "$got" ]; then
		echo "$2: loaded srcversion '$got', $1 file $f has '$want'"
		return 1
	fi
}

# Unload every module loaded since the baseline, newest first.
unload_all() {
	local m out rc=0 mods
	mods=$(cut -d' ' -f1 /proc/modules)
	while read -r m; do
		grep -qx "$m" <<<"$baseline_mods" && continue
		out=$(rmmod "$m" 2>&1) || { echo "# rmmod $m: $out"; rc=1; }
	done <<<"$mods"
	return $rc
}

# --- Kernel reports -------------------------------------------------------

mark() {
	splat_mark "bench: begin $1 $2 round $3"
}

# K lines for every kernel report since the mark.
check_splats() {
	local group=$1 side=$2 line
	splat_since "$SPLAT_MARK" | while IFS= read -r line; do
		rec K "$group" "$side" "$line"
	done
}

# --- Helpers --------------------------------------------------------------

netif() { ls "$bus/devices/$1"/virtio*/net 2>/dev/null; }
disk() { ls "$bus/devices/$1"/virtio*/block 2>/dev/null; }
vhost_node() {
	local n
	for n in "$bus/devices/$1"/vhost-vdpa-*; do
		[ -e "$n" ] && echo "/dev/${n##*/}"
		return
	done
}
# Negotiated feature bit $2 of device $1 (under virtio_vdpa).
feature() { cut -c"$(($2 + 1))" "$bus/devices/$1"/virtio*/features; }

if_up() {
	sysctl -qw "net.ipv6.conf.$1.disable_ipv6=1" && ip link set "$1" up
}

# --- memcpy ---------------------------------------------------------------

run_memcpy() {
	local out line n=0
	say "memcpy: 64 MiB buffers, 3 x 1 s"
	out=$("$repo/tests/bench/memcpy_bw" --size $((64 << 20)) --seconds 1 --reps 3) ||
		{ na memcpy vm "memcpy_bw failed"; return; }
	while read -r line; do
		[[ $line =~ ^rep\ [0-9]+:\ ([0-9]+)\ bytes/s$ ]] || continue
		n=$((n + 1))
		result memcpy vm "$n" bytes_per_s "${BASH_REMATCH[1]}"
	done <<<"$out"
}

# --- net: pktgen through virtio_net ----------------------------------------

pgset() {
	echo "$1" >"$2" || return 1
	grep -q '^Result: OK' "$2" || { echo "pktgen '$1' on $2: $(grep Result "$2")"; return 1; }
}

# pktgen_run SIDE ROUND IFC SIZE PAIRS [RXIFC]: one measurement; the
# frames come back on RXIFC (default IFC: the simulator loops them).
pktgen_run() {
	local side=$1 round=$2 ifc=$3 size=$4 pairs=$5 rxifc=${6:-$3}
	local nthr t d devs=() rx0 rx1
	local usec=0 pkts=0 res u p
	local wl=net-virtio-${size}B-${pairs}qp
	nthr=$(nproc)
	[ "$pairs" -lt "$nthr" ] && nthr=$pairs
	for t in "$pg"/kpktgend_*; do
		pgset rem_device_all "$t" || return 1
	done
	for ((t = 0; t < nthr; t++)); do
		d=$ifc@$t
		pgset "add_device $d" "$pg/kpktgend_$t" || return 1
		devs+=("$d")
		pgset "count 0" "$pg/$d" || return 1
		pgset "pkt_size $size" "$pg/$d" || return 1
		pgset "delay 0" "$pg/$d" || return 1
		pgset "clone_skb 0" "$pg/$d" || return 1
		pgset "dst_mac $MAC" "$pg/$d" || return 1
		pgset "dst 10.99.0.1" "$pg/$d" || return 1
		if [ "$pairs" -gt 1 ]; then
			# Thread t sends on its share of the pairs.
			pgset "queue_map_min $((t * pairs / nthr))" "$pg/$d" || return 1
			pgset "queue_map_max $(((t + 1) * pairs / nthr - 1))" "$pg/$d" || return 1
		fi
	done
	rx0=$(cat "/sys/class/net/$rxifc/statistics/rx_packets")
	(echo start >$pg/pgctrl) &
	if [ -n "$during" ]; then
		$during
	else
		sleep "$pktgen_s"
	fi
	echo stop >$pg/pgctrl
	wait
	# Let the frames in flight come back.
	sleep 0.5
	rx1=$(cat "/sys/class/net/$rxifc/statistics/rx_packets")
	for d in "${devs[@]}"; do
		res=$(grep -A1 '^Result: OK' "$pg/$d") ||
			{ echo "pktgen $d: $(grep Result "$pg/$d")"; return 1; }
		[[ $res =~ OK:\ ([0-9]+)\(c[0-9]+\+d[0-9]+\)\ usec,\ ([0-9]+)\ \( ]] ||
			{ echo "pktgen $d: cannot parse '$res'"; return 1; }
		u=${BASH_REMATCH[1]} p=${BASH_REMATCH[2]}
		[ "$u" -gt "$usec" ] && usec=$u
		pkts=$((pkts + p))
	done
	for t in "$pg"/kpktgend_*; do
		pgset rem_device_all "$t" || return 1
	done
	if [ "$usec" = 0 ] || [ "$pkts" = 0 ]; then
		echo "pktgen sent nothing (usec $usec packets $pkts)"
		return 1
	fi
	# pps sent; received = sent x the fraction that came back.
	local tx_pps rx_pps
	tx_pps=$(awk -v p="$pkts" -v u="$usec" 'BEGIN { printf "%.1f", p * 1e6 / u }')
	rx_pps=$(awk -v t="$tx_pps" -v r="$((rx1 - rx0))" -v p="$pkts" \
		'BEGIN { printf "%.1f", t * r / p }')
	say "$wl $side: sent $pkts in ${usec} us, received $((rx1 - rx0)): tx $tx_pps pps, rx $rx_pps pps"
	result "$wl" "$side" "$round" tx_pps "$tx_pps"
	result "$wl" "$side" "$round" rx_pps "$rx_pps"
}

# net_device SIDE ROUND NAME PAIRS: add, measure 64 and 1500 bytes, delete.
net_device() {
	local side=$1 round=$2 name=$3 pairs=$4 ifc out size args=()
	[ "$pairs" -gt 1 ] && args=(max_vqp "$pairs")
	if ! out=$(vdpa dev add name "$name" mgmtdev vdpasim_net mac $MAC \
		mtu 1500 "${args[@]}" 2>&1); then
		for size in 64 1500; do
			na "net-virtio-${size}B-${pairs}qp" "$side" \
				"no multiqueue (max_vqp $pairs refused: ${out//$'\n'/ })"
		done
		return 0
	fi
	ifc=$(netif "$name")
	[ -n "$ifc" ] || { echo "$name: no interface"; vdpa dev del "$name"; return 1; }
	if [ "$round" = 1 ]; then
		info "ring-$side" "$([ "$(feature "$name" 34)" = 1 ] && echo packed || echo split)"
	fi
	if [ "$pairs" -gt 1 ]; then
		ethtool -L "$ifc" combined "$pairs" ||
			{ vdpa dev del "$name"; return 1; }
	else
		# A device with more pairs than asked for (a default max_vqp):
		# one only.  Without multiqueue ethtool says "not supported".
		ethtool -L "$ifc" combined 1 2>/dev/null
	fi
	if_up "$ifc" || { vdpa dev del "$name"; return 1; }
	for size in 64 1500; do
		pktgen_run "$side" "$round" "$ifc" "$size" "$pairs" ||
			{ vdpa dev del "$name"; return 1; }
	done
	vdpa dev del "$name"
}

# The limit of the net group's single-pair rows: the same pktgen runs from
# one end of a veth pair to the other (the frames addressed to the far
# end's MAC, counted there), the same stack on the sending side and no
# device: what the guest's network stack alone can move.
run_net_veth() {
	local side=$1 round=$2 size rc=0
	ip link add bveth0 type veth peer name bveth1 || return 1
	ip link set bveth1 address "$MAC" &&
		if_up bveth0 && if_up bveth1 || rc=1
	for size in 64 1500; do
		[ "$rc" = 0 ] || break
		pktgen_run "$side" "$round" bveth0 "$size" 1 bveth1 || rc=1
	done
	ip link del bveth0
	return "$rc"
}

run_net() {
	local side=$1 round=$2
	[ "$side" != veth ] || { run_net_veth "$side" "$round"; return; }
	load "$side" net virtio_vdpa || return 1
	net_device "$side" "$round" bn1 1 || return 1
	net_device "$side" "$round" bn4 4 || return 1
}

# --- blk: fio through virtio_blk -------------------------------------------

# fio_rec WORKLOAD SIDE ROUND DEV RW QD JOBS: 4 KiB RW (randread or
# randwrite) on DEV at iodepth QD with JOBS jobs; its IOPS and p99 records.
fio_rec() {
	local wl=$1 side=$2 round=$3 dev=$4 rw=$5 qd=$6 jobs=$7 out vals iops p99
	if ! out=$(fio --name=bench --filename="$dev" \
		--rw="$rw" --bs=4k --direct=1 --ioengine=libaio \
		--iodepth="$qd" --numjobs="$jobs" --group_reporting \
		--time_based --runtime="$fio_s" --ramp_time=1 \
		--norandommap --randrepeat=0 \
		--output-format=json 2>"$work/fio.err"); then
		echo "fio $wl: $(tail -n 5 "$work/fio.err")"
		return 1
	fi
	vals=$(jq -r --arg k "${rw#rand}" '.jobs[0][$k] |
		"\(.iops) \(.clat_ns.percentile["99.000000"] / 1000)"' <<<"$out") ||
		return 1
	read -r iops p99 <<<"$vals"
	printf '%s\n' "$out" >"$work/fio.json"
	say "$wl $side: $iops IOPS, p99 $p99 us"
	result "$wl" "$side" "$round" iops "$iops"
	result "$wl" "$side" "$round" p99_us "$p99"
}

# blk_limits GROUP: the sides that only the blk group has, its limits:
# null_blk (queue_mode=2, one submission queue like both simulators) with
# irqmode 0 (completed inline in the submitter's context) and 1 (from the
# block softirq), "null_blk0" and "null_blk1".
blk_limits() {
	[ "$1" != blk ] || echo null_blk0 null_blk1
	[ "$1" != net ] || echo veth
}

# The fio workloads of the blk group on DEV.
blk_fio() {
	local side=$1 round=$2 dev=$3 rw qd jobs
	for rw in randread randwrite; do
		for qd in 1 32; do
			for jobs in 1 2; do
				fio_rec "blk-4k-$rw-qd$qd-j$jobs" "$side" "$round" \
					"$dev" "$rw" "$qd" "$jobs" || return 1
			done
		done
	done
}

# The same workloads on null_blk: no device work, no data moved.
run_null_blk() {
	local side=$1 round=$2 out
	out=$(modprobe null_blk queue_mode=2 irqmode="${side#null_blk}" \
		nr_devices=1 submit_queues=1 gb=1 2>&1) ||
		{ echo "modprobe null_blk: $out"; return 1; }
	wait_for 10 test -b /dev/nullb0 || { echo "no /dev/nullb0"; return 1; }
	blk_fio "$side" "$round" /dev/nullb0
}

run_blk() {
	local side=$1 round=$2 d
	[[ $side != null_blk* ]] || { run_null_blk "$side" "$round"; return; }
	load "$side" blk virtio_vdpa || return 1
	vdpa dev add name bb0 mgmtdev vdpasim_blk || return 1
	d=$(disk bb0)
	[ -n "$d" ] || { echo "bb0: no disk"; vdpa dev del bb0; return 1; }
	# Precondition: every sector written once, so that reads return data
	# on both sides (ours would read holes as zeros without copying) and
	# writes land on allocated storage (ours allocates on first write).
	dd if=/dev/zero of="/dev/$d" bs=1M oflag=direct status=none 2>/dev/null
	blk_fio "$side" "$round" "/dev/$d" || { vdpa dev del bb0; return 1; }
	vdpa dev del bb0
}

# --- vhost: vdpa_user through vhost_vdpa -----------------------------------

# vhost_loop NODE SIZE ROW SIDE ROUND [--dirty-log]: one net-loop bench row
vhost_loop() {
	local node=$1 size=$2 row=$3 side=$4 round=$5 out fps
	shift 5
	if ! out=$("$repo/tests/userspace/vdpa_user" net-loop --dev "$node" \
		--frames "$vhost_frames" --size "$size" --bench "$@" 2>&1); then
		echo "vdpa_user: $out" | tail -n 5
		return 1
	fi
	fps=$(sed -n 's/.*net-loop bench: .* s: \([0-9.]*\) frames\/s$/\1/p' <<<"$out")
	[ -n "$fps" ] || { echo "vdpa_user: no bench line: $out"; return 1; }
	say "$row $side: $fps frames/s"
	result "$row" "$side" "$round" pps "$fps"
}

# Ours also with dirty-page logging on (the in-tree driver cannot log).
run_vhost() {
	local side=$1 round=$2 node size
	load "$side" net vhost_vdpa || return 1
	vdpa dev add name bv0 mgmtdev vdpasim_net mac $MAC || return 1
	node=$(vhost_node bv0)
	[ -c "$node" ] || { echo "bv0: no vhost-vdpa node"; vdpa dev del bv0; return 1; }
	for size in 64 1500; do
		vhost_loop "$node" "$size" "net-vhost-${size}B" "$side" "$round" ||
			{ vdpa dev del bv0; return 1; }
		[ "$side" = ours ] || continue
		vhost_loop "$node" "$size" "net-vhost-${size}B-log" "$side" \
			"$round" --dirty-log || { vdpa dev del bv0; return 1; }
	done
	vdpa dev del bv0
}

# --- vmap: vhost_vdpa mapping cost (vdpa_user map-bench) ---------------------

# Sizes in MiB and backings of the vmap group; each size once per round.
vmap_sizes="256 1024 2048"
vmap_backings="4k thp hugetlb"

# vmap_load SIDE: vdpasim_net under vhost_vdpa, with room for 2^20 IOTLB
# entries on either side in both modules (2 GiB of 4 KiB pages may take
# one per page; the in-tree vhost_vdpa holds 2048 by default),
# the in-tree simulator mapping by physical address (use_va=0: it maps by
# VA by default, which pins nothing and skips anonymous memory).
vmap_load() {
	local side=$1 m out args=()
	if [ "$side" = ours ]; then
		out=$(modprobe vdpa_sim max_iotlb_entries=1048576 2>&1 &&
			modprobe vhost_vdpa max_iotlb_entries=1048576 2>&1) ||
			{ echo "modprobe: $out"; return 1; }
	else
		for m in $intree_core $intree_vhost; do
			[ -e "/sys/module/${m##*/}" ] && continue
			args=()
			[ "${m##*/}" = vdpa_sim ] &&
				args=(max_iotlb_entries=1048576 use_va=0)
			[ "${m##*/}" = vhost_vdpa ] && args=(max_iotlb_entries=1048576)
			out=$(insmod "$kdir/$m.ko" "${args[@]}" 2>&1) ||
				{ echo "insmod $m: $out"; return 1; }
		done
	fi
	load "$side" net vhost_vdpa
}

# vmap_room MIB BACKING: enough memory for it, hugetlb pages reserved;
# else the reason on stdout.
vmap_room() {
	local mib=$1 backing=$2 avail_mib got
	avail_mib=$(($(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo) / 1024))
	if [ "$backing" = hugetlb ]; then
		echo $((mib / 2)) >/proc/sys/vm/nr_hugepages
		got=$(cat /proc/sys/vm/nr_hugepages)
		[ "$got" -ge $((mib / 2)) ] && return 0
		echo 0 >/proc/sys/vm/nr_hugepages
		echo "memory short: $got of $((mib / 2)) 2 MiB hugetlb pages (MemAvailable $avail_mib MiB)"
		return 1
	fi
	[ "$avail_mib" -ge $((mib + 384)) ] && return 0
	echo "memory short: MemAvailable $avail_mib MiB for $mib MiB"
	return 1
}

# vmap_one NODE NODE2 MIB BACKING SIDE ROUND: one map-bench row; NODE2
# (the same memory mapped on a second device: its time and VmPin) at
# 256 MiB only.
vmap_one() {
	local node=$1 node2=$2 mib=$3 backing=$4 side=$5 round=$6 row why out rc kv
	local also=()
	row="vmap-$backing-${mib}M"
	[ "$mib" = 256 ] && also=(--also "$node2")
	if ! why=$(vmap_room "$mib" "$backing"); then
		na "$row" "$side" "$why"
		say "$row $side: not measured: $why"
		return 0
	fi
	out=$("$repo/tests/userspace/vdpa_user" map-bench --dev "$node" \
		"${also[@]}" --backing "$backing" --mbytes "$mib" --rounds 1 2>&1)
	rc=$?
	echo 0 >/proc/sys/vm/nr_hugepages
	out=$(grep '^map-bench ' <<<"$out" || echo "$out")
	if [ "$rc" = 77 ]; then
		na "$row" "$side" "$(tail -n 1 <<<"$out")"
		return 0
	fi
	if [ "$rc" != 0 ]; then
		na "$row" "$side" "failed: $(tail -n 1 <<<"$out")"
		echo "vdpa_user: $(tail -n 5 <<<"$out")"
		return 1
	fi
	say "$row $side: $out"
	for kv in $out; do
		case $kv in
		map_s=* | unmap_s=*) result "$row" "$side" "$round" "${kv%%=*}" "${kv#*=}" ;;
		thp_kb=*) [ "$backing" != thp ] || result "$row" "$side" "$round" thp_kb "${kv#*=}" ;;
		map2_s=*) result "vmap2-$backing-${mib}M" "$side" "$round" map_s "${kv#*=}" ;;
		pin2_kb=*) result "vmap2-$backing-${mib}M" "$side" "$round" pin_kb "${kv#*=}" ;;
		esac
	done
}

# Mapping and unmapping 256 MiB, 1 GiB and 2 GiB of anonymous memory
# through the IOTLB, per backing (tests/userspace/map_bench.c).
run_vmap() {
	local side=$1 round=$2 node node2 mib backing rc=0
	vmap_load "$side" || return 1
	vdpa dev add name bm0 mgmtdev vdpasim_net mac $MAC || return 1
	vdpa dev add name bm1 mgmtdev vdpasim_net mac 02:00:00:00:be:02 || return 1
	node=$(vhost_node bm0)
	node2=$(vhost_node bm1)
	[ -c "$node" ] && [ -c "$node2" ] || { echo "bm0/bm1: no vhost-vdpa node"; return 1; }
	for mib in $vmap_sizes; do
		for backing in $vmap_backings; do
			vmap_one "$node" "$node2" "$mib" "$backing" "$side" "$round" ||
				rc=1
		done
	done
	vdpa dev del bm1
	vdpa dev del bm0
	return $rc
}

# --- lifecycle ---------------------------------------------------------------

run_lifecycle() {
	local side=$1 round=$2 out k v line
	load "$side" net virtio_vdpa || return 1
	out=$(python3 -S "$repo/tests/bench/lifecycle.py" --count "$lifecycle_n" \
		--mgmtdev vdpasim_net --driver virtio_vdpa 2>&1) ||
		{ echo "lifecycle.py: $out"; return 1; }
	say "lifecycle-$lifecycle_n $side: $out"
	for kv in $out; do
		k=${kv%%=*} v=${kv#*=}
		result "lifecycle-$lifecycle_n" "$side" "$round" "$k" "$v"
	done
	# Scale once per side: memory per device does not need medians.
	[ "$round" = 1 ] || return 0
	out=$(python3 -S "$repo/tests/bench/lifecycle.py" --count "$scale_n" \
		--mgmtdev vdpasim_net --driver virtio_vdpa --memory \
		--detail "$work/scale-detail" 2>&1) || {
		na "scale-$scale_n" "$side" "failed: $(tail -n 1 <<<"$out")"
		echo "lifecycle.py --memory: $out"
		return 1
	}
	say "scale-$scale_n $side: $out"
	# What grew per device: meminfo fields and slab caches.
	while IFS= read -r line; do
		rec P "scale-$scale_n-memory" "$side" "$line"
	done <"$work/scale-detail"
	for kv in $out; do
		k=${kv%%=*} v=${kv#*=}
		result "scale-$scale_n" "$side" "$round" "$k" "$v"
	done
}

# --- vduse: qemu-storage-daemon's vduse-blk export through virtio_blk ------

# The disk behind the export: a 128 MiB file in the guest's tmpfs, written
# once first so that reads copy data and writes land on allocated pages.
vduse_image() {
	dd if=/dev/zero of="$work/$1.img" bs=1M count=128 status=none
}

# vduse_fio SIDE ROUND DEV: 4 KiB randread and randwrite at iodepth 1 and 32.
vduse_fio() {
	local side=$1 round=$2 dev=$3 rw qd
	for rw in randread randwrite; do
		for qd in 1 32; do
			fio_rec "vduse-blk-4k-$rw-qd$qd-j1" "$side" "$round" "$dev" \
				"$rw" "$qd" 1 || return 1
		done
	done
}

# Profiles (--profile, first round) of fio randread at iodepth 1 and 32:
# by symbol and by process (the daemon, fio, kworkers).
vduse_profile() {
	local side=$1 dev=$2 qd pid
	command -v perf >/dev/null || return 0	# run_profile says so
	for qd in 1 32; do
		fio --name=profile --filename="$dev" --rw=randread --bs=4k \
			--direct=1 --ioengine=libaio --iodepth="$qd" --numjobs=1 \
			--time_based --runtime=$((pktgen_s + 3)) --output=/dev/null &
		pid=$!
		sleep 2
		perf_during "vduse-blk-4k-randread-qd$qd-j1" "$side" comm
		# Not a bare wait: qemu-storage-daemon runs in the background too.
		wait "$pid"
	done
}

# The same daemon, export and workloads on both sides; only the kernel's
# vdpa, vduse and virtio_vdpa differ (load_stack: ours by modprobe, the
# in-tree ones by insmod, with the in-tree vhost_iotlb both ways).
run_vduse() {
	local side=$1 round=$2 rc=0 n=vb0
	command -v qemu-storage-daemon >/dev/null ||
		{ echo "no qemu-storage-daemon (apt-get install qemu-system-common)"; return 1; }
	intree=0
	[ "$side" = intree ] && intree=1
	load_stack || return 1
	{ is_side "$side" vdpa && is_side "$side" vduse &&
		is_side "$side" virtio_vdpa; } || return 1
	rm -f "/tmp/vduse-blk-$n" "$work/$n.qsd.log"
	vduse_image "$n" || return 1
	if qsd_start "$n" && add "$n" retry; then
		vduse_fio "$side" "$round" "/dev/$(e2e_disk "$n")" || rc=1
		if [ "$rc" = 0 ] && [ "$round" = 1 ] && wanted profile; then
			vduse_profile "$side" "/dev/$(e2e_disk "$n")"
		fi
		del "$n" || rc=1
	else
		rc=1
	fi
	[ -z "$QSD_PID" ] || qsd_stop "$n" || rc=1
	QSD_PID=
	[ "$rc" = 0 ] || cat "$work/$n.qsd.log"
	rm -f "$work/$n.img"
	return "$rc"
}

# --- vp: vp_vdpa on QEMU's virtio-pci functions ------------------------------

# The functions of scripts/vp-vdpa-devs.sh: net behind root port 00:10.0,
# block behind 00:12.0 (their bus numbers are the guest's), the peer net
# function at 00:11.0 on the same QEMU hub, always under virtio_net, in
# network namespace vp_ns with 192.0.2.2.  Set by vp_init.
pci=/sys/bus/pci
VP_PEER=0000:00:11.0
VP_PEER_MAC=52:54:00:12:34:71
vp_ns=vpbench
vp_net='' vp_blk='' vp_peer='' vp_dma_type='' vp_init_err=''

vp_fn() { basename "$(ls -d "$pci/devices/$1"/0000:* 2>/dev/null | head -n 1)"; }
pci_driver() { basename "$(readlink "$pci/devices/$1/driver" 2>/dev/null)"; }
pci_netif() { ls "$pci/devices/$1"/virtio*/net 2>/dev/null; }
pci_disk() { ls "$pci/devices/$1"/virtio*/block 2>/dev/null; }
iommu_group() { readlink -f "$pci/devices/$1/iommu_group"; }

# vp_unbind BDF: the function without a driver.
vp_unbind() {
	local cur
	cur=$(pci_driver "$1")
	[ -z "$cur" ] || echo "$1" >"$pci/drivers/$cur/unbind"
}

# vp_bind BDF DRIVER: vp_vdpa (ours; the in-tree one is vp-vdpa) through
# driver_override, virtio-pci with the override cleared (the way back).
vp_bind() {
	local want=$2
	[ "$2" = virtio-pci ] && want=
	echo "$want" >"$pci/devices/$1/driver_override" &&
		echo "$1" >"$pci/drivers/$2/bind"
}

# vp_domain BDF TYPE: the DMA domain of the function's IOMMU group
# (identity, DMA, DMA-FQ); the function must have no driver.
vp_domain() {
	local g
	g=$(iommu_group "$1")
	[ "$(cat "$g/type")" = "$2" ] && return 0
	echo "$2" >"$g/type" || { echo "$1: iommu group type $2 refused"; return 1; }
}

# Both functions back under virtio-pci, in their default DMA domains.
vp_reset() {
	local f
	for f in "$vp_net" "$vp_blk"; do
		if [ "$(pci_driver "$f")" != virtio-pci ] ||
			[ "$(cat "$(iommu_group "$f")/type")" != "$vp_dma_type" ]; then
			vp_unbind "$f" && vp_domain "$f" "$vp_dma_type" &&
				vp_bind "$f" virtio-pci || return 1
		fi
	done
	wait_for 20 eval '[ -n "$(pci_netif "$vp_net")" ] && [ -n "$(pci_disk "$vp_blk")" ]' ||
		{ echo "no netdev or disk under virtio-pci"; return 1; }
}

peer_rx() {
	ip -n "$vp_ns" -s -j link show dev "$vp_peer" | jq '.[0].stats64.rx.packets'
}

# Once per boot: find the functions, check that each is alone in its
# IOMMU group (so that its domain can change), put the peer in its
# namespace, write the disk once (reads then copy data and writes find
# the image's blocks allocated on every side).
vp_init() {
	local f g d
	vp_net=$(vp_fn 0000:00:10.0) vp_blk=$(vp_fn 0000:00:12.0)
	for f in "$vp_net" "$vp_blk" "$VP_PEER"; do
		[ -n "$f" ] && [ -e "$pci/devices/$f" ] ||
			{ echo "no vp_vdpa functions (scripts/vp-vdpa-devs.sh)"; return 1; }
	done
	for f in "$vp_net" "$vp_blk"; do
		g=$(iommu_group "$f")
		[ -d "$g" ] || { echo "$f: no IOMMU group (intel_iommu=on?)"; return 1; }
		[ "$(ls "$g/devices" | wc -l)" = 1 ] ||
			{ echo "$f: not alone in ${g##*/}: $(ls "$g/devices")"; return 1; }
	done
	vp_dma_type=$(cat "$(iommu_group "$vp_net")/type")
	vp_peer=$(pci_netif "$VP_PEER")
	vp_peer=${vp_peer##*/}
	[ -n "$vp_peer" ] || { echo "$VP_PEER: no netdev"; return 1; }
	ip netns add "$vp_ns" && ip link set "$vp_peer" netns "$vp_ns" &&
		ip netns exec "$vp_ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 &&
		ip -n "$vp_ns" addr add 192.0.2.2/24 dev "$vp_peer" &&
		ip -n "$vp_ns" link set lo up && ip -n "$vp_ns" link set "$vp_peer" up ||
		return 1
	d=$(pci_disk "$vp_blk")
	[ -n "$d" ] || { echo "$vp_blk: no disk"; return 1; }
	dd if=/dev/zero of="/dev/$d" bs=1M count=$(($(cat "/sys/block/$d/size") / 2048)) \
		oflag=direct status=none
}

# vp_iperf WORKLOAD SIDE ROUND [-R]: TCP from 192.0.2.1 to the peer's
# server (-R: from the peer), iperf_s seconds after one omitted.
vp_iperf() {
	local wl=$1 side=$2 round=$3 out gbps pid
	ip netns exec "$vp_ns" iperf3 -s -1 -B 192.0.2.2 >/dev/null 2>&1 &
	pid=$!
	wait_for 10 ip netns exec "$vp_ns" sh -c 'ss -ltn | grep -q ":5201 "' ||
		{ echo "$wl: no iperf3 server"; kill "$pid"; return 1; }
	out=$(timeout $((iperf_s + 30)) iperf3 -c 192.0.2.2 -B 192.0.2.1 \
		-t "$iperf_s" -O 1 -J "${@:4}")
	# The server ends after its one test; not if the client failed.
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	gbps=$(jq -r '.end.sum_received.bits_per_second / 1e9' <<<"$out" 2>/dev/null)
	[[ $gbps =~ ^[0-9.e+-]+$ ]] ||
		{ echo "$wl: $(jq -r '.error // "no result"' <<<"$out" 2>&1 | head -n 3)"; return 1; }
	say "$wl $side: $gbps Gbit/s"
	result "$wl" "$side" "$round" gbit_s "$gbps"
}

# vp_pktgen WORKLOAD SIDE ROUND IFC: one pktgen thread sends 64-byte UDP
# frames to the peer for pktgen_s seconds; packets/s sent (pktgen's count
# and time) and received (the peer's rx_packets over the same time).
vp_pktgen() {
	local wl=$1 side=$2 round=$3 ifc=$4 d=$4@0 t rx0 rx1 res usec pkts
	for t in "$pg"/kpktgend_*; do
		pgset rem_device_all "$t" || return 1
	done
	pgset "add_device $d" "$pg/kpktgend_0" || return 1
	for t in "count 0" "pkt_size 64" "delay 0" "clone_skb 0" \
		"dst_mac $VP_PEER_MAC" "dst 192.0.2.2"; do
		pgset "$t" "$pg/$d" || return 1
	done
	rx0=$(peer_rx)
	(echo start >$pg/pgctrl) &
	sleep "$pktgen_s"
	echo stop >$pg/pgctrl
	wait
	sleep 0.5
	rx1=$(peer_rx)
	res=$(grep -A1 '^Result: OK' "$pg/$d") ||
		{ echo "pktgen $d: $(grep Result "$pg/$d")"; return 1; }
	pgset rem_device_all "$pg/kpktgend_0"
	[[ $res =~ OK:\ ([0-9]+)\(c[0-9]+\+d[0-9]+\)\ usec,\ ([0-9]+)\ \( ]] ||
		{ echo "pktgen $d: cannot parse '$res'"; return 1; }
	usec=${BASH_REMATCH[1]} pkts=${BASH_REMATCH[2]}
	[ "$usec" -gt 0 ] && [ "$pkts" -gt 0 ] || { echo "pktgen sent nothing"; return 1; }
	local tx rx
	tx=$(awk -v p="$pkts" -v u="$usec" 'BEGIN { printf "%.1f", p * 1e6 / u }')
	rx=$(awk -v r="$((rx1 - rx0))" -v u="$usec" 'BEGIN { printf "%.1f", r * 1e6 / u }')
	say "$wl $side: sent $pkts in $usec us, the peer received $((rx1 - rx0)): tx $tx pps, rx $rx pps"
	result "$wl" "$side" "$round" tx_pps "$tx"
	result "$wl" "$side" "$round" rx_pps "$rx"
}

# vp_irq_snap FILE: /proc/interrupts and /proc/stat now, for vp_irq_delta.
vp_irq_snap() { cat /proc/interrupts /proc/stat >"$1"; }

# vp_irq_delta BEFORE AFTER BDF...: what happened between the two
# snapshots, per CPU (c0/c1/...): the functions' MSI-X interrupts (by IRQ
# number; then the CPU each lands on), rescheduling and function-call
# IPIs, local timer ticks, and the time each CPU spent busy (user, system,
# irq and softirq; in USER_HZ ticks), on one line.
vp_irq_delta() {
	local n f rows=" RES: CAL: LOC: " eff=
	for f in "${@:3}"; do
		for n in "$pci/devices/$f"/msi_irqs/*; do
			n=${n##*/}
			[ "$n" != "*" ] || continue
			rows+="$n: "
			eff+=" $n@$(cat "/proc/irq/$n/effective_affinity_list" 2>/dev/null)"
		done
	done
	awk -v rows="$rows" -v ncpu="$(nproc)" '
		$1 ~ /^cpu[0-9]+$/ { v = $2 + $3 + $4 + $7 + $8 }
		$1 ~ /^cpu[0-9]+$/ && FNR == NR { busy0[$1] = v; next }
		$1 ~ /^cpu[0-9]+$/ { busy = busy sep v - busy0[$1]; sep = "/"; next }
		index(rows, " " $1 " ") == 0 { next }
		FNR == NR { for (i = 2; i <= ncpu + 1; i++) b[$1, i] = $i; next }
		{
			s = $1
			for (i = 2; i <= ncpu + 1; i++)
				s = s (i == 2 ? "" : "/") $i - b[$1, i]
			printf "%s ", s
		}
		END { printf "busy:%s ", busy }' "$1" "$2"
	echo "eff$eff"
}

# vp_fio WORKLOAD SIDE ROUND DISK RW QD: fio_rec, and what its requests
# cost in interrupts, IPIs, context switches and CPU time, with what the
# net function did meanwhile (an I record per side and round).
vp_fio() {
	local wl=$1 side=$2 round=$3 ctx ios
	vp_irq_snap "$work/irq0"
	fio_rec "$wl" "$side" "$round" "/dev/$4" "$5" "$6" 1 || return 1
	vp_irq_snap "$work/irq1"
	read -r ctx ios < <(jq -r --arg k "${5#rand}" \
		'.jobs[0] | "\(.ctx) \(.[$k].total_ios)"' "$work/fio.json")
	info "$wl-$side-r$round-irqs" "ios $ios ctx $ctx $(vp_irq_delta \
		"$work/irq0" "$work/irq1" "$vp_blk" "$vp_net")"
}

# vp_facts SIDE DOMAIN DISK: how the block function is driven (once).
vp_facts() {
	local side=$1 dom=$2 disk=$3 q
	info "vp-$side-$dom-drivers" "$(pci_driver "$vp_net") $(pci_driver "$vp_blk")"
	info "vp-$side-$dom-net-features" "$(cat "$pci/devices/$vp_net"/virtio*/features)"
	info "vp-$side-$dom-blk-features" "$(cat "$pci/devices/$vp_blk"/virtio*/features)"
	for q in /sys/block/"$disk"/mq/*; do
		info "vp-$side-$dom-blk-hctx${q##*/}-cpus" \
			"$(cat "$q/cpu_list") tags $(cat "$q/nr_tags")"
	done
	[ "$side" = virtio_pci ] ||
		info "vp-$side-$dom-vdpa" "$(vdpa -j dev show vpb0 2>&1 | tr -d '\n')"
}

# vp_profile SIDE DISK: a flat profile of fio randread at iodepth 1.
vp_profile() {
	local side=$1 disk=$2
	fio --name=profile --filename="/dev/$disk" --rw=randread --bs=4k \
		--direct=1 --ioengine=libaio --iodepth=1 --numjobs=1 \
		--time_based --runtime=$((pktgen_s + 3)) --output=/dev/null &
	sleep 2
	perf_during vp-fio-4k-randread-qd1 "$side" comm
	wait
}

# vp_net_rows SIDE ROUND DOMAIN PREFIX: iperf3 and pktgen to the peer.
vp_net_rows() {
	local side=$1 round=$2 dom=$3 pfx=$4 ifc rc=0
	ifc=$(pci_netif "$vp_net")
	ifc=${ifc##*/}
	if ! ip addr add 192.0.2.1/24 dev "$ifc" || ! if_up "$ifc" ||
		! ping -q -c 1 -W 10 192.0.2.2 >/dev/null; then
		echo "$ifc: no ping reply from the peer"
		return 1
	fi
	vp_iperf "${pfx}iperf3-tx" "$side" "$round" || rc=1
	if [ "$dom" != identity ]; then
		vp_iperf "${pfx}iperf3-rx" "$side" "$round" -R || rc=1
	fi
	vp_pktgen "${pfx}pktgen-64B" "$side" "$round" "$ifc" || rc=1
	return "$rc"
}

# vp_measure SIDE ROUND DOMAIN: with both functions in DOMAIN (the
# default DMA domain, or identity: "pt", the IOMMU passing DMA through
# untranslated) and under SIDE's drivers, the workloads; with identity,
# a subset (workload prefix vp-pt-).  --vp-parts picks among the default
# domain's (net, fio); run_vp measures identity only with part pt.
vp_measure() {
	local side=$1 round=$2 dom=$3 pfx=vp- f disk rc=0 rw qd qds=(1 32)
	local parts=$vp_parts
	[ "$dom" = identity ] && pfx=vp-pt- qds=(32) parts=net,fio
	for f in "$vp_net" "$vp_blk"; do
		vp_unbind "$f" && vp_domain "$f" "$dom" || return 1
		vp_bind "$f" "$(vp_pci_driver "$side")" || return 1
	done
	if [ "$side" != virtio_pci ]; then
		vdpa dev add name vpn0 mgmtdev "pci/$vp_net" || return 1
		vdpa dev add name vpb0 mgmtdev "pci/$vp_blk" || return 1
	fi
	wait_for 20 eval '[ -n "$(pci_netif "$vp_net")" ] && [ -n "$(pci_disk "$vp_blk")" ]' ||
		{ echo "no netdev or disk on the functions under $side"; return 1; }
	disk=$(pci_disk "$vp_blk")
	disk=${disk##*/}
	[ "$round" != 1 ] || vp_facts "$side" "$dom" "$disk"
	if [[ ,$parts, == *,net,* ]]; then
		vp_net_rows "$side" "$round" "$dom" "$pfx" || rc=1
	fi
	if [[ ,$parts, == *,fio,* ]]; then
		for rw in randread randwrite; do
			for qd in "${qds[@]}"; do
				vp_fio "${pfx}fio-4k-$rw-qd$qd" "$side" "$round" \
					"$disk" "$rw" "$qd" || rc=1
			done
		done
		if [ "$dom" != identity ] && [ "$round" = 1 ] && wanted profile; then
			vp_profile "$side" "$disk" || rc=1
		fi
	fi
	if [ "$side" != virtio_pci ]; then
		vdpa dev del vpn0 || rc=1
		vdpa dev del vpb0 || rc=1
	fi
	return "$rc"
}

# The PCI driver of each side: the in-tree vp_vdpa registers as "vp-vdpa".
vp_pci_driver() {
	case $1 in
	ours) echo vp_vdpa ;;
	intree) echo vp-vdpa ;;
	virtio_pci) echo virtio-pci ;;
	esac
}

vp_load() {
	local m
	case $1 in
	ours)
		modprobe -a vp_vdpa virtio_vdpa || return 1 ;;
	intree)
		for m in drivers/vdpa/vdpa drivers/vdpa/virtio_pci/vp_vdpa \
			drivers/virtio/virtio_vdpa; do
			[ -e "/sys/module/${m##*/}" ] || insmod "$kdir/$m.ko" || return 1
		done ;;
	virtio_pci)
		! grep -q '^vdpa ' /proc/modules ||
			{ echo "vdpa is loaded on the virtio_pci side"; return 1; }
		return 0 ;;
	esac
	is_side "$1" vdpa && is_side "$1" vp_vdpa && is_side "$1" virtio_vdpa
}

run_vp() {
	local side=$1 round=$2 rc=0
	[ -z "$vp_init_err" ] || { echo "vp set-up failed: $vp_init_err"; return 1; }
	vp_reset || return 1
	vp_load "$side" || return 1
	vp_measure "$side" "$round" "$vp_dma_type" || rc=1
	if [[ ,$vp_parts, == *,pt,* ]]; then
		vp_measure "$side" "$round" identity || rc=1
	fi
	vp_reset || rc=1
	return "$rc"
}

# --- profile: where the time goes (opt-in) ----------------------------------

# perf_during WORKLOAD SIDE [SORT]: a flat system-wide profile of the next
# $pktgen_s seconds, as P records by symbol; with SORT also by that key
# (perf report --sort), as workload WORKLOAD-by-SORT.
perf_during() {
	local wl=$1 side=$2
	perf record -a -e cpu-clock -F 499 -o "$work/perf.data" \
		-- sleep "$pktgen_s" >/dev/null 2>&1 ||
		{ echo "perf record failed"; return 1; }
	perf_flat "$wl" "$side" sym
	[ -z "${3:-}" ] || perf_flat "$wl-by-$3" "$side" "$3"
}

perf_flat() {
	local line
	perf report -i "$work/perf.data" --stdio --no-children --sort "$3" \
		--percent-limit 0.5 2>/dev/null | grep -v -E '^(#|$)' | head -n 40 |
		while IFS= read -r line; do
			rec P "$1" "$2" "$line"
		done
}

profile_net() {
	local side=$1 ifc
	load "$side" net virtio_vdpa || return 1
	vdpa dev add name bp0 mgmtdev vdpasim_net mac $MAC mtu 1500 || return 1
	ifc=$(netif bp0)
	ethtool -L "$ifc" combined 1 2>/dev/null
	if_up "$ifc" || return 1
	during="perf_during net-virtio-64B-1qp $side"
	pktgen_run "$side" profile "$ifc" 64 1 | grep -v $'^R\t'
	during=
	vdpa dev del bp0
	unload_all
}

profile_blk() {
	local side=$1 d
	load "$side" blk virtio_vdpa || return 1
	vdpa dev add name bp1 mgmtdev vdpasim_blk || return 1
	d=$(disk bp1)
	dd if=/dev/zero of="/dev/$d" bs=1M oflag=direct status=none 2>/dev/null
	fio --name=profile --filename="/dev/$d" --rw=randread --bs=4k --direct=1 \
		--ioengine=libaio --iodepth=32 --numjobs=1 --time_based \
		--runtime=$((pktgen_s + 3)) --output=/dev/null &
	sleep 2
	perf_during blk-4k-randread-qd32-j1 "$side"
	wait
	vdpa dev del bp1
}

# Where adding and deleting devices spend their wall-clock time, waits
# included: lifecycle.py samples the kernel stack of its requesting thread.
# Then the memory of $scale_n devices bound to no driver (virtio_vdpa
# unloaded): the parent's and the bus's share of a device.
profile_lifecycle() {
	local side=$1 line out
	load "$side" net virtio_vdpa || return 1
	python3 -S "$repo/tests/bench/lifecycle.py" --count 50 \
		--mgmtdev vdpasim_net --driver virtio_vdpa \
		--stacks "$work/lc-stacks" || return 1
	while IFS= read -r line; do
		rec P lifecycle-stacks "$side" "$line"
	done <"$work/lc-stacks"
	rmmod virtio_vdpa || return 1
	out=$(python3 -S "$repo/tests/bench/lifecycle.py" --count "$scale_n" \
		--mgmtdev vdpasim_net --driver none --memory \
		--detail "$work/lc-unbound") || { echo "$out"; return 1; }
	rec P "scale-$scale_n-unbound-memory" "$side" "$out"
	while IFS= read -r line; do
		rec P "scale-$scale_n-unbound-memory" "$side" "$line"
	done <"$work/lc-unbound"
	unload_all
}

# One profile per side of the 64-byte pktgen run (1 pair) and of fio
# randread at iodepth 32: the workloads the issue sets targets for, each
# when its group is measured (vduse profiles itself, in run_vduse).
run_profile() {
	local side=$1 round=$2
	command -v perf >/dev/null || { echo "no perf: apt-get install linux-perf"; return 1; }
	[ "$round" = 1 ] || return 0
	if wanted net; then
		profile_net "$side" || return 1
	fi
	if wanted blk; then
		profile_blk "$side" || return 1
	fi
	if wanted lifecycle; then
		profile_lifecycle "$side" || return 1
	fi
}

# --- One group on one side ----------------------------------------------------

run_side() {
	local group=$1 side=$2 round=$3 out rc=0 lines d
	say "round $round: $group, $side"
	mark "$group" "$side" "$round"
	# Records and progress go through as they come, anything else is an
	# error message, shown if the group fails.
	"run_$group" "$side" "$round" 2>&1 | tee "$work/out" |
		grep --line-buffered -E $'^(R|N|I|K|P)\t|^# '
	rc=${PIPESTATUS[0]}
	out=$(grep -v -E $'^(R|N|I|K|P)\t|^# ' "$work/out")
	if [ "$rc" != 0 ]; then
		na "$group" "$side" "failed in round $round: $(tail -n 3 <<<"$out" | tr '\n\t' '  ')"
		say "$group $side failed:"
		mapfile -t lines <<<"$out"
		printf '#   %s\n' "${lines[@]}"
	fi
	# Whatever is left (devices first, so the modules can go).
	for d in "$bus"/devices/*; do
		[ -e "$d" ] && vdpa dev del "${d##*/}" 2>/dev/null
	done
	unload_all || na "$group" "$side" "modules stayed loaded after round $round"
	check_splats "$group" "$side"
}

# The vp group's three sides, rotated: each goes first, second and last
# once in three rounds.
vp_sides() {
	local s=(intree ours virtio_pci) i=$((($1 - 1) % 3))
	echo "${s[@]:i}" "${s[@]:0:i}"
}

main() {
	local round group side sides
	[ -d "$kdir/drivers/vdpa" ] || { echo "no in-tree vdpa modules in $kdir" >&2; exit 2; }
	trap 'rm -rf "$work"' EXIT
	modprobe pktgen || { echo "no pktgen (CONFIG_NET_PKTGEN)" >&2; exit 2; }
	[ -z "$(ls $bus/devices 2>/dev/null)" ] || { echo "vDPA devices exist already" >&2; exit 2; }
	grep -q '^vdpa ' /proc/modules && { echo "a vdpa module is loaded already" >&2; exit 2; }
	baseline_mods=$(cut -d' ' -f1 /proc/modules)
	info kernel "$rel"
	info cpus "$(nproc)"
	info mem_kb "$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)"
	info rounds "$rounds"
	info pktgen_seconds "$pktgen_s"
	info fio_seconds "$fio_s"
	info vhost_frames "$vhost_frames"
	info started "$(date -u +%FT%TZ)"
	wanted memcpy && run_memcpy
	if wanted vp; then
		info iperf_seconds "$iperf_s"
		if vp_init >"$work/vp-init" 2>&1; then
			info vp-functions "net $vp_net blk $vp_blk peer $VP_PEER"
			info vp-dma-domain "$vp_dma_type"
		else
			vp_init_err=$(tail -n 3 "$work/vp-init" | tr '\n\t' '  ')
			vp_init_err=${vp_init_err:-failed}
			say "vp set-up failed: $vp_init_err"
		fi
	fi
	for ((round = 1; round <= rounds; round++)); do
		sides="intree ours"
		[ $((round % 2)) = 0 ] && sides="ours intree"
		for group in net blk vhost vmap lifecycle vduse vp profile; do
			wanted "$group" || continue
			[ "$group" = vp ] && sides=$(vp_sides "$round")
			for side in $sides $(blk_limits "$group"); do
				run_side "$group" "$side" "$round"
			done
		done
	done
	info finished "$(date -u +%FT%TZ)"
}

main
