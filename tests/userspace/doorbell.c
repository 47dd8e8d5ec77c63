// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa_user: doorbell, config-call and iommu-map: the doorbell mmap, the
 * config interrupt eventfd, and mappings through a platform IOMMU domain.
 *
 * doorbell maps each queue's doorbell (page offset = queue index, shared,
 * write-only), writes DOORBELL_MAGIC | index to its first word, and checks
 * that the mappings vhost_vdpa must refuse are refused with EINVAL. With
 * --hold it then keeps queue 0 mapped, prints "held", waits for a line on
 * standard input (the test deletes the device meanwhile) and writes again:
 * that write must raise SIGBUS, since the page was revoked.
 *
 * config-call hands an eventfd to VHOST_VDPA_SET_CONFIG_CALL, negotiates
 * VERSION_1 and sets DRIVER_OK, prints "armed", waits for a line (the
 * test changes the device's configuration meanwhile) and checks that the
 * eventfd was signalled within --timeout.
 *
 * iommu-map maps a 64 KiB buffer filled with a known pattern at IOVA_BASE
 * (IOTLB v2 UPDATE), prints "mapped IOVA HEX" (HEX: its first 16 bytes),
 * waits for a line, invalidates the range, prints "unmapped", waits for a
 * line and closes the device.
 *
 * vq_doorbell_map() and vq_doorbell_hold() serve net-loop --doorbell: its
 * kicks go through the data queues' doorbell pages (vq_kick()), and with
 * --hold the transmit queue's page stays mapped across the removal of the
 * device, whose next write must raise SIGBUS.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vdpa_user.h"

#define DOORBELL_MAGIC	0xdb000000U
#define MAP_LEN		(64U << 10)

static sigjmp_buf sigbus_jmp;

static void on_sigbus(int sig)
{
	siglongjmp(sigbus_jmp, sig);
}

/* mmap() of queue @index's doorbell: the mapping or MAP_FAILED (errno). */
static void *doorbell_map(const struct vdev *d, unsigned int index, int prot,
			  int flags, size_t pages)
{
	long page = sysconf(_SC_PAGESIZE);

	return mmap(NULL, pages * page, prot, flags, d->fd,
		    (off_t)index * page);
}

/**
 * struct bad_map - a doorbell mapping vhost_vdpa refuses with EINVAL
 * @what: the description reported
 * @index: the queue index; ~0U stands for the number of queues
 * @prot: mmap protection
 * @flags: mmap flags
 * @pages: mapping length in pages
 */
struct bad_map {
	const char *what;
	unsigned int index;
	int prot;
	int flags;
	size_t pages;
};

static const struct bad_map bad_maps[] = {
	{ "readable", 0, PROT_READ | PROT_WRITE, MAP_SHARED, 1 },
	{ "private", 0, PROT_WRITE, MAP_PRIVATE, 1 },
	{ "two pages", 0, PROT_WRITE, MAP_SHARED, 2 },
	{ "queue index == nvqs", ~0U, PROT_WRITE, MAP_SHARED, 1 },
};

static int doorbell_misuse(const struct vdev *d)
{
	unsigned int i, index;
	int bad = 0;
	void *p;

	for (i = 0; i < ARRAY_SIZE(bad_maps); i++) {
		const struct bad_map *b = &bad_maps[i];

		index = b->index == ~0U ? d->nvqs : b->index;
		p = doorbell_map(d, index, b->prot, b->flags, b->pages);
		if (p == MAP_FAILED && errno == EINVAL)
			continue;
		fail("doorbell mmap (%s): %s, want EINVAL", b->what,
		     p == MAP_FAILED ? errname(-errno) : "mapped");
		if (p != MAP_FAILED)
			munmap(p, b->pages * sysconf(_SC_PAGESIZE));
		bad++;
	}
	return bad ? -EINVAL : 0;
}

static int doorbell_ring_all(const struct vdev *d)
{
	volatile __u32 *db;
	unsigned int i;

	for (i = 0; i < d->nvqs; i++) {
		db = doorbell_map(d, i, PROT_WRITE, MAP_SHARED, 1);
		if (db == MAP_FAILED) {
			fail("doorbell mmap of queue %u: %s", i, errname(-errno));
			return -errno;
		}
		*db = htole32(DOORBELL_MAGIC | i);
		munmap((void *)db, sysconf(_SC_PAGESIZE));
	}
	diag("doorbell: wrote %#x | index to the doorbells of %u queues",
	     DOORBELL_MAGIC, d->nvqs);
	return 0;
}

/* Waits for one line on standard input. */
static void wait_line(void)
{
	char line[64];

	if (!fgets(line, sizeof(line), stdin))
		diag("standard input closed");
}

/* Queue 0 stays mapped while the device goes away; the next write faults. */
static int doorbell_hold(const struct vdev *d)
{
	struct sigaction sa = { .sa_handler = on_sigbus };
	volatile __u32 *db;

	db = doorbell_map(d, 0, PROT_WRITE, MAP_SHARED, 1);
	if (db == MAP_FAILED) {
		fail("doorbell mmap of queue 0: %s", errname(-errno));
		return -errno;
	}
	*db = htole32(DOORBELL_MAGIC);
	printf("held\n");
	wait_line();
	sigaction(SIGBUS, &sa, NULL);
	if (sigsetjmp(sigbus_jmp, 1)) {
		diag("doorbell: write after the device went away: SIGBUS");
		return 0;
	}
	*db = htole32(DOORBELL_MAGIC | 1);
	fail("doorbell: a write after the device went away did not fault");
	return -EFAULT;
}

int cmd_doorbell(const struct options *o)
{
	struct vdev d;
	int r;

	r = vdev_open(&d, o->dev);
	if (r)
		return EXIT_FAIL;
	r = doorbell_misuse(&d);
	if (!r)
		r = doorbell_ring_all(&d);
	if (!r && o->hold)
		r = doorbell_hold(&d);
	vdev_close(&d);
	return r ? EXIT_FAIL : 0;
}

int cmd_iommu_map(const struct options *o)
{
	struct region r;
	struct vdev d;
	unsigned int i;
	int err;

	if (vdev_open(&d, o->dev))
		return EXIT_FAIL;
	err = vdev_backend(&d, 0);
	if (!err)
		err = region_create(&r, MAP_LEN, IOVA_BASE, 0);
	if (err) {
		vdev_close(&d);
		return EXIT_FAIL;
	}
	for (i = 0; i < MAP_LEN; i++)
		r.va[i] = (__u8)(i * 7 + 3);
	err = region_map(&d, &r, 1);
	if (!err) {
		printf("mapped %#llx ", (unsigned long long)r.iova);
		for (i = 0; i < 16; i++)
			printf("%02x", r.va[i]);
		printf("\n");
		wait_line();
		err = iotlb_msg(d.fd, 0, VHOST_IOTLB_INVALIDATE, r.iova, r.len,
				NULL, 0);
		if (err)
			fail("IOTLB INVALIDATE: %s", errname(err));
		else
			printf("unmapped\n");
		wait_line();
	}
	region_destroy(&r);
	vdev_close(&d);
	return err ? EXIT_FAIL : 0;
}

/* Waits up to @timeout_ms for eventfd @efd; returns its count or -errno. */
static long long eventfd_wait(int efd, int timeout_ms)
{
	struct pollfd p = { .fd = efd, .events = POLLIN };
	eventfd_t n;
	int r = poll(&p, 1, timeout_ms);

	if (r < 0)
		return -errno;
	if (!r)
		return -ETIMEDOUT;
	if (eventfd_read(efd, &n))
		return -errno;
	return n;
}

int cmd_config_call(const struct options *o)
{
	struct vdev d;
	long long n;
	int efd, r;

	if (vdev_open(&d, o->dev))
		return EXIT_FAIL;
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	r = efd < 0 ? -errno : 0;
	if (!r)
		r = xioctl(d.fd, VHOST_VDPA_SET_CONFIG_CALL, &efd,
			   "VHOST_VDPA_SET_CONFIG_CALL");
	if (!r)
		r = vdev_negotiate(&d, d.device_id, 0, BIT64(VIRTIO_F_VERSION_1));
	if (!r)
		r = vdev_start(&d, "config-call");
	if (!r) {
		printf("armed\n");
		wait_line();
		n = eventfd_wait(efd, o->timeout_ms);
		if (n < 0) {
			fail("config call eventfd: %s", errname((int)n));
			r = (int)n;
		} else {
			diag("config-call: the eventfd counted %lld interrupt(s)", n);
			printf("signalled\n");
		}
	}
	if (efd >= 0)
		close(efd);
	vdev_close(&d);
	return r ? EXIT_FAIL : 0;
}

/**
 * vq_doorbell_map() - map a queue's doorbell; vq_kick() then writes to it
 * @d: the device
 * @vq: the queue (after vq_create())
 *
 * Return: 0 or -errno.
 */
int vq_doorbell_map(const struct vdev *d, struct vq *vq)
{
	void *p = doorbell_map(d, vq->index, PROT_WRITE, MAP_SHARED, 1);

	if (p == MAP_FAILED) {
		fail("doorbell mmap of queue %u: %s", vq->index,
		     errname(-errno));
		return -errno;
	}
	vq->doorbell = p;
	diag("doorbell of queue %u mapped at %p: kicks go through it",
	     vq->index, p);
	return 0;
}

/**
 * vq_doorbell_unmap() - undo vq_doorbell_map(), if it was done
 * @vq: the queue
 */
void vq_doorbell_unmap(struct vq *vq)
{
	if (vq->doorbell)
		munmap((void *)vq->doorbell, sysconf(_SC_PAGESIZE));
	vq->doorbell = NULL;
}

/**
 * vq_doorbell_hold() - across a removal of the device: its doorbell faults
 * @vq: a queue whose doorbell is mapped
 *
 * Prints "held", waits for a line on standard input (the test deletes the
 * device meanwhile), then writes to the doorbell: that write must raise
 * SIGBUS, the page having been revoked with the device.
 *
 * Return: 0 if it faulted, -EFAULT if it did not.
 */
int vq_doorbell_hold(struct vq *vq)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	int r = -EFAULT;

	printf("held\n");
	wait_line();
	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(sigbus_jmp, 1)) {
		diag("doorbell of queue %u: write after the removal: SIGBUS",
		     vq->index);
		r = 0;
	} else {
		*vq->doorbell = htole16(vq->index);
		fail("doorbell of queue %u: a write after the removal did not fault",
		     vq->index);
	}
	sigaction(SIGBUS, &old, NULL);
	return r;
}
