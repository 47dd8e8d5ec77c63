// SPDX-License-Identifier: GPL-2.0-only
/*
 * vduse_user: virtio-blk, a RAM disk (or a file mapped shared, which
 * outlives the daemon for --reconnect).  IN, OUT, FLUSH, GET_ID, DISCARD
 * and WRITE_ZEROES; one request queue, split ring, no indirect
 * descriptors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>

#include "vduse_user.h"

#define SECTOR 512ULL
#define BLK_ID "vduse_user"

static uint32_t blk_config(struct vu_dev *d, uint8_t *cfg)
{
	struct virtio_blk_config c = { 0 };

	c.capacity = d->disk_size / SECTOR;
	c.seg_max = d->o->ring - 2;
	c.blk_size = 512;
	c.num_queues = 1;
	c.max_discard_sectors = 1 << 16;
	c.max_discard_seg = 1;
	c.discard_sector_alignment = 8;
	c.max_write_zeroes_sectors = 1 << 16;
	c.max_write_zeroes_seg = 1;
	c.write_zeroes_may_unmap = 1;
	c.wce = 1;	/* writeback; the driver may change it with --wce */
	/* bad-erase: SECURE_ERASE offered, alignment 0: virtio_blk's probe
	 * fails after it set up (and freed) its queue.
	 */
	if (d->o->hostile == VU_HOSTILE_BAD_ERASE) {
		c.max_secure_erase_sectors = 1 << 16;
		c.max_secure_erase_seg = 1;
		c.secure_erase_sector_alignment = 0;
	}
	memcpy(cfg, &c, sizeof(c));
	return sizeof(c);
}

static uint64_t blk_features(struct vu_dev *d)
{
	uint64_t f = VU_BIT64(VIRTIO_F_VERSION_1) |
		     VU_BIT64(VIRTIO_F_ACCESS_PLATFORM) |
		     VU_BIT64(VIRTIO_BLK_F_SEG_MAX) |
		     VU_BIT64(VIRTIO_BLK_F_BLK_SIZE) |
		     VU_BIT64(VIRTIO_BLK_F_FLUSH) |
		     VU_BIT64(VIRTIO_BLK_F_DISCARD) |
		     VU_BIT64(VIRTIO_BLK_F_WRITE_ZEROES);

	if (d->o->hostile == VU_HOSTILE_BAD_ERASE)
		f |= VU_BIT64(VIRTIO_BLK_F_SECURE_ERASE);
	if (d->o->wce)
		f |= VU_BIT64(VIRTIO_BLK_F_CONFIG_WCE);
	return f;
}

static unsigned int blk_nvqs(struct vu_dev *d)
{
	(void)d;
	return 1;
}

/**
 * vu_blk_init() - allocate the disk
 * @d: device (options parsed)
 *
 * Return: 0 or -1.
 */
int vu_blk_init(struct vu_dev *d)
{
	struct stat st;
	int fd;

	d->disk_size = (uint64_t)d->o->size_mib << 20;
	if (!d->o->file) {
		d->disk = mmap(NULL, d->disk_size, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (d->disk == MAP_FAILED) {
			fail("mmap of %u MiB: %s", d->o->size_mib,
			     errname(errno));
			return -1;
		}
		return 0;
	}
	fd = open(d->o->file, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || fstat(fd, &st) < 0) {
		fail("%s: %s", d->o->file, errname(errno));
		return -1;
	}
	if ((uint64_t)st.st_size < d->disk_size &&
	    ftruncate(fd, d->disk_size) < 0) {
		fail("ftruncate %s: %s", d->o->file, errname(errno));
		close(fd);
		return -1;
	}
	d->disk = mmap(NULL, d->disk_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       fd, 0);
	close(fd);
	if (d->disk == MAP_FAILED) {
		fail("mmap of %s: %s", d->o->file, errname(errno));
		return -1;
	}
	return 0;
}

/* Is [sector, +bytes) inside the disk? */
static bool in_disk(struct vu_dev *d, uint64_t sector, uint64_t bytes)
{
	return sector < d->disk_size / SECTOR &&
	       bytes <= d->disk_size - sector * SECTOR;
}

/* DISCARD and WRITE_ZEROES: zero every range of the request. */
static uint8_t blk_zero(struct vu_dev *d, struct vu_req *r, size_t out)
{
	struct virtio_blk_discard_write_zeroes seg;
	size_t off;

	for (off = 16; off + sizeof(seg) <= out; off += sizeof(seg)) {
		vu_req_read(r, off, &seg, sizeof(seg));
		if (!in_disk(d, seg.sector, (uint64_t)seg.num_sectors * SECTOR))
			return VIRTIO_BLK_S_IOERR;
		memset(d->disk + seg.sector * SECTOR, 0,
		       (size_t)seg.num_sectors * SECTOR);
	}
	return VIRTIO_BLK_S_OK;
}

/* Serve one request; the bytes written into it. */
static uint32_t blk_req(struct vu_dev *d, struct vu_req *r)
{
	struct virtio_blk_outhdr h;
	size_t out = vu_req_out_len(r), data;
	uint8_t st = VIRTIO_BLK_S_OK;
	uint32_t written = 1;

	if (out < sizeof(h) || !r->in_len)
		return 0;
	vu_req_read(r, 0, &h, sizeof(h));
	data = r->in_len - 1;
	switch (h.type) {
	case VIRTIO_BLK_T_IN:
		if (!in_disk(d, h.sector, data)) {
			st = VIRTIO_BLK_S_IOERR;
			break;
		}
		vu_req_write(r, 0, d->disk + h.sector * SECTOR, data);
		written = r->in_len;
		break;
	case VIRTIO_BLK_T_OUT:
		if (!in_disk(d, h.sector, out - sizeof(h))) {
			st = VIRTIO_BLK_S_IOERR;
			break;
		}
		vu_req_read(r, sizeof(h), d->disk + h.sector * SECTOR,
			    out - sizeof(h));
		break;
	case VIRTIO_BLK_T_FLUSH:
		if (d->o->file && msync(d->disk, d->disk_size, MS_SYNC) < 0)
			st = VIRTIO_BLK_S_IOERR;
		break;
	case VIRTIO_BLK_T_GET_ID:
		data = data < VIRTIO_BLK_ID_BYTES ? data : VIRTIO_BLK_ID_BYTES;
		vu_req_write(r, 0, BLK_ID, data < sizeof(BLK_ID) ? data : sizeof(BLK_ID));
		written = data + 1;
		break;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		st = blk_zero(d, r, out);
		break;
	default:
		st = VIRTIO_BLK_S_UNSUPP;
		break;
	}
	vu_req_write(r, r->in_len - 1, &st, 1);
	return written;
}

static int blk_serve(struct vu_dev *d, struct vu_vq *vq)
{
	static struct vu_req r;
	int done = 0, got = 0;

	while (done < 256 && (got = vu_vq_get(d, vq, &r)) > 0) {
		vu_taken(d);
		vu_vq_put(d, vq, &r, blk_req(d, &r));
		done++;
	}
	if (done)
		vu_vq_irq(d, vq);
	return got < 0 ? -1 : done;
}

const struct vu_type vu_blk_type = {
	.device_id = 2,
	.config = blk_config,
	.features = blk_features,
	.nvqs = blk_nvqs,
	.serve = blk_serve,
};
