// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa_user: log, the errno case (every refusal of the logging ioctls
 * and the state it keeps, the log eventfd, RLIMIT_MEMLOCK, ring
 * positions after a reset) on a virtio-net device that logs, and the
 * nolog case for a parent that cannot.  The traffic is net-loop's
 * (net.c, net_loop.c); the exact contents of logs are the other cases'.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "net.h"

#define LE_FAR_IOVA 0x80000000ULL
#define LE_FAR_PAGES 16
#define LE_END_PAGE ((LE_FAR_IOVA >> LOG_SHIFT) + LE_FAR_PAGES)
#define LE_KERNEL_ADDR 0xffff888000000000ULL

/**
 * struct le - the errno case
 * @n: the device (net-loop's driver)
 * @o: its command line: the case's, with frames and size of our own
 * @l: the log (sized for everything up to the far region)
 * @efd: the log eventfd
 * @hole: an address where nothing is mapped
 * @ro: a read-only page
 * @far: 16 pages at 0x80000000, mapped late
 * @pin: VmPin with the data mapped and no log
 * @logkb: VmPin of the log for the data mapped at first
 */
struct le {
	struct net *n;
	struct options o;
	struct dlog l;
	int efd;
	__u8 *hole;
	__u8 *ro;
	struct region far;
	long pin;
	long logkb;
};

/* Send @k frames and wait until they came back and every tx buffer too. */
static int le_frames(struct net *n, unsigned int k)
{
	struct vq *vqs[2] = { &n->rx, &n->tx };
	unsigned int target = n->received + k;
	int r = 0;

	while (!r && (n->received < target || n->tx_nfree < n->ntx)) {
		bool progress = false;
		int s;

		r = net_drain(n, &progress);
		if (!r)
			r = net_refill(n);
		if (r)
			break;
		s = net_send(n, target - n->sent);
		if (s < 0)
			return s;
		if (s || progress ||
		    (n->received == target && n->tx_nfree == n->ntx))
			continue;
		s = vq_wait(vqs, 2, n->o->timeout_ms);
		if (!s) {
			fail("errno: no call in %d ms: %u frames sent, %u received",
			     n->o->timeout_ms, n->sent, n->received);
			r = -ETIMEDOUT;
		} else if (s < 0) {
			r = s;
		}
	}
	if (!r && n->bad)
		r = -EIO;
	return r;
}

/* Whether the log eventfd fired; it is read (cleared) if it did. */
static bool le_signalled(const struct le *e)
{
	struct pollfd p = { .fd = e->efd, .events = POLLIN };
	__u64 v;

	if (poll(&p, 1, 0) != 1)
		return false;
	(void)!read(e->efd, &v, sizeof(v));
	return true;
}

/* Before VHOST_SET_OWNER, and from a process that is not the owner. */
static int le_not_owner(struct le *e)
{
	int fd, st = 0, r;
	pid_t pid;

	fd = open(e->o.dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fail("open %s: %s", e->o.dev, errname(errno));
		return -errno;
	}
	r = log_want(log_set_base(fd, dlog_base(&e->l)), -EPERM,
		     "SET_LOG_BASE before VHOST_SET_OWNER");
	if (!r)
		r = log_want(log_set_fd(fd, e->efd), -EPERM,
			     "SET_LOG_FD before VHOST_SET_OWNER");
	close(fd);
	if (r)
		return r;
	r = net_open(&e->n, &e->o);
	if (r)
		return r;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		struct vdev d = e->n->d;

		r = log_want(log_set_base(d.fd, dlog_base(&e->l)), -EPERM,
			     "SET_LOG_BASE from a child (not the owner)");
		if (!r)
			r = log_want(log_set_fd(d.fd, e->efd), -EPERM,
				     "SET_LOG_FD from a child");
		if (!r)
			r = log_want(log_set_features(&d, true), -EPERM,
				     "SET_FEATURES +LOG_ALL from a child");
		_exit(r ? 1 : 0);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fail("errno: the child's checks failed (status %#x)", st);
		return -EIO;
	}
	return log_debugfs_is(&e->n->d, "base", 0, "after the child's calls");
}

