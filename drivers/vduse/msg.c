// SPDX-License-Identifier: GPL-2.0-only
/*
 * The message protocol between the device core and the daemon: requests
 * (struct vduse_dev_request) are read() from /dev/vduse/<name>, responses
 * (struct vduse_dev_response) are write()n back with the same request_id.
 */

#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "internal.h"

/**
 * DOC: messages and recovery
 *
 * A sender (set_status, get_vq_state, an IOTLB update) queues its request
 * on the device's send list and sleeps until the daemon answers, for at
 * most the device's ``msg_timeout`` seconds (sysfs; 0 waits without a
 * limit). A request the daemon has read moves to the receive list until
 * its response arrives; a response whose request_id is on neither list is
 * refused with -ENOENT.
 *
 * A timed-out request fails with -ETIMEDOUT and the device is not given
 * up (upstream marks it broken for good): get_status reports
 * %VIRTIO_CONFIG_S_NEEDS_RESET and the configuration interrupt is raised.
 * Resetting the device (status 0, itself a request) clears it; a reset the
 * daemon does not answer still resets the kernel side, and the reset
 * request is queued again at the front so that the daemon, or the next
 * one, sees it before anything else.
 *
 * When the daemon closes the device file, requests it read but did not
 * answer go back to the front of the send list for the next daemon;
 * IOTLB updates are dropped (a new daemon holds no stale mappings), and
 * none is sent while no daemon is attached. Nor does a sender wait for
 * one while the device needs a reset or is being removed: the update is
 * queued, at most one at a time, and nobody waits for its answer (the
 * mapping change has taken effect in the kernel already). While the vDPA
 * device is being
 * removed a request fails at once with -ENOTCONN if no daemon is
 * attached, and waits at most two seconds for an attached one.
 */

static void vduse_msg_complete(struct vduse_msg *msg, int err)
{
	list_del_init(&msg->list);
	msg->err = err;
	msg->done = true;
	if (msg->detached)
		kfree(msg);
	else
		wake_up(&msg->waitq);
}

/* Fail every queued request (err) or, for IOTLB updates only, drop them. */
static void vduse_msg_fail_list(struct list_head *head, int err,
				bool iotlb_only)
{
	struct vduse_msg *msg, *tmp;

	list_for_each_entry_safe(msg, tmp, head, list) {
		if (iotlb_only && msg->req.type != VDUSE_UPDATE_IOTLB)
			continue;
		msg->resp.result = VDUSE_REQ_RESULT_OK;
		vduse_msg_complete(msg, iotlb_only ? 0 : err);
	}
}

static bool vduse_msg_give_up(struct vduse_dev *dev, unsigned long deadline,
			      bool limited, int *err)
{
	lockdep_assert_held(&dev->msg_lock);
	if (dev->removing && (!dev->connected ||
			      time_after_eq(jiffies, dev->remove_deadline))) {
		*err = dev->connected ? -ETIMEDOUT : -ENOTCONN;
		return true;
	}
	if (limited && time_after_eq(jiffies, deadline)) {
		*err = -ETIMEDOUT;
		return true;
	}
	if (fatal_signal_pending(current)) {
		*err = -EINTR;
		return true;
	}
	return false;
}

/*
 * How long a waiter may sleep before it looks at the give-up conditions
 * again: a second at most, and not past its own deadline or the removal's.
 * Called with msg_lock held, after vduse_msg_give_up() said to go on (so
 * neither deadline has passed).
 */
static long vduse_msg_nap(struct vduse_dev *dev, unsigned long deadline,
			  bool limited)
{
	long t = HZ;

	lockdep_assert_held(&dev->msg_lock);
	if (limited)
		t = min_t(long, t, (long)(deadline - jiffies));
	if (dev->removing)
		t = min_t(long, t, (long)(dev->remove_deadline - jiffies));
	return max_t(long, t, 1);
}

/*
 * Sleep until @msg is answered or given up; returns 0 or -errno. The
 * give-up conditions are checked before every sleep, so once the removal
 * deadline passed or a fatal signal is pending a request costs no sleep;
 * the start of a removal wakes the waiter (vduse_msg_set_removing()).
 */
