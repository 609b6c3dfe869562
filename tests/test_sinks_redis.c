/* test_sinks_redis.c - the sink against a real redis-server started on a free
 * loopback port (tests/lib/redis.sh): stream fields, aggregates, start-up errors,
 * Redis killed and restarted, Redis never back (spool, then replay), full spool,
 * many producers. Expected values are read back with redis-cli and coreutils. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sinks/batch.h"
#include "sinks/redis.h"
#include "sinks/sink.h"
#include "common/lwerr.h"
#include "tests/testutil.h"

#define RSH ". '" LW_SOURCE_DIR "/tests/lib/redis.sh'; "

/* Start a server in tmpdir/<name>; returns its port (0 on failure). */
static int rs_start(const char *name, const char *extra)
{
    char *o = NULL;
    int st = tu_sh(&o, RSH "redis_start '%s/%s' %s", tu_tmpdir(), name, extra ? extra : "");
    int port = (st == 0 && o) ? atoi(o) : 0;
    free(o);
    return port;
}

static int rs_restart(const char *name, int port, const char *extra)
{
    return tu_sh(NULL, RSH "redis_start_port '%s/%s' %d %s", tu_tmpdir(), name, port,
                 extra ? extra : "");
}

static void rs_stop(const char *name)
{
    tu_sh(NULL, RSH "redis_stop '%s/%s'", tu_tmpdir(), name);
}

/* redis-cli output (raw, one value per line); caller frees. */
static char *cli(int port, const char *args)
{
    char *o = NULL;
    tu_sh(&o, "redis-cli -h 127.0.0.1 -p %d %s", port, args);
    return o;
}

static long cli_num(int port, const char *args)
{
    char *o = cli(port, args);
    long v = o && *o ? atol(o) : -1;
    free(o);
    return v;
}

static int free_port(void)
{
    char *o = NULL;
    tu_sh(&o, RSH "redis_free_port");
    int p = o ? atoi(o) : 0;
    free(o);
    return p;
}

static json_t *leak(long long seq, const char *verdict)
{
    char ts[64];
    snprintf(ts, sizeof ts, "2026-11-24T10:00:00.%06lldZ", seq % 1000000);
    return json_pack("{s:s, s:s, s:I, s:s, s:i, s:s, s:s, s:s, s:{s:s, s:s, s:f}, s:s, s:s}",
                     "timestamp", ts, "event_type", "privacy_leak", "flow_id", (json_int_t)seq,
                     "src_ip", "192.168.50.23", "src_port", 40522, "proto", "TCP",
                     "device", "pixel6-a", "sdk", "umeng", "identifier", "type", "imei",
                     "form", "md5-hex", "confidence", 1.0, "verdict", verdict, "policy",
                     "xiaoying");
}

