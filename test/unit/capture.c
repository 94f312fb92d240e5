// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_procsnap.h"

#define MAX_ARGS 32

static void read_all(FILE *f, char *buf, size_t size)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
}

static void run_child(int (*fn)(int, char *[]), const char *device,
		      const char *const argv[], FILE *out, FILE *err)
{
	char *args[MAX_ARGS + 1];
	int argc, status;

	for (argc = 0; argv[argc]; argc++) {
		if (argc == MAX_ARGS)
			_exit(127);
		/* Subcommands may reorder the array, never the strings. */
		args[argc] = (char *)argv[argc];
	}
	args[argc] = NULL;

	if (device)
		setenv("PROCSNAP_DEVICE", device, 1);
	else
		unsetenv("PROCSNAP_DEVICE");
	if (dup2(fileno(out), STDOUT_FILENO) < 0 ||
	    dup2(fileno(err), STDERR_FILENO) < 0)
		_exit(127);

	status = fn(argc, args);
	fflush(NULL);
	_exit(status);
}

void capture(int (*fn)(int, char *[]), const char *device,
	     const char *const argv[], struct captured *c)
{
	FILE *out = tmpfile(), *err = tmpfile();
	int wstatus;
	pid_t pid;

	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(err);

	/* Else the child would flush our pending output a second time. */
	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		run_child(fn, device, argv, out, err);

	ck_assert_int_eq(waitpid(pid, &wstatus, 0), pid);
	ck_assert_msg(WIFEXITED(wstatus), "child died by signal %d",
		      WTERMSIG(wstatus));
	c->status = WEXITSTATUS(wstatus);
	read_all(out, c->out, sizeof(c->out));
	read_all(err, c->err, sizeof(c->err));
}
