/*
 * nlri.c - RFC 8955 / RFC 8956 NLRI codec.
 *
 * The decoder reads through a cursor that checks every bound first; it is
 * the parser that faces the network, and the fuzz target that exercises it
 * most.  The encoder writes the smallest value size unless a term asks for
 * another, as GoBGP, ExaBGP and BIRD do.
 */
#include <errno.h>
#include <string.h>

#include "nlri.h"

/* How an IPv6 prefix with an offset is laid out on the wire. */
enum v6_form {
	V6_RFC8956,	/* pattern = bits offset..len */
	V6_PRE_RFC,	/* pattern = bits 0..len (GoBGP 3.10, ExaBGP 4.2) */
};

struct cursor {
	const uint8_t *buf;
	size_t pos, end;
};

static inline bool
cur_has(const struct cursor *c, size_t n)
{
	return c->end - c->pos >= n;
}

/* Returns the number of octets a pattern of `bits` bits takes. */
static inline unsigned
bits_octets(unsigned bits)
{
	return (bits + 7) / 8;
}

static inline unsigned
getbit(const uint8_t *a, unsigned i)
{
	return a[i / 8] >> (7 - i % 8) & 1;
}

static inline void
setbit(uint8_t *a, unsigned i)
{
	a[i / 8] |= (uint8_t)(0x80 >> (i % 8));
}

/* Clears the bits of a[0..16) outside [from, to); returns true if any was set. */
static bool
mask_outside(uint8_t *a, unsigned from, unsigned to)
{
	uint8_t dirty = 0;

	/* Octet by octet: this runs for every prefix the decoder reads. */
	for (unsigned i = 0; i < 16; i++) {
		unsigned lo = i * 8, hi = lo + 8;
		uint8_t keep = 0;

		if (hi > from && lo < to) {
			keep = 0xff;
			if (from > lo)
				keep &= (uint8_t)(0xff >> (from - lo));
			if (to < hi)
				keep &= (uint8_t)(0xff << (hi - to));
		}
		dirty |= (uint8_t)(a[i] & ~keep);
		a[i] &= keep;
	}
	return dirty != 0;
}

/* Returns 0 with the prefix read into `p`, or -1 with err. */
static int
decode_prefix(struct cursor *c, int family, enum v6_form form,
    struct fs_prefix *p, bool *offset_seen, uint32_t *nc,
    struct fs_error *err)
{
	unsigned maxlen = family == FS_IPV6 ? 128 : 32, nbytes, nbits;
	uint8_t pat[16];

	memset(p, 0, sizeof(*p));
	if (!cur_has(c, family == FS_IPV6 ? 2 : 1)) {
		err->offset = c->pos;
		return fs_error_set(err, FS_E_TRUNCATED,
		    "prefix component ends before its length%s",
		    family == FS_IPV6 ? " and offset" : "");
	}
	p->len = c->buf[c->pos];
	if (p->len > maxlen) {
		err->offset = c->pos;
		return fs_error_set(err, FS_E_PREFIX_LENGTH,
		    "prefix length %u exceeds %u for %s", p->len, maxlen,
		    fs_family_name(family));
	}
	c->pos++;
	if (family == FS_IPV6) {
		p->offset = c->buf[c->pos];
		if (p->offset > p->len) {
			err->offset = c->pos;
			return fs_error_set(err, FS_E_OFFSET,
			    "offset %u exceeds prefix length %u", p->offset,
			    p->len);
		}
		c->pos++;
		if (p->offset > 0)
			*offset_seen = true;
	}
	nbits = form == V6_PRE_RFC ? p->len : (unsigned)(p->len - p->offset);
	nbytes = bits_octets(nbits);
	if (!cur_has(c, nbytes)) {
		err->offset = c->pos;
		return fs_error_set(err, FS_E_TRUNCATED,
		    "/%u prefix needs %u octets, %zu remain", p->len, nbytes,
		    c->end - c->pos);
	}
	memset(pat, 0, sizeof(pat));
	memcpy(pat, c->buf + c->pos, nbytes);
	c->pos += nbytes;
	if (form == V6_PRE_RFC || p->offset == 0) {
		memcpy(p->addr, pat, sizeof(pat));
	} else {
		/* Pattern bit i is address bit offset + i. */
		for (unsigned i = 0; i < nbits; i++)
			if (getbit(pat, i))
				setbit(p->addr, p->offset + i);
		if (mask_outside(pat, 0, nbits))
			*nc |= FS_NC_PREFIX_BITS;
	}
	if (mask_outside(p->addr, p->offset, p->len))
		*nc |= FS_NC_PREFIX_BITS;
	return 0;
}

