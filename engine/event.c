/* event.c - see event.h. */
#include "engine/event.h"

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *event_time(uint64_t ts_us, char *buf, size_t len)
{
    /* Every event has two or three times, mostly within the same second: the second's
     * text is kept per thread, and gmtime_r + strftime run when it changes. */
    static _Thread_local time_t last_s = -1;
    static _Thread_local char last[24];
    static _Thread_local size_t last_n;
    time_t s = (time_t)(ts_us / 1000000u);
    if (s != last_s) {
        struct tm tm;
        gmtime_r(&s, &tm);
        last_n = strftime(last, sizeof last, "%Y-%m-%dT%H:%M:%S", &tm);
        last_s = s;
    }
    if (len < last_n + 9) {
        if (len)
            buf[0] = 0;
        return buf;
    }
    memcpy(buf, last, last_n);
    char *p = buf + last_n;
    unsigned us = (unsigned)(ts_us % 1000000u);
    p[0] = '.';
    for (int i = 6; i >= 1; i--, us /= 10)
        p[i] = (char)('0' + us % 10);
    p[7] = 'Z';
    p[8] = 0;
    return buf;
}

/* Read-only once the workers run (set before they start). */
static const char *const *ev_ifaces;
static int ev_nifaces;

void event_set_ifaces(const char *const *names, int n)
{
    ev_ifaces = names;
    ev_nifaces = n;
}

/* SHA1() looks the algorithm up on every call (EVP_MD_fetch: about 4,500 instructions,
 * more than the hash of 40 bytes); fetched once, it is shared by every thread. Each
 * thread also keeps one digest context: EVP_Digest() would make and free one per flow
 * (about 2% of a download-heavy worker). */
static EVP_MD *sha1;
static pthread_once_t sha1_once = PTHREAD_ONCE_INIT;
static pthread_key_t sha1_ctx_key;
static int sha1_ctx_keyed;

static void sha1_release(void)
{
    EVP_MD_free(sha1);
}

static void sha1_ctx_free(void *c)
{
    EVP_MD_CTX_free(c);
}

static void sha1_fetch(void)
{
    if ((sha1 = EVP_MD_fetch(NULL, "SHA1", NULL)))
        atexit(sha1_release);
    sha1_ctx_keyed = pthread_key_create(&sha1_ctx_key, sha1_ctx_free) == 0;
}

static const EVP_MD *sha1_md(void)
{
    pthread_once(&sha1_once, sha1_fetch);
    return sha1 ? sha1 : EVP_sha1();
}

/* The calling thread's context (freed as the thread ends), or NULL. */
static EVP_MD_CTX *sha1_ctx(void)
{
    if (!sha1_ctx_keyed)
        return NULL;
    EVP_MD_CTX *c = pthread_getspecific(sha1_ctx_key);
    if (!c && (c = EVP_MD_CTX_new()) && pthread_setspecific(sha1_ctx_key, c) != 0) {
        EVP_MD_CTX_free(c);
        c = NULL;
    }
    return c;
}

const char *event_community_id(const struct flow *f, char *buf, size_t len)
{
    uint8_t p = f->key.proto;
    /* ICMP's hash uses type and code as ports; the flow key has neither. */
    if (p == 1 || p == 58 || len < 32)
        return NULL;
    size_t alen = f->key.family == 6 ? 16 : 4;
    int ports = p == 6 || p == 17 || p == 132;
    /* The spec orders the endpoints: lower address first, on a tie the lower port. */
    int c = memcmp(f->key.ip[0], f->key.ip[1], alen);
    int a = (c < 0 || (c == 0 && f->key.port[0] <= f->key.port[1])) ? 0 : 1, b = !a;
    uint8_t in[2 + 16 + 16 + 2 + 4], md[SHA_DIGEST_LENGTH];
    size_t n = 0;
    in[n++] = 0; /* seed 0, big-endian */
    in[n++] = 0;
    memcpy(in + n, f->key.ip[a], alen);
    n += alen;
    memcpy(in + n, f->key.ip[b], alen);
    n += alen;
    in[n++] = p;
    in[n++] = 0; /* padding */
    if (ports) {
        in[n++] = (uint8_t)(f->key.port[a] >> 8);
        in[n++] = (uint8_t)f->key.port[a];
        in[n++] = (uint8_t)(f->key.port[b] >> 8);
        in[n++] = (uint8_t)f->key.port[b];
    }
    const EVP_MD *alg = sha1_md();
    EVP_MD_CTX *ctx = sha1_ctx();
    if (ctx ? EVP_DigestInit_ex2(ctx, alg, NULL) != 1 || EVP_DigestUpdate(ctx, in, n) != 1 ||
                  EVP_DigestFinal_ex(ctx, md, NULL) != 1
            : EVP_Digest(in, n, md, NULL, alg, NULL) != 1)
        return NULL;
    memcpy(buf, "1:", 2);
    EVP_EncodeBlock((unsigned char *)buf + 2, md, SHA_DIGEST_LENGTH); /* 28 chars + NUL */
    return buf;
}

