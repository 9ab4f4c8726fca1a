/*
 * forward.c - the fate of one frame: left to the kernel, dropped by a
 * rule or by the router, or rewritten and sent on.
 *
 * The rules come first, as an ingress filter does: in order, the first
 * that matches decides unless its traffic-action has the terminal bit,
 * in which case later matching rules apply as well (RFC 8955 7.3).  Of
 * interfering actions (RFC 8955 7.7), the earliest rule's mark and
 * redirect are kept, and every rate limiter that matched must pass.
 */
#include <endian.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <string.h>

#include "arena.h"
#include "dp.h"
#include "flowspec/rule.h"

#define PROTO_TCP	6
#define PROTO_UDP	17
#define BURST_S		0.1	/* a limiter holds this many seconds of its rate */

/* What the matching rules ask of a packet that survives them. */
struct verdict {
	bool matched;
	int mark;				/* DSCP, or -1 */
	struct vr_rule_state *mark_by;
	const uint8_t *redirect_ec;
	struct vr_rule_state *redirect_by;
};

/* Returns the 16-bit network-order value at p. */
static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Writes v in network order at p. */
static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

uint32_t
dp_csum_add(uint32_t sum, const uint8_t *buf, size_t len)
{
	uint64_t s = sum;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += get16(buf + i);
	if (i < len)
		s += (uint32_t)buf[i] << 8;
	while (s >> 32)
		s = (s & 0xffffffff) + (s >> 32);
	return (uint32_t)s;
}

uint16_t
dp_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Returns checksum hc updated for a 16-bit word going from m to m2 (RFC 1624 eqn. 3). */
static uint16_t
csum_update(uint16_t hc, uint16_t m, uint16_t m2)
{
	uint32_t s = (uint16_t)~hc + (uint32_t)(uint16_t)~m + m2;

	return dp_csum_fold(s);
}

/* Rewrites the 16-bit word of the IPv4 header ip at `off` and fixes the header checksum. */
static void
ip_set16(uint8_t *ip, size_t off, uint16_t v)
{
	uint16_t old = get16(ip + off);

	put16(ip + off, v);
	put16(ip + 10, csum_update(get16(ip + 10), old, v));
}

/*
 * Returns true if a packet of `bytes` octets (`segs` on the wire) passes
 * the limiters of actions a, whose state st refills at `now`.
 */
static bool
police(struct vr_rule_state *st, const struct vr_actions *a, double bytes,
    double segs, uint64_t now)
{
	double dt, cap_b = a->rate_bytes * BURST_S, cap_p = a->rate_packets * BURST_S;

	if (cap_p < 1)
		cap_p = 1;
	if (st->last_ns == 0) {
		st->tokens = cap_b;
		st->ptokens = cap_p;
	} else {
		dt = (double)(now - st->last_ns) / 1e9;
		st->tokens += a->rate_bytes * dt;
		st->ptokens += a->rate_packets * dt;
	}
	st->last_ns = now;
	if (st->tokens > cap_b)
		st->tokens = cap_b;
	if (st->ptokens > cap_p)
		st->ptokens = cap_p;
	/*
	 * Both buckets may run into debt, so that any size passes at the
	 * long-run rate: an aggregate of more segments than the bucket holds
	 * would otherwise never pass at all.
	 */
	if ((a->rate_bytes > 0 && st->tokens < 0) ||
	    (a->rate_packets > 0 && st->ptokens <= 0))
		return false;
	if (a->rate_bytes > 0)
		st->tokens -= bytes;
	if (a->rate_packets > 0)
		st->ptokens -= segs;
	return true;
}

/*
 * Returns false if a rule drops p (counted), true otherwise with what
 * the matching rules ask in v.  Every spilled rule reached costs its walk.
 */
