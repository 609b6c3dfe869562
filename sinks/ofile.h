/* ofile.h - opening the files leakwatch writes (the spool, its offset and lock files,
 * the -o event file) without being steered by whoever else can write to their
 * directory (issue 20 defect 4: the default spool lives in world-writable /var/tmp).
 *
 * A symbolic link at the path is never followed (O_NOFOLLOW); a file is created only
 * with O_EXCL, so nothing planted between a check and the creation is used; an existing
 * regular file must belong to the effective user and have a single link (a hard link
 * to someone's file is refused), and its mode is narrowed to the one asked for. Other
 * existing files (a FIFO, /dev/null, a terminal) are used as they are. It does not
 * check the directories above the file: a directory the attacker owns is out of reach
 * of any open flag, and the product's defaults avoid such directories. */
#ifndef LW_SINKS_OFILE_H
#define LW_SINKS_OFILE_H

#include <stdio.h>
#include <sys/types.h>

/* open(2) of path with flags (O_CREAT allowed: the file is then made with O_EXCL and
 * mode, less the umask), plus O_NOFOLLOW and O_CLOEXEC. Returns the descriptor, owned
 * by the caller (close()), or -1 with errno set: ELOOP for a symbolic link, EPERM for
 * a file of another user, EMLINK for a file with several links. */
int ofile_open(const char *path, int flags, mode_t mode);

/* The same for appending (O_WRONLY | O_APPEND | O_CREAT) as a stdio stream; the caller
 * fcloses it. NULL with errno set on failure. */
FILE *ofile_fopen_append(const char *path, mode_t mode);
/* The same, emptying a regular file first when truncate is set (-o with --truncate). */
FILE *ofile_fopen_write(const char *path, mode_t mode, int truncate);

/* A short reason for errno values ofile_open() sets itself, else strerror(e). */
const char *ofile_strerror(int e);

#endif
