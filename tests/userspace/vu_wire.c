// SPDX-License-Identifier: GPL-2.0-only
/*
 * vu_wire: a two-port Ethernet wire as a vhost-user back-end, for QEMU's
 * "-netdev vhost-user" with several queue pairs.
 *
 *   vu_wire [--log FILE] [--pairs N] [--stdin] SOCKET_A SOCKET_B
 *
 * Listens on the two unix sockets (QEMU connects to each as the
 * vhost-user front-end: -chardev socket,path=SOCKET_X plus -netdev
 * vhost-user,chardev=...,queues=N) and serves both from one thread with
 * poll(). Every frame one port's driver transmits on its queue pair i is
 * written to the other port's receive queue of pair i, or, when that
 * queue is not running (the driver uses fewer pairs), to the lowest
 * running one: nothing leaves the two NICs, as with a cable between
 * them.
 *
 * What it offers: VIRTIO_F_VERSION_1 (so a 12-byte virtio_net_hdr_v1 in
 * front of every frame), VIRTIO_NET_F_MQ with N pairs (default 2), split
 * rings without indirect descriptors or event indices, no offloads (QEMU
 * clears what the back-end lacks, so the driver sends plain frames of at
 * most 1514 bytes); protocol features: MQ only. The memory table's fds
 * are mapped whole; guest physical addresses (descriptors) and QEMU's
 * user addresses (rings) are translated through it, and anything outside
 * the mapped regions is refused: the guest is untrusted, so a bad
 * descriptor, loop or index never makes us touch other memory. A bad
 * transmit chain is completed with length 0 and its frame dropped; a bad
 * receive chain likewise; an available index more than a ring ahead
 * marks that ring broken until the front-end sets it up again.
 *
 * Flow control: a frame whose receive queue has no buffer posted waits
 * (the transmit ring is not consumed further) until the receiver posts
 * buffers and kicks, for at most HOLD_MS; then it is dropped, so that a
 * receiver that never refills cannot stall the sender for good (its
 * transmit watchdog would fire). A ring that is started but disabled
 * has its transmitted frames discarded, as the protocol asks.
 *
 * Prints "ready" on standard output once both sockets listen, then
 * detaches standard output. Exits 0 once every accepted connection has
 * closed (QEMU exited), with --stdin once standard input reaches its end
 * (the harness closed its pipe, or died), on SIGTERM, SIGINT or SIGHUP,
 * or when its parent dies; unlinks the sockets. The log (default
 * standard error) has the control messages, the first frame of every ring
 * and per-ring counts when a ring stops and at exit.
 *
 * Protocol: QEMU's docs/interop/vhost-user.rst; virtio's layouts and bits
 * from the host's UAPI headers.
 */

#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>

/* vhost-user's own bits (its protocol, not the kernel's UAPI). */
#define F_PROTOCOL_FEATURES	30
#define PF_MQ			0

/* Front-end requests we know. */
enum {
	GET_FEATURES = 1,
	SET_FEATURES = 2,
	SET_OWNER = 3,
	RESET_OWNER = 4,
	SET_MEM_TABLE = 5,
	SET_LOG_BASE = 6,
	SET_LOG_FD = 7,
	SET_VRING_NUM = 8,
	SET_VRING_ADDR = 9,
	SET_VRING_BASE = 10,
	GET_VRING_BASE = 11,
	SET_VRING_KICK = 12,
	SET_VRING_CALL = 13,
	SET_VRING_ERR = 14,
	GET_PROTOCOL_FEATURES = 15,
	SET_PROTOCOL_FEATURES = 16,
	GET_QUEUE_NUM = 17,
	SET_VRING_ENABLE = 18,
	SEND_RARP = 19,
	REQ_MAX = 20,
};

static const char *const req_name[REQ_MAX] = {
	[GET_FEATURES] = "GET_FEATURES",
	[SET_FEATURES] = "SET_FEATURES",
	[SET_OWNER] = "SET_OWNER",
	[RESET_OWNER] = "RESET_OWNER",
	[SET_MEM_TABLE] = "SET_MEM_TABLE",
	[SET_LOG_BASE] = "SET_LOG_BASE",
	[SET_LOG_FD] = "SET_LOG_FD",
	[SET_VRING_NUM] = "SET_VRING_NUM",
	[SET_VRING_ADDR] = "SET_VRING_ADDR",
	[SET_VRING_BASE] = "SET_VRING_BASE",
	[GET_VRING_BASE] = "GET_VRING_BASE",
	[SET_VRING_KICK] = "SET_VRING_KICK",
	[SET_VRING_CALL] = "SET_VRING_CALL",
	[SET_VRING_ERR] = "SET_VRING_ERR",
	[GET_PROTOCOL_FEATURES] = "GET_PROTOCOL_FEATURES",
	[SET_PROTOCOL_FEATURES] = "SET_PROTOCOL_FEATURES",
	[GET_QUEUE_NUM] = "GET_QUEUE_NUM",
	[SET_VRING_ENABLE] = "SET_VRING_ENABLE",
	[SEND_RARP] = "SEND_RARP",
};

