#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vm-tier: stock
# vm-retry: what QEMU 7.2 may still do to a migrating guest (below)
#
# Live migration of a QEMU guest whose NIC is a vhost-vdpa device (issue
# 18): QEMU 7.2 processes nested in the test VM (TCG, like 75), each
# with one virtio-net-pci on a vdpasim_net device through
# /dev/vhost-vdpa-N, guest memory a shared memfd, migrated over a unix
# socket (-incoming on the destination, QMP "migrate" on the source,
# "query-migrate" polled) while the inner guest (tests/userspace/
# inner_init.c, inner.flow) sends a steady flow of frames to its own MAC,
# each numbered and with the CRC32 of its payload, checks every one that
# comes back, and parks the latest 4096 in the receive buffers the device
# wrote them to, checking those when they leave the park and when the flow
# ends.  One guest with split rings travels through five QEMUs:
#
#   c -> d -> e  no x-svq: QEMU reads the pages the device dirtied from
#                our vhost_vdpa log (VHOST_F_LOG_ALL, VHOST_SET_LOG_BASE),
#                fed by the simulator's set_dirty_log (mig2, mig3:
#                vdpa_sim.dirty_log=1); e is mig2 again, after its reset
#   e -> a       from our log to QEMU's shadow virtqueues (x-svq=on on a)
#   a -> b       x-svq=on on both: the reference, QEMU logging alone
#                (mig0, mig1 made with dirty_log=0: x-svq refuses a device
#                that offers VHOST_F_LOG_ALL)
#
# All four have features x-svq accepts.  With VDPA_E2E_MIGRATE_PACKED=1 a
# second guest, with packed rings (packed=on) and every feature but the
# receive filters (mig4, mig5), goes p -> q through our log; make check
# leaves it out (160 s more; 74 checks the packed ring's log exactly).  The
# other way, from x-svq to a destination without it, QEMU 7.2 cannot go:
# its shadow virtqueues drop the buffers in flight at the source (all the
# receive buffers), and the destination's vhost_vdpa_set_vring_base()
# makes them available again in its own queue state only after it read
# the base it gives the device, so the device starts without them.
#
# Before all that, a QEMU on a device with neither the log nor x-svq must
# refuse to migrate with QEMU's own blocker ("vhost lacks
# VHOST_F_LOG_ALL").  Checked at each hop: the migration completes, the
# source ends "postmigrate" and the destination "running", the flow goes
# on there (its counters continue, not reset) with no frame lost,
# duplicated or damaged, the destination device counts the frames
# (vendor statistics), the source exits cleanly and its device is reset;
# on the logged hops also that the source's vhost_vdpa log was on and
# pinned and lost nothing while QEMU migrated, that the simulator's writes
# reached it, and that it is off and unpinned afterwards.  At the end of
# each guest the park must hold frames sent before its last migration
# started (memory the device wrote on the source, carried over, verified
# on the destination), and the guest's kernel must have logged no report.
# Each hop's total time and downtime (query-migrate) are printed as
# diagnostics; VDPA_E2E_MIGRATE_DEBUG=1 also prints every console.
#
# Cost (stock VM under TCG): 183 s in the whole make check of 2026-12-06
# (134 s before the inner CPU lost cx16 and its memory gained the pad), up to
# 250 s with other VMs on the host: the split run's five QEMUs (the inner
# guest's boot, then 15 to 40 s per hop); 411 s with the packed run.
# VDPA_E2E_SKIP_SLOW=1 skips it.
#
# QEMU 7.2's TCG loses guest writes during a migration: the inner guest's
# memory is sized so that QEMU takes its page-by-page bitmap sync
# (INNER_MEM_PAD_KB below), and each hop turns the guest's churn on first
# (tests/userspace/inner_init.c, churn_start()).  And its CMPXCHG16B
# breaks the guest's flags around a migration: the inner CPU has no cx16
# (INNER_CPU below).
# shellcheck disable=SC2317 # functions run by trap, inner_until and tap_run
set -u
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/e2e.sh
. "$(dirname "$0")/../lib/e2e.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/inner-guest.sh
. "$(dirname "$0")/../lib/inner-guest.sh"

if [ -n "${VDPA_E2E_SKIP_SLOW:-}" ]; then
	echo "1..0 # SKIP slow test (VDPA_E2E_SKIP_SLOW is set)"
	exit 0
fi