/* Dotted quad, as inet_ntop() writes it but without its sprintf per octet. */
static const char *ipv4_text(const uint8_t *ip, char *buf, size_t len)
{
    char t[16], *o = t;
    for (int i = 0; i < 4; i++) {
        unsigned v = ip[i];
        if (v >= 100)
            *o++ = (char)('0' + v / 100);
        if (v >= 10)
            *o++ = (char)('0' + v / 10 % 10);
        *o++ = (char)('0' + v % 10);
        *o++ = i < 3 ? '.' : 0;
    }
    if ((size_t)(o - t) > len)
        return NULL;
    memcpy(buf, t, (size_t)(o - t));
    return buf;
}

const char *event_ip(int family, const uint8_t *ip, char *buf, size_t len)
{
    if (family != 6 && ipv4_text(ip, buf, len))
        return buf;
    if (!inet_ntop(family == 6 ? AF_INET6 : AF_INET, ip, buf, (socklen_t)len))
        snprintf(buf, len, "?");
    return buf;
}

/* IANA keywords (as Suricata writes them) for the protocols a lab sees; others as
 * their number. */
static const char *proto_name(uint8_t proto, char *buf, size_t len)
{
    switch (proto) {
    case 1: return "ICMP";
    case 2: return "IGMP";
    case 4: return "IPIP";
    case 6: return "TCP";
    case 17: return "UDP";
    case 41: return "IPv6";
    case 47: return "GRE";
    case 50: return "ESP";
    case 51: return "AH";
    case 58: return "IPv6-ICMP";
    case 89: return "OSPF";
    case 103: return "PIM";
    case 112: return "VRRP";
    case 132: return "SCTP";
    default: snprintf(buf, len, "%u", proto); return buf;
    }
}

/* Only TCP and UDP have ports here (decode.c reads no other transport header). */
static int has_ports(uint8_t proto)
{
    return proto == 6 || proto == 17;
}

static void set_str(json_t *o, const char *k, const char *v)
{
    json_object_set_new(o, k, v ? json_string(v) : json_null());
}

static void set_u64(json_t *o, const char *k, uint64_t v)
{
    json_object_set_new(o, k, json_integer((json_int_t)v));
}

static json_t *event_new(uint64_t ts_us, const char *event_type)
{
    char t[40];
    json_t *o = json_object();
    if (!o)
        return NULL;
    set_str(o, "timestamp", event_time(ts_us, t, sizeof t));
    set_str(o, "event_type", event_type);
    return o;
}

/* Reals as the sink wrote jansson's: JSON_REAL_PRECISION(6), 0.9 not 0.90000000000000002. */
#define EVENT_REAL_PRECISION 6

/* Events a run writes (--events); read-only once the workers run. */
static unsigned ev_types = EVENT_T_ALL;

static const struct {
    const char *name;
    unsigned bit;
} type_names[] = {
    {"privacy_leak", EVENT_T_PRIVACY_LEAK}, {"sdk_contact", EVENT_T_SDK_CONTACT},
    {"flow", EVENT_T_FLOW}, {"stats", EVENT_T_STATS}, {"reload", EVENT_T_RELOAD},
};

void event_set_types(unsigned mask)
{
    ev_types = mask;
}

