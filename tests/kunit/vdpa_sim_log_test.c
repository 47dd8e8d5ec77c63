// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suites for the simulator's dirty-page logging: every byte the
 * device stores into driver memory must be reported to the log that
 * set_dirty_log installed (see "Dirty-page logging" in
 * include/vdpa_sim/ring.h).
 *
 * The test plays the driver in LT_PAGES pages of kernel memory and keeps
 * a shadow copy of them. Around each device operation it takes a
 * snapshot, lets the device work, then compares: every byte that changed
 * must have been reported to the fake log, which translates each report
 * (an IOVA of an address space, or an offset in a queue's device area)
 * back to the test memory through the test's own page table, not the
 * library's. A report that translates to nothing, names an address space
 * or queue that does not own the bytes, or lands where the device never
 * stores (driver areas, split descriptor tables, indirect tables,
 * device-readable buffers) fails too.
 *
 * vdpa_ring_log: the ring library alone (sim/ring), driven the way the
 *   classes drive it: a frame over three receive buffers, one given back
 *   unused and taken again, num_buffers stored last; block-like chains
 *   with a status byte, direct and indirect; notification suppression,
 *   with and without the event index; nothing reported while the map has
 *   no log, and reports again once it has one.
 * vdpa_sim_log: simulated net and block devices through their config ops
 *   and workers: mergeable receive buffers filled and given back when the
 *   frame does not fit, then the frame delivered; the control queue's ack
 *   in an address space of its own; the control state replayed the way a
 *   migration destination restores it (only the control queue enabled at
 *   DRIVER_OK, the data queues after); block writes, reads, GET_ID, a read
 *   past the end, a dropped completion, the log kept across a reset, and
 *   set_dirty_log(NULL).
 *
 * Memory (pages): 0-2, 3-5 and 6-8 three rings (descriptors, driver area,
 * device area), 9 indirect tables, 10-19 data, 20-23 data behind odd
 * mappings: page 20 at LT_GAP_IOVA and page 21 two pages further on
 * (contiguous in memory, not in IOVA), page 23 at LT_SCAT_IOVA and page 22
 * right after it (contiguous in IOVA, not in memory). Without an IOTLB
 * (passthrough), every IOVA is the physical address.
 */

#include <kunit/device.h>
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/bottom_half.h>
#include <linux/etherdevice.h>
#include <linux/if_ether.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uio.h>
#include <linux/unaligned.h>
#include <linux/vdpa.h>
#include <linux/vhost_iotlb.h>
#include <linux/virtio_byteorder.h>
#include <linux/workqueue.h>
#include <uapi/linux/virtio_blk.h>
#include <uapi/linux/virtio_config.h>
#include <uapi/linux/virtio_net.h>
#include <vdpa_sim/ring.h>
#include <vdpa_sim/sim.h>
#include "../../sim/net/net.h"

#define LT_PAGES	24
#define LT_MEM_SIZE	(LT_PAGES * PAGE_SIZE)
#define LT_NUM		8		/* queue size */
#define LT_TABLE_PAGE	9		/* indirect tables */
#define LT_IOVA		0x10000000ULL	/* page p at LT_IOVA + p pages */
#define LT_IOVA_AS1	0x20000000ULL	/* the same, second address space */
#define LT_GAP_IOVA	0x70000000ULL	/* page 20; page 21 two pages on */
#define LT_SCAT_IOVA	0x71000000ULL	/* page 23; page 22 right after */
#define LT_MAX_MAPS	64
#define LT_MAX_QUEUES	4
/* The ring-level suite's address space and queue index. */
#define LT_RING_ASID	3
#define LT_RING_INDEX	2

#define LT_PAVAIL	BIT(VRING_PACKED_DESC_F_AVAIL)
#define LT_PUSED	BIT(VRING_PACKED_DESC_F_USED)
#define LT_W		VRING_DESC_F_WRITE

/**
 * struct lt_page - one page of the test's own IOVA table
 * @asid: its address space
 * @iova: its IOVA there
 * @page: the test page it maps
 */
struct lt_page {
	u32 asid;
	u64 iova;
	unsigned int page;
};

struct lt_env;

/**
 * struct lt_log - the fake dirty log
 * @ops: what the device calls
 * @e: the test environment
 * @writes: &vdpa_dirty_log.write calls
 * @used: &vdpa_dirty_log.write_used calls
 * @stray: reports that translate to nothing the test owns
 * @stray_what: the address or offset of the first one (for the message)
 */
struct lt_log {
	struct vdpa_dirty_log ops;
	struct lt_env *e;
	atomic_t writes;
	atomic_t used;
	atomic_t stray;
	u64 stray_what;
};

/**
 * struct lt_q - the test driver's side of one virtqueue
 * @e: the test environment
 * @asid: the address space of its addresses
 * @idx: its queue index
 * @page: the first of its three pages (descriptors, driver, device area)
 * @packed: packed layout
 * @avail_idx: split: next available index
 * @free_head: next descriptor (split) or slot (packed) to fill
 * @wrap: packed: the driver's wrap counter
 * @next_id: packed: next buffer id
 * @used_seen: next used index (split) or slot (packed) to read
 * @used_wrap: packed: wrap counter of @used_seen
 * @ndesc: packed: slots each buffer id took
 */
struct lt_q {
	struct lt_env *e;
	u32 asid;
	u16 idx;
	unsigned int page;
	bool packed;
	u16 avail_idx;
	u16 free_head;
	bool wrap;
	u16 next_id;
	u16 used_seen;
	bool used_wrap;
	u16 ndesc[LT_NUM];
};

/**
 * struct lt_env - test memory, its shadow and what was reported
 * @test: the test
 * @iotlb: addresses are IOVAs of the table in @map (else physical)
 * @asids: passthrough: the address spaces reports may name
 * @mem: LT_MEM_SIZE bytes of page-aligned driver memory
 * @shadow: @mem at the last snapshot
 * @seen: bytes reported since the last snapshot
 * @quiet: bytes the device never stores into
 * @map: the test's IOVA table
 * @nmap: entries in @map
 * @q: the queues by index, for &vdpa_dirty_log.write_used
 * @log: the fake log
 */
struct lt_env {
	struct kunit *test;
	bool iotlb;
	u32 asids;
	u8 *mem;
	u8 *shadow;
	unsigned long *seen;
	unsigned long *quiet;
	struct lt_page map[LT_MAX_MAPS];
	unsigned int nmap;
	struct lt_q *q[LT_MAX_QUEUES];
	struct lt_log log;
};

/**
 * struct lt_seg - one descriptor the test driver writes
 * @addr: buffer address
 * @len: length
 * @flags: %VRING_DESC_F_WRITE / %VRING_DESC_F_INDIRECT (NEXT is added)
 */
struct lt_seg {
	u64 addr;
	u32 len;
	u16 flags;
};

/**
 * struct lt_opts - a test variant
 * @packed: packed rings
 * @iotlb: IOTLB address spaces (else passthrough)
 * @event_idx: event index negotiated (ring-level suite)
 */
struct lt_opts {
	bool packed;
	bool iotlb;
	bool event_idx;
};

static void lt_defer(struct kunit *test, kunit_action_t *action, void *ctx)
{
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, action, ctx), 0);
}

/* --- The fake log ----------------------------------------------------- */

/* Offset in the test memory of @iova of space @asid, or -1. */
static long lt_offset(struct lt_env *e, u32 asid, u64 iova)
{
	u64 base = virt_to_phys(e->mem);
	unsigned int i;

	if (!e->iotlb) {
		if (asid >= 32 || !(e->asids & BIT(asid)))
			return -1;
		return iova >= base && iova - base < LT_MEM_SIZE ?
		       iova - base : -1;
	}
	for (i = 0; i < e->nmap; i++) {
		const struct lt_page *m = &e->map[i];

		if (m->asid == asid && iova >= m->iova &&
		    iova - m->iova < PAGE_SIZE)
			return m->page * PAGE_SIZE + (iova - m->iova);
	}
	return -1;
}

static void lt_stray(struct lt_log *log, u64 what)
{
	if (atomic_inc_return(&log->stray) == 1)
		log->stray_what = what;
}

static void lt_log_write(struct vdpa_dirty_log *ops, u32 asid, u64 iova,
			 u64 len)
{
	struct lt_log *log = container_of(ops, struct lt_log, ops);
	long off;
	u64 i;

	atomic_inc(&log->writes);
	if (!len || len > LT_MEM_SIZE) {
		lt_stray(log, iova);
		return;
	}
	for (i = 0; i < len; i++) {
		off = lt_offset(log->e, asid, iova + i);
		if (off < 0) {
			lt_stray(log, iova + i);
			return;
		}
		set_bit(off, log->e->seen);
	}
}

