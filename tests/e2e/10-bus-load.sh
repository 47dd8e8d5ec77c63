#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vm-tier: debug
#
# vdpa.ko loads from updates/ (ours, not the in-tree one), creates the bus
# in sysfs, and unloads cleanly.
set -u
. "$(dirname "$0")/../lib/tap.sh"

tap_plan 7

tap_run "no vdpa module loaded at start" sh -c '! grep -q "^vdpa " /proc/modules'
tap_run "modinfo resolves vdpa to updates/" \
	sh -c 'modinfo -F filename vdpa | grep -q "/updates/"'
tap_run "modprobe vdpa" modprobe vdpa
tap_run "/sys/bus/vdpa has devices/ and drivers/" \
	test -d /sys/bus/vdpa/devices -a -d /sys/bus/vdpa/drivers
tap_is "$(cat /sys/bus/vdpa/drivers_autoprobe 2>/dev/null)" 1 "drivers_autoprobe is on"
tap_run "rmmod vdpa" rmmod vdpa
tap_run "/sys/bus/vdpa is gone" test ! -e /sys/bus/vdpa
tap_done
