// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa_user: abuse, regression tests of vhost_vdpa's and the simulator's
 * address-space rules.  Each case is one run of the command
 *
 *   vdpa_user abuse --dev /dev/vhost-vdpa-N --case NAME [--packed]
 *
 * and asserts exact outcomes: the device status (NEEDS_RESET), bytes of
 * memory the device must not have touched, errnos, VmPin.  This file holds
 * the case table, the helpers every case uses and the cvq-index case;
 * abuse_phys.c, abuse_iotlb.c, abuse_huge.c, abuse_full.c, abuse_live.c
 * and abuse_garbage.c hold the others.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/virtio_ids.h>

#include "abuse.h"

#define ETHERTYPE 0x88b5	/* IEEE local experimental */

static const __u8 src_mac[6] = { 0x02, 0, 0, 0, 0, 0xab };

/**
 * ab_open() - open and own the device, negotiate the backend features
 * @np: set to the new driver state, even on failure (net_close() it)
 * @o: the command line
 * @backend: backend features to ack if offered (IOTLB_MSG_V2 always is)
 *
 * Return: 0 or -errno.
 */
int ab_open(struct net **np, const struct options *o, __u64 backend)
{
	struct net *n;
	int r;

	r = net_alloc_open(np, o);
	n = *np;
	if (!r)
		r = vdev_backend(&n->d, backend);
	if (!r && n->d.vq_num_max < AB_RING) {
		fail("%s: rings of at most %u entries, the cases need %u",
		     n->d.path, n->d.vq_num_max, AB_RING);
		r = -EOPNOTSUPP;
	}
	return r;
}

/**
 * ab_need_backend() - require a backend feature that ab_open() acked
 * @n: driver state
 * @bit: VHOST_BACKEND_F_*
 * @name: its name for the message
 *
 * Return: 0, or -EOPNOTSUPP (reported) if it was not offered.
 */
int ab_need_backend(struct net *n, int bit, const char *name)
{
	if (n->d.backend & BIT64(bit))
		return 0;
	fail("%s: backend feature %s not offered", n->d.path, name);
	return -EOPNOTSUPP;
}

/**
 * ab_negotiate() - negotiate virtio-net features and read the MAC
 * @n: driver state
 * @want: features to take if offered (besides VIRTIO_NET_F_MAC)
 * @need: features required (besides VERSION_1, ACCESS_PLATFORM and, with
 *	  --packed, RING_PACKED)
 *
 * Return: 0, -EOPNOTSUPP if a needed feature is missing, or -errno.
 */
int ab_negotiate(struct net *n, __u64 want, __u64 need)
{
	int r;

	need |= BIT64(VIRTIO_F_VERSION_1) | BIT64(VIRTIO_F_ACCESS_PLATFORM);
	if (n->o->packed)
		need |= BIT64(VIRTIO_F_RING_PACKED);
	r = vdev_negotiate(&n->d, VIRTIO_ID_NET, want | BIT64(VIRTIO_NET_F_MAC),
			   need);
	if (r)
		return r;
	if (!(n->d.features & BIT64(VIRTIO_NET_F_MAC))) {
		memset(n->mac, 0xff, sizeof(n->mac));
		return 0;
	}
	return vdev_get_config(&n->d, offsetof(struct virtio_net_config, mac),
			       n->mac, sizeof(n->mac));
}

/**
 * ab_status() - VHOST_VDPA_GET_STATUS
 * @n: driver state
 * @status: the device status
 *
 * Return: 0 or -errno.
 */
int ab_status(struct net *n, __u8 *status)
{
	return xioctl(n->d.fd, VHOST_VDPA_GET_STATUS, status,
		      "VHOST_VDPA_GET_STATUS");
}

/**
 * ab_reset() - write status 0 and check that it reads back as 0
 * @n: driver state
 *
 * Return: 0 or -errno.
 */
int ab_reset(struct net *n)
{
	__u8 s = 0;
	int r;

	r = xioctl(n->d.fd, VHOST_VDPA_SET_STATUS, &s,
		   "VHOST_VDPA_SET_STATUS(0)");
	if (!r)
		r = ab_status(n, &s);
	if (!r && s) {
		fail("%s: status %#x after a reset, want 0", n->d.path, s);
		r = -EIO;
	}
	return r;
}

/**
 * ab_driver_ok() - set DRIVER_OK on a device that may fail at once
 * @n: driver state
 *
 * Unlike vdev_start(), NEEDS_RESET may already be set when the status is
 * read back: the workers start with DRIVER_OK.
 *
 * Return: 0 or -errno.
 */