static void test_url_parse(void)
{
    struct sink_redis_url u;
    char err[LW_ERRBUF];
    CU_ASSERT_EQUAL(sink_redis_parse_url("redis://127.0.0.1:6380/3", &u, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(u.host, "127.0.0.1");
    CU_ASSERT_EQUAL(u.port, 6380);
    CU_ASSERT_EQUAL(u.db, 3);
    CU_ASSERT_STRING_EQUAL(u.pass, "");
    CU_ASSERT_EQUAL(sink_redis_parse_url("redis://alice:p%40ss@[::1]:7000/0", &u, err,
                                         sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(u.user, "alice");
    CU_ASSERT_STRING_EQUAL(u.pass, "p@ss");
    CU_ASSERT_STRING_EQUAL(u.host, "::1");
    CU_ASSERT_EQUAL(u.port, 7000);
    CU_ASSERT_EQUAL(sink_redis_parse_url("redis://:secret@localhost", &u, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(u.user, "");
    CU_ASSERT_STRING_EQUAL(u.pass, "secret");
    CU_ASSERT_EQUAL(u.port, 6379);
    CU_ASSERT_EQUAL(u.db, 0);
    CU_ASSERT_EQUAL(sink_redis_parse_url("/run/redis/redis.sock", &u, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(u.unix_path, "/run/redis/redis.sock");
    CU_ASSERT_EQUAL(sink_redis_parse_url("unix:///tmp/r.sock?db=2", &u, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(u.unix_path, "/tmp/r.sock");
    CU_ASSERT_EQUAL(u.db, 2);
    CU_ASSERT_EQUAL(sink_redis_parse_url("http://x", &u, err, sizeof err), LW_ERR_INVAL);
    CU_ASSERT_EQUAL(sink_redis_parse_url("redis://h:99999", &u, err, sizeof err), LW_ERR_INVAL);
    CU_ASSERT_EQUAL(sink_redis_parse_url("redis://h:1/x", &u, err, sizeof err), LW_ERR_INVAL);
    CU_ASSERT_EQUAL(sink_redis_parse_url("redis://p%4@h", &u, err, sizeof err), LW_ERR_INVAL);
}

static int open_redis(int port, int db, const char *key, const char *spool,
                      long long spool_max, sink_t **s, char *err)
{
    char url[128];
    snprintf(url, sizeof url, "redis://127.0.0.1:%d/%d", port, db);
    struct sink_config cfg = {
        .redis_url = url,
        .redis_key = key,
        .spool_path = spool,
        .spool_max_bytes = spool_max,
        .redis_timeout_ms = 1000,
    };
    return sink_open(&cfg, s, err, LW_ERRBUF);
}

static void test_stream_fields(void)
{
    int port = rs_start("fields", NULL);
    CU_ASSERT_FATAL(port > 0);
    sink_t *s = NULL;
    char err[LW_ERRBUF];
    char spool[512];
    snprintf(spool, sizeof spool, "%s", tu_path("fields.spool"));
    CU_ASSERT_EQUAL_FATAL(open_redis(port, 3, "t:ev", spool, 0, &s, err), 0);
    const int n = 600; /* more than two pipelined batches */
    for (int i = 0; i < n; i++)
        CU_ASSERT_EQUAL(sink_emit(s, leak(i, i % 3 ? "declared" : "undeclared_sdk")), 0);
    CU_ASSERT_EQUAL(sink_emit(s, json_pack("{s:s,s:s,s:s,s:[i,i]}", "timestamp", "T",
                                           "event_type", "stats", "event_id", "fixed-id",
                                           "arr", 1, 2)), 0);
    struct sink_stats st;
    CU_ASSERT_EQUAL(sink_close(s, &st, err, sizeof err), 0);
    CU_ASSERT_EQUAL(st.written_redis, n + 1);
    CU_ASSERT_EQUAL(st.spooled, 0);
    CU_ASSERT_EQUAL(st.lost, 0);
    CU_ASSERT_EQUAL(st.written_lines, 0); /* Redis only: no stdout */
    sink_free(s);

    CU_ASSERT_EQUAL(cli_num(port, "-n 3 XLEN t:ev"), n + 1);
    CU_ASSERT_EQUAL(cli_num(port, "-n 0 XLEN t:ev"), 0); /* SELECT really happened */
    /* First entry: id line, then field/value lines in event order. */
    char *o = cli(port, "-n 3 XRANGE t:ev - + COUNT 1");
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    char *nl = strchr(o, '\n');
    CU_ASSERT_PTR_NOT_NULL_FATAL(nl);
    const char *want_fields =
        "timestamp\n2026-11-24T10:00:00.000000Z\nevent_type\nprivacy_leak\n"
        "flow_id\n0\nsrc_ip\n192.168.50.23\nsrc_port\n40522\nproto\nTCP\n"
        "device\npixel6-a\nsdk\numeng\nidentifier.type\nimei\nidentifier.form\nmd5-hex\n"
        "identifier.confidence\n1.0\nverdict\nundeclared_sdk\npolicy\nxiaoying\nevent_id\n";
    CU_ASSERT_NSTRING_EQUAL(nl + 1, want_fields, strlen(want_fields));
    const char *js = strstr(nl + 1, "\njson\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(js);
    char id[17] = "";
    memcpy(id, nl + 1 + strlen(want_fields), 16);
    char want_json[1024];
    snprintf(want_json, sizeof want_json,
             "{\"timestamp\":\"2026-11-24T10:00:00.000000Z\",\"event_type\":\"privacy_leak\","
             "\"flow_id\":0,\"src_ip\":\"192.168.50.23\",\"src_port\":40522,\"proto\":\"TCP\","
             "\"device\":\"pixel6-a\",\"sdk\":\"umeng\",\"identifier\":{\"type\":\"imei\","
             "\"form\":\"md5-hex\",\"confidence\":1.0},\"verdict\":\"undeclared_sdk\","
             "\"policy\":\"xiaoying\",\"event_id\":\"%s\"}\n", id);
    CU_ASSERT_STRING_EQUAL(js + 6, want_json);
    free(o);
    /* event_id is the FNV-1a of the JSON before event_id was added (python). */
    o = NULL;
    tu_sh(&o, "python3 -c 'import sys\nh=0xcbf29ce484222325\n"
              "for b in sys.argv[1].encode():\n h^=b; h=(h*0x100000001b3)%%(1<<64)\n"
              "print(\"%%016x\"%%h, end=\"\")' "
              "'{\"timestamp\":\"2026-11-24T10:00:00.000000Z\",\"event_type\":\"privacy_leak\","
              "\"flow_id\":0,\"src_ip\":\"192.168.50.23\",\"src_port\":40522,\"proto\":\"TCP\","
              "\"device\":\"pixel6-a\",\"sdk\":\"umeng\",\"identifier\":{\"type\":\"imei\","
              "\"form\":\"md5-hex\",\"confidence\":1.0},\"verdict\":\"undeclared_sdk\","
              "\"policy\":\"xiaoying\"}'");
    CU_ASSERT_STRING_EQUAL(o ? o : "", id);
    free(o);
    /* The producer's event_id is kept; arrays are JSON text. */
    o = cli(port, "-n 3 XREVRANGE t:ev + - COUNT 1");
    CU_ASSERT_PTR_NOT_NULL(o && strstr(o, "\nevent_id\nfixed-id\n"));
    CU_ASSERT_PTR_NOT_NULL(o && strstr(o, "\narr\n[1,2]\n"));
    free(o);
    /* Aggregates. 600 events: 200 undeclared_sdk (i % 3 == 0), 400 declared. */
    CU_ASSERT_EQUAL(cli_num(port, "-n 3 HGET t:ev:agg:event_types privacy_leak"), n);
    CU_ASSERT_EQUAL(cli_num(port, "-n 3 HGET t:ev:agg:event_types stats"), 1);
    CU_ASSERT_EQUAL(cli_num(port, "-n 3 HGET t:ev:agg:findings "
                                  "'xiaoying|umeng|imei|declared'"), 400);
    CU_ASSERT_EQUAL(cli_num(port, "-n 3 HGET t:ev:agg:findings "
                                  "'xiaoying|umeng|imei|undeclared_sdk'"), 200);
    CU_ASSERT_EQUAL(cli_num(port, "-n 3 HGET t:ev:agg:devices pixel6-a"), n);
    CU_ASSERT_EQUAL(cli_num(port, "-n 3 ZSCORE t:ev:agg:sdk_undeclared umeng"), 200);
    rs_stop("fields");
}

/* scripts/lw-consume.py reads the stream with a consumer group, acknowledges, and
 * a second run of the same group gets nothing more. */
static void test_consumer_script(void)
{
    int port = rs_start("consume", NULL);
    CU_ASSERT_FATAL(port > 0);
    char url[128], err[LW_ERRBUF];
    snprintf(url, sizeof url, "redis://127.0.0.1:%d/2", port);
    const char *lines = tu_path("consume.jsonl");
    char lpath[512];
    snprintf(lpath, sizeof lpath, "%s", lines);
    unlink(lpath);
    /* Both targets: the file is the reference for what the consumer must print. */
    struct sink_config cfg = {.redis_url = url, .out_path = lpath,
                              .spool_path = tu_path("consume.spool")};
    sink_t *s = NULL;
    CU_ASSERT_EQUAL_FATAL(sink_open(&cfg, &s, err, sizeof err), 0);
    for (int i = 0; i < 50; i++)
        sink_emit(s, leak(i, "declared"));
    struct sink_stats st;
    CU_ASSERT_EQUAL(sink_close(s, &st, err, sizeof err), 0);
    CU_ASSERT_EQUAL(st.written_lines, 50);
    CU_ASSERT_EQUAL(st.written_redis, 50);
    sink_free(s);
    CU_ASSERT_EQUAL(tu_sh(NULL, "python3 '" LW_SOURCE_DIR "/scripts/lw-consume.py' --url '%s' "
                                "--group g1 --consumer c1 --once --block 300 --count 7 "
                                "| cmp -s - '%s'", url, lpath), 0);
    char *o = NULL;
    tu_sh(&o, "python3 '" LW_SOURCE_DIR "/scripts/lw-consume.py' --url '%s' --group g1 "
              "--consumer c1 --once --block 300 | wc -l", url);
    CU_ASSERT_EQUAL(o ? atol(o) : -1, 0);
    free(o);
    CU_ASSERT_EQUAL(cli_num(port, "-n 2 XPENDING leakwatch:events g1 | head -1"), 0);
    rs_stop("consume");
}

static void test_startup_errors(void)
{
    int port = rs_start("auth", "--requirepass s3cret");
    CU_ASSERT_FATAL(port > 0);
    char url[160], err[LW_ERRBUF];
    sink_t *s = NULL;
    struct sink_config cfg = {.redis_url = url, .spool_path = tu_path("auth.spool")};

    snprintf(url, sizeof url, "redis://:wrong@127.0.0.1:%d/0", port);
    CU_ASSERT_EQUAL(sink_open(&cfg, &s, err, sizeof err), LW_ERR_AUTH);
    CU_ASSERT_PTR_NULL(s);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "refused AUTH"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "WRONGPASS"));

    snprintf(url, sizeof url, "redis://127.0.0.1:%d/0", port);
    CU_ASSERT_EQUAL(sink_open(&cfg, &s, err, sizeof err), LW_ERR_AUTH);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "NOAUTH"));

    snprintf(url, sizeof url, "redis://:s3cret@127.0.0.1:%d/99", port);
    CU_ASSERT_EQUAL(sink_open(&cfg, &s, err, sizeof err), LW_ERR_AUTH);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "database 99"));

    /* Redis 6 ACL user. */
    CU_ASSERT_EQUAL(tu_sh(NULL, "redis-cli -p %d -a s3cret --no-auth-warning "
                                "ACL SETUSER alice on '>pw' '~*' '+@all' | grep -q OK", port), 0);
    snprintf(url, sizeof url, "redis://alice:bad@127.0.0.1:%d/0", port);
    CU_ASSERT_EQUAL(sink_open(&cfg, &s, err, sizeof err), LW_ERR_AUTH);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "for user alice"));
    snprintf(url, sizeof url, "redis://alice:pw@127.0.0.1:%d/0", port);
    CU_ASSERT_EQUAL_FATAL(sink_open(&cfg, &s, err, sizeof err), 0);
    sink_emit(s, leak(1, "declared"));
    CU_ASSERT_EQUAL(sink_close(s, NULL, err, sizeof err), 0);
    sink_free(s);
    s = NULL;
    CU_ASSERT_EQUAL(tu_sh(NULL, "test \"$(redis-cli -p %d -a s3cret --no-auth-warning "
                                "XLEN leakwatch:events)\" = 1", port), 0);
    rs_stop("auth");

    int dead = free_port();
    snprintf(url, sizeof url, "redis://127.0.0.1:%d/0", dead);
    CU_ASSERT_EQUAL(sink_open(&cfg, &s, err, sizeof err), LW_ERR_CONNECT);
    char where[64];
    snprintf(where, sizeof where, "127.0.0.1:%d", dead);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, where));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "refused"));

    snprintf(url, sizeof url, "redis://127.0.0.1:%d/99", port);
    int p2 = rs_start("db99", NULL);
    snprintf(url, sizeof url, "redis://127.0.0.1:%d/99", p2);
    CU_ASSERT_EQUAL(sink_open(&cfg, &s, err, sizeof err), LW_ERR_AUTH);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "database 99"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "out of range"));
    rs_stop("db99");

    cfg.redis_url = "mysql://x";
    CU_ASSERT_EQUAL(sink_open(&cfg, &s, err, sizeof err), LW_ERR_INVAL);
}

