// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for the shared pinning charge of vhost_vdpa
 * (drivers/vhost_vdpa/share.c): the registry of an mm charges each pfn
 * to its pinned_vm once, however many mappings hold it, refuses what
 * would pass the limit without changing anything, and gives every page
 * back when its last holder goes.
 *
 * The mm is a zeroed &struct mm_struct of the test's own: the registry
 * uses it as a key and touches only its pinned_vm.
 */

#include <kunit/test.h>
#include <linux/mm_types.h>
#include <linux/module.h>
#include <linux/prandom.h>

#include "../../drivers/vhost_vdpa/internal.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define NOLIMIT ULONG_MAX

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
	struct vhv_share *s = vhv_share_get(mm);

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_PTR_EQ(test, vhv_share_get(mm), s);
	KUNIT_EXPECT_EQ(test, vhv_share_charge(s, 1000, 100, NOLIMIT), 0);
	KUNIT_EXPECT_EQ(test, pinned(mm), 100);
	KUNIT_EXPECT_EQ(test, vhv_share_charge(s, 1000, 100, NOLIMIT), 0);
	KUNIT_EXPECT_EQ(test, pinned(mm), 100);
	vhv_share_uncharge(s, 1000, 100);
	KUNIT_EXPECT_EQ(test, pinned(mm), 100);
	vhv_share_uncharge(s, 1000, 100);
	KUNIT_EXPECT_EQ(test, pinned(mm), 0);
	vhv_share_put(s);
	vhv_share_put(s);
}

/* Overlapping ranges: the charge is the size of their union. */
static void share_overlap(struct kunit *test)
{
	struct mm_struct *mm = fake_mm(test);
	struct vhv_share *s = vhv_share_get(mm);

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, vhv_share_charge(s, 0, 100, NOLIMIT), 0);
	KUNIT_EXPECT_EQ(test, vhv_share_charge(s, 50, 100, NOLIMIT), 0);
	KUNIT_EXPECT_EQ(test, pinned(mm), 150);
	KUNIT_EXPECT_EQ(test, vhv_share_charge(s, 25, 50, NOLIMIT), 0);
	KUNIT_EXPECT_EQ(test, vhv_share_charge(s, 300, 1, NOLIMIT), 0);
	KUNIT_EXPECT_EQ(test, pinned(mm), 151);
	vhv_share_uncharge(s, 0, 100);		/* left: [25, 149], 300 */
	KUNIT_EXPECT_EQ(test, pinned(mm), 126);
	vhv_share_uncharge(s, 50, 100);		/* left: [25, 74], 300 */
	KUNIT_EXPECT_EQ(test, pinned(mm), 51);
	vhv_share_uncharge(s, 300, 1);
	vhv_share_uncharge(s, 25, 50);
	KUNIT_EXPECT_EQ(test, pinned(mm), 0);
	vhv_share_put(s);
}

/* Past the limit: -ENOMEM and nothing changed; held pages still fit. */
static void share_limit(struct kunit *test)
{
	struct mm_struct *mm = fake_mm(test);
	struct vhv_share *s = vhv_share_get(mm);

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, vhv_share_charge(s, 0, 100, 100), 0);
	KUNIT_EXPECT_EQ(test, vhv_share_charge(s, 50, 100, 100), -ENOMEM);
	KUNIT_EXPECT_EQ(test, pinned(mm), 100);
	KUNIT_EXPECT_EQ(test, vhv_share_charge(s, 0, 100, 100), 0);
	KUNIT_EXPECT_EQ(test, vhv_share_charge(s, 10, 20, 100), 0);
	KUNIT_EXPECT_EQ(test, pinned(mm), 100);
	KUNIT_EXPECT_EQ(test, vhv_share_charge(s, 100, 1, 100), -ENOMEM);
	vhv_share_uncharge(s, 0, 100);
	vhv_share_uncharge(s, 10, 20);
	KUNIT_EXPECT_EQ(test, pinned(mm), 100);
	vhv_share_uncharge(s, 0, 100);
	KUNIT_EXPECT_EQ(test, pinned(mm), 0);
	/* the limit counts what else the mm pinned */
	atomic64_set(&mm->pinned_vm, 90);
	KUNIT_EXPECT_EQ(test, vhv_share_charge(s, 0, 11, 100), -ENOMEM);
	KUNIT_EXPECT_EQ(test, vhv_share_charge(s, 0, 10, 100), 0);
	vhv_share_uncharge(s, 0, 10);
	KUNIT_EXPECT_EQ(test, pinned(mm), 90);
	vhv_share_put(s);
}

/* Two mms: two registries, each charged on its own. */
static void share_two_mms(struct kunit *test)
{
	struct mm_struct *a = fake_mm(test), *b = fake_mm(test);
	struct vhv_share *sa = vhv_share_get(a), *sb = vhv_share_get(b);

	KUNIT_ASSERT_NOT_NULL(test, sa);
	KUNIT_ASSERT_NOT_NULL(test, sb);
	KUNIT_EXPECT_PTR_NE(test, sa, sb);
	KUNIT_EXPECT_EQ(test, vhv_share_charge(sa, 7, 3, NOLIMIT), 0);
	KUNIT_EXPECT_EQ(test, vhv_share_charge(sb, 7, 3, NOLIMIT), 0);
	KUNIT_EXPECT_EQ(test, pinned(a), 3);
	KUNIT_EXPECT_EQ(test, pinned(b), 3);
	vhv_share_uncharge(sa, 7, 3);
	KUNIT_EXPECT_EQ(test, pinned(a), 0);
	KUNIT_EXPECT_EQ(test, pinned(b), 3);
	vhv_share_uncharge(sb, 7, 3);
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
	struct vhv_share *s = vhv_share_get(mm);
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
			vhv_share_uncharge(s, first[h], n[h]);
			for (p = first[h]; p < first[h] + n[h]; p++)
				count[p]--;
		} else {
			first[h] = prandom_u32_state(&rnd) % RND_PAGES;
			n[h] = 1 + prandom_u32_state(&rnd) %
				   (RND_PAGES - first[h]);
			KUNIT_ASSERT_EQ(test, vhv_share_charge(s, first[h], n[h],
							       NOLIMIT), 0);
			for (p = first[h]; p < first[h] + n[h]; p++)
				count[p]++;
		}
		held[h] = !held[h];
		for (want = 0, p = 0; p < RND_PAGES; p++)
			want += !!count[p];
		KUNIT_ASSERT_EQ(test, pinned(mm), (long)want);
	}
	for (h = 0; h < RND_HOLDS; h++)
		if (held[h])
			vhv_share_uncharge(s, first[h], n[h]);
	KUNIT_EXPECT_EQ(test, pinned(mm), 0);
	vhv_share_put(s);
}

static struct kunit_case share_cases[] = {
	KUNIT_CASE(share_same_range),
	KUNIT_CASE(share_overlap),
	KUNIT_CASE(share_limit),
	KUNIT_CASE(share_two_mms),
	KUNIT_CASE(share_random),
	{ }
};

static struct kunit_suite share_suite = {
	.name = "vhost_vdpa_share",
	.test_cases = share_cases,
};

kunit_test_suite(share_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for vhost_vdpa's shared pinning charge");
