/* memcap.c - the process-wide memory budget; see memcap.h. */
#include "common/memcap.h"

#include <unistd.h>

void memcap_init(struct memcap *m, size_t limit)
{
    m->limit = limit;
    atomic_init(&m->used, 0);
    atomic_init(&m->peak, 0);
    atomic_init(&m->refused, 0);
}

static void memcap_raise_peak(struct memcap *m, size_t now)
{
    size_t p = atomic_load_explicit(&m->peak, memory_order_relaxed);
    while (now > p &&
           !atomic_compare_exchange_weak_explicit(&m->peak, &p, now, memory_order_relaxed,
                                                  memory_order_relaxed))
        ;
}

int memcap_take(struct memcap *m, size_t n)
{
    if (!m)
        return 1;
    size_t u = atomic_load_explicit(&m->used, memory_order_relaxed);
    for (;;) {
        if (m->limit && (u > m->limit || n > m->limit - u)) {
            atomic_fetch_add_explicit(&m->refused, 1, memory_order_relaxed);
            return 0;
        }
        if (atomic_compare_exchange_weak_explicit(&m->used, &u, u + n, memory_order_relaxed,
                                                  memory_order_relaxed))
            break;
    }
    memcap_raise_peak(m, u + n);
    return 1;
}

void memcap_force(struct memcap *m, size_t n)
{
    if (!m)
        return;
    size_t u = atomic_fetch_add_explicit(&m->used, n, memory_order_relaxed) + n;
    memcap_raise_peak(m, u);
}

void memcap_give(struct memcap *m, size_t n)
{
    if (m && n)
        atomic_fetch_sub_explicit(&m->used, n, memory_order_relaxed);
}

size_t memcap_used(const struct memcap *m)
{
    return m ? atomic_load_explicit(&m->used, memory_order_relaxed) : 0;
}

size_t memcap_peak(const struct memcap *m)
{
    return m ? atomic_load_explicit(&m->peak, memory_order_relaxed) : 0;
}

uint64_t memcap_refused(const struct memcap *m)
{
    return m ? atomic_load_explicit(&m->refused, memory_order_relaxed) : 0;
}

size_t memcap_left(const struct memcap *m)
{
    if (!m || !m->limit)
        return SIZE_MAX;
    size_t u = memcap_used(m);
    return u >= m->limit ? 0 : m->limit - u;
}

size_t memcap_default(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
    size_t q = pages > 0 && psz > 0 ? (size_t)pages * (size_t)psz / 4 : 0;
    return q > ((size_t)256 << 20) ? q : (size_t)256 << 20;
}
