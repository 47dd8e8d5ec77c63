// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa_user: log, the net cases (a loopback virtio-net device: every
 * transmitted frame comes back on the receive queue).
 *
 * Memory, each range its own memfd and IOTLB update:
 *
 *   0x100000   16 pages  page 0: rx descriptors and driver area, page 1:
 *                        rx device area (used ring) alone; pages 2 and 3
 *                        the same for tx; pages 8-15: 16 transmit slots
 *   0x110000   48 pages  receive buffers (rxa; remapped in "net")
 *   0x40000000 16 pages  receive buffers (rxb)
 *   0x80000000 16 pages  receive buffers (rxc), mapped while logging
 *   0x1000000  N pages   one receive buffer per page (toggle, switch,
 *                        munmap)
 *
 * The device writes receive buffers (virtio-net header and frame; with
 * VIRTIO_NET_F_MRG_RXBUF, which is negotiated, a frame over several),
 * the used rings, and with the packed layout the descriptors it gives
 * back.  It never writes transmit buffers or the driver areas.  A round
 * posts receive buffers at chosen places (inside a page, across page
 * boundaries, ending on one, two descriptors pages apart, a frame over
 * three buffers), sends frames of chosen sizes, checks every used
 * length against a model of the device and every frame byte for byte,
 * and then the log: exactly the pages of the bytes written (the used
 * length of each buffer from its start), the used ring's page at
 * log_guest_addr for queues with VHOST_VRING_F_LOG (split: required,
 * the index is written; packed: the device event area, allowed), the
 * descriptor ring's page (packed: required).
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>

#include "log.h"

#define HDR_LEN ((__u32)sizeof(struct virtio_net_hdr_v1))
#define ETHERTYPE 0x88b5	/* IEEE local experimental */
#define ETH_HLEN 14
#define MIN_FRAME (ETH_HLEN + 8)

#define LN_RING 64		/* every ring's areas fit the pages above */
#define LN_TX_SLOTS 16
#define LN_TX_SLOT 2048U
#define LN_BUFS 16		/* receive buffers of one round, at most */

#define RA_IOVA 0x100000ULL
#define RA_PAGES 16
#define RA_TX_PAGE 8
#define RXA_IOVA 0x110000ULL
#define RXA_PAGES 48
#define RXB_IOVA 0x40000000ULL
#define RXB_PAGES 16
#define RXC_IOVA 0x80000000ULL
#define RXC_PAGES 16
#define BIG_IOVA 0x1000000ULL
#define ULOG_ADDR 0x30000100ULL	/* a used-ring log address with no memory */
/* The logs describe every IOVA page below this one. */
#define END_PAGE ((RXC_IOVA >> LOG_SHIFT) + RXC_PAGES)

static const __u8 src_mac[6] = { 0x02, 0, 0, 0, 0, 0x1f };

enum { R_RXA, R_RXB, R_RXC, R_BIG, R_NONE };

/**
 * struct lseg - one descriptor of a receive buffer
 * @r: its region
 * @off: offset in the region
 * @len: bytes
 */
struct lseg {
	struct region *r;
	__u32 off;
	__u32 len;
};

/**
 * struct lbuf - a receive buffer
 * @seg: its descriptors
 * @nseg: how many (1 or 2)
 * @want: bytes the model says the device writes into it
 * @got: the used length
 * @used: came back
 */
struct lbuf {
	struct lseg seg[2];
	unsigned int nseg;
	__u32 want;
	__u32 got;
	bool used;
};

/**
 * struct ln - a virtio-net device for the log cases
 * @d: the device
 * @o: the command line
 * @ra: rings and transmit slots
 * @rxa: receive buffers (rxa)
 * @rxb: receive buffers (rxb)
 * @rxc: receive buffers (rxc), once mapped
 * @big: one receive buffer per page, when the case needs it
 * @rx: receive queue 0
 * @tx: transmit queue 1
 * @mac: destination of our frames
 * @run_id: tags this run's frames
 * @seq: next frame's sequence number
 * @tx_free: free transmit slots
 * @tx_nfree: how many
 * @rx_done: receive buffers seen used so far
 * @flog: per queue (rx, tx): VHOST_VRING_F_LOG set
 * @log_addr: per queue: its log_guest_addr
 */
struct ln {
	struct vdev d;
	const struct options *o;
	struct region ra, rxa, rxb, rxc, big;
	struct vq rx, tx;
	__u8 mac[6];
	__u32 run_id;
	__u32 seq;
	__u16 tx_free[LN_TX_SLOTS];
	unsigned int tx_nfree;
	unsigned int rx_done;
	bool flog[2];
	__u64 log_addr[2];
};

/* --- the device --------------------------------------------------------- */

static struct region *ln_region(struct ln *n, int which)
{
	switch (which) {
	case R_RXA: return &n->rxa;
	case R_RXB: return &n->rxb;
	case R_RXC: return &n->rxc;
	default: return &n->big;
	}
}

static int ln_ring(struct ln *n, struct vq *vq, unsigned int index,
		   unsigned int page, __u16 num)
{
	return log_ring_create(vq, &n->ra, index, page, num, n->o->packed);
}

/* First IOVA page past every writable mapping. */
static __u64 ln_window(const struct ln *n)
{
	const struct region *rs[] = { &n->ra, &n->rxa, &n->rxb, &n->rxc,
				      &n->big };
	__u64 end = 0, e;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(rs); i++) {
		if (!rs[i]->mapped)
			continue;
		e = (rs[i]->iova + rs[i]->len + LOG_PAGE - 1) >> LOG_SHIFT;
		if (e > end)
			end = e;
	}
	return end;
}

static int ln_features(struct ln *n)
{
	__u64 need = BIT64(VIRTIO_F_VERSION_1) | BIT64(VIRTIO_F_ACCESS_PLATFORM) |
		     BIT64(VIRTIO_NET_F_MRG_RXBUF);
	int r;

	if (n->o->packed)
		need |= BIT64(VIRTIO_F_RING_PACKED);
	r = vdev_backend(&n->d, BIT64(VHOST_BACKEND_F_IOTLB_BATCH));
	if (!r)
		r = vdev_negotiate(&n->d, VIRTIO_ID_NET, BIT64(VIRTIO_NET_F_MAC),
				   need);
	if (r)
		return r;
	if (!(n->d.features & BIT64(VIRTIO_NET_F_MAC))) {
		memset(n->mac, 0xff, sizeof(n->mac));
		return 0;
	}
	return vdev_get_config(&n->d, offsetof(struct virtio_net_config, mac),
			       n->mac, sizeof(n->mac));
}

static int ln_memory(struct ln *n, unsigned int big_pages)
{
	__u16 num = n->d.vq_num_max < LN_RING ? n->d.vq_num_max : LN_RING;
	unsigned int i;
	int r;

	r = region_create(&n->ra, RA_PAGES * LOG_PAGE, RA_IOVA, 0);
	if (!r)
		r = region_create(&n->rxa, RXA_PAGES * LOG_PAGE, RXA_IOVA, 0);
	if (!r)
		r = region_create(&n->rxb, RXB_PAGES * LOG_PAGE, RXB_IOVA, 0);
	if (!r)
		r = region_create(&n->rxc, RXC_PAGES * LOG_PAGE, RXC_IOVA, 0);
	if (!r && big_pages)
		r = region_create(&n->big, big_pages * LOG_PAGE, BIG_IOVA, 0);
	if (!r)
		r = ln_ring(n, &n->rx, 0, 0, num);
	if (!r)
		r = ln_ring(n, &n->tx, 1, 2, num);
	if (r)
		return r;
	for (i = 0; i < LN_TX_SLOTS; i++)
		n->tx_free[i] = LN_TX_SLOTS - 1 - i;
	n->tx_nfree = LN_TX_SLOTS;
	r = region_map(&n->d, &n->ra, 1);
	if (!r)
		r = region_map(&n->d, &n->rxa, 1);
	if (!r)
		r = region_map(&n->d, &n->rxb, 1);
	if (!r && big_pages)
		r = region_map(&n->d, &n->big, 1);
	return r;
}

