#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Boot the test kernel in QEMU and run one command inside it.
#
#   scripts/vm-run.sh [--timeout SEC] [--log FILE] [--mem MB] [--smp N]
#                     [--qemu-arg ARG]... [--append ARG]... [--no-splat-check]
#                     [--stock] [--guest-monitor] -- CMD [ARGS...]
#
#   --timeout SEC     kill the VM after SEC seconds (default 900), exit 124
#   --log FILE        kernel console log (default ${TMPDIR:-/tmp}/vm-run.*.log)
#   --mem MB, --smp N guest size (default 3072 MB, 2 CPUs)
#   --qemu-arg ARG    append ARG to QEMU's command line, e.g.
#                     --qemu-arg -device --qemu-arg intel-iommu,intremap=off
#                     ("-device intel-iommu,intremap=off" as one ARG works too)
#   --append ARG      append ARG to the kernel command line, e.g. intel_iommu=on
#   --no-splat-check  do not fail on kernel reports in the console log
#   --stock           the stock-kernel tier: boot Debian's own kernel image
#                     (/boot/vmlinuz-<release>) with our modules built by
#                     DKMS (scripts/dkms-build.sh) instead of the test kernel
#   --guest-monitor   give the guest QEMU's monitor on a 4th serial port,
#                     /dev/ttyS3 (raw, no echo), named by VM_MONITOR_TTY in
#                     CMD's environment: QMP, through which its
#                     human-monitor-command runs HMP command lines
#                     (device_del, device_add, info pci...); the guest side
#                     is tests/lib/qemu-monitor.sh (qemu_monitor CMD)
#
# The guest's root is the host's / (read-only 9p), its init is
# scripts/vm-init.sh, and CMD runs as root in the host's current directory
# with PATH standard, HOME=/tmp and VM_TIER=debug (the test kernel) or
# VM_TIER=stock (--stock).  CMD's stdout/stderr stream live to ours; the
# kernel console goes to the --log file.
#
# The guest's /lib/modules/<release> is the kernel's modules plus ours in
# updates/, which depmod prefers: on the debug tier every *.ko of this tree
# (built against the test kernel), on the stock tier the DKMS-built ones in
# updates/dkms/ (built against the release's headers; the tree's own *.ko
# do not fit that kernel).  On the stock tier a small initramfs
# (scripts/stock-initramfs.sh) loads the kernel's 9p modules and hands over
# to the same init.
#
# Exit status: CMD's; 124 on timeout; 1 if the guest never reported a status
# (crash, panic) or if CMD succeeded but the console log holds a kernel
# report (tests/lib/splat-patterns minus tests/lib/splat-allow); 125 if this
# script itself failed (bad usage, no kernel, ...).
#
# Environment: VM_RUN_ACCEL=auto|kvm|tcg (default auto: KVM only if a short
# probe boot of the test kernel under KVM gets to the root mount);
# VM_RUN_VERBOSE=1 reports the accelerator, kernel and log on stderr;
# VM_RUN_LOCK=FILE (default /tmp/vdpa-vm-run.lock, "none" to skip): VMs
# started from several trees of this project on one machine take turns, as
# two TCG guests on two cores only slow each other past their timeouts.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)

timeout_s=900
log=
mem=3072
smp=2
splat_check=1
stock=0
guest_monitor=0
initrd=     # --stock: the initramfs
dkmsdir=    # --stock: scripts/dkms-build.sh's result
qemu_extra=()
cmdline_extra=()
cmd=()

res=        # per-run results dir, shared with the guest as 9p tag "vmres"
qemu_pid=   # pid of `timeout qemu ...`
tail_pids=()

usage() {
	sed -n '4,21s/^# \{0,1\}//p' "$0" >&2
	exit 125
}

verbose() {
	[ -z "${VM_RUN_VERBOSE:-}" ] || echo "vm-run: $*" >&2
}

die() {
	echo "vm-run: error: $*" >&2
	exit 125
}

# One --qemu-arg is one QEMU argument, except that "-opt value" given as one
# word is split at its first space (QEMU options never contain one).
add_qemu_arg() {
	if [[ $1 == -* && $1 == *' '* ]]; then
		qemu_extra+=("${1%% *}" "${1#* }")
	else
		qemu_extra+=("$1")
	fi
}

parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		--timeout) timeout_s=${2:?}; shift 2 ;;
		--log) log=${2:?}; shift 2 ;;
		--mem) mem=${2:?}; shift 2 ;;
		--smp) smp=${2:?}; shift 2 ;;
		--qemu-arg) add_qemu_arg "${2?}"; shift 2 ;;
		--append) cmdline_extra+=("${2:?}"); shift 2 ;;
		--no-splat-check) splat_check=0; shift ;;
		--stock) stock=1; shift ;;
		--guest-monitor) guest_monitor=1; shift ;;
		--) shift; break ;;
		-h|--help) usage ;;
		*) echo "vm-run: unknown argument '$1'" >&2; usage ;;
		esac
	done
	[ $# -gt 0 ] || usage
	cmd=("$@")
	local n
	for n in "$timeout_s" "$mem" "$smp"; do
		[[ $n =~ ^[1-9][0-9]*$ ]] || die "'$n' is not a positive number"
	done
}

cleanup() {
	local pid
	for pid in $qemu_pid "${tail_pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	[ -z "$res" ] || rm -rf "$res"
}

# QEMU option values are comma-separated: a literal comma is doubled.
qesc() {
	printf '%s' "${1//,/,,}"
}

# Kernel reports: splat_file (tests/lib/splat.sh).
. "$here/tests/lib/splat.sh"

# The stock tier: Debian's kernel image and modules, ours from DKMS.
find_stock_kernel() {
	dkmsdir=$("$here/scripts/dkms-build.sh" --print-dir --quiet) ||
		die "scripts/dkms-build.sh failed"
	release=$(cat "$dkmsdir/release")
	bzimage=/boot/vmlinuz-$release
	moddir=/lib/modules/$release
	[ -r "$bzimage" ] || die "$bzimage missing or unreadable"
	[ -d "$moddir/kernel" ] || die "$moddir missing"
	initrd=$("$here/scripts/stock-initramfs.sh" --kernel "$release" --quiet) ||
		die "scripts/stock-initramfs.sh failed"
}

find_kernel() {
	if [ "$stock" = 1 ]; then
		find_stock_kernel
		return
	fi
	kdir=$("$here/scripts/build-kernel.sh" --print-dir --quiet) ||
		die "scripts/build-kernel.sh failed"
	bzimage=$kdir/build/arch/x86/boot/bzImage
	release=$(cat "$kdir/release")
	moddir=$kdir/mods/lib/modules/$release
	[ -f "$bzimage" ] || die "$bzimage missing"
	[ -d "$moddir" ] || die "$moddir missing"
}

# Everything the guest needs goes into the results share: the command as a
# script (no kernel command line quoting involved) and a few variables for
# vm-init.sh.
write_guest_files() {
	{
		printf 'cd -- %q || exit 126\n' "$PWD"
		printf 'exec'
		printf ' %q' "${cmd[@]}"
		printf '\n'
	} >"$res/cmd.sh"
	{
		printf 'VM_RELEASE=%q\n' "$release"
		# Host files the module links point to (kept visible if
		# under /tmp): on the stock tier, the DKMS build's.
		printf 'VM_MODDIR=%q\n' "${dkmsdir:-$moddir}"
		printf 'VM_REPO=%q\n' "$here"
		printf 'VM_CWD=%q\n' "$PWD"
		if [ "$stock" = 1 ]; then
			printf 'VM_TIER=stock\n'
			# The kernel's own modules, seen by the guest there
			# (see prepare_modules).
			printf 'VM_HOSTMODS_FROM=%q\n' "$moddir"
			printf 'VM_HOSTMODS_AT=%q\n' "$hostmods_at"
		else
			printf 'VM_TIER=debug\n'
		fi
		[ "$guest_monitor" = 0 ] || printf 'VM_MONITOR_TTY=/dev/ttyS3\n'
	} >"$res/env"
	# devtmpfs lacks the usual /dev/fd, /dev/stdin... symlinks (bash's
	# process substitution needs /dev/fd): the guest copies these.
	mkdir "$res/dev"
	ln -s /proc/self/fd "$res/dev/fd"
	ln -s /proc/self/fd/0 "$res/dev/stdin"
	ln -s /proc/self/fd/1 "$res/dev/stdout"
	ln -s /proc/self/fd/2 "$res/dev/stderr"
	# QEMU (re)creates these; they exist already so `tail -f` can start.
	: >"$res/stdout"
	: >"$res/stderr"
}

