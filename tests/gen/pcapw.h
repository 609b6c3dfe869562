/* pcapw.h - writer of synthetic captures for tests and benchmarks.
 *
 * Builds well-formed frames (Ethernet / Linux SLL / SLL2 / raw IP, optional 802.1Q and
 * QinQ tags, IPv4 or IPv6, TCP or UDP with correct checksums) and writes them as a
 * classic pcap file (microsecond timestamps). A TCP connection object tracks sequence
 * numbers so callers describe conversations, not packets: handshake, payloads cut at
 * chosen points, reordered or retransmitted segments, FIN/RST.
 *
 * Not part of the product: nothing under capture/ or src/ includes this. It writes
 * its own files with stdio and needs no libpcap. */
#ifndef LW_TESTS_GEN_PCAPW_H
#define LW_TESTS_GEN_PCAPW_H

#include <stddef.h>
#include <stdint.h>

/* Link types, numerically the pcap LINKTYPE_* values. */
enum pcapw_link {
    PCAPW_LINK_ETHERNET = 1,
    PCAPW_LINK_RAW = 101,      /* raw IPv4/IPv6, version from the first nibble */
    PCAPW_LINK_SLL = 113,      /* Linux cooked v1 */
    PCAPW_LINK_SLL2 = 276,     /* Linux cooked v2 */
};

typedef struct pcapw pcapw_t;
typedef struct pcapw_tcp pcapw_tcp_t;

/* One end of a conversation. family is 4 or 6; ip holds 4 or 16 bytes. */
struct pcapw_ep {
    int family;
    uint8_t ip[16];
    uint16_t port;
    uint8_t mac[6];
};

/* Fill ep from text ("192.168.50.23" or "2001:db8::1"), port and MAC text
 * ("3c:28:6d:11:22:33", NULL for a default). Returns 0, or -1 if a text is invalid. */
int pcapw_ep(struct pcapw_ep *ep, const char *ip, uint16_t port, const char *mac);

/* Create path. snaplen is written in the file header and caps every record's
 * captured length (0 means 65535): use a small one to make truncated packets.
 * Returns NULL and a message in err on failure. Caller frees with pcapw_close(). */
pcapw_t *pcapw_open(const char *path, enum pcapw_link link, uint32_t snaplen,
                    char *err, size_t errlen);
/* Flush and close; pcapw_close(NULL) does nothing. Returns 0 or -1 on a write error. */
int pcapw_close(pcapw_t *w);

/* Totals so far: records written, and bytes of the file including its header. */
uint64_t pcapw_packets(const pcapw_t *w);
uint64_t pcapw_bytes(const pcapw_t *w);
/* Timestamp of the last record written (0 before the first), so a caller can continue
 * after a call that wrote several packets at ts_us, ts_us + 1, ... */
uint64_t pcapw_last_ts(const pcapw_t *w);

/* VLAN tags added to every following frame on Ethernet links: n = 0, 1 (802.1Q) or
 * 2 (QinQ: outer 0x88a8 then inner 0x8100). */
void pcapw_set_vlans(pcapw_t *w, int n, const uint16_t *vids);

/* PCAPdroid's per-app trailer (capture/pcapdroid.h has the layout, from PCAPdroid's
 * pcap_dump.c): with uid >= 0 every following frame on an Ethernet link is written as
 * PCAPdroid writes it, both MACs zero, 0-3 zero bytes to 4-byte alignment, then the
 * 28-byte trailer naming uid and label (cut to 19 bytes); uid < 0 stops. VLAN tags
 * are not combined with it (PCAPdroid writes none). */
void pcapw_set_pcapdroid(pcapw_t *w, int32_t uid, const char *label);

/* Write one raw record (link-layer bytes as given). ts_us is microseconds since the
 * epoch. orig_len 0 means len. */
int pcapw_raw(pcapw_t *w, uint64_t ts_us, const void *frame, size_t len, size_t orig_len);

