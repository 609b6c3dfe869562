/* fuzz_pcapdroid.c - PCAPdroid's app data (capture/pcapdroid.c). Selector bit 0 clear:
 * chunks, each one Ethernet frame for the pcap trailer parser and one pcapng block for
 * the block parser (one state across them, as a file's blocks share one); set: the rest
 * is written to a temp file and followed block by block as the source follows a pcapng. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "capture/pcapdroid.h"
#include "tests/fuzz/fuzz_util.h"

static char path[64];

static void follow_file(pcapdroid_apps_t *apps, const uint8_t *data, size_t size)
{
    if (!path[0])
        snprintf(path, sizeof path, "/tmp/lw-fuzz-pcapdroid.%d", (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        return;
    fwrite(data, 1, size, f);
    fclose(f);
    pcapdroid_ng_t *ng = pcapdroid_ng_open(path);
    /* Each call reads at least one 12-byte block or finds the end. */
    for (size_t i = 0; ng && i <= size / 12; i++)
        pcapdroid_ng_next(ng, apps);
    pcapdroid_ng_close(ng);
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size)
        return 0;
    pcapdroid_apps_t *apps = pcapdroid_apps_new();
    if (!apps)
        return 0;
    if (data[0] & 1) {
        follow_file(apps, data + 1, size - 1);
    } else {
        struct pcapdroid_ng_state st = {0};
        struct fuzz_chunk c;
        const uint8_t *p = data + 1;
        size_t n = size - 1;
        while (fuzz_next(&p, &n, &c)) {
            int32_t uid;
            char name[PCAPDROID_TRAILER_NAME];
            if (pcapdroid_trailer(c.p, c.n, &uid, name))
                pcapdroid_apps_get(apps, uid, NULL, name);
            const struct pcapdroid_app *app;
            pcapdroid_ng_block(&st, apps, c.p, c.n, &app);
        }
    }
    pcapdroid_apps_free(apps);
    return 0;
}
