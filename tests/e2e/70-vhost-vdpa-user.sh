#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vm-tier: stock
#
# Our vhost_vdpa driven by tests/userspace/vdpa_user, a userspace virtio
# driver over /dev/vhost-vdpa-N, on our simulators: net frames looped back
# byte-exact on split and packed rings, with batched IOTLB updates, the
# control vq in its own address space and a suspend/resume with frames in
# flight; block writes read back; every misuse gets the errno of the
# table in tests/userspace/misuse.c (the in-tree value, or ours where our
# driver deliberately differs); pinned memory given back on close; a link
# change signals the config interrupt eventfd; the same traffic through a
# device that takes dma_map/dma_unmap instead of set_map.  The traffic and
# misuse runs also run against the in-tree modules:
# tests/e2e-reference/vhost-vdpa-intree.sh.
set -u
. "$(dirname "$0")/../lib/tap.sh"

. "$(dirname "$0")/../lib/e2e.sh"

e2e_need_vhost_vdpa_user
tool=$E2E_VDPA_USER
[ ! -e /sys/module/virtio_vdpa ] || tap_bail "virtio_vdpa is loaded: it could take the devices"

tap_plan 29

tap_run "modprobe vhost_vdpa (ours) before the simulators" modprobe vhost_vdpa
tap_run "modprobe vdpa_sim_net vdpa_sim_blk" modprobe -a vdpa_sim_net vdpa_sim_blk

tap_run "vdpa dev add n0 (vdpasim_net), bound to vhost_vdpa" e2e_vhost_dev_add n0 vdpasim_net
n0=$(e2e_vhost_node n0)
e2e_tool_ok "net-loop split, 1000 x 1514 bytes" net-loop --dev "$n0" --frames 1000 --size 1514
e2e_tool_ok "net-loop packed, 1000 x 1514 bytes" net-loop --dev "$n0" --frames 1000 --size 1514 --packed
e2e_tool_ok "net-loop split, 3000 x 60 bytes, ring 64" net-loop --dev "$n0" --frames 3000 --size 60 --ring 64
e2e_tool_ok "net-loop packed, 3000 x 60 bytes, ring 64 (wraps)" net-loop --dev "$n0" --frames 3000 --size 60 --ring 64 --packed
e2e_tool_ok "net-loop --batch" net-loop --dev "$n0" --frames 500 --size 1000 --batch
e2e_tool_ok "net-loop --asid (cvq in AS 1)" net-loop --dev "$n0" --frames 200 --size 128 --asid
e2e_tool_ok "net-loop --suspend-resume, split" net-loop --dev "$n0" --frames 1000 --size 512 --suspend-resume
e2e_tool_ok "net-loop --suspend-resume, packed" net-loop --dev "$n0" --frames 1000 --size 512 --suspend-resume --packed
e2e_tool_ok "net-loop packed with batch, asid, suspend-resume" net-loop --dev "$n0" --frames 600 --size 300 --batch --asid --suspend-resume --packed
e2e_tool_ok "misuse on vdpasim_net: our errnos (misuse.c table)" misuse --dev "$n0" --expect ours
e2e_tool_ok "pin-check on vdpasim_net" pin-check --dev "$n0" --mbytes 16 --frames 200 --size 1000
e2e_tool_ok "net-loop after pin-check (device reusable)" net-loop --dev "$n0" --frames 100 --size 100

# The config interrupt eventfd: a link flap (debugfs) signals it.
coproc CFG { exec "$tool" config-call --dev "$n0" --timeout 10000 2>&1; }
# shellcheck disable=SC2153 # CFG_PID is set by coproc
cfg_pid=$CFG_PID
tap_is "$(e2e_reply "${CFG[0]}")" armed "config-call: eventfd set, DRIVER_OK"
echo N >/sys/kernel/debug/vdpa_sim/vdpasim_net/n0/link_up
echo >&"${CFG[1]}"
tap_is "$(e2e_reply "${CFG[0]}")" signalled \
	"config-call: a link change signalled VHOST_VDPA_SET_CONFIG_CALL's eventfd"
wait "$cfg_pid"
echo Y >/sys/kernel/debug/vdpa_sim/vdpasim_net/n0/link_up
tap_run "vdpa dev del n0" vdpa dev del n0

# The dma_map route: a device created with vdpa_sim.batch_mapping=0 hears
# of each mapping through dma_map/dma_unmap instead of set_map.
echo 0 >/sys/module/vdpa_sim/parameters/batch_mapping
tap_run "vdpa dev add n1 (batch_mapping=0: dma_map/dma_unmap)" e2e_vhost_dev_add n1 vdpasim_net
echo 1 >/sys/module/vdpa_sim/parameters/batch_mapping
n1=$(e2e_vhost_node n1)
e2e_tool_ok "dma_map: net-loop split, 500 x 1514 bytes" net-loop --dev "$n1" --frames 500 --size 1514
e2e_tool_ok "dma_map: net-loop packed, batched updates" net-loop --dev "$n1" --frames 500 --size 1514 --packed --batch
e2e_tool_ok "dma_map: pin-check" pin-check --dev "$n1" --mbytes 16 --frames 200 --size 1000
tap_run "vdpa dev del n1" vdpa dev del n1

tap_run "vdpa dev add b0 (vdpasim_blk), bound to vhost_vdpa" e2e_vhost_dev_add b0 vdpasim_blk
b0=$(e2e_vhost_node b0)
e2e_tool_ok "blk-rw split, 2048 sectors" blk-rw --dev "$b0" --sectors 2048
e2e_tool_ok "blk-rw packed, 2048 sectors" blk-rw --dev "$b0" --sectors 2048 --packed
e2e_tool_ok "misuse on vdpasim_blk: our errnos (misuse.c table)" misuse --dev "$b0" --expect ours
tap_run "vdpa dev del b0" vdpa dev del b0

tap_run "rmmod vdpa_sim_blk vdpa_sim_net vdpa_sim vhost_vdpa" \
	rmmod vdpa_sim_blk vdpa_sim_net vdpa_sim vhost_vdpa
tap_done
