/* policy.c - loads data/policies/<name>.yaml into declarations the verdict engine reads.
 * It checks what can be checked from the files alone (types known to the ontology,
 * SDK ids known to the catalogue, required fields) and does not judge traffic: that is
 * verdict.c. */
#include "rules/policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/ryaml.h"
#include "common/lwerr.h"

struct policy_set {
    struct rarena *arena;
    struct policy **v;
    size_t n, cap;
};

/* Known promised transforms, weakest first; verdict.c ranks them the same way. */
static const char *const known_transforms[] = {"md5", "sha1", "sha224", "sha256", "sha384",
                                               "sha512", NULL};

struct ctx {
    policy_set_t *s;
    yaml_document_t *doc;
    const ontology_t *ont;
    const catalog_t *cat;
    const char *file;
    const char *dirs;        /* the layered list being read (ryaml_layer_of) */
    struct rdiag *d;
};

static const char *get_str(struct ctx *c, yaml_node_t *m, const char *key, int required,
                           const char *what)
{
    yaml_node_t *n = ryaml_get(c->doc, m, key);
    if (!n) {
        if (required)
            rdiag_error(c->d, c->file, ryaml_line(m), "%s: missing '%s'", what, key);
        return NULL;
    }
    if (!ryaml_str(n)) {
        rdiag_error(c->d, c->file, ryaml_line(n), "%s: '%s' must be a string", what, key);
        return NULL;
    }
    return rarena_strdup(&c->s->arena, ryaml_str(n));
}

/* Resolve a type phrase to its canonical name; NULL (with a message) if unknown or
 * vague. Without an ontology the phrase is kept as written. */
static const char *canon_type(struct ctx *c, const char *s, int line, const char *what)
{
    const char *canon = NULL;
    if (!c->ont)
        return s;
    switch (ontology_resolve(c->ont, s, &canon)) {
    case ONT_LEAF:
    case ONT_CATEGORY:
        return canon;
    case ONT_VAGUE:
        rdiag_error(c->d, c->file, line,
                    "%s: \"%s\" is a vague phrase, not a type: list it under 'vague'", what, s);
        return NULL;
    default:
        rdiag_error(c->d, c->file, line, "%s: unknown identifier type \"%s\"", what, s);
        return NULL;
    }
}

/* A list of strings; each is passed through conv when conv is set. Returns an
 * arena array (possibly empty), NULL only on allocation failure. */
static const char **str_list(struct ctx *c, yaml_node_t *n, size_t *count, int types,
                             const char *what, int *nomem)
{
    size_t cap = 0;
    *count = 0;
    if (n && n->type == YAML_SEQUENCE_NODE)
        cap = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    else if (n)
        rdiag_error(c->d, c->file, ryaml_line(n), "%s must be a list", what);
    const char **v = rarena_alloc(&c->s->arena, (cap + 1) * sizeof *v);
    if (!v) {
        *nomem = 1;
        return NULL;
    }
    for (size_t i = 0; i < cap; i++) {
        yaml_node_t *x = yaml_document_get_node(c->doc, n->data.sequence.items.start[i]);
        const char *s = ryaml_str(x);
        if (!s) {
            rdiag_error(c->d, c->file, ryaml_line(x), "%s: entries must be strings", what);
            continue;
        }
        if (types && !(s = canon_type(c, s, ryaml_line(x), what)))
            continue;
        if (!(v[*count] = rarena_strdup(&c->s->arena, s))) {
            *nomem = 1;
            return NULL;
        }
        (*count)++;
    }
    v[*count] = NULL;
    return v;
}

/* The `conditional:` list of mapping m: types, each one of the n declared ones. */
static const char **conditional(struct ctx *c, yaml_node_t *m, const char *const *declared,
                                size_t n, size_t *count, const char *what, int *nomem)
{
    yaml_node_t *cn = ryaml_get(c->doc, m, "conditional");
    const char **v = str_list(c, cn, count, 1, what, nomem);
    for (size_t i = 0; v && i < *count; i++) {
        size_t k = 0;
        while (k < n && strcmp(declared[k], v[i]) != 0)
            k++;
        if (k == n)
            rdiag_error(c->d, c->file, ryaml_line(cn), "%s: \"%s\" is not declared beside it",
                        what, v[i]);
    }
    return v;
}

