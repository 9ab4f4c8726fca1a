/*
 * test_packet.c - vr_packet_parse on hand-built frames: IPv4 and IPv6,
 * every transport, options, a VLAN tag, fragments of both families,
 * extension headers, and every truncation of every frame (run under ASan
 * too: each truncated frame sits in a heap block of exactly its length).
 */
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "flowspec/rule.h"
#include "vrouter/packet.h"

#define CAP 512

/* A frame under construction. */
struct frame {
	uint8_t b[CAP];
	size_t len;
	size_t l3;		/* where the IP header starts */
};

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Starts fr with an Ethernet header of `type`, after one 802.1Q tag if vlan. */
static void
eth(struct frame *fr, uint16_t type, bool vlan)
{
	memset(fr, 0, sizeof *fr);
	memcpy(fr->b, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
	fr->len = 12;
	if (vlan) {
		put16(fr->b + fr->len, 0x8100);
		put16(fr->b + fr->len + 2, 42);
		fr->len += 4;
	}
	put16(fr->b + fr->len, type);
	fr->len += 2;
	fr->l3 = fr->len;
}

/* Appends n octets of data. */
static void
add(struct frame *fr, const void *data, size_t n)
{
	ck_assert_uint_le(fr->len + n, CAP);
	memcpy(fr->b + fr->len, data, n);
	fr->len += n;
}

/*
 * Appends an IPv4 header (IHL 5 + optlen/4) for protocol `proto` with
 * `frag` as flags and offset; its total length is set by ip4_done.
 */
static void
ip4(struct frame *fr, uint8_t proto, uint8_t tos, uint16_t frag, size_t optlen)
{
	uint8_t h[60] = { 0 };

	h[0] = (uint8_t)(0x40 | (5 + optlen / 4));
	h[1] = tos;
	put16(h + 6, frag);
	h[8] = 64;
	h[9] = proto;
	memcpy(h + 12, "\xc0\x00\x02\x01", 4);
	memcpy(h + 16, "\xc6\x33\x64\x07", 4);
	for (size_t i = 0; i < optlen; i++)
		h[20 + i] = 1;	/* NOP options */
	add(fr, h, 20 + optlen);
}

/* Sets the IPv4 total length to everything appended since the header. */
static void
ip4_done(struct frame *fr)
{
	put16(fr->b + fr->l3 + 2, (uint16_t)(fr->len - fr->l3));
}

/* Appends an IPv6 header with traffic class tc, flow label fl and next header nh. */
static void
ip6(struct frame *fr, uint8_t nh, uint8_t tc, uint32_t fl)
{
	uint8_t h[40] = { 0 };

	h[0] = (uint8_t)(0x60 | tc >> 4);
	h[1] = (uint8_t)((tc & 0x0f) << 4 | (fl >> 16 & 0x0f));
	put16(h + 2, (uint16_t)fl);
	h[6] = nh;
	h[7] = 64;
	h[8] = 0x20;
	h[9] = 0x01;
	h[10] = 0x0d;
	h[11] = 0xb8;
	h[23] = 1;
	memcpy(h + 24, h + 8, 16);
	h[39] = 2;
	add(fr, h, 40);
}

/* Sets the IPv6 payload length to everything appended after the header. */
static void
ip6_done(struct frame *fr)
{
	put16(fr->b + fr->l3 + 4, (uint16_t)(fr->len - fr->l3 - 40));
}

/* Appends a generic extension header (8-octet units) naming nh next. */
static void
ext6(struct frame *fr, uint8_t nh, size_t units)
{
	uint8_t h[64] = { 0 };

	ck_assert_uint_le(units, 8);
	h[0] = nh;
	h[1] = (uint8_t)(units - 1);
	add(fr, h, units * 8);
}

/* Appends an IPv6 fragment header: offset in 8-octet units, M flag. */
static void
frag6(struct frame *fr, uint8_t nh, uint16_t offset, bool more)
{
	uint8_t h[8] = { nh, 0 };

	put16(h + 2, (uint16_t)(offset << 3 | (more ? 1 : 0)));
	memcpy(h + 4, "\x12\x34\x56\x78", 4);
	add(fr, h, 8);
}

/* Appends a UDP header and `payload` octets. */
static void
udp(struct frame *fr, uint16_t sport, uint16_t dport, size_t payload)
{
	uint8_t h[8] = { 0 };

	put16(h, sport);
	put16(h + 2, dport);
	put16(h + 4, (uint16_t)(8 + payload));
	add(fr, h, 8);
	for (size_t i = 0; i < payload; i++)
		add(fr, "x", 1);
}

/* Appends a TCP header with the 12 flag bits `flags`. */
static void
tcp(struct frame *fr, uint16_t sport, uint16_t dport, uint16_t flags)
{
	uint8_t h[20] = { 0 };

	put16(h, sport);
	put16(h + 2, dport);
	h[12] = (uint8_t)(5 << 4 | (flags >> 8 & 0x0f));
	h[13] = (uint8_t)flags;
	add(fr, h, 20);
}

/* Parses fr whole from a heap block of its exact length; returns what parse returned. */
static int
parse(const struct frame *fr, struct vr_packet *p)
{
	uint8_t *b = malloc(fr->len ? fr->len : 1);
	int rc;

	ck_assert_ptr_nonnull(b);
	memcpy(b, fr->b, fr->len);
	rc = vr_packet_parse(p, b, fr->len);
	free(b);
	return rc;
}

/* Asserts that every strict prefix of fr up to `whole` octets is refused. */
static void
assert_truncations_refused(const struct frame *fr, size_t whole)
{
	struct vr_packet p;

	for (size_t n = 0; n < whole; n++) {
		struct frame t = *fr;

		t.len = n;
		ck_assert_msg(parse(&t, &p) == -1, "a frame cut at %zu of %zu octets parsed",
		    n, whole);
		/* A refused frame leaves nothing that looks like a packet. */
		ck_assert_uint_eq(p.family, 0);
	}
}

START_TEST(ipv4_udp)
{
	struct frame fr;
	struct vr_packet p;

	eth(&fr, 0x0800, false);
	ip4(&fr, 17, 0xb8 | 0x01, 0, 0);
	udp(&fr, 5353, 53, 10);
	ip4_done(&fr);
	ck_assert_int_eq(parse(&fr, &p), 0);
	ck_assert_uint_eq(p.family, FS_IPV4);
	ck_assert_mem_eq(p.src, "\xc0\x00\x02\x01", 4);
	ck_assert_mem_eq(p.dst, "\xc6\x33\x64\x07", 4);
	ck_assert_uint_eq(p.proto, 17);
	ck_assert_uint_eq(p.length, 20 + 8 + 10);
	ck_assert_uint_eq(p.dscp, 46);	/* EF; the ECN bits are not DSCP */
	ck_assert_uint_eq(p.frag, 0);
	ck_assert(p.has_ports);
	ck_assert_uint_eq(p.sport, 5353);
	ck_assert_uint_eq(p.dport, 53);
	ck_assert(!p.has_icmp);
	ck_assert(!p.has_tcp_flags);
	ck_assert_uint_eq(p.flow_label, 0);
	ck_assert_uint_eq(p.l3_off, 14);
	ck_assert_uint_eq(p.l3_len, fr.len - 14);
	assert_truncations_refused(&fr, fr.len);
}
END_TEST

START_TEST(ipv4_tcp_flags)
{
	struct frame fr;
	struct vr_packet p;

	eth(&fr, 0x0800, false);
	ip4(&fr, 6, 0, 0x4000, 0);
	/* SYN|ACK plus the AE (ex-NS) bit in the low nibble of octet 12. */
	tcp(&fr, 40000, 443, 0x112);
	ip4_done(&fr);
	ck_assert_int_eq(parse(&fr, &p), 0);
	ck_assert_uint_eq(p.proto, 6);
	ck_assert(p.has_ports);
	ck_assert_uint_eq(p.sport, 40000);
	ck_assert_uint_eq(p.dport, 443);
	ck_assert(p.has_tcp_flags);
	ck_assert_uint_eq(p.tcp_flags, 0x112);
	ck_assert_uint_eq(p.frag, FS_FRAG_DF);
	assert_truncations_refused(&fr, fr.len);
}
END_TEST

START_TEST(ipv4_icmp)
{
	struct frame fr;
	struct vr_packet p;

	eth(&fr, 0x0800, false);
	ip4(&fr, 1, 0, 0, 0);
	add(&fr, "\x03\x04\x00\x00\x00\x00\x05\xdc", 8);	/* frag needed, MTU 1500 */
	ip4_done(&fr);
	ck_assert_int_eq(parse(&fr, &p), 0);
	ck_assert(p.has_icmp);
	ck_assert_uint_eq(p.icmp_type, 3);
	ck_assert_uint_eq(p.icmp_code, 4);
	ck_assert(!p.has_ports);
	ck_assert(!p.has_tcp_flags);
	assert_truncations_refused(&fr, fr.len);
}
END_TEST

START_TEST(ipv4_options)
{
	struct frame fr;
	struct vr_packet p;

	eth(&fr, 0x0800, false);
	ip4(&fr, 17, 0, 0, 8);
	udp(&fr, 1, 2, 0);
	ip4_done(&fr);
	ck_assert_int_eq(parse(&fr, &p), 0);
	/* The ports are found past the options, not at 20 octets. */
	ck_assert(p.has_ports);
	ck_assert_uint_eq(p.sport, 1);
	ck_assert_uint_eq(p.dport, 2);
	ck_assert_uint_eq(p.length, 28 + 8);
	assert_truncations_refused(&fr, fr.len);
}
END_TEST

START_TEST(vlan_tag)
{
	struct frame fr;
	struct vr_packet p;

	eth(&fr, 0x0800, true);
	ip4(&fr, 17, 0, 0, 0);
	udp(&fr, 7, 9, 4);
	ip4_done(&fr);
	ck_assert_int_eq(parse(&fr, &p), 0);
	ck_assert_uint_eq(p.l3_off, 18);
	ck_assert_uint_eq(p.l3_len, fr.len - 18);
	ck_assert_uint_eq(p.dport, 9);
	assert_truncations_refused(&fr, fr.len);
}
END_TEST

START_TEST(ethernet_padding_and_short_ip)
{
	struct frame fr;
	struct vr_packet p;

	/* A 60-octet frame padded past a short IP packet: the padding is not the packet's. */
	eth(&fr, 0x0800, false);
	ip4(&fr, 17, 0, 0, 0);
	udp(&fr, 100, 200, 0);
	ip4_done(&fr);
	add(&fr, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 18);
	ck_assert_int_eq(parse(&fr, &p), 0);
	ck_assert_uint_eq(p.length, 28);
	ck_assert_uint_eq(p.l3_len, 46);
	/* Cutting only padding leaves the packet whole. */
	fr.len = 14 + 28;
	ck_assert_int_eq(parse(&fr, &p), 0);

	/* An IP length that ends two octets into UDP: the ports do not fit, nothing is read past it. */
	eth(&fr, 0x0800, false);
	ip4(&fr, 17, 0, 0, 0);
	udp(&fr, 100, 200, 0);
	put16(fr.b + 14 + 2, 22);
	ck_assert_int_eq(parse(&fr, &p), 0);
	ck_assert(!p.has_ports);
	ck_assert_uint_eq(p.length, 22);
	/* Three octets of ports: still none. */
	put16(fr.b + 14 + 2, 23);
	ck_assert_int_eq(parse(&fr, &p), 0);
	ck_assert(!p.has_ports);
	/* A TCP header cut before its flags has ports and no flags. */
	eth(&fr, 0x0800, false);
	ip4(&fr, 6, 0, 0, 0);
	tcp(&fr, 10, 20, 0x02);
	put16(fr.b + 14 + 2, 20 + 13);
	ck_assert_int_eq(parse(&fr, &p), 0);
	ck_assert(p.has_ports);
	ck_assert(!p.has_tcp_flags);
	put16(fr.b + 14 + 2, 20 + 14);
	ck_assert_int_eq(parse(&fr, &p), 0);
	ck_assert(p.has_tcp_flags);
	ck_assert_uint_eq(p.tcp_flags, 0x02);
}
END_TEST

START_TEST(ipv4_fragments)
{
	struct frame fr;
	struct vr_packet p;

	/* First: offset 0 and MF.  Its transport header is there. */
	eth(&fr, 0x0800, false);
	ip4(&fr, 17, 0, 0x2000, 0);
	udp(&fr, 1000, 2000, 16);
	ip4_done(&fr);
	ck_assert_int_eq(parse(&fr, &p), 0);
	ck_assert_uint_eq(p.frag, FS_FRAG_FF);
	ck_assert(p.has_ports);
	ck_assert_uint_eq(p.dport, 2000);

	/* Middle: offset and MF.  What sits where ports would be is payload. */
	eth(&fr, 0x0800, false);
	ip4(&fr, 17, 0, 0x2000 | 3, 0);
	udp(&fr, 1000, 2000, 16);
	ip4_done(&fr);
	ck_assert_int_eq(parse(&fr, &p), 0);
	ck_assert_uint_eq(p.frag, FS_FRAG_ISF);
	ck_assert(!p.has_ports);
	ck_assert_uint_eq(p.sport, 0);
	ck_assert_uint_eq(p.dport, 0);
	ck_assert_uint_eq(p.proto, 17);

	/* Last: offset, no MF.  Also DF on an ICMP fragment: no ICMP fields. */
	eth(&fr, 0x0800, false);
	ip4(&fr, 1, 0, 0x4000 | 0x1fff, 0);
	add(&fr, "\x08\x00\x00\x00", 4);
	ip4_done(&fr);
	ck_assert_int_eq(parse(&fr, &p), 0);
	ck_assert_uint_eq(p.frag, FS_FRAG_ISF | FS_FRAG_LF | FS_FRAG_DF);
	ck_assert(!p.has_icmp);
	ck_assert(!p.has_tcp_flags);

	/* A non-first fragment of TCP has no flags either. */
	eth(&fr, 0x0800, false);
	ip4(&fr, 6, 0, 1, 0);
	tcp(&fr, 1, 2, 0x02);
	ip4_done(&fr);
	ck_assert_int_eq(parse(&fr, &p), 0);
	ck_assert_uint_eq(p.frag, FS_FRAG_ISF | FS_FRAG_LF);
	ck_assert(!p.has_tcp_flags);
	ck_assert(!p.has_ports);
}
END_TEST

START_TEST(ipv4_malformed)
{
	struct frame fr;
	struct vr_packet p;

	/* IHL below 5. */
	eth(&fr, 0x0800, false);
	ip4(&fr, 17, 0, 0, 0);
	udp(&fr, 1, 2, 0);
	ip4_done(&fr);
	for (uint8_t ihl = 0; ihl < 5; ihl++) {
		fr.b[14] = (uint8_t)(0x40 | ihl);
		ck_assert_int_eq(parse(&fr, &p), -1);
	}
	/* IHL past the total length, and past the frame. */
	fr.b[14] = 0x48;
	ck_assert_int_eq(parse(&fr, &p), -1);
	fr.b[14] = 0x4f;
	ck_assert_int_eq(parse(&fr, &p), -1);
	/* A version other than 4 behind the IPv4 type. */
	fr.b[14] = 0x65;
	ck_assert_int_eq(parse(&fr, &p), -1);
	fr.b[14] = 0x45;
	ck_assert_int_eq(parse(&fr, &p), 0);
	/* A total length below the header, and past the frame. */
	put16(fr.b + 16, 19);
	ck_assert_int_eq(parse(&fr, &p), -1);
	put16(fr.b + 16, (uint16_t)(fr.len - 14 + 1));
	ck_assert_int_eq(parse(&fr, &p), -1);
	/* ARP, and an IPv4 packet behind two tags, are not IP to us. */
	eth(&fr, 0x0806, false);
	add(&fr, "\x00\x01\x08\x00\x06\x04\x00\x01", 8);
	ck_assert_int_eq(parse(&fr, &p), -1);
	eth(&fr, 0x8100, true);
	ip4(&fr, 17, 0, 0, 0);
	ip4_done(&fr);
	ck_assert_int_eq(parse(&fr, &p), -1);
	/* No frame, no packet. */
	ck_assert_int_eq(vr_packet_parse(NULL, fr.b, fr.len), -1);
	ck_assert_int_eq(vr_packet_parse(&p, NULL, 10), -1);
}
END_TEST

START_TEST(ipv6_udp_flow_label)
{
	struct frame fr;
	struct vr_packet p;

	eth(&fr, 0x86dd, false);
	ip6(&fr, 17, 0x29, 0xabcde);
	udp(&fr, 4000, 53, 12);
	ip6_done(&fr);
	ck_assert_int_eq(parse(&fr, &p), 0);
	ck_assert_uint_eq(p.family, FS_IPV6);
	ck_assert_uint_eq(p.src[0], 0x20);
	ck_assert_uint_eq(p.src[15], 1);
	ck_assert_uint_eq(p.dst[15], 2);
	ck_assert_uint_eq(p.proto, 17);
	ck_assert_uint_eq(p.dscp, 0x29 >> 2);
	ck_assert_uint_eq(p.flow_label, 0xabcde);
	/* RFC 8956 section 3 takes packet length from RFC 8955: IP header included. */
	ck_assert_uint_eq(p.length, 40 + 8 + 12);
	ck_assert(p.has_ports);
	ck_assert_uint_eq(p.dport, 53);
	ck_assert_uint_eq(p.frag, 0);
	assert_truncations_refused(&fr, fr.len);
}
END_TEST

START_TEST(ipv6_extension_headers)
{
	struct frame fr;
	struct vr_packet p;

	/* Hop-by-hop, routing (two units), destination options, then TCP. */
	eth(&fr, 0x86dd, false);
	ip6(&fr, 0, 0, 0);
	ext6(&fr, 43, 1);
	ext6(&fr, 60, 2);
	ext6(&fr, 6, 1);
	tcp(&fr, 22, 2222, 0x18);
	ip6_done(&fr);
	ck_assert_int_eq(parse(&fr, &p), 0);
	ck_assert_uint_eq(p.proto, 6);	/* the upper layer, not the first next header */
	ck_assert(p.has_ports);
	ck_assert_uint_eq(p.sport, 22);
	ck_assert_uint_eq(p.dport, 2222);
	ck_assert(p.has_tcp_flags);
	ck_assert_uint_eq(p.tcp_flags, 0x18);
	assert_truncations_refused(&fr, fr.len);

	/* AH counts its length in 4-octet units: 16 octets here, then ICMPv6. */
	eth(&fr, 0x86dd, false);
	ip6(&fr, 51, 0, 0);
	add(&fr, "\x3a\x02\x00\x00" "\x00\x00\x00\x01" "\x00\x00\x00\x01" "\x00\x00\x00\x00", 16);
	add(&fr, "\x80\x00\x00\x00\x00\x01\x00\x01", 8);	/* echo request */
	ip6_done(&fr);
	ck_assert_int_eq(parse(&fr, &p), 0);
	ck_assert_uint_eq(p.proto, 58);
	ck_assert(p.has_icmp);
	ck_assert_uint_eq(p.icmp_type, 128);
	ck_assert_uint_eq(p.icmp_code, 0);

	/* No next header: an upper layer with nothing to read. */
	eth(&fr, 0x86dd, false);
	ip6(&fr, 59, 0, 0);
	ip6_done(&fr);
	ck_assert_int_eq(parse(&fr, &p), 0);
	ck_assert_uint_eq(p.proto, 59);
	ck_assert_uint_eq(p.length, 40);
	ck_assert(!p.has_ports);

	/* ICMP (IPv4's, protocol 1) in IPv6 is not ICMPv6: no ICMP fields. */
	eth(&fr, 0x86dd, false);
	ip6(&fr, 1, 0, 0);
	add(&fr, "\x08\x00\x00\x00", 4);
	ip6_done(&fr);
	ck_assert_int_eq(parse(&fr, &p), 0);
	ck_assert(!p.has_icmp);
}
END_TEST

START_TEST(ipv6_fragments)
{
	struct frame fr;
	struct vr_packet p;

	/* First fragment (offset 0, M): the transport header is there. */
	eth(&fr, 0x86dd, false);
	ip6(&fr, 44, 0, 0);
	frag6(&fr, 17, 0, true);
	udp(&fr, 1111, 2222, 8);
	ip6_done(&fr);
	ck_assert_int_eq(parse(&fr, &p), 0);
	ck_assert_uint_eq(p.frag, FS_FRAG_FF);
	ck_assert_uint_eq(p.proto, 17);
	ck_assert(p.has_ports);
	ck_assert_uint_eq(p.dport, 2222);
	assert_truncations_refused(&fr, fr.len);

	/* Middle: no ports; the protocol is the fragment header's next header. */
	eth(&fr, 0x86dd, false);
	ip6(&fr, 0, 0, 0);
	ext6(&fr, 44, 1);
	frag6(&fr, 17, 100, true);
	udp(&fr, 1111, 2222, 8);
	ip6_done(&fr);
	ck_assert_int_eq(parse(&fr, &p), 0);
	ck_assert_uint_eq(p.frag, FS_FRAG_ISF);
	ck_assert_uint_eq(p.proto, 17);
	ck_assert(!p.has_ports);

	/* Last: offset and no M.  IPv6 has no DF. */
	eth(&fr, 0x86dd, false);
	ip6(&fr, 44, 0, 0);
	frag6(&fr, 6, 8191, false);
	tcp(&fr, 1, 2, 0x02);
	ip6_done(&fr);
	ck_assert_int_eq(parse(&fr, &p), 0);
	ck_assert_uint_eq(p.frag, FS_FRAG_ISF | FS_FRAG_LF);
	ck_assert_uint_eq(p.proto, 6);
	ck_assert(!p.has_tcp_flags);

	/* An atomic fragment (offset 0, no M) is no fragment at all. */
	eth(&fr, 0x86dd, false);
	ip6(&fr, 44, 0, 0);
	frag6(&fr, 17, 0, false);
	udp(&fr, 1, 2, 0);
	ip6_done(&fr);
	ck_assert_int_eq(parse(&fr, &p), 0);
	ck_assert_uint_eq(p.frag, 0);
	ck_assert(p.has_ports);
}
END_TEST

START_TEST(ipv6_malformed)
{
	struct frame fr;
	struct vr_packet p;

	/* An extension header running past the payload. */
	eth(&fr, 0x86dd, false);
	ip6(&fr, 60, 0, 0);
	ext6(&fr, 17, 1);
	udp(&fr, 1, 2, 0);
	ip6_done(&fr);
	ck_assert_int_eq(parse(&fr, &p), 0);
	fr.b[14 + 40 + 1] = 3;	/* 32 octets claimed, 16 present */
	ck_assert_int_eq(parse(&fr, &p), -1);
	/* A payload length past the frame. */
	fr.b[14 + 40 + 1] = 0;
	put16(fr.b + 14 + 4, (uint16_t)(fr.len - 14 - 40 + 1));
	ck_assert_int_eq(parse(&fr, &p), -1);
	/* A version other than 6 behind the IPv6 type. */
	ip6_done(&fr);
	fr.b[14] = 0x40;
	ck_assert_int_eq(parse(&fr, &p), -1);
	/* More extension headers than a packet has any business with. */
	eth(&fr, 0x86dd, false);
	ip6(&fr, 60, 0, 0);
	for (int i = 0; i < 20; i++)
		ext6(&fr, 60, 1);
	ip6_done(&fr);
	ck_assert_int_eq(parse(&fr, &p), -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("test_packet");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, ipv4_udp);
	tcase_add_test(tc, ipv4_tcp_flags);
	tcase_add_test(tc, ipv4_icmp);
	tcase_add_test(tc, ipv4_options);
	tcase_add_test(tc, vlan_tag);
	tcase_add_test(tc, ethernet_padding_and_short_ip);
	tcase_add_test(tc, ipv4_fragments);
	tcase_add_test(tc, ipv4_malformed);
	tcase_add_test(tc, ipv6_udp_flow_label);
	tcase_add_test(tc, ipv6_extension_headers);
	tcase_add_test(tc, ipv6_fragments);
	tcase_add_test(tc, ipv6_malformed);
	suite_add_tcase(s, tc);
	return fc_run_suite(s);
}
