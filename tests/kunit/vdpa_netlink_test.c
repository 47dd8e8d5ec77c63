// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suites for the "vdpa" netlink family's validation and message
 * building (core/nl_parse.c, core/nl_msg.c).
 *
 * vdpa_nl_attrs:  vdpa_nl_check_attrs(): every request iproute2's vdpa
 *                 tool sends is accepted, and an attribute a command does
 *                 not take (any attribute in a dump) is refused with
 *                 -EINVAL, a "vdpa: ..." message and the extack pointing
 *                 at it.
 * vdpa_nl_parse:  vdpa_nl_parse_dev_config() on attributes built in an
 *                 skb and parsed back: every invalid combination with its
 *                 errno, its extack message ("vdpa: ...") and the
 *                 attribute the extack points at; valid combinations with
 *                 the resulting mask and fields.
 * vdpa_nl_config: vdpa_nl_put_config_fields() on hand-made net and block
 *                 config spaces, little and big endian: every attribute's
 *                 length and value read back from the skb, fields absent
 *                 without their feature bit, the block capacity always
 *                 present, the READ_ONLY/FLUSH flags, classes without a
 *                 decoder and a message too small.
 * vdpa_nl_driver: vdpa_nl_put_driver() on a root device with children
 *                 with and without a dev_t: nothing while no
 *                 driver is bound; once bound, the driver's name and one
 *                 nested attribute per child with a dev_t (name, major,
 *                 minor), in the order they were added; -EMSGSIZE when
 *                 the message is full.
 *
 * Dump resumption is not covered here: vdpa_nl_family is private to
 * vdpa.ko, so tests/e2e/35-netlink-dump.sh covers it end to end.
 */

#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/fs.h>
#include <linux/etherdevice.h>
#include <linux/unaligned.h>
#include <linux/vdpa.h>
#include <net/netlink.h>
#include <uapi/linux/vdpa.h>
#include <uapi/linux/vdpa_ext.h>
#include <uapi/linux/virtio_blk.h>
#include <uapi/linux/virtio_config.h>
#include <uapi/linux/virtio_ids.h>
#include <uapi/linux/virtio_net.h>

#include "../../core/vdpa_core.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

KUNIT_DEFINE_ACTION_WRAPPER(vnt_free_skb, kfree_skb, struct sk_buff *);

/* An skb freed when the test ends, with @size bytes of room. */
static struct sk_buff *vnt_skb(struct kunit *test, unsigned int size)
{
	struct sk_buff *skb = alloc_skb(size, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, vnt_free_skb, skb), 0);
	return skb;
}

/* Parses the attributes in @skb into @tb (VDPA_ATTR_MAX entries). */
static void vnt_parse(struct kunit *test, struct sk_buff *skb,
		      struct nlattr **tb)
{
	KUNIT_ASSERT_EQ(test, nla_parse_deprecated(tb, VDPA_ATTR_MAX - 1,
						   (struct nlattr *)skb->data,
						   skb->len, NULL, NULL), 0);
}

/* ---- vdpa_nl_attrs ---- */

#define VNT_A(a)		BIT_ULL(VDPA_ATTR_##a)
#define VNT_HANDLE		(VNT_A(MGMTDEV_BUS_NAME) | VNT_A(MGMTDEV_DEV_NAME))
#define VNT_DEV_CFG		(VNT_A(DEV_NET_CFG_MACADDR) | \
				 VNT_A(DEV_NET_CFG_MTU) | \
				 VNT_A(DEV_NET_CFG_MAX_VQP) | VNT_A(DEV_FEATURES))
#define VNT_CMD(c)		.cmd = VDPA_CMD_##c

/**
 * struct vnt_attrs_case - a request checked by vdpa_nl_check_attrs()
 * @desc: the request; the vdpa tool command line for those it sends
 *        (iproute2 6.1 unless marked newer)
 * @cmd: its command
 * @dump: whether it is a dump
 * @present: the attributes it carries, as BIT_ULL(VDPA_ATTR_*)
 * @bad_attr: for a refused request, the attribute extack must point at
 */
struct vnt_attrs_case {
	const char *desc;
	u8 cmd;
	bool dump;
	u64 present;
	int bad_attr;
};

static const struct vnt_attrs_case vnt_attrs_valid[] = {
	{ "vdpa mgmtdev show", VNT_CMD(MGMTDEV_GET), .dump = true },
	{ "vdpa mgmtdev show pci/0000:03:00.0", VNT_CMD(MGMTDEV_GET),
	  .present = VNT_HANDLE },
	{ "vdpa mgmtdev show vdpasim_net", VNT_CMD(MGMTDEV_GET),
	  .present = VNT_A(MGMTDEV_DEV_NAME) },
	{ "vdpa dev add name d0 mgmtdev vdpasim_net", VNT_CMD(DEV_NEW),
	  .present = VNT_A(DEV_NAME) | VNT_A(MGMTDEV_DEV_NAME) },
	{ "vdpa dev add name d0 mgmtdev pci/0000:03:00.0 mac M mtu N max_vqp N",
	  VNT_CMD(DEV_NEW), .present = VNT_A(DEV_NAME) | VNT_HANDLE |
	  VNT_A(DEV_NET_CFG_MACADDR) | VNT_A(DEV_NET_CFG_MTU) |
	  VNT_A(DEV_NET_CFG_MAX_VQP) },
	{ "vdpa dev add name d0 mgmtdev vdpasim_net device_features F (newer)",
	  VNT_CMD(DEV_NEW), .present = VNT_A(DEV_NAME) |
	  VNT_A(MGMTDEV_DEV_NAME) | VNT_A(DEV_FEATURES) },
	{ "vdpa dev del d0", VNT_CMD(DEV_DEL), .present = VNT_A(DEV_NAME) },
	{ "vdpa dev show", VNT_CMD(DEV_GET), .dump = true },
	{ "vdpa dev show d0", VNT_CMD(DEV_GET), .present = VNT_A(DEV_NAME) },
	{ "vdpa dev config show", VNT_CMD(DEV_CONFIG_GET), .dump = true },
	{ "vdpa dev config show d0", VNT_CMD(DEV_CONFIG_GET),
	  .present = VNT_A(DEV_NAME) },
	{ "vdpa dev vstats show d0 qidx 0", VNT_CMD(DEV_VSTATS_GET),
	  .present = VNT_A(DEV_NAME) | VNT_A(DEV_QUEUE_INDEX) },
	{ "vdpa dev set name d0 mac M (newer)", VNT_CMD(DEV_ATTR_SET),
	  .present = VNT_A(DEV_NAME) | VNT_A(DEV_NET_CFG_MACADDR) },
	{ "DEV_ATTR_SET of every config attribute", VNT_CMD(DEV_ATTR_SET),
	  .present = VNT_A(DEV_NAME) | VNT_DEV_CFG },
	{ "DEV_GET without DEV_NAME: a missing attribute is not refused here",
	  VNT_CMD(DEV_GET) },
};

