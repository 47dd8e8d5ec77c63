/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private to drivers/vhost_vdpa/: the vhost_vdpa character device.
 */
#ifndef _VHOST_VDPA_INTERNAL_H
#define _VHOST_VDPA_INTERNAL_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/eventfd.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/vdpa.h>
#include <linux/vhost_iotlb.h>
#include <uapi/linux/vhost.h>

/**
 * DOC: vhost_vdpa
 *
 * Each vDPA device bound to this driver gets a character device,
 * ``/dev/vhost-vdpa-N``, through which one process at a time drives it
 * with the vhost ioctls and IOTLB messages (written to the fd). The driver
 * is self-contained: it does not use the vhost core's private API, only
 * the public &struct vhost_iotlb.
 *
 * Lifetime: &struct vhost_vdpa lives in its &vhost_vdpa.dev, released
 * with the last reference (an open file holds one). Removing the vDPA
 * device revokes the character device: the device is reset, every mapping
 * is dropped (pages unpinned), eventfds are released, doorbell mappings are
 * zapped, and later ioctls and writes fail with -ENODEV. Removal never
 * waits for userspace to close the file.
 *
 * Locking: &vhost_vdpa.lock (mutex) protects everything that changes after
 * probe, including &vhost_vdpa.vdpa becoming NULL on removal; every ioctl,
 * write, open, release and remove takes it. IOTLB messages (writes) are
 * also serialised by &vhost_vdpa.map_lock, taken before &vhost_vdpa.lock:
 * a write drops &vhost_vdpa.lock while it pins user pages (a page fault
 * may stall for as long as userspace likes) and re-checks that the device
 * is still there when it takes it back, so removal never waits for a
 * fault. The message is copied in before either lock, and so is every
 * ioctl argument (copied out after the lock is released): a stalled page
 * fault on an argument never holds &vhost_vdpa.lock. The locks are taken
 * outside the mm's mmap_lock (pinning takes that), so the mmap and
 * page-fault paths, which run under mmap_lock, use
 * &vhost_vdpa.doorbell_lock instead: removal sets &vhost_vdpa.gone under
 * it before anything else. The shared pinning registry of the owner's mm
 * (share.c) has its own mutex, taken under &vhost_vdpa.lock and holding
 * nothing else; the global list of registries has another, taken at
 * VHOST_SET_OWNER and at close, never under a registry's. Kick eventfd wakeups
 * run in atomic context under the eventfd's own lock and only call the
 * parent's kick_vq, which may be called in any context.
 */

#define VHOST_VDPA_DEV_MAX	BIT(MINORBITS)

struct vhost_vdpa;
struct vhv_log;
struct vhv_share;
struct vhv_span;

/**
 * struct vhost_vdpa_vq - one virtqueue as userspace set it up
 * @v: the device
 * @idx: queue index
 * @kick_file: the kick eventfd's file, polled
 * @kick_wait: our entry in its wait queue
 * @kick_wqh: that wait queue
 * @kick_pt: poll table used to find @kick_wqh
 * @call: the call eventfd, signalled by the parent
 * @busyloop_timeout: stored for VHOST_GET_VRING_BUSYLOOP_TIMEOUT
 * @num: ring size last set (0: none)
 * @desc: descriptor area last set
 * @avail: driver area last set
 * @used: device area last set
 * @log_used: where its device area writes are logged: the
 *            log_guest_addr of VHOST_SET_VRING_ADDR with
 *            %VHV_LOG_USED_ON when VHOST_VRING_F_LOG was set, else 0;
 *            written under &vhost_vdpa.lock, read by the log callbacks
 *            with READ_ONCE()
 * @saved: the ring position just before a reset of the running device,
 *         valid with @has_saved
 * @has_saved: VHOST_GET_VRING_BASE answers @saved: from a reset of a
 *             running device until the queue is set up again, the device
 *             runs again or the file is closed
 */
struct vhost_vdpa_vq {
	struct vhost_vdpa *v;
	u16 idx;
	struct file *kick_file;
	wait_queue_entry_t kick_wait;
	wait_queue_head_t *kick_wqh;
	poll_table kick_pt;
	struct eventfd_ctx *call;
	u32 busyloop_timeout;
	u32 num;
	u64 desc;
	u64 avail;
	u64 used;
	u64 log_used;
	struct vdpa_vq_state saved;
	bool has_saved;
};

/* In &vhost_vdpa_vq.log_used: the used ring is logged (address 4-aligned). */
#define VHV_LOG_USED_ON	BIT_ULL(0)

