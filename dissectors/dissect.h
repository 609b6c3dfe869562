/* dissect.h - application-layer dissectors: the interface a worker uses per flow.
 *
 * A worker hands each flow's in-order reassembled bytes (per direction), gap notices
 * and, for UDP, whole datagrams. The dissectors pick the protocol by sniffing the first
 * bytes (an HTTP method or "HTTP/1.", a TLS handshake record, DNS on port 53/5353) and
 * report what they decode through two callbacks:
 *   - field(): a decoded value (URL-decoded query parameter, header, cookie, JSON value,
 *     the whole gunzipped/de-chunked body with key "") for the matcher to scan;
 *   - name(): a name that identifies the peer, for attribution.
 * DNS answers also fill a shared IP -> name map (dnsmap.h). MQTT (port 1883 or a
 * CONNECT seen first) goes to mqtt.h; after an HTTP/1.1 101 the flow goes on as a
 * WebSocket (websocket.h) or, with Upgrade: h2c, as HTTP/2 (http2.h), which also takes
 * a cleartext flow that opens with the HTTP/2 preface.
 *
 * TLS is decrypted when the env has a key log (keylog.h): the plaintext goes to
 * plain() and to the HTTP/1.x or HTTP/2 dissector (by ALPN or sniffing).
 *
 * Deliberately not done here: scanning raw bytes (the worker scans every reassembled
 * byte itself, so nothing is lost when a dissector gives up), calling the matcher,
 * and any protocol beyond DNS, HTTP/1.x, HTTP/2 over TLS, TLS and QUIC with HTTP/3.
 * QUIC (quic.h) is recognised on UDP by a long header of a known version (any port) or
 * short headers on port 443; its streams go to the HTTP/3 dissector (http3.h), whose
 * fields come through field() with where "http3.uri", "http3.header", "http3.body".
 * Dissectors never print; anomalies bump counters in the worker's dissect_env.
 *
 * Threads: a dissect_flow_t and its dissect_env belong to one worker thread. Only the
 * dnsmap is shared (it has its own lock). */
#ifndef LW_DISSECTORS_DISSECT_H
#define LW_DISSECTORS_DISSECT_H

#include <stddef.h>
#include <stdint.h>

#include "dissectors/dnsmap.h"

/* Caps that bound memory per flow direction; exceeding one is counted, not fatal. */
#define DISSECT_HTTP_HDR_MAX (16u * 1024)   /* request/status line + headers */
#define DISSECT_BODY_MAX (256u * 1024)      /* decoded (de-chunked, inflated) body */
#define DISSECT_TLS_HS_MAX (64u * 1024)     /* one TLS handshake message */
#define DISSECT_TLS_WAIT_MAX (256u * 1024)  /* records waiting for a key, per direction */
#define DISSECT_TLS_WAIT_TOTAL (64u << 20)  /* ... and per dissect_env (worker) */
#define DISSECT_H2_FRAME_MAX (64u * 1024)   /* one HTTP/2 frame payload */
#define DISSECT_H3_FRAME_MAX (64u * 1024)   /* one HTTP/3 HEADERS frame payload */

enum dissect_l4 { DISSECT_L4_TCP, DISSECT_L4_UDP };

/* What the flow was recognised as (dissect_flow_proto()). */
enum dissect_proto {
    DISSECT_PROTO_UNKNOWN = 0, /* not enough bytes yet */
    DISSECT_PROTO_NONE,        /* nothing to dissect: raw scanning only */
    DISSECT_PROTO_HTTP,
    DISSECT_PROTO_TLS,
    DISSECT_PROTO_DNS,
    DISSECT_PROTO_MQTT,
    DISSECT_PROTO_WEBSOCKET, /* after an HTTP/1.1 Upgrade */
    DISSECT_PROTO_H2C,       /* cleartext HTTP/2: prior knowledge or Upgrade: h2c */
    DISSECT_PROTO_QUIC,
};

/* Per-worker anomaly and activity counters, one X(name, what) per counter so the
 * struct, the summing and the stats event cannot drift apart. Plain integers: only
 * the owning worker writes them; the lead sums them after the workers stop. */
