/* clock.h - monotonic time and deadlines.
 *
 * Timeouts and retry back-offs run on CLOCK_MONOTONIC so that a wall-clock step (NTP,
 * an operator's date) cannot stretch or cut them. A deadline is an absolute
 * struct timespec on that clock, as pthread_cond_timedwait wants it once the
 * condition variable is set to CLOCK_MONOTONIC. The arithmetic takes "now" as an
 * argument so it can be tested without sleeping; clock_deadline_ms and clock_due read
 * the clock themselves.
 *
 * Wall-clock time (clock_wall_us) is only for what must match capture timestamps:
 * live packet time and the time stamped on an event. */
#ifndef LW_COMMON_CLOCK_H
#define LW_COMMON_CLOCK_H

#include <time.h>

static inline struct timespec clock_mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts;
}

/* The monotonic clock in seconds, for rates and elapsed times. */
static inline double clock_mono_s(void)
{
    struct timespec ts = clock_mono_now();
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Clock id in microseconds. */
static inline unsigned long long clock_us(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (unsigned long long)ts.tv_sec * 1000000u + (unsigned long long)ts.tv_nsec / 1000u;
}

/* Microseconds since the epoch (CLOCK_REALTIME), the unit of packet timestamps. */
static inline unsigned long long clock_wall_us(void)
{
    return clock_us(CLOCK_REALTIME);
}

/* CPU time the calling thread has used, in microseconds (the stats event's cpu_us:
 * which thread of a run is the busy one). */
static inline unsigned long long clock_thread_cpu_us(void)
{
    return clock_us(CLOCK_THREAD_CPUTIME_ID);
}

/* t plus ms milliseconds (ms >= 0), normalised. */
static inline struct timespec clock_add_ms(struct timespec t, long ms)
{
    t.tv_sec += ms / 1000;
    t.tv_nsec += (ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

/* Has now reached deadline (now >= deadline)? */
static inline int clock_reached(struct timespec now, struct timespec deadline)
{
    return now.tv_sec > deadline.tv_sec ||
           (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec);
}

/* Milliseconds from a to b (negative when b is before a). */
static inline double clock_ms_between(struct timespec a, struct timespec b)
{
    return (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
}

/* The monotonic deadline ms milliseconds from now. */
static inline struct timespec clock_deadline_ms(long ms)
{
    return clock_add_ms(clock_mono_now(), ms);
}

/* Has the monotonic clock reached deadline? */
static inline int clock_due(struct timespec deadline)
{
    return clock_reached(clock_mono_now(), deadline);
}

#endif
