/* live.h - packets from network interfaces as they arrive, for the reader thread.
 *
 * One libpcap handle per interface (TPACKET_V3 ring, kernel BPF filter), all
 * non-blocking and polled together, so one thread sees every interface in arrival
 * order per interface. It does not spread packets over threads (the reader does, by
 * flow hash; see docs/live.md for why not PACKET_FANOUT), and it does not drop
 * privileges (main.c does, once live_open() has returned). */
#ifndef LW_CAPTURE_LIVE_H
#define LW_CAPTURE_LIVE_H

#include <stddef.h>
#include <stdint.h>

#include "capture/source.h"

typedef struct live live_t;

struct live_options {
    const char *const *ifaces;   /* borrowed, must outlive the capture */
    int nifaces;
    const char *filter;          /* BPF expression or NULL */
    int snaplen;                 /* bytes kept per packet */
    int promisc;                 /* 1: promiscuous mode */
    size_t buffer_bytes;         /* kernel ring per interface */
    int poll_ms;                 /* live_next() waits at most this long */
};

/* Defaults: snaplen 65535, promiscuous, 64 MiB buffer, 100 ms. */
void live_defaults(struct live_options *o);

/* Opens and activates every interface (needs CAP_NET_RAW). A failure names the
 * interface and the reason (no such device, permission, bad filter). Caller frees
 * with live_free(). */
int live_open(const struct live_options *o, live_t **out, char *err, size_t errlen);
void live_free(live_t *l);

/* 1: a packet in *p (p->file is the interface name; p->data valid until the next
 * call). 0: nothing arrived within poll_ms. <0: an interface failed (message in err);
 * it is closed and the others go on; once none is left every call returns
 * LW_ERR_IO. Reader thread only. */
int live_next(live_t *l, struct source_pkt *p, char *err, size_t errlen);

struct live_if_stats {
    const char *name;            /* borrowed */
    uint64_t received;           /* passed the filter (pcap ps_recv) */
    uint64_t dropped;            /* kernel ring full (PACKET_STATISTICS tp_drops) */
    uint64_t if_dropped;         /* dropped by the interface/driver (ps_ifdrop) */
};

/* Fills up to max entries, returns the number of interfaces. Counters are
 * cumulative since live_open(). Same thread as live_next(), or after it stopped. */
int live_stats(live_t *l, struct live_if_stats *out, int max);

/* Interfaces still capturing. */
int live_count(const live_t *l);

#endif
