// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa_user: virtio-net device setup: negotiation, memory, queues.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/virtio_ids.h>

#include "net.h"

static __u16 ring_size(const struct net *n)
{
	__u16 num = n->o->ring;

	if (num > n->d.vq_num_max)
		num = n->d.vq_num_max;
	return num;
}

static int net_features(struct net *n)
{
	const struct options *o = n->o;
	__u64 want = BIT64(VIRTIO_NET_F_MAC);
	__u64 need = BIT64(VIRTIO_F_VERSION_1) |
			BIT64(VIRTIO_F_ACCESS_PLATFORM);
	__u64 be = BIT64(VHOST_BACKEND_F_IOTLB_MSG_V2);
	int r;

	if (o->packed)
		need |= BIT64(VIRTIO_F_RING_PACKED);
	if (o->asid)
		want |= BIT64(VIRTIO_NET_F_CTRL_VQ) | BIT64(VIRTIO_NET_F_CTRL_RX) |
			BIT64(VIRTIO_NET_F_CTRL_MAC_ADDR);
	if (o->batch)
		be |= BIT64(VHOST_BACKEND_F_IOTLB_BATCH);
	if (o->asid)
		be |= BIT64(VHOST_BACKEND_F_IOTLB_ASID);
	if (o->suspend_resume)
		be |= BIT64(VHOST_BACKEND_F_SUSPEND) |
		      BIT64(VHOST_BACKEND_F_RESUME);
	r = vdev_backend(&n->d, be);
	if (!r && o->suspend_resume &&
	    (~n->d.backend & (BIT64(VHOST_BACKEND_F_SUSPEND) |
			      BIT64(VHOST_BACKEND_F_RESUME)))) {
		fail("%s: backend features SUSPEND and RESUME not offered",
		     n->d.path);
		return -EOPNOTSUPP;
	}
	if (!r && o->batch && !n->d.batch) {
		fail("%s: backend feature IOTLB_BATCH not offered", n->d.path);
		return -EOPNOTSUPP;
	}
	if (!r)
		r = vdev_negotiate(&n->d, VIRTIO_ID_NET, want, need);
	return r;
}

static int net_read_mac(struct net *n)
{
	if (!(n->d.features & BIT64(VIRTIO_NET_F_MAC))) {
		memset(n->mac, 0xff, sizeof(n->mac));
		diag("%s: no VIRTIO_NET_F_MAC, sending to broadcast", n->d.path);
		return 0;
	}
	return vdev_get_config(&n->d, offsetof(struct virtio_net_config, mac),
			       n->mac, sizeof(n->mac));
}

/* Rings and buffers of the data queues in one region, mapped in AS 0. */
static int net_memory(struct net *n)
{
	__u16 num = ring_size(n);
	size_t sd, sa, su, len;
	int r;

	n->rx_len = (NET_HDR_LEN + n->o->size + 63) & ~63U;
	n->tx_len = n->rx_len;
	n->ntx = num / 2;
	(n->o->packed ? &ring_packed_ops : &ring_split_ops)->sizes(num, &sd,
								     &sa, &su);
	len = 2 * (sd + sa + su + 3 * 64) + (size_t)num * n->rx_len +
	      (size_t)n->ntx * n->tx_len;
	r = region_create(&n->mem, len, IOVA_BASE, 0);
	if (!r)
		r = vq_create(&n->rx, NET_RXQ, num, n->o->packed, &n->mem);
	if (!r)
		r = vq_create(&n->tx, NET_TXQ, num, n->o->packed, &n->mem);
	if (r)
		return r;
	n->rxbuf = region_take(&n->mem, (size_t)num * n->rx_len, 64, NULL);
	n->txbuf = region_take(&n->mem, (size_t)n->ntx * n->tx_len, 64, NULL);
	n->tx_free = calloc(n->ntx, sizeof(*n->tx_free));
	n->held = calloc(num, sizeof(*n->held));
	n->seen = calloc(n->o->frames ? n->o->frames : 1, 1);
	if (!n->rxbuf || !n->txbuf || !n->tx_free || !n->held || !n->seen)
		return -ENOMEM;
	for (n->tx_nfree = 0; n->tx_nfree < n->ntx; n->tx_nfree++)
		n->tx_free[n->tx_nfree] = n->ntx - 1 - n->tx_nfree;
	return region_map(&n->d, &n->mem, 2);
}

static int net_start(struct net *n)
{
	unsigned int i;
	int r;

	r = vq_setup(&n->d, &n->rx);
	if (!r)
		r = vq_setup(&n->d, &n->tx);
	if (!r && n->has_cvq)
		r = vq_setup(&n->d, &n->cvq);
	if (!r)
		r = vdev_start(&n->d, "virtio-net");
	for (i = 0; !r && i < n->rx.num; i++)
		r = net_post_rx(n, n->rxbuf + (size_t)i * n->rx_len);
	if (!r)
		r = vq_kick(&n->rx);
	return r;
}

/**
 * net_alloc_open() - new driver state with the device opened and owned
 * @np: set to the new driver state, even on failure (net_close() it)
 * @o: the command line
 *
 * Return: 0 or -errno.
 */
int net_alloc_open(struct net **np, const struct options *o)
{
	struct net *n = calloc(1, sizeof(*n));

	*np = n;
	if (!n)
		return -ENOMEM;
	n->o = o;
	n->d.fd = -1;
	n->run_id = (__u32)time(NULL) ^ ((__u32)getpid() << 16);
	return vdev_open(&n->d, o->dev);
}

/**
 * net_open() - a running virtio-net device with its receive ring full
 * @np: set to the new driver state, even on failure (net_close() it)
 * @o: the command line
 *
 * Return: 0 or -errno (-EOPNOTSUPP: the device lacks a needed feature).
 */
int net_open(struct net **np, const struct options *o)
{
	struct net *n;
	int r;

	r = net_alloc_open(np, o);
	n = *np;
	if (!r)
		r = net_features(n);
	if (!r)
		r = net_read_mac(n);
	if (!r)
		r = net_memory(n);
	if (!r && o->asid)
		r = net_cvq_setup(n);
	if (!r && o->doorbell)
		r = vq_doorbell_map(&n->d, &n->rx);
	if (!r && o->doorbell)
		r = vq_doorbell_map(&n->d, &n->tx);
	if (!r)
		r = net_start(n);
	return r;
}

/**
 * net_close() - close the device, then free the memory
 * @n: driver state or NULL
 *
 * The device goes first: its release unmaps and unpins everything.
 */
void net_close(struct net *n)
{
	if (!n)
		return;
	vdev_close(&n->d);
	vq_destroy(&n->rx);
	vq_destroy(&n->tx);
	vq_destroy(&n->cvq);
	region_destroy(&n->mem);
	region_destroy(&n->cmem);
	free(n->tx_free);
	free(n->held);
	free(n->seen);
	free(n);
}
