// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa_user: net-loop, frames through a loopback virtio-net device.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "net.h"

#define ETHERTYPE 0x88b5	/* IEEE local experimental */
#define ETH_HLEN 14
#define SEQ_OFF ETH_HLEN
#define MIN_FRAME (ETH_HLEN + 8)

static const __u8 src_mac[6] = { 0x02, 0, 0, 0, 0, 0xfe };

/*
 * Ethernet frame @seq of this run: our MAC, seq, run id, pattern (not in
 * --bench mode: the payload is whatever the slot held before).
 */
static void frame_fill(const struct net *n, __u32 seq, __u8 *f)
{
	__u32 be, i;

	memcpy(f, n->mac, 6);
	memcpy(f + 6, src_mac, 6);
	f[12] = ETHERTYPE >> 8;
	f[13] = ETHERTYPE & 0xff;
	be = htobe32(seq);
	memcpy(f + SEQ_OFF, &be, 4);
	be = htobe32(n->run_id);
	memcpy(f + SEQ_OFF + 4, &be, 4);
	if (n->o->bench)
		return;
	for (i = MIN_FRAME; i < n->o->size; i++)
		f[i] = (__u8)(seq * 31 + i);
}

/**
 * net_post_rx() - make one receive buffer available
 * @n: driver state
 * @buf: the buffer, inside n->rxbuf
 *
 * Return: 0 or -ENOSPC.
 */
int net_post_rx(struct net *n, __u8 *buf)
{
	struct vq_buf b = {
		.iova = region_iova(&n->mem, buf),
		.len = n->rx_len,
		.write = true,
	};
	int r = n->rx.ops->add(&n->rx, &b, 1, buf);

	if (r)
		fail("rx: no room for a receive buffer: %s", errname(r));
	else
		n->rx_posted++;
	return r;
}

static int send_one(struct net *n)
{
	__u16 slot = n->tx_free[--n->tx_nfree];
	__u8 *buf = n->txbuf + (size_t)slot * n->tx_len;
	struct vq_buf b[2] = {
		{ region_iova(&n->mem, buf), NET_HDR_LEN, false },
		{ region_iova(&n->mem, buf) + NET_HDR_LEN, n->o->size, false },
	};
	int r;

	memset(buf, 0, NET_HDR_LEN);
	frame_fill(n, n->sent, buf + NET_HDR_LEN);
	r = n->tx.ops->add(&n->tx, b, 2, buf);
	if (r) {
		fail("tx: no room for frame %u: %s", n->sent, errname(r));
		return r;
	}
	n->sent++;
	return 0;
}

/**
 * net_send() - transmit frames and kick
 * @n: driver state
 * @max: at most this many
 *
 * Never more than there are receive buffers on the loopback's other side
 * (held ones included: they are posted before the device runs again).
 *
 * Return: frames sent or -errno.
 */
int net_send(struct net *n, unsigned int max)
{
	unsigned int k = 0;
	int r = 0;

	while (k < max && n->sent < n->o->frames &&
	       n->sent < n->rx_posted + n->nheld && n->tx_nfree) {
		r = send_one(n);
		if (r)
			return r;
		k++;
	}
	if (k)
		r = vq_kick(&n->tx);
	return r < 0 ? r : (int)k;
}

/* Check one received buffer: length, sequence number, every byte. */
static void rx_check(struct net *n, const __u8 *buf, __u32 len)
{
	__u8 want[65536];
	__u32 seq;

	if (len != NET_HDR_LEN + n->o->size) {
		fail("rx: %u bytes, want %zu", len, NET_HDR_LEN + n->o->size);
		n->bad++;
		return;
	}
	memcpy(&seq, buf + NET_HDR_LEN + SEQ_OFF, 4);
	seq = be32toh(seq);
	if (seq >= n->o->frames || n->seen[seq]) {
		fail("rx: sequence %u %s", seq,
		     seq >= n->o->frames ? "never sent" : "arrived twice");
		n->bad++;
		return;
	}
	n->seen[seq] = 1;
	if (n->o->bench)
		return;
	frame_fill(n, seq, want);
	if (memcmp(want, buf + NET_HDR_LEN, n->o->size)) {
		unsigned int i = 0;

		while (want[i] == buf[NET_HDR_LEN + i])
			i++;
		fail("rx: frame %u differs at byte %u: %#x, want %#x", seq, i,
		     buf[NET_HDR_LEN + i], want[i]);
		n->bad++;
	}
}

/**
 * net_drain() - take every used buffer of both data queues
 * @n: driver state
 * @progress: set if there was any
 *
 * Received frames are checked and their buffers go to n->held.
 *
 * Return: 0 or -EIO if the device returned garbage.
 */
