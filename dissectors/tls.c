/* tls.c - TLS record framing, handshake parsing and the decryption state machine;
 * see tls.h.
 *
 * Per direction: a 5-byte record header, then the whole record (zero-copy when it is
 * complete in the feed, else gathered in a per-direction buffer allocated once).
 * Handshake payload, cleartext or decrypted, goes to a second buffer (growing up to
 * DISSECT_TLS_HS_MAX, freed when empty) from which complete handshake messages are
 * taken. Records that
 * need a key not known yet are appended to a per-direction wait buffer and replayed in
 * order when it appears. Nothing here does cryptography: that is tls_decrypt.c. */
#include "dissectors/tls.h"

#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "common/ascii.h"
#include "common/bytes.h"
#include "dissectors/tls_decrypt.h"
#include "dissectors/keylog.h"

#define TLS_REC_MAX (16384 + 2048) /* TLSCiphertext limit */
#define TLS_FAILS_MAX 8            /* consecutive tag failures before giving up */
#define TLS_HS_INIT 4096           /* first handshake buffer; doubles up to the max */
/* A followed key log gets a session's secrets within moments of its handshake; records
 * of most live flows never get one, and must not sit on the worker's wait budget. */
#define TLS_WAIT_SECS 5
#define TLS_EARLY_MAX 256 /* 0-RTT records passed over before the handshake key */

struct tls_dir {
    int done;          /* framing lost or nothing more to read */
    uint8_t rh[5];
    size_t rh_len;
    size_t rec_len, got; /* current record's payload length, bytes gathered */
    uint8_t *rec;        /* gathered payload of a record split across feeds */
    uint8_t *hs;
    size_t hs_len, hs_alloc;
    int ccs;           /* ChangeCipherSpec seen (TLS 1.2: records now protected) */
    int stage;         /* keys: 0 none, 1 TLS 1.2 or 1.3 handshake, 2 TLS 1.3 application */
    int want_app;      /* TLS 1.3 Finished seen: next record uses application keys */
    int key_update;    /* TLS 1.3 KeyUpdate seen: rekey after this record */
    int dead;          /* decryption given up (no key, unsupported, failures) */
    int fails;
    int stage_ok;      /* a record of the current stage has decrypted */
    int early_skipped;
    uint8_t *wait;     /* whole records (header + payload) waiting for a key */
    size_t wait_len, wait_alloc;
    uint64_t wait_since; /* env->now_s when the oldest waiting record came */
};

/* What decrypting a session takes: its secrets from the key log and each direction's
 * record keys. Made when the key log first has secrets for the session, so a flow
 * nobody decrypts holds none of it (about 480 bytes). */
struct tls_keys {
    struct keylog_secrets sec;
    struct tls_decrypt_key key[2]; /* by direction */
};

struct tls {
    struct tls_dir d[2];
    struct dissect_env *env;
    struct dissect_stats *st;
    tls_app_fn app;
    void *app_arg;
    uint8_t cr[32], sr[32];
    int have_cr, have_sh, tls13, nodec, decrypting, alpn;
    int version_known; /* tls13 is meaningful: ServerHello or HelloRetryRequest seen */
    int early;         /* the ClientHello offered 0-RTT (early_data extension) */
    int ech;           /* the ClientHello offered Encrypted Client Hello */
    int cert_seen;     /* the server's Certificate was read (dark-flow diagnosis) */
    int app_plain;     /* application data was decrypted */
    int expired;       /* records were dropped after waiting TLS_WAIT_SECS for a key */
    int late;          /* ... and the key was there at the end of the flow */
    uint16_t suite;
    int looked;        /* keylog_lookup done at generation gen */
    uint64_t gen;
    struct tls_keys *k;  /* NULL until the key log has secrets for this session */
    uint8_t *plain;    /* decrypted record, reused */
};

/* ServerHello.random of a HelloRetryRequest (RFC 8446 4.1.3). */
static const uint8_t tls_hrr[32] = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
};

int tls_sniff(const uint8_t *s, size_t n)
{
    if (n < 1)
        return -1;
    if (s[0] != 0x16)
        return 0;
    if (n < 2)
        return -1;
    return s[1] == 0x03;
}

