/* reader.c - see reader.h. */
#include "engine/reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/lwerr.h"
#include "engine/event.h"
#include "engine/stats.h"

/* Per file, this many malformed packets are described on stderr; the rest are only
 * counted (stats event), so a damaged capture cannot flood the terminal. */
#define ANOMALY_REPORTS_PER_FILE 5
#define TICK_US 1000000u
/* Live: how late the kernel may hand over a packet (block timeout, poll_ms), with room. */
#define RELOAD_SETTLE_US 2000000u
#define READER_MAX_IFACES 64
/* Live: the longest a committed packet waits in a ring's unpublished batch. */
#define RING_FLUSH_US 10000u

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
        r->from_lo = (uint16_t)from_lo;
        r->iface = 0;
        /* Live, p->file is one of the configured interface names (same pointer). */
        for (int i = 0; rd->live && i < rd->cfg->nifaces && i < 255; i++)
            if (rd->cfg->ifaces[i] == sp->file)
                r->iface = (uint16_t)(i + 1);
        r->pkt_no = sp->pkt_no;
        r->app = sp->app;
        r->hash = hash;
        r->key = *k;
        r->d = *d;
        memcpy(r->l3, l3, l3len);
    }
    ring_commit(ring, len);
}

/* Publish every ring's pending batch: nothing more is coming right now. */
static void flush_rings(struct reader *rd)
{
    for (int i = 0; i < rd->nworkers; i++)
        ring_flush(worker_ring(rd->workers[i]));
}

void reader_broadcast(struct reader *rd, enum worker_rec_kind kind, uint64_t ts_us)
{
    for (int i = 0; i < rd->nworkers; i++)
        send_rec(rd, i, kind, ts_us, NULL, NULL, NULL, NULL, 0, 0);
    flush_rings(rd);
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
        ring_flush(ring);
    }
    rd->generation = rs->generation;
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

/* A profile device's ip in this packet: seen (the end of the run warns about the
 * others). Stops costing anything once every device's ip was seen. */
static void note_ips(struct reader *rd, const struct decode_pkt *d)
{
    const uint8_t *ips[2] = {d->src_ip, d->dst_ip};
    for (int k = 0; k < 2; k++) {
        int i = profile_find_ip(rd->ip_profile, d->family, ips[k]);
        if (i >= 0 && !rd->ip_seen[i]) {
            rd->ip_seen[i] = 1;
            rd->ip_unseen--;
        }
    }
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
    enum decode_result res = decode_frame(sp->linktype, sp->data, sp->caplen - sp->trailer_len,
                                          &d, &rd->dec);
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
    if (rd->ip_unseen)
        note_ips(rd, &d);
    if (rd->dns_flow && d.proto == 17 && (d.sport == 53 || d.sport == 5353) && d.payload_len) {
        rd->dns_env.now_s = sp->ts_us / 1000000u;
        dissect_flow_datagram(rd->dns_flow, 1, l3 + d.payload_off, d.payload_len, NULL, NULL);
    }
    struct flow_key k;
    int from_lo;
    flow_key_make(&k, &d, &from_lo);
    uint64_t h = flow_key_hash(&k), n = (uint64_t)rd->nworkers;
    /* The same worker as h % n, without a division per packet when n is a power of 2. */
    uint64_t wi = (n & (n - 1)) == 0 ? (h >> 32) & (n - 1) : (h >> 32) % n;
    send_rec(rd, (int)wi, WORKER_REC_PACKET, sp->ts_us, sp,
             &d, l3, &k, h, from_lo);
}

/* Hand reloaded rules to every worker (a record in each ring) and drop our reference. */
static void send_held(struct reader *rd, struct ruleset **held)
{
    broadcast_rules(rd, *held);
    ruleset_free(*held);
    *held = NULL;
}

/* One packet read: -w, then decoding and dispatch. 1 when -c N packets were taken
 * (as many as asked for is a complete run, not an interrupted one). */
