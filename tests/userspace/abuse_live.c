// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa_user: abuse case live, hostile changes to a device that carries
 * frames.  One open, and for each step a reset and a full setup:
 *
 * - toggle: a second thread disables and re-enables the receive and the
 *   transmit queue (VHOST_VDPA_SET_VRING_ENABLE) while frames flow; every
 *   completion must be sane, every transmit buffer come back, frames
 *   dropped meanwhile are allowed; then frames must flow again, no
 *   NEEDS_RESET;
 * - num: VHOST_SET_VRING_NUM of the running receive queue to the maximum
 *   leaves the ring as it runs (frames flow); re-enabled, the ring runs
 *   past the mapping: NEEDS_RESET, the frame not received.  Packed: shrunk
 *   to 2 entries with the device at slot 3, re-enabling it sets
 *   NEEDS_RESET at once;
 * - asid: the data queues' group moved to the empty address space 1 with
 *   a frame in flight: NEEDS_RESET, and from the move on not a byte of
 *   the memory changes;
 * - base: VHOST_SET_VRING_BASE while running is EINVAL; suspended, a
 *   split ring moved 0x8000 ahead sets NEEDS_RESET once resumed; packed
 *   indices at or beyond the ring size are EINVAL suspended and before
 *   DRIVER_OK, and a valid base that a smaller size makes invalid sets
 *   NEEDS_RESET when the queue is enabled;
 * - garbage (abuse_garbage.c): random descriptors.
 *
 * After each: a reset and full setup, frames byte for byte; the guard
 * pages past the mapping never change; at the end nothing is pinned.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "abuse_live.h"

#define LV_TOGGLES 200		/* enable/disable pairs, at least */
#define LV_TOG_FRAMES 100	/* frames sent meanwhile, at least */
#define LV_TOG_MAXF 2000	/* ... and at most */
#define LV_SEQ_OFF (NET_HDR_LEN + 14)
#define LV_PWRAP 0x8000U	/* packed ring position: wrap counter bit */

static __u32 lv_want;		/* the frame lv_roundtrips() waits for */

/* --- engine ------------------------------------------------------------- */

static long lv_ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 +
	       (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* A ring of AB_RING entries laid out at @off of the memory, zeroed first. */
static int lv_ring(struct lv *l, struct vq *vq, unsigned int index,
		   size_t off)
{
	struct region view = {
		.va = l->n->mem.va + off, .iova = LV_IOVA + off,
		.len = LV_RING_AREA, .mapped = true,
	};

	memset(view.va, 0, LV_RING_AREA);
	return vq_create(vq, index, AB_RING, l->n->o->packed, &view);
}

/**
 * lv_prepare() - reset, negotiate, fresh rings; no queue set up yet
 * @l: the state
 *
 * Return: 0 or -errno.
 */
int lv_prepare(struct lv *l)
{
	struct net *n = l->n;
	__u64 v;
	int r;

	r = ab_reset(n);
	if (!r)
		r = ab_negotiate(n, BIT64(VIRTIO_RING_F_INDIRECT_DESC), 0);
	if (r)
		return r;
	l->indirect = n->d.features & BIT64(VIRTIO_RING_F_INDIRECT_DESC);
	vq_destroy(&n->rx);
	vq_destroy(&n->tx);
	r = lv_ring(l, &n->rx, NET_RXQ, LV_RXRING);
	if (!r)
		r = lv_ring(l, &n->tx, NET_TXQ, LV_TXRING);
	memset(l->rx_out, 0, sizeof(l->rx_out));
	memset(l->tx_out, 0, sizeof(l->tx_out));
	l->first = l->next;
	l->got = 0;
	(void)!read(l->cfg, &v, sizeof(v));
	return r;
}

/**
 * lv_setup() - lv_prepare(), both queues set up, DRIVER_OK
 * @l: the state
 *
 * Return: 0 or -errno.
 */
int lv_setup(struct lv *l)
{
	struct vq *vqs[2] = { &l->n->rx, &l->n->tx };
	int r = lv_prepare(l);

	if (!r)
		r = ab_setup(l->n, vqs, ARRAY_SIZE(vqs));
	if (!r)
		r = vdev_start(&l->n->d, "abuse live");
	return r;
}

/**
 * lv_refill() - post receive buffers (AB_PATTERN) up to @l->rx_cap, kick
 * @l: the state
 *
 * Return: 0 or -errno.
 */
int lv_refill(struct lv *l)
{
	struct net *n = l->n;
	unsigned int i, out = 0, posted = 0;
	int r;

	for (i = 0; i < LV_NRX; i++)
		out += l->rx_out[i];
	for (i = 0; i < LV_NRX && out + posted < l->rx_cap; i++) {
		if (l->rx_out[i])
			continue;
		memset(l->rx[i], AB_PATTERN, AB_RX_LEN);
		r = ab_post_rx(n, &n->mem, l->rx[i], AB_RX_LEN);
		if (r)
			return r;
		l->rx_out[i] = true;
		posted++;
	}
	return posted ? vq_kick(&n->rx) : 0;
}

/**
 * lv_send() - the next frame from a free transmit slot, kicked
 * @l: the state
 *
 * Return: 0, -EBUSY (reported) without a free slot, or -errno.
 */
int lv_send(struct lv *l)
{
	struct net *n = l->n;
	struct vq_buf b = { 0, AB_TX_LEN, false };
	unsigned int s;
	int r;

	for (s = 0; s < LV_NTX && l->tx_out[s]; s++)
		;
	if (s == LV_NTX || l->next >= LV_MAXSEQ) {
		fail("live: %s", s == LV_NTX ? "no free transmit slot" :
		     "out of sequence numbers");
		return -EBUSY;
	}
	lv_want = l->next;
	ab_frame(n, l->tx[s], l->next++);
	b.iova = region_iova(&n->mem, l->tx[s]);
	r = n->tx.ops->add(&n->tx, &b, 1, l->tx[s]);
	if (r) {
		fail("live: tx ring full: %s", errname(r));
		return r;
	}
	l->tx_out[s] = true;
	return vq_kick(&n->tx);
}

static int lv_index(__u8 *const *bufs, unsigned int n, const void *tok)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (bufs[i] == tok)
			return i;
	return -1;
}