/**
 * struct vhost_vdpa - the character device of one vDPA device
 * @dev: the device behind /dev/vhost-vdpa-N (holds the lifetime)
 * @cdev: the character device
 * @lock: protects the members that change after probe: from @vdpa to
 *        @fork_owner, except @opened (atomic) and @minor, @nvqs, @nas,
 *        @config_size, @use_va (fixed at probe); not @gone
 * @vdpa: the vDPA device; NULL once it was removed
 * @minor: minor number (the N)
 * @use_va: the parent's &vdpa_device.use_va: IOTLB entries hold user
 *          addresses (their opaque a &struct vdpa_map_file), not
 *          physical ones (their opaque the &struct vhv_span they were
 *          made from, or NULL)
 * @nvqs: number of virtqueues
 * @vqs: the virtqueues
 * @nas: number of address spaces
 * @config_size: size of the device's config space, read once at probe
 *               (it does not change for a device's life) so that config
 *               accesses are checked and copied before @lock is taken
 * @iotlb: one IOTLB per address space: what userspace mapped (entries
 *         map IOVA to physical addresses of pinned pages, or to user
 *         virtual addresses for use_va parents)
 * @opened: one opener at a time
 * @owner: mm of the process that did VHOST_SET_OWNER (mmgrab()ed); pins
 *         are charged to it
 * @share: with @owner: the registry of the pages @owner's devices pinned
 *         for mappings, which charges each page once (share.c)
 * @backend_features: accepted VHOST_BACKEND_F_* bits
 * @features: accepted device features
 * @vq_num_max: largest ring size the parent takes
 * @in_batch: between IOTLB BATCH_BEGIN and BATCH_END
 * @batch_asid: address space of the current batch
 * @retired: ranges removed from @iotlb that a set_map parent may still
 *           use (their address space not committed yet), each marked
 *           with its address space: their pages stay pinned until the
 *           parent no longer does (see iotlb.c)
 * @config_call: the config interrupt eventfd
 * @domain: platform IOMMU domain, for parents without dma_map/set_map
 * @range: usable IOVAs
 * @mapping: address space of the opened file, for zapping doorbells
 * @suspended: VHOST_VDPA_SUSPEND succeeded, not resumed yet
 * @fork_owner: stored for VHOST_GET_FORK_FROM_OWNER
 * @map_lock: serialises IOTLB messages and the ioctls that may pin the
 *            dirty log (%VHV_MAPLOCK); held while pinning, when @lock is
 *            dropped
 * @doorbell_lock: protects @gone, for the mmap and fault paths
 * @gone: the vDPA device was removed (read under @doorbell_lock)
 * @log_base: VHOST_SET_LOG_BASE's address (0: none); under @lock
 * @logging: the parent has @dlog (%VHOST_F_LOG_ALL accepted); under @lock
 * @log: the pinned dirty log (see log.c); replaced under @lock, read by
 *       the callbacks under RCU
 * @log_ctx: VHOST_SET_LOG_FD's eventfd; replaced under @lock, read under
 *           RCU
 * @dlog: the callbacks given to the parent
 * @log_set: callbacks that set a bit (debugfs)
 * @log_lost: log pages that fell outside the pinned log (debugfs)
 * @debugfs: our debugfs directory
 */
struct vhost_vdpa {
	struct device dev;
	struct cdev cdev;
	struct mutex lock;	/* see the kernel-doc above */
	struct vdpa_device *vdpa;
	int minor;
	bool use_va;
	u32 nvqs;
	struct vhost_vdpa_vq *vqs;
	u32 nas;
	u32 config_size;
	struct vhost_iotlb *iotlb;
	atomic_t opened;
	struct mm_struct *owner;
	struct vhv_share *share;
	u64 backend_features;
	u64 features;
	u16 vq_num_max;
	bool in_batch;
	u32 batch_asid;
	struct list_head retired;
	struct eventfd_ctx *config_call;
	struct iommu_domain *domain;
	struct vdpa_iova_range range;
	struct address_space *mapping;
	bool suspended;
	u8 fork_owner;
	struct mutex map_lock;		/* serialises IOTLB messages */
	struct mutex doorbell_lock;	/* protects gone */
	bool gone;
	u64 log_base;
	bool logging;
	struct vhv_log __rcu *log;
	struct eventfd_ctx __rcu *log_ctx;
	struct vdpa_dirty_log dlog;
	atomic64_t log_set;
	atomic64_t log_lost;
	struct dentry *debugfs;
};

