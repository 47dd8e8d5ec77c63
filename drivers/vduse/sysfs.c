// SPDX-License-Identifier: GPL-2.0-only
/*
 * sysfs knobs of a VDUSE device (/sys/class/vduse/<name>/): msg_timeout,
 * bounce_size, and vq<N>/irq_cb_affinity per virtqueue.
 */

#include <linux/slab.h>
#include <linux/sysfs.h>

#include "internal.h"

/**
 * DOC: sysfs knobs
 *
 * ``msg_timeout``: seconds a request waits for the daemon (default 30,
 * at most 3600, 0 waits without a limit); anything else is refused with
 * -EINVAL and changes nothing.
 *
 * ``bounce_size``: size in bytes of the bounce region of the IOVA domain
 * (page aligned, 1 MiB to 1 GiB, default 64 MiB). It can be changed
 * while no driver has set DRIVER_OK and no bounce page is in use (the
 * domain decides); otherwise -EBUSY.
 *
 * ``vq<N>/irq_cb_affinity``: a CPU mask (hex, as in
 * /proc/irq/\*\/smp_affinity) for the virtqueue's interrupt callback.
 * Interrupts the daemon injects run the callback inline on the daemon's
 * CPU, or from a work item when they come back to back (see
 * vduse_ioc_vq_irq()), unless the administrator wrote a mask here that
 * leaves out some CPU: then one injected from outside the mask is handed
 * to a work item on an online CPU of it. Writing a mask with every CPU
 * undoes that. The driver's own choice (set_vq_affinity, reset to every
 * CPU by a device reset) is what the file shows otherwise; it does not
 * steer.
 */

static ssize_t msg_timeout_show(struct device *d, struct device_attribute *a,
				char *buf)
{
	struct vduse_dev *dev = dev_get_drvdata(d);

	return sysfs_emit(buf, "%u\n", READ_ONCE(dev->msg_timeout));
}

static ssize_t msg_timeout_store(struct device *d, struct device_attribute *a,
				 const char *buf, size_t count)
{
	struct vduse_dev *dev = dev_get_drvdata(d);
	unsigned int v;

	if (kstrtouint(buf, 10, &v) || v > VDUSE_MSG_TIMEOUT_MAX)
		return -EINVAL;
	WRITE_ONCE(dev->msg_timeout, v);
	return count;
}
static DEVICE_ATTR_RW(msg_timeout);

static ssize_t bounce_size_show(struct device *d, struct device_attribute *a,
				char *buf)
{
	struct vduse_dev *dev = dev_get_drvdata(d);
	u64 size;

	mutex_lock(&dev->lock);
	size = dev->domain ? vduse_domain_bounce_size(dev->domain) :
			     dev->bounce_size;
	mutex_unlock(&dev->lock);
	return sysfs_emit(buf, "%llu\n", size);
}

static ssize_t bounce_size_store(struct device *d, struct device_attribute *a,
				 const char *buf, size_t count)
{
	struct vduse_dev *dev = dev_get_drvdata(d);
	int err = 0;
	u64 v;

	if (kstrtou64(buf, 0, &v) || v < VDUSE_BOUNCE_MIN ||
	    v > VDUSE_BOUNCE_MAX || !PAGE_ALIGNED(v))
		return -EINVAL;
	mutex_lock(&dev->lock);
	if (dev->status & VIRTIO_CONFIG_S_DRIVER_OK)
		err = -EBUSY;
	else if (dev->domain)
		err = vduse_domain_set_bounce_size(dev->domain, v);
	if (!err)
		dev->bounce_size = v;
	mutex_unlock(&dev->lock);
	return err ?: count;
}
static DEVICE_ATTR_RW(bounce_size);

static struct attribute *vduse_dev_attrs[] = {
	&dev_attr_msg_timeout.attr,
	&dev_attr_bounce_size.attr,
	NULL,
};

static const struct attribute_group vduse_dev_group = {
	.attrs = vduse_dev_attrs,
};

const struct attribute_group *vduse_dev_groups[] = {
	&vduse_dev_group,
	NULL,
};

struct vduse_vq_attr {
	struct attribute attr;
	ssize_t (*show)(struct vduse_vq *vq, char *buf);
	ssize_t (*store)(struct vduse_vq *vq, const char *buf, size_t count);
};

