// SPDX-License-Identifier: LGPL-2.1-or-later
/* Small readers of /proc/PID files, which report no useful st_size. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

int ps_read_at(int dirfd, const char *name, char **bufp, size_t *lenp)
{
	size_t len = 0, cap = 4096;
	char *buf, *grown;
	ssize_t n;
	int fd, err;

	*bufp = NULL;
	*lenp = 0;
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ps_fail(errno);
	buf = malloc(cap);
	if (!buf) {
		close(fd);
		return ps_fail(ENOMEM);
	}
	for (;;) {
		if (cap - len < 2) {
			grown = cap > SIZE_MAX / 2 ? NULL : realloc(buf, cap * 2);
			if (!grown) {
				err = ENOMEM;
				goto fail;
			}
			buf = grown;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = errno;
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return 0;
fail:
	close(fd);
	free(buf);
	return ps_fail(err);
}

int ps_readlink_at(int dirfd, const char *name, char **targetp)
{
	size_t size = 256;
	char *buf;
	ssize_t n;

	*targetp = NULL;
	for (;;) {
		buf = malloc(size);
		if (!buf)
			return ps_fail(ENOMEM);
		n = readlinkat(dirfd, name, buf, size);
		if (n < 0) {
			int err = errno;

			free(buf);
			return ps_fail(err);
		}
		if ((size_t)n < size) {
			buf[n] = '\0';
			*targetp = buf;
			return 0;
		}
		free(buf);
		if (size > 1 << 20)
			return ps_fail(ENAMETOOLONG);
		size *= 2;
	}
}

int ps_status_field(const char *status, const char *key, char *buf,
		    size_t size)
{
	size_t klen = strlen(key), vlen;
	const char *p = status, *v, *eol;

	while (p && *p) {
		eol = strchr(p, '\n');
		if (!strncmp(p, key, klen) && p[klen] == ':') {
			v = p + klen + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			vlen = eol ? (size_t)(eol - v) : strlen(v);
			if (vlen >= size)
				return -ERANGE;
			memcpy(buf, v, vlen);
			buf[vlen] = '\0';
			return 0;
		}
		p = eol ? eol + 1 : NULL;
	}
	return -ENOENT;
}
