// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa.ko: the vDPA bus core.
 */

#include <linux/module.h>
#include <linux/vdpa.h>
#include <net/genetlink.h>
#include <uapi/linux/vdpa.h>

#include "vdpa_core.h"

static int __init vdpa_init(void)
{
	int err;

	err = bus_register(&vdpa_bus);
	if (err)
		return err;
	/* The netlink family is the way in for users: publish it last. */
	err = vdpa_nl_init();
	if (err)
		goto err_bus;
	return 0;

err_bus:
	bus_unregister(&vdpa_bus);
	return err;
}

static void __exit vdpa_exit(void)
{
	vdpa_nl_exit();
	bus_unregister(&vdpa_bus);
}

module_init(vdpa_init);
module_exit(vdpa_exit);

MODULE_DESCRIPTION("vDPA bus core");
MODULE_LICENSE("GPL");
MODULE_VERSION(VDPA_OOT_VERSION);
MODULE_ALIAS_GENL_FAMILY(VDPA_GENL_NAME);
