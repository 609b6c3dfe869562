/* test_rules_policy.c - ontology, SDK catalogue, policy declarations, verdicts and
 * --check-rules, on the real files in data/ and on crafted bad rule directories in
 * tests/data/rules_bad/. Expected facts come from reading the seed policies (quoted in
 * data/policies/), not from the code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/catalog.h"
#include "rules/ontology.h"
#include "rules/policy.h"
#include "rules/rulecheck.h"
#include "rules/verdict.h"
#include "common/lwerr.h"
#include "tests/testutil.h"

#define RULES LW_SOURCE_DIR "/data"
#define BAD LW_SOURCE_DIR "/tests/data/rules_bad"

static ontology_t *ont;
static catalog_t *cat;
static policy_set_t *pols;

/* Load the real rules once; every test below reads them. */
static void load_real(void)
{
    char err[LW_ERRBUF];
    if (ont)
        return;
    int rc = ontology_load(RULES "/ontology.yaml", &ont, err, sizeof err);
    if (rc)
        fprintf(stderr, "ontology: %s\n", err);
    CU_ASSERT_FATAL(rc == 0);
    rc = catalog_load_dir(RULES "/sdks", &cat, err, sizeof err);
    if (rc)
        fprintf(stderr, "catalog: %s\n", err);
    CU_ASSERT_FATAL(rc == 0);
    rc = policy_load_dir(RULES "/policies", ont, cat, &pols, err, sizeof err);
    if (rc)
        fprintf(stderr, "policies: %s\n", err);
    CU_ASSERT_FATAL(rc == 0);
}

static const char *resolve(const char *phrase, enum ont_kind want)
{
    const char *canon = NULL;
    enum ont_kind k = ontology_resolve(ont, phrase, &canon);
    CU_ASSERT_EQUAL(k, want);
    if (k != want)
        fprintf(stderr, "phrase \"%s\": kind %d, want %d\n", phrase, k, want);
    return canon ? canon : "";
}

