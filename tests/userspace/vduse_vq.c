// SPDX-License-Identifier: GPL-2.0-only
/*
 * vduse_user: the device side of split virtqueues.  Rings and buffers are
 * reached through the IOTLB cache (vduse_iotlb.c); the driver's indices
 * are read with acquire and ours published with release ordering.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>

#include "vduse_user.h"

/* Translate [iova, iova + len) that must be contiguous in one mapping. */
static void *ring_area(struct vu_dev *d, uint64_t iova, uint64_t len,
		       const char *what, unsigned int index)
{
	size_t avail = 0;
	uint8_t *va = vu_iova(d, iova, len, &avail);

	if (!va || avail < len) {
		fail("vq %u: %s at 0x%llx (%llu bytes) is not mapped", index,
		     what, (unsigned long long)iova, (unsigned long long)len);
		return NULL;
	}
	return va;
}

/**
 * vu_vq_start() - pick up a queue the driver enabled
 * @d: device
 * @vq: queue (@vq->index set)
 * @reconnect: resume after another daemon: continue from the used index
 *
 * Reads the queue with VDUSE_VQ_GET_INFO, maps its rings and gives it a
 * kick eventfd.
 *
 * Return: 0 (also when the queue is not ready), -1 on error.
 */
int vu_vq_start(struct vu_dev *d, struct vu_vq *vq, bool reconnect)
{
	struct vduse_vq_info info = { .index = vq->index };
	struct vduse_vq_eventfd ev = { .index = vq->index };
	unsigned int n;

	vu_vq_stop(d, vq);
	if (xioctl(d->fd, VDUSE_VQ_GET_INFO, &info, "VDUSE_VQ_GET_INFO"))
		return -1;
	if (d->o->verbose)
		diag("vq %u: num %u ready %u desc 0x%llx avail_index %u",
		     vq->index, info.num, info.ready,
		     (unsigned long long)info.desc_addr,
		     info.split.avail_index);
	if (!info.ready || !info.num)
		return 0;
	n = info.num;
	if (n > 32768 || (n & (n - 1))) {
		fail("vq %u: ring size %u", vq->index, n);
		return -1;
	}
	vq->desc = ring_area(d, info.desc_addr, 16ULL * n, "descriptors",
			     vq->index);
	vq->avail = ring_area(d, info.driver_addr, 6 + 2ULL * n, "avail ring",
			      vq->index);
	vq->used = ring_area(d, info.device_addr, 6 + 8ULL * n, "used ring",
			     vq->index);
	if (!vq->desc || !vq->avail || !vq->used)
		return -1;
	vq->num = n;
	vq->last_avail = reconnect ?
		__atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE) :
		info.split.avail_index;
	vq->kickfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (vq->kickfd < 0) {
		fail("eventfd: %s", errname(errno));
		return -1;
	}
	ev.fd = vq->kickfd;
	if (xioctl(d->fd, VDUSE_VQ_SETUP_KICKFD, &ev, "VDUSE_VQ_SETUP_KICKFD"))
		return -1;
	vq->ready = true;
	return 0;
}

/**
 * vu_vq_stop() - forget a queue's rings and kick eventfd
 * @d: device
 * @vq: queue
 */
void vu_vq_stop(struct vu_dev *d, struct vu_vq *vq)
{
	(void)d;
	if (vq->kickfd >= 0)
		close(vq->kickfd);
	vq->kickfd = -1;
	vq->ready = false;
	vq->num = 0;
	vq->desc = NULL;
	vq->avail = NULL;
	vq->used = NULL;
}

/* Append [iova, iova + len) to @r, split where mappings end. */
static int add_seg(struct vu_dev *d, struct vu_req *r, uint64_t iova,
		   uint32_t len, bool write)
{
	while (len) {
		size_t avail = 0;
		uint8_t *va = vu_iova(d, iova, len, &avail);

		if (!va || !avail || r->nsegs == VU_MAX_SEGS)
			return -1;
		if (avail > len)
			avail = len;
		r->segs[r->nsegs++] = (struct vu_seg){ va, avail, write };
		if (write)
			r->in_len += avail;
		iova += avail;
		len -= avail;
	}
	return 0;
}

/**
 * vu_vq_get() - take the next available chain
 * @d: device
 * @vq: a ready queue
 * @r: filled with the chain
 *
 * Return: 1 a chain, 0 none available, -1 the ring holds garbage.
 */
