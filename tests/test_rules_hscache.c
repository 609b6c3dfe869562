/* Hyperscan database cache: a second compile of the same patterns is a load that
 * scans the same; other patterns are another file; truncated, corrupt, foreign or
 * linked files are ignored and replaced; no directory means no cache. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rules/diskcache.h"
#include "rules/hscache.h"
#include "tests/testutil.h"

static const char *const exprs[] = {"imei=[0-9]{15}", "356938035643809", "ab+c"};
static const unsigned flags[] = {0, 0, HS_FLAG_SOM_LEFTMOST};
static const unsigned ids[] = {1, 2, 3};
static const char text[] = "x imei=356938035643809 abbbc abc";

static int on_match(unsigned id, unsigned long long from, unsigned long long to,
                    unsigned fl, void *ctx)
{
    (void)from;
    (void)fl;
    unsigned long long *sum = ctx;
    *sum += id * 1000 + to;
    return 0;
}

/* Compile through the cache; returns how, and a checksum of a scan of text. */
static enum hscache_how build(const char *dir, const unsigned *id_list,
                              unsigned long long *scan)
{
    hs_database_t *db = NULL;
    hs_compile_error_t *cerr = NULL;
    enum hscache_how how = HSCACHE_LOADED;
    hs_error_t e = hscache_compile_multi(dir, exprs, flags, id_list, 3, HS_MODE_BLOCK, &db,
                                         &cerr, &how);
    CU_ASSERT_FATAL(e == HS_SUCCESS && db != NULL);
    hs_scratch_t *s = NULL;
    CU_ASSERT_FATAL(hs_alloc_scratch(db, &s) == HS_SUCCESS);
    *scan = 0;
    CU_ASSERT(hs_scan(db, text, sizeof text - 1, 0, s, on_match, scan) == HS_SUCCESS);
    hs_free_scratch(s);
    hs_free_database(db);
    hs_free_compile_error(cerr);
    return how;
}

/* Number of .hsdb files in dir; the last one's path in path. */
static int files(const char *dir, char *path, size_t cap)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (!d)
        return 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t l = strlen(e->d_name);
        if (l > 5 && !strcmp(e->d_name + l - 5, ".hsdb")) {
            n++;
            snprintf(path, cap, "%s/%s", dir, e->d_name);
        }
    }
    closedir(d);
    return n;
}

static void test_no_dir(void)
{
    unsigned long long a;
    CU_ASSERT_EQUAL(build(NULL, ids, &a), HSCACHE_COMPILED);
    CU_ASSERT(a != 0);
}

static void test_store_then_load(void)
{
    char dir[512], path[1024];
    snprintf(dir, sizeof dir, "%s", tu_path("deep/er/cache"));
    unsigned long long a, b, c;
    CU_ASSERT_EQUAL(build(dir, ids, &a), HSCACHE_STORED);
    CU_ASSERT_EQUAL(files(dir, path, sizeof path), 1);
    struct stat st;
    CU_ASSERT_FATAL(stat(path, &st) == 0);
    CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
    CU_ASSERT_FATAL(stat(dir, &st) == 0);
    CU_ASSERT_EQUAL(st.st_mode & 0777, 0700);
    CU_ASSERT_EQUAL(build(dir, ids, &b), HSCACHE_LOADED);
    CU_ASSERT_EQUAL(a, b);
    /* other ids are another database */
    static const unsigned ids2[] = {7, 8, 9};
    CU_ASSERT_EQUAL(build(dir, ids2, &c), HSCACHE_STORED);
    CU_ASSERT(c != a);
    CU_ASSERT_EQUAL(files(dir, path, sizeof path), 2);
    CU_ASSERT_EQUAL(build(dir, ids2, &c), HSCACHE_LOADED);
}

/* Damage the one cache file with cmd (a shell command given its path), then the
 * next build must compile, scan the same, and leave a good file behind. */
