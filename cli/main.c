/* main.c - the leakwatch command line: parse options, open the sink, run the
 * pipeline, map what happened to the exit status. The only place that exits. */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <pwd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "capture/flow.h"
#include "capture/live.h"
#include "rules/rulecheck.h"
#include "sinks/sink.h"
#include "common/lwerr.h"
#include "common/memcap.h"
#include "dissectors/dissect.h"
#include "engine/pipeline.h"
#include "engine/ruleset.h"

#ifndef LW_RULES_DIR
#define LW_RULES_DIR "data"
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
"       leakwatch -i IFACE [-i IFACE ...] --user NAME [options] [BPF filter]\n"
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
"findings and the final stats event, and exit as if the input had ended.\n"
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

/* SIGHUP reopens -o FILE (logrotate) and asks for a rules reload. The handlers
 * only set flags: lock-free atomics, polled by the pipeline's threads. */
static sink_t *hup_sink;
static atomic_int reload_flag, stop_flag;
static void on_hup(int sig)
{
    (void)sig;
    if (hup_sink)
        sink_request_reopen(hup_sink);
    atomic_store(&reload_flag, 1);
}

static void on_stop(int sig)
{
    (void)sig;
    atomic_store(&stop_flag, 1);
}

static int reload_rules(void *ctx, struct ruleset *cur, struct ruleset **out, char *err,
                        size_t errlen)
{
    return ruleset_reload(ctx, cur, out, err, errlen);
}

/* After the capture is open: become user (if given) and give up every capability of
 * this thread, which every thread started later inherits (the sink's and the
 * pipeline's threads start after this). Root stays root only with allow_root. */
