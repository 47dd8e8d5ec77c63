/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vdpa_user: the fuzz and hammer subcommands.  A seeded PRNG, the errno
 * sets calls are checked against, and the fuzzer's state and model,
 * shared by fuzz.c (setup, checks, main loop), fuzz_ioctl.c (commands),
 * fuzz_iotlb.c (IOTLB messages) and hammer.c.
 */
#ifndef VDPA_USER_FUZZ_H
#define VDPA_USER_FUZZ_H

#include "vdpa_user.h"

/**
 * struct fz_rng - xorshift64* state
 * @s: never 0
 *
 * Small, fast and good enough to pick operations; the same seed gives the
 * same sequence on every machine.
 */
struct fz_rng {
	__u64 s;
};

/**
 * fz_rng_seed() - start a sequence
 * @r: the state
 * @seed: any value, 0 included (splitmix64 spreads it over the state)
 */
static inline void fz_rng_seed(struct fz_rng *r, __u64 seed)
{
	__u64 z = seed + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	r->s = z ? z : 1;
}

/**
 * fz_rng_next() - the next 64 random bits
 * @r: the state
 *
 * Return: the value.
 */
static inline __u64 fz_rng_next(struct fz_rng *r)
{
	__u64 x = r->s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	r->s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/**
 * fz_rng_below() - a value in [0, @n), uniform enough
 * @r: the state
 * @n: the bound; 0 gives 0
 *
 * Return: the value.
 */
static inline __u64 fz_rng_below(struct fz_rng *r, __u64 n)
{
	return n ? fz_rng_next(r) % n : 0;
}

/*
 * The outcomes of a call: success, the errnos vhost_vdpa returns, and
 * "anything else".  A set of them is a mask of FA() bits.
 */
enum fz_err {
	FE_OK, FE_EPERM, FE_EBADF, FE_ENOMEM, FE_EFAULT, FE_EBUSY, FE_EEXIST,
	FE_ENODEV, FE_EINVAL, FE_ENOSPC, FE_ENOTTY, FE_E2BIG, FE_EOPNOTSUPP,
	FE_ENOBUFS, FE_OTHER, FE_NR
};

#define FA(e) BIT(FE_##e)
/* What a failed commit of the table to a set_map parent returns. */
#define FA_COMMIT (FA(ENOMEM) | FA(ENOSPC))

enum fz_err fz_err_index(int err);
const char *fz_err_name(enum fz_err e);
void fz_mask_str(unsigned int mask, char *buf, size_t len);
long fz_vmpin_kb(void);

#define FZ_PAGE		4096UL
#define FZ_NEFD		4		/* eventfds handed out */
#define FZ_MAXMAPS	256		/* ranges the model follows */
#define FZ_KERNEL_PTR	0xffff888000000000ULL
#define FZ_USER_TOP	0x00007ffffffff000ULL	/* TASK_SIZE_MAX, 4 levels */
#define FZ_CONFIG_MAX	256		/* config bytes accessed at most */
#define FZ_MSG_LEN	sizeof(struct vhost_msg_v2)	/* v1 is as long */
#define FZ_MSG_MIN	40	/* header and struct vhost_iotlb_msg */
#define FZ_MSG_MAX	200	/* longest write */
#define FZ_MEM_STRIDE	(4ULL << 20)	/* from one region to the next */

/* The fuzzer's memory, as user addresses of IOTLB updates. */
enum fz_region { FR_MEMFD, FR_ANON, FR_RO, FR_NONE, FR_RING, FR_NR };

/**
 * struct fz_region_def - one memory area of the fuzzer
 * @name: for messages
 * @len: bytes
 * @prot: its protection once filled
 * @memfd: a shared memfd mapping, else anonymous private memory
 * @pin_read: the device can pin it for reading
 * @pin_write: the device can pin it for writing
 */
struct fz_region_def {
	const char *name;
	size_t len;
	int prot;
	bool memfd;
	bool pin_read;
	bool pin_write;
};

extern const struct fz_region_def fz_regions[FR_NR];

/* Where the argument of a call is: a copy of it, or a bad address. */
enum fz_ptr {
	FP_OK, FP_UNALIGNED, FP_NULL, FP_NONE, FP_KERNEL, FP_STRADDLE
};

/**
 * struct fz_dev - what the device reports at open; it must not change
 * @device_id: VHOST_VDPA_GET_DEVICE_ID
 * @offered: VHOST_GET_FEATURES
 * @backend_offered: VHOST_GET_BACKEND_FEATURES
 * @nvqs: VHOST_VDPA_GET_VQS_COUNT
 * @vq_num_max: VHOST_VDPA_GET_VRING_NUM
 * @config_size: VHOST_VDPA_GET_CONFIG_SIZE
 * @nas: VHOST_VDPA_GET_AS_NUM
 * @ngroups: VHOST_VDPA_GET_GROUP_NUM
 * @range: VHOST_VDPA_GET_IOVA_RANGE
 */
struct fz_dev {
	__u32 device_id;
	__u64 offered;
	__u64 backend_offered;
	__u32 nvqs;
	__u16 vq_num_max;
	__u32 config_size;
	__u32 nas;
	__u32 ngroups;
	struct vhost_vdpa_iova_range range;
};

/**
 * struct fz_map - a range the model believes mapped
 * @asid: its address space
 * @first: first IOVA
 * @last: last IOVA
 * @sure: mapped for certain; else maybe (a failed commit, or part of it
 *	  invalidated: the driver drops whole entries, and one update may
 *	  have made several)
 */
struct fz_map {
	__u32 asid;
	__u64 first;
	__u64 last;
	bool sure;
};

/**
 * struct fuzz - the fuzzer
 * @o: the command line
 * @rng: the PRNG, seeded with --seed
 * @op: index of the current operation
 * @what: the current call, for messages
 * @fd: the device, or -1
 * @k: what the device reported at the first open
 * @known: @k is filled in
 * @page_unit: the device maps whole pages only (platform IOMMU route)
 * @tame: no bad pointers (fz_place()): the realistic start is running
 * @owned: VHOST_SET_OWNER succeeded on @fd
 * @backend: the backend features the driver accepted
 * @features: the device features the driver accepted
 * @in_batch: between a BATCH_BEGIN and its end
 * @batch_asid: the address space of that batch
 * @maps: ranges mapped, as far as the model knows
 * @nmaps: entries in @maps
 * @lost: @maps overflowed: any range may be mapped
 * @mem: the regions of fz_regions[]
 * @hole: an address range nothing is mapped at
 * @fixed: the regions are at their fixed addresses, @hole and the gaps
 *	   between them (FZ_MEM_STRIDE apart) are unmapped
 * @arg: two pages: arguments go in the first, the second is PROT_NONE
 * @efd: eventfds
 * @nullfd: /dev/null, a descriptor that is no eventfd
 * @closed_fd: a descriptor number that stays closed
 * @vmpin0: VmPin before the first open
 * @count: outcomes of all calls, per enum fz_err
 * @failed: a check failed: stop
 */
struct fuzz {
	const struct options *o;
	struct fz_rng rng;
	unsigned long op;
	char what[256];
	int fd;
	struct fz_dev k;
	bool known;
	bool page_unit;
	bool tame;
	bool owned;
	__u64 backend;
	__u64 features;
	bool in_batch;
	__u32 batch_asid;
	struct fz_map maps[FZ_MAXMAPS];
	unsigned int nmaps;
	bool lost;
	__u8 *mem[FR_NR];
	__u8 *hole;
	bool fixed;
	__u8 *arg;
	int efd[FZ_NEFD];
	int nullfd;
	int closed_fd;
	long vmpin0;
	unsigned long count[FE_NR];
	bool failed;
};

/* fuzz.c */
__u64 fz_rand(struct fuzz *f);
__u64 fz_below(struct fuzz *f, __u64 n);
bool fz_chance(struct fuzz *f, unsigned int n);
size_t fz_pick(struct fuzz *f, const void *table, size_t n, size_t stride);
__printf(2, 3) void fz_what(struct fuzz *f, const char *fmt, ...);
int fz_outcome(struct fuzz *f, unsigned int allowed, int err);
int fz_ioctl(struct fuzz *f, unsigned long req, void *p, unsigned int allowed);
void *fz_place(struct fuzz *f, const void *arg, size_t len,
	       enum fz_ptr *kind);
bool fz_readable(enum fz_ptr kind);
const char *fz_ptr_name(enum fz_ptr kind);
int fz_fd(struct fuzz *f);
unsigned int fz_fd_mask(const struct fuzz *f, int fd);
__u64 fz_iova(struct fuzz *f);

/* fuzz_ioctl.c */
void fz_op_dev(struct fuzz *f);
void fz_op_vring(struct fuzz *f);
void fz_op_unknown(struct fuzz *f);
void fz_op_config_get(struct fuzz *f);
void fz_op_config_set(struct fuzz *f);

/* fuzz_iotlb.c */
int fz_msg(struct fuzz *f, const struct vhost_msg_v2 *m, size_t len);
void fz_model_reset(struct fuzz *f);
void fz_op_update(struct fuzz *f);
void fz_op_invalidate(struct fuzz *f);
void fz_op_batch(struct fuzz *f);
void fz_op_bad_type(struct fuzz *f);
void fz_op_bad_version(struct fuzz *f);
void fz_op_short(struct fuzz *f);

#endif
