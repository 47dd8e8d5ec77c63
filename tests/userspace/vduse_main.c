// SPDX-License-Identifier: GPL-2.0-only
/*
 * vduse_user: a VDUSE device daemon for the tests.
 *
 *   vduse_user blk NAME [--size MiB] [--file F] [options]
 *   vduse_user net NAME [--mac M] [--cvq] [options]
 *   vduse_user probe CASE      one bad VDUSE_CREATE_DEV (and friends)
 *   vduse_user destroy NAME    VDUSE_DESTROY_DEV
 *
 * Options: --ready-file F, --destroy, --reconnect, --hostile MODE,
 * --after N, --ring N, --features HEX, --verbose.  See README.md.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>

#include "vduse_user.h"

#define CONTROL "/dev/vduse/control"

volatile sig_atomic_t vu_stop;
volatile sig_atomic_t vu_dump;

/**
 * vu_counters() - print the counters line on stdout
 * @d: device
 */
void vu_counters(struct vu_dev *d)
{
	if (d->type == &vu_net_type)
		printf("tx_frames=%llu rx_frames=%llu rx_dropped=%llu\n",
		       (unsigned long long)d->tx_frames,
		       (unsigned long long)d->rx_frames,
		       (unsigned long long)d->rx_dropped);
	else if (d->o->wce)
		printf("requests=%llu wce=%u config_writes=%llu\n",
		       (unsigned long long)d->requests,
		       d->config[offsetof(struct virtio_blk_config, wce)],
		       (unsigned long long)d->config_writes);
	else
		printf("requests=%llu\n", (unsigned long long)d->requests);
	fflush(stdout);
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		vu_dump = 1;
	else
		vu_stop = 1;
}

static void usage(void)
{
	fputs("usage: vduse_user blk NAME [--size MiB] [--file PATH] [options]\n"
	      "       vduse_user net NAME [--mac M] [--cvq] [options]\n"
	      "       vduse_user probe CASE | destroy NAME\n"
	      "options: --ready-file F --destroy --reconnect --ring N\n"
	      "         --features HEX --verbose --after N --wce\n"
	      "         --hostile silent|wrong-id|bogus-iotlb|oversize|"
	      "close-mid-io|umem-unmap|\n"
	      "                  bad-erase|cvq-silent|config-refuse\n", stderr);
	exit(VU_EXIT_USAGE);
}

static const char *const hostile_names[] = {
	[VU_HOSTILE_NONE] = "none",
	[VU_HOSTILE_SILENT] = "silent",
	[VU_HOSTILE_WRONG_ID] = "wrong-id",
	[VU_HOSTILE_BOGUS_IOTLB] = "bogus-iotlb",
	[VU_HOSTILE_OVERSIZE] = "oversize",
	[VU_HOSTILE_CLOSE_MID_IO] = "close-mid-io",
	[VU_HOSTILE_UMEM_UNMAP] = "umem-unmap",
	[VU_HOSTILE_BAD_ERASE] = "bad-erase",
	[VU_HOSTILE_CVQ_SILENT] = "cvq-silent",
	[VU_HOSTILE_CONFIG_REFUSE] = "config-refuse",
};

static unsigned long num_arg(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || end == s)
		usage();
	return v;
}

static void parse(struct vu_opts *o, int argc, char **argv)
{
	unsigned int m[6], i;

	for (i = 3; i < (unsigned int)argc; i++) {
		const char *a = argv[i], *v = i + 1 < (unsigned int)argc ?
					      argv[i + 1] : NULL;
		unsigned int h;

		if (!strcmp(a, "--destroy")) {
			o->destroy = true;
		} else if (!strcmp(a, "--reconnect")) {
			o->reconnect = true;
		} else if (!strcmp(a, "--cvq")) {
			o->cvq = true;
		} else if (!strcmp(a, "--verbose")) {
			o->verbose = true;
		} else if (!strcmp(a, "--wce")) {
			o->wce = true;
		} else if (!v) {
			usage();
		} else if (!strcmp(a, "--size")) {
			o->size_mib = num_arg(v);
		} else if (!strcmp(a, "--file")) {
			o->file = v;
		} else if (!strcmp(a, "--ready-file")) {
			o->ready_file = v;
		} else if (!strcmp(a, "--after")) {
			o->after = num_arg(v);
		} else if (!strcmp(a, "--ring")) {
			o->ring = num_arg(v);
		} else if (!strcmp(a, "--features")) {
			o->features = strtoull(v, NULL, 16);
		} else if (!strcmp(a, "--mac")) {
			if (sscanf(v, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2],
				   &m[3], &m[4], &m[5]) != 6)
				usage();
			for (h = 0; h < 6; h++)
				o->mac[h] = m[h];
		} else if (!strcmp(a, "--hostile")) {
			for (h = 0; h < VU_ARRAY_SIZE(hostile_names); h++)
				if (!strcmp(v, hostile_names[h]))
					break;
			if (h == VU_ARRAY_SIZE(hostile_names))
				usage();
			o->hostile = h;
		} else {
			usage();
		}
		/* every option from --size on takes a value */
		if (strcmp(a, "--destroy") && strcmp(a, "--reconnect") &&
		    strcmp(a, "--cvq") && strcmp(a, "--verbose") &&
		    strcmp(a, "--wce"))
			i++;
	}
	if (!o->size_mib || o->size_mib > 65536 || o->ring < 4 ||
	    o->ring > 32768 || (o->ring & (o->ring - 1)))
		usage();
}

