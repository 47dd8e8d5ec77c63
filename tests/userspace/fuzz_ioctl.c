// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa_user: fuzz, the commands: device commands, queue commands, config
 * space accesses and unknown commands, each table entry with the outcomes
 * drivers/vhost_vdpa (ioctl.c, vring.c) can give it on the simulator.
 *
 * Whatever the argument (this is the "allowed" column; ok is always in):
 *
 *   VHOST_SET_OWNER                   EBUSY
 *   VHOST_GET_BACKEND_FEATURES        EFAULT
 *   VHOST_SET_BACKEND_FEATURES        EFAULT EOPNOTSUPP EINVAL ENOMEM ENOSPC
 *   VHOST_VDPA_GET_DEVICE_ID          EFAULT
 *   VHOST_VDPA_GET_STATUS             EFAULT
 *   VHOST_VDPA_SET_STATUS             EFAULT EINVAL ENOMEM ENOSPC
 *   VHOST_VDPA_GET_CONFIG, _SET_CONFIG  EFAULT EINVAL E2BIG ENOMEM
 *   VHOST_GET_FEATURES                EFAULT
 *   VHOST_SET_FEATURES                EFAULT EBUSY EINVAL EPERM ENOMEM
 *   VHOST_SET_LOG_BASE                EFAULT EPERM ENOMEM ENOTTY
 *   VHOST_SET_LOG_FD                  EFAULT EBADF EINVAL EPERM ENOTTY
 *   VHOST_VDPA_GET_VRING_NUM, _GET_GROUP_NUM, _GET_AS_NUM,
 *   _GET_CONFIG_SIZE, _GET_VQS_COUNT, _GET_IOVA_RANGE  EFAULT
 *   VHOST_VDPA_SET_CONFIG_CALL        EFAULT EBADF EINVAL
 *   VHOST_VDPA_SUSPEND, _RESUME       EOPNOTSUPP
 *   VHOST_SET_FORK_FROM_OWNER         EFAULT EBUSY EINVAL
 *   VHOST_GET_FORK_FROM_OWNER         EFAULT
 *   queue commands                    EFAULT EPERM ENOBUFS, and:
 *     VHOST_SET_VRING_NUM             EINVAL
 *     VHOST_SET_VRING_ADDR            EINVAL EOPNOTSUPP ENOMEM
 *     VHOST_SET_VRING_BASE            EINVAL EBUSY
 *     VHOST_GET_VRING_BASE            -
 *     VHOST_SET_VRING_KICK, _CALL, _ERR  EBADF EINVAL
 *     VHOST_VDPA_SET_VRING_ENABLE     -
 *     VHOST_VDPA_GET_VRING_GROUP      EOPNOTSUPP
 *     VHOST_VDPA_GET_VRING_DESC_GROUP EOPNOTSUPP
 *     VHOST_VDPA_SET_GROUP_ASID       EINVAL EOPNOTSUPP
 *     VHOST_VDPA_GET_VRING_SIZE       EOPNOTSUPP
 *     VHOST_SET/GET_VRING_BUSYLOOP_TIMEOUT  -
 *   unknown commands                  ENOTTY only
 *
 * ENOMEM and ENOSPC with SET_BACKEND_FEATURES and SET_STATUS come from
 * ending a batch (the table is committed to a set_map parent); ENOMEM
 * with SET_FEATURES, SET_LOG_BASE and SET_VRING_ADDR from pinning the
 * dirty log past RLIMIT_MEMLOCK, and EPERM from starting to log as
 * another process than the owner.  Log bases are 0, addresses in a
 * dedicated area (its own VMA: the kernel never sets bits past it) or
 * bad pointers, never the fuzzer's own memory.  ENODEV is
 * never allowed: the device is not removed while the fuzzer runs.  EIO
 * (a parent reporting a group beyond its count) is not either.
 *
 * With a readable argument the predict functions narrow the set down:
 * EFAULT goes, a queue command of a process that is not the owner is
 * EPERM and one with an index beyond the queues ENOBUFS, and each command
 * keeps only the outcomes its argument and the model leave possible.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "fuzz.h"

#define FZ_NO_KONST ((size_t)-1)
#define FZ_K(member) offsetof(struct fz_dev, member)

/* --- device commands ------------------------------------------------ */

/**
 * struct fz_dev_ioctl - a device command
 * @weight: how often it is picked (first member: see fz_pick())
 * @name: the request's name
 * @req: the request
 * @len: size of its argument (0: none, the pointer is ignored)
 * @allowed: its outcomes whatever the argument (FA() bits)
 * @konst: offset in struct fz_dev of what it must read back, or
 *	   FZ_NO_KONST
 * @gen: fills in the value to pass (NULL: zeros)
 * @predict: the outcomes left for a readable argument (NULL: all but
 *	     EFAULT; EFAULT only if it names it: a pin in the argument's
 *	     memory)
 * @after: updates the model with the outcome (NULL: nothing to update)
 */
