/* draftlex.h - the words rules/draft.c looks for in a privacy policy, compiled once into
 * one Hyperscan block database, and the scan that finds them.
 *
 * The lexicon is made of: the ontology's synonyms and vague phrases (identifier types),
 * the catalogue's SDK ids, names, the parts of those names and their aliases
 * (sdk_entry.aliases, the hand-written entry's own list only) (SDKs),
 * a pattern for names the catalogue lacks ("Foo Bar SDK", "某某SDK"), and fixed
 * English and Chinese words for SDK-list headings, links to a list held elsewhere and
 * promised transforms (MD5, hashed, 加密, 脱敏). Everything is matched caseless, in
 * UTF-8 mode, with the leftmost start of each match (HS_FLAG_SOM_LEFTMOST) so a hit is
 * a span of the text that can be quoted.
 *
 * It does not decide what a hit means in context (which SDK entry a type belongs to):
 * that is draft.c. */
#ifndef LW_RULES_DRAFTLEX_H
#define LW_RULES_DRAFTLEX_H

#include <stddef.h>

#include "rules/catalog.h"
#include "rules/ontology.h"

typedef struct draftlex draftlex_t;

enum draftlex_kind {
    DLX_TYPE = 0,    /* an identifier type or category; target = canonical name */
    DLX_VAGUE,       /* a vague phrase; target = the phrase as the ontology writes it */
    DLX_SDK,         /* a catalogue SDK; target = its id */
    DLX_UNKNOWN_SDK, /* "Foo SDK" naming no catalogue entry; target = NULL */
    DLX_HEADING,     /* "Appendix", "third-party SDK", "SDK清单" ... ; target = NULL */
    DLX_LINKED,      /* "click here to view the catalog of third-party SDKs" */
    DLX_TRANSFORM,   /* target = "md5", "sha1", "sha256" or "unnamed" (hashed, 脱敏 ...) */
    DLX_LABEL,       /* a line's first field label naming an SDK ("Partner Name:",
                        "SDK名称："); the hit is its colon */
    DLX_USE,         /* words saying what an SDK is used for ("instant messaging",
                        "推送"); target = a catalogue category ("messaging", "push") */
    DLX_USE_LABEL,   /* a line's label introducing that use ("SDK usage:", "使用目的：");
                        the hit is its colon */
    /* Words that qualify the types named in their sentence. Their hits are their last
     * byte (no start of match is asked for). */
    DLX_COLLECT,     /* a collection verb or field label: "we collect", "Information
                        type:", 收集, 获取 */
    DLX_NEGATION,    /* "do not collect", "will not be obtained", 不会收集, 不收集 */
    DLX_CONTRAST,    /* "but", "except", 但, 除: ends a negation's reach */
    DLX_CONDITION,   /* "if you choose to", "with your consent", 如您, 经您同意 */
    DLX_OURS,        /* the operator's own contact details: "contact us through", "send
                        an email to", 联系我们 */
    DLX_DEFINE,      /* a definition: "refers to", "means", 是指 */
    DLX_XSECTION,    /* heading words of sections that are not the operator's own
                        collection: "third-party", "definitions", 第三方, 释义 */
    DLX_NKINDS
};

struct draftlex_hit {
    size_t start, end;       /* byte span [start, end) in the scanned text */
    enum draftlex_kind kind;
    const char *target;      /* borrowed from the lexicon (see kinds above) */
    int strength;            /* DLX_SDK: 2 = id, name or alias, 1 = a word of the name */
};

/* Build and compile the lexicon. ont is required; cat may be NULL (no SDK names). They
 * must outlive the lexicon (targets borrow their strings). Returns 0 or a negative
 * lwerr.h code with a message in err; caller frees *out with draftlex_free(). */
int draftlex_new(const ontology_t *ont, const catalog_t *cat, draftlex_t **out, char *err,
                 size_t errlen);
void draftlex_free(draftlex_t *lx);
size_t draftlex_npatterns(const draftlex_t *lx);

/* At most this many hits are kept; a text with more is refused (LW_ERR_FULL): it is
 * no policy, and the cap bounds memory on hostile input. */
#define DRAFTLEX_MAX_HITS 200000

/* Scan text (valid UTF-8, len bytes). Overlapping hits are resolved so that each
 * byte belongs to at most one type/vague phrase (the longest, then the leftmost) and
 * one SDK name (catalogue names before unknown ones); other kinds keep every hit.
 * On success *hits (sorted by start; caller frees with free()) holds *n hits. */
int draftlex_scan(const draftlex_t *lx, const char *text, size_t len,
                  struct draftlex_hit **hits, size_t *n, char *err, size_t errlen);

/* For a name the catalogue lacks ("Tencent SDK"): the ids of catalogue SDKs one of whose
 * names starts with the name's first word ("tencent-bugly", "tencent-im", ...), at most
 * max of them into ids (borrowed from the lexicon). A generic or short first word
 * ("The", "SDK") gives none. Returns the count. */
size_t draftlex_candidates(const draftlex_t *lx, const char *name, size_t len,
                           const char **ids, size_t max);

/* The catalogue category of SDK id (borrowed), or NULL when the lexicon has no such
 * hand-written entry or it has no category. */
const char *draftlex_category(const draftlex_t *lx, const char *id);

#endif
