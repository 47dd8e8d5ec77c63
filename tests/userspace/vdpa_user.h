/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vdpa_user: a userspace virtio driver over /dev/vhost-vdpa-N, the test
 * client of the vhost_vdpa module.  Shared declarations.
 */
#ifndef VDPA_USER_H
#define VDPA_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "util.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BIT(n) (1U << (n))
#define BIT64(n) (1ULL << (n))

/* Exit statuses: 0 success, 1 failure, 2 bad usage, 77 device lacks a
 * feature the test needs (the e2e scripts report it as a skip).
 */
#define EXIT_FAIL 1
#define EXIT_USAGE 2
#define EXIT_SKIP 77

/* Default IOVA of the first mapping, deliberately not the user address. */
#define IOVA_BASE 0x40000000ULL

/**
 * struct options - command line of every subcommand
 * @dev: path of the vhost-vdpa character device
 * @frames: net-loop: frames to send
 * @size: net-loop: Ethernet frame size in bytes (without the virtio header)
 * @sectors: blk-rw: sectors to write and read back
 * @mbytes: pin-check: size of the large mapping in MiB
 * @ring: requested ring size (clamped to the device maximum)
 * @packed: use the packed ring layout
 * @batch: wrap IOTLB updates in BATCH_BEGIN/END
 * @asid: net-loop: exercise the control vq in its own address space
 * @suspend_resume: net-loop: suspend and resume in the middle of the run
 * @stop_probe: net-loop: halfway, check that the device cannot be stopped
 *		(no SUSPEND/RESUME backend features, VHOST_VDPA_SUSPEND
 *		refused) and report VHOST_GET_VRING_BASE of the running queues
 * @doorbell: net-loop: kick through the mmap()ed doorbells, never the
 *	      kick eventfds
 * @timeout_ms: how long to wait for the device on each poll()
 * @verbose: print more diagnostics
 * @bench: net-loop: throughput mode: time the run and print frames/s;
 *	   frames are checked for length and sequence only, not byte by byte
 * @dirty_log: net-loop: run with vhost dirty-page logging on (the log
 *	       covering every mapped IOVA, both used rings logged): the cost
 *	       of logging in --bench mode, and the log checked non-empty
 * @dma_map: abuse: the device maps through dma_map/dma_unmap, which
 *	     forget a range at once, so an invalidated range is unpinned at
 *	     once even inside a batch
 * @expect_ours: misuse: expect our driver's errnos where they differ
 * @hold: doorbell, net-loop --doorbell: keep a doorbell mapped across a
 *	  line of standard input, then expect SIGBUS from a write to it
 * @case_name: abuse, log: the case to run
 * @seed: fuzz: seed of the random sequence
 * @ops: fuzz: number of operations (0: the default)
 * @threads: hammer: threads (0: the default)
 * @exec: stall: shell command to run while calls are stalled in faults;
 *	  share: command that removes the last device, while it is mapped
 * @backing: map-bench: 4k, thp or hugetlb
 * @also: map-bench, share: further devices (--also, up to 3)
 * @nalso: how many
 * @rounds: map-bench: rounds of map and unmap
 * @pin_once: share: a device mapping memory another device mapped pins
 *	      nothing (the kernel has MMU notifiers)
 */
struct options {
	const char *dev;
	unsigned int frames;
	unsigned int size;
	unsigned int sectors;
	unsigned int mbytes;
	unsigned int ring;
	bool packed;
	bool batch;
	bool asid;
	bool suspend_resume;
	bool stop_probe;
	bool doorbell;
	int timeout_ms;
	bool verbose;
	bool bench;
	bool dirty_log;
	bool dma_map;
	bool expect_ours;
	bool hold;
	const char *case_name;
	__u64 seed;
	unsigned int ops;
	unsigned int threads;
	const char *exec;
	const char *backing;
	const char *also[3];
	unsigned int nalso;
	unsigned int rounds;
	bool pin_once;
};

/**
 * struct vdev - one open vhost-vdpa device
 * @fd: the character device, owned (VHOST_SET_OWNER done)
 * @path: where it was opened
 * @device_id: virtio device id
 * @backend_offered: VHOST_GET_BACKEND_FEATURES
 * @backend: the backend features we acked
 * @offered: VHOST_GET_FEATURES
 * @features: what we negotiated
 * @nvqs: VHOST_VDPA_GET_VQS_COUNT
 * @vq_num_max: VHOST_VDPA_GET_VRING_NUM
 * @config_size: VHOST_VDPA_GET_CONFIG_SIZE
 * @range: VHOST_VDPA_GET_IOVA_RANGE
 * @batch: map with BATCH_BEGIN/END around the updates
 */
struct vdev {
	int fd;
	const char *path;
	__u32 device_id;
	__u64 backend_offered;
	__u64 backend;
	__u64 offered;
	__u64 features;
	__u32 nvqs;
	__u16 vq_num_max;
	__u32 config_size;
	struct vhost_vdpa_iova_range range;
	bool batch;
};

/**
 * struct region - memory shared with the device through one IOTLB range
 * @va: where it is mapped in this process
 * @iova: where the device sees it
 * @len: size in bytes (page multiple)
 * @used: bump allocator: bytes handed out so far
 * @asid: address space it is mapped into
 * @mapped: the IOTLB update succeeded
 */
struct region {
	__u8 *va;
	__u64 iova;
	size_t len;
	size_t used;
	__u32 asid;
	bool mapped;
};

/**
 * struct vq_buf - one element of a buffer given to a virtqueue
 * @iova: device address
 * @len: length in bytes
 * @write: device-writable (otherwise device-readable)
 */
struct vq_buf {
	__u64 iova;
	__u32 len;
	bool write;
};

struct vq;

