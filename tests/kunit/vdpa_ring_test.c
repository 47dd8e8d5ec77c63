// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for the device-side virtqueue library (sim/ring, part of
 * vdpa_sim.ko).
 *
 * Each case builds a ring in kernel memory and plays the driver itself: it
 * writes descriptors, available entries and event structures, and reads
 * back what the device side wrote. The ring's address space is either
 * passthrough (addresses are physical) or a &struct vhost_iotlb that maps
 * chosen IOVAs, page by page, to the test memory, with extra regions:
 *
 *   RT_IOVA        the 16 test pages, one read-write entry per page
 *   RT_SPLIT_IOVA  three pages backed by test pages 8, 10 and 11: the
 *                  first boundary is physically discontiguous, the second
 *                  contiguous
 *   RT_RO_IOVA     test page 12, read-only for the device
 *   RT_WO_IOVA     test page 13, write-only for the device
 *
 * Test memory layout (pages): 0 descriptors, 1 driver area, 2 device
 * area, 3 indirect tables, 4-7 data, 8-15 for the regions above.
 *
 * ring_setup:      configuration checks, release of unused rings
 * ring_roundtrip:  pop, data through the iov_iters, push, publish
 * ring_wrap:       free-running split indices and packed wrap counters
 * ring_indirect:   indirect tables, one crossing an IOTLB entry boundary
 * ring_notify:     event index, NO_INTERRUPT, packed event suppression,
 *                  notify_enable's re-check
 * ring_unpop, ring_state, ring_area: unpop, vq state, ring areas that
 *                  need vmap() and re-resolution after a map change
 * ring_malformed:  every malformed-ring error, the broken state, reset
 * ring_translate:  segments across IOTLB entries, merging, permissions
 */

#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uio.h>
#include <linux/vdpa.h>
#include <linux/vhost_iotlb.h>
#include <linux/virtio_byteorder.h>
#include <vdpa_sim/ring.h>

#define RT_PAGES	16
#define RT_MEM_SIZE	(RT_PAGES * PAGE_SIZE)
#define RT_DRIVER_OFF	PAGE_SIZE
#define RT_DEVICE_OFF	(2 * PAGE_SIZE)
#define RT_TABLE_OFF	(3 * PAGE_SIZE)
#define RT_DATA_OFF	(4 * PAGE_SIZE)

#define RT_IOVA		0x10000000ULL
#define RT_SPLIT_IOVA	0x40000000ULL
#define RT_RO_IOVA	0x20000000ULL
#define RT_WO_IOVA	0x30000000ULL
#define RT_UNMAPPED	0x50000000ULL
/* Entries an IOTLB may hold (0 would refuse every mapping). */
#define RT_IOTLB_LIMIT	8192

#define RT_PAVAIL	BIT(VRING_PACKED_DESC_F_AVAIL)
#define RT_PUSED	BIT(VRING_PACKED_DESC_F_USED)
#define RT_WRAP		BIT(VRING_PACKED_EVENT_F_WRAP_CTR)

/* Test pages backing the three pages of RT_SPLIT_IOVA. */
static const unsigned int rt_split_pages[] = { 8, 10, 11 };

/**
 * struct rt_opts - a test ring
 * @num: queue size (default 8)
 * @packed: packed layout
 * @iotlb: IOTLB address space (else passthrough)
 * @indirect: indirect descriptors negotiated
 * @event_idx: event index negotiated
 */
struct rt_opts {
	u16 num;
	bool packed;
	bool iotlb;
	bool indirect;
	bool event_idx;
};

/**
 * struct rt_env - a ring and the test driver's view of it
 * @test: the test
 * @opts: the ring's options
 * @ring: the device side under test
 * @map: its address space
 * @iotlb: the mappings when @opts.iotlb
 * @iov: segments for pops
 * @mem: RT_MEM_SIZE bytes of page-aligned test memory
 * @desc: split descriptor table
 * @avail: split available ring
 * @used: split used ring
 * @pdesc: packed descriptor ring
 * @drv_ev: packed driver event suppression
 * @dev_ev: packed device event suppression
 * @avail_idx: split: the driver's next available index
 * @free_head: next descriptor index (split) or slot (packed) to fill
 * @wrap: packed: the driver's wrap counter
 * @used_seen: next used index (split) or slot (packed) to read
 * @used_wrap: packed: the wrap counter of @used_seen
 * @next_id: packed: next buffer id
 */
struct rt_env {
	struct kunit *test;
	struct rt_opts opts;
	struct vdring ring;
	struct vdring_map map;
	struct vhost_iotlb iotlb;
	struct vdring_iov iov;
	u8 *mem;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	struct vring_packed_desc *pdesc;
	struct vring_packed_desc_event *drv_ev;
	struct vring_packed_desc_event *dev_ev;
	u16 avail_idx;
	u16 free_head;
	bool wrap;
	u16 used_seen;
	bool used_wrap;
	u16 next_id;
};

/**
 * struct rt_seg - one descriptor the test driver writes
 * @addr: buffer address
 * @len: length
 * @flags: %VRING_DESC_F_WRITE / %VRING_DESC_F_INDIRECT (NEXT is added)
 */
struct rt_seg {
	u64 addr;
	u32 len;
	u16 flags;
};

KUNIT_DEFINE_ACTION_WRAPPER(rt_release_action, vdring_release,
			    struct vdring *);
KUNIT_DEFINE_ACTION_WRAPPER(rt_iov_free_action, vdring_iov_free,
			    struct vdring_iov *);
KUNIT_DEFINE_ACTION_WRAPPER(rt_iotlb_reset_action, vhost_iotlb_reset,
			    struct vhost_iotlb *);

static void rt_defer(struct kunit *test, kunit_action_t *action, void *ctx)
{
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, action, ctx), 0);
}

static __virtio16 rt16(u16 v)
{
	return __cpu_to_virtio16(true, v);
}

static __virtio32 rt32(u32 v)
{
	return __cpu_to_virtio32(true, v);
}

static __virtio64 rt64(u64 v)
{
	return __cpu_to_virtio64(true, v);
}

static u16 rt_u16(__virtio16 v)
{
	return __virtio16_to_cpu(true, v);
}

static u32 rt_u32(__virtio32 v)
{
	return __virtio32_to_cpu(true, v);
}

/* --- The test driver ------------------------------------------------------ */

static u64 rt_addr(struct rt_env *e, void *p)
{
	if (e->opts.iotlb)
		return RT_IOVA + ((u8 *)p - e->mem);
	return virt_to_phys(p);
}

static u8 *rt_data(struct rt_env *e, unsigned int off)
{
	return e->mem + RT_DATA_OFF + off;
}

static u64 rt_daddr(struct rt_env *e, unsigned int off)
{
	return rt_addr(e, rt_data(e, off));
}

/* The kernel address the test layout gives an IOVA. */
static u8 *rt_va(struct rt_env *e, u64 iova)
{
	u64 off;

	if (!e->opts.iotlb)
		return phys_to_virt(iova);
	if (iova >= RT_SPLIT_IOVA && iova < RT_SPLIT_IOVA + 3 * PAGE_SIZE) {
		off = iova - RT_SPLIT_IOVA;
		return e->mem + rt_split_pages[off / PAGE_SIZE] * PAGE_SIZE +
		       off % PAGE_SIZE;
	}
	if (iova >= RT_RO_IOVA && iova < RT_RO_IOVA + PAGE_SIZE)
		return e->mem + 12 * PAGE_SIZE + (iova - RT_RO_IOVA);
	if (iova >= RT_WO_IOVA && iova < RT_WO_IOVA + PAGE_SIZE)
		return e->mem + 13 * PAGE_SIZE + (iova - RT_WO_IOVA);
	return e->mem + (iova - RT_IOVA);
}

static void rt_map(struct rt_env *e, u64 iova, u64 size, void *va, u32 perm)
{
	KUNIT_ASSERT_EQ(e->test, vhost_iotlb_add_range(&e->iotlb, iova,
						       iova + size - 1,
						       virt_to_phys(va), perm),
			0);
}

/* Maps page @page of the test memory at its RT_IOVA address. */
static void rt_map_page(struct rt_env *e, unsigned int page, u32 perm)
{
	rt_map(e, RT_IOVA + page * PAGE_SIZE, PAGE_SIZE,
	       e->mem + page * PAGE_SIZE, perm);
}

static void rt_unmap_page(struct rt_env *e, unsigned int page)
{
	vhost_iotlb_del_range(&e->iotlb, RT_IOVA + page * PAGE_SIZE,
			      RT_IOVA + (page + 1) * PAGE_SIZE - 1);
	e->map.gen++;
}

static void rt_map_all(struct rt_env *e)
{
	unsigned int i;

	vhost_iotlb_reset(&e->iotlb);
	for (i = 0; i < RT_PAGES; i++)
		rt_map_page(e, i, VHOST_MAP_RW);
	for (i = 0; i < ARRAY_SIZE(rt_split_pages); i++)
		rt_map(e, RT_SPLIT_IOVA + i * PAGE_SIZE, PAGE_SIZE,
		       e->mem + rt_split_pages[i] * PAGE_SIZE, VHOST_MAP_RW);
	rt_map(e, RT_RO_IOVA, PAGE_SIZE, e->mem + 12 * PAGE_SIZE,
	       VHOST_MAP_RO);
	rt_map(e, RT_WO_IOVA, PAGE_SIZE, e->mem + 13 * PAGE_SIZE,
	       VHOST_MAP_WO);
	e->map.gen++;
}

