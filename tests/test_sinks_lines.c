/* test_sinks_lines.c - the queue and the JSON-lines path of the sink: exact output,
 * event_id vectors, reopen (logrotate), write errors reported, many producers. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sinks/queue.h"
#include "sinks/sink.h"
#include "common/lwerr.h"
#include "tests/testutil.h"

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

static json_t *mkev(const char *type, long long seq)
{
    return json_pack("{s:s, s:s, s:I}", "timestamp", "2026-11-24T10:00:00.000000Z",
                     "event_type", type, "seq", (json_int_t)seq);
}

/* FNV-1a 64 published test vectors (Fowler/Noll/Vo reference test suite). */
static void test_event_id_vectors(void)
{
    char id[17];
    sink_event_id("", 0, id);
    CU_ASSERT_STRING_EQUAL(id, "cbf29ce484222325");
    sink_event_id("a", 1, id);
    CU_ASSERT_STRING_EQUAL(id, "af63dc4c8601ec8c");
    sink_event_id("foobar", 6, id);
    CU_ASSERT_STRING_EQUAL(id, "85944171f73967e8");
}

static void test_queue_basics(void)
{
    sink_queue_t *q = sink_queue_new(2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    json_t *a = json_integer(1), *b = json_integer(2), *c = json_integer(3);
    int waited = 0;
    CU_ASSERT_EQUAL(sink_queue_push(q, (struct sink_item){.ev = a}, 0, &waited), 0);
    CU_ASSERT_EQUAL(sink_queue_push(q, (struct sink_item){.ev = b}, 0, &waited), 0);
    CU_ASSERT_EQUAL(waited, 0);
    long t0 = now_ms();
    CU_ASSERT_EQUAL(sink_queue_push(q, (struct sink_item){.ev = c}, 50, &waited), LW_ERR_FULL);
    long dt = now_ms() - t0;
    CU_ASSERT(dt >= 45 && dt < 2000);
    CU_ASSERT_EQUAL(waited, 1);
    struct sink_item out[4];
    CU_ASSERT_EQUAL(sink_queue_pop(q, out, 4, 0), 2);
    CU_ASSERT_EQUAL(json_integer_value(out[0].ev), 1); /* FIFO */
    CU_ASSERT_EQUAL(json_integer_value(out[1].ev), 2);
    json_decref(out[0].ev);
    json_decref(out[1].ev);
    CU_ASSERT_EQUAL(sink_queue_pop(q, out, 4, 10), 0); /* timeout, empty */
    CU_ASSERT_EQUAL(sink_queue_push(q, (struct sink_item){.ev = c}, 0, NULL), 0);
    sink_queue_close(q);
    json_t *d = json_integer(4);
    CU_ASSERT_EQUAL(sink_queue_push(q, (struct sink_item){.ev = d}, 0, NULL), LW_ERR_INVAL);
    json_decref(d);
    CU_ASSERT_EQUAL(sink_queue_pop(q, out, 4, 0), 1); /* drains after close */
    json_decref(out[0].ev);
    CU_ASSERT_EQUAL(sink_queue_pop(q, out, 4, 0), -1);
    sink_queue_free(q);
    sink_queue_free(NULL);
}

/* Expected event_id of a line, computed outside the code under test. */
static void py_fnv(const char *line, char out[17])
{
    char *o = NULL;
    int st = tu_sh(&o, "python3 -c 'import sys\nh=0xcbf29ce484222325\n"
                       "for b in sys.argv[1].encode():\n h^=b; h=(h*0x100000001b3)%%(1<<64)\n"
                       "print(\"%%016x\"%%h, end=\"\")' '%s'", line);
    CU_ASSERT_EQUAL(st, 0);
    snprintf(out, 17, "%s", o ? o : "");
    free(o);
}

static void test_lines_exact(void)
{
    const char *path = tu_path("exact.jsonl");
    unlink(path);
    struct sink_config cfg = {.out_path = path};
    sink_t *s = NULL;
    char err[LW_ERRBUF];
    CU_ASSERT_EQUAL_FATAL(sink_open(&cfg, &s, err, sizeof err), 0);
    CU_ASSERT_EQUAL(sink_emit(s, json_loads("{\"timestamp\":\"T1\",\"event_type\":\"flow\","
                                            "\"src_port\":40522,\"x\":{\"b\":1,\"a\":2.5}}",
                                            0, NULL)), 0);
    CU_ASSERT_EQUAL(sink_emit(s, json_loads("{\"timestamp\":\"T2\",\"event_type\":\"stats\","
                                            "\"event_id\":\"given\"}", 0, NULL)), 0);
    struct sink_stats st;
    CU_ASSERT_EQUAL(sink_close(s, &st, err, sizeof err), 0);
    CU_ASSERT_EQUAL(st.emitted, 2);
    CU_ASSERT_EQUAL(st.written_lines, 2);
    CU_ASSERT_EQUAL(st.lost, 0);
    sink_free(s);
    char id[17], want[512];
    py_fnv("{\"timestamp\":\"T1\",\"event_type\":\"flow\",\"src_port\":40522,"
           "\"x\":{\"b\":1,\"a\":2.5}}", id);
    snprintf(want, sizeof want,
             "{\"timestamp\":\"T1\",\"event_type\":\"flow\",\"src_port\":40522,"
             "\"x\":{\"b\":1,\"a\":2.5},\"event_id\":\"%s\"}\n"
             "{\"timestamp\":\"T2\",\"event_type\":\"stats\",\"event_id\":\"given\"}\n", id);
    char *got = tu_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(got);
    CU_ASSERT_STRING_EQUAL(got, want);
    free(got);
}

static int wait_written(sink_t *s, uint64_t n)
{
    struct sink_stats st;
    for (int i = 0; i < 500; i++) {
        sink_get_stats(s, &st);
        if (st.written_lines >= n)
            return 1;
        usleep(10000);
    }
    return 0;
}

static void test_reopen(void)
{
    char path[512], rotated[512];
    snprintf(path, sizeof path, "%s", tu_path("rot.jsonl"));
    snprintf(rotated, sizeof rotated, "%s", tu_path("rot.jsonl.1"));
    unlink(path);
    unlink(rotated);
    struct sink_config cfg = {.out_path = path};
    sink_t *s = NULL;
    char err[LW_ERRBUF];
    CU_ASSERT_EQUAL_FATAL(sink_open(&cfg, &s, err, sizeof err), 0);
    for (int i = 0; i < 10; i++)
        sink_emit(s, mkev("flow", i));
    CU_ASSERT(wait_written(s, 10));
    CU_ASSERT_EQUAL(rename(path, rotated), 0); /* what logrotate does */
    sink_request_reopen(s);
    /* The reopen happens within one 100 ms poll; wait until the new file exists. */
    for (int i = 0; i < 100 && access(path, F_OK) != 0; i++)
        usleep(10000);
    CU_ASSERT_EQUAL(access(path, F_OK), 0);
    for (int i = 10; i < 15; i++)
        sink_emit(s, mkev("flow", i));
    CU_ASSERT_EQUAL(sink_close(s, NULL, err, sizeof err), 0);
    sink_free(s);
    char *a = tu_slurp(rotated, NULL), *b = tu_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(tu_count(a, "\n"), 10);
    CU_ASSERT_EQUAL(tu_count(b, "\n"), 5);
    CU_ASSERT_PTR_NOT_NULL(strstr(a, "\"seq\":9,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(b, "\"seq\":10,"));
    free(a);
    free(b);
}

static void test_write_error_reported(void)
{
    struct sink_config cfg = {.out_path = "/dev/full"};
    sink_t *s = NULL;
    char err[LW_ERRBUF] = "";
    CU_ASSERT_EQUAL_FATAL(sink_open(&cfg, &s, err, sizeof err), 0);
    for (int i = 0; i < 5; i++)
        sink_emit(s, mkev("flow", i));
    struct sink_stats st;
    int rc = sink_close(s, &st, err, sizeof err);
    CU_ASSERT_EQUAL(rc, LW_ERR_IO);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, strerror(ENOSPC)));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "/dev/full"));
    CU_ASSERT_EQUAL(st.written_lines, 0);
    CU_ASSERT_EQUAL(st.line_errors, 5);
    CU_ASSERT_EQUAL(st.lost, 5);
    sink_free(s);
}

