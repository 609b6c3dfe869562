/* dnsmap.h - a bounded, TTL-aware map from IP address to the DNS name that resolved
 * to it, shared by every worker.
 *
 * DNS answers seen on any flow fill it (writes are rare); flows that carry no SNI or
 * Host look their destination up (reads are frequent). It is an open-addressed table
 * of fixed capacity: a put into a full probe window replaces the entry that expires
 * first, so memory never grows after dnsmap_new().
 *
 * Deliberately not done: reverse lookups (name -> IPs), persistence, negative caching.
 * Thread safety: every function except dnsmap_new/dnsmap_free may be called from any
 * thread at once; a pthread rwlock inside the map guards the table. */
#ifndef LW_DISSECTORS_DNSMAP_H
#define LW_DISSECTORS_DNSMAP_H

#include <stddef.h>
#include <stdint.h>

#define DNSMAP_NAME_MAX 256 /* a DNS name in text form is at most 253 chars + NUL */

typedef struct dnsmap dnsmap_t;

/* capacity: number of entries kept (rounded up to a power of two, at least 16).
 * Returns NULL on allocation failure. Caller frees with dnsmap_free(). */
dnsmap_t *dnsmap_new(size_t capacity);
/* dnsmap_free(NULL) does nothing. No other thread may use the map during the call. */
void dnsmap_free(dnsmap_t *m);

/* family 4 (ip holds 4 bytes) or 6 (16 bytes). name is copied (truncated to
 * DNSMAP_NAME_MAX - 1). The entry expires at now_s + ttl; ttl 0 is stored as 1 s so a
 * flow that starts right after the answer is still named. Returns 0, or LW_ERR_INVAL. */
int dnsmap_put(dnsmap_t *m, int family, const uint8_t *ip, const char *name,
               uint32_t ttl, uint64_t now_s);

/* Copy the name for ip into out (NUL-terminated, truncated to outlen). Returns 1 if a
 * live entry was found, 0 if none or expired, LW_ERR_INVAL on bad arguments. */
int dnsmap_get(dnsmap_t *m, int family, const uint8_t *ip, uint64_t now_s, char *out,
               size_t outlen);

/* Live entries (for tests and statistics). */
size_t dnsmap_count(dnsmap_t *m, uint64_t now_s);

#endif