static void rt_config(struct rt_env *e, struct vdring_config *cfg)
{
	*cfg = (struct vdring_config) {
		.num = e->opts.num,
		.desc_addr = rt_addr(e, e->mem),
		.driver_addr = rt_addr(e, e->mem + RT_DRIVER_OFF),
		.device_addr = rt_addr(e, e->mem + RT_DEVICE_OFF),
		.packed = e->opts.packed,
		.event_idx = e->opts.event_idx,
		.indirect = e->opts.indirect,
	};
}

/* Back to an empty ring, as the driver sees it after a device reset. */
static void rt_driver_reset(struct rt_env *e)
{
	memset(e->mem, 0, RT_TABLE_OFF);
	e->avail_idx = 0;
	e->free_head = 0;
	e->wrap = true;
	e->used_seen = 0;
	e->used_wrap = true;
	e->next_id = 0;
}

static struct rt_env *rt_env_new(struct kunit *test, const struct rt_opts *o)
{
	struct vdring_config cfg;
	struct rt_env *e;

	e = kunit_kzalloc(test, sizeof(*e), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, e);
	e->mem = kunit_kzalloc(test, RT_MEM_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, e->mem);
	KUNIT_ASSERT_TRUE(test, PAGE_ALIGNED(e->mem));
	e->test = test;
	e->opts = *o;
	if (!e->opts.num)
		e->opts.num = 8;
	e->desc = (void *)e->mem;
	e->pdesc = (void *)e->mem;
	e->avail = (void *)(e->mem + RT_DRIVER_OFF);
	e->drv_ev = (void *)(e->mem + RT_DRIVER_OFF);
	e->used = (void *)(e->mem + RT_DEVICE_OFF);
	e->dev_ev = (void *)(e->mem + RT_DEVICE_OFF);
	rt_driver_reset(e);

	if (e->opts.iotlb) {
		vhost_iotlb_init(&e->iotlb, RT_IOTLB_LIMIT, 0);
		rt_defer(test, rt_iotlb_reset_action, &e->iotlb);
		rt_map_all(e);
		e->map.iotlb = &e->iotlb;
	} else {
		e->map.passthrough = true;
	}
	KUNIT_ASSERT_EQ(test, vdring_iov_init(&e->iov, 4), 0);
	rt_defer(test, rt_iov_free_action, &e->iov);
	rt_config(e, &cfg);
	KUNIT_ASSERT_EQ(test, vdring_setup(&e->ring, &cfg, &e->map), 0);
	rt_defer(test, rt_release_action, &e->ring);
	return e;
}

static void rt_split_desc(struct rt_env *e, u16 i, const struct rt_seg *s,
			  u16 flags, u16 next)
{
	e->desc[i].addr = rt64(s->addr);
	e->desc[i].len = rt32(s->len);
	e->desc[i].flags = rt16(s->flags | flags);
	e->desc[i].next = rt16(next);
}

/* Makes @head available (the next available ring entry). */
static void rt_split_expose(struct rt_env *e, u16 head)
{
	e->avail->ring[e->avail_idx % e->opts.num] = rt16(head);
	smp_wmb();	/* the entry before the index */
	e->avail_idx++;
	e->avail->idx = rt16(e->avail_idx);
}

static u16 rt_packed_flags(bool wrap)
{
	return wrap ? RT_PAVAIL : RT_PUSED;
}

/* Writes one packed descriptor; the head's flags are written by the caller. */
static void rt_packed_desc(struct rt_env *e, u16 slot, const struct rt_seg *s,
			   u16 id, u16 flags)
{
	e->pdesc[slot].addr = cpu_to_le64(s->addr);
	e->pdesc[slot].len = cpu_to_le32(s->len);
	e->pdesc[slot].id = cpu_to_le16(id);
	e->pdesc[slot].flags = cpu_to_le16(flags);
}

/* Adds a chain of @n descriptors; returns the buffer's id. */
static u16 rt_add(struct rt_env *e, const struct rt_seg *s, unsigned int n)
{
	u16 num = e->opts.num, head = e->free_head, slot, flags;
	u16 head_flags = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		slot = e->free_head;
		flags = i + 1 < n ? VRING_DESC_F_NEXT : 0;
		if (!e->opts.packed) {
			rt_split_desc(e, slot, &s[i], flags, (slot + 1) % num);
		} else {
			flags |= s[i].flags | rt_packed_flags(e->wrap);
			rt_packed_desc(e, slot, &s[i], e->next_id,
				       i ? flags : 0);
			if (!i)
				head_flags = flags;
		}
		if (++e->free_head == num) {
			e->free_head = 0;
			e->wrap = !e->wrap;
		}
	}
	if (!e->opts.packed) {
		rt_split_expose(e, head);
		return head;
	}
	smp_wmb();	/* the chain before its head's flags */
	e->pdesc[head].flags = cpu_to_le16(head_flags);
	return e->next_id++;
}

/* Reads the next used buffer of @ndesc descriptors, if there is one. */
static bool rt_used(struct rt_env *e, u16 ndesc, u16 *id, u32 *len)
{
	struct vring_packed_desc *d;
	u16 flags;

	if (!e->opts.packed) {
		if (rt_u16(e->used->idx) == e->used_seen)
			return false;
		smp_rmb();	/* the index before the entry */
		*id = rt_u32(e->used->ring[e->used_seen % e->opts.num].id);
		*len = rt_u32(e->used->ring[e->used_seen % e->opts.num].len);
		e->used_seen++;
		return true;
	}
	d = &e->pdesc[e->used_seen];
	flags = le16_to_cpu(d->flags);
	if (!!(flags & RT_PAVAIL) != e->used_wrap ||
	    !!(flags & RT_PUSED) != e->used_wrap)
		return false;
	smp_rmb();	/* the flags before the id and length */
	*id = le16_to_cpu(d->id);
	*len = le32_to_cpu(d->len);
	e->used_seen += ndesc;
	if (e->used_seen >= e->opts.num) {
		e->used_seen -= e->opts.num;
		e->used_wrap = !e->used_wrap;
	}
	return true;
}

/* One buffer through the ring: add, pop, push, publish, read back. */
static void rt_cycle(struct rt_env *e, const struct rt_seg *s, unsigned int n,
		     u32 len)
{
	struct kunit *test = e->test;
	struct vdring_elem elem;
	u16 id, uid;
	u32 ulen;

	id = rt_add(e, s, n);
	KUNIT_ASSERT_EQ(test, vdring_pop(&e->ring, &e->iov, &elem), 1);
	KUNIT_EXPECT_EQ(test, elem.id, id);
	KUNIT_EXPECT_EQ(test, elem.ndesc, n);
	KUNIT_ASSERT_EQ(test, vdring_push(&e->ring, &elem, len), 0);
	KUNIT_ASSERT_EQ(test, vdring_publish(&e->ring), 0);
	KUNIT_ASSERT_TRUE(test, rt_used(e, n, &uid, &ulen));
	KUNIT_EXPECT_EQ(test, uid, id);
	KUNIT_EXPECT_EQ(test, ulen, len);
}

/* The packed state as plain numbers (KUnit cannot compare bit-fields). */
struct rt_pstate {
	unsigned int avail;
	unsigned int avail_wrap;
	unsigned int used;
	unsigned int used_wrap;
};

static struct rt_pstate rt_pstate(const struct vdring *r)
{
	struct vdpa_vq_state st;

	vdring_get_state(r, true, &st);
	return (struct rt_pstate){ st.packed.last_avail_idx,
				   st.packed.last_avail_counter,
				   st.packed.last_used_idx,
				   st.packed.last_used_counter };
}

static void rt_opts_desc(const struct rt_opts *o, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s %s%s%s", o->packed ?
		 "packed" : "split", o->iotlb ? "iotlb" : "passthrough",
		 o->indirect ? " indirect" : "", o->event_idx ? " event" : "");
}

static const struct rt_opts rt_layouts[] = {
	{ .packed = false, .iotlb = false },
	{ .packed = false, .iotlb = true },
	{ .packed = true, .iotlb = false },
	{ .packed = true, .iotlb = true },
};

KUNIT_ARRAY_PARAM(rt_layouts, rt_layouts, rt_opts_desc);

/* --- ring_setup ---------------------------------------------------------- */

struct rt_setup_case {
	const char *name;
	u32 num;
	bool packed;
	u64 desc;
	u64 driver;
	u64 device;
	int err;
};

