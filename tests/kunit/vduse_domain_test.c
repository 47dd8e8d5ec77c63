// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for the VDUSE IOVA domain (drivers/vduse/domain.c, part of
 * vduse.ko, whose domain functions are exported to KUnit tests only).
 *
 * Kbuild: in the out-of-tree block
 *	CONFIG_VDUSE_KUNIT_TEST := $(if $(CONFIG_KUNIT),$(CONFIG_VDPA_USER))
 * and with the other KUnit objects
 *	obj-$(CONFIG_VDUSE_KUNIT_TEST) += tests/kunit/vduse_domain_test.o
 *
 * The cases read and write bounce and coherent pages as the daemon does:
 * through a shared mapping of the file GET_FD returns, made in an mm KUnit
 * attaches to the test thread (kunit_vm_mmap()).
 *
 * dom_map:       map / sync / unmap copy directions, unaligned sizes and
 *                offsets, buffers spanning pages (table driven); bytes
 *                around the buffer untouched
 * dom_exhaust:   the bounce region full or fragmented gives
 *                DMA_MAPPING_ERROR, freed pages are reused
 * dom_coherent:  coherent alloc/free, GET_FD and the mapping of its pages,
 *                coherent_va bounds, holes of the file, no PROT_EXEC
 * dom_vmm_*:     set_map replacing entries, dma_map / dma_unmap, file
 *                references taken and dropped, read-only reopen, holes,
 *                all-or-nothing on bad tables and overlaps
 * dom_ranges:    empty and wrapping ranges refused everywhere (table)
 * dom_bounce:    bounce size changes only while unused; reset
 * dom_umem:      UMEM registration, copies both ways, the user memory
 *                unmapped while registered, pinned_vm accounting
 * dom_irq:       maps, syncs and unmaps from a hard-irq hrtimer while the
 *                test thread maps too (lockdep sees the irq-safe locks)
 */

#include <kunit/test.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/completion.h>
#include <linux/file.h>
#include <linux/hrtimer.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vdpa.h>
#include <linux/vhost_iotlb.h>

#include "../../drivers/vduse/domain.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define DT_BOUNCE	VDUSE_BOUNCE_MIN
#define DT_NPAGES	(DT_BOUNCE / PAGE_SIZE)
/* Original buffers: 4 pages (order 2). */
#define DT_ORDER	2
#define DT_BUF		(PAGE_SIZE << DT_ORDER)
#define DT_VMM_IOVA	0x100000000ULL

/**
 * struct dt_ctx - per-case state
 * @d: the domain under test (bounce size %DT_BOUNCE)
 * @bounce: user address of the bounce region's mapping, or 0
 * @buf: an original buffer of %DT_BUF bytes
 * @tmp: scratch of %DT_BUF bytes
 */
struct dt_ctx {
	struct vduse_domain *d;
	unsigned long bounce;
	struct page *buf;
	u8 *tmp;
};

static int dt_init(struct kunit *test)
{
	struct dt_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, c);
	test->priv = c;
	c->d = vduse_domain_create(DT_BOUNCE);
	KUNIT_ASSERT_FALSE(test, IS_ERR(c->d));
	c->buf = alloc_pages(GFP_KERNEL, DT_ORDER);
	c->tmp = kunit_kzalloc(test, DT_BUF, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c->buf);
	KUNIT_ASSERT_NOT_NULL(test, c->tmp);
	return 0;
}

static void dt_exit(struct kunit *test)
{
	struct dt_ctx *c = test->priv;

	if (!c)
		return;
	if (c->buf)
		__free_pages(c->buf, DT_ORDER);
	if (!IS_ERR_OR_NULL(c->d))
		vduse_domain_destroy(c->d);
}

static void dt_fill(u8 *p, size_t len, u8 seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = seed + i * 7;
}

/* The first byte of @p[0..len) that is not dt_fill(@seed)'s, or -1. */
static long dt_differs(const u8 *p, size_t len, u8 seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != (u8)(seed + i * 7))
			return i;
	return -1;
}

static u8 *dt_orig(struct dt_ctx *c)
{
	return page_address(c->buf);
}

/* Map the bounce region as the daemon does (once the bounce is in use). */
static unsigned long dt_bounce(struct kunit *test)
{
	struct dt_ctx *c = test->priv;
	struct vduse_iotlb_entry e;
	struct file *f;
	unsigned long u;

	if (c->bounce)
		return c->bounce;
	KUNIT_ASSERT_EQ(test, vduse_domain_iotlb_get(c->d, 0, 0, &e, &f), 0);
	KUNIT_EXPECT_EQ(test, e.start, 0);
	KUNIT_EXPECT_EQ(test, e.last, DT_BOUNCE - 1);
	KUNIT_EXPECT_EQ(test, e.offset, 0);
	KUNIT_EXPECT_EQ(test, e.perm, VDUSE_ACCESS_RW);
	u = kunit_vm_mmap(test, f, 0, DT_BOUNCE, PROT_READ | PROT_WRITE,
			  MAP_SHARED, 0);
	fput(f);
	KUNIT_ASSERT_FALSE(test, !u || IS_ERR_VALUE(u));
	c->bounce = u;
	return u;
}

