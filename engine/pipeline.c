/* pipeline.c - see pipeline.h. The reader runs on its own thread while the calling
 * thread shows progress; both end when the input does. */
#include "engine/pipeline.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture/decode.h"
#include "capture/frag.h"
#include "capture/live.h"
#include "capture/source.h"
#include "dissectors/dissect.h"
#include "dissectors/keylog.h"
#include "engine/event.h"
#include "common/lwerr.h"
#include "engine/worker.h"

/* Per file, this many malformed packets are described on stderr; the rest are only
 * counted (stats event), so a damaged capture cannot flood the terminal. */
#define ANOMALY_REPORTS_PER_FILE 5
#define TICK_US 1000000u
/* Live: how late the kernel may hand over a packet (block timeout, poll_ms), with room. */
#define RELOAD_SETTLE_US 2000000u
#define MAX_IFACES 64

struct reader {
    const struct pipeline_config *cfg;
    source_t *src;                      /* NULL when live */
    live_t *live;                       /* borrowed, NULL when reading files */
    keylog_t *keys;                     /* NULL without key logs */
    /* A reload hands the new rules from the calling thread to the reader here (one
     * reference); the reader passes them on in packet order, so every packet before
     * the swap is judged by the old rules and every flow after by the new. Live, the
     * kernel hands packets over in blocks up to poll_ms late: the swap waits for the
     * first packet stamped at or after pending_from_us (when the rules were ready), so
     * packets captured before it, still in the kernel's ring, keep the old rules. */
    _Atomic(struct ruleset *) pending;
    _Atomic uint64_t pending_from_us;
    unsigned generation;                /* of the rules last sent to workers */
    _Atomic uint64_t reloads_ok, reloads_failed;  /* written by the calling thread */
    uint64_t stats_next_us, stats_seq;
    worker_t **workers;
    int nworkers;
    frag_table_t *frags;
    struct decode_stats dec;
    uint8_t *dgram;                     /* reassembled IPv4 datagram */
    /* DNS answers are stored here, in packet order, before any later packet goes to a
     * worker: a flow is then named by every answer that preceded it whatever the
     * workers' relative speed. Workers only read the map. */
    struct dissect_env dns_env;
    dissect_flow_t *dns_flow;
    uint64_t last_ts_us, last_tick_us;
    uint64_t ip_packets, ip_bytes;
    int input_errors;
    const char *cur_file;
    int file_reports;
    _Atomic uint64_t packets;           /* read by the progress display */
    _Atomic int done;
};

void pipeline_defaults(struct pipeline_config *c)
{
    memset(c, 0, sizeof *c);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    c->workers = n > 0 ? (int)n : 1;
    c->max_flows = 1000000;
    c->idle_timeout_us = 120ull * 1000000u;
    c->close_timeout_us = 5ull * 1000000u;
    c->ring_bytes = 8u << 20;
    c->reasm_bytes = 64u << 20;
    c->reasm_dir_bytes = 1u << 20;
    c->frag_datagrams = 256;
    c->frag_timeout_us = 30ull * 1000000u;
}

static void send_rec(struct reader *rd, int wi, enum worker_rec_kind kind, uint64_t ts_us,
                     const struct source_pkt *sp, const struct decode_pkt *d,
                     const uint8_t *l3, const struct flow_key *k, uint64_t hash, int from_lo)
{
    ring_t *ring = worker_ring(rd->workers[wi]);
    size_t l3len = d ? d->l3_len : 0;
    size_t len = sizeof(struct worker_rec) + l3len;
    struct worker_rec *r = ring_reserve(ring, len);
    r->kind = kind;
    r->ts_us = ts_us;
    if (kind == WORKER_REC_PACKET) {
        r->from_lo = (uint32_t)from_lo;
        r->pkt_no = sp->pkt_no;
        r->hash = hash;
        r->key = *k;
        r->d = *d;
        memcpy(r->l3, l3, l3len);
    }
    ring_commit(ring, len);
}

