/* generic.h - detectors for identifiers nobody put in a profile.
 *
 * Two kinds of Hyperscan patterns, both built to stay cheap (DESIGN.md: shape
 * regexes cost 3x in throughput):
 *  - keyed: a lexicon key name at a word boundary followed by a separator
 *    (`imei=`, `"oaid":`, `<mac>`). The regex ends at the separator; the matcher
 *    then reads the value token forward itself (at most GENERIC_MAX_VALUE bytes,
 *    across segments through a small per-stream buffer) and generic_classify()
 *    validates it for the key's class. These are literal-anchored on the keys and
 *    always compiled.
 *  - bare shapes: a run of 11+ digits, a MAC with ':' or '-', a UUID, with no key.
 *    Compiled only when the reporting threshold is at or below GENERIC_CONF_BARE,
 *    so the default configuration pays nothing for them.
 *
 * Confidence model (struct matcher_hit.confidence):
 *   1.0  profile value in any form (matcher.c)
 *   0.9  keyed + validated shape: imei= + 15 digits with Luhn, mac= + unicast MAC,
 *        oaid= + UUID/hex, imsi= + 15 digits with plausible MCC, iccid= + 89... Luhn,
 *        phone= + Chinese mobile or E.164, lat=/lon= pair of decimal degrees
 *   0.7  keyed, shape not checkable: ssid= + any 1..32-byte value, a device-id key
 *        with a 16-hex value (android_id)
 *   0.4  bare validated shape: IMEI (Luhn), ICCID (89 + Luhn), MAC (unicast)
 *   0.3  bare shapes that are common by chance: UUID (guid), Chinese mobile number
 * Hits below matcher_opts.min_confidence (default 0.5, --min-confidence) are not
 * reported, so by default only profile and keyed hits appear.
 *
 * Not here: any per-flow state (the matcher keeps the lat/lon pairing and the
 * value buffer), and knowledge of protocols (dissectors decode; this sees bytes). */
#ifndef LW_RULES_GENERIC_H
#define LW_RULES_GENERIC_H

#include <stddef.h>
#include "rules/idtype.h"

#define GENERIC_CONF_KEYED 0.9
#define GENERIC_CONF_KEYED_WEAK 0.7
#define GENERIC_CONF_BARE 0.4
#define GENERIC_CONF_BARE_WEAK 0.3
#define GENERIC_MAX_VALUE 64
#define GENERIC_MAX_KEY 32

/* What the matcher reads after (or includes before) a pattern's match end. */
enum generic_cs {
    GENERIC_CS_VALUE,   /* keyed: optional quote, then a token up to a delimiter */
    GENERIC_CS_DIGIT,   /* bare digits: the run continues while digits follow */
    GENERIC_CS_HEXSEP,  /* bare MAC/UUID: the token continues while [0-9a-fA-F:-] follow */
};

struct generic_pattern {
    const char *name;      /* key class or shape: "imei", "device", "bare-digits" ... */
    const char *alts;      /* keyed: the lexicon keys of this class, '|'-separated */
    const char *regex;     /* bare: Hyperscan expression; keyed: NULL (generic_regex) */
    unsigned hs_flags;
    int keyed;
    size_t behind;         /* bare: bytes of the token inside the match (at its end) */
    enum generic_cs cs;
};

/* Patterns to compile for a reporting threshold. Borrowed static table. */
size_t generic_npatterns(double min_confidence);
const struct generic_pattern *generic_pattern(size_t i);

struct generic_result {
    const struct idtype *type;   /* NULL for a lat/lon half */
    int half;                    /* 0, or 'a' (latitude) / 'o' (longitude) */
    double confidence;
};

/* Hyperscan expression of a keyed pattern (key alternatives, boundary, separator)
 * into out. Returns the length, or -1 if cap is too small. Bare: copies regex. */
int generic_regex(const struct generic_pattern *gp, char *out, size_t cap);

/* Keyed pattern whose lexicon holds this key name (case-insensitive), for a
 * decoded value handed over with its key by a dissector; NULL if none. */
const struct generic_pattern *generic_find_key(const char *key, size_t len);

/* Validate a value token read after / inside pattern gp. Returns 1 with r filled
 * if it is an identifier (confidence may still be below the threshold), else 0. */
int generic_classify(const struct generic_pattern *gp, const char *val, size_t len,
                     struct generic_result *r);

#endif
