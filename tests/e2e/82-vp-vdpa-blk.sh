#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vm-tier: debug
#
# vp_vdpa with a virtio-blk-pci function (QEMU, disable-legacy=on, over a
# 256 MiB sparse file that scripts/check.sh recreates each run, behind root
# port 00:12.0, translated by the intel-iommu).  Checked: the function
# moves from virtio-pci to vp_vdpa and becomes management device
# pci/<BDF> of class block; "vdpa dev add" makes a virtio_vdpa device
# that virtio_blk turns into a disk of the function's size, each queue's
# interrupt on the CPU virtio_blk spread it to; ext4 on it
# holds a tree of files across an unmount; fio's random writes verify
# (crc32c) in a file on it; "vdpa dev del" removes the disk; handed back
# to virtio-pci, plain virtio_blk reads the same files.  Then a second
# virtio-blk-pci function with only 2 MSI-X vectors for its 2 queues and
# its config (root port 00:13.0): vp_vdpa shares one vector among them,
# fio verifies through it, no completion is passed on as a config change
# (virtio_blk would log "new size"), and QEMU's block_resize in the guest
# monitor reaches virtio_blk as exactly one.
#
# VP_VDPA_INTREE=1 (tests/e2e-reference/vp-vdpa-intree.sh) runs it
# against the test kernel's in-tree vdpa, vp_vdpa and virtio_vdpa.
#
# Cost: about 50 s in the debug VM under TCG (48 s in scripts/check.sh on
# an idle host, 194 s with another VM sharing the two cores).
set -u
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/e2e.sh
. "$(dirname "$0")/../lib/e2e.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/vp_vdpa.sh
. "$(dirname "$0")/../lib/vp_vdpa.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/qemu-monitor.sh
. "$(dirname "$0")/../lib/qemu-monitor.sh"

BDF=$(vp_fn 0000:00:12.0)
[ -n "$BDF" ] ||
	tap_bail "no virtio-blk-pci behind 0000:00:12.0 (scripts/check.sh adds it)"
e2e_need_tools fio jq mkfs.ext4 sha256sum
e2e_need_modules vp_vdpa virtio_vdpa
tap_plan 27

work=$(mktemp -d)
mnt=$work/mnt
cleanup() {
	mountpoint -q "$mnt" && umount "$mnt"
	vdpa dev del vpb0 2>/dev/null
	[ "$(vp_driver "$BDF")" = virtio-pci ] || vp_to_virtio_pci "$BDF" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# A tree of 24 files of 1 to 700 KiB in 4 directories; their checksums
# in $work/sums.
make_tree() {
	local i j
	for i in 0 1 2 3; do
		mkdir -p "$mnt/d$i" || return 1
		for j in 0 1 2 3 4 5; do
			head -c $(((i * 6 + j) * 31013 + 1024)) /dev/urandom \
				>"$mnt/d$i/f$j" || return 1
		done
	done
	(cd "$mnt" && find d0 d1 d2 d3 -type f -print0 | sort -z |
		xargs -0 sha256sum) >"$work/sums"
}
same_tree() { (cd "$mnt" && sha256sum --quiet -c "$work/sums"); }

e2e_begin
mkdir -p "$mnt"
size=$(blockdev --getsize64 "/dev/$(vp_disk "$BDF")" 2>/dev/null)
tap_run "load vp_vdpa and virtio_vdpa ($([ "$VP_INTREE" = 1 ] && echo in-tree || echo ours))" vp_load
tap_run "$BDF: virtio-pci to $VP_PDRV (driver_override, bind)" \
	vp_to_driver "$BDF" "$VP_PDRV"
tap_is "$(vdpa -j mgmtdev show "pci/$BDF" | jq -r ".mgmtdev.\"pci/$BDF\".supported_classes[0]")" \
	block "vdpa mgmtdev show pci/$BDF: class block"
tap_run "vdpa dev add name vpb0 mgmtdev pci/$BDF" \
	vdpa dev add name vpb0 mgmtdev "pci/$BDF"
# shellcheck disable=SC2016 # evaluated by wait_for
tap_run "vpb0: bound to virtio_vdpa, virtio_blk makes a disk" \
	wait_for 20 eval '[ "$(e2e_bound_to vpb0)" = virtio_vdpa ] && [ -n "$(vp_disk $BDF)" ]'
d=$(vp_disk "$BDF")
tap_is "$(blockdev --getsize64 "/dev/$d" 2>/dev/null)" "${size:-256 MiB}" \
	"vpb0: /dev/$d has the function's size (${size:-?} bytes under virtio-pci)"
