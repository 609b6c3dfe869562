/* test_rules_profile.c - the lab profile loader: the DESIGN.md example shape, every
 * refusal with file:line and field path in the message, and hostile YAML (alias
 * bomb, deep nesting, huge scalars, NUL bytes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/idtype.h"
#include "rules/profile.h"
#include "common/lwerr.h"
#include "tests/testutil.h"

static int load_text(const char *name, const char *text, size_t len, profile_t **p, char *err)
{
    CU_ASSERT_FATAL(tu_write(tu_path(name), text, len) == 0);
    return profile_load(tu_path(name), p, err, LW_ERRBUF);
}

static void test_lab_profile(void)
{
    char err[LW_ERRBUF];
    profile_t *p;
    int rc = profile_load(LW_SOURCE_DIR "/tests/data/rules/lab.yaml", &p, err, sizeof err);
    if (rc)
        fprintf(stderr, "%s\n", err);
    CU_ASSERT_FATAL(rc == 0);
    CU_ASSERT(profile_ndevices(p) == 2);
    const struct profile_device *d = profile_device(p, 0);
    CU_ASSERT_STRING_EQUAL(d->id, "pixel6-a");
    CU_ASSERT_STRING_EQUAL(d->app, "com.weipai.xiaoyingkankan");
    CU_ASSERT_STRING_EQUAL(d->policy, "xiaoying-kankan");
    static const uint8_t mac[6] = {0x3c, 0x28, 0x6d, 0x11, 0x22, 0x33};
    static const uint8_t ip4[4] = {192, 168, 50, 23};
    CU_ASSERT(d->has_mac && !memcmp(d->mac, mac, 6));
    CU_ASSERT(d->ip_family == 4 && !memcmp(d->ip, ip4, 4));
    CU_ASSERT(profile_find_mac(p, mac) == 0);
    CU_ASSERT(profile_find_ip(p, 4, ip4) == 0);
    CU_ASSERT(profile_device(p, 1)->ip_family == 6);
    CU_ASSERT(profile_device(p, 2) == NULL);
    int gps = 0, ssid = 0;
    for (size_t i = 0; i < d->n_idents; i++) {
        if (!strcmp(d->idents[i].type, "gps")) {
            gps++;
            CU_ASSERT_STRING_EQUAL(d->idents[i].value, "22.5431,114.0579");
            CU_ASSERT(d->idents[i].line == 24);
        }
        ssid += !strcmp(d->idents[i].type, "ssid");
        CU_ASSERT(idtype_find(d->idents[i].type) != NULL);
    }
    CU_ASSERT(gps == 1 && ssid == 2);
    CU_ASSERT(profile_device(p, 1)->n_idents == 3);
    profile_free(p);
    profile_free(NULL);
}

static void test_idtype_table(void)
{
    static const char *const names[] = {
        "imei", "meid", "android_id", "oaid", "gaid", "idfa", "idfv", "serial", "openudid",
        "guid", "uaid", "mac", "bssid", "ssid", "wifi_password", "ip", "imsi", "iccid", "phone",
        "gps", "cell", "email"};
    CU_ASSERT(idtype_count() == sizeof names / sizeof names[0]);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        CU_ASSERT(idtype_find(names[i]) != NULL);
    CU_ASSERT_STRING_EQUAL(idtype_category("imei"), "device_identifier");
    CU_ASSERT_STRING_EQUAL(idtype_category("bssid"), "network");
    CU_ASSERT_STRING_EQUAL(idtype_category("iccid"), "sim");
    CU_ASSERT_STRING_EQUAL(idtype_category("gps"), "location");
    CU_ASSERT_STRING_EQUAL(idtype_category("email"), "personal");
    CU_ASSERT(idtype_find("location") == NULL && idtype_at(idtype_count()) == NULL);
    /* Luhn vectors: 490154203237518 is the GSMA example IMEI; one digit off fails */
    CU_ASSERT(idtype_luhn_ok("490154203237518", 15));
    CU_ASSERT(!idtype_luhn_ok("490154203237519", 15));
    CU_ASSERT(!idtype_luhn_ok("4901542032375a8", 15));
    uint8_t m[6];
    CU_ASSERT(idtype_parse_mac("3c28.6d11.2233", 14, m) && m[5] == 0x33);
    CU_ASSERT(!idtype_parse_mac("3c:28-6d:11:22:33", 17, m));
    CU_ASSERT(idtype_parse_mac("01:00:5e:00:00:fb", 17, m) && !idtype_mac_plausible(m));
    /* Degrees: a profile's coordinate (fraction optional) and a leaked one (>= 3 digits). */
    double d = 0;
    CU_ASSERT(idtype_degree("-33", 3, 90.0, 0, NULL));
    CU_ASSERT(idtype_degree("+151.209", 8, 180.0, 3, &d) && d > 151.208 && d < 151.210);
    CU_ASSERT(!idtype_degree("151.2", 5, 180.0, 3, NULL)); /* too coarse to be a leak */
    CU_ASSERT(!idtype_degree("95.1", 4, 90.0, 0, NULL));   /* out of range */
    CU_ASSERT(!idtype_degree("12.", 3, 90.0, 0, NULL));    /* '.' needs a digit */
    CU_ASSERT(!idtype_degree("1234.5", 6, 180.0, 0, NULL));
}

