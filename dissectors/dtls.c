/* dtls.c - TLS record and handshake reassembly for names; see dtls.h.
 *
 * Per direction: a 5-byte record header, then the payload of handshake records is
 * appended to a buffer (at most DISSECT_TLS_HS_MAX, allocated on the first handshake
 * record) from which complete handshake messages are taken. Nothing else is kept. */
#include "dissectors/dtls.h"

#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#define DTLS_REC_MAX (16384 + 2048) /* TLSCiphertext limit */

struct dtls_dir {
    int done;
    uint8_t rh[5];
    size_t rh_len;
    size_t rec_remain;
    uint8_t *hs;
    size_t hs_len;
};

struct dtls {
    struct dtls_dir d[2];
    struct dissect_stats *st;
};

int dtls_sniff(const uint8_t *s, size_t n)
{
    if (n < 1)
        return -1;
    if (s[0] != 0x16)
        return 0;
    if (n < 2)
        return -1;
    return s[1] == 0x03;
}

struct dtls *dtls_new(struct dissect_stats *st)
{
    struct dtls *t = calloc(1, sizeof *t);
    if (t)
        t->st = st;
    return t;
}

void dtls_free(struct dtls *t)
{
    if (!t)
        return;
    free(t->d[0].hs);
    free(t->d[1].hs);
    free(t);
}

static void dtls_stop(struct dtls_dir *d)
{
    d->done = 1;
    free(d->hs);
    d->hs = NULL;
    d->hs_len = 0;
}

/* Bounds-checked big-endian reader over one handshake message. */
struct dtls_rd {
    const uint8_t *p;
    size_t n, off;
    int bad;
};

static uint32_t dtls_get(struct dtls_rd *r, size_t w)
{
    if (r->bad || r->n - r->off < w) {
        r->bad = 1;
        return 0;
    }
    uint32_t v = 0;
    for (size_t i = 0; i < w; i++)
        v = v << 8 | r->p[r->off + i];
    r->off += w;
    return v;
}

/* Sub-reader over the next len bytes; the parent skips them. */
static struct dtls_rd dtls_sub(struct dtls_rd *r, size_t len)
{
    struct dtls_rd s = {NULL, 0, 0, 1};
    if (r->bad || r->n - r->off < len) {
        r->bad = 1;
        return s;
    }
    s.p = r->p + r->off;
    s.n = len;
    s.bad = 0;
    r->off += len;
    return s;
}

/* Host names are handed over in lower case (as DNS and Host are), ALPN as sent. */
static void dtls_name(const struct dissect_cb *cb, void *ctx, const char *kind,
                      const uint8_t *s, size_t n)
{
    char buf[DNSMAP_NAME_MAX];
    int lower = strcmp(kind, "tls.alpn") != 0;
    if (!n || n >= sizeof buf || memchr(s, 0, n) || !cb || !cb->name)
        return;
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)((lower && s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i]);
    buf[n] = 0;
    cb->name(ctx, kind, buf);
}

static void dtls_client_hello(struct dtls *t, struct dtls_rd r,
                              const struct dissect_cb *cb, void *ctx)
{
    dtls_get(&r, 2 + 32); /* client_version, random */
    dtls_sub(&r, dtls_get(&r, 1));
    dtls_sub(&r, dtls_get(&r, 2));
    dtls_sub(&r, dtls_get(&r, 1));
    if (r.bad) {
        t->st->tls_malformed++;
        return;
    }
    if (r.off == r.n)
        return; /* no extensions */
    struct dtls_rd ext = dtls_sub(&r, dtls_get(&r, 2));
    while (!ext.bad && ext.off < ext.n) {
        uint32_t type = dtls_get(&ext, 2);
        struct dtls_rd e = dtls_sub(&ext, dtls_get(&ext, 2));
        if (e.bad)
            break;
        if (type == 0) { /* server_name */
            struct dtls_rd l = dtls_sub(&e, dtls_get(&e, 2));
            while (!l.bad && l.off < l.n) {
                uint32_t nt = dtls_get(&l, 1);
                struct dtls_rd nm = dtls_sub(&l, dtls_get(&l, 2));
                if (!nm.bad && nt == 0)
                    dtls_name(cb, ctx, "tls.sni", nm.p, nm.n);
            }
            e.bad |= l.bad;
        } else if (type == 16) { /* ALPN */
            struct dtls_rd l = dtls_sub(&e, dtls_get(&e, 2));
            while (!l.bad && l.off < l.n) {
                struct dtls_rd pr = dtls_sub(&l, dtls_get(&l, 1));
                if (!pr.bad)
                    dtls_name(cb, ctx, "tls.alpn", pr.p, pr.n);
            }
            e.bad |= l.bad;
        }
        if (e.bad)
            ext.bad = 1;
    }
    if (ext.bad || r.bad)
        t->st->tls_malformed++;
}

