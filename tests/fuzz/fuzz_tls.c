/* fuzz_tls.c - TLS records and handshake (dissectors/tls.c through dissect.c's
 * protocol sniffing) on a TCP flow to port 443, no keys: chunks of either direction,
 * gaps, close. */
#include "tests/fuzz/fuzz_cb.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dnsmap_t *m = dnsmap_new(16);
    struct dissect_env env = {.dns = m, .now_s = 1};
    dissect_flow_t *f = dissect_flow_new(&env, DISSECT_L4_TCP, 40000, 443);
    if (f) {
        struct fuzz_chunk c;
        while (fuzz_next(&data, &size, &c)) {
            if (c.gap)
                dissect_flow_gap(f, c.dir, c.n + 1);
            else
                dissect_flow_data(f, c.dir, c.p, c.n, &fuzz_cb, NULL);
        }
        dissect_flow_close(f, &fuzz_cb, NULL);
        dissect_flow_free(f);
    }
    dnsmap_free(m);
    return 0;
}
