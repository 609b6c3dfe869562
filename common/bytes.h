/* bytes.h - the one way parsers read integers out of packet and file bytes.
 *
 * struct bytes is a cursor over a borrowed buffer: every read checks that the bytes are
 * there, and the first overrun makes the error sticky (that read and every later one
 * returns 0 or NULL, and err stays set). A parser can therefore read a whole fixed
 * header and test err once, as masscan's VERIFY_REMAINING and decode.c's NEED do, with
 * no read ever going past len. load_* and store_* are the plain big-endian (network
 * order) accessors for where bounds are already proven.
 *
 * bytes_gather is the one step an incremental parser takes to collect a header or a
 * message split across feeds into its own buffer; the buffer and its state stay the
 * parser's. Deliberately not here: allocation, and any notion of protocol.
 * All inline: these sit on the packet path. */
#ifndef LW_COMMON_BYTES_H
#define LW_COMMON_BYTES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint16_t load_be16(const uint8_t *p)
{
    return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t load_be24(const uint8_t *p)
{
    return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static inline uint32_t load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t load_be64(const uint8_t *p)
{
    return (uint64_t)load_be32(p) << 32 | load_be32(p + 4);
}

/* Little-endian: pcapng sections may be written in either byte order. */
static inline uint32_t load_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void store_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline void store_be64(uint8_t *p, uint64_t v)
{
    store_be32(p, (uint32_t)(v >> 32));
    store_be32(p + 4, (uint32_t)v);
}

/* A read cursor over p[0..len); p is borrowed and must outlive the cursor. err is 0
 * until a read asks for more than is left, then 1 for good. */
struct bytes {
    const uint8_t *p;
    size_t len, off;
    int err;
};

static inline struct bytes bytes_init(const uint8_t *p, size_t len)
{
    struct bytes b = {p, len, 0, 0};
    return b;
}

/* Bytes not read yet (0 once err is set). */
static inline size_t bytes_left(const struct bytes *b)
{
    return b->err ? 0 : b->len - b->off;
}

/* Claim the next n bytes: their start, or NULL (and err set) if fewer remain. The
 * pointer is borrowed from the underlying buffer. */
static inline const uint8_t *bytes_ptr(struct bytes *b, size_t n)
{
    if (b->err || b->len - b->off < n) {
        b->err = 1;
        return NULL;
    }
    const uint8_t *s = b->p + b->off;
    b->off += n;
    return s;
}

/* 0, or -1 (and err set) if fewer than n bytes remain. */
static inline int bytes_skip(struct bytes *b, size_t n)
{
    return bytes_ptr(b, n) ? 0 : -1;
}

static inline uint8_t bytes_u8(struct bytes *b)
{
    const uint8_t *s = bytes_ptr(b, 1);
    return s ? s[0] : 0;
}

static inline uint16_t bytes_u16be(struct bytes *b)
{
    const uint8_t *s = bytes_ptr(b, 2);
    return s ? load_be16(s) : 0;
}

static inline uint32_t bytes_u24be(struct bytes *b)
{
    const uint8_t *s = bytes_ptr(b, 3);
    return s ? load_be24(s) : 0;
}

static inline uint32_t bytes_u32be(struct bytes *b)
{
    const uint8_t *s = bytes_ptr(b, 4);
    return s ? load_be32(s) : 0;
}

static inline uint64_t bytes_u64be(struct bytes *b)
{
    const uint8_t *s = bytes_ptr(b, 8);
    return s ? load_be64(s) : 0;
}

/* A cursor over the next n bytes, which the parent skips: for length-prefixed
 * structures (TLS vectors, extensions). Past the parent's end, the parent's err is set
 * and the sub-cursor is empty with err set. */
static inline struct bytes bytes_sub(struct bytes *b, size_t n)
{
    const uint8_t *s = bytes_ptr(b, n);
    struct bytes sub = {s, s ? n : 0, 0, !s};
    return sub;
}

/* Move up to want - *have bytes from the front of the feed (*src, *len) to
 * dst + *have, advancing the feed. Returns 1 once *have == want (dst is complete),
 * 0 when the feed ran out first. dst must hold want bytes. */
static inline int bytes_gather(uint8_t *dst, size_t *have, size_t want, const uint8_t **src,
                               size_t *len)
{
    size_t k = want - *have < *len ? want - *have : *len;
    memcpy(dst + *have, *src, k);
    *have += k;
    *src += k;
    *len -= k;
    return *have == want;
}

#endif
