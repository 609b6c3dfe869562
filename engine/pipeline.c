/* pipeline.c - see pipeline.h. The reader runs on its own thread (reader.c) while
 * the calling thread shows progress and compiles reloaded rules; both end when the
 * input does. */
#include "engine/pipeline.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/lwerr.h"
#include "engine/event.h"
#include "engine/reader.h"
#include "common/memcap.h"
#include "capture/flow.h"
#include "engine/worker.h"

/* Fixed reservations in the memory budget: the DNS map's 65,536 entries (ruleset.c)
 * and the key log's 131,072 sessions with their index (keylog.c), rounded up. */
#define PIPELINE_DNSMAP_BYTES (24u << 20)
#define PIPELINE_KEYLOG_BYTES (40u << 20)
#include "engine/stats.h"

void pipeline_defaults(struct pipeline_config *c)
{
    memset(c, 0, sizeof *c);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    c->workers = n > 0 ? (int)n : 1;
    c->max_flows = PIPELINE_MAX_FLOWS;
    c->idle_timeout_us = 120ull * 1000000u;
    c->close_timeout_us = 5ull * 1000000u;
    c->ring_bytes = 8u << 20;
    c->reasm_bytes = 64u << 20;
    c->reasm_dir_bytes = 1u << 20;
    c->frag_datagrams = 256;
    c->frag_timeout_us = 30ull * 1000000u;
    c->event_types = EVENT_T_ALL;
}

static int pipeline_nworkers(const struct pipeline_config *c)
{
    return c->workers > 0 ? c->workers : 1;
}

static size_t worker_max_flows(const struct pipeline_config *c, size_t nworkers)
{
    return c->max_flows / nworkers + 1;
}

size_t pipeline_flows_bytes(const struct pipeline_config *c, size_t *buckets)
{
    size_t n = (size_t)pipeline_nworkers(c);
    *buckets = n * flow_table_bucket_bytes(worker_max_flows(c, n));
    return c->max_flows * (worker_flow_bytes() - sizeof(struct flow *)) + *buckets;
}

static void show_progress(struct reader *rd, double elapsed, int final)
{
    uint64_t n = atomic_load_explicit(&rd->packets, memory_order_relaxed);
    double pct = rd->src ? 100.0 * source_progress(rd->src) : 0.0;
    fprintf(stderr, "\r%5.1f%%  %llu packets  %.0f packets/s   %s", final ? 100.0 : pct,
            (unsigned long long)n, elapsed > 0 ? (double)n / elapsed : 0.0, final ? "\n" : "");
}

/* Compiles the next rules on this (the calling) thread while the reader keeps
 * capturing, then hands them over; a failure keeps the old rules and says why. */
static void reload(struct reader *rd, struct ruleset **latest, int progress)
{
    const struct pipeline_config *c = rd->cfg;
    char err[LW_ERRBUF];
    struct ruleset *nr = NULL;
    double t0 = clock_mono_s();
    int rc = c->reload_fn(c->reload_ctx, *latest, &nr, err, sizeof err);
    uint64_t ts = rd->live || !rd->last_ts_us ? clock_wall_us() : rd->last_ts_us;
    json_t *ev;
    if (progress)
        fputc('\n', stderr);
    if (rc == 0) {
        ev = event_reload(ts, nr->generation, (long)((clock_mono_s() - t0) * 1e3), NULL);
        atomic_store(&rd->pending_from_us, clock_wall_us());
        ruleset_free(atomic_exchange(&rd->pending, ruleset_ref(nr)));
        ruleset_free(*latest);
        *latest = nr;
        rd->reloads_ok++;
        fprintf(stderr, "leakwatch: reload: rules generation %u compiled; new flows use it\n",
                nr->generation);
    } else {
        ev = event_reload(ts, (*latest)->generation, -1, err);
        rd->reloads_failed++;
        fprintf(stderr, "leakwatch: reload failed, keeping rules generation %u: %s\n",
                (*latest)->generation, err);
    }
    if (ev && event_wanted(EVENT_T_RELOAD))
        sink_emit(c->sink, ev);
    else
        json_decref(ev);
}

/* One key log for everything: the --keylog files, and the secrets pcapng inputs
 * carry in Decryption Secrets Blocks. None of either: no key log at all. */
