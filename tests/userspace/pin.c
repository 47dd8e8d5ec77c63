// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa_user: pin-check, pinned memory is accounted and given back when
 * the device is closed in the middle of traffic.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "net.h"

/**
 * vm_read() - read VmPin and VmLck of this process
 * @v: filled in
 *
 * Return: 0 or -errno (reported when the lines are missing).
 */
int vm_read(struct vm_kb *v)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	v->pin = -1;
	v->lck = -1;
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "VmPin: %ld", &v->pin) != 1)
			(void)!sscanf(line, "VmLck: %ld", &v->lck);
	}
	fclose(f);
	if (v->pin < 0 || v->lck < 0) {
		fail("no VmPin/VmLck in /proc/self/status");
		return -EIO;
	}
	return 0;
}

/**
 * pin_memlock_set() - set the RLIMIT_MEMLOCK soft limit
 * @bytes: the limit (RLIM_INFINITY for none); the hard limit is raised
 *	   to it if needed (root may)
 *
 * Return: 0 or -errno (reported).
 */
int pin_memlock_set(unsigned long long bytes)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_MEMLOCK, &rl))
		return -errno;
	if (rl.rlim_max != RLIM_INFINITY && bytes > rl.rlim_max)
		rl.rlim_max = bytes;
	rl.rlim_cur = bytes;
	if (setrlimit(RLIMIT_MEMLOCK, &rl)) {
		int err = -errno;

		fail("setrlimit(RLIMIT_MEMLOCK, %llu): %s",
		     (unsigned long long)bytes, errname(err));
		return err;
	}
	return 0;
}

/**
 * pin_ipc_lock() - put CAP_IPC_LOCK in or out of the effective set
 * @on: put it in (it must be permitted), else drop it
 *
 * Root keeps CAP_IPC_LOCK otherwise, and a driver may let its holders pin
 * past RLIMIT_MEMLOCK.
 *
 * Return: 0 or -errno (reported).
 */
int pin_ipc_lock(bool on)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct c[_LINUX_CAPABILITY_U32S_3];
	__u32 *eff = &c[CAP_TO_INDEX(CAP_IPC_LOCK)].effective;

	if (syscall(SYS_capget, &h, c))
		return -errno;
	if (on)
		*eff |= CAP_TO_MASK(CAP_IPC_LOCK);
	else
		*eff &= ~CAP_TO_MASK(CAP_IPC_LOCK);
	if (syscall(SYS_capset, &h, c)) {
		int err = -errno;

		fail("capset %s CAP_IPC_LOCK: %s", on ? "with" : "without",
		     errname(err));
		return err;
	}
	return 0;
}

/*
 * With the device pinning pages, a mapping past RLIMIT_MEMLOCK must be
 * refused (CAP_IPC_LOCK dropped first) and leave VmPin as it was.
 */
static int over_limit(struct net *n, const struct vm_kb *now)
{
	struct region big;
	struct vm_kb after;
	int r, e = 0;

	r = pin_ipc_lock(false);
	if (!r)
		r = region_create(&big, 4 << 20, IOVA_BASE + (2ULL << 32), 0);
	if (r)
		return r;
	r = pin_memlock_set(((rlim_t)now->pin << 10) + (1 << 20));
	if (!r)
		e = iotlb_msg(n->d.fd, 0, VHOST_IOTLB_UPDATE, big.iova,
			      big.len, big.va, VHOST_ACCESS_RW);
	if (!r)
		r = pin_memlock_set(RLIM_INFINITY);
	if (!r)
		r = vm_read(&after);
	region_destroy(&big);
	if (r)
		return r;
	diag("pin: 4 MiB past RLIMIT_MEMLOCK: %s, VmPin %ld -> %ld kB",
	     errname(e), now->pin, after.pin);
	if (!e || after.pin != now->pin) {
		fail("pin: mapping past RLIMIT_MEMLOCK %s",
		     e ? "changed VmPin" : "succeeded");
		return -EIO;
	}
	return 0;
}

/* Map o->mbytes MiB; VmPin must grow by all mapped memory or not at all. */
static int map_big(struct net *n, struct region *big, const struct vm_kb *v0,
		   bool *pins)
{
	long mapped_kb;
	struct vm_kb v;
	int r;

	r = region_create(big, (size_t)n->o->mbytes << 20,
			  IOVA_BASE + (1ULL << 32), 0);
	if (!r)
		r = region_map(&n->d, big, 4);
	if (!r)
		r = vm_read(&v);
	if (r)
		return r;
	mapped_kb = (long)((n->mem.len + big->len) >> 10);
	*pins = v.pin != v0->pin;
	diag("pin: %zu kB mapped, VmPin %ld -> %ld kB, VmLck %ld -> %ld kB",
	     (size_t)mapped_kb, v0->pin, v.pin, v0->lck, v.lck);
	if (*pins && v.pin - v0->pin != mapped_kb) {
		fail("pin: VmPin grew by %ld kB, %ld kB are mapped",
		     v.pin - v0->pin, mapped_kb);
		return -EIO;
	}
	if (!*pins)
		diag("pin: the device maps by VA, nothing pinned");
	return *pins ? over_limit(n, &v) : 0;
}

static int reopen_dev(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		fail("pin: reopen of %s after close: %s", path, errname(errno));
		return -errno;
	}
	close(fd);
	return 0;
}

/**
 * cmd_pin_check() - the pin-check subcommand
 * @o: the command line
 *
 * Return: exit status.
 */
int cmd_pin_check(const struct options *o)
{
	struct region big = { 0 };
	struct vm_kb v0, v1;
	struct net *n = NULL;
	bool pins = false;
	int r, sent = 0;

	r = pin_memlock_set(RLIM_INFINITY);
	if (!r)
		r = vm_read(&v0);
	if (!r)
		r = net_open(&n, o);
	if (!r)
		r = map_big(n, &big, &v0, &pins);
	if (!r)
		sent = net_send(n, o->frames);
	if (sent < 0)
		r = sent;
	net_close(n);
	region_destroy(&big);
	if (!r)
		r = vm_read(&v1);
	if (!r)
		diag("pin: closed, %d frames in flight: VmPin %ld kB, VmLck %ld kB (was %ld, %ld)",
		     sent, v1.pin, v1.lck, v0.pin, v0.lck);
	if (!r && (v1.pin != v0.pin || v1.lck != v0.lck)) {
		fail("pin: VmPin/VmLck not back to their values before");
		r = -EIO;
	}
	if (!r)
		r = reopen_dev(o->dev);
	if (!r)
		diag("pin-check: %s, all given back on close", pins ?
		     "pages pinned and accounted" : "nothing pinned (VA)");
	if (r == -EOPNOTSUPP)
		return EXIT_SKIP;
	return r ? EXIT_FAIL : 0;
}
