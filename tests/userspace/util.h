/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Error reporting shared by vdpa_user and vduse_user (util.c).
 */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H

#include <stdbool.h>

extern bool diag_quiet;
const char *errname(int err);
__printf(1, 2) void fail(const char *fmt, ...);
__printf(1, 2) void diag(const char *fmt, ...);
int xioctl(int fd, unsigned long req, void *arg, const char *what);

#endif /* TEST_UTIL_H */
