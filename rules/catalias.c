/* catalias.c - see catalias.h. */
#include "rules/catalias.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/lwerr.h"
#include "rules/ryaml.h"

/* Names beyond this per entry are ignored: a real SDK has a handful. */
#define CATALIAS_MAX_PER_SDK 64

struct catalias_entry {
    const char *id;
    const char **names;
    size_t n;
};

struct catalias {
    struct rarena *arena;
    struct catalias_entry *v;
    size_t n, cap;
};

static int add_entry(catalias_t *a, yaml_document_t *doc, yaml_node_t *m)
{
    const char *id = ryaml_str(ryaml_get(doc, m, "id"));
    yaml_node_t *al = ryaml_get(doc, m, "aliases");
    if (!id || !al || al->type != YAML_SEQUENCE_NODE)
        return 0;
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 64;
        struct catalias_entry *nv = realloc(a->v, cap * sizeof *nv);
        if (!nv)
            return LW_ERR_NOMEM;
        a->v = nv;
        a->cap = cap;
    }
    struct catalias_entry *e = &a->v[a->n];
    e->n = 0;
    e->id = rarena_strdup(&a->arena, id);
    e->names = rarena_alloc(&a->arena, CATALIAS_MAX_PER_SDK * sizeof *e->names);
    if (!e->id || !e->names)
        return LW_ERR_NOMEM;
    for (yaml_node_item_t *it = al->data.sequence.items.start;
         it < al->data.sequence.items.top && e->n < CATALIAS_MAX_PER_SDK; it++) {
        const char *s = ryaml_str(yaml_document_get_node(doc, *it));
        if (s && *s && !(e->names[e->n++] = rarena_strdup(&a->arena, s)))
            return LW_ERR_NOMEM;
    }
    a->n++;
    return 0;
}

static int load_file(void *ctx, const char *path)
{
    catalias_t *a = ctx;
    struct rdiag quiet;
    yaml_document_t doc;
    int rc;
    rdiag_init(&quiet, NULL, 0); /* catalog.c reports problems of these files */
    if (ryaml_load(path, &doc, &quiet) < 0)
        return 0;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    rc = 0;
    if (root && root->type == YAML_SEQUENCE_NODE)
        for (yaml_node_item_t *it = root->data.sequence.items.start;
             it < root->data.sequence.items.top && rc == 0; it++) {
            yaml_node_t *m = yaml_document_get_node(&doc, *it);
            if (m && m->type == YAML_MAPPING_NODE)
                rc = add_entry(a, &doc, m);
        }
    yaml_document_delete(&doc);
    return rc;
}

int catalias_load_dir(const char *dir, catalias_t **out, char *err, size_t errlen)
{
    struct rdiag quiet;
    catalias_t *a = calloc(1, sizeof *a);
    *out = NULL;
    if (!a) {
        snprintf(err, errlen, "out of memory");
        return LW_ERR_NOMEM;
    }
    rdiag_init(&quiet, NULL, 0);
    int rc = ryaml_each_file(dir, &quiet, load_file, a);
    if (rc == LW_ERR_NOMEM) {
        snprintf(err, errlen, "out of memory reading SDK aliases in %s", dir);
        catalias_free(a);
        return rc;
    }
    *out = a; /* an unreadable dir is an empty set: catalog.c says what is wrong */
    return 0;
}

void catalias_free(catalias_t *a)
{
    if (!a)
        return;
    rarena_free(a->arena);
    free(a->v);
    free(a);
}

const char *const *catalias_get(const catalias_t *a, const char *id, size_t *n)
{
    *n = 0;
    if (!a || !id)
        return NULL;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->v[i].id, id) == 0) {
            *n = a->v[i].n;
            return a->v[i].names;
        }
    return NULL;
}
