// SPDX-License-Identifier: GPL-2.0-only
/*
 * pktloop: send raw Ethernet frames on an interface and count how many
 * come back on the same interface (a loopback device, e.g. vdpasim_net
 * under virtio_net).
 *
 *   pktloop IFNAME DST_MAC COUNT SIZE [ETHERTYPE [TIMEOUT_MS]]
 *
 * Sends COUNT frames of SIZE bytes (header included, no FCS) from the
 * interface's own MAC to DST_MAC with ETHERTYPE (default 0x88b5), at most
 * WINDOW of them in flight, and waits until every frame came back or
 * TIMEOUT_MS (default 5000) passed without any frame arriving. Each frame
 * carries a run id, its sequence number and a payload derived from both;
 * a received frame counts once, and only if its bytes are intact.
 *
 * Prints "sent S received R corrupt C duplicate D" and exits 0, or exits
 * 2 on a usage or system error.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define WINDOW		32
#define HDR_LEN		14
#define MARK_LEN	12	/* magic, run id, sequence number */
#define MAGIC		0x766c6f6fu
#define MAX_FRAME	65536

struct run {
	int fd;
	int ifindex;
	unsigned char src[6], dst[6];
	uint16_t ethertype;
	uint32_t id;
	unsigned int count, size;
	unsigned int sent, received, corrupt, duplicate;
	unsigned char *seen;
};

static void die(const char *what)
{
	perror(what);
	exit(2);
}

static unsigned char pattern(uint32_t id, uint32_t seq, size_t off)
{
	return (unsigned char)(id * 31 + seq * 7 + off);
}

static void put32(unsigned char *p, uint32_t v)
{
	v = htonl(v);
	memcpy(p, &v, 4);
}

static uint32_t get32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return ntohl(v);
}

static void build(const struct run *r, uint32_t seq, unsigned char *f)
{
	size_t i;

	memcpy(f, r->dst, 6);
	memcpy(f + 6, r->src, 6);
	f[12] = r->ethertype >> 8;
	f[13] = r->ethertype & 0xff;
	put32(f + HDR_LEN, MAGIC);
	put32(f + HDR_LEN + 4, r->id);
	put32(f + HDR_LEN + 8, seq);
	for (i = HDR_LEN + MARK_LEN; i < r->size; i++)
		f[i] = pattern(r->id, seq, i);
}

static void send_one(struct run *r, unsigned char *f)
{
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET,
		.sll_ifindex = r->ifindex,
		.sll_halen = 6,
	};

	memcpy(to.sll_addr, r->dst, 6);
	build(r, r->sent, f);
	for (;;) {
		if (sendto(r->fd, f, r->size, 0, (struct sockaddr *)&to,
			   sizeof(to)) == (ssize_t)r->size)
			break;
		if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR)
			die("sendto");
		usleep(1000);	/* queue full: let the device catch up */
	}
	r->sent++;
}

/* Accounts one received frame of @len bytes; ignores foreign traffic. */
static void account(struct run *r, const unsigned char *f, size_t len)
{
	uint32_t seq;
	size_t i;

	if (len < HDR_LEN + MARK_LEN || get32(f + HDR_LEN) != MAGIC ||
	    get32(f + HDR_LEN + 4) != r->id)
		return;
	seq = get32(f + HDR_LEN + 8);
	if (seq >= r->count || len != r->size) {
		r->corrupt++;
		return;
	}
	for (i = HDR_LEN + MARK_LEN; i < len; i++) {
		if (f[i] != pattern(r->id, seq, i)) {
			r->corrupt++;
			return;
		}
	}
	if (r->seen[seq]) {
		r->duplicate++;
		return;
	}
	r->seen[seq] = 1;
	r->received++;
}

/* Receives what is there, waiting up to @ms for the first frame. */
static int drain(struct run *r, unsigned char *buf, int ms)
{
	struct pollfd p = { .fd = r->fd, .events = POLLIN };
	struct sockaddr_ll from;
	socklen_t fl;
	ssize_t n;
	int got = 0;

	while (poll(&p, 1, got ? 0 : ms) > 0) {
		fl = sizeof(from);
		n = recvfrom(r->fd, buf, MAX_FRAME, 0, (struct sockaddr *)&from,
			     &fl);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			die("recvfrom");
		}
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;
		account(r, buf, n);
		got = 1;
	}
	return got;
}

static void open_socket(struct run *r, const char *ifname)
{
	struct sockaddr_ll me = { .sll_family = AF_PACKET };
	int one = 1, rcvbuf = 8 << 20;
	struct ifreq ifr = {};

	r->fd = socket(AF_PACKET, SOCK_RAW, htons(r->ethertype));
	if (r->fd < 0)
		die("socket");
	r->ifindex = if_nametoindex(ifname);
	if (!r->ifindex)
		die(ifname);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(r->fd, SIOCGIFHWADDR, &ifr) < 0)
		die("SIOCGIFHWADDR");
	memcpy(r->src, ifr.ifr_hwaddr.sa_data, 6);
	me.sll_protocol = htons(r->ethertype);
	me.sll_ifindex = r->ifindex;
	if (bind(r->fd, (struct sockaddr *)&me, sizeof(me)) < 0)
		die("bind");
	setsockopt(r->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
		   sizeof(one));
	setsockopt(r->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
}

static void parse(struct run *r, int argc, char **argv, int *timeout)
{
	unsigned int m[6];

	if (argc < 5 || argc > 7 ||
	    sscanf(argv[2], "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3],
		   &m[4], &m[5]) != 6) {
		fprintf(stderr, "usage: %s IFNAME DST_MAC COUNT SIZE [ETHERTYPE [TIMEOUT_MS]]\n",
			argv[0]);
		exit(2);
	}
	for (int i = 0; i < 6; i++)
		r->dst[i] = m[i];
	r->count = strtoul(argv[3], NULL, 0);
	r->size = strtoul(argv[4], NULL, 0);
	r->ethertype = argc > 5 ? strtoul(argv[5], NULL, 0) : 0x88b5;
	*timeout = argc > 6 ? atoi(argv[6]) : 5000;
	if (r->size < HDR_LEN + MARK_LEN || r->size > MAX_FRAME) {
		fprintf(stderr, "SIZE must be %d..%d\n", HDR_LEN + MARK_LEN,
			MAX_FRAME);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	static unsigned char tx[MAX_FRAME], rx[MAX_FRAME];
	struct run r = {};
	int timeout;

	parse(&r, argc, argv, &timeout);
	r.seen = calloc(r.count ? r.count : 1, 1);
	if (!r.seen)
		die("calloc");
	r.id = (uint32_t)time(NULL) ^ ((uint32_t)getpid() << 16);
	open_socket(&r, argv[1]);

	while (r.sent < r.count) {
		/* Keep at most WINDOW frames unanswered. */
		if (r.sent - r.received - r.corrupt >= WINDOW &&
		    !drain(&r, rx, timeout))
			break;
		send_one(&r, tx);
		drain(&r, rx, 0);
	}
	while (r.received + r.corrupt < r.sent && drain(&r, rx, timeout))
		;
	printf("sent %u received %u corrupt %u duplicate %u\n", r.sent,
	       r.received, r.corrupt, r.duplicate);
	return 0;
}