/* Expect the bounce bytes at @iova to be dt_fill(@seed). */
static void dt_expect_bounce(struct kunit *test, u64 iova, size_t size,
			     u8 seed)
{
	struct dt_ctx *c = test->priv;
	unsigned long u = dt_bounce(test);

	KUNIT_ASSERT_EQ(test, copy_from_user(c->tmp, (void __user *)(u + iova),
					     size), 0);
	KUNIT_EXPECT_EQ(test, dt_differs(c->tmp, size, seed), -1);
}

static void dt_write_bounce(struct kunit *test, u64 iova, size_t size,
			    u8 seed)
{
	struct dt_ctx *c = test->priv;
	unsigned long u = dt_bounce(test);

	dt_fill(c->tmp, size, seed);
	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)(u + iova), c->tmp,
					   size), 0);
}

/* --- dom_map ---------------------------------------------------------- */

/**
 * struct dt_map_case - one streaming map
 * @desc: the case's name
 * @dir: its direction
 * @offset: offset of the buffer in the original pages
 * @size: its length
 */
struct dt_map_case {
	const char *desc;
	enum dma_data_direction dir;
	unsigned long offset;
	size_t size;
};

static const struct dt_map_case dt_map_cases[] = {
	{ "to-device 100 bytes", DMA_TO_DEVICE, 0, 100 },
	{ "from-device unaligned", DMA_FROM_DEVICE, 17, 1000 },
	{ "bidirectional one page", DMA_BIDIRECTIONAL, 0, PAGE_SIZE },
	{ "to-device spanning", DMA_TO_DEVICE, PAGE_SIZE - 3, PAGE_SIZE + 10 },
	{ "from-device spanning", DMA_FROM_DEVICE, 5, 3 * PAGE_SIZE - 9 },
	{ "bidirectional offset past a page", DMA_BIDIRECTIONAL,
	  PAGE_SIZE + 123, 2 * PAGE_SIZE + 1 },
	{ "from-device last byte of a page", DMA_FROM_DEVICE, PAGE_SIZE - 1,
	  1 },
};

KUNIT_ARRAY_PARAM_DESC(dt_map, dt_map_cases, desc);

/* The original buffer holds @seed; the bytes around it still 0x5a's. */
static void dt_expect_orig(struct kunit *test, const struct dt_map_case *p,
			   u8 seed)
{
	u8 *o = dt_orig(test->priv);

	KUNIT_EXPECT_EQ(test, dt_differs(o + p->offset, p->size, seed), -1);
	KUNIT_EXPECT_EQ(test, dt_differs(o, p->offset, 0x5a), -1);
	KUNIT_EXPECT_EQ(test, dt_differs(o + p->offset + p->size,
					 DT_BUF - p->offset - p->size,
					 0x5a + (p->offset + p->size) * 7), -1);
}

static void dom_map(struct kunit *test)
{
	const struct dt_map_case *p = test->param_value;
	struct dt_ctx *c = test->priv;
	bool to_dev = p->dir != DMA_FROM_DEVICE;
	bool to_cpu = p->dir != DMA_TO_DEVICE;
	u8 *o = dt_orig(c);
	dma_addr_t iova;

	dt_fill(o, DT_BUF, 0x5a);
	dt_fill(o + p->offset, p->size, 0xa0);
	iova = vduse_domain_map_page(c->d, c->buf, p->offset, p->size, p->dir,
				     0);
	KUNIT_ASSERT_NE(test, iova, DMA_MAPPING_ERROR);
	KUNIT_EXPECT_TRUE(test, PAGE_ALIGNED(iova));
	KUNIT_EXPECT_LT(test, iova + p->size - 1, DT_BOUNCE);
	/* Every map copies the buffer in: no stale bounce data. */
	dt_expect_bounce(test, iova, p->size, 0xa0);

	dt_write_bounce(test, iova, p->size, 0xb0);
	vduse_domain_sync_single_for_cpu(c->d, iova, p->size, p->dir);
	dt_expect_orig(test, p, to_cpu ? 0xb0 : 0xa0);

	dt_fill(o + p->offset, p->size, 0xc0);
	vduse_domain_sync_single_for_device(c->d, iova, p->size, p->dir);
	dt_expect_bounce(test, iova, p->size, to_dev ? 0xc0 : 0xb0);

	dt_write_bounce(test, iova, p->size, 0xd0);
	vduse_domain_unmap_page(c->d, iova, p->size, p->dir, 0);
	dt_expect_orig(test, p, to_cpu ? 0xd0 : 0xc0);
}

/* --- dom_exhaust ------------------------------------------------------ */

