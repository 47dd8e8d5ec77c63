/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private to sim/core/: what the core's files share.
 */
#ifndef _VDPA_SIM_CORE_INTERNAL_H
#define _VDPA_SIM_CORE_INTERNAL_H

#include <vdpa_sim/sim.h>

/* Buffers a worker handles before yielding, unless the class says. */
#define VDPASIM_BATCH_DEFAULT	64

extern struct workqueue_struct *vdpasim_wq;
extern bool vdpasim_batch_mapping;
extern bool vdpasim_dirty_log;
extern unsigned int vdpasim_max_iotlb_entries;

/* main.c */
void vdpasim_free(struct vdpa_device *vdpa);

/* ops.c */
const struct vdpa_config_ops *vdpasim_pick_ops(bool batch_mapping,
					       bool dirty_log);
void vdpasim_ops_init(void);

/* map.c */
void vdpasim_as_init(struct vdpasim_as *as, u32 asid);
void vdpasim_as_passthrough(struct vdpasim_as *as);
void vdpasim_as_free(struct vdpasim_as *as);
int vdpasim_set_map(struct vdpa_device *vdpa, unsigned int asid,
		    struct vhost_iotlb *iotlb);
int vdpasim_dma_map(struct vdpa_device *vdpa, unsigned int asid, u64 iova,
		    u64 size, u64 pa, u32 perm, void *opaque);
int vdpasim_dma_unmap(struct vdpa_device *vdpa, unsigned int asid, u64 iova,
		      u64 size);
int vdpasim_reset_map(struct vdpa_device *vdpa, unsigned int asid);
int vdpasim_set_group_asid(struct vdpa_device *vdpa, unsigned int group,
			   unsigned int asid);
int vdpasim_set_dirty_log(struct vdpa_device *vdpa,
			  struct vdpa_dirty_log *log);
void vdpasim_apply_groups(struct vdpasim *vs);

/* worker.c */
void vdpasim_vq_work(struct work_struct *work);
void vdpasim_stop(struct vdpasim *vs);
void vdpasim_start(struct vdpasim *vs);

/* debugfs.c */
int vdpasim_debugfs_init(void);
void vdpasim_debugfs_exit(void);
struct dentry *vdpasim_debugfs_mgmt_add(struct vdpasim_mgmt *m,
					const char *name);
void vdpasim_debugfs_dev_add(struct vdpasim *vs);

#endif /* _VDPA_SIM_CORE_INTERNAL_H */
