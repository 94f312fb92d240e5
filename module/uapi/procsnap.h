/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * procsnap ioctl ABI: the one definition shared by procsnap.ko and
 * libprocsnap.
 *
 * Every argument struct starts with "__u32 size; __u32 flags;".  The caller
 * sets size to the sizeof() it was compiled with.  The module accepts any
 * size from the struct's first published size (PROCSNAP_*_SIZE_VER0) up to
 * one page: a shorter struct is zero-extended, a longer one must be zero past
 * what the module knows (else -E2BIG), and results are written back only up
 * to the caller's size.  So the structs grow at the end and the ioctl numbers
 * never change.  A size below VER0 or above a page is -EINVAL.
 *
 * Every flag bit not defined here, and every field named reserved*, must be
 * zero on input (else -EINVAL): that keeps them free for later use.
 * Unknown ioctl commands get -ENOTTY.
 *
 * Layout rules: fixed-size types only, every struct a multiple of 8 bytes
 * with no implicit padding, user pointers travel as __u64.
 */
#ifndef _UAPI_PROCSNAP_H
#define _UAPI_PROCSNAP_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

#define PROCSNAP_DEVICE_NAME	"procsnap"
#define PROCSNAP_DEVICE_PATH	"/dev/procsnap"

/*
 * Bumped only for an incompatible change, which the project promises not to
 * make; compatible growth is announced through feature bits.
 */
#define PROCSNAP_ABI_VERSION	1

/* Unused: see Documentation/userspace-api/ioctl/ioctl-number.rst. */
#define PROCSNAP_IOC_MAGIC	0xB8

#define PROCSNAP_VERSION_LEN	32

/**
 * struct procsnap_version - PROCSNAP_IOC_VERSION argument
 * @size:		in: sizeof(struct procsnap_version) of the caller
 * @flags:		in: must be 0
 * @abi_version:	out: PROCSNAP_ABI_VERSION of the module
 * @reserved0:		must be 0
 * @features:		out: PROCSNAP_FEAT_* bits the module implements
 * @module_version:	out: the module's release string, NUL-terminated
 * @reserved:		must be 0
 */
struct procsnap_version {
	__u32 size;
	__u32 flags;
	__u32 abi_version;
	__u32 reserved0;
	__u64 features;
	char module_version[PROCSNAP_VERSION_LEN];
	__u64 reserved[4];
};

#define PROCSNAP_VERSION_SIZE_VER0	88

/* REQUEST, CANCEL, STATE, WAIT, LIST, DELETE and THREADS are implemented. */
#define PROCSNAP_FEAT_SNAPSHOT		_BITULL(0)
/*
 * FILES and XSTATE are implemented, and LIST fills in the request times,
 * the requester and the number of files.
 */
#define PROCSNAP_FEAT_EVIDENCE		_BITULL(1)
/*
 * MEM_OPEN is implemented: a read-only file of a snapshot's memory, for
 * requesters that may not open /proc/CLONE/mem (Yama ptrace_scope 1 and 2).
 */
#define PROCSNAP_FEAT_MEM_FD		_BITULL(2)
/* LIST reports where the pause went (check_ns to detach_ns). */
#define PROCSNAP_FEAT_PHASES		_BITULL(3)
/*
 * The paths of the descriptors are named after the pause, by the snapshot
 * before DONE (a renamed file shows its new name), and LIST reports names_ns.
 */
#define PROCSNAP_FEAT_NAMES_AFTER	_BITULL(4)
/*
 * Mappings a fork leaves out (MADV_DONTFORK) or wipes (MADV_WIPEONFORK)
 * are in the snapshot with their contents at the instant, and keep their
 * flag there ("dc", "wf" in /proc/CLONE/smaps); LIST counts them in
 * nr_recovered.  Before, such mappings were absent or zero.
 */
#define PROCSNAP_FEAT_RECOVERS_HIDDEN	_BITULL(5)
/*
 * THREADS reports each thread's name, scheduling policy and priorities,
 * blocked signals and seccomp mode as they were at the instant.
 */
