/* draftcmd.c - see draftcmd.h. */
#include "rules/draftcmd.h"

#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/ascii.h"
#include "common/lwerr.h"
#include "rules/draft.h"
#include "rules/htmltext.h"

/* Everything a run holds; freed in one place. */
struct run {
    ontology_t *ont;
    catalog_t *cat;
    draftlex_t *lx;
    char *raw, *text;
    draft_t *d;
    policy_set_t *pols;
};

/* Read at most HTMLTEXT_MAX_INPUT + 1 bytes: more is refused by htmltext_prepare(). */
static int read_file(const char *path, char **out, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    size_t cap = HTMLTEXT_MAX_INPUT + 1, n = 0;
    char *buf = NULL;
    *out = NULL;
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return LW_ERR_IO;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size < cap)
        cap = (size_t)st.st_size + 1; /* a regular file: its size, no more */
    if (!(buf = malloc(cap + 1))) {
        fclose(f);
        snprintf(err, errlen, "%s: out of memory", path);
        return LW_ERR_NOMEM;
    }
    size_t r;
    while (n < cap && (r = fread(buf + n, 1, cap - n, f)) > 0)
        n += r;
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        snprintf(err, errlen, "%s: read error", path);
        return LW_ERR_IO;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

/* A policy id from a file name: "Kago Policy.html" -> "kago-policy". */
static void id_from_file(const char *path, char *id, size_t cap)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t j = 0;
    for (; *b && *b != '.' && j + 1 < cap; b++) {
        char c = *b;
        c = (char)ascii_lower((unsigned char)c);
        id[j++] = ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') ? c : '-';
    }
    id[j] = '\0';
    if (!j)
        snprintf(id, cap, "draft");
}

static int load_rules(struct run *r, const char *dir, char *err, size_t errlen)
{
    char path[4096];
    struct stat st;
    int rc;
    snprintf(path, sizeof path, "%s/ontology.yaml", dir);
    if ((rc = ontology_load(path, &r->ont, err, errlen)) < 0)
        return rc;
    snprintf(path, sizeof path, "%s/sdks", dir);
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode) &&
        (rc = catalog_load_dir(path, &r->cat, err, errlen)) < 0)
        return rc;
    return draftlex_new(r->ont, r->cat, &r->lx, err, errlen);
}

/* The declared policy of file `against`: its directory is loaded as data/policies is. */
static int load_against(struct run *r, const char *against, const struct policy **pol,
                        char *err, size_t errlen)
{
    char *a = strdup(against), *b = strdup(against);
    int rc = LW_ERR_NOMEM;
    *pol = NULL;
    if (!a || !b) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    const char *dir = dirname(a), *base = basename(b);
    if ((rc = policy_load_dir(dir, r->ont, r->cat, &r->pols, err, errlen)) < 0)
        goto out;
    for (size_t i = 0; i < policy_count(r->pols) && !*pol; i++) {
        const struct policy *p = policy_at(r->pols, i);
        const char *f = strrchr(p->file, '/');
        if (strcmp(f ? f + 1 : p->file, base) == 0)
            *pol = p;
    }
    rc = 0;
    if (!*pol) {
        snprintf(err, errlen, "%s: not a policy declarations file (.yaml in %s)", against, dir);
        rc = LW_ERR_INVAL;
    }
out:
    free(a);
    free(b);
    return rc;
}

static void run_free(struct run *r)
{
    policy_set_free(r->pols);
    draft_free(r->d);
    free(r->text);
    free(r->raw);
    draftlex_free(r->lx);
    catalog_free(r->cat);
    ontology_free(r->ont);
}

int draftcmd_run(const struct draftcmd *c, FILE *out, char *err, size_t errlen)
{
    struct run r = {0};
    char id[128], msg[LW_ERRBUF];
    const struct policy *pol = NULL;
    size_t rawlen, len;
    int rc;
    const char *slash = strrchr(c->file, '/');
    struct draft_opts o = {c->id, slash ? slash + 1 : c->file};
    if (!c->id) {
        id_from_file(c->file, id, sizeof id);
        o.id = id;
    }
    if ((rc = load_rules(&r, c->rules_dir, err, errlen)) < 0 ||
        (c->against && (rc = load_against(&r, c->against, &pol, err, errlen)) < 0) ||
        (rc = read_file(c->file, &r.raw, &rawlen, err, errlen)) < 0)
        goto out;
    if ((rc = htmltext_prepare(r.raw, rawlen, &r.text, &len, NULL, msg, sizeof msg)) < 0 ||
        (rc = draft_build(r.lx, r.ont, r.text, len, &o, &r.d, msg, sizeof msg)) < 0) {
        snprintf(err, errlen, "%s: %s", c->file, msg);
        goto out;
    }
    if (pol)
        draft_diff(r.d, pol, out);
    else if ((rc = draft_write_yaml(r.d, out)) < 0)
        snprintf(err, errlen, "writing the draft: %s", strerror(errno));
out:
    run_free(&r);
    return rc;
}
