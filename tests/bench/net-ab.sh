#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A/B runs of the net group's 64-byte, 1-pair pktgen row in one boot, the
# variants switched by module parameters between runs (guest side; the
# functions of tests/bench/run-in-vm.sh):
#
#   tests/bench/net-ab.sh STEP...
#
# Steps, run in order: load (our modules), unload, dev / del (add or
# delete the device bo0), m:LABEL (one pktgen run on bo0, with the
# per-CPU time split), pr:LABEL (the same under perf, by CPU and command
# and by symbol with callers), p:MODULE.PARAM=VALUE (write a parameter),
# ours / split / noevt / splitnoevt / noind (two runs on a device of
# its own, all features / without RING_PACKED / EVENT_IDX / both /
# INDIRECT_DESC), wqcpu0 / wqcpu1 (the workqueue on one CPU), profile,
# intree / profile-intree (the in-tree modules; unload ours first), veth.
#
# From the host, after scripts/bench.sh built its copy of the tree
# (~/.cache/vdpa-oot/bench-tree-*, whose scripts/vm-run.sh boots the
# benchmark kernel with the copy's modules; sync it from this tree first
# as bench.sh's sync_copy does), e.g.:
#
#   cd ~/.cache/vdpa-oot/bench-tree-XXXX && scripts/vm-run.sh --mem 2048 \
#     -- tests/bench/net-ab.sh load dev m:def p:vdpa_sim_net.inline_kick=1 \
#     m:inline p:vdpa_sim_net.inline_kick=0 del unload intree veth
#
# Output: run-in-vm.sh's progress lines ("# ..."), one per run.
args=("$@")
set --
# run-in-vm.sh without its last line (main): its functions and settings.
# shellcheck source=/dev/null
. <(sed '$d' "$(dirname "$0")/run-in-vm.sh")
set -- "${args[@]}"
# Set for run-in-vm.sh's functions (pktgen_run, unload_all); repo too.
# shellcheck disable=SC2034
pktgen_s=${PKTGEN_S:-3}
modprobe pktgen || exit 2
# shellcheck disable=SC2034
baseline_mods=$(cut -d' ' -f1 /proc/modules)
repo=${repo:?}
bit() { local m=0 b; for b; do m=$((m | (1 << b))); done; echo $m; }
# Our features (net and core); "load" reads them from the device.
ALL=$(bit 0 1 3 5 15 16 17 18 19 20 21 22 23 27 28 29 32 33 34 35 38 40)
P=$(bit 34) E=$(bit 29) I=$(bit 28)

# Per CPU: name, user+nice, system, idle, irq, softirq.
cpustat() { awk '/^cpu[0-9]/ { print $1, $2+$3, $4, $5, $7, $8 }' /proc/stat; }
# one measurement of device/iface: LABEL IFC [RXIFC]
meas() {
	local a b
	a=$(cpustat)
	pktgen_run "$1" x "$2" 64 1 "${3:-$2}" | grep '^#'
	b=$(cpustat)
	paste <(echo "$a") <(echo "$b") | awk -v l="$1" '{ t=($8+$9+$10+$11+$12)-($2+$3+$4+$5+$6);
		printf "#   %s %s: user %.0f%% sys %.0f%% idle %.0f%% irq %.0f%% softirq %.0f%%\n", l, $1,
		100*($8-$2)/t, 100*($9-$3)/t, 100*($10-$4)/t, 100*($11-$5)/t, 100*($12-$6)/t }'
}
dev_up() {	# NAME [vdpa dev add args]
	local n=$1 ifc; shift
	if [ "${1:-}" = device_features ]; then
		python3 -S "$repo/tests/lib/vdpanl.py" send DEV_NEW DEV_NAME=str:"$n" \
			MGMTDEV_DEV_NAME=str:vdpasim_net DEV_FEATURES=u64:"$2" \
			DEV_NET_CFG_MACADDR=hex:$MAC DEV_NET_CFG_MTU=u16:1500 >/dev/null || return 1
	else
		vdpa dev add name "$n" mgmtdev vdpasim_net mac $MAC mtu 1500 "$@" || return 1
	fi
	ifc=$(netif "$n")
	ethtool -L "$ifc" combined 1 2>/dev/null
	if_up "$ifc"
	echo "# $n: ring $([ "$(feature "$n" 34)" = 1 ] && echo packed || echo split) event_idx $(feature "$n" 29)"
	echo "$ifc"
}
ours() {	# LABEL REPS [dev args]
	local l=$1 r=$2 ifc i; shift 2
	ifc=$(dev_up bo0 "$@" | tee /dev/stderr | tail -n1)
	for ((i = 0; i < r; i++)); do meas "$l" "$ifc"; done
	vdpa dev del bo0
}
prof() {	# LABEL IFC
	perf record -a -g -e cpu-clock -F 499 -o /tmp/perf.data -- sleep 3 >/dev/null 2>&1 &
	pktgen_run "$1" x "$2" 64 1 | grep '^#'
	wait
	perf report -i /tmp/perf.data --stdio --no-children --sort cpu,comm --percent-limit 2 -g none 2>/dev/null | grep -v -E '^(#|$)' | head -20 | sed "s/^/#  P $1 /"
	perf report -i /tmp/perf.data --stdio --no-children --sort sym --percent-limit 1 -g caller,0.5,callee --max-stack 8 2>/dev/null | grep -v -E '^(#|$)' | head -150 | sed "s/^/#  G $1 /"
}
param() { echo "$2" > "/sys/module/${1%%.*}/parameters/${1#*.}" && echo "# param $1=$2"; }

