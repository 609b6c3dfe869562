/* ontology.c - loads data/ontology.yaml and resolves policy phrases to identifier
 * leaves and categories. It does not know identifier values or forms (that is
 * rules/idtype.c); it only names types and says which declaration covers which. */
#include "rules/ontology.h"

#include <stdlib.h>
#include <string.h>

#include "rules/ryaml.h"
#include "common/ascii.h"
#include "common/lwerr.h"

#define ONT_KEYMAX 256

struct ont_phrase {
    const char *key;   /* normalized */
    const char *text;  /* as written */
    enum ont_kind kind;
    int target;        /* leaf or category index; -1 for vague */
    int line;
};

/* A synonym or vague phrase as the file writes it ("e-mail"), kept apart from the
 * lookup keys because two spellings share one key ("email"). */
struct ont_written {
    const char *text;
    enum ont_kind kind;
    int target;
};

struct ontology {
    struct rarena *arena;
    struct ont_written *written;
    size_t nwritten, cap_written;
    const char **cat_names;
    size_t ncat;
    const char **leaf_names;
    int *leaf_cat;
    size_t nleaf;
    struct ont_phrase *phrases;
    size_t nphrase, cap_phrase;
    const char *file;
};

/* Lowercase ASCII and drop separators so spelling variants meet; UTF-8 bytes pass
 * unchanged. Returns 0 if the phrase does not fit. */
static int norm_key(const char *in, char *out, size_t outlen)
{
    size_t j = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
        unsigned char c = *p;
        if (c == ' ' || c == '-' || c == '_' || c == '\t')
            continue;
        c = (unsigned char)ascii_lower(c);
        if (j + 1 >= outlen)
            return 0;
        out[j++] = (char)c;
    }
    out[j] = '\0';
    return 1;
}

static const struct ont_phrase *find_phrase(const ontology_t *o, const char *key)
{
    for (size_t i = 0; i < o->nphrase; i++)
        if (strcmp(o->phrases[i].key, key) == 0)
            return &o->phrases[i];
    return NULL;
}

static const char *target_name(const ontology_t *o, enum ont_kind k, int t)
{
    if (k == ONT_LEAF)
        return o->leaf_names[t];
    if (k == ONT_CATEGORY)
        return o->cat_names[t];
    return "(vague)";
}

/* Add one phrase; the same key for the same target is harmless, for another target
 * it is an error since a phrase must mean one thing. */
static int add_phrase(ontology_t *o, struct rdiag *d, const char *text, enum ont_kind kind,
                      int target, int line)
{
    char key[ONT_KEYMAX];
    if (!norm_key(text, key, sizeof key) || !key[0]) {
        rdiag_error(d, o->file, line, "phrase \"%.60s\" is empty or too long", text);
        return 0;
    }
    const struct ont_phrase *old = find_phrase(o, key);
    if (old) {
        if (old->kind != kind || old->target != target)
            rdiag_error(d, o->file, line,
                        "phrase \"%s\" already means %s (line %d), cannot also mean %s", text,
                        target_name(o, old->kind, old->target), old->line,
                        target_name(o, kind, target));
        return 0;
    }
    if (o->nphrase == o->cap_phrase) {
        size_t cap = o->cap_phrase ? o->cap_phrase * 2 : 128;
        struct ont_phrase *np = realloc(o->phrases, cap * sizeof *np);
        if (!np)
            return LW_ERR_NOMEM;
        o->phrases = np;
        o->cap_phrase = cap;
    }
    struct ont_phrase *p = &o->phrases[o->nphrase];
    p->key = rarena_strdup(&o->arena, key);
    p->text = rarena_strdup(&o->arena, text);
    if (!p->key || !p->text)
        return LW_ERR_NOMEM;
    p->kind = kind;
    p->target = target;
    p->line = line;
    o->nphrase++;
    return 0;
}

