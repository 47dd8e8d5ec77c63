// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio_vdpa: the vDPA bus driver that presents each bound vDPA device as
 * a virtio device, so that the kernel's own virtio drivers (virtio_net,
 * virtio_blk, ...) drive it.
 */

/**
 * DOC: virtio over vDPA
 *
 * A vDPA device already speaks virtio on its datapath; only its control
 * path is vendor specific. This driver is the virtio transport that maps
 * one onto the other: every &struct virtio_config_ops operation becomes
 * one or more &struct vdpa_config_ops calls on the parent.
 *
 * - Configuration space, status, features and reset go through the bus
 *   core's locked helpers (vdpa_get_config(), vdpa_set_config(),
 *   vdpa_set_status(), vdpa_set_features(), vdpa_reset()), so they are
 *   serialised against the management interface reading the same state.
 * - Virtqueues are allocated by virtio_ring in memory mapped for the
 *   parent's DMA device (a per-queue one when the parent has
 *   &vdpa_config_ops.get_vq_dma_dev), sized after the parent's limits,
 *   and handed to the parent as addresses, size, callback and initial
 *   state before being enabled. Kicks become &vdpa_config_ops.kick_vq, or
 *   &vdpa_config_ops.kick_vq_with_data once %VIRTIO_F_NOTIFICATION_DATA is
 *   negotiated (the bit is only kept when the parent has that operation).
 * - The parent's virtqueue and config callbacks land in vring_interrupt()
 *   and virtio_config_changed(). They run inside an RCU read-side critical
 *   section, which is what synchronize_cbs (an RCU grace period) and
 *   del_vqs (an expedited one: see vv_del_vqs()) rely on to know that no
 *   callback still uses a queue.
 * - A config interrupt also has the status read (from a work item:
 *   callbacks may come in atomic context, reading the status may sleep).
 *   A device that sets %VIRTIO_CONFIG_S_NEEDS_RESET gets its virtqueues
 *   marked broken, so that a driver waiting for a buffer (virtio_net
 *   polls its control queue) gives up instead of spinning forever on a
 *   device that will not answer before a reset.
 * - %VIRTIO_F_RING_RESET (a queue reset while the device runs, which
 *   virtio_ring uses to resize a queue) is kept only when the parent has
 *   &vdpa_config_ops.reset_vq, an operation beyond the 6.12 bus API;
 *   disable_vq_and_reset calls it, enable_vq_after_reset programs the
 *   queue again and enables it.
 *
 * The virtio device is a child of the vDPA device's DMA device (the vDPA
 * device itself for the simulator and VDUSE, the PCI function for
 * hardware parents), as with the in-tree driver, so sysfs paths and DMA
 * limits (virtio_max_dma_size()) are the same. It lives from probe until
 * remove: remove unregisters it, which makes the virtio driver reset the
 * device and delete its queues, and then resets the vDPA device once more
 * so the next bus driver finds it clean whatever the virtio driver did.
 */

#include <linux/cpumask.h>
#include <linux/group_cpus.h>
#include <linux/interrupt.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/vdpa.h>
#include <linux/virtio.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <linux/workqueue.h>

/**
 * struct virtio_vdpa_device - a vDPA device seen as a virtio device
 * @vdev: the virtio device registered on the virtio bus; its release
 *        frees this structure
 * @vdpa: the vDPA device it drives
 * @status_work: reads the status after a config interrupt (NEEDS_RESET);
 *               queued only while the config callback is installed
 */
struct virtio_vdpa_device {
	struct virtio_device vdev;
	struct vdpa_device *vdpa;
	struct work_struct status_work;
};

static struct virtio_vdpa_device *to_vv(struct virtio_device *vdev)
{
	return container_of(vdev, struct virtio_vdpa_device, vdev);
}

static struct vdpa_device *vv_vdpa(struct virtio_device *vdev)
{
	return to_vv(vdev)->vdpa;
}

/* ---- Configuration space, status, features ---- */

static void vv_get(struct virtio_device *vdev, unsigned int offset,
		   void *buf, unsigned int len)
{
	vdpa_get_config(vv_vdpa(vdev), offset, buf, len);
}

static void vv_set(struct virtio_device *vdev, unsigned int offset,
		   const void *buf, unsigned int len)
{
	vdpa_set_config(vv_vdpa(vdev), offset, buf, len);
}

