/* draft.h - a first draft of a policy declarations file (data/policies/<id>.yaml)
 * from a privacy policy's text, for a person to review (docs/draft.md).
 *
 * What it reads in the text, all through the lexicon of rules/draftlex.h (one Hyperscan
 * scan): the SDK list (a heading such as "Appendix", "third-party SDK", "第三方SDK清单",
 * then lines that start with an SDK name, alone or after a label such as "Partner
 * Name:"), each entry's span (up to the next entry, a blank or heading-like line, or
 * DRAFT_MAX_ENTRY_LINES lines), the identifier types and vague phrases inside each span,
 * the types named outside every span in a sentence that says they are collected
 * (first-party collection) and the sentences that promise a hash or some other
 * transform. A vendor-only name ("Tencent SDK") takes the one candidate its stated use
 * leaves.
 *
 * It reads words, not grammar: a negation word in a type's sentence ("do not collect",
 * 不会收集) keeps the type out, a condition word ("if you", 如您) marks it conditional.
 * The quoted clauses are there so a reviewer checks that at a glance. */
#ifndef LW_RULES_DRAFT_H
#define LW_RULES_DRAFT_H

#include <stddef.h>
#include <stdio.h>

#include "rules/draftlex.h"
#include "rules/policy.h"

/* An entry's span ends after this many lines at most. */
#define DRAFT_MAX_ENTRY_LINES 40
/* An SDK list goes on while entries follow each other (or the heading) this closely. */
#define DRAFT_SECTION_GAP 40
/* Texts with more lines than this are refused (bounds the line index). */
#define DRAFT_MAX_LINES 2000000u

typedef struct draft draft_t;

struct draft_opts {
    const char *id;      /* policy id written as `id:` */
    const char *source;  /* written as `source:` (the text's file name) */
};

/* Read text (valid UTF-8: see rules/htmltext.h, len bytes) with lexicon lx; ont is the
 * one lx was built from. Returns 0 or a negative lwerr.h code with a message in err;
 * the caller frees *out with draft_free(). An empty or unrelated text gives a draft
 * without SDKs (sdk_catalogue: missing), not an error. */
int draft_build(const draftlex_t *lx, const ontology_t *ont, const char *text, size_t len,
                const struct draft_opts *o, draft_t **out, char *err, size_t errlen);
void draft_free(draft_t *d);

/* Write the draft as a declarations YAML file, in the format of docs/files.md
 * ("Policy declarations"), loadable by --check-rules as it is. Returns 0 or LW_ERR_IO. */
int draft_write_yaml(const draft_t *d, FILE *out);

/* Print what changed from the declared policy pol to the draft: SDKs added and removed,
 * types added and removed per SDK and for first-party collection, and a changed
 * sdk_catalogue. Returns the number of differences. */
size_t draft_diff(const draft_t *d, const struct policy *pol, FILE *out);

/* Summary for tests and the diff: SDK entries of the draft. Borrowed, valid until
 * draft_free(). sdk is NULL for a name the catalogue lacks. */
size_t draft_nsdks(const draft_t *d);
const char *draft_sdk_id(const draft_t *d, size_t i, const char **name);

#endif
