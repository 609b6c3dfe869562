/* inspect.c - see inspect.h. */
#include "engine/inspect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/pcapdroid.h"
#include "engine/attribute.h"
#include "engine/event.h"
#include "rules/verdict.h"

/* Distinct findings kept per flow. (type, form, where) is a small space, so this is
 * reached only by hostile traffic; what goes past it is counted. */
#define MAX_FINDINGS 256
#define NAME_LEN ATTRIBUTE_NAME_LEN
enum name_kind { NAME_SNI, NAME_HOST, NAME_CERT, NAME_KINDS };
/* A flow still open this long has its findings emitted so far, and again every
 * INSPECT_FLUSH_US: a push channel can stay up for days on a lab gateway, and its
 * leaks must not wait for its end. Later repeats of an emitted finding are not sent. */
#define INSPECT_FLUSH_US (60ull * 1000000u)
/* Decoded values queued for one joint scan at most (see fields_flush()). */
#define FIELD_BATCH_BYTES (256u * 1024)

struct finding {
    const char *type, *category, *form, *source; /* static strings of rules/ */
    char where[32];
    char key[64];
    char evidence[128];
    char enc[96];                 /* decoding chain, "base64,gzip,json"; "" for none */
    int device;
    double confidence;
    uint64_t count;
    uint64_t first_us;
    uint64_t first_pkt;           /* number of the packet it was first seen in */
    uint64_t last_off;            /* where the last counted occurrence ended */
    int emitted;                  /* already sent by a flush of a long flow */
};

/* A generation of rules as one worker sees it: the ruleset (one reference), a
 * scratch for its database and the flows still scanning with it. A reload makes a
 * new current generation; the old one is freed when its last flow ends. */
struct gen {
    struct ruleset *rules;
    matcher_scratch_t *scratch;
    size_t flows;
    struct gen *next;             /* retired list */
};

/* A flow's inspection state, hung on flow->user. It is the argument of every
 * matcher and dissector callback, so nothing depends on which flow is "current". */
struct fctx {
    inspect_t *in;
    struct flow *f;
    struct gen *g;                /* the rules this flow started with */
    matcher_stream_t *ms[2];
    dissect_flow_t *df;
    /* The first name of each kind the flow was seen with (enum name_kind), NULL until
     * then: allocated when seen, as most flows have one name and many none. */
    const char *names[NAME_KINDS];
    struct finding *fs;
    uint64_t flushed_us;          /* packet time of the last flush, 0 = never */
    /* Narrow on purpose: one fctx per open flow (at most MAX_FINDINGS findings). */
    uint32_t n, cap;
    uint32_t unsent;              /* findings not emitted yet */
    int8_t no_scan;               /* TLS: ciphertext is not scanned */
    int8_t quiet_dir;             /* the direction sent to the device (INSPECT_OUT), or -1 */
    uint8_t host_is_ndpi;         /* names[NAME_HOST] is the flow's f->cls.host, not a copy */
};

struct inspect {
    sink_batcher_t *out;          /* the worker's event batches */
    matcher_batch_t *batch;       /* decoded values of the flow being dissected */
    struct gen *gen;              /* current: new flows start here */
    struct gen *retired;          /* older generations with flows still open */
    struct dissect_env env;
    uint64_t now_us;
    uint64_t now_pkt;
    enum inspect_mode mode;
    struct inspect_stats st;
};

static struct gen *gen_new(struct ruleset *rules)
{
    struct gen *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    if (!(g->scratch = matcher_scratch_new(rules->matcher))) {
        free(g);
        return NULL;
    }
    g->rules = ruleset_ref(rules);
    return g;
}

static void gen_free(struct gen *g)
{
    if (!g)
        return;
    matcher_scratch_free(g->scratch);
    ruleset_free(g->rules);
    free(g);
}

inspect_t *inspect_new(struct ruleset *rules, sink_batcher_t *out)
{
    inspect_t *in = calloc(1, sizeof *in);
    if (!in)
        return NULL;
    in->out = out;
    if (!(in->batch = matcher_batch_new())) {
        free(in);
        return NULL;
    }
    /* Workers parse DNS for names but never store answers: the reader does, in packet
     * order (reader.c), so attribution does not depend on worker timing. */
    in->env.dns = NULL;
    dissect_env_share(&in->env); /* -1: each flow makes its own buffers, as it can */
    if (!(in->gen = gen_new(rules))) {
        dissect_env_unshare(&in->env);
        matcher_batch_free(in->batch);
        free(in);
        return NULL;
    }
    return in;
}

