// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa_user: misuse, every wrong use of the device gets its errno.
 *
 * The expected values are what the in-tree vhost_vdpa of Linux 6.12 does
 * (measured against vdpa_sim_net and vdpa_sim_blk, all 29 match).  Where
 * our driver deliberately differs, a second column holds its value and
 * --expect ours checks that one instead.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vdpa_user.h"

#define NOT_RUN (-1)	/* its setup failed: a failure */
#define NOT_APPLICABLE (-2)	/* the device lacks what it needs */

/* errno of the last call if it failed (rc < 0), else 0. */
static int err_of(long rc)
{
	return rc < 0 ? errno : 0;
}

static int vring_state(struct vdev *d, unsigned long req, __u32 index,
		       __u32 num)
{
	struct vhost_vring_state s = { index, num };

	return err_of(ioctl(d->fd, req, &s));
}

static int unknown_ioctl(struct vdev *d)
{
	return vring_state(d, _IOW(VHOST_VIRTIO, 0xff,
				   struct vhost_vring_state), 0, 0);
}

static int unknown_ioctl_bad_index(struct vdev *d)
{
	return vring_state(d, _IOW(VHOST_VIRTIO, 0xff,
				   struct vhost_vring_state), 0xffff, 0);
}

static int log_base(struct vdev *d)
{
	__u64 base = 0;

	return err_of(ioctl(d->fd, VHOST_SET_LOG_BASE, &base));
}

static int set_owner_twice(struct vdev *d)
{
	return err_of(ioctl(d->fd, VHOST_SET_OWNER, NULL));
}

static int num_zero(struct vdev *d)
{
	return vring_state(d, VHOST_SET_VRING_NUM, 0, 0);
}

static int num_not_pow2(struct vdev *d)
{
	return vring_state(d, VHOST_SET_VRING_NUM, 0, 3);
}

static int num_above_max(struct vdev *d)
{
	return vring_state(d, VHOST_SET_VRING_NUM, 0,
			   d->vq_num_max < 0x8000 ? d->vq_num_max * 2U :
						    0x10000);
}

static int num_bad_index(struct vdev *d)
{
	return vring_state(d, VHOST_SET_VRING_NUM, d->nvqs, 64);
}

static int addr_bad_index(struct vdev *d)
{
	struct vhost_vring_addr a = { .index = d->nvqs };

	return err_of(ioctl(d->fd, VHOST_SET_VRING_ADDR, &a));
}

static int base_bad_index(struct vdev *d)
{
	return vring_state(d, VHOST_GET_VRING_BASE, 0xffff, 0);
}

static int enable_bad_index(struct vdev *d)
{
	return vring_state(d, VHOST_VDPA_SET_VRING_ENABLE, d->nvqs, 1);
}

static int group_asid_bad_asid(struct vdev *d)
{
	__u32 nas = 0;

	if (ioctl(d->fd, VHOST_VDPA_GET_AS_NUM, &nas))
		return NOT_RUN;
	return vring_state(d, VHOST_VDPA_SET_GROUP_ASID, 0, nas);
}

static int features_ok(struct vdev *d)
{
	__u64 f = d->offered & (BIT64(VIRTIO_F_VERSION_1) |
				   BIT64(VIRTIO_F_ACCESS_PLATFORM));
	__u8 s = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;

	if (ioctl(d->fd, VHOST_VDPA_SET_STATUS, &s) ||
	    ioctl(d->fd, VHOST_SET_FEATURES, &f))
		return NOT_RUN;
	s |= VIRTIO_CONFIG_S_FEATURES_OK;
	return ioctl(d->fd, VHOST_VDPA_SET_STATUS, &s) ? NOT_RUN : 0;
}

static int features_after_ok(struct vdev *d)
{
	__u64 f = d->offered & BIT64(VIRTIO_F_VERSION_1);

	if (features_ok(d))
		return NOT_RUN;
	return err_of(ioctl(d->fd, VHOST_SET_FEATURES, &f));
}

static int status_clear_bit(struct vdev *d)
{
	__u8 s = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;

	if (ioctl(d->fd, VHOST_VDPA_SET_STATUS, &s))
		return NOT_RUN;
	s = VIRTIO_CONFIG_S_ACKNOWLEDGE;
	return err_of(ioctl(d->fd, VHOST_VDPA_SET_STATUS, &s));
}

/* Moving a running ring (ours accepts the same rings: a new log flag). */
static int addr_after_driver_ok(struct vdev *d)
{
	struct vhost_vring_addr a = {
		.index = 0, .desc_user_addr = 0x10000,
		.avail_user_addr = 0x20000, .used_user_addr = 0x30000,
	};
	__u8 s = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
		    VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK;

	if (features_ok(d) || ioctl(d->fd, VHOST_VDPA_SET_STATUS, &s))
		return NOT_RUN;
	return err_of(ioctl(d->fd, VHOST_SET_VRING_ADDR, &a));
}

static int suspend_before_driver_ok(struct vdev *d)
{
	return err_of(ioctl(d->fd, VHOST_VDPA_SUSPEND, NULL));
}

