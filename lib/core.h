/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internal to libprocsnap: the ELF core of a snapshot.  core.c builds the
 * part of the file that describes the process (ELF header, program headers,
 * notes: the "head"); collect.c writes the head at offset 0 and the memory
 * of each load at the offset core.c chose, reading it from the clone, so
 * that the core can be streamed (tar) without a temporary file and keeps
 * non-resident memory as holes.
 */
#ifndef PROCSNAP_CORE_H
#define PROCSNAP_CORE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <procsnap.h>

/* One line of /proc/PID/maps. */
struct ps_map {
	uint64_t start;
	uint64_t end;
	uint64_t offset;
	uint64_t inode;
	unsigned int dev_major;
	unsigned int dev_minor;
	char perms[5];			/* "rwxp", NUL-terminated */
	const char *path;		/* "" when anonymous */
	unsigned int recovered;		/* PS_RECOVERED_* */
	bool frozen;			/* read from the module's copies */
};

/* What a fork would have done to a mapping the snapshot holds all the same. */
#define PS_RECOVERED_DONTFORK	(1u << 0)	/* left it out */
#define PS_RECOVERED_WIPEONFORK	(1u << 1)	/* zeroed it */

struct ps_core_thread {
	const struct procsnap_thread_info *info;	/* tid, regs */
	const void *xstate;		/* NT_X86_XSTATE payload, or NULL */
	size_t xstate_size;
};

struct ps_core_input {
	pid_t pid;			/* the target's tgid */
	pid_t ppid;
	pid_t pgrp;
	pid_t sid;
	uid_t uid;
	gid_t gid;
	const char *comm;		/* the target's comm */
	const char *psargs;		/* its command line, spaces between */
	const struct ps_map *maps;
	size_t nr_maps;
	/* The thread that ran the duplication first: gdb's current thread. */
	const struct ps_core_thread *threads;
	size_t nr_threads;
	const void *auxv;		/* /proc/CLONE/auxv */
	size_t auxv_size;
	long page_size;
};

/* Where the bytes of maps[map_index] go in the core file. */
struct ps_core_load {
	size_t map_index;
	uint64_t offset;		/* page aligned */
	uint64_t filesz;		/* 0: no data (e.g. [vvar], ---p) */
};

/**
 * ps_core_build() - lay out the core of a snapshot
 * @in:		what to describe
 * @head:	out: malloc'd bytes for file offsets [0, *head_len)
 * @head_len:	out
 * @loads:	out: malloc'd, one per map, in map order
 * @file_size:	out: the size of the whole core file
 *
 * Return: 0 or a negative errno (errno set too).
 */
int ps_core_build(const struct ps_core_input *in, void **head,
		  size_t *head_len, struct ps_core_load **loads,
		  uint64_t *file_size);

/**
 * ps_parse_maps() - parse /proc/PID/maps text
 * @text:	the whole file, NUL-terminated; paths point into it
 * @maps:	out: malloc'd array
 * @nr_maps:	out
 *
 * Return: 0, -EINVAL for a line that is not a maps line, -ENOMEM.
 */
int ps_parse_maps(char *text, struct ps_map **maps, size_t *nr_maps);

/*
 * ps_smaps_recovered() - mark the mappings of /proc/CLONE/smaps @text whose
 * VmFlags say "dc" or "wf": a snapshot keeps the target's fork flags on the
 * mappings it recovered.  @maps are the same process's maps, in order.
 * Returns 0, or -EINVAL when the text and @maps do not agree.
 */
int ps_smaps_recovered(const char *text, struct ps_map *maps, size_t nr_maps);

/*
 * ps_maps_frozen() - mark the mappings of snapshot @clone that the module
 * froze (FROZEN) and serves whole from its copies through MEM_OPEN's file.
 * One frozen short of its end (the object was shorter than the mapping)
 * is not marked: its tail reads live.  Returns 0 or a negative errno.
 */
struct procsnap_ctx;
int ps_maps_frozen(struct procsnap_ctx *ctx, pid_t clone, struct ps_map *maps,
		   size_t nr_maps);

#endif /* PROCSNAP_CORE_H */
