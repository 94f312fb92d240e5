// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fake procsnap module of the unit tests: see check_procsnap.h.  The
 * library is linked statically with -Wl,--wrap=ioctl, so no LD_PRELOAD.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "check_procsnap.h"

struct fake_device *fake_device;

/* Before main(), so every process of the test binary shares it. */
__attribute__((constructor))
static void fake_device_map(void)
{
	void *p = mmap(NULL, sizeof(struct fake_device),
		       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED)
		abort();
	fake_device = p;
}

int __real_ioctl(int fd, unsigned long request, ...);
int __wrap_ioctl(int fd, unsigned long request, ...);

void fake_device_reset(bool enabled)
{
	memset(fake_device, 0, sizeof(*fake_device));
	fake.enabled = enabled;
}

static bool all_zero(const void *p, size_t size)
{
	const unsigned char *b = p;

	while (size--)
		if (*b++)
			return false;
	return true;
}

/* What the module would insist on; a failure marks the test's caller. */
#define EXPECT(cond) do { if (!(cond)) { fake.bad_arg = true; \
				return -EINVAL; } } while (0)

static int check_header(unsigned long request, const void *arg,
			size_t size, size_t ver0, __u32 allowed_flags)
{
	__u32 hdr[2];

	memcpy(hdr, arg, sizeof(hdr));
	EXPECT(_IOC_SIZE(request) == ver0);
	EXPECT(hdr[0] == size);
	EXPECT(!(hdr[1] & ~allowed_flags));
	return 0;
}

static int do_target(unsigned long request, struct procsnap_target_arg *a,
		     __u32 allowed_flags, int err)
{
	int ret = check_header(request, a, sizeof(*a),
			       PROCSNAP_TARGET_SIZE_VER0, allowed_flags);

	if (ret)
		return ret;
	EXPECT(_IOC_DIR(request) == _IOC_WRITE);
	EXPECT(!a->reserved0 && all_zero(a->reserved, sizeof(a->reserved)));
	EXPECT(!a->freeze_limit ||
	       (a->flags & PROCSNAP_REQUEST_FREEZE_SHARED));
	fake.last_target = *a;
	return err;
}

static int do_state(unsigned long request, struct procsnap_state_arg *a,
		    int err)
{
	int ret = check_header(request, a, sizeof(*a),
			       PROCSNAP_STATE_SIZE_VER0, 0);

	if (ret)
		return ret;
	EXPECT(!a->state && !a->clone_pid && !a->error);
	EXPECT(all_zero(a->reserved, sizeof(a->reserved)));
	if (request == PROCSNAP_IOC_STATE)
		EXPECT(!a->timeout_ns);
	fake.last_state = *a;
	if (err)
		return err;
	a->state = fake.state.state;
	a->clone_pid = fake.state.clone_pid;
	a->error = fake.state.error;
	return 0;
}

static int do_list(unsigned long request, struct procsnap_list_arg *a)
{
	unsigned int n;
	int ret = check_header(request, a, sizeof(*a),
			       PROCSNAP_LIST_SIZE_VER0, 0);

	if (ret)
		return ret;
	EXPECT(a->entry_size == sizeof(struct procsnap_snapshot_info));
	EXPECT(a->entries || !a->nr_entries);
	EXPECT(!a->total && !a->reserved0);
	EXPECT(all_zero(a->reserved, sizeof(a->reserved)));
	fake.last_list = *a;
	if (fake.list_err)
		return fake.list_err;

	n = a->nr_entries < fake.nr_snaps ? a->nr_entries : fake.nr_snaps;
	if (n)
		memcpy((void *)(uintptr_t)a->entries, fake.snaps,
		       n * sizeof(fake.snaps[0]));
	a->nr_entries = n;
	a->total = fake.nr_snaps;
	/* Others take snapshots while we look. */
	fake.nr_snaps += fake.grow_once;
	if (fake.nr_snaps > FAKE_MAX)
		fake.nr_snaps = FAKE_MAX;
	fake.grow_once = 0;
	return 0;
}

static int do_threads(unsigned long request, struct procsnap_threads_arg *a)
{
	unsigned int n;
	int ret = check_header(request, a, sizeof(*a),
			       PROCSNAP_THREADS_SIZE_VER0, 0);

	if (ret)
		return ret;
	EXPECT(a->entry_size == sizeof(struct procsnap_thread_info));
	EXPECT(a->entries || !a->nr_entries);
	EXPECT(!a->total);
	EXPECT(all_zero(a->reserved, sizeof(a->reserved)));
	fake.last_threads = *a;
	if (fake.threads_err)
		return fake.threads_err;

	n = a->nr_entries < fake.nr_threads ? a->nr_entries : fake.nr_threads;
	if (n)
		memcpy((void *)(uintptr_t)a->entries, fake.threads,
		       n * sizeof(fake.threads[0]));
	a->nr_entries = n;
	a->total = fake.nr_threads;
	return 0;
}

