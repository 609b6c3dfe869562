/* mqtt.h - MQTT 3.1, 3.1.1 and 5.0 over a reassembled TCP stream (internal to
 * dissectors/): IoT devices and push SDKs put identifiers in the CONNECT packet (client
 * id, user name, password, will) and in PUBLISH topics and payloads.
 *
 * Fields go out through dissect_cb->field: where "mqtt.connect" with keys "client_id",
 * "username", "password", "will_topic", "will_payload"; "mqtt.publish" with key "topic"
 * for the topic name and key <topic> for the payload (which the decoding pipeline then
 * looks into as a body: JSON, base64, protobuf ...); "mqtt.subscribe" with key "topic".
 *
 * Bounds: a packet is buffered whole up to DISSECT_BODY_MAX (one per direction, reused);
 * a longer one is skipped and counted. Not done: MQTT over WebSocket (the WebSocket
 * payload is inspected as a body), MQTT-SN (UDP), properties' values in 5.0 (skipped:
 * user properties could carry identifiers, the raw scan still sees them). */
#ifndef LW_DISSECTORS_MQTT_H
#define LW_DISSECTORS_MQTT_H

#include "dissectors/dissect.h"

struct mqtt;

/* st is borrowed (the worker's counters). Caller frees with mqtt_free() (NULL: no-op).*/
struct mqtt *mqtt_new(struct dissect_stats *st);
void mqtt_free(struct mqtt *m);
void mqtt_data(struct mqtt *m, int dir, const uint8_t *data, size_t len,
               const struct dissect_cb *cb, void *ctx);
/* Bytes lost in direction dir: that direction stops (packet boundaries are gone). */
void mqtt_gap(struct mqtt *m, int dir);

/* Does s[0..n) start with an MQTT CONNECT packet? 1 yes, 0 no, -1 too short to tell. */
int mqtt_sniff(const uint8_t *s, size_t n);

#endif
