/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Extensions of this implementation's "vdpa" generic netlink family beyond
 * the attributes of <linux/vdpa.h>. They only ever appear in messages the
 * kernel sends (replies and events); a request carrying one is refused
 * with EINVAL ("Unknown attribute type"), like any attribute the family
 * does not know. A client that ignores attribute types it does not know
 * (iproute2's vdpa tool does) sees the family unchanged.
 *
 * Numbering: upstream numbers the family's attributes upwards from 1 and
 * ends the list with VDPA_ATTR_MAX (37 in Linux 6.12). These start at
 * VDPA_EXT_ATTR_BASE, 0x2000: upstream would need thousands of new
 * attributes to reach it, so an attribute added upstream later can never
 * take one of these numbers, and still stays below NLA_F_NET_BYTEORDER
 * (attribute types are 14 bits). The range 0x2000-0x2fff is kept for
 * these extensions.
 */
#ifndef _UAPI_LINUX_VDPA_EXT_H
#define _UAPI_LINUX_VDPA_EXT_H

#define VDPA_EXT_ATTR_BASE	0x2000

/**
 * enum vdpa_ext_attr - attributes of VDPA_CMD_DEV_GET replies and events
 * @VDPA_EXT_ATTR_DEV_DRIVER: string, the name of the vDPA bus driver bound
 *	to the device ("vhost_vdpa", "virtio_vdpa", ...), as in
 *	/sys/bus/vdpa/devices/<name>/driver; absent while none is bound
 * @VDPA_EXT_ATTR_DEV_CHARDEV: nested (&enum vdpa_ext_chardev_attr), one
 *	per character device the bound driver created for the device (for
 *	vhost_vdpa its /dev/vhost-vdpa-N); repeated when there are several,
 *	absent when there is none or no driver is bound
 */
enum vdpa_ext_attr {
	VDPA_EXT_ATTR_DEV_DRIVER = VDPA_EXT_ATTR_BASE,
	VDPA_EXT_ATTR_DEV_CHARDEV,
};

/**
 * enum vdpa_ext_chardev_attr - attributes inside VDPA_EXT_ATTR_DEV_CHARDEV
 * @VDPA_EXT_CHARDEV_ATTR_UNSPEC: not used
 * @VDPA_EXT_CHARDEV_ATTR_NAME: string, the kernel's name of the character
 *	device ("vhost-vdpa-0"): its directory under
 *	/sys/bus/vdpa/devices/<name>/, and its node under /dev unless udev
 *	rules rename it
 * @VDPA_EXT_CHARDEV_ATTR_MAJOR: u32, the major number of its dev_t
 * @VDPA_EXT_CHARDEV_ATTR_MINOR: u32, the minor number of its dev_t
 *	(/dev/char/<major>:<minor> links to the node where udev runs)
 * @__VDPA_EXT_CHARDEV_ATTR_MAX: one above the highest attribute
 */
enum vdpa_ext_chardev_attr {
	VDPA_EXT_CHARDEV_ATTR_UNSPEC,
	VDPA_EXT_CHARDEV_ATTR_NAME,
	VDPA_EXT_CHARDEV_ATTR_MAJOR,
	VDPA_EXT_CHARDEV_ATTR_MINOR,
	__VDPA_EXT_CHARDEV_ATTR_MAX,
};

#define VDPA_EXT_CHARDEV_ATTR_MAX	(__VDPA_EXT_CHARDEV_ATTR_MAX - 1)

#endif /* _UAPI_LINUX_VDPA_EXT_H */