#define MSG_VERSION	0x1
#define MSG_REPLY	0x4
#define MSG_NEED_REPLY	0x8
#define MAX_PAYLOAD	4096	/* anything larger closes the connection */
#define MAX_FDS		8
#define MAX_REGIONS	8
#define MAX_PAIRS	8
#define MAX_RING	32768
#define IDX_MASK	0xffu	/* vring index in a KICK/CALL/ERR payload */
#define NOFD_FLAG	0x100u

#define NET_HDR_LEN	sizeof(struct virtio_net_hdr_v1)
#define ETH_MIN		ETH_HLEN
#define FRAME_MAX	65536	/* a frame without its header */
#define MAX_SEGS	64	/* pieces of one chain after translation */
#define BUDGET		64	/* frames per ring per round */
#define HOLD_MS		500	/* how long a frame waits for a receive buffer */
#define NOISY_LIMIT	10	/* complaints logged per ring */

struct hdr {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
} __attribute__((packed));

struct vring_state {
	uint32_t index;
	uint32_t num;
};

struct vring_addr {
	uint32_t index;
	uint32_t flags;
	uint64_t desc;
	uint64_t used;
	uint64_t avail;
	uint64_t log;
};

struct mem_region {
	uint64_t gpa;
	uint64_t size;
	uint64_t uva;
	uint64_t mmap_offset;
};

struct mem_table {
	uint32_t nregions;
	uint32_t padding;
	struct mem_region r[MAX_REGIONS];
};

struct region {
	uint64_t gpa, size, uva;
	uint8_t *host;		/* where gpa (and uva) is in our mapping */
	void *map;		/* the mapping, for munmap */
	size_t maplen;
};

struct seg {
	uint8_t *host;
	uint32_t len;
};

struct vq {
	unsigned int num;
	uint64_t desc_uva, avail_uva, used_uva;
	bool have_addr;
	/* The ring in our mapping; recomputed when anything it depends on
	 * changed (num, addresses, memory table).
	 */
	bool stale;
	uint8_t *desc, *avail, *used;
	uint16_t last_avail, used_idx;
	int kick, call, err;
	bool started, enabled, broken;
	bool pending;		/* more to do without a kick */
	int64_t blocked_ms;	/* transmit: waiting for a receive buffer since */
	unsigned int noisy;
	uint64_t frames, bytes, dropped, bad;
};

struct port {
	char name;		/* 'A' or 'B' */
	const char *path;
	int lfd, cfd;
	bool ever;		/* a front-end connected once */
	uint64_t features, protocol;
	struct region reg[MAX_REGIONS];
	unsigned int nreg;
	struct vq vq[2 * MAX_PAIRS];
	struct port *peer;
};

static FILE *logf;
static struct timespec t0;
static unsigned int pairs = 2;
static bool watch_stdin;
static struct port ports[2];
static volatile sig_atomic_t stop_sig;
static uint8_t frame[NET_HDR_LEN + FRAME_MAX];

static int64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