#define DISSECT_STATS(X) \
    X(http_msgs, "HTTP messages whose headers were parsed") \
    X(http_hdr_too_long, "header block over DISSECT_HTTP_HDR_MAX") \
    X(http_bad_start, "unparseable request/status line") \
    X(http_bad_length, "invalid Content-Length") \
    X(http_bad_chunk, "invalid or overflowing chunk size line") \
    X(http_body_truncated, "decoded body over DISSECT_BODY_MAX (not inflated)") \
    X(http_body_incomplete, "flow closed or gapped inside a body") \
    X(http_gap_lost, "gap forced the direction to stop parsing") \
    X(zlib_errors, "invalid gzip/deflate data") \
    X(zlib_bombs, "inflation stopped at DISSECT_BODY_MAX") \
    X(compress_errors, "invalid br/zstd data (body or decoded field)") \
    X(compress_bombs, "br/zstd decoding stopped at its output cap") \
    X(dns_msgs, "DNS messages parsed") \
    X(dns_malformed, "truncated or inconsistent DNS message") \
    X(dns_ptr_loops, "compression pointer loop or forward pointer") \
    X(dns_work_capped, "DNS messages cut at the pointer-hop or label budget") \
    X(dns_steps, "DNS labels and pointers examined (bounded per message)") \
    X(dnsmap_puts, "A/AAAA answers stored in the dnsmap") \
    X(tls_malformed, "bad record or handshake framing") \
    X(tls_hs_too_long, "handshake message over DISSECT_TLS_HS_MAX") \
    X(tls_cert_errors, "certificate d2i_X509 failures") \
    X(tls_decrypted_records, "TLS records decrypted and authenticated") \
    X(tls_decrypted_bytes, "plaintext bytes of decrypted application data") \
    X(tls_flows_decrypted, "flows with at least one decrypted record") \
    X(tls_no_key, "flow directions with encrypted records and no secret in the key log") \
    X(tls_unsupported_suite, "flows whose cipher suite or version is not decrypted") \
    X(tls_midstream, "flows whose capture starts inside TLS application data") \
    X(tls_auth_failed, "records whose AEAD tag did not verify (nothing emitted)") \
    X(tls_waited, "records that waited for their key, then were decrypted") \
    X(tls_waiting_dropped, "records dropped while waiting for their key (cap or close)") \
    X(tls_key_updates, "TLS 1.3 KeyUpdate messages applied") \
    X(tls_kdf_errors, "key derivation or cipher setup failures in OpenSSL") \
    X(h2_frames, "HTTP/2 frames parsed") \
    X(h2_streams, "HTTP/2 header blocks decoded") \
    X(h2_malformed, "bad HTTP/2 preface or frame framing") \
    X(h2_frame_too_long, "HTTP/2 frames over DISSECT_H2_FRAME_MAX (skipped)") \
    X(h2_hpack_errors, "HPACK decoding failures (direction stops)") \
    X(h2_streams_over_cap, "HTTP/2 bodies cut short: all stream slots taken, oldest evicted") \
    X(ws_frames, "WebSocket frames parsed") \
    X(ws_messages, "WebSocket data messages handed over") \
    X(ws_malformed, "WebSocket frames with reserved bits or opcodes (direction stops)") \
    X(ws_too_long, "WebSocket messages over DISSECT_BODY_MAX (cut)") \
    X(mqtt_packets, "MQTT packets parsed") \
    X(mqtt_malformed, "MQTT packets with bad lengths or strings") \
    X(mqtt_too_long, "MQTT packets over DISSECT_BODY_MAX (skipped)") \
    X(unwrap_layers, "encoding layers decoded inside fields (base64, inflate, JSON, form, escapes)") \
    X(unwrap_depth_capped, "layers left encoded: UNWRAP_DEPTH_MAX layers below a field") \
    X(unwrap_budget_capped, "layers left encoded: the flow's UNWRAP_FLOW_BUDGET spent") \
    X(unwrap_bad, "values shaped like base64 that did not decode") \
    X(quic_packets, "QUIC packets whose protection was removed (AEAD tag verified)") \
    X(quic_flows_decrypted, "QUIC flows with at least one decrypted 1-RTT packet") \
    X(quic_auth_failed, "QUIC packets whose AEAD tag did not verify (nothing used)") \
    X(quic_malformed, "bad QUIC header or frame framing") \
    X(quic_no_key, "QUIC packets passed over: no secret for their level (yet)") \
    X(quic_unsupported, "QUIC packets of an unknown version or cipher suite") \
    X(quic_vn, "QUIC Version Negotiation packets") \
    X(quic_retry, "QUIC Retry packets") \
    X(quic_zero_rtt, "QUIC 0-RTT packets passed over (no early secret)") \
    X(quic_key_updates, "QUIC 1-RTT key updates applied") \
    X(quic_waited, "QUIC packets that waited for their key, then were decrypted") \
    X(quic_waiting_dropped, "QUIC packets dropped while waiting for their key (cap or time)") \
    X(quic_midstream, "QUIC flows first seen in short-header packets") \
    X(quic_initial_other_cid, "client Initials under another DCID than the flow's, ignored") \
    X(quic_reasm_dropped, "CRYPTO/STREAM bytes dropped: out-of-order buffer at QUIC_PEND_MAX") \
    X(quic_streams_over_cap, "QUIC streams forgotten: QUIC_STREAMS open at once") \
    X(h3_frames, "HTTP/3 frames parsed") \
    X(h3_headers, "HTTP/3 header blocks decoded") \
    X(h3_malformed, "bad HTTP/3 frame or stream framing") \
    X(h3_frame_too_long, "HTTP/3 HEADERS over DISSECT_H3_FRAME_MAX (skipped)") \
    X(h3_qpack_errors, "QPACK decoding failures (the stream or encoder stream stops)") \
    X(dark_no_key, "TLS/QUIC flows left dark: no secret for their client random") \
    X(dark_unsupported, "TLS/QUIC flows left dark: cipher suite or version not decrypted") \
    X(dark_midstream, "TLS/QUIC flows left dark: capture started mid-connection") \
    X(dark_ech, "TLS/QUIC flows left dark: Encrypted Client Hello offered") \
    X(dark_pinning, "TLS/QUIC flows left dark: client gave up after the certificate") \
    X(dark_key_late, "TLS/QUIC flows left dark: the key came after the records were gone") \
    X(dark_incomplete, "TLS/QUIC flows left dark: handshake never completed")

