// SPDX-License-Identifier: GPL-2.0-only
/*
 * The simulated network device's datapath: each frame a transmit queue
 * carries goes back, through the receive filter, to the receive queue of
 * the same pair. Data is copied straight from the transmit buffer's
 * segments to the receive buffers', without a bounce buffer, so frames of
 * any size up to the MTU work (mergeable receive buffers for the large
 * ones).
 */

#include <asm/byteorder.h>
#include <linux/etherdevice.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <uapi/linux/virtio_config.h>
#include "net.h"

/* Counts of one batch, added to the pair's counters once at its end. */
struct net_counts {
	u64 packets;
	u64 bytes;
	u64 drops;
	u64 errors;
};

/* One batch of a transmit queue. */
struct net_batch {
	struct vdpasim_net *net;
	struct vdpasim_net_pair *pair;
	struct vdpasim_vq *txq;
	struct vdpasim_vq *rxq;		/* NULL: not enabled, frames dropped */
	bool mrg;			/* VIRTIO_NET_F_MRG_RXBUF */
	struct net_counts rx;
	struct net_counts tx;
};

/* Where a transmitted frame goes. */
enum net_verdict {
	VERDICT_DELIVER,
	VERDICT_TX_ERROR,	/* too long: counted as a tx error */
	VERDICT_TX_DROP,	/* link down or injected drop */
	VERDICT_RX_DROP,	/* receive filter or queue not enabled */
};

/* A reader of the readable segments of a transmit buffer. */
struct net_cursor {
	const struct kvec *vec;
	unsigned int nr;
	unsigned int i;
	size_t off;
};

static void vsnet_cursor_init(struct net_cursor *c, const struct vdring_iov *iov)
{
	c->vec = iov->vec;
	c->nr = iov->out_num;
	c->i = 0;
	c->off = 0;
}

/*
 * Copies up to @len bytes to @to; returns the bytes copied. A segment of
 * the transmit chain may join buffers of two allocations that sit next to
 * each other in the direct map (vdring_translate() merges them), so the
 * copy is _copy_to_iter(): copy_to_iter()'s hardened-usercopy check takes
 * such a segment for an overflow of its first allocation and BUGs (seen on
 * Debian's kernel). @to is a kernel iterator over the receive buffers and
 * every byte copied was translated from the driver's descriptors.
 */
static size_t vsnet_cursor_copy(struct net_cursor *c, struct iov_iter *to,
				size_t len)
{
	size_t done = 0;

	while (done < len && c->i < c->nr) {
		const struct kvec *v = &c->vec[c->i];
		size_t n = min(v->iov_len - c->off, len - done);
		size_t copied = _copy_to_iter(v->iov_base + c->off, n, to);

		done += copied;
		c->off += copied;
		if (copied < n)
			break;
		if (c->off == v->iov_len) {
			c->i++;
			c->off = 0;
		}
	}
	return done;
}

static size_t vsnet_cursor_pull(struct net_cursor *c, void *buf, size_t len)
{
	struct kvec kv = { .iov_base = buf, .iov_len = len };
	struct iov_iter to;

	iov_iter_kvec(&to, ITER_DEST, &kv, 1, len);
	return vsnet_cursor_copy(c, &to, len);
}

static void vsnet_counts_add(struct vdpasim_net_qstats *q,
			     const struct net_counts *c)
{
	u64_stats_add(&q->packets, c->packets);
	u64_stats_add(&q->bytes, c->bytes);
	u64_stats_add(&q->drops, c->drops);
	u64_stats_add(&q->errors, c->errors);
}

/*
 * The frame's fate before any receive buffer is touched. @head holds its
 * first @head_len bytes (at least ETH_HLEN).
 */
static enum net_verdict vsnet_tx_verdict(struct net_batch *b, const u8 *head,
					 size_t head_len, size_t frame_len)
{
	const struct ethhdr *eth = (const struct ethhdr *)head;
	struct vdpasim_net *net = b->net;
	size_t limit = net->mtu + ETH_HLEN;
	bool link, accept;

	if (eth->h_proto == htons(ETH_P_8021Q))
		limit += VLAN_HLEN;
	if (frame_len > limit)
		return VERDICT_TX_ERROR;

	spin_lock_bh(&net->state_lock);
	link = net->state.status & VIRTIO_NET_S_LINK_UP;
	accept = vdpasim_net_rx_accept(&net->state, head, head_len);
	spin_unlock_bh(&net->state_lock);

	if (!link || vdpasim_fault_drop(&net->vs))
		return VERDICT_TX_DROP;
	if (!b->rxq || !accept)
		return VERDICT_RX_DROP;
	return VERDICT_DELIVER;
}