/* A received frame: one of this setup's, first time, byte for byte. */
static int lv_check_rx(struct lv *l, const __u8 *buf, __u32 len)
{
	__u8 want[AB_TX_LEN];
	__u32 seq;

	if (len != AB_TX_LEN) {
		fail("live: rx used length %u, want %zu", len, AB_TX_LEN);
		return -EIO;
	}
	memcpy(&seq, buf + LV_SEQ_OFF, sizeof(seq));
	seq = be32toh(seq);
	if (seq < l->first || seq >= l->next || l->seen[seq]) {
		fail("live: received frame %u: %s (this setup sent %u..%u)",
		     seq, seq < l->next && seq >= l->first ? "twice" :
		     "never sent", l->first, l->next - 1);
		return -EIO;
	}
	ab_frame(l->n, want, seq);
	if (memcmp(buf + NET_HDR_LEN, want + NET_HDR_LEN, AB_FRAME_LEN)) {
		fail("live: frame %u: its bytes differ", seq);
		return -EIO;
	}
	l->seen[seq] = 1;
	l->got++;
	return ab_untouched(buf + len, AB_RX_LEN - len,
			    "receive buffer past the frame");
}

/**
 * lv_reap() - take every used buffer of both queues, checked
 * @l: the state
 *
 * Return: 0, or -EIO (reported) for an insane completion.
 */
int lv_reap(struct lv *l)
{
	struct net *n = l->n;
	void *tok;
	__u32 len;
	int r, i;

	while ((r = n->tx.ops->get(&n->tx, &tok, &len)) > 0) {
		i = lv_index(l->tx, LV_NTX, tok);
		if (i < 0 || !l->tx_out[i]) {
			fail("live: tx used %p, no transmit slot in flight", tok);
			return -EIO;
		}
		l->tx_out[i] = false;
	}
	while (r >= 0 && (r = n->rx.ops->get(&n->rx, &tok, &len)) > 0) {
		i = lv_index(l->rx, LV_NRX, tok);
		if (i < 0 || !l->rx_out[i]) {
			fail("live: rx used %p, no receive buffer posted", tok);
			return -EIO;
		}
		l->rx_out[i] = false;
		r = lv_check_rx(l, tok, len);
		if (r)
			return r;
	}
	return r < 0 ? r : 0;
}