# Interrupt affinity follows the queue: virtio_blk spreads its queues over
# the CPUs (one per vCPU on QEMU's virtio-blk-pci), virtio_vdpa hands each
# mask to vp_vdpa, which puts it on the queue's vector.
irq_cpus() {
	local irq
	irq=$(awk -v n="vp-vdpa-$BDF-vq$1" '$NF == n { sub(":", "", $1); print $1 }' /proc/interrupts)
	[ -n "$irq" ] && cat "/proc/irq/$irq/smp_affinity_list"
}
nq=$(ls "/sys/block/$d/mq" 2>/dev/null | wc -l)
if [ "$VP_INTREE" = 1 ]; then
	tap_skip "vpb0: queue interrupts follow the driver's spread" \
		"the in-tree vp_vdpa has no set_vq_affinity"
elif [ "$nq" -ge 2 ] && [ "$(nproc)" -ge 2 ]; then
	tap_is "$(irq_cpus 0)/$(irq_cpus 1)" "0/1" \
		"vpb0: the interrupts of its $nq queues on CPU 0 and CPU 1 (the driver's spread)"
else
	tap_fail "vpb0: the interrupts of its queues follow the driver's spread" \
		"want 2 queues and 2 CPUs, got $nq queues and $(nproc) CPUs"
fi
tap_run "vpb0: mkfs.ext4" mkfs.ext4 -q -F "/dev/$d"
tap_run "vpb0: mount" mount "/dev/$d" "$mnt"
tap_run "vpb0: write a tree of 24 files (up to 700 KiB)" make_tree
tap_run "vpb0: unmount, mount again" \
	sh -c "umount '$mnt' && mount '/dev/$d' '$mnt'"
tap_run "vpb0: every file reads back with its checksum" same_tree
tap_run "vpb0: fio random writes of 16 MiB to a file verify (crc32c)" \
	fio_verify "$mnt/fio.dat" 16M
tap_run "vpb0: unmount" umount "$mnt"
tap_run "vdpa dev del vpb0: the disk is gone" \
	eval 'vdpa dev del vpb0 && vp_gone "/sys/class/block/$d" /sys/bus/vdpa/devices/vpb0'
tap_run "unbind from $VP_PDRV: pci/$BDF gone" \
	sh -c "echo $BDF >$VP_PCI/drivers/$VP_PDRV/unbind && ! vdpa mgmtdev show pci/$BDF >/dev/null 2>&1"
# shellcheck disable=SC2016 # evaluated by wait_for
tap_run "$BDF back to virtio-pci: a virtio_blk disk again" \
	eval 'vp_to_virtio_pci "$BDF" && wait_for 10 eval "[ -n \"\$(vp_disk $BDF)\" ]"'
d=$(vp_disk "$BDF")
tap_run "under virtio_blk: mount, every file reads back with its checksum" \
	eval 'mount "/dev/$d" "$mnt" && same_tree && umount "$mnt"'

# A function with fewer MSI-X vectors than queues + 1 (2 for 2 queues and
# the config): one vector shared by all, and only a real config change
# reaches virtio_blk (which logs "new size" for each one it is told of).
BDF1=$(vp_fn 0000:00:13.0)
news() { dmesg | grep -c "\[$1\] new size"; }
if [ "$VP_INTREE" = 1 ]; then
	for t in "vps0 added" "one interrupt line" "fio verify" "no config change" \
		"block_resize" "one config change" "dev del"; do
		tap_skip "shared vector: $t" "the in-tree vp_vdpa needs a vector per queue and config"
	done
else
	# shellcheck disable=SC2016 # evaluated by vp_wait
	tap_run "$BDF1 (2 vectors) to vp_vdpa, vdpa dev add vps0: a disk" \
		eval 'vp_to_driver "$BDF1" vp_vdpa && vdpa dev add name vps0 mgmtdev "pci/$BDF1" &&
		vp_wait 20 eval "[ -n \"\$(vp_disk $BDF1)\" ]"'
	d1=$(vp_disk "$BDF1")
	tap_is "$(grep -c " vp-vdpa-$BDF1\$" /proc/interrupts)" 1 \
		"vps0: one interrupt line, shared by its queues and its config"
	n0=$(news "$d1")
	tap_run "vps0: fio random writes of 8 MiB verify (crc32c)" fio_verify "/dev/$d1" 8M
	tap_is "$(news "$d1")" "$n0" "vps0: no completion was taken for a config change"
	# shellcheck disable=SC2016 # evaluated by vp_wait
	tap_run "vps0: block_resize to 96 MiB in QEMU's monitor: the disk grows" \
		eval 'qemu_monitor block_resize vpblk1d 96M >/dev/null &&
		vp_wait 20 eval "[ \"\$(blockdev --getsize64 /dev/$d1)\" = $((96 << 20)) ]"'
	tap_is "$(($(news "$d1") - n0))" 1 "vps0: exactly one config change reported"
	tap_run "vdpa dev del vps0, $BDF1 back to virtio-pci" \
		eval 'vdpa dev del vps0 && vp_to_virtio_pci "$BDF1"'
fi
e2e_end
tap_done