struct dissect_stats {
#define DISSECT_STATS_FIELD(name, what) uint64_t name;
    DISSECT_STATS(DISSECT_STATS_FIELD)
#undef DISSECT_STATS_FIELD
};

/* Add every counter of from into into (for totals across workers). */
void dissect_stats_add(struct dissect_stats *into, const struct dissect_stats *from);

/* Call fn once per counter, in declaration order, with its name. */
void dissect_stats_each(const struct dissect_stats *s,
                        void (*fn)(void *ctx, const char *name, uint64_t v), void *ctx);

/* One per worker: counters, the shared dnsmap (may be NULL: answers are then only
 * parsed) and the current time, which the worker updates from packet timestamps so
 * DNS TTLs follow capture time, not wall time, in offline replay. */
struct memcap;
struct dissect_env {
    struct dissect_stats stats;
    dnsmap_t *dns;   /* borrowed; must outlive every flow using this env */
    struct keylog *keys; /* borrowed TLS secrets (keylog.h); NULL: no decryption */
    uint64_t now_s;
    size_t tls_wait_bytes; /* records of all flows waiting for a key (capped) */
    struct memcap *mem;  /* borrowed, may be NULL: the process memory budget (memcap.h)
                            that body, decompression and HTTP/2 frame buffers draw from */
    struct unwrap *uw;   /* NULL, or set by dissect_env_share() */
};

/* For an env one thread uses for many flows (a worker's): the decoding pipeline's
 * buffers (unwrap.h) are then shared by its flows, so an open flow holds none; without
 * it each flow makes its own on its first field. 0, or -1 without memory (flows then
 * make their own). Undo with dissect_env_unshare() once the env's last flow is freed. */
int dissect_env_share(struct dissect_env *env);
void dissect_env_unshare(struct dissect_env *env);

/* One key=value pair of a form, as fields() hands them over. */
struct dissect_kv {
    const char *key;            /* NUL-terminated, klen bytes (strlen()) */
    const uint8_t *val;
    uint32_t klen, vlen;
    uint8_t vclass;             /* TEXTENC_C_* bits of val as sent (textenc.h); the
                                 * pipeline's hint, of no use to a consumer */
};

/* where: "http.uri", "http.header", "http.cookie", "http.body", "dns.query".
 * key: parameter, header or JSON key ("" for a whole value such as the full body).
 * where is a string constant (static storage): a consumer may keep the pointer.
 * val/len and key are borrowed for the duration of the call only.
 * kind for name(): "http.host", "tls.sni", "tls.alpn", "tls.cert", "dns.query";
 * name is NUL-terminated and borrowed for the call.
 * plain(): decrypted TLS application bytes of direction dir (0 client->server), in
 * order, for the raw scan; data == NULL means len plaintext bytes were lost (a record
 * dropped: no key in time, tag failed), len == SIZE_MAX an unknown number (TLS 1.3).
 * Fields decoded from decrypted HTTP/1.1 come through field() as for cleartext; from
 * HTTP/2 with where "http2.header", "http2.uri" or "http2.body". Any pointer may be NULL.
 * field_enc(): a value decoded out of a field by unwrap.h's pipeline; enc names the
 * layers it came out of, outermost first, comma-separated ("base64,gzip,json";
 * NUL-terminated, borrowed for the call); key is the innermost key known. When
 * field_enc is NULL such values go to field(). Dissectors call field() (and fields()
 * for a form's pairs) only: the dispatch (dissect.c) runs every field through the
 * pipeline. */
