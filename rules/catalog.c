/* catalog.c - loads data/sdks/<name>.yaml and answers "which SDK owns this host name" by
 * longest domain-suffix match. It does not decide whether a contact is declared (that
 * is policy.c / verdict.c) and does not resolve IPs to names (the DNS dissector does).
 *
 * Lookup: one backward pass lowercases the host into a stack buffer and hashes every
 * suffix that starts at a label boundary; those are looked up, longest first, in an
 * open-addressing hash table of the listed domains, and the first hit is the longest
 * match. At most 127 probes for a 253-byte name, no allocation. Each domain remembers its
 * tier (0 hand-written, 1 imported): the longest hit of tier 0 decides, tier 1 is asked
 * only when tier 0 has none (or only a front end shorter than it). Host patterns are one
 * Hyperscan database (hostpat.c), consulted per tier after the domains.
 *
 * Ids and names (id, name, aliases) are in two more hash tables of the same kind, so a
 * catalogue of thousands of entries loads in one pass (no quadratic duplicate search). */
#include "rules/catalog.h"

#include <limits.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "common/bigmem.h"
#include "rules/diskcache.h"
#include "rules/hostpat.h"
#include "rules/ryaml.h"
#include "common/ascii.h"
#include "common/lwerr.h"

struct dom_slot {
    const char *dom;   /* NULL = empty slot */
    size_t len;
    uint32_t hash;
    const struct sdk_entry *sdk;
    int line;          /* where the domain is listed, for duplicate messages */
    const char *file;
    int tier;          /* 0 hand-written, 1 imported */
};

/* A name table: normalized name -> entry (ids are stored as written). */
struct name_slot {
    const char *key;   /* NULL = empty */
    size_t len;
    uint32_t hash;
    struct sdk_entry *sdk;
    int tier;
};

struct name_tab {
    struct name_slot *slots;
    size_t nslot, n;
};

struct pat {
    const char *expr;
    struct sdk_entry *sdk;
    const char *file;
    int line, tier;
};

struct catalog {
    struct rarena *arena;
    struct sdk_entry **sdks;
    size_t nsdk, cap_sdk;
    struct dom_slot *slots;
    size_t nslot, ndom;
    struct name_tab ids, names;
    struct pat *pats;
    size_t npat, cap_pat;
    hostpat_t *hp;
    char *blob;        /* a restored catalogue's bytes (bigmem): its strings live here */
    size_t blob_len;
    int restored;
    uint64_t serial;   /* unique in the process: what lookup memos are keyed by */
};

/* A catalogue's serial, never 0 and never reused: a reloaded catalogue may be given
 * the address of the one it replaced, and must not inherit its memo entries. */
static uint64_t next_serial(void)
{
    static _Atomic uint64_t last;
    return ++last;
}

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

/* The tables are allocated whole with bigmem (huge pages): a hash table is touched all
 * over, and the shipped catalogue's tables (about 3 MB) cost some 700 page faults of
 * 13 us each on a virtual machine, on the path of every run's start. */
static int dom_resize(catalog_t *c, size_t ns)
{
    struct dom_slot *old = c->slots;
    size_t on = c->nslot;
    if (!(c->slots = bigmem_alloc(ns * sizeof *c->slots))) {
        c->slots = old;
        return LW_ERR_NOMEM;
    }
    c->nslot = ns;
    for (size_t i = 0; i < on; i++)
        if (old[i].dom)
            *slot_find(c, old[i].dom, old[i].len, old[i].hash) = old[i];
    bigmem_free(old, on * sizeof *old);
    return 0;
}

static int grow_slots(catalog_t *c)
{
    return dom_resize(c, c->nslot ? c->nslot * 2 : 256);
}

/* Slots for n entries with the tables' load factor (at most one half). */
static size_t slots_for(size_t n)
{
    size_t ns = 256;
    while ((n + 1) * 2 > ns)
        ns *= 2;
    return ns;
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

/* Keys an SDK entry may have; anything else is a typo to report. */
static const char *const entry_keys[] = {
    "id", "name", "vendor", "company", "parent", "category", "aliases", "domains",
    "host_patterns", "code_signatures", "source", "note", "candidates", NULL};

/* The category names (scripts/import-trackers.py maps the datasets' onto these). cdn and
 * cloud mark front ends. */
static const char *const categories[] = {
    "advertising", "analytics", "crash_reporting", "push", "social", "payment", "location",
    "profiling", "identification", "telemetry", "login", "messaging", "maps", "audio_video",
    "customer_interaction", "consent", "email", "cdn", "cloud", "misc", "unknown", NULL};

int catalog_category_ok(const char *s)
{
    for (size_t i = 0; s && categories[i]; i++)
        if (strcmp(s, categories[i]) == 0)
            return 1;
    return 0;
}

/* Name key: ASCII letters folded, ' ', '\t', '-', '_' and '.' dropped, a trailing "sdk"
 * dropped. Other bytes (Chinese names) are kept as written. 0 if nothing is left or
 * the key does not fit. */
static size_t name_key(const char *s, char *buf, size_t cap)
{
    size_t n = 0;
    for (; *s; s++) {
        char ch = *s;
        if (ch == ' ' || ch == '\t' || ch == '-' || ch == '_' || ch == '.')
            continue;
        if (n + 1 >= cap)
            return 0;
        buf[n++] = (char)ascii_lower((unsigned char)ch);
    }
    if (n > 3 && memcmp(buf + n - 3, "sdk", 3) == 0)
        n -= 3;
    buf[n] = 0;
    return n;
}

static struct name_slot *nt_find(const struct name_tab *t, const char *s, size_t n, uint32_t h)
{
    if (!t->nslot)
        return NULL;
    size_t mask = t->nslot - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        struct name_slot *sl = &t->slots[i];
        if (!sl->key || (sl->hash == h && sl->len == n && memcmp(sl->key, s, n) == 0))
            return sl;
    }
}

