/* pipeline.h - one run, offline or live: a reader thread (reader.h) decodes packets
 * and sends each to the worker owning its flow (by symmetric flow hash) over a
 * single-producer ring; workers (worker.h) reassemble, classify, inspect and emit
 * events to the sink. The calling thread shows progress and compiles reloads. */
#ifndef LW_ENGINE_PIPELINE_H
#define LW_ENGINE_PIPELINE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "capture/live.h"
#include "sinks/sink.h"
#include "engine/ruleset.h"

struct pipeline_config {
    const char *const *files;   /* -r FILE ... */
    int nfiles;
    const char *filter;         /* BPF expression or NULL */
    int workers;                /* -t N */
    int quiet;                  /* -q: no progress line */
    size_t max_flows;           /* whole process; split evenly across workers */
    uint64_t idle_timeout_us, close_timeout_us;
    size_t ring_bytes;          /* per worker */
    size_t reasm_bytes;         /* per worker, out-of-order data */
    size_t reasm_dir_bytes;     /* per flow direction */
    size_t frag_datagrams;
    uint64_t frag_timeout_us;
    sink_t *sink;               /* borrowed: events go here */
    struct ruleset *rules;      /* borrowed: profile, matcher, catalogue, policies */
    /* Live capture instead of files (files are then ignored); borrowed, opened by the
     * caller so it can drop privileges before anything else starts. Packet time is
     * then wall-clock time: idle flows end even when no packet arrives. */
    live_t *live;
    /* Set from signal handlers, polled: stop ends every flow (reason "shutdown") and
     * returns; reload calls reload_fn on the calling thread while capture goes on. */
    atomic_int *stop, *reload;
    /* Makes the next generation of rules from cur (borrowed). 0 and *out (one
     * reference, handed over) or a negative code with the reason in err. */
    int (*reload_fn)(void *ctx, struct ruleset *cur, struct ruleset **out, char *err,
                     size_t errlen);
    void *reload_ctx;
    unsigned stats_interval_s;  /* 0: one stats event, at the end */
    const char *const *keylogs; /* --keylog FILEs (NSS key log), followed when live */
    int nkeylogs;
    size_t memcap_bytes;        /* --memcap: one budget for the process (common/memcap.h);
                                   0 = memcap_default() */
    /* Live: the interface names, the same pointers live_next() returns as p->file,
     * so a packet's interface is found by address. Events name it (in_iface). */
    const char *const *ifaces;
    int nifaces;
    uint64_t max_packets;       /* -c N: stop after N packets read; 0 = no limit */
    const char *write_path;     /* -w FILE: also write the packets read, or NULL */
    int summary;                /* a closing summary on stderr (a terminal, not -q) */
    int inspect_both;           /* --inspect both (inspect.h: INSPECT_BOTH) */
    unsigned event_types;       /* --events: EVENT_T_* bits (engine/event.h) written */
};

/* Defaults for every field but files, filter and sink. */
/* --max-flows when not given. */
#define PIPELINE_MAX_FLOWS 1000000u

void pipeline_defaults(struct pipeline_config *c);

/* Memory of c->max_flows tracked flows, none carrying payload yet, across c->workers
 * workers: each flow's table entry and nDPI state (worker_flow_bytes() without the
 * bucket), and every worker's hash buckets as allocated. *buckets: that last part. */
size_t pipeline_flows_bytes(const struct pipeline_config *c, size_t *buckets);

struct pipeline_result {
    uint64_t packets;
    int input_errors;           /* files that could not be read to their end */
    int interrupted;            /* files: *stop ended the run before their end */
    int write_errors;           /* -w FILE could not be written to its end */
};

/* Run to the end of the input (or until *stop). Returns 0 when the run itself worked (bad input is
 * reported through res->input_errors and stderr), or a negative lwerr.h code with a
 * message in err when it could not start. */
int pipeline_run(const struct pipeline_config *c, struct pipeline_result *res, char *err,
                 size_t errlen);

#endif
