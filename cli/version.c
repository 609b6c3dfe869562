/* version.c - see version.h. Runtime version calls where the library has one (so
 * the line describes the shared object actually loaded, not the headers built
 * against); hiredis 0.14 has none, its header's numbers are printed. */
#include "cli/version.h"

#include <hiredis/hiredis.h>
#include <hs/hs.h>
#include <jansson.h>
#include <ndpi_api.h>
#include <nghttp2/nghttp2.h>
#include <openssl/crypto.h>
#include <pcap/pcap.h>
#include <string.h>
#include <yaml.h>
#include <zlib.h>

#include "capture/classify.h"
#include "capture/flow.h"
#include "common/memcap.h"
#include "dissectors/dissect.h"
#include "engine/pipeline.h"
#include "engine/worker.h"

/* What Hyperscan's runtime will use here: the databases are compiled for the host
 * (no platform given to hs_compile), so this is the CPU it found. */
static void print_hyperscan(FILE *out)
{
    hs_platform_info_t p;
    memset(&p, 0, sizeof p);
    int ok = hs_populate_platform(&p) == HS_SUCCESS;
    fprintf(out, "Hyperscan %s; platform %s; CPU features used:", hs_version(),
            hs_valid_platform() == HS_SUCCESS ? "supported" : "NOT supported (needs SSSE3)");
    if (!ok)
        fprintf(out, " unknown");
    else if (!(p.cpu_features & (HS_CPU_FEATURES_AVX2 | HS_CPU_FEATURES_AVX512)))
        fprintf(out, " SSSE3 (no AVX2)");
    else
        fprintf(out, "%s%s%s", p.cpu_features & HS_CPU_FEATURES_AVX2 ? " AVX2" : "",
                p.cpu_features & HS_CPU_FEATURES_AVX512 ? " AVX512" : "",
                p.cpu_features & HS_CPU_FEATURES_AVX512VBMI ? " AVX512VBMI" : "");
    if (ok)
        fprintf(out, " (tune family %u)", p.tune);
    fputc('\n', out);
}

/* data/VERSION: "version: X" and "date: Y" lines. */
static void print_rules(FILE *out, const char *const *dirs, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        char path[4096], line[256], ver[64] = "?", date[64] = "?";
        snprintf(path, sizeof path, "%s/VERSION", dirs[i]);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        while (fgets(line, sizeof line, f)) {
            sscanf(line, "version: %63s", ver);
            sscanf(line, "date: %63s", date);
        }
        fclose(f);
        fprintf(out, "rule data %s (%s), %s\n", ver, date, dirs[i]);
        return;
    }
    fprintf(out, "rule data: no VERSION file in %s\n", n ? dirs[n - 1] : "(none)");
}

/* Whole MiB rounded up: a figure to provision for is not to be exceeded. */
static size_t mib_up(size_t bytes)
{
    return (bytes + (1u << 20) - 1) >> 20;
}

void version_print(FILE *out, const char *const *rules_dirs, int nrules_dirs,
                   const struct pipeline_config *pc)
{
    fprintf(out, "leakwatch %s\n", LW_VERSION);
    fprintf(out, "nDPI %s\n", ndpi_revision());
    print_hyperscan(out);
    fprintf(out, "%s\n", pcap_lib_version());
    fprintf(out, "%s\n", OpenSSL_version(OPENSSL_VERSION));
    fprintf(out, "hiredis %d.%d.%d\n", HIREDIS_MAJOR, HIREDIS_MINOR, HIREDIS_PATCH);
    fprintf(out, "nghttp2 %s\n", nghttp2_version(0)->version_str);
    fprintf(out, "jansson %s\n", jansson_version_str());
    fprintf(out, "libyaml %s\n", yaml_get_version_string());
    fprintf(out, "zlib %s\n", zlibVersion());
    print_rules(out, rules_dirs, nrules_dirs);
    /* The profile's Hyperscan stream states are not known here: named, not counted. */
    size_t fixed = worker_flow_bytes();
    fprintf(out, "memory per flow: %zu bytes from its first packet (%zu in the flow table "
                 "and %zu for its hash bucket, %zu of nDPI state), %u more and two Hyperscan "
                 "stream states once its payload is inspected (the stats event's "
                 "memory.per_flow_bytes), plus reassembly chunks while segments wait\n",
            fixed, flow_table_entry_bytes(), sizeof(struct flow *), classify_flow_bytes(),
            WORKER_FLOW_STATE_BYTES);
    size_t buckets, flows = pipeline_flows_bytes(pc, &buckets);
    size_t all = flows + (size_t)WORKER_FLOW_STATE_BYTES * pc->max_flows;
    fprintf(out, "memory for --max-flows %zu%s with %d worker%s (-t): %zu MiB while no flow "
                 "carries payload (%zu MiB of it hash buckets, a power of two per worker), "
                 "%zu MiB if all did; each worker also has its packet ring (%zu MiB), touched "
                 "as traffic passes\n",
            pc->max_flows, pc->max_flows == PIPELINE_MAX_FLOWS ? " (the default)" : "",
            pc->workers, pc->workers == 1 ? "" : "s", mib_up(flows), mib_up(buckets),
            mib_up(all), pc->ring_bytes >> 20);
    fprintf(out, "memory budget (--memcap): default %zu MiB here; each flow draws the "
                 "figures above, each open HTTP body up to %u KiB more\n",
            memcap_default() >> 20, DISSECT_BODY_MAX / 1024 + 40);
}