/* Distinct JSON objects in the stream (duplicates of one event are byte-equal,
 * event_id included). */
static long distinct_events(int port, const char *key)
{
    char *o = NULL;
    tu_sh(&o, "redis-cli -p %d XRANGE '%s' - + | grep '^{' | sort -u | wc -l", port, key);
    long v = o ? atol(o) : -1;
    free(o);
    return v;
}

static void test_kill_and_restart(void)
{
    /* appendfsync always: what Redis acknowledged before SIGKILL survives it, so
     * "every event in the stream" is a property of the sink, not of luck. */
    const char *persist = "--appendonly yes --appendfsync always";
    int port = rs_start("kill", persist);
    CU_ASSERT_FATAL(port > 0);
    char spool[512], err[LW_ERRBUF];
    snprintf(spool, sizeof spool, "%s", tu_path("kill.spool"));
    unlink(spool);
    sink_t *s = NULL;
    CU_ASSERT_EQUAL_FATAL(open_redis(port, 0, "k:ev", spool, 0, &s, err), 0);
    const int n = 30000;
    for (int i = 0; i < n; i++) {
        CU_ASSERT_EQUAL(sink_emit(s, leak(i, "declared")), 0);
        if (i == n / 3)
            rs_stop("kill");
        if (i == n / 2)
            CU_ASSERT_EQUAL(rs_restart("kill", port, persist), 0);
        if (i % 100 == 0)
            usleep(2000);
    }
    struct sink_stats st;
    int rc = sink_close(s, &st, err, sizeof err);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc)
        fprintf(stderr, "close: %s\n", err);
    CU_ASSERT_EQUAL(st.emitted, n);
    CU_ASSERT_EQUAL(st.lost, 0);
    CU_ASSERT_EQUAL(st.spooled, 0);
    CU_ASSERT(st.spool_appended > 0); /* the outage really went through the spool */
    CU_ASSERT(st.redis_reconnects >= 1);
    sink_free(s);
    long xlen = cli_num(port, "XLEN k:ev");
    CU_ASSERT_EQUAL(distinct_events(port, "k:ev"), n);
    /* Exactly once: events whose XADD reached Redis but whose reply died with the
     * connection are recognised in the stream tail and not sent again... */
    CU_ASSERT_EQUAL(xlen, n);
    /* ... so the dashboard counters are exact too. */
    CU_ASSERT_EQUAL(cli_num(port, "HGET k:ev:agg:event_types privacy_leak"), n);
    /* Distinct event_ids == n as well: a duplicate carries its original id. */
    char *o = NULL;
    tu_sh(&o, "redis-cli -p %d XRANGE k:ev - + | grep -A1 '^event_id$' | grep -v -e '^event_id$'"
              " -e '^--$' | sort -u | wc -l", port);
    CU_ASSERT_EQUAL(o ? atol(o) : -1, n);
    free(o);
    CU_ASSERT_NOT_EQUAL(access(spool, F_OK), 0); /* replayed, then removed */
    fprintf(stderr, "[kill/restart: xlen %ld for %d events, %llu spooled, %llu replayed, "
            "%llu already there] ", xlen, n, (unsigned long long)st.spool_appended,
            (unsigned long long)st.replayed, (unsigned long long)st.duplicates_skipped);
    rs_stop("kill");
}

