#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vm-tier: debug stock
#
# The guest looks the way scripts/vm-init.sh promises the other tests:
# read-only 9p root, tmpfs /tmp, module tree with updates/, the build's own
# modules loadable, debugfs and kmemleak available (on the stock tier, the
# module_load trace event that tests/run-in-vm.sh watches instead).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"

rel=$(uname -r)
top=/lib/modules/$rel

fstype() {
	findmnt -n -o FSTYPE --mountpoint "$1" || true
}

# shellcheck disable=SC2317 # called through tap_run
tmp_writable() {
	local f
	f=$(mktemp -p /tmp) && echo x >"$f" && rm "$f"
}

# Symlinks in updates/ whose target is gone (a .ko the guest cannot see).
broken_links() {
	find "$top/updates" -xtype l
}

tap_plan 13

tap_is "$(fstype /)" 9p "root filesystem is 9p"
tap_run "root is mounted read-only" findmnt -n -O ro --mountpoint /
tap_fails_with "writing to / fails with EROFS" 'Read-only file system' \
	touch /.vm-sanity-probe
tap_is "$(fstype /tmp)" tmpfs "/tmp is a tmpfs"
tap_run "/tmp is writable" tmp_writable
tap_is "$HOME" /tmp "HOME is /tmp"
tap_run "$top/updates exists" test -d "$top/updates"
tap_run "$top/modules.dep exists" test -s "$top/modules.dep"
tap_is "$(broken_links)" "" "every module in updates/ resolves"
# The kernel's own modules: the test kernel's build, or Debian's package.
veth=$top/kernel/drivers/net/veth.ko
[ "${VM_TIER:-debug}" = debug ] || veth=$veth.xz
tap_is "$(modinfo -n veth)" "$veth" "veth resolves to the kernel's own module"
tap_run "modprobe veth && rmmod veth" sh -c 'modprobe veth && rmmod veth'
tap_is "$(fstype /sys/kernel/debug)" debugfs "debugfs is mounted"
if [ "${VM_TIER:-debug}" = debug ]; then
	tap_run "kmemleak is present" test -r /sys/kernel/debug/kmemleak
else
	# tests/run-in-vm.sh traces module loads to catch in-box vDPA modules.
	tap_run "the module_load trace event is enabled" grep -qx 1 \
		/sys/kernel/tracing/events/module/module_load/enable
fi

tap_done
