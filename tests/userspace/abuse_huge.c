// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa_user: abuse cases of the IOTLB arithmetic on huge pages (thp,
 * hugetlb).
 *
 * Six MiB of anonymous memory in three 2 MiB pages (transparent huge
 * pages after MADV_HUGEPAGE, or hugetlbfs pages with MAP_HUGETLB), mapped
 * for the device by four updates whose user addresses and IOVAs start
 * inside a page and off any 2 MiB boundary: two of them cross one, two
 * pairs of them meet inside a page.  Rings and buffers straddle the 2 MiB
 * boundaries and those junctions, and frames go through them byte for
 * byte; every other byte of the six MiB keeps its pattern.  VmPin grows
 * by exactly the 4 KiB pages the updates cover, a page two updates share
 * counted once (our driver charges a page once per process however many
 * mappings hold it), and, once the updates are invalidated, is back where
 * it was.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "abuse.h"

#define HG_HUGE (2UL << 20)
#define HG_LEN (3 * HG_HUGE)
#define HG_IOVA (AB_IOVA + 0x7000)	/* page aligned, 2 MiB unaligned */
#define HG_PAGE 4096UL
#define HG_RING_AREA 0xc0	/* both layouts of 4 entries fit */
#define HG_NRX 3
#define HG_ROUNDS 4		/* frames per receive buffer, each pass */
#define HG_DROPPED 0x100000	/* THP: the page given back (MADV_DONTNEED) */

/**
 * struct hg_update - one VHOST_IOTLB_UPDATE, as offsets into the memory
 * @what: its description
 * @off: first byte (user address - base; IOVA - HG_IOVA)
 * @len: bytes
 */
struct hg_update {
	const char *what;
	size_t off;
	size_t len;
};

/* B1 = 0x200000 and B2 = 0x400000 are the 2 MiB boundaries. */
static const struct hg_update hg_updates[] = {
	{ "U1 [0x1fe123, 0x200a40) across B1", 0x1fe123, 0x200a40 - 0x1fe123 },
	{ "U2 [0x200a40, 0x400e77) from U1's end across B2", 0x200a40,
	  0x400e77 - 0x200a40 },
	{ "U3 [0x400e77, 0x401800) from U2's end", 0x400e77,
	  0x401800 - 0x400e77 },
	{ "U4 [0x401fff, 0x402001) two bytes over a page boundary", 0x401fff,
	  2 },
};

#define HG_TXRING 0x1fffe0	/* descriptors across B1 (inside U1) */
#define HG_RXRING 0x200a20	/* descriptors across U1 | U2 */
#define HG_TXBUF 0x3fffda	/* across B2 (inside U2) */

/* Receive buffers: across a page boundary, after B2, across U2 | U3. */
static const size_t hg_rxbufs[HG_NRX] = { 0x1fec00, 0x400040, 0x400900 };

/**
 * struct hg - the memory of one case
 * @base: 2 MiB aligned, HG_LEN bytes
 * @hugetlb: MAP_HUGETLB (else THP)
 * @name: "thp" or "hugetlb"
 */
struct hg {
	__u8 *base;
	bool hugetlb;
	const char *name;
};

/**
 * ab_smaps_kb() - a "Key: N kB" field of the mapping holding an address
 * @addr: the address
 * @key: the field, e.g. "AnonHugePages"
 * @kb: its value
 *
 * Return: 0, or -ENOENT (reported) if /proc/self/smaps lacks it.
 */
int ab_smaps_kb(const void *addr, const char *key, long *kb)
{
	unsigned long lo, hi, a = (unsigned long)addr;
	size_t klen = strlen(key);
	bool in = false;
	char line[512];
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f) {
		fail("open /proc/self/smaps: %s", errname(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		/* "Key: N kB" lines never start with "HEX-HEX". */
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
			in = lo <= a && a < hi;
			continue;
		}
		if (in && !strncmp(line, key, klen) && line[klen] == ':' &&
		    sscanf(line + klen + 1, "%ld", kb) == 1) {
			fclose(f);
			return 0;
		}
	}
	fclose(f);
	fail("/proc/self/smaps: no %s for the mapping at %p", key, addr);
	return -ENOENT;
}

