#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vm-tier: debug
#
# The writable configuration space of VDUSE (ours only, beyond upstream):
# a daemon that sets VDUSE_EXT_F_CONFIG_WRITE (<linux/vduse_ext.h>) on its
# control file may offer VIRTIO_BLK_F_CONFIG_WCE, and virtio_blk's
# writeback toggle (/sys/block/<disk>/cache_type) reaches it as a
# VDUSE_EXT_SET_CONFIG request.  Checked: API version 0 is unchanged
# (CONFIG_WCE without the extension is refused with EINVAL, as upstream);
# an unknown extension bit is refused and grants nothing; the toggle
# reaches tests/userspace/vduse_user blk --wce both ways (its config copy
# and its count of writes), the driver reads back what it wrote, I/O
# works afterwards; a daemon that refuses the write (--hostile
# config-refuse) gets the previous byte restored, so cache_type does not
# change.  Not run against the in-tree vduse (it has no such extension).
#
# Cost: about 15 s in the debug VM under TCG.
set -u
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/e2e.sh
. "$(dirname "$0")/../lib/e2e.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/vduse.sh
. "$(dirname "$0")/../lib/vduse.sh"

[ "$intree" = 1 ] && { echo "1..0 # SKIP ours only (a VDUSE extension)"; exit 0; }
tap_plan 26

vduse_begin

# probe CASE: the errno name vduse_user probe CASE printed.
probe() { "$tool" probe "$1" 2>&1 | sed -n "s/^probe $1: //p"; }
tap_is "$(probe blk-config-wce)" EINVAL "API v0: CONFIG_WCE refused without the extension"
tap_is "$(probe ext-unknown)" EINVAL "an unknown extension bit is refused, CONFIG_WCE still refused"
tap_is "$(probe blk-config-wce-ext)" 0 "with VDUSE_EXT_F_CONFIG_WRITE, CONFIG_WCE is accepted"

counters() { vu_counters "$1" requests; }
field() { vu_field "$@"; }
# toggle DISK MODE: write cache_type, print what it reads afterwards.
toggle() {
	echo "$2" >"/sys/block/$1/cache_type" && cat "/sys/block/$1/cache_type"
}

# --- a daemon that takes the writes -------------------------------------------
tap_do "w0: vduse_user blk --wce ready" start_vu "$work/w0.log" blk w0 --size 16 --wce --destroy
tap_do "w0: vdpa dev add, disk appears" add w0
d=$(e2e_disk w0)
tap_is "$(cat "/sys/block/$d/cache_type" 2>&1)" "write back" \
	"w0: CONFIG_WCE negotiated, the daemon's wce 1 reads as write back"
tap_is "$(toggle "$d" "write through")" "write through" \
	"w0: cache_type write through: the driver reads back what it wrote"
c=$(counters "$work/w0.log")
tap_is "$(field wce "$c"):$(field config_writes "$c")" 0:1 \
	"w0: the daemon got one write, its wce is 0 (${c:-no counters})"
tap_do "w0: the request names the wce byte (offset 32)" \
	grep -q "config write: 1 byte(s) at 32, first 0x00" "$work/w0.log"
tap_is "$(toggle "$d" "write back")" "write back" "w0: cache_type write back again"
c=$(counters "$work/w0.log")
tap_is "$(field wce "$c"):$(field config_writes "$c")" 1:2 \
	"w0: the daemon's wce is 1 again (${c:-no counters})"
tap_do "w0: 4 MiB written and read back after the toggles" dd_cmp "$d" 4
tap_do "w0: del, daemon exits 0, destroy" eval 'del w0 && stop_vu && wait_for 10 gone w0'

# --- a daemon that refuses them ------------------------------------------------
tap_do "r0: vduse_user blk --wce --hostile config-refuse ready" \
	start_vu "$work/r0.log" blk r0 --size 16 --wce --hostile config-refuse --destroy
tap_do "r0: vdpa dev add, disk appears" add r0
d=$(e2e_disk r0)
tap_is "$(toggle "$d" "write through")" "write back" \
	"r0: refused: the kernel restored the byte, cache_type stays write back"
c=$(counters "$work/r0.log")
tap_is "$(field wce "$c"):$(field config_writes "$c")" 1:0 \
	"r0: the daemon applied nothing (${c:-no counters})"
tap_do "r0: the daemon saw the request" grep -q "config write: 1 byte(s) at 32" "$work/r0.log"
tap_do "r0: del, daemon exits 0, destroy" eval 'del r0 && stop_vu && wait_for 10 gone r0'

vduse_end
tap_done
