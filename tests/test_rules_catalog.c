/* test_rules_catalog.c - the SDK catalogue beyond suffix matching: imported entries
 * (data/sdks/imported/) under hand-written ones, merge by id, CDN/cloud front ends, host
 * patterns (Hyperscan), aliases and the policy loader resolving them, the new keys'
 * validation with file:line, and the real shipped catalogue (size, sources, entities). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/bigmem.h"
#include "rules/catalog.h"
#include "rules/ontology.h"
#include "rules/policy.h"
#include "rules/ryaml.h"
#include "common/lwerr.h"
#include "tests/testutil.h"

#define RULES LW_SOURCE_DIR "/data"

static char msgs[16384]; /* every error and warning of the last load_diag() */

static void collect(void *ctx, const char *file, int line, const char *msg)
{
    const char *kind = ctx;
    const char *base = strrchr(file, '/');
    size_t n = strlen(msgs);
    snprintf(msgs + n, sizeof msgs - n, "%s %s:%d: %s\n", kind, base ? base + 1 : file, line,
             msg);
}

static void put(const char *rel, const char *text)
{
    char path[1024];
    snprintf(path, sizeof path, "%s", tu_path(rel));
    CU_ASSERT_EQUAL(tu_write(path, text, strlen(text)), 0);
}

/* Load dir reporting to msgs; returns the catalogue (caller frees); sets nerr, nwarn. */
static catalog_t *load_diag(const char *dir, int *nerr, int *nwarn)
{
    struct rdiag d;
    catalog_t *c = NULL;
    rdiag_init(&d, NULL, 0);
    d.fn = collect;
    d.warn = collect;
    d.ctx = "E";
    msgs[0] = 0;
    CU_ASSERT_EQUAL(catalog_load_dir_diag(dir, &c, &d), 0);
    *nerr = d.nerr;
    *nwarn = d.nwarn;
    return c;
}

static const char *id_of(const catalog_t *c, const char *host)
{
    const struct sdk_entry *e = catalog_match(c, host);
    return e ? e->id : "(none)";
}

static const char HAND[] =
    "- id: umeng\n"
    "  name: Umeng\n"
    "  vendor: Alibaba / Umeng\n"
    "  company: Umeng\n"
    "  parent: Alibaba Group\n"
    "  category: analytics\n"
    "  aliases: [\"Umeng+\", \"友盟\", \"U-App\"]\n"
    "  domains: [umeng.com]\n"
    "  source: hand\n"
    "- id: wechat\n"
    "  name: WeChat Open Platform\n"
    "  vendor: Tencent\n"
    "  domains: [weixin.qq.com]\n"
    "  source: hand\n"
    "- id: nocat\n"
    "  name: No category\n"
    "  vendor: N\n"
    "  domains: [nocat.example]\n"
    "  source: hand\n"
    "- id: sense\n"
    "  name: Sense SDK\n"
    "  vendor: Sense\n"
    "  domains: [sense.s3.amazonaws.com]\n"
    "  source: hand\n";

static const char IMPORTED_A[] =
    "- id: umeng\n"                      /* same SDK: merges into the hand-written one */
    "  name: CNZZ\n"
    "  vendor: SoftBank\n"
    "  category: advertising\n"          /* hand-written category wins */
    "  domains: [umeng.com, cnzz.com]\n" /* umeng.com: same SDK, silent */
    "  source: dataset A no. 1\n"
    "- id: qq\n"
    "  name: QQ\n"
    "  vendor: Tencent\n"
    "  category: social\n"
    "  domains: [qq.com, ad.weixin.qq.com]\n" /* under a hand-written domain: hand wins */
    "  source: dataset A no. 2\n"
    "- id: aws\n"
    "  name: Amazon Web Services\n"
    "  vendor: Amazon\n"
    "  category: cloud\n"
    "  domains: [amazonaws.com]\n"
    "  source: dataset A no. 3\n"
    "- id: other\n"
    "  name: Other\n"
    "  vendor: X\n"
    "  domains: [weixin.qq.com, other.example]\n" /* hand-written for wechat: warning */
    "  source: dataset A no. 4\n";

