/* forms.c - derive every searched form of one identifier value (see forms.h for the
 * list and the noise policy). Runs once per value at start-up, so it favours
 * clarity over speed; it allocates one arena per call for de-duplication. Digests
 * come from OpenSSL EVP; base64 and hex are plain table encoders. */
#include "rules/forms.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/lwerr.h"

struct fg_seen {
    size_t off, len;
};

struct fgen {
    forms_fn fn;
    void *ctx;
    enum forms_edge edge;
    unsigned edge_flags;
    struct fg_seen *seen;
    size_t nseen, capseen;
    uint8_t *arena;
    size_t alen, acap;
};

size_t forms_base64(const uint8_t *in, size_t n, char *out, int url, int pad)
{
    static const char std[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    static const char safe[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const char *a = url ? safe : std;
    size_t k = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = load_be24(in + i);
        out[k++] = a[v >> 18 & 63];
        out[k++] = a[v >> 12 & 63];
        out[k++] = a[v >> 6 & 63];
        out[k++] = a[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[k++] = a[v >> 18 & 63];
        out[k++] = a[v >> 12 & 63];
        if (pad)
            out[k++] = '=', out[k++] = '=';
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[k++] = a[v >> 18 & 63];
        out[k++] = a[v >> 12 & 63];
        out[k++] = a[v >> 6 & 63];
        if (pad)
            out[k++] = '=';
    }
    out[k] = 0;
    return k;
}

size_t forms_hex(const uint8_t *in, size_t n, char *out, int upper)
{
    const char *d = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[in[i] >> 4];
        out[2 * i + 1] = d[in[i] & 15];
    }
    out[2 * n] = 0;
    return 2 * n;
}

static int fg_emit(struct fgen *g, const char *name, const char *variant, enum forms_edge edge,
                   unsigned flags, const uint8_t *b, size_t n)
{
    if (edge != FORMS_EDGE_NONE)
        flags |= g->edge_flags;
    if (n < FORMS_MIN_LEN || n > FORMS_MAX_LEN)
        return 0;
    for (size_t i = 0; i < g->nseen; i++)
        if (g->seen[i].len == n && memcmp(g->arena + g->seen[i].off, b, n) == 0)
            return 0;
    if (g->nseen == g->capseen) {
        size_t cap = g->capseen ? g->capseen * 2 : 64;
        struct fg_seen *ns = realloc(g->seen, cap * sizeof *ns);
        if (!ns)
            return LW_ERR_NOMEM;
        g->seen = ns;
        g->capseen = cap;
    }
    if (g->alen + n > g->acap) {
        size_t cap = (g->acap ? g->acap * 2 : 4096) + n;
        uint8_t *na = realloc(g->arena, cap);
        if (!na)
            return LW_ERR_NOMEM;
        g->arena = na;
        g->acap = cap;
    }
    memcpy(g->arena + g->alen, b, n);
    g->seen[g->nseen++] = (struct fg_seen){g->alen, n};
    g->alen += n;
    struct forms_item it = {name, variant, edge, flags, b, n};
    return g->fn(g->ctx, &it);
}

/* mode 0: RFC 3986 unreserved kept, %XX; 1: %xx; 2: space as '+' (forms);
 * 3: JavaScript encodeURIComponent, which also keeps ! ' ( ) *. */
static size_t fg_url(const uint8_t *v, size_t n, char *out, int mode)
{
    const char *d = mode == 1 ? "0123456789abcdef" : "0123456789ABCDEF";
    int plus = mode == 2, js = mode == 3;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = v[i];
        if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' ||
            (js && (c == '!' || c == '\'' || c == '(' || c == ')' || c == '*'))) {
            out[k++] = (char)c;
        } else if (c == ' ' && plus) {
            out[k++] = '+';
        } else {
            out[k++] = '%';
            out[k++] = d[c >> 4];
            out[k++] = d[c & 15];
        }
    }
    return k;
}

/* mode 0: minimal escaping; 1: also "\/"; 2: non-ASCII as \uXXXX (UTF-16).
 * Returns 0 for mode 2 if the value is not valid UTF-8. */
static size_t fg_json(const uint8_t *v, size_t n, char *out, int mode)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = v[i];
        if (c == '"' || c == '\\') {
            out[k++] = '\\';
            out[k++] = (char)c;
        } else if (c == '/' && mode == 1) {
            out[k++] = '\\';
            out[k++] = '/';
        } else if (c == '\n' || c == '\r' || c == '\t') {
            out[k++] = '\\';
            out[k++] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
        } else if (c < 0x20) {
            k += (size_t)sprintf(out + k, "\\u%04x", c);
        } else if (c >= 0x80 && mode == 2) {
            uint32_t cp;
            size_t extra = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 9;
            if (extra == 9 || i + extra >= n)
                return 0;
            cp = c & (0x3f >> extra);
            for (size_t j = 1; j <= extra; j++) {
                if ((v[i + j] & 0xc0) != 0x80)
                    return 0;
                cp = cp << 6 | (v[i + j] & 0x3f);
            }
            i += extra;
            if (cp >= 0x10000) {
                cp -= 0x10000;
                k += (size_t)sprintf(out + k, "\\u%04x\\u%04x", 0xd800 + (cp >> 10),
                                     0xdc00 + (cp & 0x3ff));
            } else {
                k += (size_t)sprintf(out + k, "\\u%04x", cp);
            }
        } else {
            out[k++] = (char)c;
        }
    }
    return k;
}

