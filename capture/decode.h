/* decode.h - zero-copy decoding of one captured frame down to L4.
 *
 * Link types: Ethernet (with 802.1Q / 802.1ad VLAN tags, up to two kept, deeper
 * stacks counted), Linux cooked v1 and v2, raw IPv4/IPv6. Network: IPv4 (options
 * skipped) and IPv6 (hop by hop, routing, destination options, AH and fragment
 * extension headers walked); fragments of either are recognised here and
 * reassembled elsewhere (frag.h).
 * Transport: TCP and UDP headers; other protocols are decoded up to L3 only.
 *
 * The result holds offsets relative to the L3 header rather than pointers, so it can
 * be copied with the L3 bytes into a ring and used by another thread. Nothing here
 * allocates, logs or aborts: bad input returns DECODE_ERR and bumps one counter of
 * struct decode_stats. Deliberately not handled: tunnels (GRE, VXLAN), MPLS, PPPoE. */
#ifndef LW_CAPTURE_DECODE_H
#define LW_CAPTURE_DECODE_H

#include <stdint.h>

/* pcap LINKTYPE_ values we accept. */
enum decode_link {
    DECODE_LINK_ETHERNET = 1,
    DECODE_LINK_RAW = 101,
    DECODE_LINK_DLT_RAW = 12,    /* what libpcap reports for LINKTYPE_RAW on Linux */
    DECODE_LINK_SLL = 113,
    DECODE_LINK_SLL2 = 276,
    DECODE_LINK_IPV4 = 228,
    DECODE_LINK_IPV6 = 229,
};

enum decode_result {
    DECODE_OK = 0,      /* IP packet decoded (possibly only to L3) */
    DECODE_FRAG = 1,    /* IPv4 or IPv6 fragment: hand to frag_add() */
    DECODE_SKIP = 2,    /* not IP (ARP, LLDP ...): counted, ignored */
    DECODE_ERR = -1,    /* malformed: counted */
};

#define DECODE_MAX_VLANS 2

struct decode_pkt {
    uint32_t l3_off;        /* offset of the IP header in the frame */
    uint32_t l3_len;        /* captured bytes of the IP datagram (trailer trimmed) */
    uint32_t l4_off;        /* offsets from the IP header */
    uint32_t payload_off;
    uint32_t payload_len;   /* captured payload bytes */
    uint32_t payload_wire;  /* payload bytes sent (from the IP length) >= payload_len */
    uint8_t family;         /* 4 or 6 */
    uint8_t proto;          /* IPPROTO_TCP, IPPROTO_UDP or other */
    uint8_t nvlan;
    uint8_t tcp_flags;
    uint8_t has_mac;
    uint8_t frag_more;      /* fragments: MF flag */
    uint16_t vlan[DECODE_MAX_VLANS];  /* outer first; 12-bit VLAN ids */
    uint8_t src_ip[16], dst_ip[16];   /* IPv4 in the first 4 bytes, rest zero */
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t src_mac[6], dst_mac[6];
    uint32_t frag_id;       /* fragments: IP identification */
    uint32_t frag_offset;   /* fragments: byte offset of this fragment's payload */
};

enum decode_anomaly {
    DECODE_E_TRUNC_L2,
    DECODE_E_TRUNC_L3,
    DECODE_E_BAD_IP_VERSION,
    DECODE_E_BAD_IP_HLEN,
    DECODE_E_BAD_IP_LEN,
    DECODE_E_TRUNC_L4,
    DECODE_E_BAD_TCP_HLEN,
    DECODE_E_BAD_UDP_LEN,
    DECODE_E_IPV6_EXT,
    DECODE_E_VLAN_DEPTH,
    DECODE_E_LINKTYPE,
    DECODE_E_SNAPLEN,       /* payload cut by the capture's snaplen */
    DECODE_E_COUNT
};

struct decode_stats {
    uint64_t anomalies[DECODE_E_COUNT];
    uint64_t non_ip;
    enum decode_anomaly last;   /* the most recent anomaly, for a caller's message */
};

/* Names of the anomalies for stats output ("truncated_l2" ...), static storage. */
const char *decode_anomaly_name(enum decode_anomaly a);

/* Is this LINKTYPE supported? */
int decode_link_supported(int linktype);

/* Decode frame (caplen bytes captured of a frame of wire length wirelen). On
 * DECODE_OK or DECODE_FRAG, *p describes it; offsets refer to frame + p->l3_off. */
enum decode_result decode_frame(int linktype, const uint8_t *frame, uint32_t caplen,
                                struct decode_pkt *p, struct decode_stats *st);

/* Decode from the IP header (a reassembled datagram). p's L2 fields are kept as the
 * caller set them. */
enum decode_result decode_ip(const uint8_t *l3, uint32_t caplen, struct decode_pkt *p,
                             struct decode_stats *st);

#endif
