/* compress.c - see compress.h. */
#include "dissectors/compress.h"

#include <brotli/decode.h>
#include <zstd.h>

int compress_is_zstd(const uint8_t *b, size_t n)
{
    return n >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd;
}

static long compress_br(const uint8_t *in, size_t n, uint8_t *out, size_t cap, int *capped)
{
    BrotliDecoderState *s = BrotliDecoderCreateInstance(NULL, NULL, NULL);
    if (!s)
        return -1;
    size_t avail_in = n, avail_out = cap;
    const uint8_t *next_in = in;
    uint8_t *next_out = out;
    BrotliDecoderResult r =
        BrotliDecoderDecompressStream(s, &avail_in, &next_in, &avail_out, &next_out, NULL);
    BrotliDecoderDestroyInstance(s);
    long got = (long)(cap - avail_out);
    if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT)
        *capped = 1;
    if (r == BROTLI_DECODER_RESULT_ERROR && got == 0)
        return -1;
    return got;
}

static long compress_zstd(const uint8_t *in, size_t n, uint8_t *out, size_t cap, int *capped)
{
    ZSTD_DCtx *z = ZSTD_createDCtx();
    if (!z)
        return -1;
    ZSTD_DCtx_setParameter(z, ZSTD_d_windowLogMax, COMPRESS_ZSTD_WINDOW_LOG);
    ZSTD_inBuffer ib = {in, n, 0};
    ZSTD_outBuffer ob = {out, cap, 0};
    size_t r = 0;
    int bad = 0;
    /* Several frames may follow each other; stop at the output cap or an error. */
    while (ib.pos < ib.size && ob.pos < ob.size) {
        r = ZSTD_decompressStream(z, &ob, &ib);
        if (ZSTD_isError(r)) {
            bad = 1;
            break;
        }
        if (r != 0 && ib.pos == ib.size)
            break; /* cut short: keep what came out */
    }
    if (ob.pos == ob.size && !bad && (ib.pos < ib.size || r != 0))
        *capped = 1;
    ZSTD_freeDCtx(z);
    if (bad && ob.pos == 0)
        return -1;
    return (long)ob.pos;
}

long compress_decode(enum compress_kind k, const uint8_t *in, size_t n, uint8_t *out,
                     size_t cap, int *capped)
{
    *capped = 0;
    if (!in || !n || !out || !cap)
        return -1;
    return k == COMPRESS_BR ? compress_br(in, n, out, cap, capped)
                            : compress_zstd(in, n, out, cap, capped);
}
