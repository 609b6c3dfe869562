/* diskcache.h - byte strings kept on disk between runs, each under a name that is the
 * SHA-256 of everything that decides its bytes (the caller's key), for work that costs
 * a noticeable share of a short run although its inputs rarely change: compiled
 * Hyperscan databases (hscache.h) and the parsed SDK catalogue (catalog.c).
 *
 * A file is only trusted when it is a regular file owned by us, not writable by group
 * or others, in a directory with the same properties, and when its header (magic, key,
 * length) and the SHA-256 of its payload match. Anything else (stale, truncated,
 * corrupt, foreign) reads as a miss and is replaced by the next store. Files are
 * written to a temporary name (0600) and renamed, so a reader never sees half a file
 * and two runs storing at once do not disturb each other. Errors of the cache itself
 * are never fatal and never printed: the caller then does the work.
 *
 * Not done here: eviction (old files stay until the user clears the directory). */
#ifndef LW_RULES_DISKCACHE_H
#define LW_RULES_DISKCACHE_H

#include <stddef.h>
#include <stdint.h>

/* The cache directory, or NULL for none: LEAKWATCH_NO_CACHE set (not "0"), or neither
 * an absolute $XDG_CACHE_HOME (then $XDG_CACHE_HOME/leakwatch) nor an absolute $HOME
 * (then $HOME/.cache/leakwatch). buf holds the returned path. */
const char *diskcache_dir(char *buf, size_t len);
/* The directory whatever LEAKWATCH_NO_CACHE says: 0, or -1 when there is none. */
int diskcache_default_dir(char *buf, size_t len);

/* The payload stored under key with file name extension ext ("hsdb"), in a buffer from
 * bigmem_alloc(*len) (the caller frees it with bigmem_free(p, *len)); NULL on a miss. */
void *diskcache_load(const char *dir, const char *ext, const uint8_t key[32], size_t *len);
/* Store len bytes under key, creating dir (0700) if needed. 0 or -1. */
int diskcache_store(const char *dir, const char *ext, const uint8_t key[32], const void *p,
                    size_t len);

/* SHA-256 of the concatenation of n parts. 0 or -1. */
int diskcache_sha256(const void *const parts[], const size_t lens[], int n, uint8_t out[32]);

#endif
