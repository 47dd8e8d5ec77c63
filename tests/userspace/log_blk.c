// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa_user: log, the blk case: block reads, a failing read, GET_ID and
 * a write, one request at a time, each with its data and status byte at
 * chosen places.
 *
 * Memory: 32 pages at 0x100000 (page 0: descriptors and driver area,
 * page 1: the device area alone, page 2: the request header, the data
 * and status bytes of each request in pages of their own), 4 pages at
 * 0x40000000.  The device writes the data of reads (as far as it got:
 * nothing for a read past the end) and the status byte, the last
 * writable byte of each request; it only reads the header and a write's
 * data.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_ids.h>

#include "log.h"

#define SECTOR 512U
#define LB_RING 64
#define LB_M_IOVA 0x100000ULL
#define LB_M_PAGES 32
#define LB_H_IOVA 0x40000000ULL
#define LB_H_PAGES 4
#define LB_HDR_OFF 0x2000U
#define LB_END_PAGE ((LB_H_IOVA >> LOG_SHIFT) + LB_H_PAGES)
#define LB_UNSET 0xee
#define LB_CAP ~0ULL		/* the sector: the device's capacity */

enum { M, H };

/**
 * struct lb_piece - a piece of a request's data
 * @reg: M or H
 * @off: offset in it
 * @len: bytes
 */
struct lb_piece {
	int reg;
	__u32 off, len;
};

/**
 * struct lb_req - one request and what the device must do with it
 * @name: for the messages
 * @type: VIRTIO_BLK_T_*
 * @sector: its sector (LB_CAP: the first one past the end)
 * @data: its data pieces (device-writable but for VIRTIO_BLK_T_OUT)
 * @ndata: how many
 * @sreg: region of the status byte
 * @soff: its offset (ignored with @status_in_data)
 * @status_in_data: the status is the byte after the last data piece, in
 *		    the same descriptor
 * @status: the status the device must return
 * @written: data bytes the device writes
 */
struct lb_req {
	const char *name;
	__u32 type;
	__u64 sector;
	struct lb_piece data[2];
	unsigned int ndata;
	int sreg;
	__u32 soff;
	bool status_in_data;
	__u8 status;
	__u32 written;
};

static const struct lb_req lb_reqs[] = {
	{ "write 8 sectors (only read by the device)", VIRTIO_BLK_T_OUT, 0,
	  { { M, 0x8000, 4096 } }, 1, M, 0x14000, false, VIRTIO_BLK_S_OK, 0 },
	{ "read 8 sectors into one page", VIRTIO_BLK_T_IN, 0,
	  { { M, 0xa000, 4096 } }, 1, M, 0x15000 + 100, false,
	  VIRTIO_BLK_S_OK, 4096 },
	{ "read a sector across a page boundary", VIRTIO_BLK_T_IN, 3,
	  { { M, 0xc000 + 3840, 512 } }, 1, M, 0x15000 + 200, false,
	  VIRTIO_BLK_S_OK, 512 },
	{ "read 2 sectors at 1 GiB, status on the last byte of a page",
	  VIRTIO_BLK_T_IN, 1, { { H, 0x1000, 1024 } }, 1, H, 0x3000 + 4095,
	  false, VIRTIO_BLK_S_OK, 1024 },
	{ "read past the end: no data, the status", VIRTIO_BLK_T_IN, LB_CAP,
	  { { M, 0xe000, 512 } }, 1, M, 0x16000 + 4095, false,
	  VIRTIO_BLK_S_IOERR, 0 },
	{ "GET_ID across a page boundary", VIRTIO_BLK_T_GET_ID, 0,
	  { { M, 0x10000 + 4090, VIRTIO_BLK_ID_BYTES } }, 1, M, 0x17000, false,
	  VIRTIO_BLK_S_OK, VIRTIO_BLK_ID_BYTES },
	{ "read 2 sectors into two descriptors pages apart", VIRTIO_BLK_T_IN, 4,
	  { { M, 0x18000, 512 }, { M, 0x1a000, 512 } }, 2, M, 0x1b000 + 7,
	  false, VIRTIO_BLK_S_OK, 1024 },
	{ "read a sector, the status in its descriptor", VIRTIO_BLK_T_IN, 5,
	  { { M, 0x1c000 + 3700, 512 } }, 1, M, 0, true, VIRTIO_BLK_S_OK, 512 },
};