static void dom_exhaust(struct kunit *test)
{
	struct dt_ctx *c = test->priv;
	dma_addr_t *iova, two;
	unsigned long i;

	iova = kunit_kcalloc(test, DT_NPAGES, sizeof(*iova), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, iova);
	/* Every page but the first (IOVA 0 is never handed out). */
	for (i = 0; i < DT_NPAGES - 1; i++) {
		iova[i] = vduse_domain_map_page(c->d, c->buf, 0, 1,
						DMA_TO_DEVICE, 0);
		KUNIT_ASSERT_NE(test, iova[i], DMA_MAPPING_ERROR);
		KUNIT_EXPECT_NE(test, iova[i], 0);
	}
	KUNIT_EXPECT_EQ(test, vduse_domain_map_page(c->d, c->buf, 0, 1,
						    DMA_TO_DEVICE, 0),
			DMA_MAPPING_ERROR);
	/* Two free pages, not adjacent: a two-page map does not fit. */
	vduse_domain_unmap_page(c->d, iova[20], 1, DMA_TO_DEVICE, 0);
	vduse_domain_unmap_page(c->d, iova[22], 1, DMA_TO_DEVICE, 0);
	KUNIT_EXPECT_EQ(test, vduse_domain_map_page(c->d, c->buf, 0,
						    PAGE_SIZE + 1,
						    DMA_TO_DEVICE, 0),
			DMA_MAPPING_ERROR);
	vduse_domain_unmap_page(c->d, iova[21], 1, DMA_TO_DEVICE, 0);
	two = vduse_domain_map_page(c->d, c->buf, 0, 2 * PAGE_SIZE,
				    DMA_TO_DEVICE, 0);
	KUNIT_EXPECT_NE(test, two, DMA_MAPPING_ERROR);
	iova[21] = vduse_domain_map_page(c->d, c->buf, 0, 1, DMA_TO_DEVICE,
					 0);
	KUNIT_EXPECT_NE(test, iova[21], DMA_MAPPING_ERROR);
	KUNIT_EXPECT_EQ(test, vduse_domain_map_page(c->d, c->buf, 0, 1,
						    DMA_TO_DEVICE, 0),
			DMA_MAPPING_ERROR);
	/* Larger than the usable region. */
	KUNIT_EXPECT_EQ(test, vduse_domain_map_page(c->d, c->buf, 0,
						    DT_BOUNCE - PAGE_SIZE + 1,
						    DMA_TO_DEVICE, 0),
			DMA_MAPPING_ERROR);
	vduse_domain_unmap_page(c->d, two, 2 * PAGE_SIZE, DMA_TO_DEVICE, 0);
	for (i = 0; i < DT_NPAGES - 1; i++)
		if (i != 20 && i != 22)
			vduse_domain_unmap_page(c->d, iova[i], 1,
						DMA_TO_DEVICE, 0);
	/* All free again: every page maps once more. */
	for (i = 0; i < DT_NPAGES - 1; i++) {
		iova[i] = vduse_domain_map_page(c->d, c->buf, 0, 1,
						DMA_TO_DEVICE, 0);
		KUNIT_EXPECT_NE(test, iova[i], DMA_MAPPING_ERROR);
	}
	for (i = 0; i < DT_NPAGES - 1; i++)
		vduse_domain_unmap_page(c->d, iova[i], 1, DMA_TO_DEVICE, 0);
}

/* --- dom_coherent ----------------------------------------------------- */

/*
 * The daemon's view of the 3-page coherent allocation @v2 at @i2 through
 * @f: no PROT_EXEC, both directions seen, the page after it a hole.
 */
static void dt_coherent_mmap(struct kunit *test, struct file *f, u64 i2,
			     u8 *v2)
{
	struct dt_ctx *c = test->priv;
	unsigned long u;

	u = kunit_vm_mmap(test, f, 0, PAGE_SIZE, PROT_READ | PROT_EXEC,
			  MAP_SHARED, i2);
	KUNIT_EXPECT_TRUE(test, IS_ERR_VALUE(u));
	u = kunit_vm_mmap(test, f, 0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE,
			  MAP_SHARED, i2);
	KUNIT_ASSERT_FALSE(test, !u || IS_ERR_VALUE(u));
	dt_fill(v2, 3 * PAGE_SIZE, 0x31);
	KUNIT_ASSERT_EQ(test, copy_from_user(c->tmp, (void __user *)u,
					     3 * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, dt_differs(c->tmp, 3 * PAGE_SIZE, 0x31), -1);
	dt_fill(c->tmp, 16, 0x77);
	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)(u + PAGE_SIZE),
					   c->tmp, 16), 0);
	KUNIT_EXPECT_EQ(test, dt_differs(v2 + PAGE_SIZE, 16, 0x77), -1);
	KUNIT_EXPECT_NE(test, copy_from_user(c->tmp,
					     (void __user *)(u + 3 * PAGE_SIZE),
					     1), 0);
}

static void dom_coherent(struct kunit *test)
{
	struct dt_ctx *c = test->priv;
	struct vduse_iotlb_entry e;
	dma_addr_t i1, i2;
	struct file *f;
	u8 *v1, *v2;

	v1 = vduse_domain_alloc_coherent(c->d, 100, &i1, GFP_KERNEL);
	v2 = vduse_domain_alloc_coherent(c->d, 3 * PAGE_SIZE, &i2, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, v1);
	KUNIT_ASSERT_NOT_NULL(test, v2);
	KUNIT_EXPECT_GE(test, i1, DT_BOUNCE);
	KUNIT_EXPECT_TRUE(test, PAGE_ALIGNED(i1) && PAGE_ALIGNED(i2));
	KUNIT_EXPECT_TRUE(test, i2 >= i1 + PAGE_SIZE || i1 >= i2 + 3 * PAGE_SIZE);
	KUNIT_EXPECT_NULL(test, memchr_inv(v2, 0, 3 * PAGE_SIZE));

	KUNIT_EXPECT_PTR_EQ(test, vduse_domain_coherent_va(c->d, i2 + 4100, 10),
			    (void *)(v2 + 4100));
	KUNIT_EXPECT_NULL(test, vduse_domain_coherent_va(c->d,
							 i1 + PAGE_SIZE - 1, 2));
	KUNIT_EXPECT_NULL(test, vduse_domain_coherent_va(c->d, DT_BOUNCE - 1,
							 1));

	KUNIT_ASSERT_EQ(test, vduse_domain_iotlb_get(c->d, i2 + 10, i2 + 10, &e,
						     &f), 0);
	KUNIT_EXPECT_EQ(test, e.start, i2);
	KUNIT_EXPECT_EQ(test, e.last, i2 + 3 * PAGE_SIZE - 1);
	KUNIT_EXPECT_EQ(test, e.offset, i2);
	KUNIT_EXPECT_EQ(test, e.perm, VDUSE_ACCESS_RW);
	dt_coherent_mmap(test, f, i2, v2);
	fput(f);

	vduse_domain_free_coherent(c->d, 3 * PAGE_SIZE, v2, i2);
	KUNIT_EXPECT_EQ(test, vduse_domain_iotlb_get(c->d, i2, i2, &e, &f),
			-EINVAL);
	KUNIT_EXPECT_NULL(test, vduse_domain_coherent_va(c->d, i2, 1));
	vduse_domain_free_coherent(c->d, 100, v1, i1);
	KUNIT_EXPECT_EQ(test, vduse_domain_iotlb_get(c->d, 0, U64_MAX, &e, &f),
			-EINVAL);
}