static int load_first_party(struct ctx *c, struct policy *p, yaml_node_t *fp)
{
    int nomem = 0;
    if (!fp || fp->type != YAML_MAPPING_NODE) {
        rdiag_error(c->d, c->file, fp ? ryaml_line(fp) : p->line,
                    "policy %s: missing 'first_party' mapping (collects, transforms, domains)",
                    p->id);
        fp = NULL;
    }
    static const char *const fp_keys[] = {"collects",          "clause",       "domains",
                                          "transforms",        "conditional",
                                          "transforms_clause", "domains_note", NULL};
    ryaml_check_keys(c->doc, fp, fp_keys, c->file, "first_party", c->d);
    yaml_node_t *col = fp ? ryaml_get(c->doc, fp, "collects") : NULL;
    if (fp && !col)
        rdiag_error(c->d, c->file, ryaml_line(fp), "policy %s: first_party: missing 'collects'",
                    p->id);
    p->fp_collects = str_list(c, col, &p->n_fp_collects, 1, "first_party.collects", &nomem);
    p->fp_conditional = fp ? conditional(c, fp, p->fp_collects, p->n_fp_collects,
                                         &p->n_fp_conditional, "first_party.conditional",
                                         &nomem)
                           : NULL;
    p->fp_clause = fp ? get_str(c, fp, "clause", 0, "first_party") : NULL;
    yaml_node_t *dom = fp ? ryaml_get(c->doc, fp, "domains") : NULL;
    if (fp && !dom)
        rdiag_error(c->d, c->file, ryaml_line(fp),
                    "policy %s: first_party: missing 'domains' (use [] and 'domains_note' "
                    "when they are not established)", p->id);
    p->fp_domains = str_list(c, dom, &p->n_fp_domains, 0, "first_party.domains", &nomem);
    for (size_t i = 0; !nomem && i < p->n_fp_domains; i++)
        if (!ryaml_domain_ok(p->fp_domains[i]))
            rdiag_error(c->d, c->file, ryaml_line(dom), "first_party.domains: bad domain \"%s\"",
                        p->fp_domains[i]);
    if (nomem)
        return LW_ERR_NOMEM;
    yaml_node_t *tr = fp ? ryaml_get(c->doc, fp, "transforms") : NULL;
    p->transforms_clause = fp ? get_str(c, fp, "transforms_clause", 0, "first_party") : NULL;
    if (tr && tr->type != YAML_MAPPING_NODE) {
        rdiag_error(c->d, c->file, ryaml_line(tr),
                    "first_party.transforms must map a type to a list of transforms");
        tr = NULL;
    }
    if (!tr)
        return 0;
    size_t nt = (size_t)(tr->data.mapping.pairs.top - tr->data.mapping.pairs.start);
    struct policy_transform *t = rarena_alloc(&c->s->arena, (nt + 1) * sizeof *t);
    if (!t)
        return LW_ERR_NOMEM;
    p->transforms = t;
    for (yaml_node_pair_t *pr = tr->data.mapping.pairs.start; pr < tr->data.mapping.pairs.top;
         pr++) {
        yaml_node_t *k = yaml_document_get_node(c->doc, pr->key);
        yaml_node_t *v = yaml_document_get_node(c->doc, pr->value);
        const char *type = ryaml_str(k);
        if (!type || !(type = canon_type(c, type, ryaml_line(k), "first_party.transforms")))
            continue;
        struct policy_transform *cur = &t[p->n_transforms];
        cur->type = rarena_strdup(&c->s->arena, type);
        cur->forms = str_list(c, v, &cur->n_forms, 0, "first_party.transforms", &nomem);
        if (nomem || !cur->type)
            return LW_ERR_NOMEM;
        for (size_t i = 0; i < cur->n_forms; i++) {
            int ok = 0;
            for (const char *const *kt = known_transforms; *kt; kt++)
                ok |= strcmp(*kt, cur->forms[i]) == 0;
            if (!ok)
                rdiag_error(c->d, c->file, ryaml_line(v),
                            "first_party.transforms.%s: unknown transform \"%s\" (known: md5, "
                            "sha1, sha224, sha256, sha384, sha512)", type, cur->forms[i]);
        }
        if (cur->n_forms == 0)
            rdiag_error(c->d, c->file, ryaml_line(v),
                        "first_party.transforms.%s: empty list of transforms", type);
        p->n_transforms++;
    }
    return 0;
}

