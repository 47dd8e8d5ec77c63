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
#   vp_load [MOD...]       load MODs (default: vp_vdpa virtio_vdpa): ours
#                          by modprobe, or with VP_VDPA_INTREE=1 the test
#                          kernel's own files by insmod, each after the
#                          in-tree modules it needs (modinfo's depends);
#                          first unloads the other set's vdpa and every
#                          module that uses it, then checks that each MOD
#                          loaded is of the set asked for (taint O: ours)
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
# shellcheck disable=SC2034 # for the sourcing scripts
if [ "$VP_INTREE" = 1 ]; then VP_PDRV=vp-vdpa; else VP_PDRV=vp_vdpa; fi

# The in-tree modules vp_load may insmod, each after those it needs.
VP_INTREE_KO="virt/lib/irqbypass drivers/vhost/vhost_iotlb drivers/vhost/vhost
	drivers/vdpa/vdpa drivers/vdpa/virtio_pci/vp_vdpa
	drivers/virtio/virtio_vdpa drivers/vhost/vhost_vdpa"

# _vp_ours MOD: the loaded module MOD is out of tree (taint O).
_vp_ours() {
	local t=

	read -r t 2>/dev/null <"/sys/module/$1/taint"
	[[ $t == *O* ]]
}

# _vp_of_set MOD: the loaded module MOD is of the set VP_VDPA_INTREE asks
# for.
_vp_of_set() {
	if [ "$VP_INTREE" = 1 ]; then
		! _vp_ours "$1"
	else
		_vp_ours "$1"
	fi
}

# _vp_rmmod_tree MOD: rmmod MOD after every module that uses it.
_vp_rmmod_tree() {
	local h

	[ -e "/sys/module/$1" ] || return 0
	for h in "/sys/module/$1/holders"/*; do
		[ ! -e "$h" ] || _vp_rmmod_tree "${h##*/}" || return 1
	done
	rmmod "$1"
}

# Both sets answer the vdpa tool's netlink family: a "vdpa" run while no
# vdpa module is loaded (an exit trap after e2e_end, say) autoloads ours,
# which the in-tree vp_vdpa cannot link against (insmod: EINVAL, "disagrees
# about version of symbol"), and the other way round for modprobe.  So the
# other set's vdpa goes first, with everything that uses it.
vp_load() {
	local m mods=("$@") kdir need=" " f deps rev=()

	[ $# -gt 0 ] || mods=(vp_vdpa virtio_vdpa)
	if [ -e /sys/module/vdpa ] && ! _vp_of_set vdpa; then
		_vp_rmmod_tree vdpa ||
			{ echo "vp_load: cannot unload the other set's vdpa"; return 1; }
	fi
	if [ "$VP_INTREE" != 1 ]; then
		modprobe -a "${mods[@]}" || return 1
	else
		kdir=/lib/modules/$(uname -r)/kernel
		for m in "${mods[@]}"; do need+="$m "; done
		# Backwards through the list: a needed module adds what it needs.
		for m in $VP_INTREE_KO; do rev=("$m" "${rev[@]}"); done
		for m in "${rev[@]}"; do
			[[ $need == *" ${m##*/} "* ]] || continue
			deps=$(modinfo -F depends "$kdir/$m.ko") || return 1
			need+="${deps//,/ } "
		done
		for m in $VP_INTREE_KO; do
			f=${m##*/}
			[[ $need == *" $f "* ]] && [ ! -e "/sys/module/$f" ] || continue
			insmod "$kdir/$m.ko" || { echo "vp_load: insmod $kdir/$m.ko failed"; return 1; }
		done
	fi
	for m in "${mods[@]}"; do
		[ -e "/sys/module/$m" ] || { echo "vp_load: $m is not loaded"; return 1; }
		_vp_of_set "$m" || { echo "vp_load: $m is of the other set"; return 1; }
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