/* --- dom_vmm ---------------------------------------------------------- */

static struct file *dt_shmem(struct kunit *test, const char *name)
{
	struct file *f = shmem_file_setup(name, 1 << 20, 0);

	KUNIT_ASSERT_FALSE(test, IS_ERR(f));
	return f;
}

static void dt_add(struct kunit *test, struct vhost_iotlb *t, u64 start,
		   u64 last, u32 perm, struct vdpa_map_file *mf)
{
	KUNIT_ASSERT_EQ(test, vhost_iotlb_add_range_ctx(t, start, last,
							0x7f0000000000ULL,
							perm, mf), 0);
}

/* GET_FD of @iova: expect the entry and @file (or a read-only reopen). */
static void dt_expect_vmm(struct kunit *test, u64 iova, u64 start, u64 last,
			  u64 off, u8 perm, struct file *file)
{
	struct dt_ctx *c = test->priv;
	struct vduse_iotlb_entry e;
	struct file *f;

	KUNIT_ASSERT_EQ(test, vduse_domain_iotlb_get(c->d, iova, iova, &e, &f),
			0);
	KUNIT_EXPECT_EQ(test, e.start, start);
	KUNIT_EXPECT_EQ(test, e.last, last);
	KUNIT_EXPECT_EQ(test, e.offset, off);
	KUNIT_EXPECT_EQ(test, e.perm, perm);
	KUNIT_EXPECT_PTR_EQ(test, file_inode(f), file_inode(file));
	if (perm == VDUSE_ACCESS_RO) {
		KUNIT_EXPECT_PTR_NE(test, f, file);
		KUNIT_EXPECT_FALSE(test, f->f_mode & FMODE_WRITE);
	} else {
		KUNIT_EXPECT_PTR_EQ(test, f, file);
	}
	fput(f);
}

/**
 * struct dt_vmm - the VMM side of the dom_vmm_* cases
 * @f1: a shmem file, mapped read-write at %DT_VMM_IOVA (offset 0x1000)
 * @f2: a shmem file, mapped read-only at 2 * %DT_VMM_IOVA
 * @mf1: @f1 as vhost_vdpa passes it
 * @mf2: @f2 as vhost_vdpa passes it
 * @c1: @f1's reference count before the domain saw it
 * @c2: @f2's reference count before the domain saw it
 * @t: the table given to set_map
 */
struct dt_vmm {
	struct file *f1, *f2;
	struct vdpa_map_file mf1, mf2;
	long c1, c2;
	struct vhost_iotlb *t;
};

/* Two files, two entries, set_map: each file gains one reference. */
static void dt_vmm_init(struct kunit *test, struct dt_vmm *v)
{
	struct dt_ctx *c = test->priv;

	v->f1 = dt_shmem(test, "vduse-test-1");
	v->f2 = dt_shmem(test, "vduse-test-2");
	v->mf1 = (struct vdpa_map_file){ v->f1, 0x1000 };
	v->mf2 = (struct vdpa_map_file){ v->f2, 0 };
	v->c1 = file_count(v->f1);
	v->c2 = file_count(v->f2);
	v->t = vhost_iotlb_alloc(16, 0);
	KUNIT_ASSERT_NOT_NULL(test, v->t);
	dt_add(test, v->t, DT_VMM_IOVA, DT_VMM_IOVA + 0x3fff, VHOST_MAP_RW,
	       &v->mf1);
	dt_add(test, v->t, 2 * DT_VMM_IOVA, 2 * DT_VMM_IOVA + 0xfff,
	       VHOST_MAP_RO, &v->mf2);
	KUNIT_ASSERT_EQ(test, vduse_domain_set_map(c->d, v->t), 0);
	KUNIT_EXPECT_EQ(test, file_count(v->f1), v->c1 + 1);
	KUNIT_EXPECT_EQ(test, file_count(v->f2), v->c2 + 1);
}