/* Check that all of the memory is in huge pages. */
static int hg_verify(const struct hg *h)
{
	long kb = 0, page = 0;
	int r;

	if (h->hugetlb) {
		r = ab_smaps_kb(h->base, "KernelPageSize", &page);
		if (!r)
			r = ab_smaps_kb(h->base, "Private_Hugetlb", &kb);
		if (!r && (page != HG_HUGE >> 10 || kb != HG_LEN >> 10)) {
			fail("hugetlb: page size %ld kB, %ld kB of huge pages, want %lu and %lu",
			     page, kb, HG_HUGE >> 10, HG_LEN >> 10);
			r = -EIO;
		}
		return r;
	}
	r = ab_smaps_kb(h->base, "AnonHugePages", &kb);
	if (!r && kb < (long)(HG_LEN >> 10)) {
		fail("thp: AnonHugePages %ld kB, want %lu: no transparent huge pages (/sys/kernel/mm/transparent_hugepage/enabled, memory fragmented?)",
		     kb, HG_LEN >> 10);
		r = -EIO;
	}
	return r;
}

/*
 * HG_LEN bytes at a 2 MiB boundary, written all over with AB_PATTERN (so
 * faulted in), in huge pages.
 */
static int hg_alloc(struct hg *h)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	size_t len = h->hugetlb ? HG_LEN : HG_LEN + HG_HUGE;
	__u8 *p, *a;
	int r;

	if (h->hugetlb)
		flags |= MAP_HUGETLB;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (p == MAP_FAILED) {
		r = -errno;
		fail("%s: mmap of %zu bytes: %s%s", h->name, len, errname(r),
		     h->hugetlb ? " (not enough pages in /proc/sys/vm/nr_hugepages?)" :
		     "");
		return r;
	}
	a = (__u8 *)(((uintptr_t)p + HG_HUGE - 1) & ~(HG_HUGE - 1));
	if (!h->hugetlb) {
		if (a > p)
			munmap(p, a - p);
		if (a + HG_LEN < p + len)
			munmap(a + HG_LEN, p + len - (a + HG_LEN));
	}
	h->base = a;
	if (!h->hugetlb && madvise(a, HG_LEN, MADV_HUGEPAGE)) {
		r = -errno;
		fail("thp: madvise(MADV_HUGEPAGE): %s", errname(r));
		return r;
	}
	memset(a, AB_PATTERN, HG_LEN);
	return hg_verify(h);
}

/* kB of the 4 KiB pages the updates in @held cover, each page once. */
static long hg_union_kb(const bool *held)
{
	bool in[HG_LEN / HG_PAGE] = { false };
	const struct hg_update *u;
	size_t i, p, kb = 0;

	for (i = 0; i < ARRAY_SIZE(hg_updates); i++) {
		u = &hg_updates[i];
		for (p = u->off / HG_PAGE; held[i] &&
		     p <= (u->off + u->len - 1) / HG_PAGE; p++)
			in[p] = true;
	}
	for (p = 0; p < ARRAY_SIZE(in); p++)
		kb += in[p] ? HG_PAGE >> 10 : 0;
	return kb;
}

/* Every update, VmPin checked after each; *@kb: what they pinned. */
static int hg_map(struct net *n, const struct hg *h, long pin0, long *kb)
{
	bool held[ARRAY_SIZE(hg_updates)] = { false };
	const struct hg_update *u;
	unsigned int i;
	int r;

	*kb = 0;
	for (i = 0; i < ARRAY_SIZE(hg_updates); i++) {
		u = &hg_updates[i];
		r = iotlb_checked(n->d.fd, 0, VHOST_IOTLB_UPDATE,
				  HG_IOVA + u->off, u->len, h->base + u->off);
		if (r) {
			fail("%s: %s", h->name, u->what);
			return r;
		}
		held[i] = true;
		*kb = hg_union_kb(held);
		r = ab_pin_is(pin0 + *kb, u->what);
		if (r)
			return r;
	}
	return 0;
}