int ab_driver_ok(struct net *n)
{
	__u8 s, got;
	int r;

	r = ab_status(n, &s);
	if (r)
		return r;
	s |= VIRTIO_CONFIG_S_DRIVER_OK;
	r = xioctl(n->d.fd, VHOST_VDPA_SET_STATUS, &s,
		   "VHOST_VDPA_SET_STATUS(DRIVER_OK)");
	if (!r)
		r = ab_status(n, &got);
	if (!r && (got & ~VIRTIO_CONFIG_S_NEEDS_RESET) != s) {
		fail("%s: status %#x written, %#x read back", n->d.path, s, got);
		r = -EIO;
	}
	return r;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 +
	       (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/**
 * ab_wait_reset() - poll the status until NEEDS_RESET, up to --timeout
 * @n: driver state
 * @ms: set to the time it took
 *
 * Return: 0, -ETIMEDOUT (reported) or -errno.
 */
int ab_wait_reset(struct net *n, int *ms)
{
	struct timespec t0;
	__u8 s;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		r = ab_status(n, &s);
		if (r)
			return r;
		if (s & VIRTIO_CONFIG_S_NEEDS_RESET) {
			*ms = ms_since(&t0);
			return 0;
		}
		if (ms_since(&t0) >= n->o->timeout_ms) {
			fail("%s: NEEDS_RESET not set within %d ms (status %#x)",
			     n->d.path, n->o->timeout_ms, s);
			return -ETIMEDOUT;
		}
		usleep(AB_POLL_MS * 1000);
	}
}

/**
 * ab_group() - VHOST_VDPA_GET_VRING_GROUP
 * @n: driver state
 * @index: queue index
 * @group: its group
 *
 * Return: 0 or -errno.
 */
int ab_group(struct net *n, unsigned int index, __u32 *group)
{
	struct vhost_vring_state s = { index, 0 };
	char what[48];
	int r;

	snprintf(what, sizeof(what), "VHOST_VDPA_GET_VRING_GROUP(vq %u)", index);
	r = xioctl(n->d.fd, VHOST_VDPA_GET_VRING_GROUP, &s, what);
	*group = s.num;
	return r;
}

/**
 * ab_data_mem() - receive and transmit rings and one buffer each, mapped
 * @n: driver state, features negotiated
 * @len: the region's length (AB_MEM_LEN, or less when it must fit a page)
 * @iova: where the region goes, in AS 0
 *
 * n->mem holds the rings of n->rx and n->tx (AB_RING entries), n->txbuf
 * and n->rxbuf; one VHOST_IOTLB_UPDATE (batched if IOTLB_BATCH was acked).
 *
 * Return: 0 or -errno.
 */
int ab_data_mem(struct net *n, size_t len, __u64 iova)
{
	bool packed = n->o->packed;
	int r;

	r = region_create(&n->mem, len, iova, 0);
	if (!r)
		r = vq_create(&n->rx, NET_RXQ, AB_RING, packed, &n->mem);
	if (!r)
		r = vq_create(&n->tx, NET_TXQ, AB_RING, packed, &n->mem);
	if (r)
		return r;
	n->txbuf = region_take(&n->mem, AB_TX_LEN, 64, NULL);
	n->rxbuf = region_take(&n->mem, AB_RX_LEN, 64, NULL);
	if (!n->txbuf || !n->rxbuf)
		return -ENOMEM;
	return region_map(&n->d, &n->mem, 1);
}

/**
 * ab_setup() - hand queues to the device (vq_setup() each)
 * @n: driver state
 * @vqs: the queues
 * @nvqs: how many
 *
 * Return: 0 or -errno.
 */
int ab_setup(struct net *n, struct vq *const *vqs, unsigned int nvqs)
{
	unsigned int i;
	int r = 0;

	for (i = 0; !r && i < nvqs; i++)
		r = vq_setup(&n->d, vqs[i]);
	return r;
}

/**
 * ab_frame() - a virtio-net header and Ethernet frame @seq of this run
 * @n: driver state (MAC and run id)
 * @buf: AB_TX_LEN bytes
 * @seq: sequence number
 */
void ab_frame(const struct net *n, __u8 *buf, __u32 seq)
{
	__u8 *f = buf + NET_HDR_LEN;
	__u32 be;
	unsigned int i;

	memset(buf, 0, NET_HDR_LEN);
	memcpy(f, n->mac, 6);
	memcpy(f + 6, src_mac, 6);
	f[12] = ETHERTYPE >> 8;
	f[13] = ETHERTYPE & 0xff;
	be = htobe32(seq);
	memcpy(f + 14, &be, 4);
	be = htobe32(n->run_id);
	memcpy(f + 18, &be, 4);
	for (i = 22; i < AB_FRAME_LEN; i++)
		f[i] = (__u8)(seq * 7 + i);
}

/**
 * ab_post_rx() - make one receive buffer available (no kick)
 * @n: driver state
 * @r: the region holding @buf
 * @buf: the buffer
 * @len: its length
 *
 * Return: 0 or -errno.
 */
int ab_post_rx(struct net *n, const struct region *r, __u8 *buf, __u32 len)
{
	struct vq_buf b = { region_iova(r, buf), len, true };
	int err = n->rx.ops->add(&n->rx, &b, 1, buf);

	if (err)
		fail("rx: no room for a receive buffer: %s", errname(err));
	return err;
}

/**
 * ab_send() - transmit frame @seq from n->txbuf and kick
 * @n: driver state; n->txbuf must not be in flight
 * @seq: sequence number
 *
 * Return: 0 or -errno.
 */
int ab_send(struct net *n, __u32 seq)
{
	struct vq_buf b = { region_iova(&n->mem, n->txbuf), AB_TX_LEN, false };
	int err;

	ab_frame(n, n->txbuf, seq);
	err = n->tx.ops->add(&n->tx, &b, 1, n->txbuf);
	if (err) {
		fail("tx: no room for frame %u: %s", seq, errname(err));
		return err;
	}
	return vq_kick(&n->tx);
}

/**
 * ab_wait_used() - wait for the next used buffer of a queue, or NEEDS_RESET
 * @n: driver state
 * @vq: the queue
 * @token: its token
 * @len: the length the device wrote
 *
 * Return: 1 with a used buffer, 0 if the device set NEEDS_RESET instead,
 * -ETIMEDOUT (reported) after --timeout, or -errno.
 */
int ab_wait_used(struct net *n, struct vq *vq, void **token, __u32 *len)
{
	struct timespec t0;
	__u8 s;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		r = vq->ops->get(vq, token, len);
		if (r)
			return r;
		r = ab_status(n, &s);
		if (r)
			return r;
		if (s & VIRTIO_CONFIG_S_NEEDS_RESET)
			return 0;
		if (ms_since(&t0) >= n->o->timeout_ms) {
			fail("vq %u: nothing used within %d ms", vq->index,
			     n->o->timeout_ms);
			return -ETIMEDOUT;
		}
		r = vq_wait(&vq, 1, AB_POLL_MS);
		if (r < 0)
			return r;
	}
}