for x in "$@"; do
	case $x in
	intree)
		load intree net virtio_vdpa || exit 1
		ifc=$(dev_up bi0 | tail -n1); meas intree "$ifc"; meas intree "$ifc"
		vdpa dev del bi0; unload_all ;;
	veth)
		ip link add bveth0 type veth peer name bveth1
		ip link set bveth1 address "$MAC"; if_up bveth0; if_up bveth1
		meas veth bveth0 bveth1; ip link del bveth0 ;;
	load)
		load ours net virtio_vdpa || exit 1
		ALL=$(python3 -S "$repo/tests/lib/vdpanl.py" send MGMTDEV_GET \
			MGMTDEV_DEV_NAME=str:vdpasim_net | sed -n 's/^DEV_SUPPORTED_FEATURES=//p')
		echo "# supported $ALL" ;;
	unload) unload_all ;;
	ours*) ours "$x" 2 ;;
	split) ours split 2 device_features $((ALL & ~P)) ;;
	noevt) ours packed-noevt 2 device_features $((ALL & ~E)) ;;
	splitnoevt) ours split-noevt 2 device_features $((ALL & ~P & ~E)) ;;
	noind) ours noind 2 device_features $((ALL & ~I)) ;;
	wqcpu1)
		echo 2 > /sys/devices/virtual/workqueue/vdpa_sim/cpumask; ours wq-cpu1 2
		echo 3 > /sys/devices/virtual/workqueue/vdpa_sim/cpumask ;;
	wqcpu0)
		echo 1 > /sys/devices/virtual/workqueue/vdpa_sim/cpumask; ours wq-cpu0 1
		echo 3 > /sys/devices/virtual/workqueue/vdpa_sim/cpumask ;;
	profile)
		ifc=$(dev_up bo0 | tail -n1); prof ours-prof "$ifc"; vdpa dev del bo0 ;;
	profile-intree)
		load intree net virtio_vdpa || exit 1
		ifc=$(dev_up bi0 | tail -n1); prof intree-prof "$ifc"; vdpa dev del bi0; unload_all ;;
	dev) IFC=$(dev_up bo0 | tail -n1) ;;
	del) vdpa dev del bo0 ;;
	m:*) meas "${x#m:}" "$IFC" ;;
	pr:*) prof "${x#pr:}" "$IFC" ;;
	p:*) x=${x#p:}; param "${x%%=*}" "${x#*=}" ;;
	*) echo "unknown $x"; exit 2 ;;
	esac
done
dmesg | grep -i -E "warn|bug|vdpa" | tail -5
