// SPDX-License-Identifier: GPL-2.0-only
/*
 * Device-level ioctls. vhost_vdpa_ioctl() only dispatches: a table maps
 * each command to its handler and says how its argument is copied (in
 * before the lock, out after it); the per-virtqueue commands are in
 * vring.c's table.
 */

#include <linux/fs.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/virtio_config.h>

#include "internal.h"

/* The backend features this driver implements itself. */
#define VHOST_VDPA_BACKEND_OWN	(BIT_ULL(VHOST_BACKEND_F_IOTLB_MSG_V2) | \
				 BIT_ULL(VHOST_BACKEND_F_IOTLB_BATCH) | \
				 BIT_ULL(VHOST_BACKEND_F_IOTLB_ASID))

/**
 * vhost_vdpa_reset() - reset the device for a new opener or status 0
 * @v: the device, with its lock held and its vDPA device present
 *
 * The parent keeps the mappings: what it translates is always exactly
 * what the IOTLB tables hold, which survive a reset whether or not
 * userspace accepted IOTLB_PERSIST (the in-tree driver keeps its tables
 * too). %VDPA_RESET_F_CLEAN_MAP is never passed: it would put the
 * simulator back in its identity mapping (IOVA == physical address),
 * which is for kernel bus drivers only. A batch in progress is ended.
 *
 * A running device is suspended first (when the parent can) and the
 * position of every ring saved: VHOST_GET_VRING_BASE answers it after
 * the reset, as vhost does (QEMU 7.2 resets before it reads the bases of
 * its last queues). Logging stops: the reset device writes nothing, and
 * %VHOST_F_LOG_ALL is negotiated again with the other features.
 *
 * Return: 0 or the parent's -errno.
 */
int vhost_vdpa_reset(struct vhost_vdpa *v)
{
	const struct vdpa_config_ops *ops = v->vdpa->config;
	int err;

	lockdep_assert_held(&v->lock);
	err = vhost_vdpa_iotlb_batch_end(v);
	if (vhost_vdpa_status(v) & VIRTIO_CONFIG_S_DRIVER_OK) {
		if (!v->suspended && ops->suspend)
			ops->suspend(v->vdpa);
		vhost_vdpa_vqs_save(v);
	}
	vhost_vdpa_log_stop(v);
	v->features &= ~BIT_ULL(VHOST_F_LOG_ALL);
	v->suspended = false;
	return vdpa_reset(v->vdpa, 0) ?: err;
}

static u64 vhost_vdpa_backend_offered(struct vhost_vdpa *v)
{
	const struct vdpa_config_ops *ops = v->vdpa->config;
	u64 f = VHOST_VDPA_BACKEND_OWN;

	if (ops->suspend)
		f |= BIT_ULL(VHOST_BACKEND_F_SUSPEND);
	if (ops->resume)
		f |= BIT_ULL(VHOST_BACKEND_F_RESUME);
	if (ops->get_vq_desc_group)
		f |= BIT_ULL(VHOST_BACKEND_F_DESC_ASID);
	if ((!ops->set_map && !ops->dma_map) || ops->reset_map)
		f |= BIT_ULL(VHOST_BACKEND_F_IOTLB_PERSIST);
	if (ops->get_backend_features)
		f |= ops->get_backend_features(v->vdpa) &
		     BIT_ULL(VHOST_BACKEND_F_ENABLE_AFTER_DRIVER_OK);
	return f;
}

static long vhost_vdpa_get_backend_features(struct vhost_vdpa *v,
					    union vhost_vdpa_arg *a)
{
	a->u64 = vhost_vdpa_backend_offered(v);
	return 0;
}

static long vhost_vdpa_set_backend_features(struct vhost_vdpa *v,
					    union vhost_vdpa_arg *a)
{
	u64 f = a->u64;

	if (f & ~vhost_vdpa_backend_offered(v))
		return -EOPNOTSUPP;
	if ((f & BIT_ULL(VHOST_BACKEND_F_DESC_ASID)) &&
	    !(f & BIT_ULL(VHOST_BACKEND_F_IOTLB_ASID)))
		return -EINVAL;
	v->backend_features = f;
	if (!(f & BIT_ULL(VHOST_BACKEND_F_IOTLB_BATCH)))
		return vhost_vdpa_iotlb_batch_end(v);
	return 0;
}

