// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/vduse/control: API version, creation and destruction of VDUSE
 * devices. vduse_control_ioctl() only dispatches through a table.
 */

#include <linux/capability.h>
#include <linux/ctype.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>

#include "internal.h"

/**
 * DOC: permission model
 *
 * /dev/vduse/control is created 0600 root (the class gives no other mode)
 * and VDUSE_CREATE_DEV and VDUSE_DESTROY_DEV also need %CAP_SYS_ADMIN: a
 * VDUSE device becomes a kernel block or network device. Each
 * /dev/vduse/<name> is 0600 root too; whoever the administrator lets open
 * it is the daemon. Only one process at a time has it open (-EBUSY).
 */

union vduse_ctl_arg {
	u64 version;
	u64 ext_features;
	struct vduse_dev_config cfg;
	char name[VDUSE_NAME_MAX];
};

#define VC_IN	BIT(0)	/* copy the argument in before the call */
#define VC_OUT	BIT(1)	/* copy it out after a successful call */
#define VC_ADMIN BIT(2)	/* needs CAP_SYS_ADMIN */

struct vduse_ctl_ioctl {
	unsigned int cmd;
	unsigned int flags;
	long (*fn)(struct file *file, union vduse_ctl_arg *a,
		   void __user *argp);
};

/* The extensions this implementation has (<linux/vduse_ext.h>). */
#define VDUSE_EXT_FEATURES	VDUSE_EXT_F_CONFIG_WRITE

/*
 * The extensions asked for through an open control file are its
 * private_data (an integer, not a pointer: nothing to free; the bits in
 * use fit 32-bit kernels).
 */
static u64 vduse_ctl_ext(struct file *file)
{
	return (u64)(uintptr_t)READ_ONCE(file->private_data);
}

static long vduse_ctl_get_api(struct file *file, union vduse_ctl_arg *a,
			      void __user *argp)
{
	a->version = VDUSE_API_VERSION;
	return 0;
}

static long vduse_ctl_set_api(struct file *file, union vduse_ctl_arg *a,
			      void __user *argp)
{
	return a->version == VDUSE_API_VERSION ? 0 : -EINVAL;
}

static long vduse_ctl_get_ext(struct file *file, union vduse_ctl_arg *a,
			      void __user *argp)
{
	a->ext_features = VDUSE_EXT_FEATURES;
	return 0;
}

static long vduse_ctl_set_ext(struct file *file, union vduse_ctl_arg *a,
			      void __user *argp)
{
	if (a->ext_features & ~VDUSE_EXT_FEATURES)
		return -EINVAL;
	WRITE_ONCE(file->private_data, (void *)(uintptr_t)a->ext_features);
	return 0;
}

static bool vduse_name_valid(const char *name)
{
	size_t len = strnlen(name, VDUSE_NAME_MAX);
	size_t i;

	if (!len || len >= VDUSE_NAME_MAX)
		return false;
	/* Path components of /dev/vduse/ that are not ours to take. */
	if (!strcmp(name, ".") || !strcmp(name, "..") ||
	    !strcmp(name, "control"))
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum(name[i]) && !strchr("_.-", name[i]))
			return false;
	return true;
}

static bool vduse_features_valid(u32 device_id, u64 features, u64 ext)
{
	if (!(features & BIT_ULL(VIRTIO_F_VERSION_1)) ||
	    !(features & BIT_ULL(VIRTIO_F_ACCESS_PLATFORM)))
		return false;
	/* Not implemented here: no kick_vq_with_data, no reset_vq. */
	if (features & (BIT_ULL(VIRTIO_F_NOTIFICATION_DATA) |
			BIT_ULL(VIRTIO_F_RING_RESET)))
		return false;
	/* No writeback toggle on a read-only config space (as upstream). */
	if (device_id == VIRTIO_ID_BLOCK &&
	    !(ext & VDUSE_EXT_F_CONFIG_WRITE) &&
	    (features & BIT_ULL(VIRTIO_BLK_F_CONFIG_WCE)))
		return false;
	/* A control queue is allowed (unlike upstream), not with packed. */
	if (device_id == VIRTIO_ID_NET &&
	    (features & BIT_ULL(VIRTIO_NET_F_CTRL_VQ)) &&
	    (features & BIT_ULL(VIRTIO_F_RING_PACKED)))
		return false;
	return true;
}