static void test_ontology_leaves(void)
{
    load_real();
    /* The leaf set shared with rules/idtype.c (DESIGN.md "Ontology"). */
    static const char *const want[][2] = {
        {"imei", "device_identifier"}, {"meid", "device_identifier"},
        {"android_id", "device_identifier"}, {"oaid", "device_identifier"},
        {"gaid", "device_identifier"}, {"idfa", "device_identifier"},
        {"idfv", "device_identifier"}, {"serial", "device_identifier"},
        {"openudid", "device_identifier"}, {"guid", "device_identifier"},
        {"uaid", "device_identifier"}, {"mac", "network"}, {"bssid", "network"},
        {"ssid", "network"}, {"wifi_password", "network"}, {"ip", "network"},
        {"imsi", "sim"}, {"iccid", "sim"}, {"phone", "sim"}, {"gps", "location"},
        {"cell", "location"}, {"email", "personal"}};
    size_t n = sizeof want / sizeof want[0];
    CU_ASSERT_EQUAL(ontology_nleaves(ont), n);
    for (size_t i = 0; i < n; i++) {
        const char *c = ontology_category_of(ont, want[i][0]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(c);
        CU_ASSERT_STRING_EQUAL(c, want[i][1]);
    }
    CU_ASSERT_PTR_NULL(ontology_category_of(ont, "fingerprint"));
    CU_ASSERT_STRING_EQUAL(ontology_category_of(ont, "location"), "location");
}

static void test_ontology_synonyms(void)
{
    load_real();
    CU_ASSERT_STRING_EQUAL(resolve("Android ID", ONT_LEAF), "android_id");
    CU_ASSERT_STRING_EQUAL(resolve("AndroidID", ONT_LEAF), "android_id");
    CU_ASSERT_STRING_EQUAL(resolve("android_id", ONT_LEAF), "android_id");
    CU_ASSERT_STRING_EQUAL(resolve("ANDROID-ID", ONT_LEAF), "android_id");
    CU_ASSERT_STRING_EQUAL(resolve("IMEI", ONT_LEAF), "imei");
    CU_ASSERT_STRING_EQUAL(resolve("IMSl", ONT_LEAF), "imsi"); /* seed 004's typo */
    CU_ASSERT_STRING_EQUAL(resolve("MAC地址", ONT_LEAF), "mac");
    CU_ASSERT_STRING_EQUAL(resolve("device MAC address", ONT_LEAF), "mac");
    CU_ASSERT_STRING_EQUAL(resolve("network device hardware address", ONT_LEAF), "mac");
    CU_ASSERT_STRING_EQUAL(resolve("WiFi ssid", ONT_LEAF), "ssid");
    CU_ASSERT_STRING_EQUAL(resolve("Wi-Fi name (SSID)", ONT_LEAF), "ssid");
    CU_ASSERT_STRING_EQUAL(resolve("Wi-Fi router MAC address", ONT_LEAF), "bssid");
    CU_ASSERT_STRING_EQUAL(resolve("base station information", ONT_LEAF), "cell");
    CU_ASSERT_STRING_EQUAL(resolve("SN", ONT_LEAF), "serial");
    CU_ASSERT_STRING_EQUAL(resolve("设备标识符", ONT_CATEGORY), "device_identifier");
    CU_ASSERT_STRING_EQUAL(resolve("unique device identifier", ONT_CATEGORY),
                           "device_identifier");
    CU_ASSERT_STRING_EQUAL(resolve("Unique Device Identifiers", ONT_CATEGORY),
                           "device_identifier");
    CU_ASSERT_STRING_EQUAL(resolve("location information", ONT_CATEGORY), "location");
    resolve("device information", ONT_VAGUE);
    resolve("设备信息", ONT_VAGUE);
    resolve("network information", ONT_VAGUE);
    resolve("frobnicator id", ONT_UNKNOWN);
    resolve("", ONT_UNKNOWN);
}

static void test_ontology_covers(void)
{
    load_real();
    CU_ASSERT_TRUE(ontology_covers(ont, "device_identifier", "imei"));
    CU_ASSERT_TRUE(ontology_covers(ont, "unique device identifier", "oaid"));
    CU_ASSERT_TRUE(ontology_covers(ont, "设备标识符", "android_id"));
    CU_ASSERT_TRUE(ontology_covers(ont, "imei", "imei"));
    CU_ASSERT_TRUE(ontology_covers(ont, "IMEI", "imei"));
    CU_ASSERT_TRUE(ontology_covers(ont, "location", "gps"));
    CU_ASSERT_TRUE(ontology_covers(ont, "location", "location"));
    CU_ASSERT_FALSE(ontology_covers(ont, "imei", "device_identifier"));
    CU_ASSERT_FALSE(ontology_covers(ont, "device_identifier", "mac")); /* network, not device */
    CU_ASSERT_FALSE(ontology_covers(ont, "network", "imei"));
    CU_ASSERT_FALSE(ontology_covers(ont, "device information", "imei"));
    CU_ASSERT_FALSE(ontology_covers(ont, "oaid", "imei"));
    CU_ASSERT_FALSE(ontology_covers(ont, "nonsense", "imei"));
}

static const char *match(const char *host)
{
    const struct sdk_entry *e = catalog_match(cat, host);
    return e ? e->id : "(none)";
}

/* The hand-written SDK a host is attributed to: "(none)" when nothing, or only an entry
 * imported from a public dataset (data/sdks/imported/), claims it. */
static const char *hand(const char *host)
{
    const struct sdk_entry *e = catalog_match(cat, host);
    return e && !e->imported ? e->id : "(none)";
}

static void test_catalog_real(void)
{
    load_real();
    /* Every SDK named by a seed policy is catalogued (ids used in data/policies/). */
    static const char *const seeds[] = {
        "umeng", "tencent-bugly", "getui", "xiaomi-push", "huawei-push", "oppo-push",
        "vivo-push", "qiniu", "aliyun-sls", "zego", "tencent-im", "facebook",
        "google-play-services", "youtube", "douyin", "kuaishou", "wechat", "alipay", "beizi",
        "tencent-gdt", "pangle", "baidu-mobads", "mango", "jd-union", "ubix", "meishu",
        "octopus", "youtui", "adbiding", "taku", "tuia", "cmpassport", "zhuoxin-id",
        "baidu-vr", "okhttp", NULL};
    for (const char *const *s = seeds; *s; s++) {
        const struct sdk_entry *e = catalog_find(cat, *s);
        CU_ASSERT_PTR_NOT_NULL(e);
        if (!e)
            fprintf(stderr, "missing sdk %s\n", *s);
        else
            CU_ASSERT_TRUE(e->source && e->source[0]);
    }
    CU_ASSERT_TRUE(catalog_count(cat) >= 45);
    /* Unestablished endpoints are empty and explained, never guessed. */
    const struct sdk_entry *m = catalog_find(cat, "mango");
    CU_ASSERT_EQUAL(m->n_domains, 0);
    CU_ASSERT_PTR_NOT_NULL(m->note);
    CU_ASSERT_PTR_NOT_NULL(strstr(m->note, "not established"));
    /* Hosts seen in the real captures of nDPI's test suite (tests/data/pcaps/README.md). */
    CU_ASSERT_STRING_EQUAL(match("app-measurement.com"), "firebase");
    CU_ASSERT_STRING_EQUAL(match("app.adjust.com"), "adjust");
    CU_ASSERT_STRING_EQUAL(match("graph.facebook.com"), "facebook");
    CU_ASSERT_STRING_EQUAL(match("venetia.iad.appboy.com"), "braze");
    CU_ASSERT_STRING_EQUAL(match("mobileanalytics.us-east-1.amazonaws.com"),
                           "amazon-mobile-analytics");
    CU_ASSERT_STRING_EQUAL(match("log.mmstat.com"), "alibaba-ut");
    CU_ASSERT_STRING_EQUAL(match("hkextshort.weixin.qq.com"), "wechat");
    CU_ASSERT_STRING_EQUAL(match("ssl.google-analytics.com"), "google-analytics");
    CU_ASSERT_STRING_EQUAL(match("ulogs.umeng.com"), "umeng");
    CU_ASSERT_STRING_EQUAL(match("c2.gdt.qq.com"), "tencent-gdt");
    CU_ASSERT_STRING_EQUAL(match("bugly.qq.com"), "tencent-bugly");
    CU_ASSERT_STRING_EQUAL(hand("qq.com"), "(none)");
    CU_ASSERT_STRING_EQUAL(match("qq.com"), "qq-com"); /* AdGuard's "QQ International" */
    CU_ASSERT_STRING_EQUAL(match("s3-external-1.amazonaws.com"), "(none)");
}

static void test_catalog_suffix_edges(void)
{
    load_real();
    CU_ASSERT_STRING_EQUAL(match("umeng.com"), "umeng");
    CU_ASSERT_STRING_EQUAL(match("ULOGS.UMENG.COM"), "umeng");
    CU_ASSERT_STRING_EQUAL(match("ulogs.umeng.com."), "umeng");
    CU_ASSERT_STRING_EQUAL(match("alog.umeng.com:443"), "umeng");
    CU_ASSERT_STRING_EQUAL(match("xumeng.com"), "(none)");       /* label boundary */
    CU_ASSERT_STRING_EQUAL(match("umeng.com.evil.net"), "(none)");
    CU_ASSERT_STRING_EQUAL(match("umeng.co"), "umeng");
    CU_ASSERT_STRING_EQUAL(match("com"), "(none)");
    CU_ASSERT_STRING_EQUAL(match(""), "(none)");
    CU_ASSERT_STRING_EQUAL(match("."), "(none)");
    CU_ASSERT_STRING_EQUAL(match(":443"), "(none)");
    CU_ASSERT_STRING_EQUAL(match("192.0.2.1"), "(none)");
    /* Longest suffix wins over a shorter listed one. */
    CU_ASSERT_STRING_EQUAL(match("firebaselogging-pa.googleapis.com"), "firebase");
    CU_ASSERT_STRING_EQUAL(match("play.googleapis.com"), "google-play-services");
    CU_ASSERT_STRING_EQUAL(match("storage.googleapis.com"), "(none)");
    CU_ASSERT_STRING_EQUAL(match("umengacs.m.taobao.com"), "umeng");
    CU_ASSERT_STRING_EQUAL(hand("m.taobao.com"), "(none)");
    CU_ASSERT_STRING_EQUAL(match("sspmiaoshuo.cn-hangzhou.log.aliyuncs.com"), "aliyun-sls");
    CU_ASSERT_STRING_EQUAL(match("oss-cn-hangzhou.aliyuncs.com"), "(none)");
    CU_ASSERT_STRING_EQUAL(match("pangolin.snssdk.com"), "pangle");
    /* Over-long names never match (and never overflow). */
    char big[400];
    memset(big, 'a', sizeof big);
    strcpy(big + sizeof big - 11, ".umeng.com");
    CU_ASSERT_STRING_EQUAL(match(big), "(none)");
    /* Not NUL-terminated input: only len bytes are read. */
    const char sni[] = "ulogs.umeng.comXXXX";
    const struct sdk_entry *e = catalog_match_n(cat, sni, 15);
    CU_ASSERT_PTR_NOT_NULL(e);
    CU_ASSERT_PTR_NULL(catalog_match_n(cat, sni, 19));
    CU_ASSERT_TRUE(catalog_host_in("a.b.kandaovr.com", 16, "kandaovr.com"));
    CU_ASSERT_FALSE(catalog_host_in("notkandaovr.com", 15, "kandaovr.com"));
    CU_ASSERT_PTR_NULL(catalog_match(NULL, "umeng.com"));
}

static const struct policy *pol(const char *id)
{
    const struct policy *p = policy_find(pols, id);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    return p;
}

static int declares(const struct policy *p, const char *sdk, const char *type)
{
    const struct policy_sdk *s = policy_sdk_find(p, sdk);
    if (!s)
        return -1;
    for (size_t i = 0; i < s->n_declares; i++)
        if (strcmp(s->declares[i], type) == 0)
            return 1;
    return 0;
}

static void test_policies_real(void)
{
    load_real();
    CU_ASSERT_EQUAL(policy_count(pols), 5);
    /* Seed 002: Appendix II lists Umeng with IMEI/MAC/Android ID/OAID/IDFA/OpenUDID/GUID/
     * SIM IMSI/ICCID/geolocation; section IV promises MD5 for IMEI and MAC. */
    const struct policy *x = pol("xiaoying-kankan");
    CU_ASSERT_STRING_EQUAL(x->source, "002_6777d33cf41ea241.txt");
    CU_ASSERT_EQUAL(x->catalogue, POLICY_CAT_INCLUDED);
    CU_ASSERT_EQUAL(declares(x, "umeng", "imei"), 1);
    CU_ASSERT_EQUAL(declares(x, "umeng", "openudid"), 1);
    CU_ASSERT_EQUAL(declares(x, "umeng", "location"), 1);
    CU_ASSERT_EQUAL(declares(x, "umeng", "idfv"), 0);
    CU_ASSERT_EQUAL(declares(x, "huawei-push", "device_identifier"), 1);
    CU_ASSERT_EQUAL(declares(x, "getui", "uaid"), 1);
    CU_ASSERT_EQUAL(declares(x, "cmpassport", "phone"), 1);
    CU_ASSERT_EQUAL(declares(x, "alipay", "imei"), 0); /* "Shared ... Fields: None" */
    CU_ASSERT_EQUAL(declares(x, "facebook", "imei"), -1);
    CU_ASSERT_TRUE(x->n_sdks >= 24);
    const struct policy_transform *t = policy_transform_for(x, ont, "imei");
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_STRING_EQUAL(t->forms[0], "md5");
    CU_ASSERT_PTR_NOT_NULL(policy_transform_for(x, ont, "mac"));
    CU_ASSERT_PTR_NULL(policy_transform_for(x, ont, "oaid"));
    /* Seed 000: eleven SDKs in Annex I, no fields. */
    const struct policy *k = pol("kandao");
    CU_ASSERT_EQUAL(k->n_sdks, 11);
    CU_ASSERT_EQUAL(declares(k, "umeng", "imei"), 0);
    CU_ASSERT_EQUAL(declares(k, "qiniu", "imei"), 0);
    CU_ASSERT_TRUE(policy_is_first_party(k, "www.kandaovr.com", 16));
    CU_ASSERT_FALSE(policy_is_first_party(k, "kandaovr.com.cn", 15));
    /* Seed 001: four SDKs; Ali Cloud receives only the vague "device information". */
    const struct policy *g = pol("kago");
    CU_ASSERT_EQUAL(g->n_sdks, 4);
    const struct policy_sdk *ali = policy_sdk_find(g, "aliyun-sls");
    CU_ASSERT_PTR_NOT_NULL_FATAL(ali);
    CU_ASSERT_EQUAL(ali->n_declares, 0);
    CU_ASSERT_TRUE(ali->n_vague >= 1);
    CU_ASSERT_STRING_EQUAL(ali->vague[0], "device information");
    /* Seeds 003 / 004: no usable catalogue. */
    CU_ASSERT_EQUAL(pol("seed-003")->catalogue, POLICY_CAT_MISSING);
    CU_ASSERT_EQUAL(pol("seed-003")->n_sdks, 0);
    CU_ASSERT_EQUAL(pol("kapi-action")->catalogue, POLICY_CAT_LINKED);
    CU_ASSERT_PTR_NULL(policy_find(pols, "nonexistent"));
}

static struct verdict_result V(const char *pid, const char *sdk, int fp, const char *type,
                               const char *form)
{
    struct verdict_result r;
    verdict_eval(ont, pid ? policy_find(pols, pid) : NULL, sdk, fp, type, form, &r);
    return r;
}

static void test_verdicts(void)
{
    load_real();
    struct verdict_result r;
    r = V(NULL, "umeng", 0, "imei", "plain");
    CU_ASSERT_STRING_EQUAL(r.name, "no_policy");
    r = V("xiaoying-kankan", NULL, 0, "imei", "plain");
    CU_ASSERT_STRING_EQUAL(r.name, "unknown_destination");
    r = V("xiaoying-kankan", "umeng", 0, "imei", "md5-hex");
    CU_ASSERT_STRING_EQUAL(r.name, "declared");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r.clause);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.clause, "Umeng"));
    r = V("xiaoying-kankan", "umeng", 0, "imei", "plain"); /* promise is first-party only */
    CU_ASSERT_STRING_EQUAL(r.name, "declared");
    r = V("xiaoying-kankan", "huawei-push", 0, "oaid", "plain"); /* category coverage */
    CU_ASSERT_STRING_EQUAL(r.name, "declared");
    r = V("xiaoying-kankan", "huawei-push", 0, "IMEI", "plain"); /* synonym as type */
    CU_ASSERT_STRING_EQUAL(r.name, "declared");
    r = V("xiaoying-kankan", "xiaomi-push", 0, "gps", "plain"); /* "location information" */
    CU_ASSERT_STRING_EQUAL(r.name, "declared");
    r = V("xiaoying-kankan", "xiaomi-push", 0, "imsi", "plain");
    CU_ASSERT_STRING_EQUAL(r.name, "undeclared_type");
    r = V("xiaoying-kankan", "huawei-push", 0, "mac", "plain");
    CU_ASSERT_STRING_EQUAL(r.name, "undeclared_type");
    /* Umeng's fields include "independent device identifiers": the category, which
     * covers idfv too. */
    r = V("xiaoying-kankan", "umeng", 0, "idfv", "plain");
    CU_ASSERT_STRING_EQUAL(r.name, "declared");
    r = V("xiaoying-kankan", "cmpassport", 0, "idfv", "plain");
    CU_ASSERT_STRING_EQUAL(r.name, "undeclared_type");
    r = V("xiaoying-kankan", "facebook", 0, "imei", "plain");
    CU_ASSERT_STRING_EQUAL(r.name, "undeclared_sdk");
    CU_ASSERT_PTR_NULL(r.clause);
    r = V("kago", "aliyun-sls", 0, "imei", "plain");
    CU_ASSERT_STRING_EQUAL(r.name, "undeclared_type");
    CU_ASSERT_PTR_NOT_NULL(strstr(r.reason, "device information"));
    r = V("kandao", "umeng", 0, "imei", "plain");
    CU_ASSERT_STRING_EQUAL(r.name, "undeclared_type");
    r = V("kapi-action", "umeng", 0, "imei", "plain");
    CU_ASSERT_STRING_EQUAL(r.name, "undeclared_sdk");
    CU_ASSERT_PTR_NOT_NULL(strstr(r.reason, "linked"));
    CU_ASSERT_PTR_NOT_NULL(r.clause && strstr(r.clause, "click here"));
    r = V("seed-003", "firebase", 0, "gaid", "plain");
    CU_ASSERT_STRING_EQUAL(r.name, "undeclared_sdk");
    CU_ASSERT_PTR_NOT_NULL(strstr(r.reason, "missing"));
    /* First party. */
    r = V("xiaoying-kankan", NULL, 1, "ssid", "plain");
    CU_ASSERT_STRING_EQUAL(r.name, "first_party_declared");
    r = V("xiaoying-kankan", "umeng", 1, "android_id", "plain"); /* first party wins */
    CU_ASSERT_STRING_EQUAL(r.name, "first_party_undeclared");
    r = V("kandao", NULL, 1, "imei", "plain");
    CU_ASSERT_STRING_EQUAL(r.name, "first_party_declared");
    r = V("kapi-action", NULL, 1, "email", "plain");
    CU_ASSERT_STRING_EQUAL(r.name, "first_party_undeclared");
}

