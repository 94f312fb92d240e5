// SPDX-License-Identifier: GPL-2.0-only
#include <stddef.h>
#include <string.h>

#include <procsnap.h>

#include "check_procsnap.h"

#define member_size(type, member) sizeof(((type *)0)->member)

START_TEST(test_version_size)
{
	ck_assert_uint_eq(sizeof(struct procsnap_version),
			  PROCSNAP_VERSION_SIZE_VER0);
	ck_assert_uint_eq(sizeof(struct procsnap_version) % 8, 0);
}
END_TEST

/* Offsets as documented; any change here breaks every existing binary. */
START_TEST(test_version_layout)
{
	ck_assert_uint_eq(offsetof(struct procsnap_version, size), 0);
	ck_assert_uint_eq(offsetof(struct procsnap_version, flags), 4);
	ck_assert_uint_eq(offsetof(struct procsnap_version, abi_version), 8);
	ck_assert_uint_eq(offsetof(struct procsnap_version, reserved0), 12);
	ck_assert_uint_eq(offsetof(struct procsnap_version, features), 16);
	ck_assert_uint_eq(offsetof(struct procsnap_version, module_version),
			  24);
	ck_assert_uint_eq(offsetof(struct procsnap_version, reserved), 56);

	ck_assert_uint_eq(member_size(struct procsnap_version, size), 4);
	ck_assert_uint_eq(member_size(struct procsnap_version, flags), 4);
	ck_assert_uint_eq(member_size(struct procsnap_version, features), 8);
	ck_assert_uint_eq(member_size(struct procsnap_version, module_version),
			  PROCSNAP_VERSION_LEN);
	ck_assert_uint_eq(member_size(struct procsnap_version, reserved), 32);
}
END_TEST

/*
 * The request number encodes the struct size.  If the struct grows, this
 * test fails on purpose: old binaries keep sending the VER0 number, so the
 * module must then match requests on _IOC_NR and read the size field.
 */
START_TEST(test_version_ioctl_number)
{
	ck_assert_uint_eq(_IOC_TYPE(PROCSNAP_IOC_VERSION), PROCSNAP_IOC_MAGIC);
	ck_assert_uint_eq(_IOC_NR(PROCSNAP_IOC_VERSION), 0);
	ck_assert_uint_eq(_IOC_DIR(PROCSNAP_IOC_VERSION),
			  _IOC_READ | _IOC_WRITE);
	ck_assert_uint_eq(_IOC_SIZE(PROCSNAP_IOC_VERSION),
			  PROCSNAP_VERSION_SIZE_VER0);
}
END_TEST

START_TEST(test_constants)
{
	ck_assert_str_eq(PROCSNAP_DEVICE_PATH, "/dev/procsnap");
	ck_assert_str_eq(PROCSNAP_DEVICE_NAME, "procsnap");
	ck_assert_int_eq(PROCSNAP_ABI_VERSION, 1);
	ck_assert_uint_eq(PROCSNAP_FEAT_SNAPSHOT, 1);
	ck_assert_uint_eq(PROCSNAP_FEAT_EVIDENCE, 2);
	ck_assert_uint_eq(PROCSNAP_FEAT_MEM_FD, 4);
	ck_assert_uint_eq(PROCSNAP_FEAT_PHASES, 8);
	ck_assert_uint_eq(PROCSNAP_FEAT_NAMES_AFTER, 16);
	ck_assert_uint_eq(PROCSNAP_FEAT_RECOVERS_HIDDEN, 32);
	ck_assert_uint_eq(PROCSNAP_FEAT_THREAD_META, 64);
	ck_assert_uint_eq(PROCSNAP_FEAT_TARGET_CREDS, 128);
	ck_assert_uint_eq(PROCSNAP_FEAT_TARGET_LABEL, 256);
	ck_assert_uint_eq(PROCSNAP_FEAT_FREEZE_SHARED, 512);
	ck_assert_uint_eq(PROCSNAP_SNAPSHOT_LABEL_TRUNCATED, 2);
	ck_assert_uint_eq(PROCSNAP_LABEL_LEN, 256);
	ck_assert_uint_eq(PROCSNAP_FEAT_ALL,
			  PROCSNAP_FEAT_SNAPSHOT | PROCSNAP_FEAT_EVIDENCE |
			  PROCSNAP_FEAT_MEM_FD | PROCSNAP_FEAT_PHASES |
			  PROCSNAP_FEAT_NAMES_AFTER |
			  PROCSNAP_FEAT_RECOVERS_HIDDEN |
			  PROCSNAP_FEAT_THREAD_META |
			  PROCSNAP_FEAT_TARGET_CREDS |
			  PROCSNAP_FEAT_TARGET_LABEL |
			  PROCSNAP_FEAT_FREEZE_SHARED);
}
END_TEST

