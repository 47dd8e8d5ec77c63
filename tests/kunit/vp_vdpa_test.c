// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for vp_vdpa's decisions that need no PCI function (QEMU 7.2,
 * the emulator of the tests, has no SR-IOV virtio device):
 *
 * vp_vdpa_net_check:   which "vdpa dev add" net attributes a function
 *                      honours, and the message of each refusal
 * vp_vdpa_sriov_check: when sriov_numvfs may enable or disable VFs
 * vp_vdpa_net_queues:  a net function's queue count, whatever num_queues
 *                      says before MQ is negotiated (QEMU's virtio-net)
 */

#include <kunit/test.h>
#include <linux/netlink.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <uapi/linux/vdpa.h>

#include "../../drivers/vp_vdpa/vp_vdpa.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

static const u8 fn_mac[ETH_ALEN] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x70 };
static const u8 other_mac[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 1 };

#define NET_FULL (BIT_ULL(VIRTIO_NET_F_MAC) | BIT_ULL(VIRTIO_NET_F_MTU) | \
		  BIT_ULL(VIRTIO_NET_F_MQ))
#define A_MAC BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MACADDR)
#define A_MTU BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MTU)
#define A_VQP BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MAX_VQP)

/**
 * struct net_case - one set of requested attributes against a function
 * @name: the case's name
 * @features: the function's features
 * @mask: the requested attributes
 * @mac: the requested MAC (fn_mac if false, other_mac if true)
 * @mtu: the requested MTU
 * @pairs: the requested max_vqp
 * @err: the expected result
 * @msg: a fragment of the expected extack message (NULL: none)
 */
struct net_case {
	const char *name;
	u64 features;
	u64 mask;
	bool mac;
	u16 mtu;
	u16 pairs;
	int err;
	const char *msg;
};

static const struct net_case net_cases[] = {
	{ "nothing requested", 0, 0, false, 0, 0, 0, NULL },
	{ "the function's own MAC", NET_FULL, A_MAC, false, 0, 0, 0, NULL },
	{ "another MAC", NET_FULL, A_MAC, true, 0, 0, -EOPNOTSUPP,
	  "MAC is 52:54:00:12:34:70 and cannot be changed" },
	{ "a MAC without VIRTIO_NET_F_MAC", BIT_ULL(VIRTIO_NET_F_MTU), A_MAC,
	  false, 0, 0, -EOPNOTSUPP, "no VIRTIO_NET_F_MAC" },
	{ "the function's MTU", NET_FULL, A_MTU, false, 1500, 0, 0, NULL },
	{ "another MTU", NET_FULL, A_MTU, false, 9000, 0, -EOPNOTSUPP,
	  "MTU is 1500 and cannot be changed" },
	{ "an MTU without VIRTIO_NET_F_MTU", BIT_ULL(VIRTIO_NET_F_MAC), A_MTU,
	  false, 1500, 0, -EOPNOTSUPP, "no VIRTIO_NET_F_MTU" },
	{ "its queue pairs", NET_FULL, A_VQP, false, 0, 4, 0, NULL },
	{ "fewer queue pairs", NET_FULL, A_VQP, false, 0, 2, -EOPNOTSUPP,
	  "has 4 queue pairs; max_vqp must be 4" },
	{ "all three, all its own", NET_FULL, A_MAC | A_MTU | A_VQP, false,
	  1500, 4, 0, NULL },
	{ "the first refusal is the one reported", NET_FULL,
	  A_MAC | A_MTU, true, 9000, 0, -EOPNOTSUPP, "MAC is" },
};