int event_wanted(unsigned type)
{
    return (ev_types & type) != 0;
}

int event_types_parse(const char *list, unsigned *mask, char *err, size_t errlen)
{
    unsigned m = 0;
    const char *p = list;
    for (;;) {
        size_t l = strcspn(p, ",");
        size_t i, n = sizeof type_names / sizeof type_names[0];
        for (i = 0; i < n; i++)
            if (strlen(type_names[i].name) == l && !strncmp(p, type_names[i].name, l))
                break;
        if (l == 3 && !strncmp(p, "all", 3)) {
            m |= EVENT_T_ALL;
        } else if (i == n) {
            snprintf(err, errlen, "--events: unknown event type '%.*s' (valid: "
                     "privacy_leak, sdk_contact, flow, stats, reload, all)", (int)l, p);
            return -1;
        } else {
            m |= type_names[i].bit;
        }
        if (!p[l])
            break;
        p += l + 1;
    }
    *mask = m;
    return 0;
}

/* Integers as jansson held them: json_integer((json_int_t)v). Inlined, as jsonw's calls
 * are, so that each key stays a constant. */
static inline __attribute__((always_inline)) void w_u64(struct jsonw *w, const char *k,
                                                         uint64_t v)
{
    jsonw_int(w, k, (int64_t)v);
}

/* The EVE-style top level of every flow-bound event: flow_id and the 5-tuple (src =
 * the client) and VLANs. */
static void event_flow_base(struct jsonw *w, const struct flow *f, uint64_t ts_us,
                            const char *event_type, uint64_t pkt)
{
    char t[40], a[64], b[64], p[8], cid[40];
    int c = f->client, s = !f->client;
    jsonw_obj_open(w, NULL);
    jsonw_str(w, "timestamp", event_time(ts_us, t, sizeof t));
    jsonw_str(w, "event_type", event_type);
    w_u64(w, "flow_id", flow_id(f));
    jsonw_str(w, "src_ip", event_ip(f->key.family, f->key.ip[c], a, sizeof a));
    if (has_ports(f->key.proto))
        jsonw_int(w, "src_port", f->key.port[c]);
    jsonw_str(w, "dest_ip", event_ip(f->key.family, f->key.ip[s], b, sizeof b));
    if (has_ports(f->key.proto))
        jsonw_int(w, "dest_port", f->key.port[s]);
    jsonw_str(w, "proto", proto_name(f->key.proto, p, sizeof p));
    if (event_community_id(f, cid, sizeof cid))
        jsonw_str(w, "community_id", cid);
    /* As Suricata: the interface live, the packet number reading files. */
    if (f->iface && f->iface <= ev_nifaces)
        jsonw_str(w, "in_iface", ev_ifaces[f->iface - 1]);
    else if (!f->iface && pkt)
        w_u64(w, "pcap_cnt", pkt);
    if (f->key.vlan[0] || f->key.vlan[1]) {
        jsonw_arr_open(w, "vlan");
        jsonw_int(w, NULL, f->key.vlan[0]);
        if (f->key.vlan[1])
            jsonw_int(w, NULL, f->key.vlan[1]);
        jsonw_arr_close(w);
    }
}

/* Close the event begun on w (out's writer) and hand it on. 1, or -1 (not written). */
static int event_finish(struct jsonw *w, sink_batcher_t *out)
{
    jsonw_obj_close(w);
    return sink_batcher_end(out) < 0 ? -1 : 1;
}