static void lt_log_write_used(struct vdpa_dirty_log *ops, u16 idx,
			      u64 offset, u64 len)
{
	struct lt_log *log = container_of(ops, struct lt_log, ops);
	struct lt_q *q = idx < LT_MAX_QUEUES ? log->e->q[idx] : NULL;
	unsigned long start;
	u64 i;

	atomic_inc(&log->used);
	if (!q || !len || offset >= PAGE_SIZE || len > PAGE_SIZE - offset) {
		lt_stray(log, offset);
		return;
	}
	start = (q->page + 2) * PAGE_SIZE + offset;
	for (i = 0; i < len; i++)
		set_bit(start + i, log->e->seen);
}

/* --- Memory, snapshots, checks ---------------------------------------- */

static struct lt_env *lt_env_new(struct kunit *test, bool iotlb, u32 asids)
{
	size_t bitmap = BITS_TO_LONGS(LT_MEM_SIZE) * sizeof(long);
	struct lt_env *e;

	e = kunit_kzalloc(test, sizeof(*e), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, e);
	e->mem = kunit_kzalloc(test, LT_MEM_SIZE, GFP_KERNEL);
	e->shadow = kunit_kzalloc(test, LT_MEM_SIZE, GFP_KERNEL);
	e->seen = kunit_kzalloc(test, bitmap, GFP_KERNEL);
	e->quiet = kunit_kzalloc(test, bitmap, GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, e->mem && e->shadow && e->seen && e->quiet);
	KUNIT_ASSERT_TRUE(test, PAGE_ALIGNED(e->mem));
	e->test = test;
	e->iotlb = iotlb;
	e->asids = asids;
	e->log.ops.write = lt_log_write;
	e->log.ops.write_used = lt_log_write_used;
	e->log.e = e;
	bitmap_set(e->quiet, LT_TABLE_PAGE * PAGE_SIZE, PAGE_SIZE);
	return e;
}

static void lt_snap(struct lt_env *e)
{
	memcpy(e->shadow, e->mem, LT_MEM_SIZE);
	bitmap_zero(e->seen, LT_MEM_SIZE);
	atomic_set(&e->log.stray, 0);
}

/* Bytes that changed since the snapshot. */
static unsigned long lt_changed(struct lt_env *e)
{
	unsigned long i, n = 0;

	for (i = 0; i < LT_MEM_SIZE; i++)
		n += e->mem[i] != e->shadow[i];
	return n;
}

/*
 * Every byte changed since the snapshot was reported, nothing was
 * reported where the device never stores or outside the test memory;
 * then a new snapshot.
 */
static void lt_check(struct lt_env *e, const char *what)
{
	unsigned long i, missed = 0, first = 0, noisy = 0, first_noisy = 0;

	for (i = 0; i < LT_MEM_SIZE; i++) {
		bool seen = test_bit(i, e->seen);

		if (e->mem[i] != e->shadow[i] && !seen && !missed++)
			first = i;
		if (seen && test_bit(i, e->quiet) && !noisy++)
			first_noisy = i;
	}
	KUNIT_EXPECT_EQ_MSG(e->test, missed, 0,
			    "%s: %lu bytes stored, not reported, the first at page %lu + %lu",
			    what, missed, first / PAGE_SIZE, first % PAGE_SIZE);
	KUNIT_EXPECT_EQ_MSG(e->test, noisy, 0,
			    "%s: %lu bytes reported where the device does not store, the first at page %lu + %lu",
			    what, noisy, first_noisy / PAGE_SIZE,
			    first_noisy % PAGE_SIZE);
	KUNIT_EXPECT_EQ_MSG(e->test, atomic_read(&e->log.stray), 0,
			    "%s: reports that are not the test's, the first at 0x%llx",
			    what, e->log.stray_what);
	lt_snap(e);
}

/* --- The test's IOVA table --------------------------------------------- */

static void lt_map(struct lt_env *e, u32 asid, u64 iova, unsigned int page)
{
	KUNIT_ASSERT_LT(e->test, e->nmap, LT_MAX_MAPS);
	e->map[e->nmap++] = (struct lt_page){ asid, iova, page };
}

/* Pages @first..@last of space @asid at @base + page * PAGE_SIZE. */
static void lt_map_pages(struct lt_env *e, u32 asid, u64 base,
			 unsigned int first, unsigned int last)
{
	unsigned int p;

	for (p = first; p <= last; p++)
		lt_map(e, asid, base + p * PAGE_SIZE, p);
}

static void lt_map_odd(struct lt_env *e, u32 asid)
{
	lt_map(e, asid, LT_GAP_IOVA, 20);
	lt_map(e, asid, LT_GAP_IOVA + 2 * PAGE_SIZE, 21);
	lt_map(e, asid, LT_SCAT_IOVA, 23);
	lt_map(e, asid, LT_SCAT_IOVA + PAGE_SIZE, 22);
}

static void lt_fill_iotlb(struct lt_env *e, u32 asid,
			  struct vhost_iotlb *iotlb)
{
	unsigned int i;

	for (i = 0; i < e->nmap; i++) {
		const struct lt_page *m = &e->map[i];

		if (m->asid != asid)
			continue;
		KUNIT_ASSERT_EQ(e->test,
				vhost_iotlb_add_range(iotlb, m->iova,
						      m->iova + PAGE_SIZE - 1,
						      virt_to_phys(e->mem + m->page * PAGE_SIZE),
						      VHOST_MAP_RW), 0);
	}
}

/* The address the driver gives for @off in test page @page. */
static u64 lt_iova(struct lt_env *e, u32 asid, unsigned int page, u32 off)
{
	unsigned int i;

	if (!e->iotlb)
		return virt_to_phys(e->mem + page * PAGE_SIZE + off);
	for (i = 0; i < e->nmap; i++)
		if (e->map[i].asid == asid && e->map[i].page == page)
			return e->map[i].iova + off;
	KUNIT_FAIL(e->test, "page %u not mapped in space %u", page, asid);
	return 0;
}

/*
 * A writable buffer of two descriptors: the last @before bytes of page 20
 * and the first @after of page 21 (adjacent in memory, two pages apart
 * in IOVA).
 */
static void lt_gap_segs(struct lt_env *e, u32 asid, struct lt_seg *s,
			u32 before, u32 after)
{
	s[0] = (struct lt_seg){ lt_iova(e, asid, 20, PAGE_SIZE - before),
				before, LT_W };
	s[1] = (struct lt_seg){ lt_iova(e, asid, 21, 0), after, LT_W };
}

/*
 * A writable descriptor starting @before bytes before the end of page 23,
 * running into page 22 (adjacent in IOVA, not in memory); passthrough:
 * page 22 into page 23.
 */
static struct lt_seg lt_scat_seg(struct lt_env *e, u32 asid, u32 before,
				 u32 len)
{
	unsigned int page = e->iotlb ? 23 : 22;

	return (struct lt_seg){ lt_iova(e, asid, page, PAGE_SIZE - before),
				len, LT_W };
}

/* --- The test driver ----------------------------------------------------- */

static u8 *lt_area(struct lt_q *q, unsigned int area)
{
	return q->e->mem + (q->page + area) * PAGE_SIZE;
}

static u64 lt_q_addr(struct lt_q *q, unsigned int area)
{
	return lt_iova(q->e, q->asid, q->page + area, 0);
}

/* An empty ring in pages @page..@page + 2, known to the log as @idx. */
static void lt_q_init(struct lt_env *e, struct lt_q *q, u16 idx,
		      unsigned int page, u32 asid, bool packed)
{
	memset(q, 0, sizeof(*q));
	q->e = e;
	q->idx = idx;
	q->page = page;
	q->asid = asid;
	q->packed = packed;
	q->wrap = true;
	q->used_wrap = true;
	memset(lt_area(q, 0), 0, 3 * PAGE_SIZE);
	e->q[idx] = q;
	bitmap_set(e->quiet, (page + 1) * PAGE_SIZE, PAGE_SIZE);
	if (!packed)
		bitmap_set(e->quiet, page * PAGE_SIZE, PAGE_SIZE);
}