static void test_broken_transform(void)
{
    load_real();
    static const char *const broken[] = {"plain", "upper", "lower", "url", "json", "base64",
                                         "base64url", "hex", "mac-dash", NULL};
    static const char *const kept[] = {"md5-hex", "md5-HEX", "md5-base64", "sha1-hex",
                                       "sha256-hex", "sha256-base64", NULL};
    for (const char *const *f = broken; *f; f++) {
        struct verdict_result r = V("xiaoying-kankan", NULL, 1, "imei", *f);
        CU_ASSERT_STRING_EQUAL(r.name, "broken_transform");
        CU_ASSERT_PTR_NOT_NULL(r.clause && strstr(r.clause, "MD5"));
        r = V("xiaoying-kankan", NULL, 1, "mac", *f);
        CU_ASSERT_STRING_EQUAL(r.name, "broken_transform");
    }
    for (const char *const *f = kept; *f; f++) {
        struct verdict_result r = V("xiaoying-kankan", NULL, 1, "imei", *f);
        CU_ASSERT_STRING_EQUAL(r.name, "first_party_declared");
    }
    struct verdict_result r = V("xiaoying-kankan", NULL, 1, "imei", NULL);
    CU_ASSERT_STRING_EQUAL(r.name, "broken_transform");
    CU_ASSERT_EQUAL(verdict_form_strength("md5-hex"), 1);
    CU_ASSERT_TRUE(verdict_form_strength("sha256-hex") > verdict_form_strength("sha1-hex"));
    CU_ASSERT_EQUAL(verdict_form_strength("md5x-hex"), 0);
    CU_ASSERT_EQUAL(verdict_form_strength("base64"), 0);
}

