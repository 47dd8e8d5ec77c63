// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa_user: the garbage step of abuse case live.  Seeded rounds, each on
 * a freshly reset and set up device that has carried a frame: random
 * descriptors (addresses inside a mapped target, across its end, in the
 * guard after the ring memory, anywhere; lengths from 0 to 2^32-1; NEXT,
 * WRITE and INDIRECT at random, next indices in range, looping to
 * themselves or out of range; indirect tables of random descriptors;
 * split available indices a queue size ahead) made available on the
 * transmit queue (with a valid receive buffer posted) or on the receive
 * queue (with a valid frame sent).
 *
 * Each round must end within --timeout in NEEDS_RESET or in sane
 * completions: split, only heads that were made available, at most as
 * many as were; packed, at the chain's first slot with the buffer id of
 * its last descriptor; transmit buffers with length 0, our frame with its
 * length, a frame the garbage sent into our buffer no longer than it and
 * the rest of the buffer untouched.  The guard pages after the ring
 * memory and after the target never change.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "abuse_live.h"

#define GB_IOVA (AB_IOVA + (9ULL << 30))
#define GB_LEN (16 * 1024)		/* the mapped target */
#define GB_GUARD 4096			/* after it, never mapped */
#define GB_SMALL_MAX 2048
#define GB_MIN_FRAME (NET_HDR_LEN + 14)
#define F_AVAIL BIT(VRING_PACKED_DESC_F_AVAIL)
#define F_USED BIT(VRING_PACKED_DESC_F_USED)

/**
 * struct gb - one garbage campaign
 * @l: the live state
 * @rng: xorshift state
 * @t: the target: GB_LEN mapped at GB_IOVA, then GB_GUARD never mapped
 * @vq: the queue of this round's garbage
 * @want_len: the length a completion of the garbage must have
 * @avail0: split: available index before the garbage
 * @used0: split: used index before; packed: slot of the chain's head
 * @inc: split: how far the available index moved
 * @heads: split: the heads in the slots made available
 * @wrap: packed: wrap counter of the head's slot
 * @exp_id: packed: buffer id of the chain's last descriptor
 * @loops: packed: the chain is longer than the ring
 * @resets: rounds that ended in NEEDS_RESET
 * @used: rounds in which the garbage was used
 * @delivered: frames the garbage sent that arrived in our buffer
 */
struct gb {
	struct lv *l;
	__u64 rng;
	struct region t;
	struct vq *vq;
	__u32 want_len;
	__u16 avail0;
	__u16 used0;
	unsigned int inc;
	__u16 heads[AB_RING];
	bool wrap;
	__u16 exp_id;
	bool loops;
	unsigned int resets;
	unsigned int used;
	unsigned int delivered;
};

static struct gb *gb_cur;	/* for the lv_wait() conditions */

static __u64 gb_rand(struct gb *g)
{
	g->rng ^= g->rng >> 12;
	g->rng ^= g->rng << 25;
	g->rng ^= g->rng >> 27;
	return g->rng * 0x2545f4914f6cdd1dULL;
}

static __u32 gb_below(struct gb *g, __u32 n)
{
	return gb_rand(g) % n;
}

static __u64 gb_addr(struct gb *g)
{
	switch (gb_below(g, 10)) {
	case 5:
		return GB_IOVA;			/* the crafted table */
	case 6:
		return GB_IOVA + GB_LEN - 1 - gb_below(g, 64);	/* runs out */
	case 7:
		return gb_below(g, 2) ? 0 : ~0ULL - gb_below(g, 4096);
	case 8:
		return LV_IOVA + LV_MAPPED + gb_below(g, LV_PAGE);
	case 9:
		return gb_rand(g);
	default:
		return GB_IOVA + gb_below(g, GB_LEN - GB_SMALL_MAX);
	}
}