/* The device never stores into a readable buffer. */
static void lt_q_quiet_seg(struct lt_q *q, const struct lt_seg *s)
{
	long off;
	u32 i;

	if (s->flags & LT_W)
		return;
	for (i = 0; i < s->len; i++) {
		off = lt_offset(q->e, q->asid, s->addr + i);
		KUNIT_ASSERT_GE(q->e->test, off, 0);
		set_bit(off, q->e->quiet);
	}
}

static void lt_split_desc(struct vring_desc *d, const struct lt_seg *s,
			  u16 flags, u16 next)
{
	d->addr = __cpu_to_virtio64(true, s->addr);
	d->len = __cpu_to_virtio32(true, s->len);
	d->flags = __cpu_to_virtio16(true, flags);
	d->next = __cpu_to_virtio16(true, next);
}

static void lt_packed_desc(struct vring_packed_desc *d, const struct lt_seg *s,
			   u16 id, u16 flags)
{
	d->addr = cpu_to_le64(s->addr);
	d->len = cpu_to_le32(s->len);
	d->id = cpu_to_le16(id);
	d->flags = cpu_to_le16(flags);
}

static u16 lt_q_expose(struct lt_q *q, u16 head, u16 head_flags,
		       unsigned int n)
{
	struct vring_packed_desc *pdesc = (void *)lt_area(q, 0);
	struct vring_avail *avail = (void *)lt_area(q, 1);
	u16 id = q->next_id;

	if (!q->packed) {
		avail->ring[q->avail_idx % LT_NUM] =
			__cpu_to_virtio16(true, head);
		smp_wmb();	/* the entry before the index */
		q->avail_idx++;
		avail->idx = __cpu_to_virtio16(true, q->avail_idx);
		return head;
	}
	q->ndesc[id] = n;
	q->next_id = (id + 1) % LT_NUM;
	smp_wmb();	/* the chain before its head's flags */
	pdesc[head].flags = cpu_to_le16(head_flags);
	return id;
}

/* Makes a chain of @n descriptors available; returns the buffer's id. */
static u16 lt_q_add(struct lt_q *q, const struct lt_seg *s, unsigned int n)
{
	struct vring_packed_desc *pdesc = (void *)lt_area(q, 0);
	struct vring_desc *desc = (void *)lt_area(q, 0);
	u16 head = q->free_head, head_flags = 0, flags, slot;
	unsigned int i;

	for (i = 0; i < n; i++) {
		slot = q->free_head;
		lt_q_quiet_seg(q, &s[i]);
		flags = s[i].flags | (i + 1 < n ? VRING_DESC_F_NEXT : 0);
		if (q->packed) {
			flags |= q->wrap ? LT_PAVAIL : LT_PUSED;
			lt_packed_desc(&pdesc[slot], &s[i], q->next_id,
				       i ? flags : 0);
			if (!i)
				head_flags = flags;
		} else {
			lt_split_desc(&desc[slot], &s[i], flags,
				      (slot + 1) % LT_NUM);
		}
		if (++q->free_head == LT_NUM) {
			q->free_head = 0;
			q->wrap = !q->wrap;
		}
	}
	return lt_q_expose(q, head, head_flags, n);
}

/* The same chain through an indirect table at @off of the table page. */
static u16 lt_q_add_indirect(struct lt_q *q, const struct lt_seg *s,
			     unsigned int n, u32 off)
{
	u8 *table = q->e->mem + LT_TABLE_PAGE * PAGE_SIZE + off;
	struct lt_seg ind = {
		lt_iova(q->e, q->asid, LT_TABLE_PAGE, off),
		n * sizeof(struct vring_desc), VRING_DESC_F_INDIRECT,
	};
	unsigned int i;

	for (i = 0; i < n; i++) {
		lt_q_quiet_seg(q, &s[i]);
		if (q->packed)
			lt_packed_desc((void *)table + i * 16, &s[i], 0,
				       s[i].flags);
		else
			lt_split_desc((void *)table + i * 16, &s[i],
				      s[i].flags | (i + 1 < n ?
						    VRING_DESC_F_NEXT : 0),
				      i + 1);
	}
	return lt_q_add(q, &ind, 1);
}

/* Reads the next used buffer, if there is one. */
static bool lt_q_used(struct lt_q *q, u16 *id, u32 *len)
{
	struct vring_packed_desc *d;
	struct vring_used *used;
	u16 flags;

	if (!q->packed) {
		used = (void *)lt_area(q, 2);
		if (__virtio16_to_cpu(true, used->idx) == q->used_seen)
			return false;
		smp_rmb();	/* the index before the entry */
		*id = __virtio32_to_cpu(true, used->ring[q->used_seen % LT_NUM].id);
		*len = __virtio32_to_cpu(true, used->ring[q->used_seen % LT_NUM].len);
		q->used_seen++;
		return true;
	}
	d = (void *)lt_area(q, 0) + q->used_seen * sizeof(*d);
	flags = le16_to_cpu(d->flags);
	if (!!(flags & LT_PAVAIL) != q->used_wrap ||
	    !!(flags & LT_PUSED) != q->used_wrap)
		return false;
	smp_rmb();	/* the flags before the id and length */
	*id = le16_to_cpu(d->id);
	*len = le32_to_cpu(d->len);
	q->used_seen += q->ndesc[*id % LT_NUM];
	if (q->used_seen >= LT_NUM) {
		q->used_seen -= LT_NUM;
		q->used_wrap = !q->used_wrap;
	}
	return true;
}

static void lt_expect_used(struct lt_q *q, u32 len)
{
	u32 got;
	u16 id;

	KUNIT_ASSERT_TRUE(q->e->test, lt_q_used(q, &id, &got));
	KUNIT_EXPECT_EQ(q->e->test, got, len);
}

/* Stores @len bytes of @byte at @off of the writable part of @iov. */
static void lt_store(struct kunit *test, struct vdring_iov *iov, size_t off,
		     u8 byte, size_t len)
{
	struct iov_iter it;
	u8 buf[64];
	size_t n;

	memset(buf, byte, sizeof(buf));
	vdring_iov_iter_in(iov, &it);
	iov_iter_advance(&it, off);
	while (len) {
		n = min(len, sizeof(buf));
		KUNIT_ASSERT_EQ(test, copy_to_iter(buf, n, &it), n);
		len -= n;
	}
}

/* --- vdpa_ring_log ------------------------------------------------------- */

/**
 * struct lt_ring - a ring of the library under test
 * @e: memory and log
 * @q: the test driver's side
 * @ring: the device side
 * @map: its address space (LT_RING_ASID), with the fake log
 * @iotlb: the mappings when IOTLB
 * @first: segments of a first buffer (net: the one with num_buffers)
 * @more: segments of the others
 */
struct lt_ring {
	struct lt_env *e;
	struct lt_q q;
	struct vdring ring;
	struct vdring_map map;
	struct vhost_iotlb iotlb;
	struct vdring_iov first;
	struct vdring_iov more;
};

KUNIT_DEFINE_ACTION_WRAPPER(lt_release_action, vdring_release,
			    struct vdring *);
KUNIT_DEFINE_ACTION_WRAPPER(lt_iov_free_action, vdring_iov_free,
			    struct vdring_iov *);
KUNIT_DEFINE_ACTION_WRAPPER(lt_iotlb_reset_action, vhost_iotlb_reset,
			    struct vhost_iotlb *);

static void lt_ring_map(struct kunit *test, struct lt_ring *t)
{
	struct lt_env *e = t->e;

	lt_map_pages(e, LT_RING_ASID, LT_IOVA, 0, 19);
	lt_map_odd(e, LT_RING_ASID);
	t->map.asid = LT_RING_ASID;
	t->map.log = &e->log.ops;
	if (!e->iotlb) {
		t->map.passthrough = true;
		return;
	}
	vhost_iotlb_init(&t->iotlb, LT_MAX_MAPS, 0);
	lt_defer(test, lt_iotlb_reset_action, &t->iotlb);
	lt_fill_iotlb(e, LT_RING_ASID, &t->iotlb);
	t->map.iotlb = &t->iotlb;
}