/* Without a generation counter the config space is read as is. */
static u32 vv_generation(struct virtio_device *vdev)
{
	struct vdpa_device *vdpa = vv_vdpa(vdev);

	if (!vdpa->config->get_generation)
		return 0;
	return vdpa->config->get_generation(vdpa);
}

static u8 vv_get_status(struct virtio_device *vdev)
{
	struct vdpa_device *vdpa = vv_vdpa(vdev);

	return vdpa->config->get_status(vdpa);
}

static void vv_set_status(struct virtio_device *vdev, u8 status)
{
	vdpa_set_status(vv_vdpa(vdev), status);
}

static void vv_reset(struct virtio_device *vdev)
{
	struct vdpa_device *vdpa = vv_vdpa(vdev);
	int err;

	err = vdpa_reset(vdpa, 0);
	if (err)
		dev_err(&vdpa->dev, "reset failed: %d\n", err);
}

static u64 vv_get_features(struct virtio_device *vdev)
{
	struct vdpa_device *vdpa = vv_vdpa(vdev);

	return vdpa->config->get_device_features(vdpa);
}

/*
 * Keep the transport bits virtio_ring implements, minus what the parent
 * cannot do: notification data needs kick_vq_with_data, a queue reset
 * needs reset_vq.
 */
static int vv_finalize_features(struct virtio_device *vdev)
{
	struct vdpa_device *vdpa = vv_vdpa(vdev);
	bool ring_reset = __virtio_test_bit(vdev, VIRTIO_F_RING_RESET);

	vring_transport_features(vdev);
	if (!vdpa->config->kick_vq_with_data)
		__virtio_clear_bit(vdev, VIRTIO_F_NOTIFICATION_DATA);
	/* virtio_ring leaves the queue reset bit to the transport. */
	if (ring_reset && vdpa->config->reset_vq)
		__virtio_set_bit(vdev, VIRTIO_F_RING_RESET);

	return vdpa_set_features(vdpa, vdev->features);
}

static const char *vv_bus_name(struct virtio_device *vdev)
{
	return dev_name(&vv_vdpa(vdev)->dev);
}

/* ---- Callbacks from the parent ---- */

/*
 * Both callbacks run in an RCU read-side section: vv_synchronize_cbs()
 * and vv_del_vqs() wait for them with an RCU grace period (expedited in
 * vv_del_vqs()).
 */
static irqreturn_t vv_vq_interrupt(void *private)
{
	struct virtqueue *vq = private;
	irqreturn_t ret;

	rcu_read_lock();
	ret = vring_interrupt(0, vq);
	rcu_read_unlock();
	return ret;
}

static irqreturn_t vv_config_interrupt(void *private)
{
	struct virtio_vdpa_device *vv = private;

	rcu_read_lock();
	virtio_config_changed(&vv->vdev);
	schedule_work(&vv->status_work);
	rcu_read_unlock();
	return IRQ_HANDLED;
}

static void vv_status_work(struct work_struct *work)
{
	struct virtio_vdpa_device *vv = container_of(work, typeof(*vv),
						     status_work);

	if (!(vv_get_status(&vv->vdev) & VIRTIO_CONFIG_S_NEEDS_RESET))
		return;
	dev_warn(&vv->vdpa->dev, "device needs a reset: its virtqueues are broken until then\n");
	virtio_break_device(&vv->vdev);
}

static void vv_synchronize_cbs(struct virtio_device *vdev)
{
	synchronize_rcu();
}

/* Installs (@on) or removes the config change callback. */
static void vv_config_cb(struct virtio_vdpa_device *vv, bool on)
{
	struct vdpa_callback cb = {
		.callback = on ? vv_config_interrupt : NULL,
		.private = on ? vv : NULL,
	};

	vv->vdpa->config->set_config_cb(vv->vdpa, &cb);
}

/* ---- Notifications to the parent ---- */

static bool vv_notify(struct virtqueue *vq)
{
	struct vdpa_device *vdpa = vv_vdpa(vq->vdev);

	vdpa->config->kick_vq(vdpa, vq->index);
	return true;
}