/* The parent's config ops; v->vdpa present. */
static inline const struct vdpa_config_ops *vhv_ops(struct vhost_vdpa *v)
{
	return v->vdpa->config;
}

/* The device status; v->lock held, v->vdpa present. */
static inline u8 vhost_vdpa_status(struct vhost_vdpa *v)
{
	return v->vdpa->config->get_status(v->vdpa);
}

/* Whether the caller is the owner; v->lock held. */
static inline bool vhost_vdpa_is_owner(struct vhost_vdpa *v)
{
	return v->owner && v->owner == current->mm;
}

/**
 * struct vhost_vdpa_cfg_arg - a config space access
 * @hdr: offset and length, as userspace passed them (checked)
 * @buf: kernel copy of the @hdr.len bytes: read from userspace before the
 *       call for VHOST_VDPA_SET_CONFIG, written to it after the call for
 *       VHOST_VDPA_GET_CONFIG
 */
struct vhost_vdpa_cfg_arg {
	struct vhost_vdpa_config hdr;
	u8 *buf;
};

/**
 * union vhost_vdpa_arg - an ioctl argument in kernel memory
 * @u64: features
 * @u32: counts and the device id
 * @u16: the largest ring size
 * @u8: status, fork owner mode
 * @fd: the config interrupt eventfd
 * @state: a queue (or group) index and a number
 * @addr: ring addresses
 * @file: a queue index and an eventfd
 * @range: usable IOVAs
 * @cfg: a config space access
 *
 * The dispatcher copies the argument in before it takes &vhost_vdpa.lock
 * and out after it released it; handlers only see this copy. Every member
 * starts at offset 0, so a copy of the command's _IOC_SIZE() bytes fills
 * (or reads) the member the handler uses.
 */
union vhost_vdpa_arg {
	u64 u64;
	u32 u32;
	u16 u16;
	u8 u8;
	int fd;
	struct vhost_vring_state state;
	struct vhost_vring_addr addr;
	struct vhost_vring_file file;
	struct vhost_vdpa_iova_range range;
	struct vhost_vdpa_cfg_arg cfg;
};

/* struct vhost_vdpa_ioctl.flags */
#define VHV_IN		BIT(0)	/* copy _IOC_SIZE() bytes in before the call */
#define VHV_OUT		BIT(1)	/* copy them out after a successful call */
#define VHV_CFG		BIT(2)	/* a config access: check and allocate @cfg */
#define VHV_CFG_IN	BIT(3)	/* ... and copy its bytes in */
#define VHV_CFG_OUT	BIT(4)	/* ... or out */
#define VHV_VRING	BIT(5)	/* per-queue: owner only, index checked */
#define VHV_MAPLOCK	BIT(6)	/* take map_lock before lock: may pin */

/**
 * struct vhost_vdpa_ioctl - one ioctl command
 * @cmd: the command
 * @flags: VHV_* flags: how its argument is copied, whether it is per-queue
 * @fn: the handler of a device command, called with &vhost_vdpa.lock held
 *      and the vDPA device present
 * @vq_fn: the handler of a per-queue command (%VHV_VRING), likewise, with
 *         the caller's ownership and the queue index checked
 */
struct vhost_vdpa_ioctl {
	unsigned int cmd;
	unsigned int flags;
	union {
		long (*fn)(struct vhost_vdpa *v, union vhost_vdpa_arg *a);
		long (*vq_fn)(struct vhost_vdpa *v, u32 idx,
			      union vhost_vdpa_arg *a);
	};
};

/* ioctl.c */
long vhost_vdpa_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
int vhost_vdpa_reset(struct vhost_vdpa *v);
void vhost_vdpa_config_call_set(struct vhost_vdpa *v, struct eventfd_ctx *ctx);

/* vring.c */
const struct vhost_vdpa_ioctl *vhost_vdpa_vring_find(unsigned int cmd);
long vhost_vdpa_vring_call(struct vhost_vdpa *v,
			   const struct vhost_vdpa_ioctl *op,
			   union vhost_vdpa_arg *a);
void vhost_vdpa_vq_init(struct vhost_vdpa *v, u16 idx);
void vhost_vdpa_vqs_clean(struct vhost_vdpa *v);
void vhost_vdpa_vqs_save(struct vhost_vdpa *v);
void vhost_vdpa_vqs_forget(struct vhost_vdpa *v);

