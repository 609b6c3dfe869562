/* multipart.c - see multipart.h. */
#include "dissectors/multipart.h"

#include <string.h>

#include "dissectors/textenc.h"

#define MULTIPART_BOUNDARY_MAX 70 /* RFC 2046 */

/* b starts "--" boundary, then CR or LF: the boundary's length in *bl. */
static int multipart_boundary(const uint8_t *b, size_t n, size_t *bl)
{
    size_t i = 2;
    if (n < 4 || b[0] != '-' || b[1] != '-')
        return 0;
    while (i < n && i < 2 + MULTIPART_BOUNDARY_MAX && b[i] != '\r' && b[i] != '\n') {
        if (b[i] <= 0x20 || b[i] > 0x7e)
            return 0;
        i++;
    }
    if (i == 2 || i >= n || (b[i] != '\r' && b[i] != '\n'))
        return 0;
    *bl = i - 2;
    return 1;
}

static size_t multipart_line_end(const uint8_t *b, size_t n, size_t i)
{
    const uint8_t *nl = memchr(b + i, '\n', n - i);
    return nl ? (size_t)(nl - b) + 1 : n;
}

int multipart_sniff(const uint8_t *b, size_t n)
{
    size_t bl;
    if (!multipart_boundary(b, n, &bl))
        return 0;
    size_t h = multipart_line_end(b, n, 2 + bl);
    return textenc_iprefix(b + h, n - h, "content-");
}

/* Index of the next "--" boundary at a line start at or after i, or n. */
static size_t multipart_next(const uint8_t *b, size_t n, size_t i, const uint8_t *bd, size_t bl)
{
    while (i < n) {
        const uint8_t *nl = memchr(b + i, '\n', n - i);
        if (!nl)
            return n;
        size_t s = (size_t)(nl - b) + 1;
        if (n - s >= bl + 2 && b[s] == '-' && b[s + 1] == '-' && !memcmp(b + s + 2, bd, bl))
            return s;
        i = s;
    }
    return n;
}

/* The value of name="..." in a Content-Disposition value (not filename="..."). */
static void multipart_name(const uint8_t *v, size_t vl, char *out)
{
    out[0] = 0;
    for (size_t i = 0; i + 6 <= vl; i++) {
        if (memcmp(v + i, "name=\"", 6) || (i && v[i - 1] != ';' && v[i - 1] != ' '))
            continue;
        size_t s = i + 6, k = 0;
        while (s < vl && v[s] != '"' && k < MULTIPART_NAME_MAX - 1)
            out[k++] = (char)v[s++];
        out[k] = 0;
        return;
    }
}

/* One part: headers from h to the blank line, then the body to e. */
static void multipart_part(const uint8_t *b, size_t h, size_t e, multipart_fn fn, void *arg)
{
    char name[MULTIPART_NAME_MAX];
    const uint8_t *ct = NULL;
    size_t ctl = 0, i = h;
    name[0] = 0;
    while (i < e) {
        size_t le = multipart_line_end(b, e, i), ll = le - i;
        while (ll && (b[i + ll - 1] == '\n' || b[i + ll - 1] == '\r'))
            ll--;
        if (!ll) {
            i = le;
            break;
        }
        const uint8_t *colon = memchr(b + i, ':', ll);
        if (colon) {
            size_t vs = (size_t)(colon - b) + 1;
            while (vs < i + ll && b[vs] == ' ')
                vs++;
            if (textenc_iprefix(b + i, ll, "content-disposition:"))
                multipart_name(b + vs, i + ll - vs, name);
            else if (textenc_iprefix(b + i, ll, "content-type:")) {
                ct = b + vs;
                ctl = i + ll - vs;
            }
        }
        i = le;
    }
    /* The CRLF before the next boundary belongs to the boundary. */
    if (e > i && b[e - 1] == '\n')
        e--;
    if (e > i && b[e - 1] == '\r')
        e--;
    fn(arg, name, ct, ctl, b + i, e > i ? e - i : 0);
}

size_t multipart_split(const uint8_t *b, size_t n, multipart_fn fn, void *arg)
{
    size_t bl, parts = 0, at = 0;
    if (!multipart_boundary(b, n, &bl))
        return 0;
    const uint8_t *bd = b + 2;
    while (at < n) {
        size_t p = at + 2 + bl;
        if (n - p >= 2 && b[p] == '-' && b[p + 1] == '-')
            break; /* the closing boundary */
        size_t h = multipart_line_end(b, n, p);
        size_t e = multipart_next(b, n, h, bd, bl);
        multipart_part(b, h, e, fn, arg);
        parts++;
        at = e;
    }
    return parts;
}