# The guest's /lib/modules/<release>, built here because every exec costs
# about half a second under TCG (cp -as and depmod alone took ~20 s in the
# guest): the build's modules as symlinks, ours (every *.ko in the tree) as
# symlinks in updates/ with the repository layout, which depmod's default
# search order prefers to the in-tree modules of the same name.  The host's
# depmod and /etc/depmod.d are the guest's too.  vm-init.sh copies the tree
# to a tmpfs.
prepare_modules() {
	local stage=$res/modules top ko dst out
	top=$stage/lib/modules/$release
	mkdir -p "$stage/lib/modules"
	cp -as "$moddir" "$top"
	if [ "$stock" = 1 ]; then
		# The host's own tree may hold an updates/ (a host install of
		# ours, say): the guest gets the kernel's modules and ours only.
		rm -rf "$top/updates" "$top/extra"
		cp -as "$dkmsdir/install/$release/updates" "$top/updates"
		# The test fixtures (tests/modules), built against the same
		# headers: never in DKMS's package.
		cp -as "$dkmsdir/test-modules" "$top/updates/tests"
	else
		mkdir -p "$top/updates"
		while IFS= read -r ko; do
			dst=$top/updates/${ko#"$here"/}
			mkdir -p "${dst%/*}"
			ln -s "$ko" "$dst"
		done < <(find "$here" -path "$here/.git" -prune -o -type f -name '*.ko' -print)
	fi
	out=$(depmod -b "$stage" -a "$release" 2>&1) || die "depmod failed: $out"
	[ -z "$out" ] || echo "vm-run: depmod: $out" >&2
	[ "$stock" = 0 ] || {
		link_host_kernel_dir "$top"
		retarget_host_modules "$top"
	}
}

# The stock kernel's kernel/ holds some 4300 modules: as links, copying them
# to the guest's tmpfs over 9p took 250 s of a TCG boot.  Once depmod has
# indexed them, kernel/ becomes one link to the host's (modules.dep names
# kernel/... relative to the tree, so it resolves through it); updates/
# and the index files stay copies the guest may change.
link_host_kernel_dir() {
	rm -rf "$1/kernel"
	ln -s "$hostmods_at/kernel" "$1/kernel"
}

# On the stock tier the links point into the host's /lib/modules/<release>,
# which the guest's tmpfs on /lib/modules hides: vm-init.sh bind-mounts
# that directory at $hostmods_at first, and the links are made to point
# there (after depmod, which needs them to resolve here).
hostmods_at=/run/vm-run/hostmods
retarget_host_modules() {
	python3 -S - "$1" "$(realpath "$moddir")" "$moddir" "$hostmods_at" <<'PY' ||
import os, sys
top, real, given, at = sys.argv[1:]
n = 0
for d, dirs, files in os.walk(top):
    for f in dirs + files:
        p = os.path.join(d, f)
        if not os.path.islink(p):
            continue
        t = os.readlink(p)
        for prefix in (real, given):
            if t == prefix or t.startswith(prefix + "/"):
                os.unlink(p)
                os.symlink(at + t[len(prefix):], p)
                n += 1
                break
PY
		die "cannot retarget the module links"
}

kernel_cmdline() {
	local a=(
		console=ttyS0 loglevel=7 panic=-1 printk.devkmsg=on log_buf_len=8M
		# Keep 4-level paging even when the CPU model offers LA57 (TCG's
		# "max" does): with 5-level paging, an interrupt arriving while
		# identify_cpu() has briefly cleared the boot CPU's feature bits
		# makes KASAN compute its shadow range for 4-level paging and report
		# a bogus "wild-memory-access" in handle_edge_irq(); TCG's timing
		# hits that window every few boots.  Unrelated to vDPA.
		no5lvl
		# Freed pages are zeroed at once: a device that still reads or
		# writes a page after its mapping was removed (and the page
		# unpinned and freed) sees zeros or scribbles on zeros, which the
		# abuse tests (71) detect byte for byte.
		init_on_free=1
	)
	if [ "$stock" = 1 ]; then
		# scripts/stock-initramfs.sh mounts the root as below.
		a+=(vm_init="$here/scripts/vm-init.sh")
	else
		a+=(root=vmroot rootfstype=9p ro
			"rootflags=trans=virtio,version=9p2000.L,msize=512000,cache=loose"
			init="$here/scripts/vm-init.sh")
	fi
	a+=("${cmdline_extra[@]}")
	echo "${a[*]}"
}

# Cheap KVM probe: boot the test kernel under KVM without a root fs.  A
# working KVM prints the first kernel messages within a fraction of a second
# and panics at the root mount a few seconds later (panic=-1 + -no-reboot
# end QEMU).  A broken one stops with "KVM internal error" (QEMU then sits
# there paused) or stays silent (seen here: nested KVM that never gets
# through the decompressor).  Nothing is cached: the answer may change.
kvm_works() {
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || return 1
	local plog=$res/kvm-probe.log perr=$res/kvm-probe.err pid i
	: >"$plog"
	: >"$perr"
	qemu-system-x86_64 -M q35 -accel kvm -cpu max -m 512 \
		-nodefaults -no-user-config -display none -no-reboot \
		-kernel "$bzimage" -serial "file:$(qesc "$plog")" \
		-append "console=ttyS0 earlyprintk=ttyS0 loglevel=4 panic=-1 root=/dev/vm-run-none" \
		</dev/null >"$perr" 2>&1 &
	pid=$!
	# 0.1 s steps: 3 s to say anything, 15 s to reach the root mount.
	for ((i = 0; i < 150; i++)); do
		if grep -q 'Unable to mount root fs' "$plog" ||
			grep -q 'KVM internal error' "$perr" ||
			{ [ "$i" -ge 30 ] && ! [ -s "$plog" ]; } ||
			! kill -0 "$pid" 2>/dev/null; then
			break
		fi
		sleep 0.1
	done
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	grep -q 'Unable to mount root fs' "$plog"
}

pick_accel() {
	case ${VM_RUN_ACCEL:-auto} in
	tcg) accel=tcg ;;
	kvm) accel=kvm ;;
	auto)
		local t0=$SECONDS
		if kvm_works; then accel=kvm; else accel=tcg; fi
		verbose "KVM probe took $((SECONDS - t0))s"
		;;
	*) die "VM_RUN_ACCEL must be auto, kvm or tcg" ;;
	esac
	verbose "accelerator: $accel"
	[ "$accel" = kvm ] || accel=tcg,thread=multi
}

