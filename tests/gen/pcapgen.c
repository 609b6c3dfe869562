/* pcapgen.c - command-line generator of synthetic HTTP captures for benchmarks and tests.
 *
 * Writes many TCP flows, each carrying HTTP/1.1 requests (GET with a query string, POST
 * with a form body) answered by a small response (or, with --response-body, a JSON body
 * of a chosen size, for download-heavy benchmarks), through the pcapw writer. Output is a
 * pure function of the options: every random choice comes from splitmix64 seeded by
 * --seed and the flow number, never from rand() or the clock.
 *
 * Deliberately not generated: TLS, DNS, UDP traffic, chunked or compressed bodies, packet
 * loss (reordering and retransmission only), overlapping flows in the default sequential
 * mode (--concurrent is the mode that keeps many flows open at once). */
#include "tests/gen/pcapw.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0_US 1767225600000000ull /* 2026-01-01 00:00:00 UTC */
#define MAX_SPLITS 64
#define PORTS_PER_SERVER 50000u
#define MAX_SERVER_BLOCKS 512u /* 198.18.0.0/15 holds 512 blocks of 256 */
#define MAX_BODY (64u << 20)
#define MAX_APPS 16

static const char *const default_domains[] = {
    "api.example-analytics.com", "ads.example-adnet.net",    "cdn.example-static.org",
    "telemetry.example-sdk.io",  "log.example-crash.com",    "push.example-msg.cn",
};
/* The Host headers in use: the defaults, or --hosts. */
#define MAX_DOMAINS 64
static const char *domains[MAX_DOMAINS];
static size_t NDOMAINS;

static const char *const get_paths[] = {"/v1/config", "/api/ads", "/track/event", "/sdk/init"};
static const char *const post_paths[] = {"/v1/collect", "/api/report", "/log/upload"};

static const char response[] = "HTTP/1.1 200 OK\r\n"
                               "Content-Type: application/json\r\n"
                               "Content-Length: 11\r\n"
                               "Connection: keep-alive\r\n"
                               "\r\n"
                               "{\"ok\":true}";

struct opts {
    const char *out;
    uint64_t flows;
    unsigned requests;
    size_t body;
    uint64_t seed;
    size_t mss;
    int nvlan;
    uint16_t vids[2];
    enum pcapw_link link;
    int ipv6;
    unsigned reorder, retransmit; /* per mille of messages */
    size_t splits[MAX_SPLITS];
    int nsplits;
    int concurrent, syn_only;
    uint64_t target_bytes;
    const char *plant;
    int hosts_in_order;
    uint64_t clients;
    size_t resp_min, resp_max;    /* --response-body; 0: the fixed small response */
    int napps;                    /* --pcapdroid: flows' apps, round-robin */
    int32_t app_uid[MAX_APPS];
    const char *app_label[MAX_APPS];
};

/* Per-flow state kept between phases of --concurrent. */
struct flowstate {
    uint32_t seq_cli, seq_srv;
    uint64_t rng;
};

