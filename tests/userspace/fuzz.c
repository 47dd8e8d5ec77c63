// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa_user: fuzz, a seeded random campaign over every command and IOTLB
 * message vhost_vdpa handles.
 *
 *   vdpa_user fuzz --dev DEV [--seed S] [--ops N] [--verbose]
 *
 * Each of the N operations (default 10000) is picked from fz_ops[]: a
 * device command (fuzz_ioctl.c), a queue command, an unknown command, a
 * config space access, an IOTLB message (fuzz_iotlb.c: v1 or v2, UPDATE,
 * INVALIDATE, BATCH_BEGIN/END, unknown types and versions, short and long
 * writes), a doorbell mmap(), a second open(), closing and reopening the
 * device, a kick, random bytes over ring memory, or a realistic start of
 * the device (negotiate, map, set the rings up, DRIVER_OK, kick) whose
 * every step must succeed.  Arguments mix valid values (queue indices in
 * range, power-of-two sizes, real eventfds, user memory of a few real
 * mappings: memfd, anonymous, read-only, PROT_NONE) with hostile ones
 * (indices near 2^32, sizes 0 and near 2^64, wrapping ranges, unaligned
 * addresses, bad permissions, closed descriptors, and NULL, PROT_NONE,
 * kernel and half-mapped pointers for the argument itself).
 *
 * Checks: every call ends with an outcome its table entry allows (the
 * errnos drivers/vhost_vdpa can return for it, with what the simulator
 * parents return); a small model (owner, accepted backend features and
 * device features, the current batch, the ranges mapped per address
 * space) narrows that set down wherever the outcome is certain; values
 * the device reported at the first open never change; VmPin is back to
 * its value before the first open after every close (every 2048
 * operations, at random, and at the end).  A failure names the seed and
 * the operation index: the same --seed with --ops one past that index and
 * --verbose replays the run call by call.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"

#define FZ_DEFAULT_OPS	10000
#define FZ_REOPEN	2048	/* operations between forced reopens */
#define FZ_HUGE_FD	(1 << 24)	/* above any RLIMIT_NOFILE */
#define FZ_REAL_IOVA	0x7f000000ULL	/* where the realistic start maps */
#define FZ_REAL_VQS	8	/* queues it sets up at most */
#define FZ_REAL_NUM	64	/* their size */
/*
 * The regions sit at fixed addresses with unmapped gaps between them, so
 * that what lies past a region's end (nothing) does not depend on address
 * space randomisation and a seed replays exactly.
 */
#define FZ_MEM_BASE	0x5a0000000000ULL

const struct fz_region_def fz_regions[FR_NR] = {
	[FR_MEMFD] = { "memfd", 1 << 20, PROT_READ | PROT_WRITE, true,
		       true, true },
	[FR_ANON] = { "anonymous", 256 << 10, PROT_READ | PROT_WRITE, false,
		      true, true },
	[FR_RO] = { "read-only memfd", 64 << 10, PROT_READ, true, true,
		    false },
	[FR_NONE] = { "PROT_NONE", 64 << 10, PROT_NONE, false, false, false },
	[FR_RING] = { "rings", 64 << 10, PROT_READ | PROT_WRITE, true, true,
		      true },
};

/* --- outcomes ------------------------------------------------------- */

static const int fz_errnos[FE_OTHER] = {
	[FE_OK] = 0, [FE_EPERM] = EPERM, [FE_EBADF] = EBADF,
	[FE_ENOMEM] = ENOMEM, [FE_EFAULT] = EFAULT, [FE_EBUSY] = EBUSY,
	[FE_EEXIST] = EEXIST, [FE_ENODEV] = ENODEV, [FE_EINVAL] = EINVAL,
	[FE_ENOSPC] = ENOSPC, [FE_ENOTTY] = ENOTTY, [FE_E2BIG] = E2BIG,
	[FE_EOPNOTSUPP] = EOPNOTSUPP, [FE_ENOBUFS] = ENOBUFS,
};

/**
 * fz_err_index() - the outcome an errno stands for
 * @err: 0 or a positive errno
 *
 * Return: its FE_* index, FE_OTHER for errnos vhost_vdpa never returns.
 */
