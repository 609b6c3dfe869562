/* paths.c - see paths.h. */
#include "cli/paths.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef LW_SOURCE_DATA
#define LW_SOURCE_DATA "data"
#endif
#ifndef LW_INSTALL_DATA
#define LW_INSTALL_DATA "/usr/local/share/leakwatch"
#endif

static int has_ontology(const char *dir)
{
    char p[PATH_MAX + 32];
    struct stat st;
    snprintf(p, sizeof p, "%s/ontology.yaml", dir);
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* <dir of /proc/self/exe>/../share/leakwatch, canonical, if it holds rule data. */
static int beside_binary(char *buf, size_t len)
{
    char exe[PATH_MAX], cand[PATH_MAX + 32], real[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return 0;
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (!slash)
        return 0;
    *slash = 0;
    snprintf(cand, sizeof cand, "%s/../share/leakwatch", exe);
    if (!realpath(cand, real) || !has_ontology(real))
        return 0;
    snprintf(buf, len, "%s", real);
    return 1;
}

const char *paths_rules_default(char *buf, size_t len)
{
    if (beside_binary(buf, len))
        return buf;
    /* Only a binary still in its build tree finds the sources; an installed one
     * found its share/ above. */
    snprintf(buf, len, "%s", has_ontology(LW_SOURCE_DATA) ? LW_SOURCE_DATA : LW_INSTALL_DATA);
    return buf;
}

/* mkdir -p for the parents, 0700 for the last component (the spool holds events). */
static int make_dirs(char *path, char *err, size_t errlen)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        int rc = mkdir(path, 0755);
        *p = '/';
        if (rc < 0 && errno != EEXIST)
            goto fail;
    }
    if (mkdir(path, 0700) < 0 && errno != EEXIST)
        goto fail;
    return 0;
fail:
    snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
    return -1;
}

const char *paths_spool_default(char *buf, size_t len, char *err, size_t errlen)
{
    char dir[PATH_MAX];
    const char *state = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    if (state && state[0] == '/') {
        snprintf(dir, sizeof dir, "%s/leakwatch", state);
    } else {
        if (!home || home[0] != '/') {
            struct passwd *pw = getpwuid(getuid());
            home = pw ? pw->pw_dir : NULL;
        }
        if (!home || home[0] != '/') {
            snprintf(err, errlen, "no home directory for the default spool; give --spool FILE");
            return NULL;
        }
        snprintf(dir, sizeof dir, "%s/.local/state/leakwatch", home);
    }
    if (make_dirs(dir, err, errlen) < 0)
        return NULL;
    snprintf(buf, len, "%s/spool.jsonl", dir);
    return buf;
}