#define PROCSNAP_FEAT_THREAD_META	_BITULL(6)
/* LIST fills in the target's credentials at the instant (VER2 entries). */
#define PROCSNAP_FEAT_TARGET_CREDS	_BITULL(7)
/* LIST fills in the target's LSM label at the instant (VER3 entries). */
#define PROCSNAP_FEAT_TARGET_LABEL	_BITULL(8)
/*
 * REQUEST takes PROCSNAP_REQUEST_FREEZE_SHARED and @freeze_limit, LIST
 * reports nr_frozen, freeze_ns, frozen_bytes and freeze_limit, FROZEN is
 * implemented and MEM_OPEN reads frozen mappings from their copies.
 */
#define PROCSNAP_FEAT_FREEZE_SHARED	_BITULL(9)
#define PROCSNAP_FEAT_ALL \
	(PROCSNAP_FEAT_SNAPSHOT | PROCSNAP_FEAT_EVIDENCE | \
	 PROCSNAP_FEAT_MEM_FD | PROCSNAP_FEAT_PHASES | \
	 PROCSNAP_FEAT_NAMES_AFTER | PROCSNAP_FEAT_RECOVERS_HIDDEN | \
	 PROCSNAP_FEAT_THREAD_META | PROCSNAP_FEAT_TARGET_CREDS | \
	 PROCSNAP_FEAT_TARGET_LABEL | PROCSNAP_FEAT_FREEZE_SHARED)

/*
 * The size encoded in a command number is the struct's first published size
 * and stays so when the struct grows: the size field is what counts.
 */
#define PROCSNAP_IOWR(nr, ver0_size) \
	_IOC(_IOC_READ | _IOC_WRITE, PROCSNAP_IOC_MAGIC, (nr), (ver0_size))

#define PROCSNAP_IOC_VERSION \
	PROCSNAP_IOWR(0x00, PROCSNAP_VERSION_SIZE_VER0)

/*
 * Per-target state, as in the paper (initial 0, requested 1, duplicating 2,
 * done 3) plus failed.  A target has at most one request in flight.  A
 * finished one (done or failed) is reported once, as in the paper, where
 * reading "done" resets the state: the first STATE or WAIT that returns it
 * forgets the request, and the target is idle again (its snapshot stays, see
 * LIST).  Unread, it is forgotten at the next request for the same target,
 * when its snapshot is deleted, or once the target has exited.
 *
 * Why a duplication fails (the error of FAILED, besides those of fork()):
 * ESRCH the target died; ECANCELED cancelled; ETIME its threads did not stop
 * within quiesce_timeout_ms; EAGAIN threads kept being born or dying during
 * the copy; EXDEV the target has unshared a pid or time namespace for its
 * children (the clone would be its pid 1 or freeze its clock offsets);
 * EOPNOTSUPP it has a userfaultfd registered (its monitor could see a fork);
 * EPERM it exec'd something the requester may not ptrace.  A stop, ptrace
 * stop or freeze of the target only delays the duplication until the target
 * runs again.
 *
 * The target runs again as soon as its clone exists; the clone then leaves
 * the target's session and process group on its own.  Done is reported
 * only after that (STATE says duplicating until then), so that signalling
 * the target's process group once its snapshot is done cannot reach the
 * snapshot.
 */
#define PROCSNAP_STATE_IDLE		0
#define PROCSNAP_STATE_REQUESTED	1
#define PROCSNAP_STATE_DUPLICATING	2
#define PROCSNAP_STATE_DONE		3
#define PROCSNAP_STATE_FAILED		4

/*
 * Wake the target's threads with TWA_SIGNAL instead of waiting for their next
 * return to user mode.  A blocked system call that the kernel restarts
 * (read, nanosleep, select, ...) restarts transparently, but one that does
 * not (e.g. epoll_wait) returns EINTR to the target.
 */