static bool vv_notify_with_data(struct virtqueue *vq)
{
	struct vdpa_device *vdpa = vv_vdpa(vq->vdev);

	vdpa->config->kick_vq_with_data(vdpa, vring_notification_data(vq));
	return true;
}

/* ---- Virtqueues ---- */

/* The size the parent wants for queue @idx: its own, or the device's. */
static u32 vv_vq_size(struct vdpa_device *vdpa, u16 idx)
{
	const struct vdpa_config_ops *ops = vdpa->config;

	if (ops->get_vq_size)
		return ops->get_vq_size(vdpa, idx);
	return ops->get_vq_num_max(vdpa);
}

static u32 vv_vq_size_min(struct vdpa_device *vdpa)
{
	const struct vdpa_config_ops *ops = vdpa->config;

	return ops->get_vq_num_min ? max_t(u32, ops->get_vq_num_min(vdpa), 1) : 1;
}

static struct device *vv_vq_dma_dev(struct vdpa_device *vdpa, u16 idx)
{
	const struct vdpa_config_ops *ops = vdpa->config;

	if (ops->get_vq_dma_dev)
		return ops->get_vq_dma_dev(vdpa, idx);
	return vdpa_get_dma_dev(vdpa);
}

/* Whether queue @idx can be created at all; says why not. */
static int vv_vq_check(struct virtio_device *vdev, unsigned int idx)
{
	struct vdpa_device *vdpa = vv_vdpa(vdev);
	u32 num, min;

	if (idx >= vdpa->nvqs) {
		dev_err(&vdpa->dev, "driver wants queue %u, device has %u\n",
			idx, vdpa->nvqs);
		return -ENOENT;
	}
	if (vdpa->config->get_vq_ready(vdpa, idx)) {
		dev_err(&vdpa->dev, "queue %u is already enabled\n", idx);
		return -EBUSY;
	}
	num = vv_vq_size(vdpa, idx);
	min = vv_vq_size_min(vdpa);
	if (num < min) {
		dev_err(&vdpa->dev, "queue %u: size %u is below the minimum %u\n",
			idx, num, min);
		return -EINVAL;
	}
	if (!__virtio_test_bit(vdev, VIRTIO_F_RING_PACKED) &&
	    !is_power_of_2(num)) {
		dev_err(&vdpa->dev, "queue %u: split ring size %u is not a power of 2\n",
			idx, num);
		return -EINVAL;
	}
	return 0;
}

/* Removes queue @idx's callback: the parent forgets the virtqueue. */
static void vv_vq_clear_cb(struct vdpa_device *vdpa, u16 idx)
{
	struct vdpa_callback cb = {};

	vdpa->config->set_vq_cb(vdpa, idx, &cb);
}

/* Tells the parent where queue @vq lives, how big it is, whom to call. */
static int vv_vq_place(struct vdpa_device *vdpa, struct virtqueue *vq)
{
	const struct vdpa_config_ops *ops = vdpa->config;
	struct vdpa_callback cb = {
		.callback = vq->callback ? vv_vq_interrupt : NULL,
		.private = vq,
	};
	u16 idx = vq->index;
	int err;

	ops->set_vq_cb(vdpa, idx, &cb);
	ops->set_vq_num(vdpa, idx, virtqueue_get_vring_size(vq));
	err = ops->set_vq_address(vdpa, idx, virtqueue_get_desc_addr(vq),
				  virtqueue_get_avail_addr(vq),
				  virtqueue_get_used_addr(vq));
	if (err)
		dev_err(&vdpa->dev, "queue %u: setting its addresses failed: %d\n",
			idx, err);
	return err;
}

/* vv_vq_place(), and the queue starts from the beginning of the ring. */
static int vv_vq_program(struct vdpa_device *vdpa, struct virtqueue *vq)
{
	const struct vdpa_config_ops *ops = vdpa->config;
	struct vdpa_vq_state state = {};
	u16 idx = vq->index;
	int err;

	err = vv_vq_place(vdpa, vq);
	if (err)
		return err;
	if (__virtio_test_bit(vq->vdev, VIRTIO_F_RING_PACKED)) {
		state.packed.last_avail_counter = 1;
		state.packed.last_used_counter = 1;
	}
	err = ops->set_vq_state(vdpa, idx, &state);
	if (err)
		dev_err(&vdpa->dev, "queue %u: setting its state failed: %d\n",
			idx, err);
	return err;
}

