/* event.c - see event.h. */
#include "engine/event.h"

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

const char *event_time(uint64_t ts_us, char *buf, size_t len)
{
    time_t s = (time_t)(ts_us / 1000000u);
    struct tm tm;
    gmtime_r(&s, &tm);
    size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, len - n, ".%06uZ", (unsigned)(ts_us % 1000000u));
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
    SHA1(in, n, md);
    memcpy(buf, "1:", 2);
    EVP_EncodeBlock((unsigned char *)buf + 2, md, SHA_DIGEST_LENGTH); /* 28 chars + NUL */
    return buf;
}

const char *event_ip(int family, const uint8_t *ip, char *buf, size_t len)
{
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

/* The EVE-style top level of every flow-bound event: flow_id and the 5-tuple (src =
 * the client) and VLANs. */
static json_t *event_flow_base(const struct flow *f, uint64_t ts_us, const char *event_type,
                               uint64_t pkt)
{
    char a[64], b[64], p[8], cid[40];
    int c = f->client, s = !f->client;
    json_t *o = event_new(ts_us, event_type);
    if (!o)
        return NULL;
    set_u64(o, "flow_id", flow_id(f));
    set_str(o, "src_ip", event_ip(f->key.family, f->key.ip[c], a, sizeof a));
    if (has_ports(f->key.proto))
        json_object_set_new(o, "src_port", json_integer(f->key.port[c]));
    set_str(o, "dest_ip", event_ip(f->key.family, f->key.ip[s], b, sizeof b));
    if (has_ports(f->key.proto))
        json_object_set_new(o, "dest_port", json_integer(f->key.port[s]));
    set_str(o, "proto", proto_name(f->key.proto, p, sizeof p));
    if (event_community_id(f, cid, sizeof cid))
        set_str(o, "community_id", cid);
    /* As Suricata: the interface live, the packet number reading files. */
    if (f->iface && f->iface <= ev_nifaces)
        set_str(o, "in_iface", ev_ifaces[f->iface - 1]);
    else if (!f->iface && pkt)
        set_u64(o, "pcap_cnt", pkt);
    if (f->key.vlan[0] || f->key.vlan[1]) {
        json_t *v = json_array();
        json_array_append_new(v, json_integer(f->key.vlan[0]));
        if (f->key.vlan[1])
            json_array_append_new(v, json_integer(f->key.vlan[1]));
        json_object_set_new(o, "vlan", v);
    }
    return o;
}

json_t *event_flow(const struct flow *f, const struct event_flow_info *fi)
{
    char t[40];
    json_t *ev = event_flow_base(f, f->last_us, "flow", f->first_pkt);
    if (!ev)
        return NULL;
    set_str(ev, "app_proto", fi->app_proto);
    set_str(ev, "app_category", fi->app_category);
    if (fi->host)
        set_str(ev, "host", fi->host);
    json_t *fl = json_object();
    set_u64(fl, "pkts_toserver", f->pkts[FLOW_TOSERVER]);
    set_u64(fl, "pkts_toclient", f->pkts[FLOW_TOCLIENT]);
    set_u64(fl, "bytes_toserver", f->bytes[FLOW_TOSERVER]);
    set_u64(fl, "bytes_toclient", f->bytes[FLOW_TOCLIENT]);
    set_str(fl, "start", event_time(f->first_us, t, sizeof t));
    set_str(fl, "end", event_time(f->last_us, t, sizeof t));
    set_str(fl, "reason", fi->end_reason);
    set_u64(fl, "stream_bytes_toserver", f->stream_bytes[FLOW_TOSERVER]);
    set_u64(fl, "stream_bytes_toclient", f->stream_bytes[FLOW_TOCLIENT]);
    set_u64(fl, "gaps_toserver", f->gaps[FLOW_TOSERVER]);
    set_u64(fl, "gaps_toclient", f->gaps[FLOW_TOCLIENT]);
    if (fi->app_proto_guessed)
        json_object_set_new(fl, "app_proto_guessed", json_true());
    json_object_set_new(ev, "flow", fl);
    return ev;
}

void event_flow_attribute(json_t *flow_ev, const char *device, const char *sdk,
                          const char *host)
{
    set_str(flow_ev, "device", device);
    if (sdk)
        set_str(flow_ev, "sdk", sdk);
    if (host && !json_object_get(flow_ev, "host"))
        set_str(flow_ev, "host", host);
}

void event_flow_dark(json_t *flow_ev, const char *reason)
{
    json_t *fl = flow_ev ? json_object_get(flow_ev, "flow") : NULL;
    if (fl && reason)
        set_str(fl, "dark_reason", reason);
}

void event_leak_quic(json_t *leak_ev)
{
    if (leak_ev)
        json_object_set_new(leak_ev, "quic", json_true());
}

const char *event_flow_app_proto(json_t *flow_ev)
{
    return flow_ev ? json_string_value(json_object_get(flow_ev, "app_proto")) : NULL;
}

/* The fields privacy_leak and sdk_contact share. */
static void put_party(json_t *ev, const struct event_party *p)
{
    set_str(ev, "host", p->host);
    set_str(ev, "device", p->device);
    set_str(ev, "app", p->app);
    set_str(ev, "sdk", p->sdk);
}

/* Issue 17, added after every earlier field: how far sdk_match is trusted, and the app
 * the capture named (PCAPdroid). */
static void put_party_extras(json_t *ev, const struct event_party *p)
{
    json_object_set_new(ev, "sdk_match_confidence",
                        p->sdk ? json_real(p->sdk_match_confidence) : json_null());
    json_object_set_new(ev, "app_uid", p->has_app_uid ? json_integer(p->app_uid) : json_null());
    set_str(ev, "app_package", p->app_package);
    set_str(ev, "app_name", p->app_name);
}

/* "base64,gzip,json" -> ["base64","gzip","json"]; NULL or "" -> []. */
static json_t *encoding_array(const char *enc)
{
    json_t *a = json_array();
    while (a && enc && *enc) {
        size_t l = strcspn(enc, ",");
        json_array_append_new(a, json_stringn(enc, l));
        enc += l + (enc[l] == ',');
    }
    return a;
}

json_t *event_leak(const struct flow *f, uint64_t ts_us, const char *app_proto,
                   const struct event_party *p, const struct event_identifier *x, int tls,
                   const char *verdict, const char *clause, const char *reason)
{
    json_t *ev = event_flow_base(f, ts_us, "privacy_leak", x->first_pkt);
    json_t *id = json_object();
    if (!ev || !id) {
        json_decref(ev);
        json_decref(id);
        return NULL;
    }
    set_str(ev, "app_proto", app_proto);
    put_party(ev, p);
    set_str(ev, "sdk_match", p->sdk ? p->sdk_match : NULL);
    set_str(id, "type", x->type);
    set_str(id, "category", x->category);
    set_str(id, "form", x->form);
    set_str(id, "where", x->where);
    set_str(id, "key", x->key);
    set_str(id, "source", x->source);
    json_object_set_new(id, "confidence", json_real(x->confidence));
    set_str(id, "evidence", x->evidence);
    set_u64(id, "count", x->count);
    json_object_set_new(id, "encoding", encoding_array(x->encoding));
    json_object_set_new(ev, "identifier", id);
    json_object_set_new(ev, "tls", json_boolean(tls));
    set_str(ev, "verdict", verdict);
    set_str(ev, "policy", p->policy);
    set_str(ev, "clause", clause);
    set_str(ev, "reason", reason);
    /* Entity grouping (issue 17), last so earlier fields keep their order. */
    set_str(ev, "sdk_company", p->sdk ? p->sdk_company : NULL);
    set_str(ev, "sdk_parent", p->sdk ? p->sdk_parent : NULL);
    set_str(ev, "sdk_category", p->sdk ? p->sdk_category : NULL);
    put_party_extras(ev, p);
    return ev;
}

json_t *event_contact(const struct flow *f, const struct event_party *p, int declared,
                      const char *clause, const char *reason)
{
    json_t *ev = event_flow_base(f, f->first_us, "sdk_contact", f->first_pkt);
    if (!ev)
        return NULL;
    put_party(ev, p);
    set_str(ev, "sdk_name", p->sdk_name);
    set_str(ev, "sdk_vendor", p->sdk_vendor);
    set_str(ev, "sdk_match", p->sdk_match);
    json_object_set_new(ev, "declared", declared < 0 ? json_null() : json_boolean(declared));
    set_str(ev, "policy", p->policy);
    set_str(ev, "clause", clause);
    set_str(ev, "reason", reason);
    set_str(ev, "sdk_company", p->sdk_company);
    set_str(ev, "sdk_parent", p->sdk_parent);
    set_str(ev, "sdk_category", p->sdk_category);
    put_party_extras(ev, p);
    return ev;
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
    json_object_set_new(ev, "stats", s);
    return ev;
}