/* Gives back the receive buffers taken for a frame that was not delivered. */
static void vsnet_rx_undo(struct net_batch *b, unsigned int n)
{
	while (n--)
		vdring_unpop(&b->rxq->ring, &b->pair->rx_elems[n]);
}

/*
 * Pops a receive buffer. When there is none, asks the driver to kick the
 * receive queue when it adds some (that kick schedules this transmit
 * queue), then looks once more in case some came meanwhile.
 */
static int vsnet_rx_pop(struct net_batch *b, struct vdring_iov *iov,
			struct vdring_elem *elem)
{
	struct vdring *ring = &b->rxq->ring;
	int ret;

	ret = vdring_pop(ring, iov, elem);
	if (ret)
		return ret;
	ret = vdring_notify_enable(ring);
	if (ret < 0)
		return ret;
	ret = vdring_pop(ring, iov, elem);
	if (ret)
		return ret;
	return -EAGAIN;
}

/* Stores num_buffers in the first buffer's header (reported again). */
static int vsnet_rx_set_num_buffers(struct net_batch *b, unsigned int n)
{
	const size_t off = offsetof(struct virtio_net_hdr_v1, num_buffers);
	struct vdring_iov *first = &b->pair->rx_first;
	__le16 num = cpu_to_le16(n);
	struct iov_iter to;

	vdring_iov_iter_in(first, &to);
	iov_iter_advance(&to, off);
	if (copy_to_iter(&num, sizeof(num), &to) != sizeof(num))
		return -EFAULT;
	vdring_log_in(&b->rxq->ring, first, off, sizeof(num));
	return 0;
}

/*
 * Fills receive buffers with @hdr and the rest of the frame at @c: one
 * buffer, or as many as it takes with mergeable buffers. Returns the
 * number of buffers, -EAGAIN if the receive queue runs out (nothing is
 * consumed), -EMSGSIZE if the frame can never fit the driver's buffers,
 * or the ring's error. What each buffer got is reported to the dirty log
 * at once (before the next buffer reuses @rx_more, and whether or not
 * the buffers are given back).
 */
static int vsnet_rx_fill(struct net_batch *b, const struct virtio_net_hdr_v1 *hdr,
			 struct net_cursor *c, size_t frame_len)
{
	struct vdpasim_net_pair *pair = b->pair;
	struct vdring_iov *iov = &pair->rx_first;
	size_t left = frame_len;
	unsigned int n = 0;
	struct iov_iter to;
	int ret;

	for (;;) {
		size_t written = 0, chunk;

		ret = vsnet_rx_pop(b, iov, &pair->rx_elems[n]);
		if (ret < 0)
			goto err_undo;
		n++;
		vdring_iov_iter_in(iov, &to);
		if (n == 1) {
			ret = -EMSGSIZE;
			if (iov->in_len < sizeof(*hdr) ||
			    (!b->mrg && iov->in_len - sizeof(*hdr) < frame_len))
				goto err_undo;
			written = copy_to_iter(hdr, sizeof(*hdr), &to);
		}
		chunk = min_t(size_t, left, iov->in_len - written);
		written += vsnet_cursor_copy(c, &to, chunk);
		left -= chunk;
		pair->rx_lens[n - 1] = written;
		vdring_log_in(&b->rxq->ring, iov, 0, written);
		if (!left)
			return n;
		/* Every buffer of the ring cannot hold it: it never will. */
		ret = -EMSGSIZE;
		if (n == b->rxq->num || n == VDPASIM_NET_VQ_NUM_MAX)
			goto err_undo;
		iov = &pair->rx_more;
	}

err_undo:
	vsnet_rx_undo(b, n);
	return ret;
}

/* Delivers a frame: 0, -EAGAIN to retry later, -EMSGSIZE, ring errors. */
static int vsnet_rx_deliver(struct net_batch *b, struct virtio_net_hdr_v1 *hdr,
			    struct net_cursor *c, size_t frame_len)
{
	struct vdpasim_net_pair *pair = b->pair;
	unsigned int i;
	int n, ret;

