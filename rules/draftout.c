/* draftout.c - writes a draft (draft.h) as a declarations file and compares it with a
 * declared policy. The YAML is written by hand, not through libyaml's emitter, so the
 * layout matches the hand-written files in data/policies/ key for key. */
#include <stdio.h>
#include <string.h>

#include "common/lwerr.h"
#include "rules/draft_int.h"

/* s as a YAML double-quoted scalar. Everything YAML would fold or refuse is escaped:
 * control bytes, C1 controls, the Unicode line separators and the BOM. */
static void yq(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    fputc('"', f);
    for (; *p; p++) {
        if (*p == '"' || *p == '\\') {
            fprintf(f, "\\%c", *p);
        } else if (*p == '\n') {
            fputs("\\n", f);
        } else if (*p == '\t') {
            fputs("\\t", f);
        } else if (*p < 0x20 || *p == 0x7f) {
            fprintf(f, "\\x%02x", *p);
        } else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
            fprintf(f, "\\x%02x", p[1]);
            p++;
        } else if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
            fputs(p[2] == 0xa8 ? "\\L" : "\\P", f);
            p += 2;
        } else if (p[0] == 0xef && ((p[1] == 0xbb && p[2] == 0xbf) ||
                                    (p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf)))) {
            fprintf(f, "\\u%s", p[1] == 0xbb ? "FEFF" : p[2] == 0xbe ? "FFFE" : "FFFF");
            p += 2;
        } else {
            fputc(*p, f);
        }
    }
    fputc('"', f);
}

/* A flow list of names; quoted when asked (vague phrases are free text). */
static void ylist(FILE *f, const struct sset *s, int quote)
{
    fputc('[', f);
    for (size_t i = 0; i < s->n; i++) {
        if (i)
            fputs(", ", f);
        if (quote)
            yq(f, s->v[i]);
        else
            fputs(s->v[i], f);
    }
    fputc(']', f);
}

/* "prefix[a, b]\n" for the types of s that are also in in and not in out (conditional:
 * cond - uncond; negated: negated - declared); nothing when none. */
static void write_diff(FILE *f, const char *prefix, const struct sset *s, const struct sset *in,
                       const struct sset *out, const char *suffix)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++) {
        if ((in && !sset_has(in, s->v[i])) || sset_has(out, s->v[i]))
            continue;
        fprintf(f, "%s%s", n++ ? ", " : prefix, s->v[i]);
    }
    if (n)
        fputs(suffix, f);
}

static void write_transforms(const struct draft *d, FILE *f)
{
    fputs("  transforms: {", f);
    int first = 1;
    for (size_t i = 0; i < d->ntr; i++) {
        size_t k;
        for (k = 0; k < i && strcmp(d->tr[k].type, d->tr[i].type) != 0; k++)
            ;
        if (k < i)
            continue; /* this type was written with its first form */
        fprintf(f, "%s%s: [", first ? "" : ", ", d->tr[i].type);
        first = 0;
        for (size_t j = i, n = 0; j < d->ntr; j++)
            if (strcmp(d->tr[j].type, d->tr[i].type) == 0)
                fprintf(f, "%s%s", n++ ? ", " : "", d->tr[j].form);
        fputc(']', f);
    }
    fputs("}\n", f);
    if (d->tr_clause.n) {
        fputs("  transforms_clause: ", f);
        yq(f, d->tr_clause.p);
        fputc('\n', f);
    }
}

static void write_first_party(const struct draft *d, FILE *f)
{
    fputs("first_party:\n  collects: ", f);
    ylist(f, &d->fp, 0);
    fputc('\n', f);
    /* Kept, since the text names them, but only "if you choose to ..." */
    write_diff(f, "  conditional: [", &d->fp_cond, &d->fp, &d->fp_uncond, "]\n");
    write_diff(f, "  # named as not collected (\"we do not collect ...\"), not declared: ",
               &d->fp_negated, NULL, &d->fp, "\n");
    if (d->fp_clause.n) {
        fputs("  clause: ", f);
        yq(f, d->fp_clause.p);
        fputc('\n', f);
    }
    write_transforms(d, f);
    if (d->unnamed_clause.n) {
        /* Only hashes are verdicts' business; other promises are left for the reviewer. */
        fputs("  # promised without a named hash (not checkable; types: ", f);
        for (size_t i = 0; i < d->unnamed_types.n; i++)
            fprintf(f, "%s%s", i ? ", " : "", d->unnamed_types.v[i]);
        fputs("): ", f);
        yq(f, d->unnamed_clause.p);
        fputc('\n', f);
    }
    fputs("  domains: []\n  domains_note: \"draft: the operator's domains are not read "
          "from the text\"\n", f);
}

