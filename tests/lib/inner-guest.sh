# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash disable=SC2034 # INNER_TESTS is for the sourcing script
#
# A nested guest for vhost-vdpa end-to-end tests: QEMU (TCG) run inside the
# test VM with virtio-net-pci devices, each backed by a vhost-vdpa character
# device, booting Debian's packaged kernel (no kernel build for it) with an
# initramfs of tests/userspace/inner_init.c and that kernel's virtio_net
# modules.  Source it, then:
#
#   inner_pick_kernel           choose the kernel (INNER_KERNEL, INNER_KMODS)
#   inner_build_initrd DIR      build DIR/initrd.cpio.gz (static init, and
#                               virtio_net's modules for a distro kernel)
#                               and DIR/vmlinux (the kernel's ELF image,
#                               when it has a PVH entry)
#   inner_start DIR VHOSTDEV MAC [VHOSTDEV MAC]...
#                               start QEMU in the background with one
#                               virtio-net-pci per VHOSTDEV (MAC may be
#                               empty); its console goes to
#                               DIR/console.log, its stderr to
#                               DIR/qemu.err; sets INNER_PID
#   inner_wait_hold DIR SEC     wait until the guest holds for the host
#                               (INNER-HOLD), powered off or QEMU ended;
#                               0 iff it holds
#   inner_release DIR           tell the holding guest to power off
#   inner_send DIR LINE         send LINE to the guest's control port
#   inner_wait                  wait for QEMU; sets INNER_RC (124: timeout)
#   inner_field DIR TAG KEY [MAC]
#                               KEY's value on the guest's last "INNER-TAG"
#                               line (of the interface with MAC)
#   inner_until DIR SEC CMD [ARGS...]
#                               run CMD every 0.2 s until it exits 0
#                               (returns 0) or SEC seconds passed (1);
#                               the timer is a read of DIR/nap, no fork
#   inner_qmp_open NAME SOCKET  start tests/lib/qmp.py on QEMU's QMP unix
#                               socket SOCKET (waits for it), for
#                               inner_qmp NAME; 0 once it is connected
#   inner_qmp NAME CMD [SEC]    run QMP command CMD ("query-status", or
#                               "migrate {\"uri\": ...}", or a whole JSON
#                               command); QEMU's answer, one JSON line, in
#                               INNER_QMP_REPLY (no fork); 0 iff it is a
#                               "return", 1 for an error or no answer
#                               within SEC (30) s
#   inner_qmp_close NAME        end that client (inner_cleanup ends all)
#
# Knobs (environment): INNER_FRAMES (32), INNER_MEM_MB (256),
# INNER_MEM_PAD_KB (0: KiB added to INNER_MEM_MB, a multiple of 4),
# INNER_TIMEOUT (480 s for QEMU as a whole), INNER_HOLD (120 s the guest
# waits for inner_release), INNER_KERNEL_KIND (distro, test),
# VDPA_INNER_KERNEL (image override), see inner_pick_kernel, and
# INNER_APPEND (more inner.* parameters for inner_init, e.g. its ping mode:
# "inner.ip=192.0.2.3/24 inner.ping=192.0.2.2") and INNER_NET_OPTS (more
# options of each virtio-net-pci, e.g. "page-per-vq=on", without which
# QEMU cannot use a vhost-vdpa doorbell page as the guest's notifier),
# INNER_NETDEV_OPTS (more options of each -netdev vhost-vdpa, e.g.
# "x-svq=on"), INNER_CPU (QEMU's -cpu model, e.g. "qemu64,-cx16"; QEMU's
# default when empty), and the array INNER_QEMU_ARGS (more arguments for
# QEMU, e.g. a QMP socket, -incoming or -S), which the sourcing script sets.

INNER_FRAMES=${INNER_FRAMES:-32}
INNER_MEM_MB=${INNER_MEM_MB:-256}
INNER_MEM_PAD_KB=${INNER_MEM_PAD_KB:-0}
INNER_TIMEOUT=${INNER_TIMEOUT:-480}
INNER_HOLD=${INNER_HOLD:-120}
INNER_PID=
INNER_RC=
INNER_QMP_REPLY=

_inner_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$_inner_repo/tests/lib/splat.sh"

