// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-queue workers and the services the classes' datapaths use:
 * notification, peer locking, config interrupts, NEEDS_RESET, faults,
 * statistics.
 */

#include <linux/bottom_half.h>
#include <linux/delay.h>
#include <linux/preempt.h>
#include <linux/virtio_config.h>
#include <net/netlink.h>
#include <uapi/linux/vdpa.h>

#include "core_internal.h"

/**
 * vdpasim_schedule() - run a queue's worker soon
 * @vq: the queue
 *
 * Any context. The worker does nothing unless the device runs and the
 * queue is ready.
 */
void vdpasim_schedule(struct vdpasim_vq *vq)
{
	queue_work(vdpasim_wq, &vq->work);
}
EXPORT_SYMBOL_GPL(vdpasim_schedule);

/* Called with vq->lock held. */
static bool vdpasim_vq_runnable(struct vdpasim_vq *vq)
{
	struct vdpasim *vs = vq->vs;

	lockdep_assert_held(&vq->lock);
	return vq->ready && READ_ONCE(vs->running) &&
	       !READ_ONCE(vs->needs_reset) && !vdring_is_broken(&vq->ring);
}

/*
 * The malformed ring is this queue's, or the one it delivers into (a
 * transmit queue of the loopback writes into the receive ring): say which.
 */
static void vdpasim_vq_broken(struct vdpasim_vq *vq, int err)
{
	if (vdring_is_broken(&vq->ring))
		dev_warn_ratelimited(&vq->vs->vdpa.dev,
				     "queue %u: malformed ring (%s, %d)\n",
				     vq->idx, vdring_broken_reason(&vq->ring) ?: "?",
				     err);
	else
		dev_warn_ratelimited(&vq->vs->vdpa.dev,
				     "queue %u: the ring it delivers into is malformed (%d)\n",
				     vq->idx, err);
	vdpasim_set_needs_reset(vq->vs, "malformed ring");
}

/*
 * One batch of a queue; returns true if the work should run again. With
 * vq->iov.nowait (an inline run) nothing in it sleeps: the ring must already
 * be resolved for the current mappings, or the work item does the batch.
 */
static bool vdpasim_vq_run(struct vdpasim_vq *vq)
{
	unsigned int budget = vq->vs->attr.batch;
	int n;

	/*
	 * Never wait for the address space with the queue lock held: a
	 * mapping change waiting for the lock would hold this reader back
	 * while the worker it waits for (a transmit queue delivering here)
	 * waits for this queue's lock. Let the change in and run again.
	 */
	if (!down_read_trylock(&vq->as->lock))
		return true;
	if (vq->iov.nowait && !vdring_is_prepared(&vq->ring)) {
		up_read(&vq->as->lock);
		return true;
	}
	n = vdring_notify_disable(&vq->ring);
	if (!n)
		n = vq->vs->attr.ops->process(vq, budget);
	if (n >= 0 && n < budget) {
		/* Drained: ask for kicks again, and catch a racing one. */
		n = vdring_notify_enable(&vq->ring);
		if (n > 0)
			n = budget;
	}
	up_read(&vq->as->lock);
	if (n == -EAGAIN)
		return false;
	/*
	 * Short of memory is not the driver's fault: try again later. A
	 * request that must sleep ends an inline run: the work serves it.
	 */
	if (n == -ENOMEM || n == -EBUSY)
		return true;
	if (n < 0)
		vdpasim_vq_broken(vq, n);
	return n >= (int)budget;
}

/**
 * vdpasim_vq_work() - the work function of every queue
 * @work: &vdpasim_vq.work
 *
 * Handles one batch and re-queues itself while buffers remain, so that
 * other queues' work items get their turn on the same CPU in between.
 */
void vdpasim_vq_work(struct work_struct *work)
{
	struct vdpasim_vq *vq = container_of(work, struct vdpasim_vq, work);
	bool again = false;

	mutex_lock(&vq->lock);
	if (vdpasim_vq_runnable(vq))
		again = vdpasim_vq_run(vq);
	mutex_unlock(&vq->lock);
	if (again)
		vdpasim_schedule(vq);
}

/*
 * One batch of an idle queue in the kicker's context; false if the kicker
 * must queue the work instead (see vdpasim_vq_kick_inline()). @bh_off:
 * a kicker in task context with bottom halves disabled may serve it.
 */
static bool vdpasim_vq_try_inline(struct vdpasim_vq *vq, bool bh_off)
{
	bool again = false;

	if (bh_off ? in_hardirq() || in_nmi() || in_serving_softirq() :
		     in_interrupt())
		return false;
	if (irqs_disabled() || READ_ONCE(vq->vs->faults.delay_us) ||
	    work_pending(&vq->work) || !mutex_trylock(&vq->lock))
		return false;
	if (vdpasim_vq_runnable(vq)) {
		vq->iov.nowait = true;
		again = vdpasim_vq_run(vq);
		vq->iov.nowait = false;
	}
	mutex_unlock(&vq->lock);
	return !again;
}

