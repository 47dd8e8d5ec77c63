// SPDX-License-Identifier: GPL-2.0-only
/*
 * Address spaces: passthrough until the driver maps something, then an
 * IOTLB; both mapping styles; virtqueue groups moving between spaces.
 * Passthrough is for kernel bus drivers only (see "Simulator core" in
 * sim.h): vhost_vdpa empties every space before userspace gets it.
 */

#include <linux/nospec.h>
#include <linux/vdpa.h>

#include "core_internal.h"

/**
 * vdpasim_as_init() - a new address space, passthrough, without a log
 * @as: the address space, zeroed
 * @asid: its number
 */
void vdpasim_as_init(struct vdpasim_as *as, u32 asid)
{
	init_rwsem(&as->lock);
	vhost_iotlb_init(&as->iotlb, vdpasim_max_iotlb_entries, 0);
	as->map.iotlb = &as->iotlb;
	as->map.passthrough = true;
	as->map.asid = asid;
}

/* Called with as->lock held for writing. */
static void vdpasim_as_changed(struct vdpasim_as *as)
{
	lockdep_assert_held_write(&as->lock);
	as->map.gen++;
}

/**
 * vdpasim_as_passthrough() - drop every mapping, back to passthrough
 * @as: the address space
 */
void vdpasim_as_passthrough(struct vdpasim_as *as)
{
	down_write(&as->lock);
	vhost_iotlb_reset(&as->iotlb);
	as->map.passthrough = true;
	vdpasim_as_changed(as);
	up_write(&as->lock);
}

/**
 * vdpasim_as_free() - free an address space's mappings
 * @as: the address space, no longer used by any ring
 */
void vdpasim_as_free(struct vdpasim_as *as)
{
	vhost_iotlb_reset(&as->iotlb);
}

static struct vdpasim_as *vdpasim_as(struct vdpa_device *vdpa,
				     unsigned int asid)
{
	struct vdpasim *vs = vdpa_to_sim(vdpa);

	if (asid < vs->attr.nas)
		return &vs->as[array_index_nospec(asid, vs->attr.nas)];
	dev_warn_ratelimited(&vdpa->dev, "address space %u out of range\n",
			     asid);
	return NULL;
}

/* The first mapping ends passthrough; called with as->lock held. */
static void vdpasim_as_leave_passthrough(struct vdpasim_as *as)
{
	lockdep_assert_held_write(&as->lock);
	if (!as->map.passthrough)
		return;
	vhost_iotlb_reset(&as->iotlb);
	as->map.passthrough = false;
}

/**
 * vdpasim_set_map() - &vdpa_config_ops.set_map: replace all mappings
 * @vdpa: the device
 * @asid: the address space
 * @iotlb: the new mappings (copied)
 *
 * Return: 0, -EINVAL for a bad @asid, -ENOMEM (the space is then empty).
 */
int vdpasim_set_map(struct vdpa_device *vdpa, unsigned int asid,
		    struct vhost_iotlb *iotlb)
{
	struct vdpasim_as *as = vdpasim_as(vdpa, asid);
	struct vhost_iotlb_map *map;
	int err = 0;

	if (!as)
		return -EINVAL;
	down_write(&as->lock);
	vhost_iotlb_reset(&as->iotlb);
	as->map.passthrough = false;
	for (map = vhost_iotlb_itree_first(iotlb, 0, U64_MAX); map && !err;
	     map = vhost_iotlb_itree_next(map, 0, U64_MAX))
		err = vhost_iotlb_add_range(&as->iotlb, map->start, map->last,
					    map->addr, map->perm);
	if (err)
		vhost_iotlb_reset(&as->iotlb);
	vdpasim_as_changed(as);
	up_write(&as->lock);
	return err;
}

/**
 * vdpasim_dma_map() - &vdpa_config_ops.dma_map: add one mapping
 * @vdpa: the device
 * @asid: the address space
 * @iova: first IOVA
 * @size: bytes
 * @pa: physical address @iova maps to
 * @perm: %VHOST_MAP_RO, %VHOST_MAP_WO or %VHOST_MAP_RW
 * @opaque: unused (no VA mappings)
 *
 * Return: 0, -EINVAL for a bad @asid or an empty or wrapping range,
 * -ENOMEM.
 */
int vdpasim_dma_map(struct vdpa_device *vdpa, unsigned int asid, u64 iova,
		    u64 size, u64 pa, u32 perm, void *opaque)
{
	struct vdpasim_as *as = vdpasim_as(vdpa, asid);
	int err;

	if (!as || !size || iova + size - 1 < iova)
		return -EINVAL;
	down_write(&as->lock);
	vdpasim_as_leave_passthrough(as);
	err = vhost_iotlb_add_range(&as->iotlb, iova, iova + size - 1, pa,
				    perm);
	vdpasim_as_changed(as);
	up_write(&as->lock);
	return err;
}

