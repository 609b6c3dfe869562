/* test_sinks_files.c - the files the sinks write, under attack from whoever else can
 * write to their directory (issue 20 defects 4 and 5): symbolic links planted at the
 * spool, its lock and offset files and the -o file are refused and their targets left
 * untouched; a hard link to someone's file and a file of another user are refused;
 * modes are 0600 (spool) and 0640 (-o, also narrowed on an existing file); a lock
 * file left by a dead process is taken over, a live holder is named by its pid. Real
 * files in the test's own directory, real processes for the locks. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/lwerr.h"
#include "sinks/sink.h"
#include "sinks/spool.h"
#include "tests/testutil.h"

static char dir[512];

static const char *p(const char *name)
{
    static char b[4][640];
    static int k;
    k = (k + 1) % 4;
    snprintf(b[k], sizeof b[k], "%s/%s", dir, name);
    return b[k];
}

static void setup(const char *sub)
{
    snprintf(dir, sizeof dir, "%s", tu_path(sub));
    char *o = NULL;
    tu_sh(&o, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    free(o);
}

static const char victim_text[] = "root-only secret\n";

static void plant_victim(void)
{
    CU_ASSERT_FATAL(tu_write(p("victim"), victim_text, sizeof victim_text - 1) == 0);
    chmod(p("victim"), 0600);
}

static int victim_intact(void)
{
    size_t n = 0;
    char *t = tu_slurp(p("victim"), &n);
    int ok = t && n == sizeof victim_text - 1 && !memcmp(t, victim_text, n);
    free(t);
    return ok;
}

static mode_t mode_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

static int append1(sink_spool_t *sp, char *err)
{
    const char *rec = "{\"event_type\":\"x\"}";
    size_t len = strlen(rec), done = 0;
    return sink_spool_append(sp, &rec, &len, 1, &done, err, LW_ERRBUF);
}

/* A symlink at the spool, at its lock file, at its offset file: refused, with the
 * reason; the file it points to is not created, truncated, read or written. */
static void t_spool_symlinks(void)
{
    static const char *const where[] = {"s.jsonl", "s.jsonl.lock", "s.jsonl.off"};
    for (int w = 0; w < 3; w++) {
        setup("symlinks");
        plant_victim();
        if (w == 2) { /* a real pending spool, so the offset file is used */
            sink_spool_t *sp = NULL;
            char err[LW_ERRBUF];
            CU_ASSERT_FATAL(sink_spool_open(p("s.jsonl"), 1 << 20, &sp, err, sizeof err) == 0);
            CU_ASSERT(append1(sp, err) == 0);
            CU_ASSERT(append1(sp, err) == 0);
            sink_spool_free(sp);
        }
        CU_ASSERT_FATAL(symlink(p("victim"), p(where[w])) == 0);
        CU_ASSERT_FATAL(symlink(p("nothing-here"), p("dangling")) == 0);
        sink_spool_t *sp = NULL;
        char err[LW_ERRBUF] = "";
        int rc = sink_spool_open(p("s.jsonl"), 1 << 20, &sp, err, sizeof err);
        if (w < 2) {
            CU_ASSERT_EQUAL(rc, LW_ERR_IO);
            CU_ASSERT_PTR_NOT_NULL(strstr(err, "symbolic link"));
        } else {
            /* Opened (the records are ours); replaying must not write the offset
             * through the link. */
            CU_ASSERT_EQUAL_FATAL(rc, 0);
            struct sink_spool_batch b = {0};
            CU_ASSERT_EQUAL(sink_spool_peek(sp, 1, &b, err, sizeof err), 1);
            CU_ASSERT_EQUAL(sink_spool_consume(sp, &b, 1, err, sizeof err), LW_ERR_IO);
            CU_ASSERT_PTR_NOT_NULL(strstr(err, "symbolic link"));
            sink_spool_batch_clear(&b);
        }
        sink_spool_free(sp);
        CU_ASSERT(victim_intact());
        CU_ASSERT_EQUAL(mode_of(p("victim")), 0600);
    }
    /* A dangling link where the spool will be created on first append. */
    setup("dangling");
    sink_spool_t *sp = NULL;
    char err[LW_ERRBUF] = "";
    CU_ASSERT_EQUAL_FATAL(sink_spool_open(p("s.jsonl"), 1 << 20, &sp, err, sizeof err), 0);
    CU_ASSERT_FATAL(symlink(p("created-by-us"), p("s.jsonl")) == 0);
    CU_ASSERT_EQUAL(append1(sp, err), LW_ERR_IO);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "symbolic link"));
    CU_ASSERT_NOT_EQUAL(access(p("created-by-us"), F_OK), 0);
    sink_spool_free(sp);
}