static bool vduse_config_valid(const struct vduse_dev_config *c, u64 ext)
{
	if (memchr_inv(c->reserved, 0, sizeof(c->reserved)))
		return false;
	if (!vduse_name_valid(c->name))
		return false;
	if (c->device_id != VIRTIO_ID_BLOCK && c->device_id != VIRTIO_ID_NET)
		return false;
	if (!c->vq_num || c->vq_num > VDUSE_VQ_MAX)
		return false;
	if (!is_power_of_2(c->vq_align) || c->vq_align > PAGE_SIZE)
		return false;
	if (c->config_size > PAGE_SIZE)
		return false;
	return vduse_features_valid(c->device_id, c->features, ext);
}

static struct vduse_dev *vduse_dev_alloc(const struct vduse_dev_config *c)
{
	struct vduse_dev *dev;
	u32 i;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return NULL;
	mutex_init(&dev->lock);
	spin_lock_init(&dev->config_lock);
	spin_lock_init(&dev->config_cb_lock);
	spin_lock_init(&dev->msg_lock);
	INIT_LIST_HEAD(&dev->send_list);
	INIT_LIST_HEAD(&dev->recv_list);
	init_waitqueue_head(&dev->waitq);
	vduse_rescue_init(dev);
	vduse_cvq_init(dev);
	dev->msg_timeout = VDUSE_MSG_TIMEOUT_DEF;
	dev->bounce_size = VDUSE_BOUNCE_DEFAULT;
	dev->api_version = VDUSE_API_VERSION;
	dev->device_id = c->device_id;
	dev->vendor_id = c->vendor_id;
	dev->device_features = c->features;
	dev->vq_num = c->vq_num;
	dev->vq_align = c->vq_align;
	dev->name = kstrdup(c->name, GFP_KERNEL);
	dev->vqs = kvcalloc(c->vq_num, sizeof(*dev->vqs), GFP_KERNEL);
	if (!dev->name || !dev->vqs)
		goto err;
	for (i = 0; i < c->vq_num; i++) {
		dev->vqs[i] = vduse_vq_alloc(i);
		if (!dev->vqs[i])
			goto err;
	}
	return dev;
err:
	for (i = 0; dev->vqs && i < c->vq_num && dev->vqs[i]; i++)
		kobject_put(&dev->vqs[i]->kobj);
	kvfree(dev->vqs);
	kfree(dev->name);
	kfree(dev);
	return NULL;
}

/* Frees what vduse_dev_alloc() and creation set up; vqs already put. */
static void vduse_dev_free(struct vduse_dev *dev)
{
	kvfree(dev->vqs);
	kfree(dev->config);
	kfree(dev->name);
	kfree(dev);
}

static int vduse_dev_publish(struct vduse_dev *dev)
{
	int err;

	lockdep_assert_held(&vduse_lock);
	if (vduse_find_dev(dev->name))
		return -EEXIST;
	dev->minor = idr_alloc(&vduse_idr, NULL, 1, VDUSE_MINORS, GFP_KERNEL);
	if (dev->minor < 0)
		return dev->minor;
	dev->dev = device_create_with_groups(&vduse_class, NULL,
					     vduse_devt + dev->minor, dev,
					     vduse_dev_groups, "%s", dev->name);
	if (IS_ERR(dev->dev)) {
		err = PTR_ERR(dev->dev);
		goto err_idr;
	}
	err = vduse_vqs_sysfs_add(dev);
	if (err)
		goto err_device;
	idr_replace(&vduse_idr, dev, dev->minor);
	return 0;

err_device:
	device_destroy(&vduse_class, vduse_devt + dev->minor);
err_idr:
	idr_remove(&vduse_idr, dev->minor);
	return err;
}

static long vduse_ctl_create(struct file *file, union vduse_ctl_arg *a,
			     void __user *argp)
{
	struct vduse_dev_config *c = &a->cfg;
	u64 ext = vduse_ctl_ext(file);
	struct vduse_dev *dev;
	void *config;
	u32 i;
	int err;

	if (!vduse_config_valid(c, ext))
		return -EINVAL;
	if (c->config_size)
		config = memdup_user(argp + offsetof(struct vduse_dev_config,
						     config), c->config_size);
	else
		config = kzalloc(1, GFP_KERNEL) ?: ERR_PTR(-ENOMEM);
	if (IS_ERR(config))
		return PTR_ERR(config);
	dev = vduse_dev_alloc(c);
	if (!dev) {
		kfree(config);
		return -ENOMEM;
	}
	dev->config = config;
	dev->config_size = c->config_size;
	dev->ext_features = ext;
	mutex_lock(&vduse_lock);
	err = vduse_dev_publish(dev);
	mutex_unlock(&vduse_lock);
	if (err) {
		for (i = 0; i < dev->vq_num; i++)
			kobject_put(&dev->vqs[i]->kobj);
		vduse_dev_free(dev);
	}
	return err;
}

