/* bench_sinks_redis.c - events per second into Redis on loopback through the sink
 * (XADD with flat fields + json + aggregates, pipelined by the sink thread), next to
 * redis-benchmark pipelining a comparable XADD (same fields, no aggregates) against
 * the same server in the same run.
 *
 * usage: bench_sinks_redis [-n EVENTS] [-p PORT]
 * Without -p it starts a private redis-server on a free loopback port and kills it at
 * the end. It does not measure the JSON-lines path. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench/benchutil.h"
#include "sinks/sink.h"
#include "common/lwerr.h"

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof a;
    int port = 0;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &l) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

static json_t *leak(long long seq)
{
    char ts[64];
    snprintf(ts, sizeof ts, "2026-11-24T10:00:00.%06lldZ", seq % 1000000);
    return json_pack("{s:s, s:s, s:I, s:s, s:i, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s,"
                     " s:{s:s, s:s, s:s, s:f, s:s}, s:s, s:s}",
                     "timestamp", ts, "event_type", "privacy_leak", "flow_id", (json_int_t)seq,
                     "src_ip", "192.168.50.23", "src_port", 40522, "dest_ip", "59.82.0.1",
                     "dest_port", 80, "proto", "TCP", "host", "ulogs.umeng.com",
                     "device", "pixel6-a", "app", "com.weipai.xiaoyingkankan", "sdk", "umeng",
                     "sdk_match", "host", "identifier", "type", "imei", "form", "md5-hex",
                     "where", "http.body", "confidence", 1.0, "evidence", "8690********912",
                     "verdict", "undeclared_sdk", "policy", "xiaoying-kankan");
}

int main(int argc, char **argv)
{
    long n = 200000;
    int port = 0, own = 0, opt;
    while ((opt = getopt(argc, argv, "n:p:")) != -1) {
        if (opt == 'n')
            n = atol(optarg);
        else if (opt == 'p')
            port = atoi(optarg);
        else {
            fprintf(stderr, "usage: %s [-n EVENTS] [-p PORT]\n", argv[0]);
            return 2;
        }
    }
    char dir[] = "/tmp/lw-bench-redis-XXXXXX", cmd[8192];
    if (!port) {
        if (!mkdtemp(dir) || !(port = free_port()))
            return 1;
        snprintf(cmd, sizeof cmd,
                 "redis-server --port %d --bind 127.0.0.1 --save '' --appendonly no "
                 "--daemonize yes --pidfile %s/redis.pid --dir %s --logfile %s/redis.log && "
                 "for i in $(seq 100); do redis-cli -p %d PING 2>/dev/null | grep -q PONG && "
                 "exit 0; sleep 0.05; done; exit 1", port, dir, dir, dir, port);
        if (system(cmd) != 0) {
            fprintf(stderr, "cannot start redis-server\n");
            return 1;
        }
        own = 1;
    }
    int rc = 1;
    char url[64], err[LW_ERRBUF], spool[256];
    snprintf(url, sizeof url, "redis://127.0.0.1:%d/0", port);
    snprintf(spool, sizeof spool, "/tmp/lw-bench-spool-%d.jsonl", (int)getpid());
    struct sink_config cfg = {.redis_url = url, .redis_key = "bench:sink",
                              .spool_path = spool, .redis_maxlen = -1};
    sink_t *s = NULL;
    if (sink_open(&cfg, &s, err, sizeof err) < 0) {
        fprintf(stderr, "sink_open: %s\n", err);
        goto out;
    }
    /* Events are built before the clock starts: this measures the sink, not
     * json_pack() in the producer. */
    json_t **evs = malloc((size_t)n * sizeof *evs);
    if (!evs)
        goto out;
    for (long i = 0; i < n; i++)
        evs[i] = leak(i);
    double t0 = bench_now();
    for (long i = 0; i < n; i++)
        sink_emit(s, evs[i]);
    free(evs);
    struct sink_stats st;
    int crc = sink_close(s, &st, err, sizeof err);
    double dt = bench_now() - t0;
    sink_free(s);
    if (crc < 0)
        fprintf(stderr, "sink_close: %s\n", err);
    double sink_eps = (double)st.written_redis / dt;

    /* The same fields as the sink's XADD (the json field holds a same-size blob). */
    json_t *ev = leak(1);
    char *js = json_dumps(ev, JSON_COMPACT);
    json_decref(ev);
    snprintf(cmd, sizeof cmd,
             "redis-benchmark -h 127.0.0.1 -p %d -n %ld -P 256 -c 1 -q XADD bench:raw '*' "
             "timestamp 2026-11-24T10:00:00.000001Z event_type privacy_leak flow_id 1 "
             "src_ip 192.168.50.23 src_port 40522 dest_ip 59.82.0.1 dest_port 80 proto TCP "
             "host ulogs.umeng.com device pixel6-a app com.weipai.xiaoyingkankan sdk umeng "
             "sdk_match host identifier.type imei identifier.form md5-hex "
             "identifier.where http.body identifier.confidence 1.0 identifier.evidence "
             "8690********912 verdict undeclared_sdk policy xiaoying-kankan "
             "event_id 0123456789abcdef json '%s' 2>/dev/null | tr '\\r' '\\n' | "
             "grep 'requests per second' | tail -1", port, n, js);
    free(js);
    double rb_eps = 0;
    FILE *p = popen(cmd, "r");
    char line[4096] = "";
    if (p) {
        if (fgets(line, sizeof line, p)) {
            char *q = strstr(line, "requests per second");
            while (q && q > line && q[-1] == ' ')
                q--;
            while (q && q > line && (q[-1] == '.' || (q[-1] >= '0' && q[-1] <= '9')))
                q--;
            if (q)
                rb_eps = atof(q);
        }
        pclose(p);
    }
    printf("events:             %ld\n", n);
    printf("sink -> redis:      %.0f events/s (%.3f s; XADD ~%d fields + json + 4 "
           "aggregate commands per event; written %llu, spooled %llu, lost %llu, producer-spooled %llu)\n",
           sink_eps, dt, 22, (unsigned long long)st.written_redis,
           (unsigned long long)st.spooled, (unsigned long long)st.lost, (unsigned long long)st.emit_spooled);
    printf("redis-benchmark:    %.0f XADD/s (-P 256 -c 1, same fields, no aggregates)\n",
           rb_eps);
    if (rb_eps > 0)
        printf("ratio sink/bench:   %.2f\n", sink_eps / rb_eps);
    rc = (crc == 0 && rb_eps > 0) ? 0 : 1;
out:
    if (own) {
        snprintf(cmd, sizeof cmd, "kill -9 $(cat %s/redis.pid) 2>/dev/null; rm -rf %s", dir,
                 dir);
        if (system(cmd) != 0) {
            /* the server may already be gone: nothing else to clean */
        }
    }
    unlink(spool);
    return rc;
}