#define PROCSNAP_REQUEST_INTERRUPT	_BITUL(0)
/*
 * The snapshot (and the request while pending) belongs to the open file of
 * /dev/procsnap it was made through: closing that file, including by the
 * requester dying, cancels the request and deletes the snapshot.
 */
#define PROCSNAP_REQUEST_OWNED		_BITUL(1)
/*
 * Shared memory (MAP_SHARED anonymous, tmpfs and memfd files, SysV shm:
 * every shared mapping of a shmem object) keeps changing after the
 * instant, for it is not copied on write.  With this flag the duplicating
 * thread also copies, in the pause, the resident pages of each such
 * mapping, in address order, until @freeze_limit bytes; a mapping is
 * frozen whole or not at all.  MEM_OPEN then reads a frozen mapping from
 * its copies (FROZEN lists them); /proc/CLONE/mem still reads it live.
 * Not frozen, so read live: hugetlbfs and other non-shmem shared
 * mappings, a mapping with a page swapped out at the instant, and those
 * past the limit (PROCSNAP_SNAPSHOT_FREEZE_TRUNCATED).  Processes that
 * share the memory and are not the target keep writing during the copy:
 * each page is as it was when copied, within the pause.
 */
#define PROCSNAP_REQUEST_FREEZE_SHARED	_BITUL(2)
#define PROCSNAP_REQUEST_FLAGS \
	(PROCSNAP_REQUEST_INTERRUPT | PROCSNAP_REQUEST_OWNED | \
	 PROCSNAP_REQUEST_FREEZE_SHARED)

/*
 * @freeze_limit 0 means this many bytes; a module parameter,
 * freeze_max_bytes (1 GiB unless set), bounds what a request may ask.
 */
#define PROCSNAP_FREEZE_DEFAULT_LIMIT	(64ULL << 20)

/**
 * struct procsnap_target_arg - REQUEST and CANCEL argument
 * @size:	in: sizeof(struct procsnap_target_arg)
 * @flags:	in: REQUEST: PROCSNAP_REQUEST_*; CANCEL: 0
 * @pid:	in: the target, in the caller's pid namespace; a thread id
 *		means its whole process
 * @reserved0:	must be 0
 * @freeze_limit: in: REQUEST with PROCSNAP_REQUEST_FREEZE_SHARED: at most
 *		this many bytes are copied (0: PROCSNAP_FREEZE_DEFAULT_LIMIT);
 *		else, and for CANCEL, must be 0 (it was reserved[0] before
 *		PROCSNAP_FEAT_FREEZE_SHARED)
 * @reserved:	must be 0
 *
 * REQUEST errors: ESRCH no such process, or a zombie or exiting one; EINVAL a
 * kernel thread, a procsnap snapshot, or the caller itself; EPERM the caller
 * may not ptrace the target (PTRACE_MODE_ATTACH_REALCREDS); EBUSY a request
 * for this target is already in flight; EDQUOT the requester's real uid
 * already holds max_snapshots_per_user snapshots and requests (a module
 * parameter).
 * CANCEL: EPERM as for REQUEST (also for STATE and WAIT, whether or not a
 * request exists); ENOENT when no request is in flight; a request that
 * completes while being cancelled has its snapshot deleted.
 */
struct procsnap_target_arg {
	__u32 size;
	__u32 flags;
	__s32 pid;
	__u32 reserved0;
	__u64 freeze_limit;
	__u64 reserved[3];
};

#define PROCSNAP_TARGET_SIZE_VER0	48

/**
 * struct procsnap_state_arg - STATE and WAIT argument
 * @size:	in: sizeof(struct procsnap_state_arg)
 * @flags:	in: must be 0
 * @pid:	in: the target, in the caller's pid namespace
 * @state:	out: PROCSNAP_STATE_*
 * @clone_pid:	out: DONE: the snapshot's pid in the caller's namespace
 * @error:	out: FAILED: the positive errno the duplication failed with
 * @timeout_ns:	in, WAIT only: how long to wait; 0 waits forever (STATE:
 *		must be 0)
 * @reserved:	must be 0
 *
 * STATE of a target that has no request is IDLE.  WAIT blocks until the
 * request is done or failed (ENOENT: no request).  When the timeout expires,
 * or a fatal signal arrives, the request is cancelled and WAIT fails with
 * ETIMEDOUT or EINTR, leaving nothing behind.  Any other signal only
 * interrupts the wait: it restarts (with the full timeout) or fails with
 * EINTR as the signal's disposition says, and the request stays in flight.
 * state, clone_pid and error must be 0 on input.
 */
