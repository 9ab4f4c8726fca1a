/*
 * valueset.c - sets of field values as sorted disjoint closed intervals.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowspec/grow.h"
#include "flowspec/valueset.h"

/* Bitmask domains are enumerated value by value: keep them small. */
#define BITMASK_WIDTH_MAX 16

void
fs_vs_init(struct fs_valueset *s)
{
	if (s == NULL)
		return;
	s->v = NULL;
	s->n = 0;
	s->cap = 0;
}

void
fs_vs_free(struct fs_valueset *s)
{
	if (s == NULL)
		return;
	free(s->v);
	fs_vs_init(s);
}

void
fs_vs_clear(struct fs_valueset *s)
{
	if (s != NULL)
		s->n = 0;
}

/* Returns 0 once `s` has room for `want` intervals, or -1 on ENOMEM. */
static int
reserve(struct fs_valueset *s, size_t want)
{
	return fs_grow((void **)&s->v, &s->cap, want, sizeof(*s->v), 4);
}

int
fs_vs_copy(struct fs_valueset *dst, const struct fs_valueset *src)
{
	if (dst == NULL || src == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (dst == src)
		return 0;
	if (reserve(dst, src->n) != 0)
		return -1;
	if (src->n > 0)
		memcpy(dst->v, src->v, src->n * sizeof(*src->v));
	dst->n = src->n;
	return 0;
}

/* Returns true if `iv` ends before `lo` with a gap between them. */
static bool
ends_before(const struct fs_interval *iv, uint64_t lo)
{
	return lo > 0 && iv->hi < lo - 1;
}

/* Returns true if `iv` starts after `hi` with a gap between them. */
static bool
starts_after(const struct fs_interval *iv, uint64_t hi)
{
	return hi < UINT64_MAX && iv->lo > hi + 1;
}

int
fs_vs_add(struct fs_valueset *s, uint64_t lo, uint64_t hi)
{
	size_t i, j;

	if (s == NULL || lo > hi) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < s->n && ends_before(&s->v[i], lo); i++)
		;
	for (j = i; j < s->n && !starts_after(&s->v[j], hi); j++)
		;
	if (i == j) {
		/* Touches nothing: insert at i. */
		if (reserve(s, s->n + 1) != 0)
			return -1;
		memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof(*s->v));
		s->v[i].lo = lo;
		s->v[i].hi = hi;
		s->n++;
		return 0;
	}
	/* Merge v[i..j) with [lo, hi] into v[i]. */
	if (s->v[i].lo < lo)
		lo = s->v[i].lo;
	if (s->v[j - 1].hi > hi)
		hi = s->v[j - 1].hi;
	s->v[i].lo = lo;
	s->v[i].hi = hi;
	memmove(&s->v[i + 1], &s->v[j], (s->n - j) * sizeof(*s->v));
	s->n -= j - i - 1;
	return 0;
}

int
fs_vs_fill(struct fs_valueset *s)
{
	if (s == NULL) {
		errno = EINVAL;
		return -1;
	}
	fs_vs_clear(s);
	return fs_vs_add(s, 0, UINT64_MAX);
}

int
fs_vs_from_term(struct fs_valueset *s, uint8_t op, uint64_t value)
{
	bool lt = op & FS_NUM_LT, gt = op & FS_NUM_GT, eq = op & FS_NUM_EQ;

	if (s == NULL) {
		errno = EINVAL;
		return -1;
	}
	fs_vs_clear(s);
	if (lt && gt && eq)
		return fs_vs_add(s, 0, UINT64_MAX);
	if (eq && !lt && !gt)
		return fs_vs_add(s, value, value);
	/* The part below value, then the part above it. */
	if (lt && (value > 0 || eq))
		if (fs_vs_add(s, 0, eq ? value : value - 1) != 0)
			return -1;
	if (gt && (value < UINT64_MAX || eq))
		if (fs_vs_add(s, eq ? value : value + 1, UINT64_MAX) != 0)
			return -1;
	return 0;
}

