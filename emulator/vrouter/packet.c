/*
 * packet.c - the header fields a Flowspec rule can match, read from one
 * Ethernet frame.
 *
 * Every read goes through a bound that was checked first: the frame is
 * whatever a wire or a fuzzer gave us.  A packet whose IP header claims
 * more octets than the frame holds is refused (a router would count it as
 * truncated); transport fields are filled only when they lie inside the
 * IP packet, so a first fragment too short for its ports has none.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "flowspec/rule.h"
#include "packet.h"

#define ETH_HLEN_	14
#define ETHERTYPE_IP	0x0800
#define ETHERTYPE_IPV6	0x86dd
#define ETHERTYPE_VLAN	0x8100
#define ETHERTYPE_QINQ	0x88a8

#define IPPROTO_ICMP_	1
#define IPPROTO_TCP_	6
#define IPPROTO_UDP_	17
#define IPPROTO_ICMPV6_	58
#define IPPROTO_SCTP_	132

/* IPv6 extension headers walked to the upper layer (RFC 8200 section 4). */
#define NH_HOPOPTS	0
#define NH_ROUTING	43
#define NH_FRAGMENT	44
#define NH_AH		51
#define NH_DSTOPTS	60
#define NH_MOBILITY	135
#define NH_HIP		139
#define NH_SHIM6	140

/* More extension headers than any sane packet has: stop there. */
#define IPV6_EXT_MAX	16

/* Returns the big-endian 16-bit value at p (the caller checked 2 octets). */
static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Fills p's transport fields from t[0..n), those that fit: none when n is short. */
static void
transport(struct vr_packet *p, const uint8_t *t, size_t n)
{
	switch (p->proto) {
	case IPPROTO_TCP_:
		if (n >= 4) {
			p->has_ports = true;
			p->sport = rd16(t);
			p->dport = rd16(t + 2);
		}
		/* RFC 8955 4.2.2.9: octets 13-14, data offset taken as 0. */
		if (n >= 14) {
			p->has_tcp_flags = true;
			p->tcp_flags = (uint16_t)((t[12] & 0x0f) << 8 | t[13]);
		}
		break;
	case IPPROTO_UDP_:
	case IPPROTO_SCTP_:
		if (n >= 4) {
			p->has_ports = true;
			p->sport = rd16(t);
			p->dport = rd16(t + 2);
		}
		break;
	case IPPROTO_ICMP_:
	case IPPROTO_ICMPV6_:
		/* ICMP of the other family is an upper layer like any other. */
		if (n >= 2 && (p->proto == IPPROTO_ICMP_) == (p->family == FS_IPV4)) {
			p->has_icmp = true;
			p->icmp_type = t[0];
			p->icmp_code = t[1];
		}
		break;
	default:
		break;
	}
}

/* Returns 0 with p filled from the IPv4 packet ip[0..n), or -1. */
static int
parse_ipv4(struct vr_packet *p, const uint8_t *ip, size_t n)
{
	size_t ihl, tot;
	uint16_t frag;

	if (n < 20 || ip[0] >> 4 != 4)
		return -1;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	tot = rd16(ip + 2);
	if (ihl < 20 || tot < ihl || tot > n)
		return -1;
	p->family = FS_IPV4;
	memcpy(p->src, ip + 12, 4);
	memcpy(p->dst, ip + 16, 4);
	p->proto = ip[9];
	p->dscp = ip[1] >> 2;
	/* RFC 8955 4.2.2.10: the total IP packet length, IP header included. */
	p->length = (uint16_t)tot;
	/* RFC 8955 4.2.2.12 defines the bits; RFC 791 the flags and offset. */
	frag = rd16(ip + 6);
	if (frag & 0x4000)
		p->frag |= FS_FRAG_DF;
	if ((frag & 0x1fff) != 0) {
		p->frag |= FS_FRAG_ISF;	/* a fragment other than the first */
		if (!(frag & 0x2000))
			p->frag |= FS_FRAG_LF;
		return 0;	/* no transport header in this one */
	}
	if (frag & 0x2000)
		p->frag |= FS_FRAG_FF;
	transport(p, ip + ihl, tot - ihl);
	return 0;
}

