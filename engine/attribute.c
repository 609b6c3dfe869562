/* attribute.c - see attribute.h. */
#include "engine/attribute.h"

#include <stdio.h>
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
    char buf[DNSMAP_NAME_MAX];
    unsigned long long t = f->first_us / 1000000u, since;
    int off = 0;
    out[0] = 0;
    if (!r->learned)
        return;
    if (own) {
        snprintf(buf, sizeof buf, "%llu %s", t, own);
        dnsmap_put(r->learned, f->key.family, f->key.ip[srv], buf, ATTRIBUTE_LEARN_TTL, t);
    } else if (dnsmap_get(r->learned, f->key.family, f->key.ip[srv], t, buf, sizeof buf) == 1 &&
               sscanf(buf, "%llu %n", &since, &off) == 1 && off > 0 && since <= t) {
        snprintf(out, outlen, "%s", buf + off);
    }
}

void attribute_flow(const struct ruleset *r, const struct flow *f,
                    const struct attribute_names *n, struct attribution *a)
{
    memset(a, 0, sizeof *a);
    int d = flow_device(r, f);
    const struct profile_device *pd = NULL;
    if (d >= 0) {
        pd = profile_device(r->profile, (size_t)d);
        a->device = pd->id;
        a->app = pd->app;
        if (pd->policy && r->policies)
            a->pol = policy_find(r->policies, pd->policy);
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
    static const char *const kinds[] = {"sni", "host", "dns", "ndpi", "cert", "ip"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!names[i][0])
            continue;
        if (!a->host)
            a->host = names[i];
        /* The policy's own domains, or those the lab names for the app in the profile. */
        if (a->pol && !a->first_party &&
            (policy_is_first_party(a->pol, names[i], strlen(names[i])) ||
             profile_is_first_party(pd, names[i], strlen(names[i])))) {
            a->first_party = 1;
            a->host = names[i];
        }
        if (r->catalog && !a->sdk) {
            const struct sdk_entry *e = catalog_match(r->catalog, names[i]);
            if (e) {
                a->sdk = e;
                a->sdk_match = kinds[i];
                if (!a->first_party)
                    a->host = names[i];
            }
        }
    }
}
