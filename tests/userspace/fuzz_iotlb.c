// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa_user: fuzz, the IOTLB messages and the model of what is mapped.
 *
 * A message's outcomes are worked out check by check in the order of
 * drivers/vhost_vdpa/iotlb.c, each check failing for certain (FZ_YES: its
 * errno is the only outcome left), maybe (its errno joins the set) or
 * not at all:
 *
 *   the write itself: a kernel address is EFAULT (vfs_write), a buffer
 *     that cannot be read or less than 40 bytes (header and struct
 *     vhost_iotlb_msg) is EINVAL, so is a version other than 1 and 2;
 *   not the owner: EPERM;
 *   the address space (v2 with IOTLB_ASID accepted, else 0) beyond the
 *     device's, or other than the current batch's: EINVAL;
 *   UPDATE: empty or wrapping range, user range past the user address
 *     space, outside the IOVA range, permission 0 or unknown bits:
 *     EINVAL; overlapping a mapping: EEXIST; IOVA and user address at
 *     different page offsets: EINVAL; user memory that cannot be pinned
 *     (PROT_NONE, read-only for a writable mapping, nothing there):
 *     EFAULT; then ok, or ENOMEM/ENOSPC (memory, table limits, commit);
 *   INVALIDATE: empty or wrapping range: EINVAL; else ok, ENOMEM (no
 *     memory to keep a range until the commit: some entries stay), or
 *     ENOMEM/ENOSPC from committing outside a batch;
 *   BATCH_BEGIN, BATCH_END: EINVAL without IOTLB_BATCH accepted; else ok,
 *     BATCH_END of a batch also ENOMEM/ENOSPC (commit);
 *   any other type: EINVAL.
 *
 * A write shorter than the message size, 72 bytes, is EINVAL (after the
 * type check); a successful write returns 72.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

enum { FZ_NO, FZ_MAYBE, FZ_YES };

/**
 * struct fz_pred - the outcomes of a message, worked out check by check
 * @mask: outcomes possible so far (FA() bits)
 * @done: a check fails for certain: the later ones are never reached
 */
struct fz_pred {
	unsigned int mask;
	bool done;
};

static void fz_step(struct fz_pred *p, int verdict, unsigned int errs)
{
	if (p->done || verdict == FZ_NO)
		return;
	p->mask |= errs;
	p->done = verdict == FZ_YES;
}

static unsigned int fz_end(const struct fz_pred *p, unsigned int finals)
{
	return p->done ? p->mask : p->mask | finals;
}

static int fz_yes(bool cond)
{
	return cond ? FZ_YES : FZ_NO;
}

/* --- the model ------------------------------------------------------ */

/**
 * fz_model_reset() - a freshly opened device: nothing owned or mapped
 * @f: the fuzzer
 */
void fz_model_reset(struct fuzz *f)
{
	f->owned = false;
	f->backend = 0;
	f->features = 0;
	f->in_batch = false;
	f->batch_asid = 0;
	f->nmaps = 0;
	f->lost = false;
}

static void fz_model_add(struct fuzz *f, __u32 asid, __u64 first, __u64 last,
			 bool sure)
{
	if (f->nmaps == FZ_MAXMAPS) {
		f->lost = true;
		return;
	}
	f->maps[f->nmaps++] = (struct fz_map){ asid, first, last, sure };
}

/* INVALIDATE drops every entry it touches, whole: maybe not all of one
 * update's range (an update may have made several entries).  Without
 * memory (@gone false) it may have dropped some of them.
 */
static void fz_model_remove(struct fuzz *f, __u32 asid, __u64 first,
			    __u64 last, bool gone)
{
	unsigned int i = 0;

	while (i < f->nmaps) {
		struct fz_map *m = &f->maps[i];

		if (m->asid != asid || m->first > last || m->last < first) {
			i++;
		} else if (gone && first <= m->first && m->last <= last) {
			*m = f->maps[--f->nmaps];
		} else {
			m->sure = false;
			i++;
		}
	}
}

/* Whether [first, last] overlaps a mapping of @asid: EEXIST. */
static int fz_overlap(const struct fuzz *f, __u32 asid, __u64 first,
		      __u64 last)
{
	int v = f->lost ? FZ_MAYBE : FZ_NO;
	unsigned int i;

	for (i = 0; i < f->nmaps; i++) {
		const struct fz_map *m = &f->maps[i];

		if (m->asid != asid || m->first > last || m->last < first)
			continue;
		if (m->sure)
			return FZ_YES;
		v = FZ_MAYBE;
	}
	return v;
}