static const struct rt_setup_case rt_setup_cases[] = {
	{ "size 0", 0, false, 0, 4096, 8192, -EINVAL },
	{ "split size 3", 3, false, 0, 4096, 8192, -EINVAL },
	{ "split size 32768", 32768, false, 0, 1 << 20, 2 << 20, 0 },
	{ "size 32769", 32769, true, 0, 1 << 20, 2 << 20, -EINVAL },
	{ "size 65536", 65536, false, 0, 1 << 20, 2 << 20, -EINVAL },
	{ "packed size 3", 3, true, 0, 4096, 8192, 0 },
	{ "split desc align", 8, false, 8, 4096, 8192, -EINVAL },
	{ "split avail align", 8, false, 0, 4097, 8192, -EINVAL },
	{ "split used align", 8, false, 0, 4096, 8194, -EINVAL },
	{ "split avail at 2", 8, false, 0, 4098, 8196, 0 },
	{ "packed desc align", 8, true, 4, 4096, 8192, -EINVAL },
	{ "packed driver align", 8, true, 0, 4098, 8192, -EINVAL },
	{ "packed device align", 8, true, 0, 4096, 8194, -EINVAL },
	{ "desc wraps", 8, false, ~0ULL - 15, 4096, 8192, -EINVAL },
};

