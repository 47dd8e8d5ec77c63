// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa_user: abuse cases of the IOTLB messages (invalidate,
 * invalidate-batch, size-wrap).
 *
 * An invalidated range is gone for the device at once, except inside a
 * batch, where the device keeps the old mappings and their pages stay
 * pinned until the batch ends (BATCH_END, or clearing IOTLB_BATCH).  An
 * update whose range wraps or is no user range fails with EINVAL and pins
 * nothing.  The receive buffer each case invalidates has a region (memfd
 * mapping and IOTLB update) of its own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "abuse.h"

#define RX_IOVA (AB_IOVA + (1ULL << 30))	/* buffer X */
#define RX2_IOVA (AB_IOVA + (2ULL << 30))	/* buffer Y */
#define RX_REGION 16384
#define WRAP_LEN (64U << 10)

/* A receive buffer region of its own, mapped in AS 0. */
static int own_rx(struct net *n, struct region *rx, __u64 iova)
{
	int r = region_create(rx, RX_REGION, iova, 0);

	if (!r)
		r = region_map(&n->d, rx, 1);
	return r;
}

/*
 * Open with backend features @be (all required), rings at AB_IOVA, buffer
 * X in @rx, running, and one frame through the loopback into X.
 */
static int inv_start(struct net **np, const struct options *o, __u64 be,
		     struct region *rx)
{
	struct vq *vqs[2];
	struct net *n;
	int r;

	r = ab_open(np, o, be);
	n = *np;
	if (!n)
		return r;
	vqs[0] = &n->rx;
	vqs[1] = &n->tx;
	if (!r && (n->d.backend & be) != be)
		r = ab_need_backend(n, VHOST_BACKEND_F_IOTLB_BATCH,
				    "IOTLB_BATCH");
	if (!r)
		r = ab_negotiate(n, 0, 0);
	if (!r)
		r = ab_data_mem(n, AB_MEM_LEN, AB_IOVA);
	if (!r)
		r = own_rx(n, rx, RX_IOVA);
	if (!r)
		r = ab_setup(n, vqs, ARRAY_SIZE(vqs));
	if (!r)
		r = vdev_start(&n->d, "abuse");
	if (!r)
		r = ab_roundtrip(n, rx, rx->va, 0);
	return r;
}

/* X filled with AB_PATTERN, its first AB_RX_LEN bytes posted (no kick). */
static int post_pattern(struct net *n, struct region *rx)
{
	memset(rx->va, AB_PATTERN, rx->len);
	return ab_post_rx(n, rx, rx->va, AB_RX_LEN);
}

static int invalidate(struct net *n, const struct region *rx)
{
	return iotlb_checked(n->d.fd, rx->asid, VHOST_IOTLB_INVALIDATE,
			     rx->iova, rx->len, NULL);
}

static int nothing_used(struct vq *vq)
{
	void *token;
	__u32 len;
	int r = vq->ops->get(vq, &token, &len);

	if (r > 0) {
		fail("vq %u: the device used a buffer (%u bytes written)",
		     vq->index, len);
		return -EIO;
	}
	return r;
}

/**
 * ab_invalidate() - a DMA to an invalidated range sets NEEDS_RESET
 * @o: the command line
 *
 * Return: 0 or -errno.
 */
int ab_invalidate(const struct options *o)
{
	struct region rx = { 0 };
	struct net *n;
	int r, ms = 0;

	r = inv_start(&n, o, 0, &rx);
	if (!r)
		r = post_pattern(n, &rx);
	if (!r)
		r = invalidate(n, &rx);
	if (!r)
		r = ab_send(n, 1);
	if (!r)
		r = vq_kick(&n->rx);
	if (!r)
		r = ab_wait_reset(n, &ms);
	if (!r)
		r = nothing_used(&n->rx);
	net_close(n);
	if (!r)
		r = ab_untouched(rx.va, rx.len, "invalidated receive buffer");
	region_destroy(&rx);
	if (!r)
		ab_sum("frame into a receive buffer invalidated (no batch): NEEDS_RESET after %d ms, nothing used, buffer unchanged",
		       ms);
	return r;
}

static int batch_msg(struct net *n, __u8 type)
{
	return iotlb_checked(n->d.fd, 0, type, 0, 0, NULL);
}

/* Clear IOTLB_BATCH, keeping the other backend features. */
static int batch_clear_feature(struct net *n)
{
	__u64 f = n->d.backend & ~BIT64(VHOST_BACKEND_F_IOTLB_BATCH);
	int r;

	r = xioctl(n->d.fd, VHOST_SET_BACKEND_FEATURES, &f,
		   "VHOST_SET_BACKEND_FEATURES(without IOTLB_BATCH)");
	if (!r) {
		n->d.backend = f;
		n->d.batch = false;
	}
	return r;
}

