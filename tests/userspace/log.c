// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa_user: log, the dirty-page log of vhost_vdpa.  Each case is one run
 * of the command
 *
 *   vdpa_user log --dev /dev/vhost-vdpa-N --case NAME [--packed]
 *
 * The log is vhost's: one bit per 4 KiB page of IOVA, bit n of the log
 * (read as bytes: byte n / 8, bit n % 8; the same as the kernel's
 * set_bit() on little-endian longs) stands for IOVA page n, counted from
 * the log base, which may have any alignment.  The cases compare the log
 * with the exact set of pages the device wrote: the data it stored (a
 * receive buffer's header and frame, a block read's data and status
 * byte), and the used ring at log_guest_addr for queues with
 * VHOST_VRING_F_LOG; nothing else may be set.  This file holds the case
 * table, the logs in our memory, page sets and the check; log_net.c,
 * log_blk.c and log_err.c hold the cases.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "log.h"

#define REPORT_MAX 12		/* pages listed per kind of difference */

/* --- logs in our memory ------------------------------------------------- */

/**
 * dlog_create() - map a log and its guard page
 * @l: filled in
 * @npages: pages of the log's own VMA
 * @off: offset of the log base in its first page (any alignment)
 *
 * Anonymous memory, zeroed; the page after it is a read-only VMA filled
 * with LOG_GUARD, so the log's VMA ends where the log does.  The bytes
 * of the first page before the base are LOG_GUARD too: they are not part
 * of the log and must never change.
 *
 * Return: 0 or -errno (reported).
 */
int dlog_create(struct dlog *l, size_t npages, size_t off)
{
	size_t len = (npages + 1) * LOG_PAGE;
	void *p;

	memset(l, 0, sizeof(*l));
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		fail("log: mmap of %zu bytes: %s", len, errname(errno));
		return -errno;
	}
	l->map = p;
	l->npages = npages;
	l->off = off;
	memset(l->map, LOG_GUARD, off);
	memset(l->map + npages * LOG_PAGE, LOG_GUARD, LOG_PAGE);
	if (mprotect(l->map + npages * LOG_PAGE, LOG_PAGE, PROT_READ)) {
		fail("log: mprotect of the guard page: %s", errname(errno));
		return -errno;
	}
	return 0;
}

/**
 * dlog_destroy() - unmap a log (what of it is still mapped)
 * @l: the log, may be unset
 */
void dlog_destroy(struct dlog *l)
{
	if (!l->map)
		return;
	if (l->unmapped)
		munmap(l->map + l->npages * LOG_PAGE, LOG_PAGE);
	else
		munmap(l->map, (l->npages + 1) * LOG_PAGE);
	l->map = NULL;
}

/**
 * dlog_base() - the address to give VHOST_SET_LOG_BASE
 * @l: the log
 *
 * Return: the base.
 */
__u8 *dlog_base(const struct dlog *l)
{
	return l->map + l->off;
}

/**
 * dlog_nbits() - bits of the log inside its VMA
 * @l: the log
 *
 * Return: the number of IOVA pages it can describe.
 */
__u64 dlog_nbits(const struct dlog *l)
{
	return (l->npages * LOG_PAGE - l->off) * 8;
}

/**
 * dlog_test() - whether the bit of IOVA page @page is set
 * @l: the log
 * @page: IOVA >> 12, below dlog_nbits()
 *
 * Return: the bit.
 */
bool dlog_test(const struct dlog *l, __u64 page)
{
	const __u8 *b = dlog_base(l);

	return (__atomic_load_n(&b[page / 8], __ATOMIC_RELAXED) >> (page % 8)) & 1;
}

/**
 * dlog_clear() - clear every bit, as QEMU does while it syncs
 * @l: the log
 *
 * Byte by byte with atomic exchanges: the device may set bits meanwhile.
 */