/* The transmit buffer of the frame just received must come back too. */
static int reap_tx(struct net *n, __u32 seq)
{
	void *token;
	__u32 len;
	int r = ab_wait_used(n, &n->tx, &token, &len);

	if (r == 1 && token == n->txbuf)
		return 0;
	if (r == 0)
		fail("frame %u: NEEDS_RESET before its transmit buffer came back",
		     seq);
	else if (r == 1)
		fail("frame %u: tx used token %p, want %p", seq, token,
		     n->txbuf);
	return r < 0 ? r : -EIO;
}

/**
 * ab_roundtrip() - one frame through the loopback into a given buffer
 * @n: driver state, device running
 * @r: the region holding @buf
 * @buf: receive buffer of AB_RX_LEN bytes
 * @seq: sequence number of the frame
 *
 * The frame must arrive in @buf byte for byte, the rest of @buf untouched,
 * and the transmit buffer come back.
 *
 * Return: 0 or -errno (reported).
 */
int ab_roundtrip(struct net *n, const struct region *r, __u8 *buf,
		 __u32 seq)
{
	__u8 want[AB_TX_LEN];
	void *token;
	__u32 len;
	int err;

	memset(buf, AB_PATTERN, AB_RX_LEN);
	err = ab_post_rx(n, r, buf, AB_RX_LEN);
	if (!err)
		err = vq_kick(&n->rx);
	if (!err)
		err = ab_send(n, seq);
	if (!err)
		err = ab_wait_used(n, &n->rx, &token, &len);
	if (err == 0) {
		fail("frame %u: the device set NEEDS_RESET instead", seq);
		return -EIO;
	}
	if (err < 0)
		return err;
	ab_frame(n, want, seq);
	if (token != buf || len != AB_TX_LEN ||
	    memcmp(buf + NET_HDR_LEN, want + NET_HDR_LEN, AB_FRAME_LEN)) {
		fail("frame %u: rx used %p len %u (want %p len %zu)%s", seq,
		     token, len, buf, AB_TX_LEN, token == buf &&
		     len == AB_TX_LEN ? ": the frame's bytes differ" : "");
		return -EIO;
	}
	err = ab_untouched(buf + AB_TX_LEN, AB_RX_LEN - AB_TX_LEN,
			   "receive buffer past the frame");
	return err ? err : reap_tx(n, seq);
}

