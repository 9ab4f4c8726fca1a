/*
 * compile.c - the platform compilers: a rule becomes a resumable walk
 * over entries, as compile.h and docs/platforms.md describe.
 *
 * Each component is a cursor over its units (fields): one prefix, its
 * bitmask terms, or its numeric value set as intervals, covering prefixes
 * or values.  Without cross products the walk visits the cursors one
 * after the other; with them it is an odometer over all of them, so the
 * product is never held in memory.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowspec/valueset.h"
#include "vrouter/compile.h"

/* What the units of one component are. */
enum unit_kind {
	U_PREFIX,	/* one field: the prefix */
	U_TERMS,	/* one field per bitmask term */
	U_INTERVAL,	/* one field per interval */
	U_TERNARY,	/* one field per covering prefix of each interval */
	U_VALUE,	/* one field per value, walked by the counter */
};

/* One component and its cursor. */
struct comp {
	uint8_t type;
	enum unit_kind kind;
	struct vr_entry_field pfx;	/* U_PREFIX */
	struct vr_entry_field *terms;	/* U_TERMS (malloc) */
	struct fs_interval *iv;		/* numeric kinds (malloc) */
	size_t n;			/* terms or intervals */
	unsigned width;			/* numeric kinds: the key field's bits */
	uint64_t fmax;			/* U_TERNARY: the field's largest value */
	uint64_t cmask;			/* U_VALUE: the counter's largest value */
	size_t i;			/* cursor: term or interval index */
	uint64_t pos;			/* cursor: counter, or block start */
};

struct vr_walk {
	const struct vr_profile *p;
	bool cross;
	bool done;
	bool known;
	size_t ncomp;
	size_t cur;		/* without cross products: the component walked */
	uint64_t need;
	uint64_t emitted;
	struct comp comp[FS_TYPE_MAX];
	struct vr_entry e;	/* the entry handed to the callback */
};

/* Returns the mask of the largest aligned block at lo that fits in [lo, hi]. */
static uint64_t
block_at(uint64_t lo, uint64_t hi, uint64_t max)
{
	uint64_t mask = 0;

	/* The same greedy cover as fs_range_prefix_count, so counts agree. */
	while (mask != max) {
		uint64_t next = mask << 1 | 1;

		if ((lo & next) != 0 || next > hi - lo)
			break;
		mask = next;
	}
	return mask;
}

/* Returns true when `c` has a first unit, after putting its cursor there. */
static bool
cur_reset(struct comp *c)
{
	c->i = 0;
	switch (c->kind) {
	case U_PREFIX:
		return true;
	case U_TERMS:
	case U_INTERVAL:
		return c->n > 0;
	case U_TERNARY:
		c->pos = c->n > 0 ? c->iv[0].lo : 0;
		return c->n > 0;
	case U_VALUE:
		c->pos = c->n > 0 ? c->iv[0].lo & c->cmask : 0;
		return c->n > 0;
	}
	return false;
}

/* Returns true when `c` moved to its next unit, false when it has none left. */
static bool
cur_next(struct comp *c)
{
	const struct fs_interval *iv;
	uint64_t blk;

	switch (c->kind) {
	case U_PREFIX:
		return false;
	case U_TERMS:
	case U_INTERVAL:
		return ++c->i < c->n;
	case U_TERNARY:
		iv = &c->iv[c->i];
		blk = block_at(c->pos, iv->hi, c->fmax);
		if (iv->hi - c->pos != blk) {
			c->pos += blk + 1;
			return true;
		}
		if (++c->i >= c->n)
			return false;
		c->pos = c->iv[c->i].lo;
		return true;
	case U_VALUE:
		/*
		 * The counter stops when it equals the bound.  A bound the
		 * counter cannot hold is never equalled: the counter wraps and
		 * the walk goes on for ever, as the 2013 routers' did.
		 */
		if (c->pos != c->iv[c->i].hi) {
			c->pos = (c->pos + 1) & c->cmask;
			return true;
		}
		if (++c->i >= c->n)
			return false;
		c->pos = c->iv[c->i].lo & c->cmask;
		return true;
	}
	return false;
}

