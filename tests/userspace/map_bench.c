// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa_user: the cost of mapping guest-sized memory, and its charge when
 * several devices of one process map the same memory.
 *
 *   map-bench: anonymous memory backed by 4 KiB pages (MADV_NOHUGEPAGE),
 *   THP (MADV_HUGEPAGE) or 2 MiB hugetlbfs pages (MAP_HUGETLB), touched
 *   first, mapped with one IOTLB update and unmapped with one invalidate,
 *   each timed; with --also DEV the same memory is mapped on a second
 *   device too (its time, and VmPin with both).
 *
 *   share: the same memory mapped on every device given (--dev, --also
 *   up to 3 times) must be charged to RLIMIT_MEMLOCK (VmPin) once, and
 *   exactly, through every unmap, close and (--exec) device removal, and
 *   pinned once (the kernel's nr_foll_pin_acquired - released); with
 *   --pin-once a device mapping memory another one mapped must pin
 *   nothing (nr_foll_pin_acquired does not move), and memory replaced at
 *   the same address must be pinned anew.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "vdpa_user.h"

#define HUGE_2M		(2UL << 20)
#define SECOND_IOVA	(IOVA_BASE + (1ULL << 40))
#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB	(21 << 26)
#endif

/**
 * struct anon - anonymous memory of one backing
 * @va: start (2 MiB aligned)
 * @len: bytes
 * @map: what mmap() returned
 * @map_len: its length
 */
struct anon {
	__u8 *va;
	size_t len;
	void *map;
	size_t map_len;
};

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/**
 * anon_create() - allocate and touch anonymous memory
 * @a: filled in
 * @len: bytes, a multiple of 2 MiB
 * @backing: "4k", "thp" or "hugetlb"
 *
 * Return: 0, -EINVAL for an unknown backing (reported), -ENOMEM when
 * hugetlb pages are short (not reported: the caller skips), or -errno.
 */
static int anon_create(struct anon *a, size_t len, const char *backing)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
	bool huge = !strcmp(backing, "hugetlb");
	int advice;

	memset(a, 0, sizeof(*a));
	if (!strcmp(backing, "4k")) {
		advice = MADV_NOHUGEPAGE;
	} else if (!strcmp(backing, "thp")) {
		advice = MADV_HUGEPAGE;
	} else if (huge) {
		advice = -1;
		flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
			MAP_HUGE_2MB | MAP_POPULATE;
	} else {
		fail("--backing %s: want 4k, thp or hugetlb", backing);
		return -EINVAL;
	}
	a->map_len = huge ? len : len + HUGE_2M;
	a->map = mmap(NULL, a->map_len, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (a->map == MAP_FAILED) {
		a->map = NULL;
		return -errno;
	}
	a->va = (__u8 *)(((uintptr_t)a->map + HUGE_2M - 1) & ~(HUGE_2M - 1));
	a->len = len;
	if (advice >= 0 && madvise(a->va, len, advice)) {
		int err = -errno;

		fail("madvise(%s): %s", backing, errname(err));
		return err;
	}
	memset(a->va, 0x5a, len);
	return 0;
}

/* New 4 KiB pages in place of @a's (same addresses), touched. */
static int anon_replace(struct anon *a)
{
	void *p = mmap(a->va, a->len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE,
		       -1, 0);

	if (p == MAP_FAILED) {
		fail("mmap(MAP_FIXED): %s", errname(-errno));
		return -1;
	}
	if (madvise(a->va, a->len, MADV_NOHUGEPAGE)) {
		fail("madvise: %s", errname(-errno));
		return -1;
	}
	memset(a->va, 0xa5, a->len);
	return 0;
}

static void anon_destroy(struct anon *a)
{
	if (a->map)
		munmap(a->map, a->map_len);
	a->map = NULL;
}

/* AnonHugePages of this process in kB (THP in use), -1 if unknown. */
static long thp_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/smaps_rollup", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "AnonHugePages: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static int vdev_prepare(struct vdev *d, const char *path)
{
	int r = vdev_open(d, path);

	if (!r)
		r = vdev_backend(d, 0);
	if (r)
		vdev_close(d);
	return r;
}

/* One timed update or invalidate of @a at @iova. */
static int timed_msg(struct vdev *d, __u8 type, __u64 iova,
		     const struct anon *a, double *secs)
{
	double t0 = now_s();
	int r = iotlb_checked(d->fd, 0, type, iova, a->len, a->va);

	*secs = now_s() - t0;
	return r;
}

/* One round of map-bench: map [and map again on @d2], unmap. */
static int bench_round(struct vdev *d, struct vdev *d2, const struct anon *a,
		       const struct options *o, unsigned int round)
{
	double map_s, map2_s = 0, unmap_s, t;
	struct vm_kb v1, v2 = { 0 };
	int r;

	r = timed_msg(d, VHOST_IOTLB_UPDATE, IOVA_BASE, a, &map_s);
	if (!r)
		r = vm_read(&v1);
	if (!r && d2)
		r = timed_msg(d2, VHOST_IOTLB_UPDATE, IOVA_BASE, a, &map2_s);
	if (!r && d2)
		r = vm_read(&v2);
	if (!r && d2)
		r = timed_msg(d2, VHOST_IOTLB_INVALIDATE, IOVA_BASE, a, &t);
	if (!r)
		r = timed_msg(d, VHOST_IOTLB_INVALIDATE, IOVA_BASE, a, &unmap_s);
	if (r)
		return r;
	printf("map-bench backing=%s mbytes=%u round=%u map_s=%.6f unmap_s=%.6f pin_kb=%ld thp_kb=%ld",
	       o->backing, o->mbytes, round, map_s, unmap_s, v1.pin, thp_kb());
	if (d2)
		printf(" map2_s=%.6f pin2_kb=%ld", map2_s, v2.pin);
	printf("\n");
	return 0;
}

/**
 * cmd_map_bench() - the map-bench subcommand
 * @o: the command line (--dev, --also, --backing, --mbytes, --rounds)
 *
 * Return: exit status; EXIT_SKIP when hugetlb pages are short.
 */
int cmd_map_bench(const struct options *o)
{
	struct vdev d = { .fd = -1 }, d2 = { .fd = -1 };
	unsigned int i;
	struct anon a;
	int r;

	r = pin_memlock_set(RLIM_INFINITY);
	if (r)
		return EXIT_FAIL;
	r = anon_create(&a, (size_t)o->mbytes << 20, o->backing);
	if (r == -ENOMEM || r == -EAGAIN) {
		printf("map-bench backing=%s mbytes=%u: not measured: mmap: %s\n",
		       o->backing, o->mbytes, errname(r));
		return EXIT_SKIP;
	}
	if (!r)
		r = vdev_prepare(&d, o->dev);
	if (!r && o->nalso)
		r = vdev_prepare(&d2, o->also[0]);
	for (i = 1; !r && i <= o->rounds; i++)
		r = bench_round(&d, o->nalso ? &d2 : NULL, &a, o, i);
	vdev_close(&d2);
	vdev_close(&d);
	anon_destroy(&a);
	return r ? EXIT_FAIL : 0;
}

/* --- share ------------------------------------------------------------ */

/**
 * struct share - the share subcommand's state
 * @d: the devices (@n of them)
 * @n: how many
 * @a: the memory they all map
 * @other: 1 MiB of different memory
 * @base: VmPin before anything was mapped, kB
 * @copy_kb: one copy of @a, kB
 * @pins_base: the kernel's outstanding page pins before, system-wide
 * @pin_once: --pin-once
 * @bad: checks that failed
 */
struct share {
	struct vdev d[4];
	unsigned int n;
	struct anon a;
	struct anon other;
	long base;
	long copy_kb;
	long pins_base;
	bool pin_once;
	int bad;
};

/* VmPin above the base must be @want kB. */
static void pin_is(struct share *s, long want, const char *what)
{
	struct vm_kb v;

	if (vm_read(&v)) {
		s->bad++;
		return;
	}
	if (v.pin - s->base != want) {
		fail("share: %s: VmPin %ld kB above the base, want %ld",
		     what, v.pin - s->base, want);
		s->bad++;
		return;
	}
	diag("share: %s: VmPin +%ld kB, as wanted", what, want);
}

static void map_ok(struct share *s, unsigned int i, __u64 iova,
		   const struct anon *a, __u8 type)
{
	if (iotlb_checked(s->d[i].fd, 0, type, iova, a->len, a->va))
		s->bad++;
}

/*
 * The kernel's page pins, system-wide: acquired in *@acq, and outstanding
 * (acquired - released) returned; -1 if unknown (reported).
 */
static long pins_read(long *acq)
{
	long a = -1, r = -1, v;
	char name[64];
	FILE *f;

	f = fopen("/proc/sys/vm/stat_refresh", "w");
	if (f) {
		fputs("1\n", f);
		fclose(f);
	}
	f = fopen("/proc/vmstat", "r");
	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", name, &v) == 2) {
		if (!strcmp(name, "nr_foll_pin_acquired"))
			a = v;
		else if (!strcmp(name, "nr_foll_pin_released"))
			r = v;
	}
	fclose(f);
	if (a < 0 || r < 0) {
		fail("share: no nr_foll_pin_* in /proc/vmstat");
		return -1;
	}
	*acq = a;
	return a - r;
}

