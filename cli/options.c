/* options.c - see options.h. Every option is in opts[] and the usage text; each
 * group's values are checked where they are parsed, with the option's name in the
 * message. */
#include "cli/options.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

enum {
    OPT_REDIS = 256, OPT_REDIS_KEY, OPT_REDIS_MAXLEN, OPT_SPOOL, OPT_SPOOL_MAX, OPT_MAX_FLOWS,
    OPT_FLOW_TIMEOUT, OPT_CLOSE_TIMEOUT, OPT_CHECK_RULES, OPT_PROFILE, OPT_RULES, OPT_MIN_CONF,
    OPT_EVIDENCE, OPT_SNAPLEN, OPT_BUFFER, OPT_NO_PROMISC, OPT_USER, OPT_ALLOW_ROOT,
    OPT_STATS_INTERVAL, OPT_KEYLOG, OPT_NO_CACHE,
};

static const struct option opts[] = {
    {"read", required_argument, NULL, 'r'},
    {"interface", required_argument, NULL, 'i'},
    {"output", required_argument, NULL, 'o'},
    {"threads", required_argument, NULL, 't'},
    {"quiet", no_argument, NULL, 'q'},
    {"redis", required_argument, NULL, OPT_REDIS},
    {"redis-key", required_argument, NULL, OPT_REDIS_KEY},
    {"redis-maxlen", required_argument, NULL, OPT_REDIS_MAXLEN},
    {"spool", required_argument, NULL, OPT_SPOOL},
    {"spool-max", required_argument, NULL, OPT_SPOOL_MAX},
    {"max-flows", required_argument, NULL, OPT_MAX_FLOWS},
    {"flow-timeout", required_argument, NULL, OPT_FLOW_TIMEOUT},
    {"close-timeout", required_argument, NULL, OPT_CLOSE_TIMEOUT},
    {"check-rules", optional_argument, NULL, OPT_CHECK_RULES},
    {"profile", required_argument, NULL, OPT_PROFILE},
    {"rules", required_argument, NULL, OPT_RULES},
    {"min-confidence", required_argument, NULL, OPT_MIN_CONF},
    {"evidence", required_argument, NULL, OPT_EVIDENCE},
    {"no-cache", no_argument, NULL, OPT_NO_CACHE},
    {"snaplen", required_argument, NULL, OPT_SNAPLEN},
    {"buffer-size", required_argument, NULL, OPT_BUFFER},
    {"no-promisc", no_argument, NULL, OPT_NO_PROMISC},
    {"user", required_argument, NULL, OPT_USER},
    {"allow-root", no_argument, NULL, OPT_ALLOW_ROOT},
    {"stats-interval", required_argument, NULL, OPT_STATS_INTERVAL},
    {"keylog", required_argument, NULL, OPT_KEYLOG},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

void options_usage(FILE *o)
{
    fprintf(o,
"Usage: leakwatch -r FILE [-r FILE ...] [options] [BPF filter expression]\n"
"       leakwatch -i IFACE [-i IFACE ...] --user NAME [options] [BPF filter]\n"
"       leakwatch --check-rules [DIR]\n"
"\n"
"leakwatch reads network captures of phones and IoT devices under test, follows\n"
"every flow (TCP reassembled per direction) and classifies it with nDPI. It finds\n"
"the identifiers of the devices under test (IMEI, OAID, MAC, ...) in every form\n"
"SDKs send them, attributes each to the third-party SDK that received it and\n"
"judges it against the app's privacy policy. Events are JSON lines: privacy_leak,\n"
"sdk_contact, one flow event per finished flow, then a stats record.\n"
"\n"
"Input:\n"
"  -r, --read FILE        read a pcap or pcapng capture; repeat for several files,\n"
"                         read in the order given as one capture\n"
"  -i, --interface IFACE  live capture on IFACE (repeat for several); needs root or\n"
"                         CAP_NET_RAW to start, see --user. Idle timeouts then run\n"
"                         by the wall clock; SIGINT/SIGTERM end every open flow\n"
"                         (findings written, reason \"shutdown\") and exit 0\n"
"      --snaplen N        bytes kept per live packet (default 65535)\n"
"      --buffer-size MIB  kernel capture ring per interface (default 64)\n"
"      --no-promisc       do not put the interfaces in promiscuous mode\n"
"      --user NAME        once the capture is open, switch to user NAME (and its\n"
"                         group) and keep no capability\n"
"      --allow-root       keep running as root after start-up (without it, -i as\n"
"                         root and no --user is refused)\n"
"      --keylog FILE      NSS key log (SSLKEYLOGFILE) for TLS decryption; repeat\n"
"                         for several; followed while live (appended keys are read);\n"
"                         pcapng inputs' Decryption Secrets Blocks are used too\n"
"  BPF filter expression  trailing arguments, as tcpdump takes them\n"
"                         (e.g. 'tcp port 80 or udp port 53')\n"
"\n"
"Output:\n"
"  -o, --output FILE      write JSON lines to FILE instead of stdout\n"
"      --redis URL        send events to a Redis stream: redis://[user:pass@]host:port/db\n"
"                         or a unix socket path\n"
"      --redis-key KEY    stream key (default leakwatch:events)\n"
"      --redis-maxlen N   trim the stream to about N entries (XADD MAXLEN ~ N;\n"
"                         default 1000000, 0 = never trim)\n"
"      --spool FILE       where events wait while Redis is unreachable, replayed in\n"
"                         order when it is back, also by the next run (default\n"
"                         /var/tmp/leakwatch-spool.jsonl)\n"
"      --spool-max MIB    spool size limit (default 256); past it events are lost,\n"
"                         counted and reported (exit 3)\n"
"  -q, --quiet            no progress line on stderr\n"
"      --stats-interval S a stats event every S seconds while running (default 0:\n"
"                         one at the end); it has packets, kernel drops per\n"
"                         interface, flows, findings, queue bytes per worker\n"
"\n"
"Detection:\n"
"      --profile FILE     lab profile (YAML): devices, addresses, true identifiers\n"
"      --rules DIR        ontology.yaml, sdks/, policies/ (default " LW_RULES_DIR ")\n"
"      --min-confidence X report generic (unprofiled) identifiers only at or above\n"
"                         confidence X, 0..1 (default 0.5: a validated value behind\n"
"                         a telling key name; bare shapes score lower)\n"
"      --evidence MODE    'redacted' (default) or 'raw' evidence in findings\n"
"      --no-cache         compile the rules' Hyperscan databases afresh; by default\n"
"                         they are kept in $XDG_CACHE_HOME/leakwatch (~/.cache/...)\n"
"\n"
"Processing:\n"
"  -t, --threads N        worker threads (default: number of cores)\n"
"      --max-flows N      flows tracked at once, all workers together (default\n"
"                         1000000); when full the longest-idle flow is ended\n"
"                         (reason \"evicted\") and counted\n"
"      --flow-timeout S   end a flow after S seconds without packets (default 120),\n"
"                         measured in packet time when reading files, by the\n"
"                         wall clock when capturing live\n"
"      --close-timeout S  end a TCP flow S seconds after FIN both ways or RST\n"
"                         (default 5)\n"
"\n"
"Signals: SIGHUP reopens -o FILE and reloads --profile and the --rules directory;\n"
"the new rules are compiled while capture goes on, new flows use them, open flows\n"
"finish with the old ones. A reload that fails keeps the old rules and says why\n"
"(stderr and a \"reload\" event). SIGINT/SIGTERM end every open flow, write its\n"
"findings and the final stats event, and exit as if the input had ended.\n"
"\n"
"Other:\n"
"      --check-rules [DIR] validate the rule files in DIR (default " LW_RULES_DIR ")\n"
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

/* Input and live capture options. 1 when c is not one of them. */
static int parse_input(struct options *o, int c, const char *arg)
{
    unsigned long long v;
    switch (c) {
    case 'r': o->files[o->nfiles++] = arg; return 0;
    case 'i': o->ifaces[o->nifaces++] = arg; return 0;
    case OPT_KEYLOG: o->keylogs[o->nkeylogs++] = arg; return 0;
    case OPT_SNAPLEN:
        if (parse_ull("--snaplen", arg, 64, 262144, &v))
            return -1;
        o->lo.snaplen = (int)v;
        return 0;
    case OPT_BUFFER:
        if (parse_ull("--buffer-size", arg, 1, 1024, &v))
            return -1;
        o->lo.buffer_bytes = (size_t)v << 20;
        return 0;
    case OPT_NO_PROMISC: o->lo.promisc = 0; return 0;
    case OPT_USER: o->user = arg; return 0;
    case OPT_ALLOW_ROOT: o->allow_root = 1; return 0;
    default: return 1;
    }
}

/* Output options. 1 when c is not one of them. */
static int parse_output(struct options *o, int c, const char *arg)
{
    unsigned long long v;
    switch (c) {
    case 'o': o->sc.out_path = arg; return 0;
    case 'q': o->pc.quiet = 1; return 0;
    case OPT_REDIS: o->sc.redis_url = arg; return 0;
    case OPT_REDIS_KEY: o->sc.redis_key = arg; return 0;
    case OPT_REDIS_MAXLEN:
        if (parse_ull("--redis-maxlen", arg, 0, 1ull << 40, &v))
            return -1;
        o->sc.redis_maxlen = v ? (long long)v : -1;
        return 0;
    case OPT_SPOOL: o->sc.spool_path = arg; return 0;
    case OPT_SPOOL_MAX:
        if (parse_ull("--spool-max", arg, 1, 1ull << 20, &v))
            return -1;
        o->sc.spool_max_bytes = (long long)(v << 20);
        return 0;
    case OPT_STATS_INTERVAL:
        if (parse_ull("--stats-interval", arg, 0, 86400, &v))
            return -1;
        o->pc.stats_interval_s = (unsigned)v;
        return 0;
    default: return 1;
    }
}

/* Detection and processing options. 1 when c is not one of them. */
static int parse_processing(struct options *o, int c, const char *arg)
{
    unsigned long long v;
    char *end;
    switch (c) {
    case OPT_PROFILE: o->ro.profile_path = arg; return 0;
    case OPT_RULES: o->ro.rules_dir = arg; return 0;
    case OPT_MIN_CONF:
        o->ro.min_confidence = strtod(arg, &end);
        if (end == arg || *end || o->ro.min_confidence < 0 || o->ro.min_confidence > 1) {
            fprintf(stderr, "leakwatch: --min-confidence: '%s' is not a number in 0..1\n", arg);
            return -1;
        }
        return 0;
    case OPT_EVIDENCE:
        if (strcmp(arg, "raw") && strcmp(arg, "redacted")) {
            fprintf(stderr, "leakwatch: --evidence: '%s' is neither 'raw' nor 'redacted'\n",
                    arg);
            return -1;
        }
        o->ro.raw_evidence = !strcmp(arg, "raw");
        return 0;
    case OPT_NO_CACHE: o->ro.no_cache = 1; return 0;
    case 't':
        if (parse_ull("-t", arg, 1, 256, &v))
            return -1;
        o->pc.workers = (int)v;
        return 0;
    case OPT_MAX_FLOWS:
        if (parse_ull("--max-flows", arg, 1, 1ull << 32, &v))
            return -1;
        o->pc.max_flows = (size_t)v;
        return 0;
    case OPT_FLOW_TIMEOUT:
        if (parse_ull("--flow-timeout", arg, 1, 86400 * 7, &v))
            return -1;
        o->pc.idle_timeout_us = v * 1000000u;
        return 0;
    case OPT_CLOSE_TIMEOUT:
        if (parse_ull("--close-timeout", arg, 0, 86400, &v))
            return -1;
        o->pc.close_timeout_us = v * 1000000u;
        return 0;
    default: return 1;
    }
}

/* The trailing words, joined by spaces: the BPF filter expression, as tcpdump takes it. */
static int join_filter(struct options *o, int first, int argc, char **argv)
{
    size_t n = 1;
    for (int i = first; i < argc; i++)
        n += strlen(argv[i]) + 1;
    if (!(o->filter = calloc(1, n)))
        return -1;
    for (int i = first; i < argc; i++) {
        if (i > first)
            strcat(o->filter, " ");
        strcat(o->filter, argv[i]);
    }
    return 0;
}

/* What is wrong with a run's options as a whole; 0 when nothing. */
static int check_run(const struct options *o)
{
    if (!o->nfiles && !o->nifaces) {
        fprintf(stderr, "leakwatch: nothing to read: give -r FILE or -i IFACE (see --help)\n");
        return -1;
    }
    if (o->nfiles && o->nifaces) {
        fprintf(stderr, "leakwatch: give -r FILE or -i IFACE, not both\n");
        return -1;
    }
    return 0;
}

static int options_init(int argc, struct options *o)
{
    memset(o, 0, sizeof *o);
    pipeline_defaults(&o->pc);
    live_defaults(&o->lo);
    o->ro.rules_dir = LW_RULES_DIR;
    o->ro.min_confidence = 0.5;
    o->files = calloc((size_t)argc, sizeof *o->files);
    o->ifaces = calloc((size_t)argc, sizeof *o->ifaces);
    o->keylogs = calloc((size_t)argc, sizeof *o->keylogs);
    if (!o->files || !o->ifaces || !o->keylogs) {
        fprintf(stderr, "leakwatch: out of memory\n");
        return -1;
    }
    return 0;
}

int options_parse(int argc, char **argv, struct options *o)
{
    int c, r;
    if (options_init(argc, o) < 0)
        return -1;
    /* '+' : stop at the first non-option, which starts the filter expression. */
    while ((c = getopt_long(argc, argv, "+r:i:o:t:qhV", opts, NULL)) != -1) {
        if ((r = parse_input(o, c, optarg)) != 1 || (r = parse_output(o, c, optarg)) != 1 ||
            (r = parse_processing(o, c, optarg)) != 1) {
            if (r < 0)
                return -1;
            continue;
        }
        switch (c) {
        case OPT_CHECK_RULES:
            /* An optional argument must be attached (--check-rules=DIR), but a user
             * writes it separated: take a following non-option word too. */
            o->check_dir = optarg;
            if (!o->check_dir && optind < argc && argv[optind][0] != '-')
                o->check_dir = argv[optind++];
            if (!o->check_dir)
                o->check_dir = LW_RULES_DIR;
            o->action = OPTIONS_CHECK_RULES;
            return 0;
        case 'h': o->action = OPTIONS_HELP; return 0;
        case 'V': o->action = OPTIONS_VERSION; return 0;
        default: fprintf(stderr, "Try 'leakwatch --help'.\n"); return -1;
        }
    }
    if (check_run(o) < 0 || (optind < argc && join_filter(o, optind, argc, argv) < 0))
        return -1;
    o->pc.files = o->files;
    o->pc.nfiles = o->nfiles;
    o->pc.keylogs = o->keylogs;
    o->pc.nkeylogs = o->nkeylogs;
    o->pc.filter = o->filter;
    o->lo.ifaces = o->ifaces;
    o->lo.nifaces = o->nifaces;
    o->lo.filter = o->filter;
    return 0;
}

void options_free(struct options *o)
{
    free(o->filter);
    free(o->files);
    free(o->ifaces);
    free(o->keylogs);
}
