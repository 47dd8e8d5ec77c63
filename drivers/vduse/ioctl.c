// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ioctls of /dev/vduse/<name>. vduse_dev_ioctl() only dispatches: a
 * table maps each command to its handler and says how its argument is
 * copied (in before the handler, out after it); handlers take the device's
 * locks themselves and never copy from or to userspace under a spinlock.
 */

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/nospec.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/virtio_config.h>
#include <linux/workqueue.h>

#include "internal.h"

union vduse_dev_arg {
	u64 features;
	u32 index;
	struct vduse_config_data config;
	struct vduse_vq_config vq_config;
	struct vduse_vq_info vq_info;
	struct vduse_vq_eventfd vq_eventfd;
	struct vduse_iotlb_entry entry;
	struct vduse_iova_umem umem;
	struct vduse_iova_info iova_info;
};

#define VD_IN	BIT(0)	/* copy the argument in before the call */
#define VD_OUT	BIT(1)	/* copy it out after a successful call */

struct vduse_dev_ioctl_op {
	unsigned int cmd;
	unsigned int flags;
	long (*fn)(struct vduse_dev *dev, union vduse_dev_arg *a,
		   void __user *argp);
};

/* The queue of a user-supplied index, or NULL. */
static struct vduse_vq *vduse_vq_of(struct vduse_dev *dev, u32 index)
{
	if (index >= dev->vq_num)
		return NULL;
	return dev->vqs[array_index_nospec(index, dev->vq_num)];
}

/* The negotiated features (what the driver accepted), as the UAPI says. */
static long vduse_ioc_get_features(struct vduse_dev *dev,
				   union vduse_dev_arg *a, void __user *argp)
{
	mutex_lock(&dev->lock);
	a->features = dev->driver_features;
	mutex_unlock(&dev->lock);
	return 0;
}

static long vduse_ioc_set_config(struct vduse_dev *dev, union vduse_dev_arg *a,
				 void __user *argp)
{
	struct vduse_config_data *c = &a->config;
	void *buf;

	if (!c->length || c->offset > dev->config_size ||
	    c->length > dev->config_size - c->offset)
		return -EINVAL;
	buf = memdup_user(argp + offsetof(struct vduse_config_data, buffer),
			  c->length);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	vduse_config_swap(dev, c->offset, buf, NULL, c->length);
	kfree(buf);
	return 0;
}

/* Before DRIVER_OK the driver is not ready for interrupts (as upstream). */
static bool vduse_driver_ok(struct vduse_dev *dev)
{
	return READ_ONCE(dev->status) & VIRTIO_CONFIG_S_DRIVER_OK;
}

static long vduse_ioc_config_irq(struct vduse_dev *dev, union vduse_dev_arg *a,
				 void __user *argp)
{
	if (!vduse_driver_ok(dev))
		return -EINVAL;
	vduse_raise_config_irq(dev);
	return 0;
}

static long vduse_ioc_vq_setup(struct vduse_dev *dev, union vduse_dev_arg *a,
			       void __user *argp)
{
	struct vduse_vq_config *c = &a->vq_config;
	struct vduse_vq *vq = vduse_vq_of(dev, c->index);
	long r = 0;

	if (!vq || memchr_inv(c->reserved, 0, sizeof(c->reserved)) ||
	    !c->max_size || c->max_size > VDUSE_VQ_SIZE_MAX)
		return -EINVAL;
	/*
	 * A reattached daemon repeats its setup (libvduse enables the queue
	 * right after it): the same size is fine on a running device, a
	 * different one is not.
	 */
	mutex_lock(&dev->lock);
	if ((dev->status & VIRTIO_CONFIG_S_DRIVER_OK) &&
	    c->max_size != vq->num_max)
		r = -EBUSY;
	else
		WRITE_ONCE(vq->num_max, c->max_size);
	mutex_unlock(&dev->lock);
	return r;
}