struct tls *tls_new(struct dissect_env *env, tls_app_fn app, void *arg)
{
    struct tls *t = calloc(1, sizeof *t);
    if (t) {
        t->env = env;
        t->st = &env->stats;
        t->app = app;
        t->app_arg = arg;
    }
    return t;
}

static void tls_wait_free(struct tls *t, struct tls_dir *d)
{
    t->env->tls_wait_bytes -= d->wait_len;
    free(d->wait);
    d->wait = NULL;
    d->wait_len = d->wait_alloc = 0;
}

void tls_free(struct tls *t)
{
    if (!t)
        return;
    for (int i = 0; i < 2; i++) {
        struct tls_dir *d = &t->d[i];
        free(d->hs);
        free(d->rec);
        tls_wait_free(t, d);
    }
    if (t->k) {
        tls_decrypt_key_clear(&t->k->key[0]);
        tls_decrypt_key_clear(&t->k->key[1]);
        OPENSSL_cleanse(t->k, sizeof *t->k);
        free(t->k);
    }
    free(t->plain);
    free(t);
}

int tls_decrypting(const struct tls *t)
{
    return t && t->decrypting;
}

int tls_alpn(const struct tls *t)
{
    return t ? t->alpn : TLS_ALPN_NONE;
}

static void tls_stop(struct tls *t, struct tls_dir *d)
{
    d->done = 1;
    free(d->hs);
    d->hs = NULL;
    d->hs_len = d->hs_alloc = 0;
    free(d->rec);
    d->rec = NULL;
    tls_wait_free(t, d);
}

/* Host names are handed over in lower case (as DNS and Host are), ALPN as sent. */
static void tls_name(const struct dissect_cb *cb, void *ctx, const char *kind,
                     const uint8_t *s, size_t n)
{
    char buf[DNSMAP_NAME_MAX];
    int lower = strcmp(kind, "tls.alpn") != 0;
    if (!n || n >= sizeof buf || memchr(s, 0, n) || !cb || !cb->name)
        return;
    if (lower)
        ascii_lower_copy(buf, s, n);
    else
        memcpy(buf, s, n);
    buf[n] = 0;
    cb->name(ctx, kind, buf);
}

/* Walk an extensions block: fn(type, body) for each; returns 0, or -1 if malformed. */
static int tls_exts(struct bytes *r, void (*fn)(void *a, uint32_t type, struct bytes e),
                    void *a)
{
    if (r->off == r->len)
        return 0; /* no extensions */
    struct bytes ext = bytes_sub(r, bytes_u16be(r));
    while (!ext.err && ext.off < ext.len) {
        uint32_t type = bytes_u16be(&ext);
        struct bytes e = bytes_sub(&ext, bytes_u16be(&ext));
        if (!e.err)
            fn(a, type, e);
    }
    return ext.err || r->err ? -1 : 0;
}

struct tls_ch {
    const struct dissect_cb *cb;
    void *ctx;
    int bad, early, ech;
};

static void tls_ch_ext(void *a, uint32_t type, struct bytes e)
{
    struct tls_ch *c = a;
    if (type == 0) { /* server_name */
        struct bytes l = bytes_sub(&e, bytes_u16be(&e));
        while (!l.err && l.off < l.len) {
            uint32_t nt = bytes_u8(&l);
            struct bytes nm = bytes_sub(&l, bytes_u16be(&l));
            if (!nm.err && nt == 0)
                tls_name(c->cb, c->ctx, "tls.sni", nm.p, nm.len);
        }
        c->bad |= l.err | e.err;
    } else if (type == 16) { /* ALPN */
        struct bytes l = bytes_sub(&e, bytes_u16be(&e));
        while (!l.err && l.off < l.len) {
            struct bytes pr = bytes_sub(&l, bytes_u8(&l));
            if (!pr.err)
                tls_name(c->cb, c->ctx, "tls.alpn", pr.p, pr.len);
        }
        c->bad |= l.err | e.err;
    } else if (type == 42) { /* early_data */
        c->early = 1;
    } else if (type == 0xfe0d) { /* encrypted_client_hello: the real names are inside */
        c->ech = 1;
    }
}