__attribute__((format(printf, 2, 3)))
static void say(const struct port *p, const char *fmt, ...)
{
	struct timespec t;
	va_list ap;
	double s;

	clock_gettime(CLOCK_MONOTONIC, &t);
	s = (double)(t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9;
	fprintf(logf, "[%9.3f] %c: ", s, p ? p->name : '-');
	va_start(ap, fmt);
	vfprintf(logf, fmt, ap);
	va_end(ap);
	fputc('\n', logf);
}

/* A complaint about the guest's rings: the first few of each ring. */
__attribute__((format(printf, 3, 4)))
static void complain(const struct port *p, struct vq *q, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	q->bad++;
	if (q->noisy >= NOISY_LIMIT)
		return;
	q->noisy++;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	say(p, "vq %ld: %s%s", (long)(q - p->vq), buf,
	    q->noisy == NOISY_LIMIT ? " (no more of these for this ring)" : "");
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Shared ring memory: every field is read once, atomically. */
static uint16_t ld16(const uint8_t *p)
{
	return le16toh(__atomic_load_n((const uint16_t *)p, __ATOMIC_RELAXED));
}

static uint32_t ld32(const uint8_t *p)
{
	return le32toh(__atomic_load_n((const uint32_t *)p, __ATOMIC_RELAXED));
}

static uint64_t ld64(const uint8_t *p)
{
	return le64toh(__atomic_load_n((const uint64_t *)p, __ATOMIC_RELAXED));
}

static void st16(uint8_t *p, uint16_t v)
{
	__atomic_store_n((uint16_t *)p, htole16(v), __ATOMIC_RELAXED);
}

static void st32(uint8_t *p, uint32_t v)
{
	__atomic_store_n((uint32_t *)p, htole32(v), __ATOMIC_RELAXED);
}

/* --- memory table ------------------------------------------------------ */

static void unmap_all(struct port *p)
{
	unsigned int i;

	for (i = 0; i < p->nreg; i++)
		munmap(p->reg[i].map, p->reg[i].maplen);
	p->nreg = 0;
}

/* Host pointer of [uva, uva + len) if it lies inside one region. */
static uint8_t *uva_ptr(const struct port *p, uint64_t uva, uint64_t len)
{
	const struct region *r;
	unsigned int i;

	for (i = 0; i < p->nreg; i++) {
		r = &p->reg[i];
		if (uva >= r->uva && uva - r->uva < r->size &&
		    len <= r->size - (uva - r->uva))
			return r->host + (uva - r->uva);
	}
	return NULL;
}

/* Split [gpa, gpa + len) into pieces of our mapping, appended to segs;
 * false if any byte lies outside every region or there are too many.
 */
static bool gpa_segs(const struct port *p, uint64_t gpa, uint32_t len,
		     struct seg *segs, unsigned int *n)
{
	const struct region *r;
	uint64_t off, chunk;
	unsigned int i;

	while (len) {
		for (i = 0; i < p->nreg; i++) {
			r = &p->reg[i];
			if (gpa >= r->gpa && gpa - r->gpa < r->size)
				break;
		}
		if (i == p->nreg || *n == MAX_SEGS)
			return false;
		off = gpa - r->gpa;
		chunk = r->size - off;
		if (chunk > len)
			chunk = len;
		segs[*n].host = r->host + off;
		segs[*n].len = (uint32_t)chunk;
		(*n)++;
		gpa += chunk;
		len -= (uint32_t)chunk;
	}
	return true;
}

static bool set_mem_table(struct port *p, const struct mem_table *mt,
			  size_t size, int *fds, unsigned int nfds)
{
	long page = sysconf(_SC_PAGESIZE);
	const struct mem_region *m;
	struct region *r;
	unsigned int i, k;
	uint64_t skew;

	if (size < 8 || mt->nregions > MAX_REGIONS ||
	    size < 8 + mt->nregions * sizeof(struct mem_region) ||
	    nfds != mt->nregions) {
		say(p, "SET_MEM_TABLE: %u regions, %u fds, %zu bytes: refused",
		    mt->nregions, nfds, size);
		return false;
	}
	unmap_all(p);
	for (i = 0; i < mt->nregions; i++) {
		m = &mt->r[i];
		if (!m->size || m->gpa + m->size < m->gpa ||
		    m->uva + m->size < m->uva ||
		    m->mmap_offset + m->size < m->mmap_offset) {
			say(p, "region %u: bad sizes, skipped", i);
			continue;
		}
		r = &p->reg[p->nreg];
		skew = m->mmap_offset % (uint64_t)page;
		r->maplen = m->size + skew;
		r->map = mmap(NULL, r->maplen, PROT_READ | PROT_WRITE,
			      MAP_SHARED, fds[i], (off_t)(m->mmap_offset - skew));
		if (r->map == MAP_FAILED) {
			say(p, "region %u: mmap: %s, skipped", i, strerror(errno));
			continue;
		}
		r->gpa = m->gpa;
		r->size = m->size;
		r->uva = m->uva;
		r->host = (uint8_t *)r->map + skew;
		say(p, "region %u: guest 0x%llx-0x%llx user 0x%llx offset 0x%llx",
		    i, (unsigned long long)m->gpa,
		    (unsigned long long)(m->gpa + m->size - 1),
		    (unsigned long long)m->uva,
		    (unsigned long long)m->mmap_offset);
		p->nreg++;
	}
	for (k = 0; k < 2 * pairs; k++)
		p->vq[k].stale = true;
	return true;
}

/* --- rings ------------------------------------------------------------- */

static void vq_reset(struct vq *q)
{
	close_fd(&q->kick);
	close_fd(&q->call);
	close_fd(&q->err);
	memset(q, 0, sizeof(*q));
	q->kick = q->call = q->err = -1;
	q->stale = true;
}

/* The ring's three parts in our mapping, checked once per change. */
static bool vq_map(struct port *p, struct vq *q)
{
	uint64_t n = q->num;

	if (!q->stale)
		return q->desc != NULL;
	q->stale = false;
	q->desc = q->avail = q->used = NULL;
	if (!q->have_addr || !q->num)
		return false;
	if (q->desc_uva % 16 || q->avail_uva % 2 || q->used_uva % 4) {
		say(p, "vq %ld: misaligned ring", (long)(q - p->vq));
		return false;
	}
	q->desc = uva_ptr(p, q->desc_uva, 16 * n);
	q->avail = uva_ptr(p, q->avail_uva, 6 + 2 * n);
	q->used = uva_ptr(p, q->used_uva, 6 + 8 * n);
	if (!q->desc || !q->avail || !q->used) {
		say(p, "vq %ld: ring outside the memory table", (long)(q - p->vq));
		q->desc = q->avail = q->used = NULL;
		return false;
	}
	return true;
}

/* Whether the ring may be processed at all (stopped rings may not). */
static bool vq_live(struct port *p, struct vq *q)
{
	return p->cfd >= 0 && q->started && !q->broken && vq_map(p, q);
}

/* How many entries the driver made available, or -1 (ring broken). */
static int vq_avail(struct port *p, struct vq *q)
{
	uint16_t idx = ld16(q->avail + 2);
	uint16_t n = (uint16_t)(idx - q->last_avail);

	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (n > q->num) {
		say(p, "vq %ld: available index %u is %u ahead of %u on a ring of %u: ring broken",
		    (long)(q - p->vq), idx, n, q->last_avail, q->num);
		q->broken = true;
		return -1;
	}
	return n;
}

/* Walk the chain at head into segs: every descriptor readable (tx) or
 * writable (rx), in the memory table, no loop, no indirect table.
 */
static bool vq_chain(struct port *p, struct vq *q, uint16_t head, bool write,
		     struct seg *segs, unsigned int *nsegs, uint64_t *total)
{
	unsigned int count = 0;
	uint16_t i = head, flags;
	const uint8_t *d;
	uint64_t addr;
	uint32_t len;

	*nsegs = 0;
	*total = 0;
	for (;;) {
		if (i >= q->num) {
			complain(p, q, "descriptor index %u out of a ring of %u", i, q->num);
			return false;
		}
		if (++count > q->num) {
			complain(p, q, "chain at %u loops", head);
			return false;
		}
		d = q->desc + 16 * (size_t)i;
		addr = ld64(d);
		len = ld32(d + 8);
		flags = ld16(d + 12);
		if (flags & VRING_DESC_F_INDIRECT) {
			complain(p, q, "indirect descriptor %u (not negotiated)", i);
			return false;
		}
		if (!!(flags & VRING_DESC_F_WRITE) != write) {
			complain(p, q, "descriptor %u is %s", i,
				 write ? "read-only in a receive chain" :
					 "writable in a transmit chain");
			return false;
		}
		if (!gpa_segs(p, addr, len, segs, nsegs)) {
			complain(p, q, "descriptor %u: 0x%llx+%u outside guest memory (or too fragmented)",
				 i, (unsigned long long)addr, len);
			return false;
		}
		*total += len;
		if (!(flags & VRING_DESC_F_NEXT))
			return true;
		i = ld16(d + 14);
	}
}

static void vq_put_used(struct vq *q, uint16_t head, uint32_t len)
{
	uint8_t *e = q->used + 4 + 8 * (size_t)(q->used_idx % q->num);

	st32(e, head);
	st32(e + 4, len);
	q->used_idx++;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	st16(q->used + 2, q->used_idx);
}

/* Interrupt the driver unless it asked not to be. */
static void vq_notify(struct vq *q)
{
	uint64_t one = 1;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (q->call < 0 || (ld16(q->avail) & VRING_AVAIL_F_NO_INTERRUPT))
		return;
	if (write(q->call, &one, sizeof(one)) < 0 && errno != EAGAIN)
		q->bad++;
}

/* The receive queue of p a frame sent on pair i goes to, or NULL. */
static struct vq *rx_target(struct port *p, unsigned int i)
{
	unsigned int k;

	if (p->cfd < 0)
		return NULL;
	if (p->vq[2 * i].enabled && vq_live(p, &p->vq[2 * i]))
		return &p->vq[2 * i];
	for (k = 0; k < pairs; k++)
		if (p->vq[2 * k].enabled && vq_live(p, &p->vq[2 * k]))
			return &p->vq[2 * k];
	return NULL;
}

enum deliver { DELIVERED, NO_BUFFER, DROPPED };

/* Put frame[0, len) (header included) into one buffer of rx. */
static enum deliver rx_put(struct port *p, struct vq *rx, uint32_t len)
{
	struct seg segs[MAX_SEGS];
	unsigned int nsegs, s;
	uint64_t room, off;
	uint16_t head;
	uint32_t c;
	int n;

	n = vq_avail(p, rx);
	if (n < 0)
		return DROPPED;
	if (n == 0)
		return NO_BUFFER;
	head = ld16(rx->avail + 4 + 2 * (size_t)(rx->last_avail % rx->num));
	if (!vq_chain(p, rx, head, true, segs, &nsegs, &room)) {
		rx->last_avail++;
		vq_put_used(rx, head, 0);
		vq_notify(rx);
		return DROPPED;
	}
	if (room < len) {
		/* Not consumed: the frame is lost, the buffer stays. */
		complain(p, rx, "buffer of %llu bytes for a frame of %u: frame dropped",
			 (unsigned long long)room, len);
		rx->dropped++;
		return DROPPED;
	}
	for (s = 0, off = 0; s < nsegs && off < len; s++) {
		c = segs[s].len;
		if (c > len - off)
			c = (uint32_t)(len - off);
		memcpy(segs[s].host, frame + off, c);
		off += c;
	}
	rx->last_avail++;
	vq_put_used(rx, head, len);
	if (!rx->frames)
		say(p, "vq %ld: first frame received (%u bytes)", (long)(rx - p->vq), len);
	rx->frames++;
	rx->bytes += len - NET_HDR_LEN;
	return DELIVERED;
}

/* Forward what tx of p (queue pair i) holds to the peer; returns true
 * when the ring is left with work (budget spent, or waiting for a
 * receive buffer).
 */
static bool tx_run(struct port *p, unsigned int i, int64_t now)
{
	struct vq *tx = &p->vq[2 * i + 1], *rx;
	struct port *peer = p->peer;
	struct seg segs[MAX_SEGS];
	bool used = false, more = false;
	unsigned int nsegs, s, done, fed = 0;
	uint64_t total, off;
	enum deliver r;
	uint16_t head;
	int n;

	if (!vq_live(p, tx))
		return false;
	for (done = 0; ; done++) {
		n = vq_avail(p, tx);
		if (n <= 0)
			break;
		if (done == BUDGET) {
			more = true;
			break;
		}
		head = ld16(tx->avail + 4 + 2 * (size_t)(tx->last_avail % tx->num));
		if (!vq_chain(p, tx, head, false, segs, &nsegs, &total)) {
			tx->last_avail++;
			vq_put_used(tx, head, 0);
			used = true;
			continue;
		}
		if (total < NET_HDR_LEN + ETH_MIN || total > sizeof(frame)) {
			complain(p, tx, "frame of %llu bytes with its header: dropped",
				 (unsigned long long)total);
			tx->last_avail++;
			vq_put_used(tx, head, 0);
			used = true;
			continue;
		}
		rx = tx->enabled ? rx_target(peer, i) : NULL;
		r = DROPPED;
		if (rx) {
			for (s = 0, off = 0; s < nsegs; s++) {
				memcpy(frame + off, segs[s].host, segs[s].len);
				off += segs[s].len;
			}
			/* The receiver's header: no offload, one buffer. */
			memset(frame, 0, NET_HDR_LEN);
			frame[10] = 1;
			r = rx_put(peer, rx, (uint32_t)total);
		}
		if (r == NO_BUFFER) {
			if (!tx->blocked_ms)
				tx->blocked_ms = now ? now : 1;
			if (now - tx->blocked_ms < HOLD_MS) {
				more = true;
				break;
			}
			r = DROPPED;	/* waited long enough */
		}
		tx->blocked_ms = 0;
		tx->last_avail++;
		vq_put_used(tx, head, 0);
		used = true;
		if (r == DELIVERED) {
			fed |= 1u << (rx - peer->vq);
			if (!tx->frames)
				say(p, "vq %u: first frame sent (%llu bytes) to %c vq %ld",
				    2 * i + 1, (unsigned long long)total, peer->name,
				    (long)(rx - peer->vq));
			tx->frames++;
			tx->bytes += total - NET_HDR_LEN;
		} else {
			tx->dropped++;
		}
	}
	if (used)
		vq_notify(tx);
	for (s = 0; s < 2 * pairs; s++)
		if (fed & (1u << s))
			vq_notify(&peer->vq[s]);
	return more;
}

static void vq_stats(const struct port *p, const struct vq *q, const char *why)
{
	long k = (long)(q - p->vq);

	if (!q->frames && !q->dropped && !q->bad)
		return;
	say(p, "vq %ld (%s %ld) %s: %llu frames, %llu bytes, %llu dropped, %llu bad chains",
	    k, k % 2 ? "tx" : "rx", k / 2, why,
	    (unsigned long long)q->frames, (unsigned long long)q->bytes,
	    (unsigned long long)q->dropped, (unsigned long long)q->bad);
}

/* --- control messages -------------------------------------------------- */

static bool reply(struct port *p, uint32_t request, const void *payload,
		  uint32_t size)
{
	uint8_t buf[sizeof(struct hdr) + 64];
	struct hdr h = { request, MSG_VERSION | MSG_REPLY, size };
	ssize_t n;

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), payload, size);
	n = send(p->cfd, buf, sizeof(h) + size, MSG_NOSIGNAL);
	if (n != (ssize_t)(sizeof(h) + size)) {
		say(p, "reply to %u: %s", request, n < 0 ? strerror(errno) : "short");
		return false;
	}
	return true;
}

