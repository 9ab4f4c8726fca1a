/*
 * validate.c - RFC 8955 section 6 flow route validation against the
 * configured unicast routes.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "validate.h"

/* Returns true if the first `plen` bits of a and b are equal. */
static bool
prefix_bits_equal(const uint8_t *a, const uint8_t *b, unsigned plen)
{
	unsigned full = plen / 8, rest = plen % 8;

	if (memcmp(a, b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a[full] & mask) == (b[full] & mask);
}

/* Returns the text of sa's address in buf. */
static const char *
addr_text(const struct sockaddr_storage *ss, char *buf, size_t cap)
{
	const void *src = ss->ss_family == AF_INET ?
	    (const void *)&((const struct sockaddr_in *)ss)->sin_addr :
	    (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr;
	if (inet_ntop(ss->ss_family, src, buf, (socklen_t)cap) == NULL)
		snprintf(buf, cap, "?");
	return buf;
}

/* Returns true when feasible; see validate.h. */
bool
vr_validate(const struct vr_config *c, const struct fs_rule *r,
    const struct sockaddr *peer, uint32_t peer_as, const uint32_t *as_path,
    size_t as_path_len, char *why, size_t cap)
{
	const struct vr_unicast *best = NULL;
	char a[INET6_ADDRSTRLEN];

	if (c == NULL || r == NULL || peer == NULL || why == NULL || cap == 0)
		return false;
	if (peer_as != c->asn && (as_path_len == 0 || as_path[0] != peer_as)) {
		snprintf(why, cap, "the AS_PATH does not start with the eBGP "
		    "neighbor's AS %u (RFC 8955 section 6)", peer_as);
		return false;
	}
	const struct fs_component *dst = fs_rule_find(r, FS_DST);
	if (dst == NULL) {
		snprintf(why, cap, "no destination prefix: nothing to validate "
		    "the originator against (RFC 8955 section 6 a)");
		return false;
	}
	if (dst->prefix.offset != 0) {
		snprintf(why, cap, "the destination prefix has offset %u: only "
		    "offset 0 can be validated (RFC 8956, validation procedure)", dst->prefix.offset);
		return false;
	}
	/* b) the best match: the longest unicast route covering the destination. */
	for (size_t i = 0; i < c->n_unicast; i++) {
		const struct vr_unicast *u = &c->unicast[i];
		if (u->family != r->family || u->plen > dst->prefix.len)
			continue;
		if (!prefix_bits_equal(u->prefix, dst->prefix.addr, u->plen))
			continue;
		if (best == NULL || u->plen > best->plen)
			best = u;
	}
	if (best == NULL) {
		snprintf(why, cap, "no unicast route covers the destination "
		    "(RFC 8955 section 6 b)");
		return false;
	}
	if (!vr_addr_equal(peer, (const struct sockaddr *)&best->from)) {
		snprintf(why, cap, "the best-match unicast route for the destination "
		    "came from %s, not from this neighbor (RFC 8955 section 6 b)",
		    addr_text(&best->from, a, sizeof a));
		return false;
	}
	/* c) no more-specific route inside the destination from another AS. */
	for (size_t i = 0; i < c->n_unicast; i++) {
		const struct vr_unicast *u = &c->unicast[i];
		if (u->family != r->family || u->plen <= dst->prefix.len)
			continue;
		if (!prefix_bits_equal(u->prefix, dst->prefix.addr, dst->prefix.len))
			continue;
		if (u->from_as != best->from_as) {
			snprintf(why, cap, "a more-specific unicast route inside the "
			    "destination came from AS %u, not AS %u (RFC 8955 "
			    "section 6 c)", u->from_as, best->from_as);
			return false;
		}
	}
	return true;
}
