#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Netlink fuzzing of the "vdpa" family with "vdpanl.py fuzz": seeded
# random messages over one socket -- every command of the family and
# unknown ones, every attribute with valid, boundary and invalid payloads
# (wrong length and type, missing NUL, huge numbers, names with '/',
# empty and overlong, nested garbage), unknown and duplicated attributes,
# with and without NLM_F_DUMP, NLM_F_ACK and other flags, broken
# attribute streams, truncated headers, several messages per datagram --
# about 30% of them well-formed requests (dumps and doits) on vdpasim_net,
# vdpasim_blk and vdpa_test, on the fuzzer's own devices (named fz*,
# created and deleted as it goes) and on three devices created here
# beforehand with the vdpa tool, which the fuzzer only reads.
# Every reply must be a proper ack, error or data message answering a
# request, with an errno the family can return and an extack message
# where the family sets one, within 5 s. After each seed the state
# ("vdpa -j" dev show, dev config show, mgmtdev show, the devices on the
# bus) must be byte for byte the one before; at the end the three
# devices still work and delete cleanly, and the kernel logged no report.
#
# Knobs: NL_FUZZ_COUNT messages in all (default 12000 in make check;
# 100000 or more for a campaign), split over three seeds NL_FUZZ_SEED, +1
# and +2 (default 1). Cost: measured in the TCG test VM with KASAN and
# lockdep, 85 messages per second (the valid DEV_NEW/DEV_DEL pairs, a
# device registered and released each, dominate): about 2.5 minutes for
# the default, 20 minutes for 100000. Natively the fuzzer builds 100000
# messages in about 3 s ("vdpanl.py fuzz --dry-run"). Each seed prints its
# rate. A failing seed is rerun with the command line printed in its
# diagnostics (--trace prints every request's outcome).
set -u
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/e2e.sh
. "$(dirname "$0")/../lib/e2e.sh"

lib=$(cd "$(dirname "$0")/../lib" && pwd)
nl() { python3 -S "$lib/vdpanl.py" "$@"; }
COUNT=${NL_FUZZ_COUNT:-12000}
SEED=${NL_FUZZ_SEED:-1}
KEEP=(keep_net keep_blk keep_test)
keep_list=$(IFS=,; echo "${KEEP[*]}")

# What the fuzzing must leave as it found it.
state() {
	vdpa -j dev show
	vdpa -j dev config show
	vdpa -j mgmtdev show
	ls /sys/bus/vdpa/devices
}
# undiag TEXT: TEXT without the "# " starting its lines (the fuzzer's
# output, printed again as diagnostics).
undiag() {
	local s=$'\n'$1
	s=${s//$'\n'# /$'\n'}
	printf '%s' "${s#$'\n'}"
}
# Devices on the bus, sorted, on one line.
on_bus() { find /sys/bus/vdpa/devices -mindepth 1 -printf '%f\n' | sort | xargs; }
# dev_works NAME: "vdpa dev show NAME" succeeds and shows NAME (run by
# tap_run).
# shellcheck disable=SC2317
dev_works() {
	local out
	out=$(vdpa dev show "$1") || return 1
	[[ $out == "$1: "* ]] || { echo "$out"; return 1; }
}

tap_plan 20

e2e_begin
if [ -e /sys/module/virtio_vdpa ] || [ -e /sys/module/vhost_vdpa ]; then
	tap_bail "virtio_vdpa or vhost_vdpa is loaded: it would take the devices"
fi
tap_run "load vdpa_sim_net, vdpa_sim_blk, vdpa_test_parent, vdpa_test_driver" \
	modprobe -a vdpa_sim_net vdpa_sim_blk vdpa_test_parent vdpa_test_driver
[ "$TAP_LAST_OK" = 1 ] || tap_bail "a module of the test is missing"

# --- devices that exist before the fuzzing, one per management device ---
tap_run "vdpa dev add keep_net (vdpasim_net, mac, mtu, max_vqp 2)" \
	vdpa dev add name keep_net mgmtdev vdpasim_net mac 02:00:00:00:37:01 \
	mtu 1500 max_vqp 2
tap_run "vdpa dev add keep_blk (vdpasim_blk)" \
	vdpa dev add name keep_blk mgmtdev vdpasim_blk
tap_run "vdpa dev add keep_test (vdpa_test, mac, max_vqp 2)" \
	vdpa dev add name keep_test mgmtdev vdpa_test mac 02:00:00:00:37:03 \
	max_vqp 2
before=$(state)
tap_is "$(on_bus)" "keep_blk keep_net keep_test" \
	"before: exactly the three devices on the bus"
[ "$TAP_LAST_OK" = 1 ] || tap_bail "cannot set up the devices to keep"

# --- three seeds, COUNT messages in all ---
left=$COUNT
for i in 0 1 2; do
	seed=$((SEED + i))
	n=$((left / (3 - i)))
	left=$((left - n))
	args=(fuzz --seed "$seed" --count "$n" --keep "$keep_list")
	rc=0
	out=$(nl "${args[@]}" 2>&1) || rc=$?
	if [ "$rc" = 0 ]; then
		tap_ok "fuzz seed $seed: $n messages, every reply proper"
		tap_diag "$(undiag "$out")"
	else
		tap_fail "fuzz seed $seed: $n messages, every reply proper" \
			"exit status $rc; reproduce: python3 tests/lib/vdpanl.py ${args[*]}"$'\n'"$(undiag "$out")"
	fi
	tap_is "$(state)" "$before" "fuzz seed $seed: the state is unchanged"
done

# --- the devices from before still work, and go cleanly ---
for d in "${KEEP[@]}"; do
	tap_run "vdpa dev show $d works after the fuzzing" dev_works "$d"
done
for d in "${KEEP[@]}"; do
	tap_run "vdpa dev del $d" vdpa dev del "$d"
done
tap_is "$(on_bus)" "" "no device left on the bus"
e2e_end
tap_done
