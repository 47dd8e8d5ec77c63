/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vDPA bus: devices whose datapath follows the virtio specification and
 * whose control path is vendor specific.
 *
 * This header is the contract between the three parties of the bus:
 * parent drivers that create vDPA devices, bus drivers (virtio_vdpa,
 * vhost_vdpa) that drive them, and management devices that create and
 * delete them on request of the "vdpa" netlink family. It is source
 * compatible with the header of the same name in Linux 6.12.
 */
#ifndef _LINUX_VDPA_H
#define _LINUX_VDPA_H

#include <linux/kernel.h>
#include <linux/device.h>
#include <linux/interrupt.h>
#include <linux/rwsem.h>
#include <linux/vhost_iotlb.h>
#include <linux/virtio_net.h>
#include <linux/virtio_blk.h>
#include <linux/if_ether.h>

/**
 * DOC: Device lifetime
 *
 * A parent driver embeds &struct vdpa_device as the *first* member of its
 * own structure and allocates both with vdpa_alloc_device(). From that
 * point on the structure is reference counted through the embedded
 * &struct device:
 *
 * - After a successful allocation and until registration succeeds, the
 *   parent undoes the allocation with put_device(&vdev->dev). That calls
 *   &vdpa_config_ops.free (if set) and frees the structure; the parent
 *   must not kfree() it.
 * - A failed vdpa_register_device() or _vdpa_register_device() leaves the
 *   reference with the caller, who drops it with put_device() as above.
 * - vdpa_unregister_device() and _vdpa_unregister_device() unpublish the
 *   device (drivers are unbound first) and drop the registration
 *   reference. &vdpa_config_ops.free runs exactly once, when the last
 *   reference goes, which may be later if someone else holds one.
 *
 * Everything a bus driver may call must work before registration: the
 * device is published by registration, never earlier, so the parent must
 * have finished its own initialisation (including setting
 * &vdpa_device.dma_dev) before it registers.
 */

/**
 * DOC: Locking
 *
 * Two locks serialise the bus, and both are owned by the core:
 *
 * - The management lock (internal to the core) protects the list of
 *   management devices and makes device registration, unregistration and
 *   name uniqueness checks atomic with respect to each other. The netlink
 *   handlers hold it while calling &vdpa_mgmtdev_ops.dev_add and
 *   &vdpa_mgmtdev_ops.dev_del, which is why those callbacks register with
 *   _vdpa_register_device() and unregister with _vdpa_unregister_device().
 *   Everyone else uses vdpa_register_device() and
 *   vdpa_unregister_device(), which take the lock themselves.
 * - &vdpa_device.cf_lock protects the feature negotiation state
 *   (&vdpa_device.features_valid and the driver features) against
 *   concurrent configuration space access, status changes and reset.
 *   vdpa_get_config() takes it for reading (for writing on a legacy first
 *   read, which sets the features); vdpa_set_config(), vdpa_set_status(),
 *   vdpa_set_features() and vdpa_reset() for writing. The lock order is
 *   management lock, then cf_lock.
 *
 * The driver core's device lock of a vDPA device (device_lock()) is held
 * around the bus driver's probe and remove, so it keeps the bound driver,
 * and the child devices that driver creates in probe, in place. The
 * netlink family takes it under the management lock to report the bound
 * driver and its character devices (VDPA_CMD_DEV_GET replies and the
 * device events); registration and unregistration take it under the
 * management lock too (binding and unbinding). The lock order is
 * management lock, then device lock, never the reverse: a bus driver's
 * probe and remove must not take the management lock (lockdep does not
 * check device locks, so this rule is only written here).
 *
 * Registration and unregistration run with the management lock held, and
 * so does everything they trigger: the bus's probe and uevent, which call
 * &vdpa_config_ops.get_vq_num_max, &vdpa_config_ops.get_vq_num_min,
 * &vdpa_config_ops.get_device_id and &vdpa_config_ops.get_vendor_id, the
 * bus driver's probe and remove, and the netlink announcements. A parent
 * must therefore not hold, across vdpa_register_device(),
 * vdpa_unregister_device() or vdpa_mgmtdev_unregister(), a lock that its
 * callbacks or its bus driver's probe take. The config helpers above
 * never take the management lock. &vdpa_config_ops.free may run from any
 * context that drops the last device reference. Callbacks reached through
 * the helpers run under cf_lock and must not call those helpers again.
 */