void dlog_clear(struct dlog *l)
{
	__u8 *b = dlog_base(l);
	size_t i, n = dlog_nbits(l) / 8;

	for (i = 0; i < n; i++)
		if (__atomic_load_n(&b[i], __ATOMIC_RELAXED))
			__atomic_exchange_n(&b[i], 0, __ATOMIC_SEQ_CST);
}

/**
 * dlog_count() - bits set
 * @l: the log
 *
 * Return: their number.
 */
__u64 dlog_count(const struct dlog *l)
{
	const __u8 *b = dlog_base(l);
	size_t i, n = dlog_nbits(l) / 8;
	__u64 c = 0;

	for (i = 0; i < n; i++)
		c += __builtin_popcount(__atomic_load_n(&b[i], __ATOMIC_RELAXED));
	return c;
}

/**
 * dlog_snapshot() - a copy of the log's bytes
 * @l: the log
 *
 * Return: malloc()ed copy (dlog_nbits() / 8 bytes) or NULL (reported).
 */
__u8 *dlog_snapshot(const struct dlog *l)
{
	size_t n = dlog_nbits(l) / 8;
	__u8 *s = malloc(n);

	if (!s)
		fail("log: no memory for a snapshot of %zu bytes", n);
	else
		memcpy(s, dlog_base(l), n);
	return s;
}

/**
 * dlog_same() - the log is what it was when @snap was taken
 * @l: the log
 * @snap: from dlog_snapshot()
 * @what: for the messages
 *
 * Return: 0, or -EIO (reported: the first pages that changed).
 */
int dlog_same(const struct dlog *l, const __u8 *snap, const char *what)
{
	__u64 page, n = dlog_nbits(l), bad = 0;

	for (page = 0; page < n; page++) {
		bool was = (snap[page / 8] >> (page % 8)) & 1;

		if (was == dlog_test(l, page))
			continue;
		if (bad++ < REPORT_MAX)
			fail("log %s: bit of IOVA %#llx %s after it was replaced",
			     what, page << LOG_SHIFT, was ? "cleared" : "set");
	}
	if (bad) {
		fail("log %s: %llu bits changed", what, bad);
		return -EIO;
	}
	return 0;
}

/**
 * dlog_guard_ok() - the guard page and the bytes before the base are
 *		     untouched
 * @l: the log
 * @what: for the messages
 *
 * Return: 0 or -EIO (reported).
 */
int dlog_guard_ok(const struct dlog *l, const char *what)
{
	const __u8 *g = l->map + l->npages * LOG_PAGE;
	size_t i;

	for (i = 0; i < LOG_PAGE; i++)
		if (g[i] != LOG_GUARD) {
			fail("log %s: guard page byte %zu is %#x, want %#x",
			     what, i, g[i], LOG_GUARD);
			return -EIO;
		}
	for (i = 0; !l->unmapped && i < l->off; i++)
		if (l->map[i] != LOG_GUARD) {
			fail("log %s: byte %zu before the base is %#x, want %#x",
			     what, i, l->map[i], LOG_GUARD);
			return -EIO;
		}
	return 0;
}

/**
 * dlog_pages_for() - pages of a log that describes IOVA pages below
 *		      @end_page with its base at offset @off
 * @end_page: first IOVA page it need not describe
 * @off: offset of the base in its page
 *
 * Return: the page count.
 */
size_t dlog_pages_for(__u64 end_page, size_t off)
{
	return (off + (end_page + 7) / 8 + LOG_PAGE - 1) / LOG_PAGE;
}

/**
 * log_pinned_pages() - pages vhost_vdpa pins for a log (its design)
 * @window: first IOVA page the device cannot dirty (end of the highest
 *	    writable mapping or logged used ring)
 * @off: offset of the base in its page
 * @vma_pages: pages of the log's VMA from the base's page on
 *
 * Return: DIV_ROUND_UP(first bit + window, bits per page), at least 1,
 * at most @vma_pages.
 */