	n = vsnet_rx_fill(b, hdr, c, frame_len);
	if (n < 0)
		return n;
	ret = vsnet_rx_set_num_buffers(b, n);
	for (i = 0; !ret && i < n; i++)
		ret = vdring_push(&b->rxq->ring, &pair->rx_elems[i],
				  pair->rx_lens[i]);
	return ret;
}

/*
 * Sends one frame on: its header is passed through unchanged (checksum
 * flags included) but for num_buffers. Returns 1 if a transmit buffer was
 * handled, 0 if there was none, -EAGAIN if it waits for receive buffers,
 * -ENOMEM if memory ran short (an inline batch: a receive segment list or
 * indirect table that would have to grow; the caller puts the frame back
 * either way), or the error of a broken ring.
 */
static int vsnet_tx_send(struct net_batch *b, struct vdring_iov *iov,
			 struct vdring_elem *elem)
{
	size_t frame_len = iov->out_len - sizeof(struct virtio_net_hdr_v1);
	u8 head[VLAN_ETH_HLEN];
	struct virtio_net_hdr_v1 hdr;
	struct net_cursor c, peek;
	size_t head_len;
	int ret;

	vsnet_cursor_init(&c, iov);
	vsnet_cursor_pull(&c, &hdr, sizeof(hdr));
	peek = c;
	head_len = vsnet_cursor_pull(&peek, head, min(frame_len, sizeof(head)));

	switch (vsnet_tx_verdict(b, head, head_len, frame_len)) {
	case VERDICT_TX_ERROR:
		b->tx.errors++;
		return 0;
	case VERDICT_TX_DROP:
		b->tx.drops++;
		return 0;
	case VERDICT_RX_DROP:
		b->rx.drops++;
		break;
	case VERDICT_DELIVER:
		ret = vsnet_rx_deliver(b, &hdr, &c, frame_len);
		if (ret == -EAGAIN || (ret < 0 && ret != -EMSGSIZE))
			return ret;
		if (ret == -EMSGSIZE) {
			b->rx.errors++;
		} else {
			b->rx.packets++;
			b->rx.bytes += frame_len;
		}
		break;
	}
	b->tx.packets++;
	b->tx.bytes += frame_len;
	return 0;
}

static int vsnet_tx_one(struct net_batch *b)
{
	struct vdpasim_vq *txq = b->txq;
	struct vdring_elem elem;
	int ret;

	ret = vdring_pop(&txq->ring, &txq->iov, &elem);
	if (ret <= 0)
		return ret;
	if (txq->iov.out_len < sizeof(struct virtio_net_hdr_v1) + ETH_HLEN) {
		b->tx.errors++;
	} else {
		ret = vsnet_tx_send(b, &txq->iov, &elem);
		/*
		 * Waiting for receive buffers, or short of memory (in an
		 * inline batch: a receive segment list or indirect table
		 * that would have to grow): the frame goes back, to be sent
		 * again by the next run. A broken ring needs a reset.
		 */
		if (ret == -EAGAIN || ret == -ENOMEM)
			vdring_unpop(&txq->ring, &elem);
		if (ret < 0)
			return ret;
	}
	ret = vdring_push(&txq->ring, &elem, 0);
	return ret < 0 ? ret : 1;
}

static void vsnet_batch_account(struct net_batch *b)
{
	struct vdpasim_net_pair *pair = b->pair;

	u64_stats_update_begin(&pair->syncp);
	vsnet_counts_add(&pair->rx, &b->rx);
	vsnet_counts_add(&pair->tx, &b->tx);
	u64_stats_update_end(&pair->syncp);
}

/*
 * Locks the receive queue of @b's pair (the transmit queue's peer); sets
 * @b->rxq if it can be used. In a batch that must not sleep (inline kick)
 * the lock is only tried, and a ring not yet resolved for the current
 * mappings is left to the work too: -EBUSY, nothing locked.
 */