static int nt_resize(struct name_tab *t, size_t ns)
{
    struct name_slot *old = t->slots;
    size_t on = t->nslot;
    if (!(t->slots = bigmem_alloc(ns * sizeof *t->slots))) {
        t->slots = old;
        return LW_ERR_NOMEM;
    }
    t->nslot = ns;
    for (size_t i = 0; i < on; i++)
        if (old[i].key)
            *nt_find(t, old[i].key, old[i].len, old[i].hash) = old[i];
    bigmem_free(old, on * sizeof *old);
    return 0;
}

/* Insert key -> e unless present; returns the slot holding key (NULL on no memory). */
static struct name_slot *nt_put(catalog_t *c, struct name_tab *t, const char *key,
                                struct sdk_entry *e, int tier)
{
    size_t n = strlen(key);
    uint32_t h = rhash(key, n);
    if ((t->n + 1) * 2 > t->nslot && nt_resize(t, t->nslot ? t->nslot * 2 : 1024) < 0)
        return NULL;
    struct name_slot *sl = nt_find(t, key, n, h);
    if (sl->key)
        return sl;
    if (!(sl->key = rarena_strdup(&c->arena, key)))
        return NULL;
    sl->len = n;
    sl->hash = h;
    sl->sdk = e;
    sl->tier = tier;
    t->n++;
    return sl;
}

/* Index one name of e (its id, name or an alias). Two hand-written entries answering to
 * one alias is an error; anything else keeps the first (hand-written entries load first). */
static int index_name(catalog_t *c, struct sdk_entry *e, const char *name, int tier, int alias,
                      const char *file, int line, struct rdiag *d)
{
    char key[256];
    if (!name_key(name, key, sizeof key))
        return 0;
    struct name_slot *sl = nt_put(c, &c->names, key, e, tier);
    if (!sl)
        return LW_ERR_NOMEM;
    if (sl->sdk != e && alias && tier == 0 && sl->tier == 0)
        rdiag_error(d, file, line, "sdk %s: alias \"%s\" already names sdk %s (%s:%d)", e->id,
                    name, sl->sdk->id, sl->sdk->file, sl->sdk->line);
    return 0;
}

/* Append the k strings of tmp to *arr (n entries so far), copying into the arena. */
static int vec_append(catalog_t *c, const char *const **arr, size_t *n, const char **tmp,
                      size_t k)
{
    if (!k)
        return 0;
    const char **v = rarena_alloc(&c->arena, (*n + k + 1) * sizeof *v);
    if (!v)
        return LW_ERR_NOMEM;
    for (size_t i = 0; i < *n; i++)
        v[i] = (*arr)[i];
    for (size_t i = 0; i < k; i++)
        if (!(v[*n + i] = rarena_strdup(&c->arena, tmp[i])))
            return LW_ERR_NOMEM;
    *n += k;
    v[*n] = NULL;
    *arr = v;
    return 0;
}

/* The strings of a list key (absent: 0 items). Items are borrowed from doc into tmp
 * (malloc'd, caller frees). Non-string items are reported. */
static int str_list(yaml_document_t *doc, yaml_node_t *m, const char *key, const char *id,
                    const char *file, struct rdiag *d, const char ***tmp, size_t *k, int *line)
{
    yaml_node_t *n = ryaml_get(doc, m, key);
    *tmp = NULL;
    *k = 0;
    *line = n ? ryaml_line(n) : 0;
    if (!n)
        return 0;
    if (n->type != YAML_SEQUENCE_NODE) {
        rdiag_error(d, file, ryaml_line(n), "sdk %s: '%s' must be a list of strings", id, key);
        return 0;
    }
    size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (!(*tmp = calloc(cnt + 1, sizeof **tmp)))
        return LW_ERR_NOMEM;
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++) {
        yaml_node_t *x = yaml_document_get_node(doc, *it);
        const char *s = ryaml_str(x);
        if (!s || !*s) {
            rdiag_error(d, file, ryaml_line(x), "sdk %s: '%s' items must be non-empty strings",
                        id, key);
            continue;
        }
        (*tmp)[(*k)++] = s;
    }
    return 0;
}

static int add_domains(catalog_t *c, struct sdk_entry *e, yaml_document_t *doc, yaml_node_t *dn,
                       const char *file, int tier, int frontend, struct rdiag *d)
{
    size_t n = (size_t)(dn->data.sequence.items.top - dn->data.sequence.items.start);
    const char **v = rarena_alloc(&c->arena, (e->n_domains + n + 1) * sizeof *v);
    if (!v)
        return LW_ERR_NOMEM;
    for (size_t i = 0; i < e->n_domains; i++)
        v[i] = e->domains[i];
    v[e->n_domains] = NULL;
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
        if (sl->dom && sl->sdk == e)
            continue; /* the same SDK listing it again (merged entries) */
        if (sl->dom && tier == 1 && sl->tier == 0 && frontend && !sl->sdk->frontend) {
            rdiag_error(d, sl->file, sl->line,
                        "domain %s of sdk %s is a CDN/cloud front end (%s, %s:%d): list the "
                        "SDK's own host names under it", s, sl->sdk->id, e->id, file,
                        ryaml_line(x));
            continue;
        }
        if (sl->dom && tier == 1 && sl->tier == 0) {
            rdiag_warn(d, file, ryaml_line(x),
                       "imported domain %s of sdk %s is hand-written for sdk %s (%s:%d), which "
                       "wins", s, e->id, sl->sdk->id, sl->file, sl->line);
            continue;
        }
        if (sl->dom) {
            rdiag_error(d, file, ryaml_line(x),
                        "domain %s of sdk %s is already listed for sdk %s (%s:%d)", s, e->id,
                        sl->sdk->id, sl->file, sl->line);
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
        sl->file = file;
        sl->tier = tier;
        c->ndom++;
        v[e->n_domains++] = copy;
        v[e->n_domains] = NULL;
    }
    return 0;
}