static int config(struct vdev *d, __u32 off, __u32 len)
{
	struct vhost_vdpa_config *c = calloc(1, sizeof(*c) + len + 1);
	int e;

	if (!c)
		return NOT_RUN;
	c->off = off;
	c->len = len;
	e = err_of(ioctl(d->fd, VHOST_VDPA_GET_CONFIG, c));
	free(c);
	return e;
}

static int config_past_end(struct vdev *d)
{
	return config(d, d->config_size - 1, 2);
}

static int config_off_past_end(struct vdev *d)
{
	return config(d, d->config_size + 1, 1);
}

static int config_len_zero(struct vdev *d)
{
	return config(d, 0, 0);
}

static int backend_unknown_bit(struct vdev *d)
{
	__u64 f = BIT64(VHOST_BACKEND_F_IOTLB_MSG_V2) | BIT64(63);

	return err_of(ioctl(d->fd, VHOST_SET_BACKEND_FEATURES, &f));
}

/* Scratch memory for the IOTLB cases, unmapped by the device's release. */
static void *scratch(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static int update(struct vdev *d, __u32 asid, __u64 iova, __u64 len,
		  __u8 perm)
{
	void *p = scratch(65536);

	if (!p)
		return NOT_RUN;
	return -iotlb_msg(d->fd, asid, VHOST_IOTLB_UPDATE, iova, len, p, perm);
}

static int iotlb_overlap(struct vdev *d)
{
	if (update(d, 0, IOVA_BASE, 8192, VHOST_ACCESS_RW))
		return NOT_RUN;
	return update(d, 0, IOVA_BASE + 4096, 8192, VHOST_ACCESS_RW);
}

static int iotlb_perm_none(struct vdev *d)
{
	return update(d, 0, IOVA_BASE, 4096, 0);
}

static int iotlb_perm_bad(struct vdev *d)
{
	return update(d, 0, IOVA_BASE, 4096, 0x4);
}

static int iotlb_size_zero(struct vdev *d)
{
	return update(d, 0, IOVA_BASE, 0, VHOST_ACCESS_RW);
}

static int iotlb_wraps(struct vdev *d)
{
	return update(d, 0, ~0ULL - 4095, 8192, VHOST_ACCESS_RW);
}

static int iotlb_bad_type(struct vdev *d)
{
	return -iotlb_msg(d->fd, 0, 0x7f, IOVA_BASE, 4096, NULL, 0);
}

static int iotlb_bad_asid(struct vdev *d)
{
	__u64 f = BIT64(VHOST_BACKEND_F_IOTLB_MSG_V2) |
		     BIT64(VHOST_BACKEND_F_IOTLB_ASID);
	__u32 nas = 0;

	if (!(d->backend_offered & BIT64(VHOST_BACKEND_F_IOTLB_ASID)))
		return NOT_APPLICABLE;
	if (ioctl(d->fd, VHOST_SET_BACKEND_FEATURES, &f) ||
	    ioctl(d->fd, VHOST_VDPA_GET_AS_NUM, &nas))
		return NOT_RUN;
	return update(d, nas, IOVA_BASE, 4096, VHOST_ACCESS_RW);
}

static int iotlb_not_owner(struct vdev *d)
{
	void *p = scratch(4096);

	vdev_close(d);
	d->fd = open(d->path, O_RDWR | O_CLOEXEC);
	if (d->fd < 0 || !p)
		return NOT_RUN;
	return -iotlb_msg(d->fd, 0, VHOST_IOTLB_UPDATE, IOVA_BASE, 4096, p,
			  VHOST_ACCESS_RW);
}

static int second_open(struct vdev *d)
{
	int fd = open(d->path, O_RDWR | O_CLOEXEC);
	int e = err_of(fd);

	if (fd >= 0)
		close(fd);
	return e;
}

/**
 * struct misuse - one wrong use and the errno it gets
 * @name: what is done
 * @run: does it on a freshly opened, owned device; returns the errno
 *	 (0 if the call succeeded), NOT_RUN or NOT_APPLICABLE
 * @want: the in-tree errno (0: the in-tree driver accepts it)
 * @ours: what our vhost_vdpa returns where it deliberately differs
 *	  (checked with --expect ours), SAME where it does not
 */
struct misuse {
	const char *name;
	int (*run)(struct vdev *d);
	int want;
	int ours;
};

#define SAME (-1)

/*
 * The "ours" column follows drivers/vhost_vdpa as of 2026-11-21: a
 * refused IOTLB message returns its real errno instead of the in-tree
 * blanket EFAULT.  Each difference is the lead's decision to confirm.
 */
static const struct misuse cases[] = {
	{ "unknown ioctl 0xff", unknown_ioctl, ENOTTY, SAME },
	/* in-tree reads a vq index first for any unknown ioctl */
	{ "unknown ioctl 0xff, index 0xffff", unknown_ioctl_bad_index, ENOBUFS,
	  ENOTTY },
	/* ours logs for the simulator (dirty_log=1): base 0 detaches */
	{ "VHOST_SET_LOG_BASE 0", log_base, ENOTTY, 0 },
	{ "VHOST_SET_OWNER twice", set_owner_twice, EBUSY, SAME },
	{ "VHOST_SET_VRING_NUM 0", num_zero, EINVAL, SAME },
	{ "VHOST_SET_VRING_NUM 3 (not a power of 2)", num_not_pow2, EINVAL,
	  SAME },
	{ "VHOST_SET_VRING_NUM above the maximum", num_above_max, EINVAL, SAME },
	{ "VHOST_SET_VRING_NUM index = nvqs", num_bad_index, ENOBUFS, SAME },
	{ "VHOST_SET_VRING_ADDR index = nvqs", addr_bad_index, ENOBUFS, SAME },
	{ "VHOST_GET_VRING_BASE index 0xffff", base_bad_index, ENOBUFS, SAME },
	{ "VHOST_VDPA_SET_VRING_ENABLE index = nvqs", enable_bad_index, ENOBUFS,
	  SAME },
	{ "VHOST_VDPA_SET_GROUP_ASID asid = nas", group_asid_bad_asid, EINVAL,
	  SAME },
	{ "VHOST_SET_FEATURES after FEATURES_OK", features_after_ok, EBUSY,
	  SAME },
	{ "VHOST_VDPA_SET_STATUS clearing DRIVER", status_clear_bit, EINVAL,
	  SAME },
	{ "VHOST_SET_VRING_ADDR after DRIVER_OK", addr_after_driver_ok, EINVAL,
	  SAME },
	/* in-tree: a no-op before DRIVER_OK */
	{ "VHOST_VDPA_SUSPEND before DRIVER_OK", suspend_before_driver_ok, 0,
	  SAME },
	/* in-tree turns its own E2BIG into EINVAL */
	{ "VHOST_VDPA_GET_CONFIG past the end", config_past_end, EINVAL, E2BIG },
	{ "VHOST_VDPA_GET_CONFIG offset past the end", config_off_past_end,
	  EINVAL, SAME },
	{ "VHOST_VDPA_GET_CONFIG length 0", config_len_zero, EINVAL, SAME },
	{ "VHOST_SET_BACKEND_FEATURES bit 63", backend_unknown_bit, EOPNOTSUPP,
	  SAME },
	/* in-tree: every failure of the message handler becomes EFAULT */
	{ "VHOST_IOTLB_UPDATE overlapping a mapping", iotlb_overlap, EFAULT,
	  EEXIST },
	/* in-tree does not check perm */
	{ "VHOST_IOTLB_UPDATE perm 0", iotlb_perm_none, 0, EINVAL },
	{ "VHOST_IOTLB_UPDATE perm 0x4", iotlb_perm_bad, 0, EINVAL },
	/* checked before the handler, in-tree too */
	{ "VHOST_IOTLB_UPDATE size 0", iotlb_size_zero, EINVAL, SAME },
	{ "VHOST_IOTLB_UPDATE wrapping past 2^64", iotlb_wraps, EFAULT, EINVAL },
	{ "IOTLB message type 0x7f", iotlb_bad_type, EFAULT, EINVAL },
	{ "VHOST_IOTLB_UPDATE asid = nas", iotlb_bad_asid, EFAULT, EINVAL },
	{ "VHOST_IOTLB_UPDATE before VHOST_SET_OWNER", iotlb_not_owner, EFAULT,
	  EPERM },
	{ "second open of the device", second_open, EBUSY, SAME },
};

static int run_case(const struct options *o, unsigned int i)
{
	const struct misuse *c = &cases[i];
	int got, want = c->want;
	struct vdev d;

	diag_quiet = true;
	got = vdev_open(&d, o->dev) || vdev_backend(&d, 0);
	diag_quiet = false;
	if (got)
		return -1;
	got = c->run(&d);
	vdev_close(&d);
	if (o->expect_ours && c->ours != SAME)
		want = c->ours;
	if (got == NOT_APPLICABLE) {
		printf("ok %u - %s # SKIP not offered\n", i + 1, c->name);
		return 0;
	}
	if (got == NOT_RUN) {
		printf("not ok %u - %s: its setup failed\n", i + 1, c->name);
		return -1;
	}
	printf("%s %u - %s: %s (want %s)\n", got == want ? "ok" : "not ok",
	       i + 1, c->name, errname(got), errname(want));
	return got == want ? 0 : -1;
}

/**
 * cmd_misuse() - the misuse subcommand
 * @o: the command line
 *
 * Return: exit status: 0 if every case got the in-tree errno.
 */
int cmd_misuse(const struct options *o)
{
	unsigned int i, bad = 0;

	printf("1..%zu\n", ARRAY_SIZE(cases));
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		bad += run_case(o, i) != 0;
	diag("misuse: %zu cases, %u wrong", ARRAY_SIZE(cases), bad);
	return bad ? EXIT_FAIL : 0;
}
