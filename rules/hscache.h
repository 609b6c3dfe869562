/* hscache.h - compiled Hyperscan databases kept on disk between runs.
 *
 * Compiling the matcher's databases costs a noticeable share of a short run's CPU
 * (and seconds for large profiles) although the patterns rarely change. This module
 * is hs_compile_multi() with a cache in front: the database is looked up in a
 * directory under a name that is the SHA-256 of everything that decides its bytes
 * (each expression, flag and id, the mode, hs_version() and the host platform as
 * hs_populate_platform() reports it); on a miss it is compiled and stored.
 *
 * The file is kept by diskcache.h, which says when one is trusted; errors of the cache
 * are never fatal and never printed: the database is then simply compiled.
 *
 * Not done here: eviction (old databases stay until the user clears the directory;
 * a few MiB per rule set). */
#ifndef LW_RULES_HSCACHE_H
#define LW_RULES_HSCACHE_H

#include <hs/hs.h>
#include <stddef.h>

enum hscache_how {
    HSCACHE_COMPILED,         /* no cache, or it could not be written */
    HSCACHE_STORED,           /* compiled, then written to the cache */
    HSCACHE_LOADED,           /* read from the cache, nothing compiled */
};

/* hs_compile_multi() (same arguments, same results and ownership: the caller frees
 * *db with hs_free_database() and *cerr with hs_free_compile_error()), first looking
 * in dir. dir NULL: no cache. how (may be NULL) says which path was taken. */
hs_error_t hscache_compile_multi(const char *dir, const char *const *exprs,
                                 const unsigned *flags, const unsigned *ids, unsigned n,
                                 unsigned mode, hs_database_t **db, hs_compile_error_t **cerr,
                                 enum hscache_how *how);

#endif
