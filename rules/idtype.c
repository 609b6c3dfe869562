/* idtype.c - identifier leaf types and the validators of their value syntax.
 *
 * The list of names is a contract shared with data/ontology.yaml. Validation is
 * strict where the identifier has a check (IMEI Luhn, MAC octets, IP text) and
 * permissive where real values vary by vendor (ICCID, serial, guid). It does not
 * normalise values: forms.c derives the variants. */
#include "rules/idtype.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/ascii.h"

static const struct idtype idtype_table[] = {
    {"imei", "device_identifier", IDTYPE_SYN_IMEI},
    {"meid", "device_identifier", IDTYPE_SYN_MEID},
    {"android_id", "device_identifier", IDTYPE_SYN_HEXID},
    {"oaid", "device_identifier", IDTYPE_SYN_OAID},
    {"gaid", "device_identifier", IDTYPE_SYN_UUID},
    {"idfa", "device_identifier", IDTYPE_SYN_UUID},
    {"idfv", "device_identifier", IDTYPE_SYN_UUID},
    {"serial", "device_identifier", IDTYPE_SYN_TOKEN},
    {"openudid", "device_identifier", IDTYPE_SYN_HEXID},
    {"guid", "device_identifier", IDTYPE_SYN_TOKEN},
    {"uaid", "device_identifier", IDTYPE_SYN_TOKEN},
    {"mac", "network", IDTYPE_SYN_MAC},
    {"bssid", "network", IDTYPE_SYN_MAC},
    {"ssid", "network", IDTYPE_SYN_TEXT},
    {"wifi_password", "network", IDTYPE_SYN_TEXT},
    {"ip", "network", IDTYPE_SYN_IP},
    {"imsi", "sim", IDTYPE_SYN_IMSI},
    {"iccid", "sim", IDTYPE_SYN_ICCID},
    {"phone", "sim", IDTYPE_SYN_PHONE},
    {"gps", "location", IDTYPE_SYN_GPS},
    {"cell", "location", IDTYPE_SYN_TOKEN},
    {"email", "personal", IDTYPE_SYN_EMAIL},
};

#define IDTYPE_N (sizeof idtype_table / sizeof idtype_table[0])

size_t idtype_count(void) { return IDTYPE_N; }

const struct idtype *idtype_at(size_t i)
{
    return i < IDTYPE_N ? &idtype_table[i] : NULL;
}

const struct idtype *idtype_findn(const char *name, size_t len)
{
    if (!name)
        return NULL;
    if (len == (size_t)-1)
        len = strlen(name);
    for (size_t i = 0; i < IDTYPE_N; i++)
        if (strlen(idtype_table[i].name) == len && memcmp(idtype_table[i].name, name, len) == 0)
            return &idtype_table[i];
    return NULL;
}

const struct idtype *idtype_find(const char *name)
{
    return idtype_findn(name, (size_t)-1);
}

const char *idtype_category(const char *name)
{
    const struct idtype *t = idtype_find(name);
    return t ? t->category : NULL;
}

int idtype_all_digits(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

int idtype_all_hex(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (ascii_hexval((unsigned char)s[i]) < 0)
            return 0;
    return 1;
}

int idtype_luhn_ok(const char *d, size_t n)
{
    if (!idtype_all_digits(d, n))
        return 0;
    unsigned sum = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned v = (unsigned)(d[n - 1 - i] - '0');
        if (i & 1) {
            v *= 2;
            if (v > 9)
                v -= 9;
        }
        sum += v;
    }
    return sum % 10 == 0;
}

int idtype_is_uuid(const char *s, size_t n)
{
    if (n != 36)
        return 0;
    for (size_t i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return 0;
        } else if (ascii_hexval((unsigned char)s[i]) < 0) {
            return 0;
        }
    }
    return 1;
}

int idtype_parse_mac(const char *s, size_t n, uint8_t mac[6])
{
    char hex[12];
    size_t k = 0;
    if (n == 17 && (s[2] == ':' || s[2] == '-')) {
        for (size_t i = 0; i < 17; i++) {
            if (i % 3 == 2) {
                if (s[i] != s[2])
                    return 0;
            } else {
                hex[k++] = s[i];
            }
        }
    } else if (n == 14 && s[4] == '.' && s[9] == '.') {
        for (size_t i = 0; i < 14; i++)
            if (i != 4 && i != 9)
                hex[k++] = s[i];
    } else if (n == 12) {
        memcpy(hex, s, 12);
        k = 12;
    } else {
        return 0;
    }
    if (k != 12 || !idtype_all_hex(hex, 12))
        return 0;
    ascii_unhex(hex, 6, mac);
    return 1;
}

int idtype_mac_plausible(const uint8_t mac[6])
{
    static const uint8_t zero[6], bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    if (!memcmp(mac, zero, 6) || !memcmp(mac, bcast, 6))
        return 0;
    return (mac[0] & 1) == 0;   /* group bit set: multicast, never a station */
}

