#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vm-tier: debug
#
# vhost_vdpa over vp_vdpa: QEMU's virtio-net-pci behind root port 00:10.0
# (disable-legacy=on, iommu_platform=on, page-per-vq=on, MAC
# 52:54:00:12:34:70), translated by QEMU's intel-iommu, with a peer
# virtio-net-pci (slot 0x11, virtio_net) on the same QEMU hub; the peer
# lives in a network namespace.  The function moves from virtio-pci to
# vp_vdpa and "vdpa dev add ... mgmtdev pci/<BDF>" makes a device bound to
# vhost_vdpa, which maps through the function's platform IOMMU domain
# (vp_vdpa has neither dma_map nor set_map).  Checked:
#
# 1. vdpa_user net-loop on /dev/vhost-vdpa-N, its rings and buffers in
#    that domain: frames of a private ethertype leave through the hub, a
#    reflector on the peer (packet socket, promiscuous) sends each back,
#    and every frame returns byte for byte; the peer's counters (ip -s
#    link) grew by exactly the frames and bytes sent.  Halfway, with the
#    queues running: no SUSPEND/RESUME backend feature is offered,
#    VHOST_VDPA_SUSPEND fails with EOPNOTSUPP, VHOST_GET_VRING_BASE of a
#    running queue fails with EOPNOTSUPP (the function cannot be stopped,
#    so no position is made up; drivers/vp_vdpa/ops.c), and the traffic
#    goes on.
# 2. The same with every kick written to the queues' mmap()ed doorbell
#    pages (page-per-vq) instead of the kick eventfds.
# 3. "vdpa dev del" while that vdpa_user still holds the device open with
#    the transmit doorbell mapped completes, and its next write to the
#    doorbell faults (SIGBUS) instead of reaching the reset function.
# 4. On the device added again: a nested QEMU (TCG, tests/lib/inner-guest.sh)
#    with -netdev vhost-vdpa on it (guest RAM a memfd, pinned like any
#    memory: vp_vdpa is a physical-address parent), whose guest pings the
#    peer (192.0.2.3 -> 192.0.2.2) and gets every reply intact; QEMU
#    mapped the doorbells (the /dev/vhost-vdpa-N lines of its
#    /proc/PID/maps) and exits cleanly; the device opens again afterwards,
#    is deleted, and the function goes back to virtio-pci with its
#    virtio_net netdev.
#
# VP_VDPA_INTREE=1 (tests/e2e-reference/vp-vdpa-intree.sh) runs it on the
# test kernel's own vdpa, vp_vdpa and vhost_vdpa (with vhost, vhost_iotlb
# and irqbypass; vp_load and VP_PDRV, tests/lib/vp_vdpa.sh).  Part 3
# differs there: the in-tree vhost_vdpa revokes nothing, its removal waits
# for the holder to close the device, so "vdpa dev del" must still be
# waiting after 5 s, completes once vdpa_user is released and exits, and
# the SIGBUS case is skipped (the doorbell stays mapped to the live
# function until then).
#
# Cost: about 115 s in the debug VM under TCG (2026-12-05, 143 s before):
# parts 1-3 about 23 s, with part 4's initramfs and ELF kernel built
# beside them, the nested QEMU about 80 s from its start to its exit: 62 s
# to the guest's result, most of it the inner kernel's boot, and 17 s of
# QEMU's exit (VDPA_E2E_SKIP_SLOW=1 skips part 4).
set -u
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/e2e.sh
. "$(dirname "$0")/../lib/e2e.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/vp_vdpa.sh
. "$(dirname "$0")/../lib/vp_vdpa.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/inner-guest.sh
. "$(dirname "$0")/../lib/inner-guest.sh"

PEER=0000:00:11.0
MAC=52:54:00:12:34:70
DEV=vpv0
FRAMES=512
SIZE=1514
PINGS=8
pci=/sys/bus/pci
BDF=$(vp_fn 0000:00:10.0)
ns=vpv$$
tmp=$(mktemp -d)
t_start=$SECONDS

