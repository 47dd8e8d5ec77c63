// SPDX-License-Identifier: GPL-2.0-only
/*
 * Shared pinning: pages that several vhost_vdpa devices of one process
 * (one mm) map are pinned once and charged to its RLIMIT_MEMLOCK
 * (mm->pinned_vm) once.
 */

#include <kunit/visibility.h>
#include <linux/interval_tree_generic.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "internal.h"

/**
 * DOC: shared pinning
 *
 * Each mm with an owned device has one &struct vhv_share, found by mm in
 * a global list and counted by its owning devices. It owns the pins of
 * the pages those devices map: it records which physical pages (pfns)
 * are pinned, with how many mappings hold each, in disjoint pfn ranges,
 * and holds one FOLL_PIN reference on each. The first mapping of a page
 * hands the pin it took over to the registry (and charges the page to
 * mm->pinned_vm); a later mapping of the same page adds a holder and
 * drops the pin it took, if any; the last holder's release unpins the
 * page (dirty if a writable mapping ever held it) and uncharges it. So
 * the charge and the pins are the number of distinct pages mapped,
 * whatever the number of devices or of mappings of the same memory.
 * Keys are pfns, not user addresses: a page stays pinned while held even
 * if userspace unmaps or replaces the memory behind the address.
 *
 * A range is only ever split, never merged: the ranges one mapping added
 * keep their bounds until it goes, so taking it out never allocates.
 *
 * So that a second device need not walk the page tables again, the
 * registry also keeps what the mappings that pinned found: spans, each a
 * user address range (whole pages), whether it was pinned writable, and
 * the pfn runs behind it. A span is referenced by the IOTLB entries made
 * from it and freed with the last. A span is used only while it is in
 * the registry's address tree: an MMU notifier on the mm takes every span
 * a change of the address space overlaps out of the tree when the change
 * starts (munmap, mremap, COW, mprotect, migration...), and a span is put
 * in the tree before its pages are looked up, only when no change is
 * under way, so a change during the lookup takes it out too. A mapping
 * uses a span only if it covers the whole range asked for, was pinned
 * writable when the mapping is, and all of its pages in that range are
 * held (pinned) at that moment, under the registry's lock, as it adds
 * its holders: pages still pinned that the address still maps, as if it
 * had pinned them itself. Without CONFIG_MMU_NOTIFIER (or when the
 * notifier cannot be registered) there is no span: every mapping pins.
 *
 * The dirty log's pages (log.c) are not recorded: each device pins and
 * charges its own.
 */

/**
 * struct vhv_share - the pages the vhost_vdpa devices of one mm mapped
 * @node: in vhv_shares
 * @mm: the mm; not a reference of its own: each user holds one in
 *      &vhost_vdpa.owner
 * @users: devices owned by @mm, and mappings in flight (vhv_share_ref());
 *         under vhv_shares_lock
 * @ops: how pages are unpinned, whether the mm is watched
 * @lock: protects @ranges and @charged; taken under &vhost_vdpa.lock,
 *        nothing is taken under it but @span_lock, memory allocation and
 *        what unpinning takes (the page lock)
 * @ranges: disjoint pfn ranges, &struct vhv_share_range
 * @charged: pages in @ranges: what this registry pinned and charged to
 *           @mm->pinned_vm
 * @span_lock: protects @spans, @changing and &vhv_span.cached; taken by
 *             the MMU notifier, which may not sleep: a spinlock
 * @spans: the usable spans, by user address
 * @changing: changes of the address space under way (started, not
 *            ended); never ends once the mm is torn down
 * @watched: @mn is registered: spans are used
 * @mn: the MMU notifier on @mm
 */
struct vhv_share {
	struct list_head node;
	struct mm_struct *mm;
	unsigned int users;
	const struct vhv_share_ops *ops;
	struct mutex lock;	/* protects ranges, charged */
	struct rb_root_cached ranges;
	unsigned long charged;
	spinlock_t span_lock;	/* protects spans, changing, span->cached */
	struct rb_root_cached spans;
	unsigned long changing;
	bool watched;
#ifdef CONFIG_MMU_NOTIFIER
	struct mmu_notifier mn;
#endif
};

/**
 * struct vhv_share_range - pfns held by the same number of mappings
 * @rb: in &vhv_share.ranges
 * @start: first pfn
 * @last: last pfn
 * @subtree_last: the interval tree's augmentation
 * @holders: mappings (of any device of the mm) that hold them
 * @dirty: a writable mapping held them: dirtied when unpinned
 */