/**
 * struct vdpa_callback - a callback for a virtqueue or config interrupt
 * @callback: function called when the interrupt fires, in any context
 *            (hard interrupt, a worker with bottom halves disabled); may
 *            be NULL to disable the interrupt
 * @private: opaque argument passed to @callback
 * @trigger: an eventfd the parent may signal directly instead of calling
 *           @callback (vhost_vdpa's fast path); NULL when unused
 */
struct vdpa_callback {
	irqreturn_t (*callback)(void *data);
	void *private;
	struct eventfd_ctx *trigger;
};

/**
 * struct vdpa_notification_area - a virtqueue's doorbell
 * @addr: physical address of the doorbell
 * @size: size of the doorbell region in bytes
 */
struct vdpa_notification_area {
	resource_size_t addr;
	resource_size_t size;
};

/**
 * struct vdpa_vq_state_split - device state of a split virtqueue
 * @avail_index: the next available ring index the device will read
 */
struct vdpa_vq_state_split {
	u16	avail_index;
};

/**
 * struct vdpa_vq_state_packed - device state of a packed virtqueue
 * @last_avail_counter: wrap counter of the next descriptor to read
 * @last_avail_idx: index of the next descriptor to read
 * @last_used_counter: wrap counter of the next descriptor to write back
 * @last_used_idx: index of the next descriptor to write back
 */
struct vdpa_vq_state_packed {
	u16	last_avail_counter:1;
	u16	last_avail_idx:15;
	u16	last_used_counter:1;
	u16	last_used_idx:15;
};

/**
 * struct vdpa_vq_state - device state of a virtqueue, split or packed
 * @split: state when %VIRTIO_F_RING_PACKED is not negotiated
 * @packed: state when %VIRTIO_F_RING_PACKED is negotiated
 */
struct vdpa_vq_state {
	union {
		struct vdpa_vq_state_split split;
		struct vdpa_vq_state_packed packed;
	};
};

struct vdpa_mgmt_dev;

/**
 * struct vdpa_device - a vDPA device
 * @dev: the device on the vdpa bus; its release frees the whole structure
 * @dma_dev: the device that performs DMA for this vDPA device, used by bus
 *           drivers to map memory; defaults to the parent at registration
 * @config: the parent's operations; see &struct vdpa_config_ops
 * @cf_lock: protects @features_valid and serialises configuration space
 *           access, feature negotiation, status changes and reset
 * @index: the device index, unique on the bus
 * @features_valid: true once the driver features were set since the last
 *                  reset (protected by @cf_lock)
 * @use_va: the parent translates user virtual addresses itself (the
 *          IOTLB carries VAs, not PAs)
 * @nvqs: number of virtqueues, fixed at registration
 * @mdev: the management device that created this device, NULL for
 *        devices registered without one
 * @ngroups: number of virtqueue groups
 * @nas: number of address spaces
 */
struct vdpa_device {
	struct device dev;
	struct device *dma_dev;
	const struct vdpa_config_ops *config;
	struct rw_semaphore cf_lock;
	unsigned int index;
	bool features_valid;
	bool use_va;
	u32 nvqs;
	struct vdpa_mgmt_dev *mdev;
	unsigned int ngroups;
	unsigned int nas;
};

/**
 * struct vdpa_iova_range - the range of IOVAs a device can translate
 * @first: first usable IOVA
 * @last: last usable IOVA (inclusive)
 */
struct vdpa_iova_range {
	u64 first;
	u64 last;
};

