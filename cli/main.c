// SPDX-License-Identifier: GPL-2.0-only
/* Only main() lives here, so the unit tests can link every other object. */
#include "snapctl.h"

int main(int argc, char *argv[])
{
	return snapctl_main(argc, argv);
}
