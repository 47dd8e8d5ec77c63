/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Device-side virtqueue library: the device half of a split or packed
 * virtqueue, with every guest address translated through an IOTLB.
 *
 * Private to the simulator modules; vdpa_sim.ko exports it.
 */
#ifndef _VDPA_SIM_RING_H
#define _VDPA_SIM_RING_H

#include <linux/atomic.h>
#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/uio.h>
#include <linux/vhost_iotlb.h>
#include <uapi/linux/virtio_ring.h>

struct vdpa_dirty_log;
struct vdpa_vq_state;

/**
 * DOC: Device-side virtqueues
 *
 * A &struct vdring is the device's view of one virtqueue. The device pops
 * buffers the driver made available (vdring_pop()), reads and writes their
 * data through a &struct vdring_iov of translated kernel addresses, gives
 * them back as used (vdring_push()), publishes a batch of used buffers
 * (vdring_publish()) and asks whether the driver wants to be told
 * (vdring_need_notify()).
 *
 * Both layouts are handled behind one set of calls: the split ring
 * (descriptor table, available ring, used ring) and the packed ring (one
 * descriptor ring, two event-suppression structures). Indirect descriptor
 * tables, %VIRTIO_RING_F_EVENT_IDX, notification suppression in both
 * directions and %VIRTIO_F_IN_ORDER are supported. Only the little-endian
 * (%VIRTIO_F_VERSION_1) format is: the simulator requires VERSION_1.
 *
 * Address translation: every address the driver wrote (ring areas,
 * descriptor buffers, indirect tables) is an I/O virtual address of the
 * queue's address space, a &struct vdring_map. It is either passthrough
 * (IOVA == physical address, the DMA API's view of a device without an
 * IOMMU) or a &struct vhost_iotlb whose entries map IOVA ranges to physical
 * addresses with read/write permissions. A range may span several IOTLB
 * entries; it then becomes several segments. Physical addresses are
 * reached through the kernel's direct map, so the library needs a kernel
 * without highmem.
 *
 * Robustness: the driver (a guest, a userspace process) is not trusted.
 * Descriptor-chain walks are bounded by the queue size (a loop is reported,
 * never followed forever), every index is range-checked, descriptor
 * lengths may not overflow a chain's 32-bit total, every address must be
 * mapped with the permission its use needs, and descriptors are copied
 * once before use. Any violation makes the call return a negative errno
 * and marks the ring broken (vdring_is_broken()): later calls fail with
 * -EIO until vdring_setup() or vdring_reset(). The caller (the simulator
 * core) then sets %VIRTIO_CONFIG_S_NEEDS_RESET and raises a config
 * interrupt.
 *
 * Concurrency: a &struct vdring has no lock of its own. Its owner
 * serialises every call on one ring (the simulator holds the queue's
 * mutex) and keeps the &struct vdring_map stable for the duration of a
 * call and for as long as it uses the segments of a popped buffer (the
 * simulator holds its address space's rw_semaphore for reading). When a
 * map changes, its owner bumps &vdring_map.gen under its write lock; rings
 * then re-resolve their cached ring-area pointers on their next call.
 */

/**
 * DOC: Dirty-page logging
 *
 * For live migration, every store the device makes into driver memory
 * through a ring can be reported to a &struct vdpa_dirty_log, the one set
 * in &vdring_map.log of the ring's address space (NULL: nothing is
 * reported). The owner changes &vdring_map.log the way it changes the
 * mappings: under its write lock, so that once the change is made no
 * call on a ring of that space still uses the old log.
 *
 * What the library reports by itself, each store right after it is made
 * and after a write barrier (so that the store is visible before the
 * report is): every store into a queue's device area (split: the used
 * ring's flags, entries, index and available event index; packed: the
 * device event suppression structure), with
 * &vdpa_dirty_log.write_used (queue &vdring_config.index, offset from
 * &vdring_config.device_addr); the descriptors a packed ring writes back,
 * with &vdpa_dirty_log.write at their IOVA.
 *
 * What its users report: the bytes they store into a buffer's writable
 * segments, with vdring_log_in() after the store (also for buffers they
 * later give back with vdring_unpop() or never push). Each segment of a
 * &struct vdring_iov carries its IOVA (&vdring_iov.iova); pieces of a
 * range are merged into one segment only if they are contiguous in the
 * kernel's direct map and in IOVA, so a segment is one run of both, and
 * vdring_log_in() reports one &vdpa_dirty_log.write per segment touched,
 * with &vdring_map.asid.
 *
 * Cost without a log: one test of &vdring_map.log per store site (in a
 * cache line every call already reads) and one IOVA stored per segment.
 */