static bool
apply_rules(struct vr_dataplane *dp, const struct vr_packet *p, uint64_t bytes,
    uint64_t segs, uint64_t now, struct verdict *v)
{
	for (size_t i = 0; i < dp->n_rules; i++) {
		const struct vr_dp_rule *r = &dp->rules[i];
		const struct vr_actions *a = &r->actions;
		struct vr_rule_counters *c = &r->state->c;

		if (r->spill != NULL) {
			(void)vr_arena_scan(r->spill);
			dp_count(&c->spill_walks, 1);
		}
		if (!vr_match_packet(r->match, p))
			continue;
		v->matched = true;
		dp_count(&c->matched_packets, 1);
		dp_count(&c->matched_bytes, bytes);
		if (a->discard || ((a->rate_bytes > 0 || a->rate_packets > 0) &&
		    !police(r->state, a, (double)bytes, (double)segs, now))) {
			dp_count(&c->dropped_packets, 1);
			dp_count(&c->dropped_bytes, bytes);
			return false;
		}
		if (a->mark >= 0 && v->mark < 0) {
			v->mark = a->mark;
			v->mark_by = r->state;
		}
		if (a->redirect && v->redirect_ec == NULL) {
			v->redirect_ec = a->redirect_ec;
			v->redirect_by = r->state;
		}
		if (!a->terminal)
			break;
	}
	return true;
}

/* Returns the segments a GSO aggregate stands for on the wire (1 for a plain frame). */
static uint64_t
segments(const struct dp_frame *fr, const struct vr_packet *p)
{
	const struct virtio_net_hdr *vh = (const void *)fr->vnet;
	size_t gs = le16toh(vh->gso_size), l4 = le16toh(vh->csum_start);
	size_t end = p->l3_off + p->length, hl;

	if (vh->gso_type == VIRTIO_NET_HDR_GSO_NONE || gs == 0 || l4 + 20 > end)
		return 1;
	/* The payload past the transport header is what gets cut in gso_size pieces. */
	hl = p->proto == PROTO_TCP ? (size_t)(fr->f[l4 + 12] >> 4) * 4 : 8;
	if (l4 + hl >= end)
		return 1;
	return (end - l4 - hl + gs - 1) / gs;
}

/* Returns the length of an aggregate's full-size segments on the wire (segments() > 1). */
static size_t
wire_segment_length(const struct dp_frame *fr, const struct vr_packet *p)
{
	const struct virtio_net_hdr *vh = (const void *)fr->vnet;
	size_t gs = le16toh(vh->gso_size), l4 = le16toh(vh->csum_start);
	size_t hl = p->proto == PROTO_TCP ? (size_t)(fr->f[l4 + 12] >> 4) * 4 : 8;

	return l4 - p->l3_off + hl + gs;
}

/*
 * Completes a checksum the sender left to offload (the kernel hands it
 * over partial: only the pseudo-header sum is in place), as
 * skb_checksum_help does.  A GSO aggregate keeps its offload: the egress
 * segments it and checksums every segment.
 */
