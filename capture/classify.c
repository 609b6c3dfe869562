/* classify.c - see classify.h. */
#include "capture/classify.h"

#include <ndpi_api.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bigmem.h"
#include "common/lwerr.h"

struct free_ndpi {
    struct free_ndpi *next;
};

/* nDPI flow states are carved from slabs of CLASSIFY_SLAB and recycled through the
 * free list, never freed before classify_free(): no allocator header on each (nDPI's
 * state is a tracked flow's largest block). Sanitized builds allocate each alone, so
 * that an overrun of one is caught. */
#define CLASSIFY_SLAB 64
struct ndpi_slab {
    struct ndpi_slab *next;
    max_align_t states[];        /* CLASSIFY_SLAB states of stride bytes */
};

struct classify {
    struct ndpi_detection_module_struct *ndpi;
    struct free_ndpi *free;      /* recycled nDPI flow states */
    struct ndpi_slab *slabs;
    size_t flow_size;
    size_t stride;               /* flow_size rounded up to max_align_t's alignment */
    struct classify_stats st;
};

static size_t classify_stride(size_t flow_size)
{
    return (flow_size + _Alignof(max_align_t) - 1) / _Alignof(max_align_t) *
           _Alignof(max_align_t);
}

/* nDPI 4.2's module initialisation sets process-wide state on its first run (its
 * bigram tables, libgcrypt's initialisation): one module is made at a time. Once one
 * exists that state is only read, so a worker may classify while another is made. */
static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;

classify_t *classify_new(char *err, size_t errlen)
{
    classify_t *c = calloc(1, sizeof *c);
    if (!c)
        goto err;
    pthread_mutex_lock(&init_lock);
    c->ndpi = ndpi_init_detection_module(ndpi_no_prefs);
    if (c->ndpi) {
        NDPI_PROTOCOL_BITMASK all;
        NDPI_BITMASK_SET_ALL(all);
        ndpi_set_protocol_detection_bitmask2(c->ndpi, &all);
        ndpi_finalize_initialization(c->ndpi);
    }
    pthread_mutex_unlock(&init_lock);
    if (!c->ndpi)
        goto err;
    c->flow_size = ndpi_detection_get_sizeof_ndpi_flow_struct();
    c->stride = classify_stride(c->flow_size);
    return c;
err:
    snprintf(err, errlen, "cannot initialise nDPI %s", ndpi_revision());
    classify_free(c);
    return NULL;
}

/* Building a module is about 100,000 small nDPI allocations (4.6 MB), almost none freed
 * before the module is. From malloc, on a virtual machine where a page fault costs
 * about 13 us, that was 1,400 faults and 30 ms per module, and as many frees at exit.
 * So a module made by classify_prewarm() takes them from a slot of one mapping advised
 * as huge pages, by bumping a pointer; nDPI frees of slot memory do nothing (the slot
 * lives to the end of the run, as the modules do). Only the thread building a module
 * allocates from a slot: flows' allocations, on the workers, are malloc's. Not under
 * AddressSanitizer, whose red zones a bump allocator would hide. */
#define SLOT_BYTES ((size_t)8 << 20)
static uint8_t *slots;              /* set before any thread but the main one runs */
static size_t slots_len;
static _Thread_local uint8_t *slot_cur, *slot_end;

static void *slot_malloc(size_t n)
{
    size_t need = (n + 15) & ~(size_t)15;
    if (slot_cur && need >= n && need <= (size_t)(slot_end - slot_cur)) {
        void *p = slot_cur;
        slot_cur += need;
        return p;
    }
    return malloc(n);
}

static int in_slots(const void *p)
{
    return slots && (const uint8_t *)p >= slots && (const uint8_t *)p < slots + slots_len;
}

static void slot_free(void *p)
{
    if (!in_slots(p))
        free(p);
}

static void slots_map(int n)
{
    if (BIGMEM_SANITIZED)
        return;
    size_t len = (size_t)n * SLOT_BYTES;
    void *p = bigmem_alloc(len);
    if (!p)
        return;
    slots = p;
    slots_len = len;
    set_ndpi_malloc(slot_malloc);
    set_ndpi_free(slot_free);
}

/* What classify_prewarm() makes: made[i] is set before ready passes i. n is written
 * before the thread starts and started once it has, both by the main thread before
 * any other thread takes a module; the rest under lock. */