/* --- predictions ---------------------------------------------------- */

static __u32 fz_eff_asid(const struct fuzz *f, const struct vhost_msg_v2 *m)
{
	if (m->type == VHOST_IOTLB_MSG_V2 &&
	    (f->backend & BIT64(VHOST_BACKEND_F_IOTLB_ASID)))
		return m->asid;
	return 0;
}

/* vhv_range_ok(): not empty, no wrap, whole pages on the IOMMU route. */
static int fz_range_bad(const struct fuzz *f, __u64 iova, __u64 size)
{
	if (!size || iova + size - 1 < iova)
		return FZ_YES;
	return fz_yes(f->page_unit && ((iova | size) & (FZ_PAGE - 1)));
}

/* access_ok(): the end must not pass USER_PTR_MAX (TASK_SIZE_MAX, or
 * 2^63 less a page with LAM: not known here).
 */
static int fz_user_bad(__u64 uaddr, __u64 size)
{
	__u64 end = uaddr + size;

	if (end < uaddr || end > (1ULL << 63) - FZ_PAGE)
		return FZ_YES;
	return end > FZ_USER_TOP ? FZ_MAYBE : FZ_NO;
}

/*
 * Whether pinning the user range for the message's permission fails: in
 * a region, by its protection; past its end, in the gap after it or in
 * the hole, or in the first 64 KiB (below mmap_min_addr): for certain if
 * the regions are at their fixed addresses.  Anywhere else: maybe.
 */
static int fz_pin_bad(const struct fuzz *f, const struct vhost_iotlb_msg *t)
{
	__u64 hole = (uintptr_t)f->hole, end = t->uaddr + t->size;
	unsigned int i;

	for (i = 0; i < FR_NR; i++) {
		const struct fz_region_def *d = &fz_regions[i];
		__u64 lo = (uintptr_t)f->mem[i], hi = lo + d->len;

		if (t->uaddr < lo || t->uaddr >= hi)
			continue;
		if (!d->pin_read || ((t->perm & VHOST_ACCESS_WO) && !d->pin_write))
			return FZ_YES;
		if (end <= hi)
			return FZ_NO;
		return f->fixed && end <= lo + FZ_MEM_STRIDE ? FZ_YES : FZ_MAYBE;
	}
	if (f->fixed && t->uaddr >= hole && end <= hole + FZ_MEM_STRIDE)
		return FZ_YES;
	return end <= 0x10000 ? FZ_YES : FZ_MAYBE;
}

static unsigned int fz_update_mask(const struct fuzz *f,
				   const struct vhost_msg_v2 *m,
				   struct fz_pred *p)
{
	const struct vhost_iotlb_msg *t = &m->iotlb;
	__u64 last = t->iova + t->size - 1;

	fz_step(p, fz_range_bad(f, t->iova, t->size), FA(EINVAL));
	fz_step(p, fz_user_bad(t->uaddr, t->size), FA(EINVAL));
	fz_step(p, fz_yes(t->iova < f->k.range.first || last > f->k.range.last),
		FA(EINVAL));
	fz_step(p, fz_yes(!t->perm || (t->perm & ~VHOST_ACCESS_RW)),
		FA(EINVAL));
	fz_step(p, fz_overlap(f, fz_eff_asid(f, m), t->iova, last),
		FA(EEXIST));
	fz_step(p, fz_yes((t->iova ^ t->uaddr) & (FZ_PAGE - 1)), FA(EINVAL));
	fz_step(p, fz_pin_bad(f, t), FA(EFAULT));
	return fz_end(p, FA(OK) | FA(ENOMEM) | FA(ENOSPC));
}

static unsigned int fz_type_mask(const struct fuzz *f,
				 const struct vhost_msg_v2 *m,
				 struct fz_pred *p)
{
	bool batch = f->backend & BIT64(VHOST_BACKEND_F_IOTLB_BATCH);