# The inner guest's kernel: sets INNER_KERNEL (the image) and INNER_KMODS
# (its module tree when virtio_net is a module there, else empty).
# INNER_KERNEL_KIND picks one:
#   distro  (default) the newest kernel in /boot whose module tree has
#           virtio_net, loaded from the initramfs: Debian's packaged
#           kernel, which .ci/run installs (about 9 s to boot nested)
#   test    the test kernel itself, KASAN, lockdep and all (~20 s)
# VDPA_INNER_KERNEL overrides the image (virtio_net must be built in).
inner_pick_kernel() {
	local kind=${INNER_KERNEL_KIND:-distro}
	INNER_KERNEL='' INNER_KMODS=''
	if [ -n "${VDPA_INNER_KERNEL:-}" ]; then
		INNER_KERNEL=$VDPA_INNER_KERNEL
		return
	fi
	case $kind in
	distro)
		_inner_distro_kernel && return
		echo "inner: no kernel in /boot with virtio_net (apt-get install linux-image-amd64)" >&2
		return 1 ;;
	test) INNER_KERNEL=$(inner_test_kernel) ;;
	*) echo "inner: unknown INNER_KERNEL_KIND '$kind'" >&2; return 1 ;;
	esac
}

_inner_distro_kernel() {
	local img rel mods
	for img in $(printf '%s\n' /boot/vmlinuz-* | sort -rV); do
		rel=${img#/boot/vmlinuz-}
		mods=$(_inner_host_path "/lib/modules/$rel")
		[ -r "$img" ] || continue
		[ -n "$mods" ] || continue
		find "$mods/kernel/drivers/net" -maxdepth 1 \
			-name 'virtio_net.ko*' 2>/dev/null | grep -q . || continue
		INNER_KERNEL=$img INNER_KMODS=$mods
		return 0
	done
	return 1
}

# The test VM covers the host's /lib/modules with its own module tree (a
# tmpfs); a non-recursive bind mount of / shows what lies beneath.
_INNER_HOSTROOT=/run/inner-hostroot

# Print where host directory $1 can be read, or nothing.
_inner_host_path() {
	if [ -d "$1" ]; then
		echo "$1"
		return
	fi
	if ! mountpoint -q "$_INNER_HOSTROOT" 2>/dev/null; then
		mkdir -p "$_INNER_HOSTROOT" &&
			mount --bind / "$_INNER_HOSTROOT" 2>/dev/null ||
			return 0
	fi
	[ ! -d "$_INNER_HOSTROOT$1" ] || echo "$_INNER_HOSTROOT$1"
}

# Undo _inner_host_path's bind mount (call before leaving).
inner_cleanup() {
	local q

	for q in "${!_inner_qmp_pid[@]}"; do
		inner_qmp_close "$q"
	done
	[ -z "$INNER_PID" ] || kill "$INNER_PID" 2>/dev/null || true
	if mountpoint -q "$_INNER_HOSTROOT" 2>/dev/null; then
		umount "$_INNER_HOSTROOT" && rmdir "$_INNER_HOSTROOT"
	fi
	return 0
}

# The bzImage of the running test kernel.  In the test VM the host's / is
# the guest's /: vm-run.sh's module tree links into the kernel build's
# cache directory, whose build/ holds the bzImage.  ($HOME is /tmp there,
# so scripts/build-kernel.sh would not find the cache.)
inner_test_kernel() {
	local mods ko dir
	if [ -r /run/vm-run/res/env ]; then
		mods=$(sed -n 's/^VM_MODDIR=//p' /run/vm-run/res/env)
		dir=${mods%/mods/lib/modules/*}
		if [ -n "$mods" ] && [ -f "$dir/build/arch/x86/boot/bzImage" ]; then
			echo "$dir/build/arch/x86/boot/bzImage"
			return
		fi
	fi
	ko=$(readlink -f "/lib/modules/$(uname -r)/kernel/drivers/vhost/vhost.ko")
	dir=${ko%/mods/lib/modules/*}
	if [ "$dir" != "$ko" ] && [ -f "$dir/build/arch/x86/boot/bzImage" ]; then
		echo "$dir/build/arch/x86/boot/bzImage"
		return
	fi
	echo "inner_test_kernel: cannot find the test kernel's bzImage" >&2
	return 1
}

# Copy module $2 (a path under kernel/, without .ko) of tree $1 into the
# initramfs as $3, uncompressed.
_inner_add_module() {
	local f
	for f in "$1/kernel/$2.ko"*; do
		case $f in
		*.ko) cp "$f" "$3" ;;
		*.ko.xz) xz -dc "$f" >"$3" ;;
		*.ko.zst) zstd -qdc "$f" >"$3" ;;
		*.ko.gz) gzip -dc "$f" >"$3" ;;
		*) continue ;;
		esac
		return
	done
	echo "inner: $1/kernel/$2.ko* missing" >&2
	return 1
}

inner_build_initrd() {
	local dir=$1 root=$1/initramfs
	inner_pick_kernel || return 1
	rm -rf "$root" && mkdir -p "$root/proc" "$root/sys" "$root/dev" ||
		return 1
	gcc -static -O2 -Wall -Wextra -Werror -o "$root/init" \
		"$_inner_repo/tests/userspace/inner_init.c" || return 1
	if [ -n "$INNER_KMODS" ]; then
		mkdir "$root/modules" &&
		_inner_add_module "$INNER_KMODS" net/core/failover "$root/modules/1-failover.ko" &&
		_inner_add_module "$INNER_KMODS" drivers/net/net_failover "$root/modules/2-net_failover.ko" &&
		_inner_add_module "$INNER_KMODS" drivers/net/virtio_net "$root/modules/3-virtio_net.ko" ||
			return 1
	fi
	(cd "$root" && find . | cpio -o -H newc --quiet) |
		gzip -1 >"$dir/initrd.cpio.gz"
	[ "${PIPESTATUS[0]}" = 0 ] && [ -s "$dir/initrd.cpio.gz" ] || return 1
	# The ELF kernel inside the bzImage, booted through its PVH entry
	# (tests/lib/pvh-kernel.py): no firmware loader, no decompression in
	# the nested guest. Kernels without a PVH entry boot as bzImage.
	python3 -S "$_inner_repo/tests/lib/pvh-kernel.py" "$INNER_KERNEL" \
		"$dir/vmlinux" 2>/dev/null || true
}

# QEMU option values are comma-separated: a literal comma is doubled.
_inner_qesc() {
	printf '%s' "${1//,/,,}"
}

inner_start() {
	local dir=$1 append img mem n=0 net=()
	shift
	[ -n "${INNER_KERNEL:-}" ] || inner_pick_kernel || return 1
	while [ "$#" -ge 2 ]; do
		net+=(-netdev "vhost-vdpa,vhostdev=$(_inner_qesc "$1"),id=n$n${INNER_NETDEV_OPTS:+,$INNER_NETDEV_OPTS}"
		      -device "virtio-net-pci,netdev=n$n,disable-legacy=on,romfile=${2:+,mac=$2}${INNER_NET_OPTS:+,$INNER_NET_OPTS}")
		n=$((n + 1))
		shift 2
	done
	img=$INNER_KERNEL
	[ ! -s "$dir/vmlinux" ] || img=$dir/vmlinux
	append="console=ttyS0 rdinit=/init panic=-1 loglevel=4 kmemleak=off"
	# The inner guest is a test client, not under test: no speculation
	# mitigations, no read-only pass and W+X scan over the kernel image, no
	# IO-APIC timer check, no audit (together about a third of its boot
	# under nested TCG).
	append+=" mitigations=off rodata=off no_timer_check audit=0"
	# Nor the crypto self-tests at every algorithm's registration (a fifth
	# of its boot).
	append+=" cryptomgr.notests"
	append+=" inner.frames=$INNER_FRAMES inner.timeout=60"
	append+=" inner.hold=$INNER_HOLD inner.nics=$n${INNER_APPEND:+ $INNER_APPEND}"
	: >"$dir/console.log"
	# The control port is a pair of FIFOs (QEMU opens DIR/ctl.in and
	# DIR/ctl.out read-write), so that inner_release is a shell write;
	# DIR/nap is inner_wait_hold's timer (a read that never gets data).
	rm -f "$dir/ctl.in" "$dir/ctl.out" "$dir/nap"
	mkfifo "$dir/ctl.in" "$dir/ctl.out" "$dir/nap" || return 1
	mem=$((INNER_MEM_MB * 1024 + INNER_MEM_PAD_KB))k
	# The memfd backend shares guest memory with the kernel's VA-mode
	# parents (use_va: VDUSE), and works for the ones that pin pages too.
	# No SATA, SMBus or keyboard controller: nothing for the guest to
	# probe that it does not use.
	timeout -k 10 "$INNER_TIMEOUT" qemu-system-x86_64 \
		-M q35,memory-backend=mem,sata=off,smbus=off,i8042=off \
		-accel tcg ${INNER_CPU:+-cpu "$INNER_CPU"} -smp 1 -m "$mem" \
		-object "memory-backend-memfd,id=mem,size=$mem,share=on" \
		-nodefaults -no-user-config -display none -no-reboot \
		-kernel "$img" -initrd "$dir/initrd.cpio.gz" -append "$append" \
		-chardev "file,id=con,path=$(_inner_qesc "$dir/console.log")" \
		-serial chardev:con \
		-chardev "pipe,id=ctl,path=$(_inner_qesc "$dir/ctl")" \
		-serial chardev:ctl "${net[@]}" \
		${INNER_QEMU_ARGS[@]+"${INNER_QEMU_ARGS[@]}"} \
		</dev/null >"$dir/qemu.out" 2>"$dir/qemu.err" &
	INNER_PID=$!
}

# Whether file $1 has a line that starts with $2.  Builtins only: under
# TCG every fork is dear, and the nested QEMU needs the CPU meanwhile.
_inner_has_line() {
	local l

	while IFS= read -r l; do
		[[ $l != "$2"* ]] || return 0
	done <"$1"
	return 1
}

inner_wait_hold() {
	local dir=$1 end=$((SECONDS + $2)) nap rc=1

	exec {nap}<>"$dir/nap" || return 1
	while [ "$SECONDS" -lt "$end" ]; do
		if _inner_has_line "$dir/console.log" 'INNER-HOLD waiting'; then
			rc=0
			break
		fi
		_inner_has_line "$dir/console.log" INNER-DONE && break
		kill -0 "$INNER_PID" 2>/dev/null || break
		read -r -t 0.2 -u "$nap" _
	done
	exec {nap}>&-
	return "$rc"
}

inner_release() {
	local fd

	# Read-write: the open cannot block, even if QEMU is gone.
	exec {fd}<>"$1/ctl.in" || return 1
	echo go >&"$fd"
	exec {fd}>&-
}

inner_send() {
	local fd

	exec {fd}<>"$1/ctl.in" || return 1
	printf '%s\n' "$2" >&"$fd"
	exec {fd}>&-
}

inner_wait() {
	INNER_RC=0
	wait "$INNER_PID" || INNER_RC=$?
	INNER_PID=
}

inner_field() {
	local l v=

	while IFS= read -r l; do
		l=${l//$'\r'/}
		[[ $l == "INNER-$2 "* ]] || continue
		[ -z "${4:-}" ] || [[ "$l " == *" mac=$4 "* ]] || continue
		[[ $l =~ \ $3=([^ ]*) ]] && v=${BASH_REMATCH[1]}
	done <"$1/console.log"
	[ -z "$v" ] || echo "$v"
}

inner_until() {
	local dir=$1 end=$((SECONDS + $2)) nap rc=1

	shift 2
	exec {nap}<>"$dir/nap" || return 1
	while :; do
		if "$@"; then
			rc=0
			break
		fi
		[ "$SECONDS" -lt "$end" ] || break
		read -r -t 0.2 -u "$nap" _
	done
	exec {nap}>&-
	return "$rc"
}

# QMP clients by name: their pid and the two ends of their FIFOs.
declare -gA _inner_qmp_pid=() _inner_qmp_in=() _inner_qmp_out=()

inner_qmp_open() {
	local name=$1 sock=$2 w r line

	rm -f "$sock.in" "$sock.out"
	mkfifo "$sock.in" "$sock.out" || return 1
	# Read-write opens: neither side blocks for the other.
	exec {w}<>"$sock.in" {r}<>"$sock.out" || return 1
	python3 -S "$_inner_repo/tests/lib/qmp.py" "$sock" 60 \
		<"$sock.in" >"$sock.out" 2>"$sock.events" {w}>&- {r}>&- &
	_inner_qmp_pid[$name]=$! _inner_qmp_in[$name]=$w _inner_qmp_out[$name]=$r
	IFS= read -r -t 90 -u "$r" line && [ "$line" = ready ]
}

inner_qmp() {
	INNER_QMP_REPLY=
	[ -n "${_inner_qmp_in[$1]:-}" ] || return 1
	printf '%s\n' "$2" >&"${_inner_qmp_in[$1]}" || return 1
	IFS= read -r -t "${3:-30}" -u "${_inner_qmp_out[$1]}" INNER_QMP_REPLY ||
		return 1
	[[ $INNER_QMP_REPLY == '{"return"'* ]]
}

inner_qmp_close() {
	local w=${_inner_qmp_in[$1]:-} r=${_inner_qmp_out[$1]:-}

	[ -n "$w" ] || return 0
	exec {w}>&- {r}>&-
	kill "${_inner_qmp_pid[$1]}" 2>/dev/null
	wait "${_inner_qmp_pid[$1]}" 2>/dev/null
	unset "_inner_qmp_pid[$1]" "_inner_qmp_in[$1]" "_inner_qmp_out[$1]"
	return 0
}

# --- The shared test body (TAP, tests/lib/tap.sh) ---------------------------

# Tests inner_test_device prints: INNER_TESTS for one device with vendor
# statistics; in general INNER_TESTS_COMMON, plus INNER_TESTS_DEV for each
# device, plus INNER_TESTS_VSTATS for each device with statistics.
INNER_TESTS_COMMON=6
INNER_TESTS_DEV=7
INNER_TESTS_VSTATS=2
INNER_TESTS=$((INNER_TESTS_COMMON + INNER_TESTS_DEV + INNER_TESTS_VSTATS))

# Vendor statistic $3 of queue $2 of device $1, from the raw VSTATS_GET.
_inner_vstat() {
	python3 -S "$_inner_repo/tests/lib/vdpanl.py" send DEV_VSTATS_GET \
		DEV_NAME=str:"$1" DEV_QUEUE_INDEX=u32:"$2" 2>&1 |
		awk -F= -v k="$3" '$1 == "DEV_VENDOR_ATTR_NAME" { n = $2 }
			$1 == "DEV_VENDOR_ATTR_VALUE" && n == k { print $2 }'
}

# _inner_ge DESC GOT MIN: ok iff GOT is a number >= MIN.
_inner_ge() {
	if [[ $2 =~ ^[0-9]+$ ]] && [ "$2" -ge "$3" ]; then
		tap_ok "$1"
	else
		tap_fail "$1" "got: '$2', want: at least $3"
	fi
}

# Kernel reports in the inner guest's console log, if any.
_inner_splats() {
	splat_file "$1/console.log"
}

_inner_tail() {
	echo "inner console (last 40 lines):"
	tr -d '\r' <"$1/console.log" | tail -n 40
	echo "QEMU stderr:"
	cat "$1/qemu.err"
	echo "kernel log (vdpa/vhost/vduse lines, last 20):"
	dmesg | grep -aiE 'vdpa|vhost|vduse' | tail -n 20
}

# inner_test_device DIR DEV MAC RXSTAT TXSTAT [DEV MAC RXSTAT TXSTAT]...:
# vdpa devices DEV (each provisioned with its MAC, already bound to
# vhost_vdpa) driven by one QEMU, each the backend of a virtio-net-pci
# device of the inner guest; RXSTAT/TXSTAT name the parent's packet
# counters of queues 0 and 1 in its vendor statistics, "-" for a parent
# without them.  Prints the tests counted above, plus those of the
# optional hooks the caller defines, called for each DEV in turn:
# inner_hook_live DEV (while the guest holds, the device live) and
# inner_hook_after DEV (after QEMU exited).
inner_test_device() {
	local dir=$1 t0 held=0 nres i v
	local -a devs macs rxk txk nodes args=()

	shift
	while [ "$#" -ge 4 ]; do
		devs+=("$1") macs+=("$2") rxk+=("$3") txk+=("$4")
		shift 4
	done
	for i in "${!devs[@]}"; do
		_inner_dev_ready "${devs[i]}"
		nodes[i]=$_inner_node
		args+=("${nodes[i]}" "${macs[i]}")
	done
	tap_run "inner initramfs built (gcc -static)" inner_build_initrd "$dir"
	inner_pick_kernel
	tap_diag "inner kernel: $INNER_KERNEL${INNER_KMODS:+ (modules from $INNER_KMODS)}$([ ! -s "$dir/vmlinux" ] || echo ", booted through its PVH entry")"

	t0=$SECONDS
	# QEMU sets its own MAC (52:54:00:12:34:56 unless told) through the
	# control queue when it starts the device: give it the device's.
	inner_start "$dir" "${args[@]}"
	inner_wait_hold "$dir" "$((INNER_TIMEOUT - 30))" && held=1
	nres=$(grep -c '^INNER-RESULT' "$dir/console.log")
	if [ "$held" = 1 ] && [ "$nres" = "${#devs[@]}" ]; then
		tap_ok "QEMU runs the inner guest to its result ($((SECONDS - t0)) s, ${#devs[@]} interface(s))"
	else
		tap_fail "QEMU runs the inner guest to its result ($((SECONDS - t0)) s, ${#devs[@]} interface(s))" \
			"$(_inner_tail "$dir")"
	fi
	for i in "${!devs[@]}"; do
		_inner_dev_live "$dir" "${devs[i]}" "${macs[i]}" "${rxk[i]}" "${txk[i]}"
	done

	[ "$held" = 0 ] || inner_release "$dir" || true
	inner_wait
	tap_is "$INNER_RC" 0 "QEMU exited cleanly after the guest powered off"
	tap_run "the inner guest powered off by itself" grep -q '^INNER-DONE' "$dir/console.log"
	if grep -qiE 'vhost|vdpa|error|fail' "$dir/qemu.err"; then
		tap_fail "QEMU's stderr has no vhost-vdpa error" "$(cat "$dir/qemu.err")"
	else
		tap_ok "QEMU's stderr has no vhost-vdpa error"
		[ ! -s "$dir/qemu.err" ] || tap_diag "QEMU stderr: $(cat "$dir/qemu.err")"
	fi
	v=$(_inner_splats "$dir")
	tap_is "$v" "" "the inner guest's kernel logged no report"
	for i in "${!devs[@]}"; do
		! declare -F inner_hook_after >/dev/null || inner_hook_after "${devs[i]}"
		_inner_reopens "${nodes[i]}"
	done
}

# Two tests: DEV is bound to vhost_vdpa and has its character device,
# whose path goes to _inner_node.
_inner_dev_ready() {
	local drv cdev

	drv=$(readlink "/sys/bus/vdpa/devices/$1/driver" 2>/dev/null)
	tap_is "${drv##*/}" vhost_vdpa "$1 is bound to vhost_vdpa"
	cdev=$(cd "/sys/bus/vdpa/devices/$1" 2>/dev/null && echo vhost-vdpa-*)
	_inner_node=/dev/$cdev
	tap_run "$1 has its character device ($_inner_node)" test -c "$_inner_node"
}

# DIR DEV MAC RXSTAT TXSTAT: what the guest saw on DEV's interface (four
# tests), the statistics while the device is live (two, unless RXSTAT is
# "-"; a reset clears negotiation), then inner_hook_live.
_inner_dev_live() {
	local dir=$1 dev=$2 mac=$3 sent recv v

	tap_is "$(inner_field "$dir" IF mac "$mac")" "$mac" \
		"$dev: the inner guest has an interface with the device's MAC"
	tap_is "$(inner_field "$dir" LINK mac "$mac")" "$mac" \
		"$dev: the inner guest's link is up"
	sent=$(inner_field "$dir" RESULT sent "$mac")
	recv=$(inner_field "$dir" RESULT received "$mac")
	tap_is "$sent" "$INNER_FRAMES" "$dev: the inner guest sent $INNER_FRAMES frames"
	tap_is "$recv/$(inner_field "$dir" RESULT dup "$mac")/$(inner_field "$dir" RESULT bad "$mac")" \
		"$INNER_FRAMES/0/0" \
		"$dev: it received every one back, no duplicate, no stray frame (received/dup/bad)"
	if [ "$4" != - ]; then
		v=$(_inner_vstat "$dev" 1 "$5")
		_inner_ge "$dev: vstats qidx 1: $5 counts the frames sent" "$v" "$INNER_FRAMES"
		v=$(_inner_vstat "$dev" 0 "$4")
		_inner_ge "$dev: vstats qidx 0: $4 counts the frames looped back" "$v" "$INNER_FRAMES"
	fi
	! declare -F inner_hook_live >/dev/null || inner_hook_live "$dev"
}

# One test: character device NODE opens again.
_inner_reopens() {
	local fd

	if [ -c "$1" ] && { exec {fd}<>"$1"; } 2>/dev/null; then
		exec {fd}>&-
		tap_ok "$1 can be opened again after QEMU exited"
	else
		tap_fail "$1 can be opened again after QEMU exited"
	fi
}