static void tls_client_hello(struct tls *t, struct bytes r, const struct dissect_cb *cb,
                             void *ctx)
{
    bytes_u16be(&r); /* client_version */
    struct bytes rnd = bytes_sub(&r, 32);
    bytes_sub(&r, bytes_u8(&r));
    bytes_sub(&r, bytes_u16be(&r));
    bytes_sub(&r, bytes_u8(&r));
    if (r.err) {
        t->st->tls_malformed++;
        return;
    }
    /* A second ClientHello (after HelloRetryRequest) repeats the random and names. */
    if (t->have_cr)
        return;
    memcpy(t->cr, rnd.p, 32);
    t->have_cr = 1;
    struct tls_ch c = {cb, ctx, 0, 0, 0};
    if (tls_exts(&r, tls_ch_ext, &c) < 0 || c.bad)
        t->st->tls_malformed++;
    t->early = c.early;
    t->ech = c.ech;
}

/* The selected ALPN protocol (ServerHello on TLS 1.2, EncryptedExtensions on 1.3). */
static void tls_alpn_ext(struct tls *t, struct bytes e)
{
    struct bytes l = bytes_sub(&e, bytes_u16be(&e));
    struct bytes pr = bytes_sub(&l, bytes_u8(&l));
    if (pr.err)
        return;
    if (pr.len == 2 && !memcmp(pr.p, "h2", 2))
        t->alpn = TLS_ALPN_H2;
    else if (pr.len == 8 && !memcmp(pr.p, "http/1.1", 8))
        t->alpn = TLS_ALPN_HTTP1;
}

struct tls_sh {
    struct tls *t;
    uint32_t version;
};

static void tls_sh_ext(void *a, uint32_t type, struct bytes e)
{
    struct tls_sh *s = a;
    if (type == 43) /* supported_versions: the selected one */
        s->version = bytes_u16be(&e);
    else if (type == 16)
        tls_alpn_ext(s->t, e);
}

static void tls_server_hello(struct tls *t, struct bytes r)
{
    struct tls_sh s = {t, bytes_u16be(&r)};
    struct bytes rnd = bytes_sub(&r, 32);
    bytes_sub(&r, bytes_u8(&r));
    uint16_t suite = (uint16_t)bytes_u16be(&r);
    bytes_u8(&r);
    if (r.err || tls_exts(&r, tls_sh_ext, &s) < 0) {
        t->st->tls_malformed++;
        return;
    }
    if (t->have_sh)
        return;
    if (!memcmp(rnd.p, tls_hrr, 32)) {
        /* HelloRetryRequest (TLS 1.3 only): the real ServerHello follows, after a
         * ChangeCipherSpec that must not be taken for TLS 1.2's. */
        t->tls13 = 1;
        t->version_known = 1;
        return;
    }
    memcpy(t->sr, rnd.p, 32);
    t->have_sh = 1;
    t->suite = suite;
    t->tls13 = s.version == 0x0304;
    t->version_known = 1;
    if (!t->env->keys)
        return;
    if (!t->have_cr) {
        t->st->tls_midstream++;
        t->nodec = 1;
    } else if ((s.version != 0x0303 && s.version != 0x0304) ||
               !tls_decrypt_suite_ok(suite, t->tls13)) {
        t->st->tls_unsupported_suite++;
        t->nodec = 1;
    }
}

static void tls_ee_ext(void *a, uint32_t type, struct bytes e)
{
    if (type == 16)
        tls_alpn_ext(a, e);
}

static void tls_asn1_name(const struct dissect_cb *cb, void *ctx, const ASN1_STRING *s)
{
    if (s)
        tls_name(cb, ctx, "tls.cert", ASN1_STRING_get0_data(s),
                  (size_t)ASN1_STRING_length(s));
}

