/* verdict.h - the verdict of one finding against the app's policy: was this identifier
 * type, sent to this destination in this form, declared?
 *
 * The verdict names are a contract (DESIGN.md "A finding"). Pure function of its
 * arguments: no allocation, no state, callable from any worker. */
#ifndef LW_RULES_VERDICT_H
#define LW_RULES_VERDICT_H

#include "rules/ontology.h"
#include "rules/policy.h"

enum verdict {
    VERDICT_DECLARED = 0,          /* the SDK's declared types or categories cover it */
    VERDICT_UNDECLARED_TYPE,       /* SDK declared, this type not */
    VERDICT_UNDECLARED_SDK,        /* SDK not in the policy (or no catalogue at all) */
    VERDICT_BROKEN_TRANSFORM,      /* first party promised e.g. md5, a weaker form seen */
    VERDICT_FIRST_PARTY_UNDECLARED,
    VERDICT_FIRST_PARTY_DECLARED,
    VERDICT_NO_POLICY,             /* no policy loaded for the app */
    VERDICT_UNKNOWN_DESTINATION,   /* neither first party nor a catalogued SDK */
};

struct verdict_result {
    enum verdict verdict;
    const char *name;     /* "declared", ... (static string) */
    const char *clause;   /* borrowed from the policy; NULL when there is none */
    char reason[256];     /* one line for humans: why this verdict */
};

/* Judge one finding.
 * - pol: the app's policy, NULL if none is loaded -> no_policy.
 * - sdk_id: the catalogue id the destination matched, NULL if none.
 * - first_party: the destination is one of the policy's first-party domains; it wins
 *   over sdk_id.
 * - type: leaf (or category) name; form: the form the matcher saw ("plain", "md5-hex",
 *   "base64", ...).
 * Promised transforms apply to first-party collection only, because the policy makes
 * the promise about what "we" collect (seed 002, section IV): a form is kept if it is
 * a hash at least as strong as the promise (md5 < sha1 < sha224 < sha256 < sha384 <
 * sha512, matched by the form's prefix: "md5-hex", "sha256-base64" ...); any other
 * form (plain, case variants, url, json, base64, hex, ...) breaks it. */
void verdict_eval(const ontology_t *ont, const struct policy *pol, const char *sdk_id,
                  int first_party, const char *type, const char *form,
                  struct verdict_result *out);

/* For an "sdk_contact" event (a device talked to a catalogued SDK, identifiers
 * visible or not): 1 if pol declares sdk_id in an included catalogue, else 0. reason
 * (reasonlen bytes, may be NULL) says why; *clause (may be NULL) receives the policy's
 * clause for a declared SDK (borrowed) or NULL. pol NULL -> 0, "no policy loaded". */
int verdict_sdk_contact(const struct policy *pol, const char *sdk_id, const char **clause,
                        char *reason, size_t reasonlen);

/* Static name of a verdict, as in the finding's "verdict" field. */
const char *verdict_name(enum verdict v);
/* Strength of the hash a form represents (0 = not a hash, 1 = md5, 2 = sha1, ...); used
 * for transform promises, exposed for tests and reports. */
int verdict_form_strength(const char *form);

#endif
