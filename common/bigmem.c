/* bigmem.c - see bigmem.h. */
#include "common/bigmem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define HUGE_PAGE ((size_t)2 << 20)

/* A huge page must lie whole and aligned inside the mapping: sizes are rounded up to
 * whole huge pages and the start aligned (by mapping one more and trimming). */
static size_t mapped_len(size_t n)
{
    return (n + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
}

void *bigmem_alloc(size_t n)
{
    if (!BIGMEM_SANITIZED && n >= BIGMEM_MIN) {
        size_t len = mapped_len(n);
        uint8_t *p = mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return NULL;
        uint8_t *a = (uint8_t *)(((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
        if (a > p)
            munmap(p, (size_t)(a - p));
        if (a + len < p + len + HUGE_PAGE)
            munmap(a + len, (size_t)(p + len + HUGE_PAGE - (a + len)));
#ifdef MADV_HUGEPAGE
        madvise(a, len, MADV_HUGEPAGE);   /* advice only: no THP is no error */
#endif
        return a;
    }
    /* Not calloc(): its fresh pages are known zero and left unwritten, so a table
     * probed before it is filled maps the shared zero page on the first read and
     * copies it on the first write; with another thread of ours on the other core
     * each such copy also stops that core to flush its TLB (about 500 of them while
     * the catalogue loaded beside the nDPI prewarm: a quarter of the main thread's
     * start-up). Writing the zeros first faults each page in once. */
    void *p = malloc(n ? n : 1);
    if (p)
        memset(p, 0, n);
    return p;
}

void bigmem_free(void *p, size_t n)
{
    if (!BIGMEM_SANITIZED && n >= BIGMEM_MIN) {
        if (p)
            munmap(p, mapped_len(n));
        return;
    }
    free(p);
}
