/* attribute.c - see attribute.h. */
#include "engine/attribute.h"

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

static const char *or_empty(const char *s)
{
    return s ? s : "";
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
    /* Learn the flow's own name for its server address, for later flows that have none. */
    const char *own = n->sni && *n->sni ? n->sni : n->http_host && *n->http_host ? n->http_host
                    : n->cert && *n->cert ? n->cert : NULL;
    a->learned[0] = 0;
    if (r->learned && own)
        dnsmap_put(r->learned, f->key.family, f->key.ip[srv], own, ATTRIBUTE_LEARN_TTL,
                   f->first_us / 1000000u);
    else if (r->learned &&
             dnsmap_get(r->learned, f->key.family, f->key.ip[srv], f->first_us / 1000000u,
                        a->learned, sizeof a->learned) != 1)
        a->learned[0] = 0;
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