struct procsnap_state_arg {
	__u32 size;
	__u32 flags;
	__s32 pid;
	__u32 state;
	__s32 clone_pid;
	__s32 error;
	__u64 timeout_ns;
	__u64 reserved[4];
};

#define PROCSNAP_STATE_SIZE_VER0	64

#define PROCSNAP_COMM_LEN	16

/* The snapshot is owned by the open file that requested it. */
#define PROCSNAP_SNAPSHOT_OWNED		_BITUL(0)
/* target_label holds only the start of a longer label. */
#define PROCSNAP_SNAPSHOT_LABEL_TRUNCATED _BITUL(1)
/* Requested with PROCSNAP_REQUEST_FREEZE_SHARED. */
#define PROCSNAP_SNAPSHOT_FROZEN	_BITUL(2)
/* ... and a shared mapping was left live: freeze_limit was reached. */
#define PROCSNAP_SNAPSHOT_FREEZE_TRUNCATED _BITUL(3)

#define PROCSNAP_LABEL_LEN	256

/**
 * struct procsnap_snapshot_info - one held snapshot, as LIST reports it
 * @clone_pid:		the snapshot's pid (caller's namespace)
 * @target_pid:		the target's pid (caller's namespace; 0 when not
 *			visible there)
 * @target_comm:	the target's comm at duplication
 * @flags:		PROCSNAP_SNAPSHOT_*
 * @threads:		threads of the target recorded at duplication
 * @created_realtime_ns: duplication time, CLOCK_REALTIME
 * @created_boottime_ns: duplication time, CLOCK_BOOTTIME
 * @pause_ns:		how long the duplicating thread was held in procsnap
 * @quiesce_ns:		of which waiting for the other threads (with
 *			PROCSNAP_FEAT_PHASES; before, it included @check_ns)
 * @resident_bytes:	memory the snapshot maps (shared copy-on-write with
 *			the target until one of them writes)
 * @pagetable_bytes:	page-table memory the snapshot itself costs
 * @requested_realtime_ns: when the request was made, CLOCK_REALTIME
 *			(PROCSNAP_FEAT_EVIDENCE; else 0)
 * @requested_boottime_ns: the same, CLOCK_BOOTTIME
 * @requester_uid:	real uid of the requester, in the caller's user
 *			namespace (overflow uid when not mapped)
 * @nr_files:		file descriptors the target had open (FILES)
 * @check_ns:		of the pause, checking the target can be copied
 *			(PROCSNAP_FEAT_PHASES; else 0, as the next four)
 * @record_ns:		recording the threads' registers and the files
 * @files_ns:		of which the files (their paths held, not yet named,
 *			with PROCSNAP_FEAT_NAMES_AFTER)
 * @copy_ns:		copying the page tables (the kernel's fork code, and
 *			around it the flag changes that let it copy the
 *			@nr_recovered mappings)
 * @detach_ns:		waiting for the clone to leave the target's world
 *			(credentials, session, files, signals); the rest of
 *			@pause_ns is bookkeeping
 * @names_ns:		after the pause, naming the files' paths
 *			(PROCSNAP_FEAT_NAMES_AFTER; else 0)
 * @nr_recovered:	mappings of the target a fork would have left out or
 *			wiped, copied all the same
 *			(PROCSNAP_FEAT_RECOVERS_HIDDEN; else 0)
 * @nr_frozen:		shared mappings frozen (PROCSNAP_SNAPSHOT_FROZEN; else
 *			0, as the next three; it was reserved0 before
 *			PROCSNAP_FEAT_FREEZE_SHARED, as they were reserved
 *			and reserved2[0])
 * @freeze_ns:		of the pause, copying them (between @record_ns and
 *			@copy_ns)
 * @frozen_bytes:	bytes copied: the resident pages of the frozen
 *			mappings
 * @target_uid:		the target's real, effective, saved and filesystem
 *			uids at the instant, in the caller's user namespace
 *			(overflow uid when not mapped; VER2, with
 *			PROCSNAP_FEAT_TARGET_CREDS, as the next three)
 * @target_gid:		its gids, the same way
 * @target_cap:		its inheritable, permitted, effective, bounding and
 *			ambient capability sets
 * @target_securebits:	its securebits
 * @reserved1:		zero
 * @freeze_limit:	the limit in force for this snapshot
 * @reserved2:		zero
 * @target_label:	the target's security context at the instant, as the
 *			LSM gives it for its secid (AppArmor's profile name,
 *			SELinux's or Smack's context), NUL-
 *			terminated; "" when no LSM labels tasks (VER3, with
 *			PROCSNAP_FEAT_TARGET_LABEL; see
 *			PROCSNAP_SNAPSHOT_LABEL_TRUNCATED)
 *
 * The snapshot runs with the requester's credentials, so /proc/CLONE/status
 * and /proc/CLONE/attr/current show the requester's: the target's are these.
 *
 * The phases are those of the last attempt when threads born or dying
 * made the duplication start over; @pause_ns and @quiesce_ns count all.
 */