static struct lt_ring *lt_ring_new(struct kunit *test, const struct lt_opts *o)
{
	struct vdring_config cfg;
	struct lt_ring *t;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	t->e = lt_env_new(test, o->iotlb, BIT(LT_RING_ASID));
	lt_ring_map(test, t);
	lt_q_init(t->e, &t->q, LT_RING_INDEX, 0, LT_RING_ASID, o->packed);
	KUNIT_ASSERT_EQ(test, vdring_iov_init(&t->first, 1), 0);
	lt_defer(test, lt_iov_free_action, &t->first);
	KUNIT_ASSERT_EQ(test, vdring_iov_init(&t->more, 1), 0);
	lt_defer(test, lt_iov_free_action, &t->more);
	cfg = (struct vdring_config){
		.num = LT_NUM,
		.desc_addr = lt_q_addr(&t->q, 0),
		.driver_addr = lt_q_addr(&t->q, 1),
		.device_addr = lt_q_addr(&t->q, 2),
		.packed = o->packed,
		.event_idx = o->event_idx,
		.indirect = true,
		.index = LT_RING_INDEX,
	};
	KUNIT_ASSERT_EQ(test, vdring_setup(&t->ring, &cfg, &t->map), 0);
	lt_defer(test, lt_release_action, &t->ring);
	return t;
}

/* Pops the next buffer into @iov and stores into it as a class does. */
static void lt_ring_fill(struct lt_ring *t, struct vdring_iov *iov,
			 struct vdring_elem *elem, u8 byte, size_t len)
{
	struct kunit *test = t->e->test;

	lt_snap(t->e);
	KUNIT_ASSERT_EQ(test, vdring_pop(&t->ring, iov, elem), 1);
	KUNIT_ASSERT_GE(test, iov->in_len, len);
	lt_store(test, iov, 0, byte, len);
	vdring_log_in(&t->ring, iov, 0, len);
	lt_check(t->e, "buffer filled");
}

/* Publish, the notification decision, and notifications back on. */
static void lt_ring_finish(struct lt_ring *t)
{
	struct lt_env *e = t->e;

	lt_snap(e);
	KUNIT_ASSERT_EQ(e->test, vdring_publish(&t->ring), 0);
	lt_check(e, "publish");
	vdring_need_notify(&t->ring);
	lt_check(e, "need_notify");
	KUNIT_ASSERT_GE(e->test, vdring_notify_enable(&t->ring), 0);
	lt_check(e, "notify_enable");
}

static void lt_ring_counts(struct lt_ring *t)
{
	struct kunit *test = t->e->test;

	KUNIT_EXPECT_GT(test, atomic_read(&t->e->log.writes), 0);
	KUNIT_EXPECT_GT(test, atomic_read(&t->e->log.used), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->map.log_writes),
			atomic_read(&t->e->log.writes));
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->map.log_used),
			atomic_read(&t->e->log.used));
}

/*
 * Net-like: a frame over three receive buffers (one of two descriptors
 * across an IOVA gap, one across non-adjacent memory), the third given
 * back unused and taken again, num_buffers stored last.
 */
static void lt_ring_net_test(struct kunit *test)
{
	struct lt_ring *t = lt_ring_new(test, test->param_value);
	const size_t nb = offsetof(struct virtio_net_hdr_v1, num_buffers);
	struct lt_env *e = t->e;
	struct vdring_elem elem[3];
	struct lt_seg b1[2], b2, b3;
	unsigned int i;

	lt_gap_segs(e, LT_RING_ASID, b1, 60, 40);
	b2 = lt_scat_seg(e, LT_RING_ASID, 50, 100);
	b3 = (struct lt_seg){ lt_iova(e, LT_RING_ASID, 10, 0), 100, LT_W };
	lt_q_add(&t->q, b1, 2);
	lt_q_add(&t->q, &b2, 1);
	lt_q_add(&t->q, &b3, 1);

	lt_snap(e);
	KUNIT_ASSERT_EQ(test, vdring_notify_disable(&t->ring), 0);
	lt_check(e, "notify_disable");
	lt_ring_fill(t, &t->first, &elem[0], 0x11, 100);
	KUNIT_EXPECT_EQ(test, t->first.in_num, e->iotlb ? 2 : 1);
	lt_ring_fill(t, &t->more, &elem[1], 0x22, 100);
	KUNIT_EXPECT_EQ(test, t->more.in_num, e->iotlb ? 2 : 1);
	lt_ring_fill(t, &t->more, &elem[2], 0x33, 62);
	vdring_unpop(&t->ring, &elem[2]);
	lt_ring_fill(t, &t->more, &elem[2], 0x44, 62);
	lt_store(test, &t->first, nb, 0x03, sizeof(__le16));
	vdring_log_in(&t->ring, &t->first, nb, sizeof(__le16));
	lt_check(e, "num_buffers");
	for (i = 0; i < 3; i++) {
		KUNIT_ASSERT_EQ(test, vdring_push(&t->ring, &elem[i],
						  i < 2 ? 100 : 62), 0);
		lt_check(e, "push");
	}
	lt_ring_finish(t);
	for (i = 0; i < 3; i++)
		lt_expect_used(&t->q, i < 2 ? 100 : 62);
	lt_ring_counts(t);
}

/* Serves a block-like request: @len data bytes, then the status byte. */
static void lt_ring_request(struct lt_ring *t, size_t len)
{
	struct kunit *test = t->e->test;
	struct vdring_iov *iov = &t->first;
	struct vdring_elem elem;

	lt_snap(t->e);
	KUNIT_ASSERT_EQ(test, vdring_pop(&t->ring, iov, &elem), 1);
	KUNIT_ASSERT_GT(test, iov->in_len, len);
	lt_store(test, iov, 0, 0x55, len);
	vdring_log_in(&t->ring, iov, 0, len);
	lt_store(test, iov, iov->in_len - 1, 0x7e, 1);
	vdring_log_in(&t->ring, iov, iov->in_len - 1, 1);
	lt_check(t->e, "request served");
	KUNIT_ASSERT_EQ(test, vdring_push(&t->ring, &elem, len + 1), 0);
	lt_check(t->e, "request pushed");
}

/*
 * Block-like: part of the data and the status byte of a direct chain
 * (data across two pages), then of a chain through an indirect table
 * (data across the IOVA gap).
 */
static void lt_ring_blk_test(struct kunit *test)
{
	struct lt_ring *t = lt_ring_new(test, test->param_value);
	struct lt_env *e = t->e;
	const u32 a = LT_RING_ASID;
	struct lt_seg req[3] = {
		{ lt_iova(e, a, 11, 0), 16, 0 },
		{ lt_iova(e, a, 12, PAGE_SIZE - 512), 1024, LT_W },
		{ lt_iova(e, a, 14, 9), 1, LT_W },
	};
	struct lt_seg ind[4] = {
		{ lt_iova(e, a, 11, 64), 16, 0 },
		{}, {},
		{ lt_iova(e, a, 14, 100), 1, LT_W },
	};

	lt_gap_segs(e, a, &ind[1], 100, 100);
	lt_q_add(&t->q, req, ARRAY_SIZE(req));
	lt_q_add_indirect(&t->q, ind, ARRAY_SIZE(ind), 0);
	lt_ring_request(t, 700);
	lt_ring_request(t, 150);
	lt_ring_finish(t);
	lt_expect_used(&t->q, 701);
	lt_expect_used(&t->q, 151);
	lt_ring_counts(t);
}

/*
 * One buffer through the ring, with everything a worker stores; the
 * snapshot is taken once the driver made the buffer available.
 */
static void lt_ring_cycle(struct lt_ring *t, u8 byte)
{
	struct kunit *test = t->e->test;
	struct lt_seg s = { lt_iova(t->e, LT_RING_ASID, 15, 100), 300, LT_W };
	struct vdring_elem elem;

	lt_q_add(&t->q, &s, 1);
	lt_snap(t->e);
	KUNIT_ASSERT_EQ(test, vdring_notify_disable(&t->ring), 0);
	KUNIT_ASSERT_EQ(test, vdring_pop(&t->ring, &t->first, &elem), 1);
	lt_store(test, &t->first, 0, byte, 300);
	vdring_log_in(&t->ring, &t->first, 0, 300);
	KUNIT_ASSERT_EQ(test, vdring_push(&t->ring, &elem, 300), 0);
	KUNIT_ASSERT_EQ(test, vdring_publish(&t->ring), 0);
	KUNIT_ASSERT_GE(test, vdring_notify_enable(&t->ring), 0);
	lt_expect_used(&t->q, 300);
}

/*
 * No log, no report, however much is stored; the ring follows its map's
 * log as it is set and cleared (no copy of the pointer at setup).
 */