static ssize_t irq_cb_affinity_show(struct vduse_vq *vq, char *buf)
{
	unsigned long flags;
	ssize_t r;

	spin_lock_irqsave(&vq->irq_lock, flags);
	r = cpumap_print_to_pagebuf(false, buf, &vq->irq_affinity);
	spin_unlock_irqrestore(&vq->irq_lock, flags);
	return r;
}

static ssize_t irq_cb_affinity_store(struct vduse_vq *vq, const char *buf,
				     size_t count)
{
	unsigned long flags;
	cpumask_var_t mask;
	int err;

	if (!alloc_cpumask_var(&mask, GFP_KERNEL))
		return -ENOMEM;
	err = cpumask_parse(buf, mask);
	if (!err && !cpumask_intersects(mask, cpu_possible_mask))
		err = -EINVAL;
	if (!err) {
		spin_lock_irqsave(&vq->irq_lock, flags);
		cpumask_and(&vq->irq_affinity, mask, cpu_possible_mask);
		vq->irq_affinity_admin = !cpumask_subset(cpu_possible_mask,
							 mask);
		spin_unlock_irqrestore(&vq->irq_lock, flags);
	}
	free_cpumask_var(mask);
	return err ? -EINVAL : count;
}

static struct vduse_vq_attr vduse_vq_attr_irq_cb_affinity =
	__ATTR_RW(irq_cb_affinity);

static struct attribute *vduse_vq_attrs[] = {
	&vduse_vq_attr_irq_cb_affinity.attr,
	NULL,
};
ATTRIBUTE_GROUPS(vduse_vq);

static ssize_t vduse_vq_attr_show(struct kobject *kobj, struct attribute *attr,
				  char *buf)
{
	struct vduse_vq_attr *a = container_of(attr, struct vduse_vq_attr, attr);

	return a->show(container_of(kobj, struct vduse_vq, kobj), buf);
}

static ssize_t vduse_vq_attr_store(struct kobject *kobj, struct attribute *attr,
				   const char *buf, size_t count)
{
	struct vduse_vq_attr *a = container_of(attr, struct vduse_vq_attr, attr);

	return a->store(container_of(kobj, struct vduse_vq, kobj), buf, count);
}

static const struct sysfs_ops vduse_vq_sysfs_ops = {
	.show = vduse_vq_attr_show,
	.store = vduse_vq_attr_store,
};

static void vduse_vq_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct vduse_vq, kobj));
}

static const struct kobj_type vduse_vq_ktype = {
	.release = vduse_vq_release,
	.sysfs_ops = &vduse_vq_sysfs_ops,
	.default_groups = vduse_vq_groups,
};

/**
 * vduse_vq_alloc() - allocate a virtqueue
 * @index: its index
 *
 * Return: the queue, owned by its kobject (free with kobject_put()), or
 * NULL.
 */
struct vduse_vq *vduse_vq_alloc(u32 index)
{
	struct vduse_vq *vq;

	vq = kzalloc(sizeof(*vq), GFP_KERNEL);
	if (!vq)
		return NULL;
	vq->index = index;
	spin_lock_init(&vq->kick_lock);
	spin_lock_init(&vq->irq_lock);
	INIT_WORK(&vq->kick_work, vduse_vq_kick_work);
	INIT_WORK(&vq->irq_work, vduse_vq_irq_work);
	cpumask_setall(&vq->irq_affinity);
	kobject_init(&vq->kobj, &vduse_vq_ktype);
	return vq;
}

/**
 * vduse_vqs_sysfs_add() - add the vq<N> directories under the device
 * @dev: the device, its class device created
 *
 * Return: 0 or -errno (then none is left in sysfs).
 */
int vduse_vqs_sysfs_add(struct vduse_dev *dev)
{
	u32 i;
	int err;

	for (i = 0; i < dev->vq_num; i++) {
		err = kobject_add(&dev->vqs[i]->kobj, &dev->dev->kobj, "vq%u",
				  i);
		if (err)
			goto err_del;
	}
	return 0;

err_del:
	while (i--)
		kobject_del(&dev->vqs[i]->kobj);
	return err;
}

/**
 * vduse_vqs_sysfs_del() - remove and free the first @n virtqueues
 * @dev: the device; no vDPA device attached
 * @n: how many
 */
void vduse_vqs_sysfs_del(struct vduse_dev *dev, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++) {
		cancel_work_sync(&dev->vqs[i]->kick_work);
		cancel_work_sync(&dev->vqs[i]->irq_work);
		kobject_put(&dev->vqs[i]->kobj);
		dev->vqs[i] = NULL;
	}
}