/* ---- snapshot ABI ---- */

/* Every struct: its VER0 size, whole 8-byte words, no tail padding. */
#define ASSERT_SIZE(type, ver0) do { \
	ck_assert_uint_eq(sizeof(type), ver0); \
	ck_assert_uint_eq(sizeof(type) % 8, 0); \
} while (0)

#define ASSERT_FIELD(type, member, offset, size) do { \
	ck_assert_uint_eq(offsetof(type, member), offset); \
	ck_assert_uint_eq(member_size(type, member), size); \
} while (0)

START_TEST(test_constants_snapshot)
{
	ck_assert_uint_eq(PROCSNAP_STATE_IDLE, 0);
	ck_assert_uint_eq(PROCSNAP_STATE_REQUESTED, 1);
	ck_assert_uint_eq(PROCSNAP_STATE_DUPLICATING, 2);
	ck_assert_uint_eq(PROCSNAP_STATE_DONE, 3);
	ck_assert_uint_eq(PROCSNAP_STATE_FAILED, 4);
	ck_assert_uint_eq(PROCSNAP_REQUEST_INTERRUPT, 1);
	ck_assert_uint_eq(PROCSNAP_REQUEST_OWNED, 2);
	ck_assert_uint_eq(PROCSNAP_REQUEST_FLAGS, 7);
	ck_assert_uint_eq(PROCSNAP_SNAPSHOT_OWNED, 1);
	ck_assert_uint_eq(PROCSNAP_DELETE_ALL, 1);
	ck_assert_uint_eq(PROCSNAP_THREAD_DUPLICATED, 1);
	ck_assert_uint_eq(PROCSNAP_THREAD_PARKED, 2);
	ck_assert_uint_eq(PROCSNAP_THREAD_IN_KERNEL, 4);
	ck_assert_uint_eq(PROCSNAP_COMM_LEN, 16);
	ck_assert_uint_eq(PROCSNAP_NR_GREGS, 27);
}
END_TEST

START_TEST(test_target_layout)
{
	typedef struct procsnap_target_arg T;

	ASSERT_SIZE(T, PROCSNAP_TARGET_SIZE_VER0);
	ASSERT_FIELD(T, size, 0, 4);
	ASSERT_FIELD(T, flags, 4, 4);
	ASSERT_FIELD(T, pid, 8, 4);
	ASSERT_FIELD(T, reserved0, 12, 4);
	/* Was reserved[0] up to 0.5.x (PROCSNAP_FEAT_FREEZE_SHARED). */
	ASSERT_FIELD(T, freeze_limit, 16, 8);
	ASSERT_FIELD(T, reserved, 24, 24);
	ck_assert_uint_eq(PROCSNAP_REQUEST_FREEZE_SHARED, 4);
	ck_assert_uint_eq(PROCSNAP_FREEZE_DEFAULT_LIMIT, 64 << 20);
}
END_TEST

