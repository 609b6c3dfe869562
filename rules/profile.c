/* profile.c - loader of the lab profile (DESIGN.md "Lab profile") with libyaml.
 *
 * Two passes: an event pass refuses what a configuration file has no use for and
 * what could hurt the loader (aliases, so no alias bombs; nesting deeper than
 * PROFILE_MAX_DEPTH; more than PROFILE_MAX_EVENTS events; scalars over
 * PROFILE_MAX_SCALAR), then the document pass builds the devices and validates every
 * value with idtype_validate(). Every error names file:line and the field path.
 *
 * Deliberately not done: merging several profiles, learning addresses from traffic
 * (attribution does that), or accepting unknown fields silently (a typo such as
 * "identifers" would otherwise drop every value of a device without a word). */
#include "rules/profile.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "rules/catalog.h"
#include "rules/idtype.h"
#include "rules/ryaml.h"
#include "common/lwerr.h"

#define PROFILE_MAX_DEPTH 16
#define PROFILE_MAX_EVENTS 2000000
#define PROFILE_MAX_SCALAR 4096
#define PROFILE_MAX_FILE (8u << 20)
/* A lab profile names tens of devices with tens of values each. Beyond these bounds a
 * profile is a mistake or an attack: every value becomes Hyperscan patterns in all
 * its forms, and duplicates are checked pairwise per device. */
#define PROFILE_MAX_DEVICES 4096
#define PROFILE_MAX_DEVICE_IDENTS 1024
#define PROFILE_MAX_DEVICE_APPS 1024

struct profile {
    struct profile_device *devs;
    size_t ndevs;
    char *path;
};

struct pload {
    const char *path;
    yaml_document_t *doc;
    char *err;
    size_t errlen;
    char fpath[160];      /* field path of the node being read */
};

static int pl_err(struct pload *pl, const yaml_node_t *n, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int pl_err(struct pload *pl, const yaml_node_t *n, int code, const char *fmt, ...)
{
    char msg[LW_ERRBUF];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(pl->err, pl->errlen, "%s:%lu: %s%s%s", pl->path,
             n ? (unsigned long)n->start_mark.line + 1 : 0UL, pl->fpath,
             pl->fpath[0] ? ": " : "", msg);
    return code;
}

/* Printable, bounded rendering of a value for a message. */
static const char *pl_show(const char *v, size_t len, char *buf, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < len && k + 5 < cap; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c >= 0x20 && c < 0x7f && c != '\\')
            buf[k++] = (char)c;
        else
            k += (size_t)snprintf(buf + k, cap - k, "\\x%02x", c);
    }
    if (k + 5 >= cap && cap > 4)
        memcpy(buf + cap - 4, "...", 4), k = cap - 1;
    buf[k] = 0;
    return buf;
}

static void free_domains(const char *const *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free((char *)v[i]);
    free((void *)v);
}

static void profile_app_clear(struct profile_app *a)
{
    free((char *)a->package);
    free((char *)a->name);
    free((char *)a->policy);
    free_domains(a->fp_domains, a->n_fp_domains);
}

static void profile_device_clear(struct profile_device *d)
{
    free((char *)d->id);
    free((char *)d->app);
    free((char *)d->policy);
    for (size_t i = 0; i < d->n_idents; i++)
        free((char *)d->idents[i].value);
    free((void *)d->idents);
    free_domains(d->fp_domains, d->n_fp_domains);
    for (size_t i = 0; i < d->n_apps; i++)
        profile_app_clear((struct profile_app *)&d->apps[i]);
    free((void *)d->apps);
}

void profile_free(profile_t *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->ndevs; i++)
        profile_device_clear(&p->devs[i]);
    free(p->devs);
    free(p->path);
    free(p);
}

const char *profile_path(const profile_t *p)
{
    return p ? p->path : NULL;
}

