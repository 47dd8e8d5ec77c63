/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vdpa_user: abuse, regression tests of the address-space rules of
 * vhost_vdpa and the simulator.  Shared by abuse.c (the command, the
 * helpers, cvq-index), abuse_phys.c (rings at raw physical addresses),
 * abuse_iotlb.c (invalidation, batches, wrapping updates), abuse_huge.c
 * (thp, hugetlb: unaligned updates over huge pages), abuse_full.c
 * (iotlb-full: table and RLIMIT_MEMLOCK limits), abuse_live.c and
 * abuse_garbage.c (live: hostile changes to a running device).
 */
#ifndef VDPA_USER_ABUSE_H
#define VDPA_USER_ABUSE_H

#include "net.h"

#define AB_RING 4		/* every ring: all its areas fit in a page */
#define AB_IOVA (1ULL << 45)	/* far above any RAM: never a physical address */
#define AB_MEM_LEN 16384	/* rings, transmit and receive buffer */
#define AB_FRAME_LEN 64		/* Ethernet frame, its header included */
#define AB_TX_LEN (NET_HDR_LEN + AB_FRAME_LEN)
#define AB_RX_LEN 2048		/* receive buffer (header + frame) */
#define AB_PATTERN 0xa5		/* fills what the device must not write */
#define AB_POLL_MS 5		/* status polling period */

/* abuse.c: device, status, traffic */
int ab_open(struct net **np, const struct options *o, __u64 backend);
int ab_need_backend(struct net *n, int bit, const char *name);
int ab_negotiate(struct net *n, __u64 want, __u64 need);
int ab_status(struct net *n, __u8 *status);
int ab_reset(struct net *n);
int ab_driver_ok(struct net *n);
int ab_wait_reset(struct net *n, int *ms);
int ab_group(struct net *n, unsigned int index, __u32 *group);
int ab_data_mem(struct net *n, size_t len, __u64 iova);
int ab_setup(struct net *n, struct vq *const *vqs, unsigned int nvqs);
void ab_frame(const struct net *n, __u8 *buf, __u32 seq);
int ab_post_rx(struct net *n, const struct region *r, __u8 *buf, __u32 len);
int ab_send(struct net *n, __u32 seq);
int ab_wait_used(struct net *n, struct vq *vq, void **token, __u32 *len);
int ab_roundtrip(struct net *n, const struct region *r, __u8 *buf,
		 __u32 seq);
int ab_untouched(const __u8 *buf, size_t len, const char *what);
int ab_pin_is(long want_kb, const char *when);
__printf(1, 2) void ab_sum(const char *fmt, ...);

/* the cases */
int ab_raw_phys(const struct options *o);
int ab_raw_phys_reset(const struct options *o);
int ab_cvq_asid(const struct options *o);
int ab_invalidate(const struct options *o);
int ab_invalidate_batch(const struct options *o);
int ab_size_wrap(const struct options *o);
int ab_cvq_index(const struct options *o);
int ab_thp(const struct options *o);
int ab_hugetlb(const struct options *o);
int ab_iotlb_full(const struct options *o);
int ab_live(const struct options *o);

/* abuse_huge.c */
int ab_smaps_kb(const void *addr, const char *key, long *kb);

#endif