static void write_entry(const struct draft_entry *e, FILE *f)
{
    if (e->sdk) {
        fprintf(f, "  - sdk: %s\n", e->sdk);
        if (e->use) { /* picked by its use: the name the text wrote, for the reviewer */
            fputs("    name: ", f);
            yq(f, e->name);
            fputc('\n', f);
        }
    } else {
        fputs("  - sdk: null\n    name: ", f);
        yq(f, e->name);
        fputc('\n', f);
    }
    fputs("    declares: ", f);
    ylist(f, &e->types, 0);
    fputc('\n', f);
    write_diff(f, "    conditional: [", &e->cond, &e->types, &e->uncond, "]\n");
    if (e->vague.n) {
        fputs("    vague: ", f);
        ylist(f, &e->vague, 1);
        fputc('\n', f);
    }
    fputs("    clause: ", f);
    yq(f, e->clause.n ? e->clause.p : e->name);
    fprintf(f, "\n    confidence: %.1f\n    note: \"draft: text line", e->confidence);
    for (size_t i = 0; i < e->nspan; i++) {
        fprintf(f, "%s %zu", i ? "," : e->nspan > 1 || e->span[0][0] != e->span[0][1] ? "s" : "",
                e->span[i][0]);
        if (e->span[i][1] != e->span[i][0])
            fprintf(f, "-%zu", e->span[i][1]);
    }
    if (e->use) {
        fputs("; the text names the vendor only: its use '", f);
        for (const char *p = e->use; *p; p++)
            if (*p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
                fputc(*p, f);
        fprintf(f, "' (%s) leaves this one of:", e->use_cat);
    }
    for (size_t i = 0; i < e->ncand; i++)
        fprintf(f, "%s%s", i ? ", " : e->use ? " " : "; not in the catalogue, perhaps: ",
                e->cand[i]);
    write_diff(f, "; named as not collected, not declared: ", &e->negated, NULL, &e->types, "");
    fputs("\"\n", f);
}

int draft_write_yaml(const draft_t *d, FILE *f)
{
    fputs("# Draft written by leakwatch --draft-policy: check every clause against the\n"
          "# policy text before use (docs/draft.md).\n", f);
    fputs("id: ", f);
    yq(f, d->id);
    fputs("\napp: ", f);
    yq(f, d->id);
    fputs("\nsource: ", f);
    yq(f, d->source);
    fputc('\n', f);
    write_first_party(d, f);
    fprintf(f, "sdk_catalogue: %s\n", policy_catalogue_name(d->catalogue));
    if (d->catalogue == POLICY_CAT_LINKED) {
        fputs("linked: ", f);
        yq(f, d->linked.p);
        fputs("\nnote: \"draft: the SDK list is only linked from the text\"\nsdks: []\n", f);
    } else if (d->catalogue == POLICY_CAT_MISSING) {
        fputs("note: \"draft: no SDK list was found in the text\"\nsdks: []\n", f);
    } else {
        fputs("sdks:\n", f);
        for (size_t i = 0; i < d->n; i++)
            write_entry(&d->e[i], f);
    }
    return fflush(f) == 0 && !ferror(f) ? 0 : LW_ERR_IO;
}

static int in_list(const char *const *v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return 1;
    return 0;
}

/* "~ what: +a +b -c" for the types of one SDK (or first party); the count of changes. */
static size_t diff_types(const char *what, const struct sset *now, const char *const *was,
                         size_t nwas, FILE *f)
{
    size_t n = 0;
    for (size_t i = 0; i < now->n; i++)
        n += !in_list(was, nwas, now->v[i]);
    for (size_t i = 0; i < nwas; i++)
        n += !sset_has(now, was[i]);
    if (!n)
        return 0;
    fprintf(f, "~ %s:", what);
    for (size_t i = 0; i < now->n; i++)
        if (!in_list(was, nwas, now->v[i]))
            fprintf(f, " +%s", now->v[i]);
    for (size_t i = 0; i < nwas; i++)
        if (!sset_has(now, was[i]))
            fprintf(f, " -%s", was[i]);
    fputc('\n', f);
    return n;
}

static const struct draft_entry *draft_find(const struct draft *d, const char *sdk)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->e[i].sdk && strcmp(d->e[i].sdk, sdk) == 0)
            return &d->e[i];
    return NULL;
}

size_t draft_diff(const draft_t *d, const struct policy *pol, FILE *f)
{
    size_t n = 0;
    char what[160];
    if (d->catalogue != pol->catalogue) {
        fprintf(f, "~ sdk_catalogue: %s -> %s\n", policy_catalogue_name(pol->catalogue),
                policy_catalogue_name(d->catalogue));
        n++;
    }
    for (size_t i = 0; i < pol->n_sdks; i++) {
        const struct policy_sdk *ps = &pol->sdks[i];
        const struct draft_entry *e = ps->sdk ? draft_find(d, ps->sdk) : NULL;
        if (ps->sdk && !e) {
            fprintf(f, "- sdk %s (declared, no longer in the text)\n", ps->sdk);
            n++;
        } else if (e) {
            snprintf(what, sizeof what, "sdk %s", ps->sdk);
            n += diff_types(what, &e->types, ps->declares, ps->n_declares, f);
        }
    }
    for (size_t i = 0; i < d->n; i++) {
        const struct draft_entry *e = &d->e[i];
        if (e->sdk && policy_sdk_find(pol, e->sdk))
            continue;
        fprintf(f, "+ sdk %s", e->sdk ? e->sdk : "null");
        if (!e->sdk)
            fprintf(f, " \"%s\" (not in the catalogue)", e->name);
        fputs(" (new in the text): types ", f);
        ylist(f, &e->types, 0);
        fputc('\n', f);
        n++;
    }
    n += diff_types("first_party", &d->fp, pol->fp_collects, pol->n_fp_collects, f);
    if (!n)
        fputs("no change in SDKs or types\n", f);
    return n;
}