static int vduse_msg_wait(struct vduse_dev *dev, struct vduse_msg *msg,
			  unsigned int secs)
{
	unsigned long deadline = jiffies + (unsigned long)secs * HZ;
	bool removing;
	int err = 0;
	long nap;

	for (;;) {
		/* The answerer wakes us under msg_lock: wait for it to end. */
		spin_lock(&dev->msg_lock);
		if (msg->done) {
			err = msg->err;
			break;
		}
		if (vduse_msg_give_up(dev, deadline, secs, &err)) {
			list_del_init(&msg->list);
			break;
		}
		removing = dev->removing;
		nap = vduse_msg_nap(dev, deadline, secs);
		spin_unlock(&dev->msg_lock);
		wait_event_killable_timeout(msg->waitq, READ_ONCE(msg->done) ||
					    READ_ONCE(dev->removing) != removing,
					    nap);
	}
	spin_unlock(&dev->msg_lock);
	return err;
}

/*
 * Queue a copy of @req that nobody waits for, at the front or the back of
 * the send list; not if one of the same type is queued already (a reset
 * is a reset, and IOTLB updates always cover every address).
 */
static void vduse_msg_queue_detached(struct vduse_dev *dev,
				     const struct vduse_dev_request *req,
				     bool front)
{
	struct vduse_msg *msg, *old;

	msg = kzalloc(sizeof(*msg), GFP_KERNEL);
	if (!msg)
		return;
	msg->detached = true;
	msg->req = *req;
	spin_lock(&dev->msg_lock);
	list_for_each_entry(old, &dev->send_list, list) {
		if (old->detached && old->req.type == req->type) {
			spin_unlock(&dev->msg_lock);
			kfree(msg);
			return;
		}
	}
	msg->req.request_id = dev->msg_id++;
	if (front)
		list_add(&msg->list, &dev->send_list);
	else
		list_add_tail(&msg->list, &dev->send_list);
	spin_unlock(&dev->msg_lock);
	wake_up_interruptible_poll(&dev->waitq, EPOLLIN | EPOLLRDNORM);
}

/**
 * vduse_msg_send() - send a request to the daemon and wait for its answer
 * @dev: the device
 * @req: the request; its request_id is assigned here
 * @resp: where the response goes, or NULL
 *
 * Must not be called with &vduse_dev.lock held (the daemon needs it to
 * answer). A timeout marks the device as needing a reset and raises the
 * configuration interrupt. IOTLB updates are not sent while no daemon is
 * attached, and not waited for while the device needs a reset or is
 * being removed (queued once for the daemon instead).
 *
 * Return: 0 when the daemon answered %VDUSE_REQ_RESULT_OK, -EIO when it
 * answered %VDUSE_REQ_RESULT_FAILED, -ETIMEDOUT, -ENOTCONN (device being
 * removed, no daemon) or -EINTR (fatal signal).
 */
int vduse_msg_send(struct vduse_dev *dev, struct vduse_dev_request *req,
		   struct vduse_dev_response *resp)
{
	return vduse_msg_send_within(dev, req, resp,
				     READ_ONCE(dev->msg_timeout));
}

/**
 * vduse_msg_send_within() - vduse_msg_send() with its own time limit
 * @dev: the device
 * @req: the request
 * @resp: where the response goes, or NULL
 * @secs: seconds to wait for the answer (0: no limit)
 *
 * Return: see vduse_msg_send().
 */
int vduse_msg_send_within(struct vduse_dev *dev,
			  struct vduse_dev_request *req,
			  struct vduse_dev_response *resp, unsigned int secs)
{
	struct vduse_msg msg = { .req = *req };
	int err;

