/* memcap.h - one memory budget for the whole process (issue 20: --memcap MIB).
 *
 * Every subsystem that keeps bytes because of what the traffic says draws from one
 * budget before it allocates and gives back when it frees: flows (with their
 * dissector and matcher state), HTTP body and decompression buffers, HTTP/2 frame
 * buffers. Subsystems that already have a hard cap of their own (reassembly pools, TLS
 * records waiting for keys, the DNS map, the key log) reserve that cap from the budget
 * once, at start-up, so what is left is what the dynamic ones may use. A refused draw
 * is the caller's "emergency": it degrades (evicts its longest-idle flow, stops
 * buffering a body) and counts the drop; the budget itself never goes past its limit.
 *
 * Lock-free: a compare-and-swap on one atomic counter, so workers draw concurrently.
 * Deliberately not done: measuring what malloc really holds (fragmentation, libc
 * arenas, library-internal state such as nDPI's or Hyperscan's); those are the
 * "overhead" a flood test states next to the budget. Base layer: includes nothing of
 * ours. */
#ifndef LW_COMMON_MEMCAP_H
#define LW_COMMON_MEMCAP_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct memcap {
    size_t limit;               /* bytes; fixed after memcap_init */
    atomic_size_t used;         /* bytes drawn now */
    atomic_size_t peak;         /* highest used */
    atomic_uint_fast64_t refused; /* draws refused (each one a degradation counted by
                                     its subsystem too) */
};

/* A budget of limit bytes (0: unlimited, only counted). */
void memcap_init(struct memcap *m, size_t limit);

/* Draw n bytes. 1 when granted, 0 when it would pass the limit (nothing drawn,
 * refused counted). m NULL: always granted (no budget configured). */
int memcap_take(struct memcap *m, size_t n);
/* Draw n bytes even past the limit (state that cannot be refused, e.g. reserved at
 * start-up); used may then exceed limit, and every later memcap_take fails. */
void memcap_force(struct memcap *m, size_t n);
/* Give back n bytes drawn before. m NULL: nothing. */
void memcap_give(struct memcap *m, size_t n);

size_t memcap_used(const struct memcap *m);
size_t memcap_peak(const struct memcap *m);
uint64_t memcap_refused(const struct memcap *m);
/* Bytes still free (0 when spent or past the limit; SIZE_MAX when unlimited). */
size_t memcap_left(const struct memcap *m);

/* The default budget: a quarter of the machine's physical memory, at least 256 MiB. */
size_t memcap_default(void);

#endif