static void test_open_error(void)
{
    struct sink_config cfg = {.out_path = "/nonexistent-dir/x.jsonl"};
    sink_t *s = (sink_t *)1;
    char err[LW_ERRBUF] = "";
    CU_ASSERT_EQUAL(sink_open(&cfg, &s, err, sizeof err), LW_ERR_IO);
    CU_ASSERT_PTR_NULL(s);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent-dir/x.jsonl"));
}

/* stdout closed under the sink: the error must come back from sink_close. Run in a
 * child so the test's own stdout stays. */
static void test_closed_stdout(void)
{
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        close(1);
        struct sink_config cfg = {0};
        sink_t *s = NULL;
        char err[LW_ERRBUF] = "";
        if (sink_open(&cfg, &s, err, sizeof err) != 0)
            _exit(2);
        sink_emit(s, mkev("flow", 1));
        struct sink_stats st;
        int rc = sink_close(s, &st, err, sizeof err);
        sink_free(s);
        _exit(rc == LW_ERR_IO && st.line_errors == 1 && strstr(err, "stdout") ? 0 : 1);
    }
    int ws = 0;
    waitpid(pid, &ws, 0);
    CU_ASSERT(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
}

static void test_emit_after_close(void)
{
    const char *path = tu_path("late.jsonl");
    struct sink_config cfg = {.out_path = path};
    sink_t *s = NULL;
    char err[LW_ERRBUF];
    CU_ASSERT_EQUAL_FATAL(sink_open(&cfg, &s, err, sizeof err), 0);
    CU_ASSERT_EQUAL(sink_close(s, NULL, err, sizeof err), 0);
    CU_ASSERT(sink_emit(s, mkev("flow", 1)) < 0);
    struct sink_stats st;
    sink_get_stats(s, &st);
    CU_ASSERT_EQUAL(st.lost, 1);
    sink_free(s);
    sink_free(NULL);
}

