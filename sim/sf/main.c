// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa_sim_sf: simulated adapters whose devlink sub-functions carry
 * simulator devices. This file: the ``vdpasim`` bus, where adapters are
 * created and deleted:
 *
 *   echo "ID [MAX_SFS [MAX_VQS]]" > /sys/bus/vdpasim/new_device
 *   echo ID > /sys/bus/vdpasim/del_device
 *
 * Deleting an adapter that has active SFs is refused (EBUSY; the check is
 * made once, so an SF activated at the same moment goes down with the
 * adapter); unbinding its driver
 * (``/sys/bus/vdpasim/drivers/vdpasim_adapter/unbind``) or unloading the
 * module removes it whatever its state, as a surprise removal of a PCI
 * function would.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/wait.h>

#include "sf.h"

/*
 * Protects vsf_adapters and vsf_enabled; held around adding and deleting
 * an adapter.
 */
static DEFINE_MUTEX(vsf_lock);
static LIST_HEAD(vsf_adapters);
/* The bus takes new_device and del_device (cleared when unloading). */
static bool vsf_enabled;
/* Adapter devices not yet released; the module waits for 0 on unload. */
static atomic_t vsf_devs = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(vsf_released);

static struct vsf_adapter *to_adapter(struct device *dev)
{
	return container_of(dev, struct vsf_adapter, dev);
}

static struct vsf_adapter *vsf_find(u32 id)
{
	struct vsf_adapter *a;

	lockdep_assert_held(&vsf_lock);
	list_for_each_entry(a, &vsf_adapters, node)
		if (a->id == id)
			return a;
	return NULL;
}

/*
 * The last reference may be devlink's, dropped from an RCU work item after
 * the adapter is gone: module unload waits for it (vsf_released).
 */
static void vsf_adapter_release(struct device *dev)
{
	kfree(to_adapter(dev));
	if (atomic_dec_and_test(&vsf_devs))
		wake_up(&vsf_released);
}

static int vsf_bus_probe(struct device *dev)
{
	return vsf_pf_probe(to_adapter(dev));
}

static void vsf_bus_remove(struct device *dev)
{
	vsf_pf_remove(to_adapter(dev));
}

static const struct bus_type vsf_bus;

/* Up to @n unsigned numbers separated by blanks, nothing else; -EINVAL. */
static int vsf_numbers(const char *buf, u32 *val, int n)
{
	char *copy = kstrdup(buf, GFP_KERNEL), *rest = copy, *tok;
	int i = 0, err = 0;

	if (!copy)
		return -ENOMEM;
	while (!err && (tok = strsep(&rest, " \t\n"))) {
		if (!*tok)
			continue;
		err = i < n ? kstrtou32(tok, 10, &val[i++]) : -EINVAL;
	}
	kfree(copy);
	return err ?: (i ? i : -EINVAL);
}

/* Parse "ID [MAX_SFS [MAX_VQS]]"; -EINVAL if malformed or out of range. */
static int vsf_parse(const char *buf, struct vsf_adapter *a)
{
	u32 v[3] = { 0, VSF_DEFAULT_SFS, VSF_DEFAULT_VQS };
	int n = vsf_numbers(buf, v, ARRAY_SIZE(v));

	if (n == -ENOMEM)
		return n;
	a->id = v[0];
	a->max_sfs = v[1];
	a->max_vqs = v[2];
	if (n < 1 || a->max_sfs < 1 || a->max_sfs > VSF_MAX_SFS ||
	    a->max_vqs < 1 || a->max_vqs > VSF_MAX_VQS) {
		pr_warn("vdpa_sim_sf: new_device takes \"ID [MAX_SFS [MAX_VQS]]\", MAX_SFS 1..%u, MAX_VQS 1..%u\n",
			VSF_MAX_SFS, VSF_MAX_VQS);
		return -EINVAL;
	}
	return 0;
}

