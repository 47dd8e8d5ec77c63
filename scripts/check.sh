#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make check: everything CI runs, in order, each step counted as a test.
#
#   1. the test kernel (built once, then cached)
#   2. our modules against it, W=1 with warnings as errors
#   3. our modules against Debian's linux-headers-6.12.*-amd64, when installed
#   4. checkpatch --strict, kernel-doc -Wall, sparse, the userspace test
#      tools (the nested guest of 75 boots Debian's packaged kernel: no
#      build)
#   5. the test VM: every KUnit suite and end-to-end script
#      (tests/run-in-vm.sh), then a scan of the whole serial log
#   6. a second, short test VM with an IOMMU (QEMU's intel-iommu) for
#      tests/e2e/72-vhost-vdpa-iommu.sh
#
# Logs go to .check/ in the tree. .check/timing.txt lists the wall time of
# every step and of every KUnit module and e2e script in the VMs, slowest
# first; the ten slowest are printed before the summary. The last line is
# the summary "N passed, N failed, N skipped"; the exit status is 0 iff
# nothing failed.
#
# Extra arguments are passed to tests/run-in-vm.sh as filters.
# VDPA_CHECK_VM_TIMEOUT (seconds, default 4500) bounds the test VM run.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
logs=$root/.check
# The whole test VM run: boot, every suite and script, the kmemleak scans.
# Under TCG on 2 cores that is ~15 minutes; CI allows 90 in all.
vm_timeout=${VDPA_CHECK_VM_TIMEOUT:-4500}
passed=0 failed=0 skipped=0

rm -rf "$logs" && mkdir -p "$logs"
cd "$root" || exit 1

timing=$logs/timing.unsorted
started=$SECONDS

# took SECONDS NAME: one line of the timing table.
took() { printf '%6d  %s\n' "$1" "$2" >>"$timing"; }

ok() { echo "ok - $1"; passed=$((passed + 1)); }
not_ok() { echo "not ok - $1"; failed=$((failed + 1)); }
skip() { echo "ok - $1 # SKIP $2"; skipped=$((skipped + 1)); }

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

# The newest Debian headers package installed, if any.
debian_headers() {
	find /usr/src -maxdepth 1 -name 'linux-headers-6.12.*-amd64' \
		! -name '*cloud*' ! -name '*rt*' 2>/dev/null | sort -V | tail -n 1
}

# Builds a copy of the tree, so the test-kernel build stays untouched.
build_against() {
	local kdir=$1 copy
	copy=$(mktemp -d)
	git ls-files -co --exclude-standard | grep -v '^\.check/' |
		rsync -a --files-from=- . "$copy/"
	make -C "$copy" KDIR="$kdir" modules
	local rc=$?
	rm -rf "$copy"
	return $rc
}

# The guest runner's summary line in $1, or nothing.
vm_summary() {
	grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$1" |
		tail -n 1
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
	scripts/vm-run.sh --timeout "$vm_timeout" --log "$serial" "${opts[@]}" \
		-- tests/run-in-vm.sh "$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
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

	# vm-run.sh also scans the whole serial log (boot, shutdown, the final
	# kmemleak scan): a failure the guest did not count is one more.
	if [ "$rc" -eq 0 ]; then
		ok "$name: serial log free of kernel reports"
	elif [ "$f" -eq 0 ]; then
		not_ok "$name: exit $rc with all guest tests passing (serial log: ${serial#"$root"/})"
	fi
}

main() {
	step "kernel: test kernel built or cached" kernel.log \
		scripts/build-kernel.sh || { summary; return; }
	local kdir
	kdir=$(scripts/build-kernel.sh --print-dir --quiet)/build

	step "build: W=1 -Werror against the test kernel" build.log \
		make KDIR="$kdir" modules || { summary; return; }

	local hdrs
	hdrs=$(debian_headers)
	if [ -n "$hdrs" ]; then
		step "build: against $(basename "$hdrs")" build-headers.log \
			build_against "$hdrs"
	else
		skip "build: against Debian linux-headers-6.12" "not installed"
	fi

	step "checkpatch --strict" checkpatch.log make checkpatch
	step "kernel-doc -Wall" kernel-doc.log make kernel-doc
	step "sparse" sparse.log make KDIR="$kdir" sparse
	step "userspace test tools (tests/userspace)" userspace.log \
		make -C tests/userspace
	run_vm vm -- "$@"
	# The platform-IOMMU route of vhost_vdpa needs an IOMMU: a second,
	# short boot with QEMU's intel-iommu and a spare PCI device for the
	# test parent to borrow (skipped when filters exclude it).
	if [ $# = 0 ] || printf '%s\n' "$@" | grep -q iommu; then
		run_vm vm-iommu --qemu-arg "-device intel-iommu,intremap=off" \
			--qemu-arg "-device pci-testdev" --append intel_iommu=on \
			-- e2e/72-vhost-vdpa-iommu
	fi
	summary
}

summary() {
	took $((SECONDS - started)) "make check: in all"
	sort -rn "$timing" >"$logs/timing.txt" && rm -f "$timing"
	echo "# the ten slowest items (seconds; all in .check/timing.txt):"
	grep -v 'in all\|whole run' "$logs/timing.txt" | head -n 10 | sed 's/^/#/'
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
}

main "$@"
