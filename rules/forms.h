/* forms.h - every byte string under which an identifier value is searched
 * (DESIGN.md "Forms an identifier is searched in").
 *
 * For one (type, value) the generator derives the normalised text variants (as
 * written, upper/lower case, MAC separators, UUID without dashes, "lon,lat"), and
 * for each variant its encodings: URL-encoded, JSON-escaped, base64 and base64url
 * in the three alignments, hex of the bytes, MD5/SHA-1/SHA-256 (OpenSSL EVP) as
 * lower hex, upper hex and base64; plus the raw 6-byte MAC. Byte-identical forms
 * are emitted once (the first name wins: a base64 fragment with no '+' or '/' is
 * reported as "base64", never as "base64url").
 *
 * Noise policy, deliberately:
 *  - a base64 alignment fragment shorter than FORMS_MIN_B64 characters is dropped:
 *    an 8-char fragment of 6 value bytes is the shortest that is specific enough;
 *  - a base64 fragment covers only the whole 3-byte groups of the value at that
 *    alignment, so up to 2 bytes at each edge are not verified (documented limit);
 *  - "raw-mac" (6 bytes) carries FORMS_F_BINARY: the matcher reports it only in
 *    raw flow bytes and datagrams (binary protocols), never in decoded text
 *    buffers. Six given bytes occur by chance about once per 2^48 positions, so
 *    the risk is not noise but legitimate carriers: DHCP chaddr, ARP, mDNS/LLMNR
 *    payloads to the gateway, which the caller should discount by destination;
 *  - forms of fewer than FORMS_MIN_LEN bytes are not emitted at all.
 * Nothing here touches Hyperscan: the matcher turns forms into patterns. */
#ifndef LW_RULES_FORMS_H
#define LW_RULES_FORMS_H

#include <stddef.h>
#include <stdint.h>
#include "rules/idtype.h"

#define FORMS_MIN_B64 8
#define FORMS_MIN_LEN 4
#define FORMS_MAX_LEN 1024   /* longest form: URL/JSON of a 128-byte value, x6 */

/* Which neighbours make a hit on this form a near miss (a substring of a longer
 * token): checked by the matcher on the byte before and after the match. */
enum forms_edge {
    FORMS_EDGE_NONE = 0,
    FORMS_EDGE_DIGIT,    /* digit values: IMEI inside a longer digit run */
    FORMS_EDGE_HEX,      /* hex-ish values: MAC, UUID, android_id */
    FORMS_EDGE_ALNUM,    /* tokens, e-mail */
};

#define FORMS_F_BINARY 1u     /* meaningful only in binary flow bytes */
#define FORMS_F_LEFT_FREE 2u  /* no edge check before the match: a phone number
                                 written without its country code is still the
                                 number inside "+8613812345678" */

struct forms_item {
    const char *name;      /* stable form name in findings; static storage */
    const char *variant;   /* normalised variant it was derived from; static */
    enum forms_edge edge;
    unsigned flags;
    const uint8_t *bytes;  /* borrowed: valid only during the callback */
    size_t len;
    /* The text variant an encoding form was made of (for base64 and hex, so a match
     * can be checked against the whole decoded run) and the edge class of that text;
     * text is NULL for the texts themselves and raw-mac. Borrowed like bytes. */
    const uint8_t *text;
    size_t text_len;
    enum forms_edge text_edge;
};

/* Return 0 to continue, negative to stop with that code. */
typedef int (*forms_fn)(void *ctx, const struct forms_item *item);

/* Emit every form of value (len bytes; may contain NUL for free-text types).
 * Returns 0, the callback's negative code, or LW_ERR_LIB if a digest failed. */
int forms_generate(const struct idtype *t, const char *value, size_t len, forms_fn fn,
                   void *ctx);

/* Encoders, exposed for tests and for the generic detectors. out must hold
 * 4*((n+2)/3)+1 bytes for base64 and 2n+1 for hex; returns the length written
 * (NUL-terminated). pad=0 leaves out the '=' padding. */
size_t forms_base64(const uint8_t *in, size_t n, char *out, int url, int pad);
size_t forms_hex(const uint8_t *in, size_t n, char *out, int upper);

#endif