static const struct vnt_attrs_case vnt_attrs_invalid[] = {
	{ "DEV_QUEUE_INDEX in DEV_NEW", VNT_CMD(DEV_NEW),
	  .present = VNT_A(DEV_NAME) | VNT_A(MGMTDEV_DEV_NAME) |
	  VNT_A(DEV_QUEUE_INDEX), .bad_attr = VDPA_ATTR_DEV_QUEUE_INDEX },
	{ "mtu in DEV_DEL", VNT_CMD(DEV_DEL),
	  .present = VNT_A(DEV_NAME) | VNT_A(DEV_NET_CFG_MTU),
	  .bad_attr = VDPA_ATTR_DEV_NET_CFG_MTU },
	{ "the lowest-numbered of two is blamed", VNT_CMD(DEV_DEL),
	  .present = VNT_A(DEV_NAME) | VNT_A(DEV_QUEUE_INDEX) |
	  VNT_A(DEV_NET_CFG_MTU), .bad_attr = VDPA_ATTR_DEV_NET_CFG_MTU },
	{ "the management device handle in DEV_GET", VNT_CMD(DEV_GET),
	  .present = VNT_A(DEV_NAME) | VNT_HANDLE,
	  .bad_attr = VDPA_ATTR_MGMTDEV_BUS_NAME },
	{ "DEV_NAME in MGMTDEV_GET", VNT_CMD(MGMTDEV_GET),
	  .present = VNT_A(DEV_NAME), .bad_attr = VDPA_ATTR_DEV_NAME },
	{ "mac in DEV_CONFIG_GET", VNT_CMD(DEV_CONFIG_GET),
	  .present = VNT_A(DEV_NAME) | VNT_A(DEV_NET_CFG_MACADDR),
	  .bad_attr = VDPA_ATTR_DEV_NET_CFG_MACADDR },
	{ "device_features in DEV_VSTATS_GET", VNT_CMD(DEV_VSTATS_GET),
	  .present = VNT_A(DEV_NAME) | VNT_A(DEV_QUEUE_INDEX) |
	  VNT_A(DEV_FEATURES), .bad_attr = VDPA_ATTR_DEV_FEATURES },
	{ "the management device name in DEV_ATTR_SET", VNT_CMD(DEV_ATTR_SET),
	  .present = VNT_A(DEV_NAME) | VNT_A(MGMTDEV_DEV_NAME) |
	  VNT_A(DEV_NET_CFG_MACADDR), .bad_attr = VDPA_ATTR_MGMTDEV_DEV_NAME },
	{ "DEV_QUEUE_INDEX in DEV_ATTR_SET", VNT_CMD(DEV_ATTR_SET),
	  .present = VNT_A(DEV_NAME) | VNT_A(DEV_QUEUE_INDEX),
	  .bad_attr = VDPA_ATTR_DEV_QUEUE_INDEX },
	{ "a reply attribute, DEV_ID, in DEV_NEW", VNT_CMD(DEV_NEW),
	  .present = VNT_A(DEV_NAME) | VNT_A(MGMTDEV_DEV_NAME) | VNT_A(DEV_ID),
	  .bad_attr = VDPA_ATTR_DEV_ID },
	{ "DEV_NAME in a DEV_GET dump", VNT_CMD(DEV_GET), .dump = true,
	  .present = VNT_A(DEV_NAME), .bad_attr = VDPA_ATTR_DEV_NAME },
	{ "DEV_NAME in a DEV_CONFIG_GET dump", VNT_CMD(DEV_CONFIG_GET),
	  .dump = true, .present = VNT_A(DEV_NAME),
	  .bad_attr = VDPA_ATTR_DEV_NAME },
	{ "the handle in a MGMTDEV_GET dump", VNT_CMD(MGMTDEV_GET),
	  .dump = true, .present = VNT_A(MGMTDEV_DEV_NAME),
	  .bad_attr = VDPA_ATTR_MGMTDEV_DEV_NAME },
	{ "MGMTDEV_NEW, a reply command, takes nothing", VNT_CMD(MGMTDEV_NEW),
	  .present = VNT_A(MGMTDEV_DEV_NAME),
	  .bad_attr = VDPA_ATTR_MGMTDEV_DEV_NAME },
	{ "a command past the last one takes nothing", .cmd = 200,
	  .present = VNT_A(DEV_NAME), .bad_attr = VDPA_ATTR_DEV_NAME },
};

KUNIT_ARRAY_PARAM_DESC(vnt_attrs_valid, vnt_attrs_valid, desc);
KUNIT_ARRAY_PARAM_DESC(vnt_attrs_invalid, vnt_attrs_invalid, desc);

/*
 * The parsed attributes of a request carrying @present: only whether an
 * entry is set matters to vdpa_nl_check_attrs(), and which one extack
 * points at.
 */
static struct nlattr **vnt_attrs(struct kunit *test, u64 present)
{
	struct nlattr **tb, *attrs;
	int type;

