// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa_user: abuse case iotlb-full, the limits of what a process may map.
 *
 * With a small table (vhost_vdpa or vdpa_sim loaded with
 * max_iotlb_entries=N, N <= FULL_MAX; the case reads both parameters):
 * one page holds the rings and buffers (one entry), then single pages are
 * mapped at distinct IOVAs until an update fails.  It must be update N,
 * with ENOSPC, and pin nothing; the device keeps working.  With one entry
 * freed, an update of two physically discontiguous pages (two entries)
 * must fail the same way, the first entry included; a single page then
 * maps.  Invalidating everything brings VmPin back to its value before.
 * Before that, with CAP_IPC_LOCK dropped and RLIMIT_MEMLOCK two pages
 * above what is pinned: three pages are refused with ENOMEM, two map,
 * one more is refused, and nothing refused was pinned.  On the set_map
 * route with the simulator's table the smaller one, last: a batch past
 * that table and an INVALIDATE in it without memory (see full_nomem()).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "abuse.h"

#define FULL_MAX 1024		/* largest table the case fills */
#define FULL_PAGE 4096UL
#define FULL_IOVA (AB_IOVA + (4ULL << 30))	/* page i at + i pages */
#define FULL_TWO_IOVA (AB_IOVA + (5ULL << 30))	/* the two-entry update */
#define FULL_SPAN 64		/* pages searched for a discontiguity */
#define PM_PFN (BIT64(55) - 1)

static const char *const full_params[] = {
	"/sys/module/vhost_vdpa/parameters/max_iotlb_entries",
	"/sys/module/vdpa_sim/parameters/max_iotlb_entries",
};

/*
 * The smaller of the two parameters (the second may be missing: another
 * parent); each one's value in @each (0: missing).
 */
static int full_limit(unsigned int *limit, unsigned int each[2])
{
	unsigned int i;
	FILE *f;

	*limit = 0;
	for (i = 0; i < ARRAY_SIZE(full_params); i++) {
		each[i] = 0;
		f = fopen(full_params[i], "r");
		if (!f && i == 0) {
			fail("iotlb-full: %s: %s", full_params[i],
			     errname(errno));
			return -errno;
		}
		if (!f)
			continue;
		if (fscanf(f, "%u", &each[i]) != 1)
			each[i] = 0;
		fclose(f);
		if (each[i] && (!*limit || each[i] < *limit))
			*limit = each[i];
	}
	if (*limit < 8 || *limit > FULL_MAX) {
		fail("iotlb-full: max_iotlb_entries %u (vhost_vdpa) and %u (vdpa_sim): the case needs one of them in 8..%u (reload the module with it)",
		     each[0], each[1], FULL_MAX);
		return -EOPNOTSUPP;
	}
	return 0;
}

/* Rings of AB_RING entries and both buffers in one page: one entry. */
static int full_mem(struct net *n)
{
	struct vq *vqs[2] = { &n->rx, &n->tx };
	int r;

	r = ab_data_mem(n, FULL_PAGE, AB_IOVA);
	if (!r)
		r = ab_setup(n, vqs, ARRAY_SIZE(vqs));
	if (!r)
		r = vdev_start(&n->d, "abuse iotlb-full");
	return r;
}

/* One update of @pages pages of @va at @iova: 0 or -errno, not reported. */
static int full_update(struct net *n, __u64 iova, const void *va,
		       unsigned long pages)
{
	return iotlb_msg(n->d.fd, 0, VHOST_IOTLB_UPDATE, iova,
			 pages * FULL_PAGE, va, VHOST_ACCESS_RW);
}

static int full_inval(struct net *n, __u64 iova, unsigned long pages)
{
	return iotlb_checked(n->d.fd, 0, VHOST_IOTLB_INVALIDATE, iova,
			     pages * FULL_PAGE, NULL);
}

/* An update that must fail with @want and leave VmPin at @kb. */
static int full_refused(struct net *n, __u64 iova, const void *va,
			unsigned long pages, int want, long kb,
			const char *what)
{
	int r = full_update(n, iova, va, pages);

	if (r != want) {
		fail("iotlb-full: %s: %s, want %s", what,
		     r ? errname(r) : "succeeded", errname(want));
		return -EIO;
	}
	return ab_pin_is(kb, what);
}

/*
 * RLIMIT_MEMLOCK two pages above VmPin, CAP_IPC_LOCK dropped: the limit
 * holds to the page.  Pool pages 0-3.
 */