struct vhv_share_range {
	struct rb_node rb;
	unsigned long start;
	unsigned long last;
	unsigned long subtree_last;
	unsigned long holders;
	bool dirty;
};

#define VHV_START(r) ((r)->start)
#define VHV_LAST(r) ((r)->last)
INTERVAL_TREE_DEFINE(struct vhv_share_range, rb, unsigned long, subtree_last,
		     VHV_START, VHV_LAST, static, vhv_rt);

/**
 * struct vhv_span - what a pinning mapping found at a user address range
 * @rb: in &vhv_share.spans while @cached
 * @start: first user address (page aligned)
 * @last: last user address (of the last page)
 * @subtree_last: the interval tree's augmentation
 * @refs: the IOTLB entries made from it, and its builder or user
 * @cached: in &vhv_share.spans; under &vhv_share.span_lock
 * @ready: @runs are complete (set under &vhv_share.span_lock)
 * @broken: a run could not be recorded: never ready
 * @writable: pinned with FOLL_WRITE
 * @nruns: runs recorded
 * @cap: room in @runs
 * @runs: the pfn runs, in address order
 */
struct vhv_span {
	struct rb_node rb;
	unsigned long start;
	unsigned long last;
	unsigned long subtree_last;
	refcount_t refs;
	bool cached;
	bool ready;
	bool broken;
	bool writable;
	unsigned int nruns;
	unsigned int cap;
	struct vhv_span_run *runs;
};

INTERVAL_TREE_DEFINE(struct vhv_span, rb, unsigned long, subtree_last,
		     VHV_START, VHV_LAST, static, vhv_st);

static LIST_HEAD(vhv_shares);
/* Protects vhv_shares and every &vhv_share.users. */
static DEFINE_MUTEX(vhv_shares_lock);

/* Unpin @n pages from @pfn, dirtied if @dirty: the pages mappings pinned. */
static void vhv_share_unpin_pages(unsigned long pfn, unsigned long n,
				  bool dirty)
{
	unpin_user_page_range_dirty_lock(pfn_to_page(pfn), n, dirty);
}

const struct vhv_share_ops vhv_share_pin_ops = {
	.unpin = vhv_share_unpin_pages,
	.watch = true,
};

/* --- watching the address space ---------------------------------------- */

/**
 * vhv_share_invalidate() - an address space change starts
 * @s: the registry
 * @start: first user address it changes
 * @last: last one
 *
 * Takes the spans it overlaps out of use; until vhv_share_invalidate_end()
 * no new span is put in use. Does not sleep.
 */
void vhv_share_invalidate(struct vhv_share *s, unsigned long start,
			  unsigned long last)
{
	struct vhv_span *sp;

	spin_lock(&s->span_lock);
	s->changing++;
	while ((sp = vhv_st_iter_first(&s->spans, start, last))) {
		vhv_st_remove(sp, &s->spans);
		sp->cached = false;
	}
	spin_unlock(&s->span_lock);
}
EXPORT_SYMBOL_IF_KUNIT(vhv_share_invalidate);

/**
 * vhv_share_invalidate_end() - the change vhv_share_invalidate() began ended
 * @s: the registry
 */
void vhv_share_invalidate_end(struct vhv_share *s)
{
	spin_lock(&s->span_lock);
	s->changing--;
	spin_unlock(&s->span_lock);
}
EXPORT_SYMBOL_IF_KUNIT(vhv_share_invalidate_end);

#ifdef CONFIG_MMU_NOTIFIER
static int vhv_mn_start(struct mmu_notifier *mn,
			const struct mmu_notifier_range *range)
{
	vhv_share_invalidate(container_of(mn, struct vhv_share, mn),
			     range->start, range->end - 1);
	return 0;
}

static void vhv_mn_end(struct mmu_notifier *mn,
		       const struct mmu_notifier_range *range)
{
	vhv_share_invalidate_end(container_of(mn, struct vhv_share, mn));
}

/* The mm is torn down: no span any more, nor ever again. */
static void vhv_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	vhv_share_invalidate(container_of(mn, struct vhv_share, mn), 0,
			     ULONG_MAX);
}

static void vhv_mn_free(struct mmu_notifier *mn)
{
	kfree(container_of(mn, struct vhv_share, mn));
}

