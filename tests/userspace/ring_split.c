// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa_user: the split virtqueue layout, driver side.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "vdpa_user.h"

static void split_sizes(__u16 num, size_t *desc, size_t *drv, size_t *dev)
{
	*desc = sizeof(struct vring_desc) * num;
	/* flags, idx, ring[num], used_event */
	*drv = sizeof(__u16) * (3 + num);
	/* flags, idx, ring[num], avail_event */
	*dev = sizeof(__u16) * 3 + sizeof(struct vring_used_elem) * num;
}

static void split_init(struct vq *vq)
{
	struct vring_desc *desc = vq->desc;
	__u16 i;

	for (i = 0; i < vq->num; i++)
		desc[i].next = htole16(i + 1 < vq->num ? i + 1 : 0);
	vq->free_head = 0;
	vq->num_free = vq->num;
	vq->avail_idx = 0;
	vq->used_idx = 0;
}

static int split_add(struct vq *vq, const struct vq_buf *b, unsigned int n,
		     void *token)
{
	struct vring_desc *desc = vq->desc;
	struct vring_avail *avail = vq->drv;
	__u16 head = vq->free_head, i = head, last = head;
	unsigned int k;

	if (!n || vq->num_free < n)
		return -ENOSPC;
	for (k = 0; k < n; k++) {
		desc[i].addr = htole64(b[k].iova);
		desc[i].len = htole32(b[k].len);
		desc[i].flags = htole16((b[k].write ? VRING_DESC_F_WRITE : 0) |
					(k + 1 < n ? VRING_DESC_F_NEXT : 0));
		last = i;
		i = le16toh(desc[i].next);
	}
	vq->free_head = le16toh(desc[last].next);
	vq->num_free -= n;
	vq->tokens[head] = token;
	avail->ring[vq->avail_idx % vq->num] = htole16(head);
	/* The entry before the index that publishes it. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	vq->avail_idx++;
	__atomic_store_n(&avail->idx, htole16(vq->avail_idx), __ATOMIC_RELAXED);
	vq->posted++;
	return 0;
}

/* Put the chain starting at @head back on the free list. */
static void split_free(struct vq *vq, __u16 head)
{
	struct vring_desc *desc = vq->desc;
	__u16 i = head, n = 1;

	while (le16toh(desc[i].flags) & VRING_DESC_F_NEXT) {
		i = le16toh(desc[i].next);
		n++;
	}
	desc[i].next = htole16(vq->free_head);
	vq->free_head = head;
	vq->num_free += n;
}

static int split_get(struct vq *vq, void **token, __u32 *len)
{
	struct vring_used *used = vq->dev;
	struct vring_used_elem *e;
	__u16 dev_idx;
	__u32 id;

	dev_idx = le16toh(__atomic_load_n(&used->idx, __ATOMIC_RELAXED));
	if (dev_idx == vq->used_idx)
		return 0;
	if ((__u16)(dev_idx - vq->used_idx) > vq->num) {
		fail("vq %u: used->idx %u jumped past %u", vq->index, dev_idx,
		     vq->used_idx);
		return -EIO;
	}
	/* Read the entry only after seeing the index that covers it. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	e = &used->ring[vq->used_idx % vq->num];
	id = le32toh(e->id);
	if (id >= vq->num || !vq->tokens[id]) {
		fail("vq %u: device used descriptor %u, not in flight",
		     vq->index, id);
		return -EIO;
	}
	*len = le32toh(e->len);
	*token = vq->tokens[id];
	vq->tokens[id] = NULL;
	split_free(vq, id);
	vq->used_idx++;
	vq->done++;
	return 1;
}

static __u32 split_base(const struct vq *vq)
{
	(void)vq;
	return 0;
}

/* Between the buffers seen used and those made available (mod 2^16). */
static bool split_base_ok(const struct vq *vq, __u32 base)
{
	__u16 lo = vq->done, hi = vq->posted;

	if (base > 0xffff)
		return false;
	return (__u16)(base - lo) <= (__u16)(hi - lo);
}

const struct ring_ops ring_split_ops = {
	.name = "split",
	.sizes = split_sizes,
	.init = split_init,
	.add = split_add,
	.get = split_get,
	.base = split_base,
	.base_ok = split_base_ok,
};