qemu_cmdline() {
	qemu=(
		qemu-system-x86_64 -M q35 -accel "$accel" -cpu max
		-smp "$smp" -m "$mem"
		-nodefaults -no-user-config -display none -no-reboot
		-kernel "$bzimage" ${initrd:+-initrd "$initrd"}
		-append "$(kernel_cmdline)"
		# ttyS0: kernel console, ttyS1/ttyS2: the command's stdout/stderr
		-chardev "file,id=con,path=$(qesc "$log")"
		-chardev "file,id=out,path=$(qesc "$res/stdout")"
		-chardev "file,id=err,path=$(qesc "$res/stderr")"
		-serial chardev:con -serial chardev:out -serial chardev:err
		-fsdev "local,id=vmroot,path=/,security_model=none,readonly=on,multidevs=remap"
		-device "virtio-9p-pci,fsdev=vmroot,mount_tag=vmroot"
		-fsdev "local,id=vmres,path=$(qesc "$res"),security_model=none,multidevs=remap"
		-device "virtio-9p-pci,fsdev=vmres,mount_tag=vmres"
		"${qemu_extra[@]}"
	)
	[ "$guest_monitor" = 0 ] || guest_monitor_args
}

# --guest-monitor: the monitor (QMP: HMP's line editor would echo every
# character with a redraw of the whole line) listens on a unix socket in
# the results directory (a server that does not wait for its client); a
# second chardev connects to that socket as a client when QEMU starts and
# is the backend of one more ISA serial port, ttyS3 at its usual address
# but on IRQ 7 of its own (ttyS1, streaming the command's output, has 3).
# What the guest writes there reaches the monitor's input and the
# monitor's output comes back to it: all inside QEMU, and nothing else
# connects to the socket (in a directory only we can read).  The server is
# created first so that the client finds it listening.
guest_monitor_args() {
	local sock=$res/monitor.sock
	qemu+=(
		-chardev "socket,id=mon,path=$(qesc "$sock"),server=on,wait=off"
		-mon "chardev=mon,mode=control"
		-chardev "socket,id=monguest,path=$(qesc "$sock")"
		-device "isa-serial,chardev=monguest,iobase=0x2e8,irq=7"
	)
}

