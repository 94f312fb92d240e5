/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internal to libprocsnap: what triage.c (the rules, their order) and
 * codediff.c (executable memory against its file or the vDSO) share.
 */
#ifndef PROCSNAP_TRIAGE_H
#define PROCSNAP_TRIAGE_H

#include <sys/stat.h>

#include "internal.h"

#define TR_CHUNK	(64u << 10)	/* memory and file compared per read */
#define TR_MERGE_GAP	16		/* longer than any x86 instruction */
#define TR_MAX_LISTED	64
#define TR_VDSO_MAX	(1u << 20)

struct triage {
	struct procsnap_view *v;
	unsigned int flags;
	procsnap_finding_fn fn;
	void *data;
	const struct procsnap_segment *segs;
	size_t nr_segs;
	pid_t pid;		/* whose /proc: 0 for a directory */
	int rootfd;		/* /proc/PID/root, or -1 */
	uint64_t page;
	unsigned char *mbuf;	/* TR_CHUNK of memory */
	unsigned char *fbuf;	/* TR_CHUNK of the file */
	const unsigned char *vdso;	/* this process's, or NULL */
	size_t vdso_size;
};

struct capped {
	unsigned int listed;
	uint64_t more;		/* not listed */
	uint64_t more_start;
	uint64_t more_end;
};

/* One finding to the caller: what its callback returned. */
int ps_triage_emit(struct triage *t, unsigned int kind, size_t index,
		   uint64_t address, uint64_t length, uint64_t file_offset,
		   const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/*
 * At most TR_MAX_LISTED findings of a kind are listed for a segment: true
 * if this one is; else it is counted in @c, for one that sums them up.
 */
bool ps_triage_cap_take(struct capped *c, uint64_t start, uint64_t end);

/* ---- codediff.c ---- */

/*
 * Open for reading the file segment @i maps, found at @path in this
 * process's root or the viewed process's.  Return: the descriptor;
 * -ENOENT nothing at @path; -ESTALE another file is there (*@other says
 * which); or another negative errno.
 */
int ps_triage_open_mapped(struct triage *t, size_t i, const char *path,
			  struct stat *other);
/* patched-code (or file-replaced) of an executable private file mapping. */
int ps_triage_check_code(struct triage *t, size_t i);
/* patched-code of the [vdso], against this process's. */
int ps_triage_check_vdso(struct triage *t, size_t i);
/* Find this process's vDSO for ps_triage_check_vdso(). */
void ps_triage_own_vdso(struct triage *t);

#endif /* PROCSNAP_TRIAGE_H */
