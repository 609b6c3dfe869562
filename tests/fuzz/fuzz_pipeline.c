/* fuzz_pipeline.c - the whole offline pipeline (engine/pipeline.c: pcap/pcapng reading,
 * decoding, fragments, flows, reassembly, nDPI, dissectors, key logs from pcapng
 * secrets, matching, attribution, events) on the input written to a temp file and
 * read as `leakwatch -r FILE` with the shipped rules would. One worker; events go to
 * /dev/null through the real sink. The rules and the sink are made once. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "engine/pipeline.h"
#include "engine/ruleset.h"
#include "tests/fuzz/fuzz_util.h"

static char path[64];
static struct ruleset *rules;
static sink_t *sink;

static void init(void)
{
    char err[512];
    static const char *const dirs[] = {LW_SOURCE_DIR "/data"};
    struct ruleset_options ro = {.rules_dirs = dirs, .nrules_dirs = 1, .min_confidence = 0.5};
    struct sink_config sc = {.out_path = "/dev/null"};
    if (ruleset_load(&ro, &rules, err, sizeof err) < 0 ||
        sink_open(&sc, &sink, err, sizeof err) < 0) {
        fprintf(stderr, "fuzz_pipeline: %s\n", err);
        __builtin_trap();
    }
    snprintf(path, sizeof path, "/tmp/lw-fuzz-pipeline.%d", (int)getpid());
}

FUZZ_SETUP(init)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    const char *files[1] = {path};
    struct pipeline_config pc;
    pipeline_defaults(&pc);
    pc.files = files;
    pc.nfiles = 1;
    pc.workers = 1;
    pc.quiet = 1;
    pc.max_flows = 1024;
    pc.sink = sink;
    pc.rules = rules;
    struct pipeline_result res;
    char err[512];
    pipeline_run(&pc, &res, err, sizeof err);
    unlink(path);
    return 0;
}