/* Appends [lo, hi] to `s`, whose intervals all start at or before lo. */
static int
push(struct fs_valueset *s, uint64_t lo, uint64_t hi)
{
	struct fs_interval *last;

	if (s->n > 0) {
		last = &s->v[s->n - 1];
		if (!ends_before(last, lo)) {
			if (hi > last->hi)
				last->hi = hi;
			return 0;
		}
	}
	if (reserve(s, s->n + 1) != 0)
		return -1;
	s->v[s->n].lo = lo;
	s->v[s->n].hi = hi;
	s->n++;
	return 0;
}

/* Moves the intervals of `tmp` into `out`, freeing what `out` held. */
static void
replace(struct fs_valueset *out, struct fs_valueset *tmp)
{
	free(out->v);
	*out = *tmp;
}

int
fs_vs_intersect(struct fs_valueset *out, const struct fs_valueset *a,
    const struct fs_valueset *b)
{
	struct fs_valueset tmp;
	size_t i = 0, j = 0;

	if (out == NULL || a == NULL || b == NULL) {
		errno = EINVAL;
		return -1;
	}
	fs_vs_init(&tmp);
	while (i < a->n && j < b->n) {
		uint64_t lo = a->v[i].lo > b->v[j].lo ? a->v[i].lo : b->v[j].lo;
		uint64_t hi = a->v[i].hi < b->v[j].hi ? a->v[i].hi : b->v[j].hi;

		if (lo <= hi && push(&tmp, lo, hi) != 0) {
			fs_vs_free(&tmp);
			return -1;
		}
		if (a->v[i].hi < b->v[j].hi)
			i++;
		else
			j++;
	}
	replace(out, &tmp);
	return 0;
}

int
fs_vs_union(struct fs_valueset *out, const struct fs_valueset *a,
    const struct fs_valueset *b)
{
	struct fs_valueset tmp;
	const struct fs_interval *iv;
	size_t i = 0, j = 0;

	if (out == NULL || a == NULL || b == NULL) {
		errno = EINVAL;
		return -1;
	}
	fs_vs_init(&tmp);
	while (i < a->n || j < b->n) {
		if (j >= b->n || (i < a->n && a->v[i].lo <= b->v[j].lo))
			iv = &a->v[i++];
		else
			iv = &b->v[j++];
		if (push(&tmp, iv->lo, iv->hi) != 0) {
			fs_vs_free(&tmp);
			return -1;
		}
	}
	replace(out, &tmp);
	return 0;
}

bool
fs_vs_subset(const struct fs_valueset *a, const struct fs_valueset *b)
{
	size_t j = 0;

	if (a == NULL || b == NULL)
		return false;
	/* Canonical sets: each interval of a lies inside one interval of b. */
	for (size_t i = 0; i < a->n; i++) {
		while (j < b->n && b->v[j].hi < a->v[i].lo)
			j++;
		if (j >= b->n || b->v[j].lo > a->v[i].lo ||
		    b->v[j].hi < a->v[i].hi)
			return false;
	}
	return true;
}

bool
fs_vs_equal(const struct fs_valueset *a, const struct fs_valueset *b)
{
	if (a == NULL || b == NULL || a->n != b->n)
		return false;
	return a->n == 0 || memcmp(a->v, b->v, a->n * sizeof(*a->v)) == 0;
}

bool
fs_vs_is_empty(const struct fs_valueset *s)
{
	return s == NULL || s->n == 0;
}

bool
fs_vs_contains(const struct fs_valueset *s, uint64_t x)
{
	if (s == NULL)
		return false;
	for (size_t i = 0; i < s->n && s->v[i].lo <= x; i++)
		if (x <= s->v[i].hi)
			return true;
	return false;
}

bool
fs_vs_covers(const struct fs_valueset *s, uint64_t max)
{
	return s != NULL && s->n > 0 && s->v[0].lo == 0 && s->v[0].hi >= max;
}