unsigned long log_pinned_pages(__u64 window, size_t off, size_t vma_pages)
{
	__u64 n = (off * 8 + window + LOG_BITS_PER_PAGE - 1) / LOG_BITS_PER_PAGE;

	if (!n)
		n = 1;
	return n < vma_pages ? n : vma_pages;
}

/* --- page sets ---------------------------------------------------------- */

/**
 * pset_init() - an empty set of IOVA pages
 * @s: filled in
 * @npages: pages below this one can be added
 *
 * Return: 0 or -ENOMEM (reported).
 */
int pset_init(struct pset *s, __u64 npages)
{
	s->npages = npages;
	s->bits = calloc((npages + 7) / 8, 1);
	if (!s->bits) {
		fail("log: no memory for a set of %llu pages", npages);
		return -ENOMEM;
	}
	return 0;
}

/**
 * pset_free() - free a set
 * @s: the set, may be unset
 */
void pset_free(struct pset *s)
{
	free(s->bits);
	s->bits = NULL;
}

/**
 * pset_clear() - empty a set
 * @s: the set
 */
void pset_clear(struct pset *s)
{
	memset(s->bits, 0, (s->npages + 7) / 8);
}

/**
 * pset_add() - add the pages of a byte range
 * @s: the set
 * @iova: first byte
 * @len: bytes (0: nothing)
 */
void pset_add(struct pset *s, __u64 iova, __u64 len)
{
	__u64 p;

	if (!len)
		return;
	for (p = iova >> LOG_SHIFT; p <= (iova + len - 1) >> LOG_SHIFT; p++)
		if (p < s->npages)
			s->bits[p / 8] |= 1 << (p % 8);
		else
			fail("internal: page %#llx outside a set of %llu",
			     p, s->npages);
}

/**
 * pset_has() - whether a page is in the set
 * @s: the set
 * @page: IOVA >> 12
 *
 * Return: true if it is.
 */
bool pset_has(const struct pset *s, __u64 page)
{
	return page < s->npages && ((s->bits[page / 8] >> (page % 8)) & 1);
}

/**
 * pset_count() - pages in the set
 * @s: the set
 *
 * Return: their number.
 */
__u64 pset_count(const struct pset *s)
{
	__u64 i, c = 0;

	for (i = 0; i < (s->npages + 7) / 8; i++)
		c += __builtin_popcount(s->bits[i]);
	return c;
}

/* --- checks ------------------------------------------------------------- */

/**
 * log_check() - the log holds exactly the pages the device wrote
 * @l: the log
 * @req: pages that must be set
 * @allow: pages that may be set besides (NULL: none)
 * @what: for the messages
 *
 * Every page of @req must be set, no page outside @req and @allow may
 * be.  The guard page and the bytes before the base must be untouched.
 *
 * Return: 0 or -EIO (reported: the first pages missing and extra).
 */
int log_check(const struct dlog *l, const struct pset *req,
	      const struct pset *allow, const char *what)
{
	__u64 page, n = dlog_nbits(l), missing = 0, extra = 0, set = 0;
	__u64 allowed = 0;

	for (page = 0; page < req->npages; page++)
		if (pset_has(req, page) && page >= n) {
			fail("internal: log %s: required IOVA %#llx beyond the log's %llu bits",
			     what, page << LOG_SHIFT, n);
			return -EIO;
		}
	for (page = 0; page < n; page++) {
		bool on = dlog_test(l, page), need = pset_has(req, page);
		bool may = need || (allow && pset_has(allow, page));

		set += on;
		allowed += on && !need && may;
		if (need && !on && missing++ < REPORT_MAX)
			fail("log %s: IOVA page %#llx written by the device, bit not set",
			     what, page << LOG_SHIFT);
		if (on && !may && extra++ < REPORT_MAX)
			fail("log %s: bit of IOVA page %#llx set, the device did not write it",
			     what, page << LOG_SHIFT);
	}
	if (missing || extra) {
		fail("log %s: %llu bits set, %llu pages missing, %llu extra (%llu required)",
		     what, set, missing, extra, pset_count(req));
		return -EIO;
	}
	if (dlog_guard_ok(l, what))
		return -EIO;
	diag("log %s: exact: %llu bits set: the %llu pages required, %llu of the pages allowed",
	     what, set, pset_count(req), allowed);
	return 0;
}

