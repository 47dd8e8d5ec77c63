// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for the shared pinning of vhost_vdpa
 * (drivers/vhost_vdpa/share.c): the registry of an mm keeps one pin of
 * each pfn and charges it to its pinned_vm once, however many mappings
 * hold it, refuses what would pass the limit without changing anything,
 * and unpins and uncharges every page when its last holder goes; its
 * spans let a mapping hold pages pinned at the same user addresses only
 * while nothing changed them, the pages are still held and the span
 * covers the range (writable when asked).
 *
 * The mm is a zeroed &struct mm_struct of the test's own: the registry
 * uses it as a key and touches only its pinned_vm. Pages are fake pfns:
 * the registry's unpin callback counts down the test's pin counts.
 */

#include <kunit/test.h>
#include <linux/mm_types.h>
#include <linux/module.h>
#include <linux/prandom.h>

#include "../../drivers/vhost_vdpa/internal.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define NOLIMIT ULONG_MAX
#define NPFN	2048

/* Pins of each fake pfn: taken by pin() (a GUP), dropped by the registry. */
static int pins[NPFN];
static int dirtied[NPFN];

static void fake_unpin(unsigned long pfn, unsigned long n, bool dirty)
{
	for (; n--; pfn++) {
		pins[pfn]--;
		dirtied[pfn] += dirty;
	}
}

static const struct vhv_share_ops fake_ops = {
	.unpin = fake_unpin,
	.spans = true,
};

/* Pin [@pfn, @pfn + @n) as a GUP would and hand the pins to @s. */
static int hold(struct vhv_share *s, unsigned long pfn, unsigned long n,
		unsigned long limit)
{
	unsigned long i;
	int err;

	for (i = 0; i < n; i++)
		pins[pfn + i]++;
	err = vhv_share_hold(s, pfn, n, limit, VHV_HOLD_PINNED);
	if (err)
		fake_unpin(pfn, n, false);
	return err;
}

static struct vhv_share *share_get(struct mm_struct *mm)
{
	memset(pins, 0, sizeof(pins));
	memset(dirtied, 0, sizeof(dirtied));
	return vhv_share_get(mm, &fake_ops);
}

/* Pages of [@pfn, @pfn + @n) with exactly @want pins. */
static unsigned long pinned_is(unsigned long pfn, unsigned long n, int want)
{
	unsigned long k = 0;

	for (; n--; pfn++)
		k += pins[pfn] == want;
	return k;
}

static struct mm_struct *fake_mm(struct kunit *test)
{
	struct mm_struct *mm = kunit_kzalloc(test, sizeof(*mm), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, mm);
	return mm;
}

static long pinned(struct mm_struct *mm)
{
	return atomic64_read(&mm->pinned_vm);
}

/* The same range held twice is charged once, until both holders went. */
static void share_same_range(struct kunit *test)
{
	struct mm_struct *mm = fake_mm(test);
	struct vhv_share *s = share_get(mm);

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_PTR_EQ(test, vhv_share_get(mm, &fake_ops), s);
	KUNIT_EXPECT_EQ(test, hold(s, 1000, 100, NOLIMIT), 0);
	KUNIT_EXPECT_EQ(test, pinned(mm), 100);
	KUNIT_EXPECT_EQ(test, hold(s, 1000, 100, NOLIMIT), 0);
	KUNIT_EXPECT_EQ(test, pinned(mm), 100);
	/* the second holder's pins were dropped: one pin a page */
	KUNIT_EXPECT_EQ(test, pinned_is(1000, 100, 1), 100);
	vhv_share_release(s, 1000, 100);
	KUNIT_EXPECT_EQ(test, pinned(mm), 100);
	KUNIT_EXPECT_EQ(test, pinned_is(1000, 100, 1), 100);
	vhv_share_release(s, 1000, 100);
	KUNIT_EXPECT_EQ(test, pinned(mm), 0);
	KUNIT_EXPECT_EQ(test, pinned_is(1000, 100, 0), 100);
	KUNIT_EXPECT_EQ(test, dirtied[1000], 0);
	vhv_share_put(s);
	vhv_share_put(s);
}