/*
 * The device opened, negotiated (MRG_RXBUF required), memory mapped
 * (rxc not yet), both queues set up, DRIVER_OK; no buffer posted.
 */
static int ln_open(struct ln **np, const struct options *o,
		   unsigned int big_pages)
{
	struct ln *n = calloc(1, sizeof(*n));
	int r;

	*np = n;
	if (!n)
		return -ENOMEM;
	n->o = o;
	n->d.fd = -1;
	n->run_id = (__u32)time(NULL) ^ ((__u32)getpid() << 16);
	r = vdev_open(&n->d, o->dev);
	if (!r)
		r = ln_features(n);
	if (!r)
		r = ln_memory(n, big_pages);
	if (!r)
		r = vq_setup(&n->d, &n->rx);
	if (!r)
		r = vq_setup(&n->d, &n->tx);
	if (!r)
		r = vdev_start(&n->d, "virtio-net");
	return r;
}

static void ln_close(struct ln *n)
{
	if (!n)
		return;
	vdev_close(&n->d);
	vq_destroy(&n->rx);
	vq_destroy(&n->tx);
	region_destroy(&n->ra);
	region_destroy(&n->rxa);
	region_destroy(&n->rxb);
	region_destroy(&n->rxc);
	region_destroy(&n->big);
	free(n);
}

/* VHOST_SET_VRING_ADDR of a running queue: only the used-ring log changes. */
static int ln_flog(struct ln *n, struct vq *vq, bool on, __u64 log_addr)
{
	char what[96];
	int r;

	snprintf(what, sizeof(what),
		 "SET_VRING_ADDR(vq %u, same rings, %s, log_guest_addr %#llx) on the running device",
		 vq->index, on ? "F_LOG" : "no F_LOG",
		 (unsigned long long)log_addr);
	r = log_want(log_vring_addr(&n->d, vq, on, log_addr), 0, what);
	if (!r) {
		n->flog[vq->index] = on;
		n->log_addr[vq->index] = log_addr;
	}
	return r;
}

static int ln_flog_both(struct ln *n, bool on)
{
	int r = ln_flog(n, &n->rx, on, n->rx.dev_iova);

	return r ? r : ln_flog(n, &n->tx, on, n->tx.dev_iova);
}

/* Pages of the first @len bytes of @b. */
static void lbuf_pages(const struct lbuf *b, __u32 len, struct pset *s)
{
	unsigned int i;

	for (i = 0; i < b->nseg && len; i++) {
		__u32 k = len < b->seg[i].len ? len : b->seg[i].len;

		pset_add(s, b->seg[i].r->iova + b->seg[i].off, k);
		len -= k;
	}
}

/* Copy bytes [@from, @to) of @b to @dst. */
static void lbuf_read(const struct lbuf *b, __u32 from, __u32 to, __u8 *dst)
{
	unsigned int i;
	__u32 pos = 0;

	for (i = 0; i < b->nseg; i++) {
		const struct lseg *s = &b->seg[i];
		__u32 a = from > pos ? from : pos;
		__u32 e = to < pos + s->len ? to : pos + s->len;

		if (a < e) {
			memcpy(dst, s->r->va + s->off + (a - pos), e - a);
			dst += e - a;
		}
		pos += s->len;
	}
}

static __u32 lbuf_len(const struct lbuf *b)
{
	return b->seg[0].len + (b->nseg > 1 ? b->seg[1].len : 0);
}

/* Frame @seq of @size bytes: our MAC, sequence, run id, pattern. */
static void ln_frame(const struct ln *n, __u32 seq, __u32 size, __u8 *f)
{
	__u32 be, i;

	memcpy(f, n->mac, 6);
	memcpy(f + 6, src_mac, 6);
	f[12] = ETHERTYPE >> 8;
	f[13] = ETHERTYPE & 0xff;
	be = htobe32(seq);
	memcpy(f + ETH_HLEN, &be, 4);
	be = htobe32(n->run_id);
	memcpy(f + ETH_HLEN + 4, &be, 4);
	for (i = MIN_FRAME; i < size; i++)
		f[i] = (__u8)(seq * 7 + i);
}

static int ln_post(struct ln *n, struct lbuf *b)
{
	struct vq_buf v[2];
	unsigned int i;
	int r;

	for (i = 0; i < b->nseg; i++)
		v[i] = (struct vq_buf){ b->seg[i].r->iova + b->seg[i].off,
					b->seg[i].len, true };
	b->used = false;
	b->got = 0;
	r = n->rx.ops->add(&n->rx, v, b->nseg, b);
	if (r)
		fail("rx: no room for a receive buffer: %s", errname(r));
	return r;
}

/* Queue frame @seq of @size bytes on tx (no kick). */
static int ln_send(struct ln *n, __u32 seq, __u32 size)
{
	__u16 slot;
	__u8 *buf;
	__u64 iova;
	struct vq_buf v[2];
	int r;

	if (!n->tx_nfree) {
		fail("internal: no free transmit slot");
		return -ENOSPC;
	}
	slot = n->tx_free[--n->tx_nfree];
	iova = RA_IOVA + RA_TX_PAGE * LOG_PAGE + (__u64)slot * LN_TX_SLOT;
	buf = n->ra.va + (iova - RA_IOVA);
	memset(buf, 0, HDR_LEN);
	ln_frame(n, seq, size, buf + HDR_LEN);
	v[0] = (struct vq_buf){ iova, HDR_LEN, false };
	v[1] = (struct vq_buf){ iova + HDR_LEN, size, false };
	r = n->tx.ops->add(&n->tx, v, 2, (void *)(uintptr_t)(slot + 1));
	if (r)
		fail("tx: no room for frame %u: %s", seq, errname(r));
	return r;
}

/*
 * Take every used buffer.  Transmit slots go back to the free list;
 * receive buffers get their used length and, if @order, are stored there
 * in the order they came back.
 */
static int ln_drain(struct ln *n, struct lbuf **order)
{
	void *tok;
	__u32 len;
	int r;

	while ((r = n->tx.ops->get(&n->tx, &tok, &len)) > 0)
		n->tx_free[n->tx_nfree++] = (__u16)((uintptr_t)tok - 1);
	if (r < 0)
		return r;
	while ((r = n->rx.ops->get(&n->rx, &tok, &len)) > 0) {
		struct lbuf *b = tok;

		b->used = true;
		b->got = len;
		if (order)
			order[n->rx_done] = b;
		n->rx_done++;
	}
	return r;
}

static int ln_wait(struct ln *n)
{
	struct vq *vqs[2] = { &n->rx, &n->tx };
	int r = vq_wait(vqs, 2, n->o->timeout_ms);

	if (!r) {
		fail("net: no call in %d ms (%u receive buffers used so far)",
		     n->o->timeout_ms, n->rx_done);
		return -ETIMEDOUT;
	}
	return r < 0 ? r : 0;
}

