// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa_user: hammer, a device in full use removed underneath.
 *
 *   vdpa_user hammer --dev DEV [--threads N] [--timeout MS]
 *
 * Forks a child first, then starts a virtio-net device the way net-loop
 * does (owner, features, memory mapped, rings, DRIVER_OK, receive ring
 * full), maps queue 0's doorbell if the device has one, and hands the
 * descriptor to the child over a unix socket (SCM_RIGHTS).  N threads
 * (default 4) then loop over hm_ops[]: status, vring base, enable, config,
 * feature reads, eventfd rebinding, suspend/resume, IOTLB UPDATE and
 * INVALIDATE of a page of their own, kicks through the kick eventfds and
 * writes to the doorbell (SIGBUS caught).  The child, which is not the
 * owner, loops over hm_child_ops[] (reads succeed, queue commands and
 * IOTLB messages are EPERM).  "ready" is printed once all of it runs.
 *
 * The test then removes the device.  Each thread stops at its first
 * ENODEV and checks that every call on the descriptor is now ENODEV (the
 * doorbell write SIGBUS); so does the child, which reports through its
 * exit status; then the main thread checks every command, a write and an
 * mmap() once more.  After close, VmPin must be what it was before.
 * Prints "# hammer: N ops before removal, ENODEV after" and exits 0; exits
 * 1 on any other outcome, or if the device is not removed within
 * --timeout milliseconds of "ready".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"
#include "net.h"

#define HM_DEFAULT_THREADS	4
#define HM_SLOT_IOVA		0x100000000ULL	/* thread i's page: + i pages */
#define HM_CHILD_NOFD		3		/* child exit: no descriptor */
#define HM_CHILD_TIMEOUT	2		/* child exit: never ENODEV */

/**
 * struct hammer - what the threads share
 * @o: the command line
 * @n: the running device
 * @fd: its descriptor
 * @slots: a page per thread for IOTLB traffic
 * @db: queue 0's doorbell, or NULL
 * @ops: calls made before removal, all threads
 * @stop: set on an unexpected outcome or a timeout: threads leave
 * @gone: threads that found every call ENODEV
 */
struct hammer {
	const struct options *o;
	struct net *n;
	int fd;
	struct region slots;
	volatile __u32 *db;
	atomic_ulong ops;
	atomic_bool stop;
	atomic_int gone;
};

/**
 * struct hm_thread - one hammering thread (or the child)
 * @h: shared state; the child's has only @fd set
 * @index: which thread
 * @rng: its PRNG, seeded with @index
 * @mapped: its page is mapped
 * @tid: the thread
 */
struct hm_thread {
	struct hammer *h;
	unsigned int index;
	struct fz_rng rng;
	bool mapped;
	pthread_t tid;
};

/**
 * struct hm_op - one call the threads make
 * @name: for messages
 * @run: makes it: 0 or the errno (ENODEV for SIGBUS on the doorbell)
 * @allowed: its outcomes before removal (FA() bits; ENODEV is always
 *	     allowed, and must be all there is after)
 * @fd_op: a call on the device descriptor (a kick is not)
 */
struct hm_op {
	const char *name;
	int (*run)(struct hm_thread *t);
	unsigned int allowed;
	bool fd_op;
};

static int hm_ioctl(struct hm_thread *t, unsigned long req, void *arg)
{
	return ioctl(t->h->fd, req, arg) < 0 ? errno : 0;
}

static int hm_status(struct hm_thread *t)
{
	__u8 s;

	return hm_ioctl(t, VHOST_VDPA_GET_STATUS, &s);
}

static int hm_features(struct hm_thread *t)
{
	__u64 f;

	return hm_ioctl(t, VHOST_GET_FEATURES, &f);
}

static int hm_config(struct hm_thread *t)
{
	struct {
		struct vhost_vdpa_config c;
		__u8 mac[6];
	} a = { .c = { .off = 0, .len = 6 } };

	return hm_ioctl(t, VHOST_VDPA_GET_CONFIG, &a);
}

static int hm_vq_base(struct hm_thread *t)
{
	struct vhost_vring_state s = { fz_rng_below(&t->rng, 2), 0 };

	return hm_ioctl(t, VHOST_GET_VRING_BASE, &s);
}

