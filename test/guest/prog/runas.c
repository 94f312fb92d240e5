// SPDX-License-Identifier: GPL-2.0
/*
 * runas UID GID CMD [ARGS...]: run CMD with all credentials dropped to
 * UID/GID, for the permission tests (busybox su needs a password database
 * and a login shell; this needs neither).
 */
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	uid_t uid;
	gid_t gid;

	if (argc < 4) {
		fprintf(stderr, "usage: runas UID GID CMD [ARGS...]\n");
		return 125;
	}
	uid = (uid_t)strtoul(argv[1], NULL, 10);
	gid = (gid_t)strtoul(argv[2], NULL, 10);
	if (setgroups(0, NULL) || setresgid(gid, gid, gid) ||
	    setresuid(uid, uid, uid)) {
		perror("runas: dropping credentials");
		return 125;
	}
	execvp(argv[3], argv + 3);
	perror("runas: exec");
	return 127;
}