/**
 * struct vdring_map - an address space as a ring sees it
 * @iotlb: IOVA to physical translations with %VHOST_MAP_RO/%VHOST_MAP_WO
 *         permissions; unused when @passthrough
 * @passthrough: every IOVA is the physical address itself, with read and
 *               write permission (no IOTLB)
 * @gen: bumped by the owner on every change of @iotlb or @passthrough
 * @log: where the device's stores through rings of this space are
 *       reported, or NULL (see "Dirty-page logging"); changed by the owner
 *       like @iotlb, read by every call that stores
 * @asid: the address space's number, passed to &vdpa_dirty_log.write
 * @log_writes: &vdpa_dirty_log.write calls made for this space
 * @log_used: &vdpa_dirty_log.write_used calls made for this space
 */
struct vdring_map {
	struct vhost_iotlb *iotlb;
	bool passthrough;
	unsigned long gen;
	struct vdpa_dirty_log *log;
	u32 asid;
	atomic64_t log_writes;
	atomic64_t log_used;
};

/**
 * struct vdring_iov - the data segments of one buffer, translated
 * @vec: the segments: first @out_num device-readable ones, then @in_num
 *       device-writable ones
 * @out_num: number of readable segments
 * @in_num: number of writable segments
 * @out_len: total bytes readable
 * @in_len: total bytes writable
 * @max: capacity of @vec and @iova (grow on demand up to %VDRING_IOV_MAX)
 * @iova: the IOVA of each segment's first byte (a segment is contiguous
 *        in IOVA too)
 * @nowait: set by the owner while it fills the list where it must not
 *          sleep: growing then allocates with %GFP_NOWAIT, and a call
 *          that cannot grow fails with -ENOMEM (the ring is not broken)
 *
 * Initialise with vdring_iov_init(), free with vdring_iov_free(). Read the
 * readable part with an iov_iter from vdring_iov_iter_out() and fill the
 * writable part through one from vdring_iov_iter_in(), then report what
 * was written with vdring_log_in().
 */
struct vdring_iov {
	struct kvec *vec;
	u64 *iova;
	unsigned int out_num;
	unsigned int in_num;
	u32 out_len;
	u32 in_len;
	unsigned int max;
	bool nowait;
};

/* Most segments one buffer may have; more is treated as malformed. */
#define VDRING_IOV_MAX	4096

/**
 * struct vdring_elem - a buffer popped from a ring, to be pushed back
 * @id: the buffer's identity (split: head descriptor index; packed:
 *      buffer id)
 * @ndesc: ring slots it took (packed: descriptors in the ring, 1 for an
 *         indirect buffer; split: descriptors in the chain)
 */
struct vdring_elem {
	u16 id;
	u16 ndesc;
};

/**
 * struct vdring_config - how a ring is laid out, from the driver's setup
 * @num: queue size (power of two for split rings; 1..32768)
 * @desc_addr: IOVA of the descriptor table / packed descriptor ring
 * @driver_addr: IOVA of the available ring / driver event suppression
 * @device_addr: IOVA of the used ring / device event suppression
 * @packed: %VIRTIO_F_RING_PACKED negotiated
 * @event_idx: %VIRTIO_RING_F_EVENT_IDX negotiated
 * @indirect: %VIRTIO_RING_F_INDIRECT_DESC negotiated
 * @in_order: %VIRTIO_F_IN_ORDER negotiated
 * @index: the queue's index in its device, for &vdpa_dirty_log.write_used
 */
