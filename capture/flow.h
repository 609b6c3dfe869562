/* flow.h - flows (both directions of a 5-tuple, VLAN-aware) and a worker's flow table.
 *
 * The key is normalised so that both directions of a conversation make the same key
 * and therefore the same hash: this is what lets the reader send a flow's packets to
 * one worker. A table belongs to one worker and is never shared, so it has no locks.
 *
 * Memory: sizeof(struct flow) bytes per flow (printed by `leakwatch --version`,
 * ~300 B on x86_64), taken from slabs of FLOW_SLAB_BYTES; plus, only while nDPI is
 * still classifying, its flow state (classify.h), and while segments wait for a hole
 * to fill, reassembly chunks (reasm.h). The table holds at most max_flows; when full,
 * the flow idle for longest is ended (reason "evicted") to make room, and counted.
 *
 * Timeouts run on packet time in offline mode: a flow idle for idle_us ends ("timeout");
 * a TCP flow that saw RST or FIN both ways ends close_us after its last packet
 * ("closed"). Everything still open at the end ends with "shutdown". */
#ifndef LW_CAPTURE_FLOW_H
#define LW_CAPTURE_FLOW_H

#include <stddef.h>
#include <stdint.h>
#include "capture/classify.h"
#include "capture/decode.h"
#include "capture/reasm.h"

struct pcapdroid_app;

/* Flows come from slabs of this many bytes (288 pages: a slab is mmap()ed whole by
 * malloc, so a slab of a whole number of pages wastes none). */
#define FLOW_SLAB_BYTES (1152u * 1024)

struct flow_key {
    uint8_t ip[2][16];     /* endpoint 0 is the lower (ip, port) */
    uint16_t port[2];
    uint16_t vlan[DECODE_MAX_VLANS];
    uint8_t proto;
    uint8_t family;
    uint8_t pad[2];        /* zeroed: keys are hashed and compared as bytes */
};

enum flow_end {
    FLOW_END_TIMEOUT,
    FLOW_END_CLOSED,
    FLOW_END_EVICTED,
    FLOW_END_SHUTDOWN,
};

enum flow_list { FLOW_LIST_ACTIVE, FLOW_LIST_CLOSING, FLOW_LIST_NONE };

/* Directions are by role: FLOW_TOSERVER is what the client (the side that sent the
 * SYN, or else the first packet) sends. */
enum { FLOW_TOSERVER = 0, FLOW_TOCLIENT = 1 };

struct flow {
    struct flow_key key;
    uint64_t hash;
    struct flow *hnext;            /* hash bucket chain */
    struct flow *prev, *next;      /* idle order within its list, oldest first */
    uint64_t first_us, last_us;
    uint64_t first_pkt;            /* capture-wide number of the first packet */
    uint64_t pkts[2], bytes[2];    /* by direction, bytes of IP datagrams */
    uint64_t stream_bytes[2];      /* payload bytes delivered in order (TCP) or per
                                      datagram (UDP) */
    uint64_t gaps[2];              /* gap events delivered by reassembly */
    uint8_t client;                /* which key endpoint is the client */
    uint8_t list;                  /* enum flow_list */
    uint8_t fin[2], rst;
    uint8_t has_mac[2];
    uint8_t iface;                 /* live: 1 + index of the interface of the first
                                      packet (set by the engine); 0 reading files */
    uint8_t charged;               /* its payload state was charged (flow_table_charge) */
    uint8_t mac[2][6];             /* L2 source address seen from each side */
    struct reasm_dir tcp[2];       /* by direction */
    struct classify_flow cls;
    /* PCAPdroid captures: the app of the flow's first packet that named one, or NULL.
     * Borrowed from the source (capture/pcapdroid.h), which outlives every flow. */
    const struct pcapdroid_app *app;
    void *user;                    /* the worker's per-flow state; the table never reads it */
};

typedef struct flow_table flow_table_t;

/* Called for every flow the table ends, just before it is recycled: the callback must
 * release what it hung on the flow (reassembly chunks, nDPI state, user). */
typedef void (*flow_end_fn)(void *ctx, struct flow *f, enum flow_end why);

struct flow_table_stats {
    uint64_t created;
    uint64_t ended[4];             /* by enum flow_end */
    uint64_t active;               /* flows in the table now */
    uint64_t peak;
    uint64_t alloc_failures;       /* packets dropped because no flow could be had */
    uint64_t memcap_evicted;       /* of ended[FLOW_END_EVICTED]: to fit the memory budget */
};

/* Bytes a tracked flow takes in its table: its entry and its share of a slab's pages,
 * rounded up (what `leakwatch -V` counts). */
size_t flow_table_entry_bytes(void);

/* Bytes of the hash bucket array of a table for max_flows flows: a power of two of
 * pointers, at least max_flows of them (so up to twice 8 bytes per flow). */
size_t flow_table_bucket_bytes(size_t max_flows);

/* Caller frees with flow_table_free() after flow_table_flush(). NULL on failure. */
flow_table_t *flow_table_new(size_t max_flows, uint64_t idle_us, uint64_t close_us,
                             flow_end_fn end, void *ctx);
void flow_table_free(flow_table_t *t);
const struct flow_table_stats *flow_table_stats(const flow_table_t *t);
/* Each live flow draws per_flow bytes (the table entry and what classifies it) from
 * the memory budget mc (borrowed, must outlive t; common/memcap.h), and per_payload
 * more once its payload is inspected (flow_table_charge()): most flows of a flood or a
 * scan never carry any. When a draw does not fit, the longest-idle flows end (reason
 * "evicted", memcap_evicted) until it does. */
struct memcap;
void flow_table_set_memcap(flow_table_t *t, struct memcap *mc, size_t per_flow,
                           size_t per_payload);
/* Flow f (live in t) is about to have payload inspected: draw its per_payload bytes,
 * once. Other flows end to make room; with none left the draw is forced (the budget is
 * then smaller than one flow, and a flow that is tracked is inspected). */
void flow_table_charge(flow_table_t *t, struct flow *f);

/* Normalise the packet's 5-tuple and VLANs into k; *from_lo is 1 if the packet was
 * sent by key endpoint 0. */
void flow_key_make(struct flow_key *k, const struct decode_pkt *p, int *from_lo);
uint64_t flow_key_hash(const struct flow_key *k);

/* Find the flow of k for a packet at ts_us, ending it first if it timed out or if
 * this packet opens a new connection on a closed one (is_syn). Creates the flow if
 * needed (*created = 1), evicting the longest-idle flow when the table is full.
 * Returns NULL only if memory for a new flow could not be had (counted). The flow is
 * marked seen at ts_us. Borrowed: valid until the table ends it. */
struct flow *flow_table_get(flow_table_t *t, const struct flow_key *k, uint64_t hash,
                            uint64_t ts_us, uint64_t pkt_no, int is_syn, int *created);

/* The connection is over (FIN both ways or RST): end it after close_us of quiet. */
void flow_table_closing(flow_table_t *t, struct flow *f);

/* End flows whose time has come at packet time now_us. */
void flow_table_expire(flow_table_t *t, uint64_t now_us);

/* End every flow: FLOW_END_CLOSED for closed connections, else FLOW_END_SHUTDOWN. */
void flow_table_flush(flow_table_t *t);

/* A stable 51-bit id (exact in a JSON double) from the key and the first packet's
 * number: the same flow gets the same id whatever the number of workers. */
uint64_t flow_id(const struct flow *f);

#endif