static void rt_setup_desc(const struct rt_setup_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(rt_setup, rt_setup_cases, rt_setup_desc);

static void rt_setup_test(struct kunit *test)
{
	const struct rt_setup_case *c = test->param_value;
	struct vdring_map map = { .passthrough = true };
	struct vdring_config cfg = {
		.num = c->num, .packed = c->packed, .desc_addr = c->desc,
		.driver_addr = c->driver, .device_addr = c->device,
		.indirect = true,
	};
	struct vdring *r;

	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	rt_defer(test, rt_release_action, r);
	KUNIT_EXPECT_EQ(test, vdring_setup(r, &cfg, &map), c->err);
	if (c->err) {
		KUNIT_EXPECT_EQ(test, r->cfg.num, 0);
		KUNIT_EXPECT_NULL(test, r->indirect_buf);
		KUNIT_EXPECT_EQ(test, vdring_publish(r), -EIO);
		return;
	}
	KUNIT_EXPECT_EQ(test, r->cfg.num, c->num);
	/* The copy of an indirect table waits for the first table. */
	KUNIT_EXPECT_NULL(test, r->indirect_buf);
	KUNIT_EXPECT_TRUE(test, r->avail_wrap && r->used_wrap);
	KUNIT_EXPECT_FALSE(test, vdring_is_broken(r));
	vdring_release(r);
	KUNIT_EXPECT_EQ(test, r->cfg.num, 0);
	KUNIT_EXPECT_NULL(test, r->indirect_buf);
	KUNIT_EXPECT_NULL(test, r->map);
}

/* Release is safe on a never set up ring and twice; iov init limits. */
static void rt_release_test(struct kunit *test)
{
	struct vdring r = {};
	struct vdring_iov iov;
	struct vdring_elem elem;

	vdring_release(&r);
	vdring_release(&r);
	KUNIT_EXPECT_EQ(test, r.cfg.num, 0);
	KUNIT_EXPECT_EQ(test, vdring_iov_init(&iov, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, vdring_iov_init(&iov, VDRING_IOV_MAX + 1),
			-EINVAL);
	KUNIT_ASSERT_EQ(test, vdring_iov_init(&iov, 1), 0);
	KUNIT_EXPECT_EQ(test, iov.max, 1);
	KUNIT_EXPECT_EQ(test, vdring_pop(&r, &iov, &elem), -EIO);
	vdring_iov_free(&iov);
	KUNIT_EXPECT_NULL(test, iov.vec);
	vdring_iov_free(&iov);
}

/* --- ring_roundtrip ------------------------------------------------------- */

static void rt_roundtrip_test(struct kunit *test)
{
	struct rt_env *e = rt_env_new(test, test->param_value);
	struct vdring_elem elem;
	struct iov_iter it;
	char buf[16] = {};
	u16 id, uid;
	u32 ulen;
	struct rt_seg s[] = {
		{ rt_daddr(e, 0), 6, 0 },
		{ rt_daddr(e, 100), 5, 0 },
		{ rt_daddr(e, 512), 64, VRING_DESC_F_WRITE },
	};

	memcpy(rt_data(e, 0), "hello ", 6);
	memcpy(rt_data(e, 100), "world", 5);
	KUNIT_EXPECT_EQ(test, vdring_pop(&e->ring, &e->iov, &elem), 0);
	id = rt_add(e, s, ARRAY_SIZE(s));
	KUNIT_ASSERT_EQ(test, vdring_pop(&e->ring, &e->iov, &elem), 1);
	KUNIT_EXPECT_EQ(test, elem.id, id);
	KUNIT_EXPECT_EQ(test, elem.ndesc, 3);
	KUNIT_EXPECT_EQ(test, e->iov.out_num, 2);
	KUNIT_EXPECT_EQ(test, e->iov.in_num, 1);
	KUNIT_EXPECT_EQ(test, e->iov.out_len, 11);
	KUNIT_EXPECT_EQ(test, e->iov.in_len, 64);

	vdring_iov_iter_out(&e->iov, &it);
	KUNIT_EXPECT_EQ(test, copy_from_iter(buf, sizeof(buf), &it), 11);
	KUNIT_EXPECT_STREQ(test, buf, "hello world");
	vdring_iov_iter_in(&e->iov, &it);
	KUNIT_EXPECT_EQ(test, iov_iter_count(&it), 64);
	KUNIT_EXPECT_EQ(test, copy_to_iter("reply", 5, &it), 5);
	KUNIT_EXPECT_EQ(test, memcmp(rt_data(e, 512), "reply", 5), 0);

	KUNIT_ASSERT_EQ(test, vdring_push(&e->ring, &elem, 5), 0);
	/* Both layouts: nothing is visible before the batch is published. */
	KUNIT_EXPECT_FALSE(test, rt_used(e, 3, &uid, &ulen));
	KUNIT_ASSERT_EQ(test, vdring_publish(&e->ring), 0);
	KUNIT_ASSERT_TRUE(test, rt_used(e, 3, &uid, &ulen));
	KUNIT_EXPECT_EQ(test, uid, id);
	KUNIT_EXPECT_EQ(test, ulen, 5);
	KUNIT_EXPECT_EQ(test, vdring_pop(&e->ring, &e->iov, &elem), 0);
	KUNIT_EXPECT_EQ(test, e->iov.out_num + e->iov.in_num, 0);
	KUNIT_EXPECT_FALSE(test, vdring_is_broken(&e->ring));
}

/* --- ring_wrap ----------------------------------------------------------- */

/* Free-running split indices across 65535 -> 0. */
static void rt_wrap_split_test(struct kunit *test)
{
	const struct rt_opts o = { .num = 4 };
	struct rt_env *e = rt_env_new(test, &o);
	struct vdpa_vq_state st = { .split.avail_index = 65533 };
	unsigned int i;

	KUNIT_ASSERT_EQ(test, vdring_set_state(&e->ring, false, &st), 0);
	e->avail_idx = 65533;
	e->avail->idx = rt16(65533);
	e->used_seen = 65533;
	for (i = 0; i < 10; i++) {
		struct rt_seg s = { rt_daddr(e, i * 16), 16, 0 };

		rt_cycle(e, &s, 1, i);
		KUNIT_EXPECT_EQ(test, rt_u16(e->used->idx), (u16)(65534 + i));
	}
	vdring_get_state(&e->ring, false, &st);
	KUNIT_EXPECT_EQ(test, st.split.avail_index, 7);
	KUNIT_EXPECT_FALSE(test, vdring_is_broken(&e->ring));
}

/* More buffers than slots through a packed ring of 4, chains of 1 and 2. */
static void rt_wrap_packed_test(struct kunit *test)
{
	const struct rt_opts o = { .num = 4, .packed = true };
	struct rt_env *e = rt_env_new(test, &o);
	struct rt_pstate ps;
	unsigned int i, slots = 0;

	for (i = 0; i < 11; i++) {
		struct rt_seg s[2] = {
			{ rt_daddr(e, 0), 8, 0 },
			{ rt_daddr(e, 64), 8, VRING_DESC_F_WRITE },
		};
		unsigned int n = 1 + i % 2;

		rt_cycle(e, s, n, 8 * n);
		slots += n;
		ps = rt_pstate(&e->ring);
		KUNIT_EXPECT_EQ(test, ps.avail, slots % 4);
		KUNIT_EXPECT_EQ(test, ps.avail_wrap, !((slots / 4) % 2));
		KUNIT_EXPECT_EQ(test, ps.used, slots % 4);
		KUNIT_EXPECT_EQ(test, ps.used_wrap, !((slots / 4) % 2));
	}
	KUNIT_EXPECT_EQ(test, slots, 16);
	KUNIT_EXPECT_FALSE(test, vdring_is_broken(&e->ring));
}

/* --- ring_indirect --------------------------------------------------------- */

static const struct rt_opts rt_indirect_opts[] = {
	{ .packed = false, .iotlb = false, .indirect = true },
	{ .packed = false, .iotlb = true, .indirect = true },
	{ .packed = true, .iotlb = false, .indirect = true },
	{ .packed = true, .iotlb = true, .indirect = true },
};

KUNIT_ARRAY_PARAM(rt_indirect, rt_indirect_opts, rt_opts_desc);

/* Writes an indirect table at @addr: two readable entries, one writable. */
static void rt_write_table(struct rt_env *e, u64 addr)
{
	static const u16 flags[] = { 0, 0, VRING_DESC_F_WRITE };
	static const u32 lens[] = { 4, 4, 16 };
	static const u32 offs[] = { 0, 200, 1024 };
	unsigned int i;

	for (i = 0; i < 3; i++) {
		u8 *p = rt_va(e, addr + i * 16);

		if (e->opts.packed) {
			struct vring_packed_desc *d = (void *)p;

			d->addr = cpu_to_le64(rt_daddr(e, offs[i]));
			d->len = cpu_to_le32(lens[i]);
			d->flags = cpu_to_le16(flags[i]);
		} else {
			struct vring_desc *d = (void *)p;

			d->addr = rt64(rt_daddr(e, offs[i]));
			d->len = rt32(lens[i]);
			d->flags = rt16(flags[i] | (i < 2 ? VRING_DESC_F_NEXT :
						    0));
			d->next = rt16(i + 1);
		}
	}
}

static void rt_check_indirect(struct rt_env *e, u16 id)
{
	struct kunit *test = e->test;
	struct vdring_elem elem;
	struct iov_iter it;
	char buf[12] = {};

	memcpy(rt_data(e, 0), "abcd", 4);
	memcpy(rt_data(e, 200), "efgh", 4);
	KUNIT_ASSERT_EQ(test, vdring_pop(&e->ring, &e->iov, &elem), 1);
	KUNIT_EXPECT_EQ(test, elem.id, id);
	KUNIT_EXPECT_EQ(test, e->iov.out_num, 2);
	KUNIT_EXPECT_EQ(test, e->iov.in_num, 1);
	KUNIT_EXPECT_EQ(test, e->iov.out_len, 8);
	KUNIT_EXPECT_EQ(test, e->iov.in_len, 16);
	vdring_iov_iter_out(&e->iov, &it);
	KUNIT_EXPECT_EQ(test, copy_from_iter(buf, sizeof(buf), &it), 8);
	KUNIT_EXPECT_STREQ(test, buf, "abcdefgh");
	vdring_iov_iter_in(&e->iov, &it);
	KUNIT_EXPECT_EQ(test, copy_to_iter("ok", 2, &it), 2);
	KUNIT_EXPECT_EQ(test, memcmp(rt_data(e, 1024), "ok", 2), 0);
	KUNIT_EXPECT_EQ(test, vdring_push(&e->ring, &elem, 2), 0);
}

static void rt_indirect_test(struct kunit *test)
{
	struct rt_env *e = rt_env_new(test, test->param_value);
	u64 table = rt_addr(e, e->mem + RT_TABLE_OFF);
	struct rt_seg s = { table, 48, VRING_DESC_F_INDIRECT };
	u16 id;

	rt_write_table(e, table);
	id = rt_add(e, &s, 1);
	rt_check_indirect(e, id);
	if (!e->opts.iotlb)
		return;

	/* A table crossing two IOTLB entries of distant physical pages. */
	s.addr = RT_SPLIT_IOVA + PAGE_SIZE - 32;
	rt_write_table(e, s.addr);
	id = rt_add(e, &s, 1);
	rt_check_indirect(e, id);
	KUNIT_EXPECT_FALSE(test, vdring_is_broken(&e->ring));
}

/* Split: direct descriptors followed by an indirect one (allowed). */
static void rt_indirect_tail_test(struct kunit *test)
{
	const struct rt_opts o = { .indirect = true };
	struct rt_env *e = rt_env_new(test, &o);
	u64 table = rt_addr(e, e->mem + RT_TABLE_OFF);
	struct rt_seg s[] = {
		{ rt_daddr(e, 300), 4, 0 },
		{ table, 48, VRING_DESC_F_INDIRECT },
	};
	struct vdring_elem elem;

	rt_write_table(e, table);
	rt_add(e, s, 2);
	KUNIT_ASSERT_EQ(test, vdring_pop(&e->ring, &e->iov, &elem), 1);
	KUNIT_EXPECT_EQ(test, elem.ndesc, 2);
	KUNIT_EXPECT_EQ(test, e->iov.out_num, 3);
	KUNIT_EXPECT_EQ(test, e->iov.out_len, 12);
	KUNIT_EXPECT_EQ(test, e->iov.in_len, 16);
}

/* --- ring_notify ------------------------------------------------------------ */

static void rt_push_one(struct rt_env *e)
{
	struct rt_seg s = { rt_daddr(e, 0), 4, 0 };

	rt_cycle(e, &s, 1, 0);
}

static __virtio16 *rt_avail_event(struct rt_env *e)
{
	return (__virtio16 *)&e->used->ring[e->opts.num];
}

static void rt_event_idx_test(struct kunit *test)
{
	const struct rt_opts o = { .event_idx = true };
	struct rt_env *e = rt_env_new(test, &o);
	struct rt_seg s = { rt_daddr(e, 0), 4, 0 };
	struct vdring *r = &e->ring;

	/* used_event is the used index after which to notify. */
	e->avail->ring[e->opts.num] = rt16(5);
	rt_push_one(e);						/* used 1 */
	KUNIT_EXPECT_TRUE(test, vdring_need_notify(r));	/* first time */
	KUNIT_EXPECT_FALSE(test, vdring_need_notify(r));	/* nothing new */
	rt_push_one(e);						/* used 2 */
	KUNIT_EXPECT_FALSE(test, vdring_need_notify(r));
	e->avail->ring[e->opts.num] = rt16(2);
	rt_push_one(e);						/* used 3 */
	KUNIT_EXPECT_TRUE(test, vdring_need_notify(r));
	e->avail->ring[e->opts.num] = rt16(5);
	rt_push_one(e);						/* used 4 */
	KUNIT_EXPECT_FALSE(test, vdring_need_notify(r));
	rt_push_one(e);						/* used 5 */
	KUNIT_EXPECT_FALSE(test, vdring_need_notify(r));
	rt_push_one(e);						/* used 6 */
	KUNIT_EXPECT_TRUE(test, vdring_need_notify(r));
	e->avail->ring[e->opts.num] = rt16(7);
	rt_push_one(e);						/* used 7 */
	rt_push_one(e);						/* used 8 */
	KUNIT_EXPECT_TRUE(test, vdring_need_notify(r));		/* batch */
	rt_push_one(e);						/* used 9 */
	KUNIT_EXPECT_FALSE(test, vdring_need_notify(r));

	/* Disable writes nothing; enable writes the available event. */
	KUNIT_EXPECT_EQ(test, vdring_notify_disable(r), 0);
	KUNIT_EXPECT_EQ(test, rt_u16(e->used->flags), 0);
	KUNIT_EXPECT_EQ(test, vdring_notify_enable(r), 0);
	KUNIT_EXPECT_EQ(test, rt_u16(*rt_avail_event(e)), 9);
	rt_add(e, &s, 1);			/* a buffer races in */
	KUNIT_EXPECT_EQ(test, vdring_notify_enable(r), 1);
}

static void rt_no_interrupt_test(struct kunit *test)
{
	const struct rt_opts o = {};
	struct rt_env *e = rt_env_new(test, &o);
	struct rt_seg s = { rt_daddr(e, 0), 4, 0 };
	struct vdring *r = &e->ring;

	e->avail->flags = rt16(VRING_AVAIL_F_NO_INTERRUPT);
	rt_push_one(e);
	KUNIT_EXPECT_FALSE(test, vdring_need_notify(r));
	e->avail->flags = rt16(0);
	rt_push_one(e);
	KUNIT_EXPECT_TRUE(test, vdring_need_notify(r));
	KUNIT_EXPECT_FALSE(test, vdring_need_notify(r));

	KUNIT_EXPECT_EQ(test, vdring_notify_disable(r), 0);
	KUNIT_EXPECT_EQ(test, rt_u16(e->used->flags), VRING_USED_F_NO_NOTIFY);
	KUNIT_EXPECT_EQ(test, vdring_notify_enable(r), 0);
	KUNIT_EXPECT_EQ(test, rt_u16(e->used->flags), 0);
	rt_add(e, &s, 1);
	KUNIT_EXPECT_EQ(test, vdring_notify_enable(r), 1);
}

static void rt_drv_event(struct rt_env *e, u16 flags, u16 slot, bool wrap)
{
	e->drv_ev->off_wrap = cpu_to_le16(slot | (wrap ? RT_WRAP : 0));
	e->drv_ev->flags = cpu_to_le16(flags);
}

static void rt_packed_event_test(struct kunit *test)
{
	const struct rt_opts o = { .num = 4, .packed = true,
				   .event_idx = true };
	struct rt_env *e = rt_env_new(test, &o);
	struct rt_seg s = { rt_daddr(e, 0), 4, 0 };
	struct vdring *r = &e->ring;
	unsigned int i;

	KUNIT_EXPECT_FALSE(test, vdring_need_notify(r));
	rt_drv_event(e, VRING_PACKED_EVENT_FLAG_ENABLE, 0, 0);
	rt_push_one(e);					/* slot 0 */
	KUNIT_EXPECT_TRUE(test, vdring_need_notify(r));
	KUNIT_EXPECT_FALSE(test, vdring_need_notify(r));
	rt_drv_event(e, VRING_PACKED_EVENT_FLAG_DISABLE, 0, 0);
	rt_push_one(e);					/* slot 1 */
	KUNIT_EXPECT_FALSE(test, vdring_need_notify(r));

	/* DESC: notify when the used slot 1 of the second pass is written. */
	rt_drv_event(e, VRING_PACKED_EVENT_FLAG_DESC, 1, false);
	for (i = 2; i < 4 + 1; i++) {			/* slots 2, 3, 0 */
		rt_push_one(e);
		KUNIT_EXPECT_FALSE(test, vdring_need_notify(r));
	}
	rt_push_one(e);					/* slot 1, wrap 0 */
	KUNIT_EXPECT_TRUE(test, vdring_need_notify(r));

	/* A batch whose range covers the event offset. */
	rt_drv_event(e, VRING_PACKED_EVENT_FLAG_DESC, 3, false);
	rt_push_one(e);					/* slot 2 */
	rt_push_one(e);					/* slot 3 */
	rt_push_one(e);					/* slot 0, wrap 1 */
	KUNIT_EXPECT_TRUE(test, vdring_need_notify(r));

	/* Device event structure. */
	KUNIT_EXPECT_EQ(test, vdring_notify_disable(r), 0);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(e->dev_ev->flags),
			VRING_PACKED_EVENT_FLAG_DISABLE);
	KUNIT_EXPECT_EQ(test, vdring_notify_enable(r), 0);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(e->dev_ev->flags),
			VRING_PACKED_EVENT_FLAG_DESC);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(e->dev_ev->off_wrap), 1 | RT_WRAP);
	rt_add(e, &s, 1);
	KUNIT_EXPECT_EQ(test, vdring_notify_enable(r), 1);
}