static __u32 gb_len(struct gb *g)
{
	static const __u32 small[] = { 12, 16, 26, 64, 76, 100, 1514,
				       GB_SMALL_MAX };
	static const __u32 odd[] = { 0, 1, GB_LEN, GB_LEN + 1, 0x7fffffff,
				     0xffffffff };

	switch (gb_below(g, 10)) {
	case 8:
		return odd[gb_below(g, ARRAY_SIZE(odd))];
	case 9:
		return gb_rand(g);
	default:
		return small[gb_below(g, ARRAY_SIZE(small))];
	}
}

static __u16 gb_flags(struct gb *g)
{
	__u16 f = 0;

	if (gb_below(g, 2))
		f |= VRING_DESC_F_NEXT;
	if (gb_below(g, 2))
		f |= VRING_DESC_F_WRITE;
	if (gb_below(g, 7) == 0)
		f |= VRING_DESC_F_INDIRECT;
	return f;
}

/* A split descriptor index: in range, itself (@self), or out of range. */
static __u16 gb_index(struct gb *g, __u16 self)
{
	unsigned int c = gb_below(g, 10);

	if (c < 7)
		return gb_below(g, AB_RING);
	return c < 8 ? self : AB_RING + gb_below(g, 0x10000 - AB_RING);
}

static void gb_split_desc(struct gb *g, struct vring_desc *d, __u16 self)
{
	d->addr = htole64(gb_addr(g));
	d->len = htole32(gb_len(g));
	d->flags = htole16(gb_flags(g));
	d->next = htole16(gb_index(g, self));
}

static void gb_packed_desc(struct gb *g, struct vring_packed_desc *d,
			   __u16 flags)
{
	d->addr = htole64(gb_addr(g));
	d->len = htole32(gb_len(g));
	d->id = htole16(gb_below(g, 8) ? gb_below(g, AB_RING) : gb_rand(g));
	d->flags = htole16(flags);
}

/* Random bytes, then an indirect table of random descriptors at 0. */
static void gb_fill(struct gb *g)
{
	unsigned int i;
	__u64 v;

	for (i = 0; i < GB_LEN; i += sizeof(v)) {
		v = gb_rand(g);
		memcpy(g->t.va + i, &v, sizeof(v));
	}
	for (i = 0; i < AB_RING; i++) {
		if (g->l->n->o->packed)
			gb_packed_desc(g, (struct vring_packed_desc *)g->t.va + i,
				       gb_flags(g));
		else
			gb_split_desc(g, (struct vring_desc *)g->t.va + i, i);
	}
}

/* Split: every descriptor random, one head (or a queue size) published. */
static void gb_split(struct gb *g)
{
	struct vq *vq = g->vq;
	struct vring_desc *d = vq->desc;
	struct vring_avail *a = vq->drv;
	unsigned int i, c = gb_below(g, 10);

	for (i = 0; i < vq->num; i++)
		gb_split_desc(g, &d[i], i);
	g->inc = c < 8 ? 1 : c < 9 ? 2 : vq->num + 1;
	g->avail0 = vq->avail_idx;
	g->used0 = vq->used_idx;
	a->ring[g->avail0 % vq->num] = htole16(gb_index(g, 0));
	for (i = 0; i < g->inc && i < vq->num; i++)
		g->heads[i] = le16toh(a->ring[(g->avail0 + i) % vq->num]);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&a->idx, htole16(g->avail0 + g->inc),
			 __ATOMIC_RELAXED);
}

/* Packed: what the device finds walking the chain from the head slot. */
static void gb_packed_expect(struct gb *g)
{
	struct vring_packed_desc *d = g->vq->desc;
	unsigned int s = g->used0, count;

	g->loops = true;
	for (count = 1; count <= g->vq->num; count++) {
		g->exp_id = le16toh(d[s].id);
		if (!(le16toh(d[s].flags) & VRING_DESC_F_NEXT)) {
			g->loops = false;
			return;
		}
		s = (s + 1) % g->vq->num;
	}
}