/* Overlapping ranges: the charge is the size of their union. */
static void share_overlap(struct kunit *test)
{
	struct mm_struct *mm = fake_mm(test);
	struct vhv_share *s = share_get(mm);

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, hold(s, 0, 100, NOLIMIT), 0);
	KUNIT_EXPECT_EQ(test, hold(s, 50, 100, NOLIMIT), 0);
	KUNIT_EXPECT_EQ(test, pinned(mm), 150);
	KUNIT_EXPECT_EQ(test, hold(s, 25, 50, NOLIMIT), 0);
	KUNIT_EXPECT_EQ(test, hold(s, 300, 1, NOLIMIT), 0);
	KUNIT_EXPECT_EQ(test, pinned(mm), 151);
	vhv_share_release(s, 0, 100);		/* left: [25, 149], 300 */
	KUNIT_EXPECT_EQ(test, pinned(mm), 126);
	vhv_share_release(s, 50, 100);		/* left: [25, 74], 300 */
	KUNIT_EXPECT_EQ(test, pinned(mm), 51);
	vhv_share_release(s, 300, 1);
	vhv_share_release(s, 25, 50);
	KUNIT_EXPECT_EQ(test, pinned(mm), 0);
	vhv_share_put(s);
}

/* Past the limit: -ENOMEM and nothing changed; held pages still fit. */
static void share_limit(struct kunit *test)
{
	struct mm_struct *mm = fake_mm(test);
	struct vhv_share *s = share_get(mm);

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, hold(s, 0, 100, 100), 0);
	KUNIT_EXPECT_EQ(test, hold(s, 50, 100, 100), -ENOMEM);
	KUNIT_EXPECT_EQ(test, pinned(mm), 100);
	KUNIT_EXPECT_EQ(test, hold(s, 0, 100, 100), 0);
	KUNIT_EXPECT_EQ(test, hold(s, 10, 20, 100), 0);
	KUNIT_EXPECT_EQ(test, pinned(mm), 100);
	KUNIT_EXPECT_EQ(test, hold(s, 100, 1, 100), -ENOMEM);
	vhv_share_release(s, 0, 100);
	vhv_share_release(s, 10, 20);
	KUNIT_EXPECT_EQ(test, pinned(mm), 100);
	vhv_share_release(s, 0, 100);
	KUNIT_EXPECT_EQ(test, pinned(mm), 0);
	/* the limit counts what else the mm pinned */
	atomic64_set(&mm->pinned_vm, 90);
	KUNIT_EXPECT_EQ(test, hold(s, 0, 11, 100), -ENOMEM);
	KUNIT_EXPECT_EQ(test, hold(s, 0, 10, 100), 0);
	vhv_share_release(s, 0, 10);
	KUNIT_EXPECT_EQ(test, pinned(mm), 90);
	vhv_share_put(s);
}

/* Two mms: two registries, each charged on its own. */
static void share_two_mms(struct kunit *test)
{
	struct mm_struct *a = fake_mm(test), *b = fake_mm(test);
	struct vhv_share *sa = share_get(a), *sb = vhv_share_get(b, &fake_ops);

	KUNIT_ASSERT_NOT_NULL(test, sa);
	KUNIT_ASSERT_NOT_NULL(test, sb);
	KUNIT_EXPECT_PTR_NE(test, sa, sb);
	KUNIT_EXPECT_EQ(test, hold(sa, 7, 3, NOLIMIT), 0);
	KUNIT_EXPECT_EQ(test, hold(sb, 7, 3, NOLIMIT), 0);
	KUNIT_EXPECT_EQ(test, pinned(a), 3);
	KUNIT_EXPECT_EQ(test, pinned(b), 3);
	vhv_share_release(sa, 7, 3);
	KUNIT_EXPECT_EQ(test, pinned(a), 0);
	KUNIT_EXPECT_EQ(test, pinned(b), 3);
	vhv_share_release(sb, 7, 3);
	vhv_share_put(sa);
	vhv_share_put(sb);
}