static int full_memlock(struct net *n, __u8 *pool)
{
	struct rlimit old;
	struct vm_kb v;
	int r, e;

	if (getrlimit(RLIMIT_MEMLOCK, &old) || vm_read(&v))
		return -EIO;
	r = pin_ipc_lock(false);
	if (!r)
		r = pin_memlock_set(((unsigned long long)v.pin << 10) +
				    2 * FULL_PAGE);
	if (!r)
		r = full_refused(n, FULL_IOVA, pool, 3, -ENOMEM, v.pin,
				 "3 pages with RLIMIT_MEMLOCK 2 pages above VmPin");
	if (!r) {
		r = iotlb_checked(n->d.fd, 0, VHOST_IOTLB_UPDATE, FULL_IOVA,
				  2 * FULL_PAGE, pool);
		if (r)
			fail("iotlb-full: 2 pages, exactly up to RLIMIT_MEMLOCK");
	}
	if (!r)
		r = ab_pin_is(v.pin + 8, "2 pages up to RLIMIT_MEMLOCK");
	if (!r)
		r = full_refused(n, FULL_IOVA + 3 * FULL_PAGE,
				 pool + 3 * FULL_PAGE, 1, -ENOMEM, v.pin + 8,
				 "1 page past RLIMIT_MEMLOCK");
	if (!r)
		r = full_inval(n, FULL_IOVA, 2);
	if (!r)
		r = ab_pin_is(v.pin, "after INVALIDATE of the 2 pages");
	e = setrlimit(RLIMIT_MEMLOCK, &old) ? -errno : 0;
	if (e)
		fail("setrlimit(RLIMIT_MEMLOCK) back: %s", errname(e));
	e = e ?: pin_ipc_lock(true);
	return r ?: e;
}

/*
 * Single pages at distinct IOVAs until an update fails: update @limit
 * (the ring page is the first entry), with ENOSPC, pinning nothing; a
 * second try fails the same way (no half-made entry left behind).
 */
static int full_fill(struct net *n, __u8 *pool, unsigned int limit,
		     long pin0)
{
	unsigned int i;
	long kb = pin0;
	int r;

	for (i = 0; i < limit; i++) {
		r = full_update(n, FULL_IOVA + i * FULL_PAGE,
				pool + i * FULL_PAGE, 1);
		if (r)
			break;
		kb += FULL_PAGE >> 10;
	}
	diag("iotlb-full: %u single-page updates, then %s", i, errname(r));
	if (i != limit - 1 || r != -ENOSPC) {
		fail("iotlb-full: update %u failed with %s, want update %u to fail with ENOSPC (the rings take one entry of %u)",
		     i + 1, r ? errname(r) : "nothing", limit, limit);
		return -EIO;
	}
	r = ab_pin_is(kb, "after the refused update");
	if (!r)
		r = full_refused(n, FULL_IOVA + i * FULL_PAGE,
				 pool + i * FULL_PAGE, 1, -ENOSPC, kb,
				 "the refused update again");
	return r;
}

static int full_pfn(int pagemap, const void *va, __u64 *pfn)
{
	__u64 e;

	if (pread(pagemap, &e, sizeof(e),
		  (off_t)((uintptr_t)va / FULL_PAGE * sizeof(e))) != sizeof(e)) {
		fail("read of /proc/self/pagemap: %s", errname(errno));
		return -EIO;
	}
	*pfn = e & PM_PFN;
	if (!*pfn) {
		fail("pagemap: PFN 0 for %p (root needed)", va);
		return -EPERM;
	}
	return 0;
}

/*
 * Two virtually adjacent pages that are not physically so: pinned, they
 * make two runs, so two entries.  *@two: the first; *@buf: to munmap().
 */
