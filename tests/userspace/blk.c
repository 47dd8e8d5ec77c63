// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa_user: blk-rw, write a pattern to a virtio-blk device, read it back.
 * Sector s holds the little-endian 64-bit words (s << 32) ^ seed ^ i at
 * byte offsets i = 0, 8, ... 504; the seed is printed ("# blk: pattern seed").
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_ids.h>

#include "vdpa_user.h"

#define SECTOR 512U
#define CHUNK 64U		/* sectors per request */
#define STATUS_UNSET 0xee

/**
 * struct blk - a virtio-blk device driven through vhost-vdpa
 * @d: the device
 * @o: the command line
 * @mem: ring, request headers, data and status bytes
 * @vq: request queue 0
 * @hdr: request header
 * @data: CHUNK sectors of data
 * @status: status byte
 * @capacity: device size in sectors
 * @seed: tags this run's data
 */
struct blk {
	struct vdev d;
	const struct options *o;
	struct region mem;
	struct vq vq;
	struct virtio_blk_outhdr *hdr;
	__u8 *data;
	__u8 *status;
	__u64 capacity;
	__u32 seed;
};

static const char *type_name(__u32 type)
{
	switch (type) {
	case VIRTIO_BLK_T_IN: return "VIRTIO_BLK_T_IN";
	case VIRTIO_BLK_T_OUT: return "VIRTIO_BLK_T_OUT";
	case VIRTIO_BLK_T_FLUSH: return "VIRTIO_BLK_T_FLUSH";
	case VIRTIO_BLK_T_GET_ID: return "VIRTIO_BLK_T_GET_ID";
	default: return "request";
	}
}

static int blk_setup(struct blk *b)
{
	__u16 num = b->o->ring < b->d.vq_num_max ? b->o->ring :
						      b->d.vq_num_max;
	size_t len = 65536 + CHUNK * SECTOR;
	int r;

	r = vdev_backend(&b->d, b->o->batch ?
			 BIT64(VHOST_BACKEND_F_IOTLB_BATCH) : 0);
	if (!r)
		r = vdev_negotiate(&b->d, VIRTIO_ID_BLOCK,
				   BIT64(VIRTIO_BLK_F_FLUSH),
				   BIT64(VIRTIO_F_VERSION_1) |
				   BIT64(VIRTIO_F_ACCESS_PLATFORM) |
				   (b->o->packed ?
				    BIT64(VIRTIO_F_RING_PACKED) : 0));
	if (!r)
		r = vdev_get_config(&b->d, 0, &b->capacity,
				    sizeof(b->capacity));
	if (!r)
		r = region_create(&b->mem, len, IOVA_BASE, 0);
	if (!r)
		r = vq_create(&b->vq, 0, num, b->o->packed, &b->mem);
	if (r)
		return r;
	b->capacity = le64toh(b->capacity);
	b->hdr = region_take(&b->mem, sizeof(*b->hdr), 16, NULL);
	b->data = region_take(&b->mem, CHUNK * SECTOR, 512, NULL);
	b->status = region_take(&b->mem, 1, 1, NULL);
	if (!b->hdr || !b->data || !b->status)
		return -ENOMEM;
	r = region_map(&b->d, &b->mem, 2);
	if (!r)
		r = vq_setup(&b->d, &b->vq);
	if (!r)
		r = vdev_start(&b->d, "virtio-blk");
	return r;
}

static int blk_wait(struct blk *b, void *token, __u32 *len)
{
	struct vq *vq = &b->vq;
	void *got;
	int r;

	while (!(r = vq->ops->get(vq, &got, len))) {
		r = vq_wait(&vq, 1, b->o->timeout_ms);
		if (r < 0)
			return r;
		if (!r) {
			fail("blk: no completion in %d ms", b->o->timeout_ms);
			return -ETIMEDOUT;
		}
	}
	if (r > 0 && got != token) {
		fail("blk: completion of an unknown request");
		return -EIO;
	}
	return r < 0 ? r : 0;
}

/*
 * One request: header, @nsec sectors of data (@type decides the
 * direction) or @idlen bytes of GET_ID, status byte.  Checks the status.
 */
