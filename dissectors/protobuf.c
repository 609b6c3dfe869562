/* protobuf.c - see protobuf.h. Every read is checked against the end of the buffer. */
#include "dissectors/protobuf.h"

/* Read a varint at b[*i..n); 0 when it runs past n or over 10 bytes. */
static int protobuf_varint(const uint8_t *b, size_t n, size_t *i, uint64_t *out)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 70 && *i < n; shift += 7) {
        uint8_t c = b[(*i)++];
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *out = v;
            return 1;
        }
    }
    return 0;
}

size_t protobuf_walk(const uint8_t *b, size_t n, protobuf_fn fn, void *arg)
{
    size_t i = 0, fields = 0;
    while (i < n) {
        uint64_t tag, v;
        if (!protobuf_varint(b, n, &i, &tag))
            return 0;
        uint64_t num = tag >> 3;
        if (num == 0 || num > 0x1fffffff)
            return 0;
        switch (tag & 7) {
        case 0:
            if (!protobuf_varint(b, n, &i, &v))
                return 0;
            break;
        case 1:
            if (n - i < 8)
                return 0;
            i += 8;
            break;
        case 5:
            if (n - i < 4)
                return 0;
            i += 4;
            break;
        case 2:
            if (!protobuf_varint(b, n, &i, &v) || v > n - i)
                return 0;
            if (fn)
                fn(arg, (uint32_t)num, b + i, (size_t)v);
            i += (size_t)v;
            break;
        default:
            return 0; /* groups (3, 4) and the unused 6, 7 */
        }
        fields++;
    }
    return fields;
}

static size_t protobuf_grpc_pass(const uint8_t *b, size_t n, protobuf_grpc_fn fn, void *arg)
{
    size_t i = 0, frames = 0;
    while (i < n) {
        if (n - i < 5)
            return 0;
        uint8_t flag = b[i];
        if (flag & 0x7e)
            return 0;
        size_t len = (size_t)b[i + 1] << 24 | (size_t)b[i + 2] << 16 | (size_t)b[i + 3] << 8 |
                     b[i + 4];
        i += 5;
        if (len > n - i)
            return 0;
        if (fn && !(flag & 0x80))
            fn(arg, flag & 1, b + i, len);
        i += len;
        frames++;
    }
    return frames;
}

size_t protobuf_grpc_frames(const uint8_t *b, size_t n, protobuf_grpc_fn fn, void *arg)
{
    size_t frames = protobuf_grpc_pass(b, n, NULL, NULL);
    if (frames && fn)
        protobuf_grpc_pass(b, n, fn, arg);
    return frames;
}