static bool reply_u64(struct port *p, uint32_t request, uint64_t v)
{
	return reply(p, request, &v, sizeof(v));
}

/* The ring a message names, or NULL (logged). */
static struct vq *msg_vq(struct port *p, uint32_t request, uint32_t index)
{
	if (index >= 2 * pairs) {
		say(p, "%s: ring %u of %u: ignored", req_name[request], index,
		    2 * pairs);
		return NULL;
	}
	return &p->vq[index];
}

static void port_disconnect(struct port *p)
{
	unsigned int k;

	for (k = 0; k < 2 * pairs; k++) {
		vq_stats(p, &p->vq[k], "at disconnect");
		vq_reset(&p->vq[k]);
	}
	unmap_all(p);
	close_fd(&p->cfd);
	p->features = p->protocol = 0;
	say(p, "front-end gone");
}

/* One message: false when the connection must close. */
static bool handle_msg(struct port *p, const struct hdr *h, uint8_t *pl,
		       int *fds, unsigned int nfds)
{
	struct vring_state st;
	struct vring_addr va;
	uint64_t u64 = 0;
	int fd = -1;
	struct vq *q;
	bool ok = true;
	unsigned int k;
	const char *name = h->request < REQ_MAX && req_name[h->request] ?
			   req_name[h->request] : "?";

	if (h->size >= sizeof(u64))
		memcpy(&u64, pl, sizeof(u64));
	if (h->size >= sizeof(st))
		memcpy(&st, pl, sizeof(st));
	else
		memset(&st, 0, sizeof(st));

	switch (h->request) {
	case GET_FEATURES:
		ok = reply_u64(p, h->request, 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_NET_F_MQ |
				  1ull << F_PROTOCOL_FEATURES);
		break;
	case SET_FEATURES:
		p->features = u64;
		say(p, "%s 0x%llx", name, (unsigned long long)u64);
		break;
	case GET_PROTOCOL_FEATURES:
		ok = reply_u64(p, h->request, 1ull << PF_MQ);
		break;
	case SET_PROTOCOL_FEATURES:
		p->protocol = u64;
		say(p, "%s 0x%llx", name, (unsigned long long)u64);
		break;
	case GET_QUEUE_NUM:
		ok = reply_u64(p, h->request, pairs);
		break;
	case SET_OWNER:
		say(p, "%s", name);
		break;
	case RESET_OWNER:
		say(p, "%s: every ring stopped", name);
		for (k = 0; k < 2 * pairs; k++)
			p->vq[k].started = p->vq[k].enabled = false;
		break;
	case SET_MEM_TABLE:
		set_mem_table(p, (const struct mem_table *)pl, h->size, fds, nfds);
		break;
	case SET_VRING_NUM:
		q = msg_vq(p, h->request, st.index);
		if (!q)
			break;
		if (!st.num || st.num > MAX_RING || (st.num & (st.num - 1))) {
			say(p, "%s %u: size %u refused", name, st.index, st.num);
			q->num = 0;
		} else {
			q->num = st.num;
		}
		q->stale = true;
		break;
	case SET_VRING_ADDR:
		if (h->size < sizeof(va)) {
			ok = false;
			break;
		}
		memcpy(&va, pl, sizeof(va));
		q = msg_vq(p, h->request, va.index);
		if (!q)
			break;
		q->desc_uva = va.desc;
		q->avail_uva = va.avail;
		q->used_uva = va.used;
		q->have_addr = true;
		q->stale = true;
		break;
	case SET_VRING_BASE:
		q = msg_vq(p, h->request, st.index);
		if (q)
			q->last_avail = q->used_idx = (uint16_t)st.num;
		break;
	case GET_VRING_BASE:
		q = msg_vq(p, h->request, st.index);
		if (q) {
			q->started = false;
			q->pending = false;
			q->blocked_ms = 0;
			close_fd(&q->kick);
			close_fd(&q->call);
			vq_stats(p, q, "stopped");
			st.num = q->last_avail;
		} else {
			st.num = 0;
		}
		ok = reply(p, h->request, &st, sizeof(st));
		break;
	case SET_VRING_KICK:
	case SET_VRING_CALL:
	case SET_VRING_ERR:
		if (!(u64 & NOFD_FLAG)) {
			if (nfds != 1) {
				say(p, "%s without its fd", name);
				break;
			}
			fd = fds[0];
			fds[0] = -1;	/* ours now */
			/* Never block on it (the kick is read after poll). */
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		}
		q = msg_vq(p, h->request, (uint32_t)(u64 & IDX_MASK));
		if (!q) {
			if (fd >= 0)
				close(fd);
			break;
		}
		if (h->request == SET_VRING_CALL) {
			close_fd(&q->call);
			q->call = fd;
		} else if (h->request == SET_VRING_ERR) {
			close_fd(&q->err);
			q->err = fd;
		} else {
			close_fd(&q->kick);
			q->kick = fd;
			if (fd < 0)
				say(p, "%s %u: polling mode is not supported", name,
				    (unsigned int)(u64 & IDX_MASK));
			/* Started: the ring may already hold buffers. */
			q->started = fd >= 0;
			q->broken = false;
			q->pending = true;
			q->used_idx = q->last_avail;
			q->stale = true;
			say(p, "vq %u started at %u, %s", (unsigned int)(q - p->vq),
			    q->last_avail, q->enabled ? "enabled" : "disabled");
		}
		break;
	case SET_VRING_ENABLE:
		q = msg_vq(p, h->request, st.index);
		if (!q)
			break;
		q->enabled = st.num != 0;
		q->pending = true;
		say(p, "vq %u %s", st.index, q->enabled ? "enabled" : "disabled");
		break;
	case SET_LOG_BASE:
	case SET_LOG_FD:
	case SEND_RARP:
		say(p, "%s: ignored", name);
		break;
	default:
		say(p, "request %u (%s): not supported, ignored", h->request, name);
		break;
	}
	if (ok && (h->flags & MSG_NEED_REPLY) && h->request != GET_VRING_BASE &&
	    h->request != GET_FEATURES && h->request != GET_PROTOCOL_FEATURES &&
	    h->request != GET_QUEUE_NUM)
		ok = reply_u64(p, h->request, 0);
	return ok;
}