/* Fills `f` with the unit under the cursor of `c`. */
static void
cur_field(const struct comp *c, struct vr_entry_field *f)
{
	switch (c->kind) {
	case U_PREFIX:
		*f = c->pfx;
		return;
	case U_TERMS:
		*f = c->terms[c->i];
		return;
	case U_INTERVAL:
		f->type = c->type;
		f->ternary = false;
		f->a = c->iv[c->i].lo;
		f->b = c->iv[c->i].hi;
		return;
	case U_TERNARY:
		f->type = c->type;
		f->ternary = true;
		f->a = c->pos;
		f->b = c->fmax & ~block_at(c->pos, c->iv[c->i].hi, c->fmax);
		return;
	case U_VALUE:
		f->type = c->type;
		f->ternary = false;
		f->a = c->pos;
		f->b = c->pos;
		return;
	}
}

/* Returns the units of `c` if its mode sizes them in advance; else *known is false. */
static uint64_t
comp_count(const struct comp *c, bool *known)
{
	struct fs_valueset s;

	*known = true;
	switch (c->kind) {
	case U_PREFIX:
		return 1;
	case U_TERMS:
	case U_INTERVAL:
		return c->n;
	case U_TERNARY:
		s.v = c->iv;
		s.n = c->n;
		s.cap = c->n;
		return fs_vs_prefix_count(&s, c->width);
	case U_VALUE:
		break;
	}
	*known = false;
	return 0;
}

/* Returns a + b, or UINT64_MAX when that overflows. */
static uint64_t
sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* Returns a * b, or UINT64_MAX when that overflows. */
static uint64_t
sat_mul(uint64_t a, uint64_t b)
{
	return b != 0 && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

/* Returns NULL after freeing `w` with errno kept as it was. */
static struct vr_walk *
abandon(struct vr_walk *w)
{
	int e = errno;

	vr_walk_free(w);
	errno = e;
	return NULL;
}

/* Returns NULL after freeing `w`, with errno EINVAL and the reason in `why`. */
static struct vr_walk * __attribute__((format(printf, 3, 4)))
refuse(struct vr_walk *w, struct vr_reject *why, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL) {
		va_start(ap, fmt);
		vsnprintf(why->msg, sizeof why->msg, fmt, ap);
		va_end(ap);
	}
	vr_walk_free(w);
	errno = EINVAL;
	return NULL;
}

/* Returns the first 8 octets of `a`, big-endian. */
static uint64_t
addr_head(const uint8_t *a)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | a[i];
	return v;
}

/* Returns 0 after making `c` the bitmask terms of `src`, or -1 with ENOMEM. */
static int
build_terms(struct comp *c, const struct fs_rule *r, const struct fs_component *src)
{
	const struct fs_term *t;

	c->kind = U_TERMS;
	c->n = src->count;
	if (c->n == 0)
		return 0;
	c->terms = calloc(c->n, sizeof *c->terms);
	if (c->terms == NULL)
		return -1;
	t = fs_comp_terms(r, src);
	for (size_t i = 0; i < c->n; i++) {
		c->terms[i].type = src->type;
		c->terms[i].ternary = false;
		c->terms[i].a = t[i].value;
		c->terms[i].b = t[i].op;
	}
	return 0;
}

/* Returns the first term value of `src` above `max`, or NULL. */
static const struct fs_term *
wide_term(const struct fs_rule *r, const struct fs_component *src, uint64_t max)
{
	const struct fs_term *t = fs_comp_terms(r, src);

	for (size_t i = 0; i < src->count; i++)
		if (t[i].value > max)
			return &t[i];
	return NULL;
}