/* Remember text as written, for ontology_phrase(). */
static int note_written(ontology_t *o, const char *text, enum ont_kind kind, int target)
{
    if (o->nwritten == o->cap_written) {
        size_t cap = o->cap_written ? o->cap_written * 2 : 128;
        struct ont_written *nw = realloc(o->written, cap * sizeof *nw);
        if (!nw)
            return LW_ERR_NOMEM;
        o->written = nw;
        o->cap_written = cap;
    }
    if (!(o->written[o->nwritten].text = rarena_strdup(&o->arena, text)))
        return LW_ERR_NOMEM;
    o->written[o->nwritten].kind = kind;
    o->written[o->nwritten++].target = target;
    return 0;
}

static int add_synonyms(ontology_t *o, yaml_document_t *doc, yaml_node_t *owner,
                        enum ont_kind kind, int target, struct rdiag *d)
{
    yaml_node_t *syn = ryaml_get(doc, owner, "synonyms");
    if (!syn)
        return 0;
    if (syn->type != YAML_SEQUENCE_NODE) {
        rdiag_error(d, o->file, ryaml_line(syn), "synonyms must be a list of strings");
        return 0;
    }
    for (yaml_node_item_t *it = syn->data.sequence.items.start; it < syn->data.sequence.items.top;
         it++) {
        yaml_node_t *n = yaml_document_get_node(doc, *it);
        const char *s = ryaml_str(n);
        if (!s) {
            rdiag_error(d, o->file, ryaml_line(n), "synonym must be a string");
            continue;
        }
        int rc = add_phrase(o, d, s, kind, target, ryaml_line(n));
        if (rc < 0 || (rc = note_written(o, s, kind, target)) < 0)
            return rc;
    }
    return 0;
}

static int name_ok(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return 0;
    return 1;
}

static int load_category(ontology_t *o, yaml_document_t *doc, yaml_node_t *cn, struct rdiag *d)
{
    int rc;
    const char *name = ryaml_str(ryaml_get(doc, cn, "name"));
    if (cn->type != YAML_MAPPING_NODE || !name_ok(name)) {
        rdiag_error(d, o->file, ryaml_line(cn),
                    "category needs a name of lowercase letters, digits and '_'");
        return 0;
    }
    static const char *const cat_keys[] = {"name", "synonyms", "leaves", NULL};
    ryaml_check_keys(doc, cn, cat_keys, o->file, "category", d);
    int ci = (int)o->ncat;
    o->cat_names[o->ncat++] = rarena_strdup(&o->arena, name);
    if (!o->cat_names[ci])
        return LW_ERR_NOMEM;
    if ((rc = add_phrase(o, d, name, ONT_CATEGORY, ci, ryaml_line(cn))) < 0)
        return rc;
    if ((rc = add_synonyms(o, doc, cn, ONT_CATEGORY, ci, d)) < 0)
        return rc;
    yaml_node_t *leaves = ryaml_get(doc, cn, "leaves");
    if (!leaves || leaves->type != YAML_SEQUENCE_NODE ||
        leaves->data.sequence.items.top == leaves->data.sequence.items.start) {
        rdiag_error(d, o->file, ryaml_line(leaves ? leaves : cn),
                    "category %s: missing or empty 'leaves' list", name);
        return 0;
    }
    for (yaml_node_item_t *it = leaves->data.sequence.items.start;
         it < leaves->data.sequence.items.top; it++) {
        yaml_node_t *ln = yaml_document_get_node(doc, *it);
        const char *lname = ryaml_str(ryaml_get(doc, ln, "name"));
        static const char *const leaf_keys[] = {"name", "synonyms", NULL};
        ryaml_check_keys(doc, ln, leaf_keys, o->file, "leaf", d);
        if (!lname)
            lname = ryaml_str(ln); /* a bare leaf name without synonyms */
        if (!name_ok(lname)) {
            rdiag_error(d, o->file, ryaml_line(ln),
                        "leaf needs a name of lowercase letters, digits and '_'");
            continue;
        }
        char key[ONT_KEYMAX];
        norm_key(lname, key, sizeof key);
        const struct ont_phrase *old = find_phrase(o, key);
        if (old && (old->kind == ONT_LEAF || old->kind == ONT_CATEGORY)) {
            rdiag_error(d, o->file, ryaml_line(ln), "type %s defined twice (first at line %d)",
                        lname, old->line);
            continue;
        }
        int li = (int)o->nleaf;
        o->leaf_names[li] = rarena_strdup(&o->arena, lname);
        if (!o->leaf_names[li])
            return LW_ERR_NOMEM;
        o->leaf_cat[li] = ci;
        o->nleaf++;
        if ((rc = add_phrase(o, d, lname, ONT_LEAF, li, ryaml_line(ln))) < 0)
            return rc;
        if ((rc = add_synonyms(o, doc, ln, ONT_LEAF, li, d)) < 0)
            return rc;
    }
    return 0;
}