	init_waitqueue_head(&msg.waitq);
	spin_lock(&dev->msg_lock);
	if (!dev->connected &&
	    (dev->removing || req->type == VDUSE_UPDATE_IOTLB)) {
		spin_unlock(&dev->msg_lock);
		return dev->removing ? -ENOTCONN : 0;
	}
	if (req->type == VDUSE_UPDATE_IOTLB &&
	    (dev->removing || READ_ONCE(dev->needs_reset))) {
		spin_unlock(&dev->msg_lock);
		vduse_msg_queue_detached(dev, req, false);
		return 0;
	}
	msg.req.request_id = dev->msg_id++;
	req->request_id = msg.req.request_id;
	list_add_tail(&msg.list, &dev->send_list);
	spin_unlock(&dev->msg_lock);
	wake_up_interruptible_poll(&dev->waitq, EPOLLIN | EPOLLRDNORM);

	err = vduse_msg_wait(dev, &msg, secs);
	if (err == -ETIMEDOUT) {
		dev_warn_ratelimited(dev->dev, "request %u (type %u) timed out\n",
				     msg.req.request_id, msg.req.type);
		WRITE_ONCE(dev->needs_reset, true);
		vduse_raise_config_irq(dev);
	}
	if (err)
		return err;
	if (msg.resp.result != VDUSE_REQ_RESULT_OK)
		return -EIO;
	if (resp)
		*resp = msg.resp;
	return 0;
}

/**
 * vduse_msg_queue_reset() - queue a reset request nobody waits for
 * @dev: the device
 *
 * Used when a reset (SET_STATUS 0) was not answered: the kernel side was
 * reset anyway and the daemon (this one or the next) must see the reset
 * first. At most one such request is queued.
 */
void vduse_msg_queue_reset(struct vduse_dev *dev)
{
	struct vduse_dev_request req = { .type = VDUSE_SET_STATUS };

	vduse_msg_queue_detached(dev, &req, true);
}

/**
 * vduse_msg_pending() - whether a request waits to be read
 * @dev: the device
 *
 * Return: true if the send list is not empty.
 */
bool vduse_msg_pending(struct vduse_dev *dev)
{
	bool pending;

	spin_lock(&dev->msg_lock);
	pending = !list_empty(&dev->send_list);
	spin_unlock(&dev->msg_lock);
	return pending;
}

/* Put a request that could not be copied out back at the front. */
static void vduse_msg_unread(struct vduse_dev *dev, u32 id)
{
	struct vduse_msg *msg;

	spin_lock(&dev->msg_lock);
	list_for_each_entry(msg, &dev->recv_list, list) {
		if (msg->req.request_id == id) {
			list_move(&msg->list, &dev->send_list);
			break;
		}
	}
	spin_unlock(&dev->msg_lock);
}

/**
 * vduse_msg_read() - &file_operations.read of a VDUSE device: next request
 * @dev: the device
 * @buf: user buffer
 * @count: its size; at least sizeof(struct vduse_dev_request)
 * @nonblock: O_NONBLOCK: -EAGAIN instead of sleeping
 *
 * Return: the size of a request, -EINVAL, -EAGAIN, -EINTR or -EFAULT.
 */
ssize_t vduse_msg_read(struct vduse_dev *dev, char __user *buf,
		       size_t count, bool nonblock)
{
	struct vduse_dev_request req;
	struct vduse_msg *msg;

	if (count < sizeof(req))
		return -EINVAL;
	for (;;) {
		spin_lock(&dev->msg_lock);
		msg = list_first_entry_or_null(&dev->send_list,
					       struct vduse_msg, list);
		if (msg) {
			list_move_tail(&msg->list, &dev->recv_list);
			req = msg->req;
			spin_unlock(&dev->msg_lock);
			break;
		}
		spin_unlock(&dev->msg_lock);
		if (nonblock)
			return -EAGAIN;
		if (wait_event_interruptible(dev->waitq,
					     vduse_msg_pending(dev)))
			return -EINTR;
	}
	if (copy_to_user(buf, &req, sizeof(req))) {
		vduse_msg_unread(dev, req.request_id);
		return -EFAULT;
	}
	return sizeof(req);
}