int event_flow(sink_batcher_t *out, const struct flow *f, const struct event_flow_info *fi)
{
    char t[40];
    if (!event_wanted(EVENT_T_FLOW))
        return 0;
    struct jsonw *w = sink_batcher_begin(out);
    event_flow_base(w, f, f->last_us, "flow", f->first_pkt);
    jsonw_str(w, "app_proto", fi->app_proto);
    jsonw_str(w, "app_category", fi->app_category);
    /* jansson left out a string that was not UTF-8, so a later host could still go in. */
    int has_host = fi->host && jsonw_str(w, "host", fi->host) == 0;
    jsonw_obj_open(w, "flow");
    w_u64(w, "pkts_toserver", f->pkts[FLOW_TOSERVER]);
    w_u64(w, "pkts_toclient", f->pkts[FLOW_TOCLIENT]);
    w_u64(w, "bytes_toserver", f->bytes[FLOW_TOSERVER]);
    w_u64(w, "bytes_toclient", f->bytes[FLOW_TOCLIENT]);
    jsonw_str(w, "start", event_time(f->first_us, t, sizeof t));
    jsonw_str(w, "end", event_time(f->last_us, t, sizeof t));
    jsonw_str(w, "reason", fi->end_reason);
    w_u64(w, "stream_bytes_toserver", f->stream_bytes[FLOW_TOSERVER]);
    w_u64(w, "stream_bytes_toclient", f->stream_bytes[FLOW_TOCLIENT]);
    w_u64(w, "gaps_toserver", f->gaps[FLOW_TOSERVER]);
    w_u64(w, "gaps_toclient", f->gaps[FLOW_TOCLIENT]);
    if (fi->app_proto_guessed)
        jsonw_bool(w, "app_proto_guessed", 1);
    if (fi->dark_reason)
        jsonw_str(w, "dark_reason", fi->dark_reason);
    jsonw_obj_close(w);
    /* The attribution, added after the flow object when events were jansson objects. */
    if (fi->attributed) {
        jsonw_str(w, "device", fi->device);
        if (fi->sdk)
            jsonw_str(w, "sdk", fi->sdk);
        if (fi->attr_host && !has_host)
            jsonw_str(w, "host", fi->attr_host);
        if (fi->host_owner) {
            jsonw_str(w, "host_owner", fi->host_owner);
            jsonw_str(w, "host_company", fi->host_company);
        }
    }
    return event_finish(w, out);
}

/* The fields privacy_leak and sdk_contact share. */
static void put_party(struct jsonw *w, const struct event_party *p)
{
    jsonw_str(w, "host", p->host);
    jsonw_str(w, "device", p->device);
    jsonw_str(w, "app", p->app);
    jsonw_str(w, "sdk", p->sdk);
}

/* Issue 17, added after every earlier field: how far sdk_match is trusted, and the app
 * the capture named (PCAPdroid). */
static void put_party_extras(struct jsonw *w, const struct event_party *p)
{
    if (p->sdk)
        jsonw_real(w, "sdk_match_confidence", p->sdk_match_confidence, EVENT_REAL_PRECISION);
    else
        jsonw_null(w, "sdk_match_confidence");
    if (p->has_app_uid)
        jsonw_int(w, "app_uid", p->app_uid);
    else
        jsonw_null(w, "app_uid");
    jsonw_str(w, "app_package", p->app_package);
    jsonw_str(w, "app_name", p->app_name);
    jsonw_str(w, "host_owner", p->host_owner);
    jsonw_str(w, "host_company", p->host_company);
}

/* "base64,gzip,json" -> ["base64","gzip","json"]; NULL or "" -> []. */
static void encoding_array(struct jsonw *w, const char *enc)
{
    jsonw_arr_open(w, "encoding");
    while (enc && *enc) {
        size_t l = strcspn(enc, ",");
        jsonw_strn(w, NULL, enc, l);
        enc += l + (enc[l] == ',');
    }
    jsonw_arr_close(w);
}