static void broadcast(struct reader *rd, enum worker_rec_kind kind, uint64_t ts_us)
{
    for (int i = 0; i < rd->nworkers; i++)
        send_rec(rd, i, kind, ts_us, NULL, NULL, NULL, NULL, 0, 0);
}

/* Every worker gets its own reference to the new rules. */
static void broadcast_rules(struct reader *rd, struct ruleset *rs)
{
    for (int i = 0; i < rd->nworkers; i++) {
        ring_t *ring = worker_ring(rd->workers[i]);
        size_t len = sizeof(struct worker_rec) + sizeof rs;
        struct worker_rec *r = ring_reserve(ring, len);
        r->kind = WORKER_REC_RULES;
        r->ts_us = rd->last_ts_us;
        struct ruleset *ref = ruleset_ref(rs);
        memcpy(r->l3, &ref, sizeof ref);
        ring_commit(ring, len);
    }
    rd->generation = rs->generation;
}

static uint64_t wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void emit_stats(struct reader *rd, const struct worker_stats *ws, int final);
static double now_s(void);
static void add_stats(struct worker_stats *a, const struct worker_stats *b);

/* While running, worker counters are read without synchronisation: the periodic
 * event is a progress report, only the final one is exact. */
static void periodic_stats(struct reader *rd)
{
    struct worker_stats total, one;
    memset(&total, 0, sizeof total);
    for (int i = 0; i < rd->nworkers; i++) {
        worker_stats(rd->workers[i], &one);
        add_stats(&total, &one);
    }
    emit_stats(rd, &total, 0);
}

static void report_anomaly(struct reader *rd, const struct source_pkt *sp)
{
    if (sp->file != rd->cur_file) {
        rd->cur_file = sp->file;
        rd->file_reports = 0;
    }
    if (rd->file_reports < ANOMALY_REPORTS_PER_FILE)
        fprintf(stderr, "leakwatch: %s: packet %llu: malformed: %s\n", sp->file,
                (unsigned long long)sp->file_pkt_no, decode_anomaly_name(rd->dec.last));
    else if (rd->file_reports == ANOMALY_REPORTS_PER_FILE)
        fprintf(stderr, "leakwatch: %s: further malformed packets are only counted "
                        "(see the stats event)\n", sp->file);
    rd->file_reports++;
}

static void handle(struct reader *rd, const struct source_pkt *sp)
{
    struct decode_pkt d;
    if (!decode_link_supported(sp->linktype)) {
        rd->dec.anomalies[DECODE_E_LINKTYPE]++;
        rd->dec.last = DECODE_E_LINKTYPE;
        report_anomaly(rd, sp);
        return;
    }
    enum decode_result res = decode_frame(sp->linktype, sp->data, sp->caplen, &d, &rd->dec);
    const uint8_t *l3 = sp->data + d.l3_off;
    if (res == DECODE_FRAG) {
        size_t n = frag_add(rd->frags, l3, &d, sp->ts_us, rd->dgram);
        if (!n)
            return;
        l3 = rd->dgram;
        res = decode_ip(l3, (uint32_t)n, &d, &rd->dec);
    }
    if (res == DECODE_SKIP)
        return;
    if (res != DECODE_OK) {
        report_anomaly(rd, sp);
        return;
    }
    rd->ip_packets++;
    rd->ip_bytes += d.l3_len;
    if (rd->dns_flow && d.proto == 17 && (d.sport == 53 || d.sport == 5353) && d.payload_len) {
        rd->dns_env.now_s = sp->ts_us / 1000000u;
        dissect_flow_datagram(rd->dns_flow, 1, l3 + d.payload_off, d.payload_len, NULL, NULL);
    }
    struct flow_key k;
    int from_lo;
    flow_key_make(&k, &d, &from_lo);
    uint64_t h = flow_key_hash(&k);
    send_rec(rd, (int)((h >> 32) % (uint64_t)rd->nworkers), WORKER_REC_PACKET, sp->ts_us, sp,
             &d, l3, &k, h, from_lo);
}

