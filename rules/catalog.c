/* catalog.c - loads data/sdks/<name>.yaml and answers "which SDK owns this host name" by
 * longest domain-suffix match. It does not decide whether a contact is declared (that
 * is policy.c / verdict.c) and does not resolve IPs to names (the DNS dissector does).
 *
 * Lookup: one backward pass lowercases the host into a stack buffer and hashes every
 * suffix that starts at a label boundary; those are looked up, longest first, in an
 * open-addressing hash table of the listed domains, and the first hit is the longest
 * match. At most 127 probes for a 253-byte name, no allocation. */
#include "rules/catalog.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules/ryaml.h"
#include "common/ascii.h"
#include "common/lwerr.h"

struct dom_slot {
    const char *dom;   /* NULL = empty slot */
    size_t len;
    uint32_t hash;
    const struct sdk_entry *sdk;
    int line;          /* where the domain is listed, for duplicate messages */
};

struct catalog {
    struct rarena *arena;
    struct sdk_entry **sdks;
    size_t nsdk, cap_sdk;
    struct dom_slot *slots;
    size_t nslot, ndom;
};

/* FNV-1a over the bytes from last to first: the hash of every suffix of a host name
 * then falls out of one backward pass (see catalog_match_n). */
#define FNV_SEED 2166136261u
#define FNV_STEP(h, c) (((h) ^ (unsigned char)(c)) * 16777619u)

static uint32_t rhash(const char *s, size_t n)
{
    uint32_t h = FNV_SEED;
    while (n > 0)
        h = FNV_STEP(h, s[--n]);
    return h;
}

static struct dom_slot *slot_find(const catalog_t *c, const char *s, size_t n, uint32_t h)
{
    if (!c->nslot)
        return NULL;
    size_t mask = c->nslot - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        struct dom_slot *sl = &c->slots[i];
        if (!sl->dom)
            return sl;
        if (sl->hash == h && sl->len == n && memcmp(sl->dom, s, n) == 0)
            return sl;
    }
}

static int grow_slots(catalog_t *c)
{
    size_t ns = c->nslot ? c->nslot * 2 : 256;
    struct dom_slot *old = c->slots;
    size_t on = c->nslot;
    c->slots = calloc(ns, sizeof *c->slots);
    if (!c->slots) {
        c->slots = old;
        return LW_ERR_NOMEM;
    }
    c->nslot = ns;
    for (size_t i = 0; i < on; i++)
        if (old[i].dom)
            *slot_find(c, old[i].dom, old[i].len, old[i].hash) = old[i];
    free(old);
    return 0;
}

static const char *opt_str(yaml_document_t *doc, yaml_node_t *m, const char *key,
                           const char *file, struct rdiag *d)
{
    yaml_node_t *n = ryaml_get(doc, m, key);
    if (n && !ryaml_str(n))
        rdiag_error(d, file, ryaml_line(n), "'%s' must be a string", key);
    return ryaml_str(n);
}

static int id_ok(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
            return 0;
    return 1;
}

static int add_domains(catalog_t *c, struct sdk_entry *e, yaml_document_t *doc, yaml_node_t *dn,
                       const char *file, struct rdiag *d)
{
    size_t n = (size_t)(dn->data.sequence.items.top - dn->data.sequence.items.start);
    const char **v = rarena_alloc(&c->arena, (n + 1) * sizeof *v);
    if (!v)
        return LW_ERR_NOMEM;
    e->domains = v;
    for (yaml_node_item_t *it = dn->data.sequence.items.start; it < dn->data.sequence.items.top;
         it++) {
        yaml_node_t *x = yaml_document_get_node(doc, *it);
        const char *s = ryaml_str(x);
        if (!s || !ryaml_domain_ok(s)) {
            rdiag_error(d, file, ryaml_line(x),
                        "sdk %s: bad domain \"%.80s\" (lowercase name with a dot, no wildcard, "
                        "scheme or port)", e->id, s ? s : "(not a string)");
            continue;
        }
        size_t len = strlen(s);
        uint32_t h = rhash(s, len);
        if ((c->ndom + 1) * 2 > c->nslot && grow_slots(c) < 0)
            return LW_ERR_NOMEM;
        struct dom_slot *sl = slot_find(c, s, len, h);
        if (sl->dom) {
            rdiag_error(d, file, ryaml_line(x),
                        "domain %s of sdk %s is already listed for sdk %s (%s:%d)", s, e->id,
                        sl->sdk->id, sl->sdk->file, sl->line);
            continue;
        }
        const char *copy = rarena_strdup(&c->arena, s);
        if (!copy)
            return LW_ERR_NOMEM;
        sl->dom = copy;
        sl->len = len;
        sl->hash = h;
        sl->sdk = e;
        sl->line = ryaml_line(x);
        c->ndom++;
        v[e->n_domains++] = copy;
    }
    return 0;
}