static void lt_ring_quiet_test(struct kunit *test)
{
	struct lt_ring *t = lt_ring_new(test, test->param_value);
	struct lt_env *e = t->e;
	int writes, used;

	t->map.log = NULL;
	lt_ring_cycle(t, 0x61);
	KUNIT_EXPECT_GT(test, lt_changed(e), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&e->log.writes), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&e->log.used), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->map.log_writes), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->map.log_used), 0);

	t->map.log = &e->log.ops;
	lt_ring_cycle(t, 0x62);
	lt_check(e, "log set again");
	writes = atomic_read(&e->log.writes);
	used = atomic_read(&e->log.used);
	KUNIT_EXPECT_GT(test, writes, 0);
	KUNIT_EXPECT_GT(test, used, 0);

	t->map.log = NULL;
	lt_ring_cycle(t, 0x63);
	KUNIT_EXPECT_GT(test, lt_changed(e), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&e->log.writes), writes);
	KUNIT_EXPECT_EQ(test, atomic_read(&e->log.used), used);
}

static void lt_opts_desc(const struct lt_opts *o, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s %s%s",
		 o->packed ? "packed" : "split",
		 o->iotlb ? "iotlb" : "passthrough",
		 o->event_idx ? " event_idx" : "");
}

static const struct lt_opts lt_ring_variants[] = {
	{ .packed = false, .iotlb = false },
	{ .packed = false, .iotlb = true },
	{ .packed = true, .iotlb = false },
	{ .packed = true, .iotlb = true },
	{ .packed = false, .iotlb = false, .event_idx = true },
	{ .packed = false, .iotlb = true, .event_idx = true },
	{ .packed = true, .iotlb = false, .event_idx = true },
	{ .packed = true, .iotlb = true, .event_idx = true },
};

KUNIT_ARRAY_PARAM(lt_ring_variants, lt_ring_variants, lt_opts_desc);

/* --- vdpa_sim_log -------------------------------------------------------- */

/**
 * struct lt_dev - a simulated device driven through its config ops
 * @e: memory and log
 * @mdev: the management device it is created on (not registered)
 * @vs: the device (created, not registered on the bus)
 * @vdpa: its vDPA device
 * @ops: its config ops
 * @features: what the test driver negotiates
 * @nas: address spaces the test maps (IOTLB)
 * @q: the queues the test drives
 * @nq: how many
 * @late: the queues (bits of @q's indices) enabled only after DRIVER_OK
 */
struct lt_dev {
	struct lt_env *e;
	struct vdpa_mgmt_dev mdev;
	struct vdpasim *vs;
	struct vdpa_device *vdpa;
	const struct vdpa_config_ops *ops;
	u64 features;
	u32 nas;
	struct lt_q q[3];
	unsigned int nq;
	u32 late;
};

static void lt_dev_put(void *p)
{
	struct vdpasim *vs = p;

	vs->vdpa.config->set_status(&vs->vdpa, 0);
	put_device(&vs->vdpa.dev);
}

static struct lt_dev *lt_dev_new(struct kunit *test, const struct lt_opts *o,
				 bool blk, u32 asids)
{
	struct vdpa_dev_set_config cfg = {};
	struct lt_dev *d;

	d = kunit_kzalloc(test, sizeof(*d), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, d);
	d->e = lt_env_new(test, o->iotlb, asids);
	d->mdev.device = kunit_device_register(test, "vdpa_sim_log_test");
	KUNIT_ASSERT_FALSE(test, IS_ERR(d->mdev.device));
	d->vs = blk ? vdpasim_blk_create(&d->mdev, "lt-blk", &cfg, NULL) :
		      vdpasim_net_create(&d->mdev, "lt-net", &cfg, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(d->vs));
	lt_defer(test, lt_dev_put, d->vs);
	d->vdpa = &d->vs->vdpa;
	d->ops = d->vdpa->config;
	d->features = BIT_ULL(VIRTIO_F_VERSION_1) |
		      (o->packed ? BIT_ULL(VIRTIO_F_RING_PACKED) : 0);
	if (!d->ops->set_dirty_log)
		kunit_skip(test, "created with vdpa_sim.dirty_log=0");
	return d;
}