static void tls_certificate(struct tls *t, struct bytes r, const struct dissect_cb *cb,
                            void *ctx)
{
    if (t->tls13)
        bytes_sub(&r, bytes_u8(&r)); /* certificate_request_context */
    struct bytes list = bytes_sub(&r, bytes_u24be(&r));
    struct bytes der = bytes_sub(&list, bytes_u24be(&list)); /* leaf only */
    if (der.err) {
        t->st->tls_malformed++;
        return;
    }
    const unsigned char *p = der.p;
    X509 *x = d2i_X509(NULL, &p, (long)der.len);
    if (!x) {
        t->st->tls_cert_errors++;
        return;
    }
    X509_NAME *subj = X509_get_subject_name(x);
    int idx = subj ? X509_NAME_get_index_by_NID(subj, NID_commonName, -1) : -1;
    if (idx >= 0)
        tls_asn1_name(cb, ctx, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, idx)));
    GENERAL_NAMES *san = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    for (int i = 0; san && i < sk_GENERAL_NAME_num(san); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(san, i);
        if (g->type == GEN_DNS)
            tls_asn1_name(cb, ctx, g->d.dNSName);
    }
    GENERAL_NAMES_free(san);
    X509_free(x);
}

/* Take complete handshake messages from the front of d->hs. */
static void tls_messages(struct tls *t, int dir, const struct dissect_cb *cb, void *ctx)
{
    struct tls_dir *d = &t->d[dir];
    size_t off = 0;
    while (d->hs_len - off >= 4) {
        const uint8_t *m = d->hs + off;
        size_t ml = load_be24(m + 1);
        if (ml > DISSECT_TLS_HS_MAX - 4) {
            t->st->tls_hs_too_long++;
            tls_stop(t, d);
            return;
        }
        if (d->hs_len - off < 4 + ml)
            break;
        struct bytes r = bytes_init(m + 4, ml);
        switch (m[0]) {
        case 1:
            if (dir == 0)
                tls_client_hello(t, r, cb, ctx);
            break;
        case 2:
            if (dir == 1)
                tls_server_hello(t, r);
            break;
        case 8: /* EncryptedExtensions: the server's; a client's would pick ALPN */
            if (dir == 1 && tls_exts(&r, tls_ee_ext, t) < 0)
                t->st->tls_malformed++;
            break;
        case 11:
            if (dir == 1) {
                t->cert_seen = 1;
                tls_certificate(t, r, cb, ctx);
            }
            break;
        case 20: /* Finished: TLS 1.3 switches to the application secrets */
            if (t->tls13 && d->stage == 1)
                d->want_app = 1;
            break;
        case 24: /* KeyUpdate */
            if (t->tls13 && d->stage == 2)
                d->key_update = 1;
            break;
        default:
            break;
        }
        off += 4 + ml;
    }
    if (off) {
        memmove(d->hs, d->hs + off, d->hs_len - off);
        d->hs_len -= off;
    }
}

static void tls_handshake(struct tls *t, int dir, const uint8_t *p, size_t n,
                          const struct dissect_cb *cb, void *ctx)
{
    struct tls_dir *d = &t->d[dir];
    while (n && !d->done) {
        if (d->hs_len == d->hs_alloc) {
            if (d->hs_alloc == DISSECT_TLS_HS_MAX) {
                t->st->tls_hs_too_long++;
                tls_stop(t, d);
                return;
            }
            size_t a = d->hs_alloc ? d->hs_alloc * 2 : TLS_HS_INIT;
            uint8_t *b = realloc(d->hs, a < DISSECT_TLS_HS_MAX ? a : DISSECT_TLS_HS_MAX);
            if (!b) {
                tls_stop(t, d);
                return;
            }
            d->hs = b;
            d->hs_alloc = a < DISSECT_TLS_HS_MAX ? a : DISSECT_TLS_HS_MAX;
        }
        size_t room = d->hs_alloc - d->hs_len, take = n < room ? n : room;
        memcpy(d->hs + d->hs_len, p, take);
        d->hs_len += take;
        p += take;
        n -= take;
        tls_messages(t, dir, cb, ctx);
    }
    /* Nothing pending between handshake flights: a decrypting flow keeps no buffer
     * for the rare post-handshake messages. */
    if (!d->hs_len && d->hs) {
        free(d->hs);
        d->hs = NULL;
        d->hs_alloc = 0;
    }
}

/* ---- decryption ---- */

