#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vm-tier: debug
#
# vDPA on devlink sub-functions (drivers/sf/, sim/sf/), driven by the real
# iproute2 devlink and vdpa tools on a simulated adapter:
# - the operator flow: new adapter, `devlink port add ... flavour pcisf
#   pfnum 0 sfnum 88`, `port function set ... hw_addr M state active`
#   (state active, opstate attached, an auxiliary device and the
#   management device auxiliary/vdpa_sf.sf.N), `vdpa dev add` on it: the
#   network device has the port function's MAC and loops 300 frames back
#   intact through virtio_vdpa; a second SF (sf_class block) gives a disk
#   that round-trips an ext4 tree; each SF works while the other does;
# - refusals with their message and errno, nothing changed: sfnum reused,
#   another PF, a port index, SF budget exhausted, virtqueue budget
#   exhausted, `vdpa dev add` on an inactive SF, a MAC other than the port
#   function's, a second device on an SF, a new MAC under a device, a bad
#   devlink parameter value, deleting the adapter while SFs are active;
# - teardown during traffic in every order: `state inactive` under frames
#   (then active again and a new device), the glue's auxiliary driver
#   unbound and bound again (opstate detached, then attached), `devlink
#   port del` under fio,
#   `devlink port del` with /dev/vhost-vdpa-N in use (vdpa_user hammer:
#   every call ENODEV afterwards), unbinding the adapter's driver under
#   frames and fio, `rmmod vdpa_sim_sf` under frames; each leaves no
#   device, management device, auxiliary device, port, interface or disk.
# Kernel reports are the harness's to find (and e2e_end's); kmemleak runs
# after the debug tier.
#
# Cost: about 90 s on the debug tier (measured on the VM of make check).
set -u
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/e2e.sh"

bus=/sys/bus/vdpasim
aux=/sys/bus/auxiliary/devices
A=vdpasim/adapter0
MAC=02:00:00:00:00:88
work=$(mktemp -d)
mnt=$work/mnt
mkdir -p "$mnt"
trap 'umount "$mnt" 2>/dev/null; rm -rf "$work" "$E2E_PKTLOOP"' EXIT

for t in devlink vdpa jq fio mkfs.ext4; do
	command -v "$t" >/dev/null || tap_bail "$t missing"
done
e2e_need_modules vdpa_sf vdpa_sim_sf virtio_vdpa vhost_vdpa
e2e_find_vdpa_user || tap_bail "no vdpa_user: run make -C tests/userspace on the host"

