/* stats.h - the counters a worker keeps, listed once, and the snapshot through which
 * other threads read them.
 *
 * As Suricata does it: a worker writes its live counters alone and, on every tick
 * record and when it stops, copies them into its published snapshot under that
 * snapshot's lock. The reader's periodic stats event and the final one read only
 * snapshots, never a counter a worker is writing. A periodic event is therefore as old
 * as each worker's last tick (at most about a second of packet time); the final one,
 * published after the last flow ended, is exact. */
#ifndef LW_ENGINE_STATS_H
#define LW_ENGINE_STATS_H

#include <pthread.h>
#include <stdint.h>

#include "dissectors/dissect.h"

/* Every per-worker counter: X(section, name). The section is the object of the stats
 * event it is written into ("stats" itself for top); name is its key there. Sums,
 * copies and the stats event are generated from this list, so a counter is added in
 * one place. */
#define STATS_WORKER(X)                                                                   \
    X(flows, created) X(flows, timeout) X(flows, closed) X(flows, evicted)                \
    X(flows, shutdown) X(flows, peak_concurrent) X(flows, dropped_no_memory)              \
    X(flows, app_detected) X(flows, app_guessed) X(flows, app_unknown)                    \
    X(tcp, stream_bytes) X(tcp, gaps) X(tcp, gap_bytes) X(tcp, out_of_order)              \
    X(tcp, retransmitted) X(tcp, overlaps) X(tcp, overlap_conflicts)                      \
    X(tcp, midstream_pickups) X(tcp, after_fin) X(tcp, reassembly_memcap)                 \
    X(detection, privacy_leaks) X(detection, repeats_counted)                             \
    X(detection, findings_over_flow_cap) X(detection, sdk_contacts)                       \
    X(detection, scan_errors)                                                             \
    X(verdicts, declared) X(verdicts, undeclared_type) X(verdicts, undeclared_sdk)        \
    X(verdicts, broken_transform) X(verdicts, first_party_undeclared)                     \
    X(verdicts, first_party_declared) X(verdicts, no_policy)                              \
    X(verdicts, unknown_destination)                                                      \
    X(top, events) X(top, event_build_failures)                                           \
    X(worker, packets) X(worker, bytes) X(worker, flows_active) X(worker, reloads)        \
    X(worker, reload_failures) X(worker, cpu_us)

struct stats_worker {
#define STATS_FIELD(section, name) uint64_t section##_##name;
    STATS_WORKER(STATS_FIELD)
#undef STATS_FIELD
    struct dissect_stats dissect;
};

/* into += from, counter by counter (totals across workers). */
void stats_worker_add(struct stats_worker *into, const struct stats_worker *from);

/* fn once per counter of STATS_WORKER, in its order, with its section and name. */
void stats_worker_each(const struct stats_worker *s,
                       void (*fn)(void *ctx, const char *section, const char *name,
                                  uint64_t v),
                       void *ctx);

/* A worker's published copy. lock guards snap. */
struct stats_slot {
    pthread_mutex_t lock;
    struct stats_worker snap;
};

void stats_slot_init(struct stats_slot *s);
void stats_slot_destroy(struct stats_slot *s);
/* The owning worker publishes; any thread reads a consistent copy. */
void stats_slot_publish(struct stats_slot *s, const struct stats_worker *from);
void stats_slot_read(struct stats_slot *s, struct stats_worker *to);

#endif
