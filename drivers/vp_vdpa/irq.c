// SPDX-License-Identifier: GPL-2.0-only
/*
 * vp_vdpa interrupts: MSI-X, a vector per virtqueue and one for
 * configuration changes, or a single vector shared by all of them when the
 * function has fewer, or the function's INTx line when it has no MSI-X at
 * all. Requested when the driver sets DRIVER_OK (the queues are set up by
 * then), freed by reset.
 */

#include <linux/pci.h>

#include "vp_vdpa.h"

/* Runs @cb, if set, under @lock (which its setter takes too). */
static void vp_vdpa_run_cb(spinlock_t *lock, struct vdpa_callback *cb)
{
	unsigned long flags;

	spin_lock_irqsave(lock, flags);
	if (cb->callback)
		cb->callback(cb->private);
	spin_unlock_irqrestore(lock, flags);
}

static void vp_vdpa_vq_cb(struct vp_vdpa_vq *vq)
{
	vp_vdpa_run_cb(&vq->cb_lock, &vq->cb);
}

static void vp_vdpa_config_cb(struct vp_vdpa *vp)
{
	vp_vdpa_run_cb(&vp->config_lock, &vp->config_cb);
}

static irqreturn_t vp_vdpa_vq_irq(int irq, void *arg)
{
	vp_vdpa_vq_cb(arg);
	return IRQ_HANDLED;
}

static irqreturn_t vp_vdpa_config_irq(int irq, void *arg)
{
	vp_vdpa_config_cb(arg);
	return IRQ_HANDLED;
}

/*
 * The shared vector or INTx line: every queue may have used buffers; the
 * configuration changed only if the ISR says so (the device sets its
 * config bit before any config interrupt, MSI-X or not; reading the ISR
 * clears it, and deasserts INTx). Without that check every completion
 * would look like a config change to the bus driver (virtio_blk re-reads
 * its capacity each time). An INTx line may be shared with other devices:
 * an ISR of 0 means the interrupt was not the function's.
 */
static irqreturn_t vp_vdpa_shared_irq(int irq, void *arg)
{
	struct vp_vdpa *vp = arg;
	u8 isr = ioread8(vp_mdev(vp)->isr);
	u32 i;

	if (vp->intx && !isr)
		return IRQ_NONE;
	for (i = 0; i < vp->nvqs; i++)
		vp_vdpa_vq_cb(&vp->vqs[i]);
	if (isr & VIRTIO_PCI_ISR_CONFIG)
		vp_vdpa_config_cb(vp);
	return IRQ_HANDLED;
}

/* Tell the function which vector each source uses; false if it refused. */
static bool vp_vdpa_vectors_set(struct vp_vdpa *vp, bool on)
{
	struct virtio_pci_modern_device *mdev = vp_mdev(vp);
	u16 none = VIRTIO_MSI_NO_VECTOR, v;
	u32 i;

	for (i = 0; i < vp->nvqs; i++) {
		v = on ? (vp->shared ? 0 : i) : none;
		if (vp_modern_queue_vector(mdev, i, v) != v)
			return false;
	}
	v = on ? (vp->shared ? 0 : vp->nvqs) : none;
	return vp_modern_config_vector(mdev, v) == v;
}

static int vp_vdpa_irqs_per_vq(struct vp_vdpa *vp)
{
	struct pci_dev *pdev = vp_mdev(vp)->pci_dev;
	struct vp_vdpa_vq *vq;
	int err;
	u32 i;

	for (i = 0; i < vp->nvqs; i++) {
		vq = &vp->vqs[i];
		snprintf(vq->name, sizeof(vq->name), "vp-vdpa-%s-vq%u",
			 pci_name(pdev), i);
		err = request_irq(pci_irq_vector(pdev, i), vp_vdpa_vq_irq, 0,
				  vq->name, vq);
		if (err)
			return err;
		vq->irq = pci_irq_vector(pdev, i);
		if (vq->affine)
			irq_set_affinity_and_hint(vq->irq, &vq->affinity);
	}
	snprintf(vp->config_name, sizeof(vp->config_name),
		 "vp-vdpa-%s-config", pci_name(pdev));
	err = request_irq(pci_irq_vector(pdev, vp->nvqs), vp_vdpa_config_irq,
			  0, vp->config_name, vp);
	if (!err)
		vp->config_irq = pci_irq_vector(pdev, vp->nvqs);
	return err;
}

static int vp_vdpa_irqs_one(struct vp_vdpa *vp)
{
	struct pci_dev *pdev = vp_mdev(vp)->pci_dev;
	int err;

	snprintf(vp->config_name, sizeof(vp->config_name), "vp-vdpa-%s",
		 pci_name(pdev));
	err = request_irq(pci_irq_vector(pdev, 0), vp_vdpa_shared_irq,
			  vp->intx ? IRQF_SHARED : 0, vp->config_name, vp);
	if (!err)
		vp->config_irq = pci_irq_vector(pdev, 0);
	return err;
}