static const char IMPORTED_B[] =
    "- id: umeng\n"                      /* a second dataset: merged as well */
    "  name: Umeng Analytics\n"
    "  vendor: Umeng\n"
    "  host_patterns: [\"^ulog[0-9]+\\\\.umengcloud\\\\.\"]\n"
    "  code_signatures: [com.umeng.analytics]\n"
    "  domains: []\n"
    "  source: dataset B no. 119\n"
    "- id: nocat\n"                     /* fills the category, stays an SDK */
    "  name: NoCat CDN\n"
    "  vendor: N\n"
    "  category: cdn\n"
    "  domains: [nocat-cdn.example]\n"
    "  source: dataset B no. 3\n"
    "- id: fidz\n"
    "  name: FidZup\n"
    "  vendor: FidZup\n"
    "  domains: []\n"
    "  host_patterns: [fidzup]\n"
    "  source: dataset B no. 2\n";

static void test_precedence_and_merge(void)
{
    int ne, nw;
    CU_ASSERT_EQUAL(tu_sh(NULL, "mkdir -p %s/ok/imported", tu_tmpdir()), 0);
    put("ok/sdks.yaml", HAND);
    put("ok/imported/a.yaml", IMPORTED_A);
    put("ok/imported/b.yaml", IMPORTED_B);
    catalog_t *c = load_diag(tu_path("ok"), &ne, &nw);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    if (ne)
        fprintf(stderr, "%s", msgs);
    CU_ASSERT_EQUAL(ne, 0);
    /* weixin.qq.com of "other" is the expected overlap: a warning naming both places. */
    CU_ASSERT_EQUAL(nw, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(msgs, "a.yaml:22: imported domain weixin.qq.com of sdk other "
                                        "is hand-written for sdk wechat ("));
    CU_ASSERT_PTR_NOT_NULL(strstr(msgs, "sdks.yaml:13), which wins"));
    /* One entry per SDK: umeng defined three times, counted once. */
    CU_ASSERT_EQUAL(catalog_count(c), 8);
    const struct sdk_entry *u = catalog_find(c, "umeng");
    CU_ASSERT_PTR_NOT_NULL_FATAL(u);
    CU_ASSERT_FALSE(u->imported);
    CU_ASSERT_STRING_EQUAL(u->name, "Umeng");
    CU_ASSERT_STRING_EQUAL(u->category, "analytics");
    CU_ASSERT_STRING_EQUAL(u->company, "Umeng");
    CU_ASSERT_STRING_EQUAL(u->parent, "Alibaba Group");
    CU_ASSERT_EQUAL(u->n_domains, 2); /* umeng.com + cnzz.com */
    CU_ASSERT_EQUAL(u->n_host_patterns, 1);
    CU_ASSERT_EQUAL(u->n_code_signatures, 1);
    CU_ASSERT_STRING_EQUAL(u->source, "hand; dataset A no. 1; dataset B no. 119");
    CU_ASSERT_STRING_EQUAL(id_of(c, "w.cnzz.com"), "umeng");
    /* Hand-written domains decide before any imported one, even a longer one. */
    CU_ASSERT_STRING_EQUAL(id_of(c, "ad.weixin.qq.com"), "wechat");
    CU_ASSERT_STRING_EQUAL(id_of(c, "weixin.qq.com"), "wechat");
    CU_ASSERT_STRING_EQUAL(id_of(c, "mail.qq.com"), "qq");
    CU_ASSERT_STRING_EQUAL(id_of(c, "x.other.example"), "other");
    const struct sdk_entry *q = catalog_find(c, "qq");
    CU_ASSERT_TRUE(q && q->imported && !strcmp(q->company, "Tencent") &&
                   !strcmp(q->parent, "Tencent"));
    /* Front ends attribute nothing, but a longer SDK host under them still does. */
    CU_ASSERT_STRING_EQUAL(id_of(c, "s3.amazonaws.com"), "(none)");
    CU_ASSERT_STRING_EQUAL(id_of(c, "cognito-identity.us-east-1.amazonaws.com"), "(none)");
    CU_ASSERT_STRING_EQUAL(id_of(c, "sense.s3.amazonaws.com"), "sense");
    CU_ASSERT_TRUE(catalog_find(c, "aws")->frontend);
    CU_ASSERT_STRING_EQUAL(id_of(c, "a.nocat-cdn.example"), "nocat");
    CU_ASSERT_STRING_EQUAL(catalog_find(c, "nocat")->category, "cdn");
    CU_ASSERT_FALSE(catalog_find(c, "nocat")->frontend);
    /* Host patterns: searched like Exodus does, one Hyperscan database. */
    CU_ASSERT_EQUAL(catalog_npatterns(c), 2);
    CU_ASSERT_STRING_EQUAL(id_of(c, "api.fidzup.net"), "fidz");
    CU_ASSERT_STRING_EQUAL(id_of(c, "ULOG12.umengcloud.com"), "umeng");
    CU_ASSERT_STRING_EQUAL(id_of(c, "ulog.umengcloud.com"), "(none)");
    /* Aliases, English and Chinese, any case and spacing, with or without "SDK". */
    static const char *const names[] = {"umeng", "Umeng+", "友盟", "u app", "U-App SDK",
                                        "UMENG", "CNZZ", "Umeng Analytics", NULL};
    for (const char *const *n = names; *n; n++) {
        const struct sdk_entry *e = catalog_find_alias(c, *n);
        CU_ASSERT_TRUE(e && !strcmp(e->id, "umeng"));
        if (!e || strcmp(e->id, "umeng"))
            fprintf(stderr, "alias %s not resolved\n", *n);
    }
    CU_ASSERT_PTR_NULL(catalog_find_alias(c, "Umen"));
    CU_ASSERT_PTR_NULL(catalog_find_alias(c, "SDK"));
    CU_ASSERT_PTR_NULL(catalog_find_alias(c, ""));
    CU_ASSERT_PTR_NULL(catalog_find_alias(NULL, "umeng"));
    catalog_free(c);
}

