// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa_test_driver: a vDPA bus driver that negotiates features on the
 * devices it binds and reports what it saw, for end-to-end bus tests.
 *
 * /sys/kernel/debug/vdpa_test_driver/
 *   devices     one line per bound device: name, device and vendor id,
 *               number of queues, status and features after negotiation
 *   probes      number of successful probes
 *   removes     number of removes
 *   fail_probe  write 1 to make the next probe fail with -EIO (one shot;
 *               the failure is logged as injected)
 */

#include <linux/debugfs.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/vdpa.h>
#include <uapi/linux/virtio_config.h>

/**
 * struct vtd_binding - what the driver saw on one device
 * @vdpa: the device
 * @status: the status read back after negotiation
 * @features: the negotiated features read back
 * @entry: entry in vtd_bindings
 */
struct vtd_binding {
	struct vdpa_device *vdpa;
	u8 status;
	u64 features;
	struct list_head entry;
};

/*
 * Protects vtd_bindings; the counters and fail_probe are written under it
 * (debugfs reads them, and writes fail_probe, without it: test knobs).
 */
static DEFINE_MUTEX(vtd_lock);
static LIST_HEAD(vtd_bindings);
static u32 vtd_probes;
static u32 vtd_removes;
static bool vtd_fail_probe;
static struct dentry *vtd_debugfs;

/* Negotiates VERSION_1 the way a virtio driver would, up to FEATURES_OK. */
static int vtd_negotiate(struct vdpa_device *vdpa, struct vtd_binding *b)
{
	const struct vdpa_config_ops *ops = vdpa->config;
	u8 status = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;
	u64 features = ops->get_device_features(vdpa) &
		       BIT_ULL(VIRTIO_F_VERSION_1);
	int ret;

	ret = vdpa_reset(vdpa, 0);
	if (ret)
		return ret;
	vdpa_set_status(vdpa, status);
	ret = vdpa_set_features(vdpa, features);
	if (ret)
		return ret;
	vdpa_set_status(vdpa, status | VIRTIO_CONFIG_S_FEATURES_OK);

	b->status = ops->get_status(vdpa);
	b->features = ops->get_driver_features(vdpa);
	if (!(b->status & VIRTIO_CONFIG_S_FEATURES_OK))
		return -ENODEV;
	return 0;
}

static int vtd_probe(struct vdpa_device *vdpa)
{
	struct vtd_binding *b;
	int ret;

	scoped_guard(mutex, &vtd_lock) {
		if (vtd_fail_probe) {
			vtd_fail_probe = false;
			dev_info(&vdpa->dev, "probe failed: injected by fail_probe\n");
			return -EIO;
		}
	}

	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	b->vdpa = vdpa;
	ret = vtd_negotiate(vdpa, b);
	if (ret) {
		kfree(b);
		return ret;
	}

	vdpa_set_drvdata(vdpa, b);
	guard(mutex)(&vtd_lock);
	list_add_tail(&b->entry, &vtd_bindings);
	vtd_probes++;
	return 0;
}

static void vtd_remove(struct vdpa_device *vdpa)
{
	struct vtd_binding *b = vdpa_get_drvdata(vdpa);

	vdpa_reset(vdpa, 0);
	scoped_guard(mutex, &vtd_lock) {
		list_del(&b->entry);
		vtd_removes++;
	}
	kfree(b);
}

static struct vdpa_driver vtd_driver = {
	.driver.name = "vdpa_test_driver",
	.probe = vtd_probe,
	.remove = vtd_remove,
};

static int vtd_devices_show(struct seq_file *s, void *unused)
{
	const struct vtd_binding *b;

	guard(mutex)(&vtd_lock);
	list_for_each_entry(b, &vtd_bindings, entry)
		seq_printf(s, "%s device_id=%u vendor_id=0x%x nvqs=%u status=0x%02x features=0x%llx\n",
			   dev_name(&b->vdpa->dev),
			   b->vdpa->config->get_device_id(b->vdpa),
			   b->vdpa->config->get_vendor_id(b->vdpa),
			   b->vdpa->nvqs, b->status, b->features);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vtd_devices);

static int __init vtd_init(void)
{
	int ret;

	vtd_debugfs = debugfs_create_dir("vdpa_test_driver", NULL);
	debugfs_create_file("devices", 0444, vtd_debugfs, NULL,
			    &vtd_devices_fops);
	debugfs_create_u32("probes", 0444, vtd_debugfs, &vtd_probes);
	debugfs_create_u32("removes", 0444, vtd_debugfs, &vtd_removes);
	debugfs_create_bool("fail_probe", 0600, vtd_debugfs, &vtd_fail_probe);

	ret = vdpa_register_driver(&vtd_driver);
	if (ret)
		debugfs_remove_recursive(vtd_debugfs);
	return ret;
}

static void __exit vtd_exit(void)
{
	vdpa_unregister_driver(&vtd_driver);
	debugfs_remove_recursive(vtd_debugfs);
}

module_init(vtd_init);
module_exit(vtd_exit);

MODULE_DESCRIPTION("vDPA test driver: negotiates and reports, for bus tests");
MODULE_LICENSE("GPL");
