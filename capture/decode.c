/* decode.c - see decode.h. Every read of frame bytes is preceded by NEED(). */
#include "capture/decode.h"

#include <string.h>

#include "common/bytes.h"

#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6 0x86dd
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88a8
#define ETH_P_QINQ_OLD 0x9100
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17

/* Fail the decode with anomaly a unless n bytes remain at offset off. */
#define NEED(off, n, len, a)                                                       \
    do {                                                                           \
        if ((uint64_t)(off) + (uint64_t)(n) > (uint64_t)(len))                     \
            return anomaly(st, (a));                                               \
    } while (0)

static const char *const anomaly_names[DECODE_E_COUNT] = {
    [DECODE_E_TRUNC_L2] = "truncated_l2",
    [DECODE_E_TRUNC_L3] = "truncated_l3",
    [DECODE_E_BAD_IP_VERSION] = "bad_ip_version",
    [DECODE_E_BAD_IP_HLEN] = "bad_ip_header_length",
    [DECODE_E_BAD_IP_LEN] = "bad_ip_total_length",
    [DECODE_E_TRUNC_L4] = "truncated_l4",
    [DECODE_E_BAD_TCP_HLEN] = "bad_tcp_header_length",
    [DECODE_E_BAD_UDP_LEN] = "bad_udp_length",
    [DECODE_E_IPV6_EXT] = "bad_ipv6_extension",
    [DECODE_E_VLAN_DEPTH] = "vlan_stack_too_deep",
    [DECODE_E_LINKTYPE] = "unsupported_linktype",
    [DECODE_E_SNAPLEN] = "payload_cut_by_snaplen",
};

const char *decode_anomaly_name(enum decode_anomaly a)
{
    return (unsigned)a < DECODE_E_COUNT ? anomaly_names[a] : "unknown";
}

int decode_link_supported(int linktype)
{
    switch (linktype) {
    case DECODE_LINK_ETHERNET:
    case DECODE_LINK_RAW:
    case DECODE_LINK_DLT_RAW:
    case DECODE_LINK_SLL:
    case DECODE_LINK_SLL2:
    case DECODE_LINK_IPV4:
    case DECODE_LINK_IPV6:
        return 1;
    default:
        return 0;
    }
}

static enum decode_result anomaly(struct decode_stats *st, enum decode_anomaly a)
{
    st->anomalies[a]++;
    st->last = a;
    return DECODE_ERR;
}

static enum decode_result decode_l4(const uint8_t *l3, uint32_t len, uint32_t off,
                                    uint32_t wire_end, struct decode_pkt *p,
                                    struct decode_stats *st)
{
    p->l4_off = off;
    if (p->proto == IPPROTO_TCP_) {
        NEED(off, 20, len, DECODE_E_TRUNC_L4);
        const uint8_t *t = l3 + off;
        uint32_t hlen = (uint32_t)(t[12] >> 4) * 4;
        if (hlen < 20 || off + hlen > wire_end)
            return anomaly(st, DECODE_E_BAD_TCP_HLEN);
        p->sport = load_be16(t);
        p->dport = load_be16(t + 2);
        p->seq = load_be32(t + 4);
        p->ack = load_be32(t + 8);
        p->tcp_flags = t[13];
        p->payload_off = off + hlen;
    } else if (p->proto == IPPROTO_UDP_) {
        NEED(off, 8, len, DECODE_E_TRUNC_L4);
        const uint8_t *u = l3 + off;
        uint32_t ulen = load_be16(u + 4);
        /* A UDP length past the IP payload is malformed; shorter means trailing junk
         * inside the IP payload, which we trim. Zero is legal for jumbograms only. */
        if (ulen < 8 || off + ulen > wire_end)
            return anomaly(st, DECODE_E_BAD_UDP_LEN);
        wire_end = off + ulen;
        p->sport = load_be16(u);
        p->dport = load_be16(u + 2);
        p->payload_off = off + 8;
    } else {
        p->payload_off = off;
    }
    if (p->payload_off > wire_end)
        return anomaly(st, DECODE_E_TRUNC_L4);
    p->payload_wire = wire_end - p->payload_off;
    uint32_t cap_end = len < wire_end ? len : wire_end;
    p->payload_len = cap_end > p->payload_off ? cap_end - p->payload_off : 0;
    if (p->payload_len < p->payload_wire)
        st->anomalies[DECODE_E_SNAPLEN]++;
    return DECODE_OK;
}