/*
 * Pages pinned since the base must be @copies copies of the memory, and,
 * when @fresh >= 0, pages pinned since *@acq @fresh (-1: not checked);
 * *@acq is updated.
 */
static void pins_are(struct share *s, long copies, long fresh, long *acq,
		     const char *what)
{
	long pages = s->copy_kb >> 2, before = *acq;
	long out = pins_read(acq);

	if (out < 0) {
		s->bad++;
		return;
	}
	if (out - s->pins_base != copies * pages) {
		fail("share: %s: %ld pages pinned, want %ld", what,
		     out - s->pins_base, copies * pages);
		s->bad++;
	}
	if (fresh >= 0 && *acq - before != fresh * pages) {
		fail("share: %s: %ld pages pinned anew, want %ld", what,
		     *acq - before, fresh * pages);
		s->bad++;
	}
	diag("share: %s: %ld page(s) pinned, %ld of them anew", what,
	     out - s->pins_base, *acq - before);
}

/* Map on every device, then on device 0 again at another IOVA. */
static void share_map_all(struct share *s)
{
	long fresh = s->pin_once ? 0 : -1, acq;
	char what[64];
	unsigned int i;

	pins_read(&acq);
	for (i = 0; i < s->n; i++) {
		map_ok(s, i, IOVA_BASE, &s->a, VHOST_IOTLB_UPDATE);
		snprintf(what, sizeof(what), "mapped on %u device(s)", i + 1);
		pin_is(s, s->copy_kb, what);
		pins_are(s, 1, i ? fresh : 1, &acq, what);
	}
	map_ok(s, 0, SECOND_IOVA, &s->a, VHOST_IOTLB_UPDATE);
	pin_is(s, s->copy_kb, "mapped twice on device 0");
	pins_are(s, 1, fresh, &acq, "mapped twice on device 0");
	map_ok(s, 0, SECOND_IOVA, &s->a, VHOST_IOTLB_INVALIDATE);
	pin_is(s, s->copy_kb, "second mapping of device 0 invalidated");
}