	switch (m->iotlb.type) {
	case VHOST_IOTLB_UPDATE:
		return fz_update_mask(f, m, p);
	case VHOST_IOTLB_INVALIDATE:
		fz_step(p, fz_range_bad(f, m->iotlb.iova, m->iotlb.size),
			FA(EINVAL));
		/* ENOMEM: no memory to keep the range until the commit. */
		return fz_end(p, FA(OK) | FA(ENOMEM) |
			      (f->in_batch ? 0 : FA_COMMIT));
	case VHOST_IOTLB_BATCH_BEGIN:
		fz_step(p, fz_yes(!batch), FA(EINVAL));
		return fz_end(p, FA(OK));
	case VHOST_IOTLB_BATCH_END:
		fz_step(p, fz_yes(!batch), FA(EINVAL));
		return fz_end(p, FA(OK) | (f->in_batch ? FA_COMMIT : 0));
	default:
		fz_step(p, FZ_YES, FA(EINVAL));
		return fz_end(p, 0);
	}
}

/* The checks before the message type; all certain.  True if all pass. */
static bool fz_msg_common(const struct fuzz *f, const struct vhost_msg_v2 *m,
			  size_t len, enum fz_ptr kind, struct fz_pred *p)
{
	__u32 asid = fz_eff_asid(f, m);

	fz_step(p, fz_yes(kind == FP_KERNEL), FA(EFAULT));
	fz_step(p, fz_yes(!fz_readable(kind) || len < FZ_MSG_MIN), FA(EINVAL));
	fz_step(p, fz_yes(m->type != VHOST_IOTLB_MSG &&
			  m->type != VHOST_IOTLB_MSG_V2), FA(EINVAL));
	/* Shorter than the whole message: refused, never a 72-byte success. */
	fz_step(p, fz_yes(len < FZ_MSG_LEN), FA(EINVAL));
	fz_step(p, fz_yes(!f->owned), FA(EPERM));
	fz_step(p, fz_yes(asid >= f->k.nas ||
			  (f->in_batch && asid != f->batch_asid)), FA(EINVAL));
	return !p->done;
}

/* A message that reached its type's handler changes the model. */
static void fz_msg_model(struct fuzz *f, const struct vhost_msg_v2 *m,
			 int err)
{
	const struct vhost_iotlb_msg *t = &m->iotlb;
	__u32 asid = fz_eff_asid(f, m);

	switch (t->type) {
	case VHOST_IOTLB_UPDATE:
		/* A failed commit may leave entries in the table. */
		if (!err || err == ENOMEM || err == ENOSPC)
			fz_model_add(f, asid, t->iova, t->iova + t->size - 1,
				     !err);
		break;
	case VHOST_IOTLB_INVALIDATE:
		if (fz_range_bad(f, t->iova, t->size) == FZ_NO)
			fz_model_remove(f, asid, t->iova, t->iova + t->size - 1,
					err != ENOMEM);
		break;
	case VHOST_IOTLB_BATCH_BEGIN:
		if (!err) {
			f->in_batch = true;
			f->batch_asid = asid;
		}
		break;
	case VHOST_IOTLB_BATCH_END:
		if (f->backend & BIT64(VHOST_BACKEND_F_IOTLB_BATCH))
			f->in_batch = false;
		break;
	}
}

/**
 * fz_msg() - write an IOTLB message and check the outcome
 * @f: the fuzzer
 * @m: the message (v1 has the same layout, its asid field is padding)
 * @len: bytes to write: up to FZ_MSG_MAX, the rest zeros
 *
 * Return: 0 or the errno.
 */
int fz_msg(struct fuzz *f, const struct vhost_msg_v2 *m, size_t len)
{
	const struct vhost_iotlb_msg *t = &m->iotlb;
	struct fz_pred p = { 0, false };
	__u8 buf[FZ_MSG_MAX] = { 0 };
	unsigned int allowed;
	enum fz_ptr kind;
	bool reached;
	ssize_t n;
	void *ptr;
	int err;

	memcpy(buf, m, len < sizeof(*m) ? len : sizeof(*m));
	ptr = fz_place(f, buf, len, &kind);
	reached = fz_msg_common(f, m, len, kind, &p);
	allowed = fz_type_mask(f, m, &p);
	fz_what(f, "IOTLB v%u asid %u type %u iova %#llx size %#llx uaddr %#llx perm %#x: write of %zu bytes%s",
		m->type, m->asid, t->type, (unsigned long long)t->iova,
		(unsigned long long)t->size, (unsigned long long)t->uaddr,
		t->perm, len, fz_ptr_name(kind));
	n = write(f->fd, ptr, len);
	err = fz_outcome(f, allowed, n < 0 ? errno : 0);
	if (!err && (n > (ssize_t)len || (len >= FZ_MSG_LEN && n != FZ_MSG_LEN))) {
		fail("fuzz seed %llu op %lu: %s: returned %zd",
		     (unsigned long long)f->o->seed, f->op, f->what, n);
		f->failed = true;
	}
	if (reached)
		fz_msg_model(f, m, err);
	return err;
}