static int hm_enable(struct hm_thread *t)
{
	struct vhost_vring_state s = { fz_rng_below(&t->rng, 2),
				       !fz_rng_below(&t->rng, 4) ? 0 : 1 };

	return hm_ioctl(t, VHOST_VDPA_SET_VRING_ENABLE, &s);
}

/* Bind a queue's eventfds again: the same ones. */
static int hm_rebind(struct hm_thread *t)
{
	struct vq *vq = fz_rng_below(&t->rng, 2) ? &t->h->n->tx : &t->h->n->rx;
	struct vhost_vring_file kick = { vq->index, vq->kick_fd };
	struct vhost_vring_file call = { vq->index, vq->call_fd };

	return hm_ioctl(t, VHOST_SET_VRING_CALL, &call) ?:
	       hm_ioctl(t, VHOST_SET_VRING_KICK, &kick);
}

static int hm_suspend(struct hm_thread *t)
{
	int err = hm_ioctl(t, VHOST_VDPA_SUSPEND, NULL);

	return err ?: hm_ioctl(t, VHOST_VDPA_RESUME, NULL);
}

/* Map the thread's page, or unmap it, in turn. */
static int hm_iotlb(struct hm_thread *t)
{
	struct hammer *h = t->h;
	__u8 type = t->mapped ? VHOST_IOTLB_INVALIDATE : VHOST_IOTLB_UPDATE;
	int err;

	err = -iotlb_msg(h->fd, 0, type, HM_SLOT_IOVA + t->index * FZ_PAGE,
			 FZ_PAGE, h->slots.va + t->index * FZ_PAGE,
			 VHOST_ACCESS_RW);
	if (!err)
		t->mapped = !t->mapped;
	return err;
}

static int hm_kick(struct hm_thread *t)
{
	struct vq *vq = fz_rng_below(&t->rng, 2) ? &t->h->n->tx : &t->h->n->rx;

	vq_kick(vq);
	return 0;
}

static __thread sigjmp_buf hm_jmp;
static __thread volatile sig_atomic_t hm_armed;

static void hm_on_sigbus(int sig)
{
	if (hm_armed)
		siglongjmp(hm_jmp, 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Write queue 0's index to its doorbell; SIGBUS once revoked: ENODEV. */
static int hm_doorbell(struct hm_thread *t)
{
	if (!t->h->db)
		return 0;
	if (sigsetjmp(hm_jmp, 1)) {
		hm_armed = 0;
		return ENODEV;
	}
	hm_armed = 1;
	*t->h->db = 0;
	hm_armed = 0;
	return 0;
}

static const struct hm_op hm_ops[] = {
	{ "VHOST_VDPA_GET_STATUS", hm_status, FA(OK), true },
	{ "VHOST_GET_FEATURES", hm_features, FA(OK), true },
	{ "VHOST_VDPA_GET_CONFIG", hm_config, FA(OK), true },
	{ "VHOST_GET_VRING_BASE", hm_vq_base, FA(OK), true },
	{ "VHOST_VDPA_SET_VRING_ENABLE", hm_enable, FA(OK), true },
	{ "VHOST_SET_VRING_CALL/KICK", hm_rebind, FA(OK), true },
	{ "VHOST_VDPA_SUSPEND/RESUME", hm_suspend, FA(OK) | FA(EOPNOTSUPP),
	  true },
	{ "IOTLB UPDATE/INVALIDATE", hm_iotlb, FA(OK), true },
	{ "kick", hm_kick, FA(OK), false },
	{ "doorbell write", hm_doorbell, FA(OK), true },
};

/* The child is not the owner: reads work, the rest is EPERM. */
static int hm_child_iotlb(struct hm_thread *t)
{
	static __u8 page[4096] __attribute__((aligned(4096)));

	return -iotlb_msg(t->h->fd, 0, VHOST_IOTLB_UPDATE, IOVA_BASE,
			  sizeof(page), page, VHOST_ACCESS_RW);
}

static const struct hm_op hm_child_ops[] = {
	{ "VHOST_VDPA_GET_STATUS", hm_status, FA(OK), true },
	{ "VHOST_GET_FEATURES", hm_features, FA(OK), true },
	{ "VHOST_VDPA_GET_CONFIG", hm_config, FA(OK), true },
	{ "VHOST_GET_VRING_BASE", hm_vq_base, FA(EPERM), true },
	{ "VHOST_VDPA_SET_VRING_ENABLE", hm_enable, FA(EPERM), true },
	{ "IOTLB UPDATE", hm_child_iotlb, FA(EPERM), true },
};

/* After an ENODEV: every call on the descriptor must be ENODEV. */
static bool hm_all_gone(struct hm_thread *t, const struct hm_op *ops,
			size_t n, const char *who)
{
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		if (!ops[i].fd_op)
			continue;
		err = ops[i].run(t);
		if (err == ENODEV || (!err && ops[i].run == hm_doorbell &&
				      !t->h->db))
			continue;
		fail("hammer: %s: %s after the device was removed, want ENODEV",
		     who, ops[i].name);
		return false;
	}
	return true;
}

/* @ms milliseconds from now. */
static struct timespec hm_deadline(int ms)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (long)(ms % 1000) * 1000000;
	if (t.tv_nsec >= 1000000000) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000;
	}
	return t;
}