/* Pages of a ring the device writes: required in @req, allowed in @allow. */
static void ln_ring_pages(const struct ln *n, const struct vq *vq,
			  struct pset *req, struct pset *allow)
{
	log_ring_pages(vq, n->o->packed, n->flog[vq->index],
		       n->log_addr[vq->index], req, allow);
}

/* --- exact rounds ------------------------------------------------------- */

/**
 * struct bspec - where a receive buffer of a round is
 * @reg: region of its first descriptor (R_*)
 * @off: offset in it
 * @len: bytes
 * @reg2: region of its second descriptor, R_NONE for none
 * @off2: offset in it
 * @len2: bytes
 */
struct bspec {
	int reg;
	__u32 off, len;
	int reg2;
	__u32 off2, len2;
};

/*
 * The receive buffers of the exact rounds, in the order they are posted,
 * and the frames that fill them (header + frame written from each
 * buffer's start; the model below says how much lands in each).
 */
static const struct bspec p_bufs[] = {
	/* 60 bytes: 72 written inside rxa page 0 */
	{ R_RXA, 0x0000, 2048, R_NONE, 0, 0 },
	/* 1514 bytes from offset 3000: across into page 2 */
	{ R_RXA, 0x1000 + 3000, 2048, R_NONE, 0, 0 },
	/* 100 bytes in a buffer over pages 3-5: page 3 only */
	{ R_RXA, 0x3000 + 100, 8192, R_NONE, 0, 0 },
	/* 200 bytes: 64 at the end of page 6, the rest in page 9 */
	{ R_RXA, 0x6000 + 4032, 64, R_RXA, 0x9000, 2048 },
	/* 1514 bytes over three buffers: 600, 600 (rxb, across), 326 */
	{ R_RXA, 0xa000, 600, R_NONE, 0, 0 },
	{ R_RXB, 3900, 600, R_NONE, 0, 0 },
	{ R_RXA, 0xc000, 600, R_NONE, 0, 0 },
	/* 1000 bytes in rxb page 4 */
	{ R_RXB, 0x4000, 2048, R_NONE, 0, 0 },
	/* 1000 bytes ending exactly at the end of page 14 */
	{ R_RXA, 0xe000 + 3084, 1012, R_NONE, 0, 0 },
	/* 60 bytes from the last byte of page 16 */
	{ R_RXA, 0x10000 + 4095, 2048, R_NONE, 0, 0 },
	/* round 5 only: 500 bytes in rxc, mapped while logging */
	{ R_RXC, 0x2000 + 10, 2048, R_NONE, 0, 0 },
};

static const __u32 p_frames[] = { 60, 1514, 100, 200, 1514, 1000, 1000, 60, 500 };
#define P_BUFS 10		/* without the rxc buffer */
#define P_FRAMES 8

/*
 * How many bytes of each frame land in which buffer: header and frame
 * from the first buffer on, each buffer filled before the next is taken
 * (mergeable receive buffers).  Sets b->want; returns the buffers the
 * frames take, and each frame's first buffer in @first.
 */
static unsigned int ln_model(struct lbuf *b, unsigned int nb,
			     const __u32 *frames, unsigned int nf,
			     unsigned int *first)
{
	unsigned int i, k = 0;

	for (i = 0; i < nf; i++) {
		__u32 left = HDR_LEN + frames[i];

		first[i] = k;
		while (left && k < nb) {
			__u32 w = left < lbuf_len(&b[k]) ? left :
							   lbuf_len(&b[k]);

			b[k++].want = w;
			left -= w;
		}
		if (left)
			return nb + 1;
	}
	return k;
}

/* Frame @seq of @size bytes, from buffers @b[0..nb), must be intact. */
static int ln_frame_ok(const struct ln *n, const struct lbuf *b,
		       unsigned int nb, __u32 seq, __u32 size)
{
	__u8 got[HDR_LEN + 1514], want[1514];
	struct virtio_net_hdr_v1 hdr;
	__u32 pos = 0;
	unsigned int i;

	for (i = 0; i < nb; i++) {
		lbuf_read(&b[i], 0, b[i].got, got + pos);
		pos += b[i].got;
	}
	memcpy(&hdr, got, HDR_LEN);
	ln_frame(n, seq, size, want);
	if (le16toh(hdr.num_buffers) != nb) {
		fail("rx: frame %u: num_buffers %u, want %u", seq,
		     le16toh(hdr.num_buffers), nb);
		return -EIO;
	}
	if (memcmp(got + HDR_LEN, want, size)) {
		fail("rx: frame %u (%u bytes over %u buffers) differs", seq,
		     size, nb);
		return -EIO;
	}
	return 0;
}

/*
 * One exact round: the buffers of p_bufs[0..nb) posted, the frames
 * p_frames[0..nf) sent; every buffer back in order with the model's
 * length, every frame intact; @req gets the pages written.
 */
static int ln_round(struct ln *n, unsigned int nb, unsigned int nf,
		    struct pset *req)
{
	struct lbuf b[LN_BUFS], *order[LN_BUFS * 64];
	unsigned int first[LN_BUFS], i;
	__u32 seq0 = n->seq;
	int r = 0;

	memset(b, 0, sizeof(b));
	for (i = 0; i < nb; i++) {
		const struct bspec *s = &p_bufs[i];

		b[i].seg[0] = (struct lseg){ ln_region(n, s->reg), s->off, s->len };
		b[i].nseg = 1;
		if (s->reg2 != R_NONE)
			b[i].seg[b[i].nseg++] = (struct lseg){
				ln_region(n, s->reg2), s->off2, s->len2 };
		memset(b[i].seg[0].r->va + s->off, 0, s->len);
	}
	if (ln_model(b, nb, p_frames, nf, first) != nb) {
		fail("internal: the frames do not fill the buffers exactly");
		return -EINVAL;
	}
	n->rx_done = 0;
	for (i = 0; !r && i < nb; i++)
		r = ln_post(n, &b[i]);
	if (!r)
		r = vq_kick(&n->rx);
	for (i = 0; !r && i < nf; i++)
		r = ln_send(n, n->seq++, p_frames[i]);
	if (!r)
		r = vq_kick(&n->tx);
	while (!r && (n->rx_done < nb || n->tx_nfree < LN_TX_SLOTS)) {
		r = ln_drain(n, order);
		if (!r && (n->rx_done < nb || n->tx_nfree < LN_TX_SLOTS))
			r = ln_wait(n);
	}
	for (i = 0; !r && i < nb; i++) {
		if (order[i] != &b[i]) {
			fail("rx: used buffer %u is posted buffer %ld", i,
			     (long)(order[i] - b));
			r = -EIO;
		} else if (b[i].got != b[i].want) {
			fail("rx: buffer %u used with %u bytes, want %u", i,
			     b[i].got, b[i].want);
			r = -EIO;
		}
	}
	for (i = 0; !r && i < nf; i++)
		r = ln_frame_ok(n, &b[first[i]],
				(i + 1 < nf ? first[i + 1] : nb) - first[i],
				seq0 + i, p_frames[i]);
	for (i = 0; !r && i < nb; i++)
		lbuf_pages(&b[i], b[i].got, req);
	return r;
}

/*
 * Clear the log, run a round, and compare: the pages written, the rings'
 * pages per their F_LOG, nothing else.
 */