/* A hard link to a file of ours elsewhere, and (as root) a file of another user. */
static void t_spool_links_owners(void)
{
    setup("hardlink");
    plant_victim();
    CU_ASSERT_FATAL(link(p("victim"), p("s.jsonl")) == 0);
    sink_spool_t *sp = NULL;
    char err[LW_ERRBUF] = "";
    CU_ASSERT_EQUAL(sink_spool_open(p("s.jsonl"), 1 << 20, &sp, err, sizeof err), LW_ERR_IO);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "hard links"));
    CU_ASSERT(victim_intact());
    if (geteuid() != 0)
        return; /* only root can plant a file of another user here */
    setup("owner");
    CU_ASSERT_FATAL(tu_write(p("s.jsonl"), "{}\n", 3) == 0);
    CU_ASSERT_FATAL(chown(p("s.jsonl"), 65534, 65534) == 0);
    CU_ASSERT_EQUAL(sink_spool_open(p("s.jsonl"), 1 << 20, &sp, err, sizeof err), LW_ERR_IO);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "another user"));
}

/* Modes: spool, offset and lock files 0600 whatever the umask allows; -o 0640, and an
 * existing 0644 event file narrowed to 0640. */
static void t_modes(void)
{
    setup("modes");
    mode_t old = umask(0);
    sink_spool_t *sp = NULL;
    char err[LW_ERRBUF] = "";
    CU_ASSERT_EQUAL_FATAL(sink_spool_open(p("s.jsonl"), 1 << 20, &sp, err, sizeof err), 0);
    CU_ASSERT(append1(sp, err) == 0);
    CU_ASSERT(append1(sp, err) == 0);
    struct sink_spool_batch b = {0};
    CU_ASSERT_EQUAL(sink_spool_peek(sp, 1, &b, err, sizeof err), 1);
    CU_ASSERT_EQUAL(sink_spool_consume(sp, &b, 1, err, sizeof err), 0);
    sink_spool_batch_clear(&b);
    CU_ASSERT_EQUAL(mode_of(p("s.jsonl")), 0600);
    CU_ASSERT_EQUAL(mode_of(p("s.jsonl.off")), 0600);
    CU_ASSERT_EQUAL(mode_of(p("s.jsonl.lock")), 0600);
    sink_spool_free(sp);
    for (int existing = 0; existing < 2; existing++) {
        const char *out = p(existing ? "old.json" : "new.json");
        if (existing) {
            CU_ASSERT_FATAL(tu_write(out, "", 0) == 0);
            chmod(out, 0644);
        }
        struct sink_config cfg = {.out_path = out};
        sink_t *s = NULL;
        CU_ASSERT_EQUAL_FATAL(sink_open(&cfg, &s, err, sizeof err), 0);
        sink_emit(s, json_pack("{s:s}", "event_type", "x"));
        struct sink_stats st;
        CU_ASSERT_EQUAL(sink_close(s, &st, err, sizeof err), 0);
        sink_free(s);
        CU_ASSERT_EQUAL(st.written_lines, 1);
        CU_ASSERT_EQUAL(mode_of(out), 0640);
    }
    umask(old);
}

/* -o at a planted symlink: sink_open refuses it and names why; the target is intact.
 * /dev/null (a device, not a regular file) is still accepted. */