[ -n "$BDF" ] && [ -e "$pci/devices/$BDF" ] && [ -e "$pci/devices/$PEER" ] ||
	tap_bail "no virtio-net-pci at $BDF and $PEER (scripts/check.sh adds them)"
[ -e "$pci/devices/$BDF/iommu_group" ] ||
	tap_bail "$BDF is in no IOMMU group: boot with QEMU's intel-iommu and intel_iommu=on"
e2e_need_tools jq python3 qemu-system-x86_64
e2e_need_modules vp_vdpa vhost_vdpa
e2e_find_vdpa_user || tap_bail "no vdpa_user: run make -C tests/userspace on the host"
[ ! -e /sys/module/virtio_vdpa ] ||
	tap_bail "virtio_vdpa is loaded: it could take the device"

REFL_PID=
BUILD_PID=
cleanup() {
	[ -z "$BUILD_PID" ] || kill "$BUILD_PID" 2>/dev/null
	inner_cleanup
	[ -z "$REFL_PID" ] || kill "$REFL_PID" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	# Only when needed: the vdpa tool would load the vdpa module again.
	[ ! -e "/sys/bus/vdpa/devices/$DEV" ] || vdpa dev del "$DEV" 2>/dev/null
	[ "$(vp_driver "$BDF")" = virtio-pci ] || vp_to_virtio_pci "$BDF" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# The peer's counter $1 (rx.packets, tx.bytes, ...), from ip -s link.
peer_stat() {
	ip -n "$ns" -s -j link show "$peer" | jq -r ".[0].stats64.$1"
}

# The reflector: on the peer, every frame of ethertype 0x88b5 that arrives
# is sent back as it is (to the vDPA device's MAC, from net-loop's); it
# prints "ready", and "reflected N" when it gets SIGTERM.  Sets REFL_PID:
# not to be called in a subshell.
start_reflector() {
	ip netns exec "$ns" python3 -S -c '
import signal, socket, sys
n = 0
def done(*_):
    print("reflected %d" % n, flush=True)
    sys.exit(0)
signal.signal(signal.SIGTERM, done)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88b5))
s.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE
s.bind((sys.argv[1], 0x88b5))
print("ready", flush=True)
while True:
    f, addr = s.recvfrom(65536)
    if addr[2] == socket.PACKET_OUTGOING:
        continue
    s.send(f)
    n += 1
' "$peer" >"$tmp/refl.out" 2>&1 &
	REFL_PID=$!
}
refl_ready() { wait_for 20 grep -q '^ready' "$tmp/refl.out"; }

# Stops the reflector; prints how many frames it sent back.
stop_reflector() {
	kill "$REFL_PID" 2>/dev/null
	wait "$REFL_PID" 2>/dev/null
	REFL_PID=
	sed -n 's/^reflected //p' "$tmp/refl.out"
}

# Four tests: the peer saw and returned exactly $2 frames of $SIZE bytes
# since the counters $3 (rx.packets rx.bytes tx.packets) were read; $1 the
# run's name.
peer_counted() {
	local what=$1 n=$2 rx rxb tx refl
	read -r rx rxb tx <<<"$3"
	refl=$(stop_reflector)
	tap_is "$(($(peer_stat rx.packets) - rx))" "$n" \
		"$what: the peer's rx_packets grew by the $n frames sent (ip -s link)"
	tap_is "$(($(peer_stat rx.bytes) - rxb))" "$((n * SIZE))" \
		"$what: the peer's rx_bytes grew by $n x $SIZE"
	tap_is "$(($(peer_stat tx.packets) - tx))" "$n" \
		"$what: the peer's tx_packets grew by the $n frames reflected"
	tap_is "$refl" "$n" "$what: the reflector returned $n frames"
}

counters() { echo "$(peer_stat rx.packets) $(peer_stat rx.bytes) $(peer_stat tx.packets)"; }

