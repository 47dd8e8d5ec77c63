/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vduse_user: a VDUSE device daemon for the tests (virtio-blk RAM disk,
 * virtio-net loopback), with hostile modes.  Shared declarations.
 */
#ifndef VDUSE_USER_H
#define VDUSE_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <linux/vduse.h>
#include <linux/vduse_ext.h>
#include <linux/virtio_ring.h>

#include "util.h"

#define VU_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define VU_BIT64(n) (1ULL << (n))

/* Exit statuses: 0 success, 1 failure, 2 bad usage, 3 the kernel refused
 * creating or opening the device (the errno is on stderr).
 */
#define VU_EXIT_FAIL 1
#define VU_EXIT_USAGE 2
#define VU_EXIT_REFUSED 3

#define VU_MAX_VQS 3
#define VU_RING_MAX 256

enum vu_hostile {
	VU_HOSTILE_NONE,
	VU_HOSTILE_SILENT,
	VU_HOSTILE_WRONG_ID,
	VU_HOSTILE_BOGUS_IOTLB,
	VU_HOSTILE_OVERSIZE,
	VU_HOSTILE_CLOSE_MID_IO,
	VU_HOSTILE_UMEM_UNMAP,
	VU_HOSTILE_BAD_ERASE,
	VU_HOSTILE_CVQ_SILENT,
	VU_HOSTILE_CONFIG_REFUSE,
};

/**
 * struct vu_opts - command line
 * @kind: "blk" or "net"
 * @name: device name (/dev/vduse/NAME)
 * @size_mib: blk: disk size in MiB
 * @file: blk: back the disk by this file (shared mapping) instead of RAM
 * @mac: net: MAC address
 * @cvq: net: offer a control virtqueue (CTRL_VQ, CTRL_RX, CTRL_MAC_ADDR, MQ)
 * @ready_file: written once the device exists (or was reopened)
 * @destroy: VDUSE_DESTROY_DEV on exit
 * @reconnect: open the existing device instead of creating it
 * @hostile: misbehaviour to play
 * @after: close-mid-io: requests served before exiting
 * @ring: largest ring size offered (VDUSE_VQ_SETUP max_size)
 * @features: extra feature bits to offer (--features, added to the defaults)
 * @wce: blk: ask for VDUSE_EXT_F_CONFIG_WRITE and offer CONFIG_WCE
 * @verbose: one line per message
 */
struct vu_opts {
	const char *kind;
	const char *name;
	unsigned int size_mib;
	const char *file;
	uint8_t mac[6];
	bool cvq;
	const char *ready_file;
	bool destroy;
	bool reconnect;
	enum vu_hostile hostile;
	unsigned int after;
	unsigned int ring;
	uint64_t features;
	bool wce;
	bool verbose;
};

/**
 * struct vu_map - one IOVA range mapped into this process
 * @start: first IOVA
 * @last: last IOVA (inclusive)
 * @va: where [start, last] is mapped
 * @len: mapping length (last - start + 1)
 */
struct vu_map {
	uint64_t start;
	uint64_t last;
	uint8_t *va;
	size_t len;
};

/**
 * struct vu_vq - device side of one split virtqueue
 * @index: queue index
 * @num: ring size (0: not set up)
 * @desc: descriptor table
 * @avail: driver area
 * @used: device area
 * @last_avail: next available ring slot to take
 * @kickfd: eventfd given to VDUSE_VQ_SETUP_KICKFD (-1: none)
 * @ready: the driver enabled it and its rings are mapped
 */
struct vu_vq {
	unsigned int index;
	unsigned int num;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t last_avail;
	int kickfd;
	bool ready;
};

/**
 * struct vu_seg - one descriptor of a chain, translated
 * @va: its bytes in this process
 * @len: length
 * @write: device-writable
 */
struct vu_seg {
	uint8_t *va;
	uint32_t len;
	bool write;
};

#define VU_MAX_SEGS 260

/**
 * struct vu_req - one descriptor chain taken from a queue
 * @head: head descriptor index
 * @segs: its descriptors, split where a mapping ends
 * @nsegs: how many
 * @in_len: bytes the device may write
 */
struct vu_req {
	uint16_t head;
	struct vu_seg segs[VU_MAX_SEGS];
	unsigned int nsegs;
	uint32_t in_len;
};