static int add_patterns(catalog_t *c, struct sdk_entry *e, const char **tmp, size_t k,
                        const char *file, int line, int tier, struct rdiag *d)
{
    size_t n0 = e->n_host_patterns;
    int rc = vec_append(c, &e->host_patterns, &e->n_host_patterns, tmp, k);
    if (rc < 0)
        return rc;
    for (size_t i = n0; i < e->n_host_patterns; i++) {
        if (strlen(e->host_patterns[i]) > 1024) {
            rdiag_error(d, file, line, "sdk %s: host pattern longer than 1024 bytes", e->id);
            continue;
        }
        if (c->npat == c->cap_pat) {
            size_t cap = c->cap_pat ? c->cap_pat * 2 : 32;
            struct pat *nv = realloc(c->pats, cap * sizeof *nv);
            if (!nv)
                return LW_ERR_NOMEM;
            c->pats = nv;
            c->cap_pat = cap;
        }
        c->pats[c->npat++] = (struct pat){e->host_patterns[i], e, file, line, tier};
    }
    return 0;
}

/* The list keys and the optional scalars of one definition, for a new entry or one merged
 * into an earlier definition of the same id (then the earlier fields win). */
static int load_extras(catalog_t *c, struct sdk_entry *e, yaml_document_t *doc, yaml_node_t *m,
                       const char *file, int tier, struct rdiag *d)
{
    static const char *const lists[] = {"aliases", "host_patterns", "code_signatures"};
    const char **tmp = NULL;
    size_t k;
    int line, rc = 0;
    for (size_t i = 0; i < 3 && rc >= 0; i++) {
        if ((rc = str_list(doc, m, lists[i], e->id, file, d, &tmp, &k, &line)) < 0)
            break;
        if (i == 0) {
            size_t n0 = e->n_aliases;
            rc = vec_append(c, &e->aliases, &e->n_aliases, tmp, k);
            for (size_t j = n0; rc >= 0 && j < e->n_aliases; j++)
                rc = index_name(c, e, e->aliases[j], tier, 1, file, line, d);
        } else if (i == 1) {
            rc = add_patterns(c, e, tmp, k, file, line, tier, d);
        } else {
            rc = vec_append(c, &e->code_signatures, &e->n_code_signatures, tmp, k);
        }
        free(tmp);
        tmp = NULL;
    }
    if (rc < 0)
        return rc;
    static const char *const scal[] = {"company", "parent", "category"};
    const char **dst[] = {&e->company, &e->parent, &e->category};
    for (size_t i = 0; i < 3; i++) {
        const char *v = opt_str(doc, m, scal[i], file, d);
        if (i == 2 && v && !catalog_category_ok(v)) {
            rdiag_error(d, file, ryaml_line(ryaml_get(doc, m, scal[i])),
                        "sdk %s: unknown category \"%.40s\" (advertising, analytics, "
                        "crash_reporting, push, social, payment, location, cdn, cloud, ...)",
                        e->id, v);
            continue;
        }
        if (v && !*dst[i] && !(*dst[i] = rarena_strdup(&c->arena, v)))
            return LW_ERR_NOMEM;
    }
    return 0;
}

/* An imported definition of an id already defined: add what it brings. */
static int merge_entry(catalog_t *c, struct sdk_entry *e, yaml_document_t *doc, yaml_node_t *m,
                       const char *file, int tier, struct rdiag *d)
{
    const char *name = opt_str(doc, m, "name", file, d);
    const char *source = opt_str(doc, m, "source", file, d);
    int rc;
    if (name && strcmp(name, e->name) != 0) {
        const char *one[1] = {name};
        if ((rc = vec_append(c, &e->aliases, &e->n_aliases, one, 1)) < 0 ||
            (rc = index_name(c, e, name, tier, 0, file, ryaml_line(m), d)) < 0)
            return rc;
    }
    if (source && *source && !strstr(e->source, source)) {
        size_t n = strlen(e->source) + strlen(source) + 3;
        char *s = rarena_alloc(&c->arena, n);
        if (!s)
            return LW_ERR_NOMEM;
        snprintf(s, n, "%s; %s", e->source, source);
        e->source = s;
    }
    if ((rc = load_extras(c, e, doc, m, file, tier, d)) < 0)
        return rc;
    yaml_node_t *dn = ryaml_get(doc, m, "domains");
    if (dn && dn->type == YAML_SEQUENCE_NODE)
        return add_domains(c, e, doc, dn, file, tier, e->frontend, d);
    return 0;
}