static void test_sdk_contact(void)
{
    load_real();
    char why[256];
    const char *clause = "x";
    CU_ASSERT_EQUAL(verdict_sdk_contact(policy_find(pols, "kandao"), "qiniu", &clause, why,
                                        sizeof why), 1);
    CU_ASSERT_PTR_NOT_NULL(clause && strstr(clause, "Qiniu"));
    CU_ASSERT_EQUAL(verdict_sdk_contact(policy_find(pols, "kandao"), "getui", &clause, why,
                                        sizeof why), 0);
    CU_ASSERT_PTR_NULL(clause);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "not in the catalogue"));
    CU_ASSERT_EQUAL(verdict_sdk_contact(policy_find(pols, "kago"), "zego", NULL, NULL, 0), 1);
    CU_ASSERT_EQUAL(verdict_sdk_contact(policy_find(pols, "kapi-action"), "umeng", NULL, why,
                                        sizeof why), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "linked"));
    CU_ASSERT_EQUAL(verdict_sdk_contact(policy_find(pols, "seed-003"), "umeng", NULL, why,
                                        sizeof why), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "missing"));
    CU_ASSERT_EQUAL(verdict_sdk_contact(NULL, "umeng", NULL, why, sizeof why), 0);
    CU_ASSERT_EQUAL(verdict_sdk_contact(policy_find(pols, "xiaoying-kankan"), NULL, NULL, why,
                                        sizeof why), 0);
}