/* Undoes vp_vdpa_irqs_request(); nothing to do when nothing is allocated. */
static void __vp_vdpa_irqs_free(struct vp_vdpa *vp)
{
	struct pci_dev *pdev = vp_mdev(vp)->pci_dev;
	struct vp_vdpa_vq *vq;
	u32 i;

	lockdep_assert_held(&vp->irq_lock);
	if (!vp->nvec)
		return;
	if (!vp->intx)
		vp_vdpa_vectors_set(vp, false);
	for (i = 0; i < vp->nvqs; i++) {
		vq = &vp->vqs[i];
		if (vq->irq >= 0) {
			/* free_irq() wants no hint left pointing at us. */
			irq_update_affinity_hint(vq->irq, NULL);
			free_irq(vq->irq, vq);
		}
		vq->irq = -1;
	}
	if (vp->config_irq >= 0)
		free_irq(vp->config_irq, vp);
	vp->config_irq = -1;
	pci_free_irq_vectors(pdev);
	vp->nvec = 0;
	vp->intx = false;
}

/**
 * vp_vdpa_irqs_request() - allocate, request and program the interrupts
 * @vp: the device
 *
 * A queue the bus driver gave an affinity (set_vq_affinity) gets it on its
 * own vector; a shared vector keeps the default. A function without MSI-X
 * gets its INTx line (shared with other devices), and no vector is written
 * to it.
 *
 * Context: process context, before DRIVER_OK reaches the function.
 * Return: 0 or -errno (nothing is left allocated then).
 */
int vp_vdpa_irqs_request(struct vp_vdpa *vp)
{
	struct pci_dev *pdev = vp_mdev(vp)->pci_dev;
	int n, err;

	mutex_lock(&vp->irq_lock);
	n = pci_alloc_irq_vectors(pdev, 1, vp->nvqs + 1,
				  PCI_IRQ_MSIX | PCI_IRQ_INTX);
	if (n < 0) {
		mutex_unlock(&vp->irq_lock);
		return n;
	}
	vp->nvec = n;
	vp->intx = !pdev->msix_enabled;
	vp->shared = vp->intx || n < vp->nvqs + 1;
	err = vp->shared ? vp_vdpa_irqs_one(vp) : vp_vdpa_irqs_per_vq(vp);
	if (!err && !vp->intx && !vp_vdpa_vectors_set(vp, true))
		err = -EBUSY;
	if (err)
		__vp_vdpa_irqs_free(vp);
	mutex_unlock(&vp->irq_lock);
	return err;
}

/**
 * vp_vdpa_irqs_free() - undo vp_vdpa_irqs_request(); safe when nothing is
 *                       allocated
 * @vp: the device
 *
 * On return no handler runs or will run.
 */
void vp_vdpa_irqs_free(struct vp_vdpa *vp)
{
	mutex_lock(&vp->irq_lock);
	__vp_vdpa_irqs_free(vp);
	mutex_unlock(&vp->irq_lock);
}

/**
 * vp_vdpa_set_vq_affinity() - &vdpa_config_ops.set_vq_affinity
 * @vdpa: the device
 * @idx: the queue
 * @cpu_mask: the CPUs for its interrupt (empty or NULL: no preference)
 *
 * Kept for the queue's vector, and applied at once if it has one.
 *
 * Context: process context.
 * Return: 0.
 */
int vp_vdpa_set_vq_affinity(struct vdpa_device *vdpa, u16 idx,
			    const struct cpumask *cpu_mask)
{
	struct vp_vdpa *vp = vdpa_to_vp(vdpa);
	struct vp_vdpa_vq *vq = &vp->vqs[idx];

	mutex_lock(&vp->irq_lock);
	vq->affine = cpu_mask && !cpumask_empty(cpu_mask);
	if (vq->affine)
		cpumask_copy(&vq->affinity, cpu_mask);
	if (vq->irq >= 0)
		irq_set_affinity_and_hint(vq->irq,
					  vq->affine ? &vq->affinity : NULL);
	mutex_unlock(&vp->irq_lock);
	return 0;
}

/**
 * vp_vdpa_get_vq_affinity() - &vdpa_config_ops.get_vq_affinity
 * @vdpa: the device
 * @idx: the queue
 *
 * Return: the CPUs set by vp_vdpa_set_vq_affinity(), or NULL if none were.
 */
const struct cpumask *vp_vdpa_get_vq_affinity(struct vdpa_device *vdpa,
					      u16 idx)
{
	struct vp_vdpa_vq *vq = &vdpa_to_vp(vdpa)->vqs[idx];

	return READ_ONCE(vq->affine) ? &vq->affinity : NULL;
}
