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
#include "common/lwerr.h"

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
    classify_t *cls;
    inspect_t *inspect;
    struct flow *cur;            /* flow whose segments reassembly is delivering */
    /* Counters written by this worker only; read by the main thread after join. */
    uint64_t packets, bytes, events, emit_failures;
    uint64_t reloads, reload_failures;
    unsigned generation;
};

static const char *const end_names[] = {"timeout", "closed", "evicted", "shutdown"};

static void emit(struct worker *w, json_t *ev)
{
    if (!ev) {
        w->emit_failures++;
        return;
    }
    if (sink_emit(w->cfg.sink, ev) < 0)
        w->emit_failures++;
    else
        w->events++;
}

static void on_data(void *ctx, int dir, const uint8_t *data, size_t len)
{
    struct worker *w = ctx;
    w->cur->stream_bytes[dir] += len;
    inspect_data(w->inspect, w->cur, dir, data, len);
}

static void on_gap(void *ctx, int dir, uint64_t len)
{
    struct worker *w = ctx;
    w->cur->gaps[dir]++;
    inspect_gap(w->inspect, w->cur, dir, len);
}

static const struct reasm_ops reasm_ops = {on_data, on_gap};

static void emit_flow(struct worker *w, struct flow *f, enum flow_end why)
{
    char t[40], pname[64];
    json_t *ev = event_flow_base(f, f->last_us, "flow");
    if (!ev) {
        w->emit_failures++;
        return;
    }
    json_object_set_new(ev, "app_proto",
                        json_string(classify_proto_name(w->cls, &f->cls, pname, sizeof pname)));
    json_object_set_new(ev, "app_category",
                        json_string(classify_category_name(w->cls, &f->cls)));
    if (f->cls.host)
        json_object_set_new(ev, "host", json_string(f->cls.host));
    json_t *fl = json_object();
    json_object_set_new(fl, "pkts_toserver", json_integer((json_int_t)f->pkts[FLOW_TOSERVER]));
    json_object_set_new(fl, "pkts_toclient", json_integer((json_int_t)f->pkts[FLOW_TOCLIENT]));
    json_object_set_new(fl, "bytes_toserver", json_integer((json_int_t)f->bytes[FLOW_TOSERVER]));
    json_object_set_new(fl, "bytes_toclient", json_integer((json_int_t)f->bytes[FLOW_TOCLIENT]));
    json_object_set_new(fl, "start", json_string(event_time(f->first_us, t, sizeof t)));
    json_object_set_new(fl, "end", json_string(event_time(f->last_us, t, sizeof t)));
    json_object_set_new(fl, "reason", json_string(end_names[why]));
    json_object_set_new(fl, "stream_bytes_toserver",
                        json_integer((json_int_t)f->stream_bytes[FLOW_TOSERVER]));
    json_object_set_new(fl, "stream_bytes_toclient",
                        json_integer((json_int_t)f->stream_bytes[FLOW_TOCLIENT]));
    json_object_set_new(fl, "gaps_toserver", json_integer((json_int_t)f->gaps[FLOW_TOSERVER]));
    json_object_set_new(fl, "gaps_toclient", json_integer((json_int_t)f->gaps[FLOW_TOCLIENT]));
    if (f->cls.guessed)
        json_object_set_new(fl, "app_proto_guessed", json_true());
    json_object_set_new(ev, "flow", fl);
    /* Findings first: inspect_end() also adds the attribution to the flow event. */
    inspect_end(w->inspect, f, f->cls.host, ev);
    emit(w, ev);
}

static void flow_ended(void *ctx, struct flow *f, enum flow_end why)
{
    struct worker *w = ctx;
    w->cur = f;
    if (f->key.proto == 6) {
        for (int d = 0; d < 2; d++) {
            reasm_flush(w->reasm, &f->tcp[d], d, &reasm_ops, w);
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
    if (created)
        set_client(f, r);
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
    inspect_set_time(w->inspect, r->ts_us);
    w->cur = f;
    if (r->key.proto == 6) {
        reasm_segment(w->reasm, &f->tcp[dir], dir, d->seq, d->tcp_flags, payload,
                      d->payload_len, d->payload_wire, &reasm_ops, w);
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

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    for (;;) {
        size_t len;
        const struct worker_rec *r = ring_peek(w->ring, &len);
        switch (r->kind) {
        case WORKER_REC_PACKET:
            handle_packet(w, r);
            break;
        case WORKER_REC_TICK:
            flow_table_expire(w->flows, r->ts_us);
            break;
        case WORKER_REC_RULES: {
            struct ruleset *rs;
            memcpy(&rs, r->l3, sizeof rs);
            if (inspect_set_rules(w->inspect, rs) == 0) {
                w->reloads++;
                w->generation = rs->generation;
            } else {
                w->reload_failures++;
            }
            ruleset_free(rs);
            break;
        }
        case WORKER_REC_END:
            flow_table_flush(w->flows);
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
    w->ring = ring_new(c->ring_bytes);
    w->flows = flow_table_new(c->max_flows, c->idle_timeout_us, c->close_timeout_us,
                              flow_ended, w);
    w->reasm = reasm_pool_new(c->reasm_bytes, c->reasm_dir_bytes);
    if (!w->ring || !w->flows || !w->reasm) {
        snprintf(err, errlen, "worker %d: out of memory", c->id);
        goto err;
    }
    if (!(w->cls = classify_new(err, errlen)))
        goto err;
    if (!(w->inspect = inspect_new(c->rules, c->sink))) {
        snprintf(err, errlen, "worker %d: cannot allocate matcher scratch", c->id);
        goto err;
    }
    inspect_set_keylog(w->inspect, c->keys);
    w->generation = c->rules->generation;
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
    ring_free(w->ring);
    free(w);
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

void worker_stats(const worker_t *w, struct worker_stats *st)
{
    memset(st, 0, sizeof *st);
    st->flows = *flow_table_stats(w->flows);
    st->tcp = *reasm_pool_stats(w->reasm);
    const struct classify_stats *cs = classify_stats(w->cls);
    st->classified = cs->detected;
    st->guessed = cs->guessed;
    st->unknown = cs->unknown;
    st->packets = w->packets;
    st->bytes = w->bytes;
    st->events = w->events;
    st->emit_failures = w->emit_failures;
    st->ring_full_waits = ring_full_waits(w->ring);
    st->reloads = w->reloads;
    st->reload_failures = w->reload_failures;
    st->rules_generation = w->generation;
    inspect_stats(w->inspect, &st->inspect);
}
