/*
 * lint.c - the static checker.  docs/findings.md explains every code.
 *
 * The checker reasons on value sets (valueset.h): what a component
 * matches, within its packet field, whatever way it is written.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowspec/lint.h"
#include "flowspec/grow.h"
#include "flowspec/ecomm.h"
#include "flowspec/order.h"
#include "flowspec/valueset.h"
#include "dst_index.h"

#define IP_LEN_MAX	65535	/* the IP total-length field */
#define AS_RESERVED	0xffff	/* RFC 7300 */
#define PROTO_ICMP	1
#define PROTO_TCP	6
#define PROTO_UDP	17
#define PROTO_ICMPV6	58
#define PROTO_SCTP	132
#define SET_TEXT	96	/* room for a value set inside a message */

/* What the pairwise checks need of one rule, computed once. */
struct rule_info {
	const struct fs_component *comp[FS_TYPE_MAX + 1];	/* by type */
	struct fs_valueset set[FS_TYPE_MAX + 1];	/* values within the field */
	bool empty;		/* a component matches nothing */
	bool continues;		/* terminal bit: later rules still apply */
};

struct lint {
	const struct fs_ruleset *set;
	struct fs_findings *out;
	struct rule_info *info;
	uint64_t max_packet;	/* never above IP_LEN_MAX */
	uint64_t entry_limit;
	struct fs_dst_index dst;	/* which rules may contain which */
	size_t *cand;			/* candidates of the rule being checked */
	size_t cand_cap;
};

/* A numeric field whose terms may name values the field cannot hold. */
struct range_check {
	unsigned type;
	const char *code;
	const char *field;
};

static const struct range_check range_checks[] = {
	{ FS_PROTO, "protocol-range", "protocol number" },
	{ FS_PORT, "port-range", "port" },
	{ FS_DPORT, "port-range", "port" },
	{ FS_SPORT, "port-range", "port" },
	{ FS_ICMP_TYPE, "icmp-range", "ICMP type" },
	{ FS_ICMP_CODE, "icmp-range", "ICMP code" },
	{ FS_DSCP, "dscp-range", "DSCP value (6 bits)" },
	{ FS_FLOW_LABEL, "flow-label-range", "flow label (20 bits)" },
};

void
fs_lint_options_default(struct fs_lint_options *o)
{
	if (o == NULL)
		return;
	o->max_packet = FS_LINT_MAX_PACKET;
	o->entry_limit = FS_LINT_ENTRY_LIMIT;
}

const char *
fs_severity_name(enum fs_severity s)
{
	switch (s) {
	case FS_SEV_ERROR:
		return "error";
	case FS_SEV_WARNING:
		return "warning";
	case FS_SEV_INFO:
		return "info";
	}
	return "?";
}

void
fs_findings_free(struct fs_findings *f)
{
	if (f == NULL)
		return;
	free(f->v);
	f->v = NULL;
	f->n = 0;
	f->cap = 0;
}

/* Appends one finding. Returns 0, or -1 with errno ENOMEM. */
static int __attribute__((format(printf, 6, 7)))
add(struct lint *l, size_t rule, size_t related, enum fs_severity sev,
    const char *code, const char *fmt, ...)
{
	struct fs_findings *out = l->out;
	struct fs_finding *f;
	va_list ap;

	if (fs_grow((void **)&out->v, &out->cap, out->n + 1, sizeof(*out->v),
	    16) != 0)
		return -1;
	f = &out->v[out->n++];
	f->rule = rule;
	f->related = related;
	f->severity = sev;
	f->code = code;
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
	return 0;
}

/* Returns a * b, saturating at UINT64_MAX. */
static uint64_t
mul_sat(uint64_t a, uint64_t b)
{
	if (a != 0 && b > UINT64_MAX / a)
		return UINT64_MAX;
	return a * b;
}

/* Returns a + b, saturating at UINT64_MAX. */
static uint64_t
add_sat(uint64_t a, uint64_t b)
{
	return b > UINT64_MAX - a ? UINT64_MAX : a + b;
}

/* Returns the text-syntax name of `type`, never NULL. */
static const char *
tname(unsigned type)
{
	const char *n = fs_type_name(type);

	return n != NULL ? n : "component";
}

/* Returns the number of components of `r` that may be read. */
static unsigned
ncomp(const struct fs_rule *r)
{
	return r->ncomp < FS_TYPE_MAX ? r->ncomp : FS_TYPE_MAX;
}

