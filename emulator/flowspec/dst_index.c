/*
 * dst_index.c - destination prefixes sorted for containment lookups.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dst_index.h"
#include "grow.h"

/* A destination with the bits outside [offset, len) cleared. */
struct fs_dst_key {
	uint8_t family, offset, len;
	uint8_t addr[16];
	size_t rule;
};

/* Returns rule r's destination, or NULL when it has none or it compares no bit. */
static const struct fs_prefix *
dst_of(const struct fs_rule *r)
{
	const struct fs_component *c = fs_rule_find(r, FS_DST);
	if (c == NULL || c->prefix.len <= c->prefix.offset)
		return NULL;
	return &c->prefix;
}

/* Fills k with prefix p cut to `len` bits. */
static void
key_make(struct fs_dst_key *k, int family, const struct fs_prefix *p,
    unsigned len, size_t rule)
{
	memset(k, 0, sizeof *k);
	k->family = (uint8_t)family;
	k->offset = p->offset;
	k->len = (uint8_t)len;
	k->rule = rule;
	for (unsigned b = p->offset; b < len && b < 128; b++)
		if (p->addr[b / 8] & (0x80 >> (b % 8)))
			k->addr[b / 8] |= (uint8_t)(0x80 >> (b % 8));
}

/* Orders keys by prefix, then by rule. */
static int
key_cmp(const void *a, const void *b)
{
	const struct fs_dst_key *x = a, *y = b;
	int d = memcmp(x, y, offsetof(struct fs_dst_key, rule));
	if (d != 0)
		return d;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

int
fs_dst_index_build(struct fs_dst_index *x, const struct fs_ruleset *set)
{
	memset(x, 0, sizeof *x);
	x->keys = calloc(set->n ? set->n : 1, sizeof *x->keys);
	x->open = calloc(set->n ? set->n : 1, sizeof *x->open);
	if (x->keys == NULL || x->open == NULL) {
		fs_dst_index_free(x);
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < set->n; i++) {
		const struct fs_rule *r = &set->v[i].rule;
		const struct fs_prefix *p = dst_of(r);
		if (p == NULL)
			x->open[x->nopen++] = i;
		else
			key_make(&x->keys[x->nkeys++], r->family, p, p->len, i);
	}
	qsort(x->keys, x->nkeys, sizeof *x->keys, key_cmp);
	return 0;
}

void
fs_dst_index_free(struct fs_dst_index *x)
{
	free(x->keys);
	free(x->open);
	memset(x, 0, sizeof *x);
}

/* Appends v to out. Returns 0 or -1 (ENOMEM). */
static int
push(size_t **out, size_t *cap, size_t n, size_t v)
{
	if (fs_grow((void **)out, cap, n + 1, sizeof **out, 64) < 0)
		return -1;
	(*out)[n] = v;
	return 0;
}

static int
idx_cmp(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

long
fs_dst_candidates(const struct fs_dst_index *x, const struct fs_ruleset *set,
    size_t i, int exact, size_t **out, size_t *cap)
{
	const struct fs_rule *r = &set->v[i].rule;
	const struct fs_prefix *p = dst_of(r);
	size_t n = 0;

	/* Rules that leave the destination free may contain any rule. */
	for (size_t k = 0; k < x->nopen; k++)
		if (push(out, cap, n++, x->open[k]) < 0)
			return -1;
	if (p == NULL) {
		/* Without a destination of its own, rule i fits only those. */
		return (long)n;
	}
	for (unsigned len = exact ? p->len : p->offset + 1u; len <= p->len; len++) {
		struct fs_dst_key probe;
		size_t lo = 0, hi = x->nkeys;

		key_make(&probe, r->family, p, len, 0);
		while (lo < hi) {	/* the first key not below the probe */
			size_t mid = lo + (hi - lo) / 2;
			if (key_cmp(&x->keys[mid], &probe) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < x->nkeys && memcmp(&x->keys[lo], &probe,
		    offsetof(struct fs_dst_key, rule)) == 0; lo++)
			if (push(out, cap, n++, x->keys[lo].rule) < 0)
				return -1;
	}
	qsort(*out, n, sizeof **out, idx_cmp);
	return (long)n;
}