/* Returns true if next header `nh` is one the walk steps over. */
static bool
is_extension(uint8_t nh)
{
	switch (nh) {
	case NH_HOPOPTS:
	case NH_ROUTING:
	case NH_FRAGMENT:
	case NH_AH:
	case NH_DSTOPTS:
	case NH_MOBILITY:
	case NH_HIP:
	case NH_SHIM6:
		return true;
	default:
		return false;
	}
}

/*
 * Returns 0 with p filled from the IPv6 packet ip[0..n), walking the
 * extension headers to the upper layer (RFC 8956 3.3), or -1.
 */
static int
parse_ipv6(struct vr_packet *p, const uint8_t *ip, size_t n)
{
	size_t plen, end, off = 40, hlen;
	uint8_t nh;

	if (n < 40 || ip[0] >> 4 != 6)
		return -1;
	plen = rd16(ip + 4);
	end = 40 + plen;
	if (end > n)
		return -1;
	p->family = FS_IPV6;
	memcpy(p->src, ip + 8, 16);
	memcpy(p->dst, ip + 24, 16);
	p->dscp = (uint8_t)((ip[0] & 0x0f) << 2 | ip[1] >> 6);
	p->flow_label = (uint32_t)(ip[1] & 0x0f) << 16 | (uint32_t)rd16(ip + 2);
	/*
	 * RFC 8956 section 3 applies type 10 "as defined in RFC 8955": the
	 * total IP packet length, the 40-octet IPv6 header included.  The
	 * frame holds it all (checked above), so it fits 16 bits unless the
	 * frame is a GSO aggregate larger than any wire packet.
	 */
	p->length = end > UINT16_MAX ? UINT16_MAX : (uint16_t)end;
	nh = ip[6];
	for (int i = 0; is_extension(nh); i++) {
		if (i >= IPV6_EXT_MAX || end - off < 8)
			return -1;
		if (nh == NH_FRAGMENT) {
			uint16_t fo = rd16(ip + off + 2);

			nh = ip[off];
			if ((fo & 0xfff8) != 0) {
				/* RFC 8956 3.6: no DF in IPv6; IsF is offset != 0. */
				p->frag |= FS_FRAG_ISF;
				if (!(fo & 1))
					p->frag |= FS_FRAG_LF;
				p->proto = nh;
				return 0;
			}
			if (fo & 1)
				p->frag |= FS_FRAG_FF;
			off += 8;
			continue;
		}
		/* AH counts 4-octet units minus 2; the others 8-octet units minus 1. */
		if (nh == NH_AH)
			hlen = ((size_t)ip[off + 1] + 2) * 4;
		else
			hlen = ((size_t)ip[off + 1] + 1) * 8;
		if (hlen > end - off)
			return -1;
		nh = ip[off];
		off += hlen;
	}
	p->proto = nh;
	transport(p, ip + off, end - off);
	return 0;
}

int
vr_packet_parse(struct vr_packet *p, const uint8_t *f, size_t len)
{
	size_t off = ETH_HLEN_;
	uint16_t type;

	if (p == NULL || f == NULL)
		return -1;
	memset(p, 0, sizeof *p);
	if (len < ETH_HLEN_)
		return -1;
	type = rd16(f + 12);
	if (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ) {
		if (len < off + 4)
			return -1;
		type = rd16(f + off + 2);
		off += 4;
	}
	p->l3_off = off;
	p->l3_len = len - off;
	if (type == ETHERTYPE_IP && parse_ipv4(p, f + off, len - off) == 0)
		return 0;
	if (type == ETHERTYPE_IPV6 && parse_ipv6(p, f + off, len - off) == 0)
		return 0;
	memset(p, 0, sizeof *p);
	return -1;
}
