// SPDX-License-Identifier: GPL-2.0-only
/*
 * inner_init: PID 1 of the nested guest of tests/e2e/75-vhost-vdpa-qemu.sh
 * (and 76-vhost-vdpa-migrate.sh, 81-vp-vdpa-vhost.sh).
 *
 * The outer test VM runs QEMU with one or more virtio-net-pci devices, each
 * backed by a vhost-vdpa device (the simulator, a VDUSE daemon) that loops
 * every TX frame back to RX.  This program, built static and packed as the
 * inner guest's initramfs, checks the data path from inside: it waits for
 * the virtio-net interfaces, brings each up, sends frames of a private
 * ethertype to the interface's own MAC address through an AF_PACKET socket
 * and counts the ones that come back.  Everything goes to the console as
 * lines starting with "INNER-", one set per interface (in name order),
 * told apart by the MAC:
 *
 *   INNER-IF name=eth0 mac=02:00:00:00:75:01 mtu=1500 ifindex=2
 *   INNER-LINK up mac=02:00:00:00:75:01
 *   INNER-RESULT mac=02:00:00:00:75:01 sent=32 received=32 dup=0 bad=0
 *   INNER-STATS mac=02:00:00:00:75:01 rx_packets=32 tx_packets=32 ...
 *   INNER-ERROR <what failed>
 *   INNER-DONE
 *
 * With inner.ping=A.B.C.D (a device on a real network instead of a
 * loopback: vp_vdpa's function on a QEMU hub, tests/e2e/81-vp-vdpa-vhost.sh)
 * the interface gets address inner.ip (A.B.C.D/PREFIX) and, instead of the
 * frames, sends inner.frames ICMP echo requests to that address, one at a
 * time, each waited for (up to 5 s; ARP resolves the first):
 *
 *   INNER-PING mac=52:54:00:12:34:70 to=192.0.2.2 sent=8 replies=8 bad=0
 *
 * With inner.flow=S (live migration, tests/e2e/76-vhost-vdpa-migrate.sh)
 * the first interface carries a steady flow instead: frames to its own MAC
 * of varying length (200 to 1514 bytes), each with a sequence number and
 * the CRC32 of its payload, at most inner.window of them in flight, every
 * one verified as it comes back (in order, once, intact).  A second packet
 * socket, never read while it holds fewer than inner.park frames, keeps
 * the latest ones in the receive buffers the device wrote them to (the
 * kernel hands the socket the same pages, no copy): they are verified
 * when they leave it, and all of them when the flow ends, so a page the
 * device wrote but a migration did not carry over shows up as a damaged
 * or stale frame.  A line a second tells the counters so far:
 *
 *   INNER-FLOW mac=... sent=N received=N lost=0 dup=0 bad=0 parked=N
 *              park_checked=N park_bad=0 rx_packets=N tx_packets=N
 *
 * (one line).  Lines on the second serial port steer it: "churn" starts a
 * process that only sleeps inner.churn microseconds at a time (for QEMU
 * 7.2's migration under TCG, see churn_start()) and "calm" stops it, each
 * answered by "INNER-CHURN on" or "INNER-CHURN off"; any other line ends
 * the flow, as do S seconds.  The frames in flight are waited for, the
 * parked ones verified, then:
 *
 *   INNER-RESULT mac=... sent=N received=N dup=0 bad=0 lost=0
 *   INNER-PARK mac=... held=N first=SEQ last=SEQ bad=0 seqerr=0 drops=0
 *   INNER-STATS mac=... rx_packets=N ...
 *
 * where held is how many frames the park held at the end, first and last
 * their sequence numbers (-1 if none), bad and seqerr count the damaged
 * and out-of-order frames that ever left the park, drops the frames the
 * park socket lost to its buffer limit.
 *
 * After the results it waits (inner.hold seconds at most) for a line on the
 * second serial port, so that the host can read the devices' statistics
 * while the devices are still live, then powers the guest off.
 *
 * Modules in /modules (for a distribution kernel whose virtio_net is one)
 * are loaded first, in name order: "INNER-MODULE name ok" or an error.
 *
 * Kernel command line parameters (read from /proc/cmdline):
 *   inner.frames=N   frames to send per interface (default 32, at most 4096)
 *   inner.timeout=S  seconds to wait for the interfaces, each link and the
 *                    frames (default 60)
 *   inner.hold=S     seconds to wait for the host's go-ahead (default 0)
 *   inner.nics=N     virtio-net interfaces to wait for and test (default 1,
 *                    at most 4)
 *   inner.ip=A.B.C.D/P  the (first) interface's address, with inner.ping
 *   inner.ping=A.B.C.D  ping this address instead of sending frames
 *   inner.flow=S     the flow above for at most S seconds (default 0: off)
 *   inner.window=N   frames in flight in the flow (default 8, at most 256)
 *   inner.park=N     frames the park holds (default 2048, at most 65536)
 *   inner.rate=N     frames per second at most in the flow (default 0: as
 *                    fast as they come back)
 *   inner.churn=US   the period of the churn (default 1000), see below
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <netpacket/packet.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define ETH_TYPE_TEST	0x88b5		/* IEEE 802 local experimental */
#define FRAME_LEN	128
#define MAX_FRAMES	4096
#define MAGIC		"VDPA-E2E"
#define MAX_NICS	4

