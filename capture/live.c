/* live.c - see live.h. */
#include "capture/live.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/lwerr.h"

struct liveif {
    pcap_t *p;                   /* NULL once failed */
    const char *name;
    int fd;
    /* Counters of a handle that failed, so totals never go backwards. */
    struct pcap_stat last;
};

struct live {
    struct liveif *ifs;
    int n, open, next;           /* next: round-robin start */
    int poll_ms;
    uint64_t pkt_no;
    struct pollfd *pfd;
};

void live_defaults(struct live_options *o)
{
    memset(o, 0, sizeof *o);
    o->snaplen = 65535;
    o->promisc = 1;
    o->buffer_bytes = 64u << 20;
    o->poll_ms = 100;
}

static int why(int st, const char *name, pcap_t *p, char *err, size_t errlen)
{
    const char *detail = p ? pcap_geterr(p) : "";
    switch (st) {
    case PCAP_ERROR_NO_SUCH_DEVICE:
        snprintf(err, errlen, "-i %s: no such device", name);
        return LW_ERR_INVAL;
    case PCAP_ERROR_PERM_DENIED:
        snprintf(err, errlen, "-i %s: permission denied: capture needs root or CAP_NET_RAW "
                              "(%s)", name, detail);
        return LW_ERR_INVAL;
    case PCAP_ERROR_IFACE_NOT_UP:
        snprintf(err, errlen, "-i %s: interface is down", name);
        return LW_ERR_INVAL;
    default:
        snprintf(err, errlen, "-i %s: %s%s%s", name, pcap_statustostr(st), *detail ? ": " : "",
                 detail);
        return LW_ERR_IO;
    }
}

