/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vdpa_user: log, the dirty-page log of vhost_vdpa (VHOST_F_LOG_ALL,
 * VHOST_SET_LOG_BASE, VHOST_SET_LOG_FD, VHOST_VRING_F_LOG).  Shared by
 * log.c (the command, logs in our memory, page sets, the exact check,
 * debugfs), log_net.c (the net cases), log_blk.c (blk) and log_err.c
 * (errnos, ring positions after a reset, parents that cannot log).
 */
#ifndef VDPA_USER_LOG_H
#define VDPA_USER_LOG_H

#include <sys/types.h>

#include "vdpa_user.h"

#define LOG_PAGE 4096ULL	/* IOVA bytes per log bit (vhost's VHOST_PAGE_SIZE) */
#define LOG_SHIFT 12
#define LOG_BITS_PER_PAGE (LOG_PAGE * 8)	/* bits in one page of the log */
#define LOG_ALL BIT64(VHOST_F_LOG_ALL)
#define LOG_GUARD 0x5a		/* fills the guard page and bytes the kernel must not touch */
#define LOG_SETTLE_US 20000	/* a worker's last ring writes after a completion */

/**
 * struct dlog - a dirty log in our memory
 * @map: the mapping: @npages pages of log, then one read-only guard page
 *	 (a VMA of its own, filled with LOG_GUARD)
 * @npages: pages of the log's VMA
 * @off: the log base is @map + @off
 * @unmapped: the test munmap()ed the log's pages
 */
struct dlog {
	__u8 *map;
	size_t npages;
	size_t off;
	bool unmapped;
};

/**
 * struct pset - a set of IOVA pages (4 KiB), as a bitmap
 * @bits: one bit per page
 * @npages: pages it can hold
 */
struct pset {
	__u8 *bits;
	__u64 npages;
};

/* log.c: logs */
int dlog_create(struct dlog *l, size_t npages, size_t off);
void dlog_destroy(struct dlog *l);
__u8 *dlog_base(const struct dlog *l);
__u64 dlog_nbits(const struct dlog *l);
bool dlog_test(const struct dlog *l, __u64 page);
void dlog_clear(struct dlog *l);
__u64 dlog_count(const struct dlog *l);
__u8 *dlog_snapshot(const struct dlog *l);
int dlog_same(const struct dlog *l, const __u8 *snap, const char *what);
int dlog_guard_ok(const struct dlog *l, const char *what);
size_t dlog_pages_for(__u64 end_page, size_t off);
unsigned long log_pinned_pages(__u64 window, size_t off, size_t vma_pages);

/* log.c: page sets */
int pset_init(struct pset *s, __u64 npages);
void pset_free(struct pset *s);
void pset_clear(struct pset *s);
void pset_add(struct pset *s, __u64 iova, __u64 len);
bool pset_has(const struct pset *s, __u64 page);
__u64 pset_count(const struct pset *s);

/* log.c: checks */
int log_check(const struct dlog *l, const struct pset *req,
	      const struct pset *allow, const char *what);
int log_want(int got, int want, const char *what);
int log_ioctl_is(int fd, unsigned long req, void *arg, int want,
		 const char *what);
int log_pin_is(long want_kb, const char *when);
int log_pin_kb(long *kb);

/* log.c: rings */
int log_ring_create(struct vq *vq, struct region *r, unsigned int index,
		    unsigned int page, __u16 num, bool packed);
void log_ring_pages(const struct vq *vq, bool packed, bool flog,
		    __u64 log_addr, struct pset *req, struct pset *allow);

/* log.c: the device */
int log_set_base(int fd, const void *base);
int log_set_features(struct vdev *d, bool on);
int log_set_fd(int fd, int efd);
int log_vring_addr(struct vdev *d, const struct vq *vq, bool flog,
		   __u64 log_addr);
int log_debugfs(const struct vdev *d, const char *key, long long *val);
int log_debugfs_is(const struct vdev *d, const char *key, long long want,
		   const char *when);
int log_offered(const struct vdev *d);
__printf(1, 2) void log_sum(const char *fmt, ...);

/* the cases */
int log_net(const struct options *o);
int log_toggle(const struct options *o);
int log_switch(const struct options *o);
int log_munmap(const struct options *o);
int log_small(const struct options *o);
int log_blk(const struct options *o);
int log_errno(const struct options *o);
int log_nolog(const struct options *o);

#endif
