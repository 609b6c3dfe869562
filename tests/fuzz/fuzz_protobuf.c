/* fuzz_protobuf.c - libFuzzer target for the protobuf, gRPC and multipart framings
 * (dissectors/protobuf.h, dissectors/multipart.h): every callback's slice must lie
 * inside the input. */
#include <stdint.h>
#include <stdlib.h>

#include "dissectors/multipart.h"
#include "dissectors/protobuf.h"

static const uint8_t *fz_lo, *fz_hi;

static void fz_in(const uint8_t *p, size_t n)
{
    if (n && (p < fz_lo || p + n > fz_hi))
        abort();
}

static void fz_pb(void *arg, uint32_t field, const uint8_t *v, size_t n)
{
    (void)arg, (void)field;
    fz_in(v, n);
    protobuf_walk(v, n, NULL, NULL);
}

static void fz_grpc(void *arg, int compressed, const uint8_t *m, size_t n)
{
    (void)arg, (void)compressed;
    fz_in(m, n);
}

static void fz_part(void *arg, const char *name, const uint8_t *ct, size_t ctl,
                    const uint8_t *body, size_t n)
{
    (void)arg, (void)name;
    fz_in(ct, ctl);
    fz_in(body, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_lo = data;
    fz_hi = data + size;
    protobuf_walk(data, size, fz_pb, NULL);
    protobuf_grpc_frames(data, size, fz_grpc, NULL);
    if (multipart_sniff(data, size))
        multipart_split(data, size, fz_part, NULL);
    return 0;
}