/* The keys a draft (rules/draft.c) adds to an entry: `sdk: null` with the `name:` the
 * text uses, for an SDK the catalogue lacks, and `confidence` (0..1). Returns 1 when
 * the entry is such a null entry (e->sdk stays NULL; verdicts never match it), 0
 * otherwise, or LW_ERR_NOMEM. */
static int draft_keys(struct ctx *c, yaml_node_t *m, struct policy_sdk *e)
{
    yaml_node_t *cn = ryaml_get(c->doc, m, "confidence"), *sn = ryaml_get(c->doc, m, "sdk");
    e->confidence = -1;
    if (cn) {
        const char *v = ryaml_str(cn);
        char *end = NULL;
        double x = v ? strtod(v, &end) : -1;
        if (!v || end == v || *end || !(x >= 0 && x <= 1))
            rdiag_error(c->d, c->file, ryaml_line(cn), "sdks entry: confidence must be a number "
                        "from 0 to 1");
        else
            e->confidence = x;
    }
    const char *sv = ryaml_str(sn);
    int null = sn && sv && sn->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
               (!strcmp(sv, "null") || !strcmp(sv, "~") || !*sv);
    yaml_node_t *nn = ryaml_get(c->doc, m, "name");
    if (nn && !ryaml_str(nn))
        rdiag_error(c->d, c->file, ryaml_line(nn), "sdks entry: 'name' must be a string");
    else if (nn && !(e->name = rarena_strdup(&c->s->arena, ryaml_str(nn))))
        return LW_ERR_NOMEM;
    if (null && !e->name)
        rdiag_error(c->d, c->file, e->line,
                    "sdks entry: 'sdk: null' needs the 'name' the policy uses for the SDK");
    return null;
}