	tb = kunit_kcalloc(test, VDPA_ATTR_MAX, sizeof(*tb), GFP_KERNEL);
	attrs = kunit_kcalloc(test, VDPA_ATTR_MAX, sizeof(*attrs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tb);
	KUNIT_ASSERT_NOT_NULL(test, attrs);
	for (type = 0; type < VDPA_ATTR_MAX; type++)
		if (present & BIT_ULL(type))
			tb[type] = &attrs[type];
	return tb;
}

static void vdpa_nl_attrs_accepted(struct kunit *test)
{
	const struct vnt_attrs_case *c = test->param_value;
	struct nlattr **tb = vnt_attrs(test, c->present);
	struct netlink_ext_ack extack = {};

	KUNIT_EXPECT_EQ(test, vdpa_nl_check_attrs(c->cmd, c->dump, tb, &extack), 0);
	KUNIT_EXPECT_NULL(test, extack._msg);
	KUNIT_EXPECT_NULL(test, extack.bad_attr);
}

static void vdpa_nl_attrs_refused(struct kunit *test)
{
	const struct vnt_attrs_case *c = test->param_value;
	struct nlattr **tb = vnt_attrs(test, c->present);
	struct netlink_ext_ack extack = {};

	KUNIT_EXPECT_EQ(test, vdpa_nl_check_attrs(c->cmd, c->dump, tb, &extack),
			-EINVAL);
	KUNIT_ASSERT_NOT_NULL_MSG(test, extack._msg, "no extack message");
	KUNIT_EXPECT_TRUE_MSG(test, str_has_prefix(extack._msg, "vdpa: "),
			      "extack message \"%s\"", extack._msg);
	KUNIT_EXPECT_PTR_EQ(test, extack.bad_attr, tb[c->bad_attr]);
}

static struct kunit_case vdpa_nl_attrs_cases[] = {
	KUNIT_CASE_PARAM(vdpa_nl_attrs_accepted, vnt_attrs_valid_gen_params),
	KUNIT_CASE_PARAM(vdpa_nl_attrs_refused, vnt_attrs_invalid_gen_params),
	{}
};

static struct kunit_suite vdpa_nl_attrs_suite = {
	.name = "vdpa_nl_attrs",
	.test_cases = vdpa_nl_attrs_cases,
};

/* ---- vdpa_nl_parse ---- */

#define VNT_ATTR(a)		BIT_ULL(VDPA_ATTR_DEV_##a)
#define VNT_MAC			VNT_ATTR(NET_CFG_MACADDR)
#define VNT_MTU			VNT_ATTR(NET_CFG_MTU)
#define VNT_VQP			VNT_ATTR(NET_CFG_MAX_VQP)
#define VNT_FEAT		VNT_ATTR(FEATURES)
#define VNT_ALL_ATTRS		(VNT_MAC | VNT_MTU | VNT_VQP | VNT_FEAT)

#define VNT_F(f)		BIT_ULL(VIRTIO_NET_F_##f)
#define VNT_V1			BIT_ULL(VIRTIO_F_VERSION_1)
#define VNT_SUPPORTED		(VNT_V1 | VNT_F(MAC) | VNT_F(MTU) | \
				 VNT_F(STATUS) | VNT_F(CTRL_VQ) | VNT_F(MQ))

/* The management device of most cases: vdpa_test_parent's. */
#define VNT_MDEV		.attr_mask = VNT_ALL_ATTRS, \
				.supported = VNT_SUPPORTED, .max_vqs = 9

#define VNT_UNICAST		{ 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 }

/**
 * struct vnt_parse_case - one request checked by vdpa_nl_parse_dev_config()
 * @desc: what the case checks
 * @attr_mask: the management device's config_attr_mask
 * @supported: the management device's supported_features
 * @max_vqs: the management device's max_supported_vqs
 * @present: the attributes sent, as BIT_ULL(VDPA_ATTR_DEV_*)
 * @mac: the MAC sent
 * @mtu: the MTU sent
 * @max_vqp: the max_vqp sent
 * @features: the device_features sent
 * @err: the expected result
 * @bad_attr: on error, the attribute extack must point at
 */
struct vnt_parse_case {
	const char *desc;
	u64 attr_mask;
	u64 supported;
	u32 max_vqs;
	u64 present;
	u8 mac[ETH_ALEN];
	u16 mtu;
	u16 max_vqp;
	u64 features;
	int err;
	int bad_attr;
};