struct gen {
    const struct opts *o;
    pcapw_t *w;
    char *msg;
    size_t msgcap;
    size_t *cuts;
    int *order;
    size_t cutcap;
    uint64_t flows;
};

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Independent stream per flow and purpose, so flows do not depend on one another. */
static uint64_t flow_seed(const struct opts *o, uint64_t flow, uint64_t purpose)
{
    uint64_t s = o->seed;
    uint64_t a = splitmix64(&s);
    s = a ^ (flow * 0xd1b54a32d192ed03ull) ^ (purpose << 56);
    return splitmix64(&s);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: pcapgen -o FILE [options]\n"
            "Write a synthetic pcap of TCP flows carrying HTTP/1.1 requests and responses.\n"
            "\n"
            "  -o, --output FILE          capture to create (required)\n"
            "  --flows N                  number of TCP flows (default 100)\n"
            "  --requests-per-flow K      keep-alive requests per flow (default 1)\n"
            "  --body BYTES               POST body size (default 256)\n"
            "  --seed S                   PRNG seed; same options + seed = same file (default 1)\n"
            "  --mss M                    max segment payload (default 1460)\n"
            "  --vlan ID[,ID]             802.1Q tag, or QinQ outer,inner (Ethernet only)\n"
            "  --link ether|raw|sll|sll2  link type (default ether)\n"
            "  --ipv6                     IPv6 instead of IPv4\n"
            "  --reorder PERMILLE         this many messages per 1000 have two adjacent\n"
            "                             segments swapped (split in two if needed)\n"
            "  --retransmit PERMILLE      this many messages per 1000 repeat one segment\n"
            "  --split-at OFFSETS         comma-separated ascending byte offsets at which\n"
            "                             every request is cut into segments\n"
            "  --concurrent               all handshakes first, then each round of requests\n"
            "                             across all flows, then all closes: every flow is\n"
            "                             open at once (packets 1 us apart)\n"
            "  --syn-only                 one SYN per flow and nothing else\n"
            "  --target-bytes BYTES       keep adding flows until the file reaches BYTES\n"
            "                             (suffix k, M or G: 2^10, 2^20, 2^30; overrides --flows)\n"
            "  --plant STRING             add STRING to every request's query string: as\n"
            "                             \"&STRING\" if it contains '=', else \"&p=STRING\"\n"
            "  --hosts H1,H2,...          Host headers to use instead of the defaults below;\n"
            "                             flow i gets host i mod N\n"
            "  --clients N                distinct client hosts, flows assigned round-robin\n"
            "                             (default 1)\n"
            "  --response-body MIN[-MAX]  answer each request with a JSON body of MIN..MAX\n"
            "                             bytes (uniform; suffix k/M allowed) instead of the\n"
            "                             fixed 11-byte one\n"
            "  --pcapdroid UID:LABEL,...   write PCAPdroid's per-app trailer on every frame\n"
            "                             (Ethernet only); flows take the apps round-robin\n"
            "  -h, --help                 this text\n"
            "\n"
            "Addresses: client c is 10.0.0.0+2+c (2001:db8:c::2+c), MAC 02:00 + its IPv4\n"
            "address (last 4 bytes of IPv6); servers are in 198.18.0.0/15 (2001:db8:5::/64),\n"
            "port 80; client ports count up from 10000. Host headers are drawn from:\n");
    for (size_t i = 0; i < NDOMAINS; i++)
        fprintf(f, "  %s\n", domains[i]);
    fprintf(f, "Timing: packets start 2026-01-01 00:00:00 UTC; in the default sequential mode\n"
               "the steps of a flow are 1 ms apart and each flow starts 10 us after the\n"
               "previous one ends.\n"
               "A one-line summary (flows, packets, bytes) goes to stderr.\n");
}

static int parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max, int suffix,
                     uint64_t *out)
{
    char *end;
    errno = 0;
    if (!s || !*s || *s == '-')
        goto bad;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s)
        goto bad;
    if (suffix && *end) {
        unsigned shift = *end == 'k' || *end == 'K' ? 10 : *end == 'M' ? 20 : *end == 'G' ? 30 : 0;
        if (!shift || end[1] || v > (UINT64_MAX >> shift))
            goto bad;
        v <<= shift;
        end++;
    }
    if (*end || v < min || v > max)
        goto bad;
    *out = v;
    return 0;
bad:
    fprintf(stderr, "pcapgen: %s: expected an integer in %" PRIu64 "..%" PRIu64 "%s, got '%s'\n",
            opt, min, max, suffix ? " (suffix k/M/G allowed)" : "", s ? s : "");
    return -1;
}

static int parse_list(const char *opt, const char *s, uint64_t min, uint64_t max, int maxn,
                      uint64_t *vals, int *n)
{
    char buf[1024];
    if (strlen(s) >= sizeof buf) {
        fprintf(stderr, "pcapgen: %s: list too long\n", opt);
        return -1;
    }
    strcpy(buf, s);
    *n = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        if (*n == maxn) {
            fprintf(stderr, "pcapgen: %s: at most %d values\n", opt, maxn);
            return -1;
        }
        if (parse_u64(opt, tok, min, max, 0, &vals[*n]) < 0)
            return -1;
        (*n)++;
    }
    if (*n == 0) {
        fprintf(stderr, "pcapgen: %s: empty list\n", opt);
        return -1;
    }
    return 0;
}

