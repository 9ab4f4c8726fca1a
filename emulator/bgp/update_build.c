/*
 * update_build.c - packing flowspec routes into as few UPDATEs as fit.
 */
#include <errno.h>
#include <string.h>

#include "update.h"
#include "wire.h"

int
bgp_route_cmp_actions(const void *a, const void *b)
{
	const struct bgp_route *x = *(const struct bgp_route *const *)a;
	const struct bgp_route *y = *(const struct bgp_route *const *)b;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if (x->nactions != y->nactions)
		return x->nactions < y->nactions ? -1 : 1;
	if (x->nactions == 0)
		return 0;
	return memcmp(x->actions, y->actions, x->nactions * sizeof *x->actions);
}

/* Returns true if two routes carry the same actions in the same order. */
static bool
same_actions(const struct bgp_route *x, const struct bgp_route *y)
{
	return x->nactions == y->nactions && (x->nactions == 0 ||
	    memcmp(x->actions, y->actions, x->nactions * sizeof *x->actions) == 0);
}

/* Writes an attribute header (extended length when needed); returns octets written. */
static size_t
put_attr_hdr(uint8_t *p, uint8_t flags, uint8_t type, size_t len)
{
	if (len > 255) {
		p[0] = flags | BGP_ATTR_EXTLEN;
		p[1] = type;
		bgp_put16(p + 2, (uint16_t)len);
		return 4;
	}
	p[0] = flags;
	p[1] = type;
	p[2] = (uint8_t)len;
	return 3;
}

/*
 * Writes ORIGIN, AS_PATH (and AS4_PATH, LOCAL_PREF as needed) and the
 * extended communities of `r` at p (room for 64 + 8 * nactions octets).
 * Returns the octets written.
 */
static size_t
put_path_attrs(uint8_t *p, const struct bgp_update_params *prm,
    const struct bgp_route *r)
{
	size_t n = 0;
	bool trans = !prm->as4 && prm->local_as > 0xffff;

	n += put_attr_hdr(p + n, BGP_ATTR_TRANSITIVE, BGP_A_ORIGIN, 1);
	p[n++] = 0;	/* IGP */
	if (prm->ebgp) {
		unsigned as_size = prm->as4 ? 4 : 2;
		n += put_attr_hdr(p + n, BGP_ATTR_TRANSITIVE, BGP_A_AS_PATH,
		    2 + as_size);
		p[n++] = BGP_AS_SEQUENCE;
		p[n++] = 1;
		if (as_size == 4)
			bgp_put32(p + n, prm->local_as);
		else
			bgp_put16(p + n, trans ? BGP_AS_TRANS : (uint16_t)prm->local_as);
		n += as_size;
		if (trans) {	/* RFC 6793: the real AS rides in AS4_PATH */
			n += put_attr_hdr(p + n, BGP_ATTR_OPTIONAL |
			    BGP_ATTR_TRANSITIVE, BGP_A_AS4_PATH, 6);
			p[n++] = BGP_AS_SEQUENCE;
			p[n++] = 1;
			bgp_put32(p + n, prm->local_as);
			n += 4;
		}
	} else {
		n += put_attr_hdr(p + n, BGP_ATTR_TRANSITIVE, BGP_A_AS_PATH, 0);
		n += put_attr_hdr(p + n, BGP_ATTR_TRANSITIVE, BGP_A_LOCAL_PREF, 4);
		bgp_put32(p + n, 100);
		n += 4;
	}
	if (r != NULL && r->nactions > 0) {
		size_t el = 8u * r->nactions;
		n += put_attr_hdr(p + n, BGP_ATTR_OPTIONAL | BGP_ATTR_TRANSITIVE,
		    BGP_A_EXT_COMMUNITIES, el);
		memcpy(p + n, r->actions, el);
		n += el;
	}
	return n;
}

