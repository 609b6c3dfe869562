/* event.c - see event.h. */
#include "engine/event.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <time.h>

const char *event_time(uint64_t ts_us, char *buf, size_t len)
{
    time_t s = (time_t)(ts_us / 1000000u);
    struct tm tm;
    gmtime_r(&s, &tm);
    size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, len - n, ".%06uZ", (unsigned)(ts_us % 1000000u));
    return buf;
}

const char *event_ip(int family, const uint8_t *ip, char *buf, size_t len)
{
    if (!inet_ntop(family == 6 ? AF_INET6 : AF_INET, ip, buf, (socklen_t)len))
        snprintf(buf, len, "?");
    return buf;
}

const char *event_proto(uint8_t proto, char *buf, size_t len)
{
    switch (proto) {
    case 6: return "TCP";
    case 17: return "UDP";
    case 1: return "ICMP";
    case 58: return "IPv6-ICMP";
    default: snprintf(buf, len, "%u", proto); return buf;
    }
}

json_t *event_flow_base(const struct flow *f, uint64_t ts_us, const char *event_type)
{
    char t[40], a[64], b[64], p[8];
    int c = f->client, s = !f->client;
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "timestamp", json_string(event_time(ts_us, t, sizeof t)));
    json_object_set_new(o, "event_type", json_string(event_type));
    json_object_set_new(o, "flow_id", json_integer((json_int_t)flow_id(f)));
    json_object_set_new(o, "src_ip", json_string(event_ip(f->key.family, f->key.ip[c], a, sizeof a)));
    json_object_set_new(o, "src_port", json_integer(f->key.port[c]));
    json_object_set_new(o, "dest_ip", json_string(event_ip(f->key.family, f->key.ip[s], b, sizeof b)));
    json_object_set_new(o, "dest_port", json_integer(f->key.port[s]));
    json_object_set_new(o, "proto", json_string(event_proto(f->key.proto, p, sizeof p)));
    if (f->key.vlan[0] || f->key.vlan[1]) {
        json_t *v = json_array();
        json_array_append_new(v, json_integer(f->key.vlan[0]));
        if (f->key.vlan[1])
            json_array_append_new(v, json_integer(f->key.vlan[1]));
        json_object_set_new(o, "vlan", v);
    }
    return o;
}
