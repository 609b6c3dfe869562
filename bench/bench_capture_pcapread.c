/* bench_capture_pcapread - the baseline for bench/capture.sh: the cheapest possible
 * pass over a capture with libpcap (read every record, touch every byte once so the
 * data really comes through the cache). Prints packets, bytes and seconds. */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE\n", argv[0]);
        return 1;
    }
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(argv[1], err);
    if (!p) {
        fprintf(stderr, "%s: %s\n", argv[1], err);
        return 1;
    }
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    struct pcap_pkthdr *h;
    const u_char *d;
    uint64_t pkts = 0, bytes = 0, sum = 0;
    while (pcap_next_ex(p, &h, &d) == 1) {
        pkts++;
        bytes += h->caplen;
        for (uint32_t i = 0; i < h->caplen; i += 64)
            sum += d[i];
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    printf("packets=%llu bytes=%llu seconds=%.4f checksum=%llu\n", (unsigned long long)pkts,
           (unsigned long long)bytes, s, (unsigned long long)sum);
    pcap_close(p);
    return 0;
}
