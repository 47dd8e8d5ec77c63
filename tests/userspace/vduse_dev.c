// SPDX-License-Identifier: GPL-2.0-only
/*
 * vduse_user: the device loop.  One poll() over the device file (the
 * kernel's messages: GET_VQ_STATE, SET_STATUS, UPDATE_IOTLB) and the kick
 * eventfds of the ready queues; the queues are served after each wakeup.
 * Also the message-level hostile modes: silent, wrong-id, oversize.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/virtio_config.h>

#include "vduse_user.h"

static const char *req_name(__u32 type)
{
	switch (type) {
	case VDUSE_GET_VQ_STATE:
		return "GET_VQ_STATE";
	case VDUSE_SET_STATUS:
		return "SET_STATUS";
	case VDUSE_UPDATE_IOTLB:
		return "UPDATE_IOTLB";
	case VDUSE_EXT_SET_CONFIG:
		return "EXT_SET_CONFIG";
	}
	return "unknown";
}

/* Pick up every queue again (after DRIVER_OK, a reconnect, or when an
 * UPDATE_IOTLB may have moved the rings); keeps the positions of queues
 * that were ready.
 */
static void start_vqs(struct vu_dev *d, bool reconnect)
{
	unsigned int i;

	for (i = 0; i < d->nvqs; i++) {
		struct vu_vq *vq = &d->vqs[i];
		bool was = vq->ready;
		uint16_t pos = vq->last_avail;

		if (vu_vq_start(d, vq, reconnect))
			vu_vq_stop(d, vq);
		else if (was && vq->ready)
			vq->last_avail = pos;
	}
}

static void stop_vqs(struct vu_dev *d)
{
	unsigned int i;

	for (i = 0; i < d->nvqs; i++)
		vu_vq_stop(d, &d->vqs[i]);
	vu_unmap_all(d);
	d->broken = false;
}

/*
 * bad-erase: the driver's probe failed (FAILED set) after it freed its
 * queue; interrupts before DRIVER_OK must be refused, not run a callback
 * of the freed queue.
 */
static void bad_erase_irqs(struct vu_dev *d, uint8_t status)
{
	uint32_t index = 0;
	int r;

	if (d->o->hostile != VU_HOSTILE_BAD_ERASE ||
	    !(status & VIRTIO_CONFIG_S_FAILED))
		return;
	r = ioctl(d->fd, VDUSE_VQ_INJECT_IRQ, &index);
	diag("bad-erase: VDUSE_VQ_INJECT_IRQ after the failed probe: %s",
	     errname(r < 0 ? errno : 0));
	r = ioctl(d->fd, VDUSE_DEV_INJECT_CONFIG_IRQ);
	diag("bad-erase: VDUSE_DEV_INJECT_CONFIG_IRQ after the failed probe: %s",
	     errname(r < 0 ? errno : 0));
}

static void set_status(struct vu_dev *d, uint8_t status)
{
	uint8_t old = d->status;

	bad_erase_irqs(d, status);
	d->status = status;
	if (!status) {
		stop_vqs(d);
		return;
	}
	if (!(status & VIRTIO_CONFIG_S_DRIVER_OK) ||
	    (old & VIRTIO_CONFIG_S_DRIVER_OK))
		return;
	xioctl(d->fd, VDUSE_DEV_GET_FEATURES, &d->features,
	       "VDUSE_DEV_GET_FEATURES");
	diag("driver features 0x%llx", (unsigned long long)d->features);
	if (d->o->hostile == VU_HOSTILE_BOGUS_IOTLB)
		vu_bogus_iotlb(d);
	start_vqs(d, false);
}

/*
 * VDUSE_EXT_SET_CONFIG (--wce): the driver wrote the config space.  Kept
 * in d->config; refused if it lies outside what was created, or always
 * with --hostile config-refuse (the kernel then restores the bytes).
 */