START_TEST(test_state_layout)
{
	typedef struct procsnap_state_arg T;

	ASSERT_SIZE(T, PROCSNAP_STATE_SIZE_VER0);
	ASSERT_FIELD(T, size, 0, 4);
	ASSERT_FIELD(T, flags, 4, 4);
	ASSERT_FIELD(T, pid, 8, 4);
	ASSERT_FIELD(T, state, 12, 4);
	ASSERT_FIELD(T, clone_pid, 16, 4);
	ASSERT_FIELD(T, error, 20, 4);
	ASSERT_FIELD(T, timeout_ns, 24, 8);
	ASSERT_FIELD(T, reserved, 32, 32);
}
END_TEST

START_TEST(test_snapshot_info_layout)
{
	typedef struct procsnap_snapshot_info T;

	ASSERT_SIZE(T, PROCSNAP_SNAPSHOT_INFO_SIZE_VER3);
	ASSERT_FIELD(T, clone_pid, 0, 4);
	ASSERT_FIELD(T, target_pid, 4, 4);
	ASSERT_FIELD(T, target_comm, 8, PROCSNAP_COMM_LEN);
	ASSERT_FIELD(T, flags, 24, 4);
	ASSERT_FIELD(T, threads, 28, 4);
	ASSERT_FIELD(T, created_realtime_ns, 32, 8);
	ASSERT_FIELD(T, created_boottime_ns, 40, 8);
	ASSERT_FIELD(T, pause_ns, 48, 8);
	ASSERT_FIELD(T, quiesce_ns, 56, 8);
	ASSERT_FIELD(T, resident_bytes, 64, 8);
	ASSERT_FIELD(T, pagetable_bytes, 72, 8);
	/* Were reserved up to 0.2.0: output only, so old callers see 0. */
	ASSERT_FIELD(T, requested_realtime_ns, 80, 8);
	ASSERT_FIELD(T, requested_boottime_ns, 88, 8);
	ASSERT_FIELD(T, requester_uid, 96, 4);
	ASSERT_FIELD(T, nr_files, 100, 4);
	/* Was reserved[1] up to 0.3.0; VER1 grew at the end. */
	ASSERT_FIELD(T, check_ns, 104, 8);
	ASSERT_FIELD(T, record_ns, 112, 8);
	ASSERT_FIELD(T, files_ns, 120, 8);
	ASSERT_FIELD(T, copy_ns, 128, 8);
	ASSERT_FIELD(T, detach_ns, 136, 8);
	/* Was reserved[0] up to 0.3.x (PROCSNAP_FEAT_NAMES_AFTER). */
	ASSERT_FIELD(T, names_ns, 144, 8);
	/* Was reserved[0] up to 0.3.x (PROCSNAP_FEAT_RECOVERS_HIDDEN). */
	ASSERT_FIELD(T, nr_recovered, 152, 4);
	/* Were reserved0 and reserved[2] up to 0.5.x (FREEZE_SHARED). */
	ASSERT_FIELD(T, nr_frozen, 156, 4);
	ASSERT_FIELD(T, freeze_ns, 160, 8);
	ASSERT_FIELD(T, frozen_bytes, 168, 8);
	/* VER2 (PROCSNAP_FEAT_TARGET_CREDS) grew at the end. */
	ck_assert_uint_eq(PROCSNAP_SNAPSHOT_INFO_SIZE_VER1, 176);
	ASSERT_FIELD(T, target_uid, 176, 16);
	ASSERT_FIELD(T, target_gid, 192, 16);
	ASSERT_FIELD(T, target_cap, 208, 40);
	ASSERT_FIELD(T, target_securebits, 248, 4);
	ASSERT_FIELD(T, reserved1, 252, 4);
	/* Was reserved2[0] up to 0.5.x (FREEZE_SHARED). */
	ASSERT_FIELD(T, freeze_limit, 256, 8);
	ASSERT_FIELD(T, reserved2, 264, 16);
	ck_assert_uint_eq(PROCSNAP_SNAPSHOT_FROZEN, 4);
	ck_assert_uint_eq(PROCSNAP_SNAPSHOT_FREEZE_TRUNCATED, 8);
	/* VER3 (PROCSNAP_FEAT_TARGET_LABEL) grew at the end. */
	ck_assert_uint_eq(PROCSNAP_SNAPSHOT_INFO_SIZE_VER2, 280);
	ASSERT_FIELD(T, target_label, 280, PROCSNAP_LABEL_LEN);
}
END_TEST

