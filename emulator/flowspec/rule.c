/*
 * rule.c - the rule model: component tables, pools and builders.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "rule.h"

struct type_info {
	const char *name;
	enum fs_kind kind;
	uint64_t field_max;	/* largest value the packet field can hold */
	uint8_t sizes;		/* value sizes RFC 8955/8956 allow: bit n = 1 << n octets */
};

#define SZ1 0x1
#define SZ2 0x2
#define SZ4 0x4

static const struct type_info types[FS_TYPE_MAX + 1] = {
	[FS_DST] = { "destination", FS_KIND_PREFIX, 0, 0 },
	[FS_SRC] = { "source", FS_KIND_PREFIX, 0, 0 },
	[FS_PROTO] = { "protocol", FS_KIND_NUMERIC, 255, SZ1 },
	[FS_PORT] = { "port", FS_KIND_NUMERIC, 65535, SZ1 | SZ2 },
	[FS_DPORT] = { "destination-port", FS_KIND_NUMERIC, 65535, SZ1 | SZ2 },
	[FS_SPORT] = { "source-port", FS_KIND_NUMERIC, 65535, SZ1 | SZ2 },
	[FS_ICMP_TYPE] = { "icmp-type", FS_KIND_NUMERIC, 255, SZ1 },
	[FS_ICMP_CODE] = { "icmp-code", FS_KIND_NUMERIC, 255, SZ1 },
	[FS_TCP_FLAGS] = { "tcp-flags", FS_KIND_BITMASK, 0xfff, SZ1 | SZ2 },
	[FS_PKT_LEN] = { "packet-length", FS_KIND_NUMERIC, 65535, SZ1 | SZ2 },
	[FS_DSCP] = { "dscp", FS_KIND_NUMERIC, 63, SZ1 },
	[FS_FRAGMENT] = { "fragment", FS_KIND_BITMASK, 0xf, SZ1 },
	[FS_FLOW_LABEL] = { "flow-label", FS_KIND_NUMERIC, 0xfffff, SZ1 | SZ2 | SZ4 },
};

enum fs_kind
fs_type_kind(unsigned type)
{
	if (type == 0 || type > FS_TYPE_MAX)
		return FS_KIND_NUMERIC;
	return types[type].kind;
}

const char *
fs_type_name(unsigned type)
{
	if (type == 0 || type > FS_TYPE_MAX)
		return NULL;
	return types[type].name;
}

unsigned
fs_type_by_name(const char *name, size_t len)
{
	if (name == NULL)
		return 0;
	for (unsigned t = 1; t <= FS_TYPE_MAX; t++)
		if (strlen(types[t].name) == len &&
		    memcmp(types[t].name, name, len) == 0)
			return t;
	/* RFC 8956 names the IPv6 protocol component "next header". */
	if (len == 11 && memcmp(name, "next-header", 11) == 0)
		return FS_PROTO;
	return 0;
}

uint64_t
fs_type_field_max(unsigned type)
{
	if (type == 0 || type > FS_TYPE_MAX)
		return 0;
	return types[type].field_max;
}

bool
fs_type_size_allowed(unsigned type, unsigned size)
{
	if (type == 0 || type > FS_TYPE_MAX)
		return false;
	switch (size) {
	case 1: return types[type].sizes & SZ1;
	case 2: return types[type].sizes & SZ2;
	case 4: return types[type].sizes & SZ4;
	default: return false;
	}
}

unsigned
fs_value_min_size(uint64_t value)
{
	if (value <= 0xff)
		return 1;
	if (value <= 0xffff)
		return 2;
	if (value <= 0xffffffffu)
		return 4;
	return 8;
}

const char *
fs_family_name(int family)
{
	switch (family) {
	case FS_IPV4: return "ipv4";
	case FS_IPV6: return "ipv6";
	default: return "?";
	}
}

void
fs_rule_init(struct fs_rule *r, int family)
{
	memset(r, 0, sizeof(*r));
	r->family = (uint8_t)family;
}

void
fs_rule_clear(struct fs_rule *r, int family)
{
	r->family = (uint8_t)family;
	r->ncomp = 0;
	r->nterms = 0;
	r->nactions = 0;
	r->nonconform = 0;
	r->spelled = 0;
}

void
fs_rule_free(struct fs_rule *r)
{
	if (r == NULL)
		return;
	free(r->terms);
	free(r->actions);
	fs_rule_init(r, r->family);
}

int
fs_rule_copy(struct fs_rule *dst, const struct fs_rule *src)
{
	if (dst == NULL || src == NULL) {
		errno = EINVAL;
		return -1;
	}
	fs_rule_clear(dst, src->family);
	if (fs_grow((void **)&dst->terms, &dst->terms_cap, src->nterms,
	    sizeof(*dst->terms), 8) != 0 ||
	    fs_grow((void **)&dst->actions, &dst->actions_cap, src->nactions,
	    sizeof(*dst->actions), 8) != 0)
		return -1;
	memcpy(dst->comp, src->comp, sizeof(dst->comp));
	if (src->nterms)
		memcpy(dst->terms, src->terms, src->nterms * sizeof(*src->terms));
	if (src->nactions)
		memcpy(dst->actions, src->actions,
		    src->nactions * sizeof(*src->actions));
	dst->ncomp = src->ncomp;
	dst->nterms = src->nterms;
	dst->nactions = src->nactions;
	dst->nonconform = src->nonconform;
	dst->spelled = src->spelled;
	return 0;
}

const struct fs_component *
fs_rule_find(const struct fs_rule *r, unsigned type)
{
	for (unsigned i = 0; i < r->ncomp; i++)
		if (r->comp[i].type == type)
			return &r->comp[i];
	return NULL;
}

