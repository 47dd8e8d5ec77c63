// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa_user: opening a vhost-vdpa device, feature negotiation, status
 * and config space.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vdpa_user.h"

/**
 * feature_name() - name of a virtio feature bit, for messages
 * @bit: feature bit number
 *
 * Return: its name for the transport bits this tool requires, else
 * "feature bit N".
 */
const char *feature_name(int bit)
{
	static char buf[24];

	switch (bit) {
	case VIRTIO_F_VERSION_1: return "VIRTIO_F_VERSION_1";
	case VIRTIO_F_ACCESS_PLATFORM: return "VIRTIO_F_ACCESS_PLATFORM";
	case VIRTIO_F_RING_PACKED: return "VIRTIO_F_RING_PACKED";
	default:
		snprintf(buf, sizeof(buf), "feature bit %d", bit);
		return buf;
	}
}

static int vdev_query(struct vdev *d)
{
	int r;

	r = xioctl(d->fd, VHOST_VDPA_GET_DEVICE_ID, &d->device_id,
		   "VHOST_VDPA_GET_DEVICE_ID");
	if (!r)
		r = xioctl(d->fd, VHOST_GET_FEATURES, &d->offered,
			   "VHOST_GET_FEATURES");
	if (!r)
		r = xioctl(d->fd, VHOST_VDPA_GET_VQS_COUNT, &d->nvqs,
			   "VHOST_VDPA_GET_VQS_COUNT");
	if (!r)
		r = xioctl(d->fd, VHOST_VDPA_GET_VRING_NUM, &d->vq_num_max,
			   "VHOST_VDPA_GET_VRING_NUM");
	if (!r)
		r = xioctl(d->fd, VHOST_VDPA_GET_CONFIG_SIZE, &d->config_size,
			   "VHOST_VDPA_GET_CONFIG_SIZE");
	if (!r)
		r = xioctl(d->fd, VHOST_VDPA_GET_IOVA_RANGE, &d->range,
			   "VHOST_VDPA_GET_IOVA_RANGE");
	if (!r)
		r = xioctl(d->fd, VHOST_GET_BACKEND_FEATURES,
			   &d->backend_offered, "VHOST_GET_BACKEND_FEATURES");
	return r;
}

/**
 * vdev_open() - open a vhost-vdpa device and become its owner
 * @d: filled in: fd and everything the read-only ioctls report
 * @path: /dev/vhost-vdpa-N
 *
 * Return: 0, or -errno (reported) with @d->fd closed.
 */
int vdev_open(struct vdev *d, const char *path)
{
	int r;

	memset(d, 0, sizeof(*d));
	d->path = path;
	d->fd = open(path, O_RDWR | O_CLOEXEC);
	if (d->fd < 0) {
		r = -errno;
		fail("open %s: %s (%s)", path, errname(r), strerror(-r));
		return r;
	}
	r = xioctl(d->fd, VHOST_SET_OWNER, NULL, "VHOST_SET_OWNER");
	if (!r)
		r = vdev_query(d);
	if (r) {
		close(d->fd);
		d->fd = -1;
		return r;
	}
	diag("%s: device id %u, %u vqs, max ring %u, config %u bytes, iova [%#llx, %#llx]",
	     path, d->device_id, d->nvqs, d->vq_num_max, d->config_size,
	     (unsigned long long)d->range.first,
	     (unsigned long long)d->range.last);
	diag("%s: features %#llx, backend features %#llx", path,
	     (unsigned long long)d->offered,
	     (unsigned long long)d->backend_offered);
	return 0;
}

/**
 * vdev_close() - close the device; its release resets it and unmaps all
 * @d: the device, may be closed already
 */
