// SPDX-License-Identifier: GPL-2.0-only
/*
 * Shared pinning charge: pages that several vhost_vdpa devices of one
 * process (one mm) pin are charged to its RLIMIT_MEMLOCK (mm->pinned_vm)
 * once.
 */

#include <kunit/visibility.h>
#include <linux/interval_tree_generic.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "internal.h"

/**
 * DOC: shared pinning charge
 *
 * Every device still pins the pages it maps itself (its own page
 * references, released when its mapping goes, after the parent forgot
 * the mapping): only the charge is shared. Each mm with an owned device
 * has one &struct vhv_share, found by mm in a global list and counted by
 * its owning devices; it records which physical pages (pfns) those
 * devices have pinned for mappings, with how many mappings hold each, in
 * disjoint pfn ranges. A page is charged to mm->pinned_vm when its first
 * mapping comes and uncharged when its last goes, so the charge is the
 * number of distinct pages pinned, whatever the number of devices or of
 * mappings of the same memory. Keys are pfns, not user addresses: a page
 * stays charged while pinned even if userspace unmaps or replaces the
 * memory behind the address, and new memory at an old address has new
 * pfns, so nothing stale is ever reused.
 *
 * A range is only ever split, never merged: the ranges one mapping added
 * keep their bounds until it goes, so taking it out never allocates.
 *
 * The dirty log's pages (log.c) are not recorded: they stay charged per
 * device.
 */

/**
 * struct vhv_share - the pages the vhost_vdpa devices of one mm pinned
 * @node: in vhv_shares
 * @mm: the mm; not a reference of its own: each user holds one in
 *      &vhost_vdpa.owner
 * @users: devices owned by @mm; under vhv_shares_lock
 * @lock: protects @ranges and @charged; taken under &vhost_vdpa.lock,
 *        nothing is taken under it but memory allocation
 * @ranges: disjoint pfn ranges, &struct vhv_share_range
 * @charged: pages in @ranges: what this registry charged to
 *           @mm->pinned_vm
 */
struct vhv_share {
	struct list_head node;
	struct mm_struct *mm;
	unsigned int users;
	struct mutex lock;	/* protects ranges, charged */
	struct rb_root_cached ranges;
	unsigned long charged;
};

/**
 * struct vhv_share_range - pfns held by the same number of mappings
 * @rb: in &vhv_share.ranges
 * @start: first pfn
 * @last: last pfn
 * @subtree_last: the interval tree's augmentation
 * @holders: mappings (of any device of the mm) that hold them pinned
 */
struct vhv_share_range {
	struct rb_node rb;
	unsigned long start;
	unsigned long last;
	unsigned long subtree_last;
	unsigned long holders;
};

#define VHV_START(r) ((r)->start)
#define VHV_LAST(r) ((r)->last)
INTERVAL_TREE_DEFINE(struct vhv_share_range, rb, unsigned long, subtree_last,
		     VHV_START, VHV_LAST, static, vhv_rt);

static LIST_HEAD(vhv_shares);
/* Protects vhv_shares and every &vhv_share.users. */
static DEFINE_MUTEX(vhv_shares_lock);

/**
 * vhv_share_get() - the registry of an mm, with a user more
 * @mm: the owner's mm
 *
 * Return: the registry, or NULL without memory.
 */
struct vhv_share *vhv_share_get(struct mm_struct *mm)
{
	struct vhv_share *s;

	mutex_lock(&vhv_shares_lock);
	list_for_each_entry(s, &vhv_shares, node) {
		if (s->mm == mm) {
			s->users++;
			goto out;
		}
	}
	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (s) {
		s->mm = mm;
		s->users = 1;
		mutex_init(&s->lock);
		s->ranges = RB_ROOT_CACHED;
		list_add(&s->node, &vhv_shares);
	}
out:
	mutex_unlock(&vhv_shares_lock);
	return s;
}
EXPORT_SYMBOL_IF_KUNIT(vhv_share_get);

/**
 * vhv_share_put() - a user less; the last frees the registry
 * @s: from vhv_share_get(); the caller's mappings all released
 */
void vhv_share_put(struct vhv_share *s)
{
	mutex_lock(&vhv_shares_lock);
	if (--s->users) {
		mutex_unlock(&vhv_shares_lock);
		return;
	}
	list_del(&s->node);
	mutex_unlock(&vhv_shares_lock);
	WARN_ON_ONCE(s->charged || !RB_EMPTY_ROOT(&s->ranges.rb_root));
	mutex_destroy(&s->lock);
	kfree(s);
}
EXPORT_SYMBOL_IF_KUNIT(vhv_share_put);

/* Pages of [@first, @last] already in @s. */
static unsigned long vhv_share_covered(struct vhv_share *s,
				       unsigned long first, unsigned long last)
{
	struct vhv_share_range *it;
	unsigned long n = 0;

	lockdep_assert_held(&s->lock);
	for (it = vhv_rt_iter_first(&s->ranges, first, last); it;
	     it = vhv_rt_iter_next(it, first, last))
		n += min(it->last, last) - max(it->start, first) + 1;
	return n;
}