/* Packed: a chain of 1 to num random descriptors, the head's flags last. */
static void gb_packed(struct gb *g)
{
	struct vq *vq = g->vq;
	struct vring_packed_desc *d = vq->desc;
	unsigned int j, c = 1 + gb_below(g, vq->num), slot;
	__u16 flags, head = 0;
	bool w, next;

	g->used0 = vq->avail_idx;
	g->wrap = vq->avail_wrap;
	for (j = 0; j < c; j++) {
		slot = (g->used0 + j) % vq->num;
		w = g->wrap ^ (g->used0 + j >= vq->num);
		next = gb_below(g, 10) < (j + 1 < c ? 9 : 1);
		flags = (w ? F_AVAIL : F_USED) |
			(gb_flags(g) & ~VRING_DESC_F_NEXT) |
			(next ? VRING_DESC_F_NEXT : 0);
		gb_packed_desc(g, &d[slot], j ? flags : 0);
		if (!j)
			head = flags;
	}
	/* The head's NEXT counts for the walk: set it in memory first. */
	d[g->used0].flags = htole16(head & ~(F_AVAIL | F_USED));
	gb_packed_expect(g);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&d[g->used0].flags, htole16(head), __ATOMIC_RELAXED);
}

/* Split: 0 nothing used yet, 1 sane completions, -EIO (reported). */
static int gb_split_used(struct gb *g)
{
	struct vring_used *u = g->vq->dev;
	__u16 idx = le16toh(__atomic_load_n(&u->idx, __ATOMIC_ACQUIRE));
	__u16 n = idx - g->used0, j, k;
	struct vring_used_elem *e;
	__u32 id, len;

	if (!n)
		return 0;
	if (n > g->inc || g->inc > g->vq->num) {
		fail("garbage: vq %u: %u used entries, %u heads made available",
		     g->vq->index, n, g->inc);
		return -EIO;
	}
	for (j = 0; j < n; j++) {
		e = &u->ring[(g->used0 + j) % g->vq->num];
		id = le32toh(e->id);
		len = le32toh(e->len);
		for (k = 0; k < g->inc && g->heads[k] != id; k++)
			;
		if (k == g->inc || len != g->want_len) {
			fail("garbage: vq %u: used id %u len %u, want a head made available with len %u",
			     g->vq->index, id, len, g->want_len);
			return -EIO;
		}
	}
	return 1;
}

/* Packed: the same, at the head's slot. */
static int gb_packed_used(struct gb *g)
{
	struct vring_packed_desc *d = &((struct vring_packed_desc *)
					g->vq->desc)[g->used0];
	__u16 f = le16toh(__atomic_load_n(&d->flags, __ATOMIC_ACQUIRE));
	bool avail = f & F_AVAIL, used = f & F_USED;
	__u32 len;
	__u16 id;

	if (avail != used || used != g->wrap)
		return 0;
	id = le16toh(d->id);
	len = le32toh(d->len);
	if (g->loops || id != g->exp_id || len != g->want_len) {
		fail("garbage: vq %u: used id %u len %u at slot %u, want %s id %u len %u",
		     g->vq->index, id, len, g->used0,
		     g->loops ? "nothing (the chain loops), not" : "", g->exp_id,
		     g->want_len);
		return -EIO;
	}
	return 1;
}

static int gb_used(struct gb *g)
{
	return g->l->n->o->packed ? gb_packed_used(g) : gb_split_used(g);
}

/* Garbage on tx: done once it is used (or the check fails). */
static bool gb_tx_done(struct lv *l)
{
	(void)l;
	return gb_used(gb_cur) != 0;
}

/* Garbage on rx: done once our frame's transmit buffer is back. */
static bool gb_frame_sent(struct lv *l)
{
	void *tok;
	__u32 len;

	if (l->n->tx.ops->get(&l->n->tx, &tok, &len) > 0)
		memset(l->tx_out, 0, sizeof(l->tx_out));
	return !l->tx_out[0] && !l->tx_out[1];
}

