/* rulecheck.c - the --check-rules validator: loads the three kinds of rule files with
 * the same loaders the pipeline uses, in "report everything" mode, so the checker and
 * the product can never disagree about what is valid. It changes no file. */
#include "rules/rulecheck.h"

#include <stdio.h>

#include "rules/catalog.h"
#include "rules/ontology.h"
#include "rules/policy.h"
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
    char path[4096];
    struct rdiag d;
    ontology_t *ont = NULL;
    catalog_t *cat = NULL;
    policy_set_t *pol = NULL;
    int rc;

    if (!dir)
        dir = "rules";
    rdiag_init(&d, NULL, 0);
    d.fn = print_problem;
    d.warn = print_warning;
    d.ctx = report;

    snprintf(path, sizeof path, "%s/ontology.yaml", dir);
    if ((rc = ontology_load_diag(path, &ont, &d)) == LW_ERR_NOMEM)
        goto out;
    snprintf(path, sizeof path, "%s/sdks", dir);
    if ((rc = catalog_load_dir_diag(path, &cat, &d)) == LW_ERR_NOMEM)
        goto out;
    snprintf(path, sizeof path, "%s/policies", dir);
    if ((rc = policy_load_dir_diag(path, ont, cat, &pol, &d)) == LW_ERR_NOMEM)
        goto out;
    if (!ont)
        fprintf(report, "%s/ontology.yaml: note: identifier types in policies not checked\n", dir);
    fprintf(report, "%s: %d error%s; %zu identifier types, %zu SDKs, %zu domains, %zu policies\n",
            dir, d.nerr, d.nerr == 1 ? "" : "s", ontology_nleaves(ont), catalog_count(cat),
            catalog_ndomains(cat), policy_count(pol));
    fprintf(report, "%s: %d warning%s; %zu host patterns (Hyperscan %s %.1f ms)\n", dir,
            d.nwarn, d.nwarn == 1 ? "" : "s", catalog_npatterns(cat),
            catalog_hostdb_cached(cat) ? "DB from cache" : "compile",
            catalog_hostdb_us(cat) / 1000.0);
    rc = d.nerr;
out:
    if (rc == LW_ERR_NOMEM)
        fprintf(report, "%s: error: out of memory\n", dir);
    policy_set_free(pol);
    catalog_free(cat);
    ontology_free(ont);
    return rc;
}
