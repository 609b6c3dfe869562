/* test_rules_catalog.c - the SDK catalogue beyond suffix matching: imported entries
 * (data/sdks/imported/) under hand-written ones, merge by id, CDN/cloud front ends, host
 * patterns (Hyperscan), aliases and the policy loader resolving them, the new keys'
 * validation with file:line, and the real shipped catalogue (size, sources, entities). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

int main(void)
{
    static const struct tu_case cases[] = {
        {"imported under hand-written, merge by id, front ends, patterns, aliases",
         test_precedence_and_merge},
        {"errors and warnings name file:line", test_errors},
        {"host pattern database cache", test_hostdb_cache},
        {"policies name SDKs by alias", test_policy_aliases},
        {"the shipped catalogue", test_real},
        {NULL, NULL}};
    return tu_run("rules_catalog", cases);
}
