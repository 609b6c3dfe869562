/* generic.c - the key lexicon, the few shape patterns and the validation of values
 * found behind them. See generic.h for the confidence model. Stateless: the
 * matcher owns the bytes and the per-stream state. */
#include "rules/generic.h"

#include <hs/hs.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "common/ascii.h"

/* Key at a word boundary, optional closing quote (JSON, possibly escaped inside
 * another JSON string), optional blanks, then ':' '=' or '>' (XML). The match ends
 * at the separator so a key fires once; the value is read by the matcher. */
#define KEYRX_FMT "(?:^|[^A-Za-z0-9_])(?:%s)\\\\?[\"']?[ \\t]{0,3}[:=>]"
#define KEYED(name, alts) {name, alts, NULL, HS_FLAG_CASELESS, 1, 0, GENERIC_CS_VALUE}
#define HX "[0-9A-Fa-f]"

static const struct generic_pattern generic_table[] = {
    KEYED("imei", "imei|imei1|imei2|imei_1|imei_2|deviceimei|device_imei|phoneimei"),
    KEYED("meid", "meid|meid1"),
    KEYED("android_id", "android_id|androidid|android-id"),
    KEYED("oaid", "oaid|oa_id"),
    KEYED("gaid", "gaid|adid|advertising_id|advertisingid|google_aid|googleadid"),
    KEYED("idfa", "idfa"),
    KEYED("idfv", "idfv"),
    KEYED("device", "deviceid|device_id|device-id|udid|dev_id|devid"),
    KEYED("mac", "mac|wifimac|wifi_mac|macaddr|mac_addr|macaddress|mac_address|localmac|"
                 "local_mac"),
    KEYED("bssid", "bssid|wifi_bssid|wifibssid|ap_mac"),
    KEYED("ssid", "ssid|wifi_ssid|wifissid|wifiname|wifi_name"),
    KEYED("imsi", "imsi|imsi1|imsi2"),
    KEYED("iccid", "iccid|simserial|sim_serial|simserialnumber"),
    KEYED("phone", "phone|mobile|phonenum|phone_num|phonenumber|phone_number|msisdn|"
                   "mobile_no|mobileno"),
    KEYED("lat", "lat|latitude"),
    KEYED("lon", "lon|lng|longitude"),
    /* Bare shapes: keep last, generic_npatterns() cuts them off. The leading class
     * makes each fire once per token; the right edge is checked by reading on. */
    {"bare-digits", NULL, "(?:^|[^0-9])[0-9]{11}", 0, 0, 11, GENERIC_CS_DIGIT},
    {"bare-mac", NULL, "(?:^|[^0-9A-Fa-f:-])" HX "{2}(?::" HX "{2}){5}", 0, 0, 17, GENERIC_CS_HEXSEP},
    {"bare-mac", NULL, "(?:^|[^0-9A-Fa-f:-])" HX "{2}(?:-" HX "{2}){5}", 0, 0, 17, GENERIC_CS_HEXSEP},
    {"bare-uuid", NULL, "(?:^|[^0-9A-Fa-f-])" HX "{8}-" HX "{4}-" HX "{4}-" HX "{4}-" HX "{12}", 0, 0,
     36, GENERIC_CS_HEXSEP},
};

#define GENERIC_N (sizeof generic_table / sizeof generic_table[0])
#define GENERIC_NKEYED 16

size_t generic_npatterns(double min_confidence)
{
    return min_confidence <= GENERIC_CONF_BARE + 1e-9 ? GENERIC_N : GENERIC_NKEYED;
}

int generic_regex(const struct generic_pattern *gp, char *out, size_t cap)
{
    int k = gp->keyed ? snprintf(out, cap, KEYRX_FMT, gp->alts) : snprintf(out, cap, "%s", gp->regex);
    return k < 0 || (size_t)k >= cap ? -1 : k;
}

/* Every lexicon key, lower case, in a hash table built once: dissectors call
 * generic_find_key() for each header and parameter they decode, so walking the '|'
 * lists there was most of the cost of a busy HTTP flow (and a binary search, with a
 * strcmp() per step, most of what was left). */
#define GENERIC_KEY_MAX 24
#define GENERIC_NKEYS_MAX 128
#define GKEY_SLOTS 512   /* a power of two, at least four times GENERIC_NKEYS_MAX */

struct gkey {
    char k[GENERIC_KEY_MAX];
    size_t len;
    const struct generic_pattern *gp;
};

static struct gkey gkeys[GENERIC_NKEYS_MAX];
static size_t ngkeys;
static uint8_t gkey_slot[GKEY_SLOTS];   /* index + 1 into gkeys; 0: empty */
/* Which (length, first letter) and (length, last letter) pairs some key has: most
 * keys an SDK sends are no lexicon key, and these turn them away before the
 * lower-casing and the search. */
static uint32_t gkey_first[GENERIC_KEY_MAX][8], gkey_last[GENERIC_KEY_MAX][8];
static pthread_once_t gkeys_once = PTHREAD_ONCE_INIT;
/* Set (release) once the tables are built: the lookup, called for every key, then
 * skips the pthread_once() call. */