static void test_refusals(void)
{
    static const struct {
        const char *yaml, *want[3];
    } bad[] = {
        {"devices:\n  - id: a\n    identifiers:\n      imei: \"869012045678913\"\n",
         {":4: ", "devices[0].identifiers.imei", "fails the Luhn check"}},
        {"devices:\n  - id: a\n    identifiers:\n      mac: \"3c:28:6d:11:22\"\n",
         {":4: ", "devices[0].identifiers.mac", "not a MAC"}},
        {"devices:\n  - id: a\n    mac: zz:28:6d:11:22:33\n",
         {":3: ", "devices[0].mac", "not a MAC"}},
        {"devices:\n  - id: a\n    ip: 192.168.1.300\n",
         {":3: ", "devices[0].ip", "not an IPv4 or IPv6"}},
        {"devices:\n  - id: a\n    identifiers:\n      ip: \"10.0.0\"\n",
         {":4: ", "devices[0].identifiers.ip", "not an IPv4"}},
        {"devices:\n  - id: a\n    identifiers:\n      oaid: \"\"\n",
         {":4: ", "devices[0].identifiers.oaid", "empty value"}},
        {"devices:\n  - id: a\n    identifiers:\n      fingerprint: abc\n",
         {":4: ", "devices[0].identifiers.fingerprint", "unknown identifier type"}},
        {"devices:\n  - id: a\n  - id: b\n  - id: a\n",
         {":4: ", "devices[2]", "duplicate device id \"a\""}},
        {"devices:\n  - id: a\n    identifers:\n      imei: \"869012045678914\"\n",
         {":3: ", "devices[0].identifers", "unknown device field"}},
        {"devices:\n  - app: x\n", {":2: ", "devices[0]", "missing id"}},
        {"device:\n  - id: a\n", {":1: ", "unknown top-level field", NULL}},
        {"devices:\n  - id: a\n    identifiers:\n      imei: [\"869012045678914\", "
         "\"869012045678914\"]\n",
         {":4: ", "devices[0].identifiers.imei[1]", "duplicate value"}},
        {"devices:\n  - id: a\n    identifiers:\n      location: {lat: 95.1, lon: 10.0}\n",
         {":4: ", "devices[0].identifiers.location", "lat,lon"}},
        {"devices:\n  - id: a\n    identifiers:\n      idfa: not-a-uuid\n",
         {":4: ", "devices[0].identifiers.idfa", "not a UUID"}},
        {"devices:\n  - id: a\n    identifiers:\n      imsi: \"001011234567890\"\n",
         {":4: ", "imsi", "MCC"}},
        {"devices:\n  - id: a\n    identifiers:\n      imei: \"86901204\\0678914\"\n",
         {":4: ", "devices[0].identifiers.imei", "NUL byte"}},
        {"devices:\n  - id: a\n    identifiers: [1, 2]\n",
         {":3: ", "devices[0].identifiers", "mapping"}},
        {"devices:\n  - id: a\n   bad: [\n", {":", "YAML syntax", NULL}},
        {"", {":1: ", "empty profile", NULL}},
        {"devices:\n  - id: a\n    first_party_domains: [Api.Example.com]\n",
         {":3: ", "devices[0].first_party_domains", "not a domain"}},
        {"devices:\n  - id: a\n    first_party_domains: [\"x.com/path\"]\n",
         {":3: ", "devices[0].first_party_domains", "not a domain"}},
        {"devices:\n  - id: a\n    first_party_domains: example.com\n",
         {":3: ", "devices[0].first_party_domains", "list of domains"}},
        {"devices:\n  - id: a\n    apps:\n      - policy: x\n",
         {":4: ", "devices[0].apps[0]", "needs package, uid or name"}},
        {"devices:\n  - id: a\n    apps:\n      - uid: -3\n",
         {":4: ", "devices[0].apps[0].uid", "Android UID"}},
        {"devices:\n  - id: a\n    apps:\n      - uid: 10x\n",
         {":4: ", "devices[0].apps[0].uid", "Android UID"}},
        {"devices:\n  - id: a\n    apps:\n      - package: a.b\n      - package: a.b\n",
         {":5: ", "devices[0].apps[1]", "the same app as apps[0] (line 4)"}},
        {"devices:\n  - id: a\n    apps:\n      - packages: a.b\n",
         {":4: ", "devices[0].apps[0].packages", "did you mean \"package\""}},
        {"devices:\n  - id: a\n    apps: com.a\n",
         {":3: ", "devices[0].apps", "list of apps"}},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[LW_ERRBUF] = "";
        profile_t *p = (profile_t *)1;
        int rc = load_text("bad.yaml", bad[i].yaml, strlen(bad[i].yaml), &p, err);
        CU_ASSERT(rc == LW_ERR_PARSE);
        CU_ASSERT(p == NULL);
        CU_ASSERT(strstr(err, "bad.yaml") != NULL);
        int ok = 1;
        for (int k = 0; k < 3; k++)
            if (bad[i].want[k] && !strstr(err, bad[i].want[k]))
                ok = 0;
        if (!ok)
            fprintf(stderr, "\n  case %zu: message \"%s\"\n", i, err);
        CU_ASSERT(ok);
    }
    char err[LW_ERRBUF];
    profile_t *p;
    CU_ASSERT(profile_load(tu_path("does-not-exist.yaml"), &p, err, sizeof err) == LW_ERR_IO);
    CU_ASSERT(strstr(err, "does-not-exist.yaml") != NULL);
}

