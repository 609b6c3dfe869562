/* fuzz_dns.c - one DNS message (dissectors/dns.c) with a DNS map to fill, then the
 * same bytes as a TCP DNS stream (two-byte length prefixes) fed in two pieces. */
#include "dissectors/dns.h"
#include "tests/fuzz/fuzz_cb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dnsmap_t *m = dnsmap_new(64);
    struct dissect_env env = {.dns = m, .now_s = 1};
    dns_message(&env, data, size, &fuzz_cb, NULL);
    struct dns_tcp *t = dns_tcp_new();
    if (t) {
        dns_tcp_data(t, &env, 1, data, size / 2, &fuzz_cb, NULL);
        dns_tcp_data(t, &env, 1, data + size / 2, size - size / 2, &fuzz_cb, NULL);
        dns_tcp_free(t);
    }
    dnsmap_free(m);
    return 0;
}