/* VHOST_SET_FEATURES on the running device: only LOG_ALL may change. */
static int le_features(struct le *e)
{
	struct vdev *d = &e->n->d;
	__u64 f = d->features, other = d->offered & ~f & ~LOG_ALL, g;
	int r = 0;

	if (other) {
		g = f | LOG_ALL | (other & -other);
		r = log_ioctl_is(d->fd, VHOST_SET_FEATURES, &g, -EBUSY,
				 "SET_FEATURES +LOG_ALL and another offered bit after FEATURES_OK");
	}
	g = f ^ BIT64(VIRTIO_NET_F_MAC);
	if (!r)
		r = log_ioctl_is(d->fd, VHOST_SET_FEATURES, &g, -EBUSY,
				 "SET_FEATURES with VIRTIO_NET_F_MAC changed after FEATURES_OK");
	g = f | LOG_ALL | BIT64(63);
	if (!r)
		r = log_ioctl_is(d->fd, VHOST_SET_FEATURES, &g, -EBUSY,
				 "SET_FEATURES +LOG_ALL and bit 63 after FEATURES_OK");
	if (!r)
		r = log_want(log_set_features(d, true), 0,
			     "SET_FEATURES +LOG_ALL without a base");
	if (!r)
		r = log_pin_is(e->pin, "logging without a base (nothing to pin)");
	if (!r)
		r = le_frames(e->n, 4);
	if (!r)
		r = log_want(log_set_features(d, false), 0, "SET_FEATURES -LOG_ALL");
	return r;
}

/* VHOST_SET_VRING_ADDR on the running device. */
static int le_vring_addr(struct le *e)
{
	struct vdev *d = &e->n->d;
	struct vq *vq = &e->n->rx;
	struct vhost_vring_addr a = {
		.index = vq->index,
		.desc_user_addr = vq->desc_iova,
		.avail_user_addr = vq->drv_iova,
		.used_user_addr = vq->dev_iova + 64,
	};
	int r;

	r = log_ioctl_is(d->fd, VHOST_SET_VRING_ADDR, &a, -EINVAL,
			 "SET_VRING_ADDR moving the used ring of a running queue");
	a.used_user_addr = vq->dev_iova;
	a.flags = BIT(VHOST_VRING_F_LOG);
	a.log_guest_addr = vq->dev_iova + 2;
	if (!r)
		r = log_ioctl_is(d->fd, VHOST_SET_VRING_ADDR, &a, -EINVAL,
				 "SET_VRING_ADDR with F_LOG and log_guest_addr not 4-aligned");
	a.flags = BIT(1);
	a.log_guest_addr = vq->dev_iova;
	if (!r)
		r = log_ioctl_is(d->fd, VHOST_SET_VRING_ADDR, &a, -EOPNOTSUPP,
				 "SET_VRING_ADDR with flag bit 1");
	if (!r)
		r = log_want(log_vring_addr(d, vq, true, vq->dev_iova), 0,
			     "SET_VRING_ADDR, same rings, F_LOG");
	if (!r)
		r = log_want(log_vring_addr(d, vq, false, 0), 0,
			     "SET_VRING_ADDR, same rings, no F_LOG");
	if (!r)
		r = log_want(log_vring_addr(d, vq, true, vq->dev_iova), 0,
			     "SET_VRING_ADDR rx F_LOG");
	if (!r)
		r = log_want(log_vring_addr(d, &e->n->tx, true, e->n->tx.dev_iova),
			     0, "SET_VRING_ADDR tx F_LOG");
	if (!r)
		r = le_frames(e->n, 4);
	return r;
}

