// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa_user: the virtio-net control virtqueue, in its own address space
 * when the device allows it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "net.h"

#define CVQ_RING 16
#define CVQ_AS 1

static int vring_group(struct net *n, unsigned int index, __u32 *group)
{
	struct vhost_vring_state s = { index, 0 };
	int r;

	r = xioctl(n->d.fd, VHOST_VDPA_GET_VRING_GROUP, &s,
		   "VHOST_VDPA_GET_VRING_GROUP");
	*group = s.num;
	return r;
}

/*
 * Pick the address space of the cvq: AS 1 if the device has several and
 * the cvq is alone in its group.  Returns the asid or -errno.
 */
static int cvq_asid(struct net *n)
{
	struct vhost_vring_state s;
	__u32 nas = 0, gdata, gcvq;
	int r;

	r = xioctl(n->d.fd, VHOST_VDPA_GET_AS_NUM, &nas,
		   "VHOST_VDPA_GET_AS_NUM");
	if (r)
		return r;
	if (nas < 2 || !(n->d.backend & BIT64(VHOST_BACKEND_F_IOTLB_ASID))) {
		diag("asid: %u address space(s), IOTLB_ASID %s: cvq stays in AS 0",
		     nas, n->d.backend & BIT64(VHOST_BACKEND_F_IOTLB_ASID) ?
		     "acked" : "not offered");
		return 0;
	}
	r = vring_group(n, NET_RXQ, &gdata);
	if (!r)
		r = vring_group(n, NET_CVQ, &gcvq);
	if (r)
		return r;
	if (gdata == gcvq) {
		diag("asid: cvq shares group %u with the data vqs: AS 0", gcvq);
		return 0;
	}
	s.index = gcvq;
	s.num = CVQ_AS;
	r = xioctl(n->d.fd, VHOST_VDPA_SET_GROUP_ASID, &s,
		   "VHOST_VDPA_SET_GROUP_ASID");
	if (r)
		return r;
	diag("asid: %u address spaces, data group %u, cvq group %u -> AS %u",
	     nas, gdata, gcvq, CVQ_AS);
	return CVQ_AS;
}

/**
 * net_cvq_setup() - the control vq, its address space and memory
 * @n: driver state, features negotiated, data memory mapped
 *
 * In AS 1 the cvq ring and command buffer are mapped at the same IOVA as
 * the data memory of AS 0: a device that used the wrong address space
 * would read the data rings instead of the command.
 *
 * Return: 0 or -errno.
 */
int net_cvq_setup(struct net *n)
{
	__u64 iova = IOVA_BASE;
	int asid;
	int r;

	if (!(n->d.features & BIT64(VIRTIO_NET_F_CTRL_VQ))) {
		fail("%s: device does not offer VIRTIO_NET_F_CTRL_VQ",
		     n->d.path);
		return -EOPNOTSUPP;
	}
	asid = cvq_asid(n);
	if (asid < 0)
		return asid;
	if (asid == 0)
		iova = n->mem.iova + n->mem.len;
	r = region_create(&n->cmem, 16384, iova, asid);
	if (!r)
		r = vq_create(&n->cvq, NET_CVQ, CVQ_RING, n->o->packed,
			      &n->cmem);
	if (!r)
		r = region_map(&n->d, &n->cmem, 1);
	n->has_cvq = !r;
	return r;
}

/* Class/command/argument of the one command we send, by feature. */
static int cvq_pick(struct net *n, struct virtio_net_ctrl_hdr *h,
		    __u8 *arg, __u32 *arg_len, const char **what)
{
	if (n->d.features & BIT64(VIRTIO_NET_F_CTRL_RX)) {
		h->class = VIRTIO_NET_CTRL_RX;
		h->cmd = VIRTIO_NET_CTRL_RX_PROMISC;
		arg[0] = 1;
		*arg_len = 1;
		*what = "VIRTIO_NET_CTRL_RX_PROMISC on";
		return 0;
	}
	if (n->d.features & BIT64(VIRTIO_NET_F_CTRL_MAC_ADDR)) {
		h->class = VIRTIO_NET_CTRL_MAC;
		h->cmd = VIRTIO_NET_CTRL_MAC_ADDR_SET;
		memcpy(arg, n->mac, sizeof(n->mac));
		*arg_len = sizeof(n->mac);
		*what = "VIRTIO_NET_CTRL_MAC_ADDR_SET (same MAC)";
		return 0;
	}
	fail("%s: neither VIRTIO_NET_F_CTRL_RX nor _CTRL_MAC_ADDR offered",
	     n->d.path);
	return -EOPNOTSUPP;
}

static int cvq_wait(struct net *n, void *token)
{
	struct vq *vq = &n->cvq;
	void *got;
	__u32 len;
	int r;

	for (;;) {
		r = vq->ops->get(vq, &got, &len);
		if (r)
			break;
		r = vq_wait(&vq, 1, n->o->timeout_ms);
		if (r < 0)
			return r;
		if (!r) {
			fail("cvq: no answer in %d ms", n->o->timeout_ms);
			return -ETIMEDOUT;
		}
	}
	if (r < 0)
		return r;
	if (got != token || len < 1) {
		fail("cvq: used buffer %p len %u, want %p len >= 1", got, len,
		     token);
		return -EIO;
	}
	return 0;
}

/**
 * net_cvq_command() - one control command after DRIVER_OK
 * @n: driver state with the cvq running
 *
 * RX PROMISC on if CTRL_RX was negotiated, else MAC_ADDR_SET to the MAC
 * the device already has.
 *
 * Return: 0 if the device answered VIRTIO_NET_OK, else -errno.
 */
int net_cvq_command(struct net *n)
{
	struct virtio_net_ctrl_hdr *h;
	struct vq_buf b[3];
	__u8 *arg, *ack;
	const char *what;
	__u32 arg_len;
	int r;

	h = region_take(&n->cmem, sizeof(*h), 8, &b[0].iova);
	arg = region_take(&n->cmem, 64, 8, &b[1].iova);
	ack = region_take(&n->cmem, 1, 8, &b[2].iova);
	if (!h || !arg || !ack)
		return -ENOMEM;
	r = cvq_pick(n, h, arg, &arg_len, &what);
	if (r)
		return r;
	*ack = 0xee;
	b[0].len = sizeof(*h);
	b[0].write = false;
	b[1].len = arg_len;
	b[1].write = false;
	b[2].len = 1;
	b[2].write = true;
	r = n->cvq.ops->add(&n->cvq, b, 3, h);
	if (!r)
		r = vq_kick(&n->cvq);
	if (!r)
		r = cvq_wait(n, h);
	if (r)
		return r;
	if (*ack != VIRTIO_NET_OK) {
		fail("cvq: %s answered %#x, want VIRTIO_NET_OK", what, *ack);
		return -EIO;
	}
	diag("cvq: %s in AS %u -> VIRTIO_NET_OK", what, n->cmem.asid);
	return 0;
}