/*
 * Appends messages carrying routes[0..n) in an MP_REACH (reach) or
 * MP_UNREACH attribute.  A new message starts when the next NLRI would
 * not fit, or (reach) when the actions change.  Returns messages or -1.
 */
static long
build(struct bgp_buf *b, const struct bgp_update_params *prm,
    const struct bgp_route *const *routes, size_t n, bool reach)
{
	size_t max = prm->max_len ? prm->max_len : BGP_MAX_LEN;
	size_t start0 = b->len;
	long msgs = 0;
	size_t i = 0;

	if (max > BGP_EXT_MAX_LEN)
		max = BGP_EXT_MAX_LEN;	/* the header's length field */

	while (i < n) {
		const struct bgp_route *first = routes[i];
		size_t room = 64 + 8u * first->nactions + 4 + 5;
		size_t start = b->len;
		uint8_t *p = bgp_buf_reserve(b, max > room ? max : room);
		if (p == NULL) {
			b->len = start0;
			return -1;
		}
		size_t off = BGP_HEADER_LEN + 4;	/* withdrawn len, attr len */
		p[19] = p[20] = 0;
		if (reach)
			off += put_path_attrs(p + off, prm, first);
		size_t mp_hdr = off;
		off += 4;	/* MP attribute header, always extended length */
		bgp_put16(p + off, first->family == FS_IPV6 ? BGP_AFI_IPV6 :
		    BGP_AFI_IPV4);
		p[off + 2] = BGP_SAFI_FLOWSPEC;
		off += 3;
		if (reach) {
			p[off++] = 0;	/* next hop length: none (RFC 8955) */
			p[off++] = 0;	/* reserved */
		}
		size_t nlri_start = off;
		while (i < n && routes[i]->family == first->family &&
		    (!reach || same_actions(routes[i], first)) &&
		    off + routes[i]->nlri_len <= max) {
			memcpy(p + off, routes[i]->nlri, routes[i]->nlri_len);
			off += routes[i]->nlri_len;
			i++;
		}
		if (off == nlri_start) {
			/* Nothing half-built is left to be sent. */
			b->len = start0;
			errno = E2BIG;	/* one route larger than a message */
			return -1;
		}
		put_attr_hdr(p + mp_hdr, BGP_ATTR_OPTIONAL,
		    reach ? BGP_A_MP_REACH : BGP_A_MP_UNREACH, 0);
		p[mp_hdr] |= BGP_ATTR_EXTLEN;
		bgp_put16(p + mp_hdr + 2, (uint16_t)(off - mp_hdr - 4));
		bgp_put16(p + 21, (uint16_t)(off - BGP_HEADER_LEN - 4));
		bgp_header_write(p, off, BGP_UPDATE);
		b->len = start + off;
		msgs++;
	}
	return msgs;
}

long
bgp_update_build_reach(struct bgp_buf *b, const struct bgp_update_params *p,
    const struct bgp_route *const *routes, size_t n)
{
	return build(b, p, routes, n, true);
}

long
bgp_update_build_unreach(struct bgp_buf *b, const struct bgp_update_params *p,
    const struct bgp_route *const *routes, size_t n)
{
	return build(b, p, routes, n, false);
}

int
bgp_update_build_eor(struct bgp_buf *b, int family)
{
	/* An UPDATE whose only attribute is an empty MP_UNREACH_NLRI. */
	uint8_t *p = bgp_buf_reserve(b, 29);
	if (p == NULL)
		return -1;
	bgp_header_write(p, 29, BGP_UPDATE);
	bgp_put16(p + 19, 0);
	bgp_put16(p + 21, 6);
	p[23] = BGP_ATTR_OPTIONAL;
	p[24] = BGP_A_MP_UNREACH;
	p[25] = 3;
	bgp_put16(p + 26, family == FS_IPV6 ? BGP_AFI_IPV6 : BGP_AFI_IPV4);
	p[28] = BGP_SAFI_FLOWSPEC;
	return 0;
}
