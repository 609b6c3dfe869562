/* test_rules_draft.c - the policy drafter's parts on small crafted inputs: text
 * preparation (rules/htmltext.c), the lexicon and the reading of entries
 * (rules/draftlex.c, rules/draft.c), and the policy loader's draft keys (sdk: null,
 * name, confidence). The seed texts are scored by tests/test_draft.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/lwerr.h"
#include "rules/draft.h"
#include "rules/draftlex.h"
#include "rules/htmltext.h"
#include "rules/policy.h"
#include "tests/testutil.h"

#define RULES LW_SOURCE_DIR "/data"

static ontology_t *ont;
static catalog_t *cat;
static draftlex_t *lx;

static void load(void)
{
    char err[LW_ERRBUF];
    if (lx)
        return;
    CU_ASSERT_FATAL(ontology_load(RULES "/ontology.yaml", &ont, err, sizeof err) == 0);
    CU_ASSERT_FATAL(catalog_load_dir(RULES "/sdks", &cat, err, sizeof err) == 0);
    int rc = draftlex_new(ont, cat, &lx, err, sizeof err);
    if (rc)
        fprintf(stderr, "lexicon: %s\n", err);
    CU_ASSERT_FATAL(rc == 0);
}

/* text prepared (must succeed), as a malloc'd string. */
static char *prep(const char *in, size_t len)
{
    char err[LW_ERRBUF], *out = NULL;
    size_t n;
    int rc = htmltext_prepare(in, len, &out, &n, NULL, err, sizeof err);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc)
        fprintf(stderr, "prepare: %s\n", err);
    CU_ASSERT(out == NULL || strlen(out) == n);
    return out;
}

/* Invalid bytes become '?' when they are few: PAD keeps them under 1 byte in 20. */
#define PAD "This privacy policy explains what we collect and why we collect it. "     \
            "This privacy policy explains what we collect and why we collect it. "     \
            "This privacy policy explains what we collect and why we collect it.\n"

static void test_text_plain(void)
{
    static const char in[] = PAD "line one\r\nline two\rthree \xff\xfe end\xe4\xb8";
    char *t = prep(in, sizeof in - 1);
    CU_ASSERT(t && strcmp(t, PAD "line one\nline two\nthree ?? end??") == 0);
    free(t);
    /* Overlong '/', a surrogate, a code point past U+10FFFF: invalid, each byte a '?'. */
    static const char bad[] = PAD "a\xc0\xaf b\xed\xa0\x80 c\xf4\x90\x80\x80 d\xe4\xb8\xad";
    t = prep(bad, sizeof bad - 1);
    CU_ASSERT(t && strcmp(t, PAD "a?? b??? c???? d\xe4\xb8\xad") == 0);
    free(t);
}

static void test_text_refused(void)
{
    char err[LW_ERRBUF], *out = (char *)1;
    size_t n;
    unsigned char junk[4096];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (unsigned char)(i * 7919u >> 3);
    CU_ASSERT_EQUAL(htmltext_prepare((const char *)junk, sizeof junk, &out, &n, NULL, err,
                                     sizeof err), LW_ERR_PARSE);
    CU_ASSERT_PTR_NULL(out);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not text"));
    /* The size is refused before a byte is read. */
    CU_ASSERT_EQUAL(htmltext_prepare("x", (size_t)HTMLTEXT_MAX_INPUT + 1, &out, &n, NULL, err,
                                     sizeof err), LW_ERR_PARSE);
}

