/* pipeline.c - see pipeline.h. The reader runs on its own thread (reader.c) while
 * the calling thread shows progress and compiles reloaded rules; both end when the
 * input does. */
#include "engine/pipeline.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/lwerr.h"
#include "engine/event.h"
#include "engine/reader.h"

void pipeline_defaults(struct pipeline_config *c)
{
    memset(c, 0, sizeof *c);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    c->workers = n > 0 ? (int)n : 1;
    c->max_flows = 1000000;
    c->idle_timeout_us = 120ull * 1000000u;
    c->close_timeout_us = 5ull * 1000000u;
    c->ring_bytes = 8u << 20;
    c->reasm_bytes = 64u << 20;
    c->reasm_dir_bytes = 1u << 20;
    c->frag_datagrams = 256;
    c->frag_timeout_us = 30ull * 1000000u;
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
    uint64_t ts = rd->live ? clock_wall_us() : rd->last_ts_us;
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
    if (ev)
        sink_emit(c->sink, ev);
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
    }
    for (int i = 0; !rd->live && i < c->nfiles; i++) {
        char e[LW_ERRBUF];
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

/* Make every worker (one after the other: nDPI's module initialisation is not
 * reentrant), then start their threads. On failure nothing is left running. */
static int start_workers(struct reader *rd, char *err, size_t errlen)
{
    const struct pipeline_config *c = rd->cfg;
    if (!(rd->workers = calloc((size_t)rd->nworkers, sizeof *rd->workers))) {
        snprintf(err, errlen, "out of memory");
        return LW_ERR_NOMEM;
    }
    for (int i = 0; i < rd->nworkers; i++) {
        struct worker_config wc = {
            .id = i,
            .max_flows = c->max_flows / (size_t)rd->nworkers + 1,
            .idle_timeout_us = c->idle_timeout_us,
            .close_timeout_us = c->close_timeout_us,
            .ring_bytes = c->ring_bytes,
            .reasm_bytes = c->reasm_bytes,
            .reasm_dir_bytes = c->reasm_dir_bytes,
            .sink = c->sink,
            .rules = c->rules,
            .keys = rd->keys,
        };
        if (!(rd->workers[i] = worker_new(&wc, err, errlen)))
            return LW_ERR_NOMEM;
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

int pipeline_run(const struct pipeline_config *c, struct pipeline_result *res, char *err,
                 size_t errlen)
{
    struct reader rd;
    memset(&rd, 0, sizeof rd);
    memset(res, 0, sizeof *res);
    rd.cfg = c;
    rd.nworkers = c->workers > 0 ? c->workers : 1;
    rd.live = c->live;
    rd.generation = c->rules ? c->rules->generation : 0;
    atomic_init(&rd.pending, NULL);
    struct ruleset *latest = c->rules ? ruleset_ref(c->rules) : NULL;
    int rc = 0;
    if (!rd.live && (rc = source_open(c->files, c->nfiles, c->filter, &rd.src, err, errlen)) < 0)
        goto out;
    if ((rc = open_keys(&rd, err, errlen)) < 0)
        goto out;
    rd.frags = frag_new(c->frag_datagrams, c->frag_timeout_us);
    rd.dgram = malloc(65536);
    if (c->rules) {
        rd.dns_env.dns = c->rules->dns;
        rd.dns_flow = dissect_flow_new(&rd.dns_env, DISSECT_L4_UDP, 1024, 53);
    }
    rc = LW_ERR_NOMEM;
    if (!rd.frags || !rd.dgram) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    if ((rc = start_workers(&rd, err, errlen)) < 0)
        goto out;
    rc = LW_ERR_NOMEM;
    pthread_t reader;
    if (pthread_create(&reader, NULL, reader_main, &rd)) {
        snprintf(err, errlen, "cannot start reader thread");
        reader_broadcast(&rd, WORKER_REC_END, 0);
        for (int i = 0; i < rd.nworkers; i++)
            worker_join(rd.workers[i]);
        goto out;
    }
    int progress = !c->quiet && !rd.live && isatty(STDERR_FILENO);
    double t0 = clock_mono_s();
    while (!atomic_load(&rd.done)) {
        struct timespec ts = {0, 200 * 1000000};
        nanosleep(&ts, NULL);
        if (c->reload && atomic_exchange(c->reload, 0) && latest && c->reload_fn)
            reload(&rd, &latest, progress);
        if (progress)
            show_progress(&rd, clock_mono_s() - t0, 0);
    }
    pthread_join(reader, NULL);
    for (int i = 0; i < rd.nworkers; i++)
        worker_join(rd.workers[i]);
    if (progress)
        show_progress(&rd, clock_mono_s() - t0, 1);
    reader_emit_stats(&rd, 1);
    res->packets = atomic_load(&rd.packets);
    res->input_errors = rd.input_errors;
    rc = 0;
out:
    for (int i = 0; rd.workers && i < rd.nworkers; i++)
        worker_free(rd.workers[i]);
    free(rd.workers);
    free(rd.dgram);
    dissect_flow_free(rd.dns_flow);
    frag_free(rd.frags);
    source_free(rd.src);
    keylog_free(rd.keys);
    /* A reload the reader never picked up. */
    ruleset_free(atomic_exchange(&rd.pending, NULL));
    ruleset_free(latest);
    return rc;
}