/**
 * struct ring_ops - one ring layout (split or packed)
 * @name: "split" or "packed"
 * @sizes: sizes of the descriptor, driver and device areas for @num entries
 * @init: reset the driver state and the ring memory
 * @add: make a chain of @n buffers available, @token is returned by @get
 * @get: take the next used buffer: 1 and its token/length, 0 if none,
 *	 -EIO if the device returned garbage
 * @base: the initial VHOST_SET_VRING_BASE value
 * @base_ok: whether a VHOST_GET_VRING_BASE value lies between what the
 *	     driver saw used and what it made available
 */
struct ring_ops {
	const char *name;
	void (*sizes)(__u16 num, size_t *desc, size_t *drv, size_t *dev);
	void (*init)(struct vq *vq);
	int (*add)(struct vq *vq, const struct vq_buf *b, unsigned int n,
		   void *token);
	int (*get)(struct vq *vq, void **token, __u32 *len);
	__u32 (*base)(const struct vq *vq);
	bool (*base_ok)(const struct vq *vq, __u32 base);
};

/**
 * struct vq - driver side of one virtqueue
 * @ops: its layout
 * @index: queue index
 * @num: ring size
 * @desc: descriptor area
 * @drv: driver area (split: avail ring; packed: driver event suppression)
 * @dev: device area (split: used ring; packed: device event suppression)
 * @desc_iova: device address of @desc
 * @drv_iova: device address of @drv
 * @dev_iova: device address of @dev
 * @kick_fd: eventfd written to notify the device
 * @doorbell: the queue's doorbell page, mapped (NULL: kick through @kick_fd)
 * @call_fd: eventfd the device signals
 * @tokens: per head (split) or buffer id (packed): the caller's token
 * @next: split: unused; packed: free buffer id list
 * @chain: packed: descriptors used by each buffer id
 * @num_free: free descriptors
 * @free_head: split: first free descriptor; packed: first free buffer id
 * @avail_idx: split: shadow avail->idx; packed: next descriptor slot
 * @used_idx: split: next used entry; packed: next used slot
 * @avail_wrap: packed: driver ring wrap counter
 * @used_wrap: packed: device ring wrap counter
 * @posted: units made available (split: buffers; packed: descriptors)
 * @done: units seen used, same unit as @posted
 */
struct vq {
	const struct ring_ops *ops;
	unsigned int index;
	__u16 num;
	void *desc;
	void *drv;
	void *dev;
	__u64 desc_iova;
	__u64 drv_iova;
	__u64 dev_iova;
	int kick_fd;
	volatile __u16 *doorbell;
	int call_fd;
	void **tokens;
	__u16 *next;
	__u16 *chain;
	__u16 num_free;
	__u16 free_head;
	__u16 avail_idx;
	__u16 used_idx;
	bool avail_wrap;
	bool used_wrap;
	__u32 posted;
	__u32 done;
};

/**
 * struct vm_kb - memory counters of this process, in kB
 * @pin: VmPin (mm->pinned_vm)
 * @lck: VmLck (mm->locked_vm)
 */
struct vm_kb {
	long pin;
	long lck;
};

extern const struct ring_ops ring_split_ops;
extern const struct ring_ops ring_packed_ops;

/* vdev.c */
int vdev_open(struct vdev *d, const char *path);
void vdev_close(struct vdev *d);
int vdev_backend(struct vdev *d, __u64 want);
int vdev_negotiate(struct vdev *d, __u32 id, __u64 want, __u64 need);
int vdev_add_status(struct vdev *d, __u8 bits);
int vdev_get_config(struct vdev *d, __u32 off, void *buf, __u32 len);
int vdev_start(struct vdev *d, const char *what);
const char *feature_name(int bit);

/* iotlb.c */
int iotlb_msg(int fd, __u32 asid, __u8 type, __u64 iova,
	      __u64 size, const void *uaddr, __u8 perm);
int iotlb_checked(int fd, __u32 asid, __u8 type, __u64 iova, __u64 size,
		  const void *uaddr);
int region_create(struct region *r, size_t len, __u64 iova, __u32 asid);
void region_destroy(struct region *r);
void *region_take(struct region *r, size_t len, size_t align,
		  __u64 *iova);
__u64 region_iova(const struct region *r, const void *p);
int region_map(struct vdev *d, struct region *r, unsigned int pieces);

/* vq.c */
int vq_create(struct vq *vq, unsigned int index, __u16 num, bool packed,
	      struct region *r);
int vq_setup(struct vdev *d, struct vq *vq);
void vq_destroy(struct vq *vq);
int vq_kick(struct vq *vq);
int vq_wait(struct vq **vqs, unsigned int n, int timeout_ms);
int vq_get_base(struct vdev *d, struct vq *vq, __u32 *base);

/* doorbell.c */
int vq_doorbell_map(const struct vdev *d, struct vq *vq);
void vq_doorbell_unmap(struct vq *vq);
int vq_doorbell_hold(struct vq *vq);

/* subcommands */
int cmd_net_loop(const struct options *o);
int cmd_blk_rw(const struct options *o);
int cmd_doorbell(const struct options *o);
int cmd_iommu_map(const struct options *o);
int cmd_config_call(const struct options *o);
int cmd_misuse(const struct options *o);
int cmd_pin_check(const struct options *o);
int cmd_abuse(const struct options *o);
int cmd_fuzz(const struct options *o);
int cmd_hammer(const struct options *o);
int cmd_stall(const struct options *o);
int cmd_log(const struct options *o);
int cmd_map_bench(const struct options *o);
int cmd_share(const struct options *o);

/* pin.c */
int vm_read(struct vm_kb *v);
int pin_memlock_set(unsigned long long bytes);
int pin_ipc_lock(bool on);

#endif
