#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The guest looks the way scripts/vm-init.sh promises the other tests:
# read-only 9p root, tmpfs /tmp, module tree with updates/, the build's own
# modules loadable, debugfs and kmemleak available.
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
tap_is "$(modinfo -n veth)" "$top/kernel/drivers/net/veth.ko" \
	"veth resolves to the build's module"
tap_run "modprobe veth && rmmod veth" sh -c 'modprobe veth && rmmod veth'
tap_is "$(fstype /sys/kernel/debug)" debugfs "debugfs is mounted"
tap_run "kmemleak is present" test -r /sys/kernel/debug/kmemleak

tap_done
