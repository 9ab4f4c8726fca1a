/*
 * rule.h - the Flowspec rule model (RFC 8955, RFC 8956).
 *
 * A rule is what one flowspec NLRI describes, plus the actions that travel
 * with it as extended communities.  The model keeps what the wire keeps
 * (operator bits, value sizes, prefix offsets) so that decoding then
 * encoding reproduces conformant input byte for byte.
 *
 * Terms of all numeric and bitmask components live in one pool owned by the
 * rule; a component refers to a slice of it.  A cleared rule keeps its pool,
 * so a decoder loop allocates only while the pool grows.
 */
#ifndef FC_FLOWSPEC_RULE_H
#define FC_FLOWSPEC_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fs_family {
	FS_IPV4 = 1,	/* AFI 1, SAFI 133 */
	FS_IPV6 = 2,	/* AFI 2, SAFI 133 */
};

/* Component types, as numbered on the wire. */
enum fs_type {
	FS_DST = 1,
	FS_SRC = 2,
	FS_PROTO = 3,		/* IPv6: upper-layer protocol (next header) */
	FS_PORT = 4,
	FS_DPORT = 5,
	FS_SPORT = 6,
	FS_ICMP_TYPE = 7,
	FS_ICMP_CODE = 8,
	FS_TCP_FLAGS = 9,
	FS_PKT_LEN = 10,
	FS_DSCP = 11,
	FS_FRAGMENT = 12,
	FS_FLOW_LABEL = 13,	/* IPv6 only */
};
#define FS_TYPE_MAX 13

/* Operator octet, shared part (RFC 8955 section 4.2.1). */
#define FS_OP_END	0x80	/* end-of-list: set on the last term only */
#define FS_OP_AND	0x40	/* AND-ed to the previous term, else OR-ed */
#define FS_OP_LEN	0x30	/* value size: 1 << ((op & FS_OP_LEN) >> 4) */
/* Numeric operator comparison bits. */
#define FS_NUM_LT	0x04
#define FS_NUM_GT	0x02
#define FS_NUM_EQ	0x01
#define FS_NUM_RESERVED	0x08
/* Bitmask operator bits. */
#define FS_BM_NOT	0x02
#define FS_BM_MATCH	0x01
#define FS_BM_RESERVED	0x0c

/* Fragment bitmask values (RFC 8955 section 4.2.2.12). */
#define FS_FRAG_DF	0x01
#define FS_FRAG_ISF	0x02
#define FS_FRAG_FF	0x04
#define FS_FRAG_LF	0x08

/*
 * One {operator, value} pair.  `op` holds FS_OP_AND and the comparison or
 * bitmask bits; FS_OP_END and the size bits are derived when encoding.
 * `size` is the value size in octets (1, 2, 4 or 8), or 0 for "the smallest
 * that holds the value", which is what canonical encoding uses.
 */
struct fs_term {
	uint64_t value;
	uint8_t op;
	uint8_t size;
};

/*
 * An IP prefix.  For IPv4, addr[0..3] hold the address.  For IPv6 with an
 * offset (RFC 8956), only bits [offset, len) are meaningful; the others
 * are zero.
 */
struct fs_prefix {
	uint8_t addr[16];
	uint8_t len;
	uint8_t offset;
};

struct fs_component {
	uint8_t type;		/* enum fs_type */
	uint16_t first;		/* numeric and bitmask: slice of rule->terms */
	uint16_t count;
	struct fs_prefix prefix;	/* FS_DST and FS_SRC */
};

/* An action is one 8-octet extended community, kept as on the wire. */
struct fs_action {
	uint8_t ec[8];
};

/* Why a decoded rule is not conformant though it could be read (bitmask). */
enum fs_nonconformance {
	FS_NC_VALUE_SIZE = 1u << 0,	/* a value size RFC 8955 does not allow for the component */
	FS_NC_PREFIX_BITS = 1u << 1,	/* bits set beyond a prefix's length (masked off) */
	FS_NC_DSCP_BITS = 1u << 2,	/* a DSCP value above 6 bits */
	FS_NC_LONG_LENGTH = 1u << 3,	/* a 2-octet length prefix below 240 */
};

