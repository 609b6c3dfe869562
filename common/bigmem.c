/* bigmem.c - see bigmem.h. */
#include "common/bigmem.h"

#include <stdlib.h>
#include <sys/mman.h>

#if defined(__SANITIZE_ADDRESS__)
#define BIGMEM_MALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BIGMEM_MALLOC 1
#endif
#endif

void *bigmem_alloc(size_t n)
{
#ifdef BIGMEM_MALLOC
    return calloc(1, n);
#else
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
#ifdef MADV_HUGEPAGE
    madvise(p, n, MADV_HUGEPAGE);   /* advice only: no THP is no error */
#endif
    return p;
#endif
}

void bigmem_free(void *p, size_t n)
{
#ifdef BIGMEM_MALLOC
    (void)n;
    free(p);
#else
    if (p)
        munmap(p, n);
#endif
}