int vu_vq_get(struct vu_dev *d, struct vu_vq *vq, struct vu_req *r)
{
	uint16_t idx = __atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE);
	unsigned int i, hops = 0;

	if (idx == vq->last_avail)
		return 0;
	if ((uint16_t)(idx - vq->last_avail) > vq->num) {
		fail("vq %u: avail index %u is %u ahead of %u", vq->index,
		     idx, (uint16_t)(idx - vq->last_avail), vq->last_avail);
		return -1;
	}
	r->head = vq->avail->ring[vq->last_avail % vq->num];
	r->nsegs = 0;
	r->in_len = 0;
	for (i = r->head;; i = vq->desc[i].next) {
		struct vring_desc *desc;

		if (i >= vq->num || ++hops > vq->num) {
			fail("vq %u: bad chain at head %u", vq->index, r->head);
			return -1;
		}
		desc = &vq->desc[i];
		if (desc->flags & VRING_DESC_F_INDIRECT) {
			fail("vq %u: indirect descriptor not negotiated",
			     vq->index);
			return -1;
		}
		if (add_seg(d, r, desc->addr, desc->len,
			    desc->flags & VRING_DESC_F_WRITE)) {
			fail("vq %u: buffer 0x%llx+%u is not mapped",
			     vq->index, (unsigned long long)desc->addr,
			     desc->len);
			return -1;
		}
		if (!(desc->flags & VRING_DESC_F_NEXT))
			break;
	}
	vq->last_avail++;
	return 1;
}

/**
 * vu_vq_put() - return a chain on the used ring
 * @d: device
 * @vq: its queue
 * @r: the chain
 * @written: bytes the device wrote into it
 */
void vu_vq_put(struct vu_dev *d, struct vu_vq *vq, struct vu_req *r,
	       uint32_t written)
{
	uint16_t idx = vq->used->idx;

	(void)d;
	vq->used->ring[idx % vq->num].id = r->head;
	vq->used->ring[idx % vq->num].len = written;
	__atomic_store_n(&vq->used->idx, (uint16_t)(idx + 1), __ATOMIC_RELEASE);
}

/**
 * vu_vq_irq() - VDUSE_VQ_INJECT_IRQ on a queue
 * @d: device
 * @vq: queue
 */
void vu_vq_irq(struct vu_dev *d, struct vu_vq *vq)
{
	__u32 index = vq->index;

	if (ioctl(d->fd, VDUSE_VQ_INJECT_IRQ, &index) < 0 && d->o->verbose)
		fail("VDUSE_VQ_INJECT_IRQ vq %u: %s", index,
		     errname(errno));
}

/* Copy between a chain's segments of one direction and a buffer. */
static size_t req_copy(struct vu_req *r, bool write, size_t off, uint8_t *buf,
		       size_t len)
{
	size_t done = 0;
	unsigned int i;

	for (i = 0; i < r->nsegs && done < len; i++) {
		struct vu_seg *s = &r->segs[i];
		size_t n;

		if (s->write != write)
			continue;
		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		n = s->len - off;
		if (n > len - done)
			n = len - done;
		if (write)
			memcpy(s->va + off, buf + done, n);
		else
			memcpy(buf + done, s->va + off, n);
		done += n;
		off = 0;
	}
	return done;
}

/**
 * vu_req_read() - copy from the device-readable part of a chain
 * @r: chain
 * @off: offset in the readable bytes
 * @buf: destination
 * @len: bytes wanted
 *
 * Return: bytes copied.
 */
size_t vu_req_read(struct vu_req *r, size_t off, void *buf, size_t len)
{
	return req_copy(r, false, off, buf, len);
}

/**
 * vu_req_write() - copy into the device-writable part of a chain
 * @r: chain
 * @off: offset in the writable bytes
 * @buf: source
 * @len: bytes
 *
 * Return: bytes copied.
 */
size_t vu_req_write(struct vu_req *r, size_t off, const void *buf, size_t len)
{
	return req_copy(r, true, off, (uint8_t *)buf, len);
}

/**
 * vu_req_out_len() - bytes the device may read from a chain
 * @r: chain
 *
 * Return: the sum of the readable segments.
 */
size_t vu_req_out_len(struct vu_req *r)
{
	size_t n = 0;
	unsigned int i;

	for (i = 0; i < r->nsegs; i++)
		if (!r->segs[i].write)
			n += r->segs[i].len;
	return n;
}