static void lt_dev_map(struct lt_dev *d, u32 asid)
{
	struct lt_env *e = d->e;
	struct vhost_iotlb *iotlb;
	unsigned int i;

	iotlb = kunit_kzalloc(e->test, sizeof(*iotlb), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(e->test, iotlb);
	vhost_iotlb_init(iotlb, LT_MAX_MAPS, 0);
	lt_defer(e->test, lt_iotlb_reset_action, iotlb);
	lt_fill_iotlb(e, asid, iotlb);
	if (d->ops->set_map) {
		KUNIT_ASSERT_EQ(e->test, d->ops->set_map(d->vdpa, asid, iotlb),
				0);
		return;
	}
	for (i = 0; i < e->nmap; i++) {
		const struct lt_page *m = &e->map[i];

		if (m->asid == asid)
			KUNIT_ASSERT_EQ(e->test,
					d->ops->dma_map(d->vdpa, asid, m->iova,
							PAGE_SIZE,
							virt_to_phys(e->mem + m->page * PAGE_SIZE),
							VHOST_MAP_RW, NULL), 0);
	}
}

/* Until no queue's work is pending or running, twice in a row. */
static void lt_settle(struct lt_dev *d)
{
	unsigned int round, i, idle = 0;
	bool busy;

	for (round = 0; round < 1000 && idle < 2; round++) {
		busy = false;
		for (i = 0; i < d->vs->attr.nvqs; i++) {
			struct work_struct *w = &d->vs->vqs[i].work;

			if (work_busy(w)) {
				busy = true;
				flush_work(w);
			}
		}
		idle = busy ? 0 : idle + 1;
	}
	KUNIT_EXPECT_EQ(d->e->test, idle, 2);
}

static void lt_dev_queue(struct lt_dev *d, struct lt_q *q)
{
	struct kunit *test = d->e->test;

	d->ops->set_vq_num(d->vdpa, q->idx, LT_NUM);
	KUNIT_ASSERT_EQ(test, d->ops->set_vq_address(d->vdpa, q->idx,
						     lt_q_addr(q, 0),
						     lt_q_addr(q, 1),
						     lt_q_addr(q, 2)), 0);
	d->ops->set_vq_ready(d->vdpa, q->idx, true);
	KUNIT_ASSERT_TRUE(test, d->ops->get_vq_ready(d->vdpa, q->idx));
}

/*
 * Features, groups, mappings and queues, then DRIVER_OK; with @log, the
 * fake log is set before DRIVER_OK. Waits for the start-up work.
 */
static void lt_dev_up(struct lt_dev *d, bool log)
{
	const u8 drv = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
		       VIRTIO_CONFIG_S_FEATURES_OK;
	struct kunit *test = d->e->test;
	unsigned int i;
	u32 asid;

	KUNIT_ASSERT_EQ(test, d->ops->set_driver_features(d->vdpa, d->features),
			0);
	d->ops->set_status(d->vdpa, drv);
	KUNIT_ASSERT_EQ(test, d->ops->get_status(d->vdpa), drv);
	/* net: the control queue's group in the second space */
	if (d->nas > 1)
		KUNIT_ASSERT_EQ(test, d->ops->set_group_asid(d->vdpa, 1, 1), 0);
	for (asid = 0; d->e->iotlb && asid < d->nas; asid++)
		lt_dev_map(d, asid);
	for (i = 0; i < d->nq; i++)
		if (!(d->late & BIT(i)))
			lt_dev_queue(d, &d->q[i]);
	if (log)
		KUNIT_ASSERT_EQ(test, d->ops->set_dirty_log(d->vdpa,
							    &d->e->log.ops), 0);
	d->ops->set_status(d->vdpa, drv | VIRTIO_CONFIG_S_DRIVER_OK);
	KUNIT_ASSERT_EQ(test, d->ops->get_status(d->vdpa),
			drv | VIRTIO_CONFIG_S_DRIVER_OK);
	lt_settle(d);
	lt_snap(d->e);
}

static void lt_kick(struct lt_dev *d, u16 idx)
{
	d->ops->kick_vq(d->vdpa, idx);
	lt_settle(d);
}

/*
 * A frame of @len bytes after its header, at page 16 + @off, to @dst
 * (NULL: broadcast).
 */
static void lt_net_send(struct lt_dev *d, struct lt_q *tx, u32 off, u32 len,
			const u8 *dst)
{
	const size_t hlen = sizeof(struct virtio_net_hdr_v1);
	u8 *p = d->e->mem + 16 * PAGE_SIZE + off;
	struct lt_seg s = { lt_iova(d->e, 0, 16, off), hlen + len, 0 };
	u32 i;

	memset(p, 0, hlen);
	if (dst)
		ether_addr_copy(p + hlen, dst);
	else
		eth_broadcast_addr(p + hlen);
	memcpy(p + hlen + ETH_ALEN, "\x02\x00\x00\x00\x00\x01\x88\xb5", 8);
	for (i = ETH_HLEN; i < len; i++)
		p[hlen + i] = i;
	lt_q_add(tx, &s, 1);
}

/*
 * Makes a control command available: class, command and @len bytes of
 * @data at page 18 + 64 * @slot, its ack (0xee until the device stores
 * one) at page 19 + @slot, in address space 1. Returns the ack byte.
 */
static u8 *lt_net_cmd(struct lt_dev *d, unsigned int slot, u8 class, u8 cmd,
		      const void *data, u32 len)
{
	struct lt_env *e = d->e;
	u8 *p = e->mem + 18 * PAGE_SIZE + 64 * slot;
	u8 *ack = e->mem + 19 * PAGE_SIZE + slot;
	struct lt_seg s[2] = {
		{ lt_iova(e, 1, 18, 64 * slot), 2 + len, 0 },
		{ lt_iova(e, 1, 19, slot), 1, LT_W },
	};

	p[0] = class;
	p[1] = cmd;
	memcpy(p + 2, data, len);
	*ack = 0xee;
	lt_q_add(&d->q[2], s, 2);
	return ack;
}

/* The control queue: PROMISC on, the ack stored in address space 1. */
static void lt_net_ctrl(struct lt_dev *d)
{
	const u8 on = 1;
	u8 *ack = lt_net_cmd(d, 0, VIRTIO_NET_CTRL_RX,
			     VIRTIO_NET_CTRL_RX_PROMISC, &on, 1);

	lt_snap(d->e);
	lt_kick(d, d->q[2].idx);
	lt_check(d->e, "control command");
	KUNIT_EXPECT_EQ(d->e->test, *ack, VIRTIO_NET_OK);
	lt_expect_used(&d->q[2], 1);
}

/*
 * A net device with one queue pair and a control queue (in address space
 * 1), mergeable buffers, the event index, CTRL_RX and @features; not yet
 * brought up.
 */
static struct lt_dev *lt_net_new(struct kunit *test, const struct lt_opts *o,
				 u64 features)
{
	struct lt_dev *d = lt_dev_new(test, o, false, BIT(0) | BIT(1));
	struct lt_env *e = d->e;

	lt_map_pages(e, 0, LT_IOVA, 0, 5);
	lt_map_pages(e, 0, LT_IOVA, 9, 17);
	lt_map_odd(e, 0);
	lt_map_pages(e, 1, LT_IOVA_AS1, 6, 8);
	lt_map_pages(e, 1, LT_IOVA_AS1, 18, 19);
	lt_q_init(e, &d->q[0], 0, 0, 0, o->packed);
	lt_q_init(e, &d->q[1], 1, 3, 0, o->packed);
	lt_q_init(e, &d->q[2], 2, 6, 1, o->packed);
	d->nq = 3;
	d->nas = 2;
	d->features |= BIT_ULL(VIRTIO_NET_F_MRG_RXBUF) |
		       BIT_ULL(VIRTIO_NET_F_CTRL_VQ) |
		       BIT_ULL(VIRTIO_NET_F_CTRL_RX) |
		       BIT_ULL(VIRTIO_RING_F_EVENT_IDX) | features;
	return d;
}

/*
 * A frame of 262 bytes with its header, first with two receive buffers of
 * 100 (filled, then given back), then with a third: delivered over three.
 */
static void lt_net_test(struct kunit *test)
{
	struct lt_dev *d = lt_net_new(test, test->param_value, 0);
	const size_t nb = offsetof(struct virtio_net_hdr_v1, num_buffers);
	struct lt_q *rx = &d->q[0], *tx = &d->q[1];
	struct lt_env *e = d->e;
	u8 *b1 = e->mem + 21 * PAGE_SIZE - 60;
	struct lt_seg s[2], b2, b3;
	int writes, used;

	lt_dev_up(d, true);
	lt_gap_segs(e, 0, s, 60, 40);
	lt_q_add(rx, s, 2);
	b2 = lt_scat_seg(e, 0, 50, 100);
	lt_q_add(rx, &b2, 1);
	lt_net_send(d, tx, 0, 250, NULL);
	lt_snap(e);
	lt_kick(d, tx->idx);
	KUNIT_EXPECT_EQ(test, b1[sizeof(struct virtio_net_hdr_v1)], 0xff);
	lt_check(e, "frame waiting for a third buffer");

	b3 = (struct lt_seg){ lt_iova(e, 0, 10, 0), 128, LT_W };
	lt_q_add(rx, &b3, 1);
	lt_snap(e);
	lt_kick(d, rx->idx);
	lt_check(e, "frame delivered");
	lt_expect_used(rx, 100);
	lt_expect_used(rx, 100);
	lt_expect_used(rx, 62);
	lt_expect_used(tx, 0);
	KUNIT_EXPECT_EQ(test, get_unaligned_le16(b1 + nb), 3);

	lt_net_ctrl(d);

	KUNIT_ASSERT_EQ(test, d->ops->set_dirty_log(d->vdpa, NULL), 0);
	writes = atomic_read(&e->log.writes);
	used = atomic_read(&e->log.used);
	b3 = (struct lt_seg){ lt_iova(e, 0, 11, 0), 512, LT_W };
	lt_q_add(rx, &b3, 1);
	lt_net_send(d, tx, 1024, 300, NULL);
	lt_snap(e);
	lt_kick(d, tx->idx);
	lt_expect_used(rx, 300 + sizeof(struct virtio_net_hdr_v1));
	KUNIT_EXPECT_GT(test, lt_changed(e), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&e->log.writes), writes);
	KUNIT_EXPECT_EQ(test, atomic_read(&e->log.used), used);
}

/* A transmit kick the way virtio_net makes it: bottom halves disabled. */
static void lt_kick_bh_off(struct lt_dev *d, u16 idx)
{
	local_bh_disable();
	vdpasim_vq_kick_inline_bh(&d->vs->vqs[idx]);
	local_bh_enable();
}

/*
 * One receive buffer (page @pg of the environment, behind an indirect
 * table at @ind if @ind >= 0) and a frame of @len bytes sent from @off of
 * the transmit buffers, kicked with bottom halves off: delivered by the
 * kick itself when @by_kick (both used before the work ran), else by the
 * work. The log is checked against what was written, as @what.
 */
static void lt_inline_step(struct lt_dev *d, unsigned int pg, int ind,
			   u32 off, u32 len, bool by_kick, const char *what)
{
	const u32 hlen = sizeof(struct virtio_net_hdr_v1);
	struct lt_q *rx = &d->q[0], *tx = &d->q[1];
	struct lt_seg b = { lt_iova(d->e, 0, pg, 0), 512, LT_W };

	if (ind < 0)
		lt_q_add(rx, &b, 1);
	else
		lt_q_add_indirect(rx, &b, 1, ind);
	lt_net_send(d, tx, off, len, NULL);
	lt_snap(d->e);
	lt_kick_bh_off(d, tx->idx);
	if (by_kick) {
		lt_expect_used(rx, len + hlen);
		lt_expect_used(tx, 0);
	}
	lt_settle(d);
	lt_check(d->e, what);
	if (!by_kick) {
		lt_expect_used(rx, len + hlen);
		lt_expect_used(tx, 0);
	}
}

/*
 * Transmit kicks served by the kick itself (vdpasim_vq_kick_inline_bh(),
 * what inline_kick makes vdpa_sim_net do): a frame delivered before the
 * kick returns, logged like the work's; then, the receive queue's lock
 * held elsewhere, the kick leaves the frame to the work, which delivers
 * it once the lock is free; then a receive buffer behind the ring's first
 * indirect table (its copy must be allocated, which the kick may not do):
 * the frame goes back to the ring and the work delivers it, and the next
 * such buffer is filled by the kick.
 */