#define PREWARM_MAX 64
static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;         /* ready grew */
    pthread_t thread;
    int started;
    int n, ready, next;
    classify_t *made[PREWARM_MAX];
} prewarm = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static void *prewarm_main(void *arg)
{
    (void)arg;
    char err[LW_ERRBUF];
    for (int i = 0; i < prewarm.n; i++) {
        if (slots) {
            slot_cur = slots + (size_t)i * SLOT_BYTES;
            slot_end = slot_cur + SLOT_BYTES;
        }
        classify_t *c = classify_new(err, sizeof err);   /* NULL: taken afresh later */
        pthread_mutex_lock(&prewarm.lock);
        prewarm.made[i] = c;
        prewarm.ready = i + 1;
        pthread_cond_broadcast(&prewarm.cond);
        pthread_mutex_unlock(&prewarm.lock);
    }
    slot_cur = slot_end = NULL;
    return NULL;
}

static void prewarm_free(void)
{
    pthread_join(prewarm.thread, NULL);
    for (int i = 0; i < prewarm.n; i++)
        classify_free(prewarm.made[i]);
}

void classify_prewarm(int n)
{
    if (prewarm.started || n <= 0)
        return;
    prewarm.n = n < PREWARM_MAX ? n : PREWARM_MAX;
    slots_map(prewarm.n);
    if (pthread_create(&prewarm.thread, NULL, prewarm_main, NULL) != 0)
        return;
    prewarm.started = 1;
    atexit(prewarm_free);
}

classify_t *classify_take(char *err, size_t errlen)
{
    classify_t *c = NULL;
    pthread_mutex_lock(&prewarm.lock);
    if (prewarm.started && prewarm.next < prewarm.n) {
        int k = prewarm.next++;
        while (prewarm.ready <= k)
            pthread_cond_wait(&prewarm.cond, &prewarm.lock);
        c = prewarm.made[k];
        prewarm.made[k] = NULL;
    }
    pthread_mutex_unlock(&prewarm.lock);
    return c ? c : classify_new(err, errlen);
}

void classify_free(classify_t *c)
{
    if (!c)
        return;
    for (struct free_ndpi *f = c->free, *n; BIGMEM_SANITIZED && f; f = n) {
        n = f->next;
        free(f);
    }
    for (struct ndpi_slab *s = c->slabs, *n; s; s = n) {
        n = s->next;
        free(s);
    }
    /* A module made in a slot is freed with the process, not taken apart: its memory
     * is the slot's, and ndpi_exit_detection_module() would walk every tree and
     * automaton of it to free nothing (2.7 ms per module, on the way out of every
     * run: slot modules are the CLI's, freed as its one run ends). */
    if (c->ndpi && !in_slots(c->ndpi))
        ndpi_exit_detection_module(c->ndpi);
    free(c);
}

const struct classify_stats *classify_stats(const classify_t *c) { return &c->st; }

size_t classify_flow_bytes(void)
{
    size_t slab = sizeof(struct ndpi_slab) + CLASSIFY_SLAB *
                  classify_stride(ndpi_detection_get_sizeof_ndpi_flow_struct()) + 16;
    return (slab + CLASSIFY_SLAB - 1) / CLASSIFY_SLAB;
}

/* One more slab's states on the free list; -1 without memory. */
static int ndpi_slab_add(classify_t *c)
{
    struct ndpi_slab *s = malloc(sizeof *s + CLASSIFY_SLAB * c->stride);
    if (!s)
        return -1;
    s->next = c->slabs;
    c->slabs = s;
    for (size_t i = CLASSIFY_SLAB; i-- > 0;) {
        struct free_ndpi *f = (struct free_ndpi *)((char *)s->states + i * c->stride);
        f->next = c->free;
        c->free = f;
    }
    return 0;
}

static struct ndpi_flow_struct *ndpi_get(classify_t *c)
{
    void *m;
    if (!c->free && BIGMEM_SANITIZED) {
        if (!(m = malloc(c->flow_size)))
            return NULL;
    } else {
        if (!c->free && ndpi_slab_add(c) < 0)
            return NULL;
        m = c->free;
        c->free = c->free->next;
    }
    memset(m, 0, c->flow_size);
    c->st.ndpi_in_use++;
    return m;
}