/* Bases that cannot be pinned: refused, the state kept. */
static int le_bases(struct le *e)
{
	struct vdev *d = &e->n->d;
	long long pages = e->logkb / 4;
	int r;

	r = log_want(log_set_base(d->fd, e->hole), 0,
		     "SET_LOG_BASE into a hole while not logging (only stored)");
	if (!r)
		r = log_debugfs_is(d, "base", (long long)(uintptr_t)e->hole,
				   "after the base in a hole");
	if (!r)
		r = log_want(log_set_features(d, true), -EFAULT,
			     "SET_FEATURES +LOG_ALL with the base in a hole");
	if (!r)
		r = log_debugfs_is(d, "logging", 0, "after the refused LOG_ALL");
	if (!r)
		r = log_pin_is(e->pin, "after the refused LOG_ALL");
	if (!r)
		r = log_want(log_set_base(d->fd, dlog_base(&e->l)), 0,
			     "SET_LOG_BASE");
	if (!r)
		r = log_want(log_set_features(d, true), 0, "SET_FEATURES +LOG_ALL");
	if (!r)
		r = log_pin_is(e->pin + e->logkb, "logging");
	if (!r)
		r = log_debugfs_is(d, "pinned", pages, "logging");
	if (!r)
		r = log_want(log_set_base(d->fd, e->ro), -EFAULT,
			     "SET_LOG_BASE to a read-only page while logging");
	if (!r)
		r = log_want(log_set_base(d->fd, e->hole), -EFAULT,
			     "SET_LOG_BASE into a hole while logging");
	if (!r)
		r = log_want(log_set_base(d->fd, (void *)(uintptr_t)LE_KERNEL_ADDR),
			     -EFAULT, "SET_LOG_BASE to a kernel address");
	if (!r)
		r = log_debugfs_is(d, "base", (long long)(uintptr_t)dlog_base(&e->l),
				   "after the refused bases");
	if (!r)
		r = log_debugfs_is(d, "pinned", pages, "after the refused bases");
	if (!r)
		r = log_pin_is(e->pin + e->logkb, "after the refused bases");
	if (!r) {
		dlog_clear(&e->l);
		r = le_frames(e->n, 4);
	}
	if (!r && !dlog_count(&e->l)) {
		fail("errno: nothing logged after the refused bases");
		r = -EIO;
	}
	return r;
}

/* VHOST_SET_LOG_FD: refusals, signalled when bits are set, unbound. */
static int le_log_fd(struct le *e)
{
	struct vdev *d = &e->n->d;
	int p[2], closed, r;

	closed = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (closed < 0 || pipe2(p, O_CLOEXEC))
		return -errno;
	close(closed);
	r = log_want(log_set_fd(d->fd, closed), -EBADF,
		     "SET_LOG_FD with a closed descriptor");
	if (!r)
		r = log_want(log_set_fd(d->fd, p[0]), -EINVAL,
			     "SET_LOG_FD with a pipe");
	close(p[0]);
	close(p[1]);
	if (!r)
		r = log_want(log_set_fd(d->fd, e->efd), 0, "SET_LOG_FD");
	if (!r) {
		usleep(LOG_SETTLE_US);
		le_signalled(e);
		dlog_clear(&e->l);
		r = le_frames(e->n, 4);
	}
	if (!r && (!dlog_count(&e->l) || !le_signalled(e))) {
		fail("errno: after 4 frames: %llu bits set, the log eventfd %s",
		     dlog_count(&e->l), "not signalled");
		r = -EIO;
	}
	if (!r)
		r = log_want(log_set_fd(d->fd, VHOST_FILE_UNBIND), 0,
			     "SET_LOG_FD VHOST_FILE_UNBIND");
	if (!r) {
		le_signalled(e);
		dlog_clear(&e->l);
		r = le_frames(e->n, 4);
	}
	if (!r && (!dlog_count(&e->l) || le_signalled(e))) {
		fail("errno: unbound: %llu bits set, the old eventfd %s",
		     dlog_count(&e->l), dlog_count(&e->l) ? "signalled" : "-");
		r = -EIO;
	}
	if (!r)
		diag("log fd: signalled when frames set bits, silent once unbound; EBADF, EINVAL for others");
	return r;
}

/* VHOST_SET_LOG_BASE 0 while logging: nothing set, the bits lost. */
static int le_detach(struct le *e)
{
	struct vdev *d = &e->n->d;
	long long lost0 = 0, lost1 = 0;
	int r;

	r = log_want(log_set_base(d->fd, NULL), 0, "SET_LOG_BASE 0 while logging");
	if (!r)
		r = log_pin_is(e->pin, "detached");
	if (!r)
		r = log_debugfs_is(d, "pinned", 0, "detached");
	if (!r)
		r = log_debugfs(d, "lost", &lost0);
	if (!r) {
		dlog_clear(&e->l);
		r = le_frames(e->n, 4);
	}
	if (!r)
		r = log_debugfs(d, "lost", &lost1);
	if (!r && (dlog_count(&e->l) || lost1 <= lost0)) {
		fail("errno: detached: %llu bits set in the old log, lost %lld -> %lld",
		     dlog_count(&e->l), lost0, lost1);
		r = -EIO;
	}
	return r;
}