static long vhost_vdpa_set_owner(struct vhost_vdpa *v, union vhost_vdpa_arg *a)
{
	const struct vdpa_config_ops *ops = v->vdpa->config;
	int err;

	if (v->owner)
		return -EBUSY;
	v->share = vhv_share_get(current->mm, &vhv_share_pin_ops);
	if (!v->share)
		return -ENOMEM;
	/* use_va parents that translate in the owner's mm need to know it */
	if (v->vdpa->use_va && ops->bind_mm) {
		err = ops->bind_mm(v->vdpa, current->mm);
		if (err) {
			vhv_share_put(v->share);
			v->share = NULL;
			return err;
		}
	}
	mmgrab(current->mm);
	v->owner = current->mm;
	return 0;
}

static long vhost_vdpa_get_device_id(struct vhost_vdpa *v,
				     union vhost_vdpa_arg *a)
{
	a->u32 = v->vdpa->config->get_device_id(v->vdpa);
	return 0;
}

static long vhost_vdpa_get_status(struct vhost_vdpa *v, union vhost_vdpa_arg *a)
{
	a->u8 = vhost_vdpa_status(v);
	return 0;
}

static long vhost_vdpa_set_status(struct vhost_vdpa *v, union vhost_vdpa_arg *a)
{
	u8 status = a->u8, old;

	if (!status)
		return vhost_vdpa_reset(v);
	old = vhost_vdpa_status(v);
	/* Bits are only ever cleared all at once, by a reset. */
	if (old & ~status)
		return -EINVAL;
	/* a restarted device answers its own ring positions again */
	if (status & ~old & VIRTIO_CONFIG_S_DRIVER_OK)
		vhost_vdpa_vqs_forget(v);
	vdpa_set_status(v->vdpa, status);
	return 0;
}

/* A config access header against the config size fixed at probe. */
static long vhost_vdpa_cfg_check(const struct vhost_vdpa *v,
				 const struct vhost_vdpa_config *hdr)
{
	if (!hdr->len || hdr->off > v->config_size)
		return -EINVAL;
	if (hdr->len > v->config_size - hdr->off)
		return -E2BIG;
	return 0;
}

/*
 * Before the call, without the lock: allocate the kernel copy of a valid
 * config access and, for VHOST_VDPA_SET_CONFIG, read its bytes in. An
 * invalid header is left for the handler to refuse, after the device's
 * presence was checked (a removed device answers -ENODEV to everything).
 */
static long vhost_vdpa_cfg_in(struct vhost_vdpa *v, void __user *argp,
			      const struct vhost_vdpa_ioctl *op,
			      struct vhost_vdpa_cfg_arg *c)
{
	struct vhost_vdpa_config __user *uc = argp;
	u32 len = c->hdr.len;

	if (vhost_vdpa_cfg_check(v, &c->hdr))
		return 0;
	if (op->flags & VHV_CFG_IN) {
		c->buf = vmemdup_user(uc->buf, len);
		if (IS_ERR(c->buf)) {
			long err = PTR_ERR(c->buf);

			c->buf = NULL;
			return err;
		}
		return 0;
	}
	c->buf = kvzalloc(len, GFP_KERNEL);
	return c->buf ? 0 : -ENOMEM;
}

static long vhost_vdpa_get_config(struct vhost_vdpa *v, union vhost_vdpa_arg *a)
{
	long err = vhost_vdpa_cfg_check(v, &a->cfg.hdr);

	if (!err)
		vdpa_get_config(v->vdpa, a->cfg.hdr.off, a->cfg.buf,
				a->cfg.hdr.len);
	return err;
}

static long vhost_vdpa_set_config(struct vhost_vdpa *v, union vhost_vdpa_arg *a)
{
	long err = vhost_vdpa_cfg_check(v, &a->cfg.hdr);

	if (!err)
		vdpa_set_config(v->vdpa, a->cfg.hdr.off, a->cfg.buf,
				a->cfg.hdr.len);
	return err;
}

/*
 * The device's features, less VIRTIO_F_RING_RESET (the vhost UAPI has no
 * way to reset one ring, so userspace must not offer it to its guest),
 * plus VHOST_F_LOG_ALL when the parent can log its writes.
 */