static size_t count_leaves(yaml_document_t *doc, yaml_node_t *cats)
{
    size_t n = 0;
    for (yaml_node_item_t *it = cats->data.sequence.items.start; it < cats->data.sequence.items.top;
         it++) {
        yaml_node_t *l = ryaml_get(doc, yaml_document_get_node(doc, *it), "leaves");
        if (l && l->type == YAML_SEQUENCE_NODE)
            n += (size_t)(l->data.sequence.items.top - l->data.sequence.items.start);
    }
    return n;
}

int ontology_load_diag(const char *path, ontology_t **out, struct rdiag *d)
{
    yaml_document_t doc;
    int rc;
    ontology_t *o = NULL;
    *out = NULL;
    if ((rc = ryaml_load(path, &doc, d)) < 0)
        return rc;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    yaml_node_t *cats = ryaml_get(&doc, root, "categories");
    static const char *const top_keys[] = {"categories", "phrases", NULL};
    ryaml_check_keys(&doc, root, top_keys, path, "ontology", d);
    o = calloc(1, sizeof *o);
    if (!o) {
        rc = LW_ERR_NOMEM;
        goto out;
    }
    if (!(o->file = rarena_strdup(&o->arena, path))) {
        rc = LW_ERR_NOMEM;
        goto out;
    }
    if (!cats || cats->type != YAML_SEQUENCE_NODE) {
        rdiag_error(d, path, root ? ryaml_line(root) : 1,
                    "missing 'categories' list (each with name, synonyms, leaves)");
        rc = LW_OK;
        goto done;
    }
    size_t ncat = (size_t)(cats->data.sequence.items.top - cats->data.sequence.items.start);
    size_t nleaf = count_leaves(&doc, cats);
    o->cat_names = rarena_alloc(&o->arena, (ncat + 1) * sizeof *o->cat_names);
    o->leaf_names = rarena_alloc(&o->arena, (nleaf + 1) * sizeof *o->leaf_names);
    o->leaf_cat = rarena_alloc(&o->arena, (nleaf + 1) * sizeof *o->leaf_cat);
    if (!o->cat_names || !o->leaf_names || !o->leaf_cat) {
        rc = LW_ERR_NOMEM;
        goto out;
    }
    for (yaml_node_item_t *it = cats->data.sequence.items.start; it < cats->data.sequence.items.top;
         it++)
        if ((rc = load_category(o, &doc, yaml_document_get_node(&doc, *it), d)) < 0)
            goto out;
    yaml_node_t *ph = ryaml_get(&doc, root, "phrases");
    if (ph && ph->type != YAML_SEQUENCE_NODE)
        rdiag_error(d, path, ryaml_line(ph), "'phrases' must be a list");
    else if (ph) {
        for (yaml_node_item_t *it = ph->data.sequence.items.start; it < ph->data.sequence.items.top;
             it++) {
            yaml_node_t *pn = yaml_document_get_node(&doc, *it);
            static const char *const ph_keys[] = {"phrase", "vague", NULL};
            ryaml_check_keys(&doc, pn, ph_keys, path, "phrases entry", d);
            const char *text = ryaml_str(ryaml_get(&doc, pn, "phrase"));
            const char *vague = ryaml_str(ryaml_get(&doc, pn, "vague"));
            if (!text) {
                rdiag_error(d, path, ryaml_line(pn), "phrase entry needs 'phrase'");
                continue;
            }
            if (!vague || strcmp(vague, "true") != 0) {
                rdiag_error(d, path, ryaml_line(pn),
                            "phrase \"%s\": only vague phrases belong here (vague: true); "
                            "precise ones are synonyms of a type", text);
                continue;
            }
            if ((rc = add_phrase(o, d, text, ONT_VAGUE, -1, ryaml_line(pn))) < 0 ||
                (rc = note_written(o, text, ONT_VAGUE, -1)) < 0)
                goto out;
        }
    }
    if (o->nleaf == 0)
        rdiag_error(d, path, ryaml_line(cats), "no identifier types defined");
done:
    rc = LW_OK;
    *out = o;
    o = NULL;
out:
    ontology_free(o);
    yaml_document_delete(&doc);
    return rc;
}

