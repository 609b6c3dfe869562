/* fuzz_transport.c - libFuzzer target for the MQTT and WebSocket dissectors and
 * cleartext HTTP/2 through the dispatcher: the first input byte picks the transport,
 * the rest is the client's byte stream (cut in two to cross a feed boundary). */
#include <stdint.h>
#include <string.h>

#include "dissectors/dissect.h"

static void fz_field(void *ctx, const char *where, const char *key, const uint8_t *v, size_t n)
{
    (void)ctx, (void)where, (void)key, (void)v, (void)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char ws_req[] = "GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n";
    static const char ws_resp[] = "HTTP/1.1 101 OK\r\nUpgrade: websocket\r\n"
                                  "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n";
    static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    static const struct dissect_cb cb = {fz_field, NULL, NULL, NULL, NULL};
    if (!size)
        return 0;
    struct dissect_env env;
    memset(&env, 0, sizeof env);
    int kind = data[0] % 3;
    dissect_flow_t *f = dissect_flow_new(&env, DISSECT_L4_TCP, 40000, kind == 0 ? 1883 : 80);
    if (!f)
        return 0;
    if (kind == 1) {
        dissect_flow_data(f, 0, (const uint8_t *)ws_req, sizeof ws_req - 1, &cb, NULL);
        dissect_flow_data(f, 1, (const uint8_t *)ws_resp, sizeof ws_resp - 1, &cb, NULL);
    } else if (kind == 2) {
        dissect_flow_data(f, 0, (const uint8_t *)preface, sizeof preface - 1, &cb, NULL);
    }
    size_t half = (size - 1) / 2;
    dissect_flow_data(f, 0, data + 1, half, &cb, NULL);
    dissect_flow_data(f, 0, data + 1 + half, size - 1 - half, &cb, NULL);
    dissect_flow_close(f, &cb, NULL);
    dissect_flow_free(f);
    return 0;
}