struct dissect_cb {
    void (*field)(void *ctx, const char *where, const char *key, const uint8_t *val,
                  size_t len);
    void (*name)(void *ctx, const char *kind, const char *name);
    void (*plain)(void *ctx, int dir, const uint8_t *data, size_t len);
    void (*field_enc)(void *ctx, const char *where, const char *key, const char *enc,
                      const uint8_t *val, size_t len);
    /* n fields of one where at once, in order: exactly as n calls of field() would
     * be (a form body's pairs that nothing in them needs decoding). NULL: field() is
     * called for each. */
    void (*fields)(void *ctx, const char *where, const struct dissect_kv *kv, size_t n);
};

/* Hand n pairs to cb: fields() when set, else field() for each. */
static inline void dissect_cb_fields(const struct dissect_cb *cb, void *ctx, const char *where,
                                     const struct dissect_kv *kv, size_t n)
{
    if (cb->fields)
        cb->fields(ctx, where, kv, n);
    else if (cb->field)
        for (size_t i = 0; i < n; i++)
            cb->field(ctx, where, kv[i].key, kv[i].val, kv[i].vlen);
}

typedef struct dissect_flow dissect_flow_t;

/* New per-flow state. env is borrowed and must outlive the flow. Ports are host
 * order. Returns NULL on allocation failure. Caller frees with dissect_flow_free().
 * Buffers are allocated lazily, when a protocol needs them, and reused for the
 * flow's lifetime (no allocation per segment once a flow is warm). */
dissect_flow_t *dissect_flow_new(struct dissect_env *env, enum dissect_l4 l4,
                                 uint16_t cli_port, uint16_t srv_port);

/* In-order stream bytes of direction dir (0 = client->server, 1 = server->client),
 * any split. data is borrowed for the call. Callbacks may fire during the call. */
void dissect_flow_data(dissect_flow_t *f, int dir, const uint8_t *data, size_t len,
                       const struct dissect_cb *cb, void *ctx);

/* missing bytes were lost in direction dir. The dissector skips them inside a body of
 * known length; otherwise it stops that direction and resynchronises only if a later
 * feed starts with an HTTP message. */
void dissect_flow_gap(dissect_flow_t *f, int dir, uint64_t missing);

/* One whole UDP datagram (DNS on port 53 or 5353, QUIC; anything else is ignored). */
void dissect_flow_datagram(dissect_flow_t *f, int dir, const uint8_t *data, size_t len,
                           const struct dissect_cb *cb, void *ctx);

/* End of flow: hands over what is pending (an HTTP body read until close, or one cut
 * short by the end of the capture; TLS records that waited for a key which has come
 * since: their plaintext goes to plain() and field() now). So call it while the
 * callbacks' targets (the matcher streams) are still open, then dissect_flow_free(). */
void dissect_flow_close(dissect_flow_t *f, const struct dissect_cb *cb, void *ctx);

enum dissect_proto dissect_flow_proto(const dissect_flow_t *f);

/* 1 once a direction of the flow has decrypted a TLS record (findings are "tls"). */
int dissect_flow_decrypting(const dissect_flow_t *f);

/* 1 when the flow was recognised as QUIC (its findings are "quic"). */
int dissect_flow_quic(const dissect_flow_t *f);

/* Why a TLS or QUIC flow stayed dark (no application plaintext), valid after
 * dissect_flow_close(): "no_key", "unsupported", "midstream", "ech", "pinning",
 * "key_late", "handshake_incomplete"; NULL when it was decrypted or is neither. Each
 * reason is also counted (dark_* counters) by dissect_flow_close(). Static string. */
const char *dissect_flow_dark_reason(const dissect_flow_t *f);

/* Direction dir (0 or 1; -1: none, the default) is inspected only for what names the
 * peer and what decryption and framing need: its TLS/QUIC handshake, DNS answers and
 * HTTP header blocks are parsed, but no field, body or plaintext of it is handed to
 * the callbacks (bytes sent to a device are not its leaks; --inspect out). Set it
 * before the first byte of the flow. */
void dissect_flow_set_quiet(dissect_flow_t *f, int dir);

/* dissect_flow_free(NULL) does nothing. */
void dissect_flow_free(dissect_flow_t *f);

#endif
