/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vdpa_user: the live abuse case, shared by abuse_live.c (traffic engine,
 * enable toggles, ring size, address space, ring base) and
 * abuse_garbage.c (descriptor garbage).
 */
#ifndef VDPA_USER_ABUSE_LIVE_H
#define VDPA_USER_ABUSE_LIVE_H

#include "abuse.h"

#define LV_PAGE 4096UL
#define LV_IOVA (AB_IOVA + (8ULL << 30))
#define LV_MAPPED (6 * LV_PAGE)		/* mapped for the device */
#define LV_LEN (8 * LV_PAGE)		/* the rest: guard, never mapped */
#define LV_NRX AB_RING			/* receive buffers, pages 0-1 */
#define LV_NTX 2			/* transmit slots, page 2 */
#define LV_TX_STRIDE 128
#define LV_RING_AREA 0xc0		/* both layouts of AB_RING entries */
#define LV_TXRING (4 * LV_PAGE)
#define LV_RXRING (LV_MAPPED - 0x200)	/* a larger ring runs past the end */
#define LV_MAXSEQ 8192

/**
 * struct lv - the live case's device and traffic state
 * @n: the device; n->mem is the memory above (LV_LEN, LV_MAPPED mapped)
 * @cfg: config interrupt eventfd (NEEDS_RESET raises it)
 * @rx: the receive buffers
 * @rx_out: each is on the receive ring
 * @rx_cap: lv_refill() keeps this many on it
 * @tx: the transmit slots
 * @tx_out: each is on the transmit ring
 * @first: sequence number of the first frame since lv_prepare()
 * @next: sequence number of the next frame
 * @got: frames received since lv_prepare()
 * @seen: per sequence number: it arrived
 * @quiet: lv_wait() leaves the rings alone (reaping writes to them)
 * @nas: address spaces
 * @indirect: VIRTIO_RING_F_INDIRECT_DESC negotiated
 */
struct lv {
	struct net *n;
	int cfg;
	__u8 *rx[LV_NRX];
	bool rx_out[LV_NRX];
	unsigned int rx_cap;
	__u8 *tx[LV_NTX];
	bool tx_out[LV_NTX];
	__u32 first;
	__u32 next;
	__u32 got;
	__u8 seen[LV_MAXSEQ];
	bool quiet;
	__u32 nas;
	bool indirect;
};

int lv_prepare(struct lv *l);
int lv_setup(struct lv *l);
int lv_refill(struct lv *l);
int lv_send(struct lv *l);
int lv_reap(struct lv *l);
int lv_wait(struct lv *l, bool (*done)(struct lv *l), const char *what);
int lv_ok(int r, const char *what);
int lv_roundtrips(struct lv *l, unsigned int k, const char *what);
int lv_guard(struct lv *l);
int lv_sync(struct lv *l, struct vq *vq);
int lv_garbage(struct lv *l, __u64 seed, unsigned int rounds, char *sum,
	       size_t len);

#endif