static int ln_exact(struct ln *n, struct dlog *l, unsigned int nb,
		    unsigned int nf, const char *what)
{
	struct pset req = { 0 }, allow = { 0 };
	int r;

	usleep(LOG_SETTLE_US);
	dlog_clear(l);
	r = pset_init(&req, END_PAGE);
	if (!r)
		r = pset_init(&allow, END_PAGE);
	if (!r)
		r = ln_round(n, nb, nf, &req);
	if (!r) {
		ln_ring_pages(n, &n->rx, &req, &allow);
		ln_ring_pages(n, &n->tx, &req, &allow);
		r = log_check(l, &req, &allow, what);
	}
	pset_free(&req);
	pset_free(&allow);
	return r;
}

/* A round whose writes must all go unlogged: @l stays empty. */
static int ln_unlogged(struct ln *n, struct dlog *l, unsigned int nb,
		       unsigned int nf, const char *what)
{
	struct pset req = { 0 }, none = { 0 };
	int r;

	usleep(LOG_SETTLE_US);
	dlog_clear(l);
	r = pset_init(&req, END_PAGE);
	if (!r)
		r = pset_init(&none, END_PAGE);
	if (!r)
		r = ln_round(n, nb, nf, &req);
	if (!r)
		r = log_check(l, &none, NULL, what);
	pset_free(&req);
	pset_free(&none);
	return r;
}

/* IOTLB message, checked, inside a batch when the device has them. */
static int ln_msg(struct ln *n, __u8 type, const struct region *r)
{
	return iotlb_checked(n->d.fd, 0, type, r->iova, type == VHOST_IOTLB_UPDATE ||
			     type == VHOST_IOTLB_INVALIDATE ? r->len : 0,
			     type == VHOST_IOTLB_UPDATE ? r->va : NULL);
}

/*
 * Case 2: while logging, in one batch, rxa moves to new pages at the
 * same IOVA and rxc is mapped past the log's window: VmPin grows by rxc
 * and by the log pages its IOVA needs.
 */
static int ln_remap(struct ln *n, const struct dlog *l, long pin_before)
{
	struct region fresh;
	long want;
	int r;

	r = region_create(&fresh, RXA_PAGES * LOG_PAGE, RXA_IOVA, 0);
	if (r)
		return r;
	if (n->d.batch)
		r = iotlb_checked(n->d.fd, 0, VHOST_IOTLB_BATCH_BEGIN, 0, 0, NULL);
	if (!r)
		r = ln_msg(n, VHOST_IOTLB_INVALIDATE, &n->rxa);
	if (!r)
		r = ln_msg(n, VHOST_IOTLB_UPDATE, &fresh);
	if (!r)
		r = ln_msg(n, VHOST_IOTLB_UPDATE, &n->rxc);
	if (!r && n->d.batch)
		r = iotlb_checked(n->d.fd, 0, VHOST_IOTLB_BATCH_END, 0, 0, NULL);
	if (r) {
		region_destroy(&fresh);
		return r;
	}
	region_destroy(&n->rxa);
	n->rxa = fresh;
	n->rxa.mapped = true;
	n->rxc.mapped = true;
	want = pin_before + (long)(RXC_PAGES * LOG_PAGE / 1024) +
	       4 * ((long)log_pinned_pages(ln_window(n), l->off, l->npages) -
		    (long)log_pinned_pages((RXB_IOVA >> LOG_SHIFT) + RXB_PAGES,
					   l->off, l->npages));
	r = log_pin_is(want, "after rxa moved and rxc mapped while logging (rxc and the log's growth)");
	if (!r)
		diag("iotlb: %s rxa remapped onto new pages, rxc mapped at %#llx: VmPin %ld -> %ld kB",
		     n->d.batch ? "in one batch," : "without batch,",
		     RXC_IOVA, pin_before, want);
	return r;
}

/**
 * log_net() - the net case: exact logs, split or packed
 * @o: the command line
 *
 * Base first, then VHOST_F_LOG_ALL on the running device, then F_LOG on
 * both used rings (QEMU's order when a migration starts):
 * 1. exact; 2. cleared, again exact; 3. F_LOG off on tx and rx's used
 * ring logged at another address: tx's used page and rx's own absent,
 * rx's at the new address; 4. a new base at an odd offset: exact there,
 * the old log not touched once VHOST_SET_LOG_BASE returned; 5. rxa moved
 * to new pages and rxc mapped in one batch: VmPin grows by rxc and the
 * log, exact with a buffer in rxc; 6. VHOST_F_LOG_ALL off: the log
 * unpinned, nothing logged.
 *
 * Return: 0 or -errno.
 */
int log_net(const struct options *o)
{
	struct dlog l1 = { 0 }, l2 = { 0 };
	__u8 *old = NULL;
	struct ln *n;
	long pin = 0;
	int r;

	r = ln_open(&n, o, 0);
	if (!r)
		r = log_offered(&n->d);
	if (!r)
		r = dlog_create(&l1, dlog_pages_for(END_PAGE, 0), 0);
	if (!r)
		r = dlog_create(&l2, dlog_pages_for(END_PAGE, 13), 13);
	if (!r)
		r = log_pin_kb(&pin);
	if (!r)
		r = log_want(log_set_base(n->d.fd, dlog_base(&l1)), 0,
			     "SET_LOG_BASE before LOG_ALL");
	if (!r)
		r = log_pin_is(pin, "after SET_LOG_BASE without LOG_ALL (nothing to pin yet)");
	if (!r)
		r = log_want(log_set_features(&n->d, true), 0,
			     "SET_FEATURES +LOG_ALL on the running device");
	if (!r)
		r = log_pin_is(pin + 4 * (long)log_pinned_pages(ln_window(n), 0, l1.npages),
			       "with LOG_ALL (the log's window pinned)");
	if (!r)
		r = ln_flog_both(n, true);
	if (!r)
		r = ln_exact(n, &l1, P_BUFS, P_FRAMES, "round 1");
	if (!r)
		r = ln_exact(n, &l1, P_BUFS, P_FRAMES, "round 2 (cleared, again)");
	if (!r)
		r = ln_flog(n, &n->tx, false, 0);
	if (!r)
		r = ln_flog(n, &n->rx, true, ULOG_ADDR);
	if (!r)
		r = ln_exact(n, &l1, P_BUFS, P_FRAMES,
			     "round 3 (no F_LOG on tx, rx's used ring logged elsewhere)");
	if (!r)
		r = ln_flog_both(n, true);
	if (!r)
		r = log_want(log_set_base(n->d.fd, dlog_base(&l2)), 0,
			     "SET_LOG_BASE to a new log (odd offset) while logging");
	if (!r) {
		old = dlog_snapshot(&l1);
		r = old ? 0 : -ENOMEM;
	}
	if (!r)
		r = log_pin_is(pin + 4 * (long)log_pinned_pages(ln_window(n), l2.off, l2.npages),
			       "after the new base");
	if (!r)
		r = ln_exact(n, &l2, P_BUFS, P_FRAMES, "round 4 (new base at offset 13)");
	if (!r)
		r = dlog_same(&l1, old, "round 4, the old log");
	if (!r)
		r = log_pin_kb(&pin);
	if (!r)
		r = ln_remap(n, &l2, pin);
	if (!r)
		r = ln_exact(n, &l2, P_BUFS + 1, P_FRAMES + 1,
			     "round 5 (rxa remapped, rxc mapped)");
	if (!r)
		r = log_pin_kb(&pin);
	if (!r)
		r = log_want(log_set_features(&n->d, false), 0,
			     "SET_FEATURES -LOG_ALL on the running device");
	if (!r)
		r = log_pin_is(pin - 4 * (long)log_pinned_pages(ln_window(n), l2.off, l2.npages),
			       "with LOG_ALL off (the log unpinned)");
	if (!r)
		r = ln_unlogged(n, &l2, P_BUFS + 1, P_FRAMES + 1,
				"round 6 (LOG_ALL off)");
	if (!r)
		r = log_debugfs_is(&n->d, "lost", 0, "after the rounds");
	ln_close(n);
	dlog_destroy(&l1);
	dlog_destroy(&l2);
	free(old);
	if (!r)
		log_sum("%s rings: 6 rounds of 8-9 frames, every log exact (F_LOG on/off/moved, new base, remap in a batch, LOG_ALL off)",
			o->packed ? "packed" : "split");
	return r;
}