/* clear_map drops every reference the domain took. */
static void dt_vmm_fini(struct kunit *test, struct dt_vmm *v)
{
	struct dt_ctx *c = test->priv;
	struct vduse_iotlb_entry e;
	struct file *f;

	vduse_domain_clear_map(c->d);
	KUNIT_EXPECT_EQ(test, file_count(v->f1), v->c1);
	KUNIT_EXPECT_EQ(test, file_count(v->f2), v->c2);
	KUNIT_EXPECT_EQ(test, vduse_domain_iotlb_get(c->d, 0, U64_MAX, &e, &f),
			-EINVAL);
	vhost_iotlb_free(v->t);
	fput(v->f1);
	fput(v->f2);
}

static void dom_vmm_set_map(struct kunit *test)
{
	struct dt_ctx *c = test->priv;
	struct vduse_iotlb_entry e;
	struct dt_vmm v;
	struct file *f;

	dt_vmm_init(test, &v);
	dt_expect_vmm(test, DT_VMM_IOVA + 0x1000, DT_VMM_IOVA,
		      DT_VMM_IOVA + 0x3fff, 0x1000, VDUSE_ACCESS_RW, v.f1);
	dt_expect_vmm(test, 2 * DT_VMM_IOVA, 2 * DT_VMM_IOVA,
		      2 * DT_VMM_IOVA + 0xfff, 0, VDUSE_ACCESS_RO, v.f2);
	/* Holes; a range reaching into a mapping finds it. */
	KUNIT_EXPECT_EQ(test, vduse_domain_iotlb_get(c->d, 0x150000000ULL,
						     0x150000fffULL, &e, &f),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vduse_domain_iotlb_get(c->d, 0, 0, &e, &f),
			-EINVAL);
	KUNIT_ASSERT_EQ(test, vduse_domain_iotlb_get(c->d, DT_VMM_IOVA - 1,
						     DT_VMM_IOVA, &e, &f), 0);
	KUNIT_EXPECT_EQ(test, e.start, DT_VMM_IOVA);
	fput(f);

	/* set_map replaces: f1's entry goes with its reference. */
	vhost_iotlb_del_range(v.t, DT_VMM_IOVA, DT_VMM_IOVA);
	KUNIT_ASSERT_EQ(test, vduse_domain_set_map(c->d, v.t), 0);
	KUNIT_EXPECT_EQ(test, file_count(v.f1), v.c1);
	KUNIT_EXPECT_EQ(test, file_count(v.f2), v.c2 + 1);
	KUNIT_EXPECT_EQ(test, vduse_domain_iotlb_get(c->d, DT_VMM_IOVA,
						     DT_VMM_IOVA, &e, &f),
			-EINVAL);
	dt_vmm_fini(test, &v);
}

static void dom_vmm_dma_map(struct kunit *test)
{
	struct dt_ctx *c = test->priv;
	struct dt_vmm v;

	dt_vmm_init(test, &v);
	/* Overlap refused, a new range added, dma_unmap drops it whole. */
	KUNIT_EXPECT_EQ(test, vduse_domain_dma_map(c->d, DT_VMM_IOVA + 0x3fff,
						   2, 0, VHOST_MAP_RW, &v.mf2),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, file_count(v.f2), v.c2 + 1);
	KUNIT_EXPECT_EQ(test, vduse_domain_dma_map(c->d, 3 * DT_VMM_IOVA,
						   0x1000, 0, VHOST_MAP_WO,
						   &v.mf1), 0);
	KUNIT_EXPECT_EQ(test, file_count(v.f1), v.c1 + 2);
	dt_expect_vmm(test, 3 * DT_VMM_IOVA + 0xfff, 3 * DT_VMM_IOVA,
		      3 * DT_VMM_IOVA + 0xfff, 0x1000, VDUSE_ACCESS_WO, v.f1);
	KUNIT_EXPECT_EQ(test, vduse_domain_dma_unmap(c->d,
						     3 * DT_VMM_IOVA + 0x800,
						     1), 0);
	KUNIT_EXPECT_EQ(test, file_count(v.f1), v.c1 + 1);
	dt_vmm_fini(test, &v);
}

static void dom_vmm_refused(struct kunit *test)
{
	struct dt_ctx *c = test->priv;
	struct dt_vmm v;
	dma_addr_t ci;
	void *cv;

	dt_vmm_init(test, &v);
	/* A bad entry: nothing changes, no reference kept. */
	dt_add(test, v.t, 4 * DT_VMM_IOVA, 4 * DT_VMM_IOVA, 0, &v.mf1);
	KUNIT_EXPECT_EQ(test, vduse_domain_set_map(c->d, v.t), -EINVAL);
	KUNIT_EXPECT_EQ(test, file_count(v.f1), v.c1 + 1);
	KUNIT_EXPECT_EQ(test, file_count(v.f2), v.c2 + 1);
	dt_expect_vmm(test, 2 * DT_VMM_IOVA, 2 * DT_VMM_IOVA,
		      2 * DT_VMM_IOVA + 0xfff, 0, VDUSE_ACCESS_RO, v.f2);
	vhost_iotlb_del_range(v.t, 4 * DT_VMM_IOVA, 4 * DT_VMM_IOVA);

	/* An entry over coherent memory: refused. */
	cv = vduse_domain_alloc_coherent(c->d, PAGE_SIZE, &ci, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, cv);
	dt_add(test, v.t, ci, ci, VHOST_MAP_RW, &v.mf1);
	KUNIT_EXPECT_EQ(test, vduse_domain_set_map(c->d, v.t), -EEXIST);
	KUNIT_EXPECT_EQ(test, vduse_domain_dma_map(c->d, ci + 5, 1, 0,
						   VHOST_MAP_RW, &v.mf1),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, file_count(v.f1), v.c1 + 1);
	vduse_domain_free_coherent(c->d, PAGE_SIZE, cv, ci);
	dt_vmm_fini(test, &v);
}

