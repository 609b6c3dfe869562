/* ruleset.c - see ruleset.h. */
#include "engine/ruleset.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/lwerr.h"
#include "rules/diskcache.h"

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void shared_free(struct ruleset_shared *s)
{
    if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
        return;
    dnsmap_free(s->dns);
    dnsmap_free(s->learned);
    for (size_t i = 0; i < s->contacts_n; i++)
        free(s->contacts[i]);
    free(s->contacts);
    pthread_mutex_destroy(&s->contacts_lock);
    free(s);
}

static struct ruleset_shared *shared_new(void)
{
    struct ruleset_shared *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    atomic_init(&s->refs, 1);
    pthread_mutex_init(&s->contacts_lock, NULL);
    if (!(s->dns = dnsmap_new(65536)) || !(s->learned = dnsmap_new(65536))) {
        shared_free(s);
        return NULL;
    }
    return s;
}

/* "d1/sub:d2/sub:..." for every layer that has sub (the loaders' layered form, see
 * ryaml_each_file), or "" when none has. */
static void join_layers(const struct ruleset_options *o, const char *sub, char *out,
                        size_t len)
{
    size_t n = 0;
    out[0] = 0;
    for (int i = 0; i < o->nrules_dirs && n < len; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", o->rules_dirs[i], sub);
        if (exists(path))
            n += (size_t)snprintf(out + n, len - n, "%s%s", n ? ":" : "", path);
    }
}

/* The ontology (last layer having one), SDK catalogue and policies of every layer. */
static int load_layers(const struct ruleset_options *o, struct ruleset *r, char *err,
                       size_t errlen)
{
    char path[4096], sdks[16384], pols[16384];
    const char *ont = NULL;
    int rc;
    for (int i = 0; i < o->nrules_dirs; i++) {
        if (!exists(o->rules_dirs[i])) {
            snprintf(err, errlen, "%s: no such rules directory", o->rules_dirs[i]);
            return LW_ERR_INVAL;
        }
        snprintf(path, sizeof path, "%s/ontology.yaml", o->rules_dirs[i]);
        if (exists(path))
            ont = o->rules_dirs[i];
    }
    if (ont) {
        snprintf(path, sizeof path, "%s/ontology.yaml", ont);
        if ((rc = ontology_load(path, &r->ontology, err, errlen)) < 0)
            return rc;
    }
    join_layers(o, "sdks", sdks, sizeof sdks);
    join_layers(o, "policies", pols, sizeof pols);
    if (sdks[0] && (rc = catalog_load_dir(sdks, &r->catalog, err, errlen)) < 0)
        return rc;
    if (!pols[0])
        return 0;
    if (!r->ontology) {
        snprintf(err, errlen, "an ontology.yaml is needed to read %s", pols);
        return LW_ERR_INVAL;
    }
    return policy_load_dir(pols, r->ontology, r->catalog, &r->policies, err, errlen);
}

int ruleset_load(const struct ruleset_options *o, struct ruleset **out, char *err,
                 size_t errlen)
{
    return ruleset_reload(o, NULL, out, err, errlen);
}

int ruleset_reload(const struct ruleset_options *o, struct ruleset *prev,
                   struct ruleset **out, char *err, size_t errlen)
{
    struct ruleset *r = calloc(1, sizeof *r);
    int rc = LW_ERR_NOMEM;
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return rc;
    }
    atomic_init(&r->refs, 1);
    r->generation = prev ? prev->generation + 1 : 1;
    if (prev) {
        r->shared = prev->shared;
        atomic_fetch_add(&r->shared->refs, 1);
    } else if (!(r->shared = shared_new())) {
        snprintf(err, errlen, "out of memory");
        goto err;
    }
    r->dns = r->shared->dns;
    r->learned = r->shared->learned;
    r->raw_evidence = o->raw_evidence;
    if (o->profile_path && (rc = profile_load(o->profile_path, &r->profile, err, errlen)) < 0)
        goto err;
    if ((rc = load_layers(o, r, err, errlen)) < 0)
        goto err;
    if (r->profile &&
        (rc = policy_check_profile(r->policies, r->profile,
                                   o->nrules_dirs ? o->rules_dirs[o->nrules_dirs - 1] : "",
                                   err, errlen)) < 0)
        goto err;
    char cache[PATH_MAX];
    struct matcher_opts mo = {.min_confidence = o->min_confidence,
                              .raw_evidence = o->raw_evidence,
                              .cache_dir = !o->no_cache && diskcache_default_dir(cache,
                                               sizeof cache) == 0 ? cache : NULL};
    if ((rc = matcher_new(r->profile, &mo, &r->matcher, err, errlen)) < 0)
        goto err;
    *out = r;
    return 0;
err:
    ruleset_free(r);
    return rc;
}

struct ruleset *ruleset_ref(struct ruleset *r)
{
    atomic_fetch_add(&r->refs, 1);
    return r;
}

void ruleset_free(struct ruleset *r)
{
    if (!r || atomic_fetch_sub(&r->refs, 1) != 1)
        return;
    matcher_free(r->matcher);
    profile_free(r->profile);
    policy_set_free(r->policies);
    catalog_free(r->catalog);
    ontology_free(r->ontology);
    shared_free(r->shared);
    free(r);
}

int ruleset_first_contact(struct ruleset *r, const char *device, const char *sdk)
{
    char key[512];
    snprintf(key, sizeof key, "%s\n%s", device, sdk);
    int first = 1;
    struct ruleset_shared *s = r->shared;
    pthread_mutex_lock(&s->contacts_lock);
    /* A lab has a handful of devices and SDKs: a linear scan is enough. */
    for (size_t i = 0; i < s->contacts_n && first; i++)
        if (!strcmp(s->contacts[i], key))
            first = 0;
    if (first) {
        if (s->contacts_n == s->contacts_cap) {
            size_t cap = s->contacts_cap ? s->contacts_cap * 2 : 64;
            char **n = realloc(s->contacts, cap * sizeof *n);
            if (n) {
                s->contacts = n;
                s->contacts_cap = cap;
            }
        }
        char *k = s->contacts_n < s->contacts_cap ? strdup(key) : NULL;
        if (k)
            s->contacts[s->contacts_n++] = k;
    }
    pthread_mutex_unlock(&s->contacts_lock);
    return first;
}