enum fz_err fz_err_index(int err)
{
	int i;

	for (i = 0; i < FE_OTHER; i++)
		if (fz_errnos[i] == err)
			return i;
	return FE_OTHER;
}

/**
 * fz_err_name() - name of an outcome
 * @e: the outcome
 *
 * Return: "ok", "EINVAL" and the like, or "other".
 */
const char *fz_err_name(enum fz_err e)
{
	if (e == FE_OK)
		return "ok";
	return e < FE_OTHER ? errname(fz_errnos[e]) : "other";
}

/**
 * fz_mask_str() - a set of outcomes as text, "ok|EINVAL|EFAULT"
 * @mask: FA() bits
 * @buf: where to write it
 * @len: its size
 */
void fz_mask_str(unsigned int mask, char *buf, size_t len)
{
	size_t n = 0;
	int e;

	buf[0] = 0;
	for (e = 0; e < FE_NR && n < len; e++)
		if (mask & BIT(e))
			n += snprintf(buf + n, len - n, "%s%s", n ? "|" : "",
				      fz_err_name(e));
	if (!mask)
		snprintf(buf, len, "nothing");
}

/**
 * fz_vmpin_kb() - VmPin of this process (pages pinned for devices)
 *
 * Return: kB, or -1 (reported) if /proc/self/status cannot tell.
 */
long fz_vmpin_kb(void)
{
	struct vm_kb v;

	return vm_read(&v) ? -1 : v.pin;
}

/* --- randomness and calls ------------------------------------------- */

__u64 fz_rand(struct fuzz *f)
{
	return fz_rng_next(&f->rng);
}

__u64 fz_below(struct fuzz *f, __u64 n)
{
	return fz_rng_below(&f->rng, n);
}

/* True once in @n times. */
bool fz_chance(struct fuzz *f, unsigned int n)
{
	return !fz_below(f, n);
}

/**
 * fz_pick() - pick an entry of a weighted table
 * @f: the fuzzer
 * @table: the entries, each starting with its weight (unsigned int)
 * @n: number of entries
 * @stride: size of one entry
 *
 * Return: the index picked.
 */
size_t fz_pick(struct fuzz *f, const void *table, size_t n, size_t stride)
{
	const char *t = table;
	__u64 total = 0, r;
	size_t i;

	for (i = 0; i < n; i++)
		total += *(const unsigned int *)(t + i * stride);
	r = fz_below(f, total);
	for (i = 0; i < n - 1; i++) {
		unsigned int w = *(const unsigned int *)(t + i * stride);

		if (r < w)
			break;
		r -= w;
	}
	return i;
}

/* Describe the call about to be made, for the failure message. */
void fz_what(struct fuzz *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->what, sizeof(f->what), fmt, ap);
	va_end(ap);
}

/**
 * fz_outcome() - count a call's outcome and check it is allowed
 * @f: the fuzzer, f->what describing the call
 * @allowed: FA() bits
 * @err: 0 or the errno it ended with
 *
 * A disallowed outcome is reported with the seed and operation index and
 * stops the run.
 *
 * Return: @err.
 */
int fz_outcome(struct fuzz *f, unsigned int allowed, int err)
{
	enum fz_err e = fz_err_index(err);
	char set[128];

	f->count[e]++;
	if (f->o->verbose)
		diag("op %lu: %s: %s", f->op, f->what, errname(err));
	if (allowed & BIT(e))
		return err;
	fz_mask_str(allowed, set, sizeof(set));
	fail("fuzz seed %llu op %lu: %s: %s, allowed: %s",
	     (unsigned long long)f->o->seed, f->op, f->what, errname(err), set);
	f->failed = true;
	return err;
}

/* ioctl() on the device, its outcome checked against @allowed. */
int fz_ioctl(struct fuzz *f, unsigned long req, void *p, unsigned int allowed)
{
	return fz_outcome(f, allowed, ioctl(f->fd, req, p) < 0 ? errno : 0);
}

bool fz_readable(enum fz_ptr kind)
{
	return kind == FP_OK || kind == FP_UNALIGNED;
}