/**
 * lv_wait() - wait for a condition, or NEEDS_RESET, up to --timeout
 * @l: the state; unless @l->quiet, used buffers are reaped first
 * @done: the condition, NULL for none (NEEDS_RESET is awaited)
 * @what: for the message
 *
 * Sleeps in poll() on both call eventfds and the config eventfd.
 *
 * Return: 1 @done, 0 NEEDS_RESET, -ETIMEDOUT (reported), -errno.
 */
int lv_wait(struct lv *l, bool (*done)(struct lv *l), const char *what)
{
	struct net *n = l->n;
	struct pollfd p[3] = {
		{ n->rx.call_fd, POLLIN, 0 }, { n->tx.call_fd, POLLIN, 0 },
		{ l->cfg, POLLIN, 0 },
	};
	struct timespec t0;
	unsigned int i;
	long left;
	__u64 v;
	__u8 s;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		r = l->quiet ? 0 : lv_reap(l);
		if (r)
			return r;
		if (done && done(l))
			return 1;
		r = ab_status(n, &s);
		if (r)
			return r;
		if (s & VIRTIO_CONFIG_S_NEEDS_RESET)
			return 0;
		left = n->o->timeout_ms - lv_ms_since(&t0);
		if (left <= 0) {
			fail("live: %s: nothing within %d ms (status %#x)", what,
			     n->o->timeout_ms, s);
			return -ETIMEDOUT;
		}
		if (poll(p, ARRAY_SIZE(p), left) < 0)
			return -errno;
		for (i = 0; i < ARRAY_SIZE(p); i++)
			if (p[i].revents & POLLIN)
				(void)!read(p[i].fd, &v, sizeof(v));
	}
}

static bool lv_tx_free(struct lv *l)
{
	return !l->tx_out[0] || !l->tx_out[1];
}

static bool lv_tx_idle(struct lv *l)
{
	return !l->tx_out[0] && !l->tx_out[1];
}

static bool lv_frame_back(struct lv *l)
{
	return l->seen[lv_want] && lv_tx_idle(l);
}

/**
 * lv_ok() - lv_wait()'s result as 0 or -errno
 * @r: the result
 * @what: what was awaited, for the message
 *
 * Return: 0 if the condition came, else -EIO (NEEDS_RESET, reported) or
 * the error.
 */
int lv_ok(int r, const char *what)
{
	if (r == 0)
		fail("live: %s: NEEDS_RESET instead", what);
	return r == 1 ? 0 : r ?: -EIO;
}

/**
 * lv_roundtrips() - @k frames, each must arrive byte for byte
 * @l: the state, running
 * @k: how many
 * @what: when, for the message
 *
 * Return: 0 or -errno (reported; NEEDS_RESET is a failure).
 */
int lv_roundtrips(struct lv *l, unsigned int k, const char *what)
{
	unsigned int i;
	int r = 0;

	for (i = 0; !r && i < k; i++) {
		r = lv_refill(l);
		if (!r)
			r = lv_ok(lv_wait(l, lv_tx_idle, what), what);
		if (!r)
			r = lv_send(l);
		if (!r)
			r = lv_ok(lv_wait(l, lv_frame_back, what), what);
	}
	if (r)
		fail("live: %s: frame %u of %u", what, i, k);
	return r;
}

/* NEEDS_RESET must come, and no frame from sequence number @since on. */
static int lv_expect_reset(struct lv *l, __u32 since, const char *what)
{
	int r = lv_wait(l, NULL, what);
	__u32 seq;

	for (seq = since; r == 0 && seq < l->next; seq++) {
		if (l->seen[seq]) {
			fail("live: %s: frame %u arrived", what, seq);
			return -EIO;
		}
	}
	if (r > 0)
		r = -EIO;
	if (r)
		fail("live: %s: want NEEDS_RESET", what);
	return r;
}

/**
 * lv_guard() - the pages past the mapping still hold AB_PATTERN
 * @l: the state
 *
 * Return: 0 or -EIO (reported).
 */
int lv_guard(struct lv *l)
{
	return ab_untouched(l->n->mem.va + LV_MAPPED, LV_LEN - LV_MAPPED,
			    "guard pages past the mapping");
}

/**
 * lv_sync() - wait until the device's worker is done with a queue
 * @l: the state
 * @vq: the queue
 *
 * VHOST_GET_VRING_BASE takes the queue's lock in the simulator: what a
 * worker published of the queue is visible afterwards.
 *
 * Return: 0 or -errno.
 */
