/* privileges.c - see privileges.h. */
#include "cli/privileges.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int privileges_drop(const char *user, int allow_root, char *err, size_t errlen)
{
    if (user) {
        struct passwd *pw = getpwnam(user);
        if (!pw) {
            snprintf(err, errlen, "--user %s: no such user", user);
            return -1;
        }
        if (setgroups(1, &pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
            snprintf(err, errlen, "--user %s: cannot switch user: %s", user, strerror(errno));
            return -1;
        }
        if (pw->pw_uid != 0 && setuid(0) == 0) {
            snprintf(err, errlen, "--user %s: could switch back to root; refusing to go on",
                     user);
            return -1;
        }
    }
    if (geteuid() == 0 || getuid() == 0) {
        if (allow_root)
            return 0;
        snprintf(err, errlen, "refusing to keep running as root: give --user NAME (the "
                              "capture is already open), or --allow-root");
        return -1;
    }
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
    memset(d, 0, sizeof d);
    if (syscall(SYS_capset, &h, d) < 0) {
        snprintf(err, errlen, "cannot drop capabilities: %s", strerror(errno));
        return -1;
    }
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    return 0;
}
