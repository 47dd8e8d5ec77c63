// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-virtqueue ioctls: ring size, addresses, base, kick/call eventfds,
 * enable, groups. Every argument structure starts with the queue (or
 * group) index, read once by the common prologue.
 */

#include <linux/file.h>
#include <linux/nospec.h>
#include <linux/uaccess.h>
#include <linux/virtio_config.h>
#include <uapi/linux/virtio_ring.h>

#include "internal.h"

static bool vhv_packed(struct vhost_vdpa *v)
{
	return v->features & BIT_ULL(VIRTIO_F_RING_PACKED);
}

/* Rings may only move while the device is stopped or suspended. */
static bool vhv_rings_frozen(struct vhost_vdpa *v)
{
	return (vhost_vdpa_status(v) & VIRTIO_CONFIG_S_DRIVER_OK) &&
	       !v->suspended;
}

static long vhv_get_state(void __user *argp, struct vhost_vring_state *s)
{
	return copy_from_user(s, argp, sizeof(*s)) ? -EFAULT : 0;
}

static long vhv_put_state(void __user *argp, u32 idx, u32 num)
{
	struct vhost_vring_state s = { .index = idx, .num = num };

	return copy_to_user(argp, &s, sizeof(s)) ? -EFAULT : 0;
}

static long vhv_set_num(struct vhost_vdpa *v, u32 idx, void __user *argp)
{
	struct vhost_vring_state s;

	if (vhv_get_state(argp, &s))
		return -EFAULT;
	if (!s.num || s.num > v->vq_num_max || !is_power_of_2(s.num))
		return -EINVAL;
	vhv_ops(v)->set_vq_num(v->vdpa, idx, s.num);
	return 0;
}

static long vhv_set_addr(struct vhost_vdpa *v, u32 idx, void __user *argp)
{
	struct vhost_vring_addr a;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.flags & ~BIT(VHOST_VRING_F_LOG))
		return -EOPNOTSUPP;
	if ((a.avail_user_addr & (VRING_AVAIL_ALIGN_SIZE - 1)) ||
	    (a.used_user_addr & (VRING_USED_ALIGN_SIZE - 1)))
		return -EINVAL;
	if (vhv_rings_frozen(v))
		return -EINVAL;
	if (vhv_ops(v)->set_vq_address(v->vdpa, idx, a.desc_user_addr,
				       a.avail_user_addr, a.used_user_addr))
		return -EINVAL;
	return 0;
}

/*
 * VHOST_SET/GET_VRING_BASE encode a packed ring's state as
 * (used index | used wrap << 15) << 16 | avail index | avail wrap << 15.
 */
static long vhv_set_base(struct vhost_vdpa *v, u32 idx, void __user *argp)
{
	struct vdpa_vq_state st = { };
	struct vhost_vring_state s;

	if (vhv_get_state(argp, &s))
		return -EFAULT;
	if (vhv_rings_frozen(v))
		return -EINVAL;
	if (vhv_packed(v)) {
		st.packed.last_avail_idx = s.num & 0x7fff;
		st.packed.last_avail_counter = !!(s.num & 0x8000);
		st.packed.last_used_idx = (s.num >> 16) & 0x7fff;
		st.packed.last_used_counter = !!(s.num & 0x80000000);
	} else {
		if (s.num > 0xffff)
			return -EINVAL;
		st.split.avail_index = s.num;
	}
	return vhv_ops(v)->set_vq_state(v->vdpa, idx, &st);
}

static long vhv_get_base(struct vhost_vdpa *v, u32 idx, void __user *argp)
{
	struct vdpa_vq_state st = { };
	u32 num;
	int err;

	err = vhv_ops(v)->get_vq_state(v->vdpa, idx, &st);
	if (err)
		return err;
	if (vhv_packed(v))
		num = (st.packed.last_avail_idx |
		       st.packed.last_avail_counter << 15) |
		      (u32)(st.packed.last_used_idx |
			    st.packed.last_used_counter << 15) << 16;
	else
		num = st.split.avail_index;
	return vhv_put_state(argp, idx, num);
}

static int vhv_kick_wake(wait_queue_entry_t *wait, unsigned int mode,
			 int sync, void *key)
{
	struct vhost_vdpa_vq *vq = container_of(wait, struct vhost_vdpa_vq,
						kick_wait);

	/* Atomic context: kick_vq may be called from anywhere. */
	if (key_to_poll(key) & EPOLLIN)
		vhv_ops(vq->v)->kick_vq(vq->v->vdpa, vq->idx);
	return 0;
}