/* The lab's own first-party hosts: suffix match on a label boundary, any case. */
static void test_first_party_domains(void)
{
    static const char y[] = "devices:\n  - id: a\n    first_party_domains: [api.example.com, "
                            "kago.example]\n  - id: b\n";
    char err[LW_ERRBUF];
    profile_t *p;
    CU_ASSERT_FATAL(load_text("fp.yaml", y, sizeof y - 1, &p, err) == 0);
    const struct profile_device *a = profile_device(p, 0), *b = profile_device(p, 1);
    CU_ASSERT(a->n_fp_domains == 2);
    CU_ASSERT(profile_is_first_party(a, "api.example.com", 15));
    CU_ASSERT(profile_is_first_party(a, "eu.API.example.com", 18));
    CU_ASSERT(profile_is_first_party(a, "kago.example", 12));
    CU_ASSERT(!profile_is_first_party(a, "badapi.example.com", 18));
    CU_ASSERT(!profile_is_first_party(a, "example.com", 11));
    CU_ASSERT(!profile_is_first_party(b, "api.example.com", 15));
    CU_ASSERT(!profile_is_first_party(NULL, "api.example.com", 15));
    profile_free(p);
}

/* apps: which entry a capture's app (uid, package, label) is. */
static void test_apps(void)
{
    static const char y[] = "devices:\n  - id: a\n    policy: dev\n    apps:\n"
                            "      - {uid: 10123, package: com.shop, policy: shop,"
                            " first_party_domains: [api.shop.example]}\n"
                            "      - {name: News, policy: news}\n"
                            "      - {package: com.only}\n";
    char err[LW_ERRBUF];
    profile_t *p;
    int rc = load_text("apps.yaml", y, sizeof y - 1, &p, err);
    if (rc)
        fprintf(stderr, "%s\n", err);
    CU_ASSERT_FATAL(rc == 0);
    const struct profile_device *d = profile_device(p, 0);
    CU_ASSERT_FATAL(d->n_apps == 3);
    const struct profile_app *shop = &d->apps[0], *news = &d->apps[1], *only = &d->apps[2];
    CU_ASSERT(shop->has_uid && shop->uid == 10123 && shop->line == 5);
    CU_ASSERT_STRING_EQUAL(shop->policy, "shop");
    CU_ASSERT(only->policy == NULL);
    /* pcap trailer: UID and label, no package */
    CU_ASSERT(profile_find_app(d, 10123, "", "Shop") == shop);
    CU_ASSERT(profile_find_app(d, 10124, NULL, "News") == news);
    CU_ASSERT(profile_find_app(d, 10125, "", "Other") == NULL);
    /* pcapng: all three; a given key that differs rules the entry out */
    CU_ASSERT(profile_find_app(d, 10123, "com.shop", "Shop") == shop);
    CU_ASSERT(profile_find_app(d, 10123, "com.other", "Shop") == NULL);
    CU_ASSERT(profile_find_app(d, 10999, "com.shop", "Shop") == NULL);
    CU_ASSERT(profile_find_app(d, 1, "com.only", "") == only);
    /* a package-only entry cannot be told from a capture without packages */
    CU_ASSERT(profile_find_app(d, 1, "", "Only") == NULL);
    CU_ASSERT(profile_app_is_first_party(shop, "eu.api.shop.example", 19));
    CU_ASSERT(!profile_app_is_first_party(news, "eu.api.shop.example", 19));
    CU_ASSERT(!profile_app_is_first_party(NULL, "eu.api.shop.example", 19));
    profile_free(p);
}

