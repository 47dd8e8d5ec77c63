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

say() {
	echo "vm-init: $*" >&2
}

# Write status $1 (with error message $2 if given), sync and power off.
finish() {
	local rc=$1
	trap - EXIT
	if mountpoint -q "$res" 2>/dev/null; then
		[ -z "${2:-}" ] || echo "$2" >"$res/init-error"
		echo "$rc" >"$res/status.new" && mv "$res/status.new" "$res/status"
	fi
	sync
	# systemctl's poweroff needs systemd; busybox's and sysrq's do not.
	busybox poweroff -f 2>/dev/null
	echo o >/proc/sysrq-trigger 2>/dev/null
	sleep 30
	# Last resort: PID 1 exiting panics, panic=-1 + -no-reboot end QEMU.
	exit 1
}

fail() {
	say "error: $*"
	finish 125 "$*"
}

# Seconds since boot, integer part.
uptime_s() {
	local up
	read -r up _ </proc/uptime
	echo "${up%.*}"
}

mnt() {
	mount "$@" || fail "mount $*"
}

mount_basics() {
	# /proc first: until then /proc is the host's, seen through 9p.
	mount -t proc proc /proc || fail "mount /proc"
	t_init=$(uptime_s)
	mnt -t sysfs sysfs /sys
	# CONFIG_DEVTMPFS_MOUNT usually did this already.
	mountpoint -q /dev || mnt -t devtmpfs devtmpfs /dev
	mkdir -p /dev/pts /dev/shm
	mnt -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
	mnt -t tmpfs -o mode=1777 tmpfs /dev/shm
	mnt -t tmpfs -o mode=755 tmpfs /run
	mnt -t debugfs debugfs /sys/kernel/debug
	mkdir -p "$res" "$keep"
	mnt -t 9p -o trans=virtio,version=9p2000.L,msize=512000 vmres "$res"
}

load_env() {
	[ -r "$res/env" ] || fail "$res/env missing"
	# shellcheck source=/dev/null
	. "$res/env" || fail "cannot read $res/env"
	[ "$VM_RELEASE" = "$(uname -r)" ] ||
		fail "booted $(uname -r), expected $VM_RELEASE"
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
	hostname vdpa-vm || fail "hostname"
	ip link set lo up || fail "ip link set lo up"
}

# /lib/modules/<release>: the build's modules as symlinks, plus ours in
# updates/ (depmod's default search order prefers updates/ over kernel/).
setup_modules() {
	local top=/lib/modules/$VM_RELEASE ko dst
	mnt -t tmpfs -o mode=755 tmpfs /lib/modules
	cp -as "$VM_MODDIR" "$top" || fail "cp -as $VM_MODDIR"
	mkdir -p "$top/updates" || fail "mkdir updates"
	while IFS= read -r ko; do
		# Keep the repository layout: core/vdpa.ko -> updates/core/vdpa.ko.
		dst=$top/updates/${ko#"$VM_REPO"/}
		mkdir -p "${dst%/*}" || fail "mkdir ${dst%/*}"
		ln -s "$ko" "$dst" || fail "link $ko"
	done <"$res/modules.list"
	depmod -a "$VM_RELEASE" || fail "depmod"
}

# kmemleak reports an object only once it is >= 5 s old at the start of a
# scan, and skips objects whose contents changed since the previous scan:
# so wait until everything of interest is old enough, then scan twice.
kmemleak_scan() {
	local since=$1 wait
	wait=$((since + 6 - $(uptime_s)))
	[ "$wait" -le 0 ] || sleep "$wait"
	say "T $(cat /proc/uptime) scan 1"
	echo scan >"$kml" && sleep 1 && say "T $(cat /proc/uptime) scan 2" && echo scan >"$kml"
}

# Forget what the boot itself leaked, so that only later leaks show up.
kmemleak_clear_boot() {
	[ -w "$kml" ] || { say "kmemleak not available"; return 0; }
	kmemleak_scan "$t_init" || fail "kmemleak scan"
	echo clear >"$kml" || fail "kmemleak clear"
}

# Scan after the command and copy the report to the console (where vm-run.sh
# looks for "unreferenced object") and to the results share.
kmemleak_report() {
	[ -w "$kml" ] || return 0
	say "T $(cat /proc/uptime) kmemleak_report"
	kmemleak_scan "$(uptime_s)" || { say "kmemleak scan failed"; return 0; }
	say "T $(cat /proc/uptime) kmemleak_report done"
	cat "$kml" >"$res/kmemleak" 2>/dev/null
	[ -s "$res/kmemleak" ] || return 0
	say "kmemleak report:"
	cat "$res/kmemleak" >&2
}

# The command's streams: raw mode so the tty layer adds no CRs.
open_streams() {
	exec 3<>/dev/ttyS1 4<>/dev/ttyS2 || fail "cannot open ttyS1/ttyS2"
	stty raw -echo <&3 || fail "stty ttyS1"
	stty raw -echo <&4 || fail "stty ttyS2"
}

run_command() {
	local rc=0
	env -i PATH="$PATH" HOME=/tmp bash "$res/cmd.sh" </dev/null >&3 2>&4 ||
		rc=$?
	exec 3>&- 4>&-
	return "$rc"
}

main() {
	trap 'fail "init script exited unexpectedly"' EXIT
	mount_basics
	load_env
	mount_tmp
	setup_system
	say "T $(cat /proc/uptime) setup_modules"
	setup_modules
	say "T $(cat /proc/uptime) kmemleak_clear_boot"
	kmemleak_clear_boot
	say "T $(cat /proc/uptime) open_streams"
	open_streams
	say "running the command (boot took $(uptime_s)s)"
	local rc=0
	run_command || rc=$?
	say "command exited with status $rc"
	kmemleak_report
	finish "$rc"
}

main