static const struct mmu_notifier_ops vhv_mn_ops = {
	.release = vhv_mn_release,
	.invalidate_range_start = vhv_mn_start,
	.invalidate_range_end = vhv_mn_end,
	.free_notifier = vhv_mn_free,
};

/* Watch @s->mm (current's, live); without it no span is used. */
static void vhv_share_watch(struct vhv_share *s)
{
	s->mn.ops = &vhv_mn_ops;
	s->watched = !mmu_notifier_register(&s->mn, s->mm);
}

/* Free @s, once the notifier can no longer run when watched. */
static void vhv_share_free(struct vhv_share *s)
{
	if (s->watched)
		mmu_notifier_put(&s->mn);
	else
		kfree(s);
}

/**
 * vhv_share_exit() - wait until every registry is freed (module exit)
 */
void vhv_share_exit(void)
{
	mmu_notifier_synchronize();
}
#else
static void vhv_share_watch(struct vhv_share *s)
{
}

static void vhv_share_free(struct vhv_share *s)
{
	kfree(s);
}

void vhv_share_exit(void)
{
}
#endif

/**
 * vhv_share_get() - the registry of an mm, with a user more
 * @mm: the owner's mm (current's, when @ops watch)
 * @ops: how pages are unpinned; used when the registry is created
 *
 * Return: the registry, or NULL without memory.
 */
struct vhv_share *vhv_share_get(struct mm_struct *mm,
				const struct vhv_share_ops *ops)
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
		s->ops = ops;
		mutex_init(&s->lock);
		s->ranges = RB_ROOT_CACHED;
		spin_lock_init(&s->span_lock);
		s->spans = RB_ROOT_CACHED;
		if (ops->watch)
			vhv_share_watch(s);
		list_add(&s->node, &vhv_shares);
	}
out:
	mutex_unlock(&vhv_shares_lock);
	return s;
}
EXPORT_SYMBOL_IF_KUNIT(vhv_share_get);

/**
 * vhv_share_ref() - one user more of a registry the caller uses already
 * @s: the registry, from vhv_share_get()
 *
 * For a mapping in flight that drops &vhost_vdpa.lock while it pins: the
 * device may lose its owner and registry meanwhile (removal), the mapping
 * must not. Undo with vhv_share_put().
 */
void vhv_share_ref(struct vhv_share *s)
{
	mutex_lock(&vhv_shares_lock);
	s->users++;
	mutex_unlock(&vhv_shares_lock);
}

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
	WARN_ON_ONCE(s->charged || !RB_EMPTY_ROOT(&s->ranges.rb_root) ||
		     !RB_EMPTY_ROOT(&s->spans.rb_root));
	mutex_destroy(&s->lock);
	vhv_share_free(s);
}
EXPORT_SYMBOL_IF_KUNIT(vhv_share_put);

/* --- pfn ranges --------------------------------------------------------- */

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
					     unsigned long last, bool dirty)
{
	struct vhv_share_range *r = kmalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);

	if (!r)
		return NULL;
	r->start = first;
	r->last = last;
	r->holders = 0;
	r->dirty = dirty;
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
	up->dirty = r->dirty;
	vhv_rt_insert(up, &s->ranges);
	return up;
}

/*
 * One holder more for [@first, @last]: new ranges for the gaps, ranges
 * cut at both ends. *@next is where it stopped (past @last when done).
 */
static int vhv_share_inc(struct vhv_share *s, unsigned long first,
			 unsigned long last, bool dirty, unsigned long *next)
{
	struct vhv_share_range *it;
	struct vhv_share_range *r;
	unsigned long c = first;
	int err = 0;

	while (c <= last && !err) {
		it = vhv_rt_iter_first(&s->ranges, c, last);
		if (!it || it->start > c)
			r = vhv_share_new(s, c, it ? it->start - 1 : last, dirty);
		else if (it->start < c)
			r = vhv_share_split(s, it, c);
		else
			r = it;
		if (r && r->last > last && !vhv_share_split(s, r, last + 1))
			r = NULL;
		if (!r) {
			err = -ENOMEM;
			continue;
		}
		r->holders++;
		r->dirty |= dirty;
		c = r->last + 1;
	}
	*next = c;
	return err;
}

/*
 * One holder less for [@first, @last], which vhv_share_inc() added:
 * ranges left without one go, unpinned if @unpin. Returns the pages
 * that went.
 */
