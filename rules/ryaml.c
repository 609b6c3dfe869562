/* ryaml.c - libyaml document loading, key lookup, diagnostics and a string arena for
 * the rules/ loaders. See ryaml.h for what it deliberately does not do. */
#include "rules/ryaml.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/lwerr.h"

void rdiag_init(struct rdiag *d, char *err, size_t errlen)
{
    memset(d, 0, sizeof *d);
    d->err = err;
    d->errlen = errlen;
    if (err && errlen)
        err[0] = '\0';
}

void rdiag_warn(struct rdiag *d, const char *file, int line, const char *fmt, ...)
{
    char msg[LW_ERRBUF];
    va_list ap;
    d->nwarn++;
    if (!d->warn)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    d->warn(d->ctx, file, line, msg);
}

void rdiag_error(struct rdiag *d, const char *file, int line, const char *fmt, ...)
{
    char msg[LW_ERRBUF];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (d->nerr == 0 && d->err && d->errlen) {
        if (line > 0)
            snprintf(d->err, d->errlen, "%s:%d: %s", file, line, msg);
        else
            snprintf(d->err, d->errlen, "%s: %s", file, msg);
    }
    d->nerr++;
    if (d->fn)
        d->fn(d->ctx, file, line, msg);
}

int ryaml_load(const char *path, yaml_document_t *doc, struct rdiag *d)
{
    yaml_parser_t parser;
    struct stat st;
    int rc = LW_OK;
    FILE *f = fopen(path, "rb");
    if (!f) {
        rdiag_error(d, path, 0, "cannot open: %s", strerror(errno));
        return LW_ERR_IO;
    }
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        rdiag_error(d, path, 0, "not a regular file");
        fclose(f);
        return LW_ERR_IO;
    }
    if ((uintmax_t)st.st_size > RYAML_MAX_FILE) {
        rdiag_error(d, path, 0, "file too large (%jd bytes, limit %u)", (intmax_t)st.st_size,
                    RYAML_MAX_FILE);
        fclose(f);
        return LW_ERR_PARSE;
    }
    if (!yaml_parser_initialize(&parser)) {
        fclose(f);
        return LW_ERR_NOMEM;
    }
    yaml_parser_set_input_file(&parser, f);
    if (!yaml_parser_load(&parser, doc)) {
        rdiag_error(d, path, (int)parser.problem_mark.line + 1, "YAML syntax: %s%s%s",
                    parser.problem ? parser.problem : "error",
                    parser.context ? " " : "", parser.context ? parser.context : "");
        rc = LW_ERR_PARSE;
    }
    yaml_parser_delete(&parser);
    fclose(f);
    return rc;
}

int ryaml_line(const yaml_node_t *n)
{
    return n ? (int)n->start_mark.line + 1 : 0;
}

const char *ryaml_str(const yaml_node_t *n)
{
    if (!n || n->type != YAML_SCALAR_NODE)
        return NULL;
    return (const char *)n->data.scalar.value;
}

yaml_node_t *ryaml_get(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const char *k = ryaml_str(yaml_document_get_node(doc, p->key));
        if (k && strcmp(k, key) == 0)
            return yaml_document_get_node(doc, p->value);
    }
    return NULL;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_yaml_name(const char *n)
{
    size_t l = strlen(n);
    if (n[0] == '.')
        return 0;
    return (l > 5 && strcmp(n + l - 5, ".yaml") == 0) || (l > 4 && strcmp(n + l - 4, ".yml") == 0);
}

int ryaml_list_dir(const char *dir, char ***names)
{
    DIR *dp = opendir(dir);
    char **v = NULL;
    int n = 0, cap = 0;
    struct dirent *de;
    *names = NULL;
    if (!dp)
        return LW_ERR_IO;
    while ((de = readdir(dp)) != NULL) {
        if (!is_yaml_name(de->d_name))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **nv = realloc(v, (size_t)cap * sizeof *v);
            if (!nv)
                goto nomem;
            v = nv;
        }
        if (!(v[n] = strdup(de->d_name)))
            goto nomem;
        n++;
    }
    closedir(dp);
    if (n)
        qsort(v, (size_t)n, sizeof *v, cmp_names);
    *names = v;
    return n;
nomem:
    closedir(dp);
    ryaml_names_free(v, n);
    return LW_ERR_NOMEM;
}

void ryaml_names_free(char **names, int n)
{
    if (!names)
        return;
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* One directory of a layered list: its .yaml names, each replacing an earlier
 * layer's file of the same name (paths[] holds the winning directory per name). */
static int add_layer(const char *dir, char ***names, const char ***dirs, int *n)
{
    char **mine = NULL;
    int m = ryaml_list_dir(dir, &mine);
    if (m < 0)
        return m;
    for (int i = 0; i < m; i++) {
        int j = 0;
        while (j < *n && strcmp((*names)[j], mine[i]))
            j++;
        if (j == *n) {
            char **nn = realloc(*names, (size_t)(*n + 1) * sizeof *nn);
            const char **nd = nn ? realloc(*dirs, (size_t)(*n + 1) * sizeof *nd) : NULL;
            if (nn)
                *names = nn;
            if (!nd) {
                ryaml_names_free(mine, m);
                return LW_ERR_NOMEM;
            }
            *dirs = nd;
            (*names)[(*n)++] = mine[i];
            mine[i] = NULL;
        }
        (*dirs)[j] = dir;
    }
    ryaml_names_free(mine, m);
    return 0;
}

/* "sorted by name" across layers: sort names and their directories together. */
static void sort_pairs(char **names, const char **dirs, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char *t = names[j];
            names[j] = names[j - 1];
            names[j - 1] = t;
            const char *u = dirs[j];
            dirs[j] = dirs[j - 1];
            dirs[j - 1] = u;
        }
}