static int drop_privileges(const char *user, int allow_root, char *err, size_t errlen)
{
    if (user) {
        struct passwd *pw = getpwnam(user);
        if (!pw) {
            snprintf(err, errlen, "--user %s: no such user", user);
            return -1;
        }
        if (setgroups(1, &pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
            snprintf(err, errlen, "--user %s: cannot switch user: %s", user, strerror(errno));
            return -1;
        }
        if (pw->pw_uid != 0 && setuid(0) == 0) {
            snprintf(err, errlen, "--user %s: could switch back to root; refusing to go on",
                     user);
            return -1;
        }
    }
    if (geteuid() == 0 || getuid() == 0) {
        if (allow_root)
            return 0;
        snprintf(err, errlen, "refusing to keep running as root: give --user NAME (the "
                              "capture is already open), or --allow-root");
        return -1;
    }
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
    memset(d, 0, sizeof d);
    if (syscall(SYS_capset, &h, d) < 0) {
        snprintf(err, errlen, "cannot drop capabilities: %s", strerror(errno));
        return -1;
    }
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    return 0;
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
    printf("memory budget (--memcap): default %zu MiB here; each flow draws its fixed "
           "state (flow, nDPI, matcher streams, dissectors: the stats event's "
           "memory.per_flow_bytes), each open HTTP body up to %u KiB more\n",
           memcap_default() >> 20, DISSECT_BODY_MAX / 1024 + 40);
}

int main(int argc, char **argv)
{
    enum { OPT_REDIS = 256, OPT_REDIS_KEY, OPT_REDIS_MAXLEN, OPT_SPOOL, OPT_SPOOL_MAX, OPT_MAX_FLOWS, OPT_FLOW_TIMEOUT,
           OPT_CLOSE_TIMEOUT, OPT_CHECK_RULES, OPT_PROFILE, OPT_RULES, OPT_MIN_CONF,
           OPT_EVIDENCE, OPT_SNAPLEN, OPT_BUFFER, OPT_NO_PROMISC, OPT_USER, OPT_ALLOW_ROOT,
           OPT_STATS_INTERVAL, OPT_KEYLOG, OPT_MEMCAP };
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
        {"memcap", required_argument, NULL, OPT_MEMCAP},
        {"flow-timeout", required_argument, NULL, OPT_FLOW_TIMEOUT},
        {"close-timeout", required_argument, NULL, OPT_CLOSE_TIMEOUT},
        {"check-rules", optional_argument, NULL, OPT_CHECK_RULES},
        {"profile", required_argument, NULL, OPT_PROFILE},
        {"rules", required_argument, NULL, OPT_RULES},
        {"min-confidence", required_argument, NULL, OPT_MIN_CONF},
        {"evidence", required_argument, NULL, OPT_EVIDENCE},
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
    struct pipeline_config pc;
    pipeline_defaults(&pc);
    struct sink_config sc;
    memset(&sc, 0, sizeof sc);
    sc.on_error = on_sink_error;
    /* A closed stdout or socket is an error return we report, not a way to die. */
    signal(SIGPIPE, SIG_IGN);
    const char **files = calloc((size_t)argc, sizeof *files);
    const char **ifaces = calloc((size_t)argc, sizeof *ifaces);
    const char **keylogs = calloc((size_t)argc, sizeof *keylogs);
    char *filter = NULL;
    int nfiles = 0, nifaces = 0, nkeylogs = 0, rc = EXIT_USAGE, c, allow_root = 0;
    const char *user = NULL;
    struct live_options lo;
    live_defaults(&lo);
    live_t *live = NULL;
    unsigned long long v;
    sink_t *sink = NULL;
    struct ruleset *rules = NULL;
    struct ruleset_options ro = {.rules_dir = LW_RULES_DIR, .min_confidence = 0.5};
    char *end;
    if (!files || !ifaces || !keylogs)
        goto out;
    /* '+' : stop at the first non-option, which starts the filter expression. */
    while ((c = getopt_long(argc, argv, "+r:i:o:t:qhV", opts, NULL)) != -1) {
        switch (c) {
        case 'r': files[nfiles++] = optarg; break;
        case 'i': ifaces[nifaces++] = optarg; break;
        case OPT_SNAPLEN:
            if (parse_ull("--snaplen", optarg, 64, 262144, &v))
                goto out;
            lo.snaplen = (int)v;
            break;
        case OPT_BUFFER:
            if (parse_ull("--buffer-size", optarg, 1, 1024, &v))
                goto out;
            lo.buffer_bytes = (size_t)v << 20;
            break;
        case OPT_NO_PROMISC: lo.promisc = 0; break;
        case OPT_USER: user = optarg; break;
        case OPT_ALLOW_ROOT: allow_root = 1; break;
        case OPT_STATS_INTERVAL:
            if (parse_ull("--stats-interval", optarg, 0, 86400, &v))
                goto out;
            pc.stats_interval_s = (unsigned)v;
            break;
        case OPT_KEYLOG: keylogs[nkeylogs++] = optarg; break;
        case 'o': sc.out_path = optarg; break;
        case 't':
            if (parse_ull("-t", optarg, 1, 256, &v))
                goto out;
            pc.workers = (int)v;
            break;
        case 'q': pc.quiet = 1; break;
        case OPT_REDIS: sc.redis_url = optarg; break;
        case OPT_REDIS_KEY: sc.redis_key = optarg; break;
        case OPT_REDIS_MAXLEN:
            if (parse_ull("--redis-maxlen", optarg, 0, 1ull << 40, &v))
                goto out;
            sc.redis_maxlen = v ? (long long)v : -1;
            break;
        case OPT_SPOOL: sc.spool_path = optarg; break;
        case OPT_SPOOL_MAX:
            if (parse_ull("--spool-max", optarg, 1, 1ull << 20, &v))
                goto out;
            sc.spool_max_bytes = (long long)(v << 20);
            break;
        case OPT_MEMCAP:
            if (parse_ull("--memcap", optarg, 16, 1ull << 30, &v))
                goto out;
            pc.memcap_bytes = (size_t)(v << 20);
            break;
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
    if (!nfiles && !nifaces) {
        fprintf(stderr, "leakwatch: nothing to read: give -r FILE or -i IFACE (see --help)\n");
        goto out;
    }
    if (nfiles && nifaces) {
        fprintf(stderr, "leakwatch: give -r FILE or -i IFACE, not both\n");
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
    int r;
    if (nifaces) {
        lo.ifaces = ifaces;
        lo.nifaces = nifaces;
        lo.filter = filter;
        if (live_open(&lo, &live, err, sizeof err) < 0) {
            fprintf(stderr, "leakwatch: %s\n", err);
            goto out;
        }
    }
    if ((nifaces || user) && drop_privileges(user, allow_root, err, sizeof err) < 0) {
        fprintf(stderr, "leakwatch: %s\n", err);
        goto out;
    }
    r = ruleset_load(&ro, &rules, err, sizeof err);
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
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    pc.live = live;
    pc.stop = &stop_flag;
    pc.reload = &reload_flag;
    pc.reload_fn = reload_rules;
    pc.reload_ctx = &ro;
    pc.keylogs = keylogs;
    pc.nkeylogs = nkeylogs;
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
    live_free(live);
    free(filter);
    free(files);
    free(ifaces);
    free(keylogs);
    return rc;
}