START_TEST(test_frozen_layout)
{
	typedef struct procsnap_frozen_info T;

	ASSERT_SIZE(T, PROCSNAP_FROZEN_INFO_SIZE_VER0);
	ASSERT_FIELD(T, start, 0, 8);
	ASSERT_FIELD(T, end, 8, 8);
	ASSERT_FIELD(T, eof, 16, 8);
	ASSERT_FIELD(T, bytes, 24, 8);
}
END_TEST

START_TEST(test_list_layout)
{
	typedef struct procsnap_list_arg T;

	ASSERT_SIZE(T, PROCSNAP_LIST_SIZE_VER0);
	ASSERT_FIELD(T, size, 0, 4);
	ASSERT_FIELD(T, flags, 4, 4);
	ASSERT_FIELD(T, entries, 8, 8);
	ASSERT_FIELD(T, entry_size, 16, 4);
	ASSERT_FIELD(T, nr_entries, 20, 4);
	ASSERT_FIELD(T, total, 24, 4);
	ASSERT_FIELD(T, reserved0, 28, 4);
	ASSERT_FIELD(T, reserved, 32, 32);
}
END_TEST

START_TEST(test_delete_layout)
{
	typedef struct procsnap_delete_arg T;

	ASSERT_SIZE(T, PROCSNAP_DELETE_SIZE_VER0);
	ASSERT_FIELD(T, size, 0, 4);
	ASSERT_FIELD(T, flags, 4, 4);
	ASSERT_FIELD(T, clone_pid, 8, 4);
	ASSERT_FIELD(T, deleted, 12, 4);
	ASSERT_FIELD(T, reserved, 16, 32);
}
END_TEST

START_TEST(test_thread_info_layout)
{
	typedef struct procsnap_thread_info T;

	ASSERT_SIZE(T, PROCSNAP_THREAD_INFO_SIZE_VER0);
	ASSERT_FIELD(T, tid, 0, 4);
	ASSERT_FIELD(T, flags, 4, 4);
	ASSERT_FIELD(T, regs, 8, 8 * PROCSNAP_NR_GREGS);
	ASSERT_FIELD(T, xstate_size, 224, 4);
	/* Were reserved0 and reserved[4] up to 0.3.x (THREAD_META). */
	ASSERT_FIELD(T, sched_policy, 228, 4);
	ASSERT_FIELD(T, sigblocked, 232, 8);
	ASSERT_FIELD(T, comm, 240, PROCSNAP_COMM_LEN);
	ASSERT_FIELD(T, nice, 256, 4);
	ASSERT_FIELD(T, rt_priority, 260, 2);
	ASSERT_FIELD(T, seccomp_mode, 262, 1);
	ASSERT_FIELD(T, reserved1, 263, 1);
}
END_TEST

#if defined(__x86_64__)
#include <sys/user.h>

/* The regs really are what an NT_PRSTATUS note carries. */
START_TEST(test_thread_regs_are_user_regs)
{
	ck_assert_uint_eq(sizeof(struct user_regs_struct),
			  8 * PROCSNAP_NR_GREGS);
	ck_assert_uint_eq(offsetof(struct user_regs_struct, rip) / 8, 16);
	ck_assert_uint_eq(offsetof(struct user_regs_struct, rsp) / 8, 19);
	ck_assert_uint_eq(offsetof(struct user_regs_struct, gs) / 8, 26);
}
END_TEST
#endif

