// SPDX-License-Identifier: LGPL-2.1-or-later
/* Small readers of /proc/PID files, which report no useful st_size. */
#include <fcntl.h>
#include <inttypes.h>
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

/* RLIMIT_CPU to RLIMIT_RTTIME, as getrlimit(2) names them. */
const char *const ps_limit_names[PS_NR_LIMITS] = {
	"cpu", "fsize", "data", "stack", "core", "rss", "nproc", "nofile",
	"memlock", "as", "locks", "sigpending", "msgqueue", "nice", "rtprio",
	"rttime",
};

/* "unlimited", or decimal digits; then a blank or the end. */
static int limit_value(const char **pp, uint64_t *v)
{
	const char *p = *pp;
	char *end;

	while (*p == ' ')
		p++;
	if (!strncmp(p, "unlimited", 9)) {
		*v = PS_UNLIMITED;
		end = (char *)p + 9;
	} else {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		errno = 0;
		*v = strtoull(p, &end, 10);
		if (errno)
			return -EINVAL;
	}
	if (*end && *end != ' ' && *end != '\n')
		return -EINVAL;
	*pp = end;
	return 0;
}

/*
 * proc_pid_limits(): a header, then one line per limit: its name padded to
 * 25 characters and a blank, the soft and hard values padded to 20, and
 * the units.
 */
int ps_parse_limits(const char *text, struct ps_limit limits[PS_NR_LIMITS])
{
	const char *line = text, *p;
	unsigned int i;

	if (!text || strncmp(text, "Limit ", 6))
		return ps_fail(EINVAL);
	for (i = 0; i < PS_NR_LIMITS; i++) {
		line = strchr(line, '\n');
		if (!line || strlen(++line) < 26 || line[25] != ' ')
			return ps_fail(EINVAL);
		p = line + 26;
		if (limit_value(&p, &limits[i].soft) ||
		    limit_value(&p, &limits[i].hard))
			return ps_fail(EINVAL);
	}
	return 0;
}