int inspect_set_rules(inspect_t *in, struct ruleset *rules)
{
    struct gen *g = gen_new(rules);
    if (!g)
        return -1;
    struct gen *old = in->gen;
    in->gen = g;
    if (old->flows) {
        old->next = in->retired;
        in->retired = old;
    } else {
        gen_free(old);
    }
    return 0;
}

/* A flow of generation g ended. */
static void gen_put(inspect_t *in, struct gen *g)
{
    if (--g->flows || g == in->gen)
        return;
    for (struct gen **p = &in->retired; *p; p = &(*p)->next)
        if (*p == g) {
            *p = g->next;
            gen_free(g);
            return;
        }
}

void inspect_free(inspect_t *in)
{
    if (!in)
        return;
    gen_free(in->gen);
    while (in->retired) {
        struct gen *g = in->retired;
        in->retired = g->next;
        gen_free(g);
    }
    matcher_batch_free(in->batch);
    dissect_env_unshare(&in->env);
    free(in);
}

void inspect_stats(const inspect_t *in, struct inspect_stats *st)
{
    *st = in->st;
    st->dissect = in->env.stats;
}

void inspect_set_keylog(inspect_t *in, struct keylog *keys)
{
    in->env.keys = keys;
}

void inspect_set_memcap(inspect_t *in, struct memcap *mem)
{
    in->env.mem = mem;
}

void inspect_set_mode(inspect_t *in, enum inspect_mode mode)
{
    in->mode = mode;
}

void inspect_set_packet(inspect_t *in, uint64_t pkt_no)
{
    in->now_pkt = pkt_no;
}

void inspect_set_time(inspect_t *in, uint64_t ts_us)
{
    in->now_us = ts_us;
    in->env.now_s = ts_us / 1000000u;
}

static void finding_set(struct finding *f, const struct matcher_hit *h, const char *enc)
{
    snprintf(f->enc, sizeof f->enc, "%s", enc);
    f->type = h->type;
    f->category = h->category;
    f->form = h->form;
    f->source = h->source;
    snprintf(f->where, sizeof f->where, "%s", h->where);
    snprintf(f->key, sizeof f->key, "%s", h->key ? h->key : "");
    snprintf(f->evidence, sizeof f->evidence, "%s", h->evidence ? h->evidence : "");
    f->device = h->device;
    f->confidence = h->confidence;
}

static size_t enc_layers(const char *enc)
{
    size_t n = enc[0] != 0;
    for (; *enc; enc++)
        n += *enc == ',';
    return n;
}

/* One finding per (type, form, where): the generic detectors and the profile may both
 * recognise the same value; the profile's answer (it names the device) wins. Of two
 * hits of one identifier the one found under fewer decoding layers names the chain:
 * a value also visible as it was sent needs no chain to explain it. */
static void record_hit(struct fctx *c, const struct matcher_hit *h, const char *enc)
{
    inspect_t *in = c->in;
    for (size_t i = 0; i < c->n; i++) {
        struct finding *f = &c->fs[i];
        /* Form names come from two modules (forms.c, generic "plain" in matcher.c):
         * compared as strings, not as pointers the linker may or may not merge. */
        if (f->type == h->type && !strcmp(f->form, h->form) && !strcmp(f->where, h->where)) {
            int upgrade = (h->device >= 0 && f->device < 0) ||
                          (h->device == f->device && h->confidence > f->confidence) ||
                          (h->device == f->device && h->confidence == f->confidence &&
                           (enc_layers(enc) < enc_layers(f->enc) ||
                            (enc_layers(enc) == enc_layers(f->enc) && !f->key[0] &&
                             h->key && h->key[0])));
            if (upgrade)
                finding_set(f, h, enc);
            /* Both detectors seeing one occurrence is not a repeat. */
            if (h->offset != f->last_off) {
                f->count++;
                f->last_off = h->offset;
                in->st.repeats++;
            }
            return;
        }
    }
    if (c->n == MAX_FINDINGS) {
        in->st.findings_over_cap++;
        return;
    }
    if (c->n == c->cap) {
        uint32_t cap = c->cap ? c->cap * 2 : 4;
        struct finding *n = realloc(c->fs, cap * sizeof *n);
        if (!n) {
            in->st.findings_over_cap++;
            return;
        }
        c->fs = n;
        c->cap = cap;
    }
    struct finding *f = &c->fs[c->n++];
    finding_set(f, h, enc);
    f->emitted = 0;
    c->unsent++;
    f->count = 1;
    f->first_us = in->now_us;
    /* Bytes a flow's end flushed from reassembly have no packet of their own. */
    f->first_pkt = in->now_pkt;
    f->last_off = h->offset;
}

