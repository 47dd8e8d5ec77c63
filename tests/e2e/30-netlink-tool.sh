#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vm-tier: stock
#
# The "vdpa" netlink family through iproute2's vdpa tool, the way users
# see it: mgmtdev show, dev add with every attribute, dev show, dev config
# show and dev vstats show (text and JSON, values checked), DEV_ATTR_SET
# and device_features provisioning through vdpanl.py, dev del. Then our
# extension of DEV_GET (<linux/vdpa_ext.h>) on simulator devices: the
# bound driver and its character device (vhost-vdpa-N) as sysfs and /dev
# show them, unbound, under virtio_vdpa, under vhost_vdpa, after unbind
# and in a dump, with the tool's output unchanged by them.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/e2e.sh"

# Output on one line, whitespace runs squeezed: the text layout is the
# tool's business, the words and their order are what is checked.
norm() { tr -s ' \n' '  ' | sed 's/ $//'; }
# tap_jq DESC JSON FILTER WANT: jq -c FILTER of JSON is WANT.
tap_jq() { tap_is "$(jq -c "$3" <<<"$2" 2>&1)" "$4" "$1"; }
names() { sed -n 's/^\([^ :]*\): .*/\1/p' | sort | tr '\n' ' '; }
# ext DEV: the extension attributes of DEV_GET DEV, on one line.
ext() { nl send DEV_GET "DEV_NAME=str:$1" | grep '^EXT_' | norm; }
# sys_ext DEV: the same as sysfs says it should be: the driver DEV is
# bound to, and each vhost-vdpa-N under DEV with its dev file's numbers.
sys_ext() {
	local drv c maj min
	drv=$(e2e_bound_to "$1")
	[ -n "$drv" ] || return 0
	echo "EXT_DEV_DRIVER=$drv"
	for c in "/sys/bus/vdpa/devices/$1"/vhost-vdpa-*; do
		[ -e "$c/dev" ] || continue
		IFS=: read -r maj min <"$c/dev"
		echo "EXT_DEV_CHARDEV={NAME=${c##*/} MAJOR=$maj MINOR=$min}"
	done
}
# dump_ext: each device of a raw DEV_GET dump with its extensions, a line each.
dump_ext() {
	nl send DEV_GET --dump | awk '/^DEV_NAME=/ { n = substr($0, 10) }
		/^EXT_/ { e = e " " $0 } /^--$/ { print n e; n = ""; e = "" }'
}

V1=$((1 << 32))
FEATURES=$(( (1 << 3) | (1 << 5) | (1 << 16) | (1 << 17) | (1 << 22) | \
	     (1 << 32) | (1 << 33) ))
FEATURE_NAMES="MTU MAC STATUS CTRL_VQ MQ VERSION_1 ACCESS_PLATFORM"

tap_plan 69

tap_run "load vdpa_test_parent" modprobe vdpa_test_parent

# --- mgmtdev show ---
want="vdpa_test: supported_classes net max_supported_vqs 9 dev_features $FEATURE_NAMES"
tap_is "$(vdpa mgmtdev show | norm)" "$want" "mgmtdev show (dump) text"
tap_is "$(vdpa mgmtdev show vdpa_test | norm)" "$want" "mgmtdev show vdpa_test (doit) text"
j=$(vdpa -j mgmtdev show)
tap_jq "mgmtdev show -j: only vdpa_test" "$j" '.mgmtdev | keys' '["vdpa_test"]'
tap_jq "mgmtdev show -j: classes, max vqs, features" "$j" \
	'.mgmtdev.vdpa_test | [.supported_classes, .max_supported_vqs, (.dev_features | sort)]' \
	"$(jq -nc --arg f "$FEATURE_NAMES" '[["net"], 9, ($f | split(" ") | sort)]')"
tap_is "$(nl send MGMTDEV_GET MGMTDEV_DEV_NAME=str:vdpa_test | tr '\n' ' ')" \
	"MGMTDEV_DEV_NAME=vdpa_test MGMTDEV_SUPPORTED_CLASSES=2 DEV_MGMTDEV_MAX_VQS=9 DEV_SUPPORTED_FEATURES=$FEATURES -- " \
	"MGMTDEV_GET reply: bus-less handle, classes, max vqs, features (raw)"

# --- dev add, every attribute ---
tap_is "$(vdpa dev show | norm)" "" "no device before the first dev add"
tap_run "dev add d0 with mac, mtu and max_vqp" \
	vdpa dev add name d0 mgmtdev vdpa_test mac 02:00:00:00:00:01 mtu 9000 max_vqp 3