static void rt_packed_enable_test(struct kunit *test)
{
	const struct rt_opts o = { .packed = true };
	struct rt_env *e = rt_env_new(test, &o);

	KUNIT_EXPECT_EQ(test, vdring_notify_disable(&e->ring), 0);
	KUNIT_EXPECT_EQ(test, vdring_notify_enable(&e->ring), 0);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(e->dev_ev->flags),
			VRING_PACKED_EVENT_FLAG_ENABLE);
	/* Without event index, DESC from the driver means "notify". */
	rt_drv_event(e, VRING_PACKED_EVENT_FLAG_DESC, 5, false);
	rt_push_one(e);
	KUNIT_EXPECT_TRUE(test, vdring_need_notify(&e->ring));
}

/* --- ring_unpop, ring_state, ring_area ---------------------------------------- */

static void rt_unpop_test(struct kunit *test)
{
	const struct rt_opts *o = test->param_value;
	struct rt_opts small = *o;
	struct rt_env *e;
	struct vdring_elem a, b, a2, b2;
	struct vdpa_vq_state st = {};
	struct rt_seg s[2];
	unsigned int i;

	small.num = 4;
	e = rt_env_new(test, &small);
	if (o->packed) {
		/*
		 * Start at the last slot, as if a first pass had been used:
		 * the first chain crosses the wrap.
		 */
		for (i = 0; i < 4; i++)
			e->pdesc[i].flags = cpu_to_le16(RT_PAVAIL | RT_PUSED);
		st.packed.last_avail_idx = 3;
		st.packed.last_avail_counter = 1;
		st.packed.last_used_idx = 3;
		st.packed.last_used_counter = 1;
		KUNIT_ASSERT_EQ(test, vdring_set_state(&e->ring, true, &st), 0);
		e->free_head = 3;
	}
	s[0] = (struct rt_seg){ rt_daddr(e, 0), 8, 0 };
	s[1] = (struct rt_seg){ rt_daddr(e, 100), 8, VRING_DESC_F_WRITE };
	rt_add(e, s, 2);
	rt_add(e, s, 1);
	KUNIT_ASSERT_EQ(test, vdring_pop(&e->ring, &e->iov, &a), 1);
	KUNIT_ASSERT_EQ(test, vdring_pop(&e->ring, &e->iov, &b), 1);
	KUNIT_EXPECT_EQ(test, vdring_pop(&e->ring, &e->iov, &b2), 0);
	vdring_unpop(&e->ring, &b);
	vdring_unpop(&e->ring, &a);
	if (o->packed) {
		KUNIT_EXPECT_EQ(test, rt_pstate(&e->ring).avail, 3);
		KUNIT_EXPECT_EQ(test, rt_pstate(&e->ring).avail_wrap, 1);
	} else {
		vdring_get_state(&e->ring, false, &st);
		KUNIT_EXPECT_EQ(test, st.split.avail_index, 0);
	}
	KUNIT_ASSERT_EQ(test, vdring_pop(&e->ring, &e->iov, &a2), 1);
	KUNIT_EXPECT_EQ(test, a2.id, a.id);
	KUNIT_EXPECT_EQ(test, a2.ndesc, 2);
	KUNIT_EXPECT_EQ(test, e->iov.in_len, 8);
	KUNIT_ASSERT_EQ(test, vdring_pop(&e->ring, &e->iov, &b2), 1);
	KUNIT_EXPECT_EQ(test, b2.id, b.id);
	KUNIT_EXPECT_EQ(test, b2.ndesc, 1);
}

static void rt_state_test(struct kunit *test)
{
	const struct rt_opts o = { .num = 8, .packed = true };
	struct rt_env *e = rt_env_new(test, &o);
	struct vdpa_vq_state st = {}, got;
	struct vdring r0 = {};
	struct rt_pstate ps;

	st.packed.last_avail_idx = 5;
	st.packed.last_avail_counter = 0;
	st.packed.last_used_idx = 2;
	st.packed.last_used_counter = 1;
	KUNIT_EXPECT_EQ(test, vdring_set_state(&e->ring, true, &st), 0);
	ps = rt_pstate(&e->ring);
	KUNIT_EXPECT_EQ(test, ps.avail, 5);
	KUNIT_EXPECT_EQ(test, ps.avail_wrap, 0);
	KUNIT_EXPECT_EQ(test, ps.used, 2);
	KUNIT_EXPECT_EQ(test, ps.used_wrap, 1);

	st.packed.last_avail_idx = 8;
	KUNIT_EXPECT_EQ(test, vdring_set_state(&e->ring, true, &st), -EINVAL);
	st.packed.last_avail_idx = 0;
	st.packed.last_used_idx = 9;
	KUNIT_EXPECT_EQ(test, vdring_set_state(&e->ring, true, &st), -EINVAL);
	KUNIT_EXPECT_EQ(test, rt_pstate(&e->ring).avail, 5);

	/* Reset goes back to the initial state. */
	vdring_reset(&e->ring);
	ps = rt_pstate(&e->ring);
	KUNIT_EXPECT_EQ(test, ps.avail, 0);
	KUNIT_EXPECT_EQ(test, ps.avail_wrap, 1);
	KUNIT_EXPECT_EQ(test, ps.used, 0);
	KUNIT_EXPECT_EQ(test, ps.used_wrap, 1);

	/* Split: one index; not checked against the size (free-running). */
	st.split.avail_index = 1000;
	KUNIT_EXPECT_EQ(test, vdring_set_state(&r0, false, &st), 0);
	vdring_get_state(&r0, false, &got);
	KUNIT_EXPECT_EQ(test, got.split.avail_index, 1000);
	KUNIT_EXPECT_EQ(test, r0.last_used_idx, 1000);
	KUNIT_EXPECT_EQ(test, r0.shadow_used_idx, 1000);
}

/*
 * A packed ring of 512 (two pages of descriptors) whose pages are not
 * physically adjacent: the library vmap()s them. Then the second page is
 * remapped and the generation bumped: the next pop sees the new page.
 */
static void rt_pdesc_set(struct vring_packed_desc *d, u64 addr, u32 len,
			 u16 id, u16 flags)
{
	d->addr = cpu_to_le64(addr);
	d->len = cpu_to_le32(len);
	d->id = cpu_to_le16(id);
	d->flags = cpu_to_le16(flags);
}

/* The packed ring of rt_area_test(), positioned at slot 255. */
static struct rt_env *rt_area_env(struct kunit *test)
{
	const struct rt_opts o = { .num = 512, .packed = true, .iotlb = true };
	struct rt_env *e = rt_env_new(test, &o);
	struct vdpa_vq_state st = {};
	struct vdring_config cfg;

	rt_config(e, &cfg);
	cfg.desc_addr = RT_SPLIT_IOVA;
	KUNIT_ASSERT_EQ(test, vdring_setup(&e->ring, &cfg, &e->map), 0);
	st.packed.last_avail_idx = 255;
	st.packed.last_avail_counter = 1;
	st.packed.last_used_idx = 255;
	st.packed.last_used_counter = 1;
	KUNIT_ASSERT_EQ(test, vdring_set_state(&e->ring, true, &st), 0);
	return e;
}