/* Creates, programs and enables queue @idx. */
static struct virtqueue *vv_setup_vq(struct virtio_device *vdev,
				     unsigned int idx,
				     const struct virtqueue_info *info)
{
	struct vdpa_device *vdpa = vv_vdpa(vdev);
	const struct vdpa_config_ops *ops = vdpa->config;
	bool (*notify)(struct virtqueue *vq) = vv_notify;
	struct virtqueue *vq;
	u32 num, min;
	int err;

	err = vv_vq_check(vdev, idx);
	if (err)
		return ERR_PTR(err);
	if (__virtio_test_bit(vdev, VIRTIO_F_NOTIFICATION_DATA))
		notify = vv_notify_with_data;

	num = vv_vq_size(vdpa, idx);
	min = vv_vq_size_min(vdpa);
	vq = vring_create_virtqueue_dma(idx, num, ops->get_vq_align(vdpa),
					vdev, true, min < num, info->ctx,
					notify, info->callback, info->name,
					vv_vq_dma_dev(vdpa, idx));
	if (!vq) {
		dev_err(&vdpa->dev, "queue %u: no memory for a ring of %u\n",
			idx, num);
		return ERR_PTR(-ENOMEM);
	}
	vq->num_max = num;
	/* Short of memory, virtio_ring may have halved it below the minimum. */
	if (virtqueue_get_vring_size(vq) < min) {
		dev_err(&vdpa->dev, "queue %u: no memory for a ring of %u or more\n",
			idx, min);
		err = -ENOMEM;
		goto err_del_vring;
	}

	err = vv_vq_program(vdpa, vq);
	if (err)
		goto err_clear_cb;
	ops->set_vq_ready(vdpa, idx, true);
	/*
	 * set_vq_ready() cannot fail, but a parent may leave the queue
	 * disabled (short of memory, say): a driver must not wait on it.
	 */
	if (!ops->get_vq_ready(vdpa, idx)) {
		dev_err(&vdpa->dev, "queue %u: the device did not enable it\n",
			idx);
		err = -EIO;
		goto err_clear_cb;
	}
	return vq;

err_clear_cb:
	vv_vq_clear_cb(vdpa, idx);
err_del_vring:
	vring_del_virtqueue(vq);
	return ERR_PTR(err);
}

/* Disables queue @vq and makes the parent forget it. */
static void vv_stop_vq(struct vdpa_device *vdpa, struct virtqueue *vq)
{
	vdpa->config->set_vq_ready(vdpa, vq->index, false);
	if (vdpa->config->get_vq_ready(vdpa, vq->index))
		dev_warn(&vdpa->dev, "queue %u is still enabled after disabling it\n",
			 vq->index);
	vv_vq_clear_cb(vdpa, vq->index);
}

/*
 * VIRTIO_F_RING_RESET, first half: the parent resets the queue; callbacks
 * already running finish before virtio_ring recycles its buffers.
 */
static int vv_disable_vq_and_reset(struct virtqueue *vq)
{
	struct vdpa_device *vdpa = vv_vdpa(vq->vdev);
	int err;

	if (!__virtio_test_bit(vq->vdev, VIRTIO_F_RING_RESET))
		return -ENOENT;
	err = vdpa->config->reset_vq(vdpa, vq->index);
	if (err) {
		dev_err(&vdpa->dev, "queue %u: reset failed: %d\n",
			vq->index, err);
		return err;
	}
	synchronize_rcu();
	vq->reset = true;
	return 0;
}

/*
 * Second half: the ring virtio_ring (re)allocated is handed to the parent
 * from its beginning (the reset zeroed the position) and enabled.
 */
static int vv_enable_vq_after_reset(struct virtqueue *vq)
{
	struct vdpa_device *vdpa = vv_vdpa(vq->vdev);
	const struct vdpa_config_ops *ops = vdpa->config;
	int err;

	if (!vq->reset || ops->get_vq_ready(vdpa, vq->index))
		return -EBUSY;
	err = vv_vq_place(vdpa, vq);
	if (err)
		return err;
	ops->set_vq_ready(vdpa, vq->index, true);
	if (!ops->get_vq_ready(vdpa, vq->index)) {
		dev_err(&vdpa->dev, "queue %u: not enabled after its reset\n",
			vq->index);
		return -EIO;
	}
	vq->reset = false;
	return 0;
}