static long vduse_ioc_vq_info(struct vduse_dev *dev, union vduse_dev_arg *a,
			      void __user *argp)
{
	struct vduse_vq_info *info = &a->vq_info;
	struct vduse_vq *vq = vduse_vq_of(dev, info->index);

	if (!vq)
		return -EINVAL;
	mutex_lock(&dev->lock);
	info->desc_addr = vq->desc_addr;
	info->driver_addr = vq->driver_addr;
	info->device_addr = vq->device_addr;
	info->num = vq->num;
	if (dev->driver_features & BIT_ULL(VIRTIO_F_RING_PACKED)) {
		const struct vdpa_vq_state_packed *p = &vq->state.packed;

		info->packed.last_avail_counter = p->last_avail_counter;
		info->packed.last_avail_idx = p->last_avail_idx;
		info->packed.last_used_counter = p->last_used_counter;
		info->packed.last_used_idx = p->last_used_idx;
	} else {
		info->split.avail_index = vq->state.split.avail_index;
	}
	info->ready = vq->ready;
	mutex_unlock(&dev->lock);
	return 0;
}

static long vduse_ioc_vq_kickfd(struct vduse_dev *dev, union vduse_dev_arg *a,
				void __user *argp)
{
	struct vduse_vq *vq = vduse_vq_of(dev, a->vq_eventfd.index);
	struct eventfd_ctx *ctx = NULL, *old;
	unsigned long flags;

	if (!vq || a->vq_eventfd.fd < VDUSE_EVENTFD_DEASSIGN)
		return -EINVAL;
	if (a->vq_eventfd.fd != VDUSE_EVENTFD_DEASSIGN) {
		ctx = eventfd_ctx_fdget(a->vq_eventfd.fd);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
	}
	spin_lock_irqsave(&vq->kick_lock, flags);
	old = vq->kickfd;
	vq->kickfd = ctx;
	if (ctx && vq->kicked) {
		eventfd_signal(ctx);
		vq->kicked = false;
	}
	spin_unlock_irqrestore(&vq->kick_lock, flags);
	if (old)
		eventfd_ctx_put(old);
	return 0;
}

/*
 * The interrupt callback runs with bottom halves off (a network driver's
 * NAPI schedule runs at local_bh_enable()), under the queue's irq_lock so
 * that set_vq_cb cannot change it meanwhile. Only for a ready queue,
 * checked under irq_lock: set_vq_ready(0) and reset take irq_lock after
 * clearing ready, so no callback runs once they return (a driver frees its
 * queue after disabling it, without a reset).
 */
static void vduse_vq_run_cb(struct vduse_vq *vq)
{
	unsigned long flags;

	local_bh_disable();
	spin_lock_irqsave(&vq->irq_lock, flags);
	if (READ_ONCE(vq->ready) && vq->cb.callback)
		vq->cb.callback(vq->cb.private);
	spin_unlock_irqrestore(&vq->irq_lock, flags);
	local_bh_enable();
}

/**
 * vduse_vq_irq_work() - run a deferred interrupt callback
 * @work: &vduse_vq.irq_work
 */
void vduse_vq_irq_work(struct work_struct *work)
{
	vduse_vq_run_cb(container_of(work, struct vduse_vq, irq_work));
}

/*
 * The CPU to hand the callback to when the administrator's irq_cb_affinity
 * leaves out the daemon's CPU, else nr_cpu_ids.
 */
static unsigned int vduse_vq_steer_cpu(struct vduse_vq *vq)
{
	unsigned int cpu = nr_cpu_ids;
	unsigned long flags;

	if (!READ_ONCE(vq->irq_affinity_admin))
		return cpu;
	spin_lock_irqsave(&vq->irq_lock, flags);
	if (vq->irq_affinity_admin &&
	    !cpumask_test_cpu(smp_processor_id(), &vq->irq_affinity))
		cpu = cpumask_any_and(&vq->irq_affinity, cpu_online_mask);
	spin_unlock_irqrestore(&vq->irq_lock, flags);
	return cpu;
}