struct params {
	unsigned int frames;
	unsigned int timeout_s;
	unsigned int hold_s;
	unsigned int nics;
	char ip[32];
	char ping[32];
	unsigned int flow_s;
	unsigned int window;
	unsigned int park;
	unsigned int rate;
	unsigned int churn_us;
};

struct iface {
	char name[IF_NAMESIZE];
	unsigned char mac[6];
	int ifindex;
	char macs[18];
};

static int con_fd = 2;

static void out(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(con_fd, buf, n) < 0)
		return;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void setup_fs(void)
{
	mkdir("/proc", 0755);
	mkdir("/sys", 0755);
	mkdir("/dev", 0755);
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	con_fd = open("/dev/console", O_WRONLY | O_NOCTTY);
	if (con_fd < 0)
		con_fd = open("/dev/ttyS0", O_WRONLY | O_NOCTTY);
	if (con_fd < 0)
		con_fd = 2;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Load every /modules/<name>.ko, in name order. */
static void load_modules(void)
{
	struct dirent **list;
	char path[PATH_MAX];
	int i, n, fd;

	n = scandir("/modules", &list, NULL, by_name);
	for (i = 0; i < n; i++) {
		if (list[i]->d_name[0] == '.')
			goto next;
		snprintf(path, sizeof(path), "/modules/%s", list[i]->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || (syscall(SYS_finit_module, fd, "", 0) &&
			       errno != EEXIST))
			out("INNER-ERROR module %s: %s", list[i]->d_name,
			    strerror(errno));
		else
			out("INNER-MODULE %s ok", list[i]->d_name);
		if (fd >= 0)
			close(fd);
next:
		free(list[i]);
	}
	if (n >= 0)
		free(list);
}

/* The value of "key=" on the kernel command line, or @def. */
static unsigned int cmdline_uint(const char *key, unsigned int def,
				 unsigned int max)
{
	char buf[4096], *p;
	size_t klen = strlen(key);
	unsigned long v;
	ssize_t n;
	int fd;

	fd = open("/proc/cmdline", O_RDONLY);
	if (fd < 0)
		return def;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return def;
	buf[n] = '\0';
	for (p = strtok(buf, "\n "); p; p = strtok(NULL, "\n ")) {
		if (strncmp(p, key, klen) || p[klen] != '=')
			continue;
		v = strtoul(p + klen + 1, NULL, 10);
		return v > max ? max : v;
	}
	return def;
}

/* The value of "key=" on the kernel command line into @val, or "". */
static void cmdline_str(const char *key, char *val, size_t len)
{
	char buf[4096], *p;
	size_t klen = strlen(key);
	ssize_t n;
	int fd;

	val[0] = '\0';
	fd = open("/proc/cmdline", O_RDONLY);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (p = strtok(buf, "\n "); p; p = strtok(NULL, "\n "))
		if (!strncmp(p, key, klen) && p[klen] == '=')
			snprintf(val, len, "%s", p + klen + 1);
}

static int read_line(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int write_str(const char *path, const char *s)
{
	int fd, ret = 0;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Is /sys/class/net/@name a device bound to the virtio_net driver? */
static int is_virtio_net(const char *name)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/net/%s/device/driver", name);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return 0;
	target[n] = '\0';
	base = strrchr(target, '/');
	return !strcmp(base ? base + 1 : target, "virtio_net");
}

static int parse_mac(const char *s, unsigned char *mac)
{
	unsigned int b[6];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5]) != 6)
		return -EINVAL;
	for (i = 0; i < 6; i++)
		mac[i] = b[i];
	return 0;
}

/* Fill @ifc from /sys/class/net/@name. */
static int iface_get(struct iface *ifc, const char *name)
{
	char path[PATH_MAX], buf[64];
	const unsigned char *m = ifc->mac;

	snprintf(ifc->name, sizeof(ifc->name), "%s", name);
	snprintf(path, sizeof(path), "/sys/class/net/%s/address", ifc->name);
	if (read_line(path, buf, sizeof(buf)) || parse_mac(buf, ifc->mac))
		return -EIO;
	snprintf(ifc->macs, sizeof(ifc->macs), "%02x:%02x:%02x:%02x:%02x:%02x",
		 m[0], m[1], m[2], m[3], m[4], m[5]);
	ifc->ifindex = if_nametoindex(ifc->name);
	return ifc->ifindex > 0 ? 0 : -ENODEV;
}