static void test_verdict_names(void)
{
    static const char *const want[] = {"declared", "undeclared_type", "undeclared_sdk",
                                       "broken_transform", "first_party_undeclared",
                                       "first_party_declared", "no_policy",
                                       "unknown_destination"};
    for (int i = 0; i < 8; i++)
        CU_ASSERT_STRING_EQUAL(verdict_name((enum verdict)i), want[i]);
    CU_ASSERT_STRING_EQUAL(verdict_name((enum verdict)99), "unknown");
}

/* Run rulecheck_dir on dir; return its result and the report in *out (caller frees). */
static int check(const char *dir, char **out)
{
    char path[1024];
    snprintf(path, sizeof path, "%s", tu_path("report.txt"));
    FILE *f = fopen(path, "w+");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    int n = rulecheck_dir(dir, f);
    fclose(f);
    *out = tu_slurp(path, NULL);
    return n;
}

#define HAS(rep, s)                                                                      \
    do {                                                                                 \
        int has_ = (rep) && strstr((rep), (s)) != NULL;                                  \
        CU_ASSERT_TRUE(has_);                                                            \
        if (!has_)                                                                       \
            fprintf(stderr, "report lacks \"%s\":\n%s\n", (s), (rep) ? (rep) : "(null)"); \
    } while (0)