static enum decode_result decode_ipv4(const uint8_t *l3, uint32_t len, struct decode_pkt *p,
                                      struct decode_stats *st)
{
    NEED(0, 20, len, DECODE_E_TRUNC_L3);
    uint32_t hlen = (uint32_t)(l3[0] & 0x0f) * 4;
    uint32_t tot = load_be16(l3 + 2);
    if (hlen < 20)
        return anomaly(st, DECODE_E_BAD_IP_HLEN);
    NEED(0, hlen, len, DECODE_E_TRUNC_L3);
    /* TSO captures write total length 0; take what was captured. */
    if (tot == 0)
        tot = len;
    if (tot < hlen)
        return anomaly(st, DECODE_E_BAD_IP_LEN);
    p->family = 4;
    p->proto = l3[9];
    memcpy(p->src_ip, l3 + 12, 4);
    memcpy(p->dst_ip, l3 + 16, 4);
    memset(p->src_ip + 4, 0, 12);
    memset(p->dst_ip + 4, 0, 12);
    p->l3_len = len < tot ? len : tot;
    uint16_t fl = load_be16(l3 + 6);
    p->frag_more = (fl & 0x2000) != 0;
    p->frag_offset = (uint32_t)(fl & 0x1fff) * 8;
    p->frag_id = load_be16(l3 + 4);
    if (p->frag_more || p->frag_offset) {
        p->l4_off = p->payload_off = hlen;
        p->payload_wire = tot - hlen;
        p->payload_len = p->l3_len - hlen;
        return DECODE_FRAG;
    }
    return decode_l4(l3, p->l3_len, hlen, tot, p, st);
}

static enum decode_result decode_ipv6(const uint8_t *l3, uint32_t len, struct decode_pkt *p,
                                      struct decode_stats *st)
{
    NEED(0, 40, len, DECODE_E_TRUNC_L3);
    uint32_t tot = 40 + load_be16(l3 + 4);
    p->family = 6;
    memcpy(p->src_ip, l3 + 8, 16);
    memcpy(p->dst_ip, l3 + 24, 16);
    p->l3_len = len < tot ? len : tot;
    uint8_t nh = l3[6];
    uint32_t off = 40;
    /* A chain longer than this is an attack on our loop, not a real packet. */
    for (int hops = 0; hops < 8; hops++) {
        switch (nh) {
        case 0:   /* hop-by-hop */
        case 43:  /* routing */
        case 60:  /* destination options */
        case 135: /* mobility */
            NEED(off, 8, p->l3_len, DECODE_E_IPV6_EXT);
            nh = l3[off];
            off += 8 + (uint32_t)l3[off + 1] * 8;
            continue;
        case 51: /* AH: length in 4-byte units, minus 2 */
            NEED(off, 8, p->l3_len, DECODE_E_IPV6_EXT);
            nh = l3[off];
            off += ((uint32_t)l3[off + 1] + 2) * 4;
            continue;
        case 44: { /* fragment */
            NEED(off, 8, p->l3_len, DECODE_E_IPV6_EXT);
            uint16_t fo = load_be16(l3 + off + 2);
            nh = l3[off];
            p->frag_id = load_be32(l3 + off + 4);
            off += 8;
            if ((fo & 0xfff8) || (fo & 1)) {
                if (off > tot)
                    return anomaly(st, DECODE_E_IPV6_EXT);
                p->proto = nh;
                p->frag_more = fo & 1;
                p->frag_offset = fo & 0xfff8;
                p->l4_off = p->payload_off = off;
                p->payload_wire = tot - off;
                p->payload_len = p->l3_len > off ? p->l3_len - off : 0;
                return DECODE_FRAG;
            }
            continue; /* atomic fragment: carries the whole datagram */
        }
        default:
            if (off > tot)
                return anomaly(st, DECODE_E_IPV6_EXT);
            p->proto = nh;
            return decode_l4(l3, p->l3_len, off, tot, p, st);
        }
    }
    return anomaly(st, DECODE_E_IPV6_EXT);
}

