/* redis.h - one Redis connection that writes events to a stream, pipelined.
 *
 * Each event becomes an XADD to the stream (MAXLEN ~ N) with flat fields (top-level
 * scalars as they are, nested objects flattened with dots, arrays as JSON text), a
 * "json" field with the whole event and its "event_id"; the dashboard aggregates
 * (docs/redis.md) go in the same pipeline. It deliberately does not spool, retry or
 * back off: it reports which events Redis acknowledged and drops a broken connection;
 * sink.c owns the policy. Not thread-safe: the sink thread owns it. hiredis 0.14:
 * no TLS, no RESP3. */
#ifndef LW_SINKS_REDIS_H
#define LW_SINKS_REDIS_H

#include <stddef.h>
#include <jansson.h>

typedef struct sink_redis sink_redis_t;

struct sink_redis_url {
    char host[256];
    int port;             /* 6379 when not given */
    char unix_path[108];  /* non-empty: connect to this unix socket instead */
    char user[128];       /* empty: AUTH with the password only */
    char pass[256];       /* empty: no AUTH */
    int db;               /* 0 when not given */
};

/* Parse "redis://[user:password@]host[:port][/db]" (host may be [v6]; user and
 * password may be %-encoded), "unix:///path[?db=N]" or a plain "/path" to a unix
 * socket. Returns 0 or LW_ERR_INVAL with err filled. */
int sink_redis_parse_url(const char *url, struct sink_redis_url *u, char *err,
                         size_t errlen);

struct sink_redis_opts {
    const char *url;
    const char *key;          /* stream key; aggregates are "<key>:agg:..." */
    long long maxlen;         /* <= 0: no trimming */
    long timeout_ms;          /* connect and per-command timeout */
};

/* Connect, AUTH and SELECT, then PING. Returns 0 and a handle the caller frees with
 * sink_redis_free(); LW_ERR_INVAL (bad URL), LW_ERR_CONNECT (unreachable) or
 * LW_ERR_AUTH (password or database refused) with err filled. */
int sink_redis_open(const struct sink_redis_opts *o, sink_redis_t **out, char *err,
                    size_t errlen);

/* NULL does nothing. */
void sink_redis_free(sink_redis_t *r);

/* 1 while the connection is believed usable. */
int sink_redis_connected(const sink_redis_t *r);

/* Drop the connection (e.g. Redis refuses writes and the caller backs off). */
void sink_redis_disconnect(sink_redis_t *r);

/* Drop the connection and make a new one (same checks as open). */
int sink_redis_reconnect(sink_redis_t *r, char *err, size_t errlen);

/* Send n events in one pipeline. evs[i] is the event (with its "event_id"),
 * json[i]/lens[i] its compact JSON. ok[i] is set to 1 when Redis acknowledged the
 * XADD of event i; evs[i] == NULL skips event i (ok[i] = 0). Returns 0 when all were acknowledged; otherwise a negative code
 * with err filled (LW_ERR_CONNECT: connection lost or timed out, now dropped;
 * LW_ERR_IO: Redis refused some writes). *agg_errors counts refused aggregate
 * updates (the event itself is in the stream). */
int sink_redis_send(sink_redis_t *r, json_t *const *evs, const char *const *json,
                    const size_t *lens, size_t n, unsigned char *ok,
                    unsigned long *agg_errors, char *err, size_t errlen);

/* The event_id of each of the newest count entries of the stream (XREVRANGE), so that
 * after an outage the sink can tell which unacknowledged events did reach Redis.
 * Stores up to count malloc'd strings in ids (the caller frees each) and returns how
 * many, or a negative code with err filled (the connection is then dropped). */
int sink_redis_recent_ids(sink_redis_t *r, size_t count, char **ids, char *err,
                          size_t errlen);

#endif