/* VmPin once the rings and X are mapped: everything mapped, pinned. */
static int pinned_kb(const struct net *n, const struct region *rx,
		     long before, long *kb)
{
	*kb = before + (long)((n->mem.len + rx->len) >> 10);
	return ab_pin_is(*kb, "with the rings and receive buffer X mapped");
}

/*
 * In a batch, X invalidated: still pinned; IOTLB_BATCH cleared: the batch
 * is committed, X unpinned; a new buffer Y mapped then takes effect at
 * once (a frame arrives in it); X never written.
 */
static int batch_cleared(const struct options *o)
{
	struct region x = { 0 }, y = { 0 };
	struct vm_kb v0;
	struct net *n = NULL;
	long kb = 0, xkb = RX_REGION >> 10;
	int r;

	r = vm_read(&v0);
	if (!r)
		r = inv_start(&n, o, BIT64(VHOST_BACKEND_F_IOTLB_BATCH), &x);
	if (!r)
		r = pinned_kb(n, &x, v0.pin, &kb);
	if (!r) {
		memset(x.va, AB_PATTERN, x.len);
		r = batch_msg(n, VHOST_IOTLB_BATCH_BEGIN);
	}
	if (!r)
		r = invalidate(n, &x);
	if (!r)
		r = ab_pin_is(o->dma_map ? kb - xkb : kb,
			      "after INVALIDATE of X inside a batch");
	if (!r)
		r = batch_clear_feature(n);
	if (!r)
		r = ab_pin_is(kb - xkb, "after IOTLB_BATCH was cleared in the batch");
	if (!r)
		r = own_rx(n, &y, RX2_IOVA);
	if (!r)
		r = ab_pin_is(kb - xkb + (RX_REGION >> 10), "after UPDATE of Y");
	if (!r)
		r = ab_roundtrip(n, &y, y.va, 1);
	net_close(n);
	if (!r)
		r = ab_untouched(x.va, x.len, "receive buffer X, invalidated");
	region_destroy(&x);
	region_destroy(&y);
	if (r)
		fail("invalidate-batch: IOTLB_BATCH cleared inside a batch");
	return r;
}

/* A frame sent while the batch holds X: 1 consumed, 0 NEEDS_RESET. */
static int batch_frame(struct net *n)
{
	void *token;
	__u32 len;
	int r;

	r = ab_send(n, 1);
	if (!r)
		r = vq_kick(&n->rx);
	if (!r)
		r = ab_wait_used(n, &n->tx, &token, &len);
	if (r == 1 && token != n->txbuf) {
		fail("tx used token %p, want %p", token, n->txbuf);
		r = -EIO;
	}
	return r;
}

/*
 * X posted, then in a batch invalidated and munmap()ed: still pinned while
 * the device may use it; BATCH_END unpins it.  *@used: the frame sent
 * meanwhile was consumed (1) or the device set NEEDS_RESET (0).
 */
static int batch_ended(const struct options *o, int *used)
{
	struct region x = { 0 };
	struct vm_kb v0;
	struct net *n = NULL;
	long kb = 0;
	int r;

	r = vm_read(&v0);
	if (!r)
		r = inv_start(&n, o, BIT64(VHOST_BACKEND_F_IOTLB_BATCH), &x);
	if (!r)
		r = pinned_kb(n, &x, v0.pin, &kb);
	if (!r)
		r = post_pattern(n, &x);
	if (!r)
		r = batch_msg(n, VHOST_IOTLB_BATCH_BEGIN);
	if (!r)
		r = invalidate(n, &x);
	region_destroy(&x);
	if (!r)
		r = ab_pin_is(o->dma_map ? kb - (RX_REGION >> 10) : kb,
			      "after INVALIDATE and munmap() of X in a batch");
	if (!r) {
		r = batch_frame(n);
		*used = r;
	}
	if (r >= 0)
		r = batch_msg(n, VHOST_IOTLB_BATCH_END);
	if (!r)
		r = ab_pin_is(kb - (RX_REGION >> 10), "after BATCH_END");
	net_close(n);
	if (r)
		fail("invalidate-batch: INVALIDATE and munmap() inside a batch");
	return r;
}

/**
 * ab_invalidate_batch() - pins and mappings of a batch live until it ends
 * @o: the command line
 *
 * Each half on a fresh open; clearing IOTLB_BATCH first.
 *
 * Return: 0 or -errno.
 */