START_TEST(test_threads_layout)
{
	typedef struct procsnap_threads_arg T;

	ASSERT_SIZE(T, PROCSNAP_THREADS_SIZE_VER0);
	ASSERT_FIELD(T, size, 0, 4);
	ASSERT_FIELD(T, flags, 4, 4);
	ASSERT_FIELD(T, clone_pid, 8, 4);
	ASSERT_FIELD(T, entry_size, 12, 4);
	ASSERT_FIELD(T, entries, 16, 8);
	ASSERT_FIELD(T, nr_entries, 24, 4);
	ASSERT_FIELD(T, total, 28, 4);
	ASSERT_FIELD(T, reserved, 32, 32);
}
END_TEST

START_TEST(test_file_info_layout)
{
	typedef struct procsnap_file_info T;

	ASSERT_SIZE(T, PROCSNAP_FILE_INFO_SIZE_VER0);
	ASSERT_FIELD(T, fd, 0, 4);
	ASSERT_FIELD(T, flags, 4, 4);
	ASSERT_FIELD(T, pos, 8, 8);
	ASSERT_FIELD(T, ino, 16, 8);
	ASSERT_FIELD(T, dev, 24, 4);
	ASSERT_FIELD(T, mode, 28, 4);
	ASSERT_FIELD(T, path_len, 32, 4);
	ASSERT_FIELD(T, reserved0, 36, 4);
	ASSERT_FIELD(T, path, 40, PROCSNAP_FILE_PATH_LEN);
	ASSERT_FIELD(T, reserved, 552, 16);
}
END_TEST

START_TEST(test_files_layout)
{
	typedef struct procsnap_files_arg T;

	ASSERT_SIZE(T, PROCSNAP_FILES_SIZE_VER0);
	ASSERT_FIELD(T, size, 0, 4);
	ASSERT_FIELD(T, flags, 4, 4);
	ASSERT_FIELD(T, clone_pid, 8, 4);
	ASSERT_FIELD(T, entry_size, 12, 4);
	ASSERT_FIELD(T, entries, 16, 8);
	ASSERT_FIELD(T, nr_entries, 24, 4);
	ASSERT_FIELD(T, total, 28, 4);
	ASSERT_FIELD(T, reserved, 32, 32);
}
END_TEST

START_TEST(test_xstate_layout)
{
	typedef struct procsnap_xstate_arg T;

	ASSERT_SIZE(T, PROCSNAP_XSTATE_SIZE_VER0);
	ASSERT_FIELD(T, size, 0, 4);
	ASSERT_FIELD(T, flags, 4, 4);
	ASSERT_FIELD(T, clone_pid, 8, 4);
	ASSERT_FIELD(T, tid, 12, 4);
	ASSERT_FIELD(T, buf, 16, 8);
	ASSERT_FIELD(T, buf_size, 24, 4);
	ASSERT_FIELD(T, reserved0, 28, 4);
	ASSERT_FIELD(T, reserved, 32, 32);
}
END_TEST

START_TEST(test_mem_open_layout)
{
	typedef struct procsnap_mem_open_arg T;

	ASSERT_SIZE(T, PROCSNAP_MEM_OPEN_SIZE_VER0);
	ASSERT_FIELD(T, size, 0, 4);
	ASSERT_FIELD(T, flags, 4, 4);
	ASSERT_FIELD(T, clone_pid, 8, 4);
	ASSERT_FIELD(T, fd, 12, 4);
	ASSERT_FIELD(T, reserved, 16, 32);
}
END_TEST