/* Unpublish first: no open and no vdpa attach can find it afterwards. */
static void vduse_dev_destroy(struct vduse_dev *dev)
{
	lockdep_assert_held(&vduse_lock);
	idr_remove(&vduse_idr, dev->minor);
	vduse_vqs_sysfs_del(dev, dev->vq_num);
	device_destroy(&vduse_class, vduse_devt + dev->minor);
	vduse_msg_flush(dev);
	mutex_destroy(&dev->lock);
	vduse_dev_free(dev);
}

static long vduse_ctl_destroy(struct file *file, union vduse_ctl_arg *a,
			      void __user *argp)
{
	struct vduse_dev *dev;
	bool busy;
	int err = 0;

	if (strnlen(a->name, VDUSE_NAME_MAX) == VDUSE_NAME_MAX)
		return -EINVAL;
	mutex_lock(&vduse_lock);
	dev = vduse_find_dev(a->name);
	if (!dev) {
		err = -EINVAL;
		goto out;
	}
	spin_lock(&dev->msg_lock);
	busy = dev->connected || dev->vdpa_held;
	spin_unlock(&dev->msg_lock);
	if (busy)
		err = -EBUSY;
	else
		vduse_dev_destroy(dev);
out:
	mutex_unlock(&vduse_lock);
	return err;
}

/**
 * vduse_destroy_all() - destroy every VDUSE device (module unload)
 *
 * No device file is open, and no vDPA device is left, not even one
 * waiting for its release: vduse_mgmt_exit() waited for them.
 */
void vduse_destroy_all(void)
{
	struct vduse_dev *dev;
	int id;

	mutex_lock(&vduse_lock);
	idr_for_each_entry(&vduse_idr, dev, id)
		vduse_dev_destroy(dev);
	mutex_unlock(&vduse_lock);
}

static const struct vduse_ctl_ioctl vduse_ctl_ioctls[] = {
	{ VDUSE_GET_API_VERSION, VC_OUT, vduse_ctl_get_api },
	{ VDUSE_SET_API_VERSION, VC_IN, vduse_ctl_set_api },
	{ VDUSE_CREATE_DEV, VC_IN | VC_ADMIN, vduse_ctl_create },
	{ VDUSE_DESTROY_DEV, VC_IN | VC_ADMIN, vduse_ctl_destroy },
	{ VDUSE_EXT_GET_FEATURES, VC_OUT, vduse_ctl_get_ext },
	{ VDUSE_EXT_SET_FEATURES, VC_IN, vduse_ctl_set_ext },
};

static long vduse_control_ioctl(struct file *file, unsigned int cmd,
				unsigned long arg)
{
	const struct vduse_ctl_ioctl *op = NULL;
	void __user *argp = (void __user *)arg;
	union vduse_ctl_arg a = { };
	unsigned int i;
	long r;

	for (i = 0; i < ARRAY_SIZE(vduse_ctl_ioctls); i++)
		if (vduse_ctl_ioctls[i].cmd == cmd)
			op = &vduse_ctl_ioctls[i];
	if (!op)
		return -ENOTTY;
	if ((op->flags & VC_ADMIN) && !capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (WARN_ON_ONCE(_IOC_SIZE(cmd) > sizeof(a)))
		return -EINVAL;
	if ((op->flags & VC_IN) && copy_from_user(&a, argp, _IOC_SIZE(cmd)))
		return -EFAULT;
	r = op->fn(file, &a, argp);
	if (!r && (op->flags & VC_OUT) &&
	    copy_to_user(argp, &a, _IOC_SIZE(cmd)))
		r = -EFAULT;
	return r;
}

const struct file_operations vduse_control_fops = {
	.owner = THIS_MODULE,
	.open = nonseekable_open,
	.unlocked_ioctl = vduse_control_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};