static int vsnet_lock_rx(struct net_batch *b, struct vdpasim_vq *rxq)
{
	bool nowait = b->txq->iov.nowait;
	int ret;

	if (!nowait) {
		if (vdpasim_vq_lock_peer(rxq))
			b->rxq = rxq;
		return 0;
	}
	ret = vdpasim_vq_trylock_peer(rxq);
	if (ret < 0)
		return ret;
	if (ret && !vdring_is_prepared(&rxq->ring)) {
		vdpasim_vq_unlock_peer(rxq);
		return -EBUSY;
	}
	if (ret)
		b->rxq = rxq;
	/* The receive buffers' segment lists grow without sleeping too. */
	b->pair->rx_first.nowait = nowait;
	b->pair->rx_more.nowait = nowait;
	return 0;
}

static void vsnet_unlock_rx(struct net_batch *b, struct vdpasim_vq *rxq)
{
	b->pair->rx_first.nowait = false;
	b->pair->rx_more.nowait = false;
	vdpasim_vq_unlock_peer(rxq);
}

/**
 * vdpasim_net_data_process() - the worker of a data queue
 * @vq: the queue
 * @budget: most frames to send
 *
 * A receive queue's work only schedules its transmit queue (which does
 * the delivering) and reports itself blocked. A transmit queue's work
 * sends up to @budget frames to the receive queue of its pair, which it
 * locks for the batch; it stops early, returning -EAGAIN, when a frame
 * waits for receive buffers (the receive queue's kick schedules it
 * again). Both queues are published and notified once per batch. Run
 * inline from a kick (&vdpasim_vq.iov's nowait set) it only tries the
 * receive queue's lock: -EBUSY lets the work do the batch.
 *
 * Context: &vdpasim_class_ops.process of a data queue.
 * Return: frames handled, -EAGAIN when blocked, -EBUSY (inline only), or
 * a negative errno if a ring is broken.
 */
int vdpasim_net_data_process(struct vdpasim_vq *vq, unsigned int budget)
{
	struct vdpasim_net *net = sim_to_net(vq->vs);
	struct net_batch b = {
		.net = net,
		.pair = &net->pairs[vq->idx / 2],
		.txq = vq,
		.mrg = vq->vs->features & BIT_ULL(VIRTIO_NET_F_MRG_RXBUF),
	};
	struct vdpasim_vq *rxq = &vq->vs->vqs[vq->idx - 1];
	unsigned int done;
	int ret;

	if (!(vq->idx & 1)) {
		vdpasim_schedule(&vq->vs->vqs[vq->idx + 1]);
		return -EAGAIN;
	}
	/* Locked either way; not used if not enabled (frames dropped). */
	ret = vsnet_lock_rx(&b, rxq);
	if (ret)
		return ret;
	for (done = 0; done < budget; done++) {
		ret = vsnet_tx_one(&b);
		if (ret <= 0)
			break;
	}
	vsnet_batch_account(&b);
	vdpasim_vq_notify(vq);
	if (b.rxq)
		vdpasim_vq_notify(rxq);
	vsnet_unlock_rx(&b, rxq);
	return ret < 0 ? ret : done;
}

/**
 * vdpasim_net_pair_init() - allocate a queue pair's delivery scratch
 * @pair: the pair, zeroed
 *
 * Return: 0 or -ENOMEM; vdpasim_net_pair_free() undoes either.
 */
int vdpasim_net_pair_init(struct vdpasim_net_pair *pair)
{
	u64_stats_init(&pair->syncp);
	pair->rx_elems = kcalloc(VDPASIM_NET_VQ_NUM_MAX,
				 sizeof(*pair->rx_elems), GFP_KERNEL);
	pair->rx_lens = kcalloc(VDPASIM_NET_VQ_NUM_MAX,
				sizeof(*pair->rx_lens), GFP_KERNEL);
	if (!pair->rx_elems || !pair->rx_lens)
		return -ENOMEM;
	if (vdring_iov_init(&pair->rx_first, 8) ||
	    vdring_iov_init(&pair->rx_more, 8))
		return -ENOMEM;
	return 0;
}

/**
 * vdpasim_net_pair_free() - free what vdpasim_net_pair_init() allocated
 * @pair: the pair
 */
void vdpasim_net_pair_free(struct vdpasim_net_pair *pair)
{
	vdring_iov_free(&pair->rx_more);
	vdring_iov_free(&pair->rx_first);
	kfree(pair->rx_lens);
	kfree(pair->rx_elems);
}