static int virtio_net_filter(const struct dirent *de)
{
	return de->d_name[0] != '.' && strlen(de->d_name) < IF_NAMESIZE &&
	       is_virtio_net(de->d_name);
}

/*
 * The virtio-net interfaces in name order, waiting up to @timeout_s for
 * @want of them.  Returns how many are in @ifc (at most @want), or -errno.
 */
static int find_ifaces(struct iface *ifc, unsigned int want,
		       unsigned int timeout_s)
{
	double end = now_s() + timeout_s;
	struct dirent **list;
	int i, n, err = 0;

	for (;;) {
		n = scandir("/sys/class/net", &list, virtio_net_filter,
			    by_name);
		if (n >= (int)want || now_s() >= end)
			break;
		for (i = 0; i < n; i++)
			free(list[i]);
		if (n >= 0)
			free(list);
		usleep(100000);
	}
	if (n < 0)
		return -errno;
	for (i = 0; i < n; i++) {
		if (i < (int)want && !err)
			err = iface_get(&ifc[i], list[i]->d_name);
		free(list[i]);
	}
	free(list);
	if (err)
		return err;
	return n < (int)want ? n : (int)want;
}

static int set_up(const struct iface *ifc)
{
	struct ifreq ifr = { 0 };
	int s, ret = 0;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifc->name);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
		ret = -errno;
		goto out;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		ret = -errno;
out:
	close(s);
	return ret;
}

static int iface_mtu(const struct iface *ifc)
{
	char path[PATH_MAX], buf[32];

	snprintf(path, sizeof(path), "/sys/class/net/%s/mtu", ifc->name);
	return read_line(path, buf, sizeof(buf)) ? -1 : atoi(buf);
}

static int wait_carrier(const struct iface *ifc, unsigned int timeout_s)
{
	double end = now_s() + timeout_s;
	char path[PATH_MAX], buf[16];

	snprintf(path, sizeof(path), "/sys/class/net/%s/carrier", ifc->name);
	do {
		if (!read_line(path, buf, sizeof(buf)) && !strcmp(buf, "1"))
			return 0;
		usleep(100000);
	} while (now_s() < end);
	return -ETIMEDOUT;
}

static int open_packet_socket(const struct iface *ifc)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_TYPE_TEST),
		.sll_ifindex = ifc->ifindex,
	};
	int s;

	s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_TYPE_TEST));
	if (s < 0)
		return -errno;
	if (bind(s, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		int err = -errno;

		close(s);
		return err;
	}
	return s;
}

/* Frame @seq: to and from our own MAC, magic, sequence number, pattern. */
static void build_frame(unsigned char *f, const struct iface *ifc,
			unsigned int seq)
{
	unsigned int be = htonl(seq);
	unsigned int i;

	memcpy(f, ifc->mac, 6);
	memcpy(f + 6, ifc->mac, 6);
	f[12] = ETH_TYPE_TEST >> 8;
	f[13] = ETH_TYPE_TEST & 0xff;
	memcpy(f + 14, MAGIC, 8);
	memcpy(f + 22, &be, 4);
	for (i = 26; i < FRAME_LEN; i++)
		f[i] = (unsigned char)(seq + i);
}

/* The sequence number of a valid received frame, or -1. */
static long check_frame(const unsigned char *f, ssize_t len,
			const struct iface *ifc, unsigned int frames)
{
	unsigned char want[FRAME_LEN];
	unsigned int be;

	if (len != FRAME_LEN || memcmp(f + 14, MAGIC, 8))
		return -1;
	memcpy(&be, f + 22, 4);
	if (ntohl(be) >= frames)
		return -1;
	build_frame(want, ifc, ntohl(be));
	return memcmp(f, want, FRAME_LEN) ? -1 : (long)ntohl(be);
}

struct counts {
	unsigned int sent, received, dup, bad;
	unsigned char seen[MAX_FRAMES];
};

static void receive_one(int s, const struct iface *ifc, unsigned int frames,
			struct counts *c)
{
	unsigned char f[2048];
	struct sockaddr_ll from;
	socklen_t flen = sizeof(from);
	ssize_t n;
	long seq;

	n = recvfrom(s, f, sizeof(f), MSG_DONTWAIT, (struct sockaddr *)&from,
		     &flen);
	if (n < 0 || from.sll_pkttype == PACKET_OUTGOING)
		return;
	seq = check_frame(f, n, ifc, frames);
	if (seq < 0) {
		c->bad++;
	} else if (c->seen[seq]) {
		c->dup++;
	} else {
		c->seen[seq] = 1;
		c->received++;
	}
}

/* Send @frames frames, then collect until all are back or time is up. */
static int exchange(const struct iface *ifc, const struct params *p,
		    struct counts *c)
{
	unsigned char f[FRAME_LEN];
	struct pollfd pfd;
	double end;
	unsigned int i;
	int s;

