/* ruleset.h - everything the workers read and nobody writes after start-up: the lab
 * profile, the compiled matcher, the ontology, the SDK catalogue and the policies;
 * plus the two shared structures that are written at run time, each with its own
 * lock: the DNS answer map and the set of (device, SDK) contacts already reported. */
#ifndef LW_ENGINE_RULESET_H
#define LW_ENGINE_RULESET_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "dissectors/dnsmap.h"
#include "rules/catalog.h"
#include "rules/matcher.h"
#include "rules/ontology.h"
#include "rules/policy.h"
#include "rules/profile.h"

/* What survives a reload: the DNS answers seen so far and the contacts already
 * reported. One instance, shared by every generation of rules. */
struct ruleset_shared {
    atomic_int refs;
    dnsmap_t *dns;               /* own lock, see dnsmap.h */
    dnsmap_t *learned;           /* server IP -> SNI/Host/cert name of an earlier flow; own lock */
    /* contacts_lock guards contacts, contacts_n, contacts_cap. */
    pthread_mutex_t contacts_lock;
    char **contacts;
    size_t contacts_n, contacts_cap;
};

/* A generation of rules. Reference counted: SIGHUP makes a new one while flows that
 * started under the old one still hold it (their Hyperscan streams belong to its
 * database); the last reference frees it. */
struct ruleset {
    atomic_int refs;
    unsigned generation;         /* 1 at start-up, +1 per reload */
    profile_t *profile;          /* NULL without --profile */
    matcher_t *matcher;
    ontology_t *ontology;        /* NULL if the rules dir has none */
    catalog_t *catalog;          /* NULL if the rules dir has no sdks/ */
    policy_set_t *policies;      /* NULL if the rules dir has no policies/ */
    dnsmap_t *dns;               /* shared->dns, borrowed */
    dnsmap_t *learned;           /* shared->learned, borrowed */
    int raw_evidence;
    struct ruleset_shared *shared;
};

struct ruleset_options {
    const char *profile_path;    /* may be NULL */
    /* Rule data directories, layered: each may hold ontology.yaml, sdks/, policies/;
     * the last ontology.yaml wins whole, and in sdks/ and policies/ a later file of
     * the same name replaces an earlier one. None: no SDK catalogue, no policies. */
    const char *const *rules_dirs;
    int nrules_dirs;
    double min_confidence;
    int raw_evidence;
    int no_cache;                /* 1: compile Hyperscan databases, no disk cache */
};

/* Load and compile. Returns 0 or a negative lwerr.h code with a message naming the
 * file (and line) at fault. *out holds one reference; drop it with ruleset_free(). */
int ruleset_load(const struct ruleset_options *o, struct ruleset **out, char *err,
                 size_t errlen);
/* The same for a reload: the new generation shares prev's DNS map and contacts set.
 * prev is untouched (and stays valid) whether this succeeds or not. */
int ruleset_reload(const struct ruleset_options *o, struct ruleset *prev,
                   struct ruleset **out, char *err, size_t errlen);
/* One more reference; thread-safe. Returns r. */
struct ruleset *ruleset_ref(struct ruleset *r);
/* Drops one reference; the last one frees. NULL: no-op. Thread-safe. */
void ruleset_free(struct ruleset *r);

/* 1 the first time this (device, sdk) pair is seen, 0 after; thread-safe. */
int ruleset_first_contact(struct ruleset *r, const char *device, const char *sdk);

#endif