int lv_sync(struct lv *l, struct vq *vq)
{
	__u32 base;

	return vq_get_base(&l->n->d, vq, &base);
}

static int lv_state(struct lv *l, unsigned long req, unsigned int q,
		    __u32 num)
{
	struct vhost_vring_state s = { q, num };

	return ioctl(l->n->d.fd, req, &s) ? -errno : 0;
}

/* An ioctl that must give @want (0 or -errno). */
static int lv_expect(struct lv *l, unsigned long req, unsigned int q,
		     __u32 num, int want, const char *what)
{
	int r = lv_state(l, req, q, num);

	diag("live: %s: %s", what, errname(r));
	if (r == want)
		return 0;
	fail("live: %s: %s, want %s", what, r ? errname(r) : "success",
	     want ? errname(want) : "success");
	return -EIO;
}

/* --- toggle ------------------------------------------------------------ */

/**
 * struct lv_tog - the thread that toggles the queues
 * @fd: the device
 * @stop: set by the main thread
 * @count: disable/enable pairs done
 * @err: first ioctl error
 */
struct lv_tog {
	int fd;
	int stop;
	unsigned int count;
	int err;
};

static void *lv_toggler(void *arg)
{
	struct lv_tog *t = arg;
	struct vhost_vring_state s;
	unsigned int c = 0;

	while (!__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE)) {
		s.index = c & 1 ? NET_TXQ : NET_RXQ;
		s.num = 0;
		if (ioctl(t->fd, VHOST_VDPA_SET_VRING_ENABLE, &s))
			t->err = -errno;
		sched_yield();
		s.num = 1;
		if (ioctl(t->fd, VHOST_VDPA_SET_VRING_ENABLE, &s) && !t->err)
			t->err = -errno;
		__atomic_store_n(&t->count, ++c, __ATOMIC_RELEASE);
		if (t->err)
			break;
		sched_yield();
	}
	return NULL;
}

static bool lv_tog_more(struct lv *l, struct lv_tog *t, __u32 sent0)
{
	__u32 sent = l->next - sent0;

	if (sent >= LV_TOG_MAXF || t->err)
		return false;
	return __atomic_load_n(&t->count, __ATOMIC_ACQUIRE) < LV_TOGGLES ||
	       sent < LV_TOG_FRAMES;
}

/* Frames while the other thread toggles: none may be insane or stuck. */
static int lv_tog_traffic(struct lv *l, struct lv_tog *t, __u32 *sent,
			  __u32 *got)
{
	__u32 sent0 = l->next, got0 = l->got;
	int r = 0;

	while (!r && lv_tog_more(l, t, sent0)) {
		r = lv_refill(l);
		if (!r)
			r = lv_send(l);
		if (!r)
			r = lv_ok(lv_wait(l, lv_tx_free, "toggles"),
				  "a transmit slot back during the toggles");
	}
	*sent = l->next - sent0;
	*got = l->got - got0;
	return r;
}

static int lv_toggle(struct lv *l, char *sum, size_t len)
{
	struct lv_tog t = { .fd = l->n->d.fd };
	__u32 sent = 0, got = 0;
	pthread_t tid;
	int r, e;

	r = lv_setup(l);
	if (!r)
		r = lv_roundtrips(l, 2, "before the toggles");
	if (r)
		return r;
	e = pthread_create(&tid, NULL, lv_toggler, &t);
	if (e) {
		fail("live: pthread_create: %s", errname(e));
		return -e;
	}
	r = lv_tog_traffic(l, &t, &sent, &got);
	__atomic_store_n(&t.stop, 1, __ATOMIC_RELEASE);
	pthread_join(tid, NULL);
	if (t.err) {
		fail("live: VHOST_VDPA_SET_VRING_ENABLE in the toggling thread: %s",
		     errname(t.err));
		r = r ?: -EIO;
	}
	if (!r)
		r = lv_ok(lv_wait(l, lv_tx_idle, "after the toggles"),
			  "every transmit buffer back after the toggles");
	if (!r)
		r = lv_roundtrips(l, 8, "after the toggles");
	if (!r)
		r = lv_guard(l);
	snprintf(sum, len, "toggle: %u enable/disable pairs, %u frames sent meanwhile, %u arrived, all sane; 8 more byte-exact",
		 t.count, sent, got);
	return r;
}