enum decode_result decode_ip(const uint8_t *l3, uint32_t caplen, struct decode_pkt *p,
                             struct decode_stats *st)
{
    NEED(0, 1, caplen, DECODE_E_TRUNC_L3);
    p->tcp_flags = 0;
    p->sport = p->dport = 0;
    p->seq = p->ack = 0;
    p->frag_more = 0;
    p->frag_offset = 0;
    switch (l3[0] >> 4) {
    case 4: return decode_ipv4(l3, caplen, p, st);
    case 6: return decode_ipv6(l3, caplen, p, st);
    default: return anomaly(st, DECODE_E_BAD_IP_VERSION);
    }
}

static enum decode_result decode_ethertype(const uint8_t *f, uint32_t caplen, uint32_t off,
                                           uint16_t type, struct decode_pkt *p,
                                           struct decode_stats *st)
{
    while (type == ETH_P_8021Q || type == ETH_P_8021AD || type == ETH_P_QINQ_OLD) {
        NEED(off, 4, caplen, DECODE_E_TRUNC_L2);
        if (p->nvlan == DECODE_MAX_VLANS) {
            return anomaly(st, DECODE_E_VLAN_DEPTH);
        }
        p->vlan[p->nvlan++] = load_be16(f + off) & 0x0fff;
        type = load_be16(f + off + 2);
        off += 4;
    }
    if (type != ETH_P_IPV4 && type != ETH_P_IPV6) {
        st->non_ip++;
        return DECODE_SKIP;
    }
    p->l3_off = off;
    return decode_ip(f + off, caplen - off, p, st);
}

enum decode_result decode_frame(int linktype, const uint8_t *f, uint32_t caplen,
                                struct decode_pkt *p, struct decode_stats *st)
{
    p->nvlan = 0;
    p->has_mac = 0;
    p->vlan[0] = p->vlan[1] = 0;
    switch (linktype) {
    case DECODE_LINK_ETHERNET:
        NEED(0, 14, caplen, DECODE_E_TRUNC_L2);
        memcpy(p->dst_mac, f, 6);
        memcpy(p->src_mac, f + 6, 6);
        p->has_mac = 1;
        return decode_ethertype(f, caplen, 14, load_be16(f + 12), p, st);
    case DECODE_LINK_SLL:
        /* The link-layer address is the sender's, whatever the packet type. */
        NEED(0, 16, caplen, DECODE_E_TRUNC_L2);
        if (load_be16(f + 2) == 1 && load_be16(f + 4) == 6) {
            memcpy(p->src_mac, f + 6, 6);
            p->has_mac = 1;
            memset(p->dst_mac, 0, 6);
        }
        return decode_ethertype(f, caplen, 16, load_be16(f + 14), p, st);
    case DECODE_LINK_SLL2:
        NEED(0, 20, caplen, DECODE_E_TRUNC_L2);
        if (load_be16(f + 8) == 1 && f[11] == 6) {
            memcpy(p->src_mac, f + 12, 6);
            p->has_mac = 1;
            memset(p->dst_mac, 0, 6);
        }
        return decode_ethertype(f, caplen, 20, load_be16(f), p, st);
    case DECODE_LINK_RAW:
    case DECODE_LINK_DLT_RAW:
    case DECODE_LINK_IPV4:
    case DECODE_LINK_IPV6:
        p->l3_off = 0;
        return decode_ip(f, caplen, p, st);
    default:
        return anomaly(st, DECODE_E_LINKTYPE);
    }
}