static int do_delete(unsigned long request, struct procsnap_delete_arg *a)
{
	int ret = check_header(request, a, sizeof(*a),
			       PROCSNAP_DELETE_SIZE_VER0,
			       PROCSNAP_DELETE_ALL);

	if (ret)
		return ret;
	EXPECT(!a->deleted);
	EXPECT(all_zero(a->reserved, sizeof(a->reserved)));
	EXPECT(a->flags & PROCSNAP_DELETE_ALL ? !a->clone_pid :
	       a->clone_pid > 0);
	fake.last_delete = *a;
	if (fake.delete_err)
		return fake.delete_err;
	a->deleted = fake.deleted;
	return 0;
}

static int do_version(unsigned long request, struct procsnap_version *a)
{
	int ret = check_header(request, a, sizeof(*a),
			       PROCSNAP_VERSION_SIZE_VER0, 0);

	if (ret)
		return ret;
	if (fake.version_err)
		return fake.version_err;
	*a = fake.version;
	a->size = sizeof(*a);
	return 0;
}

static int do_files(unsigned long request, struct procsnap_files_arg *a)
{
	unsigned int n;
	int ret = check_header(request, a, sizeof(*a),
			       PROCSNAP_FILES_SIZE_VER0, 0);

	if (ret)
		return ret;
	EXPECT(a->entry_size == sizeof(struct procsnap_file_info));
	EXPECT(a->entries || !a->nr_entries);
	EXPECT(!a->total);
	EXPECT(all_zero(a->reserved, sizeof(a->reserved)));
	fake.last_files = *a;
	if (fake.files_err)
		return fake.files_err;

	n = a->nr_entries < fake.nr_files ? a->nr_entries : fake.nr_files;
	if (n)
		memcpy((void *)(uintptr_t)a->entries, fake.files,
		       n * sizeof(fake.files[0]));
	a->nr_entries = n;
	a->total = fake.nr_files;
	return 0;
}

static int do_frozen(unsigned long request, struct procsnap_files_arg *a)
{
	unsigned int n;
	int ret = check_header(request, a, sizeof(*a),
			       PROCSNAP_FILES_SIZE_VER0, 0);

	if (ret)
		return ret;
	EXPECT(a->clone_pid > 0);
	EXPECT(a->entry_size == sizeof(struct procsnap_frozen_info));
	EXPECT(a->entries || !a->nr_entries);
	EXPECT(!a->total);
	EXPECT(all_zero(a->reserved, sizeof(a->reserved)));
	fake.last_frozen = *a;
	if (fake.frozen_err)
		return fake.frozen_err;
	n = a->nr_entries < fake.nr_frozen ? a->nr_entries : fake.nr_frozen;
	if (n)
		memcpy((void *)(uintptr_t)a->entries, fake.frozen,
		       n * sizeof(fake.frozen[0]));
	a->nr_entries = n;
	a->total = fake.nr_frozen;
	return 0;
}

static int do_xstate(unsigned long request, struct procsnap_xstate_arg *a)
{
	unsigned int n;
	int ret = check_header(request, a, sizeof(*a),
			       PROCSNAP_XSTATE_SIZE_VER0, 0);

	if (ret)
		return ret;
	EXPECT(a->clone_pid > 0 && a->tid > 0);
	EXPECT(a->buf || !a->buf_size);
	EXPECT(!a->reserved0 && all_zero(a->reserved, sizeof(a->reserved)));
	fake.last_xstate = *a;
	if (fake.xstate_err)
		return fake.xstate_err;
	if (!fake.xstate_size)
		return -ENODATA;
	n = a->buf_size < fake.xstate_size ? a->buf_size : fake.xstate_size;
	if (n)
		memcpy((void *)(uintptr_t)a->buf, fake.xstate, n);
	a->buf_size = fake.xstate_size;
	return 0;
}

static int fake_ioctl(unsigned long request, void *arg)
{
	fake.total_calls++;
	if (_IOC_NR(request) < sizeof(fake.calls) / sizeof(fake.calls[0]))
		fake.calls[_IOC_NR(request)]++;

	switch (request) {
	case PROCSNAP_IOC_REQUEST:
		return do_target(request, arg, PROCSNAP_REQUEST_FLAGS,
				 fake.request_err);
	case PROCSNAP_IOC_CANCEL:
		return do_target(request, arg, 0, fake.cancel_err);
	case PROCSNAP_IOC_STATE:
		return do_state(request, arg, fake.state_err);
	case PROCSNAP_IOC_WAIT:
		return do_state(request, arg, fake.wait_err);
	case PROCSNAP_IOC_LIST:
		return do_list(request, arg);
	case PROCSNAP_IOC_DELETE:
		return do_delete(request, arg);
	case PROCSNAP_IOC_THREADS:
		return do_threads(request, arg);
	case PROCSNAP_IOC_VERSION:
		return do_version(request, arg);
	case PROCSNAP_IOC_FILES:
		return do_files(request, arg);
	case PROCSNAP_IOC_FROZEN:
		return do_frozen(request, arg);
	case PROCSNAP_IOC_XSTATE:
		return do_xstate(request, arg);
	default:
		return -ENOTTY;
	}
}

int __wrap_ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	void *arg;
	int err;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);

	if (!fake.enabled || _IOC_TYPE(request) != PROCSNAP_IOC_MAGIC)
		return __real_ioctl(fd, request, arg);
	err = fake_ioctl(request, arg);
	if (err) {
		errno = -err;
		return -1;
	}
	return 0;
}
