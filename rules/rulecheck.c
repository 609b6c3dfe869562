/* rulecheck.c - the --check-rules validator: loads the three kinds of rule files with
 * the same loaders the pipeline uses, in "report everything" mode, so the checker and
 * the product can never disagree about what is valid. It changes no file. */
#include "rules/rulecheck.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "rules/catalog.h"
#include "rules/ontology.h"
#include "rules/policy.h"
#include "rules/profile.h"
#include "rules/ryaml.h"
#include "common/lwerr.h"

static void print_line(FILE *f, const char *kind, const char *file, int line, const char *msg)
{
    if (line > 0)
        fprintf(f, "%s:%d: %s: %s\n", file, line, kind, msg);
    else
        fprintf(f, "%s: %s: %s\n", file, kind, msg);
}

static void print_problem(void *ctx, const char *file, int line, const char *msg)
{
    print_line(ctx, "error", file, line, msg);
}

static void print_warning(void *ctx, const char *file, int line, const char *msg)
{
    print_line(ctx, "warning", file, line, msg);
}

int rulecheck_dir(const char *dir, FILE *report)
{
    return rulecheck_layers(&dir, 1, NULL, report);
}

/* "d1/sub:d2/sub" over the layers that have sub; with none, the last layer's, so
 * that the loader reports it missing. */
static void layer_paths(const char *const *dirs, int n, const char *sub, char *out,
                        size_t len)
{
    size_t k = 0;
    out[0] = 0;
    for (int i = 0; i < n && k < len; i++) {
        char p[4096];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s", dirs[i], sub);
        if (n == 1 || stat(p, &st) == 0)
            k += (size_t)snprintf(out + k, len - k, "%s%s", k ? ":" : "", p);
    }
    if (!out[0])
        snprintf(out, len, "%s/%s", dirs[n - 1], sub);
}

/* The profile's own errors, then its policies against pol. Returns the error count. */
static int check_profile(const char *path, const policy_set_t *pol, const char *dir,
                         FILE *report)
{
    char err[LW_ERRBUF];
    profile_t *p = NULL;
    int bad = 0;
    if (profile_load(path, &p, err, sizeof err) < 0 ||
        policy_check_profile(pol, p, dir, err, sizeof err) < 0) {
        /* "file:line: message" -> "file:line: error: message", as for rule files. */
        size_t n = strlen(path), k = n;
        if (!strncmp(err, path, n) && err[n] == ':')
            for (k = n + 1; err[k] >= '0' && err[k] <= '9'; k++)
                ;
        if (k > n && err[k] == ':' && err[k + 1] == ' ')
            fprintf(report, "%.*s: error: %s\n", (int)k, err, err + k + 2);
        else
            fprintf(report, "%s: error: %s\n", path, err);
        bad = 1;
    }
    if (!p)
        return bad;
    fprintf(report, "%s: %zu device%s\n", path, profile_ndevices(p),
            profile_ndevices(p) == 1 ? "" : "s");
    profile_free(p);
    return bad;
}

int rulecheck_layers(const char *const *dirs, int ndirs, const char *profile, FILE *report)
{
    char path[16384], ontp[4096];
    const char *dir = ndirs ? dirs[ndirs - 1] : "rules";
    struct rdiag d;
    ontology_t *ont = NULL;
    catalog_t *cat = NULL;
    policy_set_t *pol = NULL;
    int rc;

    snprintf(ontp, sizeof ontp, "%s/ontology.yaml", dir);
    for (int i = 0; i < ndirs; i++) {
        struct stat st;
        char p[4096];
        snprintf(p, sizeof p, "%s/ontology.yaml", dirs[i]);
        if (stat(p, &st) == 0)
            memcpy(ontp, p, sizeof ontp);
    }
    rdiag_init(&d, NULL, 0);
    d.fn = print_problem;
    d.warn = print_warning;
    d.ctx = report;

    if ((rc = ontology_load_diag(ontp, &ont, &d)) == LW_ERR_NOMEM)
        goto out;
    layer_paths(dirs, ndirs, "sdks", path, sizeof path);
    if ((rc = catalog_load_dir_diag(path, &cat, &d)) == LW_ERR_NOMEM)
        goto out;
    layer_paths(dirs, ndirs, "policies", path, sizeof path);
    if ((rc = policy_load_dir_diag(path, ont, cat, &pol, &d)) == LW_ERR_NOMEM)
        goto out;
    if (!ont)
        fprintf(report, "%s/ontology.yaml: note: identifier types in policies not checked\n", dir);
    int perr = profile ? check_profile(profile, pol, dir, report) : 0;
    fprintf(report, "%s: %d error%s; %zu identifier types, %zu SDKs, %zu domains, %zu policies\n",
            dir, d.nerr + perr, d.nerr + perr == 1 ? "" : "s", ontology_nleaves(ont),
            catalog_count(cat),
            catalog_ndomains(cat), policy_count(pol));
    fprintf(report, "%s: %d warning%s; %zu host patterns (Hyperscan %s %.1f ms)\n", dir,
            d.nwarn, d.nwarn == 1 ? "" : "s", catalog_npatterns(cat),
            catalog_hostdb_cached(cat) ? "DB from cache" : "compile",
            catalog_hostdb_us(cat) / 1000.0);
    rc = d.nerr + perr;
out:
    if (rc == LW_ERR_NOMEM)
        fprintf(report, "%s: error: out of memory\n", dir);
    policy_set_free(pol);
    catalog_free(cat);
    ontology_free(ont);
    return rc;
}