/**
 * struct vdpa_dev_set_config - attributes requested for a new device
 * @device_features: the device features to provision
 * @net: networking attributes
 * @net.mac: MAC address
 * @net.mtu: MTU
 * @net.max_vq_pairs: maximum number of queue pairs
 * @mask: which attributes are set, as a bit mask of
 *        ``BIT_ULL(VDPA_ATTR_DEV_*)``
 * @extack: where &vdpa_mgmtdev_ops.dev_add (or dev_set_attr) may explain a
 *          refusal to the netlink caller with NL_SET_ERR_MSG_MOD(); may be
 *          NULL (the macros then do nothing). Not in the 6.12 API: parents
 *          written for it ignore it, and the core reports a generic
 *          message when a parent fails without one.
 */
struct vdpa_dev_set_config {
	u64 device_features;
	struct {
		u8 mac[ETH_ALEN];
		u16 mtu;
		u16 max_vq_pairs;
	} net;
	u64 mask;
	struct netlink_ext_ack *extack;
};

/**
 * struct vdpa_map_file - the file backing a mapping
 * @file: the file
 * @offset: offset of the mapping inside @file
 */
struct vdpa_map_file {
	struct file *file;
	u64 offset;
};

/**
 * struct vdpa_dirty_log - where a device reports its writes to driver memory
 * @write: a store of @len bytes (never 0, no wrap) at @iova of address
 *         space @asid: buffer contents, and descriptors a packed ring
 *         writes back
 * @write_used: a store of @len bytes at @offset from the start of the
 *              device area of virtqueue @idx (a split ring's used ring
 *              including its flags, index and avail event; a packed
 *              ring's device event suppression area)
 *
 * Given to &vdpa_config_ops.set_dirty_log by a bus driver (vhost_vdpa)
 * that embeds it in its own state. The parent reports every store its
 * device makes into driver memory, once the store is visible to the
 * driver (after a write barrier), including stores into buffers it later
 * hands back unused; it never reports reads, nor config space accesses.
 * The callbacks may be called in any context (hard interrupt included),
 * concurrently for different virtqueues, and never sleep.
 */
struct vdpa_dirty_log {
	void (*write)(struct vdpa_dirty_log *log, u32 asid, u64 iova, u64 len);
	void (*write_used)(struct vdpa_dirty_log *log, u16 idx, u64 offset,
			   u64 len);
};