static void wait_redis_written(sink_t *s, uint64_t n)
{
    struct sink_stats st;
    for (int i = 0; i < 500; i++) {
        sink_get_stats(s, &st);
        if (st.written_redis >= n)
            return;
        usleep(10000);
    }
}

static void test_never_returns_then_replay(void)
{
    int port = rs_start("gone", NULL);
    CU_ASSERT_FATAL(port > 0);
    char spool[512], err[LW_ERRBUF];
    snprintf(spool, sizeof spool, "%s", tu_path("gone.spool"));
    unlink(spool);
    sink_t *s = NULL;
    CU_ASSERT_EQUAL_FATAL(open_redis(port, 0, "g:ev", spool, 0, &s, err), 0);
    for (int i = 0; i < 100; i++)
        sink_emit(s, leak(i, "declared"));
    wait_redis_written(s, 100);
    rs_stop("gone");
    for (int i = 100; i < 1100; i++)
        sink_emit(s, leak(i, "declared"));
    struct sink_stats st;
    int rc = sink_close(s, &st, err, sizeof err);
    CU_ASSERT_EQUAL(rc, LW_ERR_CONNECT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, spool));
    CU_ASSERT_EQUAL(st.written_redis, 100);
    CU_ASSERT_EQUAL(st.spooled, 1000);
    CU_ASSERT_EQUAL(st.lost, 0);
    sink_free(s);
    char *o = NULL;
    tu_sh(&o, "wc -l < '%s'", spool);
    CU_ASSERT_EQUAL(o ? atol(o) : -1, 1000);
    free(o);

    /* A new server (empty: no persistence) and a second run: the spool goes first. */
    CU_ASSERT_EQUAL_FATAL(rs_restart("gone", port, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(open_redis(port, 0, "g:ev", spool, 0, &s, err), 0);
    sink_emit(s, leak(5000, "declared"));
    rc = sink_close(s, &st, err, sizeof err);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL(st.replayed, 1001); /* the new event queued behind the spool */
    CU_ASSERT_EQUAL(st.written_redis, 1001);
    CU_ASSERT_EQUAL(st.spooled, 0);
    sink_free(s);
    CU_ASSERT_EQUAL(cli_num(port, "XLEN g:ev"), 1001);
    CU_ASSERT_EQUAL(distinct_events(port, "g:ev"), 1001);
    /* In order: flow_id 100..1099 then 5000. */
    CU_ASSERT_EQUAL(tu_sh(NULL, "redis-cli -p %d XRANGE g:ev - + | grep -A1 '^flow_id$' | "
                                "grep -v -e '^flow_id$' -e '^--$' > '%s' && "
                                "(seq 100 1099; echo 5000) | cmp -s - '%s'",
                          port, tu_path("order.txt"), tu_path("order.txt")), 0);
    CU_ASSERT_NOT_EQUAL(access(spool, F_OK), 0);
    rs_stop("gone");
}

/* A Redis that stops answering (SIGSTOP) is "slow": the command timeout fires, the
 * batch in flight is spooled, and when it answers again everything arrives. */
static void test_slow_redis(void)
{
    int port = rs_start("slow", NULL);
    CU_ASSERT_FATAL(port > 0);
    char url[128], err[LW_ERRBUF];
    snprintf(url, sizeof url, "redis://127.0.0.1:%d", port);
    struct sink_config cfg = {.redis_url = url, .redis_key = "s:ev",
                              .spool_path = tu_path("slow.spool"), .redis_timeout_ms = 300};
    unlink(cfg.spool_path);
    sink_t *s = NULL;
    CU_ASSERT_EQUAL_FATAL(sink_open(&cfg, &s, err, sizeof err), 0);
    for (int i = 0; i < 100; i++)
        sink_emit(s, leak(i, "declared"));
    wait_redis_written(s, 100);
    CU_ASSERT_EQUAL(tu_sh(NULL, "kill -STOP $(cat '%s/slow/redis.pid')", tu_tmpdir()), 0);
    for (int i = 100; i < 600; i++)
        sink_emit(s, leak(i, "declared"));
    usleep(1200000);
    struct sink_stats st;
    sink_get_stats(s, &st);
    CU_ASSERT(st.spool_appended > 0);
    CU_ASSERT_EQUAL(tu_sh(NULL, "kill -CONT $(cat '%s/slow/redis.pid')", tu_tmpdir()), 0);
    for (int i = 600; i < 700; i++)
        sink_emit(s, leak(i, "declared"));
    int rc = sink_close(s, &st, err, sizeof err);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL(st.lost, 0);
    CU_ASSERT_EQUAL(st.spooled, 0);
    sink_free(s);
    long xlen = cli_num(port, "XLEN s:ev");
    CU_ASSERT_EQUAL(distinct_events(port, "s:ev"), 700);
    CU_ASSERT(xlen >= 700 && xlen - 700 <= 256);
    rs_stop("slow");
}

/* Redis refusing writes (OOM under maxmemory): events are spooled, and delivered
 * once it accepts them again. */
static void test_refused_writes(void)
{
    int port = rs_start("oom", "--maxmemory-policy noeviction");
    CU_ASSERT_FATAL(port > 0);
    char url[128], err[LW_ERRBUF];
    snprintf(url, sizeof url, "redis://127.0.0.1:%d", port);
    struct sink_config cfg = {.redis_url = url, .redis_key = "o:ev",
                              .spool_path = tu_path("oom.spool")};
    unlink(cfg.spool_path);
    sink_t *s = NULL;
    CU_ASSERT_EQUAL_FATAL(sink_open(&cfg, &s, err, sizeof err), 0);
    CU_ASSERT_EQUAL(tu_sh(NULL, "redis-cli -p %d CONFIG SET maxmemory 1 | grep -q OK", port), 0);
    for (int i = 0; i < 300; i++)
        sink_emit(s, leak(i, "declared"));
    struct sink_stats st;
    for (int i = 0; i < 200; i++) {
        sink_get_stats(s, &st);
        if (st.spool_appended == 300)
            break;
        usleep(10000);
    }
    CU_ASSERT_EQUAL(st.spool_appended, 300);
    CU_ASSERT_EQUAL(st.written_redis, 0);
    char last[LW_ERRBUF];
    sink_last_error(s, last, sizeof last);
    CU_ASSERT_PTR_NOT_NULL(strstr(last, "OOM"));
    CU_ASSERT_EQUAL(tu_sh(NULL, "redis-cli -p %d CONFIG SET maxmemory 0 | grep -q OK", port), 0);
    CU_ASSERT_EQUAL(sink_close(s, &st, err, sizeof err), 0);
    CU_ASSERT_EQUAL(st.written_redis, 300);
    CU_ASSERT_EQUAL(st.spooled, 0);
    CU_ASSERT_EQUAL(st.lost, 0);
    sink_free(s);
    CU_ASSERT_EQUAL(cli_num(port, "XLEN o:ev"), 300);
    rs_stop("oom");
}

/* Unix socket URL; and a spool can have only one owner at a time. */
static void test_unix_socket_and_spool_lock(void)
{
    char sock[600], extra[700], url[700], err[LW_ERRBUF];
    char *cwd = getcwd(NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cwd);
    snprintf(sock, sizeof sock, "%s/%s/us.sock", cwd, tu_tmpdir());
    free(cwd);
    snprintf(extra, sizeof extra, "--unixsocket '%s'", sock);
    int port = rs_start("unix", extra);
    CU_ASSERT_FATAL(port > 0);
    snprintf(url, sizeof url, "unix://%s?db=1", sock);
    struct sink_config cfg = {.redis_url = url, .spool_path = tu_path("unix.spool")};
    sink_t *s = NULL, *s2 = NULL;
    CU_ASSERT_EQUAL_FATAL(sink_open(&cfg, &s, err, sizeof err), 0);
    CU_ASSERT_EQUAL(sink_open(&cfg, &s2, err, sizeof err), LW_ERR_INVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "in use"));
    for (int i = 0; i < 5; i++)
        sink_emit(s, leak(i, "declared"));
    CU_ASSERT_EQUAL(sink_close(s, NULL, err, sizeof err), 0);
    sink_free(s);
    CU_ASSERT_EQUAL(cli_num(port, "-n 1 XLEN leakwatch:events"), 5);
    rs_stop("unix");
}