/* --- dom_ranges ------------------------------------------------------- */

/**
 * struct dt_range - a range every range check must refuse
 * @desc: the case's name
 * @iova: first IOVA
 * @size: length
 */
struct dt_range {
	const char *desc;
	u64 iova;
	u64 size;
};

static const struct dt_range dt_ranges[] = {
	{ "empty", 0x100000000ULL, 0 },
	{ "wraps", U64_MAX - 0xfff, 0x2000 },
	{ "wraps by one", U64_MAX, 2 },
	{ "wraps to the start", 2, U64_MAX },
	{ "wraps far", 0x8000000000000000ULL, 0x8000000000001000ULL },
};

KUNIT_ARRAY_PARAM_DESC(dt_range, dt_ranges, desc);

static void dom_ranges(struct kunit *test)
{
	const struct dt_range *r = test->param_value;
	struct vdpa_map_file mf = { dt_shmem(test, "vduse-test-r"), 0 };
	struct dt_ctx *c = test->priv;
	long count = file_count(mf.file);
	struct vduse_iotlb_entry e;
	dma_addr_t iova;
	struct file *f;
	u8 *o = dt_orig(c);

	KUNIT_EXPECT_EQ(test, vduse_domain_dma_map(c->d, r->iova, r->size, 0,
						   VHOST_MAP_RW, &mf), -EINVAL);
	KUNIT_EXPECT_EQ(test, file_count(mf.file), count);
	KUNIT_EXPECT_EQ(test, vduse_domain_dma_unmap(c->d, r->iova, r->size),
			-EINVAL);
	KUNIT_EXPECT_NULL(test, vduse_domain_coherent_va(c->d, r->iova,
							 r->size));
	if (r->size)
		KUNIT_EXPECT_EQ(test, vduse_domain_iotlb_get(c->d, r->iova,
							     r->iova - 1, &e,
							     &f), -EINVAL);
	/* A bad unmap or sync of the bounce region leaves a map alone. */
	dt_fill(o, PAGE_SIZE, 0x40);
	iova = vduse_domain_map_page(c->d, c->buf, 0, PAGE_SIZE,
				     DMA_FROM_DEVICE, 0);
	KUNIT_ASSERT_NE(test, iova, DMA_MAPPING_ERROR);
	dt_write_bounce(test, iova, PAGE_SIZE, 0x41);
	vduse_domain_unmap_page(c->d, r->iova & PAGE_MASK, r->size,
				DMA_FROM_DEVICE, 0);
	vduse_domain_sync_single_for_cpu(c->d, r->iova, r->size,
					 DMA_FROM_DEVICE);
	KUNIT_EXPECT_EQ(test, dt_differs(o, PAGE_SIZE, 0x40), -1);
	vduse_domain_unmap_page(c->d, iova, PAGE_SIZE, DMA_FROM_DEVICE, 0);
	KUNIT_EXPECT_EQ(test, dt_differs(o, PAGE_SIZE, 0x41), -1);
	/* The last byte of the IOVA space is a valid one-byte range. */
	KUNIT_EXPECT_EQ(test, vduse_domain_dma_map(c->d, U64_MAX, 1, 0,
						   VHOST_MAP_RO, &mf), 0);
	KUNIT_EXPECT_EQ(test, vduse_domain_dma_unmap(c->d, U64_MAX, 1), 0);
	KUNIT_EXPECT_EQ(test, file_count(mf.file), count);
	fput(mf.file);
}

/* Sizes and arguments refused outright. */
static void dom_bad_args(struct kunit *test)
{
	static const u64 sizes[] = { 0, VDUSE_BOUNCE_MIN - PAGE_SIZE,
				     VDUSE_BOUNCE_MIN + 1,
				     VDUSE_BOUNCE_MAX + PAGE_SIZE, U64_MAX };
	struct dt_ctx *c = test->priv;
	struct vduse_iotlb_entry e;
	dma_addr_t iova;
	struct file *f;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		KUNIT_EXPECT_EQ(test, PTR_ERR(vduse_domain_create(sizes[i])),
				-EINVAL);
		KUNIT_EXPECT_EQ(test, vduse_domain_set_bounce_size(c->d,
								   sizes[i]),
				-EINVAL);
	}
	KUNIT_EXPECT_EQ(test, vduse_domain_iotlb_get(c->d, 5, 4, &e, &f),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vduse_domain_map_page(c->d, c->buf, 0, 0,
						    DMA_TO_DEVICE, 0),
			DMA_MAPPING_ERROR);
	KUNIT_EXPECT_EQ(test, vduse_domain_map_page(c->d, c->buf, 0, 1,
						    DMA_NONE, 0),
			DMA_MAPPING_ERROR);
	KUNIT_EXPECT_NULL(test, vduse_domain_alloc_coherent(c->d, 0, &iova,
							    GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, vduse_domain_reg_umem(c->d, PAGE_SIZE, 0,
						    DT_BOUNCE), -EINVAL);
	KUNIT_EXPECT_EQ(test, vduse_domain_dereg_umem(c->d, 0, DT_BOUNCE),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vduse_domain_dma_map(c->d, 0x1000, 0x1000, 0,
						   VHOST_MAP_RW, NULL),
			-EINVAL);
}