static bool hm_past(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > deadline->tv_sec ||
	       (now.tv_sec == deadline->tv_sec &&
		now.tv_nsec > deadline->tv_nsec);
}

/*
 * Run @ops at random until ENODEV, then check all of them are ENODEV.
 * Return: 0 if so, -EIO on another outcome (reported), -ETIMEDOUT past
 * @deadline (if not NULL), -EINTR when told to stop.
 */
static int hm_loop(struct hm_thread *t, const struct hm_op *ops, size_t n,
		   const char *who, const struct timespec *deadline)
{
	struct hammer *h = t->h;
	const struct hm_op *op;
	char set[64];
	int err;

	while (!atomic_load(&h->stop)) {
		op = &ops[fz_rng_below(&t->rng, n)];
		err = op->run(t);
		if (err == ENODEV)
			return hm_all_gone(t, ops, n, who) ? 0 : -EIO;
		if (!(op->allowed & BIT(fz_err_index(err)))) {
			fz_mask_str(op->allowed | FA(ENODEV), set, sizeof(set));
			fail("hammer: %s: %s: %s, want %s", who, op->name,
			     errname(err), set);
			return -EIO;
		}
		if (!(atomic_fetch_add(&h->ops, 1) & 1023) && deadline &&
		    hm_past(deadline)) {
			fail("hammer: %s: the device was not removed in time",
			     who);
			return -ETIMEDOUT;
		}
	}
	return -EINTR;
}

static void *hm_thread_main(void *arg)
{
	struct hm_thread *t = arg;
	char who[32];
	int r;

	snprintf(who, sizeof(who), "thread %u", t->index);
	r = hm_loop(t, hm_ops, ARRAY_SIZE(hm_ops), who, NULL);
	if (!r)
		atomic_fetch_add(&t->h->gone, 1);
	else if (r == -EIO)
		atomic_store(&t->h->stop, true);
	return NULL;
}

/* --- the child ------------------------------------------------------ */

static int hm_send_fd(int sock, int fd)
{
	char byte = 'f', cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { &byte, 1 };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(fd));
	if (sendmsg(sock, &m, 0) == 1 && read(sock, &byte, 1) == 1)
		return 0;
	fail("hammer: handing the descriptor to the child: %s", errname(errno));
	return -EIO;
}

static int hm_recv_fd(int sock)
{
	char byte, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &byte, 1 };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &m, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&m);
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	return fd;
}

/*
 * The child: receives the descriptor, acknowledges, hammers it until
 * ENODEV.  Exit status: 0 all ENODEV then, 1 another outcome, 2
 * (HM_CHILD_TIMEOUT) no ENODEV within the parent's timeout and 5 s more,
 * 3 (HM_CHILD_NOFD) no descriptor.
 */
