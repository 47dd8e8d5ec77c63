// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa_user: abuse cases with rings at raw physical addresses (raw-phys,
 * raw-phys-reset, cvq-asid).
 *
 * No IOVA may translate unless userspace mapped it.  A device that took an
 * unmapped IOVA for a physical address ("passthrough") would read and
 * write these pages: each must stay byte for byte as it was, and the
 * device must set NEEDS_RESET.  The pages are this process's own, locked,
 * their addresses read from /proc/self/pagemap (page frame numbers are
 * shown to root only).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "abuse.h"

#define PHYS_MAX 4
#define PM_PRESENT BIT64(63)
#define PM_PFN (BIT64(55) - 1)
#define RESET_FRAMES 4		/* through the loopback before the reset */
#define CMD_ARG 64		/* offsets in the command page */
#define CMD_ACK 128
#define ACK_PRESET 0xaa

/**
 * struct phys_set - locked pages and their physical addresses
 * @pg: each page as a region whose IOVA is its physical address
 * @snap: their contents before the device started, page after page
 * @n: pages in @pg
 */
struct phys_set {
	struct region pg[PHYS_MAX];
	__u8 *snap;
	unsigned int n;
};

static const char *const data_pages[] = {
	"A (tx ring)", "B (tx frame)", "C (rx ring)", "D (rx buffer)",
};

static const char *const cvq_pages[] = {
	"A (cvq ring)", "B (command, ack byte at 0x80)",
};

/* One page of our own, locked and filled with AB_PATTERN; r->iova = PA. */
static int phys_page(struct region *r, int pagemap, long page)
{
	__u64 e;
	void *va;
	int err;

	memset(r, 0, sizeof(*r));
	va = mmap(NULL, page, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (va == MAP_FAILED) {
		err = -errno;
		fail("mmap of a page: %s", errname(err));
		return err;
	}
	r->va = va;
	r->len = page;
	if (mlock(va, page)) {
		err = -errno;
		fail("mlock: %s", errname(err));
		return err;
	}
	memset(va, AB_PATTERN, page);
	if (pread(pagemap, &e, sizeof(e),
		  (off_t)((uintptr_t)va / page * sizeof(e))) != sizeof(e)) {
		fail("read of /proc/self/pagemap: %s", errname(errno));
		return -EIO;
	}
	if (!(e & PM_PRESENT)) {
		fail("pagemap: the locked page at %p is not present", va);
		return -EIO;
	}
	if (!(e & PM_PFN)) {
		fail("pagemap: PFN 0 for %p: physical addresses need root (CAP_SYS_ADMIN)",
		     va);
		return -EPERM;
	}
	r->iova = (e & PM_PFN) * page;
	return 0;
}

static void phys_free(struct phys_set *s)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		region_destroy(&s->pg[i]);
	free(s->snap);
	memset(s, 0, sizeof(*s));
}

static int phys_alloc(struct phys_set *s, unsigned int n)
{
	long page = sysconf(_SC_PAGESIZE);
	int pagemap, r = 0;
	unsigned int i;

	memset(s, 0, sizeof(*s));
	pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (pagemap < 0) {
		r = -errno;
		fail("open /proc/self/pagemap: %s", errname(r));
		return r;
	}
	for (s->n = 0; !r && s->n < n; s->n++)
		r = phys_page(&s->pg[s->n], pagemap, page);
	close(pagemap);
	s->snap = malloc((size_t)n * page);
	if (!r && !s->snap)
		r = -ENOMEM;
	for (i = 0; !r && i < n; i++)
		diag("page %c at physical address %#llx", 'A' + i,
		     (unsigned long long)s->pg[i].iova);
	return r;
}

static void phys_snapshot(struct phys_set *s)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		memcpy(s->snap + i * s->pg[i].len, s->pg[i].va, s->pg[i].len);
}

/* Every page as in the snapshot; call with the device closed. */
static int phys_check(const struct phys_set *s, const char *const *names)
{
	unsigned int i;
	size_t j;

	for (i = 0; i < s->n; i++) {
		const __u8 *was = s->snap + i * s->pg[i].len;
		const __u8 *now = s->pg[i].va;

		for (j = 0; j < s->pg[i].len && was[j] == now[j]; j++)
			;
		if (j == s->pg[i].len)
			continue;
		fail("page %s at physical %#llx: byte %#zx is %#x, was %#x: the device wrote memory nobody mapped",
		     names[i], (unsigned long long)s->pg[i].iova, j, now[j],
		     was[j]);
		return -EIO;
	}
	return 0;
}

/*
 * Snapshot, set up @vqs, DRIVER_OK, kick @kicks; the device must then set
 * NEEDS_RESET within --timeout.
 */
