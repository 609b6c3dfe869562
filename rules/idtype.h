/* idtype.h - the static table of identifier leaf types (names shared with
 * data/ontology.yaml) with their category and the syntax a lab-profile value of
 * that type must have. Also the small validators (Luhn, MAC, UUID, MCC) that the
 * profile loader and the generic detectors share.
 *
 * Deliberately not here: synonyms and policy wording (rules/ontology.*), and any
 * notion of where a value was seen. The table is constant: no locking needed. */
#ifndef LW_RULES_IDTYPE_H
#define LW_RULES_IDTYPE_H

#include <stddef.h>
#include <stdint.h>

/* How a profile value of a type is checked, and which forms make sense for it. */
enum idtype_syntax {
    IDTYPE_SYN_IMEI,      /* 15 digits, Luhn */
    IDTYPE_SYN_MEID,      /* 14 hex digits, or 18 decimal digits */
    IDTYPE_SYN_HEXID,     /* 8..64 hex digits (android_id, openudid) */
    IDTYPE_SYN_UUID,      /* 8-4-4-4-12 hex */
    IDTYPE_SYN_OAID,      /* a UUID or 16..64 hex digits (vendors differ) */
    IDTYPE_SYN_TOKEN,     /* 4..128 printable ASCII without spaces (serial, guid, uaid) */
    IDTYPE_SYN_MAC,       /* six octets with ':', '-', '.' or no separator */
    IDTYPE_SYN_TEXT,      /* 1..128 arbitrary bytes, NUL included (ssid, wifi_password) */
    IDTYPE_SYN_IP,        /* IPv4 or IPv6 text */
    IDTYPE_SYN_IMSI,      /* 14 or 15 digits, plausible MCC */
    IDTYPE_SYN_ICCID,     /* 18..20 digits, 89 prefix (no Luhn: real cards vary) */
    IDTYPE_SYN_PHONE,     /* 6..15 digits, optional leading '+' */
    IDTYPE_SYN_EMAIL,     /* local@domain, printable, no spaces */
    IDTYPE_SYN_GPS,       /* "lat,lon" decimal degrees in range */
};

struct idtype {
    const char *name;      /* ontology leaf: "imei" */
    const char *category;  /* "device_identifier", "network", "sim", "location", "personal" */
    enum idtype_syntax syntax;
};

size_t idtype_count(void);
/* Borrowed from the static table; i < idtype_count(). */
const struct idtype *idtype_at(size_t i);
/* Entry by exact name, NULL if unknown. len may be (size_t)-1 for a C string. */
const struct idtype *idtype_find(const char *name);
const struct idtype *idtype_findn(const char *name, size_t len);
/* Category of a leaf name, NULL if unknown. Static storage. */
const char *idtype_category(const char *name);

/* Check a profile value of type t. Returns 0, or -1 with the reason in why
 * ("fails the Luhn check"). */
int idtype_validate(const struct idtype *t, const char *v, size_t len, char *why,
                    size_t whylen);

/* Shared validators over raw bytes (no NUL needed). */
int idtype_luhn_ok(const char *digits, size_t n);   /* all digits and Luhn sum ok */
int idtype_all_digits(const char *s, size_t n);
int idtype_all_hex(const char *s, size_t n);
int idtype_is_uuid(const char *s, size_t n);
/* Parse a MAC written with ':', '-', '.' (cisco xxxx.xxxx.xxxx) or no separator. */
int idtype_parse_mac(const char *s, size_t n, uint8_t mac[6]);
/* A decimal degree within [-lim, lim]: optional sign, 1..3 integer digits, then a '.'
 * and at least min_frac fraction digits (min_frac 0: no fraction needed, but a '.' needs
 * a digit after it). 1 (and *out set unless NULL) or 0. */
int idtype_degree(const char *s, size_t n, double lim, size_t min_frac, double *out);
/* A unicast, non-zero, globally or locally administered station address. */
int idtype_mac_plausible(const uint8_t mac[6]);
/* First three digits are an assigned-range ITU-T E.212 MCC (2xx-7xx). */
int idtype_mcc_plausible(const char *digits, size_t n);

#endif
