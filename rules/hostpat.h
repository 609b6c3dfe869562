/* hostpat.h - the catalogue's host-pattern matcher: a Hyperscan block-mode database of the
 * regular expressions SDK entries list under host_patterns (Exodus Privacy network
 * signatures that are not plain host names), compiled once at load.
 *
 * Patterns are searched in the host name as Exodus searches them (unanchored, ASCII
 * case-insensitive). Plain domains never come here: the catalogue's suffix table answers
 * those in O(labels) without any compile step.
 *
 * Read-only after hostpat_new(): hostpat_match() may be called from every thread at once.
 * Each thread keeps one Hyperscan scratch of its own (allocated on the thread's first
 * match, grown when a larger database comes, freed when the thread exits), so a match
 * takes no lock and allocates nothing after the first.
 *
 * The compiled database is cached on disk, keyed by a hash of its inputs
 * ($XDG_CACHE_HOME/leakwatch/, see hostpat.c); LEAKWATCH_NO_CACHE=1 turns that off. */
#ifndef LW_RULES_HOSTPAT_H
#define LW_RULES_HOSTPAT_H

#include <stddef.h>

typedef struct hostpat hostpat_t;

/* Compile n expressions; pattern i reports id i. On a pattern Hyperscan rejects, returns
 * LW_ERR_PARSE with *bad = its index and the reason in err (the caller may drop it and
 * call again); other failures return a negative lwerr.h code. n == 0 gives *out = NULL
 * and 0. On success the caller frees *out with hostpat_free(). */
int hostpat_new(const char *const *exprs, size_t n, hostpat_t **out, size_t *bad, char *err,
                size_t errlen);
void hostpat_free(hostpat_t *h);

/* The lowest id of a pattern found in host (len bytes), or -1 (also for h == NULL and
 * when the scratch cannot be had). */
long hostpat_match(const hostpat_t *h, const char *host, size_t len);

/* Time the compile (or the load from the cache) took, in microseconds, for start-up
 * figures; and whether the database came from the cache (see hostpat.c). */
long hostpat_compile_us(const hostpat_t *h);
int hostpat_from_cache(const hostpat_t *h);

#endif