static int hm_child(const struct options *o, int sock)
{
	struct hammer h = { .o = o };
	struct hm_thread t = { .h = &h, .index = 1000 };
	struct timespec deadline;
	int r;

	h.fd = hm_recv_fd(sock);
	if (h.fd < 0 || write(sock, "k", 1) != 1)
		return HM_CHILD_NOFD;
	close(sock);
	fz_rng_seed(&t.rng, t.index);
	deadline = hm_deadline(o->timeout_ms + 5000);
	r = hm_loop(&t, hm_child_ops, ARRAY_SIZE(hm_child_ops), "child",
		    &deadline);
	close(h.fd);
	if (!r)
		return 0;
	return r == -ETIMEDOUT ? HM_CHILD_TIMEOUT : EXIT_FAIL;
}

/* --- the main thread ------------------------------------------------ */

/* Every command, a write and an mmap() of the removed device: ENODEV. */
static int hm_final(struct hammer *h)
{
	static const unsigned long reqs[] = {
		VHOST_SET_OWNER, VHOST_GET_FEATURES, VHOST_SET_FEATURES,
		VHOST_GET_BACKEND_FEATURES, VHOST_SET_BACKEND_FEATURES,
		VHOST_VDPA_GET_DEVICE_ID, VHOST_VDPA_GET_STATUS,
		VHOST_VDPA_SET_STATUS, VHOST_VDPA_GET_CONFIG,
		VHOST_VDPA_GET_VRING_NUM, VHOST_VDPA_GET_VQS_COUNT,
		VHOST_VDPA_GET_IOVA_RANGE, VHOST_VDPA_SET_CONFIG_CALL,
		VHOST_VDPA_SUSPEND, VHOST_VDPA_RESUME, VHOST_SET_VRING_NUM,
		VHOST_GET_VRING_BASE, VHOST_SET_VRING_KICK,
		VHOST_VDPA_SET_VRING_ENABLE, VHOST_VDPA_SET_GROUP_ASID,
		_IO(VHOST_VIRTIO, 0xff),
	};
	__u64 arg[8] = { 0 };
	unsigned int i;
	void *p;
	int err;

	for (i = 0; i < ARRAY_SIZE(reqs); i++) {
		err = ioctl(h->fd, reqs[i], arg) < 0 ? errno : 0;
		if (err != ENODEV) {
			fail("hammer: command %#lx after removal: %s, want ENODEV",
			     reqs[i], errname(err));
			return -EIO;
		}
	}
	err = -iotlb_msg(h->fd, 0, VHOST_IOTLB_UPDATE, HM_SLOT_IOVA, FZ_PAGE,
			 h->slots.va, VHOST_ACCESS_RW);
	p = mmap(NULL, FZ_PAGE, PROT_WRITE, MAP_SHARED, h->fd, 0);
	if (err == ENODEV && p == MAP_FAILED && errno == ENODEV)
		return 0;
	fail("hammer: after removal: IOTLB write %s, mmap %s; want ENODEV",
	     errname(err), p == MAP_FAILED ? errname(errno) : "mapped");
	if (p != MAP_FAILED)
		munmap(p, FZ_PAGE);
	return -EIO;
}

/* Wait for the threads to find the device gone, --timeout ms at most. */
static int hm_wait_removal(struct hammer *h, unsigned int threads)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	struct timespec deadline = hm_deadline(h->o->timeout_ms);

	while (!atomic_load(&h->stop) &&
	       (unsigned int)atomic_load(&h->gone) < threads) {
		if (hm_past(&deadline)) {
			fail("hammer: the device was not removed within %d ms",
			     h->o->timeout_ms);
			atomic_store(&h->stop, true);
			return -ETIMEDOUT;
		}
		nanosleep(&tick, NULL);
	}
	return atomic_load(&h->stop) ? -EIO : 0;
}

/* The child's exit status, waiting --timeout ms at most. */
static int hm_reap(struct hammer *h, pid_t child, bool removed)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	struct timespec deadline = hm_deadline(h->o->timeout_ms);
	int status = 0;

	while (waitpid(child, &status, WNOHANG) == 0) {
		if (!removed || hm_past(&deadline)) {
			kill(child, SIGKILL);
			waitpid(child, &status, 0);
			if (removed)
				fail("hammer: the child did not exit within %d ms",
				     h->o->timeout_ms);
			return removed ? -ETIMEDOUT : 0;
		}
		nanosleep(&tick, NULL);
	}
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return 0;
	fail("hammer: the child %s %d (want exit status 0: all ENODEV)",
	     WIFEXITED(status) ? "exited with" : "was killed by signal",
	     WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	return -EIO;
}