int net_drain(struct net *n, bool *progress)
{
	void *tok;
	__u32 len;
	int r;

	while ((r = n->tx.ops->get(&n->tx, &tok, &len)) > 0) {
		n->tx_free[n->tx_nfree++] =
			((__u8 *)tok - n->txbuf) / n->tx_len;
		*progress = true;
	}
	if (r < 0)
		return r;
	while ((r = n->rx.ops->get(&n->rx, &tok, &len)) > 0) {
		rx_check(n, tok, len);
		n->held[n->nheld++] = tok;
		n->received++;
		*progress = true;
	}
	return r;
}

/**
 * net_refill() - give the held receive buffers back to the device
 * @n: driver state
 *
 * Return: 0 or -errno.
 */
int net_refill(struct net *n)
{
	bool any = n->nheld;
	int r;

	while (n->nheld) {
		r = net_post_rx(n, n->held[--n->nheld]);
		if (r)
			return r;
	}
	return any ? vq_kick(&n->rx) : 0;
}

static int check_base(struct net *n, struct vq *vq, const char *name)
{
	__u32 base;
	int r = vq_get_base(&n->d, vq, &base);

	if (r)
		return r;
	diag("suspend: %s base %#x (driver: %u made available, %u seen used)",
	     name, base, vq->posted, vq->done);
	if (!vq->ops->base_ok(vq, base)) {
		fail("suspend: %s base %#x outside [%u, %u]", name, base,
		     vq->done, vq->posted);
		return -EIO;
	}
	return 0;
}

/*
 * Suspend with transmit buffers in flight and the last receive buffers
 * not yet refilled; nothing may complete until the resume.
 */
static int suspend_resume(struct net *n)
{
	bool progress = false;
	int r, k;

	r = xioctl(n->d.fd, VHOST_VDPA_SUSPEND, NULL, "VHOST_VDPA_SUSPEND");
	if (r)
		return r;
	k = net_send(n, n->o->frames);
	if (k < 0)
		return k;
	usleep(200000);
	r = net_drain(n, &progress);
	if (!r && progress) {
		fail("suspend: the device used buffers while suspended");
		r = -EIO;
	}
	if (!r)
		r = check_base(n, &n->tx, "tx");
	if (!r)
		r = check_base(n, &n->rx, "rx");
	if (!r)
		r = net_refill(n);
	if (!r)
		r = xioctl(n->d.fd, VHOST_VDPA_RESUME, NULL,
			   "VHOST_VDPA_RESUME");
	if (!r)
		diag("suspend: %d frames in flight across suspend/resume", k);
	return r;
}

/*
 * A function without VIRTIO_F_SUSPEND cannot be stopped: no SUSPEND or
 * RESUME backend feature, VHOST_VDPA_SUSPEND refused with EOPNOTSUPP (and
 * the queues keep running).  What VHOST_GET_VRING_BASE of a running queue
 * gives is reported ("stop-probe: vq N base: ...") for the test to judge.
 */
static int stop_probe(struct net *n)
{
	__u64 sr = BIT64(VHOST_BACKEND_F_SUSPEND) | BIT64(VHOST_BACKEND_F_RESUME);
	struct vq *vqs[2] = { &n->rx, &n->tx };
	struct vhost_vring_state s;
	unsigned int i;
	int err;

	if (n->d.backend_offered & sr) {
		fail("stop-probe: backend features %#llx offer SUSPEND/RESUME",
		     (unsigned long long)n->d.backend_offered);
		return -EIO;
	}
	err = ioctl(n->d.fd, VHOST_VDPA_SUSPEND) < 0 ? errno : 0;
	if (err != EOPNOTSUPP) {
		fail("stop-probe: VHOST_VDPA_SUSPEND: %s, want EOPNOTSUPP",
		     err ? errname(err) : "succeeded");
		return -EIO;
	}
	diag("stop-probe: no SUSPEND/RESUME offered (backend features %#llx), VHOST_VDPA_SUSPEND: EOPNOTSUPP",
	     (unsigned long long)n->d.backend_offered);
	for (i = 0; i < ARRAY_SIZE(vqs); i++) {
		s = (struct vhost_vring_state){ .index = vqs[i]->index };
		if (ioctl(n->d.fd, VHOST_GET_VRING_BASE, &s) < 0)
			diag("stop-probe: vq %u base: %s", s.index,
			     errname(errno));
		else
			diag("stop-probe: vq %u base: %u (driver: %u made available, %u seen used)",
			     s.index, s.num, vqs[i]->posted, vqs[i]->done);
	}
	return 0;
}

static int wait_any(struct net *n)
{
	struct vq *vqs[2] = { &n->rx, &n->tx };
	int r = vq_wait(vqs, 2, n->o->timeout_ms);

	if (!r) {
		fail("no call in %d ms: %u frames sent, %u received",
		     n->o->timeout_ms, n->sent, n->received);
		return -ETIMEDOUT;
	}
	return r < 0 ? r : 0;
}