static const struct vnt_parse_case vnt_parse_invalid[] = {
	{ "mac outside config_attr_mask", .attr_mask = VNT_ALL_ATTRS & ~VNT_MAC,
	  .supported = VNT_SUPPORTED, .max_vqs = 9, .present = VNT_MAC,
	  .mac = VNT_UNICAST, .err = -EOPNOTSUPP,
	  .bad_attr = VDPA_ATTR_DEV_NET_CFG_MACADDR },
	{ "mtu outside config_attr_mask", .attr_mask = VNT_ALL_ATTRS & ~VNT_MTU,
	  .supported = VNT_SUPPORTED, .max_vqs = 9, .present = VNT_MTU,
	  .mtu = 1500, .err = -EOPNOTSUPP,
	  .bad_attr = VDPA_ATTR_DEV_NET_CFG_MTU },
	{ "max_vqp outside config_attr_mask",
	  .attr_mask = VNT_ALL_ATTRS & ~VNT_VQP, .supported = VNT_SUPPORTED,
	  .max_vqs = 9, .present = VNT_VQP, .max_vqp = 1, .err = -EOPNOTSUPP,
	  .bad_attr = VDPA_ATTR_DEV_NET_CFG_MAX_VQP },
	{ "device_features outside config_attr_mask",
	  .attr_mask = VNT_MAC | VNT_MTU | VNT_VQP, .supported = VNT_SUPPORTED,
	  .max_vqs = 9, .present = VNT_FEAT, .features = VNT_V1,
	  .err = -EOPNOTSUPP, .bad_attr = VDPA_ATTR_DEV_FEATURES },
	{ "only the attribute outside config_attr_mask is blamed",
	  .attr_mask = VNT_MAC, .supported = VNT_SUPPORTED, .max_vqs = 9,
	  .present = VNT_MAC | VNT_MTU, .mac = VNT_UNICAST, .mtu = 1500,
	  .err = -EOPNOTSUPP, .bad_attr = VDPA_ATTR_DEV_NET_CFG_MTU },
	{ "device_features bit outside supported_features", VNT_MDEV,
	  .present = VNT_FEAT, .features = VNT_V1 | VNT_F(CSUM),
	  .err = -EOPNOTSUPP, .bad_attr = VDPA_ATTR_DEV_FEATURES },
	{ "device_features bit 63 outside supported_features", VNT_MDEV,
	  .present = VNT_FEAT, .features = BIT_ULL(63), .err = -EOPNOTSUPP,
	  .bad_attr = VDPA_ATTR_DEV_FEATURES },
	{ "multicast mac", VNT_MDEV, .present = VNT_MAC,
	  .mac = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 }, .err = -EINVAL,
	  .bad_attr = VDPA_ATTR_DEV_NET_CFG_MACADDR },
	{ "broadcast mac", VNT_MDEV, .present = VNT_MAC,
	  .mac = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, .err = -EINVAL,
	  .bad_attr = VDPA_ATTR_DEV_NET_CFG_MACADDR },
	{ "all-zero mac", VNT_MDEV, .present = VNT_MAC, .err = -EINVAL,
	  .bad_attr = VDPA_ATTR_DEV_NET_CFG_MACADDR },
	{ "max_vqp 5 above 9 / 2", VNT_MDEV, .present = VNT_VQP,
	  .max_vqp = 5, .err = -ERANGE,
	  .bad_attr = VDPA_ATTR_DEV_NET_CFG_MAX_VQP },
	{ "max_vqp 4 above 7 / 2", .attr_mask = VNT_ALL_ATTRS,
	  .supported = VNT_SUPPORTED, .max_vqs = 7, .present = VNT_VQP,
	  .max_vqp = 4, .err = -ERANGE,
	  .bad_attr = VDPA_ATTR_DEV_NET_CFG_MAX_VQP },
	{ "max_vqp 65535", VNT_MDEV, .present = VNT_VQP, .max_vqp = 65535,
	  .err = -ERANGE, .bad_attr = VDPA_ATTR_DEV_NET_CFG_MAX_VQP },
	{ "mac with device_features lacking F_MAC", VNT_MDEV,
	  .present = VNT_MAC | VNT_FEAT, .mac = VNT_UNICAST,
	  .features = VNT_V1 | VNT_F(MTU) | VNT_F(MQ), .err = -EINVAL,
	  .bad_attr = VDPA_ATTR_DEV_NET_CFG_MACADDR },
	{ "mtu with device_features lacking F_MTU", VNT_MDEV,
	  .present = VNT_MTU | VNT_FEAT, .mtu = 9000,
	  .features = VNT_V1 | VNT_F(MAC) | VNT_F(MQ), .err = -EINVAL,
	  .bad_attr = VDPA_ATTR_DEV_NET_CFG_MTU },
	{ "max_vqp 2 with device_features lacking F_MQ", VNT_MDEV,
	  .present = VNT_VQP | VNT_FEAT, .max_vqp = 2,
	  .features = VNT_V1 | VNT_F(MAC) | VNT_F(MTU), .err = -EINVAL,
	  .bad_attr = VDPA_ATTR_DEV_NET_CFG_MAX_VQP },
	{ "mac allowed but mtu lacking F_MTU", VNT_MDEV,
	  .present = VNT_MAC | VNT_MTU | VNT_FEAT, .mac = VNT_UNICAST,
	  .mtu = 1500, .features = VNT_V1 | VNT_F(MAC), .err = -EINVAL,
	  .bad_attr = VDPA_ATTR_DEV_NET_CFG_MTU },
};

static const struct vnt_parse_case vnt_parse_valid[] = {
	{ "no attribute", VNT_MDEV },
	{ "mac alone", VNT_MDEV, .present = VNT_MAC, .mac = VNT_UNICAST },
	{ "mtu 68 alone, no feature check without device_features", VNT_MDEV,
	  .present = VNT_MTU, .mtu = ETH_MIN_MTU },
	{ "max_vqp at the limit, 9 / 2", VNT_MDEV, .present = VNT_VQP,
	  .max_vqp = 4 },
	{ "max_vqp 3 at the limit of 7 / 2", .attr_mask = VNT_ALL_ATTRS,
	  .supported = VNT_SUPPORTED, .max_vqs = 7, .present = VNT_VQP,
	  .max_vqp = 3 },
	{ "max_vqp 1 with device_features lacking F_MQ", VNT_MDEV,
	  .present = VNT_VQP | VNT_FEAT, .max_vqp = 1, .features = VNT_V1 },
	{ "device_features alone, a subset", VNT_MDEV, .present = VNT_FEAT,
	  .features = VNT_V1 | VNT_F(MAC) },
	{ "device_features 0", VNT_MDEV, .present = VNT_FEAT },
	{ "every attribute with the features they need", VNT_MDEV,
	  .present = VNT_ALL_ATTRS, .mac = VNT_UNICAST, .mtu = 9000,
	  .max_vqp = 4, .features = VNT_SUPPORTED },
	{ "mac and mtu with just their features", .attr_mask = VNT_ALL_ATTRS,
	  .supported = VNT_V1 | VNT_F(MAC) | VNT_F(MTU), .max_vqs = 2,
	  .present = VNT_MAC | VNT_MTU | VNT_FEAT, .mac = VNT_UNICAST,
	  .mtu = 65535, .features = VNT_F(MAC) | VNT_F(MTU) },
};

KUNIT_ARRAY_PARAM_DESC(vnt_parse_invalid, vnt_parse_invalid, desc);
KUNIT_ARRAY_PARAM_DESC(vnt_parse_valid, vnt_parse_valid, desc);

/* Puts the attributes of @c in an skb and returns them parsed. */
static struct nlattr **vnt_request(struct kunit *test,
				   const struct vnt_parse_case *c)
{
	struct sk_buff *skb = vnt_skb(test, NLMSG_DEFAULT_SIZE);
	struct nlattr **tb;

	tb = kunit_kcalloc(test, VDPA_ATTR_MAX, sizeof(*tb), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tb);
	if (c->present & VNT_MAC)
		KUNIT_ASSERT_EQ(test, nla_put(skb, VDPA_ATTR_DEV_NET_CFG_MACADDR,
					      ETH_ALEN, c->mac), 0);
	if (c->present & VNT_MTU)
		KUNIT_ASSERT_EQ(test, nla_put_u16(skb, VDPA_ATTR_DEV_NET_CFG_MTU,
						  c->mtu), 0);
	if (c->present & VNT_VQP)
		KUNIT_ASSERT_EQ(test, nla_put_u16(skb, VDPA_ATTR_DEV_NET_CFG_MAX_VQP,
						  c->max_vqp), 0);
	if (c->present & VNT_FEAT)
		KUNIT_ASSERT_EQ(test, nla_put_u64_64bit(skb, VDPA_ATTR_DEV_FEATURES,
							c->features,
							VDPA_ATTR_PAD), 0);
	vnt_parse(test, skb, tb);
	return tb;
}