static void test_check_rules_real(void)
{
    char *rep = NULL;
    int n = check(RULES, &rep);
    CU_ASSERT_EQUAL(n, 0);
    HAS(rep, ": 0 errors;");
    HAS(rep, "22 identifier types");
    HAS(rep, "5 policies");
    free(rep);
}

static void test_check_rules_bad(void)
{
    char *rep = NULL;
    int n = check(BAD "/unknown_type", &rep);
    CU_ASSERT_EQUAL(n, 2);
    HAS(rep, "unknown_type/policies/p.yaml:10: error: declares: unknown identifier type \"fingerprint\"");
    HAS(rep, "unknown_type/policies/p.yaml:11: error: declares: \"device information\" is a vague phrase");
    free(rep);

    n = check(BAD "/unknown_sdk", &rep);
    CU_ASSERT_EQUAL(n, 1);
    HAS(rep, "unknown_sdk/policies/p.yaml:8: error: policy p names SDK \"nosuch\" which is missing from the catalogue");
    free(rep);

    n = check(BAD "/dup_domain", &rep);
    CU_ASSERT_TRUE(n >= 4);
    HAS(rep, "dup_domain/sdks/b.yaml:4: error: domain alpha.example.com of sdk beta is already listed for sdk alpha");
    HAS(rep, "dup_domain/sdks/b.yaml:10: error: sdk gamma: bad domain \"*.gamma.example.com\"");
    HAS(rep, "dup_domain/sdks/b.yaml:6: error: sdk gamma: missing 'source'");
    HAS(rep, "dup_domain/sdks/b.yaml:11: error: sdk id alpha defined twice");
    free(rep);

    n = check(BAD "/missing_fields", &rep);
    CU_ASSERT_TRUE(n >= 5);
    HAS(rep, "missing_fields/sdks/b.yaml:1: error: sdk beta: missing 'source'");
    HAS(rep, "missing_fields/sdks/b.yaml:4: error: sdk beta: empty 'domains' needs a 'note'");
    HAS(rep, "missing_fields/policies/p.yaml:1: error: policy: missing 'app'");
    HAS(rep, "missing_fields/policies/p.yaml:7: error: sdk alpha: missing 'declares'");
    HAS(rep, "missing_fields/policies/p.yaml:7: error: sdks entry: missing 'clause'");
    free(rep);

    n = check(BAD "/syntax", &rep);
    CU_ASSERT_TRUE(n >= 3);
    HAS(rep, "syntax/sdks/b.yaml:4: error: YAML syntax");
    HAS(rep, "syntax/policies/p.yaml:6: error: first_party.transforms.imei: unknown transform \"rot13\"");
    HAS(rep, "syntax/policies/p.yaml:10: error: policy p: sdk_catalogue is linked but 'sdks' lists entries");
    free(rep);

    n = check(BAD "/does-not-exist", &rep);
    CU_ASSERT_TRUE(n >= 3);
    HAS(rep, "does-not-exist/ontology.yaml: error: cannot open");
    HAS(rep, "does-not-exist/sdks: error: cannot read directory");
    HAS(rep, "does-not-exist/policies: error: cannot read directory");
    free(rep);
}