/*
 * Inline, the callback costs the daemon no wakeup of another task: that
 * is what a lone completion wants. A daemon that completes requests one
 * by one and injects after each (qemu-storage-daemon does) would then run
 * the driver's whole completion path once per request, and the driver
 * re-arms its used-event index each time, so every next completion
 * injects again. So an injection that arrives before the last inline
 * callback's own duration has passed since it returned, or while a
 * deferred one is still pending, goes to the work item on the unbound
 * workqueue: injections that follow while it is pending add nothing, one
 * callback takes the whole burst, on another CPU if one is idle. The
 * daemon's stores to the used ring precede queue_work(), which orders
 * them before the work's callback even when it finds the work pending.
 * An administrator's irq_cb_affinity that leaves out the daemon's CPU
 * sends every injection to the work item on a CPU of that mask.
 */
static long vduse_ioc_vq_irq(struct vduse_dev *dev, union vduse_dev_arg *a,
			     void __user *argp)
{
	struct vduse_vq *vq = vduse_vq_of(dev, a->index);
	unsigned int cpu;
	u64 start, end;

	if (!vq || !vduse_driver_ok(dev))
		return -EINVAL;
	cpu = vduse_vq_steer_cpu(vq);
	start = local_clock();
	if (cpu < nr_cpu_ids) {
		queue_work_on(cpu, system_highpri_wq, &vq->irq_work);
	} else if (work_pending(&vq->irq_work) ||
		   start - READ_ONCE(vq->irq_inline_end) <
		   READ_ONCE(vq->irq_inline_ns)) {
		queue_work(system_unbound_wq, &vq->irq_work);
	} else {
		vduse_vq_run_cb(vq);
		end = local_clock();
		WRITE_ONCE(vq->irq_inline_ns, end - start);
		WRITE_ONCE(vq->irq_inline_end, end);
	}
	vduse_rescue_irq_notify(dev);	/* rescue.c */
	return 0;
}

static long vduse_ioc_iotlb_fd(struct vduse_dev *dev, union vduse_dev_arg *a,
			       void __user *argp)
{
	struct vduse_iotlb_entry *e = &a->entry;
	struct file *f = NULL;
	int fd;
	long r;

	if (e->start > e->last)
		return -EINVAL;
	mutex_lock(&dev->lock);
	r = dev->domain ? vduse_domain_iotlb_find(dev->domain, e->start,
						  e->last, e, &f) : -EINVAL;
	mutex_unlock(&dev->lock);
	if (r)
		return r;
	/* A read-only reopen may block: not under dev->lock, which removal needs. */
	r = vduse_domain_file_for(e, &f);
	if (r)
		return r;
	/* Out before the descriptor exists: a fault leaves no stray fd. */
	if (copy_to_user(argp, e, sizeof(*e))) {
		fput(f);
		return -EFAULT;
	}
	/* With the LSM's file_receive check; it takes its own reference. */
	fd = receive_fd(f, NULL, O_CLOEXEC);
	fput(f);
	return fd;
}

static long vduse_ioc_umem(struct vduse_dev *dev, union vduse_dev_arg *a,
			   bool reg)
{
	struct vduse_iova_umem *u = &a->umem;
	struct vduse_domain *d;
	long r;

	if (memchr_inv(u->reserved, 0, sizeof(u->reserved)))
		return -EINVAL;
	mutex_lock(&dev->lock);
	d = dev->domain;
	if (!d) {
		mutex_unlock(&dev->lock);
		return -EINVAL;
	}
	if (!reg) {
		r = vduse_domain_dereg_umem(d, u->iova, u->size);
		mutex_unlock(&dev->lock);
		return r;
	}
	/*
	 * Pinning may fault pages in without bound (userfaultfd, FUSE): not
	 * under dev->lock, which removal needs. A domain destroyed meanwhile
	 * refuses the registration (-EINVAL).
	 */
	vduse_domain_get(d);
	mutex_unlock(&dev->lock);
	r = vduse_domain_reg_umem(d, u->iova, u->uaddr, u->size);
	vduse_domain_put(d);
	return r;
}