static uint32_t set_config(struct vu_dev *d, struct vduse_dev_request *req)
{
	struct vduse_ext_config_write w;

	memcpy(&w, req->padding, sizeof(w));
	diag("config write: %u byte(s) at %u, first 0x%02x", w.length,
	     w.offset, w.data[0]);
	if (!d->o->wce || d->o->hostile == VU_HOSTILE_CONFIG_REFUSE ||
	    !w.length || w.length > sizeof(w.data) ||
	    w.offset > d->config_size || w.length > d->config_size - w.offset)
		return VDUSE_REQ_RESULT_FAILED;
	memcpy(d->config + w.offset, w.data, w.length);
	d->config_writes++;
	return VDUSE_REQ_RESULT_OK;
}

/* Answer one message; false if the device file failed. */
static bool handle_msg(struct vu_dev *d, struct vduse_dev_request *req)
{
	struct vduse_dev_response resp = { .request_id = req->request_id };
	struct vu_vq *vq;
	ssize_t n;

	if (d->o->verbose)
		diag("message %u: %s", req->request_id, req_name(req->type));
	resp.result = VDUSE_REQ_RESULT_OK;
	switch (req->type) {
	case VDUSE_GET_VQ_STATE:
		resp.vq_state.index = req->vq_state.index;
		if (req->vq_state.index >= d->nvqs) {
			resp.result = VDUSE_REQ_RESULT_FAILED;
			break;
		}
		vq = &d->vqs[req->vq_state.index];
		resp.vq_state.split.avail_index = vq->last_avail;
		break;
	case VDUSE_SET_STATUS:
		set_status(d, req->s.status);
		break;
	case VDUSE_UPDATE_IOTLB:
		vu_unmap_range(d, req->iova.start, req->iova.last);
		if (d->status & VIRTIO_CONFIG_S_DRIVER_OK)
			start_vqs(d, false);
		break;
	case VDUSE_EXT_SET_CONFIG:
		resp.result = set_config(d, req);
		break;
	default:
		resp.result = VDUSE_REQ_RESULT_FAILED;
		break;
	}
	if (d->o->hostile == VU_HOSTILE_WRONG_ID)
		resp.request_id += 0x10000;
	n = write(d->fd, &resp, sizeof(resp));
	if (n != (ssize_t)sizeof(resp)) {
		fail("write of the response to message %u: %s",
		     req->request_id, n < 0 ? errname(errno) : "short");
		return d->o->hostile == VU_HOSTILE_WRONG_ID;
	}
	return true;
}

/* Read and answer every pending message; -1 if the device file failed. */
static int read_msgs(struct vu_dev *d)
{
	struct vduse_dev_request req;
	ssize_t n;

	for (;;) {
		n = read(d->fd, &req, sizeof(req));
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n != (ssize_t)sizeof(req)) {
			fail("read of a message: %s",
			     n < 0 ? errname(errno) : "short");
			return -1;
		}
		if (!handle_msg(d, &req))
			return -1;
	}
}

/**
 * vu_taken() - count a request taken from a queue
 * @d: device
 *
 * In close-mid-io mode, exits once the count is reached, with the
 * request just taken (and whatever else the driver queued) in flight.
 */
void vu_taken(struct vu_dev *d)
{
	d->requests++;
	if (d->o->hostile == VU_HOSTILE_CLOSE_MID_IO &&
	    d->requests >= d->o->after) {
		diag("close-mid-io: exiting after %llu requests",
		     (unsigned long long)d->requests);
		vu_counters(d);
		_exit(0);
	}
}

static void serve_vqs(struct vu_dev *d)
{
	unsigned int i;

	if (d->broken || !(d->status & VIRTIO_CONFIG_S_DRIVER_OK))
		return;
	/* After the first request: the kernel sets up its bounce pages on
	 * the first streaming mapping, REG_UMEM wants them there.
	 */
	if (d->o->hostile == VU_HOSTILE_UMEM_UNMAP && !d->umem_done &&
	    d->requests) {
		d->umem_done = true;
		vu_umem_unmap(d);
		start_vqs(d, false);
	}
	for (i = 0; i < d->nvqs; i++) {
		if (!d->vqs[i].ready)
			continue;
		if (d->type->serve(d, &d->vqs[i]) < 0) {
			fail("vq %u holds garbage: queues stopped until reset", i);
			d->broken = true;
			return;
		}
	}
}

