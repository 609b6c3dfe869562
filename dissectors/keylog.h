/* keylog.h - TLS secrets for decryption: NSS key log files (SSLKEYLOGFILE) and pcapng
 * Decryption Secrets Blocks, indexed by client random.
 *
 * The engine's reader thread adds secrets (key log files, followed ones polled for new
 * lines, and the DSBs of the captures it reads); the TLS dissectors look them up from
 * the workers meanwhile. The first block below is what the engine uses, the second what
 * tls.c uses. Secrets stay for the life of the keylog_t: old sessions are not removed
 * (a lab key log holds thousands of lines, not millions). */
#ifndef LW_DISSECTORS_KEYLOG_H
#define LW_DISSECTORS_KEYLOG_H

#include <stddef.h>
#include <stdint.h>

typedef struct keylog keylog_t;

keylog_t *keylog_new(void);          /* NULL on allocation failure */
void keylog_free(keylog_t *kl);      /* NULL: no-op */

/* Read an NSS key log file. follow != 0: remember the offset; keylog_poll() reads lines
 * appended later (a partial last line waits for its newline). Returns the number of
 * secrets read (>= 0), or a negative LW_ERR_* code with a message when the file cannot
 * be opened. Garbage lines, wrong lengths, unknown labels are counted, never errors. */
int keylog_add_file(keylog_t *kl, const char *path, int follow, char *err, size_t errlen);

/* Secrets from the pcapng Decryption Secrets Blocks (type 0x0000000A, 'TLSK') of path:
 * >= 0 secrets found (0 for a classic pcap or no DSB); negative LW_ERR_* on read error.
 * (A file cut inside its last block counts as ending there; a malformed block length is
 * LW_ERR_PARSE, secrets read before it stay in kl.) */
int keylog_load_pcapng(keylog_t *kl, const char *path, char *err, size_t errlen);

/* Read what followed files gained since the last call. Called by one thread (the
 * reader), about once a second; cheap when nothing changed. */
void keylog_poll(keylog_t *kl);

/* Counters (lines, secrets, bad_lines, ...) by name, for the stats event. */
void keylog_stats_each(const keylog_t *kl, void (*fn)(void *ctx, const char *name, uint64_t v),
                       void *ctx);

/* Lookups by the workers' TLS dissectors (through dissect_env.keys) must be thread-safe
 * (internal rwlock) while the reader adds secrets. */

/* ---- Lookups, for the TLS dissectors (tls.c) ---- */

/* Which secret of a session (NSS key log labels). */
enum keylog_kind {
    KEYLOG_MASTER, /* CLIENT_RANDOM: TLS 1.2 master secret, 48 bytes */
    KEYLOG_CHS,    /* CLIENT_HANDSHAKE_TRAFFIC_SECRET */
    KEYLOG_SHS,    /* SERVER_HANDSHAKE_TRAFFIC_SECRET */
    KEYLOG_CTS0,   /* CLIENT_TRAFFIC_SECRET_0 */
    KEYLOG_STS0,   /* SERVER_TRAFFIC_SECRET_0 */
    KEYLOG_KINDS
};
#define KEYLOG_SECRET_MAX 48

/* A copy of what is known for one client random. */
struct keylog_secrets {
    unsigned have; /* bit (1u << kind) when that secret is known */
    uint8_t len[KEYLOG_KINDS];
    uint8_t sec[KEYLOG_KINDS][KEYLOG_SECRET_MAX];
};

/* Copy the secrets of client random cr (32 bytes) into out (caller's storage).
 * Returns out->have (0: nothing known). Thread-safe (read lock). */
unsigned keylog_lookup(keylog_t *kl, const uint8_t cr[32], struct keylog_secrets *out);

/* Moves whenever secrets are added: a failed lookup is worth retrying only then. */
uint64_t keylog_generation(const keylog_t *kl);

/* 1 when a file is followed: a missing secret may still arrive, so records wait. */
int keylog_following(const keylog_t *kl);

/* Key log lines from memory (a DSB, a test). Returns the number of secrets added. */
int keylog_add_text(keylog_t *kl, const char *text, size_t len);

#endif