static void test_errors(void)
{
    int ne, nw;
    CU_ASSERT_EQUAL(tu_sh(NULL, "mkdir -p %s/bad/imported", tu_tmpdir()), 0);
    put("bad/sdks.yaml", HAND);
    put("bad/zz.yaml",
        "- id: x1\n"
        "  name: X\n"
        "  vendor: X\n"
        "  colour: blue\n"                         /* 4: unknown key */
        "  category: ads\n"                        /* 5: unknown category */
        "  aliases: [\"友盟\"]\n"                  /* 6: alias of another hand entry */
        "  host_patterns: [\"a(b\"]\n"             /* 7: Hyperscan rejects it */
        "  domains: [amazonaws.com]\n"             /* front end listed by an SDK */
        "  source: s\n"
        "- id: umeng\n"                            /* 10: hand-written twice */
        "  name: U\n"
        "  vendor: U\n"
        "  domains: []\n"
        "  note: n\n"
        "  source: s\n");
    put("bad/imported/a.yaml", IMPORTED_A);
    put("bad/imported/c.yaml",
        "- id: dup\n"
        "  name: Dup\n"
        "  vendor: D\n"
        "  domains: [cnzz.com]\n" /* two imported SDKs claim it: a real conflict */
        "  source: s\n");
    catalog_t *c = load_diag(tu_path("bad"), &ne, &nw);
    CU_ASSERT_PTR_NOT_NULL(c);
    static const char *const want[] = {
        "zz.yaml:4: SDK entry: unknown field \"colour\"",
        "zz.yaml:5: sdk x1: unknown category \"ads\"",
        "zz.yaml:6: sdk x1: alias \"友盟\" already names sdk umeng (",
        "zz.yaml:7: sdk x1: host pattern \"a(b\"",
        "zz.yaml:10: sdk id umeng defined twice (first at",
        "zz.yaml:8: domain amazonaws.com of sdk x1 is a CDN/cloud front end (aws, ",
        "c.yaml:4: domain cnzz.com of sdk dup is already listed for sdk umeng (",
        NULL};
    for (const char *const *w = want; *w; w++) {
        CU_ASSERT_PTR_NOT_NULL(strstr(msgs, *w));
        if (!strstr(msgs, *w))
            fprintf(stderr, "missing message: %s\n---\n%s", *w, msgs);
    }
    CU_ASSERT_EQUAL(ne, 7);
    catalog_free(c);
    /* The strict loader refuses the directory with the first message. */
    char err[LW_ERRBUF];
    CU_ASSERT_EQUAL(catalog_load_dir(tu_path("bad"), &c, err, sizeof err), LW_ERR_PARSE);
    CU_ASSERT_PTR_NULL(c);
}

/* The host-pattern database comes from the cache on the second load; a corrupt cache
 * file costs a compile, nothing else. */
