// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa_user: the packed virtqueue layout, driver side.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "vdpa_user.h"

#define F_AVAIL BIT(VRING_PACKED_DESC_F_AVAIL)
#define F_USED BIT(VRING_PACKED_DESC_F_USED)
#define WRAP_BIT 0x8000U

static void packed_sizes(__u16 num, size_t *desc, size_t *drv, size_t *dev)
{
	*desc = sizeof(struct vring_packed_desc) * num;
	*drv = sizeof(struct vring_packed_desc_event);
	*dev = sizeof(struct vring_packed_desc_event);
}

/* Buffer ids are kept on a free list in vq->next. */
static void packed_init(struct vq *vq)
{
	__u16 i;

	for (i = 0; i < vq->num; i++)
		vq->next[i] = i + 1;
	vq->free_head = 0;
	vq->num_free = vq->num;
	vq->avail_idx = 0;
	vq->used_idx = 0;
	vq->avail_wrap = true;
	vq->used_wrap = true;
}

/* AVAIL/USED bits that mark a descriptor available in the current lap. */
static __u16 avail_flags(const struct vq *vq)
{
	return vq->avail_wrap ? F_AVAIL : F_USED;
}

static int packed_add(struct vq *vq, const struct vq_buf *b, unsigned int n,
		      void *token)
{
	struct vring_packed_desc *desc = vq->desc;
	__u16 id = vq->free_head, first = vq->avail_idx, first_flags = 0;
	unsigned int k;

	if (!n || vq->num_free < n)
		return -ENOSPC;
	for (k = 0; k < n; k++) {
		struct vring_packed_desc *d = &desc[vq->avail_idx];
		__u16 flags = avail_flags(vq) |
			(b[k].write ? VRING_DESC_F_WRITE : 0) |
			(k + 1 < n ? VRING_DESC_F_NEXT : 0);

		d->addr = htole64(b[k].iova);
		d->len = htole32(b[k].len);
		d->id = htole16(id);
		if (k)
			d->flags = htole16(flags);
		else
			first_flags = flags;
		if (++vq->avail_idx == vq->num) {
			vq->avail_idx = 0;
			vq->avail_wrap = !vq->avail_wrap;
		}
	}
	vq->free_head = vq->next[id];
	vq->num_free -= n;
	vq->chain[id] = n;
	vq->tokens[id] = token;
	/* The whole chain before the head's flags that publish it. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&desc[first].flags, htole16(first_flags),
			 __ATOMIC_RELAXED);
	vq->posted += n;
	return 0;
}

static int packed_get(struct vq *vq, void **token, __u32 *len)
{
	struct vring_packed_desc *d =
		&((struct vring_packed_desc *)vq->desc)[vq->used_idx];
	__u16 flags, id;
	bool avail, used;

	flags = le16toh(__atomic_load_n(&d->flags, __ATOMIC_RELAXED));
	avail = flags & F_AVAIL;
	used = flags & F_USED;
	if (avail != used || used != vq->used_wrap)
		return 0;
	/* Read id and len only after the flags that say they are valid. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	id = le16toh(d->id);
	if (id >= vq->num || !vq->tokens[id]) {
		fail("vq %u: device used buffer id %u, not in flight",
		     vq->index, id);
		return -EIO;
	}
	*len = le32toh(d->len);
	*token = vq->tokens[id];
	vq->tokens[id] = NULL;
	vq->used_idx += vq->chain[id];
	if (vq->used_idx >= vq->num) {
		vq->used_idx -= vq->num;
		vq->used_wrap = !vq->used_wrap;
	}
	vq->num_free += vq->chain[id];
	vq->done += vq->chain[id];
	vq->next[id] = vq->free_head;
	vq->free_head = id;
	return 1;
}

/* Slot 0, both wrap counters 1: avail in bits 0-15, used in 16-31. */
static __u32 packed_base(const struct vq *vq)
{
	(void)vq;
	return WRAP_BIT | (WRAP_BIT << 16);
}

/* Ring position (slot | wrap << 15) after @count descriptors. */
static __u16 packed_pos(const struct vq *vq, __u32 count)
{
	__u32 lap = count / vq->num;

	return (count % vq->num) | ((lap & 1) ? 0 : WRAP_BIT);
}

/* @pos is the position after some count in [vq->done, vq->posted]. */
static bool packed_pos_ok(const struct vq *vq, __u16 pos)
{
	__u32 c;

	for (c = vq->done; c != vq->posted + 1; c++)
		if (packed_pos(vq, c) == pos)
			return true;
	return false;
}

/*
 * Both halves of @base (next avail, next used) must be positions between
 * the descriptors seen used and those made available.
 */
static bool packed_base_ok(const struct vq *vq, __u32 base)
{
	return packed_pos_ok(vq, base & 0xffff) && packed_pos_ok(vq, base >> 16);
}

const struct ring_ops ring_packed_ops = {
	.name = "packed",
	.sizes = packed_sizes,
	.init = packed_init,
	.add = packed_add,
	.get = packed_get,
	.base = packed_base,
	.base_ok = packed_base_ok,
};