static int load_sdks(struct ctx *c, struct policy *p, yaml_node_t *sn)
{
    int nomem = 0;
    if (!sn) {
        if (p->catalogue == POLICY_CAT_INCLUDED)
            rdiag_error(c->d, c->file, p->line,
                        "policy %s: missing 'sdks' (or say sdk_catalogue: missing / linked)",
                        p->id);
        return 0;
    }
    if (sn->type != YAML_SEQUENCE_NODE) {
        rdiag_error(c->d, c->file, ryaml_line(sn), "policy %s: 'sdks' must be a list", p->id);
        return 0;
    }
    size_t n = (size_t)(sn->data.sequence.items.top - sn->data.sequence.items.start);
    if (n && p->catalogue != POLICY_CAT_INCLUDED)
        rdiag_error(c->d, c->file, ryaml_line(sn),
                    "policy %s: sdk_catalogue is %s but 'sdks' lists entries", p->id,
                    policy_catalogue_name(p->catalogue));
    struct policy_sdk *v = rarena_alloc(&c->s->arena, (n + 1) * sizeof *v);
    if (!v)
        return LW_ERR_NOMEM;
    p->sdks = v;
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *m = yaml_document_get_node(c->doc, sn->data.sequence.items.start[i]);
        struct policy_sdk *e = &v[p->n_sdks];
        memset(e, 0, sizeof *e);
        e->line = ryaml_line(m);
        if (m->type != YAML_MAPPING_NODE) {
            rdiag_error(c->d, c->file, e->line, "sdks entry must be a mapping (sdk, declares, clause)");
            continue;
        }
        static const char *const sdk_keys[] = {"sdk",  "declares", "vague",      "clause",
                                               "note", "name",     "confidence", "conditional",
                                               NULL};
        ryaml_check_keys(c->doc, m, sdk_keys, c->file, "sdks entry", c->d);
        int rc = draft_keys(c, m, e); /* sdk: null, name, confidence */
        if (rc < 0)
            return rc;
        if (rc == 0 && !(e->sdk = get_str(c, m, "sdk", 1, "sdks entry")))
            continue;
        /* A name or alias of the catalogue ("Umeng+", "穿山甲") stands for its id. */
        const struct sdk_entry *se = e->sdk && c->cat ? catalog_find_alias(c->cat, e->sdk) : NULL;
        if (se && strcmp(se->id, e->sdk) != 0 &&
            !(e->sdk = rarena_strdup(&c->s->arena, se->id)))
            return LW_ERR_NOMEM;
        if (e->sdk && c->cat && !se)
            rdiag_error(c->d, c->file, e->line,
                        "policy %s names SDK \"%s\" which is missing from the catalogue", p->id,
                        e->sdk);
        if (e->sdk && policy_sdk_find(p, e->sdk))
            rdiag_error(c->d, c->file, e->line, "policy %s lists SDK %s twice", p->id, e->sdk);
        yaml_node_t *dn = ryaml_get(c->doc, m, "declares");
        if (!dn)
            rdiag_error(c->d, c->file, e->line,
                        "sdk %s: missing 'declares' (use [] when the policy lists no fields)",
                        e->sdk ? e->sdk : e->name ? e->name : "null");
        e->declares = str_list(c, dn, &e->n_declares, 1, "declares", &nomem);
        e->vague = str_list(c, ryaml_get(c->doc, m, "vague"), &e->n_vague, 0, "vague", &nomem);
        if (e->declares)
            e->conditional = conditional(c, m, e->declares, e->n_declares, &e->n_conditional,
                                         "conditional", &nomem);
        e->clause = get_str(c, m, "clause", 1, "sdks entry");
        e->note = get_str(c, m, "note", 0, "sdks entry");
        if (nomem)
            return LW_ERR_NOMEM;
        p->n_sdks++;
    }
    return 0;
}