static u64 vhost_vdpa_features(struct vhost_vdpa *v)
{
	struct vdpa_device *vdpa = v->vdpa;
	u64 f = vdpa->config->get_device_features(vdpa) &
		~BIT_ULL(VIRTIO_F_RING_RESET);

	if (vhost_vdpa_can_log(v))
		f |= BIT_ULL(VHOST_F_LOG_ALL);
	return f;
}

static long vhost_vdpa_get_features(struct vhost_vdpa *v,
				    union vhost_vdpa_arg *a)
{
	a->u64 = vhost_vdpa_features(v);
	return 0;
}

/*
 * Before FEATURES_OK, the device gets the features without
 * VHOST_F_LOG_ALL (a vhost bit, not a device one). After it, only
 * VHOST_F_LOG_ALL may change: logging is switched on and off on a
 * running device (QEMU does so when a migration starts and ends).
 */
static long vhost_vdpa_set_features(struct vhost_vdpa *v,
				    union vhost_vdpa_arg *a)
{
	u64 log = BIT_ULL(VHOST_F_LOG_ALL), f = a->u64;
	bool ok = vhost_vdpa_status(v) & VIRTIO_CONFIG_S_FEATURES_OK;
	int err;

	if (ok && (f ^ v->features) != log)
		return -EBUSY;
	if (f & ~vhost_vdpa_features(v))
		return -EINVAL;
	err = vhost_vdpa_log_features(v, f);
	if (err)
		return err;
	if (!ok) {
		err = vdpa_set_features(v->vdpa, f & ~log);
		if (err) {
			vhost_vdpa_log_features(v, v->features);
			return err;
		}
	}
	v->features = f;
	return 0;
}

static long vhost_vdpa_get_vring_num(struct vhost_vdpa *v,
				     union vhost_vdpa_arg *a)
{
	a->u16 = v->vq_num_max;
	return 0;
}

static long vhost_vdpa_get_group_num(struct vhost_vdpa *v,
				     union vhost_vdpa_arg *a)
{
	a->u32 = v->vdpa->ngroups;
	return 0;
}

static long vhost_vdpa_get_as_num(struct vhost_vdpa *v, union vhost_vdpa_arg *a)
{
	a->u32 = v->nas;
	return 0;
}

static long vhost_vdpa_get_config_size(struct vhost_vdpa *v,
				       union vhost_vdpa_arg *a)
{
	a->u32 = v->config_size;
	return 0;
}

static long vhost_vdpa_get_vqs_count(struct vhost_vdpa *v,
				     union vhost_vdpa_arg *a)
{
	a->u32 = v->nvqs;
	return 0;
}

static long vhost_vdpa_get_iova_range(struct vhost_vdpa *v,
				      union vhost_vdpa_arg *a)
{
	a->range.first = v->range.first;
	a->range.last = v->range.last;
	return 0;
}

static irqreturn_t vhost_vdpa_config_cb(void *private)
{
	eventfd_signal(private);
	return IRQ_HANDLED;
}

/**
 * vhost_vdpa_config_call_set() - replace the config interrupt eventfd
 * @v: the device, with its lock held
 * @ctx: the new eventfd, whose reference the device takes over, or NULL
 *
 * The parent, when still present, is told first: it no longer uses the
 * old eventfd when that is put.
 */
void vhost_vdpa_config_call_set(struct vhost_vdpa *v, struct eventfd_ctx *ctx)
{
	struct vdpa_callback cb = { };

	lockdep_assert_held(&v->lock);
	if (ctx) {
		cb.callback = vhost_vdpa_config_cb;
		cb.private = ctx;
		cb.trigger = ctx;
	}
	if (v->vdpa)
		v->vdpa->config->set_config_cb(v->vdpa, &cb);
	if (v->config_call)
		eventfd_ctx_put(v->config_call);
	v->config_call = ctx;
}

static long vhost_vdpa_set_config_call(struct vhost_vdpa *v,
				       union vhost_vdpa_arg *a)
{
	struct eventfd_ctx *ctx = NULL;

	if (a->fd != VHOST_FILE_UNBIND) {
		ctx = eventfd_ctx_fdget(a->fd);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
	}
	vhost_vdpa_config_call_set(v, ctx);
	return 0;
}

