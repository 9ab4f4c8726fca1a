/*
 * order.c - RFC 8955 section 5.1 rule ordering.
 */
#include <stdlib.h>
#include <string.h>

#include "flowspec/order.h"
#include "flowspec/nlri.h"

#define TYPE_INFINITY 256u

/* Component strings are short: most fit here without a heap allocation. */
#define ENC_STACK 512

struct encoded {
	uint8_t stack[ENC_STACK];
	uint8_t *p;
	size_t len;
	uint8_t *heap;
};

/* Returns the number of components of `r` that may be read. */
static unsigned
ncomp(const struct fs_rule *r)
{
	return r->ncomp < FS_TYPE_MAX ? r->ncomp : FS_TYPE_MAX;
}

/* Returns bit `i` (0 = most significant) of the address of `p`. */
static unsigned
prefix_bit(const struct fs_prefix *p, unsigned i)
{
	return p->addr[i / 8] >> (7 - i % 8) & 1;
}

/* Returns the order of two prefixes of a family `bits` wide. */
static int
compare_prefix(const struct fs_prefix *a, const struct fs_prefix *b,
    unsigned bits)
{
	unsigned common = a->len < b->len ? a->len : b->len;

	/* RFC 8956: the lower offset has precedence. */
	if (a->offset != b->offset)
		return a->offset < b->offset ? -1 : 1;
	if (common > bits)
		common = bits;
	for (unsigned i = a->offset; i < common; i++) {
		unsigned x = prefix_bit(a, i), y = prefix_bit(b, i);

		if (x != y)
			return x < y ? -1 : 1;
	}
	if (a->len != b->len)
		return a->len > b->len ? -1 : 1;
	return 0;
}

/* Encodes component `idx` of `r` into e; returns 0, or -1 if it cannot. */
static int
encode(const struct fs_rule *r, unsigned idx, struct encoded *e)
{
	struct fs_error err;
	size_t cap;
	ssize_t n;

	e->heap = NULL;
	n = fs_component_encode(r, idx, e->stack, sizeof(e->stack), &err);
	if (n >= 0 && (size_t)n <= sizeof(e->stack)) {
		e->p = e->stack;
		e->len = (size_t)n;
		return 0;
	}
	/* An operator octet and up to 8 value octets per term. */
	cap = (size_t)r->comp[idx].count * 9 + 16;
	e->heap = malloc(cap);
	if (e->heap == NULL)
		return -1;
	n = fs_component_encode(r, idx, e->heap, cap, &err);
	if (n < 0 || (size_t)n > cap) {
		free(e->heap);
		e->heap = NULL;
		return -1;
	}
	e->p = e->heap;
	e->len = (size_t)n;
	return 0;
}

/*
 * Returns the order of two components whose strings could not be
 * encoded (out of memory, or terms out of the pool): by terms, so that
 * the order stays total and deterministic.
 */
static int
compare_terms(const struct fs_rule *a, const struct fs_component *ca,
    const struct fs_rule *b, const struct fs_component *cb)
{
	bool oka = (size_t)ca->first + ca->count <= a->nterms;
	bool okb = (size_t)cb->first + cb->count <= b->nterms;
	size_t n;

	if (!oka || !okb)
		return oka == okb ? 0 : (oka ? -1 : 1);
	n = ca->count < cb->count ? ca->count : cb->count;
	for (size_t k = 0; k < n; k++) {
		const struct fs_term *x = &a->terms[ca->first + k];
		const struct fs_term *y = &b->terms[cb->first + k];

		if (x->op != y->op)
			return x->op < y->op ? -1 : 1;
		if (x->value != y->value)
			return x->value < y->value ? -1 : 1;
	}
	if (ca->count != cb->count)
		return ca->count > cb->count ? -1 : 1;
	return 0;
}

/* Returns the order of component `k` of `a` and of `b` (same type). */
static int
compare_component(const struct fs_rule *a, const struct fs_rule *b,
    unsigned k)
{
	struct encoded ea, eb;
	size_t common;
	int cmp;

	if (fs_type_kind(a->comp[k].type) == FS_KIND_PREFIX)
		return compare_prefix(&a->comp[k].prefix, &b->comp[k].prefix,
		    a->family == FS_IPV6 ? 128 : 32);
	if (encode(a, k, &ea) != 0)
		return compare_terms(a, &a->comp[k], b, &b->comp[k]);
	if (encode(b, k, &eb) != 0) {
		free(ea.heap);
		return compare_terms(a, &a->comp[k], b, &b->comp[k]);
	}
	common = ea.len < eb.len ? ea.len : eb.len;
	cmp = common > 0 ? memcmp(ea.p, eb.p, common) : 0;
	if (cmp == 0 && ea.len != eb.len)
		cmp = ea.len > eb.len ? -1 : 1;
	free(ea.heap);
	free(eb.heap);
	return cmp < 0 ? -1 : cmp > 0;
}

int
fs_rule_precedence(const struct fs_rule *a, const struct fs_rule *b)
{
	if (a == NULL || b == NULL || a == b)
		return 0;
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	for (unsigned k = 0;; k++) {
		unsigned ta = k < ncomp(a) ? a->comp[k].type : TYPE_INFINITY;
		unsigned tb = k < ncomp(b) ? b->comp[k].type : TYPE_INFINITY;
		int cmp;

		if (ta == TYPE_INFINITY && tb == TYPE_INFINITY)
			return 0;
		/* The rule with the lower type here has precedence. */
		if (ta != tb)
			return ta < tb ? -1 : 1;
		cmp = compare_component(a, b, k);
		if (cmp != 0)
			return cmp;
	}
}