/**
 * struct vdpa_config_ops - operations a parent provides for its devices
 *
 * Unless stated otherwise an operation is mandatory and
 * __vdpa_alloc_device() refuses an ops table that lacks it. @idx is always
 * a virtqueue index below &vdpa_device.nvqs; the bus drivers check it
 * before calling.
 *
 * @set_vq_address: set the guest addresses of a virtqueue's descriptor
 *                  area, driver area and device area; returns 0 or -errno
 * @set_vq_num: set the size of a virtqueue
 * @kick_vq: notify the device that a virtqueue has new buffers; called in
 *           any context (a driver's transmit path, an eventfd wakeup), so
 *           it must not sleep
 * @kick_vq_with_data: optional; notify with the notification data of
 *                     %VIRTIO_F_NOTIFICATION_DATA (@data carries the queue
 *                     index and the next available position); must not
 *                     sleep either
 * @set_vq_cb: set the interrupt callback of a virtqueue
 * @set_vq_ready: enable (@ready true) or disable a virtqueue
 * @get_vq_ready: whether a virtqueue is enabled
 * @set_vq_state: set a virtqueue's device state (see
 *                &struct vdpa_vq_state); returns 0 or -errno
 * @get_vq_state: read a virtqueue's device state; returns 0 or -errno
 * @get_vendor_vq_stats: optional; append a virtqueue's vendor statistics
 *                       to the netlink message @msg, reporting problems
 *                       through @extack; returns 0 or -errno
 * @get_vq_notification: optional; the doorbell of a virtqueue that can be
 *                       mapped to userspace
 * @get_vq_irq: optional; the interrupt number of a virtqueue, or -errno
 *              when it has none; must not change once DRIVER_OK is set
 * @get_vq_size: optional; the size of a virtqueue as the device sees it
 * @get_vq_align: the required virtqueue alignment in bytes
 * @get_vq_group: optional; the group a virtqueue belongs to, below
 *                &vdpa_device.ngroups; mandatory when ngroups > 1
 * @get_vq_desc_group: optional; the group of a virtqueue's descriptor
 *                     table when it may differ from its own group
 *                     (%VHOST_BACKEND_F_DESC_ASID)
 * @get_device_features: the features the device offers
 * @get_backend_features: optional; the vhost backend features
 *                        (``VHOST_BACKEND_F_*``) the parent supports
 * @set_driver_features: set the features the driver accepted; returns 0
 *                       or -errno
 * @get_driver_features: the features set by @set_driver_features
 * @set_config_cb: set the configuration change callback
 * @get_vq_num_max: the maximum virtqueue size
 * @get_vq_num_min: optional; the minimum virtqueue size (1 when absent)
 * @get_device_id: the virtio device ID (e.g. %VIRTIO_ID_NET)
 * @get_vendor_id: the virtio vendor ID
 * @get_status: the device status byte
 * @set_status: set the device status byte
 * @reset: reset the device; returns 0 or -errno
 * @compat_reset: optional; reset with ``VDPA_RESET_F_*`` @flags for
 *                drivers that depend on older reset semantics (e.g. with
 *                %VDPA_RESET_F_CLEAN_MAP the mappings are dropped too)
 * @suspend: optional; stop processing virtqueues while keeping their
 *           state readable; returns 0 or -errno
 * @resume: optional; restart a suspended device; returns 0 or -errno
 * @get_config_size: the size of the configuration space, including the
 *                   fields that depend on feature bits
 * @get_config: read @len bytes of configuration space at @offset into
 *              @buf; callers go through vdpa_get_config()
 * @set_config: write @len bytes from @buf to configuration space at
 *              @offset; callers go through vdpa_set_config()
 * @get_generation: optional; the configuration generation counter
 * @get_iova_range: optional; the usable IOVA range (the whole 64-bit
 *                  space when absent)
 * @set_vq_affinity: optional; set the CPU affinity of a virtqueue's
 *                   interrupt; returns 0 or -errno
 * @get_vq_affinity: optional; the CPU affinity of a virtqueue's interrupt
 * @set_map: optional; replace all mappings of address space @asid by the
 *           contents of @iotlb (for parents with their own translation
 *           that want the whole table at once); returns 0 or -errno.
 *           When it returns, the device no longer accesses a range that
 *           @iotlb lacks (callers release the pages afterwards), and an
 *           address space that started as an identity mapping is not one
 *           any more, even when @iotlb is empty
 * @dma_map: optional; add one mapping of @size bytes from @iova to @pa
 *           with permission @perm (``VHOST_MAP_*``) to address space
 *           @asid; @opaque is a &struct vdpa_map_file for use_va
 *           parents; must be provided together with @dma_unmap
 * @dma_unmap: optional; remove the mappings of @size bytes at @iova from
 *             address space @asid. When it returns, the device no longer
 *             accesses the range; an identity-mapped address space stops
 *             being one (only what is dma_map()ped afterwards translates)
 * @reset_map: optional; restore the mappings of address space @asid to
 *             their state at device creation; returns 0 or -errno
 * @set_group_asid: optional; attach virtqueue group @group to address
 *                  space @asid; mandatory when nas > 1
 * @get_vq_dma_dev: optional; the DMA device of one virtqueue when it
 *                  differs from &vdpa_device.dma_dev
 * @bind_mm: optional; bind the address space of the process that owns the
 *           device (use_va parents that need it); returns 0 or -errno
 * @unbind_mm: optional; undo @bind_mm
 * @reset_vq: optional, beyond the 6.12 API (a parent written for 6.12
 *            simply lacks it); reset one virtqueue of a running device,
 *            for %VIRTIO_F_RING_RESET: the queue stops, forgets its size,
 *            addresses, callback and position, and reads as not ready.
 *            Once it returns the parent neither touches the old ring nor
 *            calls its callback; the driver programs the queue again and
 *            enables it with @set_vq_ready. Returns 0 or -errno.
 * @set_dirty_log: optional, beyond the 6.12 API; start (@log not NULL),
 *                 replace or stop (@log NULL) reporting the device's
 *                 writes to driver memory, for live migration (see
 *                 &struct vdpa_dirty_log for what is reported and how).
 *                 Called in process context, may sleep; the bus driver
 *                 serialises its calls. Once it returns, no callback of
 *                 the previous log runs or will run. A reset does not
 *                 change it. Returns 0 or -errno (the previous log then
 *                 stays). Parents whose device writes memory the kernel
 *                 does not see (hardware, VDUSE) must not provide it
 * @free: optional; release the parent's resources; called exactly once,
 *        from the release of &vdpa_device.dev
 */