static void vhv_kick_queue(struct file *file, wait_queue_head_t *wqh,
			   poll_table *pt)
{
	struct vhost_vdpa_vq *vq = container_of(pt, struct vhost_vdpa_vq,
						kick_pt);

	vq->kick_wqh = wqh;
	add_wait_queue(wqh, &vq->kick_wait);
}

static void vhv_kick_unset(struct vhost_vdpa_vq *vq)
{
	if (!vq->kick_file)
		return;
	remove_wait_queue(vq->kick_wqh, &vq->kick_wait);
	fput(vq->kick_file);
	vq->kick_file = NULL;
	vq->kick_wqh = NULL;
}

static long vhv_set_kick(struct vhost_vdpa *v, u32 idx, void __user *argp)
{
	struct vhost_vdpa_vq *vq = &v->vqs[idx];
	struct vhost_vring_file f;
	struct file *file;

	if (copy_from_user(&f, argp, sizeof(f)))
		return -EFAULT;
	if (f.fd != VHOST_FILE_UNBIND) {
		file = eventfd_fget(f.fd);
		if (IS_ERR(file))
			return PTR_ERR(file);
	}
	vhv_kick_unset(vq);
	if (f.fd == VHOST_FILE_UNBIND)
		return 0;
	vq->kick_file = file;
	if (vfs_poll(file, &vq->kick_pt) & EPOLLIN)
		vhv_ops(v)->kick_vq(v->vdpa, idx);
	return 0;
}

static irqreturn_t vhv_call_cb(void *private)
{
	eventfd_signal(private);
	return IRQ_HANDLED;
}

/* Point the parent at @ctx (or nowhere), then drop the old eventfd. */
static void vhv_call_set(struct vhost_vdpa *v, u32 idx,
			 struct eventfd_ctx *ctx)
{
	struct vhost_vdpa_vq *vq = &v->vqs[idx];
	struct vdpa_callback cb = { };

	if (ctx) {
		cb.callback = vhv_call_cb;
		cb.private = ctx;
		cb.trigger = ctx;
	}
	if (v->vdpa)
		vhv_ops(v)->set_vq_cb(v->vdpa, idx, &cb);
	if (vq->call)
		eventfd_ctx_put(vq->call);
	vq->call = ctx;
}

static long vhv_set_call(struct vhost_vdpa *v, u32 idx, void __user *argp)
{
	struct eventfd_ctx *ctx = NULL;
	struct vhost_vring_file f;

	if (copy_from_user(&f, argp, sizeof(f)))
		return -EFAULT;
	if (f.fd != VHOST_FILE_UNBIND) {
		ctx = eventfd_ctx_fdget(f.fd);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
	}
	vhv_call_set(v, idx, ctx);
	return 0;
}