void vdev_close(struct vdev *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

/**
 * vdev_backend() - negotiate the backend features
 * @d: the device
 * @want: backend features to ack if offered
 *
 * IOTLB_MSG_V2 is required and always acked.
 *
 * Return: 0 or -errno.
 */
int vdev_backend(struct vdev *d, __u64 want)
{
	__u64 v2 = BIT64(VHOST_BACKEND_F_IOTLB_MSG_V2);
	int r;

	if (!(d->backend_offered & v2)) {
		fail("%s: backend feature IOTLB_MSG_V2 not offered", d->path);
		return -EOPNOTSUPP;
	}
	d->backend = (want & d->backend_offered) | v2;
	r = xioctl(d->fd, VHOST_SET_BACKEND_FEATURES, &d->backend,
		   "VHOST_SET_BACKEND_FEATURES");
	if (r)
		return r;
	d->batch = d->backend & BIT64(VHOST_BACKEND_F_IOTLB_BATCH);
	diag("%s: acked backend features %#llx", d->path,
	     (unsigned long long)d->backend);
	return 0;
}

/**
 * vdev_negotiate() - check the device id and negotiate virtio features
 * @d: the device
 * @id: the virtio device id the caller drives
 * @want: features to take if offered
 * @need: features required
 *
 * ACKNOWLEDGE, DRIVER, VHOST_SET_FEATURES with (@want & offered) | @need,
 * FEATURES_OK, each status checked.
 *
 * Return: 0, -EOPNOTSUPP if a bit of @need is not offered (reported),
 * -ENODEV for another device id, or -errno.
 */
int vdev_negotiate(struct vdev *d, __u32 id, __u64 want, __u64 need)
{
	__u64 missing = need & ~d->offered;
	int r;

	if (d->device_id != id) {
		fail("%s: device id %u, this test needs %u", d->path,
		     d->device_id, id);
		return -ENODEV;
	}
	if (missing) {
		fail("%s: device does not offer %s", d->path,
		     feature_name(__builtin_ctzll(missing)));
		return -EOPNOTSUPP;
	}
	r = vdev_add_status(d, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	if (!r)
		r = vdev_add_status(d, VIRTIO_CONFIG_S_DRIVER);
	if (r)
		return r;
	d->features = (want & d->offered) | need;
	r = xioctl(d->fd, VHOST_SET_FEATURES, &d->features,
		   "VHOST_SET_FEATURES");
	if (!r)
		r = vdev_add_status(d, VIRTIO_CONFIG_S_FEATURES_OK);
	if (!r)
		diag("%s: negotiated features %#llx", d->path,
		     (unsigned long long)d->features);
	return r;
}

/**
 * vdev_add_status() - set more status bits
 * @d: the device
 * @bits: VIRTIO_CONFIG_S_* bits to add
 *
 * Return: 0 if VHOST_VDPA_GET_STATUS then reads back exactly the new
 * status, else -errno.
 */
int vdev_add_status(struct vdev *d, __u8 bits)
{
	__u8 s, got;
	int r;

	r = xioctl(d->fd, VHOST_VDPA_GET_STATUS, &s, "VHOST_VDPA_GET_STATUS");
	if (r)
		return r;
	s |= bits;
	r = xioctl(d->fd, VHOST_VDPA_SET_STATUS, &s, "VHOST_VDPA_SET_STATUS");
	if (r)
		return r;
	r = xioctl(d->fd, VHOST_VDPA_GET_STATUS, &got, "VHOST_VDPA_GET_STATUS");
	if (r)
		return r;
	if (got != s) {
		fail("%s: status %#x written, %#x read back", d->path, s, got);
		return -EIO;
	}
	return 0;
}

/**
 * vdev_get_config() - read the device config space
 * @d: the device
 * @off: offset in the config space
 * @buf: where to put it
 * @len: bytes to read
 *
 * Return: 0 or -errno.
 */
int vdev_get_config(struct vdev *d, __u32 off, void *buf, __u32 len)
{
	struct vhost_vdpa_config *c;
	int r;

	c = calloc(1, sizeof(*c) + len);
	if (!c)
		return -ENOMEM;
	c->off = off;
	c->len = len;
	r = xioctl(d->fd, VHOST_VDPA_GET_CONFIG, c, "VHOST_VDPA_GET_CONFIG");
	if (!r)
		memcpy(buf, c->buf, len);
	free(c);
	return r;
}

/**
 * vdev_start() - set DRIVER_OK, checked
 * @d: the device
 * @what: driver name for the error message
 *
 * Return: 0 or -errno.
 */
int vdev_start(struct vdev *d, const char *what)
{
	int r = vdev_add_status(d, VIRTIO_CONFIG_S_DRIVER_OK);

	if (r)
		fail("%s: DRIVER_OK for %s failed", d->path, what);
	return r;
}
