/* fuzz_keylog.c - key logs (dissectors/keylog.c): selector 0 is NSS key log text
 * (added from memory); selector 1 writes the rest to a temp file read as a pcapng for
 * its Decryption Secrets Blocks, and as a key log file. Every secret found is looked
 * up again by its client random. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dissectors/keylog.h"
#include "tests/fuzz/fuzz_util.h"

static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size)
        return 0;
    keylog_t *kl = keylog_new();
    if (!kl)
        return 0;
    if (data[0] & 1) {
        if (!path[0])
            snprintf(path, sizeof path, "/tmp/lw-fuzz-keylog.%d", (int)getpid());
        FILE *f = fopen(path, "wb");
        if (f) {
            fwrite(data + 1, 1, size - 1, f);
            fclose(f);
            char err[256];
            keylog_load_pcapng(kl, path, err, sizeof err);
            keylog_add_file(kl, path, 0, err, sizeof err);
            unlink(path);
        }
    } else {
        keylog_add_text(kl, (const char *)data + 1, size - 1);
    }
    uint8_t cr[32];
    memset(cr, 0x11, sizeof cr);
    struct keylog_secrets s;
    keylog_lookup(kl, cr, &s);
    keylog_free(kl);
    return 0;
}