/* A spool written "by a crashed run": an offset file says the first record was
 * replayed, the last record is torn. Only records 2 and 3 may arrive. */
static void test_spool_offset_and_torn_tail(void)
{
    int port = rs_start("torn", NULL);
    CU_ASSERT_FATAL(port > 0);
    char spool[512], url[128], err[LW_ERRBUF];
    snprintf(spool, sizeof spool, "%s", tu_path("torn.spool"));
    CU_ASSERT_EQUAL(tu_sh(NULL, "printf '%%s\\n' '{\"timestamp\":\"T\",\"event_type\":\"a\","
                                "\"event_id\":\"r1\"}' '{\"timestamp\":\"T\",\"event_type\":"
                                "\"a\",\"event_id\":\"r2\"}' '{\"timestamp\":\"T\",\"event_type"
                                "\":\"a\",\"event_id\":\"r3\"}' > '%s' && printf '{\"timest' >> '%s'"
                                " && printf '%%020d\\n' $(head -1 '%s' | wc -c) > '%s.off'",
                          spool, spool, spool, spool), 0);
    snprintf(url, sizeof url, "redis://127.0.0.1:%d", port);
    struct sink_config cfg = {.redis_url = url, .redis_key = "torn", .spool_path = spool};
    sink_t *s = NULL;
    CU_ASSERT_EQUAL_FATAL(sink_open(&cfg, &s, err, sizeof err), 0);
    struct sink_stats st;
    sink_get_stats(s, &st);
    CU_ASSERT_EQUAL(st.spooled, 2);
    CU_ASSERT_EQUAL(sink_close(s, &st, err, sizeof err), 0);
    CU_ASSERT_EQUAL(st.replayed, 2);
    sink_free(s);
    char *o = cli(port, "XRANGE torn - + | grep -A1 '^event_id$' | grep '^r'");
    CU_ASSERT_STRING_EQUAL(o ? o : "", "r2\nr3\n");
    free(o);
    CU_ASSERT_NOT_EQUAL(access(spool, F_OK), 0);
    rs_stop("torn");
}