static int load_policy(struct ctx *c, yaml_node_t *root)
{
    int rc;
    struct policy *p = rarena_alloc(&c->s->arena, sizeof *p);
    if (!p)
        return LW_ERR_NOMEM;
    memset(p, 0, sizeof *p);
    p->line = ryaml_line(root);
    if (!(p->file = rarena_strdup(&c->s->arena, c->file)))
        return LW_ERR_NOMEM;
    static const char *const keys[] = {"id", "app", "source", "sdk_catalogue", "note", "linked",
                                       "first_party", "sdks", NULL};
    ryaml_check_keys(c->doc, root, keys, c->file, "policy", c->d);
    p->id = get_str(c, root, "id", 1, "policy");
    p->app = get_str(c, root, "app", 1, "policy");
    p->source = get_str(c, root, "source", 1, "policy");
    p->note = get_str(c, root, "note", 0, "policy");
    p->linked = get_str(c, root, "linked", 0, "policy");
    if (!p->id)
        return 0;
    const struct policy *old = policy_find(c->s, p->id);
    /* Layered rules: a policy of a later layer replaces one of the same id below it,
     * whichever file name each has (files are read in name order, not layer order). */
    int mine = ryaml_layer_of(c->dirs, c->file);
    int theirs = old ? ryaml_layer_of(c->dirs, old->file) : 0;
    if (old && mine < theirs)
        return 0;
    if (old && mine == theirs) {
        rdiag_error(c->d, c->file, p->line, "policy id %s defined twice (first in %s)", p->id,
                    old->file);
        return 0;
    }
    const char *cat = get_str(c, root, "sdk_catalogue", 0, "policy");
    if (!cat || strcmp(cat, "included") == 0) {
        p->catalogue = POLICY_CAT_INCLUDED;
    } else if (strcmp(cat, "missing") == 0 || strcmp(cat, "none") == 0) {
        p->catalogue = POLICY_CAT_MISSING;
    } else if (strcmp(cat, "linked") == 0) {
        p->catalogue = POLICY_CAT_LINKED;
    } else {
        rdiag_error(c->d, c->file, ryaml_line(ryaml_get(c->doc, root, "sdk_catalogue")),
                    "policy %s: sdk_catalogue must be included, missing or linked", p->id);
        p->catalogue = POLICY_CAT_MISSING;
    }
    if (p->catalogue != POLICY_CAT_INCLUDED && !p->note && !p->linked)
        rdiag_error(c->d, c->file, p->line,
                    "policy %s: sdk_catalogue %s needs a 'note' or 'linked' saying why", p->id,
                    policy_catalogue_name(p->catalogue));
    if ((rc = load_first_party(c, p, ryaml_get(c->doc, root, "first_party"))) < 0)
        return rc;
    if ((rc = load_sdks(c, p, ryaml_get(c->doc, root, "sdks"))) < 0)
        return rc;
    if (c->s->n == c->s->cap) {
        size_t cap = c->s->cap ? c->s->cap * 2 : 16;
        struct policy **nv = realloc(c->s->v, cap * sizeof *nv);
        if (!nv)
            return LW_ERR_NOMEM;
        c->s->v = nv;
        c->s->cap = cap;
    }
    for (size_t i = 0; old && i < c->s->n; i++)
        if (c->s->v[i] == old) {
            c->s->v[i] = p;
            return 0;
        }
    c->s->v[c->s->n++] = p;
    return 0;
}

static int load_file(void *ctx, const char *path)
{
    struct ctx *c = ctx;
    yaml_document_t doc;
    int rc = ryaml_load(path, &doc, c->d);
    if (rc < 0)
        return rc == LW_ERR_NOMEM ? rc : 0;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    c->doc = &doc;
    c->file = path;
    if (!root || root->type != YAML_MAPPING_NODE)
        rdiag_error(c->d, path, root ? ryaml_line(root) : 1,
                    "expected a policy mapping (id, app, source, first_party, sdks)");
    else
        rc = load_policy(c, root);
    c->doc = NULL;
    c->file = NULL;
    yaml_document_delete(&doc);
    return rc;
}

int policy_load_dir_diag(const char *dir, const ontology_t *ont, const catalog_t *cat,
                         policy_set_t **out, struct rdiag *d)
{
    int rc;
    struct ctx c = {.ont = ont, .cat = cat, .d = d, .dirs = dir};
    *out = NULL;
    if (!(c.s = calloc(1, sizeof *c.s))) {
        rc = LW_ERR_NOMEM;
        goto out;
    }
    if ((rc = ryaml_each_file(dir, d, load_file, &c)) < 0)
        goto out;
    rc = LW_OK;
    *out = c.s;
    c.s = NULL;
out:
    policy_set_free(c.s);
    return rc;
}

int policy_load_dir(const char *dir, const ontology_t *ont, const catalog_t *cat,
                    policy_set_t **out, char *err, size_t errlen)
{
    struct rdiag d;
    rdiag_init(&d, err, errlen);
    if (!ont) {
        snprintf(err, errlen, "%s: policies need an ontology to resolve types", dir);
        return LW_ERR_INVAL;
    }
    int rc = policy_load_dir_diag(dir, ont, cat, out, &d);
    if (rc == 0 && d.nerr) {
        policy_set_free(*out);
        *out = NULL;
        rc = LW_ERR_PARSE;
    }
    return rc;
}

void policy_set_free(policy_set_t *s)
{
    if (!s)
        return;
    free(s->v);
    rarena_free(s->arena);
    free(s);
}

