#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Reference run of the vp_vdpa end-to-end scripts against the in-tree
# stack of the test kernel (vdpa, vp_vdpa, virtio_vdpa and, for 81,
# vhost_vdpa with vhost, vhost_iotlb and irqbypass, from
# /lib/modules/$(uname -r)/kernel, loaded with insmod by the scripts
# themselves because VP_VDPA_INTREE=1).  Not part of `make check`: it
# shows what the in-tree modules do with the same QEMU functions, and the
# scripts skip, with the reason, what only ours offers.  The VM needs the
# debug tier's vp_vdpa functions:
#
#   scripts/check.sh --reference tests/e2e-reference/vp-vdpa-intree.sh [PREFIX...]
#
# runs, in one VM, the scripts whose names start with a PREFIX (80, 81,
# 82, 83), or all of them.  Exit status 0 iff every one passed.  Each
# script loads what it needs itself (vp_load, tests/lib/vp_vdpa.sh),
# after unloading our vdpa, which the vdpa tool of an earlier script's
# exit trap may have autoloaded and against which the in-tree vp_vdpa
# cannot link.  What the in-tree modules do differently is in
# Documentation/vp_vdpa.rst, "Against the in-tree vp_vdpa".
set -u
here=$(cd "$(dirname "$0")" && pwd)
export VP_VDPA_INTREE=1
rc=0
# picked NAME: no PREFIX was given, or NAME starts with one.
picked() {
	local p

	[ $# = 1 ] && return 0
	for p in "${@:2}"; do
		[[ $1 != "$p"* ]] || return 0
	done
	return 1
}
for s in "$here"/../e2e/8[0-9]-vp-vdpa-*.sh; do
	picked "$(basename "$s")" "$@" || continue
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
