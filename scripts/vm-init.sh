#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# PID 1 of the test VM booted by scripts/vm-run.sh (init=<this file>; the
# host's / is the guest's read-only 9p root, so the path is the same).
#
# Sets up a minimal system, runs the command vm-run.sh left in the results
# share (9p tag "vmres") with stdout on ttyS1 and stderr on ttyS2, appends
# kmemleak's findings to the console (ttyS0), writes the exit status to the
# share and powers off.  Whatever fails, it still reports a status (if the
# share is mounted) and powers off: PID 1 must never hang or exit early.
#
# Under TCG every fork+exec costs about half a second, so this script uses
# builtins where it can and leaves the module tree and depmod to the host.
#
# No `set -e`: every step is checked explicitly so a failure ends in finish().
set -uo pipefail

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp
umask 022

res=/run/vm-run/res        # the results share
keep=/run/vm-run/keep      # holds host dirs while tmpfs covers /tmp
kml=/sys/kernel/debug/kmemleak
t_init=0                   # uptime (s) when init started
kept=()                    # host paths under /tmp or /var/tmp to restore
kml_pid=                   # background boot-time kmemleak scan

# Console messages carry the uptime, to see where a slow boot spends it.
say() {
	local up='?'
	[ ! -r /proc/uptime ] || read -r up _ </proc/uptime
	echo "vm-init: [${up}s] $*" >&2
}

# Write status $1 (with error message $2 if given) and power off.
finish() {
	trap - EXIT
	if is_mounted "$res"; then
		[ -z "${2:-}" ] || echo "$2" >"$res/init-error"
		echo "$1" >"$res/status"
	fi
	# systemctl's poweroff needs systemd; busybox's (which syncs first) and
	# sysrq's do not.
	busybox poweroff -f
	sync
	echo o >/proc/sysrq-trigger
	sleep 30
	# Last resort: PID 1 exiting panics, panic=-1 + -no-reboot end QEMU.
	exit 1
}

fail() {
	say "error: $*"
	finish 125 "$*"
}

is_mounted() {
	local mnt
	[ -r /proc/self/mounts ] || return 1
	while read -r _ mnt _; do
		[ "$mnt" != "$1" ] || return 0
	done </proc/self/mounts
	return 1
}

now_s() {
	local up
	read -r up _ </proc/uptime
	echo "$up"
}

mnt() {
	mount "$@" || fail "mount $*"
}

mount_basics() {
	# /proc first: until then /proc is the host's, seen through 9p.
	mount -t proc proc /proc || fail "mount /proc"
	t_init=$(now_s)
	mnt -t sysfs sysfs /sys
	# CONFIG_DEVTMPFS_MOUNT usually did this already.
	is_mounted /dev || mnt -t devtmpfs devtmpfs /dev
	mnt -t tmpfs -o mode=755 tmpfs /run
	mkdir -p /dev/pts /dev/shm "$res" "$keep" || fail "mkdir"
	mnt -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
	mnt -t tmpfs -o mode=1777 tmpfs /dev/shm
	mnt -t debugfs debugfs /sys/kernel/debug
	mnt -t 9p -o trans=virtio,version=9p2000.L,msize=512000 vmres "$res"
	# /dev/fd, /dev/stdin etc., made by vm-run.sh (one exec instead of four)
	cp -a "$res/dev/." /dev/ || fail "cannot create /dev/fd and friends"
}

load_env() {
	local rel
	[ -r "$res/env" ] || fail "$res/env missing"
	# shellcheck source=/dev/null
	. "$res/env" || fail "cannot read $res/env"
	read -r rel </proc/sys/kernel/osrelease
	[ "$VM_RELEASE" = "$rel" ] || fail "booted $rel, expected $VM_RELEASE"
}

