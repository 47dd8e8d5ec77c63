#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make demo: build the modules, boot the test VM, load our modules and
# show what they provide. Run inside the VM with --guest.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)

show() {
	echo
	echo "\$ $*"
	"$@" 2>&1 || echo "(exit status $?)"
}

guest() {
	local dbg=/sys/kernel/debug
	show modprobe -v vdpa
	show modprobe -v -a vdpa_test_parent vdpa_test_driver
	echo demo0 >$dbg/vdpa_test_parent/add
	echo demo1 >$dbg/vdpa_test_parent/add
	show ls -l /sys/bus/vdpa/devices/
	show ls /sys/bus/vdpa/drivers/
	show cat $dbg/vdpa_test_driver/devices
	show cat /sys/bus/vdpa/devices/demo0/uevent
	show vdpa mgmtdev show
	show rmmod vdpa_test_driver vdpa_test_parent vdpa
}

if [ "${1:-}" = --guest ]; then
	guest
	exit 0
fi
make -C "$root" -s modules
exec "$root/scripts/vm-run.sh" -- "$root/scripts/demo.sh" --guest