static void damaged(const char *name, const char *cmd)
{
    char dir[512], path[1024];
    snprintf(dir, sizeof dir, "%s", tu_path(name));
    unsigned long long good, a, b;
    CU_ASSERT_EQUAL_FATAL(build(dir, ids, &good), HSCACHE_STORED);
    CU_ASSERT_FATAL(files(dir, path, sizeof path) == 1);
    CU_ASSERT_EQUAL_FATAL(tu_sh(NULL, cmd, path), 0);
    CU_ASSERT_EQUAL(build(dir, ids, &a), HSCACHE_STORED);
    CU_ASSERT_EQUAL(a, good);
    CU_ASSERT_EQUAL(build(dir, ids, &b), HSCACHE_LOADED);
    CU_ASSERT_EQUAL(b, good);
    CU_ASSERT_EQUAL(files(dir, path, sizeof path), 1);
}

static void test_truncated(void)
{
    damaged("trunc", "truncate -s 100 '%s'");
    damaged("trunc0", "truncate -s 0 '%s'");
    damaged("trunc-hdr", "truncate -s 20 '%s'");
}

static void test_corrupt(void)
{
    /* one byte of the payload flipped; then one of the key */
    damaged("flip", "printf '\\377' | dd of='%s' bs=1 seek=500 conv=notrunc 2>/dev/null");
    damaged("flipkey", "printf '\\377' | dd of='%s' bs=1 seek=9 conv=notrunc 2>/dev/null");
    damaged("garbage", "head -c 4000 /dev/urandom > '%s'");
}

static void test_foreign(void)
{
    /* writable by others: not trusted */
    damaged("groupw", "chmod 0666 '%s'");
}

static void test_link_not_followed(void)
{
    char dir[512], path[1024], victim[1100];
    snprintf(dir, sizeof dir, "%s", tu_path("symlink"));
    unsigned long long good, a;
    CU_ASSERT_EQUAL_FATAL(build(dir, ids, &good), HSCACHE_STORED);
    CU_ASSERT_FATAL(files(dir, path, sizeof path) == 1);
    snprintf(victim, sizeof victim, "%s/victim", dir);
    /* the cache file becomes a link to a file holding the right bytes */
    CU_ASSERT_FATAL(rename(path, victim) == 0);
    CU_ASSERT_FATAL(symlink(victim, path) == 0);
    CU_ASSERT_EQUAL(build(dir, ids, &a), HSCACHE_STORED);
    CU_ASSERT_EQUAL(a, good);
    struct stat st;
    CU_ASSERT(lstat(path, &st) == 0 && S_ISREG(st.st_mode));
    CU_ASSERT(lstat(victim, &st) == 0 && S_ISREG(st.st_mode));
}

static void test_default_dir(void)
{
    char buf[256];
    setenv("XDG_CACHE_HOME", "/x/cache", 1);
    CU_ASSERT(diskcache_default_dir(buf, sizeof buf) == 0 && !strcmp(buf, "/x/cache/leakwatch"));
    setenv("XDG_CACHE_HOME", "relative", 1);
    setenv("HOME", "/home/u", 1);
    CU_ASSERT(diskcache_default_dir(buf, sizeof buf) == 0 &&
              !strcmp(buf, "/home/u/.cache/leakwatch"));
    unsetenv("XDG_CACHE_HOME");
    unsetenv("HOME");
    CU_ASSERT(diskcache_default_dir(buf, sizeof buf) < 0);
}

int main(void)
{
    static const struct tu_case cases[] = {
        {"no directory, no cache", test_no_dir},
        {"stored, then loaded; other ids, other file", test_store_then_load},
        {"truncated file rebuilt", test_truncated},
        {"corrupt file rebuilt", test_corrupt},
        {"group-writable file not trusted", test_foreign},
        {"link at the cache path not followed", test_link_not_followed},
        {"default directory", test_default_dir},
        {NULL, NULL},
    };
    return tu_run("rules_hscache", cases);
}