/* Returns a new component of `type` appended to `r`, or NULL with errno. */
static struct fs_component *
append_component(struct fs_rule *r, unsigned type, enum fs_kind kind)
{
	struct fs_component *c;

	if (type == 0 || type > FS_TYPE_MAX || types[type].kind != kind) {
		errno = EINVAL;
		return NULL;
	}
	if (fs_rule_find(r, type) != NULL) {
		errno = EEXIST;
		return NULL;
	}
	if (r->ncomp >= FS_TYPE_MAX) {	/* unreachable: each type once */
		errno = EINVAL;
		return NULL;
	}
	c = &r->comp[r->ncomp++];
	memset(c, 0, sizeof(*c));
	c->type = (uint8_t)type;
	c->first = (uint16_t)r->nterms;
	return c;
}

int
fs_rule_add_prefix(struct fs_rule *r, unsigned type, const struct fs_prefix *p)
{
	struct fs_component *c;
	unsigned maxlen;

	if (r == NULL || p == NULL) {
		errno = EINVAL;
		return -1;
	}
	maxlen = r->family == FS_IPV6 ? 128 : 32;
	if (p->len > maxlen || p->offset > p->len ||
	    (r->family != FS_IPV6 && p->offset != 0)) {
		errno = EINVAL;
		return -1;
	}
	if ((c = append_component(r, type, FS_KIND_PREFIX)) == NULL)
		return -1;
	c->prefix = *p;
	return 0;
}

int
fs_rule_add_component(struct fs_rule *r, unsigned type)
{
	if (r == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (type == 0 || type > FS_TYPE_MAX ||
	    types[type].kind == FS_KIND_PREFIX) {
		errno = EINVAL;
		return -1;
	}
	return append_component(r, type, types[type].kind) ? 0 : -1;
}

int
fs_rule_add_term(struct fs_rule *r, uint8_t op, uint64_t value, uint8_t size)
{
	struct fs_component *c;
	struct fs_term *t;

	if (r == NULL || r->ncomp == 0 ||
	    (size != 0 && size != 1 && size != 2 && size != 4 && size != 8)) {
		errno = EINVAL;
		return -1;
	}
	c = &r->comp[r->ncomp - 1];
	/* A component's terms are one slice; a term of an earlier one would split it. */
	if (types[c->type].kind == FS_KIND_PREFIX ||
	    c->first + c->count != r->nterms || c->count == UINT16_MAX ||
	    r->nterms >= UINT16_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (size != 0 && fs_value_min_size(value) > size) {
		errno = EINVAL;
		return -1;
	}
	if (fs_grow((void **)&r->terms, &r->terms_cap, r->nterms + 1,
	    sizeof(*r->terms), 8) != 0)
		return -1;
	t = &r->terms[r->nterms++];
	t->op = op & (uint8_t)~(FS_OP_END | FS_OP_LEN);
	t->value = value;
	t->size = size;
	c->count++;
	return 0;
}

int
fs_rule_add_action(struct fs_rule *r, const uint8_t ec[8])
{
	if (r == NULL || ec == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (fs_grow((void **)&r->actions, &r->actions_cap, r->nactions + 1,
	    sizeof(*r->actions), 8) != 0)
		return -1;
	memcpy(r->actions[r->nactions++].ec, ec, 8);
	return 0;
}

void
fs_rule_sort(struct fs_rule *r)
{
	/* At most 13 components: insertion sort. */
	for (unsigned i = 1; i < r->ncomp; i++) {
		struct fs_component c = r->comp[i];
		unsigned j = i;

		while (j > 0 && r->comp[j - 1].type > c.type) {
			r->comp[j] = r->comp[j - 1];
			j--;
		}
		r->comp[j] = c;
	}
}

/* Returns true if components `ca` of `a` and `cb` of `b` match the same way. */
static bool
component_equal(const struct fs_rule *a, const struct fs_component *ca,
    const struct fs_rule *b, const struct fs_component *cb)
{
	if (ca->type != cb->type)
		return false;
	if (types[ca->type].kind == FS_KIND_PREFIX)
		return ca->prefix.len == cb->prefix.len &&
		    ca->prefix.offset == cb->prefix.offset &&
		    memcmp(ca->prefix.addr, cb->prefix.addr, 16) == 0;
	if (ca->count != cb->count)
		return false;
	for (unsigned i = 0; i < ca->count; i++) {
		const struct fs_term *ta = &a->terms[ca->first + i];
		const struct fs_term *tb = &b->terms[cb->first + i];
		unsigned sa = ta->size ? ta->size : fs_value_min_size(ta->value);
		unsigned sb = tb->size ? tb->size : fs_value_min_size(tb->value);

		if (ta->op != tb->op || ta->value != tb->value || sa != sb)
			return false;
	}
	return true;
}

bool
fs_rule_match_equal(const struct fs_rule *a, const struct fs_rule *b)
{
	if (a->family != b->family || a->ncomp != b->ncomp)
		return false;
	for (unsigned i = 0; i < a->ncomp; i++)
		if (!component_equal(a, &a->comp[i], b, &b->comp[i]))
			return false;
	return true;
}

bool
fs_rule_actions_equal(const struct fs_rule *a, const struct fs_rule *b)
{
	if (a->nactions != b->nactions)
		return false;
	/* Few actions per rule: quadratic is fine; duplicates must pair up. */
	for (unsigned i = 0; i < a->nactions; i++) {
		unsigned na = 0, nb = 0;

		for (unsigned j = 0; j < a->nactions; j++)
			na += memcmp(a->actions[i].ec, a->actions[j].ec, 8) == 0;
		for (unsigned j = 0; j < b->nactions; j++)
			nb += memcmp(a->actions[i].ec, b->actions[j].ec, 8) == 0;
		if (na != nb)
			return false;
	}
	return true;
}
