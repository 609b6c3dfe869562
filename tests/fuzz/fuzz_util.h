/* fuzz_util.h - what the fuzz targets (fuzz_*.c) and their seed generator
 * (seedgen.c) share: the framing of a fuzz input into chunks, and the fixed key log.
 *
 * A chunk is [flags][length, 16 bits big-endian][bytes]; a short last chunk takes what
 * is left. flags bit 0 is the direction (0 client, 1 server), bit 1 "a gap before this
 * chunk". The framing lets libFuzzer mutate where a stream is cut, which direction
 * speaks and where bytes are lost, not only the bytes. Header only (static
 * functions): each target is one translation unit. */
#ifndef LW_TESTS_FUZZ_UTIL_H
#define LW_TESTS_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Client random 0x11 x32; handshake and traffic secrets 0x21, 0x22, 0x23, 0x24 x32. */
#define FUZZ_CR "1111111111111111111111111111111111111111111111111111111111111111"
#define FUZZ_SECRET(x) x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x
#define FUZZ_KEYLOG                                                              \
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET " FUZZ_CR " " FUZZ_SECRET("21") "\n"        \
    "SERVER_HANDSHAKE_TRAFFIC_SECRET " FUZZ_CR " " FUZZ_SECRET("22") "\n"        \
    "CLIENT_TRAFFIC_SECRET_0 " FUZZ_CR " " FUZZ_SECRET("23") "\n"                \
    "SERVER_TRAFFIC_SECRET_0 " FUZZ_CR " " FUZZ_SECRET("24") "\n"

struct fuzz_chunk {
    int dir, gap;
    const uint8_t *p;
    size_t n;
};

/* The next chunk of *data (advanced past it); 0 when nothing is left. */
static inline int fuzz_next(const uint8_t **data, size_t *size, struct fuzz_chunk *c)
{
    if (!*size)
        return 0;
    uint8_t fl = (*data)[0];
    size_t n = *size >= 3 ? (size_t)(*data)[1] << 8 | (*data)[2] : 0;
    size_t hdr = *size >= 3 ? 3 : *size;
    *data += hdr;
    *size -= hdr;
    if (n > *size)
        n = *size;
    c->dir = fl & 1;
    c->gap = (fl >> 1) & 1;
    c->p = *data;
    c->n = n;
    *data += n;
    *size -= n;
    return 1;
}

/* FUZZ_SETUP(fn): a target whose set-up is costly (rules to load and compile) runs fn()
 * from LLVMFuzzerInitialize, not on its first input: libFuzzer's per-input -timeout
 * does not count it there (compiling the rules under ASan once took 26 s on a busy CI
 * machine, past the 25 s limit). */
#define FUZZ_SETUP(fn)                                      \
    int LLVMFuzzerInitialize(int *argc, char ***argv);      \
    int LLVMFuzzerInitialize(int *argc, char ***argv)       \
    {                                                       \
        (void)argc;                                         \
        (void)argv;                                         \
        fn();                                               \
        return 0;                                           \
    }

#endif