/* Unmap on every device in turn: one copy until the last. */
static void share_unmap_all(struct share *s)
{
	char what[64];
	unsigned int i;

	for (i = 0; i < s->n; i++) {
		map_ok(s, i, IOVA_BASE, &s->a, VHOST_IOTLB_INVALIDATE);
		snprintf(what, sizeof(what), "unmapped on device %u", i);
		pin_is(s, i + 1 < s->n ? s->copy_kb : 0, what);
	}
}

/*
 * The memory is replaced at the same address while device 0 maps it:
 * device 1 must pin the new pages (never reuse the old ones), device 1
 * mapping it again pins nothing more (--pin-once); both copies pinned and
 * charged until the mappings go.
 */
static void share_remap(struct share *s)
{
	long acq;

	if (s->n < 2)
		return;
	pins_read(&acq);
	map_ok(s, 0, IOVA_BASE, &s->a, VHOST_IOTLB_UPDATE);
	pins_are(s, 1, 1, &acq, "remap: mapped on device 0");
	if (anon_replace(&s->a)) {
		s->bad++;
		return;
	}
	map_ok(s, 1, IOVA_BASE, &s->a, VHOST_IOTLB_UPDATE);
	pin_is(s, 2 * s->copy_kb, "remap: new memory mapped on device 1");
	pins_are(s, 2, 1, &acq, "remap: new memory mapped on device 1");
	map_ok(s, 1, SECOND_IOVA, &s->a, VHOST_IOTLB_UPDATE);
	pins_are(s, 2, s->pin_once ? 0 : -1, &acq,
		 "remap: new memory mapped twice on device 1");
	map_ok(s, 0, IOVA_BASE, &s->a, VHOST_IOTLB_INVALIDATE);
	pin_is(s, s->copy_kb, "remap: old memory unmapped");
	pins_are(s, 1, -1, &acq, "remap: old memory unmapped");
	map_ok(s, 1, IOVA_BASE, &s->a, VHOST_IOTLB_INVALIDATE);
	map_ok(s, 1, SECOND_IOVA, &s->a, VHOST_IOTLB_INVALIDATE);
	pin_is(s, 0, "remap: all unmapped");
	pins_are(s, 0, -1, &acq, "remap: all unmapped");
}

/*
 * Device 0 maps only the first half again once the others went: the
 * charge follows what is still pinned, then nothing.
 */
static void share_half(struct share *s)
{
	struct anon half = s->a;

	half.len /= 2;
	map_ok(s, 0, IOVA_BASE, &half, VHOST_IOTLB_UPDATE);
	pin_is(s, s->copy_kb / 2, "half mapped on device 0");
	map_ok(s, 0, IOVA_BASE, &half, VHOST_IOTLB_INVALIDATE);
	pin_is(s, 0, "half unmapped on device 0");
}

