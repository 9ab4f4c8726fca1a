/*
 * match.c - a Flowspec rule as a few comparisons per packet.
 *
 * Each numeric or bitmask component becomes the sorted intervals of the
 * field values it matches (fs_vs_from_component evaluates AND/OR groups,
 * bitmask operators and open ranges once, at install time), clamped to
 * the field; each prefix becomes a value and a mask over the 128 address
 * bits, so that an RFC 8956 offset costs nothing per packet.
 */
#include <endian.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "flowspec/ecomm.h"
#include "flowspec/valueset.h"
#include "match.h"

#define PROTO_TCP	6
#define PROTO_UDP	17

struct vm_comp {
	uint8_t type;
	uint64_t val[2], mask[2];	/* prefix: address bits [offset, len) */
	struct fs_interval *iv;		/* numeric and bitmask: sorted, disjoint */
	size_t n;
};

struct vr_match {
	uint8_t family;
	uint8_t ncomp;
	struct vm_comp comp[FS_TYPE_MAX];
};

/* Returns the 64-bit big-endian word of a[8 * w .. 8 * w + 8). */
static inline uint64_t
word(const uint8_t a[16], int w)
{
	uint64_t v;

	memcpy(&v, a + 8 * w, sizeof v);
	return be64toh(v);
}

/* Returns the mask of bits [from, to) of the 64-bit word that starts at bit `base`. */
static uint64_t
bits(unsigned from, unsigned to, unsigned base)
{
	uint64_t m = 0;

	for (unsigned b = from; b < to; b++)
		if (b >= base && b < base + 64)
			m |= (uint64_t)1 << (63 - (b - base));
	return m;
}

/* Returns 0 with c made from prefix component pc of family `family`, or -1 (EINVAL). */
static int
make_prefix(struct vm_comp *c, const struct fs_component *pc, int family)
{
	unsigned width = family == FS_IPV4 ? 32 : 128;
	unsigned off = family == FS_IPV4 ? 0 : pc->prefix.offset;
	unsigned len = pc->prefix.len;

	if (len > width || off > len) {
		errno = EINVAL;
		return -1;
	}
	for (int w = 0; w < 2; w++) {
		c->mask[w] = bits(off, len, 64 * (unsigned)w);
		c->val[w] = word(pc->prefix.addr, w) & c->mask[w];
	}
	return 0;
}

/* Returns 0 with c made from numeric or bitmask component pc of r, or -1 with errno. */
static int
make_set(struct vm_comp *c, const struct fs_rule *r, const struct fs_component *pc)
{
	struct fs_valueset s;
	uint64_t max = fs_width_max(fs_field_width(pc->type));

	if (max == 0) {
		errno = EINVAL;
		return -1;
	}
	fs_vs_init(&s);
	if (fs_vs_from_component(&s, r, pc) != 0) {
		fs_vs_free(&s);
		return -1;
	}
	/* No field holds more: a bound past it can never match (the 2013 rule). */
	fs_vs_clamp(&s, max);
	c->iv = s.v;
	c->n = s.n;
	return 0;
}

struct vr_match *
vr_match_new(const struct fs_rule *r)
{
	struct vr_match *m;

	if (r == NULL || (r->family != FS_IPV4 && r->family != FS_IPV6) ||
	    r->ncomp > FS_TYPE_MAX) {
		errno = EINVAL;
		return NULL;
	}
	if ((m = calloc(1, sizeof *m)) == NULL)
		return NULL;
	m->family = r->family;
	for (unsigned i = 0; i < r->ncomp; i++) {
		const struct fs_component *pc = &r->comp[i];
		struct vm_comp *c = &m->comp[m->ncomp++];
		int rc;

		c->type = pc->type;
		if (fs_type_kind(pc->type) == FS_KIND_PREFIX)
			rc = make_prefix(c, pc, r->family);
		else
			rc = make_set(c, r, pc);
		if (rc != 0) {
			int e = errno;

			vr_match_free(m);
			errno = e;
			return NULL;
		}
	}
	return m;
}

void
vr_match_free(struct vr_match *m)
{
	if (m == NULL)
		return;
	for (unsigned i = 0; i < m->ncomp; i++)
		free(m->comp[i].iv);
	free(m);
}