static int vnt_run_parse(struct kunit *test, const struct vnt_parse_case *c,
			 struct nlattr **tb, struct vdpa_dev_set_config *cfg,
			 struct netlink_ext_ack *extack)
{
	struct vdpa_mgmt_dev mdev = {
		.config_attr_mask = c->attr_mask,
		.supported_features = c->supported,
		.max_supported_vqs = c->max_vqs,
	};

	memset(cfg, 0xa5, sizeof(*cfg));
	memset(extack, 0, sizeof(*extack));
	return vdpa_nl_parse_dev_config(tb, &mdev, cfg, extack);
}

static void vdpa_nl_parse_refused(struct kunit *test)
{
	const struct vnt_parse_case *c = test->param_value;
	struct nlattr **tb = vnt_request(test, c);
	struct netlink_ext_ack extack;
	struct vdpa_dev_set_config cfg;

	KUNIT_EXPECT_EQ(test, vnt_run_parse(test, c, tb, &cfg, &extack), c->err);
	KUNIT_ASSERT_NOT_NULL_MSG(test, extack._msg, "no extack message");
	KUNIT_EXPECT_TRUE_MSG(test, str_has_prefix(extack._msg, "vdpa: "),
			      "extack message \"%s\"", extack._msg);
	KUNIT_EXPECT_PTR_EQ(test, extack.bad_attr, tb[c->bad_attr]);
}

static void vdpa_nl_parse_accepted(struct kunit *test)
{
	const struct vnt_parse_case *c = test->param_value;
	struct nlattr **tb = vnt_request(test, c);
	struct netlink_ext_ack extack;
	struct vdpa_dev_set_config cfg;

	KUNIT_ASSERT_EQ(test, vnt_run_parse(test, c, tb, &cfg, &extack), 0);
	KUNIT_EXPECT_NULL(test, extack._msg);
	KUNIT_EXPECT_EQ(test, cfg.mask, c->present);
	if (c->present & VNT_MAC)
		KUNIT_EXPECT_MEMEQ(test, cfg.net.mac, c->mac, ETH_ALEN);
	if (c->present & VNT_MTU)
		KUNIT_EXPECT_EQ(test, cfg.net.mtu, c->mtu);
	if (c->present & VNT_VQP)
		KUNIT_EXPECT_EQ(test, cfg.net.max_vq_pairs, c->max_vqp);
	if (c->present & VNT_FEAT)
		KUNIT_EXPECT_EQ(test, cfg.device_features, c->features);
}

/* The same attribute set is refused by one mgmtdev and taken by another. */
static void vdpa_nl_parse_depends_on_mgmtdev(struct kunit *test)
{
	struct vnt_parse_case c = { VNT_MDEV, .present = VNT_VQP, .max_vqp = 8 };
	struct nlattr **tb = vnt_request(test, &c);
	struct netlink_ext_ack extack;
	struct vdpa_dev_set_config cfg;

	KUNIT_EXPECT_EQ(test, vnt_run_parse(test, &c, tb, &cfg, &extack), -ERANGE);
	c.max_vqs = 17;
	KUNIT_EXPECT_EQ(test, vnt_run_parse(test, &c, tb, &cfg, &extack), 0);
	KUNIT_EXPECT_EQ(test, cfg.net.max_vq_pairs, 8);
}

static struct kunit_case vdpa_nl_parse_cases[] = {
	KUNIT_CASE_PARAM(vdpa_nl_parse_refused, vnt_parse_invalid_gen_params),
	KUNIT_CASE_PARAM(vdpa_nl_parse_accepted, vnt_parse_valid_gen_params),
	KUNIT_CASE(vdpa_nl_parse_depends_on_mgmtdev),
	{}
};

static struct kunit_suite vdpa_nl_parse_suite = {
	.name = "vdpa_nl_parse",
	.test_cases = vdpa_nl_parse_cases,
};

/* ---- vdpa_nl_config ---- */

/**
 * struct vnt_field - a config space field and the attribute expected for it
 * @attr: the attribute
 * @feature: the feature bit it needs, or -1 when always present
 * @offset: its offset in the config space
 * @len: its width, which is also the attribute's payload length
 * @value: the value written (a MAC is written as its 6 low bytes, in
 *         network order, whatever the byte order of the case)
 */
struct vnt_field {
	u16 attr;
	s8 feature;
	u16 offset;
	u8 len;
	u64 value;
};

/* The widths are those Documentation/netlink.rst gives the attributes. */
#define VNT_NET(a, f, m, len, v) { VDPA_ATTR_DEV_NET_##a, VIRTIO_NET_F_##f, \
	offsetof(struct virtio_net_config, m), len, v }
#define VNT_BLK(a, f, m, len, v) { VDPA_ATTR_DEV_BLK_CFG_##a, f, \
	offsetof(struct virtio_blk_config, m), len, v }

/* Every byte of every value differs, so a byte-order mix-up shows. */
static const struct vnt_field vnt_net_fields[] = {
	VNT_NET(CFG_MACADDR, MAC, mac, 6, 0x02a1b2c3d4e5),
	VNT_NET(STATUS, STATUS, status, 2, 0x0102),
	VNT_NET(CFG_MAX_VQP, MQ, max_virtqueue_pairs, 2, 0x0304),
	VNT_NET(CFG_MTU, MTU, mtu, 2, 0x0506),
};