static void t_output_symlink(void)
{
    setup("osym");
    plant_victim();
    CU_ASSERT_FATAL(symlink(p("victim"), p("events.json")) == 0);
    struct sink_config cfg = {.out_path = p("events.json")};
    sink_t *s = NULL;
    char err[LW_ERRBUF] = "";
    CU_ASSERT_EQUAL(sink_open(&cfg, &s, err, sizeof err), LW_ERR_IO);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "symbolic link"));
    sink_free(s);
    CU_ASSERT(victim_intact());
    cfg.out_path = "/dev/null";
    s = NULL;
    CU_ASSERT_EQUAL(sink_open(&cfg, &s, err, sizeof err), 0);
    struct sink_stats st;
    CU_ASSERT_EQUAL(sink_close(s, &st, err, sizeof err), 0);
    sink_free(s);
}

/* A lock file whose pid is a process that has exited: taken over, and now holds our
 * pid. A live holder (a child process that keeps the spool open): refused, named. */
static void t_stale_lock(void)
{
    setup("lock");
    pid_t dead = fork();
    if (dead == 0)
        _exit(0);
    CU_ASSERT_FATAL(dead > 0);
    waitpid(dead, NULL, 0);
    char b[32];
    int n = snprintf(b, sizeof b, "%ld\n", (long)dead);
    CU_ASSERT_FATAL(tu_write(p("s.jsonl.lock"), b, (size_t)n) == 0);
    chmod(p("s.jsonl.lock"), 0600);
    sink_spool_t *sp = NULL;
    char err[LW_ERRBUF] = "";
    CU_ASSERT_EQUAL_FATAL(sink_spool_open(p("s.jsonl"), 1 << 20, &sp, err, sizeof err), 0);
    size_t len = 0;
    char *t = tu_slurp(p("s.jsonl.lock"), &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL(strtol(t, NULL, 10), (long)getpid());
    free(t);
    sink_spool_free(sp);

    int ready[2], release[2];
    CU_ASSERT_FATAL(pipe(ready) == 0 && pipe(release) == 0);
    pid_t holder = fork();
    if (holder == 0) {
        sink_spool_t *h = NULL;
        char e[LW_ERRBUF];
        char c = sink_spool_open(p("s.jsonl"), 1 << 20, &h, e, sizeof e) == 0 ? 'y' : 'n';
        if (write(ready[1], &c, 1) != 1 || read(release[0], &c, 1) < 0)
            _exit(2);
        sink_spool_free(h);
        _exit(0);
    }
    char c = 0;
    CU_ASSERT_FATAL(read(ready[0], &c, 1) == 1 && c == 'y');
    CU_ASSERT_EQUAL(sink_spool_open(p("s.jsonl"), 1 << 20, &sp, err, sizeof err),
                    LW_ERR_INVAL);
    char want[64];
    snprintf(want, sizeof want, "in use by process %ld", (long)holder);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
    CU_ASSERT(write(release[1], "x", 1) == 1);
    int status = 0;
    waitpid(holder, &status, 0);
    CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(ready[0]), close(ready[1]), close(release[0]), close(release[1]);
    /* The holder is gone: the next run goes on. */
    CU_ASSERT_EQUAL(sink_spool_open(p("s.jsonl"), 1 << 20, &sp, err, sizeof err), 0);
    sink_spool_free(sp);
}

int main(void)
{
    static const struct tu_case cases[] = {
        {"spool: symlinks at the spool, lock and offset files are refused", t_spool_symlinks},
        {"spool: hard links and files of another user are refused", t_spool_links_owners},
        {"modes: spool 0600, -o 0640 (narrowed when it exists)", t_modes},
        {"-o: a planted symlink is refused, /dev/null is not", t_output_symlink},
        {"spool lock: a dead owner's lock is taken over, a live one named", t_stale_lock},
        {NULL, NULL},
    };
    return tu_run("sinks_files", cases);
}