static void net_case_desc(const struct net_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(net, net_cases, net_case_desc);

static void vp_vdpa_net_check_test(struct kunit *test)
{
	const struct net_case *c = test->param_value;
	struct netlink_ext_ack extack = {};
	struct vp_vdpa_net_caps caps = {
		.features = c->features, .mtu = 1500, .pairs = 4,
	};
	struct vdpa_dev_set_config cfg = {
		.mask = c->mask, .extack = &extack,
	};

	memcpy(caps.mac, fn_mac, ETH_ALEN);
	memcpy(cfg.net.mac, c->mac ? other_mac : fn_mac, ETH_ALEN);
	cfg.net.mtu = c->mtu;
	cfg.net.max_vq_pairs = c->pairs;
	KUNIT_EXPECT_EQ(test, vp_vdpa_net_check(&caps, &cfg), c->err);
	if (!c->msg) {
		KUNIT_EXPECT_NULL(test, extack._msg);
		return;
	}
	KUNIT_ASSERT_NOT_NULL(test, extack._msg);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(extack._msg, c->msg),
				  "message: %s", extack._msg);
	KUNIT_EXPECT_TRUE(test, str_has_prefix(extack._msg, "vp_vdpa: "));
}

/* A NULL extack (a caller outside netlink) is no problem. */
static void vp_vdpa_net_check_no_extack(struct kunit *test)
{
	struct vp_vdpa_net_caps caps = { .features = NET_FULL, .mtu = 1500 };
	struct vdpa_dev_set_config cfg = { .mask = A_MTU };

	cfg.net.mtu = 1400;
	KUNIT_EXPECT_EQ(test, vp_vdpa_net_check(&caps, &cfg), -EOPNOTSUPP);
}

static void vp_vdpa_sriov_check_test(struct kunit *test)
{
	u64 sriov = BIT_ULL(VIRTIO_F_SR_IOV) | BIT_ULL(VIRTIO_F_VERSION_1);
	u64 plain = BIT_ULL(VIRTIO_F_VERSION_1);

	KUNIT_EXPECT_EQ(test, vp_vdpa_sriov_check(sriov, 4, false), 0);
	KUNIT_EXPECT_EQ(test, vp_vdpa_sriov_check(plain, 4, false),
			-EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, vp_vdpa_sriov_check(sriov, 0, false), 0);
	KUNIT_EXPECT_EQ(test, vp_vdpa_sriov_check(sriov, 0, true), -EPERM);
	/* Disabling never depends on the feature (a PF in any state). */
	KUNIT_EXPECT_EQ(test, vp_vdpa_sriov_check(plain, 0, false), 0);
}

/*
 * QEMU's virtio-net reports in num_queues the queues that exist: 3 after
 * a reset for a function of 2 pairs and a control queue, 5 once MQ is
 * accepted.
 */
static void vp_vdpa_net_queues_test(struct kunit *test)
{
	u64 mq = BIT_ULL(VIRTIO_NET_F_MQ), cvq = BIT_ULL(VIRTIO_NET_F_CTRL_VQ);
	struct vp_vdpa_net_caps caps = { .features = mq | cvq, .pairs = 2 };

	KUNIT_EXPECT_EQ(test, vp_vdpa_net_queues(&caps, 3), 5);
	KUNIT_EXPECT_EQ(test, vp_vdpa_net_queues(&caps, 5), 5);
	/* A device that reports more is taken at its word. */
	KUNIT_EXPECT_EQ(test, vp_vdpa_net_queues(&caps, 9), 9);
	caps.features = mq;
	KUNIT_EXPECT_EQ(test, vp_vdpa_net_queues(&caps, 2), 4);
	/* Without MQ, max_virtqueue_pairs means nothing. */
	caps.features = cvq;
	KUNIT_EXPECT_EQ(test, vp_vdpa_net_queues(&caps, 3), 3);
	/* The largest count the specification allows stays in a u16. */
	caps.features = mq | cvq;
	caps.pairs = 0x8000;
	KUNIT_EXPECT_EQ(test, vp_vdpa_net_queues(&caps, 3), U16_MAX);
}

static struct kunit_case vp_vdpa_cases[] = {
	KUNIT_CASE_PARAM(vp_vdpa_net_check_test, net_gen_params),
	KUNIT_CASE(vp_vdpa_net_check_no_extack),
	KUNIT_CASE(vp_vdpa_sriov_check_test),
	KUNIT_CASE(vp_vdpa_net_queues_test),
	{}
};

static struct kunit_suite vp_vdpa_suite = {
	.name = "vp_vdpa",
	.test_cases = vp_vdpa_cases,
};

kunit_test_suite(vp_vdpa_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for vp_vdpa's provisioning and SR-IOV checks");
