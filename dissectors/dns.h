/* dns.h - DNS message dissector (internal to dissectors/).
 *
 * Parses one DNS message: query names go out as names ("dns.query") and as fields
 * (where "dns.query", for identifiers smuggled in labels); A/AAAA answers are stored in
 * the dnsmap under the name that was queried, following CNAME chains. Compression
 * pointers must point strictly backwards, which makes loops impossible. Not handled:
 * other record types, EDNS, DNSSEC, DoH/DoT (encrypted). */
#ifndef LW_DISSECTORS_DNS_H
#define LW_DISSECTORS_DNS_H

#include "dissectors/dissect.h"

void dns_message(struct dissect_env *env, const uint8_t *msg, size_t len,
                  const struct dissect_cb *cb, void *ctx);

/* DNS over TCP: messages behind a 2-byte length, reassembled per direction in a
 * buffer allocated on first use (at most 64 KiB). */
struct dns_tcp;
struct dns_tcp *dns_tcp_new(void);
void dns_tcp_free(struct dns_tcp *t);
void dns_tcp_data(struct dns_tcp *t, struct dissect_env *env, int dir,
                   const uint8_t *data, size_t len, const struct dissect_cb *cb,
                   void *ctx);
/* A gap loses the framing: the direction stops. */
void dns_tcp_gap(struct dns_tcp *t, int dir);

#endif