/* Hand reloaded rules to every worker (a record in each ring) and drop our reference. */
static void send_held(struct reader *rd, struct ruleset **held)
{
    broadcast_rules(rd, *held);
    ruleset_free(*held);
    *held = NULL;
}

static void *reader_main(void *arg)
{
    struct reader *rd = arg;
    struct source_pkt sp;
    char err[LW_ERRBUF];
    int rc;
    const struct pipeline_config *c = rd->cfg;
    uint64_t interval_us = (uint64_t)c->stats_interval_s * 1000000u;
    struct ruleset *held = NULL;     /* new rules waiting for their first packet */
    uint64_t held_from = 0;
    for (;;) {
        if (c->stop && atomic_load(c->stop))
            break;
        struct ruleset *nr = atomic_exchange(&rd->pending, NULL);
        if (nr) {
            ruleset_free(held);
            held = nr;
            held_from = rd->live ? atomic_load(&rd->pending_from_us) : 0;
        }
        /* Nothing older can still be in the kernel's ring after this long. */
        if (held && (!rd->live || wall_us() >= held_from + RELOAD_SETTLE_US))
            send_held(rd, &held);
        rc = rd->live ? live_next(rd->live, &sp, err, sizeof err)
                      : source_next(rd->src, &sp, err, sizeof err);
        if (rc == 1 && held && sp.ts_us >= held_from)
            send_held(rd, &held);
        if (rc == 0 && !rd->live)
            break;
        if (rc < 0) {
            fprintf(stderr, "leakwatch: %s\n", err);
            rd->input_errors++;
            if (rd->live && !live_count(rd->live))
                break;
            continue;
        }
        if (rc == 1) {
            atomic_store_explicit(&rd->packets, sp.pkt_no, memory_order_relaxed);
            if (sp.ts_us > rd->last_ts_us)
                rd->last_ts_us = sp.ts_us;
        }
        /* Live, time passes without packets: idle flows end by the wall clock. */
        if (rd->live) {
            uint64_t now = wall_us();
            if (now > rd->last_ts_us)
                rd->last_ts_us = now;
        }
        /* Workers only see their own packets; a tick carries the capture's clock to
         * all of them so idle flows end on time everywhere. */
        if (rd->last_ts_us >= rd->last_tick_us + TICK_US) {
            rd->last_tick_us = rd->last_ts_us;
            broadcast(rd, WORKER_REC_TICK, rd->last_ts_us);
            frag_expire(rd->frags, rd->last_ts_us);
            if (rd->keys)
                keylog_poll(rd->keys);
            uint64_t mono = (uint64_t)(now_s() * 1e6);
            if (interval_us && mono >= rd->stats_next_us) {
                if (rd->stats_next_us)
                    periodic_stats(rd);
                rd->stats_next_us = mono + interval_us;
            }
        }
        if (rc == 1)
            handle(rd, &sp);
    }
    if (held)
        send_held(rd, &held);
    broadcast(rd, WORKER_REC_END, rd->last_ts_us);
    atomic_store(&rd->done, 1);
    return NULL;
}