/* Pass 1: the event stream. */
static int pl_precheck(struct pload *pl, FILE *f)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    int depth = 0, rc = 0;
    size_t events = 0;
    if (!yaml_parser_initialize(&parser))
        return pl_err(pl, NULL, LW_ERR_NOMEM, "cannot initialise the YAML parser");
    yaml_parser_set_input_file(&parser, f);
    for (;;) {
        if (!yaml_parser_parse(&parser, &ev)) {
            snprintf(pl->err, pl->errlen, "%s:%lu: YAML syntax: %s", pl->path,
                     (unsigned long)parser.problem_mark.line + 1,
                     parser.problem ? parser.problem : "error");
            rc = LW_ERR_PARSE;
            break;
        }
        unsigned long line = (unsigned long)ev.start_mark.line + 1;
        yaml_event_type_t t = ev.type;
        if (t == YAML_ALIAS_EVENT) {
            snprintf(pl->err, pl->errlen, "%s:%lu: YAML aliases (*%s) are not accepted in a "
                     "profile", pl->path, line, ev.data.alias.anchor);
            rc = LW_ERR_PARSE;
        } else if (t == YAML_SEQUENCE_START_EVENT || t == YAML_MAPPING_START_EVENT) {
            if (++depth > PROFILE_MAX_DEPTH) {
                snprintf(pl->err, pl->errlen, "%s:%lu: nesting deeper than %d levels",
                         pl->path, line, PROFILE_MAX_DEPTH);
                rc = LW_ERR_PARSE;
            }
        } else if (t == YAML_SEQUENCE_END_EVENT || t == YAML_MAPPING_END_EVENT) {
            depth--;
        } else if (t == YAML_SCALAR_EVENT && ev.data.scalar.length > PROFILE_MAX_SCALAR) {
            snprintf(pl->err, pl->errlen, "%s:%lu: scalar of %zu bytes (limit %d)", pl->path,
                     line, ev.data.scalar.length, PROFILE_MAX_SCALAR);
            rc = LW_ERR_PARSE;
        } else if (t == YAML_DOCUMENT_START_EVENT && events > 2) {
            snprintf(pl->err, pl->errlen, "%s:%lu: more than one YAML document", pl->path,
                     line);
            rc = LW_ERR_PARSE;
        }
        if (rc == 0 && ++events > PROFILE_MAX_EVENTS) {
            snprintf(pl->err, pl->errlen, "%s:%lu: more than %d YAML events", pl->path, line,
                     PROFILE_MAX_EVENTS);
            rc = LW_ERR_PARSE;
        }
        yaml_event_delete(&ev);
        if (rc || t == YAML_STREAM_END_EVENT)
            break;
    }
    yaml_parser_delete(&parser);
    return rc;
}

static yaml_node_t *pl_node(struct pload *pl, int idx)
{
    return yaml_document_get_node(pl->doc, idx);
}

static int pl_scalar_is(const yaml_node_t *n, const char *s)
{
    return n && n->type == YAML_SCALAR_NODE && n->data.scalar.length == strlen(s) &&
           memcmp(n->data.scalar.value, s, n->data.scalar.length) == 0;
}

/* Set the field path: base + suffix, bounded. */
static void pl_path(struct pload *pl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void pl_path(struct pload *pl, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pl->fpath, sizeof pl->fpath, fmt, ap);
    va_end(ap);
}

static int pl_string(struct pload *pl, yaml_node_t *n, const char **out)
{
    if (n->type != YAML_SCALAR_NODE)
        return pl_err(pl, n, LW_ERR_PARSE, "expected a string");
    if (n->data.scalar.length == 0)
        return pl_err(pl, n, LW_ERR_PARSE, "empty value");
    if (memchr(n->data.scalar.value, 0, n->data.scalar.length))
        return pl_err(pl, n, LW_ERR_PARSE, "NUL byte in value");
    char *s = strndup((const char *)n->data.scalar.value, n->data.scalar.length);
    if (!s)
        return pl_err(pl, n, LW_ERR_NOMEM, "out of memory");
    *out = s;
    return 0;
}

struct identv {
    struct profile_ident *v;
    size_t n, cap;
};