struct vdpa_config_ops {
	/* Virtqueue ops */
	int (*set_vq_address)(struct vdpa_device *vdev,
			      u16 idx, u64 desc_area, u64 driver_area,
			      u64 device_area);
	void (*set_vq_num)(struct vdpa_device *vdev, u16 idx, u32 num);
	void (*kick_vq)(struct vdpa_device *vdev, u16 idx);
	void (*kick_vq_with_data)(struct vdpa_device *vdev, u32 data);
	void (*set_vq_cb)(struct vdpa_device *vdev, u16 idx,
			  struct vdpa_callback *cb);
	void (*set_vq_ready)(struct vdpa_device *vdev, u16 idx, bool ready);
	bool (*get_vq_ready)(struct vdpa_device *vdev, u16 idx);
	int (*set_vq_state)(struct vdpa_device *vdev, u16 idx,
			    const struct vdpa_vq_state *state);
	int (*get_vq_state)(struct vdpa_device *vdev, u16 idx,
			    struct vdpa_vq_state *state);
	int (*get_vendor_vq_stats)(struct vdpa_device *vdev, u16 idx,
				   struct sk_buff *msg,
				   struct netlink_ext_ack *extack);
	struct vdpa_notification_area
	(*get_vq_notification)(struct vdpa_device *vdev, u16 idx);
	int (*get_vq_irq)(struct vdpa_device *vdev, u16 idx);
	u16 (*get_vq_size)(struct vdpa_device *vdev, u16 idx);

	/* Device ops */
	u32 (*get_vq_align)(struct vdpa_device *vdev);
	u32 (*get_vq_group)(struct vdpa_device *vdev, u16 idx);
	u32 (*get_vq_desc_group)(struct vdpa_device *vdev, u16 idx);
	u64 (*get_device_features)(struct vdpa_device *vdev);
	u64 (*get_backend_features)(const struct vdpa_device *vdev);
	int (*set_driver_features)(struct vdpa_device *vdev, u64 features);
	u64 (*get_driver_features)(struct vdpa_device *vdev);
	void (*set_config_cb)(struct vdpa_device *vdev,
			      struct vdpa_callback *cb);
	u16 (*get_vq_num_max)(struct vdpa_device *vdev);
	u16 (*get_vq_num_min)(struct vdpa_device *vdev);
	u32 (*get_device_id)(struct vdpa_device *vdev);
	u32 (*get_vendor_id)(struct vdpa_device *vdev);
	u8 (*get_status)(struct vdpa_device *vdev);
	void (*set_status)(struct vdpa_device *vdev, u8 status);
	int (*reset)(struct vdpa_device *vdev);
	int (*compat_reset)(struct vdpa_device *vdev, u32 flags);
#define VDPA_RESET_F_CLEAN_MAP 1
	int (*suspend)(struct vdpa_device *vdev);
	int (*resume)(struct vdpa_device *vdev);
	size_t (*get_config_size)(struct vdpa_device *vdev);
	void (*get_config)(struct vdpa_device *vdev, unsigned int offset,
			   void *buf, unsigned int len);
	void (*set_config)(struct vdpa_device *vdev, unsigned int offset,
			   const void *buf, unsigned int len);
	u32 (*get_generation)(struct vdpa_device *vdev);
	struct vdpa_iova_range (*get_iova_range)(struct vdpa_device *vdev);
	int (*set_vq_affinity)(struct vdpa_device *vdev, u16 idx,
			       const struct cpumask *cpu_mask);
	const struct cpumask *(*get_vq_affinity)(struct vdpa_device *vdev,
						 u16 idx);