/* --- traffic into one page per frame ------------------------------------ */

/**
 * struct lflow - frames into big pages, one per frame
 * @first: first page (and buffer) of the flow
 * @count: pages available
 * @inflight: frames in flight at most
 * @posted: frames sent so far
 * @done: frames received so far
 * @b: one receive buffer per page
 * @s1: per frame: log state sequence read before it was sent
 * @s2: per frame: the same read after it came back
 * @seq: state sequence (toggle: odd while VHOST_SET_FEATURES runs)
 * @may_send: whether the next frame may go now, or NULL (always)
 * @after_kick: called after each kick (may run ioctls), or NULL
 * @enough: stop sending when it returns true, or NULL (all @count)
 * @ctx: for the callbacks
 */
struct lflow {
	unsigned int first, count, inflight;
	unsigned int posted, done;
	struct lbuf *b;
	unsigned int *s1, *s2;
	unsigned int *seq;
	bool (*may_send)(struct ln *n, struct lflow *f);
	int (*after_kick)(struct ln *n, struct lflow *f);
	bool (*enough)(struct ln *n, struct lflow *f);
	void *ctx;
};

#define FLOW_FRAME 60		/* 72 bytes written per buffer */

static int lflow_init(struct ln *n, struct lflow *f, unsigned int first,
		      unsigned int count)
{
	unsigned int i;

	memset(f, 0, sizeof(*f));
	f->first = first;
	f->count = count;
	f->inflight = 4;
	f->b = calloc(count, sizeof(*f->b));
	f->s1 = calloc(count, sizeof(*f->s1));
	f->s2 = calloc(count, sizeof(*f->s2));
	if (!f->b || !f->s1 || !f->s2) {
		fail("net: no memory for a flow of %u frames", count);
		return -ENOMEM;
	}
	for (i = 0; i < count; i++) {
		f->b[i].seg[0] = (struct lseg){ &n->big,
			(first + i) * (__u32)LOG_PAGE, 2048 };
		f->b[i].nseg = 1;
	}
	return 0;
}

static void lflow_free(struct lflow *f)
{
	free(f->b);
	free(f->s1);
	free(f->s2);
}

static unsigned int lflow_seq(const struct lflow *f)
{
	return f->seq ? __atomic_load_n(f->seq, __ATOMIC_SEQ_CST) : 0;
}

/* The buffer of frame @i came back: length and frame checked. */
static int lflow_check(struct ln *n, struct lflow *f, unsigned int i,
		       __u32 seq0)
{
	f->b[i].want = HDR_LEN + FLOW_FRAME;
	if (f->b[i].got != f->b[i].want) {
		fail("rx: flow frame %u used with %u bytes, want %u", i,
		     f->b[i].got, f->b[i].want);
		return -EIO;
	}
	return ln_frame_ok(n, &f->b[i], 1, seq0 + i, FLOW_FRAME);
}

/*
 * Run a flow: each frame's receive buffer posted, the state sequence
 * read, the frame sent; after the kick, the hook.  Every frame must come
 * back intact into its own buffer, in order.
 */
static int lflow_run(struct ln *n, struct lflow *f)
{
	struct lbuf **order = calloc(f->count, sizeof(*order));
	__u32 seq0 = n->seq;
	bool stop = false;
	unsigned int i;
	int r = order ? 0 : -ENOMEM;

	n->rx_done = 0;
	while (!r) {
		unsigned int before = f->done;
		bool sent = false;

		while (!r && !stop && f->posted < f->count &&
		       f->posted - f->done < f->inflight && n->tx_nfree &&
		       (!f->may_send || f->may_send(n, f))) {
			i = f->posted++;
			r = ln_post(n, &f->b[i]);
			/* before the frame is visible to the device */
			f->s1[i] = lflow_seq(f);
			if (!r)
				r = ln_send(n, n->seq++, FLOW_FRAME);
			sent = true;
		}
		if (!r && sent)
			r = vq_kick(&n->tx);
		if (!r && sent && f->after_kick)
			r = f->after_kick(n, f);
		if (!r)
			r = ln_drain(n, order);
		while (!r && f->done < n->rx_done) {
			i = f->done++;
			if (order[i] != &f->b[i]) {
				fail("rx: flow buffer %u came back as %ld", i,
				     (long)(order[i] - f->b));
				r = -EIO;
				break;
			}
			/* after its used entry was seen */
			f->s2[i] = lflow_seq(f);
			r = lflow_check(n, f, i, seq0);
		}
		if (!r && !stop && f->enough && f->enough(n, f))
			stop = true;
		if (r || (f->done == f->posted && (stop || f->posted == f->count)))
			break;
		if (!sent && f->done == before) {
			if (f->done == f->posted)	/* held back by may_send */
				usleep(500);
			else
				r = ln_wait(n);
		}
	}
	/* every transmit slot back */
	while (!r && n->tx_nfree < LN_TX_SLOTS) {
		r = ln_drain(n, NULL);
		if (!r && n->tx_nfree < LN_TX_SLOTS)
			r = ln_wait(n);
	}
	free(order);
	return r;
}

/* The pages of the flow's frames in [@from, @to): into @s. */
static void lflow_pages(const struct lflow *f, unsigned int from,
			unsigned int to, struct pset *s)
{
	unsigned int i;

	for (i = from; i < to; i++)
		lbuf_pages(&f->b[i], HDR_LEN + FLOW_FRAME, s);
}

/* --- toggle: LOG_ALL switched by another thread under traffic ----------- */

/**
 * struct toggler - the thread that turns VHOST_F_LOG_ALL on and off
 * @n: the device
 * @seq: even while stable, odd while VHOST_SET_FEATURES runs; the state
 *	 at an even value s is "on" iff (s / 2) is even (it starts on)
 * @stop: set by the main thread
 * @toggles: switches done
 * @err: the first failure, -errno
 * @max_us: longest VHOST_SET_FEATURES
 * @seen: frames classified so far by toggle_enough()
 * @on_n: of those, frames that lived while logging
 * @off_n: of those, frames that lived while not logging
 * @gate_seq: the value of @seq toggle_may_send() last saw
 * @gate_sent: frames sent since @seq had that value
 */
struct toggler {
	struct ln *n;
	unsigned int seq;
	int stop;
	unsigned int toggles;
	int err;
	long max_us;
	unsigned int seen, on_n, off_n;
	unsigned int gate_seq, gate_sent;
};

static long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
}