static int write_file(const char *path, const char *text)
{
    return tu_write(path, text, strlen(text));
}

/* A file must fail to load with its own name and the given line in the message. */
static void expect_ontology_error(const char *name, const char *text, const char *want)
{
    char err[LW_ERRBUF] = "";
    char path[1024];
    ontology_t *o = NULL;
    snprintf(path, sizeof path, "%s", tu_path(name));
    CU_ASSERT_EQUAL_FATAL(write_file(path, text), 0);
    int rc = ontology_load(path, &o, err, sizeof err);
    CU_ASSERT_TRUE(rc < 0);
    CU_ASSERT_PTR_NULL(o);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, name));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
    if (!strstr(err, want))
        fprintf(stderr, "%s: got \"%s\", want \"%s\"\n", name, err, want);
    ontology_free(o);
}

static void test_hostile_yaml(void)
{
    expect_ontology_error("syntax.yaml", "categories:\n  - name: x\n    leaves: [a, b\n",
                          ":4: YAML syntax");
    expect_ontology_error("tab.yaml", "categories:\n\t- name: x\n", ":2: YAML syntax");
    expect_ontology_error("scalar.yaml", "just a string\n", ":1: missing 'categories'");
    expect_ontology_error("empty.yaml", "", ":1: missing 'categories'");
    expect_ontology_error("noleaves.yaml", "categories:\n  - name: x\n", ":2: category x: missing");
    expect_ontology_error("clash.yaml",
                          "categories:\n  - name: c\n    leaves:\n"
                          "      - {name: a, synonyms: [foo]}\n"
                          "      - {name: b, synonyms: [F-O-O]}\n",
                          ":5: phrase \"F-O-O\" already means a");
    /* Billion laughs: aliases are references, never expanded; the loader neither
     * explodes nor accepts the nonsense. */
    expect_ontology_error("laughs.yaml",
                          "a: &a [x, x, x, x, x, x, x, x, x]\n"
                          "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                          "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                          "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                          "categories: [*d, *d, *d]\n",
                          ":1: ontology: unknown field \"a\"");
    expect_ontology_error("badalias.yaml", "categories: *nowhere\n", ":1: YAML syntax");
    /* Binary garbage with a NUL byte. */
    char path[1024];
    snprintf(path, sizeof path, "%s", tu_path("binary.yaml"));
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    static const char garbage[] = "categories:\n  - \0\xff\xfe\x01name";
    fwrite(garbage, 1, sizeof garbage - 1, f);
    fclose(f);
    char err[LW_ERRBUF] = "";
    ontology_t *o = NULL;
    CU_ASSERT_TRUE(ontology_load(path, &o, err, sizeof err) < 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "binary.yaml:"));
    /* Oversized file is refused before parsing. */
    snprintf(path, sizeof path, "%s", tu_path("huge.yaml"));
    f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(fseek(f, 5L << 20, SEEK_SET), 0);
    fputc('\n', f);
    fclose(f);
    CU_ASSERT_EQUAL(ontology_load(path, &o, err, sizeof err), LW_ERR_PARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "too large"));
    CU_ASSERT_EQUAL(ontology_load(tu_path("absent.yaml"), &o, err, sizeof err), LW_ERR_IO);

    /* Catalogue: a hostile entry in an otherwise valid directory names file and line. */
    char dir[512];
    snprintf(dir, sizeof dir, "%s", tu_path("sdks"));
    CU_ASSERT_EQUAL(tu_sh(NULL, "mkdir -p %s", dir), 0);
    snprintf(path, sizeof path, "%s/x.yaml", dir);
    CU_ASSERT_EQUAL(write_file(path, "- id: ok\n  name: n\n  vendor: v\n  source: s\n"
                                     "  domains: [ok.example.com]\n"
                                     "- id: BAD ID\n  domains: 7\n"),
                    0);
    catalog_t *c = NULL;
    CU_ASSERT_EQUAL(catalog_load_dir(dir, &c, err, sizeof err), LW_ERR_PARSE);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "x.yaml:6: SDK entry: missing or bad 'id'"));
    snprintf(path, sizeof path, "%s/y.yaml", dir);
    CU_ASSERT_EQUAL(write_file(path, "{not: a list}\n"), 0);
    CU_ASSERT_EQUAL(tu_sh(NULL, "rm -f %s/x.yaml", dir), 0);
    CU_ASSERT_EQUAL(catalog_load_dir(dir, &c, err, sizeof err), LW_ERR_PARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "y.yaml:1: expected a list of SDK entries"));
    catalog_free(c);
}

