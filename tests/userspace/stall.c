// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa_user stall: a page fault that never completes must not hold up
 * the removal of the device, nor any netlink command.
 *
 * Four threads touch memory registered with userfaultfd, whose faults this
 * program answers only when it decides to:
 *   - an IOTLB update whose user range is such memory (the driver pins it);
 *   - VHOST_GET_VRING_BASE with its argument there (copied in);
 *   - VHOST_VDPA_SET_CONFIG with the config bytes there (copied in);
 *   - VHOST_VDPA_GET_CONFIG with the config bytes there (copied out).
 * Once all four are stuck in their faults, --exec CMD runs (the e2e script
 * passes "vdpa dev show; vdpa dev del NAME"): it must exit 0 within
 * --timeout.  Then the faults are answered and each thread must see what
 * a removed device gives: -ENODEV, except GET_CONFIG, which read the
 * config before the removal and only then stalled copying it out.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vdpa_user.h"

#define ST_THREADS	4

/**
 * struct stall - the shared state
 * @d: the device
 * @area: 2 * ST_THREADS pages: even ones ordinary, odd ones registered
 * @page: page size
 * @uffd: the userfaultfd
 * @ret: what each thread's call returned (0 or -errno)
 */
struct stall {
	struct vdev d;
	__u8 *area;
	size_t page;
	int uffd;
	int ret[ST_THREADS];
};

struct st_arg {
	struct stall *s;
	unsigned int i;
};

/* The registered (odd) page of thread @i. */
static void *st_trap(struct stall *s, unsigned int i)
{
	return s->area + (2 * i + 1) * s->page;
}

/* A config header at the end of the ordinary page before @i's trap. */
static struct vhost_vdpa_config *st_cfg_hdr(struct stall *s, unsigned int i)
{
	struct vhost_vdpa_config *c;

	c = (void *)((__u8 *)st_trap(s, i) - sizeof(*c));
	c->off = 0;
	c->len = s->d.config_size < 8 ? s->d.config_size : 8;
	return c;
}

static int st_call(struct stall *s, unsigned int i)
{
	switch (i) {
	case 0:
		return iotlb_msg(s->d.fd, 0, VHOST_IOTLB_UPDATE, IOVA_BASE,
				 s->page, st_trap(s, i), VHOST_ACCESS_RW);
	case 1:
		return ioctl(s->d.fd, VHOST_GET_VRING_BASE, st_trap(s, i)) ?
		       -errno : 0;
	case 2:
		return ioctl(s->d.fd, VHOST_VDPA_SET_CONFIG, st_cfg_hdr(s, i)) ?
		       -errno : 0;
	default:
		return ioctl(s->d.fd, VHOST_VDPA_GET_CONFIG, st_cfg_hdr(s, i)) ?
		       -errno : 0;
	}
}

static void *st_thread(void *p)
{
	struct st_arg *a = p;

	a->s->ret[a->i] = st_call(a->s, a->i);
	return NULL;
}

