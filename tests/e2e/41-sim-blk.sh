#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vm-tier: stock
#
# vdpa_sim_blk, the simulated RAM-backed virtio-blk device: its management
# device, config space (decoded by the netlink family), the per-device
# module parameters (capacity_mib, num_queues, read_only), device_features
# provisioning, the fail_dev_add knob, 100 devices without memory cost,
# and rmmod with devices present. Through our virtio_vdpa, the data
# path through virtio_blk too: size, data written and read back, discard,
# write zeroes and secure erase, the read-only device, vendor statistics.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/e2e.sh"

tap_jq() { tap_is "$(jq -c "$3" <<<"$2" 2>&1)" "$4" "$1"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

e2e_need_modules vdpa_sim_blk virtio_vdpa
tap_plan 78

P=/sys/module/vdpa_sim_blk/parameters
DBG=/sys/kernel/debug/vdpa_sim/vdpasim_blk
MIB=$((1 << 20))

# The DEV_BLK_* attributes of a device's config, on one line.
blk_cfg() {
	nl send DEV_CONFIG_GET DEV_NAME=str:"$1" | grep '^DEV_BLK_' | tr '\n' ' '
}
dev_features() {
	nl send DEV_CONFIG_GET DEV_NAME=str:"$1" | sed -n 's/^DEV_FEATURES=//p'
}
# Bit $2 of the number $1: 1 or 0.
bit() { echo $((($1 >> $2) & 1)); }
# Our devices, counted in "vdpa -j dev show".
nr_blk_devs() {
	vdpa -j dev show | jq '[.dev[] | select(.mgmtdev == "vdpasim_blk")] | length'
}
# Sum of the debugfs "chunks" of every device: RAM used by the disks.
all_chunks() {
	cat "$DBG"/*/chunks 2>/dev/null | awk '{ s += $1 } END { print s + 0 }'
}
# Vendor statistic $3 of queue $2 of device $1 (raw VSTATS_GET).
vstat() {
	nl send DEV_VSTATS_GET DEV_NAME=str:"$1" DEV_QUEUE_INDEX=u32:"$2" |
		awk -F= -v k="$3" '$1 == "DEV_VENDOR_ATTR_NAME" { n = $2 }
			$1 == "DEV_VENDOR_ATTR_VALUE" && n == k { print $2 }'
}
setp() { echo "$2" >"$P/$1"; }

# The full config of a default device, in the family's attribute order.
cfg_default() { # $1 capacity in sectors, $2 queues, $3 extra flags
	echo -n "DEV_BLK_CFG_CAPACITY=$1 DEV_BLK_CFG_SIZE_MAX=$MIB"
	echo -n " DEV_BLK_CFG_SEG_MAX=254 DEV_BLK_CFG_BLK_SIZE=512"
	echo -n " DEV_BLK_CFG_NUM_QUEUES=$2 DEV_BLK_CFG_PHY_BLK_EXP=3"
	echo -n " DEV_BLK_CFG_ALIGN_OFFSET=0 DEV_BLK_CFG_MIN_IO_SIZE=8"
	echo -n " DEV_BLK_CFG_OPT_IO_SIZE=128 DEV_BLK_CFG_MAX_DISCARD_SEC=65536"
	echo -n " DEV_BLK_CFG_MAX_DISCARD_SEG=8 DEV_BLK_CFG_DISCARD_SEC_ALIGN=8"
	echo -n " DEV_BLK_CFG_MAX_WRITE_ZEROES_SEC=65536"
	echo -n " DEV_BLK_CFG_MAX_WRITE_ZEROES_SEG=8 $3DEV_BLK_FLUSH=1 "
}

# Block feature bits the class implements (RO aside), from virtio_blk.h:
# SIZE_MAX 1, SEG_MAX 2, BLK_SIZE 6, FLUSH 9, TOPOLOGY 10, MQ 12,
# DISCARD 13, WRITE_ZEROES 14, SECURE_ERASE 16.
BLK_BITS=$(( (1 << 1) | (1 << 2) | (1 << 6) | (1 << 9) | (1 << 10) | \
	     (1 << 12) | (1 << 13) | (1 << 14) | (1 << 16) ))
RO_BIT=5
BLK_MASK=$(( (1 << 24) - 1 ))
V1=$((1 << 32))

# --- management device ------------------------------------------------
tap_run "modinfo resolves vdpa_sim_blk to updates/" \
	sh -c 'modinfo -F filename vdpa_sim_blk | grep -q "/updates/"'
tap_run "modprobe vdpa_sim_blk" modprobe vdpa_sim_blk
j=$(vdpa -j mgmtdev show vdpasim_blk)
tap_jq "mgmtdev show -j vdpasim_blk: class block, 8 queues" "$j" \
	'.mgmtdev.vdpasim_blk | [.supported_classes, .max_supported_vqs]' \
	'[["block"],8]'
sup=$(nl send MGMTDEV_GET MGMTDEV_DEV_NAME=str:vdpasim_blk |
	sed -n 's/^DEV_SUPPORTED_FEATURES=//p')
tap_is "$((${sup:-0} & BLK_MASK))" "$((BLK_BITS | 1 << RO_BIT))" \
	"supported block features: the class's and RO"
tap_is "$(bit "${sup:-0}" 32)" 1 "supported features include VERSION_1"
tap_is "$(cat $P/capacity_mib $P/num_queues $P/read_only | tr '\n' ' ')" \
	"128 0 N " "parameter defaults: 128 MiB, a queue per CPU, read-write"
# num_queues=0: one queue per online CPU, at most 8.
nq=$(nproc)
[ "$nq" -le 8 ] || nq=8

# --- a default device -------------------------------------------------
tap_run "dev add b0 (defaults)" vdpa dev add name b0 mgmtdev vdpasim_blk
tap_jq "dev show -j b0: block, $nq queues (one per CPU) of 256" "$(vdpa -j dev show b0)" \
	'.dev.b0 | [.type, .mgmtdev, .max_vqs, .max_vq_size]' \
	"[\"block\",\"vdpasim_blk\",$nq,256]"
tap_is "$(blk_cfg b0)" "$(cfg_default $((128 * 2048)) "$nq" '')" \
	"config of b0: 128 MiB, limits, topology, flush, not read-only"
f=$(dev_features b0)
tap_is "$((${f:-0} & BLK_MASK))" "$BLK_BITS" "b0 offers the block features, not RO"
tap_jq "dev config show -j lists b0" "$(vdpa -j dev config show)" \
	'.config | has("b0")' true
tap_is "$(cat $DBG/b0/chunks 2>&1)" 0 "b0 has no RAM allocated"

# --- module parameters ------------------------------------------------
for bad in "capacity_mib 0" "capacity_mib 65537" "num_queues -1" "num_queues 9"; do
	# shellcheck disable=SC2086 # two words on purpose
	tap_fails_with "refused: $bad" "Invalid argument" setp $bad
done
tap_is "$(cat $P/capacity_mib $P/num_queues | tr '\n' ' ')" "128 0 " \
	"refused values left the parameters alone"
setp capacity_mib 4
setp num_queues 3
tap_run "dev add b1 with capacity_mib=4 num_queues=3" \
	vdpa dev add name b1 mgmtdev vdpasim_blk
tap_is "$(blk_cfg b1)" "$(cfg_default $((4 * 2048)) 3 '')" \
	"config of b1: 4 MiB, 3 queues"
tap_jq "b1 has 3 queues" "$(vdpa -j dev show b1)" '.dev.b1.max_vqs' 3
tap_is "$(blk_cfg b0 | grep -o 'CAPACITY=[0-9]*')" "CAPACITY=262144" \
	"b0 keeps its capacity"
setp capacity_mib 128
setp num_queues 1
setp read_only 1
tap_run "dev add b2 with read_only=1" vdpa dev add name b2 mgmtdev vdpasim_blk
setp read_only 0
tap_is "$(blk_cfg b2)" "$(cfg_default $((128 * 2048)) 1 'DEV_BLK_READ_ONLY=1 ')" \
	"config of b2 shows read-only"
f=$(dev_features b2)
tap_is "$(bit "${f:-0}" $RO_BIT)" 1 "b2 offers VIRTIO_BLK_F_RO"

# --- device_features provisioning -------------------------------------
tap_run "DEV_NEW b3 with device_features VERSION_1|FLUSH|RO" \
	nl send DEV_NEW DEV_NAME=str:b3 MGMTDEV_DEV_NAME=str:vdpasim_blk \
	DEV_FEATURES=u64:$((V1 | 1 << 9 | 1 << RO_BIT))
tap_is "$(dev_features b3)" "$((V1 | 1 << 9 | 1 << RO_BIT))" \
	"b3 offers exactly its provisioned features"
tap_is "$(blk_cfg b3)" "DEV_BLK_CFG_CAPACITY=262144 DEV_BLK_READ_ONLY=1 DEV_BLK_FLUSH=1 " \
	"b3 config: capacity, read-only and flush only"
tap_is "$(nl send DEV_NEW DEV_NAME=str:b4 MGMTDEV_DEV_NAME=str:vdpasim_blk \
	DEV_FEATURES=u64:$((1 << 9)) 2>&1 | head -1 | cut -d: -f1)" "error EINVAL" \
	"device_features without VERSION_1 refused with EINVAL"
tap_fails_with "a net attribute (mac) is refused" "not supported" \
	vdpa dev add name b4 mgmtdev vdpasim_blk mac 02:00:00:00:00:01
tap_run "no b4 after the refusals" test ! -e /sys/bus/vdpa/devices/b4

# --- fail_dev_add -----------------------------------------------------
echo 1 >"$DBG/fail_dev_add"
mark="41-sim-blk fail_dev_add $$"
echo "$mark" >/dev/kmsg
tap_fails_with "dev add refused once by fail_dev_add" "Input/output error" \
	vdpa dev add name bf mgmtdev vdpasim_blk
tap_run "the refusal is logged as injected" \
	sh -c "dmesg | sed -n '/$mark/,\$p' | grep -q 'injected failure (fail_dev_add)'"
tap_run "the next dev add works" vdpa dev add name bf mgmtdev vdpasim_blk
tap_is "$(cat "$DBG/fail_dev_add")" 0 "the knob is used up"
vdpa dev del bf

# --- 100 devices --------------------------------------------------------
before=$(nr_blk_devs)
mem0=$(awk '/^MemAvailable/ { print $2 }' /proc/meminfo)
# The first 5 by the tool, the rest in one vdpanl.py batch (one exec per
# device would take minutes in TCG).
fails=0
for i in 00 01 02 03 04; do
	vdpa dev add name "m$i" mgmtdev vdpasim_blk 2>/dev/null || fails=$((fails + 1))
done
fails=$((fails + $(seq -f 'DEV_NEW DEV_NAME=str:m%02g MGMTDEV_DEV_NAME=str:vdpasim_blk' 5 99 |
	nl batch | grep -vcx ok)))
tap_is "$fails" 0 "100 x dev add of 128 MiB devices"
tap_is "$(nr_blk_devs)" $((before + 100)) "dev show -j counts 100 more devices"
mem1=$(awk '/^MemAvailable/ { print $2 }' /proc/meminfo)
tap_is "$(all_chunks)" 0 "no disk RAM allocated for any of them"
tap_run "100 devices cost less than 64 MiB (took $(((mem0 - mem1) / 1024)) MiB)" \
	test $((mem0 - mem1)) -lt $((64 * 1024))
fails=0
for i in 00 01 02 03 04; do
	vdpa dev del "m$i" 2>/dev/null || fails=$((fails + 1))
done
fails=$((fails + $(seq -f 'DEV_DEL DEV_NAME=str:m%02g' 5 99 | nl batch | grep -vcx ok)))
tap_is "$fails" 0 "100 x dev del"
tap_is "$(nr_blk_devs)" "$before" "dev show -j is back to $before devices"

# --- data path through virtio_vdpa and virtio_blk -----------------------
# has_blkdev NAME: vdpa device NAME's disk exists; its name is left in $b.
has_blkdev() {
	b=$(ls /sys/bus/vdpa/devices/"$1"/virtio*/block 2>/dev/null)
	[ -n "$b" ] && [ -b "/dev/$b" ]
}
# The /dev/vdX of vdpa device $1, once virtio_blk has probed it.
blkdev_of() {
	local b

	wait_for 10 has_blkdev "$1" && echo "$b"
}
# Reads $2 bytes at byte offset $3 of device $1 into stdout.
rd() { dd if="/dev/$1" bs=4096 skip=$(($3 / 4096)) count=$(($2 / 4096)) \
	iflag=direct status=none; }