# Run QEMU under the timeout while streaming the command's output.  Sets
# qemu_rc (124: timed out).
run_qemu() {
	timeout -k 10 "$timeout_s" "${qemu[@]}" </dev/null &
	qemu_pid=$!
	tail -n +1 -s 0.2 -f --pid="$qemu_pid" "$res/stdout" &
	tail_pids+=($!)
	tail -n +1 -s 0.2 -f --pid="$qemu_pid" "$res/stderr" >&2 &
	tail_pids+=($!)
	qemu_rc=0
	wait "$qemu_pid" || qemu_rc=$?
	qemu_pid=
	wait "${tail_pids[@]}" || true
	tail_pids=()
}

last_lines() {
	echo "vm-run: last 50 lines of the serial log $log:" >&2
	tail -n 50 "$log" | tr -d '\r' >&2
}

# Turn what the guest left behind into our exit status.
report() {
	local status splats
	if [ "$qemu_rc" = 124 ]; then
		echo "vm-run: timeout after ${timeout_s}s" >&2
		last_lines
		return 124
	fi
	status=$(cat "$res/status" 2>/dev/null || true)
	if ! [[ $status =~ ^[0-9]+$ ]]; then
		if [ "$qemu_rc" != 0 ]; then
			echo "vm-run: QEMU failed (exit status $qemu_rc)" >&2
		else
			echo "vm-run: the guest reported no exit status" \
				"(kernel panic or crash, or init failure)" >&2
		fi
		[ ! -s "$log" ] || last_lines
		return 1
	fi
	if [ -s "$res/init-error" ]; then
		echo "vm-run: guest init failed: $(cat "$res/init-error")" >&2
	fi
	[ "$splat_check" = 1 ] || return "$status"
	splats=$(splat_file "$log")
	[ -n "$splats" ] || return "$status"
	echo "vm-run: kernel reports in the serial log $log:" >&2
	head -n 200 <<<"$splats" >&2
	[ "$status" = 0 ] && return 1
	return "$status"
}

take_turn() {
	local lock=${VM_RUN_LOCK:-/tmp/vdpa-vm-run.lock}
	[ "$lock" != none ] || return 0
	exec 9>>"$lock" || die "cannot open lock file $lock"
	flock -n 9 && return 0
	echo "vm-run: waiting for another test VM to finish ($lock)" >&2
	flock 9
}

main() {
	parse_args "$@"
	command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing"
	# Paths go on the kernel command line unquoted.
	[[ $here != *[[:space:]]* ]] || die "repository path contains whitespace"
	trap cleanup EXIT
	trap 'exit 130' INT TERM HUP
	find_kernel
	verbose "kernel $release: $bzimage${initrd:+ + $initrd}, modules $moddir"
	res=$(mktemp -d "${TMPDIR:-/tmp}/vm-run.XXXXXX")
	[ -n "$log" ] || log=$(mktemp --suffix=.log "${TMPDIR:-/tmp}/vm-run.XXXXXX")
	: >"$log" || die "cannot write $log"
	log=$(realpath "$log")
	verbose "serial log: $log"
	write_guest_files
	prepare_modules
	take_turn
	pick_accel
	qemu_cmdline
	run_qemu
	local rc=0
	report || rc=$?
	return "$rc"
}

main "$@"
