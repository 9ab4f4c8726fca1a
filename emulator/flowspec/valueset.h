/*
 * valueset.h - sets of field values, as sorted disjoint closed intervals.
 *
 * The linter reasons about what a component matches, not how it is
 * written: ">=80&<=80" and "==80" are the same set.  A set is kept
 * canonical (sorted, disjoint, never adjacent), so two sets are equal
 * exactly when their interval arrays are.
 */
#ifndef FC_FLOWSPEC_VALUESET_H
#define FC_FLOWSPEC_VALUESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "rule.h"

struct fs_interval {
	uint64_t lo, hi;	/* closed: lo <= hi */
};

struct fs_valueset {
	struct fs_interval *v;	/* sorted, disjoint, not adjacent */
	size_t n, cap;
};

/* Initialises `s` as the empty set. */
void fs_vs_init(struct fs_valueset *s);
/* Frees the intervals of `s`; `s` is left empty and valid. */
void fs_vs_free(struct fs_valueset *s);
/* Empties `s`, keeping its storage. */
void fs_vs_clear(struct fs_valueset *s);
/* Copies `src` into `dst` (initialised). Returns 0, or -1 on ENOMEM. */
int fs_vs_copy(struct fs_valueset *dst, const struct fs_valueset *src);

/* Adds [lo, hi] to `s`. Returns 0, or -1 with errno EINVAL (lo > hi) or ENOMEM. */
int fs_vs_add(struct fs_valueset *s, uint64_t lo, uint64_t hi);
/* Makes `s` every uint64 value. Returns 0, or -1 on ENOMEM. */
int fs_vs_fill(struct fs_valueset *s);

/*
 * Makes `s` the values that satisfy one numeric term: the FS_NUM_LT,
 * FS_NUM_GT and FS_NUM_EQ bits of `op` against `value` (other bits are
 * ignored).  Returns 0, or -1 on ENOMEM.
 */
int fs_vs_from_term(struct fs_valueset *s, uint8_t op, uint64_t value);

/* Makes `out` a ∩ b (`out` may be `a` or `b`). Returns 0, or -1 on ENOMEM. */
int fs_vs_intersect(struct fs_valueset *out, const struct fs_valueset *a,
    const struct fs_valueset *b);
/* Makes `out` a ∪ b (`out` may be `a` or `b`). Returns 0, or -1 on ENOMEM. */
int fs_vs_union(struct fs_valueset *out, const struct fs_valueset *a,
    const struct fs_valueset *b);

/* Returns true if every value of `a` is in `b`. */
bool fs_vs_subset(const struct fs_valueset *a, const struct fs_valueset *b);
/* Returns true if `a` and `b` hold the same values. */
bool fs_vs_equal(const struct fs_valueset *a, const struct fs_valueset *b);
/* Returns true if `s` holds no value. */
bool fs_vs_is_empty(const struct fs_valueset *s);
/* Returns true if `s` holds `x`. */
bool fs_vs_contains(const struct fs_valueset *s, uint64_t x);
/* Returns true if `s` holds every value of [0, max]. */
bool fs_vs_covers(const struct fs_valueset *s, uint64_t max);
/* Removes the values above `max` from `s`. */
void fs_vs_clamp(struct fs_valueset *s, uint64_t max);

/*
 * Returns the width in bits of the packet field that component `type`
 * matches (protocol 8, ports 16, icmp 8, tcp-flags 12, packet-length 16,
 * dscp 6, fragment 4, flow-label 20), or 0 for prefixes and unknowns.
 */
unsigned fs_field_width(unsigned type);
/* Returns the largest value of a field `width` bits wide (0 for width 0). */
uint64_t fs_width_max(unsigned width);

/*
 * Makes `s` the values matched by the AND-group of component `c` of `r`
 * that starts at term index `*pos` (relative to the component), and
 * moves *pos past the group.  Numeric terms give uint64 values, not
 * clamped to the field; bitmask terms are evaluated over the field's
 * whole domain (tcp-flags 0..0xfff, fragment 0..0xf).
 * Returns 0, or -1 with errno EINVAL (not a numeric or bitmask component,
 * terms out of the pool, *pos past the end) or ENOMEM.
 */
int fs_vs_from_group(struct fs_valueset *s, const struct fs_rule *r,
    const struct fs_component *c, size_t *pos);

/*
 * Makes `s` the values matched by component `c` of `r`: the union of its
 * AND-groups (RFC 8955: AND binds tighter than OR).  A component with no
 * term matches nothing.  Returns 0, or -1 as fs_vs_from_group.
 */
int fs_vs_from_component(struct fs_valueset *s, const struct fs_rule *r,
    const struct fs_component *c);

/*
 * Returns the number of ternary prefixes (value/mask pairs) that cover
 * exactly [lo, hi] in a field `width` bits wide (1..64); values above the
 * field are ignored.  Returns 0 for an empty range or a bad width.
 */
uint64_t fs_range_prefix_count(uint64_t lo, uint64_t hi, unsigned width);
/* Returns the sum of fs_range_prefix_count over `s`, saturating at UINT64_MAX. */
uint64_t fs_vs_prefix_count(const struct fs_valueset *s, unsigned width);

/*
 * Prints `s` as "80, 1024-2048" ("nothing" when empty; "..." when it does
 * not fit).  Returns the length written, always NUL-terminated if cap > 0.
 */
size_t fs_vs_print(const struct fs_valueset *s, char *buf, size_t cap);

/*
 * Returns the end (exclusive) of the AND-group of terms t[0..count) that
 * starts at `pos`: RFC 8955 binds AND tighter than OR, so a component is
 * an OR of such groups.
 */
size_t fs_term_group_end(const struct fs_term *t, size_t count, size_t pos);

#endif
