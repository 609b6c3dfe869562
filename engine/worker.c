/* worker.c - see worker.h.
 *
 * Per packet: find or create the flow, count it, let nDPI look at it until it has
 * decided, and feed TCP payload through reassembly (UDP payload is a message of its
 * own). When a flow ends, what reassembly still holds is flushed, nDPI gives its
 * final answer and one "flow" event is emitted. */
#include "engine/worker.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/classify.h"
#include "engine/event.h"
#include "engine/stats.h"
#include "rules/verdict.h"
#include "common/clock.h"
#include "common/lwerr.h"
#include "rules/matcher.h"

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_ACK 0x10

struct worker {
    struct worker_config cfg;
    pthread_t thread;
    int started;
    ring_t *ring;
    flow_table_t *flows;
    reasm_pool_t *reasm;
    classify_t *cls;           /* taken by the worker's thread as it starts */
    char error[LW_ERRBUF];     /* why it could not run; "" when it did */
    inspect_t *inspect;
    sink_batcher_t *out;       /* this worker's event batches */
    /* Written by this worker only; other threads read the published snapshot. */
    uint64_t packets, bytes, events, emit_failures;
    uint64_t reloads, reload_failures;
    struct stats_slot published;
};

/* What reassembly's callbacks need: passed as their argument, built per call. */
struct worker_flow {
    struct worker *w;
    struct flow *f;
};

static const char *const end_names[] = {"timeout", "closed", "evicted", "shutdown"};

static void on_data(void *ctx, int dir, const uint8_t *data, size_t len)
{
    struct worker_flow *wf = ctx;
    wf->f->stream_bytes[dir] += len;
    inspect_data(wf->w->inspect, wf->f, dir, data, len);
}

static void on_gap(void *ctx, int dir, uint64_t len)
{
    struct worker_flow *wf = ctx;
    wf->f->gaps[dir]++;
    inspect_gap(wf->w->inspect, wf->f, dir, len);
}

static const struct reasm_ops reasm_ops = {on_data, on_gap};

static void emit_flow(struct worker *w, struct flow *f, enum flow_end why)
{
    char pname[64];
    struct event_flow_info fi = {
        .app_proto = classify_proto_name(w->cls, &f->cls, pname, sizeof pname),
        .app_category = classify_category_name(w->cls, &f->cls),
        .host = f->cls.host,
        .end_reason = end_names[why],
        .app_proto_guessed = f->cls.guessed,
    };
    /* Findings first, then the flow event with the attribution inspect_end() found. */
    int rc = inspect_end(w->inspect, f, f->cls.host, &fi);
    if (rc < 0)
        w->emit_failures++;
    else if (rc > 0)
        w->events++;
}

static void flow_ended(void *ctx, struct flow *f, enum flow_end why)
{
    struct worker *w = ctx;
    struct worker_flow wf = {w, f};
    if (f->key.proto == 6) {
        for (int d = 0; d < 2; d++) {
            reasm_flush(w->reasm, &f->tcp[d], d, &reasm_ops, &wf);
            reasm_release(w->reasm, &f->tcp[d]);
        }
    }
    classify_finish(w->cls, &f->cls);
    emit_flow(w, f, why);
    classify_release(w->cls, &f->cls);
}

/* The client is the side that sent a bare SYN, else the receiver of a SYN-ACK. With
 * no handshake seen (capture started mid-conversation) a packet from a well-known
 * port to an ephemeral one comes from the server; otherwise whoever spoke first. */
static void set_client(struct flow *f, const struct worker_rec *r)
{
    int sender = r->from_lo ? 0 : 1;
    uint8_t fl = r->d.tcp_flags;
    int from_server = r->d.sport < 1024 && r->d.dport >= 1024;
    if (r->key.proto == 6 && (fl & TH_SYN))
        from_server = (fl & TH_ACK) != 0;
    f->client = (uint8_t)(from_server ? !sender : sender);
}