static void ndpi_put(classify_t *c, struct classify_flow *cf)
{
    if (!cf->ndpi)
        return;
    /* Frees what nDPI hung on the state (TLS names, JA3 strings), not the state. */
    ndpi_free_flow_data(cf->ndpi);
    struct free_ndpi *f = (struct free_ndpi *)cf->ndpi;
    f->next = c->free;
    c->free = f;
    cf->ndpi = NULL;
    c->st.ndpi_in_use--;
}

static void keep_results(classify_t *c, struct classify_flow *cf, ndpi_protocol p)
{
    cf->master = p.master_protocol;
    cf->app = p.app_protocol;
    cf->category = (uint16_t)p.category;
    const char *h = cf->ndpi ? (const char *)cf->ndpi->host_server_name : "";
    if (h[0] && !cf->host)
        cf->host = strndup(h, sizeof cf->ndpi->host_server_name);
    (void)c;
}

/* nDPI's first answer is final for plain HTTP once it has the Host: its extra
 * dissection would only wait for the response headers (several more calls per flow,
 * the bulk of a download-heavy capture), and nothing it finds there reaches our
 * events (status and content come from our own HTTP dissector). Elsewhere the extra
 * packets still matter to what the flow event says: DNS answers name the
 * sub-protocol (DNS.Apple), TLS handshakes the category, and an HTTP request whose
 * Host line comes in a later segment has no name yet; those keep going. */
static int first_answer_final(const struct classify_flow *cf, ndpi_protocol p)
{
    return p.master_protocol == NDPI_PROTOCOL_UNKNOWN && p.app_protocol == NDPI_PROTOCOL_HTTP &&
           cf->ndpi->host_server_name[0];
}

int classify_packet(classify_t *c, struct classify_flow *cf, const uint8_t *l3, uint32_t len,
                    uint64_t ts_us)
{
    if (cf->done)
        return 1;
    if (!cf->ndpi && !(cf->ndpi = ndpi_get(c)))
        return 0; /* no memory now: the next packet tries again */
    if (len > 0xffff)
        len = 0xffff;
    ndpi_protocol p = ndpi_detection_process_packet(c->ndpi, cf->ndpi, l3,
                                                    (unsigned short)len, ts_us / 1000);
    cf->packets++;
    int known = p.app_protocol != NDPI_PROTOCOL_UNKNOWN ||
                p.master_protocol != NDPI_PROTOCOL_UNKNOWN;
    if (known && (first_answer_final(cf, p) ||
                  !ndpi_extra_dissection_possible(c->ndpi, cf->ndpi))) {
        keep_results(c, cf, p);
        cf->done = 1;
        c->st.detected++;
        ndpi_put(c, cf);
        return 1;
    }
    if (cf->packets >= CLASSIFY_MAX_PACKETS)
        classify_finish(c, cf);
    return cf->done;
}

void classify_finish(classify_t *c, struct classify_flow *cf)
{
    if (cf->done || !cf->ndpi) {
        ndpi_put(c, cf);
        return;
    }
    /* nDPI may already know more than the last packet result said (e.g. TLS whose
     * certificate never came): ask for its verdict before guessing by port. */
    uint8_t guessed = 0;
    ndpi_protocol p = ndpi_detection_giveup(c->ndpi, cf->ndpi, 1, &guessed);
    keep_results(c, cf, p);
    cf->done = 1;
    cf->guessed = guessed;
    if (p.app_protocol == NDPI_PROTOCOL_UNKNOWN && p.master_protocol == NDPI_PROTOCOL_UNKNOWN)
        c->st.unknown++;
    else if (guessed)
        c->st.guessed++;
    else
        c->st.detected++;
    ndpi_put(c, cf);
}

void classify_release(classify_t *c, struct classify_flow *cf)
{
    ndpi_put(c, cf);
    free(cf->host);
    cf->host = NULL;
}

const char *classify_proto_name(classify_t *c, const struct classify_flow *cf, char *buf,
                                size_t len)
{
    ndpi_protocol p = {cf->master, cf->app, (ndpi_protocol_category_t)cf->category};
    return ndpi_protocol2name(c->ndpi, p, buf, (u_int)len);
}

const char *classify_category_name(classify_t *c, const struct classify_flow *cf)
{
    return ndpi_category_get_name(c->ndpi, (ndpi_protocol_category_t)cf->category);
}