/* Returns 0 after making `c` numeric component `src` under `p`; -1 with errno (EINVAL fills `why`). */
static int
build_numeric(struct comp *c, const struct vr_profile *p,
    const struct fs_rule *r, const struct fs_component *src,
    struct vr_reject *why)
{
	unsigned width = fs_field_width(src->type);
	uint64_t fmax = fs_width_max(width);
	const char *name = fs_type_name(src->type);
	const struct fs_term *wide;
	struct fs_valueset s;

	if (width == 0 || name == NULL) {
		refuse(NULL, why, "component type %u has no key field", src->type);
		return -1;
	}
	if (p->wide == VR_WIDE_REJECT && (wide = wide_term(r, src, fmax)) != NULL) {
		refuse(NULL, why, "%s value %" PRIu64 " does not fit the "
		    "%u-bit key field", name, wide->value, width);
		return -1;
	}
	fs_vs_init(&s);
	if (fs_vs_from_component(&s, r, src) != 0) {
		int e = errno;

		fs_vs_free(&s);
		if (e == EINVAL)
			refuse(NULL, why, "%s: malformed terms", name);
		errno = e;
		return -1;
	}
	/* An open bound closes at the field's end, never below a stated bound. */
	if (s.n > 0 && s.v[s.n - 1].hi == UINT64_MAX)
		s.v[s.n - 1].hi = s.v[s.n - 1].lo > fmax ? s.v[s.n - 1].lo : fmax;
	/* ">65535" states no wide value, yet matches only values the key cannot hold. */
	if (p->wide == VR_WIDE_REJECT && s.n > 0 && s.v[s.n - 1].hi > fmax) {
		refuse(NULL, why, "%s matches values from %" PRIu64 ", beyond the "
		    "%u-bit key field", name, s.v[s.n - 1].lo > fmax ?
		    s.v[s.n - 1].lo : fmax + 1, width);
		fs_vs_free(&s);
		errno = EINVAL;
		return -1;
	}
	if (p->wide == VR_WIDE_CLAMP)
		fs_vs_clamp(&s, fmax);
	c->iv = s.v;
	c->n = s.n;
	c->width = width;
	c->fmax = fmax;
	switch (p->range) {
	case VR_RANGE_INTERVAL:
		c->kind = U_INTERVAL;
		break;
	case VR_RANGE_PREFIX:
		/* A ternary key has `width` bits: values above it have no prefix. */
		fs_vs_clamp(&s, fmax);
		c->n = s.n;
		c->kind = U_TERNARY;
		break;
	case VR_RANGE_PER_VALUE:
		c->kind = U_VALUE;
		c->cmask = fs_width_max(p->counter_bits);
		break;
	}
	return 0;
}

/* Sizes the walk (need, known) from its components. */
static void
size_walk(struct vr_walk *w)
{
	uint64_t total = w->cross || w->ncomp == 0 ? 1 : 0;
	bool known = true, k;

	for (size_t i = 0; i < w->ncomp; i++) {
		uint64_t n = comp_count(&w->comp[i], &k);

		known = known && k;
		total = w->cross ? sat_mul(total, n) : sat_add(total, n);
	}
	if (w->p->range == VR_RANGE_PER_VALUE)
		known = false;
	w->known = known;
	w->need = known ? total : 0;
}

/* Returns true after putting the cursors on the first entry; false if there is none. */
static bool
start(struct vr_walk *w)
{
	if (w->ncomp == 0)
		return true;	/* a rule that matches everything: one entry */
	if (w->cross) {
		for (size_t i = 0; i < w->ncomp; i++)
			if (!cur_reset(&w->comp[i]))
				return false;
		return true;
	}
	for (w->cur = 0; w->cur < w->ncomp; w->cur++)
		if (cur_reset(&w->comp[w->cur]))
			return true;
	return false;
}