static int pl_add_ident(struct pload *pl, yaml_node_t *n, struct identv *iv,
                        const struct idtype *t, const char *val, size_t len)
{
    char why[128], show[80];
    if (idtype_validate(t, val, len, why, sizeof why) < 0)
        return pl_err(pl, n, LW_ERR_PARSE, "\"%s\" %s", pl_show(val, len, show, sizeof show),
                      why);
    if (iv->n >= PROFILE_MAX_DEVICE_IDENTS)
        return pl_err(pl, n, LW_ERR_PARSE, "more than %d identifier values for one device",
                      PROFILE_MAX_DEVICE_IDENTS);
    for (size_t i = 0; i < iv->n; i++)
        if (iv->v[i].type == t->name && iv->v[i].value_len == len &&
            memcmp(iv->v[i].value, val, len) == 0)
            return pl_err(pl, n, LW_ERR_PARSE, "duplicate value \"%s\" (also line %d)",
                          pl_show(val, len, show, sizeof show), iv->v[i].line);
    if (iv->n == iv->cap) {
        size_t cap = iv->cap ? iv->cap * 2 : 16;
        struct profile_ident *nv = realloc(iv->v, cap * sizeof *nv);
        if (!nv)
            return pl_err(pl, n, LW_ERR_NOMEM, "out of memory");
        iv->v = nv;
        iv->cap = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return pl_err(pl, n, LW_ERR_NOMEM, "out of memory");
    memcpy(copy, val, len);
    copy[len] = 0;
    iv->v[iv->n++] = (struct profile_ident){t->name, copy, len, (int)n->start_mark.line + 1};
    return 0;
}

/* "did you mean \"x\"? " when key k is a near miss of one of known, else "". */
static const char *pl_hint(const yaml_node_t *k, const char *const *known, char *buf,
                           size_t len)
{
    const char *s = NULL;
    buf[0] = 0;
    if (k->type == YAML_SCALAR_NODE)
        s = ryaml_suggest((const char *)k->data.scalar.value, k->data.scalar.length, known);
    if (s)
        snprintf(buf, len, "did you mean \"%s\"? ", s);
    return buf;
}

/* The same for identifier type names, followed by the list of them. */
static const char *pl_type_hint(const yaml_node_t *k, char *buf, size_t len)
{
    const char *names[64];
    size_t n = idtype_count(), used;
    if (n > 63)
        n = 63;
    for (size_t i = 0; i < n; i++)
        names[i] = idtype_at(i)->name;
    names[n] = NULL;
    pl_hint(k, names, buf, len);
    used = strlen(buf);
    used += (size_t)snprintf(buf + used, len - used, "known:");
    for (size_t i = 0; i < n && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s %s", i ? "," : "", names[i]);
    return buf;
}

/* location: {lat: .., lon: ..} -> gps "lat,lon". lng is accepted for lon. */
static int pl_location(struct pload *pl, yaml_node_t *n, struct identv *iv)
{
    const yaml_node_t *lat = NULL, *lon = NULL;
    if (n->type != YAML_MAPPING_NODE)
        return pl_err(pl, n, LW_ERR_PARSE, "expected {lat: .., lon: ..}");
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = pl_node(pl, p->key), *v = pl_node(pl, p->value);
        if (pl_scalar_is(k, "lat") && v->type == YAML_SCALAR_NODE)
            lat = v;
        else if ((pl_scalar_is(k, "lon") || pl_scalar_is(k, "lng")) && v->type == YAML_SCALAR_NODE)
            lon = v;
        else {
            static const char *const keys[] = {"lat", "lon", "lng", NULL};
            char hint[96];
            return pl_err(pl, k, LW_ERR_PARSE, "unknown location field (%sexpected lat, lon)",
                          pl_hint(k, keys, hint, sizeof hint));
        }
    }
    if (!lat || !lon)
        return pl_err(pl, n, LW_ERR_PARSE, "location needs both lat and lon");
    char buf[96];
    if (lat->data.scalar.length + lon->data.scalar.length + 2 > sizeof buf)
        return pl_err(pl, n, LW_ERR_PARSE, "lat/lon too long");
    int k = snprintf(buf, sizeof buf, "%.*s,%.*s", (int)lat->data.scalar.length,
                     (const char *)lat->data.scalar.value, (int)lon->data.scalar.length,
                     (const char *)lon->data.scalar.value);
    return pl_add_ident(pl, n, iv, idtype_find("gps"), buf, (size_t)k);
}

static int pl_identifiers(struct pload *pl, size_t di, yaml_node_t *n, struct identv *iv)
{
    if (n->type != YAML_MAPPING_NODE) {
        pl_path(pl, "devices[%zu].identifiers", di);
        return pl_err(pl, n, LW_ERR_PARSE, "expected a mapping of type: value");
    }
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = pl_node(pl, p->key), *v = pl_node(pl, p->value);
        int rc;
        if (k->type != YAML_SCALAR_NODE) {
            pl_path(pl, "devices[%zu].identifiers", di);
            return pl_err(pl, k, LW_ERR_PARSE, "a key must be a type name");
        }
        char kname[64], show[80];
        pl_show((const char *)k->data.scalar.value, k->data.scalar.length, kname, sizeof kname);
        pl_path(pl, "devices[%zu].identifiers.%s", di, kname);
        if (pl_scalar_is(k, "location") || pl_scalar_is(k, "gps")) {
            if (v->type == YAML_MAPPING_NODE) {
                if ((rc = pl_location(pl, v, iv)) < 0)
                    return rc;
                continue;
            }
        }
        const struct idtype *t = idtype_findn((const char *)k->data.scalar.value,
                                              k->data.scalar.length);
        if (!t && pl_scalar_is(k, "location"))
            t = idtype_find("gps");
        char hint[320];
        if (!t)
            return pl_err(pl, k, LW_ERR_PARSE, "unknown identifier type \"%s\" (%s)",
                          pl_show((const char *)k->data.scalar.value, k->data.scalar.length,
                                  show, sizeof show),
                          pl_type_hint(k, hint, sizeof hint));
        if (v->type == YAML_SCALAR_NODE) {
            if ((rc = pl_add_ident(pl, v, iv, t, (const char *)v->data.scalar.value,
                                   v->data.scalar.length)) < 0)
                return rc;
        } else if (v->type == YAML_SEQUENCE_NODE) {
            /* Several values of one type: dual-SIM IMEIs, every Wi-Fi the device knows. */
            size_t j = 0;
            if (v->data.sequence.items.start == v->data.sequence.items.top)
                return pl_err(pl, v, LW_ERR_PARSE, "empty list");
            for (yaml_node_item_t *it = v->data.sequence.items.start;
                 it < v->data.sequence.items.top; it++, j++) {
                yaml_node_t *e = pl_node(pl, *it);
                pl_path(pl, "devices[%zu].identifiers.%s[%zu]", di, kname, j);
                if (e->type != YAML_SCALAR_NODE)
                    return pl_err(pl, e, LW_ERR_PARSE, "expected a string");
                if ((rc = pl_add_ident(pl, e, iv, t, (const char *)e->data.scalar.value,
                                       e->data.scalar.length)) < 0)
                    return rc;
            }
        } else {
            return pl_err(pl, v, LW_ERR_PARSE, "expected a value or a list of values");
        }
    }
    return 0;
}

