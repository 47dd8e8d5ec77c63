/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * VDUSE device core: private definitions shared by the files of vduse.ko.
 * The IOVA domain (bounce pages, coherent allocations, the VMM's mappings)
 * has its own header, domain.h.
 */
#ifndef _VDUSE_INTERNAL_H
#define _VDUSE_INTERNAL_H

#include <linux/cdev.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/device.h>
#include <linux/eventfd.h>
#include <linux/idr.h>
#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/vdpa.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <uapi/linux/vduse.h>
#include <uapi/linux/vduse_ext.h>

#include "domain.h"

/* Minor 0 is /dev/vduse/control; devices use 1 .. VDUSE_MINORS - 1. */
#define VDUSE_MINORS		BIT(16)
#define VDUSE_VQ_MAX		0xffff
#define VDUSE_VQ_SIZE_MAX	32768
#define VDUSE_MSG_TIMEOUT_DEF	30
#define VDUSE_MSG_TIMEOUT_MAX	3600
/* How long a device removal waits for an attached but silent daemon. */
#define VDUSE_REMOVE_WAIT	(2 * HZ)

/**
 * struct vduse_vq - one virtqueue of a VDUSE device
 * @index: its index
 * @num_max: the largest size, set by the daemon (VDUSE_VQ_SETUP); read
 *           with READ_ONCE() by get_vq_num_max
 * @num: the size the driver set
 * @desc_addr: descriptor area address (IOVA) the driver set
 * @driver_addr: driver area address
 * @device_addr: device area address
 * @state: the queue position the driver set (set_vq_state)
 * @ready: whether the driver enabled it; read with READ_ONCE() by kicks and,
 *         under @irq_lock, by interrupt injection
 * @kick_lock: protects @kickfd and @kicked; taken in any context
 * @kickfd: the daemon's kick eventfd, or NULL
 * @kicked: a kick arrived while no eventfd was set; signalled when one is
 * @kick_work: signals @kickfd from process context when the kick came from
 *             inside an eventfd wakeup (nested signals are not allowed)
 * @irq_lock: protects @cb, @irq_affinity and @irq_affinity_admin;
 *            irqsave, held while the callback runs
 * @cb: the driver's interrupt callback
 * @irq_affinity: the driver's CPUs for the callback (set_vq_affinity), or
 *                the administrator's (sysfs irq_cb_affinity)
 * @irq_affinity_admin: @irq_affinity is the administrator's and steers
 *                      injected interrupts
 * @irq_work: runs the callback of an injected interrupt that is steered
 *            (@irq_affinity_admin) or comes back to back
 * @irq_inline_end: local_clock() when the last inline callback returned
 * @irq_inline_ns: how long that callback took
 * @kobj: the vq<N> directory under the VDUSE device; owns this structure
 *
 * @num, the addresses, @state and @ready are protected by &vduse_dev.lock.
 */
struct vduse_vq {
	u32 index;
	u16 num_max;
	u32 num;
	u64 desc_addr;
	u64 driver_addr;
	u64 device_addr;
	struct vdpa_vq_state state;
	bool ready;
	spinlock_t kick_lock;		/* protects kickfd, kicked */
	struct eventfd_ctx *kickfd;
	bool kicked;
	struct work_struct kick_work;
	spinlock_t irq_lock;		/* protects cb, irq_affinity{,_admin} */
	struct vdpa_callback cb;
	cpumask_t irq_affinity;
	bool irq_affinity_admin;
	struct work_struct irq_work;
	u64 irq_inline_end;
	u64 irq_inline_ns;
	struct kobject kobj;
};

struct vduse_dev;

/**
 * struct vduse_vdpa - the vDPA device of an attached VDUSE device
 * @vdpa: the vDPA device; first member (vdpa_alloc_device())
 * @dev: the VDUSE device it belongs to
 */
struct vduse_vdpa {
	struct vdpa_device vdpa;
	struct vduse_dev *dev;
};

/**
 * struct vduse_msg - one request to the daemon and its response
 * @list: entry in &vduse_dev.send_list or &vduse_dev.recv_list
 * @req: the request
 * @resp: the response, valid once @done is set
 * @done: answered (or failed, see @err)
 * @err: 0, or why it failed without an answer (-ENOTCONN)
 * @detached: nobody waits for it; freed when answered or dropped
 * @waitq: the sender waits here
 */
struct vduse_msg {
	struct list_head list;
	struct vduse_dev_request req;
	struct vduse_dev_response resp;
	bool done;
	int err;
	bool detached;
	wait_queue_head_t waitq;
};

/**
 * struct vduse_dev - a VDUSE device (created by VDUSE_CREATE_DEV)
 * @lock: protects the virtqueues' driver-set fields, @status,
 *        @driver_features, @vdev, @domain, @bounce_size; never held while
 *        copying from or to userspace of another process, nor while
 *        waiting for the daemon
 * @name: its name (/dev/vduse/<name>, the vdpa device name)
 * @minor: its minor number
 * @dev: its class device (sysfs knobs, parent of the vDPA device)
 * @api_version: the API version the creator set (0)
 * @ext_features: the extensions (VDUSE_EXT_F_*) the creator asked for
 * @device_id: virtio device ID
 * @vendor_id: virtio vendor ID
 * @device_features: features the daemon offers
 * @driver_features: features the driver accepted
 * @status: the status byte the daemon accepted last
 * @needs_reset: a request timed out: get_status adds NEEDS_RESET until the
 *               next reset
 * @vq_num: number of virtqueues
 * @vq_align: the ring alignment the daemon wants
 * @vqs: the virtqueues
 * @config_lock: protects @config and @generation (spinlock: no sleeping)
 * @config_size: size of @config
 * @config: the configuration space as the daemon set it
 * @generation: bumped on every change of @config
 * @config_cb_lock: protects @config_cb
 * @config_cb: the driver's configuration change callback
 * @vdev: the attached vDPA device, or NULL
 * @domain: the IOVA domain, present while @vdev is
 * @bounce_size: bounce region size for the next domain
 * @msg_lock: protects @send_list, @recv_list, @msg_id, @connected,
 *            @vdpa_held, @removing and @remove_deadline
 * @send_list: requests not yet read by the daemon
 * @recv_list: requests read but not answered
 * @msg_id: the next request ID
 * @connected: a daemon has /dev/vduse/<name> open (only one may)
 * @vdpa_held: a vDPA device is attached or not yet released; set before
 *             @vdev, cleared after it as the release's last access to the
 *             device (VDUSE_DESTROY_DEV refuses while it is set)
 * @removing: the vDPA device is being removed: senders do not wait for
 *            an absent daemon and wait at most until @remove_deadline
 * @remove_deadline: jiffies after which senders give up while @removing
 * @waitq: readers and pollers of the device file wait here
 * @msg_timeout: seconds a sender waits for an answer (0: no limit)
 * @rescue_lock: protects @rescue_on and @revoked (rescue.c)
 * @rescue_on: the vDPA device is being removed and the kernel completes
 *             the block requests itself (every kick runs @rescue_work)
 * @revoked: the attached daemon was revoked by a rescue: its ioctls,
 *           reads and writes fail with -ENODEV until it closes the file
 * @rescue_work: completes outstanding requests with an I/O error
 * @rescue_events: bumped when the daemon injects a queue interrupt
 * @rescue_wq: the removal waits here for the daemon to go idle
 * @cvq_index: the control queue of a net device at DRIVER_OK, else
 *             U32_MAX
 * @cvq_watch: the control-queue watchdog (cvq.c)
 * @cvq_seen: the control queue's used index when it last moved
 * @cvq_seen_at: jiffies when the watchdog saw it move
 * @cvq_seen_valid: @cvq_seen and @cvq_seen_at hold a value (the four
 *                  protected by @lock)
 */
struct vduse_dev {
	struct mutex lock;		/* see the kernel-doc above */
	char *name;
	int minor;
	struct device *dev;
	u64 api_version;
	u64 ext_features;
	u32 device_id;
	u32 vendor_id;
	u64 device_features;
	u64 driver_features;
	u8 status;
	bool needs_reset;
	u32 vq_num;
	u32 vq_align;
	struct vduse_vq **vqs;
	spinlock_t config_lock;		/* protects config, generation */
	u32 config_size;
	u8 *config;
	u32 generation;
	spinlock_t config_cb_lock;	/* protects config_cb */
	struct vdpa_callback config_cb;
	struct vduse_vdpa *vdev;
	struct vduse_domain *domain;
	u64 bounce_size;
	spinlock_t msg_lock;		/* see the kernel-doc above */
	struct list_head send_list;
	struct list_head recv_list;
	u32 msg_id;
	bool connected;
	bool vdpa_held;
	bool removing;
	unsigned long remove_deadline;
	wait_queue_head_t waitq;
	unsigned int msg_timeout;
	/* rescue.c */
	spinlock_t rescue_lock;		/* protects rescue_on, revoked */
	bool rescue_on;
	bool revoked;
	struct work_struct rescue_work;
	atomic_t rescue_events;
	wait_queue_head_t rescue_wq;
	/* cvq.c */
	u32 cvq_index;
	struct delayed_work cvq_watch;
	u16 cvq_seen;
	unsigned long cvq_seen_at;
	bool cvq_seen_valid;
};

/* main.c */
extern struct mutex vduse_lock;
extern const struct class vduse_class;
extern dev_t vduse_devt;
extern struct idr vduse_idr;
struct vduse_dev *vduse_find_dev(const char *name);

/* control.c */
extern const struct file_operations vduse_control_fops;
void vduse_destroy_all(void);

/* dev.c */
extern const struct file_operations vduse_dev_fops;

/* ioctl.c */
long vduse_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

/* msg.c */
int vduse_msg_send(struct vduse_dev *dev, struct vduse_dev_request *req,
		   struct vduse_dev_response *resp);
int vduse_msg_send_within(struct vduse_dev *dev,
			  struct vduse_dev_request *req,
			  struct vduse_dev_response *resp, unsigned int secs);
void vduse_msg_queue_reset(struct vduse_dev *dev);
ssize_t vduse_msg_read(struct vduse_dev *dev, char __user *buf,
		       size_t count, bool nonblock);
ssize_t vduse_msg_write(struct vduse_dev *dev, const char __user *buf,
			size_t count);
int vduse_msg_attach(struct vduse_dev *dev);
void vduse_msg_detach(struct vduse_dev *dev);
void vduse_msg_flush(struct vduse_dev *dev);
void vduse_msg_set_removing(struct vduse_dev *dev, bool removing);
bool vduse_msg_pending(struct vduse_dev *dev);

/* vdpa_ops.c */
extern const struct vdpa_config_ops vduse_vdpa_ops;
void vduse_raise_config_irq(struct vduse_dev *dev);
void vduse_vq_kick_work(struct work_struct *work);
void vduse_vq_irq_work(struct work_struct *work);
void vduse_dev_reset_state(struct vduse_dev *dev);
int vduse_status_request(struct vduse_dev *dev, u8 status);

/* dma.c */
extern const struct dma_map_ops vduse_dma_ops;

/* cvq.c */
void vduse_cvq_init(struct vduse_dev *dev);
void vduse_cvq_start(struct vduse_dev *dev);
void vduse_cvq_stop(struct vduse_dev *dev);

/* config_write.c */
void vduse_config_swap(struct vduse_dev *dev, unsigned int offset,
		       const u8 *in, u8 *out, unsigned int len);
void vduse_config_write(struct vduse_dev *dev, unsigned int offset,
			const void *buf, unsigned int len);

/* rescue.c */
void vduse_rescue_init(struct vduse_dev *dev);
void vduse_rescue_begin(struct vduse_dev *dev);
void vduse_rescue_end(struct vduse_dev *dev);
bool vduse_rescue_kick(struct vduse_dev *dev);
void vduse_rescue_irq_notify(struct vduse_dev *dev);
bool vduse_rescue_revoked(struct vduse_dev *dev);
void vduse_rescue_release(struct vduse_dev *dev);

/* mgmt.c */
int vduse_mgmt_init(void);
void vduse_vdpa_released(struct vduse_dev *dev);
void vduse_mgmt_exit(void);

/* sysfs.c */
extern const struct attribute_group *vduse_dev_groups[];
int vduse_vqs_sysfs_add(struct vduse_dev *dev);
void vduse_vqs_sysfs_del(struct vduse_dev *dev, u32 n);
struct vduse_vq *vduse_vq_alloc(u32 index);

/**
 * vduse_vdpa_to_dev() - the VDUSE device of a vDPA device
 * @vdpa: a vDPA device created by the vduse management device
 *
 * Return: its &struct vduse_dev.
 */
static inline struct vduse_dev *vduse_vdpa_to_dev(struct vdpa_device *vdpa)
{
	return container_of(vdpa, struct vduse_vdpa, vdpa)->dev;
}

#endif /* _VDUSE_INTERNAL_H */