/*
 * Stops every queue and the config callback first, waits for callbacks
 * already running, and only then frees the rings.
 *
 * The wait is an expedited grace period. del_vqs runs when a device goes
 * away or its driver fails to probe, a management path taken once per
 * device, where a normal grace period (tens of milliseconds) was most of
 * the time ``vdpa dev del`` took. An expedited one costs the other CPUs
 * an interrupt each, which such a rare path can afford (unregistering a
 * network device does the same under the RTNL lock); a system booted
 * with rcupdate.rcu_normal=1 gets a normal one anyway. Deferring the
 * free past a grace period instead (call_rcu) would not do: the rings
 * live in memory mapped for the parent's DMA device, which may be gone
 * once remove returns.
 */
static void vv_del_vqs(struct virtio_device *vdev)
{
	struct virtio_vdpa_device *vv = to_vv(vdev);
	struct virtqueue *vq, *tmp;

	list_for_each_entry(vq, &vdev->vqs, list)
		vv_stop_vq(vv->vdpa, vq);
	vv_config_cb(vv, false);
	synchronize_rcu_expedited();
	cancel_work_sync(&vv->status_work);
	list_for_each_entry_safe(vq, tmp, &vdev->vqs, list)
		vring_del_virtqueue(vq);
}

/* ---- Interrupt affinity ---- */

/*
 * One CPU mask per entry of find_vqs()'s array: the pre and post vectors
 * of @desc may run anywhere, the others are spread over the CPUs, set by
 * set. Returns NULL when out of memory.
 */
static struct cpumask *vv_affinity_masks(unsigned int nvecs,
					 struct irq_affinity *desc)
{
	unsigned int reserved = desc->pre_vectors + desc->post_vectors;
	unsigned int spread = nvecs > reserved ? nvecs - reserved : 0;
	unsigned int set, i, next = desc->pre_vectors;
	struct cpumask *masks, *groups;

	if (desc->calc_sets) {
		desc->calc_sets(desc, spread);
	} else {
		desc->nr_sets = 1;
		desc->set_size[0] = spread;
	}
	masks = kcalloc(nvecs, sizeof(*masks), GFP_KERNEL);
	if (!masks)
		return NULL;
	for (i = 0; i < nvecs; i++)
		cpumask_setall(&masks[i]);

	for (set = 0; set < min(desc->nr_sets, IRQ_AFFINITY_MAX_SETS); set++) {
		unsigned int n = min(desc->set_size[set], nvecs - next);

		if (!n)
			continue;
		groups = group_cpus_evenly(n);
		if (!groups) {
			kfree(masks);
			return NULL;
		}
		for (i = 0; i < n; i++)
			cpumask_copy(&masks[next + i], &groups[i]);
		kfree(groups);
		next += n;
	}
	return masks;
}

static int vv_set_vq_affinity(struct virtqueue *vq,
			      const struct cpumask *cpu_mask)
{
	struct vdpa_device *vdpa = vv_vdpa(vq->vdev);

	if (!vdpa->config->set_vq_affinity)
		return -EOPNOTSUPP;
	return vdpa->config->set_vq_affinity(vdpa, vq->index, cpu_mask);
}

static const struct cpumask *vv_get_vq_affinity(struct virtio_device *vdev,
						int index)
{
	struct vdpa_device *vdpa = vv_vdpa(vdev);

	if (!vdpa->config->get_vq_affinity || index < 0 ||
	    index >= vdpa->nvqs)
		return NULL;
	return vdpa->config->get_vq_affinity(vdpa, index);
}

/* ---- find_vqs ---- */

/*
 * Creates the queues named in @vqs_info, numbered densely from 0 (entries
 * without a name get no queue and no number), and pins each to the CPU
 * mask of its entry when @masks is given.
 */