static struct vhv_share_range *vhv_share_new(struct vhv_share *s,
					     unsigned long first,
					     unsigned long last,
					     unsigned long holders)
{
	struct vhv_share_range *r = kmalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);

	if (!r)
		return NULL;
	r->start = first;
	r->last = last;
	r->holders = holders;
	vhv_rt_insert(r, &s->ranges);
	return r;
}

/* Cut @r before @pfn (inside it, not its first): the upper part, or NULL. */
static struct vhv_share_range *vhv_share_split(struct vhv_share *s,
					       struct vhv_share_range *r,
					       unsigned long pfn)
{
	unsigned long last = r->last;
	struct vhv_share_range *up;

	/* Both halves present while the tree is changed: insert first. */
	up = kmalloc(sizeof(*up), GFP_KERNEL_ACCOUNT);
	if (!up)
		return NULL;
	vhv_rt_remove(r, &s->ranges);
	r->last = pfn - 1;
	vhv_rt_insert(r, &s->ranges);
	up->start = pfn;
	up->last = last;
	up->holders = r->holders;
	vhv_rt_insert(up, &s->ranges);
	return up;
}

/*
 * One holder more for [@first, @last]: new ranges for the gaps, ranges
 * cut at both ends. *@next is where it stopped (past @last when done).
 */
static int vhv_share_hold(struct vhv_share *s, unsigned long first,
			  unsigned long last, unsigned long *next)
{
	struct vhv_share_range *it;
	struct vhv_share_range *r;
	unsigned long c = first;
	int err = 0;

	while (c <= last && !err) {
		it = vhv_rt_iter_first(&s->ranges, c, last);
		if (!it || it->start > c) {
			r = vhv_share_new(s, c, it ? it->start - 1 : last, 1);
			err = r ? 0 : -ENOMEM;
			if (r)
				c = r->last + 1;
			continue;
		}
		r = it;
		if (it->start < c)
			r = vhv_share_split(s, r, c);
		if (r && r->last > last && !vhv_share_split(s, r, last + 1))
			r = NULL;
		if (!r) {
			err = -ENOMEM;
			continue;
		}
		r->holders++;
		c = r->last + 1;
	}
	*next = c;
	return err;
}

/*
 * One holder less for [@first, @last], which vhv_share_hold() added:
 * ranges left without one go. Returns the pages that went.
 */
static unsigned long vhv_share_unhold(struct vhv_share *s,
				      unsigned long first, unsigned long last)
{
	struct vhv_share_range *it;
	struct vhv_share_range *r;
	unsigned long gone = 0;

	while (first <= last &&
	       (it = vhv_rt_iter_first(&s->ranges, first, last))) {
		r = it;
		first = it->last + 1;
		WARN_ON_ONCE(it->last > last);
		if (--r->holders)
			continue;
		vhv_rt_remove(it, &s->ranges);
		gone += it->last - it->start + 1;
		kfree(r);
	}
	return gone;
}

/**
 * vhv_share_charge() - record pinned pages, charging the new ones
 * @s: the registry of the pinning mm
 * @pfn: first page
 * @n: pages (at least 1)
 * @limit: most pages the mm may have pinned (RLIMIT_MEMLOCK)
 *
 * Pages no other mapping of the mm holds are charged to its pinned_vm,
 * unless that would pass @limit.
 *
 * Return: 0, or -ENOMEM (past @limit, or no memory) with nothing changed.
 */
int vhv_share_charge(struct vhv_share *s, unsigned long pfn, unsigned long n,
		     unsigned long limit)
{
	unsigned long last = pfn + n - 1, fresh, next;
	int err;

	mutex_lock(&s->lock);
	fresh = n - vhv_share_covered(s, pfn, last);
	if (fresh && fresh + atomic64_read(&s->mm->pinned_vm) > limit) {
		err = -ENOMEM;
		goto out;
	}
	err = vhv_share_hold(s, pfn, last, &next);
	if (err) {
		if (next > pfn)
			vhv_share_unhold(s, pfn, next - 1);
		goto out;
	}
	s->charged += fresh;
	atomic64_add(fresh, &s->mm->pinned_vm);
out:
	mutex_unlock(&s->lock);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(vhv_share_charge);

/**
 * vhv_share_uncharge() - undo vhv_share_charge()
 * @s: the registry of the pinning mm
 * @pfn: first page, as charged
 * @n: pages, as charged
 *
 * Pages no mapping of the mm holds any more are uncharged.
 */
void vhv_share_uncharge(struct vhv_share *s, unsigned long pfn,
			unsigned long n)
{
	unsigned long gone;

	mutex_lock(&s->lock);
	gone = vhv_share_unhold(s, pfn, pfn + n - 1);
	s->charged -= gone;
	atomic64_sub(gone, &s->mm->pinned_vm);
	mutex_unlock(&s->lock);
}
EXPORT_SYMBOL_IF_KUNIT(vhv_share_uncharge);

/**
 * vhv_share_fresh_max() - most pages of @n a new mapping could add
 * @s: the registry
 * @n: pages about to be pinned
 *
 * At least @n less what @s holds already: for an early, cheap refusal.
 *
 * Return: the number.
 */
unsigned long vhv_share_fresh_max(struct vhv_share *s, unsigned long n)
{
	unsigned long held = READ_ONCE(s->charged);

	return n > held ? n - held : 0;
}