/* A list of host names: lower case letters, digits, '-' and '.', as in DNS. */
static int pl_domains(struct pload *pl, const char *const **out, size_t *nout,
                      yaml_node_t *n)
{
    if (n->type != YAML_SEQUENCE_NODE)
        return pl_err(pl, n, LW_ERR_PARSE, "expected a list of domains");
    if (*out)
        return pl_err(pl, n, LW_ERR_PARSE, "given twice");
    size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    const char **v = calloc(cnt ? cnt : 1, sizeof *v);
    if (!v)
        return pl_err(pl, n, LW_ERR_NOMEM, "out of memory");
    *out = v;
    for (size_t i = 0; i < cnt; i++) {
        yaml_node_t *e = pl_node(pl, n->data.sequence.items.start[i]);
        const char *s = NULL;
        int rc = pl_string(pl, e, &s);
        if (rc < 0)
            return rc;
        v[(*nout)++] = s;
        size_t len = strlen(s);
        if (len > 253 || s[0] == '.' || s[len - 1] == '.' ||
            strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-.") != len || !strchr(s, '.'))
            return pl_err(pl, e, LW_ERR_PARSE,
                          "\"%s\" is not a domain (lower case, e.g. api.example.com)", s);
    }
    return 0;
}

static int pl_app_keys_match(const char *want, const char *have, int *matched)
{
    if (!want || !have || !*have)
        return 1;   /* not given, or the capture does not say: no objection */
    *matched = 1;
    return !strcmp(want, have);
}

const struct profile_app *profile_find_app(const struct profile_device *d, int32_t uid,
                                           const char *package, const char *name)
{
    for (size_t i = 0; d && i < d->n_apps; i++) {
        const struct profile_app *a = &d->apps[i];
        int matched = 0;
        if (a->has_uid && a->uid != uid)
            continue;
        matched = a->has_uid;
        if (pl_app_keys_match(a->package, package, &matched) &&
            pl_app_keys_match(a->name, name, &matched) && matched)
            return a;
    }
    return NULL;
}

/* apps[j]: {package, name, uid, policy, first_party_domains}. */
static int pl_app(struct pload *pl, size_t di, size_t j, struct profile_app *a, yaml_node_t *n)
{
    pl_path(pl, "devices[%zu].apps[%zu]", di, j);
    a->line = (int)n->start_mark.line + 1;
    if (n->type != YAML_MAPPING_NODE)
        return pl_err(pl, n, LW_ERR_PARSE, "expected a mapping");
    for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
         pr++) {
        yaml_node_t *k = pl_node(pl, pr->key), *v = pl_node(pl, pr->value);
        char kname[64];
        int rc;
        if (k->type != YAML_SCALAR_NODE)
            return pl_err(pl, k, LW_ERR_PARSE, "a key must be a string");
        pl_show((const char *)k->data.scalar.value, k->data.scalar.length, kname, sizeof kname);
        pl_path(pl, "devices[%zu].apps[%zu].%s", di, j, kname);
        const char **dst = pl_scalar_is(k, "package") ? &a->package
                           : pl_scalar_is(k, "name")  ? &a->name
                           : pl_scalar_is(k, "policy") ? &a->policy
                                                       : NULL;
        if (pl_scalar_is(k, "first_party_domains")) {
            if ((rc = pl_domains(pl, &a->fp_domains, &a->n_fp_domains, v)) < 0)
                return rc;
        } else if (pl_scalar_is(k, "uid")) {
            char *end;
            long u = v->type == YAML_SCALAR_NODE
                         ? strtol((const char *)v->data.scalar.value, &end, 10) : -1;
            if (v->type != YAML_SCALAR_NODE || !v->data.scalar.length ||
                end != (const char *)v->data.scalar.value + v->data.scalar.length || u < 0 ||
                u > INT32_MAX || a->has_uid)
                return pl_err(pl, v, LW_ERR_PARSE, a->has_uid ? "given twice"
                              : "expected an Android UID (a number, e.g. 10123)");
            a->uid = (int32_t)u;
            a->has_uid = 1;
        } else if (dst) {
            if (*dst)
                return pl_err(pl, v, LW_ERR_PARSE, "given twice");
            if ((rc = pl_string(pl, v, dst)) < 0)
                return rc;
            if (dst == &a->policy)
                a->policy_line = (int)v->start_mark.line + 1;
        } else {
            static const char *const keys[] = {"package", "name", "uid", "policy",
                                               "first_party_domains", NULL};
            char hint[96];
            return pl_err(pl, k, LW_ERR_PARSE, "unknown app field (%sexpected package, "
                          "name, uid, policy, first_party_domains)",
                          pl_hint(k, keys, hint, sizeof hint));
        }
    }
    pl_path(pl, "devices[%zu].apps[%zu]", di, j);
    if (!a->package && !a->name && !a->has_uid)
        return pl_err(pl, n, LW_ERR_PARSE, "needs package, uid or name to be recognised");
    return 0;
}