#define RND_PAGES	96
#define RND_HOLDS	24
#define RND_STEPS	2000

/* Random holds and releases against a per-page count kept here. */
static void share_random(struct kunit *test)
{
	struct mm_struct *mm = fake_mm(test);
	struct vhv_share *s = share_get(mm);
	unsigned long first[RND_HOLDS], n[RND_HOLDS];
	unsigned int count[RND_PAGES] = { };
	bool held[RND_HOLDS] = { };
	struct rnd_state rnd;
	unsigned int i, h, p, want;

	KUNIT_ASSERT_NOT_NULL(test, s);
	prandom_seed_state(&rnd, 19);
	for (i = 0; i < RND_STEPS; i++) {
		h = prandom_u32_state(&rnd) % RND_HOLDS;
		if (held[h]) {
			vhv_share_release(s, first[h], n[h]);
			for (p = first[h]; p < first[h] + n[h]; p++)
				count[p]--;
		} else {
			first[h] = prandom_u32_state(&rnd) % RND_PAGES;
			n[h] = 1 + prandom_u32_state(&rnd) %
				   (RND_PAGES - first[h]);
			KUNIT_ASSERT_EQ(test, hold(s, first[h], n[h], NOLIMIT),
					0);
			for (p = first[h]; p < first[h] + n[h]; p++)
				count[p]++;
		}
		held[h] = !held[h];
		for (want = 0, p = 0; p < RND_PAGES; p++) {
			want += !!count[p];
			KUNIT_ASSERT_EQ(test, pins[p], !!count[p]);
		}
		KUNIT_ASSERT_EQ(test, pinned(mm), (long)want);
	}
	for (h = 0; h < RND_HOLDS; h++)
		if (held[h])
			vhv_share_release(s, first[h], n[h]);
	KUNIT_EXPECT_EQ(test, pinned(mm), 0);
	vhv_share_put(s);
}

/* A page a writable mapping held is dirtied when its last holder goes. */
static void share_dirty(struct kunit *test)
{
	struct mm_struct *mm = fake_mm(test);
	struct vhv_share *s = share_get(mm);

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, hold(s, 10, 4, NOLIMIT), 0);
	pins[11]++;
	pins[12]++;
	KUNIT_EXPECT_EQ(test, vhv_share_hold(s, 11, 2, NOLIMIT,
					     VHV_HOLD_PINNED | VHV_HOLD_DIRTY),
			0);
	vhv_share_release(s, 11, 2);
	KUNIT_EXPECT_EQ(test, dirtied[11] + dirtied[12], 0);
	vhv_share_release(s, 10, 4);
	KUNIT_EXPECT_EQ(test, dirtied[10], 0);
	KUNIT_EXPECT_EQ(test, dirtied[11], 1);
	KUNIT_EXPECT_EQ(test, dirtied[12], 1);
	KUNIT_EXPECT_EQ(test, dirtied[13], 0);
	KUNIT_EXPECT_EQ(test, pinned_is(10, 4, 0), 4);
	KUNIT_EXPECT_EQ(test, pinned(mm), 0);
	vhv_share_put(s);
}

#define UA	0x100000UL	/* a user address */
#define PG(n)	((unsigned long)(n) << PAGE_SHIFT)

/*
 * A mapping pins 8 pages at UA (pfns 100..103 and 200..203) and records
 * them in a span; returns the span, referenced by its two IOTLB entries.
 */
static struct vhv_span *span_build(struct kunit *test, struct vhv_share *s,
				   bool writable, bool ok)
{
	struct vhv_span *sp = vhv_span_begin(s, UA, 8, writable);

	KUNIT_ASSERT_NOT_NULL(test, sp);
	KUNIT_ASSERT_EQ(test, hold(s, 100, 4, NOLIMIT), 0);
	vhv_span_add(sp, 100, 4);
	KUNIT_ASSERT_EQ(test, hold(s, 200, 4, NOLIMIT), 0);
	vhv_span_add(sp, 200, 4);
	/* the mapping's IOTLB entries reference it */
	vhv_span_get(sp);
	vhv_span_get(sp);
	vhv_span_end(s, sp, ok);
	return sp;
}