/* Returns 0 with the terms of one operator list added to `r`, or -1 with err. */
static int
decode_terms(struct cursor *c, unsigned type, struct fs_rule *r,
    struct fs_error *err)
{
	bool bitmask = fs_type_kind(type) == FS_KIND_BITMASK;
	uint8_t reserved = bitmask ? FS_BM_RESERVED : FS_NUM_RESERVED;

	for (bool first = true;; first = false) {
		size_t at = c->pos;
		unsigned size;
		uint64_t value = 0;
		uint8_t op;

		if (!cur_has(c, 1)) {
			err->offset = at;
			return fs_error_set(err, FS_E_TRUNCATED,
			    "%s ends without an end-of-list operator",
			    fs_type_name(type));
		}
		op = c->buf[c->pos++];
		if (first && (op & FS_OP_AND)) {
			err->offset = at;
			return fs_error_set(err, FS_E_AND_FIRST,
			    "%s: the first operator has the AND bit set (0x%02x); "
			    "there is no term before it to AND with",
			    fs_type_name(type), op);
		}
		if (op & reserved) {
			err->offset = at;
			return fs_error_set(err, FS_E_RESERVED_BIT,
			    "%s: reserved operator bit set (0x%02x)",
			    fs_type_name(type), op);
		}
		size = 1u << ((op & FS_OP_LEN) >> 4);
		if (!cur_has(c, size)) {
			err->offset = c->pos;
			return fs_error_set(err, FS_E_TRUNCATED,
			    "%s: operator 0x%02x wants a %u-octet value, %zu remain",
			    fs_type_name(type), op, size, c->end - c->pos);
		}
		for (unsigned i = 0; i < size; i++)
			value = value << 8 | c->buf[c->pos + i];
		c->pos += size;
		if (!fs_type_size_allowed(type, size))
			r->nonconform |= FS_NC_VALUE_SIZE;
		if (type == FS_DSCP && value > 63)
			r->nonconform |= FS_NC_DSCP_BITS;
		if (fs_rule_add_term(r, op, value, (uint8_t)size) != 0) {
			err->offset = at;
			return fs_error_set(err, errno == ENOMEM ? FS_E_NOMEM :
			    FS_E_TOO_LONG, "%s: cannot hold another term",
			    fs_type_name(type));
		}
		if (op & FS_OP_END)
			return 0;
	}
}

/* Returns the octets consumed, or -1 with err; `offset_seen` tells the caller to retry. */
static ssize_t
decode(const uint8_t *buf, size_t len, int family, enum v6_form form,
    struct fs_rule *out, bool *offset_seen, struct fs_error *err)
{
	struct cursor c = { .buf = buf, .pos = 0, .end = len };
	unsigned nlen, last = 0;

