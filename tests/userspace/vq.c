// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa_user: virtqueue setup through vhost ioctls, kicks and calls.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "vdpa_user.h"

/**
 * vq_create() - driver side of a virtqueue
 * @vq: filled in
 * @index: queue index
 * @num: ring size
 * @packed: packed layout, else split
 * @r: region the ring memory is carved from
 *
 * Ring memory, bookkeeping arrays and the kick and call eventfds.
 *
 * Return: 0 or -errno.
 */
int vq_create(struct vq *vq, unsigned int index, __u16 num, bool packed,
	      struct region *r)
{
	size_t sd, sa, su;

	memset(vq, 0, sizeof(*vq));
	vq->kick_fd = -1;
	vq->call_fd = -1;
	vq->ops = packed ? &ring_packed_ops : &ring_split_ops;
	vq->index = index;
	vq->num = num;
	vq->ops->sizes(num, &sd, &sa, &su);
	vq->desc = region_take(r, sd, 64, &vq->desc_iova);
	vq->drv = region_take(r, sa, 64, &vq->drv_iova);
	vq->dev = region_take(r, su, 64, &vq->dev_iova);
	vq->tokens = calloc(num, sizeof(*vq->tokens));
	vq->next = calloc(num, sizeof(*vq->next));
	vq->chain = calloc(num, sizeof(*vq->chain));
	if (!vq->desc || !vq->drv || !vq->dev || !vq->tokens || !vq->next ||
	    !vq->chain)
		return -ENOMEM;
	vq->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	vq->call_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vq->kick_fd < 0 || vq->call_fd < 0) {
		fail("eventfd: %s", errname(errno));
		return -errno;
	}
	vq->ops->init(vq);
	return 0;
}

/**
 * vq_destroy() - free what vq_create() allocated
 * @vq: the queue, may never have been created (zeroed)
 */
void vq_destroy(struct vq *vq)
{
	if (!vq->ops)
		return;
	vq_doorbell_unmap(vq);
	if (vq->kick_fd >= 0)
		close(vq->kick_fd);
	if (vq->call_fd >= 0)
		close(vq->call_fd);
	free(vq->tokens);
	free(vq->next);
	free(vq->chain);
	memset(vq, 0, sizeof(*vq));
	vq->kick_fd = -1;
	vq->call_fd = -1;
}

static int vq_ioctl(struct vdev *d, struct vq *vq, unsigned long req,
		    void *arg, const char *name)
{
	char what[64];

	snprintf(what, sizeof(what), "%s(vq %u)", name, vq->index);
	return xioctl(d->fd, req, arg, what);
}

/**
 * vq_setup() - hand a virtqueue to the device
 * @d: the device
 * @vq: the queue
 *
 * VHOST_SET_VRING_NUM, _ADDR, _BASE, _KICK, _CALL, then
 * VHOST_VDPA_SET_VRING_ENABLE.
 *
 * Return: 0 or -errno.
 */
int vq_setup(struct vdev *d, struct vq *vq)
{
	struct vhost_vring_state num = { vq->index, vq->num };
	struct vhost_vring_state base = { vq->index, vq->ops->base(vq) };
	struct vhost_vring_state on = { vq->index, 1 };
	struct vhost_vring_file kick = { vq->index, vq->kick_fd };
	struct vhost_vring_file call = { vq->index, vq->call_fd };
	struct vhost_vring_addr addr = {
		.index = vq->index,
		.desc_user_addr = vq->desc_iova,
		.avail_user_addr = vq->drv_iova,
		.used_user_addr = vq->dev_iova,
	};
	int r;

	r = vq_ioctl(d, vq, VHOST_SET_VRING_NUM, &num, "VHOST_SET_VRING_NUM");
	if (!r)
		r = vq_ioctl(d, vq, VHOST_SET_VRING_ADDR, &addr,
			     "VHOST_SET_VRING_ADDR");
	if (!r)
		r = vq_ioctl(d, vq, VHOST_SET_VRING_BASE, &base,
			     "VHOST_SET_VRING_BASE");
	if (!r)
		r = vq_ioctl(d, vq, VHOST_SET_VRING_KICK, &kick,
			     "VHOST_SET_VRING_KICK");
	if (!r)
		r = vq_ioctl(d, vq, VHOST_SET_VRING_CALL, &call,
			     "VHOST_SET_VRING_CALL");
	if (!r)
		r = vq_ioctl(d, vq, VHOST_VDPA_SET_VRING_ENABLE, &on,
			     "VHOST_VDPA_SET_VRING_ENABLE");
	return r;
}

/**
 * vq_kick() - notify the device
 * @vq: the queue
 *
 * Through its doorbell page if it is mapped (a 16-bit write of the queue
 * index, as a virtio-pci driver does), else through the kick eventfd.
 *
 * Return: 0 or -EIO.
 */
int vq_kick(struct vq *vq)
{
	__u64 one = 1;

	if (vq->doorbell) {
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		*vq->doorbell = htole16(vq->index);
		return 0;
	}
	if (write(vq->kick_fd, &one, sizeof(one)) != sizeof(one)) {
		fail("kick vq %u: %s", vq->index, errname(errno));
		return -EIO;
	}
	return 0;
}

/**
 * vq_wait() - wait for a used buffer notification
 * @vqs: queues to wait on
 * @n: how many (at most 8)
 * @timeout_ms: poll() timeout
 *
 * Clears the eventfds that fired.
 *
 * Return: 1, 0 on timeout, -errno.
 */
int vq_wait(struct vq **vqs, unsigned int n, int timeout_ms)
{
	struct pollfd p[8];
	unsigned int i;
	__u64 v;
	int r;

	if (n > ARRAY_SIZE(p))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		p[i].fd = vqs[i]->call_fd;
		p[i].events = POLLIN;
	}
	r = poll(p, n, timeout_ms);
	if (r < 0)
		return -errno;
	for (i = 0; i < n; i++)
		if (p[i].revents & POLLIN)
			(void)!read(p[i].fd, &v, sizeof(v));
	return r > 0;
}

/**
 * vq_get_base() - VHOST_GET_VRING_BASE
 * @d: the device
 * @vq: the queue
 * @base: the device's ring position
 *
 * Return: 0 or -errno.
 */
int vq_get_base(struct vdev *d, struct vq *vq, __u32 *base)
{
	struct vhost_vring_state s = { vq->index, 0 };
	int r;

	r = vq_ioctl(d, vq, VHOST_GET_VRING_BASE, &s, "VHOST_GET_VRING_BASE");
	*base = s.num;
	return r;
}
