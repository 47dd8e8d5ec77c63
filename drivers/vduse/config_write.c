// SPDX-License-Identifier: GPL-2.0-only
/*
 * Writes of the driver to the configuration space, for devices whose
 * daemon asked for them (VDUSE_EXT_F_CONFIG_WRITE, <linux/vduse_ext.h>).
 */

#include <linux/minmax.h>
#include <linux/string.h>

#include "internal.h"

/**
 * DOC: writable configuration space
 *
 * In API version 0 the configuration space is read-only for the driver:
 * writes are ignored and virtio-blk's %VIRTIO_BLK_F_CONFIG_WCE (the
 * writeback toggle behind /sys/block/<disk>/cache_type) is refused at
 * creation. A daemon that sets %VDUSE_EXT_F_CONFIG_WRITE on its
 * /dev/vduse/control file before VDUSE_CREATE_DEV may offer it: each write
 * within the configuration space is applied to the kernel's copy (so the
 * driver reads back what it wrote) and sent to the daemon as a
 * %VDUSE_EXT_SET_CONFIG request of at most %VDUSE_EXT_CONFIG_CHUNK bytes,
 * in order. The writer waits for the answer, at most
 * %VDUSE_CONFIG_WRITE_WAIT seconds (or ``msg_timeout`` if shorter): it
 * holds the vDPA device's configuration lock meanwhile, which readers of
 * the configuration space and the device's removal wait for. Unless the
 * daemon answered %VDUSE_REQ_RESULT_OK, the previous bytes are put back
 * (refused, timed out, or the writer was killed), so the kernel never
 * keeps a value the daemon did not take; a timeout also puts the device
 * in NEEDS_RESET like any request. Each change bumps the configuration
 * generation. Writes that do not lie within the configuration space are
 * ignored.
 */

#define VDUSE_CONFIG_WRITE_WAIT	5

static_assert(sizeof(struct vduse_ext_config_write) <=
	      sizeof_field(struct vduse_dev_request, padding));

/**
 * vduse_config_swap() - replace bytes of the configuration space
 * @dev: the device
 * @offset: offset of the first byte; the range lies within the space
 * @in: the new bytes
 * @out: where the previous bytes go, or NULL
 * @len: how many
 *
 * Bumps the configuration generation.
 */
void vduse_config_swap(struct vduse_dev *dev, unsigned int offset,
		       const u8 *in, u8 *out, unsigned int len)
{
	unsigned long flags;

	spin_lock_irqsave(&dev->config_lock, flags);
	if (out)
		memcpy(out, dev->config + offset, len);
	memcpy(dev->config + offset, in, len);
	dev->generation++;
	spin_unlock_irqrestore(&dev->config_lock, flags);
}

static void vduse_config_write_chunk(struct vduse_dev *dev,
				     unsigned int offset, const u8 *buf,
				     unsigned int len)
{
	struct vduse_dev_request req = { .type = VDUSE_EXT_SET_CONFIG };
	struct vduse_ext_config_write w = { .offset = offset, .length = len };
	unsigned int secs = min_not_zero(READ_ONCE(dev->msg_timeout),
					 VDUSE_CONFIG_WRITE_WAIT);
	u8 old[VDUSE_EXT_CONFIG_CHUNK];

	memcpy(w.data, buf, len);
	memcpy(req.padding, &w, sizeof(w));
	vduse_config_swap(dev, offset, buf, old, len);
	if (vduse_msg_send_within(dev, &req, NULL, secs))
		vduse_config_swap(dev, offset, old, NULL, len);
}

/**
 * vduse_config_write() - the driver writes the configuration space
 * @dev: the device
 * @offset: offset of the first byte
 * @buf: the bytes
 * @len: how many
 *
 * Context: process context; may wait for the daemon.
 */
void vduse_config_write(struct vduse_dev *dev, unsigned int offset,
			const void *buf, unsigned int len)
{
	const u8 *p = buf;
	unsigned int n;

	if (!(dev->ext_features & VDUSE_EXT_F_CONFIG_WRITE))
		return;
	if (offset >= dev->config_size || len > dev->config_size - offset)
		return;
	while (len) {
		n = min_t(unsigned int, len, VDUSE_EXT_CONFIG_CHUNK);
		vduse_config_write_chunk(dev, offset, p, n);
		offset += n;
		p += n;
		len -= n;
	}
}
