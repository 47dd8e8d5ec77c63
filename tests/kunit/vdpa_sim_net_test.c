// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suites for the simulated network device's control commands and
 * receive filter (sim/net/cvq.c), driven on a bare state without rings.
 *
 * vdpa_sim_net_ctrl:   every control command, valid and malformed: the
 *                      ack, and the whole state afterwards compared with
 *                      the expected one (a refused command changes
 *                      nothing).
 * vdpa_sim_net_filter: the receive decision for unicast (own, other, in
 *                      the table), broadcast and multicast frames under
 *                      each receive mode, and for VLAN-tagged frames.
 * vdpa_sim_net_reset:  the state after reset.
 */

#include <kunit/test.h>
#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/module.h>
#include <linux/string.h>
#include <uapi/linux/virtio_config.h>
#include "../../sim/net/net.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define F(x)		BIT_ULL(VIRTIO_NET_F_##x)
/* Every control feature; cases take some away. */
#define ALL_CTRL	(F(CTRL_VQ) | F(CTRL_RX) | F(CTRL_RX_EXTRA) | \
			 F(CTRL_VLAN) | F(CTRL_MAC_ADDR) | F(MQ) | \
			 F(GUEST_ANNOUNCE) | BIT_ULL(VIRTIO_F_VERSION_1))
#define MAX_VQP		4