/* RLIMIT_MEMLOCK (CAP_IPC_LOCK dropped) holds the log and its growth. */
static int le_memlock(struct le *e)
{
	struct vdev *d = &e->n->d;
	long pages = e->logkb / 4;
	unsigned long long base = (unsigned long long)e->pin << 10;
	long grown;
	int r;

	r = pin_ipc_lock(false);
	if (!r)
		r = pin_memlock_set(base + (pages - 1) * LOG_PAGE);
	if (!r)
		r = log_want(log_set_base(d->fd, dlog_base(&e->l)), -ENOMEM,
			     "SET_LOG_BASE while logging, RLIMIT_MEMLOCK a page short");
	if (!r)
		r = log_debugfs_is(d, "base", 0, "after the refused base");
	if (!r)
		r = log_pin_is(e->pin, "after the refused base");
	if (!r)
		r = pin_memlock_set(base + pages * LOG_PAGE);
	if (!r)
		r = log_want(log_set_base(d->fd, dlog_base(&e->l)), 0,
			     "SET_LOG_BASE, RLIMIT_MEMLOCK just enough");
	if (!r)
		r = log_pin_is(e->pin + e->logkb, "logging at the limit");
	if (!r)
		r = log_want(log_set_features(d, false), 0, "SET_FEATURES -LOG_ALL");
	if (!r)
		r = pin_memlock_set(base + (pages - 1) * LOG_PAGE);
	if (!r)
		r = log_want(log_set_features(d, true), -ENOMEM,
			     "SET_FEATURES +LOG_ALL, RLIMIT_MEMLOCK a page short");
	if (!r)
		r = log_debugfs_is(d, "logging", 0, "after the refused LOG_ALL");
	if (!r)
		r = log_pin_is(e->pin, "after the refused LOG_ALL");
	if (!r)
		r = pin_memlock_set(base + pages * LOG_PAGE);
	if (!r)
		r = log_want(log_set_features(d, true), 0,
			     "SET_FEATURES +LOG_ALL, RLIMIT_MEMLOCK just enough");
	/* the data of the far region fits, not the log it needs */
	if (!r)
		r = pin_memlock_set(base + (pages + LE_FAR_PAGES) * LOG_PAGE);
	if (!r)
		r = log_want(iotlb_msg(d->fd, 0, VHOST_IOTLB_UPDATE, e->far.iova,
				       e->far.len, e->far.va, VHOST_ACCESS_RW),
			     -ENOMEM,
			     "IOTLB_UPDATE past the log's window: its data fits RLIMIT_MEMLOCK, not the log's growth");
	if (!r)
		r = log_pin_is(e->pin + e->logkb, "after the refused update");
	if (!r)
		r = pin_memlock_set(RLIM_INFINITY);
	if (!r)
		r = log_want(iotlb_msg(d->fd, 0, VHOST_IOTLB_UPDATE, e->far.iova,
				       e->far.len, e->far.va, VHOST_ACCESS_RW),
			     0, "the same IOTLB_UPDATE without the limit (nothing was left mapped)");
	grown = 4 * (long)log_pinned_pages(LE_END_PAGE, 0, e->l.npages);
	if (!r)
		r = log_pin_is(e->pin + LE_FAR_PAGES * 4 + grown,
			       "after the update (its pages and the log's growth)");
	if (!r)
		r = pin_ipc_lock(true);
	if (!r)
		r = le_frames(e->n, 4);
	if (!r)
		diag("memlock: log %ld kB, then %ld kB with the far region; ENOMEM a page short each time, nothing pinned",
		     e->logkb, grown);
	pin_memlock_set(RLIM_INFINITY);
	return r;
}

/* Ring position (slot | wrap << 15) of a packed ring after @c descriptors. */
static __u32 le_packed_pos(const struct vq *vq, __u32 c)
{
	return (c % vq->num) | (((c / vq->num) & 1) ? 0 : 0x8000);
}

static __u32 le_base_want(const struct net *n, const struct vq *vq)
{
	if (n->o->packed)
		return le_packed_pos(vq, vq->done) |
		       le_packed_pos(vq, vq->done) << 16;
	return (__u16)vq->done;
}

