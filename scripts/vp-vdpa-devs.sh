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
#
# It also defines vp_vdpa_mq_devs DIR MEM, which sets a third array for
# the debug VM only (scripts/check.sh; the benchmark VM does without):
#
#   vp_vdpa_mq     two multiqueue virtio-net-pci functions joined by
#                  tests/userspace/vu_wire, the vhost-user back-end that
#                  the caller starts on the host with the sockets
#                  DIR/a.sock and DIR/b.sock before QEMU boots (QEMU is
#                  the client): the function for vp_vdpa (modern only,
#                  MAC 52:54:00:12:34:72, 2 queue pairs and a control
#                  queue) behind root port 00:14.0, and its peer (MAC
#                  52:54:00:12:34:73, the same queues) at 00:15.0 under
#                  virtio_net.  Neither has iommu_platform (QEMU's
#                  vhost-user would need the back-end to take IOTLB
#                  messages; their rings and buffers are guest physical
#                  addresses whatever the intel-iommu does) nor MSI-X
#                  (vectors=0: QEMU 7.2 under TCG crashes when a
#                  vhost-user virtio-net-pci unmasks an MSI-X vector), so
#                  both use INTx (Documentation/vp_vdpa.rst,
#                  "Multiqueue").  A vhost-user back-end maps the guest's
#                  memory, so the VM's RAM (MEM MiB, the same as
#                  vm-run.sh --mem) is a shared memfd.  tests/e2e/84 uses
#                  them; nothing leaves the VM and the back-end.

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

vp_vdpa_mq_devs() {
	local dir=${1:?} mem=${2:?}
	vp_vdpa_mq=(
		--qemu-arg "-object memory-backend-memfd,id=vmram,size=${mem}M,share=on"
		--qemu-arg "-machine memory-backend=vmram"
		--qemu-arg "-chardev socket,id=vuwa,path=$dir/a.sock"
		--qemu-arg "-netdev vhost-user,id=vpmq0,chardev=vuwa,queues=2"
		--qemu-arg "-device pcie-root-port,id=vprp3,chassis=13,addr=0x14"
		--qemu-arg "-device virtio-net-pci,id=vpmq,netdev=vpmq0,bus=vprp3,disable-legacy=on,mq=on,vectors=0,mac=52:54:00:12:34:72"
		--qemu-arg "-chardev socket,id=vuwb,path=$dir/b.sock"
		--qemu-arg "-netdev vhost-user,id=vpmq1,chardev=vuwb,queues=2"
		--qemu-arg "-device virtio-net-pci,id=vpmqpeer,netdev=vpmq1,disable-legacy=on,mq=on,vectors=0,mac=52:54:00:12:34:73,addr=0x15"
	)
}
