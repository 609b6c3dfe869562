/* fuzz_pcapfile.c - capture/pcapfile.c against libpcap on the input as a capture file:
 * differential. Both read every record; any difference in a record's header or bytes,
 * in where the file ends or in the message of a damaged file traps, as a crash does.
 * Inputs libpcap does not open, and files pcapfile declines, end the run early. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "capture/pcapfile.h"

static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!path[0])
        snprintf(path, sizeof path, "/tmp/lw-fuzz-pcapfile.%d", (int)getpid());
    FILE *w = fopen(path, "wb");
    if (!w)
        return 0;
    fwrite(data, 1, size, w);
    fclose(w);
    char e[PCAP_ERRBUF_SIZE];
    pcap_t *ref = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, e);
    FILE *fp = fopen(path, "rb");
    pcap_t *pc = fp ? pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, e)
                    : NULL;
    if (fp && !pc)
        fclose(fp);
    if (!ref != !pc)
        __builtin_trap();
    pcapfile_t *f = pc ? pcapfile_open(fileno(fp), pc) : NULL;
    for (int r = 1; f && r == 1;) {
        struct pcap_pkthdr *rh, h;
        const u_char *rd;
        const uint8_t *d;
        char err[PCAP_ERRBUF_SIZE] = "";
        int rr = pcap_next_ex(ref, &rh, &rd);
        r = pcapfile_next(f, &h, &d, err, sizeof err);
        if (r != (rr == 1 ? 1 : rr == PCAP_ERROR_BREAK ? 0 : -1))
            __builtin_trap();
        if (r < 0 && strcmp(err, pcap_geterr(ref)))
            __builtin_trap();
        if (r == 1 && (h.ts.tv_sec != rh->ts.tv_sec || h.ts.tv_usec != rh->ts.tv_usec ||
                       h.caplen != rh->caplen || h.len != rh->len || memcmp(d, rd, h.caplen)))
            __builtin_trap();
    }
    pcapfile_free(f);
    if (ref)
        pcap_close(ref);
    if (pc)
        pcap_close(pc);
    unlink(path);
    return 0;
}