int idtype_mcc_plausible(const char *d, size_t n)
{
    if (n < 3 || !idtype_all_digits(d, 3))
        return 0;
    int mcc = (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
    /* E.212 geographic MCCs are allocated in 202..750; 001/999 are test codes. */
    return mcc >= 202 && mcc <= 750;
}

static int idtype_printable_token(const char *v, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)v[i] <= 0x20 || (unsigned char)v[i] >= 0x7f)
            return 0;
    return 1;
}

int idtype_degree(const char *s, size_t n, double lim, size_t min_frac, double *out)
{
    char buf[32];
    size_t i = 0, digits = 0, frac = 0;
    if (n == 0 || n >= sizeof buf)
        return 0;
    if (s[0] == '-' || s[0] == '+')
        i++;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
        digits++;
    if (digits == 0 || digits > 3)
        return 0;
    if (i < n && s[i] == '.') {
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            frac++;
        if (frac == 0)
            return 0;
    }
    if (i != n || frac < min_frac)
        return 0;
    memcpy(buf, s, n);
    buf[n] = 0;
    double d = strtod(buf, NULL);
    if (d < -lim || d > lim)
        return 0;
    if (out)
        *out = d;
    return 1;
}

#define WHY(...) (snprintf(why, whylen, __VA_ARGS__), -1)

int idtype_validate(const struct idtype *t, const char *v, size_t len, char *why,
                    size_t whylen)
{
    uint8_t mac[6];
    if (len == 0)
        return WHY("empty value");
    if (t->syntax != IDTYPE_SYN_TEXT && memchr(v, 0, len))
        return WHY("NUL byte in value");
    switch (t->syntax) {
    case IDTYPE_SYN_IMEI:
        if (len != 15 || !idtype_all_digits(v, len))
            return WHY("not 15 digits");
        if (!idtype_luhn_ok(v, len))
            return WHY("fails the Luhn check");
        return 0;
    case IDTYPE_SYN_MEID:
        if (len == 14 && idtype_all_hex(v, len))
            return 0;
        if (len == 18 && idtype_all_digits(v, len))
            return 0;
        return WHY("not 14 hex digits or 18 decimal digits");
    case IDTYPE_SYN_HEXID:
        if (len < 8 || len > 64 || !idtype_all_hex(v, len))
            return WHY("not 8..64 hex digits");
        return 0;
    case IDTYPE_SYN_UUID:
        if (!idtype_is_uuid(v, len))
            return WHY("not a UUID (8-4-4-4-12 hex digits)");
        return 0;
    case IDTYPE_SYN_OAID:
        if (idtype_is_uuid(v, len) || (len >= 16 && len <= 64 && idtype_all_hex(v, len)))
            return 0;
        return WHY("not a UUID or 16..64 hex digits");
    case IDTYPE_SYN_TOKEN:
        if (len < 4 || len > 128 || !idtype_printable_token(v, len))
            return WHY("not 4..128 printable characters without spaces");
        return 0;
    case IDTYPE_SYN_MAC:
        if (!idtype_parse_mac(v, len, mac))
            return WHY("not a MAC address (six hex octets)");
        return 0;
    case IDTYPE_SYN_TEXT:
        if (len > 128)
            return WHY("longer than 128 bytes");
        return 0;
    case IDTYPE_SYN_IP: {
        char buf[64];
        uint8_t a[16];
        if (len >= sizeof buf)
            return WHY("not an IPv4 or IPv6 address");
        memcpy(buf, v, len);
        buf[len] = 0;
        if (inet_pton(AF_INET, buf, a) != 1 && inet_pton(AF_INET6, buf, a) != 1)
            return WHY("not an IPv4 or IPv6 address");
        return 0;
    }
    case IDTYPE_SYN_IMSI:
        if ((len != 14 && len != 15) || !idtype_all_digits(v, len))
            return WHY("not 14 or 15 digits");
        if (!idtype_mcc_plausible(v, len))
            return WHY("does not start with a plausible MCC");
        return 0;
    case IDTYPE_SYN_ICCID:
        if (len < 18 || len > 20 || !idtype_all_digits(v, len) || v[0] != '8' || v[1] != '9')
            return WHY("not 18..20 digits starting with 89");
        return 0;
    case IDTYPE_SYN_PHONE: {
        size_t off = v[0] == '+';
        if (len - off < 6 || len - off > 15 || !idtype_all_digits(v + off, len - off))
            return WHY("not 6..15 digits with an optional '+'");
        return 0;
    }
    case IDTYPE_SYN_EMAIL: {
        const char *at = memchr(v, '@', len);
        if (!at || at == v || at == v + len - 1 || len > 128 || !idtype_printable_token(v, len)
            || memchr(at + 1, '@', (size_t)(v + len - at - 1)))
            return WHY("not an e-mail address");
        return 0;
    }
    case IDTYPE_SYN_GPS: {
        const char *c = memchr(v, ',', len);
        if (!c || !idtype_degree(v, (size_t)(c - v), 90.0, 0, NULL)
            || !idtype_degree(c + 1, (size_t)(v + len - c - 1), 180.0, 0, NULL))
            return WHY("not \"lat,lon\" in decimal degrees");
        return 0;
    }
    }
    return WHY("unsupported type");
}
