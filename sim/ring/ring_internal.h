/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private to the device-side ring library under sim/ring: what the memory
 * side (access.c) offers the dispatcher (ring.c) and the two layouts
 * (split.c, packed.c), and what the layouts offer the dispatcher.
 */
#ifndef _VDPA_SIM_RING_INTERNAL_H
#define _VDPA_SIM_RING_INTERNAL_H

#include <asm/byteorder.h>
#include <linux/virtio_byteorder.h>
#include <vdpa_sim/ring.h>

/**
 * enum vdring_area - the three areas of a virtqueue (indices of &vdring.area)
 * @VDRING_AREA_DESC: descriptor table / packed descriptor ring
 * @VDRING_AREA_DRIVER: available ring / driver event suppression
 * @VDRING_AREA_DEVICE: used ring / device event suppression
 * @VDRING_NR_AREAS: how many there are
 */
enum vdring_area {
	VDRING_AREA_DESC,
	VDRING_AREA_DRIVER,
	VDRING_AREA_DEVICE,
	VDRING_NR_AREAS,
};

/*
 * The split ring's fields are __virtio types; only the little-endian
 * (VERSION_1) format exists here.
 */
static inline u16 vd16_to_cpu(__virtio16 v)
{
	return __virtio16_to_cpu(true, v);
}

static inline u32 vd32_to_cpu(__virtio32 v)
{
	return __virtio32_to_cpu(true, v);
}

static inline u64 vd64_to_cpu(__virtio64 v)
{
	return __virtio64_to_cpu(true, v);
}

static inline __virtio16 cpu_to_vd16(u16 v)
{
	return __cpu_to_virtio16(true, v);
}

static inline __virtio32 cpu_to_vd32(u32 v)
{
	return __cpu_to_virtio32(true, v);
}

/**
 * struct vdring_buf - one descriptor's buffer, as read from the ring
 * @addr: IOVA of the buffer
 * @len: its length in bytes
 * @write: the device writes it (%VRING_DESC_F_WRITE)
 */
struct vdring_buf {
	u64 addr;
	u32 len;
	bool write;
};

/**
 * struct vdring_layout - where one ring area is and what it needs
 * @addr: its IOVA
 * @size: its size in bytes
 * @perm: the access the device needs (``VHOST_MAP_*``)
 * @align: its required alignment
 */
struct vdring_layout {
	u64 addr;
	u64 size;
	u32 perm;
	u32 align;
};

/* access.c: the memory side */
void vdring_layout(const struct vdring_config *cfg, enum vdring_area i,
		   struct vdring_layout *l);
void vdring_unmap_areas(struct vdring *r);
int vdring_fail(struct vdring *r, int err, const char *why);
int vdring_prepare(struct vdring *r);
int vdring_add_buf(struct vdring *r, struct vdring_iov *iov,
		   const struct vdring_buf *buf);
int vdring_load_indirect(struct vdring *r, u64 addr, u32 len,
			 unsigned int *count, bool nowait);
void __vdring_log_area(struct vdring *r, enum vdring_area i, u64 off,
		       u64 len);

/**
 * vdring_log_area() - report a store into a ring area
 * @r: the ring
 * @i: %VDRING_AREA_DEVICE or %VDRING_AREA_DESC (packed write-backs)
 * @off: offset of the store from the start of the area
 * @len: its length
 *
 * Call right after the store; without a log this is one test (see
 * "Dirty-page logging").
 */
static inline void vdring_log_area(struct vdring *r, enum vdring_area i,
				   u64 off, u64 len)
{
	if (unlikely(r->map->log))
		__vdring_log_area(r, i, off, len);
}

int vdring_split_pop(struct vdring *r, struct vdring_iov *iov,
		     struct vdring_elem *elem);
void vdring_split_unpop(struct vdring *r, const struct vdring_elem *elem);
int vdring_split_push(struct vdring *r, const struct vdring_elem *elem,
		      u32 len);
void vdring_split_publish(struct vdring *r);
bool vdring_split_need_notify(struct vdring *r);
void vdring_split_notify_disable(struct vdring *r);
int vdring_split_notify_enable(struct vdring *r);

int vdring_packed_pop(struct vdring *r, struct vdring_iov *iov,
		      struct vdring_elem *elem);
void vdring_packed_unpop(struct vdring *r, const struct vdring_elem *elem);
int vdring_packed_push(struct vdring *r, const struct vdring_elem *elem,
		       u32 len);
void vdring_packed_publish(struct vdring *r);
bool vdring_packed_need_notify(struct vdring *r);
void vdring_packed_notify_disable(struct vdring *r);
int vdring_packed_notify_enable(struct vdring *r);

#endif /* _VDPA_SIM_RING_INTERNAL_H */