const char *fz_ptr_name(enum fz_ptr kind)
{
	static const char *const names[] = {
		[FP_OK] = "",
		[FP_UNALIGNED] = ", argument unaligned",
		[FP_NULL] = ", argument NULL",
		[FP_NONE] = ", argument in a PROT_NONE page",
		[FP_KERNEL] = ", argument at a kernel address",
		[FP_STRADDLE] = ", argument running into a PROT_NONE page",
	};

	return names[kind];
}

/**
 * fz_place() - where the argument of a call goes
 * @f: the fuzzer
 * @arg: the argument
 * @len: its size (at most a page less 64 bytes)
 * @kind: set to what was done
 *
 * Mostly a copy of @arg; one time in 25 (never while f->tame) a bad
 * pointer instead: NULL, a PROT_NONE page, a kernel address, or the last
 * bytes before a PROT_NONE page with at most 20 bytes of @arg in them.
 *
 * Return: the pointer to pass.
 */
void *fz_place(struct fuzz *f, const void *arg, size_t len,
	       enum fz_ptr *kind)
{
	__u8 *guard = f->arg + FZ_PAGE, *p;
	__u64 r = f->tame ? 0 : fz_below(f, 50);
	size_t head = len / 2 < 20 ? len / 2 : 20;

	*kind = r < 46 ? (r < 44 ? FP_OK : FP_UNALIGNED) :
			 (enum fz_ptr)(FP_NULL + (r - 46));
	switch (*kind) {
	case FP_NULL:
		return NULL;
	case FP_NONE:
		return guard;
	case FP_KERNEL:
		return (void *)(uintptr_t)FZ_KERNEL_PTR;
	case FP_STRADDLE:
		memcpy(guard - head, arg, head);
		return guard - head;
	case FP_UNALIGNED:
		p = f->arg + 1;
		break;
	default:
		p = f->arg + 64;
		break;
	}
	memcpy(p, arg, len);
	return p;
}

/* A descriptor for an eventfd argument: real ones mostly. */
int fz_fd(struct fuzz *f)
{
	switch (fz_below(f, 12)) {
	case 0:
		return VHOST_FILE_UNBIND;
	case 1:
		return -2 - (int)fz_below(f, 1000);
	case 2:
		return f->nullfd;
	case 3:
		return f->fd;
	case 4:
		return f->closed_fd;
	case 5:
		return FZ_HUGE_FD;
	default:
		return f->efd[fz_below(f, FZ_NEFD)];
	}
}

/**
 * fz_fd_mask() - what vhost_vdpa makes of an eventfd argument
 * @f: the fuzzer
 * @fd: the descriptor passed
 *
 * eventfd_ctx_fdget() and eventfd_fget(): EBADF for no open file, EINVAL
 * for a file that is no eventfd; -1 unbinds.
 *
 * Return: the outcome, as an FA() bit.
 */
unsigned int fz_fd_mask(const struct fuzz *f, int fd)
{
	unsigned int i;

	if (fd == VHOST_FILE_UNBIND)
		return FA(OK);
	for (i = 0; i < FZ_NEFD; i++)
		if (fd == f->efd[i])
			return FA(OK);
	if (fd == f->nullfd || fd == f->fd)
		return FA(EINVAL);
	return FA(EBADF);
}

/* A device address: usual ones, mapped ones, the last page, random. */
__u64 fz_iova(struct fuzz *f)
{
	static const __u64 fixed[] = {
		0, FZ_PAGE, IOVA_BASE, FZ_REAL_IOVA, 1ULL << 32, 1ULL << 47,
		~0ULL - FZ_PAGE + 1,
	};

	switch (fz_below(f, 8)) {
	case 0:
		return fz_rand(f) & ~(FZ_PAGE - 1);
	case 1:
		return fz_rand(f);
	case 2:
		if (f->nmaps)
			return f->maps[fz_below(f, f->nmaps)].first +
			       FZ_PAGE * fz_below(f, 4);
		/* fall through */
	default:
		return fixed[fz_below(f, ARRAY_SIZE(fixed))] +
		       FZ_PAGE * fz_below(f, 16);
	}
}

/* --- setup ---------------------------------------------------------- */

/*
 * Map region @i at its fixed address (anywhere if that is taken): written
 * once (its pages exist), then given its protection.
 */