/*
 * What the text said that the octets cannot tell (bitmask).  `rate-limit 0`
 * and `discard` are the same community; only the source knows which the
 * operator wrote, and the first deserves a word from the linter.
 */
enum fs_spelling {
	FS_SPELLED_RATE_ZERO = 1u << 0,	/* a byte rate of 0 written as a rate */
};

struct fs_rule {
	uint8_t family;			/* enum fs_family */
	uint8_t ncomp;
	struct fs_component comp[FS_TYPE_MAX];	/* increasing type order */
	struct fs_term *terms;		/* pool */
	uint32_t nterms;
	size_t terms_cap;
	struct fs_action *actions;
	uint32_t nactions;
	size_t actions_cap;
	uint32_t nonconform;		/* enum fs_nonconformance, set by the decoder */
	uint32_t spelled;		/* enum fs_spelling, set by the text readers */
};

/* Component type descriptions. */
enum fs_kind { FS_KIND_PREFIX, FS_KIND_NUMERIC, FS_KIND_BITMASK };

/* Returns the kind of component type `type`; FS_KIND_NUMERIC for unknowns. */
enum fs_kind fs_type_kind(unsigned type);
/* Returns the text-syntax name of `type` ("destination", ...), or NULL. */
const char *fs_type_name(unsigned type);
/* Returns the type named `name` (text syntax), or 0 when unknown. */
unsigned fs_type_by_name(const char *name, size_t len);
/* Returns the largest value a packet field of `type` can hold (packet-length: 65535). */
uint64_t fs_type_field_max(unsigned type);
/* Returns true if RFC 8955/8956 allows value size `size` for `type`. */
bool fs_type_size_allowed(unsigned type, unsigned size);
/* Returns the smallest of 1, 2, 4, 8 octets that holds `value`. */
unsigned fs_value_min_size(uint64_t value);

/* Returns "ipv4" or "ipv6" (or "?"). */
const char *fs_family_name(int family);

/* Initialises an empty rule of `family`. */
void fs_rule_init(struct fs_rule *r, int family);
/* Empties `r` and sets its family, keeping allocated pools for reuse. */
void fs_rule_clear(struct fs_rule *r, int family);
/* Frees the pools of `r` (not `r` itself); `r` is left empty and valid. */
void fs_rule_free(struct fs_rule *r);
/* Deep-copies `src` into `dst` (initialised). Returns 0, or -1 when out of memory. */
int fs_rule_copy(struct fs_rule *dst, const struct fs_rule *src);

/* Returns the component of `type` in `r`, or NULL. */
const struct fs_component *fs_rule_find(const struct fs_rule *r, unsigned type);
/* Returns the terms of component `c` of `r`. */
static inline const struct fs_term *
fs_comp_terms(const struct fs_rule *r, const struct fs_component *c)
{
	return r->terms + c->first;
}

/*
 * Builders.  A component is added once per type, in any order; terms are
 * appended to the component added last.  fs_rule_sort() then puts the
 * components in type order, as the wire and every other module expect.
 * Each returns 0, or -1 with errno: EEXIST (type given twice), EINVAL
 * (unknown type, wrong kind, prefix out of bounds, no component), ENOMEM.
 */
int fs_rule_add_prefix(struct fs_rule *r, unsigned type, const struct fs_prefix *p);
int fs_rule_add_component(struct fs_rule *r, unsigned type);
int fs_rule_add_term(struct fs_rule *r, uint8_t op, uint64_t value, uint8_t size);
int fs_rule_add_action(struct fs_rule *r, const uint8_t ec[8]);
/* Puts the components of `r` in increasing type order. */
void fs_rule_sort(struct fs_rule *r);

/* Returns true if `a` and `b` have the same match (components and terms). */
bool fs_rule_match_equal(const struct fs_rule *a, const struct fs_rule *b);
/* Returns true if `a` and `b` carry the same actions, in any order. */
bool fs_rule_actions_equal(const struct fs_rule *a, const struct fs_rule *b);

#endif
