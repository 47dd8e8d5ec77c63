#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vm-tier: stock
#
# virtio_vdpa under the kernel's virtio_blk, on vdpasim_blk (RAM-backed).
# With the packed ring (the default: the simulator offers it): a disk
# appears; ext4 on it keeps a tree of files intact across unmount, fsck
# and remount; fio random writes verify (crc32c); blkdiscard and
# blkdiscard -z leave zeros and reach the device; switching to
# vhost_vdpa (a userspace driver writes and reads through it) and back
# through driver_override keeps the data; "vdpa dev del" during fio
# completes and the disk disappears. With the split ring and two request
# queues: fio verifies. A device added with the module's read_only=1
# refuses writes. Nothing is reported by the kernel.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/e2e.sh"

bus=/sys/bus/vdpa
params=/sys/module/vdpa_sim_blk/parameters
work=/tmp/vv-blk.$$
mnt=$work/mnt

e2e_need_modules vdpa_sim_blk virtio_vdpa vhost_vdpa
command -v fio >/dev/null || tap_bail "fio is not installed"
e2e_find_vdpa_user || tap_bail "no vdpa_user (tests/userspace)"
tap_plan 42

# The disk of vDPA device $1 (empty if none).
disk() { e2e_disk "$1"; }
bound_to() { e2e_bound_to "$1"; }
feature() { cut -c"$(($2 + 1))" "$bus/devices/$1"/virtio*/features; }
# Vendor statistic $3 of queue $2 of device $1 (the vdpa tool of Debian 12
# prints vstats of network devices only: ask the family directly).
vstat() {
	nl send DEV_VSTATS_GET DEV_NAME=str:"$1" DEV_QUEUE_INDEX=u32:"$2" |
		awk -F= -v want="$3" '$1 == "DEV_VENDOR_ATTR_NAME" { name = $2 }
			$1 == "DEV_VENDOR_ATTR_VALUE" && name == want { print $2; exit }'
}
# vstat_all DEV NAME: vendor statistic NAME summed over every queue of DEV
# (vdpa_sim_blk has a queue per CPU: a request counts where it was sent).
vstat_all() {
	local q=0 v sum=0

	while v=$(vstat "$1" "$q" "$2") && [ -n "$v" ]; do
		sum=$((sum + v)) q=$((q + 1))
	done
	[ "$q" -gt 0 ] && echo "$sum"
}
# sha256 of $3 MiB at MiB offset $2 of block device $1, read around the
# page cache.
sum_range() {
	dd if="$1" bs=1M skip="$2" count="$3" iflag=direct status=none |
		sha256sum | cut -d' ' -f1
}
zero_sum() { head -c "$(($1 << 20))" /dev/zero | sha256sum | cut -d' ' -f1; }

e2e_begin
mkdir -p "$mnt"

tap_run "load vdpa_sim_blk and virtio_vdpa" modprobe -a vdpa_sim_blk virtio_vdpa

# --- packed ring: files, fio, discard, switching, delete under I/O ---
tap_run "b0: dev add" vdpa dev add name b0 mgmtdev vdpasim_blk
d=$(disk b0)
tap_is "$(bound_to b0):${d:+disk}" virtio_vdpa:disk \
	"b0: bound to virtio_vdpa, virtio_blk made a disk"
tap_run "b0: /dev/$d is a block device of 128 MiB" \
	test -b "/dev/$d" -a "$(blockdev --getsize64 "/dev/$d" 2>/dev/null)" = $((128 << 20))
tap_is "$(feature b0 34)$(feature b0 40)" 11 "b0: RING_PACKED and RING_RESET negotiated"

tap_run "b0: mkfs.ext4" mkfs.ext4 -q -F "/dev/$d"
tap_run "b0: mount" mount "/dev/$d" "$mnt"
tap_run "b0: write a tree of 48 files (up to 850 KiB)" e2e_make_tree "$mnt" "$work/sums"
tap_is "$(wc -l <"$work/sums")" 48 "b0: 48 checksums recorded"
tap_run "b0: unmount" umount "$mnt"
tap_run "b0: fsck -n finds the file system clean" fsck.ext4 -n -f "/dev/$d"
tap_run "b0: remount" mount "/dev/$d" "$mnt"
tap_run "b0: every file reads back with its checksum" \
	e2e_tree_intact "$mnt" "$work/sums"
tap_run "b0: unmount again" umount "$mnt"

tap_run "b0: fio random writes of 32 MiB verify (crc32c)" \
	fio_verify "/dev/$d" 32M