MAC=02:00:00:00:76:01
PACKED=${VDPA_E2E_MIGRATE_PACKED:-0}
# Frames the flow must make on a destination after its switchover.
AFTER=200
# Migration parameters: a bandwidth that makes the first pass over the
# guest's memory take about a second while the device writes (QEMU's
# dirty-log syncs see the log; the script samples its state), QEMU's
# default downtime limit.
MIG_BW=$((64 << 20))
MIG_DOWNTIME=300
# The inner guest: small (the migration copies all of it), the flow.
INNER_MEM_MB=128
# 8 KiB more than 128 MiB: QEMU 7.2 syncs the migration bitmap of a RAM
# block whose size is a multiple of 64 pages a word at a time, without
# dropping the TCG TLB entries through which the vCPU then writes those
# pages unrecorded (the bug the churn works around, see churn(); fixed in
# QEMU 9.0); any other size takes its page-by-page path, which drops them
# (a hop's setup some 250 ms longer).  The churn stays as well.
INNER_MEM_PAD_KB=8
# Its CPU: QEMU's default model without CMPXCHG16B.  QEMU 7.2 emulates
# that instruction in a helper that computes the flags from the condition
# code state stored at the start of the translation block, not from the
# one the block's earlier instructions left (QEMU 8.0 inlined it, commit
# 5f0dd8cd33).  When a block starts on stored flags (the vCPU re-entering
# its loop, which a migration makes frequent: the source's stop, the
# destination's start, work queued on the vCPU), the guest's flags become
# an operand of an earlier instruction.  The inner guest died that way in
# 4 runs of 76 on 2026-12-05/06, on both kinds of hop: a double fault in
# SLUB's lockless allocation just after its "cmpxchg16b %gs:(%rsi)", with
# EFLAGS the low half of RDI (the source of the block's "add %rdi,%rax")
# plus ZF and IF, reserved bits set; once on the source mid-migration, the
# others on a destination just after the switchover.  Without cx16
# the guest's kernel takes its emulation of the instruction (pushf, cli,
# compare, popf), which QEMU 7.2 runs right.
INNER_CPU=qemu64,-cx16
INNER_TIMEOUT=900
INNER_HOLD=120
INNER_APPEND="inner.flow=900 inner.window=8 inner.park=4096 inner.rate=200 inner.churn=1000"

# Feature bits (virtio_net.h, virtio_config.h).
f() {
	local b m=0

	for b in "$@"; do
		m=$((m | 1 << b))
	done
	echo "$m"
}
# VERSION_1 ACCESS_PLATFORM MAC STATUS MRG_RXBUF CTRL_VQ CTRL_MAC_ADDR MQ
# EVENT_IDX: inside what QEMU 7.2's x-svq accepts (vdpa_svq_device_features
# and the transport bits vhost_svq_valid_features allows).
F_SVQ=$(f 32 33 5 16 15 17 23 22 29)
# Everything vdpasim_net offers but the receive filters (CTRL_RX,
# CTRL_RX_EXTRA, CTRL_VLAN), which QEMU 7.2 restores only under x-svq:
# CSUM GUEST_CSUM MTU MAC MRG_RXBUF STATUS CTRL_VQ GUEST_ANNOUNCE MQ
# CTRL_MAC_ADDR, ANY_LAYOUT INDIRECT_DESC EVENT_IDX VERSION_1
# ACCESS_PLATFORM RING_PACKED IN_ORDER NOTIFICATION_DATA RING_RESET.
F_FULL=$(f 0 1 3 5 15 16 17 21 22 23 27 28 29 32 33 34 35 38 40)

