// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-virtqueue ioctls: ring size, addresses, base, kick/call eventfds,
 * enable, groups. Every argument structure starts with the queue (or
 * group) index, checked once by vhost_vdpa_vring_call(); the dispatcher
 * in ioctl.c copies the arguments in and out around the lock.
 */

#include <linux/file.h>
#include <linux/nospec.h>
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

static long vhv_set_num(struct vhost_vdpa *v, u32 idx, union vhost_vdpa_arg *a)
{
	u32 num = a->state.num;

	if (!num || num > v->vq_num_max || !is_power_of_2(num))
		return -EINVAL;
	/* A running ring keeps its size: the device walks it by that size. */
	if (vhv_rings_frozen(v))
		return -EINVAL;
	vhv_ops(v)->set_vq_num(v->vdpa, idx, num);
	v->vqs[idx].num = num;
	v->vqs[idx].has_saved = false;
	return 0;
}

/* Whether @r names the rings @vq already has. */
static bool vhv_same_rings(const struct vhost_vdpa_vq *vq,
			   const struct vhost_vring_addr *r)
{
	return vq->desc == r->desc_user_addr &&
	       vq->avail == r->avail_user_addr && vq->used == r->used_user_addr;
}

/*
 * Where the device area of @idx is logged: on a running device, only
 * this may change (QEMU turns used-ring logging on and off when a
 * migration starts and ends). The log grows to cover a new address.
 */
static long vhv_set_log_used(struct vhost_vdpa *v, u32 idx,
			     const struct vhost_vring_addr *r)
{
	struct vhost_vdpa_vq *vq = &v->vqs[idx];
	u64 old = vq->log_used, lu = 0;
	u64 size = 6 + 8ULL * (vq->num ?: v->vq_num_max);
	int err;

	if (r->flags & BIT(VHOST_VRING_F_LOG))
		lu = r->log_guest_addr | VHV_LOG_USED_ON;
	WRITE_ONCE(vq->log_used, lu);
	if (!lu || r->log_guest_addr + size - 1 < r->log_guest_addr)
		return 0;
	err = vhost_vdpa_log_cover(v, r->log_guest_addr + size - 1);
	if (err)
		WRITE_ONCE(vq->log_used, old);
	return err;
}

static long vhv_set_addr(struct vhost_vdpa *v, u32 idx, union vhost_vdpa_arg *a)
{
	const struct vhost_vring_addr *r = &a->addr;
	struct vhost_vdpa_vq *vq = &v->vqs[idx];
	u64 old_lu;
	long err;

	if (r->flags & ~BIT(VHOST_VRING_F_LOG))
		return -EOPNOTSUPP;
	if ((r->avail_user_addr & (VRING_AVAIL_ALIGN_SIZE - 1)) ||
	    (r->used_user_addr & (VRING_USED_ALIGN_SIZE - 1)) ||
	    (r->log_guest_addr & (VRING_USED_ALIGN_SIZE - 1)))
		return -EINVAL;
	if (vhv_rings_frozen(v) && !vhv_same_rings(vq, r))
		return -EINVAL;
	old_lu = vq->log_used;
	err = vhv_set_log_used(v, idx, r);
	if (err || vhv_rings_frozen(v))
		return err;
	if (vhv_ops(v)->set_vq_address(v->vdpa, idx, r->desc_user_addr,
				       r->avail_user_addr, r->used_user_addr)) {
		WRITE_ONCE(vq->log_used, old_lu);
		return -EINVAL;
	}
	vq->desc = r->desc_user_addr;
	vq->avail = r->avail_user_addr;
	vq->used = r->used_user_addr;
	vq->has_saved = false;
	return 0;
}

/*
 * VHOST_SET/GET_VRING_BASE encode a packed ring's state as
 * (used index | used wrap << 15) << 16 | avail index | avail wrap << 15.
 */
static long vhv_set_base(struct vhost_vdpa *v, u32 idx, union vhost_vdpa_arg *a)
{
	struct vdpa_vq_state st = { };
	u32 num = a->state.num;

	if (vhv_rings_frozen(v))
		return -EINVAL;
	v->vqs[idx].has_saved = false;
	if (vhv_packed(v)) {
		st.packed.last_avail_idx = num & 0x7fff;
		st.packed.last_avail_counter = !!(num & 0x8000);
		st.packed.last_used_idx = (num >> 16) & 0x7fff;
		st.packed.last_used_counter = !!(num & 0x80000000);
	} else {
		if (num > 0xffff)
			return -EINVAL;
		st.split.avail_index = num;
	}
	return vhv_ops(v)->set_vq_state(v->vdpa, idx, &st);
}

/*
 * QEMU 7.2 reads the ring positions of a running device it never
 * suspends: while it logs (a migration), the device is suspended first
 * when the parent can, so that the position read is final and the
 * device writes nothing more. Userspace that negotiated SUSPEND does it
 * itself.
 */