static void
finish_checksum(struct dp_frame *fr, size_t end)
{
	struct virtio_net_hdr *vh = (void *)fr->vnet;
	size_t start = le16toh(vh->csum_start), at = start + le16toh(vh->csum_offset);
	uint16_t c;

	if (vh->gso_type != VIRTIO_NET_HDR_GSO_NONE) {
		vh->flags &= VIRTIO_NET_HDR_F_NEEDS_CSUM;
		return;
	}
	if ((vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && start < end && at + 2 <= end) {
		c = dp_csum_fold(dp_csum_add(0, fr->f + start, end - start));
		put16(fr->f + at, c == 0 ? 0xffff : c);
	}
	vh->flags = 0;
}

/* Returns true if the IPv4 header ip of `ihl` octets has a valid checksum. */
static bool
ip_header_ok(const uint8_t *ip, size_t ihl)
{
	return dp_csum_fold(dp_csum_add(0, ip, ihl)) == 0;
}

/* Counts IPv6 transit packet p against the rules: matched, never forwarded. */
static void
count_ipv6(struct vr_dataplane *dp, const struct vr_packet *p)
{
	for (size_t i = 0; i < dp->n_rules; i++) {
		const struct vr_dp_rule *r = &dp->rules[i];

		if (r->spill != NULL) {
			(void)vr_arena_scan(r->spill);
			dp_count(&r->state->c.spill_walks, 1);
		}
		if (!vr_match_packet(r->match, p))
			continue;
		dp_count(&r->state->c.matched_packets, 1);
		dp_count(&r->state->c.matched_bytes, p->length);
		if (!r->actions.terminal)
			break;
	}
}

/*
 * Returns the egress of the packet to dst, or NULL (counted); *nh gets
 * the next hop, *redirected whether a configured redirect chose them.
 */
static struct dp_if *
egress(struct vr_dataplane *dp, uint32_t dst, const struct verdict *v,
    uint32_t *nh, size_t *ifi, bool *redirected)
{
	const struct dp_redirect *rd;
	const struct dp_route *rt;

	/* A community no redirect is configured for leaves routing alone. */
	*redirected = false;
	if (v->redirect_ec != NULL &&
	    (rd = dp_redirect_lookup(dp, v->redirect_ec)) != NULL) {
		*nh = rd->via;
		*ifi = rd->ifi;
		*redirected = true;
		return &dp->ifs[rd->ifi];
	}
	if ((rt = dp_route_lookup(dp, dst)) == NULL) {
		dp_count(&dp->no_route, 1);
		return NULL;
	}
	*nh = rt->via != 0 ? rt->via : dst;
	*ifi = rt->ifi;
	return &dp->ifs[rt->ifi];
}

struct dp_if *
dp_forward(struct vr_dataplane *dp, struct dp_if *in, struct dp_frame *fr,
    uint64_t now)
{
	struct verdict v = { .mark = -1 };
	struct vr_packet p;
	struct dp_if *out;
	uint8_t *ip, mac[6];
	uint32_t dst, nh;
	size_t ifi, ihl;
	bool redirected;

	if (fr->len >= 14 && get16(fr->f + 12) == 0x0806 && !fr->vlan)
		dp_arp_input(dp, (size_t)(in - dp->ifs), fr->f, fr->len, now);
	/* Only untagged IP to our MAC is ours; the kernel keeps the rest. */
	if (fr->vlan || fr->pkttype != PACKET_HOST ||
	    vr_packet_parse(&p, fr->f, fr->len) != 0 || p.l3_off != 14) {
		dp_count(&dp->not_ip, 1);
		return NULL;
	}
	if (p.family == FS_IPV6) {
		if (!dp_is_local6(dp, p.dst))
			count_ipv6(dp, &p);
		dp_count(&dp->not_ip, 1);
		return NULL;
	}
	ip = fr->f + p.l3_off;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	dst = (uint32_t)p.dst[0] << 24 | (uint32_t)p.dst[1] << 16 |
	    (uint32_t)p.dst[2] << 8 | p.dst[3];
	/* The kernel answers for the node and discards what is corrupt. */
	if (dp_is_local4(dp, dst) || !ip_header_ok(ip, ihl)) {
		dp_count(&dp->not_ip, 1);
		return NULL;
	}
	/*
	 * Rules see the packets the wire will carry: an aggregate's length is
	 * that of its full-size segments (its header plus gso_size).
	 */
	size_t segs = segments(fr, &p);
	unsigned wire_len = p.length;
	if (segs > 1)
		p.length = (uint16_t)wire_segment_length(fr, &p);
	if (!apply_rules(dp, &p, wire_len, segs, now, &v))
		return NULL;
	if ((out = egress(dp, dst, &v, &nh, &ifi, &redirected)) == NULL)
		return NULL;
	if (ip[8] <= 1) {
		dp_count(&dp->ttl_expired, 1);
		return NULL;
	}
	if (!dp_arp_resolve(dp, ifi, nh, now, mac)) {
		dp_count(&dp->arp_unresolved, 1);
		return NULL;
	}
	ip_set16(ip, 8, (uint16_t)((ip[8] - 1) << 8 | ip[9]));
	if (v.mark >= 0) {
		/* DSCP is the top six bits of the old TOS octet; ECN stays. */
		ip_set16(ip, 0, (uint16_t)(ip[0] << 8 | v.mark << 2 | (ip[1] & 3)));
		dp_count(&v.mark_by->c.marked_packets, 1);
	}
	if (redirected)
		dp_count(&v.redirect_by->c.redirected_packets, 1);
	memcpy(fr->f, mac, 6);
	memcpy(fr->f + 6, out->mac, 6);
	/* Ethernet padding is not the packet's: send what the IP header counts. */
	fr->len = p.l3_off + wire_len;
	finish_checksum(fr, fr->len);
	dp_count(&dp->forwarded, 1);
	if (!v.matched)
		dp_count(&dp->unmatched, 1);
	return out;
}
