// SPDX-License-Identifier: GPL-2.0-only
/*
 * Doorbell mapping: userspace maps queue N's notification page at offset
 * N pages of the device file and kicks by writing to it, for parents
 * that expose a page-aligned, page-sized doorbell per queue.
 */

#include <linux/mm.h>
#include <linux/nospec.h>

#include "internal.h"

/* The doorbell of queue @index, or -errno; v->doorbell_lock held. */
static int vhv_doorbell(struct vhost_vdpa *v, unsigned long index,
			struct vdpa_notification_area *area)
{
	const struct vdpa_config_ops *ops;

	lockdep_assert_held(&v->doorbell_lock);
	if (v->gone)
		return -ENODEV;
	ops = v->vdpa->config;
	if (!ops->get_vq_notification)
		return -EOPNOTSUPP;
	if (index >= v->nvqs)
		return -EINVAL;
	index = array_index_nospec(index, v->nvqs);
	*area = ops->get_vq_notification(v->vdpa, index);
	if (area->addr & ~PAGE_MASK || area->size != PAGE_SIZE)
		return -EOPNOTSUPP;
	return 0;
}

static vm_fault_t vhv_doorbell_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct vhost_vdpa *v = vma->vm_file->private_data;
	struct vdpa_notification_area area;
	vm_fault_t ret = VM_FAULT_SIGBUS;

	mutex_lock(&v->doorbell_lock);
	if (!vhv_doorbell(v, vma->vm_pgoff, &area))
		ret = vmf_insert_pfn(vma, vmf->address & PAGE_MASK,
				     PFN_DOWN(area.addr));
	mutex_unlock(&v->doorbell_lock);
	return ret;
}

static const struct vm_operations_struct vhv_doorbell_vm_ops = {
	.fault = vhv_doorbell_fault,
};

/**
 * vhost_vdpa_mmap() - &file_operations.mmap: one queue's doorbell
 * @file: an open /dev/vhost-vdpa-N
 * @vma: one page, shared, write-only, at page offset = queue index
 *
 * The page is inserted at the first fault and zapped when the vDPA device
 * goes away.
 *
 * Return: 0 or -errno.
 */
int vhost_vdpa_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct vhost_vdpa *v = file->private_data;
	struct vdpa_notification_area area;
	int err;

	if (vma->vm_end - vma->vm_start != PAGE_SIZE ||
	    !(vma->vm_flags & VM_SHARED) || (vma->vm_flags & VM_READ))
		return -EINVAL;
	mutex_lock(&v->doorbell_lock);
	err = vhv_doorbell(v, vma->vm_pgoff, &area);
	mutex_unlock(&v->doorbell_lock);
	if (err)
		return err;
	vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
	vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &vhv_doorbell_vm_ops;
	return 0;
}