# What a refusal must leave as it was: ports, vDPA devices, mgmtdevs.
e2e_state() {
	devlink port show 2>&1
	vdpa dev show 2>&1
	vdpa mgmtdev show 2>&1 | grep '^auxiliary'
	devlink dev param show 2>&1
}
# port_is PORT: flavour pfnum sfnum hw_addr state opstate, on one line.
port_is() {
	devlink -j port show "$1" 2>&1 | jq -r ".port.\"$1\" | [.flavour, .pfnum,
		.sfnum, .function.hw_addr, .function.state,
		.function.opstate] | join(\" \")"
}
# sf_aux ADAPTER SFNUM: the SF's auxiliary device, found as an operator
# would, by the sfnum file of the adapter's children (nothing if inactive).
sf_aux() {
	local f
	for f in "$bus/devices/$1"/vdpa_sf.sf.*/sfnum; do
		[ "$(cat "$f" 2>/dev/null)" != "$2" ] || basename "${f%/sfnum}"
	done
}
sf_mgmtdev_listed() { vdpa mgmtdev show "$1" >/dev/null 2>&1 && echo "$1"; }
aux_devs() { find "$aux" -mindepth 1 -maxdepth 1 -name 'vdpa_sf.sf.*' -printf '%f\n' | sort -V | xargs; }
mgmt_is() { vdpa -j mgmtdev show "$1" | jq -c ".mgmtdev.\"$1\" | [.supported_classes, .max_supported_vqs]"; }
param() { devlink -j dev param show "$A" name "$1" | jq -r ".param.\"$A\"[0].values[0].value"; }
set_param() { devlink dev param set "$A" name "$1" value "$2" cmode runtime; }
# sf_new ADAPTER PORT SFNUM [hw_addr MAC]: add an SF, make it active.
sf_new() {
	devlink port add "vdpasim/$1" flavour pcisf pfnum 0 sfnum "$3" >/dev/null &&
		devlink port function set "vdpasim/$1/$2" "${@:4}" state active
}
# Nothing of any SF is left: no vDPA device, SF management device,
# auxiliary device, SF port.
nothing_left() {
	local d m p
	d=$(vdpa -j dev show) && m=$(vdpa -j mgmtdev show) &&
		p=$(devlink -j port show) || { echo "a tool failed"; return 1; }
	[ "$d" = '{"dev":{}}' ] || { echo "devices: $d"; return 1; }
	[[ $m != *auxiliary/* ]] || { echo "management devices: $m"; return 1; }
	[[ $p != *pcisf* ]] || { echo "ports: $p"; return 1; }
	[ -z "$(aux_devs)" ] || { echo "auxiliary devices: $(aux_devs)"; return 1; }
}

tap_plan 81
e2e_begin
tap_run "load vdpa_sim_sf and virtio_vdpa" modprobe -a vdpa_sim_sf virtio_vdpa
e2e_pktloop_build

# --- the operator flow ---
tap_run "new adapter 0: 3 SFs, 16 virtqueues" sh -c "echo '0 3 16' >$bus/new_device"
tap_is "$(devlink dev show)" "$A" "devlink dev show: $A"
out=$( { echo '3x' >"$bus/new_device"; } 2>&1)
tap_is "$(grep -c 'Invalid argument' <<<"$out")/$(cd "$bus/devices" && echo *)" "1/adapter0" \
	"new_device '3x': EINVAL, no adapter made"
tap_is "$(param sf_class)/$(param sf_max_vqs)" net/5 "parameters: sf_class net, sf_max_vqs 5"
tap_run "port add pfnum 0 sfnum 88" devlink port add "$A" flavour pcisf pfnum 0 sfnum 88
tap_is "$(port_is "$A/1")" "pcisf 0 88 00:00:00:00:00:00 inactive detached" \
	"port 1: pcisf, pfnum 0, sfnum 88, no MAC, inactive, detached"
tap_is "$(aux_devs)" "" "no auxiliary device while inactive"

e2e_tool_refused "sfnum 88 again: EEXIST" "File exists" "^vdpa_sf: sfnum 88 is in use by port 1$" \
	devlink port add "$A" flavour pcisf pfnum 0 sfnum 88
e2e_tool_refused "pfnum 1: EINVAL" "Invalid argument" "^vdpa_sf: no PF 1 here: the PF number is 0$" \
	devlink port add "$A" flavour pcisf pfnum 1 sfnum 89
e2e_tool_refused "a port index: EOPNOTSUPP" "Operation not supported" "^vdpa_sf: the port index is chosen by the driver$" \
	devlink port add "$A/7" flavour pcisf pfnum 0 sfnum 89
e2e_tool_refused "sf_class disk: EINVAL" "Invalid argument" '^vdpa_sim_sf: sf_class is "net" or "block"$' \
	set_param sf_class disk

tap_run "port function set hw_addr $MAC state active" \
	devlink port function set "$A/1" hw_addr "$MAC" state active
tap_is "$(port_is "$A/1")" "pcisf 0 88 $MAC active attached" "port 1: active, attached, its MAC"
x0=$(sf_aux adapter0 88)
tap_is "$(aux_devs)" "${x0:-none}" "one auxiliary device, $x0, sfnum 88, child of adapter0"
tap_is "$(basename "$(readlink "$aux/$x0/driver")")" vdpa_sf.sf "bound to the glue's driver vdpa_sf.sf"
m0=auxiliary/$x0
tap_is "$(mgmt_is "$m0")" '[["net"],5]' "mgmtdev $m0: class net, 5 virtqueues"
e2e_tool_refused "dev add with another MAC: EINVAL" "Invalid argument" \
	"^vdpa_sf: mac 02:00:00:00:00:99 is not the port function's $MAC\$" \
	vdpa dev add name n0 mgmtdev "$m0" mac 02:00:00:00:00:99
tap_run "vdpa dev add n0 mgmtdev $m0 max_vqp 2" vdpa dev add name n0 mgmtdev "$m0" max_vqp 2
tap_is "$(vdpa -j dev config show n0 | jq -r '.config.n0.mac')" "$MAC" "n0 has the port function's MAC"
ifc=$(basename "$(e2e_netif n0)")
tap_is "$(cat "/sys/class/net/$ifc/address" 2>&1)" "$MAC" "virtio_net interface $ifc has it"
e2e_tool_refused "a second device on the SF: EEXIST" "File exists" \
	"^vdpa_sf: sub-function 88 has a vDPA device already$" \
	vdpa dev add name n1 mgmtdev "$m0"
e2e_tool_refused "a new MAC under n0: EBUSY" "Device or resource busy" \
	"^vdpa_sf: delete the SF's vDPA device first: it uses the MAC$" \
	devlink port function set "$A/1" hw_addr 02:00:00:00:00:77
e2e_if_up "$ifc"
tap_is "$(e2e_pktloop "$ifc" $MAC 300 1514)" "$(e2e_all_back 300)" "n0: 300 frames loop back intact"

tap_run "sf_class block, sf_max_vqs 2" eval 'set_param sf_class block && set_param sf_max_vqs 2'
tap_run "port 2: sfnum 89, active" sf_new adapter0 2 89
m1=auxiliary/$(sf_aux adapter0 89)
tap_is "$(mgmt_is "$m1")" '[["block"],2]' "mgmtdev $m1: class block, 2 virtqueues"
tap_run "vdpa dev add b0 mgmtdev $m1" vdpa dev add name b0 mgmtdev "$m1"
d=$(basename "$(e2e_disk b0)")
tap_run "b0: disk /dev/$d, mkfs.ext4, mount" eval 'test -b "/dev/$d" && mkfs.ext4 -q -F "/dev/$d" && mount "/dev/$d" "$mnt"'
tap_run "b0: write a tree of 48 files" e2e_make_tree "$mnt" "$work/sums"
tap_run "b0: unmount, fsck -n clean, mount" eval 'umount "$mnt" && fsck.ext4 -n -f "/dev/$d" && mount "/dev/$d" "$mnt"'
tap_run "b0: every file reads back intact" e2e_tree_intact "$mnt" "$work/sums"
tap_is "$(e2e_pktloop "$ifc" $MAC 100 64)" "$(e2e_all_back 100)" "n0 still loops frames with b0 mounted"
tap_run "b0: unmount" umount "$mnt"

# --- budgets and the adapter ---
tap_run "sf_class net, sf_max_vqs 17; port 3: sfnum 90, active" \
	eval 'set_param sf_class net && set_param sf_max_vqs 17 && sf_new adapter0 3 90'
m2=auxiliary/$(sf_aux adapter0 90)
# n0 takes 5 virtqueues, b0 a queue per online CPU up to its SF's 2
left=$((16 - 5 - ($(nproc) < 2 ? $(nproc) : 2)))
e2e_tool_refused "dev add max_vqp 8 (17 queues, $left left): ENOSPC" "No space left on device" \
	"^vdpa_sf: $left of the PF's 16 virtqueues left, the device needs 17$" \
	vdpa dev add name n2 mgmtdev "$m2" max_vqp 8
e2e_tool_refused "a fourth SF: ENOSPC" "No space left on device" \
	"^vdpa_sf: all 3 sub-functions of this PF are in use$" \
	devlink port add "$A" flavour pcisf pfnum 0 sfnum 91
tap_run "vdpa dev add n2 max_vqp 4 (9 queues) fits" vdpa dev add name n2 mgmtdev "$m2" max_vqp 4
out=$( { echo 0 >"$bus/del_device"; } 2>&1)
tap_is "$(grep -c 'Device or resource busy' <<<"$out")/$(devlink dev show)" "1/$A" \
	"del_device with 3 active SFs: EBUSY, the adapter stays"
tap_is "$(for p in 1 2 3; do port_is "$A/$p" | cut -d' ' -f5-; done | sort -u)" "active attached" \
	"its 3 SFs stay active and attached"
tap_run "the kernel log says why" eval "dmesg | tail -n 20 | grep -q 'adapter0: not deleted: 3 sub-functions are active'"

# --- teardown during traffic ---
e2e_pktloop_start "$ifc"
tap_is "$?" 0 "frames flowing on $ifc"
tap_run "state inactive under frames" timeout 60 devlink port function set "$A/1" state inactive
tap_is "$(port_is "$A/1")/$(vdpa dev show n0 2>&1 | grep -c n0:)/$(ls -d "/sys/class/net/$ifc" 2>/dev/null)" \
	"pcisf 0 88 $MAC inactive detached/0/" "port 1 inactive, n0 and $ifc gone"
e2e_load_ended "the frame generator ended"
tap_is "$(aux_devs)" "$(sf_aux adapter0 89) $(sf_aux adapter0 90)" "its auxiliary device is gone, the others stay"
e2e_tool_refused "vdpa dev add on the inactive SF: no such management device" \
	"No such device" "management device" \
	vdpa dev add name n0 mgmtdev "$m0"
tap_run "active again, vdpa dev add n0 again" \
	eval 'devlink port function set "$A/1" state active && vdpa dev add name n0 mgmtdev "$m0"'
ifc=$(basename "$(e2e_netif n0)")
e2e_if_up "$ifc"
tap_is "$(e2e_pktloop "$ifc" $MAC 100 1514)" "$(e2e_all_back 100)" "n0 again: 100 frames loop back"
# opstate follows the driver: unbind the glue's driver from the SF.
drv=/sys/bus/auxiliary/drivers/vdpa_sf.sf
tap_run "unbind vdpa_sf.sf from $x0" eval "echo $x0 >$drv/unbind"
tap_is "$(port_is "$A/1")/$(vdpa dev show n0 2>/dev/null)$(sf_mgmtdev_listed "$m0")" \
	"pcisf 0 88 $MAC active detached/" "port 1 active but detached; n0 and $m0 gone"
tap_run "bind it again: attached, n0 added again" eval "echo $x0 >$drv/bind"' &&
	[ "$(port_is "$A/1")" = "pcisf 0 88 $MAC active attached" ] && vdpa dev add name n0 mgmtdev "$m0"'
ifc=$(basename "$(e2e_netif n0)")
e2e_if_up "$ifc"

e2e_fio_start "$d"
tap_is "$?" 0 "fio writing to $d"
tap_run "port del of the block SF under fio" timeout 60 devlink port del "$A/2"
tap_is "$(ls -d "/sys/class/block/$d" 2>/dev/null; vdpa dev show b0 2>/dev/null; devlink port show "$A/2" 2>/dev/null)" "" \
	"disk $d, b0 and port 2 are gone"
e2e_load_ended "fio ended"

# vhost_vdpa in full use: n2 (port 3) rebound to vhost_vdpa.
modprobe vhost_vdpa
e2e_override n2 vhost_vdpa
node=$(e2e_vhost_node n2)
tap_run "n2 bound to vhost_vdpa: $node" test -c "$node"
coproc HAM { exec "$E2E_VDPA_USER" hammer --dev "$node" --timeout 30000 2>&1; }
# shellcheck disable=SC2153 # HAM_PID is set by coproc
hpid=$HAM_PID
exec {hfd}<&"${HAM[0]}"
tap_is "$(e2e_reply "$hfd")" ready "vdpa_user hammer runs on $node"
tap_run "port del of port 3 with $node in use" timeout 60 devlink port del "$A/3"
hout=$(timeout 60 cat <&"$hfd")
exec {hfd}<&-
rc=0
wait "$hpid" || rc=$?
tap_is "$rc" 0 "hammer: every call ENODEV afterwards, VmPin back"
tap_diag "$(grep '^# hammer' <<<"$hout")"
tap_is "$(test -e "$node" && echo "$node"; vdpa dev show n2 2>/dev/null)" "" "$node and n2 are gone"

# Adapter removal under traffic: n0 looping, a new block SF under fio.
tap_run "port 2: sfnum 92, block, disk b1" eval 'set_param sf_class block && sf_new adapter0 2 92 &&
	vdpa dev add name b1 mgmtdev "auxiliary/$(sf_aux adapter0 92)"'
d=$(basename "$(e2e_disk b1)")
e2e_pktloop_start "$ifc"
tap_is "$?" 0 "frames flowing on $ifc"
p1=$E2E_LOAD_PID
e2e_fio_start "$d"
tap_is "$?" 0 "fio writing to $d"
tap_run "unbind adapter0's driver under frames and fio" timeout 120 \
	sh -c "echo adapter0 >$bus/drivers/vdpasim_adapter/unbind"
tap_run "nothing of any SF is left" nothing_left
tap_is "$(devlink dev show 2>&1)" "" "no devlink instance"
e2e_load_ended "fio ended"
E2E_LOAD_PID=$p1 e2e_load_ended "the frame generator ended"
tap_run "bind again: $A with no port" eval "echo adapter0 >$bus/drivers/vdpasim_adapter/bind &&
	devlink dev show | grep -qx $A && ! devlink port show | grep -q pcisf"
tap_run "del_device 0" sh -c "echo 0 >$bus/del_device"
tap_is "$(ls $bus/devices)/$(devlink dev show)" "/" "no adapter left"

# Module unload under traffic.
tap_run "adapter 1, an active net SF, n3" eval "echo 1 >$bus/new_device && sf_new adapter1 1 1 hw_addr 02:00:00:00:01:01 &&
	vdpa dev add name n3 mgmtdev auxiliary/\$(sf_aux adapter1 1)"
ifc=$(basename "$(e2e_netif n3)")
e2e_if_up "$ifc"
e2e_pktloop_start "$ifc"
tap_is "$?" 0 "frames flowing on $ifc"
tap_run "rmmod vdpa_sim_sf under frames" timeout 120 rmmod vdpa_sim_sf
tap_run "nothing of any SF is left" nothing_left
tap_is "$(test -e $bus && echo $bus)/$(devlink dev show)" "/" "no vdpasim bus, no devlink instance"
e2e_load_ended "the frame generator ended"

e2e_end
tap_done