static int le_base_is(struct le *e, struct vq *vq, __u32 want,
		      const char *when)
{
	__u32 got = 0;
	int r = vq_get_base(&e->n->d, vq, &got);

	if (!r && got != want) {
		fail("errno: GET_VRING_BASE(vq %u) %s: %#x, want %#x", vq->index,
		     when, got, want);
		r = -EIO;
	}
	return r;
}

/*
 * A reset of the running, logging device: the rings' positions from
 * just before it answer VHOST_GET_VRING_BASE until the queue is set up
 * again; logging stops.
 */
static int le_reset(struct le *e)
{
	struct net *n = e->n;
	__u32 rx = 0, tx = 0, b0 = n->rx.ops->base(&n->rx);
	struct vhost_vring_state s = { n->rx.index, b0 };
	__u8 zero = 0;
	int r;

	r = le_frames(n, 8);
	if (!r) {
		rx = le_base_want(n, &n->rx);
		tx = le_base_want(n, &n->tx);
		r = xioctl(n->d.fd, VHOST_VDPA_SET_STATUS, &zero,
			   "VHOST_VDPA_SET_STATUS 0");
	}
	if (!r)
		r = log_debugfs_is(&n->d, "logging", 0, "after the reset");
	if (!r)
		r = log_debugfs_is(&n->d, "pinned", 0, "after the reset");
	if (!r)
		r = le_base_is(e, &n->rx, rx, "after the reset");
	if (!r)
		r = le_base_is(e, &n->tx, tx, "after the reset");
	if (!r)
		r = le_base_is(e, &n->rx, rx, "after the reset, read again");
	if (!r)
		r = xioctl(n->d.fd, VHOST_SET_VRING_BASE, &s, "VHOST_SET_VRING_BASE");
	if (!r)
		r = le_base_is(e, &n->rx, b0, "after SET_VRING_BASE");
	if (!r)
		r = le_base_is(e, &n->tx, tx, "after rx was set up again");
	if (!r)
		diag("reset: GET_VRING_BASE rx %#x, tx %#x (%u frames), kept until the queue is set up again",
		     rx, tx, n->received);
	return r;
}

/**
 * log_errno() - refusals and state on a device that logs
 * @o: the command line
 *
 * EPERM before VHOST_SET_OWNER and from another process; EBUSY for
 * feature changes but LOG_ALL's after FEATURES_OK; EINVAL for a moved
 * ring or an unaligned log_guest_addr, EOPNOTSUPP for unknown ring
 * flags; EFAULT for bases that cannot be pinned (a hole, read-only, a
 * kernel address), the base and log kept; the log eventfd; a base of 0;
 * ENOMEM at RLIMIT_MEMLOCK for the log, LOG_ALL and an IOTLB update the
 * log must grow for; ring positions after a reset.  VmPin and debugfs
 * checked after each.
 *
 * Return: 0 or -errno.
 */