/* apps: the device's apps that captures name, each with its own policy. Two entries
 * that the same capture app could match would make the policy ambiguous. */
static int pl_apps(struct pload *pl, size_t di, struct profile_device *d, yaml_node_t *n)
{
    if (n->type != YAML_SEQUENCE_NODE)
        return pl_err(pl, n, LW_ERR_PARSE, "expected a list of apps");
    if (d->apps)
        return pl_err(pl, n, LW_ERR_PARSE, "given twice");
    size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (cnt > PROFILE_MAX_DEVICE_APPS)
        return pl_err(pl, n, LW_ERR_PARSE, "more than %d apps", PROFILE_MAX_DEVICE_APPS);
    struct profile_app *v = calloc(cnt ? cnt : 1, sizeof *v);
    if (!v)
        return pl_err(pl, n, LW_ERR_NOMEM, "out of memory");
    d->apps = v;
    for (size_t j = 0; j < cnt; j++) {
        yaml_node_t *e = pl_node(pl, n->data.sequence.items.start[j]);
        d->n_apps = j + 1;  /* so the device's clear frees a half-built entry */
        int rc = pl_app(pl, di, j, &v[j], e);
        if (rc < 0)
            return rc;
        for (size_t i = 0; i < j; i++)
            if ((v[i].package && v[j].package && !strcmp(v[i].package, v[j].package)) ||
                (v[i].has_uid && v[j].has_uid && v[i].uid == v[j].uid) ||
                (v[i].name && v[j].name && !strcmp(v[i].name, v[j].name)))
                return pl_err(pl, e, LW_ERR_PARSE, "the same app as apps[%zu] (line %d)", i,
                              v[i].line);
    }
    return 0;
}

