/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vDPA simulator core (vdpa_sim.ko) and its contract with the device
 * classes built on it (vdpa_sim_net.ko, vdpa_sim_blk.ko).
 *
 * Private to the simulator modules.
 */
#ifndef _VDPA_SIM_SIM_H
#define _VDPA_SIM_SIM_H

#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/vdpa.h>
#include <linux/vhost_iotlb.h>
#include <linux/workqueue.h>
#include <vdpa_sim/ring.h>

/**
 * DOC: Simulator core
 *
 * The core implements every &struct vdpa_config_ops operation once, for
 * all classes: status and reset, features, virtqueue setup and state
 * (split and packed), config space access (through the class's config
 * buffer), virtqueue groups and address spaces, both mapping styles
 * (``dma_map``/``dma_unmap`` or ``set_map``, chosen per device when it is
 * created, plus ``reset_map``), ``suspend``/``resume``, vendor statistics
 * and ``set_dirty_log`` (unless the device was created with the module
 * parameter ``dirty_log`` at 0). A class describes itself in a
 * &struct vdpasim_dev_attr and supplies the datapath in
 * &vdpasim_class_ops.process.
 *
 * Workers: each virtqueue has its own work item on an unbound workqueue,
 * so queues of one device, and of different devices, run on different
 * CPUs. A kick queues the queue's work; the work processes at most
 * &vdpasim_dev_attr.batch buffers and, if more are waiting, queues itself
 * again instead of looping, so that one busy queue cannot starve the
 * others sharing a CPU. Notifications from the driver are suppressed
 * while a queue is being drained and re-enabled (with the usual re-check)
 * when it is empty. A per-CPU workqueue was measured and rejected: the
 * worker then shares the CPU of the guest thread that kicks it (see
 * "Where we stand" in Documentation/benchmarks.rst).
 *
 * Inline kicks: a class whose datapath can run without sleeping (block)
 * serves the kick of an idle queue in the kicker's context, with
 * vdpasim_vq_kick_inline() as its &vdpasim_class_ops.kick: one batch
 * under the queue's lock (only tried), the driver's callback called from
 * there, as a driver completing in its submission path does; the work
 * item takes over whatever would have to wait or sleep. This saves the
 * wakeup of a worker and a context switch per kick, which on one or two
 * vCPUs is most of the cost of a small request. vdpasim_vq_kick_inline_bh()
 * also serves kicks made from task context with bottom halves disabled
 * (net, optional: virtio_net's transmit path); such a class only tries a
 * second queue's lock (vdpasim_vq_trylock_peer()).
 *
 * Address spaces: before the driver maps anything, every address space is
 * passthrough (IOVA == physical address, what the DMA API gives a device
 * without IOMMU, i.e. virtio_vdpa's view). The first ``dma_map``,
 * ``dma_unmap`` or ``set_map`` on an address space replaces passthrough
 * with an IOTLB, empty or not; ``reset_map`` and a reset with
 * %VDPA_RESET_F_CLEAN_MAP go back to passthrough. Only physical-address
 * mappings are supported (no ``use_va``): vhost_vdpa pins user pages and
 * passes their addresses.
 *
 * The rule: passthrough is for kernel bus drivers only, whose addresses
 * come from the DMA API. An address space that userspace drives through
 * vhost_vdpa is never passthrough: vhost_vdpa empties every space when
 * the file is opened (``set_map`` with an empty table, or ``dma_unmap``
 * of the whole range), never asks for %VDPA_RESET_F_CLEAN_MAP, and calls
 * ``reset_map`` only after the opener is gone and the device reset. A
 * buffer or ring at an IOVA the IOTLB lacks fails: the queue breaks and
 * the device reports NEEDS_RESET; memory is never touched.
 *
 * Removal: ``set_map``, ``dma_unmap`` and ``reset_map`` take the address
 * space's lock for writing, so they return only after every worker that
 * was using the old mappings has finished its batch; the ring areas that
 * a worker vmap()ed are re-resolved (&vdring_map.gen) before their next
 * use. The caller may release the pages as soon as the op returns.
 *
 * Dirty-page logging: ``set_dirty_log`` sets the bus driver's log in the
 * &vdring_map of every address space, under the same write lock, so the
 * rings of each space report to it (see "Dirty-page logging" in ring.h)
 * and no worker uses a previous log once the op returns. The classes
 * report what they store into buffers with vdring_log_in(): net the
 * header and frame bytes of every receive buffer it fills (given back
 * unused or not), num_buffers, and the control queue's ack; block the data
 * a request stored and the status byte. A reset keeps the log.
 */