/**
 * log_want() - compare an outcome with the expected one
 * @got: 0 or -errno
 * @want: 0 or an errno (either sign)
 * @what: the call, for the messages
 *
 * Return: 0 if they match (a diagnostic line for an expected error),
 * else -EIO (reported).
 */
int log_want(int got, int want, const char *what)
{
	if (want > 0)
		want = -want;
	if (got == want) {
		if (want)
			diag("errno: %s: %s", what, errname(got));
		return 0;
	}
	fail("%s: got %s, want %s", what, got ? errname(got) : "success",
	     want ? errname(want) : "success");
	return -EIO;
}

/**
 * log_ioctl_is() - an ioctl must end with a given errno
 * @fd: the device
 * @req: the request
 * @arg: its argument
 * @want: 0 or the errno
 * @what: for the messages
 *
 * Return: 0 or -EIO (reported).
 */
int log_ioctl_is(int fd, unsigned long req, void *arg, int want,
		 const char *what)
{
	int got = ioctl(fd, req, arg) < 0 ? -errno : 0;

	return log_want(got, want, what);
}

/**
 * log_pin_kb() - VmPin of this process
 * @kb: set to it
 *
 * Return: 0 or -errno.
 */
int log_pin_kb(long *kb)
{
	struct vm_kb v;
	int r = vm_read(&v);

	*kb = v.pin;
	return r;
}

/**
 * log_pin_is() - VmPin must be a given value
 * @want_kb: the value in kB
 * @when: for the messages
 *
 * Return: 0 or -EIO (reported).
 */
int log_pin_is(long want_kb, const char *when)
{
	long kb;
	int r = log_pin_kb(&kb);

	if (r)
		return r;
	if (kb != want_kb) {
		fail("log: VmPin %ld kB %s, want %ld kB", kb, when, want_kb);
		return -EIO;
	}
	return 0;
}

/* --- the device --------------------------------------------------------- */

/**
 * log_set_base() - VHOST_SET_LOG_BASE, not reported
 * @fd: the device
 * @base: the log base (NULL: none)
 *
 * Return: 0 or -errno.
 */
int log_set_base(int fd, const void *base)
{
	__u64 b = (__u64)(uintptr_t)base;

	return ioctl(fd, VHOST_SET_LOG_BASE, &b) < 0 ? -errno : 0;
}

/**
 * log_set_fd() - VHOST_SET_LOG_FD, not reported
 * @fd: the device
 * @efd: an eventfd or VHOST_FILE_UNBIND
 *
 * Return: 0 or -errno.
 */
int log_set_fd(int fd, int efd)
{
	return ioctl(fd, VHOST_SET_LOG_FD, &efd) < 0 ? -errno : 0;
}

/**
 * log_set_features() - turn VHOST_F_LOG_ALL on or off, the other
 *			features unchanged
 * @d: the device; d->features follows on success
 * @on: with VHOST_F_LOG_ALL
 *
 * Return: 0 or -errno (not reported).
 */
int log_set_features(struct vdev *d, bool on)
{
	__u64 f = on ? d->features | LOG_ALL : d->features & ~LOG_ALL;

	if (ioctl(d->fd, VHOST_SET_FEATURES, &f) < 0)
		return -errno;
	d->features = f;
	return 0;
}

/**
 * log_vring_addr() - VHOST_SET_VRING_ADDR with the queue's own rings
 * @d: the device
 * @vq: the queue
 * @flog: with VHOST_VRING_F_LOG
 * @log_addr: log_guest_addr
 *
 * Return: 0 or -errno (not reported).
 */
