/* bigmem.h - large zeroed buffers that live as long as a worker (its packet ring, its
 * flow table's buckets), mapped on their own and advised as transparent huge pages.
 *
 * Why: each 4 KiB page is faulted in on first touch, and on the virtual machines labs
 * run on a fault costs about 13 us (measured here; 1 us with MAP_POPULATE). An 8 MiB
 * ring touched page by page cost the reader 2,048 faults per run, about 27 ms. With
 * huge pages it is four. Where THP is "never" this is plain mmap, as cheap as malloc.
 *
 * Under AddressSanitizer these are calloc()/free(), so overruns are still caught. */
#ifndef LW_COMMON_BIGMEM_H
#define LW_COMMON_BIGMEM_H

#include <stddef.h>

/* n zeroed bytes, or NULL. Free with bigmem_free(p, n), the same n. */
void *bigmem_alloc(size_t n);
void bigmem_free(void *p, size_t n);

#endif
