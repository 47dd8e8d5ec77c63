/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * VDUSE IOVA domain: the address space a VDUSE device sees.
 *
 * Objects for Kbuild (vduse-y): drivers/vduse/domain.o
 *
 * IOVA layout: [0, bounce_size) is the bounce region used by streaming DMA
 * maps (virtio_vdpa); [bounce_size, VDUSE_DOMAIN_IOVA_LIMIT] holds the
 * coherent allocations (rings) and, for vhost_vdpa, the VMM's mappings set
 * through vduse_domain_set_map() / vduse_domain_dma_map(). The VMM may map
 * any IOVA, the bounce region included, as long as its ranges do not overlap
 * a coherent allocation or the bounce region while streaming maps use it
 * (virtio_vdpa and vhost_vdpa are never bound to the device at once).
 *
 * The domain never calls back into the device core: after set_map,
 * dma_unmap or clear_map removed entries, the device core tells the daemon
 * (VDUSE_UPDATE_IOTLB) itself, e.g. for the whole range it changed.
 *
 * Kernel-doc for every function is in domain.c.
 */
#ifndef _VDUSE_DOMAIN_H
#define _VDUSE_DOMAIN_H

#include <linux/dma-direction.h>
#include <linux/types.h>
#include <linux/vhost_iotlb.h>
#include <uapi/linux/vduse.h>

struct file;
struct page;
struct vduse_domain;

/* The last valid IOVA of a domain (VMM mappings may use the full u64 space). */
#define VDUSE_DOMAIN_IOVA_LIMIT		U64_MAX
#define VDUSE_BOUNCE_DEFAULT		(64 * 1024 * 1024)
#define VDUSE_BOUNCE_MIN		(1 * 1024 * 1024)
#define VDUSE_BOUNCE_MAX		(1024 * 1024 * 1024)

struct vduse_domain *vduse_domain_create(u64 bounce_size);
void vduse_domain_destroy(struct vduse_domain *d);
void vduse_domain_get(struct vduse_domain *d);
void vduse_domain_put(struct vduse_domain *d);

dma_addr_t vduse_domain_map_page(struct vduse_domain *d, struct page *page,
				 unsigned long offset, size_t size,
				 enum dma_data_direction dir,
				 unsigned long attrs);
void vduse_domain_unmap_page(struct vduse_domain *d, dma_addr_t iova,
			     size_t size, enum dma_data_direction dir,
			     unsigned long attrs);
void vduse_domain_sync_single_for_device(struct vduse_domain *d,
					 dma_addr_t iova, size_t size,
					 enum dma_data_direction dir);
void vduse_domain_sync_single_for_cpu(struct vduse_domain *d,
				      dma_addr_t iova, size_t size,
				      enum dma_data_direction dir);
void *vduse_domain_alloc_coherent(struct vduse_domain *d, size_t size,
				  dma_addr_t *iova, gfp_t flag);
void vduse_domain_free_coherent(struct vduse_domain *d, size_t size,
				void *vaddr, dma_addr_t iova);
size_t vduse_domain_max_mapping_size(struct vduse_domain *d);
void *vduse_domain_coherent_va(struct vduse_domain *d, u64 iova, size_t size);

int vduse_domain_set_map(struct vduse_domain *d, struct vhost_iotlb *iotlb);
int vduse_domain_dma_map(struct vduse_domain *d, u64 iova, u64 size,
			 u64 addr, u32 perm, void *opaque);
int vduse_domain_dma_unmap(struct vduse_domain *d, u64 iova, u64 size);
void vduse_domain_clear_map(struct vduse_domain *d);

int vduse_domain_iotlb_get(struct vduse_domain *d, u64 start, u64 last,
			   struct vduse_iotlb_entry *entry,
			   struct file **filep);
int vduse_domain_iotlb_find(struct vduse_domain *d, u64 start, u64 last,
			    struct vduse_iotlb_entry *entry,
			    struct file **filep);
int vduse_domain_file_for(const struct vduse_iotlb_entry *entry,
			  struct file **filep);
int vduse_domain_iova_info(struct vduse_domain *d, u64 start, u64 last,
			   u64 *first, u64 *end, bool *umem);

int vduse_domain_set_bounce_size(struct vduse_domain *d, u64 size);
void vduse_domain_reset_bounce_map(struct vduse_domain *d);

int vduse_domain_reg_umem(struct vduse_domain *d, u64 iova, u64 uaddr,
			  u64 size);
int vduse_domain_dereg_umem(struct vduse_domain *d, u64 iova, u64 size);
bool vduse_domain_umem_registered(struct vduse_domain *d);
u64 vduse_domain_bounce_size(struct vduse_domain *d);

/* Kernel access to mapped bounce pages (rescue.c's emergency completion). */
int vduse_domain_bounce_rw(struct vduse_domain *d, u64 iova, void *buf,
			   size_t len, bool write);

#endif /* _VDUSE_DOMAIN_H */
