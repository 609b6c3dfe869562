/* draft_int.h - the inside of a draft, shared by draft.c (reading the text) and
 * draftout.c (writing YAML, comparing with a declared policy). Not an interface: only
 * those two files include it. */
#ifndef LW_RULES_DRAFT_INT_H
#define LW_RULES_DRAFT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "rules/draft.h"

/* A small set of borrowed strings (type names, vague phrases), in insertion order. */
struct sset {
    const char **v;
    size_t n, cap;
};

/* A growing clause text; cut (with " ...") past a size a reviewer can read. */
struct sbuf {
    char *p;
    size_t n, cap;
    int cut;
};

/* The text and its line index (line[i] = offset of line i). */
struct draft_text {
    const char *s;
    size_t len;
    uint32_t *line;
    size_t nlines;
};

struct draft_entry {
    const char *sdk;      /* catalogue id (borrowed from the lexicon), NULL if unknown */
    char *name;           /* the name as the text writes it (owned) */
    struct sset types;    /* canonical type names (borrowed from the ontology) */
    struct sset cond;     /* types named under a condition somewhere ... */
    struct sset uncond;   /* ... and without one: conditional = cond - uncond */
    struct sset negated;  /* named only as not collected: not in types when alone */
    struct sset vague;    /* vague phrases (borrowed from the ontology) */
    struct sbuf clause;   /* exact excerpts of the text, " | " between them */
    size_t span[8][2];    /* its spans: 1-based first and last lines, adjacent merged */
    size_t nspan;
    const char *cand[8];  /* a vendor-only name: catalogue ids it may mean (borrowed) */
    size_t ncand;
    char *use;            /* the stated use that picked sdk among cand (owned), or NULL */
    const char *use_cat;  /* its category (borrowed from the lexicon) */
    double confidence;
};

struct draft_transform {
    const char *type;     /* canonical type (borrowed) */
    const char *form;     /* "md5", "sha1", "sha256" (borrowed from the lexicon) */
};

struct draft {
    char *id, *source;
    struct draft_entry *e;
    size_t n, cap;
    enum policy_catalogue catalogue;
    struct sbuf linked;       /* the sentence linking the SDK list (catalogue linked) */
    struct sset fp;           /* first-party collection */
    struct sset fp_cond, fp_uncond, fp_negated; /* as in draft_entry */
    struct sbuf fp_clause;
    struct draft_transform *tr;
    size_t ntr, captr;
    struct sbuf tr_clause;
    struct sset unnamed_types; /* promised "hashed", "desensitized" ... without algorithm */
    struct sbuf unnamed_clause;
};

int sset_add(struct sset *s, const char *v);
int sset_has(const struct sset *s, const char *v);

#endif