struct procsnap_snapshot_info {
	__s32 clone_pid;
	__s32 target_pid;
	char target_comm[PROCSNAP_COMM_LEN];
	__u32 flags;
	__u32 threads;
	__u64 created_realtime_ns;
	__u64 created_boottime_ns;
	__u64 pause_ns;
	__u64 quiesce_ns;
	__u64 resident_bytes;
	__u64 pagetable_bytes;
	__u64 requested_realtime_ns;
	__u64 requested_boottime_ns;
	__u32 requester_uid;
	__u32 nr_files;
	__u64 check_ns;
	__u64 record_ns;
	__u64 files_ns;
	__u64 copy_ns;
	__u64 detach_ns;
	__u64 names_ns;
	__u32 nr_recovered;
	__u32 nr_frozen;
	__u64 freeze_ns;
	__u64 frozen_bytes;
	__u32 target_uid[4];
	__u32 target_gid[4];
	__u64 target_cap[5];
	__u32 target_securebits;
	__u32 reserved1;
	__u64 freeze_limit;
	__u64 reserved2[2];
	char target_label[PROCSNAP_LABEL_LEN];
};

#define PROCSNAP_SNAPSHOT_INFO_SIZE_VER0	112
#define PROCSNAP_SNAPSHOT_INFO_SIZE_VER1	176	/* the phases */
#define PROCSNAP_SNAPSHOT_INFO_SIZE_VER2	280	/* the target's creds */
#define PROCSNAP_SNAPSHOT_INFO_SIZE_VER3	536	/* its LSM label */

/**
 * struct procsnap_list_arg - LIST argument
 * @size:	in: sizeof(struct procsnap_list_arg)
 * @flags:	in: must be 0
 * @entries:	in: user pointer to an array of entries (may be 0 with
 *		@nr_entries 0, to ask for the count)
 * @entry_size:	in: sizeof(struct procsnap_snapshot_info) of the caller
 * @nr_entries:	in: room in @entries; out: entries written
 * @total:	out: snapshots held (can exceed @nr_entries)
 * @reserved0:	must be 0
 * @reserved:	must be 0
 *
 * Lists the snapshots whose clone is visible in the caller's pid namespace
 * and that the caller may read (PTRACE_MODE_READ_REALCREDS over the clone,
 * which runs with the credentials of its requester: the requester, or
 * whoever may ptrace the requester's processes; never a target of another
 * user).  THREADS, FILES, XSTATE, MEM_OPEN and DELETE need the same.  @entry_size must be from
 * PROCSNAP_SNAPSHOT_INFO_SIZE_VER0 to a page when @nr_entries is not 0 (else
 * EINVAL); a larger entry is zero-filled past what the module knows.
 */