/* Our receive buffer: empty, or a frame the garbage sent, in bounds. */
static int gb_our_rx(struct gb *g)
{
	struct lv *l = g->l;
	void *tok;
	__u32 len;
	int r;

	r = lv_sync(l, &l->n->rx);
	if (!r)
		r = l->n->rx.ops->get(&l->n->rx, &tok, &len);
	if (r <= 0)
		return r;
	if (tok != l->rx[0] || len < GB_MIN_FRAME || len > AB_RX_LEN) {
		fail("garbage: rx used %p len %u, want %p and %zu..%u bytes",
		     tok, len, l->rx[0], GB_MIN_FRAME, AB_RX_LEN);
		return -EIO;
	}
	g->delivered++;
	return ab_untouched(l->rx[0] + len, AB_RX_LEN - len,
			    "receive buffer past a garbage frame");
}

static void gb_publish(struct gb *g)
{
	if (g->l->n->o->packed)
		gb_packed(g);
	else
		gb_split(g);
}

/* One round; @on_rx: the garbage goes on the receive queue. */
static int gb_round(struct gb *g, bool on_rx)
{
	struct lv *l = g->l;
	int r, w;

	r = lv_setup(l) ?: lv_roundtrips(l, 1, "before a garbage round");
	if (!on_rx)
		r = r ?: lv_refill(l);
	if (r)
		return r;
	gb_fill(g);
	g->vq = on_rx ? &l->n->rx : &l->n->tx;
	g->want_len = on_rx ? AB_TX_LEN : 0;
	gb_publish(g);
	l->quiet = true;
	r = on_rx ? lv_send(l) ?: vq_kick(&l->n->rx) : vq_kick(&l->n->tx);
	w = r ?: lv_wait(l, on_rx ? gb_frame_sent : gb_tx_done, "garbage");
	l->quiet = false;
	if (w < 0)
		return w;
	g->resets += !w;
	r = on_rx ? lv_sync(l, &l->n->rx) : 0;
	r = r ?: gb_used(g);
	g->used += r > 0;
	if (r >= 0 && !on_rx)
		r = gb_our_rx(g);
	if (r >= 0)
		r = ab_untouched(g->t.va + GB_LEN, GB_GUARD,
				 "guard page after the garbage target");
	return r < 0 ? r : lv_guard(l);
}

static int gb_target(struct gb *g, struct lv *l)
{
	int r = region_create(&g->t, GB_LEN + GB_GUARD, GB_IOVA, 0);

	if (r)
		return r;
	memset(g->t.va + GB_LEN, AB_PATTERN, GB_GUARD);
	r = iotlb_checked(l->n->d.fd, 0, VHOST_IOTLB_UPDATE, GB_IOVA, GB_LEN,
			  g->t.va);
	g->t.mapped = !r;
	return r;
}

/**
 * lv_garbage() - the garbage step
 * @l: the live state
 * @seed: seed of the rounds
 * @rounds: how many
 * @sum: its summary
 * @len: room in @sum
 *
 * Return: 0 or -errno (reported, with the seed and round).
 */
int lv_garbage(struct lv *l, __u64 seed, unsigned int rounds, char *sum,
	       size_t len)
{
	struct gb g = { .l = l, .rng = seed * 0x9e3779b97f4a7c15ULL | 1 };
	unsigned int i;
	int r;

	gb_cur = &g;
	r = gb_target(&g, l);
	l->rx_cap = 1;
	for (i = 0; !r && i < rounds; i++) {
		r = gb_round(&g, gb_below(&g, 2));
		if (r)
			fail("garbage: seed %llu, round %u (%s ring)",
			     (unsigned long long)seed, i,
			     l->n->o->packed ? "packed" : "split");
	}
	l->rx_cap = LV_NRX;
	if (g.t.mapped && !r)
		r = ab_reset(l->n) ?:
		    iotlb_checked(l->n->d.fd, 0, VHOST_IOTLB_INVALIDATE,
				  GB_IOVA, GB_LEN, NULL);
	region_destroy(&g.t);
	snprintf(sum, len, "garbage: seed %llu, %u rounds: %u NEEDS_RESET, %u with the garbage used (sane), %u garbage frames into our buffer in bounds",
		 (unsigned long long)seed, i, g.resets, g.used, g.delivered);
	return r;
}