static const struct vnt_field vnt_blk_fields[] = {
	VNT_BLK(CAPACITY, -1, capacity, 8, 0x1112131415161718),
	VNT_BLK(SIZE_MAX, VIRTIO_BLK_F_SIZE_MAX, size_max, 4, 0x21222324),
	VNT_BLK(SEG_MAX, VIRTIO_BLK_F_SEG_MAX, seg_max, 4, 0x25262728),
	VNT_BLK(BLK_SIZE, VIRTIO_BLK_F_BLK_SIZE, blk_size, 4, 0x292a2b2c),
	VNT_BLK(NUM_QUEUES, VIRTIO_BLK_F_MQ, num_queues, 2, 0x3132),
	VNT_BLK(PHY_BLK_EXP, VIRTIO_BLK_F_TOPOLOGY, physical_block_exp, 1,
		0x41),
	VNT_BLK(ALIGN_OFFSET, VIRTIO_BLK_F_TOPOLOGY, alignment_offset, 1,
		0x42),
	VNT_BLK(MIN_IO_SIZE, VIRTIO_BLK_F_TOPOLOGY, min_io_size, 2, 0x4344),
	VNT_BLK(OPT_IO_SIZE, VIRTIO_BLK_F_TOPOLOGY, opt_io_size, 4,
		0x45464748),
	VNT_BLK(MAX_DISCARD_SEC, VIRTIO_BLK_F_DISCARD, max_discard_sectors, 4,
		0x51525354),
	VNT_BLK(MAX_DISCARD_SEG, VIRTIO_BLK_F_DISCARD, max_discard_seg, 4,
		0x55565758),
	VNT_BLK(DISCARD_SEC_ALIGN, VIRTIO_BLK_F_DISCARD,
		discard_sector_alignment, 4, 0x595a5b5c),
	VNT_BLK(MAX_WRITE_ZEROES_SEC, VIRTIO_BLK_F_WRITE_ZEROES,
		max_write_zeroes_sectors, 4, 0x61626364),
	VNT_BLK(MAX_WRITE_ZEROES_SEG, VIRTIO_BLK_F_WRITE_ZEROES,
		max_write_zeroes_seg, 4, 0x65666768),
};

/* Block features reported as a u8 attribute set to 1. */
static const struct {
	u16 attr;
	u8 feature;
} vnt_blk_flags[] = {
	{ VDPA_ATTR_DEV_BLK_READ_ONLY, VIRTIO_BLK_F_RO },
	{ VDPA_ATTR_DEV_BLK_FLUSH, VIRTIO_BLK_F_FLUSH },
};

#define VNT_B(f)		BIT_ULL(VIRTIO_BLK_F_##f)
#define VNT_NET_ALL		(VNT_F(MAC) | VNT_F(STATUS) | VNT_F(MQ) | \
				 VNT_F(MTU) | VNT_F(CTRL_VQ))
#define VNT_BLK_ALL		(VNT_B(SIZE_MAX) | VNT_B(SEG_MAX) | \
				 VNT_B(BLK_SIZE) | VNT_B(MQ) | \
				 VNT_B(TOPOLOGY) | VNT_B(DISCARD) | \
				 VNT_B(WRITE_ZEROES) | VNT_B(RO) | \
				 VNT_B(FLUSH))

/**
 * struct vnt_config_case - one config space decoded
 * @desc: what the case checks
 * @device_id: the virtio device ID
 * @features: the features of the view
 * @little_endian: the byte order of the view
 * @nattrs: the number of attributes expected
 */
struct vnt_config_case {
	const char *desc;
	u32 device_id;
	u64 features;
	bool little_endian;
	unsigned int nattrs;
};

static const struct vnt_config_case vnt_config_cases[] = {
	{ "net, every field, little endian", VIRTIO_ID_NET,
	  VNT_V1 | VNT_NET_ALL, true, 4 },
	{ "net, every field, big endian", VIRTIO_ID_NET, VNT_NET_ALL, false, 4 },
	{ "net, no field feature, little endian", VIRTIO_ID_NET,
	  VNT_V1 | VNT_F(CTRL_VQ), true, 0 },
	{ "net, mac and mtu only, big endian", VIRTIO_ID_NET,
	  VNT_F(MAC) | VNT_F(MTU), false, 2 },
	{ "net, status and mq only, little endian", VIRTIO_ID_NET,
	  VNT_V1 | VNT_F(STATUS) | VNT_F(MQ), true, 2 },
	{ "block, every field and flag, little endian", VIRTIO_ID_BLOCK,
	  VNT_V1 | VNT_BLK_ALL, true, 16 },
	{ "block, every field and flag, big endian", VIRTIO_ID_BLOCK,
	  VNT_BLK_ALL, false, 16 },
	{ "block, no feature: capacity only, little endian", VIRTIO_ID_BLOCK,
	  VNT_V1, true, 1 },
	{ "block, no feature: capacity only, big endian", VIRTIO_ID_BLOCK,
	  0, false, 1 },
	{ "block, topology and read-only, big endian", VIRTIO_ID_BLOCK,
	  VNT_B(TOPOLOGY) | VNT_B(RO), false, 6 },
	{ "block, discard, write zeroes and flush, little endian",
	  VIRTIO_ID_BLOCK, VNT_V1 | VNT_B(DISCARD) | VNT_B(WRITE_ZEROES) |
	  VNT_B(FLUSH), true, 7 },
	{ "console: no decoder, no attribute", VIRTIO_ID_CONSOLE,
	  VNT_V1 | BIT_ULL(0), true, 0 },
};

KUNIT_ARRAY_PARAM_DESC(vnt_config, vnt_config_cases, desc);

static void vnt_fields_of(u32 device_id, const struct vnt_field **fields,
			  unsigned int *n)
{
	*fields = NULL;
	*n = 0;
	if (device_id == VIRTIO_ID_NET) {
		*fields = vnt_net_fields;
		*n = ARRAY_SIZE(vnt_net_fields);
	} else if (device_id == VIRTIO_ID_BLOCK) {
		*fields = vnt_blk_fields;
		*n = ARRAY_SIZE(vnt_blk_fields);
	}
}

/* Writes @f's value at its offset in @buf, in the byte order asked for. */
static void vnt_write_field(u8 *buf, const struct vnt_field *f, bool le)
{
	unsigned int i, shift;

	for (i = 0; i < f->len; i++) {
		/* A MAC is a byte string: first byte most significant. */
		if (f->attr == VDPA_ATTR_DEV_NET_CFG_MACADDR || !le)
			shift = 8 * (f->len - 1 - i);
		else
			shift = 8 * i;
		buf[f->offset + i] = f->value >> shift;
	}
}