static void test_hostdb_cache(void)
{
    char cache[2048], cwd[1024];
    int ne, nw;
    CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof cwd));
    snprintf(cache, sizeof cache, "%s/%s", cwd, tu_path("cache")); /* XDG wants it absolute */
    CU_ASSERT_EQUAL(setenv("XDG_CACHE_HOME", cache, 1), 0);
    unsetenv("LEAKWATCH_NO_CACHE");
    catalog_t *c1 = load_diag(tu_path("ok"), &ne, &nw);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c1);
    CU_ASSERT_FALSE(catalog_hostdb_cached(c1));
    catalog_t *c2 = load_diag(tu_path("ok"), &ne, &nw);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c2);
    CU_ASSERT_TRUE(catalog_hostdb_cached(c2));
    CU_ASSERT_STRING_EQUAL(id_of(c2, "api.fidzup.net"), "fidz");
    CU_ASSERT_STRING_EQUAL(id_of(c2, "ulog7.umengcloud.com"), "umeng");
    catalog_free(c2);
    /* Corrupt every cached file: the next load compiles again and still matches. */
    CU_ASSERT_EQUAL(tu_sh(NULL, "for f in %s/leakwatch/*.hsdb; do echo junk > $f; done",
                          cache), 0);
    c2 = load_diag(tu_path("ok"), &ne, &nw);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c2);
    CU_ASSERT_FALSE(catalog_hostdb_cached(c2));
    CU_ASSERT_STRING_EQUAL(id_of(c2, "api.fidzup.net"), "fidz");
    catalog_free(c2);
    /* Turned off: never read. */
    CU_ASSERT_EQUAL(setenv("LEAKWATCH_NO_CACHE", "1", 1), 0);
    c2 = load_diag(tu_path("ok"), &ne, &nw);
    CU_ASSERT_FALSE(catalog_hostdb_cached(c2));
    catalog_free(c2);
    unsetenv("LEAKWATCH_NO_CACHE");
    catalog_free(c1);
}

/* pol/p.yaml: a policy whose sdks list is the given YAML lines. */
static void put_policy(const char *sdks)
{
    char text[2048];
    snprintf(text, sizeof text,
             "id: p\napp: A\nsource: s\nfirst_party: {collects: [imei], domains: []}\n"
             "sdks:\n%s", sdks);
    put("pol/p.yaml", text);
}

/* A policy may name an SDK by any alias; it is stored under the catalogue id. */
static void test_policy_aliases(void)
{
    char err[LW_ERRBUF];
    ontology_t *o = NULL;
    catalog_t *c = NULL;
    policy_set_t *ps = NULL;
    CU_ASSERT_EQUAL_FATAL(ontology_load(RULES "/ontology.yaml", &o, err, sizeof err), 0);
    CU_ASSERT_EQUAL_FATAL(catalog_load_dir(RULES "/sdks", &c, err, sizeof err), 0);
    CU_ASSERT_EQUAL(tu_sh(NULL, "mkdir -p %s/pol", tu_tmpdir()), 0);
    put_policy(
        "  - {sdk: \"友盟+\", declares: [imei], clause: c}\n"
        "  - {sdk: \"穿山甲\", declares: [oaid], clause: c}\n"
        "  - {sdk: \"优量汇\", declares: [], clause: c}\n"
        "  - {sdk: \"Tencent Bugly\", declares: [], clause: c}\n"
        "  - {sdk: \"腾讯Bugly\", declares: [], clause: c}\n");
    /* Bugly twice under two names is one SDK listed twice. */
    CU_ASSERT_EQUAL(policy_load_dir(tu_path("pol"), o, c, &ps, err, sizeof err), LW_ERR_PARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "lists SDK tencent-bugly twice"));
    put_policy(
        "  - {sdk: \"友盟+\", declares: [imei], clause: c}\n"
        "  - {sdk: \"Pangle\", declares: [oaid], clause: c}\n"
        "  - {sdk: \"GDT\", declares: [], clause: c}\n"
        "  - {sdk: \"腾讯Bugly\", declares: [], clause: c}\n"
        "  - {sdk: \"U-App\", declares: [], clause: c}\n");
    CU_ASSERT_EQUAL(policy_load_dir(tu_path("pol"), o, c, &ps, err, sizeof err), LW_ERR_PARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "lists SDK umeng twice"));
    put_policy(
        "  - {sdk: \"友盟+\", declares: [imei], clause: c}\n"
        "  - {sdk: \"Pangle\", declares: [oaid], clause: c}\n"
        "  - {sdk: \"优量汇\", declares: [], clause: c}\n"
        "  - {sdk: \"腾讯Bugly\", declares: [], clause: c}\n"
        "  - {sdk: \"Nobody Knows SDK\", declares: [], clause: c}\n");
    CU_ASSERT_EQUAL(policy_load_dir(tu_path("pol"), o, c, &ps, err, sizeof err), LW_ERR_PARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "\"Nobody Knows SDK\" which is missing"));
    put_policy(
        "  - {sdk: \"友盟+\", declares: [imei], clause: c}\n"
        "  - {sdk: \"Pangle\", declares: [oaid], clause: c}\n"
        "  - {sdk: \"优量汇\", declares: [], clause: c}\n"
        "  - {sdk: \"腾讯Bugly\", declares: [], clause: c}\n");
    CU_ASSERT_EQUAL_FATAL(policy_load_dir(tu_path("pol"), o, c, &ps, err, sizeof err), 0);
    const struct policy *p = policy_find(ps, "p");
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    static const char *const ids[] = {"umeng", "pangle", "tencent-gdt", "tencent-bugly", NULL};
    for (const char *const *i = ids; *i; i++)
        CU_ASSERT_PTR_NOT_NULL(policy_sdk_find(p, *i));
    policy_set_free(ps);
    catalog_free(c);
    ontology_free(o);
}