/* iotlb.c */
ssize_t vhost_vdpa_write_iter(struct kiocb *iocb, struct iov_iter *from);
void vhost_vdpa_unmap_all(struct vhost_vdpa *v);
int vhost_vdpa_iotlb_open(struct vhost_vdpa *v);
int vhost_vdpa_iotlb_batch_end(struct vhost_vdpa *v);
int vhost_vdpa_domain_alloc(struct vhost_vdpa *v);
void vhost_vdpa_domain_free(struct vhost_vdpa *v);
int vhost_vdpa_charge_check(struct vhost_vdpa *v, unsigned long npages);
long vhost_vdpa_pin_unlocked(struct vhost_vdpa *v, unsigned long uaddr,
			     unsigned long n, unsigned int gup,
			     struct page **pages);

/* log.c */
bool vhost_vdpa_can_log(struct vhost_vdpa *v);
long vhost_vdpa_log_set_base(struct vhost_vdpa *v, union vhost_vdpa_arg *a);
long vhost_vdpa_log_set_fd(struct vhost_vdpa *v, union vhost_vdpa_arg *a);
int vhost_vdpa_log_features(struct vhost_vdpa *v, u64 features);
int vhost_vdpa_log_cover(struct vhost_vdpa *v, u64 last);
void vhost_vdpa_log_stop(struct vhost_vdpa *v);
void vhost_vdpa_log_init(struct vhost_vdpa *v, struct dentry *root);
void vhost_vdpa_log_close(struct vhost_vdpa *v);

/* share.c */

/**
 * struct vhv_share_ops - how a registry of shared pins works
 * @unpin: unpin @n pages from @pfn, dirtied if @dirty
 * @watch: register an MMU notifier on the mm (current's): spans are used
 *         while it is registered
 * @spans: use spans without a notifier: for a test that reports address
 *         space changes itself (vhv_share_invalidate())
 */
struct vhv_share_ops {
	void (*unpin)(unsigned long pfn, unsigned long n, bool dirty);
	bool watch;
	bool spans;
};

/**
 * struct vhv_span_run - physically contiguous pages of a span
 * @pfn: first pfn
 * @n: pages
 */
struct vhv_span_run {
	unsigned long pfn;
	unsigned long n;
};

/**
 * struct vhv_span_iter - a walk over the pfn runs of pages of a span
 * @sp: the span
 * @idx: next run
 * @skip: pages of that run before the walk's
 * @left: pages still to walk
 */
struct vhv_span_iter {
	const struct vhv_span *sp;
	unsigned int idx;
	unsigned long skip;
	unsigned long left;
};

/* vhv_share_hold() flags */
#define VHV_HOLD_PINNED	BIT(0)	/* the caller hands over one pin a page */
#define VHV_HOLD_DIRTY	BIT(1)	/* the mapping is writable */

extern const struct vhv_share_ops vhv_share_pin_ops;
struct vhv_share *vhv_share_get(struct mm_struct *mm,
				const struct vhv_share_ops *ops);
void vhv_share_ref(struct vhv_share *s);
void vhv_share_put(struct vhv_share *s);
void vhv_share_exit(void);
int vhv_share_hold(struct vhv_share *s, unsigned long pfn, unsigned long n,
		   unsigned long limit, unsigned int flags);
void vhv_share_release(struct vhv_share *s, unsigned long pfn,
		       unsigned long n);
unsigned long vhv_share_fresh_max(struct vhv_share *s, unsigned long n);
void vhv_share_invalidate(struct vhv_share *s, unsigned long start,
			  unsigned long last);
void vhv_share_invalidate_end(struct vhv_share *s);
struct vhv_span *vhv_span_begin(struct vhv_share *s, unsigned long uaddr,
				unsigned long npages, bool writable);
void vhv_span_add(struct vhv_span *sp, unsigned long pfn, unsigned long n);
void vhv_span_end(struct vhv_share *s, struct vhv_span *sp, bool ok);
struct vhv_span *vhv_span_get(struct vhv_span *sp);
void vhv_span_put(struct vhv_share *s, struct vhv_span *sp);
struct vhv_span *vhv_span_hold(struct vhv_share *s, unsigned long uaddr,
			       unsigned long npages, bool writable);
void vhv_span_iter_init(struct vhv_span_iter *it, const struct vhv_span *sp,
			unsigned long uaddr, unsigned long n);
bool vhv_span_iter_next(struct vhv_span_iter *it, unsigned long *pfn,
			unsigned long *n);

/* mmap.c */
int vhost_vdpa_mmap(struct file *file, struct vm_area_struct *vma);

#endif /* _VHOST_VDPA_INTERNAL_H */
