/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vp_vdpa: a modern virtio-pci function as a vDPA device. Private
 * definitions shared by the files of vp_vdpa.ko.
 */
#ifndef _VP_VDPA_H
#define _VP_VDPA_H

#include <linux/if_ether.h>
#include <linux/interrupt.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/vdpa.h>
#include <linux/virtio_pci_modern.h>

/**
 * struct vp_vdpa_vq - one virtqueue of the function
 * @notify: its doorbell, mapped
 * @notify_pa: the doorbell's physical address
 * @cb_lock: protects @cb; irqsave, held while the callback runs
 * @cb: the bus driver's interrupt callback
 * @irq: its interrupt while DRIVER_OK, else -1 (under &vp_vdpa.irq_lock)
 * @name: the interrupt's name in /proc/interrupts
 * @affine: @affinity holds the CPUs the bus driver asked for
 *          (set_vq_affinity); under &vp_vdpa.irq_lock
 * @affinity: those CPUs; also the affinity hint of @irq while it is set
 */
struct vp_vdpa_vq {
	void __iomem *notify;
	resource_size_t notify_pa;
	spinlock_t cb_lock;		/* protects cb */
	struct vdpa_callback cb;
	int irq;
	char name[48];
	bool affine;
	struct cpumask affinity;
};

struct vp_vdpa_fn;

/**
 * struct vp_vdpa - the vDPA device of a function
 * @vdpa: the vDPA device; first member (vdpa_alloc_device())
 * @fn: the function, NULL once the device was deleted
 * @nvqs: number of virtqueues
 * @vqs: the virtqueues
 * @features: the device features offered (the function's, masked by the
 *            device_features attribute of "vdpa dev add")
 * @config_lock: protects @config_cb; irqsave, held while it runs
 * @config_cb: the bus driver's configuration change callback
 * @irq_lock: protects the interrupts: @nvec, @shared, @intx, @config_irq
 *            and each queue's irq, affine and affinity (requested and
 *            freed under it, so set_vq_affinity never reaches a freed
 *            vector)
 * @config_irq: the configuration interrupt while DRIVER_OK, else -1
 * @nvec: interrupt vectors allocated (0: none; INTx counts as one)
 * @shared: one vector serves every queue and the configuration
 * @intx: that vector is the function's INTx line (it has no MSI-X),
 *        possibly shared with other devices
 * @config_name: the configuration interrupt's name
 */
struct vp_vdpa {
	struct vdpa_device vdpa;
	struct vp_vdpa_fn *fn;
	u32 nvqs;
	struct vp_vdpa_vq *vqs;
	u64 features;
	spinlock_t config_lock;		/* protects config_cb */
	struct vdpa_callback config_cb;
	struct mutex irq_lock;		/* protects the interrupts */
	int config_irq;
	int nvec;
	bool shared;
	bool intx;
	char config_name[48];
};

/**
 * struct vp_vdpa_fn - a PCI function bound to vp_vdpa
 * @mdev: the virtio-pci modern device (capabilities, mapped regions)
 * @mgmt: its management device ("pci/<BDF>")
 * @id: the virtio device ID it offers (id_table of @mgmt, zero-terminated)
 * @vp: its vDPA device, if one was added (under the vdpa management lock)
 */
struct vp_vdpa_fn {
	struct virtio_pci_modern_device mdev;
	struct vdpa_mgmt_dev mgmt;
	struct virtio_device_id id[2];
	struct vp_vdpa *vp;
};

static inline struct vp_vdpa *vdpa_to_vp(struct vdpa_device *vdpa)
{
	return container_of(vdpa, struct vp_vdpa, vdpa);
}

static inline struct virtio_pci_modern_device *vp_mdev(struct vp_vdpa *vp)
{
	return &vp->fn->mdev;
}

/*
 * Stores a bus driver's callback under @lock, the lock its handler runs
 * it under (vp_vdpa_run_cb() in irq.c): once this returns, no handler
 * calls the old one.
 */
static inline void vp_vdpa_cb_store(spinlock_t *lock, struct vdpa_callback *dst,
				    const struct vdpa_callback *cb)
{
	unsigned long flags;

	spin_lock_irqsave(lock, flags);
	*dst = *cb;
	spin_unlock_irqrestore(lock, flags);
}

/**
 * struct vp_vdpa_net_caps - a net function's configuration, as "vdpa dev
 *                           add" attributes are checked against it
 * @features: its device features
 * @mac: its MAC (meaningful with %VIRTIO_NET_F_MAC)
 * @mtu: its MTU (meaningful with %VIRTIO_NET_F_MTU)
 * @pairs: its queue pairs (max_virtqueue_pairs with %VIRTIO_NET_F_MQ, else 1)
 */
struct vp_vdpa_net_caps {
	u64 features;
	u8 mac[ETH_ALEN];
	u16 mtu;
	u16 pairs;
};

/* provision.c */
int vp_vdpa_provision(struct vp_vdpa_fn *fn,
		      const struct vdpa_dev_set_config *cfg);
u16 vp_vdpa_num_queues(struct vp_vdpa_fn *fn);
int vp_vdpa_sriov_configure(struct pci_dev *pdev, int num_vfs);
#if IS_ENABLED(CONFIG_KUNIT)
int vp_vdpa_net_check(const struct vp_vdpa_net_caps *caps,
		      const struct vdpa_dev_set_config *cfg);
int vp_vdpa_sriov_check(u64 features, int num_vfs, bool assigned);
u16 vp_vdpa_net_queues(const struct vp_vdpa_net_caps *caps, u16 num_queues);
#endif

/* ops.c */
extern const struct vdpa_config_ops vp_vdpa_ops;
void vp_vdpa_config_read(struct virtio_pci_modern_device *mdev,
			 unsigned int offset, void *buf, unsigned int len);

/* irq.c */
int vp_vdpa_irqs_request(struct vp_vdpa *vp);
void vp_vdpa_irqs_free(struct vp_vdpa *vp);
int vp_vdpa_set_vq_affinity(struct vdpa_device *vdpa, u16 idx,
			    const struct cpumask *cpu_mask);
const struct cpumask *vp_vdpa_get_vq_affinity(struct vdpa_device *vdpa,
					      u16 idx);

#endif /* _VP_VDPA_H */