	s = open_packet_socket(ifc);
	if (s < 0)
		return s;
	for (i = 0; i < p->frames; i++) {
		build_frame(f, ifc, i);
		if (send(s, f, sizeof(f), 0) != sizeof(f)) {
			out("INNER-ERROR send of frame %u failed: %s", i,
			    strerror(errno));
			break;
		}
		c->sent++;
		receive_one(s, ifc, p->frames, c);
	}
	end = now_s() + p->timeout_s;
	pfd.fd = s;
	pfd.events = POLLIN;
	while (c->received < c->sent && now_s() < end) {
		if (poll(&pfd, 1, 200) > 0)
			receive_one(s, ifc, p->frames, c);
	}
	/* A short grace period catches duplicates arriving late. */
	end = now_s() + 0.5;
	while (now_s() < end) {
		if (poll(&pfd, 1, 100) > 0)
			receive_one(s, ifc, p->frames, c);
	}
	close(s);
	return 0;
}

static unsigned long long stat_of(const struct iface *ifc, const char *name)
{
	char path[PATH_MAX], buf[32];

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s",
		 ifc->name, name);
	return read_line(path, buf, sizeof(buf)) ? 0 : strtoull(buf, NULL, 10);
}

/* Wait up to @hold_s seconds for any input on the host's control port. */
static void wait_for_host(unsigned int hold_s)
{
	struct termios t;
	struct pollfd pfd;
	char buf[64];
	int fd;

	if (!hold_s)
		return;
	fd = open("/dev/ttyS1", O_RDWR | O_NOCTTY);
	if (fd < 0) {
		out("INNER-ERROR cannot open /dev/ttyS1: %s", strerror(errno));
		sleep(hold_s);
		return;
	}
	if (!tcgetattr(fd, &t)) {
		cfmakeraw(&t);
		tcsetattr(fd, TCSANOW, &t);
	}
	out("INNER-HOLD waiting up to %u s for the host", hold_s);
	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, hold_s * 1000) > 0 && read(fd, buf, sizeof(buf)) > 0)
		out("INNER-HOLD released by the host");
	else
		out("INNER-HOLD timed out");
	close(fd);
}

/* Name, IPv6 off (no autoconfiguration traffic in the counters), up. */
static int prepare(const struct iface *ifc)
{
	char path[PATH_MAX];
	int err;

	out("INNER-IF name=%s mac=%s mtu=%d ifindex=%d", ifc->name, ifc->macs,
	    iface_mtu(ifc), ifc->ifindex);
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
		 ifc->name);
	write_str(path, "1");
	err = set_up(ifc);
	if (err)
		out("INNER-ERROR cannot bring %s up: %s", ifc->name,
		    strerror(-err));
	return err;
}

/* SIOCSIFADDR and SIOCSIFNETMASK of @ifc from "A.B.C.D/P". */
static int set_ip(const struct iface *ifc, const char *cidr)
{
	struct ifreq ifr = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	char addr[32];
	unsigned int prefix = 24;
	char *slash;
	int s, ret = 0;

	snprintf(addr, sizeof(addr), "%s", cidr);
	slash = strchr(addr, '/');
	if (slash) {
		*slash = '\0';
		prefix = strtoul(slash + 1, NULL, 10);
	}
	if (prefix < 1 || prefix > 32)
		return -EINVAL;
	sin->sin_family = AF_INET;
	if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1)
		return -EINVAL;
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	memcpy(ifr.ifr_name, ifc->name, sizeof(ifr.ifr_name));
	if (ioctl(s, SIOCSIFADDR, &ifr) < 0) {
		ret = -errno;
		goto out;
	}
	sin->sin_addr.s_addr = htonl(~0U << (32 - prefix));
	if (ioctl(s, SIOCSIFNETMASK, &ifr) < 0)
		ret = -errno;
out:
	close(s);
	return ret;
}

