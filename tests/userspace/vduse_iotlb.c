// SPDX-License-Identifier: GPL-2.0-only
/*
 * vduse_user: the IOTLB.  An IOVA is reached by asking the kernel for the
 * file behind it (VDUSE_IOTLB_GET_FD) and mapping that whole range; the
 * mappings are cached until a VDUSE_UPDATE_IOTLB message covers them.
 * Also the hostile IOTLB modes: bogus-iotlb and umem-unmap.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "vduse_user.h"

static void drop(struct vu_dev *d, unsigned int i)
{
	munmap(d->maps[i].va, d->maps[i].len);
	d->maps[i] = d->maps[--d->nmaps];
}

/* Map the range the kernel has at @iova; the cache entry or NULL. */
static struct vu_map *map_in(struct vu_dev *d, uint64_t iova)
{
	struct vduse_iotlb_entry e = { .start = iova, .last = iova };
	uint64_t pad;
	uint8_t *va;
	int fd, prot;

	fd = ioctl(d->fd, VDUSE_IOTLB_GET_FD, &e);
	if (fd < 0) {
		fail("VDUSE_IOTLB_GET_FD 0x%llx: %s",
		     (unsigned long long)iova, errname(errno));
		return NULL;
	}
	if (e.start > iova || e.last < iova || e.last - e.start >= SIZE_MAX) {
		fail("VDUSE_IOTLB_GET_FD 0x%llx: got [0x%llx, 0x%llx]",
		     (unsigned long long)iova, (unsigned long long)e.start,
		     (unsigned long long)e.last);
		close(fd);
		return NULL;
	}
	prot = e.perm == VDUSE_ACCESS_RO ? PROT_READ : PROT_READ | PROT_WRITE;
	pad = e.offset & 4095;
	va = mmap(NULL, e.last - e.start + 1 + pad, prot, MAP_SHARED, fd,
		  e.offset - pad);
	close(fd);
	if (va == MAP_FAILED) {
		fail("mmap of IOVA [0x%llx, 0x%llx] offset 0x%llx: %s",
		     (unsigned long long)e.start, (unsigned long long)e.last,
		     (unsigned long long)e.offset, errname(errno));
		return NULL;
	}
	if (d->nmaps == VU_ARRAY_SIZE(d->maps))
		drop(d, 0);
	d->maps[d->nmaps] = (struct vu_map){
		.start = e.start, .last = e.last, .va = va + pad,
		.len = e.last - e.start + 1,
	};
	if (d->o->verbose)
		diag("iotlb: mapped [0x%llx, 0x%llx] perm %u",
		     (unsigned long long)e.start, (unsigned long long)e.last,
		     e.perm);
	return &d->maps[d->nmaps++];
}

/**
 * vu_iova() - where an IOVA is in this process
 * @d: device
 * @iova: device address
 * @len: bytes wanted from there
 * @avail: set to the bytes reachable contiguously (at most @len)
 *
 * Return: the address, or NULL if the kernel has nothing mapped there.
 */
uint8_t *vu_iova(struct vu_dev *d, uint64_t iova, uint64_t len, size_t *avail)
{
	struct vu_map *m = NULL;
	unsigned int i;
	uint64_t left;

	if (d->umem.len && d->umem.start <= iova && iova <= d->umem.last)
		m = &d->umem;
	for (i = 0; !m && i < d->nmaps; i++)
		if (d->maps[i].start <= iova && iova <= d->maps[i].last)
			m = &d->maps[i];
	if (!m)
		m = map_in(d, iova);
	if (!m)
		return NULL;
	left = m->last - iova + 1;
	/* m->last == UINT64_MAX and iova == 0: left wrapped to 0 */
	*avail = (!left || left > len) ? len : left;
	/* m->va + (iova - m->start): free of the cast warnings of uint8_t* */
	return m->va + (size_t)(iova - m->start);
}

/**
 * vu_unmap_range() - forget the cached mappings that meet [start, last]
 * @d: device
 * @start: first IOVA
 * @last: last IOVA
 */
void vu_unmap_range(struct vu_dev *d, uint64_t start, uint64_t last)
{
	unsigned int i = 0;

	while (i < d->nmaps) {
		if (d->maps[i].start <= last && start <= d->maps[i].last)
			drop(d, i);
		else
			i++;
	}
}

/**
 * vu_unmap_all() - forget every cached mapping
 * @d: device
 */
void vu_unmap_all(struct vu_dev *d)
{
	while (d->nmaps)
		drop(d, 0);
}

/* One GET_FD of the bogus-iotlb mode: prints its outcome. */
static void bogus_get_fd(struct vu_dev *d, const char *what, uint64_t start,
			 uint64_t last)
{
	struct vduse_iotlb_entry e = { .start = start, .last = last };
	int fd = ioctl(d->fd, VDUSE_IOTLB_GET_FD, &e);

	if (fd < 0) {
		diag("bogus-iotlb: %s: %s", what, errname(errno));
		return;
	}
	diag("bogus-iotlb: %s: fd for [0x%llx, 0x%llx] perm %u", what,
	     (unsigned long long)e.start, (unsigned long long)e.last,
	     e.perm);
	close(fd);
}