static void test_text_html(void)
{
    static const char in[] =
        "<!DOCTYPE html><html><head><title>T</title><script>var a='<p>Umeng SDK</p>';"
        "</script></head><body><h1>Policy</h1><p>We &amp; you: e&#45;mail &#x4E2D;&#20013;"
        " &bogus; &#0; &#xD800;</p><!-- Getui SDK --><table><tr><td>Umeng SDK</td>"
        "<td>IMEI,&nbsp;OAID</td></tr><tr><td>JPush</td><td>MAC</td></tr></table>"
        "<p>Um<b>eng</b></p><style>p{}</style><script>unterminated";
    int html = 0;
    char err[LW_ERRBUF], *t = NULL;
    size_t n;
    CU_ASSERT_EQUAL(htmltext_prepare(in, sizeof in - 1, &t, &n, &html, err, sizeof err), 0);
    CU_ASSERT_EQUAL(html, 1);
    CU_ASSERT_FATAL(t != NULL);
    CU_ASSERT_STRING_EQUAL(t, "Policy\nWe & you: e-mail \xe4\xb8\xad\xe4\xb8\xad &bogus; ? ?\n"
                              "| Umeng SDK | IMEI, OAID\n| JPush | MAC\nUmeng");
    free(t);
    t = prep("<html><p>1 < 2 and 3 > 2</p></html>", 35);
    CU_ASSERT(t && strcmp(t, "1 < 2 and 3 > 2") == 0);
    free(t);
    /* Unterminated constructs end the text, they do not run past it. */
    static const char *const cut[] = {"<html><p>a<!-- b", "<html><p>a<td", "<html><p>a&#x1",
                                      "<html><p>a</", "<html><p>a<script>"};
    for (size_t i = 0; i < sizeof cut / sizeof cut[0]; i++) {
        t = prep(cut[i], strlen(cut[i]));
        CU_ASSERT(t && strncmp(t, "a", 1) == 0);
        free(t);
    }
}