	fs_rule_clear(out, family);
	if (len < 1) {
		err->offset = 0;
		return fs_error_set(err, FS_E_TRUNCATED, "empty input: no NLRI length");
	}
	if (buf[0] >= 0xf0) {
		if (len < 2) {
			err->offset = 0;
			return fs_error_set(err, FS_E_TRUNCATED,
			    "2-octet NLRI length cut short");
		}
		nlen = (unsigned)(buf[0] & 0x0f) << 8 | buf[1];
		c.pos = 2;
		if (nlen < 240)
			out->nonconform |= FS_NC_LONG_LENGTH;
	} else {
		nlen = buf[0];
		c.pos = 1;
	}
	if (nlen == 0) {
		err->offset = 0;
		return fs_error_set(err, FS_E_ZERO_LENGTH,
		    "NLRI length is 0: a flowspec rule needs at least one component");
	}
	if (len - c.pos < nlen) {
		err->offset = 0;
		return fs_error_set(err, FS_E_TRUNCATED,
		    "NLRI length says %u octets, only %zu follow", nlen,
		    len - c.pos);
	}
	c.end = c.pos + nlen;
	while (c.pos < c.end) {
		size_t at = c.pos;
		unsigned type = buf[c.pos++];
		int rc;

		err->offset = at;
		if (type == 0 || type > FS_TYPE_MAX ||
		    (type == FS_FLOW_LABEL && family != FS_IPV6))
			return fs_error_set(err, FS_E_UNKNOWN_TYPE,
			    "unknown component type %u for %s flowspec", type,
			    fs_family_name(family));
		if (type <= last)
			return fs_error_set(err, FS_E_BAD_ORDER,
			    type == last ? "component type %u (%s) appears twice" :
			    "component type %u (%s) after type %u: types must increase",
			    type, fs_type_name(type), last);
		last = type;
		if (fs_type_kind(type) == FS_KIND_PREFIX) {
			struct fs_prefix p;

			rc = decode_prefix(&c, family, form, &p, offset_seen,
			    &out->nonconform, err);
			if (rc == 0 && fs_rule_add_prefix(out, type, &p) != 0)
				rc = fs_error_set(err, FS_E_NOMEM, "out of memory");
		} else {
			if (fs_rule_add_component(out, type) != 0)
				return fs_error_set(err, FS_E_NOMEM, "out of memory");
			rc = decode_terms(&c, type, out, err);
		}
		if (rc != 0) {
			/* More octets follow the NLRI: its length, not the input, is short. */
			if (err->code == FS_E_TRUNCATED && c.end < len) {
				char why[sizeof(err->msg)];

				memcpy(why, err->msg, sizeof(why));
				fs_error_set(err, FS_E_OVERRUN,
				    "runs past the end of the NLRI (length %u): %s",
				    nlen, why);
			}
			return -1;
		}
	}
	return (ssize_t)c.end;
}

ssize_t
fs_nlri_decode(const uint8_t *buf, size_t len, int family, unsigned flags,
    struct fs_rule *out, struct fs_error *err)
{
	struct fs_error scratch, pre;
	bool offset_seen = false;
	ssize_t n;

	if (err == NULL)
		err = &scratch;
	memset(err, 0, sizeof(*err));
	if (buf == NULL || out == NULL ||
	    (family != FS_IPV4 && family != FS_IPV6))
		return fs_error_set(err, FS_E_VALUE, "bad arguments to the decoder");
	n = decode(buf, len, family, V6_RFC8956, out, &offset_seen, err);
	if (n < 0) {
		char why[sizeof(err->msg)];
		bool again = false;

		/*
		 * Read as RFC 8956 it is malformed; if the pre-RFC layout
		 * makes sense of it, say that, rather than the symptom.
		 */
		if (!offset_seen || err->code == FS_E_NOMEM)
			return -1;
		/* The new message quotes the old one: copy it out first. */
		memcpy(why, err->msg, sizeof(why));
		memset(&pre, 0, sizeof(pre));
		if (decode(buf, len, family, V6_PRE_RFC, out, &again, &pre) < 0)
			return -1;
		for (unsigned i = 0; i < out->ncomp; i++) {
			const struct fs_prefix *p = &out->comp[i].prefix;

			if (fs_type_kind(out->comp[i].type) != FS_KIND_PREFIX ||
			    p->offset == 0)
				continue;
			err->offset = 0;
			fs_error_set(err, FS_E_PRE_RFC8956,
			    "%s prefix /%u offset %u is in the pre-RFC 8956 form "
			    "(the pattern holds all %u bits from bit 0, as GoBGP 3.10 "
			    "and ExaBGP 4.2 send it); RFC 8956 sends only bits %u..%u. "
			    "Read as the RFC form it is malformed: %s",
			    fs_type_name(out->comp[i].type), p->len, p->offset,
			    p->len, p->offset, p->len - 1, why);
			break;
		}
		fs_rule_clear(out, family);
		return -1;
	}
	if ((flags & FS_DECODE_STRICT) && out->nonconform) {
		unsigned bit = out->nonconform & -out->nonconform;

		err->offset = 0;
		return fs_error_set(err, FS_E_NONCONFORMANT, "%s",
		    fs_nonconformance_text(bit));
	}
	return n;
}