int profile_app_is_first_party(const struct profile_app *a, const char *host, size_t len)
{
    for (size_t i = 0; a && i < a->n_fp_domains; i++)
        if (catalog_host_in(host, len, a->fp_domains[i]))
            return 1;
    return 0;
}

int profile_is_first_party(const struct profile_device *d, const char *host, size_t len)
{
    for (size_t i = 0; d && i < d->n_fp_domains; i++)
        if (catalog_host_in(host, len, d->fp_domains[i]))
            return 1;
    return 0;
}

/* Device di against the ones before it: an id, a MAC or an IP given twice would make
 * attribution ambiguous (which device sent this?). */
static int pl_check_dups(struct pload *pl, const profile_t *p, size_t di, yaml_node_t *n)
{
    const struct profile_device *d = &p->devs[di];
    size_t alen = d->ip_family == 6 ? 16 : 4;
    for (size_t j = 0; j < di; j++) {
        const struct profile_device *o = &p->devs[j];
        if (strcmp(o->id, d->id) == 0)
            return pl_err(pl, n, LW_ERR_PARSE, "duplicate device id \"%s\" (also devices[%zu])",
                          d->id, j);
        if (d->has_mac && o->has_mac && !memcmp(o->mac, d->mac, 6))
            return pl_err(pl, n, LW_ERR_PARSE, "mac also used by devices[%zu] (%s)", j, o->id);
        if (d->ip_family && d->ip_family == o->ip_family && !memcmp(o->ip, d->ip, alen))
            return pl_err(pl, n, LW_ERR_PARSE, "ip also used by devices[%zu] (%s)", j, o->id);
    }
    return 0;
}