# Discard and write zeroes: random data first, so zeros mean something.
discards=$(vstat_all b0 discards)
zeroes=$(vstat_all b0 write_zeroes)
dd if=/dev/urandom of="/dev/$d" bs=1M count=8 oflag=direct status=none
tap_run "b0: blkdiscard of the first 8 MiB" blkdiscard -o 0 -l $((8 << 20)) "/dev/$d"
tap_is "$(sum_range "/dev/$d" 0 8)" "$(zero_sum 8)" "b0: discarded range reads zeros"
dd if=/dev/urandom of="/dev/$d" bs=1M count=8 oflag=direct status=none
tap_run "b0: blkdiscard -z of the first 8 MiB" blkdiscard -z -o 0 -l $((8 << 20)) "/dev/$d"
tap_is "$(sum_range "/dev/$d" 0 8)" "$(zero_sum 8)" "b0: zeroed range reads zeros"
tap_is "$(($(vstat_all b0 discards) > ${discards:--1})):$(($(vstat_all b0 write_zeroes) > ${zeroes:--1}))" \
	1:1 "b0: the device counted DISCARD and WRITE_ZEROES requests"

# driver_override: to vhost_vdpa (a userspace driver writes and reads back
# the first MiB through /dev/vhost-vdpa-N) and back to virtio_vdpa; the
# data written before, beyond that MiB, stays.
dd if=/dev/urandom of="/dev/$d" bs=1M count=4 seek=4 oflag=direct status=none
before=$(sum_range "/dev/$d" 4 4)
tap_run "load vhost_vdpa" modprobe vhost_vdpa
e2e_override b0 vhost_vdpa
node=$(e2e_vhost_node b0)
tap_is "$(bound_to b0):$(disk b0):${node:+node}" vhost_vdpa::node \
	"b0: switched to vhost_vdpa, no disk, a vhost-vdpa node"
tap_run "b0: vdpa_user writes and reads back 2048 sectors through $node" \
	"$E2E_VDPA_USER" blk-rw --dev "$node" --sectors 2048
e2e_override b0 virtio_vdpa
d=$(disk b0)
tap_is "$(bound_to b0):${d:+disk}" virtio_vdpa:disk \
	"b0: switched back to virtio_vdpa, a disk again"
tap_is "$(sum_range "/dev/$d" 4 4)" "$before" "b0: the data written before the switch reads back"
tap_run "b0: writes work after the switch" \
	dd if=/dev/urandom of="/dev/$d" bs=1M count=4 seek=8 oflag=direct status=none
tap_run "unload vhost_vdpa" rmmod vhost_vdpa

# vdpa dev del while fio writes.
e2e_del_under_fio b0 "$d"

# --- split ring, two request queues ---
supported=$(nl send MGMTDEV_GET MGMTDEV_DEV_NAME=str:vdpasim_blk |
	    sed -n 's/^DEV_SUPPORTED_FEATURES=//p')
echo 2 >$params/num_queues
# Everything supported except RING_PACKED (34) and VIRTIO_BLK_F_RO (5).
tap_run "b1 (split, 2 queues): dev add without RING_PACKED" \
	nl send DEV_NEW DEV_NAME=str:b1 MGMTDEV_DEV_NAME=str:vdpasim_blk \
	DEV_FEATURES=u64:$((supported & ~(1 << 34) & ~(1 << 5)))
echo 1 >$params/num_queues
d=$(disk b1)
tap_is "$(feature b1 34):$(find "/sys/block/$d/mq" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)" 0:2 \
	"b1: split ring, two hardware queues"
tap_run "b1: fio random writes of 2 x 16 MiB verify (crc32c), 2 jobs" \
	fio_verify "/dev/$d" 16M --numjobs=2 --offset_increment=16M
tap_run "b1: dev del" vdpa dev del b1

# --- read-only ---
echo 1 >$params/read_only
tap_run "b2 (read_only=1): dev add" vdpa dev add name b2 mgmtdev vdpasim_blk
echo 0 >$params/read_only
d=$(disk b2)
tap_is "$(blockdev --getro "/dev/$d" 2>&1)" 1 "b2: the disk is read-only"
tap_fails_with "b2: a write is refused" 'Operation not permitted|Read-only' \
	dd if=/dev/zero of="/dev/$d" bs=4k count=1 oflag=direct status=none
tap_run "b2: reads work" dd if="/dev/$d" of=/dev/null bs=1M count=4 iflag=direct status=none
tap_run "b2: dev del" vdpa dev del b2

tap_is "$(ls $bus/devices)" "" "no vDPA device left"
e2e_end
rm -rf "$work"
tap_done