/**
 * struct lb - a virtio-blk device for the log case
 * @d: the device
 * @o: the command line
 * @m: the low memory
 * @h: the memory at 1 GiB
 * @vq: request queue 0
 * @capacity: sectors
 * @seed: tags the data this run wrote
 */
struct lb {
	struct vdev d;
	const struct options *o;
	struct region m, h;
	struct vq vq;
	__u64 capacity;
	__u32 seed;
};

static __u8 lb_byte(const struct lb *b, __u64 sector, __u32 i)
{
	return (__u8)((sector * 131) ^ (i * 7) ^ b->seed);
}

static __u8 *lb_va(struct lb *b, int reg, __u32 off)
{
	return (reg == M ? b->m.va : b->h.va) + off;
}

static __u64 lb_iova(const struct lb *b, int reg, __u32 off)
{
	return (reg == M ? b->m.iova : b->h.iova) + off;
}

/*
 * Negotiated with VHOST_F_LOG_ALL already in VHOST_SET_FEATURES before
 * FEATURES_OK (QEMU starting a device during a migration), no base yet;
 * memory mapped, the queue set up with F_LOG; not started.
 */
static int lb_setup(struct lb *b)
{
	__u64 need = BIT64(VIRTIO_F_VERSION_1) | BIT64(VIRTIO_F_ACCESS_PLATFORM) |
		     LOG_ALL;
	__u16 num = b->d.vq_num_max < LB_RING ? b->d.vq_num_max : LB_RING;
	int r;

	if (b->o->packed)
		need |= BIT64(VIRTIO_F_RING_PACKED);
	r = vdev_backend(&b->d, BIT64(VHOST_BACKEND_F_IOTLB_BATCH));
	if (!r)
		r = vdev_negotiate(&b->d, VIRTIO_ID_BLOCK, 0, need);
	if (!r)
		r = vdev_get_config(&b->d, 0, &b->capacity, sizeof(b->capacity));
	if (!r)
		r = region_create(&b->m, LB_M_PAGES * LOG_PAGE, LB_M_IOVA, 0);
	if (!r)
		r = region_create(&b->h, LB_H_PAGES * LOG_PAGE, LB_H_IOVA, 0);
	if (!r)
		r = log_ring_create(&b->vq, &b->m, 0, 0, num, b->o->packed);
	if (!r)
		r = region_map(&b->d, &b->m, 1);
	if (!r)
		r = region_map(&b->d, &b->h, 1);
	if (!r)
		r = vq_setup(&b->d, &b->vq);
	if (!r)
		r = log_want(log_vring_addr(&b->d, &b->vq, true, b->vq.dev_iova),
			     0, "SET_VRING_ADDR with F_LOG before DRIVER_OK");
	b->capacity = le64toh(b->capacity);
	return r;
}

static int lb_wait(struct lb *b, __u32 *len)
{
	struct vq *vq = &b->vq;
	void *tok;
	int r;

	while (!(r = vq->ops->get(vq, &tok, len))) {
		r = vq_wait(&vq, 1, b->o->timeout_ms);
		if (r < 0)
			return r;
		if (!r) {
			fail("blk: no completion in %d ms", b->o->timeout_ms);
			return -ETIMEDOUT;
		}
	}
	return r < 0 ? r : 0;
}