static int load_entry(catalog_t *c, yaml_document_t *doc, yaml_node_t *m, const char *file,
                      int tier, struct rdiag *d)
{
    int line = ryaml_line(m);
    if (m->type != YAML_MAPPING_NODE) {
        rdiag_error(d, file, line, "SDK entry must be a mapping (id, name, vendor, domains, source)");
        return 0;
    }
    ryaml_check_keys(doc, m, entry_keys, file, "SDK entry", d);
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
    struct name_slot *prev = nt_find(&c->ids, id, strlen(id), rhash(id, strlen(id)));
    if (prev && prev->key) {
        if (tier == 1)
            return merge_entry(c, prev->sdk, doc, m, file, tier, d);
        const struct sdk_entry *o = prev->sdk;
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
    } else if (dn->data.sequence.items.top == dn->data.sequence.items.start && !note &&
               !ryaml_get(doc, m, "host_patterns")) {
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
    e->file = file; /* arena-owned by load_file */
    e->line = line;
    e->imported = tier;
    if (!e->id || !e->name || !e->vendor || !e->source || !e->file || (note && !e->note))
        return LW_ERR_NOMEM;
    static const char *const none[1] = {NULL};
    e->domains = e->aliases = e->host_patterns = e->code_signatures = none;
    if (c->nsdk == c->cap_sdk) {
        size_t cap = c->cap_sdk ? c->cap_sdk * 2 : 64;
        struct sdk_entry **nv = realloc(c->sdks, cap * sizeof *nv);
        if (!nv)
            return LW_ERR_NOMEM;
        c->sdks = nv;
        c->cap_sdk = cap;
    }
    c->sdks[c->nsdk++] = e;
    int rc;
    if (!nt_put(c, &c->ids, e->id, e, tier) ||
        (rc = index_name(c, e, e->id, tier, 0, file, line, d)) < 0 ||
        (rc = index_name(c, e, e->name, tier, 0, file, line, d)) < 0)
        return LW_ERR_NOMEM;
    if ((rc = load_extras(c, e, doc, m, file, tier, d)) < 0)
        return rc;
    e->n_own_aliases = e->n_aliases;
    /* Only the defining entry says whether it is a front end: a merged definition that
     * fills in a missing category never turns an SDK into one. */
    e->frontend = e->category && (!strcmp(e->category, "cdn") || !strcmp(e->category, "cloud"));
    if (dn)
        return add_domains(c, e, doc, dn, file, tier, e->frontend, d);
    return 0;
}

struct load_ctx {
    catalog_t *c;
    struct rdiag *d;
    int tier;
};

static int load_file(void *ctx, const char *path)
{
    struct load_ctx *lc = ctx;
    yaml_document_t doc;
    int rc = ryaml_load(path, &doc, lc->d);
    if (rc < 0)
        return rc == LW_ERR_NOMEM ? rc : 0;
    /* Messages keep the path for as long as the catalogue lives. */
    const char *file = rarena_strdup(&lc->c->arena, path);
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!file) {
        rc = LW_ERR_NOMEM;
    } else if (!root) {
        rdiag_error(lc->d, path, 1, "empty file: expected a list of SDK entries");
    } else if (root->type != YAML_SEQUENCE_NODE) {
        rdiag_error(lc->d, path, ryaml_line(root), "expected a list of SDK entries");
    } else {
        for (yaml_node_item_t *it = root->data.sequence.items.start;
             it < root->data.sequence.items.top && rc >= 0; it++)
            rc = load_entry(lc->c, &doc, yaml_document_get_node(&doc, *it), file, lc->tier,
                            lc->d);
    }
    yaml_document_delete(&doc);
    return rc;
}

/* After every file: defaults, the host-pattern database, and the front-end check (no
 * pattern of an SDK may cover a front end's own domain). */
static int finish(catalog_t *c, struct rdiag *d)
{
    char err[LW_ERRBUF];
    size_t bad = 0;
    int rc;
    for (size_t i = 0; i < c->nsdk; i++) {
        struct sdk_entry *e = c->sdks[i];
        if (!e->company)
            e->company = e->vendor;
        if (!e->parent)
            e->parent = e->company;
        if (!e->category)
            e->category = "unknown";
    }
    /* A rejected pattern is reported at its entry and left out; the rest still compile. */
    for (;;) {
        const char **ex = calloc(c->npat + 1, sizeof *ex);
        if (!ex)
            return LW_ERR_NOMEM;
        for (size_t i = 0; i < c->npat; i++)
            ex[i] = c->pats[i].expr;
        rc = hostpat_new(ex, c->npat, &c->hp, &bad, err, sizeof err);
        free(ex);
        if (rc != LW_ERR_PARSE)
            break;
        rdiag_error(d, c->pats[bad].file, c->pats[bad].line, "sdk %s: host pattern \"%.80s\": %s",
                    c->pats[bad].sdk->id, c->pats[bad].expr, err);
        memmove(&c->pats[bad], &c->pats[bad + 1], (c->npat - bad - 1) * sizeof *c->pats);
        c->npat--;
    }
    if (rc < 0) {
        rdiag_error(d, "host patterns", 0, "%s", err);
        return rc == LW_ERR_NOMEM ? rc : 0;
    }
    for (size_t i = 0; c->hp && i < c->nslot; i++) {
        const struct dom_slot *sl = &c->slots[i];
        if (!sl->dom || !sl->sdk->frontend)
            continue;
        long p = hostpat_match(c->hp, sl->dom, sl->len);
        if (p < 0 || c->pats[p].sdk->frontend)
            continue;
        if (c->pats[p].tier == 0)
            rdiag_error(d, c->pats[p].file, c->pats[p].line,
                        "sdk %s: host pattern \"%.80s\" covers the front end %s (sdk %s)",
                        c->pats[p].sdk->id, c->pats[p].expr, sl->dom, sl->sdk->id);
        else
            rdiag_warn(d, c->pats[p].file, c->pats[p].line,
                       "sdk %s: imported host pattern \"%.80s\" covers the front end %s (sdk %s)",
                       c->pats[p].sdk->id, c->pats[p].expr, sl->dom, sl->sdk->id);
    }
    return 0;
}

/* The imported/ folder of every layer of dir (one directory, or a layered list
 * "d1:d2", see ryaml_each_file) that has one, as a layered list in out. 0: none. */
static int imported_layers(const char *dir, char *out, size_t len)
{
    char list[4096], sub[4200];
    struct stat st;
    size_t used = 0;
    int n = 0, whole = stat(dir, &st) == 0;
    snprintf(list, sizeof list, "%s", dir);
    out[0] = 0;
    char *save = NULL;
    for (char *one = whole ? list : strtok_r(list, ":", &save); one;
         one = whole ? NULL : strtok_r(NULL, ":", &save)) {
        snprintf(sub, sizeof sub, "%s/imported", one);
        if (stat(sub, &st) != 0 || !S_ISDIR(st.st_mode))
            continue;
        int w = snprintf(out + used, len - used, "%s%s", n ? ":" : "", sub);
        if (w < 0 || (size_t)w >= len - used)
            break;
        used += (size_t)w;
        n++;
    }
    return n;
}