struct procsnap_list_arg {
	__u32 size;
	__u32 flags;
	__u64 entries;
	__u32 entry_size;
	__u32 nr_entries;
	__u32 total;
	__u32 reserved0;
	__u64 reserved[4];
};

#define PROCSNAP_LIST_SIZE_VER0		64

/* Delete every snapshot visible to the caller; clone_pid must be 0. */
#define PROCSNAP_DELETE_ALL		_BITUL(0)

/**
 * struct procsnap_delete_arg - DELETE argument
 * @size:	in: sizeof(struct procsnap_delete_arg)
 * @flags:	in: 0 or PROCSNAP_DELETE_ALL
 * @clone_pid:	in: the snapshot to delete
 * @deleted:	out: how many were deleted
 * @reserved:	must be 0
 *
 * Returns once the snapshots are gone (their memory freed).  ENOENT: no such
 * snapshot; EPERM: the caller may not read it (see LIST).  DELETE_ALL
 * deletes those the caller may and succeeds with @deleted 0 when there are
 * none.
 */
struct procsnap_delete_arg {
	__u32 size;
	__u32 flags;
	__s32 clone_pid;
	__u32 deleted;
	__u64 reserved[4];
};

#define PROCSNAP_DELETE_SIZE_VER0	48

/* How a thread was held during the copy. */
#define PROCSNAP_THREAD_DUPLICATED	_BITUL(0) /* ran the copy */
#define PROCSNAP_THREAD_PARKED		_BITUL(1) /* waited in procsnap */
#define PROCSNAP_THREAD_IN_KERNEL	_BITUL(2) /* was off CPU in the kernel */

#define PROCSNAP_NR_GREGS	27	/* x86-64 struct user_regs_struct */

/**
 * struct procsnap_thread_info - one thread of the target at duplication
 * @tid:	thread id (caller's namespace; 0 when not visible there)
 * @flags:	PROCSNAP_THREAD_*
 * @regs:	user registers in the layout of x86-64 struct user_regs_struct
 *		(the payload of an NT_PRSTATUS note); for a thread that was in
 *		the kernel, as of its kernel entry
 * @xstate_size: bytes of FPU/XSTATE recorded (NT_X86_XSTATE layout)
 * @sched_policy: SCHED_* of the thread, SCHED_RESET_ON_FORK or'd in
 *		(PROCSNAP_FEAT_THREAD_META, as every field below; else 0)
 * @sigblocked:	its blocked signals, bit N-1 for signal N
 * @comm:	its name (NUL-terminated)
 * @nice:	its nice value
 * @rt_priority: its real-time priority (0 for the default class)
 * @seccomp_mode: SECCOMP_MODE_DISABLED, _STRICT or _FILTER
 * @reserved1:	zero
 *
 * @sched_policy to @reserved1 were reserved (zero) before
 * PROCSNAP_FEAT_THREAD_META: the size did not change.
 */
struct procsnap_thread_info {
	__s32 tid;
	__u32 flags;
	__u64 regs[PROCSNAP_NR_GREGS];
	__u32 xstate_size;
	__u32 sched_policy;
	__u64 sigblocked;
	char comm[PROCSNAP_COMM_LEN];
	__s32 nice;
	__u16 rt_priority;
	__u8 seccomp_mode;
	__u8 reserved1;
};

#define PROCSNAP_THREAD_INFO_SIZE_VER0	264

