/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libprocsnap: userspace access to the procsnap module (/dev/procsnap).
 *
 * All state lives in an opaque struct procsnap_ctx, so independent contexts
 * may be used from different threads.  One context must not be used by two
 * threads at once without the caller's own locking.
 *
 * Error convention: every function returning int returns 0 (or, where
 * stated, a non-negative value) on success and a negative errno value on
 * failure; on failure it also sets errno to the matching positive value.
 * procsnap_strerror() turns either form into a message for the user.
 */
#ifndef LIBPROCSNAP_H
#define LIBPROCSNAP_H

#include <procsnap.h>

#ifdef __cplusplus
extern "C" {
#endif

struct procsnap_ctx;

/**
 * procsnap_open() - open the procsnap device
 * @path:	device node to open, or NULL for PROCSNAP_DEVICE_PATH
 * @ctxp:	on success receives the new context; set to NULL on failure
 *
 * The node is opened O_RDWR | O_CLOEXEC.  Typical failures: -ENOENT,
 * -ENODEV or -ENXIO when the module is not loaded, -EACCES or -EPERM
 * when the caller may not use the device, -EINVAL if @ctxp is NULL,
 * -ENOMEM.
 *
 * Return: 0 or a negative errno (errno set).
 */
int procsnap_open(const char *path, struct procsnap_ctx **ctxp);

/**
 * procsnap_close() - close the device and free the context
 * @ctx:	context from procsnap_open(); NULL is a no-op
 *
 * errno is the same after the call as before it.
 */
void procsnap_close(struct procsnap_ctx *ctx);

/**
 * procsnap_fd() - the file descriptor behind a context
 * @ctx:	context from procsnap_open()
 *
 * For poll() and similar; the descriptor stays owned by @ctx and is
 * closed by procsnap_close().
 *
 * Return: the descriptor (>= 0), or -EINVAL (errno set) if @ctx is NULL.
 */
int procsnap_fd(const struct procsnap_ctx *ctx);

/**
 * procsnap_get_version() - query the module's version and features
 * @ctx:	context from procsnap_open()
 * @out:	receives the module's answer
 *
 * Issues PROCSNAP_IOC_VERSION with size = sizeof(*out), flags and all
 * reserved fields zero.  On success, and on -EPROTO, @out holds the
 * module's answer with module_version always NUL-terminated; on any other
 * failure @out is left untouched.
 *
 * Return: 0; -EPROTO if the module's abi_version is not
 * PROCSNAP_ABI_VERSION; -ENOTTY if the device does not know the request;
 * -EINVAL if @ctx or @out is NULL; otherwise the ioctl's negative errno.
 * errno is set on failure.
 */
int procsnap_get_version(struct procsnap_ctx *ctx,
			 struct procsnap_version *out);

/**
 * procsnap_lib_version() - the release of this libprocsnap
 *
 * Return: a static string such as "0.1.0".
 */
const char *procsnap_lib_version(void);

/**
 * procsnap_strerror() - a message for a procsnap error
 * @err:	an errno value, positive or negative
 *
 * For the errors that have a procsnap-specific cause (module not loaded,
 * permission, module older than the library, ABI mismatch) the message
 * says what to do about it; any other value gets the system's description.
 * The messages are phrased for errors from procsnap_open() and the
 * device's requests.  Thread-safe.
 *
 * Return: a static string; never NULL, never to be freed.
 */
const char *procsnap_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* LIBPROCSNAP_H */