enum { TLS_DROP = -1, TLS_WAIT = 0, TLS_PROTECTED = 1, TLS_CLEAR = 2 };

static int tls_have(const struct tls *t, int kind)
{
    return t->k && (t->k->sec.have & 1u << kind);
}

/* The key log's secrets for this session, kept when there are any. Without memory for
 * them the session is not decrypted (as with no key). */
static void tls_lookup(struct tls *t, keylog_t *kl)
{
    struct keylog_secrets sec;
    if (keylog_lookup(kl, t->cr, &sec) && (t->k || (t->k = calloc(1, sizeof *t->k))))
        t->k->sec = sec;
    OPENSSL_cleanse(&sec, sizeof sec);
}

/* What to do with a record of this type now. Installs keys when they become known. */
static int tls_ready(struct tls *t, int dir, uint8_t type)
{
    struct tls_dir *d = &t->d[dir];
    int prot = type == 23 || (d->ccs && type != 20 && (!t->version_known || !t->tls13));
    if (!prot)
        return TLS_CLEAR;
    if (d->dead)
        return TLS_DROP;
    if (!t->have_sh)
        return TLS_WAIT; /* version, suite, server random: all in the ServerHello */
    if (t->nodec)
        return TLS_DROP;
    if (d->stage && !d->want_app)
        return TLS_PROTECTED;
    int kind = !t->tls13 ? KEYLOG_MASTER
               : d->stage == 0 ? (dir ? KEYLOG_SHS : KEYLOG_CHS)
                               : (dir ? KEYLOG_STS0 : KEYLOG_CTS0);
    struct keylog *kl = t->env->keys;
    if (!tls_have(t, kind)) {
        uint64_t g = keylog_generation(kl);
        if (!t->looked || g != t->gen) {
            t->looked = 1;
            t->gen = g;
            tls_lookup(t, kl);
        }
    }
    if (!tls_have(t, kind)) {
        if (keylog_following(kl))
            return TLS_WAIT;
        t->st->tls_no_key++;
        d->dead = 1;
        return TLS_DROP;
    }
    const struct keylog_secrets *sec = &t->k->sec;
    struct tls_decrypt_key *key = &t->k->key[dir];
    int rc = t->tls13 ? tls_decrypt_key_tls13(key, t->suite, sec->sec[kind], sec->len[kind])
                      : tls_decrypt_key_tls12(key, t->suite, sec->sec[kind], t->cr, t->sr, dir);
    if (rc < 0) {
        t->st->tls_kdf_errors++;
        d->dead = 1;
        return TLS_DROP;
    }
    d->stage = t->tls13 ? d->stage + 1 : 1;
    d->stage_ok = 0;
    d->want_app = 0;
    return TLS_PROTECTED;
}

static void tls_lost(struct tls *t, int dir, size_t n, const struct dissect_cb *cb, void *ctx)
{
    if (t->app && n)
        t->app(t->app_arg, dir, NULL, n, cb, ctx);
}

/* Application plaintext bytes in a protected record of this outer type and n payload
 * bytes that cannot be read: exact on TLS 1.2, whose overhead is fixed by the suite;
 * TLS_LOST_UNKNOWN on TLS 1.3 (padding) or before the ServerHello. A wrong count
 * would make the inner dissector skip into the middle of the next message. */
static size_t tls_lost_len(const struct tls *t, uint8_t type, size_t n)
{
    if (type != 23 && (!t->version_known || !t->tls13))
        return 0; /* TLS 1.2 handshake or alert: no application data in it */
    long ov = t->have_sh && !t->tls13 ? tls_decrypt_overhead(t->suite, 0) : -1;
    if (ov < 0)
        return TLS_LOST_UNKNOWN;
    return n > (size_t)ov ? n - (size_t)ov : 0;
}

static size_t tls_lost_add(size_t a, size_t b)
{
    return a == TLS_LOST_UNKNOWN || b == TLS_LOST_UNKNOWN ? TLS_LOST_UNKNOWN : a + b;
}

/* After a protected record (outer type, n payload bytes): pl plaintext bytes of this
 * type in out, or pl < 0 when its tag failed. */
