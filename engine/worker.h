/* worker.h - one worker thread: owns a flow table, TCP reassembly pool and nDPI
 * module, and consumes the records the reader puts in its ring. Nothing a worker owns
 * is touched by another thread; its counters are read through the snapshot it
 * publishes (stats.h). */
#ifndef LW_ENGINE_WORKER_H
#define LW_ENGINE_WORKER_H

#include <stddef.h>
#include <stdint.h>
#include "capture/decode.h"
#include "capture/flow.h"
#include "capture/ring.h"
#include "sinks/sink.h"
#include "engine/inspect.h"
#include "engine/ruleset.h"
#include "engine/stats.h"

enum worker_rec_kind {
    WORKER_REC_PACKET,
    WORKER_REC_TICK,   /* packet time advanced: expire flows */
    WORKER_REC_END,    /* input over: end every flow, stop */
    WORKER_REC_RULES,  /* reload: l3 holds a struct ruleset *, one reference for the
                          worker, which hands it to its inspector and drops it */
};

/* What the reader writes into a ring: a decoded packet and its IP datagram bytes. */
struct worker_rec {
    uint32_t kind;
    uint16_t from_lo;        /* the packet was sent by key endpoint 0 */
    uint16_t iface;          /* live: 1 + interface index; 0 reading files */
    uint64_t ts_us;
    uint64_t pkt_no;
    uint64_t hash;
    struct flow_key key;
    const struct pcapdroid_app *app; /* the packet's app (source.h), or NULL */
    struct decode_pkt d;     /* offsets relative to l3 */
    uint8_t l3[];            /* d.l3_len bytes */
};

struct worker_config {
    int id;
    size_t max_flows;
    uint64_t idle_timeout_us, close_timeout_us;
    size_t ring_bytes, reasm_bytes, reasm_dir_bytes;
    sink_t *sink;            /* borrowed */
    struct ruleset *rules;   /* borrowed; read-only but for its own locked parts */
    struct keylog *keys;     /* borrowed, may be NULL: TLS secrets */
    struct memcap *mem;      /* borrowed, may be NULL: the process memory budget */
    int inspect_both;        /* --inspect both: bytes sent to devices are scanned too */
};

/* What one flow draws from the budget beyond its body buffers (which draw separately):
 * every flow from its first packet, its table entry and nDPI state (no worker needed);
 * and more once its payload is inspected: two Hyperscan stream states of w's rules and
 * the inspection and dissector state (WORKER_FLOW_STATE_BYTES, measured). */
struct worker;
size_t worker_flow_bytes(void);
size_t worker_payload_bytes(const struct worker *w);
/* Inspection context, dissector flow, HTTP/1 or TLS state, a header block being read:
 * RSS grows 2.0 KB per open HTTP flow, nDPI's 688 B and the 288 B table entry included
 * (100k flows open at once, pcapgen --concurrent; 2.6 KB before body objects and
 * decoding buffers were made only when used). Drawn larger because what
 * the parts draw does not cover everything a flow allocates: with 4 KiB, 100k open
 * gzip bodies in --memcap 1024 peaked at 1,098-1,126 MiB RSS; with 6 KiB, 810-856 MiB
 * (test_memcap_flood allows 1,152). Body buffers, inflate streams and HTTP/2 frames
 * draw separately. */
#define WORKER_FLOW_STATE_BYTES (6u * 1024)

typedef struct worker worker_t;

/* Caller frees with worker_free() after worker_join(). NULL + message on failure. */
worker_t *worker_new(const struct worker_config *c, char *err, size_t errlen);
void worker_free(worker_t *w);

/* The ring the reader fills; borrowed. */
ring_t *worker_ring(worker_t *w);

int worker_start(worker_t *w);
void worker_join(worker_t *w);
/* After worker_join(): why the worker could not process its packets (it had no nDPI
 * module: out of memory), or NULL when it ran. */
const char *worker_error(const worker_t *w);

/* The counters the worker last published (on each tick record and when it stops):
 * exact after worker_join(). Safe from any thread. */
void worker_stats(worker_t *w, struct stats_worker *st);

#endif