static void lt_net_inline_test(struct kunit *test)
{
	struct lt_dev *d = lt_net_new(test, test->param_value,
				      BIT_ULL(VIRTIO_RING_F_INDIRECT_DESC));
	const u32 hlen = sizeof(struct virtio_net_hdr_v1);
	struct lt_q *rx = &d->q[0], *tx = &d->q[1];
	struct vdpasim_vq *rxq = &d->vs->vqs[0];
	struct lt_env *e = d->e;
	struct lt_seg b;
	u16 id;
	u32 len;

	lt_dev_up(d, true);
	b = (struct lt_seg){ lt_iova(e, 0, 10, 0), 512, LT_W };
	lt_q_add(rx, &b, 1);
	lt_net_send(d, tx, 0, 100, NULL);
	lt_kick(d, tx->idx);		/* the work resolves both rings */
	lt_expect_used(rx, 100 + hlen);
	lt_expect_used(tx, 0);

	lt_inline_step(d, 11, -1, 512, 200, true,
		       "frame delivered by the kick");

	b = (struct lt_seg){ lt_iova(e, 0, 12, 0), 512, LT_W };
	lt_q_add(rx, &b, 1);
	lt_net_send(d, tx, 1024, 300, NULL);
	lt_snap(e);
	mutex_lock(&rxq->lock);
	lt_kick_bh_off(d, tx->idx);
	KUNIT_EXPECT_FALSE(test, lt_q_used(rx, &id, &len));
	mutex_unlock(&rxq->lock);
	lt_settle(d);
	lt_check(e, "frame delivered by the work");
	lt_expect_used(rx, 300 + hlen);
	lt_expect_used(tx, 0);

	lt_inline_step(d, 13, 0, 2048, 100, false,
		       "indirect receive buffer: the work delivers");
	lt_inline_step(d, 14, 64, 2560, 100, true,
		       "indirect receive buffer filled by the kick");
}

/*
 * Replays control commands with only the control queue enabled; returns
 * once every ack was stored and checked.
 */
static void lt_net_replay(struct lt_dev *d, const u8 *mac)
{
	const __le16 vid = cpu_to_le16(18), pairs = cpu_to_le16(1);
	const u8 off = 0;
	u8 *ack[4];
	unsigned int i;

	ack[0] = lt_net_cmd(d, 0, VIRTIO_NET_CTRL_MAC,
			    VIRTIO_NET_CTRL_MAC_ADDR_SET, mac, ETH_ALEN);
	ack[1] = lt_net_cmd(d, 1, VIRTIO_NET_CTRL_RX,
			    VIRTIO_NET_CTRL_RX_ALLMULTI, &off, 1);
	ack[2] = lt_net_cmd(d, 2, VIRTIO_NET_CTRL_VLAN,
			    VIRTIO_NET_CTRL_VLAN_ADD, &vid, sizeof(vid));
	ack[3] = lt_net_cmd(d, 3, VIRTIO_NET_CTRL_MQ,
			    VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, &pairs,
			    sizeof(pairs));
	lt_snap(d->e);
	lt_kick(d, d->q[2].idx);
	lt_check(d->e, "commands replayed");
	for (i = 0; i < ARRAY_SIZE(ack); i++) {
		KUNIT_EXPECT_EQ(d->e->test, *ack[i], VIRTIO_NET_OK);
		lt_expect_used(&d->q[2], 1);
	}
}

/*
 * The control state restored the way a migration destination restores it
 * (VHOST_BACKEND_F_ENABLE_AFTER_DRIVER_OK): only the control queue enabled
 * at DRIVER_OK, the commands replayed, then the data queues enabled. The
 * state is what the commands said, a frame to the restored MAC address
 * comes back, and every store on the way was reported.
 */
static void lt_net_restore_test(struct kunit *test)
{
	static const u8 mac[ETH_ALEN] = { 0x02, 0, 0, 0, 0x18, 0x01 };
	struct lt_dev *d = lt_net_new(test, test->param_value,
				      BIT_ULL(VIRTIO_NET_F_CTRL_VLAN) |
				      BIT_ULL(VIRTIO_NET_F_CTRL_MAC_ADDR) |
				      BIT_ULL(VIRTIO_NET_F_MQ));
	struct vdpasim_net *net = sim_to_net(d->vs);
	struct lt_q *rx = &d->q[0], *tx = &d->q[1];
	struct lt_seg b = { lt_iova(d->e, 0, 10, 0), 512, LT_W };
	struct vdpasim_net_state st;

	d->late = BIT(0) | BIT(1);
	lt_dev_up(d, true);
	lt_net_replay(d, mac);
	spin_lock(&net->state_lock);
	st = net->state;
	spin_unlock(&net->state_lock);
	KUNIT_EXPECT_TRUE(test, ether_addr_equal(st.mac, mac));
	KUNIT_EXPECT_FALSE(test, st.allmulti);
	KUNIT_EXPECT_TRUE(test, test_bit(18, st.vlans));
	KUNIT_EXPECT_EQ(test, st.curr_vqp, 1);

	lt_dev_queue(d, rx);
	lt_dev_queue(d, tx);
	lt_settle(d);
	lt_check(d->e, "data queues enabled after DRIVER_OK");
	lt_q_add(rx, &b, 1);
	lt_net_send(d, tx, 0, 100, mac);
	lt_snap(d->e);
	lt_kick(d, tx->idx);
	lt_check(d->e, "frame to the restored address");
	lt_expect_used(rx, 100 + sizeof(struct virtio_net_hdr_v1));
	lt_expect_used(tx, 0);
}

/*
 * Makes a block request available: its header (@type, @sector) at page
 * 11 + 16 * @slot, the @n data segments, its status byte (0xee until the
 * device stores one) at page 14 + @slot; with @indirect through a table
 * at 64 * @slot of the table page. Returns the status byte.
 */
static u8 *__lt_blk_post(struct lt_dev *d, u32 type, u64 sector,
			 const struct lt_seg *data, unsigned int n,
			 unsigned int slot, bool indirect)
{
	struct lt_env *e = d->e;
	struct virtio_blk_outhdr *hdr =
		(void *)e->mem + 11 * PAGE_SIZE + 16 * slot;
	u8 *status = e->mem + 14 * PAGE_SIZE + slot;
	struct lt_seg s[4];

	KUNIT_ASSERT_LE(e->test, n, 2);
	hdr->type = __cpu_to_virtio32(true, type);
	hdr->ioprio = 0;
	hdr->sector = __cpu_to_virtio64(true, sector);
	*status = 0xee;
	s[0] = (struct lt_seg){ lt_iova(e, 0, 11, 16 * slot), 16, 0 };
	memcpy(&s[1], data, n * sizeof(*data));
	s[n + 1] = (struct lt_seg){ lt_iova(e, 0, 14, slot), 1, LT_W };
	if (indirect)
		lt_q_add_indirect(&d->q[0], s, n + 2, 64 * slot);
	else
		lt_q_add(&d->q[0], s, n + 2);
	return status;
}

static u8 *lt_blk_post(struct lt_dev *d, u32 type, u64 sector,
		       const struct lt_seg *data, unsigned int n,
		       unsigned int slot)
{
	return __lt_blk_post(d, type, sector, data, n, slot, false);
}

/*
 * Kick the way virtio_blk does under blk-mq, where the kicker must not
 * sleep: the block class may serve the kick right there (inline_kick).
 */
static void lt_kick_nosleep(struct lt_dev *d, u16 idx)
{
	preempt_disable();
	d->ops->kick_vq(d->vdpa, idx);
	preempt_enable();
}

/* A block request served with the log checked; returns its status. */
static u8 lt_blk_req(struct lt_dev *d, u32 type, u64 sector,
		     const struct lt_seg *data, unsigned int n,
		     unsigned int slot, const char *what)
{
	u8 *status = lt_blk_post(d, type, sector, data, n, slot);

	lt_snap(d->e);
	lt_kick_nosleep(d, 0);
	lt_settle(d);
	lt_check(d->e, what);
	return *status;
}

static struct lt_dev *lt_blk_new(struct kunit *test, const struct lt_opts *o)
{
	struct lt_dev *d = lt_dev_new(test, o, true, BIT(0));
	struct lt_env *e = d->e;

	d->features |= BIT_ULL(VIRTIO_RING_F_INDIRECT_DESC);

	lt_map_pages(e, 0, LT_IOVA, 0, 19);
	lt_map_odd(e, 0);
	lt_q_init(e, &d->q[0], 0, 0, 0, o->packed);
	d->nq = 1;
	d->nas = 1;
	memset(e->mem + 10 * PAGE_SIZE, 0xc3, 14 * PAGE_SIZE);
	lt_dev_up(d, true);
	return d;
}

/*
 * A write, its read back (across two pages, then across the IOVA gap),
 * GET_ID, a read past the end (status only), a completion dropped by the
 * fault knob (stored and reported, never used).
 */