/* Drop what span_build() made (its two entries). */
static void span_unbuild(struct vhv_share *s, struct vhv_span *sp)
{
	vhv_share_release(s, 100, 4);
	vhv_span_put(s, sp);
	vhv_share_release(s, 200, 4);
	vhv_span_put(s, sp);
}

/* Release what vhv_span_hold() held for @n pages from @ua. */
static void span_release(struct kunit *test, struct vhv_share *s,
			 struct vhv_span *sp, unsigned long ua, unsigned long n,
			 unsigned long want_runs)
{
	struct vhv_span_iter it;
	unsigned long pfn, m, runs = 0;

	vhv_span_iter_init(&it, sp, ua, n);
	while (vhv_span_iter_next(&it, &pfn, &m)) {
		vhv_share_release(s, pfn, m);
		runs++;
	}
	KUNIT_EXPECT_EQ(test, runs, want_runs);
	vhv_span_put(s, sp);
}

/* A second mapping of the same addresses holds the pages, pinning none. */
static void span_hit(struct kunit *test)
{
	struct mm_struct *mm = fake_mm(test);
	struct vhv_share *s = share_get(mm);
	struct vhv_span *sp, *sp2;
	struct vhv_span_iter it;
	unsigned long pfn, m;

	KUNIT_ASSERT_NOT_NULL(test, s);
	sp = span_build(test, s, true, true);
	KUNIT_ASSERT_PTR_EQ(test, vhv_span_hold(s, UA, 8, true), sp);
	KUNIT_EXPECT_EQ(test, pinned(mm), 8);
	KUNIT_EXPECT_EQ(test, pinned_is(100, 4, 1) + pinned_is(200, 4, 1), 8);
	/* a part of it: pages 3..5 are pfns 103, 200, 201 */
	sp2 = vhv_span_hold(s, UA + PG(3), 3, false);
	KUNIT_ASSERT_PTR_EQ(test, sp2, sp);
	vhv_span_iter_init(&it, sp2, UA + PG(3), 3);
	KUNIT_EXPECT_TRUE(test, vhv_span_iter_next(&it, &pfn, &m));
	KUNIT_EXPECT_EQ(test, pfn, 103);
	KUNIT_EXPECT_EQ(test, m, 1);
	KUNIT_EXPECT_TRUE(test, vhv_span_iter_next(&it, &pfn, &m));
	KUNIT_EXPECT_EQ(test, pfn, 200);
	KUNIT_EXPECT_EQ(test, m, 2);
	KUNIT_EXPECT_FALSE(test, vhv_span_iter_next(&it, &pfn, &m));
	span_release(test, s, sp2, UA + PG(3), 3, 2);
	/* the builder goes first: the second mapping keeps the pages */
	span_unbuild(s, sp);
	KUNIT_EXPECT_EQ(test, pinned(mm), 8);
	KUNIT_EXPECT_EQ(test, pinned_is(100, 4, 1) + pinned_is(200, 4, 1), 8);
	span_release(test, s, sp, UA, 8, 2);
	KUNIT_EXPECT_EQ(test, pinned(mm), 0);
	KUNIT_EXPECT_EQ(test, pinned_is(100, 4, 0) + pinned_is(200, 4, 0), 8);
	KUNIT_EXPECT_EQ(test, dirtied[100] + dirtied[203], 2);
	vhv_share_put(s);
}