static int phys_run(struct net *n, struct phys_set *s, struct vq *const *vqs,
		    unsigned int nvqs, struct vq *const *kicks,
		    unsigned int nkicks, int *ms)
{
	unsigned int i;
	int r;

	phys_snapshot(s);
	r = ab_setup(n, vqs, nvqs);
	if (!r)
		r = ab_driver_ok(n);
	for (i = 0; !r && i < nkicks; i++)
		r = vq_kick(kicks[i]);
	if (!r)
		r = ab_wait_reset(n, ms);
	return r;
}

/*
 * tx ring in page A with one frame in B, rx ring in C with one buffer,
 * all of page D (which keeps AB_PATTERN); then phys_run() both queues.
 */
static int phys_data(struct net *n, struct phys_set *s, int *ms)
{
	struct vq *vqs[2] = { &n->rx, &n->tx };
	struct vq *kicks[2] = { &n->tx, &n->rx };
	struct vq_buf tx = { s->pg[1].iova, AB_TX_LEN, false };
	struct vq_buf rx = { s->pg[3].iova, s->pg[3].len, true };
	bool packed = n->o->packed;
	int r;

	r = vq_create(&n->tx, NET_TXQ, AB_RING, packed, &s->pg[0]);
	if (!r)
		r = vq_create(&n->rx, NET_RXQ, AB_RING, packed, &s->pg[2]);
	if (r)
		return r;
	ab_frame(n, s->pg[1].va, 0);
	r = n->tx.ops->add(&n->tx, &tx, 1, s->pg[1].va);
	if (!r)
		r = n->rx.ops->add(&n->rx, &rx, 1, s->pg[3].va);
	if (r) {
		fail("raw rings: %s", errname(r));
		return r;
	}
	return phys_run(n, s, vqs, ARRAY_SIZE(vqs), kicks, ARRAY_SIZE(kicks),
			ms);
}

/**
 * ab_raw_phys() - data rings at raw physical addresses, nothing mapped
 * @o: the command line
 *
 * Return: 0 or -errno.
 */
int ab_raw_phys(const struct options *o)
{
	struct phys_set s = { 0 };
	struct net *n;
	int r, ms = 0;

	r = ab_open(&n, o, 0);
	if (!r)
		r = ab_negotiate(n, 0, 0);
	if (!r)
		r = phys_alloc(&s, 4);
	if (!r)
		r = phys_data(n, &s, &ms);
	net_close(n);
	if (!r)
		r = phys_check(&s, data_pages);
	phys_free(&s);
	if (!r)
		ab_sum("%s rings and buffers at raw physical addresses, no IOTLB message: NEEDS_RESET after %d ms, pages A-D unchanged",
		       o->packed ? "packed" : "split", ms);
	return r;
}

/*
 * A working device (frames through the loopback at AB_IOVA), reset
 * without invalidating, negotiated again, then phys_data().  Returns 1
 * without running if @persist and IOTLB_PERSIST is not offered.
 */
static int reset_pass(const struct options *o, bool persist, int *ms)
{
	__u64 be = persist ? BIT64(VHOST_BACKEND_F_IOTLB_PERSIST) : 0;
	struct vq *vqs[2];
	struct phys_set s = { 0 };
	struct net *n;
	unsigned int i;
	int r;

	r = ab_open(&n, o, be);
	if (!n)
		return r;
	if (!r && (n->d.backend & be) != be) {
		net_close(n);
		return 1;
	}
	vqs[0] = &n->rx;
	vqs[1] = &n->tx;
	if (!r)
		r = ab_negotiate(n, 0, 0);
	if (!r)
		r = ab_data_mem(n, AB_MEM_LEN, AB_IOVA);
	if (!r)
		r = ab_setup(n, vqs, ARRAY_SIZE(vqs));
	if (!r)
		r = vdev_start(&n->d, "abuse raw-phys-reset");
	for (i = 0; !r && i < RESET_FRAMES; i++)
		r = ab_roundtrip(n, &n->mem, n->rxbuf, i);
	if (!r)
		r = ab_reset(n);
	if (!r)
		r = ab_negotiate(n, 0, 0);
	vq_destroy(&n->rx);
	vq_destroy(&n->tx);
	if (!r)
		r = phys_alloc(&s, 4);
	if (!r)
		r = phys_data(n, &s, ms);
	net_close(n);
	if (!r)
		r = phys_check(&s, data_pages);
	phys_free(&s);
	if (r)
		fail("raw-phys-reset: with IOTLB_PERSIST %s",
		     persist ? "acked" : "not acked");
	return r;
}

/**
 * ab_raw_phys_reset() - raw physical rings after a reset of a device that
 *			 had worked with mappings far from RAM
 * @o: the command line
 *
 * Once without IOTLB_PERSIST, once with it if offered.
 *
 * Return: 0 or -errno.
 */