static __u8 *fz_region_map(unsigned int i)
{
	const struct fz_region_def *d = &fz_regions[i];
	void *want = (void *)(uintptr_t)(FZ_MEM_BASE + i * FZ_MEM_STRIDE);
	int fd = -1, flags = MAP_PRIVATE | MAP_ANONYMOUS;
	__u8 *p;

	if (d->memfd) {
		fd = memfd_create("vdpa_user-fuzz", MFD_CLOEXEC);
		if (fd < 0 || ftruncate(fd, d->len)) {
			fail("memfd for the %s region: %s", d->name,
			     errname(errno));
			if (fd >= 0)
				close(fd);
			return NULL;
		}
		flags = MAP_SHARED;
	}
	p = mmap(want, d->len, PROT_READ | PROT_WRITE,
		 flags | MAP_FIXED_NOREPLACE, fd, 0);
	if (p == MAP_FAILED) {
		diag("fuzz: %p taken, the %s region goes elsewhere", want,
		     d->name);
		p = mmap(NULL, d->len, PROT_READ | PROT_WRITE, flags, fd, 0);
	}
	if (fd >= 0)
		close(fd);
	if (p == MAP_FAILED)
		goto err;
	memset(p, 0x5a, d->len);
	if (!mprotect(p, d->len, d->prot))
		return p;
err:
	fail("mmap of the %s region: %s", d->name, errname(errno));
	return NULL;
}

/* Descriptors: eventfds, /dev/null, and a number nothing is open at. */
static int fz_setup_fds(struct fuzz *f)
{
	unsigned int i;

	for (i = 0; i < FZ_NEFD; i++) {
		f->efd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (f->efd[i] < 0)
			goto err;
	}
	f->nullfd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (f->nullfd < 0)
		goto err;
	/* Far above what this process opens, so never reused. */
	for (f->closed_fd = 900; fcntl(f->closed_fd, F_GETFD) >= 0;)
		f->closed_fd++;
	return 0;
err:
	fail("fuzz: eventfd or /dev/null: %s", errname(errno));
	return -errno;
}

static int fz_setup(struct fuzz *f)
{
	unsigned int i;
	__u8 *p;

	f->fd = -1;
	f->nullfd = -1;
	for (i = 0; i < FZ_NEFD; i++)
		f->efd[i] = -1;
	f->fixed = true;
	for (i = 0; i < FR_NR; i++) {
		f->mem[i] = fz_region_map(i);
		if (!f->mem[i])
			return -ENOMEM;
		if ((uintptr_t)f->mem[i] != FZ_MEM_BASE + i * FZ_MEM_STRIDE)
			f->fixed = false;
	}
	p = mmap(NULL, 2 * FZ_PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || mprotect(p + FZ_PAGE, FZ_PAGE, PROT_NONE))
		goto err;
	f->arg = p;
	/* The gap after the last region: nothing is mapped there. */
	f->hole = (__u8 *)(uintptr_t)(FZ_MEM_BASE + FR_NR * FZ_MEM_STRIDE);
	f->vmpin0 = fz_vmpin_kb();
	if (f->vmpin0 < 0) {
		fail("fuzz: no VmPin in /proc/self/status");
		return -EIO;
	}
	return fz_setup_fds(f);
err:
	fail("fuzz: mmap: %s", errname(errno));
	return -ENOMEM;
}

static void fz_teardown(struct fuzz *f)
{
	unsigned int i;

	for (i = 0; i < FR_NR; i++)
		if (f->mem[i])
			munmap(f->mem[i], fz_regions[i].len);
	if (f->arg)
		munmap(f->arg, 2 * FZ_PAGE);
	for (i = 0; i < FZ_NEFD; i++)
		if (f->efd[i] >= 0)
			close(f->efd[i]);
	if (f->nullfd >= 0)
		close(f->nullfd);
}

/* --- open and close ------------------------------------------------- */

