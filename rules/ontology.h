/* ontology.h - identifier types: leaves (imei, mac, ...) grouped into categories
 * (device_identifier, network, sim, location, personal), and the phrases privacy
 * policies use for them, loaded from data/ontology.yaml.
 *
 * Phrases match case-insensitively with spaces, '-' and '_' ignored, so "Android Id",
 * "android_id" and "AndroidID" are one key. Vague phrases ("device information") are
 * known but name no type; they never cover a leaf. Read-only after load: shareable by
 * every worker without a lock. */
#ifndef LW_RULES_ONTOLOGY_H
#define LW_RULES_ONTOLOGY_H

#include <stddef.h>

struct rdiag;
typedef struct ontology ontology_t;

enum ont_kind {
    ONT_UNKNOWN = 0,
    ONT_LEAF,
    ONT_CATEGORY,
    ONT_VAGUE,
};

/* Load path. Errors name file:line. Returns 0 or a negative lwerr.h code; on success
 * the caller frees *out with ontology_free(). */
int ontology_load(const char *path, ontology_t **out, char *err, size_t errlen);
/* Same, reporting every problem to d; *out is set whenever the file could be parsed,
 * even with problems (d->nerr says how many), so a checker can go on. */
int ontology_load_diag(const char *path, ontology_t **out, struct rdiag *d);
void ontology_free(ontology_t *o);

/* Map a phrase, leaf or category name to its kind; *canon (if non-NULL) receives the
 * canonical leaf/category name (borrowed, valid until ontology_free()) or, for a vague
 * phrase, the phrase as written in the ontology. */
enum ont_kind ontology_resolve(const ontology_t *o, const char *phrase, const char **canon);
/* Category name of a leaf (borrowed), the name itself for a category, NULL if unknown. */
const char *ontology_category_of(const ontology_t *o, const char *type);
/* 1 if a declaration of declared_name (leaf, category or any synonym) covers type (a
 * leaf or category name): equal types, or a category covering one of its leaves. A
 * vague or unknown declaration covers nothing. */
int ontology_covers(const ontology_t *o, const char *declared_name, const char *type);

size_t ontology_nleaves(const ontology_t *o);
/* Borrowed leaf name i (0 <= i < ontology_nleaves()). */
const char *ontology_leaf(const ontology_t *o, size_t i);

/* The synonyms and vague phrases as the file writes them (bare type names are not
 * among them: "network" and "cell" are too common as words to look for in prose), for a
 * caller that looks for them in text (rules/draft.c): phrase i (borrowed, NULL when i is
 * out of range), its kind and its canonical leaf/category name (or, for a vague phrase,
 * the phrase itself). Two spellings of one key ("email", "e-mail") are both listed. */
size_t ontology_nphrases(const ontology_t *o);
const char *ontology_phrase(const ontology_t *o, size_t i, enum ont_kind *kind,
                            const char **canon);

#endif