/**
 * DOC: Simulator locking
 *
 * Lock order: &vdpasim.lock, then &vdpasim_vq.lock, then &vdpasim_as.lock
 * (for reading), then a peer's &vdpasim_vq.lock: a worker holds its own
 * queue's lock, read-locks the address space in vdpasim_vq_run(), and a
 * class that touches a second queue of the same group (net's transmit
 * queue delivering to its receive queue) takes that one last, with
 * vdpasim_vq_lock_peer(). Because of that last step a worker only ever
 * *tries* the address space lock (down_read_trylock()) and runs again
 * later when it fails: waiting behind a writer (``set_map`` waiting for
 * the transmit worker, which waits for this queue's lock) would deadlock.
 * Config ops take &vdpasim.lock and then queue locks, never an address
 * space lock while holding a queue lock.
 *
 * &vdpasim.lock (mutex) protects the device: status, features, config
 * callback, group to address-space table, the suspended flag and
 * &vdpasim.running. Every config op that changes device state takes it.
 *
 * &vdpasim_vq.lock (mutex) protects one queue: its ring, addresses, size,
 * readiness, callback, address space pointer and &vdpasim_vq.iov. The
 * queue's worker holds it while processing, an inline kick while it
 * handles its batch (it only tries the lock: a kicker may not sleep);
 * config ops that change the queue take it.
 *
 * &vdpasim_as.lock (rw_semaphore) protects one address space's mappings
 * and its dirty log (&vdring_map.log): workers hold it for reading while
 * they use guest memory, map operations and ``set_dirty_log`` take it for
 * writing, never while holding a queue lock (a worker holding it for
 * reading takes its peer queue's lock).
 *
 * &vdpasim.running is written under &vdpasim.lock; workers read it with
 * READ_ONCE() under their queue's lock. Stopping clears it, then cancels
 * every queue's work synchronously and takes every queue's lock once (an
 * inline batch in progress ends first), so no worker and no inline batch
 * runs afterwards (neither takes &vdpasim.lock). &vdpasim.needs_reset is set from
 * any context without a lock and cleared by reset.
 */

struct vdpasim;
struct vdpasim_vq;

/**
 * struct vdpasim_class_ops - what a device class supplies
 * @process: the datapath of one queue: handle at most @budget buffers and
 *           return how many were handled (@budget or more means "maybe
 *           more": the core re-queues the work; less: the core re-enables
 *           driver notifications and re-checks), -EAGAIN when blocked on
 *           another queue (net: no receive buffers; the class arranges to
 *           be scheduled again, e.g. by the peer's kick, and the core
 *           leaves notifications as they are), -EBUSY in an inline run
 *           (&vdpasim_vq.iov's nowait set) when a buffer needs to sleep
 *           (the class gives it back with vdring_unpop() unanswered; the
 *           core queues the work, which serves it), or another negative
 *           errno if the ring is malformed (the core then sets
 *           NEEDS_RESET). Called from the queue's work, or inline from a
 *           kick (see vdpasim_vq_kick_inline(), with &vdpasim_vq.iov's
 *           nowait set: then it must not sleep), with &vdpasim_vq.lock
 *           held, the queue's address space read-locked, only while the
 *           device runs and the queue is ready. Publish and notify with
 *           vdpasim_vq_notify() before returning.
 * @kick: optional; what a driver kick of queue @vq does (default: queue
 *        its own work; vdpasim_vq_kick_inline(): handle it right there
 *        when the queue is idle). Called in any context, must not sleep
 * @get_vq_group: optional; the group of queue @idx (default 0)
 * @get_vq_size: optional; the size queue @idx should have, at most
 *               &vdpasim_dev_attr.vq_num_max (the default): what
 *               get_vq_size reports until the driver sets a size. A
 *               driver may still set any size up to vq_num_max
 * @get_config: optional; refresh &vdpasim.config before the driver reads
 *              it; called with &vdpasim.lock held
 * @set_config: optional; the driver wrote @len bytes at @offset of
 *              &vdpasim.config (already copied there); called with
 *              &vdpasim.lock held
 * @set_features: optional; the driver's features were accepted (called at
 *                FEATURES_OK, with &vdpasim.lock held)
 * @reset: optional; reset class state (filters, counters the driver
 *         sees); called with &vdpasim.lock held and every worker stopped
 * @get_stats: optional; append the vendor statistics of queue @idx to
 *             @msg with vdpasim_put_stat(); called with &vdpasim.lock held
 * @debugfs_init: optional; add class knobs to the device's debugfs dir
 * @free: optional; free class resources when the device is released
 */