static int fz_query(struct fuzz *f, struct fz_dev *k)
{
	int fd = f->fd;

	memset(k, 0, sizeof(*k));
	return xioctl(fd, VHOST_VDPA_GET_DEVICE_ID, &k->device_id,
		      "VHOST_VDPA_GET_DEVICE_ID") ?:
	       xioctl(fd, VHOST_GET_FEATURES, &k->offered,
		      "VHOST_GET_FEATURES") ?:
	       xioctl(fd, VHOST_GET_BACKEND_FEATURES, &k->backend_offered,
		      "VHOST_GET_BACKEND_FEATURES") ?:
	       xioctl(fd, VHOST_VDPA_GET_VQS_COUNT, &k->nvqs,
		      "VHOST_VDPA_GET_VQS_COUNT") ?:
	       xioctl(fd, VHOST_VDPA_GET_VRING_NUM, &k->vq_num_max,
		      "VHOST_VDPA_GET_VRING_NUM") ?:
	       xioctl(fd, VHOST_VDPA_GET_CONFIG_SIZE, &k->config_size,
		      "VHOST_VDPA_GET_CONFIG_SIZE") ?:
	       xioctl(fd, VHOST_VDPA_GET_AS_NUM, &k->nas,
		      "VHOST_VDPA_GET_AS_NUM") ?:
	       xioctl(fd, VHOST_VDPA_GET_GROUP_NUM, &k->ngroups,
		      "VHOST_VDPA_GET_GROUP_NUM") ?:
	       xioctl(fd, VHOST_VDPA_GET_IOVA_RANGE, &k->range,
		      "VHOST_VDPA_GET_IOVA_RANGE");
}

/*
 * Open the device (it must open), read what it reports (it must be what
 * it reported the first time) and, seven times in eight, own it.
 */
static int fz_open(struct fuzz *f)
{
	const char *path = f->o->dev;
	struct fz_dev k;

	fz_what(f, "open(%s)", path);
	f->fd = open(path, O_RDWR | O_CLOEXEC);
	if (fz_outcome(f, FA(OK), f->fd < 0 ? errno : 0))
		return -EIO;
	fz_model_reset(f);
	if (fz_query(f, &k)) {
		f->failed = true;
		return -EIO;
	}
	if (f->known && memcmp(&k, &f->k, sizeof(k))) {
		fail("fuzz seed %llu op %lu: %s reports other values than at the first open",
		     (unsigned long long)f->o->seed, f->op, path);
		f->failed = true;
		return -EIO;
	}
	f->k = k;
	f->known = true;
	if (!k.nvqs || !k.nas || !k.ngroups || !k.vq_num_max) {
		fail("fuzz: %s: no queues, groups or address spaces", path);
		f->failed = true;
		return -EIO;
	}
	if (fz_chance(f, 8))
		return 0;
	fz_what(f, "VHOST_SET_OWNER after open");
	if (fz_ioctl(f, VHOST_SET_OWNER, NULL, FA(OK)))
		return -EIO;
	f->owned = true;
	return 0;
}

/* Close the device: VmPin must be back to what it was before. */
static void fz_close(struct fuzz *f)
{
	long pin;

	if (f->fd < 0)
		return;
	close(f->fd);
	f->fd = -1;
	pin = fz_vmpin_kb();
	if (pin == f->vmpin0)
		return;
	fail("fuzz seed %llu op %lu: VmPin %ld kB after close, %ld kB before the first open",
	     (unsigned long long)f->o->seed, f->op, pin, f->vmpin0);
	f->failed = true;
}

/*
 * Whether the device maps whole pages only (the platform IOMMU route): a
 * one-byte UPDATE is EINVAL there and accepted by the other routes.
 */
static int fz_probe(struct fuzz *f)
{
	struct vhost_msg_v2 m = { .type = VHOST_IOTLB_MSG_V2 };
	ssize_t n;

	if (!f->owned && xioctl(f->fd, VHOST_SET_OWNER, NULL, "VHOST_SET_OWNER"))
		return -EIO;
	f->owned = true;
	m.iotlb.type = VHOST_IOTLB_UPDATE;
	m.iotlb.size = 1;
	m.iotlb.uaddr = (uintptr_t)f->mem[FR_MEMFD];
	m.iotlb.perm = VHOST_ACCESS_RW;
	n = write(f->fd, &m, sizeof(m));
	f->page_unit = n < 0 && errno == EINVAL;
	if (n < 0 && !f->page_unit) {
		fail("fuzz: a one-byte VHOST_IOTLB_UPDATE: %s", errname(errno));
		return -EIO;
	}
	diag("fuzz: %s maps %s", f->o->dev,
	     f->page_unit ? "whole pages only" : "any byte range");
	return 0;
}