static unsigned long vhv_share_dec(struct vhv_share *s, unsigned long first,
				   unsigned long last, bool unpin)
{
	struct vhv_share_range *it;
	unsigned long gone = 0;

	while (first <= last &&
	       (it = vhv_rt_iter_first(&s->ranges, first, last))) {
		first = it->last + 1;
		WARN_ON_ONCE(it->last > last);
		if (--it->holders)
			continue;
		vhv_rt_remove(it, &s->ranges);
		gone += it->last - it->start + 1;
		if (unpin)
			s->ops->unpin(it->start, it->last - it->start + 1,
				      it->dirty);
		kfree(it);
	}
	return gone;
}

/* Drop the caller's pins of [@first, @last] that another holder holds. */
static void vhv_share_unpin_dups(struct vhv_share *s, unsigned long first,
				 unsigned long last)
{
	struct vhv_share_range *it;

	for (it = vhv_rt_iter_first(&s->ranges, first, last); it;
	     it = vhv_rt_iter_next(it, first, last))
		if (it->holders > 1)
			s->ops->unpin(it->start, it->last - it->start + 1,
				      false);
}

/* vhv_share_hold() with @s->lock held. */
static int vhv_share_hold_locked(struct vhv_share *s, unsigned long pfn,
				 unsigned long n, unsigned long limit,
				 unsigned int flags)
{
	unsigned long last = pfn + n - 1, fresh, next;
	int err;

	lockdep_assert_held(&s->lock);
	fresh = n - vhv_share_covered(s, pfn, last);
	if (fresh && fresh + atomic64_read(&s->mm->pinned_vm) > limit)
		return -ENOMEM;
	err = vhv_share_inc(s, pfn, last, flags & VHV_HOLD_DIRTY, &next);
	if (err) {
		/* only ranges this call made can go: they are not pinned */
		if (next > pfn)
			vhv_share_dec(s, pfn, next - 1, false);
		return err;
	}
	if (flags & VHV_HOLD_PINNED)
		vhv_share_unpin_dups(s, pfn, last);
	s->charged += fresh;
	atomic64_add(fresh, &s->mm->pinned_vm);
	return 0;
}

/**
 * vhv_share_hold() - one mapping more holds pages
 * @s: the registry of the mapping's mm
 * @pfn: first page
 * @n: pages (at least 1)
 * @limit: most pages the mm may have pinned (RLIMIT_MEMLOCK)
 * @flags: %VHV_HOLD_PINNED: the caller pinned each page once and hands
 *         the pins over (those of pages held already are dropped);
 *         without it every page must be held already. %VHV_HOLD_DIRTY:
 *         the mapping is writable
 *
 * Pages no other mapping of the mm holds are charged to its pinned_vm,
 * unless that would pass @limit.
 *
 * Return: 0, or -ENOMEM (past @limit, or no memory) with nothing changed
 * (the caller keeps its pins).
 */