static int pl_device(struct pload *pl, profile_t *p, size_t di, yaml_node_t *n)
{
    struct profile_device *d = &p->devs[di];
    struct identv iv = {0};
    int rc = 0;
    pl_path(pl, "devices[%zu]", di);
    if (n->type != YAML_MAPPING_NODE)
        return pl_err(pl, n, LW_ERR_PARSE, "expected a mapping");
    for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
         pr++) {
        yaml_node_t *k = pl_node(pl, pr->key), *v = pl_node(pl, pr->value);
        char kname[64];
        if (k->type != YAML_SCALAR_NODE) {
            rc = pl_err(pl, k, LW_ERR_PARSE, "a key must be a string");
            goto out;
        }
        pl_show((const char *)k->data.scalar.value, k->data.scalar.length, kname, sizeof kname);
        pl_path(pl, "devices[%zu].%s", di, kname);
        const char *s = NULL;
        if (pl_scalar_is(k, "identifiers")) {
            if ((rc = pl_identifiers(pl, di, v, &iv)) < 0)
                goto out;
            continue;
        }
        if (pl_scalar_is(k, "first_party_domains")) {
            if ((rc = pl_domains(pl, &d->fp_domains, &d->n_fp_domains, v)) < 0)
                goto out;
            continue;
        }
        if (pl_scalar_is(k, "apps")) {
            if ((rc = pl_apps(pl, di, d, v)) < 0)
                goto out;
            continue;
        }
        if (!pl_scalar_is(k, "id") && !pl_scalar_is(k, "mac") && !pl_scalar_is(k, "ip") &&
            !pl_scalar_is(k, "app") && !pl_scalar_is(k, "policy")) {
            static const char *const keys[] = {"id",     "mac", "ip", "app", "policy",
                                               "first_party_domains", "identifiers", "apps",
                                               NULL};
            char hint[96];
            rc = pl_err(pl, k, LW_ERR_PARSE, "unknown device field (%sexpected id, mac, ip, "
                        "app, policy, first_party_domains, identifiers, apps)",
                        pl_hint(k, keys, hint, sizeof hint));
            goto out;
        }
        if ((rc = pl_string(pl, v, &s)) < 0)
            goto out;
        if (pl_scalar_is(k, "id")) {
            free((char *)d->id);
            d->id = s;
        } else if (pl_scalar_is(k, "app")) {
            free((char *)d->app);
            d->app = s;
        } else if (pl_scalar_is(k, "policy")) {
            free((char *)d->policy);
            d->policy = s;
            d->policy_line = (int)v->start_mark.line + 1;
        } else if (pl_scalar_is(k, "mac")) {
            int ok = idtype_parse_mac(s, strlen(s), d->mac);
            if (!ok)
                rc = pl_err(pl, v, LW_ERR_PARSE, "\"%s\" is not a MAC address", s);
            d->has_mac = ok;
            free((char *)s);
            if (rc)
                goto out;
        } else {
            if (inet_pton(AF_INET, s, d->ip) == 1)
                d->ip_family = 4;
            else if (inet_pton(AF_INET6, s, d->ip) == 1)
                d->ip_family = 6;
            else
                rc = pl_err(pl, v, LW_ERR_PARSE, "\"%s\" is not an IPv4 or IPv6 address", s);
            free((char *)s);
            if (rc)
                goto out;
        }
    }
    pl_path(pl, "devices[%zu]", di);
    if (!d->id) {
        rc = pl_err(pl, n, LW_ERR_PARSE, "missing id");
        goto out;
    }
    rc = pl_check_dups(pl, p, di, n);
out:
    d->idents = iv.v;
    d->n_idents = iv.n;
    return rc;
}