static bool read_full(int fd, void *buf, size_t len)
{
	uint8_t *b = buf;
	ssize_t n;

	while (len) {
		n = recv(fd, b, len, MSG_WAITALL);
		if (n <= 0) {
			if (n < 0 && errno == EINTR && !stop_sig)
				continue;
			return false;
		}
		b += n;
		len -= (size_t)n;
	}
	return true;
}

/* Read and handle one message; false when the connection is over. */
static bool conn_one(struct port *p)
{
	static uint8_t payload[MAX_PAYLOAD] __attribute__((aligned(8)));
	union {
		struct cmsghdr c;
		char buf[CMSG_SPACE(MAX_FDS * sizeof(int))];
	} cbuf;
	int fds[MAX_FDS];
	unsigned int nfds = 0, i;
	struct cmsghdr *c;
	struct msghdr mh;
	struct iovec iov;
	struct hdr h;
	ssize_t n;
	bool ok;

	memset(&mh, 0, sizeof(mh));
	iov.iov_base = &h;
	iov.iov_len = sizeof(h);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf.buf;
	mh.msg_controllen = sizeof(cbuf.buf);
	do {
		n = recvmsg(p->cfd, &mh, MSG_CMSG_CLOEXEC | MSG_WAITALL);
	} while (n < 0 && errno == EINTR && !stop_sig);
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		unsigned int k, cnt;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		cnt = (unsigned int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (k = 0; k < cnt; k++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + k * sizeof(int), sizeof(fd));
			if (nfds < MAX_FDS)
				fds[nfds++] = fd;
			else
				close(fd);
		}
	}
	ok = n == (ssize_t)sizeof(h);
	if (!ok && n != 0)
		say(p, "short message header (%zd bytes)", n);
	if (ok && (mh.msg_flags & MSG_CTRUNC))
		say(p, "too many fds with request %u", h.request);
	if (ok && ((h.flags & 0x3) != MSG_VERSION || h.size > MAX_PAYLOAD)) {
		say(p, "bad header: request %u flags 0x%x size %u", h.request,
		    h.flags, h.size);
		ok = false;
	}
	if (ok && h.size && !read_full(p->cfd, payload, h.size)) {
		say(p, "short payload of request %u", h.request);
		ok = false;
	}
	if (ok)
		ok = handle_msg(p, &h, payload, fds, nfds);
	for (i = 0; i < nfds; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return ok;
}

