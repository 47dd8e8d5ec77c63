# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Helpers for the vp_vdpa scripts (80-83): the debug VM's virtio-pci
# functions (scripts/check.sh) and moving them between drivers.
#
#   vp_fn ROOTPORT         the BDF of the function behind root port ROOTPORT
#                          (0000:00:10.0 net, 0000:00:12.0 block), or nothing
#   vp_driver BDF          the PCI driver BDF is bound to, or nothing
#   vp_to_driver BDF DRV   unbind BDF from its driver, bind it to DRV
#                          through driver_override
#   vp_to_virtio_pci BDF   back to virtio-pci, driver_override cleared
#   vp_netif BDF           the virtio_net interface under BDF (virtio_vdpa
#                          or virtio-pci), or nothing
#   vp_disk BDF            the virtio_blk disk under BDF, or nothing
#   vp_gone PATH...        true when none of PATH exists
#   vp_load                load vp_vdpa and virtio_vdpa: ours by modprobe,
#                          or with VP_VDPA_INTREE=1 the test kernel's own
#                          vdpa, vp_vdpa and virtio_vdpa by insmod
#   vp_wait SECONDS CMD... wait_for (tests/lib/e2e.sh) without a fork per
#                          round: the 0.1 s nap is a read with a timeout
#                          on a pipe nobody writes to
#
# Under TCG a fork and exec costs about 0.1 s of CPU that the loads and
# QEMU's emulation need, so the helpers use shell builtins where they can.
#
# VP_PDRV is the name of the PCI driver to bind: "vp_vdpa", or the in-tree
# module's "vp-vdpa" with VP_VDPA_INTREE=1.

VP_PCI=/sys/bus/pci
# Both ends of a pipe, held by this shell: reads on it time out.
exec {_vp_nap}<> <(:)
VP_INTREE=${VP_VDPA_INTREE:-0}
VP_PDRV=vp_vdpa
[ "$VP_INTREE" != 1 ] || VP_PDRV=vp-vdpa

vp_load() {
	local m kdir

	if [ "$VP_INTREE" != 1 ]; then
		modprobe -a vp_vdpa virtio_vdpa
		return
	fi
	kdir=/lib/modules/$(uname -r)/kernel
	for m in drivers/vdpa/vdpa drivers/vdpa/virtio_pci/vp_vdpa \
		drivers/virtio/virtio_vdpa; do
		grep -q "^${m##*/} " /proc/modules || insmod "$kdir/$m.ko" || return 1
	done
}

vp_fn() {
	local d

	for d in "$VP_PCI/devices/$1"/0000:*; do
		[ ! -e "$d" ] || echo "${d##*/}"
		return
	done
}

# In a subshell of its own: cd resolves the link.
vp_driver() (
	cd -P "$VP_PCI/devices/$1/driver" 2>/dev/null && echo "${PWD##*/}"
)

vp_wait() {
	local end=$((SECONDS + $1))

	shift
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		read -r -t 0.1 -u "$_vp_nap" _
	done
	return 0	# not the timed-out read's status
}

vp_to_driver() {
	local cur

	cur=$(vp_driver "$1")
	[ -z "$cur" ] || echo "$1" >"$VP_PCI/drivers/$cur/unbind" || return 1
	echo "$2" >"$VP_PCI/devices/$1/driver_override" || return 1
	echo "$1" >"$VP_PCI/drivers/$2/bind"
}

vp_to_virtio_pci() {
	local cur

	cur=$(vp_driver "$1")
	[ -z "$cur" ] || echo "$1" >"$VP_PCI/drivers/$cur/unbind" || return 1
	echo >"$VP_PCI/devices/$1/driver_override" &&
		echo "$1" >"$VP_PCI/drivers/virtio-pci/bind"
}

vp_netif() {
	local n

	for n in "$VP_PCI/devices/$1"/virtio*/net/*; do
		[ ! -e "$n" ] || echo "${n##*/}"
		return
	done
}

vp_disk() {
	local n

	for n in "$VP_PCI/devices/$1"/virtio*/block/*; do
		[ ! -e "$n" ] || echo "${n##*/}"
		return
	done
}

vp_gone() {
	local p

	for p in "$@"; do
		[ ! -e "$p" ] || return 1
	done
}
