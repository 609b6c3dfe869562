/* verdict.c - decides declared / undeclared / broken promise for one finding. It does
 * not attribute flows (the caller passes the SDK id and the first-party flag) and does
 * not detect identifiers; it only reads the loaded policy and ontology. */
#include "rules/verdict.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const names[] = {
    [VERDICT_DECLARED] = "declared",
    [VERDICT_UNDECLARED_TYPE] = "undeclared_type",
    [VERDICT_UNDECLARED_SDK] = "undeclared_sdk",
    [VERDICT_BROKEN_TRANSFORM] = "broken_transform",
    [VERDICT_FIRST_PARTY_UNDECLARED] = "first_party_undeclared",
    [VERDICT_FIRST_PARTY_DECLARED] = "first_party_declared",
    [VERDICT_NO_POLICY] = "no_policy",
    [VERDICT_UNKNOWN_DESTINATION] = "unknown_destination",
};

const char *verdict_name(enum verdict v)
{
    return ((unsigned)v < sizeof names / sizeof names[0]) ? names[v] : "unknown";
}

/* Weakest first: a promise of rank r is kept by any hash form of rank >= r. */
static const char *const hash_rank[] = {"md5", "sha1", "sha224", "sha256", "sha384", "sha512"};

static int rank_of(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof hash_rank / sizeof hash_rank[0]; i++)
        if (strlen(hash_rank[i]) == len && strncmp(hash_rank[i], name, len) == 0)
            return (int)i + 1;
    return 0;
}

int verdict_form_strength(const char *form)
{
    if (!form)
        return 0;
    size_t len = strcspn(form, "-_");
    return rank_of(form, len);
}

static void set(struct verdict_result *out, enum verdict v, const char *clause,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void set(struct verdict_result *out, enum verdict v, const char *clause,
                const char *fmt, ...)
{
    va_list ap;
    out->verdict = v;
    out->name = verdict_name(v);
    out->clause = clause;
    va_start(ap, fmt);
    vsnprintf(out->reason, sizeof out->reason, fmt, ap);
    va_end(ap);
}

/* Declarations are canonical names (policy.c resolves them at load), so coverage is a
 * string compare with the type or with its category: no phrase lookup per finding. */
static int list_covers(const ontology_t *ont, const char *const *decl, size_t n,
                       const char *type)
{
    const char *cat = ontology_category_of(ont, type);
    if (!cat && ontology_resolve(ont, type, &type) != ONT_UNKNOWN)
        cat = ontology_category_of(ont, type); /* a synonym was passed: canonicalise */
    for (size_t i = 0; i < n; i++)
        if (strcmp(decl[i], type) == 0 || (cat && strcmp(decl[i], cat) == 0))
            return 1;
    return 0;
}

static void first_party(const ontology_t *ont, const struct policy *pol, const char *type,
                        const char *form, struct verdict_result *out)
{
    const struct policy_transform *t = policy_transform_for(pol, ont, type);
    if (t) {
        int need = 0, have = verdict_form_strength(form);
        for (size_t i = 0; i < t->n_forms; i++) {
            int r = rank_of(t->forms[i], strlen(t->forms[i]));
            if (r && (need == 0 || r < need))
                need = r; /* any one promised transform suffices: keep the weakest */
        }
        if (need && have < need) {
            set(out, VERDICT_BROKEN_TRANSFORM,
                pol->transforms_clause ? pol->transforms_clause : pol->fp_clause,
                "policy promises %s of %s before upload; seen as %s", t->forms[0], type,
                form ? form : "an unknown form");
            return;
        }
    }
    if (!list_covers(ont, pol->fp_collects, pol->n_fp_collects, type))
        set(out, VERDICT_FIRST_PARTY_UNDECLARED, pol->fp_clause,
            "first party does not declare collecting %s", type);
    else if (t)
        set(out, VERDICT_FIRST_PARTY_DECLARED, pol->fp_clause,
            "first party declares collecting %s; promised %s kept (seen as %s)", type,
            t->forms[0], form ? form : "?");
    else
        set(out, VERDICT_FIRST_PARTY_DECLARED, pol->fp_clause,
            "first party declares collecting %s", type);
}

void verdict_eval(const ontology_t *ont, const struct policy *pol, const char *sdk_id,
                  int is_first_party, const char *type, const char *form,
                  struct verdict_result *out)
{
    memset(out, 0, sizeof *out);
    if (!type)
        type = "unknown";
    if (!pol) {
        set(out, VERDICT_NO_POLICY, NULL, "no policy loaded for this app");
        return;
    }
    if (is_first_party) {
        first_party(ont, pol, type, form, out);
        return;
    }
    if (!sdk_id) {
        set(out, VERDICT_UNKNOWN_DESTINATION, NULL,
            "destination is neither a first-party domain of policy %s nor a catalogued SDK",
            pol->id);
        return;
    }
    const char *clause;
    if (!verdict_sdk_contact(pol, sdk_id, &clause, out->reason, sizeof out->reason)) {
        out->verdict = VERDICT_UNDECLARED_SDK;
        out->name = verdict_name(out->verdict);
        /* Without a catalogue, the policy's note says where it should have been. */
        out->clause = pol->catalogue != POLICY_CAT_INCLUDED ? pol->note : NULL;
        return;
    }
    const struct policy_sdk *ps = policy_sdk_find(pol, sdk_id);
    if (list_covers(ont, ps->declares, ps->n_declares, type)) {
        set(out, VERDICT_DECLARED, ps->clause, "policy %s declares %s for SDK %s", pol->id, type,
            sdk_id);
        return;
    }
    if (ps->n_vague)
        set(out, VERDICT_UNDECLARED_TYPE, ps->clause,
            "SDK %s is declared but not %s (only the vague \"%s\" is listed)", sdk_id, type,
            ps->vague[0]);
    else
        set(out, VERDICT_UNDECLARED_TYPE, ps->clause, "SDK %s is declared but not %s", sdk_id,
            type);
}

int verdict_sdk_contact(const struct policy *pol, const char *sdk_id, const char **clause,
                        char *reason, size_t reasonlen)
{
    char dummy[8];
    const struct policy_sdk *ps = NULL;
    int declared = 0;
    if (!reason || !reasonlen) {
        reason = dummy;
        reasonlen = sizeof dummy;
    }
    if (clause)
        *clause = NULL;
    if (!pol)
        snprintf(reason, reasonlen, "no policy loaded for this app");
    else if (pol->catalogue != POLICY_CAT_INCLUDED)
        snprintf(reason, reasonlen, "policy %s has no SDK catalogue (%s)", pol->id,
                 pol->catalogue == POLICY_CAT_LINKED ? "catalogue only linked, content absent"
                                                     : "catalogue missing: the policy names no SDK");
    else if (!(ps = policy_sdk_find(pol, sdk_id)))
        snprintf(reason, reasonlen, "SDK %s is not in the catalogue of policy %s",
                 sdk_id ? sdk_id : "(none)", pol->id);
    else {
        declared = 1;
        if (clause)
            *clause = ps->clause;
        snprintf(reason, reasonlen, "policy %s names SDK %s", pol->id, sdk_id);
    }
    return declared;
}