/* "MIN" or "MIN-MAX", each 1..MAX_BODY with an optional k/M/G suffix. */
static int parse_range(const char *opt, const char *s, size_t *lo, size_t *hi)
{
    char buf[64];
    uint64_t a, b;
    if (strlen(s) >= sizeof buf) {
        fprintf(stderr, "pcapgen: %s: too long\n", opt);
        return -1;
    }
    strcpy(buf, s);
    char *dash = strchr(buf, '-');
    if (dash)
        *dash = 0;
    if (parse_u64(opt, buf, 1, MAX_BODY, 1, &a) < 0 ||
        parse_u64(opt, dash ? dash + 1 : buf, 1, MAX_BODY, 1, &b) < 0)
        return -1;
    if (b < a) {
        fprintf(stderr, "pcapgen: %s: MAX is below MIN\n", opt);
        return -1;
    }
    *lo = (size_t)a;
    *hi = (size_t)b;
    return 0;
}

enum {
    OPT_FLOWS = 256,
    OPT_REQUESTS,
    OPT_BODY,
    OPT_SEED,
    OPT_MSS,
    OPT_VLAN,
    OPT_LINK,
    OPT_IPV6,
    OPT_REORDER,
    OPT_RETRANSMIT,
    OPT_SPLIT,
    OPT_CONCURRENT,
    OPT_SYN_ONLY,
    OPT_TARGET,
    OPT_PLANT,
    OPT_HOSTS,
    OPT_CLIENTS,
    OPT_RESPONSE,
    OPT_PCAPDROID,
};