tap_run "dev add d1 with defaults" vdpa dev add name d1 mgmtdev vdpa_test
tap_run "dev add d2 with max_vqp 4 (the limit)" \
	vdpa dev add name d2 mgmtdev vdpa_test max_vqp 4 mtu 68
tap_run "d0, d1 and d2 are on the bus" \
	test -e /sys/bus/vdpa/devices/d0 -a -e /sys/bus/vdpa/devices/d1 -a -e /sys/bus/vdpa/devices/d2

# --- dev show ---
tap_is "$(vdpa dev show d0 | norm)" \
	"d0: type network mgmtdev vdpa_test vendor_id 0 max_vqs 7 max_vq_size 256" \
	"dev show d0 text: max_vqs = 2 * 3 + 1"
tap_is "$(vdpa dev show | names)" "d0 d1 d2 " "dev show (dump) lists d0 d1 d2"
j=$(vdpa -j dev show)
tap_jq "dev show -j: every device's type, mgmtdev, vendor, max_vqs, vq size" "$j" \
	'.dev | to_entries | map([.key, .value.type, .value.mgmtdev, .value.vendor_id, .value.max_vqs, .value.max_vq_size])' \
	'[["d0","network","vdpa_test",0,7,256],["d1","network","vdpa_test",0,3,256],["d2","network","vdpa_test",0,9,256]]'
tap_jq "dev show d1 -j" "$(vdpa -j dev show d1)" '.dev | keys' '["d1"]'
tap_is "$(nl send DEV_GET DEV_NAME=str:d1 | tr '\n' ' ')" \
	"MGMTDEV_DEV_NAME=vdpa_test DEV_NAME=d1 DEV_ID=1 DEV_VENDOR_ID=0 DEV_MAX_VQS=3 DEV_MAX_VQ_SIZE=256 DEV_MIN_VQ_SIZE=1 -- " \
	"DEV_GET reply d1 (raw): the documented attributes, nothing else"

# --- dev config show (no driver bound: the device's own features) ---
tap_is "$(vdpa dev config show d0 | norm)" \
	"d0: mac 02:00:00:00:00:01 link up link_announce false max_vq_pairs 3 mtu 9000" \
	"dev config show d0 text"
j=$(vdpa -j dev config show)
tap_jq "dev config show -j: mac, link, max_vq_pairs, mtu of d0" "$j" \
	'.config.d0 | with_entries(.key |= rtrimstr(" ")) | [.mac, .link, .link_announce, .max_vq_pairs, .mtu]' \
	'["02:00:00:00:00:01","up",false,3,9000]'
tap_jq "dev config show -j: max_vq_pairs 4 and mtu 68 of d2" "$j" \
	'.config.d2 | [.max_vq_pairs, .mtu]' '[4,68]'
tap_jq "dev config show -j: d1 defaults (random unicast local mac, 1 pair, mtu 1500)" "$j" \
	'.config.d1 | [(.mac | test("^[0-9a-f][26ae](:[0-9a-f]{2}){5}$")), .max_vq_pairs, .mtu]' \
	'[true,1,1500]'
tap_jq "no negotiated_features before a driver negotiated" "$j" \
	'[.config[] | has("negotiated_features")] | any' 'false'
raw=$(nl send DEV_CONFIG_GET DEV_NAME=str:d0)
tap_is "$(tr '\n' ' ' <<<"$raw")" \
	"DEV_NAME=d0 DEV_ID=1 DEV_NET_CFG_MACADDR=02:00:00:00:00:01 DEV_NET_STATUS=1 DEV_NET_CFG_MAX_VQP=3 DEV_NET_CFG_MTU=9000 DEV_FEATURES=$FEATURES -- " \
	"DEV_CONFIG_GET d0 (raw): fields, device features, no negotiated features"

# --- device_features provisioning (the tool has no option for it) ---
tap_run "DEV_NEW d3 with device_features VERSION_1|MAC and a mac" \
	nl send DEV_NEW DEV_NAME=str:d3 MGMTDEV_DEV_NAME=str:vdpa_test \
	DEV_FEATURES=u64:$((V1 | 1 << 5)) DEV_NET_CFG_MACADDR=hex:02:00:00:00:00:03
tap_is "$(vdpa dev config show d3 | norm)" "d3: mac 02:00:00:00:00:03" \
	"d3 config shows only the mac: no status, mq or mtu feature"
tap_is "$(nl send DEV_CONFIG_GET DEV_NAME=str:d3 | grep '^DEV_FEATURES=')" \
	"DEV_FEATURES=$((V1 | 1 << 5))" "d3 reports its provisioned device_features"