static struct vdpa_cfg_view *vnt_view(struct kunit *test,
				      const struct vnt_config_case *c)
{
	struct vdpa_cfg_view *view;
	const struct vnt_field *fields;
	unsigned int i, n;

	view = kunit_kzalloc(test, sizeof(*view), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, view);
	view->features = c->features;
	view->little_endian = c->little_endian;
	vnt_fields_of(c->device_id, &fields, &n);
	for (i = 0; i < n; i++)
		vnt_write_field((u8 *)&view->buf, &fields[i], c->little_endian);
	return view;
}

static u64 vnt_attr_value(const struct nlattr *attr)
{
	switch (nla_len(attr)) {
	case 1:
		return nla_get_u8(attr);
	case 2:
		return nla_get_u16(attr);
	case 4:
		return nla_get_u32(attr);
	case 8:
		return nla_get_u64(attr);
	default:
		/* The MAC, read as a big-endian number like it was written. */
		return get_unaligned_be48(nla_data(attr));
	}
}

static void vnt_check_field(struct kunit *test, struct nlattr **tb,
			    const struct vnt_field *f, u64 features)
{
	bool want = f->feature < 0 || (features & BIT_ULL(f->feature));
	const struct nlattr *attr = tb[f->attr];

	if (!want) {
		KUNIT_EXPECT_NULL_MSG(test, attr, "attribute %u", f->attr);
		return;
	}
	KUNIT_ASSERT_NOT_NULL_MSG(test, attr, "attribute %u", f->attr);
	KUNIT_EXPECT_EQ_MSG(test, nla_len(attr), f->len, "attribute %u", f->attr);
	KUNIT_EXPECT_EQ_MSG(test, vnt_attr_value(attr), f->value,
			    "attribute %u", f->attr);
}

static void vnt_check_blk_flags(struct kunit *test, struct nlattr **tb,
				u64 features)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vnt_blk_flags); i++) {
		const struct nlattr *attr = tb[vnt_blk_flags[i].attr];

		if (!(features & BIT_ULL(vnt_blk_flags[i].feature))) {
			KUNIT_EXPECT_NULL(test, attr);
			continue;
		}
		KUNIT_ASSERT_NOT_NULL(test, attr);
		KUNIT_EXPECT_EQ(test, nla_len(attr), 1);
		KUNIT_EXPECT_EQ(test, nla_get_u8(attr), 1);
	}
}

/* Attributes in @skb, padding left out. */
static unsigned int vnt_count_attrs(struct sk_buff *skb)
{
	const struct nlattr *attr;
	unsigned int n = 0;
	int rem;

	nla_for_each_attr(attr, (struct nlattr *)skb->data, skb->len, rem)
		n += nla_type(attr) != VDPA_ATTR_PAD;
	return n;
}

static void vdpa_nl_config_fields(struct kunit *test)
{
	const struct vnt_config_case *c = test->param_value;
	struct vdpa_cfg_view *view = vnt_view(test, c);
	struct sk_buff *skb = vnt_skb(test, NLMSG_DEFAULT_SIZE);
	const struct vnt_field *fields;
	struct nlattr **tb;
	unsigned int i, n;

	tb = kunit_kcalloc(test, VDPA_ATTR_MAX, sizeof(*tb), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tb);
	KUNIT_ASSERT_EQ(test, vdpa_nl_put_config_fields(skb, c->device_id, view), 0);
	vnt_parse(test, skb, tb);
	KUNIT_EXPECT_EQ(test, vnt_count_attrs(skb), c->nattrs);

	vnt_fields_of(c->device_id, &fields, &n);
	for (i = 0; i < n; i++)
		vnt_check_field(test, tb, &fields[i], c->features);
	if (c->device_id == VIRTIO_ID_BLOCK)
		vnt_check_blk_flags(test, tb, c->features);
}

/* A message with room for the capacity only gets -EMSGSIZE. */
static void vdpa_nl_config_msgsize(struct kunit *test)
{
	static const struct vnt_config_case c = {
		"block, every field", VIRTIO_ID_BLOCK, VNT_V1 | VNT_BLK_ALL, true,
	};
	struct vdpa_cfg_view *view = vnt_view(test, &c);
	struct sk_buff *skb = vnt_skb(test, 64);

	KUNIT_ASSERT_GE(test, skb_tailroom(skb), 16);
	skb_put(skb, skb_tailroom(skb) - 16);
	KUNIT_EXPECT_EQ(test, vdpa_nl_put_config_fields(skb, c.device_id, view),
			-EMSGSIZE);
}

static struct kunit_case vdpa_nl_config_cases[] = {
	KUNIT_CASE_PARAM(vdpa_nl_config_fields, vnt_config_gen_params),
	KUNIT_CASE(vdpa_nl_config_msgsize),
	{}
};

static struct kunit_suite vdpa_nl_config_suite = {
	.name = "vdpa_nl_config",
	.test_cases = vdpa_nl_config_cases,
};

/* ---- vdpa_nl_driver ---- */

#define VNT_CDEV_MINORS	2

/* A device standing for a vDPA device, a fake driver, a chardev region. */
struct vnt_bind {
	struct device *dev;
	struct device_driver driver;
	dev_t devt;
};

KUNIT_DEFINE_ACTION_WRAPPER(vnt_unregister_root, root_device_unregister,
			    struct device *);

static void vnt_unregister_region(void *data)
{
	struct vnt_bind *b = data;

	unregister_chrdev_region(b->devt, VNT_CDEV_MINORS);
}

static void vnt_child_release(struct device *child)
{
	kfree(child);
}

KUNIT_DEFINE_ACTION_WRAPPER(vnt_unregister_child, device_unregister,
			    struct device *);

/* Adds a child of @b's device, with dev_t @devt unless it is 0. */
static void vnt_add_child(struct kunit *test, struct vnt_bind *b,
			  const char *name, dev_t devt)
{
	struct device *child = kzalloc(sizeof(*child), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, child);
	device_initialize(child);
	child->parent = b->dev;
	child->devt = devt;
	child->release = vnt_child_release;
	if (dev_set_name(child, "%s", name) || device_add(child)) {
		put_device(child);
		KUNIT_FAIL_AND_ABORT(test, "cannot add child %s", name);
	}
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, vnt_unregister_child,
							child), 0);
}