/**
 * struct procsnap_threads_arg - THREADS argument
 * @size:	in: sizeof(struct procsnap_threads_arg)
 * @flags:	in: must be 0
 * @clone_pid:	in: the snapshot
 * @entry_size:	in: sizeof(struct procsnap_thread_info) of the caller
 * @entries:	in: user pointer to an array of entries
 * @nr_entries:	in: room in @entries; out: entries written
 * @total:	out: threads recorded
 * @reserved:	must be 0
 *
 * @entries 0 with @nr_entries 0 asks for @total only.  @entry_size as for
 * LIST, from PROCSNAP_THREAD_INFO_SIZE_VER0 to a page.  ENOENT: no such
 * snapshot; EPERM: the caller may not read it (see LIST).
 */
struct procsnap_threads_arg {
	__u32 size;
	__u32 flags;
	__s32 clone_pid;
	__u32 entry_size;
	__u64 entries;
	__u32 nr_entries;
	__u32 total;
	__u64 reserved[4];
};

#define PROCSNAP_THREADS_SIZE_VER0	64

#define PROCSNAP_FILE_PATH_LEN	512

/**
 * struct procsnap_file_info - one open file descriptor of the target at
 *	duplication (the snapshot itself holds none)
 * @fd:		descriptor number
 * @flags:	the open file's status flags (O_*, as fcntl(F_GETFL))
 * @pos:	file position
 * @ino:	inode number
 * @dev:	device of the inode, encoded as in struct stat's st_dev
 * @mode:	inode mode (file type and permissions)
 * @path_len:	length of the whole path; @path holds at most
 *		PROCSNAP_FILE_PATH_LEN - 1 bytes of it, NUL-terminated (the
 *		module keeps no more)
 * @reserved0:	zero
 * @path:	as /proc/PID/fd/N shows it ("socket:[1234]", "/x (deleted)")
 * @reserved:	zero
 */
struct procsnap_file_info {
	__s32 fd;
	__u32 flags;
	__u64 pos;
	__u64 ino;
	__u32 dev;
	__u32 mode;
	__u32 path_len;
	__u32 reserved0;
	char path[PROCSNAP_FILE_PATH_LEN];
	__u64 reserved[2];
};

#define PROCSNAP_FILE_INFO_SIZE_VER0	568

/**
 * struct procsnap_files_arg - FILES argument
 * @size:	in: sizeof(struct procsnap_files_arg)
 * @flags:	in: must be 0
 * @clone_pid:	in: the snapshot
 * @entry_size:	in: sizeof(struct procsnap_file_info) of the caller
 * @entries:	in: user pointer to an array of entries
 * @nr_entries:	in: room in @entries; out: entries written
 * @total:	out: descriptors recorded
 * @reserved:	must be 0
 *
 * As THREADS: @entries 0 with @nr_entries 0 asks for @total only.
 */
struct procsnap_files_arg {
	__u32 size;
	__u32 flags;
	__s32 clone_pid;
	__u32 entry_size;
	__u64 entries;
	__u32 nr_entries;
	__u32 total;
	__u64 reserved[4];
};

#define PROCSNAP_FILES_SIZE_VER0	64

/**
 * struct procsnap_xstate_arg - XSTATE argument
 * @size:	in: sizeof(struct procsnap_xstate_arg)
 * @flags:	in: must be 0
 * @clone_pid:	in: the snapshot
 * @tid:	in: one of its threads (caller's namespace)
 * @buf:	in: user pointer receiving the thread's FPU/XSTATE at
 *		duplication, in the layout of an NT_X86_XSTATE note
 * @buf_size:	in: room in @buf; out: bytes recorded (copied: the smaller)
 * @reserved0:	must be 0
 * @reserved:	must be 0
 *
 * ENOENT: no such snapshot or thread; ENODATA: nothing was recorded.
 */
struct procsnap_xstate_arg {
	__u32 size;
	__u32 flags;
	__s32 clone_pid;
	__s32 tid;
	__u64 buf;
	__u32 buf_size;
	__u32 reserved0;
	__u64 reserved[4];
};

#define PROCSNAP_XSTATE_SIZE_VER0	64