/* --- num --------------------------------------------------------------- */

/* Packed: shrunk to 2 entries with the device at slot 3, then enabled. */
static int lv_num_shrink(struct lv *l)
{
	int r;

	r = lv_setup(l);
	if (!r)
		r = lv_roundtrips(l, 3, "before shrinking the ring");
	if (!r)
		r = lv_expect(l, VHOST_SET_VRING_NUM, NET_RXQ, 2, 0,
			      "SET_VRING_NUM 2 (rx, running, at slot 3)");
	if (!r)
		r = lv_expect(l, VHOST_VDPA_SET_VRING_ENABLE, NET_RXQ, 0, 0,
			      "SET_VRING_ENABLE 0 (rx)");
	if (!r)
		r = lv_expect(l, VHOST_VDPA_SET_VRING_ENABLE, NET_RXQ, 1, 0,
			      "SET_VRING_ENABLE 1 (rx, slot 3 of 2)");
	if (!r)
		r = lv_expect_reset(l, l->next,
				    "rx re-enabled at slot 3 of a 2-entry ring");
	return r;
}

static int lv_num(struct lv *l, char *sum, size_t len)
{
	__u32 max = l->n->d.vq_num_max, since;
	const char *e;
	int r, got;

	r = lv_setup(l);
	if (!r)
		r = lv_roundtrips(l, 2, "before SET_VRING_NUM");
	if (r)
		return r;
	got = lv_state(l, VHOST_SET_VRING_NUM, NET_RXQ, max);
	e = errname(got);
	diag("live: SET_VRING_NUM %u (rx, running): %s", max, e);
	if (got && got != -EBUSY && got != -EINVAL) {
		fail("live: SET_VRING_NUM of the running rx: %s, want success, EBUSY or EINVAL",
		     e);
		return -EIO;
	}
	r = lv_roundtrips(l, 4, "with the size changed under the running ring");
	since = l->next;
	if (!r && !got)
		r = lv_expect(l, VHOST_VDPA_SET_VRING_ENABLE, NET_RXQ, 0, 0,
			      "SET_VRING_ENABLE 0 (rx)") ?:
		    lv_expect(l, VHOST_VDPA_SET_VRING_ENABLE, NET_RXQ, 1, 0,
			      "SET_VRING_ENABLE 1 (rx, now the maximum size)") ?:
		    lv_refill(l) ?: lv_send(l) ?:
		    lv_expect_reset(l, since, "a frame to the re-enabled rx running past the mapping");
	if (!r)
		r = lv_guard(l);
	if (!r && !got && l->n->o->packed)
		r = lv_num_shrink(l);
	snprintf(sum, len, "num: SET_VRING_NUM %u while running: %s, ring unchanged (4 frames)%s%s",
		 max, e, got ? "" : ", re-enabled past the mapping: NEEDS_RESET",
		 !got && l->n->o->packed ?
		 "; shrunk to 2 at slot 3: NEEDS_RESET at enable" : "");
	return r;
}

/* --- asid -------------------------------------------------------------- */

static int lv_unchanged(const __u8 *snap, const __u8 *now, size_t len)
{
	size_t i;

	for (i = 0; i < len && snap[i] == now[i]; i++)
		;
	if (i == len)
		return 0;
	fail("live: memory at +%#zx changed after the group moved to AS 1 (%#x -> %#x)",
	     i, snap[i], now[i]);
	return -EIO;
}

/* Move the data group to AS 1 with a frame in flight; snapshot at once. */
static int lv_move(struct lv *l, __u8 *snap, __u32 *group)
{
	struct net *n = l->n;
	struct vhost_vring_state s;
	__u32 gtx = 0;
	int r;

	r = ab_group(n, NET_RXQ, group) ?: ab_group(n, NET_TXQ, &gtx);
	if (!r && *group != gtx) {
		fail("live: rx in group %u, tx in group %u", *group, gtx);
		return -EIO;
	}
	r = r ?: lv_refill(l) ?: lv_send(l);
	if (r)
		return r;
	s.index = *group;
	s.num = 1;
	r = xioctl(n->d.fd, VHOST_VDPA_SET_GROUP_ASID, &s,
		   "VHOST_VDPA_SET_GROUP_ASID(data group -> AS 1)");
	if (!r)
		memcpy(snap, n->mem.va, LV_LEN);
	return r;
}