const struct policy *policy_find(const policy_set_t *s, const char *id)
{
    if (!s || !id)
        return NULL;
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i]->id, id) == 0)
            return s->v[i];
    return NULL;
}

size_t policy_count(const policy_set_t *s)
{
    return s ? s->n : 0;
}

const struct policy *policy_at(const policy_set_t *s, size_t i)
{
    return (s && i < s->n) ? s->v[i] : NULL;
}

const struct policy_sdk *policy_sdk_find(const struct policy *p, const char *sdk_id)
{
    if (!p || !sdk_id)
        return NULL;
    for (size_t i = 0; i < p->n_sdks; i++)
        if (p->sdks[i].sdk && strcmp(p->sdks[i].sdk, sdk_id) == 0)
            return &p->sdks[i];
    return NULL;
}

/* A profile's policy: name at file line, field path what. */
static int check_policy_name(const policy_set_t *s, const profile_t *p, const char *dir,
                             const char *name, int line, const char *what, char *err,
                             size_t errlen)
{
    if (!name || policy_find(s, name))
        return 0;
    char known[256] = "";
    size_t kl = 0;
    for (size_t j = 0; s && j < s->n; j++) {
        kl += (size_t)snprintf(known + kl, sizeof known - kl, "%s%s", j ? ", " : "",
                               s->v[j]->id);
        if (kl >= sizeof known) {
            memcpy(known + sizeof known - 4, "...", 4);
            break;
        }
    }
    const char *ids[64], *near;
    size_t n = s ? (s->n < 63 ? s->n : 63) : 0;
    for (size_t j = 0; j < n; j++)
        ids[j] = s->v[j]->id;
    ids[n] = NULL;
    char hint[128] = "";
    if ((near = ryaml_suggest(name, strlen(name), ids)))
        snprintf(hint, sizeof hint, "did you mean \"%s\"? ", near);
    snprintf(err, errlen, "%s:%d: %s: no policy \"%s\" in %s/policies (%s%s%s)",
             profile_path(p), line, what, name, dir ? dir : "the rules directory", hint,
             s && s->n ? "known: " : "no policy files loaded", known);
    return LW_ERR_PARSE;
}

int policy_check_profile(const policy_set_t *s, const profile_t *p, const char *dir,
                         char *err, size_t errlen)
{
    char what[96];
    for (size_t i = 0; i < profile_ndevices(p); i++) {
        const struct profile_device *d = profile_device(p, i);
        snprintf(what, sizeof what, "devices[%zu].policy", i);
        if (check_policy_name(s, p, dir, d->policy, d->policy_line, what, err, errlen) < 0)
            return LW_ERR_PARSE;
        for (size_t j = 0; j < d->n_apps; j++) {
            snprintf(what, sizeof what, "devices[%zu].apps[%zu].policy", i, j);
            if (check_policy_name(s, p, dir, d->apps[j].policy, d->apps[j].policy_line, what,
                                  err, errlen) < 0)
                return LW_ERR_PARSE;
        }
    }
    return 0;
}

int policy_is_first_party(const struct policy *p, const char *host, size_t len)
{
    if (!p || !host)
        return 0;
    for (size_t i = 0; i < p->n_fp_domains; i++)
        if (catalog_host_in(host, len, p->fp_domains[i]))
            return 1;
    return 0;
}

const struct policy_transform *policy_transform_for(const struct policy *p,
                                                    const ontology_t *ont, const char *type)
{
    if (!p || !type)
        return NULL;
    for (size_t i = 0; i < p->n_transforms; i++)
        if (strcmp(p->transforms[i].type, type) == 0 ||
            (ont && ontology_covers(ont, p->transforms[i].type, type)))
            return &p->transforms[i];
    return NULL;
}

const char *policy_catalogue_name(enum policy_catalogue c)
{
    switch (c) {
    case POLICY_CAT_INCLUDED: return "included";
    case POLICY_CAT_MISSING: return "missing";
    case POLICY_CAT_LINKED: return "linked";
    }
    return "?";
}