/* The shipped catalogue: big, every entry sourced, hand-written entries aliased and
 * grouped by company, the policies' own names resolve. */
static void test_real(void)
{
    int ne, nw;
    catalog_t *c = load_diag(RULES "/sdks", &ne, &nw);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(ne, 0);
    CU_ASSERT_EQUAL(nw, 0);
    if (ne || nw)
        fprintf(stderr, "%s", msgs);
    CU_ASSERT_TRUE(catalog_count(c) >= 1000);
    size_t hand = 0, unsourced = 0;
    for (size_t i = 0; i < catalog_count(c); i++) {
        const struct sdk_entry *e = catalog_entry(c, i);
        if (!e->source || !e->source[0])
            unsourced++;
        if (e->imported)
            continue;
        hand++;
        /* Every hand-written SDK (front ends aside) lists the names policies use. */
        if (!e->frontend && e->n_aliases == 0)
            fprintf(stderr, "hand-written sdk %s has no aliases\n", e->id);
        CU_ASSERT_TRUE(e->frontend || e->n_aliases > 0);
        CU_ASSERT_TRUE(catalog_category_ok(e->category) && strcmp(e->category, "unknown"));
    }
    CU_ASSERT_EQUAL(unsourced, 0);
    CU_ASSERT_TRUE(hand >= 52);
    static const char *const al[][2] = {
        {"Umeng+", "umeng"}, {"友盟", "umeng"}, {"U-App", "umeng"},
        {"Tencent Bugly", "tencent-bugly"}, {"腾讯Bugly", "tencent-bugly"},
        {"Pangle", "pangle"}, {"穿山甲", "pangle"}, {"GDT", "tencent-gdt"},
        {"优量汇", "tencent-gdt"}, {"Tencent Youlianghui SDK", "tencent-gdt"},
        {"Getui Push Service", "getui"}, {"个推", "getui"}, {"Ali Cloud SDK", "aliyun-sls"},
        {"BaiQingteng SDK", "baidu-mobads"}, {"Jutui Advertising SDK", "tuia"},
        {"Google Play Service SDK", "google-play-services"}, {"极光推送", "jpush"},
        {NULL, NULL}};
    for (size_t i = 0; al[i][0]; i++) {
        const struct sdk_entry *e = catalog_find_alias(c, al[i][0]);
        CU_ASSERT_TRUE(e && !strcmp(e->id, al[i][1]));
        if (!e || strcmp(e->id, al[i][1]))
            fprintf(stderr, "alias %s -> %s, want %s\n", al[i][0], e ? e->id : "none",
                    al[i][1]);
    }
    /* Entity grouping: Pangle and Douyin are both ByteDance's. */
    CU_ASSERT_STRING_EQUAL(catalog_find(c, "pangle")->parent, "ByteDance");
    CU_ASSERT_STRING_EQUAL(catalog_find(c, "douyin")->parent, "ByteDance");
    CU_ASSERT_STRING_EQUAL(catalog_find(c, "umeng")->parent, "Alibaba Group");
    /* Imported entries attribute hosts the hand-written catalogue never named... */
    CU_ASSERT_STRING_EQUAL(id_of(c, "api.mixpanel.com"), "mixpanel");
    CU_ASSERT_TRUE(catalog_match(c, "api.mixpanel.com")->imported);
    /* ...never take a host a hand-written SDK holds... */
    CU_ASSERT_STRING_EQUAL(id_of(c, "firebaselogging-pa.googleapis.com"), "firebase");
    CU_ASSERT_STRING_EQUAL(id_of(c, "mobileanalytics.us-east-1.amazonaws.com"),
                           "amazon-mobile-analytics");
    /* ...and front ends attribute nothing. */
    static const char *const fe[] = {"d1234.cloudfront.net", "s3.amazonaws.com",
                                     "a1.akamaihd.net", "storage.googleapis.com",
                                     "oss-cn-hangzhou.aliyuncs.com", "bucket.cos.ap-guangzhou.myqcloud.com",
                                     NULL};
    for (const char *const *h = fe; *h; h++) {
        CU_ASSERT_STRING_EQUAL(id_of(c, *h), "(none)");
        if (catalog_match(c, *h))
            fprintf(stderr, "front end %s attributed to %s\n", *h, id_of(c, *h));
    }
    /* Exodus code signatures are kept for reference. */
    const struct sdk_entry *b = catalog_find(c, "tencent-bugly");
    CU_ASSERT_TRUE(b->n_code_signatures >= 1);
    catalog_free(c);
}

