#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vm-tier: stock
#
# Dumps that span several messages: 300 devices created with the vdpa
# tool are listed exactly once each by "vdpa dev show" and "vdpa -j dev
# config show"; a raw dump with a small receive buffer takes several
# datagrams and walks the devices in creation (index) order; devices
# deleted or created while a dump is under way neither repeat nor hide
# the others. Then every device is deleted again.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/e2e.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

N=300
all=$(seq -f 'd%03g' 0 $((N - 1)))
# Device names in a raw dump's output, in order.
dumped() { sed -n 's/^DEV_NAME=//p'; }
# Device names (dNNN) among the JSON object keys, duplicates kept (jq
# would merge them).
json_keys() {
	python3 -c '
import json, re, sys
keys = []
def hook(pairs):
    keys.extend(k for k, _ in pairs if re.fullmatch(r"d[0-9]{3}", k))
    return dict(pairs)
json.loads(sys.stdin.read(), object_pairs_hook=hook)
print("\n".join(keys))'
}
# add_all: every device added, the first 10 by "vdpa dev add" (the tool
# is the client under test), the rest as DEV_NEW in one vdpanl.py batch
# (one exec each would take minutes in TCG); the failures counted in
# $fails, the milliseconds taken in $ms.
add_all() {
	local d start
	fails=0
	start=$(date +%s%N)
	for d in $(head -n 10 <<<"$all"); do
		vdpa dev add name "$d" mgmtdev vdpa_test >/dev/null 2>&1 ||
			fails=$((fails + 1))
	done
	fails=$((fails + $(tail -n +11 <<<"$all" |
		sed 's/.*/DEV_NEW DEV_NAME=str:& MGMTDEV_DEV_NAME=str:vdpa_test/' |
		nl batch | grep -vcx ok)))
	ms=$((($(date +%s%N) - start) / 1000000))
}

tap_plan 19

tap_run "load vdpa_test_parent" modprobe vdpa_test_parent
add_all
tap_diag "$N devices added (10 vdpa dev add, then one batch): $ms ms"
tap_is "$fails" 0 "$N dev add succeed"

tap_is "$(vdpa dev show | sed -n 's/^\([^ :]*\): .*/\1/p' | sort)" "$all" \
	"dev show lists each of the $N devices once"
tap_is "$(vdpa -j dev show | json_keys | sort)" "$all" \
	"dev show -j lists each of the $N devices once"
tap_is "$(vdpa -j dev config show | json_keys | sort)" "$all" \
	"dev config show -j lists each of the $N devices once"
tap_is "$(vdpa dev config show | grep -cE ' mtu 1500( |$)')" $N \
	"dev config show has a full entry for each device"

nl send DEV_GET --dump --bufsize 4096 --stats >"$tmp/get" 2>"$tmp/get.stats"
tap_is "$(dumped <"$tmp/get")" "$all" "raw DEV_GET dump: each device once, in index order"
read -r dg rp <<<"$(sed -n 's/^datagrams=\([0-9]*\) replies=\([0-9]*\)$/\1 \2/p' "$tmp/get.stats")"
tap_is "$rp" $N "raw DEV_GET dump: $N replies"
tap_run "raw DEV_GET dump took several datagrams (got ${dg:-?})" test "${dg:-0}" -ge 5
nl send DEV_CONFIG_GET --dump --bufsize 4096 --stats >"$tmp/cfg" 2>"$tmp/cfg.stats"
tap_is "$(dumped <"$tmp/cfg")" "$all" "raw DEV_CONFIG_GET dump: each device once, in index order"
read -r dg rp <<<"$(sed -n 's/^datagrams=\([0-9]*\) replies=\([0-9]*\)$/\1 \2/p' "$tmp/cfg.stats")"
tap_run "raw DEV_CONFIG_GET dump took several datagrams (got ${dg:-?})" test "${dg:-0}" -ge 5

# Once the first datagram is in (the kernel has filled the second one by
# then), delete 5 devices already dumped and 5 far ahead, and add one.
change="for d in d000 d001 d002 d003 d004 d295 d296 d297 d298 d299; do
	vdpa dev del \$d; done; vdpa dev add name dnew mgmtdev vdpa_test"
nl send DEV_GET --dump --bufsize 4096 --exec-after-first "$change" \
	>"$tmp/mid" 2>"$tmp/mid.err"
got=$(dumped <"$tmp/mid")
tap_is "$(sort <<<"$got" | uniq -d)" "" "dump under changes: no device twice"
tap_is "$(grep -x 'd[0-9]*' <<<"$got")" "$(grep -vxE 'd29[5-9]' <<<"$all")" \
	"dump under changes: the devices already dumped and those never touched, in order; none deleted before its turn"
tap_is "$(vdpa dev show | grep -c '^d')" $((N - 10 + 1)) \
	"after the changes: $((N - 10)) + 1 devices"
vdpa dev del dnew

# The rest go in one process: $N more execs would take minutes in TCG.
start=$(date +%s%N)
out=$(seq -f 'DEV_DEL DEV_NAME=str:d%03g' 5 294 | nl batch)
tap_diag "$((N - 10)) x DEV_DEL in one vdpanl.py batch: $((($(date +%s%N) - start) / 1000000)) ms"
tap_is "$(sort <<<"$out" | uniq -c | sed 's/^ *//')" "$((N - 10)) ok" \
	"every remaining device is deleted"
tap_is "$(vdpa dev show)" "" "dev show is empty"
tap_is "$(vdpa -j dev config show | jq -c .config)" "{}" "dev config show -j is empty"
tap_is "$(ls /sys/bus/vdpa/devices)" "" "the bus is empty"
tap_run "unload parent and bus" rmmod vdpa_test_parent vdpa
tap_done