/* Draft text (with the shipped rules) and return the YAML. */
static char *draft_yaml(const char *text)
{
    char err[LW_ERRBUF], *buf = NULL;
    size_t len = 0;
    draft_t *d = NULL;
    struct draft_opts o = {"t", "t.txt"};
    load();
    int rc = draft_build(lx, ont, text, strlen(text), &o, &d, err, sizeof err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    FILE *f = open_memstream(&buf, &len);
    CU_ASSERT_FATAL(f != NULL);
    CU_ASSERT_EQUAL(draft_write_yaml(d, f), 0);
    fclose(f);
    draft_free(d);
    return buf;
}

static void test_draft_entries(void)
{
    char *y = draft_yaml(
        "Appendix II: third-party SDK list\n"
        "Partner Name: Getui Push Service\n"
        "Purpose of Cooperation: Adjust advertising based on device information\n"
        "Shared Personal Information Fields: device identifiers (IMEI, OAID), SSID\n"
        "Adjust advertising delivery strategies based on user device information\n"
        "Tencent BuglyStatistics of crashes, unique device identifier, IMEI\n"
        "Foo Bar SDK\n"
        "Fields: WLAN access point\n");
    CU_ASSERT_PTR_NOT_NULL(strstr(y, "  - sdk: getui\n    declares: [imei, oaid, ssid]\n"
                                     "    vague: [\"device information\"]\n"));
    /* A category before its own leaves only introduces them; after a comma it counts. */
    CU_ASSERT_PTR_NOT_NULL(strstr(y, "  - sdk: tencent-bugly\n    declares: "
                                     "[device_identifier, imei]\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(y, "  - sdk: null\n    name: \"Foo Bar SDK\"\n"
                                     "    declares: [bssid]\n"));
    CU_ASSERT_PTR_NULL(strstr(y, "sdk: adjust")); /* "Adjust advertising" is prose */
    CU_ASSERT_PTR_NOT_NULL(strstr(y, "clause: \"Partner Name: Getui Push Service | "));
    CU_ASSERT_PTR_NOT_NULL(strstr(y, "sdk_catalogue: included\n"));
    free(y);
}

static void test_draft_html_list(void)
{
    /* One <p> per field: the last entry's span goes on past the element boundaries up
     * to the next heading. */
    static const char page[] = "<html><body><h2>Third-party SDK list</h2><p>Umeng SDK</p>"
                               "<p>Fields: IMEI</p><p>Purpose: statistics</p>"
                               "<h2>Security</h2><p>We collect your IMSI</p></body></html>";
    char *t = prep(page, sizeof page - 1);
    CU_ASSERT_FATAL(t != NULL);
    char *y = draft_yaml(t);
    CU_ASSERT_PTR_NOT_NULL(strstr(y, "  - sdk: umeng\n    declares: [imei]\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(y, "  collects: [imsi]\n"));
    free(y);
    free(t);
    /* A Chinese table: cells become " | ", so a name cell is closed by the next one. */
    static const char table[] =
        "<html><body><h3>第三方SDK清单</h3><table><tr><th>SDK名称</th><th>收集个人信息类型"
        "</th></tr><tr><td>友盟SDK</td><td>友盟同欣</td><td>设备标识符（IMEI、OAID）</td></tr>"
        "<tr><td>Umeng</td><td>MAC地址</td></tr></table></body></html>";
    t = prep(table, sizeof table - 1);
    CU_ASSERT_FATAL(t != NULL);
    y = draft_yaml(t);
    /* 友盟 is an alias of umeng in the shipped catalogue: both rows are one entry. */
    CU_ASSERT_PTR_NOT_NULL(strstr(y, "  - sdk: umeng\n    declares: [imei, oaid, mac]\n"));
    CU_ASSERT_PTR_NULL(strstr(y, "sdk: null"));
    free(y);
    free(t);
}

/* A vendor-only name ("Tencent SDK") stands for the one catalogue entry of that vendor
 * whose category its stated use names; with none or several, it stays sdk: null. */
static void test_draft_vendor_use(void)
{
    char *y = draft_yaml("Third-party SDK list\n"
                         "Tencent SDK\n"
                         "Fields: location, IMEI\n"
                         "SDK usage: instant messaging\n"
                         "Baidu SDK\n"
                         "Fields: IMSI\n"
                         "Purpose: advertising, push and crash statistics\n"
                         "Xiaomi SDK\n"
                         "Fields: OAID\n");
    /* "location" among the fields is no use: only the labelled line counts. */
    CU_ASSERT_PTR_NOT_NULL(strstr(y, "  - sdk: tencent-im\n    name: \"Tencent SDK\"\n"
                                     "    declares: [location, imei]\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(y, "| SDK usage: instant messaging\"\n    confidence: 0.5\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(y, "its use 'instant messaging' (messaging) leaves this one "
                                     "of: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(y, "  - sdk: null\n    name: \"Baidu SDK\"\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(y, "  - sdk: null\n    name: \"Xiaomi SDK\"\n") ||
                           strstr(y, "  - sdk: xiaomi-push\n"));
    free(y);
    /* Two entries may not become one id: a later "Tencent Cloud IM" keeps it. */
    y = draft_yaml("Third-party SDK list\n"
                   "Tencent Cloud IM\n"
                   "Fields: IMEI\n"
                   "Tencent SDK\n"
                   "Fields: OAID\n"
                   "Usage: chat\n");
    CU_ASSERT_PTR_NOT_NULL(strstr(y, "  - sdk: tencent-im\n    declares: [imei]\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(y, "  - sdk: null\n    name: \"Tencent SDK\"\n"));
    free(y);
}

static int load_policy_text(const char *body, policy_set_t **out, char *err, size_t errlen);

/* What the text says of a type: negated types are not declared, conditional ones are
 * kept and listed, first-party collection needs a collection word outside definitions,
 * our own contact details and sections about third parties. */
static void test_draft_stance(void)
{
    char *y = draft_yaml("We collect your IMEI and OAID.\n"
                         "We do not collect your MAC address or IMSI.\n"
                         "IMSI is collected for login.\n"
                         "If you choose to turn it on, we collect your GPS.\n"
                         "You can contact us through the contact information below.\n"
                         "Personal information: refers to information such as your phone "
                         "number.\n"
                         "[Third-Party Advertising]\n"
                         "Information type: Android ID\n"
                         "[Account]\n"
                         "Information type: e-mail\n"
                         "We will not collect your serial number, but we collect your ICCID.\n"
                         "Advertising ID (used only locally and not uploaded), IDFV are read.\n");
    CU_ASSERT_PTR_NOT_NULL(strstr(y, "  collects: [imei, oaid, imsi, gps, email, iccid, gaid, "
                                     "idfv]\n  conditional: [gps]\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(y, "not declared: mac, serial\n"));
    /* The loader reads the draft's conditional: as it is. */
    char err[LW_ERRBUF];
    policy_set_t *s = NULL;
    CU_ASSERT_EQUAL(load_policy_text(y, &s, err, sizeof err), 0);
    const struct policy *p = s ? policy_find(s, "t") : NULL;
    CU_ASSERT(p && p->n_fp_conditional == 1 && strcmp(p->fp_conditional[0], "gps") == 0);
    policy_set_free(s);
    free(y);
    y = draft_yaml("我们不会收集您的IMEI。\n"
                   "如您开启定位功能，我们会收集您的位置信息。\n"
                   "我们收集您的手机号码。\n");
    CU_ASSERT_PTR_NOT_NULL(strstr(y, "  collects: [location, phone]\n  conditional: [location]\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(y, "not declared: imei\n"));
    free(y);
    /* In an SDK entry: no collection word needed, the same negation and conditions. */
    y = draft_yaml("Third-party SDK list\n"
                   "Umeng SDK\n"
                   "Fields: IMEI; if you enable ads, OAID\n"
                   "The SDK does not collect your MAC address.\n\n");
    CU_ASSERT_PTR_NOT_NULL(strstr(y, "  - sdk: umeng\n    declares: [imei, oaid]\n"
                                     "    conditional: [oaid]\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(y, "; named as not collected, not declared: mac\"\n"));
    free(y);
}

static void test_draft_no_list(void)
{
    /* SDK names outside an SDK list are no entries; a link makes the list "linked". */
    char *y = draft_yaml("We use Umeng SDK for statistics.\nUmeng SDK\n"
                         "Please click here to view the list of third-party SDKs.\n"
                         "We hash your IMEI with SHA-256; your MAC address is desensitized.\n");
    CU_ASSERT_PTR_NOT_NULL(strstr(y, "sdk_catalogue: linked\nlinked: \"Please click here"));
    CU_ASSERT_PTR_NOT_NULL(strstr(y, "sdks: []\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(y, "transforms: {imei: [sha256]}\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(y, "# promised without a named hash"));
    free(y);
    y = draft_yaml("");
    CU_ASSERT_PTR_NOT_NULL(strstr(y, "collects: []\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(y, "sdk_catalogue: missing\n"));
    free(y);
}

static void test_draft_aliases(void)
{
    char err[LW_ERRBUF];
    catalog_t *c2 = NULL;
    draftlex_t *l2 = NULL;
    draft_t *d = NULL;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/alias", tu_tmpdir());
    tu_sh(NULL, "rm -rf '%s' && mkdir -p '%s/imported'", dir, dir);
    static const char sdks[] = "- id: umeng\n  name: Umeng\n  vendor: Alibaba\n"
                               "  domains: [umeng.com]\n  source: test\n"
                               "  aliases: [\"友盟\", \"U-App\"]\n";
    /* An imported list's label for the same id: an alias of the catalogue, not a name
     * the drafter looks for. */
    static const char imp[] = "- id: umeng\n  name: Feedback Kit\n  vendor: x\n"
                              "  domains: [umeng.cn]\n  source: import\n";
    char path[600];
    snprintf(path, sizeof path, "%s/a.yaml", dir);
    CU_ASSERT_FATAL(tu_write(path, sdks, sizeof sdks - 1) == 0);
    snprintf(path, sizeof path, "%s/imported/b.yaml", dir);
    CU_ASSERT_FATAL(tu_write(path, imp, sizeof imp - 1) == 0);
    load();
    CU_ASSERT_FATAL(catalog_load_dir(dir, &c2, err, sizeof err) == 0);
    const struct sdk_entry *e = catalog_find(c2, "umeng");
    CU_ASSERT_FATAL(e != NULL);
    CU_ASSERT_EQUAL(e->n_own_aliases, 2);
    CU_ASSERT_EQUAL(e->n_aliases, 3);
    CU_ASSERT_STRING_EQUAL(e->aliases[0], "友盟");
    CU_ASSERT_FATAL(draftlex_new(ont, c2, &l2, err, sizeof err) == 0);
    static const char text[] = "第三方SDK清单\nSDK名称：友盟\n收集信息：设备标识符、MAC地址\n"
                               "SDK名称：Feedback Kit\n收集信息：IMEI\n";
    struct draft_opts o = {"t", "t.txt"};
    CU_ASSERT_FATAL(draft_build(l2, ont, text, sizeof text - 1, &o, &d, err, sizeof err) == 0);
    CU_ASSERT_EQUAL(draft_nsdks(d), 1);
    CU_ASSERT_STRING_EQUAL(draft_sdk_id(d, 0, NULL), "umeng");
    draft_free(d);
    draftlex_free(l2);
    catalog_free(c2);
}

/* A policies dir holding one file with body; returns the load status. */
static int load_policy_text(const char *body, policy_set_t **out, char *err, size_t errlen)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/pol", tu_tmpdir());
    tu_sh(NULL, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    snprintf(dir + strlen(dir), sizeof dir - strlen(dir), "/p.yaml");
    CU_ASSERT_FATAL(tu_write(dir, body, strlen(body)) == 0);
    *strrchr(dir, '/') = '\0';
    return policy_load_dir(dir, ont, cat, out, err, errlen);
}

static void test_policy_draft_keys(void)
{
    static const char head[] = "id: p\napp: a\nsource: s\nfirst_party: {collects: [], "
                               "domains: []}\nsdks:\n";
    char body[1024], err[LW_ERRBUF];
    policy_set_t *s = NULL;
    load();
    snprintf(body, sizeof body, "%s  - {sdk: null, name: \"Tencent SDK\", declares: [imei], "
             "clause: c, confidence: 0.3}\n  - {sdk: umeng, declares: [], clause: c, "
             "confidence: 1, conditional: []}\n  - {sdk: ~, name: Other, declares: [imei, oaid], "
             "conditional: [OAID], clause: c}\n", head);
    CU_ASSERT_EQUAL_FATAL(load_policy_text(body, &s, err, sizeof err), 0);
    const struct policy *p = policy_find(s, "p");
    CU_ASSERT_FATAL(p && p->n_sdks == 3);
    CU_ASSERT_PTR_NULL(p->sdks[0].sdk);
    CU_ASSERT_STRING_EQUAL(p->sdks[0].name, "Tencent SDK");
    CU_ASSERT_DOUBLE_EQUAL(p->sdks[0].confidence, 0.3, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(p->sdks[1].confidence, 1.0, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(p->sdks[2].confidence, -1.0, 1e-9);
    CU_ASSERT_EQUAL(p->sdks[2].n_conditional, 1);
    CU_ASSERT_STRING_EQUAL(p->sdks[2].conditional[0], "oaid");
    CU_ASSERT_EQUAL(p->sdks[1].n_conditional, 0);
    CU_ASSERT_PTR_NULL(policy_sdk_find(p, "null"));
    CU_ASSERT_PTR_NOT_NULL(policy_sdk_find(p, "umeng"));
    policy_set_free(s);
    static const char *const bad[][2] = {
        {"  - {sdk: null, declares: [], clause: c}\n", "needs the 'name'"},
        {"  - {sdk: umeng, declares: [], clause: c, confidence: 1.5}\n", "confidence"},
        {"  - {sdk: umeng, declares: [], clause: c, confidence: high}\n", "confidence"},
        {"  - {sdk: \"null\", name: x, declares: [], clause: c}\n", "missing from the catalogue"},
        {"  - {sdk: null, name: [x], declares: [], clause: c}\n", "'name' must be a string"},
        {"  - {sdk: umeng, declares: [imei], conditional: [oaid], clause: c}\n",
         "conditional: \"oaid\" is not declared beside it"},
        {"  - {sdk: umeng, declares: [imei], conditional: [blah], clause: c}\n",
         "unknown identifier type \"blah\""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(body, sizeof body, "%s%s", head, bad[i][0]);
        s = NULL;
        CU_ASSERT(load_policy_text(body, &s, err, sizeof err) < 0);
        if (!strstr(err, bad[i][1]))
            fprintf(stderr, "case %zu: \"%s\" lacks \"%s\"\n", i, err, bad[i][1]);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i][1]));
        policy_set_free(s);
    }
}

static void cleanup(void)
{
    draftlex_free(lx);
    catalog_free(cat);
    ontology_free(ont);
}

int main(void)
{
    static const struct tu_case cases[] = {
        {"text: plain, line ends, invalid UTF-8", test_text_plain},
        {"text: binary and oversize refused", test_text_refused},
        {"text: HTML flattened", test_text_html},
        {"draft: entries, spans, types, unknown names", test_draft_entries},
        {"draft: an HTML page with one element per field", test_draft_html_list},
        {"draft: a vendor-only name resolved by its stated use", test_draft_vendor_use},
        {"draft: negation, conditions, first-party collection", test_draft_stance},
        {"draft: no list, linked list, transforms, empty", test_draft_no_list},
        {"draft: catalogue aliases", test_draft_aliases},
        {"policy: sdk null, name, confidence", test_policy_draft_keys},
        {NULL, NULL},
    };
    int rc = tu_run("rules_draft", cases);
    cleanup();
    return rc;
}