/*
 * Take devices away one by one (last first): removal by --exec for the
 * last one when given, else invalidate and close in turn; the charge
 * stays one copy while any device still maps it.
 */
static void share_release(struct share *s, const struct options *o)
{
	char what[80];
	unsigned int i;

	for (i = s->n; i-- > 0;) {
		if (i == s->n - 1 && o->exec) {
			diag("share: running '%s'", o->exec);
			if (system(o->exec)) {
				fail("share: '%s' failed", o->exec);
				s->bad++;
			}
			snprintf(what, sizeof(what), "device %u removed", i);
		} else if (i % 2) {
			snprintf(what, sizeof(what), "device %u closed", i);
		} else {
			map_ok(s, i, IOVA_BASE, &s->a, VHOST_IOTLB_INVALIDATE);
			snprintf(what, sizeof(what), "device %u unmapped", i);
		}
		if (i % 2 || (i == s->n - 1 && o->exec))
			vdev_close(&s->d[i]);
		pin_is(s, i ? s->copy_kb : 0, what);
	}
}

/* With RLIMIT_MEMLOCK one copy: the same memory fits twice, other not. */
static void share_limit(struct share *s)
{
	int e;

	if (pin_ipc_lock(false) ||
	    pin_memlock_set(((rlim_t)(s->base + s->copy_kb)) << 10)) {
		s->bad++;
		return;
	}
	map_ok(s, 0, IOVA_BASE, &s->a, VHOST_IOTLB_UPDATE);
	if (s->n > 1)
		map_ok(s, 1, IOVA_BASE, &s->a, VHOST_IOTLB_UPDATE);
	pin_is(s, s->copy_kb, "limit one copy: mapped on up to 2 devices");
	e = iotlb_msg(s->d[s->n > 1].fd, 0, VHOST_IOTLB_UPDATE, SECOND_IOVA,
		      s->other.len, s->other.va, VHOST_ACCESS_RW);
	diag("share: 1 MiB of other memory past the limit: %s", errname(e));
	if (e != -ENOMEM) {
		fail("share: other memory past the limit: %s, want ENOMEM",
		     errname(e));
		s->bad++;
	}
	pin_is(s, s->copy_kb, "limit one copy: other memory refused");
	if (s->n > 1)
		map_ok(s, 1, IOVA_BASE, &s->a, VHOST_IOTLB_INVALIDATE);
	pin_is(s, s->copy_kb, "limit one copy: device 1 unmapped");
	map_ok(s, 0, IOVA_BASE, &s->a, VHOST_IOTLB_INVALIDATE);
	pin_is(s, 0, "limit one copy: all unmapped");
	if (pin_memlock_set(RLIM_INFINITY) || pin_ipc_lock(true))
		s->bad++;
}

static int share_open(struct share *s, const struct options *o)
{
	unsigned int i;
	struct vm_kb v;
	long acq;
	int r;

	s->n = 1 + o->nalso;
	r = anon_create(&s->a, (size_t)o->mbytes << 20, "4k");
	if (!r)
		r = anon_create(&s->other, 1 << 20, "4k");
	for (i = 0; !r && i < s->n; i++)
		r = vdev_prepare(&s->d[i], i ? o->also[i - 1] : o->dev);
	if (!r)
		r = vm_read(&v);
	s->base = v.pin;
	s->copy_kb = (long)o->mbytes << 10;
	s->pin_once = o->pin_once;
	s->pins_base = pins_read(&acq);
	return r ?: s->pins_base < 0 ? -EIO : 0;
}

/**
 * cmd_share() - the share subcommand
 * @o: the command line (--dev, --also, --mbytes, --exec, --pin-once)
 *
 * Return: exit status.
 */
int cmd_share(const struct options *o)
{
	struct share s;
	unsigned int i;
	int r;

	memset(&s, 0, sizeof(s));
	for (i = 0; i < ARRAY_SIZE(s.d); i++)
		s.d[i].fd = -1;
	r = pin_memlock_set(RLIM_INFINITY);
	if (!r)
		r = share_open(&s, o);
	if (!r) {
		share_map_all(&s);
		share_unmap_all(&s);
		share_remap(&s);
		share_limit(&s);
		share_map_all(&s);
		share_release(&s, o);
		if (s.d[0].fd >= 0)
			share_half(&s);
	}
	for (i = 0; i < ARRAY_SIZE(s.d); i++)
		vdev_close(&s.d[i]);
	if (!r)
		pin_is(&s, 0, "all closed");
	anon_destroy(&s.other);
	anon_destroy(&s.a);
	if (r || s.bad) {
		fail("share: %d check(s) failed", s.bad);
		return EXIT_FAIL;
	}
	diag("share: %u device(s), %ld kB charged once throughout", s.n,
	     s.copy_kb);
	return 0;
}
