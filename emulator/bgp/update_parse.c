/*
 * update_parse.c - reading an UPDATE the way RFC 4271, RFC 4760 and
 * RFC 7606 say, and decoding the flowspec NLRI in it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "flowspec/grow.h"
#include "flowspec/nlri.h"
#include "update.h"
#include "wire.h"

void
bgp_update_init(struct bgp_update *u)
{
	memset(u, 0, sizeof *u);
}

/* Frees `n` rules of an array and the array. */
static void
free_rules(struct fs_rule *r, size_t cap)
{
	for (size_t i = 0; i < cap; i++)
		fs_rule_free(&r[i]);
	free(r);
}

void
bgp_update_free(struct bgp_update *u)
{
	if (u == NULL)
		return;
	free_rules(u->reach, u->reach_cap);
	free_rules(u->withdrawn, u->withdrawn_cap);
	free(u->bad);
	bgp_update_init(u);
}

/*
 * Returns the next free rule of a list (initialised, cleared to `family`),
 * or NULL when memory runs out.  Rules past the count keep their pools,
 * so parsing many UPDATEs into one struct allocates little.
 */
static struct fs_rule *
next_rule(struct fs_rule **v, size_t *n, size_t *cap, int family)
{
	if (*n == *cap) {
		size_t old = *cap;
		if (fs_grow((void **)v, cap, *n + 1, sizeof **v, 16) < 0)
			return NULL;
		for (size_t i = old; i < *cap; i++)
			fs_rule_init(&(*v)[i], family);
	}
	struct fs_rule *r = &(*v)[*n];
	fs_rule_clear(r, family);
	return r;
}

/* Returns the flags an attribute of `type` must carry (optional, transitive), or -1 if not checked. */
static int
expected_flags(unsigned type)
{
	switch (type) {
	case BGP_A_ORIGIN: case BGP_A_AS_PATH: case BGP_A_NEXT_HOP:
	case BGP_A_LOCAL_PREF: case BGP_A_ATOMIC_AGGREGATE:
		return BGP_ATTR_TRANSITIVE;
	case BGP_A_MED: case BGP_A_ORIGINATOR_ID: case BGP_A_CLUSTER_LIST:
	case BGP_A_MP_REACH: case BGP_A_MP_UNREACH:
		return BGP_ATTR_OPTIONAL;
	case BGP_A_AGGREGATOR: case BGP_A_COMMUNITIES:
	case BGP_A_EXT_COMMUNITIES: case BGP_A_AS4_PATH:
	case BGP_A_AS4_AGGREGATOR:
		return BGP_ATTR_OPTIONAL | BGP_ATTR_TRANSITIVE;
	}
	return -1;
}

/*
 * Checks the IPv4 prefixes of a withdrawn-routes or NLRI field (not
 * negotiated, so only their framing matters).  Returns 0 or -1 with a reset.
 */
static int
check_prefixes(const uint8_t *msg, size_t at, size_t len, struct bgp_error *e)
{
	size_t i = 0;
	while (i < len) {
		unsigned bits = msg[at + i];
		size_t octets = (bits + 7) / 8;
		if (bits > 32 || 1 + octets > len - i)
			return bgp_error_set(e, BGP_ACT_RESET, BGP_ERR_UPDATE,
			    BGP_UPD_NETWORK, at + i, NULL, 0,
			    "IPv4 prefix at octet %zu: length %u %s", at + i,
			    bits, bits > 32 ? "is above 32" : "runs past its field");
		i += 1 + octets;
	}
	return 0;
}

