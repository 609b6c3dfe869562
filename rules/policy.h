/* policy.h - privacy-policy declarations (data/policies/<name>.yaml): what one app's policy
 * says it collects itself, which transforms it promises (e.g. MD5 of the IMEI), which
 * SDKs its catalogue names and which identifier types each SDK is declared to receive.
 *
 * Type names are canonicalised through the ontology at load time, so "Android ID" in a
 * file is stored as android_id. Read-only after load; shareable without a lock. */
#ifndef LW_RULES_POLICY_H
#define LW_RULES_POLICY_H

#include <stddef.h>

#include "rules/catalog.h"
#include "rules/ontology.h"
#include "rules/profile.h"

struct rdiag;
typedef struct policy_set policy_set_t;

/* How the policy presents its SDK catalogue. Anything but INCLUDED means no SDK is
 * declared: every SDK contact is undeclared_sdk, with that reason. */
enum policy_catalogue {
    POLICY_CAT_INCLUDED = 0, /* sdk_catalogue: included (the default) */
    POLICY_CAT_MISSING,      /* sdk_catalogue: missing - the policy names no SDK */
    POLICY_CAT_LINKED,       /* sdk_catalogue: linked - only a link, content absent */
};

struct policy_sdk {
    const char *sdk;            /* catalogue id */
    const char *const *declares; /* canonical leaf / category names */
    size_t n_declares;
    const char *const *vague;   /* vague phrases as written ("device information") */
    size_t n_vague;
    const char *const *conditional; /* declared types the policy names only under a
                                       condition ("if you choose to ..."); still declared */
    size_t n_conditional;
    const char *clause;         /* where the policy says it */
    const char *note;           /* NULL if absent */
    int line;
    /* Drafts (rules/draft.h) write these; hand-written files may too. sdk is NULL for
     * "sdk: null": an SDK the catalogue lacks, known by name only (never matched). */
    const char *name;           /* NULL if absent */
    double confidence;          /* 0..1, or -1 if absent */
};

struct policy_transform {
    const char *type;           /* canonical leaf or category */
    const char *const *forms;   /* promised transforms: "md5", "sha1", "sha256" ... */
    size_t n_forms;
};

struct policy {
    const char *id, *app, *source;
    enum policy_catalogue catalogue;
    const char *linked;         /* where the catalogue is linked (NULL if none) */
    const char *note;           /* policy-level note (NULL if none) */
    const char *const *fp_collects;
    size_t n_fp_collects;
    const char *const *fp_conditional; /* as policy_sdk.conditional, for fp_collects */
    size_t n_fp_conditional;
    const char *fp_clause;
    const struct policy_transform *transforms;
    size_t n_transforms;
    const char *transforms_clause;
    const char *const *fp_domains;
    size_t n_fp_domains;
    const struct policy_sdk *sdks;
    size_t n_sdks;
    const char *file;
    int line;
};

/* Load every .yaml / .yml file of dir (or of a layered list "d1:d2", see
 * ryaml_each_file). ont (required) resolves type phrases; cat
 * (optional) checks that every SDK id exists. Returns 0 or a negative lwerr.h code with
 * "file:line: ..." in err; on success the caller frees *out with policy_set_free(). */
int policy_load_dir(const char *dir, const ontology_t *ont, const catalog_t *cat,
                    policy_set_t **out, char *err, size_t errlen);
/* Same, reporting every problem to d; *out is set (possibly partial) whenever the
 * directory could be read. ont may be NULL here (types are then not checked). */
int policy_load_dir_diag(const char *dir, const ontology_t *ont, const catalog_t *cat,
                         policy_set_t **out, struct rdiag *d);
void policy_set_free(policy_set_t *s);

/* Every policy a device of p names must be in s (s may be NULL: none loaded): a typo
 * would otherwise turn each finding of that device into "no_policy" without a word.
 * Returns 0, or LW_ERR_PARSE with "lab.yaml:5: devices[0].policy: no policy \"x\" in
 * data/policies (known: ...)" in err. dir is only used in the message. */
int policy_check_profile(const policy_set_t *s, const profile_t *p, const char *dir,
                         char *err, size_t errlen);

/* Borrowed, valid until policy_set_free(); NULL if absent. */
const struct policy *policy_find(const policy_set_t *s, const char *id);
size_t policy_count(const policy_set_t *s);
const struct policy *policy_at(const policy_set_t *s, size_t i);
/* The policy's entry for an SDK id, or NULL if the policy does not name it. */
const struct policy_sdk *policy_sdk_find(const struct policy *p, const char *sdk_id);
/* 1 if host (len bytes) is one of the policy's first-party domains or below one. */
int policy_is_first_party(const struct policy *p, const char *host, size_t len);
/* Promised transforms for type (a leaf: a promise made for its category applies too),
 * or NULL if none. */
const struct policy_transform *policy_transform_for(const struct policy *p,
                                                    const ontology_t *ont, const char *type);
const char *policy_catalogue_name(enum policy_catalogue c);

#endif