tmp=$(mktemp -d)
declare -A QPID=()       # QEMU instance -> pid
declare -A QNODE=()      # QEMU instance -> its /dev/vhost-vdpa-N
declare -A QDEV=()       # QEMU instance -> its vdpa device
cleanup() {
	local q

	inner_cleanup
	for q in "${!QPID[@]}"; do
		kill "${QPID[$q]}" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

simdbg=/sys/kernel/debug/vdpa_sim/vdpasim_net
dirty_param=/sys/module/vdpa_sim/parameters/dirty_log

# kv FILE KEY: KEY's value in FILE ("key: value" or "key value" lines)
# into KV, without a fork.
kv() {
	local k v

	KV=
	[ -r "$1" ] || return 0
	while IFS=' :' read -r k v; do
		[ "$k" != "$2" ] || KV=$v
	done <"$1"
}
# The simulator's status of device $1 (debugfs) into KV.
sim_status() { KV=; read -r KV <"$simdbg/$1/status"; }
# vhost_vdpa's log state of QEMU instance $1's device: KEY into KV.
vlog() { kv "/sys/kernel/debug/vhost_vdpa/${QNODE[$1]#/dev/}/log" "$2"; }

# first_field DIR TAG KEY: KEY on the first "INNER-TAG" line of DIR's
# console, into KV.
first_field() {
	local l

	KV=
	while IFS= read -r l; do
		[[ $l == "INNER-$2 "* ]] || continue
		[[ $l =~ \ $3=([^ ]*) ]] && KV=${BASH_REMATCH[1]%$'\r'}
		return
	done <"$1/console.log"
}
# last_field DIR TAG KEY: the same on the last line, into KV (no fork).
last_field() {
	local l

	KV=
	while IFS= read -r l; do
		[[ $l == "INNER-$2 "* ]] || continue
		[[ $l =~ \ $3=([^ ]*) ]] && KV=${BASH_REMATCH[1]%$'\r'}
	done <"$1/console.log"
}
# flow_ge Q MIN: the guest's flow on QEMU instance Q has sent MIN frames
# (or Q's QEMU has ended: the caller's check tells).
flow_ge() {
	kill -0 "${QPID[$1]}" 2>/dev/null || return 0
	last_field "$tmp/$1" FLOW sent
	[ -n "$KV" ] && [ "$KV" -ge "$2" ]
}

# vstats DEV QIDX: the vendor statistics of queue QIDX of DEV, "name=value"
# separated by spaces, into VSTATS.
vstats() {
	VSTATS=$(nl send DEV_VSTATS_GET DEV_NAME=str:"$1" DEV_QUEUE_INDEX=u32:"$2" 2>&1 |
		awk -F= '$1 == "DEV_VENDOR_ATTR_NAME" { n = $2 }
			$1 == "DEV_VENDOR_ATTR_VALUE" { printf "%s%s=%s", sep, n, $2; sep = " " }')
}

# A vdpasim_net device for the migration: name, features, all the same MAC
# (QEMU 7.2 without x-svq restores no MAC on the destination).
add_dev() {
	nl send DEV_NEW DEV_NAME=str:"$1" MGMTDEV_DEV_NAME=str:vdpasim_net \
		DEV_FEATURES=u64:"$2" DEV_NET_CFG_MACADDR=hex:"$MAC" >/dev/null &&
		[ "$(e2e_bound_to "$1")" = vhost_vdpa ] &&
		[ -c "$(e2e_vhost_node "$1")" ]
}

# add_devs FEATURES DEV...: add_dev for each.
add_devs() {
	local d

	for d in "${@:2}"; do
		add_dev "$d" "$1" || return 1
	done
}

# start_qemu Q DEV NETDEV-OPTS NET-OPTS [QEMU ARGS...]: QEMU instance Q on
# device DEV, its files in $tmp/Q, its QMP client named Q.
start_qemu() {
	local q=$1 dir=$tmp/$1

	mkdir -p "$dir" || return 1
	ln -sf "$tmp/img/initrd.cpio.gz" "$dir/initrd.cpio.gz"
	[ ! -s "$tmp/img/vmlinux" ] || ln -sf "$tmp/img/vmlinux" "$dir/vmlinux"
	QDEV[$q]=$2
	QNODE[$q]=$(e2e_vhost_node "$2")
	# shellcheck disable=SC2054 # QEMU's commas
	INNER_QEMU_ARGS=(-chardev "socket,id=qmp,path=$dir/qmp.sock,server=on,wait=off"
		-mon chardev=qmp,mode=control "${@:5}")
	INNER_NETDEV_OPTS=$3 INNER_NET_OPTS=$4 \
		inner_start "$dir" "${QNODE[$q]}" "$MAC" || return 1
	QPID[$q]=$INNER_PID
	INNER_PID=
	inner_qmp_open "$q" "$dir/qmp.sock"
}

# qemu_status Q: QEMU instance Q's run state (query-status), into KV.
qemu_status() {
	KV=
	inner_qmp "$1" query-status &&
		[[ $INNER_QMP_REPLY =~ \"status\":\ \"([a-z-]+)\" ]] &&
		KV=${BASH_REMATCH[1]}
}

# quit_qemu Q: QMP quit, then QEMU's exit status into KV (124: killed).
quit_qemu() {
	local pid=${QPID[$1]}

	inner_qmp "$1" quit 10 || true
	inner_qmp_close "$1"
	if ! inner_until "$tmp/$1" 60 eval "! kill -0 $pid 2>/dev/null"; then
		kill "$pid" 2>/dev/null
	fi
	KV=0
	wait "$pid" || KV=$?
	unset "QPID[$1]"
}

the_tail() {
	echo "console of $1 (last 12 lines but the flow's and the TX watchdog's, then the flow's last 3):"
	tr -d '\r' <"$tmp/$1/console.log" |
		grep -av 'INNER-FLOW \|NETDEV WATCHDOG\|TX timeout' | tail -n 12
	tr -d '\r' <"$tmp/$1/console.log" | grep -a 'INNER-FLOW ' | tail -n 3
	echo "QEMU stderr of $1:"
	cat "$tmp/$1/qemu.err"
	echo "kernel log (vdpa/vhost lines, last 15):"
	dmesg | grep -aiE 'vdpa|vhost' | tail -n 15
}

# ---------------------------------------------------------------------------

# mig_poll Q: one query-migrate of source Q; 0 once it ended (completed or
# failed), the answer in MIG.  When LOGGED is set, also samples the
# source's vhost_vdpa log and the simulator's while it runs.
MIG=
mig_poll() {
	inner_qmp "$1" query-migrate || return 0
	MIG=$INNER_QMP_REPLY
	case $MIG in
	*'"status": "completed"'* | *'"status": "failed"'* | *'"status": "cancelled"'*)
		return 0 ;;
	esac
	if [ -n "$LOGGED" ]; then
		vlog "$1" logging
		[ "$KV" != 1 ] || SEEN_LOGGING=1
		vlog "$1" pinned
		[ -z "$KV" ] || [ "$KV" -le "$MAX_PINNED" ] || MAX_PINNED=$KV
		vlog "$1" lost
		[ -z "$KV" ] || [ "$KV" -le "$MAX_LOST" ] || MAX_LOST=$KV
		kv "$simdbg/${QDEV[$1]}/dirty_log" log
		[ "$KV" != 1 ] || SIM_LOGGING=1
	fi
	return 1
}

# num KEY: the number KEY has in MIG, into KV.
num() {
	KV=
	[[ $MIG =~ \"$1\":\ ([0-9.]+) ]] && KV=${BASH_REMATCH[1]%%.*}
}

# churn Q WORD: "churn" or "calm" to the guest on QEMU instance Q, and its
# answer waited for.  QEMU 7.2's TCG loses guest writes across a
# migration's dirty-bitmap sync: the sync clears the migration bits but
# leaves the TLB entries through which the vCPU writes those pages
# unrecorded (QEMU 9.0 has the fix, commit 03bfc2188f, "physmem: Fix
# migration dirty bitmap coherency with TCG memory access").  With
# pre-copy passes the destination's kernel crashed on corrupt lists within
# a second, under x-svq as without, and so did a plain virtio-net guest
# of QEMU 7.2 (no vhost at all) migrated the same way on the host.  While
# QEMU migrates, the guest churns (inner_init.c, churn_start()): a
# process waking every millisecond makes its kernel write CR3, which
# flushes TCG's TLB.
churn() {
	local q=$1 want=on n=0 l

	[ "$2" = churn ] || want=off
	while IFS= read -r l; do
		[[ $l != "INNER-CHURN $want"* ]] || n=$((n + 1))
	done <"$tmp/$q/console.log"
	inner_send "$tmp/$q" "$2"
	inner_until "$tmp/$q" 30 churned "$q" "$want" "$n"
}
# churned Q ON|OFF N: Q's console has more than N "INNER-CHURN ON|OFF".
churned() {
	local n=0 l

	while IFS= read -r l; do
		[[ $l != "INNER-CHURN $2"* ]] || n=$((n + 1))
	done <"$tmp/$1/console.log"
	[ "$n" -gt "$3" ]
}

LOGGED='' SEEN_LOGGING=0 MAX_PINNED=0 MAX_LOST=0 SIM_LOGGING=0
SENT_AT_START=
# hop FROM TO DESC LOGGED: migrate the guest from running QEMU instance
# FROM to TO (started with -incoming on $tmp/TO/mig.sock), with the
# checks above; LOGGED=1 for a hop through our log.  TO carries the
# guest afterwards.
hop() {
	local from=$1 to=$2 desc=$3 t0=$SECONDS sent_end v ok rx0=0
	LOGGED=$4 SEEN_LOGGING=0 MAX_PINNED=0 MAX_LOST=0 SIM_LOGGING=0

	# The destination's counters before: a device may have served before.
	vstats "${QDEV[$to]}" 0
	[[ $VSTATS =~ rx_packets=([0-9]+) ]] && rx0=${BASH_REMATCH[1]}
	last_field "$tmp/$from" FLOW sent
	SENT_AT_START=$KV
	inner_qmp "$from" "migrate-set-parameters {\"max-bandwidth\": $MIG_BW, \"downtime-limit\": $MIG_DOWNTIME}" ||
		tap_diag "migrate-set-parameters: $INNER_QMP_REPLY"
	churn "$from" churn ||
		tap_diag "$desc: the guest did not confirm its churn"
	if ! inner_qmp "$from" "migrate {\"uri\": \"unix:$tmp/$to/mig.sock\"}"; then
		tap_fail "$desc: QMP migrate accepted" "$INNER_QMP_REPLY"
		churn "$from" calm
		return 1
	fi
	MIG=
	inner_until "$tmp/$from" 300 mig_poll "$from"
	if [[ $MIG != *'"status": "completed"'* ]]; then
		inner_qmp "$from" query-migrate
		tap_fail "$desc: the migration completes ($((SECONDS - t0)) s)" \
			"query-migrate: $INNER_QMP_REPLY"$'\n'"$(the_tail "$from")"$'\n'"$(the_tail "$to")"
		churn "$from" calm
		return 1
	fi
	tap_ok "$desc: the migration completes ($((SECONDS - t0)) s)"
	num total-time; v="total $KV ms"
	num downtime; v+=", downtime $KV ms"
	num setup-time; v+=", setup $KV ms"
	num transferred; v+=", $((KV / 1048576)) MiB sent"
	num dirty-sync-count; v+=", $KV dirty syncs"
	num mbps; v+=", $KV Mbit/s"
	tap_diag "$desc: $v (query-migrate)"
	qemu_status "$from"
	tap_is "$KV" postmigrate "$desc: the source is postmigrate"
	qemu_status "$to"
	tap_is "$KV" running "$desc: the destination is running"

	if [ -n "$LOGGED" ]; then
		_inner_ge "$desc: while QEMU migrated, the source's log was on with pages pinned (vhost_vdpa debugfs)" \
			"$((SEEN_LOGGING * MAX_PINNED))" 1
		tap_is "$MAX_LOST" 0 "$desc: ... and lost no page (bits outside the pinned log)"
		tap_is "$SIM_LOGGING" 1 "$desc: ... and the simulator had a log set"
		vlog "$from" set
		_inner_ge "$desc: the simulator's writes reached the log (vhost_vdpa debugfs: set)" "$KV" 1
		vlog "$from" logging; v=$KV
		vlog "$from" pinned
		tap_is "logging $v, pinned $KV" "logging 0, pinned 0" \
			"$desc: after the migration the source logs no more and pins no log"
		vlog "$from" lost
		tap_is "$KV" 0 "$desc: no page lost in the whole migration"
	fi

	# The source's flow has stopped: its last line is where the
	# destination takes over.
	last_field "$tmp/$from" FLOW sent
	sent_end=$KV
	ok=0
	inner_until "$tmp/$to" 180 flow_ge "$to" $((sent_end + AFTER)) && ok=1
	kill -0 "${QPID[$to]}" 2>/dev/null || ok=0
	if [ "$ok" = 1 ]; then
		tap_ok "$desc: the flow goes on on the destination ($AFTER frames after the switchover)"
	else
		tap_fail "$desc: the flow goes on on the destination ($AFTER frames after the switchover)" \
			"$(the_tail "$to")"
	fi
	churn "$to" calm ||
		tap_diag "$desc: the guest did not confirm the end of its churn"
	first_field "$tmp/$to" FLOW sent
	_inner_ge "$desc: the guest's counters continue (first line on the destination: sent=$KV, last on the source: $sent_end)" \
		"$KV" "${sent_end:-1}"
	last_field "$tmp/$to" FLOW lost; v="lost $KV"
	last_field "$tmp/$to" FLOW dup; v+=", dup $KV"
	last_field "$tmp/$to" FLOW bad; v+=", bad $KV"
	last_field "$tmp/$to" FLOW park_bad; v+=", park_bad $KV"
	tap_is "$v" "lost 0, dup 0, bad 0, park_bad 0" \
		"$desc: no frame lost, duplicated or damaged so far"
	vstats "${QDEV[$to]}" 0
	v=$VSTATS
	vstats "${QDEV[$to]}" 1
	tap_diag "$desc: ${QDEV[$to]}'s vendor statistics: $v $VSTATS"
	[[ $v =~ rx_packets=([0-9]+) ]] && v=${BASH_REMATCH[1]}
	_inner_ge "$desc: the destination device (${QDEV[$to]}) counts the frames it looped back (rx_packets from $rx0)" \
		"$((v - rx0))" "$AFTER"

	# The source's exit takes a while (QEMU unpins the guest's memory):
	# it is told to quit now and reaped when its device is needed again
	# or the guest's run ends.
	inner_qmp "$from" quit 10 || true
	inner_qmp_close "$from"
	RETIRED+=("$from") RDESC[$from]=$desc RLOGGED[$from]=$LOGGED
}

RETIRED=()
declare -A RDESC=() RLOGGED=()
# reap Q: QEMU instance Q, told to quit after its guest left, has exited
# cleanly, its device is reset and (logged hops) its log unpinned.
reap() {
	local q=$1 desc=${RDESC[$1]} pid=${QPID[$1]} i

	inner_until "$tmp/$q" 120 eval "! kill -0 $pid 2>/dev/null" ||
		kill "$pid" 2>/dev/null
	KV=0
	wait "$pid" || KV=$?
	unset "QPID[$q]"
	for i in "${!RETIRED[@]}"; do
		[ "${RETIRED[i]}" != "$q" ] || unset "RETIRED[i]"
	done
	tap_is "$KV" 0 "$desc: the source QEMU exits cleanly on quit"
	sim_status "${QDEV[$q]}"
	tap_is "$KV" 0x00 "$desc: the source device (${QDEV[$q]}) is reset"
	if [ -n "${RLOGGED[$q]}" ]; then
		vlog "$q" pinned
		tap_is "$KV" 0 "$desc: the source's log is unpinned after QEMU closed it"
	fi
}

# reap_dev DEV: reap the retired QEMU on DEV, if any; reap_all: all.
reap_dev() {
	local q

	for q in "${RETIRED[@]}"; do
		[ "${QDEV[$q]}" != "$1" ] || reap "$q"
	done
}
reap_all() {
	local q

	for q in "${RETIRED[@]}"; do
		reap "$q"
	done
}

# finish Q: stop the flow on the guest's last QEMU instance Q and check
# it whole; then the guest powers off (or QEMU is told to quit if the
# flow did not end).
finish() {
	local q=$1 dir=$tmp/$1 v ok=0

	inner_release "$dir"
	inner_until "$dir" 60 _inner_has_line "$dir/console.log" INNER-PARK && ok=1
	if [ "$ok" = 0 ]; then
		tap_fail "the flow ends on the host's word with its results" "$(the_tail "$q")"
	else
		tap_ok "the flow ends on the host's word with its results"
	fi
	v=$(inner_field "$dir" RESULT sent)
	_inner_ge "the guest sent frames through the whole run" "$v" 1
	tap_is "$(inner_field "$dir" RESULT received)" "$v" \
		"every frame of the flow came back ($v frames)"
	v="lost $(inner_field "$dir" RESULT lost), dup $(inner_field "$dir" RESULT dup), bad $(inner_field "$dir" RESULT bad)"
	tap_is "$v" "lost 0, dup 0, bad 0" \
		"no frame lost, duplicated or damaged (checksum, length, number)"
	v="bad $(inner_field "$dir" PARK bad), seqerr $(inner_field "$dir" PARK seqerr), drops $(inner_field "$dir" PARK drops)"
	tap_is "$v" "bad 0, seqerr 0, drops 0" \
		"every frame out of the park intact and in order, none dropped"
	tap_diag "park at the end: $(inner_field "$dir" PARK held) frames, numbers $(inner_field "$dir" PARK first) to $(inner_field "$dir" PARK last); the last migration started at frame $SENT_AT_START"
	v=$(inner_field "$dir" PARK first)
	if [[ $v =~ ^[0-9]+$ ]] && [[ $SENT_AT_START =~ ^[0-9]+$ ]] &&
		[ "$v" -le "$SENT_AT_START" ]; then
		tap_ok "the park held frames from before the last migration, intact on the destination"
	else
		tap_fail "the park held frames from before the last migration, intact on the destination" \
			"first parked frame: $v, frames sent when the migration started: $SENT_AT_START"
	fi

	if [ "$ok" = 1 ]; then
		INNER_PID=${QPID[$q]}
		inner_wait_hold "$dir" 60 && inner_release "$dir"
		inner_wait
		unset "QPID[$q]"
		inner_qmp_close "$q"
		tap_is "$INNER_RC" 0 "QEMU exited cleanly after the guest powered off"
		tap_run "the inner guest powered off by itself" grep -q '^INNER-DONE' "$dir/console.log"
	else
		quit_qemu "$q"
		tap_fail "QEMU exited cleanly after the guest powered off" "no power off: told to quit (exit status $KV)"
		tap_fail "the inner guest powered off by itself"
	fi
}

# debug_dump Q...: with VDPA_E2E_MIGRATE_DEBUG=1, the consoles (all but
# the middle of the flow's lines) and QEMU's stderr of instances Q.
debug_dump() {
	local q

	[ "${VDPA_E2E_MIGRATE_DEBUG:-0}" = 1 ] || return 0
	for q in "$@"; do
		tap_diag "--- console of $q:"
		tap_diag "$(tr -d '\r' <"$tmp/$q/console.log" | awk '/^INNER-FLOW /{ n++; if (n > 3) { last = $0; next } } { print } END { if (last) print "... " last }')"
		tap_diag "--- QEMU stderr of $q:"
		tap_diag "$(cat "$tmp/$q/qemu.err")"
	done
	tap_diag "--- kernel log (vdpa, vhost):"
	tap_diag "$(dmesg | grep -aiE 'vdpa|vhost' | tail -n 30)"
}

# No kernel report and no virtio error in any console of the guest, no
# vhost-vdpa error from any QEMU.
consoles_clean() {
	local q v=

	for q in "$@"; do
		v+=$(splat_file "$tmp/$q/console.log")
		v+=$(grep -aiE 'virtio.*(error|fail|bad|not a head|timed out|timeout)' "$tmp/$q/console.log")
	done
	tap_is "$v" "" "the inner guest's kernel logged no report and no virtio error ($*)"
	v=
	for q in "$@"; do
		v+=$(grep -iE 'vhost|vdpa|error|fail' "$tmp/$q/qemu.err")
	done
	tap_is "$v" "" "no QEMU printed a vhost-vdpa error ($*)"
}

# ---------------------------------------------------------------------------

[ ! -e /sys/module/virtio_vdpa ] ||
	tap_bail "virtio_vdpa is loaded: it could take the devices"
# The inner initramfs and kernel, made while the devices are set up.
mkdir -p "$tmp/img"
inner_build_initrd "$tmp/img" >"$tmp/img/build.log" 2>&1 &
build_pid=$!
inner_pick_kernel

tap_run "modprobe vhost_vdpa" modprobe vhost_vdpa
tap_run "modprobe vdpa_sim_net" modprobe vdpa_sim_net
[ -e "$dirty_param" ] ||
	tap_bail "vdpa_sim has no dirty_log parameter: not the simulator of issue 18"
tap_run "vdpa_sim.dirty_log=0: mig0, mig1 with x-svq's features (0x$(printf %x "$F_SVQ")), mac $MAC" \
	eval "echo 0 >$dirty_param && add_devs $F_SVQ mig0 mig1"
tap_run "vdpa_sim.dirty_log=1: mig2, mig3 with the same features, mig4, mig5 with all but the receive filters (0x$(printf %x "$F_FULL"))" \
	eval "echo 1 >$dirty_param && add_devs $F_SVQ mig2 mig3 && add_devs $F_FULL mig4 mig5"
kv "$simdbg/mig0/dirty_log" offered; v=$KV
kv "$simdbg/mig2/dirty_log" offered
tap_is "mig0 $v, mig2 $KV" "mig0 0, mig2 1" \
	"the simulator offers set_dirty_log as the parameter said at dev add"
rc=0
wait "$build_pid" || rc=$?
tap_is "$rc" 0 "inner initramfs built (gcc -static)"
[ "$rc" = 0 ] || tap_diag "$(tail -n 20 "$tmp/img/build.log")"
tap_diag "inner kernel: $INNER_KERNEL$([ ! -s "$tmp/img/vmlinux" ] || echo ", booted through its PVH entry")"

# --- The blocker: no log, no x-svq ----------------------------------------
t0=$SECONDS
if start_qemu neg mig0 "" "" -S; then
	inner_qmp neg "migrate {\"uri\": \"unix:$tmp/neg/mig.sock\"}"
	if [[ $INNER_QMP_REPLY == *'"error"'*'vhost lacks VHOST_F_LOG_ALL'* ]]; then
		tap_ok "without the log or x-svq, QEMU refuses to migrate: its blocker"
	else
		tap_fail "without the log or x-svq, QEMU refuses to migrate: its blocker" \
			"QMP migrate: $INNER_QMP_REPLY"
	fi
	quit_qemu neg
	tap_is "$KV" 0 "... and exits cleanly on quit ($((SECONDS - t0)) s)"
else
	tap_fail "QEMU starts on mig0 (-S)" "$(the_tail neg)"
fi

# next_hop TO DEV NETDEV-OPTS NET-OPTS DESC LOGGED: QEMU instance TO on
# DEV, the guest migrated there from CUR, which it becomes.  After a
# failed hop the guest stays where it was (QEMU resumes it) and the
# chain ends; LAST is where the guest is.
CUR='' LAST='' CHAIN=()
next_hop() {
	[ -n "$CUR" ] || return 0
	reap_dev "$2"
	if ! start_qemu "$1" "$2" "$3" "$4" -incoming "unix:$tmp/$1/mig.sock"; then
		tap_fail "$5: QEMU starts on $2 for the incoming guest" "$(the_tail "$1")"
		CUR=''
		return
	fi
	CHAIN+=("$1")
	if hop "$CUR" "$1" "$5" "$6"; then
		CUR=$1 LAST=$1
		return
	fi
	[ -z "${QPID[$1]:-}" ] || quit_qemu "$1"
	tap_diag "$5 failed: the chain ends on $CUR"
	CUR=''
}

# boot_start Q DEV NETDEV-OPTS NET-OPTS: a new inner guest on QEMU
# instance Q, booting in the background (guests boot while others run).
# boot_wait Q DESC: one test, its flow runs; 0 then, and CUR is Q.
declare -A BOOT_T0=() BOOT_OK=()
boot_start() {
	BOOT_T0[$1]=$SECONDS BOOT_OK[$1]=0
	start_qemu "$@" && BOOT_OK[$1]=1
}
boot_wait() {
	local t0=${BOOT_T0[$1]}

	CUR='' LAST='' CHAIN=("$1")
	if [ "${BOOT_OK[$1]}" = 1 ] &&
		inner_until "$tmp/$1" 300 flow_ge "$1" "$AFTER" &&
		kill -0 "${QPID[$1]}"; then
		tap_ok "$2: the inner guest boots and its flow runs ($((SECONDS - t0)) s)"
		CUR=$1 LAST=$1
		return 0
	fi
	tap_fail "$2: the inner guest boots and its flow runs ($((SECONDS - t0)) s)" "$(the_tail "$1")"
	[ -z "${QPID[$1]:-}" ] || quit_qemu "$1"
	return 1
}

# end_run DESC T0: the guest's whole-run checks, then the time taken.
end_run() {
	[ -z "$LAST" ] || finish "$LAST"
	reap_all
	consoles_clean "${CHAIN[@]}"
	debug_dump "${CHAIN[@]}"
	tap_diag "$1 took $((SECONDS - $2)) s"
}

T0=$SECONDS

# --- Split rings: c -> d -> e (our log), e -> a, a -> b (x-svq) --------------
if boot_start c mig2 "" "" && boot_wait c "split"; then
	next_hop d mig3 "" "" "c->d (vhost_vdpa's dirty log)" 1
	next_hop e mig2 "" "" "d->e (back to mig2, after its reset)" 1
	next_hop a mig0 x-svq=on "" "e->a (to x-svq)" 1
	next_hop b mig1 x-svq=on "" "a->b (x-svq on both, the reference)" ""
	if [ "$CUR" = b ]; then
		v=$(tr '\n' ' ' <"$simdbg/mig1/rx_filter")
		tap_is "$(sed -n 's/.*\(mac [^ ]*\) .*\(curr_vqp [0-9]*\).*/\1 \2/p' <<<"$v")" \
			"mac $MAC curr_vqp 1" "a->b: the destination device has the guest's MAC and queue pairs (QEMU restored them)"
	fi
fi
end_run "the split run" "$T0"

# --- Packed rings: p -> q --------------------------------------------------
if [ "$PACKED" = 1 ]; then
	t0=$SECONDS
	if boot_start p mig4 "" packed=on && boot_wait p "packed"; then
		next_hop q mig5 "" packed=on "p->q (packed, vhost_vdpa's dirty log)" 1
	fi
	end_run "the packed run" "$t0"
else
	tap_skip "packed: p->q" "VDPA_E2E_MIGRATE_PACKED is not 1"
fi
tap_diag "both runs took $((SECONDS - T0)) s"

for d in mig0 mig1 mig2 mig3 mig4 mig5; do
	tap_run "vdpa dev del $d" vdpa dev del "$d"
done
tap_run "rmmod vdpa_sim_net vdpa_sim vhost_vdpa vdpa vhost_iotlb" \
	rmmod vdpa_sim_net vdpa_sim vhost_vdpa vdpa vhost_iotlb
tap_done