static void on_hit(void *ctx, const struct matcher_hit *h)
{
    record_hit(ctx, h, "");
}

/* A decoded value's hits carry the chain of layers it came out of ("" for none). */
static void on_hit_enc(void *ctx, const struct matcher_hit *h, const char *enc)
{
    record_hit(ctx, h, enc);
}

struct enc_hit {
    struct fctx *c;
    const char *enc;
};

static void on_hit_one(void *ctx, const struct matcher_hit *h)
{
    const struct enc_hit *e = ctx;
    record_hit(e->c, h, e->enc);
}

/* Decoded values wait in the worker's batch (one Hyperscan call for all of them) until
 * the dissector call that made them returns, or until other bytes are scanned: findings
 * are recorded in the same order as if each value were scanned when it came. */
static void fields_flush(struct fctx *c)
{
    inspect_t *in = c->in;
    if (matcher_batch_bytes(in->batch))
        in->st.scan_errors += (uint64_t)matcher_batch_scan(in->batch, c->g->rules->matcher,
                                                           c->g->scratch, on_hit_enc, c);
}

/* A field the batch had no memory for: scanned where it is, after what was queued
 * before it. */
static void field_scan_now(struct fctx *c, const char *where, const char *key,
                           const char *enc, const uint8_t *val, size_t len, int binary)
{
    inspect_t *in = c->in;
    fields_flush(c);
    const matcher_t *m = c->g->rules->matcher;
    struct enc_hit e = {c, enc};
    int rc = binary ? matcher_scan_binary(m, c->g->scratch, val, len, where, key, on_hit_one, &e)
                    : matcher_scan_buffer(m, c->g->scratch, val, len, where, key, on_hit_one, &e);
    if (rc < 0)
        in->st.scan_errors++;
}

static void field_queue(struct fctx *c, const char *where, const char *key, const char *enc,
                        const uint8_t *val, size_t len, int binary)
{
    inspect_t *in = c->in;
    if (matcher_batch_bytes(in->batch) + len > FIELD_BATCH_BYTES)
        fields_flush(c);
    if (matcher_batch_add(in->batch, val, len, where, key, enc, binary) != 0)
        field_scan_now(c, where, key, enc, val, len, binary);
}

static void on_field(void *ctx, const char *where, const char *key, const uint8_t *val,
                     size_t len)
{
    field_queue(ctx, where, key, "", val, len, 0);
}

/* A form's pairs: as on_field() for each, their key lengths known. */
static void on_fields(void *ctx, const char *where, const struct dissect_kv *kv, size_t n)
{
    struct fctx *c = ctx;
    matcher_batch_t *b = c->in->batch;
    for (size_t i = 0; i < n; i++) {
        if (matcher_batch_bytes(b) + kv[i].vlen > FIELD_BATCH_BYTES)
            fields_flush(c);
        if (matcher_batch_add_pair(b, kv[i].val, kv[i].vlen, where, kv[i].key, kv[i].klen))
            field_scan_now(c, where, kv[i].key, "", kv[i].val, kv[i].vlen, 0);
    }
}

/* Bytes that are not text (a control byte): a raw 6-byte MAC means something there. */
static int is_binary(const uint8_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((v[i] < 0x20 && v[i] != '\t' && v[i] != '\r' && v[i] != '\n') || v[i] == 0x7f)
            return 1;
    return 0;
}