static void test_full_spool(void)
{
    int port = rs_start("full", NULL);
    CU_ASSERT_FATAL(port > 0);
    char spool[512], err[LW_ERRBUF];
    snprintf(spool, sizeof spool, "%s", tu_path("full.spool"));
    unlink(spool);
    sink_t *s = NULL;
    const long long bound = 20000;
    CU_ASSERT_EQUAL_FATAL(open_redis(port, 0, "f:ev", spool, bound, &s, err), 0);
    rs_stop("full");
    const int n = 200; /* flow_id 100000..100199: every line the same length */
    for (int i = 0; i < n; i++)
        sink_emit(s, leak(100000 + i, "declared"));
    struct sink_stats st;
    int rc = sink_close(s, &st, err, sizeof err);
    CU_ASSERT_EQUAL(rc, LW_ERR_FULL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "full"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, spool));
    sink_free(s);
    /* Expected from the file: bound / (line length + newline). */
    char *o = NULL;
    tu_sh(&o, "echo $(( %lld / $(head -1 '%s' | wc -c) )) $(wc -l < '%s')", bound, spool, spool);
    long want = -1, lines = -1;
    CU_ASSERT_FATAL(o && sscanf(o, "%ld %ld", &want, &lines) == 2);
    free(o);
    CU_ASSERT(want > 0 && want < n);
    CU_ASSERT_EQUAL(lines, want);
    CU_ASSERT_EQUAL(st.spooled, (uint64_t)want);
    CU_ASSERT_EQUAL(st.lost, (uint64_t)(n - want));
    CU_ASSERT_EQUAL(st.spooled + st.lost + st.written_redis, (uint64_t)n);
}