# tmpfs on /tmp and /var/tmp would hide host directories the run needs
# (the cwd, the repository, the build's modules) when they live there:
# park them in bind mounts and put them back on top of the tmpfs.
park_host_paths() {
	local p i
	for p in "$@"; do
		case $p in /tmp/* | /var/tmp/*) ;; *) continue ;; esac
		i=${#kept[@]}
		mkdir -p "$keep/$i" || fail "mkdir $keep/$i"
		mount --bind "$p" "$keep/$i" || fail "cannot keep $p visible"
		kept+=("$p")
	done
}

restore_host_paths() {
	local i
	for i in "${!kept[@]}"; do
		mkdir -p "${kept[i]}" || fail "mkdir ${kept[i]}"
		mount --move "$keep/$i" "${kept[i]}" || fail "cannot restore ${kept[i]}"
	done
}

mount_tmp() {
	park_host_paths "$VM_CWD" "$VM_REPO" "$VM_MODDIR"
	mnt -t tmpfs -o mode=1777 tmpfs /tmp
	mnt -t tmpfs -o mode=1777 tmpfs /var/tmp
	restore_host_paths
}

setup_system() {
	echo vdpa-vm >/proc/sys/kernel/hostname || fail "set hostname"
	ip link set lo up || fail "ip link set lo up"
}

# /lib/modules/<release>: vm-run.sh built it in the share (the build's
# modules and ours in updates/, all symlinks, depmod already run); copy it
# to a tmpfs so that tests may change it.  On the stock tier the links point
# to VM_HOSTMODS_AT, where the host's own /lib/modules/<release> (the
# stock kernel's modules, VM_HOSTMODS_FROM) stays visible under the tmpfs.
setup_modules() {
	if [ -n "${VM_HOSTMODS_FROM:-}" ]; then
		mkdir -p "$VM_HOSTMODS_AT" || fail "mkdir $VM_HOSTMODS_AT"
		mnt --bind "$VM_HOSTMODS_FROM" "$VM_HOSTMODS_AT"
	fi
	mnt -t tmpfs -o mode=755 tmpfs /lib/modules
	cp -a "$res/modules/lib/modules/$VM_RELEASE" /lib/modules/ ||
		fail "cannot copy the module tree"
	# The stock kernel has as modules the virtio drivers the test kernel
	# has built in, which udev would load by alias (there is no udev here).
	if [ "${VM_TIER:-}" = stock ]; then
		modprobe -a virtio_net virtio_blk || fail "modprobe virtio_net virtio_blk"
	fi
}

# kmemleak reports an object only if it is >= 5 s old when a scan starts;
# sleep until objects allocated by uptime $1 qualify.
kmemleak_age() {
	local since=${1%.*} now wait
	now=$(now_s)
	wait=$((since + 6 - ${now%.*}))
	[ "$wait" -le 0 ] || sleep "$wait"
}

# Forget what the boot itself leaked, so that only later leaks show up.  A
# scan takes many seconds under TCG: run it in the background while the rest
# of the setup goes on (setup's own allocations are referenced, not leaks).
kmemleak_clear_boot_start() {
	[ -w "$kml" ] || { say "kmemleak not available"; return 0; }
	(kmemleak_age "$t_init" && echo scan >"$kml" && echo clear >"$kml") &
	kml_pid=$!
}

kmemleak_clear_boot_wait() {
	[ -z "$kml_pid" ] || wait "$kml_pid" || fail "kmemleak boot scan/clear"
}

# After the command (unless it made the final scan itself, and says so in
# /run/vm-kmemleak-scanned): age its objects, scan twice (a scan skips
# objects that changed since the previous one) and copy the report to the
# console (where vm-run.sh looks for "unreferenced object") and to the
# results share.
kmemleak_report() {
	[ -w "$kml" ] || return 0
	# tests/run-in-vm.sh ends with such a scan and counts its report as a
	# test: another one would only take 20-40 s more under TCG.
	if [ -e /run/vm-kmemleak-scanned ]; then
		say "kmemleak: the command ran the final scan"
		return 0
	fi
	kmemleak_age "$(now_s)"
	{ echo scan >"$kml" && sleep 1 && echo scan >"$kml"; } ||
		{ say "kmemleak scan failed"; return 0; }
	cat "$kml" >"$res/kmemleak"
	[ -s "$res/kmemleak" ] || return 0
	say "kmemleak report:"
	cat "$res/kmemleak" >&2
}

# The command's streams: raw mode so the tty layer adds no CRs.
open_streams() {
	exec 3<>/dev/ttyS1 4<>/dev/ttyS2 || fail "cannot open ttyS1/ttyS2"
	stty raw -echo <&3 || fail "stty ttyS1"
	stty raw -echo <&4 || fail "stty ttyS2"
	open_monitor
}

# vm-run.sh --guest-monitor: QEMU's monitor on VM_MONITOR_TTY, raw and
# without echo before anything else opens it: an echo would feed the
# monitor's greeting back to it, and its answers, in a loop.  "stty -F"
# opens the port and sets it in one process (the window between the two
# is a few system calls, not an exec under TCG); the settings stay with
# the port when it is closed.  Then it is kept open here, so that they
# and the port stay as they are between the commands' own opens.
open_monitor() {
	[ -n "${VM_MONITOR_TTY:-}" ] || return 0
	stty -F "$VM_MONITOR_TTY" raw -echo -hupcl clocal 115200 ||
		fail "stty $VM_MONITOR_TTY"
	exec 5<>"$VM_MONITOR_TTY" || fail "cannot open $VM_MONITOR_TTY"
}

run_command() {
	local rc=0
	env -i PATH="$PATH" HOME=/tmp VM_TIER="${VM_TIER:-debug}" \
		${VM_MONITOR_TTY:+VM_MONITOR_TTY="$VM_MONITOR_TTY"} \
		bash "$res/cmd.sh" </dev/null >&3 2>&4 5<&- ||
		rc=$?
	exec 3>&- 4>&-
	return "$rc"
}

main() {
	trap 'fail "init script exited unexpectedly"' EXIT
	mount_basics
	kmemleak_clear_boot_start
	load_env
	mount_tmp
	setup_system
	setup_modules
	open_streams
	say "set up (init started at ${t_init}s)"
	kmemleak_clear_boot_wait
	say "boot-time kmemleak backlog cleared, running the command"
	local rc=0
	run_command || rc=$?
	say "command exited with status $rc"
	kmemleak_report
	say "kmemleak scanned"
	finish "$rc"
}

main