/* Returns true if the terms of `c` lie inside the pool of `r`. */
static bool
terms_ok(const struct fs_rule *r, const struct fs_component *c)
{
	return (size_t)c->first + c->count <= r->nterms &&
	    (c->count == 0 || r->terms != NULL);
}

/* Returns the number of set bits of `v`. */
static unsigned
popcount(uint64_t v)
{
	return (unsigned)__builtin_popcountll(v);
}

/*
 * Returns the value/mask entries bitmask term `t` compiles to directly
 * in a field of mask `dom`: "all of v" and "none of v" are one entry,
 * "any of v" and "not all of v" one per bit; 0 when it never matches.
 */
static uint64_t
bitmask_term_cost(const struct fs_term *t, uint64_t dom)
{
	bool match = t->op & FS_BM_MATCH, inv = t->op & FS_BM_NOT;
	uint64_t v = t->value;

	if (match && !inv)
		return (v & ~dom) != 0 ? 0 : 1;
	if (match && inv)
		return (v & ~dom) != 0 ? 1 : popcount(v);
	if (!inv)
		return popcount(v & dom);
	return 1;
}

/* Returns the entries the terms of bitmask component `c` compile to. */
static uint64_t
bitmask_cost(const struct fs_rule *r, const struct fs_component *c)
{
	const struct fs_term *t = fs_comp_terms(r, c);
	uint64_t dom = fs_width_max(fs_field_width(c->type)), sum = 0;
	size_t pos = 0;

	while (pos < c->count) {
		size_t end = fs_term_group_end(t, c->count, pos);
		uint64_t prod = 1;

		for (size_t k = pos; k < end; k++)
			prod = mul_sat(prod, bitmask_term_cost(&t[k], dom));
		sum = add_sat(sum, prod);
		pos = end;
	}
	return sum;
}

/* Returns the entries component `c`, matching values `s`, needs. */
static uint64_t
component_cost(const struct fs_rule *r, const struct fs_component *c,
    const struct fs_valueset *s)
{
	uint64_t n = fs_vs_prefix_count(s, fs_field_width(c->type));

	if (fs_type_kind(c->type) == FS_KIND_BITMASK) {
		uint64_t direct = bitmask_cost(r, c);

		if (direct < n)
			n = direct;
	}
	return n;
}

/*
 * Makes `s` the values of component `c` within its field.  Returns 0;
 * 1 if the component cannot be read (terms out of the pool, unknown
 * type); -1 on ENOMEM.
 */
static int
field_set(struct fs_valueset *s, const struct fs_rule *r,
    const struct fs_component *c)
{
	unsigned width = fs_field_width(c->type);

	if (width == 0 || !terms_ok(r, c))
		return 1;
	if (fs_vs_from_component(s, r, c) != 0)
		return errno == ENOMEM ? -1 : 1;
	fs_vs_clamp(s, fs_width_max(width));
	return 0;
}

uint64_t
fs_rule_entry_cost(const struct fs_rule *r)
{
	struct fs_valueset s;
	uint64_t cost = 1;
	bool zero = false;

	if (r == NULL)
		return 0;
	fs_vs_init(&s);
	for (unsigned k = 0; k < ncomp(r); k++) {
		const struct fs_component *c = &r->comp[k];
		int rc;

		if (fs_type_kind(c->type) == FS_KIND_PREFIX)
			continue;
		rc = field_set(&s, r, c);
		if (rc < 0) {
			fs_vs_free(&s);
			return UINT64_MAX;
		}
		if (rc == 0) {
			uint64_t n = component_cost(r, c, &s);

			zero = zero || n == 0;
			cost = mul_sat(cost, n);
		}
	}
	fs_vs_free(&s);
	return zero ? 0 : cost;
}