/**
 * ab_untouched() - check that memory still holds AB_PATTERN
 * @buf: the memory
 * @len: bytes
 * @what: its name for the message
 *
 * Return: 0, or -EIO (reported) at the first other byte.
 */
int ab_untouched(const __u8 *buf, size_t len, const char *what)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (buf[i] != AB_PATTERN) {
			fail("%s: byte %zu is %#x, want the pattern %#x", what,
			     i, buf[i], AB_PATTERN);
			return -EIO;
		}
	}
	return 0;
}

/**
 * ab_pin_is() - check VmPin
 * @want_kb: its expected value in kB
 * @when: what just happened, for the message
 *
 * Return: 0, or -EIO (reported) if VmPin differs.
 */
int ab_pin_is(long want_kb, const char *when)
{
	struct vm_kb v;
	int r = vm_read(&v);

	if (r)
		return r;
	if (v.pin != want_kb) {
		fail("VmPin %ld kB %s, want %ld kB", v.pin, when, want_kb);
		return -EIO;
	}
	return 0;
}

/* --- cvq-index --------------------------------------------------------- */

/*
 * The cvq (index @cvq) is in a group of its own; @other, the index the
 * cvq has under the other negotiation, is a data queue like queue 0.
 */
static int cvq_groups(struct net *n, unsigned int cvq, unsigned int other)
{
	__u32 g0, gc, go;
	int r;

	r = ab_group(n, NET_RXQ, &g0);
	if (!r)
		r = ab_group(n, cvq, &gc);
	if (!r)
		r = ab_group(n, other, &go);
	if (r)
		return r;
	diag("cvq-index: groups: vq 0 -> %u, vq %u (cvq) -> %u, vq %u -> %u",
	     g0, cvq, gc, other, go);
	if (gc == g0 || go != g0) {
		fail("cvq-index: cvq %u %s the data queues' group, vq %u %s",
		     cvq, gc == g0 ? "shares" : "is outside", other,
		     go != g0 ? "is not in it" : "is in it");
		return -EIO;
	}
	return 0;
}

/* Negotiate (with or without MQ), set up vq 0, 1 and the cvq, one command. */
static int cvq_round(struct net *n, bool mq, unsigned int max_vqp)
{
	unsigned int cvq = mq ? 2 * max_vqp : NET_CVQ;
	struct vq *vqs[3] = { &n->rx, &n->tx, &n->cvq };
	__u64 need = BIT64(VIRTIO_NET_F_CTRL_VQ) | BIT64(VIRTIO_NET_F_CTRL_RX);
	int r;

	r = ab_negotiate(n, 0, need | (mq ? BIT64(VIRTIO_NET_F_MQ) : 0));
	if (!r)
		r = cvq_groups(n, cvq, mq ? NET_CVQ : 2 * max_vqp);
	if (!r)
		r = ab_data_mem(n, AB_MEM_LEN, AB_IOVA);
	if (!r)
		r = region_create(&n->cmem, AB_MEM_LEN, AB_IOVA + (1ULL << 32),
				  0);
	if (!r)
		r = vq_create(&n->cvq, cvq, AB_RING, n->o->packed, &n->cmem);
	if (!r)
		r = region_map(&n->d, &n->cmem, 1);
	if (!r)
		r = ab_setup(n, vqs, ARRAY_SIZE(vqs));
	if (!r)
		r = vdev_start(&n->d, "abuse cvq-index");
	if (!r)
		r = net_cvq_command(n);
	if (r)
		fail("cvq-index: %s MQ, cvq at index %u", mq ? "with" : "without",
		     cvq);
	return r;
}

/* After a reset: unmap and free the memory and queues of the last round. */
static int cvq_forget(struct net *n)
{
	struct region *regs[2] = { &n->mem, &n->cmem };
	unsigned int i;
	int r = 0;

	for (i = 0; i < ARRAY_SIZE(regs); i++) {
		if (!r && regs[i]->mapped)
			r = iotlb_checked(n->d.fd, regs[i]->asid,
					  VHOST_IOTLB_INVALIDATE, regs[i]->iova,
					  regs[i]->len, NULL);
		region_destroy(regs[i]);
		memset(regs[i], 0, sizeof(*regs[i]));
	}
	vq_destroy(&n->rx);
	vq_destroy(&n->tx);
	vq_destroy(&n->cvq);
	return r;
}