static unsigned short icmp_sum(const void *data, size_t len)
{
	const unsigned char *p = data;
	unsigned int sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

#define PING_DATA	56

/* Echo request @seq: id, sequence number, a pattern of both. */
static void build_echo(unsigned char *pkt, unsigned short id,
		       unsigned short seq)
{
	struct icmphdr *h = (struct icmphdr *)pkt;
	unsigned int i;

	memset(h, 0, sizeof(*h));
	h->type = ICMP_ECHO;
	h->un.echo.id = htons(id);
	h->un.echo.sequence = htons(seq);
	for (i = 0; i < PING_DATA; i++)
		pkt[sizeof(*h) + i] = (unsigned char)(seq * 7 + i);
	h->checksum = icmp_sum(pkt, sizeof(*h) + PING_DATA);
}

/*
 * The reply to echo @seq in @buf (an IP packet of @len bytes)? 1 if it is
 * one, intact; 0 if it is something else; -1 if it is ours but damaged.
 */
static int is_reply(const unsigned char *buf, ssize_t len, unsigned short id,
		    unsigned short seq)
{
	const struct iphdr *ip = (const struct iphdr *)buf;
	unsigned char want[sizeof(struct icmphdr) + PING_DATA];
	const struct icmphdr *h;
	size_t hl;

	if (len < (ssize_t)sizeof(*ip))
		return 0;
	hl = ip->ihl * 4;
	if (len < (ssize_t)(hl + sizeof(want)))
		return 0;
	h = (const struct icmphdr *)(buf + hl);
	if (h->type != ICMP_ECHOREPLY || ntohs(h->un.echo.id) != id ||
	    ntohs(h->un.echo.sequence) != seq)
		return 0;
	build_echo(want, id, seq);
	return memcmp(want + sizeof(*h), buf + hl + sizeof(*h), PING_DATA) ?
	       -1 : 1;
}

/* One echo request, its reply waited for up to 5 s: 1, 0 or -1. */
static int ping_one(int s, const struct sockaddr_in *to, unsigned short id,
		    unsigned short seq)
{
	unsigned char pkt[sizeof(struct icmphdr) + PING_DATA], buf[1500];
	struct pollfd pfd = { .fd = s, .events = POLLIN };
	double end = now_s() + 5.0;
	ssize_t n;
	int r;

	build_echo(pkt, id, seq);
	if (sendto(s, pkt, sizeof(pkt), 0, (const struct sockaddr *)to,
		   sizeof(*to)) != sizeof(pkt))
		return 0;
	while (now_s() < end) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = recv(s, buf, sizeof(buf), MSG_DONTWAIT);
		r = n > 0 ? is_reply(buf, n, id, seq) : 0;
		if (r)
			return r;
	}
	return 0;
}

/* Address, then inner.frames echo requests to inner.ping. */
static void ping_test(const struct iface *ifc, const struct params *p)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	unsigned int sent = 0, replies = 0, bad = 0;
	unsigned short id = getpid() ^ 0x5a5a;
	int s, err, r;

	err = set_ip(ifc, p->ip);
	if (err || inet_pton(AF_INET, p->ping, &to.sin_addr) != 1) {
		out("INNER-ERROR address %s on %s, target %s: %s", p->ip,
		    ifc->name, p->ping, strerror(err ? -err : EINVAL));
		return;
	}
	s = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (s < 0) {
		out("INNER-ERROR ICMP socket: %s", strerror(errno));
		return;
	}
	for (; sent < p->frames; sent++) {
		r = ping_one(s, &to, id, sent);
		replies += r > 0;
		bad += r < 0;
	}
	close(s);
	out("INNER-PING mac=%s to=%s sent=%u replies=%u bad=%u", ifc->macs,
	    p->ping, sent, replies, bad);
}

/* --- The migration flow (inner.flow) --------------------------------------- */

#define MIG_MAGIC	"VDPA-MIG"
#define MIG_HDR		32	/* Ethernet, magic, seq, length, CRC32 */
#define MIG_MIN		200	/* above virtio_net's copy limit (128 bytes) */
#define MIG_MAX		1514
#define MIG_STALL_S	10.0	/* no frame back for this long: in flight lost */
#define MIG_PARK_BUF	(64 << 20)

static unsigned int crc_table[256];