static size_t same_str(const char *what, const char *id, const char *x, const char *y)
{
    if ((!x && !y) || (x && y && !strcmp(x, y)))
        return 0;
    fprintf(stderr, "sdk %s: %s \"%s\" restored as \"%s\"\n", id, what, x ? x : "(null)",
            y ? y : "(null)");
    return 1;
}

static size_t same_list(const char *what, const char *id, const char *const *x, size_t nx,
                        const char *const *y, size_t ny)
{
    size_t bad = nx != ny || x[nx] || y[ny];
    for (size_t i = 0; !bad && i < nx; i++)
        bad += same_str(what, id, x[i], y[i]);
    return bad;
}

/* Who a catalogue says runs host: "sdk/owner" ids. */
static void who(const catalog_t *c, const char *host, char *out, size_t len)
{
    const struct sdk_entry *owner, *e = catalog_lookup_n(c, host, strlen(host), &owner);
    snprintf(out, len, "%s/%s", e ? e->id : "-", owner ? owner->id : "-");
}

/* b answers every question as a does: each entry field by field, each domain and a
 * name under it, each name a policy may use. Returns the number of differences. */
static size_t same_catalog(const catalog_t *a, const catalog_t *b)
{
    size_t bad = catalog_count(a) != catalog_count(b) ||
                 catalog_ndomains(a) != catalog_ndomains(b) ||
                 catalog_npatterns(a) != catalog_npatterns(b);
    for (size_t i = 0; !bad && i < catalog_count(a); i++) {
        const struct sdk_entry *x = catalog_entry(a, i), *y = catalog_entry(b, i);
        const char *id = x->id;
        const char *sx[] = {x->id, x->name, x->vendor, x->source, x->note, x->file,
                            x->company, x->parent, x->category};
        const char *sy[] = {y->id, y->name, y->vendor, y->source, y->note, y->file,
                            y->company, y->parent, y->category};
        for (size_t k = 0; k < sizeof sx / sizeof *sx; k++)
            bad += same_str("field", id, sx[k], sy[k]);
        bad += x->line != y->line || x->imported != y->imported ||
               x->frontend != y->frontend || x->n_own_aliases != y->n_own_aliases;
        bad += same_list("domain", id, x->domains, x->n_domains, y->domains, y->n_domains);
        bad += same_list("alias", id, x->aliases, x->n_aliases, y->aliases, y->n_aliases);
        bad += same_list("host pattern", id, x->host_patterns, x->n_host_patterns,
                         y->host_patterns, y->n_host_patterns);
        bad += same_list("code signature", id, x->code_signatures, x->n_code_signatures,
                         y->code_signatures, y->n_code_signatures);
        bad += catalog_find(b, id) != y;
        for (size_t k = 0; k < x->n_domains; k++) {
            char host[300], wa[300], wb[300];
            for (int sub = 0; sub < 2; sub++) {
                snprintf(host, sizeof host, "%s%s", sub ? "x1." : "", x->domains[k]);
                who(a, host, wa, sizeof wa);
                who(b, host, wb, sizeof wb);
                bad += same_str("owner of", host, wa, wb);
            }
        }
        for (size_t k = 0; k <= x->n_aliases; k++) {
            const char *name = k < x->n_aliases ? x->aliases[k] : x->name;
            const struct sdk_entry *ea = catalog_find_alias(a, name);
            const struct sdk_entry *eb = catalog_find_alias(b, name);
            bad += same_str("alias lookup", name, ea ? ea->id : "-", eb ? eb->id : "-");
        }
    }
    return bad;
}