/**
 * vdpasim_vq_kick_inline() - serve a kick in the kicker's context
 * @vq: the kicked queue
 *
 * The &vdpasim_class_ops.kick of a class whose &vdpasim_class_ops.process
 * can run without sleeping when the queue's segment list has its nowait flag set (block). When
 * the queue is idle (its work neither pending nor running), handles one
 * batch right here, the way a driver completing in its submission path
 * does, and calls the driver's callback from here: no work item, no
 * wakeup of a worker thread, no context switch per kick. The queue's work
 * takes over for whatever would make the kicker wait or sleep: a busy
 * queue, a full batch (more may be waiting), a ring not yet resolved for
 * the current mappings, the address space being changed, a request the
 * class cannot serve without sleeping (-EBUSY from
 * &vdpasim_class_ops.process), the ``delay_us`` knob.
 *
 * The queue lock is only tried, so nothing here waits; while it is held
 * the queue's worker cannot run, so the datapath of one queue never runs
 * twice at once. vdpasim_stop() waits for an inline batch to end.
 *
 * Context: any. From interrupt context, with bottom halves or interrupts
 * disabled (where the driver's callback could not run as from an
 * interrupt handler), the work is queued instead. The bus driver must not
 * hold a lock that its callback takes (virtio_blk kicks after releasing
 * its queue lock).
 */
void vdpasim_vq_kick_inline(struct vdpasim_vq *vq)
{
	if (!vdpasim_vq_try_inline(vq, false))
		vdpasim_schedule(vq);
}
EXPORT_SYMBOL_GPL(vdpasim_vq_kick_inline);

/**
 * vdpasim_vq_kick_inline_bh() - vdpasim_vq_kick_inline() for a kicker
 * that may have bottom halves disabled
 * @vq: the kicked queue
 *
 * The same, but a kick from task context with bottom halves disabled is
 * served inline too (virtio_net kicks from its transmit path, under the
 * transmit queue's lock with bottom halves disabled). The driver's
 * callbacks must then only schedule work (virtio_net's schedule NAPI,
 * which runs when the kicker enables bottom halves again); the class's
 * &vdpasim_class_ops.process must try, not take, any other lock
 * (vdpasim_vq_trylock_peer()). Kicks from hard or soft interrupt context
 * queue the work.
 *
 * Context: any.
 */
void vdpasim_vq_kick_inline_bh(struct vdpasim_vq *vq)
{
	if (!vdpasim_vq_try_inline(vq, true))
		vdpasim_schedule(vq);
}
EXPORT_SYMBOL_GPL(vdpasim_vq_kick_inline_bh);

/**
 * vdpasim_start() - let the workers run, and run every ready queue
 * @vs: the device, with &vdpasim.lock held
 */
void vdpasim_start(struct vdpasim *vs)
{
	u32 i;

	lockdep_assert_held(&vs->lock);
	WRITE_ONCE(vs->running, true);
	for (i = 0; i < vs->attr.nvqs; i++)
		if (READ_ONCE(vs->vqs[i].ready))
			vdpasim_schedule(&vs->vqs[i]);
}

/**
 * vdpasim_stop() - stop the workers and wait until none runs
 * @vs: the device, with &vdpasim.lock held
 *
 * Pending kicks are dropped; vdpasim_start() runs every ready queue.
 * An inline batch (vdpasim_vq_kick_inline()) holds its queue's lock:
 * taking each lock once waits for one in progress, and a later one sees
 * &vdpasim.running cleared under that lock.
 */
void vdpasim_stop(struct vdpasim *vs)
{
	u32 i;

	lockdep_assert_held(&vs->lock);
	WRITE_ONCE(vs->running, false);
	for (i = 0; i < vs->attr.nvqs; i++) {
		cancel_work_sync(&vs->vqs[i].work);
		mutex_lock(&vs->vqs[i].lock);
		mutex_unlock(&vs->vqs[i].lock);
	}
}

/**
 * vdpasim_vq_notify() - publish a queue's used buffers, interrupt if wanted
 * @vq: the queue, with its lock held (a worker's own queue or a peer)
 *
 * Applies the completion-delay knob, publishes what was pushed since the
 * last call and calls the driver's callback (with bottom halves disabled,
 * as an interrupt handler would run) if the driver asked to be told.
 *
 * Return: true if the driver was notified.
 */