int ryaml_each_file(const char *dir, struct rdiag *d, int (*fn)(void *ctx, const char *path),
                    void *ctx)
{
    char **names = NULL, *list = strdup(dir), *save = NULL;
    const char **dirs = NULL;
    int rc = 0, n = 0;
    if (!list)
        return LW_ERR_NOMEM;
    /* A path that is a directory as a whole is one layer, ':' or not. */
    struct stat st;
    int whole = stat(dir, &st) == 0;
    for (char *one = whole ? list : strtok_r(list, ":", &save); one && rc >= 0;
         one = whole ? NULL : strtok_r(NULL, ":", &save)) {
        if ((rc = add_layer(one, &names, &dirs, &n)) == LW_ERR_IO)
            rdiag_error(d, one, 0, "cannot read directory");
    }
    sort_pairs(names, dirs, n);
    for (int i = 0; i < n && rc >= 0; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dirs[i], names[i]);
        rc = fn(ctx, path);
    }
    ryaml_names_free(names, n);
    free(dirs);
    free(list);
    return rc < 0 ? rc : n;
}

/* Edit distance of two short strings, a swap of two neighbours counting as one edit
 * (optimal string alignment: "imie" is one edit from "imei"). Longer ones: "far". */
static size_t edit_distance(const char *a, size_t la, const char *b, size_t lb)
{
    size_t r0[65], r1[65], r2[65], *pp = r0, *prev = r1, *cur = r2;
    if (la > 64 || lb > 64)
        return 99;
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t best = prev[j - 1] + (a[i - 1] != b[j - 1]);
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                pp[j - 2] + 1 < best)
                best = pp[j - 2] + 1;
            cur[j] = best;
        }
        size_t *t = pp;
        pp = prev;
        prev = cur;
        cur = t;
    }
    return prev[lb];
}

const char *ryaml_suggest(const char *word, size_t len, const char *const *known)
{
    const char *best = NULL;
    size_t bestd = 99, limit = len <= 4 ? 1 : 2;
    for (size_t i = 0; known[i]; i++) {
        size_t kl = strlen(known[i]);
        size_t d = edit_distance(word, len, known[i], kl);
        /* A word cut short or run on ("collect", "sdk_catalog") is a typo too. */
        size_t m = len < kl ? len : kl;
        if (m >= 4 && !strncmp(word, known[i], m) && d > limit)
            d = limit;
        if (d < bestd) {
            bestd = d;
            best = known[i];
        }
    }
    return bestd <= limit ? best : NULL;
}

int ryaml_check_keys(yaml_document_t *doc, yaml_node_t *map, const char *const *known,
                     const char *file, const char *what, struct rdiag *d)
{
    int bad = 0;
    if (!map || map->type != YAML_MAPPING_NODE)
        return 0;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        const char *name = ryaml_str(k);
        size_t i = 0;
        while (name && known[i] && strcmp(name, known[i]))
            i++;
        if (name && known[i])
            continue;
        char list[512] = "", hint[160] = "";
        for (size_t j = 0, n = 0; known[j] && n < sizeof list; j++)
            n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", j ? ", " : "", known[j]);
        const char *s = name ? ryaml_suggest(name, strlen(name), known) : NULL;
        if (s)
            snprintf(hint, sizeof hint, "did you mean \"%s\"? ", s);
        rdiag_error(d, file, ryaml_line(k), "%s: unknown field \"%.64s\" (%sexpected %s)", what,
                    name ? name : "(not a string)", hint, list);
        bad++;
    }
    return bad;
}

int ryaml_layer_of(const char *dirs, const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t dl = slash ? (size_t)(slash - path) : 0;
    struct stat st;
    if (stat(dirs, &st) == 0)
        return 0;
    int layer = 0, found = 0;
    for (const char *p = dirs; *p; layer++) {
        const char *end = strchr(p, ':');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == dl && !strncmp(p, path, n))
            found = layer;
        if (!end)
            break;
        p = end + 1;
    }
    return found;
}

int ryaml_domain_ok(const char *s)
{
    size_t len = strlen(s), label = 0;
    int dots = 0;
    if (len == 0 || len > 253)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '.') {
            if (label == 0)
                return 0;
            dots++;
            label = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') {
            if (++label > 63)
                return 0;
        } else {
            return 0;
        }
    }
    return label > 0 && dots > 0;
}

struct rarena {
    struct rarena *next;
    size_t used, cap;
    max_align_t data[];
};

void *rarena_alloc(struct rarena **a, size_t n)
{
    n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    if (!*a || (*a)->cap - (*a)->used < n) {
        size_t cap = n > 16384 ? n : 16384;
        struct rarena *b = malloc(sizeof *b + cap);
        if (!b)
            return NULL;
        b->next = *a;
        b->used = 0;
        b->cap = cap;
        *a = b;
    }
    void *p = (char *)(*a)->data + (*a)->used;
    (*a)->used += n;
    return p;
}

char *rarena_strdup(struct rarena **a, const char *s)
{
    size_t l = strlen(s) + 1;
    char *p = rarena_alloc(a, l);
    if (p)
        memcpy(p, s, l);
    return p;
}

void rarena_free(struct rarena *a)
{
    while (a) {
        struct rarena *n = a->next;
        free(a);
        a = n;
    }
}
