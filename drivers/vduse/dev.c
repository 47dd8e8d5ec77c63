// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/vduse/<name>: the daemon's file. open() attaches the daemon (one at
 * a time), read()/write()/poll() carry the requests (msg.c), ioctl() is in
 * ioctl.c, release() detaches the daemon (its kick eventfds and user
 * memory go) so that another can take over.
 */

#include <linux/fs.h>
#include <linux/poll.h>

#include "internal.h"

static int vduse_dev_open(struct inode *inode, struct file *file)
{
	struct vduse_dev *dev;
	int err;

	mutex_lock(&vduse_lock);
	dev = idr_find(&vduse_idr, iminor(inode));
	err = dev ? vduse_msg_attach(dev) : -ENODEV;
	mutex_unlock(&vduse_lock);
	if (err)
		return err;
	file->private_data = dev;
	return nonseekable_open(inode, file);
}

/* The daemon's kick eventfds go with it; kicks until the next one are kept. */
static void vduse_dev_drop_kickfds(struct vduse_dev *dev)
{
	struct eventfd_ctx *ctx;
	unsigned long flags;
	u32 i;

	for (i = 0; i < dev->vq_num; i++) {
		struct vduse_vq *vq = dev->vqs[i];

		spin_lock_irqsave(&vq->kick_lock, flags);
		ctx = vq->kickfd;
		vq->kickfd = NULL;
		spin_unlock_irqrestore(&vq->kick_lock, flags);
		if (ctx)
			eventfd_ctx_put(ctx);
	}
}

/*
 * The daemon's user memory goes with it (as upstream): else the bounce
 * region stayed on its pinned pages, out of the next daemon's reach, and
 * that daemon's REG_UMEM failed with EEXIST.
 */
static void vduse_dev_drop_umem(struct vduse_dev *dev)
{
	struct vduse_domain *d;
	int err;

	mutex_lock(&dev->lock);
	d = dev->domain;
	if (d && vduse_domain_umem_registered(d)) {
		err = vduse_domain_dereg_umem(d, 0,
					      vduse_domain_bounce_size(d));
		if (err)
			dev_warn(dev->dev, "user memory kept: %d\n", err);
	}
	mutex_unlock(&dev->lock);
}

static int vduse_dev_release(struct inode *inode, struct file *file)
{
	struct vduse_dev *dev = file->private_data;

	vduse_dev_drop_umem(dev);
	vduse_dev_drop_kickfds(dev);
	vduse_msg_detach(dev);
	vduse_rescue_release(dev);	/* rescue.c */
	return 0;
}

static ssize_t vduse_dev_read(struct file *file, char __user *buf,
			      size_t count, loff_t *ppos)
{
	if (vduse_rescue_revoked(file->private_data))	/* rescue.c */
		return -ENODEV;
	return vduse_msg_read(file->private_data, buf, count,
			      file->f_flags & O_NONBLOCK);
}

static ssize_t vduse_dev_write(struct file *file, const char __user *buf,
			       size_t count, loff_t *ppos)
{
	if (vduse_rescue_revoked(file->private_data))	/* rescue.c */
		return -ENODEV;
	return vduse_msg_write(file->private_data, buf, count);
}

static __poll_t vduse_dev_poll(struct file *file, poll_table *wait)
{
	struct vduse_dev *dev = file->private_data;

	poll_wait(file, &dev->waitq, wait);
	return vduse_msg_pending(dev) ? EPOLLIN | EPOLLRDNORM : 0;
}

const struct file_operations vduse_dev_fops = {
	.owner = THIS_MODULE,
	.open = vduse_dev_open,
	.release = vduse_dev_release,
	.read = vduse_dev_read,
	.write = vduse_dev_write,
	.poll = vduse_dev_poll,
	.unlocked_ioctl = vduse_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};