/* --- dom_bounce ------------------------------------------------------- */

static void dom_bounce(struct kunit *test)
{
	struct dt_ctx *c = test->priv;
	struct vduse_iotlb_entry e;
	dma_addr_t iova, ci;
	struct file *f;
	void *cv;
	u8 *o = dt_orig(c);

	KUNIT_EXPECT_EQ(test, vduse_domain_set_bounce_size(c->d, 2 * DT_BOUNCE),
			0);
	KUNIT_EXPECT_EQ(test, vduse_domain_bounce_size(c->d), 2 * DT_BOUNCE);
	KUNIT_EXPECT_EQ(test, vduse_domain_max_mapping_size(c->d),
			2 * DT_BOUNCE - PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, vduse_domain_set_bounce_size(c->d, DT_BOUNCE), 0);

	dt_fill(o, 64, 0x60);
	iova = vduse_domain_map_page(c->d, c->buf, 0, 64, DMA_FROM_DEVICE, 0);
	KUNIT_ASSERT_NE(test, iova, DMA_MAPPING_ERROR);
	KUNIT_EXPECT_EQ(test, vduse_domain_set_bounce_size(c->d, 2 * DT_BOUNCE),
			-EBUSY);
	dt_write_bounce(test, iova, 64, 0x61);

	/* Reset: GET_FD loses the region, the map still copies back. */
	vduse_domain_reset_bounce_map(c->d);
	KUNIT_EXPECT_EQ(test, vduse_domain_iotlb_get(c->d, 0, 0, &e, &f),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vduse_domain_set_bounce_size(c->d, 2 * DT_BOUNCE),
			-EBUSY);
	vduse_domain_unmap_page(c->d, iova, 64, DMA_FROM_DEVICE, 0);
	KUNIT_EXPECT_EQ(test, dt_differs(o, 64, 0x61), -1);
	KUNIT_EXPECT_EQ(test, vduse_domain_set_bounce_size(c->d, 2 * DT_BOUNCE),
			0);

	/* Coherent memory where the region would grow: busy. */
	cv = vduse_domain_alloc_coherent(c->d, PAGE_SIZE, &ci, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, cv);
	KUNIT_EXPECT_EQ(test, ci, 2 * DT_BOUNCE);
	KUNIT_EXPECT_EQ(test, vduse_domain_set_bounce_size(c->d, 4 * DT_BOUNCE),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, vduse_domain_set_bounce_size(c->d, DT_BOUNCE), 0);
	vduse_domain_free_coherent(c->d, PAGE_SIZE, cv, ci);
}

/* --- dom_umem --------------------------------------------------------- */

/* With UMEM, a from-device map bounces through the user pages at @u. */
static void dt_umem_from_device(struct kunit *test, unsigned long u)
{
	struct dt_ctx *c = test->priv;
	u8 *o = dt_orig(c);
	dma_addr_t ifr;

	dt_fill(o + PAGE_SIZE, 300, 0x80);
	ifr = vduse_domain_map_page(c->d, c->buf, PAGE_SIZE, 300,
				    DMA_FROM_DEVICE, 0);
	KUNIT_ASSERT_NE(test, ifr, DMA_MAPPING_ERROR);
	dt_fill(c->tmp, 300, 0x81);
	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)(u + ifr), c->tmp,
					   300), 0);
	vduse_domain_unmap_page(c->d, ifr, 300, DMA_FROM_DEVICE, 0);
	KUNIT_EXPECT_EQ(test, dt_differs(o + PAGE_SIZE, 300, 0x81), -1);
}