static void rt_area_test(struct kunit *test)
{
	struct rt_env *e = rt_area_env(test);
	struct vring_packed_desc *p0, *p1;
	struct vdring_elem elem;

	p0 = (void *)rt_va(e, RT_SPLIT_IOVA);
	p1 = (void *)rt_va(e, RT_SPLIT_IOVA + PAGE_SIZE);
	rt_pdesc_set(&p1[0], rt_daddr(e, 64), 32, 77,
		     RT_PAVAIL | VRING_DESC_F_WRITE);
	rt_pdesc_set(&p0[255], rt_daddr(e, 0), 16, 0,
		     RT_PAVAIL | VRING_DESC_F_NEXT);
	KUNIT_ASSERT_EQ(test, vdring_pop(&e->ring, &e->iov, &elem), 1);
	KUNIT_EXPECT_NOT_NULL(test, e->ring.vmapped[0]);
	KUNIT_EXPECT_EQ(test, elem.id, 77);
	KUNIT_EXPECT_EQ(test, elem.ndesc, 2);
	KUNIT_EXPECT_EQ(test, e->iov.out_len, 16);
	KUNIT_EXPECT_EQ(test, e->iov.in_len, 32);
	KUNIT_ASSERT_EQ(test, vdring_push(&e->ring, &elem, 32), 0);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(p0[255].flags),
			RT_PAVAIL | VRING_DESC_F_NEXT);
	KUNIT_ASSERT_EQ(test, vdring_publish(&e->ring), 0);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(p0[255].id), 77);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(p0[255].len), 32);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(p0[255].flags),
			RT_PAVAIL | RT_PUSED);

	/* Remap the second page to test page 14: resolved again. */
	vhost_iotlb_del_range(&e->iotlb, RT_SPLIT_IOVA + PAGE_SIZE,
			      RT_SPLIT_IOVA + 2 * PAGE_SIZE - 1);
	rt_map(e, RT_SPLIT_IOVA + PAGE_SIZE, PAGE_SIZE,
	       e->mem + 14 * PAGE_SIZE, VHOST_MAP_RW);
	e->map.gen++;
	p1 = (void *)(e->mem + 14 * PAGE_SIZE);
	rt_pdesc_set(&p1[1], rt_daddr(e, 0), 24, 78, RT_PAVAIL);
	KUNIT_ASSERT_EQ(test, vdring_pop(&e->ring, &e->iov, &elem), 1);
	KUNIT_EXPECT_EQ(test, elem.id, 78);
	KUNIT_EXPECT_EQ(test, e->iov.out_len, 24);
	KUNIT_ASSERT_EQ(test, vdring_push(&e->ring, &elem, 0), 0);
	KUNIT_ASSERT_EQ(test, vdring_publish(&e->ring), 0);
	/* Slot 257 is written back on the new page. */
	KUNIT_EXPECT_EQ(test, le16_to_cpu(p1[1].id), 78);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(p1[1].flags), RT_PAVAIL | RT_PUSED);

	/* vdring_set_map() forces a new resolution. */
	KUNIT_EXPECT_EQ(test, vdring_set_map(&e->ring, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, vdring_set_map(&e->ring, &e->map), 0);
	KUNIT_EXPECT_NULL(test, e->ring.area[0]);
	KUNIT_EXPECT_EQ(test, vdring_pop(&e->ring, &e->iov, &elem), 0);
	KUNIT_EXPECT_NOT_NULL(test, e->ring.area[0]);
	KUNIT_EXPECT_FALSE(test, vdring_is_broken(&e->ring));
}

/* --- ring_malformed ------------------------------------------------------------ */

/**
 * struct rt_bad - a malformed ring
 * @name: what is wrong
 * @opts: the ring
 * @build: writes the malformed buffer (or breaks the mapping)
 * @err: what vdring_pop() must return
 */
struct rt_bad {
	const char *name;
	struct rt_opts opts;
	void (*build)(struct rt_env *e);
	int err;
};

static void rt_bad_loop(struct rt_env *e)
{
	struct rt_seg s = { rt_daddr(e, 0), 4, 0 };

	rt_split_desc(e, 0, &s, VRING_DESC_F_NEXT, 1);
	rt_split_desc(e, 1, &s, VRING_DESC_F_NEXT, 0);
	rt_split_expose(e, 0);
}

static void rt_bad_next(struct rt_env *e)
{
	struct rt_seg s = { rt_daddr(e, 0), 4, 0 };

	rt_split_desc(e, 0, &s, VRING_DESC_F_NEXT, e->opts.num);
	rt_split_expose(e, 0);
}

static void rt_bad_head(struct rt_env *e)
{
	rt_split_expose(e, e->opts.num);
}

static void rt_bad_avail_jump(struct rt_env *e)
{
	struct rt_seg s = { rt_daddr(e, 0), 4, 0 };

	rt_add(e, &s, 1);
	e->avail->idx = rt16(e->opts.num + 1);
}

static void rt_add_one(struct rt_env *e, u64 addr, u32 len, u16 flags)
{
	struct rt_seg s = { addr, len, flags };

	rt_add(e, &s, 1);
}

static void rt_bad_total_len(struct rt_env *e)
{
	struct rt_seg s[] = {
		{ rt_daddr(e, 0), 16, 0 },
		{ rt_daddr(e, 64), 0xfffffff8U, VRING_DESC_F_WRITE },
	};

	rt_add(e, s, 2);
}

static void rt_bad_addr_wrap(struct rt_env *e)
{
	rt_add_one(e, ~0ULL - 0xff, 0x200, 0);
}

static void rt_bad_unmapped(struct rt_env *e)
{
	rt_add_one(e, e->opts.iotlb ? RT_UNMAPPED : 1ULL << 52, 16, 0);
}

static void rt_bad_write_ro(struct rt_env *e)
{
	rt_add_one(e, RT_RO_IOVA, 16, VRING_DESC_F_WRITE);
}

static void rt_bad_read_wo(struct rt_env *e)
{
	rt_add_one(e, RT_WO_IOVA, 16, 0);
}

static void rt_bad_read_after_write(struct rt_env *e)
{
	struct rt_seg s[] = {
		{ rt_daddr(e, 0), 16, VRING_DESC_F_WRITE },
		{ rt_daddr(e, 64), 16, 0 },
	};

	rt_add(e, s, 2);
}

/* Writes a 2-entry indirect table; entry 0 gets @flags0 and @next0. */
static u64 rt_table2(struct rt_env *e, u16 flags0, u16 next0)
{
	u8 *t = e->mem + RT_TABLE_OFF;
	struct rt_seg s = { rt_daddr(e, 0), 4, 0 };

	if (e->opts.packed) {
		struct vring_packed_desc *d = (void *)t;

		d[0].addr = cpu_to_le64(s.addr);
		d[0].len = cpu_to_le32(4);
		d[0].flags = cpu_to_le16(flags0);
		d[1] = d[0];
		d[1].flags = 0;
	} else {
		struct vring_desc *d = (void *)t;

		d[0].addr = rt64(s.addr);
		d[0].len = rt32(4);
		d[0].flags = rt16(flags0);
		d[0].next = rt16(next0);
		d[1] = d[0];
		d[1].flags = rt16(0);
	}
	return rt_addr(e, t);
}

static void rt_bad_nested(struct rt_env *e)
{
	rt_add_one(e, rt_table2(e, VRING_DESC_F_INDIRECT, 0), 32,
		   VRING_DESC_F_INDIRECT);
}

static void rt_bad_indirect_next(struct rt_env *e)
{
	struct rt_seg s[] = {
		{ rt_table2(e, 0, 0), 32, VRING_DESC_F_INDIRECT },
		{ rt_daddr(e, 0), 4, 0 },
	};

	rt_add(e, s, 2);
}

static void rt_bad_indirect_in_chain(struct rt_env *e)
{
	struct rt_seg s[] = {
		{ rt_daddr(e, 0), 4, 0 },
		{ rt_table2(e, 0, 0), 32, VRING_DESC_F_INDIRECT },
	};

	rt_add(e, s, 2);
}

static void rt_bad_indirect_plain(struct rt_env *e)
{
	rt_add_one(e, rt_table2(e, 0, 0), 32, VRING_DESC_F_INDIRECT);
}

static void rt_bad_indirect_len(struct rt_env *e)
{
	rt_add_one(e, rt_table2(e, 0, 0), 24, VRING_DESC_F_INDIRECT);
}

static void rt_bad_indirect_zero(struct rt_env *e)
{
	rt_add_one(e, rt_table2(e, 0, 0), 0, VRING_DESC_F_INDIRECT);
}

static void rt_bad_indirect_long(struct rt_env *e)
{
	rt_add_one(e, rt_table2(e, 0, 0), 16 * (e->opts.num + 1),
		   VRING_DESC_F_INDIRECT);
}

static void rt_bad_indirect_loop(struct rt_env *e)
{
	u64 t = rt_table2(e, VRING_DESC_F_NEXT, 1);
	struct vring_desc *d = (void *)(e->mem + RT_TABLE_OFF);

	d[1].flags = rt16(VRING_DESC_F_NEXT);
	d[1].next = rt16(0);
	rt_add_one(e, t, 32, VRING_DESC_F_INDIRECT);
}

static void rt_bad_indirect_range(struct rt_env *e)
{
	rt_add_one(e, rt_table2(e, VRING_DESC_F_NEXT, 2), 32,
		   VRING_DESC_F_INDIRECT);
}

static void rt_bad_indirect_unmapped(struct rt_env *e)
{
	rt_add_one(e, RT_UNMAPPED, 32, VRING_DESC_F_INDIRECT);
}

