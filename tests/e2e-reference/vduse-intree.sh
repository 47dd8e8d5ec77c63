#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Reference run of the VDUSE end-to-end scripts against the in-tree stack
# of the test kernel (vhost_iotlb, vdpa, vduse, virtio_vdpa from
# /lib/modules/$(uname -r)/kernel, loaded with insmod by the scripts
# themselves because VDUSE_INTREE=1).  Not part of `make check`: it shows
# what the in-tree modules do, which 60-vduse-blk.sh, 61-vduse-net.sh and
# 62-vduse-hostile.sh then expect from ours where the comments there say
# so.  All three run here in the debug VM, 60 too (its tier is stock).
# Build the daemon on the host first (make -C tests/userspace vduse), then:
#
#   scripts/vm-run.sh --mem 1536 -- tests/e2e-reference/vduse-intree.sh [60|61|62]
#
# Exit status 0 iff every selected script passed.  vm-run.sh itself still
# exits 1: the in-tree vduse's lockdep report on kick_lock (61 expects it,
# see there) is in the console log.  Run of 2026-12-04, before 60 was split
# into 60 and 62: 60 52/52 (1 skip) in 331 s, 61 26/26 (5 skips) in 28 s.
set -u
here=$(cd "$(dirname "$0")" && pwd)
export VDUSE_INTREE=1
rc=0
for s in "$here"/../e2e/60-vduse-blk.sh "$here"/../e2e/61-vduse-net.sh \
	"$here"/../e2e/62-vduse-hostile.sh; do
	[ $# = 0 ] || [[ $(basename "$s") == "$1"* ]] || continue
	echo "# $(basename "$s") against the in-tree modules"
	start=$SECONDS
	bash "$s" || rc=1
	echo "# $(basename "$s"): $((SECONDS - start)) s"
done
exit "$rc"