# Writes file $2 at byte offset $3 of device $1, then flushes (fsync).
wr() { dd if="$2" of="/dev/$1" bs=4096 seek=$(($3 / 4096)) oflag=direct \
	conv=notrunc,fsync status=none; }
is_zero() { cmp -s -n "$1" - /dev/zero; }

data_tests() {
	local d q r t z
	tap_run "modprobe virtio_vdpa" modprobe virtio_vdpa
	setp capacity_mib 16
	tap_run "dev add bd (16 MiB)" vdpa dev add name bd mgmtdev vdpasim_blk
	setp capacity_mib 128
	d=$(blkdev_of bd) || { tap_fail "virtio_blk disk of bd appears"; return; }
	tap_ok "virtio_blk disk of bd appears: $d"
	tap_is "$(blockdev --getsize64 "/dev/$d")" $((16 * MIB)) "$d is 16 MiB"
	tap_is "$(cat /sys/block/"$d"/serial)" "vdpasim_blk:bd" "GET_ID: serial of $d"
	tap_is "$(cd /sys/block/"$d"/queue && cat physical_block_size \
		minimum_io_size optimal_io_size discard_max_hw_bytes \
		write_zeroes_max_bytes | tr '\n' ' ')$(cat /sys/block/"$d"/ro)" \
		"4096 4096 65536 33554432 33554432 0" "queue limits of $d from the config, read-write"

	head -c $MIB /dev/urandom >"$tmp/pat"
	tap_is "$(rd "$d" $MIB 0 | is_zero $MIB && echo zero)" zero \
		"a never written area reads as zeros"
	tap_run "write 1 MiB at 3 MiB + 4 KiB" wr "$d" "$tmp/pat" $((3 * MIB + 4096))
	tap_run "read it back" bash -c "$(declare -f rd); rd $d $MIB $((3 * MIB + 4096)) | cmp - $tmp/pat"
	tap_is "$(cat $DBG/bd/chunks)" 17 "17 chunks of 64 KiB allocated"
	tap_run "blkdiscard 3 MiB..5 MiB" blkdiscard -o $((3 * MIB)) -l $((2 * MIB)) "/dev/$d"
	tap_is "$(rd "$d" $MIB $((3 * MIB + 4096)) | is_zero $MIB && echo zero)" zero \
		"discarded range reads as zeros"
	tap_is "$(cat $DBG/bd/chunks)" 0 "discard freed every chunk"

	tap_run "write 1 MiB at 0" wr "$d" "$tmp/pat" 0
	tap_run "blkdiscard -z of 4 KiB at 8 KiB" blkdiscard -z -o 8192 -l 4096 "/dev/$d"
	head -c 8192 "$tmp/pat" >"$tmp/exp"
	head -c 4096 /dev/zero >>"$tmp/exp"
	tail -c +12289 "$tmp/pat" >>"$tmp/exp"
	tap_run "write zeroes cleared exactly 4 KiB" \
		bash -c "$(declare -f rd); rd $d $MIB 0 | cmp - $tmp/exp"
	tap_run "blkdiscard -s (secure erase) of the first MiB" \
		blkdiscard -s -o 0 -l $MIB "/dev/$d"
	tap_is "$(rd "$d" $MIB 0 | is_zero $MIB && echo zero)" zero \
		"securely erased range reads as zeros"

	r=$(for k in reads writes flushes discards write_zeroes secure_erases errors unsupported; do
		printf '%s=%s ' $k "$(vstat bd 0 $k)"; done)
	tap_run "vstats of bd count the requests ($r)" \
		sh -c "echo '$r' | grep -qE '^reads=[1-9][0-9]* writes=[1-9][0-9]* flushes=[1-9][0-9]* discards=[1-9][0-9]* write_zeroes=[1-9][0-9]* secure_erases=[1-9][0-9]* errors=0 unsupported=0 $'"
	tap_run "bytes_written >= 2 MiB" test "$(vstat bd 0 bytes_written)" -ge $((2 * MIB))
	# iproute2 6.1 decodes vendor statistics of net devices only.
	tap_run "vdpa dev vstats show bd qidx 0 succeeds" vdpa dev vstats show bd qidx 0

	# The core's completion delay: one 4 KiB read takes at least 50 ms.
	echo 50000 >"$DBG/bd/delay_us"
	t=$(date +%s%N)
	rd "$d" 4096 $((8 * MIB)) >/dev/null
	t=$((($(date +%s%N) - t) / 1000000))
	echo 0 >"$DBG/bd/delay_us"
	tap_run "with delay_us 50000 a read takes >= 50 ms (took $t ms)" test "$t" -ge 50

	setp read_only 1
	tap_run "dev add br (read-only)" vdpa dev add name br mgmtdev vdpasim_blk
	setp read_only 0
	r=$(blkdev_of br) || { tap_fail "virtio_blk disk of br appears"; return; }
	tap_is "$(cat /sys/block/"$r"/ro)" 1 "$r is read-only"
	tap_fails_with "writing to $r fails with EPERM" "Operation not permitted" \
		wr "$r" "$tmp/pat" 0
	tap_is "$(rd "$r" $MIB 0 | is_zero $MIB && echo zero)" zero "$r reads zeros"

	# A long name: GET_ID answers its first 20 bytes, not NUL terminated.
	q=bq-with-a-long-name
	setp num_queues 4
	tap_run "dev add $q (4 queues)" vdpa dev add name $q mgmtdev vdpasim_blk
	setp num_queues 1
	z=$(blkdev_of $q) || { tap_fail "virtio_blk disk of $q appears"; return; }
	tap_is "$(cat /sys/block/"$z"/serial)" "vdpasim_blk:bq-with-" \
		"GET_ID of $q: cut at 20 bytes"
	tap_is "$(find /sys/block/"$z"/mq -mindepth 1 -maxdepth 1 | wc -l)" "$(($(nproc) < 4 ? $(nproc) : 4))" \
		"$z has min(4, CPUs) hardware queues"
	tap_run "write and read back 1 MiB on $z" \
		bash -c "$(declare -f rd wr); wr $z $tmp/pat 0 && rd $z $MIB 0 | cmp - $tmp/pat"
	if [ "$(nproc)" -ge 2 ]; then
		r=$(vstat $q 1 reads)
		taskset -c 1 dd if="/dev/$z" of=/dev/null bs=4096 count=16 \
			iflag=direct status=none
		tap_run "16 reads from CPU 1 are served by queue 1 (${r:-?} before)" \
			test "$(vstat $q 1 reads)" -ge $((${r:-0} + 16))
	else
		tap_skip "reads from CPU 1 are served by queue 1" "one CPU"
	fi
}

tap_run "modinfo resolves virtio_vdpa to updates/ (ours)" \
	sh -c 'modinfo -F filename virtio_vdpa | grep -q "/updates/"'
data_tests

# --- rmmod with devices present --------------------------------------
tap_run "rmmod vdpa_sim_blk with devices present" rmmod vdpa_sim_blk
tap_is "$(ls /sys/bus/vdpa/devices)" "" "every device is gone from the bus"
tap_jq "vdpasim_blk is gone from mgmtdev show" "$(vdpa -j mgmtdev show)" \
	'.mgmtdev | has("vdpasim_blk")' false
tap_run "debugfs directory removed" test ! -e "$DBG"
if grep -q '^virtio_vdpa ' /proc/modules; then
	tap_run "rmmod virtio_vdpa" rmmod virtio_vdpa
fi
tap_run "rmmod vdpa_sim vdpa vhost_iotlb" rmmod vdpa_sim vdpa vhost_iotlb
tap_done
