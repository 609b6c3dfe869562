/* bigmem.h - large zeroed buffers made once per run and touched all over (a worker's
 * packet ring, its flow table's buckets, the SDK catalogue's hash tables), mapped on
 * their own, 2 MiB aligned and advised as transparent huge pages.
 *
 * Why: each 4 KiB page is faulted in on first touch, and on the virtual machines labs
 * run on a fault costs about 13 us (measured here; 1 us with MAP_POPULATE). An 8 MiB
 * ring touched page by page cost the reader 2,048 faults per run, about 27 ms. With
 * huge pages it is four. Where THP is "never" this is plain mmap.
 *
 * Below BIGMEM_MIN, and under AddressSanitizer (so overruns are still caught), these
 * are calloc()/free(): a mapping per small table would cost more than it saves. */
#ifndef LW_COMMON_BIGMEM_H
#define LW_COMMON_BIGMEM_H

#include <stddef.h>

#define BIGMEM_MIN ((size_t)1 << 20)

/* 1 when built with AddressSanitizer: then nothing is mapped, and callers that carve
 * their own allocations out of a bigmem buffer should not (ASan could not see them). */
#if defined(__SANITIZE_ADDRESS__)
#define BIGMEM_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BIGMEM_SANITIZED 1
#endif
#endif
#ifndef BIGMEM_SANITIZED
#define BIGMEM_SANITIZED 0
#endif

/* n zeroed bytes (rounded up to 2 MiB when mapped), or NULL. Free with
 * bigmem_free(p, n), the same n. */
void *bigmem_alloc(size_t n);
void bigmem_free(void *p, size_t n);

#endif
