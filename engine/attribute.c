/* attribute.c - see attribute.h. */
#include "engine/attribute.h"

#include "capture/pcapdroid.h"
#include "common/ascii.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Who sent the flow: the profile device with the client's L2 address, else its IP. */
static int flow_device(const struct ruleset *r, const struct flow *f)
{
    if (!r->profile)
        return -1;
    int d = -1;
    if (f->has_mac[FLOW_TOSERVER])
        d = profile_find_mac(r->profile, f->mac[FLOW_TOSERVER]);
    if (d < 0)
        d = profile_find_ip(r->profile, f->key.family, f->key.ip[f->client]);
    return d;
}

/* Is the server of f a profile device (by its L2 address, else its IP)? */
static int server_is_device(const struct ruleset *r, const struct flow *f)
{
    if (!r->profile)
        return 0;
    if (f->has_mac[FLOW_TOCLIENT] && profile_find_mac(r->profile, f->mac[FLOW_TOCLIENT]) >= 0)
        return 1;
    return profile_find_ip(r->profile, f->key.family, f->key.ip[!f->client]) >= 0;
}

int attribute_device_dir(const struct ruleset *r, const struct flow *f)
{
    if (!server_is_device(r, f))
        return FLOW_TOSERVER;
    return flow_device(r, f) >= 0 ? -1 : FLOW_TOCLIENT;
}

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

/* The address map learnt from flows' own names (SNI, Host, certificate), for later flows
 * that have none. Workers attribute flows in any order, so an entry keeps the second its
 * teacher flow started ("SECONDS NAME") and only teaches flows that started after it. */
static void learn(const struct ruleset *r, const struct flow *f, int srv, const char *own,
                  char *out, size_t outlen)
{
    /* The entry is "<first second> <name>"; written and read without printf, which
     * was half of this function's cost for every flow. */
    char buf[DNSMAP_NAME_MAX];
    unsigned long long t = f->first_us / 1000000u, since;
    out[0] = 0;
    if (!r->learned)
        return;
    if (own) {
        char d[24], *q = ascii_u64_back(d + sizeof d, t);
        size_t nd = (size_t)(d + sizeof d - q), no = strlen(own);
        if (nd + 1 + no >= sizeof buf)
            no = sizeof buf - nd - 2;
        memcpy(buf, q, nd);
        buf[nd] = ' ';
        memcpy(buf + nd + 1, own, no);
        buf[nd + 1 + no] = 0;
        dnsmap_put(r->learned, f->key.family, f->key.ip[srv], buf, ATTRIBUTE_LEARN_TTL, t);
    } else if (dnsmap_get(r->learned, f->key.family, f->key.ip[srv], t, buf, sizeof buf) == 1) {
        char *end;
        since = strtoull(buf, &end, 10);
        if (end > buf && *end == ' ' && since <= t && outlen) {
            size_t n = strlen(end + 1);
            if (n >= outlen)
                n = outlen - 1;
            memcpy(out, end + 1, n);
            out[n] = 0;
        }
    }
}

/* How far each way of naming the destination is trusted to name the SDK, 0..1, in the
 * order attribute_flow() tries them:
 *  sni  0.95  the name the client itself asked for in its ClientHello;
 *  host 0.95  the same for HTTP (Host header);
 *  cert 0.85  the server's certificate: names the server, but one certificate may
 *             cover many services (wildcards, multi-tenant SANs) and we keep its first;
 *  dns  0.75  an earlier DNS answer for the server's address: CDNs and shared hosting
 *             put many names on one address, and the last answer wins;
 *  ip   0.6   a name another flow to the same address had, within 10 minutes: the same
 *             sharing, plus the address may have changed hands;
 *  ndpi 0.5   nDPI's name for a flow our dissectors found none in: nDPI's guesses
 *             (mid-stream, partial parses) are not checked by us. */
static const struct { const char *kind; double confidence; } match_kinds[] = {
    {"sni", 0.95}, {"host", 0.95}, {"dns", 0.75}, {"ndpi", 0.5}, {"cert", 0.85}, {"ip", 0.6},
};

_Static_assert(sizeof match_kinds / sizeof match_kinds[0] == 6,
               "one confidence per name attribute_flow() tries");

void attribute_flow(const struct ruleset *r, const struct flow *f,
                    const struct attribute_names *n, struct attribution *a)
{
    memset(a, 0, sizeof *a);
    int d = flow_device(r, f);
    const struct profile_device *pd = NULL;
    const struct profile_app *pa = NULL;
    const char *pol = NULL;
    a->capp = f->app;
    if (f->app)
        a->app = f->app->package[0] ? f->app->package : f->app->name[0] ? f->app->name : NULL;
    if (d >= 0) {
        pd = profile_device(r->profile, (size_t)d);
        a->device = pd->id;
        pol = pd->policy;
        if (f->app)
            pa = profile_find_app(pd, f->app->uid, f->app->package, f->app->name);
        if (pa && pa->package)
            a->app = pa->package;
        if (pa && pa->policy)
            pol = pa->policy;
        if (!a->app)
            a->app = pd->app;
        if (pol && r->policies)
            a->pol = policy_find(r->policies, pol);
    }
    int srv = !f->client;
    if (!dnsmap_get(r->dns, f->key.family, f->key.ip[srv], f->first_us / 1000000u, a->dns,
                    sizeof a->dns))
        a->dns[0] = 0;
    const char *own = n->sni && *n->sni ? n->sni : n->http_host && *n->http_host ? n->http_host
                    : n->cert && *n->cert ? n->cert : NULL;
    learn(r, f, srv, own, a->learned, sizeof a->learned);
    const char *names[] = {or_empty(n->sni), or_empty(n->http_host), a->dns,
                           or_empty(n->ndpi), or_empty(n->cert), a->learned};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!names[i][0])
            continue;
        if (!a->host)
            a->host = names[i];
        /* The policy's own domains, or those the lab names for the app in the profile. */
        if (a->pol && !a->first_party &&
            (policy_is_first_party(a->pol, names[i], strlen(names[i])) ||
             profile_is_first_party(pd, names[i], strlen(names[i])) ||
             profile_app_is_first_party(pa, names[i], strlen(names[i])))) {
            a->first_party = 1;
            a->host = names[i];
        }
        if (r->catalog && !a->sdk) {
            const struct sdk_entry *owner;
            const struct sdk_entry *e = catalog_lookup_n(r->catalog, names[i], strlen(names[i]),
                                                         &owner);
            if (owner && (e || !a->owner))
                a->owner = owner;
            if (e) {
                a->sdk = e;
                a->sdk_match = match_kinds[i].kind;
                a->sdk_match_confidence = match_kinds[i].confidence;
                if (!a->first_party)
                    a->host = names[i];
            }
        }
    }
}