static void handle_packet(struct worker *w, const struct worker_rec *r)
{
    const struct decode_pkt *d = &r->d;
    int is_syn = r->key.proto == 6 && (d->tcp_flags & (TH_SYN | TH_ACK)) == TH_SYN;
    int created;
    struct flow *f = flow_table_get(w->flows, &r->key, r->hash, r->ts_us, r->pkt_no, is_syn,
                                    &created);
    if (!f)
        return;
    if (created) {
        set_client(f, r);
        f->iface = (uint8_t)r->iface;
    }
    if (r->app && !f->app)
        f->app = r->app;
    int sender = r->from_lo ? 0 : 1;
    int dir = sender == f->client ? FLOW_TOSERVER : FLOW_TOCLIENT;
    f->pkts[dir]++;
    f->bytes[dir] += d->l3_len;
    if (d->has_mac && !f->has_mac[dir]) {
        memcpy(f->mac[dir], d->src_mac, 6);
        f->has_mac[dir] = 1;
    }
    w->packets++;
    w->bytes += d->l3_len;

    if (!f->cls.done)
        classify_packet(w->cls, &f->cls, r->l3, d->l3_len, r->ts_us);

    const uint8_t *payload = r->l3 + d->payload_off;
    /* Before reassembly runs: making room may end other flows, never this one. */
    if (d->payload_len && !f->charged)
        flow_table_charge(w->flows, f);
    inspect_set_time(w->inspect, r->ts_us);
    inspect_set_packet(w->inspect, r->pkt_no);
    if (r->key.proto == 6) {
        struct worker_flow wf = {w, f};
        reasm_segment(w->reasm, &f->tcp[dir], dir, d->seq, d->tcp_flags, payload,
                      d->payload_len, d->payload_wire, &reasm_ops, &wf);
        if (d->tcp_flags & TH_FIN)
            f->fin[dir] = 1;
        if (d->tcp_flags & TH_RST)
            f->rst = 1;
        if (f->rst || (f->fin[0] && f->fin[1]))
            flow_table_closing(w->flows, f);
    } else if (r->key.proto == 17 && d->payload_len) {
        f->stream_bytes[dir] += d->payload_len;
        inspect_datagram(w->inspect, f, dir, payload, d->payload_len);
    }
}

/* Copy every counter into the published snapshot (stats.h). */
static void publish(struct worker *w)
{
    struct stats_worker s;
    memset(&s, 0, sizeof s);
    const struct flow_table_stats *fs = flow_table_stats(w->flows);
    s.flows_created = fs->created;
    s.flows_timeout = fs->ended[FLOW_END_TIMEOUT];
    s.flows_closed = fs->ended[FLOW_END_CLOSED];
    s.flows_evicted = fs->ended[FLOW_END_EVICTED];
    s.flows_shutdown = fs->ended[FLOW_END_SHUTDOWN];
    s.flows_peak_concurrent = fs->peak;
    s.flows_dropped_no_memory = fs->alloc_failures;
    const struct classify_stats *cs = classify_stats(w->cls);
    s.flows_app_detected = cs->detected;
    s.flows_app_guessed = cs->guessed;
    s.flows_app_unknown = cs->unknown;
    const struct reasm_stats *ts = reasm_pool_stats(w->reasm);
    s.tcp_stream_bytes = ts->delivered_bytes;
    s.tcp_gaps = ts->gaps;
    s.tcp_gap_bytes = ts->gap_bytes;
    s.tcp_out_of_order = ts->out_of_order;
    s.tcp_retransmitted = ts->retransmitted;
    s.tcp_overlaps = ts->overlaps;
    s.tcp_overlap_conflicts = ts->overlap_conflicts;
    s.tcp_midstream_pickups = ts->midstream;
    s.tcp_after_fin = ts->after_fin;
    s.tcp_reassembly_memcap = ts->memcap;
    struct inspect_stats is;
    inspect_stats(w->inspect, &is);
    s.detection_privacy_leaks = is.findings;
    s.detection_repeats_counted = is.repeats;
    s.detection_findings_over_flow_cap = is.findings_over_cap;
    s.detection_sdk_contacts = is.sdk_contacts;
    s.detection_scan_errors = is.scan_errors;
    s.verdicts_declared = is.by_verdict[VERDICT_DECLARED];
    s.verdicts_undeclared_type = is.by_verdict[VERDICT_UNDECLARED_TYPE];
    s.verdicts_undeclared_sdk = is.by_verdict[VERDICT_UNDECLARED_SDK];
    s.verdicts_broken_transform = is.by_verdict[VERDICT_BROKEN_TRANSFORM];
    s.verdicts_first_party_undeclared = is.by_verdict[VERDICT_FIRST_PARTY_UNDECLARED];
    s.verdicts_first_party_declared = is.by_verdict[VERDICT_FIRST_PARTY_DECLARED];
    s.verdicts_no_policy = is.by_verdict[VERDICT_NO_POLICY];
    s.verdicts_unknown_destination = is.by_verdict[VERDICT_UNKNOWN_DESTINATION];
    s.dissect = is.dissect;
    s.top_events = w->events;
    s.top_event_build_failures = w->emit_failures + is.emit_failures +
                                 sink_batcher_refused(w->out);
    s.worker_packets = w->packets;
    s.worker_bytes = w->bytes;
    s.worker_flows_active = fs->active;
    s.worker_reloads = w->reloads;
    s.worker_reload_failures = w->reload_failures;
    s.worker_cpu_us = clock_thread_cpu_us();
    stats_slot_publish(&w->published, &s);
}