static int st_setup(struct stall *s)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	unsigned int i;

	s->page = sysconf(_SC_PAGESIZE);
	s->uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (s->uffd < 0 || ioctl(s->uffd, UFFDIO_API, &api)) {
		fail("userfaultfd: %s (the kernel needs CONFIG_USERFAULTFD)",
		     strerror(errno));
		return -1;
	}
	s->area = mmap(NULL, 2 * ST_THREADS * s->page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s->area == MAP_FAILED) {
		fail("mmap: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < ST_THREADS; i++) {
		memset(s->area + 2 * i * s->page, 0, s->page);
		reg.range.start = (unsigned long)st_trap(s, i);
		reg.range.len = s->page;
		if (ioctl(s->uffd, UFFDIO_REGISTER, &reg)) {
			fail("UFFDIO_REGISTER: %s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Wait until @n faults are reported; returns 0 or -1 after @ms. */
static int st_wait_faults(struct stall *s, unsigned int n, int ms)
{
	struct pollfd p = { .fd = s->uffd, .events = POLLIN };
	struct uffd_msg m;
	unsigned int seen = 0;

	while (seen < n) {
		if (poll(&p, 1, ms) <= 0) {
			fail("only %u of %u calls reached their page fault",
			     seen, n);
			return -1;
		}
		if (read(s->uffd, &m, sizeof(m)) != sizeof(m))
			continue;
		if (m.event == UFFD_EVENT_PAGEFAULT)
			seen++;
	}
	diag("all %u calls are stalled in a page fault", n);
	return 0;
}

static long st_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/*
 * Run @cmd; 0 if it exited 0 within @ms. A child still running then is
 * left in *@pid, for the caller to reap once the faults are answered.
 */
static int st_exec(const char *cmd, int ms, pid_t *pid)
{
	long start = st_now_ms();
	int status;

	*pid = fork();
	if (*pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	while (waitpid(*pid, &status, WNOHANG) == 0) {
		if (st_now_ms() - start > ms) {
			fail("'%s' still runs after %d ms: blocked by a stalled fault",
			     cmd, ms);
			return -1;
		}
		usleep(10000);
	}
	*pid = 0;
	diag("'%s' took %ld ms", cmd, st_now_ms() - start);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fail("'%s' failed (status %#x)", cmd, status);
		return -1;
	}
	return 0;
}

/* Answer every fault with a zero page, so the stalled calls go on. */
static void st_release(struct stall *s)
{
	struct uffdio_zeropage z = { };
	unsigned int i;

	for (i = 0; i < ST_THREADS; i++) {
		z.range.start = (unsigned long)st_trap(s, i);
		z.range.len = s->page;
		if (ioctl(s->uffd, UFFDIO_ZEROPAGE, &z) && errno != EEXIST)
			fail("UFFDIO_ZEROPAGE: %s", strerror(errno));
	}
}

static int st_check(const struct stall *s)
{
	static const char *const what[ST_THREADS] = {
		"IOTLB update (pin)", "GET_VRING_BASE (copy in)",
		"SET_CONFIG (copy in)", "GET_CONFIG (copy out)",
	};
	static const int want[ST_THREADS] = { -ENODEV, -ENODEV, -ENODEV, 0 };
	unsigned int i;
	int bad = 0;

	for (i = 0; i < ST_THREADS; i++) {
		if (s->ret[i] == want[i]) {
			diag("%s: %s after the removal", what[i],
			     errname(s->ret[i]));
			continue;
		}
		fail("%s returned %s, want %s", what[i], errname(s->ret[i]),
		     errname(want[i]));
		bad = 1;
	}
	return bad;
}

/**
 * cmd_stall() - the stall subcommand
 * @o: options: --dev, --exec (required), --timeout
 *
 * Return: exit status.
 */
int cmd_stall(const struct options *o)
{
	struct st_arg args[ST_THREADS];
	pthread_t th[ST_THREADS];
	struct stall s = { .uffd = -1 };
	unsigned int i;
	pid_t pid = 0;
	int bad;

	if (!o->exec) {
		fail("stall: --exec CMD is required");
		return EXIT_USAGE;
	}
	if (vdev_open(&s.d, o->dev) ||
	    vdev_backend(&s.d, BIT64(VHOST_BACKEND_F_IOTLB_MSG_V2)) ||
	    st_setup(&s))
		return EXIT_FAIL;
	for (i = 0; i < ST_THREADS; i++) {
		args[i] = (struct st_arg){ .s = &s, .i = i };
		if (pthread_create(&th[i], NULL, st_thread, &args[i])) {
			fail("pthread_create failed");
			return EXIT_FAIL;
		}
	}
	bad = st_wait_faults(&s, ST_THREADS, o->timeout_ms);
	if (!bad)
		bad = st_exec(o->exec, o->timeout_ms, &pid);
	st_release(&s);
	for (i = 0; i < ST_THREADS; i++)
		pthread_join(th[i], NULL);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	bad |= st_check(&s);
	vdev_close(&s.d);
	close(s.uffd);
	munmap(s.area, 2 * ST_THREADS * s.page);
	return bad ? EXIT_FAIL : 0;
}