int catalog_load_dir_diag(const char *dir, catalog_t **out, struct rdiag *d)
{
    int rc;
    char sub[4096];
    struct load_ctx lc = {.d = d};
    *out = NULL;
    lc.c = calloc(1, sizeof *lc.c);
    if (lc.c)
        lc.c->serial = next_serial();
    if (!lc.c || grow_slots(lc.c) < 0) {
        rc = LW_ERR_NOMEM;
        goto out;
    }
    if ((rc = ryaml_each_file(dir, d, load_file, &lc)) < 0)
        goto out;
    if (rc == 0)
        rdiag_error(d, dir, 0, "no .yaml SDK files");
    lc.tier = 1;
    if (imported_layers(dir, sub, sizeof sub) &&
        (rc = ryaml_each_file(sub, d, load_file, &lc)) < 0)
        goto out;
    if ((rc = finish(lc.c, d)) < 0)
        goto out;
    rc = LW_OK;
    *out = lc.c;
    lc.c = NULL;
out:
    catalog_free(lc.c);
    return rc;
}

/* The parsed catalogue kept on disk (diskcache.h). libyaml's parse of the shipped
 * catalogue (1.1 MB) is most of a short run's start-up: about 260 M instructions, where
 * restoring the tables below takes a few M. The key is the SHA-256 of this format and
 * of every file the load reads (tier, path, size, bytes) in the order it reads them,
 * so any edit, added or removed file is a miss. Only a load without errors is stored.
 * Strings of a restored catalogue point into the cached bytes (c->blob). */
#define CAT_FORMAT "leakwatch SDK catalogue cache, format 2"
#define CAT_EXT "catalog"

struct key_ctx {
    EVP_MD_CTX *md;
    uint32_t tier;
    int ok;
};

static int key_file(void *ctx, const char *path)
{
    struct key_ctx *k = ctx;
    FILE *f = fopen(path, "rb");
    char buf[65536];
    uint64_t size = 0;
    size_t n;
    if (!f) {
        k->ok = 0;
        return 0;
    }
    long pos = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    rewind(f);
    size = pos < 0 ? 0 : (uint64_t)pos;
    k->ok = k->ok && pos >= 0 && EVP_DigestUpdate(k->md, &k->tier, sizeof k->tier) &&
            EVP_DigestUpdate(k->md, path, strlen(path) + 1) &&
            EVP_DigestUpdate(k->md, &size, sizeof size);
    while (k->ok && (n = fread(buf, 1, sizeof buf, f)) > 0)
        k->ok = EVP_DigestUpdate(k->md, buf, n);
    k->ok = k->ok && !ferror(f);
    fclose(f);
    return 0;
}

/* The cache key of what catalog_load_dir_diag(dir) would read. 0 or -1. */
static int cat_key(const char *dir, uint8_t key[32])
{
    char sub[4096];
    struct rdiag d;
    /* The layout's byte order and pointer size are part of the format. */
    uint32_t host[2] = {0x01020304u, (uint32_t)sizeof(void *)};
    struct key_ctx k = {EVP_MD_CTX_new(), 0, 1};
    rdiag_init(&d, NULL, 0);
    k.ok = k.md && EVP_DigestInit_ex(k.md, EVP_sha256(), NULL) &&
           EVP_DigestUpdate(k.md, CAT_FORMAT, sizeof CAT_FORMAT) &&
           EVP_DigestUpdate(k.md, host, sizeof host);
    if (k.ok && ryaml_each_file(dir, &d, key_file, &k) <= 0)
        k.ok = 0;
    k.tier = 1;
    if (k.ok && imported_layers(dir, sub, sizeof sub) && ryaml_each_file(sub, &d, key_file, &k) < 0)
        k.ok = 0;
    k.ok = k.ok && !d.nerr && EVP_DigestFinal_ex(k.md, key, NULL);
    EVP_MD_CTX_free(k.md);
    return k.ok ? 0 : -1;
}

struct cbuf {
    uint8_t *p;
    size_t n, cap;
    int oom;
};

static void cb_put(struct cbuf *b, const void *p, size_t n)
{
    if (b->oom)
        return;
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        while (cap < b->n + n)
            cap *= 2;
        uint8_t *np = realloc(b->p, cap);
        if (!np) {
            b->oom = 1;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
}

static void cb_u32(struct cbuf *b, uint32_t v)
{
    cb_put(b, &v, sizeof v);
}

/* Length, bytes and the NUL, or UINT32_MAX for NULL. */
static void cb_str(struct cbuf *b, const char *s)
{
    uint32_t n = s ? (uint32_t)strlen(s) : UINT32_MAX;
    cb_u32(b, n);
    if (s)
        cb_put(b, s, (size_t)n + 1);
}

static void cb_strs(struct cbuf *b, const char *const *v, size_t n)
{
    cb_u32(b, (uint32_t)n);
    for (size_t i = 0; i < n; i++)
        cb_str(b, v[i]);
}

/* Reading back: every read is bounds-checked, so a damaged payload is a miss. */
struct crd {
    char *p;
    size_t n, off;
    int bad;
};

static uint32_t cr_u32(struct crd *r)
{
    uint32_t v = 0;
    if (r->bad || r->n - r->off < sizeof v) {
        r->bad = 1;
        return 0;
    }
    memcpy(&v, r->p + r->off, sizeof v);
    r->off += sizeof v;
    return v;
}

/* A count of items at least min bytes each that the rest can hold. */
static uint32_t cr_count(struct crd *r, size_t min)
{
    uint32_t n = cr_u32(r);
    if (!r->bad && (size_t)n > (r->n - r->off) / min)
        r->bad = 1;
    return r->bad ? 0 : n;
}

static const char *cr_str(struct crd *r, int nullable)
{
    uint32_t n = cr_u32(r);
    if (n == UINT32_MAX && nullable)
        return NULL;
    if (r->bad || n == UINT32_MAX || r->n - r->off <= n || r->p[r->off + n] != 0 ||
        memchr(r->p + r->off, 0, n)) {
        r->bad = 1;
        return "";
    }
    const char *s = r->p + r->off;
    r->off += (size_t)n + 1;
    return s;
}

/* n strings into a NULL-terminated arena array (the shared empty one for none). */
static const char *const *cr_strs(struct crd *r, catalog_t *c, size_t *n)
{
    static const char *const none[1] = {NULL};
    *n = cr_count(r, 5);
    if (!*n)
        return none;
    const char **v = rarena_alloc(&c->arena, (*n + 1) * sizeof *v);
    if (!v) {
        r->bad = 1;
        return none;
    }
    for (size_t i = 0; i < *n; i++)
        v[i] = cr_str(r, 0);
    v[*n] = NULL;
    return v;
}

/* Index of x in a list of distinct pointers (the catalogue's file names: a handful). */
static uint32_t ptr_index(const void *const *v, size_t n, const void *x)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == x)
            return (uint32_t)i;
    return UINT32_MAX;
}