tap_run "DEV_NEW d4: max_vqp 1 needs no VIRTIO_NET_F_MQ" \
	nl send DEV_NEW DEV_NAME=str:d4 MGMTDEV_DEV_NAME=str:vdpa_test \
	DEV_FEATURES=u64:$V1 DEV_NET_CFG_MAX_VQP=u16:1
tap_jq "d4 has 3 queues" "$(vdpa -j dev show d4)" '.dev.d4.max_vqs' 3

# --- DEV_ATTR_SET (no "vdpa dev set" in this tool) ---
tap_run "DEV_ATTR_SET d1 mac 02:00:00:00:00:aa" \
	nl send DEV_ATTR_SET DEV_NAME=str:d1 DEV_NET_CFG_MACADDR=hex:02:00:00:00:00:aa
tap_jq "d1's config shows the new mac" "$(vdpa -j dev config show d1)" \
	'.config.d1.mac' '"02:00:00:00:00:aa"'

# --- vstats: only once a driver negotiated ---
tap_run "load vdpa_test_driver (binds every device)" modprobe vdpa_test_driver
tap_is "$(cd /sys/bus/vdpa/drivers/vdpa_test_driver && echo d*)" \
	"d0 d1 d2 d3 d4" "every device is bound"
tap_is "$(vdpa dev vstats show d1 qidx 0 | norm)" \
	"d1: queue_type rx kicks 0 ready 0" "vstats d1 qidx 0 text: rx, vendor values"
tap_jq "vstats d1 qidx 0 -j: rx (not control_vq) with one pair and a control queue" \
	"$(vdpa -j dev vstats show d1 qidx 0)" '.vstats.d1' \
	'{"queue_type":"rx","kicks":0,"ready":0}'
tap_jq "vstats d1 qidx 1 -j: tx" "$(vdpa -j dev vstats show d1 qidx 1)" \
	'.vstats.d1.queue_type' '"tx"'
tap_jq "vstats d0 qidx 6 (its last queue) -j" "$(vdpa -j dev vstats show d0 qidx 6)" \
	'.vstats.d0 | [.kicks, .ready]' '[0,0]'
tap_is "$(nl send DEV_VSTATS_GET DEV_NAME=str:d1 DEV_QUEUE_INDEX=u32:0 | tr '\n' ' ')" \
	"DEV_NAME=d1 DEV_ID=1 DEV_NEGOTIATED_FEATURES=$V1 DEV_NET_CFG_MAX_VQP=1 DEV_QUEUE_INDEX=0 DEV_VENDOR_ATTR_NAME=kicks DEV_VENDOR_ATTR_VALUE=0 DEV_VENDOR_ATTR_NAME=ready DEV_VENDOR_ATTR_VALUE=0 -- " \
	"VSTATS_GET d1 (raw): features and max_vqp 1 before the queue index, then the pairs"
tap_is "$(nl send DEV_VSTATS_GET DEV_NAME=str:d0 DEV_QUEUE_INDEX=u32:2 | grep '^DEV_NET_CFG_MAX_VQP=')" \
	"DEV_NET_CFG_MAX_VQP=1" "VSTATS_GET d0: max_vqp 1 when MQ was not negotiated"
tap_jq "config show after negotiation: negotiated_features VERSION_1" \
	"$(vdpa -j dev config show d1)" '.config.d1.negotiated_features' '["VERSION_1"]'
tap_jq "config show after negotiation of VERSION_1 only: the device's MAC still shown" \
	"$(vdpa -j dev config show d1)" '.config.d1 | has("mac")' 'true'
tap_is "$(nl send DEV_CONFIG_GET DEV_NAME=str:d1 | grep -E '^DEV_(NEGOTIATED_)?FEATURES=' | tr '\n' ' ')" \
	"DEV_NEGOTIATED_FEATURES=$V1 DEV_FEATURES=$FEATURES " \
	"DEV_CONFIG_GET d1 (raw): negotiated and device features"

# --- dev del ---
tap_run "dev del d0" vdpa dev del d0
tap_is "$(vdpa dev show | names)" "d1 d2 d3 d4 " "d0 is gone from dev show"
tap_run "d0 is gone from the bus" test ! -e /sys/bus/vdpa/devices/d0
for d in d1 d2 d3 d4; do
	vdpa dev del "$d"