/* One request: status, used length and read data checked; @req gets its pages. */
static int lb_do(struct lb *b, const struct lb_req *q, struct pset *req)
{
	struct virtio_blk_outhdr *hdr = (void *)(b->m.va + LB_HDR_OFF);
	__u64 sector = q->sector == LB_CAP ? b->capacity : q->sector;
	struct vq_buf v[4];
	unsigned int n = 0, i;
	__u32 len, k, pos = 0;
	__u8 *status;
	int r;

	hdr->type = htole32(q->type);
	hdr->ioprio = 0;
	hdr->sector = htole64(sector);
	v[n++] = (struct vq_buf){ b->m.iova + LB_HDR_OFF, sizeof(*hdr), false };
	for (i = 0; i < q->ndata; i++) {
		const struct lb_piece *p = &q->data[i];
		__u8 *va = lb_va(b, p->reg, p->off);

		for (k = 0; k < p->len; k++)
			va[k] = q->type == VIRTIO_BLK_T_OUT ?
				lb_byte(b, sector + (pos + k) / SECTOR,
					(pos + k) % SECTOR) : LB_UNSET;
		pos += p->len;
		v[n++] = (struct vq_buf){ lb_iova(b, p->reg, p->off),
					  p->len + (q->status_in_data &&
						    i + 1 == q->ndata),
					  q->type != VIRTIO_BLK_T_OUT };
	}
	if (q->status_in_data) {
		const struct lb_piece *p = &q->data[q->ndata - 1];

		status = lb_va(b, p->reg, p->off + p->len);
	} else {
		status = lb_va(b, q->sreg, q->soff);
		v[n++] = (struct vq_buf){ lb_iova(b, q->sreg, q->soff), 1, true };
	}
	*status = LB_UNSET;
	r = b->vq.ops->add(&b->vq, v, n, hdr);
	if (!r)
		r = vq_kick(&b->vq);
	if (!r)
		r = lb_wait(b, &len);
	if (r)
		return r;
	if (*status != q->status || len != q->written + 1) {
		fail("blk: %s: status %#x, used length %u; want %#x and %u",
		     q->name, *status, len, q->status, q->written + 1);
		return -EIO;
	}
	for (i = 0, pos = 0; i < q->ndata; i++) {
		const struct lb_piece *p = &q->data[i];
		const __u8 *va = lb_va(b, p->reg, p->off);

		for (k = 0; k < p->len && q->type == VIRTIO_BLK_T_IN; k++) {
			__u8 want = q->written ? lb_byte(b, sector + (pos + k) / SECTOR,
							  (pos + k) % SECTOR) :
						 LB_UNSET;

			if (va[k] != want) {
				fail("blk: %s: data byte %u is %#x, want %#x",
				     q->name, pos + k, va[k], want);
				return -EIO;
			}
		}
		if (q->type != VIRTIO_BLK_T_OUT && pos < q->written)
			pset_add(req, lb_iova(b, p->reg, p->off),
				 q->written - pos < p->len ? q->written - pos :
							     p->len);
		pos += p->len;
	}
	pset_add(req, q->status_in_data ?
		 lb_iova(b, q->data[q->ndata - 1].reg,
			 q->data[q->ndata - 1].off + q->data[q->ndata - 1].len) :
		 lb_iova(b, q->sreg, q->soff), 1);
	return 0;
}

/* Every request once, then the log must be exact. */
static int lb_round(struct lb *b, struct dlog *l, const char *what)
{
	struct pset req = { 0 }, allow = { 0 };
	unsigned int i;
	int r;

	usleep(LOG_SETTLE_US);
	dlog_clear(l);
	r = pset_init(&req, LB_END_PAGE);
	if (!r)
		r = pset_init(&allow, LB_END_PAGE);
	for (i = 0; !r && i < ARRAY_SIZE(lb_reqs); i++)
		r = lb_do(b, &lb_reqs[i], &req);
	if (!r) {
		log_ring_pages(&b->vq, b->o->packed, true, b->vq.dev_iova,
			       &req, &allow);
		r = log_check(l, &req, &allow, what);
	}
	pset_free(&req);
	pset_free(&allow);
	return r;
}