/* catalog_load_dir() through the cache directory: the first load parses and stores, the
 * second restores, and the restored catalogue answers as the parsed one. An edited
 * file or a damaged cache file is a miss; bytes cut short never restore. */
static void test_catalog_cache(void)
{
    char cache[2048], cwd[1024], err[LW_ERRBUF];
    CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof cwd));
    snprintf(cache, sizeof cache, "%s/%s", cwd, tu_path("ccache"));
    CU_ASSERT_EQUAL(setenv("XDG_CACHE_HOME", cache, 1), 0);
    const char *dirs[] = {RULES "/sdks", tu_path("ok")};
    for (size_t i = 0; i < 2; i++) {
        catalog_t *parsed = NULL, *first = NULL, *second = NULL;
        CU_ASSERT_EQUAL(setenv("LEAKWATCH_NO_CACHE", "1", 1), 0);
        CU_ASSERT_EQUAL_FATAL(catalog_load_dir(dirs[i], &parsed, err, sizeof err), 0);
        unsetenv("LEAKWATCH_NO_CACHE");
        CU_ASSERT_EQUAL_FATAL(catalog_load_dir(dirs[i], &first, err, sizeof err), 0);
        CU_ASSERT_EQUAL_FATAL(catalog_load_dir(dirs[i], &second, err, sizeof err), 0);
        CU_ASSERT_FALSE(catalog_restored(parsed));
        CU_ASSERT_FALSE(catalog_restored(first));
        CU_ASSERT_TRUE(catalog_restored(second));
        CU_ASSERT_EQUAL(same_catalog(parsed, second), 0);
        CU_ASSERT_TRUE(catalog_count(second) > (i == 0 ? 1000u : 5u));
        if (i == 1)
            CU_ASSERT_STRING_EQUAL(id_of(second, "api.fidzup.net"), "fidz");
        /* Every prefix of the bytes is refused, without reading past them (ASan). */
        void *p;
        size_t n;
        CU_ASSERT_EQUAL_FATAL(catalog_serialize(parsed, &p, &n), 0);
        size_t refused = 0, step = n > 20000 ? n / 200 : 1;
        for (size_t cut = 0; cut < n; cut += step) {
            void *q = bigmem_alloc(cut);
            memcpy(q, p, cut);
            catalog_t *r = catalog_restore(q, cut);
            refused += !r;
            catalog_free(r);
        }
        CU_ASSERT_EQUAL(refused, (n + step - 1) / step);
        /* A host pattern's tier indexes an array when a host is decided: out of range,
         * the bytes are refused (the shipped catalogue's end with its last pattern's
         * tier). */
        if (i == 0) {
            void *q = bigmem_alloc(n);
            memcpy(q, p, n);
            memset((uint8_t *)q + n - 4, 0xff, 4);
            catalog_t *r = catalog_restore(q, n);
            CU_ASSERT_PTR_NULL(r);
            catalog_free(r);
        }
        void *all = bigmem_alloc(n);
        memcpy(all, p, n);
        free(p);
        catalog_t *whole = catalog_restore(all, n);
        CU_ASSERT_EQUAL(same_catalog(parsed, whole), 0);
        catalog_free(whole);
        catalog_free(parsed);
        catalog_free(first);
        catalog_free(second);
    }
    /* An edit is a miss, and shows. */
    CU_ASSERT_EQUAL(tu_sh(NULL, "mkdir -p %s/edit", tu_tmpdir()), 0);
    catalog_t *c = NULL;
    for (int round = 0; round < 3; round++) {
        const char *dom = round == 0 ? "alpha.example" : "beta.example";
        char text[256];
        snprintf(text, sizeof text, "- id: alpha\n  name: Alpha\n  vendor: A\n"
                 "  domains: [%s]\n  source: test\n", dom);
        if (round < 2)
            put("edit/a.yaml", text);
        CU_ASSERT_EQUAL_FATAL(catalog_load_dir(tu_path("edit"), &c, err, sizeof err), 0);
        CU_ASSERT_EQUAL(catalog_restored(c), round == 2);
        CU_ASSERT_STRING_EQUAL(id_of(c, dom), "alpha");
        CU_ASSERT_STRING_EQUAL(id_of(c, round == 0 ? "beta.example" : "alpha.example"),
                               "(none)");
        catalog_free(c);
    }
    /* A damaged cache file is a miss; the load still answers. */
    CU_ASSERT_EQUAL(tu_sh(NULL, "for f in %s/leakwatch/*.catalog; do printf X | "
                          "dd of=$f bs=1 seek=100 conv=notrunc 2>/dev/null; done", cache), 0);
    CU_ASSERT_EQUAL_FATAL(catalog_load_dir(tu_path("edit"), &c, err, sizeof err), 0);
    CU_ASSERT_FALSE(catalog_restored(c));
    CU_ASSERT_STRING_EQUAL(id_of(c, "beta.example"), "alpha");
    catalog_free(c);
}

