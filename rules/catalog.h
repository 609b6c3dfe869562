/* catalog.h - the SDK catalogue (data/sdks/<name>.yaml): which third-party SDK an endpoint
 * name belongs to, by longest domain-suffix match on label boundaries.
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
};

/* Load every .yaml / .yml file of dir (or of a layered list "d1:d2", see
 * ryaml_each_file) (sorted by name). Duplicate ids or a domain listed
 * by two SDKs are errors. Returns 0 or a negative lwerr.h code with "file:line: ..."
 * in err; on success the caller frees *out with catalog_free(). */
int catalog_load_dir(const char *dir, catalog_t **out, char *err, size_t errlen);
/* Same, reporting every problem to d; *out is set (possibly partial) whenever the
 * directory could be read, so a checker can go on. */
int catalog_load_dir_diag(const char *dir, catalog_t **out, struct rdiag *d);
void catalog_free(catalog_t *c);

/* The SDK owning the longest listed suffix of host (ASCII case-insensitive, trailing
 * dot and ":port" ignored), or NULL. "xumeng.com" does not match "umeng.com". */
const struct sdk_entry *catalog_match(const catalog_t *c, const char *host);
/* Same for a name of len bytes that need not be NUL-terminated (SNI, Host header). */
const struct sdk_entry *catalog_match_n(const catalog_t *c, const char *host, size_t len);
/* By id, or NULL. */
const struct sdk_entry *catalog_find(const catalog_t *c, const char *id);
size_t catalog_count(const catalog_t *c);
const struct sdk_entry *catalog_entry(const catalog_t *c, size_t i);
size_t catalog_ndomains(const catalog_t *c);

/* 1 if host (len bytes, any case, optional trailing dot / ":port") equals suffix or
 * ends with "." + suffix. suffix must be lowercase. */
int catalog_host_in(const char *host, size_t len, const char *suffix);

#endif