static void tls_decrypted(struct tls *t, int dir, long pl, uint8_t outer, uint8_t type,
                          const uint8_t *out, size_t n, const struct dissect_cb *cb, void *ctx)
{
    struct tls_dir *d = &t->d[dir];
    if (pl < 0) {
        t->st->tls_auth_failed++;
        if (++d->fails >= TLS_FAILS_MAX)
            d->dead = 1;
        tls_lost(t, dir, tls_lost_len(t, outer, n), cb, ctx);
        return;
    }
    d->stage_ok = 1;
    d->fails = 0;
    t->st->tls_decrypted_records++;
    if (!t->decrypting) {
        t->decrypting = 1;
        t->st->tls_flows_decrypted++;
    }
    if (type == 22) {
        tls_handshake(t, dir, out, (size_t)pl, cb, ctx);
    } else if (type == 23 && pl) {
        t->app_plain = 1;
        t->st->tls_decrypted_bytes += (uint64_t)pl;
        if (t->app)
            t->app(t->app_arg, dir, out, (size_t)pl, cb, ctx);
    }
    if (d->key_update) {
        d->key_update = 0;
        if (tls_decrypt_key_update(&t->k->key[dir]) < 0) {
            t->st->tls_kdf_errors++;
            d->dead = 1;
        } else {
            t->st->tls_key_updates++;
        }
    }
}

/* A record whose tls_ready() answer was r (CLEAR or PROTECTED). */
static void tls_process(struct tls *t, int dir, int r, const uint8_t *hdr, const uint8_t *p,
                        size_t n, const struct dissect_cb *cb, void *ctx)
{
    struct tls_dir *d = &t->d[dir];
    if (r == TLS_CLEAR) {
        if (hdr[0] == 20)
            d->ccs = 1;
        else if (hdr[0] == 22)
            tls_handshake(t, dir, p, n, cb, ctx);
        return;
    }
    if (!t->plain && !(t->plain = malloc(TLS_REC_MAX))) {
        d->dead = 1;
        return;
    }
    /* 0-RTT data comes before the client's handshake records under a key the key log
     * may not hold: while no handshake record has decrypted, a failing one is taken for
     * early data and passed over without using up a sequence number. */
    int trial = t->early && t->tls13 && dir == 0 && d->stage == 1 && !d->stage_ok &&
                d->early_skipped < TLS_EARLY_MAX;
    struct tls_decrypt_key *key = &t->k->key[dir];   /* made before any stage began */
    uint64_t seq = key->seq;
    uint8_t type = 0;
    long pl = tls_decrypt_record(key, hdr, p, n, t->plain, &type);
    if (pl < 0 && trial) {
        key->seq = seq;
        d->early_skipped++;
        t->st->tls_auth_failed++;
        tls_lost(t, dir, tls_lost_len(t, hdr[0], n), cb, ctx);
        return;
    }
    tls_decrypted(t, dir, pl, hdr[0], type, t->plain, n, cb, ctx);
}

static size_t tls_rec_count(const struct tls *t, const uint8_t *w, size_t n, size_t *plain)
{
    size_t c = 0;
    for (size_t off = 0; off + 5 <= n; c++) {
        size_t l = load_be16(w + off + 3);
        *plain = tls_lost_add(*plain, tls_lost_len(t, w[off], l));
        off += 5 + l;
    }
    return c;
}

/* Drop what waits in direction dir (the cap was hit, or the flow ends). */
static void tls_wait_drop(struct tls *t, int dir, const struct dissect_cb *cb, void *ctx)
{
    struct tls_dir *d = &t->d[dir];
    size_t plain = 0;
    t->st->tls_waiting_dropped += tls_rec_count(t, d->wait, d->wait_len, &plain);
    tls_wait_free(t, d);
    tls_lost(t, dir, plain, cb, ctx);
}

