// SPDX-License-Identifier: GPL-2.0
/*
 * Raw ioctl checks of the procsnap ABI, below libprocsnap: each rejection is
 * tested on its own against an otherwise valid argument.  Prints one
 * PASS:/FAIL: line per check; exit status 1 if any failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <procsnap.h>

static int failures;

static void result(int ok, const char *name, int rc, int err)
{
	if (ok) {
		printf("PASS: abi: %s\n", name);
		return;
	}
	printf("FAIL: abi: %s (ioctl returned %d, errno %d %s)\n", name, rc,
	       err, strerror(err));
	failures++;
}

/* Expect the ioctl to fail with @want (0: expect success). */
static void expect(int fd, unsigned long cmd, void *arg, int want,
		   const char *name)
{
	int rc, err;

	errno = 0;
	rc = ioctl(fd, cmd, arg);
	err = errno;
	if (want)
		result(rc == -1 && err == want, name, rc, err);
	else
		result(rc == 0, name, rc, err);
}

static void valid(struct procsnap_version *v)
{
	memset(v, 0, sizeof(*v));
	v->size = sizeof(*v);
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : PROCSNAP_DEVICE_PATH;
	struct procsnap_version v;
	unsigned char big[sizeof(v) + 64];
	long page = sysconf(_SC_PAGESIZE);
	void *unmapped;
	size_t i;
	int fd;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("FAIL: abi: open %s: %s\n", path, strerror(errno));
		return 1;
	}

	valid(&v);
	expect(fd, PROCSNAP_IOC_VERSION, &v, 0, "VERSION answers");
	result(v.abi_version == PROCSNAP_ABI_VERSION, "VERSION reports ABI 1",
	       0, 0);
	result(memchr(v.module_version, 0, sizeof(v.module_version)) &&
	       v.module_version[0], "module version is a non-empty string",
	       0, 0);
	result((v.features & ~PROCSNAP_FEAT_ALL) == 0,
	       "feature bits are known ones", 0, 0);
	if (argc > 2)
		result(!strcmp(v.module_version, argv[2]),
		       "module version matches VERSION", 0, 0);

	expect(fd, _IO(PROCSNAP_IOC_MAGIC, 0x7f), NULL, ENOTTY,
	       "unknown command number gets ENOTTY");
	expect(fd, _IOWR('x', 0x00, struct procsnap_version), &v, ENOTTY,
	       "foreign magic gets ENOTTY");

	valid(&v);
	v.size = 0;
	expect(fd, PROCSNAP_IOC_VERSION, &v, EINVAL, "size 0 gets EINVAL");
	valid(&v);
	v.size = PROCSNAP_VERSION_SIZE_VER0 - 8;
	expect(fd, PROCSNAP_IOC_VERSION, &v, EINVAL,
	       "size below VER0 gets EINVAL");
	valid(&v);
	v.size = page + 8;
	expect(fd, PROCSNAP_IOC_VERSION, &v, EINVAL,
	       "size above a page gets EINVAL");
	valid(&v);
	v.flags = 1;
	expect(fd, PROCSNAP_IOC_VERSION, &v, EINVAL,
	       "unknown flag gets EINVAL");
	valid(&v);
	v.reserved0 = 1;
	expect(fd, PROCSNAP_IOC_VERSION, &v, EINVAL,
	       "non-zero reserved0 gets EINVAL");
	for (i = 0; i < sizeof(v.reserved) / sizeof(v.reserved[0]); i++) {
		char name[64];

		valid(&v);
		v.reserved[i] = 1;
		snprintf(name, sizeof(name),
			 "non-zero reserved[%zu] gets EINVAL", i);
		expect(fd, PROCSNAP_IOC_VERSION, &v, EINVAL, name);
	}

	/* A newer caller's longer struct: fine while its tail is zero. */
	memset(big, 0, sizeof(big));
	((struct procsnap_version *)big)->size = sizeof(big);
	expect(fd, PROCSNAP_IOC_VERSION, big, 0,
	       "longer struct with zero tail is accepted");
	result(big[sizeof(v)] == 0, "nothing written past our struct", 0, 0);
	big[sizeof(big) - 1] = 1;
	expect(fd, PROCSNAP_IOC_VERSION, big, E2BIG,
	       "longer struct with unknown data gets E2BIG");

	unmapped = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	expect(fd, PROCSNAP_IOC_VERSION, unmapped, EFAULT,
	       "unreadable argument gets EFAULT");
	expect(fd, PROCSNAP_IOC_VERSION, NULL, EFAULT,
	       "NULL argument gets EFAULT");

	close(fd);
	return failures ? 1 : 0;
}