static void vhv_quiesce_for_base(struct vhost_vdpa *v)
{
	if (!v->logging || !vhv_rings_frozen(v) || !vhv_ops(v)->suspend ||
	    (v->backend_features & BIT_ULL(VHOST_BACKEND_F_SUSPEND)))
		return;
	if (!vhv_ops(v)->suspend(v->vdpa))
		v->suspended = true;
}

static long vhv_get_base(struct vhost_vdpa *v, u32 idx, union vhost_vdpa_arg *a)
{
	struct vdpa_vq_state st = { };
	int err;

	vhv_quiesce_for_base(v);
	if (v->vqs[idx].has_saved) {
		st = v->vqs[idx].saved;
	} else {
		err = vhv_ops(v)->get_vq_state(v->vdpa, idx, &st);
		if (err)
			return err;
	}
	if (vhv_packed(v))
		a->state.num = (st.packed.last_avail_idx |
				st.packed.last_avail_counter << 15) |
			       (u32)(st.packed.last_used_idx |
				     st.packed.last_used_counter << 15) << 16;
	else
		a->state.num = st.split.avail_index;
	return 0;
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

static long vhv_set_kick(struct vhost_vdpa *v, u32 idx, union vhost_vdpa_arg *a)
{
	struct vhost_vdpa_vq *vq = &v->vqs[idx];
	int fd = a->file.fd;
	struct file *file;

	if (fd != VHOST_FILE_UNBIND) {
		file = eventfd_fget(fd);
		if (IS_ERR(file))
			return PTR_ERR(file);
	}
	vhv_kick_unset(vq);
	if (fd == VHOST_FILE_UNBIND)
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

static long vhv_set_call(struct vhost_vdpa *v, u32 idx, union vhost_vdpa_arg *a)
{
	struct eventfd_ctx *ctx = NULL;

	if (a->file.fd != VHOST_FILE_UNBIND) {
		ctx = eventfd_ctx_fdget(a->file.fd);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
	}
	vhv_call_set(v, idx, ctx);
	return 0;
}

/* vDPA devices never report ring errors: the eventfd is checked only. */
static long vhv_set_err(struct vhost_vdpa *v, u32 idx, union vhost_vdpa_arg *a)
{
	struct eventfd_ctx *ctx;

	if (a->file.fd == VHOST_FILE_UNBIND)
		return 0;
	ctx = eventfd_ctx_fdget(a->file.fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	eventfd_ctx_put(ctx);
	return 0;
}

static long vhv_set_enable(struct vhost_vdpa *v, u32 idx,
			   union vhost_vdpa_arg *a)
{
	vhv_ops(v)->set_vq_ready(v->vdpa, idx, a->state.num);
	return 0;
}

static long vhv_get_group(struct vhost_vdpa *v, u32 idx, union vhost_vdpa_arg *a)
{
	u32 group;

	if (!vhv_ops(v)->get_vq_group)
		return -EOPNOTSUPP;
	group = vhv_ops(v)->get_vq_group(v->vdpa, idx);
	if (group >= v->vdpa->ngroups)
		return -EIO;
	a->state.num = group;
	return 0;
}

static long vhv_get_desc_group(struct vhost_vdpa *v, u32 idx,
			       union vhost_vdpa_arg *a)
{
	u32 group;

	if (!(v->backend_features & BIT_ULL(VHOST_BACKEND_F_DESC_ASID)) ||
	    !vhv_ops(v)->get_vq_desc_group)
		return -EOPNOTSUPP;
	group = vhv_ops(v)->get_vq_desc_group(v->vdpa, idx);
	if (group >= v->vdpa->ngroups)
		return -EIO;
	a->state.num = group;
	return 0;
}

static long vhv_set_group_asid(struct vhost_vdpa *v, u32 group,
			       union vhost_vdpa_arg *a)
{
	if (group >= v->vdpa->ngroups || a->state.num >= v->nas)
		return -EINVAL;
	if (!vhv_ops(v)->set_group_asid)
		return -EOPNOTSUPP;
	return vhv_ops(v)->set_group_asid(v->vdpa, group, a->state.num);
}

static long vhv_get_size(struct vhost_vdpa *v, u32 idx, union vhost_vdpa_arg *a)
{
	if (!vhv_ops(v)->get_vq_size)
		return -EOPNOTSUPP;
	a->state.num = vhv_ops(v)->get_vq_size(v->vdpa, idx);
	return 0;
}

static long vhv_set_busyloop(struct vhost_vdpa *v, u32 idx,
			     union vhost_vdpa_arg *a)
{
	v->vqs[idx].busyloop_timeout = a->state.num;
	return 0;
}

static long vhv_get_busyloop(struct vhost_vdpa *v, u32 idx,
			     union vhost_vdpa_arg *a)
{
	a->state.num = v->vqs[idx].busyloop_timeout;
	return 0;
}

#define VHV_VQ(c, f, h) { .cmd = (c), .flags = VHV_VRING | (f), .vq_fn = (h) }

/* Every argument is copied in: it starts with the queue or group index. */
static const struct vhost_vdpa_ioctl vhv_ioctls[] = {
	VHV_VQ(VHOST_SET_VRING_NUM, VHV_IN, vhv_set_num),
	VHV_VQ(VHOST_SET_VRING_ADDR, VHV_IN | VHV_MAPLOCK, vhv_set_addr),
	VHV_VQ(VHOST_SET_VRING_BASE, VHV_IN, vhv_set_base),
	VHV_VQ(VHOST_GET_VRING_BASE, VHV_IN | VHV_OUT, vhv_get_base),
	VHV_VQ(VHOST_SET_VRING_KICK, VHV_IN, vhv_set_kick),
	VHV_VQ(VHOST_SET_VRING_CALL, VHV_IN, vhv_set_call),
	VHV_VQ(VHOST_SET_VRING_ERR, VHV_IN, vhv_set_err),
	VHV_VQ(VHOST_VDPA_SET_VRING_ENABLE, VHV_IN, vhv_set_enable),
	VHV_VQ(VHOST_VDPA_GET_VRING_GROUP, VHV_IN | VHV_OUT, vhv_get_group),
	VHV_VQ(VHOST_VDPA_GET_VRING_DESC_GROUP, VHV_IN | VHV_OUT,
	       vhv_get_desc_group),
	VHV_VQ(VHOST_VDPA_SET_GROUP_ASID, VHV_IN, vhv_set_group_asid),
	VHV_VQ(VHOST_VDPA_GET_VRING_SIZE, VHV_IN | VHV_OUT, vhv_get_size),
	VHV_VQ(VHOST_SET_VRING_BUSYLOOP_TIMEOUT, VHV_IN, vhv_set_busyloop),
	VHV_VQ(VHOST_GET_VRING_BUSYLOOP_TIMEOUT, VHV_IN | VHV_OUT,
	       vhv_get_busyloop),
};

/**
 * vhost_vdpa_vring_find() - look up a per-virtqueue command
 * @cmd: the command
 *
 * Return: its table entry, or NULL.
 */
const struct vhost_vdpa_ioctl *vhost_vdpa_vring_find(unsigned int cmd)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vhv_ioctls); i++)
		if (vhv_ioctls[i].cmd == cmd)
			return &vhv_ioctls[i];
	return NULL;
}