static void tls_wait(struct tls *t, int dir, const uint8_t *hdr, const uint8_t *p, size_t n,
                     const struct dissect_cb *cb, void *ctx)
{
    struct tls_dir *d = &t->d[dir];
    size_t need = d->wait_len + 5 + n;
    if (need > DISSECT_TLS_WAIT_MAX ||
        t->env->tls_wait_bytes + 5 + n > DISSECT_TLS_WAIT_TOTAL) {
        size_t lost = tls_lost_len(t, hdr[0], n);
        tls_wait_drop(t, dir, cb, ctx);
        t->st->tls_waiting_dropped++;
        tls_lost(t, dir, lost, cb, ctx);
        d->dead = 1; /* later records would follow a hole in the handshake or sequence */
        return;
    }
    if (!d->wait_len)
        d->wait_since = t->env->now_s;
    if (need > d->wait_alloc) {
        size_t a = d->wait_alloc ? d->wait_alloc : 4 * 1024;
        while (a < need)
            a *= 2;
        if (a > DISSECT_TLS_WAIT_MAX)
            a = DISSECT_TLS_WAIT_MAX;
        uint8_t *w = realloc(d->wait, a);
        if (!w) {
            tls_wait_drop(t, dir, cb, ctx);
            d->dead = 1;
            return;
        }
        d->wait = w;
        d->wait_alloc = a;
    }
    memcpy(d->wait + d->wait_len, hdr, 5);
    memcpy(d->wait + d->wait_len + 5, p, n);
    d->wait_len += 5 + n;
    t->env->tls_wait_bytes += 5 + n;
}

/* Replay waiting records of dir in order while their keys are there. */
static void tls_flush(struct tls *t, int dir, const struct dissect_cb *cb, void *ctx)
{
    struct tls_dir *d = &t->d[dir];
    size_t off = 0;
    while (off + 5 <= d->wait_len) {
        const uint8_t *h = d->wait + off;
        size_t n = load_be16(h + 3);
        int r = tls_ready(t, dir, h[0]);
        if (r == TLS_WAIT)
            break;
        if (r == TLS_PROTECTED)
            t->st->tls_waited++;
        if (r != TLS_DROP)
            tls_process(t, dir, r, h, h + 5, n, cb, ctx);
        off += 5 + n;
        if (!d->wait)
            return; /* the direction stopped while replaying */
    }
    if (!off)
        return;
    memmove(d->wait, d->wait + off, d->wait_len - off);
    d->wait_len -= off;
    t->env->tls_wait_bytes -= off;
    if (!d->wait_len)
        tls_wait_free(t, d);
}

/* Records of direction i waited TLS_WAIT_SECS without their key: give up on it. */
static void tls_wait_expire(struct tls *t, int i, const struct dissect_cb *cb, void *ctx)
{
    struct tls_dir *d = &t->d[i];
    if (!d->wait_len || t->env->now_s < d->wait_since ||
        t->env->now_s - d->wait_since < TLS_WAIT_SECS)
        return;
    tls_wait_drop(t, i, cb, ctx);
    if (!d->dead)
        t->st->tls_no_key++;
    d->dead = 1;
    t->expired = 1;
}

/* p may be d->rec: once anything stopped the direction (tls_stop frees d->rec), p
 * must not be read. */
static void tls_record(struct tls *t, int dir, const uint8_t *hdr, const uint8_t *p, size_t n,
                       const struct dissect_cb *cb, void *ctx)
{
    struct tls_dir *d = &t->d[dir];
    if (t->d[!dir].wait_len) {
        tls_flush(t, !dir, cb, ctx);
        tls_wait_expire(t, !dir, cb, ctx);
    }
    if (d->done)
        return;
    if (d->wait_len) {
        tls_flush(t, dir, cb, ctx);
        if (d->done)
            return;
        tls_wait_expire(t, dir, cb, ctx);
        if (d->wait_len) {
            tls_wait(t, dir, hdr, p, n, cb, ctx);
            return;
        }
    }
    int r = tls_ready(t, dir, hdr[0]);
    if (r == TLS_WAIT)
        tls_wait(t, dir, hdr, p, n, cb, ctx);
    else if (r == TLS_DROP)
        tls_stop(t, d); /* all that follows is protected too */
    else
        tls_process(t, dir, r, hdr, p, n, cb, ctx);
}

/* ---- framing ---- */