/* Suspend (@suspend) or resume a running device. */
static long vhost_vdpa_set_suspended(struct vhost_vdpa *v, bool suspend)
{
	const struct vdpa_config_ops *ops = v->vdpa->config;
	int (*op)(struct vdpa_device *vdev) = suspend ? ops->suspend :
							ops->resume;
	int err;

	if (!op)
		return -EOPNOTSUPP;
	if (!(vhost_vdpa_status(v) & VIRTIO_CONFIG_S_DRIVER_OK))
		return 0;
	err = op(v->vdpa);
	if (!err)
		v->suspended = suspend;
	return err;
}

static long vhost_vdpa_suspend(struct vhost_vdpa *v, union vhost_vdpa_arg *a)
{
	return vhost_vdpa_set_suspended(v, true);
}

static long vhost_vdpa_resume(struct vhost_vdpa *v, union vhost_vdpa_arg *a)
{
	return vhost_vdpa_set_suspended(v, false);
}

static long vhost_vdpa_set_fork_owner(struct vhost_vdpa *v,
				      union vhost_vdpa_arg *a)
{
	if (v->owner)
		return -EBUSY;
	if (a->u8 != VHOST_FORK_OWNER_KTHREAD && a->u8 != VHOST_FORK_OWNER_TASK)
		return -EINVAL;
	v->fork_owner = a->u8;
	return 0;
}

static long vhost_vdpa_get_fork_owner(struct vhost_vdpa *v,
				      union vhost_vdpa_arg *a)
{
	a->u8 = v->fork_owner;
	return 0;
}

#define VHV_CFG_GET	(VHV_IN | VHV_CFG | VHV_CFG_OUT)
#define VHV_CFG_SET	(VHV_IN | VHV_CFG | VHV_CFG_IN)

/* Device commands: anyone holding the fd may use them, as in-tree. */
static const struct vhost_vdpa_ioctl vhost_vdpa_ioctls[] = {
	{ VHOST_SET_OWNER, 0, { vhost_vdpa_set_owner } },
	{ VHOST_GET_BACKEND_FEATURES, VHV_OUT,
	  { vhost_vdpa_get_backend_features } },
	{ VHOST_SET_BACKEND_FEATURES, VHV_IN,
	  { vhost_vdpa_set_backend_features } },
	{ VHOST_VDPA_GET_DEVICE_ID, VHV_OUT, { vhost_vdpa_get_device_id } },
	{ VHOST_VDPA_GET_STATUS, VHV_OUT, { vhost_vdpa_get_status } },
	{ VHOST_VDPA_SET_STATUS, VHV_IN, { vhost_vdpa_set_status } },
	{ VHOST_VDPA_GET_CONFIG, VHV_CFG_GET, { vhost_vdpa_get_config } },
	{ VHOST_VDPA_SET_CONFIG, VHV_CFG_SET, { vhost_vdpa_set_config } },
	{ VHOST_GET_FEATURES, VHV_OUT, { vhost_vdpa_get_features } },
	{ VHOST_SET_FEATURES, VHV_IN | VHV_MAPLOCK,
	  { vhost_vdpa_set_features } },
	{ VHOST_SET_LOG_BASE, VHV_IN | VHV_MAPLOCK,
	  { vhost_vdpa_log_set_base } },
	{ VHOST_SET_LOG_FD, VHV_IN, { vhost_vdpa_log_set_fd } },
	{ VHOST_VDPA_GET_VRING_NUM, VHV_OUT, { vhost_vdpa_get_vring_num } },
	{ VHOST_VDPA_GET_GROUP_NUM, VHV_OUT, { vhost_vdpa_get_group_num } },
	{ VHOST_VDPA_GET_AS_NUM, VHV_OUT, { vhost_vdpa_get_as_num } },
	{ VHOST_VDPA_GET_CONFIG_SIZE, VHV_OUT, { vhost_vdpa_get_config_size } },
	{ VHOST_VDPA_GET_VQS_COUNT, VHV_OUT, { vhost_vdpa_get_vqs_count } },
	{ VHOST_VDPA_GET_IOVA_RANGE, VHV_OUT, { vhost_vdpa_get_iova_range } },
	{ VHOST_VDPA_SET_CONFIG_CALL, VHV_IN, { vhost_vdpa_set_config_call } },
	{ VHOST_VDPA_SUSPEND, 0, { vhost_vdpa_suspend } },
	{ VHOST_VDPA_RESUME, 0, { vhost_vdpa_resume } },
	{ VHOST_SET_FORK_FROM_OWNER, VHV_IN, { vhost_vdpa_set_fork_owner } },
	{ VHOST_GET_FORK_FROM_OWNER, VHV_OUT, { vhost_vdpa_get_fork_owner } },
};

