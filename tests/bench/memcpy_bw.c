// SPDX-License-Identifier: GPL-2.0-only
/*
 * memcpy_bw: the physical reference of `make bench`, a plain memcpy()
 * bandwidth measured in the same VM as the workloads.
 *
 *   memcpy_bw [--size BYTES] [--seconds S] [--reps N]
 *
 * Copies a --size buffer (default 64 MiB, well beyond the caches) into a
 * second one for about --seconds (default 1) per repetition, --reps times
 * (default 3), and prints one line per repetition and a summary:
 *
 *   rep 1: 1234567890 bytes/s
 *   memcpy_bw: size 67108864 median 1234567890 bytes/s
 *
 * Bytes counted are bytes copied (each is read once and written once).
 * Exit status 0, 1 on failure, 2 on bad usage.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int bad_usage(void)
{
	fputs("usage: memcpy_bw [--size BYTES] [--seconds S] [--reps N]\n", stderr);
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "seconds", required_argument, NULL, 't' },
		{ "reps", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long size = 64UL << 20;
	double seconds = 1.0, *bw;
	int reps = 3, c, i;
	char *src, *dst, *end;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			size = strtoul(optarg, &end, 0);
			if (*end || size < 4096 || size > (1UL << 32))
				return bad_usage();
			break;
		case 't':
			seconds = strtod(optarg, &end);
			if (*end || seconds <= 0 || seconds > 60)
				return bad_usage();
			break;
		case 'r':
			reps = (int)strtol(optarg, &end, 0);
			if (*end || reps < 1 || reps > 100)
				return bad_usage();
			break;
		default:
			return bad_usage();
		}
	}
	if (optind != argc)
		return bad_usage();

	src = malloc(size);
	dst = malloc(size);
	bw = calloc(reps, sizeof(*bw));
	if (!src || !dst || !bw) {
		perror("memcpy_bw: malloc");
		return 1;
	}
	/* Touch every page first: no page faults inside the timed loops. */
	memset(src, 0x5a, size);
	memset(dst, 0xa5, size);

	for (i = 0; i < reps; i++) {
		unsigned long long bytes = 0;
		double t0 = now_s(), t;

		do {
			memcpy(dst, src, size);
			/* Keep the copy from being optimised away. */
			__asm__ __volatile__("" : : "r"(dst) : "memory");
			bytes += size;
			t = now_s() - t0;
		} while (t < seconds);
		bw[i] = bytes / t;
		printf("rep %d: %.0f bytes/s\n", i + 1, bw[i]);
		src[i % size]++;
	}
	qsort(bw, reps, sizeof(*bw), cmp_double);
	printf("memcpy_bw: size %lu median %.0f bytes/s\n", size, bw[reps / 2]);
	free(bw);
	free(dst);
	free(src);
	return 0;
}