struct sdk_at {
    const struct sdk_entry *e;
    uint32_t i;
};

static int sdk_at_cmp(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)((const struct sdk_at *)a)->e;
    uintptr_t y = (uintptr_t)((const struct sdk_at *)b)->e;
    return x < y ? -1 : x > y;
}

static uint32_t sdk_index(const struct sdk_at *v, size_t n, const struct sdk_entry *e)
{
    struct sdk_at k = {e, 0};
    const struct sdk_at *f = bsearch(&k, v, n, sizeof *v, sdk_at_cmp);
    return f ? f->i : UINT32_MAX;
}

/* The payload: file names; entries (fields, domains with their slot's tier, line and
 * file; lists); the name table; the host patterns in compile order. */
static int cat_serialize(const catalog_t *c, struct cbuf *b)
{
    const char **files = NULL;
    size_t nfiles = 0;
    struct sdk_at *at = malloc((c->nsdk + 1) * sizeof *at);
    if (!at)
        return -1;
    for (size_t i = 0; i < c->nsdk; i++)
        at[i] = (struct sdk_at){c->sdks[i], (uint32_t)i};
    qsort(at, c->nsdk, sizeof *at, sdk_at_cmp);
    /* Every file name a slot or pattern holds is some entry's, or an imported file's
     * that merged into one: collect them from all three. */
    for (size_t pass = 0; pass < 3 && !b->oom; pass++) {
        size_t n = pass == 0 ? c->nsdk : pass == 1 ? c->nslot : c->npat;
        for (size_t i = 0; i < n; i++) {
            const char *f = pass == 0 ? c->sdks[i]->file
                            : pass == 1 ? c->slots[i].file : c->pats[i].file;
            if (!f || ptr_index((const void *const *)files, nfiles, f) != UINT32_MAX)
                continue;
            const char **nf = realloc(files, (nfiles + 1) * sizeof *nf);
            if (!nf) {
                b->oom = 1;
                break;
            }
            files = nf;
            files[nfiles++] = f;
        }
    }
    /* The table sizes first, so a restore allocates each table once. */
    cb_u32(b, (uint32_t)c->ndom);
    cb_u32(b, (uint32_t)c->names.n);
    cb_strs(b, files, nfiles);
    cb_u32(b, (uint32_t)c->nsdk);
    for (size_t i = 0; i < c->nsdk; i++) {
        const struct sdk_entry *e = c->sdks[i];
        const char *s[] = {e->id, e->name, e->vendor, e->source, e->note, e->company,
                           e->parent, e->category};
        for (size_t k = 0; k < sizeof s / sizeof *s; k++)
            cb_str(b, s[k]);
        cb_u32(b, ptr_index((const void *const *)files, nfiles, e->file));
        cb_u32(b, (uint32_t)e->line);
        cb_u32(b, (uint32_t)e->imported);
        cb_u32(b, (uint32_t)e->frontend);
        cb_u32(b, (uint32_t)e->n_own_aliases);
        cb_u32(b, (uint32_t)e->n_domains);
        for (size_t k = 0; k < e->n_domains; k++) {
            size_t len = strlen(e->domains[k]);
            const struct dom_slot *sl = slot_find(c, e->domains[k], len, rhash(e->domains[k], len));
            cb_str(b, e->domains[k]);
            cb_u32(b, (uint32_t)sl->tier);
            cb_u32(b, (uint32_t)sl->line);
            cb_u32(b, ptr_index((const void *const *)files, nfiles, sl->file));
        }
        cb_strs(b, e->aliases, e->n_aliases);
        cb_strs(b, e->host_patterns, e->n_host_patterns);
        cb_strs(b, e->code_signatures, e->n_code_signatures);
    }
    cb_u32(b, (uint32_t)c->names.n);
    for (size_t i = 0; i < c->names.nslot; i++) {
        const struct name_slot *sl = &c->names.slots[i];
        if (!sl->key)
            continue;
        cb_str(b, sl->key);
        cb_u32(b, sdk_index(at, c->nsdk, sl->sdk));
        cb_u32(b, (uint32_t)sl->tier);
    }
    cb_u32(b, (uint32_t)c->npat);
    for (size_t i = 0; i < c->npat; i++) {
        const struct pat *p = &c->pats[i];
        cb_u32(b, sdk_index(at, c->nsdk, p->sdk));
        cb_u32(b, ptr_index((const void *const *)p->sdk->host_patterns,
                            p->sdk->n_host_patterns, p->expr));
        cb_u32(b, ptr_index((const void *const *)files, nfiles, p->file));
        cb_u32(b, (uint32_t)p->line);
        cb_u32(b, (uint32_t)p->tier);
    }
    free(files);
    free(at);
    return b->oom ? -1 : 0;
}

/* c is fresh; it takes blob. 0, or -1 for a payload that does not
 * describe a catalogue (then c is freed by the caller, and the files are parsed). */