struct vr_walk *
vr_walk_new(const struct vr_profile *p, const struct fs_rule *r,
    uint32_t rule_id, struct vr_reject *why)
{
	struct vr_walk *w;

	if (why != NULL)
		why->msg[0] = '\0';
	if (p == NULL || r == NULL || r->ncomp > FS_TYPE_MAX)
		return refuse(NULL, why, "no profile or no rule");
	if (p->counter_bits < 1 || p->counter_bits > 64 ||
	    (unsigned)p->range > VR_RANGE_PER_VALUE ||
	    (unsigned)p->wide > VR_WIDE_KEEP)
		return refuse(NULL, why, "the profile is not valid");
	w = calloc(1, sizeof *w);
	if (w == NULL)
		return NULL;
	w->p = p;
	w->cross = p->cross_product;
	w->e.rule_id = rule_id;
	for (size_t i = 0; i < r->ncomp; i++) {
		const struct fs_component *src = &r->comp[i];
		struct comp *c = &w->comp[w->ncomp++];
		int rc = 0;

		c->type = src->type;
		if (fs_type_kind(src->type) != FS_KIND_PREFIX &&
		    ((size_t)src->first + src->count > r->nterms ||
		    (src->count > 0 && r->terms == NULL)))
			return refuse(w, why, "component type %u: terms outside the "
			    "rule", src->type);
		switch (fs_type_kind(src->type)) {
		case FS_KIND_PREFIX:
			c->kind = U_PREFIX;
			c->pfx.type = src->type;
			c->pfx.a = addr_head(src->prefix.addr);
			c->pfx.b = src->prefix.len;
			break;
		case FS_KIND_BITMASK:
			rc = build_terms(c, r, src);
			break;
		case FS_KIND_NUMERIC:
			rc = build_numeric(c, p, r, src, why);
			break;
		}
		if (rc != 0)
			return abandon(w);
	}
	size_walk(w);
	w->e.nfields = (uint8_t)(w->cross ? w->ncomp : (w->ncomp > 0 ? 1 : 0));
	w->done = !start(w);
	return w;
}

uint64_t
vr_walk_need(const struct vr_walk *w, bool *known)
{
	bool k = w != NULL && w->known;

	if (known != NULL)
		*known = k;
	return k ? w->need : 0;
}

uint64_t
vr_walk_emitted(const struct vr_walk *w)
{
	return w != NULL ? w->emitted : 0;
}

/* Fills the walk's entry with the units under the cursors. */
static void
fill(struct vr_walk *w)
{
	if (w->ncomp == 0)
		return;
	if (!w->cross) {
		cur_field(&w->comp[w->cur], &w->e.field[0]);
		return;
	}
	for (size_t i = 0; i < w->ncomp; i++)
		cur_field(&w->comp[i], &w->e.field[i]);
}

/* Returns true when the cursors moved to another entry, false when the walk is over. */
static bool
advance(struct vr_walk *w)
{
	if (w->ncomp == 0)
		return false;
	if (!w->cross) {
		if (cur_next(&w->comp[w->cur]))
			return true;
		while (++w->cur < w->ncomp)
			if (cur_reset(&w->comp[w->cur]))
				return true;
		return false;
	}
	/* The odometer: the last component turns fastest. */
	for (size_t i = w->ncomp; i-- > 0;) {
		if (cur_next(&w->comp[i]))
			return true;
		cur_reset(&w->comp[i]);
	}
	return false;
}

enum vr_walk_status
vr_walk_step(struct vr_walk *w, uint64_t budget, vr_entry_fn fn, void *ud)
{
	if (w == NULL || fn == NULL) {
		errno = EINVAL;
		return VR_WALK_STOPPED;
	}
	while (!w->done && budget > 0) {
		fill(w);
		/* A refused entry stays under the cursor: a later step retries it. */
		if (fn(&w->e, ud) != 0)
			return VR_WALK_STOPPED;
		w->emitted++;
		budget--;
		w->done = !advance(w);
	}
	return w->done ? VR_WALK_DONE : VR_WALK_MORE;
}

void
vr_walk_free(struct vr_walk *w)
{
	if (w == NULL)
		return;
	for (size_t i = 0; i < w->ncomp; i++) {
		free(w->comp[i].terms);
		free(w->comp[i].iv);
	}
	free(w);
}