/**
 * vu_serve() - the device loop, until SIGTERM or SIGINT
 * @d: device, its file open
 *
 * Return: 0, or -1 if the device file failed.
 */
int vu_serve(struct vu_dev *d)
{
	struct pollfd pfd[1 + VU_MAX_VQS];
	bool fd_err = false;
	unsigned int i, n;
	uint64_t v;

	if (d->o->reconnect) {
		xioctl(d->fd, VDUSE_DEV_GET_FEATURES, &d->features,
		       "VDUSE_DEV_GET_FEATURES");
		start_vqs(d, true);
		for (i = 0, n = 0; i < d->nvqs; i++)
			n += d->vqs[i].ready;
		if (n) {
			d->status = VIRTIO_CONFIG_S_DRIVER_OK;
			diag("reconnect: %u queues ready, resumed", n);
		}
		serve_vqs(d);
	}
	while (!vu_stop) {
		if (vu_dump) {
			vu_dump = 0;
			vu_counters(d);
		}
		n = 0;
		if (d->o->hostile != VU_HOSTILE_SILENT && !fd_err)
			pfd[n++] = (struct pollfd){ .fd = d->fd, .events = POLLIN };
		for (i = 0; i < d->nvqs; i++)
			if (d->vqs[i].ready)
				pfd[n++] = (struct pollfd){
					.fd = d->vqs[i].kickfd, .events = POLLIN };
		fd_err = false;
		if (poll(pfd, n, 200) < 0) {
			if (errno == EINTR)
				continue;
			fail("poll: %s", errname(errno));
			return -1;
		}
		for (i = 0; i < n; i++) {
			if (pfd[i].fd == d->fd) {
				if (pfd[i].revents & (POLLERR | POLLHUP)) {
					/* broken device: retry on the next round */
					fd_err = true;
				} else if ((pfd[i].revents & POLLIN) &&
					   read_msgs(d)) {
					return -1;
				}
			} else if (pfd[i].revents & POLLIN) {
				if (read(pfd[i].fd, &v, sizeof(v)) < 0 &&
				    errno != EAGAIN)
					fail("kick eventfd: %s",
					     errname(errno));
			}
		}
		serve_vqs(d);
	}
	return 0;
}

/* One write of the oversize mode. */
static void bad_write(struct vu_dev *d, const char *what, size_t len)
{
	static uint8_t buf[8192];
	struct vduse_dev_response *resp = (void *)buf;
	ssize_t n;

	memset(buf, 0, sizeof(buf));
	resp->request_id = 0xdead0000;
	n = write(d->fd, buf, len);
	if (n < 0)
		diag("oversize: write %s (%zu bytes): %s", what, len,
		     errname(errno));
	else
		diag("oversize: write %s (%zu bytes): returned %zd", what,
		     len, n);
}

/**
 * vu_oversize() - the oversize hostile mode, before serving
 * @d: device, its file open (no message pending yet)
 *
 * Responses of wrong sizes, a response with reserved bytes set, reads
 * into short buffers; every outcome printed.  Serving goes on.
 */
void vu_oversize(struct vu_dev *d)
{
	struct vduse_dev_response resp = { .request_id = 0xdead0001 };
	uint8_t small[16];
	ssize_t n;

	bad_write(d, "empty", 0);
	bad_write(d, "one byte", 1);
	bad_write(d, "one byte short", sizeof(struct vduse_dev_response) - 1);
	bad_write(d, "one byte long", sizeof(struct vduse_dev_response) + 1);
	bad_write(d, "8 KiB", 8192);
	resp.reserved[0] = 1;
	n = write(d->fd, &resp, sizeof(resp));
	diag("oversize: write with reserved set: %s",
	     n < 0 ? errname(errno) : "accepted");
	n = read(d->fd, small, sizeof(small));
	diag("oversize: read of 16 bytes: %s",
	     n < 0 ? errname(errno) : "returned data");
	n = read(d->fd, small, 0);
	diag("oversize: read of 0 bytes: %s",
	     n < 0 ? errname(errno) : "returned");
}