/* --- generating messages -------------------------------------------- */

/* Mostly a whole message; else short, a little short, or long. */
static size_t fz_msg_len(struct fuzz *f)
{
	switch (fz_below(f, 20)) {
	case 0:
		return fz_below(f, FZ_MSG_MIN);
	case 1:
		return FZ_MSG_MIN + fz_below(f, FZ_MSG_LEN - FZ_MSG_MIN);
	case 2:
		return FZ_MSG_LEN + 1 + fz_below(f, FZ_MSG_MAX - FZ_MSG_LEN);
	default:
		return FZ_MSG_LEN;
	}
}

static __u32 fz_msg_asid(struct fuzz *f)
{
	switch (fz_below(f, 10)) {
	case 0:
		return 1;
	case 1:
		return f->k.nas;
	case 2:
		return fz_rand(f);
	case 3:
		return fz_below(f, f->k.nas);
	default:
		return f->in_batch ? f->batch_asid : 0;
	}
}

static __u8 fz_perm(struct fuzz *f)
{
	static const __u8 perms[] = {
		VHOST_ACCESS_RW, VHOST_ACCESS_RW, VHOST_ACCESS_RW,
		VHOST_ACCESS_RO, VHOST_ACCESS_WO, 0, 4, 0xff,
	};

	return perms[fz_below(f, ARRAY_SIZE(perms))];
}

/* A message header: v2 mostly, address space mostly the usable one. */
static void fz_msg_init(struct fuzz *f, struct vhost_msg_v2 *m, __u8 type)
{
	memset(m, 0, sizeof(*m));
	m->type = fz_chance(f, 8) ? VHOST_IOTLB_MSG : VHOST_IOTLB_MSG_V2;
	m->asid = fz_msg_asid(f);
	m->iotlb.type = type;
}

/* User memory inside one of our regions, whole pages mostly. */
static void fz_region_range(struct fuzz *f, __u64 *uaddr, __u64 *size)
{
	static const unsigned int weights[FR_NR] = {
		[FR_MEMFD] = 5, [FR_ANON] = 2, [FR_RO] = 2, [FR_NONE] = 1,
		[FR_RING] = 2,
	};
	unsigned int i = fz_pick(f, weights, FR_NR, sizeof(weights[0]));
	size_t pages = fz_regions[i].len / FZ_PAGE;
	size_t first = fz_below(f, pages);

	*uaddr = (uintptr_t)f->mem[i] + first * FZ_PAGE;
	*size = FZ_PAGE * (1 + fz_below(f, pages - first));
	if (fz_chance(f, 8))	/* past the end of the region */
		*size += FZ_PAGE * (1 + fz_below(f, 4));
	if (fz_chance(f, 8))
		*size = 1 + fz_below(f, *size);
	if (fz_chance(f, 10))
		*uaddr += 1 + fz_below(f, FZ_PAGE - 1);
}

/* User memory of an UPDATE: ours mostly, else none, kernel, the top. */
static void fz_user_range(struct fuzz *f, __u64 *uaddr, __u64 *size)
{
	static const __u64 sizes[] = { 0, 1ULL << 47, 1ULL << 63, ~0ULL };

	switch (fz_below(f, 16)) {
	case 0:
		*uaddr = (uintptr_t)f->hole;
		break;
	case 1:
		*uaddr = 0;
		break;
	case 2:
		*uaddr = FZ_KERNEL_PTR;
		break;
	case 3:
		*uaddr = FZ_USER_TOP - FZ_PAGE;
		*size = 2 * FZ_PAGE;
		return;
	case 4:
		*uaddr = fz_rand(f);
		break;
	default:
		fz_region_range(f, uaddr, size);
		if (fz_chance(f, 16))
			*size = sizes[fz_below(f, ARRAY_SIZE(sizes))];
		return;
	}
	*size = FZ_PAGE * (1 + fz_below(f, 16));
}