/* Write one UDP datagram from src to dst. On Linux cooked links it is marked as
 * outgoing (sent by the capturing host). */
int pcapw_udp(pcapw_t *w, uint64_t ts_us, const struct pcapw_ep *src,
              const struct pcapw_ep *dst, const void *payload, size_t len);

/* Write one IPv4 UDP datagram (IPv6 is refused) split into IP fragments of at most
 * frag_payload bytes (a multiple of 8), all with the same IP ID, emitted in the order
 * given by order[] (indexes into the fragment list; NULL = in order). Returns the
 * number of fragments written or -1. */
int pcapw_udp_fragmented(pcapw_t *w, uint64_t ts_us, const struct pcapw_ep *src,
                         const struct pcapw_ep *dst, const void *payload, size_t len,
                         size_t frag_payload, const int *order, int norder);

/* A TCP connection between cli and srv with the given initial sequence numbers.
 * Borrowed w must outlive it. Caller frees with pcapw_tcp_free(). */
pcapw_tcp_t *pcapw_tcp_new(pcapw_t *w, const struct pcapw_ep *cli,
                           const struct pcapw_ep *srv, uint32_t isn_cli, uint32_t isn_srv);
void pcapw_tcp_free(pcapw_tcp_t *c);
/* Next sequence number the client (from_client = 1) or the server would send. */
uint32_t pcapw_tcp_next_seq(const pcapw_tcp_t *c, int from_client);

/* Every function below writes its packets at ts_us, ts_us + 1, ... (see pcapw_last_ts)
 * and returns 0 or -1. The capture point is the client's host: on Linux cooked links
 * client packets are "outgoing" (packet type 4), server packets "to us" (0). SYN and
 * SYN-ACK carry an MSS option; data segments are PSH|ACK. */

/* SYN, SYN-ACK, ACK at ts_us (+1 us each). */
int pcapw_tcp_handshake(pcapw_tcp_t *c, uint64_t ts_us);
/* The client's SYN alone (a connection attempt that is never answered). */
int pcapw_tcp_syn(pcapw_tcp_t *c, uint64_t ts_us);

/* Send len bytes from the client (from_client = 1) or the server as one segment per
 * mss bytes (mss 0 = 1460), each acknowledged by the peer. Advances the sequence. */
int pcapw_tcp_send(pcapw_tcp_t *c, uint64_t ts_us, int from_client, const void *data,
                   size_t len, size_t mss);

/* Send data cut at the given offsets (cuts ascending, each < len) into ncuts + 1
 * segments, written in the order given by order[] (NULL = in order; order may
 * repeat an index to retransmit it). Advances the sequence past all of data. Each
 * segment is followed by the peer's ACK of the bytes it holds contiguously (a
 * duplicate ACK after a reordered segment). */
int pcapw_tcp_send_cuts(pcapw_tcp_t *c, uint64_t ts_us, int from_client, const void *data,
                        size_t len, const size_t *cuts, int ncuts, const int *order,
                        int norder);

/* Write one segment at an explicit offset of the stream from its current position
 * (rel_seq may be negative to overlap already-sent bytes) without advancing it: for
 * overlap and retransmission tests. No ACK from the peer is written. */
int pcapw_tcp_segment_at(pcapw_tcp_t *c, uint64_t ts_us, int from_client, int64_t rel_seq,
                         const void *data, size_t len);

/* Advance one direction's sequence by len without writing anything: a lost segment. */
void pcapw_tcp_skip(pcapw_tcp_t *c, int from_client, size_t len);

/* FIN from the given side then the peer's FIN and final ACK. */
int pcapw_tcp_close(pcapw_tcp_t *c, uint64_t ts_us, int from_client);
/* RST|ACK from the given side. */
int pcapw_tcp_reset(pcapw_tcp_t *c, uint64_t ts_us, int from_client);

#endif