int ontology_load(const char *path, ontology_t **out, char *err, size_t errlen)
{
    struct rdiag d;
    rdiag_init(&d, err, errlen);
    int rc = ontology_load_diag(path, out, &d);
    if (rc == 0 && d.nerr) {
        ontology_free(*out);
        *out = NULL;
        rc = LW_ERR_PARSE;
    }
    return rc;
}

void ontology_free(ontology_t *o)
{
    if (!o)
        return;
    free(o->phrases);
    free(o->written);
    rarena_free(o->arena);
    free(o);
}

enum ont_kind ontology_resolve(const ontology_t *o, const char *phrase, const char **canon)
{
    char key[ONT_KEYMAX];
    if (canon)
        *canon = NULL;
    if (!o || !phrase || !norm_key(phrase, key, sizeof key))
        return ONT_UNKNOWN;
    const struct ont_phrase *p = find_phrase(o, key);
    if (!p)
        return ONT_UNKNOWN;
    if (canon)
        *canon = p->kind == ONT_VAGUE ? p->text : target_name(o, p->kind, p->target);
    return p->kind;
}

static int leaf_index(const ontology_t *o, const char *name)
{
    for (size_t i = 0; i < o->nleaf; i++)
        if (strcmp(o->leaf_names[i], name) == 0)
            return (int)i;
    return -1;
}

const char *ontology_category_of(const ontology_t *o, const char *type)
{
    if (!o || !type)
        return NULL;
    int li = leaf_index(o, type);
    if (li >= 0)
        return o->cat_names[o->leaf_cat[li]];
    for (size_t i = 0; i < o->ncat; i++)
        if (strcmp(o->cat_names[i], type) == 0)
            return o->cat_names[i];
    return NULL;
}

int ontology_covers(const ontology_t *o, const char *declared_name, const char *type)
{
    const char *decl;
    const char *tcanon;
    enum ont_kind dk = ontology_resolve(o, declared_name, &decl);
    enum ont_kind tk = ontology_resolve(o, type, &tcanon);
    if (dk != ONT_LEAF && dk != ONT_CATEGORY)
        return 0;
    if (tk != ONT_LEAF && tk != ONT_CATEGORY)
        return 0;
    if (strcmp(decl, tcanon) == 0)
        return 1;
    /* A category covers its leaves; a leaf never covers its category. */
    return dk == ONT_CATEGORY && tk == ONT_LEAF &&
           strcmp(ontology_category_of(o, tcanon), decl) == 0;
}

size_t ontology_nleaves(const ontology_t *o)
{
    return o ? o->nleaf : 0;
}

const char *ontology_leaf(const ontology_t *o, size_t i)
{
    return (o && i < o->nleaf) ? o->leaf_names[i] : NULL;
}

size_t ontology_nphrases(const ontology_t *o)
{
    return o ? o->nwritten : 0;
}

const char *ontology_phrase(const ontology_t *o, size_t i, enum ont_kind *kind,
                            const char **canon)
{
    if (!o || i >= o->nwritten)
        return NULL;
    const struct ont_written *w = &o->written[i];
    if (kind)
        *kind = w->kind;
    if (canon)
        *canon = w->kind == ONT_VAGUE ? w->text : target_name(o, w->kind, w->target);
    return w->text;
}