void
fs_vs_clamp(struct fs_valueset *s, uint64_t max)
{
	if (s == NULL)
		return;
	while (s->n > 0 && s->v[s->n - 1].lo > max)
		s->n--;
	if (s->n > 0 && s->v[s->n - 1].hi > max)
		s->v[s->n - 1].hi = max;
}

unsigned
fs_field_width(unsigned type)
{
	switch (type) {
	case FS_PROTO:
	case FS_ICMP_TYPE:
	case FS_ICMP_CODE:
		return 8;
	case FS_PORT:
	case FS_DPORT:
	case FS_SPORT:
	case FS_PKT_LEN:
		return 16;
	case FS_TCP_FLAGS:
		return 12;
	case FS_DSCP:
		return 6;
	case FS_FRAGMENT:
		return 4;
	case FS_FLOW_LABEL:
		return 20;
	default:
		return 0;
	}
}

uint64_t
fs_width_max(unsigned width)
{
	if (width == 0)
		return 0;
	if (width >= 64)
		return UINT64_MAX;
	return ((uint64_t)1 << width) - 1;
}

/* Returns 0 if `c` is a component of `r` whose terms lie in the pool. */
static int
check_component(const struct fs_rule *r, const struct fs_component *c)
{
	if (r == NULL || c == NULL ||
	    (size_t)c->first + c->count > r->nterms ||
	    (c->count > 0 && r->terms == NULL)) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

size_t
fs_term_group_end(const struct fs_term *t, size_t count, size_t pos)
{
	size_t end = pos + 1;

	while (end < count && (t[end].op & FS_OP_AND))
		end++;
	return end;
}

/* Returns true if bitmask term `t` matches field data `d` (RFC 8955 4.2.1.2). */
static bool
bitmask_match(const struct fs_term *t, uint64_t d)
{
	bool m;

	if (t->op & FS_BM_MATCH)
		m = (d & t->value) == t->value;
	else
		m = (d & t->value) != 0;
	return (t->op & FS_BM_NOT) ? !m : m;
}

/* Makes `s` the domain values that satisfy every term of t[pos..end). */
static int
bitmask_group(struct fs_valueset *s, unsigned type, const struct fs_term *t,
    size_t pos, size_t end)
{
	unsigned width = fs_field_width(type);
	uint64_t max = fs_width_max(width), start = 0;
	bool in = false;

	if (width == 0 || width > BITMASK_WIDTH_MAX) {
		errno = EINVAL;
		return -1;
	}
	for (uint64_t d = 0; d <= max; d++) {
		bool ok = true;

		for (size_t k = pos; k < end && ok; k++)
			ok = bitmask_match(&t[k], d);
		if (ok && !in)
			start = d;
		else if (!ok && in && push(s, start, d - 1) != 0)
			return -1;
		in = ok;
	}
	if (in && push(s, start, max) != 0)
		return -1;
	return 0;
}

/* Makes `s` the values that satisfy every numeric term of t[pos..end). */
static int
numeric_group(struct fs_valueset *s, const struct fs_term *t, size_t pos,
    size_t end)
{
	/* One term is at most two intervals: this never reallocates. */
	struct fs_interval buf[2];
	struct fs_valueset term = { .v = buf, .n = 0, .cap = 2 };

	if (fs_vs_from_term(s, t[pos].op, t[pos].value) != 0)
		return -1;
	for (size_t k = pos + 1; k < end && s->n > 0; k++) {
		if (fs_vs_from_term(&term, t[k].op, t[k].value) != 0 ||
		    fs_vs_intersect(s, s, &term) != 0)
			return -1;
	}
	return 0;
}

int
fs_vs_from_group(struct fs_valueset *s, const struct fs_rule *r,
    const struct fs_component *c, size_t *pos)
{
	const struct fs_term *t;
	size_t end;

	if (s == NULL || pos == NULL || check_component(r, c) != 0 ||
	    *pos >= c->count) {
		errno = EINVAL;
		return -1;
	}
	t = fs_comp_terms(r, c);
	end = fs_term_group_end(t, c->count, *pos);
	fs_vs_clear(s);
	switch (fs_type_kind(c->type)) {
	case FS_KIND_NUMERIC:
		if (numeric_group(s, t, *pos, end) != 0)
			return -1;
		break;
	case FS_KIND_BITMASK:
		if (bitmask_group(s, c->type, t, *pos, end) != 0)
			return -1;
		break;
	default:
		errno = EINVAL;
		return -1;
	}
	*pos = end;
	return 0;
}

int
fs_vs_from_component(struct fs_valueset *s, const struct fs_rule *r,
    const struct fs_component *c)
{
	struct fs_valueset group;
	size_t pos = 0;
	int rc = 0;

	if (s == NULL || check_component(r, c) != 0 ||
	    fs_type_kind(c->type) == FS_KIND_PREFIX) {
		errno = EINVAL;
		return -1;
	}
	fs_vs_clear(s);
	fs_vs_init(&group);
	while (pos < c->count && rc == 0) {
		rc = fs_vs_from_group(&group, r, c, &pos);
		if (rc == 0)
			rc = fs_vs_union(s, s, &group);
	}
	fs_vs_free(&group);
	return rc;
}

uint64_t
fs_range_prefix_count(uint64_t lo, uint64_t hi, unsigned width)
{
	uint64_t max = fs_width_max(width), count = 0;

	if (width == 0 || width > 64 || lo > hi || lo > max)
		return 0;
	if (hi > max)
		hi = max;
	/* Greedy: the largest aligned block that starts at lo and fits. */
	for (;;) {
		uint64_t mask = 0;

		while (mask != max) {
			uint64_t next = mask << 1 | 1;

			if ((lo & next) != 0 || next > hi - lo)
				break;
			mask = next;
		}
		count++;
		if (hi - lo == mask)
			return count;
		lo += mask + 1;
	}
}

uint64_t
fs_vs_prefix_count(const struct fs_valueset *s, unsigned width)
{
	uint64_t sum = 0;

	if (s == NULL)
		return 0;
	for (size_t i = 0; i < s->n; i++) {
		uint64_t c = fs_range_prefix_count(s->v[i].lo, s->v[i].hi, width);

		if (c > UINT64_MAX - sum)
			return UINT64_MAX;
		sum += c;
	}
	return sum;
}

size_t
fs_vs_print(const struct fs_valueset *s, char *buf, size_t cap)
{
	size_t len = 0;
	char piece[48];
	int n;

	if (buf == NULL || cap == 0)
		return 0;
	buf[0] = '\0';
	if (s == NULL || s->n == 0) {
		snprintf(buf, cap, "nothing");
		return strlen(buf);
	}
	for (size_t i = 0; i < s->n; i++) {
		const struct fs_interval *iv = &s->v[i];

		if (iv->lo == iv->hi)
			n = snprintf(piece, sizeof(piece), "%s%llu",
			    i > 0 ? ", " : "", (unsigned long long)iv->lo);
		else
			n = snprintf(piece, sizeof(piece), "%s%llu-%llu",
			    i > 0 ? ", " : "", (unsigned long long)iv->lo,
			    (unsigned long long)iv->hi);
		/* Keep room for ", ..." after this piece unless it is the last. */
		if (n < 0 || len + (size_t)n + (i + 1 < s->n ? 5 : 0) >= cap) {
			const char *more = len > 0 ? ", ..." : "...";
			size_t m = strlen(more);

			if (len + m < cap) {
				memcpy(buf + len, more, m + 1);
				len += m;
			}
			return len;
		}
		memcpy(buf + len, piece, (size_t)n + 1);
		len += (size_t)n;
	}
	return len;
}