static void dom_umem(struct kunit *test)
{
	struct dt_ctx *c = test->priv;
	dma_addr_t it, ifr;
	unsigned long u;
	s64 pinned;
	u8 *o = dt_orig(c);

	/* A first map so the daemon's view of the bounce region exists. */
	dt_fill(o, 200, 0x70);
	it = vduse_domain_map_page(c->d, c->buf, 0, 200, DMA_TO_DEVICE, 0);
	KUNIT_ASSERT_NE(test, it, DMA_MAPPING_ERROR);
	dt_expect_bounce(test, it, 200, 0x70);

	u = kunit_vm_mmap(test, NULL, 0, DT_BOUNCE, PROT_READ | PROT_WRITE,
			  MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_FALSE(test, !u || IS_ERR_VALUE(u));
	pinned = atomic64_read(&current->mm->pinned_vm);
	KUNIT_EXPECT_EQ(test, vduse_domain_reg_umem(c->d, 0, u + 1, DT_BOUNCE),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vduse_domain_reg_umem(c->d, 0, u, DT_BOUNCE / 2),
			-EINVAL);
	KUNIT_ASSERT_EQ(test, vduse_domain_reg_umem(c->d, 0, u, DT_BOUNCE), 0);
	KUNIT_EXPECT_TRUE(test, vduse_domain_umem_registered(c->d));
	KUNIT_EXPECT_EQ(test, atomic64_read(&current->mm->pinned_vm),
			pinned + DT_NPAGES);
	KUNIT_EXPECT_EQ(test, vduse_domain_reg_umem(c->d, 0, u, DT_BOUNCE),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, vduse_domain_set_bounce_size(c->d, 2 * DT_BOUNCE),
			-EBUSY);
	/* The current contents moved into the user memory. */
	KUNIT_ASSERT_EQ(test, copy_from_user(c->tmp, (void __user *)(u + it),
					     200), 0);
	KUNIT_EXPECT_EQ(test, dt_differs(c->tmp, 200, 0x70), -1);

	dt_umem_from_device(test, u);

	/* The daemon unmaps its memory: the pins keep the pages. */
	KUNIT_ASSERT_EQ(test, vm_munmap(u, DT_BOUNCE), 0);
	dt_fill(o + PAGE_SIZE, 300, 0x90);
	ifr = vduse_domain_map_page(c->d, c->buf, PAGE_SIZE, 300,
				    DMA_TO_DEVICE, 0);
	KUNIT_ASSERT_NE(test, ifr, DMA_MAPPING_ERROR);

	/* Dereg copies back into the kernel pages and uncharges. */
	KUNIT_EXPECT_EQ(test, vduse_domain_dereg_umem(c->d, 0, DT_BOUNCE), 0);
	KUNIT_EXPECT_FALSE(test, vduse_domain_umem_registered(c->d));
	KUNIT_EXPECT_EQ(test, atomic64_read(&current->mm->pinned_vm), pinned);
	dt_expect_bounce(test, ifr, 300, 0x90);
	dt_expect_bounce(test, it, 200, 0x70);
	KUNIT_EXPECT_EQ(test, vduse_domain_dereg_umem(c->d, 0, DT_BOUNCE),
			-EINVAL);
	vduse_domain_unmap_page(c->d, ifr, 300, DMA_TO_DEVICE, 0);
	vduse_domain_unmap_page(c->d, it, 200, DMA_TO_DEVICE, 0);
}

/* --- dom_irq ------------------------------------------------------------ */

/**
 * struct dt_irq - a streaming map made and ended in hard-irq context
 * @timer: the hard-irq hrtimer doing it
 * @done: completed by the timer
 * @d: the domain
 * @buf: the original buffer
 * @iova: the map's IOVA, or %DMA_MAPPING_ERROR
 * @rounds: maps left to make
 */
struct dt_irq {
	struct hrtimer timer;
	struct completion done;
	struct vduse_domain *d;
	struct page *buf;
	dma_addr_t iova;
	int rounds;
};

static enum hrtimer_restart dt_irq_fn(struct hrtimer *t)
{
	struct dt_irq *x = container_of(t, struct dt_irq, timer);

	x->iova = vduse_domain_map_page(x->d, x->buf, 3, 3 * PAGE_SIZE,
					DMA_BIDIRECTIONAL, 0);
	if (x->iova != DMA_MAPPING_ERROR) {
		vduse_domain_sync_single_for_cpu(x->d, x->iova, 100,
						 DMA_BIDIRECTIONAL);
		vduse_domain_unmap_page(x->d, x->iova, 3 * PAGE_SIZE,
					DMA_BIDIRECTIONAL, 0);
	}
	if (x->iova == DMA_MAPPING_ERROR || !--x->rounds) {
		complete(&x->done);
		return HRTIMER_NORESTART;
	}
	hrtimer_forward_now(t, ns_to_ktime(100 * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

/* Maps from hard-irq context while process context maps too. */
static void dom_irq(struct kunit *test)
{
	struct dt_ctx *c = test->priv;
	struct dt_irq *x = kunit_kzalloc(test, sizeof(*x), GFP_KERNEL);
	dma_addr_t iova;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, x);
	x->d = c->d;
	x->buf = c->buf;
	x->rounds = 50;
	init_completion(&x->done);
	hrtimer_init(&x->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	x->timer.function = dt_irq_fn;
	hrtimer_start(&x->timer, ns_to_ktime(NSEC_PER_USEC),
		      HRTIMER_MODE_REL_HARD);
	for (i = 0; i < 200; i++) {
		iova = vduse_domain_map_page(c->d, c->buf, 0, PAGE_SIZE + 1,
					     DMA_TO_DEVICE, 0);
		KUNIT_EXPECT_NE(test, iova, DMA_MAPPING_ERROR);
		if (iova != DMA_MAPPING_ERROR)
			vduse_domain_unmap_page(c->d, iova, PAGE_SIZE + 1,
						DMA_TO_DEVICE, 0);
	}
	KUNIT_EXPECT_NE(test, wait_for_completion_timeout(&x->done, 30 * HZ),
			0);
	hrtimer_cancel(&x->timer);
	KUNIT_EXPECT_NE(test, x->iova, DMA_MAPPING_ERROR);
}

static struct kunit_case vduse_domain_cases[] = {
	KUNIT_CASE_PARAM(dom_map, dt_map_gen_params),
	KUNIT_CASE(dom_exhaust),
	KUNIT_CASE(dom_coherent),
	KUNIT_CASE(dom_vmm_set_map),
	KUNIT_CASE(dom_vmm_dma_map),
	KUNIT_CASE(dom_vmm_refused),
	KUNIT_CASE_PARAM(dom_ranges, dt_range_gen_params),
	KUNIT_CASE(dom_bad_args),
	KUNIT_CASE(dom_bounce),
	KUNIT_CASE(dom_umem),
	KUNIT_CASE(dom_irq),
	{}
};

static struct kunit_suite vduse_domain_suite = {
	.name = "vduse_domain",
	.init = dt_init,
	.exit = dt_exit,
	.test_cases = vduse_domain_cases,
};

kunit_test_suite(vduse_domain_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for the VDUSE IOVA domain");