void fz_op_update(struct fuzz *f)
{
	struct vhost_msg_v2 m;
	__u64 off;

	fz_msg_init(f, &m, VHOST_IOTLB_UPDATE);
	fz_user_range(f, &m.iotlb.uaddr, &m.iotlb.size);
	/* The IOVA at the user address's page offset, mostly. */
	off = m.iotlb.uaddr & (FZ_PAGE - 1);
	m.iotlb.iova = fz_chance(f, 10) ? fz_rand(f) :
		       (fz_iova(f) & ~(FZ_PAGE - 1)) | off;
	if (fz_chance(f, 16))	/* wrapping past 2^64 */
		m.iotlb.iova = ~0ULL - fz_below(f, 2 * FZ_PAGE);
	m.iotlb.perm = fz_perm(f);
	fz_msg(f, &m, fz_msg_len(f));
}

/* A mapped range, a part of one, everything, or hostile ranges. */
void fz_op_invalidate(struct fuzz *f)
{
	const struct fz_map *map = NULL;
	struct vhost_msg_v2 m;

	fz_msg_init(f, &m, VHOST_IOTLB_INVALIDATE);
	if (f->nmaps)
		map = &f->maps[fz_below(f, f->nmaps)];
	switch (fz_below(f, 10)) {
	case 0:
		m.iotlb.size = ~0ULL;	/* [0, 2^64 - 2] */
		break;
	case 1:
		m.iotlb.iova = fz_iova(f);
		m.iotlb.size = fz_chance(f, 2) ? 0 : ~0ULL - fz_below(f, 16);
		break;
	case 2:
		m.iotlb.iova = fz_iova(f);
		m.iotlb.size = fz_rand(f) >> fz_below(f, 64);
		break;
	case 3:
		if (map) {	/* one page inside */
			m.iotlb.iova = map->first + FZ_PAGE;
			m.iotlb.size = FZ_PAGE;
			break;
		}
		/* fall through */
	default:
		m.iotlb.iova = map ? map->first : fz_iova(f);
		m.iotlb.size = map ? map->last - map->first + 1 : FZ_PAGE;
		if (map)
			m.asid = map->asid;
		break;
	}
	fz_msg(f, &m, fz_msg_len(f));
}

void fz_op_batch(struct fuzz *f)
{
	struct vhost_msg_v2 m;

	fz_msg_init(f, &m, fz_chance(f, 2) ? VHOST_IOTLB_BATCH_BEGIN :
					     VHOST_IOTLB_BATCH_END);
	m.iotlb.iova = fz_chance(f, 2) ? 0 : fz_rand(f);
	m.iotlb.size = fz_chance(f, 2) ? 0 : fz_rand(f);
	fz_msg(f, &m, fz_msg_len(f));
}

void fz_op_bad_type(struct fuzz *f)
{
	static const __u8 types[] = {
		0, VHOST_IOTLB_MISS, VHOST_IOTLB_ACCESS_FAIL, 7, 0x80, 0xff,
	};
	struct vhost_msg_v2 m;

	fz_msg_init(f, &m, types[fz_below(f, ARRAY_SIZE(types))]);
	fz_region_range(f, &m.iotlb.uaddr, &m.iotlb.size);
	m.iotlb.iova = fz_iova(f);
	m.iotlb.perm = fz_perm(f);
	fz_msg(f, &m, fz_msg_len(f));
}

void fz_op_bad_version(struct fuzz *f)
{
	struct vhost_msg_v2 m;

	fz_msg_init(f, &m, VHOST_IOTLB_UPDATE);
	fz_region_range(f, &m.iotlb.uaddr, &m.iotlb.size);
	m.iotlb.iova = fz_iova(f);
	m.iotlb.perm = VHOST_ACCESS_RW;
	do
		m.type = fz_chance(f, 2) ? fz_below(f, 8) : fz_rand(f);
	while (m.type == VHOST_IOTLB_MSG || m.type == VHOST_IOTLB_MSG_V2);
	fz_msg(f, &m, fz_msg_len(f));
}

/* A valid UPDATE cut short: less than a header and struct. */
void fz_op_short(struct fuzz *f)
{
	struct vhost_msg_v2 m;

	fz_msg_init(f, &m, VHOST_IOTLB_UPDATE);
	fz_region_range(f, &m.iotlb.uaddr, &m.iotlb.size);
	m.iotlb.iova = IOVA_BASE | (m.iotlb.uaddr & (FZ_PAGE - 1));
	m.iotlb.perm = VHOST_ACCESS_RW;
	fz_msg(f, &m, fz_below(f, FZ_MSG_MIN));
}
