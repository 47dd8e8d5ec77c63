// SPDX-License-Identifier: GPL-2.0-only
/*
 * Error reporting and small helpers of vdpa_user and vduse_user.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "util.h"

/**
 * errname() - symbolic name of an errno value
 * @err: errno value, either sign
 *
 * Return: "EINVAL" and the like, "0" for 0, "errno N" if unknown.
 */
const char *errname(int err)
{
	static char buf[24];
	const char *name;

	if (err < 0)
		err = -err;
	if (!err)
		return "0";
	name = strerrorname_np(err);
	if (name)
		return name;
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}

/**
 * fail() - print an error line on stderr, "PROGRAM: error: ..."
 * @fmt: printf format of the message
 */
void fail(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: error: ", program_invocation_short_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

bool diag_quiet;

/**
 * diag() - print a TAP diagnostic line on stdout, "# ..."
 * @fmt: printf format of the message
 *
 * Prints nothing while diag_quiet is set.
 */
void diag(const char *fmt, ...)
{
	va_list ap;

	if (diag_quiet)
		return;
	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

/**
 * xioctl() - ioctl() that reports its failure
 * @fd: file descriptor
 * @req: request
 * @arg: its argument
 * @what: name of the request for the message "WHAT: ENAME (text)"
 *
 * Return: 0 or -errno.
 */
int xioctl(int fd, unsigned long req, void *arg, const char *what)
{
	int err;

	if (ioctl(fd, req, arg) >= 0)
		return 0;
	err = errno;
	fail("%s: %s (%s)", what, errname(err), strerror(err));
	return -err;
}

