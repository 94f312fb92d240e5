// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "libprocsnap.h"

/* Built with -fvisibility=hidden: only what the version script lists leaks. */
#define PROCSNAP_EXPORT __attribute__((visibility("default")))

#ifndef PROCSNAP_LIB_VERSION
#error "PROCSNAP_LIB_VERSION must come from the build (see userspace.mk)"
#endif

struct procsnap_ctx {
	int fd;
};

/* Callers may test either the return value or errno; keep them in step. */
static int fail(int err)
{
	errno = err;
	return -err;
}

PROCSNAP_EXPORT
int procsnap_open(const char *path, struct procsnap_ctx **ctxp)
{
	struct procsnap_ctx *ctx;

	if (!ctxp)
		return fail(EINVAL);
	*ctxp = NULL;
	if (!path)
		path = PROCSNAP_DEVICE_PATH;

	ctx = malloc(sizeof(*ctx));
	if (!ctx)
		return fail(ENOMEM);

	ctx->fd = open(path, O_RDWR | O_CLOEXEC);
	if (ctx->fd < 0) {
		int err = errno;

		free(ctx);
		return fail(err);
	}

	*ctxp = ctx;
	return 0;
}

PROCSNAP_EXPORT
void procsnap_close(struct procsnap_ctx *ctx)
{
	int saved_errno = errno;

	if (!ctx)
		return;
	/*
	 * Nothing is written through the descriptor that a failing close()
	 * could lose, so its result carries no information for the caller.
	 */
	close(ctx->fd);
	free(ctx);
	errno = saved_errno;
}

PROCSNAP_EXPORT
int procsnap_fd(const struct procsnap_ctx *ctx)
{
	if (!ctx)
		return fail(EINVAL);
	return ctx->fd;
}

PROCSNAP_EXPORT
int procsnap_get_version(struct procsnap_ctx *ctx,
			 struct procsnap_version *out)
{
	struct procsnap_version ver;

	if (!ctx || !out)
		return fail(EINVAL);

	/* The module rejects non-zero flags and reserved fields. */
	memset(&ver, 0, sizeof(ver));
	ver.size = sizeof(ver);
	if (ioctl(ctx->fd, PROCSNAP_IOC_VERSION, &ver) < 0)
		return fail(errno);

	/* Callers print this string; never trust the other side with that. */
	ver.module_version[sizeof(ver.module_version) - 1] = '\0';
	*out = ver;

	if (ver.abi_version != PROCSNAP_ABI_VERSION)
		return fail(EPROTO);
	return 0;
}

PROCSNAP_EXPORT
const char *procsnap_lib_version(void)
{
	return PROCSNAP_LIB_VERSION;
}

PROCSNAP_EXPORT
const char *procsnap_strerror(int err)
{
	const char *desc;

	if (err < 0) {
		if (err == INT_MIN)
			return "Unknown error";
		err = -err;
	}

	switch (err) {
	case ENOENT:
		return "procsnap device not found: is the procsnap module loaded? (modprobe procsnap)";
	case ENODEV:
	case ENXIO:
		return "no driver behind the procsnap device node: is the procsnap module loaded? (modprobe procsnap)";
	case EACCES:
	case EPERM:
		return "permission denied: procsnap is root-only by default; run as root, or install the opt-in udev rule and join the 'procsnap' group";
	case ENOTTY:
		return "the device does not know this request: the procsnap module is older than libprocsnap (upgrade the module), or the device is not procsnap";
	case EPROTO:
		return "procsnap ABI mismatch between the module and libprocsnap: install matching versions";
	}

	/* Unlike strerror(), never formats into a buffer: thread-safe. */
	desc = strerrordesc_np(err);
	return desc ? desc : "Unknown error";
}