/* Returns 0 if the AS_PATH (or AS4_PATH) value is well formed, else -1; fills the kept path. */
static int
check_as_path(const uint8_t *v, size_t len, unsigned as_size,
    struct bgp_update *u)
{
	struct bgp_rd rd;
	bgp_rd_init(&rd, v, len);
	while (bgp_rd_left(&rd) > 0) {
		uint8_t type, count;
		const uint8_t *ases;
		if (!bgp_rd_u8(&rd, &type) || !bgp_rd_u8(&rd, &count) ||
		    type < BGP_AS_SET || type > BGP_AS_CONFED_SET ||
		    count == 0 || !bgp_rd_bytes(&rd, (size_t)count * as_size, &ases))
			return -1;
		for (unsigned i = 0; i < count && type == BGP_AS_SEQUENCE &&
		    u != NULL && u->as_path_len < BGP_AS_PATH_KEEP; i++) {
			const uint8_t *a = ases + i * as_size;
			u->as_path[u->as_path_len++] = as_size == 4 ?
			    (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 |
			    (uint32_t)a[2] << 8 | a[3] :
			    (uint32_t)(a[0] << 8 | a[1]);
		}
	}
	return 0;
}

/*
 * Decodes the flowspec NLRIs of buf[0..len) (an MP attribute's NLRI
 * field, at message offset `at`) into reach or withdrawn rules.  Returns
 * 0, or -1 with a reset (an NLRI overruns the attribute) or ENOMEM.
 */
static int
parse_nlris(const uint8_t *buf, size_t len, size_t at, int family,
    bool withdraw, struct bgp_update *u)
{
	size_t i = 0;
	while (i < len) {
		size_t hdr = buf[i] >= 0xf0 ? 2 : 1;
		size_t body;
		if (hdr == 2 && len - i < 2)
			return bgp_error_set(&u->err, BGP_ACT_RESET,
			    BGP_ERR_UPDATE, BGP_UPD_OPTIONAL, at + i, NULL, 0,
			    "flowspec NLRI at octet %zu: 2-octet length cut short",
			    at + i);
		body = hdr == 2 ? ((size_t)(buf[i] & 0x0f) << 8 | buf[i + 1]) :
		    buf[i];
		if (body > len - i - hdr)
			return bgp_error_set(&u->err, BGP_ACT_RESET,
			    BGP_ERR_UPDATE, BGP_UPD_OPTIONAL, at + i, NULL, 0,
			    "flowspec NLRI at octet %zu: length %zu runs past "
			    "the attribute (%zu octets left)", at + i, body,
			    len - i - hdr);
		struct fs_rule *r = withdraw ?
		    next_rule(&u->withdrawn, &u->nwithdrawn, &u->withdrawn_cap, family) :
		    next_rule(&u->reach, &u->nreach, &u->reach_cap, family);
		if (r == NULL)
			return -1;
		struct fs_error fe = { 0 };
		if (fs_nlri_decode(buf + i, hdr + body, family, 0, r, &fe) < 0) {
			if (fs_grow((void **)&u->bad, &u->bad_cap, u->nbad + 1,
			    sizeof *u->bad, 4) < 0)
				return -1;
			struct bgp_bad_nlri *b = &u->bad[u->nbad++];
			memset(b, 0, sizeof *b);
			b->offset = at + i;
			b->len = hdr + body;
			memcpy(b->octets, buf + i, b->len < BGP_BAD_NLRI_KEEP ?
			    b->len : BGP_BAD_NLRI_KEEP);
			b->withdrawn = withdraw;
			b->err = fe;
		} else if (withdraw) {
			u->nwithdrawn++;
		} else {
			u->nreach++;
		}
		i += hdr + body;
	}
	return 0;
}

/*
 * Parses MP_REACH_NLRI (v, len at message offset `at`; its attribute
 * header at `hdr`). Returns 0 or -1 (reset / ENOMEM).
 */
static int
parse_mp_reach(const uint8_t *v, size_t len, size_t at, size_t hdr,
    const struct bgp_update_params *p, struct bgp_update *u)
{
	struct bgp_rd rd;
	uint16_t afi;
	uint8_t safi, nhlen, reserved;
	const uint8_t *nh;

	bgp_rd_init(&rd, v, len);
	if (!bgp_rd_u16(&rd, &afi) || !bgp_rd_u8(&rd, &safi) ||
	    !bgp_rd_u8(&rd, &nhlen) || !bgp_rd_bytes(&rd, nhlen, &nh) ||
	    !bgp_rd_u8(&rd, &reserved))
		return bgp_error_set(&u->err, BGP_ACT_RESET, BGP_ERR_UPDATE,
		    BGP_UPD_OPTIONAL, hdr, NULL, 0,
		    "MP_REACH_NLRI of %zu octets is too short for its next hop",
		    len);
	int family = bgp_afi_family(afi, safi);
	if (family == 0 || !(p->families & BGP_FAM_BIT(family))) {
		u->other_afs++;	/* RFC 4760: not negotiated, so ignored */
		return 0;
	}
	if (u->family != 0 && u->family != family)
		return bgp_error_set(&u->err, BGP_ACT_RESET, BGP_ERR_UPDATE,
		    BGP_UPD_ATTR_LIST, hdr, NULL, 0,
		    "MP_REACH_NLRI and MP_UNREACH_NLRI of different families");
	u->family = family;
	return parse_nlris(v + rd.off, bgp_rd_left(&rd), at + rd.off, family,
	    false, u);
}

/* Parses MP_UNREACH_NLRI, as above. Returns 0 or -1 (reset / ENOMEM). */
static int
parse_mp_unreach(const uint8_t *v, size_t len, size_t at, size_t hdr,
    const struct bgp_update_params *p, struct bgp_update *u)
{
	if (len < 3)
		return bgp_error_set(&u->err, BGP_ACT_RESET, BGP_ERR_UPDATE,
		    BGP_UPD_OPTIONAL, hdr, NULL, 0,
		    "MP_UNREACH_NLRI of %zu octets; AFI and SAFI take 3", len);
	int family = bgp_afi_family((uint16_t)(v[0] << 8 | v[1]), v[2]);
	if (family == 0 || !(p->families & BGP_FAM_BIT(family))) {
		u->other_afs++;
		return 0;
	}
	if (u->family != 0 && u->family != family)
		return bgp_error_set(&u->err, BGP_ACT_RESET, BGP_ERR_UPDATE,
		    BGP_UPD_ATTR_LIST, hdr, NULL, 0,
		    "MP_REACH_NLRI and MP_UNREACH_NLRI of different families");
	u->family = family;
	if (len == 3)
		u->eor = true;
	return parse_nlris(v + 3, len - 3, at + 3, family, true, u);
}

/*
 * Checks one attribute whose framing is sound.  Returns 0 (u->err may
 * now hold a withdraw or discard) or -1 (reset, or ENOMEM).
 */
static int
parse_attr(const uint8_t *msg, size_t at, uint8_t flags, uint8_t type,
    const uint8_t *v, size_t len, const struct bgp_update_params *p,
    struct bgp_update *u, const uint8_t **ext, size_t *next)
{
	int want = expected_flags(type);
	unsigned as_size = p->as4 ? 4 : 2;