int event_leak(sink_batcher_t *out, const struct flow *f, uint64_t ts_us,
               const char *app_proto, const struct event_party *p,
               const struct event_identifier *x, int tls, int quic, const char *verdict,
               const char *clause, const char *reason)
{
    if (!event_wanted(EVENT_T_PRIVACY_LEAK))
        return 0;
    struct jsonw *w = sink_batcher_begin(out);
    event_flow_base(w, f, ts_us, "privacy_leak", x->first_pkt);
    jsonw_str(w, "app_proto", app_proto);
    put_party(w, p);
    jsonw_str(w, "sdk_match", p->sdk ? p->sdk_match : NULL);
    jsonw_obj_open(w, "identifier");
    jsonw_str(w, "type", x->type);
    jsonw_str(w, "category", x->category);
    jsonw_str(w, "form", x->form);
    jsonw_str(w, "where", x->where);
    jsonw_str(w, "key", x->key);
    jsonw_str(w, "source", x->source);
    jsonw_real(w, "confidence", x->confidence, EVENT_REAL_PRECISION);
    jsonw_str(w, "evidence", x->evidence);
    w_u64(w, "count", x->count);
    encoding_array(w, x->encoding);
    jsonw_obj_close(w);
    jsonw_bool(w, "tls", tls);
    jsonw_str(w, "verdict", verdict);
    jsonw_str(w, "policy", p->policy);
    jsonw_str(w, "clause", clause);
    jsonw_str(w, "reason", reason);
    /* Entity grouping (issue 17), last so earlier fields keep their order. */
    jsonw_str(w, "sdk_company", p->sdk ? p->sdk_company : NULL);
    jsonw_str(w, "sdk_parent", p->sdk ? p->sdk_parent : NULL);
    jsonw_str(w, "sdk_category", p->sdk ? p->sdk_category : NULL);
    put_party_extras(w, p);
    if (quic)
        jsonw_bool(w, "quic", 1);
    return event_finish(w, out);
}

int event_contact(sink_batcher_t *out, const struct flow *f, const struct event_party *p,
                  int declared, const char *clause, const char *reason)
{
    if (!event_wanted(EVENT_T_SDK_CONTACT))
        return 0;
    struct jsonw *w = sink_batcher_begin(out);
    event_flow_base(w, f, f->first_us, "sdk_contact", f->first_pkt);
    put_party(w, p);
    jsonw_str(w, "sdk_name", p->sdk_name);
    jsonw_str(w, "sdk_vendor", p->sdk_vendor);
    jsonw_str(w, "sdk_match", p->sdk_match);
    if (declared < 0)
        jsonw_null(w, "declared");
    else
        jsonw_bool(w, "declared", declared);
    jsonw_str(w, "policy", p->policy);
    jsonw_str(w, "clause", clause);
    jsonw_str(w, "reason", reason);
    jsonw_str(w, "sdk_company", p->sdk_company);
    jsonw_str(w, "sdk_parent", p->sdk_parent);
    jsonw_str(w, "sdk_category", p->sdk_category);
    put_party_extras(w, p);
    return event_finish(w, out);
}

json_t *event_reload(uint64_t ts_us, unsigned generation, long compile_ms,
                     const char *error)
{
    json_t *ev = event_new(ts_us, "reload");
    if (!ev)
        return NULL;
    json_t *r = json_object();
    json_object_set_new(r, "ok", json_boolean(!error));
    json_object_set_new(r, "generation", json_integer(generation));
    if (error)
        set_str(r, "error", error);
    else
        json_object_set_new(r, "compile_ms", json_integer(compile_ms));
    json_object_set_new(ev, "reload", r);
    return ev;
}

static void put_counter(void *obj, const char *name, uint64_t v)
{
    set_u64(obj, name, v);
}

/* A worker counter into its section of the stats object (per-worker ones go into
 * per_worker instead, see stats_per_worker). */
static void put_total(void *obj, const char *section, const char *name, uint64_t v)
{
    json_t *s = obj;
    if (!strcmp(section, "worker"))
        return;
    if (strcmp(section, "top")) {
        json_t *sub = json_object_get(s, section);
        if (!sub)
            json_object_set_new(s, section, sub = json_object());
        s = sub;
    }
    set_u64(s, name, v);
}

static void put_worker(void *obj, const char *section, const char *name, uint64_t v)
{
    if (!strcmp(section, "worker"))
        set_u64(obj, name, v);
}

static json_t *stats_capture(const struct event_run *r)
{
    uint64_t drops = 0, ifdrops = 0;
    json_t *cap = json_object(), *ifs = json_array();
    for (int i = 0; i < r->nifs; i++) {
        json_t *o = json_object();
        set_str(o, "interface", r->ifs[i].name);
        set_u64(o, "received", r->ifs[i].received);
        set_u64(o, "kernel_drops", r->ifs[i].dropped);
        set_u64(o, "interface_drops", r->ifs[i].if_dropped);
        json_array_append_new(ifs, o);
        drops += r->ifs[i].dropped;
        ifdrops += r->ifs[i].if_dropped;
    }
    json_object_set_new(cap, "interfaces", ifs);
    set_u64(cap, "kernel_drops", drops);
    set_u64(cap, "interface_drops", ifdrops);
    return cap;
}