/* One 4097-byte buffer over 4097 one-byte IOTLB entries, none adjacent. */
static void rt_bad_segments(struct rt_env *e)
{
	u8 *buf = kunit_kzalloc(e->test, 2 * (VDRING_IOV_MAX + 1), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(e->test, buf);
	for (i = 0; i <= VDRING_IOV_MAX; i++)
		rt_map(e, RT_UNMAPPED + i, 1, buf + 2 * i, VHOST_MAP_RW);
	rt_add_one(e, RT_UNMAPPED, VDRING_IOV_MAX + 1, 0);
}

static void rt_bad_packed_long(struct rt_env *e)
{
	struct rt_seg s[8];
	unsigned int i;

	for (i = 0; i < e->opts.num; i++)
		s[i] = (struct rt_seg){ rt_daddr(e, 0), 4, 0 };
	rt_add(e, s, e->opts.num);
	/* The last one links on, to the head again. */
	e->pdesc[e->opts.num - 1].flags |= cpu_to_le16(VRING_DESC_F_NEXT);
}

static void rt_bad_desc_area(struct rt_env *e)
{
	rt_unmap_page(e, 0);
	rt_add_one(e, rt_daddr(e, 0), 4, 0);
}

static void rt_bad_desc_perm(struct rt_env *e)
{
	rt_unmap_page(e, 0);
	rt_map_page(e, 0, VHOST_MAP_WO);
	rt_add_one(e, rt_daddr(e, 0), 4, 0);
}

static void rt_bad_used_perm(struct rt_env *e)
{
	rt_unmap_page(e, 2);
	rt_map_page(e, 2, VHOST_MAP_WO);
	rt_add_one(e, rt_daddr(e, 0), 4, 0);
}

static void rt_bad_area_misaligned(struct rt_env *e)
{
	rt_unmap_page(e, 0);
	rt_map(e, RT_IOVA, PAGE_SIZE, e->mem + 15 * PAGE_SIZE + 8,
	       VHOST_MAP_RW);
	rt_add_one(e, rt_daddr(e, 0), 4, 0);
}

/* Descriptor table in two entries that meet inside a page. */
static void rt_bad_area_split(struct rt_env *e)
{
	rt_unmap_page(e, 0);
	rt_map(e, RT_IOVA, 64, e->mem, VHOST_MAP_RW);
	rt_map(e, RT_IOVA + 64, PAGE_SIZE - 64, e->mem + 15 * PAGE_SIZE + 64,
	       VHOST_MAP_RW);
	rt_add_one(e, rt_daddr(e, 0), 4, 0);
}

#define RT_SPLIT	{ .iotlb = false }
#define RT_SPLIT_TLB	{ .iotlb = true }
#define RT_SPLIT_IND	{ .iotlb = false, .indirect = true }
#define RT_PACKED	{ .packed = true }
#define RT_PACKED_TLB	{ .packed = true, .iotlb = true }
#define RT_PACKED_IND	{ .packed = true, .indirect = true }

static const struct rt_bad rt_bad_cases[] = {
	{ "loop in next chain", RT_SPLIT, rt_bad_loop, -ELOOP },
	{ "next out of range", RT_SPLIT, rt_bad_next, -ERANGE },
	{ "head out of range", RT_SPLIT, rt_bad_head, -ERANGE },
	{ "avail idx jump", RT_SPLIT, rt_bad_avail_jump, -ERANGE },
	{ "total length overflow", RT_SPLIT, rt_bad_total_len, -EOVERFLOW },
	{ "address wraps", RT_SPLIT, rt_bad_addr_wrap, -EOVERFLOW },
	{ "unmapped address", RT_SPLIT_TLB, rt_bad_unmapped, -EFAULT },
	{ "not RAM (passthrough)", RT_SPLIT, rt_bad_unmapped, -EFAULT },
	{ "write to read-only", RT_SPLIT_TLB, rt_bad_write_ro, -EPERM },
	{ "read from write-only", RT_SPLIT_TLB, rt_bad_read_wo, -EPERM },
	{ "readable after writable", RT_SPLIT, rt_bad_read_after_write,
	  -EINVAL },
	{ "nested indirect", RT_SPLIT_IND, rt_bad_nested, -EINVAL },
	{ "indirect with next", RT_SPLIT_IND, rt_bad_indirect_next, -EINVAL },
	{ "indirect len 24", RT_SPLIT_IND, rt_bad_indirect_len, -EINVAL },
	{ "indirect len 0", RT_SPLIT_IND, rt_bad_indirect_zero, -EINVAL },
	{ "indirect not negotiated", RT_SPLIT, rt_bad_indirect_plain,
	  -EINVAL },
	{ "indirect longer than queue", RT_SPLIT_IND, rt_bad_indirect_long,
	  -ELOOP },
	{ "indirect loop", RT_SPLIT_IND, rt_bad_indirect_loop, -ELOOP },
	{ "indirect next out of range", RT_SPLIT_IND, rt_bad_indirect_range,
	  -ERANGE },
	{ "indirect table unmapped", { .iotlb = true, .indirect = true },
	  rt_bad_indirect_unmapped, -EFAULT },
	{ "too many segments", RT_SPLIT_TLB, rt_bad_segments, -E2BIG },
	{ "desc area unmapped", RT_SPLIT_TLB, rt_bad_desc_area, -EFAULT },
	{ "desc area write-only", RT_SPLIT_TLB, rt_bad_desc_perm, -EPERM },
	{ "used area write-only", RT_SPLIT_TLB, rt_bad_used_perm, -EPERM },
	{ "area misaligned", RT_SPLIT_TLB, rt_bad_area_misaligned, -EFAULT },
	{ "area split in a page", RT_SPLIT_TLB, rt_bad_area_split, -EFAULT },
	{ "packed chain too long", RT_PACKED, rt_bad_packed_long, -ELOOP },
	{ "packed readable after writable", RT_PACKED,
	  rt_bad_read_after_write, -EINVAL },
	{ "packed unmapped", RT_PACKED_TLB, rt_bad_unmapped, -EFAULT },
	{ "packed write to read-only", RT_PACKED_TLB, rt_bad_write_ro,
	  -EPERM },
	{ "packed nested indirect", RT_PACKED_IND, rt_bad_nested, -EINVAL },
	{ "packed indirect with next", RT_PACKED_IND, rt_bad_indirect_next,
	  -EINVAL },
	{ "packed indirect in chain", RT_PACKED_IND, rt_bad_indirect_in_chain,
	  -EINVAL },
	{ "packed indirect len", RT_PACKED_IND, rt_bad_indirect_len, -EINVAL },
	{ "packed indirect not negotiated", RT_PACKED, rt_bad_indirect_plain,
	  -EINVAL },
	{ "packed desc area unmapped", RT_PACKED_TLB, rt_bad_desc_area,
	  -EFAULT },
	{ "packed desc area write-only", RT_PACKED_TLB, rt_bad_desc_perm,
	  -EPERM },
};

static void rt_bad_desc(const struct rt_bad *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(rt_bad, rt_bad_cases, rt_bad_desc);

static void rt_malformed_test(struct kunit *test)
{
	const struct rt_bad *c = test->param_value;
	struct rt_env *e = rt_env_new(test, &c->opts);
	struct vdring *r = &e->ring;
	struct vdring_elem elem = { .id = 0, .ndesc = 1 };
	struct rt_seg s;

	c->build(e);
	KUNIT_EXPECT_EQ(test, vdring_pop(r, &e->iov, &elem), c->err);
	KUNIT_EXPECT_TRUE(test, vdring_is_broken(r));
	KUNIT_EXPECT_NOT_NULL(test, vdring_broken_reason(r));
	KUNIT_EXPECT_EQ(test, vdring_pop(r, &e->iov, &elem), -EIO);
	KUNIT_EXPECT_EQ(test, vdring_push(r, &elem, 0), -EIO);
	KUNIT_EXPECT_EQ(test, vdring_publish(r), -EIO);
	KUNIT_EXPECT_EQ(test, vdring_notify_enable(r), -EIO);
	KUNIT_EXPECT_EQ(test, vdring_notify_disable(r), -EIO);
	KUNIT_EXPECT_FALSE(test, vdring_need_notify(r));

	/* Reset clears it; with a sane ring and mapping it works again. */
	vdring_reset(r);
	KUNIT_EXPECT_FALSE(test, vdring_is_broken(r));
	KUNIT_EXPECT_NULL(test, vdring_broken_reason(r));
	rt_driver_reset(e);
	if (e->opts.iotlb)
		rt_map_all(e);
	s = (struct rt_seg){ rt_daddr(e, 0), 4, 0 };
	rt_cycle(e, &s, 1, 0);
	KUNIT_EXPECT_FALSE(test, vdring_is_broken(r));
}

/* --- ring_translate ---------------------------------------------------------- */

/**
 * struct rt_xlate - one vdring_translate() call on the IOTLB layout
 * @name: the case
 * @iova: start
 * @len: length
 * @perm: %VHOST_MAP_RO or %VHOST_MAP_WO
 * @pre_write: first translate one writable byte of page 4
 * @err: expected result
 * @segs: expected segments added (on success)
 */
struct rt_xlate {
	const char *name;
	u64 iova;
	u64 len;
	u32 perm;
	bool pre_write;
	int err;
	unsigned int segs;
};

static const struct rt_xlate rt_xlate_cases[] = {
	{ "one entry", RT_SPLIT_IOVA + 8, 100, VHOST_MAP_RO, false, 0, 1 },
	{ "entries of adjacent pages merge", RT_IOVA + 100, 3 * PAGE_SIZE,
	  VHOST_MAP_RO, false, 0, 1 },
	{ "distant pages", RT_SPLIT_IOVA + PAGE_SIZE - 10, 20, VHOST_MAP_WO,
	  false, 0, 2 },
	{ "adjacent pages", RT_SPLIT_IOVA + 2 * PAGE_SIZE - 10, 20,
	  VHOST_MAP_WO, false, 0, 1 },
	{ "three entries", RT_SPLIT_IOVA, 3 * PAGE_SIZE, VHOST_MAP_RO, false,
	  0, 2 },
	{ "writable after writable", RT_SPLIT_IOVA, 20, VHOST_MAP_WO, true,
	  0, 1 },
	{ "hole after the entries", RT_SPLIT_IOVA + 2 * PAGE_SIZE, PAGE_SIZE + 1,
	  VHOST_MAP_RO, false, -EFAULT, 0 },
	{ "hole before", RT_SPLIT_IOVA - 1, 2, VHOST_MAP_RO, false, -EFAULT, 0 },
	{ "read-only for writing", RT_RO_IOVA, 4, VHOST_MAP_WO, false, -EPERM,
	  0 },
	{ "write-only for reading", RT_WO_IOVA, 4, VHOST_MAP_RO, false,
	  -EPERM, 0 },
	{ "read-only for reading", RT_RO_IOVA, 4, VHOST_MAP_RO, false, 0, 1 },
	{ "write-only for writing", RT_WO_IOVA, 4, VHOST_MAP_WO, false, 0, 1 },
	{ "readable after writable", RT_IOVA, 4, VHOST_MAP_RO, true, -EINVAL,
	  0 },
	{ "length 0", RT_UNMAPPED, 0, VHOST_MAP_RO, false, 0, 0 },
	{ "wraps", ~0ULL - 1, 4, VHOST_MAP_RO, false, -EOVERFLOW, 0 },
	{ "over 4 GiB", RT_IOVA, 1ULL << 32, VHOST_MAP_RO, false, -EOVERFLOW,
	  0 },
	{ "bad permission", RT_IOVA, 4, VHOST_MAP_RW, false, -EINVAL, 0 },
};

static void rt_xlate_desc(const struct rt_xlate *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(rt_xlate, rt_xlate_cases, rt_xlate_desc);

static void rt_translate_test(struct kunit *test)
{
	const struct rt_xlate *c = test->param_value;
	const struct rt_opts o = { .iotlb = true };
	struct rt_env *e = rt_env_new(test, &o);
	struct vdring_iov *iov = &e->iov;
	unsigned int i, first = 0;
	u64 off = 0;

	if (c->pre_write) {
		KUNIT_ASSERT_EQ(test, vdring_translate(&e->map, RT_IOVA +
				RT_DATA_OFF, 1, VHOST_MAP_WO, iov), 0);
		first = 1;
	}
	KUNIT_EXPECT_EQ(test, vdring_translate(&e->map, c->iova, c->len,
					       c->perm, iov), c->err);
	if (c->err) {
		/* Nothing was added. */
		KUNIT_EXPECT_EQ(test, iov->out_num + iov->in_num, first);
		KUNIT_EXPECT_EQ(test, iov->out_len + iov->in_len, first);
		return;
	}
	if (c->perm == VHOST_MAP_RO) {
		KUNIT_EXPECT_EQ(test, iov->out_num, c->segs);
		KUNIT_EXPECT_EQ(test, iov->out_len, c->len);
	} else {
		KUNIT_EXPECT_EQ(test, iov->in_num + iov->out_num - first,
				c->segs);
		KUNIT_EXPECT_EQ(test, iov->in_len, c->len + first);
	}
	/* Each segment starts where the layout puts its first byte. */
	for (i = first; i < iov->out_num + iov->in_num; i++) {
		KUNIT_EXPECT_PTR_EQ(test, iov->vec[i].iov_base,
				    (void *)rt_va(e, c->iova + off));
		off += iov->vec[i].iov_len;
	}
}

/* Data through segments that cross entries; the list grows from 1. */
static void rt_translate_data_test(struct kunit *test)
{
	const struct rt_opts o = { .iotlb = true };
	struct rt_env *e = rt_env_new(test, &o);
	u64 iova = RT_SPLIT_IOVA + PAGE_SIZE - 3;
	struct vdring_iov *iov;
	struct iov_iter it;
	char buf[8] = {};

	/* Freed by a deferred action: not on the stack. */
	iov = kunit_kzalloc(test, sizeof(*iov), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, iov);
	KUNIT_ASSERT_EQ(test, vdring_iov_init(iov, 1), 0);
	rt_defer(test, rt_iov_free_action, iov);
	KUNIT_ASSERT_EQ(test, vdring_translate(&e->map, RT_RO_IOVA, 2,
					       VHOST_MAP_RO, iov), 0);
	KUNIT_ASSERT_EQ(test, vdring_translate(&e->map, iova, 6, VHOST_MAP_WO,
					       iov), 0);
	KUNIT_EXPECT_EQ(test, iov->out_num, 1);
	KUNIT_EXPECT_EQ(test, iov->in_num, 2);
	KUNIT_EXPECT_GE(test, iov->max, 3);
	vdring_iov_iter_in(iov, &it);
	KUNIT_EXPECT_EQ(test, copy_to_iter("abcdef", 6, &it), 6);
	KUNIT_EXPECT_EQ(test, memcmp(rt_va(e, iova), "abc", 3), 0);
	KUNIT_EXPECT_EQ(test, memcmp(rt_va(e, iova + 3), "def", 3), 0);
	KUNIT_EXPECT_EQ(test, memcmp(e->mem + 10 * PAGE_SIZE, "def", 3), 0);

	memcpy(e->mem + 12 * PAGE_SIZE, "xy", 2);
	vdring_iov_iter_out(iov, &it);
	KUNIT_EXPECT_EQ(test, copy_from_iter(buf, sizeof(buf), &it), 2);
	KUNIT_EXPECT_STREQ(test, buf, "xy");

	/* Passthrough: a physically contiguous range is one segment. */
	e->map.iotlb = NULL;
	e->map.passthrough = true;
	iov->out_num = 0;
	iov->in_num = 0;
	iov->out_len = 0;
	iov->in_len = 0;
	KUNIT_EXPECT_EQ(test, vdring_translate(&e->map, virt_to_phys(e->mem),
					       RT_MEM_SIZE, VHOST_MAP_RO,
					       iov), 0);
	KUNIT_EXPECT_EQ(test, iov->out_num, 1);
	KUNIT_EXPECT_PTR_EQ(test, iov->vec[0].iov_base, (void *)e->mem);
	KUNIT_EXPECT_EQ(test, iov->vec[0].iov_len, RT_MEM_SIZE);
	e->map.passthrough = false;
	KUNIT_EXPECT_EQ(test, vdring_translate(&e->map, RT_IOVA, 4,
					       VHOST_MAP_RO, iov), -EFAULT);
}

static struct kunit_case rt_setup_cases_list[] = {
	KUNIT_CASE_PARAM(rt_setup_test, rt_setup_gen_params),
	KUNIT_CASE(rt_release_test),
	{}
};

static struct kunit_case rt_data_cases[] = {
	KUNIT_CASE_PARAM(rt_roundtrip_test, rt_layouts_gen_params),
	KUNIT_CASE(rt_wrap_split_test),
	KUNIT_CASE(rt_wrap_packed_test),
	KUNIT_CASE_PARAM(rt_indirect_test, rt_indirect_gen_params),
	KUNIT_CASE(rt_indirect_tail_test),
	KUNIT_CASE_PARAM(rt_unpop_test, rt_layouts_gen_params),
	KUNIT_CASE(rt_state_test),
	KUNIT_CASE(rt_area_test),
	{}
};

static struct kunit_case rt_notify_cases[] = {
	KUNIT_CASE(rt_event_idx_test),
	KUNIT_CASE(rt_no_interrupt_test),
	KUNIT_CASE(rt_packed_event_test),
	KUNIT_CASE(rt_packed_enable_test),
	{}
};

static struct kunit_case rt_malformed_cases[] = {
	KUNIT_CASE_PARAM(rt_malformed_test, rt_bad_gen_params),
	{}
};

static struct kunit_case rt_translate_cases[] = {
	KUNIT_CASE_PARAM(rt_translate_test, rt_xlate_gen_params),
	KUNIT_CASE(rt_translate_data_test),
	{}
};

static struct kunit_suite rt_setup_suite = {
	.name = "vdpa_ring_setup",
	.test_cases = rt_setup_cases_list,
};

static struct kunit_suite rt_data_suite = {
	.name = "vdpa_ring_data",
	.test_cases = rt_data_cases,
};

static struct kunit_suite rt_notify_suite = {
	.name = "vdpa_ring_notify",
	.test_cases = rt_notify_cases,
};

static struct kunit_suite rt_malformed_suite = {
	.name = "vdpa_ring_malformed",
	.test_cases = rt_malformed_cases,
};

static struct kunit_suite rt_translate_suite = {
	.name = "vdpa_ring_translate",
	.test_cases = rt_translate_cases,
};

kunit_test_suites(&rt_setup_suite, &rt_data_suite, &rt_notify_suite,
		  &rt_malformed_suite, &rt_translate_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for the vDPA simulator's device-side virtqueue library");