static int cat_restore(catalog_t *c, char *blob, size_t len)
{
    struct crd r = {blob, len, 0, 0};
    size_t nfiles;
    c->blob = blob;
    c->blob_len = len;
    size_t ndom = cr_count(&r, 5 + 12), nnames = cr_count(&r, 5 + 8);
    const char *const *files = cr_strs(&r, c, &nfiles);
    size_t nsdk = cr_count(&r, 8 * 4 + 9 * 4);
    if (r.bad || !(c->sdks = calloc(nsdk + 1, sizeof *c->sdks)) ||
        dom_resize(c, slots_for(ndom)) < 0 || nt_resize(&c->ids, slots_for(nsdk)) < 0 ||
        nt_resize(&c->names, slots_for(nnames)) < 0)
        return -1;
    c->cap_sdk = nsdk + 1;
    for (size_t i = 0; i < nsdk && !r.bad; i++) {
        struct sdk_entry *e = rarena_alloc(&c->arena, sizeof *e);
        if (!e)
            return -1;
        memset(e, 0, sizeof *e);
        c->sdks[c->nsdk++] = e;
        const char **s[] = {&e->id, &e->name, &e->vendor, &e->source, &e->note, &e->company,
                            &e->parent, &e->category};
        for (size_t k = 0; k < sizeof s / sizeof *s; k++)
            *s[k] = cr_str(&r, k == 4);
        uint32_t fi = cr_u32(&r);
        e->file = fi < nfiles ? files[fi] : (r.bad = 1, "");
        e->line = (int)cr_u32(&r);
        e->imported = (int)cr_u32(&r);
        e->frontend = (int)cr_u32(&r);
        e->n_own_aliases = cr_u32(&r);
        size_t nd = cr_count(&r, 5 + 12);
        const char **dv = rarena_alloc(&c->arena, (nd + 1) * sizeof *dv);
        if (!dv)
            return -1;
        for (size_t k = 0; k < nd && !r.bad; k++) {
            const char *dom = cr_str(&r, 0);
            uint32_t tier = cr_u32(&r), line = cr_u32(&r), df = cr_u32(&r);
            size_t dl = strlen(dom);
            uint32_t h = rhash(dom, dl);
            if ((c->ndom + 1) * 2 > c->nslot && grow_slots(c) < 0)
                return -1;
            struct dom_slot *sl = slot_find(c, dom, dl, h);
            if (r.bad || sl->dom || tier > 1 || df >= nfiles)
                return -1;
            *sl = (struct dom_slot){dom, dl, h, e, (int)line, files[df], (int)tier};
            c->ndom++;
            dv[k] = dom;
        }
        dv[nd] = NULL;
        e->domains = dv;
        e->n_domains = nd;
        e->aliases = cr_strs(&r, c, &e->n_aliases);
        e->host_patterns = cr_strs(&r, c, &e->n_host_patterns);
        e->code_signatures = cr_strs(&r, c, &e->n_code_signatures);
        if (r.bad || e->n_own_aliases > e->n_aliases ||
            !nt_put(c, &c->ids, e->id, e, e->imported))
            return -1;
    }
    if (cr_count(&r, 5 + 8) != nnames || c->ndom != ndom)
        return -1;
    for (size_t i = 0; i < nnames && !r.bad; i++) {
        const char *key = cr_str(&r, 0);
        uint32_t si = cr_u32(&r), tier = cr_u32(&r);
        if (r.bad || si >= c->nsdk || !nt_put(c, &c->names, key, c->sdks[si], (int)tier))
            return -1;
    }
    size_t npat = cr_count(&r, 20);
    if (r.bad || (npat && !(c->pats = calloc(npat, sizeof *c->pats))))
        return -1;
    c->cap_pat = npat;
    for (size_t i = 0; i < npat; i++) {
        uint32_t si = cr_u32(&r), pi = cr_u32(&r), pf = cr_u32(&r), line = cr_u32(&r),
                 tier = cr_u32(&r);
        if (r.bad || si >= c->nsdk || pi >= c->sdks[si]->n_host_patterns || pf >= nfiles ||
            tier > 1)
            return -1;
        c->pats[c->npat++] = (struct pat){c->sdks[si]->host_patterns[pi], c->sdks[si],
                                          files[pf], (int)line, (int)tier};
    }
    if (r.bad || r.off != r.n)
        return -1;
    char err[LW_ERRBUF];
    size_t bad;
    const char **ex = calloc(c->npat + 1, sizeof *ex);
    if (!ex)
        return -1;
    for (size_t i = 0; i < c->npat; i++)
        ex[i] = c->pats[i].expr;
    int rc = hostpat_new(ex, c->npat, &c->hp, &bad, err, sizeof err);
    free(ex);
    return rc < 0 ? -1 : 0;
}

catalog_t *catalog_restore(void *p, size_t n)
{
    catalog_t *c = p ? calloc(1, sizeof *c) : NULL;
    if (c)
        c->serial = next_serial();
    if (!c || cat_restore(c, p, n) < 0) {
        if (!c || !c->blob)
            bigmem_free(p, n);
        catalog_free(c);
        return NULL;
    }
    c->restored = 1;
    return c;
}

int catalog_serialize(const catalog_t *c, void **p, size_t *n)
{
    struct cbuf b = {0};
    if (cat_serialize(c, &b) < 0) {
        free(b.p);
        return LW_ERR_NOMEM;
    }
    *p = b.p;
    *n = b.n;
    return 0;
}

int catalog_load_dir(const char *dir, catalog_t **out, char *err, size_t errlen)
{
    struct rdiag d;
    char buf[PATH_MAX];
    uint8_t key[32], again[32];
    const char *cache = diskcache_dir(buf, sizeof buf);
    if (cache && cat_key(dir, key) < 0)
        cache = NULL;
    size_t n;
    void *p;
    if (cache && (p = diskcache_load(cache, CAT_EXT, key, &n)) && (*out = catalog_restore(p, n)))
        return 0;
    rdiag_init(&d, err, errlen);
    int rc = catalog_load_dir_diag(dir, out, &d);
    if (rc == 0 && d.nerr) {
        catalog_free(*out);
        *out = NULL;
        rc = LW_ERR_PARSE;
    }
    /* Stored only when no file changed while it was parsed. */
    if (rc == 0 && cache && cat_key(dir, again) == 0 && !memcmp(key, again, sizeof key) &&
        catalog_serialize(*out, &p, &n) == 0) {
        diskcache_store(cache, CAT_EXT, key, p, n);
        free(p);
    }
    return rc;
}

