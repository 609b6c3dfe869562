/* event.h - the JSON shape of every event leakwatch emits: privacy_leak, sdk_contact,
 * flow, stats and reload. Their field names are a contract with the people who
 * consume them (README "Output"): fields may be added, none renamed. This is the only
 * file that writes them; the rest of the engine hands plain values in.
 *
 * Flow-bound events (privacy_leak, sdk_contact, flow) are written as text into the
 * calling worker's batcher (sinks/batch.h), one function per type listing its keys in
 * order; they return 1 (written), 0 (its type is not chosen, --events: nothing was
 * done) or -1 (out of memory, not written). stats and reload are rare: jansson objects
 * the caller owns (handed to sink_emit()), NULL when jansson could not allocate.
 * String arguments are borrowed; NULL strings become JSON null; a string that is not
 * valid UTF-8 is left out with its key, as jansson did (common/jsonw.h). */
#ifndef LW_ENGINE_EVENT_H
#define LW_ENGINE_EVENT_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "capture/decode.h"
#include "capture/flow.h"
#include "capture/frag.h"
#include "capture/live.h"
#include "dissectors/keylog.h"
#include "engine/stats.h"
#include "sinks/batch.h"
#include "sinks/sink.h"

/* "2026-11-24T10:00:00.123456Z" into buf (at least 32 bytes). */
const char *event_time(uint64_t ts_us, char *buf, size_t len);

/* Live: the interface names flow->iface indexes (1-based); borrowed, must outlive
 * every event built. Set once before the workers start; NULL, 0: reading files. */
void event_set_ifaces(const char *const *names, int n);

/* Community ID v1 (https://github.com/corelight/community-id-spec) of flow f with
 * seed 0, "1:<base64 SHA-1>", into buf (at least 32 bytes). Returns buf, or NULL for
 * protocols whose ports (ICMP type and code) leakwatch does not keep. */
const char *event_community_id(const struct flow *f, char *buf, size_t len);

/* Text of an address of family 4 or 6 into buf (at least 46 bytes). */
const char *event_ip(int family, const uint8_t *ip, char *buf, size_t len);

/* Event types, for --events. */
enum {
    EVENT_T_PRIVACY_LEAK = 1u << 0,
    EVENT_T_SDK_CONTACT = 1u << 1,
    EVENT_T_FLOW = 1u << 2,
    EVENT_T_STATS = 1u << 3,
    EVENT_T_RELOAD = 1u << 4,
    EVENT_T_ALL = (1u << 5) - 1,
};
/* "privacy_leak,flow" (or "all") into a mask; -1 with the valid names in err. */
int event_types_parse(const char *list, unsigned *mask, char *err, size_t errlen);
/* The types written; set once before the workers start (default all). */
void event_set_types(unsigned mask);
int event_wanted(unsigned type);

/* "flow": one per finished flow. */
struct event_flow_info {
    const char *app_proto, *app_category, *host; /* host may be NULL */
    const char *end_reason;                      /* timeout, closed, evicted, shutdown */
    int app_proto_guessed;
    const char *dark_reason;  /* why a TLS/QUIC flow stayed dark, or NULL */
    /* The attribution (inspect_end()): device (NULL: JSON null), and SDK and host when
     * known; host only goes in when the flow had none of its own. */
    int attributed;
    const char *device, *sdk, *attr_host;
    const char *host_owner, *host_company; /* as in struct event_party; NULL: left out */
};
int event_flow(sink_batcher_t *out, const struct flow *f, const struct event_flow_info *fi);

/* Who sent a flow and who received it, as a finding or contact tells it. */
struct event_party {
    const char *host, *device, *app, *policy;
    const char *sdk, *sdk_name, *sdk_vendor, *sdk_match;
    const char *sdk_company, *sdk_parent, *sdk_category; /* entity grouping (catalogue) */
    /* The app a phone-side capture (PCAPdroid) names for the flow: its UID when
     * has_app_uid, its package and label (NULL when unknown). */
    int has_app_uid;
    int32_t app_uid;
    const char *app_package, *app_name;
    double sdk_match_confidence;         /* of sdk_match, when sdk is set */
    /* Who runs the host (catalogue id and company): the SDK, else a front end such as a
     * CDN or an operator's own services, which attributes no SDK; NULL when unknown. */
    const char *host_owner, *host_company;
};

struct event_identifier {
    const char *type, *category, *form, *where, *key, *source, *evidence;
    const char *encoding;  /* decoding chain, comma-separated; NULL or "": none */
    double confidence;
    uint64_t count;
    uint64_t first_pkt;      /* the packet it was first seen in: the event's pcap_cnt */
};

/* "privacy_leak": one identifier seen in flow f at ts_us, and what the policy says.
 * tls: it was seen in decrypted TLS plaintext; quic: in a QUIC flow ("quic": true). */
int event_leak(sink_batcher_t *out, const struct flow *f, uint64_t ts_us,
               const char *app_proto, const struct event_party *p,
               const struct event_identifier *id, int tls, int quic, const char *verdict,
               const char *clause, const char *reason);

/* "sdk_contact": a device talked to a catalogued SDK (once per pair). declared: 1 or
 * 0 as the device's policy says, -1 (JSON null) when there is no policy to ask. */
int event_contact(sink_batcher_t *out, const struct flow *f, const struct event_party *p,
                  int declared, const char *clause, const char *reason);

/* "reload": the outcome of a SIGHUP. compile_ms < 0 and error set when it failed. */
json_t *event_reload(uint64_t ts_us, unsigned generation, long compile_ms,
                     const char *error);

/* What a stats event reports beyond the workers' counters (all borrowed). */
struct event_run {
    uint64_t ts_us;
    int final;
    int interrupted;                    /* a replay stopped before its input ended */
    uint64_t seq;                       /* of a periodic event */
    uint64_t packets, filtered, ip_packets, ip_bytes;
    int input_errors;
    unsigned rules_generation;
    uint64_t reloads, reload_failures;
    const struct decode_stats *decode;
    const struct frag_stats *frag;
    const struct live_if_stats *ifs;    /* live capture, else NULL */
    int nifs;
    const keylog_t *keys;               /* may be NULL */
    uint64_t dnsmap_puts;               /* DNS answers stored (by the reader) */
    const struct stats_worker *total;   /* sum of per[] */
    const struct stats_worker *per;     /* one per worker */
    const uint64_t *queue_bytes;        /* one per worker: ring bytes in use */
    const uint64_t *ring_full_waits;    /* one per worker */
    uint64_t reader_cpu_us;             /* CPU time of the reader thread */
    int nworkers;
    const struct sink_stats *out;       /* the sink's counters when the event is built */
};
json_t *event_stats(const struct event_run *r);

#endif
