/*
 * compile.h - compiling one Flowspec rule into filter entries, the way a
 * platform profile says its forwarding plane does.
 *
 * A compile is a walk that emits entries a budget at a time, so that the
 * daemon stays responsive while a large rule compiles, and so that a walk
 * that never ends (a counter too narrow for a bound) grows state without
 * limit exactly as the router it models did, instead of being refused by
 * a check nobody would have written in 2013.
 *
 * What each mode emits per component (docs/platforms.md):
 *   prefix components (destination, source)   one entry each, every mode;
 *   bitmask components (tcp-flags, fragment)  one entry per term, every mode;
 *   numeric components, `range = interval`    one entry per interval of the value set;
 *                       `range = prefix`      one entry per covering ternary prefix
 *                                             over the field's width (fs_range_prefix_count);
 *                       `range = per-value`   one entry per value, walked by a counter
 *                                             `counter-bits` wide that wraps, from the
 *                                             interval's low bound (masked) until it
 *                                             equals the high bound: a high bound the
 *                                             counter cannot hold is never reached.
 * Without `cross-product` a rule costs the sum of its components' entries;
 * with it, the product (every combination is one entry).  A rule with no
 * component at all costs one entry.
 *
 * The value set of a numeric component is the union of its AND-groups
 * (fs_vs_from_component).  A bound the rule leaves open (">=1200") is
 * closed at the field's maximum (or at the stated low bound, if that is
 * already above it: ">65535" is [65536, 65536]); a bound it states is kept
 * as sent, and `wide-value` says what happens when it is wider than the
 * field: clamp drops the values above the field, reject refuses a rule
 * with any term value above it, keep walks the intervals as they are
 * (a ternary key, `range = prefix`, still cannot hold values above it).
 */
#ifndef FC_VROUTER_COMPILE_H
#define FC_VROUTER_COMPILE_H

#include <stdbool.h>
#include <stdint.h>

#include "flowspec/rule.h"
#include "profile.h"

/* One field of an entry: an interval [a, b], or a ternary value a / mask b. */
struct vr_entry_field {
	uint8_t type;		/* enum fs_type */
	bool ternary;		/* a / b is value / mask, else the interval [a, b] */
	uint64_t a, b;
};

/*
 * One compiled entry.  Without cross products an entry has one field;
 * with them, one field per component.  Prefix fields keep the first 8
 * octets of the address in `a` (big-endian) and the prefix length in `b`;
 * bitmask fields keep the term's bits in `a` and its operator octet
 * (FS_BM_*, FS_OP_AND) in `b`; neither is `ternary`.
 */
struct vr_entry {
	uint32_t rule_id;
	uint8_t nfields;
	struct vr_entry_field field[FS_TYPE_MAX];
};

/* Called with each entry; returns 0, or -1 with errno to stop the walk (ENOSPC, ENOMEM). */
typedef int (*vr_entry_fn)(const struct vr_entry *e, void *ud);

enum vr_walk_status {
	VR_WALK_MORE,		/* the budget ran out first: call again */
	VR_WALK_DONE,		/* every entry was emitted */
	VR_WALK_STOPPED,	/* the callback returned -1; errno is its */
};

/* Why a rule cannot be compiled at all. */
struct vr_reject {
	char msg[160];
};

struct vr_walk;

/*
 * Prepares the compile of `r` under `p`.  Returns the walk, or NULL with
 * errno: EINVAL with `why` filled when the profile refuses the rule before
 * any entry exists (a value wider than the key field under
 * `wide-value = reject`), ENOMEM otherwise.  The walk copies what it needs:
 * `r` may be freed afterwards; `p` must outlive the walk.
 */
struct vr_walk *vr_walk_new(const struct vr_profile *p, const struct fs_rule *r,
    uint32_t rule_id, struct vr_reject *why);

/*
 * Returns the number of entries the walk will emit, saturating at
 * UINT64_MAX, when the mode sizes a rule before writing it (interval and
 * prefix); *known is then true.  A per-value walk learns its size only by
 * walking: *known is false and the result is 0.
 */
uint64_t vr_walk_need(const struct vr_walk *w, bool *known);

/*
 * Emits at most `budget` more entries through `fn`.  Returns VR_WALK_MORE,
 * VR_WALK_DONE, or VR_WALK_STOPPED (errno from `fn`, or EINVAL for a NULL
 * walk or callback).  An entry `fn` refused is not counted and is offered
 * again by the next step.
 */
enum vr_walk_status vr_walk_step(struct vr_walk *w, uint64_t budget,
    vr_entry_fn fn, void *ud);

/* Returns the entries emitted so far. */
uint64_t vr_walk_emitted(const struct vr_walk *w);

void vr_walk_free(struct vr_walk *w);

#endif