static int lv_asid(struct lv *l, char *sum, size_t len)
{
	__u8 *snap = malloc(LV_LEN);
	__u32 group = 0;
	int r;

	if (!snap)
		return -ENOMEM;
	r = lv_setup(l);
	if (!r)
		r = lv_roundtrips(l, 2, "before moving the data group");
	if (!r)
		r = lv_move(l, snap, &group);
	l->quiet = true;	/* from now on the driver writes nothing */
	if (!r)
		r = vq_kick(&l->n->tx) ?: vq_kick(&l->n->rx);
	if (!r)
		r = lv_expect_reset(l, l->next, "the data group in the empty AS 1");
	l->quiet = false;
	if (!r)
		r = lv_unchanged(snap, l->n->mem.va, LV_LEN);
	if (!r)
		r = lv_reap(l);
	free(snap);
	snprintf(sum, len, "asid: data group %u moved to the empty AS 1 with frame %u in flight (%s): NEEDS_RESET, memory unchanged since",
		 group, l->next - 1, l->seen[l->next - 1] ? "arrived before" :
		 "not arrived");
	return r;
}

/* --- base -------------------------------------------------------------- */

static int lv_suspend(struct lv *l, bool on)
{
	return xioctl(l->n->d.fd, on ? VHOST_VDPA_SUSPEND : VHOST_VDPA_RESUME,
		      NULL, on ? "VHOST_VDPA_SUSPEND" : "VHOST_VDPA_RESUME");
}

/*
 * Split, suspended: the receive base moved 0x8000 ahead, a buffer and a
 * frame posted, resumed.  The first pop finds the available index a
 * queue size behind: NEEDS_RESET, and the used index the driver saw is
 * left as it was (nothing was used).
 */
static int lv_base_split(struct lv *l)
{
	struct vring_used *u = l->n->rx.dev;
	__u32 b = 0, since = l->next;
	__u16 idx;
	int r;

	r = lv_suspend(l, true) ?: vq_get_base(&l->n->d, &l->n->rx, &b) ?:
	    lv_expect(l, VHOST_SET_VRING_BASE, NET_RXQ, (b + 0x8000) & 0xffff,
		      0, "SET_VRING_BASE rx 0x8000 ahead (suspended)") ?:
	    lv_refill(l) ?: lv_send(l) ?: lv_suspend(l, false);
	l->quiet = true;
	r = r ?: lv_expect_reset(l, since,
				 "a frame with the rx base 0x8000 ahead of the ring");
	l->quiet = false;
	idx = le16toh(__atomic_load_n(&u->idx, __ATOMIC_ACQUIRE));
	if (!r && idx != l->n->rx.used_idx) {
		fail("live: rx used index %u after NEEDS_RESET, the driver saw %u and nothing was used",
		     idx, l->n->rx.used_idx);
		r = -EIO;
	}
	return r;
}

static __u32 lv_pos(__u32 slot, bool wrap)
{
	return slot | (wrap ? LV_PWRAP : 0);
}

/* Packed, suspended: indices at or past the size refused, state kept. */
static int lv_base_packed(struct lv *l)
{
	__u32 b0 = 0, b1 = 0, used;
	int r;

	r = lv_suspend(l, true) ?: vq_get_base(&l->n->d, &l->n->rx, &b0);
	used = b0 & 0xffff0000;
	r = r ?: lv_expect(l, VHOST_SET_VRING_BASE, NET_RXQ,
			   used | lv_pos(AB_RING, true), -EINVAL,
			   "SET_VRING_BASE rx avail slot 4 of 4 (suspended)") ?:
	    lv_expect(l, VHOST_SET_VRING_BASE, NET_RXQ, used | 0x7fff,
		      -EINVAL, "SET_VRING_BASE rx avail slot 0x7fff (suspended)") ?:
	    lv_expect(l, VHOST_SET_VRING_BASE, NET_RXQ,
		      (b0 & 0xffff) | lv_pos(7, true) << 16, -EINVAL,
		      "SET_VRING_BASE rx used slot 7 of 4 (suspended)") ?:
	    vq_get_base(&l->n->d, &l->n->rx, &b1);
	if (!r && b1 != b0) {
		fail("live: rx base %#x after the refused SET_VRING_BASEs, %#x before",
		     b1, b0);
		r = -EIO;
	}
	return r ?: lv_suspend(l, false) ?:
	       lv_roundtrips(l, 2, "resumed after the refused SET_VRING_BASEs");
}