/* --- operations besides commands and messages ----------------------- */

static void fz_op_mmap(struct fuzz *f)
{
	static const int prots[] = {
		PROT_WRITE, PROT_WRITE, PROT_READ | PROT_WRITE, PROT_READ,
		PROT_NONE,
	};
	int prot = prots[fz_below(f, ARRAY_SIZE(prots))];
	int flags = fz_chance(f, 4) ? MAP_PRIVATE : MAP_SHARED;
	size_t pages = fz_chance(f, 4) ? 2 : 1;
	__u64 index = fz_chance(f, 8) ? fz_below(f, 1 << 20) :
					fz_below(f, f->k.nvqs + 2);
	unsigned int allowed;
	void *p;

	/* mmap.c: one page, shared, not readable; then the doorbell. */
	if (pages != 1 || flags != MAP_SHARED || (prot & PROT_READ))
		allowed = FA(EINVAL);
	else if (index >= f->k.nvqs)
		allowed = FA(EINVAL) | FA(EOPNOTSUPP);
	else
		allowed = FA(OK) | FA(EOPNOTSUPP);
	fz_what(f, "mmap of %zu pages at page %llu, prot %#x, flags %#x",
		pages, (unsigned long long)index, prot, flags);
	p = mmap(NULL, pages * FZ_PAGE, prot, flags, f->fd,
		 (off_t)(index * FZ_PAGE));
	fz_outcome(f, allowed | FA(ENOMEM), p == MAP_FAILED ? errno : 0);
	if (p != MAP_FAILED)
		munmap(p, pages * FZ_PAGE);
}

static void fz_op_open2(struct fuzz *f)
{
	int fd = open(f->o->dev, O_RDWR | O_CLOEXEC);

	fz_what(f, "second open(%s)", f->o->dev);
	fz_outcome(f, FA(EBUSY), fd < 0 ? errno : 0);
	if (fd >= 0)
		close(fd);
}

static void fz_op_reopen(struct fuzz *f)
{
	fz_close(f);
	if (!f->failed)
		fz_open(f);
}

static void fz_op_kick(struct fuzz *f)
{
	__u64 one = 1;

	/* Non-blocking: EAGAIN only if the counter were about to overflow. */
	(void)!write(f->efd[fz_below(f, FZ_NEFD)], &one, sizeof(one));
}

/* Random bytes where rings and buffers may be, then a kick. */
static void fz_op_scribble(struct fuzz *f)
{
	static const enum fz_region where[] = {
		FR_RING, FR_RING, FR_MEMFD, FR_ANON,
	};
	enum fz_region r = where[fz_below(f, ARRAY_SIZE(where))];
	size_t len = 1 + fz_below(f, 256), i;
	size_t off = fz_below(f, fz_regions[r].len - len);

	for (i = 0; i < len; i++)
		f->mem[r][off + i] = fz_rand(f);
	fz_op_kick(f);
}

/* --- the realistic start -------------------------------------------- */

/* One step of it: it must succeed. */
static int fz_must(struct fuzz *f, unsigned long req, void *arg,
		   const char *name, __u32 index)
{
	fz_what(f, "realistic start: %s (queue %u)", name, index);
	return fz_ioctl(f, req, arg, FA(OK));
}