struct vdpasim_class_ops {
	int (*process)(struct vdpasim_vq *vq, unsigned int budget);
	void (*kick)(struct vdpasim_vq *vq);
	u32 (*get_vq_group)(struct vdpasim *vs, u16 idx);
	u16 (*get_vq_size)(struct vdpasim *vs, u16 idx);
	void (*get_config)(struct vdpasim *vs);
	void (*set_config)(struct vdpasim *vs, unsigned int offset,
			   unsigned int len);
	void (*set_features)(struct vdpasim *vs);
	void (*reset)(struct vdpasim *vs);
	int (*get_stats)(struct vdpasim *vs, u16 idx, struct sk_buff *msg,
			 struct netlink_ext_ack *extack);
	void (*debugfs_init)(struct vdpasim *vs, struct dentry *dir);
	void (*free)(struct vdpasim *vs);
};

/**
 * struct vdpasim_dev_attr - a device to create
 * @mgmt_dev: the management device creating it (the @mdev of a
 *            &struct vdpasim_mgmt)
 * @name: the device name
 * @id: virtio device id (%VIRTIO_ID_NET, ...)
 * @supported_features: what the class implements; the core adds its own
 *                      ring features (see vdpasim_core_features())
 * @provisioned: features requested with ``vdpa dev add ...
 *               device_features``, or 0 for "all supported"; must be a
 *               subset of the supported ones and include VERSION_1
 * @config_size: bytes of config space (&vdpasim.config)
 * @alloc_size: bytes to allocate for the class structure embedding
 *              &struct vdpasim as its first member
 * @nvqs: number of virtqueues
 * @ngroups: number of virtqueue groups
 * @nas: number of address spaces
 * @vq_num_max: largest queue size (power of two)
 * @batch: buffers a worker handles before yielding (0: default 64)
 * @debugfs: the directory the device's knobs go in; NULL: the class
 *           management device's (then @mgmt_dev is the @mdev of a
 *           &struct vdpasim_mgmt)
 * @ops: the class
 */
struct vdpasim_dev_attr {
	struct vdpa_mgmt_dev *mgmt_dev;
	const char *name;
	u32 id;
	u64 supported_features;
	u64 provisioned;
	size_t config_size;
	size_t alloc_size;
	u32 nvqs;
	u32 ngroups;
	u32 nas;
	u16 vq_num_max;
	unsigned int batch;
	struct dentry *debugfs;
	const struct vdpasim_class_ops *ops;
};

/**
 * struct vdpasim_as - one address space
 * @lock: protects @iotlb and @map, its dirty log included (see
 *        "Simulator locking")
 * @iotlb: the mappings, when not passthrough
 * @map: what the rings of this address space translate through, and
 *       where they report their stores (&vdring_map.log)
 */
struct vdpasim_as {
	struct rw_semaphore lock;	/* protects iotlb, map */
	struct vhost_iotlb iotlb;
	struct vdring_map map;
};

/**
 * struct vdpasim_vq - one virtqueue
 * @ring: the device side of the ring
 * @iov: scratch segments for the worker; its nowait is set while a batch
 *       runs inline in a kicker's context (vdpasim_vq_kick_inline()):
 *       &vdpasim_class_ops.process must not sleep then
 * @lock: protects this queue (see "Simulator locking")
 * @work: the queue's worker
 * @vs: the device
 * @as: the address space of the queue's group
 * @cb: the driver's callback
 * @desc_addr: descriptor area IOVA
 * @driver_addr: driver area IOVA
 * @device_addr: device area IOVA
 * @num: queue size
 * @idx: queue index
 * @ready: the driver enabled the queue and its ring is set up
 * @state_set: a vq state was set while not ready (applied at ready)
 * @state: that state
 * @priv: class data for this queue
 */
struct vdpasim_vq {
	struct vdring ring;
	struct vdring_iov iov;
	struct mutex lock;	/* protects this queue's fields */
	struct work_struct work;
	struct vdpasim *vs;
	struct vdpasim_as *as;
	struct vdpa_callback cb;
	u64 desc_addr;
	u64 driver_addr;
	u64 device_addr;
	u32 num;
	u16 idx;
	bool ready;
	bool state_set;
	struct vdpa_vq_state state;
	void *priv;
};

/**
 * struct vdpasim_faults - debugfs fault knobs of one device
 * @fail_set_status: refuse the next N status changes (FEATURES_OK is not
 *                   accepted, DRIVER_OK sets NEEDS_RESET)
 * @drop_completions: the class drops the next N buffers it would complete
 *                    (net: frames are dropped and counted)
 * @delay_us: delay every completion batch by this many microseconds
 */
struct vdpasim_faults {
	atomic_t fail_set_status;
	atomic_t drop_completions;
	u32 delay_us;
};