/**
 * vhost_vdpa_vring_call() - run a per-virtqueue command
 * @v: the device, with its lock held and its vDPA device present
 * @op: the command, from vhost_vdpa_vring_find()
 * @a: its argument, copied in; it starts with a queue or group index
 *
 * Only the owner may use them (-EPERM); an index beyond the queues gives
 * -ENOBUFS, as in-tree.
 *
 * Return: 0 or -errno.
 */
long vhost_vdpa_vring_call(struct vhost_vdpa *v,
			   const struct vhost_vdpa_ioctl *op,
			   union vhost_vdpa_arg *a)
{
	u32 idx = a->state.index;

	lockdep_assert_held(&v->lock);
	if (!vhost_vdpa_is_owner(v))
		return -EPERM;
	if (idx >= v->nvqs)
		return -ENOBUFS;
	idx = array_index_nospec(idx, v->nvqs);
	return op->vq_fn(v, idx, a);
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
		struct vhost_vdpa_vq *vq = &v->vqs[i];

		vhv_kick_unset(vq);
		if (vq->call)
			vhv_call_set(v, i, NULL);
		vq->busyloop_timeout = 0;
		vq->num = 0;
		vq->desc = 0;
		vq->avail = 0;
		vq->used = 0;
		WRITE_ONCE(vq->log_used, 0);
		vq->has_saved = false;
	}
}

/**
 * vhost_vdpa_vqs_save() - save every ring's position before a reset
 * @v: the device, with its lock held and its vDPA device present
 *
 * A queue whose state the parent cannot tell keeps none: its
 * VHOST_GET_VRING_BASE asks the parent, as before.
 */
void vhost_vdpa_vqs_save(struct vhost_vdpa *v)
{
	u32 i;

	lockdep_assert_held(&v->lock);
	for (i = 0; i < v->nvqs; i++) {
		struct vhost_vdpa_vq *vq = &v->vqs[i];

		memset(&vq->saved, 0, sizeof(vq->saved));
		vq->has_saved = !vhv_ops(v)->get_vq_state(v->vdpa, i,
							  &vq->saved);
	}
}

/**
 * vhost_vdpa_vqs_forget() - the rings run again: drop saved positions
 * @v: the device, with its lock held
 */
void vhost_vdpa_vqs_forget(struct vhost_vdpa *v)
{
	u32 i;

	lockdep_assert_held(&v->lock);
	for (i = 0; i < v->nvqs; i++)
		v->vqs[i].has_saved = false;
}