/* Returns 0, 1 after --help, or -1 on a usage error (message printed). */
static int parse_args(int argc, char **argv, struct opts *o)
{
    for (NDOMAINS = 0; NDOMAINS < sizeof default_domains / sizeof *default_domains; NDOMAINS++)
        domains[NDOMAINS] = default_domains[NDOMAINS];
    static const struct option lo[] = {
        {"output", required_argument, NULL, 'o'},
        {"flows", required_argument, NULL, OPT_FLOWS},
        {"requests-per-flow", required_argument, NULL, OPT_REQUESTS},
        {"body", required_argument, NULL, OPT_BODY},
        {"seed", required_argument, NULL, OPT_SEED},
        {"mss", required_argument, NULL, OPT_MSS},
        {"vlan", required_argument, NULL, OPT_VLAN},
        {"link", required_argument, NULL, OPT_LINK},
        {"ipv6", no_argument, NULL, OPT_IPV6},
        {"reorder", required_argument, NULL, OPT_REORDER},
        {"retransmit", required_argument, NULL, OPT_RETRANSMIT},
        {"split-at", required_argument, NULL, OPT_SPLIT},
        {"concurrent", no_argument, NULL, OPT_CONCURRENT},
        {"syn-only", no_argument, NULL, OPT_SYN_ONLY},
        {"target-bytes", required_argument, NULL, OPT_TARGET},
        {"plant", required_argument, NULL, OPT_PLANT},
        {"hosts", required_argument, NULL, OPT_HOSTS},
        {"clients", required_argument, NULL, OPT_CLIENTS},
        {"response-body", required_argument, NULL, OPT_RESPONSE},
        {"pcapdroid", required_argument, NULL, OPT_PCAPDROID},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->flows = 100;
    o->requests = 1;
    o->body = 256;
    o->seed = 1;
    o->mss = 1460;
    o->link = PCAPW_LINK_ETHERNET;
    o->clients = 1;
    uint64_t v, list[MAX_SPLITS];
    int c, n;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:h", lo, NULL)) != -1) {
        const char *name = optind > 1 ? argv[optind - 1] : "?";
        switch (c) {
        case 'o': o->out = optarg; break;
        case 'h': usage(stdout); return 1;
        case OPT_FLOWS:
            if (parse_u64("--flows", optarg, 1, 100000000, 0, &o->flows) < 0)
                return -1;
            break;
        case OPT_REQUESTS:
            if (parse_u64("--requests-per-flow", optarg, 0, 100000, 0, &v) < 0)
                return -1;
            o->requests = (unsigned)v;
            break;
        case OPT_BODY:
            if (parse_u64("--body", optarg, 0, MAX_BODY, 1, &v) < 0)
                return -1;
            o->body = (size_t)v;
            break;
        case OPT_SEED:
            if (parse_u64("--seed", optarg, 0, UINT64_MAX, 0, &o->seed) < 0)
                return -1;
            break;
        case OPT_MSS:
            if (parse_u64("--mss", optarg, 1, 65000, 0, &v) < 0)
                return -1;
            o->mss = (size_t)v;
            break;
        case OPT_VLAN:
            if (parse_list("--vlan", optarg, 0, 4095, 2, list, &n) < 0)
                return -1;
            o->nvlan = n;
            for (int i = 0; i < n; i++)
                o->vids[i] = (uint16_t)list[i];
            break;
        case OPT_LINK:
            if (strcmp(optarg, "ether") == 0 || strcmp(optarg, "ethernet") == 0)
                o->link = PCAPW_LINK_ETHERNET;
            else if (strcmp(optarg, "raw") == 0)
                o->link = PCAPW_LINK_RAW;
            else if (strcmp(optarg, "sll") == 0)
                o->link = PCAPW_LINK_SLL;
            else if (strcmp(optarg, "sll2") == 0)
                o->link = PCAPW_LINK_SLL2;
            else {
                fprintf(stderr, "pcapgen: --link: expected ether, raw, sll or sll2, got '%s'\n",
                        optarg);
                return -1;
            }
            break;
        case OPT_IPV6: o->ipv6 = 1; break;
        case OPT_REORDER:
            if (parse_u64("--reorder", optarg, 0, 1000, 0, &v) < 0)
                return -1;
            o->reorder = (unsigned)v;
            break;
        case OPT_RETRANSMIT:
            if (parse_u64("--retransmit", optarg, 0, 1000, 0, &v) < 0)
                return -1;
            o->retransmit = (unsigned)v;
            break;
        case OPT_SPLIT:
            if (parse_list("--split-at", optarg, 1, MAX_BODY, MAX_SPLITS, list, &n) < 0)
                return -1;
            for (int i = 0; i < n; i++) {
                if (i && list[i] <= list[i - 1]) {
                    fprintf(stderr, "pcapgen: --split-at: offsets must be ascending\n");
                    return -1;
                }
                o->splits[i] = (size_t)list[i];
            }
            o->nsplits = n;
            break;
        case OPT_CONCURRENT: o->concurrent = 1; break;
        case OPT_SYN_ONLY: o->syn_only = 1; break;
        case OPT_TARGET:
            if (parse_u64("--target-bytes", optarg, 1, UINT64_MAX, 1, &o->target_bytes) < 0)
                return -1;
            break;
        case OPT_PLANT:
            if (strpbrk(optarg, "\r\n \t#") || !*optarg) {
                fprintf(stderr, "pcapgen: --plant: the string must be non-empty and free of "
                                "spaces, CR, LF and '#' (it goes into a request line)\n");
                return -1;
            }
            o->plant = optarg;
            break;
        case OPT_HOSTS: {
            /* Flow i talks to host i mod N, so a small capture covers each host. */
            NDOMAINS = 0;
            for (char *t = strtok(optarg, ","); t; t = strtok(NULL, ",")) {
                if (NDOMAINS == MAX_DOMAINS || strpbrk(t, "\r\n \t") || !*t) {
                    fprintf(stderr, "pcapgen: --hosts: at most %d names, no spaces\n",
                            MAX_DOMAINS);
                    return -1;
                }
                domains[NDOMAINS++] = t;
            }
            o->hosts_in_order = 1;
            break;
        }
        case OPT_CLIENTS:
            if (parse_u64("--clients", optarg, 1, 1000000, 0, &o->clients) < 0)
                return -1;
            break;
        case OPT_RESPONSE:
            if (parse_range("--response-body", optarg, &o->resp_min, &o->resp_max) < 0)
                return -1;
            break;
        case OPT_PCAPDROID:
            for (char *t = strtok(optarg, ","); t; t = strtok(NULL, ",")) {
                char *colon = strchr(t, ':'), *end;
                long uid = colon ? strtol(t, &end, 10) : -1;
                if (o->napps == MAX_APPS || !colon || end != colon || uid < 0 ||
                    uid > INT32_MAX) {
                    fprintf(stderr, "pcapgen: --pcapdroid: at most %d UID:LABEL pairs\n",
                            MAX_APPS);
                    return -1;
                }
                o->app_uid[o->napps] = (int32_t)uid;
                o->app_label[o->napps++] = colon + 1;
            }
            break;
        case ':': fprintf(stderr, "pcapgen: %s needs a value\n", name); return -1;
        default: fprintf(stderr, "pcapgen: unknown option '%s'\n", name); return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "pcapgen: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    if (!o->out) {
        fprintf(stderr, "pcapgen: -o FILE is required\n");
        return -1;
    }
    if (o->napps && (o->link != PCAPW_LINK_ETHERNET || o->nvlan)) {
        fprintf(stderr, "pcapgen: --pcapdroid needs --link ether and no --vlan\n");
        return -1;
    }
    if (o->nvlan && o->link != PCAPW_LINK_ETHERNET) {
        fprintf(stderr, "pcapgen: --vlan needs --link ether\n");
        return -1;
    }
    if (o->concurrent && o->target_bytes) {
        fprintf(stderr, "pcapgen: --concurrent needs a flow count; it cannot be combined "
                        "with --target-bytes\n");
        return -1;
    }
    return 0;
}

/* Endpoints of flow i: client round-robin over --clients, a client port per flow, and
 * one more server block every PORTS_PER_SERVER flows of a client keeps 4-tuples unique. */
static int flow_eps(const struct opts *o, uint64_t i, struct pcapw_ep *cli, struct pcapw_ep *srv)
{
    uint64_t c = i % o->clients, k = i / o->clients;
    uint64_t block = k / PORTS_PER_SERVER;
    uint16_t port = (uint16_t)(10000 + k % PORTS_PER_SERVER);
    unsigned d = o->hosts_in_order ? (unsigned)(i % NDOMAINS)
                                   : (unsigned)(flow_seed(o, i, 1) % NDOMAINS);
    if (block >= MAX_SERVER_BLOCKS)
        return -1;
    memset(cli, 0, sizeof *cli);
    memset(srv, 0, sizeof *srv);
    cli->port = port;
    srv->port = 80;
    if (o->ipv6) {
        static const uint8_t cpfx[8] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x0c, 0, 0};
        static const uint8_t spfx[8] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x05, 0, 0};
        uint32_t ca = (uint32_t)(2 + c);
        cli->family = srv->family = 6;
        memcpy(cli->ip, cpfx, 8);
        cli->ip[12] = (uint8_t)(ca >> 24);
        cli->ip[13] = (uint8_t)(ca >> 16);
        cli->ip[14] = (uint8_t)(ca >> 8);
        cli->ip[15] = (uint8_t)ca;
        memcpy(srv->ip, spfx, 8);
        srv->ip[12] = (uint8_t)(block >> 8);
        srv->ip[13] = (uint8_t)block;
        srv->ip[15] = (uint8_t)(d + 1);
    } else {
        uint32_t ca = 0x0a000002u + (uint32_t)c;
        uint32_t sa = 0xc6120000u + (uint32_t)block * 256 + d + 1;
        cli->family = srv->family = 4;
        for (int b = 0; b < 4; b++) {
            cli->ip[b] = (uint8_t)(ca >> (24 - 8 * b));
            srv->ip[b] = (uint8_t)(sa >> (24 - 8 * b));
        }
    }
    /* the MAC pcapw derives from the address; set here so it is explicit */
    const uint8_t *ctail = cli->ip + (o->ipv6 ? 12 : 0), *stail = srv->ip + (o->ipv6 ? 12 : 0);
    cli->mac[0] = srv->mac[0] = 0x02;
    memcpy(cli->mac + 2, ctail, 4);
    memcpy(srv->mac + 2, stail, 4);
    return (int)d;
}

