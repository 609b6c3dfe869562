/* base64.h - base64 decoding (RFC 4648), both alphabets, for every layer that has to
 * read what a sender encoded: the dissectors' decoding pipeline (dissectors/unwrap.c)
 * and the matcher's check of a base64 match against the whole encoded run
 * (rules/matcher.c). Encoding lives with the forms that need it (rules/forms.h).
 * Nothing here allocates or keeps state. */
#ifndef LW_COMMON_BASE64_H
#define LW_COMMON_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* The 6-bit value of c in either alphabet ('+' and '-' are 62, '/' and '_' 63), or -1
 * for any other byte (including '=' padding). */
int base64_value(uint8_t c);

/* Decode s[0..n) into out, which has room for n / 4 * 3 + 3 bytes. Spaces, tabs, CR
 * and LF are skipped (MIME line breaks); the first '=' ends the data. Returns the byte
 * count, or -1 when s holds a byte of neither alphabet or a lone 6-bit tail. A tail
 * of 2 or 3 characters gives 1 or 2 bytes, so unpadded text decodes too. */
long base64_decode(const uint8_t *s, size_t n, uint8_t *out);

#endif
