// SPDX-License-Identifier: GPL-2.0-only
/*
 * debugfs: fault knobs, netdevsim style.
 *
 *   vdpa_sim/<mgmtdev>/fail_dev_add        refuse the next N dev_add
 *   vdpa_sim/<mgmtdev>/<dev>/fail_set_status  refuse the next N
 *                                          FEATURES_OK/DRIVER_OK
 *   vdpa_sim/<mgmtdev>/<dev>/drop_completions drop the next N buffers
 *   vdpa_sim/<mgmtdev>/<dev>/delay_us      delay each completion batch
 *   vdpa_sim/<mgmtdev>/<dev>/needs_reset   write 1: force NEEDS_RESET
 *   vdpa_sim/<mgmtdev>/<dev>/status        device status (read only)
 *   vdpa_sim/<mgmtdev>/<dev>/dirty_log     dirty-page logging: offered,
 *                                          on, reports made (read only)
 *
 * Every injected failure is logged as injected.
 */

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kstrtox.h>
#include <linux/seq_file.h>

#include "core_internal.h"

static struct dentry *vdpasim_debugfs_root;

static ssize_t vdpasim_needs_reset_write(struct file *file,
					 const char __user *ubuf, size_t len,
					 loff_t *ppos)
{
	struct vdpasim *vs = file->private_data;
	bool on;
	int err;

	err = kstrtobool_from_user(ubuf, len, &on);
	if (err)
		return err;
	if (on)
		vdpasim_set_needs_reset(vs, "injected (debugfs needs_reset)");
	return len;
}

static const struct file_operations vdpasim_needs_reset_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = vdpasim_needs_reset_write,
	.llseek = noop_llseek,
};

static int vdpasim_status_get(void *data, u64 *val)
{
	struct vdpasim *vs = data;

	*val = vs->vdpa.config->get_status(&vs->vdpa);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(vdpasim_status_fops, vdpasim_status_get, NULL,
			 "0x%02llx\n");

/*
 * Whether the device offers set_dirty_log (the dirty_log parameter when
 * it was created), whether a log is set, and the reports made to logs
 * since the device was created, over all its address spaces.
 */
static int vdpasim_dirty_log_show(struct seq_file *s, void *unused)
{
	struct vdpasim *vs = s->private;
	u64 writes = 0, used = 0;
	bool on = false;
	u32 i;

	for (i = 0; i < vs->attr.nas; i++) {
		struct vdring_map *map = &vs->as[i].map;

		on |= !!READ_ONCE(map->log);
		writes += atomic64_read(&map->log_writes);
		used += atomic64_read(&map->log_used);
	}
	seq_printf(s, "offered %d\nlog %d\nwrite %llu\nwrite_used %llu\n",
		   !!vs->vdpa.config->set_dirty_log, on, writes, used);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vdpasim_dirty_log);

/**
 * vdpasim_debugfs_dev_add() - create a device's knobs
 * @vs: the device
 *
 * In &vdpasim_dev_attr.debugfs, or in the directory of the device's
 * &struct vdpasim_mgmt. A failure only costs the knobs; it is not an
 * error for the device.
 */
void vdpasim_debugfs_dev_add(struct vdpasim *vs)
{
	struct dentry *parent = vs->attr.debugfs;
	struct dentry *dir;

	if (!parent)
		parent = container_of(vs->attr.mgmt_dev, struct vdpasim_mgmt,
				      mdev)->debugfs;
	dir = debugfs_create_dir(dev_name(&vs->vdpa.dev), parent);
	if (IS_ERR(dir))
		return;
	vs->debugfs = dir;
	debugfs_create_atomic_t("fail_set_status", 0600, dir,
				&vs->faults.fail_set_status);
	debugfs_create_atomic_t("drop_completions", 0600, dir,
				&vs->faults.drop_completions);
	debugfs_create_u32("delay_us", 0600, dir, &vs->faults.delay_us);
	debugfs_create_file("needs_reset", 0200, dir, vs,
			    &vdpasim_needs_reset_fops);
	debugfs_create_file_unsafe("status", 0400, dir, vs,
				   &vdpasim_status_fops);
	debugfs_create_file("dirty_log", 0400, dir, vs,
			    &vdpasim_dirty_log_fops);
	if (vs->attr.ops->debugfs_init)
		vs->attr.ops->debugfs_init(vs, dir);
}

/**
 * vdpasim_debugfs_mgmt_add() - create a management device's knobs
 * @m: the management device
 * @name: its name
 *
 * Return: its directory (an ERR_PTR() if debugfs is unavailable, which
 * the debugfs calls accept).
 */
struct dentry *vdpasim_debugfs_mgmt_add(struct vdpasim_mgmt *m,
					const char *name)
{
	struct dentry *dir = debugfs_create_dir(name, vdpasim_debugfs_root);

	debugfs_create_atomic_t("fail_dev_add", 0600, dir, &m->fail_dev_add);
	return dir;
}

/**
 * vdpasim_debugfs_dir() - a directory of another parent's knobs
 * @name: its name, under ``vdpa_sim/``
 *
 * For parents whose management devices are not &struct vdpasim_mgmt (the
 * SF adapter); the caller removes it with debugfs_remove().
 *
 * Return: the directory (an ERR_PTR() if debugfs is unavailable, which
 * the debugfs calls accept).
 */
struct dentry *vdpasim_debugfs_dir(const char *name)
{
	return debugfs_create_dir(name, vdpasim_debugfs_root);
}
EXPORT_SYMBOL_GPL(vdpasim_debugfs_dir);

/**
 * vdpasim_debugfs_init() - create the ``vdpa_sim`` directory
 *
 * Return: 0 (debugfs being unavailable is not an error).
 */
int vdpasim_debugfs_init(void)
{
	vdpasim_debugfs_root = debugfs_create_dir("vdpa_sim", NULL);
	return 0;
}

/**
 * vdpasim_debugfs_exit() - remove the ``vdpa_sim`` directory
 */
void vdpasim_debugfs_exit(void)
{
	debugfs_remove(vdpasim_debugfs_root);
}
