/* ruleset.c - see ruleset.h. */
#include "src/ruleset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "src/lwerr.h"

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int ruleset_load(const struct ruleset_options *o, struct ruleset **out, char *err,
                 size_t errlen)
{
    struct ruleset *r = calloc(1, sizeof *r);
    char path[4096];
    int rc = LW_ERR_NOMEM;
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return rc;
    }
    pthread_mutex_init(&r->contacts_lock, NULL);
    r->raw_evidence = o->raw_evidence;
    if (o->profile_path && (rc = profile_load(o->profile_path, &r->profile, err, errlen)) < 0)
        goto err;
    if (o->rules_dir) {
        if (!exists(o->rules_dir)) {
            snprintf(err, errlen, "%s: no such rules directory", o->rules_dir);
            rc = LW_ERR_INVAL;
            goto err;
        }
        snprintf(path, sizeof path, "%s/ontology.yaml", o->rules_dir);
        if (exists(path) && (rc = ontology_load(path, &r->ontology, err, errlen)) < 0)
            goto err;
        snprintf(path, sizeof path, "%s/sdks", o->rules_dir);
        if (exists(path) && (rc = catalog_load_dir(path, &r->catalog, err, errlen)) < 0)
            goto err;
        snprintf(path, sizeof path, "%s/policies", o->rules_dir);
        if (exists(path)) {
            if (!r->ontology) {
                snprintf(err, errlen, "%s/ontology.yaml is needed to read %s", o->rules_dir,
                         path);
                rc = LW_ERR_INVAL;
                goto err;
            }
            if ((rc = policy_load_dir(path, r->ontology, r->catalog, &r->policies, err,
                                      errlen)) < 0)
                goto err;
        }
    }
    if (r->profile &&
        (rc = policy_check_profile(r->policies, r->profile, o->rules_dir, err, errlen)) < 0)
        goto err;
    struct matcher_opts mo = {.min_confidence = o->min_confidence,
                              .raw_evidence = o->raw_evidence};
    if ((rc = matcher_new(r->profile, &mo, &r->matcher, err, errlen)) < 0)
        goto err;
    rc = LW_ERR_NOMEM;
    if (!(r->dns = dnsmap_new(65536))) {
        snprintf(err, errlen, "out of memory");
        goto err;
    }
    *out = r;
    return 0;
err:
    ruleset_free(r);
    return rc;
}

void ruleset_free(struct ruleset *r)
{
    if (!r)
        return;
    matcher_free(r->matcher);
    profile_free(r->profile);
    policy_set_free(r->policies);
    catalog_free(r->catalog);
    ontology_free(r->ontology);
    dnsmap_free(r->dns);
    for (size_t i = 0; i < r->contacts_n; i++)
        free(r->contacts[i]);
    free(r->contacts);
    pthread_mutex_destroy(&r->contacts_lock);
    free(r);
}

int ruleset_first_contact(struct ruleset *r, const char *device, const char *sdk)
{
    char key[512];
    snprintf(key, sizeof key, "%s\n%s", device, sdk);
    int first = 1;
    pthread_mutex_lock(&r->contacts_lock);
    /* A lab has a handful of devices and SDKs: a linear scan is enough. */
    for (size_t i = 0; i < r->contacts_n && first; i++)
        if (!strcmp(r->contacts[i], key))
            first = 0;
    if (first) {
        if (r->contacts_n == r->contacts_cap) {
            size_t cap = r->contacts_cap ? r->contacts_cap * 2 : 64;
            char **n = realloc(r->contacts, cap * sizeof *n);
            if (n) {
                r->contacts = n;
                r->contacts_cap = cap;
            }
        }
        char *k = r->contacts_n < r->contacts_cap ? strdup(key) : NULL;
        if (k)
            r->contacts[r->contacts_n++] = k;
    }
    pthread_mutex_unlock(&r->contacts_lock);
    return first;
}
