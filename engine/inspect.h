/* inspect.h - what a worker does with a flow's payload: scan every reassembled byte
 * with the matcher (one stream per direction), hand the bytes to the dissectors and
 * scan what they decode, collect the names that identify the peer, and when the flow
 * ends attribute it (device, app, SDK), judge each identifier against the policy and
 * emit "privacy_leak" and "sdk_contact" events.
 *
 * Findings are collected per flow - one per (identifier type, form, where), repeats
 * counted - and emitted when the flow ends, because the names that attribute a flow
 * (HTTP Host, a later TLS certificate) may arrive after the identifier does. */
#ifndef LW_ENGINE_INSPECT_H
#define LW_ENGINE_INSPECT_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "capture/flow.h"
#include "dissectors/dissect.h"
#include "engine/event.h"
#include "sinks/batch.h"
#include "engine/ruleset.h"

typedef struct inspect inspect_t;

struct inspect_stats {
    uint64_t findings;           /* privacy_leak events emitted */
    uint64_t repeats;            /* hits folded into an existing finding */
    uint64_t findings_over_cap;  /* distinct findings beyond the per-flow cap: counted */
    uint64_t sdk_contacts;
    uint64_t scan_errors;
    uint64_t emit_failures;      /* contacts and findings that could not be written */
    uint64_t by_verdict[8];      /* findings written, by enum verdict (verdict.h) */
    struct dissect_stats dissect;
};

/* Takes a reference to rules (dropped by inspect_free() or once a reload's flows are
 * done); out (the worker's event batches) is borrowed and must outlive the inspector.
 * Caller frees with inspect_free(). NULL on allocation failure. */
inspect_t *inspect_new(struct ruleset *rules, sink_batcher_t *out);
void inspect_free(inspect_t *in);
void inspect_stats(const inspect_t *in, struct inspect_stats *st);

/* A reload: flows that start from now on use rules (one reference taken; borrowed
 * otherwise); open flows finish with the rules they started with, whose reference
 * is dropped when the last of them ends. 0, or -1 when the scratch for the new
 * database cannot be allocated (the old rules stay). */
int inspect_set_rules(inspect_t *in, struct ruleset *rules);

struct keylog;
/* TLS secrets for decryption (borrowed, must outlive the inspector; NULL: none). */
void inspect_set_keylog(inspect_t *in, struct keylog *keys);

struct memcap;
/* The memory budget that HTTP bodies and HTTP/2 frames draw from (borrowed, must
 * outlive the inspector; NULL: none). */
void inspect_set_memcap(inspect_t *in, struct memcap *mem);

/* Which bytes are inspected in full. INSPECT_OUT (the default): what a device sends;
 * bytes sent to it only for what names the peer and what decryption needs (handshakes,
 * DNS answers, HTTP headers parsed but not scanned; bodies skipped). INSPECT_BOTH:
 * both directions alike. Applies to flows that start after the call. */
enum inspect_mode { INSPECT_OUT, INSPECT_BOTH };
void inspect_set_mode(inspect_t *in, enum inspect_mode mode);

/* The packet clock, for DNS TTLs. */
void inspect_set_time(inspect_t *in, uint64_t ts_us);
/* The capture-wide number of the packet being inspected (a finding's pcap_cnt). */
void inspect_set_packet(inspect_t *in, uint64_t pkt_no);

/* In-order bytes, gaps and datagrams of flow f, direction dir (FLOW_TOSERVER ...).
 * The flow's per-flow state is created on first use and hung on f->user. */
void inspect_data(inspect_t *in, struct flow *f, int dir, const uint8_t *data, size_t len);
void inspect_gap(inspect_t *in, struct flow *f, int dir, uint64_t len);
void inspect_datagram(inspect_t *in, struct flow *f, int dir, const uint8_t *data, size_t len);

/* The flow ends: emit its contact and findings, then its flow event (fi: what the
 * worker knows of the flow; inspect_end() adds the attribution and dark_reason), and
 * free its state. nd_host is the name nDPI extracted (may be NULL). fi NULL: no flow
 * event. Returns event_flow()'s result (1 written, 0 not chosen, -1 failed). */
int inspect_end(inspect_t *in, struct flow *f, const char *nd_host, struct event_flow_info *fi);

#endif