#define NPROD 8
#define PER_PROD 20000

struct prod {
    sink_t *s;
    int id;
    int fails;
};

static void *producer(void *arg)
{
    struct prod *p = arg;
    for (int i = 0; i < PER_PROD; i++)
        if (sink_emit(p->s, mkev("flow", (long long)p->id * 1000000 + i)) != 0)
            p->fails++;
    return NULL;
}

static void test_many_producers(void)
{
    const char *path = tu_path("many.jsonl");
    unlink(path);
    struct sink_config cfg = {.out_path = path, .queue_capacity = 64};
    sink_t *s = NULL;
    char err[LW_ERRBUF];
    CU_ASSERT_EQUAL_FATAL(sink_open(&cfg, &s, err, sizeof err), 0);
    pthread_t th[NPROD];
    struct prod ps[NPROD];
    for (int i = 0; i < NPROD; i++) {
        ps[i] = (struct prod){.s = s, .id = i};
        pthread_create(&th[i], NULL, producer, &ps[i]);
    }
    for (int i = 0; i < NPROD; i++) {
        pthread_join(th[i], NULL);
        CU_ASSERT_EQUAL(ps[i].fails, 0);
    }
    struct sink_stats st;
    CU_ASSERT_EQUAL(sink_close(s, &st, err, sizeof err), 0);
    CU_ASSERT_EQUAL(st.emitted, NPROD * PER_PROD);
    CU_ASSERT_EQUAL(st.written_lines, NPROD * PER_PROD);
    CU_ASSERT_EQUAL(st.lost, 0);
    sink_free(s);
    /* Every (producer, seq) exactly once, counted by tools outside the code. */
    char *o = NULL;
    tu_sh(&o, "grep -o '\"seq\":[0-9]*' '%s' | sort -u | wc -l", path);
    CU_ASSERT_EQUAL(o ? atol(o) : -1, NPROD * PER_PROD);
    free(o);
    tu_sh(&o, "wc -l < '%s'", path);
    CU_ASSERT_EQUAL(o ? atol(o) : -1, NPROD * PER_PROD);
    free(o);
}

int main(void)
{
    static const struct tu_case cases[] = {
        {"event_id FNV-1a vectors", test_event_id_vectors},
        {"queue push/pop/timeout/close", test_queue_basics},
        {"JSON lines exact output", test_lines_exact},
        {"reopen after rename (logrotate)", test_reopen},
        {"write error (disk full) reported", test_write_error_reported},
        {"open error names the file", test_open_error},
        {"closed stdout reported", test_closed_stdout},
        {"emit after close counted lost", test_emit_after_close},
        {"many producers, nothing lost", test_many_producers},
        {NULL, NULL},
    };
    return tu_run("sinks_lines", cases);
}