static int vsf_add(struct vsf_adapter *a)
{
	int err;

	lockdep_assert_held(&vsf_lock);
	if (vsf_find(a->id)) {
		pr_warn("vdpa_sim_sf: adapter%u exists\n", a->id);
		kfree(a);
		return -EEXIST;
	}
	a->dev.bus = &vsf_bus;
	a->dev.release = vsf_adapter_release;
	atomic_inc(&vsf_devs);
	device_initialize(&a->dev);
	err = dev_set_name(&a->dev, "adapter%u", a->id);
	if (!err)
		err = device_add(&a->dev);
	if (err) {
		put_device(&a->dev);
		return err;
	}
	list_add_tail(&a->node, &vsf_adapters);
	return 0;
}

static ssize_t new_device_store(const struct bus_type *bus, const char *buf,
				size_t count)
{
	struct vsf_adapter *a = kzalloc(sizeof(*a), GFP_KERNEL);
	int err;

	if (!a)
		return -ENOMEM;
	err = vsf_parse(buf, a);
	if (err) {
		kfree(a);
		return err;
	}
	mutex_lock(&vsf_lock);
	if (vsf_enabled) {
		err = vsf_add(a);
	} else {
		kfree(a);
		err = -ENODEV;
	}
	mutex_unlock(&vsf_lock);
	return err ?: count;
}
static BUS_ATTR_WO(new_device);

/* Called with vsf_lock; the device's driver is unbound by device_del(). */
static void vsf_del(struct vsf_adapter *a)
{
	lockdep_assert_held(&vsf_lock);
	list_del(&a->node);
	device_unregister(&a->dev);
}

static ssize_t del_device_store(const struct bus_type *bus, const char *buf,
				size_t count)
{
	struct vsf_adapter *a;
	unsigned int active;
	int err = 0;
	u32 id;

	if (kstrtou32(buf, 0, &id))
		return -EINVAL;
	mutex_lock(&vsf_lock);
	a = vsf_enabled ? vsf_find(id) : NULL;
	if (!a) {
		err = -ENOENT;
		goto out;
	}
	active = vsf_pf_active_sfs(a);
	if (active) {
		dev_warn(&a->dev, "not deleted: %u sub-functions are active (deactivate them or delete their ports first)\n",
			 active);
		err = -EBUSY;
		goto out;
	}
	vsf_del(a);
out:
	mutex_unlock(&vsf_lock);
	return err ?: count;
}
static BUS_ATTR_WO(del_device);

static struct attribute *vsf_bus_attrs[] = {
	&bus_attr_new_device.attr,
	&bus_attr_del_device.attr,
	NULL
};
ATTRIBUTE_GROUPS(vsf_bus);

static const struct bus_type vsf_bus = {
	.name = "vdpasim",
	.bus_groups = vsf_bus_groups,
	.probe = vsf_bus_probe,
	.remove = vsf_bus_remove,
};

static struct device_driver vsf_driver = {
	.name = "vdpasim_adapter",
	.bus = &vsf_bus,
	.owner = THIS_MODULE,
};

static int __init vsf_init(void)
{
	int err;

	err = bus_register(&vsf_bus);
	if (err)
		return err;
	err = driver_register(&vsf_driver);
	if (err) {
		bus_unregister(&vsf_bus);
		return err;
	}
	mutex_lock(&vsf_lock);
	vsf_enabled = true;
	mutex_unlock(&vsf_lock);
	return 0;
}

static void __exit vsf_exit(void)
{
	struct vsf_adapter *a, *tmp;

	mutex_lock(&vsf_lock);
	vsf_enabled = false;
	list_for_each_entry_safe(a, tmp, &vsf_adapters, node)
		vsf_del(a);
	mutex_unlock(&vsf_lock);
	driver_unregister(&vsf_driver);
	bus_unregister(&vsf_bus);
	wait_event(vsf_released, !atomic_read(&vsf_devs));
}

module_init(vsf_init);
module_exit(vsf_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(VDPA_OOT_VERSION);
MODULE_DESCRIPTION("vDPA simulator: adapters with devlink sub-functions");