/*
 * A device with children: a character device at minor 1, one without a
 * dev_t, another character device at minor 0. No driver bound yet.
 */
static struct vnt_bind *vnt_bind_setup(struct kunit *test)
{
	struct vnt_bind *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, b);
	b->driver.name = "vnt_fake_driver";
	/*
	 * Not kunit_device_register(): its device comes bound to a driver
	 * of its own, which must not be replaced by hand.
	 */
	b->dev = root_device_register("vdpa_nl_test");
	KUNIT_ASSERT_FALSE(test, IS_ERR(b->dev));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, vnt_unregister_root,
							b->dev), 0);
	KUNIT_ASSERT_EQ(test, alloc_chrdev_region(&b->devt, 0, VNT_CDEV_MINORS,
						  "vnt"), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, vnt_unregister_region,
							b), 0);
	vnt_add_child(test, b, "vnt-cdev-1", MKDEV(MAJOR(b->devt), 1));
	vnt_add_child(test, b, "vnt-plain", 0);
	vnt_add_child(test, b, "vnt-cdev-0", b->devt);
	return b;
}

static void vnt_set_driver(struct device *dev, struct device_driver *drv)
{
	device_lock(dev);
	dev->driver = drv;
	device_unlock(dev);
}

static void vnt_unbind(void *data)
{
	vnt_set_driver(data, NULL);
}

/*
 * Pretends @b's driver is bound (the driver core is bypassed; only the
 * pointer vdpa_nl_put_driver() reads is set), undone before the children
 * and the device go.
 */
static void vnt_bind(struct kunit *test, struct vnt_bind *b)
{
	vnt_set_driver(b->dev, &b->driver);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, vnt_unbind, b->dev),
			0);
}

static void vnt_check_chardev(struct kunit *test, const struct nlattr *nest,
			      const char *name, dev_t devt)
{
	struct nlattr *tb[VDPA_EXT_CHARDEV_ATTR_MAX + 1];

	KUNIT_ASSERT_EQ(test, nla_type(nest), VDPA_EXT_ATTR_DEV_CHARDEV);
	KUNIT_EXPECT_TRUE(test, nest->nla_type & NLA_F_NESTED);
	KUNIT_ASSERT_EQ(test, nla_parse_nested(tb, VDPA_EXT_CHARDEV_ATTR_MAX,
					       nest, NULL, NULL), 0);
	KUNIT_ASSERT_NOT_NULL(test, tb[VDPA_EXT_CHARDEV_ATTR_NAME]);
	KUNIT_EXPECT_STREQ(test, (char *)nla_data(tb[VDPA_EXT_CHARDEV_ATTR_NAME]),
			   name);
	KUNIT_ASSERT_NOT_NULL(test, tb[VDPA_EXT_CHARDEV_ATTR_MAJOR]);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[VDPA_EXT_CHARDEV_ATTR_MAJOR]),
			MAJOR(devt));
	KUNIT_ASSERT_NOT_NULL(test, tb[VDPA_EXT_CHARDEV_ATTR_MINOR]);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[VDPA_EXT_CHARDEV_ATTR_MINOR]),
			MINOR(devt));
}

/* Unbound: nothing, whatever children the device has. */
static void vdpa_nl_driver_unbound(struct kunit *test)
{
	struct vnt_bind *b = vnt_bind_setup(test);
	struct sk_buff *skb = vnt_skb(test, NLMSG_DEFAULT_SIZE);

	KUNIT_EXPECT_EQ(test, vdpa_nl_put_driver(skb, b->dev), 0);
	KUNIT_EXPECT_EQ(test, skb->len, 0);
}

/* Bound: the driver, then the two character devices in order, no more. */
static void vdpa_nl_driver_bound(struct kunit *test)
{
	struct vnt_bind *b = vnt_bind_setup(test);
	struct sk_buff *skb = vnt_skb(test, NLMSG_DEFAULT_SIZE);
	const struct nlattr *attr, *seen[4] = {};
	unsigned int n = 0;
	int rem;

	vnt_bind(test, b);
	KUNIT_ASSERT_EQ(test, vdpa_nl_put_driver(skb, b->dev), 0);
	nla_for_each_attr(attr, (struct nlattr *)skb->data, skb->len, rem) {
		if (n < ARRAY_SIZE(seen))
			seen[n] = attr;
		n++;
	}
	KUNIT_EXPECT_EQ(test, rem, 0);
	KUNIT_ASSERT_EQ(test, n, 3);
	KUNIT_EXPECT_EQ(test, nla_type(seen[0]), VDPA_EXT_ATTR_DEV_DRIVER);
	KUNIT_EXPECT_STREQ(test, (char *)nla_data(seen[0]), "vnt_fake_driver");
	vnt_check_chardev(test, seen[1], "vnt-cdev-1", MKDEV(MAJOR(b->devt), 1));
	vnt_check_chardev(test, seen[2], "vnt-cdev-0", b->devt);
}

/* A message with room for the driver's name only gets -EMSGSIZE. */
static void vdpa_nl_driver_msgsize(struct kunit *test)
{
	struct vnt_bind *b = vnt_bind_setup(test);
	struct sk_buff *skb = vnt_skb(test, 64);

	vnt_bind(test, b);
	KUNIT_ASSERT_GE(test, skb_tailroom(skb), 24);
	skb_put(skb, skb_tailroom(skb) - 24);
	KUNIT_EXPECT_EQ(test, vdpa_nl_put_driver(skb, b->dev), -EMSGSIZE);
}

static struct kunit_case vdpa_nl_driver_cases[] = {
	KUNIT_CASE(vdpa_nl_driver_unbound),
	KUNIT_CASE(vdpa_nl_driver_bound),
	KUNIT_CASE(vdpa_nl_driver_msgsize),
	{}
};

static struct kunit_suite vdpa_nl_driver_suite = {
	.name = "vdpa_nl_driver",
	.test_cases = vdpa_nl_driver_cases,
};

kunit_test_suites(&vdpa_nl_attrs_suite, &vdpa_nl_parse_suite,
		  &vdpa_nl_config_suite, &vdpa_nl_driver_suite);

MODULE_DESCRIPTION("KUnit tests for the vdpa netlink family");
MODULE_LICENSE("GPL");
