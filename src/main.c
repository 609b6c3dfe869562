/* main.c - the leakwatch command line: parse options, open the sink, run the
 * pipeline, map what happened to the exit status. The only place that exits. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/flow.h"
#include "rules/rulecheck.h"
#include "sinks/sink.h"
#include "src/lwerr.h"
#include "src/pipeline.h"
#include "src/ruleset.h"

#ifndef LW_RULES_DIR
#define LW_RULES_DIR "rules"
#endif

#define LW_VERSION "0.1.0"

enum exit_code {
    EXIT_OK = 0,
    EXIT_USAGE = 1,    /* bad command line or configuration: nothing was done */
    EXIT_INPUT = 2,    /* some input could not be read (message names file and packet) */
    EXIT_SINK = 3,     /* an output target was lost; see the message for what was kept */
};

static void usage(FILE *o)
{
    fprintf(o,
"Usage: leakwatch -r FILE [-r FILE ...] [options] [BPF filter expression]\n"
"       leakwatch --check-rules [DIR]\n"
"\n"
"leakwatch reads network captures of phones and IoT devices under test, follows\n"
"every flow (TCP reassembled per direction), classifies it with nDPI and writes\n"
"finds the identifiers of the devices under test (IMEI, OAID, MAC, ...) in every\n"
"form SDKs send them, attributes each to the third-party SDK that received it and\n"
"judges it against the app's privacy policy. Events are JSON lines: privacy_leak,\n"
"sdk_contact, one flow event per finished flow, then a stats record.\n"
"\n"
"Input:\n"
"  -r, --read FILE        read a pcap or pcapng capture; repeat for several files,\n"
"                         read in the order given as one capture\n"
"  -i, --interface IFACE  live capture (not available yet)\n"
"  BPF filter expression  trailing arguments, as tcpdump takes them\n"
"                         (e.g. 'tcp port 80 or udp port 53')\n"
"\n"
"Output:\n"
"  -o, --output FILE      write JSON lines to FILE instead of stdout\n"
"      --redis URL        send events to a Redis stream: redis://[user:pass@]host:port/db\n"
"                         or a unix socket path\n"
"      --redis-key KEY    stream key (default leakwatch:events)\n"
"  -q, --quiet            no progress line on stderr\n"
"\n"
"Detection:\n"
"      --profile FILE     lab profile (YAML): devices, addresses, true identifiers\n"
"      --rules DIR        ontology.yaml, sdks/, policies/ (default " LW_RULES_DIR ")\n"
"      --min-confidence X report generic (unprofiled) identifiers only at or above\n"
"                         confidence X, 0..1 (default 0.5: a validated value behind\n"
"                         a telling key name; bare shapes score lower)\n"
"      --evidence MODE    'redacted' (default) or 'raw' evidence in findings\n"
"\n"
"Processing:\n"
"  -t, --threads N        worker threads (default: number of cores)\n"
"      --max-flows N      flows tracked at once, all workers together (default\n"
"                         1000000); when full the longest-idle flow is ended\n"
"                         (reason \"evicted\") and counted\n"
"      --flow-timeout S   end a flow after S seconds without packets (default 120),\n"
"                         measured in packet time when reading files\n"
"      --close-timeout S  end a TCP flow S seconds after FIN both ways or RST\n"
"                         (default 5)\n"
"\n"
"Other:\n"
"      --check-rules [DIR] validate the rule files in DIR (default: rules/)\n"
"  -h, --help             this text\n"
"  -V, --version          version, library versions and per-flow memory cost\n"
"\n"
"Exit status: 0 success; 1 bad command line or configuration; 2 some input could\n"
"not be read to its end (everything before the damage was processed and written);\n"
"3 an output target failed.\n");
}

static int parse_ull(const char *opt, const char *s, unsigned long long min,
                     unsigned long long max, unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || v < min || v > max) {
        fprintf(stderr, "leakwatch: %s: '%s' is not a number between %llu and %llu\n", opt, s,
                min, max);
        return -1;
    }
    *out = v;
    return 0;
}

