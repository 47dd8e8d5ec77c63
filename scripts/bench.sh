#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make bench: our modules against the in-tree vDPA modules, both measured
# in one boot of a non-debug kernel.
#
#   scripts/bench.sh [--rounds N] [--only GROUP,...] [--out DIR]
#                    [--timeout SEC] [--pktgen-seconds S] [--fio-seconds S]
#                    [--iperf-seconds S] [--vhost-frames N] [--lifecycle N]
#                    [--scale N] [--profile] [--vp-parts PARTS] [--mem MB]
#                    [--vcpus N]
#
#   --rounds N        repetitions of every workload on each side (default 3)
#   --only GROUPS     memcpy,net,blk,vhost,vmap,lifecycle,vduse,vp (default: all)
#   --mem MB          guest memory (default 4608: vmap maps 2 GiB)
#   --out DIR         results folder (default results/bench/<UTC time>)
#   --timeout SEC     bound of the VM run (default 2700)
#   --profile         also a flat perf profile of each side (profile-*.txt)
#   --vp-parts PARTS  the vp group's parts: net,fio,pt (default: all)
#   --vcpus N         the VM's vCPUs (-smp; default 2, vm-run.sh's)
#   the rest          workload knobs, passed to tests/bench/run-in-vm.sh
#
# Steps:
#   1. the benchmark kernel: tests/kernel.config with every option that
#      tests/bench/kernel.config names replaced by its line there (no
#      KASAN, lockdep, kmemleak, UBSAN, fault injection, KUnit), built or
#      found in the cache by scripts/build-kernel.sh --fragment, keyed by
#      that merged fragment like the test kernel;
#   2. a copy of the tree (the files git tracks or would track) in the
#      cache, our modules, vdpa_user and memcpy_bw built there against
#      that kernel: the tree's own build, against the test kernel, stays
#      untouched; the copy's tests/kernel.config is the merged fragment, so
#      its scripts/vm-run.sh boots the benchmark kernel with these modules;
#   3. one VM run of tests/bench/run-in-vm.sh (the workloads, both sides),
#      the VM with vp_vdpa's virtio-pci functions and the intel-iommu of
#      the debug VM (scripts/vp-vdpa-devs.sh; the block function's image,
#      a sparse file in the results folder, is removed after the run);
#   4. tests/bench/report.py: the table on stdout, results.json,
#      results.txt and ratios.png in the results folder, with the raw
#      records (raw.txt), the serial log and the build logs.
#
# Exit status: 0; 1 if the VM run failed (kernel report, timeout, crash:
# the results of what ran are still written); 3 if only the chart is
# missing (no gnuplot or matplotlib: the message says what to install);
# 125 if a step before the VM failed.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
rounds=3
only=
out=
timeout_s=2700
mem_mb=4608
vcpus=
guest_args=()

usage() {
	sed -n '7,21s/^# \{0,1\}//p' "$0" >&2
	exit 125
}

die() {
	echo "bench: error: $*" >&2
	exit 125
}

say() { echo "bench: $*" >&2; }

while [ $# -gt 0 ]; do
	case $1 in
	--rounds) rounds=${2:?}; shift 2 ;;
	--only) only=${2:?}; shift 2 ;;
	--out) out=${2:?}; shift 2 ;;
	--timeout) timeout_s=${2:?}; shift 2 ;;
	--mem) mem_mb=${2:?}; shift 2 ;;
	--vcpus) vcpus=${2:?}; shift 2 ;;
	--pktgen-seconds | --fio-seconds | --iperf-seconds | --vhost-frames | \
		--lifecycle | --scale | --vp-parts)
		guest_args+=("$1" "${2:?}"); shift 2 ;;
	--profile) guest_args+=("$1"); shift ;;
	-h | --help) usage ;;
	*) echo "bench: unknown argument '$1'" >&2; usage ;;
	esac
done
[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "--rounds wants a positive number"
[[ -z $vcpus || $vcpus =~ ^[1-9][0-9]*$ ]] || die "--vcpus wants a positive number"
guest_args+=(--rounds "$rounds")
[ -z "$only" ] || guest_args+=(--only "$only")

cache=${VDPA_CACHE:-$HOME/.cache/vdpa-oot}
[ -n "$out" ] || out=$root/results/bench/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"
out=$(realpath "$out")

# tests/kernel.config, minus every option tests/bench/kernel.config names,
# plus tests/bench/kernel.config.
merged_fragment() {
	awk 'FNR == NR {
		if (match($0, /^CONFIG_[A-Za-z0-9_]+=/))
			over[substr($0, 1, RLENGTH - 1)] = 1
		next
	}
	match($0, /^CONFIG_[A-Za-z0-9_]+=/) && (substr($0, 1, RLENGTH - 1) in over) { next }
	{ print }' "$root/tests/bench/kernel.config" "$root/tests/kernel.config"
	echo
	echo "# --- tests/bench/kernel.config ---"
	cat "$root/tests/bench/kernel.config"
}

build_kernel() {
	merged_fragment >"$out/kernel.config"
	say "benchmark kernel (log: $out/kernel.log; a cold build takes 10-15 min)"
	"$root/scripts/build-kernel.sh" --fragment "$out/kernel.config" \
		>"$out/kernel.log" 2>&1 ||
		{ tail -n 20 "$out/kernel.log" >&2; die "kernel build failed"; }
	kdir=$("$root/scripts/build-kernel.sh" --fragment "$out/kernel.config" \
		--print-dir --quiet)
	say "kernel $(cat "$kdir/release") in $kdir"
}

