#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vm-tier: stock
#
# The stock-kernel tier (scripts/vm-run.sh --stock): Debian's own kernel,
# which ships vdpa, virtio_vdpa and vhost_vdpa as modules of its own, with
# ours built by DKMS and installed in updates/.  A plain modprobe loads
# ours: modinfo resolves each name to updates/, each loaded module carries
# the build ID of the DKMS-built file and is out of tree, and no loaded
# module has the srcversion or build ID of any of the kernel's own vDPA
# modules.  Then a vdpasim_net device at a given MAC becomes a virtio_net
# interface with that MAC under virtio_vdpa, is deleted, and everything
# unloads without a kernel report.
#
# Only meaningful on the stock tier: tests/run-in-vm.sh runs scripts marked
# "# vm-tier: stock" only when VM_TIER=stock (which vm-init.sh sets from
# vm-run.sh --stock); run anywhere else, this script bails out.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/e2e.sh"

MODS="vdpa vdpa_sim vdpa_sim_net virtio_vdpa vhost_vdpa vduse vp_vdpa vdpa_sf vdpa_sim_sf"
MAC=02:00:00:00:00:05
bus=/sys/bus/vdpa
rel=$(uname -r)
kdir=/lib/modules/$rel/kernel
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

[ "${VM_TIER:-}" = stock ] ||
	tap_bail "stock-kernel tier only (scripts/vm-run.sh --stock); VM_TIER='${VM_TIER:-}'"
for t in modprobe modinfo readelf xz od vdpa ip; do
	command -v "$t" >/dev/null || tap_bail "$t missing"
done

# The build ID in module file $1 (.ko or .ko.xz).
file_build_id() {
	local ko=$work/m.ko
	case $1 in
	*.xz) xz -dc "$1" >"$ko" || return 1 ;;
	*) cp "$1" "$ko" || return 1 ;;
	esac
	readelf -n "$ko" | sed -n 's/^ *Build ID: *//p'
}

# The build ID of loaded module $1: its GNU build-id note in sysfs (namesz,
# descsz, type, "GNU\0", then descsz bytes of ID).
# (One od: every fork costs half a second under TCG.)
loaded_build_id() {
	local note=/sys/module/$1/notes/.note.gnu.build-id hex
	[ -r "$note" ] || return 1
	hex=$(od -An -tx1 -v "$note")
	hex=${hex//[$' \n']/}
	# descsz: bytes 4-7, little endian
	echo "${hex:32:$((0x${hex:14:2}${hex:12:2}${hex:10:2}${hex:8:2} * 2))}"
}

# Our file of module $1: what modinfo resolves the name to.
our_file() {
	modinfo -F filename "$1" 2>/dev/null
}

# The kernel's own vDPA modules: "file srcversion build-id" lines.
inbox_ids() {
	local f sv
	find "$kdir/drivers/vdpa" "$kdir/drivers/vhost" "$kdir/drivers/virtio" \
		-name '*.ko*' 2>/dev/null | grep -E '/drivers/vdpa/|/vhost_vdpa\.ko|/virtio_vdpa\.ko' |
		while IFS= read -r f; do
			sv=$(modinfo -F srcversion "$f" 2>/dev/null)
			echo "$f ${sv:--} $(file_build_id "$f")"
		done
}

# Loaded modules whose srcversion or build ID is one of the in-box ones.
inbox_loaded() {
	local d m sv id
	for d in /sys/module/*/; do
		m=${d%/}
		m=${m##*/}
		[ -e "$d/initstate" ] || continue
		sv=
		[ ! -r "$d/srcversion" ] || read -r sv <"$d/srcversion"
		id=$(loaded_build_id "$m")
		while read -r f isv iid; do
			if { [ -n "$sv" ] && [ "$sv" = "$isv" ]; } ||
				{ [ -n "$id" ] && [ "$id" = "$iid" ]; }; then
				echo "$m is $f"
			fi
		done <"$work/inbox"
	done
}


netif_mac() {
	cat "$bus/devices/s0"/virtio*/net/*/address 2>/dev/null
}

tap_plan 49

e2e_begin

for m in $MODS; do
	tap_run "$m not loaded at start" test ! -e "/sys/module/$m"
done
# The package version (dkms.conf) is every module's version: DKMS installs
# a module only if its version differs from the kernel's own.
pkgver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$E2E_REPO/dkms.conf")
for m in $MODS; do
	tap_run "modinfo resolves $m to updates/" \
		sh -c "modinfo -F filename $m | grep -q '^/lib/modules/$rel/updates/'"
	tap_is "$(modinfo -F version "$m")" "$pkgver" "$m has version $pkgver (dkms.conf)"
done

inbox_ids >"$work/inbox"
inbox_summary() {
	local m
	echo "$(grep -cE ' [0-9a-f]{40}$' "$work/inbox") build IDs"
	for m in vdpa/vdpa virtio/virtio_vdpa vhost/vhost_vdpa; do
		echo "${m#*/}: $(grep -c "/drivers/$m\.ko" "$work/inbox")"
	done
}
tap_is "$(inbox_summary)" \
	"$(wc -l <"$work/inbox") build IDs
vdpa: 1
virtio_vdpa: 1
vhost_vdpa: 1" "each in-box vDPA module (vdpa, virtio_vdpa, vhost_vdpa among them) has a build ID"
tap_diag "in-box: $(cut -d' ' -f1 "$work/inbox" | sed 's|.*/||' | tr '\n' ' ')"

tap_run "modprobe vdpa vdpa_sim_net virtio_vdpa vhost_vdpa vduse vp_vdpa vdpa_sim_sf" \
	modprobe -a vdpa vdpa_sim_net virtio_vdpa vhost_vdpa vduse vp_vdpa vdpa_sim_sf

for m in $MODS; do
	f=$(our_file "$m")
	tap_is "$(loaded_build_id "$m" || echo none)" \
		"$(file_build_id "$f" || echo "no build ID in $f")" \
		"loaded $m has the build ID of ${f#/lib/modules/"$rel"/}"
done
tap_is "$(inbox_loaded)" "" "no loaded module has an in-box vDPA module's srcversion or build ID"
tap_is "$(for m in $MODS; do grep -q O "/sys/module/$m/taint" || echo "$m"; done)" "" \
	"every loaded module of ours is marked out of tree (taint O)"

# virtio_net is a module here, and the VM has no udev to load it by alias.
tap_run "modprobe virtio_net" modprobe virtio_net
tap_run "vdpa dev add name s0 mgmtdev vdpasim_net mac $MAC" \
	vdpa dev add name s0 mgmtdev vdpasim_net mac "$MAC"
# shellcheck disable=SC2016 # the conditions are evaluated by wait_for's eval
tap_run "s0 is bound to virtio_vdpa" \
	wait_for 10 eval '[ "$(e2e_bound_to s0)" = virtio_vdpa ]'
# shellcheck disable=SC2016
tap_run "s0 has a virtio_net interface with MAC $MAC" \
	wait_for 10 eval '[ "$(netif_mac)" = "$MAC" ]'
tap_run "vdpa dev del s0" vdpa dev del s0
tap_run "s0 and its interface are gone" \
	sh -c "! ls -d $bus/devices/s0 2>/dev/null && ! ip -o link | grep -qi ' $MAC '"

e2e_end
tap_is "$(for m in $MODS; do [ ! -e "/sys/module/$m" ] || echo "$m"; done)" "" \
	"none of the modules stays loaded"
tap_done