struct vu_dev;

/**
 * struct vu_type - device class behind the daemon
 * @device_id: virtio device id
 * @config: fill the config space, return its size
 * @features: device features offered
 * @nvqs: number of queues
 * @serve: serve what queue @vq has available, inject its interrupts;
 *	   return the chains completed, -1 if a ring holds garbage (the
 *	   device then stops serving queues until a reset)
 */
struct vu_type {
	uint32_t device_id;
	uint32_t (*config)(struct vu_dev *d, uint8_t *cfg);
	uint64_t (*features)(struct vu_dev *d);
	unsigned int (*nvqs)(struct vu_dev *d);
	int (*serve)(struct vu_dev *d, struct vu_vq *vq);
};

/**
 * struct vu_dev - the daemon's device
 * @o: options
 * @type: blk or net
 * @ctrl: /dev/vduse/control (-1 once closed)
 * @fd: /dev/vduse/NAME
 * @features: driver features (VDUSE_DEV_GET_FEATURES at DRIVER_OK)
 * @status: last status the kernel reported
 * @vqs: the queues
 * @nvqs: how many
 * @maps: IOTLB mapping cache
 * @nmaps: entries used
 * @disk: blk: the disk's bytes
 * @disk_size: blk: its size
 * @tx_frames: net: frames taken from TX queues
 * @rx_frames: net: frames put on RX
 * @rx_dropped: net: frames dropped for want of an RX buffer
 * @requests: requests served (all queues)
 * @broken: a ring held garbage: stop serving queues
 * @umem_done: umem-unmap: done once
 * @umem: umem-unmap: our second mapping of the registered bounce pages
 * @config: the config space as created, then as the driver wrote it
 * @config_size: its size
 * @config_writes: VDUSE_EXT_SET_CONFIG requests applied
 */
struct vu_dev {
	struct vu_opts *o;
	const struct vu_type *type;
	int ctrl;
	int fd;
	uint64_t features;
	uint8_t status;
	struct vu_vq vqs[VU_MAX_VQS];
	unsigned int nvqs;
	struct vu_map maps[64];
	unsigned int nmaps;
	uint8_t *disk;
	uint64_t disk_size;
	uint64_t tx_frames;
	uint64_t rx_frames;
	uint64_t rx_dropped;
	uint64_t requests;
	bool broken;
	bool umem_done;
	struct vu_map umem;
	uint8_t config[256];
	uint32_t config_size;
	uint64_t config_writes;
};

extern volatile sig_atomic_t vu_stop;
extern volatile sig_atomic_t vu_dump;

/* vduse_main.c */
void vu_counters(struct vu_dev *d);

/* vduse_iotlb.c */
uint8_t *vu_iova(struct vu_dev *d, uint64_t iova, uint64_t len, size_t *avail);
void vu_unmap_range(struct vu_dev *d, uint64_t start, uint64_t last);
void vu_unmap_all(struct vu_dev *d);
void vu_bogus_iotlb(struct vu_dev *d);
void vu_umem_unmap(struct vu_dev *d);

/* vduse_vq.c */
int vu_vq_start(struct vu_dev *d, struct vu_vq *vq, bool reconnect);
void vu_vq_stop(struct vu_dev *d, struct vu_vq *vq);
int vu_vq_get(struct vu_dev *d, struct vu_vq *vq, struct vu_req *r);
void vu_vq_put(struct vu_dev *d, struct vu_vq *vq, struct vu_req *r,
	       uint32_t written);
void vu_vq_irq(struct vu_dev *d, struct vu_vq *vq);
size_t vu_req_read(struct vu_req *r, size_t off, void *buf, size_t len);
size_t vu_req_write(struct vu_req *r, size_t off, const void *buf, size_t len);
size_t vu_req_out_len(struct vu_req *r);

/* vduse_dev.c */
int vu_serve(struct vu_dev *d);
void vu_taken(struct vu_dev *d);
void vu_oversize(struct vu_dev *d);

/* vduse_blk.c, vduse_net.c */
extern const struct vu_type vu_blk_type;
extern const struct vu_type vu_net_type;
int vu_blk_init(struct vu_dev *d);

#endif /* VDUSE_USER_H */