#define NPROD 8
#define PER_PROD 5000

struct prod {
    sink_t *s;
    int id, fails;
};

static void *producer(void *arg)
{
    struct prod *p = arg;
    for (int i = 0; i < PER_PROD; i++)
        if (sink_emit(p->s, leak((long long)p->id * 1000000 + i, "declared")) != 0)
            p->fails++;
    return NULL;
}

static void test_many_producers(void)
{
    int port = rs_start("many", NULL);
    CU_ASSERT_FATAL(port > 0);
    char url[128], err[LW_ERRBUF];
    snprintf(url, sizeof url, "redis://127.0.0.1:%d", port);
    /* A tiny queue and a 1 ms wait force the producer-side spool path too. */
    struct sink_config cfg = {.redis_url = url, .redis_key = "m:ev",
                              .spool_path = tu_path("many.spool"), .queue_capacity = 16,
                              .emit_wait_ms = 1};
    unlink(cfg.spool_path);
    sink_t *s = NULL;
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
    CU_ASSERT_EQUAL(st.lost, 0);
    CU_ASSERT_EQUAL(st.spooled, 0);
    CU_ASSERT_EQUAL(st.written_redis, NPROD * PER_PROD);
    fprintf(stderr, "[waits %llu, producer-spooled %llu] ",
            (unsigned long long)st.queue_full_waits, (unsigned long long)st.emit_spooled);
    sink_free(s);
    CU_ASSERT_EQUAL(cli_num(port, "XLEN m:ev"), NPROD * PER_PROD);
    CU_ASSERT_EQUAL(distinct_events(port, "m:ev"), NPROD * PER_PROD);
    rs_stop("many");
}

/* Batches from workers carry their event_id digits unwritten until they are read
 * (sinks/batch.h): by the sink thread, or by the producer itself when the queue has
 * no room and it spools the batch (Redis only). Redis stopped makes the second
 * happen; every event must reach the stream with the id of its text. */
struct bprod {
    sink_t *s;
    int id;
};

static void *batch_producer(void *arg)
{
    struct bprod *p = arg;
    sink_batcher_t *b = sink_batcher_new(p->s, 512, 4);
    for (int k = 0; b && k < 2000; k++) {
        struct jsonw *w = sink_batcher_begin(b);
        jsonw_obj_open(w, NULL);
        jsonw_str(w, "event_type", "flow");
        jsonw_int(w, "p", p->id);
        jsonw_int(w, "k", k);
        jsonw_obj_close(w);
        sink_batcher_end(b);
    }
    sink_batcher_free(b);
    return NULL;
}

