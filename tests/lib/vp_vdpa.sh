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

VP_PCI=/sys/bus/pci

vp_fn() {
	local d

	d=$(ls -d "$VP_PCI/devices/$1"/0000:* 2>/dev/null | head -n 1)
	[ -z "$d" ] || basename "$d"
}

vp_driver() { basename "$(readlink "$VP_PCI/devices/$1/driver" 2>/dev/null)"; }

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

	n=$(ls "$VP_PCI/devices/$1"/virtio*/net 2>/dev/null)
	echo "${n##*/}"
}

vp_disk() {
	local n

	n=$(ls "$VP_PCI/devices/$1"/virtio*/block 2>/dev/null)
	echo "${n##*/}"
}

vp_gone() {
	local p

	for p in "$@"; do
		[ ! -e "$p" ] || return 1
	done
}