done
tap_is "$(vdpa dev show | norm)" "" "dev show is empty after deleting every device"
tap_jq "dev show -j is empty" "$(vdpa -j dev show)" '.dev | length' 0
tap_jq "dev config show -j is empty" "$(vdpa -j dev config show)" '.config | length' 0
tap_is "$(ls /sys/bus/vdpa/devices)" "" "the bus is empty"
tap_is "$(cat /sys/kernel/debug/vdpa_test_driver/probes)/$(cat /sys/kernel/debug/vdpa_test_driver/removes)" \
	"5/5" "every bound device was unbound once"

tap_run "unload vdpa_test_driver and vdpa_test_parent" \
	rmmod vdpa_test_driver vdpa_test_parent

# --- the bound driver and its character device (our extension) ---
tap_run "load vdpa_sim_net" modprobe vdpa_sim_net
tap_run "dev add s0 (no bus driver loaded)" vdpa dev add name s0 mgmtdev vdpasim_net
tap_is "$(ext s0)" "" "DEV_GET s0 unbound: no driver, no character device"
show=$(vdpa dev show s0)
show_j=$(vdpa -j dev show s0)
tap_run "load virtio_vdpa: it binds s0" \
	eval 'modprobe virtio_vdpa && [ "$(e2e_bound_to s0)" = virtio_vdpa ]'
tap_is "$(ext s0)" "EXT_DEV_DRIVER=virtio_vdpa" \
	"DEV_GET s0 under virtio_vdpa: its name, no character device"
modprobe vhost_vdpa
e2e_override s0 vhost_vdpa
node=$(e2e_vhost_node s0)
tap_run "s0 rebound to vhost_vdpa, with its device node $node" \
	eval '[ "$(e2e_bound_to s0)" = vhost_vdpa ] && [ -c "$node" ]'
tap_is "$(ext s0)" "$(sys_ext s0 | norm)" \
	"DEV_GET s0 under vhost_vdpa: driver and vhost-vdpa-N as in sysfs"
tap_is "$(nl send DEV_GET DEV_NAME=str:s0 | sed -n 's/^EXT_DEV_CHARDEV={NAME=\([^ ]*\) MAJOR=\([0-9]*\) MINOR=\([0-9]*\)}$/\/dev\/\1 \2:\3/p')" \
	"$node $(stat -c '%t %T' "$node" | { read -r a b; echo $((0x$a)):$((0x$b)); })" \
	"DEV_GET s0: the character device's name and numbers are those of its /dev node"
tap_is "$(vdpa dev show s0)" "$show" "dev show s0 text under vhost_vdpa: as unbound (tool skips the extension)"
tap_is "$(vdpa -j dev show s0)" "$show_j" "dev show -j s0 under vhost_vdpa: as unbound"
echo s0 >/sys/bus/vdpa/drivers/vhost_vdpa/unbind
tap_is "$(ext s0)" "" "DEV_GET s0 after unbind: no driver, no character device"
tap_run "$node is gone after unbind" test ! -e "$node"

tap_run "dev add s1 and s2" \
	eval 'vdpa dev add name s1 mgmtdev vdpasim_net && vdpa dev add name s2 mgmtdev vdpasim_net'
e2e_override s1 virtio_vdpa
e2e_override s2 vhost_vdpa
tap_is "$(e2e_bound_to s0)/$(e2e_bound_to s1)/$(e2e_bound_to s2)" "/virtio_vdpa/vhost_vdpa" \
	"s0 unbound, s1 under virtio_vdpa, s2 under vhost_vdpa"
tap_is "$(dump_ext)" "$(for d in s0 s1 s2; do echo "$d $(sys_ext $d | norm)"; done | sed 's/ $//')" \
	"DEV_GET dump: each device's driver and character devices as in sysfs"
tap_run "DEV_GET s2 reports a character device" eval 'ext s2 | grep -q "EXT_DEV_CHARDEV={NAME=vhost-vdpa-"'
tap_is "$(vdpa dev show | names)" "s0 s1 s2 " "dev show (dump) with the extensions lists s0 s1 s2"
tap_jq "dev show -j (dump) with the extensions: s0 s1 s2, same fields" "$(vdpa -j dev show)" \
	'.dev | to_entries | map([.key, (.value | keys)])' \
	"$(jq -c '.dev | to_entries | map(.value | keys) | .[0] as $k | [["s0",$k],["s1",$k],["s2",$k]]' <<<"$show_j")"
tap_run "dev del s0 s1 s2" eval 'vdpa dev del s0 && vdpa dev del s1 && vdpa dev del s2'
tap_run "unload bus drivers, simulator and bus" \
	rmmod vhost_vdpa virtio_vdpa vdpa_sim_net vdpa_sim vdpa
tap_done