/* Every message already queued on the connection, so that a kick never
 * overtakes the ring set-up QEMU sent before the guest could kick.
 */
static void conn_drain(struct port *p)
{
	struct pollfd pf;

	do {
		if (!conn_one(p)) {
			port_disconnect(p);
			return;
		}
		pf.fd = p->cfd;
		pf.events = POLLIN;
	} while (poll(&pf, 1, 0) > 0 && (pf.revents & (POLLIN | POLLHUP)));
}

/* --- sockets and the loop ---------------------------------------------- */

static int listen_on(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(a.sun_path)) {
		fprintf(stderr, "vu_wire: socket path too long: %s\n", path);
		exit(2);
	}
	strcpy(a.sun_path, path);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(fd, 1) < 0) {
		fprintf(stderr, "vu_wire: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	return fd;
}

static void on_signal(int sig)
{
	stop_sig = sig;
}

static void accept_one(struct port *p)
{
	struct timeval tv = { .tv_sec = 10 };
	int fd = accept4(p->lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	/* A front-end that stops half way through a message must not
	 * hang both ports.
	 */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	p->cfd = fd;
	p->ever = true;
	say(p, "front-end connected on %s", p->path);
}

static void usage(void)
{
	fprintf(stderr, "usage: vu_wire [--log FILE] [--pairs N] [--stdin] SOCKET_A SOCKET_B\n");
	exit(2);
}

static void finish(int status)
{
	unsigned int i, k;

	for (i = 0; i < 2; i++) {
		for (k = 0; k < 2 * pairs; k++)
			vq_stats(&ports[i], &ports[i].vq[k], "at exit");
		if (ports[i].path)
			unlink(ports[i].path);
	}
	say(NULL, "exit %d", status);
	exit(status);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "log", required_argument, NULL, 'l' },
		{ "pairs", required_argument, NULL, 'p' },
		{ "stdin", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct pollfd pfd[1 + 2 * (1 + 2 * MAX_PAIRS)];
	struct { struct port *p; int k; } who[1 + 2 * (1 + 2 * MAX_PAIRS)];
	struct sigaction sa = { .sa_handler = on_signal };
	const char *logpath = NULL;
	unsigned int i, k, n;
	bool work;
	int c, timeout, devnull;
	int64_t now;
	uint64_t v;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			logpath = optarg;
			break;
		case 'p':
			pairs = (unsigned int)strtoul(optarg, NULL, 0);
			if (pairs < 1 || pairs > MAX_PAIRS)
				usage();
			break;
		case 's':
			watch_stdin = true;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2)
		usage();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	logf = logpath ? fopen(logpath, "a") : stderr;
	if (!logf) {
		fprintf(stderr, "vu_wire: %s: %s\n", logpath, strerror(errno));
		return 2;
	}
	setvbuf(logf, NULL, _IOLBF, 0);
	/* The harness's shell started us: go with it. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1)
		return 1;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	for (i = 0; i < 2; i++) {
		struct port *p = &ports[i];

		p->name = (char)('A' + i);
		p->cfd = -1;
		p->peer = &ports[!i];
		for (k = 0; k < 2 * MAX_PAIRS; k++) {
			p->vq[k].kick = p->vq[k].call = p->vq[k].err = -1;
			p->vq[k].stale = true;
		}
		p->lfd = listen_on(argv[optind + i]);
		p->path = argv[optind + i];
	}
	say(NULL, "listening on %s (A) and %s (B), %u queue pairs each",
	    ports[0].path, ports[1].path, pairs);
	printf("ready\n");
	fflush(stdout);
	devnull = open("/dev/null", O_WRONLY);
	if (devnull >= 0) {
		dup2(devnull, STDOUT_FILENO);
		close(devnull);
	}

	while (!stop_sig) {
		if ((ports[0].ever || ports[1].ever) &&
		    ports[0].cfd < 0 && ports[1].cfd < 0) {
			say(NULL, "every front-end has gone");
			finish(0);
		}
		/* Forward what is waiting, then sleep on the descriptors. */
		now = now_ms();
		work = false;
		timeout = -1;
		for (i = 0; i < 2; i++) {
			for (k = 0; k < pairs; k++) {
				struct vq *tx = &ports[i].vq[2 * k + 1];

				if (!tx->pending)
					continue;
				tx->pending = tx_run(&ports[i], k, now);
				if (tx->pending && !tx->blocked_ms)
					work = true;
				else if (tx->pending)
					timeout = 20;
			}
		}
		if (work)
			timeout = 0;
		n = 0;
		if (watch_stdin) {
			pfd[n].fd = STDIN_FILENO;
			pfd[n].events = POLLIN;
			who[n].p = NULL;
			who[n++].k = -1;
		}
		for (i = 0; i < 2; i++) {
			struct port *p = &ports[i];

			pfd[n].fd = p->cfd >= 0 ? p->cfd : p->lfd;
			pfd[n].events = POLLIN;
			who[n].p = p;
			who[n++].k = -1;
			for (k = 0; k < 2 * pairs; k++) {
				if (p->vq[k].kick < 0 || !p->vq[k].started)
					continue;
				pfd[n].fd = p->vq[k].kick;
				pfd[n].events = POLLIN;
				who[n].p = p;
				who[n++].k = (int)k;
			}
		}
		if (poll(pfd, n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			say(NULL, "poll: %s", strerror(errno));
			finish(1);
		}
		/* Control first: the set-up of a ring before its kicks. */
		for (i = 0; i < n; i++) {
			struct port *p = who[i].p;
			char c;

			if (who[i].k >= 0 || !pfd[i].revents)
				continue;
			if (!p) {
				/* Anything but data on stdin ends us. */
				if (read(STDIN_FILENO, &c, 1) <= 0) {
					say(NULL, "standard input closed");
					finish(0);
				}
				continue;
			}
			if (p->cfd < 0)
				accept_one(p);
			else
				conn_drain(p);
		}
		for (i = 0; i < n; i++) {
			struct port *p = who[i].p;
			struct vq *q;

			if (!p || who[i].k < 0 || !pfd[i].revents)
				continue;
			q = &p->vq[who[i].k];
			if (q->kick != pfd[i].fd)
				continue;	/* replaced meanwhile */
			if (read(q->kick, &v, sizeof(v)) < 0 && errno != EAGAIN)
				q->bad++;
			if (who[i].k % 2) {
				q->pending = true;
			} else {
				/* New receive buffers: the peer may go on. */
				for (k = 0; k < pairs; k++)
					if (p->peer->vq[2 * k + 1].blocked_ms)
						p->peer->vq[2 * k + 1].pending = true;
			}
		}
	}
	say(NULL, "signal %d", (int)stop_sig);
	finish(0);
}