/* Queue @i's rings in page @i of the rings region, mapped at FZ_REAL_IOVA. */
static int fz_real_vq(struct fuzz *f, __u32 i)
{
	__u64 iova = FZ_REAL_IOVA + i * FZ_PAGE;
	__u32 num = f->k.vq_num_max < FZ_REAL_NUM ? f->k.vq_num_max :
						    FZ_REAL_NUM;
	struct vhost_vring_state size = { i, num }, base = { i, 0 };
	struct vhost_vring_state on = { i, 1 };
	struct vhost_vring_file kick = { i, f->efd[0] }, call = { i, f->efd[1] };
	struct vhost_vring_addr addr = {
		.index = i,
		.desc_user_addr = iova,
		.avail_user_addr = iova + 1024,
		.used_user_addr = iova + 2048,
	};

	return fz_must(f, VHOST_SET_VRING_NUM, &size, "VHOST_SET_VRING_NUM", i) ?:
	       fz_must(f, VHOST_SET_VRING_ADDR, &addr, "VHOST_SET_VRING_ADDR", i) ?:
	       fz_must(f, VHOST_SET_VRING_BASE, &base, "VHOST_SET_VRING_BASE", i) ?:
	       fz_must(f, VHOST_SET_VRING_KICK, &kick, "VHOST_SET_VRING_KICK", i) ?:
	       fz_must(f, VHOST_SET_VRING_CALL, &call, "VHOST_SET_VRING_CALL", i) ?:
	       fz_must(f, VHOST_VDPA_SET_VRING_ENABLE, &on,
		       "VHOST_VDPA_SET_VRING_ENABLE", i);
}

/* Reset, negotiate, and map the (zeroed) rings region afresh. */
static int fz_real_prepare(struct fuzz *f, __u8 *s)
{
	__u64 be = BIT64(VHOST_BACKEND_F_IOTLB_MSG_V2);
	__u64 feat = f->k.offered & (BIT64(VIRTIO_F_VERSION_1) |
				     BIT64(VIRTIO_F_ACCESS_PLATFORM));
	struct vhost_msg_v2 m = { .type = VHOST_IOTLB_MSG_V2 };
	int r;

	if (!f->owned && fz_must(f, VHOST_SET_OWNER, NULL, "VHOST_SET_OWNER", 0))
		return -EIO;
	f->owned = true;
	r = fz_must(f, VHOST_SET_BACKEND_FEATURES, &be,
		    "VHOST_SET_BACKEND_FEATURES", 0);
	if (r)
		return r;
	f->backend = be;
	f->in_batch = false;
	*s = 0;
	r = fz_must(f, VHOST_VDPA_SET_STATUS, s, "VHOST_VDPA_SET_STATUS 0", 0);
	*s = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;
	r = r ?: fz_must(f, VHOST_VDPA_SET_STATUS, s, "VHOST_VDPA_SET_STATUS", 0) ?:
		 fz_must(f, VHOST_SET_FEATURES, &feat, "VHOST_SET_FEATURES", 0);
	if (r)
		return r;
	f->features = feat;
	*s |= VIRTIO_CONFIG_S_FEATURES_OK;
	r = fz_must(f, VHOST_VDPA_SET_STATUS, s, "VHOST_VDPA_SET_STATUS", 0);
	memset(f->mem[FR_RING], 0, fz_regions[FR_RING].len);
	m.iotlb.type = VHOST_IOTLB_INVALIDATE;
	m.iotlb.iova = FZ_REAL_IOVA;
	m.iotlb.size = fz_regions[FR_RING].len;
	if (!r && fz_msg(f, &m, sizeof(m)))
		return -EIO;
	m.iotlb.type = VHOST_IOTLB_UPDATE;
	m.iotlb.uaddr = (uintptr_t)f->mem[FR_RING];
	m.iotlb.perm = VHOST_ACCESS_RW;
	return r ?: fz_msg(f, &m, sizeof(m));
}

/*
 * What a driver does: reset, negotiate, map the rings, set the queues up,
 * DRIVER_OK, kick.  Every step must succeed whatever came before, and the
 * status must then read back exactly.
 */
static void fz_op_real(struct fuzz *f)
{
	__u32 i, n = f->k.nvqs < FZ_REAL_VQS ? f->k.nvqs : FZ_REAL_VQS;
	__u8 s = 0, got = 0;
	int r;

	f->tame = true;
	r = fz_real_prepare(f, &s);
	for (i = 0; !r && i < n; i++)
		r = fz_real_vq(f, i);
	s |= VIRTIO_CONFIG_S_DRIVER_OK;
	r = r ?: fz_must(f, VHOST_VDPA_SET_STATUS, &s, "VHOST_VDPA_SET_STATUS", 0) ?:
		 fz_must(f, VHOST_VDPA_GET_STATUS, &got, "VHOST_VDPA_GET_STATUS", 0);
	f->tame = false;
	if (r)
		return;
	if (got != s) {
		fail("fuzz seed %llu op %lu: realistic start: status %#x set, %#x read back",
		     (unsigned long long)f->o->seed, f->op, s, got);
		f->failed = true;
		return;
	}
	fz_what(f, "realistic start: kick");
	fz_outcome(f, FA(OK), write(f->efd[0], &(__u64){ 1 }, 8) == 8 ? 0 : errno);
}