static atomic_int gkeys_ready;

/* FNV-1a of the key lowered into low[0..len) on the way. */
static uint32_t gkey_lower_hash(char *low, const char *key, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        low[i] = (char)ascii_lower((unsigned char)key[i]);
        h = (h ^ (unsigned char)low[i]) * 16777619u;
    }
    return h;
}

/* Where key (lower case) is, or the empty slot where it would go. */
static uint8_t *gkey_probe(const char *low, size_t len, uint32_t h)
{
    for (uint32_t s = h & (GKEY_SLOTS - 1);; s = (s + 1) & (GKEY_SLOTS - 1)) {
        uint8_t *x = &gkey_slot[s];
        if (!*x || (gkeys[*x - 1].len == len && !memcmp(gkeys[*x - 1].k, low, len)))
            return x;
    }
}

static void gkeys_build(void)
{
    for (size_t i = 0; i < GENERIC_NKEYED; i++) {
        for (const char *a = generic_table[i].alts; *a;) {
            size_t n = strcspn(a, "|");
            /* The table is ours: a key too long or too many keys is a build mistake
             * that the unit test catches (generic_find_key would miss it). */
            struct gkey *g = &gkeys[ngkeys];
            if (n && n < GENERIC_KEY_MAX && ngkeys < GENERIC_NKEYS_MAX) {
                uint8_t *slot = gkey_probe(g->k, n, gkey_lower_hash(g->k, a, n));
                if (!*slot) {   /* a key of two patterns: the first one's */
                    g->len = n;
                    g->gp = &generic_table[i];
                    *slot = (uint8_t)++ngkeys;
                    unsigned char c = (unsigned char)g->k[0], z = (unsigned char)g->k[n - 1];
                    gkey_first[n][c >> 5] |= 1u << (c & 31);
                    gkey_last[n][z >> 5] |= 1u << (z & 31);
                }
            }
            a += n + (a[n] == '|');
        }
    }
    atomic_store_explicit(&gkeys_ready, 1, memory_order_release);
}

/* The search itself, apart: its buffer (and the stack protector's check that comes
 * with one) is not paid by the keys the letter tests turn away. */
static __attribute__((noinline)) const struct generic_pattern *gkey_search(const char *key,
                                                                           size_t len)
{
    char low[GENERIC_KEY_MAX];
    const uint8_t *x = gkey_probe(low, len, gkey_lower_hash(low, key, len));
    return *x ? gkeys[*x - 1].gp : NULL;
}

const struct generic_pattern *generic_find_key(const char *key, size_t len)
{
    if (!key || len == 0 || len >= GENERIC_KEY_MAX)
        return NULL;
    if (!atomic_load_explicit(&gkeys_ready, memory_order_acquire))
        pthread_once(&gkeys_once, gkeys_build);
    unsigned char c = (unsigned char)ascii_lower((unsigned char)key[0]);
    unsigned char z = (unsigned char)ascii_lower((unsigned char)key[len - 1]);
    if (!(gkey_first[len][c >> 5] & (1u << (c & 31))) ||
        !(gkey_last[len][z >> 5] & (1u << (z & 31))))
        return NULL;
    return gkey_search(key, len);
}

const struct generic_pattern *generic_pattern(size_t i)
{
    return i < GENERIC_N ? &generic_table[i] : NULL;
}

static int gen_set(struct generic_result *r, const char *type, double conf)
{
    r->type = idtype_find(type);
    r->half = 0;
    r->confidence = conf;
    return r->type != NULL;
}

static int gen_uuid_nonzero(const char *v, size_t n)
{
    if (!idtype_is_uuid(v, n))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] != '0' && v[i] != '-')
            return 1;
    return 0;   /* all zeros: "limit ad tracking" placeholder, not an identifier */
}

static int gen_hex_nonzero(const char *v, size_t n)
{
    if (!idtype_all_hex(v, n))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] != '0')
            return 1;
    return 0;
}

/* A 15-digit Luhn run that is not a filler such as 000000000000000. */
static int gen_imei(const char *v, size_t n)
{
    if (n != 15 || !idtype_luhn_ok(v, n))
        return 0;
    int distinct = 0, seen[10] = {0};
    for (size_t i = 0; i < n; i++)
        if (!seen[v[i] - '0']++)
            distinct++;
    return distinct > 2;
}

static int gen_mac(const char *v, size_t n)
{
    uint8_t m[6];
    return idtype_parse_mac(v, n, m) && idtype_mac_plausible(m);
}

static int gen_cn_mobile(const char *v, size_t n)
{
    return n == 11 && idtype_all_digits(v, n) && v[0] == '1' && v[1] >= '3' && v[1] <= '9';
}

static int gen_phone(const char *v, size_t n)
{
    if (gen_cn_mobile(v, n))
        return 1;
    if (n == 13 && v[0] == '8' && v[1] == '6' && gen_cn_mobile(v + 2, 11))
        return 1;
    return n >= 9 && n <= 16 && v[0] == '+' && v[1] != '0' && idtype_all_digits(v + 1, n - 1);
}