static void on_field_enc(void *ctx, const char *where, const char *key, const char *enc,
                         const uint8_t *val, size_t len)
{
    field_queue(ctx, where, key, enc ? enc : "", val, len, is_binary(val, len));
}

static void on_name(void *ctx, const char *kind, const char *name)
{
    struct fctx *c = ctx;
    int k = !strcmp(kind, "tls.sni")     ? NAME_SNI
            : !strcmp(kind, "http.host") ? NAME_HOST
            : !strcmp(kind, "tls.cert")  ? NAME_CERT
                                         : -1;
    if (k < 0 || c->names[k] || !name[0])
        return;
    /* A certificate's subject CN may be a company or product name ("Umeng Log Service")
     * ahead of the subjectAltName host names: keep its first name shaped like a host. */
    if (k == NAME_CERT && (!strchr(name, '.') ||
                           strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-.*") != strlen(name)))
        return;
    /* The Host header nDPI took the flow's host from is shared, not copied: f->cls.host
     * outlives c (worker.c ends the flow's inspection before classify_release()). */
    const char *nd = c->f->cls.host;
    if (k == NAME_HOST && nd && strlen(nd) < NAME_LEN && !strcmp(nd, name)) {
        c->names[k] = nd;
        c->host_is_ndpi = 1;
        return;
    }
    c->names[k] = strndup(name, NAME_LEN - 1);   /* NULL when short of memory: unnamed */
}

/* Decrypted TLS bytes get the same raw scan as cleartext TCP; the ciphertext stream
 * was never opened (no_scan), so the direction's matcher stream is free for them. */
static void on_plain(void *ctx, int dir, const uint8_t *data, size_t len)
{
    struct fctx *c = ctx;
    fields_flush(c);
    if (!data) {
        if (c->ms[dir])
            matcher_stream_gap(c->ms[dir], c->g->scratch, on_hit, c);
        return;
    }
    if (!c->ms[dir] && !(c->ms[dir] = matcher_stream_open(c->g->rules->matcher, "tls.payload"))) {
        c->in->st.scan_errors++;
        return;
    }
    if (matcher_stream_scan(c->ms[dir], c->g->scratch, data, len, on_hit, c) < 0)
        c->in->st.scan_errors++;
}

static const struct dissect_cb dissect_cbs = {on_field, on_name, on_plain, on_field_enc,
                                              on_fields};

static struct fctx *ctx_of(inspect_t *in, struct flow *f)
{
    if (!f->user) {
        struct fctx *c = calloc(1, sizeof *c);
        if (!c)
            return NULL;
        int srv = !f->client;
        c->df = dissect_flow_new(&in->env, f->key.proto == 6 ? DISSECT_L4_TCP : DISSECT_L4_UDP,
                                 f->key.port[f->client], f->key.port[srv]);
        c->in = in;
        c->f = f;
        c->g = in->gen;
        c->quiet_dir = -1;
        if (in->mode == INSPECT_OUT) {
            int out = attribute_device_dir(c->g->rules, f);
            c->quiet_dir = out < 0 ? -1 : !out;
            dissect_flow_set_quiet(c->df, c->quiet_dir);
        }
        c->g->flows++;
        f->user = c;
    }
    return f->user;
}

static void flush(inspect_t *in, struct gen *g, struct flow *f, struct fctx *c,
                  const char *nd_host, struct event_flow_info *fi, struct attribution *a);

/* A long flow with unsent findings: send them now (see INSPECT_FLUSH_US). */
static void maybe_flush(inspect_t *in, struct flow *f, struct fctx *c)
{
    uint64_t since = c->flushed_us ? c->flushed_us : f->first_us;
    if (c->unsent && in->now_us >= since + INSPECT_FLUSH_US) {
        flush(in, c->g, f, c, f->cls.host, NULL, NULL);
        c->flushed_us = in->now_us;
    }
}

void inspect_data(inspect_t *in, struct flow *f, int dir, const uint8_t *data, size_t len)
{
    struct fctx *c = ctx_of(in, f);
    if (!c)
        return;
    if (c->df) {
        dissect_flow_data(c->df, dir, data, len, &dissect_cbs, c);
        fields_flush(c);
        if (dissect_flow_proto(c->df) == DISSECT_PROTO_TLS)
            c->no_scan = 1;
    }
    if (!c->no_scan && dir != c->quiet_dir) {
        if (!c->ms[dir])
            c->ms[dir] = matcher_stream_open(c->g->rules->matcher, "tcp.payload");
        if (!c->ms[dir] ||
            matcher_stream_scan(c->ms[dir], c->g->scratch, data, len, on_hit, c) < 0)
            in->st.scan_errors++;
    }
    maybe_flush(in, f, c);
}

void inspect_gap(inspect_t *in, struct flow *f, int dir, uint64_t len)
{
    struct fctx *c = ctx_of(in, f);
    if (!c)
        return;
    if (c->df)
        dissect_flow_gap(c->df, dir, len);
    if (c->ms[dir])
        matcher_stream_gap(c->ms[dir], c->g->scratch, on_hit, c);
}

void inspect_datagram(inspect_t *in, struct flow *f, int dir, const uint8_t *data, size_t len)
{
    struct fctx *c = ctx_of(in, f);
    if (!c)
        return;
    if (c->df)
        dissect_flow_datagram(c->df, dir, data, len, &dissect_cbs, c);
    fields_flush(c);
    /* QUIC ciphertext is not scanned (as TLS is not): only what decrypts is. */
    if (c->df && dissect_flow_proto(c->df) == DISSECT_PROTO_QUIC) {
        maybe_flush(in, f, c);
        return;
    }
    /* The datagram scan also looks for binary forms (raw 6-byte MAC). */
    if (dir != c->quiet_dir &&
        matcher_scan_datagram(c->g->rules->matcher, c->g->scratch, data, len, "udp.payload",
                              on_hit, c) < 0)
        in->st.scan_errors++;
    maybe_flush(in, f, c);
}

static const char *owner_company(const struct sdk_entry *e)
{
    return !e ? NULL : e->company ? e->company : e->name;
}

static void party_of(const struct attribution *a, struct event_party *p)
{
    *p = (struct event_party){
        .host = a->host, .device = a->device, .app = a->app,
        .policy = a->pol ? a->pol->id : NULL,
        .sdk = a->sdk ? a->sdk->id : NULL,
        .sdk_name = a->sdk ? a->sdk->name : NULL,
        .sdk_vendor = a->sdk ? a->sdk->vendor : NULL,
        .sdk_match = a->sdk_match,
        .sdk_match_confidence = a->sdk_match_confidence,
        .sdk_company = a->sdk ? a->sdk->company : NULL,
        .sdk_parent = a->sdk ? a->sdk->parent : NULL,
        .sdk_category = a->sdk ? a->sdk->category : NULL,
        .has_app_uid = a->capp != NULL,
        .app_uid = a->capp ? a->capp->uid : 0,
        .app_package = a->capp && a->capp->package[0] ? a->capp->package : NULL,
        .app_name = a->capp && a->capp->name[0] ? a->capp->name : NULL,
        .host_owner = a->owner ? a->owner->id : NULL,
        .host_company = owner_company(a->owner),
    };
}

static void emit_contact(inspect_t *in, struct ruleset *r, struct flow *f,
                         const struct attribution *a, const char *device_key)
{
    /* An address learnt from another flow ("ip") attributes findings but makes no contact:
     * the flow that taught it made its own. */
    if (!a->sdk || a->first_party || !strcmp(a->sdk_match, "ip") ||
        !ruleset_first_contact(r, device_key, a->sdk->id))
        return;
    const char *clause = NULL;
    char reason[256] = "";
    int declared = verdict_sdk_contact(a->pol, a->sdk->id, &clause, reason, sizeof reason);
    /* Without a policy nothing was declared or undeclared: false would read as a
     * violation. */
    if (!a->pol)
        declared = -1;
    struct event_party p;
    party_of(a, &p);
    if (event_contact(in->out, f, &p, declared, clause, reason) < 0) {
        in->st.emit_failures++;
        return;
    }
    in->st.sdk_contacts++;
}

static int raw_where(const char *w)
{
    return !strcmp(w, "tcp.payload") || !strcmp(w, "udp.payload") || !strcmp(w, "tls.payload");
}

static int is_b64_form(const char *form)
{
    return !strcmp(form, "base64") || !strcmp(form, "base64url");
}

/* The first layer of chain enc that changes bytes (json and form only split text),
 * or NULL. *last: no layer follows it (its output was inspected as it was). */
static const char *enc_first_transform(const char *enc, int *last, char *buf, size_t cap)
{
    while (*enc) {
        size_t l = strcspn(enc, ",");
        if (!(l == 4 && (!strncmp(enc, "json", 4) || !strncmp(enc, "form", 4)))) {
            if (l >= cap)
                return NULL;
            memcpy(buf, enc, l);
            buf[l] = 0;
            *last = enc[l] == 0;
            return buf;
        }
        enc += l + (enc[l] == ',');
    }
    return NULL;
}

/* x (found as the form "base64" itself) and y (found in what decoding that base64
 * yielded: its chain's first byte-changing layer is base64) are one leak. Either
 * alphabet: a fragment without '-', '_', '+' or '/' is named "base64" whichever the
 * sender used. Which says more: y when more was decoded out of the base64 (a JSON with
 * keys, compressed data), x when the base64 held just the value. */
static int b64_pair(const struct finding *x, const struct finding *y, int *y_wins)
{
    char b[16];
    int last;
    const char *t;
    if (x->enc[0] || !is_b64_form(x->form) || y->type != x->type || y->device != x->device ||
        !(t = enc_first_transform(y->enc, &last, b, sizeof b)) || !is_b64_form(t))
        return 0;
    *y_wins = !last;
    return 1;
}

/* Findings that repeat another one of the same leak, and are not emitted:
 *  - a raw-stream finding that a dissector also reported (same identifier, same form,
 *    or its base64 form decoded, or - for the %XX and JSON escapes that dissectors
 *    undo - the same device's identifier in any form): keep the decoded one, which
 *    says where it was;
 *  - a base64 form and the same value decoded from it (b64_pair()). */
static int shadowed(const struct fctx *c, const struct finding *x)
{
    for (size_t i = 0; i < c->n; i++) {
        const struct finding *y = &c->fs[i];
        int y_wins;
        if (y == x || y->type != x->type)
            continue;
        if (raw_where(x->where) && !raw_where(y->where) &&
            (!strcmp(y->form, x->form) || b64_pair(x, y, &y_wins) ||
             (y->device == x->device && (!strcmp(x->form, "url") || !strcmp(x->form, "json")))))
            return 1;
        if (strcmp(x->where, y->where))
            continue;
        if (b64_pair(x, y, &y_wins) && y_wins)
            return 1;
        if (b64_pair(y, x, &y_wins) && !y_wins)
            return 1;
    }
    return 0;
}

/* A flush before the flow's end has no flow event: name what was dissected. */
static const char *dissected_proto(const struct fctx *c)
{
    switch (c->df ? dissect_flow_proto(c->df) : DISSECT_PROTO_UNKNOWN) {
    case DISSECT_PROTO_HTTP: return "HTTP";
    case DISSECT_PROTO_TLS: return "TLS";
    case DISSECT_PROTO_DNS: return "DNS";
    case DISSECT_PROTO_MQTT: return "MQTT";
    case DISSECT_PROTO_WEBSOCKET: return "WebSocket";
    case DISSECT_PROTO_H2C: return "HTTP2";
    case DISSECT_PROTO_QUIC: return "QUIC";
    default: return NULL;
    }
}

static void emit_finding(inspect_t *in, const struct ruleset *r, const struct fctx *c,
                         const struct finding *x, const struct attribution *a,
                         const struct event_flow_info *fi, int tls)
{
    const char *app_proto = fi ? fi->app_proto : NULL;
    struct event_party p;
    party_of(a, &p);
    /* An unattributed flow still names the device whose own identifier it carried. */
    if (!p.device && x->device >= 0 && r->profile) {
        const struct profile_device *pd = profile_device(r->profile, (size_t)x->device);
        p.device = pd->id;
        p.app = pd->app;
    }
    struct event_identifier id = {
        .type = x->type, .category = x->category, .form = x->form, .where = x->where,
        .key = x->key, .source = x->source, .evidence = x->evidence, .encoding = x->enc,
        .confidence = x->confidence, .count = x->count, .first_pkt = x->first_pkt,
    };
    struct verdict_result v;
    verdict_eval(r->ontology, a->pol, a->sdk ? a->sdk->id : NULL, a->first_party, x->type,
                 x->form, &v);
    /* Ciphertext is never scanned, so in a decrypted flow every finding was seen in
     * plaintext that only the key log revealed. */
    if (event_leak(in->out, c->f, x->first_us, app_proto ? app_proto : dissected_proto(c), &p,
                   &id, tls, dissect_flow_quic(c->df), v.name, v.clause, v.reason) < 0) {
        in->st.emit_failures++;
        return;
    }
    in->st.findings++;
    if ((size_t)v.verdict < sizeof in->st.by_verdict / sizeof in->st.by_verdict[0])
        in->st.by_verdict[v.verdict]++;
}

/* Attribute the flow as known now, emit its contact and every finding not sent yet.
 * c may be NULL (a flow with no payload still makes a contact); fi may be NULL (a
 * flush before the end), else it receives the attribution, whose names may point into
 * *keep (the caller's, alive until the flow event is written). */
static void flush(inspect_t *in, struct gen *g, struct flow *f, struct fctx *c,
                  const char *nd_host, struct event_flow_info *fi, struct attribution *keep)
{
    char ipbuf[64], keybuf[160];
    struct attribution local, *ap = keep ? keep : &local;
    struct attribute_names names = {c ? c->names[NAME_SNI] : NULL,
                                    c ? c->names[NAME_HOST] : NULL,
                                    c ? c->names[NAME_CERT] : NULL, nd_host};
    attribute_flow(g->rules, f, &names, ap);
    const char *device_key =
        ap->device ? ap->device : event_ip(f->key.family, f->key.ip[f->client], ipbuf, sizeof ipbuf);
    /* Phone-side captures: one contact per app of the device, each judged by its policy. */
    if (ap->capp) {
        snprintf(keybuf, sizeof keybuf, "%s app %ld", device_key, (long)ap->capp->uid);
        device_key = keybuf;
    }
    emit_contact(in, g->rules, f, ap, device_key);
    if (fi) {
        fi->attributed = 1;
        fi->device = ap->device;
        fi->sdk = ap->sdk ? ap->sdk->id : NULL;
        fi->attr_host = ap->host;
        fi->host_owner = ap->owner ? ap->owner->id : NULL;
        fi->host_company = owner_company(ap->owner);
    }
    if (!c)
        return;
    int tls = c->df && dissect_flow_decrypting(c->df);
    for (size_t i = 0; i < c->n; i++) {
        struct finding *x = &c->fs[i];
        if (!x->emitted && !shadowed(c, x))
            emit_finding(in, g->rules, c, x, ap, fi, tls);
        x->emitted = 1;
    }
    c->unsent = 0;
}

int inspect_end(inspect_t *in, struct flow *f, const char *nd_host, struct event_flow_info *fi)
{
    struct fctx *c = f->user;
    struct gen *g = c ? c->g : in->gen;
    if (c) {
        /* Dissectors first: closing hands over what they held (a body read to the
         * end of the flow, TLS records whose key came late), and that plaintext goes
         * through the raw streams before those are closed. */
        if (c->df) {
            dissect_flow_close(c->df, &dissect_cbs, c);
            fields_flush(c);
            if (fi)
                fi->dark_reason = dissect_flow_dark_reason(c->df);
        }
        for (int d = 0; d < 2; d++) {
            matcher_stream_close(c->ms[d], g->scratch, on_hit, c);
            c->ms[d] = NULL;
        }
    }
    struct attribution a;
    flush(in, g, f, c, nd_host, fi, &a);
    /* Written last, as before, and while what the attribution points into (this flow's
     * names) is still alive. */
    int rc = fi ? event_flow(in->out, f, fi) : 0;
    if (c) {
        dissect_flow_free(c->df);
        free(c->fs);
        for (int k = 0; k < NAME_KINDS; k++)
            if (k != NAME_HOST || !c->host_is_ndpi)
                free((char *)c->names[k]);
        free(c);
        gen_put(in, g);
    }
    f->user = NULL;
    return rc;
}