static const u8 own_mac[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0x01 };
static const u8 other_mac[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0x02 };
static const u8 mcast_mac[ETH_ALEN] = { 0x01, 0x00, 0x5e, 0, 0, 0x01 };
static const u8 mcast2_mac[ETH_ALEN] = { 0x33, 0x33, 0, 0, 0, 0x01 };
static const u8 bcast_mac[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static struct vdpasim_net_state *new_state(struct kunit *test, u64 features)
{
	struct vdpasim_net_state *st = kunit_kzalloc(test, sizeof(*st),
						     GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, st);
	vdpasim_net_state_reset(st, own_mac, MAX_VQP, true);
	st->features = features;
	return st;
}

/* ---- vdpa_sim_net_ctrl ---- */

/*
 * A MAC TABLE_SET: counts as claimed and entries actually present, for
 * each table; no_multi leaves the multicast table out, extra adds bytes.
 */
struct table_spec {
	bool on;
	u32 uni_claim, uni_have;
	u32 multi_claim, multi_have;
	bool no_multi;
	unsigned int extra;
};

/* A change of state, as a case's setup or as what a command must do. */
enum st_op {
	ST_NONE,
	ST_PROMISC,
	ST_NO_PROMISC,
	ST_NO_ALLMULTI,
	ST_ALLUNI,
	ST_NOMULTI,
	ST_NOUNI,
	ST_NOBCAST,
	ST_MAC_OTHER,
	ST_VLAN_0,
	ST_VLAN_100,
	ST_NO_VLAN_100,
	ST_VLAN_4095,
	ST_PAIRS_2,
	ST_PAIRS_4,
	ST_ANNOUNCE,
	ST_NO_ANNOUNCE,
	ST_TABLES,
};

struct ctrl_case {
	const char *desc;
	u64 features;
	u8 class;
	u8 cmd;
	u8 data[8];
	size_t len;
	struct table_spec tbl;
	bool has16;			/* data is v16, little endian */
	u16 v16;
	enum st_op setup;
	virtio_net_ctrl_ack ack;
	enum st_op expect;		/* the change an OK makes */
};

static void uni_entry(u8 *mac, u32 i)
{
	u8 addr[ETH_ALEN] = { 0x02, 0, 0, 0, 0x10, i };

	ether_addr_copy(mac, addr);
}

static void multi_entry(u8 *mac, u32 i)
{
	u8 addr[ETH_ALEN] = { 0x01, 0x00, 0x5e, 0, 0x10, i };

	ether_addr_copy(mac, addr);
}

static size_t put_table(u8 *p, u32 claim, u32 have,
			void (*entry)(u8 *mac, u32 i))
{
	__le32 n = cpu_to_le32(claim);
	u32 i;

	memcpy(p, &n, sizeof(n));
	for (i = 0; i < have; i++)
		entry(p + sizeof(n) + i * ETH_ALEN, i);
	return sizeof(n) + have * ETH_ALEN;
}

static size_t build_table(u8 *buf, const struct table_spec *t)
{
	size_t len = put_table(buf, t->uni_claim, t->uni_have, uni_entry);

	if (!t->no_multi)
		len += put_table(buf + len, t->multi_claim, t->multi_have,
				 multi_entry);
	memset(buf + len, 0, t->extra);
	return len + t->extra;
}

/* What a successful TABLE_SET leaves in the tables. */
static void expect_table(struct vdpasim_net_state *st,
			 const struct table_spec *t)
{
	u32 i;

	memset(st->uni, 0, sizeof(st->uni));
	memset(st->multi, 0, sizeof(st->multi));
	st->uni_count = t->uni_have;
	st->multi_count = t->multi_have;
	for (i = 0; i < t->uni_have; i++)
		uni_entry(st->uni[i], i);
	for (i = 0; i < t->multi_have; i++)
		multi_entry(st->multi[i], i);
}

static void fill_tables(struct vdpasim_net_state *st)
{
	const struct table_spec t = { .uni_have = 3, .multi_have = 2 };

	expect_table(st, &t);
}

static void st_apply(struct vdpasim_net_state *st, enum st_op op)
{
	switch (op) {
	case ST_NONE:
		break;
	case ST_PROMISC:
	case ST_NO_PROMISC:
		st->promisc = op == ST_PROMISC;
		break;
	case ST_NO_ALLMULTI:
		st->allmulti = false;
		break;
	case ST_ALLUNI:
		st->alluni = true;
		break;
	case ST_NOMULTI:
		st->nomulti = true;
		break;
	case ST_NOUNI:
		st->nouni = true;
		break;
	case ST_NOBCAST:
		st->nobcast = true;
		break;
	case ST_MAC_OTHER:
		ether_addr_copy(st->mac, other_mac);
		break;
	case ST_VLAN_0:
		set_bit(0, st->vlans);
		break;
	case ST_VLAN_100:
	case ST_NO_VLAN_100:
		assign_bit(100, st->vlans, op == ST_VLAN_100);
		break;
	case ST_VLAN_4095:
		set_bit(4095, st->vlans);
		break;
	case ST_PAIRS_2:
	case ST_PAIRS_4:
		st->curr_vqp = op == ST_PAIRS_2 ? 2 : 4;
		break;
	case ST_ANNOUNCE:
		st->status |= VIRTIO_NET_S_ANNOUNCE;
		break;
	case ST_NO_ANNOUNCE:
		st->status &= ~VIRTIO_NET_S_ANNOUNCE;
		break;
	case ST_TABLES:
		fill_tables(st);
		break;
	}
}

#define RX_N(c, v, n)	.class = VIRTIO_NET_CTRL_RX, .cmd = VIRTIO_NET_CTRL_RX_##c, \
			.data = { v }, .len = (n)
#define RX(c, v)	RX_N(c, v, 1)
#define MAC(c)		.class = VIRTIO_NET_CTRL_MAC, .cmd = VIRTIO_NET_CTRL_MAC_##c
#define VLAN_N(c, vid, n) \
			.class = VIRTIO_NET_CTRL_VLAN, .cmd = VIRTIO_NET_CTRL_VLAN_##c, \
			.has16 = true, .v16 = (vid), .len = (n)
#define VLAN(c, vid)	VLAN_N(c, vid, 2)
#define MQ_N(pairs, n)	.class = VIRTIO_NET_CTRL_MQ, .cmd = VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, \
			.has16 = true, .v16 = (pairs), .len = (n)
#define MQ(pairs)	MQ_N(pairs, 2)
#define ANNOUNCE	.class = VIRTIO_NET_CTRL_ANNOUNCE, .cmd = VIRTIO_NET_CTRL_ANNOUNCE_ACK
#define OK		.ack = VIRTIO_NET_OK
#define ERR		.ack = VIRTIO_NET_ERR
#define TBL(...)	MAC(TABLE_SET), .tbl = { .on = true, __VA_ARGS__ }
#define ADDR_N(n, ...)	MAC(ADDR_SET), .data = { __VA_ARGS__ }, .len = (n)
#define ADDR(...)	ADDR_N(ETH_ALEN, __VA_ARGS__)

static const struct ctrl_case ctrl_cases[] = {
	/* VIRTIO_NET_CTRL_RX */
	{ "promisc on", ALL_CTRL, RX(PROMISC, 1), OK, .expect = ST_PROMISC },
	{ "promisc off", ALL_CTRL, RX(PROMISC, 0), .setup = ST_PROMISC, OK,
	  .expect = ST_NO_PROMISC },
	{ "promisc: any non-zero byte is on", ALL_CTRL, RX(PROMISC, 0x80), OK,
	  .expect = ST_PROMISC },
	{ "allmulti off", ALL_CTRL, RX(ALLMULTI, 0), OK,
	  .expect = ST_NO_ALLMULTI },
	{ "alluni on", ALL_CTRL, RX(ALLUNI, 1), OK, .expect = ST_ALLUNI },
	{ "nomulti on", ALL_CTRL, RX(NOMULTI, 1), OK, .expect = ST_NOMULTI },
	{ "nouni on", ALL_CTRL, RX(NOUNI, 1), OK, .expect = ST_NOUNI },
	{ "nobcast on", ALL_CTRL, RX(NOBCAST, 1), OK, .expect = ST_NOBCAST },
	{ "promisc without data", ALL_CTRL, RX_N(PROMISC, 1, 0), ERR },
	{ "promisc with 2 bytes", ALL_CTRL, RX_N(PROMISC, 1, 2), ERR },
	{ "promisc without CTRL_RX", ALL_CTRL & ~F(CTRL_RX), RX(PROMISC, 1), ERR },
	{ "alluni without CTRL_RX_EXTRA", ALL_CTRL & ~F(CTRL_RX_EXTRA),
	  RX(ALLUNI, 1), ERR },
	{ "nobcast without CTRL_RX_EXTRA", ALL_CTRL & ~F(CTRL_RX_EXTRA),
	  RX(NOBCAST, 1), ERR },
	{ "allmulti needs no CTRL_RX_EXTRA", ALL_CTRL & ~F(CTRL_RX_EXTRA),
	  RX(ALLMULTI, 0), OK, .expect = ST_NO_ALLMULTI },
	{ "unknown rx command 6", ALL_CTRL, .class = VIRTIO_NET_CTRL_RX,
	  .cmd = 6, .data = { 1 }, .len = 1, ERR },
	{ "promisc without CTRL_VQ", ALL_CTRL & ~F(CTRL_VQ), RX(PROMISC, 1), ERR },

	/* VIRTIO_NET_CTRL_MAC */
	{ "addr set", ALL_CTRL, ADDR(0x02, 0, 0, 0, 0, 0x02), OK,
	  .expect = ST_MAC_OTHER },
	{ "addr set, 5 bytes", ALL_CTRL, ADDR_N(5, 0x02, 0, 0, 0, 0, 0x02),
	  ERR },
	{ "addr set, 7 bytes", ALL_CTRL, ADDR_N(7, 0x02, 0, 0, 0, 0, 0x02, 0),
	  ERR },
	{ "addr set, multicast address", ALL_CTRL,
	  ADDR(0x01, 0, 0x5e, 0, 0, 1), ERR },
	{ "addr set, zero address", ALL_CTRL, ADDR(0, 0, 0, 0, 0, 0), ERR },
	{ "addr set without CTRL_MAC_ADDR", ALL_CTRL & ~F(CTRL_MAC_ADDR),
	  ADDR(0x02, 0, 0, 0, 0, 0x02), ERR },
	{ "table set 2 unicast, 1 multicast", ALL_CTRL,
	  TBL(.uni_claim = 2, .uni_have = 2, .multi_claim = 1,
	      .multi_have = 1), OK },
	{ "table set, both tables full (64 + 64)", ALL_CTRL,
	  TBL(.uni_claim = 64, .uni_have = 64, .multi_claim = 64,
	      .multi_have = 64), OK },
	{ "table set, both empty, clears the tables", ALL_CTRL, TBL(),
	  .setup = ST_TABLES, OK },
	{ "table set, 65 unicast entries", ALL_CTRL,
	  TBL(.uni_claim = 65, .uni_have = 65), ERR },
	{ "table set, 65 multicast entries", ALL_CTRL,
	  TBL(.multi_claim = 65, .multi_have = 65), ERR },
	{ "table set, unicast count beyond the data", ALL_CTRL,
	  TBL(.uni_claim = 3, .uni_have = 2, .no_multi = true), ERR },
	{ "table set, multicast count beyond the data", ALL_CTRL,
	  TBL(.uni_claim = 1, .uni_have = 1, .multi_claim = 2,
	      .multi_have = 1), ERR },
	{ "table set, huge unicast count", ALL_CTRL,
	  TBL(.uni_claim = 0xffffffff, .no_multi = true), ERR },
	{ "table set, no multicast table", ALL_CTRL,
	  TBL(.uni_claim = 1, .uni_have = 1, .no_multi = true), ERR },
	{ "table set, trailing byte", ALL_CTRL, TBL(.extra = 1), ERR },
	{ "table set, 3 bytes", ALL_CTRL, MAC(TABLE_SET), .len = 3, ERR },
	{ "table set, refused one leaves the tables", ALL_CTRL,
	  TBL(.uni_claim = 65, .uni_have = 65), .setup = ST_TABLES, ERR },
	{ "table set without CTRL_RX", ALL_CTRL & ~F(CTRL_RX),
	  TBL(.uni_claim = 1, .uni_have = 1), ERR },
	{ "unknown mac command 2", ALL_CTRL, .class = VIRTIO_NET_CTRL_MAC,
	  .cmd = 2, ERR },

	/* VIRTIO_NET_CTRL_VLAN */
	{ "vlan add 100", ALL_CTRL, VLAN(ADD, 100), OK, .expect = ST_VLAN_100 },
	{ "vlan add 0", ALL_CTRL, VLAN(ADD, 0), OK, .expect = ST_VLAN_0 },
	{ "vlan add 4095", ALL_CTRL, VLAN(ADD, 4095), OK,
	  .expect = ST_VLAN_4095 },
	{ "vlan add 4096", ALL_CTRL, VLAN(ADD, 4096), ERR },
	{ "vlan add 0xffff", ALL_CTRL, VLAN(ADD, 0xffff), ERR },
	{ "vlan del 100", ALL_CTRL, VLAN(DEL, 100), .setup = ST_VLAN_100, OK,
	  .expect = ST_NO_VLAN_100 },
	{ "vlan del 4096", ALL_CTRL, VLAN(DEL, 4096), .setup = ST_VLAN_100,
	  ERR },
	{ "vlan add, 1 byte", ALL_CTRL, VLAN_N(ADD, 100, 1), ERR },
	{ "vlan add, 3 bytes", ALL_CTRL, VLAN_N(ADD, 100, 3), ERR },
	{ "vlan add without CTRL_VLAN", ALL_CTRL & ~F(CTRL_VLAN),
	  VLAN(ADD, 100), ERR },
	{ "unknown vlan command 2", ALL_CTRL, .class = VIRTIO_NET_CTRL_VLAN,
	  .cmd = 2, .data = { 100 }, .len = 2, ERR },

	/* VIRTIO_NET_CTRL_MQ */
	{ "pairs 2", ALL_CTRL, MQ(2), OK, .expect = ST_PAIRS_2 },
	{ "pairs 4 (max_vqp)", ALL_CTRL, MQ(MAX_VQP), OK,
	  .expect = ST_PAIRS_4 },
	{ "pairs 0", ALL_CTRL, MQ(0), ERR },
	{ "pairs 5 (above max_vqp)", ALL_CTRL, MQ(MAX_VQP + 1), ERR },
	{ "pairs 0x8000", ALL_CTRL, MQ(0x8000), ERR },
	{ "pairs, 1 byte", ALL_CTRL, MQ_N(2, 1), ERR },
	{ "pairs without MQ", ALL_CTRL & ~F(MQ), MQ(2), ERR },
	{ "mq rss config (not offered)", ALL_CTRL, .class = VIRTIO_NET_CTRL_MQ,
	  .cmd = VIRTIO_NET_CTRL_MQ_RSS_CONFIG, .data = { 2 }, .len = 2, ERR },

	/* VIRTIO_NET_CTRL_ANNOUNCE */
	{ "announce ack", ALL_CTRL, ANNOUNCE, .setup = ST_ANNOUNCE, OK,
	  .expect = ST_NO_ANNOUNCE },
	{ "announce ack with nothing to ack", ALL_CTRL, ANNOUNCE, OK },
	{ "announce ack with data", ALL_CTRL, ANNOUNCE, .len = 1,
	  .setup = ST_ANNOUNCE, ERR },
	{ "announce ack without GUEST_ANNOUNCE", ALL_CTRL & ~F(GUEST_ANNOUNCE),
	  ANNOUNCE, .setup = ST_ANNOUNCE, ERR },
	{ "unknown announce command 1", ALL_CTRL,
	  .class = VIRTIO_NET_CTRL_ANNOUNCE, .cmd = 1, .setup = ST_ANNOUNCE,
	  ERR },

	/* Unknown classes */
	{ "guest offloads class (not offered)", ALL_CTRL,
	  .class = VIRTIO_NET_CTRL_GUEST_OFFLOADS, .cmd = 0, .len = 8, ERR },
	{ "class 200", ALL_CTRL, .class = 200, .cmd = 0, ERR },
};

KUNIT_ARRAY_PARAM_DESC(ctrl, ctrl_cases, desc);

static void ctrl_test(struct kunit *test)
{
	const struct ctrl_case *c = test->param_value;
	struct vdpasim_net_state *st = new_state(test, c->features);
	struct vdpasim_net_state *exp;
	size_t len = c->len;
	const u8 *data = c->data;
	u8 *buf;

	st_apply(st, c->setup);
	exp = kunit_kzalloc(test, sizeof(*exp), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, exp);
	memcpy(exp, st, sizeof(*st));
	if (c->has16) {
		__le16 v = cpu_to_le16(c->v16);

		buf = kunit_kzalloc(test, sizeof(c->data), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, buf);
		memcpy(buf, &v, sizeof(v));
		data = buf;
	}
	if (c->tbl.on) {
		buf = kunit_kzalloc(test, 2 * VDPASIM_NET_CTRL_DATA_MAX,
				    GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, buf);
		len = build_table(buf, &c->tbl);
		data = buf;
	}

	KUNIT_EXPECT_EQ(test, vdpasim_net_ctrl(st, c->class, c->cmd, data, len),
			c->ack);

	if (c->ack == VIRTIO_NET_OK && c->tbl.on)
		expect_table(exp, &c->tbl);
	if (c->ack == VIRTIO_NET_OK)
		st_apply(exp, c->expect);
	KUNIT_EXPECT_MEMEQ(test, st, exp, sizeof(*st));
}

/* Several commands in a row build on each other. */
static void ctrl_sequence_test(struct kunit *test)
{
	struct vdpasim_net_state *st = new_state(test, ALL_CTRL);
	u8 on = 1, off = 0;
	__le16 vid = cpu_to_le16(42);

	KUNIT_EXPECT_EQ(test, vdpasim_net_ctrl(st, VIRTIO_NET_CTRL_RX,
					       VIRTIO_NET_CTRL_RX_PROMISC,
					       &on, 1), VIRTIO_NET_OK);
	KUNIT_EXPECT_EQ(test, vdpasim_net_ctrl(st, VIRTIO_NET_CTRL_RX,
					       VIRTIO_NET_CTRL_RX_ALLMULTI,
					       &off, 1), VIRTIO_NET_OK);
	KUNIT_EXPECT_EQ(test, vdpasim_net_ctrl(st, VIRTIO_NET_CTRL_VLAN,
					       VIRTIO_NET_CTRL_VLAN_ADD,
					       &vid, 2), VIRTIO_NET_OK);
	KUNIT_EXPECT_EQ(test, vdpasim_net_ctrl(st, VIRTIO_NET_CTRL_RX,
					       VIRTIO_NET_CTRL_RX_PROMISC,
					       &off, 1), VIRTIO_NET_OK);
	KUNIT_EXPECT_FALSE(test, st->promisc);
	KUNIT_EXPECT_FALSE(test, st->allmulti);
	KUNIT_EXPECT_EQ(test, bitmap_weight(st->vlans, VLAN_N_VID), 1);
	KUNIT_EXPECT_TRUE(test, test_bit(42, st->vlans));
}

static struct kunit_case ctrl_test_cases[] = {
	KUNIT_CASE_PARAM(ctrl_test, ctrl_gen_params),
	KUNIT_CASE(ctrl_sequence_test),
	{}
};

static struct kunit_suite ctrl_suite = {
	.name = "vdpa_sim_net_ctrl",
	.test_cases = ctrl_test_cases,
};

/* ---- vdpa_sim_net_filter ---- */

enum {
	M_PROMISC = BIT(0),
	M_NO_ALLMULTI = BIT(1),
	M_ALLUNI = BIT(2),
	M_NOMULTI = BIT(3),
	M_NOUNI = BIT(4),
	M_NOBCAST = BIT(5),
};

struct filter_case {
	const char *desc;
	unsigned int modes;
	bool ctrl_vlan;			/* VIRTIO_NET_F_CTRL_VLAN negotiated */
	const u8 *uni_entry;		/* in the unicast table */
	const u8 *multi_entry;		/* in the multicast table */
	int table_vid;			/* in the VLAN table, or -1 */
	const u8 *dest;
	int vid;			/* tagged with it, or -1 */
	size_t len;			/* bytes given (0: the whole header) */
	bool accept;
};

#define NOVLAN	.table_vid = -1, .vid = -1

static const struct filter_case filter_cases[] = {
	/* Defaults: own unicast, broadcast, all multicast */
	{ "own unicast", 0, NOVLAN, .dest = own_mac, .accept = true },
	{ "other unicast", 0, NOVLAN, .dest = other_mac, .accept = false },
	{ "broadcast", 0, NOVLAN, .dest = bcast_mac, .accept = true },
	{ "multicast (allmulti by default)", 0, NOVLAN, .dest = mcast_mac,
	  .accept = true },
	/* Tables */
	{ "other unicast in the table", 0, NOVLAN, .uni_entry = other_mac,
	  .dest = other_mac, .accept = true },
	{ "multicast, allmulti off, not in the table", M_NO_ALLMULTI, NOVLAN,
	  .multi_entry = mcast2_mac, .dest = mcast_mac, .accept = false },
	{ "multicast, allmulti off, in the table", M_NO_ALLMULTI, NOVLAN,
	  .multi_entry = mcast_mac, .dest = mcast_mac, .accept = true },
	{ "multicast entry does not admit unicast", M_NO_ALLMULTI, NOVLAN,
	  .multi_entry = other_mac, .dest = other_mac, .accept = false },
	{ "broadcast, allmulti off", M_NO_ALLMULTI, NOVLAN, .dest = bcast_mac,
	  .accept = true },
	/* Modes */
	{ "promisc: other unicast", M_PROMISC, NOVLAN, .dest = other_mac,
	  .accept = true },
	{ "promisc wins over nouni", M_PROMISC | M_NOUNI, NOVLAN,
	  .dest = own_mac, .accept = true },
	{ "promisc wins over nobcast", M_PROMISC | M_NOBCAST, NOVLAN,
	  .dest = bcast_mac, .accept = true },
	{ "promisc wins over nomulti", M_PROMISC | M_NOMULTI, NOVLAN,
	  .dest = mcast_mac, .accept = true },
	{ "alluni: other unicast", M_ALLUNI, NOVLAN, .dest = other_mac,
	  .accept = true },
	{ "alluni: multicast still by its own rules", M_ALLUNI | M_NO_ALLMULTI,
	  NOVLAN, .dest = mcast_mac, .accept = false },
	{ "nouni: own unicast", M_NOUNI, NOVLAN, .dest = own_mac,
	  .accept = false },
	{ "nouni wins over alluni", M_NOUNI | M_ALLUNI, NOVLAN,
	  .dest = other_mac, .accept = false },
	{ "nouni wins over the table", M_NOUNI, NOVLAN, .uni_entry = other_mac,
	  .dest = other_mac, .accept = false },
	{ "nouni: broadcast still", M_NOUNI, NOVLAN, .dest = bcast_mac,
	  .accept = true },
	{ "nomulti: multicast", M_NOMULTI, NOVLAN, .dest = mcast_mac,
	  .accept = false },
	{ "nomulti wins over the table", M_NOMULTI | M_NO_ALLMULTI, NOVLAN,
	  .multi_entry = mcast_mac, .dest = mcast_mac, .accept = false },
	{ "nomulti: broadcast still", M_NOMULTI, NOVLAN, .dest = bcast_mac,
	  .accept = true },
	{ "nomulti: own unicast still", M_NOMULTI, NOVLAN, .dest = own_mac,
	  .accept = true },
	{ "nobcast: broadcast", M_NOBCAST, NOVLAN, .dest = bcast_mac,
	  .accept = false },
	{ "nobcast: multicast still", M_NOBCAST, NOVLAN, .dest = mcast_mac,
	  .accept = true },
	/* VLAN */
	{ "vlan 100 not in the table", 0, .ctrl_vlan = true, .table_vid = -1,
	  .dest = own_mac, .vid = 100, .accept = false },
	{ "vlan 100 in the table", 0, .ctrl_vlan = true, .table_vid = 100,
	  .dest = own_mac, .vid = 100, .accept = true },
	{ "vlan 101, 100 in the table", 0, .ctrl_vlan = true,
	  .table_vid = 100, .dest = own_mac, .vid = 101, .accept = false },
	{ "vlan in the table, other unicast", 0, .ctrl_vlan = true,
	  .table_vid = 100, .dest = other_mac, .vid = 100, .accept = false },
	{ "vlan, broadcast not in the table", 0, .ctrl_vlan = true,
	  .table_vid = -1, .dest = bcast_mac, .vid = 7, .accept = false },
	{ "vlan without CTRL_VLAN: not filtered", 0, .table_vid = -1,
	  .dest = own_mac, .vid = 100, .accept = true },
	{ "untagged with CTRL_VLAN: not filtered", 0, .ctrl_vlan = true,
	  .table_vid = -1, .dest = own_mac, .vid = -1, .accept = true },
	{ "promisc: vlan not in the table", M_PROMISC, .ctrl_vlan = true,
	  .table_vid = -1, .dest = own_mac, .vid = 100, .accept = true },
	{ "vid is the low 12 bits of the TCI", 0, .ctrl_vlan = true,
	  .table_vid = 5, .dest = own_mac, .vid = 0xe005, .accept = true },
	/* Short frames */
	{ "13 bytes", 0, NOVLAN, .dest = own_mac, .len = 13, .accept = false },
	{ "14 bytes", 0, NOVLAN, .dest = own_mac, .len = ETH_HLEN,
	  .accept = true },
	{ "tagged, cut at 14 bytes", 0, .ctrl_vlan = true, .table_vid = 100,
	  .dest = own_mac, .vid = 100, .len = ETH_HLEN, .accept = false },
};

KUNIT_ARRAY_PARAM_DESC(filter, filter_cases, desc);

static void apply_modes(struct vdpasim_net_state *st, unsigned int modes)
{
	st->promisc = modes & M_PROMISC;
	st->allmulti = !(modes & M_NO_ALLMULTI);
	st->alluni = modes & M_ALLUNI;
	st->nomulti = modes & M_NOMULTI;
	st->nouni = modes & M_NOUNI;
	st->nobcast = modes & M_NOBCAST;
}

static void filter_test(struct kunit *test)
{
	const struct filter_case c = *(const struct filter_case *)test->param_value;
	u64 features = ALL_CTRL & ~(c.ctrl_vlan ? 0 : F(CTRL_VLAN));
	struct vdpasim_net_state *st = new_state(test, features);
	u8 frame[VLAN_ETH_HLEN] = {};
	size_t len = ETH_HLEN;

	apply_modes(st, c.modes);
	if (c.uni_entry)
		ether_addr_copy(st->uni[st->uni_count++], c.uni_entry);
	if (c.multi_entry)
		ether_addr_copy(st->multi[st->multi_count++], c.multi_entry);
	if (c.table_vid >= 0)
		set_bit(c.table_vid, st->vlans);

	ether_addr_copy(frame, c.dest);
	ether_addr_copy(frame + ETH_ALEN, other_mac);
	if (c.vid >= 0) {
		struct vlan_ethhdr *veth = (struct vlan_ethhdr *)frame;

		veth->h_vlan_proto = htons(ETH_P_8021Q);
		veth->h_vlan_TCI = htons(c.vid);
		veth->h_vlan_encapsulated_proto = htons(ETH_P_IP);
		len = VLAN_ETH_HLEN;
	} else {
		((struct ethhdr *)frame)->h_proto = htons(ETH_P_IP);
	}
	if (c.len)
		len = c.len;

	KUNIT_EXPECT_EQ(test, vdpasim_net_rx_accept(st, frame, len), c.accept);
}

/* ADDR_SET moves the device's unicast address. */
static void filter_mac_change_test(struct kunit *test)
{
	struct vdpasim_net_state *st = new_state(test, ALL_CTRL);
	u8 frame[ETH_HLEN] = {};

	KUNIT_ASSERT_EQ(test, vdpasim_net_ctrl(st, VIRTIO_NET_CTRL_MAC,
					       VIRTIO_NET_CTRL_MAC_ADDR_SET,
					       other_mac, ETH_ALEN),
			VIRTIO_NET_OK);
	ether_addr_copy(frame, own_mac);
	KUNIT_EXPECT_FALSE(test, vdpasim_net_rx_accept(st, frame, ETH_HLEN));
	ether_addr_copy(frame, other_mac);
	KUNIT_EXPECT_TRUE(test, vdpasim_net_rx_accept(st, frame, ETH_HLEN));
}

static struct kunit_case filter_test_cases[] = {
	KUNIT_CASE_PARAM(filter_test, filter_gen_params),
	KUNIT_CASE(filter_mac_change_test),
	{}
};

static struct kunit_suite filter_suite = {
	.name = "vdpa_sim_net_filter",
	.test_cases = filter_test_cases,
};

/* ---- vdpa_sim_net_reset ---- */

static void reset_defaults_test(struct kunit *test)
{
	struct vdpasim_net_state *st = new_state(test, ALL_CTRL);

	KUNIT_EXPECT_MEMEQ(test, st->mac, own_mac, ETH_ALEN);
	KUNIT_EXPECT_EQ(test, st->status, VIRTIO_NET_S_LINK_UP);
	KUNIT_EXPECT_EQ(test, st->max_vqp, MAX_VQP);
	KUNIT_EXPECT_EQ(test, st->curr_vqp, 1);
	KUNIT_EXPECT_FALSE(test, st->promisc);
	KUNIT_EXPECT_TRUE(test, st->allmulti);
	KUNIT_EXPECT_FALSE(test, st->alluni);
	KUNIT_EXPECT_FALSE(test, st->nomulti);
	KUNIT_EXPECT_FALSE(test, st->nouni);
	KUNIT_EXPECT_FALSE(test, st->nobcast);
	KUNIT_EXPECT_EQ(test, st->uni_count, 0);
	KUNIT_EXPECT_EQ(test, st->multi_count, 0);
	KUNIT_EXPECT_TRUE(test, bitmap_empty(st->vlans, VLAN_N_VID));
}

/* Everything the control queue set is gone after a reset. */
static void reset_clears_test(struct kunit *test)
{
	struct vdpasim_net_state *st = new_state(test, ALL_CTRL);
	struct vdpasim_net_state *fresh = new_state(test, 0);

	apply_modes(st, M_PROMISC | M_NO_ALLMULTI | M_NOBCAST);
	st_apply(st, ST_TABLES);
	st_apply(st, ST_VLAN_100);
	st_apply(st, ST_PAIRS_2);
	st_apply(st, ST_ANNOUNCE);
	st_apply(st, ST_MAC_OTHER);
	vdpasim_net_state_reset(st, own_mac, MAX_VQP, true);
	KUNIT_EXPECT_MEMEQ(test, st, fresh, sizeof(*st));
}

static void reset_link_down_test(struct kunit *test)
{
	struct vdpasim_net_state *st = new_state(test, 0);

	vdpasim_net_state_reset(st, own_mac, MAX_VQP, false);
	KUNIT_EXPECT_EQ(test, st->status, 0);
	KUNIT_EXPECT_EQ(test, st->features, 0);
	/* No command before features are negotiated. */
	KUNIT_EXPECT_EQ(test, vdpasim_net_ctrl(st, VIRTIO_NET_CTRL_MQ,
					       VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET,
					       "\x01\x00", 2), VIRTIO_NET_ERR);
}

static struct kunit_case reset_test_cases[] = {
	KUNIT_CASE(reset_defaults_test),
	KUNIT_CASE(reset_clears_test),
	KUNIT_CASE(reset_link_down_test),
	{}
};

static struct kunit_suite reset_suite = {
	.name = "vdpa_sim_net_reset",
	.test_cases = reset_test_cases,
};

kunit_test_suites(&ctrl_suite, &filter_suite, &reset_suite);

MODULE_DESCRIPTION("KUnit tests for the simulated network device's control queue and receive filter");
MODULE_LICENSE("GPL");
