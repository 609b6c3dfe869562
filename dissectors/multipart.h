/* multipart.h - multipart/form-data bodies (RFC 7578), as SDKs upload crash reports,
 * logs and device files: each part's name, filename, Content-Type and bytes.
 *
 * The boundary is taken from the body itself (its first line, "--" + boundary), so
 * the pipeline can split a body without its header; a part's own Content-Type is
 * passed on so the caller decodes each part by it. Zero-copy; nothing allocates.
 * Deliberately not done: nested multipart/mixed inside a part (it is a part's bytes),
 * Content-Transfer-Encoding (deprecated for form-data; a base64 part is still found
 * by the pipeline's base64 layer). */
#ifndef LW_DISSECTORS_MULTIPART_H
#define LW_DISSECTORS_MULTIPART_H

#include <stddef.h>
#include <stdint.h>

#define MULTIPART_NAME_MAX 64  /* longer part names are cut */

/* name: the Content-Disposition name ("" if none; NUL-terminated, cut at
 * MULTIPART_NAME_MAX - 1); ctype/ctl: the part's Content-Type value (ctl 0 if none);
 * body/len: the part's bytes. All borrowed for the call. */
typedef void (*multipart_fn)(void *arg, const char *name, const uint8_t *ctype, size_t ctl,
                             const uint8_t *body, size_t len);

/* Does b[0..n) start like a multipart body ("--" boundary CRLF, then a part header)? */
int multipart_sniff(const uint8_t *b, size_t n);

/* Call fn for each part of b[0..n); returns the number of parts. A body cut short
 * (no closing boundary) still gives its last part up to the end. */
size_t multipart_split(const uint8_t *b, size_t n, multipart_fn fn, void *arg);

#endif
