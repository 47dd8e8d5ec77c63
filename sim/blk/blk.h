/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulated virtio-blk device class (vdpa_sim_blk.ko): what its
 * management device (main.c) and its request processing (datapath.c)
 * share. Private to vdpa_sim_blk.
 */
#ifndef _VDPA_SIM_BLK_H
#define _VDPA_SIM_BLK_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/rwsem.h>
#include <linux/sizes.h>
#include <linux/xarray.h>
#include <uapi/linux/virtio_blk.h>
#include <vdpa_sim/sim.h>

/**
 * DOC: Simulated block device
 *
 * A RAM disk behind a virtio-blk interface. Its capacity, number of
 * request queues and read-only mode are chosen per device from the
 * module parameters ``capacity_mib``, ``num_queues`` and ``read_only``
 * as they are when ``vdpa dev add`` runs (the vdpa tool has no block
 * attributes); ``device_features`` provisioning is the only netlink
 * attribute accepted.
 *
 * Backing store: the disk is cut in chunks of %VDPASIM_BLK_CHUNK_SIZE
 * bytes kept in an xarray indexed by chunk number. A chunk is allocated
 * the first time a write touches it, so a device costs no memory for
 * what was never written (a hundred 128 MiB devices cost nothing until
 * written to); reading a hole returns zeros. DISCARD, WRITE_ZEROES and
 * SECURE_ERASE free the chunks they cover entirely and zero the parts
 * of chunks they cover partially. A write that needs a chunk when
 * memory is short fails with %VIRTIO_BLK_S_IOERR; allocations use
 * GFP_NOIO, as this is a block device's I/O path.
 *
 * Locking, innermost last: &vdpasim.lock, &vdpasim_vq.lock,
 * &vdpasim_as.lock (the core's order), then &vdpasim_blk_store.lock.
 * The queue lock also protects that queue's &vdpasim_blk_stats.
 */

/* Name of the management device, as "vdpa mgmtdev show" lists it. */
#define VDPASIM_BLK_MGMT_NAME		"vdpasim_blk"

#define VDPASIM_BLK_MAX_QUEUES		8
#define VDPASIM_BLK_VQ_NUM_MAX		256

/* The protocol's sector: always 512 bytes, whatever blk_size says. */
#define VDPASIM_BLK_SECTOR_SHIFT	9
#define VDPASIM_BLK_SECTOR_SIZE		BIT(VDPASIM_BLK_SECTOR_SHIFT)

/* Backing-store chunks: allocation unit of the RAM disk. */
#define VDPASIM_BLK_CHUNK_SHIFT		16
#define VDPASIM_BLK_CHUNK_SIZE		BIT(VDPASIM_BLK_CHUNK_SHIFT)

/* Limits offered in the config space. */
#define VDPASIM_BLK_SIZE_MAX		SZ_1M
#define VDPASIM_BLK_SEG_MAX		(VDPASIM_BLK_VQ_NUM_MAX - 2)
#define VDPASIM_BLK_MAX_RANGE_SECTORS	(SZ_32M >> VDPASIM_BLK_SECTOR_SHIFT)
#define VDPASIM_BLK_MAX_RANGE_SEGS	8
/* 4 KiB physical blocks (2^3 logical ones), 64 KiB optimal I/O. */
#define VDPASIM_BLK_PHYS_BLOCK_EXP	3
#define VDPASIM_BLK_ALIGN_SECTORS	8
#define VDPASIM_BLK_OPT_IO_SECTORS	(VDPASIM_BLK_CHUNK_SIZE >> VDPASIM_BLK_SECTOR_SHIFT)