const char *
fs_nonconformance_text(unsigned bit)
{
	switch (bit) {
	case FS_NC_VALUE_SIZE:
		return "a value size RFC 8955 does not allow for its component "
		    "(e.g. a 4-octet packet length)";
	case FS_NC_PREFIX_BITS:
		return "bits set beyond a prefix's length";
	case FS_NC_DSCP_BITS:
		return "a DSCP value wider than 6 bits";
	case FS_NC_LONG_LENGTH:
		return "a 2-octet NLRI length for an NLRI shorter than 240 octets";
	default:
		return "non-conformant";
	}
}

struct writer {
	uint8_t *buf;
	size_t pos, cap;
	bool full;
};

static inline void
put(struct writer *w, uint8_t b)
{
	if (w->pos < w->cap)
		w->buf[w->pos] = b;
	else
		w->full = true;
	w->pos++;
}

/* Writes octets [from, bits_octets(len)) of addr, bits beyond len cleared. */
static void
put_prefix_octets(struct writer *w, const uint8_t *addr, unsigned from,
    unsigned len)
{
	unsigned last = bits_octets(len);

	for (unsigned i = from; i < last; i++)
		put(w, i + 1 == last && len % 8 ?
		    (uint8_t)(addr[i] & (0xff << (8 - len % 8))) : addr[i]);
}

static void
encode_prefix(struct writer *w, int family, const struct fs_prefix *p)
{
	put(w, p->len);
	if (family != FS_IPV6) {
		put_prefix_octets(w, p->addr, 0, p->len);
		return;
	}
	put(w, p->offset);
	if (p->offset % 8 == 0) {
		/* The common case: the pattern starts on an octet. */
		put_prefix_octets(w, p->addr, p->offset / 8, p->len);
	} else {
		uint8_t pat[16] = { 0 };
		unsigned nbits = (unsigned)(p->len - p->offset);

		for (unsigned i = 0; i < nbits; i++)
			if (getbit(p->addr, p->offset + i))
				setbit(pat, i);
		put_prefix_octets(w, pat, 0, nbits);
	}
}

static void
encode_terms(struct writer *w, const struct fs_rule *r,
    const struct fs_component *c)
{
	for (unsigned i = 0; i < c->count; i++) {
		const struct fs_term *t = &r->terms[c->first + i];
		unsigned size = t->size ? t->size : fs_value_min_size(t->value);
		unsigned lenbits = size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3;
		uint8_t op = (uint8_t)(t->op & ~(FS_OP_END | FS_OP_LEN));

		op |= (uint8_t)(lenbits << 4);
		if (i + 1 == c->count)
			op |= FS_OP_END;
		put(w, op);
		for (unsigned b = size; b-- > 0;)
			put(w, b >= 8 ? 0 : (uint8_t)(t->value >> (8 * b)));
	}
}