/* Returns true if x lies in one of the intervals of c (binary search). */
static bool
in_set(const struct vm_comp *c, uint64_t x)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (x < c->iv[mid].lo)
			hi = mid;
		else if (x > c->iv[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

/* Returns true if address a (4 or 16 octets, as the packet holds it) matches c. */
static bool
in_prefix(const struct vm_comp *c, const uint8_t a[16])
{
	return ((word(a, 0) ^ c->val[0]) & c->mask[0]) == 0 &&
	    ((word(a, 1) ^ c->val[1]) & c->mask[1]) == 0;
}

/* Returns true if the packet has ports a port component may test (RFC 8955 4.2.2.4). */
static bool
port_packet(const struct vr_packet *p)
{
	return p->has_ports && (p->proto == PROTO_TCP || p->proto == PROTO_UDP);
}

/* Returns true if p matches component c. */
static bool
comp_match(const struct vm_comp *c, const struct vr_packet *p)
{
	switch (c->type) {
	case FS_DST:
		return in_prefix(c, p->dst);
	case FS_SRC:
		return in_prefix(c, p->src);
	case FS_PROTO:
		return in_set(c, p->proto);
	case FS_PORT:
		return port_packet(p) && (in_set(c, p->sport) || in_set(c, p->dport));
	case FS_DPORT:
		return port_packet(p) && in_set(c, p->dport);
	case FS_SPORT:
		return port_packet(p) && in_set(c, p->sport);
	case FS_ICMP_TYPE:
		return p->has_icmp && in_set(c, p->icmp_type);
	case FS_ICMP_CODE:
		return p->has_icmp && in_set(c, p->icmp_code);
	case FS_TCP_FLAGS:
		return p->has_tcp_flags && p->proto == PROTO_TCP &&
		    in_set(c, p->tcp_flags);
	case FS_PKT_LEN:
		return in_set(c, p->length);
	case FS_DSCP:
		return in_set(c, p->dscp);
	case FS_FRAGMENT:
		return in_set(c, p->frag);
	case FS_FLOW_LABEL:
		return p->family == FS_IPV6 && in_set(c, p->flow_label);
	default:
		return false;
	}
}

bool
vr_match_packet(const struct vr_match *m, const struct vr_packet *p)
{
	if (m == NULL || p == NULL || m->family != p->family)
		return false;
	for (unsigned i = 0; i < m->ncomp; i++)
		if (!comp_match(&m->comp[i], p))
			return false;
	return true;
}

/* Returns the rate of traffic-rate community a, negative ones read as 0 (RFC 8955 7.1). */
static double
rate_of(const struct fs_action *a)
{
	double r = fs_ec_rate_value(a);

	return r < 0 ? 0 : r;
}

/* Folds rate r into *cur, which keeps the lowest rate asked for (< 0: none yet). */
static void
fold_rate(double *cur, double r)
{
	if (*cur < 0 || r < *cur)
		*cur = r;
}

void
vr_actions_from_rule(struct vr_actions *a, const struct fs_rule *r)
{
	double r_bytes = -1, r_packets = -1;

	if (a == NULL)
		return;
	memset(a, 0, sizeof *a);
	a->rate_bytes = -1;
	a->rate_packets = -1;
	a->mark = -1;
	if (r == NULL || (r->nactions > 0 && r->actions == NULL))
		return;
	for (uint32_t i = 0; i < r->nactions; i++) {
		const struct fs_action *ac = &r->actions[i];
		double rate;

		switch (fs_ec_kind(ac)) {
		case FS_EC_RATE_BYTES:
		case FS_EC_RATE_PACKETS:
			rate = rate_of(ac);
			/* NaN asks for nothing a limiter can do; leave it out. */
			if (isnan(rate))
				break;
			fold_rate(fs_ec_kind(ac) == FS_EC_RATE_BYTES ? &r_bytes :
			    &r_packets, rate);
			break;
		case FS_EC_ACTION:
			a->sample |= (ac->ec[7] & FS_EC_SAMPLE) != 0;
			a->terminal |= (ac->ec[7] & FS_EC_TERMINAL) != 0;
			break;
		case FS_EC_REDIRECT_AS2:
		case FS_EC_REDIRECT_AS4:
		case FS_EC_REDIRECT_IP4:
			/* Redirects interfere (RFC 8955 7.7): the first one is used. */
			if (!a->redirect) {
				a->redirect = true;
				memcpy(a->redirect_ec, ac->ec, sizeof a->redirect_ec);
			}
			break;
		case FS_EC_MARK:
			if (a->mark < 0)
				a->mark = ac->ec[7] & 0x3f;
			break;
		default:
			break;	/* not a filtering action: ignored, as routers do */
		}
	}
	/* A rate of 0 is a discard (RFC 8955 7.1, 7.2); infinity limits nothing. */
	a->discard = r_bytes == 0 || r_packets == 0;
	if (!a->discard) {
		a->rate_bytes = r_bytes > 0 && !isinf(r_bytes) ? r_bytes : -1;
		a->rate_packets = r_packets > 0 && !isinf(r_packets) ? r_packets : -1;
	}
}