int log_vring_addr(struct vdev *d, const struct vq *vq, bool flog,
		   __u64 log_addr)
{
	struct vhost_vring_addr a = {
		.index = vq->index,
		.flags = flog ? BIT(VHOST_VRING_F_LOG) : 0,
		.desc_user_addr = vq->desc_iova,
		.avail_user_addr = vq->drv_iova,
		.used_user_addr = vq->dev_iova,
		.log_guest_addr = log_addr,
	};

	return ioctl(d->fd, VHOST_SET_VRING_ADDR, &a) < 0 ? -errno : 0;
}

/**
 * log_debugfs() - a value of vhost_vdpa's debugfs file of the device
 * @d: the device (/dev/vhost-vdpa-N)
 * @key: "logging", "base", "pinned", "bits", "set" or "lost"
 * @val: set to the value
 *
 * The file is /sys/kernel/debug/vhost_vdpa/vhost-vdpa-N/log, one
 * "key: value" per line.
 *
 * Return: 0 or -errno (reported).
 */
int log_debugfs(const struct vdev *d, const char *key, long long *val)
{
	const char *name = strrchr(d->path, '/');
	char path[256], line[128];
	size_t klen = strlen(key);
	FILE *f;
	int r = -ENOENT;

	snprintf(path, sizeof(path), "/sys/kernel/debug/vhost_vdpa/%s/log",
		 name ? name + 1 : d->path);
	f = fopen(path, "r");
	if (!f) {
		r = -errno;
		fail("log: %s: %s", path, errname(r));
		return r;
	}
	while (r && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':' &&
		    sscanf(line + klen + 1, " %lli", val) == 1)
			r = 0;
	fclose(f);
	if (r)
		fail("log: no \"%s:\" in %s", key, path);
	return r;
}

/**
 * log_debugfs_is() - a debugfs value must be a given one
 * @d: the device
 * @key: see log_debugfs()
 * @want: the value
 * @when: for the messages
 *
 * Return: 0 or -EIO (reported).
 */
int log_debugfs_is(const struct vdev *d, const char *key, long long want,
		   const char *when)
{
	long long v;
	int r = log_debugfs(d, key, &v);

	if (!r && v != want) {
		fail("log: debugfs %s: %lld %s, want %lld", key, v, when, want);
		r = -EIO;
	}
	return r;
}

/**
 * log_offered() - the device must offer VHOST_F_LOG_ALL
 * @d: the device, opened
 *
 * Return: 0 or -EIO (reported).
 */
int log_offered(const struct vdev *d)
{
	if (d->offered & LOG_ALL)
		return 0;
	fail("%s: VHOST_GET_FEATURES %#llx lacks VHOST_F_LOG_ALL (bit %d)",
	     d->path, (unsigned long long)d->offered, VHOST_F_LOG_ALL);
	return -EIO;
}

/* --- rings ------------------------------------------------------------- */

/**
 * log_ring_create() - a ring whose device area has a page of its own
 * @vq: filled in (vq_create())
 * @r: the region the ring is carved from, at least @page + 2 pages
 * @index: queue index
 * @page: the descriptor and driver areas end at the end of this page of
 *	  @r; the device area starts the next page, alone in it
 * @num: ring size (its descriptor and driver areas must fit one page)
 * @packed: the packed layout
 *
 * Return: 0 or -errno (reported).
 */
int log_ring_create(struct vq *vq, struct region *r, unsigned int index,
		    unsigned int page, __u16 num, bool packed)
{
	const struct ring_ops *ops = packed ? &ring_packed_ops : &ring_split_ops;
	size_t sd, sa, su;
	int err;

	ops->sizes(num, &sd, &sa, &su);
	sd = (sd + 63) & ~(size_t)63;
	sa = (sa + 63) & ~(size_t)63;
	if (sd + sa > LOG_PAGE || su > LOG_PAGE) {
		fail("internal: a ring of %u does not fit a page", num);
		return -EINVAL;
	}
	r->used = (page + 1) * LOG_PAGE - sd - sa;
	err = vq_create(vq, index, num, packed, r);
	if (!err && vq->dev_iova != r->iova + (page + 1) * LOG_PAGE) {
		fail("internal: vq %u device area at %#llx", index,
		     (unsigned long long)vq->dev_iova);
		err = -EINVAL;
	}
	return err;
}