/* See test_version_ioctl_number: the encoded size is frozen at VER0. */
START_TEST(test_snapshot_ioctl_numbers)
{
	static const struct {
		unsigned long cmd;
		unsigned int nr, dir, size;
	} cmds[] = {
		{ PROCSNAP_IOC_REQUEST, 1, _IOC_WRITE,
		  PROCSNAP_TARGET_SIZE_VER0 },
		{ PROCSNAP_IOC_CANCEL, 2, _IOC_WRITE,
		  PROCSNAP_TARGET_SIZE_VER0 },
		{ PROCSNAP_IOC_STATE, 3, _IOC_READ | _IOC_WRITE,
		  PROCSNAP_STATE_SIZE_VER0 },
		{ PROCSNAP_IOC_WAIT, 4, _IOC_READ | _IOC_WRITE,
		  PROCSNAP_STATE_SIZE_VER0 },
		{ PROCSNAP_IOC_LIST, 5, _IOC_READ | _IOC_WRITE,
		  PROCSNAP_LIST_SIZE_VER0 },
		{ PROCSNAP_IOC_DELETE, 6, _IOC_READ | _IOC_WRITE,
		  PROCSNAP_DELETE_SIZE_VER0 },
		{ PROCSNAP_IOC_THREADS, 7, _IOC_READ | _IOC_WRITE,
		  PROCSNAP_THREADS_SIZE_VER0 },
		{ PROCSNAP_IOC_FILES, 8, _IOC_READ | _IOC_WRITE,
		  PROCSNAP_FILES_SIZE_VER0 },
		{ PROCSNAP_IOC_XSTATE, 9, _IOC_READ | _IOC_WRITE,
		  PROCSNAP_XSTATE_SIZE_VER0 },
		{ PROCSNAP_IOC_MEM_OPEN, 10, _IOC_READ | _IOC_WRITE,
		  PROCSNAP_MEM_OPEN_SIZE_VER0 },
		{ PROCSNAP_IOC_FROZEN, 11, _IOC_READ | _IOC_WRITE,
		  PROCSNAP_FILES_SIZE_VER0 },
	};
	size_t i, j;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		ck_assert_uint_eq(_IOC_TYPE(cmds[i].cmd), PROCSNAP_IOC_MAGIC);
		ck_assert_uint_eq(_IOC_NR(cmds[i].cmd), cmds[i].nr);
		ck_assert_uint_eq(_IOC_DIR(cmds[i].cmd), cmds[i].dir);
		ck_assert_uint_eq(_IOC_SIZE(cmds[i].cmd), cmds[i].size);
		ck_assert_uint_ne(cmds[i].cmd, PROCSNAP_IOC_VERSION);
		for (j = i + 1; j < sizeof(cmds) / sizeof(cmds[0]); j++)
			ck_assert_uint_ne(_IOC_NR(cmds[i].cmd),
					  _IOC_NR(cmds[j].cmd));
	}
}
END_TEST

Suite *abi_suite(void)
{
	Suite *s = suite_create("abi");
	TCase *tc = tcase_create("procsnap_version");

	tcase_add_test(tc, test_version_size);
	tcase_add_test(tc, test_version_layout);
	tcase_add_test(tc, test_version_ioctl_number);
	tcase_add_test(tc, test_constants);
	suite_add_tcase(s, tc);

	tc = tcase_create("snapshot");
	tcase_add_test(tc, test_constants_snapshot);
	tcase_add_test(tc, test_target_layout);
	tcase_add_test(tc, test_state_layout);
	tcase_add_test(tc, test_snapshot_info_layout);
	tcase_add_test(tc, test_list_layout);
	tcase_add_test(tc, test_delete_layout);
	tcase_add_test(tc, test_thread_info_layout);
#if defined(__x86_64__)
	tcase_add_test(tc, test_thread_regs_are_user_regs);
#endif
	tcase_add_test(tc, test_threads_layout);
	tcase_add_test(tc, test_file_info_layout);
	tcase_add_test(tc, test_files_layout);
	tcase_add_test(tc, test_xstate_layout);
	tcase_add_test(tc, test_mem_open_layout);
	tcase_add_test(tc, test_frozen_layout);
	tcase_add_test(tc, test_snapshot_ioctl_numbers);
	suite_add_tcase(s, tc);
	return s;
}