static int vv_create_vqs(struct virtio_device *vdev, unsigned int nvqs,
			 struct virtqueue *vqs[],
			 struct virtqueue_info vqs_info[],
			 const struct cpumask *masks)
{
	struct vdpa_device *vdpa = vv_vdpa(vdev);
	unsigned int i, idx = 0;
	struct virtqueue *vq;

	for (i = 0; i < nvqs; i++) {
		vqs[i] = NULL;
		if (!vqs_info[i].name)
			continue;
		vq = vv_setup_vq(vdev, idx++, &vqs_info[i]);
		if (IS_ERR(vq))
			return PTR_ERR(vq);
		if (masks)
			vdpa->config->set_vq_affinity(vdpa, vq->index, &masks[i]);
		vqs[i] = vq;
	}
	return 0;
}

static int vv_find_vqs(struct virtio_device *vdev, unsigned int nvqs,
		       struct virtqueue *vqs[],
		       struct virtqueue_info vqs_info[],
		       struct irq_affinity *desc)
{
	struct virtio_vdpa_device *vv = to_vv(vdev);
	struct cpumask *masks = NULL;
	int err;

	if (desc && vv->vdpa->config->set_vq_affinity) {
		masks = vv_affinity_masks(nvqs, desc);
		if (!masks)
			return -ENOMEM;
	}
	err = vv_create_vqs(vdev, nvqs, vqs, vqs_info, masks);
	if (err)
		goto err_del_vqs;
	vv_config_cb(vv, true);
	kfree(masks);
	return 0;

err_del_vqs:
	vv_del_vqs(vdev);
	kfree(masks);
	return err;
}

static const struct virtio_config_ops vv_config_ops = {
	.get			= vv_get,
	.set			= vv_set,
	.generation		= vv_generation,
	.get_status		= vv_get_status,
	.set_status		= vv_set_status,
	.reset			= vv_reset,
	.find_vqs		= vv_find_vqs,
	.del_vqs		= vv_del_vqs,
	.synchronize_cbs	= vv_synchronize_cbs,
	.get_features		= vv_get_features,
	.finalize_features	= vv_finalize_features,
	.bus_name		= vv_bus_name,
	.set_vq_affinity	= vv_set_vq_affinity,
	.get_vq_affinity	= vv_get_vq_affinity,
	.disable_vq_and_reset	= vv_disable_vq_and_reset,
	.enable_vq_after_reset	= vv_enable_vq_after_reset,
};

/* ---- The vDPA bus driver ---- */

static void vv_release(struct device *dev)
{
	kfree(to_vv(dev_to_virtio(dev)));
}

static int vv_probe(struct vdpa_device *vdpa)
{
	const struct vdpa_config_ops *ops = vdpa->config;
	struct virtio_vdpa_device *vv;
	u32 id = ops->get_device_id(vdpa);
	int err;

	if (!id) {
		dev_err(&vdpa->dev, "device id 0: not a virtio device\n");
		return -ENODEV;
	}
	vv = kzalloc(sizeof(*vv), GFP_KERNEL);
	if (!vv)
		return -ENOMEM;
	vv->vdpa = vdpa;
	INIT_WORK(&vv->status_work, vv_status_work);
	vv->vdev.dev.parent = vdpa_get_dma_dev(vdpa);
	vv->vdev.dev.release = vv_release;
	vv->vdev.config = &vv_config_ops;
	vv->vdev.id.device = id;
	vv->vdev.id.vendor = ops->get_vendor_id(vdpa);

	/* From here on the reference owns @vv: release frees it. */
	err = register_virtio_device(&vv->vdev);
	if (err)
		goto err_put;
	vdpa_set_drvdata(vdpa, vv);
	return 0;

err_put:
	dev_err(&vdpa->dev, "registering the virtio device failed: %d\n", err);
	put_device(&vv->vdev.dev);
	return err;
}

static void vv_remove(struct vdpa_device *vdpa)
{
	struct virtio_vdpa_device *vv = vdpa_get_drvdata(vdpa);

	unregister_virtio_device(&vv->vdev);
	vdpa_set_drvdata(vdpa, NULL);
	/* Whatever state the virtio driver left, the next driver finds none. */
	vdpa_reset(vdpa, 0);
}

static struct vdpa_driver vv_driver = {
	.driver.name	= "virtio_vdpa",
	.probe		= vv_probe,
	.remove		= vv_remove,
};
module_vdpa_driver(vv_driver);

MODULE_DESCRIPTION("vDPA bus driver presenting vDPA devices as virtio devices");
MODULE_LICENSE("GPL");
MODULE_VERSION(VDPA_OOT_VERSION);