/* A device naming a policy that is not loaded is a start-up error with file:line. */
static void test_profile_policy_ids(void)
{
    load_real();
    static const char y[] = "devices:\n  - id: a\n    policy: kago\n"
                            "  - id: b\n    app: x\n    policy: xiaoying-kankkan\n";
    char path[512], err[LW_ERRBUF] = "";
    snprintf(path, sizeof path, "%s", tu_path("pp.yaml"));
    CU_ASSERT_FATAL(write_file(path, y) == 0);
    profile_t *p = NULL;
    CU_ASSERT_FATAL(profile_load(path, &p, err, sizeof err) == 0);
    CU_ASSERT(policy_check_profile(pols, p, "rules", err, sizeof err) == LW_ERR_PARSE);
    CU_ASSERT(strstr(err, "pp.yaml:6: devices[1].policy") != NULL);
    CU_ASSERT(strstr(err, "\"xiaoying-kankkan\"") && strstr(err, "known: ") &&
              strstr(err, "xiaoying-kankan"));
    CU_ASSERT(policy_check_profile(NULL, p, "rules", err, sizeof err) == LW_ERR_PARSE);
    CU_ASSERT(strstr(err, "pp.yaml:3: devices[0].policy") && strstr(err, "no policy files"));
    profile_free(p);
    static const char good[] = "devices:\n  - id: a\n    policy: kago\n  - id: b\n";
    CU_ASSERT_FATAL(write_file(path, good) == 0);
    CU_ASSERT_FATAL(profile_load(path, &p, err, sizeof err) == 0);
    CU_ASSERT(policy_check_profile(pols, p, "rules", err, sizeof err) == 0);
    profile_free(p);
}

static void test_free_null(void)
{
    ontology_free(NULL);
    catalog_free(NULL);
    policy_set_free(NULL);
    CU_ASSERT_EQUAL(catalog_count(NULL), 0);
    CU_ASSERT_PTR_NULL(policy_find(NULL, "x"));
}

int main(void)
{
    static const struct tu_case cases[] = {
        {"ontology leaves and categories", test_ontology_leaves},
        {"ontology synonyms (EN/ZH), vague phrases", test_ontology_synonyms},
        {"ontology category coverage", test_ontology_covers},
        {"catalogue: seed SDKs and capture hosts", test_catalog_real},
        {"catalogue: suffix match edge cases", test_catalog_suffix_edges},
        {"policies: facts read in the seeds", test_policies_real},
        {"verdicts: every kind", test_verdicts},
        {"verdicts: broken and kept transforms", test_broken_transform},
        {"sdk_contact: declared or not", test_sdk_contact},
        {"verdict names", test_verdict_names},
        {"check-rules: real rules are clean", test_check_rules_real},
        {"check-rules: crafted bad dirs", test_check_rules_bad},
        {"hostile YAML names file:line", test_hostile_yaml},
        {"profile names only loaded policies", test_profile_policy_ids},
        {"free(NULL)", test_free_null},
        {NULL, NULL}};
    int rc = tu_run("rules_policy", cases);
    /* The real rules are loaded once and shared by the cases; freed here rather than in
     * a "case" that asserts nothing. */
    policy_set_free(pols);
    catalog_free(cat);
    ontology_free(ont);
    return rc;
}