/*
 * An update whose IOVA and user address sit at different offsets in
 * their pages cannot be a page mapping: EINVAL, nothing pinned.
 */
static int hg_skewed(struct net *n, const struct hg *h, long kb)
{
	__u64 iova = HG_IOVA + 0x500123;
	int r;

	r = iotlb_msg(n->d.fd, 0, VHOST_IOTLB_UPDATE, iova, 0x3000,
		      h->base + 0x100321, VHOST_ACCESS_RW);
	if (r != -EINVAL) {
		fail("%s: UPDATE with IOVA offset 0x123 and user offset 0x321 in their pages: %s, want EINVAL",
		     h->name, r ? errname(r) : "succeeded");
		return -EIO;
	}
	return ab_pin_is(kb, "after the refused skewed UPDATE");
}

/* A ring laid out at @off (zeroed first): its areas straddle what @off does. */
static int hg_ring(struct net *n, const struct hg *h, struct vq *vq,
		   unsigned int index, size_t off)
{
	struct region view = {
		.va = h->base + off, .iova = HG_IOVA + off,
		.len = HG_RING_AREA, .mapped = true,
	};

	memset(view.va, 0, HG_RING_AREA);
	return vq_create(vq, index, AB_RING, n->o->packed, &view);
}

/* n->mem covers all of the memory, for region_iova(). */
static int hg_start(struct net *n, const struct hg *h)
{
	struct vq *vqs[2] = { &n->rx, &n->tx };
	int r;

	n->mem.va = h->base;
	n->mem.iova = HG_IOVA;
	n->mem.len = HG_LEN;
	n->mem.mapped = true;
	n->txbuf = h->base + HG_TXBUF;
	r = hg_ring(n, h, &n->tx, NET_TXQ, HG_TXRING);
	if (!r)
		r = hg_ring(n, h, &n->rx, NET_RXQ, HG_RXRING);
	if (!r)
		r = ab_setup(n, vqs, ARRAY_SIZE(vqs));
	if (!r)
		r = vdev_start(&n->d, h->name);
	return r;
}

/* HG_ROUNDS frames into each receive buffer in turn, from *@seq on. */
static int hg_traffic(struct net *n, const struct hg *h, __u32 *seq)
{
	size_t off;
	unsigned int i;
	int r;

	for (i = 0; i < HG_NRX * HG_ROUNDS; i++, (*seq)++) {
		off = hg_rxbufs[i % HG_NRX];
		r = ab_roundtrip(n, &n->mem, h->base + off, *seq);
		if (r) {
			fail("%s: frame %u into the buffer at +%#zx", h->name,
			     *seq, off);
			return r;
		}
	}
	return 0;
}

/**
 * struct hg_hole - bytes the pattern check skips
 * @off: first
 * @len: how many
 */
struct hg_hole {
	size_t off;
	size_t len;
};