# The copy: per source tree, kept between runs so that builds are
# incremental.  Ignored files in it (build products) survive the sync.
# Files are compared by content (-c) and a changed one gets the time of
# the sync, not its source's (no -t): a source edited while the previous
# run was building keeps an mtime older than the object built from its
# old text, and make, comparing times, would keep that stale object (it
# happened: a benchmark measured a virtio_vdpa.ko without the change it
# was run for).
sync_copy() {
	copy=$cache/bench-tree-$(printf '%s' "$root" | sha256sum | cut -c1-12)
	mkdir -p "$copy"
	rsync -rlpc --delete --exclude=/.git --filter=':- .gitignore' \
		"$root/" "$copy/"
	cp "$out/kernel.config" "$copy/tests/kernel.config"
	local k
	k=$("$copy/scripts/build-kernel.sh" --print-dir --quiet)
	[ "$k" = "$kdir" ] || die "the copy's kernel is $k, not $kdir"
}

build_copy() {
	say "our modules, vdpa_user, memcpy_bw against it in $copy (log: $out/build.log)"
	{
		make -C "$copy" KDIR="$kdir/build" modules &&
			make -C "$copy/tests/userspace" KBUILD="$kdir/build" &&
			gcc -O2 -Wall -Wextra -Werror -o "$copy/tests/bench/memcpy_bw" \
				"$copy/tests/bench/memcpy_bw.c"
	} >"$out/build.log" 2>&1 ||
		{ tail -n 20 "$out/build.log" >&2; die "build failed"; }
}

# Every 10 s: the time, the number of QEMU processes on the host and the
# load average, in host-load.txt.  Numbers measured while another VM ran
# (one that skipped the turn-taking lock) or while the host compiled mean
# little: report() warns.
monitor_host() {
	while :; do
		printf '%s %s %s\n' "$(date -u +%T)" \
			"$(pgrep -c -f '^qemu-system-x86_64 ' || true)" \
			"$(cut -d' ' -f1-3 /proc/loadavg)"
		sleep 10
	done >"$out/host-load.txt"
}

# The vp group's functions, as in the debug VM (scripts/check.sh): every
# run has them, so that all groups always run on the same machine.
run_vm() {
	local img=$out/vp-blk.img smp=()
	[ -z "$vcpus" ] || smp=(--smp "$vcpus")
	say "VM run (TCG: about 25 minutes; serial log: $out/serial.log)"
	vm_rc=0
	rm -f "$img" && truncate -s 256M "$img"
	# shellcheck source-path=SCRIPTDIR source=vp-vdpa-devs.sh
	. "$root/scripts/vp-vdpa-devs.sh" "$img"
	monitor_host &
	monitor_pid=$!
	# init_on_free=0: vm-run.sh zeroes freed pages for the abuse tests;
	# no host runs that way, and it charged every side for each receive
	# page virtio_net frees (13% of the 64-byte net profile), veth less.
	(cd "$copy" && scripts/vm-run.sh --timeout "$timeout_s" --mem "$mem_mb" \
		--log "$out/serial.log" "${smp[@]}" --append init_on_free=0 \
		"${vp_vdpa_iommu[@]}" "${vp_vdpa_devs[@]}" \
		-- tests/bench/run-in-vm.sh "${guest_args[@]}") \
		2> >(tee "$out/vm-run.err" >&2) | tee "$out/raw.txt" |
		grep --line-buffered '^# ' || true
	vm_rc=${PIPESTATUS[0]}
	kill "$monitor_pid" 2>/dev/null || true
	rm -f "$img"
}

# Warn when another VM ran next to ours (after ours had started).
check_host_load() {
	local n
	n=$(awk '$2 > 1 { n++ } END { print n + 0 }' "$out/host-load.txt" 2>/dev/null)
	[ "${n:-0}" -gt 0 ] || return 0
	say "WARNING: another QEMU ran on this host during about $((n * 10)) s of the"
	say "run (host-load.txt): the numbers are distorted, rerun on a quiet host"
	echo "another QEMU ran during about $((n * 10)) s of the run" >"$out/WARNING"
}

report() {
	local py=python3 rc=0
	# Debian's python3-matplotlib lives with Debian's python3.
	[ ! -x /usr/bin/python3 ] || py=/usr/bin/python3
	"$py" "$root/tests/bench/report.py" "$out/raw.txt" "$out" || rc=$?
	ln -sfn "$out" "$(dirname "$out")/latest" 2>/dev/null || true
	echo
	say "results in $out (results.txt, results.json, ratios.png, raw.txt)"
	return "$rc"
}

main() {
	local rc=0
	monitor_pid=
	trap '[ -z "$monitor_pid" ] || kill "$monitor_pid" 2>/dev/null || true' EXIT
	git -C "$root" describe --always --dirty >"$out/source" 2>/dev/null || true
	build_kernel
	sync_copy
	build_copy
	run_vm
	report || rc=$?
	check_host_load
	if [ "$vm_rc" != 0 ]; then
		say "the VM run failed (exit $vm_rc): see $out/vm-run.err and $out/serial.log"
		return 1
	fi
	return "$rc"
}

main