/**
 * enum vdpasim_blk_stat - per-queue vendor statistics
 * @VDPASIM_BLK_STAT_READS: IN requests completed with %VIRTIO_BLK_S_OK
 * @VDPASIM_BLK_STAT_WRITES: OUT requests completed with %VIRTIO_BLK_S_OK
 * @VDPASIM_BLK_STAT_FLUSHES: FLUSH requests completed
 * @VDPASIM_BLK_STAT_DISCARDS: DISCARD requests completed with OK
 * @VDPASIM_BLK_STAT_WRITE_ZEROES: WRITE_ZEROES requests completed with OK
 * @VDPASIM_BLK_STAT_SECURE_ERASES: SECURE_ERASE requests completed with OK
 * @VDPASIM_BLK_STAT_BYTES_READ: data bytes of successful IN requests
 * @VDPASIM_BLK_STAT_BYTES_WRITTEN: data bytes of successful OUT requests
 * @VDPASIM_BLK_STAT_ERRORS: requests completed with %VIRTIO_BLK_S_IOERR,
 *                           or without a status byte to report anything
 * @VDPASIM_BLK_STAT_UNSUPPORTED: requests completed with
 *                                %VIRTIO_BLK_S_UNSUPP
 * @VDPASIM_BLK_STAT_DROPPED: completions dropped by the
 *                            ``drop_completions`` fault knob
 * @VDPASIM_BLK_NR_STATS: number of statistics
 */
enum vdpasim_blk_stat {
	VDPASIM_BLK_STAT_READS,
	VDPASIM_BLK_STAT_WRITES,
	VDPASIM_BLK_STAT_FLUSHES,
	VDPASIM_BLK_STAT_DISCARDS,
	VDPASIM_BLK_STAT_WRITE_ZEROES,
	VDPASIM_BLK_STAT_SECURE_ERASES,
	VDPASIM_BLK_STAT_BYTES_READ,
	VDPASIM_BLK_STAT_BYTES_WRITTEN,
	VDPASIM_BLK_STAT_ERRORS,
	VDPASIM_BLK_STAT_UNSUPPORTED,
	VDPASIM_BLK_STAT_DROPPED,
	VDPASIM_BLK_NR_STATS
};

/**
 * struct vdpasim_blk_stats - statistics of one request queue
 * @v: the counters, indexed by &enum vdpasim_blk_stat; written by the
 *     queue's worker and read by vstats, both under &vdpasim_vq.lock
 */
struct vdpasim_blk_stats {
	u64 v[VDPASIM_BLK_NR_STATS];
};

/**
 * struct vdpasim_blk_store - the RAM disk
 * @lock: protects @chunks against freeing while in use: reads and
 *        writes of data hold it for reading (a missing chunk is inserted
 *        with xa_cmpxchg(), the loser of a race frees its copy), range
 *        operations (discard, write zeroes, secure erase) for writing
 * @chunks: chunk number to %VDPASIM_BLK_CHUNK_SIZE bytes of data; a
 *          missing entry reads as zeros
 * @sectors: capacity in 512-byte sectors; 0 until
 *           vdpasim_blk_store_init()
 * @nr_chunks: chunks allocated (debugfs ``chunks``)
 */
struct vdpasim_blk_store {
	struct rw_semaphore lock;
	struct xarray chunks;
	u64 sectors;
	atomic_t nr_chunks;
};

/**
 * struct vdpasim_blk - a simulated block device
 * @vs: the simulator device (first member, see &vdpasim_dev_attr)
 * @store: its backing store
 * @read_only: %VIRTIO_BLK_F_RO is offered: writes fail with IOERR
 * @id: the GET_ID answer, NUL padded (not necessarily NUL terminated)
 * @stats: statistics of each request queue
 */
struct vdpasim_blk {
	struct vdpasim vs;
	struct vdpasim_blk_store store;
	bool read_only;
	char id[VIRTIO_BLK_ID_BYTES];
	struct vdpasim_blk_stats stats[VDPASIM_BLK_MAX_QUEUES];
};

static inline struct vdpasim_blk *sim_to_blk(struct vdpasim *vs)
{
	return container_of(vs, struct vdpasim_blk, vs);
}

int vdpasim_blk_process(struct vdpasim_vq *vq, unsigned int budget);
void vdpasim_blk_store_init(struct vdpasim_blk_store *st, u64 sectors);
void vdpasim_blk_store_destroy(struct vdpasim_blk_store *st);

#endif /* _VDPA_SIM_BLK_H */