static int open_keys(struct reader *rd, char *err, size_t errlen)
{
    const struct pipeline_config *c = rd->cfg;
    int found = 0;
    if (!c->nkeylogs && rd->live)
        return 0;
    if (!(rd->keys = keylog_new())) {
        snprintf(err, errlen, "out of memory");
        return LW_ERR_NOMEM;
    }
    for (int i = 0; i < c->nkeylogs; i++) {
        int n = keylog_add_file(rd->keys, c->keylogs[i], rd->live != NULL, err, errlen);
        if (n < 0)
            return n;
        /* Accepted in silence, an empty or wrong file looks like traffic without TLS. */
        if (n == 0)
            fprintf(stderr, "leakwatch: warning: --keylog %s: no key line%s\n", c->keylogs[i],
                    rd->live ? " yet (lines appended later are read)" : ", nothing to decrypt with");
    }
    for (int i = 0; !rd->live && i < c->nfiles; i++) {
        char e[LW_ERRBUF];
        /* Read ahead of the run, so only from a regular file: from a pipe (-r <(...))
         * this pass would consume the capture the run then finds empty. */
        struct stat st;
        if (stat(c->files[i], &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        int n = keylog_load_pcapng(rd->keys, c->files[i], e, sizeof e);
        /* An unreadable file is reported by the source when its turn comes. */
        if (n > 0)
            found += n;
    }
    if (!c->nkeylogs && !found) {
        keylog_free(rd->keys);
        rd->keys = NULL;
    }
    return 0;
}

/* One budget (issue 20): the subsystems with a hard cap of their own reserve it now
 * (rings, reassembly pools, TLS records waiting for keys, IP fragments, the DNS map,
 * the key log); flows and HTTP buffers draw the rest as they go. Reassembly pools
 * shrink to an eighth of the budget so a small --memcap leaves room for flows. */
static int pipeline_memcap(struct reader *rd, const struct pipeline_config *c,
                           size_t *reasm_bytes, char *err, size_t errlen)
{
    size_t limit = c->memcap_bytes ? c->memcap_bytes : memcap_default();
    size_t n = (size_t)rd->nworkers;
    memcap_init(&rd->mem, limit);
    if (*reasm_bytes > limit / 8 / n)
        *reasm_bytes = limit / 8 / n;
    size_t r = n * (c->ring_bytes + *reasm_bytes + DISSECT_TLS_WAIT_TOTAL) +
               c->frag_datagrams * 65536u + PIPELINE_DNSMAP_BYTES +
               (rd->keys ? PIPELINE_KEYLOG_BYTES : 0);
    if (!c->memcap_bytes && r >= limit - limit / 8) {
        /* The default on a small machine with many cores: the fixed part doubled. */
        memcap_init(&rd->mem, limit = 2 * r);
    }
    if (r >= limit - limit / 8) {
        snprintf(err, errlen, "--memcap %zu MiB is too small: %zu MiB are set aside for "
                 "%zu worker(s) (rings, reassembly, TLS records waiting for keys, "
                 "fragments, DNS map, key log); give at least %zu MiB or fewer workers",
                 limit >> 20, r >> 20, n, (r + r / 7) / (1u << 20) + 1);
        return LW_ERR_INVAL;
    }
    memcap_force(&rd->mem, r);
    rd->mem_reserved = r;
    return 0;
}

/* Make every worker, then start their threads; each takes its nDPI module as it starts
 * (classify.h). On failure nothing is left running. */
static int start_workers(struct reader *rd, size_t reasm_bytes, char *err, size_t errlen)
{
    const struct pipeline_config *c = rd->cfg;
    if (!(rd->workers = calloc((size_t)rd->nworkers, sizeof *rd->workers))) {
        snprintf(err, errlen, "out of memory");
        return LW_ERR_NOMEM;
    }
    for (int i = 0; i < rd->nworkers; i++) {
        struct worker_config wc = {
            .id = i,
            .max_flows = worker_max_flows(c, (size_t)rd->nworkers),
            .idle_timeout_us = c->idle_timeout_us,
            .close_timeout_us = c->close_timeout_us,
            .ring_bytes = c->ring_bytes,
            .reasm_bytes = reasm_bytes,
            .reasm_dir_bytes = c->reasm_dir_bytes,
            .sink = c->sink,
            .rules = c->rules,
            .keys = rd->keys,
            .mem = &rd->mem,
            .inspect_both = c->inspect_both,
        };
        if (!(rd->workers[i] = worker_new(&wc, err, errlen)))
            return LW_ERR_NOMEM;
        rd->mem_per_flow_fixed = worker_flow_bytes();
        rd->mem_per_flow = rd->mem_per_flow_fixed + worker_payload_bytes(rd->workers[i]);
    }
    for (int i = 0; i < rd->nworkers; i++)
        if (worker_start(rd->workers[i]) < 0) {
            snprintf(err, errlen, "cannot start worker thread %d", i);
            /* Started workers still need their END record to stop. */
            int n = rd->nworkers;
            rd->nworkers = i;
            reader_broadcast(rd, WORKER_REC_END, 0);
            for (int j = 0; j < i; j++)
                worker_join(rd->workers[j]);
            rd->nworkers = n;
            return LW_ERR_NOMEM;
        }
    return 0;
}

/* Watch for the profile devices' ip addresses (see note_ips in reader.c). */
static int watch_ips(struct reader *rd)
{
    const profile_t *p = rd->cfg->rules ? rd->cfg->rules->profile : NULL;
    size_t n = p ? profile_ndevices(p) : 0;
    if (!n)
        return 0;
    if (!(rd->ip_seen = calloc(n, 1)))
        return LW_ERR_NOMEM;
    rd->ip_profile = p;
    for (size_t i = 0; i < n; i++)
        if (profile_device(p, i)->ip_family)
            rd->ip_unseen++;
        else
            rd->ip_seen[i] = 1;
    return 0;
}

/* A device ip that no packet carried is most often a typo or a stale address: its
 * traffic then went unattributed (unless its MAC matched). Said once, at the end. */
static void warn_unseen_ips(const struct reader *rd)
{
    char ip[64];
    for (size_t i = 0; rd->ip_unseen && i < profile_ndevices(rd->ip_profile); i++) {
        const struct profile_device *d = profile_device(rd->ip_profile, i);
        if (!rd->ip_seen[i])
            fprintf(stderr, "leakwatch: warning: %s: device %s: ip %s was in no packet of "
                            "this run\n", profile_path(rd->ip_profile), d->id,
                    event_ip(d->ip_family, d->ip, ip, sizeof ip));
    }
}

/* The calling thread's part while the reader runs: reloads and progress; returns
 * once the reader and every worker have stopped. */
static void wait_reader(struct reader *rd, pthread_t reader, struct ruleset **latest,
                        double t0)
{
    const struct pipeline_config *c = rd->cfg;
    int progress = !c->quiet && !rd->live && isatty(STDERR_FILENO);
    while (!reader_wait_done(rd, 200)) {
        if (c->reload && atomic_exchange(c->reload, 0) && *latest && c->reload_fn)
            reload(rd, latest, progress);
        if (progress)
            show_progress(rd, clock_mono_s() - t0, 0);
    }
    pthread_join(reader, NULL);
    for (int i = 0; i < rd->nworkers; i++)
        worker_join(rd->workers[i]);
    if (progress)
        show_progress(rd, clock_mono_s() - t0, 1);
}

/* tcpdump's closing lines, for a person at a terminal: what was read, how fast, and
 * what was found (findings by verdict, most serious first). */
static void print_summary(struct reader *rd, double secs)
{
    struct stats_worker t, w;
    memset(&t, 0, sizeof t);
    for (int i = 0; i < rd->nworkers; i++) {
        worker_stats(rd->workers[i], &w);
        stats_worker_add(&t, &w);
    }
    uint64_t n = atomic_load(&rd->packets);
    const struct { const char *name; uint64_t v; } v[] = {
        {"broken_transform", t.verdicts_broken_transform},
        {"undeclared_sdk", t.verdicts_undeclared_sdk},
        {"undeclared_type", t.verdicts_undeclared_type},
        {"first_party_undeclared", t.verdicts_first_party_undeclared},
        {"unknown_destination", t.verdicts_unknown_destination},
        {"no_policy", t.verdicts_no_policy},
        {"declared", t.verdicts_declared},
        {"first_party_declared", t.verdicts_first_party_declared},
    };
    fprintf(stderr, "%llu packets read (%llu filtered out), %llu IP bytes, in %.2f s: "
            "%.0f packets/s, %.2f Mbit/s\n", (unsigned long long)n,
            (unsigned long long)(rd->src ? source_filtered(rd->src) : 0),
            (unsigned long long)rd->ip_bytes, secs, secs > 0 ? (double)n / secs : 0.0,
            secs > 0 ? (double)rd->ip_bytes * 8 / secs / 1e6 : 0.0);
    fprintf(stderr, "%llu flows, %llu SDK contacts, %llu findings",
            (unsigned long long)t.flows_created, (unsigned long long)t.detection_sdk_contacts,
            (unsigned long long)t.detection_privacy_leaks);
    const char *sep = ": ";
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        if (v[i].v) {
            fprintf(stderr, "%s%llu %s", sep, (unsigned long long)v[i].v, v[i].name);
            sep = ", ";
        }
    fputc('\n', stderr);
}

int pipeline_run(const struct pipeline_config *c, struct pipeline_result *res, char *err,
                 size_t errlen)
{
    struct reader rd;
    memset(&rd, 0, sizeof rd);
    memset(res, 0, sizeof *res);
    rd.cfg = c;
    rd.nworkers = pipeline_nworkers(c);
    rd.live = c->live;
    rd.generation = c->rules ? c->rules->generation : 0;
    atomic_init(&rd.pending, NULL);
    struct ruleset *latest = c->rules ? ruleset_ref(c->rules) : NULL;
    int rc = 0;
    if (!rd.live && (rc = source_open(c->files, c->nfiles, c->filter, &rd.src, err, errlen)) < 0)
        goto out;
    if ((rc = open_keys(&rd, err, errlen)) < 0 ||
        (c->write_path && (rc = dump_open(c->write_path, &rd.dump, err, errlen)) < 0))
        goto out;
    rd.frags = frag_new(c->frag_datagrams, c->frag_timeout_us);
    rd.dgram = malloc(65536);
    if (c->rules) {
        rd.dns_env.dns = c->rules->dns;
        rd.dns_flow = dissect_flow_new(&rd.dns_env, DISSECT_L4_UDP, 1024, 53);
    }
    rc = LW_ERR_NOMEM;
    if (!rd.frags || !rd.dgram || watch_ips(&rd) < 0) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    size_t reasm_bytes = c->reasm_bytes;
    event_set_ifaces(rd.live ? c->ifaces : NULL, rd.live ? c->nifaces : 0);
    event_set_types(c->event_types);
    if ((rc = pipeline_memcap(&rd, c, &reasm_bytes, err, errlen)) < 0 ||
        (rc = start_workers(&rd, reasm_bytes, err, errlen)) < 0)
        goto out;
    rc = LW_ERR_NOMEM;
    pthread_t reader;
    int synced = reader_sync_init(&rd) == 0;
    if (!synced || pthread_create(&reader, NULL, reader_main, &rd)) {
        snprintf(err, errlen, "cannot start reader thread");
        reader_broadcast(&rd, WORKER_REC_END, 0);
        for (int i = 0; i < rd.nworkers; i++)
            worker_join(rd.workers[i]);
        if (synced)
            reader_sync_free(&rd);
        goto out;
    }
    double t0 = clock_mono_s();
    wait_reader(&rd, reader, &latest, t0);
    reader_sync_free(&rd);
    reader_emit_stats(&rd, 1);
    warn_unseen_ips(&rd);
    if (c->summary)
        print_summary(&rd, clock_mono_s() - t0);
    res->packets = atomic_load(&rd.packets);
    res->input_errors = rd.input_errors;
    res->interrupted = rd.interrupted;
    res->write_errors = rd.write_errors;
    rc = 0;
    for (int i = 0; i < rd.nworkers && rc == 0; i++)
        if (worker_error(rd.workers[i])) {
            snprintf(err, errlen, "%s", worker_error(rd.workers[i]));
            rc = LW_ERR_NOMEM;
        }
out:
    if (dump_close(rd.dump, err, errlen) < 0) {
        fprintf(stderr, "leakwatch: %s\n", err);
        res->write_errors++;
    }
    for (int i = 0; rd.workers && i < rd.nworkers; i++)
        worker_free(rd.workers[i]);
    free(rd.workers);
    free(rd.dgram);
    free(rd.ip_seen);
    dissect_flow_free(rd.dns_flow);
    frag_free(rd.frags);
    source_free(rd.src);
    keylog_free(rd.keys);
    /* A reload the reader never picked up. */
    ruleset_free(atomic_exchange(&rd.pending, NULL));
    ruleset_free(latest);
    return rc;
}