static void test_hostile(void)
{
    char err[LW_ERRBUF];
    profile_t *p;
    /* billion laughs */
    const char *bomb = "a: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n"
                       "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
                       "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
                       "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
                       "devices: [*d]\n";
    CU_ASSERT(load_text("bomb.yaml", bomb, strlen(bomb), &p, err) == LW_ERR_PARSE);
    CU_ASSERT(strstr(err, "bomb.yaml:2:") && strstr(err, "aliases"));
    /* 100000 levels of nesting */
    size_t depth = 100000;
    char *deep = malloc(2 * depth + 16);
    CU_ASSERT_FATAL(deep != NULL);
    strcpy(deep, "devices: ");
    memset(deep + 9, '[', depth);
    memset(deep + 9 + depth, ']', depth);
    deep[9 + 2 * depth] = '\n';
    CU_ASSERT(load_text("deep.yaml", deep, 10 + 2 * depth, &p, err) == LW_ERR_PARSE);
    CU_ASSERT(strstr(err, "deep.yaml:1:") && strstr(err, "nesting"));
    free(deep);
    /* a 1 MB scalar */
    size_t big = 1 << 20;
    char *huge = malloc(big + 64);
    CU_ASSERT_FATAL(huge != NULL);
    int n = sprintf(huge, "devices:\n  - id: a\n    identifiers:\n      ssid: ");
    memset(huge + n, 'A', big);
    huge[n + big] = '\n';
    CU_ASSERT(load_text("huge.yaml", huge, (size_t)n + big + 1, &p, err) == LW_ERR_PARSE);
    CU_ASSERT(strstr(err, "huge.yaml:4:") && strstr(err, "scalar"));
    free(huge);
    /* a raw NUL byte in the file */
    static const char nul[] = "devices:\n  - id: a\0b\n";
    CU_ASSERT(load_text("nul.yaml", nul, sizeof nul - 1, &p, err) == LW_ERR_PARSE);
    CU_ASSERT(strstr(err, "nul.yaml:") != NULL);
    /* a value longer than a type allows, well under the scalar limit */
    char longv[400];
    n = sprintf(longv, "devices:\n  - id: a\n    identifiers:\n      wifi_password: ");
    memset(longv + n, 'p', 200);
    longv[n + 200] = '\n';
    CU_ASSERT(load_text("long.yaml", longv, (size_t)n + 201, &p, err) == LW_ERR_PARSE);
    CU_ASSERT(strstr(err, "long.yaml:4:") && strstr(err, "128"));
    /* two documents */
    const char *two = "devices: []\n---\ndevices: []\n";
    CU_ASSERT(load_text("two.yaml", two, strlen(two), &p, err) == LW_ERR_PARSE);
    /* Issue 20: sizes. 1025 values for one device (1024 load), 4097 devices (4096 load). */
    for (int over = 0; over < 2; over++) {
        size_t nv = 1024 + (size_t)over, cap = 64 + nv * 32, k = 0;
        char *t = malloc(cap);
        CU_ASSERT_FATAL(t != NULL);
        k += (size_t)sprintf(t + k, "devices:\n  - id: a\n    identifiers:\n      ssid:\n");
        for (size_t i = 0; i < nv; i++)
            k += (size_t)sprintf(t + k, "        - net%zu\n", i);
        int rc = load_text("many.yaml", t, k, &p, err);
        CU_ASSERT_EQUAL(rc, over ? LW_ERR_PARSE : 0);
        if (over) {
            CU_ASSERT(strstr(err, "more than 1024 identifier values") != NULL);
        } else {
            profile_free(p);
        }
        free(t);
        size_t nd = 4096 + (size_t)over;
        t = malloc(32 + nd * 24);
        CU_ASSERT_FATAL(t != NULL);
        k = (size_t)sprintf(t, "devices:\n");
        for (size_t i = 0; i < nd; i++)
            k += (size_t)sprintf(t + k, "  - id: d%zu\n", i);
        rc = load_text("devs.yaml", t, k, &p, err);
        CU_ASSERT_EQUAL(rc, over ? LW_ERR_PARSE : 0);
        if (over) {
            CU_ASSERT(strstr(err, "more than 4096 devices") != NULL);
        } else {
            profile_free(p);
        }
        free(t);
    }
}

int main(void)
{
    static const struct tu_case cases[] = {
        {"lab profile loads", test_lab_profile},
        {"identifier type table", test_idtype_table},
        {"malformed profiles are refused with file:line and field", test_refusals},
        {"first_party_domains", test_first_party_domains},
        {"apps: per-app policies, matched on what the capture gives", test_apps},
        {"hostile YAML", test_hostile},
        {NULL, NULL},
    };
    return tu_run("rules_profile", cases);
}