tap_plan 37
e2e_begin
# Part 4's initramfs and ELF kernel are made meanwhile, on the other vCPU
# (gcc, cpio and the kernel's decompression take about 17 s under TCG).
if [ -z "${VDPA_E2E_SKIP_SLOW:-}" ]; then
	{
		inner_build_initrd "$tmp" >"$tmp/build.log" 2>&1
		rc=$?
		echo "$SECONDS" >"$tmp/build.end"
		exit "$rc"
	} &
	BUILD_PID=$!
fi
tap_run "load vp_vdpa and vhost_vdpa ($([ "$VP_INTREE" = 1 ] && echo in-tree || echo ours))" \
	vp_load vp_vdpa vhost_vdpa
tap_run "$BDF: virtio-pci to $VP_PDRV (driver_override, bind)" vp_to_driver "$BDF" "$VP_PDRV"
tap_run "vdpa dev add $DEV mgmtdev pci/$BDF, bound to vhost_vdpa" \
	e2e_vhost_dev_add "$DEV" "pci/$BDF"
node=$(e2e_vhost_node "$DEV")
tap_diag "$DEV: $node, IOMMU group $(basename "$(readlink "$pci/devices/$BDF/iommu_group")")"

peer=$(vp_netif "$PEER")
peer=${peer##*/}
setup_peer() {
	ip netns add "$ns" && ip link set "$peer" netns "$ns" &&
		ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$peer.disable_ipv6=1" &&
		ip -n "$ns" link set "$peer" promisc on &&
		ip -n "$ns" link set "$peer" up && ip -n "$ns" link set lo up
}
tap_run "peer $peer (virtio_net) in netns $ns, promiscuous, IPv6 off" setup_peer

# --- 1. the ring over the platform IOMMU, eventfd kicks -------------------
start_reflector
tap_run "reflector on the peer ready" refl_ready
c0=$(counters)
out=$(timeout 120 "$E2E_VDPA_USER" net-loop --dev "$node" --frames "$FRAMES" \
	--size "$SIZE" --ring 64 --timeout 10000 --stop-probe 2>&1)
rc=$?
tap_is "$rc" 0 "vdpa_user net-loop: $FRAMES frames out through the hub and back byte for byte"
[ "$rc" = 0 ] || tap_diag "$out"
tap_diag "$(grep -E '^# (net-loop|stop-probe)' <<<"$out")"
tap_run "the device offers no SUSPEND/RESUME, VHOST_VDPA_SUSPEND fails with EOPNOTSUPP" \
	grep -q '^# stop-probe: no SUSPEND/RESUME offered .*VHOST_VDPA_SUSPEND: EOPNOTSUPP' <<<"$out"
tap_is "$(sed -n 's/^# stop-probe: vq \([01]\) base: /\1 /p' <<<"$out" | tr '\n' ' ')" \
	"0 EOPNOTSUPP 1 EOPNOTSUPP " \
	"VHOST_GET_VRING_BASE of the running rx and tx queues: EOPNOTSUPP (no made-up position)"
peer_counted "eventfd kicks" "$FRAMES" "$c0"

# --- 2. kicks through the doorbell pages; it stays mapped for part 4 ------
start_reflector
tap_run "reflector on the peer ready again" refl_ready
c0=$(counters)
coproc HOLD { exec timeout 300 "$E2E_VDPA_USER" net-loop --dev "$node" \
	--frames "$FRAMES" --size "$SIZE" --ring 64 --timeout 10000 \
	--doorbell --hold 2>&1; }
hold_pid=$HOLD_PID
hold_in=${HOLD[1]}
# A copy of its output's end, which bash closes when it reaps the coproc.
exec {hold_out}<&"${HOLD[0]}"
line=$(e2e_reply "${HOLD[0]}")
tap_is "$line" held \
	"vdpa_user net-loop --doorbell: $FRAMES frames back byte for byte, kicks only through the mmap()ed doorbells"
peer_counted "doorbell kicks" "$FRAMES" "$c0"

# --- 3. removal with the doorbell mapped -----------------------------------
t0=$SECONDS
if [ "$VP_INTREE" = 1 ]; then
	# In D state, with the vdpa core's device lock held, until the close.
	timeout 120 vdpa dev del "$DEV" >"$tmp/del.out" 2>&1 &
	del_pid=$!
	sleep 5
	waited=no
	! kill -0 "$del_pid" 2>/dev/null || waited=yes
	{ echo >&"$hold_in"; } 2>/dev/null
	wait "$hold_pid"
	rc=$?
	wait "$del_pid"
	tap_is "$waited/$?" yes/0 \
		"vdpa dev del $DEV waits while vdpa_user holds $node open (still after 5 s), completes once it closed it"
	tap_diag "vdpa dev del took $((SECONDS - t0)) s, 5 of them before the release$(sed 's/^/: /' "$tmp/del.out")"
	tap_skip "the doorbell write after the removal faulted (SIGBUS) instead of reaching the function" \
		"the in-tree vhost_vdpa revokes no mapping: its removal waits for the last close"
	tap_diag "vdpa_user wrote the doorbell while the removal waited: exit status $rc"
	tap_diag "$(timeout 5 cat <&"$hold_out")"
else
	tap_run "vdpa dev del $DEV while vdpa_user holds $node open, doorbell mapped" \
		timeout 60 vdpa dev del "$DEV"
	tap_diag "vdpa dev del took $((SECONDS - t0)) s"
	{ echo >&"$hold_in"; } 2>/dev/null
	wait "$hold_pid"
	tap_is "$?" 0 "the doorbell write after the removal faulted (SIGBUS) instead of reaching the function"
fi
exec {hold_out}<&-
tap_run "$node and $DEV are gone" \
	sh -c "! test -e $node && ! test -e /sys/bus/vdpa/devices/$DEV"

# --- 4. a nested QEMU on the device added again ---------------------------
tap_run "vdpa dev add $DEV again, bound to vhost_vdpa" \
	e2e_vhost_dev_add "$DEV" "pci/$BDF"
node=$(e2e_vhost_node "$DEV")
tap_run "the peer gets 192.0.2.2/24" ip -n "$ns" addr add 192.0.2.2/24 dev "$peer"

inner_part() {
	local held=0 qpid maps rc t0 t1 th
	wait "$BUILD_PID"
	rc=$?
	BUILD_PID=
	tap_is "$rc" 0 "inner initramfs built (gcc -static, in the background since the start)"
	[ "$rc" = 0 ] || tap_diag "$(cat "$tmp/build.log")"
	read -r rc 2>/dev/null <"$tmp/build.end"
	tap_diag "the build ended $((rc - t_start)) s after the start, $((SECONDS - rc)) s before it was needed"
	inner_pick_kernel
	tap_diag "inner kernel: ${INNER_KERNEL:-none}$([ ! -s "$tmp/vmlinux" ] || echo ", booted through its PVH entry")"
	t0=$SECONDS
	# The in-tree vhost_vdpa charges the pinned guest RAM against
	# RLIMIT_MEMLOCK even for root (ours exempts CAP_IPC_LOCK): with the
	# default 8 MiB QEMU's first map of the RAM failed ("vhost vdpa map
	# fail!", EFAULT from the write of the IOTLB update).
	[ "$VP_INTREE" != 1 ] || ulimit -l unlimited
	# page-per-vq=on: QEMU puts a vhost-vdpa doorbell page in the guest's
	# notification area only when its own doorbells are a page apart.
	# 80 MB (Debian's kernel needs about 70): vhost-vdpa pins every page
	# of it, and QEMU's exit, which releases them, took 18 s with 128 MB.
	INNER_FRAMES=$PINGS INNER_NET_OPTS=page-per-vq=on INNER_MEM_MB=80 \
		INNER_APPEND="inner.ip=192.0.2.3/24 inner.ping=192.0.2.2" \
		inner_start "$tmp" "$node" "$MAC"
	inner_wait_hold "$tmp" "$((INNER_TIMEOUT - 30))" && held=1
	th=$((SECONDS - t0))
	# While the guest holds, only what must see QEMU alive: its maps.
	qpid=$(pgrep -P "$INNER_PID" -f qemu-system | head -n 1)
	maps=$(grep -c " $node\$" "/proc/${qpid:-0}/maps" 2>/dev/null)
	tap_diag "QEMU at the hold: $(grep -hE '^(VmRSS|RssAnon|RssFile|RssShmem):' "/proc/$qpid/status" 2>/dev/null | tr -s ' \t\n' ' ')"
	[ "$held" = 0 ] || inner_release "$tmp" || true
	tap_is "$held" 1 "QEMU runs the inner guest to its result ($th s)"
	[ "$held" = 1 ] || tap_diag "$(_inner_tail "$tmp")"
	tap_is "$((${maps:-0} >= 2))" 1 \
		"QEMU (pid ${qpid:-none}) mapped the doorbells: ${maps:-0} $node mapping(s) in its maps"
	# The guest's results, read while QEMU winds down.
	tap_is "$(inner_field "$tmp" LINK mac "$MAC")" "$MAC" \
		"the inner guest's interface has the MAC $MAC and its link is up"
	tap_is "$(inner_field "$tmp" PING sent "$MAC")/$(inner_field "$tmp" PING replies "$MAC")/$(inner_field "$tmp" PING bad "$MAC")" \
		"$PINGS/$PINGS/0" \
		"the inner guest pinged 192.0.2.2 (the peer): $PINGS of $PINGS replies, intact"
	t1=$SECONDS
	inner_wait
	tap_diag "nested QEMU: $((SECONDS - t0)) s from start to exit, $((SECONDS - t1)) s of them waiting for its exit"
	tap_is "$INNER_RC" 0 "QEMU exited cleanly after the guest powered off"
	# Stopping a queue, QEMU asks for its position (VHOST_GET_VRING_BASE),
	# which the function cannot give: it says so for each queue, and falls
	# back to the ring's used index.  Nothing else may be on its stderr.
	if grep -vE '^qemu-system-x86_64: vhost VQ [0-2] ring restore failed: -95: Operation not supported \(95\)$' \
		"$tmp/qemu.err" | grep -q .; then
		tap_fail "QEMU's stderr: only 'ring restore failed: -95' (EOPNOTSUPP) for the queues it stopped" \
			"$(cat "$tmp/qemu.err")"
	else
		tap_ok "QEMU's stderr: only 'ring restore failed: -95' (EOPNOTSUPP) for the queues it stopped"
		tap_diag "QEMU stderr: $(cat "$tmp/qemu.err")"
	fi
	tap_is "$(_inner_splats "$tmp")" "" "the inner guest's kernel logged no report"
	_inner_reopens "$node"
}
if [ -n "${VDPA_E2E_SKIP_SLOW:-}" ]; then
	for i in $(seq 9); do
		tap_skip "nested QEMU, part $i" "VDPA_E2E_SKIP_SLOW is set"
	done
else
	inner_part
fi

# --- the function back to virtio-pci ---------------------------------------
tap_run "vdpa dev del $DEV after QEMU exited" timeout 60 vdpa dev del "$DEV"
tap_run "unbind from $VP_PDRV: pci/$BDF gone" \
	sh -c "echo $BDF >$pci/drivers/$VP_PDRV/unbind && ! vdpa mgmtdev show pci/$BDF >/dev/null 2>&1"
tap_run "$BDF back to virtio-pci: a virtio_net netdev again" \
	eval 'vp_to_virtio_pci "$BDF" && wait_for 10 eval "[ -n \"\$(vp_netif $BDF)\" ]"'
ip netns del "$ns"
e2e_end
tap_diag "81: $((SECONDS - t_start)) s in all"
tap_done