static void crc_init(void)
{
	unsigned int i, j, c;

	for (i = 0; i < 256; i++) {
		c = i;
		for (j = 0; j < 8; j++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

static unsigned int crc32_of(const unsigned char *p, size_t len)
{
	unsigned int c = ~0u;

	while (len--)
		c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
	return ~c;
}

/* The length of flow frame @seq: every length from MIG_MIN to MIG_MAX. */
static unsigned int mig_len(unsigned int seq)
{
	return MIG_MIN + (seq * 7919u) % (MIG_MAX - MIG_MIN + 1);
}

static void put_be32(unsigned char *p, unsigned int v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static unsigned int get_be32(const unsigned char *p)
{
	return (unsigned int)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

/* Flow frame @seq into @f (MIG_MAX bytes); returns its length. */
static unsigned int build_mig_frame(unsigned char *f, const struct iface *ifc,
				    unsigned int seq)
{
	unsigned int len = mig_len(seq), x = seq * 2654435761u ^ 0x9e3779b9u;
	unsigned int i;

	memcpy(f, ifc->mac, 6);
	memcpy(f + 6, ifc->mac, 6);
	f[12] = ETH_TYPE_TEST >> 8;
	f[13] = ETH_TYPE_TEST & 0xff;
	memcpy(f + 14, MIG_MAGIC, 8);
	put_be32(f + 22, seq);
	f[26] = len >> 8;
	f[27] = len;
	if (!x)
		x = 1;
	for (i = MIG_HDR; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		f[i] = x;
	}
	put_be32(f + 28, crc32_of(f + MIG_HDR, len - MIG_HDR));
	return len;
}

/*
 * The sequence number of received flow frame @f (@n bytes), or -1 if it is
 * not one intact: addresses, magic, the length its number gives and the
 * one it carries, the CRC32 of its payload.
 */
static long check_mig_frame(const unsigned char *f, ssize_t n,
			    const struct iface *ifc)
{
	unsigned int seq;

	if (n < MIG_HDR || memcmp(f, ifc->mac, 6) ||
	    memcmp(f + 6, ifc->mac, 6) || memcmp(f + 14, MIG_MAGIC, 8))
		return -1;
	seq = get_be32(f + 22);
	if ((unsigned int)n != mig_len(seq) ||
	    (unsigned int)n != ((unsigned int)f[26] << 8 | f[27]) ||
	    crc32_of(f + MIG_HDR, n - MIG_HDR) != get_be32(f + 28))
		return -1;
	return seq;
}

struct flow {
	unsigned long long sent, received, lost, dup, bad;
	unsigned long long next_recv;	/* the sequence number due next */
	unsigned long long taken;	/* frames read from the main socket */
	unsigned long long park_read;	/* frames read from the park */
	unsigned long long park_next;	/* the park's number due next */
	unsigned long long park_bad;	/* damaged frames out of the park */
	unsigned long long park_seqerr;	/* ... and out of order */
	double progress;		/* when a frame last came back */
};

/* One frame from socket @s, or -1 if none: its sequence number, or -2. */
static long read_mig_frame(int s, const struct iface *ifc)
{
	unsigned char f[2048];
	ssize_t n;
	long seq;

	n = recv(s, f, sizeof(f), MSG_DONTWAIT);
	if (n < 0)
		return -1;
	seq = check_mig_frame(f, n, ifc);
	return seq < 0 ? -2 : seq;
}

/* Everything waiting on the main socket, counted. */
static void flow_receive(int s, const struct iface *ifc, struct flow *fl)
{
	long seq;

	while ((seq = read_mig_frame(s, ifc)) != -1) {
		fl->taken++;
		if (seq == -2 || (unsigned long long)seq >= fl->sent) {
			fl->bad++;
		} else if ((unsigned long long)seq == fl->next_recv) {
			fl->received++;
			fl->next_recv++;
			fl->progress = now_s();
		} else if ((unsigned long long)seq > fl->next_recv) {
			/* In order on a loopback: the ones between are lost. */
			fl->lost += seq - fl->next_recv;
			fl->received++;
			fl->next_recv = seq + 1;
			fl->progress = now_s();
		} else {
			fl->dup++;
		}
	}
}

/* One frame out of the park, checked; 0, or -1 if the park was empty. */
static int park_take(int pk, const struct iface *ifc, struct flow *fl,
		     long *seqp)
{
	long seq = read_mig_frame(pk, ifc);

	if (seq == -1)
		return -1;
	fl->park_read++;
	*seqp = seq;
	if (seq == -2) {
		fl->park_bad++;
		return 0;
	}
	if ((unsigned long long)seq != fl->park_next)
		fl->park_seqerr++;
	fl->park_next = seq + 1;
	return 0;
}

static int open_park_socket(const struct iface *ifc)
{
	int s = open_packet_socket(ifc), one = 1, buf = MIG_PARK_BUF;

	if (s < 0)
		return s;
	if (setsockopt(s, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
		       sizeof(one)) ||
	    setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf))) {
		int err = -errno;

		close(s);
		return err;
	}
	return s;
}

static int open_control_port(void)
{
	struct termios t;
	int fd;

	fd = open("/dev/ttyS1", O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0 && !tcgetattr(fd, &t)) {
		cfmakeraw(&t);
		tcsetattr(fd, TCSANOW, &t);
	}
	return fd;
}

static void flow_line(const struct iface *ifc, const struct flow *fl)
{
	out("INNER-FLOW mac=%s sent=%llu received=%llu lost=%llu dup=%llu bad=%llu parked=%llu park_checked=%llu park_bad=%llu rx_packets=%llu tx_packets=%llu",
	    ifc->macs, fl->sent, fl->received, fl->lost, fl->dup, fl->bad,
	    fl->taken - fl->park_read, fl->park_read,
	    fl->park_bad + fl->park_seqerr, stat_of(ifc, "rx_packets"),
	    stat_of(ifc, "tx_packets"));
}

/* Send while the window and the rate allow; -errno if a send failed. */
static int flow_send(int s, const struct iface *ifc, const struct params *p,
		     struct flow *fl, double start)
{
	unsigned char f[MIG_MAX];
	unsigned int len;

	while (fl->sent - fl->next_recv < p->window) {
		if (p->rate && fl->sent >= (now_s() - start) * p->rate)
			break;
		len = build_mig_frame(f, ifc, fl->sent);
		/* Never blocks: a device that stopped must not stop the flow. */
		if (send(s, f, len, MSG_DONTWAIT) != (ssize_t)len) {
			if (errno == ENOBUFS || errno == EAGAIN)
				break;
			return -errno;
		}
		fl->sent++;
	}
	return 0;
}

/*
 * A process that only sleeps @us at a time, so that the kernel switches
 * address spaces (writes CR3) thousands of times a second.  Under QEMU
 * 7.2's TCG every CR3 write flushes the emulated TLB, and that is what
 * keeps its migration correct: its dirty-bitmap sync clears the
 * migration bits without dropping the TLB entries that let the vCPU
 * write a page unrecorded (fixed upstream in 9.0 by "physmem: Fix
 * migration dirty bitmap coherency with TCG memory access"), so without
 * a flush the guest's own writes to memory QEMU already sent can be lost
 * and the kernel on the destination finds its lists corrupt.  The host
 * asks for it while it migrates the guest.  Returns the child's pid, or 0.
 */
static pid_t churn_start(unsigned int us)
{
	pid_t pid;

	pid = fork();
	if (pid)
		return pid < 0 ? 0 : pid;
	for (;;)
		usleep(us);
}

static void churn_stop(pid_t pid)
{
	if (!pid)
		return;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/*
 * The host's lines on the control port @ctl, gathered in @line (@len
 * bytes so far): "churn" and "calm" switch the churn (*@churn, its pid);
 * returns 1 when another line asks the flow to end.
 */
static int flow_control(int ctl, char *line, size_t *len, pid_t *churn,
			const struct params *p)
{
	char buf[64];
	ssize_t n, i;

	n = read(ctl, buf, sizeof(buf));
	for (i = 0; i < n; i++) {
		if (buf[i] == '\r')
			continue;
		if (buf[i] != '\n') {
			if (*len < 63)
				line[(*len)++] = buf[i];
			continue;
		}
		line[*len] = '\0';
		*len = 0;
		if (!strcmp(line, "churn")) {
			if (!*churn)
				*churn = churn_start(p->churn_us);
			out("INNER-CHURN %s", *churn ? "on" : "failed");
		} else if (!strcmp(line, "calm")) {
			churn_stop(*churn);
			*churn = 0;
			out("INNER-CHURN off");
		} else {
			return 1;
		}
	}
	return 0;
}

/*
 * The flow on @ifc until the host's line or inner.flow seconds; then the
 * frames in flight, the park drained and checked, the results.
 */
static void flow_test(const struct iface *ifc, const struct params *p)
{
	static struct flow fl;
	double start, end, next_line;
	long seq, first = -1, last = -1;
	struct pollfd pfd[2];
	unsigned long long held = 0;
	struct { unsigned int packets, drops; } st = { 0, 0 };
	socklen_t stlen = sizeof(st);
	int s, pk, ctl, err = 0;
	pid_t churn = 0;
	char line[64];
	size_t llen = 0;

	memset(&fl, 0, sizeof(fl));
	crc_init();
	s = open_packet_socket(ifc);
	pk = open_park_socket(ifc);
	ctl = open_control_port();
	if (s < 0 || pk < 0 || ctl < 0) {
		out("INNER-ERROR flow sockets on %s: %d %d, /dev/ttyS1: %d",
		    ifc->name, s, pk, ctl);
		goto out;
	}
	pfd[0].fd = s;
	pfd[0].events = POLLIN;
	pfd[1].fd = ctl;
	pfd[1].events = POLLIN;
	start = now_s();
	fl.progress = start;
	end = start + p->flow_s;
	next_line = start;
	out("INNER-FLOW-START mac=%s window=%u park=%u rate=%u churn=%u",
	    ifc->macs, p->window, p->park, p->rate, p->churn_us);
	while (now_s() < end) {
		err = flow_send(s, ifc, p, &fl, start);
		if (err) {
			out("INNER-ERROR send of flow frame %llu: %s", fl.sent,
			    strerror(-err));
			break;
		}
		if (poll(pfd, 2, p->rate ? 10 : 100) < 0 && errno != EINTR)
			break;
		flow_receive(s, ifc, &fl);
		while (fl.taken - fl.park_read > p->park &&
		       !park_take(pk, ifc, &fl, &seq))
			;
		if (fl.sent > fl.next_recv &&
		    now_s() - fl.progress > MIG_STALL_S) {
			out("INNER-ERROR flow stalled: frames %llu to %llu lost",
			    fl.next_recv, fl.sent - 1);
			fl.lost += fl.sent - fl.next_recv;
			fl.next_recv = fl.sent;
			fl.progress = now_s();
		}
		if (now_s() >= next_line) {
			flow_line(ifc, &fl);
			next_line += 1.0;
		}
		if ((pfd[1].revents & POLLIN) &&
		    flow_control(ctl, line, &llen, &churn, p))
			break;
	}
	churn_stop(churn);
	churn = 0;
	/* The frames in flight, then what the park holds. */
	end = now_s() + MIG_STALL_S;
	while (fl.sent > fl.next_recv && now_s() < end) {
		if (poll(pfd, 1, 100) > 0)
			flow_receive(s, ifc, &fl);
	}
	fl.lost += fl.sent - fl.next_recv;
	fl.next_recv = fl.sent;
	while (!park_take(pk, ifc, &fl, &seq)) {
		if (!held++)
			first = seq;
		last = seq;
	}
	if (getsockopt(pk, SOL_PACKET, PACKET_STATISTICS, &st, &stlen))
		st.drops = ~0u;
	flow_line(ifc, &fl);
	out("INNER-RESULT mac=%s sent=%llu received=%llu dup=%llu bad=%llu lost=%llu",
	    ifc->macs, fl.sent, fl.received, fl.dup, fl.bad, fl.lost);
	out("INNER-PARK mac=%s held=%llu first=%ld last=%ld bad=%llu seqerr=%llu drops=%u",
	    ifc->macs, held, first, last, fl.park_bad, fl.park_seqerr,
	    st.drops);
	out("INNER-STATS mac=%s rx_packets=%llu tx_packets=%llu rx_dropped=%llu tx_dropped=%llu",
	    ifc->macs, stat_of(ifc, "rx_packets"), stat_of(ifc, "tx_packets"),
	    stat_of(ifc, "rx_dropped"), stat_of(ifc, "tx_dropped"));
out:
	churn_stop(churn);
	if (s >= 0)
		close(s);
	if (pk >= 0)
		close(pk);
	if (ctl >= 0)
		close(ctl);
}

/* Carrier, then the frames, of one prepared interface. */
static void test_iface(const struct iface *ifc, const struct params *p)
{
	static struct counts c;
	int err;

	memset(&c, 0, sizeof(c));
	err = wait_carrier(ifc, p->timeout_s);
	if (err) {
		out("INNER-ERROR %s has no carrier after %u s", ifc->name,
		    p->timeout_s);
		return;
	}
	out("INNER-LINK up mac=%s", ifc->macs);
	if (p->ping[0]) {
		ping_test(ifc, p);
		return;
	}
	if (p->flow_s) {
		flow_test(ifc, p);
		return;
	}
	err = exchange(ifc, p, &c);
	if (err) {
		out("INNER-ERROR AF_PACKET socket on %s: %s", ifc->name,
		    strerror(-err));
		return;
	}
	out("INNER-RESULT mac=%s sent=%u received=%u dup=%u bad=%u",
	    ifc->macs, c.sent, c.received, c.dup, c.bad);
	out("INNER-STATS mac=%s rx_packets=%llu tx_packets=%llu rx_dropped=%llu tx_dropped=%llu",
	    ifc->macs, stat_of(ifc, "rx_packets"), stat_of(ifc, "tx_packets"),
	    stat_of(ifc, "rx_dropped"), stat_of(ifc, "tx_dropped"));
}

static void run(const struct params *p)
{
	static struct iface ifc[MAX_NICS];
	bool up[MAX_NICS] = { false };
	int i, n;

	n = find_ifaces(ifc, p->nics, p->timeout_s);
	if (n < 0) {
		out("INNER-ERROR virtio_net interfaces: %s", strerror(-n));
		return;
	}
	if (n < (int)p->nics)
		out("INNER-ERROR %d virtio_net interface(s) after %u s, want %u",
		    n, p->timeout_s, p->nics);
	/* All up first: their links come up meanwhile. */
	for (i = 0; i < n; i++)
		up[i] = !prepare(&ifc[i]);
	for (i = 0; i < n; i++)
		if (up[i])
			test_iface(&ifc[i], p);
}

int main(void)
{
	struct params p;

	setup_fs();
	p.frames = cmdline_uint("inner.frames", 32, MAX_FRAMES);
	p.timeout_s = cmdline_uint("inner.timeout", 60, 3600);
	p.hold_s = cmdline_uint("inner.hold", 0, 3600);
	p.nics = cmdline_uint("inner.nics", 1, MAX_NICS);
	if (!p.nics)
		p.nics = 1;
	cmdline_str("inner.ip", p.ip, sizeof(p.ip));
	cmdline_str("inner.ping", p.ping, sizeof(p.ping));
	p.flow_s = cmdline_uint("inner.flow", 0, 86400);
	p.window = cmdline_uint("inner.window", 8, 256);
	if (!p.window)
		p.window = 1;
	p.park = cmdline_uint("inner.park", 2048, 65536);
	p.rate = cmdline_uint("inner.rate", 0, 1000000);
	p.churn_us = cmdline_uint("inner.churn", 1000, 1000000);
	if (!p.churn_us)
		p.churn_us = 1000;
	out("INNER-START frames=%u timeout=%u hold=%u nics=%u", p.frames,
	    p.timeout_s, p.hold_s, p.nics);
	load_modules();
	run(&p);
	wait_for_host(p.hold_s);
	out("INNER-DONE");
	sync();
	reboot(RB_POWER_OFF);
	out("INNER-ERROR power off failed: %s", strerror(errno));
	for (;;)
		pause();
}
