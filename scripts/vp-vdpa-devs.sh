# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash disable=SC2034
#
# vp_vdpa's virtio-pci functions, shared by the debug VM (scripts/check.sh)
# and the benchmark VM (scripts/bench.sh), as scripts/vm-run.sh arguments.
# Source it with the path of the block function's image:
#
#   . scripts/vp-vdpa-devs.sh IMG
#
# It sets two arrays:
#
#   vp_vdpa_iommu  QEMU's intel-iommu (no interrupt remapping) and
#                  intel_iommu=on on the kernel command line; goes before
#                  any PCI device of the command line
#   vp_vdpa_devs   the functions; nothing leaves QEMU: a modern
#                  virtio-net-pci (MAC 52:54:00:12:34:70) behind root port
#                  00:10.0 and a virtio-blk-pci over IMG (a raw file, made
#                  by the caller) behind root port 00:12.0, both translated
#                  by the intel-iommu (iommu_platform) with a doorbell page
#                  per queue; root ports so that the monitor's device_del
#                  can unplug them (ACPI hotplug).  Their peer, a
#                  virtio-net-pci on the same QEMU hub (7) at 00:11.0 with
#                  MAC 52:54:00:12:34:71, stays under virtio_net.  A
#                  second virtio-blk-pci (id vpblk1, 64 MiB over
#                  IMG's sibling IMG-shared, made here) behind
#                  root port 00:13.0 has only 2 MSI-X vectors for its 2
#                  queues and config: vp_vdpa shares one vector there.
#
# tests/e2e/80-82 and the vp group of tests/bench/run-in-vm.sh find the
# functions at these addresses.

: "${1:?usage: . scripts/vp-vdpa-devs.sh IMG}"
truncate -s 64M "$1-shared"	# 82 grows it: back to 64 MiB each boot
vp_vdpa_iommu=(
	--qemu-arg "-device intel-iommu,intremap=off"
	--append intel_iommu=on
)
vp_vdpa_devs=(
	--qemu-arg "-netdev hubport,id=vpn0,hubid=7"
	--qemu-arg "-device pcie-root-port,id=vprp0,chassis=10,addr=0x10"
	--qemu-arg "-device virtio-net-pci,id=vpnet,netdev=vpn0,bus=vprp0,disable-legacy=on,iommu_platform=on,page-per-vq=on,mac=52:54:00:12:34:70"
	--qemu-arg "-netdev hubport,id=vpn1,hubid=7"
	--qemu-arg "-device virtio-net-pci,netdev=vpn1,mac=52:54:00:12:34:71,addr=0x11"
	--qemu-arg "-device pcie-root-port,id=vprp1,chassis=11,addr=0x12"
	--qemu-arg "-drive file=$1,if=none,id=vpblk0,format=raw,cache=unsafe"
	--qemu-arg "-device virtio-blk-pci,id=vpblk,drive=vpblk0,bus=vprp1,disable-legacy=on,iommu_platform=on,page-per-vq=on"
	--qemu-arg "-device pcie-root-port,id=vprp2,chassis=12,addr=0x13"
	--qemu-arg "-drive file=$1-shared,if=none,id=vpblk1d,format=raw,cache=unsafe"
	--qemu-arg "-device virtio-blk-pci,id=vpblk1,drive=vpblk1d,bus=vprp2,disable-legacy=on,iommu_platform=on,num-queues=2,vectors=2"
)
