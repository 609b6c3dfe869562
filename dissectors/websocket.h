/* websocket.h - WebSocket (RFC 6455) after an HTTP/1.1 Upgrade (internal to
 * dissectors/): client frames are unmasked, fragmented messages gathered, messages
 * compressed with permessage-deflate (RFC 7692) inflated, and each text or binary
 * message handed over as a body: dissect_cb->field with where "ws.message", key "" (the
 * decoding pipeline then looks into it: JSON, base64, protobuf, MQTT-over-WS payloads as
 * bytes ...).
 *
 * Bounds: a message is gathered up to DISSECT_BODY_MAX (one buffer per direction,
 * reused; the rest of a longer message is skipped, counted); inflation stops at the
 * same cap (counted in zlib_bombs). Control frames are parsed and skipped. Memory per
 * direction: the message buffer and, with permessage-deflate, one zlib stream (its
 * window is kept between messages unless no_context_takeover was negotiated).
 * Not done: other extensions (a frame with RSV2/RSV3 stops the direction). */
#ifndef LW_DISSECTORS_WEBSOCKET_H
#define LW_DISSECTORS_WEBSOCKET_H

#include "dissectors/dissect.h"

/* What the handshake negotiated (http1_upgrade()). */
#define WEBSOCKET_DEFLATE 1u            /* permessage-deflate */
#define WEBSOCKET_CLIENT_NO_CTX 2u      /* client_no_context_takeover */
#define WEBSOCKET_SERVER_NO_CTX 4u      /* server_no_context_takeover */

struct websocket;

/* st is borrowed; flags: WEBSOCKET_*. Caller frees with websocket_free() (NULL: no-op). */
struct websocket *websocket_new(struct dissect_stats *st, unsigned flags);
void websocket_free(struct websocket *w);
/* dir 0: client to server (masked frames). */
void websocket_data(struct websocket *w, int dir, const uint8_t *data, size_t len,
                    const struct dissect_cb *cb, void *ctx);
/* Bytes lost: frame boundaries are gone, the direction stops. */
void websocket_gap(struct websocket *w, int dir);

#endif