/* vDPA devices never report ring errors: the eventfd is checked only. */
static long vhv_set_err(struct vhost_vdpa *v, u32 idx, void __user *argp)
{
	struct eventfd_ctx *ctx;
	struct vhost_vring_file f;

	if (copy_from_user(&f, argp, sizeof(f)))
		return -EFAULT;
	if (f.fd == VHOST_FILE_UNBIND)
		return 0;
	ctx = eventfd_ctx_fdget(f.fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	eventfd_ctx_put(ctx);
	return 0;
}

static long vhv_set_enable(struct vhost_vdpa *v, u32 idx, void __user *argp)
{
	struct vhost_vring_state s;

	if (vhv_get_state(argp, &s))
		return -EFAULT;
	vhv_ops(v)->set_vq_ready(v->vdpa, idx, s.num);
	return 0;
}

static long vhv_get_group(struct vhost_vdpa *v, u32 idx, void __user *argp)
{
	u32 group;

	if (!vhv_ops(v)->get_vq_group)
		return -EOPNOTSUPP;
	group = vhv_ops(v)->get_vq_group(v->vdpa, idx);
	if (group >= v->vdpa->ngroups)
		return -EIO;
	return vhv_put_state(argp, idx, group);
}

static long vhv_get_desc_group(struct vhost_vdpa *v, u32 idx,
			       void __user *argp)
{
	u32 group;

	if (!(v->backend_features & BIT_ULL(VHOST_BACKEND_F_DESC_ASID)) ||
	    !vhv_ops(v)->get_vq_desc_group)
		return -EOPNOTSUPP;
	group = vhv_ops(v)->get_vq_desc_group(v->vdpa, idx);
	if (group >= v->vdpa->ngroups)
		return -EIO;
	return vhv_put_state(argp, idx, group);
}

static long vhv_set_group_asid(struct vhost_vdpa *v, u32 group,
			       void __user *argp)
{
	struct vhost_vring_state s;

	if (vhv_get_state(argp, &s))
		return -EFAULT;
	if (group >= v->vdpa->ngroups || s.num >= v->nas)
		return -EINVAL;
	if (!vhv_ops(v)->set_group_asid)
		return -EOPNOTSUPP;
	return vhv_ops(v)->set_group_asid(v->vdpa, group, s.num);
}

static long vhv_get_size(struct vhost_vdpa *v, u32 idx, void __user *argp)
{
	if (!vhv_ops(v)->get_vq_size)
		return -EOPNOTSUPP;
	return vhv_put_state(argp, idx, vhv_ops(v)->get_vq_size(v->vdpa, idx));
}

static long vhv_set_busyloop(struct vhost_vdpa *v, u32 idx, void __user *argp)
{
	struct vhost_vring_state s;

	if (vhv_get_state(argp, &s))
		return -EFAULT;
	v->vqs[idx].busyloop_timeout = s.num;
	return 0;
}

static long vhv_get_busyloop(struct vhost_vdpa *v, u32 idx, void __user *argp)
{
	return vhv_put_state(argp, idx, v->vqs[idx].busyloop_timeout);
}

static const struct {
	unsigned int cmd;
	long (*fn)(struct vhost_vdpa *v, u32 idx, void __user *argp);
} vhv_ioctls[] = {
	{ VHOST_SET_VRING_NUM, vhv_set_num },
	{ VHOST_SET_VRING_ADDR, vhv_set_addr },
	{ VHOST_SET_VRING_BASE, vhv_set_base },
	{ VHOST_GET_VRING_BASE, vhv_get_base },
	{ VHOST_SET_VRING_KICK, vhv_set_kick },
	{ VHOST_SET_VRING_CALL, vhv_set_call },
	{ VHOST_SET_VRING_ERR, vhv_set_err },
	{ VHOST_VDPA_SET_VRING_ENABLE, vhv_set_enable },
	{ VHOST_VDPA_GET_VRING_GROUP, vhv_get_group },
	{ VHOST_VDPA_GET_VRING_DESC_GROUP, vhv_get_desc_group },
	{ VHOST_VDPA_SET_GROUP_ASID, vhv_set_group_asid },
	{ VHOST_VDPA_GET_VRING_SIZE, vhv_get_size },
	{ VHOST_SET_VRING_BUSYLOOP_TIMEOUT, vhv_set_busyloop },
	{ VHOST_GET_VRING_BUSYLOOP_TIMEOUT, vhv_get_busyloop },
};

/**
 * vhost_vdpa_vring_ioctl() - per-virtqueue commands
 * @v: the device, with its lock held and its vDPA device present
 * @cmd: the command
 * @argp: its argument, starting with a queue or group index
 *
 * Only the owner may use them (-EPERM); an index beyond the queues gives
 * -ENOBUFS, as in-tree.
 *
 * Return: 0, -errno, or -ENOIOCTLCMD for a command not handled here.
 */
long vhost_vdpa_vring_ioctl(struct vhost_vdpa *v, unsigned int cmd,
			    void __user *argp)
{
	unsigned int i;
	u32 idx;

	lockdep_assert_held(&v->lock);
	for (i = 0; i < ARRAY_SIZE(vhv_ioctls); i++)
		if (vhv_ioctls[i].cmd == cmd)
			break;
	if (i == ARRAY_SIZE(vhv_ioctls))
		return -ENOIOCTLCMD;
	if (!vhost_vdpa_is_owner(v))
		return -EPERM;
	if (get_user(idx, (u32 __user *)argp))
		return -EFAULT;
	if (idx >= v->nvqs)
		return -ENOBUFS;
	idx = array_index_nospec(idx, v->nvqs);
	return vhv_ioctls[i].fn(v, idx, argp);
}

/**
 * vhost_vdpa_vq_init() - initialise a virtqueue at probe
 * @v: the device
 * @idx: the queue
 */
void vhost_vdpa_vq_init(struct vhost_vdpa *v, u16 idx)
{
	struct vhost_vdpa_vq *vq = &v->vqs[idx];

	vq->v = v;
	vq->idx = idx;
	init_waitqueue_func_entry(&vq->kick_wait, vhv_kick_wake);
	init_poll_funcptr(&vq->kick_pt, vhv_kick_queue);
}

/**
 * vhost_vdpa_vqs_clean() - drop every queue's eventfds
 * @v: the device, with its lock held
 */
void vhost_vdpa_vqs_clean(struct vhost_vdpa *v)
{
	u32 i;

	lockdep_assert_held(&v->lock);
	for (i = 0; i < v->nvqs; i++) {
		vhv_kick_unset(&v->vqs[i]);
		if (v->vqs[i].call)
			vhv_call_set(v, i, NULL);
		v->vqs[i].busyloop_timeout = 0;
	}
}
