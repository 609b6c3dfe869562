/* attribute.h - who a flow belongs to: the profile device that sent it (by MAC, else
 * IP), that device's app and policy, and what is at the other end - a catalogued SDK,
 * the app's own servers, or an unknown host - from the names the flow was known by.
 *
 * Name order: TLS SNI first (what the client asked for), then HTTP Host, then what an
 * earlier DNS answer said the address was for, nDPI's own name, the certificate, and
 * last the SNI/Host/certificate name an earlier flow to the same server address had
 * (DoH or Private DNS hides the DNS answers; TLS resumption and QUIC may carry no name).
 *
 * Phone-side captures (PCAPdroid) name each flow's app: the device's profile entry for
 * that app (apps:) then gives the policy and first-party domains, and app is the app's
 * package (else its label) rather than the device's app. Deliberately not here:
 * judging identifiers (verdict.h) and events (event.h). */
#ifndef LW_ENGINE_ATTRIBUTE_H
#define LW_ENGINE_ATTRIBUTE_H

#include "capture/flow.h"
#include "engine/ruleset.h"

#define ATTRIBUTE_NAME_LEN 256
/* How long a name learnt from a flow's SNI/Host/certificate names its server address
 * (seconds of capture time): short, because a CDN address serves many names. */
#define ATTRIBUTE_LEARN_TTL 600

/* The names a flow was seen with; each borrowed, "" or NULL when unknown. */
struct attribute_names {
    const char *sni, *http_host, *cert, *ndpi;
};

struct attribution {
    const char *device, *app;            /* NULL: not a profile device (app: nor a
                                            capture that names it) */
    const struct pcapdroid_app *capp;    /* the app the capture names (PCAPdroid), or NULL */
    const struct policy *pol;            /* the app's policy (profile apps:), else the
                                            device's, or NULL */
    const struct sdk_entry *sdk;         /* NULL: no catalogued SDK */
    const struct sdk_entry *owner;       /* who runs the host: sdk, else a front end the
                                            catalogue names (attributes no SDK), or NULL */
    const char *sdk_match;               /* which name matched: sni, host, dns, ndpi, cert, ip */
    double sdk_match_confidence;         /* how far that method is trusted, 0..1 (attribute.c) */
    const char *host;                    /* the name the destination is known by, or NULL */
    int first_party;                     /* the host is the app's own */
    char dns[ATTRIBUTE_NAME_LEN];        /* the DNS name, when host points here */
    char learned[ATTRIBUTE_NAME_LEN];    /* the name an earlier flow to this address had */
};

/* Which side of flow f sends as a profile device: FLOW_TOSERVER when its client is one
 * (or when neither side is: the client is then taken as the device), FLOW_TOCLIENT when
 * only its server is, -1 when both are (device to device). */
int attribute_device_dir(const struct ruleset *r, const struct flow *f);

/* Fill a for flow f under rules r. Every pointer in a is borrowed from r, n or a
 * itself, valid while they are. */
void attribute_flow(const struct ruleset *r, const struct flow *f,
                    const struct attribute_names *n, struct attribution *a);

#endif