void catalog_free(catalog_t *c)
{
    if (!c)
        return;
    hostpat_free(c->hp);
    free(c->pats);
    bigmem_free(c->ids.slots, c->ids.nslot * sizeof *c->ids.slots);
    bigmem_free(c->names.slots, c->names.nslot * sizeof *c->names.slots);
    bigmem_free(c->slots, c->nslot * sizeof *c->slots);
    free(c->sdks);
    rarena_free(c->arena);
    bigmem_free(c->blob, c->blob_len);
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

/* Hand-written (tier 0) first: a hand-written SDK decides; a hand-written front end lets
 * only a longer imported SDK domain through. Host patterns count for a tier only when
 * its domains gave nothing. A front end, wherever it wins, attributes no SDK, but still
 * says who runs the host (*owner: the SDK, else the front end that won). */
static const struct sdk_entry *decide(const catalog_t *c, const char *host, size_t len,
                                      const struct sdk_entry *best[2], const size_t blen[2],
                                      const struct sdk_entry **owner)
{
    if (c->hp && (!best[0] || !best[1])) {
        long p = hostpat_match(c->hp, host, len);
        if (p >= 0 && !best[c->pats[p].tier])
            best[c->pats[p].tier] = c->pats[p].sdk;
    }
    const struct sdk_entry *sdk;
    if (best[0] && !best[0]->frontend)
        sdk = best[0];
    else if (best[0])
        sdk = (best[1] && !best[1]->frontend && blen[1] > blen[0]) ? best[1] : NULL;
    else
        sdk = (best[1] && !best[1]->frontend) ? best[1] : NULL;
    *owner = sdk ? sdk : best[0] ? best[0] : best[1];
    return sdk;
}

static const struct sdk_entry *lookup(const catalog_t *c, const char *host, size_t len,
                                      const struct sdk_entry **owner)
{
    char buf[256];
    size_t start[128];   /* label starts, rightmost first */
    uint32_t hash[128];  /* hash of the suffix beginning at start[i] */
    size_t nl = 0;
    uint32_t h = FNV_SEED;
    *owner = NULL;
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
    /* Longest suffix first: the first hit of each tier is its longest match. */
    const struct sdk_entry *best[2] = {NULL, NULL};
    size_t blen[2] = {0, 0};
    while (nl-- > 0) {
        size_t n = len - start[nl];
        struct dom_slot *sl = slot_find(c, buf + start[nl], n, hash[nl]);
        if (sl && sl->dom && !best[sl->tier]) {
            best[sl->tier] = sl->sdk;
            blen[sl->tier] = n;
        }
    }
    return decide(c, buf, len, best, blen, owner);
}

/* Names repeat: an app's SDKs reach the same few hosts all day, and each flow looks up
 * its SNI or Host. So each thread remembers its last lookups, in a direct-mapped table
 * keyed by the catalogue's serial and the name's bytes as given; a hit costs a hash and
 * a compare instead of the suffix walk and a Hyperscan scan of the host patterns
 * (about 1,500 instructions). Longer names are not kept. */
#define MEMO_SLOTS 256
#define MEMO_HOST 54
struct memo {
    uint64_t serial;   /* 0: empty */
    const struct sdk_entry *sdk, *owner;
    uint8_t len;
    char host[MEMO_HOST];
};
static _Thread_local struct memo memo[MEMO_SLOTS];

const struct sdk_entry *catalog_lookup_n(const catalog_t *c, const char *host, size_t len,
                                         const struct sdk_entry **owner)
{
    *owner = NULL;
    if (!c || !host || !c->ndom)
        return NULL;
    if (len > MEMO_HOST)
        return lookup(c, host, len, owner);
    uint32_t h = FNV_SEED;
    for (size_t i = 0; i < len; i++)
        h = FNV_STEP(h, host[i]);
    struct memo *m = &memo[(h ^ h >> 16) & (MEMO_SLOTS - 1)];
    if (m->serial == c->serial && m->len == len && memcmp(m->host, host, len) == 0) {
        *owner = m->owner;
        return m->sdk;
    }
    const struct sdk_entry *sdk = lookup(c, host, len, owner);
    m->serial = c->serial;
    m->len = (uint8_t)len;
    memcpy(m->host, host, len);
    m->sdk = sdk;
    m->owner = *owner;
    return sdk;
}

const struct sdk_entry *catalog_match_n(const catalog_t *c, const char *host, size_t len)
{
    const struct sdk_entry *owner;
    return catalog_lookup_n(c, host, len, &owner);
}

const struct sdk_entry *catalog_match(const catalog_t *c, const char *host)
{
    return host ? catalog_match_n(c, host, strlen(host)) : NULL;
}

const struct sdk_entry *catalog_find(const catalog_t *c, const char *id)
{
    if (!c || !id)
        return NULL;
    size_t n = strlen(id);
    struct name_slot *sl = nt_find(&c->ids, id, n, rhash(id, n));
    return sl && sl->key ? sl->sdk : NULL;
}

const struct sdk_entry *catalog_find_alias(const catalog_t *c, const char *name)
{
    char key[256];
    const struct sdk_entry *e = catalog_find(c, name);
    if (e || !c || !name || !name_key(name, key, sizeof key))
        return e;
    size_t n = strlen(key);
    struct name_slot *sl = nt_find(&c->names, key, n, rhash(key, n));
    return sl && sl->key ? sl->sdk : NULL;
}

size_t catalog_npatterns(const catalog_t *c)
{
    return c ? c->npat : 0;
}

long catalog_hostdb_us(const catalog_t *c)
{
    return c ? hostpat_compile_us(c->hp) : 0;
}

int catalog_restored(const catalog_t *c)
{
    return c ? c->restored : 0;
}

int catalog_hostdb_cached(const catalog_t *c)
{
    return c ? hostpat_from_cache(c->hp) : 0;
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
