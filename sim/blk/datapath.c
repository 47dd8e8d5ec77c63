// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa_sim_blk request processing: each buffer a driver makes available
 * is one virtio-blk request, served from the RAM disk (see "Simulated
 * block device" in sim/blk/blk.h).
 *
 * A request is a device-readable &struct virtio_blk_outhdr, then its
 * data (readable for OUT, DISCARD, WRITE_ZEROES and SECURE_ERASE,
 * writable for IN and GET_ID), then one writable status byte: the last
 * writable byte of the buffer. A buffer without any writable byte cannot
 * be answered; it is given back with nothing written and counted as an
 * error. Malformed requests are the driver's problem, not the ring's:
 * they get %VIRTIO_BLK_S_IOERR and the queue goes on.
 */

#include <asm/byteorder.h>
#include <linux/minmax.h>
#include <linux/nospec.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uio.h>
#include <linux/virtio_byteorder.h>
#include "blk.h"

/* --- Backing store --------------------------------------------------- */

/**
 * vdpasim_blk_store_init() - set up an empty RAM disk
 * @st: the store
 * @sectors: its capacity in 512-byte sectors (not 0)
 */
void vdpasim_blk_store_init(struct vdpasim_blk_store *st, u64 sectors)
{
	init_rwsem(&st->lock);
	xa_init(&st->chunks);
	atomic_set(&st->nr_chunks, 0);
	st->sectors = sectors;
}

/**
 * vdpasim_blk_store_destroy() - free a RAM disk's memory
 * @st: the store; nothing may use it any more. A store never set up
 *      (capacity 0) is left alone.
 */
void vdpasim_blk_store_destroy(struct vdpasim_blk_store *st)
{
	unsigned long idx;
	void *chunk;

	if (!st->sectors)
		return;
	xa_for_each(&st->chunks, idx, chunk)
		kfree(chunk);
	xa_destroy(&st->chunks);
	atomic_set(&st->nr_chunks, 0);
}

/* Whether @bytes at @sector lie within the disk, in whole sectors. */
static bool vdpasim_blk_in_range(const struct vdpasim_blk_store *st,
				 u64 sector, u64 bytes)
{
	u64 nsect = bytes >> VDPASIM_BLK_SECTOR_SHIFT;

	if (bytes & (VDPASIM_BLK_SECTOR_SIZE - 1))
		return false;
	return sector <= st->sectors && nsect <= st->sectors - sector;
}

/*
 * The chunk holding chunk number @idx, allocated (zeroed) if this is the
 * first write to it; NULL when memory is short. Called with the store
 * read-locked: two writers may race to fill the same hole, the loser
 * frees its copy and uses the winner's.
 */
static void *vdpasim_blk_chunk_get(struct vdpasim_blk_store *st,
				   unsigned long idx)
{
	const gfp_t gfp = GFP_NOIO | __GFP_NOWARN;
	void *chunk, *old;

	lockdep_assert_held_read(&st->lock);
	chunk = xa_load(&st->chunks, idx);
	if (chunk)
		return chunk;
	chunk = kzalloc(VDPASIM_BLK_CHUNK_SIZE, gfp);
	if (!chunk)
		return NULL;
	old = xa_cmpxchg(&st->chunks, idx, NULL, chunk, gfp);
	if (!old) {
		atomic_inc(&st->nr_chunks);
		return chunk;
	}
	kfree(chunk);
	return xa_is_err(old) ? NULL : old;
}

/*
 * One step of a walk over a byte range of the disk: the chunk number,
 * the offset in it and the length of the piece that ends at the chunk's
 * end or at @end, whichever comes first.
 */
static size_t vdpasim_blk_piece(u64 pos, u64 end, unsigned long *idx,
				size_t *off)
{
	*idx = pos >> VDPASIM_BLK_CHUNK_SHIFT;
	*off = pos & (VDPASIM_BLK_CHUNK_SIZE - 1);
	return min_t(u64, VDPASIM_BLK_CHUNK_SIZE - *off, end - pos);
}

/*
 * Read-lock the store; with @nowait (an inline run) only try: -EBUSY
 * when a range operation holds it.
 */
static int vdpasim_blk_store_lock(struct vdpasim_blk_store *st, bool nowait)
{
	if (!nowait) {
		down_read(&st->lock);
		return 0;
	}
	return down_read_trylock(&st->lock) ? 0 : -EBUSY;
}

/*
 * Copy @len bytes at @sector to @to; holes read as zeros. -EBUSY (with
 * @nowait, nothing copied) if the store is busy.
 */
static int vdpasim_blk_store_read(struct vdpasim_blk_store *st, u64 sector,
				  u64 len, struct iov_iter *to, bool nowait)
{
	u64 pos = sector << VDPASIM_BLK_SECTOR_SHIFT, end = pos + len;
	int err;

	err = vdpasim_blk_store_lock(st, nowait);
	if (err)
		return err;
	while (pos < end) {
		unsigned long idx;
		size_t off, n, done;
		void *chunk;

		n = vdpasim_blk_piece(pos, end, &idx, &off);
		chunk = xa_load(&st->chunks, idx);
		done = chunk ? copy_to_iter(chunk + off, n, to) :
			       iov_iter_zero(n, to);
		if (done != n) {
			err = -EFAULT;
			break;
		}
		pos += n;
	}
	up_read(&st->lock);
	return err;
}

/*
 * Copy @len bytes from @from to the disk at @sector. With @nowait, -EBUSY
 * if the store is busy or a chunk has to be allocated (the write may then
 * have stored part of its data: served again, it stores the same bytes).
 */
static int vdpasim_blk_store_write(struct vdpasim_blk_store *st, u64 sector,
				   u64 len, struct iov_iter *from, bool nowait)
{
	u64 pos = sector << VDPASIM_BLK_SECTOR_SHIFT, end = pos + len;
	int err;

	err = vdpasim_blk_store_lock(st, nowait);
	if (err)
		return err;
	while (pos < end) {
		unsigned long idx;
		size_t off, n;
		void *chunk;

		n = vdpasim_blk_piece(pos, end, &idx, &off);
		if (nowait)
			chunk = xa_load(&st->chunks, idx);
		else
			chunk = vdpasim_blk_chunk_get(st, idx);
		if (!chunk) {
			err = nowait ? -EBUSY : -ENOMEM;
			break;
		}
		if (copy_from_iter(chunk + off, n, from) != n) {
			err = -EFAULT;
			break;
		}
		pos += n;
	}
	up_read(&st->lock);
	return err;
}

/*
 * Make @nsect sectors at @sector read as zeros: chunks covered entirely
 * are freed, the covered parts of the others are cleared. @secure also
 * scrubs what is freed (SECURE_ERASE). Called with the store
 * write-locked.
 */
static void vdpasim_blk_store_zero(struct vdpasim_blk_store *st, u64 sector,
				   u32 nsect, bool secure)
{
	u64 pos = sector << VDPASIM_BLK_SECTOR_SHIFT;
	u64 end = pos + ((u64)nsect << VDPASIM_BLK_SECTOR_SHIFT);

	lockdep_assert_held_write(&st->lock);
	while (pos < end) {
		unsigned long idx;
		size_t off, n;
		void *chunk;

		n = vdpasim_blk_piece(pos, end, &idx, &off);
		pos += n;
		chunk = xa_load(&st->chunks, idx);
		if (!chunk)
			continue;
		if (n < VDPASIM_BLK_CHUNK_SIZE) {
			if (secure)
				memzero_explicit(chunk + off, n);
			else
				memset(chunk + off, 0, n);
			continue;
		}
		xa_erase(&st->chunks, idx);
		atomic_dec(&st->nr_chunks);
		if (secure)
			kfree_sensitive(chunk);
		else
			kfree(chunk);
	}
}

/* --- Requests -------------------------------------------------------- */

/**
 * struct vdpasim_blk_req - a request being served
 * @blk: the device
 * @iov: the buffer
 * @type: VIRTIO_BLK_T_*
 * @sector: the header's sector
 * @out: the readable bytes after the header
 * @in: the writable bytes before the status byte
 * @out_len: bytes in @out
 * @in_len: bytes in @in
 * @written: bytes written through @in
 * @bytes: data bytes moved, for the byte counters
 * @nowait: an inline run: serving must not sleep
 * @retry: not served, it would have to sleep: the queue's work serves it
 */
struct vdpasim_blk_req {
	struct vdpasim_blk *blk;
	struct vdring_iov *iov;
	u32 type;
	u64 sector;
	struct iov_iter out;
	struct iov_iter in;
	u32 out_len;
	u32 in_len;
	u32 written;
	u32 bytes;
	bool nowait;
	bool retry;
};

static u8 vdpasim_blk_read(struct vdpasim_blk_req *req)
{
	struct vdpasim_blk_store *st = &req->blk->store;
	int err;

	if (!vdpasim_blk_in_range(st, req->sector, req->in_len))
		return VIRTIO_BLK_S_IOERR;
	err = vdpasim_blk_store_read(st, req->sector, req->in_len, &req->in,
				     req->nowait);
	req->retry = err == -EBUSY;
	if (err)
		return VIRTIO_BLK_S_IOERR;
	req->written = req->in_len;
	req->bytes = req->in_len;
	return VIRTIO_BLK_S_OK;
}

/* The virtio spec: a device offering VIRTIO_BLK_F_RO fails writes. */
static u8 vdpasim_blk_write(struct vdpasim_blk_req *req)
{
	struct vdpasim_blk_store *st = &req->blk->store;
	int err;

	if (req->blk->read_only ||
	    !vdpasim_blk_in_range(st, req->sector, req->out_len))
		return VIRTIO_BLK_S_IOERR;
	err = vdpasim_blk_store_write(st, req->sector, req->out_len, &req->out,
				      req->nowait);
	req->retry = err == -EBUSY;
	if (err)
		return VIRTIO_BLK_S_IOERR;
	req->bytes = req->out_len;
	return VIRTIO_BLK_S_OK;
}

static u8 vdpasim_blk_flush(struct vdpasim_blk_req *req)
{
	/* RAM is as durable as it gets here: nothing to write back. */
	return VIRTIO_BLK_S_OK;
}

static u8 vdpasim_blk_get_id(struct vdpasim_blk_req *req)
{
	size_t n = min_t(size_t, req->in_len, sizeof(req->blk->id));

	if (copy_to_iter(req->blk->id, n, &req->in) != n)
		return VIRTIO_BLK_S_IOERR;
	req->written = n;
	return VIRTIO_BLK_S_OK;
}

/*
 * One segment of a DISCARD, WRITE_ZEROES or SECURE_ERASE request. Per
 * the virtio spec, unknown flags make the request unsupported, and so
 * does the unmap flag on anything but WRITE_ZEROES (where it is allowed:
 * the device zeroes by unmapping anyway).
 */
static u8 vdpasim_blk_check_range(struct vdpasim_blk_req *req,
				  const struct virtio_blk_discard_write_zeroes *seg)
{
	u32 allowed = req->type == VIRTIO_BLK_T_WRITE_ZEROES ?
		      VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP : 0;
	u32 nsect = le32_to_cpu(seg->num_sectors);
	u64 sector = le64_to_cpu(seg->sector);

	if (le32_to_cpu(seg->flags) & ~allowed)
		return VIRTIO_BLK_S_UNSUPP;
	if (nsect > VDPASIM_BLK_MAX_RANGE_SECTORS ||
	    !vdpasim_blk_in_range(&req->blk->store, sector,
				  (u64)nsect << VDPASIM_BLK_SECTOR_SHIFT))
		return VIRTIO_BLK_S_IOERR;
	return VIRTIO_BLK_S_OK;
}

/*
 * Where the segments of a range request are: the readable bytes after the
 * header, as the virtio spec has it. Linux's virtio_blk (6.12) derives the
 * data direction from bit 0 of the type and so makes SECURE_ERASE's (type
 * 14) device-writable; a range request with nothing readable after the
 * header is therefore served from its writable bytes before the status.
 */
static u32 vdpasim_blk_ranges_src(struct vdpasim_blk_req *req,
				  struct iov_iter *src)
{
	struct vdring_iov *iov = req->iov;

	if (req->out_len) {
		*src = req->out;
		return req->out_len;
	}
	iov_iter_kvec(src, ITER_SOURCE, iov->vec + iov->out_num, iov->in_num,
		      req->in_len);
	return req->in_len;
}

/*
 * DISCARD, WRITE_ZEROES and SECURE_ERASE: an array of segments. Every
 * segment is checked before any is applied, so a refused request changes
 * nothing; then all are applied under one write lock, which an inline run
 * leaves to the queue's work.
 */
static u8 vdpasim_blk_ranges(struct vdpasim_blk_req *req)
{
	struct vdpasim_blk_store *st = &req->blk->store;
	bool secure = req->type == VIRTIO_BLK_T_SECURE_ERASE;
	struct virtio_blk_discard_write_zeroes seg;
	struct iov_iter src, check;
	u32 i, len, nsegs;
	u8 status;

	if (req->nowait) {
		req->retry = true;
		return VIRTIO_BLK_S_IOERR;
	}
	len = vdpasim_blk_ranges_src(req, &src);
	nsegs = len / sizeof(seg);
	if (!nsegs || len % sizeof(seg) || nsegs > VDPASIM_BLK_MAX_RANGE_SEGS)
		return VIRTIO_BLK_S_IOERR;
	check = src;
	for (i = 0; i < nsegs; i++) {
		if (copy_from_iter(&seg, sizeof(seg), &check) != sizeof(seg))
			return VIRTIO_BLK_S_IOERR;
		status = vdpasim_blk_check_range(req, &seg);
		if (status != VIRTIO_BLK_S_OK)
			return status;
	}
	if (req->blk->read_only)
		return VIRTIO_BLK_S_IOERR;

	down_write(&st->lock);
	for (i = 0; i < nsegs; i++) {
		if (copy_from_iter(&seg, sizeof(seg), &src) != sizeof(seg))
			break;
		vdpasim_blk_store_zero(st, le64_to_cpu(seg.sector),
				       le32_to_cpu(seg.num_sectors), secure);
	}
	up_write(&st->lock);
	return i == nsegs ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
}

/**
 * struct vdpasim_blk_op - how a request type is served
 * @serve: serve it, return the status
 * @ok_stat: counter bumped when it succeeds
 * @bytes_stat: counter its data bytes are added to then, or -1
 */
struct vdpasim_blk_op {
	u8 (*serve)(struct vdpasim_blk_req *req);
	s8 ok_stat;
	s8 bytes_stat;
};

static const struct vdpasim_blk_op vdpasim_blk_ops[] = {
	[VIRTIO_BLK_T_IN] = { vdpasim_blk_read, VDPASIM_BLK_STAT_READS,
			      VDPASIM_BLK_STAT_BYTES_READ },
	[VIRTIO_BLK_T_OUT] = { vdpasim_blk_write, VDPASIM_BLK_STAT_WRITES,
			       VDPASIM_BLK_STAT_BYTES_WRITTEN },
	[VIRTIO_BLK_T_FLUSH] = { vdpasim_blk_flush, VDPASIM_BLK_STAT_FLUSHES,
				 -1 },
	[VIRTIO_BLK_T_GET_ID] = { vdpasim_blk_get_id, -1, -1 },
	[VIRTIO_BLK_T_DISCARD] = { vdpasim_blk_ranges,
				   VDPASIM_BLK_STAT_DISCARDS, -1 },
	[VIRTIO_BLK_T_WRITE_ZEROES] = { vdpasim_blk_ranges,
					VDPASIM_BLK_STAT_WRITE_ZEROES, -1 },
	[VIRTIO_BLK_T_SECURE_ERASE] = { vdpasim_blk_ranges,
					VDPASIM_BLK_STAT_SECURE_ERASES, -1 },
};

/* Serve a request whose header was read; unknown types are UNSUPP. */
static u8 vdpasim_blk_dispatch(struct vdpasim_blk_req *req,
			       struct vdpasim_blk_stats *stats)
{
	const struct vdpasim_blk_op *op;
	u8 status;

	if (req->type >= ARRAY_SIZE(vdpasim_blk_ops))
		return VIRTIO_BLK_S_UNSUPP;
	op = &vdpasim_blk_ops[array_index_nospec(req->type,
						 ARRAY_SIZE(vdpasim_blk_ops))];
	if (!op->serve)
		return VIRTIO_BLK_S_UNSUPP;
	status = op->serve(req);
	if (status != VIRTIO_BLK_S_OK)
		return status;
	if (op->ok_stat >= 0)
		stats->v[op->ok_stat]++;
	if (op->bytes_stat >= 0)
		stats->v[op->bytes_stat] += req->bytes;
	return status;
}

/* Write the status into the last writable byte of the buffer. */
static bool vdpasim_blk_put_status(struct vdpasim_vq *vq, u8 status)
{
	struct vdring_iov *iov = &vq->iov;
	struct iov_iter it;

	vdring_iov_iter_in(iov, &it);
	iov_iter_advance(&it, iov->in_len - 1);
	if (copy_to_iter(&status, 1, &it) != 1)
		return false;
	vdring_log_in(&vq->ring, iov, iov->in_len - 1, 1);
	return true;
}

/*
 * Serve the request in the queue's buffer; return the bytes written to
 * the buffer (data and status), the used length to report, or -EBUSY
 * (an inline run only) if serving it would sleep: then nothing was
 * written to the buffer and no counter moved. Every byte stored is
 * reported to the dirty log: the data as far as the request got (a read
 * failing halfway has stored part of it, beyond the used length), then
 * the status byte.
 */
static int vdpasim_blk_handle(struct vdpasim_blk *blk, struct vdpasim_vq *vq,
			      struct vdpasim_blk_stats *stats)
{
	struct vdring_iov *iov = &vq->iov;
	struct vdpasim_blk_req req = {
		.blk = blk, .iov = iov, .nowait = iov->nowait,
	};
	struct virtio_blk_outhdr hdr;
	u8 status = VIRTIO_BLK_S_IOERR;

	if (!iov->in_len) {
		stats->v[VDPASIM_BLK_STAT_ERRORS]++;
		return 0;
	}
	vdring_iov_iter_out(iov, &req.out);
	vdring_iov_iter_in(iov, &req.in);
	req.in_len = iov->in_len - 1;
	iov_iter_truncate(&req.in, req.in_len);

	if (iov->out_len >= sizeof(hdr) &&
	    copy_from_iter(&hdr, sizeof(hdr), &req.out) == sizeof(hdr)) {
		req.type = __virtio32_to_cpu(true, hdr.type);
		req.sector = __virtio64_to_cpu(true, hdr.sector);
		req.out_len = iov->out_len - sizeof(hdr);
		status = vdpasim_blk_dispatch(&req, stats);
		if (req.retry)
			return -EBUSY;
	}
	vdring_log_in(&vq->ring, iov, 0, req.in_len - iov_iter_count(&req.in));

	if (!vdpasim_blk_put_status(vq, status)) {
		stats->v[VDPASIM_BLK_STAT_ERRORS]++;
		return 0;
	}
	if (status == VIRTIO_BLK_S_IOERR)
		stats->v[VDPASIM_BLK_STAT_ERRORS]++;
	else if (status == VIRTIO_BLK_S_UNSUPP)
		stats->v[VDPASIM_BLK_STAT_UNSUPPORTED]++;
	return req.written + 1;
}

/**
 * vdpasim_blk_process() - serve the requests waiting on a queue
 * @vq: the queue
 * @budget: most requests to serve
 *
 * The &vdpasim_class_ops.process of the block class; see there for the
 * context. Completions dropped by the ``drop_completions`` fault knob
 * are served (data is read or written) but never given back. In an
 * inline run (vq->iov.nowait), a request that would sleep (the store
 * busy with a range operation, a write needing a new chunk, a range
 * operation) is given back unanswered and ends the batch with -EBUSY.
 *
 * Return: the number of requests taken from the ring, -EBUSY, or a
 * negative errno if the ring is malformed.
 */
int vdpasim_blk_process(struct vdpasim_vq *vq, unsigned int budget)
{
	struct vdpasim_blk *blk = sim_to_blk(vq->vs);
	struct vdpasim_blk_stats *stats = &blk->stats[vq->idx];
	unsigned int done = 0, pushed = 0;
	struct vdring_elem elem;
	int err = 0, len;

	while (done < budget) {
		err = vdring_pop(&vq->ring, &vq->iov, &elem);
		if (err <= 0)
			break;
		len = vdpasim_blk_handle(blk, vq, stats);
		if (len < 0) {
			vdring_unpop(&vq->ring, &elem);
			err = len;
			break;
		}
		done++;
		if (vdpasim_fault_drop(vq->vs)) {
			stats->v[VDPASIM_BLK_STAT_DROPPED]++;
			continue;
		}
		err = vdring_push(&vq->ring, &elem, len);
		if (err)
			break;
		pushed++;
	}
	if (pushed)
		vdpasim_vq_notify(vq);
	return err < 0 ? err : done;
}