static int full_two_runs(__u8 **buf, __u8 **two)
{
	__u64 pfn[FULL_SPAN];
	unsigned int i;
	int pagemap, r = 0;

	*buf = mmap(NULL, FULL_SPAN * FULL_PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (*buf == MAP_FAILED) {
		*buf = NULL;
		return -ENOMEM;
	}
	(void)!madvise(*buf, FULL_SPAN * FULL_PAGE, MADV_NOHUGEPAGE);
	memset(*buf, AB_PATTERN, FULL_SPAN * FULL_PAGE);
	pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (pagemap < 0)
		return -errno;
	for (i = 0; !r && i < FULL_SPAN; i++)
		r = full_pfn(pagemap, *buf + i * FULL_PAGE, &pfn[i]);
	close(pagemap);
	for (i = 0; !r && i + 1 < FULL_SPAN; i++) {
		if (pfn[i + 1] != pfn[i] + 1) {
			*two = *buf + i * FULL_PAGE;
			return 0;
		}
	}
	if (!r)
		fail("iotlb-full: %u anonymous pages all physically contiguous",
		     FULL_SPAN);
	return r ?: -EIO;
}

/*
 * With one entry free: the two-entry update fails whole (ENOSPC, its
 * first entry gone again, nothing pinned), a single page maps.
 */
static int full_partial(struct net *n, __u8 *pool, unsigned int limit,
			long kb)
{
	unsigned int k = limit / 2;
	__u8 *buf = NULL, *two = NULL;
	int r;

	r = full_two_runs(&buf, &two);
	if (!r)
		r = full_inval(n, FULL_IOVA + k * FULL_PAGE, 1);
	kb -= FULL_PAGE >> 10;
	if (!r)
		r = ab_pin_is(kb, "after INVALIDATE of one page");
	if (!r)
		r = full_refused(n, FULL_TWO_IOVA, two, 2, -ENOSPC, kb,
				 "two pages in two runs with one entry free");
	if (!r)
		r = iotlb_checked(n->d.fd, 0, VHOST_IOTLB_UPDATE,
				  FULL_IOVA + k * FULL_PAGE, FULL_PAGE,
				  pool + k * FULL_PAGE);
	if (!r)
		r = ab_pin_is(kb + (long)(FULL_PAGE >> 10),
			      "after the page was mapped again");
	if (buf)
		munmap(buf, FULL_SPAN * FULL_PAGE);
	return r;
}

/* Arm fail-nth: the @nth fault-injection point of this thread fails. */
static int full_arm(int nth_fd, unsigned int nth)
{
	char b[16];
	int len = snprintf(b, sizeof(b), "%u", nth);

	if (pwrite(nth_fd, b, len, 0) != len) {
		fail("iotlb-full: write to /proc/thread-self/fail-nth: %s",
		     errname(errno));
		return -errno;
	}
	return 0;
}

/* fail-nth read back: 0 once the failure was injected. */
static int full_fired(int nth_fd)
{
	char b[16] = { 0 };

	if (pread(nth_fd, b, sizeof(b) - 1, 0) <= 0)
		return -EIO;
	if (atoi(b)) {
		fail("iotlb-full: fail-nth not consumed (%s): failslab must be on for sleeping allocations (/sys/kernel/debug/failslab/ignore-gfp-wait N)",
		     b);
		(void)!pwrite(nth_fd, "0", 1, 0);
		return -EIO;
	}
	return 0;
}

/*
 * Inside a batch, with more entries than the parent's table holds: an
 * INVALIDATE whose first allocation fails (fail-nth) must fail with ENOMEM
 * and keep the entry, pinned and recorded; again without the failure it
 * works; BATCH_END is refused (ENOSPC) by the parent; once everything is
 * invalidated outside the batch the parent takes the table with the rings
 * alone, VmPin is back to @kb and frames flow.  Pool pages 0..limit+3.
 */
static int full_nomem(struct net *n, __u8 *pool, unsigned int limit,
		      long kb, __u32 *seq)
{
	unsigned int i, k = limit + 4;
	int nth, r = 0, e;

	nth = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (nth < 0) {
		fail("iotlb-full: /proc/thread-self/fail-nth: %s", errname(errno));
		return -errno;
	}
	r = ab_need_backend(n, VHOST_BACKEND_F_IOTLB_BATCH, "IOTLB_BATCH") ?:
	    iotlb_checked(n->d.fd, 0, VHOST_IOTLB_BATCH_BEGIN, 0, 0, NULL);
	for (i = 0; !r && i < k; i++)
		r = iotlb_checked(n->d.fd, 0, VHOST_IOTLB_UPDATE,
				  FULL_IOVA + i * FULL_PAGE, FULL_PAGE,
				  pool + i * FULL_PAGE);
	kb += k * (FULL_PAGE >> 10);
	r = r ?: ab_pin_is(kb, "after more updates than the parent holds, in a batch");
	r = r ?: full_arm(nth, 1);
	if (!r) {
		e = iotlb_msg(n->d.fd, 0, VHOST_IOTLB_INVALIDATE, FULL_IOVA,
			      FULL_PAGE, NULL, VHOST_ACCESS_RW);
		r = full_fired(nth);
		if (!r && e != -ENOMEM) {
			fail("iotlb-full: INVALIDATE in the batch, first allocation failed: %s, want ENOMEM",
			     e ? errname(e) : "success");
			r = -EIO;
		}
	}
	close(nth);
	r = r ?: ab_pin_is(kb, "after the INVALIDATE that had no memory");
	r = r ?: full_inval(n, FULL_IOVA, 1);
	r = r ?: ab_pin_is(kb, "after the INVALIDATE again (the batch still holds it)");
	if (!r) {
		e = iotlb_msg(n->d.fd, 0, VHOST_IOTLB_BATCH_END, 0, 0, NULL, 0);
		if (e != -ENOSPC) {
			fail("iotlb-full: BATCH_END with %u entries for a parent holding %u: %s, want ENOSPC",
			     k + 1, limit, e ? errname(e) : "success");
			r = -EIO;
		}
	}
	r = r ?: full_inval(n, FULL_IOVA, k);
	r = r ?: ab_pin_is(kb - k * (FULL_PAGE >> 10),
			   "after invalidating everything but the rings");
	return r ?: ab_roundtrip(n, &n->mem, n->rxbuf, (*seq)++);
}

/**
 * ab_iotlb_full() - a full table and RLIMIT_MEMLOCK refuse updates whole
 * @o: the command line
 *
 * Return: 0 or -errno.
 */
int ab_iotlb_full(const struct options *o)
{
	unsigned int limit = 0, each[2] = { 0, 0 };
	struct region pool = { 0 };
	struct vm_kb v0, v1;
	struct net *n;
	bool nomem = false;
	__u32 seq = 0;
	int r;

	r = full_limit(&limit, each);
	if (r)
		return r;
	r = ab_open(&n, o, BIT64(VHOST_BACKEND_F_IOTLB_BATCH));
	if (!r)
		r = ab_negotiate(n, 0, 0);
	if (!r)
		r = vm_read(&v0);
	if (!r)
		r = region_create(&pool, (size_t)(limit + 4) * FULL_PAGE,
				  FULL_IOVA, 0);
	if (!r)
		r = full_mem(n);
	if (!r)
		r = ab_roundtrip(n, &n->mem, n->rxbuf, seq++);
	if (!r)
		r = full_memlock(n, pool.va);
	if (!r)
		r = full_fill(n, pool.va, limit, v0.pin + (FULL_PAGE >> 10));
	if (!r)
		r = ab_roundtrip(n, &n->mem, n->rxbuf, seq++);
	if (!r)
		r = full_partial(n, pool.va, limit,
				 v0.pin + (long)(limit * (FULL_PAGE >> 10)));
	if (!r)
		r = ab_roundtrip(n, &n->mem, n->rxbuf, seq++);
	if (!r)
		r = full_inval(n, FULL_IOVA, limit);
	if (!r)
		r = ab_pin_is(v0.pin + (FULL_PAGE >> 10),
			      "after INVALIDATE of all the single pages");
	if (!r)
		r = ab_roundtrip(n, &n->mem, n->rxbuf, seq++);
	nomem = !o->dma_map && each[1] && each[1] < each[0];
	if (!r && nomem)
		r = full_nomem(n, pool.va, limit, v0.pin + (FULL_PAGE >> 10),
			       &seq);
	if (!r)
		r = ab_reset(n);
	if (!r)
		r = full_inval(n, AB_IOVA, 1);
	if (!r)
		r = vm_read(&v1);
	if (!r && v1.pin != v0.pin) {
		fail("iotlb-full: VmPin %ld kB with nothing mapped, %ld kB before",
		     v1.pin, v0.pin);
		r = -EIO;
	}
	net_close(n);
	region_destroy(&pool);
	if (!r)
		ab_sum("table of %u (vhost_vdpa %u, vdpa_sim %u): update %u refused with ENOSPC twice and a two-entry update with one free, pinning nothing; RLIMIT_MEMLOCK held to the page (ENOMEM); %s%u frames through; VmPin back to %ld kB",
		       limit, each[0], each[1], limit,
		       nomem ? "in a batch past the parent's table, INVALIDATE without memory ENOMEM and kept, BATCH_END ENOSPC, all released after; " : "",
		       seq, v0.pin);
	return r;
}