static int open_one(const struct live_options *o, struct liveif *li, char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    int st;
    if (!(li->p = pcap_create(li->name, ebuf))) {
        snprintf(err, errlen, "-i %s: %s", li->name, ebuf);
        return LW_ERR_IO;
    }
    pcap_set_snaplen(li->p, o->snaplen);
    pcap_set_promisc(li->p, o->promisc);
    /* Not immediate mode: libpcap keeps TPACKET_V3 (whole blocks handed over at
     * once); the block timeout bounds the delay to poll_ms. */
    pcap_set_timeout(li->p, o->poll_ms > 0 ? o->poll_ms : 100);
    if (o->buffer_bytes)
        pcap_set_buffer_size(li->p, (int)(o->buffer_bytes > (size_t)1 << 30 ? (size_t)1 << 30
                                                                           : o->buffer_bytes));
    if ((st = pcap_activate(li->p)) < 0)
        return why(st, li->name, li->p, err, errlen);
    if (st > 0 && st != PCAP_WARNING_PROMISC_NOTSUP)
        fprintf(stderr, "leakwatch: -i %s: %s\n", li->name, pcap_statustostr(st));
    if (o->filter && *o->filter) {
        struct bpf_program prog;
        if (pcap_compile(li->p, &prog, o->filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
            snprintf(err, errlen, "filter '%s': %s", o->filter, pcap_geterr(li->p));
            return LW_ERR_INVAL;
        }
        int fr = pcap_setfilter(li->p, &prog);
        pcap_freecode(&prog);
        if (fr < 0) {
            snprintf(err, errlen, "-i %s: cannot set filter: %s", li->name, pcap_geterr(li->p));
            return LW_ERR_IO;
        }
    }
    if (pcap_setnonblock(li->p, 1, ebuf) < 0 || (li->fd = pcap_get_selectable_fd(li->p)) < 0) {
        snprintf(err, errlen, "-i %s: cannot poll the capture: %s", li->name, ebuf);
        return LW_ERR_IO;
    }
    return 0;
}

int live_open(const struct live_options *o, live_t **out, char *err, size_t errlen)
{
    struct live *l = calloc(1, sizeof *l);
    int rc = LW_ERR_NOMEM;
    if (!l || o->nifaces < 1) {
        snprintf(err, errlen, l ? "no interface to capture on" : "out of memory");
        free(l);
        return l ? LW_ERR_INVAL : LW_ERR_NOMEM;
    }
    l->ifs = calloc((size_t)o->nifaces, sizeof *l->ifs);
    l->pfd = calloc((size_t)o->nifaces, sizeof *l->pfd);
    if (!l->ifs || !l->pfd) {
        snprintf(err, errlen, "out of memory");
        goto err;
    }
    l->n = o->nifaces;
    l->poll_ms = o->poll_ms > 0 ? o->poll_ms : 100;
    for (int i = 0; i < l->n; i++) {
        l->ifs[i].name = o->ifaces[i];
        l->ifs[i].fd = -1;
        if ((rc = open_one(o, &l->ifs[i], err, errlen)) < 0)
            goto err;
        l->open++;
    }
    *out = l;
    return 0;
err:
    live_free(l);
    return rc;
}

void live_free(live_t *l)
{
    if (!l)
        return;
    for (int i = 0; l->ifs && i < l->n; i++)
        if (l->ifs[i].p)
            pcap_close(l->ifs[i].p);
    free(l->ifs);
    free(l->pfd);
    free(l);
}

static void fail(struct live *l, struct liveif *li, const char *what, char *err, size_t errlen)
{
    snprintf(err, errlen, "-i %s: %s: %s; capture on it stopped", li->name, what,
             pcap_geterr(li->p));
    pcap_stats(li->p, &li->last);
    pcap_close(li->p);
    li->p = NULL;
    li->fd = -1;
    l->open--;
}

static int try_read(struct live *l, struct source_pkt *p, char *err, size_t errlen)
{
    for (int k = 0; k < l->n; k++) {
        int i = (l->next + k) % l->n;
        struct liveif *li = &l->ifs[i];
        if (!li->p)
            continue;
        struct pcap_pkthdr *h;
        const u_char *data;
        int r = pcap_next_ex(li->p, &h, &data);
        if (r == 1) {
            /* Next call starts at the following interface: none starves another. */
            l->next = (i + 1) % l->n;
            p->data = data;
            p->caplen = h->caplen;
            p->wirelen = h->len;
            p->ts_us = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
            p->linktype = pcap_datalink(li->p);
            p->pkt_no = ++l->pkt_no;
            p->file_pkt_no = p->pkt_no;
            p->file = li->name;
            p->app = NULL;
            p->trailer_len = 0;
            return 1;
        }
        if (r < 0) {
            fail(l, li, "read failed", err, errlen);
            return LW_ERR_IO;
        }
    }
    return 0;
}

int live_next(live_t *l, struct source_pkt *p, char *err, size_t errlen)
{
    if (!l->open) {
        snprintf(err, errlen, "no interface left to capture on");
        return LW_ERR_IO;
    }
    int r = try_read(l, p, err, errlen);
    if (r)
        return r;
    int n = 0;
    for (int i = 0; i < l->n; i++)
        if (l->ifs[i].p)
            l->pfd[n++] = (struct pollfd){.fd = l->ifs[i].fd, .events = POLLIN};
    int pr = poll(l->pfd, (nfds_t)n, l->poll_ms);
    if (pr <= 0)
        return 0;
    return try_read(l, p, err, errlen);
}

int live_stats(live_t *l, struct live_if_stats *out, int max)
{
    for (int i = 0; i < l->n && i < max; i++) {
        struct liveif *li = &l->ifs[i];
        struct pcap_stat ps = li->last;
        if (li->p)
            pcap_stats(li->p, &ps);
        out[i].name = li->name;
        out[i].received = ps.ps_recv;
        out[i].dropped = ps.ps_drop;
        out[i].if_dropped = ps.ps_ifdrop;
    }
    return l->n;
}

int live_count(const live_t *l) { return l->open; }
