#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Reference run of the vp_vdpa end-to-end scripts against the in-tree
# stack of the test kernel (vdpa, vp_vdpa, virtio_vdpa and, for 81,
# vhost_iotlb and vhost_vdpa, from /lib/modules/$(uname -r)/kernel, loaded
# with insmod by the scripts themselves because VP_VDPA_INTREE=1).  Not
# part of `make check`: it shows what the in-tree modules do with the same
# QEMU functions, and the scripts skip, with the reason, what only ours
# offers.  The VM needs the debug tier's vp_vdpa functions:
#
#   scripts/check.sh --reference tests/e2e-reference/vp-vdpa-intree.sh [80|81|82|83]
#
# Exit status 0 iff every selected script passed.  80, 82 and 83 have
# the in-tree mode.  Run of 2026-12-05 (80 only got through): the
# in-tree vp_vdpa takes a second "vdpa dev add" on the same function (ours
# refuses it with EEXIST); the second device re-initialises the function
# under the first, whose traffic then stops (ping unreachable, virtio_net
# TX timeouts for minutes), and the script stalled at the first device's
# "vdpa dev del"; stopped by hand after 5 minutes.
set -u
here=$(cd "$(dirname "$0")" && pwd)
export VP_VDPA_INTREE=1
rc=0
for s in "$here"/../e2e/8[0-9]-vp-vdpa-*.sh; do
	[ $# = 0 ] || [[ $(basename "$s") == "$1"* ]] || continue
	grep -q VP_VDPA_INTREE "$s" || {
		echo "# $(basename "$s"): no in-tree mode, not run"
		continue
	}
	echo "# $(basename "$s") against the in-tree modules"
	start=$SECONDS
	bash "$s" || rc=1
	echo "# $(basename "$s"): $((SECONDS - start)) s"
done
exit "$rc"
