#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make check: everything CI runs, in order, each step counted as a test.
#
#   1. the test kernel (built once, then cached)
#   2. our modules against it, W=1 with warnings as errors
#   3. our modules built by DKMS against Debian's linux-headers-6.12.* (the
#      release whose image is in /boot too: the stock tier boots it)
#   4. checkpatch --strict, kernel-doc -Wall, sparse, the userspace test
#      tools
#   5. the debug-tier VM (our test kernel with its sanitizers, QEMU's
#      intel-iommu and a spare pci-testdev): every KUnit suite and every
#      e2e script marked "# vm-tier: debug" (errors, teardown, races,
#      fault injection, hostile input), then a kmemleak scan
#   6. the stock-tier VM (Debian's kernel, our modules from step 3 in
#      updates/): every script marked "# vm-tier: stock" (tool flows,
#      traffic, filesystems, the nested QEMU), failing on any load of an
#      in-box vDPA module
#   Each VM's serial log is scanned whole for kernel reports.
#
# Logs go to .check/ in the tree. .check/timing.txt lists the wall time of
# every step and of every KUnit module and e2e script in the VMs, slowest
# first; the ten slowest are printed before the summary. The last line is
# the summary "N passed, N failed, N skipped", with the host steps' and
# each VM's own counts just above it; the exit status is 0 iff nothing
# failed.
#
# Extra arguments are filters for tests/run-in-vm.sh: each goes to the VM
# whose tier has an item it selects, and a VM none selects is not booted.
# VDPA_CHECK_VM_TIMEOUT (seconds, default 4500) bounds the test VM run.
#
#   scripts/check.sh --reference SCRIPT [ARGS...]
# instead builds what the VM needs and runs SCRIPT (a reference runner of
# tests/e2e-reference/, e.g. vp-vdpa-intree.sh) in the debug-tier VM, with
# its devices; the exit status is the VM run's.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
logs=$root/.check
# One test VM run: boot, its suites and scripts, the kmemleak scans.
# Under TCG on 2 cores the debug VM takes ~19 minutes; CI allows 90 in all.
vm_timeout=${VDPA_CHECK_VM_TIMEOUT:-4500}
passed=0 failed=0 skipped=0
tier_counts=()   # one line per test VM: its guest's own counts

rm -rf "$logs" && mkdir -p "$logs"
cd "$root" || exit 1
# shellcheck source=../tests/lib/vm-tier.sh
. tests/lib/vm-tier.sh

timing=$logs/timing.unsorted
started=$SECONDS

# took SECONDS NAME: one line of the timing table.
took() { printf '%6d  %s\n' "$1" "$2" >>"$timing"; }

ok() { echo "ok - $1"; passed=$((passed + 1)); }
not_ok() { echo "not ok - $1"; failed=$((failed + 1)); }

# step NAME LOG CMD...: run CMD with its output in .check/LOG; show the tail
# of the log when it fails.
step() {
	local name=$1 log=$logs/$2 t0=$SECONDS
	shift 2
	if "$@" >"$log" 2>&1; then
		took $((SECONDS - t0)) "step: $name"
		ok "$name"
		return 0
	fi
	took $((SECONDS - t0)) "step: $name"
	not_ok "$name (log: ${log#"$root"/})"
	tail -n 30 "$log" | sed 's/^/#   /'
	return 1
}

# tier_of ITEM: the tiers a guest item runs on (KUnit: debug only).
tier_of() {
	case $1 in
	kunit/*) echo debug ;;
	e2e/*) vm_tier_of "tests/e2e/${1#e2e/}" ;;
	esac
}

# All guest items by name, as tests/run-in-vm.sh names them.
guest_items() {
	local f
	for f in tests/e2e/*.sh; do echo "e2e/${f##*/}"; done
	{
		find tests/kunit -type f -name '*.ko' 2>/dev/null
		find . -path ./.git -prune -o -type f -name '*_test.ko' -print
	} | sed 's|.*/|kunit/|; s|\.ko$||'
}

# filters_for TIER FILTER...: the filters that select an item of TIER, one
# per line.  A filter that selects nothing at all goes to the debug tier,
# whose runner fails on it.
filters_for() {
	local t=$1 f i any
	shift
	for f in "$@"; do
		any=0
		while read -r i; do
			[[ $i == *"$f"* ]] || continue
			any=1
			if [[ " $(tier_of "$i") " == *" $t "* ]]; then
				echo "$f"
				break
			fi
		done < <(guest_items)
		[ "$any" = 1 ] || [ "$t" != debug ] || echo "$f"
	done | sort -u
}

# The guest runner's summary line in $1, or nothing.
vm_summary() {
	grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$1" |
		tail -n 1
}