static void lt_blk_test(struct kunit *test)
{
	struct lt_dev *d = lt_blk_new(test, test->param_value);
	struct lt_env *e = d->e;
	const u64 end = (u64)128 << (20 - 9);	/* the default 128 MiB */
	struct lt_seg out = { lt_iova(e, 0, 17, 0), 512, 0 };
	struct lt_seg in = { lt_iova(e, 0, 12, PAGE_SIZE - 512), 1024, LT_W };
	struct lt_seg id = { lt_iova(e, 0, 13, 700), 20, LT_W };
	struct lt_seg gap[2], late = { lt_iova(e, 0, 15, 0), 512, LT_W };
	u8 *status;

	memset(e->mem + 17 * PAGE_SIZE, 0x5a, 512);
	KUNIT_EXPECT_EQ(test, lt_blk_req(d, VIRTIO_BLK_T_OUT, 8, &out, 1, 0,
					 "write"), VIRTIO_BLK_S_OK);
	lt_expect_used(&d->q[0], 1);
	KUNIT_EXPECT_EQ(test, lt_blk_req(d, VIRTIO_BLK_T_IN, 8, &in, 1, 1,
					 "read"), VIRTIO_BLK_S_OK);
	lt_expect_used(&d->q[0], 1025);
	KUNIT_EXPECT_EQ(test, e->mem[13 * PAGE_SIZE - 1], 0x5a);
	KUNIT_EXPECT_EQ(test, e->mem[13 * PAGE_SIZE], 0);
	/*
	 * The ring resolved, the queue idle, the chunk allocated: the kick
	 * itself serves the request (inline_kick), logged like the work.
	 */
	status = lt_blk_post(d, VIRTIO_BLK_T_IN, 8, &in, 1, 6);
	lt_snap(e);
	lt_kick_nosleep(d, 0);
	KUNIT_EXPECT_EQ(test, *status, VIRTIO_BLK_S_OK);
	lt_settle(d);
	lt_check(e, "read served by the kick");
	lt_expect_used(&d->q[0], 1025);
	lt_gap_segs(e, 0, gap, 100, 412);
	KUNIT_EXPECT_EQ(test, lt_blk_req(d, VIRTIO_BLK_T_IN, 8, gap, 2, 2,
					 "read across the gap"),
			VIRTIO_BLK_S_OK);
	lt_expect_used(&d->q[0], 513);
	KUNIT_EXPECT_EQ(test, lt_blk_req(d, VIRTIO_BLK_T_GET_ID, 0, &id, 1, 3,
					 "get id"), VIRTIO_BLK_S_OK);
	lt_expect_used(&d->q[0], 21);
	KUNIT_EXPECT_EQ(test, lt_blk_req(d, VIRTIO_BLK_T_IN, end, &late, 1, 4,
					 "read past the end"),
			VIRTIO_BLK_S_IOERR);
	lt_expect_used(&d->q[0], 1);
	KUNIT_EXPECT_EQ(test, e->mem[15 * PAGE_SIZE], 0xc3);
	atomic_set(&d->vs->faults.drop_completions, 1);
	late.addr = lt_iova(e, 0, 16, 0);
	KUNIT_EXPECT_EQ(test, lt_blk_req(d, VIRTIO_BLK_T_IN, 8, &late, 1, 5,
					 "dropped completion"),
			VIRTIO_BLK_S_OK);
	KUNIT_EXPECT_EQ(test, e->mem[16 * PAGE_SIZE], 0x5a);
}

/*
 * Reads through indirect tables, kicked where the kicker may not sleep:
 * the first one needs the copy of a table allocated, which the kick
 * leaves to the work (allocating may sleep); the next one the kick
 * serves itself. Both logged like any other.
 */
static void lt_blk_indirect_test(struct kunit *test)
{
	struct lt_dev *d = lt_blk_new(test, test->param_value);
	struct lt_env *e = d->e;
	struct lt_seg in = { lt_iova(e, 0, 12, 100), 512, LT_W };
	u8 *status;

	KUNIT_EXPECT_EQ(test, lt_blk_req(d, VIRTIO_BLK_T_IN, 8, &in, 1, 0,
					 "direct read"), VIRTIO_BLK_S_OK);
	lt_expect_used(&d->q[0], 513);
	status = __lt_blk_post(d, VIRTIO_BLK_T_IN, 8, &in, 1, 1, true);
	lt_snap(e);
	lt_kick_nosleep(d, 0);
	lt_settle(d);
	KUNIT_EXPECT_EQ(test, *status, VIRTIO_BLK_S_OK);
	lt_check(e, "first indirect read");
	lt_expect_used(&d->q[0], 513);
	status = __lt_blk_post(d, VIRTIO_BLK_T_IN, 8, &in, 1, 2, true);
	lt_snap(e);
	lt_kick_nosleep(d, 0);
	KUNIT_EXPECT_EQ(test, *status, VIRTIO_BLK_S_OK);
	lt_settle(d);
	lt_check(e, "indirect read served by the kick");
	lt_expect_used(&d->q[0], 513);
}

/* A reset keeps the log; set_dirty_log(NULL) stops every report. */
static void lt_blk_reset_test(struct kunit *test)
{
	struct lt_dev *d = lt_blk_new(test, test->param_value);
	struct lt_env *e = d->e;
	struct lt_seg in = { lt_iova(e, 0, 12, 0), 512, LT_W };
	int writes, used;

	d->ops->set_status(d->vdpa, 0);
	KUNIT_EXPECT_PTR_EQ(test, READ_ONCE(d->vs->as[0].map.log),
			    &e->log.ops);
	lt_q_init(e, &d->q[0], 0, 0, 0, d->q[0].packed);
	lt_dev_up(d, false);
	KUNIT_EXPECT_EQ(test, lt_blk_req(d, VIRTIO_BLK_T_IN, 8, &in, 1, 0,
					 "read after a reset"),
			VIRTIO_BLK_S_OK);
	lt_expect_used(&d->q[0], 513);
	KUNIT_EXPECT_GT(test, atomic_read(&e->log.writes), 0);

	KUNIT_ASSERT_EQ(test, d->ops->set_dirty_log(d->vdpa, NULL), 0);
	KUNIT_EXPECT_NULL(test, READ_ONCE(d->vs->as[0].map.log));
	writes = atomic_read(&e->log.writes);
	used = atomic_read(&e->log.used);
	memset(e->mem + 12 * PAGE_SIZE, 0xc3, 512);
	lt_blk_post(d, VIRTIO_BLK_T_IN, 8, &in, 1, 1);
	lt_snap(e);
	lt_kick_nosleep(d, 0);
	lt_settle(d);
	lt_expect_used(&d->q[0], 513);
	KUNIT_EXPECT_GT(test, lt_changed(e), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&e->log.writes), writes);
	KUNIT_EXPECT_EQ(test, atomic_read(&e->log.used), used);
}

static const struct lt_opts lt_dev_variants[] = {
	{ .packed = false, .iotlb = false },
	{ .packed = false, .iotlb = true },
	{ .packed = true, .iotlb = false },
	{ .packed = true, .iotlb = true },
};

KUNIT_ARRAY_PARAM(lt_dev_variants, lt_dev_variants, lt_opts_desc);

static struct kunit_case lt_ring_cases[] = {
	KUNIT_CASE_PARAM(lt_ring_net_test, lt_ring_variants_gen_params),
	KUNIT_CASE_PARAM(lt_ring_blk_test, lt_ring_variants_gen_params),
	KUNIT_CASE_PARAM(lt_ring_quiet_test, lt_ring_variants_gen_params),
	{}
};

static struct kunit_case lt_dev_cases[] = {
	KUNIT_CASE_PARAM(lt_net_test, lt_dev_variants_gen_params),
	KUNIT_CASE_PARAM(lt_net_restore_test, lt_dev_variants_gen_params),
	KUNIT_CASE_PARAM(lt_net_inline_test, lt_dev_variants_gen_params),
	KUNIT_CASE_PARAM(lt_blk_test, lt_dev_variants_gen_params),
	KUNIT_CASE_PARAM(lt_blk_indirect_test, lt_dev_variants_gen_params),
	KUNIT_CASE_PARAM(lt_blk_reset_test, lt_dev_variants_gen_params),
	{}
};

static struct kunit_suite lt_ring_suite = {
	.name = "vdpa_ring_log",
	.test_cases = lt_ring_cases,
};

static struct kunit_suite lt_dev_suite = {
	.name = "vdpa_sim_log",
	.test_cases = lt_dev_cases,
};

kunit_test_suites(&lt_ring_suite, &lt_dev_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for the vDPA simulator's dirty-page logging");
