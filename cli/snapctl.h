/* SPDX-License-Identifier: GPL-2.0-only */
/* The subcommand table and entry points of snapctl. */
#ifndef SNAPCTL_H
#define SNAPCTL_H

#include <stdio.h>

struct subcommand {
	const char *name;
	/* argv[0] is the subcommand name; returns an enum snapctl_exit. */
	int (*fn)(int argc, char *argv[]);
	const char *description;
};

/* Terminated by an entry with a NULL name. */
extern const struct subcommand subcommands[];

/* The entry for @name, or NULL if there is none (or @name is NULL). */
const struct subcommand *find_subcommand(const char *name);

/* The top-level usage text. */
void snapctl_usage(FILE *f);

/* Everything main() does; returns the exit status. */
int snapctl_main(int argc, char *argv[]);

int request_main(int argc, char *argv[]);
int state_main(int argc, char *argv[]);
int cancel_main(int argc, char *argv[]);
int list_main(int argc, char *argv[]);
int threads_main(int argc, char *argv[]);
int delete_main(int argc, char *argv[]);
int collect_main(int argc, char *argv[]);
int snapshot_main(int argc, char *argv[]);
int scan_main(int argc, char *argv[]);
int diff_main(int argc, char *argv[]);
int triage_main(int argc, char *argv[]);
int version_main(int argc, char *argv[]);
int help_main(int argc, char *argv[]);

#endif /* SNAPCTL_H */