static void test_batches_spooled_by_producer(void)
{
    int port = rs_start("bspool", NULL);
    CU_ASSERT_FATAL(port > 0);
    char url[128], err[LW_ERRBUF];
    snprintf(url, sizeof url, "redis://127.0.0.1:%d", port);
    struct sink_config cfg = {.redis_url = url, .redis_key = "b:ev",
                              .spool_path = tu_path("bspool.spool"), .queue_capacity = 2,
                              .emit_wait_ms = 1, .redis_timeout_ms = 300};
    unlink(cfg.spool_path);
    sink_t *s = NULL;
    CU_ASSERT_EQUAL_FATAL(sink_open(&cfg, &s, err, sizeof err), 0);
    CU_ASSERT_EQUAL(tu_sh(NULL, "kill -STOP $(cat '%s/bspool/redis.pid')", tu_tmpdir()), 0);
    pthread_t th[4];
    struct bprod ps[4];
    for (int i = 0; i < 4; i++) {
        ps[i] = (struct bprod){.s = s, .id = i};
        pthread_create(&th[i], NULL, batch_producer, &ps[i]);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    CU_ASSERT_EQUAL(tu_sh(NULL, "kill -CONT $(cat '%s/bspool/redis.pid')", tu_tmpdir()), 0);
    struct sink_stats st;
    CU_ASSERT_EQUAL(sink_close(s, &st, err, sizeof err), 0);
    CU_ASSERT(st.emit_spooled > 0);   /* the producers' own spooling did happen */
    CU_ASSERT_EQUAL(st.lost, 0);
    CU_ASSERT_EQUAL(st.spooled, 0);
    sink_free(s);
    char *o = NULL;
    tu_sh(&o, "redis-cli -p %d XRANGE b:ev - + | grep '^{' | python3 -c '\n"
              "import json, sys\n"
              "seen, bad = set(), 0\n"
              "for l in sys.stdin:\n"
              "    l = l.rstrip(\"\\n\")\n"
              "    e = json.loads(l)\n"
              "    seen.add((e[\"p\"], e[\"k\"]))\n"
              "    h = 0xcbf29ce484222325\n"
              "    for c in (l[:l.rindex(\",\\\"event_id\\\"\")] + \"}\").encode():\n"
              "        h ^= c; h = (h * 0x100000001b3) %% (1 << 64)\n"
              "    bad += e[\"event_id\"] != \"%%016x\" %% h\n"
              "print(len(seen), bad)'",
          port);
    CU_ASSERT_STRING_EQUAL(o ? o : "", "8000 0\n");
    free(o);
    rs_stop("bspool");
}

/* Issue 20 defect 5: a spool that keeps failing (full, Redis gone) said so on every
 * batch (~720 stderr lines in a long run). Now once per failing spell; losses are
 * still counted exactly. */
static int spool_msgs;

static void count_spool_msgs(void *ud, const char *msg)
{
    (void)ud;
    if (strstr(msg, "spool") && strstr(msg, "event(s) lost"))
        spool_msgs++;
}

static void test_spool_failing_once(void)
{
    int port = rs_start("once", NULL);
    CU_ASSERT_FATAL(port > 0);
    char url[128], spool[512], err[LW_ERRBUF];
    snprintf(url, sizeof url, "redis://127.0.0.1:%d/0", port);
    snprintf(spool, sizeof spool, "%s", tu_path("once.spool"));
    unlink(spool);
    struct sink_config cfg = {.redis_url = url, .redis_key = "o:ev", .spool_path = spool,
                              .spool_max_bytes = 2000, .redis_timeout_ms = 1000,
                              .queue_capacity = 64, .on_error = count_spool_msgs};
    sink_t *s = NULL;
    spool_msgs = 0;
    CU_ASSERT_EQUAL_FATAL(sink_open(&cfg, &s, err, sizeof err), 0);
    rs_stop("once");
    const int n = 3000; /* many batches, nearly all of them lost */
    for (int i = 0; i < n; i++)
        sink_emit(s, leak(100000 + i, "declared"));
    struct sink_stats st;
    CU_ASSERT_EQUAL(sink_close(s, &st, err, sizeof err), LW_ERR_FULL);
    sink_free(s);
    CU_ASSERT(st.lost > (uint64_t)n / 2);
    CU_ASSERT_EQUAL(st.spooled + st.lost + st.written_redis, (uint64_t)n);
    CU_ASSERT_EQUAL(spool_msgs, 1);
}

int main(void)
{
    static const struct tu_case cases[] = {
        {"URL parsing", test_url_parse},
        {"stream fields, json, event_id, aggregates", test_stream_fields},
        {"lw-consume.py consumer group", test_consumer_script},
        {"wrong password / user / port / db", test_startup_errors},
        {"Redis killed and restarted mid-emission", test_kill_and_restart},
        {"Redis never returns, second run replays", test_never_returns_then_replay},
        {"slow Redis (SIGSTOP): timeout, spool, replay", test_slow_redis},
        {"Redis refusing writes (OOM)", test_refused_writes},
        {"unix socket URL, spool lock", test_unix_socket_and_spool_lock},
        {"spool offset file and torn tail", test_spool_offset_and_torn_tail},
        {"full spool: clear error, exact counts", test_full_spool},
        {"a failing spool is reported once, not per batch", test_spool_failing_once},
        {"many producers into Redis", test_many_producers},
        {"batches spooled by their producer keep their event_ids", test_batches_spooled_by_producer},
        {NULL, NULL},
    };
    return tu_run("sinks_redis", cases);
}
