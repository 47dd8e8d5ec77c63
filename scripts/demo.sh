#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make demo: build the modules, boot the test VM, load our modules and
# drive them with the real iproute2 vdpa tool: a management device (the
# test parent), a device created with "vdpa dev add", bound to the test
# driver, its config and vendor statistics, a refused duplicate, and
# the deletion. Run inside the VM with --guest.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)

show() {
	echo
	echo "\$ $*"
	"$@" 2>&1 || echo "(exit status $?)"
}

guest() {
	show modprobe -v vdpa
	show modprobe -v -a vdpa_test_parent vdpa_test_driver
	show vdpa mgmtdev show
	show vdpa dev add name demo0 mgmtdev vdpa_test mac 02:00:00:00:00:01 \
		mtu 9000 max_vqp 2
	show vdpa dev show demo0
	show ls -l /sys/bus/vdpa/devices/
	show cat /sys/kernel/debug/vdpa_test_driver/devices
	show vdpa dev config show demo0
	show vdpa dev vstats show demo0 qidx 0
	show vdpa dev add name demo0 mgmtdev vdpa_test
	show vdpa dev del demo0
	show rmmod vdpa_test_driver vdpa_test_parent vdpa
}

if [ "${1:-}" = --guest ]; then
	guest
	exit 0
fi
make -C "$root" -s modules
exec "$root/scripts/vm-run.sh" -- "$root/scripts/demo.sh" --guest