int profile_load(const char *path, profile_t **out, char *err, size_t errlen)
{
    struct pload pl = {.path = path, .err = err, .errlen = errlen};
    yaml_parser_t parser;
    yaml_document_t doc;
    int have_parser = 0, have_doc = 0, rc = 0;
    profile_t *p = NULL;
    struct stat sb;
    FILE *f = fopen(path, "rb");
    *out = NULL;
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return LW_ERR_IO;
    }
    if (fstat(fileno(f), &sb) == 0 && sb.st_size > (off_t)PROFILE_MAX_FILE) {
        snprintf(err, errlen, "%s: larger than %u bytes", path, PROFILE_MAX_FILE);
        rc = LW_ERR_PARSE;
        goto done;
    }
    if ((rc = pl_precheck(&pl, f)) < 0)
        goto done;
    rewind(f);
    if (!yaml_parser_initialize(&parser)) {
        rc = LW_ERR_NOMEM;
        snprintf(err, errlen, "%s: cannot initialise the YAML parser", path);
        goto done;
    }
    have_parser = 1;
    yaml_parser_set_input_file(&parser, f);
    if (!yaml_parser_load(&parser, &doc)) {
        snprintf(err, errlen, "%s:%lu: YAML syntax: %s", path,
                 (unsigned long)parser.problem_mark.line + 1,
                 parser.problem ? parser.problem : "error");
        rc = LW_ERR_PARSE;
        goto done;
    }
    have_doc = 1;
    pl.doc = &doc;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    yaml_node_t *devs = NULL;
    if (!root) {
        snprintf(err, errlen, "%s:1: empty profile (expected devices:)", path);
        rc = LW_ERR_PARSE;
        goto done;
    }
    if (root->type != YAML_MAPPING_NODE) {
        rc = pl_err(&pl, root, LW_ERR_PARSE, "expected a mapping with devices:");
        goto done;
    }
    for (yaml_node_pair_t *pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top;
         pr++) {
        yaml_node_t *k = pl_node(&pl, pr->key);
        if (pl_scalar_is(k, "devices")) {
            devs = pl_node(&pl, pr->value);
        } else {
            static const char *const keys[] = {"devices", NULL};
            char hint[96];
            rc = pl_err(&pl, k, LW_ERR_PARSE, "unknown top-level field (%sexpected devices)",
                        pl_hint(k, keys, hint, sizeof hint));
            goto done;
        }
    }
    pl_path(&pl, "devices");
    if (!devs) {
        rc = pl_err(&pl, root, LW_ERR_PARSE, "missing");
        goto done;
    }
    if (devs->type != YAML_SEQUENCE_NODE) {
        rc = pl_err(&pl, devs, LW_ERR_PARSE, "expected a list of devices");
        goto done;
    }
    size_t nd = (size_t)(devs->data.sequence.items.top - devs->data.sequence.items.start);
    if (nd > PROFILE_MAX_DEVICES) {
        rc = pl_err(&pl, devs, LW_ERR_PARSE, "more than %d devices", PROFILE_MAX_DEVICES);
        goto done;
    }
    p = calloc(1, sizeof *p);
    if (p && !(p->path = strdup(path))) {
        free(p);
        p = NULL;
    }
    if (!p || !(p->devs = calloc(nd ? nd : 1, sizeof *p->devs))) {
        rc = LW_ERR_NOMEM;
        snprintf(err, errlen, "%s: out of memory", path);
        goto done;
    }
    for (size_t i = 0; i < nd; i++) {
        p->ndevs = i + 1;   /* so profile_free() clears a half-built device */
        rc = pl_device(&pl, p, i, pl_node(&pl, devs->data.sequence.items.start[i]));
        if (rc < 0)
            goto done;
    }
    *out = p;
    p = NULL;
done:
    profile_free(p);
    if (have_doc)
        yaml_document_delete(&doc);
    if (have_parser)
        yaml_parser_delete(&parser);
    fclose(f);
    return rc;
}

size_t profile_ndevices(const profile_t *p) { return p ? p->ndevs : 0; }

const struct profile_device *profile_device(const profile_t *p, size_t i)
{
    return p && i < p->ndevs ? &p->devs[i] : NULL;
}

int profile_find_mac(const profile_t *p, const uint8_t mac[6])
{
    for (size_t i = 0; p && i < p->ndevs; i++)
        if (p->devs[i].has_mac && memcmp(p->devs[i].mac, mac, 6) == 0)
            return (int)i;
    return -1;
}

int profile_find_ip(const profile_t *p, int family, const uint8_t *ip)
{
    size_t n = family == 4 ? 4 : family == 6 ? 16 : 0;
    for (size_t i = 0; p && n && i < p->ndevs; i++)
        if (p->devs[i].ip_family == family && memcmp(p->devs[i].ip, ip, n) == 0)
            return (int)i;
    return -1;
}