int vhv_share_hold(struct vhv_share *s, unsigned long pfn, unsigned long n,
		   unsigned long limit, unsigned int flags)
{
	int err;

	mutex_lock(&s->lock);
	err = vhv_share_hold_locked(s, pfn, n, limit, flags);
	mutex_unlock(&s->lock);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(vhv_share_hold);

/**
 * vhv_share_release() - undo vhv_share_hold()
 * @s: the registry of the mapping's mm
 * @pfn: first page, as held
 * @n: pages, as held
 *
 * Pages no mapping of the mm holds any more are unpinned and uncharged.
 */
void vhv_share_release(struct vhv_share *s, unsigned long pfn,
		       unsigned long n)
{
	unsigned long gone;

	mutex_lock(&s->lock);
	gone = vhv_share_dec(s, pfn, pfn + n - 1, true);
	s->charged -= gone;
	atomic64_sub(gone, &s->mm->pinned_vm);
	mutex_unlock(&s->lock);
}
EXPORT_SYMBOL_IF_KUNIT(vhv_share_release);

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

/* --- spans --------------------------------------------------------------- */

/**
 * vhv_span_begin() - a span for a mapping about to pin
 * @s: the registry
 * @uaddr: first user address (page aligned)
 * @npages: pages
 * @writable: pinned with FOLL_WRITE
 *
 * Put in use (in the tree, not ready) before the pages are looked up, so
 * that a change of the address space meanwhile takes it out; not put in
 * use when a change is under way.
 *
 * Return: the span with the caller's reference, or NULL (no memory, mm
 * not watched): the mapping pins without one.
 */
struct vhv_span *vhv_span_begin(struct vhv_share *s, unsigned long uaddr,
				unsigned long npages, bool writable)
{
	struct vhv_span *sp;

	if (!s->watched && !s->ops->spans)
		return NULL;
	sp = kzalloc(sizeof(*sp), GFP_KERNEL_ACCOUNT);
	if (!sp)
		return NULL;
	sp->start = uaddr;
	sp->last = uaddr + (npages << PAGE_SHIFT) - 1;
	sp->writable = writable;
	refcount_set(&sp->refs, 1);
	spin_lock(&s->span_lock);
	if (!s->changing) {
		vhv_st_insert(sp, &s->spans);
		sp->cached = true;
	}
	spin_unlock(&s->span_lock);
	return sp;
}
EXPORT_SYMBOL_IF_KUNIT(vhv_span_begin);

/**
 * vhv_span_add() - record the next pfn run of a span being built
 * @sp: from vhv_span_begin(), or NULL
 * @pfn: first pfn
 * @n: pages
 *
 * Without memory the span is never used.
 */
void vhv_span_add(struct vhv_span *sp, unsigned long pfn, unsigned long n)
{
	struct vhv_span_run *runs;
	unsigned int cap;

	if (!sp || sp->broken)
		return;
	if (sp->nruns == sp->cap) {
		cap = sp->cap ? sp->cap * 2 : 16;
		runs = kvmalloc_array(cap, sizeof(*runs), GFP_KERNEL_ACCOUNT);
		if (!runs) {
			sp->broken = true;
			return;
		}
		if (sp->nruns)
			memcpy(runs, sp->runs, sp->nruns * sizeof(*runs));
		kvfree(sp->runs);
		sp->runs = runs;
		sp->cap = cap;
	}
	sp->runs[sp->nruns++] = (struct vhv_span_run){ .pfn = pfn, .n = n };
}
EXPORT_SYMBOL_IF_KUNIT(vhv_span_add);

/**
 * vhv_span_get() - a reference more on a span (an IOTLB entry made of it)
 * @sp: the span, or NULL
 *
 * Return: @sp.
 */
struct vhv_span *vhv_span_get(struct vhv_span *sp)
{
	if (sp)
		refcount_inc(&sp->refs);
	return sp;
}
EXPORT_SYMBOL_IF_KUNIT(vhv_span_get);

/**
 * vhv_span_put() - a reference less; the last frees the span
 * @s: the registry of the span
 * @sp: the span, or NULL
 */
void vhv_span_put(struct vhv_share *s, struct vhv_span *sp)
{
	if (!sp || !refcount_dec_and_test(&sp->refs))
		return;
	spin_lock(&s->span_lock);
	if (sp->cached)
		vhv_st_remove(sp, &s->spans);
	spin_unlock(&s->span_lock);
	kvfree(sp->runs);
	kfree(sp);
}
EXPORT_SYMBOL_IF_KUNIT(vhv_span_put);

/**
 * vhv_span_end() - the mapping that built a span is done
 * @s: the registry
 * @sp: from vhv_span_begin(), or NULL
 * @ok: it pinned and mapped its whole range
 *
 * The span is ready for use, if nothing changed the address range
 * meanwhile; the builder's reference goes.
 */
void vhv_span_end(struct vhv_share *s, struct vhv_span *sp, bool ok)
{
	if (!sp)
		return;
	spin_lock(&s->span_lock);
	if (sp->cached && (!ok || sp->broken)) {
		vhv_st_remove(sp, &s->spans);
		sp->cached = false;
	}
	sp->ready = sp->cached;
	spin_unlock(&s->span_lock);
	vhv_span_put(s, sp);
}
EXPORT_SYMBOL_IF_KUNIT(vhv_span_end);

/**
 * vhv_span_iter_init() - walk the pfn runs of pages of a span
 * @it: the walk
 * @sp: the span
 * @uaddr: user address of the first page (page aligned, in @sp)
 * @n: pages (in @sp)
 */
void vhv_span_iter_init(struct vhv_span_iter *it, const struct vhv_span *sp,
			unsigned long uaddr, unsigned long n)
{
	unsigned long k = (uaddr - sp->start) >> PAGE_SHIFT;

	it->sp = sp;
	it->idx = 0;
	it->left = n;
	while (it->idx < sp->nruns && k >= sp->runs[it->idx].n)
		k -= sp->runs[it->idx++].n;
	it->skip = k;
}
EXPORT_SYMBOL_IF_KUNIT(vhv_span_iter_init);

/**
 * vhv_span_iter_next() - the next pfn run of a walk
 * @it: the walk
 * @pfn: its first pfn
 * @n: its pages
 *
 * Return: false when the walk is done.
 */
bool vhv_span_iter_next(struct vhv_span_iter *it, unsigned long *pfn,
			unsigned long *n)
{
	const struct vhv_span_run *run;

	if (!it->left || it->idx >= it->sp->nruns)
		return false;
	run = &it->sp->runs[it->idx++];
	*pfn = run->pfn + it->skip;
	*n = min(run->n - it->skip, it->left);
	it->skip = 0;
	it->left -= *n;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(vhv_span_iter_next);

/* A ready span in use covering [@uaddr, @last], writable if @writable. */
static struct vhv_span *vhv_span_find(struct vhv_share *s,
				      unsigned long uaddr, unsigned long last,
				      bool writable)
{
	struct vhv_span *sp;

	spin_lock(&s->span_lock);
	for (sp = vhv_st_iter_first(&s->spans, uaddr, last); sp;
	     sp = vhv_st_iter_next(sp, uaddr, last))
		if (sp->ready && sp->start <= uaddr && sp->last >= last &&
		    (sp->writable || !writable) &&
		    refcount_inc_not_zero(&sp->refs))
			break;
	spin_unlock(&s->span_lock);
	return sp;
}

/* Whether every page of @sp's @n pages from @uaddr is held. */
static bool vhv_span_held(struct vhv_share *s, const struct vhv_span *sp,
			  unsigned long uaddr, unsigned long n)
{
	struct vhv_span_iter it;
	unsigned long pfn, m;

	lockdep_assert_held(&s->lock);
	vhv_span_iter_init(&it, sp, uaddr, n);
	while (vhv_span_iter_next(&it, &pfn, &m))
		if (vhv_share_covered(s, pfn, pfn + m - 1) != m)
			return false;
	return !it.left;
}

/*
 * Undo the holds of the first @k runs of the walk of @sp's @n pages from
 * @uaddr: pages held before, none goes.
 */
static void vhv_span_unhold(struct vhv_share *s, const struct vhv_span *sp,
			    unsigned long uaddr, unsigned long n,
			    unsigned int k)
{
	struct vhv_span_iter it;
	unsigned long pfn, m;

	vhv_span_iter_init(&it, sp, uaddr, n);
	while (k-- && vhv_span_iter_next(&it, &pfn, &m))
		vhv_share_dec(s, pfn, pfn + m - 1, false);
}

/**
 * vhv_span_hold() - hold pages some mapping pinned at a user range
 * @s: the registry
 * @uaddr: first user address (page aligned)
 * @npages: pages
 * @writable: the new mapping is writable
 *
 * Looks for a span in use covering the range (pinned writable if
 * @writable) whose pages there are all held, and adds one holder to each
 * of its runs there, without pinning anything.
 *
 * Return: the span, with a reference for the caller, which releases
 * each run (vhv_span_iter_*()) with vhv_share_release() when done with
 * it; or NULL (none: the caller pins).
 */
struct vhv_span *vhv_span_hold(struct vhv_share *s, unsigned long uaddr,
			       unsigned long npages, bool writable)
{
	unsigned long pfn, m, next;
	struct vhv_span_iter it;
	struct vhv_span *sp;
	unsigned int done = 0;

	mutex_lock(&s->lock);
	sp = vhv_span_find(s, uaddr, uaddr + (npages << PAGE_SHIFT) - 1,
			   writable);
	if (!sp)
		goto out;
	if (!vhv_span_held(s, sp, uaddr, npages))
		goto drop;
	vhv_span_iter_init(&it, sp, uaddr, npages);
	while (vhv_span_iter_next(&it, &pfn, &m)) {
		if (vhv_share_inc(s, pfn, pfn + m - 1, writable, &next)) {
			if (next > pfn)
				vhv_share_dec(s, pfn, next - 1, false);
			vhv_span_unhold(s, sp, uaddr, npages, done);
			goto drop;
		}
		done++;
	}
	goto out;
drop:
	vhv_span_put(s, sp);
	sp = NULL;
out:
	mutex_unlock(&s->lock);
	return sp;
}
EXPORT_SYMBOL_IF_KUNIT(vhv_span_hold);
