#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vm-tier: debug
#
# Netlink fuzzing of the "vdpa" family with "vdpanl.py fuzz": seeded
# random messages, 64 to a datagram -- every command of the family and
# unknown ones, every attribute with valid, boundary and invalid payloads
# (wrong length and type, missing NUL, huge numbers, names with '/',
# empty and overlong, nested garbage), unknown and duplicated attributes,
# with and without NLM_F_DUMP, NLM_F_ACK and other flags, broken
# attribute streams, truncated headers and framing, and a grid of every
# command x flag class x attribute type on a well-formed request (all of
# it each seed) -- about 25% of them well-formed requests (dumps and
# doits) on vdpasim_net, vdpasim_blk and vdpa_test, on the fuzzer's own
# devices (named fz*, created and deleted as it goes) and on three
# devices created here beforehand with the vdpa tool, which the fuzzer
# only reads. Every reply must be a proper ack, error or data message
# answering a request, with an errno the family can return and an extack
# message where the family sets one, within 5 s; every 10000 messages
# what is not the fuzzer's must be as before. After each seed the state
# ("vdpa -j" dev show, dev config show, mgmtdev show, the devices on the
# bus) must be byte for byte the one before; at the end the three
# devices still work and delete cleanly, and the kernel logged no report.
#
# The fuzzer's devices stay unbound (drivers_autoprobe 0 while it runs):
# binding vdpa_test_driver to each would make every device add and del
# dearer still, the dearest requests already (a device registered and
# released). The three devices from before are bound, which is what
# DEV_VSTATS_GET needs to answer with data.
#
# Knobs: NL_FUZZ_COUNT messages in all (default 100000), split over three
# seeds NL_FUZZ_SEED, +1 and +2 (default 1), each run as NL_FUZZ_JOBS
# concurrent streams (default 2: one per vCPU; the kernel's work for a
# message is done in the sending process). Cost: measured in the TCG test
# VM with KASAN, lockdep and kmemleak, see Documentation/testing.rst. A
# failing seed is rerun with the command line printed in its diagnostics
# (--trace prints every request's outcome; --jobs 1 runs its streams one
# at a time, --dry-run only builds the messages).
set -u
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/e2e.sh
. "$(dirname "$0")/../lib/e2e.sh"

COUNT=${NL_FUZZ_COUNT:-100000}
SEED=${NL_FUZZ_SEED:-1}
JOBS=${NL_FUZZ_JOBS:-2}
KEEP=(keep_net keep_blk keep_test)
keep_list=$(IFS=,; echo "${KEEP[*]}")
autoprobe=/sys/bus/vdpa/drivers_autoprobe

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
# set_autoprobe 0|1: drivers_autoprobe of the vdpa bus, read back (run
# by tap_run).
# shellcheck disable=SC2317
set_autoprobe() {
	echo "$1" >"$autoprobe" || return 1
	[ "$(cat "$autoprobe")" = "$1" ]
}

tap_plan 22

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

# The bus must not be left without autoprobe, whatever happens.
trap '[ ! -e "$autoprobe" ] || echo 1 >"$autoprobe"' EXIT
trap 'exit 1' INT TERM
tap_run "drivers_autoprobe 0: the fuzzer's devices stay unbound" \
	set_autoprobe 0

# --- three seeds, COUNT messages in all ---
left=$COUNT
for i in 0 1 2; do
	seed=$((SEED + i))
	n=$((left / (3 - i)))
	left=$((left - n))
	args=(fuzz --seed "$seed" --count "$n" --jobs "$JOBS" --keep "$keep_list")
	rc=0
	out=$(nl "${args[@]}" 2>&1) || rc=$?
	if [ "$rc" = 0 ]; then
		tap_ok "fuzz seed $seed: $n messages, every reply proper"
		tap_diag "$(undiag "$out")"
	else
		tap_fail "fuzz seed $seed: $n messages, every reply proper" \
			"exit status $rc; reproduce (drivers_autoprobe 0): python3 tests/lib/vdpanl.py ${args[*]}"$'\n'"$(undiag "$out")"
	fi
	tap_is "$(state)" "$before" "fuzz seed $seed: the state is unchanged"
done

tap_run "drivers_autoprobe back to 1" set_autoprobe 1
trap - EXIT INT TERM

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