/* SIGHUP reopens -o FILE (logrotate). The handler only sets the sink's flag. */
static sink_t *hup_sink;
static void on_hup(int sig)
{
    (void)sig;
    if (hup_sink)
        sink_request_reopen(hup_sink);
}

/* The sink thread reports lost and recovered targets here. */
static void on_sink_error(void *ud, const char *msg)
{
    (void)ud;
    fprintf(stderr, "leakwatch: %s\n", msg);
}

static void version(void)
{
    printf("leakwatch %s\n", LW_VERSION);
    printf("memory per flow: %zu bytes in the flow table, plus nDPI state while it "
           "classifies and reassembly chunks while segments wait\n",
           sizeof(struct flow));
}

int main(int argc, char **argv)
{
    enum { OPT_REDIS = 256, OPT_REDIS_KEY, OPT_MAX_FLOWS, OPT_FLOW_TIMEOUT,
           OPT_CLOSE_TIMEOUT, OPT_CHECK_RULES, OPT_PROFILE, OPT_RULES, OPT_MIN_CONF,
           OPT_EVIDENCE };
    static const struct option opts[] = {
        {"read", required_argument, NULL, 'r'},
        {"interface", required_argument, NULL, 'i'},
        {"output", required_argument, NULL, 'o'},
        {"threads", required_argument, NULL, 't'},
        {"quiet", no_argument, NULL, 'q'},
        {"redis", required_argument, NULL, OPT_REDIS},
        {"redis-key", required_argument, NULL, OPT_REDIS_KEY},
        {"max-flows", required_argument, NULL, OPT_MAX_FLOWS},
        {"flow-timeout", required_argument, NULL, OPT_FLOW_TIMEOUT},
        {"close-timeout", required_argument, NULL, OPT_CLOSE_TIMEOUT},
        {"check-rules", optional_argument, NULL, OPT_CHECK_RULES},
        {"profile", required_argument, NULL, OPT_PROFILE},
        {"rules", required_argument, NULL, OPT_RULES},
        {"min-confidence", required_argument, NULL, OPT_MIN_CONF},
        {"evidence", required_argument, NULL, OPT_EVIDENCE},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    struct pipeline_config pc;
    pipeline_defaults(&pc);
    struct sink_config sc;
    memset(&sc, 0, sizeof sc);
    sc.on_error = on_sink_error;
    /* A closed stdout or socket is an error return we report, not a way to die. */
    signal(SIGPIPE, SIG_IGN);
    const char **files = calloc((size_t)argc, sizeof *files);
    char *filter = NULL;
    int nfiles = 0, rc = EXIT_USAGE, c;
    unsigned long long v;
    sink_t *sink = NULL;
    struct ruleset *rules = NULL;
    struct ruleset_options ro = {.rules_dir = LW_RULES_DIR, .min_confidence = 0.5};
    char *end;
    if (!files)
        return EXIT_USAGE;
    /* '+' : stop at the first non-option, which starts the filter expression. */
    while ((c = getopt_long(argc, argv, "+r:i:o:t:qhV", opts, NULL)) != -1) {
        switch (c) {
        case 'r': files[nfiles++] = optarg; break;
        case 'i':
            fprintf(stderr, "leakwatch: -i: live capture is not available in this version; "
                            "use -r with a capture file\n");
            goto out;
        case 'o': sc.out_path = optarg; break;
        case 't':
            if (parse_ull("-t", optarg, 1, 256, &v))
                goto out;
            pc.workers = (int)v;
            break;
        case 'q': pc.quiet = 1; break;
        case OPT_REDIS: sc.redis_url = optarg; break;
        case OPT_REDIS_KEY: sc.redis_key = optarg; break;
        case OPT_MAX_FLOWS:
            if (parse_ull("--max-flows", optarg, 1, 1ull << 32, &v))
                goto out;
            pc.max_flows = (size_t)v;
            break;
        case OPT_FLOW_TIMEOUT:
            if (parse_ull("--flow-timeout", optarg, 1, 86400 * 7, &v))
                goto out;
            pc.idle_timeout_us = v * 1000000u;
            break;
        case OPT_CLOSE_TIMEOUT:
            if (parse_ull("--close-timeout", optarg, 0, 86400, &v))
                goto out;
            pc.close_timeout_us = v * 1000000u;
            break;
        case OPT_CHECK_RULES: {
            /* An optional argument must be attached (--check-rules=DIR), but a user
             * writes it separated: take a following non-option word too. */
            const char *dir = optarg;
            if (!dir && optind < argc && argv[optind][0] != '-')
                dir = argv[optind++];
            int n = rulecheck_dir(dir ? dir : LW_RULES_DIR, stdout);
            rc = n == 0 ? EXIT_OK : EXIT_USAGE;
            goto out;
        }
        case OPT_PROFILE: ro.profile_path = optarg; break;
        case OPT_RULES: ro.rules_dir = optarg; break;
        case OPT_MIN_CONF:
            ro.min_confidence = strtod(optarg, &end);
            if (end == optarg || *end || ro.min_confidence < 0 || ro.min_confidence > 1) {
                fprintf(stderr, "leakwatch: --min-confidence: '%s' is not a number in 0..1\n",
                        optarg);
                goto out;
            }
            break;
        case OPT_EVIDENCE:
            if (strcmp(optarg, "raw") && strcmp(optarg, "redacted")) {
                fprintf(stderr, "leakwatch: --evidence: '%s' is neither 'raw' nor 'redacted'\n",
                        optarg);
                goto out;
            }
            ro.raw_evidence = !strcmp(optarg, "raw");
            break;
        case 'h': usage(stdout); rc = EXIT_OK; goto out;
        case 'V': version(); rc = EXIT_OK; goto out;
        default:
            fprintf(stderr, "Try 'leakwatch --help'.\n");
            goto out;
        }
    }
    if (!nfiles) {
        fprintf(stderr, "leakwatch: nothing to read: give -r FILE (see --help)\n");
        goto out;
    }
    if (optind < argc) {
        size_t n = 1;
        for (int i = optind; i < argc; i++)
            n += strlen(argv[i]) + 1;
        if (!(filter = calloc(1, n)))
            goto out;
        for (int i = optind; i < argc; i++) {
            if (i > optind)
                strcat(filter, " ");
            strcat(filter, argv[i]);
        }
    }
    char err[LW_ERRBUF];
    int r = ruleset_load(&ro, &rules, err, sizeof err);
    if (r < 0) {
        fprintf(stderr, "leakwatch: %s\n", err);
        goto out;
    }
    r = sink_open(&sc, &sink, err, sizeof err);
    if (r < 0) {
        fprintf(stderr, "leakwatch: %s\n", err);
        goto out;
    }
    hup_sink = sink;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_hup;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGHUP, &sa, NULL);
    pc.files = files;
    pc.nfiles = nfiles;
    pc.filter = filter;
    pc.sink = sink;
    pc.rules = rules;
    struct pipeline_result res;
    r = pipeline_run(&pc, &res, err, sizeof err);
    if (r < 0) {
        fprintf(stderr, "leakwatch: %s\n", err);
        rc = EXIT_USAGE;
    } else {
        rc = res.input_errors ? EXIT_INPUT : EXIT_OK;
    }
    struct sink_stats ss;
    if (sink_close(sink, &ss, err, sizeof err) < 0) {
        fprintf(stderr, "leakwatch: %s\n", err);
        if (rc == EXIT_OK)
            rc = EXIT_SINK;
    }
out:
    hup_sink = NULL;
    sink_free(sink);
    ruleset_free(rules);
    free(filter);
    free(files);
    return rc;
}
