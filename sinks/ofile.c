/* ofile.c - safe opening of the files leakwatch writes; see ofile.h. */
#include "sinks/ofile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* An existing file just opened: refuse what someone else could have planted. */
static int ofile_check(int fd, mode_t mode)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return -errno;
    if (!S_ISREG(st.st_mode))
        return 0;
    if (st.st_uid != geteuid())
        return -EPERM;
    if (st.st_nlink != 1)
        return -EMLINK;
    mode_t want = st.st_mode & mode & 07777;
    if ((st.st_mode & 07777) != want && fchmod(fd, want) < 0)
        return -errno;
    return 0;
}

int ofile_open(const char *path, int flags, mode_t mode)
{
    int create = flags & O_CREAT;
    flags = (flags & ~(O_CREAT | O_EXCL)) | O_NOFOLLOW | O_CLOEXEC;
    /* Open what is there, else create it exclusively; a racing creator sends us back
     * to opening (and checking) what it made. Three rounds end a pathological race. */
    for (int round = 0; round < 3; round++) {
        int fd = open(path, flags);
        if (fd < 0 && errno == ENOENT && create) {
            fd = open(path, flags | O_CREAT | O_EXCL, mode);
            if (fd < 0 && errno == EEXIST)
                continue;
            return fd;
        }
        if (fd < 0)
            return -1;
        int rc = ofile_check(fd, mode);
        if (rc < 0) {
            close(fd);
            errno = -rc;
            return -1;
        }
        return fd;
    }
    errno = EEXIST;
    return -1;
}

FILE *ofile_fopen_append(const char *path, mode_t mode)
{
    return ofile_fopen_write(path, mode, 0);
}

FILE *ofile_fopen_write(const char *path, mode_t mode, int truncate)
{
    int fd = ofile_open(path, O_WRONLY | O_APPEND | O_CREAT, mode);
    if (fd < 0)
        return NULL;
    /* Truncated only once the file is known to be ours (O_TRUNC would cut it first). */
    if (truncate && ftruncate(fd, 0) < 0 && errno != EINVAL) {
        int e = errno;
        close(fd);
        errno = e;
        return NULL;
    }
    FILE *f = fdopen(fd, "a");
    if (!f) {
        int e = errno;
        close(fd);
        errno = e;
    }
    return f;
}

const char *ofile_strerror(int e)
{
    switch (e) {
    case ELOOP: return "is a symbolic link (refused)";
    case EPERM: return "belongs to another user (refused)";
    case EMLINK: return "has several hard links (refused)";
    default: return strerror(e);
    }
}