/* max_virtqueue_pairs from the config space, checked against the vq count. */
static int cvq_max_vqp(struct net *n, unsigned int *max_vqp)
{
	__u16 v;
	int r;

	r = vdev_get_config(&n->d, offsetof(struct virtio_net_config,
					    max_virtqueue_pairs), &v, sizeof(v));
	if (r)
		return r;
	*max_vqp = le16toh(v);
	if (n->d.nvqs != 2 * *max_vqp + 1) {
		fail("cvq-index: %u vqs, max_virtqueue_pairs %u", n->d.nvqs,
		     *max_vqp);
		return -EIO;
	}
	if (*max_vqp < 2) {
		fail("cvq-index: needs a device with max_vqp >= 2, not %u",
		     *max_vqp);
		return -EOPNOTSUPP;
	}
	return 0;
}

/**
 * ab_cvq_index() - the cvq index follows the negotiated features
 * @o: the command line
 *
 * Without VIRTIO_NET_F_MQ the cvq is queue 2, with it 2 * max_vqp; each
 * time its group differs from the data queues' and a command on it is
 * answered VIRTIO_NET_OK.  Both rounds on one open, with a reset between.
 *
 * Return: 0 or -errno.
 */
int ab_cvq_index(const struct options *o)
{
	unsigned int max_vqp = 0;
	struct net *n;
	int r;

	r = ab_open(&n, o, 0);
	if (!r)
		r = cvq_max_vqp(n, &max_vqp);
	if (!r)
		r = cvq_round(n, false, max_vqp);
	if (!r)
		r = ab_reset(n);
	if (!r)
		r = cvq_forget(n);
	if (!r)
		r = cvq_round(n, true, max_vqp);
	net_close(n);
	if (!r)
		ab_sum("max_vqp %u: cvq at vq %u without MQ, at vq %u with MQ, own group and VIRTIO_NET_OK both times",
		       max_vqp, NET_CVQ, 2 * max_vqp);
	return r;
}

/* --- the command ------------------------------------------------------- */

/**
 * struct ab_case - one abuse case
 * @name: its --case value
 * @run: runs it: 0 passed, -EOPNOTSUPP the device lacks something, else
 *	 failed (reported)
 */
struct ab_case {
	const char *name;
	int (*run)(const struct options *o);
};

static const struct ab_case ab_cases[] = {
	{ "raw-phys", ab_raw_phys },
	{ "raw-phys-reset", ab_raw_phys_reset },
	{ "cvq-asid", ab_cvq_asid },
	{ "invalidate", ab_invalidate },
	{ "invalidate-batch", ab_invalidate_batch },
	{ "size-wrap", ab_size_wrap },
	{ "cvq-index", ab_cvq_index },
	{ "thp", ab_thp },
	{ "hugetlb", ab_hugetlb },
	{ "iotlb-full", ab_iotlb_full },
	{ "live", ab_live },
};

static char ab_summary[512];

/**
 * ab_sum() - set the summary line printed if the case passes
 * @fmt: printf format
 */
void ab_sum(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ab_summary, sizeof(ab_summary), fmt, ap);
	va_end(ap);
}

static const struct ab_case *ab_find(const char *name)
{
	unsigned int i;

	for (i = 0; name && i < ARRAY_SIZE(ab_cases); i++)
		if (!strcmp(name, ab_cases[i].name))
			return &ab_cases[i];
	fail("abuse: --case %s: want one of:", name ? name : "missing");
	for (i = 0; i < ARRAY_SIZE(ab_cases); i++)
		fprintf(stderr, "  %s\n", ab_cases[i].name);
	return NULL;
}

/**
 * cmd_abuse() - the abuse subcommand
 * @o: the command line
 *
 * Runs one case; once its device is closed, VmPin must be back to its
 * value before the case.
 *
 * Return: exit status.
 */
int cmd_abuse(const struct options *o)
{
	const struct ab_case *c = ab_find(o->case_name);
	struct vm_kb v0, v1;
	int r;

	if (!c)
		return EXIT_USAGE;
	r = vm_read(&v0);
	if (!r)
		r = c->run(o);
	if (!r)
		r = vm_read(&v1);
	if (!r && v1.pin != v0.pin) {
		fail("abuse %s: VmPin %ld kB with the device closed, %ld kB before",
		     c->name, v1.pin, v0.pin);
		r = -EIO;
	}
	if (!r)
		diag("abuse %s: %s", c->name, ab_summary);
	if (r == -EOPNOTSUPP)
		return EXIT_SKIP;
	return r ? EXIT_FAIL : 0;
}