void tls_data(struct tls *t, int dir, const uint8_t *data, size_t len,
              const struct dissect_cb *cb, void *ctx)
{
    dir &= 1;
    struct tls_dir *d = &t->d[dir];
    while (len && !d->done) {
        if (d->rh_len < 5) {
            if (!bytes_gather(d->rh, &d->rh_len, 5, &data, &len))
                return;
            d->rec_len = load_be16(d->rh + 3);
            d->got = 0;
            if (d->rh[0] < 20 || d->rh[0] > 24 || d->rh[1] != 3 || d->rec_len > TLS_REC_MAX) {
                t->st->tls_malformed++;
                tls_stop(t, d);
                return;
            }
            /* Without secrets, all after ChangeCipherSpec or application data is
             * encrypted: stop before buffering any of it. */
            if (!t->env->keys && (d->rh[0] == 20 || d->rh[0] == 23)) {
                tls_stop(t, d);
                return;
            }
            if (!d->rec_len) {
                d->rh_len = 0;
                tls_record(t, dir, d->rh, data, 0, cb, ctx);
            }
            continue;
        }
        size_t need = d->rec_len - d->got;
        if (!d->got && len >= need) { /* whole record in the feed: no copy */
            d->rh_len = 0;
            tls_record(t, dir, d->rh, data, need, cb, ctx);
            data += need;
            len -= need;
            continue;
        }
        if (!d->rec && !(d->rec = malloc(TLS_REC_MAX))) {
            tls_stop(t, d);
            return;
        }
        if (bytes_gather(d->rec, &d->got, d->rec_len, &data, &len)) {
            d->rh_len = 0;
            tls_record(t, dir, d->rh, d->rec, d->rec_len, cb, ctx);
        }
    }
}

void tls_gap(struct tls *t, int dir)
{
    tls_stop(t, &t->d[dir & 1]);
}

void tls_close(struct tls *t, const struct dissect_cb *cb, void *ctx)
{
    for (int i = 0; i < 2; i++)
        if (t->d[i].wait_len)
            tls_flush(t, i, cb, ctx);
    for (int i = 0; i < 2; i++)
        if (t->d[i].wait_len)
            tls_wait_drop(t, i, cb, ctx);
    /* Records gave up waiting: was the key written after all, too late? */
    if (t->expired && !t->app_plain && t->have_cr && t->env->keys) {
        struct keylog_secrets sec;
        t->late = keylog_lookup(t->env->keys, t->cr, &sec) != 0;
        OPENSSL_cleanse(&sec, sizeof sec);
    }
}

/* ---- for QUIC (quic.c) and the dark-flow diagnosis ---- */

void tls_handshake_data(struct tls *t, int dir, const uint8_t *p, size_t n,
                        const struct dissect_cb *cb, void *ctx)
{
    if (n)
        tls_handshake(t, dir & 1, p, n, cb, ctx);
}

int tls_client_random(const struct tls *t, uint8_t cr[32])
{
    if (!t || !t->have_cr)
        return 0;
    memcpy(cr, t->cr, 32);
    return 1;
}

uint16_t tls_server_suite(const struct tls *t)
{
    return t && t->have_sh ? t->suite : 0;
}

int tls_offered_ech(const struct tls *t)
{
    return t && t->ech;
}

int tls_cert_seen(const struct tls *t)
{
    return t && t->cert_seen;
}

const char *tls_dark_reason(const struct tls *t)
{
    if (!t || t->app_plain)
        return NULL;
    const struct tls_dir *c = &t->d[0], *s = &t->d[1];
    int encrypted = c->ccs || s->ccs || c->stage || s->stage || c->dead || s->dead ||
                    c->done || s->done;
    if (t->ech)
        return "ech";
    if (!t->have_cr && (t->have_sh || encrypted))
        return "midstream";
    if (!t->have_sh)
        return t->have_cr ? "handshake_incomplete" : NULL;
    if (t->nodec)
        return "unsupported";
    /* The server's certificate came and the client never finished its handshake (TLS
     * 1.2: no ChangeCipherSpec; 1.3: never switched to application keys). */
    if (t->cert_seen && (t->tls13 ? c->stage < 2 : !c->ccs))
        return "pinning";
    if (t->late)
        return "key_late";
    return encrypted ? "no_key" : "handshake_incomplete";
}