static int reserve(struct gen *g, size_t msglen, size_t ncuts)
{
    if (msglen > g->msgcap) {
        char *m = realloc(g->msg, msglen);
        if (!m)
            return -1;
        g->msg = m;
        g->msgcap = msglen;
    }
    if (ncuts + 2 > g->cutcap) {
        size_t cap = ncuts + 2;
        size_t *c = realloc(g->cuts, cap * sizeof *c);
        if (!c)
            return -1;
        g->cuts = c;
        int *ord = realloc(g->order, (cap + 1) * sizeof *ord);
        if (!ord)
            return -1;
        g->order = ord;
        g->cutcap = cap;
    }
    return 0;
}

/* Request j of a flow into g->msg; returns its length or -1. */
static long build_request(struct gen *g, uint64_t *rng, int domain, unsigned j)
{
    const struct opts *o = g->o;
    uint64_t r = splitmix64(rng);
    int post = (int)(r & 1);
    char head[1024], plant[600] = "";
    if (o->plant)
        snprintf(plant, sizeof plant, strchr(o->plant, '=') ? "&%s" : "&p=%s", o->plant);
    const char *path = post ? post_paths[(r >> 8) % 3] : get_paths[(r >> 8) % 4];
    int n = snprintf(head, sizeof head,
                     "%s %s?sid=%016" PRIx64 "&n=%u%s HTTP/1.1\r\n"
                     "Host: %s\r\n"
                     "User-Agent: Mozilla/5.0 (Linux; Android 13; Pixel 7) pcapgen/1\r\n"
                     "Accept: */*\r\n"
                     "Connection: keep-alive\r\n",
                     post ? "POST" : "GET", path, splitmix64(rng), j, plant, domains[domain]);
    if (n < 0 || (size_t)n >= sizeof head - 128)
        return -1;
    size_t body = post ? o->body : 0;
    if (post)
        n += snprintf(head + n, sizeof head - (size_t)n,
                      "Content-Type: application/x-www-form-urlencoded\r\n"
                      "Content-Length: %zu\r\n",
                      body);
    n += snprintf(head + n, sizeof head - (size_t)n, "\r\n");
    size_t len = (size_t)n + body;
    if (reserve(g, len, len / o->mss + (size_t)o->nsplits + 2) < 0)
        return -1;
    memcpy(g->msg, head, (size_t)n);
    /* form fields "fNNN=<letters>&" then letters to fill the exact size */
    static const char alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    char *b = g->msg + n;
    uint64_t bits = 0;
    for (size_t i = 0; i < body; i++) {
        if (i % 10 == 0)
            bits = splitmix64(rng);
        b[i] = alnum[bits % 36];
        bits /= 36;
        if (i % 16 == 0)
            b[i] = i ? '&' : 'f';
        else if (i % 16 == 4)
            b[i] = '=';
    }
    return (long)len;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* Send one message with mss cuts, --split-at cuts (requests only) and perturbations. */
static int send_msg(struct gen *g, pcapw_tcp_t *c, uint64_t ts, int from_client,
                    const char *data, size_t len, uint64_t *rng)
{
    const struct opts *o = g->o;
    if (reserve(g, 0, len / o->mss + (size_t)o->nsplits + 2) < 0)
        return -1;
    size_t n = 0;
    for (size_t off = o->mss; off < len; off += o->mss)
        g->cuts[n++] = off;
    for (int i = 0; from_client && i < o->nsplits; i++)
        if (o->splits[i] < len && o->splits[i] % o->mss)
            g->cuts[n++] = o->splits[i];
    int reorder = o->reorder && splitmix64(rng) % 1000 < o->reorder && len >= 2;
    int retrans = o->retransmit && splitmix64(rng) % 1000 < o->retransmit;
    if (n == 0 && !reorder && !retrans)
        return pcapw_tcp_send(c, ts, from_client, data, len, o->mss);
    if (reorder && n == 0)
        g->cuts[n++] = len / 2;
    qsort(g->cuts, n, sizeof *g->cuts, cmp_size);
    int nseg = (int)n + 1, norder = nseg;
    for (int i = 0; i < nseg; i++)
        g->order[i] = i;
    if (reorder) {
        int k = (int)(splitmix64(rng) % (uint64_t)(nseg - 1));
        int t = g->order[k];
        g->order[k] = g->order[k + 1];
        g->order[k + 1] = t;
    }
    if (retrans) {
        /* repeat one segment right after itself, as a sender whose ACK was late */
        int k = (int)(splitmix64(rng) % (uint64_t)nseg);
        memmove(&g->order[k + 1], &g->order[k], (size_t)(nseg - k) * sizeof *g->order);
        norder++;
    }
    return pcapw_tcp_send_cuts(c, ts, from_client, data, len, g->cuts, (int)n, g->order,
                               norder);
}

static uint64_t after(struct gen *g, uint64_t gap)
{
    return pcapw_last_ts(g->w) + gap;
}

/* A response with a JSON body of --response-body bytes into g->msg; its length or -1.
 * The body is an array of small objects, cut (and space-padded) to the exact size. */
static long build_response(struct gen *g, uint64_t *rng)
{
    const struct opts *o = g->o;
    size_t body = o->resp_min + (size_t)(splitmix64(rng) % (o->resp_max - o->resp_min + 1));
    char head[160];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\nConnection: keep-alive\r\n\r\n", body);
    size_t len = (size_t)n + body;
    if (reserve(g, len, len / o->mss + 2) < 0)
        return -1;
    memcpy(g->msg, head, (size_t)n);
    char *b = g->msg + n, item[64];
    size_t off = 0;
    for (unsigned i = 0; off < body; i++) {
        int k = snprintf(item, sizeof item, "%s{\"id\":%u,\"v\":\"%08x\"}", off ? "," : "[",
                         i, (unsigned)splitmix64(rng));
        size_t take = (size_t)k < body - off ? (size_t)k : body - off;
        memcpy(b + off, item, take);
        off += take;
    }
    if (body >= 2) {
        b[body - 1] = ']';
        b[body - 2] = b[body - 2] == ',' ? ' ' : b[body - 2];
    }
    return (long)len;
}

/* Request j and its response. Steps are `gap` microseconds apart. */
static int exchange(struct gen *g, pcapw_tcp_t *c, int domain, unsigned j, uint64_t *rng,
                    uint64_t gap)
{
    long len = build_request(g, rng, domain, j);
    if (len < 0 || send_msg(g, c, after(g, gap), 1, g->msg, (size_t)len, rng) < 0)
        return -1;
    if (!g->o->resp_max)
        return send_msg(g, c, after(g, gap), 0, response, sizeof response - 1, rng);
    if ((len = build_response(g, rng)) < 0)
        return -1;
    return send_msg(g, c, after(g, gap), 0, g->msg, (size_t)len, rng);
}

static int flow_isns(const struct opts *o, uint64_t i, uint32_t *cli, uint32_t *srv)
{
    uint64_t r = flow_seed(o, i, 2);
    *cli = (uint32_t)r;
    *srv = (uint32_t)(r >> 32);
    return 0;
}

static int too_many_flows(const struct opts *o, uint64_t i)
{
    fprintf(stderr,
            "pcapgen: flow %" PRIu64 " would reuse a 4-tuple: with %" PRIu64
            " client(s) at most %" PRIu64 " flows fit; raise --clients\n",
            i, o->clients, o->clients * PORTS_PER_SERVER * MAX_SERVER_BLOCKS);
    return -1;
}

/* --pcapdroid: flow i's packets name app i mod the number of apps. */
static void set_app(struct gen *g, uint64_t i)
{
    const struct opts *o = g->o;
    if (o->napps)
        pcapw_set_pcapdroid(g->w, o->app_uid[i % (uint64_t)o->napps],
                            o->app_label[i % (uint64_t)o->napps]);
}

/* One whole flow, written before the next starts. */
static int gen_sequential_flow(struct gen *g, uint64_t i)
{
    const struct opts *o = g->o;
    struct pcapw_ep cli, srv;
    uint32_t ic, is;
    int d = flow_eps(o, i, &cli, &srv);
    if (d < 0)
        return too_many_flows(o, i);
    flow_isns(o, i, &ic, &is);
    pcapw_tcp_t *c = pcapw_tcp_new(g->w, &cli, &srv, ic, is);
    if (!c)
        return -1;
    set_app(g, i);
    uint64_t rng = flow_seed(o, i, 3);
    uint64_t start = i == 0 ? T0_US : after(g, 10);
    int rc = o->syn_only ? pcapw_tcp_syn(c, start) : pcapw_tcp_handshake(c, start);
    for (unsigned j = 0; rc == 0 && !o->syn_only && j < o->requests; j++)
        rc = exchange(g, c, d, j, &rng, 1000);
    if (rc == 0 && !o->syn_only)
        rc = pcapw_tcp_close(c, after(g, 1000), 1);
    pcapw_tcp_free(c);
    g->flows++;
    return rc;
}

/* Phase 0 handshakes, phases 1..K request rounds, phase K+1 closes, over every flow. */
static int gen_concurrent(struct gen *g)
{
    const struct opts *o = g->o;
    struct flowstate *st = calloc(o->flows, sizeof *st);
    int rc = 0;
    if (!st) {
        fprintf(stderr, "pcapgen: out of memory for %" PRIu64 " flows\n", o->flows);
        return -1;
    }
    for (unsigned phase = 0; rc == 0 && phase <= o->requests + 1; phase++) {
        for (uint64_t i = 0; rc == 0 && i < o->flows; i++) {
            struct pcapw_ep cli, srv;
            int d = flow_eps(o, i, &cli, &srv);
            if (d < 0) {
                rc = too_many_flows(o, i);
                break;
            }
            if (phase == 0) {
                flow_isns(o, i, &st[i].seq_cli, &st[i].seq_srv);
                st[i].rng = flow_seed(o, i, 3);
            }
            pcapw_tcp_t *c = pcapw_tcp_new(g->w, &cli, &srv, st[i].seq_cli, st[i].seq_srv);
            if (!c) {
                rc = -1;
                break;
            }
            set_app(g, i);
            uint64_t ts = pcapw_packets(g->w) ? after(g, 1) : T0_US;
            if (phase == 0)
                rc = pcapw_tcp_handshake(c, ts);
            else if (phase <= o->requests)
                rc = exchange(g, c, d, phase - 1, &st[i].rng, 1);
            else
                rc = pcapw_tcp_close(c, ts, 1);
            st[i].seq_cli = pcapw_tcp_next_seq(c, 1);
            st[i].seq_srv = pcapw_tcp_next_seq(c, 0);
            pcapw_tcp_free(c);
        }
    }
    g->flows = o->flows;
    free(st);
    return rc;
}

int main(int argc, char **argv)
{
    struct opts o;
    struct gen g = {0};
    char err[512];
    int status = 1;
    int pr = parse_args(argc, argv, &o);
    if (pr != 0) {
        if (pr < 0)
            fprintf(stderr, "Try 'pcapgen --help'.\n");
        return pr > 0 ? 0 : 2;
    }
    g.o = &o;
    g.w = pcapw_open(o.out, o.link, 0, err, sizeof err);
    if (!g.w) {
        fprintf(stderr, "pcapgen: %s\n", err);
        return 1;
    }
    pcapw_set_vlans(g.w, o.nvlan, o.vids);

    int rc = 0;
    if (o.concurrent && !o.syn_only) {
        rc = gen_concurrent(&g);
    } else if (o.target_bytes) {
        for (uint64_t i = 0; rc == 0 && pcapw_bytes(g.w) < o.target_bytes; i++)
            rc = gen_sequential_flow(&g, i);
    } else {
        for (uint64_t i = 0; rc == 0 && i < o.flows; i++)
            rc = gen_sequential_flow(&g, i);
    }
    uint64_t packets = pcapw_packets(g.w), bytes = pcapw_bytes(g.w);
    if (pcapw_close(g.w) < 0) {
        fprintf(stderr, "pcapgen: write error on %s: %s\n", o.out, strerror(errno));
        goto out;
    }
    if (rc < 0) {
        fprintf(stderr, "pcapgen: generation failed after %" PRIu64 " flows\n", g.flows);
        goto out;
    }
    fprintf(stderr, "pcapgen: %s: %" PRIu64 " flows, %" PRIu64 " packets, %" PRIu64 " bytes\n",
            o.out, g.flows, packets, bytes);
    status = 0;
out:
    free(g.msg);
    free(g.cuts);
    free(g.order);
    return status;
}
