/* ddns.h - DNS message dissector (internal to dissectors/).
 *
 * Parses one DNS message: query names go out as names ("dns.query") and as fields
 * (where "dns.query", for identifiers smuggled in labels); A/AAAA answers are stored in
 * the dnsmap under the name that was queried, following CNAME chains. Compression
 * pointers must point strictly backwards, which makes loops impossible. Not handled:
 * other record types, EDNS, DNSSEC, DoH/DoT (encrypted). */
#ifndef LW_DISSECTORS_DDNS_H
#define LW_DISSECTORS_DDNS_H

#include "dissectors/dissect.h"

void ddns_message(struct dissect_env *env, const uint8_t *msg, size_t len,
                  const struct dissect_cb *cb, void *ctx);

/* DNS over TCP: messages behind a 2-byte length, reassembled per direction in a
 * buffer allocated on first use (at most 64 KiB). */
struct ddns_tcp;
struct ddns_tcp *ddns_tcp_new(void);
void ddns_tcp_free(struct ddns_tcp *t);
void ddns_tcp_data(struct ddns_tcp *t, struct dissect_env *env, int dir,
                   const uint8_t *data, size_t len, const struct dissect_cb *cb,
                   void *ctx);
/* A gap loses the framing: the direction stops. */
void ddns_tcp_gap(struct ddns_tcp *t, int dir);

#endif