/**
 * struct procsnap_mem_open_arg - MEM_OPEN argument
 * @size:	in: sizeof(struct procsnap_mem_open_arg)
 * @flags:	in: must be 0
 * @clone_pid:	in: the snapshot
 * @fd:		out: a new read-only, close-on-exec file descriptor
 * @reserved:	must be 0
 *
 * pread() on the file at offset ADDR reads the snapshot's memory at ADDR as
 * /proc/CLONE/mem would (unmapped ranges: EIO); it cannot be written or
 * mapped; a mapping the snapshot froze (PROCSNAP_REQUEST_FREEZE_SHARED)
 * reads from its copy instead, up to its eof (see FROZEN), its pages not
 * resident at the instant as zeros.  The file holds the snapshot's memory,
 * not its process: it keeps reading after the snapshot is deleted only
 * until the memory is torn down (the copies: at once), then reads return
 * 0.  Access is checked once, here, as for THREADS; the
 * file can be passed on.  ENOENT: no such snapshot; EPERM: the caller may
 * not access it.  The module can be unloaded only once every such file is
 * closed.
 */
struct procsnap_mem_open_arg {
	__u32 size;
	__u32 flags;
	__s32 clone_pid;
	__s32 fd;
	__u64 reserved[4];
};

#define PROCSNAP_MEM_OPEN_SIZE_VER0	48

/**
 * struct procsnap_frozen_info - one frozen shared mapping, as FROZEN gives
 * @start:	its first address
 * @end:	the address past it
 * @eof:	the address past the object's last page at the instant
 *		(@end unless the file was shorter than the mapping): reads
 *		from here to @end go to the snapshot's memory, as for any
 *		mapping
 * @bytes:	resident at the instant, and so copied; the rest of
 *		[@start, @eof) was a hole, and reads as zeros
 *
 * Sorted by address.  Struct procsnap_files_arg is FROZEN's argument
 * (@total: mappings frozen), with entries of this kind.  ENOENT: no such
 * snapshot.
 */
struct procsnap_frozen_info {
	__u64 start;
	__u64 end;
	__u64 eof;
	__u64 bytes;
};

#define PROCSNAP_FROZEN_INFO_SIZE_VER0	32

#define PROCSNAP_IOW(nr, ver0_size) \
	_IOC(_IOC_WRITE, PROCSNAP_IOC_MAGIC, (nr), (ver0_size))

#define PROCSNAP_IOC_REQUEST \
	PROCSNAP_IOW(0x01, PROCSNAP_TARGET_SIZE_VER0)
#define PROCSNAP_IOC_CANCEL \
	PROCSNAP_IOW(0x02, PROCSNAP_TARGET_SIZE_VER0)
#define PROCSNAP_IOC_STATE \
	PROCSNAP_IOWR(0x03, PROCSNAP_STATE_SIZE_VER0)
#define PROCSNAP_IOC_WAIT \
	PROCSNAP_IOWR(0x04, PROCSNAP_STATE_SIZE_VER0)
#define PROCSNAP_IOC_LIST \
	PROCSNAP_IOWR(0x05, PROCSNAP_LIST_SIZE_VER0)
#define PROCSNAP_IOC_DELETE \
	PROCSNAP_IOWR(0x06, PROCSNAP_DELETE_SIZE_VER0)
#define PROCSNAP_IOC_THREADS \
	PROCSNAP_IOWR(0x07, PROCSNAP_THREADS_SIZE_VER0)
#define PROCSNAP_IOC_FILES \
	PROCSNAP_IOWR(0x08, PROCSNAP_FILES_SIZE_VER0)
#define PROCSNAP_IOC_XSTATE \
	PROCSNAP_IOWR(0x09, PROCSNAP_XSTATE_SIZE_VER0)
#define PROCSNAP_IOC_MEM_OPEN \
	PROCSNAP_IOWR(0x0a, PROCSNAP_MEM_OPEN_SIZE_VER0)
#define PROCSNAP_IOC_FROZEN \
	PROCSNAP_IOWR(0x0b, PROCSNAP_FILES_SIZE_VER0)

#endif /* _UAPI_PROCSNAP_H */