int ab_raw_phys_reset(const struct options *o)
{
	int r, ms[2] = { 0, 0 };

	r = reset_pass(o, false, &ms[0]);
	if (!r)
		r = reset_pass(o, true, &ms[1]);
	if (r == 1) {
		diag("raw-phys-reset: IOTLB_PERSIST not offered, one pass only");
		ab_sum("%d frames at IOVA %#llx, reset, raw physical rings: NEEDS_RESET after %d ms, pages unchanged (IOTLB_PERSIST not offered)",
		       RESET_FRAMES, AB_IOVA, ms[0]);
		return 0;
	}
	if (!r)
		ab_sum("%d frames at IOVA %#llx, reset, raw physical rings: NEEDS_RESET after %d ms without IOTLB_PERSIST, %d ms with it, pages unchanged",
		       RESET_FRAMES, AB_IOVA, ms[0], ms[1]);
	return r;
}

/* Move the cvq's group to AS 1, where nothing was ever mapped. */
static int cvq_move(struct net *n, __u32 *group)
{
	struct vhost_vring_state s;
	__u32 nas = 0, gdata;
	int r;

	r = xioctl(n->d.fd, VHOST_VDPA_GET_AS_NUM, &nas,
		   "VHOST_VDPA_GET_AS_NUM");
	if (!r && nas < 2) {
		fail("cvq-asid: %u address space(s), the case needs 2", nas);
		return -EOPNOTSUPP;
	}
	if (!r)
		r = ab_group(n, NET_RXQ, &gdata);
	if (!r)
		r = ab_group(n, NET_CVQ, group);
	if (r)
		return r;
	if (*group == gdata) {
		fail("cvq-asid: the cvq shares group %u with the data queues",
		     gdata);
		return -EIO;
	}
	s.index = *group;
	s.num = 1;
	return xioctl(n->d.fd, VHOST_VDPA_SET_GROUP_ASID, &s,
		      "VHOST_VDPA_SET_GROUP_ASID");
}

/* cvq ring in page A, CTRL_RX_PROMISC on in page B, ack preset. */
static int cvq_command(struct net *n, struct phys_set *s)
{
	struct virtio_net_ctrl_hdr *h = (void *)s->pg[1].va;
	__u64 pa = s->pg[1].iova;
	struct vq_buf b[3] = {
		{ pa, sizeof(*h), false },
		{ pa + CMD_ARG, 1, false },
		{ pa + CMD_ACK, 1, true },
	};
	int r;

	r = vq_create(&n->cvq, NET_CVQ, AB_RING, n->o->packed, &s->pg[0]);
	if (r)
		return r;
	h->class = VIRTIO_NET_CTRL_RX;
	h->cmd = VIRTIO_NET_CTRL_RX_PROMISC;
	s->pg[1].va[CMD_ARG] = 1;
	s->pg[1].va[CMD_ACK] = ACK_PRESET;
	r = n->cvq.ops->add(&n->cvq, b, ARRAY_SIZE(b), h);
	if (r)
		fail("cvq: %s", errname(r));
	return r;
}

/**
 * ab_cvq_asid() - the cvq moved to an address space never mapped
 * @o: the command line
 *
 * Data rings mapped in AS 0, the cvq's group moved to AS 1, the cvq ring
 * and a command at raw physical addresses.
 *
 * Return: 0 or -errno.
 */
int ab_cvq_asid(const struct options *o)
{
	struct phys_set s = { 0 };
	struct vq *vqs[3], *kick;
	__u32 group = 0;
	struct net *n;
	int r, ms = 0;

	r = ab_open(&n, o, BIT64(VHOST_BACKEND_F_IOTLB_ASID));
	if (!n)
		return r;
	vqs[0] = &n->rx;
	vqs[1] = &n->tx;
	vqs[2] = &n->cvq;
	kick = &n->cvq;
	if (!r)
		r = ab_need_backend(n, VHOST_BACKEND_F_IOTLB_ASID, "IOTLB_ASID");
	if (!r)
		r = ab_negotiate(n, 0, BIT64(VIRTIO_NET_F_CTRL_VQ) |
				 BIT64(VIRTIO_NET_F_CTRL_RX));
	if (!r)
		r = ab_data_mem(n, AB_MEM_LEN, AB_IOVA);
	if (!r)
		r = cvq_move(n, &group);
	if (!r)
		r = phys_alloc(&s, 2);
	if (!r)
		r = cvq_command(n, &s);
	if (!r)
		r = phys_run(n, &s, vqs, ARRAY_SIZE(vqs), &kick, 1, &ms);
	net_close(n);
	if (!r)
		r = phys_check(&s, cvq_pages);
	phys_free(&s);
	if (!r)
		ab_sum("cvq group %u in AS 1 (never mapped), ring and command at raw physical addresses: NEEDS_RESET after %d ms, ack byte still %#x, pages unchanged",
		       group, ms, ACK_PRESET);
	return r;
}
