/* reader.h - the reader thread of a run (internal to engine/): it reads packets from
 * files or live interfaces, decodes them, reassembles IP fragments, stores DNS answers
 * in packet order and hands each packet to the worker owning its flow (by symmetric
 * flow hash) over that worker's single-producer ring. It also carries the capture's
 * clock to every worker (tick records), hands reloaded rules over in packet order and
 * writes the periodic stats events.
 *
 * The struct is shared with pipeline.c, which sets it up, runs progress and reload on
 * the calling thread and writes the final stats event after every thread has stopped.
 * Fields written by the calling thread while the reader runs are atomics. */
#ifndef LW_ENGINE_READER_H
#define LW_ENGINE_READER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "capture/decode.h"
#include "capture/dump.h"
#include "capture/frag.h"
#include "capture/live.h"
#include "capture/source.h"
#include "common/memcap.h"
#include "dissectors/dissect.h"
#include "dissectors/keylog.h"
#include "engine/pipeline.h"
#include "engine/worker.h"

struct reader {
    const struct pipeline_config *cfg;  /* borrowed */
    source_t *src;                      /* NULL when live */
    live_t *live;                       /* borrowed, NULL when reading files */
    keylog_t *keys;                     /* NULL without key logs */
    dump_t *dump;                       /* -w FILE, or NULL */
    uint64_t passed;                    /* packets the filter let through (-c counts) */
    /* Profile devices (of the rules the run started with) whose ip was seen in a
     * packet; ip_unseen counts those with an ip not seen yet (0: nothing to watch). */
    const profile_t *ip_profile;
    uint8_t *ip_seen;
    size_t ip_unseen;
    int write_errors;
    /* A reload hands the new rules from the calling thread to the reader here (one
     * reference); the reader passes them on in packet order, so every packet before
     * the swap is judged by the old rules and every flow after by the new. Live, the
     * kernel hands packets over in blocks up to poll_ms late: the swap waits for the
     * first packet stamped at or after pending_from_us (when the rules were ready), so
     * packets captured before it, still in the kernel's ring, keep the old rules. */
    _Atomic(struct ruleset *) pending;
    _Atomic uint64_t pending_from_us;
    unsigned generation;                /* of the rules last sent to workers */
    _Atomic uint64_t reloads_ok, reloads_failed;  /* written by the calling thread */
    uint64_t stats_next_us, stats_seq;
    worker_t **workers;
    int nworkers;
    /* The memory budget (--memcap): workers draw from it; reserved is what the
     * subsystems with caps of their own set aside at start (see pipeline.c). */
    struct memcap mem;
    size_t mem_reserved, mem_per_flow, mem_per_flow_fixed;
    frag_table_t *frags;
    struct decode_stats dec;
    uint8_t *dgram;                     /* reassembled IPv4 datagram */
    /* DNS answers are stored here, in packet order, before any later packet goes to a
     * worker: a flow is then named by every answer that preceded it whatever the
     * workers' relative speed. Workers only read the map. */
    struct dissect_env dns_env;
    dissect_flow_t *dns_flow;
    uint64_t last_ts_us, last_tick_us;
    uint64_t flush_due_us;              /* live: next forced publish of the rings */
    uint64_t ip_packets, ip_bytes;
    int input_errors;
    int interrupted;                    /* files: stopped before their end */
    const char *cur_file;
    int file_reports;
    _Atomic uint64_t packets;           /* read by the progress display */
    uint64_t cpu_us;                    /* the reader thread's CPU time, set as it ends */
    /* Set (under done_mu, done_cv signalled) when the reader thread ends: the calling
     * thread waits on it rather than polling, so a run ends when its work does. */
    int done;
    pthread_mutex_t done_mu;
    pthread_cond_t done_cv;
};

/* The reader thread's body: arg is a struct reader. Sets done when the input is
 * over (or *stop was seen) and every worker has been sent its END record. */
void *reader_main(void *arg);

/* done_mu and done_cv, before the reader thread starts; reader_sync_free() after it
 * was joined. Returns 0 or LW_ERR_NOMEM. */
int reader_sync_init(struct reader *rd);
void reader_sync_free(struct reader *rd);
/* Wait until the reader thread is done or ms have passed; returns done. */
int reader_wait_done(struct reader *rd, unsigned ms);

/* One record of kind (TICK or END) to every worker. */
void reader_broadcast(struct reader *rd, enum worker_rec_kind kind, uint64_t ts_us);

/* A stats event from the workers' published snapshots and the reader's counters:
 * periodic (final = 0) on the reader thread, final once every thread has stopped. */
void reader_emit_stats(struct reader *rd, int final);

#endif