# vm_once SERIAL OUT [VM-RUN OPTIONS...] -- [FILTERS...]: boot the VM once;
# returns vm-run.sh's status.  The option --vu-wire (ours, not vm-run.sh's)
# starts the vhost-user wire of the multiqueue NICs first (wire_start).
vm_once() {
	local serial=$1 out=$2 wire=0 rc
	shift 2
	local opts=()
	while [ "$1" != -- ]; do
		if [ "$1" = --vu-wire ]; then
			wire=1
		else
			opts+=("$1")
		fi
		shift
	done
	shift
	if [ "$wire" = 1 ] && ! wire_start; then
		echo "vm-run: not booted: tests/userspace/vu_wire did not start (.check/vu-wire.log)" | tee "$out"
		return 125
	fi
	scripts/vm-run.sh --timeout "$vm_timeout" --log "$serial" "${opts[@]}" \
		-- tests/run-in-vm.sh "$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	[ "$wire" = 0 ] || wire_stop
	return "$rc"
}

# The debug VM's multiqueue NICs (scripts/vp-vdpa-devs.sh, vp_vdpa_mq) are
# joined by tests/userspace/vu_wire, a vhost-user back-end on the host:
# it must listen before QEMU connects, one per boot.  wire_start starts
# it as a coprocess on $vu_dir/{a,b}.sock, its log in .check/vu-wire.log,
# and waits for its "ready"; it ends by itself when QEMU's connections
# close, and wire_stop (or this shell's end) closes its standard input,
# which ends it too (--stdin), then reaps it: no signal to a process id
# that may have been reused.
vu_dir=$(mktemp -d "${TMPDIR:-/tmp}/vdpa-vu.XXXXXX") || exit 1
wire_pid=
wire_start() {
	local line=
	coproc WIRE { exec "$root/tests/userspace/vu_wire" --stdin \
		--log "$logs/vu-wire.log" "$vu_dir/a.sock" "$vu_dir/b.sock" \
		2>>"$logs/vu-wire.log"; }
	wire_pid=$WIRE_PID
	read -r -t 10 -u "${WIRE[0]}" line
	[ "$line" = ready ] && return 0
	wire_stop
	return 1
}
wire_stop() {
	local in=${WIRE[1]:-}
	[ -n "$wire_pid" ] || return 0
	[ -z "$in" ] || exec {in}>&-
	wait "$wire_pid" 2>/dev/null
	wire_pid=
}
trap 'wire_stop; rm -rf "$vu_dir"' EXIT

# Whether the guest runner got to its first item (its marker is in the
# serial log $1): a death after that is the tests' business.
died_in_items() {
	grep -q 'run-in-vm: begin ' "$1"
}

# The first kernel report line of serial log $1, for the note.
boot_death() {
	local l
	l=$(grep -m1 -E 'Oops|BUG:|Kernel panic|WARNING:' "$1")
	echo "${l:-no kernel report: see the serial log}" | sed 's/^\[ *[0-9.]*\] //'
}