/* Lookups are remembered per thread (catalog.c's memo). Asked again, in other spellings
 * of the same host, past the memo's name length, from another thread, and of two
 * catalogues in turn, each answers as its own domains say. */
struct memo_run {
    const catalog_t *a, *b;
    int bad;
};

static void *memo_lookups(void *arg)
{
    struct memo_run *r = arg;
    static const char long_host[] =
        "a-name-longer-than-the-memo-keeps.cdn.region-1.ulog.umeng.com";
    for (int round = 0; round < 3; round++) {
        r->bad += strcmp(id_of(r->a, "umeng.com"), "umeng") != 0;
        r->bad += strcmp(id_of(r->b, "umeng.com"), "(none)") != 0;
        r->bad += strcmp(id_of(r->a, "WWW.Umeng.COM."), "umeng") != 0;
        r->bad += strcmp(id_of(r->a, "x.umeng.com:443"), "umeng") != 0;
        r->bad += strcmp(id_of(r->a, "xumeng.com"), "(none)") != 0;
        r->bad += strcmp(id_of(r->a, long_host), "umeng") != 0;
        r->bad += strcmp(id_of(r->b, long_host), "(none)") != 0;
        r->bad += strcmp(id_of(r->b, "beta.example"), "alpha") != 0;
        r->bad += strcmp(id_of(r->a, "beta.example"), "(none)") != 0;
        /* A host pattern (imported b.yaml), remembered like a domain. */
        r->bad += strcmp(id_of(r->a, "ulog7.umengcloud.net"), "umeng") != 0;
        r->bad += strcmp(id_of(r->b, "ulog7.umengcloud.net"), "(none)") != 0;
    }
    return NULL;
}

static void test_lookup_memo(void)
{
    char err[LW_ERRBUF];
    catalog_t *a = NULL, *b = NULL;
    CU_ASSERT_EQUAL(tu_sh(NULL, "mkdir -p %s/memo", tu_tmpdir()), 0);
    put("memo/a.yaml", "- id: alpha\n  name: Alpha\n  vendor: A\n"
                       "  domains: [beta.example]\n  source: test\n");
    CU_ASSERT_EQUAL_FATAL(catalog_load_dir(tu_path("ok"), &a, err, sizeof err), 0);
    CU_ASSERT_EQUAL_FATAL(catalog_load_dir(tu_path("memo"), &b, err, sizeof err), 0);
    struct memo_run here = {a, b, 0}, there = {a, b, 0};
    memo_lookups(&here);
    pthread_t t;
    CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, memo_lookups, &there), 0);
    pthread_join(t, NULL);
    CU_ASSERT_EQUAL(here.bad, 0);
    CU_ASSERT_EQUAL(there.bad, 0);
    catalog_free(a);
    catalog_free(b);
}

int main(void)
{
    static const struct tu_case cases[] = {
        {"imported under hand-written, merge by id, front ends, patterns, aliases",
         test_precedence_and_merge},
        {"errors and warnings name file:line", test_errors},
        {"host pattern database cache", test_hostdb_cache},
        {"policies name SDKs by alias", test_policy_aliases},
        {"the shipped catalogue", test_real},
        {"the parsed catalogue cached on disk", test_catalog_cache},
        {"lookups remembered per thread and per catalogue", test_lookup_memo},
        {NULL, NULL}};
    return tu_run("rules_catalog", cases);
}