static void *toggler_main(void *arg)
{
	struct toggler *t = arg;
	unsigned int rnd = (unsigned int)getpid();
	bool on = true;

	while (!__atomic_load_n(&t->stop, __ATOMIC_SEQ_CST)) {
		long t0;
		int r;

		rnd = rnd * 1103515245 + 12345;
		usleep(2000 + (rnd >> 16) % 6000);
		__atomic_add_fetch(&t->seq, 1, __ATOMIC_SEQ_CST);
		t0 = now_us();
		r = log_set_features(&t->n->d, !on);
		t0 = now_us() - t0;
		if (t0 > t->max_us)
			t->max_us = t0;
		if (r) {
			__atomic_store_n(&t->err, r, __ATOMIC_SEQ_CST);
			fail("toggle: SET_FEATURES %cLOG_ALL: %s", on ? '-' : '+',
			     errname(r));
			break;
		}
		on = !on;
		__atomic_add_fetch(&t->toggles, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&t->seq, 1, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

/* Whether frame @i lived entirely in one stable state; *on: which. */
static bool toggle_stable(const struct lflow *f, unsigned int i, bool *on)
{
	unsigned int s = f->s1[i];

	*on = !((s / 2) & 1);
	return s == f->s2[i] && !(s & 1);
}

#define TOGGLE_PAGES 2048	/* 8 MiB: frames enough for the counts below */
#define TOGGLE_MIN 24		/* switches, frames logged, frames not logged */
#define TOGGLE_PER_STATE 16	/* frames sent per value of the sequence */

/*
 * At most TOGGLE_PER_STATE frames per value of the sequence (a state or
 * a switch in progress): frames are much faster than switches, and each
 * needs a page of its own.
 */
static bool toggle_may_send(struct ln *n, struct lflow *f)
{
	struct toggler *t = f->ctx;
	unsigned int s = __atomic_load_n(&t->seq, __ATOMIC_SEQ_CST);

	(void)n;
	if (s != t->gate_seq) {
		t->gate_seq = s;
		t->gate_sent = 0;
	}
	return t->gate_sent++ < TOGGLE_PER_STATE;
}

static bool toggle_enough(struct ln *n, struct lflow *f)
{
	struct toggler *t = f->ctx;
	bool on;

	(void)n;
	for (; t->seen < f->done; t->seen++)
		if (toggle_stable(f, t->seen, &on))
			on ? t->on_n++ : t->off_n++;
	if (__atomic_load_n(&t->err, __ATOMIC_RELAXED))
		return true;
	return __atomic_load_n(&t->toggles, __ATOMIC_RELAXED) >= TOGGLE_MIN &&
	       t->on_n >= TOGGLE_MIN && t->off_n >= TOGGLE_MIN;
}

/**
 * log_toggle() - VHOST_F_LOG_ALL switched on and off under traffic
 * @o: the command line
 *
 * A second thread switches VHOST_F_LOG_ALL every 2 to 8 ms (the base
 * stays), marking each switch in a sequence counter; frames go each into
 * a page of its own, at most TOGGLE_PER_STATE per state or switch.  A
 * frame sent and received while the sequence did not move lived in one
 * state: logged (its page must be set) or not (its page must not be: no
 * bit is set once VHOST_SET_FEATURES without LOG_ALL returned, and every
 * write is logged once it returned with it).  Frames across a switch may
 * be either.  Runs until there were at
 * least TOGGLE_MIN switches and as many frames of each kind.
 *
 * Return: 0 or -errno.
 */
int log_toggle(const struct options *o)
{
	struct toggler t = { 0 };
	struct pset req = { 0 }, allow = { 0 };
	struct dlog l = { 0 };
	struct lflow f;
	unsigned int i, on_n = 0, off_n = 0, mixed = 0;
	pthread_t tid;
	bool started = false, on;
	long pin = 0;
	int r;

	memset(&f, 0, sizeof(f));
	r = ln_open(&t.n, o, TOGGLE_PAGES);
	if (!r)
		r = log_offered(&t.n->d);
	if (!r)
		r = dlog_create(&l, dlog_pages_for(END_PAGE, 0), 0);
	if (!r)
		r = lflow_init(t.n, &f, 0, TOGGLE_PAGES);
	if (!r)
		r = pset_init(&req, END_PAGE);
	if (!r)
		r = pset_init(&allow, END_PAGE);
	if (!r)
		r = log_pin_kb(&pin);
	if (!r)
		r = log_want(log_set_base(t.n->d.fd, dlog_base(&l)), 0,
			     "SET_LOG_BASE");
	if (!r)
		r = log_want(log_set_features(&t.n->d, true), 0,
			     "SET_FEATURES +LOG_ALL");
	if (!r)
		r = ln_flog_both(t.n, true);
	if (!r) {
		f.seq = &t.seq;
		f.ctx = &t;
		f.enough = toggle_enough;
		f.may_send = toggle_may_send;
		r = pthread_create(&tid, NULL, toggler_main, &t) ? -EAGAIN : 0;
		started = !r;
	}
	if (!r)
		r = lflow_run(t.n, &f);
	if (started) {
		__atomic_store_n(&t.stop, 1, __ATOMIC_SEQ_CST);
		pthread_join(tid, NULL);
	}
	if (!r && t.err)
		r = t.err;
	for (i = 0; !r && i < f.done; i++) {
		if (!toggle_stable(&f, i, &on)) {
			mixed++;
			lflow_pages(&f, i, i + 1, &allow);
		} else if (on) {
			on_n++;
			lflow_pages(&f, i, i + 1, &req);
		} else {
			off_n++;
		}
	}
	if (!r && (on_n < TOGGLE_MIN || off_n < TOGGLE_MIN)) {
		fail("toggle: %u frames: %u logged, %u not, %u across a switch (%u switches): want %u of each",
		     f.done, on_n, off_n, mixed, t.toggles, TOGGLE_MIN);
		r = -EIO;
	}
	if (!r) {
		/* the rings' pages, written while logging was on or not */
		ln_ring_pages(t.n, &t.n->rx, &allow, &allow);
		ln_ring_pages(t.n, &t.n->tx, &allow, &allow);
		r = log_check(&l, &req, &allow,
			      "toggle (pages of frames that lived in one state)");
	}
	if (!r)
		r = log_pin_is(pin + ((t.toggles & 1) ? 0 :
			       4 * (long)log_pinned_pages(ln_window(t.n), 0, l.npages)),
			       "after the last switch");
	ln_close(t.n);
	dlog_destroy(&l);
	lflow_free(&f);
	pset_free(&req);
	pset_free(&allow);
	if (!r)
		log_sum("%u switches (longest SET_FEATURES %ld us), %u frames: %u logged, %u not, %u across a switch",
			t.toggles, t.max_us, f.done, on_n, off_n, mixed);
	return r;
}

/* --- switch: the base replaced under traffic ---------------------------- */

#define SWITCH_FRAMES 300

/**
 * struct switcher - the logs of the switch case
 * @l: logs A, B, C
 * @snap: A and B as they were when the next base was set
 * @cur: index of the log in use
 */
struct switcher {
	struct dlog l[3];
	__u8 *snap[2];
	unsigned int cur;
};

/* After the kicks at a third and two thirds of the frames: the next log. */
static int switch_kick(struct ln *n, struct lflow *f)
{
	struct switcher *s = f->ctx;
	unsigned int next = s->cur + 1;
	char what[64];
	int r;

	if (next > 2 || f->posted < next * f->count / 3)
		return 0;
	snprintf(what, sizeof(what),
		 "SET_LOG_BASE to log %c with %u frames in flight", 'A' + next,
		 f->posted - f->done);
	r = log_want(log_set_base(n->d.fd, dlog_base(&s->l[next])), 0, what);
	if (r)
		return r;
	s->snap[s->cur] = dlog_snapshot(&s->l[s->cur]);
	if (!s->snap[s->cur])
		return -ENOMEM;
	s->cur = next;
	return 0;
}

/**
 * log_switch() - the base replaced twice while frames flow
 * @o: the command line
 *
 * Logs A, B and C (offsets 0, 8 and 4093 in their first pages); frames
 * into pages of their own; at a third and at two thirds of them, with
 * frames in flight, VHOST_SET_LOG_BASE to the next log.  Once it
 * returned, the old log must not change any more; the three together
 * must hold every frame's page and the rings', nothing else.  VmPin
 * stays (same window).
 *
 * Return: 0 or -errno.
 */
int log_switch(const struct options *o)
{
	static const size_t offs[3] = { 0, 8, 4093 };
	struct pset req = { 0 }, allow = { 0 };
	struct switcher s;
	struct dlog u = { 0 };
	struct lflow f;
	struct ln *n;
	unsigned int i;
	__u64 k;
	long pin = 0;
	int r;

	memset(&s, 0, sizeof(s));
	memset(&f, 0, sizeof(f));
	r = ln_open(&n, o, SWITCH_FRAMES);
	if (!r)
		r = log_offered(&n->d);
	for (i = 0; !r && i < 3; i++)
		r = dlog_create(&s.l[i], dlog_pages_for(END_PAGE, offs[i]), offs[i]);
	if (!r)
		r = dlog_create(&u, dlog_pages_for(END_PAGE, 0), 0);
	if (!r)
		r = lflow_init(n, &f, 0, SWITCH_FRAMES);
	if (!r)
		r = pset_init(&req, END_PAGE);
	if (!r)
		r = pset_init(&allow, END_PAGE);
	if (!r)
		r = log_want(log_set_base(n->d.fd, dlog_base(&s.l[0])), 0,
			     "SET_LOG_BASE to log A");
	if (!r)
		r = log_want(log_set_features(&n->d, true), 0,
			     "SET_FEATURES +LOG_ALL");
	if (!r)
		r = ln_flog_both(n, true);
	if (!r)
		r = log_pin_kb(&pin);
	if (!r) {
		f.inflight = 8;
		f.ctx = &s;
		f.after_kick = switch_kick;
		r = lflow_run(n, &f);
	}
	if (!r && s.cur != 2) {
		fail("internal: switch: the base changed %u times", s.cur);
		r = -EIO;
	}
	if (!r)
		r = log_pin_is(pin, "after two new bases (same window)");
	if (!r)
		r = dlog_same(&s.l[0], s.snap[0], "A after the switch to B");
	if (!r)
		r = dlog_same(&s.l[1], s.snap[1], "B after the switch to C");
	for (i = 0; !r && i < 3; i++)
		r = dlog_guard_ok(&s.l[i], "A, B or C");
	if (!r) {
		__u8 *ub = dlog_base(&u);

		for (k = 0; k < END_PAGE; k++)
			for (i = 0; i < 3; i++)
				if (dlog_test(&s.l[i], k))
					ub[k / 8] |= 1 << (k % 8);
		lflow_pages(&f, 0, f.done, &req);
		ln_ring_pages(n, &n->rx, &req, &allow);
		ln_ring_pages(n, &n->tx, &req, &allow);
		r = log_check(&u, &req, &allow, "A, B and C together");
	}
	if (!r)
		diag("switch: bits in A %llu, B %llu, C %llu",
		     dlog_count(&s.l[0]), dlog_count(&s.l[1]),
		     dlog_count(&s.l[2]));
	ln_close(n);
	for (i = 0; i < 3; i++)
		dlog_destroy(&s.l[i]);
	free(s.snap[0]);
	free(s.snap[1]);
	dlog_destroy(&u);
	lflow_free(&f);
	pset_free(&req);
	pset_free(&allow);
	if (!r)
		log_sum("%u frames, base replaced twice with frames in flight: old logs unchanged after the switch, together exact",
			SWITCH_FRAMES);
	return r;
}

/* --- munmap: the live log unmapped --------------------------------------- */

#define MUNMAP_FRAMES 200
#define MUNMAP_AFTER 50

static int munmap_kick(struct ln *n, struct lflow *f)
{
	struct dlog *l = f->ctx;

	(void)n;
	if (l->unmapped || f->posted < f->count / 2)
		return 0;
	if (munmap(l->map, l->npages * LOG_PAGE)) {
		fail("munmap of the log: %s", errname(errno));
		return -errno;
	}
	l->unmapped = true;
	diag("munmap: the live log unmapped with %u frames in flight",
	     f->posted - f->done);
	return 0;
}

/* A flow of @count frames from page @first into @l, which must be exact. */
static int munmap_flow(struct ln *n, struct dlog *l, unsigned int first,
		       unsigned int count, const char *what)
{
	struct pset req = { 0 }, allow = { 0 };
	struct lflow f;
	int r;

	r = lflow_init(n, &f, first, count);
	if (!r)
		r = pset_init(&req, END_PAGE);
	if (!r)
		r = pset_init(&allow, END_PAGE);
	if (!r)
		r = lflow_run(n, &f);
	if (!r) {
		lflow_pages(&f, 0, f.done, &req);
		ln_ring_pages(n, &n->rx, &req, &allow);
		ln_ring_pages(n, &n->tx, &req, &allow);
		r = log_check(l, &req, &allow, what);
	}
	lflow_free(&f);
	pset_free(&req);
	pset_free(&allow);
	return r;
}

/**
 * log_munmap() - the live log unmapped under traffic
 * @o: the command line
 *
 * With frames in flight the log's pages are munmap()ed: every frame
 * still arrives, VmPin does not change (the pins hold the pages).
 * VHOST_SET_LOG_BASE into the hole: EFAULT, the base, the pinned log
 * and VmPin unchanged; to a fresh log: exact from then on.  Then
 * VHOST_F_LOG_ALL off, that log unmapped too, and on again with the
 * stale base: EFAULT, logging stays off, nothing pinned; a fresh base
 * and LOG_ALL: exact.
 *
 * Return: 0 or -errno.
 */
int log_munmap(const struct options *o)
{
	struct dlog l = { 0 }, l2 = { 0 }, l3 = { 0 };
	unsigned char mc[64];
	struct lflow f;
	struct ln *n;
	long pin = 0, logkb = 0;
	int r;

	memset(&f, 0, sizeof(f));
	r = ln_open(&n, o, MUNMAP_FRAMES + 2 * MUNMAP_AFTER);
	if (!r)
		r = log_offered(&n->d);
	if (!r)
		r = dlog_create(&l, dlog_pages_for(END_PAGE, 0), 0);
	if (!r)
		r = dlog_create(&l2, dlog_pages_for(END_PAGE, 0), 0);
	if (!r)
		r = dlog_create(&l3, dlog_pages_for(END_PAGE, 0), 0);
	if (!r)
		r = log_pin_kb(&pin);
	if (!r)
		r = log_want(log_set_base(n->d.fd, dlog_base(&l)), 0,
			     "SET_LOG_BASE");
	if (!r)
		r = log_want(log_set_features(&n->d, true), 0,
			     "SET_FEATURES +LOG_ALL");
	if (!r)
		r = ln_flog_both(n, true);
	if (!r) {
		logkb = 4 * (long)log_pinned_pages(ln_window(n), 0, l.npages);
		r = log_pin_is(pin + logkb, "logging");
	}
	if (!r)
		r = lflow_init(n, &f, 0, MUNMAP_FRAMES);
	if (!r) {
		f.inflight = 8;
		f.ctx = &l;
		f.after_kick = munmap_kick;
		r = lflow_run(n, &f);
	}
	if (!r && !l.unmapped) {
		fail("internal: munmap: the log was not unmapped");
		r = -EIO;
	}
	if (!r)
		diag("munmap: %u frames through, the log unmapped halfway", f.done);
	if (!r)
		r = log_pin_is(pin + logkb, "after munmap of the live log (still pinned)");
	if (!r && (mincore(l.map, l.npages * LOG_PAGE, mc) == 0 ||
		   errno != ENOMEM)) {
		fail("internal: munmap: something was mapped into the log's hole");
		r = -EIO;
	}
	if (!r)
		r = log_want(log_set_base(n->d.fd, l.map + LOG_PAGE), -EFAULT,
			     "SET_LOG_BASE into the unmapped log");
	if (!r)
		r = log_debugfs_is(&n->d, "base", (long long)(uintptr_t)dlog_base(&l),
				   "after the refused base");
	if (!r)
		r = log_pin_is(pin + logkb, "after the refused base");
	if (!r)
		r = log_want(log_set_base(n->d.fd, dlog_base(&l2)), 0,
			     "SET_LOG_BASE to a fresh log");
	if (!r)
		r = log_pin_is(pin + logkb, "with the fresh log (the old one unpinned)");
	if (!r)
		r = munmap_flow(n, &l2, MUNMAP_FRAMES, MUNMAP_AFTER,
				"fresh log after munmap");
	if (!r)
		r = log_want(log_set_features(&n->d, false), 0,
			     "SET_FEATURES -LOG_ALL");
	if (!r && munmap(l2.map, l2.npages * LOG_PAGE))
		r = -errno;
	if (!r) {
		l2.unmapped = true;
		r = log_want(log_set_features(&n->d, true), -EFAULT,
			     "SET_FEATURES +LOG_ALL with the base in a hole");
	}
	if (!r)
		r = log_debugfs_is(&n->d, "logging", 0, "after the refused LOG_ALL");
	if (!r)
		r = log_pin_is(pin, "after the refused LOG_ALL (nothing pinned)");
	if (!r)
		r = log_want(log_set_base(n->d.fd, dlog_base(&l3)), 0,
			     "SET_LOG_BASE to a third log, not logging");
	if (!r)
		r = log_want(log_set_features(&n->d, true), 0,
			     "SET_FEATURES +LOG_ALL");
	if (!r)
		r = log_pin_is(pin + logkb, "logging into the third log");
	if (!r)
		r = munmap_flow(n, &l3, MUNMAP_FRAMES + MUNMAP_AFTER,
				MUNMAP_AFTER, "third log");
	ln_close(n);
	dlog_destroy(&l);
	dlog_destroy(&l2);
	dlog_destroy(&l3);
	lflow_free(&f);
	if (!r)
		log_sum("%u frames with the log unmapped halfway, EFAULT for a base in the hole and for LOG_ALL with a stale base, state kept; fresh logs exact",
			MUNMAP_FRAMES);
	return r;
}

/* --- small: a log smaller than the mapped range -------------------------- */

/*
 * One round into a one-page log at @off: what lies inside it exact, what
 * lies beyond lost (counted), the guard page untouched.
 */
static int small_round(struct ln *n, struct dlog *l, const char *what,
		       long long *lost)
{
	struct pset req = { 0 }, allow = { 0 }, in = { 0 };
	__u64 p, beyond = 0, nb = dlog_nbits(l);
	long long before = 0, after = 0;
	int r;

	r = pset_init(&req, END_PAGE);
	if (!r)
		r = pset_init(&allow, END_PAGE);
	if (!r)
		r = pset_init(&in, END_PAGE);
	if (!r)
		r = log_debugfs(&n->d, "lost", &before);
	if (!r)
		r = ln_round(n, P_BUFS, P_FRAMES, &req);
	if (!r) {
		ln_ring_pages(n, &n->rx, &req, &allow);
		ln_ring_pages(n, &n->tx, &req, &allow);
		for (p = 0; p < END_PAGE; p++) {
			if (!pset_has(&req, p))
				continue;
			if (p < nb)
				in.bits[p / 8] |= 1 << (p % 8);
			else
				beyond++;
		}
		r = log_check(l, &in, &allow, what);
	}
	if (!r)
		r = log_debugfs(&n->d, "lost", &after);
	if (!r && (beyond == 0 || after - before < (long long)beyond)) {
		fail("log %s: %llu pages written beyond the log's %llu bits, debugfs lost grew by %lld",
		     what, beyond, nb, after - before);
		r = -EIO;
	}
	if (!r)
		diag("log %s: %llu pages written beyond its %llu bits, lost %lld -> %lld",
		     what, beyond, nb, before, after);
	*lost = after;
	pset_free(&req);
	pset_free(&allow);
	pset_free(&in);
	return r;
}

/**
 * log_small() - logs whose VMA ends before the mapped range does
 * @o: the command line
 *
 * A log of one page (128 MiB of IOVA) with rxb at 1 GiB beyond it: the
 * log pins one page, bits for rxa are exact, those for rxb are lost
 * (debugfs) and the guard page after the log's VMA stays as it was.
 * Then a one-page log whose base is at offset 4000 (768 bits): the same,
 * and the 4000 bytes before the base untouched.
 *
 * Return: 0 or -errno.
 */
int log_small(const struct options *o)
{
	struct dlog s1 = { 0 }, s2 = { 0 };
	long long lost = 0;
	struct ln *n;
	long pin = 0;
	int r;

	r = ln_open(&n, o, 0);
	if (!r)
		r = log_offered(&n->d);
	if (!r)
		r = dlog_create(&s1, 1, 0);
	if (!r)
		r = dlog_create(&s2, 1, 4000);
	if (!r)
		r = log_pin_kb(&pin);
	if (!r)
		r = log_want(log_set_base(n->d.fd, dlog_base(&s1)), 0,
			     "SET_LOG_BASE to a one-page log");
	if (!r)
		r = log_want(log_set_features(&n->d, true), 0,
			     "SET_FEATURES +LOG_ALL");
	if (!r)
		r = log_pin_is(pin + 4, "with a one-page log (clipped to its VMA)");
	if (!r)
		r = log_debugfs_is(&n->d, "bits", (long long)dlog_nbits(&s1),
				   "with a one-page log");
	if (!r)
		r = ln_flog_both(n, true);
	if (!r)
		r = small_round(n, &s1, "one page", &lost);
	if (!r)
		r = log_want(log_set_base(n->d.fd, dlog_base(&s2)), 0,
			     "SET_LOG_BASE to a one-page log at offset 4000");
	if (!r)
		r = log_pin_is(pin + 4, "with the second one-page log");
	if (!r)
		r = log_debugfs_is(&n->d, "bits", (long long)dlog_nbits(&s2),
				   "with the log at offset 4000");
	if (!r)
		r = small_round(n, &s2, "one page from offset 4000", &lost);
	if (!r)
		r = dlog_guard_ok(&s1, "one page, after the second round");
	ln_close(n);
	dlog_destroy(&s1);
	dlog_destroy(&s2);
	if (!r)
		log_sum("one-page logs (32768 and 768 bits): exact inside, %lld pages lost beyond, guard pages untouched",
			lost);
	return r;
}