/**
 * log_blk() - the blk case
 * @o: the command line
 *
 * VHOST_F_LOG_ALL negotiated before FEATURES_OK, the queue's F_LOG set
 * and VHOST_SET_LOG_BASE given before DRIVER_OK (QEMU's order when it
 * starts a device during a migration).  Then: every request once, the
 * log exact (the status byte of the read past the end logged, its data
 * page not); the base set to 0 (detached): the same requests set no bit
 * anywhere, debugfs counts them lost, the log is unpinned; a base at
 * offset 24 of a new log: exact again.
 *
 * Return: 0 or -errno.
 */
int log_blk(const struct options *o)
{
	struct dlog l1 = { 0 }, l2 = { 0 };
	struct lb b = { .o = o };
	long long lost0 = 0, lost1 = 0;
	struct pset none = { 0 };
	__u64 window;
	long pin = 0;
	int r;

	b.seed = (__u32)time(NULL) ^ (__u32)getpid();
	r = vdev_open(&b.d, o->dev);
	if (!r)
		r = log_offered(&b.d);
	if (!r)
		r = lb_setup(&b);
	if (!r && b.capacity < 16) {
		fail("blk: capacity %llu sectors, want 16 at least",
		     (unsigned long long)b.capacity);
		r = -EIO;
	}
	window = LB_END_PAGE;
	if (!r)
		r = dlog_create(&l1, dlog_pages_for(window, 0), 0);
	if (!r)
		r = dlog_create(&l2, dlog_pages_for(window, 24), 24);
	if (!r)
		r = log_pin_kb(&pin);
	if (!r)
		r = log_want(log_set_base(b.d.fd, dlog_base(&l1)), 0,
			     "SET_LOG_BASE before DRIVER_OK");
	if (!r)
		r = log_pin_is(pin + 4 * (long)log_pinned_pages(window, 0, l1.npages),
			       "with the log");
	if (!r)
		r = vdev_start(&b.d, "virtio-blk");
	if (!r)
		r = lb_round(&b, &l1, "blk round 1");
	if (!r)
		r = log_want(log_set_base(b.d.fd, NULL), 0,
			     "SET_LOG_BASE 0 (detach) while logging");
	if (!r)
		r = log_pin_is(pin, "after the log was detached");
	if (!r)
		r = log_debugfs(&b.d, "lost", &lost0);
	if (!r)
		r = pset_init(&none, LB_END_PAGE);
	if (!r) {
		dlog_clear(&l1);
		r = lb_do(&b, &lb_reqs[1], &none);
	}
	if (!r)
		r = log_check(&l1, &(struct pset){ 0 }, NULL,
			      "blk, detached (the old log)");
	if (!r)
		r = log_debugfs(&b.d, "lost", &lost1);
	if (!r && lost1 - lost0 < 2) {
		fail("blk: detached: debugfs lost %lld -> %lld, want 2 more at least (data and status pages)",
		     lost0, lost1);
		r = -EIO;
	}
	if (!r)
		r = log_want(log_set_base(b.d.fd, dlog_base(&l2)), 0,
			     "SET_LOG_BASE to a log at offset 24");
	if (!r)
		r = log_pin_is(pin + 4 * (long)log_pinned_pages(window, 24, l2.npages),
			       "with the second log");
	if (!r)
		r = lb_round(&b, &l2, "blk round 2 (base at offset 24)");
	vdev_close(&b.d);
	vq_destroy(&b.vq);
	region_destroy(&b.m);
	region_destroy(&b.h);
	dlog_destroy(&l1);
	dlog_destroy(&l2);
	pset_free(&none);
	if (!r)
		log_sum("%s ring: %zu requests twice, exact (data as far as written, every status byte, the read past the end: status only); detached: %lld pages lost, nothing set",
			o->packed ? "packed" : "split", ARRAY_SIZE(lb_reqs),
			lost1 - lost0);
	return r;
}