struct fz_dev_ioctl {
	unsigned int weight;
	const char *name;
	unsigned long req;
	size_t len;
	unsigned int allowed;
	size_t konst;
	void (*gen)(struct fuzz *f, void *arg);
	unsigned int (*predict)(const struct fuzz *f, const void *arg);
	void (*after)(struct fuzz *f, const void *arg, int err);
};

static unsigned int fz_p_owner(const struct fuzz *f, const void *arg)
{
	(void)arg;
	return f->owned ? FA(EBUSY) : FA(OK);
}

static void fz_a_owner(struct fuzz *f, const void *arg, int err)
{
	(void)arg;
	if (!err)
		f->owned = true;
}

static void fz_g_backend(struct fuzz *f, void *arg)
{
	__u64 v2 = BIT64(VHOST_BACKEND_F_IOTLB_MSG_V2);
	__u64 off = f->k.backend_offered, *v = arg;

	switch (fz_below(f, 5)) {
	case 0:
		*v = off & fz_rand(f);
		break;
	case 1:
		*v = v2 | (off & fz_rand(f));
		break;
	case 2:
		*v = off | BIT64(fz_below(f, 64));
		break;
	case 3:
		*v = v2 | BIT64(VHOST_BACKEND_F_DESC_ASID);
		break;
	default:
		*v = off & (v2 | BIT64(VHOST_BACKEND_F_IOTLB_BATCH) |
			    BIT64(VHOST_BACKEND_F_IOTLB_ASID));
		break;
	}
}

static unsigned int fz_p_backend(const struct fuzz *f, const void *arg)
{
	__u64 v = *(const __u64 *)arg;

	if (v & ~f->k.backend_offered)
		return FA(EOPNOTSUPP);
	if ((v & BIT64(VHOST_BACKEND_F_DESC_ASID)) &&
	    !(v & BIT64(VHOST_BACKEND_F_IOTLB_ASID)))
		return FA(EINVAL);
	/* Clearing IOTLB_BATCH in a batch ends it: the table is committed. */
	if (f->in_batch && !(v & BIT64(VHOST_BACKEND_F_IOTLB_BATCH)))
		return FA(OK) | FA_COMMIT;
	return FA(OK);
}

static void fz_a_backend(struct fuzz *f, const void *arg, int err)
{
	__u64 v = *(const __u64 *)arg;

	if (err && !(FA_COMMIT & BIT(fz_err_index(err))))
		return;
	f->backend = v;
	if (!(v & BIT64(VHOST_BACKEND_F_IOTLB_BATCH)))
		f->in_batch = false;
}

static void fz_g_status(struct fuzz *f, void *arg)
{
	static const __u8 steps[] = {
		0, 0x1, 0x3, 0xb, 0xf, 0x7, 0x4f, 0x80, 0x8f,
	};

	*(__u8 *)arg = fz_chance(f, 6) ? (__u8)fz_rand(f) :
					 steps[fz_below(f, ARRAY_SIZE(steps))];
}

static unsigned int fz_p_status(const struct fuzz *f, const void *arg)
{
	/* Any status but 0 may clear a bit: EINVAL. 0 resets. */
	if (*(const __u8 *)arg)
		return FA(OK) | FA(EINVAL);
	return FA(OK) | (f->in_batch ? FA_COMMIT : 0);
}

static void fz_a_status(struct fuzz *f, const void *arg, int err)
{
	/* A reset ends the batch, even if committing it fails. */
	if (!*(const __u8 *)arg && err != EFAULT)
		f->in_batch = false;
}

static void fz_g_features(struct fuzz *f, void *arg)
{
	__u64 off = f->k.offered, *v = arg;

	switch (fz_below(f, 5)) {
	case 0:
		*v = off & fz_rand(f);
		break;
	case 1:
		*v = off & (BIT64(VIRTIO_F_VERSION_1) |
			    BIT64(VIRTIO_F_ACCESS_PLATFORM));
		break;
	case 2:
		*v = off | BIT64(fz_below(f, 64));
		break;
	case 3:
		*v = fz_rand(f);
		break;
	default:
		*v = off;
		break;
	}
}

