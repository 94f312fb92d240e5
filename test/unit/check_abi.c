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
	ck_assert_uint_eq(PROCSNAP_FEAT_ALL, 0);
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
	return s;
}