	/* DMA ops */
	int (*set_map)(struct vdpa_device *vdev, unsigned int asid,
		       struct vhost_iotlb *iotlb);
	int (*dma_map)(struct vdpa_device *vdev, unsigned int asid,
		       u64 iova, u64 size, u64 pa, u32 perm, void *opaque);
	int (*dma_unmap)(struct vdpa_device *vdev, unsigned int asid,
			 u64 iova, u64 size);
	int (*reset_map)(struct vdpa_device *vdev, unsigned int asid);
	int (*set_group_asid)(struct vdpa_device *vdev, unsigned int group,
			      unsigned int asid);
	struct device *(*get_vq_dma_dev)(struct vdpa_device *vdev, u16 idx);
	int (*bind_mm)(struct vdpa_device *vdev, struct mm_struct *mm);
	void (*unbind_mm)(struct vdpa_device *vdev);

	/* Beyond the 6.12 API */
	int (*reset_vq)(struct vdpa_device *vdev, u16 idx);
	int (*set_dirty_log)(struct vdpa_device *vdev,
			     struct vdpa_dirty_log *log);

	/* Free device resources */
	void (*free)(struct vdpa_device *vdev);
};

struct vdpa_device *__vdpa_alloc_device(struct device *parent,
					const struct vdpa_config_ops *config,
					unsigned int ngroups, unsigned int nas,
					size_t size, const char *name,
					bool use_va);

/**
 * vdpa_alloc_device - allocate a parent structure embedding a vDPA device
 * @dev_struct: the parent's structure type
 * @member: the &struct vdpa_device member of @dev_struct; it must be the
 *          first member (checked at build time), which makes the returned
 *          pointer (or ERR_PTR()) a valid @dev_struct pointer
 * @parent: the parent device
 * @config: the parent's operations
 * @ngroups: number of virtqueue groups (at least 1)
 * @nas: number of address spaces (at least 1)
 * @name: the device name, or NULL for "vdpa<index>"
 * @use_va: whether the parent translates virtual addresses
 *
 * Return: a pointer to the zeroed @dev_struct, or an ERR_PTR(); see
 * __vdpa_alloc_device(). Undo with put_device(), never kfree().
 */
#define vdpa_alloc_device(dev_struct, member, parent, config, ngroups, nas, \
			  name, use_va) \
	((typeof(dev_struct) *) \
	 __vdpa_alloc_device(parent, config, ngroups, nas, \
			     sizeof(dev_struct) + \
			     BUILD_BUG_ON_ZERO(offsetof(dev_struct, member)), \
			     name, use_va))

int vdpa_register_device(struct vdpa_device *vdev, u32 nvqs);
void vdpa_unregister_device(struct vdpa_device *vdev);

int _vdpa_register_device(struct vdpa_device *vdev, u32 nvqs);
void _vdpa_unregister_device(struct vdpa_device *vdev);

/**
 * struct vdpa_driver - a vDPA bus driver
 * @driver: the underlying driver; set at least @driver.name
 * @probe: bind to a device; returns 0 or -errno
 * @remove: unbind from a device; must undo everything @probe did
 */
struct vdpa_driver {
	struct device_driver driver;
	int (*probe)(struct vdpa_device *vdev);
	void (*remove)(struct vdpa_device *vdev);
};

/**
 * vdpa_register_driver - register a vDPA bus driver owned by this module
 * @drv: the driver
 *
 * Return: 0 or -errno; see __vdpa_register_driver().
 */
#define vdpa_register_driver(drv) \
	__vdpa_register_driver(drv, THIS_MODULE)
int __vdpa_register_driver(struct vdpa_driver *drv, struct module *owner);
void vdpa_unregister_driver(struct vdpa_driver *drv);

/**
 * module_vdpa_driver - declare a module whose init and exit only register
 *                      and unregister a vDPA bus driver
 * @__vdpa_driver: the &struct vdpa_driver
 */
#define module_vdpa_driver(__vdpa_driver) \
	module_driver(__vdpa_driver, vdpa_register_driver, \
		      vdpa_unregister_driver)

/**
 * drv_to_vdpa - the vDPA driver embedding a driver
 * @driver: the embedded &struct device_driver
 *
 * Return: the containing &struct vdpa_driver.
 */