static unsigned int fz_p_features(const struct fuzz *f, const void *arg)
{
	/* EBUSY (after FEATURES_OK) is checked before the bits. */
	if (*(const __u64 *)arg & ~f->k.offered)
		return FA(EBUSY) | FA(EINVAL);
	/* VHOST_F_LOG_ALL pins the log when it starts logging. */
	return FA(OK) | FA(EBUSY) | FA(EPERM) | FA(ENOMEM) | FA(EFAULT);
}

#define FZ_LOG_LEN	(16 * FZ_PAGE)

/* A log area between two PROT_NONE pages: a VMA of its own. */
static char *fz_log_area(void)
{
	static char *area;
	char *p;

	if (area)
		return area;
	p = mmap(NULL, FZ_LOG_LEN + 2 * FZ_PAGE, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED ||
	    mprotect(p + FZ_PAGE, FZ_LOG_LEN, PROT_READ | PROT_WRITE))
		return NULL;
	area = p + FZ_PAGE;
	return area;
}

static void fz_g_log_base(struct fuzz *f, void *arg)
{
	char *area = fz_log_area();
	__u64 *v = arg;

	switch (fz_below(f, 5)) {
	case 0:
		*v = 0;
		break;
	case 1:
		*v = FZ_KERNEL_PTR + fz_below(f, 1 << 20);
		break;
	case 2:	/* the guard page */
		*v = area ? (__u64)(unsigned long)(area - FZ_PAGE) : 0;
		break;
	default:
		*v = area ? (__u64)(unsigned long)area +
			    fz_below(f, FZ_LOG_LEN) : 0;
		break;
	}
}

/* ENOTTY first: a parent that cannot log knows no log command. */
static unsigned int fz_p_log_base(const struct fuzz *f, const void *arg)
{
	(void)arg;
	if (!(f->k.offered & BIT64(VHOST_F_LOG_ALL)))
		return FA(ENOTTY);
	if (!f->owned)
		return FA(EPERM);
	return FA(OK) | FA(EFAULT) | FA(ENOMEM);
}

static unsigned int fz_p_log_fd(const struct fuzz *f, const void *arg)
{
	if (!(f->k.offered & BIT64(VHOST_F_LOG_ALL)))
		return FA(ENOTTY);
	if (!f->owned)
		return FA(EPERM);
	return fz_fd_mask(f, *(const int *)arg);
}

static void fz_a_features(struct fuzz *f, const void *arg, int err)
{
	if (!err)
		f->features = *(const __u64 *)arg;
}

static void fz_g_fd(struct fuzz *f, void *arg)
{
	*(int *)arg = fz_fd(f);
}

static unsigned int fz_p_fd(const struct fuzz *f, const void *arg)
{
	return fz_fd_mask(f, *(const int *)arg);
}

/* The simulator suspends and resumes whenever it offers to. */
static unsigned int fz_p_suspend(const struct fuzz *f, const void *arg)
{
	(void)arg;
	return f->k.backend_offered & BIT64(VHOST_BACKEND_F_SUSPEND) ?
	       FA(OK) : FA(EOPNOTSUPP);
}

static unsigned int fz_p_resume(const struct fuzz *f, const void *arg)
{
	(void)arg;
	return f->k.backend_offered & BIT64(VHOST_BACKEND_F_RESUME) ?
	       FA(OK) : FA(EOPNOTSUPP);
}

static void fz_g_fork(struct fuzz *f, void *arg)
{
	static const __u8 modes[] = {
		VHOST_FORK_OWNER_KTHREAD, VHOST_FORK_OWNER_TASK, 2, 0xff,
	};

	*(__u8 *)arg = modes[fz_below(f, ARRAY_SIZE(modes))];
}

static unsigned int fz_p_fork(const struct fuzz *f, const void *arg)
{
	__u8 mode = *(const __u8 *)arg;

	if (f->owned)
		return FA(EBUSY);
	return mode == VHOST_FORK_OWNER_KTHREAD ||
	       mode == VHOST_FORK_OWNER_TASK ? FA(OK) : FA(EINVAL);
}