/* NUM, ADDR and BASE of rx, by hand: the queue is not enabled. */
static int lv_rx_num_addr(struct lv *l, __u32 num)
{
	struct vq *vq = &l->n->rx;
	struct vhost_vring_addr a = {
		.index = vq->index, .desc_user_addr = vq->desc_iova,
		.avail_user_addr = vq->drv_iova, .used_user_addr = vq->dev_iova,
	};

	return lv_expect(l, VHOST_SET_VRING_NUM, NET_RXQ, num, 0,
			 "SET_VRING_NUM rx (before DRIVER_OK)") ?:
	       xioctl(l->n->d.fd, VHOST_SET_VRING_ADDR, &a,
		      "VHOST_SET_VRING_ADDR");
}

/*
 * Packed, before DRIVER_OK: a base past the size is EINVAL before the
 * queue is enabled too; a valid one that a smaller size then makes
 * invalid sets NEEDS_RESET when the queue is enabled.
 */
static int lv_base_early(struct lv *l)
{
	__u32 three = lv_pos(3, true) | lv_pos(3, true) << 16;
	__u8 s = 0;
	int r;

	r = lv_prepare(l) ?: lv_rx_num_addr(l, AB_RING) ?:
	    lv_expect(l, VHOST_SET_VRING_BASE, NET_RXQ,
		      lv_pos(AB_RING, true) | lv_pos(0, true) << 16, -EINVAL,
		      "SET_VRING_BASE rx avail slot 4 of 4 (not enabled)") ?:
	    lv_expect(l, VHOST_SET_VRING_BASE, NET_RXQ, three, 0,
		      "SET_VRING_BASE rx slot 3 of 4 (not enabled)") ?:
	    lv_expect(l, VHOST_SET_VRING_NUM, NET_RXQ, 2, 0,
		      "SET_VRING_NUM rx 2 after it") ?:
	    lv_expect(l, VHOST_VDPA_SET_VRING_ENABLE, NET_RXQ, 1, 0,
		      "SET_VRING_ENABLE rx at slot 3 of 2") ?:
	    ab_status(l->n, &s);
	if (!r && !(s & VIRTIO_CONFIG_S_NEEDS_RESET)) {
		fail("live: rx enabled at slot 3 of a 2-entry ring: status %#x, no NEEDS_RESET",
		     s);
		r = -EIO;
	}
	return r;
}

static int lv_base(struct lv *l, char *sum, size_t len)
{
	bool packed = l->n->o->packed;
	int r;

	r = lv_setup(l);
	if (!r)
		r = lv_roundtrips(l, 2, "before SET_VRING_BASE");
	if (!r)
		r = lv_expect(l, VHOST_SET_VRING_BASE, NET_RXQ,
			      packed ? lv_pos(1, true) << 16 | lv_pos(1, true) :
			      1, -EINVAL, "SET_VRING_BASE rx (running)");
	if (!r)
		r = lv_roundtrips(l, 2, "after the refused SET_VRING_BASE");
	if (!r)
		r = packed ? lv_base_packed(l) : lv_base_split(l);
	if (!r && packed)
		r = lv_base_early(l);
	if (packed)
		snprintf(sum, len, "base: running EINVAL; suspended, slots 4, 0x7fff (avail) and 7 (used) of 4 EINVAL, state kept, resumed fine; not enabled: slot 4 EINVAL, slot 3 then size 2: NEEDS_RESET at enable");
	else
		snprintf(sum, len, "base: running EINVAL; suspended and moved 0x8000 ahead: NEEDS_RESET once resumed");
	return r;
}

/* --- the case ---------------------------------------------------------- */

