// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpa_user: command line.
 *
 *   vdpa_user net-loop --dev DEV [--frames N] [--size BYTES] [--packed]
 *                      [--batch] [--asid] [--suspend-resume] [--bench]
 *                      [--dirty-log] [--stop-probe] [--doorbell [--hold]]
 *   vdpa_user blk-rw --dev DEV [--sectors N] [--packed] [--batch]
 *   vdpa_user misuse --dev DEV [--expect intree|ours]
 *   vdpa_user pin-check --dev DEV [--mbytes N] [--frames N] [--size BYTES]
 *   vdpa_user abuse --dev DEV --case NAME [--packed] [--dma-map]
 *                   [--seed S] [--ops N]
 *   vdpa_user fuzz --dev DEV [--seed S] [--ops N] [--verbose]
 *   vdpa_user hammer --dev DEV [--threads N] [--timeout MS]
 *   vdpa_user stall --dev DEV --exec CMD [--timeout MS]
 *   vdpa_user log --dev DEV --case NAME [--packed]
 *   vdpa_user map-bench --dev DEV [--also DEV2] --backing 4k|thp|hugetlb
 *                       [--mbytes N] [--rounds N]
 *   vdpa_user share --dev DEV [--also DEV]... [--mbytes N] [--exec CMD]
 *                   [--pin-once]
 *
 * Common: --ring N (default 256, clamped to the device's maximum),
 * --timeout MS (default 5000).  Exit status: 0 passed, 1 failed, 2 bad
 * usage, 77 the device lacks something the test needs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vdpa_user.h"

/**
 * struct subcommand - one subcommand
 * @name: as typed
 * @run: runs it, returns the exit status
 */
struct subcommand {
	const char *name;
	int (*run)(const struct options *o);
};

static const struct subcommand subcommands[] = {
	{ "net-loop", cmd_net_loop },
	{ "blk-rw", cmd_blk_rw },
	{ "misuse", cmd_misuse },
	{ "pin-check", cmd_pin_check },
	{ "doorbell", cmd_doorbell },
	{ "iommu-map", cmd_iommu_map },
	{ "config-call", cmd_config_call },
	{ "abuse", cmd_abuse },
	{ "fuzz", cmd_fuzz },
	{ "hammer", cmd_hammer },
	{ "stall", cmd_stall },
	{ "log", cmd_log },
	{ "map-bench", cmd_map_bench },
	{ "share", cmd_share },
};

enum { O_DEV = 256, O_FRAMES, O_SIZE, O_SECTORS, O_MBYTES, O_RING,
	O_PACKED, O_BATCH, O_ASID, O_SR, O_TIMEOUT, O_VERBOSE, O_EXPECT, O_HOLD,
	O_BENCH, O_DIRTY_LOG, O_CASE, O_SEED, O_OPS, O_THREADS, O_DMA_MAP, O_EXEC,
	O_STOP_PROBE, O_DOORBELL, O_BACKING, O_ALSO, O_ROUNDS,
	O_PIN_ONCE };

static const struct option longopts[] = {
	{ "dev", required_argument, NULL, O_DEV },
	{ "frames", required_argument, NULL, O_FRAMES },
	{ "size", required_argument, NULL, O_SIZE },
	{ "sectors", required_argument, NULL, O_SECTORS },
	{ "mbytes", required_argument, NULL, O_MBYTES },
	{ "ring", required_argument, NULL, O_RING },
	{ "packed", no_argument, NULL, O_PACKED },
	{ "batch", no_argument, NULL, O_BATCH },
	{ "asid", no_argument, NULL, O_ASID },
	{ "suspend-resume", no_argument, NULL, O_SR },
	{ "stop-probe", no_argument, NULL, O_STOP_PROBE },
	{ "doorbell", no_argument, NULL, O_DOORBELL },
	{ "timeout", required_argument, NULL, O_TIMEOUT },
	{ "verbose", no_argument, NULL, O_VERBOSE },
	{ "expect", required_argument, NULL, O_EXPECT },
	{ "hold", no_argument, NULL, O_HOLD },
	{ "bench", no_argument, NULL, O_BENCH },
	{ "dirty-log", no_argument, NULL, O_DIRTY_LOG },
	{ "dma-map", no_argument, NULL, O_DMA_MAP },
	{ "case", required_argument, NULL, O_CASE },
	{ "seed", required_argument, NULL, O_SEED },
	{ "ops", required_argument, NULL, O_OPS },
	{ "threads", required_argument, NULL, O_THREADS },
	{ "exec", required_argument, NULL, O_EXEC },
	{ "backing", required_argument, NULL, O_BACKING },
	{ "also", required_argument, NULL, O_ALSO },
	{ "rounds", required_argument, NULL, O_ROUNDS },
	{ "pin-once", no_argument, NULL, O_PIN_ONCE },
	{ NULL, 0, NULL, 0 },
};

static int print_usage(void)
{
	fputs("usage: vdpa_user net-loop|blk-rw|misuse|pin-check|doorbell|iommu-map|config-call|abuse|fuzz|hammer|stall|log|map-bench|share\n"
	      "         --dev /dev/vhost-vdpa-N\n"
	      "         [--frames N] [--size BYTES] [--packed] [--batch] [--asid]\n"
	      "         [--suspend-resume] [--stop-probe] [--doorbell]\n"
	      "         [--sectors N] [--mbytes N] [--ring N]\n"
	      "         [--timeout MS] [--expect intree|ours] [--hold] [--bench] [--dirty-log]\n"
	      "         [--dma-map]\n"
	      "         [--case raw-phys|raw-phys-reset|cvq-asid|invalidate|\n"
	      "                 invalidate-batch|size-wrap|cvq-index|thp|hugetlb|\n"
	      "                 iotlb-full|live]  (abuse)\n"
	      "         [--case net|toggle|switch|munmap|small|blk|errno|nolog]  (log)\n"
	      "         [--seed S] [--ops N] [--threads N] [--exec CMD]\n"
	      "         [--also DEV] [--backing 4k|thp|hugetlb] [--rounds N]\n"
	      "         [--pin-once]  (share)\n",
	      stderr);
	return EXIT_USAGE;
}

static int parse_uint(const char *s, unsigned int max, unsigned int *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);

	if (!*s || *end || v > max) {
		fail("bad value '%s' (want 0..%u)", s, max);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_u64(const char *s, __u64 *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (!*s || *end || *s == '-' || errno) {
		fail("bad value '%s' (want 0..2^64-1)", s);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_ring(const char *s, unsigned int *out)
{
	if (parse_uint(s, 32768, out))
		return -1;
	if (*out < 4 || (*out & (*out - 1))) {
		fail("--ring %u: want a power of 2, at least 4", *out);
		return -1;
	}
	return 0;
}

static int parse_flag(struct options *o, int c)
{
	switch (c) {
	case O_PACKED:
		o->packed = true;
		break;
	case O_BATCH:
		o->batch = true;
		break;
	case O_ASID:
		o->asid = true;
		break;
	case O_SR:
		o->suspend_resume = true;
		break;
	case O_STOP_PROBE:
		o->stop_probe = true;
		break;
	case O_DOORBELL:
		o->doorbell = true;
		break;
	case O_VERBOSE:
		o->verbose = true;
		break;
	case O_HOLD:
		o->hold = true;
		break;
	case O_DMA_MAP:
		o->dma_map = true;
		break;
	case O_PIN_ONCE:
		o->pin_once = true;
		break;
	case O_BENCH:
		o->bench = true;
		break;
	case O_DIRTY_LOG:
		o->dirty_log = true;
		break;
	default:
		return -1;
	}
	return 0;
}

static int parse_one(struct options *o, int c, const char *arg)
{
	unsigned int t;

	switch (c) {
	case O_DEV:
		o->dev = arg;
		return 0;
	case O_FRAMES:
		return parse_uint(arg, 1U << 24, &o->frames);
	case O_SIZE:
		return parse_uint(arg, 65535, &o->size);
	case O_SECTORS:
		return parse_uint(arg, 1U << 24, &o->sectors);
	case O_MBYTES:
		return parse_uint(arg, 4096, &o->mbytes);
	case O_RING:
		return parse_ring(arg, &o->ring);
	case O_SEED:
		return parse_u64(arg, &o->seed);
	case O_OPS:
		return parse_uint(arg, 1U << 30, &o->ops);
	case O_THREADS:
		if (parse_uint(arg, 64, &o->threads))
			return -1;
		return o->threads ? 0 : -1;
	case O_CASE:
		o->case_name = arg;
		return 0;
	case O_EXEC:
		o->exec = arg;
		return 0;
	case O_BACKING:
		o->backing = arg;
		return 0;
	case O_ALSO:
		if (o->nalso == ARRAY_SIZE(o->also))
			return -1;
		o->also[o->nalso++] = arg;
		return 0;
	case O_ROUNDS:
		return parse_uint(arg, 1000, &o->rounds);
	case O_EXPECT:
		o->expect_ours = !strcmp(arg, "ours");
		return o->expect_ours || !strcmp(arg, "intree") ? 0 : -1;
	case O_TIMEOUT:
		if (parse_uint(arg, 3600000, &t))
			return -1;
		o->timeout_ms = t;
		return 0;
	default:
		return parse_flag(o, c);
	}
}

int main(int argc, char **argv)
{
	struct options o = {
		.frames = 1000, .size = 1514, .sectors = 2048, .mbytes = 64,
		.ring = 256, .timeout_ms = 5000, .backing = "4k", .rounds = 1,
	};
	unsigned int i;
	int c;

	if (argc < 2)
		return print_usage();
	for (i = 0; i < ARRAY_SIZE(subcommands); i++)
		if (!strcmp(argv[1], subcommands[i].name))
			break;
	if (i == ARRAY_SIZE(subcommands))
		return print_usage();
	while ((c = getopt_long(argc - 1, argv + 1, "", longopts, NULL)) != -1)
		if (parse_one(&o, c, optarg))
			return print_usage();
	if (optind != argc - 1 || !o.dev)
		return print_usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	return subcommands[i].run(&o);
}
