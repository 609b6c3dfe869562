/* profile.h - the lab profile (--profile lab.yaml): devices under test, their L2/IP
 * addresses and their true identifier values. Field names are the contract of
 * DESIGN.md "Lab profile". Read-only after load; shared by all workers. */
#ifndef LW_RULES_PROFILE_H
#define LW_RULES_PROFILE_H

#include <stddef.h>
#include <stdint.h>

typedef struct profile profile_t;

struct profile_ident {
    const char *type;        /* ontology leaf name: "imei", "mac", ... */
    const char *value;       /* as written in the file (location: "lat,lon") */
    size_t value_len;
    int line;                /* line in the YAML file, for messages */
};

/* One app of a device in phone-side captures that name each packet's app (PCAPdroid):
 * its own policy. Each given key must equal the capture's value when the capture has
 * one, and at least one must: pcap trailers carry the UID and the app's label, not its
 * package; pcapng carries all three. */
struct profile_app {
    const char *package;     /* NULL if absent */
    const char *name;        /* the app's label, NULL if absent */
    int has_uid;
    int32_t uid;
    const char *policy;      /* NULL if absent: the device's policy applies */
    int policy_line;
    int line;
    const char *const *fp_domains;   /* as the device's, for this app */
    size_t n_fp_domains;
};

struct profile_device {
    const char *id;
    int has_mac;
    uint8_t mac[6];
    int ip_family;           /* 0 = none, 4 or 6 */
    uint8_t ip[16];
    const char *app;         /* NULL if absent */
    const char *policy;      /* NULL if absent */
    int policy_line;         /* its line in the file, for messages */
    const struct profile_ident *idents;
    size_t n_idents;
    /* first_party_domains: hosts of the app's own servers known to the lab, for policies
     * that name none (suffix match, as the policy's own first_party.domains). */
    const char *const *fp_domains;
    size_t n_fp_domains;
    const struct profile_app *apps;  /* apps: per-app policies, for PCAPdroid captures */
    size_t n_apps;
};

/* Load and validate path. Errors name file:line and the field ("lab.yaml:14:
 * devices[0].identifiers.imei: 869012045678913 fails the Luhn check"). Returns 0 or a
 * negative lwerr.h code. On success the caller frees *out with profile_free(). */
int profile_load(const char *path, profile_t **out, char *err, size_t errlen);
/* The path it was loaded from (borrowed), for messages. */
const char *profile_path(const profile_t *p);
void profile_free(profile_t *p);

size_t profile_ndevices(const profile_t *p);
/* Borrowed, valid until profile_free(). */
const struct profile_device *profile_device(const profile_t *p, size_t i);
/* Is host (len bytes, not NUL-terminated) one of d's first_party_domains or below? */
int profile_is_first_party(const struct profile_device *d, const char *host, size_t len);

/* The same for one app's first_party_domains (a NULL: none). */
int profile_app_is_first_party(const struct profile_app *a, const char *host, size_t len);
/* The entry of d's apps that the capture's app (uid; package, name: "" or NULL when
 * the capture does not give them) is, or NULL. Borrowed like d. */
const struct profile_app *profile_find_app(const struct profile_device *d, int32_t uid,
                                           const char *package, const char *name);

/* Index of the device with this L2 address / IP, or -1. */
int profile_find_mac(const profile_t *p, const uint8_t mac[6]);
int profile_find_ip(const profile_t *p, int family, const uint8_t *ip);

#endif