static int lv_open(struct lv *l, const struct options *o)
{
	__u64 be = BIT64(VHOST_BACKEND_F_IOTLB_ASID) |
		   BIT64(VHOST_BACKEND_F_SUSPEND) |
		   BIT64(VHOST_BACKEND_F_RESUME);
	struct net *n;
	unsigned int i;
	int r;

	l->cfg = -1;
	l->rx_cap = LV_NRX;
	r = ab_open(&l->n, o, be);
	n = l->n;
	if (r)
		return r;
	r = ab_need_backend(n, VHOST_BACKEND_F_IOTLB_ASID, "IOTLB_ASID") ?:
	    ab_need_backend(n, VHOST_BACKEND_F_SUSPEND, "SUSPEND") ?:
	    ab_need_backend(n, VHOST_BACKEND_F_RESUME, "RESUME") ?:
	    xioctl(n->d.fd, VHOST_VDPA_GET_AS_NUM, &l->nas,
		   "VHOST_VDPA_GET_AS_NUM");
	if (!r && l->nas < 2) {
		fail("live: %u address space(s), the case needs 2", l->nas);
		r = -EOPNOTSUPP;
	}
	r = r ?: region_create(&n->mem, LV_LEN, LV_IOVA, 0);
	if (r)
		return r;
	memset(n->mem.va + LV_MAPPED, AB_PATTERN, LV_LEN - LV_MAPPED);
	for (i = 0; i < LV_NRX; i++)
		l->rx[i] = n->mem.va + i * AB_RX_LEN;
	for (i = 0; i < LV_NTX; i++)
		l->tx[i] = n->mem.va + 2 * LV_PAGE + i * LV_TX_STRIDE;
	r = iotlb_checked(n->d.fd, 0, VHOST_IOTLB_UPDATE, LV_IOVA, LV_MAPPED,
			  n->mem.va);
	n->mem.mapped = !r;
	l->cfg = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!r && l->cfg < 0)
		r = -errno;
	return r ?: xioctl(n->d.fd, VHOST_VDPA_SET_CONFIG_CALL, &l->cfg,
			   "VHOST_VDPA_SET_CONFIG_CALL");
}

/* Reset, unmap: VmPin back to @pin0. */
static int lv_close(struct lv *l, long pin0)
{
	int r;

	r = lv_setup(l);
	if (!r)
		r = lv_roundtrips(l, 4, "at the end");
	if (!r)
		r = ab_reset(l->n);
	if (!r)
		r = iotlb_checked(l->n->d.fd, 0, VHOST_IOTLB_INVALIDATE, LV_IOVA,
				  LV_MAPPED, NULL);
	if (!r)
		r = ab_pin_is(pin0, "with everything invalidated");
	return r;
}

static int lv_garbage_step(struct lv *l, char *sum, size_t len)
{
	const struct options *o = l->n->o;

	return lv_garbage(l, o->seed ?: 1, o->ops ?: 200, sum, len);
}

/**
 * struct lv_step - one step of the case
 * @name: for the messages
 * @run: runs it on a set-up device, writes its summary
 */
struct lv_step {
	const char *name;
	int (*run)(struct lv *l, char *sum, size_t len);
};

static const struct lv_step lv_steps[] = {
	{ "toggle", lv_toggle },
	{ "num", lv_num },
	{ "asid", lv_asid },
	{ "base", lv_base },
	{ "garbage", lv_garbage_step },
};

/**
 * ab_live() - hostile changes to a device carrying frames
 * @o: the command line (--packed, --seed and --ops for the garbage)
 *
 * Return: 0 or -errno.
 */
int ab_live(const struct options *o)
{
	struct lv *l = calloc(1, sizeof(*l));
	char sum[256];
	unsigned int i;
	struct vm_kb v0;
	int r;

	if (!l)
		return -ENOMEM;
	r = vm_read(&v0);
	if (!r)
		r = lv_open(l, o);
	for (i = 0; !r && i < ARRAY_SIZE(lv_steps); i++) {
		sum[0] = 0;
		r = lv_steps[i].run(l, sum, sizeof(sum));
		if (r)
			fail("live: step %s (%s ring)", lv_steps[i].name,
			     o->packed ? "packed" : "split");
		else
			diag("live: %s", sum);
		if (!r)
			r = lv_setup(l) ?: lv_roundtrips(l, 2, "after the step");
	}
	if (!r)
		r = lv_close(l, v0.pin);
	net_close(l->n);
	if (l->cfg >= 0)
		close(l->cfg);
	free(l);
	if (!r)
		ab_sum("%s ring: toggle, num, asid, base and garbage steps as above, each followed by a reset, a full setup and byte-exact frames; guard pages untouched; VmPin back to %ld kB",
		       o->packed ? "packed" : "split", v0.pin);
	return r;
}