struct vdring_config {
	u32 num;
	u64 desc_addr;
	u64 driver_addr;
	u64 device_addr;
	bool packed;
	bool event_idx;
	bool indirect;
	bool in_order;
	u16 index;
};

/**
 * struct vdring - the device side of one virtqueue
 * @cfg: layout, from vdring_setup()
 * @map: the address space the ring's addresses belong to
 *
 * The remaining members are private to the library.
 */
struct vdring {
	struct vdring_config cfg;
	struct vdring_map *map;

	/* private: */
	unsigned long map_gen;		/* @map->gen the pointers below match */
	void *area[3];			/* desc, driver, device areas */
	void *vmapped[3];		/* vmap()ed areas to vunmap() */
	void *indirect_buf;		/* copy of an indirect table */
	u32 indirect_size;		/* bytes @indirect_buf can hold */
	u16 last_avail_idx;		/* split: free-running; packed: slot */
	u16 last_used_idx;		/* split: free-running; packed: slot */
	u16 shadow_used_idx;		/* split: used idx not yet published */
	u16 signalled_used;		/* split: used idx at the last need_notify
					 * check; packed: slots written since
					 */
	bool signalled_used_valid;
	bool avail_wrap;		/* packed: driver ring wrap counter */
	bool used_wrap;			/* packed: device ring wrap counter */
	bool held;			/* packed: a used descriptor awaits */
	u16 held_slot;			/* ... its flags, written at publish */
	__le16 held_flags;
	bool broken;
	const char *why;		/* what broke it, for the log */
};

int vdring_setup(struct vdring *r, const struct vdring_config *cfg,
		 struct vdring_map *map);
void vdring_release(struct vdring *r);
void vdring_reset(struct vdring *r);
int vdring_set_map(struct vdring *r, struct vdring_map *map);

int vdring_pop(struct vdring *r, struct vdring_iov *iov,
	       struct vdring_elem *elem);
void vdring_unpop(struct vdring *r, const struct vdring_elem *elem);
int vdring_push(struct vdring *r, const struct vdring_elem *elem, u32 len);
int vdring_publish(struct vdring *r);
bool vdring_need_notify(struct vdring *r);
int vdring_notify_disable(struct vdring *r);
int vdring_notify_enable(struct vdring *r);
bool vdring_is_broken(const struct vdring *r);
bool vdring_is_prepared(const struct vdring *r);
const char *vdring_broken_reason(const struct vdring *r);

void vdring_get_state(const struct vdring *r, bool packed,
		      struct vdpa_vq_state *state);
int vdring_set_state(struct vdring *r, bool packed,
		     const struct vdpa_vq_state *state);

int vdring_iov_init(struct vdring_iov *iov, unsigned int max);
void vdring_iov_free(struct vdring_iov *iov);
void vdring_iov_iter_out(struct vdring_iov *iov, struct iov_iter *iter);
void vdring_iov_iter_in(struct vdring_iov *iov, struct iov_iter *iter);
int vdring_translate(struct vdring_map *map, u64 iova, u64 len, u32 perm,
		     struct vdring_iov *iov);
void __vdring_log_in(struct vdring *r, const struct vdring_iov *iov,
		     size_t off, size_t len);

/**
 * vdring_log_in() - report stores into a buffer's writable segments
 * @r: the ring the buffer was popped from
 * @iov: the buffer's segments
 * @off: offset of the first byte stored, from the start of the writable
 *       part
 * @len: bytes stored from there (clamped to the writable part)
 *
 * Call after storing (the report follows a write barrier). Without a log
 * on the ring's address space this is one test; with one, each writable
 * segment the range touches is reported with &vdpa_dirty_log.write.
 *
 * Context: as for the calls on @r (the address space is held stable).
 */
static inline void vdring_log_in(struct vdring *r,
				 const struct vdring_iov *iov, size_t off,
				 size_t len)
{
	if (unlikely(r->map->log))
		__vdring_log_in(r, iov, off, len);
}

#endif /* _VDPA_SIM_RING_H */