static int open_control(bool wce)
{
	__u64 version = VDUSE_API_VERSION, ext = VDUSE_EXT_F_CONFIG_WRITE;
	int fd = open(CONTROL, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		fail("%s: %s (%s)", CONTROL, errname(errno),
		     strerror(errno));
		return -1;
	}
	if (xioctl(fd, VDUSE_SET_API_VERSION, &version,
		   "VDUSE_SET_API_VERSION 0") ||
	    (wce && xioctl(fd, VDUSE_EXT_SET_FEATURES, &ext,
			   "VDUSE_EXT_SET_FEATURES CONFIG_WRITE"))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Open /dev/vduse/NAME, waiting up to 5 s for the node to appear. */
static int open_dev(const char *name, bool wait)
{
	char path[300];
	int fd, i;

	snprintf(path, sizeof(path), "/dev/vduse/%s", name);
	for (i = 0; i < 500; i++) {
		fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0 || !wait || errno != ENOENT)
			break;
		usleep(10000);
	}
	if (fd < 0)
		fail("open %s: %s (%s)", path, errname(errno),
		     strerror(errno));
	return fd;
}

/**
 * struct create_buf - VDUSE_CREATE_DEV argument with room for the config
 * @c: the fixed part
 * @space: config space bytes
 */
struct create_buf {
	struct vduse_dev_config c;
	uint8_t space[8192];
};

static int create(struct vu_dev *d)
{
	static struct create_buf b;
	unsigned int i;

	memset(&b, 0, sizeof(b));
	snprintf(b.c.name, sizeof(b.c.name), "%s", d->o->name);
	b.c.device_id = d->type->device_id;
	b.c.features = d->type->features(d) | d->o->features;
	b.c.vq_num = d->nvqs;
	b.c.vq_align = 4096;
	b.c.config_size = d->config_size;
	memcpy(b.space, d->config, d->config_size);
	if (xioctl(d->ctrl, VDUSE_CREATE_DEV, &b, "VDUSE_CREATE_DEV"))
		return -1;
	d->fd = open_dev(d->o->name, true);
	if (d->fd < 0)
		return -1;
	for (i = 0; i < d->nvqs; i++) {
		struct vduse_vq_config vc = { .index = i, .max_size = d->o->ring };

		if (xioctl(d->fd, VDUSE_VQ_SETUP, &vc, "VDUSE_VQ_SETUP"))
			return -1;
	}
	return 0;
}

static int destroy(int ctrl, const char *name)
{
	char buf[VDUSE_NAME_MAX] = { 0 };

	snprintf(buf, sizeof(buf), "%s", name);
	return xioctl(ctrl, VDUSE_DESTROY_DEV, buf, "VDUSE_DESTROY_DEV");
}

static int ready(const char *path)
{
	FILE *f;

	if (!path)
		return 0;
	f = fopen(path, "w");
	if (!f || fprintf(f, "%d\n", getpid()) < 0 || fclose(f)) {
		fail("%s: %s", path, errname(errno));
		return -1;
	}
	return 0;
}

static void signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int run(struct vu_dev *d)
{
	int rc = 0;

	d->nvqs = d->type->nvqs(d);
	for (unsigned int i = 0; i < VU_MAX_VQS; i++)
		d->vqs[i] = (struct vu_vq){ .index = i, .kickfd = -1 };
	if (d->type == &vu_blk_type && vu_blk_init(d))
		return VU_EXIT_FAIL;
	d->config_size = d->type->config(d, d->config);
	if (!d->o->reconnect || d->o->destroy) {
		d->ctrl = open_control(d->o->wce);
		if (d->ctrl < 0)
			return VU_EXIT_REFUSED;
	}
	if (d->o->reconnect)
		d->fd = open_dev(d->o->name, false);
	else if (create(d))
		return VU_EXIT_REFUSED;
	if (d->fd < 0)
		return VU_EXIT_REFUSED;
	diag("%s %s: %s, %u queues, hostile %s", d->o->kind, d->o->name,
	     d->o->reconnect ? "reopened" : "created", d->nvqs,
	     hostile_names[d->o->hostile]);
	if (d->o->hostile == VU_HOSTILE_OVERSIZE)
		vu_oversize(d);
	if (ready(d->o->ready_file))
		return VU_EXIT_FAIL;
	if (vu_serve(d))
		rc = VU_EXIT_FAIL;
	vu_counters(d);
	vu_unmap_all(d);
	close(d->fd);
	if (d->o->destroy && destroy(d->ctrl, d->o->name))
		rc = VU_EXIT_FAIL;
	return rc;
}

/* ----- probe: one bad field of VDUSE_CREATE_DEV per case ----- */

/**
 * struct probe - a probe case
 * @name: case name on the command line
 * @bad: make the valid virtio-blk configuration in @b bad
 */
struct probe {
	const char *name;
	void (*bad)(struct create_buf *b);
};

static void p_ok(struct create_buf *b) { (void)b; }
static void p_name_empty(struct create_buf *b) { b->c.name[0] = 0; }
static void p_name_long(struct create_buf *b) { memset(b->c.name, 'x', VDUSE_NAME_MAX); }
static void p_name_slash(struct create_buf *b) { strcpy(b->c.name, "vu/probe"); }
static void p_name_dot(struct create_buf *b) { strcpy(b->c.name, ".."); }
static void p_name_control(struct create_buf *b) { strcpy(b->c.name, "control"); }
static void p_id_console(struct create_buf *b) { b->c.device_id = 3; }
static void p_id_zero(struct create_buf *b) { b->c.device_id = 0; }
static void p_align_zero(struct create_buf *b) { b->c.vq_align = 0; }
static void p_align_odd(struct create_buf *b) { b->c.vq_align = 3000; }
static void p_align_big(struct create_buf *b) { b->c.vq_align = 8192; }
static void p_vq_num_zero(struct create_buf *b) { b->c.vq_num = 0; }
static void p_vq_num_big(struct create_buf *b) { b->c.vq_num = 0x10000; }
static void p_config_big(struct create_buf *b) { b->c.config_size = 4097; }
static void p_config_zero(struct create_buf *b) { b->c.config_size = 0; }
static void p_reserved(struct create_buf *b) { b->c.reserved[5] = 1; }
static void p_no_access_platform(struct create_buf *b)
{
	b->c.features &= ~VU_BIT64(VIRTIO_F_ACCESS_PLATFORM);
}

static void p_blk_wce(struct create_buf *b)
{
	b->c.features |= VU_BIT64(VIRTIO_BLK_F_CONFIG_WCE);
}

static void p_net_no_version1(struct create_buf *b)
{
	b->c.device_id = 1;
	b->c.features = VU_BIT64(VIRTIO_F_ACCESS_PLATFORM) |
			VU_BIT64(VIRTIO_NET_F_MAC);
	b->c.vq_num = 2;
	b->c.config_size = sizeof(struct virtio_net_config);
}

static void p_net_ctrl_vq(struct create_buf *b)
{
	p_net_no_version1(b);
	b->c.features |= VU_BIT64(VIRTIO_F_VERSION_1) |
			 VU_BIT64(VIRTIO_NET_F_CTRL_VQ);
	b->c.vq_num = 3;
}

static const struct probe probes[] = {
	{ "ok", p_ok },
	{ "name-empty", p_name_empty },
	{ "name-long", p_name_long },
	{ "name-slash", p_name_slash },
	{ "name-dotdot", p_name_dot },
	{ "name-control", p_name_control },
	{ "name-dup", p_ok },
	{ "device-id-console", p_id_console },
	{ "device-id-zero", p_id_zero },
	{ "vq-align-zero", p_align_zero },
	{ "vq-align-odd", p_align_odd },
	{ "vq-align-big", p_align_big },
	{ "vq-num-zero", p_vq_num_zero },
	{ "vq-num-big", p_vq_num_big },
	{ "config-size-big", p_config_big },
	{ "config-size-zero", p_config_zero },
	{ "reserved", p_reserved },
	{ "no-access-platform", p_no_access_platform },
	{ "blk-config-wce", p_blk_wce },
	{ "blk-config-wce-ext", p_blk_wce },
	{ "ext-unknown", p_blk_wce },
	{ "net-no-version1", p_net_no_version1 },
	{ "net-ctrl-vq", p_net_ctrl_vq },
	{ "vq-setup-index", p_ok },
	{ "vq-setup-size-zero", p_ok },
	{ "api-version-1", p_ok },
	{ "destroy-missing", p_ok },
};

/* The created device of a probe: the VQ_SETUP cases, then destroy it. */
static int probe_dev(int ctrl, const char *casename, const char *name)
{
	struct vduse_vq_config vc = { .index = 0, .max_size = 256 };
	int fd, err = 0;

	if (!strncmp(casename, "vq-setup", 8)) {
		fd = open_dev(name, true);
		if (fd < 0)
			return -1;
		if (!strcmp(casename, "vq-setup-index"))
			vc.index = 1;
		else
			vc.max_size = 0;
		err = ioctl(fd, VDUSE_VQ_SETUP, &vc) < 0 ? errno : 0;
		close(fd);
	}
	if (strlen(name) < VDUSE_NAME_MAX)
		destroy(ctrl, name);
	return err;
}

static int probe(const char *casename)
{
	static struct create_buf b;
	const struct probe *p = NULL;
	char name[VDUSE_NAME_MAX + 1];
	__u64 version = 1, ext = VDUSE_EXT_F_CONFIG_WRITE;
	unsigned int i;
	int ctrl, err;

	for (i = 0; i < VU_ARRAY_SIZE(probes); i++)
		if (!strcmp(probes[i].name, casename))
			p = &probes[i];
	if (!p)
		usage();
	ctrl = open_control(!strcmp(casename, "blk-config-wce-ext"));
	if (ctrl < 0)
		return VU_EXIT_REFUSED;
	memset(&b, 0, sizeof(b));
	snprintf(b.c.name, sizeof(b.c.name), "vu-probe-%d", getpid());
	b.c.device_id = 2;
	b.c.features = VU_BIT64(VIRTIO_F_VERSION_1) |
		       VU_BIT64(VIRTIO_F_ACCESS_PLATFORM);
	b.c.vq_num = 1;
	b.c.vq_align = 4096;
	b.c.config_size = sizeof(struct virtio_blk_config);
	p->bad(&b);
	if (!strcmp(casename, "api-version-1")) {
		err = ioctl(ctrl, VDUSE_SET_API_VERSION, &version) < 0 ? errno : 0;
		goto out;
	}
	/* An unknown extension bit: refused, and CONFIG_WRITE not taken. */
	if (!strcmp(casename, "ext-unknown")) {
		ext |= VU_BIT64(63);
		err = ioctl(ctrl, VDUSE_EXT_SET_FEATURES, &ext) < 0 ? errno : 0;
		if (err != EINVAL)
			goto out;
	}
	if (!strcmp(casename, "destroy-missing")) {
		err = ioctl(ctrl, VDUSE_DESTROY_DEV, b.c.name) < 0 ? errno : 0;
		goto out;
	}
	if (!strcmp(casename, "name-dup") &&
	    xioctl(ctrl, VDUSE_CREATE_DEV, &b, "VDUSE_CREATE_DEV (first)"))
		return VU_EXIT_FAIL;
	/* The name as the kernel keeps it (at most 255 bytes). */
	memcpy(name, b.c.name, VDUSE_NAME_MAX);
	name[VDUSE_NAME_MAX - 1] = 0;
	err = ioctl(ctrl, VDUSE_CREATE_DEV, &b) < 0 ? errno : 0;
	if (!err)
		err = probe_dev(ctrl, casename, name);
	if (!strcmp(casename, "name-dup"))
		destroy(ctrl, name);
out:
	printf("probe %s: %s\n", casename, errname(err));
	close(ctrl);
	return 0;
}

static int destroy_cmd(const char *name)
{
	int ctrl = open_control(false), err;

	if (ctrl < 0)
		return VU_EXIT_REFUSED;
	err = destroy(ctrl, name);
	printf("destroy %s: %s\n", name, errname(err));
	close(ctrl);
	return err ? VU_EXIT_FAIL : 0;
}

int main(int argc, char **argv)
{
	static struct vu_opts o = {
		.size_mib = 64,
		.ring = VU_RING_MAX,
		.after = 64,
		.mac = { 0x02, 0x00, 0x00, 0x5e, 0x00, 0x01 },
	};
	static struct vu_dev d = { .o = &o, .ctrl = -1, .fd = -1 };

	if (argc < 3)
		usage();
	if (!strcmp(argv[1], "probe"))
		return probe(argv[2]);
	if (!strcmp(argv[1], "destroy"))
		return destroy_cmd(argv[2]);
	if (!strcmp(argv[1], "blk"))
		d.type = &vu_blk_type;
	else if (!strcmp(argv[1], "net"))
		d.type = &vu_net_type;
	else
		usage();
	o.kind = argv[1];
	o.name = argv[2];
	if (strlen(o.name) >= VDUSE_NAME_MAX)
		usage();
	parse(&o, argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signals();
	return run(&d);
}
