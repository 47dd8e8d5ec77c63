// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa_user: memory shared with the device and its IOTLB messages.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vdpa_user.h"

static const char *msg_type_name(__u8 type)
{
	switch (type) {
	case VHOST_IOTLB_UPDATE: return "VHOST_IOTLB_UPDATE";
	case VHOST_IOTLB_INVALIDATE: return "VHOST_IOTLB_INVALIDATE";
	case VHOST_IOTLB_BATCH_BEGIN: return "VHOST_IOTLB_BATCH_BEGIN";
	case VHOST_IOTLB_BATCH_END: return "VHOST_IOTLB_BATCH_END";
	default: return "VHOST_IOTLB_?";
	}
}

/**
 * iotlb_msg() - write one struct vhost_msg_v2 to the device
 * @fd: the device
 * @asid: address space
 * @type: VHOST_IOTLB_*
 * @iova: first device address
 * @size: bytes
 * @uaddr: user address of @iova
 * @perm: VHOST_ACCESS_*
 *
 * Failures are not reported here (misuse expects some).
 *
 * Return: 0 or -errno.
 */
int iotlb_msg(int fd, __u32 asid, __u8 type, __u64 iova,
	      __u64 size, const void *uaddr, __u8 perm)
{
	struct vhost_msg_v2 m;
	ssize_t n;

	memset(&m, 0, sizeof(m));
	m.type = VHOST_IOTLB_MSG_V2;
	m.asid = asid;
	m.iotlb.type = type;
	m.iotlb.iova = iova;
	m.iotlb.size = size;
	m.iotlb.uaddr = (__u64)(uintptr_t)uaddr;
	m.iotlb.perm = perm;
	n = write(fd, &m, sizeof(m));
	if (n < 0)
		return -errno;
	if (n != sizeof(m))
		return -EIO;
	return 0;
}

/**
 * iotlb_checked() - iotlb_msg() with read-write permission that reports
 *		     its failure
 * @fd: the device
 * @asid: address space
 * @type: VHOST_IOTLB_*
 * @iova: first device address
 * @size: bytes
 * @uaddr: user address of @iova
 *
 * Return: 0 or -errno.
 */
int iotlb_checked(int fd, __u32 asid, __u8 type, __u64 iova, __u64 size,
		  const void *uaddr)
{
	int r = iotlb_msg(fd, asid, type, iova, size, uaddr, VHOST_ACCESS_RW);

	if (r)
		fail("%s (asid %u, iova %#llx, size %#llx): %s (%s)",
		     msg_type_name(type), asid, (unsigned long long)iova,
		     (unsigned long long)size, errname(r), strerror(-r));
	return r;
}

/**
 * region_create() - allocate memory to share with the device
 * @r: filled in
 * @len: bytes, rounded up to pages
 * @iova: where the device is going to see it
 * @asid: in which address space
 *
 * A memfd mapped MAP_SHARED: devices that map by VA need a shared file
 * mapping, the others pin its pages.  Not mapped for the device yet.
 *
 * Return: 0 or -errno.
 */
int region_create(struct region *r, size_t len, __u64 iova, __u32 asid)
{
	long page = sysconf(_SC_PAGESIZE);
	int fd, err;
	void *va;

	memset(r, 0, sizeof(*r));
	len = (len + page - 1) & ~(size_t)(page - 1);
	fd = memfd_create("vdpa_user", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, len)) {
		err = -errno;
		fail("memfd of %zu bytes: %s", len, errname(err));
		if (fd >= 0)
			close(fd);
		return err;
	}
	va = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	err = -errno;
	close(fd);
	if (va == MAP_FAILED) {
		fail("mmap of %zu bytes: %s", len, errname(err));
		return err;
	}
	memset(va, 0, len);
	r->va = va;
	r->len = len;
	r->iova = iova;
	r->asid = asid;
	return 0;
}

/**
 * region_destroy() - unmap a region from this process
 * @r: the region; close the device first so that it is unmapped there
 */
void region_destroy(struct region *r)
{
	if (r->va)
		munmap(r->va, r->len);
	r->va = NULL;
}

/**
 * region_take() - carve memory out of a region
 * @r: the region
 * @len: bytes
 * @align: power of 2
 * @iova: if not NULL, set to the device address
 *
 * Return: the user address, NULL (reported) when @r is full.
 */
void *region_take(struct region *r, size_t len, size_t align, __u64 *iova)
{
	size_t off = (r->used + align - 1) & ~(align - 1);

	if (off + len > r->len) {
		fail("internal: region of %zu bytes full", r->len);
		return NULL;
	}
	r->used = off + len;
	if (iova)
		*iova = r->iova + off;
	return r->va + off;
}

/**
 * region_iova() - device address of a user address inside a region
 * @r: the region
 * @p: the user address
 *
 * Return: the device address.
 */
__u64 region_iova(const struct region *r, const void *p)
{
	return r->iova + (__u64)((const __u8 *)p - r->va);
}

/**
 * region_map() - map a region for the device
 * @d: the device
 * @r: the region
 * @pieces: number of VHOST_IOTLB_UPDATE messages (equal slices)
 *
 * Inside BATCH_BEGIN/END when the device acked IOTLB_BATCH.
 *
 * Return: 0 or -errno.
 */
int region_map(struct vdev *d, struct region *r, unsigned int pieces)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t slice, off;
	int err = 0;

	if (r->iova < d->range.first || r->iova + r->len - 1 > d->range.last) {
		fail("iova [%#llx, +%#zx) outside the device range",
		     (unsigned long long)r->iova, r->len);
		return -ERANGE;
	}
	slice = (r->len / pieces + page - 1) & ~(size_t)(page - 1);
	if (d->batch)
		err = iotlb_checked(d->fd, r->asid, VHOST_IOTLB_BATCH_BEGIN,
				    0, 0, NULL);
	for (off = 0; !err && off < r->len; off += slice) {
		if (slice > r->len - off)
			slice = r->len - off;
		err = iotlb_checked(d->fd, r->asid, VHOST_IOTLB_UPDATE,
				    r->iova + off, slice, r->va + off);
	}
	if (d->batch) {
		int e = iotlb_checked(d->fd, r->asid, VHOST_IOTLB_BATCH_END,
				      0, 0, NULL);

		err = err ? err : e;
	}
	r->mapped = !err;
	return err;
}