static int fg_encodings(struct fgen *g, const char *variant, const uint8_t *v, size_t n)
{
    char buf[FORMS_MAX_LEN * 2 + 8];
    uint8_t dig[EVP_MAX_MD_SIZE];
    unsigned dlen;
    size_t k;
    int rc;
    if (n > 200)
        return 0;   /* profile values are <= 128 bytes; guard the buffers anyway */
#define EMIT(name, e, b, l)                                                                 \
    do {                                                                                   \
        if ((rc = fg_emit(g, name, variant, e, 0, (const uint8_t *)(b), l)) < 0)           \
            return rc;                                                                     \
    } while (0)
    for (int m = 0; m < 4; m++) {
        k = fg_url(v, n, buf, m);
        EMIT("url", g->edge, buf, k);
    }
    for (int m = 0; m < 3; m++) {
        k = fg_json(v, n, buf, m);
        if (k)
            EMIT("json", g->edge, buf, k);
    }
    /* base64 at alignment a: the value starts a bytes into a 3-byte group, so the
     * first (3-a)%3 value bytes share a group with unknown bytes; the whole groups
     * after them encode to characters that depend only on the value. */
    for (int url = 0; url < 2; url++) {
        for (size_t a = 0; a < 3; a++) {
            size_t skip = (3 - a) % 3;
            if (n <= skip)
                continue;
            size_t whole = (n - skip) / 3 * 3;
            k = forms_base64(v + skip, whole, buf, url, 0);
            if (k >= FORMS_MIN_B64)
                EMIT(url ? "base64url" : "base64", FORMS_EDGE_NONE, buf, k);
        }
    }
    k = forms_hex(v, n, buf, 0);
    EMIT("hex", FORMS_EDGE_NONE, buf, k);
    k = forms_hex(v, n, buf, 1);
    EMIT("hex", FORMS_EDGE_NONE, buf, k);
    static const struct {
        const char *hex, *HEX, *b64;
        int which;
    } hs[] = {{"md5-hex", "md5-HEX", "md5-base64", 0},
              {"sha1-hex", "sha1-HEX", "sha1-base64", 1},
              {"sha256-hex", "sha256-HEX", "sha256-base64", 2}};
    for (size_t h = 0; h < 3; h++) {
        const EVP_MD *md = hs[h].which == 0 ? EVP_md5() : hs[h].which == 1 ? EVP_sha1()
                                                                            : EVP_sha256();
        if (!md || !EVP_Digest(v, n, dig, &dlen, md, NULL))
            return LW_ERR_LIB;
        k = forms_hex(dig, dlen, buf, 0);
        EMIT(hs[h].hex, FORMS_EDGE_NONE, buf, k);
        k = forms_hex(dig, dlen, buf, 1);
        EMIT(hs[h].HEX, FORMS_EDGE_NONE, buf, k);
        /* Unpadded: matches with or without '=' after it. */
        k = forms_base64(dig, dlen, buf, 0, 0);
        EMIT(hs[h].b64, FORMS_EDGE_NONE, buf, k);
        k = forms_base64(dig, dlen, buf, 1, 0);
        EMIT(hs[h].b64, FORMS_EDGE_NONE, buf, k);
    }
#undef EMIT
    return 0;
}

struct fg_var {
    const char *name;      /* form name of the text itself */
    const char *variant;
    char text[160];
    size_t len;
};

static size_t fg_case(const char *v, size_t n, char *out, int upper)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (char)(upper ? toupper((unsigned char)v[i]) : tolower((unsigned char)v[i]));
    return n;
}

static size_t fg_mac_text(const uint8_t m[6], int sep, int upper, char *out)
{
    const char *d = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    size_t k = 0;
    for (int i = 0; i < 6; i++) {
        if (i && sep == '.' && i % 2 == 0)
            out[k++] = '.';
        else if (i && sep && sep != '.')
            out[k++] = (char)sep;
        out[k++] = d[m[i] >> 4];
        out[k++] = d[m[i] & 15];
    }
    return k;
}

