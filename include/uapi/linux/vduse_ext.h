/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Extensions of this VDUSE implementation beyond the kernel's API version 0
 * (<linux/vduse.h>). A daemon that never asks for one sees API version 0
 * unchanged. A kernel without them fails VDUSE_EXT_GET_FEATURES with
 * ENOTTY or EINVAL (the in-tree module's answer to an unknown ioctl):
 * either means "no extensions". The ioctl numbers 0x80-0xff of
 * VDUSE_BASE and request types from 0x80 are kept for these extensions;
 * upstream numbers its own from 0 upwards.
 */
#ifndef _UAPI_LINUX_VDUSE_EXT_H
#define _UAPI_LINUX_VDUSE_EXT_H

#include <linux/types.h>
#include <linux/vduse.h>

/*
 * VDUSE_EXT_F_CONFIG_WRITE: the driver may write the configuration space.
 * A device created with it may offer VIRTIO_BLK_F_CONFIG_WCE (refused
 * otherwise, as in API version 0), and every write of the driver reaches
 * the daemon as a VDUSE_EXT_SET_CONFIG request.
 */
#define VDUSE_EXT_F_CONFIG_WRITE	(1ULL << 0)

/*
 * On /dev/vduse/control. GET: the extensions this kernel has. SET: the
 * ones the devices created through this open file use afterwards; unknown
 * bits fail with EINVAL and change nothing.
 */
#define VDUSE_EXT_GET_FEATURES	_IOR(VDUSE_BASE, 0x80, __u64)
#define VDUSE_EXT_SET_FEATURES	_IOW(VDUSE_BASE, 0x81, __u64)

/*
 * Request type read from /dev/vduse/<name> (struct vduse_dev_request) by a
 * daemon whose device has VDUSE_EXT_F_CONFIG_WRITE: the bytes the union of
 * the request holds are a struct vduse_ext_config_write. The configuration
 * space the kernel reports has the new bytes already; answering
 * VDUSE_REQ_RESULT_FAILED puts the previous ones back.
 */
#define VDUSE_EXT_SET_CONFIG	0x80

/* Bytes of the configuration space one request carries at most. */
#define VDUSE_EXT_CONFIG_CHUNK	64

/**
 * struct vduse_ext_config_write - a write of the configuration space
 * @offset: offset of the first byte written
 * @length: number of bytes, 1 to VDUSE_EXT_CONFIG_CHUNK (a longer write
 *          comes as several requests, in order)
 * @data: the bytes
 */
struct vduse_ext_config_write {
	__u32 offset;
	__u32 length;
	__u8 data[VDUSE_EXT_CONFIG_CHUNK];
};

#endif /* _UAPI_LINUX_VDUSE_EXT_H */