static int take(struct reader *rd, const struct source_pkt *sp)
{
    char err[LW_ERRBUF];
    if (rd->dump && dump_packet(rd->dump, sp, err, sizeof err) < 0) {
        fprintf(stderr, "leakwatch: %s\n", err);
        rd->write_errors++;
    }
    handle(rd, sp);
    return rd->cfg->max_packets && ++rd->passed >= rd->cfg->max_packets;
}

void *reader_main(void *arg)
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
        if (c->stop && atomic_load(c->stop)) {
            /* Live capture has no end of its own: a signal is how it ends. */
            rd->interrupted = !rd->live;
            break;
        }
        struct ruleset *nr = atomic_exchange(&rd->pending, NULL);
        if (nr) {
            ruleset_free(held);
            held = nr;
            held_from = rd->live ? atomic_load(&rd->pending_from_us) : 0;
        }
        /* Nothing older can still be in the kernel's ring after this long. */
        if (held && (!rd->live || clock_wall_us() >= held_from + RELOAD_SETTLE_US))
            send_held(rd, &held);
        rc = rd->live ? live_next(rd->live, &sp, err, sizeof err)
                      : source_next(rd->src, &sp, err, sizeof err);
        if (rc == 1 && held && sp.ts_us >= held_from)
            send_held(rd, &held);
        if (rc == 0 && !rd->live)
            break;
        if (rc == 0)
            flush_rings(rd);   /* the interfaces are idle */
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
            uint64_t now = clock_wall_us();
            if (now > rd->last_ts_us)
                rd->last_ts_us = now;
        }
        /* Workers only see their own packets; a tick carries the capture's clock to
         * all of them so idle flows end on time everywhere. */
        if (rd->last_ts_us >= rd->last_tick_us + TICK_US) {
            rd->last_tick_us = rd->last_ts_us;
            reader_broadcast(rd, WORKER_REC_TICK, rd->last_ts_us);
            frag_expire(rd->frags, rd->last_ts_us);
            if (rd->keys)
                keylog_poll(rd->keys);
            dump_flush(rd->dump);
            uint64_t mono = (uint64_t)(clock_mono_s() * 1e6);
            if (interval_us && mono >= rd->stats_next_us) {
                if (rd->stats_next_us)
                    reader_emit_stats(rd, 0);
                rd->stats_next_us = mono + interval_us;
            }
        }
        if (rc == 1 && take(rd, &sp))
            break;
        /* Live, after the packet: a trickle is published packet by packet, a flood
         * by batch or every RING_FLUSH_US. */
        if (rd->live && rd->last_ts_us >= rd->flush_due_us) {
            flush_rings(rd);
            rd->flush_due_us = rd->last_ts_us + RING_FLUSH_US;
        }
    }
    if (held)
        send_held(rd, &held);
    reader_broadcast(rd, WORKER_REC_END, rd->last_ts_us);
    pthread_mutex_lock(&rd->done_mu);
    rd->cpu_us = clock_thread_cpu_us();
    rd->done = 1;
    pthread_cond_signal(&rd->done_cv);
    pthread_mutex_unlock(&rd->done_mu);
    return NULL;
}

int reader_sync_init(struct reader *rd)
{
    pthread_condattr_t a;
    if (pthread_condattr_init(&a))
        return LW_ERR_NOMEM;
    int bad = pthread_condattr_setclock(&a, CLOCK_MONOTONIC) ||
              pthread_cond_init(&rd->done_cv, &a);
    pthread_condattr_destroy(&a);
    if (bad)
        return LW_ERR_NOMEM;
    if (pthread_mutex_init(&rd->done_mu, NULL)) {
        pthread_cond_destroy(&rd->done_cv);
        return LW_ERR_NOMEM;
    }
    return 0;
}

void reader_sync_free(struct reader *rd)
{
    pthread_cond_destroy(&rd->done_cv);
    pthread_mutex_destroy(&rd->done_mu);
}