/**
 * vduse_msg_write() - &file_operations.write of a VDUSE device: a response
 * @dev: the device
 * @buf: user buffer holding one struct vduse_dev_response
 * @count: its size; exactly sizeof(struct vduse_dev_response)
 *
 * Return: @count, -EINVAL (size, result code), -EFAULT, or -ENOENT when no
 * request read from this device has that request_id.
 */
ssize_t vduse_msg_write(struct vduse_dev *dev, const char __user *buf,
			size_t count)
{
	struct vduse_dev_response resp;
	struct vduse_msg *msg;

	if (count != sizeof(resp))
		return -EINVAL;
	if (copy_from_user(&resp, buf, sizeof(resp)))
		return -EFAULT;
	if (resp.result != VDUSE_REQ_RESULT_OK &&
	    resp.result != VDUSE_REQ_RESULT_FAILED)
		return -EINVAL;
	spin_lock(&dev->msg_lock);
	list_for_each_entry(msg, &dev->recv_list, list) {
		if (msg->req.request_id == resp.request_id) {
			msg->resp = resp;
			vduse_msg_complete(msg, 0);
			spin_unlock(&dev->msg_lock);
			return count;
		}
	}
	spin_unlock(&dev->msg_lock);
	return -ENOENT;
}

/**
 * vduse_msg_attach() - a daemon opened the device file
 * @dev: the device
 *
 * Return: 0, or -EBUSY if another daemon has it open.
 */
int vduse_msg_attach(struct vduse_dev *dev)
{
	int err = 0;

	spin_lock(&dev->msg_lock);
	if (dev->connected)
		err = -EBUSY;
	else
		dev->connected = true;
	spin_unlock(&dev->msg_lock);
	return err;
}

/**
 * vduse_msg_detach() - the daemon closed the device file
 * @dev: the device
 *
 * Requests read but not answered go back to the front of the send list,
 * IOTLB updates are dropped, and during a removal everything fails.
 */
void vduse_msg_detach(struct vduse_dev *dev)
{
	spin_lock(&dev->msg_lock);
	dev->connected = false;
	list_splice_init(&dev->recv_list, &dev->send_list);
	vduse_msg_fail_list(&dev->send_list, 0, true);
	if (dev->removing)
		vduse_msg_fail_list(&dev->send_list, -ENOTCONN, false);
	spin_unlock(&dev->msg_lock);
}

/* Wake every sender waiting on @head. Called with msg_lock held. */
static void vduse_msg_wake_list(struct vduse_dev *dev, struct list_head *head)
{
	struct vduse_msg *msg;

	lockdep_assert_held(&dev->msg_lock);
	list_for_each_entry(msg, head, list)
		if (!msg->detached)
			wake_up(&msg->waitq);
}

/**
 * vduse_msg_set_removing() - start or end the removal of the vDPA device
 * @dev: the device
 * @removing: true before the vDPA device is unregistered (its release
 *            ends it, vduse_vdpa_released())
 *
 * Without a daemon, pending requests fail at once with -ENOTCONN. With
 * one, their senders are woken to wait no longer than the removal allows.
 */
void vduse_msg_set_removing(struct vduse_dev *dev, bool removing)
{
	spin_lock(&dev->msg_lock);
	dev->removing = removing;
	dev->remove_deadline = jiffies + VDUSE_REMOVE_WAIT;
	if (removing && !dev->connected) {
		vduse_msg_fail_list(&dev->recv_list, -ENOTCONN, false);
		vduse_msg_fail_list(&dev->send_list, -ENOTCONN, false);
	} else if (removing) {
		vduse_msg_wake_list(dev, &dev->recv_list);
		vduse_msg_wake_list(dev, &dev->send_list);
	}
	spin_unlock(&dev->msg_lock);
}

/**
 * vduse_msg_flush() - drop every queued request (device destruction)
 * @dev: the device; no sender can be waiting any more
 */
void vduse_msg_flush(struct vduse_dev *dev)
{
	spin_lock(&dev->msg_lock);
	vduse_msg_fail_list(&dev->recv_list, -ENODEV, false);
	vduse_msg_fail_list(&dev->send_list, -ENODEV, false);
	spin_unlock(&dev->msg_lock);
}