/**
 * vu_bogus_iotlb() - the bogus-iotlb hostile mode
 * @d: device with the driver's mappings in place (at DRIVER_OK)
 *
 * GET_FD for reversed, unmapped and overflowing ranges, and mmap()s past
 * the end of a real range; every outcome printed.  Serving goes on.
 */
void vu_bogus_iotlb(struct vu_dev *d)
{
	struct vduse_iotlb_entry e = { 0 };
	void *va;
	int fd;

	bogus_get_fd(d, "start > last", 0x2000, 0x1000);
	bogus_get_fd(d, "top page", UINT64_MAX - 4095, UINT64_MAX);
	bogus_get_fd(d, "last = 2^64-1", UINT64_MAX, UINT64_MAX);
	bogus_get_fd(d, "everything", 0, UINT64_MAX);
	if (ioctl(d->fd, VDUSE_IOTLB_GET_FD, NULL) < 0)
		diag("bogus-iotlb: NULL argument: %s", errname(errno));
	e.start = 0;
	e.last = UINT64_MAX;
	fd = ioctl(d->fd, VDUSE_IOTLB_GET_FD, &e);
	if (fd < 0)
		return;
	va = mmap(NULL, (e.last - e.start + 1) * 2 + 4096, PROT_READ | PROT_WRITE,
		  MAP_SHARED, fd, e.offset);
	diag("bogus-iotlb: mmap twice the range: %s",
	     va == MAP_FAILED ? errname(errno) : "mapped");
	if (va != MAP_FAILED) {
		/* Touch nothing past the range: a fault there is SIGBUS. */
		munmap(va, (e.last - e.start + 1) * 2 + 4096);
	}
	va = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd,
		  (off_t)(UINT64_MAX & ~4095ULL & INT64_MAX));
	diag("bogus-iotlb: mmap at offset 2^63-4096: %s",
	     va == MAP_FAILED ? errname(errno) : "mapped");
	if (va != MAP_FAILED)
		munmap(va, 4096);
	close(fd);
}

/**
 * vu_umem_unmap() - the umem-unmap hostile mode
 * @d: attached device, its bounce pages in use
 *
 * Registers memory of the bounce size as the bounce pages
 * (VDUSE_IOTLB_REG_UMEM), then munmap()s the registered range and goes on
 * serving through a second mapping of the same memfd: the kernel must
 * not depend on the registered addresses once it has the pages.
 */
void vu_umem_unmap(struct vu_dev *d)
{
	struct vduse_iova_info info = { 0 };
	struct vduse_iova_umem um = { 0 };
	uint8_t *mem, *keep;
	size_t size;
	int fd;

	if (xioctl(d->fd, VDUSE_IOTLB_GET_INFO, &info, "VDUSE_IOTLB_GET_INFO"))
		return;
	diag("umem-unmap: bounce [0x%llx, 0x%llx] capability 0x%llx",
	     (unsigned long long)info.start, (unsigned long long)info.last,
	     (unsigned long long)info.capability);
	if (!(info.capability & VDUSE_IOVA_CAP_UMEM))
		return;
	size = info.last - info.start + 1;
	/* The pinned pages count against RLIMIT_MEMLOCK (root may raise it). */
	if (setrlimit(RLIMIT_MEMLOCK, &(struct rlimit){ RLIM_INFINITY,
							RLIM_INFINITY }))
		diag("umem-unmap: setrlimit(RLIMIT_MEMLOCK): %s",
		     errname(errno));
	fd = memfd_create("vduse-umem", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, size) < 0) {
		fail("memfd of %zu bytes: %s", size, errname(errno));
		return;
	}
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	keep = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (mem == MAP_FAILED || keep == MAP_FAILED) {
		fail("mmap %zu bytes: %s", size, errname(errno));
		return;
	}
	/* Pages of the old bounce buffer may sit in cached mappings. */
	vu_unmap_all(d);
	um.uaddr = (uintptr_t)mem;
	um.iova = info.start;
	um.size = size;
	if (ioctl(d->fd, VDUSE_IOTLB_REG_UMEM, &um) < 0) {
		diag("umem-unmap: VDUSE_IOTLB_REG_UMEM: %s",
		     errname(errno));
		munmap(mem, size);
		munmap(keep, size);
		return;
	}
	diag("umem-unmap: VDUSE_IOTLB_REG_UMEM: 0");
	munmap(mem, size);
	d->umem = (struct vu_map){ .start = info.start, .last = info.last,
				   .va = keep, .len = size };
	diag("umem-unmap: registered range unmapped, serving through another mapping");
}
