// SPDX-License-Identifier: GPL-2.0-only
/*
 * DMA for kernel virtio drivers (virtio_vdpa): the vDPA device is its own
 * DMA device, and its dma_map_ops map through the VDUSE IOVA domain
 * (bounce pages for streaming maps, domain pages for coherent memory), so
 * that the daemon only ever sees what the domain hands out.
 */

#include <linux/dma-map-ops.h>
#include <linux/scatterlist.h>

#include "internal.h"

static struct vduse_domain *vduse_dma_domain(struct device *dev)
{
	return vduse_vdpa_to_dev(dev_to_vdpa(dev))->domain;
}

static dma_addr_t vduse_dma_map_page(struct device *dev, struct page *page,
				     unsigned long offset, size_t size,
				     enum dma_data_direction dir,
				     unsigned long attrs)
{
	return vduse_domain_map_page(vduse_dma_domain(dev), page, offset, size,
				     dir, attrs);
}

static void vduse_dma_unmap_page(struct device *dev, dma_addr_t addr,
				 size_t size, enum dma_data_direction dir,
				 unsigned long attrs)
{
	vduse_domain_unmap_page(vduse_dma_domain(dev), addr, size, dir, attrs);
}

static void vduse_dma_sync_for_device(struct device *dev, dma_addr_t addr,
				      size_t size,
				      enum dma_data_direction dir)
{
	vduse_domain_sync_single_for_device(vduse_dma_domain(dev), addr, size,
					    dir);
}

static void vduse_dma_sync_for_cpu(struct device *dev, dma_addr_t addr,
				   size_t size, enum dma_data_direction dir)
{
	vduse_domain_sync_single_for_cpu(vduse_dma_domain(dev), addr, size,
					 dir);
}

static void vduse_dma_unmap_sg(struct device *dev, struct scatterlist *sgl,
			       int nents, enum dma_data_direction dir,
			       unsigned long attrs)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i)
		vduse_dma_unmap_page(dev, sg_dma_address(sg), sg_dma_len(sg),
				     dir, attrs);
}

static int vduse_dma_map_sg(struct device *dev, struct scatterlist *sgl,
			    int nents, enum dma_data_direction dir,
			    unsigned long attrs)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i) {
		sg_dma_address(sg) = vduse_dma_map_page(dev, sg_page(sg),
							sg->offset, sg->length,
							dir, attrs);
		if (sg_dma_address(sg) == DMA_MAPPING_ERROR) {
			vduse_dma_unmap_sg(dev, sgl, i, dir, attrs);
			return -EIO;
		}
		sg_dma_len(sg) = sg->length;
	}
	return nents;
}

static void *vduse_dma_alloc(struct device *dev, size_t size,
			     dma_addr_t *dma_addr, gfp_t gfp,
			     unsigned long attrs)
{
	void *va;

	va = vduse_domain_alloc_coherent(vduse_dma_domain(dev), size, dma_addr,
					 gfp);
	if (!va)
		*dma_addr = DMA_MAPPING_ERROR;
	return va;
}

static void vduse_dma_free(struct device *dev, size_t size, void *vaddr,
			   dma_addr_t dma_addr, unsigned long attrs)
{
	vduse_domain_free_coherent(vduse_dma_domain(dev), size, vaddr,
				   dma_addr);
}

static size_t vduse_dma_max_mapping_size(struct device *dev)
{
	return vduse_domain_max_mapping_size(vduse_dma_domain(dev));
}

const struct dma_map_ops vduse_dma_ops = {
	.map_page = vduse_dma_map_page,
	.unmap_page = vduse_dma_unmap_page,
	.map_sg = vduse_dma_map_sg,
	.unmap_sg = vduse_dma_unmap_sg,
	.sync_single_for_device = vduse_dma_sync_for_device,
	.sync_single_for_cpu = vduse_dma_sync_for_cpu,
	.alloc = vduse_dma_alloc,
	.free = vduse_dma_free,
	.max_mapping_size = vduse_dma_max_mapping_size,
};