static void dtls_asn1_name(const struct dissect_cb *cb, void *ctx, const ASN1_STRING *s)
{
    if (s)
        dtls_name(cb, ctx, "tls.cert", ASN1_STRING_get0_data(s),
                  (size_t)ASN1_STRING_length(s));
}

static void dtls_certificate(struct dtls *t, struct dtls_rd r,
                             const struct dissect_cb *cb, void *ctx)
{
    struct dtls_rd list = dtls_sub(&r, dtls_get(&r, 3));
    struct dtls_rd der = dtls_sub(&list, dtls_get(&list, 3)); /* leaf only */
    if (der.bad) {
        t->st->tls_malformed++;
        return;
    }
    const unsigned char *p = der.p;
    X509 *x = d2i_X509(NULL, &p, (long)der.n);
    if (!x) {
        t->st->tls_cert_errors++;
        return;
    }
    X509_NAME *subj = X509_get_subject_name(x);
    int idx = subj ? X509_NAME_get_index_by_NID(subj, NID_commonName, -1) : -1;
    if (idx >= 0)
        dtls_asn1_name(cb, ctx, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, idx)));
    GENERAL_NAMES *san = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    for (int i = 0; san && i < sk_GENERAL_NAME_num(san); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(san, i);
        if (g->type == GEN_DNS)
            dtls_asn1_name(cb, ctx, g->d.dNSName);
    }
    GENERAL_NAMES_free(san);
    X509_free(x);
}

/* Take complete handshake messages from the front of d->hs. */
static void dtls_messages(struct dtls *t, struct dtls_dir *d, const struct dissect_cb *cb,
                          void *ctx)
{
    size_t off = 0;
    while (d->hs_len - off >= 4) {
        const uint8_t *m = d->hs + off;
        size_t ml = (size_t)m[1] << 16 | (size_t)m[2] << 8 | m[3];
        if (ml > DISSECT_TLS_HS_MAX - 4) {
            t->st->tls_hs_too_long++;
            dtls_stop(d);
            return;
        }
        if (d->hs_len - off < 4 + ml)
            break;
        struct dtls_rd r = {m + 4, ml, 0, 0};
        if (m[0] == 1)
            dtls_client_hello(t, r, cb, ctx);
        else if (m[0] == 11)
            dtls_certificate(t, r, cb, ctx);
        off += 4 + ml;
    }
    if (off) {
        memmove(d->hs, d->hs + off, d->hs_len - off);
        d->hs_len -= off;
    }
}

void dtls_data(struct dtls *t, int dir, const uint8_t *data, size_t len,
               const struct dissect_cb *cb, void *ctx)
{
    struct dtls_dir *d = &t->d[dir & 1];
    while (len && !d->done) {
        if (d->rh_len < 5) {
            size_t take = 5 - d->rh_len < len ? 5 - d->rh_len : len;
            memcpy(d->rh + d->rh_len, data, take);
            d->rh_len += take;
            data += take;
            len -= take;
            if (d->rh_len < 5)
                return;
            d->rec_remain = (size_t)d->rh[3] << 8 | d->rh[4];
            if (d->rh[0] < 20 || d->rh[0] > 24 || d->rh[1] != 3 ||
                d->rec_remain > DTLS_REC_MAX) {
                t->st->tls_malformed++;
                dtls_stop(d);
                return;
            }
            /* After ChangeCipherSpec or with application data, all is encrypted. */
            if (d->rh[0] == 20 || d->rh[0] == 23) {
                dtls_stop(d);
                return;
            }
            if (d->rh[0] == 22 && !d->hs) {
                d->hs = malloc(DISSECT_TLS_HS_MAX);
                if (!d->hs) {
                    dtls_stop(d);
                    return;
                }
            }
            if (!d->rec_remain)
                d->rh_len = 0;
            continue;
        }
        size_t take = d->rec_remain < len ? d->rec_remain : len;
        if (d->rh[0] == 22) {
            size_t room = DISSECT_TLS_HS_MAX - d->hs_len;
            if (take > room)
                take = room;
            if (!take) {
                t->st->tls_hs_too_long++;
                dtls_stop(d);
                return;
            }
            memcpy(d->hs + d->hs_len, data, take);
            d->hs_len += take;
            dtls_messages(t, d, cb, ctx);
        }
        data += take;
        len -= take;
        d->rec_remain -= take;
        if (!d->rec_remain)
            d->rh_len = 0;
    }
}

void dtls_gap(struct dtls *t, int dir)
{
    dtls_stop(&t->d[dir & 1]);
}