static int load_entry(catalog_t *c, yaml_document_t *doc, yaml_node_t *m, const char *file,
                      struct rdiag *d)
{
    int line = ryaml_line(m);
    if (m->type != YAML_MAPPING_NODE) {
        rdiag_error(d, file, line, "SDK entry must be a mapping (id, name, vendor, domains, source)");
        return 0;
    }
    const char *id = opt_str(doc, m, "id", file, d);
    const char *name = opt_str(doc, m, "name", file, d);
    const char *vendor = opt_str(doc, m, "vendor", file, d);
    const char *source = opt_str(doc, m, "source", file, d);
    const char *note = opt_str(doc, m, "note", file, d);
    yaml_node_t *dn = ryaml_get(doc, m, "domains");
    if (!id_ok(id)) {
        rdiag_error(d, file, line, "SDK entry: missing or bad 'id' (lowercase letters, digits, '-')");
        return 0;
    }
    if (catalog_find(c, id)) {
        const struct sdk_entry *o = catalog_find(c, id);
        rdiag_error(d, file, line, "sdk id %s defined twice (first at %s:%d)", id, o->file, o->line);
        return 0;
    }
    if (!name)
        rdiag_error(d, file, line, "sdk %s: missing 'name'", id);
    if (!vendor)
        rdiag_error(d, file, line, "sdk %s: missing 'vendor'", id);
    if (!source || !*source)
        rdiag_error(d, file, line, "sdk %s: missing 'source' (where the domains come from)", id);
    if (!dn || dn->type != YAML_SEQUENCE_NODE) {
        rdiag_error(d, file, dn ? ryaml_line(dn) : line, "sdk %s: missing 'domains' list", id);
        dn = NULL;
    } else if (dn->data.sequence.items.top == dn->data.sequence.items.start && !note) {
        rdiag_error(d, file, ryaml_line(dn),
                    "sdk %s: empty 'domains' needs a 'note' saying why they are not established",
                    id);
    }
    struct sdk_entry *e = rarena_alloc(&c->arena, sizeof *e);
    if (!e)
        return LW_ERR_NOMEM;
    memset(e, 0, sizeof *e);
    e->id = rarena_strdup(&c->arena, id);
    e->name = rarena_strdup(&c->arena, name ? name : id);
    e->vendor = rarena_strdup(&c->arena, vendor ? vendor : "");
    e->source = rarena_strdup(&c->arena, source ? source : "");
    e->note = note ? rarena_strdup(&c->arena, note) : NULL;
    e->file = rarena_strdup(&c->arena, file);
    e->line = line;
    if (!e->id || !e->name || !e->vendor || !e->source || !e->file || (note && !e->note))
        return LW_ERR_NOMEM;
    if (c->nsdk == c->cap_sdk) {
        size_t cap = c->cap_sdk ? c->cap_sdk * 2 : 64;
        struct sdk_entry **nv = realloc(c->sdks, cap * sizeof *nv);
        if (!nv)
            return LW_ERR_NOMEM;
        c->sdks = nv;
        c->cap_sdk = cap;
    }
    c->sdks[c->nsdk++] = e;
    if (dn)
        return add_domains(c, e, doc, dn, file, d);
    static const char *const none[1] = {NULL};
    e->domains = none;
    return 0;
}

struct load_ctx {
    catalog_t *c;
    struct rdiag *d;
};

static int load_file(void *ctx, const char *path)
{
    struct load_ctx *lc = ctx;
    yaml_document_t doc;
    int rc = ryaml_load(path, &doc, lc->d);
    if (rc < 0)
        return rc == LW_ERR_NOMEM ? rc : 0;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root) {
        rdiag_error(lc->d, path, 1, "empty file: expected a list of SDK entries");
    } else if (root->type != YAML_SEQUENCE_NODE) {
        rdiag_error(lc->d, path, ryaml_line(root), "expected a list of SDK entries");
    } else {
        for (yaml_node_item_t *it = root->data.sequence.items.start;
             it < root->data.sequence.items.top && rc >= 0; it++)
            rc = load_entry(lc->c, &doc, yaml_document_get_node(&doc, *it), path, lc->d);
    }
    yaml_document_delete(&doc);
    return rc;
}