/* Without a detection module the worker cannot run: it consumes its ring to the end,
 * so that the reader is never left waiting on it, and worker_error() says why. */
static void *drain(struct worker *w)
{
    for (;;) {
        size_t len;
        const struct worker_rec *r = ring_peek(w->ring, &len);
        uint32_t kind = r->kind;
        if (kind == WORKER_REC_RULES) {
            struct ruleset *rs;
            memcpy(&rs, r->l3, sizeof rs);
            ruleset_free(rs);
        }
        ring_release(w->ring);
        if (kind == WORKER_REC_END)
            return NULL;
    }
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    /* Taken here, not by worker_new(): the module may still be being made
     * (classify_take()), and the reader fills the ring meanwhile. */
    char err[LW_ERRBUF / 2];
    if (!(w->cls = classify_take(err, sizeof err))) {
        snprintf(w->error, sizeof w->error, "worker %d: %s", w->cfg.id, err);
        return drain(w);
    }
    for (;;) {
        size_t len;
        const struct worker_rec *r = ring_peek(w->ring, &len);
        switch (r->kind) {
        case WORKER_REC_PACKET:
            handle_packet(w, r);
            break;
        case WORKER_REC_TICK:
            flow_table_expire(w->flows, r->ts_us);
            /* Live, the tick is what bounds an event's wait in a half-full batch. */
            sink_batcher_flush(w->out);
            publish(w);
            break;
        case WORKER_REC_RULES: {
            struct ruleset *rs;
            memcpy(&rs, r->l3, sizeof rs);
            if (inspect_set_rules(w->inspect, rs) == 0) {
                w->reloads++;
            } else {
                w->reload_failures++;
            }
            ruleset_free(rs);
            break;
        }
        case WORKER_REC_END:
            flow_table_flush(w->flows);
            sink_batcher_flush(w->out);
            publish(w);
            ring_release(w->ring);
            return NULL;
        }
        ring_release(w->ring);
    }
}

worker_t *worker_new(const struct worker_config *c, char *err, size_t errlen)
{
    struct worker *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    w->cfg = *c;
    stats_slot_init(&w->published);
    w->ring = ring_new(c->ring_bytes);
    w->flows = flow_table_new(c->max_flows, c->idle_timeout_us, c->close_timeout_us,
                              flow_ended, w);
    w->reasm = reasm_pool_new(c->reasm_bytes, c->reasm_dir_bytes);
    if (!w->ring || !w->flows || !w->reasm) {
        snprintf(err, errlen, "worker %d: out of memory", c->id);
        goto err;
    }
    if (!(w->out = sink_batcher_new(c->sink, 0, 0))) {
        snprintf(err, errlen, "worker %d: out of memory", c->id);
        goto err;
    }
    if (!(w->inspect = inspect_new(c->rules, w->out))) {
        snprintf(err, errlen, "worker %d: cannot allocate matcher scratch", c->id);
        goto err;
    }
    inspect_set_keylog(w->inspect, c->keys);
    inspect_set_memcap(w->inspect, c->mem);
    inspect_set_mode(w->inspect, c->inspect_both ? INSPECT_BOTH : INSPECT_OUT);
    flow_table_set_memcap(w->flows, c->mem, worker_flow_bytes(), worker_payload_bytes(w));
    return w;
err:
    worker_free(w);
    return NULL;
}

void worker_free(worker_t *w)
{
    if (!w)
        return;
    flow_table_free(w->flows);
    reasm_pool_free(w->reasm);
    classify_free(w->cls);
    inspect_free(w->inspect);
    sink_batcher_free(w->out); /* waits for its batches still at the sink */
    ring_free(w->ring);
    stats_slot_destroy(&w->published);
    free(w);
}


size_t worker_flow_bytes(void)
{
    return flow_table_entry_bytes() + sizeof(struct flow *) + classify_flow_bytes();
}

size_t worker_payload_bytes(const struct worker *w)
{
    struct matcher_info mi = {0};
    if (w->cfg.rules && w->cfg.rules->matcher)
        matcher_info(w->cfg.rules->matcher, &mi);
    return 2 * mi.stream_state_bytes + WORKER_FLOW_STATE_BYTES;
}

ring_t *worker_ring(worker_t *w) { return w->ring; }

int worker_start(worker_t *w)
{
    if (pthread_create(&w->thread, NULL, worker_main, w))
        return LW_ERR_NOMEM;
    w->started = 1;
    return 0;
}

void worker_join(worker_t *w)
{
    if (w->started)
        pthread_join(w->thread, NULL);
    w->started = 0;
}

const char *worker_error(const worker_t *w) { return w->error[0] ? w->error : NULL; }

void worker_stats(worker_t *w, struct stats_worker *st)
{
    stats_slot_read(&w->published, st);
}
