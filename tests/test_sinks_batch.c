/* sinks/batch.c: events written as text by producers, handed to the sink a batch at a
 * time. Asserted: every event arrives once, one producer's in order, with the event_id
 * python3 computes (FNV-1a of the line before event_id); jansson events pushed between
 * batches keep their place; the buffers all come back (sink_batcher_free() returns,
 * which it only does once every buffer is home); a closed sink refuses batches and
 * counts them. Several producers at once with a tiny queue: back-pressure, no loss. */
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/lwerr.h"
#include "sinks/batch.h"
#include "sinks/sink.h"
#include "tests/testutil.h"

static int write_event(sink_batcher_t *b, int producer, int k)
{
    struct jsonw *w = sink_batcher_begin(b);
    jsonw_obj_open(w, NULL);
    jsonw_str(w, "event_type", "flow");
    jsonw_int(w, "p", producer);
    jsonw_int(w, "k", k);
    jsonw_str(w, "pad", "0123456789abcdef\"\\\x01");
    jsonw_obj_close(w);
    return sink_batcher_end(b);
}

static void test_order_and_ids(void)
{
    const char *path = tu_path("batch.jsonl");
    unlink(path);
    struct sink_config cfg = {.out_path = path};
    sink_t *s = NULL;
    char err[LW_ERRBUF];
    CU_ASSERT_EQUAL_FATAL(sink_open(&cfg, &s, err, sizeof err), 0);
    sink_batcher_t *b = sink_batcher_new(s, 300, 3); /* small: many handoffs */
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    for (int k = 0; k < 1000; k++) {
        CU_ASSERT_EQUAL(write_event(b, 0, k), 0);
        if (k == 500) {
            /* A jansson event after the first 501: they must all be before it. */
            sink_batcher_flush(b);
            sink_emit(s, json_pack("{s:s,s:i}", "event_type", "stats", "k", 500));
        }
    }
    sink_batcher_free(b);
    struct sink_stats st;
    CU_ASSERT_EQUAL(sink_close(s, &st, err, sizeof err), 0);
    CU_ASSERT_EQUAL(st.emitted, 1001);
    CU_ASSERT_EQUAL(st.written_lines, 1001);
    CU_ASSERT_EQUAL(st.lost, 0);
    sink_free(s);
    char *out = NULL;
    int rc = tu_sh(&out, "python3 -c '\n"
                         "import json, sys\n"
                         "ks, bad, stats_at = [], 0, None\n"
                         "for i, l in enumerate(open(sys.argv[1])):\n"
                         "    e = json.loads(l)\n"
                         "    if e[\"event_type\"] == \"stats\":\n"
                         "        stats_at = i; continue\n"
                         "    ks.append(e[\"k\"])\n"
                         "    body = l[:l.rindex(\",\\\"event_id\\\"\")] + \"}\"\n"
                         "    h = 0xcbf29ce484222325\n"
                         "    for c in body.encode():\n"
                         "        h ^= c; h = (h * 0x100000001b3) %% (1 << 64)\n"
                         "    bad += e[\"event_id\"] != \"%%016x\" %% h\n"
                         "print(ks == list(range(1000)), bad, stats_at)' %s",
                   path);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_STRING_EQUAL(out, "True 0 501\n");
    free(out);
}

static void test_refused_after_close(void)
{
    struct sink_config cfg = {.out_path = tu_path("closed.jsonl")};
    sink_t *s = NULL;
    char err[LW_ERRBUF];
    CU_ASSERT_EQUAL_FATAL(sink_open(&cfg, &s, err, sizeof err), 0);
    sink_batcher_t *b = sink_batcher_new(s, 0, 0);
    CU_ASSERT_EQUAL(write_event(b, 0, 1), 0);
    sink_batcher_cancel(b); /* nothing: the event was already ended */
    struct sink_stats st;
    sink_close(s, &st, err, sizeof err);
    CU_ASSERT_EQUAL(write_event(b, 0, 2), 0);
    sink_batcher_flush(b); /* refused: its buffer comes back at once */
    CU_ASSERT_EQUAL(sink_batcher_refused(b), 2);
    sink_batcher_free(b);
    sink_get_stats(s, &st);
    CU_ASSERT_EQUAL(st.lost, 2);
    sink_free(s);
}

struct producer {
    sink_t *s;
    int id;
};

static void *produce(void *arg)
{
    struct producer *p = arg;
    sink_batcher_t *b = sink_batcher_new(p->s, 512, 4);
    for (int k = 0; k < 5000; k++)
        write_event(b, p->id, k);
    sink_batcher_free(b);
    return NULL;
}

static void test_producers(void)
{
    const char *path = tu_path("many.jsonl");
    unlink(path);
    struct sink_config cfg = {.out_path = path, .queue_capacity = 2};
    sink_t *s = NULL;
    char err[LW_ERRBUF];
    CU_ASSERT_EQUAL_FATAL(sink_open(&cfg, &s, err, sizeof err), 0);
    pthread_t t[4];
    struct producer p[4];
    for (int i = 0; i < 4; i++) {
        p[i] = (struct producer){s, i};
        pthread_create(&t[i], NULL, produce, &p[i]);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    struct sink_stats st;
    CU_ASSERT_EQUAL(sink_close(s, &st, err, sizeof err), 0);
    CU_ASSERT_EQUAL(st.written_lines, 20000);
    CU_ASSERT_EQUAL(st.lost, 0);
    sink_free(s);
    char *out = NULL;
    tu_sh(&out, "python3 -c '\n"
                "import json, sys\n"
                "seen = {}\n"
                "for l in open(sys.argv[1]):\n"
                "    e = json.loads(l); seen.setdefault(e[\"p\"], []).append(e[\"k\"])\n"
                "print(all(seen.get(i) == list(range(5000)) for i in range(4)))' %s",
          path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_STRING_EQUAL(out, "True\n");
    free(out);
}

int main(void)
{
    static const struct tu_case cases[] = {
        {"one producer: order, event_id, jansson events in place", test_order_and_ids},
        {"a closed sink refuses batches and counts them", test_refused_after_close},
        {"four producers, tiny queue: all events, each in order", test_producers},
        {NULL, NULL},
    };
    return tu_run("sink batches", cases);
}