/* Decimal degrees with at least 3 fraction digits (coarser is not a location leak). */
static int gen_degree(const char *v, size_t n, double lim)
{
    double d;
    return idtype_degree(v, n, lim, 3, &d) && d != 0.0;
}

int generic_classify(const struct generic_pattern *gp, const char *v, size_t n,
                     struct generic_result *r)
{
    const char *k = gp->name;
    memset(r, 0, sizeof *r);
    if (n == 0 || n > GENERIC_MAX_VALUE)
        return 0;
    if (!strcmp(k, "imei")) {
        if (gen_imei(v, n))
            return gen_set(r, "imei", GENERIC_CONF_KEYED);
        if (n == 14 && gen_hex_nonzero(v, n))
            return gen_set(r, "meid", GENERIC_CONF_KEYED);
    } else if (!strcmp(k, "meid")) {
        if ((n == 14 && gen_hex_nonzero(v, n)) || (n == 18 && idtype_all_digits(v, n)))
            return gen_set(r, "meid", GENERIC_CONF_KEYED);
        if (gen_imei(v, n))
            return gen_set(r, "imei", GENERIC_CONF_KEYED);
    } else if (!strcmp(k, "android_id")) {
        if (n >= 8 && n <= 16 && gen_hex_nonzero(v, n))
            return gen_set(r, "android_id", n == 16 ? GENERIC_CONF_KEYED : GENERIC_CONF_KEYED_WEAK);
    } else if (!strcmp(k, "oaid")) {
        if (gen_uuid_nonzero(v, n) || (n >= 16 && gen_hex_nonzero(v, n)))
            return gen_set(r, "oaid", GENERIC_CONF_KEYED);
    } else if (!strcmp(k, "gaid") || !strcmp(k, "idfa") || !strcmp(k, "idfv")) {
        if (gen_uuid_nonzero(v, n))
            return gen_set(r, k, GENERIC_CONF_KEYED);
    } else if (!strcmp(k, "device")) {
        if (gen_imei(v, n))
            return gen_set(r, "imei", GENERIC_CONF_KEYED);
        if (gen_mac(v, n))
            return gen_set(r, "mac", GENERIC_CONF_KEYED);
        if (gen_uuid_nonzero(v, n))
            return gen_set(r, "guid", GENERIC_CONF_KEYED_WEAK);
        if (n == 16 && gen_hex_nonzero(v, n))
            return gen_set(r, "android_id", GENERIC_CONF_KEYED_WEAK);
        if (n == 14 && gen_hex_nonzero(v, n))
            return gen_set(r, "meid", GENERIC_CONF_KEYED_WEAK);
    } else if (!strcmp(k, "mac") || !strcmp(k, "bssid")) {
        if (gen_mac(v, n))
            return gen_set(r, k, GENERIC_CONF_KEYED);
    } else if (!strcmp(k, "ssid")) {
        if (n <= 32 && !memchr(v, 0, n))
            return gen_set(r, "ssid", GENERIC_CONF_KEYED_WEAK);
    } else if (!strcmp(k, "imsi")) {
        if ((n == 15 || n == 14) && idtype_all_digits(v, n) && idtype_mcc_plausible(v, n))
            return gen_set(r, "imsi", GENERIC_CONF_KEYED);
    } else if (!strcmp(k, "iccid")) {
        if ((n == 19 || n == 20) && idtype_all_digits(v, n) && v[0] == '8' && v[1] == '9')
            return gen_set(r, "iccid", idtype_luhn_ok(v, n) ? GENERIC_CONF_KEYED
                                                            : GENERIC_CONF_KEYED_WEAK);
    } else if (!strcmp(k, "phone")) {
        if (gen_phone(v, n))
            return gen_set(r, "phone", GENERIC_CONF_KEYED);
    } else if (!strcmp(k, "lat") || !strcmp(k, "lon")) {
        if (gen_degree(v, n, k[1] == 'a' ? 90.0 : 180.0)) {
            r->half = k[1] == 'a' ? 'a' : 'o';
            r->confidence = GENERIC_CONF_KEYED;
            return 1;
        }
    } else if (!strcmp(k, "bare-digits")) {
        if (gen_imei(v, n))
            return gen_set(r, "imei", GENERIC_CONF_BARE);
        if ((n == 19 || n == 20) && v[0] == '8' && v[1] == '9' && idtype_luhn_ok(v, n))
            return gen_set(r, "iccid", GENERIC_CONF_BARE);
        if (gen_cn_mobile(v, n))
            return gen_set(r, "phone", GENERIC_CONF_BARE_WEAK);
    } else if (!strcmp(k, "bare-mac")) {
        if (gen_mac(v, n))
            return gen_set(r, "mac", GENERIC_CONF_BARE);
    } else if (!strcmp(k, "bare-uuid")) {
        if (gen_uuid_nonzero(v, n))
            return gen_set(r, "guid", GENERIC_CONF_BARE_WEAK);
    }
    return 0;
}
