/* options.c - see options.h. Every option is in opts[] and the usage text; each
 * group's values are checked where they are parsed, with the option's name in the
 * message. */
#include "cli/options.h"

#include <errno.h>
#include <getopt.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "cli/paths.h"
#include "engine/event.h"

enum {
    OPT_REDIS = 256, OPT_REDIS_KEY, OPT_REDIS_MAXLEN, OPT_SPOOL, OPT_SPOOL_MAX, OPT_MAX_FLOWS,
    OPT_FLOW_TIMEOUT, OPT_CLOSE_TIMEOUT, OPT_CHECK_RULES, OPT_PROFILE, OPT_RULES, OPT_MIN_CONF,
    OPT_EVIDENCE, OPT_SNAPLEN, OPT_BUFFER, OPT_NO_PROMISC, OPT_USER, OPT_ALLOW_ROOT,
    OPT_STATS_INTERVAL, OPT_KEYLOG, OPT_MEMCAP, OPT_TRUNCATE, OPT_DRAFT_POLICY, OPT_DRAFT_ID,
    OPT_DRAFT_AGAINST, OPT_NO_CACHE, OPT_INSPECT, OPT_EVENTS,
};

static const struct option opts[] = {
    {"read", required_argument, NULL, 'r'},
    {"interface", required_argument, NULL, 'i'},
    {"output", required_argument, NULL, 'o'},
    {"truncate", no_argument, NULL, OPT_TRUNCATE},
    {"threads", required_argument, NULL, 't'},
    {"quiet", no_argument, NULL, 'q'},
    {"redis", required_argument, NULL, OPT_REDIS},
    {"redis-key", required_argument, NULL, OPT_REDIS_KEY},
    {"redis-maxlen", required_argument, NULL, OPT_REDIS_MAXLEN},
    {"spool", required_argument, NULL, OPT_SPOOL},
    {"spool-max", required_argument, NULL, OPT_SPOOL_MAX},
    {"max-flows", required_argument, NULL, OPT_MAX_FLOWS},
    {"memcap", required_argument, NULL, OPT_MEMCAP},
    {"flow-timeout", required_argument, NULL, OPT_FLOW_TIMEOUT},
    {"close-timeout", required_argument, NULL, OPT_CLOSE_TIMEOUT},
    {"check-rules", optional_argument, NULL, OPT_CHECK_RULES},
    {"profile", required_argument, NULL, OPT_PROFILE},
    {"rules", required_argument, NULL, OPT_RULES},
    {"min-confidence", required_argument, NULL, OPT_MIN_CONF},
    {"evidence", required_argument, NULL, OPT_EVIDENCE},
    {"no-cache", no_argument, NULL, OPT_NO_CACHE},
    {"inspect", required_argument, NULL, OPT_INSPECT},
    {"snaplen", required_argument, NULL, OPT_SNAPLEN},
    {"buffer-size", required_argument, NULL, OPT_BUFFER},
    {"no-promisc", no_argument, NULL, OPT_NO_PROMISC},
    {"user", required_argument, NULL, OPT_USER},
    {"allow-root", no_argument, NULL, OPT_ALLOW_ROOT},
    {"stats-interval", required_argument, NULL, OPT_STATS_INTERVAL},
    {"events", required_argument, NULL, OPT_EVENTS},
    {"keylog", required_argument, NULL, OPT_KEYLOG},
    {"draft-policy", required_argument, NULL, OPT_DRAFT_POLICY},
    {"id", required_argument, NULL, OPT_DRAFT_ID},
    {"against", required_argument, NULL, OPT_DRAFT_AGAINST},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

void options_usage(FILE *o)
{
    char def[4096];
    const char *env = getenv("LEAKWATCH_RULES");
    paths_rules_default(def, sizeof def);
    fprintf(o,
"Usage: leakwatch -r FILE [-r FILE ...] [options] [BPF filter expression]\n"
"       leakwatch -i IFACE [-i IFACE ...] --user NAME [options] [BPF filter]\n"
"       leakwatch --check-rules [DIR]\n"
"       leakwatch --draft-policy FILE [--rules DIR] [--id ID] [--against YAML]\n"
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
"                         read in the order given as one capture. FILE may be -\n"
"                         (standard input) or a pipe: -r <(tcpdump -w - ...)\n"
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
"  -c N                   stop after N packets (tcpdump's -c)\n"
"  -F FILE                read the BPF filter expression from FILE (tcpdump's -F;\n"
"                         a filter on the command line is then ignored)\n"
"  -n                     accepted for tcpdump habits; leakwatch resolves no names\n"
"  BPF filter expression  trailing arguments, as tcpdump takes them\n"
"                         (e.g. 'tcp port 80 or udp port 53')\n"
"\n"
"Output:\n"
"  -o, --output FILE      append JSON lines to FILE instead of writing to stdout\n"
"                         (an existing FILE is kept and added to)\n"
"      --truncate         empty the -o FILE first instead of appending\n"
"      --redis URL        send events to a Redis stream: redis://[user:pass@]host:port/db\n"
"                         or a unix socket path\n"
"      --redis-key KEY    stream key (default leakwatch:events)\n"
"      --redis-maxlen N   trim the stream to about N entries (XADD MAXLEN ~ N;\n"
"                         default 1000000, 0 = never trim)\n"
"      --spool FILE       where events wait while Redis is unreachable, replayed in\n"
"                         order when it is back, also by the next run (default, per\n"
"                         user: $XDG_STATE_HOME/leakwatch/spool.jsonl, else\n"
"                         ~/.local/state/leakwatch/spool.jsonl; the directory is\n"
"                         made with mode 0700)\n"
"      --spool-max MIB    spool size limit (default 256); past it events are lost,\n"
"                         counted and reported (exit 3)\n"
"  -w FILE                also write the packets read (after the filter) to FILE,\n"
"                         a pcap (tcpdump's -w): live, the capture behind the events\n"
"  -q, --quiet            no progress line on stderr, and no closing summary (which\n"
"                         a terminal gets: packets, flows, findings by verdict, time)\n"
"      --stats-interval S a stats event every S seconds while running (default 0:\n"
"                         one at the end); it has packets, kernel drops per\n"
"                         interface, flows, findings, queue bytes per worker\n"
"      --events LIST      write only these event types, comma-separated: privacy_leak,\n"
"                         sdk_contact, flow, stats, reload (default all); the others\n"
"                         are not built at all (detection and stats counters still\n"
"                         count them)\n"
"\n"
"Detection:\n"
"      --profile FILE     lab profile (YAML): devices, addresses, true identifiers\n"
"      --rules DIR        rule data: ontology.yaml, sdks/, policies/. Repeat to\n"
"                         layer directories: a later one adds files and replaces\n"
"                         those of the same name (a policy: also of the same id; the\n"
"                         ontology whole), so your own policies and SDKs go over\n"
"                         the shipped ones without a copy.\n"
"                         Without --rules: $LEAKWATCH_RULES (DIR:DIR...%s%s%s),\n"
"                         else the shipped data, here %s\n"
"      --min-confidence X report generic (unprofiled) identifiers only at or above\n"
"                         confidence X, 0..1 (default 0.5: a validated value behind\n"
"                         a telling key name; bare shapes score lower)\n"
"      --evidence MODE    'redacted' (default) or 'raw' evidence in findings\n"
"      --inspect WHAT     'out' (default): scan what the devices send; of what is\n"
"                         sent to them only handshakes, DNS answers and HTTP\n"
"                         headers are parsed (for names and decryption), bodies\n"
"                         are skipped. 'both': scan both directions alike (slower;\n"
"                         also finds identifiers servers send back). The device is\n"
"                         the profile device, else the client of each flow\n"
"      --no-cache         compile the rules' Hyperscan databases and parse the SDK\n"
"                         catalogue afresh; by default both are kept in\n"
"                         $XDG_CACHE_HOME/leakwatch (~/.cache/...)\n"
"\n"
"Processing:\n"
"  -t, --threads N        worker threads (default: number of cores)\n"
"      --max-flows N      flows tracked at once, all workers together (default\n"
"                         1000000); when full the longest-idle flow is ended\n"
"                         (reason \"evicted\") and counted\n"
"      --memcap MIB       one memory budget for flows, reassembly, HTTP bodies and\n"
"                         decompression, TLS records waiting for keys, key logs,\n"
"                         the DNS map (default: a quarter of physical memory); when\n"
"                         spent, longest-idle flows end and bodies stop buffering\n"
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
"findings and the final stats event and exit; a replay (-r) cut short that way\n"
"says \"interrupted\":true in the stats and exits 130 (SIGINT) or 143 (SIGTERM).\n"
"\n"
"Other:\n"
"      --check-rules [DIR] validate the rule files in DIR (default: the --rules\n"
"                         layers), and with --profile the profile against them\n"
"      --draft-policy FILE draft a policy declarations file (YAML, on stdout) from\n"
"                         a privacy policy's text or HTML page; --id ID names it;\n"
"                         --against YAML prints what changed since that declared\n"
"                         file instead (docs/draft.md)\n"
"  -h, --help             this text\n"
"  -V, --version          versions: leakwatch, libraries (Hyperscan with the CPU\n"
"                         features it uses), rule data; per-flow memory cost\n"
"\n"
"Exit status: 0 success; 1 bad command line or configuration; 2 some input could\n"
"not be read to its end (everything before the damage was processed and written);\n"
"3 an output target failed; 130/143 a replay stopped by SIGINT/SIGTERM. A reader\n"
"that closes our stdout (leakwatch ... | head) is no failure: exit 0.\n", env ? ", now " : "", env ? env : "", env ? "" : ", unset", def);
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
    if (c == OPT_SNAPLEN || c == OPT_BUFFER || c == OPT_NO_PROMISC)
        o->live_only_given = 1;
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
    case 'c':
        if (parse_ull("-c", arg, 1, 1ull << 62, &v))
            return -1;
        o->pc.max_packets = v;
        return 0;
    case 'n': return 0; /* tcpdump's "do not resolve names": leakwatch never does */
    case 'F': o->filter_file = arg; return 0;
    case OPT_USER: o->user = arg; return 0;
    case OPT_ALLOW_ROOT: o->allow_root = 1; return 0;
    default: return 1;
    }
}

