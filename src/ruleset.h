/* ruleset.h - everything the workers read and nobody writes after start-up: the lab
 * profile, the compiled matcher, the ontology, the SDK catalogue and the policies;
 * plus the two shared structures that are written at run time, each with its own
 * lock: the DNS answer map and the set of (device, SDK) contacts already reported. */
#ifndef LW_SRC_RULESET_H
#define LW_SRC_RULESET_H

#include <pthread.h>
#include <stddef.h>

#include "dissectors/dnsmap.h"
#include "rules/catalog.h"
#include "rules/matcher.h"
#include "rules/ontology.h"
#include "rules/policy.h"
#include "rules/profile.h"

struct ruleset {
    profile_t *profile;          /* NULL without --profile */
    matcher_t *matcher;
    ontology_t *ontology;        /* NULL if the rules dir has none */
    catalog_t *catalog;          /* NULL if the rules dir has no sdks/ */
    policy_set_t *policies;      /* NULL if the rules dir has no policies/ */
    dnsmap_t *dns;               /* own lock, see dnsmap.h */
    int raw_evidence;
    /* contacts_lock guards contacts, contacts_n, contacts_cap. */
    pthread_mutex_t contacts_lock;
    char **contacts;
    size_t contacts_n, contacts_cap;
};

struct ruleset_options {
    const char *profile_path;    /* may be NULL */
    const char *rules_dir;       /* NULL: no SDK catalogue, no policies */
    double min_confidence;
    int raw_evidence;
};

/* Load and compile. Returns 0 or a negative lwerr.h code with a message naming the
 * file (and line) at fault. Caller frees *out with ruleset_free(). */
int ruleset_load(const struct ruleset_options *o, struct ruleset **out, char *err,
                 size_t errlen);
void ruleset_free(struct ruleset *r);

/* 1 the first time this (device, sdk) pair is seen, 0 after; thread-safe. */
int ruleset_first_contact(struct ruleset *r, const char *device, const char *sdk);

#endif