int reader_wait_done(struct reader *rd, unsigned ms)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (long)(ms % 1000) * 1000000;
    if (t.tv_nsec >= 1000000000) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&rd->done_mu);
    while (!rd->done && pthread_cond_timedwait(&rd->done_cv, &rd->done_mu, &t) == 0)
        ;
    int done = rd->done;
    pthread_mutex_unlock(&rd->done_mu);
    return done;
}

/* stats.memory: the budget (--memcap) and what is drawn from it now, at its peak,
 * set aside by capped subsystems, refused (each refusal a flow evicted or a body or
 * frame not buffered), and what one flow draws (with payload, and without). */
static void reader_stats_memory(struct reader *rd, json_t *ev)
{
    json_t *s = json_object_get(ev, "stats");
    if (!s)
        return;
    json_object_set_new(s, "memory", json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
        "budget_bytes", (json_int_t)rd->mem.limit,
        "in_use_bytes", (json_int_t)memcap_used(&rd->mem),
        "peak_bytes", (json_int_t)memcap_peak(&rd->mem),
        "reserved_bytes", (json_int_t)rd->mem_reserved,
        "refused", (json_int_t)memcap_refused(&rd->mem),
        "per_flow_bytes", (json_int_t)rd->mem_per_flow,
        "per_flow_no_payload_bytes", (json_int_t)rd->mem_per_flow_fixed));
}

void reader_emit_stats(struct reader *rd, int final)
{
    int n = rd->nworkers;
    struct stats_worker total, per[n > 0 ? n : 1];
    uint64_t queue[n > 0 ? n : 1], waits[n > 0 ? n : 1];
    memset(&total, 0, sizeof total);
    for (int i = 0; i < n; i++) {
        worker_stats(rd->workers[i], &per[i]);
        stats_worker_add(&total, &per[i]);
        ring_t *ring = worker_ring(rd->workers[i]);
        queue[i] = ring_used(ring);
        waits[i] = ring_full_waits(ring);
    }
    struct live_if_stats ifs[READER_MAX_IFACES];
    int nifs = rd->live ? live_stats(rd->live, ifs, READER_MAX_IFACES) : 0;
    struct sink_stats out;
    sink_get_stats(rd->cfg->sink, &out);
    struct event_run run = {
        /* No packet read (an unreadable input): the time of writing, not 1970. */
        .ts_us = rd->last_ts_us ? rd->last_ts_us : clock_wall_us(),
        .out = &out,
        .final = final,
        .interrupted = rd->interrupted,
        .seq = final ? 0 : ++rd->stats_seq,
        .packets = atomic_load(&rd->packets),
        .filtered = rd->src ? source_filtered(rd->src) : 0,
        .ip_packets = rd->ip_packets,
        .ip_bytes = rd->ip_bytes,
        .input_errors = rd->input_errors,
        .rules_generation = rd->generation,
        .reloads = atomic_load(&rd->reloads_ok),
        .reload_failures = atomic_load(&rd->reloads_failed),
        .decode = &rd->dec,
        .frag = frag_stats(rd->frags),
        .ifs = rd->live ? ifs : NULL,
        .nifs = nifs < READER_MAX_IFACES ? nifs : READER_MAX_IFACES,
        .keys = rd->keys,
        .dnsmap_puts = rd->dns_env.stats.dnsmap_puts,
        .total = &total,
        .per = per,
        .queue_bytes = queue,
        .ring_full_waits = waits,
        .nworkers = n,
        /* The final event is built by the calling thread once the reader has ended. */
        .reader_cpu_us = final ? rd->cpu_us : clock_thread_cpu_us(),
    };
    if (!event_wanted(EVENT_T_STATS))
        return;
    json_t *ev = event_stats(&run);
    if (ev)
        reader_stats_memory(rd, ev);
    if (ev)
        sink_emit(rd->cfg->sink, ev);
}