int ab_invalidate_batch(const struct options *o)
{
	int r, used = -1;

	r = batch_cleared(o);
	if (!r)
		r = batch_ended(o, &used);
	if (!r)
		ab_sum("X (%u kB) pinned until IOTLB_BATCH was cleared, Y mapped at once and got its frame; X pinned after munmap() until BATCH_END, frame meanwhile: %s",
		       RX_REGION >> 10, used ? "consumed" : "NEEDS_RESET");
	return r;
}

/**
 * struct bad_update - an IOTLB update that must fail with EINVAL
 * @what: its description
 * @iova: IOVA, unless @valid_iova
 * @size: bytes
 * @uaddr: user address, unless @valid_uaddr
 * @valid_iova: use the valid buffer's IOVA
 * @valid_uaddr: use the valid buffer's user address
 */
struct bad_update {
	const char *what;
	__u64 iova;
	__u64 size;
	__u64 uaddr;
	bool valid_iova;
	bool valid_uaddr;
};

static const struct bad_update bad_updates[] = {
	{ "iova 0, size 2^64-1, uaddr 0", 0, ~0ULL, 0, false, false },
	{ "iova 0, size 2^63, uaddr 0x1000", 0, 1ULL << 63, 0x1000, false,
	  false },
	{ "iova 2^64-4096, size 8192, uaddr valid", -4096ULL, 8192, 0, false,
	  true },
	{ "iova 0x1000, size 0, uaddr valid", 0x1000, 0, 0, false, true },
	{ "iova valid, size 4096, uaddr 2^64-4096", 0, 4096, -4096ULL, true,
	  false },
};

/* Each of bad_updates[] fails with EINVAL and leaves VmPin at @kb. */
static int wrap_refused(struct net *n, const struct region *v, long kb)
{
	const struct bad_update *u;
	unsigned int i;
	__u64 iova, uaddr;
	int r;

	for (i = 0; i < ARRAY_SIZE(bad_updates); i++) {
		u = &bad_updates[i];
		iova = u->valid_iova ? v->iova : u->iova;
		uaddr = u->valid_uaddr ? (__u64)(uintptr_t)v->va : u->uaddr;
		r = iotlb_msg(n->d.fd, 0, VHOST_IOTLB_UPDATE, iova, u->size,
			      (const void *)(uintptr_t)uaddr, VHOST_ACCESS_RW);
		diag("size-wrap: UPDATE %s: %s", u->what, errname(r));
		if (r != -EINVAL) {
			fail("UPDATE %s: %s, want EINVAL", u->what,
			     r ? errname(r) : "succeeded");
			return -EIO;
		}
		r = ab_pin_is(kb, u->what);
		if (r)
			return r;
	}
	return 0;
}

/* The 64 KiB buffer maps at @iova and unmaps, VmPin up by 64 kB and back. */
static int wrap_mappable(struct net *n, const struct region *v, __u64 iova,
			 long kb)
{
	int r;

	r = iotlb_checked(n->d.fd, 0, VHOST_IOTLB_UPDATE, iova, v->len, v->va);
	if (!r)
		r = ab_pin_is(kb + (long)(v->len >> 10),
			      "after a valid 64 KiB UPDATE");
	if (!r)
		r = iotlb_checked(n->d.fd, 0, VHOST_IOTLB_INVALIDATE, iova,
				  v->len, NULL);
	if (!r)
		r = ab_pin_is(kb, "after its INVALIDATE");
	if (r)
		fail("size-wrap: 64 KiB at IOVA %#llx after the refused updates",
		     (unsigned long long)iova);
	return r;
}

/**
 * ab_size_wrap() - updates that wrap or are no user range: EINVAL
 * @o: the command line
 *
 * Then the IOVAs they named are still mappable.
 *
 * Return: 0 or -errno.
 */
int ab_size_wrap(const struct options *o)
{
	struct region v = { 0 };
	struct vm_kb v0;
	struct net *n;
	bool zero;
	int r;

	r = ab_open(&n, o, 0);
	if (!r)
		r = ab_negotiate(n, 0, 0);
	if (!r)
		r = region_create(&v, WRAP_LEN, AB_IOVA, 0);
	if (!r)
		r = vm_read(&v0);
	if (!r)
		r = wrap_refused(n, &v, v0.pin);
	zero = !r && n->d.range.first == 0;
	if (zero)
		r = wrap_mappable(n, &v, 0, v0.pin);
	if (!r)
		r = wrap_mappable(n, &v, v.iova, v0.pin);
	net_close(n);
	region_destroy(&v);
	if (!r)
		ab_sum("%zu wrapping or non-user updates refused with EINVAL, VmPin %ld kB throughout; 64 KiB maps at IOVA %s%#llx",
		       ARRAY_SIZE(bad_updates), v0.pin, zero ? "0 and " : "",
		       (unsigned long long)AB_IOVA);
	return r;
}
