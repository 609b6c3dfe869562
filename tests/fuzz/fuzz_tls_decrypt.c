/* fuzz_tls_decrypt.c - TLS 1.2/1.3 record decryption (dissectors/tls_decrypt.c) with a
 * fixed key log (fuzz_util.h's FUZZ_KEYLOG, the keys of the seed sessions that
 * seedgen.c seals), then HTTP/1 or HTTP/2 on the plaintext. The gap flag of a chunk
 * advances the clock instead, so records waiting for a key expire. */
#include <string.h>

#include "dissectors/keylog.h"
#include "tests/fuzz/fuzz_cb.h"
#include "tests/fuzz/fuzz_util.h"

static keylog_t *keys;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!keys) {
        keys = keylog_new();
        if (!keys || keylog_add_text(keys, FUZZ_KEYLOG, strlen(FUZZ_KEYLOG)) != 4)
            __builtin_trap();
    }
    dnsmap_t *m = dnsmap_new(16);
    struct dissect_env env = {.dns = m, .keys = keys, .now_s = 1};
    dissect_flow_t *f = dissect_flow_new(&env, DISSECT_L4_TCP, 40000, 443);
    if (f) {
        struct fuzz_chunk c;
        while (fuzz_next(&data, &size, &c)) {
            env.now_s += c.gap ? 60 : 0;
            dissect_flow_data(f, c.dir, c.p, c.n, &fuzz_cb, NULL);
        }
        dissect_flow_close(f, &fuzz_cb, NULL);
        dissect_flow_free(f);
    }
    dnsmap_free(m);
    return 0;
}
