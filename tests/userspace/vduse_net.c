// SPDX-License-Identifier: GPL-2.0-only
/*
 * vduse_user: virtio-net, a loopback: every frame of the transmit queue is
 * counted and put, as it is, on the receive queue (dropped and counted if
 * no receive buffer is posted).  With --cvq a control queue: MAC_ADDR_SET
 * updates the MAC in the config space, RX and MQ commands are acked.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>

#include "vduse_user.h"

#define NET_HDR_LEN 12 /* struct virtio_net_hdr_v1: VERSION_1 */
#define FRAME_MAX (NET_HDR_LEN + 65550)

static uint32_t net_config(struct vu_dev *d, uint8_t *cfg)
{
	struct virtio_net_config c = { 0 };

	memcpy(c.mac, d->o->mac, 6);
	c.max_virtqueue_pairs = 1;
	memcpy(cfg, &c, sizeof(c));
	return sizeof(c);
}

static uint64_t net_features(struct vu_dev *d)
{
	uint64_t f = VU_BIT64(VIRTIO_F_VERSION_1) |
		     VU_BIT64(VIRTIO_F_ACCESS_PLATFORM) |
		     VU_BIT64(VIRTIO_NET_F_MAC);

	if (d->o->cvq)
		f |= VU_BIT64(VIRTIO_NET_F_CTRL_VQ) |
		     VU_BIT64(VIRTIO_NET_F_CTRL_RX) |
		     VU_BIT64(VIRTIO_NET_F_CTRL_MAC_ADDR) |
		     VU_BIT64(VIRTIO_NET_F_MQ);
	return f;
}

static unsigned int net_nvqs(struct vu_dev *d)
{
	return d->o->cvq ? 3 : 2;
}

/* Transmit queue: every frame back on the receive queue. */
static int net_tx(struct vu_dev *d, struct vu_vq *tx)
{
	static uint8_t frame[FRAME_MAX];
	static struct vu_req t, r;
	struct vu_vq *rx = &d->vqs[0];
	int done = 0, rxd = 0, got = 0, rgot;
	uint16_t one = 1;
	size_t len;

	while (done < 256 && (got = vu_vq_get(d, tx, &t)) > 0) {
		vu_taken(d);
		d->tx_frames++;
		len = vu_req_read(&t, 0, frame, sizeof(frame));
		rgot = rx->ready ? vu_vq_get(d, rx, &r) : 0;
		if (rgot < 0)
			return -1;
		if (rgot && len > NET_HDR_LEN && r.in_len >= NET_HDR_LEN) {
			len = vu_req_write(&r, 0, frame, len);
			vu_req_write(&r, 10, &one, sizeof(one));
			vu_vq_put(d, rx, &r, len);
			d->rx_frames++;
			rxd++;
		} else if (rgot) {
			vu_vq_put(d, rx, &r, 0);
			rxd++;
			d->rx_dropped++;
		} else {
			d->rx_dropped++;
		}
		vu_vq_put(d, tx, &t, 0);
		done++;
	}
	if (done)
		vu_vq_irq(d, tx);
	if (rxd)
		vu_vq_irq(d, rx);
	return got < 0 ? -1 : done;
}

/* MAC_ADDR_SET: the new MAC into the config space. */
static uint8_t set_mac(struct vu_dev *d, const uint8_t *mac)
{
	struct vduse_config_data *c = calloc(1, sizeof(*c) + 6);
	uint8_t ack = VIRTIO_NET_OK;

	if (!c)
		return VIRTIO_NET_ERR;
	c->offset = 0;
	c->length = 6;
	memcpy(c->buffer, mac, 6);
	if (xioctl(d->fd, VDUSE_DEV_SET_CONFIG, c, "VDUSE_DEV_SET_CONFIG"))
		ack = VIRTIO_NET_ERR;
	else
		memcpy(d->o->mac, mac, 6);
	free(c);
	diag("cvq: MAC_ADDR_SET %02x:%02x:%02x:%02x:%02x:%02x: %s",
	     mac[0], mac[1], mac[2], mac[3], mac[4], mac[5],
	     ack == VIRTIO_NET_OK ? "ok" : "refused");
	return ack;
}

static uint8_t cvq_cmd(struct vu_dev *d, struct vu_req *r)
{
	struct virtio_net_ctrl_hdr h;
	uint8_t data[8] = { 0 };
	size_t out = vu_req_out_len(r);
	uint16_t pairs;

	if (out < sizeof(h))
		return VIRTIO_NET_ERR;
	vu_req_read(r, 0, &h, sizeof(h));
	vu_req_read(r, sizeof(h), data, sizeof(data));
	if (d->o->verbose)
		diag("cvq: class %u command %u", h.class, h.cmd);
	switch (h.class) {
	case VIRTIO_NET_CTRL_RX:
		return VIRTIO_NET_OK;
	case VIRTIO_NET_CTRL_MAC:
		if (h.cmd == VIRTIO_NET_CTRL_MAC_ADDR_SET && out >= sizeof(h) + 6)
			return set_mac(d, data);
		return h.cmd == VIRTIO_NET_CTRL_MAC_TABLE_SET ?
			VIRTIO_NET_OK : VIRTIO_NET_ERR;
	case VIRTIO_NET_CTRL_MQ:
		memcpy(&pairs, data, sizeof(pairs));
		return h.cmd == VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET && pairs == 1 ?
			VIRTIO_NET_OK : VIRTIO_NET_ERR;
	}
	return VIRTIO_NET_ERR;
}

static int net_cvq(struct vu_dev *d, struct vu_vq *vq)
{
	static struct vu_req r;
	int done = 0, got = 0;
	uint8_t ack;

	while (done < 64 && (got = vu_vq_get(d, vq, &r)) > 0) {
		ack = cvq_cmd(d, &r);
		if (r.in_len)
			vu_req_write(&r, r.in_len - 1, &ack, 1);
		vu_vq_put(d, vq, &r, r.in_len ? 1 : 0);
		done++;
	}
	if (done)
		vu_vq_irq(d, vq);
	return got < 0 ? -1 : done;
}

static int net_serve(struct vu_dev *d, struct vu_vq *vq)
{
	if (vq->index == 1)
		return net_tx(d, vq);
	/* cvq-silent: commands are never taken nor answered. */
	if (vq->index == 2)
		return d->o->hostile == VU_HOSTILE_CVQ_SILENT ? 0 :
		       net_cvq(d, vq);
	/* Receive buffers wait for frames. */
	return 0;
}

const struct vu_type vu_net_type = {
	.device_id = 1,
	.config = net_config,
	.features = net_features,
	.nvqs = net_nvqs,
	.serve = net_serve,
};