/* Returns 0 if component `c` can be encoded for the family of `r`, else -1 with err. */
static int
check_component(const struct fs_rule *r, const struct fs_component *c,
    struct fs_error *err)
{
	if (c->type == FS_FLOW_LABEL && r->family != FS_IPV6)
		return fs_error_set(err, FS_E_FAMILY,
		    "flow-label exists only in IPv6 flowspec");
	if (fs_type_kind(c->type) == FS_KIND_PREFIX) {
		unsigned maxlen = r->family == FS_IPV6 ? 128 : 32;

		if (c->prefix.len > maxlen || c->prefix.offset > c->prefix.len ||
		    (r->family != FS_IPV6 && c->prefix.offset))
			return fs_error_set(err, FS_E_PREFIX_LENGTH,
			    "%s prefix /%u offset %u does not fit %s",
			    fs_type_name(c->type), c->prefix.len,
			    c->prefix.offset, fs_family_name(r->family));
	} else if (c->count == 0) {
		return fs_error_set(err, FS_E_SYNTAX, "%s has no terms",
		    fs_type_name(c->type));
	}
	return 0;
}

ssize_t
fs_component_encode(const struct fs_rule *r, unsigned idx, uint8_t *buf,
    size_t cap, struct fs_error *err)
{
	struct writer w = { .buf = buf, .cap = cap };
	const struct fs_component *c;

	if (r == NULL || idx >= r->ncomp || (buf == NULL && cap != 0))
		return fs_error_set(err, FS_E_VALUE, "no such component");
	c = &r->comp[idx];
	if (check_component(r, c, err) != 0)
		return -1;
	if (fs_type_kind(c->type) == FS_KIND_PREFIX)
		encode_prefix(&w, r->family, &c->prefix);
	else
		encode_terms(&w, r, c);
	if (w.full)
		return fs_error_set(err, FS_E_NO_SPACE,
		    "component needs %zu octets, the buffer holds %zu", w.pos, cap);
	return (ssize_t)w.pos;
}

ssize_t
fs_nlri_encode(const struct fs_rule *r, uint8_t *buf, size_t cap,
    struct fs_error *err)
{
	uint8_t body[FS_NLRI_MAX_LEN + 64];
	struct writer w = { .buf = body, .cap = sizeof(body) };
	size_t hdr;

	if (r == NULL || (buf == NULL && cap != 0) ||
	    (r->family != FS_IPV4 && r->family != FS_IPV6))
		return fs_error_set(err, FS_E_VALUE, "bad arguments to the encoder");
	if (r->ncomp == 0)
		return fs_error_set(err, FS_E_ZERO_LENGTH,
		    "a flowspec rule needs at least one component");
	for (unsigned i = 0; i < r->ncomp; i++) {
		const struct fs_component *c = &r->comp[i];

		if (i > 0 && c->type <= r->comp[i - 1].type)
			return fs_error_set(err, FS_E_BAD_ORDER,
			    "components are not in type order");
		if (check_component(r, c, err) != 0)
			return -1;
		put(&w, c->type);
		if (fs_type_kind(c->type) == FS_KIND_PREFIX)
			encode_prefix(&w, r->family, &c->prefix);
		else
			encode_terms(&w, r, c);
		if (w.pos > FS_NLRI_MAX_LEN)
			break;
	}
	if (w.full || w.pos > FS_NLRI_MAX_LEN)
		return fs_error_set(err, FS_E_TOO_LONG,
		    "the rule encodes to more than %u octets, the NLRI limit",
		    FS_NLRI_MAX_LEN);
	hdr = w.pos < 240 ? 1 : 2;
	if (cap < hdr + w.pos)
		return fs_error_set(err, FS_E_NO_SPACE,
		    "NLRI needs %zu octets, the buffer holds %zu", hdr + w.pos, cap);
	if (hdr == 1) {
		buf[0] = (uint8_t)w.pos;
	} else {
		buf[0] = (uint8_t)(0xf0 | w.pos >> 8);
		buf[1] = (uint8_t)w.pos;
	}
	memcpy(buf + hdr, body, w.pos);
	return (ssize_t)(hdr + w.pos);
}
