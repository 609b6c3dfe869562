/* catalog.h - the SDK catalogue (data/sdks/<name>.yaml, then the generated
 * data/sdks/imported/<name>.yaml): which third-party SDK an endpoint name belongs to, by
 * longest domain-suffix match on label boundaries, then by host pattern (regular
 * expressions, one Hyperscan database). Hand-written entries are matched first; imported
 * ones only when no hand-written domain covers the name, so an import never changes an
 * attribution the hand-written catalogue makes. Entries of category cdn or cloud are
 * front ends: a name they cover attributes no SDK (catalog_match() returns NULL).
 *
 * Read-only after load: catalog_match() takes no lock and allocates nothing, so every
 * worker may call it per flow. */
#ifndef LW_RULES_CATALOG_H
#define LW_RULES_CATALOG_H

#include <stddef.h>

struct rdiag;
typedef struct catalog catalog_t;

/* One SDK. Every pointer is borrowed from the catalogue, valid until catalog_free(). */
struct sdk_entry {
    const char *id;          /* policy files refer to this */
    const char *name;
    const char *vendor;
    const char *source;      /* where the domain mapping comes from */
    const char *note;        /* NULL if absent; says why domains may be empty */
    const char *const *domains;
    size_t n_domains;
    const char *file;        /* file and line of the entry, for messages */
    int line;
    const char *company;     /* owning company; the vendor when not given */
    const char *parent;      /* the company's parent; the company when not given */
    const char *category;    /* one of catalog_category_ok(); "unknown" when not given */
    const char *const *aliases;         /* the names policies use for it */
    size_t n_aliases;
    size_t n_own_aliases;    /* the first n_own_aliases are the defining entry's own list;
                                the rest are names of imported definitions merged into it */
    const char *const *host_patterns;   /* regular expressions over host names */
    size_t n_host_patterns;
    const char *const *code_signatures; /* Java package prefixes, kept for reference */
    size_t n_code_signatures;
    int imported;            /* 1: defined by data/sdks/imported/ files only */
    int frontend;            /* category cdn or cloud: attributes no SDK */
};

/* Load every .yaml / .yml file of dir (or of a layered list "d1:d2", see
 * ryaml_each_file) (sorted by name), then those of dir/imported/ if it exists.
 * Duplicate ids or a domain listed by two SDKs are errors, except that an imported
 * entry with an id already defined merges into it (hand-written fields win) and an
 * imported domain a hand-written entry lists is dropped with a warning. Returns 0 or a
 * negative lwerr.h code with "file:line: ..."
 * in err; on success the caller frees *out with catalog_free(). */
int catalog_load_dir(const char *dir, catalog_t **out, char *err, size_t errlen);
/* catalog_load_dir() first looks for the catalogue in the cache directory
 * (diskcache.h), under the SHA-256 of every file it would read, and stores it there
 * after a load without errors: restoring takes a few milliseconds where parsing the
 * shipped 1.1 MB takes about 70. The _diag form below always parses (it reports every
 * problem). These are the catalogue as bytes and back: catalog_serialize() sets *p
 * (malloc'd) and *n, or returns LW_ERR_NOMEM; catalog_restore() takes p, from
 * bigmem_alloc(n) as diskcache_load() returns it, and returns NULL for bytes that do
 * not describe a catalogue. */
int catalog_serialize(const catalog_t *c, void **p, size_t *n);
catalog_t *catalog_restore(void *p, size_t n);
/* 1 if c came from catalog_restore(). */
int catalog_restored(const catalog_t *c);
/* Same, reporting every problem to d; *out is set (possibly partial) whenever the
 * directory could be read, so a checker can go on. */
int catalog_load_dir_diag(const char *dir, catalog_t **out, struct rdiag *d);
void catalog_free(catalog_t *c);

/* The SDK owning the longest listed suffix of host (ASCII case-insensitive, trailing
 * dot and ":port" ignored), or NULL. "xumeng.com" does not match "umeng.com". */
const struct sdk_entry *catalog_match(const catalog_t *c, const char *host);
/* Same for a name of len bytes that need not be NUL-terminated (SNI, Host header). */
const struct sdk_entry *catalog_match_n(const catalog_t *c, const char *host, size_t len);
/* catalog_match_n(), and in *owner who runs host: the SDK found, else the front end
 * (CDN, cloud, an operator's own services) whose names cover it, else NULL. */
const struct sdk_entry *catalog_lookup_n(const catalog_t *c, const char *host, size_t len,
                                         const struct sdk_entry **owner);
/* By any name a policy may use: the id, the name or an alias, compared with ASCII letters
 * folded, spaces, '-', '_' and '.' ignored and a trailing "SDK" dropped ("Tencent Bugly",
 * "tencent-bugly", "腾讯Bugly SDK"); hand-written entries first. NULL if none. */
const struct sdk_entry *catalog_find_alias(const catalog_t *c, const char *name);
/* 1 if s is a category name entries may use. */
int catalog_category_ok(const char *s);
/* Host patterns compiled, and the time the Hyperscan compile took (microseconds). */
size_t catalog_npatterns(const catalog_t *c);
long catalog_hostdb_us(const catalog_t *c);
/* 1 if the host-pattern database was read from the cache rather than compiled. */
int catalog_hostdb_cached(const catalog_t *c);
/* By id, or NULL. */
const struct sdk_entry *catalog_find(const catalog_t *c, const char *id);
size_t catalog_count(const catalog_t *c);
const struct sdk_entry *catalog_entry(const catalog_t *c, size_t i);
size_t catalog_ndomains(const catalog_t *c);

/* 1 if host (len bytes, any case, optional trailing dot / ":port") equals suffix or
 * ends with "." + suffix. suffix must be lowercase. */
int catalog_host_in(const char *host, size_t len, const char *suffix);

#endif