# run_vm NAME [VM-RUN OPTIONS...] -- [FILTERS...]: one test VM (NAME is
# "vm" or "vm-<variant>"), its guest counts added to ours.  Logs:
# .check/NAME.out and .check/serial<-variant>.log.
run_vm() {
	local name=$1 rc line p f s opts=() t0=$SECONDS
	local serial=$logs/serial${1#vm}.log out=$logs/$1.out
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	vm_once "$serial" "$out" "${opts[@]}" -- "$@"
	rc=$?
	if [ -z "$(vm_summary "$out")" ] && ! died_in_items "$serial"; then
		# Nothing of ours had run: the kernel died booting (seen once:
		# an int3 Oops from text patching under multi-threaded TCG in
		# Debian's kernel).  That is the emulator's, not a test's;
		# one more boot, said aloud.  A second death is a failure.
		echo "note: $name died before its first item ($(boot_death "$serial")); booting it once more"
		cp "$serial" "$serial.boot1"
		vm_once "$serial" "$out" "${opts[@]}" -- "$@"
		rc=$?
	fi
	took $((SECONDS - t0)) "$name: whole run (boot, items, shutdown)"
	sed -nE 's/^(PASS|FAIL|SKIP) ([^ ]+) .* in ([0-9]+)s$/\3 '"$name"': \2/p' \
		"$out" | while read -r t what; do took "$t" "$what"; done

	line=$(vm_summary "$out")
	if [ -z "$line" ]; then
		not_ok "$name: no summary from the guest (exit $rc, serial log: ${serial#"$root"/})"
		return
	fi
	read -r p _ f _ s _ <<<"${line//,/}"
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	tier_counts+=("$name: $p passed, $f failed, $s skipped")

	# vm-run.sh also scans the whole serial log (boot, shutdown, the final
	# kmemleak scan): a failure the guest did not count is one more.
	if [ "$rc" -eq 0 ]; then
		ok "$name: serial log free of kernel reports"
	elif [ "$f" -eq 0 ]; then
		not_ok "$name: exit $rc with all guest tests passing (serial log: ${serial#"$root"/})"
	fi
}

main() {
	local jobs
	jobs=$(nproc)
	step "kernel: test kernel built or cached" kernel.log \
		scripts/build-kernel.sh || { summary; return; }
	local kdir
	kdir=$(scripts/build-kernel.sh --print-dir --quiet)/build

	step "build: W=1 -Werror against the test kernel" build.log \
		make -j"$jobs" KDIR="$kdir" modules || { summary; return; }

	local release
	# The kernel the stock tier boots (vm-run.sh --stock picks the same).
	release=$(scripts/dkms-build.sh --print-release 2>/dev/null)
	if [ -n "$release" ]; then
		step "build: DKMS against linux-headers-$release" dkms.log \
			scripts/dkms-build.sh --kernel "$release"
	else
		not_ok "build: DKMS: no Debian 6.12 kernel with both image and headers installed (.ci/run installs them)"
	fi

	step "checkpatch --strict" checkpatch.log make checkpatch
	step "kernel-doc -Wall" kernel-doc.log make kernel-doc
	step "sparse" sparse.log make -j"$jobs" KDIR="$kdir" sparse
	step "userspace test tools (tests/userspace)" userspace.log \
		make -j"$jobs" -C tests/userspace
	run_tiers "$release" "$@"
	summary
}

# run_tiers RELEASE [FILTERS...]: the debug VM, then the stock VM (when
# RELEASE is set), one after the other; with filters, only a VM that one
# of them selects an item of.  The debug VM has QEMU's intel-iommu and a
# pci-testdev that no driver claims: 72's platform-IOMMU route borrows it.
# Both VMs have 1.5 GiB rather than vm-run.sh's 3: under TCG, init_on_free's
# clearing of all memory at boot (17 s for 3 GiB) and every kmemleak scan
# take time in proportion.
# vp_vdpa's functions (80-83) and the intel-iommu that translates them:
# scripts/vp-vdpa-devs.sh, shared with the benchmark VM.  The guest drives
# QEMU's monitor itself (--guest-monitor, tests/lib/qemu-monitor.sh): 83
# unplugs and replugs the functions with it.
# The multiqueue NICs of 84 (vp_vdpa_mq) need the wire above and the RAM
# as a shared memfd.
vp_vdpa_img=$logs/vp-blk.img
debug_mem=1536
# shellcheck source-path=SCRIPTDIR source=vp-vdpa-devs.sh
. "$root/scripts/vp-vdpa-devs.sh" "$vp_vdpa_img"
vp_vdpa_mq_devs "$vu_dir" "$debug_mem"
# The debug VM's vm-run.sh options (make check's debug tier and --reference;
# both start the wire too).
debug_vm=(--mem "$debug_mem" --guest-monitor "${vp_vdpa_iommu[@]}"
	--qemu-arg "-device pci-testdev" "${vp_vdpa_devs[@]}" "${vp_vdpa_mq[@]}")
run_tiers() {
	local release=$1 fd=() fs=()
	shift
	tier_counts+=("host steps: $passed passed, $failed failed, $skipped skipped")
	if [ $# -gt 0 ]; then
		mapfile -t fd < <(filters_for debug "$@")
		mapfile -t fs < <(filters_for stock "$@")
	fi
	if [ $# = 0 ] || [ ${#fd[@]} -gt 0 ]; then
		rm -f "$vp_vdpa_img" && truncate -s 256M "$vp_vdpa_img"
		run_vm vm-debug --vu-wire "${debug_vm[@]}" -- "${fd[@]}"
	fi
	if [ -n "$release" ] && { [ $# = 0 ] || [ ${#fs[@]} -gt 0 ]; }; then
		run_vm vm-stock --stock --mem 1536 -- "${fs[@]}"
	fi
}

summary() {
	local c
	took $((SECONDS - started)) "make check: in all"
	sort -rn "$timing" >"$logs/timing.txt" && rm -f "$timing"
	echo "# the ten slowest items (seconds; all in .check/timing.txt):"
	grep -v 'in all\|whole run' "$logs/timing.txt" | head -n 10 | sed 's/^/#/'
	for c in "${tier_counts[@]}"; do
		echo "# $c"
	done
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
}

# reference SCRIPT [ARGS...]: the test kernel, our modules and the
# userspace tools built, then SCRIPT (a tests/e2e-reference/ runner) in
# the debug VM with the devices of the debug tier; its exit status.
reference() {
	local script=$1 kdir
	shift
	scripts/build-kernel.sh || return 125
	kdir=$(scripts/build-kernel.sh --print-dir --quiet)/build
	make -j"$(nproc)" KDIR="$kdir" modules >"$logs/build.log" 2>&1 &&
		make -C tests/userspace >"$logs/userspace.log" 2>&1 || return 125
	rm -f "$vp_vdpa_img" && truncate -s 256M "$vp_vdpa_img"
	wire_start || { echo "tests/userspace/vu_wire did not start (.check/vu-wire.log)"; return 125; }
	local rc=0
	scripts/vm-run.sh --timeout "$vm_timeout" \
		--log "$logs/serial-reference.log" "${debug_vm[@]}" \
		-- "$script" "$@" || rc=$?
	wire_stop
	return "$rc"
}

if [ "${1:-}" = --reference ]; then
	[ $# -ge 2 ] || { echo "usage: scripts/check.sh --reference SCRIPT [ARGS...]" >&2; exit 125; }
	shift
	reference "$@"
	exit
fi
main "$@"
