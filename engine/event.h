/* event.h - building the JSON events leakwatch emits (field names are the contract
 * of DESIGN.md: EVE-style top level, then our own sections). */
#ifndef LW_ENGINE_EVENT_H
#define LW_ENGINE_EVENT_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "capture/flow.h"

/* "2026-11-24T10:00:00.123456Z" into buf (at least 32 bytes). */
const char *event_time(uint64_t ts_us, char *buf, size_t len);

/* Text of an address of family 4 or 6 into buf (at least 46 bytes). */
const char *event_ip(int family, const uint8_t *ip, char *buf, size_t len);

/* "TCP", "UDP", "ICMP", or the number. */
const char *event_proto(uint8_t proto, char *buf, size_t len);

/* A new event object with timestamp, event_type, flow_id and the flow's 5-tuple
 * (src = client) and VLANs. Caller owns the reference. NULL on allocation failure. */
json_t *event_flow_base(const struct flow *f, uint64_t ts_us, const char *event_type);

#endif