#define FZ_GET(w, req, len, konst) \
	{ w, #req, req, len, FA(EFAULT), konst, NULL, NULL, NULL }

static const struct fz_dev_ioctl fz_dev_ioctls[] = {
	{ 3, "VHOST_SET_OWNER", VHOST_SET_OWNER, 0, FA(EBUSY), FZ_NO_KONST,
	  NULL, fz_p_owner, fz_a_owner },
	FZ_GET(1, VHOST_GET_BACKEND_FEATURES, 8, FZ_K(backend_offered)),
	{ 4, "VHOST_SET_BACKEND_FEATURES", VHOST_SET_BACKEND_FEATURES, 8,
	  FA(EFAULT) | FA(EOPNOTSUPP) | FA(EINVAL) | FA_COMMIT, FZ_NO_KONST,
	  fz_g_backend, fz_p_backend, fz_a_backend },
	FZ_GET(1, VHOST_VDPA_GET_DEVICE_ID, 4, FZ_K(device_id)),
	FZ_GET(3, VHOST_VDPA_GET_STATUS, 1, FZ_NO_KONST),
	{ 8, "VHOST_VDPA_SET_STATUS", VHOST_VDPA_SET_STATUS, 1,
	  FA(EFAULT) | FA(EINVAL) | FA_COMMIT, FZ_NO_KONST,
	  fz_g_status, fz_p_status, fz_a_status },
	FZ_GET(1, VHOST_GET_FEATURES, 8, FZ_K(offered)),
	{ 4, "VHOST_SET_FEATURES", VHOST_SET_FEATURES, 8,
	  FA(EFAULT) | FA(EBUSY) | FA(EINVAL) | FA(EPERM) | FA(ENOMEM),
	  FZ_NO_KONST,
	  fz_g_features, fz_p_features, fz_a_features },
	{ 2, "VHOST_SET_LOG_BASE", VHOST_SET_LOG_BASE, 8,
	  FA(EFAULT) | FA(EPERM) | FA(ENOMEM) | FA(ENOTTY), FZ_NO_KONST,
	  fz_g_log_base, fz_p_log_base, NULL },
	{ 1, "VHOST_SET_LOG_FD", VHOST_SET_LOG_FD, 4,
	  FA(EFAULT) | FA(EBADF) | FA(EINVAL) | FA(EPERM) | FA(ENOTTY),
	  FZ_NO_KONST, fz_g_fd, fz_p_log_fd, NULL },
	FZ_GET(1, VHOST_VDPA_GET_VRING_NUM, 2, FZ_K(vq_num_max)),
	FZ_GET(1, VHOST_VDPA_GET_GROUP_NUM, 4, FZ_K(ngroups)),
	FZ_GET(1, VHOST_VDPA_GET_AS_NUM, 4, FZ_K(nas)),
	FZ_GET(1, VHOST_VDPA_GET_CONFIG_SIZE, 4, FZ_K(config_size)),
	FZ_GET(1, VHOST_VDPA_GET_VQS_COUNT, 4, FZ_K(nvqs)),
	FZ_GET(1, VHOST_VDPA_GET_IOVA_RANGE, 16, FZ_K(range)),
	{ 3, "VHOST_VDPA_SET_CONFIG_CALL", VHOST_VDPA_SET_CONFIG_CALL, 4,
	  FA(EFAULT) | FA(EBADF) | FA(EINVAL), FZ_NO_KONST,
	  fz_g_fd, fz_p_fd, NULL },
	{ 2, "VHOST_VDPA_SUSPEND", VHOST_VDPA_SUSPEND, 0, FA(EOPNOTSUPP),
	  FZ_NO_KONST, NULL, fz_p_suspend, NULL },
	{ 2, "VHOST_VDPA_RESUME", VHOST_VDPA_RESUME, 0, FA(EOPNOTSUPP),
	  FZ_NO_KONST, NULL, fz_p_resume, NULL },
	{ 1, "VHOST_SET_FORK_FROM_OWNER", VHOST_SET_FORK_FROM_OWNER, 1,
	  FA(EFAULT) | FA(EBUSY) | FA(EINVAL), FZ_NO_KONST,
	  fz_g_fork, fz_p_fork, NULL },
	FZ_GET(1, VHOST_GET_FORK_FROM_OWNER, 1, FZ_NO_KONST),
};

/* Up to the first 8 bytes of an argument, for messages. */
static unsigned long long fz_arg_value(const void *arg, size_t len)
{
	__u64 v = 0;

	memcpy(&v, arg, len < sizeof(v) ? len : sizeof(v));
	return v;
}

static void fz_run_dev(struct fuzz *f, const struct fz_dev_ioctl *d)
{
	unsigned int allowed = FA(OK) | d->allowed;
	__u8 arg[16] = { 0 };
	enum fz_ptr kind;
	void *p;
	int err;

	if (d->gen)
		d->gen(f, arg);
	p = fz_place(f, arg, d->len, &kind);
	/* EFAULT stays only where the predict function names it (a pin) */
	if (!d->len || fz_readable(kind))
		allowed &= d->predict ? d->predict(f, arg) : ~FA(EFAULT);
	fz_what(f, "%s %#llx%s", d->name, fz_arg_value(arg, d->len),
		d->len ? fz_ptr_name(kind) : "");
	err = fz_ioctl(f, d->req, p, allowed);
	if (d->after)
		d->after(f, arg, err);
	if (err || !d->len || !fz_readable(kind) || d->konst == FZ_NO_KONST ||
	    !memcmp(p, (const __u8 *)&f->k + d->konst, d->len))
		return;
	fail("fuzz seed %llu op %lu: %s read %#llx, %#llx at open",
	     (unsigned long long)f->o->seed, f->op, d->name,
	     fz_arg_value(p, d->len),
	     fz_arg_value((const __u8 *)&f->k + d->konst, d->len));
	f->failed = true;
}

/* One device command. */
void fz_op_dev(struct fuzz *f)
{
	fz_run_dev(f, &fz_dev_ioctls[fz_pick(f, fz_dev_ioctls,
					     ARRAY_SIZE(fz_dev_ioctls),
					     sizeof(fz_dev_ioctls[0]))]);
}

/* --- queue commands ------------------------------------------------- */

/* The argument of a queue command; all start with the index. */
union fz_vring_arg {
	struct vhost_vring_state s;
	struct vhost_vring_file fl;
	struct vhost_vring_addr addr;
};

enum fz_vkind { FV_STATE, FV_FILE, FV_ADDR };

/**
 * struct fz_vring_ioctl - a queue command
 * @weight: how often it is picked (first member: see fz_pick())
 * @name: the request's name
 * @req: the request
 * @kind: its argument structure
 * @allowed: its outcomes besides those of every queue command
 * @num: FV_STATE: the value of .num (NULL: random)
 * @predict: the outcomes left for a readable argument with the index in
 *	     range, in an owned device (NULL: @allowed and ok)
 * @out: it writes back a struct vhost_vring_state: check it
 */
struct fz_vring_ioctl {
	unsigned int weight;
	const char *name;
	unsigned long req;
	enum fz_vkind kind;
	unsigned int allowed;
	__u32 (*num)(struct fuzz *f);
	unsigned int (*predict)(const struct fuzz *f, const void *arg);
	bool out;
};

static unsigned int fz_log2(__u32 v)
{
	return v ? 31 - __builtin_clz(v) : 0;
}

static __u32 fz_n_ring(struct fuzz *f)
{
	__u32 max = f->k.vq_num_max;

	switch (fz_below(f, 10)) {
	case 0:
		return 0;
	case 1:
		return 3 + 2 * fz_below(f, 100);	/* odd: no power of 2 */
	case 2:
		return max * 2;
	case 3:
		return 0xffffffffU - fz_below(f, 2);
	case 4:
		return 1U << (16 + fz_below(f, 16));
	default:
		return 1U << fz_below(f, fz_log2(max) + 1);
	}
}

static __u32 fz_n_base(struct fuzz *f)
{
	switch (fz_below(f, 4)) {
	case 0:
		return 0;
	case 1:
		return fz_below(f, 0x10000);
	case 2:
		return 0x10000 + fz_below(f, 0x10000);
	default:
		return fz_rand(f);
	}
}

static __u32 fz_n_enable(struct fuzz *f)
{
	switch (fz_below(f, 4)) {
	case 0:
		return 0;
	case 1:
		return fz_rand(f);
	default:
		return 1;
	}
}

static __u32 fz_n_asid(struct fuzz *f)
{
	switch (fz_below(f, 4)) {
	case 0:
		return 0;
	case 1:
		return fz_below(f, f->k.nas);
	case 2:
		return f->k.nas;
	default:
		return fz_rand(f);
	}
}

static unsigned int fz_p_num(const struct fuzz *f, const void *arg)
{
	__u32 n = ((const struct vhost_vring_state *)arg)->num;

	/* A valid size is still EINVAL while the device runs. */
	return n && n <= f->k.vq_num_max && !(n & (n - 1)) ?
	       FA(OK) | FA(EINVAL) : FA(EINVAL);
}

static unsigned int fz_p_addr(const struct fuzz *f, const void *arg)
{
	(void)f;
	const struct vhost_vring_addr *a = arg;

	if (a->flags & ~BIT(VHOST_VRING_F_LOG))
		return FA(EOPNOTSUPP);
	if ((a->avail_user_addr & (VRING_AVAIL_ALIGN_SIZE - 1)) ||
	    (a->used_user_addr & (VRING_USED_ALIGN_SIZE - 1)) ||
	    (a->log_guest_addr & (VRING_USED_ALIGN_SIZE - 1)))
		return FA(EINVAL);
	/* EINVAL while the device runs; ENOMEM: growing the dirty log */
	return FA(OK) | FA(EINVAL) | FA(ENOMEM);
}

static unsigned int fz_p_base(const struct fuzz *f, const void *arg)
{
	__u32 n = ((const struct vhost_vring_state *)arg)->num;

	if (!(f->features & BIT64(VIRTIO_F_RING_PACKED)) && n > 0xffff)
		return FA(EINVAL);
	return FA(OK) | FA(EINVAL) | FA(EBUSY);
}

static unsigned int fz_p_file(const struct fuzz *f, const void *arg)
{
	return fz_fd_mask(f, ((const struct vhost_vring_file *)arg)->fd);
}

static unsigned int fz_p_desc_group(const struct fuzz *f, const void *arg)
{
	(void)arg;
	if (!(f->backend & BIT64(VHOST_BACKEND_F_DESC_ASID)))
		return FA(EOPNOTSUPP);
	return FA(OK) | FA(EOPNOTSUPP);
}

static unsigned int fz_p_group_asid(const struct fuzz *f, const void *arg)
{
	const struct vhost_vring_state *s = arg;

	if (s->index >= f->k.ngroups || s->num >= f->k.nas)
		return FA(EINVAL);
	return FA(OK) | FA(EOPNOTSUPP);
}

static const struct fz_vring_ioctl fz_vring_ioctls[] = {
	{ 4, "VHOST_SET_VRING_NUM", VHOST_SET_VRING_NUM, FV_STATE,
	  FA(EINVAL), fz_n_ring, fz_p_num, false },
	{ 4, "VHOST_SET_VRING_ADDR", VHOST_SET_VRING_ADDR, FV_ADDR,
	  FA(EINVAL) | FA(EOPNOTSUPP) | FA(ENOMEM), NULL, fz_p_addr, false },
	{ 3, "VHOST_SET_VRING_BASE", VHOST_SET_VRING_BASE, FV_STATE,
	  FA(EINVAL) | FA(EBUSY), fz_n_base, fz_p_base, false },
	{ 3, "VHOST_GET_VRING_BASE", VHOST_GET_VRING_BASE, FV_STATE, 0, NULL,
	  NULL, true },
	{ 3, "VHOST_SET_VRING_KICK", VHOST_SET_VRING_KICK, FV_FILE,
	  FA(EBADF) | FA(EINVAL), NULL, fz_p_file, false },
	{ 3, "VHOST_SET_VRING_CALL", VHOST_SET_VRING_CALL, FV_FILE,
	  FA(EBADF) | FA(EINVAL), NULL, fz_p_file, false },
	{ 2, "VHOST_SET_VRING_ERR", VHOST_SET_VRING_ERR, FV_FILE,
	  FA(EBADF) | FA(EINVAL), NULL, fz_p_file, false },
	{ 4, "VHOST_VDPA_SET_VRING_ENABLE", VHOST_VDPA_SET_VRING_ENABLE,
	  FV_STATE, 0, fz_n_enable, NULL, false },
	{ 2, "VHOST_VDPA_GET_VRING_GROUP", VHOST_VDPA_GET_VRING_GROUP,
	  FV_STATE, FA(EOPNOTSUPP), NULL, NULL, true },
	{ 1, "VHOST_VDPA_GET_VRING_DESC_GROUP",
	  VHOST_VDPA_GET_VRING_DESC_GROUP, FV_STATE, FA(EOPNOTSUPP), NULL,
	  fz_p_desc_group, true },
	{ 2, "VHOST_VDPA_SET_GROUP_ASID", VHOST_VDPA_SET_GROUP_ASID, FV_STATE,
	  FA(EINVAL) | FA(EOPNOTSUPP), fz_n_asid, fz_p_group_asid, false },
	{ 1, "VHOST_VDPA_GET_VRING_SIZE", VHOST_VDPA_GET_VRING_SIZE, FV_STATE,
	  FA(EOPNOTSUPP), NULL, NULL, true },
	{ 1, "VHOST_SET_VRING_BUSYLOOP_TIMEOUT",
	  VHOST_SET_VRING_BUSYLOOP_TIMEOUT, FV_STATE, 0, NULL, NULL, false },
	{ 1, "VHOST_GET_VRING_BUSYLOOP_TIMEOUT",
	  VHOST_GET_VRING_BUSYLOOP_TIMEOUT, FV_STATE, 0, NULL, NULL, true },
};

/* A queue index: in range mostly, else just past it or near 2^32. */
static __u32 fz_index(struct fuzz *f)
{
	static const __u32 far[] = {
		0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe,
		0xffffffff,
	};

	switch (fz_below(f, 10)) {
	case 0:
		return f->k.nvqs;
	case 1:
		return f->k.nvqs + 1 + fz_below(f, 64);
	case 2:
		return far[fz_below(f, ARRAY_SIZE(far))];
	default:
		return fz_below(f, f->k.nvqs);
	}
}

/* Fill in the argument of @v; return its size. */
static size_t fz_vring_gen(struct fuzz *f, const struct fz_vring_ioctl *v,
			   union fz_vring_arg *a)
{
	memset(a, 0, sizeof(*a));
	switch (v->kind) {
	case FV_FILE:
		a->fl.index = fz_index(f);
		a->fl.fd = fz_fd(f);
		return sizeof(a->fl);
	case FV_ADDR:
		a->addr.index = fz_index(f);
		a->addr.flags = fz_chance(f, 8) ? (__u32)fz_rand(f) :
				fz_chance(f, 4) ? BIT(VHOST_VRING_F_LOG) : 0;
		a->addr.desc_user_addr = fz_iova(f);
		a->addr.avail_user_addr = fz_iova(f) + fz_chance(f, 8);
		a->addr.used_user_addr = fz_iova(f) + 2 * fz_chance(f, 8);
		a->addr.log_guest_addr = fz_chance(f, 2) ? fz_iova(f) & ~3ULL :
					 fz_rand(f);
		return sizeof(a->addr);
	default:
		a->s.index = fz_index(f);
		a->s.num = v->num ? v->num(f) : fz_rand(f);
		return sizeof(a->s);
	}
}

/*
 * The argument is copied in whole before anything else (EFAULT); then
 * vring.c refuses a caller that is not the owner (EPERM) and checks the
 * index (ENOBUFS).
 */
static unsigned int fz_vring_mask(const struct fuzz *f,
				  const struct fz_vring_ioctl *v,
				  const union fz_vring_arg *a,
				  enum fz_ptr kind)
{
	if (!fz_readable(kind))
		return FA(EFAULT);
	if (!f->owned)
		return FA(EPERM);
	if (a->s.index >= f->k.nvqs)
		return FA(ENOBUFS);
	return (FA(OK) | v->allowed) & (v->predict ? v->predict(f, a) : ~0U);
}

/* What a queue command wrote back: its index, a value in range. */
static void fz_vring_out(struct fuzz *f, const struct fz_vring_ioctl *v,
			 __u32 index, const void *p)
{
	struct vhost_vring_state s;
	bool ok;

	memcpy(&s, p, sizeof(s));
	ok = s.index == index;
	if (v->req == VHOST_VDPA_GET_VRING_GROUP ||
	    v->req == VHOST_VDPA_GET_VRING_DESC_GROUP)
		ok = ok && s.num < f->k.ngroups;
	if (v->req == VHOST_VDPA_GET_VRING_SIZE)
		ok = ok && s.num <= f->k.vq_num_max;
	if (ok)
		return;
	fail("fuzz seed %llu op %lu: %s of queue %u wrote {index %u, num %u}",
	     (unsigned long long)f->o->seed, f->op, v->name, index, s.index,
	     s.num);
	f->failed = true;
}

static void fz_run_vring(struct fuzz *f, const struct fz_vring_ioctl *v)
{
	union fz_vring_arg a;
	enum fz_ptr kind;
	size_t len;
	void *p;

	len = fz_vring_gen(f, v, &a);
	p = fz_place(f, &a, len, &kind);
	fz_what(f, "%s {index %u, %#x ...}%s", v->name, a.s.index, a.s.num,
		fz_ptr_name(kind));
	if (!fz_ioctl(f, v->req, p, fz_vring_mask(f, v, &a, kind)) &&
	    v->out && fz_readable(kind))
		fz_vring_out(f, v, a.s.index, p);
}

/* One queue command. */
void fz_op_vring(struct fuzz *f)
{
	fz_run_vring(f, &fz_vring_ioctls[fz_pick(f, fz_vring_ioctls,
						 ARRAY_SIZE(fz_vring_ioctls),
						 sizeof(fz_vring_ioctls[0]))]);
}

/* --- config space --------------------------------------------------- */

/* Offset and length of a config access: inside mostly, else off it. */
static void fz_config_range(struct fuzz *f, __u32 *off, __u32 *len)
{
	__u32 size = f->k.config_size;

	switch (fz_below(f, 8)) {
	case 0:
		*off = size + fz_below(f, 2);
		break;
	case 1:
		*off = 0x80000000U + fz_below(f, 2) * 0x7fffffffU;
		break;
	default:
		*off = fz_below(f, size + 1);
		break;
	}
	switch (fz_below(f, 8)) {
	case 0:
		*len = 0;
		break;
	case 1:
		*len = size - *off + 1;
		break;
	case 2:
		*len = fz_chance(f, 2) ? 0xffffffffU : fz_rand(f);
		break;
	default:
		*len = *off < size ? 1 + fz_below(f, size - *off) : 1;
		break;
	}
}

/* VHOST_VDPA_GET_CONFIG or _SET_CONFIG: header checks, then the copy. */
static void fz_config(struct fuzz *f, bool set)
{
	__u8 buf[sizeof(struct vhost_vdpa_config) + FZ_CONFIG_MAX] = { 0 };
	struct vhost_vdpa_config *c = (void *)buf;
	__u32 size = f->k.config_size, off, len, i;
	unsigned int allowed = FA(OK) | FA(EFAULT) | FA(EINVAL) | FA(E2BIG) |
			       FA(ENOMEM);
	size_t n = sizeof(*c);
	enum fz_ptr kind;
	void *p;

	fz_config_range(f, &off, &len);
	c->off = off;
	c->len = len;
	if (len && off <= size && len <= size - off) {
		if (len > FZ_CONFIG_MAX)
			len = FZ_CONFIG_MAX;
		c->len = len;
		n += len;
		for (i = 0; set && i < len; i++)
			c->buf[i] = fz_rand(f);
	}
	p = fz_place(f, buf, n, &kind);
	if (fz_readable(kind))
		allowed = !len || off > size ? FA(EINVAL) :
			  len > size - off ? FA(E2BIG) : FA(OK) | FA(ENOMEM);
	fz_what(f, "%s off %u len %u (config %u bytes)%s",
		set ? "VHOST_VDPA_SET_CONFIG" : "VHOST_VDPA_GET_CONFIG",
		off, len, size, fz_ptr_name(kind));
	fz_ioctl(f, set ? VHOST_VDPA_SET_CONFIG : VHOST_VDPA_GET_CONFIG, p,
		 allowed);
}

void fz_op_config_get(struct fuzz *f)
{
	fz_config(f, false);
}

void fz_op_config_set(struct fuzz *f)
{
	fz_config(f, true);
}

/* --- unknown commands ----------------------------------------------- */

/* vhost commands vhost_vdpa does not implement. */
static const unsigned long fz_unknown[] = {
	VHOST_RESET_OWNER, VHOST_SET_MEM_TABLE,
	VHOST_NEW_WORKER, VHOST_FREE_WORKER,
	VHOST_SET_VRING_ENDIAN, VHOST_GET_VRING_ENDIAN,
	VHOST_ATTACH_VRING_WORKER, VHOST_GET_VRING_WORKER,
	VHOST_NET_SET_BACKEND, VHOST_SCSI_SET_ENDPOINT,
	VHOST_VSOCK_SET_GUEST_CID, VHOST_VSOCK_SET_RUNNING,
};

/*
 * An unknown command: one of fz_unknown[], a known one with another
 * argument size (no two known commands share number and direction), or
 * a number above every vhost command.  Only VHOST_VIRTIO numbers: the VFS
 * handles some others (FIONBIO...) itself.
 */
static unsigned long fz_unknown_req(struct fuzz *f)
{
	unsigned long req;

	switch (fz_below(f, 3)) {
	case 0:
		return fz_unknown[fz_below(f, ARRAY_SIZE(fz_unknown))];
	case 1:
		req = fz_chance(f, 2) ?
		      fz_dev_ioctls[fz_below(f, ARRAY_SIZE(fz_dev_ioctls))].req :
		      fz_vring_ioctls[fz_below(f, ARRAY_SIZE(fz_vring_ioctls))].req;
		return _IOC(_IOC_DIR(req), _IOC_TYPE(req), _IOC_NR(req),
			    (_IOC_SIZE(req) + 1 + fz_below(f, 64)) &
			    _IOC_SIZEMASK);
	default:
		return _IOC(fz_below(f, 4), VHOST_VIRTIO,
			    0x86 + fz_below(f, 0x100 - 0x86), fz_below(f, 512));
	}
}

/* An unknown command is ENOTTY, owner or not, whatever its argument. */
void fz_op_unknown(struct fuzz *f)
{
	unsigned long req = fz_unknown_req(f);
	__u64 arg[8];
	enum fz_ptr kind;
	unsigned int i;
	void *p;

	for (i = 0; i < ARRAY_SIZE(arg); i++)
		arg[i] = fz_chance(f, 2) ? fz_below(f, 4) : fz_rand(f);
	p = fz_place(f, arg, sizeof(arg), &kind);
	fz_what(f, "unknown command %#lx%s", req, fz_ptr_name(kind));
	fz_ioctl(f, req, p, FA(ENOTTY));
}
