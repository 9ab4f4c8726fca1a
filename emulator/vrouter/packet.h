/*
 * packet.h - the header fields a Flowspec rule can match, read from one
 * Ethernet frame.  Plain C: this is the dataplane's hot path.
 */
#ifndef FC_VROUTER_PACKET_H
#define FC_VROUTER_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vr_packet {
	uint8_t family;		/* FS_IPV4 or FS_IPV6 (flowspec/rule.h) */
	uint8_t src[16], dst[16];	/* IPv4: the first 4 octets */
	uint8_t proto;		/* IPv4 protocol; IPv6 upper-layer header, past extensions */
	uint16_t length;	/* packet-length: the total IP packet length, IP header
				 * included (RFC 8955 4.2.2.10; RFC 8956 section 3
				 * applies it to IPv6 unchanged: 40 + Payload Length) */
	uint8_t dscp;
	uint8_t frag;		/* FS_FRAG_* bits as RFC 8955 4.2.2.12 and RFC 8956 3.6
				 * define them: ISF is a fragment other than the first */
	uint32_t flow_label;	/* IPv6 only */
	bool has_ports;		/* TCP, UDP or SCTP, and not a non-first fragment
				 * (port components still match TCP and UDP only,
				 * RFC 8955 4.2.2.4) */
	uint16_t sport, dport;
	bool has_icmp;		/* ICMP or ICMPv6, and not a non-first fragment */
	uint8_t icmp_type, icmp_code;
	bool has_tcp_flags;
	uint16_t tcp_flags;	/* the 12 bits after the data offset */
	size_t l3_off;		/* where the IP header starts in the frame */
	size_t l3_len;		/* octets of the frame from l3_off on */
};

/*
 * Reads the frame `f` of `len` octets (Ethernet, optionally one 802.1Q
 * tag).  Returns 0 with `p` filled for an IPv4 or IPv6 packet whose
 * headers fit in the frame, or -1 for anything else (ARP, truncated,
 * malformed).  Every read is bounds-checked.
 */
int vr_packet_parse(struct vr_packet *p, const uint8_t *f, size_t len);

#endif