static inline struct vdpa_driver *drv_to_vdpa(struct device_driver *driver)
{
	return container_of(driver, struct vdpa_driver, driver);
}

/**
 * dev_to_vdpa - the vDPA device embedding a device
 * @_dev: the embedded &struct device
 *
 * Return: the containing &struct vdpa_device.
 */
static inline struct vdpa_device *dev_to_vdpa(struct device *_dev)
{
	return container_of(_dev, struct vdpa_device, dev);
}

/**
 * vdpa_get_drvdata - the bus driver's private data of a device
 * @vdev: the device
 *
 * Return: what vdpa_set_drvdata() stored.
 */
static inline void *vdpa_get_drvdata(const struct vdpa_device *vdev)
{
	return dev_get_drvdata(&vdev->dev);
}

/**
 * vdpa_set_drvdata - store the bus driver's private data of a device
 * @vdev: the device
 * @data: the data
 */
static inline void vdpa_set_drvdata(struct vdpa_device *vdev, void *data)
{
	dev_set_drvdata(&vdev->dev, data);
}

/**
 * vdpa_get_dma_dev - the device that performs DMA for a vDPA device
 * @vdev: the device
 *
 * Return: &vdpa_device.dma_dev.
 */
static inline struct device *vdpa_get_dma_dev(struct vdpa_device *vdev)
{
	return vdev->dma_dev;
}

int vdpa_reset(struct vdpa_device *vdev, u32 flags);
int vdpa_set_features_unlocked(struct vdpa_device *vdev, u64 features);
int vdpa_set_features(struct vdpa_device *vdev, u64 features);
void vdpa_get_config(struct vdpa_device *vdev, unsigned int offset,
		     void *buf, unsigned int len);
void vdpa_set_config(struct vdpa_device *vdev, unsigned int offset,
		     const void *buf, unsigned int length);
void vdpa_set_status(struct vdpa_device *vdev, u8 status);

/**
 * struct vdpa_mgmtdev_ops - what a management device can do
 * @dev_add: create and register (with _vdpa_register_device()) a device
 *           called @name with the attributes in @config; only attributes
 *           in &vdpa_mgmt_dev.config_attr_mask are ever requested.
 *           Called with the management lock held; returns 0 or -errno
 * @dev_del: unregister (with _vdpa_unregister_device()) a device this
 *           management device created; called with the management lock
 *           held
 * @dev_set_attr: optional; change attributes of an existing device;
 *                returns 0 or -errno
 */
struct vdpa_mgmtdev_ops {
	int (*dev_add)(struct vdpa_mgmt_dev *mdev, const char *name,
		       const struct vdpa_dev_set_config *config);
	void (*dev_del)(struct vdpa_mgmt_dev *mdev, struct vdpa_device *dev);
	int (*dev_set_attr)(struct vdpa_mgmt_dev *mdev, struct vdpa_device *dev,
			    const struct vdpa_dev_set_config *config);
};

/**
 * struct vdpa_mgmt_dev - a management device, which creates vDPA devices
 * @device: the device that names the management device (its bus and
 *          device name are the handle the netlink interface uses)
 * @ops: the operations
 * @id_table: the virtio device IDs it can create, terminated by a zeroed
 *            entry; gives the supported classes
 * @config_attr_mask: the ``BIT_ULL(VDPA_ATTR_DEV_*)`` attributes
 *                    @ops.dev_add accepts
 * @list: entry in the core's list; owned by the core
 * @supported_features: the device features it can provision
 * @max_supported_vqs: the maximum number of virtqueues of a device
 */
struct vdpa_mgmt_dev {
	struct device *device;
	const struct vdpa_mgmtdev_ops *ops;
	struct virtio_device_id *id_table;
	u64 config_attr_mask;
	struct list_head list;
	u64 supported_features;
	u32 max_supported_vqs;
};

int vdpa_mgmtdev_register(struct vdpa_mgmt_dev *mdev);
void vdpa_mgmtdev_unregister(struct vdpa_mgmt_dev *mdev);

#endif /* _LINUX_VDPA_H */