/**
 * log_ring_pages() - the pages of a ring the device writes
 * @vq: the ring, placed by log_ring_create()
 * @packed: its layout
 * @flog: the queue has VHOST_VRING_F_LOG
 * @log_addr: its log_guest_addr
 * @req: gets the pages that must be set after the device used buffers
 * @allow: gets the pages that may be set
 *
 * Packed: the descriptors the device gives back (always logged, as
 * data), and with F_LOG the device event area at @log_addr when the
 * device changes it (allowed).  Split: with F_LOG the used ring at
 * @log_addr; its index is written for every batch (required).  The
 * driver areas are never written.
 */
void log_ring_pages(const struct vq *vq, bool packed, bool flog,
		    __u64 log_addr, struct pset *req, struct pset *allow)
{
	size_t sd, sa, su;

	vq->ops->sizes(vq->num, &sd, &sa, &su);
	if (packed)
		pset_add(req, vq->desc_iova, sd);
	if (!flog)
		return;
	if (!packed)
		pset_add(req, log_addr + offsetof(struct vring_used, idx), 2);
	pset_add(allow, log_addr, su);
}

/* --- the command -------------------------------------------------------- */

/**
 * struct log_case - one log case
 * @name: its --case value
 * @run: runs it: 0 passed, -EOPNOTSUPP the device lacks something, else
 *	 failed (reported)
 */
struct log_case {
	const char *name;
	int (*run)(const struct options *o);
};

static const struct log_case log_cases[] = {
	{ "net", log_net },
	{ "toggle", log_toggle },
	{ "switch", log_switch },
	{ "munmap", log_munmap },
	{ "small", log_small },
	{ "blk", log_blk },
	{ "errno", log_errno },
	{ "nolog", log_nolog },
};

static char log_summary[512];

/**
 * log_sum() - set the summary line printed if the case passes
 * @fmt: printf format
 */
void log_sum(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(log_summary, sizeof(log_summary), fmt, ap);
	va_end(ap);
}

static const struct log_case *log_find(const char *name)
{
	unsigned int i;

	for (i = 0; name && i < ARRAY_SIZE(log_cases); i++)
		if (!strcmp(name, log_cases[i].name))
			return &log_cases[i];
	fail("log: --case %s: want one of:", name ? name : "missing");
	for (i = 0; i < ARRAY_SIZE(log_cases); i++)
		fprintf(stderr, "  %s\n", log_cases[i].name);
	return NULL;
}

/**
 * cmd_log() - the log subcommand
 * @o: the command line
 *
 * Runs one case; once its device is closed, VmPin must be back to its
 * value before the case (data and log pages alike given back).
 *
 * Return: exit status.
 */
int cmd_log(const struct options *o)
{
	const struct log_case *c = log_find(o->case_name);
	long pin0, pin1;
	int r;

	if (!c)
		return EXIT_USAGE;
	r = log_pin_kb(&pin0);
	if (!r)
		r = c->run(o);
	if (!r)
		r = log_pin_kb(&pin1);
	if (!r && pin1 != pin0) {
		fail("log %s: VmPin %ld kB with the device closed, %ld kB before",
		     c->name, pin1, pin0);
		r = -EIO;
	}
	if (!r)
		diag("log %s%s: %s", c->name, o->packed ? " (packed)" : "",
		     log_summary);
	if (r == -EOPNOTSUPP)
		return EXIT_SKIP;
	return r ? EXIT_FAIL : 0;
}