static long vhost_vdpa_unknown(struct vhost_vdpa *v, union vhost_vdpa_arg *a)
{
	return -ENOTTY;
}

/* A command not known: -ENOTTY, or -ENODEV once the device was removed. */
static const struct vhost_vdpa_ioctl vhost_vdpa_unknown_ioctl = {
	.fn = vhost_vdpa_unknown,
};

static const struct vhost_vdpa_ioctl *vhost_vdpa_find_ioctl(unsigned int cmd)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vhost_vdpa_ioctls); i++)
		if (vhost_vdpa_ioctls[i].cmd == cmd)
			return &vhost_vdpa_ioctls[i];
	return vhost_vdpa_vring_find(cmd) ?: &vhost_vdpa_unknown_ioctl;
}

/* Copy the argument in; no lock held. */
static long vhost_vdpa_arg_in(struct vhost_vdpa *v,
			      const struct vhost_vdpa_ioctl *op,
			      void __user *argp, union vhost_vdpa_arg *a)
{
	size_t size = _IOC_SIZE(op->cmd);

	if (WARN_ON_ONCE(size > sizeof(*a)))
		return -EINVAL;
	if ((op->flags & VHV_IN) && copy_from_user(a, argp, size))
		return -EFAULT;
	if (op->flags & VHV_CFG)
		return vhost_vdpa_cfg_in(v, argp, op, &a->cfg);
	return 0;
}

/* Copy the result out; no lock held. */
static long vhost_vdpa_arg_out(const struct vhost_vdpa_ioctl *op,
			       void __user *argp, union vhost_vdpa_arg *a)
{
	struct vhost_vdpa_config __user *uc = argp;

	if ((op->flags & VHV_OUT) &&
	    copy_to_user(argp, a, _IOC_SIZE(op->cmd)))
		return -EFAULT;
	if ((op->flags & VHV_CFG_OUT) &&
	    copy_to_user(uc->buf, a->cfg.buf, a->cfg.hdr.len))
		return -EFAULT;
	return 0;
}

static long vhost_vdpa_call(struct vhost_vdpa *v,
			    const struct vhost_vdpa_ioctl *op,
			    union vhost_vdpa_arg *a)
{
	long r;

	if (op->flags & VHV_MAPLOCK)
		mutex_lock(&v->map_lock);
	mutex_lock(&v->lock);
	if (!v->vdpa)
		r = -ENODEV;
	else if (op->flags & VHV_VRING)
		r = vhost_vdpa_vring_call(v, op, a);
	else
		r = op->fn(v, a);
	mutex_unlock(&v->lock);
	if (op->flags & VHV_MAPLOCK)
		mutex_unlock(&v->map_lock);
	return r;
}

/**
 * vhost_vdpa_ioctl() - &file_operations.unlocked_ioctl
 * @file: an open /dev/vhost-vdpa-N
 * @cmd: the command
 * @arg: its argument
 *
 * The argument is copied in before &vhost_vdpa.lock is taken and out
 * after it is released (see &union vhost_vdpa_arg).
 *
 * Return: 0 or -errno; -ENOTTY for commands this driver does not know.
 */
long vhost_vdpa_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	const struct vhost_vdpa_ioctl *op = vhost_vdpa_find_ioctl(cmd);
	struct vhost_vdpa *v = file->private_data;
	void __user *argp = (void __user *)arg;
	union vhost_vdpa_arg a = { };
	long r;

	r = vhost_vdpa_arg_in(v, op, argp, &a);
	if (!r)
		r = vhost_vdpa_call(v, op, &a);
	if (!r)
		r = vhost_vdpa_arg_out(op, argp, &a);
	if (op->flags & VHV_CFG)
		kvfree(a.cfg.buf);
	return r;
}