/* Output options. 1 when c is not one of them. */
static int parse_output(struct options *o, int c, const char *arg)
{
    unsigned long long v;
    if (c == OPT_REDIS_KEY || c == OPT_REDIS_MAXLEN || c == OPT_SPOOL || c == OPT_SPOOL_MAX)
        o->redis_only_given = 1;
    switch (c) {
    case 'o': o->sc.out_path = arg; return 0;
    case 'w': o->pc.write_path = arg; return 0;
    case OPT_TRUNCATE: o->sc.out_truncate = 1; return 0;
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
    case OPT_EVENTS: {
        char err[256];
        if (event_types_parse(arg, &o->pc.event_types, err, sizeof err) < 0) {
            fprintf(stderr, "leakwatch: %s\n", err);
            return -1;
        }
        return 0;
    }
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
    case OPT_RULES: o->rules_dirs[o->nrules_dirs++] = arg; return 0;
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
    case OPT_INSPECT:
        if (strcmp(arg, "out") && strcmp(arg, "both")) {
            fprintf(stderr, "leakwatch: --inspect: '%s' is neither 'out' nor 'both'\n", arg);
            return -1;
        }
        o->pc.inspect_both = !strcmp(arg, "both");
        return 0;
    case OPT_NO_CACHE:
        o->ro.no_cache = 1;
        /* The catalogue's host-pattern database reads this variable (rules/hostpat.c). */
        setenv("LEAKWATCH_NO_CACHE", "1", 1);
        return 0;
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
    case OPT_MEMCAP:
        if (parse_ull("--memcap", arg, 16, 1ull << 30, &v))
            return -1;
        o->pc.memcap_bytes = (size_t)(v << 20);
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

/* Options that change nothing in this run: accepted (a script may pass them always),
 * but said, so nobody believes they did something. */
static void warn_idle(const struct options *o)
{
    if (o->live_only_given && !o->nifaces)
        fprintf(stderr, "leakwatch: warning: --snaplen, --buffer-size and --no-promisc "
                        "apply to live capture (-i) only; ignored with -r\n");
    if (o->redis_only_given && !o->sc.redis_url)
        fprintf(stderr, "leakwatch: warning: --redis-key, --redis-maxlen, --spool and "
                        "--spool-max apply to --redis only; ignored without it\n");
}

/* --redis without --spool: the per-user spool, so users do not share one file. */
static int set_spool(struct options *o)
{
    char err[512];
    if (!o->sc.redis_url || o->sc.spool_path)
        return 0;
    if (!paths_spool_default(o->spool_default, sizeof o->spool_default, err, sizeof err)) {
        fprintf(stderr, "leakwatch: spool: %s\n", err);
        return -1;
    }
    o->sc.spool_path = o->spool_default;
    return 0;
}

/* -F FILE: the filter expression is the file's text, lines joined by spaces. */
static int read_filter(struct options *o)
{
    FILE *f = fopen(o->filter_file, "r");
    size_t n = 0, cap = 0;
    int ch;
    if (!f) {
        fprintf(stderr, "leakwatch: -F %s: %s\n", o->filter_file, strerror(errno));
        return -1;
    }
    while ((ch = getc(f)) != EOF) {
        if (n + 2 > cap) {
            char *nb = realloc(o->filter, cap = cap ? cap * 2 : 256);
            if (!nb) {
                fclose(f);
                fprintf(stderr, "leakwatch: out of memory\n");
                return -1;
            }
            o->filter = nb;
        }
        o->filter[n++] = ch == '\n' || ch == '\r' || ch == '\t' ? ' ' : (char)ch;
    }
    fclose(f);
    if (o->filter)
        o->filter[n] = 0;
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

/* The rules layers when no --rules was given: $LEAKWATCH_RULES, else the shipped data. */
static int set_rules(struct options *o)
{
    const char *env = getenv("LEAKWATCH_RULES");
    if (!o->nrules_dirs && env && *env) {
        if (!(o->rules_env = strdup(env))) {
            fprintf(stderr, "leakwatch: out of memory\n");
            return -1;
        }
        for (char *save = NULL, *d = strtok_r(o->rules_env, ":", &save); d;
             d = strtok_r(NULL, ":", &save))
            o->rules_dirs[o->nrules_dirs++] = d;
    }
    if (!o->nrules_dirs)
        o->rules_dirs[o->nrules_dirs++] =
            paths_rules_default(o->rules_default, sizeof o->rules_default);
    o->ro.rules_dirs = o->rules_dirs;
    o->ro.nrules_dirs = o->nrules_dirs;
    return 0;
}

static int options_init(int argc, struct options *o)
{
    memset(o, 0, sizeof *o);
    pipeline_defaults(&o->pc);
    live_defaults(&o->lo);
    o->ro.min_confidence = 0.5;
    o->files = calloc((size_t)argc, sizeof *o->files);
    o->ifaces = calloc((size_t)argc, sizeof *o->ifaces);
    o->keylogs = calloc((size_t)argc, sizeof *o->keylogs);
    /* Room for every --rules or every $LEAKWATCH_RULES element, whichever is used. */
    const char *env = getenv("LEAKWATCH_RULES");
    size_t nenv = 1;
    for (const char *p = env; p && *p; p++)
        nenv += *p == ':';
    o->rules_dirs = calloc((size_t)argc + nenv, sizeof *o->rules_dirs);
    if (!o->files || !o->ifaces || !o->keylogs || !o->rules_dirs) {
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
    while ((c = getopt_long(argc, argv, "+r:i:o:t:c:nF:w:qhV", opts, NULL)) != -1) {
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
            /* Go on: --rules and --profile may follow. */
            o->action = OPTIONS_CHECK_RULES;
            continue;
        case OPT_DRAFT_POLICY: o->draft.file = optarg; o->action = OPTIONS_DRAFT; break;
        case OPT_DRAFT_ID: o->draft.id = optarg; break;
        case OPT_DRAFT_AGAINST: o->draft.against = optarg; break;
        case 'h': o->action = OPTIONS_HELP; return 0;
        case 'V': o->action = OPTIONS_VERSION; continue; /* --rules may follow */
        default: fprintf(stderr, "Try 'leakwatch --help'.\n"); return -1;
        }
    }
    if (set_rules(o) < 0)
        return -1;
    if (o->action == OPTIONS_DRAFT) {
        /* The draft reads one rules directory: the first layer (the shipped data
         * unless --rules or $LEAKWATCH_RULES name others). */
        o->draft.rules_dir = o->rules_dirs[0];
        return 0;
    }
    if (o->draft.id || o->draft.against) {
        fprintf(stderr, "leakwatch: --id and --against go with --draft-policy FILE\n");
        return -1;
    }
    if (o->action == OPTIONS_CHECK_RULES || o->action == OPTIONS_VERSION)
        return 0;
    if (check_run(o) < 0 || set_spool(o) < 0)
        return -1;
    if (o->filter_file) {
        if (optind < argc)
            fprintf(stderr, "leakwatch: warning: -F %s given: the filter on the command "
                            "line is ignored\n", o->filter_file);
        if (read_filter(o) < 0)
            return -1;
    } else if (optind < argc && join_filter(o, optind, argc, argv) < 0) {
        return -1;
    }
    o->pc.summary = !o->pc.quiet && isatty(STDERR_FILENO);
    warn_idle(o);
    o->pc.files = o->files;
    o->pc.nfiles = o->nfiles;
    o->pc.keylogs = o->keylogs;
    o->pc.nkeylogs = o->nkeylogs;
    o->pc.filter = o->filter;
    o->lo.ifaces = o->ifaces;
    o->lo.nifaces = o->nifaces;
    o->pc.ifaces = o->ifaces;
    o->pc.nifaces = o->nifaces;
    o->lo.filter = o->filter;
    return 0;
}

void options_free(struct options *o)
{
    free(o->filter);
    free(o->files);
    free(o->ifaces);
    free(o->keylogs);
    free(o->rules_dirs);
    free(o->rules_env);
}