static void show_progress(struct reader *rd, double elapsed, int final)
{
    uint64_t n = atomic_load_explicit(&rd->packets, memory_order_relaxed);
    double pct = rd->src ? 100.0 * source_progress(rd->src) : 0.0;
    fprintf(stderr, "\r%5.1f%%  %llu packets  %.0f packets/s   %s", final ? 100.0 : pct,
            (unsigned long long)n, elapsed > 0 ? (double)n / elapsed : 0.0, final ? "\n" : "");
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void add_stats(struct worker_stats *a, const struct worker_stats *b)
{
    a->packets += b->packets;
    a->bytes += b->bytes;
    a->events += b->events;
    a->emit_failures += b->emit_failures;
    a->classified += b->classified;
    a->guessed += b->guessed;
    a->unknown += b->unknown;
    a->ring_full_waits += b->ring_full_waits;
    a->flows.created += b->flows.created;
    for (int i = 0; i < 4; i++)
        a->flows.ended[i] += b->flows.ended[i];
    a->flows.peak += b->flows.peak;
    a->flows.alloc_failures += b->flows.alloc_failures;
    a->tcp.delivered_bytes += b->tcp.delivered_bytes;
    a->tcp.gaps += b->tcp.gaps;
    a->tcp.gap_bytes += b->tcp.gap_bytes;
    a->tcp.out_of_order += b->tcp.out_of_order;
    a->tcp.retransmitted += b->tcp.retransmitted;
    a->tcp.overlaps += b->tcp.overlaps;
    a->tcp.overlap_conflicts += b->tcp.overlap_conflicts;
    a->tcp.midstream += b->tcp.midstream;
    a->tcp.after_fin += b->tcp.after_fin;
    a->tcp.memcap += b->tcp.memcap;
    a->inspect.findings += b->inspect.findings;
    a->inspect.repeats += b->inspect.repeats;
    a->inspect.findings_over_cap += b->inspect.findings_over_cap;
    a->inspect.sdk_contacts += b->inspect.sdk_contacts;
    a->inspect.scan_errors += b->inspect.scan_errors;
    dissect_stats_add(&a->inspect.dissect, &b->inspect.dissect);
}

#define SET_U(o, k, v) json_object_set_new((o), (k), json_integer((json_int_t)(v)))

static void stats_put(void *obj, const char *name, uint64_t v)
{
    json_object_set_new(obj, name, json_integer((json_int_t)v));
}

static void emit_stats(struct reader *rd, const struct worker_stats *ws, int final)
{
    char t[40];
    json_t *ev = json_object();
    json_object_set_new(ev, "timestamp", json_string(event_time(rd->last_ts_us, t, sizeof t)));
    json_object_set_new(ev, "event_type", json_string("stats"));
    json_t *s = json_object();
    json_object_set_new(s, "final", json_boolean(final));
    if (!final)
        SET_U(s, "seq", ++rd->stats_seq);
    SET_U(s, "packets", atomic_load(&rd->packets));
    SET_U(s, "filtered", rd->src ? source_filtered(rd->src) : 0);
    if (rd->live) {
        struct live_if_stats ls[MAX_IFACES];
        int n = live_stats(rd->live, ls, MAX_IFACES);
        uint64_t drops = 0, ifdrops = 0;
        json_t *cap = json_object(), *ifs = json_array();
        for (int i = 0; i < n && i < MAX_IFACES; i++) {
            json_t *o = json_object();
            json_object_set_new(o, "interface", json_string(ls[i].name));
            SET_U(o, "received", ls[i].received);
            SET_U(o, "kernel_drops", ls[i].dropped);
            SET_U(o, "interface_drops", ls[i].if_dropped);
            json_array_append_new(ifs, o);
            drops += ls[i].dropped;
            ifdrops += ls[i].if_dropped;
        }
        json_object_set_new(cap, "interfaces", ifs);
        SET_U(cap, "kernel_drops", drops);
        SET_U(cap, "interface_drops", ifdrops);
        json_object_set_new(s, "capture", cap);
    }
    SET_U(s, "rules_generation", rd->generation);
    SET_U(s, "reloads", rd->reloads_ok);
    SET_U(s, "reload_failures", rd->reloads_failed);
    if (rd->keys) {
        json_t *kj = json_object();
        keylog_stats_each(rd->keys, stats_put, kj);
        json_object_set_new(s, "keylog", kj);
    }
    SET_U(s, "ip_packets", rd->ip_packets);
    SET_U(s, "ip_bytes", rd->ip_bytes);
    SET_U(s, "non_ip", rd->dec.non_ip);
    SET_U(s, "input_errors", rd->input_errors);
    json_t *de = json_object();
    for (int i = 0; i < DECODE_E_COUNT; i++)
        if (rd->dec.anomalies[i])
            SET_U(de, decode_anomaly_name((enum decode_anomaly)i), rd->dec.anomalies[i]);
    json_object_set_new(s, "decode_errors", de);
    const struct frag_stats *fs = frag_stats(rd->frags);
    json_t *fr = json_object();
    SET_U(fr, "fragments", fs->fragments);
    SET_U(fr, "reassembled", fs->reassembled);
    SET_U(fr, "timeouts", fs->timeouts);
    SET_U(fr, "evicted", fs->evicted);
    SET_U(fr, "overlaps", fs->overlaps);
    SET_U(fr, "invalid", fs->invalid);
    json_object_set_new(s, "ip_fragments", fr);
    json_t *fl = json_object();
    SET_U(fl, "created", ws->flows.created);
    SET_U(fl, "timeout", ws->flows.ended[FLOW_END_TIMEOUT]);
    SET_U(fl, "closed", ws->flows.ended[FLOW_END_CLOSED]);
    SET_U(fl, "evicted", ws->flows.ended[FLOW_END_EVICTED]);
    SET_U(fl, "shutdown", ws->flows.ended[FLOW_END_SHUTDOWN]);
    SET_U(fl, "peak_concurrent", ws->flows.peak);
    SET_U(fl, "dropped_no_memory", ws->flows.alloc_failures);
    SET_U(fl, "app_detected", ws->classified);
    SET_U(fl, "app_guessed", ws->guessed);
    SET_U(fl, "app_unknown", ws->unknown);
    json_object_set_new(s, "flows", fl);
    json_t *tcp = json_object();
    SET_U(tcp, "stream_bytes", ws->tcp.delivered_bytes);
    SET_U(tcp, "gaps", ws->tcp.gaps);
    SET_U(tcp, "gap_bytes", ws->tcp.gap_bytes);
    SET_U(tcp, "out_of_order", ws->tcp.out_of_order);
    SET_U(tcp, "retransmitted", ws->tcp.retransmitted);
    SET_U(tcp, "overlaps", ws->tcp.overlaps);
    SET_U(tcp, "overlap_conflicts", ws->tcp.overlap_conflicts);
    SET_U(tcp, "midstream_pickups", ws->tcp.midstream);
    SET_U(tcp, "after_fin", ws->tcp.after_fin);
    SET_U(tcp, "reassembly_memcap", ws->tcp.memcap);
    json_object_set_new(s, "tcp", tcp);
    json_t *in = json_object();
    SET_U(in, "privacy_leaks", ws->inspect.findings);
    SET_U(in, "repeats_counted", ws->inspect.repeats);
    SET_U(in, "findings_over_flow_cap", ws->inspect.findings_over_cap);
    SET_U(in, "sdk_contacts", ws->inspect.sdk_contacts);
    SET_U(in, "scan_errors", ws->inspect.scan_errors);
    json_object_set_new(s, "detection", in);
    json_t *dj = json_object();
    struct dissect_stats all = ws->inspect.dissect;
    /* Only the reader's DNS flow fills the map (workers parse DNS again, unshared). */
    all.dnsmap_puts = rd->dns_env.stats.dnsmap_puts;
    dissect_stats_each(&all, stats_put, dj);
    json_object_set_new(s, "dissectors", dj);
    SET_U(s, "workers", rd->nworkers);
    json_t *pw = json_array();
    for (int i = 0; i < rd->nworkers; i++) {
        struct worker_stats one;
        worker_stats(rd->workers[i], &one);
        json_t *o = json_object();
        SET_U(o, "packets", one.packets);
        SET_U(o, "bytes", one.bytes);
        SET_U(o, "flows_active", one.flows.created - one.flows.ended[0] - one.flows.ended[1] -
                                     one.flows.ended[2] - one.flows.ended[3]);
        SET_U(o, "queue_bytes", ring_used(worker_ring(rd->workers[i])));
        SET_U(o, "ring_full_waits", one.ring_full_waits);
        json_array_append_new(pw, o);
    }
    json_object_set_new(s, "per_worker", pw);
    SET_U(s, "ring_full_waits", ws->ring_full_waits);
    SET_U(s, "events", ws->events + 1);
    SET_U(s, "event_build_failures", ws->emit_failures);
    json_object_set_new(ev, "stats", s);
    sink_emit(rd->cfg->sink, ev);
}

/* Compiles the next rules on this (the calling) thread while the reader keeps
 * capturing, then hands them over; a failure keeps the old rules and says why. */
static void reload(struct reader *rd, struct ruleset **latest, int progress)
{
    const struct pipeline_config *c = rd->cfg;
    char err[LW_ERRBUF], t[40];
    struct ruleset *nr = NULL;
    double t0 = now_s();
    int rc = c->reload_fn(c->reload_ctx, *latest, &nr, err, sizeof err);
    json_t *ev = json_object();
    json_object_set_new(ev, "timestamp", json_string(event_time(rd->live ? wall_us()
                                                                         : rd->last_ts_us,
                                                                t, sizeof t)));
    json_object_set_new(ev, "event_type", json_string("reload"));
    json_t *r = json_object();
    json_object_set_new(r, "ok", json_boolean(rc == 0));
    if (progress)
        fputc('\n', stderr);
    if (rc == 0) {
        json_object_set_new(r, "generation", json_integer(nr->generation));
        json_object_set_new(r, "compile_ms", json_integer((json_int_t)((now_s() - t0) * 1e3)));
        atomic_store(&rd->pending_from_us, wall_us());
        ruleset_free(atomic_exchange(&rd->pending, ruleset_ref(nr)));
        ruleset_free(*latest);
        *latest = nr;
        rd->reloads_ok++;
        fprintf(stderr, "leakwatch: reload: rules generation %u compiled; new flows use it\n",
                nr->generation);
    } else {
        json_object_set_new(r, "generation", json_integer((*latest)->generation));
        json_object_set_new(r, "error", json_string(err));
        rd->reloads_failed++;
        fprintf(stderr, "leakwatch: reload failed, keeping rules generation %u: %s\n",
                (*latest)->generation, err);
    }
    json_object_set_new(ev, "reload", r);
    sink_emit(c->sink, ev);
}

/* One key log for everything: the --keylog files, and the secrets pcapng inputs
 * carry in Decryption Secrets Blocks. None of either: no key log at all. */
static int open_keys(struct reader *rd, char *err, size_t errlen)
{
    const struct pipeline_config *c = rd->cfg;
    int found = 0;
    if (!c->nkeylogs && rd->live)
        return 0;
    if (!(rd->keys = keylog_new())) {
        snprintf(err, errlen, "out of memory");
        return LW_ERR_NOMEM;
    }
    for (int i = 0; i < c->nkeylogs; i++) {
        int n = keylog_add_file(rd->keys, c->keylogs[i], rd->live != NULL, err, errlen);
        if (n < 0)
            return n;
    }
    for (int i = 0; !rd->live && i < c->nfiles; i++) {
        char e[LW_ERRBUF];
        int n = keylog_load_pcapng(rd->keys, c->files[i], e, sizeof e);
        /* An unreadable file is reported by the source when its turn comes. */
        if (n > 0)
            found += n;
    }
    if (!c->nkeylogs && !found) {
        keylog_free(rd->keys);
        rd->keys = NULL;
    }
    return 0;
}

int pipeline_run(const struct pipeline_config *c, struct pipeline_result *res, char *err,
                 size_t errlen)
{
    struct reader rd;
    memset(&rd, 0, sizeof rd);
    memset(res, 0, sizeof *res);
    rd.cfg = c;
    rd.nworkers = c->workers > 0 ? c->workers : 1;
    rd.live = c->live;
    rd.generation = c->rules ? c->rules->generation : 0;
    atomic_init(&rd.pending, NULL);
    struct ruleset *latest = c->rules ? ruleset_ref(c->rules) : NULL;
    int rc = 0, nalloc = 0;
    if (!rd.live && (rc = source_open(c->files, c->nfiles, c->filter, &rd.src, err, errlen)) < 0)
        goto out;
    if ((rc = open_keys(&rd, err, errlen)) < 0)
        goto out;
    rc = LW_ERR_NOMEM;
    rd.frags = frag_new(c->frag_datagrams, c->frag_timeout_us);
    rd.dgram = malloc(65536);
    if (c->rules) {
        rd.dns_env.dns = c->rules->dns;
        rd.dns_flow = dissect_flow_new(&rd.dns_env, DISSECT_L4_UDP, 1024, 53);
    }
    nalloc = rd.nworkers;
    rd.workers = calloc((size_t)nalloc, sizeof *rd.workers);
    if (!rd.frags || !rd.dgram || !rd.workers) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (int i = 0; i < rd.nworkers; i++) {
        struct worker_config wc = {
            .id = i,
            .max_flows = c->max_flows / (size_t)rd.nworkers + 1,
            .idle_timeout_us = c->idle_timeout_us,
            .close_timeout_us = c->close_timeout_us,
            .ring_bytes = c->ring_bytes,
            .reasm_bytes = c->reasm_bytes,
            .reasm_dir_bytes = c->reasm_dir_bytes,
            .sink = c->sink,
            .rules = c->rules,
            .keys = rd.keys,
        };
        /* nDPI's module initialisation is not reentrant: workers are made here, one
         * after the other, before any thread starts. */
        if (!(rd.workers[i] = worker_new(&wc, err, errlen)))
            goto out;
    }
    for (int i = 0; i < rd.nworkers; i++)
        if (worker_start(rd.workers[i]) < 0) {
            snprintf(err, errlen, "cannot start worker thread %d", i);
            /* Started workers still need their END record to stop. */
            rd.nworkers = i;
            broadcast(&rd, WORKER_REC_END, 0);
            for (int j = 0; j < i; j++)
                worker_join(rd.workers[j]);
            goto out;
        }
    pthread_t reader;
    if (pthread_create(&reader, NULL, reader_main, &rd)) {
        snprintf(err, errlen, "cannot start reader thread");
        broadcast(&rd, WORKER_REC_END, 0);
        for (int i = 0; i < rd.nworkers; i++)
            worker_join(rd.workers[i]);
        goto out;
    }
    int progress = !c->quiet && !rd.live && isatty(STDERR_FILENO);
    double t0 = now_s();
    while (!atomic_load(&rd.done)) {
        struct timespec ts = {0, 200 * 1000000};
        nanosleep(&ts, NULL);
        if (c->reload && atomic_exchange(c->reload, 0) && latest && c->reload_fn)
            reload(&rd, &latest, progress);
        if (progress)
            show_progress(&rd, now_s() - t0, 0);
    }
    pthread_join(reader, NULL);
    struct worker_stats total, one;
    memset(&total, 0, sizeof total);
    for (int i = 0; i < rd.nworkers; i++) {
        worker_join(rd.workers[i]);
        worker_stats(rd.workers[i], &one);
        add_stats(&total, &one);
    }
    if (progress)
        show_progress(&rd, now_s() - t0, 1);
    emit_stats(&rd, &total, 1);
    res->packets = atomic_load(&rd.packets);
    res->input_errors = rd.input_errors;
    rc = 0;
out:
    for (int i = 0; rd.workers && i < nalloc; i++)
        worker_free(rd.workers[i]);
    free(rd.workers);
    free(rd.dgram);
    dissect_flow_free(rd.dns_flow);
    frag_free(rd.frags);
    source_free(rd.src);
    keylog_free(rd.keys);
    /* A reload the reader never picked up. */
    ruleset_free(atomic_exchange(&rd.pending, NULL));
    ruleset_free(latest);
    return rc;
}