static long vduse_ioc_reg_umem(struct vduse_dev *dev, union vduse_dev_arg *a,
			       void __user *argp)
{
	return vduse_ioc_umem(dev, a, true);
}

static long vduse_ioc_dereg_umem(struct vduse_dev *dev,
				 union vduse_dev_arg *a, void __user *argp)
{
	return vduse_ioc_umem(dev, a, false);
}

/*
 * The mapping holding [start, last] (-EINVAL where nothing is mapped);
 * UMEM capable only for the bounce region in use by streaming maps.
 */
static long vduse_ioc_iova_info(struct vduse_dev *dev, union vduse_dev_arg *a,
				void __user *argp)
{
	struct vduse_iova_info *info = &a->iova_info;
	u64 first, end;
	bool umem;
	long r;

	if (memchr_inv(info->reserved, 0, sizeof(info->reserved)) ||
	    info->start > info->last)
		return -EINVAL;
	mutex_lock(&dev->lock);
	r = dev->domain ? vduse_domain_iova_info(dev->domain, info->start,
						 info->last, &first, &end,
						 &umem) : -EINVAL;
	mutex_unlock(&dev->lock);
	if (r)
		return r;
	info->start = first;
	info->last = end;
	info->capability = umem ? VDUSE_IOVA_CAP_UMEM : 0;
	return 0;
}

static const struct vduse_dev_ioctl_op vduse_dev_ioctls[] = {
	{ VDUSE_DEV_GET_FEATURES, VD_OUT, vduse_ioc_get_features },
	{ VDUSE_DEV_SET_CONFIG, VD_IN, vduse_ioc_set_config },
	{ VDUSE_DEV_INJECT_CONFIG_IRQ, 0, vduse_ioc_config_irq },
	{ VDUSE_VQ_SETUP, VD_IN, vduse_ioc_vq_setup },
	{ VDUSE_VQ_GET_INFO, VD_IN | VD_OUT, vduse_ioc_vq_info },
	{ VDUSE_VQ_SETUP_KICKFD, VD_IN, vduse_ioc_vq_kickfd },
	{ VDUSE_VQ_INJECT_IRQ, VD_IN, vduse_ioc_vq_irq },
	{ VDUSE_IOTLB_GET_FD, VD_IN, vduse_ioc_iotlb_fd },
	{ VDUSE_IOTLB_REG_UMEM, VD_IN, vduse_ioc_reg_umem },
	{ VDUSE_IOTLB_DEREG_UMEM, VD_IN, vduse_ioc_dereg_umem },
	{ VDUSE_IOTLB_GET_INFO, VD_IN | VD_OUT, vduse_ioc_iova_info },
};

/**
 * vduse_dev_ioctl() - &file_operations.unlocked_ioctl of /dev/vduse/<name>
 * @file: the daemon's open device file
 * @cmd: the command
 * @arg: its argument
 *
 * Return: 0, a new file descriptor (VDUSE_IOTLB_GET_FD), or -errno;
 * -ENOTTY for commands not known.
 */
long vduse_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	const struct vduse_dev_ioctl_op *op = NULL;
	struct vduse_dev *dev = file->private_data;
	void __user *argp = (void __user *)arg;
	union vduse_dev_arg a = { };
	unsigned int i;
	long r;

	for (i = 0; i < ARRAY_SIZE(vduse_dev_ioctls); i++)
		if (vduse_dev_ioctls[i].cmd == cmd)
			op = &vduse_dev_ioctls[i];
	if (!op)
		return -ENOTTY;
	if (vduse_rescue_revoked(dev))	/* rescue.c */
		return -ENODEV;
	if (WARN_ON_ONCE(_IOC_SIZE(cmd) > sizeof(a)))
		return -EINVAL;
	if ((op->flags & VD_IN) && copy_from_user(&a, argp, _IOC_SIZE(cmd)))
		return -EFAULT;
	r = op->fn(dev, &a, argp);
	if (r >= 0 && (op->flags & VD_OUT) &&
	    copy_to_user(argp, &a, _IOC_SIZE(cmd)))
		r = -EFAULT;
	return r;
}