int log_errno(const struct options *o)
{
	struct le e;
	int r;

	memset(&e, 0, sizeof(e));
	e.o = *o;
	e.o.frames = 100000;
	e.o.size = 64;
	e.efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	r = e.efd < 0 ? -errno : 0;
	if (!r)
		r = dlog_create(&e.l, dlog_pages_for(LE_END_PAGE, 0), 0);
	if (!r) {
		e.hole = mmap(NULL, LOG_PAGE, PROT_NONE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		e.ro = mmap(NULL, LOG_PAGE, PROT_READ,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (e.hole == MAP_FAILED || e.ro == MAP_FAILED ||
		    munmap(e.hole, LOG_PAGE))
			r = -errno;
	}
	if (!r)
		r = region_create(&e.far, LE_FAR_PAGES * LOG_PAGE, LE_FAR_IOVA, 0);
	if (!r)
		r = le_not_owner(&e);
	if (!r)
		r = log_offered(&e.n->d);
	if (!r)
		r = log_pin_kb(&e.pin);
	if (!r) {
		__u64 window = (e.n->mem.iova + e.n->mem.len + LOG_PAGE - 1) >>
			       LOG_SHIFT;

		e.logkb = 4 * (long)log_pinned_pages(window, 0, e.l.npages);
	}
	if (!r)
		r = le_features(&e);
	if (!r)
		r = le_vring_addr(&e);
	if (!r)
		r = le_bases(&e);
	if (!r)
		r = le_log_fd(&e);
	if (!r)
		r = le_detach(&e);
	if (!r)
		r = le_memlock(&e);
	if (!r)
		r = le_reset(&e);
	net_close(e.n);
	region_destroy(&e.far);
	dlog_destroy(&e.l);
	if (e.ro && e.ro != MAP_FAILED)
		munmap(e.ro, LOG_PAGE);
	if (e.efd >= 0)
		close(e.efd);
	if (!r)
		log_sum("every refusal with its errno and the state kept, the log eventfd, RLIMIT_MEMLOCK, ring positions after a reset");
	return r;
}

/**
 * log_nolog() - a parent that cannot log (VDUSE, vdpa_sim.dirty_log=0)
 * @o: the command line
 *
 * No VHOST_F_LOG_ALL in VHOST_GET_FEATURES; VHOST_SET_LOG_BASE and
 * VHOST_SET_LOG_FD are ENOTTY; VHOST_SET_FEATURES with the bit is
 * EINVAL, without it fine; VHOST_SET_VRING_ADDR with F_LOG is accepted
 * (and ignored).  Any device type.
 *
 * Return: 0 or -errno.
 */
int log_nolog(const struct options *o)
{
	struct vhost_vring_state num = { 0, 0 };
	struct vhost_vring_addr a = {
		.index = 0,
		.flags = BIT(VHOST_VRING_F_LOG),
		.desc_user_addr = 0x100000,
		.avail_user_addr = 0x101000,
		.used_user_addr = 0x102000,
		.log_guest_addr = 0x102000,
	};
	struct vdev d = { .fd = -1 };
	struct dlog l = { 0 };
	__u64 f;
	int efd, r;

	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	r = efd < 0 ? -errno : 0;
	if (!r)
		r = dlog_create(&l, 1, 0);
	if (!r)
		r = vdev_open(&d, o->dev);
	if (!r && (d.offered & LOG_ALL)) {
		fail("nolog: VHOST_GET_FEATURES %#llx offers VHOST_F_LOG_ALL",
		     (unsigned long long)d.offered);
		r = -EIO;
	}
	if (!r)
		r = log_want(log_set_base(d.fd, dlog_base(&l)), -ENOTTY,
			     "SET_LOG_BASE on a parent that cannot log");
	if (!r)
		r = log_want(log_set_fd(d.fd, efd), -ENOTTY,
			     "SET_LOG_FD on a parent that cannot log");
	if (!r)
		r = vdev_backend(&d, 0);
	if (!r)
		r = vdev_add_status(&d, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	if (!r)
		r = vdev_add_status(&d, VIRTIO_CONFIG_S_DRIVER);
	f = d.offered & (BIT64(VIRTIO_F_VERSION_1) |
			 BIT64(VIRTIO_F_ACCESS_PLATFORM));
	if (!r) {
		__u64 g = f | LOG_ALL;

		r = log_ioctl_is(d.fd, VHOST_SET_FEATURES, &g, -EINVAL,
				 "SET_FEATURES with VHOST_F_LOG_ALL, not offered");
	}
	if (!r)
		r = log_ioctl_is(d.fd, VHOST_SET_FEATURES, &f, 0,
				 "SET_FEATURES without it");
	num.num = d.vq_num_max < 64 ? d.vq_num_max : 64;
	if (!r)
		r = xioctl(d.fd, VHOST_SET_VRING_NUM, &num, "VHOST_SET_VRING_NUM");
	if (!r)
		r = log_ioctl_is(d.fd, VHOST_SET_VRING_ADDR, &a, 0,
				 "SET_VRING_ADDR with F_LOG (accepted, nothing to log)");
	if (!r)
		r = log_want(log_set_base(d.fd, dlog_base(&l)), -ENOTTY,
			     "SET_LOG_BASE after negotiation");
	if (!r)
		r = log_check(&l, &(struct pset){ 0 }, NULL, "nolog");
	vdev_close(&d);
	dlog_destroy(&l);
	if (efd >= 0)
		close(efd);
	if (!r)
		log_sum("no VHOST_F_LOG_ALL (features %#llx): ENOTTY for SET_LOG_BASE and SET_LOG_FD, EINVAL for the bit, F_LOG accepted",
			(unsigned long long)d.offered);
	return r;
}