/**
 * struct vdpasim - a simulated device
 * @vdpa: the vDPA device (first member: the class structure embeds this
 *        structure first, see &vdpasim_dev_attr.alloc_size)
 * @attr: how it was created (a copy)
 * @lock: protects the device state (see "Simulator locking")
 * @vqs: the virtqueues
 * @as: the address spaces
 * @group_asid: address space of each group
 * @config: config space, in the driver's byte order (little endian)
 * @device_features: features offered
 * @features: features the driver accepted
 * @status: device status
 * @generation: config generation, bumped on config changes
 * @running: DRIVER_OK set, not suspended, no NEEDS_RESET
 * @suspended: suspended by the driver
 * @cb_lock: protects @config_cb (taken in any context)
 * @config_cb: the driver's config-change callback
 * @needs_reset: a queue broke or a knob forced it: get_status() reports
 *               %VIRTIO_CONFIG_S_NEEDS_RESET until reset (READ_ONCE)
 * @debugfs: the device's debugfs directory
 * @faults: fault knobs
 */
struct vdpasim {
	struct vdpa_device vdpa;
	struct vdpasim_dev_attr attr;
	struct mutex lock;	/* protects the device state */
	struct vdpasim_vq *vqs;
	struct vdpasim_as *as;
	u32 *group_asid;
	void *config;
	u64 device_features;
	u64 features;
	u8 status;
	u32 generation;
	bool running;
	bool suspended;
	spinlock_t cb_lock;	/* protects config_cb */
	struct vdpa_callback config_cb;
	bool needs_reset;
	struct dentry *debugfs;
	struct vdpasim_faults faults;
};

static inline struct vdpasim *vdpa_to_sim(struct vdpa_device *vdpa)
{
	return container_of(vdpa, struct vdpasim, vdpa);
}

struct vdpasim *vdpasim_create(const struct vdpasim_dev_attr *attr);
int vdpasim_register(struct vdpasim *vs);
void vdpasim_unregister(struct vdpasim *vs);
u64 vdpasim_core_features(void);

void vdpasim_schedule(struct vdpasim_vq *vq);
void vdpasim_vq_kick_inline(struct vdpasim_vq *vq);
void vdpasim_vq_kick_inline_bh(struct vdpasim_vq *vq);
bool vdpasim_vq_notify(struct vdpasim_vq *vq);
bool vdpasim_vq_lock_peer(struct vdpasim_vq *peer);
int vdpasim_vq_trylock_peer(struct vdpasim_vq *peer);
void vdpasim_vq_unlock_peer(struct vdpasim_vq *peer);
void vdpasim_config_changed(struct vdpasim *vs);
void vdpasim_set_needs_reset(struct vdpasim *vs, const char *why);
bool vdpasim_fault_drop(struct vdpasim *vs);
int vdpasim_put_stat(struct sk_buff *msg, const char *name, u64 value);

/**
 * struct vdpasim_mgmt - a class's management device
 * @mdev: the management device; the class fills in ops, id_table,
 *        config_attr_mask, supported_features and max_supported_vqs
 *        before vdpasim_mgmt_register(), which sets @mdev.device
 * @debugfs: its debugfs directory, ``vdpa_sim/<name>/``
 * @fail_dev_add: debugfs knob: refuse the next N ``dev add`` requests
 */
struct vdpasim_mgmt {
	struct vdpa_mgmt_dev mdev;
	struct dentry *debugfs;
	atomic_t fail_dev_add;
};

int vdpasim_mgmt_register(struct vdpasim_mgmt *m, const char *name);
void vdpasim_mgmt_unregister(struct vdpasim_mgmt *m);
bool vdpasim_mgmt_fail_dev_add(struct vdpasim_mgmt *m);
struct dentry *vdpasim_debugfs_dir(const char *name);

/*
 * The classes' devices for other parents (the SF adapter): created, not
 * yet registered (vdpasim_register(), or put_device() to drop them).
 */
struct vdpasim *vdpasim_net_create(struct vdpa_mgmt_dev *mdev,
				   const char *name,
				   const struct vdpa_dev_set_config *config,
				   struct dentry *debugfs);
struct vdpasim *vdpasim_blk_create(struct vdpa_mgmt_dev *mdev,
				   const char *name,
				   const struct vdpa_dev_set_config *config,
				   struct dentry *debugfs);
/* What each class offers: its own management device, to copy from. */
const struct vdpa_mgmt_dev *vdpasim_net_mgmtdev(void);
const struct vdpa_mgmt_dev *vdpasim_blk_mgmtdev(void);

#endif /* _VDPA_SIM_SIM_H */