int forms_generate(const struct idtype *t, const char *value, size_t len, forms_fn fn, void *ctx)
{
    struct fgen g = {.fn = fn, .ctx = ctx};
    struct fg_var vars[12];
    size_t nv = 0;
    int rc = 0;
    if (len == 0 || len > 128)
        return 0;
    switch (t->syntax) {
    case IDTYPE_SYN_IMEI: case IDTYPE_SYN_IMSI: case IDTYPE_SYN_ICCID: case IDTYPE_SYN_PHONE:
    case IDTYPE_SYN_IP: case IDTYPE_SYN_GPS:
        g.edge = FORMS_EDGE_DIGIT;
        break;
    case IDTYPE_SYN_MEID: case IDTYPE_SYN_HEXID: case IDTYPE_SYN_UUID: case IDTYPE_SYN_OAID:
    case IDTYPE_SYN_MAC:
        g.edge = FORMS_EDGE_HEX;
        break;
    case IDTYPE_SYN_TOKEN: case IDTYPE_SYN_EMAIL:
        g.edge = FORMS_EDGE_ALNUM;
        break;
    case IDTYPE_SYN_TEXT:
        g.edge = FORMS_EDGE_NONE;
        break;
    }
    if (t->syntax == IDTYPE_SYN_PHONE && value[0] != '+')
        g.edge_flags = FORMS_F_LEFT_FREE;
    vars[nv] = (struct fg_var){"plain", "plain", {0}, len};
    memcpy(vars[nv++].text, value, len);
    uint8_t mac[6];
    if (t->syntax == IDTYPE_SYN_MAC && idtype_parse_mac(value, len, mac)) {
        static const struct { int sep; const char *name, *lo, *up; } seps[] = {
            {':', NULL, "lower", "upper"},
            {'-', "mac-dash", "mac-dash-lower", "mac-dash-upper"},
            {'.', "mac-dot", "mac-dot-lower", "mac-dot-upper"},
            {0, "mac-bare", "mac-bare-lower", "mac-bare-upper"}};
        for (size_t s = 0; s < 4; s++)
            for (int up = 0; up < 2; up++) {
                struct fg_var *x = &vars[nv++];
                x->variant = up ? seps[s].up : seps[s].lo;
                x->name = seps[s].name ? seps[s].name : x->variant;
                x->len = fg_mac_text(mac, seps[s].sep, up, x->text);
            }
    } else if (t->syntax == IDTYPE_SYN_MEID || t->syntax == IDTYPE_SYN_HEXID ||
               t->syntax == IDTYPE_SYN_UUID || t->syntax == IDTYPE_SYN_OAID ||
               t->syntax == IDTYPE_SYN_TOKEN || t->syntax == IDTYPE_SYN_EMAIL) {
        for (int up = 0; up < 2; up++) {
            if (up && t->syntax == IDTYPE_SYN_EMAIL)
                continue;
            struct fg_var *x = &vars[nv++];
            x->name = x->variant = up ? "upper" : "lower";
            x->len = fg_case(value, len, x->text, up);
        }
        if (idtype_is_uuid(value, len)) {
            /* Several SDKs strip the dashes of an advertising id before hashing it. */
            for (int up = 0; up < 2; up++) {
                struct fg_var *x = &vars[nv++];
                x->name = "nodash";
                x->variant = up ? "nodash-upper" : "nodash-lower";
                x->len = 0;
                for (size_t i = 0; i < len; i++)
                    if (value[i] != '-')
                        x->text[x->len++] = (char)(up ? toupper((unsigned char)value[i])
                                                      : tolower((unsigned char)value[i]));
            }
        }
    } else if (t->syntax == IDTYPE_SYN_GPS) {
        const char *c = memchr(value, ',', len);
        if (c) {
            struct fg_var *x = &vars[nv++];
            size_t a = (size_t)(c - value), b = len - a - 1;
            x->name = x->variant = "lonlat";
            memcpy(x->text, c + 1, b);
            x->text[b] = ',';
            memcpy(x->text + b + 1, value, a);
            x->len = len;
        }
    }
    /* The texts themselves first, so a byte-identical encoding keeps the text name. */
    for (size_t i = 0; i < nv && rc == 0; i++)
        rc = fg_emit(&g, vars[i].name, vars[i].variant, g.edge, 0, (const uint8_t *)vars[i].text,
                     vars[i].len);
    for (size_t i = 0; i < nv && rc == 0; i++)
        rc = fg_encodings(&g, vars[i].variant, (const uint8_t *)vars[i].text, vars[i].len);
    if (rc == 0 && t->syntax == IDTYPE_SYN_MAC && idtype_parse_mac(value, len, mac)) {
        /* Bypass FORMS_MIN_LEN: 6 bytes is the whole value. */
        struct forms_item it = {"raw-mac", "raw", FORMS_EDGE_NONE, FORMS_F_BINARY, mac, 6};
        rc = fn(ctx, &it);
    }
    free(g.seen);
    free(g.arena);
    return rc;
}
