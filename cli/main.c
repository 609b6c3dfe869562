/* main.c - the leakwatch command line: parse the options, open the capture, drop
 * privileges, load the rules, open the sink, run the pipeline and map what happened to
 * the exit status. The only place that exits. */
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "capture/classify.h"
#include "capture/flow.h"
#include "cli/options.h"
#include "cli/privileges.h"
#include "cli/version.h"
#include "common/lwerr.h"
#include "rules/rulecheck.h"

enum exit_code {
    EXIT_OK = 0,
    EXIT_USAGE = 1,    /* bad command line or configuration: nothing was done */
    EXIT_INPUT = 2,    /* some input could not be read (message names file and packet) */
    EXIT_SINK = 3,     /* an output target was lost; see the message for what was kept */
    /* A replay (-r) stopped by a signal before the end of its input: 128 + the
     * signal, as a shell reports a process the signal killed (130 SIGINT, 143
     * SIGTERM); the stats event says "interrupted":true. */
    EXIT_SIGNAL_BASE = 128,
};

/* SIGHUP reopens -o FILE (logrotate) and asks for a rules reload. The handlers
 * only set flags: lock-free atomics, polled by the pipeline's threads. */
static sink_t *hup_sink;
/* stop_flag holds the signal that asked to stop (or STOP_STDOUT_CLOSED). */
static atomic_int reload_flag, stop_flag;
#define STOP_STDOUT_CLOSED (-1)
static void on_hup(int sig)
{
    (void)sig;
    if (hup_sink)
        sink_request_reopen(hup_sink);
    atomic_store(&reload_flag, 1);
}

static void on_stop(int sig)
{
    atomic_store(&stop_flag, sig);
}

static void install_signals(sink_t *sink)
{
    hup_sink = sink;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_hup;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static int reload_rules(void *ctx, struct ruleset *cur, struct ruleset **out, char *err,
                        size_t errlen)
{
    return ruleset_reload(ctx, cur, out, err, errlen);
}

/* The sink thread reports lost and recovered targets here. */
static void on_sink_error(void *ud, const char *msg)
{
    (void)ud;
    fprintf(stderr, "leakwatch: %s\n", msg);
}

/* `leakwatch ... | head`: the reader has what it wanted; stop reading input. */
static void on_stdout_closed(void *ud)
{
    (void)ud;
    atomic_store(&stop_flag, STOP_STDOUT_CLOSED);
}

/* Everything is open: run the pipeline to the end of the input (or a signal). */
static int run(struct options *o, live_t *live, struct ruleset *rules, sink_t *sink)
{
    char err[LW_ERRBUF];
    int rc;
    install_signals(sink);
    o->pc.live = live;
    o->pc.stop = &stop_flag;
    o->pc.reload = &reload_flag;
    o->pc.reload_fn = reload_rules;
    o->pc.reload_ctx = &o->ro;
    o->pc.sink = sink;
    o->pc.rules = rules;
    struct pipeline_result res;
    if (pipeline_run(&o->pc, &res, err, sizeof err) < 0) {
        fprintf(stderr, "leakwatch: %s\n", err);
        rc = EXIT_USAGE;
    } else {
        rc = res.input_errors ? EXIT_INPUT : res.write_errors ? EXIT_SINK : EXIT_OK;
    }
    struct sink_stats ss;
    if (sink_close(sink, &ss, err, sizeof err) < 0) {
        fprintf(stderr, "leakwatch: %s\n", err);
        if (rc == EXIT_OK)
            rc = EXIT_SINK;
    }
    /* stop_flag < 0: stdout's reader left (| head), a normal end: no message, 0. */
    if (rc == EXIT_OK && res.interrupted && atomic_load(&stop_flag) > 0)
        rc = EXIT_SIGNAL_BASE + atomic_load(&stop_flag);
    hup_sink = NULL;
    return rc;
}

int main(int argc, char **argv)
{
    struct options o;
    char err[LW_ERRBUF];
    live_t *live = NULL;
    struct ruleset *rules = NULL;
    sink_t *sink = NULL;
    int rc = EXIT_USAGE;
    /* A closed stdout or socket is an error return we report, not a way to die. */
    signal(SIGPIPE, SIG_IGN);
    if (options_parse(argc, argv, &o) < 0)
        goto out;
    switch (o.action) {
    case OPTIONS_HELP: options_usage(stdout); rc = EXIT_OK; goto out;
    case OPTIONS_VERSION:
        version_print(stdout, o.rules_dirs, o.nrules_dirs, &o.pc);
        rc = EXIT_OK;
        goto out;
    case OPTIONS_CHECK_RULES:
        rc = rulecheck_layers(o.check_dir ? &o.check_dir : o.rules_dirs,
                              o.check_dir ? 1 : o.nrules_dirs, o.ro.profile_path, stdout) == 0
                 ? EXIT_OK : EXIT_USAGE;
        goto out;
    case OPTIONS_DRAFT:
        if (draftcmd_run(&o.draft, stdout, err, sizeof err) == 0) {
            rc = EXIT_OK;
        } else {
            fprintf(stderr, "leakwatch: %s\n", err);
            rc = EXIT_INPUT;
        }
        goto out;
    case OPTIONS_RUN: break;
    }
    /* The workers' nDPI modules are made while the rules load (classify.h). */
    classify_prewarm(o.pc.workers);
    o.sc.on_error = on_sink_error;
    o.sc.on_stdout_closed = on_stdout_closed;
    if ((o.nifaces && live_open(&o.lo, &live, err, sizeof err) < 0) ||
        ((o.nifaces || o.user) && privileges_drop(o.user, o.allow_root, err, sizeof err) < 0) ||
        ruleset_load(&o.ro, &rules, err, sizeof err) < 0 ||
        sink_open(&o.sc, &sink, err, sizeof err) < 0) {
        fprintf(stderr, "leakwatch: %s\n", err);
        goto out;
    }
    rc = run(&o, live, rules, sink);
out:
    sink_free(sink);
    ruleset_free(rules);
    live_free(live);
    options_free(&o);
    return rc;
}