/* Start the device, map the doorbell, hand the descriptor to the child. */
static int hm_start(struct hammer *h, unsigned int threads, int sock)
{
	void *db;
	int r;

	r = net_open(&h->n, h->o);
	if (r)
		return r;
	h->fd = h->n->d.fd;
	r = region_create(&h->slots, threads * FZ_PAGE, HM_SLOT_IOVA, 0);
	if (r)
		return r;
	db = mmap(NULL, FZ_PAGE, PROT_WRITE, MAP_SHARED, h->fd, 0);
	if (db == MAP_FAILED)
		diag("hammer: no doorbell to write to (mmap: %s)",
		     errname(errno));
	else
		h->db = db;
	return hm_send_fd(sock, h->fd);
}

/* Start the threads, say "ready", wait for the removal, join them. */
static int hm_run(struct hammer *h, struct hm_thread *t, unsigned int threads)
{
	struct sigaction sa = { .sa_handler = hm_on_sigbus };
	unsigned int i, started;
	int r = -EIO;

	sigaction(SIGBUS, &sa, NULL);
	for (started = 0; started < threads; started++) {
		t[started].h = h;
		t[started].index = started;
		fz_rng_seed(&t[started].rng, started);
		if (pthread_create(&t[started].tid, NULL, hm_thread_main,
				   &t[started]))
			break;
	}
	if (started == threads) {
		printf("ready\n");
		fflush(stdout);
		r = hm_wait_removal(h, threads);
	} else {
		fail("hammer: pthread_create: %s", errname(errno));
		atomic_store(&h->stop, true);
	}
	for (i = 0; i < started; i++)
		pthread_join(t[i].tid, NULL);
	return r;
}

static int hm_child_start(const struct options *o, int sv[2], pid_t *child)
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		fail("hammer: socketpair: %s", errname(errno));
		return -EIO;
	}
	*child = fork();
	if (*child < 0) {
		fail("hammer: fork: %s", errname(errno));
		return -EIO;
	}
	if (!*child) {
		close(sv[0]);
		_exit(hm_child(o, sv[1]));
	}
	close(sv[1]);
	return 0;
}

/**
 * cmd_hammer() - the hammer subcommand
 * @o: the command line: --dev, --threads, --timeout
 *
 * Return: exit status.
 */
int cmd_hammer(const struct options *o)
{
	unsigned int threads = o->threads ? o->threads : HM_DEFAULT_THREADS;
	struct hm_thread *t = calloc(threads, sizeof(*t));
	struct hammer h = { .o = o, .fd = -1 };
	long pin0 = fz_vmpin_kb(), pin;
	int sv[2], r, rc;
	pid_t child;

	if (!t || pin0 < 0 || hm_child_start(o, sv, &child)) {
		free(t);
		return EXIT_FAIL;
	}
	r = hm_start(&h, threads, sv[0]);
	close(sv[0]);
	if (!r)
		r = hm_run(&h, t, threads);
	if (!r)
		r = hm_final(&h);
	/* Before the close below: the child holds the file open too. */
	rc = hm_reap(&h, child, !r);
	r = r ?: rc;
	if (h.db)
		munmap((void *)h.db, FZ_PAGE);
	net_close(h.n);
	region_destroy(&h.slots);
	pin = fz_vmpin_kb();
	if (!r && pin != pin0) {
		fail("hammer: VmPin %ld kB after close, %ld kB before", pin,
		     pin0);
		r = -EIO;
	}
	if (!r)
		diag("hammer: %lu ops before removal, ENODEV after",
		     (unsigned long)atomic_load(&h.ops));
	free(t);
	if (r == -EOPNOTSUPP)
		return EXIT_SKIP;
	return r ? EXIT_FAIL : 0;
}