int catalog_load_dir_diag(const char *dir, catalog_t **out, struct rdiag *d)
{
    int rc;
    struct load_ctx lc = {.d = d};
    *out = NULL;
    lc.c = calloc(1, sizeof *lc.c);
    if (!lc.c || grow_slots(lc.c) < 0) {
        rc = LW_ERR_NOMEM;
        goto out;
    }
    if ((rc = ryaml_each_file(dir, d, load_file, &lc)) < 0)
        goto out;
    if (rc == 0)
        rdiag_error(d, dir, 0, "no .yaml SDK files");
    rc = LW_OK;
    *out = lc.c;
    lc.c = NULL;
out:
    catalog_free(lc.c);
    return rc;
}

int catalog_load_dir(const char *dir, catalog_t **out, char *err, size_t errlen)
{
    struct rdiag d;
    rdiag_init(&d, err, errlen);
    int rc = catalog_load_dir_diag(dir, out, &d);
    if (rc == 0 && d.nerr) {
        catalog_free(*out);
        *out = NULL;
        rc = LW_ERR_PARSE;
    }
    return rc;
}

void catalog_free(catalog_t *c)
{
    if (!c)
        return;
    free(c->slots);
    free(c->sdks);
    rarena_free(c->arena);
    free(c);
}

/* Strip a trailing ":port" (digits only, so IPv6 literals with several colons are
 * left alone) and one trailing dot. */
static size_t host_trim(const char *host, size_t len)
{
    size_t i = len;
    while (i > 0 && host[i - 1] >= '0' && host[i - 1] <= '9')
        i--;
    if (i > 0 && i < len && host[i - 1] == ':' && !memchr(host, ':', i - 1))
        len = i - 1;
    if (len > 0 && host[len - 1] == '.')
        len--;
    return len;
}

const struct sdk_entry *catalog_match_n(const catalog_t *c, const char *host, size_t len)
{
    char buf[256];
    size_t start[128];   /* label starts, rightmost first */
    uint32_t hash[128];  /* hash of the suffix beginning at start[i] */
    size_t nl = 0;
    uint32_t h = FNV_SEED;
    if (!c || !host || !c->ndom)
        return NULL;
    len = host_trim(host, len);
    if (len == 0 || len > 253)
        return NULL;
    /* One backward pass: lowercase, hash, and note each label boundary's suffix hash.
     * 253 bytes hold at most 127 labels, so start[] cannot overflow. */
    for (size_t i = len; i-- > 0;) {
        char ch = (char)ascii_lower((unsigned char)host[i]);
        buf[i] = ch;
        if (ch == '.') {
            if (i + 1 < len && nl < 128) {
                start[nl] = i + 1;
                hash[nl++] = h;
            }
        }
        h = FNV_STEP(h, ch);
    }
    if (nl < 128) {
        start[nl] = 0;
        hash[nl++] = h;
    }
    /* Longest suffix first: the first hit is the longest match. */
    while (nl-- > 0) {
        size_t n = len - start[nl];
        struct dom_slot *sl = slot_find(c, buf + start[nl], n, hash[nl]);
        if (sl && sl->dom)
            return sl->sdk;
    }
    return NULL;
}

const struct sdk_entry *catalog_match(const catalog_t *c, const char *host)
{
    return host ? catalog_match_n(c, host, strlen(host)) : NULL;
}

const struct sdk_entry *catalog_find(const catalog_t *c, const char *id)
{
    if (!c || !id)
        return NULL;
    for (size_t i = 0; i < c->nsdk; i++)
        if (strcmp(c->sdks[i]->id, id) == 0)
            return c->sdks[i];
    return NULL;
}

size_t catalog_count(const catalog_t *c)
{
    return c ? c->nsdk : 0;
}

const struct sdk_entry *catalog_entry(const catalog_t *c, size_t i)
{
    return (c && i < c->nsdk) ? c->sdks[i] : NULL;
}

size_t catalog_ndomains(const catalog_t *c)
{
    return c ? c->ndom : 0;
}

int catalog_host_in(const char *host, size_t len, const char *suffix)
{
    size_t sl = strlen(suffix);
    if (!host)
        return 0;
    len = host_trim(host, len);
    if (sl == 0 || len < sl)
        return 0;
    if (strncasecmp(host + len - sl, suffix, sl) != 0)
        return 0;
    return len == sl || host[len - sl - 1] == '.';
}