/* What a span cannot serve: more than it covers, writable from read-only. */
static void span_miss(struct kunit *test)
{
	struct mm_struct *mm = fake_mm(test);
	struct vhv_share *s = share_get(mm);
	struct vhv_span *sp;

	KUNIT_ASSERT_NOT_NULL(test, s);
	sp = span_build(test, s, false, true);
	KUNIT_EXPECT_NULL(test, vhv_span_hold(s, UA + PG(1), 8, false));
	KUNIT_EXPECT_NULL(test, vhv_span_hold(s, UA - PG(1), 2, false));
	KUNIT_EXPECT_NULL(test, vhv_span_hold(s, UA, 8, true));
	KUNIT_ASSERT_PTR_EQ(test, vhv_span_hold(s, UA, 8, false), sp);
	span_release(test, s, sp, UA, 8, 2);
	/* pages 100..103 go: the span no longer serves them */
	vhv_share_release(s, 100, 4);
	vhv_span_put(s, sp);
	KUNIT_EXPECT_NULL(test, vhv_span_hold(s, UA, 8, false));
	KUNIT_EXPECT_NULL(test, vhv_span_hold(s, UA, 1, false));
	KUNIT_ASSERT_PTR_EQ(test, vhv_span_hold(s, UA + PG(4), 4, false), sp);
	span_release(test, s, sp, UA + PG(4), 4, 1);
	vhv_share_release(s, 200, 4);
	vhv_span_put(s, sp);
	KUNIT_EXPECT_EQ(test, pinned(mm), 0);
	KUNIT_EXPECT_EQ(test, pinned_is(100, 4, 0) + pinned_is(200, 4, 0), 8);
	vhv_share_put(s);
}

/* A change of the addresses, during or after the pinning, ends the span. */
static void span_invalidate(struct kunit *test)
{
	struct mm_struct *mm = fake_mm(test);
	struct vhv_share *s = share_get(mm);
	struct vhv_span *sp;

	KUNIT_ASSERT_NOT_NULL(test, s);
	/* after: a change elsewhere leaves it, one overlapping ends it */
	sp = span_build(test, s, true, true);
	vhv_share_invalidate(s, UA + PG(8), UA + PG(9) - 1);
	vhv_share_invalidate_end(s);
	KUNIT_ASSERT_PTR_EQ(test, vhv_span_hold(s, UA, 8, true), sp);
	span_release(test, s, sp, UA, 8, 2);
	vhv_share_invalidate(s, UA + PG(7), UA + PG(7));
	vhv_share_invalidate_end(s);
	KUNIT_EXPECT_NULL(test, vhv_span_hold(s, UA, 1, false));
	span_unbuild(s, sp);
	/* during the pinning */
	sp = vhv_span_begin(s, UA, 8, true);
	KUNIT_ASSERT_NOT_NULL(test, sp);
	vhv_share_invalidate(s, UA, UA);
	vhv_share_invalidate_end(s);
	vhv_span_end(s, sp, true);
	KUNIT_EXPECT_NULL(test, vhv_span_hold(s, UA, 1, false));
	/* a change under way when it starts */
	vhv_share_invalidate(s, 0, 0);
	sp = span_build(test, s, true, true);
	vhv_share_invalidate_end(s);
	KUNIT_EXPECT_NULL(test, vhv_span_hold(s, UA, 1, false));
	span_unbuild(s, sp);
	/* a failed mapping */
	sp = vhv_span_begin(s, UA + PG(100), 1, true);
	vhv_span_end(s, sp, false);
	KUNIT_EXPECT_NULL(test, vhv_span_hold(s, UA + PG(100), 1, false));
	KUNIT_EXPECT_EQ(test, pinned(mm), 0);
	KUNIT_EXPECT_EQ(test, pinned_is(100, 4, 0) + pinned_is(200, 4, 0), 8);
	vhv_share_put(s);
}

static struct kunit_case share_cases[] = {
	KUNIT_CASE(share_same_range),
	KUNIT_CASE(share_overlap),
	KUNIT_CASE(share_limit),
	KUNIT_CASE(share_two_mms),
	KUNIT_CASE(share_random),
	KUNIT_CASE(share_dirty),
	KUNIT_CASE(span_hit),
	KUNIT_CASE(span_miss),
	KUNIT_CASE(span_invalidate),
	{ }
};

static struct kunit_suite share_suite = {
	.name = "vhost_vdpa_share",
	.test_cases = share_cases,
};

kunit_test_suite(share_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for vhost_vdpa's shared pinning");
