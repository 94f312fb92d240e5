// SPDX-License-Identifier: GPL-2.0
/*
 * zombie: fork a child that exits at once and never reap it.  Prints the
 * child's pid once it is a zombie, then sleeps until killed (which lets the
 * zombie be reaped by init).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char state_of(pid_t pid)
{
	char path[64], line[256], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	p = fgets(line, sizeof(line), f);
	fclose(f);
	p = p ? strrchr(line, ')') : NULL;
	return p && p[1] == ' ' ? p[2] : 0;
}

int main(void)
{
	pid_t child;

	/* SIG_IGN would let the kernel reap the child at once. */
	signal(SIGCHLD, SIG_DFL);
	child = fork();
	if (child < 0) {
		perror("zombie: fork");
		return 1;
	}
	if (!child)
		_exit(0);
	while (state_of(child) != 'Z')
		usleep(1000);
	printf("%d\n", child);
	fflush(stdout);
	for (;;)
		pause();
}