static int blk_req(struct blk *b, __u32 type, __u64 sector,
		   __u32 datalen)
{
	struct vq_buf v[3];
	unsigned int n = 0;
	__u32 len;
	int r;

	b->hdr->type = htole32(type);
	b->hdr->ioprio = 0;
	b->hdr->sector = htole64(sector);
	*b->status = STATUS_UNSET;
	v[n++] = (struct vq_buf){ region_iova(&b->mem, b->hdr),
				  sizeof(*b->hdr), false };
	if (datalen)
		v[n++] = (struct vq_buf){ region_iova(&b->mem, b->data),
					  datalen, type != VIRTIO_BLK_T_OUT };
	v[n++] = (struct vq_buf){ region_iova(&b->mem, b->status), 1, true };
	r = b->vq.ops->add(&b->vq, v, n, b->hdr);
	if (!r)
		r = vq_kick(&b->vq);
	if (!r)
		r = blk_wait(b, b->hdr, &len);
	if (r)
		return r;
	if (*b->status != VIRTIO_BLK_S_OK) {
		fail("blk: %s at sector %llu: status %#x, want VIRTIO_BLK_S_OK",
		     type_name(type), (unsigned long long)sector, *b->status);
		return -EIO;
	}
	if (len < 1) {
		fail("blk: %s: used length %u, the status byte is missing",
		     type_name(type), len);
		return -EIO;
	}
	return 0;
}

static void pattern(const struct blk *b, __u64 sector, __u8 *p)
{
	__u32 i;

	for (i = 0; i < SECTOR; i += 8) {
		__u64 v = htole64((sector << 32) ^ b->seed ^ i);

		memcpy(p + i, &v, 8);
	}
}

/* Write (@write) or read and compare sectors [0, o->sectors). */
static int blk_pass(struct blk *b, bool write)
{
	__u8 want[SECTOR];
	__u64 s, k, cnt;
	int r;

	for (s = 0; s < b->o->sectors; s += cnt) {
		cnt = b->o->sectors - s < CHUNK ? b->o->sectors - s : CHUNK;
		for (k = 0; write && k < cnt; k++)
			pattern(b, s + k, b->data + k * SECTOR);
		if (!write)
			memset(b->data, 0, cnt * SECTOR);
		r = blk_req(b, write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN, s,
			    cnt * SECTOR);
		if (r)
			return r;
		for (k = 0; !write && k < cnt; k++) {
			pattern(b, s + k, want);
			if (memcmp(want, b->data + k * SECTOR, SECTOR)) {
				fail("blk: sector %llu read back differs",
				     (unsigned long long)(s + k));
				return -EIO;
			}
		}
	}
	return 0;
}

static int blk_id_flush(struct blk *b)
{
	char id[VIRTIO_BLK_ID_BYTES + 1] = "";
	int r;

	memset(b->data, 0, VIRTIO_BLK_ID_BYTES);
	r = blk_req(b, VIRTIO_BLK_T_GET_ID, 0, VIRTIO_BLK_ID_BYTES);
	if (r)
		return r;
	memcpy(id, b->data, VIRTIO_BLK_ID_BYTES);
	diag("blk: GET_ID \"%s\"", id);
	if (!(b->d.features & BIT64(VIRTIO_BLK_F_FLUSH))) {
		diag("blk: no VIRTIO_BLK_F_FLUSH, no flush sent");
		return 0;
	}
	r = blk_req(b, VIRTIO_BLK_T_FLUSH, 0, 0);
	if (!r)
		diag("blk: FLUSH -> VIRTIO_BLK_S_OK");
	return r;
}

/**
 * cmd_blk_rw() - the blk-rw subcommand
 * @o: the command line
 *
 * Return: exit status.
 */
int cmd_blk_rw(const struct options *o)
{
	struct blk b = { .o = o };
	int r;

	b.seed = (__u32)time(NULL) ^ (__u32)getpid();
	r = vdev_open(&b.d, o->dev);
	if (!r)
		r = blk_setup(&b);
	if (!r && (!o->sectors || o->sectors > b.capacity)) {
		fail("--sectors %u: the device has %llu", o->sectors,
		     (unsigned long long)b.capacity);
		r = -EINVAL;
	}
	if (!r) {
		diag("blk: pattern seed 0x%08x", b.seed);
		r = blk_pass(&b, true);
	}
	if (!r)
		r = blk_pass(&b, false);
	if (!r)
		r = blk_id_flush(&b);
	if (!r)
		diag("blk-rw (%s ring): %u sectors written and read back, capacity %llu",
		     b.vq.ops->name, o->sectors,
		     (unsigned long long)b.capacity);
	vdev_close(&b.d);
	vq_destroy(&b.vq);
	region_destroy(&b.mem);
	if (r == -EOPNOTSUPP)
		return EXIT_SKIP;
	return r ? EXIT_FAIL : 0;
}
