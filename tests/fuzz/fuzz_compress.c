/* fuzz_compress.c - libFuzzer target for br and zstd decoding (dissectors/compress.h):
 * the output never passes the caller's cap, whatever the input claims. */
#include <stdint.h>
#include <stdlib.h>

#include "dissectors/compress.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t out[1 << 16];
    int capped;
    for (int k = 0; k < 2; k++) {
        long n = compress_decode(k ? COMPRESS_ZSTD : COMPRESS_BR, data, size, out, sizeof out,
                                 &capped);
        if (n > (long)sizeof out)
            abort();
    }
    return 0;
}