	if (want < 0 && !(flags & BGP_ATTR_OPTIONAL))
		return bgp_error_set(&u->err, BGP_ACT_RESET, BGP_ERR_UPDATE,
		    BGP_UPD_WELLKNOWN, at, msg + at, len + (v - msg - at),
		    "attribute type %u is marked well-known but is not known", type);
	if (want >= 0 && (flags & (BGP_ATTR_OPTIONAL | BGP_ATTR_TRANSITIVE)) != want)
		bgp_error_set(&u->err, BGP_ACT_WITHDRAW, BGP_ERR_UPDATE,
		    BGP_UPD_ATTR_FLAGS, at, NULL, 0,
		    "attribute type %u has flags 0x%02x, expected optional=%d "
		    "transitive=%d", type, flags, !!(want & BGP_ATTR_OPTIONAL),
		    !!(want & BGP_ATTR_TRANSITIVE));
	switch (type) {
	case BGP_A_ORIGIN:
		if (len != 1 || v[0] > 2)
			bgp_error_set(&u->err, BGP_ACT_WITHDRAW, BGP_ERR_UPDATE,
			    len != 1 ? BGP_UPD_ATTR_LENGTH : BGP_UPD_ORIGIN, at,
			    NULL, 0, len != 1 ? "ORIGIN of %zu octets, expected 1" :
			    "ORIGIN value %zu is not IGP, EGP or INCOMPLETE",
			    len != 1 ? len : (size_t)v[0]);
		break;
	case BGP_A_AS_PATH:
		if (check_as_path(v, len, as_size, u) < 0)
			bgp_error_set(&u->err, BGP_ACT_WITHDRAW, BGP_ERR_UPDATE,
			    BGP_UPD_AS_PATH, at, NULL, 0,
			    "AS_PATH of %zu octets is malformed (%u-octet ASes)",
			    len, as_size);
		break;
	case BGP_A_LOCAL_PREF:
		/* RFC 7606 section 7.5: from an external peer, discarded. */
		if (len != 4 && p->ebgp)
			bgp_error_set(&u->err, BGP_ACT_DISCARD, BGP_ERR_UPDATE,
			    BGP_UPD_ATTR_LENGTH, at, NULL, 0,
			    "LOCAL_PREF of %zu octets from an external peer, "
			    "ignored", len);
		else if (len != 4)
			bgp_error_set(&u->err, BGP_ACT_WITHDRAW, BGP_ERR_UPDATE,
			    BGP_UPD_ATTR_LENGTH, at, NULL, 0,
			    "LOCAL_PREF of %zu octets, expected 4", len);
		break;
	case BGP_A_NEXT_HOP: case BGP_A_MED: case BGP_A_ORIGINATOR_ID:
		if (len != 4)
			bgp_error_set(&u->err, BGP_ACT_WITHDRAW, BGP_ERR_UPDATE,
			    BGP_UPD_ATTR_LENGTH, at, NULL, 0,
			    "attribute type %u of %zu octets, expected 4", type, len);
		break;
	case BGP_A_COMMUNITIES: case BGP_A_CLUSTER_LIST:
		if (len == 0 || len % 4 != 0)
			bgp_error_set(&u->err, BGP_ACT_WITHDRAW, BGP_ERR_UPDATE,
			    BGP_UPD_ATTR_LENGTH, at, NULL, 0,
			    "attribute type %u of %zu octets, not a non-zero "
			    "multiple of 4", type, len);
		break;
	case BGP_A_EXT_COMMUNITIES:
		if (len == 0 || len % 8 != 0)
			bgp_error_set(&u->err, BGP_ACT_WITHDRAW, BGP_ERR_UPDATE,
			    BGP_UPD_ATTR_LENGTH, at, NULL, 0,
			    "EXTENDED_COMMUNITIES of %zu octets, not a non-zero "
			    "multiple of 8", len);
		else
			*ext = v, *next = len / 8;
		break;
	case BGP_A_ATOMIC_AGGREGATE:
		if (len != 0)
			bgp_error_set(&u->err, BGP_ACT_DISCARD, BGP_ERR_UPDATE,
			    BGP_UPD_ATTR_LENGTH, at, NULL, 0,
			    "ATOMIC_AGGREGATE of %zu octets, ignored", len);
		break;
	case BGP_A_AGGREGATOR:
		/* An AS and an IPv4 address: 6 or 8 octets (RFC 7606 7.7). */
		if (len != as_size + 4)
			bgp_error_set(&u->err, BGP_ACT_DISCARD, BGP_ERR_UPDATE,
			    BGP_UPD_ATTR_LENGTH, at, NULL, 0,
			    "AGGREGATOR of %zu octets, ignored", len);
		break;
	case BGP_A_AS4_PATH:
		if (check_as_path(v, len, 4, NULL) < 0)
			bgp_error_set(&u->err, BGP_ACT_DISCARD, BGP_ERR_UPDATE,
			    BGP_UPD_AS_PATH, at, NULL, 0,
			    "AS4_PATH malformed, ignored");
		break;
	case BGP_A_MP_REACH:
		return parse_mp_reach(v, len, (size_t)(v - msg), at, p, u);
	case BGP_A_MP_UNREACH:
		return parse_mp_unreach(v, len, (size_t)(v - msg), at, p, u);
	}
	return 0;
}

/* Attaches the extended communities to every announced rule. Returns 0 or -1 (ENOMEM). */
static int
attach_actions(struct bgp_update *u, const uint8_t *ext, size_t next)
{
	for (size_t i = 0; i < u->nreach; i++)
		for (size_t k = 0; k < next; k++)
			if (fs_rule_add_action(&u->reach[i], ext + 8 * k) < 0)
				return -1;
	u->action_copies = u->nreach * next;
	return 0;
}

/* Moves every announced rule to the withdrawn list (treat-as-withdraw). Returns 0 or -1. */
static int
withdraw_all(struct bgp_update *u)
{
	for (size_t i = 0; i < u->nreach; i++) {
		struct fs_rule *w = next_rule(&u->withdrawn, &u->nwithdrawn,
		    &u->withdrawn_cap, u->reach[i].family);
		if (w == NULL || fs_rule_copy(w, &u->reach[i]) < 0)
			return -1;
		w->nactions = 0;
		u->nwithdrawn++;
	}
	u->nreach = 0;
	return 0;
}

int
bgp_update_parse(const uint8_t *msg, size_t len,
    const struct bgp_update_params *p, struct bgp_update *u)
{
	struct bgp_rd rd;
	uint16_t wlen = 0, alen = 0;
	uint8_t seen[256 / 8] = { 0 };
	const uint8_t *ext = NULL;
	size_t next = 0;

	u->family = 0;
	u->nreach = u->nwithdrawn = u->nbad = 0;
	u->eor = false;
	u->other_afs = 0;
	u->as_path_len = 0;
	u->action_copies = 0;
	memset(&u->err, 0, sizeof u->err);

	bgp_rd_init(&rd, msg, len);
	if (len < BGP_HEADER_LEN)
		return bgp_error_set(&u->err, BGP_ACT_RESET, BGP_ERR_HEADER,
		    BGP_HDR_BAD_LENGTH, 0, NULL, 0, "UPDATE shorter than its header");
	rd.off = BGP_HEADER_LEN;
	if (!bgp_rd_u16(&rd, &wlen) || bgp_rd_left(&rd) < (size_t)wlen + 2)
		return bgp_error_set(&u->err, BGP_ACT_RESET, BGP_ERR_UPDATE,
		    BGP_UPD_ATTR_LIST, 19, NULL, 0,
		    "withdrawn routes length %u runs past the message", wlen);
	if (check_prefixes(msg, rd.off, wlen, &u->err) < 0)
		return -1;
	rd.off += wlen;
	(void)bgp_rd_u16(&rd, &alen);
	size_t attr_start = rd.off;
	if (bgp_rd_left(&rd) < alen)
		return bgp_error_set(&u->err, BGP_ACT_RESET, BGP_ERR_UPDATE,
		    BGP_UPD_ATTR_LIST, attr_start - 2, NULL, 0,
		    "total path attribute length %u runs past the message "
		    "(%zu octets left)", alen, bgp_rd_left(&rd));
	if (check_prefixes(msg, attr_start + alen, len - attr_start - alen,
	    &u->err) < 0)
		return -1;
	if (wlen == 0 && alen == 0 && len == 23) {
		u->eor = true;	/* End-of-RIB for IPv4 unicast */
		return 0;
	}

	struct bgp_rd ar;
	bgp_rd_init(&ar, msg, attr_start + alen);
	ar.off = attr_start;
	while (bgp_rd_left(&ar) > 0) {
		size_t at = ar.off;
		uint8_t flags, type, l8;
		uint16_t l16 = 0;
		const uint8_t *v;

		if (!bgp_rd_u8(&ar, &flags) || !bgp_rd_u8(&ar, &type) ||
		    (flags & BGP_ATTR_EXTLEN ? !bgp_rd_u16(&ar, &l16) :
		    !bgp_rd_u8(&ar, &l8)))
			return bgp_error_set(&u->err, BGP_ACT_RESET,
			    BGP_ERR_UPDATE, BGP_UPD_ATTR_LIST, at, NULL, 0,
			    "attribute header at octet %zu is cut short", at);
		size_t alen1 = flags & BGP_ATTR_EXTLEN ? l16 : l8;
		if (!bgp_rd_bytes(&ar, alen1, &v))
			return bgp_error_set(&u->err, BGP_ACT_RESET,
			    BGP_ERR_UPDATE, BGP_UPD_ATTR_LIST, at, NULL, 0,
			    "attribute type %u at octet %zu: length %zu runs past "
			    "the path attributes (%zu octets left)", type, at,
			    alen1, bgp_rd_left(&ar));
		if (seen[type / 8] & (1u << (type % 8))) {
			if (type == BGP_A_MP_REACH || type == BGP_A_MP_UNREACH)
				return bgp_error_set(&u->err, BGP_ACT_RESET,
				    BGP_ERR_UPDATE, BGP_UPD_ATTR_LIST, at, NULL,
				    0, "attribute type %u appears twice", type);
			continue;	/* RFC 7606 3(g): keep the first */
		}
		seen[type / 8] |= (uint8_t)(1u << (type % 8));
		if (parse_attr(msg, at, flags, type, v, alen1, p, u, &ext,
		    &next) < 0)
			return -1;
	}

	bool has_reach = seen[BGP_A_MP_REACH / 8] & (1u << (BGP_A_MP_REACH % 8));
	/* RFC 4724 section 2: End-of-RIB announces nothing. */
	if (has_reach)
		u->eor = false;
	if (has_reach && u->family != 0) {
		if (!(seen[0] & (1u << BGP_A_ORIGIN)))
			bgp_error_set(&u->err, BGP_ACT_WITHDRAW, BGP_ERR_UPDATE,
			    BGP_UPD_MISSING, 19, (const uint8_t[]){ BGP_A_ORIGIN },
			    1, "ORIGIN missing from an UPDATE that announces");
		else if (!(seen[0] & (1u << BGP_A_AS_PATH)))
			bgp_error_set(&u->err, BGP_ACT_WITHDRAW, BGP_ERR_UPDATE,
			    BGP_UPD_MISSING, 19, (const uint8_t[]){ BGP_A_AS_PATH },
			    1, "AS_PATH missing from an UPDATE that announces");
	}
	if (u->err.action == BGP_ACT_WITHDRAW)
		return withdraw_all(u);
	if (ext != NULL && attach_actions(u, ext, next) < 0)
		return -1;
	return 0;
}