/* Run until every frame came back (or something failed). */
static int net_run(struct net *n)
{
	unsigned int half = n->o->frames / 2;
	bool sr = n->o->suspend_resume;
	bool probe = n->o->stop_probe;
	int r = 0;

	while (!r && n->received < n->o->frames) {
		bool progress = false;

		r = net_drain(n, &progress);
		if (r || n->received == n->o->frames)
			break;
		/* Quiet first: every frame back, every tx buffer returned. */
		if (sr && n->sent == half && n->received == half &&
		    n->tx_nfree == n->ntx) {
			sr = false;
			r = suspend_resume(n);
			continue;
		}
		if (probe && n->received >= half) {
			probe = false;
			r = stop_probe(n);
			continue;
		}
		r = net_refill(n);
		if (!r)
			r = net_send(n, sr ? half - n->sent : n->o->frames);
		if (r > 0)
			progress = true;
		if (r >= 0 && !progress)
			r = wait_any(n);
		r = r > 0 ? 0 : r;
	}
	return r;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Highest IOVA page the device may write, plus one. */
static __u64 net_log_pages(const struct net *n)
{
	const struct region *r[] = { &n->mem, &n->cmem };
	__u64 end = 0;
	unsigned int i;

	for (i = 0; i < 2; i++)
		if (r[i]->mapped && r[i]->iova + r[i]->len > end)
			end = r[i]->iova + r[i]->len;
	return (end + LOG_PAGE - 1) >> LOG_SHIFT;
}

/* --dirty-log: logging on for the running device, both used rings too. */
static int net_log_on(struct net *n, struct dlog *l)
{
	int r;

	r = dlog_create(l, dlog_pages_for(net_log_pages(n), 0), 0);
	if (!r)
		r = log_set_base(n->d.fd, dlog_base(l));
	if (!r)
		r = log_set_features(&n->d, true);
	if (!r)
		r = log_vring_addr(&n->d, &n->rx, true, n->rx.dev_iova);
	if (!r)
		r = log_vring_addr(&n->d, &n->tx, true, n->tx.dev_iova);
	if (r)
		fail("net-loop --dirty-log: logging could not start: %s",
		     errname(-r));
	return r;
}

/* After the run: the log has bits, then logging off. */
static int net_log_off(struct net *n, struct dlog *l)
{
	__u64 set = dlog_count(l);
	int r = log_set_features(&n->d, false);

	if (r) {
		fail("net-loop --dirty-log: logging could not stop: %s",
		     errname(-r));
	} else if (!set) {
		fail("net-loop --dirty-log: nothing was logged");
		r = -EIO;
	} else {
		diag("net-loop --dirty-log: %llu pages logged",
		     (unsigned long long)set);
	}
	return r;
}

/**
 * cmd_net_loop() - the net-loop subcommand
 * @o: the command line
 *
 * Return: exit status.
 */
int cmd_net_loop(const struct options *o)
{
	struct dlog l = { 0 };
	struct net *n;
	unsigned int i, missing = 0;
	double t0, t;
	int r;

	if (o->size < MIN_FRAME || o->size > 65535 - NET_HDR_LEN || !o->frames) {
		fail("--size must be %d..%zu and --frames > 0", MIN_FRAME,
		     65535 - NET_HDR_LEN);
		return EXIT_USAGE;
	}
	r = net_open(&n, o);
	if (!r && n->has_cvq)
		r = net_cvq_command(n);
	if (!r && o->dirty_log)
		r = net_log_on(n, &l);
	t0 = now_s();
	if (!r)
		r = net_run(n);
	t = now_s() - t0;
	if (!r && o->dirty_log)
		r = net_log_off(n, &l);
	for (i = 0; !r && i < o->frames; i++)
		missing += !n->seen[i];
	if (!r)
		diag("net-loop (%s ring of %u): %u x %u bytes sent, %u received, %u bad, %u lost",
		     n->tx.ops->name, n->tx.num, n->sent, o->size, n->received,
		     n->bad, missing);
	if (!r && o->bench)
		diag("net-loop bench: %u frames of %u bytes in %.6f s: %.0f frames/s",
		     n->received, o->size, t, t > 0 ? n->received / t : 0.0);
	if (!r && (n->bad || missing))
		r = -EIO;
	if (!r && o->hold && n->tx.doorbell)
		r = vq_doorbell_hold(&n->tx);
	net_close(n);
	dlog_destroy(&l);
	if (r == -EOPNOTSUPP)
		return EXIT_SKIP;
	return r ? EXIT_FAIL : 0;
}