/* --- the campaign --------------------------------------------------- */

/**
 * struct fz_op - one kind of operation
 * @weight: how often it is picked (first member: see fz_pick())
 * @name: for --verbose
 * @run: does it once
 */
struct fz_op {
	unsigned int weight;
	const char *name;
	void (*run)(struct fuzz *f);
};

static const struct fz_op fz_ops[] = {
	{ 260, "device command", fz_op_dev },
	{ 280, "queue command", fz_op_vring },
	{ 20, "unknown command", fz_op_unknown },
	{ 15, "config read", fz_op_config_get },
	{ 10, "config write", fz_op_config_set },
	{ 150, "IOTLB update", fz_op_update },
	{ 80, "IOTLB invalidate", fz_op_invalidate },
	{ 40, "IOTLB batch", fz_op_batch },
	{ 10, "IOTLB unknown type", fz_op_bad_type },
	{ 10, "IOTLB unknown version", fz_op_bad_version },
	{ 10, "IOTLB short write", fz_op_short },
	{ 10, "doorbell mmap", fz_op_mmap },
	{ 5, "second open", fz_op_open2 },
	{ 2, "reopen", fz_op_reopen },
	{ 10, "realistic start", fz_op_real },
	{ 15, "scribble", fz_op_scribble },
	{ 20, "kick", fz_op_kick },
};

static const struct fz_op fz_reopen = {
	0, "reopen (every 2048)", fz_op_reopen
};

static void fz_report(const struct fuzz *f, unsigned long ops)
{
	char line[512];
	size_t n = 0;
	int e;

	line[0] = 0;
	for (e = 0; e < FE_NR && n < sizeof(line); e++)
		if (f->count[e])
			n += snprintf(line + n, sizeof(line) - n, "%s%s %lu",
				      n ? ", " : "", fz_err_name(e),
				      f->count[e]);
	diag("fuzz seed %llu: %lu ops, %s", (unsigned long long)f->o->seed,
	     ops, line);
}

static int fz_run(struct fuzz *f, unsigned long ops)
{
	const struct fz_op *op;

	if (fz_open(f) || fz_probe(f))
		return -EIO;
	fz_close(f);
	if (f->failed || fz_open(f))
		return -EIO;
	for (f->op = 0; f->op < ops; f->op++) {
		if (f->op && !(f->op % FZ_REOPEN)) {
			op = &fz_reopen;
		} else {
			op = &fz_ops[fz_pick(f, fz_ops, ARRAY_SIZE(fz_ops),
					     sizeof(fz_ops[0]))];
		}
		if (f->o->verbose)
			diag("op %lu: %s", f->op, op->name);
		op->run(f);
		if (f->failed)
			return -EIO;
	}
	fz_close(f);
	return f->failed ? -EIO : 0;
}

/**
 * cmd_fuzz() - the fuzz subcommand
 * @o: the command line: --dev, --seed, --ops, --verbose
 *
 * Return: exit status.
 */
int cmd_fuzz(const struct options *o)
{
	unsigned long ops = o->ops ? o->ops : FZ_DEFAULT_OPS;
	struct fuzz *f = calloc(1, sizeof(*f));
	int r;

	if (!f)
		return EXIT_FAIL;
	f->o = o;
	fz_rng_seed(&f->rng, o->seed);
	r = fz_setup(f);
	if (!r) {
		r = fz_run(f, ops);
		if (!r)
			fz_report(f, ops);
		else
			fail("fuzz seed %llu: failed at op %lu of %lu: replay with --seed %llu --ops %lu --verbose",
			     (unsigned long long)o->seed, f->op, ops,
			     (unsigned long long)o->seed, f->op + 1);
	}
	if (f->fd >= 0)
		close(f->fd);
	fz_teardown(f);
	free(f);
	return r ? EXIT_FAIL : 0;
}
