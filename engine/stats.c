/* stats.c - see stats.h. */
#include "engine/stats.h"

#include <string.h>

void stats_worker_add(struct stats_worker *into, const struct stats_worker *from)
{
#define STATS_ADD(section, name) into->section##_##name += from->section##_##name;
    STATS_WORKER(STATS_ADD)
#undef STATS_ADD
    dissect_stats_add(&into->dissect, &from->dissect);
}

void stats_worker_each(const struct stats_worker *s,
                       void (*fn)(void *ctx, const char *section, const char *name,
                                  uint64_t v),
                       void *ctx)
{
#define STATS_EACH(section, name) fn(ctx, #section, #name, s->section##_##name);
    STATS_WORKER(STATS_EACH)
#undef STATS_EACH
}

void stats_slot_init(struct stats_slot *s)
{
    pthread_mutex_init(&s->lock, NULL);
    memset(&s->snap, 0, sizeof s->snap);
}

void stats_slot_destroy(struct stats_slot *s)
{
    pthread_mutex_destroy(&s->lock);
}

void stats_slot_publish(struct stats_slot *s, const struct stats_worker *from)
{
    pthread_mutex_lock(&s->lock);
    s->snap = *from;
    pthread_mutex_unlock(&s->lock);
}

void stats_slot_read(struct stats_slot *s, struct stats_worker *to)
{
    pthread_mutex_lock(&s->lock);
    *to = s->snap;
    pthread_mutex_unlock(&s->lock);
}