/**
 * vdpasim_dma_unmap() - &vdpa_config_ops.dma_unmap: remove mappings
 * @vdpa: the device
 * @asid: the address space
 * @iova: first IOVA
 * @size: bytes
 *
 * Return: 0, or -EINVAL for a bad @asid or an empty or wrapping range.
 */
int vdpasim_dma_unmap(struct vdpa_device *vdpa, unsigned int asid, u64 iova,
		      u64 size)
{
	struct vdpasim_as *as = vdpasim_as(vdpa, asid);

	if (!as || !size || iova + size - 1 < iova)
		return -EINVAL;
	down_write(&as->lock);
	vdpasim_as_leave_passthrough(as);
	vhost_iotlb_del_range(&as->iotlb, iova, iova + size - 1);
	vdpasim_as_changed(as);
	up_write(&as->lock);
	return 0;
}

/**
 * vdpasim_reset_map() - &vdpa_config_ops.reset_map: back to passthrough
 * @vdpa: the device
 * @asid: the address space
 *
 * Return: 0, or -EINVAL for a bad @asid.
 */
int vdpasim_reset_map(struct vdpa_device *vdpa, unsigned int asid)
{
	struct vdpasim_as *as = vdpasim_as(vdpa, asid);

	if (!as)
		return -EINVAL;
	vdpasim_as_passthrough(as);
	return 0;
}

/**
 * vdpasim_apply_groups() - point every queue at its group's address space
 * @vs: the device, with &vdpasim.lock held
 *
 * Called when a group moves, and when the driver's features change which
 * queue is in which group (net's control queue index follows MQ).
 */
void vdpasim_apply_groups(struct vdpasim *vs)
{
	struct vdpa_device *vdpa = &vs->vdpa;
	u32 i, group;

	lockdep_assert_held(&vs->lock);
	for (i = 0; i < vs->attr.nvqs; i++) {
		struct vdpasim_vq *vq = &vs->vqs[i];
		struct vdpasim_as *as;

		group = vdpa->config->get_vq_group(vdpa, i);
		if (group >= vs->attr.ngroups)
			group = 0;
		as = &vs->as[vs->group_asid[group]];
		mutex_lock(&vq->lock);
		if (vq->as != as) {
			vq->as = as;
			vdring_set_map(&vq->ring, &as->map);
		}
		mutex_unlock(&vq->lock);
	}
}

/**
 * vdpasim_set_group_asid() - &vdpa_config_ops.set_group_asid
 * @vdpa: the device
 * @group: the virtqueue group
 * @asid: the address space its queues use from now on
 *
 * Return: 0, or -EINVAL for a bad @group or @asid.
 */
int vdpasim_set_group_asid(struct vdpa_device *vdpa, unsigned int group,
			   unsigned int asid)
{
	struct vdpasim *vs = vdpa_to_sim(vdpa);

	if (group >= vs->attr.ngroups || asid >= vs->attr.nas)
		return -EINVAL;
	group = array_index_nospec(group, vs->attr.ngroups);
	mutex_lock(&vs->lock);
	vs->group_asid[group] = array_index_nospec(asid, vs->attr.nas);
	vdpasim_apply_groups(vs);
	mutex_unlock(&vs->lock);
	return 0;
}

/**
 * vdpasim_set_dirty_log() - &vdpa_config_ops.set_dirty_log
 * @vdpa: the device
 * @log: where to report the device's stores into driver memory from now
 *       on, or NULL to stop
 *
 * Sets @log on every address space, each under its lock taken for
 * writing: a worker holds its queue's space for reading for a whole
 * batch, so once this returns no worker still runs with the previous log
 * (workers only try the lock, so waiting here cannot deadlock with them).
 * Each store is reported to the previous log or to @log, never to
 * neither. The rings report through their space's &vdring_map (see
 * "Dirty-page logging" in ring.h), with the space's number as the asid. A
 * reset leaves the log as it is; the bus driver owns it.
 *
 * Context: process context, may sleep; called without &vdpasim.lock
 * (the spaces' locks come after it).
 * Return: 0.
 */
int vdpasim_set_dirty_log(struct vdpa_device *vdpa,
			  struct vdpa_dirty_log *log)
{
	struct vdpasim *vs = vdpa_to_sim(vdpa);
	u32 i;

	for (i = 0; i < vs->attr.nas; i++) {
		struct vdpasim_as *as = &vs->as[i];

		down_write(&as->lock);
		WRITE_ONCE(as->map.log, log);
		up_write(&as->lock);
	}
	return 0;
}