/* Frees the sets of `n` rule infos and the array. */
static void
info_free(struct rule_info *info, size_t n)
{
	if (info == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		for (unsigned t = 0; t <= FS_TYPE_MAX; t++)
			fs_vs_free(&info[i].set[t]);
	free(info);
}

/* Fills `in` for rule `r`. Returns 0, or -1 on ENOMEM. */
static int
info_build(struct rule_info *in, const struct fs_rule *r)
{
	for (unsigned k = 0; k < ncomp(r); k++) {
		const struct fs_component *c = &r->comp[k];
		int rc;

		if (c->type < 1 || c->type > FS_TYPE_MAX)
			continue;
		in->comp[c->type] = c;
		if (fs_type_kind(c->type) == FS_KIND_PREFIX)
			continue;
		rc = field_set(&in->set[c->type], r, c);
		if (rc < 0)
			return -1;
		if (rc > 0 || fs_vs_is_empty(&in->set[c->type]))
			in->empty = true;
	}
	for (uint32_t a = 0; a < r->nactions && r->actions != NULL; a++) {
		const struct fs_action *act = &r->actions[a];

		if (fs_ec_kind(act) == FS_EC_ACTION &&
		    (act->ec[7] & FS_EC_TERMINAL))
			in->continues = true;
	}
	return 0;
}

/* Writes "rule "NAME" at FILE:LINE", "the rule at FILE:LINE" or "rule #N". */
static void
describe(const struct lint *l, size_t j, char *buf, size_t cap)
{
	const struct fs_entry *e = &l->set->v[j];
	char where[112];

	if (e->file != NULL && e->file[0] != '\0' && e->line > 0)
		snprintf(where, sizeof(where), "at %.80s:%u", e->file, e->line);
	else
		snprintf(where, sizeof(where), "#%zu", j + 1);
	if (e->name != NULL && e->name[0] != '\0')
		snprintf(buf, cap, "rule \"%.48s\" %s", e->name, where);
	else if (where[0] == '#')
		snprintf(buf, cap, "rule %s", where);
	else
		snprintf(buf, cap, "the rule %s", where);
}

/* Prints the terms t[pos..end) of an AND-group ("&"-joined) into buf. */
static void
print_group(unsigned type, const struct fs_term *t, size_t pos, size_t end,
    char *buf, size_t cap)
{
	static const char *const num[8] = {
		"false", "==", ">", ">=", "<", "<=", "!=", "true",
	};
	size_t len = 0;

	buf[0] = '\0';
	for (size_t k = pos; k < end && len < cap; k++) {
		const char *sep = k > pos ? "&" : "";
		unsigned op = t[k].op;
		int n;

		if (fs_type_kind(type) == FS_KIND_BITMASK)
			n = snprintf(buf + len, cap - len, "%s%s%s0x%llx", sep,
			    (op & FS_BM_NOT) ? "!" : "",
			    (op & FS_BM_MATCH) ? "=" : "",
			    (unsigned long long)t[k].value);
		else if ((op & 7) == 0 || (op & 7) == 7)
			n = snprintf(buf + len, cap - len, "%s%s", sep,
			    num[op & 7]);
		else
			n = snprintf(buf + len, cap - len, "%s%s%llu", sep,
			    num[op & 7], (unsigned long long)t[k].value);
		if (n < 0)
			return;
		len += (size_t)n;
	}
}

/*
 * Returns a hint for a lone bitmask term that tests no bit: RFC 8955
 * makes it false, though speakers encode not-a-fragment that way.
 */
static const char *
no_bit_hint(const struct fs_component *c, const struct fs_term *t, size_t n)
{
	if (n != 1 || fs_type_kind(c->type) != FS_KIND_BITMASK ||
	    t->value != 0 || (t->op & (FS_BM_MATCH | FS_BM_NOT)) != 0)
		return "";
	if (c->type == FS_FRAGMENT)
		return ". A term that tests no bit is never true (RFC 8955); "
		    "not-a-fragment is encoded that way, and routers disagree "
		    "on it: write !is-fragment";
	return ". A term that tests no bit is never true (RFC 8955)";
}

/* Reports AND-groups of `c` that can match no value. */
static int
check_groups(struct lint *l, size_t i, const struct fs_component *c,
    const struct fs_valueset *all)
{
	const struct fs_rule *r = &l->set->v[i].rule;
	const struct fs_term *t = fs_comp_terms(r, c);
	struct fs_valueset g;
	char text[128], rest[SET_TEXT];
	size_t pos = 0, start = 0, end = 0, ngroups = 0, nempty = 0;
	int rc = 0;

	fs_vs_init(&g);
	while (pos < c->count) {
		size_t here = pos;

		if (fs_vs_from_group(&g, r, c, &pos) != 0) {
			rc = errno == ENOMEM ? -1 : 0;
			fs_vs_free(&g);
			return rc;
		}
		ngroups++;
		if (fs_vs_is_empty(&g) && nempty++ == 0) {
			start = here;
			end = pos;
		}
	}
	fs_vs_free(&g);
	if (nempty == 0)
		return 0;
	print_group(c->type, t, start, end, text, sizeof(text));
	if (fs_vs_is_empty(all))
		return add(l, i, SIZE_MAX, FS_SEV_ERROR, "contradictory-terms",
		    "%s %s can match no value%s, so the rule can never match; "
		    "a router may still spend memory compiling it%s",
		    tname(c->type), text, end - start > 1 ?
		    ": its AND-ed terms exclude each other" : "",
		    no_bit_hint(c, &t[start], end - start));
	fs_vs_print(all, rest, sizeof(rest));
	return add(l, i, SIZE_MAX, FS_SEV_WARNING, "contradictory-terms",
	    "%s %s can match no value (%zu of %zu AND-groups are dead): the "
	    "component still matches %s, but routers compile the dead terms "
	    "all the same; check what was meant", tname(c->type), text,
	    nempty, ngroups, rest);
}

/* Reports term values above what the field of `c` can hold. */
static int
check_range(struct lint *l, size_t i, const struct fs_component *c,
    const struct range_check *rc)
{
	const struct fs_rule *r = &l->set->v[i].rule;
	const struct fs_term *t = fs_comp_terms(r, c);
	const struct fs_valueset *field = &l->info[i].set[c->type];
	uint64_t max = fs_width_max(fs_field_width(c->type));
	char rest[SET_TEXT];
	size_t k;

	for (k = 0; k < c->count && t[k].value <= max; k++)
		;
	if (k == c->count)
		return 0;
	if (fs_vs_is_empty(field))
		return add(l, i, SIZE_MAX, FS_SEV_ERROR, rc->code,
		    "%s value %llu is above %llu, the largest %s: nothing of "
		    "this component can match, so the rule can never match; "
		    "a router may still spend memory compiling it, and "
		    "speakers that check values refuse it",
		    tname(c->type), (unsigned long long)t[k].value,
		    (unsigned long long)max, rc->field);
	fs_vs_print(field, rest, sizeof(rest));
	return add(l, i, SIZE_MAX, FS_SEV_WARNING, rc->code,
	    "%s value %llu is above %llu, the largest %s: that part can never "
	    "match (what still can: %s); speakers that check values refuse "
	    "the whole rule while others install it, so routers disagree",
	    tname(c->type), (unsigned long long)t[k].value,
	    (unsigned long long)max, rc->field, rest);
}

/*
 * Returns true if numeric term `t` names a length above `max`.  "<=65535"
 * names none: it is how "no upper bound" is written (Junos 468-65535).
 */
static bool
names_length(const struct fs_term *t, uint64_t max)
{
	bool upper = (t->op & FS_NUM_LT) && !(t->op & FS_NUM_GT);

	if (t->value <= max)
		return false;
	if (upper && (t->op & FS_NUM_EQ) && t->value == IP_LEN_MAX)
		return false;
	return !(upper && !(t->op & FS_NUM_EQ) && t->value == IP_LEN_MAX + 1);
}

/* Reports packet lengths no packet on the network can have. */
static int
check_packet_length(struct lint *l, size_t i, const struct fs_component *c,
    const struct fs_valueset *all)
{
	const struct fs_rule *r = &l->set->v[i].rule;
	const struct fs_term *t = fs_comp_terms(r, c);
	uint64_t max = l->max_packet;
	char text[SET_TEXT];
	bool named = false;
	struct fs_valueset fit;
	int rc;

	if (fs_vs_is_empty(all))
		return 0;
	fs_vs_print(all, text, sizeof(text));
	if (all->v[0].lo > max)
		return add(l, i, SIZE_MAX, FS_SEV_ERROR,
		    "packet-length-unreachable",
		    "packet-length %s: no packet can have that length (the "
		    "largest is %llu bytes; the IP total-length field cannot "
		    "exceed 65535), so the rule can never match. Routers may "
		    "still compile it: this is the shape of the rule that "
		    "crashed every edge router of a 23-site network in 2013, "
		    "whose routers compiled the length range value by value "
		    "and exhausted their memory", text,
		    (unsigned long long)max);
	for (size_t k = 0; k < c->count; k++)
		named = named || names_length(&t[k], max);
	if (!named || all->v[all->n - 1].hi <= max)
		return 0;
	fs_vs_init(&fit);
	if (fs_vs_copy(&fit, all) != 0)
		return -1;
	fs_vs_clamp(&fit, max);
	fs_vs_print(&fit, text, sizeof(text));
	rc = add(l, i, SIZE_MAX, FS_SEV_WARNING, "packet-length-range",
	    "packet-length reaches above the largest packet (%llu bytes): only "
	    "%s can match. A router that compiles length ranges value by "
	    "value still expands the lengths no packet can have, and pays "
	    "memory for them", (unsigned long long)max, text);
	fs_vs_free(&fit);
	return rc;
}

/* Reports dont-fragment in an IPv6 fragment component. */
static int
check_ipv6_df(struct lint *l, size_t i, const struct fs_component *c)
{
	const struct fs_rule *r = &l->set->v[i].rule;
	const struct fs_term *t = fs_comp_terms(r, c);
	bool df = false;

	if (r->family != FS_IPV6 || c->type != FS_FRAGMENT)
		return 0;
	for (size_t k = 0; k < c->count; k++)
		df = df || (t[k].value & FS_FRAG_DF);
	if (!df)
		return 0;
	return add(l, i, SIZE_MAX, FS_SEV_WARNING, "ipv6-dont-fragment",
	    "fragment names dont-fragment, which IPv6 does not have (RFC "
	    "8956): the bit is never set in an IPv6 packet, so a term that "
	    "requires it never matches and one that excludes it always does");
}

/* Runs the checks of one numeric or bitmask component. */
static int
check_terms(struct lint *l, size_t i, const struct fs_component *c)
{
	const struct fs_rule *r = &l->set->v[i].rule;
	struct fs_valueset all;
	int rc;

	if (!terms_ok(r, c) || fs_field_width(c->type) == 0)
		return 0;
	fs_vs_init(&all);
	if (fs_vs_from_component(&all, r, c) != 0) {
		rc = errno == ENOMEM ? -1 : 0;
		fs_vs_free(&all);
		return rc;
	}
	rc = check_groups(l, i, c, &all);
	for (size_t k = 0; rc == 0 && k < sizeof(range_checks) /
	    sizeof(range_checks[0]); k++)
		if (range_checks[k].type == c->type)
			rc = check_range(l, i, c, &range_checks[k]);
	if (rc == 0 && c->type == FS_PKT_LEN)
		rc = check_packet_length(l, i, c, &all);
	if (rc == 0)
		rc = check_ipv6_df(l, i, c);
	fs_vs_free(&all);
	return rc;
}

/* Returns true if prefix `p` compares no address bit. */
static bool
prefix_all(const struct fs_prefix *p)
{
	return p->len <= p->offset;
}

/* Reports an IPv6 offset that leaves no bit of the prefix to compare. */
static int
check_prefix(struct lint *l, size_t i, const struct fs_component *c)
{
	const struct fs_rule *r = &l->set->v[i].rule;
	const struct fs_prefix *p = &c->prefix;

	if (r->family != FS_IPV6 || p->len == 0 || p->offset < p->len)
		return 0;
	return add(l, i, SIZE_MAX, FS_SEV_ERROR, "offset-beyond-prefix",
	    "%s offset %u is not below the prefix length %u: no address bit "
	    "is left to compare, so the component matches every address "
	    "instead of the prefix written, and RFC 8956 speakers refuse it",
	    tname(c->type), p->offset, p->len);
}

/* Returns true if component `c`, with values `s`, matches its whole field. */
static bool
covers_field(const struct fs_component *c, const struct fs_valueset *s)
{
	if (fs_type_kind(c->type) == FS_KIND_PREFIX)
		return prefix_all(&c->prefix);
	return fs_vs_covers(s, fs_width_max(fs_field_width(c->type)));
}

/* Reports a rule that matches every packet of its family. */
static int
check_matches_all(struct lint *l, size_t i)
{
	const struct fs_rule *r = &l->set->v[i].rule;
	const struct rule_info *in = &l->info[i];
	const char *fam = fs_family_name(r->family);

	for (unsigned k = 0; k < ncomp(r); k++) {
		const struct fs_component *c = &r->comp[k];

		if (c->type < 1 || c->type > FS_TYPE_MAX ||
		    !covers_field(c, &in->set[c->type]))
			return 0;
	}
	if (fs_rule_discards(r))
		return add(l, i, SIZE_MAX, FS_SEV_ERROR, "discards-all",
		    "matches every %s packet and discards it: every router "
		    "that accepts it drops all %s traffic, its own BGP "
		    "sessions included, which takes the whole fleet off the "
		    "network", fam, fam);
	return add(l, i, SIZE_MAX, FS_SEV_WARNING, "matches-all",
	    "matches every %s packet (no component narrows it): its actions "
	    "apply to all %s traffic of every router that accepts it",
	    fam, fam);
}

/* Returns true if set `s` holds any of the `n` values of `v`. */
static bool
holds_any(const struct fs_valueset *s, const uint64_t *v, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (fs_vs_contains(s, v[k]))
			return true;
	return false;
}

/* Reports port or ICMP components the protocol component rules out. */
static int
check_transport(struct lint *l, size_t i)
{
	const struct rule_info *in = &l->info[i];
	const struct fs_valueset *proto = &in->set[FS_PROTO];
	static const unsigned ports[] = { FS_PORT, FS_DPORT, FS_SPORT };
	static const unsigned icmp[] = { FS_ICMP_TYPE, FS_ICMP_CODE };
	static const uint64_t transport[] = { PROTO_TCP, PROTO_UDP, PROTO_SCTP };
	static const uint64_t icmp_protos[] = { PROTO_ICMP, PROTO_ICMPV6 };
	char text[SET_TEXT];
	unsigned pt = 0, it = 0;
	size_t v6 = l->set->v[i].rule.family == FS_IPV6;

	/* No protocol, or one that matches nothing (reported already). */
	if (in->comp[FS_PROTO] == NULL || fs_vs_is_empty(proto))
		return 0;
	for (size_t k = 0; k < 3 && pt == 0; k++)
		if (in->comp[ports[k]] != NULL)
			pt = ports[k];
	for (size_t k = 0; k < 2 && it == 0; k++)
		if (in->comp[icmp[k]] != NULL)
			it = icmp[k];
	fs_vs_print(proto, text, sizeof(text));
	if (pt != 0 && !holds_any(proto, transport, 3) &&
	    add(l, i, SIZE_MAX, FS_SEV_WARNING, "ports-without-transport",
	    "%s matches TCP, UDP and SCTP packets only, but protocol matches "
	    "only %s: no packet has both, so the rule can never match (a router "
	    "that reads port octets whatever the protocol matches other "
	    "bytes instead)", tname(pt), text) != 0)
		return -1;
	/* ICMP in IPv4 is protocol 1; in IPv6 it is next header 58. */
	if (it != 0 && !holds_any(proto, &icmp_protos[v6], 1) &&
	    add(l, i, SIZE_MAX, FS_SEV_WARNING, "icmp-without-icmp",
	    "%s matches %s packets only, but protocol matches only %s "
	    "(not %s): the rule can never match", tname(it),
	    v6 ? "ICMPv6" : "ICMP", text, v6 ? "icmpv6 58" : "icmp 1") != 0)
		return -1;
	return 0;
}

/* Reports actions that do something other than they seem to. */
static int
check_actions(struct lint *l, size_t i)
{
	const struct fs_rule *r = &l->set->v[i].rule;

	if (r->nactions == 0 || r->actions == NULL)
		return add(l, i, SIZE_MAX, FS_SEV_INFO, "no-action",
		    "has no action: routers install it as accept, which "
		    "changes nothing for the traffic it matches; add discard, "
		    "rate-limit, redirect or mark if something was meant");
	for (uint32_t a = 0; a < r->nactions; a++) {
		const struct fs_action *act = &r->actions[a];
		unsigned kind = fs_ec_kind(act);
		unsigned asn = (unsigned)act->ec[2] << 8 | act->ec[3];
		int rc = 0;

		if (kind == FS_EC_RATE_PACKETS && fs_ec_rate_value(act) == 0)
			rc = add(l, i, SIZE_MAX, FS_SEV_WARNING,
			    "rate-limit-zero", "rate-limit-packets 0 is a "
			    "discard: every packet the rule matches is dropped, "
			    "and routers that do not know the packet-rate "
			    "action ignore it and forward everything; write "
			    "discard if a drop is meant, or give a rate");
		else if (kind == FS_EC_RATE_BYTES && asn == 0 &&
		    fs_ec_rate_value(act) == 0 &&
		    (l->set->v[i].rule.spelled & FS_SPELLED_RATE_ZERO))
			rc = add(l, i, SIZE_MAX, FS_SEV_WARNING,
			    "rate-limit-zero", "rate-limit 0 is a discard: "
			    "every packet the rule matches is dropped, not "
			    "throttled (it is the very community discard "
			    "sends); write discard if a drop is meant, or give "
			    "a rate");
		else if (kind == FS_EC_RATE_BYTES && asn != 0 &&
		    fs_ec_rate_value(act) == 0)
			rc = add(l, i, SIZE_MAX, FS_SEV_WARNING,
			    "rate-limit-zero", "rate-limit 0 as %u is a "
			    "discard: every packet the rule matches is dropped; "
			    "write discard if a drop is meant, or give a rate",
			    asn);
		else if (kind == FS_EC_REDIRECT_AS2 && asn == AS_RESERVED)
			rc = add(l, i, SIZE_MAX, FS_SEV_WARNING,
			    "redirect-reserved-as", "redirect to AS 65535, "
			    "which is reserved (RFC 7300) and names no real "
			    "route target: the traffic goes to no VRF. GoBGP "
			    "3.10 truncates a 4-octet AS redirect to 65535, so "
			    "this may be a mangled 4-octet AS");
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* Reports a rule whose range expansion exceeds the entry limit. */
static int
check_cost(struct lint *l, size_t i)
{
	const struct fs_rule *r = &l->set->v[i].rule;
	const struct rule_info *in = &l->info[i];
	char parts[192];
	size_t len = 0;
	uint64_t cost = 1;

	parts[0] = '\0';
	for (unsigned t = 1; t <= FS_TYPE_MAX; t++) {
		const struct fs_component *c = in->comp[t];
		uint64_t n;
		int w;

		if (c == NULL || fs_type_kind(t) == FS_KIND_PREFIX ||
		    fs_field_width(t) == 0 || !terms_ok(r, c))
			continue;
		n = component_cost(r, c, &in->set[t]);
		if (n == 0)
			return 0;
		cost = mul_sat(cost, n);
		if (n == 1 || len >= sizeof(parts))
			continue;
		w = snprintf(parts + len, sizeof(parts) - len, "%s%s %llu",
		    len > 0 ? " x " : "", tname(t), (unsigned long long)n);
		if (w > 0)
			len += (size_t)w;
	}
	if (cost <= l->entry_limit)
		return 0;
	return add(l, i, SIZE_MAX, FS_SEV_WARNING, "entry-cost",
	    "a TCAM router would need %llu filter entries for this rule (%s), "
	    "above the limit of %llu: each range is expanded into value/mask "
	    "prefixes and ranged components multiply, so on every router of "
	    "the fleet this one rule can fill the filter table",
	    (unsigned long long)cost, parts, (unsigned long long)l->entry_limit);
}

/* Returns true if every address prefix `b` matches, `a` matches too. */
static bool
prefix_inside(const struct fs_prefix *b, const struct fs_prefix *a)
{
	if (prefix_all(a))
		return true;
	if (b->offset != a->offset || b->len < a->len || a->len > 128)
		return false;
	for (unsigned k = a->offset; k < a->len; k++) {
		unsigned x = a->addr[k / 8] >> (7 - k % 8) & 1;
		unsigned y = b->addr[k / 8] >> (7 - k % 8) & 1;

		if (x != y)
			return false;
	}
	return true;
}

/* Returns true if every packet rule `b` matches, rule `a` matches too. */
static bool
rule_inside(const struct lint *l, size_t b, size_t a)
{
	const struct rule_info *ib = &l->info[b], *ia = &l->info[a];

	for (unsigned t = 1; t <= FS_TYPE_MAX; t++) {
		const struct fs_component *ca = ia->comp[t], *cb = ib->comp[t];

		if (ca == NULL)
			continue;
		if (cb == NULL) {
			/* b leaves the field free: fine only if a does too. */
			if (!covers_field(ca, &ia->set[t]))
				return false;
			continue;
		}
		if (fs_type_kind(t) == FS_KIND_PREFIX) {
			if (!prefix_inside(&cb->prefix, &ca->prefix))
				return false;
		} else if (!fs_vs_subset(&ib->set[t], &ia->set[t]))
			return false;
	}
	return true;
}

/*
 * Reports duplicates, conflicts and shadowing of rule i by the others.
 * Only rules whose destination could equal or contain rule i's are
 * looked at: comparing all pairs made 100,000 rules take minutes.
 * Returns 0, or -1 on ENOMEM.
 */
static int
check_pairs(struct lint *l, size_t i)
{
	const struct fs_rule *r = &l->set->v[i].rule;
	char other[192];
	long n = fs_dst_candidates(&l->dst, l->set, i, 1, &l->cand, &l->cand_cap);

	if (n < 0)
		return -1;
	for (long k = 0; k < n && l->cand[k] < i; k++) {
		size_t j = l->cand[k];
		const struct fs_rule *o = &l->set->v[j].rule;

		if (o->family != r->family || !fs_rule_match_equal(o, r))
			continue;
		describe(l, j, other, sizeof(other));
		if (fs_rule_actions_equal(o, r))
			return add(l, i, j, FS_SEV_WARNING, "duplicate-rule",
			    "same match and actions as %s: announcing the same "
			    "NLRI again replaces the first, so this copy adds "
			    "nothing; remove one", other);
		return add(l, i, j, FS_SEV_ERROR, "conflicting-rule",
		    "same match as %s but different actions: a router keeps "
		    "one route per NLRI (the BGP best path; from one speaker, "
		    "the last announced), so one set of actions silently wins "
		    "and the other never applies", other);
	}
	if (l->info[i].empty)
		return 0;
	n = fs_dst_candidates(&l->dst, l->set, i, 0, &l->cand, &l->cand_cap);
	if (n < 0)
		return -1;
	for (long k = 0; k < n; k++) {
		size_t j = l->cand[k];
		const struct fs_rule *o = &l->set->v[j].rule;

		if (j == i || o->family != r->family || l->info[j].continues ||
		    l->info[j].empty)
			continue;
		/* The subset test is cheaper than encoding for the order. */
		if (!rule_inside(l, i, j) || fs_rule_precedence(o, r) >= 0)
			continue;
		describe(l, j, other, sizeof(other));
		return add(l, i, j, FS_SEV_WARNING, "shadowed-rule",
		    "every packet this rule matches is also matched by %s, "
		    "which routers apply first (RFC 8955 section 5.1 order) "
		    "and which stops evaluation: this rule never takes effect",
		    other);
	}
	return 0;
}

/* Runs every check of rule i. Returns 0, or -1 on ENOMEM. */
static int
check_rule(struct lint *l, size_t i)
{
	const struct fs_rule *r = &l->set->v[i].rule;

	for (unsigned k = 0; k < ncomp(r); k++) {
		const struct fs_component *c = &r->comp[k];
		int rc;

		if (fs_type_kind(c->type) == FS_KIND_PREFIX)
			rc = check_prefix(l, i, c);
		else
			rc = check_terms(l, i, c);
		if (rc != 0)
			return -1;
	}
	if (check_matches_all(l, i) != 0 || check_transport(l, i) != 0 ||
	    check_actions(l, i) != 0 || check_cost(l, i) != 0 ||
	    check_pairs(l, i) != 0)
		return -1;
	return 0;
}

int
fs_lint(const struct fs_ruleset *set, const struct fs_lint_options *o,
    struct fs_findings *out)
{
	struct fs_lint_options def;
	struct lint l;
	int rc = 0;

	if (set == NULL || out == NULL || (set->n > 0 && set->v == NULL)) {
		errno = EINVAL;
		return -1;
	}
	if (o == NULL) {
		fs_lint_options_default(&def);
		o = &def;
	}
	l.set = set;
	l.out = out;
	l.max_packet = o->max_packet < IP_LEN_MAX ? o->max_packet : IP_LEN_MAX;
	l.entry_limit = o->entry_limit;
	l.info = NULL;
	l.cand = NULL;
	l.cand_cap = 0;
	if (set->n == 0)
		return 0;
	if (fs_dst_index_build(&l.dst, set) < 0)
		return -1;
	l.info = calloc(set->n, sizeof(*l.info));
	if (l.info == NULL) {
		fs_dst_index_free(&l.dst);
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < set->n && rc == 0; i++)
		rc = info_build(&l.info[i], &set->v[i].rule);
	for (size_t i = 0; i < set->n && rc == 0; i++)
		rc = check_rule(&l, i);
	info_free(l.info, set->n);
	fs_dst_index_free(&l.dst);
	free(l.cand);
	if (rc != 0)
		errno = ENOMEM;
	return rc;
}
