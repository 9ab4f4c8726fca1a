/*
 * profile.h - a platform profile: the mechanisms by which one kind of
 * forwarding plane compiles a Flowspec rule into filter state.
 *
 * A profile names mechanisms, never trigger values (DESIGN.md, "Platform
 * models"): how numeric ranges become entries, how wide the counter that
 * walks them is, whether ranged components cross-multiply, what a value
 * too wide for the key field does, entry size and capacity, what happens
 * when the table is full, and whether an update recompiles everything.
 * Faults emerge from these, so that a sweep finds rules nobody listed.
 *
 * Profiles are files in faults/platforms/NAME.platform, `key = value`
 * lines with `#` comments; docs/platforms.md describes every key.
 */
#ifndef FC_VROUTER_PROFILE_H
#define FC_VROUTER_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VR_PROFILE_NAME_MAX 63

/* How a numeric component's value set becomes entries (`range =`). */
enum vr_range_mode {
	VR_RANGE_INTERVAL,	/* one entry per interval: a software firewall */
	VR_RANGE_PREFIX,	/* one ternary entry per covering prefix: a TCAM */
	VR_RANGE_PER_VALUE,	/* one entry per value, walked with a counter */
};

/* What a term value wider than the packet field does (`wide-value =`). */
enum vr_wide_value {
	VR_WIDE_CLAMP,		/* dropped: such values can never match */
	VR_WIDE_REJECT,		/* the key field cannot hold it: rule rejected */
	VR_WIDE_KEEP,		/* kept as sent; the walk's counter meets it */
};

/* What happens when an update needs more entries than are free (`at-capacity =`). */
enum vr_full_action {
	VR_FULL_REJECT,		/* the rule is refused cleanly; the table is unchanged */
	VR_FULL_SPILL,		/* the rule goes to a slow path walked per packet */
};

/* When compiled state is rebuilt (`update =`). */
enum vr_update_mode {
	VR_UPDATE_INCREMENTAL,	/* only the rule that changed is compiled */
	VR_UPDATE_FULL,		/* every update recompiles the whole table */
};

struct vr_profile {
	char name[VR_PROFILE_NAME_MAX + 1];	/* `name =`, else the file's stem */
	char *description;			/* `description =` (malloc), or NULL */
	enum vr_range_mode range;
	unsigned counter_bits;		/* `counter-bits =` 8..64: the per-value walk's counter */
	bool cross_product;		/* `cross-product = yes`: entries multiply across components */
	enum vr_wide_value wide;
	uint32_t entry_bytes;		/* `entry-bytes =` 16..4096: RAM per compiled entry */
	uint64_t capacity;		/* `capacity =` entries; 0: no bound */
	enum vr_full_action at_capacity;
	enum vr_update_mode update;
	uint32_t entry_write_ns;	/* `entry-write-ns =` CPU spent writing one entry */
};

/* Where a profile could not be read: "FILE:LINE: message". */
struct vr_profile_error {
	char msg[256];
};

/* Fills `p` with the defaults: the interval-firewall mechanisms, no bound. */
void vr_profile_defaults(struct vr_profile *p);

/*
 * Reads the profile in `path`.  Unknown keys, bad values and duplicate
 * keys are errors naming the file and line.  Returns 0, or -1 with `err`
 * and `p` left empty (nothing to free).
 */
int vr_profile_load(struct vr_profile *p, const char *path,
    struct vr_profile_error *err);

/*
 * Reads a profile from the text `buf` (`len` octets); `origin` names it in
 * errors.  Returns 0, or -1 with `err`.
 */
int vr_profile_parse(struct vr_profile *p, const char *buf, size_t len,
    const char *origin, struct vr_profile_error *err);

/*
 * Finds the profile called `name` ("tcam") in `dir` as DIR/NAME.platform;
 * a `name` with a '/' is taken as a path.  Returns 0, or -1 with `err`.
 * Names are [A-Za-z0-9._-] and do not start with '.'.
 */
int vr_profile_find(struct vr_profile *p, const char *dir, const char *name,
    struct vr_profile_error *err);

/* Frees what `p` holds (not `p`); `p` is left with the defaults. */
void vr_profile_free(struct vr_profile *p);

/* Returns the key word of each mode, as written in a profile. */
const char *vr_range_mode_name(enum vr_range_mode m);
const char *vr_wide_value_name(enum vr_wide_value w);
const char *vr_full_action_name(enum vr_full_action a);
const char *vr_update_mode_name(enum vr_update_mode u);

#endif
