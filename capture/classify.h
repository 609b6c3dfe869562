/* classify.h - application protocol classification with nDPI 4.2.
 *
 * One classify_t per worker: nDPI's detection module is not thread-safe. Each flow
 * carries a struct classify_flow; nDPI's own flow state (about 1 KiB) is taken from a
 * per-worker free list when the flow's first packet arrives and returned as soon as
 * nDPI has decided (for plain HTTP with a Host: its first answer, without waiting for
 * the response; or after CLASSIFY_MAX_PACKETS packets, when we give up), so
 * long-lived flows do not pay for it. What we keep is the protocol pair, the category
 * and the server name nDPI extracted (TLS SNI, HTTP Host, DNS query name).
 * Not done here: anything with payload bytes beyond what nDPI reads itself. */
#ifndef LW_CAPTURE_CLASSIFY_H
#define LW_CAPTURE_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>

#define CLASSIFY_MAX_PACKETS 32

struct ndpi_flow_struct;

struct classify_flow {
    struct ndpi_flow_struct *ndpi;  /* NULL when not classifying */
    char *host;                     /* server name, malloc'd; NULL if none */
    uint16_t master, app, category; /* nDPI ids */
    uint16_t packets;               /* packets handed to nDPI */
    uint8_t done;
    uint8_t guessed;                /* decided by giving up (port-based guess) */
};

typedef struct classify classify_t;

struct classify_stats {
    uint64_t detected;       /* flows nDPI recognised from their packets */
    uint64_t guessed;        /* flows classified only by nDPI's give-up guess */
    uint64_t unknown;        /* flows nDPI could not name */
    uint64_t ndpi_in_use;    /* nDPI flow states held right now */
};

/* Create one detection module; any thread may, they are made one at a time (nDPI's
 * init is not reentrant). Caller frees with classify_free(). NULL with a message on
 * failure. */
classify_t *classify_new(char *err, size_t errlen);
void classify_free(classify_t *c);

/* nDPI's module initialisation costs about 20 ms per classifier, one at a time.
 * classify_prewarm() starts making n of them, one after the other, on a thread of its
 * own, to overlap what the caller does meanwhile (loading the rules, then the first
 * workers' packets). classify_take() hands them out in turn, waiting only until the
 * one it hands out is made, and falls back to classify_new() when none is left or
 * prewarming could not start. Any thread may take one; classify_prewarm() is for the
 * main thread, once. Those never taken are freed at exit. */
void classify_prewarm(int n);
classify_t *classify_take(char *err, size_t errlen);
const struct classify_stats *classify_stats(const classify_t *c);
/* Bytes of nDPI state a flow holds while it is being classified: nDPI's flow struct
 * and its share of the slab it comes from (and malloc's header of that), rounded up. */
size_t classify_flow_bytes(void);

/* Feed one packet (IP header first, captured bytes) of the flow unless it is done.
 * Returns 1 when the flow's classification is final, 0 otherwise. */
int classify_packet(classify_t *c, struct classify_flow *cf, const uint8_t *l3,
                    uint32_t len, uint64_t ts_us);

/* The flow ends: decide what can be decided (nDPI give-up guess) and release nDPI's
 * state. Keeps host; release that with classify_release(). */
void classify_finish(classify_t *c, struct classify_flow *cf);
void classify_release(classify_t *c, struct classify_flow *cf);

/* "HTTP", "TLS.Google", "DNS" ... or "Unknown"; written into buf. */
const char *classify_proto_name(classify_t *c, const struct classify_flow *cf, char *buf,
                                size_t len);
/* "Web", "SocialNetwork" ...; static storage of nDPI. */
const char *classify_category_name(classify_t *c, const struct classify_flow *cf);

#endif