static json_t *stats_reader(const struct event_run *r)
{
    json_t *s = json_object();
    json_object_set_new(s, "final", json_boolean(r->final));
    json_object_set_new(s, "interrupted", json_boolean(r->interrupted));
    if (!r->final)
        set_u64(s, "seq", r->seq);
    set_u64(s, "packets", r->packets);
    set_u64(s, "filtered", r->filtered);
    if (r->ifs)
        json_object_set_new(s, "capture", stats_capture(r));
    set_u64(s, "rules_generation", r->rules_generation);
    set_u64(s, "reloads", r->reloads);
    set_u64(s, "reload_failures", r->reload_failures);
    if (r->keys) {
        json_t *kj = json_object();
        keylog_stats_each(r->keys, put_counter, kj);
        json_object_set_new(s, "keylog", kj);
    }
    set_u64(s, "ip_packets", r->ip_packets);
    set_u64(s, "ip_bytes", r->ip_bytes);
    set_u64(s, "non_ip", r->decode->non_ip);
    set_u64(s, "input_errors", (uint64_t)r->input_errors);
    json_t *de = json_object();
    for (int i = 0; i < DECODE_E_COUNT; i++)
        if (r->decode->anomalies[i])
            set_u64(de, decode_anomaly_name((enum decode_anomaly)i), r->decode->anomalies[i]);
    json_object_set_new(s, "decode_errors", de);
    json_t *fr = json_object();
    set_u64(fr, "fragments", r->frag->fragments);
    set_u64(fr, "reassembled", r->frag->reassembled);
    set_u64(fr, "timeouts", r->frag->timeouts);
    set_u64(fr, "evicted", r->frag->evicted);
    set_u64(fr, "overlaps", r->frag->overlaps);
    set_u64(fr, "invalid", r->frag->invalid);
    json_object_set_new(s, "ip_fragments", fr);
    return s;
}

json_t *event_stats(const struct event_run *r)
{
    json_t *ev = event_new(r->ts_us, "stats");
    if (!ev)
        return NULL;
    json_t *s = stats_reader(r);
    stats_worker_each(r->total, put_total, s);
    /* Every event handed to the output so far (all types), and this one. */
    set_u64(s, "events", r->out->emitted + 1);
    json_t *o = json_object();
    set_u64(o, "written", r->out->written_lines + r->out->written_redis);
    set_u64(o, "written_lines", r->out->written_lines);
    set_u64(o, "written_redis", r->out->written_redis);
    set_u64(o, "spooled", r->out->spooled);
    set_u64(o, "lost", r->out->lost);
    set_u64(o, "queue_full_waits", r->out->queue_full_waits);
    set_u64(o, "cpu_us", r->out->cpu_us);
    json_object_set_new(s, "output", o);
    json_t *dj = json_object();
    struct dissect_stats all = r->total->dissect;
    /* Only the reader's DNS flow fills the map (workers parse DNS again, unshared). */
    all.dnsmap_puts = r->dnsmap_puts;
    dissect_stats_each(&all, put_counter, dj);
    json_object_set_new(s, "dissectors", dj);
    set_u64(s, "workers", (uint64_t)r->nworkers);
    json_t *pw = json_array();
    uint64_t waits = 0;
    for (int i = 0; i < r->nworkers; i++) {
        json_t *o = json_object();
        stats_worker_each(&r->per[i], put_worker, o);
        set_u64(o, "queue_bytes", r->queue_bytes[i]);
        set_u64(o, "ring_full_waits", r->ring_full_waits[i]);
        waits += r->ring_full_waits[i];
        json_array_append_new(pw, o);
    }
    json_object_set_new(s, "per_worker", pw);
    set_u64(s, "ring_full_waits", waits);
    set_u64(s, "reader_cpu_us", r->reader_cpu_us);
    json_object_set_new(ev, "stats", s);
    return ev;
}