static int hg_hole_cmp(const void *a, const void *b)
{
	const struct hg_hole *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

/* Every byte but the rings, buffers and @dropped page is still AB_PATTERN. */
static int hg_untouched(const struct hg *h, bool dropped)
{
	struct hg_hole holes[8] = {
		{ HG_TXRING, HG_RING_AREA }, { HG_RXRING, HG_RING_AREA },
		{ HG_TXBUF, AB_TX_LEN },
	};
	unsigned int i, n = 3;
	size_t at = 0;
	char what[64];
	int r;

	for (i = 0; i < HG_NRX; i++)
		holes[n++] = (struct hg_hole){ hg_rxbufs[i], AB_TX_LEN };
	if (dropped)
		holes[n++] = (struct hg_hole){ HG_DROPPED, HG_PAGE };
	qsort(holes, n, sizeof(holes[0]), hg_hole_cmp);
	for (i = 0; i <= n; i++) {
		size_t end = i < n ? holes[i].off : HG_LEN;

		snprintf(what, sizeof(what), "%s memory at +%#zx", h->name, at);
		r = ab_untouched(h->base + at, end - at, what);
		if (r)
			return r;
		if (i < n)
			at = holes[i].off + holes[i].len;
	}
	return 0;
}

/*
 * THP: give back one 4 KiB page that no update covers: the first huge
 * page is split in this process's page table (AnonHugePages drops by
 * 2 MiB) while the device keeps its pinned part of it.
 */
static int hg_split(const struct hg *h)
{
	long kb = 0;
	int r;

	if (madvise(h->base + HG_DROPPED, HG_PAGE, MADV_DONTNEED)) {
		fail("thp: madvise(MADV_DONTNEED) of one page: %s",
		     errname(errno));
		return -errno;
	}
	r = ab_smaps_kb(h->base, "AnonHugePages", &kb);
	if (!r && kb != (long)((HG_LEN - HG_HUGE) >> 10)) {
		fail("thp: AnonHugePages %ld kB after MADV_DONTNEED of a page, want %lu",
		     kb, (HG_LEN - HG_HUGE) >> 10);
		r = -EIO;
	}
	return r;
}

/* Reset, then invalidate each update: VmPin drops by its pages each time. */
static int hg_unmap(struct net *n, const struct hg *h, long pin0, long kb)
{
	bool held[ARRAY_SIZE(hg_updates)];
	const struct hg_update *u;
	char what[128];
	unsigned int i;
	int r;

	memset(held, true, sizeof(held));
	r = ab_reset(n);
	for (i = 0; !r && i < ARRAY_SIZE(hg_updates); i++) {
		u = &hg_updates[i];
		r = iotlb_checked(n->d.fd, 0, VHOST_IOTLB_INVALIDATE,
				  HG_IOVA + u->off, u->len, NULL);
		held[i] = false;
		kb = hg_union_kb(held);
		snprintf(what, sizeof(what), "after INVALIDATE of %s", u->what);
		if (!r)
			r = ab_pin_is(pin0 + kb, what);
	}
	if (r)
		fail("%s: invalidating the updates", h->name);
	return r;
}

static int hg_case(const struct options *o, bool hugetlb)
{
	struct hg h = { .hugetlb = hugetlb, .name = hugetlb ? "hugetlb" : "thp" };
	struct vm_kb v0;
	struct net *n;
	__u32 seq = 0;
	long kb = 0;
	int r;

	r = ab_open(&n, o, 0);
	if (!r)
		r = ab_negotiate(n, 0, 0);
	if (!r)
		r = hg_alloc(&h);
	if (!r)
		r = vm_read(&v0);
	if (!r)
		r = hg_map(n, &h, v0.pin, &kb);
	if (!r)
		r = hg_skewed(n, &h, v0.pin + kb);
	if (!r)
		r = hg_start(n, &h);
	if (!r)
		r = hg_traffic(n, &h, &seq);
	if (!r && !hugetlb)
		r = hg_split(&h);
	if (!r && !hugetlb)
		r = hg_traffic(n, &h, &seq);
	if (!r)
		r = hg_untouched(&h, !hugetlb);
	if (!r)
		r = hg_unmap(n, &h, v0.pin, kb);
	/* net_close() unmaps n->mem: the whole HG_LEN, if it got that far. */
	if ((!n || !n->mem.va) && h.base)
		munmap(h.base, HG_LEN);
	net_close(n);
	if (!r)
		ab_sum("%s ring, 6 MiB in 2 MiB pages, %zu unaligned updates (%ld kB pinned, page by page), skewed update EINVAL, %u frames byte-exact across B1, B2 and the junctions%s, VmPin back to %ld kB",
		       o->packed ? "packed" : "split", ARRAY_SIZE(hg_updates),
		       kb, seq, hugetlb ? "" : " (and after a PMD split)",
		       v0.pin);
	return r;
}

/**
 * ab_thp() - unaligned IOTLB updates over transparent huge pages
 * @o: the command line
 *
 * Return: 0 or -errno.
 */
int ab_thp(const struct options *o)
{
	return hg_case(o, false);
}

/**
 * ab_hugetlb() - unaligned IOTLB updates over hugetlbfs pages
 * @o: the command line
 *
 * Needs three free 2 MiB pages (/proc/sys/vm/nr_hugepages).
 *
 * Return: 0 or -errno.
 */
int ab_hugetlb(const struct options *o)
{
	return hg_case(o, true);
}