bool vdpasim_vq_notify(struct vdpasim_vq *vq)
{
	u32 delay = READ_ONCE(vq->vs->faults.delay_us);

	lockdep_assert_held(&vq->lock);
	/*
	 * An inline batch starts only while the knob is 0; one that finds
	 * it set meanwhile does not wait (it must not sleep).
	 */
	if (delay && !vq->iov.nowait)
		fsleep(delay);
	if (vdring_publish(&vq->ring) || !vdring_need_notify(&vq->ring))
		return false;
	if (vq->cb.trigger) {
		eventfd_signal(vq->cb.trigger);
		return true;
	}
	if (!vq->cb.callback)
		return false;
	local_bh_disable();
	vq->cb.callback(vq->cb.private);
	local_bh_enable();
	return true;
}
EXPORT_SYMBOL_GPL(vdpasim_vq_notify);

/**
 * vdpasim_vq_lock_peer() - lock a second queue from a worker
 * @peer: a queue of the same group as the worker's own queue
 *
 * Always takes @peer's lock; unlock with vdpasim_vq_unlock_peer().
 *
 * Return: true if @peer can be used (ready, ring intact).
 */
bool vdpasim_vq_lock_peer(struct vdpasim_vq *peer)
{
	mutex_lock_nested(&peer->lock, SINGLE_DEPTH_NESTING);
	return peer->ready && !vdring_is_broken(&peer->ring);
}
EXPORT_SYMBOL_GPL(vdpasim_vq_lock_peer);

/**
 * vdpasim_vq_trylock_peer() - vdpasim_vq_lock_peer() for a batch that
 * must not sleep
 * @peer: a queue of the same group as the caller's own queue
 *
 * Only tries @peer's lock; when it is taken, unlock with
 * vdpasim_vq_unlock_peer().
 *
 * Return: -EBUSY if the lock is held elsewhere (not taken); else 1 if
 * @peer can be used, 0 if not (ready, ring intact), the lock taken either
 * way.
 */
int vdpasim_vq_trylock_peer(struct vdpasim_vq *peer)
{
	if (!mutex_trylock(&peer->lock))
		return -EBUSY;
	return peer->ready && !vdring_is_broken(&peer->ring);
}
EXPORT_SYMBOL_GPL(vdpasim_vq_trylock_peer);

/**
 * vdpasim_vq_unlock_peer() - undo vdpasim_vq_lock_peer()
 * @peer: the queue
 */
void vdpasim_vq_unlock_peer(struct vdpasim_vq *peer)
{
	mutex_unlock(&peer->lock);
}
EXPORT_SYMBOL_GPL(vdpasim_vq_unlock_peer);

/**
 * vdpasim_config_changed() - raise a config interrupt
 * @vs: the device
 *
 * Any context. Bumps the config generation and calls the driver's config
 * callback, if any.
 */
void vdpasim_config_changed(struct vdpasim *vs)
{
	unsigned long flags;

	WRITE_ONCE(vs->generation, vs->generation + 1);
	spin_lock_irqsave(&vs->cb_lock, flags);
	if (vs->config_cb.callback)
		vs->config_cb.callback(vs->config_cb.private);
	spin_unlock_irqrestore(&vs->cb_lock, flags);
}
EXPORT_SYMBOL_GPL(vdpasim_config_changed);

/**
 * vdpasim_set_needs_reset() - the device cannot go on until reset
 * @vs: the device
 * @why: logged
 *
 * Any context; takes no device lock. Workers stop handling buffers,
 * get_status() reports NEEDS_RESET and a config interrupt tells the
 * driver.
 */
void vdpasim_set_needs_reset(struct vdpasim *vs, const char *why)
{
	if (xchg(&vs->needs_reset, true))
		return;
	dev_warn_ratelimited(&vs->vdpa.dev, "needs reset: %s\n", why);
	vdpasim_config_changed(vs);
}
EXPORT_SYMBOL_GPL(vdpasim_set_needs_reset);

/**
 * vdpasim_fault_drop() - consume one injected completion drop
 * @vs: the device
 *
 * Return: true if the class must drop the buffer it is about to complete
 * (debugfs ``drop_completions``).
 */
bool vdpasim_fault_drop(struct vdpasim *vs)
{
	return atomic_add_unless(&vs->faults.drop_completions, -1, 0);
}
EXPORT_SYMBOL_GPL(vdpasim_fault_drop);

/**
 * vdpasim_put_stat() - append one vendor statistic to a vstats reply
 * @msg: the reply
 * @name: the statistic's name
 * @value: its value
 *
 * Return: 0, or -EMSGSIZE.
 */
int vdpasim_put_stat(struct sk_buff *msg, const char *name, u64 value)
{
	if (nla_put_string(msg, VDPA_ATTR_DEV_VENDOR_ATTR_NAME, name) ||
	    nla_put_u64_64bit(msg, VDPA_ATTR_DEV_VENDOR_ATTR_VALUE, value,
			      VDPA_ATTR_PAD))
		return -EMSGSIZE;
	return 0;
}
EXPORT_SYMBOL_GPL(vdpasim_put_stat);
